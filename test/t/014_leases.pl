# 014_leases.pl: a delivery the worker holds is never claimed again while
# it holds it (issue 9, case 2).  A delivery may wait in the worker for a
# connection to its endpoint for long: with a 2 s timeout, 2 connections
# per host and an endpoint that never answers, the last of 16 events wait
# up to 16 s.  In 1.0 that outlived the lease of the row (10 s here); in
# 1.1 claims write nothing, and the claim cursor goes back to the head of
# the queue at least every second, so every claim meanwhile reads the rows
# held again and must skip them: none may be sent twice.  No retry
# strategy: every event gets exactly one attempt.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WebhooksTest;

my ($node, $rcv) = delivery_setup(conf => $SHORT_LEASE_CONF);
my $tenant = new_uuid();
my $N = 16;

my $w = $node->receiver_hook($tenant, $rcv, '/hang', { hangForever => JSON::PP::true });
my $events = [ split /\n/, $node->psql(
		"SELECT webhooks.publish_event('$tenant', '$w->{type}', jsonb_build_object('i', i)) ->> 'locator'"
		  . " FROM generate_series(1, $N) i") ];
is(scalar @$events, $N, "$N events published");

# 8 rounds of 2 timeouts of 2 s: about 16 s; then every request is over
ok($node->wait_queue_empty(90), 'every delivery was attempted and the queue emptied');
ok($rcv->wait_quiet(3, 30), 'the worker gave up on every request it sent, and sent no more');

my %sent;
$sent{ $_->{headers}{'webhook-id'} // '?' }++ for @{ $rcv->requests('/hang') };
my @twice = grep { $sent{$_} > 1 } sort keys %sent;
is($rcv->count('/hang'), $N, "$N events, $N requests")
  or diag(scalar(@twice) . ' sent twice or more: ' . join(' ', map { "$_ ($sent{$_})" } @twice));
is_deeply([ sort keys %sent ], [ sort @$events ], 'each event was sent');
is(scalar @twice, 0, 'none was sent twice');

# the attempt log agrees: one attempt per event, number 1, a timeout
my $att = $node->psql(
	"SELECT count(*), count(DISTINCT event_locator), max(attempt),"
	  . " count(*) FILTER (WHERE outcome = 'failed' AND \"trigger\" = 'timeout')"
	  . " FROM webhooks._attempt WHERE tenant_locator = '$tenant'");
is($att, "$N|$N|1|$N", "the attempt log: $N attempts, one per event, each a timeout (count|events|max attempt|timeouts)");

done_testing();
