# 009_failure_handling.pl: failure handling and the Diverted Events API with
# the worker (doc/decisions.md D7, D9, D10, D12b): each trigger kind (an exact
# code, 4xx, 5xx, timeout, a refused connection, a TLS error), failures
# that match no trigger, divert, suspend and the alert notice alone and
# together, disabled and suspended webhooks, unsuspend, resends that
# succeed and fail, resend_diverted_events since a time, and the diverted
# list's order, paging and deletion.
use strict;
use warnings;

use File::Temp ();
use FindBin;
use lib "$FindBin::Bin/lib";
use MIME::Base64 ();
use Test::More;
use WebhooksTest;

my ($node, $rcv) = delivery_setup(conf => "webhooks.timeout = '500ms'");
my $tenant = new_uuid();
my $TRUE = JSON::PP::true;
my $FALSE = JSON::PP::false;

sub hook { return $node->receiver_hook($tenant, $rcv, @_); }
sub diverted { return $node->diverted($tenant, @_); }
sub publish { return $node->publish($tenant, $_[0]{type}, $_[1] // {}); }
sub suspended { return $node->webhook($tenant, $_[0])->{suspended}; }

# deliver_one(webhook): one event published and its delivery over; returns
# the event and its last attempt (from fetch_webhook_attempts)
sub deliver_one
{
	my ($w) = @_;
	my ($att, $e) = $node->deliver($tenant, $w);
	return ($e->[0], $att->[0] // {});
}

sub secret { return 'whsec_' . MIME::Base64::encode_base64(join('', map { chr int rand 256 } 1 .. 32), ''); }

# divert_each(path, n): a webhook that diverts what fails on a path that
# answers 503, and n events diverted one after the other; returns the
# webhook and the events
sub divert_each
{
	my ($path, $n) = @_;
	my $w = hook($path, { status => 503 }, failureHandling => { divert => $TRUE });
	my @e;
	for my $i (1 .. $n)
	{
		push @e, publish($w, { n => $i });
		$node->wait_diverted($tenant, $w, $i);
	}
	return ($w, @e);
}

# alerts(path): the notices an alert endpoint got, decoded
sub alerts { return [ map { body_json($_) } @{ $rcv->requests($_[0]) } ]; }

# ------------------------------------------------ each trigger kind (D7)

# an exact code
my $w = hook('/418', { status => 418 }, failureHandling => { triggers => ['418'], divert => $TRUE });
my ($e, $att) = deliver_one($w);
is_deeply([ @$att{qw(outcome trigger status)} ], [ 'failed', '418', 418 ], 'exact code 418 matched "418"');
my $d = $node->wait_diverted($tenant, $w, 1);
is_deeply([ @{ $d->[0] // {} }{qw(eventLocator failureTrigger failureMessage)} ],
	[ $e->{locator}, '418', 'HTTP 418' ], 'diverted with failureTrigger "418"');
$rcv->behaviour({ path => '/418', status => 404 });
($e, $att) = deliver_one($w);
is_deeply([ @$att{qw(outcome trigger status)} ], [ 'failed', undef, 404 ], 'another 4xx does not match "418"');
is(scalar @{ diverted($w) }, 1, 'and is not diverted');

# the classes
for my $case ([ 404, '4xx' ], [ 422, '4xx' ], [ 500, '5xx' ], [ 502, '5xx' ], [ 599, '5xx' ])
{
	my ($status, $class) = @$case;
	$w = hook("/class$status", { status => $status },
		failureHandling => { triggers => [$class], divert => $TRUE });
	($e, $att) = deliver_one($w);
	is_deeply([ @$att{qw(outcome trigger status)} ], [ 'failed', $class, $status ], "$status matched \"$class\"");
	$d = $node->wait_diverted($tenant, $w, 1);
	is($d->[0]{failureTrigger} // '', "$status", "$status: failureTrigger is the status code");
}
$w = hook('/class4only', { status => 503 }, failureHandling => { triggers => ['4xx'], divert => $TRUE });
($e, $att) = deliver_one($w);
is($att->{trigger}, undef, '503 does not match "4xx"');
$w = hook('/3xx', { status => 304 }, failureHandling => { divert => $TRUE });
($e, $att) = deliver_one($w);
is_deeply([ @$att{qw(outcome trigger status)} ], [ 'failed', undef, 304 ], 'a 3xx fails and matches no trigger');
is_deeply(diverted($w), [], 'not diverted');

# no answer within webhooks.timeout
$w = hook('/hang', { hangForever => $TRUE }, failureHandling => { triggers => ['timeout'], divert => $TRUE });
($e, $att) = deliver_one($w);
is_deeply([ @$att{qw(outcome trigger status)} ], [ 'failed', 'timeout', undef ], 'no answer: "timeout"');
$d = $node->wait_diverted($tenant, $w, 1);
is($d->[0]{failureTrigger} // '', 'timeout', 'diverted with failureTrigger "timeout"');
like($d->[0]{failureMessage} // '', qr/tim/i, "failureMessage says why ($d->[0]{failureMessage})");
$rcv->control('POST', '/_control/release');
$w = hook('/hang5xx', { hangForever => $TRUE }, failureHandling => { triggers => ['5xx'], divert => $TRUE });
($e, $att) = deliver_one($w);
is_deeply([ @$att{qw(outcome trigger)} ], [ 'failed', undef ], 'a timeout does not match "5xx"');
is_deeply(diverted($w), [], 'and is not diverted');
$rcv->control('POST', '/_control/release');

# a refused connection counts as a timeout
$w = $node->hook($tenant, 'http://127.0.0.1:' . unused_port() . '/closed',
	failureHandling => { triggers => ['timeout'], divert => $TRUE });
($e, $att) = deliver_one($w);
is_deeply([ @$att{qw(outcome trigger status)} ], [ 'failed', 'timeout', undef ], 'connection refused: "timeout"');
$d = $node->wait_diverted($tenant, $w, 1);
is($d->[0]{failureTrigger} // '', 'timeout', 'diverted with failureTrigger "timeout"');
like($d->[0]{failureMessage} // '', qr/connect/i, "failureMessage says why ($d->[0]{failureMessage})");
$w = $node->hook($tenant, 'http://127.0.0.1:' . unused_port() . '/closed4xx',
	failureHandling => { triggers => [ '4xx', '5xx' ], divert => $TRUE });
($e, $att) = deliver_one($w);
is($att->{trigger}, undef, 'a refused connection matches neither "4xx" nor "5xx"');

# a TLS error (a self-signed certificate, secureSsl on) counts as a timeout
my $certdir = File::Temp::tempdir(CLEANUP => 1);
my ($cert, $key) = self_signed_cert($certdir);
my $tls = WebhooksTest::Receiver->new(tls_cert => $cert, tls_key => $key);
$w = $node->hook($tenant, $tls->url('/tls'), failureHandling => { triggers => ['timeout'], divert => $TRUE });
($e, $att) = deliver_one($w);
is_deeply([ @$att{qw(outcome trigger status)} ], [ 'failed', 'timeout', undef ], 'TLS error: "timeout"');
$d = $node->wait_diverted($tenant, $w, 1);
is($d->[0]{failureTrigger} // '', 'timeout', 'diverted with failureTrigger "timeout"');
is($tls->count('/tls'), 0, 'nothing was sent over the refused TLS connection');

# ------------------------------------------------ divert, suspend, alert (D9)

# a sentinel: a failure that matches, after which every notice due has come
my $alert_secret = secret();
my $hook_secret = secret();
$rcv->behaviour({ path => '/alert', secret => $alert_secret });
my $alert = { url => $rcv->url('/alert'), hmacEnabled => $TRUE, secret => $alert_secret, tag => 'alert-tag',
	headers => { 'X-Alert' => ['yes'] } };

# divert alone
$w = hook('/divert_only', { status => 503 }, failureHandling => { divert => $TRUE });
($e) = deliver_one($w);
$d = $node->wait_diverted($tenant, $w, 1);
is_deeply($d->[0], { eventLocator => $e->{locator}, requestLocator => $e->{requestId}, failureTrigger => '503',
		failureMessage => 'HTTP 503', failureTimestamp => $d->[0]{failureTimestamp} },
	'divert alone: a DivertedEventResponse with every property');
like($d->[0]{failureTimestamp}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'failureTimestamp in RFC 3339');
is(suspended($w), $FALSE, 'divert alone: not suspended');
is_deeply($node->json("SELECT webhooks.fetch_diverted_event('$tenant', '$w->{locator}', '$e->{locator}')"),
	$d->[0], 'fetch_diverted_event answers the same');

# suspend alone
$w = hook('/suspend_only', { status => 503 }, failureHandling => { suspend => $TRUE });
deliver_one($w);
my $f = $node->webhook($tenant, $w);
is($f->{suspended}, $TRUE, 'suspend alone: suspended');
like($f->{suspendedAt} // '', qr/^\d{4}-/, 'suspendedAt set');
is_deeply(diverted($w), [], 'suspend alone: not diverted');

# alert alone: one notice, signed with the alert endpoint's own secret,
# with its tag and headers; the webhook's own endpoint signs with another
my $alone = hook('/alert_only', { status => 503, secret => $hook_secret },
	endpoint => { url => $rcv->url('/alert_only'), hmacEnabled => $TRUE, secret => $hook_secret },
	failureHandling => { alertEndpoint => $alert });
($e, $att) = deliver_one($alone);
is($rcv->wait('/alert', 1, 10), 1, 'alert alone: a notice arrived');
my $notice = $rcv->requests('/alert')->[0];
my $body = body_json($notice);
is_deeply([ sort keys %$body ],
	[ sort qw(type webhookLocator webhookName eventLocator eventType failureTrigger failureMessage
		  failureTimestamp attempts diverted suspended) ],
	'the notice has exactly the fields of D9');
is_deeply({ %$body, failureTimestamp => undef },
	{ type => 'webhook.delivery.failed', webhookLocator => $alone->{locator}, webhookName => $alone->{name},
		eventLocator => $e->{locator}, eventType => $alone->{type}, failureTrigger => '503',
		failureMessage => 'HTTP 503', failureTimestamp => undef, attempts => 1, diverted => $FALSE,
		suspended => $FALSE },
	'the notice describes the failure') or diag explain $body;
like($body->{failureTimestamp}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'its failureTimestamp in RFC 3339');
is($notice->{verified}, $TRUE, 'the receiver verified its signature with the ALERT endpoint\'s secret')
  or diag($notice->{verifyError});
is($notice->{socotraSignatureTag}, 'alert-tag', 'with the alert endpoint\'s tag');
is($notice->{headers}{'x-alert'}, 'yes', 'and its custom headers');
is($notice->{headers}{'content-type'}, 'application/json', 'a JSON POST');
is($rcv->requests('/alert_only')->[0]{verified}, $TRUE, 'the delivery itself was signed with the webhook\'s secret');
is_deeply(diverted($alone), [], 'alert alone: not diverted');
is(suspended($alone), $FALSE, 'alert alone: not suspended');

# one notice per final failure: three more events, three more notices
my @e3 = map { publish($alone, { n => $_ }) } 1 .. 3;
is($rcv->wait('/alert', 4, 10), 4, 'three failures, three more notices');
ok($node->wait_queue_empty, 'queue empty');
is_deeply([ sort map { $_->{eventLocator} } @{ alerts('/alert') }[ 1 .. 3 ] ], [ sort map { $_->{locator} } @e3 ],
	'one for each event');

# a failure with no answer: the notice says "timeout"
my $halert = hook('/alert_hang', { hangForever => $TRUE }, failureHandling => { alertEndpoint => $alert });
($e) = deliver_one($halert);
is($rcv->wait('/alert', 5, 10), 5, 'a timeout is alerted too');
$body = alerts('/alert')->[4];
is_deeply([ @$body{qw(eventLocator failureTrigger)} ], [ $e->{locator}, 'timeout' ], 'failureTrigger "timeout"');
like($body->{failureMessage}, qr/tim/i, "failureMessage says why ($body->{failureMessage})");
$rcv->control('POST', '/_control/release');

# all together, with retries: the notice comes once, at the final failure
my $all = hook('/all', { status => 500 },
	failureHandling => { divert => $TRUE, suspend => $TRUE, alertEndpoint => $alert,
		retryStrategy => { type => 'linear', interval => 100, attempts => 2 } });
$e = publish($all);
is($rcv->wait('/all', 3, 10), 3, 'all together: first try and 2 retries');
is($rcv->wait('/alert', 6, 10), 6, 'one notice');
$body = alerts('/alert')->[5];
is_deeply([ @$body{qw(eventLocator failureTrigger failureMessage attempts diverted suspended)} ],
	[ $e->{locator}, '500', 'HTTP 500', 3, $TRUE, $TRUE ],
	'it says 3 attempts, diverted and suspended');
$d = $node->wait_diverted($tenant, $all, 1);
is_deeply([ @{ $d->[0] // {} }{qw(eventLocator failureTrigger)} ], [ $e->{locator}, '500' ], 'diverted');
is(suspended($all), $TRUE, 'suspended');
ok($node->wait_queue_empty, 'queue empty');
my @before_sentinel = @{ alerts('/alert') };

# failures that match no trigger are recorded and dropped: no divert, no
# suspension, no notice
my $unmatched = hook('/unmatched', { status => 500 },
	failureHandling => { triggers => [ '4xx', 'timeout' ], divert => $TRUE, suspend => $TRUE,
		alertEndpoint => $alert, retryStrategy => { type => 'linear', interval => 50, attempts => 3 } });
($e, $att) = deliver_one($unmatched);
is_deeply([ @$att{qw(outcome trigger status)} ], [ 'failed', undef, 500 ], 'unmatched: failed, no trigger');
is($rcv->count('/unmatched'), 1, 'unmatched: not retried');
is_deeply(diverted($unmatched), [], 'unmatched: not diverted');
is(suspended($unmatched), $FALSE, 'unmatched: not suspended');
is($node->stats($tenant, $unmatched->{locator})->{failed}, 1, 'unmatched: counted as failed');
# then a failure that matches: its notice is the only one since
$rcv->behaviour({ path => '/unmatched', status => 404 });
my $sentinel = publish($unmatched);
is($rcv->wait('/alert', @before_sentinel + 1, 10), @before_sentinel + 1, 'the next, matching failure is alerted');
my $since = alerts('/alert');
is(scalar @$since, @before_sentinel + 1, 'and the unmatched one was not');
is($since->[-1]{eventLocator}, $sentinel->{locator}, 'that notice is the matching one\'s');

# a failing alert endpoint (500, and a closed port) changes nothing else:
# the notice is tried once, the failure is diverted and suspends, other
# deliveries go on
$rcv->behaviour({ path => '/alert_fails', status => 500 });
my $bad = hook('/bad_alert', { status => 503 },
	failureHandling => { divert => $TRUE, alertEndpoint => { url => $rcv->url('/alert_fails') } });
my $closed = hook('/closed_alert', { status => 503 },
	failureHandling => { divert => $TRUE, suspend => $TRUE,
		alertEndpoint => { url => 'http://127.0.0.1:' . unused_port() . '/nobody' } });
my $fine = hook('/fine', { status => 200 });
my @bad = map { publish($bad, { n => $_ }) } 1 .. 2;
$e = publish($closed);
my @fine = map { publish($fine, { n => $_ }) } 1 .. 5;
is($rcv->wait('/fine', 5, 10), 5, 'other deliveries go on');
is(scalar @{ $node->wait_diverted($tenant, $bad, 2) }, 2, 'a failing alert endpoint: both failures diverted');
is(scalar @{ $node->wait_diverted($tenant, $closed, 1) }, 1, 'an unreachable alert endpoint: diverted');
ok(wait_until(sub { suspended($closed) }, 10), 'and suspended');
is($rcv->wait('/alert_fails', 2, 10), 2, 'the failing alert endpoint was called');
ok($node->wait_queue_empty, 'queue empty');
# a third failure: its notice is the third request, so none was retried
publish($bad, { n => 3 });
is($rcv->wait('/alert_fails', 3, 10), 3, 'a third failure, a third notice');
is($rcv->count('/alert_fails'), 3, 'each notice was tried once');
ok(wait_until(sub { $node->log =~ /failure notice to the alert endpoint of webhook $bad->{locator} failed/ }, 10),
	'the failed notice is logged');
is($node->queued($tenant, $bad), 0, 'no notice is queued');

# ------------------------------------------------ disabled and suspended webhooks (D10)

# disabled: nothing is queued.  Seen inside the publishing transaction, as
# the worker cannot have taken it yet: the enabled twin gets a queue row
my $off = hook('/off', { status => 200 }, enabled => $FALSE, failureHandling => { divert => $TRUE });
my $twin = $node->create_webhook($tenant, { name => 'twin', endpoint => { url => $rcv->url('/twin') },
		eventTypes => [ $off->{type} ] });
my @q = split /\n/, $node->psql("BEGIN;\nSELECT webhooks.publish_event('$tenant', '$off->{type}', '{}') IS NOT NULL;\n"
	  . "SELECT count(*) FILTER (WHERE webhook_locator::text = '$off->{locator}') || ' '"
	  . " || count(*) FILTER (WHERE webhook_locator::text = '$twin->{locator}') FROM webhooks._delivery;\nCOMMIT;");
is($q[-1], '0 1', 'disabled: no delivery queued (the enabled twin has one)');
is($rcv->wait('/twin', 1, 10), 1, 'the twin got it');
ok($node->wait_queue_empty, 'queue empty');
is($rcv->count('/off'), 0, 'the disabled webhook got nothing');
is_deeply(diverted($off), [], 'nothing diverted');
is_deeply([ @{ $node->stats($tenant, $off->{locator}) }{qw(pending delivered failed dropped)} ], [ 0, 0, 0, 0 ],
	'nothing counted, not even as dropped');

# suspended without divert: dropped and counted, never queued
my $sus = hook('/sus', { status => 503 }, failureHandling => { suspend => $TRUE });
deliver_one($sus);
is(suspended($sus), $TRUE, 'suspended by a failure');
$rcv->behaviour({ path => '/sus', status => 200 });
publish($sus, { n => $_ }) for 1 .. 3;
is($node->queued($tenant, $sus), 0, 'suspended: nothing queued');
is($node->stats($tenant, $sus->{locator})->{dropped}, 3, 'suspended without divert: dropped and counted');
is_deeply(diverted($sus), [], 'not diverted');

# suspended with divert: diverted as "suspended", never queued
my $sd = hook('/sd', { status => 503 }, failureHandling => { suspend => $TRUE, divert => $TRUE });
my ($first) = deliver_one($sd);
$rcv->behaviour({ path => '/sd', status => 200 });
my @while = map { publish($sd, { n => $_ }) } 1 .. 2;
is($node->queued($tenant, $sd), 0, 'suspended with divert: nothing queued');
$d = diverted($sd);
is_deeply([ map { $_->{failureTrigger} } @$d ], [ '503', 'suspended', 'suspended' ],
	'the failure, then two events diverted as "suspended"');
is_deeply([ map { $_->{failureMessage} } @$d[ 1, 2 ] ], [ 'webhook suspended', 'webhook suspended' ],
	'failureMessage "webhook suspended"');
is($node->stats($tenant, $sd->{locator})->{dropped}, 0, 'not counted as dropped');

# unsuspend: new events are delivered, nothing diverted is resent
$node->psql("SELECT webhooks.unsuspend_webhook('$tenant', '$sd->{locator}')");
is(suspended($sd), $FALSE, 'unsuspended');
my $new = publish($sd, { n => 'new' });
is($rcv->wait('/sd', 2, 10), 2, 'a new event is delivered');
ok($node->wait_queue_empty, 'queue empty');
is_deeply([ map { $_->{headers}{'webhook-id'} } @{ $rcv->requests('/sd') } ], [ $first->{locator}, $new->{locator} ],
	'only the new event: nothing diverted was resent');
is(scalar @{ diverted($sd) }, 3, 'the diverted events stay');

# a webhook suspended while a retry waits: the retry is not sent (D12b)
my $late = hook('/late_suspend', { status => 503 },
	failureHandling => { divert => $TRUE, retryStrategy => { type => 'linear', interval => 1000, attempts => 2 } });
$e = publish($late);
is($rcv->wait('/late_suspend', 1, 10), 1, 'first try failed, a retry waits');
$node->psql("UPDATE webhooks._webhook SET suspended = true, suspended_at = now()"
	  . " WHERE tenant_locator = '$tenant' AND locator::text = '$late->{locator}'");
ok($node->wait_queue_empty(10), 'the retry came due');
is($rcv->count('/late_suspend'), 1, 'and was not sent');
$d = diverted($late);
is_deeply([ map { @$_{qw(eventLocator failureTrigger)} } @$d ], [ $e->{locator}, 'suspended' ],
	'it was diverted as "suspended"');

# ------------------------------------------------ resends (D10)

# a resend that fails again brings the record up to date; with the
# webhook's retry strategy; one that succeeds removes it
my $rs = hook('/resend', { status => 503 }, failureHandling => { divert => $TRUE });
($e) = deliver_one($rs);
my $was = $node->wait_diverted($tenant, $rs, 1)->[0];
$node->update($tenant, $rs, { failureHandling => { retryStrategy => { type => 'linear', interval => 100, attempts => 1 } } });
$rcv->behaviour({ path => '/resend', status => 502 });
is($node->psql("SELECT webhooks.resend_diverted_event('$tenant', '$rs->{locator}', '$e->{locator}')"), '{}',
	'resend_diverted_event answers {}');
is($rcv->wait('/resend', 3, 10), 3, 'the resend failed: first try and its retry');
ok($node->wait_queue_empty, 'queue empty');
my $now = diverted($rs);
is(scalar @$now, 1, 'still one record');
is_deeply([ @{ $now->[0] }{qw(eventLocator requestLocator failureTrigger failureMessage)} ],
	[ $e->{locator}, $e->{requestId}, '502', 'HTTP 502' ], 'brought up to date: failureTrigger and failureMessage');
ok($now->[0]{failureTimestamp} gt $was->{failureTimestamp},
	"and failureTimestamp ($was->{failureTimestamp} -> $now->[0]{failureTimestamp})");
is_deeply([ map { $_->[1] } @{ $node->event_attempts($tenant, $rs, $e->{locator}) } ],
	[ 'failed', 'retrying', 'failed' ], 'attempts: the first failure, then the resend and its retry');
$rcv->behaviour({ path => '/resend', status => 200 });
$node->update($tenant, $rs, { enabled => $FALSE });
$node->psql("SELECT webhooks.resend_diverted_event('$tenant', '$rs->{locator}', '$e->{locator}')");
is($rcv->wait('/resend', 4, 10), 4, 'a resend goes even to a disabled webhook');
ok(wait_until(sub { @{ diverted($rs) } == 0 }, 10), 'a successful resend removes the record');
is($rcv->requests('/resend')->[3]{headers}{'webhook-id'}, $e->{locator}, 'same webhook-id');
is($node->sqlstate("SELECT webhooks.fetch_diverted_event('$tenant', '$rs->{locator}', '$e->{locator}')"),
	'PT404', 'fetch_diverted_event: not found any more');

# resend_diverted_events since a time: 3 events diverted one after the
# other; since the second's failureTimestamp: the second and the third
my ($many, @m) = divert_each('/many', 3);
$d = diverted($many);
is_deeply([ map { $_->{eventLocator} } @$d ], [ map { $_->{locator} } @m ], 'three diverted, in failureTimestamp order');
ok($d->[0]{failureTimestamp} lt $d->[1]{failureTimestamp}, 'at different times');
$rcv->behaviour({ path => '/many', status => 200 });
is($node->psql("SELECT webhooks.resend_diverted_events('$tenant', '$many->{locator}', since => '$d->[1]{failureTimestamp}')"),
	2, 'resend_diverted_events since the second: 2');
is($rcv->wait('/many', 5, 10), 5, 'two resends arrived');
ok($node->wait_queue_empty, 'queue empty');
is_deeply([ sort map { $_->{headers}{'webhook-id'} } @{ $rcv->requests('/many') }[ 3, 4 ] ],
	[ sort map { $_->{locator} } @m[ 1, 2 ] ], 'the second and the third');
ok(wait_until(sub { @{ diverted($many) } == 1 }, 10), 'their records went');
is(diverted($many)->[0]{eventLocator}, $m[0]{locator}, 'the first stays');
is($node->psql("SELECT webhooks.resend_diverted_events('$tenant', '$many->{locator}', now())"), 0,
	'since now: none');
is($node->psql("SELECT webhooks.resend_diverted_events('$tenant', '$many->{locator}')"), 1, 'without since: the rest');
ok(wait_until(sub { @{ diverted($many) } == 0 }, 10), 'all delivered, no record left');

# ------------------------------------------------ the diverted list: order, paging, delete

my ($list, @l) = divert_each('/list', 5);
$d = diverted($list);
is(ref $d, 'ARRAY', 'fetch_diverted_events answers a bare array');
is_deeply([ map { $_->{eventLocator} } @$d ], [ map { $_->{locator} } @l ], 'in failureTimestamp order');
is_deeply([ map { $_->{failureTimestamp} } @$d ], [ sort map { $_->{failureTimestamp} } @$d ], 'ascending');
is_deeply([ map { $_->{eventLocator} } @{ diverted($list, 1, 2) } ], [ map { $_->{locator} } @l[ 1, 2 ] ],
	'offset 1, count 2');
is_deeply([ map { $_->{eventLocator} } @{ diverted($list, 4, 10) } ], [ $l[4]{locator} ], 'the last page');
is_deeply(diverted($list, 5, 10), [], 'past the end: empty');
is_deeply([ map { $_->{eventLocator} } @{ diverted($list, 'NULL', 3) } ], [ map { $_->{locator} } @l[ 0 .. 2 ] ],
	'offset NULL means 0');
is($node->sqlstate("SELECT webhooks.fetch_diverted_events('$tenant', '$list->{locator}', 0, 1001)"), '22023',
	'count over 1000: 22023');
is($node->sqlstate("SELECT webhooks.fetch_diverted_events('" . new_uuid() . "', '$list->{locator}')"), 'PT404',
	'another tenant: PT404');
is($node->psql("SELECT webhooks.delete_diverted_event('$tenant', '$list->{locator}', '$l[2]{locator}')"), '{}',
	'delete_diverted_event answers {}');
is_deeply([ map { $_->{eventLocator} } @{ diverted($list) } ], [ map { $_->{locator} } @l[ 0, 1, 3, 4 ] ],
	'the one record is gone');
is($node->sqlstate("SELECT webhooks.delete_diverted_event('$tenant', '$list->{locator}', '$l[2]{locator}')"),
	'PT404', 'deleting it again: PT404');
is($node->sqlstate("SELECT webhooks.resend_diverted_event('$tenant', '$list->{locator}', '$l[2]{locator}')"),
	'PT404', 'resending it: PT404');
is($node->queued($tenant, $list), 0, 'nothing queued by the failed calls');

done_testing();
