#!/usr/bin/env bash
# test/sanitize/valgrind.sh: the worker's delivery tests (TAP 001, 006, 007
# by default, or the files given) with the server under valgrind's
# memcheck.  Fails when a report involves the extension's code: an invalid
# read or write, a use of uninitialised memory, or a definite leak.
# test/sanitize/valgrind.supp silences PostgreSQL's own known reports only.
# Very slow; CI does not run it.  Run as root.
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
	--errors-for-leak-kinds=definite --num-callers=30 \
	--suppressions=$WORK/valgrind.supp \
	--log-file=$WORK/reports/vg.%p.log \
	$(pg_config --bindir)/postgres "\$@"
WRAP
chmod 755 "$WORK/postgres"

if (($#)); then files=("$@"); else
	files=("$ROOT"/test/t/001_delivery.pl "$ROOT"/test/t/006_robustness.pl "$ROOT"/test/t/007_outcomes.pl)
fi
WEBHOOKS_POSTGRES="$WORK/postgres" WEBHOOKS_START_TIMEOUT=300 WEBHOOKS_SLOW=1 \
	prove "${files[@]}"
status=$?

# one report is a run of lines of one pid up to a blank "==pid==" line
found=$(awk '
	/^==[0-9]+== $/ { if (block ~ /webhooks\.so/ && block ~ /(Invalid (read|write)|uninitialised|definitely lost)/) { print block; n++ } block = ""; next }
	{ block = block $0 "\n" }
	END { if (block ~ /webhooks\.so/ && block ~ /(Invalid (read|write)|uninitialised|definitely lost)/) { print block; n++ } exit n > 0 }
' "$WORK"/reports/vg.*.log)
if [[ -n $found ]]; then
	echo "== valgrind reports in the extension's code"
	echo "$found"
	status=1
else
	echo "== valgrind: no report involves the extension's code ($(ls "$WORK"/reports | wc -l) processes checked)"
fi
rm -rf "$WORK"
exit $status
