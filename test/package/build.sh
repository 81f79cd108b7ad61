#!/usr/bin/env bash
# test/package/build.sh OUT: builds the Debian packages of the extension
# (postgresql-<version>-webhooks for each version in debian/pgversions that
# this Debian release supports) from a copy of the repository and puts the
# .deb files in OUT.  The build runs the regression suite against the files
# it installed (dh_pgxs_test, see debian/rules).  Run as root on Debian, or
# in a chroot through test/chroot/package.sh.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=$(mkdir -p "${1:?usage: build.sh OUT}" && cd "$1" && pwd)
WORK=$(mktemp -d /tmp/webhooks-deb.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# the build's installcheck runs its server as another user, which must
# read the library and scripts installed under the build folder
chmod 755 "$WORK"

# dpkg-buildpackage writes its results beside the source folder: build in a
# copy, so that nothing is written into the repository
mkdir "$WORK/webhooks"
tar -C "$ROOT" --exclude=.git --exclude=node_modules --exclude='*.o' --exclude='*.so' \
	--exclude='*.bc' -cf - . | tar -C "$WORK/webhooks" -xf -
cd "$WORK/webhooks"
make -s clean >/dev/null 2>&1 || true

echo "== build dependencies"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	build-essential devscripts equivs postgresql-server-dev-all >/dev/null
# debian/control lists one package per PostgreSQL version this Debian
# release supports
pg_buildext updatecontrol
DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -qq ./ >/dev/null

# one version, in webhooks.control; the package's must be the same
ext=$(sed -n "s/^default_version = '\(.*\)'/\1/p" webhooks.control)
deb=$(dpkg-parsechangelog -S Version)
if [[ $deb != "$ext" && $deb != "$ext"-* ]]; then
	echo "debian/changelog is at $deb, webhooks.control at $ext" >&2
	exit 1
fi

# the build's installcheck (pg_buildext, through Debian's extension_destdir)
# finds files installed into the system before the package's own: an
# earlier make install here (test/all in this chroot) would be tested
# instead of what was just built
for v in $(pg_buildext supported-versions); do
	rm -f /usr/share/postgresql/"$v"/extension/webhooks[.-]* /usr/lib/postgresql/"$v"/lib/webhooks.so
done

echo "== dpkg-buildpackage for PostgreSQL $(pg_buildext supported-versions | tr '\n' ' ')"
if ! dpkg-buildpackage -b -us -uc >"$WORK/build.log" 2>&1; then
	tail -80 "$WORK/build.log"
	echo "the package did not build" >&2
	exit 1
fi
grep -E '^(ok|not ok|# All|#.*failed)|\.\.\. (ok|FAILED)|tests (passed|failed)|### (PostgreSQL|End)' "$WORK/build.log" || true
cp "$WORK"/*.deb "$OUT/"
ls -l "$OUT"/*.deb
