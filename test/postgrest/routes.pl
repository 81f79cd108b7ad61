# routes.pl: the REST API as PostgREST 12 serves it, behind the nginx site
# file shipped in contrib/postgrest/, run for real.
#
# A private cluster; PostgREST's side played by PostgREST12.pm (the
# statements PostgREST 12 issues, its status mapping; see that file for
# what was read in PostgREST's source) on a loopback port; the shipped
# webhooks-nginx.conf, templated only for its two ports, in front of it
# under Debian's nginx.  Every Socotra route through nginx, and every RPC
# of PostgREST's own URLs, with every role, the right and the wrong tenant,
# no JWT, bad JWTs and bad claims, the duplicate-key body attack and large
# bodies.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/../t/lib", $FindBin::Bin;
use Digest::SHA qw(hmac_sha256);
use File::Temp ();
use HTTP::Daemon;
use HTTP::Tiny;
use MIME::Base64 qw(encode_base64);
use POSIX ();
use Test::More;
use WebhooksTest;
use PostgREST12;

my $SITE = "$FindBin::Bin/../../contrib/postgrest/webhooks-nginx.conf";
my $NGINX = -x '/usr/sbin/nginx' ? '/usr/sbin/nginx' : 'nginx';

my $node = WebhooksTest::Cluster->new;
$node->psql(<<'SQL');
CREATE EXTENSION webhooks;
CREATE ROLE webhooks_anonymous NOLOGIN;
CREATE ROLE webhooks_authenticator LOGIN NOINHERIT;
GRANT webhooks_reader, webhooks_writer, webhooks_publisher, webhooks_anonymous
	TO webhooks_authenticator;
SQL

my $tenant = new_uuid();
my $other = new_uuid();
my $secret = join '', map { ('a' .. 'z', 0 .. 9)[ rand 36 ] } 1 .. 40;

# ---------------------------------------------------------------- JWTs

sub b64url { my $s = encode_base64($_[0], ''); $s =~ tr{+/}{-_}; $s =~ s/=+$//; return $s; }

sub jwt
{
	my ($claims, $key) = @_;
	my $h = b64url('{"alg":"HS256","typ":"JWT"}');
	my $p = b64url(json_encode($claims));
	return "$h.$p." . b64url(hmac_sha256("$h.$p", $key // $secret));
}

my %token = (
	writer => jwt({ role => 'webhooks_writer', tenant_locator => $tenant }),
	reader => jwt({ role => 'webhooks_reader', tenant_locator => $tenant }),
	publisher => jwt({ role => 'webhooks_publisher', tenant_locator => $tenant }),
	other_writer => jwt({ role => 'webhooks_writer', tenant_locator => $other }),
	no_tenant => jwt({ role => 'webhooks_writer' }),
	bad_tenant => jwt({ role => 'webhooks_writer', tenant_locator => 'not-a-uuid' }),
	no_role => jwt({ tenant_locator => $tenant }),
	no_such_role => jwt({ role => 'no_such_role', tenant_locator => $tenant }),
	forged => jwt({ role => 'webhooks_writer', tenant_locator => $tenant }, 'another secret of 32 characters!'),
	expired => jwt({ role => 'webhooks_writer', tenant_locator => $tenant, exp => time - 60 }),
	garbage => 'not.a.jwt',
);

# ------------------------------------------------- PostgREST and nginx

my $work = File::Temp::tempdir('webhooks-rest.XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $statements = "$work/requests.log";
my $daemon = HTTP::Daemon->new(LocalAddr => '127.0.0.1', LocalPort => 0, ReuseAddr => 1)
  or die "no port for the PostgREST side: $!";
my $rest_port = $daemon->sockport;
my $rest_pid = fork // die "fork: $!";
if ($rest_pid == 0)
{
	my $emulator = PostgREST12->new(
		dsn => 'dbi:Pg:dbname=postgres;host=' . $node->dir . ";port=$node->{port};user=webhooks_authenticator",
		schema => 'webhooks_rest',
		anon_role => 'webhooks_anonymous',
		jwt_secret => $secret,
		log => $statements);
	$emulator->serve($daemon);
	POSIX::_exit(0);
}
close $daemon;

# the shipped site file, with only its upstream and listen ports changed
my $nginx_port = unused_port();
open my $in, '<', $SITE or die "$SITE: $!";
my $site = do { local $/; <$in> };
close $in;
is(($site =~ s/server 127\.0\.0\.1:3000;/server 127.0.0.1:$rest_port;/g), 1, 'site file: one upstream server templated');
is(($site =~ s/listen 80;/listen 127.0.0.1:$nginx_port;/g), 1, 'site file: one listen templated');
mkdir "$work/$_" for qw(body proxy fastcgi uwsgi scgi);
open my $out, '>', "$work/site.conf" or die $!;
print $out $site;
close $out;
open $out, '>', "$work/nginx.conf" or die $!;
print $out <<"CONF";
daemon off;
master_process on;
worker_processes 1;
user root;
error_log $work/error.log warn;
pid $work/nginx.pid;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $work/body;
	proxy_temp_path $work/proxy;
	fastcgi_temp_path $work/fastcgi;
	uwsgi_temp_path $work/uwsgi;
	scgi_temp_path $work/scgi;
	include $work/site.conf;
}
CONF
close $out;
my $elsewhere_pid;
my $nginx_pid = fork // die "fork: $!";
if ($nginx_pid == 0)
{
	exec $NGINX, '-p', $work, '-c', "$work/nginx.conf" or POSIX::_exit(1);
}
END
{
	local $?;	# the children's exit status is not the test's
	for my $pid (grep { $_ } $nginx_pid, $rest_pid, $elsewhere_pid)
	{
		kill 'TERM', $pid;
		waitpid $pid, 0;
	}
}

my $http = HTTP::Tiny->new(timeout => 30, keep_alive => 0);
ok(wait_until(sub { $http->get("http://127.0.0.1:$nginx_port/event/x/nothing")->{status} == 404 }, 20),
	'nginx runs the shipped site file') or diag(`cat $work/error.log`);

# req(base, method, path, who, body, headers): the response, with the body
# decoded as JSON when it is JSON
sub req
{
	my ($base, $method, $path, $who, $body, %headers) = @_;
	$headers{Authorization} = "Bearer $token{$who}" if defined $who && $who ne 'anonymous';
	$headers{'Content-Type'} //= 'application/json' if defined $body;
	my $r = $http->request($method, "$base$path",
		{ headers => \%headers, (defined $body ? (content => $body) : ()) });
	$r->{json} = eval { JSON::PP->new->utf8->allow_nonref->decode($r->{content}) }
	  if length($r->{content} // '');
	return $r;
}
sub socotra { return req("http://127.0.0.1:$nginx_port", @_); }
sub rpc { return req("http://127.0.0.1:$rest_port", @_); }

# expect(response, status, name): checks the status, showing the body when
# it is not the one expected
sub expect
{
	my ($r, $status, $name) = @_;
	is($r->{status}, $status, "$name: $status") or diag($r->{content});
	return $r->{json};
}

sub request_log
{
	open my $fh, '<', $statements or return ();
	chomp(my @lines = <$fh>);
	truncate $statements, 0;
	return @lines;
}

my $T = "/event/$tenant";
sub webhook_body
{
	my ($name, %extra) = @_;
	return json_encode({ name => $name, endpoint => { url => "https://example.com/$name" },
		eventTypes => ['policy.*'], %extra });
}

# ----------------------------------------------- Socotra's Webhooks API

my $w1 = expect(socotra('POST', "$T/webhooks", 'writer', webhook_body('first')), 200, 'createWebhook')->{locator};
my $w2 = expect(socotra('POST', "$T/webhooks", 'writer',
	webhook_body('second', eventTypes => ['claim.*'])), 200, 'createWebhook, another')->{locator};
like($w1 // '', qr/^[0-9A-Z]{26}$/, 'createWebhook returns the locator');
is((request_log())[-1], "POST /rpc/socotra_create_webhook READ WRITE role=webhooks_writer",
	'nginx sent createWebhook to /rpc/socotra_create_webhook as POST');
expect(socotra('POST', "$T/webhooks", 'writer', webhook_body('first')), 409, 'createWebhook, name taken');
expect(socotra('POST', "$T/webhooks", 'writer', '{"name": "x"}'), 400, 'createWebhook, no endpoint');
expect(socotra('POST', "$T/webhooks", 'writer', '{"name": '), 400, 'createWebhook, not JSON');
expect(socotra('POST', "/event/not-a-uuid/webhooks", 'writer', webhook_body('x')), 400, 'createWebhook, tenant not a uuid');

request_log();
my $got = expect(socotra('GET', "$T/webhooks/$w1", 'reader'), 200, 'fetchWebhook');
is($got->{name}, 'first', 'fetchWebhook: the webhook');
is((request_log())[-1], "GET /rpc/socotra_fetch_webhook READ ONLY role=webhooks_reader",
	'fetchWebhook ran as GET in a READ ONLY transaction');
expect(socotra('GET', "$T/webhooks/01J00000000000000000000000", 'reader'), 404, 'fetchWebhook, no such webhook');
expect(socotra('GET', "$T/webhooks/nope", 'reader'), 400, 'fetchWebhook, locator not a ulid');

# fetchWebhooks with Socotra's query names (offset is one of them)
$got = expect(socotra('GET', "$T/webhooks/list?offset=1&count=1", 'reader'), 200, 'fetchWebhooks, offset and count');
is_deeply([ map { $_->{name} } @{ $got->{items} } ], ['second'], 'fetchWebhooks: the second page');
is($got->{listCompleted}, JSON::PP::true, 'fetchWebhooks: listCompleted');
$got = expect(socotra('GET', "$T/webhooks/list?eventTypes=claim.fnol.create", 'reader'), 200, 'fetchWebhooks, one eventTypes');
is_deeply([ map { $_->{name} } @{ $got->{items} } ], ['second'], 'fetchWebhooks: by one event type');
$got = expect(socotra('GET', "$T/webhooks/list?eventTypes=claim.fnol.create&eventTypes=policy.quote.issue", 'reader'), 200,
	'fetchWebhooks, repeated eventTypes');
is(scalar @{ $got->{items} }, 2, 'fetchWebhooks: repeated eventTypes are all used');
$got = expect(socotra('GET', "$T/webhooks/list?eventTypes=claim.fnol.create,billing.invoice.generate&name=second&active=true&extended=true", 'reader'),
	200, 'fetchWebhooks, comma-separated eventTypes and filters');
is_deeply([ map { $_->{name} } @{ $got->{items} } ], ['second'], 'fetchWebhooks: filters combine');
$got = expect(socotra('GET', "$T/webhooks?count=1", 'reader'), 200, 'GET .../webhooks lists too');
is(scalar @{ $got->{items} }, 1, 'GET .../webhooks: one page');
expect(socotra('GET', "$T/webhooks/list?limit=1", 'reader'), 400, 'fetchWebhooks, unknown query parameter');
expect(socotra('GET', "$T/webhooks/list?count=x", 'reader'), 400, 'fetchWebhooks, count not a number');
expect(socotra('GET', "$T/webhooks/list?count=1&count=2", 'reader'), 400, 'fetchWebhooks, count twice');

# updateWebhook: the body reaches update_webhook unmodified
$got = expect(socotra('PATCH', "$T/webhooks/$w1", 'writer', '{"name": "renamed", "addEventTypes": ["billing.*"]}'), 200,
	'updateWebhook');
is($got->{name}, 'renamed', 'updateWebhook: renamed');
is((request_log())[-1], "POST /rpc/socotra_update_webhook READ WRITE role=webhooks_writer",
	'updateWebhook went to PostgREST as POST');

# the duplicate-key attack: path parameters cannot come from the body
expect(socotra('PATCH', "$T/webhooks/$w1", 'writer', qq({"name": "attack", "webhook_locator": "$w2", "tenant_locator": "$other"})),
	400, 'updateWebhook, path parameters in the body are unknown fields');
expect(socotra('PATCH', "$T/webhooks/$w1", 'writer', qq({"name":"attack"}, "webhook_locator": "$w2")),
	400, 'updateWebhook, a body spliced to override the path is not JSON');
expect(socotra('PATCH', "$T/webhooks/$w1", 'writer', '{"name": "attack", "name": "attack2"}'),
	200, 'updateWebhook, duplicate keys in the body stay in the body');
expect(socotra('PATCH', "$T/webhooks/$w1", 'writer', '{"name": "renamed"}',
	'X-Original-URI' => "$T/webhooks/$w2", 'X-Original-Method' => 'PATCH'),
	200, 'updateWebhook, a client X-Original-URI is replaced by the proxy');
is(expect(socotra('GET', "$T/webhooks/$w2", 'reader'), 200, 'the other webhook')->{name}, 'second',
	'the other webhook was never touched');

# large bodies: an update of more than 1 MB, whole through the proxy: 20,000
# headers removed (none of them set; removals come first) and 50 added, as
# many as the header limits allow (webhooks.max_headers_bytes: 16 kB)
my %big = map { ("X-Big-$_" => [ 'v' x 200 ]) } 1 .. 50;
my @gone = map { sprintf('X-Not-Set-%05d-', $_) . ('p' x 40) } 1 .. 20_000;
my $big = json_encode({ endpoint => { removeHeaders => \@gone, addHeaders => \%big } });
cmp_ok(length $big, '>', 1_000_000, 'a request body of more than 1 MB');
$got = expect(socotra('PATCH', "$T/webhooks/$w1", 'writer', $big), 200, 'updateWebhook, large body');
is(scalar(keys %{ $got->{endpoint}{headers} // {} }), 50, 'updateWebhook: every header of the large body stored');
$got = expect(socotra('PATCH', "$T/webhooks/$w1", 'writer', json_encode({ endpoint => { removeHeaders => [ keys %big ] } })),
	200, 'updateWebhook, removing them');

my $r = socotra('PATCH', "$T/webhooks/$w1", 'writer', '{"name": "' . ('x' x (17 * 1024 * 1024)) . '"}');
expect($r, 413, 'updateWebhook, a body over client_max_body_size (16 MB)');
is(ref $r->{json} && $r->{json}{code}, '413', '  ... answered as JSON');

# unsuspend and delete answer 204 without a body
$node->psql("UPDATE webhooks._webhook SET suspended = true, suspended_at = now() WHERE locator::text = '$w2'");
$r = socotra('PATCH', "$T/webhooks/$w2/unsuspend", 'writer');
expect($r, 204, 'unsuspendWebhook');
is($r->{content} // '', '', 'unsuspendWebhook: no body');
is(socotra('GET', "$T/webhooks/$w2", 'reader')->{json}{suspended}, JSON::PP::false, 'unsuspendWebhook: unsuspended');
expect(socotra('PATCH', "$T/webhooks/01J00000000000000000000000/unsuspend", 'writer'), 404, 'unsuspendWebhook, no such webhook');

# ------------------------------------------------------ diverted events

my $published = $node->json("SELECT webhooks.publish_event('$tenant', 'claim.fnol.create', '{\"n\": 1}')");
my ($event, $request) = ($published->{locator}, $published->{requestId});
$node->psql(<<"SQL");
INSERT INTO webhooks._diverted_event (tenant_locator, webhook_locator, event_locator, request_locator,
                                      failure_trigger, failure_message, failure_timestamp)
VALUES ('$tenant', '$w2', '$event', '$request', '503', 'HTTP 503', now());
SQL
$got = expect(socotra('GET', "$T/webhooks/$w2/diverted?offset=0&count=10", 'reader'), 200, 'fetchMultipleDivertedEvents');
is(ref $got eq 'ARRAY' && $got->[0]{eventLocator}, $event, 'fetchMultipleDivertedEvents: a bare array');
$got = expect(socotra('GET', "$T/webhooks/$w2/diverted/$event", 'reader'), 200, 'fetchDivertedEvent');
is($got->{failureTrigger}, '503', 'fetchDivertedEvent: the record');
is_deeply(expect(socotra('DELETE', "$T/webhooks/$w2/diverted/$event", 'writer'), 200, 'deleteDivertedEvent'), {},
	'deleteDivertedEvent: {} (200, not 204)');
expect(socotra('GET', "$T/webhooks/$w2/diverted/$event", 'reader'), 404, 'fetchDivertedEvent, deleted');
expect(socotra('POST', "$T/webhooks/$w2/diverted/$event/resend", 'writer'), 404, 'resendDivertedEvent, deleted');
$node->psql(<<"SQL");
INSERT INTO webhooks._diverted_event (tenant_locator, webhook_locator, event_locator, request_locator,
                                      failure_trigger, failure_message, failure_timestamp)
VALUES ('$tenant', '$w2', '$event', '$request', '503', 'HTTP 503', now());
SQL
expect(socotra('POST', "$T/webhooks/$w2/diverted/$event/resend", 'reader'), 403, 'resendDivertedEvent as a reader');
is_deeply(expect(socotra('POST', "$T/webhooks/$w2/diverted/$event/resend", 'writer'), 200, 'resendDivertedEvent'), {},
	'resendDivertedEvent: {}');

# ---------------------------------------------------------------- events

$got = expect(socotra('GET', "$T/events/$event", 'reader'), 200, 'fetchEvent');
is($got->{locator}, $event, 'fetchEvent: the event');
$got = expect(socotra('GET', "$T/events/request/$request", 'reader'), 200, 'fetchEventsForARequest');
is(ref $got eq 'ARRAY' && $got->[0]{locator}, $event, 'fetchEventsForARequest: an array');
$got = expect(socotra('GET', "$T/events/list?startTimestamp=2000-01-01T00:00:00Z&pageSize=10&type=claim.fnol.create", 'reader'), 200,
	'fetchMultipleEvents');
is($got->{events}[0]{locator}, $event, 'fetchMultipleEvents: the stream');
ok(defined $got->{pagingToken}, 'fetchMultipleEvents: a paging token');
$got = expect(socotra('GET', "$T/events/list?pagingToken=" . $got->{pagingToken}, 'reader'), 200, 'fetchMultipleEvents, next page');
is_deeply($got->{events}, [], 'fetchMultipleEvents: nothing since');
expect(socotra('GET', "$T/events/list?startTimestamp=yesterday-ish", 'reader'), 400, 'fetchMultipleEvents, bad timestamp');
expect(socotra('GET', "$T/events/01J00000000000000000000000", 'reader'), 404, 'fetchEvent, no such event');

# ------------------------------------------- roles, tenants, credentials

# every route, [method, path, body, writes]
my @routes = (
	[ 'POST', "$T/webhooks", webhook_body('never'), 1 ],
	[ 'GET', "$T/webhooks/list", undef, 0 ],
	[ 'GET', "$T/webhooks", undef, 0 ],
	[ 'GET', "$T/webhooks/$w2", undef, 0 ],
	[ 'PATCH', "$T/webhooks/$w2", '{"enabled": false}', 1 ],
	[ 'DELETE', "$T/webhooks/$w2", undef, 1 ],
	[ 'PATCH', "$T/webhooks/$w2/unsuspend", undef, 1 ],
	[ 'GET', "$T/webhooks/$w2/diverted", undef, 0 ],
	[ 'GET', "$T/webhooks/$w2/diverted/$event", undef, 0 ],
	[ 'POST', "$T/webhooks/$w2/diverted/$event/resend", undef, 1 ],
	[ 'DELETE', "$T/webhooks/$w2/diverted/$event", undef, 1 ],
	[ 'GET', "$T/events/$event", undef, 0 ],
	[ 'GET', "$T/events/request/$request", undef, 0 ],
	[ 'GET', "$T/events/list", undef, 0 ]);
# every caller but the tenant's writer: [who, status reading, status writing, what]
for my $case (
	[ 'reader', 200, 403, "the tenant's reader" ],
	[ 'publisher', 403, 403, 'the publisher role' ],
	[ 'other_writer', 403, 403, "another tenant's writer" ],
	[ 'no_tenant', 403, 403, 'claims without the tenant claim' ],
	[ 'bad_tenant', 403, 403, 'a tenant claim that is not a uuid' ],
	[ 'anonymous', 401, 401, 'no JWT' ],
	[ 'no_role', 401, 401, 'claims without a role (the anonymous role)' ],
	[ 'no_such_role', 401, 401, 'a role that does not exist' ],
	[ 'forged', 401, 401, 'a JWT signed with another secret' ],
	[ 'expired', 401, 401, 'an expired JWT' ],
	[ 'garbage', 401, 401, 'a malformed JWT' ])
{
	my ($who, $read, $write, $what) = @$case;
	for my $route (@routes)
	{
		my ($method, $path, $body, $writes) = @$route;
		my $r = socotra($method, $path, $who, $body);
		expect($r, $writes ? $write : $read, "$method $path, $what");
		ok(defined $r->{headers}{'www-authenticate'}, "  ... says how to authenticate")
		  if $r->{status} == 401;
	}
}
is($node->psql("SELECT count(*) FROM webhooks._webhook WHERE tenant_locator = '$tenant' AND name = 'never'"), '0',
	'no refused create created anything');
is($node->psql("SELECT count(*) FROM webhooks._diverted_event WHERE event_locator::text = '$event'"), '1',
	'no refused delete deleted the diverted event');
expect(socotra('PATCH', "$T/webhooks/$w2", 'reader', '{"enabled": false}'), 403, 'updateWebhook as a reader');
expect(socotra('DELETE', "$T/webhooks/$w2", 'reader'), 403, 'deleteWebhook as a reader');
ok(socotra('GET', "$T/webhooks/$w2", 'reader')->{json}{enabled}, 'nothing refused changed anything');
expect(socotra('GET', "/event/$other/webhooks/list", 'other_writer'), 200, 'the other tenant lists its own');
is_deeply(socotra('GET', "/event/$other/webhooks/list", 'other_writer')->{json}{items}, [], 'the other tenant sees nothing of ours');

# -------------------------------------------------- methods and paths

$r = socotra('PUT', "$T/webhooks/$w2", 'writer', '{}');
expect($r, 405, 'PUT on a webhook');
is($r->{headers}{allow}, 'GET, PATCH, DELETE', '  ... Allow lists its methods');
$r = socotra('GET', "$T/webhooks/$w2/unsuspend", 'writer');
expect($r, 405, 'GET on unsuspend');
is($r->{headers}{allow}, 'PATCH', '  ... Allow: PATCH');
expect(socotra('DELETE', "$T/webhooks/list", 'writer'), 405, 'DELETE on the list');
expect(socotra('GET', "$T/nothing", 'writer'), 404, 'a path outside the API');
expect(socotra('GET', '/rpc/socotra_fetch_webhook', 'writer'), 404, 'PostgREST itself is not reachable through nginx');
expect(socotra('GET', "/.webhooks/read/socotra_fetch_webhook", 'writer'), 404, 'the internal locations are not reachable');

# the Socotra functions check the method themselves (PostgREST called
# directly, or a wrong proxy), and GET is READ ONLY
expect(rpc('POST', '/rpc/socotra_fetch_webhook', 'writer', '{}',
	'X-Original-URI' => "$T/webhooks/$w2", 'X-Original-Method' => 'DELETE'), 405, 'a Socotra function checks the method');
expect(rpc('GET', '/rpc/socotra_delete_webhook', 'writer', undef,
	'X-Original-URI' => "$T/webhooks/$w2", 'X-Original-Method' => 'DELETE'), 405,
	'GET on a volatile function: 405 (25006, the READ ONLY transaction)');
expect(rpc('GET', '/rpc/socotra_fetch_webhook', 'writer'), 400, 'a Socotra function called without the proxy headers');
expect(rpc('GET', '/rpc/socotra_fetch_webhook', 'writer', undef,
	'X-Original-URI' => "/event/$other/webhooks/$w2", 'X-Original-Method' => 'GET'), 403,
	'headers naming another tenant, sent to PostgREST directly, still meet the tenant binding');

# deleteWebhook last
$r = socotra('DELETE', "$T/webhooks/$w2", 'writer');
expect($r, 204, 'deleteWebhook');
is($r->{content} // '', '', 'deleteWebhook: no body');
expect(socotra('GET', "$T/webhooks/$w2", 'reader'), 404, 'fetchWebhook, deleted');
expect(socotra('DELETE', "$T/webhooks/$w2", 'writer'), 404, 'deleteWebhook, again');

# ------------------------------------------- PostgREST's own RPC URLs

my $q = "tenant_locator=$tenant";
my $w3 = expect(rpc('POST', '/rpc/create_webhook', 'writer',
	json_encode({ tenant_locator => $tenant, request => JSON::PP->new->decode(webhook_body('third')) })),
	200, 'POST /rpc/create_webhook')->{locator};
is(expect(rpc('GET', "/rpc/fetch_webhook?$q&webhook_locator=$w3", 'reader'), 200, 'GET /rpc/fetch_webhook')->{name},
	'third', 'GET /rpc/fetch_webhook: the webhook');
$got = expect(rpc('GET', "/rpc/fetch_webhooks?$q&page_offset=1&count=1", 'reader'), 200, 'GET /rpc/fetch_webhooks with page_offset');
is_deeply([ map { $_->{name} } @{ $got->{items} } ], ['third'], 'GET /rpc/fetch_webhooks: the second page');
$r = rpc('GET', "/rpc/fetch_webhooks?$q&offset=1", 'reader');
expect($r, 200, 'GET /rpc/fetch_webhooks with PostgREST\'s reserved offset');
is($r->{content}, 'null', '  ... offsets the one-row result: null (why the argument is page_offset)');
$got = expect(rpc('GET', "/rpc/fetch_webhooks?$q&event_types=claim.fnol.create,policy.quote.issue", 'reader'), 200,
	'GET /rpc/fetch_webhooks with comma-separated event_types');
is(scalar @{ $got->{items} }, 2, '  ... both event types used');
$got = expect(rpc('POST', '/rpc/fetch_webhooks', 'reader', json_encode({ tenant_locator => $tenant, event_types => ['claim.*'] })),
	200, 'POST /rpc/fetch_webhooks with an event_types array');
is(scalar @{ $got->{items} }, 0, '  ... filtered');
is((request_log())[-1], "POST /rpc/fetch_webhooks READ ONLY role=webhooks_reader", '  ... POST to a STABLE function is READ ONLY');
expect(rpc('GET', "/rpc/fetch_webhooks?$q&eventTypes=x", 'reader'), 404, 'GET /rpc/fetch_webhooks with an unknown argument (PGRST202)');
expect(rpc('GET', "/rpc/delete_webhook?$q&webhook_locator=$w3", 'writer'), 405, 'GET /rpc/delete_webhook (a volatile function: 25006)');
expect(rpc('GET', "/rpc/fetch_webhook?$q&webhook_locator=$w3", 'reader'), 200, '  ... nothing deleted');
expect(rpc('DELETE', "/rpc/delete_webhook?$q&webhook_locator=$w3", 'writer'), 405, 'DELETE on /rpc (PGRST101)');
is(expect(rpc('POST', '/rpc/update_webhook', 'writer',
	json_encode({ tenant_locator => $tenant, webhook_locator => $w3, request => { name => 'third!' } })),
	200, 'POST /rpc/update_webhook')->{name}, 'third!', '  ... updated');
expect(rpc('POST', '/rpc/update_webhook', 'other_writer',
	json_encode({ tenant_locator => $tenant, webhook_locator => $w3, request => { name => 'x' } })),
	403, 'POST /rpc/update_webhook for another tenant');
expect(rpc('POST', '/rpc/create_webhook', 'reader',
	json_encode({ tenant_locator => $tenant, request => JSON::PP->new->decode(webhook_body('r')) })),
	403, 'POST /rpc/create_webhook as a reader');
expect(rpc('GET', "/rpc/fetch_webhook?$q&webhook_locator=$w3", 'anonymous'), 401, 'GET /rpc/fetch_webhook without a JWT');
$published = expect(rpc('POST', '/rpc/publish_event', 'publisher',
	json_encode({ tenant_locator => $tenant, type => 'policy.quote.issue', data => { n => 1 } })),
	200, 'POST /rpc/publish_event as the publisher');
expect(rpc('POST', '/rpc/publish_event', 'writer',
	json_encode({ tenant_locator => $tenant, type => 'policy.quote.issue', data => {} })),
	403, 'POST /rpc/publish_event as a writer');
is(expect(rpc('GET', "/rpc/fetch_event?$q&locator=$published->{locator}", 'reader'), 200, 'GET /rpc/fetch_event')->{locator},
	$published->{locator}, '  ... the published event');
expect(rpc('GET', "/rpc/fetch_events_for_request?$q&request_locator=$published->{requestId}", 'reader'), 200,
	'GET /rpc/fetch_events_for_request');
$got = expect(rpc('GET', "/rpc/fetch_events?$q&page_size=1&start_timestamp=2000-01-01T00:00:00Z", 'reader'), 200,
	'GET /rpc/fetch_events with page_size');
is(scalar @{ $got->{events} }, 1, '  ... one event');
expect(rpc('GET', "/rpc/fetch_webhook_attempts?$q&webhook_locator=$w3&page_offset=0&count=5", 'reader'), 200,
	'GET /rpc/fetch_webhook_attempts');
expect(rpc('GET', "/rpc/fetch_diverted_events?$q&webhook_locator=$w3&page_offset=0&count=5", 'reader'), 200,
	'GET /rpc/fetch_diverted_events');
expect(rpc('GET', "/rpc/fetch_diverted_event?$q&webhook_locator=$w3&event_locator=$event", 'reader'), 404,
	'GET /rpc/fetch_diverted_event, none');
expect(rpc('POST', '/rpc/resend_diverted_event', 'writer',
	json_encode({ tenant_locator => $tenant, webhook_locator => $w3, event_locator => $event })), 404,
	'POST /rpc/resend_diverted_event, none');
expect(rpc('POST', '/rpc/delete_diverted_event', 'writer',
	json_encode({ tenant_locator => $tenant, webhook_locator => $w3, event_locator => $event })), 404,
	'POST /rpc/delete_diverted_event, none');
$r = rpc('POST', '/rpc/resend_diverted_events', 'writer', json_encode({ tenant_locator => $tenant, webhook_locator => $w3 }));
expect($r, 200, 'POST /rpc/resend_diverted_events');
is($r->{content}, '0', '  ... none resent');
expect(rpc('POST', '/rpc/unsuspend_webhook', 'writer', json_encode({ tenant_locator => $tenant, webhook_locator => $w3 })),
	204, 'POST /rpc/unsuspend_webhook');
expect(rpc('POST', '/rpc/delete_webhook', 'writer', json_encode({ tenant_locator => $tenant, webhook_locator => $w3 })),
	204, 'POST /rpc/delete_webhook');
expect(rpc('POST', '/rpc/_rest_uri', 'writer', '{"method": "GET"}'), 404, 'internal helpers are not exposed');

# publishing where no worker delivers: 55000, which PostgREST answers 500
$node->psql('CREATE DATABASE elsewhere', db => 'postgres');
$node->psql('CREATE EXTENSION webhooks', db => 'elsewhere');
my $daemon2 = HTTP::Daemon->new(LocalAddr => '127.0.0.1', LocalPort => 0, ReuseAddr => 1) or die $!;
my $elsewhere_port = $daemon2->sockport;
$elsewhere_pid = fork // die "fork: $!";
if ($elsewhere_pid == 0)
{
	PostgREST12->new(
		dsn => 'dbi:Pg:dbname=elsewhere;host=' . $node->dir . ";port=$node->{port};user=webhooks_authenticator",
		schema => 'webhooks_rest', anon_role => 'webhooks_anonymous', jwt_secret => $secret)->serve($daemon2);
	POSIX::_exit(0);
}
close $daemon2;
$r = req("http://127.0.0.1:$elsewhere_port", 'POST', '/rpc/publish_event', 'publisher',
	json_encode({ tenant_locator => $tenant, type => 'policy.quote.issue', data => {} }));
expect($r, 500, 'POST /rpc/publish_event where no worker delivers');
is($r->{json}{code}, '55000', '  ... SQLSTATE 55000');

# --------------------------------------------- what is granted to whom

is($node->psql(<<'SQL'), '', 'nothing in webhooks_rest is executable by PUBLIC, everything by an API role');
SELECT p.oid::regprocedure
FROM pg_proc p
WHERE p.pronamespace IN ('webhooks_rest'::regnamespace, 'webhooks'::regnamespace)
  AND (p.pronamespace = 'webhooks_rest'::regnamespace OR p.proname LIKE '\_rest\_%')
  AND (has_function_privilege('public', p.oid, 'EXECUTE')
       OR p.prosecdef
       OR NOT (has_function_privilege('webhooks_reader', p.oid, 'EXECUTE')
               OR has_function_privilege('webhooks_writer', p.oid, 'EXECUTE')
               OR has_function_privilege('webhooks_publisher', p.oid, 'EXECUTE')))
SQL
is($node->psql(<<'SQL'), '', 'every webhooks_rest function sets its search_path');
SELECT p.oid::regprocedure FROM pg_proc p
WHERE p.pronamespace = 'webhooks_rest'::regnamespace
  AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)
SQL

# nginx never failed to reach PostgREST's side or complained of anything
# but the body it was meant to refuse
my @complaints = grep { /\[(?:error|crit|alert|emerg)\]/ && !/client intended to send too large body/ }
  split /\n/, do {
	open my $fh, '<', "$work/error.log" or die "$work/error.log: $!";
	local $/;
	<$fh> // '';
};
is(scalar @complaints, 0, "nginx's error log is clean") or diag(join "\n", @complaints);

# the README's error table, as the emulated mapping (Error.hs) answers it:
# [SQLSTATE, message, authenticated, anonymous]
for my $row (
	[ '22023', 'invalid "name": must not be empty', 400, 400 ],
	[ '22023', 'role "nobody" does not exist', 401, 401 ],
	[ '22P02', 'invalid input syntax for type uuid', 400, 400 ],
	[ '22007', 'invalid input syntax for type timestamp with time zone', 400, 400 ],
	[ '22008', 'timestamp out of range', 400, 400 ],
	[ '22P05', 'unsupported Unicode escape sequence', 400, 400 ],
	[ '22021', 'invalid byte sequence for encoding "UTF8"', 400, 400 ],
	[ '54001', 'stack depth limit exceeded', 500, 500 ],
	[ 'PT404', 'webhook not found', 404, 404 ],
	[ 'PT405', 'method GET is not allowed here', 405, 405 ],
	[ '23505', 'a webhook named "x" already exists', 409, 409 ],
	[ '42501', 'permission denied for this tenant', 403, 401 ],
	[ '55000', 'no delivery worker serves this database', 500, 500 ],
	[ '25006', 'cannot execute DELETE in a read-only transaction', 405, 405 ],
	[ 'XX000', 'internal error', 500, 500 ])
{
	my ($state, $msg, $authed, $anon) = @$row;
	is(PostgREST12::status_of($state, $msg, 1), $authed, "error table: $state ($msg) authenticated: $authed");
	is(PostgREST12::status_of($state, $msg, 0), $anon, "error table: $state ($msg) anonymous: $anon");
}

done_testing();
