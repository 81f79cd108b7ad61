# 024_claim_cursor.pl: claims write nothing, so two things keep them right
# (src/batch.c, src/worker.c):
#
# - the claim cursor goes back only as far as the oldest transaction open
#   in the database when it passed ("floor"), not to the head of the queue,
#   yet a delivery committed late, by a transaction that began long before
#   the cursor passed its due time, is still found at once;
# - a transaction that queued rows says when it began as it commits, so
#   that even one no backend shows as open (track_activities off) is found
#   at once, not at the next full rewind a minute later;
# - each worker holds an advisory lock on its partition, and a worker that
#   cannot take it serves nothing: with the lock held by another session,
#   a restarted worker delivers nothing, and once it is let go the next
#   restart delivers what waited.
use strict;
use warnings;

use File::Temp ();
use FindBin;
use IPC::Run ();
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes ();
use WebhooksTest;

my ($node, $rcv) = delivery_setup();
my $tenant = new_uuid();
my $w = $node->receiver_hook($tenant, $rcv, '/cursor', { status => 200 });

# a session that runs a script and stays open until told to finish; it is
# waited for until it prints "ready", unless told not to
sub session
{
	my ($script, %opt) = @_;
	my $s = $node->session($script);
	wait_ready($s) unless $opt{nowait};
	return $s;
}

sub wait_ready
{
	my ($s) = @_;
	$s->{h}->pump until ${ $s->{out} } =~ /ready/ || ${ $s->{err} } ne '';
	return ${ $s->{out} } =~ /ready/;
}

sub finish
{
	my ($s, $script) = @_;
	${ $s->{in} } .= $script;
	$s->{h}->finish;
	return $? == 0;
}

# ---- a late commit behind the cursor
my $late = session("BEGIN;\nSELECT webhooks.publish_event('$tenant', '$w->{type}', '{\"late\": true}');\n"
	  . "SELECT 'ready';\n");
is(${ $late->{out} } =~ /ready/ ? 'open' : ${ $late->{err} }, 'open',
	'a transaction publishes an event and stays open');
Time::HiRes::sleep(0.2);

# the cursor passes it: events published and delivered after it, and more
# than a second of short claims (each sends the cursor back to the floor)
$node->psql("SELECT count(webhooks.publish_event('$tenant', '$w->{type}', jsonb_build_object('i', i)))"
	  . " FROM generate_series(1, 100) i");
is($rcv->wait('/cursor', 100, 20), 100, 'the 100 events published after it are delivered');
for my $i (1 .. 3)
{
	Time::HiRes::sleep(0.7);
	$node->publish($tenant, $w->{type}, { round => $i });
}
is($rcv->wait('/cursor', 103, 10), 103, 'and 3 more, one at a time, while it stays open');

my $committed = Time::HiRes::time();
ok(finish($late, "COMMIT;\n"), 'the open transaction commits');
is($rcv->wait('/cursor', 104, 10), 104, 'its event is delivered');
my $took = Time::HiRes::time() - $committed;
ok($took < 2, sprintf('within 2 s of the commit (%.2f s), not at the next full rewind (60 s)', $took));
is(scalar(grep { (body_json($_)->{data}{late} // '') eq '1' } @{ $rcv->requests('/cursor') }), 1,
	'the late event arrived once');
ok($node->wait_queue_empty(10), 'nothing left queued');

# ---- a transaction the floor cannot see: with track_activities off its
# backend never shows when it began, so only its own word at commit
# (src/events.c) sends the cursor back to its rows.  The events published
# meanwhile keep the worker claiming, so that the cursor's resets of a
# second no longer reach back to it
my $hidden = session("SET track_activities = off;\nBEGIN;\n"
	  . "SELECT webhooks.publish_event('$tenant', '$w->{type}', '{\"hidden\": 1}');\n"
	  . "SELECT 'ready ' || now();\n");
my ($hidden_start) = ${ $hidden->{out} } =~ /ready (.+)$/m;
ok(defined $hidden_start, 'a transaction that hides its start publishes an event and stays open');
is($node->psql("SELECT count(*) FROM pg_stat_activity WHERE xact_start = '$hidden_start'"), '0',
	'no backend shows a transaction begun then');
for my $i (1 .. 10)
{
	Time::HiRes::sleep(0.3);
	$node->publish($tenant, $w->{type}, { after_hidden => $i });
}
is($rcv->wait('/cursor', 114, 10), 114, '10 events published after it, over 3 s, are delivered');
$committed = Time::HiRes::time();
ok(finish($hidden, "COMMIT;\n"), 'the hidden transaction commits');
is($rcv->wait('/cursor', 115, 10), 115, 'its event is delivered');
$took = Time::HiRes::time() - $committed;
ok($took < 2, sprintf('within 2 s of the commit (%.2f s), not at the next full rewind (60 s)', $took));
is(scalar(grep { defined body_json($_)->{data}{hidden} } @{ $rcv->requests('/cursor') }), 1, 'once');

# ---- many short publishing transactions at once: each row is due at its
# transaction's start, which its backend shows a moment later, so some
# commit behind rows claimed before them; none may wait for a full rewind
my $script = File::Temp->new(SUFFIX => '.sql');
print $script "SELECT webhooks.publish_event('$tenant', '$w->{type}', '{\"busy\": true}');\n";
close $script;
my $before = $rcv->count('/cursor');
my ($pgbench_out, $pgbench_err) = ('', '');
{
	local $ENV{PGHOST} = $node->dir;
	local $ENV{PGPORT} = $node->{port};
	local $ENV{PGUSER} = 'postgres';
	IPC::Run::run([ WebhooksTest::Cluster::pg_bin('pgbench'), '-n', '-c', '4', '-j', '4', '-t', '2500',
			'-f', $script->filename, 'postgres' ],
		'>', \$pgbench_out, '2>', \$pgbench_err, IPC::Run::timeout(300));
}
like($pgbench_out, qr/number of transactions actually processed: 10000/, '4 clients publish 10,000 events, one per transaction')
  or diag($pgbench_err);
my $last_commit = Time::HiRes::time();
is($rcv->wait('/cursor', $before + 10000, 30), $before + 10000, 'every one is delivered');
my $all_in = Time::HiRes::time() - $last_commit;
ok($all_in < 10, sprintf('the last within 10 s of the last commit (%.1f s), not at the next full rewind', $all_in));

# ---- one worker per partition
is($node->psql("SELECT pg_try_advisory_lock(1466262120, 0)"), 'f',
	"the running worker holds its partition's advisory lock");
my $holder = session("SELECT pg_advisory_lock(1466262120, 0);\nSELECT 'ready';\n", nowait => 1);
ok(wait_until(sub {
			$holder->{h}->pump_nb;    # feed it its script
			$node->psql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") eq '1';
		}, 10),
	'another session waits for it');
my $old = $node->worker_pid;
$node->psql("SELECT pg_terminate_backend($old)");
ok(wait_ready($holder), 'once the worker is stopped, that session takes the lock');

# the launcher restarts the worker after 5 s: it cannot take the partition
my $delivered = $rcv->count('/cursor');
$node->publish($tenant, $w->{type}, { while => 'held' });
ok(wait_until(sub { $node->log =~ /partition 1 of 1 of database "postgres" is served by another process/ }, 20),
	'the restarted worker finds its partition taken, and says so');
Time::HiRes::sleep(0.5);
Time::HiRes::sleep(1);
is($rcv->count('/cursor'), $delivered, 'nothing is delivered while another session holds the partition');
is($node->psql("SELECT count(*) FROM webhooks._delivery"), '1', 'the event waits in the queue');
ok(finish($holder, "SELECT pg_advisory_unlock(1466262120, 0);\n"), 'the session lets the lock go');
is($rcv->wait('/cursor', $delivered + 1, 15), $delivered + 1, 'the next restart takes the partition and delivers it');
ok($node->wait_for_worker(10), 'a worker runs');

done_testing();
