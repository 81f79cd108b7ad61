# 028_smallest_settings.pl: the worker works at the smallest values its
# settings accept.  With webhooks.batch_size = 1 it decided that half a
# batch of outcomes (0) was waiting whenever none was, ran an empty
# transaction after another, never slept, and so never read its latch:
# a whole core, and new events waiting for something else to wake it.
# With webhooks.max_inflight = 1 the mark under which a due claim runs
# (half the window, 0) could never be reached, and an event waited for
# housekeeping, a minute.  Each setting is applied by a reload, as an
# operator would, to the same running worker.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes ();
use WebhooksTest;

my ($node, $rcv) = delivery_setup();
my $tenant = new_uuid();
my $w = $node->receiver_hook($tenant, $rcv, '/small', { status => 200 });
my $sent = 0;

# publish n events and wait for them: all must arrive within the timeout
sub arrive
{
	my ($n, $timeout, $what) = @_;
	my $t0 = Time::HiRes::time();
	$node->psql("SELECT count(webhooks.publish_event('$tenant', '$w->{type}', jsonb_build_object('i', i)))"
		  . " FROM generate_series(1, $n) i");
	$sent += $n;
	is($rcv->wait('/small', $sent, $timeout), $sent, "$what: $n events arrive within $timeout s");
	note(sprintf('%s: %.2f s', $what, Time::HiRes::time() - $t0));
}

# an idle worker sleeps
sub sleeps
{
	my ($what) = @_;
	my $cpu = cpu_used($node->worker_pid, 3);
	cmp_ok($cpu, '<', 0.5, "$what: the idle worker used $cpu s of CPU in 3 s");
}

for my $case (
	[ 'webhooks.batch_size', '1', 'a batch of 1' ],
	[ 'webhooks.max_inflight', '1', 'a window of 1' ])
{
	my ($name, $value, $what) = @$case;
	ok($node->set_conf($name, $value), "$name = $value");
	# the first event after the reload, then one after an idle moment
	# (a worker that stopped reading its latch misses it), then several
	arrive(1, 3, $what);
	sleeps($what);
	arrive(1, 3, "$what, after a pause");
	arrive(20, 10, "$what, more at once");
	$node->psql("ALTER SYSTEM RESET $name");
	$node->psql('SELECT pg_reload_conf()');
}

# and both at once
ok($node->set_conf('webhooks.batch_size', '1'), 'webhooks.batch_size = 1');
ok($node->set_conf('webhooks.max_inflight', '1'), 'webhooks.max_inflight = 1');
arrive(1, 3, 'both');
sleeps('both');
arrive(20, 10, 'both, more at once');

is($rcv->count('/small'), $sent, "$sent requests for $sent events: none sent twice");
ok($node->wait_queue_empty(10), 'every outcome recorded: nothing left queued');
done_testing();
