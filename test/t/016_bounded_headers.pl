# 016_bounded_headers.pl: the work one delivery costs is bounded (issue 9,
# cases 4 and 5).
#
# - One tenant's custom headers cannot slow another tenant down: another
#   tenant's delivery latency stays near its baseline while the worker
#   delivers for the largest configuration the limits allow (values per
#   header, webhooks.max_header_values; custom-header bytes per endpoint,
#   webhooks.max_headers_bytes; 22023 beyond them).  Without those limits
#   the largest is unbounded: one header of 100,000 one-byte values, whose
#   header list took seconds to build, delivery after delivery.
# - A header value as long as a superuser allows is sent whole.
# - The start of a response body is stored as valid text: cut on a
#   character boundary, its invalid bytes and NULs replaced or escaped, so
#   that anything reading the attempt log can convert it.
use strict;
use warnings;

use FindBin;
use List::Util qw(max min);
use lib "$FindBin::Bin/lib";
use MIME::Base64 ();
use POSIX ();
use Test::More;
use WebhooksTest;

my ($node, $rcv) = delivery_setup();
my $big_rcv = WebhooksTest::Receiver->new;
my ($tenant, $big) = (new_uuid(), new_uuid());

# setting(name): a setting's value in its base unit, undef when the
# setting does not exist (yet: the header limits are new)
sub setting
{
	my $v = $node->psql("SELECT setting FROM pg_settings WHERE name = '$_[0]'");
	return $v eq '' ? undef : $v;
}

# ------------------------------------------------ another tenant's latency

my $healthy = $node->receiver_hook($tenant, $rcv, '/healthy', { status => 200 });
my $offset = $rcv->clock_offset;
my $probes = 0;

# latency: ms from the publishing of an event of the healthy tenant to its
# arrival
sub latency
{
	my $e = $node->publish($tenant, $healthy->{type}, { probe => ++$probes });
	my $published = $node->psql('SELECT extract(epoch FROM published_at) * 1000 FROM webhooks._event'
		  . " WHERE tenant_locator = '$tenant' AND locator::text = '$e->{locator}'");
	return undef if $rcv->wait('/healthy', $probes, 30) < $probes;
	return $rcv->arrivals('/healthy')->[ $probes - 1 ] - $offset - $published;
}
my @alone = map { latency() // 30000 } 1 .. 3;
my $baseline = max(@alone);
note(sprintf('latency alone: %s ms', join(', ', map { sprintf '%.1f', $_ } @alone)));

$node->psql("SELECT webhooks.register_event_type('test.big')");

# create_big(headers, raise, keep): the SQLSTATE of creating a webhook of
# the big tenant with these custom headers after the SET commands in
# raise, and the webhook when keep says to commit it
my $bigs = 0;

sub create_big
{
	my ($headers, $raise, $keep) = @_;
	my $r = json_encode({ name => 'big ' . ++$bigs, endpoint => { url => $big_rcv->url('/big'), headers => $headers },
		eventTypes => ['test.big'] });
	my ($ok, $out, $err) = $node->run_psql("BEGIN; $raise SELECT webhooks.create_webhook('$big', \$j\$$r\$j\$); "
		  . ($keep ? 'COMMIT;' : 'ROLLBACK;'));
	return ('', $keep ? json_decode($out) : undef) if $ok;
	return ($err =~ /ERROR:\s+([0-9A-Z]{5}):/ ? $1 : $err, undef);
}

# spread(n, per_header, value): n values spread over headers of at most
# per_header values each
sub spread
{
	my ($n, $per, $value) = @_;
	my %h;
	for (my $i = 0; $i * $per < $n; $i++)
	{
		$h{"X-Big-$i"} = [ ($value) x min($per, $n - $i * $per) ];
	}
	return \%h;
}

# largest(name, hi, raise, make): the webhook with the headers make(k)
# for the largest k in 1 .. hi that the limits accept (how they count is
# theirs: a binary search over trials rolled back)
sub largest
{
	my ($name, $hi, $raise, $make) = @_;
	my $lo = 0;
	while ($lo < $hi)
	{
		my $mid = int(($lo + $hi + 1) / 2);
		my ($state) = create_big($make->($mid), $raise, 0);
		if ($state eq '') { $lo = $mid; }
		elsif ($state eq '22023') { $hi = $mid - 1; }
		else { fail("$name: $mid: $state"); return (); }
	}
	ok($lo > 0, "$name: the largest accepted is $lo") or return ();
	return (create_big($make->($lo), $raise, 1))[1];
}

my %limit = map { $_ => setting("webhooks.$_") }
  qw(max_headers max_header_value_bytes max_header_values max_headers_bytes);
my $many = spread(100000, 100000, 'a');
my @big;
if (defined $limit{max_header_values} && defined $limit{max_headers_bytes})
{
	my ($V, $B) = @limit{qw(max_header_values max_headers_bytes)};
	is((create_big(spread($V + 1, $V + 1, 'a'), '', 0))[0], '22023',
		"$V values in a header are the most, at the defaults: one more is 22023");
	is((create_big(spread(int($B / 100) + 1, $V, 'v' x 100), '', 0))[0], '22023',
		"$B bytes of custom headers are the most, at the defaults: more is 22023");

	# the largest a superuser can allow: every limit at its highest
	my %cap = map { $_ => $node->psql("SELECT max_val FROM pg_settings WHERE name = 'webhooks.$_'") } keys %limit;
	my $raise = join ' ', map { "SET webhooks.$_ = $cap{$_};" } sort keys %cap;
	note("the limits raised as far as they go: $raise");
	($V, $B) = @cap{qw(max_header_values max_headers_bytes)};
	is((create_big($many, $raise, 0))[0], '22023', 'one header of 100,000 values is refused: 22023');
	push @big, largest('most values', min($cap{max_headers} * $V, $B), $raise,
		sub { spread($_[0], $V, 'a') });
	my $n = POSIX::ceil($B / $cap{max_header_value_bytes});
	push @big, largest("most bytes, in $n values", $cap{max_header_value_bytes}, $raise,
		sub { spread($n, $V, 'v' x $_[0]) });
}
else
{
	note('no webhooks.max_header_values and webhooks.max_headers_bytes: one header of 100,000 values');
	my ($state, $w) = create_big($many, '', 1);
	is($state, '', 'one header of 100,000 values is accepted');
	push @big, $w;
}

# the big tenant's deliveries are being prepared and sent while the healthy
# tenant's events come
$node->psql("SELECT webhooks.publish_event('$big', 'test.big', jsonb_build_object('i', i))"
	  . ' FROM generate_series(1, 2) i');
Time::HiRes::sleep(0.2);
for my $probe (1 .. 3)
{
	my $l = latency();
	note(sprintf('latency beside the big tenant: %.1f ms', $l)) if defined $l;
	within($l, 0, $baseline + 200,
		"probe $probe: the healthy tenant's latency stays within 200 ms of its baseline (ms)");
}
for my $w (@big)
{
	is(scalar @{ $node->wait_attempts($big, $w->{locator}, 2) }, 2,
		"the big tenant's deliveries were attempted (the receiver may refuse headers that large)");
}

# ------------------------------------------------ a long header value, whole

my $long = '0123456789' x 1200;
my $raise = 'SET webhooks.max_header_value_bytes = 12000;';
$raise .= ' SET webhooks.max_headers_bytes = 16384;' if defined $limit{max_headers_bytes} && $limit{max_headers_bytes} < 16384;
$rcv->behaviour({ path => '/long', status => 200 });
$node->psql("SELECT webhooks.register_event_type('test.long')");
my $req = json_encode({ name => 'long', endpoint => { url => $rcv->url('/long'), headers => { 'X-Long' => [$long] } },
	eventTypes => ['test.long'] });
$node->psql("$raise SELECT webhooks.create_webhook('$tenant', \$j\$$req\$j\$)");
$node->publish($tenant, 'test.long', {});
is($rcv->wait('/long', 1, 30), 1, 'the webhook with a 12,000-byte header value delivered');
my $got = $rcv->requests('/long')->[0]{headers}{'x-long'} // '';
is(length($got), length($long), 'the header value arrived whole (its length)');
ok($got eq $long, 'byte for byte');

# ------------------------------------------------ response slices as valid text

# bodies whose first 512 bytes end inside a character, hold invalid UTF-8,
# hold a NUL
my %bodies = (
	'/cut2' => ('a' x 511) . "\xc3\xa9" . ('b' x 100),       # é: byte 512 is its second
	'/cut3' => ('a' x 510) . "\xe2\x82\xac" . ('b' x 100),   # €: bytes 511 and 512 are its first two
	'/invalid' => "before \xff\xfe\xc3( after",
	'/nul' => "before \x00 after",
);
my %hooks;
for my $path (sort keys %bodies)
{
	$hooks{$path} = $node->receiver_hook($tenant, $rcv, $path,
		{ status => 500, bodyBase64 => MIME::Base64::encode_base64($bodies{$path}, '') });
	$node->publish($tenant, $hooks{$path}{type}, {});
}
for my $path (sort keys %bodies)
{
	my $att = $node->wait_attempts($tenant, $hooks{$path}{locator}, 1);
	is($att->[0]{outcome} // '', 'failed', "$path: the 500 is recorded");
}
my $in = "tenant_locator = '$tenant' AND webhook_locator::text IN ("
  . join(', ', map { "'$_->{locator}'" } values %hooks) . ')';
is($node->sqlstate("SELECT count(convert_to(response, 'UTF8')) FROM webhooks._attempt WHERE $in"), '',
	'every stored response converts to UTF-8 (valid text, no NUL)');

# what was kept of each, when it is valid text
sub kept
{
	my ($path) = @_;
	my ($ok, $out) = $node->run_psql("SELECT encode(convert_to(response, 'UTF8'), 'base64')"
		  . " FROM webhooks._attempt WHERE tenant_locator = '$tenant'"
		  . " AND webhook_locator::text = '$hooks{$path}{locator}'");
	return $ok ? MIME::Base64::decode_base64($out) : '(not valid text)';
}
for my $path ('/cut2', '/cut3')
{
	my $k = kept($path);
	ok(length($k) >= 500 && length($k) <= 512 && index($bodies{$path}, $k) == 0,
		"$path: the response is cut before the character that straddles byte 512")
	  or diag(sprintf('kept %d bytes, ending %s', length($k), unpack('H*', substr($k, -4))));
}
for my $path ('/invalid', '/nul')
{
	my $k = kept($path);
	like($k, qr/\Abefore .* after\z/s, "$path: the rest of the body is kept around what was replaced");
}

ok($node->wait_queue_empty(30), 'nothing left queued');

done_testing();
