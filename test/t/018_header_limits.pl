# 018_header_limits.pl: the largest custom headers the limits allow are
# sent, whole and in order (issue 9): at the defaults (50 headers of 16
# values, 16 kB as sent) and at the hard cap of webhooks.max_headers_bytes
# (256 kB), which must stay below the 1 MB header block libcurl refuses.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WebhooksTest;

my ($node, $rcv) = delivery_setup();
my $tenant = new_uuid();

# headers(count, values, bytes): count headers X-H01... of values values
# each, their values as long as they can be for the headers to take
# exactly bytes as sent (name, ": ", value and CRLF a value)
sub headers
{
	my ($count, $values, $bytes) = @_;
	my @lines = map { my $h = $_; map { [ sprintf('X-H%02d', $h), $_ ] } 1 .. $values } 1 .. $count;
	my $room = $bytes - 9 * @lines;
	my %headers;
	for my $i (0 .. $#lines)
	{
		my ($name, $n) = @{ $lines[$i] };
		my $len = int($room / (@lines - $i));
		$room -= $len;
		push @{ $headers{$name} }, sprintf('%d-', $n) . ('v' x ($len - length("$n-")));
	}
	return \%headers;
}

sub bytes_as_sent
{
	my ($headers) = @_;
	my $bytes = 0;
	for my $name (keys %$headers)
	{
		$bytes += length($name) + 4 + length($_) for @{ $headers->{$name} };
	}
	return $bytes;
}

# sent_whole(name, headers, what): a webhook of that name with these
# headers gets an event of its own, with every value whole and in order
sub sent_whole
{
	my ($name, $headers, $what) = @_;
	$node->psql("SELECT webhooks.register_event_type('test.headers.$name')");
	$rcv->behaviour({ path => "/$name" });
	$node->create_webhook($tenant, {
		name => $name,
		endpoint => { url => $rcv->url("/$name"), headers => $headers },
		eventTypes => ["test.headers.$name"],
	});
	$node->publish($tenant, "test.headers.$name", { name => $name });
	is($rcv->wait("/$name", 1, 30), 1, "$what: delivered");
	my $got = $rcv->requests("/$name")->[0];
	is_deeply({ map { lc($_) => $headers->{$_} } keys %$headers },
		{ map { $_ => (ref $got->{headers}{$_} ? $got->{headers}{$_} : [ $got->{headers}{$_} ]) }
			grep { /^x-h\d\d$/ } keys %{ $got->{headers} } },
		"$what: every value arrives whole, in order");
}

# the defaults: 50 headers of 16 values, 16,384 bytes in all
my $at_defaults = headers(50, 16, 16384);
is(bytes_as_sent($at_defaults), 16384, 'the default-sized headers take 16 kB as sent');
sent_whole('defaults', $at_defaults, 'at the default limits');

# the hard cap: 32 values of about 8 kB, 256 kB in all
ok($node->set_conf('webhooks.max_header_values', '32'), 'max_header_values raised to 32');
ok($node->set_conf('webhooks.max_headers_bytes', '256kB'), 'max_headers_bytes raised to its cap');
my $at_cap = headers(1, 32, 256 * 1024);
is(bytes_as_sent($at_cap), 262144, 'the capped headers take 256 kB as sent');
is($node->sqlstate("SET webhooks.max_headers_bytes = '257kB'"), '22023', 'the cap cannot be passed');
sent_whole('cap', $at_cap, 'at the cap');
is($node->psql("SELECT string_agg(concat_ws(' ', outcome, status, error), '; ') FROM webhooks._attempt
	WHERE outcome <> 'delivered'"), '', 'no attempt failed');

done_testing();
