# 019_databases.pl: the launcher serves every database with the extension,
# and several workers share one database by partitions of its webhooks.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time);
use WebhooksTest;

my $node = WebhooksTest::Cluster->new(serve => '',
	conf => "webhooks.workers_per_database = 2\nmax_worker_processes = 16");
my $rcv = WebhooksTest::Receiver->new;
my $tenant = new_uuid();

sub workers
{
	my ($db) = @_;
	my $rows = $node->psql("SELECT partition || ':' || coalesce(pid::text, '') || ':' || state"
		  . " FROM webhooks.workers WHERE database = '$db' ORDER BY partition", db => $db);
	return [ grep { $_ ne '' } split /\n/, $rows ];
}

sub running_workers
{
	my ($db, $n) = @_;
	my $got = [];
	WebhooksTest::wait_until(sub { $got = workers($db); @$got == $n && !grep { !/^\d+:\d+:/ } @$got }, 20);
	return $got;
}

# hook_in(db, path): a webhook in a database, on its own receiver path
sub hook_in
{
	my ($db, $path) = @_;
	local $node->{database} = $db;
	return $node->hook($tenant, $rcv->url($path));
}

sub publish_in
{
	my ($db, $w, $n) = @_;
	$node->psql("SELECT count(webhooks.publish_event('$tenant', '$w->{type}', jsonb_build_object('i', i)))"
		  . " FROM generate_series(1, $n) i", db => $db);
}

# ------------------------------------------------ two databases

for my $db (qw(app1 app2))
{
	$node->psql("CREATE DATABASE $db");
	$node->psql('CREATE EXTENSION webhooks', db => $db);
}
my $w1 = running_workers('app1', 2);
my $w2 = running_workers('app2', 2);
is(scalar @$w1, 2, "two workers for app1: @$w1");
is(scalar @$w2, 2, "two workers for app2: @$w2");
my %apps = map { split /\|/ } split /\n/, $node->psql(
	"SELECT pid, application_name FROM pg_stat_activity WHERE backend_type = 'webhooks delivery worker'");
is_deeply([ sort values %apps ], [ sort map { "webhooks delivery worker $_/2" } 1, 2, 1, 2 ],
	'pg_stat_activity names each worker and its partition');

# several webhooks per database, so that both partitions have some
my (%hooks);
for my $db (qw(app1 app2))
{
	$hooks{$db} = [ map { hook_in($db, "/$db/$_") } 1 .. 6 ];
	publish_in($db, $_, 20) for @{ $hooks{$db} };
}
for my $db (qw(app1 app2))
{
	for my $i (1 .. 6)
	{
		is($rcv->wait("/$db/$i", 20, 30), 20, "$db webhook $i: 20 events delivered");
	}
}

# every webhook's requests came from one worker: the pid behind each
# client port of the receiver, while the keep-alive connections are open
my %pid_of_port;
my $rport = $rcv->port;
for (split /\n/, `ss -tnpH state established 2>/dev/null`)
{
	# client side: local 127.0.0.1:CLIENT, peer 127.0.0.1:RECEIVER, a postgres process
	next unless /\s127\.0\.0\.1:(\d+)\s+127\.0\.0\.1:$rport\s+users:\(\("postgres",pid=(\d+)/;
	$pid_of_port{$1} = $2;
}
my %pids_of_path;
for my $r (@{ $rcv->requests })
{
	my $pid = $pid_of_port{ $r->{remotePort} } // next;
	$pids_of_path{ $r->{pathname} }{$pid} = 1;
}
my @paths = sort keys %pids_of_path;
ok(@paths >= 10, scalar(@paths) . ' webhooks whose connections are still open');
is(scalar(grep { keys %{ $pids_of_path{$_} } != 1 } @paths), 0, 'each webhook delivered by one worker');
my %worker_pids = map { $_ => 1 } map { keys %{ $pids_of_path{$_} } } @paths;
my %known = map { (split /:/)[1] => 1 } @$w1, @$w2;
ok(!grep({ !$known{$_} } keys %worker_pids), 'by the workers of its database\'s partitions')
  or diag('worker pids: ' . join(' ', sort keys %worker_pids) . '; workers: ' . join(' ', sort keys %known));
cmp_ok(scalar(keys %worker_pids), '>=', 3, scalar(keys %worker_pids) . ' workers took part');

# ------------------------------------------------ CREATE EXTENSION while running

$node->psql('CREATE DATABASE app3');
is(scalar @{ workers('app1') }, 2, 'a new database without the extension: no workers stay for it')
  if WebhooksTest::wait_until(sub { !grep { /app3/ } $node->psql('SELECT database FROM webhooks.workers', db => 'app1') }, 10);
$node->psql('CREATE EXTENSION webhooks', db => 'app3');
my $w3 = hook_in('app3', '/app3');
my $t0 = time;
publish_in('app3', $w3, 1);
is($rcv->wait('/app3', 1, 10), 1, 'the first event in a database that just got the extension is delivered');
my $took = time - $t0;
cmp_ok($took, '<', 1.0, sprintf('within a second of CREATE EXTENSION (%.3f s), without a restart', $took));

# ------------------------------------------------ DROP EXTENSION, DROP DATABASE

$node->psql('DROP EXTENSION webhooks', db => 'app2');
ok(WebhooksTest::wait_until(sub { @{ workers('app1') } == 2 && !grep { /^app2$/ } split /\n/, $node->psql('SELECT database FROM webhooks.workers', db => 'app1') }, 5),
	'DROP EXTENSION stops its workers');

$t0 = time;
my ($ok, $out, $err) = $node->run_psql('DROP DATABASE app3', db => 'postgres', timeout => 30);
ok($ok, 'DROP DATABASE without FORCE of a served database succeeds') or diag($err);
$took = time - $t0;
cmp_ok($took, '<', 5, sprintf('promptly (%.2f s)', $took));
sleep 12;    # past the launcher's wait before it looks at a stopped worker's database again
my $spam = () = $node->log =~ /app3|database \d+ does not exist/g;
cmp_ok($spam, '<=', 1, "no error spam about the dropped database ($spam lines)");

# ------------------------------------------------ a worker killed

my @before = @{ running_workers('app1', 2) };
$rcv->behaviour({ path => '/app1/kill', delayMs => 20 });
my $wk = hook_in('app1', '/app1/kill');
publish_in('app1', $wk, 500);
$rcv->wait('/app1/kill', 50, 20);
my ($victim) = map { (split /:/)[1] } @before;
kill 'KILL', $victim;
ok($node->wait_for_server(60), 'the server is back after a worker was killed');
my $after = running_workers('app1', 2);
is(scalar @$after, 2, "both workers of app1 run again: @$after");
my %ids;
WebhooksTest::wait_until(sub { %ids = map { $_ => 1 } @{ $rcv->ids('/app1/kill') }; keys %ids >= 500 }, 60);
is(scalar(keys %ids), 500, 'nothing lost: all 500 events delivered after the kill');

# ------------------------------------------------ no free worker slot

# three background workers: the launcher, PostgreSQL's logical replication
# launcher and one delivery worker, for the first of two databases

my $small = WebhooksTest::Cluster->new(serve => "", conf => "max_worker_processes = 3");
$small->psql('CREATE EXTENSION webhooks');
$small->psql('CREATE DATABASE other');
$small->psql('CREATE EXTENSION webhooks', db => 'other');
my $states = '';
WebhooksTest::wait_until(sub {
	$states = $small->psql("SELECT string_agg(database || '=' || state, ',' ORDER BY database) FROM webhooks.workers");
	$states =~ /no free worker slot/ }, 20);
like($states, qr/no free worker slot/, "a database without a worker slot shows it: $states");
sleep 11;
my $lines = () = $small->log =~ /max_worker_processes is used up/g;
is($lines, 1, 'and it is logged once, not in a loop')
  or diag(join "\n", grep { /webhooks/ } split /\n/, $small->log);

# renamed while it waits for a worker slot: its slot, asked to stop with no
# worker to stop, is not left stopping; once a worker slot is free (the
# extension dropped from the first database), the database is served
$small->psql('ALTER DATABASE other RENAME TO renamed');
$small->psql('DROP EXTENSION webhooks');
my $wr = do { local $small->{database} = 'renamed'; $small->hook($tenant, $rcv->url('/renamed')) };
ok(WebhooksTest::wait_until(sub {
	$small->psql("SELECT count(*) FROM webhooks.workers WHERE database = 'renamed' AND pid IS NOT NULL",
		db => 'renamed') eq '1' }, 30),
	'a database renamed while it waited for a worker slot gets its worker once one is free')
  or diag($small->psql('SELECT database, state FROM webhooks.workers', db => 'renamed'));
$small->psql("SELECT webhooks.publish_event('$tenant', '$wr->{type}', '{}')", db => 'renamed');
is($rcv->wait('/renamed', 1, 10), 1, 'and its events are delivered');

done_testing();
