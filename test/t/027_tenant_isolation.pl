# 027_tenant_isolation.pl: one tenant's slow endpoint and long backlog do
# not hold back another tenant's deliveries (src/window.c).
#
# - A webhook whose endpoint answers in 2 s (within webhooks.timeout) with
#   500 events queued holds at most its share of the window (a quarter of
#   webhooks.max_inflight): another tenant's events published behind that
#   backlog are delivered at once.  Before, a webhook alone in the window
#   could fill all of it, and claims, which read in the order deliveries
#   are due, took its backlog first: the other tenant waited for it.
# - Rows that claims pass while their webhook is full are claimed by its
#   key when it has room again: a webhook answering in 50 ms receives all
#   of its 800 events at its own pace while another tenant publishes, not a
#   minute later at the claim cursor's full rewind, and none twice; one
#   published before them by a transaction that commits once its
#   reclaims have gone past it arrives within a moment of its commit.
# Each endpoint has a receiver (an origin) of its own: the connection cap
# per origin is another matter (017_origin_cap.pl).
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes ();
use WebhooksTest;

# a window of 64: a webhook's share is 16, beyond its 8 connections
my ($node, $slow_rcv) = delivery_setup(conf => "webhooks.max_inflight = 64");
my $fast_rcv = WebhooksTest::Receiver->new;
my $paced_rcv = WebhooksTest::Receiver->new;
my ($slow_tenant, $fast_tenant, $paced_tenant) = (new_uuid(), new_uuid(), new_uuid());

my $slow = $node->receiver_hook($slow_tenant, $slow_rcv, '/slow',
	{ delayMs => 2000 });
my $fast = $node->receiver_hook($fast_tenant, $fast_rcv, '/fast', {});
my $paced = $node->receiver_hook($paced_tenant, $paced_rcv, '/paced',
	{ delayMs => 50 });

sub publish_many
{
	my ($tenant, $type, $n) = @_;
	$node->psql("SELECT count(webhooks.publish_event('$tenant', '$type', jsonb_build_object('i', i)))"
		  . " FROM generate_series(1, $n) i");
}

# ------------------------------------------------ behind a slow backlog

publish_many($slow_tenant, $slow->{type}, 500);
ok(wait_until(sub { $slow_rcv->count('/slow') >= 8 }, 10),
	'the slow endpoint has requests');
my $t0 = Time::HiRes::time();
publish_many($fast_tenant, $fast->{type}, 10);
is($fast_rcv->wait('/fast', 10, 30), 10,
	"another tenant's events behind the backlog are delivered");
within(Time::HiRes::time() - $t0, 0, 2, '... at once');
# once the other tenant's outcomes are recorded, what the worker holds is
# the slow webhook's: its share (and one judged, perhaps), not the window
my $held;
ok(wait_until(sub {
	$held = $node->psql(
		"SELECT substring(query from '(\\d+) held') FROM pg_stat_activity"
		  . " WHERE backend_type = 'webhooks delivery worker'");
	return $held ne '' && $held <= 16 + 1;
}, 5), 'the slow webhook holds its share of the window, no more')
  or diag("held: $held");

# ------------------------------------------------ what claims passed

# an event published before the backlog by a transaction that commits
# only once reclaims have gone past it
my $late = $node->session("BEGIN;\nSELECT webhooks.publish_event('$paced_tenant', '$paced->{type}',"
	  . " '{\"late\": true}') IS NOT NULL;\n");
$late->{h}->pump until ${ $late->{out} } =~ /t/ || ${ $late->{err} } ne '';
is(${ $late->{out} }, "t\n", 'a transaction publishes and stays open') or diag(${ $late->{err} });
$t0 = Time::HiRes::time();
publish_many($paced_tenant, $paced->{type}, 800);
my $worst = 0;
for my $k (1 .. 20)
{
	my $ts = Time::HiRes::time();
	publish_many($fast_tenant, $fast->{type}, 10);
	$fast_rcv->wait('/fast', 10 + 10 * $k, 30);
	my $took = Time::HiRes::time() - $ts;
	$worst = $took if $took > $worst;
	Time::HiRes::sleep(0.2);
	if ($k == 5)
	{
		${ $late->{in} } .= "COMMIT;\n";
		$late->{h}->finish;
		$late->{committed} = Time::HiRes::time();
	}
}
is($fast_rcv->count('/fast'), 210, "the other tenant's 20 batches are delivered");
within($worst, 0, 1, '... each at once, while the paced backlog drains');
is($paced_rcv->wait('/paced', 801, 60), 801, 'the paced webhook gets all 801');
# 800 x 50 ms over 8 connections: 5 s
within(Time::HiRes::time() - $t0, 0, 15, '... at its own pace');
my @paced_requests = @{ $paced_rcv->requests('/paced') };
my ($late_request) = grep { $_->{body} =~ /"late"/ } @paced_requests;
ok($late_request, 'the late commit is delivered');
# arrivals are the receiver's clock: see clock_offset
within($late_request->{arrivedAt} / 1000 - $paced_rcv->clock_offset / 1000 - $late->{committed},
	-1, 2.5, '... within a moment of its commit, not when the backlog is done');
my %seen;
my @twice = grep { $seen{$_}++ } map { $_->{headers}{'webhook-id'} } @paced_requests;
is(scalar(@twice), 0, '... none twice');
is($node->psql(
		"SELECT count(*) FROM webhooks._delivery WHERE tenant_locator = '$paced_tenant'"),
	0, '... and its queue is empty');

done_testing();
