# 007_outcomes.pl: outcomes of deliveries and the failure handling around
# them (doc/decisions.md D7, D9, D10): success is any 2xx; with the default
# failure handling (no retryStrategy) a matching failure is final at once;
# the matched trigger is recorded; fetch_webhook_attempts shows status,
# error, trigger and duration; suspension and diversion per D10.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WebhooksTest;

my ($node, $rcv) = delivery_setup(conf => "webhooks.timeout = '500ms'");
my $tenant = new_uuid();

# hook(path, receiver behaviour, more request fields): a webhook with a type
# of its own, on a receiver path that answers as told
sub hook
{
	my ($path, $behaviour, %more) = @_;
	$rcv->behaviour({ path => $path, %$behaviour });
	return $node->hook($tenant, $rcv->url($path), %more);
}

sub deliver { return $node->deliver($tenant, @_); }

sub diverted
{
	my ($w) = @_;
	return $node->json("SELECT webhooks.fetch_diverted_events('$tenant', '$w->{locator}')");
}

# ------------------------------------------------ successes

for my $status (200, 201, 204, 299)
{
	my $w = hook("/ok$status", { status => $status });
	my ($att, $e) = deliver($w);
	is($att->[0]{outcome}, 'delivered', "$status counts as delivered");
	is($att->[0]{status}, $status, "status $status recorded");
	is($att->[0]{trigger}, undef, 'no trigger');
	is($att->[0]{error}, undef, 'no error');
}

# ------------------------------------------------ default failure handling

my $w503 = hook('/503', { status => 503 });
my ($att, $e) = deliver($w503);
is(scalar @$att, 1, 'default failure handling: one attempt');
my %got = map { $_ => $att->[0]{$_} } qw(eventLocator attempt status outcome trigger error);
is_deeply(\%got,
	{ eventLocator => $e->[0]{locator}, attempt => 1, status => 503, outcome => 'failed',
		trigger => '5xx', error => 'HTTP 503' },
	'503: failed at once, trigger "5xx", status and error recorded');
ok($att->[0]{durationMs} > 0 && $att->[0]{durationMs} < 2000, "duration recorded ($att->[0]{durationMs} ms)");
like($att->[0]{timestamp}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'attempt timestamp');
ok($node->wait_queue_empty, 'nothing left queued: no retry');
is($rcv->count('/503'), 1, 'the receiver got one request');
my $st = $node->stats($tenant, $w503->{locator});
is_deeply([ @$st{qw(delivered failed retried pending)} ], [ 0, 1, 0, 0 ], 'webhook_delivery_stats: one failed');
is_deeply(diverted($w503), [], 'not diverted (divert is off)');
is($node->json("SELECT webhooks.fetch_webhook('$tenant', '$w503->{locator}')")->{suspended},
	JSON::PP::false, 'not suspended (suspend is off)');

my $w404 = hook('/404', { status => 404 });
($att) = deliver($w404);
is_deeply([ @{ $att->[0] }{qw(outcome trigger status)} ], [ 'failed', '4xx', 404 ], '404: failed, trigger "4xx"');

my $exact = hook('/exact', { status => 503 }, failureHandling => { triggers => [ '503', '5xx' ] });
($att) = deliver($exact);
is($att->[0]{trigger}, '503', 'an exact code is matched and recorded as listed first');

my $hang = hook('/hang', { hangForever => JSON::PP::true });
($att) = deliver($hang);
is_deeply([ @{ $att->[0] }{qw(outcome trigger status)} ], [ 'failed', 'timeout', undef ],
	'no answer: failed, trigger "timeout"');
ok($att->[0]{durationMs} >= 400 && $att->[0]{durationMs} < 1500,
	"after webhooks.timeout, 500 ms ($att->[0]{durationMs} ms)");
$rcv->control('POST', '/_control/release');

# a failure that matches no trigger is recorded and dropped: not diverted
# even when divert is on
my $unmatched = hook('/429', { status => 429 },
	failureHandling => { triggers => ['5xx'], divert => JSON::PP::true, suspend => JSON::PP::true });
($att) = deliver($unmatched);
is_deeply([ @{ $att->[0] }{qw(outcome trigger status)} ], [ 'failed', undef, 429 ],
	'429 with only "5xx" listed: failed, no trigger');
is_deeply(diverted($unmatched), [], 'an unmatched failure is not diverted');
is($node->json("SELECT webhooks.fetch_webhook('$tenant', '$unmatched->{locator}')")->{suspended},
	JSON::PP::false, 'an unmatched failure does not suspend');

# ------------------------------------------------ suspended per D10

# suspend without divert: the failure suspends, later events are dropped
my $sus = hook('/suspend', { status => 500 }, failureHandling => { suspend => JSON::PP::true });
($att) = deliver($sus);
is_deeply([ @{ $att->[0] }{qw(outcome trigger)} ], [ 'failed', '5xx' ], 'failure with suspend: failed');
my $f = $node->json("SELECT webhooks.fetch_webhook('$tenant', '$sus->{locator}')");
is($f->{suspended}, JSON::PP::true, 'the webhook is suspended');
like($f->{suspendedAt} // '', qr/^\d{4}-/, 'suspendedAt set');
$rcv->behaviour({ path => '/suspend', status => 200 });
$node->publish($tenant, $sus->{type}, { while => 'suspended' }) for 1 .. 2;
ok($node->wait_queue_empty, 'queue empty');
is($rcv->count('/suspend'), 1, 'events published while suspended are not sent');
is($node->stats($tenant, $sus->{locator})->{dropped}, 2, 'and are counted as dropped');
is_deeply(diverted($sus), [], 'and not diverted (divert is off)');

$node->psql("SELECT webhooks.unsuspend_webhook('$tenant', '$sus->{locator}')");
($att, $e) = deliver($sus);
is($att->[0]{outcome}, 'delivered', 'after unsuspend_webhook new events are delivered');
is($rcv->wait('/suspend', 2), 2, 'the receiver got the new event');
ok($node->wait_queue_empty, 'queue empty');
is($rcv->count('/suspend'), 2, 'nothing from the suspended time was resent');

# suspend with divert: the failing event is diverted with its status code;
# events published while suspended are diverted as "suspended"
my $div = hook('/divert', { status => 500 },
	failureHandling => { suspend => JSON::PP::true, divert => JSON::PP::true });
my ($da, $de) = deliver($div);
is($da->[0]{outcome}, 'failed', 'failure with divert and suspend: failed');
my $d = diverted($div);
is(scalar @$d, 1, 'one diverted event');
is($d->[0]{eventLocator}, $de->[0]{locator}, 'it is the event that failed')
  or diag explain $d;
is($d->[0]{failureTrigger}, '500', 'failureTrigger is the status code (D9)');
$rcv->behaviour({ path => '/divert', status => 200 });
my $while = $node->publish($tenant, $div->{type}, { while => 'suspended' });
ok(wait_until(sub { @{ diverted($div) } == 2 }, 10), 'an event published while suspended is diverted');
my ($s) = grep { $_->{eventLocator} eq $while->{locator} } @{ diverted($div) };
is($s->{failureTrigger} // '', 'suspended', 'with failureTrigger "suspended"');
ok($node->wait_queue_empty, 'queue empty');
is($rcv->count('/divert'), 1, 'the receiver got only the first try');

# a resend goes whatever the state, and its success removes the record
$node->psql("SELECT webhooks.resend_diverted_event('$tenant', '$div->{locator}', '$de->[0]{locator}')");
is($rcv->wait('/divert', 2), 2, 'resend_diverted_event delivers while the webhook is suspended');
is($rcv->requests('/divert')->[1]{headers}{'webhook-id'}, $de->[0]{locator}, 'the resent event, same webhook-id');
ok(wait_until(sub { @{ diverted($div) } == 1 }, 10), 'a successful resend removes the diverted record');

# ------------------------------------------------ D12b: state at send time

# a webhook disabled while deliveries to it are queued: what is not on the
# wire yet is not sent.  100 events to an endpoint that answers in 300 ms,
# at most webhooks.max_host_connections (8) at a time
my $late = hook('/late', { delayMs => 300 });
$node->psql("SELECT webhooks.publish_event('$tenant', '$late->{type}', jsonb_build_object('i', i))"
	  . ' FROM generate_series(1, 100) i');
ok($rcv->wait('/late', 8, 10) >= 8, 'deliveries under way');
$node->psql("SELECT webhooks.update_webhook('$tenant', '$late->{locator}', '{\"enabled\": false}')");
my $at_disable = $rcv->count('/late');
ok($node->wait_queue_empty(60), 'queue empty');
my $sent_after = $rcv->count('/late') - $at_disable;
ok($sent_after <= 8, "after disabling, at most the requests in flight went out ($sent_after)");
is($node->psql("SELECT count(*) FROM webhooks._attempt WHERE outcome = 'dropped'"
	  . " AND webhook_locator::text = '$late->{locator}'"),
	100 - $rcv->count('/late'), 'the others were dropped');

# ------------------------------------------------ totals

ok($node->wait_queue_empty, 'queue empty at the end');
my $stats = $node->json('SELECT row_to_json(s) FROM webhooks.delivery_stats s');
is($stats->{queue_depth}, 0, 'delivery_stats.queue_depth 0');
my $delivered = $node->psql("SELECT count(*) FROM webhooks._attempt WHERE outcome = 'delivered'");
is($stats->{delivered}, $delivered, 'delivery_stats.delivered counts the delivered attempts');
is($stats->{delivered_since_start}, $delivered, 'delivered_since_start too');

done_testing();
