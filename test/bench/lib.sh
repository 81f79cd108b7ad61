# test/bench/lib.sh: what the benchmarks share.  Sourced by api.sh and
# delivery.sh after test/lib/setup.sh and test/lib/cluster.sh.

PGBENCH="$PG_BIN/pgbench"

# bench_setup: installs and builds unless SKIP_SETUP=1 (then the installed
# extension is used as it is); pgbench must be there
bench_setup() {
	if [[ -n ${SKIP_SETUP:-} ]]; then
		[[ $(id -u) -eq 0 ]] || { echo "run as root" >&2; exit 1; }
	else
		webhooks_setup
	fi
	[[ -x $PGBENCH ]] || { echo "pgbench not found at $PGBENCH" >&2; exit 1; }
}

# median_of NUMBER...: their median, or n/a when there are none
median_of() {
	if (($# == 0)); then
		echo n/a
		return
	fi
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# verdict VALUE OP TARGET: "meets" or "MISSES" (OP is >= or <=), n/a for n/a
verdict() {
	awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN {
		if (v == "n/a") { print "n/a"; exit }
		ok = (op == ">=") ? (v + 0 >= t + 0) : (v + 0 <= t + 0); print ok ? "meets" : "MISSES" }'
}
