# 015_poison_batch.pl: one bad outcome never stops the recording of the
# rest (issue 9, case 3).  A backlog on an endpoint that never answers,
# with failures diverted, drains while another session holds the attempt
# log locked: the worker keeps every outcome until it can record them, so
# they are recorded together when the lock goes.  When 1.0's leases ran
# out while a delivery waited for a connection, it was sent twice, the
# original and the copy were then in one call of _record, and its
# INSERT ... ON CONFLICT DO UPDATE saw one key twice (21000): the worker
# tried the same batch again every second, forever, and recorded and
# claimed nothing else.  Here none may be sent twice, another tenant's
# event must be delivered within seconds of the lock's release, the
# backlog recorded, and the worker must not repeat an error; _record
# itself still takes one key twice, and takes a delivered row where it was
# claimed only if it is still that row.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes ();
use WebhooksTest;

my $TRUE = JSON::PP::true;
# a window of 64: the hanging webhook's share (a quarter) is the whole
# backlog, claimed at once, so that the last of it waits 16 s for one of
# the two connections, longer than the lease
my ($node, $rcv) = delivery_setup(conf => $SHORT_LEASE_CONF . "webhooks.max_inflight = 64\n");
my $healthy_rcv = WebhooksTest::Receiver->new;
my ($tenant, $other) = (new_uuid(), new_uuid());
my $N = 16;

my $healthy = $node->receiver_hook($other, $healthy_rcv, '/healthy', { status => 200 });
my ($att) = $node->deliver($other, $healthy);
is($att->[0]{outcome}, 'delivered', 'the healthy tenant is served');

my $w = $node->receiver_hook($tenant, $rcv, '/hang', { hangForever => $TRUE },
	failureHandling => { triggers => ['timeout'], divert => $TRUE });
$node->psql("SELECT count(webhooks.publish_event('$tenant', '$w->{type}', jsonb_build_object('i', i)))"
	  . " FROM generate_series(1, $N) i");

# the lock goes on once the first requests are out, while the rest still
# wait for one of the two connections
ok(wait_until(sub { $rcv->count('/hang') >= 2 }, 10), 'the first requests are out');

my $lock = $node->session("BEGIN;\nLOCK TABLE webhooks._attempt IN SHARE MODE;\nSELECT 'locked';\n");
$lock->{h}->pump until ${ $lock->{out} } =~ /locked/ || ${ $lock->{err} } ne '';
is(${ $lock->{out} }, "locked\n", 'another session locks the attempt log') or diag(${ $lock->{err} });
my $locked_at = Time::HiRes::time();

# held at least 12 s, and until the worker finished with every request it
# holds: then all their outcomes wait to be recorded
ok($rcv->wait_quiet(3, 40), 'the backlog drained while the attempt log was locked');

# the worker tries again every 50 ms, and sleeps in between: its outcomes
# waiting to be recorded, and housekeeping come due, do not keep it awake
my $cpu = cpu_used($node->worker_pid, 3);
cmp_ok($cpu, '<', 0.5, "the worker kept from its tables used $cpu s of CPU in 3 s");
Time::HiRes::sleep(0.1) while Time::HiRes::time() < $locked_at + 12;
note(sprintf('lock held %.1f s', Time::HiRes::time() - $locked_at));
is($rcv->count('/hang'), $N, "$N requests for $N events: none sent twice while it waited");
${ $lock->{in} } .= "COMMIT;\n";
$lock->{h}->finish;
is($?, 0, 'the lock is released');

# the healthy tenant is served within seconds
$node->publish($other, $healthy->{type}, { after => 'the lock' });
is($healthy_rcv->wait('/healthy', 2, 5), 2, "another tenant's event is delivered within 5 s of the release");
ok($node->wait_queue_empty(10), 'the backlog is recorded: nothing left queued');
is(scalar @{ $node->wait_diverted($tenant, $w, $N, 10) }, $N, "the $N events are diverted, once each");

# and the worker does not repeat an error it met
sub errors { return scalar(() = $node->log =~ /ERROR:/g); }
Time::HiRes::sleep(1);
my $before = errors();
Time::HiRes::sleep(3);
is(errors(), $before, 'the worker logs no error again and again')
  or diag(join "\n", (grep { /ERROR:/ } split /\n/, $node->log)[ -3 .. -1 ]);
is(scalar(() = $node->log =~ /cannot affect row a second time/g), 0,
	'no outcome was refused for its key coming twice (21000)');

# _record itself takes one key twice: an outcome and its copy, both
# diverted, in one call (rolled back), its arguments named (the outcome
# literal takes the parameter's type: text in 1.0, an enum since)
my $d = $node->psql("SELECT locator FROM webhooks._event WHERE tenant_locator = '$tenant' LIMIT 1");
my %args = (
	t => "'$tenant'::uuid", w => "'$w->{locator}'::webhooks.ulid::uuid", e => "'$d'::webhooks.ulid::uuid",
	attempt => '1', attempted_at => 'now()', duration_ms => '2000::float8', status => 'NULL::integer',
	error => "'timed out'", "\"trigger\"" => "'timeout'", response => 'NULL::text',
	retry_at => 'NULL::timestamptz', divert => 'true', suspend => 'false', resend => 'false');
my $call = join(', ', (map { "$_ => ARRAY[$args{$_}, $args{$_}]" } sort keys %args),
	"outcome => '{failed,failed}'");
is($node->sqlstate("BEGIN; SELECT webhooks._record($call); ROLLBACK;"), '',
	'_record takes a diverted outcome and its copy in one call');

# _record looks for a delivered row where _claim found it (row_ctid), but
# takes it there only if it is still that delivery: a place that now holds
# another delivery, or that the row moved from, leaves the row to be found
# by its key.  Two rows not due for an hour, so the worker leaves them be.
my @ev = split /\n/, $node->psql("SELECT locator FROM webhooks._event"
	  . " WHERE tenant_locator = '$tenant' ORDER BY locator LIMIT 2");
$node->psql("INSERT INTO webhooks._delivery (tenant_locator, webhook_locator, event_locator, due_at)"
	  . " SELECT '$tenant', '$w->{locator}', e::webhooks.ulid, now() + interval '1 hour'"
	  . " FROM unnest(ARRAY['$ev[0]', '$ev[1]']) e");
sub row_of { return $node->psql("SELECT ctid FROM webhooks._delivery"
	  . " WHERE tenant_locator = '$tenant' AND event_locator::text = '$_[0]'"); }
sub queued { return $node->psql("SELECT coalesce(string_agg(event_locator::text, ' '), '')"
	  . " FROM webhooks._delivery WHERE tenant_locator = '$tenant'"); }
sub record_delivered {
	my ($event, $ctid) = @_;
	my %one = (%args, e => "'$event'::webhooks.ulid::uuid", status => '200',
		error => 'NULL::text', "\"trigger\"" => 'NULL::text', divert => 'false');
	my $call = join(', ', (map { "$_ => ARRAY[$one{$_}]" } sort keys %one),
		"outcome => '{delivered}'", "row_ctid => ARRAY['$ctid']::tid[]");
	return $node->sqlstate("SELECT webhooks._record($call)");
}
is(record_delivered($ev[0], row_of($ev[1])), '', 'an outcome is recorded with the place of another row');
is(queued(), $ev[1], 'its own row went and the other row stayed');
my $was = row_of($ev[1]);
$node->psql("UPDATE webhooks._delivery SET resend = true"
	  . " WHERE tenant_locator = '$tenant' AND event_locator::text = '$ev[1]'");
isnt(row_of($ev[1]), $was, 'the other row moved, as when a resend is queued while it is in flight');
is(record_delivered($ev[1], $was), '', 'its outcome is recorded with the place it moved from');
is(queued(), '', 'the row that moved went');

# a webhook without its row of statistics (restored from a dump of 1.0,
# which kept no counters) is counted all the same: its row is made
sub stats_of { return $node->psql("SELECT delivered FROM webhooks._webhook_stats"
	  . " WHERE tenant_locator = '$tenant' AND webhook_locator::text = '$w->{locator}'"); }
my $stats_before = stats_of();
$node->psql("DELETE FROM webhooks._webhook_stats"
	  . " WHERE tenant_locator = '$tenant' AND webhook_locator::text = '$w->{locator}'");
is(stats_of(), '', 'the webhook has no row of statistics');
is(record_delivered($ev[0], '(0,0)'), '', 'an outcome of it is recorded');
is(stats_of(), '1', 'its row is made, and counts it');
is(record_delivered($ev[1], '(0,0)'), '', 'and the next');
is(stats_of(), '2', 'which the row counts too') or diag("it had $stats_before before");

done_testing();
