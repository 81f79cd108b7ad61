# WebhooksTest.pm: helpers for the TAP tests of the webhooks extension.
#
# WebhooksTest::Cluster is a private, throwaway PostgreSQL cluster: initdb
# in a new temporary folder as the postgres OS user (initdb refuses root),
# trust authentication, no TCP (listen_addresses = ''), its socket in that
# folder, webhooks preloaded, loopback allowed through the block list
# (webhooks.allowed_networks = '127.0.0.0/8': the receivers are there).  SQL runs through psql as root over the
# socket, as user postgres.
#
# WebhooksTest::Receiver is the Node test receiver (test/receiver) on a
# loopback address, driven through its control API.
#
# Everything started here is remembered and stopped by its own pid in an
# END block, whatever the outcome of the test: clusters with pg_ctl on their
# own data folder, receivers with SIGTERM to the pid they reported, strace
# (slow_down) with SIGTERM to its pid, which detaches it.
# Set KEEP_CLUSTER=1 to keep the cluster folders for a post-mortem.
package WebhooksTest;

use strict;
use warnings;

use Exporter 'import';
use File::Path ();
use File::Basename ();
use File::Copy ();
use File::Temp ();
use HTTP::Tiny;
use IPC::Run ();
use JSON::PP ();
use POSIX ();
use Test::More;
use Time::HiRes ();

our @EXPORT = qw(wait_until json_decode json_encode body_json new_uuid
  self_signed_cert unused_port delivery_setup stream_publish stream_wait_mid
  stream_check gaps within slow_down stop_slow_down cpu_used
  $SHORT_LEASE_CONF);

our $ROOT;
BEGIN
{
	require File::Basename;
	require Cwd;
	$ROOT = Cwd::abs_path(File::Basename::dirname(__FILE__) . '/../../..');
}

# settings under which deliveries wait long in the worker: the shortest
# webhooks.lease (1.0: the lease of a claimed row; 1.1: how
# long an unrecordable outcome is set aside), and 16 deliveries behind 2
# connections to an endpoint that never answers take 8 rounds of a 2 s
# timeout
our $SHORT_LEASE_CONF = <<'CONF';
webhooks.lease = '10s'
webhooks.timeout = '2s'
webhooks.max_host_connections = 2
webhooks.max_inflight = 16
CONF

my $JSON = JSON::PP->new->utf8->canonical;
my (@clusters, @receivers, @tracers);

sub json_decode { return $JSON->decode($_[0]); }
sub json_encode { return $JSON->encode($_[0]); }

# body_json(record): the body of a receiver record, decoded (the record's
# strings are characters already).
sub body_json { return JSON::PP->new->decode($_[0]{body}); }

# wait_until(sub, timeout_seconds): polls the sub every 50 ms until it
# returns true, and returns its value, or false on timeout.
# Under valgrind (WEBHOOKS_SLOW set) everything takes many times longer.
sub wait_until
{
	my ($cond, $timeout) = @_;
	my $deadline = Time::HiRes::time() +
	  ($timeout // 30) * ($ENV{WEBHOOKS_SLOW} ? 20 : 1);
	while (1)
	{
		my $v = $cond->();
		return $v if $v;
		return 0 if Time::HiRes::time() > $deadline;
		Time::HiRes::sleep(0.05);
	}
}

# gaps(times): the differences between successive times.
sub gaps
{
	my ($t) = @_;
	return [ map { $t->[$_] - $t->[ $_ - 1 ] } 1 .. $#$t ];
}

# within(value, low, high, name): a test that low <= value <= high, which
# shows all three when it fails.
sub within
{
	my ($v, $lo, $hi, $name) = @_;
	my $ok = defined $v && $v >= $lo && $v <= $hi;
	ok($ok, $name) or diag(sprintf('got %s, want %.0f to %.0f', $v // 'undef', $lo, $hi));
	return $ok;
}

# cpu_seconds(pid): the CPU time a process has used so far (user and
# system, from /proc/pid/stat), in seconds.
sub cpu_seconds
{
	my ($pid) = @_;
	open(my $f, '<', "/proc/$pid/stat") or die "/proc/$pid/stat: $!";
	my @f = split ' ', (split /\) /, scalar(<$f>))[1];
	return ($f[11] + $f[12]) / POSIX::sysconf(POSIX::_SC_CLK_TCK());
}

# cpu_used(pid, seconds): the CPU time a process uses while the test
# sleeps that long.
sub cpu_used
{
	my ($pid, $seconds) = @_;
	my $before = cpu_seconds($pid);
	Time::HiRes::sleep($seconds);
	return cpu_seconds($pid) - $before;
}

# new_uuid: a random version-4 uuid, as text.
sub new_uuid
{
	my @b = map { int(rand(256)) } 1 .. 16;
	$b[6] = ($b[6] & 0x0f) | 0x40;
	$b[8] = ($b[8] & 0x3f) | 0x80;
	my $h = join '', map { sprintf '%02x', $_ } @b;
	return join '-', substr($h, 0, 8), substr($h, 8, 4), substr($h, 12, 4),
	  substr($h, 16, 4), substr($h, 20);
}

# unused_port(host): a TCP port nothing listens on right now (bound, then
# closed), for "connection refused".
sub unused_port
{
	my ($host) = @_;
	require IO::Socket::INET;
	my $s = IO::Socket::INET->new(
		LocalAddr => $host // '127.0.0.1',
		LocalPort => 0,
		Proto => 'tcp',
		Listen => 1) or die "no port: $!";
	my $port = $s->sockport;
	close $s;
	return $port;
}

# self_signed_cert(dir): a self-signed certificate for 127.0.0.1 made with
# the openssl CLI; returns (cert, key) paths.
sub self_signed_cert
{
	my ($dir) = @_;
	my ($cert, $key) = ("$dir/cert.pem", "$dir/key.pem");
	my ($out, $err);
	IPC::Run::run(
		[
			'openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes',
			'-keyout', $key, '-out', $cert, '-days', '1',
			'-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'
		],
		'>', \$out, '2>', \$err) or die "openssl failed: $err";
	return ($cert, $key);
}

# delivery_setup(%cluster_options): the usual start of a test file: a
# cluster with the extension created and its worker running, and a
# receiver.  Returns ($cluster, $receiver).
sub delivery_setup
{
	my (%opt) = @_;
	my $node = WebhooksTest::Cluster->new(%opt);
	$node->psql('CREATE EXTENSION webhooks');
	ok($node->wait_for_worker, 'delivery worker is running');
	my $rcv = WebhooksTest::Receiver->new;
	return ($node, $rcv);
}

# stream_publish(cluster, receiver, tenant, n): a webhook on /stream of a
# receiver that answers in 5 ms (so that n deliveries take a few seconds at
# 8 connections), and n events published to it, 1,000 per transaction.
sub stream_publish
{
	my ($node, $rcv, $tenant, $n) = @_;
	$rcv->behaviour({ path => '/stream', delayMs => 5 });
	my $w = $node->hook($tenant, $rcv->url('/stream'));
	for (my $i = 0; $i < $n; $i += 1000)
	{
		my $last = $i + 1000 > $n ? $n : $i + 1000;
		$node->psql("SELECT count(webhooks.publish_event('$tenant', '$w->{type}', jsonb_build_object('i', i)))"
			  . " FROM generate_series($i + 1, $last) i");
	}
	return $w;
}

# stream_wait_mid(receiver, n): waits until a third of n deliveries
# arrived; returns how many had arrived.
sub stream_wait_mid
{
	my ($rcv, $n) = @_;
	return $rcv->wait('/stream', int($n / 3), 60);
}

# stream_check(cluster, receiver, tenant, n): after a crash, waits for the
# queue to empty and checks the stream: every published event arrived at
# least once.  Reports and returns the number of duplicates.
sub stream_check
{
	my ($node, $rcv, $tenant, $n) = @_;
	ok($node->wait_queue_empty(120), 'the queue empties after the crash');
	my $published = [ split /\n/,
		$node->psql("SELECT locator FROM webhooks._event WHERE tenant_locator = '$tenant'") ];
	is(scalar @$published, $n, "all $n published events are stored");
	my $ids = $rcv->ids('/stream');
	my %seen;
	$seen{$_}++ for @$ids;
	my @lost = grep { !$seen{$_} } @$published;
	is(scalar @lost, 0, 'no event is lost: every one reached the receiver')
	  or diag('lost: ' . join(' ', @lost[ 0 .. ($#lost < 9 ? $#lost : 9) ]));
	my %known = map { $_ => 1 } @$published;
	is(scalar(grep { !$known{$_} } keys %seen), 0, 'nothing arrived that was not published');
	my $dups = @$ids - keys %seen;
	diag(sprintf('%d deliveries for %d events: %d arrived twice or more (%d extra)',
		scalar @$ids, scalar keys %seen, scalar(grep { $seen{$_} > 1 } keys %seen), $dups));
	is($rcv->control('GET', '/_control/count?path=/stream')->{failedVerification}, 0,
		'no delivery failed verification');
	return $dups;
}

# slow_down(pid, delay): makes every epoll_wait of a process (and of its
# threads) start delay ("4ms") late, with strace's fault injection, as a
# loaded machine would; returns the strace pid, for stop_slow_down.  The
# process runs on as before once strace detaches.
sub slow_down
{
	my ($pid, $delay) = @_;
	my $child = fork // die "fork: $!";
	if ($child == 0)
	{
		open STDIN, '<', '/dev/null';
		open STDOUT, '>', '/dev/null';
		exec('strace', '-f', '-qq', '-o', '/dev/null', '-e', 'trace=epoll_wait',
			'-e', "inject=epoll_wait:delay_enter=$delay", '-p', $pid)
		  or POSIX::_exit(127);
	}
	push @tracers, $child;
	wait_until(sub { tracer_of($pid) eq $child }, 10)
	  or die "strace did not attach to $pid";
	return $child;
}

# tracer_of(pid): the pid of the process tracing pid, '0' when none.
sub tracer_of
{
	my ($pid) = @_;
	open my $fh, '<', "/proc/$pid/status" or return '';
	while (<$fh>) { return $1 if /^TracerPid:\s*(\d+)/; }
	return '';
}

# stop_slow_down(strace pid): detaches strace (SIGTERM) and waits for it.
sub stop_slow_down
{
	my ($child) = @_;
	return unless grep { $_ == $child } @tracers;
	@tracers = grep { $_ != $child } @tracers;
	kill 'TERM', $child;
	waitpid($child, 0);
}

END
{
	my $rc = $?;
	stop_slow_down($_) for reverse @tracers;
	$_->stop for reverse @receivers;
	$_->teardown for reverse @clusters;
	$? = $rc;
}

# ---------------------------------------------------------------------------
package WebhooksTest::Cluster;

use strict;
use warnings;

use Test::More;

my $PG_BIN;

sub pg_bin
{
	if (!defined $PG_BIN)
	{
		chomp($PG_BIN = `pg_config --bindir`);
		die 'pg_config --bindir failed' unless $PG_BIN;
	}
	return "$PG_BIN/$_[0]";
}

sub as_postgres
{
	my ($self, @cmd) = @_;
	my ($out, $err);
	my $ok = IPC::Run::run([ 'runuser', '-u', 'postgres', '--', @cmd ],
		'<', \undef, '>', \$out, '2>', \$err);
	return ($ok, $out . $err);
}

# new(conf => "extra lines", database => 'postgres', serve => ''): creates
# and starts a cluster.  webhooks.timeout is 2 s unless conf says
# otherwise; webhooks.database is the database psql uses unless serve
# says otherwise ('': every database).
sub new
{
	my ($class, %opt) = @_;
	my $dir = File::Temp::tempdir('webhooks-tap.XXXXXX', TMPDIR => 1, CLEANUP => 0);
	my $self = bless {
		dir => $dir,
		data => "$dir/data",
		port => 50000 + int(rand(10000)),
		database => $opt{database} // 'postgres',
		bindir => $opt{bindir},
	}, $class;
	push @clusters, $self;
	system('chown', 'postgres:', $dir) == 0 or die "chown $dir failed";
	chmod 0700, $dir;

	my ($ok, $out) = $self->as_postgres(WebhooksTest::Cluster::pg_bin('initdb'),
		'-D', $self->{data}, '-U', 'postgres', '--auth=trust', '-E', 'UTF8',
		'--locale=C.UTF-8');
	die "initdb failed: $out" unless $ok;

	my $conf = <<"CONF";
port = $self->{port}
listen_addresses = ''
unix_socket_directories = '$dir'
shared_preload_libraries = 'webhooks'
webhooks.allowed_networks = '127.0.0.0/8'
webhooks.database = '@{[ $opt{serve} // $self->{database} ]}'
webhooks.timeout = '2s'
fsync = on
synchronous_commit = on
log_min_messages = warning
log_line_prefix = '%m [%p] %q%a '
CONF
	$conf .= "$opt{conf}\n" if defined $opt{conf};
	open my $fh, '>>', "$self->{data}/postgresql.conf" or die $!;
	print $fh $conf;
	close $fh;
	$self->start;
	if ($self->{database} ne 'postgres')
	{
		$self->psql("CREATE DATABASE $self->{database}", db => 'postgres');
	}
	return $self;
}

sub dir { return $_[0]{dir}; }

sub pg_ctl
{
	my ($self, @args) = @_;
	# bindir: another installation of the same major version (pg_ctl runs
	# the postgres beside it)
	return $self->as_postgres(
		$self->{bindir} ? "$self->{bindir}/pg_ctl" : WebhooksTest::Cluster::pg_bin('pg_ctl'),
		'-D', $self->{data}, '-l', "$self->{dir}/server.log", @args);
}

# WEBHOOKS_POSTGRES names a program to run instead of postgres (a wrapper
# that runs it under valgrind, or with the sanitizers' runtime preloaded);
# WEBHOOKS_START_TIMEOUT how long to wait for it to start.
sub start
{
	my ($self) = @_;
	my @wrapper = $ENV{WEBHOOKS_POSTGRES} ? ('-p', $ENV{WEBHOOKS_POSTGRES}) : ();
	my ($ok, $out) = $self->pg_ctl('-w', '-t', $ENV{WEBHOOKS_START_TIMEOUT} // '60',
		@wrapper, 'start');
	die "pg_ctl start failed: $out\n" . $self->log unless $ok;
	return 1;
}

# stop(mode): fast (default) or immediate.
sub stop
{
	my ($self, $mode) = @_;
	my ($ok, $out) = $self->pg_ctl('-w', '-t', '60', '-m', $mode // 'fast', 'stop');
	die "pg_ctl stop failed: $out" unless $ok;
	return 1;
}

sub running { return -f "$_[0]{data}/postmaster.pid"; }

# keep_secrets_and_log(stopped): for test/all's check that no secret ever
# reaches a server log, adds the signing secrets the cluster stores to
# $WEBHOOKS_LOG_DIR/secrets (before the stop) and copies its server log
# there (after it).
sub keep_secrets_and_log
{
	my ($self, $stopped) = @_;
	my $dir = $ENV{WEBHOOKS_LOG_DIR};
	if (!$stopped)
	{
		my ($ok, $out) = $self->run_psql(
			'SELECT secret FROM webhooks._webhook WHERE secret IS NOT NULL'
			  . ' UNION SELECT alert_secret FROM webhooks._webhook WHERE alert_secret IS NOT NULL',
			timeout => 30);
		if ($ok && $out ne '')
		{
			open my $fh, '>>', "$dir/secrets" or die $!;
			print $fh "$out\n";
			close $fh;
		}
		return;
	}
	File::Copy::copy("$self->{dir}/server.log",
		"$dir/" . File::Basename::basename($self->{dir}) . '.log');
}

sub teardown
{
	my ($self) = @_;
	return unless -d $self->{dir};
	$self->keep_secrets_and_log(0) if $ENV{WEBHOOKS_LOG_DIR} && $self->running;
	if ($self->running)
	{
		my ($ok) = $self->pg_ctl('-w', '-t', '30', '-m', 'fast', 'stop');
		$self->pg_ctl('-w', '-m', 'immediate', 'stop') unless $ok;
	}
	$self->keep_secrets_and_log(1) if $ENV{WEBHOOKS_LOG_DIR};
	if ($ENV{KEEP_CLUSTER})
	{
		diag("cluster kept in $self->{dir}");
	}
	else
	{
		File::Path::rmtree($self->{dir});
	}
}

sub log
{
	my ($self) = @_;
	open my $fh, '<', "$self->{dir}/server.log" or return '';
	local $/;
	return <$fh>;
}

# run_psql(sql, db => ...): runs a script through psql with ON_ERROR_STOP
# and verbose errors; returns (ok, stdout, stderr).
sub run_psql
{
	my ($self, $sql, %opt) = @_;
	local $ENV{PGHOST} = $self->{dir};
	local $ENV{PGPORT} = $self->{port};
	local $ENV{PGUSER} = 'postgres';
	local $ENV{PGCONNECT_TIMEOUT} = 10;
	# psql may exit before it reads the script (a server in crash recovery
	# refuses it): a failed call, not a SIGPIPE that ends the test
	local $SIG{PIPE} = 'IGNORE';
	my ($out, $err) = ('', '');
	my $ok = eval {
		IPC::Run::run(
			[
				WebhooksTest::Cluster::pg_bin('psql'), '-X', '-q', '-At',
				'-v', 'ON_ERROR_STOP=1', '-v', 'VERBOSITY=verbose',
				'-d', $opt{db} // $self->{database}, '-f', '-'
			],
			'<', \$sql, '>', \$out, '2>', \$err,
			IPC::Run::timeout($opt{timeout} // 120));
	};
	$err .= $@ if $@;
	chomp $out;
	return ($ok, $out, $err);
}

# session(script): a psql session that runs the script and stays open:
# {h} its IPC::Run harness (pump it to feed it the script), {in}, {out},
# {err} references to what it reads, prints and complains.  Append to
# ${ $s->{in} } and finish {h} to end it.
sub session
{
	my ($self, $script) = @_;
	my $s = { in => \(my $in = $script), out => \(my $out = ''), err => \(my $err = '') };
	local $ENV{PGHOST} = $self->{dir};
	local $ENV{PGPORT} = $self->{port};
	local $ENV{PGUSER} = 'postgres';
	$s->{h} = IPC::Run::start(
		[ WebhooksTest::Cluster::pg_bin('psql'), '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', 'postgres' ],
		'<', $s->{in}, '>', $s->{out}, '2>', $s->{err}, IPC::Run::timeout(120));
	return $s;
}

# psql(sql, db => ...): the output of a script that must succeed (dies
# otherwise).
sub psql
{
	my ($self, $sql, %opt) = @_;
	my ($ok, $out, $err) = $self->run_psql($sql, %opt);
	die "psql failed: $err\nSQL: $sql\n" unless $ok;
	return $out;
}

# json(sql): the value of a query that returns one JSON document.
sub json
{
	my ($self, $sql, %opt) = @_;
	return WebhooksTest::json_decode($self->psql($sql, %opt));
}

# sqlstate(sql): the SQLSTATE a script fails with, or '' when it succeeds.
sub sqlstate
{
	my ($self, $sql, %opt) = @_;
	my ($ok, $out, $err) = $self->run_psql($sql, %opt);
	return '' if $ok;
	return $1 if $err =~ /(?:ERROR|FATAL):\s+([0-9A-Z]{5}):/;
	return "no SQLSTATE in: $err";
}

# worker_pid: the delivery worker's pid from pg_stat_activity, or ''.
sub worker_pid
{
	my ($self) = @_;
	my ($ok, $out) = $self->run_psql(
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'webhooks delivery worker'",
		db => 'postgres');
	return $ok ? $out : '';
}

# wait_for_worker(timeout, not => pid): waits for a worker (other than
# pid) to run; returns its pid or false.
sub wait_for_worker
{
	my ($self, $timeout, %opt) = @_;
	return WebhooksTest::wait_until(
		sub {
			my $pid = $self->worker_pid;
			return ($pid =~ /^\d+$/ && (!$opt{not} || $pid ne $opt{not})) ? $pid : 0;
		},
		$timeout // 30);
}

# wait_for_server: waits until the server accepts connections (after a
# crash restart); true on success.
sub wait_for_server
{
	my ($self, $timeout) = @_;
	return WebhooksTest::wait_until(
		sub { my ($ok, $out) = $self->run_psql('SELECT 1', db => 'postgres'); $ok && $out eq '1' },
		$timeout // 60);
}

# wait_queue_empty: waits until the delivery queue is empty; true on
# success.
sub wait_queue_empty
{
	my ($self, $timeout) = @_;
	return WebhooksTest::wait_until(
		sub {
			my ($ok, $out) = $self->run_psql('SELECT count(*) FROM webhooks._delivery');
			$ok && $out eq '0';
		},
		$timeout // 30);
}

# create_webhook(tenant, request hash): the WebhookResponse.
sub create_webhook
{
	my ($self, $tenant, $request) = @_;
	my $r = WebhooksTest::json_encode($request);
	return $self->json("SELECT webhooks.create_webhook('$tenant', \$j\$$r\$j\$)");
}

# publish(tenant, type, data hash, more SQL arguments): the EventResponse.
sub publish
{
	my ($self, $tenant, $type, $data, $more) = @_;
	my $d = WebhooksTest::json_encode($data // {});
	$more = defined $more ? ", $more" : '';
	return $self->json(
		"SELECT webhooks.publish_event('$tenant', '$type', \$j\$$d\$j\$$more)");
}

# attempts(tenant, webhook): fetch_webhook_attempts, newest first.
sub attempts
{
	my ($self, $tenant, $webhook) = @_;
	return $self->json("SELECT webhooks.fetch_webhook_attempts('$tenant', '$webhook')");
}

# wait_attempts(tenant, webhook, n): waits until the webhook has n attempts
# whose outcome is final (not retrying); returns them, newest first.
sub wait_attempts
{
	my ($self, $tenant, $webhook, $n, $timeout) = @_;
	my $got = [];
	WebhooksTest::wait_until(
		sub {
			$got = $self->attempts($tenant, $webhook);
			scalar(grep { $_->{outcome} ne 'retrying' } @$got) >= $n;
		},
		$timeout // 30);
	return $got;
}

# hook(tenant, url, more request fields): a webhook subscribed to an event
# type of its own, registered for it, so that each case of a test gets only
# its own events.  The response carries that type in {type}.
sub hook
{
	my ($self, $tenant, $url, %more) = @_;
	my $type = 'test.case' . ++$self->{hooks};
	$self->psql("SELECT webhooks.register_event_type('$type')");
	my $w = $self->create_webhook($tenant,
		{ name => "case $self->{hooks}", endpoint => { url => $url }, eventTypes => [$type], %more });
	$w->{type} = $type;
	return $w;
}

# receiver_hook(tenant, receiver, path, behaviour hash, more request
# fields): a webhook (see hook) on a path of a receiver that answers as
# told.
sub receiver_hook
{
	my ($self, $tenant, $rcv, $path, $behaviour, %more) = @_;
	$rcv->behaviour({ path => $path, %$behaviour });
	return $self->hook($tenant, $rcv->url($path), %more);
}

# webhook(tenant, webhook): fetch_webhook.
sub webhook
{
	my ($self, $tenant, $w) = @_;
	return $self->json("SELECT webhooks.fetch_webhook('$tenant', '$w->{locator}')");
}

# update(tenant, webhook, request hash): update_webhook.
sub update
{
	my ($self, $tenant, $w, $request) = @_;
	my $r = WebhooksTest::json_encode($request);
	return $self->json("SELECT webhooks.update_webhook('$tenant', '$w->{locator}', \$j\$$r\$j\$)");
}

# diverted(tenant, webhook, offset, count): fetch_diverted_events.
sub diverted
{
	my ($self, $tenant, $w, $offset, $count) = @_;
	my $page = defined $offset ? ", $offset, " . ($count // 'NULL') : '';
	return $self->json("SELECT webhooks.fetch_diverted_events('$tenant', '$w->{locator}'$page)");
}

# wait_diverted(tenant, webhook, n): waits until the webhook has n diverted
# events; returns them.
sub wait_diverted
{
	my ($self, $tenant, $w, $n, $timeout) = @_;
	my $got = [];
	WebhooksTest::wait_until(sub { $got = $self->diverted($tenant, $w); @$got >= $n }, $timeout // 30);
	return $got;
}

# event_attempts(tenant, webhook, event): the attempts at one delivery from
# the attempt log, first first: [attempt, outcome, status, trigger] each.
sub event_attempts
{
	my ($self, $tenant, $w, $event) = @_;
	return [ map { [ split /\|/, $_, -1 ] } split /\n/, $self->psql(
			"SELECT attempt, outcome, coalesce(status::text, ''), coalesce(\"trigger\", '')"
			  . " FROM webhooks._attempt WHERE tenant_locator = '$tenant'"
			  . " AND webhook_locator::text = '$w->{locator}' AND event_locator::text = '$event'"
			  . ' ORDER BY id') ];
}

# queued(tenant, webhook): how many deliveries of the webhook are queued.
sub queued
{
	my ($self, $tenant, $w) = @_;
	return $self->psql("SELECT count(*) FROM webhooks._delivery WHERE tenant_locator = '$tenant'"
		  . " AND webhook_locator::text = '$w->{locator}'");
}

# deliver(tenant, webhook, count): publishes count events (default 1) of the
# webhook's type and waits for as many more final attempts; returns the
# attempts (newest first) and the events.
sub deliver
{
	my ($self, $tenant, $w, $count) = @_;
	my $had = grep { $_->{outcome} ne 'retrying' } @{ $self->attempts($tenant, $w->{locator}) };
	my @e = map { $self->publish($tenant, $w->{type}, { i => $_ }) } 1 .. ($count // 1);
	my $att = $self->wait_attempts($tenant, $w->{locator}, $had + @e);
	return ($att, \@e);
}

# set_conf(name, value): ALTER SYSTEM, reload, and wait until new sessions
# show the value (the worker gets the same SIGHUP; give it a moment).
sub set_conf
{
	my ($self, $name, $value) = @_;
	$self->psql("ALTER SYSTEM SET $name = '$value'");
	$self->psql('SELECT pg_reload_conf()');
	my $ok = WebhooksTest::wait_until(sub { $self->psql("SHOW $name") eq $value }, 10);
	Time::HiRes::sleep(0.5);
	return $ok;
}

# stats(tenant, webhook): the webhook's row of webhook_delivery_stats.
sub stats
{
	my ($self, $tenant, $webhook) = @_;
	return $self->json(
		"SELECT row_to_json(s) FROM webhooks.webhook_delivery_stats s"
		  . " WHERE tenant_locator = '$tenant' AND webhook_locator::text = '$webhook'");
}

# ---------------------------------------------------------------------------
package WebhooksTest::Receiver;

use strict;
use warnings;

use POSIX ':sys_wait_h';

# new(host => '127.0.0.1', tls_cert => C, tls_key => K): starts a receiver
# and waits for its "listening" line.
sub new
{
	my ($class, %opt) = @_;
	my $dir = File::Temp::tempdir('webhooks-rcv.XXXXXX', TMPDIR => 1, CLEANUP => 1);
	my $self = bless {
		dir => $dir,
		host => $opt{host} // '127.0.0.1',
		tls => defined $opt{tls_cert},
	}, $class;
	my @cmd = ('node', "$WebhooksTest::ROOT/test/receiver/receiver.js",
		'--port', '0', '--host', $self->{host}, '--pidfile', "$dir/pid",
		'--log', "$dir/log");
	push @cmd, '--tls-cert', $opt{tls_cert}, '--tls-key', $opt{tls_key}
	  if $self->{tls};
	my $child = fork // die "fork: $!";
	if ($child == 0)
	{
		open STDIN, '<', '/dev/null';
		open STDOUT, '>', "$dir/out";
		open STDERR, '>', "$dir/err";
		exec @cmd or POSIX::_exit(127);
	}
	$self->{pid} = $child;
	push @receivers, $self;
	my $line = WebhooksTest::wait_until(
		sub {
			open my $fh, '<', "$dir/out" or return 0;
			my $l = <$fh>;
			return (defined $l && $l =~ /\n\z/) ? $l : 0;
		},
		20);
	die "receiver did not start: " . `cat $dir/err` unless $line;
	my $info = WebhooksTest::json_decode($line);
	$self->{port} = $info->{port};
	$self->{pid} = $info->{pid};
	$self->{base} = ($self->{tls} ? 'https' : 'http') . "://$self->{host}:$self->{port}";
	return $self;
}

sub port { return $_[0]{port}; }

# url(path): the URL of a path on this receiver.
sub url { return $_[0]{base} . $_[1]; }

# control(method, path, body): calls the control API; returns the decoded
# answer.  HTTPS goes through curl -k (Perl here has no TLS module).
sub control
{
	my ($self, $method, $path, $body) = @_;
	my $url = $self->{base} . $path;
	my $content = defined $body ? WebhooksTest::json_encode($body) : undef;
	my ($status, $text);
	if ($self->{tls})
	{
		my @cmd = ('curl', '-sk', '--max-time', '60', '-X', $method, '-w', '\n%{http_code}');
		push @cmd, '-H', 'Content-Type: application/json', '--data-binary', $content
		  if defined $content;
		my ($out, $err);
		IPC::Run::run([ @cmd, $url ], '>', \$out, '2>', \$err);
		($text, $status) = $out =~ /\A(.*)\n(\d+)\z/s or die "curl $url: $err";
	}
	else
	{
		my $http = HTTP::Tiny->new(timeout => 60);
		my $res = $http->request($method, $url,
			defined $content
			? { content => $content, headers => { 'Content-Type' => 'application/json' } }
			: {});
		($status, $text) = ($res->{status}, $res->{content});
	}
	die "receiver $method $path: $status $text" unless $status == 200;
	return WebhooksTest::json_decode($text);
}

# behaviour(b, ...): sets behaviours (see test/receiver/README.md).
sub behaviour
{
	my ($self, @b) = @_;
	return $self->control('POST', '/_control/behaviour', \@b);
}

sub reset { return $_[0]->control('POST', '/_control/reset'); }

sub count
{
	my ($self, $path) = @_;
	return $self->control('GET', '/_control/count?path=' . ($path // '*'))->{count};
}

# requests(path): every record for a path (or all), paging through them.
sub requests
{
	my ($self, $path) = @_;
	my ($since, @all) = (0);
	while (1)
	{
		my $page = $self->control('GET',
			"/_control/requests?since=$since&limit=2000&path=" . ($path // '*'));
		last unless @$page;
		push @all, @$page;
		$since = $page->[-1]{seq};
	}
	return \@all;
}

# wait(path, n, timeout_seconds): waits until the path got n requests;
# returns how many it got.
sub wait
{
	my ($self, $path, $n, $timeout) = @_;
	my $ms = int(($timeout // 20) * 1000);
	return $self->control('GET', "/_control/wait?path=$path&count=$n&timeoutMs=$ms")->{count};
}

# clock_offset: how far the receiver's clock (arrivedAt) is ahead of this
# machine's wall clock, the one PostgreSQL's timestamps read, in ms: the
# receiver's times are monotonic from its start, so they may drift.
sub clock_offset
{
	my ($self) = @_;
	my ($best, $offset);
	for (1 .. 5)
	{
		my $t0 = Time::HiRes::time() * 1000;
		my $now = $self->control('GET', '/_control/health')->{now};
		my $t1 = Time::HiRes::time() * 1000;
		($best, $offset) = ($t1 - $t0, $now - ($t0 + $t1) / 2)
		  if !defined $best || $t1 - $t0 < $best;
	}
	return $offset;
}

# wait_quiet(seconds, timeout): waits until no request is held open and
# none came for seconds; true on success.
sub wait_quiet
{
	my ($self, $seconds, $timeout) = @_;
	my ($seq, $since) = (-1, 0);
	return WebhooksTest::wait_until(
		sub {
			my $h = $self->control('GET', '/_control/health');
			my $now = Time::HiRes::time();
			($seq, $since) = ($h->{nextSeq}, $now) if $h->{nextSeq} != $seq || $h->{hung} > 0;
			return $now - $since >= $seconds;
		},
		$timeout // 60);
}

# arrivals(path): when each request to a path arrived (epoch ms), in
# order.
sub arrivals
{
	my ($self, $path) = @_;
	return [ map { $_->{arrivedAt} } @{ $self->requests($path) } ];
}

# logged(path): [webhook-id, outcome] of every request to a path, in
# arrival order, from the receiver's log once it holds every record (no
# JSON parsing: the crash tests and the soak read tens of thousands).
sub logged
{
	my ($self, $path) = @_;
	my $total = $self->control('GET', '/_control/count')->{count};
	my @lines;
	WebhooksTest::wait_until(
		sub {
			open my $fh, '<', "$self->{dir}/log" or return 0;
			@lines = grep { /\n\z/ } <$fh>;
			return @lines >= $total;
		},
		30) or die "receiver log has " . scalar(@lines) . " of $total records";
	my @got;
	for (@lines)
	{
		next unless /"pathname":"([^"]*)"/ && $1 eq $path;
		my ($id) = /"webhook-id":"([0-9A-Z]{26})"/;
		my ($outcome) = /"outcome":"(\w+)"/;
		push @got, [ $id // '?', $outcome // '?' ];
	}
	return \@got;
}

# ids(path): the webhook-id of every request to a path, in arrival order.
sub ids
{
	my ($self, $path) = @_;
	return [ map { $_->[0] } @{ $self->logged($path) } ];
}

sub stop
{
	my ($self) = @_;
	return unless $self->{pid};
	kill 'TERM', $self->{pid};
	WebhooksTest::wait_until(sub { !kill(0, $self->{pid}) || waitpid($self->{pid}, WNOHANG) > 0 }, 5)
	  or kill 'KILL', $self->{pid};
	waitpid($self->{pid}, WNOHANG);
	delete $self->{pid};
}

1;
