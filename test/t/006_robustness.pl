# 006_robustness.pl: the worker survives bad receivers, applies a reload,
# and steps aside for DROP EXTENSION (doc/decisions.md §4).
#
# Receivers that reset the connection, answer garbage or answer a huge
# body are recorded and survived: the same worker keeps delivering other
# events.  webhooks.timeout changed with ALTER SYSTEM + pg_reload_conf
# applies without a restart.  DROP EXTENSION while deliveries are in flight
# completes within a few seconds, and CREATE EXTENSION again works.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes ();
use WebhooksTest;

my ($node, $rcv) = delivery_setup(conf => "webhooks.timeout = '2s'");
my $tenant = new_uuid();
my $pid = $node->worker_pid;

# hook(path, receiver behaviour): a webhook with a type of its own on a
# receiver path that answers as told
sub hook
{
	my ($path, $behaviour) = @_;
	$rcv->behaviour({ path => $path, %$behaviour });
	return $node->hook($tenant, $rcv->url($path));
}

# ------------------------------------------------ bad receivers

my %bad = (
	reset => hook('/reset', { drop => JSON::PP::true }),
	garbage => hook('/garbage', { garbage => JSON::PP::true }),
	huge_ok => hook('/huge-ok', { status => 200, hugeBodyBytes => 50_000_000 }),
	huge_fail => hook('/huge-fail', { status => 500, hugeBodyBytes => 50_000_000 }),
);
my $good = hook('/good', {});

# interleave: 10 events to each bad receiver and 10 to the good one, then
# 100 more to the good one
my $script = '';
for my $i (1 .. 110)
{
	for my $w ($i <= 10 ? (values %bad, $good) : ($good))
	{
		$script .= "SELECT webhooks.publish_event('$tenant', '$w->{type}', '{\"i\": $i}');\n";
	}
}
$node->psql($script);
is($rcv->wait('/good', 110, 60), 110, 'the good receiver got all 110 events');
ok($node->wait_queue_empty(60), 'every delivery reached a final outcome');
is($node->worker_pid, $pid, 'the same worker: it never crashed');

for my $case (qw(reset garbage))
{
	my $att = $node->attempts($tenant, $bad{$case}{locator});
	is(scalar @$att, 10, "$case: ten attempts recorded");
	is(scalar(grep { $_->{outcome} eq 'failed' && !defined $_->{status} && ($_->{trigger} // '') eq 'timeout' } @$att),
		10, "$case: each failed with no status, as \"timeout\"");
	is(scalar(grep { ($_->{error} // '') ne '' } @$att), 10, "$case: each with an error message");
	is(scalar(grep { $_->{attempt} == 1 } @$att), 10, "$case: each a first attempt, none retried");
	# libcurl sends a request again, once, when a connection it reused
	# dies before any answer (it cannot tell a reset from a stale
	# keep-alive connection); that is a resend within one attempt
	my $got = $rcv->count("/$case");
	ok($got >= 10 && $got <= 20, "$case: the receiver got each event once, or twice on a reused connection ($got)");
}

my $huge_ok = $node->attempts($tenant, $bad{huge_ok}{locator});
is(scalar(grep { $_->{outcome} eq 'delivered' && $_->{status} == 200 } @$huge_ok), 10,
	'huge body with 200: delivered (the status is what counts)');
ok(!grep({ $_->{durationMs} > 2000 } @$huge_ok), 'a huge body is not read to its end');
my $huge_fail = $node->attempts($tenant, $bad{huge_fail}{locator});
is(scalar(grep { $_->{outcome} eq 'failed' && $_->{status} == 500 && $_->{trigger} eq '5xx' } @$huge_fail),
	10, 'huge body with 500: failed, "5xx"');
is($node->psql("SELECT max(length(response)) <= 1024 FROM webhooks._attempt"), 't',
	'the stored slice of a response stays small');

# ------------------------------------------------ reload

$rcv->behaviour({ path => '/slow', delayMs => 1200 });
my $slow = $node->hook($tenant, $rcv->url('/slow'));
my ($att) = $node->deliver($tenant, $slow);
is($att->[0]{outcome}, 'delivered', 'a 1.2 s answer is in time with webhooks.timeout 2s');
ok($node->set_conf('webhooks.timeout', '500ms'), 'webhooks.timeout reloaded as 500ms');
($att) = $node->deliver($tenant, $slow);
is_deeply([ @{ $att->[0] }{qw(outcome trigger)} ], [ 'failed', 'timeout' ],
	'after the reload the same answer times out');
ok($att->[0]{durationMs} < 1100, "after about 500 ms ($att->[0]{durationMs} ms)");
is($node->worker_pid, $pid, 'applied without restarting the worker');
ok($node->set_conf('webhooks.timeout', '2s'), 'webhooks.timeout back to 2s');

# ------------------------------------------------ DROP EXTENSION

# keep the worker busy: 100 events to an endpoint that answers in 100 ms
$rcv->behaviour({ path => '/busy', delayMs => 100 });
my $busy = $node->hook($tenant, $rcv->url('/busy'));
$node->psql(
	"SELECT webhooks.publish_event('$tenant', '$busy->{type}', jsonb_build_object('i', i)) FROM generate_series(1, 100) i"
);
ok($rcv->wait('/busy', 10, 10) >= 10, 'deliveries under way');
my $t0 = Time::HiRes::time();
my ($ok, $out, $err) = $node->run_psql('DROP EXTENSION webhooks', timeout => 30);
my $took = Time::HiRes::time() - $t0;
ok($ok, 'DROP EXTENSION while the worker delivers succeeds') or diag($err);
ok($took < 5, sprintf('and does not hang (%.2f s)', $took));
ok(WebhooksTest::wait_until(sub { $node->worker_pid eq '' }, 10),
	'its worker leaves (the launcher stays)');

($ok, $out, $err) = $node->run_psql('CREATE EXTENSION webhooks', timeout => 30);
ok($ok, 'CREATE EXTENSION again') or diag($err);
ok($node->wait_for_worker(10), 'and a worker serves it again');
$rcv->behaviour({ path => '/again' });
my $again = $node->hook($tenant, $rcv->url('/again'));
($att) = $node->deliver($tenant, $again, 5);
is(scalar(grep { $_->{outcome} eq 'delivered' } @$att), 5, 'deliveries work in the new extension');
is($rcv->count('/again'), 5, 'the receiver got them');
my $stats = $node->json('SELECT row_to_json(s) FROM webhooks.delivery_stats s');
is($stats->{queue_depth}, 0, 'queue empty');
like($stats->{worker_pid}, qr/^\d+$/, 'delivery_stats shows the worker');

done_testing();
