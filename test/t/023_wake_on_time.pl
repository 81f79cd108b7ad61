# 023_wake_on_time.pl: the worker judges what finished before it sleeps,
# and wakes for due retries at their time (issue 9, case 1), also when it
# runs slowly: every epoll_wait of the worker is made 4 ms late with
# strace's fault injection, which is what let a response finish unseen
# while the worker was busy, and left it unjudged for the whole 1 s idle
# wait.
#
# A burst of events must have every outcome recorded within 100 ms of the
# receiver's last arrival (recording times come from a trigger on the
# attempt log, in PostgreSQL's clock; arrivals from the receiver, its clock
# set against the same wall clock), and retries must keep their schedule
# within the bounds 008_retries.pl uses.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WebhooksTest;

my ($node, $rcv) = delivery_setup(conf => "webhooks.timeout = '1s'");
my $tenant = new_uuid();
my $LAG = 100;                                       # ms an outcome may wait to be recorded
my $SLACK = 250 * ($ENV{WEBHOOKS_SLOW} ? 20 : 1);    # as in 008_retries.pl

# when each attempt was recorded, by a trigger of this test on the log
$node->psql(<<'SQL');
CREATE TABLE public.recorded (webhook text, at timestamptz);
CREATE FUNCTION public.note_recorded() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO public.recorded VALUES (NEW.webhook_locator::text, clock_timestamp());
	RETURN NULL;
END $$;
CREATE TRIGGER note_recorded AFTER INSERT ON webhooks._attempt
	FOR EACH ROW EXECUTE FUNCTION public.note_recorded();
SQL

my $worker = $node->worker_pid;
my $strace = slow_down($worker, '4ms');
ok($strace, "strace delays every epoll_wait of the worker ($worker) by 4 ms");
my $offset = $rcv->clock_offset;

# recorded_at(webhook): [count, latest recording (epoch ms)] of its attempts
sub recorded_at
{
	my ($w) = @_;
	return split /\|/, $node->psql(
		'SELECT count(*), extract(epoch FROM max(at)) * 1000 FROM public.recorded'
		  . " WHERE webhook = '$w->{locator}'");
}

# lag_ok(w, path, n): the n attempts of w are recorded, the last within
# $LAG ms of the last arrival at path
sub lag_ok
{
	my ($w, $path, $n, $name) = @_;
	my ($count, $at) = (0, undef);
	wait_until(sub { ($count, $at) = recorded_at($w); $count >= $n }, 20);
	is($count, $n, "$name: $n attempts recorded");
	my $last = $rcv->arrivals($path)->[-1] - $offset;
	note(sprintf('%s: recorded %.1f ms after the last arrival', $name, $at - $last)) if defined $at;
	return within(defined $at ? $at - $last : undef, 0, $LAG,
		"$name: the last outcome recorded within $LAG ms of the last arrival (ms)");
}

# ------------------------------------------------ bursts

# the last responses of a burst finish at various points of the worker's
# loop: bursts of several sizes, each is a chance for one to go unjudged
my $burst = 0;
for my $n (50, 20, 8, 50, 20, 8)
{
	my $path = '/burst' . ++$burst;
	my $w = $node->receiver_hook($tenant, $rcv, $path, { status => 200 });
	$node->psql("SELECT count(webhooks.publish_event('$tenant', '$w->{type}', jsonb_build_object('i', i)))"
		  . " FROM generate_series(1, $n) i");
	is($rcv->wait($path, $n, 30), $n, "burst $burst: $n deliveries arrived");
	lag_ok($w, $path, $n, "burst $burst");
}

# ------------------------------------------------ retries on schedule

# schedule(path, strategy, n): a webhook whose endpoint answers 503 n
# times, then 200; one event; returns the webhook and the gaps (ms)
sub schedule
{
	my ($path, $strategy, $n) = @_;
	my $w = $node->receiver_hook($tenant, $rcv, $path, { status => 200, failFirst => $n },
		failureHandling => { retryStrategy => $strategy });
	$node->publish($tenant, $w->{type}, { path => $path });
	is($rcv->wait($path, $n + 1, 30), $n + 1, "$path: $n failures and the success arrived");
	return ($w, gaps($rcv->arrivals($path)));
}

my ($w, $g) = schedule('/exponential', { type => 'exponential', interval => 300, attempts => 3 }, 3);
for my $k (1 .. 3)
{
	my $delay = 300 * 2**($k - 1);
	within($g->[ $k - 1 ], $delay, $delay * 1.1 + $SLACK,
		"exponential retry $k: waited $delay ms + jitter");
}
lag_ok($w, '/exponential', 4, 'exponential');

($w, $g) = schedule('/linear', { type => 'linear', interval => 400, attempts => 2 }, 2);
for my $k (1 .. 2)
{
	my $delay = 400 * $k;
	within($g->[ $k - 1 ], $delay, $delay * 1.1 + $SLACK, "linear retry $k: waited $delay ms + jitter");
}
lag_ok($w, '/linear', 3, 'linear');

stop_slow_down($strace);
is(WebhooksTest::tracer_of($worker), '0', 'strace let go of the worker');
is($node->worker_pid, $worker, 'the same worker ran throughout');
ok($node->wait_queue_empty(10), 'nothing left queued');

done_testing();
