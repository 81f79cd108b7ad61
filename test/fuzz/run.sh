#!/usr/bin/env bash
# test/fuzz/run.sh SECONDS TARGET...: runs each libFuzzer target for SECONDS
# on its corpus (test/fuzz/corpus/TARGET) and prints its executions; exits
# non-zero at the first finding, and names the file that reproduces it.
#
# By default nothing is written into the working tree: what the run finds,
# its log and any finding go to a temporary folder (kept on a finding).
# FUZZ_GROW=1 (make fuzz) grows the committed corpus instead, a deliberate
# step whose result is committed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
seconds=$1
shift
out=$(mktemp -d /tmp/webhooks-fuzz.XXXXXX)
for t in "$@"; do
	mkdir -p "$out/$t"
	if [[ -n ${FUZZ_GROW:-} ]]; then
		mkdir -p "corpus/$t"
		dirs=("corpus/$t")
	else
		# the first folder receives new inputs; the corpus is only read
		dirs=("$out/$t" "corpus/$t")
	fi
	echo "== fuzz_$t for $seconds s"
	./"fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
		-artifact_prefix="$out/fuzz_$t-" "${dirs[@]}" >"$out/fuzz_$t.log" 2>&1
	rc=$?
	grep -E '^stat::number_of_executed_units|^Done' "$out/fuzz_$t.log"
	if ((rc != 0)); then
		grep -E 'ERROR|SUMMARY|#[0-9]+ ' "$out/fuzz_$t.log" | head -20
		echo "fuzz_$t found a problem: see $out/fuzz_$t.log and $out/fuzz_$t-*" >&2
		exit 1
	fi
done
rm -rf "$out"
