# 002_tls_and_network.pl: TLS, redirects, timeouts, refused connections and
# the network block list (doc/decisions.md D7, D12b, §4).
#
# A self-signed certificate made with the openssl CLI: secureSsl true
# rejects it, false delivers.  Redirects are never followed.  A timeout and
# a refused connection count as "timeout".  A connection to a blocked
# network is refused, final at once: loopback is blocked by default, and
# opened only by webhooks.allowed_networks (the test clusters allow
# 127.0.0.0/8), whose entries win over the block list.  All traffic stays
# on 127.0.0.0/8; the IPv6 forms that embed an IPv4 address are checked by
# test/unit/netblock_test.c and test/fuzz/fuzz_netblock.c, not here.
use strict;
use warnings;

use File::Temp ();
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WebhooksTest;

my ($node, $rcv) = delivery_setup(conf => "webhooks.timeout = '1s'");
my $tenant = new_uuid();

# hook(url, more request fields) and one_attempt(webhook): a webhook of the
# tenant with a type of its own; one event delivered to it, and its attempt
sub hook { return $node->hook($tenant, @_); }

sub one_attempt
{
	my ($att, $e) = $node->deliver($tenant, $_[0]);
	return ($att->[0] // {}, $e->[0]);
}

# ------------------------------------------------ TLS

my $certdir = File::Temp::tempdir(CLEANUP => 1);
my ($cert, $key) = self_signed_cert($certdir);
my $tls = WebhooksTest::Receiver->new(tls_cert => $cert, tls_key => $key);

my $strict = hook($tls->url('/strict'));
my ($att) = one_attempt($strict);
is($att->{outcome}, 'failed', 'secureSsl true: self-signed certificate rejected');
is($att->{trigger}, 'timeout', 'a TLS error counts as the "timeout" trigger');
is($att->{status}, undef, 'no HTTP status');
like($att->{error} // '', qr/SSL|certificate/i, 'error says why');
is($tls->count('/strict'), 0, 'the receiver got no request');

my $lax = hook($tls->url('/lax'), endpoint => { url => $tls->url('/lax'), secureSsl => JSON::PP::false });
($att) = one_attempt($lax);
is($att->{outcome}, 'delivered', 'secureSsl false: delivered despite the self-signed certificate');
is($tls->wait('/lax', 1), 1, 'the receiver got it');
is($tls->requests('/lax')->[0]{tls}, JSON::PP::true, 'over TLS');

# ------------------------------------------------ redirects

for my $code (302, 307)
{
	$rcv->behaviour({ path => "/redirect$code", status => $code, redirectTo => $rcv->url("/target$code") });
	my $w = hook($rcv->url("/redirect$code"));
	($att) = one_attempt($w);
	is($att->{status}, $code, "$code recorded");
	is($att->{outcome}, 'failed', "$code is a failure");
	is($att->{trigger}, undef, "$code matches no default trigger");
	is($rcv->count("/redirect$code"), 1, "$code: one request");
	is($rcv->count("/target$code"), 0, "$code: redirect not followed");
}

# ------------------------------------------------ timeout, refused

$rcv->behaviour({ path => '/hang', hangForever => JSON::PP::true });
my $hang = hook($rcv->url('/hang'));
($att) = one_attempt($hang);
is($att->{outcome}, 'failed', 'no answer within webhooks.timeout: failed');
is($att->{trigger}, 'timeout', 'trigger "timeout"');
is($att->{status}, undef, 'no status');
ok($att->{durationMs} >= 900 && $att->{durationMs} < 3000, "gave up after about 1 s ($att->{durationMs} ms)");
is($rcv->count('/hang'), 1, 'the request did arrive');
$rcv->control('POST', '/_control/release');

my $refused = hook('http://127.0.0.1:' . unused_port() . '/nobody');
($att) = one_attempt($refused);
is($att->{outcome}, 'failed', 'connection refused: failed');
is($att->{trigger}, 'timeout', 'a refused connection counts as "timeout"');
is($att->{status}, undef, 'no status');
like($att->{error} // '', qr/connect/i, 'error says it could not connect');

# ------------------------------------------------ blocked network

sub allow_networks
{
	ok($node->set_conf('webhooks.allowed_networks', $_[0]), "exceptions reloaded: '$_[0]'");
}

# the default block list covers loopback and the private ranges
my $default = $node->psql('SELECT boot_val FROM pg_settings WHERE name = $$webhooks.blocked_networks$$');
like($default, qr{(^|, )127\.0\.0\.0/8(,|$)}, 'loopback is in the default block list');
like($default, qr{(^|, )10\.0\.0\.0/8(,|$)}, 'RFC 1918 is in the default block list');
like($default, qr{(^|, )168\.63\.129\.16/32(,|$)}, 'the Azure metadata address is in the default block list');
is($node->psql('SELECT boot_val FROM pg_settings WHERE name = $$webhooks.allowed_networks$$'), '',
	'no exceptions by default');
is($node->psql('SHOW webhooks.blocked_networks'), $default, 'this cluster keeps the default block list');

# a receiver on 127.0.0.2 (reachable: the test talks to it), and one on
# 127.0.0.3 that the worker has delivered to before it gets blocked
my $other = WebhooksTest::Receiver->new(host => '127.0.0.2');
ok($other->control('GET', '/_control/health')->{ok}, '127.0.0.2 is reachable');
my $third = WebhooksTest::Receiver->new(host => '127.0.0.3');
my $before = hook($third->url('/before'));
($att) = one_attempt($before);
is($att->{outcome}, 'delivered', '127.0.0.3 is reachable for the worker while allowed');

# without an exception, loopback is refused by the default block list
allow_networks('');
my $closed = hook($rcv->url('/closed'));
($att) = one_attempt($closed);
is($att->{outcome}, 'failed', 'no exceptions: loopback 127.0.0.1 is refused');
like($att->{error} // '', qr/blocked/, 'error says the address is blocked');
is($rcv->count('/closed'), 0, 'nothing reached 127.0.0.1');

allow_networks('127.0.0.1/32, 127.0.0.3/32');
my $blocked = hook($other->url('/blocked'),
	failureHandling => { retryStrategy => { type => 'linear', interval => 100, attempts => 3 } });
my $e;
($att, $e) = one_attempt($blocked);
is($att->{outcome}, 'failed', 'connection to a blocked network: failed');
is($att->{trigger}, 'timeout', 'handled as "timeout"');
like($att->{error} // '', qr/blocked/, 'error says the address is blocked');
is($att->{attempt}, 1, 'first attempt');
ok($node->wait_queue_empty, 'final at once despite the retry strategy: nothing queued');
is(scalar @{ $node->attempts($tenant, $blocked->{locator}) }, 1, 'exactly one attempt');
is($other->count('*'), 0, 'nothing reached the blocked address');

# a connection opened before the block must not carry traffic after it
allow_networks('127.0.0.1/32');
($att) = one_attempt($before);
is($att->{outcome}, 'failed', 'a webhook delivered before its exception was withdrawn is refused after');
like($att->{error} // '', qr/blocked/, 'error says the address is blocked');
is($third->count('/before'), 1, 'no request on a connection kept alive from before the block');

# an exception wins over an entry of the block list naming the same address
ok($node->set_conf('webhooks.blocked_networks', '127.0.0.1/32, 127.0.0.3/32'), 'block list names 127.0.0.1');
my $allowed = hook($rcv->url('/allowed'));
($att) = one_attempt($allowed);
is($att->{outcome}, 'delivered', '127.0.0.1 is delivered to: its exception wins');
($att) = one_attempt($before);
is($att->{outcome}, 'failed', '127.0.0.3, blocked and without exception, is still refused');

# a bad list is refused, naming the bad entry
my (undef, undef, $err) = $node->run_psql("ALTER SYSTEM SET webhooks.allowed_networks = '127.0.0.1/33'");
like($err, qr{22023: invalid value for parameter "webhooks.allowed_networks".*\n.*"127\.0\.0\.1/33" is not an address or CIDR block},
	'a bad exception list is refused with the entry named');
is($node->psql('SHOW webhooks.allowed_networks'), '127.0.0.1/32', 'the exceptions stay as they were');

done_testing();
