# 012_verbatim.pl: SQL text in names, headers and event data is data (issue
# 5): stored and returned verbatim by the API, and delivered verbatim.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WebhooksTest;

my ($node, $rcv) = delivery_setup();
my $tenant = new_uuid();
my $sql = q{'); DROP TABLE webhooks._webhook; -- $$ \\ " %s ${x}};

$rcv->behaviour({ path => '/verbatim' });
$node->psql("SELECT webhooks.register_event_type('test.verbatim')");
my $w = $node->create_webhook($tenant, {
	name => "name $sql",
	endpoint => { url => $rcv->url('/verbatim'), headers => { 'X-Sql' => [ $sql, "second $sql" ] } },
	eventTypes => ['test.verbatim'],
});
is($w->{name}, "name $sql", 'the name comes back verbatim');
is_deeply($w->{endpoint}{headers}{'X-Sql'}, [ $sql, "second $sql" ], 'so do the header values');
my $fetched = $node->json("SELECT webhooks.fetch_webhook('$tenant', '$w->{locator}')");
is($fetched->{name}, "name $sql", 'and from fetch_webhook');
my $list = $node->json("SELECT webhooks.fetch_webhooks('$tenant', name => \$n\$name $sql\$n\$)");
is(scalar @{ $list->{items} }, 1, 'the name filter matches it exactly');

my $e = $node->publish($tenant, 'test.verbatim', { note => $sql, "key $sql" => [ $sql ] });
is($e->{data}{note}, $sql, 'event data comes back verbatim');
is($rcv->wait('/verbatim', 1, 30), 1, 'the event is delivered');
my $got = $rcv->requests('/verbatim')->[0];
is_deeply(body_json($got)->{data}, { note => $sql, "key $sql" => [ $sql ] }, 'with its data verbatim');
is_deeply($got->{headers}{'x-sql'}, [ $sql, "second $sql" ], 'and the header values verbatim');
is($node->psql('SELECT count(*) FROM webhooks._webhook'), 1, 'nothing was executed: the table is there');

done_testing();
