#!/usr/bin/env bash
# test/chroot/package.sh 15|17|18: the Debian package for one PostgreSQL
# version, built and then installed where it was never built.
#
# Builds postgresql-<version>-webhooks in the version's chroot (the one
# test/chroot/run.sh uses; test/package/build.sh, which runs the regression
# suite against the files the build installed), then installs the .deb with
# apt-get in a second chroot of the same Debian release that only ever gets
# Debian's packages (SUITE-clean: no build of the extension happens there)
# and runs the regression suite against the installed package
# (test/package/installcheck.sh, which removes the package afterwards).
# Ends with one line "N passed, N failed".  Run as root.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
V=${1:?usage: bash test/chroot/package.sh 15|17|18}
DEBS=$(mktemp -d /tmp/webhooks-debs.XXXXXX)
trap 'rm -rf "$DEBS"' EXIT

fail() {
	echo "package $V: FAILED: $*"
	echo
	echo "0 passed, 1 failed"
	exit 1
}

echo "== package for PostgreSQL $V: build"
# shellcheck disable=SC2016
WEBHOOKS_CHROOT_OUT=$DEBS bash "$HERE/run.sh" "$V" \
	bash -c 'bash test/package/build.sh "$WEBHOOKS_CHROOT_OUT"' ||
	fail "the package did not build"
ls "$DEBS"/postgresql-"$V"-webhooks_*.deb >/dev/null 2>&1 || fail "no postgresql-$V-webhooks package was made"

echo "== package for PostgreSQL $V: install and installcheck in a clean chroot"
# shellcheck disable=SC2016
WEBHOOKS_CHROOT_FLAVOUR=clean WEBHOOKS_CHROOT_IN=$DEBS bash "$HERE/run.sh" "$V" \
	bash -c 'bash test/package/installcheck.sh "$WEBHOOKS_CHROOT_IN"'
