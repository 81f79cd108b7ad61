# 017_origin_cap.pl: the per-origin connection cap counts connections per
# address and port, however the URL spells the host: an address in
# another notation, or a name that resolves to it, shares the cap.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WebhooksTest;

my $cap = 2;
my $delay_ms = 300;
my ($node, $rcv) = delivery_setup(conf => "webhooks.max_host_connections = $cap");
my $tenant = new_uuid();
my $port = $rcv->port;

$rcv->behaviour({ path => '/slow', delayMs => $delay_ms });
my @forms = ("http://127.0.0.1:$port", "http://2130706433:$port",
	"http://0x7f.0.0.1:$port", "http://LOCALHOST:$port", "http://localhost:$port");
my @hooks = map { $node->hook($tenant, "$_/slow") } @forms;

# four events for each spelling, all published at once
my $per = 4;
$node->psql(join(';',
	map { "SELECT webhooks.publish_event('$tenant', '$_->{type}', jsonb_build_object('i', i)) FROM generate_series(1, $per) i" } @hooks));
my $n = $per * @hooks;
is($rcv->wait('/slow', $n, 60), $n, "all $n deliveries arrived");

# each answer takes $delay_ms: with at most $cap connections, no window
# shorter than that sees more than $cap requests arrive
my @t = sort { $a <=> $b } @{ $rcv->arrivals('/slow') };
my $most = 0;
for my $i (0 .. $#t)
{
	my $in = grep { $_ >= $t[$i] && $_ < $t[$i] + $delay_ms - 50 } @t;
	$most = $in if $in > $most;
}
cmp_ok($most, '<=', $cap,
	"at most $cap requests at once across " . scalar(@forms) . " spellings of one address (saw $most)");

my @att = map { @{ $node->wait_attempts($tenant, $_->{locator}, $per) } } @hooks;
is(scalar(grep { $_->{outcome} eq 'delivered' } @att), $n, 'every spelling delivered');

# a name that does not resolve fails as a lookup failure, without delay
my $bad = $node->hook($tenant, 'http://no-such-host.invalid/x');
my ($att) = $node->deliver($tenant, $bad);
like($att->[0]{error}, qr/resolve/i, "an unknown name: '$att->[0]{error}'");

done_testing();
