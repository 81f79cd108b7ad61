#!/usr/bin/env bash
# test/sanitize/asan.sh [tap-file ...]: every test (test/all), or the TAP
# files given, with the extension built with AddressSanitizer and
# UndefinedBehaviorSanitizer.  The server itself is not
# instrumented: the sanitizers' runtime is preloaded into it by a wrapper
# (WEBHOOKS_POSTGRES), and their reports go to files that must stay empty.
# Leak detection is off: PostgreSQL frees memory by context, not by free().
# Slow; CI does not run it.  Run as root; it reinstalls the normal build at
# the end.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
source "$ROOT/test/lib/setup.sh"
webhooks_install_packages

WORK=$(mktemp -d /tmp/webhooks-asan.XXXXXX)
chmod 755 "$WORK"
mkdir -m 777 "$WORK/reports"
restore() {
	make -C "$ROOT" -s clean
	make -C "$ROOT" -s -j2 >/dev/null && make -C "$ROOT" -s install >/dev/null
	rm -rf "$WORK"
}
trap restore EXIT

SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
make -C "$ROOT" -s clean
make -C "$ROOT" -s -j2 with_llvm=no PG_CFLAGS_EXTRA="$SAN -DUSE_ASSERT_CHECKING" \
	SHLIB_LINK_EXTRA="$SAN" >/dev/null
make -C "$ROOT" -s install with_llvm=no >/dev/null

# see swift_demangle.c: without it the runtime hangs postgres at start-up
gcc -shared -fPIC -o "$WORK/swift_demangle.so" "$HERE/swift_demangle.c"

cat >"$WORK/postgres" <<WRAP
#!/bin/sh
export LD_PRELOAD="$(gcc -print-file-name=libasan.so) $WORK/swift_demangle.so $(gcc -print-file-name=libubsan.so)"
export ASAN_OPTIONS="detect_leaks=0:log_path=$WORK/reports/asan:handle_segv=0:allow_user_segv_handler=1"
export UBSAN_OPTIONS="print_stacktrace=1:log_path=$WORK/reports/ubsan"
exec $(pg_config --bindir)/postgres "\$@"
WRAP
chmod 755 "$WORK/postgres"

# An empty report folder proves something only if the extension is
# instrumented and the runtime is in the server.
source "$ROOT/test/lib/cluster.sh"
export WEBHOOKS_POSTGRES="$WORK/postgres"
if ! nm -D "$ROOT/webhooks.so" | grep __asan_report_load >/dev/null; then
	echo "webhooks.so is not instrumented"
	exit 1
fi
cluster_start || exit 1
postmaster=$(head -1 "$CLUSTER_DIR/data/postmaster.pid")
psql -X -q -c "CREATE EXTENSION webhooks" -c "SELECT webhooks.gen_ulid()" >/dev/null
if ! grep -q libasan "/proc/$postmaster/maps"; then
	echo "the server runs without the AddressSanitizer runtime"
	cluster_stop
	exit 1
fi
cluster_stop
echo "== the server runs with the sanitizers' runtime"

export WEBHOOKS_START_TIMEOUT=120
if (($#)); then
	prove "$@"
else
	SKIP_BUILD=1 bash "$ROOT/test/all"
fi
status=$?

if compgen -G "$WORK/reports/*" >/dev/null; then
	echo "== sanitizer reports"
	cat "$WORK"/reports/*
	status=1
else
	echo "== no AddressSanitizer or UndefinedBehaviorSanitizer reports"
fi
exit $status
