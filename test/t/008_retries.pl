# 008_retries.pl: retry strategies (doc/decisions.md D7, D8, D12b): linear and
# exponential schedules with their jitter, attempts = 1 + retries,
# Retry-After on 429 and 503 (capped at twice the scheduled delay), a 410
# final at once, retries kept in the tables (a waiting retry holds up
# nothing, survives a restart) and judged with the webhook's configuration
# as it is when they are sent.
#
# Schedules are measured as the gaps between the receiver's arrival times:
# retry k must come no sooner than its delay and not much later (jitter adds
# up to 10%, plus a generous slack for the worker's scheduling): this checks
# behaviour, not speed.
use strict;
use warnings;

use FindBin;
use POSIX ();
use lib "$FindBin::Bin/lib";
use Test::More;
use WebhooksTest;

my ($node, $rcv) = delivery_setup(conf => "webhooks.timeout = '1s'");
my $tenant = new_uuid();
my $SLACK = 250 * ($ENV{WEBHOOKS_SLOW} ? 20 : 1);    # ms the worker may take beyond a delay

sub hook { return $node->receiver_hook($tenant, $rcv, @_); }

sub linear { return { type => 'linear', interval => $_[0], attempts => $_[1] }; }
sub exponential { return { type => 'exponential', interval => $_[0], attempts => $_[1] }; }

# schedule(path, behaviour, failureHandling, n): a webhook on path, one
# event published to it, and n requests waited for; returns the webhook,
# the event and the gaps between the requests (ms)
sub schedule
{
	my ($path, $behaviour, $fh, $n) = @_;
	my $w = hook($path, $behaviour, failureHandling => $fh);
	my $e = $node->publish($tenant, $w->{type}, { path => $path });
	is($rcv->wait($path, $n, 30), $n, "$path: $n requests arrived");
	return ($w, $e, gaps($rcv->arrivals($path)));
}

# delay_ok(gap, delay, name): a retry came after its delay, plus at most
# the jitter and the slack
sub delay_ok
{
	my ($gap, $delay, $name) = @_;
	return within($gap, $delay, $delay * 1.1 + $SLACK, "$name: waited ${delay} ms + jitter");
}

# ended(w, e, n, outcome): the delivery of e to w is over after n attempts,
# numbered 1..n, all "retrying" but the last, which has the outcome
sub ended
{
	my ($w, $e, $n, $outcome, $name) = @_;
	ok($node->wait_queue_empty(30), "$name: nothing left queued");
	my $att = $node->event_attempts($tenant, $w, $e->{locator});
	is_deeply([ map { "$_->[0] $_->[1]" } @$att ],
		[ (map { "$_ retrying" } 1 .. $n - 1), "$n $outcome" ],
		"$name: attempts 1 to $n, the last $outcome")
	  or diag explain $att;
	return $att;
}

# ------------------------------------------------ linear and exponential

my ($w, $e, $g) = schedule('/linear', { status => 503 }, { retryStrategy => linear(300, 3) }, 4);
is(scalar @$g, 3, 'linear, attempts 3: first try and 3 retries');
delay_ok($g->[$_ - 1], 300 * $_, "linear retry $_") for 1 .. 3;
ok($g->[0] < $g->[1] && $g->[1] < $g->[2], 'linear: the gaps grow') or diag explain $g;
my $att = ended($w, $e, 4, 'failed', 'linear');
is($att->[-1][3], '5xx', 'the last attempt matched "5xx"');
is($rcv->count('/linear'), 4, 'linear: exactly 4 requests (1 + attempts)');
is_deeply($node->diverted($tenant, $w), [], 'not diverted (divert is off)');
is($node->webhook($tenant, $w)->{suspended}, JSON::PP::false, 'not suspended');
is_deeply([ @{ $node->stats($tenant, $w->{locator}) }{qw(retried failed delivered pending)} ],
	[ 3, 1, 0, 0 ], 'webhook_delivery_stats: 3 retried, 1 failed');

($w, $e, $g) = schedule('/exponential', { status => 503 }, { retryStrategy => exponential(300, 3) }, 4);
delay_ok($g->[0], 300, 'exponential retry 1');
delay_ok($g->[1], 600, 'exponential retry 2');
delay_ok($g->[2], 1200, 'exponential retry 3');
ended($w, $e, 4, 'failed', 'exponential');
is($rcv->count('/exponential'), 4, 'exponential: exactly 4 requests');

# exponential keeps doubling: the 4th retry waits 8 × interval
($w, $e, $g) = schedule('/exponential4', { status => 500 }, { retryStrategy => exponential(100, 4) }, 5);
delay_ok($g->[$_ - 1], 100 * 2**($_ - 1), "exponential retry $_ of 4") for 1 .. 4;
ended($w, $e, 5, 'failed', 'exponential, attempts 4');

# attempts = 1 + retries, and the default of 3
($w, $e, $g) = schedule('/once', { status => 502 }, { retryStrategy => linear(100, 1) }, 2);
delay_ok($g->[0], 100, 'attempts 1: the one retry');
ended($w, $e, 2, 'failed', 'attempts 1');
is($rcv->count('/once'), 2, 'attempts 1: 2 requests');
($w, $e, $g) = schedule('/default3', { status => 502 },
	{ retryStrategy => { type => 'linear', interval => 50 } }, 4);
ended($w, $e, 4, 'failed', 'attempts absent');
is($rcv->count('/default3'), 4, 'attempts absent: 3 retries by default');

# a retry that succeeds ends the schedule
$w = hook('/recover', { status => 503 }, failureHandling => { retryStrategy => linear(200, 3), divert => JSON::PP::true });
$e = $node->publish($tenant, $w->{type}, {});
is($rcv->wait('/recover', 2, 10), 2, 'two failures');
$rcv->behaviour({ path => '/recover', status => 200 });
ended($w, $e, 3, 'delivered', 'recovered on the second retry');
is($rcv->count('/recover'), 3, 'no request after the success');
is_deeply($node->diverted($tenant, $w), [], 'a recovered event is not diverted');
is_deeply($rcv->ids('/recover'), [ ($e->{locator}) x 3 ], 'every attempt carries the same webhook-id');

# ------------------------------------------------ Retry-After (D7)

# 429 and 503 with Retry-After: 1 and a scheduled delay of 2 s: after 1 s
for my $status (429, 503)
{
	($w, $e, $g) = schedule("/ra$status", { status => $status, retryAfter => '1' },
		{ retryStrategy => linear(2000, 1) }, 2);
	within($g->[0], 1000, 1000 + $SLACK, "$status with Retry-After: 1 retries after 1 s, not 2 s");
	ended($w, $e, 2, 'failed', "$status Retry-After");
}

# Retry-After asks for more than twice the scheduled delay: capped there
($w, $e, $g) = schedule('/racap', { status => 503, retryAfter => '5' }, { retryStrategy => linear(300, 1) }, 2);
within($g->[0], 600, 660 + $SLACK, 'Retry-After: 5 with a 300 ms delay is capped at 2 × the delay');
ended($w, $e, 2, 'failed', 'Retry-After capped');

# an HTTP date counts too
my $date = POSIX::strftime('%a, %d %b %Y %H:%M:%S GMT', gmtime(time + 2));
($w, $e, $g) = schedule('/radate', { status => 429, retryAfter => $date }, { retryStrategy => linear(3000, 1) }, 2);
within($g->[0], 800, 3000, "Retry-After as an HTTP date ($date) is honoured: sooner than the 3 s scheduled");
ended($w, $e, 2, 'failed', 'Retry-After date');

# other statuses ignore Retry-After: 500 with Retry-After: 0 waits its delay
($w, $e, $g) = schedule('/ra500', { status => 500, retryAfter => '0' }, { retryStrategy => linear(500, 1) }, 2);
delay_ok($g->[0], 500, '500 ignores Retry-After');
ended($w, $e, 2, 'failed', '500 with Retry-After');

# a garbage Retry-After leaves the schedule alone
($w, $e, $g) = schedule('/rabad', { status => 503, retryAfter => 'soon' }, { retryStrategy => linear(400, 1) }, 2);
delay_ok($g->[0], 400, 'an unreadable Retry-After is ignored');
ended($w, $e, 2, 'failed', 'unreadable Retry-After');

# ------------------------------------------------ 410 Gone (D7)

$w = hook('/gone', { status => 410 },
	failureHandling => { retryStrategy => linear(100, 3), divert => JSON::PP::true, suspend => JSON::PP::true });
$e = $node->publish($tenant, $w->{type}, {});
$att = ended($w, $e, 1, 'failed', '410 with retries');
is($att->[0][3], '4xx', '410 matched "4xx"');
is($rcv->count('/gone'), 1, '410: one request, no retry');
my $d = $node->wait_diverted($tenant, $w, 1);
is($d->[0]{failureTrigger} // '', '410', '410: diverted with failureTrigger "410"');
is($node->webhook($tenant, $w)->{suspended}, JSON::PP::true, '410 with suspend: suspended');

# a 410 that matches no trigger is an ordinary unmatched failure
$w = hook('/gone5xx', { status => 410 },
	failureHandling => { triggers => ['5xx'], retryStrategy => linear(100, 3), divert => JSON::PP::true });
$e = $node->publish($tenant, $w->{type}, {});
$att = ended($w, $e, 1, 'failed', '410 unmatched');
is($att->[0][3], '', 'no trigger');
is_deeply($node->diverted($tenant, $w), [], 'not diverted');

# ------------------------------------------------ a waiting retry holds up nothing

# 20 events fail and wait 3 s for their retry; another webhook's 20 events
# are delivered meanwhile, and so is a new event of the same webhook
my $slow = hook('/slow', { status => 503 }, failureHandling => { retryStrategy => linear(3000, 1) });
$node->psql("SELECT webhooks.publish_event('$tenant', '$slow->{type}', jsonb_build_object('i', i))"
	  . ' FROM generate_series(1, 20) i');
is($rcv->wait('/slow', 20, 10), 20, 'the first tries of 20 events failed');
my $failed_at = $rcv->arrivals('/slow')->[-1];
my $fast = hook('/fast', { status => 200 });
$node->psql("SELECT webhooks.publish_event('$tenant', '$fast->{type}', jsonb_build_object('i', i))"
	  . ' FROM generate_series(1, 20) i');
is($rcv->wait('/fast', 20, 10), 20, 'another webhook: 20 events delivered');
ok($rcv->arrivals('/fast')->[-1] < $failed_at + 3000, 'before the first retry was due');
is($node->queued($tenant, $slow), 20, 'the 20 retries were still waiting in the queue');
$rcv->behaviour({ path => '/slow', status => 200 });
$node->publish($tenant, $slow->{type}, { i => 'new' });
is($rcv->wait('/slow', 21, 10), 21, 'a new event of the retrying webhook');
ok($rcv->arrivals('/slow')->[20] < $failed_at + 3000, 'is delivered before its retries are due');
is($rcv->wait('/slow', 41, 20), 41, 'then the 20 retries come');
ok($node->wait_queue_empty(20), 'and the queue empties');
is(scalar(grep { $_->{outcome} eq 'delivered' } @{ $node->attempts($tenant, $slow->{locator}) }), 21,
	'21 delivered');

# ------------------------------------------------ changes apply to what is not yet attempted (D12b)

# the retry strategy is removed while a retry waits: the retry is the last
# attempt, and divert (added too) applies to it
$w = hook('/upd_retry', { status => 503 }, failureHandling => { retryStrategy => linear(1500, 3) });
$e = $node->publish($tenant, $w->{type}, {});
is($rcv->wait('/upd_retry', 1, 10), 1, 'first try failed');
$node->update($tenant, $w, { failureHandling => { removeRetryStrategy => JSON::PP::true, divert => JSON::PP::true } });
ended($w, $e, 2, 'failed', 'retry strategy removed');
is($rcv->count('/upd_retry'), 2, 'the waiting retry was the last request');
$d = $node->wait_diverted($tenant, $w, 1);
is($d->[0]{eventLocator} // '', $e->{locator}, 'and divert, added by the update, diverted it');

# the triggers change while a retry waits: the next failure matches none,
# so it is recorded and dropped (no more retries, not diverted)
$w = hook('/upd_trig', { status => 503 },
	failureHandling => { triggers => ['5xx'], retryStrategy => linear(1000, 3), divert => JSON::PP::true });
$e = $node->publish($tenant, $w->{type}, {});
is($rcv->wait('/upd_trig', 1, 10), 1, 'first try failed');
$node->update($tenant, $w, { failureHandling => { removeTriggers => ['5xx'], addTriggers => ['timeout'] } });
$att = ended($w, $e, 2, 'failed', 'triggers changed');
is($att->[-1][3], '', 'the retry matched no trigger');
is($rcv->count('/upd_trig'), 2, 'no more retries');
is_deeply($node->diverted($tenant, $w), [], 'not diverted');

# the interval grows while a retry waits: the retry already scheduled keeps
# its time, the next ones follow the new strategy
$w = hook('/upd_interval', { status => 503 }, failureHandling => { retryStrategy => linear(300, 2) });
$e = $node->publish($tenant, $w->{type}, {});
is($rcv->wait('/upd_interval', 1, 10), 1, 'first try failed');
$node->update($tenant, $w, { failureHandling => { retryStrategy => { type => 'linear', interval => 1000, attempts => 2 } } });
is($rcv->wait('/upd_interval', 3, 20), 3, 'both retries came');
$g = gaps($rcv->arrivals('/upd_interval'));
within($g->[0], 300, 330 + $SLACK, 'the retry scheduled before the update kept its time');
delay_ok($g->[1], 2000, 'the next one follows the new interval (1000 × 2)');
ended($w, $e, 3, 'failed', 'interval changed');

# ------------------------------------------------ a restart in the middle of a schedule

# two webhooks retry every 1.5 s × k; the server stops (fast) after their
# first tries and starts again: the remaining retries still happen, from the
# tables.  One recovers (delivered), the other fails for good (diverted).
my $again = hook('/restart_ok', { status => 503 },
	failureHandling => { retryStrategy => linear(1500, 3), divert => JSON::PP::true });
my $never = hook('/restart_fail', { status => 503 },
	failureHandling => { retryStrategy => linear(1500, 3), divert => JSON::PP::true });
my $e_ok = $node->publish($tenant, $again->{type}, {});
my $e_fail = $node->publish($tenant, $never->{type}, {});
is($rcv->wait('/restart_ok', 1, 10) + $rcv->wait('/restart_fail', 1, 10), 2, 'both first tries failed');
# the worker records an outcome a moment after the receiver sees the
# request: wait for it, or the stop may come first and the outcome be lost
ok(wait_until(sub {
	$node->psql("SELECT count(*) FROM webhooks._delivery WHERE tenant_locator = '$tenant'"
		  . " AND webhook_locator::text IN ('$again->{locator}', '$never->{locator}') AND due_at > now()") == 2 }, 5),
	'their retries are scheduled in the queue table');
$node->stop('fast');
$node->start;
ok($node->wait_for_worker(30), 'worker running again after the restart');
is($rcv->wait('/restart_ok', 2, 30), 2, 'the first retry came after the restart');
$rcv->behaviour({ path => '/restart_ok', status => 200 });
is($rcv->wait('/restart_fail', 4, 40), 4, 'the failing one got all its retries');
ended($again, $e_ok, 3, 'delivered', 'restart, then recovered');
ended($never, $e_fail, 4, 'failed', 'restart, then failed for good');
is($rcv->count('/restart_ok'), 3, 'recovered: 3 requests');
is($rcv->count('/restart_fail'), 4, 'failed for good: 4 requests');
is_deeply($node->diverted($tenant, $again), [], 'recovered: not diverted');
$d = $node->wait_diverted($tenant, $never, 1);
is_deeply([ @{ $d->[0] // {} }{qw(eventLocator failureTrigger failureMessage)} ],
	[ $e_fail->{locator}, '503', 'HTTP 503' ], 'failed for good: diverted');
$g = gaps($rcv->arrivals('/restart_fail'));
ok($g->[0] >= 1500 && $g->[1] >= 3000 && $g->[2] >= 4500, 'no retry came early across the restart')
  or diag explain $g;

done_testing();
