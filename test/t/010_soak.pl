# 010_soak.pl: a soak of failure handling (issue 4).  10,000 events to one
# webhook whose receiver answers 503 to 30% of requests at random and holds
# 10% open until the delivery times out (webhooks.timeout 1 s, so that it
# fits in CI), with 3 linear retries and divert.  Afterwards every event is
# delivered or diverted, none lost and none both, and the counts reconcile
# exactly with the receiver's log: for every event, the requests the
# receiver logged are the attempts in webhooks._attempt.  The figures are
# reported with diag.
#
# webhooks.max_host_connections is raised to 128 so that the hung requests
# (about 1,600 of a second each) do not serialize behind 8 connections.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes ();
use WebhooksTest;

my $N = 10_000;
my ($node, $rcv) = delivery_setup(
	conf => "webhooks.timeout = '1s'\nwebhooks.max_host_connections = 128");
my $tenant = new_uuid();

my $w = $node->receiver_hook($tenant, $rcv, '/soak', { failRate => 0.3, timeoutRate => 0.1, seed => 4242 },
	failureHandling => { divert => JSON::PP::true,
		retryStrategy => { type => 'linear', interval => 100, attempts => 3 } });

my $t0 = Time::HiRes::time();
for (my $i = 0; $i < $N; $i += 1000)
{
	$node->psql("SELECT count(webhooks.publish_event('$tenant', '$w->{type}', jsonb_build_object('i', i)))"
		  . " FROM generate_series($i + 1, $i + 1000) i");
}
my $published_in = Time::HiRes::time() - $t0;
ok($node->wait_queue_empty(170), 'the queue empties') or diag('still queued: ' . $node->queued($tenant, $w));
my $wall = Time::HiRes::time() - $t0;

# the database's view: every event, its attempts, delivered or diverted
my %events = map { $_ => 1 } split /\n/,
  $node->psql("SELECT locator FROM webhooks._event WHERE tenant_locator = '$tenant'");
is(scalar keys %events, $N, "$N events stored");
my (%attempts, %delivered, %numbers);
for (split /\n/, $node->psql(
		"SELECT event_locator, count(*), count(*) FILTER (WHERE outcome = 'delivered'),"
		  . " string_agg(attempt::text, ',' ORDER BY id)"
		  . " FROM webhooks._attempt WHERE tenant_locator = '$tenant' GROUP BY 1"))
{
	my ($e, $n, $ok, $numbers) = split /\|/;
	$attempts{$e} = $n;
	$delivered{$e} = 1 if $ok;
	$numbers{$e} = $numbers;
}
my %diverted = map { $_ => 1 } split /\n/, $node->psql(
	"SELECT event_locator FROM webhooks._diverted_event WHERE tenant_locator = '$tenant'");
my @lost = grep { !$delivered{$_} && !$diverted{$_} } keys %events;
my @both = grep { $delivered{$_} && $diverted{$_} } keys %events;
is(scalar @lost, 0, 'every event was delivered or diverted: none lost')
  or diag('lost, e.g.: ' . join(' ', @lost[ 0 .. ($#lost < 4 ? $#lost : 4) ]));
is(scalar @both, 0, 'none both delivered and diverted');
is(keys(%delivered) + keys(%diverted), $N, "delivered + diverted = $N");
is(scalar(grep { !$events{$_} } keys %attempts, keys %diverted), 0, 'nothing unknown was attempted or diverted');
my @misnumbered = grep { $numbers{$_} ne join(',', 1 .. $attempts{$_}) } keys %numbers;
is(scalar @misnumbered, 0, 'the attempts at each event are numbered 1, 2, ... in order')
  or diag("e.g. $misnumbered[0]: $numbers{$misnumbered[0]}");
is(scalar(grep { $attempts{$_} > 4 } keys %attempts), 0, 'no event had more than 1 + 3 attempts');
is(scalar(grep { $attempts{$_} != 4 } keys %diverted), 0, 'every diverted event had all 4 attempts');

# the receiver's view, event by event
my (%requests, %last, %oks, %outcomes);
for (@{ $rcv->logged('/soak') })
{
	my ($id, $outcome) = @$_;
	$requests{$id}++;
	$last{$id} = $outcome;
	$oks{$id}++ if $outcome eq 'ok';
	$outcomes{$outcome}++;
}
my @mismatch = grep { ($requests{$_} // 0) != ($attempts{$_} // 0) } keys %events;
is(scalar @mismatch, 0, 'for every event, the receiver logged as many requests as there are attempts')
  or diag(join "\n", map { "$_: receiver $requests{$_}, attempts $attempts{$_}" }
	  @mismatch[ 0 .. ($#mismatch < 4 ? $#mismatch : 4) ]);
is(scalar(grep { !$events{$_} } keys %requests), 0, 'the receiver got nothing that was not published');
my @not_ok = grep { ($last{$_} // '') ne 'ok' } keys %delivered;
is(scalar @not_ok, 0, 'every delivered event\'s last request was answered ok');
is(scalar(grep { ($last{$_} // '') eq 'ok' } keys %diverted), 0, 'no diverted event\'s last request was ok');

my $total = 0;
$total += $_ for values %attempts;
my $stats = $node->stats($tenant, $w->{locator});
is($stats->{delivered} + $stats->{failed} + $stats->{retried}, $total,
	'webhook_delivery_stats: delivered + failed + retried = the attempts');
is($stats->{delivered}, scalar keys %delivered, 'webhook_delivery_stats.delivered = the delivered events');
is($stats->{failed}, scalar keys %diverted, 'webhook_delivery_stats.failed = the diverted events');
is($rcv->control('GET', '/_control/count?path=/soak')->{count}, $total, 'receiver total = attempts total');

my $dups = grep { $oks{$_} > 1 } keys %oks;
my %by_outcome = map { $_ => 0 } qw(ok fail timeout);
$by_outcome{$_} = $outcomes{$_} for keys %outcomes;
diag(sprintf('soak: %d events published in %.1f s; queue empty after %.1f s', $N, $published_in, $wall));
diag(sprintf('soak: %d attempts (%d retries); receiver: %d ok, %d 5xx, %d timeouts',
	$total, $stats->{retried}, @by_outcome{qw(ok fail timeout)}));
diag(sprintf('soak: %d delivered, %d diverted, %d answered ok more than once (at least once: a'
		  . ' timeout may cross an answer)', scalar keys %delivered,
	scalar keys %diverted, $dups));
my %hist;
$hist{ $attempts{$_} }++ for keys %attempts;
diag('soak: events by attempts: ' . join(', ', map { "$_: $hist{$_}" } sort keys %hist));
done_testing();
