# WebhooksSample.pm: a database filled the way a running installation is,
# for the tests that carry one across an upgrade (020_upgrade.pl) or a
# pg_dump from one PostgreSQL version to another (021_dump_restore.pl).
#
# fill() makes webhooks in three tenants and lets the worker work on their
# events until it has nothing left to do: events delivered, deliveries
# queued (a failure with a retry due in a day), events diverted, a webhook
# suspended by a 410 (with an alert sent), a disabled one; attempts logged
# throughout.  digests() reads every table of schema webhooks generically
# (row count and an md5 of its rows), so that what the upgrade scripts add
# later needs no change here.  delivers() proves that what was queued and
# diverted still goes out.
package WebhooksSample;

use strict;
use warnings;

use Test::More;
use WebhooksTest;

my $TRUE = JSON::PP::true;
my $FALSE = JSON::PP::false;

# the paths of the receiver each sample webhook sends to, and what they
# answer while the sample is made
my %PATHS = (
	delivered => [ '/ok', {} ],
	queued => [ '/queued', { status => 503 } ],
	diverted => [ '/diverted', { status => 503 } ],
	disabled => [ '/ok', {} ],
	gone => [ '/gone', { status => 410 } ],
);

# fill(cluster, receiver): the sample, in the cluster's database; returns
# its description (tenants, webhooks, the events still queued), which
# delivers() takes, as a hash that survives JSON.
sub fill
{
	my ($node, $rcv) = @_;
	my %s = (tenants => [ map { new_uuid() } 1 .. 3 ]);
	my ($t1, $t2, $t3) = @{ $s{tenants} };
	my %hooks = (
		delivered => [ $t1, endpoint => { hmacEnabled => $TRUE } ],
		queued => [
			$t1,
			failureHandling => {
				triggers => ['5xx'],
				divert => $TRUE,
				retryStrategy => { type => 'linear', interval => 86_400_000, attempts => 3 }
			}
		],
		diverted => [ $t2, failureHandling => { divert => $TRUE } ],
		disabled => [ $t2, enabled => $FALSE ],
		gone => [
			$t3,
			failureHandling => {
				suspend => $TRUE,
				divert => $TRUE,
				alertEndpoint => { url => $rcv->url('/alert') }
			}
		],
	);
	for my $name (sort keys %hooks)
	{
		my ($tenant, %more) = @{ $hooks{$name} };
		my ($path, $behaviour) = @{ $PATHS{$name} };
		my $endpoint = { url => $rcv->url($path), %{ delete $more{endpoint} // {} } };
		my $w = $node->receiver_hook($tenant, $rcv, $path, $behaviour, %more,
			endpoint => $endpoint);
		$s{webhooks}{$name} = { tenant => $tenant, locator => $w->{locator}, type => $w->{type} };
	}

	my %events = (delivered => 3, queued => 4, diverted => 2, disabled => 1, gone => 1);
	for my $name (sort keys %events)
	{
		my $w = $s{webhooks}{$name};
		$node->publish($w->{tenant}, $w->{type}, { sample => $name, i => $_ }) for 1 .. $events{$name};
	}
	my $queued = $s{webhooks}{queued};
	ok(wait_until(sub { $node->queued($queued->{tenant}, $queued) == 4
				&& @{ $node->attempts($queued->{tenant}, $queued->{locator}) } == 4 }, 30),
		'sample: four deliveries failed once and wait a day for their retry');
	my $gone = $s{webhooks}{gone};
	ok(wait_until(sub { $node->webhook($gone->{tenant}, $gone)->{suspended} }, 30),
		'sample: the webhook answered 410 Gone is suspended');
	# a second event for the suspended webhook is diverted at once (D10)
	$node->publish($gone->{tenant}, $gone->{type}, { sample => 'gone', i => 2 });
	ok(@{ $node->wait_diverted($gone->{tenant}, $gone, 2) } == 2,
		'sample: both events of the suspended webhook are diverted');
	my $div = $s{webhooks}{diverted};
	ok(@{ $node->wait_diverted($div->{tenant}, $div, 2) } == 2, 'sample: two events diverted');
	my $ok = $s{webhooks}{delivered};
	ok(@{ $node->wait_attempts($ok->{tenant}, $ok->{locator}, 3) } == 3, 'sample: three events delivered');
	ok($rcv->wait('/alert', 1, 20) >= 1, 'sample: the alert endpoint was told');

	$s{queued_events} = [ split /\n/, $node->psql(
			"SELECT event_locator FROM webhooks._delivery WHERE tenant_locator = '$queued->{tenant}'"
			  . ' ORDER BY event_locator') ];
	is(scalar @{ $s{queued_events} }, 4, 'sample: four deliveries queued');
	return \%s;
}

# digests(cluster, columns, dumped => 1): {table => "rows md5"} for every
# table of schema webhooks, over the given columns of each table (a hash as
# returned; by default every column it has), once two readings a second
# apart agree (the worker commits asynchronously); returns (digests,
# columns).  With dumped, only the rows pg_dump is told to keep (the
# condition given to pg_extension_config_dump, e.g. no built-in event
# types, which every install makes anew).  Values are read as text with
# fixed settings, so that two servers compare.
sub digests
{
	my ($node, $cols, %opt) = @_;
	$cols //= { map { split /\|/, $_, 2 } split /\n/, $node->psql(<<'SQL') };
SELECT quote_ident(c.relname),
       string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE n.nspname = 'webhooks' AND c.relkind IN ('r', 'p')
GROUP BY c.relname
SQL
	my %where;
	%where = map { split /\|/, $_, 2 } split /\n/, $node->psql(<<'SQL') if $opt{dumped};
SELECT quote_ident(c.relname), x.condition
FROM pg_extension e, unnest(e.extconfig, e.extcondition) x(oid, condition)
JOIN pg_class c ON c.oid = x.oid
WHERE e.extname = 'webhooks'
SQL
	my $sql = "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres';\n"
	  . "SET extra_float_digits = 1;\n"
	  . join('', map {
			"SELECT '$_', count(*) || ' ' || md5(coalesce(string_agg(r::text, E'\\n' ORDER BY r::text), ''))"
			  . " FROM (SELECT $cols->{$_} FROM webhooks.$_ " . ($where{$_} // '') . ") r;\n"
		} sort keys %$cols);
	my ($last, $now) = ('', '');
	wait_until(sub { ($last, $now) = ($now, $node->psql($sql)); $last eq $now }, 30)
	  or diag('the tables did not settle');
	return ({ map { split /\|/, $_, 2 } split /\n/, $now }, $cols);
}

# same_digests(before, after, what): one test per table.
sub same_digests
{
	my ($before, $after, $what) = @_;
	for my $t (sort keys %$before)
	{
		my ($n) = split / /, $before->{$t};
		is($after->{$t}, $before->{$t}, "$what: every row of webhooks.$t ($n) is the same");
	}
}

# delivers(cluster, receiver, sample): the sample's webhooks sent to this
# receiver from now on, what was queued is delivered, a diverted event is
# resent and arrives, and a new event is delivered.
sub delivers
{
	my ($node, $rcv, $s) = @_;
	my %w = %{ $s->{webhooks} };
	for my $name (sort keys %w)
	{
		my ($path) = @{ $PATHS{$name} };
		$rcv->behaviour({ path => $path });
		$node->update($w{$name}{tenant}, $w{$name}, { endpoint => { url => $rcv->url($path) } });
	}
	my $had = $rcv->count('/queued');
	# the retries are due now instead of tomorrow; a new event wakes the worker
	$node->psql('UPDATE webhooks._delivery SET due_at = now()');
	my $e = $node->publish($w{delivered}{tenant}, $w{delivered}{type}, { after => 1 });
	ok($node->wait_queue_empty(60), 'the queue empties');
	my @got = grep { $_->{status} == 200 } @{ $rcv->requests('/queued') }[ $had .. $rcv->count('/queued') - 1 ];
	is(join(' ', sort map { $_->{headers}{'webhook-id'} } @got), join(' ', @{ $s->{queued_events} }),
		'every queued delivery arrived');
	ok(grep({ $_->{headers}{'webhook-id'} eq $e->{locator} } @{ $rcv->requests('/ok') }),
		'a new event is delivered');

	my $d = $w{diverted};
	my $diverted = $node->diverted($d->{tenant}, $d);
	my $event = $diverted->[0]{eventLocator};
	$node->psql("SELECT webhooks.resend_diverted_event('$d->{tenant}', '$d->{locator}', '$event')");
	ok(wait_until(sub { @{ $node->diverted($d->{tenant}, $d) } == 1 }, 30),
		'a resent diverted event is delivered and leaves the diverted list');
	ok(grep({ $_->{headers}{'webhook-id'} eq $event && $_->{status} == 200 } @{ $rcv->requests('/diverted') }),
		'the receiver got the resent event');
}

1;
