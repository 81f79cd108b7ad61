# 011_faults.pl: fault injection (issue 5): receivers that break off mid-body
# or stall after the headers, a statement of the worker's batch that fails
# (as on a full disk), the worker's database dropped and created again, and
# webhooks.database naming a database without the extension.  In every case
# the worker logs, backs off or waits, carries on, and loses nothing.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes ();
use WebhooksTest;

# ------------------------------------------------ receivers that break off

my ($node, $rcv) = delivery_setup(conf => "webhooks.timeout = '1s'");
my $tenant = new_uuid();
my $pid = $node->worker_pid;

my $mid = $node->receiver_hook($tenant, $rcv, '/mid', { midBody => JSON::PP::true });
my $stall = $node->receiver_hook($tenant, $rcv, '/stall', { stallAfterHeaders => JSON::PP::true });
my $good = $node->receiver_hook($tenant, $rcv, '/good', {});
for my $i (1 .. 5)
{
	$node->publish($tenant, $_->{type}, { i => $i }) for ($mid, $stall, $good);
}
is($rcv->wait('/good', 5, 30), 5, 'the healthy receiver got its five events');
ok($node->wait_queue_empty(60), 'every delivery reached a final outcome');
is($node->worker_pid, $pid, 'the same worker: nothing crashed');
for my $case ([ 'closed mid-body', $mid ], [ 'stalled after the headers', $stall ])
{
	my ($what, $w) = @$case;
	my $att = $node->attempts($tenant, $w->{locator});
	is(scalar @$att, 5, "$what: five attempts recorded");
	is(scalar(grep { $_->{outcome} eq 'failed' && !defined $_->{status}
				  && ($_->{trigger} // '') eq 'timeout' } @$att),
		5, "$what: each a failure with no status, matched as timeout");
	like($att->[0]{error}, qr/after HTTP 200/, "$what: the message says the status line came");
}

# ------------------------------------------------ a failing statement in the batch

# a trigger on the attempt log fails every insert, as a full disk would
$node->psql(<<'SQL');
CREATE FUNCTION public.disk_full() RETURNS trigger LANGUAGE plpgsql AS
$$BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = '53100'; END$$;
CREATE TRIGGER disk_full BEFORE INSERT ON webhooks._attempt
	FOR EACH STATEMENT EXECUTE FUNCTION public.disk_full();
SQL
my $batch = $node->receiver_hook($tenant, $rcv, '/batch', {});
$node->psql("SELECT count(webhooks.publish_event('$tenant', '$batch->{type}', jsonb_build_object('i', i)))"
	  . ' FROM generate_series(1, 50) i');
ok(wait_until(sub { $node->log =~ /No space left on device/ }, 30),
	'the worker logs the failed statement');
Time::HiRes::sleep(3);
is($node->worker_pid, $pid, 'and keeps running');
is($node->psql("SELECT count(*) FROM webhooks._delivery WHERE webhook_locator::text = '$batch->{locator}'"),
	50, 'no outcome was recorded: all 50 deliveries are still queued');
$node->psql('DROP TRIGGER disk_full ON webhooks._attempt');
ok($node->wait_queue_empty(60), 'once the statement works again, every outcome is recorded');
is($rcv->count('/batch'), 50, 'each event reached the receiver once: nothing lost, nothing sent twice');
is($node->psql("SELECT count(*) FROM webhooks._attempt WHERE outcome = 'delivered'"
	  . " AND webhook_locator::text = '$batch->{locator}'"), 50, 'and its delivery is recorded');
is($node->worker_pid, $pid, 'the same worker throughout');

# ------------------------------------------------ the database dropped and created again

my $app = WebhooksTest::Cluster->new(database => 'app');
$app->psql('CREATE EXTENSION webhooks');
ok($app->wait_for_worker, 'a worker serves database "app"');
my $t2 = new_uuid();
my $w = $app->receiver_hook($t2, $rcv, '/app', {});
$app->publish($t2, $w->{type}, { before => 'drop' });
is($rcv->wait('/app', 1, 30), 1, 'delivered before the drop');
my $old = $app->worker_pid;
my $t0 = Time::HiRes::time();
is($app->sqlstate('DROP DATABASE app WITH (FORCE)', db => 'postgres'), '',
	'DROP DATABASE ... WITH (FORCE) succeeds while the worker runs');
ok(Time::HiRes::time() - $t0 < 10, 'and does not hang');
$app->psql('CREATE DATABASE app', db => 'postgres');
$app->psql('CREATE EXTENSION webhooks');
ok($app->wait_for_worker(30, not => $old), 'with the extension in the new database, a new worker serves it');
$w = $app->receiver_hook($t2, $rcv, '/app2', {});
$app->publish($t2, $w->{type}, { after => 'create' });
is($rcv->wait('/app2', 1, 30), 1, 'events of the new database are delivered');

# ------------------------------------------------ a database without the extension

# (the cluster starts before it creates the database: the launcher finds
# no such database at first, which is not the point)
my $bare = WebhooksTest::Cluster->new(database => 'bare');
ok(wait_until(sub { $bare->psql("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'webhooks launcher'") eq '1' }, 30),
	'the launcher runs');
my $seen = length $bare->log;
Time::HiRes::sleep(3);
is($bare->worker_pid, '', 'no worker stays in a database without the extension');
my @errors = grep { /ERROR|FATAL/ } split /\n/, substr($bare->log, $seen);
is(scalar @errors, 0, 'and nothing logs errors meanwhile') or diag join "\n", @errors;
is($bare->sqlstate("SELECT webhooks.publish_event('$t2', 'policy.quote.issue', '{}')"), '3F000',
	'there is nothing to publish with');
$bare->psql('CREATE EXTENSION webhooks');
$w = $bare->receiver_hook($t2, $rcv, '/bare', {});
$bare->publish($t2, $w->{type}, { at => 'last' });
is($rcv->wait('/bare', 1, 30), 1, 'after CREATE EXTENSION a worker is started and delivers');

done_testing();
