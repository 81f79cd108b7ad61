# 004_crash_kill_worker.pl: kill -9 the delivery worker in the middle of a
# stream of 10,000 deliveries (doc/decisions.md D12: at least once, nothing lost).
#
# A worker killed by SIGKILL makes the postmaster reinitialize the whole
# server (crash recovery), then the worker starts again, makes what the
# dead one had in flight due again, and delivers the rest.  Every event
# reaches the receiver at least once; the test reports how many twice.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WebhooksTest;

my $N = 10_000;
my ($node, $rcv) = delivery_setup();
my $tenant = new_uuid();

stream_publish($node, $rcv, $tenant, $N);
my $pid = $node->worker_pid;
my $at_kill = stream_wait_mid($rcv, $N);
ok(kill('KILL', $pid), "kill -9 the worker ($pid)");
ok($at_kill >= int($N / 3) && $at_kill < $N, "in the middle of the stream ($at_kill of $N delivered)");

ok($node->wait_for_server(60), 'the server is back after crash recovery');
my $new = $node->wait_for_worker(60, not => $pid);
ok($new, "a new worker runs ($new)");
like($node->log, qr/terminated by signal 9/, 'the server log shows the kill');

my $dups = stream_check($node, $rcv, $tenant, $N);
ok($rcv->count('/stream') > $at_kill, 'delivery went on after the kill');
is($node->worker_pid, $new, 'the new worker did not crash');

done_testing();
