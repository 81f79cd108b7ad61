# 020_upgrade.pl: ALTER EXTENSION webhooks UPDATE from version 1.0 exactly
# as released (sql/webhooks--1.0.sql at commit 7b04cd5), in place, in a
# database in use: webhooks in three tenants, events delivered, queued and
# diverted, attempts logged, a webhook suspended (test/t/lib/WebhooksSample.pm).
# Every row of every table survives the update unchanged, the API answers
# as before, the worker delivers what was queued, a diverted event can be
# resent, and the upgraded database has exactly the catalog of a fresh
# install of the current version (pg_dump --schema-only --binary-upgrade,
# which dumps the extension's own objects, compared).  The one column the
# upgrade drops, the queue's lease, is left out of the comparison of rows.
#
# It walks a package upgrade: 1.0 runs with its own library (built from the
# release commit into a copy of this PostgreSQL's installation, with 1.0's
# scripts and control file only), the sample is made, then the same data
# directory is started with what is installed now.  The new library's
# workers find the catalog of 1.0, log once that the versions differ, and
# deliver nothing until ALTER EXTENSION ... UPDATE has run: a second
# database, app2, whose event was left due, shows that.  1.0 was released
# for PostgreSQL 15 only (its source does not build on 17 or 18), so the
# test runs on 15.  Nothing here names a table or a function that the
# upgrade scripts change, but for that column: tables are compared
# whatever they hold.
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

chomp(my $share = `@{[ WebhooksTest::Cluster::pg_bin('pg_config') ]} --sharedir`);
my $old_bin = released_1_0();
is(Digest::SHA->new(256)->addfile("$share/extension/webhooks--1.0.sql")->hexdigest,
	$RELEASED_1_0, 'the installed 1.0 install script is 1.0 as released');

my $node = WebhooksTest::Cluster->new(database => 'app', bindir => $old_bin);
my $current = $node->psql(
	"SELECT default_version FROM pg_available_extensions WHERE name = 'webhooks'");
is($current, '1.0', 'the installation of 1.0 offers 1.0');
$node->psql('CREATE EXTENSION webhooks');
is($node->psql("SELECT extversion FROM pg_extension WHERE extname = 'webhooks'"), '1.0',
	'version 1.0 is installed');
ok($node->wait_for_worker, 'the delivery worker of 1.0 runs');
my $rcv = WebhooksTest::Receiver->new;

my $s = WebhooksSample::fill($node, $rcv);

# app2: a second database with 1.0 (where 1.0 only keeps the registry)
$node->psql('CREATE DATABASE app2', db => 'postgres');
my $t2 = new_uuid();
my $w2 = do {
	local $node->{database} = 'app2';
	$node->psql('CREATE EXTENSION webhooks');
	$node->receiver_hook($t2, $rcv, '/app2', {});
};

# the package upgrade: library and scripts replaced, the server restarted
# (serving every database now)
$node->stop;
$node->{bindir} = undef;
{
	open my $fh, '>>', "$node->{data}/postgresql.conf" or die $!;
	print $fh "webhooks.database = ''\n";
	close $fh;
}
$node->start;
$current = $node->psql(
	"SELECT default_version FROM pg_available_extensions WHERE name = 'webhooks'");
isnt($current, '1.0', "the installation now offers $current");
# applications go on publishing before the update
$node->psql("SELECT webhooks.publish_event('$t2', '$w2->{type}', '{}')", db => 'app2');
my $says = qr/the extension in database "app2?" is version 1\.0, the library is version \Q$current\E/;
ok(WebhooksTest::wait_until(sub { (() = $node->log =~ /$says/g) >= 2 }, 30),
	'each database\'s worker says the versions differ and what to run');
sleep 3;
is(scalar(() = $node->log =~ /$says/g), 2, 'once each, not in a loop');
is($rcv->count('/app2'), 0, 'and nothing is delivered before the update');

my %api = map { $_ => $node->psql("SELECT webhooks.fetch_webhooks('$_', count => 1000)") }
  @{ $s->{tenants} };
# 1.1 drops the lease column of the queue (claims no longer write rows):
# every other column of every row is compared
my (undef, $cols) = WebhooksSample::digests($node);
ok($cols->{_delivery} =~ s/, leased_until\b//, '1.0\'s queue has the lease column 1.1 drops');
# 1.1 gives every webhook a row of statistics from its creation: the rows
# 1.0 kept (each with a count) stay as they were, the new ones are zeros
ok(delete $cols->{_webhook_stats}, '1.0 has a table of statistics');
my $STATS = "SELECT count(*) || ' ' || md5(coalesce(string_agg(r::text, ' ' ORDER BY r::text), ''))"
  . " FROM webhooks._webhook_stats r WHERE (delivered, failed, retried, dropped) <> (0, 0, 0, 0)";
my $stats_before = $node->psql($STATS);
my ($before) = WebhooksSample::digests($node, $cols);
ok(keys %$before >= 6, 'the tables of 1.0 are read: ' . join(' ', sort keys %$before));
like($node->psql("SELECT count(*) FILTER (WHERE s IS NULL) FROM webhooks._webhook w"
	  . " LEFT JOIN webhooks._webhook_stats s"
	  . " ON s.tenant_locator = w.tenant_locator AND s.webhook_locator::text = w.locator::text"),
	qr/^[1-9]/, 'in 1.0 some webhooks have no row of statistics');

$node->psql('ALTER EXTENSION webhooks UPDATE', db => 'app2');
is($rcv->wait('/app2', 1, 20), 1, 'once app2 is updated, its event is delivered');

$node->psql('ALTER EXTENSION webhooks UPDATE');
is($node->psql("SELECT extversion FROM pg_extension WHERE extname = 'webhooks'"), $current,
	"ALTER EXTENSION webhooks UPDATE moves to $current");

my ($after) = WebhooksSample::digests($node, $cols);
WebhooksSample::same_digests($before, $after, 'after the update');
is($node->psql($STATS), $stats_before, 'after the update: every row of statistics with a count is the same');
is($node->psql("SELECT count(*) FILTER (WHERE s IS NULL) || ' ' || count(*)"
	  . " || ' ' || (SELECT count(*) FROM webhooks._webhook_stats) FROM webhooks._webhook w"
	  . " LEFT JOIN webhooks._webhook_stats s"
	  . " ON s.tenant_locator = w.tenant_locator AND s.webhook_locator::text = w.locator::text"),
	'0 ' . $node->psql('SELECT count(*) FROM webhooks._webhook') . ' '
	  . $node->psql('SELECT count(*) FROM webhooks._webhook'),
	'and every webhook has one row of statistics, no other row is left');
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

# released_1_0: the bin directory of a copy of this PostgreSQL's
# installation holding webhooks 1.0 as released (its library built from
# the release commit, its scripts and control file), to run 1.0 as a user
# had it; skips the test where that cannot be had.
sub released_1_0
{
	my $root = "$FindBin::Bin/../..";
	chomp(my $version = `@{[ WebhooksTest::Cluster::pg_bin('pg_config') ]} --version`);
	plan skip_all => "1.0 was released for PostgreSQL 15 only ($version here)"
	  unless $version =~ /PostgreSQL 15\./;
	plan skip_all => 'the release commit 7b04cd5 is not in this clone'
	  unless system("git -C $root cat-file -e 7b04cd5^{commit} 2>/dev/null") == 0;

	my $dir = File::Temp::tempdir('webhooks-1.0.XXXXXX', TMPDIR => 1, CLEANUP => 1);
	chomp(my $bindir = `@{[ WebhooksTest::Cluster::pg_bin('pg_config') ]} --bindir`);
	(my $libroot = $bindir) =~ s{/bin$}{};
	chomp(my $pkglib = `@{[ WebhooksTest::Cluster::pg_bin('pg_config') ]} --pkglibdir`);
	system("mkdir -p $dir/src $dir$libroot $dir$share"
		  . " && git -C $root archive 7b04cd5 | tar -x -C $dir/src"
		  . " && make -s -C $dir/src >$dir/build.log 2>&1"
		  . " && cp -a $libroot/. $dir$libroot/ && cp -a $share/. $dir$share/"
		  . " && rm -f $dir$share/extension/webhooks* $dir$pkglib/webhooks.so"
		  . " && cp $dir/src/webhooks.so $dir$pkglib/"
		  . " && cp $dir/src/webhooks.control $dir/src/sql/webhooks--1.0.sql $dir$share/extension/"
		  . " && chmod -R a+rX $dir") == 0
	  or die "could not make the 1.0 installation: " . `tail -20 $dir/build.log`;
	return "$dir$bindir";
}

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
