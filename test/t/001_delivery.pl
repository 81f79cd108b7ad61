# 001_delivery.pl: end to end delivery (doc/decisions.md D6, D10, D12, §4).
#
# publish → the receiver gets exactly the EventResponse as the body, every
# header of D6 and a signature that the standardwebhooks npm package
# verifies (given, generated and raw secrets); custom headers; rollback,
# disabled webhooks and other tenants get nothing; prefix subscriptions;
# the worker in pg_stat_activity and the delivery_stats view.
use strict;
use warnings;
use utf8;

use Encode ();
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WebhooksTest;

my ($node, $rcv) = delivery_setup();

# the worker shows in pg_stat_activity and in delivery_stats
my $pid = $node->worker_pid;
like($pid, qr/^\d+$/, 'worker has backend_type "webhooks delivery worker"');
is($node->psql('SELECT worker_pid FROM webhooks.delivery_stats'),
	$pid, 'delivery_stats.worker_pid is that backend');
is($node->psql("SELECT datname FROM pg_stat_activity WHERE pid = $pid"),
	'postgres', 'worker is connected to webhooks.database');

my $tenant = new_uuid();
my $other_tenant = new_uuid();
my $secret = 'whsec_' . 'MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1u';
my $wrong_secret = 'whsec_' . 'dGhpcyBpcyBub3QgdGhlIHJpZ2h0IGtleSE=';
my $user = new_uuid();

# ------------------------------------------------ body, headers, signature

my $signed = $node->create_webhook(
	$tenant,
	{
		name => 'signed',
		endpoint => {
			url => $rcv->url('/signed'),
			hmacEnabled => JSON::PP::true,
			secret => $secret,
			tag => 'key-2024',
			headers => {
				Authorization => ['Bearer abc'],
				'X-Multi' => [ 'one', 'two' ],
				'X-Empty' => [''],
			},
		},
		eventTypes => ['policy.quote.create'],
	});
$rcv->behaviour({ path => '/signed', secret => $secret },
	{ path => '/wrong-key', secret => $wrong_secret });

my $before = time();
my $event = $node->publish($tenant, 'policy.quote.create',
	{ quote => { id => 42, name => "Zoë \"q\"" }, list => [ 1, 2.5, JSON::PP::true, undef ] },
	"'$user'");
is($rcv->wait('/signed', 1), 1, 'published event delivered');
my ($rec) = @{ $rcv->requests('/signed') };
my $after = time();

is($rec->{method}, 'POST', 'method POST');
is_deeply(body_json($rec), $event, 'body is the EventResponse publish_event returned');
is_deeply([ sort keys %{ body_json($rec) } ],
	[qw(data locator requestId timestamp type userLocator)],
	'body has exactly the EventResponse properties');
is(Encode::encode_utf8($rec->{body}),
	$node->psql("SELECT payload FROM webhooks._event WHERE locator::text = '$event->{locator}'"),
	'body is byte for byte the stored EventResponse');
is_deeply(body_json($rec),
	$node->json("SELECT webhooks.fetch_event('$tenant', '$event->{locator}')"),
	'body is what fetch_event returns');
is($event->{userLocator}, $user, 'userLocator as given');
like($event->{timestamp}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
	'timestamp is RFC 3339 UTC with milliseconds');
like($event->{locator}, qr/^[0-9A-HJKMNP-TV-Z]{26}$/, 'locator is a ulid');

my $h = $rec->{headers};
is($h->{'content-type'}, 'application/json', 'Content-Type: application/json');
like($h->{'user-agent'}, qr{^pg-webhooks/\d}, 'User-Agent: pg-webhooks/<version>');
is($h->{'webhook-id'}, $event->{locator}, 'webhook-id is the event locator');
ok($h->{'webhook-timestamp'} >= $before - 1 && $h->{'webhook-timestamp'} <= $after + 1,
	'webhook-timestamp is the Unix time of the attempt');
like($h->{'webhook-signature'}, qr{^v1,[A-Za-z0-9+/]{43}=$}, 'webhook-signature is v1,<base64>');
is($h->{'socotra-signature'}, $h->{'webhook-signature'}, 'Socotra-Signature equals webhook-signature');
is($h->{'socotra-signature-tag'}, 'key-2024', 'Socotra-Signature-Tag carries the tag');
is($rec->{verified}, JSON::PP::true, 'standardwebhooks verifies the signature')
  or diag($rec->{verifyError});
is($h->{authorization}, 'Bearer abc', 'custom header sent');
is_deeply($h->{'x-multi'}, [ 'one', 'two' ], 'a custom header with two values is sent twice');
ok(exists $h->{'x-empty'} && $h->{'x-empty'} eq '', 'a custom header with an empty value is sent empty');
is($h->{expect}, undef, 'no Expect header');

# the same delivery checked against another key does not verify: the
# receiver really checks
$node->psql("SELECT webhooks.update_webhook('$tenant', '$signed->{locator}',"
	  . " jsonb_build_object('endpoint', jsonb_build_object('url', '" . $rcv->url('/wrong-key') . "')))");
$node->publish($tenant, 'policy.quote.create', { n => 2 });
is($rcv->wait('/wrong-key', 1), 1, 'delivered to the new URL after update_webhook');
my ($wrong) = @{ $rcv->requests('/wrong-key') };
is($wrong->{verified}, JSON::PP::false, 'a signature made with another key does not verify');

# a generated secret (hmacEnabled without a secret) verifies
my $gen = $node->create_webhook(
	$tenant,
	{
		name => 'generated',
		endpoint => { url => $rcv->url('/generated'), hmacEnabled => JSON::PP::true },
		eventTypes => ['policy.quote.accept'],
	});
like($gen->{endpoint}{secret}, qr{^whsec_[A-Za-z0-9+/]{43}=$}, 'a secret was generated');
$rcv->behaviour({ path => '/generated', secret => $gen->{endpoint}{secret} });
$node->publish($tenant, 'policy.quote.accept', { n => 3 });
is($rcv->wait('/generated', 1), 1, 'delivered with the generated secret');
my ($grec) = @{ $rcv->requests('/generated') };
is($grec->{verified}, JSON::PP::true, 'generated secret verifies')
  or diag($grec->{verifyError});
is($grec->{socotraSignatureTag}, undef, 'no Socotra-Signature-Tag without a tag');

# a secret that is not whsec_: its raw bytes are the key
my $raw = 'correct horse battery staple';
$node->create_webhook(
	$tenant,
	{
		name => 'raw',
		endpoint => { url => $rcv->url('/raw'), hmacEnabled => JSON::PP::true, secret => $raw },
		eventTypes => ['policy.quote.discard'],
	});
$rcv->behaviour({ path => '/raw', secret => $raw });
$node->publish($tenant, 'policy.quote.discard', {});
is($rcv->wait('/raw', 1), 1, 'delivered with a raw secret');
is($rcv->requests('/raw')->[0]{verified}, JSON::PP::true, 'raw secret verifies');

# without hmacEnabled: no signature headers, but webhook-id and -timestamp
$node->create_webhook(
	$tenant,
	{
		name => 'unsigned',
		endpoint => { url => $rcv->url('/unsigned'), secret => $raw },
		eventTypes => ['policy.quote.underwrite'],
	});
my $uev = $node->publish($tenant, 'policy.quote.underwrite', {});
is($rcv->wait('/unsigned', 1), 1, 'unsigned webhook delivered');
my $uh = $rcv->requests('/unsigned')->[0]{headers};
is($uh->{'webhook-signature'}, undef, 'no webhook-signature without hmacEnabled');
is($uh->{'socotra-signature'}, undef, 'no Socotra-Signature without hmacEnabled');
is($uh->{'webhook-id'}, $uev->{locator}, 'webhook-id still sent');
like($uh->{'webhook-timestamp'}, qr/^\d{10}$/, 'webhook-timestamp still sent');

# ------------------------------------------------ rollback, disabled

$node->create_webhook($tenant,
	{ name => 'tx', endpoint => { url => $rcv->url('/tx') }, eventTypes => ['policy.quote.issue'] });
my $rolled = $node->psql(<<"SQL");
BEGIN;
SELECT webhooks.publish_event('$tenant', 'policy.quote.issue', '{"rolled": "back"}')->>'locator';
ROLLBACK;
SQL
like($rolled, qr/^[0-9A-Z]{26}$/, 'published in a transaction that rolled back');
my $committed = $node->publish($tenant, 'policy.quote.issue', { committed => 1 });
is($rcv->wait('/tx', 1), 1, 'the committed event arrives');
ok($node->wait_queue_empty, 'queue empty');
my @tx = @{ $rcv->requests('/tx') };
is(scalar @tx, 1, 'only one delivery: the rolled back event was not sent');
is($tx[0]{headers}{'webhook-id'}, $committed->{locator}, 'it is the committed one');
is($node->sqlstate("SELECT webhooks.fetch_event('$tenant', '$rolled')"),
	'PT404', 'the rolled back event does not exist');

$node->create_webhook(
	$tenant,
	{
		name => 'disabled',
		enabled => JSON::PP::false,
		endpoint => { url => $rcv->url('/disabled') },
		eventTypes => ['policy.quote.price'],
	});
$node->create_webhook($tenant,
	{ name => 'enabled', endpoint => { url => $rcv->url('/enabled') }, eventTypes => ['policy.quote.price'] });
$node->publish($tenant, 'policy.quote.price', {}) for 1 .. 3;
is($rcv->wait('/enabled', 3), 3, 'enabled webhook got the three events');
ok($node->wait_queue_empty, 'queue empty');
is($rcv->count('/disabled'), 0, 'disabled webhook got nothing');

# ------------------------------------------------ tenants, prefixes

my $mine = $node->create_webhook($tenant,
	{ name => 'same name', endpoint => { url => $rcv->url('/tenant/a') }, eventTypes => ['policy.quote.refuse'] });
my $theirs = $node->create_webhook($other_tenant,
	{ name => 'same name', endpoint => { url => $rcv->url('/tenant/b') }, eventTypes => ['policy.quote.refuse'] });
my $ea = $node->publish($tenant, 'policy.quote.refuse', { who => 'a' });
my $eb1 = $node->publish($other_tenant, 'policy.quote.refuse', { who => 'b' });
my $eb2 = $node->publish($other_tenant, 'policy.quote.refuse', { who => 'b' });
is($rcv->wait('/tenant/a', 1), 1, 'tenant A delivered');
is($rcv->wait('/tenant/b', 2), 2, 'tenant B delivered');
ok($node->wait_queue_empty, 'queue empty');
is_deeply([ map { $_->{headers}{'webhook-id'} } @{ $rcv->requests('/tenant/a') } ],
	[ $ea->{locator} ], "tenant A's webhook got only tenant A's event");
is_deeply([ sort map { $_->{headers}{'webhook-id'} } @{ $rcv->requests('/tenant/b') } ],
	[ sort $eb1->{locator}, $eb2->{locator} ], "tenant B's webhook got only tenant B's events");
is($node->sqlstate("SELECT webhooks.fetch_event('$other_tenant', '$ea->{locator}')"),
	'PT404', "tenant B cannot fetch tenant A's event");
is($node->sqlstate("SELECT webhooks.fetch_webhook_attempts('$other_tenant', '$mine->{locator}')"),
	'PT404', "tenant B cannot read the attempts of tenant A's webhook");
is(scalar @{ $node->attempts($other_tenant, $theirs->{locator}) }, 2, "tenant B sees its own attempts");

$node->create_webhook($tenant,
	{ name => 'policy prefix', endpoint => { url => $rcv->url('/prefix/policy') }, eventTypes => ['policy.*'] });
$node->create_webhook($tenant,
	{ name => 'quote prefix', endpoint => { url => $rcv->url('/prefix/quote') }, eventTypes => ['policy.quote.*'] });
$node->create_webhook($tenant,
	{ name => 'billing prefix', endpoint => { url => $rcv->url('/prefix/billing') }, eventTypes => ['billing.*'] });
$node->create_webhook($tenant,
	{ name => 'everything', endpoint => { url => $rcv->url('/prefix/all') }, eventTypes => ['*'] });
$node->publish($tenant, 'policy.quote.validate', {});
$node->publish($tenant, 'policy.account.create', {});
$node->publish($tenant, 'billing.invoice.generate', {});
$node->publish($tenant, 'contact.created', {});
is($rcv->wait('/prefix/all', 4), 4, '"*" gets every type');
ok($node->wait_queue_empty, 'queue empty');
my %types = map {
	my $p = $_;
	$p => [ sort map { body_json($_)->{type} } @{ $rcv->requests("/prefix/$p") } ]
} qw(policy quote billing);
is_deeply($types{policy}, [qw(policy.account.create policy.quote.validate)], '"policy.*" matches at any depth');
is_deeply($types{quote}, ['policy.quote.validate'], '"policy.quote.*" matches only quotes');
is_deeply($types{billing}, ['billing.invoice.generate'], '"billing.*" matches only billing');

# ------------------------------------------------ statistics

ok($node->wait_queue_empty, 'queue empty at the end');
my $stats = $node->json('SELECT row_to_json(s) FROM webhooks.delivery_stats s');
is($stats->{queue_depth}, 0, 'delivery_stats.queue_depth is 0');
is($stats->{in_flight}, 0, 'delivery_stats.in_flight is 0');
my $received = $rcv->count('*');
is($stats->{delivered}, $received, 'delivery_stats.delivered counts every delivery the receiver got');
is($stats->{delivered_since_start}, $received, 'delivered_since_start too');
is($stats->{failed}, 0, 'nothing failed');
is($node->stats($tenant, $mine->{locator})->{delivered}, 1, 'per-webhook delivered count');
is($node->worker_pid, $pid, 'the worker never restarted');

done_testing();
