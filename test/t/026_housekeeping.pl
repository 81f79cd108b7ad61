# 026_housekeeping.pl: what outlived its retention goes, and finding it
# does not read the attempt log and the events from end to end.  1.0's
# _housekeeping did, every minute in the worker's loop, and no delivery
# moved meanwhile: with some 400 MB of attempts and events, every minute's
# deliveries waited a quarter of a second, and longer as the tables grew.
#
# Attempts past webhooks.attempt_retention go; so do events past
# webhooks.event_retention that nothing refers to any more, while an old
# event still queued or diverted stays.  The statements of _housekeeping
# must read the tables through their BRIN indexes and touch a small part
# of their pages (auto_explain prints the plans of the nested statements
# with their buffers), and the worker must run it when it starts.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WebhooksTest;

my ($node, $rcv) = delivery_setup();
my $tenant = new_uuid();
my ($A, $E) = (200_000, 50_000);    # recent attempts and events
my ($KEEP_A, $KEEP_E) = (604800, 2592000);    # the retentions' defaults, in seconds

# old rows, inserted after recent ones like a log that has aged: n
# attempts of 8 days ago, and 3 events of 31 days ago, one that nothing
# refers to, one still queued (due in an hour) and one diverted
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
SELECT '$tenant', webhooks.gen_ulid(), 'policy.quote.issue', webhooks.gen_ulid(), '{"data": {}}',
       now() - interval '31 days'
FROM generate_series(1, 3)
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
INSERT INTO webhooks._attempt (tenant_locator, webhook_locator, event_locator, attempt,
                               attempted_at, status, outcome, response)
SELECT '$tenant', webhooks.gen_ulid(), webhooks.gen_ulid(), 1, now(), 200, 'delivered', 'ok'
FROM generate_series(1, $A);
INSERT INTO webhooks._event (tenant_locator, locator, type, request_id, payload)
SELECT '$tenant', webhooks.gen_ulid(), 'policy.quote.issue', webhooks.gen_ulid(),
       jsonb_build_object('data', repeat('x', 1024))
FROM generate_series(1, $E);
SQL
my $old = add_old(10);
# what autovacuum does as the ranges fill (autosummarize), at once
$node->psql('VACUUM webhooks._attempt; VACUUM webhooks._event;');
is(counts(), sprintf('10 %d %d', $A + 10, $E + 3), "$A recent attempts and 10 old ones, $E recent events and 3 old ones");
my $pages = $node->psql("SELECT relpages FROM pg_class WHERE oid = 'webhooks._attempt'::regclass")
  + $node->psql("SELECT relpages FROM pg_class WHERE oid = 'webhooks._event'::regclass");
cmp_ok($pages, '>', 10_000, "the two tables fill $pages pages");

# the statements of _housekeeping, as the worker calls it, with their plans
my ($ok, $out, $err) = $node->run_psql(<<"SQL");
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_analyze = on;
SET auto_explain.log_buffers = on;
SET client_min_messages = log;
SELECT webhooks._housekeeping($KEEP_A, $KEEP_E);
SQL
ok($ok, '_housekeeping runs') or diag($err);
my @plans = grep { /Query Text:\s+DELETE FROM _(attempt|event)/ } split /(?=LOG:\s+(?:00000:\s+)?duration)/, $err;
is(scalar @plans, 2, 'the plans of its two statements are shown');
unlike($err, qr/Seq Scan on _(attempt|event)/, 'neither table is read from end to end');
like($_, qr/Bitmap Index Scan on _(attempt|event)_time_idx/, 'a statement finds its rows through the BRIN index')
  for @plans;
# every buffer the two statements touched, as their top nodes count them
my $touched = 0;
for my $p (@plans)
{
	my ($top) = $p =~ /\n(\s*Delete on.*?)(?=\n\S|\z)/s;
	my ($buffers) = ($p =~ /^\s*Buffers: ([^\n]*)/m);
	$touched += $_ for ($buffers // '') =~ /(?:hit|read|dirtied|written)=(\d+)/g;
}
cmp_ok($touched, '<', $pages / 20, "they touched $touched buffers, under a twentieth of the $pages pages");

is(counts(), sprintf('0 %d %d', $A, $E + 2), 'the old attempts went, the recent ones stayed, one old event went');
is(events_left($old), join(' ', sort @$old[ 1, 2 ]), 'the old events still queued or diverted stayed');

# the worker runs it when it starts
my $later = add_old(5);
is(counts(), sprintf('5 %d %d', $A + 5, $E + 5), 'more old rows');
$node->stop;
$node->start;
ok(wait_until(sub { counts() eq sprintf('0 %d %d', $A, $E + 4) }, 30),
	'the worker, started again, deletes the old attempts and the old event nothing refers to')
  or diag(counts());
is(events_left($later), join(' ', sort @$later[ 1, 2 ]), 'and keeps the old events still queued or diverted');

done_testing();
