# 026_housekeeping.pl: what outlived its retention goes, and finding it
# reads neither the attempt log nor the events from end to end.  1.0's
# _housekeeping did, every minute in the worker's loop, and no delivery
# moved meanwhile: with some 400 MB of attempts and events, every minute's
# deliveries waited a quarter of a second, and longer as the tables grew.
#
# Attempts past webhooks.attempt_retention go; so do events past
# webhooks.event_retention that nothing refers to any more, while an old
# event still queued or diverted stays.  The statements of _housekeeping
# must read the tables by their primary keys, never from end to end, and
# touch a small part of their pages (auto_explain prints the plans of the
# nested statements with their buffers).  A call reads a bounded number of
# rows and looks at a bounded number of webhooks, and says where the next
# goes on from and whether it stopped for its budget: calls from there
# finish the work, also for a webhook with more old attempts than a call
# reads.  The largest retentions are accepted.  The worker runs it when it
# starts.  While the manual calls run, the worker's own retentions are the
# largest (it deletes nothing); then the defaults.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WebhooksTest;

my $MAX = 2147483647;
my ($node, $rcv) = delivery_setup(
	conf => "webhooks.attempt_retention = $MAX\nwebhooks.event_retention = $MAX");
my $tenant = new_uuid();
my ($A, $E) = (200_000, 50_000);    # recent attempts (to 100 webhooks) and events
my ($KEEP_A, $KEEP_E) = (604800, 2592000);    # the retentions' defaults, in seconds
my $hook = $node->receiver_hook($tenant, $rcv, '/hk', {});

# old attempts of 8 days ago: n webhooks with k each
sub add_old_attempts
{
	my ($n, $k) = @_;
	$node->psql(<<"SQL");
INSERT INTO webhooks._attempt (tenant_locator, webhook_locator, event_locator, attempt,
                               attempted_at, status, outcome, response)
SELECT '$tenant', w, webhooks.gen_ulid(), 1, now() - interval '8 days', 200, 'delivered', 'old'
FROM (SELECT webhooks.gen_ulid() AS w FROM generate_series(1, $n)) h, generate_series(1, $k);
SQL
}

# 3 events of 31 days ago (their locators too): one that nothing refers to,
# one still queued (due in an hour) and one diverted
sub add_old_events
{
	my $ev = [ split /\n/, $node->psql(<<"SQL") ];
INSERT INTO webhooks._event (tenant_locator, locator, type, request_id, payload, published_at)
SELECT '$tenant', webhooks.ulid_floor(now() - interval '31 days' - i * interval '1 ms'),
       'policy.quote.issue', webhooks.gen_ulid(), '{"data": {}}', now() - interval '31 days'
FROM generate_series(1, 3) i
ORDER BY i
RETURNING locator;
SQL
	$node->psql(<<"SQL");
INSERT INTO webhooks._delivery (tenant_locator, webhook_locator, event_locator, due_at)
VALUES ('$tenant', '$hook->{locator}'::webhooks.ulid, '$ev->[1]'::webhooks.ulid, now() + interval '1 hour');
INSERT INTO webhooks._diverted_event (tenant_locator, webhook_locator, event_locator, request_locator,
                                      failure_trigger, failure_message, failure_timestamp)
VALUES ('$tenant', '$hook->{locator}'::webhooks.ulid, '$ev->[2]'::webhooks.ulid, webhooks.gen_ulid(),
        '503', 'HTTP 503', now());
SQL
	return $ev;
}

# old attempts, all attempts, events of the tenant
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

sub housekeeping
{
	my ($from_t, $from_w, %opt) = @_;
	my ($ka, $ke) = ($opt{attempts} // $KEEP_A, $opt{events} // $KEEP_E);
	my $from = defined $from_t ? "'$from_t', '$from_w'" : 'NULL, NULL';
	return $node->psql("SELECT * FROM webhooks._housekeeping($ka, $ke, $from)");
}

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
add_old_attempts(10, 1);
my $old = add_old_events();
is(counts(), sprintf('10 %d %d', $A + 10, $E + 3),
	"$A recent attempts and 10 old ones, $E recent events and 3 old ones");
my $pages = $node->psql("SELECT (pg_relation_size('webhooks._attempt')"
	  . " + pg_relation_size('webhooks._event')) / current_setting('block_size')::int");
cmp_ok($pages, '>', 10_000, "the two tables fill $pages pages");

is(housekeeping(undef, undef, attempts => $MAX, events => $MAX), '||f',
	'the largest retentions are taken (a time before 1970 is no cutoff), and keep everything');
is(counts(), sprintf('10 %d %d', $A + 10, $E + 3), 'nothing went');

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
is($out, '||f', 'it reached the end of the log in one call, within its budget');
# the plans of the statements inside it, not of the call
my @plans = grep { /Query Text:/ && !/Query Text: SELECT \* FROM webhooks._housekeeping/ }
  split /(?=LOG:\s+(?:00000:\s+)?duration)/, $err;
cmp_ok(scalar @plans, '>=', 3, scalar(@plans) . ' plans of its statements are shown');
my $all = join '', @plans;
unlike($all, qr/(Seq|Bitmap Heap) Scan on _(attempt|event)/, 'neither table is read from end to end');
like($all, qr/Index (?:Only )?Scan using _attempt_pkey/, 'the attempt log is read by its primary key');
like($all, qr/Index (?:Only )?Scan using _event_pkey/, 'the events are read by their primary key');
like($all, qr/Index (?:Only )?Scan using _diverted_event_event_idx/,
	'an old event is looked for among the diverted ones by an index on the event');
# every buffer the statements touched: each plan's top node counts its own
my $touched = 0;
for my $p (@plans)
{
	my ($buffers) = ($p =~ /^\s*Buffers: ([^\n]*)/m);
	$touched += $_ for ($buffers // '') =~ /(?:hit|read|dirtied|written)=(\d+)/g;
}
cmp_ok($touched, '<', $pages / 10, "they touched $touched buffers, under a tenth of the $pages pages");

is(counts(), sprintf('0 %d %d', $A, $E + 2), 'the old attempts went, the recent ones stayed, one old event went');
is(events_left($old), join(' ', sort @$old[ 1, 2 ]), 'the old events still queued or diverted stayed');

# 1,500 webhooks with an old attempt each, beside the 100 of the log: a
# call looks at 1,000 of them and says where the next goes on from
add_old_attempts(1500, 1);
my $from = housekeeping();
like($from, qr/^[0-9a-f-]{36}\|[0-9a-f-]{36}\|f$/, 'a call that looked at 1,000 webhooks says where to go on');
my ($left) = split / /, counts();
cmp_ok($left, '>', 0, "$left old attempts are left for the next call");
is(housekeeping((split /\|/, $from)[ 0, 1 ]), '||f', 'the next call goes on from there to the end');
is(counts(), sprintf('0 %d %d', $A, $E + 2), 'and every old attempt is gone');

# one webhook with 25,000 old attempts, and newer ones after them: calls
# of 10,000 rows go on where the last stopped, and say they stopped for
# their budget, until they are through
add_old_attempts(1, 25_000);
my $busy = $node->psql("SELECT webhook_locator FROM webhooks._attempt WHERE tenant_locator = '$tenant'"
	  . " AND attempted_at < now() - interval '7 days' LIMIT 1");
$node->psql("INSERT INTO webhooks._attempt (tenant_locator, webhook_locator, event_locator, attempt,"
	  . " attempted_at, status, outcome, response) SELECT '$tenant', '$busy'::webhooks.ulid,"
	  . " webhooks.gen_ulid(), 1, now(), 200, 'delivered', 'new' FROM generate_series(1, 100)");
my @calls;
$from = '||t';
for (1 .. 10)
{
	my ($t, $w) = split /\|/, $from;
	$from = housekeeping($t eq '' ? undef : $t, $w);
	push @calls, $from;
	last if $from =~ /\|f$/;
}
is(scalar(grep { /\|t$/ } @calls), 2, 'two calls stopped for their budget: ' . join(', ', map { (split /\|/)[2] } @calls));
my $busy_uuid = $node->psql("SELECT '$busy'::webhooks.ulid::uuid");
like($calls[0], qr/^\Q$tenant\E\|\Q$busy_uuid\E\|t$/, 'the first goes on at the busy webhook itself');
is(counts(), sprintf('0 %d %d', $A + 100, $E + 2), 'all 25,000 went, its 100 newer attempts stayed');

# the worker runs it when it starts, with the default retentions
add_old_attempts(5, 1);
my $later = add_old_events();
is(counts(), sprintf('5 %d %d', $A + 105, $E + 5), 'more old rows');
$node->psql('ALTER SYSTEM RESET webhooks.attempt_retention; ALTER SYSTEM RESET webhooks.event_retention;');
{
	open my $fh, '>>', "$node->{data}/postgresql.conf" or die $!;
	print $fh "webhooks.attempt_retention = $KEEP_A\nwebhooks.event_retention = $KEEP_E\n";
	close $fh;
}
$node->stop;
$node->start;
ok(wait_until(sub { counts() eq sprintf('0 %d %d', $A + 100, $E + 4) }, 30),
	'the worker, started again, deletes the old attempts and the old event nothing refers to')
  or diag(counts());
is(events_left($later), join(' ', sort @$later[ 1, 2 ]), 'and keeps the old events still queued or diverted');
unlike($node->log, qr/housekeeping failed|ERROR/, 'and logs no error');

done_testing();
