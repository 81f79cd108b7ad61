#!/usr/bin/env bash
# test/sanitize/asan.sh: every test (test/all) with the extension built with
# AddressSanitizer and UndefinedBehaviorSanitizer.  The server itself is not
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
}
trap restore EXIT

SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
make -C "$ROOT" -s clean
make -C "$ROOT" -s -j2 with_llvm=no PG_CFLAGS_EXTRA="$SAN -DUSE_ASSERT_CHECKING" \
	SHLIB_LINK_EXTRA="$SAN" >/dev/null
make -C "$ROOT" -s install with_llvm=no >/dev/null

cat >"$WORK/postgres" <<WRAP
#!/bin/sh
export LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
export ASAN_OPTIONS="detect_leaks=0:log_path=$WORK/reports/asan:handle_segv=0:allow_user_segv_handler=1"
export UBSAN_OPTIONS="print_stacktrace=1:log_path=$WORK/reports/ubsan"
exec $(pg_config --bindir)/postgres "\$@"
WRAP
chmod 755 "$WORK/postgres"

WEBHOOKS_POSTGRES="$WORK/postgres" WEBHOOKS_START_TIMEOUT=120 SKIP_BUILD=1 \
	bash "$ROOT/test/all"
status=$?

if compgen -G "$WORK/reports/*" >/dev/null; then
	echo "== sanitizer reports"
	cat "$WORK"/reports/*
	status=1
else
	echo "== no AddressSanitizer or UndefinedBehaviorSanitizer reports"
fi
rm -rf "$WORK"
exit $status
