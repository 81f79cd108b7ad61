#!/usr/bin/env bash
# test/package/installcheck.sh DEBS: installs the extension's Debian
# package from DEBS (a folder of .deb files made by build.sh) with apt-get,
# on a system where the extension was never built or installed otherwise,
# runs the regression suite against the installed files (pg_buildext
# installcheck: a throwaway cluster preloading the library, make
# installcheck), and removes the package again.  Ends with one line
# "N passed, N failed".  Run as root, e.g. through test/chroot/package.sh.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DEBS=$(cd "${1:?usage: installcheck.sh DEBS}" && pwd)
source "$ROOT/test/lib/setup.sh"	# WEBHOOKS_PGMAJOR
V=$WEBHOOKS_PGMAJOR
PKG=postgresql-$V-webhooks
WORK=$(mktemp -d /tmp/webhooks-installcheck.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

fail() {
	echo "package: FAILED: $*" >&2
	echo
	echo "0 passed, 1 failed"
	exit 1
}

# the server, and what make installcheck needs (pg_regress, PGXS,
# pg_buildext); nothing that builds the extension runs here
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	"postgresql-$V" "postgresql-server-dev-$V" postgresql-common make >/dev/null ||
	fail "could not install PostgreSQL $V"
command -v pg_buildext >/dev/null ||
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-common-dev >/dev/null

# never built nor installed here before
shopt -s nullglob
found=(/usr/share/postgresql/*/extension/webhooks* /usr/lib/postgresql/*/lib/webhooks.so)
((${#found[@]} == 0)) || fail "the extension is already here: ${found[*]}"

deb=("$DEBS"/"$PKG"_*.deb)
((${#deb[@]} == 1)) || fail "no single $PKG package in $DEBS"
echo "== apt-get install $(basename "${deb[0]}")"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${deb[0]}" >/dev/null ||
	fail "apt-get install ${deb[0]} failed"
dpkg -L "$PKG" | grep -E 'webhooks(\.so|\.control|--.*\.sql)$'

# the regression suite from a copy of sql/ and expected/, against the
# installed files
cp -r "$ROOT/Makefile" "$ROOT/webhooks.control" "$ROOT/sql" "$ROOT/expected" "$ROOT/debian" "$WORK/"
chmod -R a+rX "$WORK"
cd "$WORK"
echo "== pg_buildext installcheck (PostgreSQL $V, installed package)"
pg_buildext -o shared_preload_libraries=webhooks -o webhooks.database=postgres installcheck >"$WORK/check.log" 2>&1
status=$?
# pg_regress reports "test x ... ok" up to 15, TAP ("ok 1 - x") since 16
grep -E '^(ok|not ok|# All|#.*failed)|\.\.\. (ok|FAILED)|tests (passed|failed)|### ' "$WORK/check.log"
passed=$(grep -cE '^ok |\.\.\. ok' "$WORK/check.log")
failed=$(grep -cE '^not ok |\.\.\. FAILED' "$WORK/check.log")
if ((status != 0)); then
	tail -40 "$WORK/check.log"
	((failed > 0)) || failed=1
fi
((passed > 0)) || { echo "no regression test ran"; failed=$((failed + 1)); }

DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "$PKG" >/dev/null ||
	echo "could not remove $PKG" >&2

echo
echo "$passed passed, $failed failed"
((failed == 0))
