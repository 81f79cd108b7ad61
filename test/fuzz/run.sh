#!/usr/bin/env bash
# test/fuzz/run.sh SECONDS TARGET...: runs each libFuzzer target for SECONDS
# on its corpus (test/fuzz/corpus/TARGET, extended with what it finds) and
# prints its executions; exits non-zero at the first finding, which libFuzzer
# leaves as test/fuzz/fuzz_TARGET-crash-* (or -leak-, -timeout-, -oom-).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
seconds=$1
shift
for t in "$@"; do
	mkdir -p "corpus/$t"
	echo "== fuzz_$t for $seconds s"
	./"fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
		-artifact_prefix="fuzz_$t-" "corpus/$t" >"fuzz_$t.log" 2>&1
	rc=$?
	grep -E '^stat::number_of_executed_units|^Done' "fuzz_$t.log"
	if ((rc != 0)); then
		grep -E 'ERROR|SUMMARY|#[0-9]+ ' "fuzz_$t.log" | head -20
		echo "fuzz_$t found a problem: see test/fuzz/fuzz_$t.log" >&2
		exit 1
	fi
done
