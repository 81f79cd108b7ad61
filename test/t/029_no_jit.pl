# 029_no_jit.pl: the delivery worker's statements are never compiled by
# JIT.  Each reads a batch, but the generic plans the worker keeps guess
# their row counts from the whole table: with a million deliveries queued
# for one webhook, a reclaim's estimated cost passed jit_above_cost, and
# compiling took 6 ms of each 0.5 ms call (test/bench/delivery.sh's memory
# scenario drained 9,500/s, and 21,000/s without JIT).  Here
# jit_above_cost = 0 makes every statement worth compiling, and
# pg_stat_statements shows which were.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WebhooksTest;

my $node = WebhooksTest::Cluster->new(conf => <<'CONF');
shared_preload_libraries = 'webhooks,pg_stat_statements'
jit = on
jit_above_cost = 0
CONF

# JIT is a package of its own from PostgreSQL 18 on (postgresql-18-jit,
# which test/lib/setup.sh installs where it exists): without it nothing
# could be compiled, and the test would prove nothing
if ($node->psql('SELECT pg_jit_available()') ne 't')
{
	plan skip_all => 'this server cannot JIT-compile (pg_jit_available() is false)';
}
$node->psql('CREATE EXTENSION webhooks');
ok($node->wait_for_worker, 'delivery worker is running');
my $rcv = WebhooksTest::Receiver->new;
$node->psql('CREATE EXTENSION pg_stat_statements');

my $tenant = new_uuid();
my $w = $node->receiver_hook($tenant, $rcv, '/jit', { status => 200 });
$node->psql("SELECT count(webhooks.publish_event('$tenant', '$w->{type}', jsonb_build_object('i', i)))"
	  . " FROM generate_series(1, 20) i");
is($rcv->wait('/jit', 20, 30), 20, 'the events are delivered');
ok($node->wait_queue_empty(10), '... and their outcomes recorded');

# the check can fail: this cluster compiles a statement of this session
$node->psql('SELECT count(*) FROM generate_series(1, 10) AS jit_probe');
my $probe = $node->psql(
	"SELECT sum(jit_functions) FROM pg_stat_statements WHERE query LIKE '%jit_probe%'"
	  . " AND query NOT LIKE '%pg_stat_statements%'");
cmp_ok($probe, '>', 0, 'a statement of a session is compiled');

my ($calls, $compiled) = split /\|/, $node->psql(
	"SELECT sum(calls), sum(jit_functions) FROM pg_stat_statements"
	  . " WHERE query ~ 'webhooks\\._(claim|record)'");
cmp_ok($calls, '>', 0, "the worker's claims and records ran");
is($compiled, 0, '... and none was compiled');

done_testing();
