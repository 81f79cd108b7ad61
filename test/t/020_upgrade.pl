# 020_upgrade.pl: ALTER EXTENSION webhooks UPDATE from version 1.0 exactly
# as released (sql/webhooks--1.0.sql at commit 7b04cd5), in place, in a
# database in use: webhooks in three tenants, events delivered, queued and
# diverted, attempts logged, a webhook suspended (test/t/lib/WebhooksSample.pm).
# Every row of every table survives the update unchanged, the API answers
# as before, the worker delivers what was queued, a diverted event can be
# resent, and the upgraded database has exactly the catalog of a fresh
# install of the current version (pg_dump --schema-only --binary-upgrade,
# which dumps the extension's own objects, compared).
#
# The 1.0 install script runs with the current library, as it does in a
# real upgrade: the new package (library and scripts) is installed and the
# server restarted before ALTER EXTENSION ... UPDATE, so the library always
# meets the catalog of the version before.  (The 1.0 library could not be
# built on 17 or 18 anyway.)  Nothing here names a table or a function that
# the upgrade scripts change: tables are compared whatever they hold.
use strict;
use warnings;

use Digest::SHA ();
use File::Temp ();
use FindBin;
use lib "$FindBin::Bin/lib";
use IPC::Run ();
use Test::More;
use WebhooksTest;
use WebhooksSample;

# sha256 of sql/webhooks--1.0.sql as released (git show 7b04cd5:sql/webhooks--1.0.sql)
my $RELEASED_1_0 = '2f4d0d1f27f83f8d21a88f00b809857353f9cd0bd099b835546a0442dd4fa82d';

my $node = WebhooksTest::Cluster->new(database => 'app');
chomp(my $share = `@{[ WebhooksTest::Cluster::pg_bin('pg_config') ]} --sharedir`);
is(Digest::SHA->new(256)->addfile("$share/extension/webhooks--1.0.sql")->hexdigest,
	$RELEASED_1_0, 'the installed 1.0 install script is 1.0 as released');

my $current = $node->psql(
	"SELECT default_version FROM pg_available_extensions WHERE name = 'webhooks'");
isnt($current, '1.0', "the current version ($current) is not 1.0");
$node->psql("CREATE EXTENSION webhooks VERSION '1.0'");
is($node->psql("SELECT extversion FROM pg_extension WHERE extname = 'webhooks'"), '1.0',
	'version 1.0 is installed');
ok($node->wait_for_worker, 'the delivery worker runs on 1.0');
my $rcv = WebhooksTest::Receiver->new;

my $s = WebhooksSample::fill($node, $rcv);
my %api = map { $_ => $node->psql("SELECT webhooks.fetch_webhooks('$_', count => 1000)") }
  @{ $s->{tenants} };
my ($before, $cols) = WebhooksSample::digests($node);
ok(keys %$before >= 7, 'the tables of 1.0 are read: ' . join(' ', sort keys %$before));

$node->psql('ALTER EXTENSION webhooks UPDATE');
is($node->psql("SELECT extversion FROM pg_extension WHERE extname = 'webhooks'"), $current,
	"ALTER EXTENSION webhooks UPDATE moves to $current");

my ($after) = WebhooksSample::digests($node, $cols);
WebhooksSample::same_digests($before, $after, 'after the update');
is($node->psql("SELECT webhooks.fetch_webhooks('$_', count => 1000)"), $api{$_},
	"fetch_webhooks of tenant $_ answers as before") for @{ $s->{tenants} };

WebhooksSample::delivers($node, $rcv, $s);

# the catalog of the upgraded database is that of a fresh install
$node->psql('CREATE DATABASE fresh', db => 'postgres');
$node->psql('CREATE EXTENSION webhooks', db => 'fresh');
my ($upgraded, $fresh) = (schema('app'), schema('fresh'));
like($fresh, qr/CREATE TABLE webhooks\._webhook /, 'the dump holds the extension\'s objects');
if (!is($upgraded, $fresh, 'an upgraded and a fresh install have the same catalog'))
{
	my $dir = File::Temp::tempdir(CLEANUP => 1);
	for ([ upgraded => $upgraded ], [ fresh => $fresh ])
	{
		open my $fh, '>', "$dir/$_->[0]" or die $!;
		print $fh $_->[1];
		close $fh;
	}
	diag(`diff -u $dir/upgraded $dir/fresh | head -100`);
}

# and the comparison sees a difference as small as a comment
$node->psql("COMMENT ON TABLE webhooks._webhook IS 'changed'", db => 'fresh');
isnt(schema('fresh'), $upgraded, 'a changed comment makes the catalogs differ');

done_testing();

# schema(db): pg_dump --schema-only --binary-upgrade of a database (which,
# unlike a plain dump, lists every object of the extension), without what
# differs between any two databases: object ids and relfilenodes, the
# transaction ids tables were frozen at, sequence positions, and the random
# \restrict key
sub schema
{
	my ($db) = @_;
	local $ENV{PGHOST} = $node->dir;
	local $ENV{PGPORT} = $node->{port};
	local $ENV{PGUSER} = 'postgres';
	my ($out, $err);
	IPC::Run::run([ WebhooksTest::Cluster::pg_bin('pg_dump'), '--schema-only', '--binary-upgrade', '-d', $db ],
		'<', \undef, '>', \$out, '2>', \$err)
	  or die "pg_dump $db failed: $err";
	my @lines = grep { !/binary_upgrade_set_next_|pg_catalog\.setval\(|^\\(?:un)?restrict / } split /^/, $out;
	s/'\{[0-9,]*\}'/'{oids}'/g for grep { /binary_upgrade_create_empty_extension/ } @lines;
	for (@lines)
	{
		s/relfrozenxid = '\d+', relminmxid = '\d+'/relfrozenxid = x, relminmxid = x/;
		s/^WHERE oid = '\d+';/WHERE oid = x;/;
	}
	return join '', @lines;
}
