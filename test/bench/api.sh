#!/usr/bin/env bash
# test/bench/api.sh: how fast the webhook API answers (a benchmark, not a
# test: it prints figures and fails only when something breaks).
#
# Starts a private cluster (durable defaults: fsync and synchronous_commit
# on), loads 100,000 webhooks in 1,000 tenants through create_webhook
# (load.sql), then measures with pgbench:
#   - calls/s of fetch_webhook, fetch_webhooks and create_webhook, 2 clients;
#   - ms per fetch_webhooks page of 100 with filters (enabled, active,
#     eventTypes), 1 client, for an ordinary tenant and for a big one (10,000
#     webhooks, and again after it has grown to 100,000);
#   - ms per publish_event of one event to 10,000 subscribed webhooks of one
#     tenant, 1 client, rolled back;
# each BENCH_RUNS times for BENCH_SECONDS seconds, reporting the median; and
# the same calls' time inside the server (no client round trip).
# Run as root:
#     bash test/bench/api.sh
# BENCH_RUNS (5), BENCH_SECONDS (10) change the runs; SKIP_SETUP=1 skips
# installing packages and building (use the installed extension as it is).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$BENCH_DIR/../lib/setup.sh"
source "$BENCH_DIR/../lib/cluster.sh"
source "$BENCH_DIR/lib.sh"

RUNS=${BENCH_RUNS:-5}
SECS=${BENCH_SECONDS:-10}
DB=webhooks_bench

# targets from doc/decisions.md §7 and the issue
TARGET_FETCH_TPS=10000
TARGET_PAGE_MS=2

FAN_WEBHOOKS=10000		# webhooks of the fan-out tenant, all subscribed
FAN_TENANT=1001

bench_setup

# publish_event is allowed only where the worker delivers
CLUSTER_EXTRA_CONF="webhooks.database = '$DB'
${CLUSTER_EXTRA_CONF:-}"
cluster_start
trap cluster_stop EXIT

# bench NAME SCRIPT CLIENTS: run pgbench RUNS times; sets TPS and LAT
# (medians of calls/s and of the average latency in ms)
bench() {
	local name=$1 script=$2 clients=$3 out tps lat tps_all=() lat_all=()
	for ((r = 1; r <= RUNS; r++)); do
		if ! out=$("$PGBENCH" -n -M prepared -c "$clients" -j "$clients" -T "$SECS" \
			-f "$BENCH_DIR/$script" "$DB" 2>&1); then
			echo "$out" >&2
			echo "pgbench failed on $script" >&2
			exit 1
		fi
		if grep -q -E '^number of failed transactions: [1-9]' <<<"$out"; then
			echo "$out" >&2
			echo "transactions failed in $script" >&2
			exit 1
		fi
		tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out")
		lat=$(sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p' <<<"$out")
		tps_all+=("$tps")
		lat_all+=("$lat")
	done
	TPS=$(median_of "${tps_all[@]}")
	LAT=$(median_of "${lat_all[@]}")
	printf '  %-38s %d client(s)  median %10.0f calls/s  %7.3f ms/call   runs: %s\n' \
		"$name" "$clients" "$TPS" "$LAT" "$(printf '%.0f ' "${tps_all[@]}")"
}

# server_ms QUERY [N]: median ms of one run of QUERY inside the server (N
# runs, 201 by default), in a transaction that is rolled back
server_ms() {
	psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$DB" -c "BEGIN" \
		-c "SELECT bench_server_ms(\$q\$$1\$q\$, ${2:-201})" -c "ROLLBACK"
}

# filtered_pages LABEL: the big tenant's filtered page, with pgbench and
# inside the server; sets PAGE_MS and PAGE_SERVER_MS
filtered_pages() {
	bench "big tenant ($1), filtered" page_filtered_big.sql 1
	PAGE_MS=$LAT
	PAGE_SERVER_MS=$(server_ms "SELECT webhooks.fetch_webhooks(bench_tenant(1), $q_filter)")
	printf '  %-38s %7.3f ms inside the server\n' "big tenant ($1), filtered" "$PAGE_SERVER_MS"
}

echo "== webhooks API benchmark: $(nproc) CPUs, $RUNS runs x $SECS s each, pgbench -M prepared"
echo "   PostgreSQL $(psql -X -A -t -c 'SHOW server_version'), cluster $CLUSTER_DIR"

psql -X -q -c "CREATE DATABASE $DB"
echo "== loading 100,000 webhooks in 1,000 tenants through create_webhook"
load_start=$(date +%s.%N)
psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -f "$BENCH_DIR/load.sql" >/dev/null
load_s=$(awk -v a="$load_start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
printf '  loaded in %.1f s (one INSERT ... SELECT create_webhook(...), then VACUUM ANALYZE)\n' "$load_s"

psql -X -q -A -t -d "$DB" <<'SQL' | sed 's/^/  /'
SELECT format('%s webhooks, %s tenants, big tenant %s; %s enabled, %s suspended, %s receive policy.quote.issue',
	count(*), count(DISTINCT tenant_locator),
	count(*) FILTER (WHERE tenant_locator = bench_tenant(1)),
	count(*) FILTER (WHERE enabled), count(*) FILTER (WHERE suspended),
	count(*) FILTER (WHERE event_types && '{policy.quote.issue,policy.quote.*,policy.*,*}'))
FROM webhooks._webhook;
SELECT format('filtered page: %s items on average for an ordinary tenant, %s for the big one',
	round(avg(jsonb_array_length(webhooks.fetch_webhooks(bench_tenant(t), count => 100,
		enabled => true, active => true, event_types => ARRAY['policy.quote.issue']) -> 'items')), 1),
	jsonb_array_length(webhooks.fetch_webhooks(bench_tenant(1), count => 100,
		enabled => true, active => true, event_types => ARRAY['policy.quote.issue']) -> 'items'))
FROM generate_series(2, 1000) AS t;
SQL

q_filter="count => 100, enabled => true, active => true, event_types => ARRAY['policy.quote.issue']"

echo "== calls per second"
bench "lookup only (harness ceiling)" lookup.sql 2
bench "fetch_webhook" fetch_webhook.sql 2
fetch_tps=$TPS
bench "fetch_webhooks (no filter, ~90/page)" fetch_webhooks.sql 2
fetch_list_tps=$TPS

echo "== fetch_webhooks page of 100, filters enabled, active, eventTypes (pgbench, 1 client)"
bench "ordinary tenant (~90 webhooks)" page_filtered.sql 1
page_ms=$LAT
bench "big tenant (10,000 webhooks)" page_filtered_big.sql 1
page_big_ms=$LAT
bench "big tenant, no filter" page_big.sql 1
page_big_nofilter_ms=$LAT

echo "== the same pages inside the server (median of 201 calls in one backend)"
s_page=$(server_ms "SELECT webhooks.fetch_webhooks(bench_tenant(77), $q_filter)")
s_big=$(server_ms "SELECT webhooks.fetch_webhooks(bench_tenant(1), $q_filter)")
s_big_nofilter=$(server_ms "SELECT webhooks.fetch_webhooks(bench_tenant(1), count => 100)")
s_one=$(server_ms "SELECT webhooks.fetch_webhook(tenant_locator, locator) FROM bench_webhook WHERE id = 5000")
printf '  %-38s %7.3f ms\n' "ordinary tenant, filtered" "$s_page" \
	"big tenant, filtered" "$s_big" "big tenant, no filter" "$s_big_nofilter" \
	"fetch_webhook (one webhook)" "$s_one"

echo "== create_webhook (durable commits)"
bench "create_webhook" create_webhook.sql 2
create_tps=$TPS

echo "== publish_event fan-out: one event to $FAN_WEBHOOKS subscribed webhooks of one tenant"
psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$DB" \
	-c "SELECT bench_fanout_load($FAN_TENANT, $FAN_WEBHOOKS)" \
	-c "VACUUM ANALYZE webhooks._webhook" | sed 's/^/  webhooks created: /'
# rolled back, so that the worker never sees the deliveries and the queue
# stays empty: a commit would add one WAL flush
bench "publish_event (10,000 deliveries)" publish_fanout.sql 1
fan_ms=$LAT
fan_server_ms=$(server_ms "SELECT webhooks.publish_event(bench_tenant($FAN_TENANT), 'policy.quote.issue', '{\"quote\": 1}')" 21)
printf '  %-38s %7.3f ms inside the server (median of 21)\n' "publish_event (10,000 deliveries)" "$fan_server_ms"

echo "== the big tenant grown from 10,000 to 100,000 webhooks"
filtered_pages "10,000"
page_10k_ms=$PAGE_MS page_10k_server_ms=$PAGE_SERVER_MS
grow_start=$(date +%s.%N)
psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$DB" \
	-c "SELECT bench_load(100001, 190000, 1, 190000)" \
	-c "VACUUM ANALYZE webhooks._webhook" >/dev/null
printf '  90,000 more loaded into tenant 1 in %.1f s\n' \
	"$(awk -v a="$grow_start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')"
filtered_pages "100,000"
page_100k_ms=$PAGE_MS page_100k_server_ms=$PAGE_SERVER_MS
# a type that only the subscribers of "*" receive (5% of the tenant)
page_rare_server_ms=$(server_ms "SELECT webhooks.fetch_webhooks(bench_tenant(1), count => 100, enabled => true, active => true, event_types => ARRAY['contact.updated'])")
printf '  %-38s %7.3f ms inside the server\n' "big tenant (100,000), 5% receive" "$page_rare_server_ms"

echo
echo "== summary (medians)"
printf '  fetch_webhook            %8.0f calls/s   target >= %d calls/s: %s\n' \
	"$fetch_tps" "$TARGET_FETCH_TPS" "$(verdict "$fetch_tps" '>=' "$TARGET_FETCH_TPS")"
printf '  fetch_webhooks           %8.0f calls/s\n' "$fetch_list_tps"
printf '  create_webhook           %8.0f calls/s\n' "$create_tps"
printf '  filtered page, ordinary  %8.3f ms        target <= %d ms: %s\n' \
	"$page_ms" "$TARGET_PAGE_MS" "$(verdict "$page_ms" '<=' "$TARGET_PAGE_MS")"
printf '  filtered page, big       %8.3f ms        target <= %d ms: %s\n' \
	"$page_big_ms" "$TARGET_PAGE_MS" "$(verdict "$page_big_ms" '<=' "$TARGET_PAGE_MS")"
printf '  unfiltered page, big     %8.3f ms\n' "$page_big_nofilter_ms"
printf '  filtered page, big 10k   %8.3f ms        (%.3f ms inside the server)  target <= %d ms: %s\n' \
	"$page_10k_ms" "$page_10k_server_ms" "$TARGET_PAGE_MS" "$(verdict "$page_10k_ms" '<=' "$TARGET_PAGE_MS")"
printf '  filtered page, big 100k  %8.3f ms        (%.3f ms inside the server)  target <= %d ms: %s\n' \
	"$page_100k_ms" "$page_100k_server_ms" "$TARGET_PAGE_MS" "$(verdict "$page_100k_ms" '<=' "$TARGET_PAGE_MS")"
printf '  filtered page, 5%% of 100k                    (%.3f ms inside the server)\n' "$page_rare_server_ms"
printf '  publish_event, 10k fan-out %6.3f ms      (%.3f ms inside the server: %.2f us per delivery row)\n' \
	"$fan_ms" "$fan_server_ms" "$(awk -v m="$fan_server_ms" -v n="$FAN_WEBHOOKS" 'BEGIN { print m * 1000 / n }')"
