# 026_housekeeping.pl: what outlived its retention goes, and finding it
# does not read the attempt log and the events from end to end.  1.0's
# _housekeeping did, every minute in the worker's loop, and no delivery
# moved meanwhile: with some 400 MB of attempts and events, every minute's
# deliveries waited a quarter of a second, and longer as the tables grew.
#
# Attempts past webhooks.attempt_retention go; so do events past
# webhooks.event_retention that nothing refers to any more, while an old
# event still queued or diverted stays.  The statements of _housekeeping
# must read the tables by their primary keys, never from end to end, and
# touch a small part of their pages (auto_explain prints the plans of the
# nested statements with their buffers); a log of more webhooks than one
# call looks at is gone through by calls that go on where the last one
# stopped; and the worker must run it when it starts.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WebhooksTest;

my ($node, $rcv) = delivery_setup();
my $tenant = new_uuid();
my ($A, $E) = (200_000, 50_000);    # recent attempts (to 100 webhooks) and events
my ($KEEP_A, $KEEP_E) = (604800, 2592000);    # the retentions' defaults, in seconds

# old rows: n attempts of 8 days ago, each to a webhook of its own, and 3
# events of 31 days ago (their locators too), one that nothing refers to,
# one still queued (due in an hour) and one diverted
sub add_old
{
	my ($n) = @_;
	my $ev = [ split /\n/, $node->psql(<<"SQL") ];
INSERT INTO webhooks._attempt (tenant_locator, webhook_locator, event_locator, attempt,
                               attempted_at, status, outcome, response)
SELECT '$tenant', webhooks.gen_ulid(), webhooks.gen_ulid(), 1, now() - interval '8 days',
       200, 'delivered', 'old'
FROM generate_series(1, $n);
INSERT INTO webhooks._event (tenant_locator, locator, type, request_id, payload, published_at)
SELECT '$tenant', webhooks.ulid_floor(now() - interval '31 days' - i * interval '1 ms'),
       'policy.quote.issue', webhooks.gen_ulid(), '{"data": {}}', now() - interval '31 days'
FROM generate_series(1, 3) i
ORDER BY i
RETURNING locator;
SQL
	my $w = webhooks_of();
	$node->psql(<<"SQL");
INSERT INTO webhooks._delivery (tenant_locator, webhook_locator, event_locator, due_at)
VALUES ('$tenant', '$w'::webhooks.ulid, '$ev->[1]'::webhooks.ulid, now() + interval '1 hour');
INSERT INTO webhooks._diverted_event (tenant_locator, webhook_locator, event_locator, request_locator,
                                      failure_trigger, failure_message, failure_timestamp)
VALUES ('$tenant', '$w'::webhooks.ulid, '$ev->[2]'::webhooks.ulid, webhooks.gen_ulid(), '503',
        'HTTP 503', now());
SQL
	return $ev;
}

my $hook;
sub webhooks_of { return $hook->{locator}; }

sub counts
{
	return $node->psql("SELECT (SELECT count(*) FROM webhooks._attempt WHERE tenant_locator = '$tenant'"
		  . " AND attempted_at < now() - interval '7 days') || ' '"
		  . " || (SELECT count(*) FROM webhooks._attempt WHERE tenant_locator = '$tenant') || ' '"
		  . " || (SELECT count(*) FROM webhooks._event WHERE tenant_locator = '$tenant')");
}

sub events_left
{
	my ($ev) = @_;
	return $node->psql("SELECT string_agg(locator::text, ' ' ORDER BY locator) FROM webhooks._event"
		  . " WHERE locator::text IN ('" . join("', '", @$ev) . "')");
}

$hook = $node->receiver_hook($tenant, $rcv, '/hk', {});
$node->psql(<<"SQL");
CREATE TABLE public.hooks AS SELECT array_agg(webhooks.gen_ulid()) AS w FROM generate_series(1, 100);
INSERT INTO webhooks._attempt (tenant_locator, webhook_locator, event_locator, attempt,
                               attempted_at, status, outcome, response)
SELECT '$tenant', (SELECT w[1 + i % 100] FROM public.hooks), webhooks.gen_ulid(), 1, now(), 200,
       'delivered', 'ok'
FROM generate_series(1, $A) i;
INSERT INTO webhooks._event (tenant_locator, locator, type, request_id, payload)
SELECT '$tenant', webhooks.gen_ulid(), 'policy.quote.issue', webhooks.gen_ulid(),
       jsonb_build_object('data', repeat('x', 1024))
FROM generate_series(1, $E);
SQL
my $old = add_old(10);
is(counts(), sprintf('10 %d %d', $A + 10, $E + 3), "$A recent attempts and 10 old ones, $E recent events and 3 old ones");
my $pages = $node->psql("SELECT (pg_relation_size('webhooks._attempt')"
	  . " + pg_relation_size('webhooks._event')) / current_setting('block_size')::int");
cmp_ok($pages, '>', 10_000, "the two tables fill $pages pages");

# the statements of _housekeeping, as the worker calls it, with their plans
my ($ok, $out, $err) = $node->run_psql(<<"SQL");
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_analyze = on;
SET auto_explain.log_buffers = on;
SET client_min_messages = log;
SELECT * FROM webhooks._housekeeping($KEEP_A, $KEEP_E, NULL, NULL);
SQL
ok($ok, '_housekeeping runs') or diag($err);
is($out, '|', 'it looked at every webhook of the log in one call: no place to go on from');
# the plans of the statements inside it, not of the call
my @plans = grep { /Query Text:/ && !/Query Text: SELECT \* FROM webhooks._housekeeping/ }
  split /(?=LOG:\s+(?:00000:\s+)?duration)/, $err;
is(scalar @plans, 2, 'the plans of its two statements are shown');
unlike($err, qr/(Seq|Bitmap Heap) Scan on _(attempt|event)/, 'neither table is read from end to end');
like($_, qr/Index (?:Only )?Scan using _(attempt|event)_pkey/, 'a statement reads its table by the primary key')
  for @plans;
# every buffer the two statements touched, as their top nodes count them
my $touched = 0;
for my $p (@plans)
{
	my ($buffers) = ($p =~ /^\s*Buffers: ([^\n]*)/m);	# the top node's: all of them
	$touched += $_ for ($buffers // '') =~ /(?:hit|read|dirtied|written)=(\d+)/g;
}
cmp_ok($touched, '<', $pages / 10, "they touched $touched buffers, under a tenth of the $pages pages");

is(counts(), sprintf('0 %d %d', $A, $E + 2), 'the old attempts went, the recent ones stayed, one old event went');
is(events_left($old), join(' ', sort @$old[ 1, 2 ]), 'the old events still queued or diverted stayed');

# 1,500 webhooks with an old attempt each, beside the 100 of the log: a
# call looks at 1,000 of them and says where the next goes on from
add_old(1500);
my $from = $node->psql("SELECT * FROM webhooks._housekeeping($KEEP_A, $KEEP_E, NULL, NULL)");
like($from, qr/^[0-9a-f-]{36}\|[0-9a-f-]{36}$/, 'a call that looked at 1,000 webhooks says where it stopped');
my ($left) = split / /, counts();
cmp_ok($left, '>', 0, "$left old attempts are left for the next call");
my ($t, $w) = split /\|/, $from;
is($node->psql("SELECT * FROM webhooks._housekeeping($KEEP_A, $KEEP_E, '$t', '$w')"), '|',
	'the next call goes on from there to the end');
is(counts(), sprintf('0 %d %d', $A, $E + 4), 'and every old attempt is gone');

# the worker runs it when it starts
my $later = add_old(5);
is(counts(), sprintf('5 %d %d', $A + 5, $E + 7), 'more old rows');
$node->stop;
$node->start;
ok(wait_until(sub { counts() eq sprintf('0 %d %d', $A, $E + 6) }, 30),
	'the worker, started again, deletes the old attempts and the old event nothing refers to')
  or diag(counts());
is(events_left($later), join(' ', sort @$later[ 1, 2 ]), 'and keeps the old events still queued or diverted');

done_testing();
