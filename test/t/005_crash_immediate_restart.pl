# 005_crash_immediate_restart.pl: stop the server in immediate mode in the
# middle of a stream of 10,000 deliveries and start it again (doc/decisions.md
# D12: at least once, nothing lost).
#
# Immediate shutdown is a crash: no checkpoint, the worker's unflushed
# asynchronous commits are lost.  After the restart every event reaches the
# receiver at least once; the test reports how many twice.
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
my $at_stop = stream_wait_mid($rcv, $N);
ok($node->stop('immediate'), 'pg_ctl stop -m immediate');
my $stopped = $rcv->count('/stream');
ok($at_stop >= int($N / 3) && $stopped < $N, "in the middle of the stream ($stopped of $N delivered)");
Time::HiRes::sleep(0.3);
is($rcv->count('/stream'), $stopped, 'nothing is delivered while the server is down');

ok($node->start, 'the server starts again');
ok($node->wait_for_worker(60), 'the worker runs again');
my $dups = stream_check($node, $rcv, $tenant, $N);
ok($rcv->count('/stream') > $stopped, 'delivery went on after the restart');

done_testing();
