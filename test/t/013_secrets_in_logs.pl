# 013_secrets_in_logs.pl: no error path of the API puts a secret or event
# data into the server log or pg_stat_statements.
#
# Every error path of every API function is driven twice, once with its
# arguments as literals in the statement and once as bound parameters
# (DBD::Pg: the extended protocol), each time with a distinct secret (an
# endpoint secret, a header value), a distinct data marker (event data, a
# paging token, a bound value beside the call) and a distinct comment in
# the statement text.  The cluster logs every error's statement
# (log_min_error_statement = error) and every bound value
# (log_parameter_max_length_on_error = -1), and pg_stat_statements tracks
# every statement, nested ones too.  Afterwards no marker may be in the
# server log, and no secret or data marker in pg_stat_statements (which
# keeps comments by design, so those are searched in the log only).
#
# Controls show that the search would find them: a statement PostgreSQL
# refuses before the API function runs (a bad uuid literal) is logged with
# its comment and its literal, which is where the guarantee stops.
use strict;
use warnings;

use DBI;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WebhooksTest;

my $node = WebhooksTest::Cluster->new(conf => <<'CONF');
shared_preload_libraries = 'webhooks, pg_stat_statements'
pg_stat_statements.track = all
log_min_error_statement = error
log_parameter_max_length_on_error = -1
log_error_verbosity = verbose
CONF
$node->psql('CREATE EXTENSION webhooks; CREATE EXTENSION pg_stat_statements');
$node->psql('CREATE DATABASE other');
$node->psql('CREATE EXTENSION webhooks', db => 'other');

my $t = new_uuid();
my $u = new_uuid();
my $w = $node->psql(qq{SELECT webhooks.create_webhook('$t', '{"name": "taken",
	"endpoint": {"url": "https://example.com/taken"}, "eventTypes": ["*"]}')->>'locator'});
my $w2 = $node->psql(qq{SELECT webhooks.create_webhook('$t', '{"name": "second",
	"endpoint": {"url": "https://example.com/second"}, "eventTypes": ["*"]}')->>'locator'});
my $missing = '01J00000000000000000000000';

sub connect_db
{
	my ($db) = @_;
	my $dbh = DBI->connect("dbi:Pg:dbname=$db;host=" . $node->dir . ";port=$node->{port}",
		'postgres', '', { AutoCommit => 1, RaiseError => 0, PrintError => 0 });
	die "cannot connect: $DBI::errstr" unless $dbh;
	return $dbh;
}
my %dbh = (postgres => connect_db('postgres'), other => connect_db('other'));

# the markers of each run, to search for afterwards
my (@secret_markers, @comment_markers);
my $run = 0;

# call(dbh, mode, sql, params): runs sql with $n placeholders, its params
# bound (mode "bound") or written in as literals (mode "literal"); returns
# the SQLSTATE ('' when it succeeds) and the message.
sub call
{
	my ($dbh, $mode, $sql, @params) = @_;
	if ($mode eq 'literal')
	{
		for my $i (reverse 1 .. @params)
		{
			my $lit = $dbh->quote($params[ $i - 1 ]);
			$sql =~ s/\$$i\b/$lit/g;
		}
		@params = ();
	}
	my $sth = $dbh->prepare($sql);
	my $ok = $sth && $sth->execute(@params);
	return ($ok ? '' : $dbh->state, $dbh->errstr // '');
}

# The cases: label, expected SQLSTATE, the call's SQL and its parameters,
# where %SECRET% and %DATA% stand for this run's markers; options: db,
# claims (the tenant request.jwt.claims names), require (require_tenant_claim),
# set (a setting for the call).
my $req = '{"name": "n", "endpoint": {"url": "https://example.com/x", "secret": "%SECRET%",'
  . ' "headers": {"Authorization": ["Bearer %DATA%"]}}, "eventTypes": ["*"]';
my @cases = (
	[ 'create_webhook: NULL tenant', '22023', 'SELECT webhooks.create_webhook($1, $2)', [ undef, "$req}" ] ],
	[ 'create_webhook: NULL request', '22023', 'SELECT webhooks.create_webhook($1, $2)', [ $t, undef ] ],
	[ 'create_webhook: request not an object', '22023', 'SELECT webhooks.create_webhook($1, $2)', [ $t, '["%SECRET%", "%DATA%"]' ] ],
	[ 'create_webhook: unknown field', '22023', 'SELECT webhooks.create_webhook($1, $2)', [ $t, "$req, \"bogus\": 1}" ] ],
	[ 'create_webhook: bad url', '22023', 'SELECT webhooks.create_webhook($1, $2)',
		[ $t, '{"name": "n", "endpoint": {"url": "ftp://example.com/%SECRET%", "secret": "%SECRET%"}, "eventTypes": ["*"]}' ] ],
	[ 'create_webhook: bad retry strategy', '22023', 'SELECT webhooks.create_webhook($1, $2)',
		[ $t, "$req, \"failureHandling\": {\"retryStrategy\": {\"type\": \"linear\", \"interval\": 0}}}" ] ],
	[ 'create_webhook: unknown event type', '22023', 'SELECT webhooks.create_webhook($1, $2)',
		[ $t, '{"name": "n", "endpoint": {"url": "https://example.com/x", "secret": "%SECRET%"}, "eventTypes": ["no.such.type"]}' ] ],
	[ 'create_webhook: name taken', '23505', 'SELECT webhooks.create_webhook($1, $2)',
		[ $t, '{"name": "taken", "endpoint": {"url": "https://example.com/x", "secret": "%SECRET%"}, "eventTypes": ["*"]}' ] ],
	[ 'create_webhook: another tenant', '42501', 'SELECT webhooks.create_webhook($1, $2)', [ $t, "$req}" ], claims => $u ],
	[ 'create_webhook: no claims', '42501', 'SELECT webhooks.create_webhook($1, $2)', [ $t, "$req}" ], require => 1 ],
	[ 'fetch_webhook: not found', 'PT404', 'SELECT webhooks.fetch_webhook($1, $2)', [ $t, $missing ] ],
	[ 'fetch_webhook: NULL locator', '22023', 'SELECT webhooks.fetch_webhook($1, $2)', [ $t, undef ] ],
	[ 'fetch_webhook: another tenant', '42501', 'SELECT webhooks.fetch_webhook($1, $2)', [ $t, $w ], claims => $u ],
	[ 'fetch_webhooks: count', '22023', 'SELECT webhooks.fetch_webhooks($1, count => $2)', [ $t, 0 ] ],
	[ 'fetch_webhooks: offset', '22023', 'SELECT webhooks.fetch_webhooks($1, "offset" => $2)', [ $t, -1 ] ],
	[ 'fetch_webhooks: event type filter', '22023', 'SELECT webhooks.fetch_webhooks($1, event_types => $2)', [ $t, '{"policy*"}' ] ],
	[ 'fetch_webhooks: no claims', '42501', 'SELECT webhooks.fetch_webhooks($1)', [$t], require => 1 ],
	[ 'update_webhook: bad request', '22023', 'SELECT webhooks.update_webhook($1, $2, $3)',
		[ $t, $w, '{"endpoint": {"secret": "%SECRET%", "headers": {"X-A": ["%DATA%"]}}, "bogus": true}' ] ],
	[ 'update_webhook: bad secret', '22023', 'SELECT webhooks.update_webhook($1, $2, $3)',
		[ $t, $w, '{"endpoint": {"secret": "whsec_%SECRET%"}}' ] ],
	[ 'update_webhook: name taken', '23505', 'SELECT webhooks.update_webhook($1, $2, $3)',
		[ $t, $w2, '{"name": "taken", "endpoint": {"secret": "%SECRET%"}}' ] ],
	[ 'update_webhook: not found', 'PT404', 'SELECT webhooks.update_webhook($1, $2, $3)',
		[ $t, $missing, '{"endpoint": {"secret": "%SECRET%"}}' ] ],
	[ 'update_webhook: NULL request', '22023', 'SELECT webhooks.update_webhook($1, $2, $3)', [ $t, $w, undef ] ],
	[ 'update_webhook: another tenant', '42501', 'SELECT webhooks.update_webhook($1, $2, $3)',
		[ $t, $w, '{"endpoint": {"secret": "%SECRET%"}}' ], claims => $u ],
	[ 'unsuspend_webhook: not found', 'PT404', 'SELECT webhooks.unsuspend_webhook($1, $2)', [ $t, $missing ] ],
	[ 'unsuspend_webhook: another tenant', '42501', 'SELECT webhooks.unsuspend_webhook($1, $2)', [ $t, $w ], claims => $u ],
	[ 'delete_webhook: not found', 'PT404', 'SELECT webhooks.delete_webhook($1, $2)', [ $t, $missing ] ],
	[ 'delete_webhook: no claims', '42501', 'SELECT webhooks.delete_webhook($1, $2)', [ $t, $w ], require => 1 ],
	[ 'publish_event: unknown type', '22023', 'SELECT webhooks.publish_event($1, $2, $3)',
		[ $t, 'no.such.type', '{"ssn": "%DATA%", "token": "%SECRET%"}' ] ],
	[ 'publish_event: bad type', '22023', 'SELECT webhooks.publish_event($1, $2, $3)',
		[ $t, 'policy..quote', '{"ssn": "%DATA%"}' ] ],
	[ 'publish_event: data not an object', '22023', 'SELECT webhooks.publish_event($1, $2, $3)',
		[ $t, 'policy.quote.issue', '["%DATA%", "%SECRET%"]' ] ],
	[ 'publish_event: data too large', '22023', 'SELECT webhooks.publish_event($1, $2, $3)',
		[ $t, 'policy.quote.issue', '{"ssn": "%DATA%", "pad": "' . ('x' x 200) . '"}' ],
		set => 'webhooks.max_event_data_bytes = 100' ],
	[ 'publish_event: NULL type', '22023', 'SELECT webhooks.publish_event($1, $2, $3)', [ $t, undef, '{"ssn": "%DATA%"}' ] ],
	[ 'publish_event: NULL data', '22023', 'SELECT webhooks.publish_event($1, $2, $3)', [ $t, 'policy.quote.issue', undef ] ],
	[ 'publish_event: wrong database', '55000', 'SELECT webhooks.publish_event($1, $2, $3)',
		[ $t, 'policy.quote.issue', '{"ssn": "%DATA%"}' ], db => 'other' ],
	[ 'publish_event: another tenant', '42501', 'SELECT webhooks.publish_event($1, $2, $3)',
		[ $t, 'policy.quote.issue', '{"ssn": "%DATA%"}' ], claims => $u ],
	[ 'fetch_event: not found', 'PT404', 'SELECT webhooks.fetch_event($1, $2)', [ $t, $missing ] ],
	[ 'fetch_event: another tenant', '42501', 'SELECT webhooks.fetch_event($1, $2)', [ $t, $missing ], claims => $u ],
	[ 'fetch_events_for_request: NULL', '22023', 'SELECT webhooks.fetch_events_for_request($1, $2)', [ $t, undef ] ],
	[ 'fetch_events_for_request: no claims', '42501', 'SELECT webhooks.fetch_events_for_request($1, $2)', [ $t, $missing ], require => 1 ],
	[ 'fetch_events: bad paging token', '22023', 'SELECT webhooks.fetch_events($1, paging_token => $2)', [ $t, '%DATA%' ] ],
	[ 'fetch_events: token and filters', '22023', 'SELECT webhooks.fetch_events($1, type => $2, paging_token => $3)',
		[ $t, 'policy.quote.issue', '%DATA%' ] ],
	[ 'fetch_events: time before 1970', '22023', 'SELECT webhooks.fetch_events($1, start_timestamp => $2)', [ $t, '1900-01-01' ] ],
	[ 'fetch_events: infinite time', '22023', 'SELECT webhooks.fetch_events($1, end_timestamp => $2)', [ $t, 'infinity' ] ],
	[ 'fetch_events: page size', '22023', 'SELECT webhooks.fetch_events($1, page_size => $2)', [ $t, 0 ] ],
	[ 'fetch_events: another tenant', '42501', 'SELECT webhooks.fetch_events($1)', [$t], claims => $u ],
	[ 'fetch_webhook_attempts: not found', 'PT404', 'SELECT webhooks.fetch_webhook_attempts($1, $2)', [ $t, $missing ] ],
	[ 'fetch_webhook_attempts: count', '22023', 'SELECT webhooks.fetch_webhook_attempts($1, $2, count => $3)', [ $t, $w, 0 ] ],
	[ 'fetch_webhook_attempts: another tenant', '42501', 'SELECT webhooks.fetch_webhook_attempts($1, $2)', [ $t, $w ], claims => $u ],
	[ 'fetch_diverted_event: not found', 'PT404', 'SELECT webhooks.fetch_diverted_event($1, $2, $3)', [ $t, $w, $missing ] ],
	[ 'fetch_diverted_event: another tenant', '42501', 'SELECT webhooks.fetch_diverted_event($1, $2, $3)', [ $t, $w, $missing ], claims => $u ],
	[ 'fetch_diverted_events: not found', 'PT404', 'SELECT webhooks.fetch_diverted_events($1, $2)', [ $t, $missing ] ],
	[ 'fetch_diverted_events: offset', '22023', 'SELECT webhooks.fetch_diverted_events($1, $2, "offset" => $3)', [ $t, $w, -1 ] ],
	[ 'resend_diverted_event: not found', 'PT404', 'SELECT webhooks.resend_diverted_event($1, $2, $3)', [ $t, $w, $missing ] ],
	[ 'resend_diverted_event: no claims', '42501', 'SELECT webhooks.resend_diverted_event($1, $2, $3)', [ $t, $w, $missing ], require => 1 ],
	[ 'resend_diverted_events: not found', 'PT404', 'SELECT webhooks.resend_diverted_events($1, $2)', [ $t, $missing ] ],
	[ 'delete_diverted_event: not found', 'PT404', 'SELECT webhooks.delete_diverted_event($1, $2, $3)', [ $t, $w, $missing ] ],
	[ 'register_event_type: bad name', '22023', 'SELECT webhooks.register_event_type($1, $2)', [ 'bad name!', '%DATA%' ] ],
	[ 'register_event_type: built-in', '22023', 'SELECT webhooks.register_event_type($1, $2)', [ 'policy.quote.issue', '%DATA%' ] ],
	[ 'register_event_type: NULL name', '22023', 'SELECT webhooks.register_event_type($1, $2)', [ undef, '%DATA%' ] ],
);

# markers(): a new secret, data and comment marker for one run
sub markers
{
	$run++;
	my $id = sprintf('%03d%s', $run, substr(new_uuid() =~ s/-//gr, 0, 10));
	my %m = (secret => "S3CR3T$id", data => "D4T4$id", comment => "C0MM3NT$id");
	push @secret_markers, $m{secret}, $m{data};
	push @comment_markers, $m{comment};
	return %m;
}

# with(dbh, options, code): runs code with the options' session settings
sub with
{
	my ($dbh, $opt, $code) = @_;
	$dbh->do(sprintf(q{SELECT set_config('request.jwt.claims', '{"tenant_locator": "%s"}', false)}, $opt->{claims}))
	  if $opt->{claims};
	$dbh->do('SET webhooks.require_tenant_claim = on') if $opt->{require};
	$dbh->do("SET $opt->{set}") if $opt->{set};
	my @r = $code->();
	$dbh->do("RESET request.jwt.claims; RESET webhooks.require_tenant_claim; RESET webhooks.max_event_data_bytes");
	return @r;
}

for my $case (@cases)
{
	my ($label, $state, $sql, $params, %opt) = @$case;
	my $dbh = $dbh{ $opt{db} // 'postgres' };
	for my $mode ('literal', 'bound')
	{
		my %m = markers();
		my @p = map { defined $_ ? s/%SECRET%/$m{secret}/gr =~ s/%DATA%/$m{data}/gr : undef } @$params;
		# a bound value beside the call carries a data marker too
		my $n = @p + 1;
		my $full = "$sql, \$${n}::text AS beside /* $m{comment} */";
		my ($got, $msg) = with($dbh, \%opt, sub { call($dbh, $mode, $full, @p, "beside $m{data}") });
		is($got, $state, "$label ($mode): $state") or diag($msg);
	}
}

# Two creates racing on one name: the first holds its row uncommitted, the
# second passes the name check and is refused by the unique index.
for my $mode ('literal', 'bound')
{
	my %m = markers();
	my $name = "race $mode";
	my $first = connect_db('postgres');
	$first->begin_work;
	my ($s) = call($first, 'bound', 'SELECT webhooks.create_webhook($1, $2)', $t,
		qq({"name": "$name", "endpoint": {"url": "https://example.com/r"}, "eventTypes": ["*"]}));
	is($s, '', "race ($mode): the first create holds the name");
	my $second = connect_db('postgres');
	my $pid = $second->{pg_pid};
	my $sql = "SELECT webhooks.create_webhook(\$1, \$2), \$3::text /* $m{comment} */";
	my @p = ($t, qq({"name": "$name", "endpoint": {"url": "https://example.com/r", "secret": "$m{secret}"}, "eventTypes": ["*"]}),
		$m{data});
	if ($mode eq 'literal')
	{
		for my $i (reverse 1 .. 3) { my $l = $second->quote($p[ $i - 1 ]); $sql =~ s/\$$i\b/$l/g; }
		@p = ();
	}
	my $sth = $second->prepare($sql, { pg_async => DBD::Pg::PG_ASYNC() });
	$sth->execute(@p);
	ok(wait_until(sub { $node->psql("SELECT wait_event_type FROM pg_stat_activity WHERE pid = $pid") eq 'Lock' }, 10),
		"race ($mode): the second create waits on the index");
	$first->commit;
	$sth->pg_result;
	is($second->state, '23505', "race ($mode): 23505");
	like($second->errstr, qr/duplicate key value violates unique constraint/, "race ($mode): from the unique index");
	$first->disconnect;
	$second->disconnect;
}

# A PL/pgSQL caller: the DO statement with the literal is not logged
# either, nor is its text quoted in a context line.
{
	my %m = markers();
	my ($s) = call($dbh{postgres}, 'literal', qq{DO \$do\$ BEGIN PERFORM webhooks.create_webhook('$t',
		'{"name": "taken", "endpoint": {"url": "https://example.com/x", "secret": "$m{secret}"}, "eventTypes": ["*"]}');
		END \$do\$ /* $m{comment} */});
	is($s, '23505', 'a PL/pgSQL caller gets 23505');
}

# Controls: PostgreSQL refuses a bad uuid literal before the function runs,
# and logs the statement; bound, the value reaches the log as a parameter
my $control = "C0NTR0L" . substr(new_uuid() =~ s/-//gr, 0, 10);
my ($cs) = call($dbh{postgres}, 'literal', "SELECT webhooks.fetch_webhook('not-a-uuid-$control', \$1) /* comment $control */", $w);
is($cs, '22P02', 'control: a bad uuid literal is refused before the function runs');
my ($cb) = call($dbh{postgres}, 'bound', 'SELECT webhooks.fetch_webhook($1, $2)', "bound-$control", $w);
is($cb, '22P02', 'control: a bad bound uuid too');

$_->disconnect for values %dbh;
my $log = $node->log;
like($log, qr/STATEMENT:.*comment $control/, 'control: that statement is in the log, comment and all');
like($log, qr/bound-$control/, 'control: the bound value is in the log');
my $errors = () = $log =~ /ERROR:  (22023|23505|42501|PT404|55000):/g;
cmp_ok($errors, '>=', 2 * @cases + 3, "the log has the errors ($errors), verbose");

my @in_log = grep { index($log, $_) >= 0 } @secret_markers, @comment_markers;
is(scalar @in_log, 0, scalar(@secret_markers) + scalar(@comment_markers) . ' markers searched in the server log: none found')
  or diag("found: @in_log[0 .. ($#in_log < 5 ? $#in_log : 5)]\n"
	  . join("\n", grep { my $l = $_; grep { index($l, $_) >= 0 } @in_log } split /\n/, $log));

my $statements = $node->psql('SELECT string_agg(query, chr(10)) FROM pg_stat_statements');
like($statements, qr/webhooks\.create_webhook/, 'pg_stat_statements has the API calls');
my @in_pgss = grep { index($statements, $_) >= 0 } @secret_markers;
is(scalar @in_pgss, 0, scalar(@secret_markers) . ' secret and data markers searched in pg_stat_statements: none found')
  or diag("found: @in_pgss");

done_testing();
