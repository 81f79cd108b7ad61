#!/usr/bin/env bash
# test/sqlfuzz/run.sh [COUNT [SEED]]: fuzzes the extension through SQL on a
# private cluster (sqlfuzz.c): COUNT mutated create/update/publish calls
# (default 1,000,000).  The cluster blocks every network, so the events
# accepted along the way are never sent anywhere.  Fails when a call was
# refused with an undocumented SQLSTATE, when a backend crashed, or when the
# stored webhooks do not validate again.  The extension is built with its
# Asserts on for the run.  Run as root; slow (minutes).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/../lib/setup.sh"
source "$HERE/../lib/cluster.sh"
webhooks_install_packages
# the extension's own Asserts on (a cassert-style build of our code only);
# the normal build goes back in at the end
ROOT=$(cd "$HERE/../.." && pwd)
restore() {
	cluster_stop
	make -C "$ROOT" -s clean
	make -C "$ROOT" -s -j2 >/dev/null && make -C "$ROOT" -s install >/dev/null
}
make -C "$ROOT" -s clean
make -C "$ROOT" -s -j2 PG_CFLAGS_EXTRA=-DUSE_ASSERT_CHECKING >/dev/null
make -C "$ROOT" -s install >/dev/null

cc -O2 -Wall -Wextra -o "$HERE/sqlfuzz" "$HERE/sqlfuzz.c" \
	-I"$(pg_config --includedir)" -lpq

CLUSTER_EXTRA_CONF="webhooks.database = 'postgres'
webhooks.blocked_networks = '0.0.0.0/0, ::/0'
webhooks.allowed_networks = ''" cluster_start
trap restore EXIT
psql -X -q -c "CREATE EXTENSION webhooks"

status=0
"$HERE/sqlfuzz" "${1:-1000000}" "${2:-20261127}" || status=$?

if grep -E "terminated by signal|TRAP:|PANIC" "$CLUSTER_DIR/server.log"; then
	echo "sqlfuzz: the server log shows a crash" >&2
	status=1
fi
exit $status
