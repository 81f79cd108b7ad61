# 003_events_api.pl: publish_event validation and the Events API
# (doc/decisions.md §2, D12c): fetch_event, fetch_events_for_request and the event
# stream fetch_events with its time range, type filter, page size and
# paging token.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WebhooksTest;

my $node = WebhooksTest::Cluster->new;
$node->psql('CREATE EXTENSION webhooks');
my $tenant = new_uuid();
my $other = new_uuid();

# ------------------------------------------------ publish_event validation

# [type, data, what]: each call fails with 22023
for my $bad (
	[ "'no.such.type'", "'{}'", 'unknown event type' ],
	[ "'policy.*'", "'{}'", 'a pattern is not an event type' ],
	[ 'NULL', "'{}'", 'type NULL' ],
	[ "'policy.quote.create'", "'[1, 2]'", 'data an array' ],
	[ "'policy.quote.create'", q{'"text"'}, 'data a string' ],
	[ "'policy.quote.create'", "'null'::jsonb", 'data JSON null' ],
	[ "'policy.quote.create'", 'NULL', 'data NULL' ])
{
	is($node->sqlstate("SELECT webhooks.publish_event('$tenant', $bad->[0], $bad->[1])"),
		'22023', "$bad->[2]: 22023");
}
is($node->psql('SELECT count(*) FROM webhooks._event'), '0', 'nothing was stored');

# a type taken out of the catalog after a webhook subscribed to it: the
# publishing statement finds the webhook, and the error undoes what it
# wrote, also where the caller catches the error
my $gone = $node->hook($tenant, 'http://127.0.0.1:9/gone');
$node->psql("DELETE FROM webhooks.event_type WHERE name = '$gone->{type}'");
is($node->sqlstate("SELECT webhooks.publish_event('$tenant', '$gone->{type}', '{}')"),
	'22023', 'a type no longer in the catalog: 22023');
is($node->psql(<<SQL), 'caught', 'the error can be caught (22023)');
DO \$\$
BEGIN
	PERFORM webhooks.publish_event('$tenant', '$gone->{type}', '{}');
	RAISE EXCEPTION 'published';
EXCEPTION WHEN invalid_parameter_value THEN
	NULL;
END
\$\$;
SELECT 'caught';
SQL
is($node->psql('SELECT (SELECT count(*) FROM webhooks._event) + (SELECT count(*) FROM webhooks._delivery)'),
	'0', 'nothing was stored or queued');
$node->psql("SELECT webhooks.delete_webhook('$tenant', '$gone->{locator}')");

# publishing where no worker delivers
$node->psql('CREATE DATABASE elsewhere', db => 'postgres');
$node->psql('CREATE EXTENSION webhooks', db => 'elsewhere');
is($node->sqlstate("SELECT webhooks.publish_event('$tenant', 'policy.quote.create', '{}')", db => 'elsewhere'),
	'55000', 'publishing in a database other than webhooks.database: 55000');
my (undef, undef, $err) = $node->run_psql(
	"SELECT webhooks.publish_event('$tenant', 'policy.quote.create', '{}')", db => 'elsewhere');
like($err, qr/HINT:.*webhooks\.database/, 'with a hint naming webhooks.database');

# ------------------------------------------------ fetch_event, request ids

my $user = new_uuid();
my $request = $node->psql('SELECT webhooks.gen_ulid()');
my $given = $node->publish($tenant, 'policy.quote.create', { a => 1 }, "'$user', '$request'");
is($given->{userLocator}, $user, 'userLocator as given');
is($given->{requestId}, $request, 'requestId as given');
is_deeply($node->json("SELECT webhooks.fetch_event('$tenant', '$given->{locator}')"),
	$given, 'fetch_event returns the EventResponse publish_event returned');
is($node->sqlstate("SELECT webhooks.fetch_event('$other', '$given->{locator}')"),
	'PT404', 'another tenant: PT404');
is($node->sqlstate("SELECT webhooks.fetch_event('$tenant', webhooks.gen_ulid())"),
	'PT404', 'unknown locator: PT404');
is($node->sqlstate("SELECT webhooks.fetch_event('$tenant', 'not a ulid')"),
	'22P02', 'not a ulid: 22P02');

# the events of one transaction share a default request id
my $tx = $node->json(<<"SQL");
BEGIN;
CREATE TEMP TABLE pub ON COMMIT DROP AS
SELECT i, webhooks.publish_event('$tenant', 'policy.quote.accept', jsonb_build_object('i', i)) AS e
FROM generate_series(1, 3) i;
SELECT jsonb_agg(e ORDER BY i) FROM pub;
COMMIT;
SQL
is(scalar(grep { $_->{requestId} eq $tx->[0]{requestId} } @$tx), 3, 'one transaction: one request id');
is($tx->[0]{userLocator}, undef, 'no user: userLocator null');
my $single = $node->publish($tenant, 'policy.quote.accept', {});
isnt($single->{requestId}, $tx->[0]{requestId}, 'another transaction: another request id');
is_deeply($node->json("SELECT webhooks.fetch_events_for_request('$tenant', '$tx->[0]{requestId}')"),
	$tx, 'fetch_events_for_request: the events of the request, in publish order');
is_deeply($node->json("SELECT webhooks.fetch_events_for_request('$tenant', '$request')"),
	[$given], 'fetch_events_for_request: a given request id');
is_deeply($node->json("SELECT webhooks.fetch_events_for_request('$other', '$tx->[0]{requestId}')"),
	[], 'fetch_events_for_request: nothing for another tenant');

# ------------------------------------------------ the event stream

# a fresh tenant: 5 quote events and 3 account events, interleaved, each in
# its own millisecond
my $s = new_uuid();
my @all;
for my $i (1 .. 8)
{
	my $type = $i % 3 == 0 ? 'policy.account.create' : 'policy.quote.create';
	push @all, $node->publish($s, $type, { i => $i });
	Time::HiRes::sleep(0.005);
}
$node->publish($other, 'policy.quote.create', { foreign => 1 });
my @quotes = grep { $_->{type} eq 'policy.quote.create' } @all;

# stream(arguments): one page of fetch_events for tenant s
sub stream
{
	my ($args) = @_;
	return $node->json("SELECT webhooks.fetch_events('$s'" . ($args ? ", $args" : '') . ')');
}

# follow(page): the events of a page and of every page its tokens lead to
sub follow
{
	my ($page) = @_;
	my @events = @{ $page->{events} };
	my $pages = 1;
	while (@{ $page->{events} } && $pages < 50)
	{
		$page = stream("paging_token => '$page->{pagingToken}'");
		push @events, @{ $page->{events} };
		$pages++;
	}
	return (\@events, $pages);
}

my $first = stream();
is_deeply([ sort keys %$first ], [qw(events pagingToken)], 'EventStreamResponse: pagingToken and events');
is_deeply($first->{events}, \@all, 'default page: every event of the tenant, in publish order');

my $p = stream('page_size => 3');
is(scalar @{ $p->{events} }, 3, 'page_size 3: three events');
my ($events, $pages) = follow($p);
is_deeply($events, \@all, 'the paging token continues the stream to its end, nothing twice');
is($pages, 4, 'three pages of 3, 3 and 2, and an empty one');

($events) = follow(stream("type => 'policy.quote.create', page_size => 2"));
is_deeply($events, \@quotes, 'type filter, kept across pages by the token');
is_deeply(stream("type => 'policy.account.create'")->{events},
	[ grep { $_->{type} eq 'policy.account.create' } @all ], 'type filter: the other type');

is_deeply(stream("start_timestamp => '$all[2]{timestamp}', end_timestamp => '$all[5]{timestamp}'")->{events},
	[ @all[ 2 .. 4 ] ], 'time range: start included, end excluded');
is_deeply(stream("start_timestamp => '$all[6]{timestamp}'")->{events},
	[ @all[ 6 .. 7 ] ], 'start only');
is_deeply(stream("end_timestamp => '$all[1]{timestamp}'")->{events},
	[ $all[0] ], 'end only');
($events) = follow(stream("start_timestamp => '$all[1]{timestamp}', end_timestamp => '$all[7]{timestamp}',"
	  . " type => 'policy.quote.create', page_size => 1"));
is_deeply($events, [ grep { $_->{type} eq 'policy.quote.create' } @all[ 1 .. 6 ] ],
	'time range and type kept across pages of 1');

# a token picks up events published after it was handed out
my $last = stream();
my $later = $node->publish($s, 'policy.quote.create', { later => 1 });
is_deeply(stream("paging_token => '$last->{pagingToken}'")->{events}, [$later],
	'the token of the last page returns what was published since');

my $tok = $first->{pagingToken};
for my $combo ("start_timestamp => now()", "end_timestamp => now()", "type => 'policy.quote.create'",
	"page_size => 5")
{
	is($node->sqlstate("SELECT webhooks.fetch_events('$s', $combo, paging_token => '$tok')"),
		'22023', "paging token with $combo: 22023");
}
is($node->sqlstate("SELECT webhooks.fetch_events('$s', paging_token => 'garbage')"),
	'22023', 'a token that is not one: 22023');
is($node->sqlstate("SELECT webhooks.fetch_events('$s', page_size => 0)"), '22023', 'page_size 0: 22023');
is($node->sqlstate("SELECT webhooks.fetch_events('$s', page_size => 1001)"), '22023', 'page_size 1001: 22023');
is(scalar @{ stream('page_size => 1000')->{events} }, 9, 'page_size 1000 is allowed');
ok(!grep({ $_->{data}{foreign} } @{ stream()->{events} }), "another tenant's events are not in the stream");

done_testing();
