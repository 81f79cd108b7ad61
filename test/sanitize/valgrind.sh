#!/usr/bin/env bash
# test/sanitize/valgrind.sh [tap-file ...]: the worker's delivery tests (by
# default the TAP files listed below, or the files given) with the server
# under valgrind's memcheck.  Fails when a report involves the extension's
# code: an invalid read or write, a use of uninitialised memory, or a
# definite leak.  test/sanitize/valgrind.supp silences PostgreSQL's own
# known reports only.  KEEP_REPORTS=1 keeps valgrind's logs.  Very slow
# (about ten minutes); CI does not run it.  Run as root.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
source "$ROOT/test/lib/setup.sh"
webhooks_setup
command -v valgrind >/dev/null || apt-get install -y -qq valgrind >/dev/null

WORK=$(mktemp -d /tmp/webhooks-valgrind.XXXXXX)
chmod 755 "$WORK"
mkdir -m 777 "$WORK/reports"
cp "$HERE/valgrind.supp" "$WORK/"
chmod 644 "$WORK/valgrind.supp"

cat >"$WORK/postgres" <<WRAP
#!/bin/sh
exec valgrind --quiet --leak-check=full --show-leak-kinds=definite \
	--errors-for-leak-kinds=definite --num-callers=30 --fullpath-after= \
	--suppressions=$WORK/valgrind.supp \
	--log-file=$WORK/reports/vg.%p.log \
	$(pg_config --bindir)/postgres "\$@"
WRAP
chmod 755 "$WORK/postgres"

if (($#)); then files=("$@"); else
	# the delivery tests; 008_retries.pl measures the retry schedule in
	# milliseconds, which memcheck's tenfold slowdown makes meaningless
	files=()
	for t in 001_delivery 002_tls_and_network 006_robustness 007_outcomes \
		009_failure_handling 011_faults 012_verbatim; do
		files+=("$ROOT/test/t/$t.pl")
	done
fi
WEBHOOKS_POSTGRES="$WORK/postgres" WEBHOOKS_START_TIMEOUT=300 WEBHOOKS_SLOW=1 \
	prove "${files[@]}"
status=$?

# One report is a run of lines of one pid up to a blank "==pid==" line.  A
# frame of the extension names its source file by full path (it is built
# with debugging information), or else the shared library.
found=$(awk -v src="$ROOT/src/" '
	function judge() {
		if ((index(block, src) || block ~ /webhooks\.so/) &&
			block ~ /(Invalid (read|write)|uninitialised|definitely lost)/) { print block; n++ }
		block = ""
	}
	/^==[0-9]+== $/ { judge(); next }
	{ block = block $0 "\n" }
	END { judge() }
' "$WORK"/reports/vg.*.log)
if [[ -n $found ]]; then
	echo "== valgrind reports in the extension's code"
	echo "$found"
	status=1
else
	echo "== valgrind: no report involves the extension's code ($(ls "$WORK"/reports | wc -l) processes checked)"
fi
if [[ -n ${KEEP_REPORTS:-} ]]; then echo "reports kept in $WORK/reports"; else rm -rf "$WORK"; fi
exit $status
