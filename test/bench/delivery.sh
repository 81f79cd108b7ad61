#!/usr/bin/env bash
# test/bench/delivery.sh: how fast the worker delivers (a benchmark, not a
# test: it prints figures and fails only when something breaks).
#
# Starts a private cluster (durable: fsync and synchronous_commit on), its
# own nginx on 127.0.0.1 answering 200 to everything (and logging receipt
# times of the latency runs), and the Node test receiver (test/receiver) as
# the endpoint that hangs.
# Every event carries 1 KB of data and every webhook signs (hmacEnabled).
# It measures (doc/decisions.md §7), each BENCH_RUNS times, reporting medians:
#   one      deliveries/s to one webhook, from the first publish to the last
#            recorded outcome, while 2 pgbench clients publish 100 events per
#            transaction ("publish+deliver"), and draining a queue filled
#            while the worker was held off ("drain"; the rate it was filled
#            at is what publishing alone manages);
#   fanout   the same with each event fanned out to 100 webhooks;
#   latency  publish commit -> receipt, p50 and p99, at 1,000 events/s;
#   hang     healthy webhooks' deliveries/s with and without one whose
#            endpoint never answers;
#   memory   (once) the worker's anonymous memory (RssAnon) with 1,000,000
#            deliveries queued, first stuck on a hanging endpoint, then
#            draining to nginx;
#   scale    (before memory: it restarts the cluster) the fan-out drain with 2
#            workers for the database, and one webhook drained in each of 2
#            databases with a worker each.
# Beside each throughput figure: the same run's ceiling, ceiling.c, a plain
# libcurl multi client posting the same body with the same headers and
# signature to the same nginx over as many connections.
# Run as root:
#     bash test/bench/delivery.sh
#     QUICK=1 SKIP_SETUP=1 bash test/bench/delivery.sh    # smaller: about a minute
# SKIP_SETUP=1 uses the installed extension as it is.  BENCH_ONLY="one hang"
# runs some scenarios only.  BENCH_RUNS, BENCH_EVENTS, BENCH_FANOUT_EVENTS,
# BENCH_LATENCY_SECONDS, BENCH_SUSTAINED_SECONDS, BENCH_HANG_EVENTS,
# BENCH_MEMORY_EVENTS change the sizes.  BENCH_PROFILE=1 adds
# pg_stat_statements (the worker's statements) and a perf profile of the
# worker draining a queue.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$BENCH_DIR/../lib/setup.sh"
source "$BENCH_DIR/../lib/cluster.sh"
source "$BENCH_DIR/lib.sh"

if [[ -n ${QUICK:-} ]]; then
	RUNS=${BENCH_RUNS:-1}
	EVENTS=${BENCH_EVENTS:-20000}
	FAN_EVENTS=${BENCH_FANOUT_EVENTS:-200}
	LAT_SECS=${BENCH_LATENCY_SECONDS:-5}
	SUST_SECS=${BENCH_SUSTAINED_SECONDS:-5}
	HANG_EVENTS=${BENCH_HANG_EVENTS:-2000}
	MEM_EVENTS=${BENCH_MEMORY_EVENTS:-100000}
	MEM_HANG_SECS=5
	MEM_DRAIN_SECS=10
else
	RUNS=${BENCH_RUNS:-3}
	EVENTS=${BENCH_EVENTS:-100000}
	FAN_EVENTS=${BENCH_FANOUT_EVENTS:-1000}
	LAT_SECS=${BENCH_LATENCY_SECONDS:-10}
	SUST_SECS=${BENCH_SUSTAINED_SECONDS:-10}
	HANG_EVENTS=${BENCH_HANG_EVENTS:-10000}
	MEM_EVENTS=${BENCH_MEMORY_EVENTS:-1000000}
	MEM_HANG_SECS=10
	MEM_DRAIN_SECS=30
fi
SCENARIOS=${BENCH_ONLY:-one fanout sustained latency hang memory scale}
CLIENTS=2				# publishing pgbench clients
BATCH=100				# events per publishing transaction
FAN_WEBHOOKS=100
FAN_BATCH=5				# events per transaction when fanning out (500 deliveries)
HANG_HEALTHY=10
HANG_BATCH=10
LAT_RATE=1000
LAT_CLIENTS=4
CONNS=8					# webhooks.max_host_connections, its default
STALL_S=15				# a run whose deliveries stop for this long is stalled

# targets from doc/decisions.md §7
TARGET_RATE=20000
# events/s offered in the sustained scenario: a twentieth over the target,
# so that a worker that keeps up records more than the target
SUST_RATE=$((TARGET_RATE * 21 / 20))
TARGET_P50_MS=2
TARGET_P99_MS=10
TARGET_RSS_MB=64
TARGET_HANG_LOSS=10

bench_setup
command -v node >/dev/null || { echo "node is needed for test/receiver" >&2; exit 1; }

WORK=$(mktemp -d /tmp/webhooks-delivery-bench.XXXXXX)
# nginx's receipt log goes to memory: a write that waits for a busy disk
# would hold up nginx, and the receipt times with it
SHM=$(mktemp -d /dev/shm/webhooks-delivery-bench.XXXXXX)
NGINX_PID=
RECEIVER_PID=
HOLD_PIDS=
WAIT_PID=
# the databases with the extension, all held off together by hold_worker
DATABASES=postgres

cleanup() {
	local pid
	for pid in $WAIT_PID $HOLD_PIDS $NGINX_PID $RECEIVER_PID; do
		if [[ -n $pid ]]; then
			kill "$pid" 2>/dev/null || true
		fi
	done
	cluster_stop
	if [[ -n ${KEEP_CLUSTER:-} ]]; then
		echo "work files kept in $WORK"
	else
		rm -rf "$WORK"
	fi
	rm -rf "$SHM"
}
trap cleanup EXIT

die() {
	echo "delivery benchmark: $*" >&2
	exit 1
}

want() {
	[[ " $SCENARIOS " == *" $1 "* ]]
}

sql() {
	psql -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"
}

# fmt NUMBER: rounded, with thousands separators (anything else as it is)
fmt() {
	if [[ $1 =~ ^-?[0-9.]+$ ]]; then
		printf '%.0f' "$1" | sed ':a; s/\B[0-9]\{3\}\>/,&/; ta'
	else
		printf '%s' "$1"
	fi
}

mb() {	# mb KB
	awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'
}

# bench_port: a free TCP port on 127.0.0.1 (outside cluster.sh's range)
bench_port() {
	free_port 28180 28380 || die "no free port"
}

new_uuid() {
	cat /proc/sys/kernel/random/uuid
}

# ---------------------------------------------------------------- the sinks

start_nginx() {
	NGINX_PORT=$(bench_port)
	mkdir -p "$WORK/nginx"
	cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	log_format receipt '\$http_webhook_id \$msec \$uri';
	client_body_temp_path $WORK/nginx/body;
	proxy_temp_path $WORK/nginx/proxy;
	fastcgi_temp_path $WORK/nginx/fastcgi;
	uwsgi_temp_path $WORK/nginx/uwsgi;
	scgi_temp_path $WORK/nginx/scgi;
	keepalive_requests 1000000;
	keepalive_timeout 600s;
	server {
		listen 127.0.0.1:$NGINX_PORT;
		location / { return 200 "ok"; }
		location /lat/ { access_log $SHM/receipt.log receipt; return 200 "ok"; }
	}
}
CONF
	/usr/sbin/nginx -p "$WORK/nginx" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" ||
		die "nginx did not start"
	for _ in $(seq 50); do
		[[ -s $WORK/nginx/nginx.pid ]] && break
		sleep 0.1
	done
	NGINX_PID=$(cat "$WORK/nginx/nginx.pid")
	[[ $(curl -s -X POST -d x "http://127.0.0.1:$NGINX_PORT/") == ok ]] ||
		die "nginx does not answer on 127.0.0.1:$NGINX_PORT"
}

start_receiver() {
	local dir="$BENCH_DIR/../receiver" line=
	webhooks_install_receiver || die "npm ci failed in test/receiver"
	node "$dir/receiver.js" --port 0 --host 127.0.0.1 --max-records 0 \
		>"$WORK/receiver.out" 2>"$WORK/receiver.err" &
	RECEIVER_PID=$!
	for _ in $(seq 100); do
		line=$(grep -m1 '"listening":true' "$WORK/receiver.out" 2>/dev/null || true)
		[[ -n $line ]] && break
		sleep 0.1
	done
	[[ -n $line ]] || { cat "$WORK/receiver.err" >&2; die "the receiver did not start"; }
	RECEIVER_PORT=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' <<<"$line")
	RECEIVER_PID=$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' <<<"$line")
}

# receiver METHOD PATH [JSON]: call the receiver's control API
receiver() {
	curl -s -f -X "$1" -H 'Content-Type: application/json' ${3:+-d "$3"} \
		"http://127.0.0.1:$RECEIVER_PORT/_control/$2" >/dev/null ||
		die "receiver control call $1 $2 failed"
}

# ---------------------------------------------------------------- the worker

worker_pid() {
	sql "SELECT worker_pid FROM webhooks._worker_state()"
}

# worker_cpu: CPU seconds the worker has used
worker_cpu() {
	local f
	read -r -a f <"/proc/$WORKER_PID/stat"
	awk -v t=$((f[13] + f[14])) -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }'
}

# rss_anon_kb: the worker's anonymous resident memory (shared buffers are
# shared memory, not in it)
rss_anon_kb() {
	local k v rest
	while read -r k v rest; do
		if [[ $k == RssAnon: ]]; then
			echo "$v"
			return
		fi
	done <"/proc/$WORKER_PID/status"
	echo 0
}

# rss_watch SECONDS: sample RssAnon every 0.2 s for SECONDS; sets RSS_MAX_KB
rss_watch() {
	local end=$((${EPOCHREALTIME/./} + $1 * 1000000)) kb
	RSS_MAX_KB=0
	while ((${EPOCHREALTIME/./} < end)); do
		kb=$(rss_anon_kb)
		((kb > RSS_MAX_KB)) && RSS_MAX_KB=$kb
		sleep 0.2
	done
}

# hold_worker: keep the worker from claiming until release_worker (it steps
# aside while it cannot lock the tables it records in).  Call it only when
# nothing is in flight: the worker forgets what it holds when it steps aside.
hold_worker() {
	local db
	for db in $DATABASES; do
		PGAPPNAME=bench_hold psql -X -q -d "$db" -c "BEGIN" \
			-c "LOCK TABLE webhooks._attempt IN SHARE MODE" \
			-c "SELECT pg_sleep(86400)" >/dev/null 2>&1 &
		HOLD_PIDS+=" $!"
	done
	for _ in $(seq 100); do
		[[ $(sql "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
			WHERE a.application_name = 'bench_hold' AND l.granted
			  AND l.locktype = 'relation' AND l.mode = 'ShareLock'") == $(wc -w <<<"$DATABASES") ]] && return
		sleep 0.1
	done
	die "could not hold the worker off"
}

# release_worker: end the hold and wake the worker (any publish sets its
# latch at commit: this one is for a tenant without webhooks); sets
# RELEASED_AT to the time (epoch seconds) just before the hold ended
release_worker() {
	local out db pid
	out=$(psql -X -q -A -t -v ON_ERROR_STOP=1 \
		-c "SELECT extract(epoch FROM clock_timestamp())" \
		-c "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity
			WHERE application_name = 'bench_hold'" \
		-c "SELECT webhooks.publish_event(gen_random_uuid(), 'policy.quote.issue', '{}')")
	RELEASED_AT=${out%%$'\n'*}
	for db in $DATABASES; do
		[[ $db == "$PGDATABASE" ]] ||
			psql -X -q -d "$db" -c "SELECT webhooks.publish_event(gen_random_uuid(), 'policy.quote.issue', '{}')" >/dev/null
	done
	for pid in $HOLD_PIDS; do
		wait "$pid" 2>/dev/null || true
	done
	HOLD_PIDS=
}

# start_wait TENANT N: wait in the background until the worker has recorded
# N delivered outcomes for TENANT.  finish_wait sets WAIT_END to when (epoch
# seconds); when they stopped coming for STALL_S seconds it returns 1 and
# sets WAIT_ERROR.
start_wait() {
	psql -X -q -A -t -v ON_ERROR_STOP=1 -c "CALL bench_wait('$1', $2, $STALL_S)" \
		>"$WORK/wait.out" 2>&1 &
	WAIT_PID=$!
}

finish_wait() {
	local rc=0
	wait "$WAIT_PID" || rc=$?
	WAIT_PID=
	if ((rc != 0)); then
		WAIT_ERROR=$(sed -n 's/^ERROR: *//p' "$WORK/wait.out")
		[[ -n $WAIT_ERROR ]] || { cat "$WORK/wait.out" >&2; die "waiting failed"; }
		return 1
	fi
	WAIT_END=$(cat "$WORK/wait.out")
}

# pgbench_publish TENANT BATCH PGBENCH_OPTIONS...: CLIENTS pgbench clients
# running delivery_publish.sql (BATCH events per transaction) for TENANT;
# dies when pgbench fails or a transaction did; sets PGBENCH_OUT
pgbench_publish() {
	local tenant=$1 batch=$2
	shift 2
	if ! PGBENCH_OUT=$("$PGBENCH" -n -M prepared -c "$CLIENTS" -j "$CLIENTS" "$@" \
		-D tenant="$tenant" -D batch="$batch" -f "$BENCH_DIR/delivery_publish.sql" 2>&1) ||
		grep -q -E '^number of failed transactions: [1-9]' <<<"$PGBENCH_OUT"; then
		echo "$PGBENCH_OUT" >&2
		die "publishing failed"
	fi
}

# publish TENANT EVENTS BATCH: publish with CLIENTS pgbench clients, BATCH
# events per transaction; sets PUB_RATE (events/s)
publish() {
	local tenant=$1 events=$2 batch=$3 per_client tps
	per_client=$((events / batch / CLIENTS))
	((per_client * batch * CLIENTS == events)) ||
		die "$events events do not split into $CLIENTS clients x batches of $batch"
	pgbench_publish "$tenant" "$batch" -t "$per_client"
	tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$PGBENCH_OUT")
	PUB_RATE=$(awk -v t="$tps" -v b="$batch" 'BEGIN { printf "%.0f", t * b }')
}

# check_delivered TENANT COUNT: every delivery of the tenant succeeded once
check_delivered() {
	local got
	got=$(sql "SELECT count(*) FILTER (WHERE outcome = 'delivered') || ' ' ||
				count(*) FILTER (WHERE outcome <> 'delivered')
			FROM webhooks._attempt WHERE tenant_locator = '$1'")
	[[ $got == "$2 0" ]] ||
		die "tenant $1: expected $2 delivered and 0 other attempts, got $got"
}

# measure MODE TENANT EVENTS BATCH DELIVERIES: publish EVENTS for TENANT and
# time its DELIVERIES.  MODE "live" publishes while the worker delivers
# (from the first event's creation to the last recorded outcome); "drain"
# fills the queue first (from the release of the worker to the last
# outcome).  Sets RATE (deliveries/s), PUB_RATE and CORES (the worker's CPU
# over the interval); returns 1, with WAIT_ERROR set, when deliveries
# stalled.
measure() {
	local mode=$1 tenant=$2 events=$3 batch=$4 deliveries=$5 start end cpu0 cpu1
	WORKER_PID=$(worker_pid)
	sql "CHECKPOINT"
	if [[ $mode == drain ]]; then
		hold_worker
		publish "$tenant" "$events" "$batch"
		start_wait "$tenant" "$deliveries"
		cpu0=$(worker_cpu)
		release_worker
		start=$RELEASED_AT
	else
		start_wait "$tenant" "$deliveries"
		cpu0=$(worker_cpu)
		publish "$tenant" "$events" "$batch"
		start=$(sql "SELECT extract(epoch FROM min(webhooks.ulid_time(locator)))
				FROM webhooks._event WHERE tenant_locator = '$tenant'")
	fi
	finish_wait || return 1
	end=$WAIT_END
	cpu1=$(worker_cpu)
	check_delivered "$tenant" "$deliveries"
	RATE=$(awk -v n="$deliveries" -v s="$start" -v e="$end" 'BEGIN { printf "%.0f", n / (e - s) }')
	CORES=$(awk -v a="$cpu0" -v b="$cpu1" -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", (b - a) / (e - s) }')
}

# workers_cpu: CPU seconds the workers in WORKER_PIDS have used together
workers_cpu() {
	local pid f total=0
	for pid in $WORKER_PIDS; do
		read -r -a f <"/proc/$pid/stat"
		total=$((total + f[13] + f[14]))
	done
	awk -v t=$total -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }'
}

# drain_across "TENANT..." EVENTS BATCH DELIVERIES: the drain of measure,
# in every database of DATABASES at once, TENANT by TENANT (one per
# database, in order), each with DELIVERIES to make: from the release to
# the last outcome recorded in any of them.  Sets RATE (all deliveries/s)
# and CORES (every worker's CPU together); returns 1 with WAIT_ERROR set
# when one stalled.
drain_across() {
	local tenants=($1) events=$2 batch=$3 deliveries=$4 dbs=($DATABASES)
	local i waits=() cpu0 cpu1 start end=0 e
	sql "CHECKPOINT"
	hold_worker
	for i in "${!dbs[@]}"; do
		PGDATABASE=${dbs[i]} publish "${tenants[i]}" "$events" "$batch"
	done
	for i in "${!dbs[@]}"; do
		psql -X -q -A -t -v ON_ERROR_STOP=1 -d "${dbs[i]}" \
			-c "CALL bench_wait('${tenants[i]}', $deliveries, $STALL_S)" >"$WORK/wait.$i" 2>&1 &
		waits+=($!)
	done
	WORKER_PIDS=$(sql "SELECT string_agg(pid::text, ' ') FROM webhooks.workers")
	cpu0=$(workers_cpu)
	release_worker
	start=$RELEASED_AT
	for i in "${!waits[@]}"; do
		if ! wait "${waits[i]}"; then
			WAIT_ERROR="${dbs[i]}: $(sed -n 's/^ERROR: *//p' "$WORK/wait.$i")"
			return 1
		fi
		e=$(cat "$WORK/wait.$i")
		end=$(awk -v a="$end" -v b="$e" 'BEGIN { print (b > a ? b : a) }')
	done
	cpu1=$(workers_cpu)
	for i in "${!dbs[@]}"; do
		PGDATABASE=${dbs[i]} check_delivered "${tenants[i]}" "$deliveries"
	done
	RATE=$(awk -v n=$((deliveries * ${#dbs[@]})) -v s="$start" -v e="$end" 'BEGIN { printf "%.0f", n / (e - s) }')
	CORES=$(awk -v a="$cpu0" -v b="$cpu1" -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", (b - a) / (e - s) }')
}

# restart_with SETTINGS: the cluster restarted with SETTINGS added to its
# configuration (later lines win)
restart_with() {
	printf '%s\n' "$1" >>"$CLUSTER_DIR/data/postgresql.conf"
	as_postgres "$PG_BIN/pg_ctl" -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/server.log" \
		-w -m fast restart >/dev/null || die "the cluster did not restart"
	for _ in $(seq 100); do
		[[ $(sql "SELECT count(*) FILTER (WHERE pid IS NOT NULL) = count(*) AND count(*) > 0
			FROM webhooks.workers") == t ]] && return
		sleep 0.1
	done
	die "the delivery workers did not start after the restart"
}

# ceiling PATH N: the plain libcurl client's requests/s to nginx; sets CEIL
ceiling() {
	local out
	out=$("$WORK/ceiling" -u "http://127.0.0.1:$NGINX_PORT$1" -b "$WORK/body.json" \
		-s "$SECRET" -n "$2" -c "$CONNS") || die "the ceiling client failed: $out"
	CEIL=$(sed -n 's/.*: \([0-9]*\) requests\/s.*/\1/p' <<<"$out")
	CEIL_CORES=$(sed -n 's/.* \([0-9.]*\) cores:.*/\1/p' <<<"$out")
}

# throughput NAME WEBHOOKS EVENTS BATCH: the "one" and "fanout" scenarios;
# sets LIVE, DRAIN, CEILING (medians) and STALLED (runs that stalled)
throughput() {
	local name=$1 webhooks=$2 events=$3 batch=$4 deliveries r mode t
	local live_all=() drain_all=() ceil_all=()
	deliveries=$((events * webhooks))
	STALLED=0
	for ((r = 1; r <= RUNS; r++)); do
		ceiling "/$name" "$deliveries"
		ceil_all+=("$CEIL")
		printf '  run %d  ceiling %7s/s (%s cores)' "$r" "$(fmt "$CEIL")" "$CEIL_CORES"
		for mode in live drain; do
			t=$(new_uuid)
			sql "SELECT count(bench_webhook('$t', '$name ' || i,
					'http://127.0.0.1:$NGINX_PORT/$name/$mode$r/' || i, '$SECRET'))
				FROM generate_series(1, $webhooks) AS i" >/dev/null
			if ! measure "$mode" "$t" "$events" "$batch" "$deliveries"; then
				STALLED=$((STALLED + 1))
				printf ' | %s STALLED\n      (%s)\n       ' "$mode" "$WAIT_ERROR"
				continue
			fi
			if [[ $mode == live ]]; then
				live_all+=("$RATE")
				printf ' | publish+deliver %7s/s (publishing %s events/s, worker %s cores)' \
					"$(fmt "$RATE")" "$(fmt "$PUB_RATE")" "$CORES"
			else
				drain_all+=("$RATE")
				printf ' | drain %7s/s (worker %s cores; the queue filled at %s events/s)' \
					"$(fmt "$RATE")" "$CORES" "$(fmt "$PUB_RATE")"
			fi
		done
		echo
	done
	LIVE=$(median_of "${live_all[@]}")
	DRAIN=$(median_of "${drain_all[@]}")
	CEILING=$(median_of "${ceil_all[@]}")
}

# ---------------------------------------------------------------- scenarios

scenario_one() {
	echo
	echo "== 1 webhook: $(fmt "$EVENTS") events, $CLIENTS pgbench clients x $BATCH events per transaction"
	throughput one 1 "$EVENTS" "$BATCH"
	ONE_LIVE=$LIVE ONE_DRAIN=$DRAIN ONE_CEIL=$CEILING ONE_STALLED=$STALLED
}

scenario_fanout() {
	echo
	echo "== fan-out: $(fmt "$FAN_EVENTS") events to $FAN_WEBHOOKS webhooks ($(fmt $((FAN_EVENTS * FAN_WEBHOOKS))) deliveries), $CLIENTS clients x $FAN_BATCH events per transaction"
	throughput fan "$FAN_WEBHOOKS" "$FAN_EVENTS" "$FAN_BATCH"
	FAN_LIVE=$LIVE FAN_DRAIN=$DRAIN FAN_CEIL=$CEILING FAN_STALLED=$STALLED
}

# scenario_scale: how throughput scales on this machine, beside the ceiling
# of the same runs: the fan-out drain with 2 workers for the database
# (webhooks.workers_per_database = 2: each worker serves the webhooks whose
# locator hashes to its partition), and the drain of one webhook in each
# of 2 databases with a worker each.  The cluster is restarted for each.
scenario_scale() {
	local r t t2 n split ceil_all=() w2_all=() db2_all=()
	echo
	echo "== scaling: 2 workers for one database, and 2 databases with one worker each (drains)"
	restart_with "webhooks.workers_per_database = 2"
	n=$((FAN_EVENTS * FAN_WEBHOOKS))
	for ((r = 1; r <= RUNS; r++)); do
		ceiling "/scale" "$n"
		ceil_all+=("$CEIL")
		t=$(new_uuid)
		sql "SELECT count(bench_webhook('$t', 'w2 ' || i,
				'http://127.0.0.1:$NGINX_PORT/w2/$r/' || i, '$SECRET'))
			FROM generate_series(1, $FAN_WEBHOOKS) AS i" >/dev/null
		split=$(sql "SELECT string_agg(c::text, '/' ORDER BY p) FROM (
				SELECT (webhooks.ulid_hash(locator) & 2147483647) % 2 AS p, count(*) AS c
				FROM webhooks._webhook WHERE tenant_locator = '$t' GROUP BY 1) x")
		printf '  run %d  ceiling %7s/s (%s cores)' "$r" "$(fmt "$CEIL")" "$CEIL_CORES"
		if drain_across "$t" "$FAN_EVENTS" "$FAN_BATCH" "$n"; then
			w2_all+=("$RATE")
			printf ' | 2 workers, %s webhooks (%s per partition): drain %7s/s (workers %s cores)\n' \
				"$FAN_WEBHOOKS" "$split" "$(fmt "$RATE")" "$CORES"
		else
			printf ' | 2 workers STALLED (%s)\n' "$WAIT_ERROR"
		fi
	done
	restart_with "webhooks.workers_per_database = 1
webhooks.database = ''"
	psql -X -q -c "CREATE DATABASE bench2" >/dev/null
	PGDATABASE=bench2 psql -X -q -v ON_ERROR_STOP=1 -f "$BENCH_DIR/delivery_setup.sql" >/dev/null
	DATABASES="postgres bench2"
	for _ in $(seq 100); do
		[[ $(sql "SELECT count(*) FROM webhooks.workers WHERE pid IS NOT NULL") == 2 ]] && break
		sleep 0.1
	done
	for ((r = 1; r <= RUNS; r++)); do
		ceiling "/scale2" "$EVENTS"
		ceil_all+=("$CEIL")
		t=$(new_uuid)
		t2=$(new_uuid)
		sql "SELECT bench_webhook('$t', 'db1', 'http://127.0.0.1:$NGINX_PORT/db1/$r', '$SECRET')" >/dev/null
		PGDATABASE=bench2 sql "SELECT bench_webhook('$t2', 'db2', 'http://127.0.0.1:$NGINX_PORT/db2/$r', '$SECRET')" >/dev/null
		printf '  run %d  ceiling %7s/s (%s cores)' "$r" "$(fmt "$CEIL")" "$CEIL_CORES"
		if drain_across "$t $t2" $((EVENTS / 2)) "$BATCH" $((EVENTS / 2)); then
			db2_all+=("$RATE")
			printf ' | 2 databases, 1 webhook each: drain %7s/s (workers %s cores)\n' \
				"$(fmt "$RATE")" "$CORES"
		else
			printf ' | 2 databases STALLED (%s)\n' "$WAIT_ERROR"
		fi
	done
	DATABASES=postgres
	SCALE_W2=$(median_of "${w2_all[@]}")
	SCALE_DB2=$(median_of "${db2_all[@]}")
	SCALE_CEIL=$(median_of "${ceil_all[@]}")
}

scenario_latency() {
	local r t path out tps sent n p50 p99 pmax c50 c99 cmax a50 a99 amax at
	local p50_all=() p99_all=()
	echo
	echo "== latency: $LAT_RATE events/s for $LAT_SECS s (pgbench --rate, $LAT_CLIENTS clients, one event per durable transaction)"
	echo "   publish = clock_timestamp() right after COMMIT returned; receipt = nginx's \$msec (+ 0.5 ms: it is cut to the millisecond)"
	echo "   claimed = the attempt's attempted_at (the worker has claimed it and builds the request);"
	echo "   answered = attempted_at + duration_ms (the worker has nginx's answer); at = when the slowest was published, s into the run"
	LAT_STALLED=0
	for ((r = 1; r <= RUNS; r++)); do
		t=$(new_uuid)
		path="/lat/$r"
		sql "SELECT bench_webhook('$t', 'latency', 'http://127.0.0.1:$NGINX_PORT$path', '$SECRET')" >/dev/null
		sql "TRUNCATE bench_sent, bench_receipt"
		sql "CHECKPOINT"
		if ! out=$("$PGBENCH" -n -M prepared -c "$LAT_CLIENTS" -j 2 -R "$LAT_RATE" -T "$LAT_SECS" \
			-D tenant="$t" -f "$BENCH_DIR/delivery_latency.sql" 2>&1); then
			echo "$out" >&2
			die "publishing failed"
		fi
		tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out")
		sent=$(sql "SELECT count(*) FROM bench_sent")
		start_wait "$t" "$sent"
		if ! finish_wait; then
			LAT_STALLED=$((LAT_STALLED + 1))
			printf '  run %d  STALLED (%s)\n' "$r" "$WAIT_ERROR"
			continue
		fi
		# nginx logs a request once it has answered it: wait for the last ones
		for _ in $(seq 100); do
			(($(grep -c -F " $path" "$SHM/receipt.log" || true) >= sent)) && break
			sleep 0.1
		done
		sql "\\copy bench_receipt (locator, arrived_s, uri) FROM '$SHM/receipt.log' WITH (DELIMITER ' ')"
		IFS='|' read -r n p50 p99 pmax c50 c99 cmax a50 a99 amax at < <(sql "
			WITH x AS (
				SELECT (r.arrived_s - extract(epoch FROM s.committed_at)) * 1000 + 0.5 AS ms,
					s.committed_at
				FROM bench_sent s JOIN bench_receipt r USING (locator)
				WHERE r.uri = '$path'
			), c AS (
				SELECT extract(epoch FROM a.attempted_at - s.committed_at) * 1000 AS ms,
					extract(epoch FROM a.attempted_at - s.committed_at) * 1000
						+ a.duration_ms AS answered_ms
				FROM webhooks._attempt a JOIN bench_sent s ON a.event_locator::text = s.locator
				WHERE a.tenant_locator = '$t'
			)
			SELECT count(*),
				round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2),
				round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 2),
				round(max(ms)::numeric, 2),
				(SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2) FROM c),
				(SELECT round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 2) FROM c),
				(SELECT round(max(ms)::numeric, 2) FROM c),
				(SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY answered_ms)::numeric, 2) FROM c),
				(SELECT round(percentile_cont(0.99) WITHIN GROUP (ORDER BY answered_ms)::numeric, 2) FROM c),
				(SELECT round(max(answered_ms)::numeric, 2) FROM c),
				(SELECT round(extract(epoch FROM max(x1.committed_at) - (SELECT min(committed_at) FROM x))::numeric, 1)
				 FROM x x1 WHERE x1.ms = (SELECT max(ms) FROM x))
			FROM x")
		((n == sent)) || die "latency run: $sent events published, $n received"
		p50_all+=("$p50")
		p99_all+=("$p99")
		printf '  run %d  %s events at %.0f/s: receipt p50 %s ms, p99 %s ms, max %s ms at %s s (claimed p50 %s, p99 %s, max %s; answered p50 %s, p99 %s, max %s)\n' \
			"$r" "$(fmt "$sent")" "$tps" "$p50" "$p99" "$pmax" "$at" "$c50" "$c99" "$cmax" "$a50" "$a99" "$amax"
	done
	LAT_P50=$(median_of "${p50_all[@]}")
	LAT_P99=$(median_of "${p99_all[@]}")
}

# scenario_sustained: publishing to one webhook at a fixed rate, the
# target's (pgbench --rate, CLIENTS clients x BATCH events per durable
# transaction), while the worker delivers.  The publish+deliver figure of
# scenario_one publishes as fast as the clients can, and they then take
# most of the cores the worker would use; this asks whether one worker
# keeps up with a rate a little over the target.  Reports the rate
# published (pgbench's arrivals follow a Poisson schedule: it varies by a
# few percent), the outcomes recorded per second over the steady part of
# the run (from 2 s in to 1 s before the last publish), which is the
# figure compared with the target, and how long after the last publish
# the last outcome was recorded (the backlog it built up).
scenario_sustained() {
	local r t n first last end steady lag pub cpu0 cpu1 cores
	local steady_all=() lag_all=() pub_all=()
	echo
	echo "== sustained: $(fmt "$SUST_RATE") events/s offered to 1 webhook for $SUST_SECS s (pgbench --rate, $CLIENTS clients x $BATCH events per durable transaction), delivered meanwhile"
	SUST_STALLED=0
	for ((r = 1; r <= RUNS; r++)); do
		t=$(new_uuid)
		sql "SELECT bench_webhook('$t', 'sustained', 'http://127.0.0.1:$NGINX_PORT/sustained/$r', '$SECRET')" >/dev/null
		sql "CHECKPOINT"
		WORKER_PID=$(worker_pid)
		cpu0=$(worker_cpu)
		pgbench_publish "$t" "$BATCH" -R $((SUST_RATE / BATCH)) -T "$SUST_SECS"
		n=$(sql "SELECT count(*) FROM webhooks._event WHERE tenant_locator = '$t'")
		start_wait "$t" "$n"
		if ! finish_wait; then
			SUST_STALLED=$((SUST_STALLED + 1))
			printf '  run %d  STALLED (%s)\n' "$r" "$WAIT_ERROR"
			continue
		fi
		end=$WAIT_END
		cpu1=$(worker_cpu)
		check_delivered "$t" "$n"
		IFS='|' read -r first last steady < <(sql "
			WITH p AS (
				SELECT extract(epoch FROM min(webhooks.ulid_time(locator))) AS first,
					extract(epoch FROM max(webhooks.ulid_time(locator))) AS last
				FROM webhooks._event WHERE tenant_locator = '$t'
			)
			SELECT p.first, p.last,
				(SELECT count(*) FROM webhooks._attempt a
				 WHERE a.tenant_locator = '$t'
				   AND extract(epoch FROM a.attempted_at) BETWEEN p.first + 2 AND p.last - 1)
					/ greatest(p.last - 1 - (p.first + 2), 0.001)
			FROM p")
		pub=$(awk -v n="$n" -v a="$first" -v b="$last" 'BEGIN { printf "%.0f", n / (b - a) }')
		steady=$(awk -v x="$steady" 'BEGIN { printf "%.0f", x }')
		lag=$(awk -v e="$end" -v l="$last" 'BEGIN { printf "%.2f", e - l }')
		cores=$(awk -v a="$cpu0" -v b="$cpu1" -v s="$first" -v e="$end" 'BEGIN { printf "%.2f", (b - a) / (e - s) }')
		pub_all+=("$pub")
		steady_all+=("$steady")
		lag_all+=("$lag")
		printf '  run %d  %s events published at %7s/s | recorded %7s/s in the steady part | last outcome %s s after the last publish (worker %s cores)\n' \
			"$r" "$(fmt "$n")" "$(fmt "$pub")" "$(fmt "$steady")" "$lag" "$cores"
	done
	SUST_PUB=$(median_of "${pub_all[@]}")
	SUST_STEADY=$(median_of "${steady_all[@]}")
	SUST_LAG=$(median_of "${lag_all[@]}")
}

scenario_hang() {
	local r mode t hang start prev now hung deliveries=$((HANG_EVENTS * HANG_HEALTHY))
	local without_all=() with_all=() ceil_all=()
	echo
	echo "== one endpoint hangs: $HANG_HEALTHY healthy webhooks (nginx) and one whose endpoint never answers (the receiver, another port), all on every event"
	echo "   $(fmt "$HANG_EVENTS") events published while delivering; healthy deliveries/s with the hanging webhook disabled, then enabled"
	HANG_STALLED=0
	for ((r = 1; r <= RUNS; r++)); do
		ceiling /healthy "$deliveries"
		ceil_all+=("$CEIL")
		printf '  run %d  ceiling %7s/s' "$r" "$(fmt "$CEIL")"
		for mode in without with; do
			t=$(new_uuid)
			receiver POST behaviour "{\"path\": \"/hang/$r/*\", \"hangForever\": true}"
			sql "SELECT count(bench_webhook('$t', 'healthy ' || i,
					'http://127.0.0.1:$NGINX_PORT/healthy/$mode$r/' || i, '$SECRET'))
				FROM generate_series(1, $HANG_HEALTHY) AS i" >/dev/null
			hang=$(sql "SELECT bench_webhook('$t', 'hanging', 'http://127.0.0.1:$RECEIVER_PORT/hang/$r/$mode',
					'$SECRET', enabled => $([[ $mode == with ]] && echo true || echo false))")
			# as measure does: not a checkpoint that comes due during the run
			sql "CHECKPOINT"
			start_wait "$t" "$deliveries"
			publish "$t" "$HANG_EVENTS" "$HANG_BATCH"
			start=$(sql "SELECT extract(epoch FROM min(webhooks.ulid_time(locator)))
					FROM webhooks._event WHERE tenant_locator = '$t'")
			if finish_wait; then
				RATE=$(awk -v n="$deliveries" -v s="$start" -v e="$WAIT_END" 'BEGIN { printf "%.0f", n / (e - s) }')
				if [[ $mode == without ]]; then
					without_all+=("$RATE")
				else
					with_all+=("$RATE")
				fi
				printf ' | %s %7s/s' "$mode" "$(fmt "$RATE")"
			else
				HANG_STALLED=$((HANG_STALLED + 1))
				printf ' | %s STALLED (%s)' "$mode" "$WAIT_ERROR"
			fi
			if [[ $mode == with ]]; then
				hung=$(sql "SELECT count(*) FROM webhooks._delivery
					WHERE tenant_locator = '$t' AND webhook_locator::text = '$hang'")
				printf ' (the hanging one: %s deliveries still queued or in flight)\n' "$(fmt "$hung")"
				# let the hanging requests go, so that the next run starts clean
				sql "SELECT webhooks.delete_webhook('$t', '$hang')" >/dev/null
				receiver DELETE "behaviour?path=/hang/$r/*"
				receiver POST release
				prev=-1
				for _ in $(seq 100); do
					now=$(sql "SELECT attempts FROM webhooks._worker_state()")
					[[ $now == "$prev" ]] && break
					prev=$now
					sleep 0.5
				done
			fi
		done
	done
	HANG_WITHOUT=$(median_of "${without_all[@]}")
	HANG_WITH=$(median_of "${with_all[@]}")
	HANG_CEIL=$(median_of "${ceil_all[@]}")
	HANG_LOSS=$(awk -v a="$HANG_WITHOUT" -v b="$HANG_WITH" 'BEGIN {
		if (a + 0 > 0 && b + 0 > 0) printf "%.1f", (a - b) * 100 / a; else print "n/a" }')
}

scenario_memory() {
	local t w start queued idle d0 d1
	echo
	echo "== worker memory: $(fmt "$MEM_EVENTS") deliveries queued for one webhook whose endpoint hangs (webhooks.timeout 600 s)"
	WORKER_PID=$(worker_pid)
	sql "ALTER SYSTEM SET webhooks.timeout = '600s'" >/dev/null
	sql "SELECT pg_reload_conf()" >/dev/null
	receiver POST behaviour '{"path": "/hang/memory", "hangForever": true}'
	t=$(new_uuid)
	w=$(sql "SELECT bench_webhook('$t', 'memory', 'http://127.0.0.1:$RECEIVER_PORT/hang/memory', '$SECRET')")
	sql "CHECKPOINT"
	hold_worker
	start=$EPOCHREALTIME
	publish "$t" "$MEM_EVENTS" 1000
	queued=$(sql "SELECT count(*) FROM webhooks._delivery WHERE tenant_locator = '$t'")
	idle=$(rss_anon_kb)
	printf '  queued %s deliveries in %.0f s (%s events/s); worker RssAnon at its start %s MB, idle now %s MB\n' \
		"$(fmt "$queued")" "$(awk -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN { print e - s }')" \
		"$(fmt "$PUB_RATE")" "$(mb "$RSS_START_KB")" "$(mb "$idle")"
	release_worker
	rss_watch "$MEM_HANG_SECS"
	RSS_HANG_KB=$RSS_MAX_KB
	printf '  endpoint hanging, %d s: max RssAnon %s MB, %s delivered\n' "$MEM_HANG_SECS" \
		"$(mb "$RSS_HANG_KB")" "$(sql "SELECT bench_delivered('$t')")"
	# now let it work through the queue: to nginx from here on, and the
	# requests held at the receiver answered
	sql "SELECT webhooks.update_webhook('$t', '$w',
		'{\"endpoint\": {\"url\": \"http://127.0.0.1:$NGINX_PORT/memory\"}}')" >/dev/null
	receiver DELETE "behaviour?path=/hang/memory"
	receiver POST release
	d0=$(sql "SELECT bench_delivered('$t')")
	rss_watch "$MEM_DRAIN_SECS"
	RSS_DRAIN_KB=$RSS_MAX_KB
	d1=$(sql "SELECT bench_delivered('$t')")
	printf '  draining to nginx, %d s: max RssAnon %s MB, %s delivered (%s/s)\n' "$MEM_DRAIN_SECS" \
		"$(mb "$RSS_DRAIN_KB")" "$(fmt $((d1 - d0)))" "$(fmt $(((d1 - d0) / MEM_DRAIN_SECS)))"
	RSS_MAX_MB=$(awk -v a="$RSS_HANG_KB" -v b="$RSS_DRAIN_KB" 'BEGIN { printf "%.1f", (a > b ? a : b) / 1024 }')
	sql "ALTER SYSTEM RESET webhooks.timeout" >/dev/null
	sql "SELECT pg_reload_conf()" >/dev/null
}

profile() {
	local PERF_OUT=${PERF_DATA:-$WORK/perf.data}
	local t
	echo
	echo "== the worker's statements so far (pg_stat_statements, track = all)"
	psql -X -P pager=off -c "
		SELECT calls, round(total_exec_time) AS total_ms,
			round(mean_exec_time::numeric, 3) AS mean_ms, rows,
			left(regexp_replace(query, '\s+', ' ', 'g'), 70) AS query
		FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 12"
	command -v perf >/dev/null || return 0
	echo "== perf: 3 s of the worker draining $(fmt "$EVENTS") deliveries to one webhook"
	WORKER_PID=$(worker_pid)
	t=$(new_uuid)
	sql "SELECT bench_webhook('$t', 'profile', 'http://127.0.0.1:$NGINX_PORT/profile', '$SECRET')" >/dev/null
	hold_worker
	publish "$t" "$EVENTS" "$BATCH"
	start_wait "$t" "$EVENTS"
	release_worker
	perf record -q --call-graph dwarf,32768 -F 499 -p "$WORKER_PID" -o "$PERF_OUT" -- sleep 3 >/dev/null 2>&1 || true
	finish_wait || echo "  (stalled: $WAIT_ERROR)"
	perf report -i "$PERF_OUT" --no-children --sort dso,symbol --stdio -g none 2>/dev/null |
		grep '%' | head -25 || true
	echo "== perf: the same samples by library"
	perf report -i "$PERF_OUT" --no-children --sort dso --stdio -g none 2>/dev/null |
		grep '%' | head -12 || true
	echo "== perf: the same samples by phase of the worker (inclusive)"
	perf report -i "$PERF_OUT" --children --sort symbol --stdio -g none 2>/dev/null |
		grep -E '\] (wh_batch_run|claim|record_judged|move_cursor|count_queue|send_claimed|take_finished|wh_http_drive|wh_http_start|curl_multi_socket_action|HMAC|CommitTransactionCommand|XLogFlush|WaitEventSetWait|SPI_execute_plan|wh_delivery_[a-z_]+|wh_request_[a-z_]+|wh_sign[a-z_]*)$' || true
}

# ---------------------------------------------------------------- start

export LC_NUMERIC=C.UTF-8
CLK_TCK=$(getconf CLK_TCK)
SECRET="whsec_$(openssl rand -base64 24)"
cc -O2 -Wall -o "$WORK/ceiling" "$BENCH_DIR/ceiling.c" -lcurl -lcrypto ||
	die "could not build ceiling.c"

start_nginx
start_receiver

BENCH_CONF="shared_buffers = 512MB
max_wal_size = 4GB"
if [[ -n ${BENCH_PROFILE:-} ]]; then
	BENCH_CONF+="
shared_preload_libraries = 'webhooks, pg_stat_statements'
pg_stat_statements.track = all"
fi
CLUSTER_EXTRA_CONF="$BENCH_CONF
${CLUSTER_EXTRA_CONF:-}" cluster_start

psql -X -q -v ON_ERROR_STOP=1 -f "$BENCH_DIR/delivery_setup.sql" >/dev/null
if [[ -n ${BENCH_PROFILE:-} ]]; then
	sql "CREATE EXTENSION pg_stat_statements"
fi
for _ in $(seq 100); do
	WORKER_PID=$(worker_pid)
	[[ -n $WORKER_PID && $WORKER_PID != 0 ]] && break
	sleep 0.1
done
[[ -n $WORKER_PID && $WORKER_PID != 0 ]] || die "the delivery worker is not running"
RSS_START_KB=$(rss_anon_kb)

# the body every request carries: a published event's payload
t=$(new_uuid)
sql "SELECT webhooks.publish_event('$t', 'policy.quote.issue', data) FROM bench_data" >/dev/null
sql "SELECT payload FROM webhooks._event WHERE tenant_locator = '$t'" >"$WORK/body.json"
BODY_BYTES=$(($(wc -c <"$WORK/body.json") - 1))

echo "== webhooks delivery benchmark: $(nproc) CPUs, $RUNS run(s) of each figure, medians; scenarios: $SCENARIOS"
echo "   PostgreSQL $(sql 'SHOW server_version'), cluster $CLUSTER_DIR"
echo "   fsync $(sql 'SHOW fsync'), synchronous_commit $(sql 'SHOW synchronous_commit'), shared_buffers $(sql 'SHOW shared_buffers'), max_wal_size $(sql 'SHOW max_wal_size')"
echo "   worker pid $WORKER_PID: batch_size $(sql 'SHOW webhooks.batch_size'), max_inflight $(sql 'SHOW webhooks.max_inflight'), max_host_connections $(sql 'SHOW webhooks.max_host_connections')"
echo "   sink: nginx $(/usr/sbin/nginx -v 2>&1 | sed 's/.*\///') on 127.0.0.1:$NGINX_PORT (1 worker process, 200 \"ok\"); receiver on 127.0.0.1:$RECEIVER_PORT"
echo "   events: 1,024-byte data, $BODY_BYTES-byte body, signed (hmacEnabled, whsec_ secret)"

# rss_note: the worker's RssAnon now, after a scenario
rss_note() {
	WORKER_PID=$(worker_pid)
	echo "  (worker RssAnon now $(mb "$(rss_anon_kb)") MB)"
}

if want one; then scenario_one; rss_note; fi
if want fanout; then scenario_fanout; rss_note; fi
if want sustained; then scenario_sustained; rss_note; fi
if want latency; then scenario_latency; rss_note; fi
if want hang; then scenario_hang; rss_note; fi
if [[ -n ${BENCH_PROFILE:-} ]]; then profile; fi
# it restarts the cluster with other settings; before memory, whose
# million deliveries are not all drained when it ends
if want scale; then scenario_scale; fi
if want memory; then scenario_memory; fi

# ---------------------------------------------------------------- summary

row() {	# row NAME VALUE TARGET CEILING VERDICT
	printf '  %-44s %14s  %-13s %-11s %s\n' "$@"
}
stalled() {	# stalled COUNT: a note for the summary
	(($1 == 0)) || printf '  (%d run(s) stalled, left out)' "$1"
}
echo
echo "== summary: medians of $RUNS run(s); ceiling = plain libcurl multi client, same body, headers and signature, same nginx, $CONNS connections, same runs"
row "figure" "measured" "target" "ceiling" ""
if want one; then
	row "1 webhook, publish+deliver" "$(fmt "$ONE_LIVE")/s" ">= $(fmt $TARGET_RATE)/s" "$(fmt "$ONE_CEIL")/s" \
		"$(verdict "$ONE_LIVE" '>=' $TARGET_RATE)$(stalled "$ONE_STALLED")"
	row "1 webhook, drain a filled queue" "$(fmt "$ONE_DRAIN")/s" ">= $(fmt $TARGET_RATE)/s" "$(fmt "$ONE_CEIL")/s" \
		"$(verdict "$ONE_DRAIN" '>=' $TARGET_RATE)"
fi
if want fanout; then
	row "fan-out to 100 webhooks, publish+deliver" "$(fmt "$FAN_LIVE")/s" ">= $(fmt $TARGET_RATE)/s" "$(fmt "$FAN_CEIL")/s" \
		"$(verdict "$FAN_LIVE" '>=' $TARGET_RATE)$(stalled "$FAN_STALLED")"
	row "fan-out to 100 webhooks, drain" "$(fmt "$FAN_DRAIN")/s" ">= $(fmt $TARGET_RATE)/s" "$(fmt "$FAN_CEIL")/s" \
		"$(verdict "$FAN_DRAIN" '>=' $TARGET_RATE)"
fi
if want sustained; then
	row "1 webhook, $(fmt "$SUST_RATE") events/s offered: published" "$(fmt "$SUST_PUB")/s" "" "-" ""
	row "  outcomes recorded, steady part" "$(fmt "$SUST_STEADY")/s" ">= $(fmt $TARGET_RATE)/s" "-" \
		"$(verdict "$SUST_STEADY" '>=' $TARGET_RATE)$(stalled "$SUST_STALLED")"
	row "  last outcome after the last publish" "$SUST_LAG s" "" "-" ""
fi
if want latency; then
	row "latency p50 at $(fmt $LAT_RATE) events/s" "$LAT_P50 ms" "<= $TARGET_P50_MS ms" "-" \
		"$(verdict "$LAT_P50" '<=' $TARGET_P50_MS)$(stalled "$LAT_STALLED")"
	row "latency p99 at $(fmt $LAT_RATE) events/s" "$LAT_P99 ms" "<= $TARGET_P99_MS ms" "-" \
		"$(verdict "$LAT_P99" '<=' $TARGET_P99_MS)"
fi
if want hang; then
	row "healthy webhooks, none hanging" "$(fmt "$HANG_WITHOUT")/s" "" "$(fmt "$HANG_CEIL")/s" ""
	row "healthy webhooks, one hanging" "$(fmt "$HANG_WITH")/s" "" "$(fmt "$HANG_CEIL")/s" ""
	row "  throughput lost to the hanging one" "$HANG_LOSS %" "<= $TARGET_HANG_LOSS %" "-" \
		"$(verdict "$HANG_LOSS" '<=' $TARGET_HANG_LOSS)$(stalled "$HANG_STALLED")"
fi
if want scale; then
	row "2 workers, fan-out to 100 webhooks, drain" "$(fmt "$SCALE_W2")/s" "" "$(fmt "$SCALE_CEIL")/s" \
		"(1 worker: $(fmt "${FAN_DRAIN:-n/a}")/s)"
	row "2 databases, 1 webhook each, drain" "$(fmt "$SCALE_DB2")/s" "" "$(fmt "$SCALE_CEIL")/s" \
		"(1 database: $(fmt "${ONE_DRAIN:-n/a}")/s)"
fi
if want memory; then
	row "worker RssAnon, $(fmt "$MEM_EVENTS") queued (max)" "$RSS_MAX_MB MB" "<= $TARGET_RSS_MB MB" "-" \
		"$(verdict "$RSS_MAX_MB" '<=' $TARGET_RSS_MB)"
fi
