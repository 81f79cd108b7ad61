# 021_dump_restore.pl: a database in use (webhooks in three tenants, events
# delivered, queued and diverted, attempts, a suspended webhook: see
# test/t/lib/WebhooksSample.pm) dumped with pg_dump and restored with psql
# into another cluster: every row of every table comes back, and the new
# cluster's worker delivers what was queued and a resent diverted event.
#
# The dump is made here, with this PostgreSQL version, unless
# WEBHOOKS_DUMP_IN names a folder holding one made elsewhere (dump.sql,
# and sample.json, what it must restore to); WEBHOOKS_DUMP_OUT names a
# folder to leave such a dump in.  .ci/run makes the dump with PostgreSQL 15
# on the host and restores it into 17 and 18 in their chroots.
use strict;
use warnings;

use File::Copy ();
use File::Path ();
use File::Temp ();
use FindBin;
use lib "$FindBin::Bin/lib";
use IPC::Run ();
use Test::More;
use WebhooksTest;
use WebhooksSample;

my $dir = File::Temp::tempdir('webhooks-dump.XXXXXX', TMPDIR => 1, CLEANUP => 1);
my ($dump, $made);
if (my $in = $ENV{WEBHOOKS_DUMP_IN})
{
	$dump = "$in/dump.sql";
	if (!ok(-s $dump && -s "$in/sample.json", "a dump made elsewhere is in $in"))
	{
		done_testing();
		exit 1;
	}
	$made = json_decode(slurp("$in/sample.json"));
}
else
{
	my $src = WebhooksTest::Cluster->new(database => 'source');
	$src->psql('CREATE EXTENSION webhooks');
	ok($src->wait_for_worker, 'the source cluster delivers');
	my $rcv = WebhooksTest::Receiver->new;
	my $s = WebhooksSample::fill($src, $rcv);
	my ($digests, $cols) = WebhooksSample::digests($src, undef, dumped => 1);
	$dump = "$dir/dump.sql";
	my ($dumped, $out) = run_as_root($src, [ 'pg_dump', '-d', 'source', '-f', $dump ]);
	$dumped or BAIL_OUT("pg_dump failed: $out");
	my ($again) = WebhooksSample::digests($src, $cols, dumped => 1);
	is_deeply($again, $digests, 'nothing changed in the source while it was dumped');
	$made = {
		sample => $s,
		digests => $digests,
		columns => $cols,
		server => $src->psql('SHOW server_version'),
		extversion => $src->psql("SELECT extversion FROM pg_extension WHERE extname = 'webhooks'"),
	};
	$rcv->stop;
	$src->stop;
	if (my $out = $ENV{WEBHOOKS_DUMP_OUT})
	{
		File::Path::make_path($out);
		File::Copy::copy($dump, "$out/dump.sql") or die "copy: $!";
		open my $fh, '>', "$out/sample.json" or die $!;
		print $fh json_encode($made);
		close $fh;
	}
}

my $dst = WebhooksTest::Cluster->new(database => 'restored');
my $to = $dst->psql('SHOW server_version');
my ($ok, $log) = run_as_root($dst, [ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'restored', '-f', $dump ]);
ok($ok, "a dump of PostgreSQL $made->{server} restores into $to") or diag($log);
unlike($log, qr/ERROR|WARNING/, 'the restore reports no error or warning');
is($dst->psql("SELECT extversion FROM pg_extension WHERE extname = 'webhooks'"), $made->{extversion},
	"the extension is at $made->{extversion}");
ok($dst->wait_for_worker, 'the restored cluster delivers');

my ($restored) = WebhooksSample::digests($dst, $made->{columns}, dumped => 1);
WebhooksSample::same_digests($made->{digests}, $restored, "restored from $made->{server}");
my $rcv = WebhooksTest::Receiver->new;
WebhooksSample::delivers($dst, $rcv, $made->{sample});

done_testing();

# run_as_root(cluster, [program, args]): a client program of this version
# against the cluster over its socket; returns (ok, its output)
sub run_as_root
{
	my ($node, $cmd) = @_;
	local $ENV{PGHOST} = $node->dir;
	local $ENV{PGPORT} = $node->{port};
	local $ENV{PGUSER} = 'postgres';
	my ($out, $err) = ('', '');
	my $ok = IPC::Run::run([ WebhooksTest::Cluster::pg_bin($cmd->[0]), @$cmd[ 1 .. $#$cmd ] ],
		'<', \undef, '>', \$out, '2>', \$err);
	return ($ok, $out . $err);
}

sub slurp
{
	open my $fh, '<', $_[0] or die "$_[0]: $!";
	local $/;
	return <$fh>;
}
