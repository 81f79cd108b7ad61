#!/usr/bin/env bash
# test/chroot/run.sh: the test suite on one PostgreSQL major version, with
# Debian's own packages for it, in a Debian chroot.
#
#     bash test/chroot/run.sh 17              # test/all on PostgreSQL 17 (Debian 13, trixie)
#     bash test/chroot/run.sh 18              # test/all on PostgreSQL 18 (Debian forky)
#     bash test/chroot/run.sh 15              # test/all on PostgreSQL 15 (Debian 12, bookworm)
#     bash test/chroot/run.sh 17 CMD ARGS...  # CMD instead of test/all (e.g. prove test/t/020_upgrade.pl)
#
# The chroot is made once with debootstrap and kept (packages installed into
# it stay, so later runs start in seconds) in WEBHOOKS_CHROOT_CACHE
# (/var/tmp/webhooks-chroots), or exactly in WEBHOOKS_CHROOT;
# WEBHOOKS_CHROOT_FLAVOUR=clean names a second one beside it (SUITE-clean),
# which test/chroot/package.sh keeps free of anything built.  Each run
# copies the repository's files (what git tracks, plus new files git does
# not ignore; no build products) into a fresh folder of the chroot, readable
# by the postgres user the clusters run as, mounts /proc and /dev, runs the
# command there as root with WEBHOOKS_PGMAJOR set, and unmounts and removes
# the copy on every exit.  Fuzzing is left out (WEBHOOKS_SKIP_FUZZ=1) unless
# WEBHOOKS_SKIP_FUZZ is set empty.
#
# Folders in and out: WEBHOOKS_CHROOT_IN and WEBHOOKS_DUMP_IN (a pg_dump
# made elsewhere, for test/t/021_dump_restore.pl) name host folders that are
# copied into the run; WEBHOOKS_CHROOT_OUT and WEBHOOKS_DUMP_OUT name host
# folders that get what the command left in theirs.  Inside, each variable
# names the run's own folder.
#
# The chroot shares the host's network: tests pick free ports at run time.
# Run as root (debootstrap, mount and chroot need it).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MIRROR=${WEBHOOKS_MIRROR:-http://deb.debian.org/debian}

usage() {
	echo "usage: bash test/chroot/run.sh 15|17|18 [CMD ARGS...]" >&2
	exit 2
}
(($# >= 1)) || usage
PGMAJOR=$1
shift
case $PGMAJOR in
15) SUITE=bookworm ;;
17) SUITE=trixie ;;
18) SUITE=forky ;;
*) usage ;;
esac
(($#)) || set -- bash test/all
if [[ $(id -u) -ne 0 ]]; then
	echo "run as root (debootstrap, mount and chroot need it)" >&2
	exit 1
fi

CHROOT=${WEBHOOKS_CHROOT:-${WEBHOOKS_CHROOT_CACHE:-/var/tmp/webhooks-chroots}/$SUITE}
CHROOT=$CHROOT${WEBHOOKS_CHROOT_FLAVOUR:+-$WEBHOOKS_CHROOT_FLAVOUR}

# one run at a time in a chroot: a run that ends unmounts /proc and /dev,
# which another would still be using
mkdir -p "$(dirname "$CHROOT")"
exec 9>"$CHROOT.lock"
flock 9

# make the chroot once; a half-made one is never left where a later run
# would take it for done
if [[ ! -x $CHROOT/usr/bin/apt-get ]]; then
	command -v debootstrap >/dev/null || {
		apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null
	}
	echo "== debootstrap $SUITE into $CHROOT"
	rm -rf "$CHROOT.new"
	# bookworm's debootstrap has no forky script; forky bootstraps like sid
	script=/usr/share/debootstrap/scripts/$SUITE
	[[ -e $script ]] || script=/usr/share/debootstrap/scripts/sid
	debootstrap --variant=minbase "$SUITE" "$CHROOT.new" "$MIRROR" "$script" \
		>"$CHROOT.debootstrap.log" 2>&1 || {
		tail -20 "$CHROOT.debootstrap.log" >&2
		echo "debootstrap failed" >&2
		exit 1
	}
	mv "$CHROOT.new" "$CHROOT"
fi

# apt in the chroot: the same mirror; forky's Release file has outlived its
# Valid-Until date in the archive; packages never start services (the tests
# start their own servers) and postgresql-common creates no cluster
cat >"$CHROOT/etc/apt/apt.conf.d/90webhooks" <<CONF
Acquire::Check-Valid-Until "false";
APT::Install-Recommends "false";
Dpkg::Options { "--force-confold"; };
CONF
printf '#!/bin/sh\nexit 101\n' >"$CHROOT/usr/sbin/policy-rc.d"
chmod 755 "$CHROOT/usr/sbin/policy-rc.d"
mkdir -p "$CHROOT/etc/postgresql-common"
echo 'create_main_cluster = false' >"$CHROOT/etc/postgresql-common/createcluster.conf"
cp /etc/resolv.conf "$CHROOT/etc/resolv.conf"
# the chroot trusts the certificates the host trusts (npm reaches its
# registry over TLS, through whatever the host's network needs)
HOST_CA=/etc/ssl/certs/ca-certificates.crt
if [[ -r $HOST_CA ]]; then cp "$HOST_CA" "$CHROOT/etc/webhooks-host-ca.crt"; else HOST_CA=; fi

# the run's copy of the repository
RUN=$(mktemp -d "$CHROOT/var/tmp/webhooks.XXXXXX")
INSIDE=${RUN#"$CHROOT"}
MOUNTED=()
PASSED=()	# NAME=value pairs for the command's environment
OUTS=()		# run folder:host folder
cleanup() {
	local m o
	for o in "${OUTS[@]}"; do
		mkdir -p "${o#*:}" && cp -a "${o%%:*}/." "${o#*:}/" || echo "could not copy ${o%%:*} out" >&2
	done
	for m in "${MOUNTED[@]}"; do
		umount -R "$m" 2>/dev/null || umount -lR "$m" 2>/dev/null || true
	done
	rm -rf "$RUN"
}
trap cleanup EXIT

if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do [[ -e $f ]] && printf '%s\0' "$f"; done |
		tar --null -T - -cf -) | tar -C "$RUN" -xf -
else
	tar -C "$ROOT" --exclude=.git --exclude=node_modules --exclude='*.o' --exclude='*.so' \
		--exclude='*.bc' -cf - . | tar -C "$RUN" -xf -
fi
for var in WEBHOOKS_CHROOT_IN WEBHOOKS_DUMP_IN WEBHOOKS_CHROOT_OUT WEBHOOKS_DUMP_OUT; do
	[[ -n ${!var:-} ]] || continue
	name=$(echo "${var#WEBHOOKS_}" | tr 'A-Z_' 'a-z-')
	mkdir "$RUN/$name"
	case $var in
	*_IN) cp -a "${!var}/." "$RUN/$name/" ;;
	*_OUT) OUTS+=("$RUN/$name:${!var}") ;;
	esac
	PASSED+=("$var=$INSIDE/$name")
done
chmod -R a+rX "$RUN"
chmod 755 "$RUN"

for m in proc dev; do
	if ! mountpoint -q "$CHROOT/$m"; then
		if [[ $m == proc ]]; then
			mount -t proc proc "$CHROOT/proc"
		else
			mount --rbind /dev "$CHROOT/dev"	# PostgreSQL needs /dev/shm
			mount --make-rslave "$CHROOT/dev"
		fi
		MOUNTED=("$CHROOT/$m" "${MOUNTED[@]}")
	fi
done

echo "== PostgreSQL $PGMAJOR in the $SUITE chroot $CHROOT: $*"
status=0
# fd 9 (the lock) closed for the command: a server it leaves running must
# not hold the chroot's lock
chroot "$CHROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	WEBHOOKS_PGMAJOR="$PGMAJOR" WEBHOOKS_IN_CHROOT="$SUITE" \
	${HOST_CA:+NODE_EXTRA_CA_CERTS=/etc/webhooks-host-ca.crt npm_config_cafile=/etc/webhooks-host-ca.crt} \
	${FUZZ_SECONDS:+FUZZ_SECONDS="$FUZZ_SECONDS"} \
	WEBHOOKS_SKIP_FUZZ="${WEBHOOKS_SKIP_FUZZ-1}" \
	"${PASSED[@]}" \
	bash -c 'cd "$1" && shift && exec "$@"' run "$INSIDE" "$@" 9>&- || status=$?
exit $status
