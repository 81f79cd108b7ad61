# 025_idle_connections.pl: a kept-alive connection stays in the worker's
# epoll set while it is idle (src/http.c).  When its server closes it, the
# worker must neither spin on the closed socket's events nor lose the next
# delivery: it opens a new connection.
#
# The endpoint is a plain Perl server: it answers one request per
# connection, keeps the connection open (HTTP/1.1 keep-alive), and closes
# it half a second later, while the worker holds it idle.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use IO::Socket::INET;
use POSIX ();
use Test::More;
use WebhooksTest;

my ($node) = delivery_setup();
my $tenant = new_uuid();

my $listen = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
	Listen => 16, ReuseAddr => 1, Proto => 'tcp') or die "listen: $!";
my $port = $listen->sockport;
my $server = fork() // die "fork: $!";
if ($server == 0)
{
	# one request per connection, answered, then closed while idle
	while (my $c = $listen->accept)
	{
		my ($head, $len) = ('', 0);
		while (defined(my $line = <$c>))
		{
			$head .= $line;
			$len = $1 if $line =~ /^content-length:\s*(\d+)/i;
			last if $line eq "\r\n";
		}
		read($c, my $body, $len) if $len;
		print $c "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok";
		$c->flush;
		select(undef, undef, undef, 0.5);
		close($c);
	}
	POSIX::_exit(0);
}
close($listen);

my $w = $node->hook($tenant, "http://127.0.0.1:$port/idle");
my $pid = $node->worker_pid;

# each delivery after the first finds its connection closed by the server
for my $i (1 .. 3)
{
	my ($att) = $node->deliver($tenant, $w);
	is(scalar(grep { $_->{outcome} eq 'delivered' } @$att), $i,
		"delivery $i arrived on a new connection");
	select(undef, undef, undef, 1.0);	# the server has closed it by now
}

# with the server's side closed, the idle socket is readable (at its end):
# a worker that kept watching it would use a whole core
my $used = cpu_used($pid, 3);
cmp_ok($used, '<', 0.5, "the idle worker used ${used} s of CPU in 3 s");

kill 'TERM', $server;
waitpid($server, 0);
done_testing();
