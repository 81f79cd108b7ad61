# setup.sh: install what the extension and its tests need, build it and
# install it.  Sourced by test/all, test/demo and the benchmarks; run as root.
#
# Everything comes from Debian's packages (and, for the test receiver, the
# npm registry); nothing else is downloaded.

WEBHOOKS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# The PostgreSQL major version: WEBHOOKS_PGMAJOR, else the one the
# distribution ships (Debian 12: 15, Debian 13: 17, forky: 18).  Its
# pg_config and programs come first in PATH, so that the build, the clusters
# and the tests use that version even where several are installed.
if [[ -z ${WEBHOOKS_PGMAJOR:-} ]]; then
	case $(. /etc/os-release && echo "${VERSION_CODENAME:-}") in
	trixie) WEBHOOKS_PGMAJOR=17 ;;
	forky | sid) WEBHOOKS_PGMAJOR=18 ;;
	*) WEBHOOKS_PGMAJOR=15 ;;
	esac
fi
export WEBHOOKS_PGMAJOR
PG_BIN=/usr/lib/postgresql/$WEBHOOKS_PGMAJOR/bin
export PG_CONFIG=$PG_BIN/pg_config
export PATH=$PG_BIN:$PATH

DEB_PACKAGES=(
	build-essential
	"postgresql-$WEBHOOKS_PGMAJOR"
	"postgresql-server-dev-$WEBHOOKS_PGMAJOR"
	"postgresql-$WEBHOOKS_PGMAJOR-pgtap"
	libtap-parser-sourcehandler-pgtap-perl
	libipc-run-perl
	libdbd-pg-perl
	libhttp-daemon-perl
	libcurl4-openssl-dev
	libssl-dev
	openssl
	nginx-light
	curl
	iproute2
	strace
)
# JIT is a package of its own from PostgreSQL 18 on, which Debian installs
# as a recommendation: with it, test/t/029_no_jit.pl has something to check
apt-cache show "postgresql-$WEBHOOKS_PGMAJOR-jit" >/dev/null 2>&1 &&
	DEB_PACKAGES+=("postgresql-$WEBHOOKS_PGMAJOR-jit")
# the test receiver runs on Node.js: the machine's own, else Debian's
command -v npm >/dev/null || DEB_PACKAGES+=(nodejs npm)
# fuzzing (libFuzzer) needs clang and its runtime; WEBHOOKS_SKIP_FUZZ=1
# (the chroot runs, see test/chroot/run.sh) goes without
[[ -n ${WEBHOOKS_SKIP_FUZZ:-} ]] || DEB_PACKAGES+=(clang libclang-rt-dev)

webhooks_install_packages() {
	local missing=()
	local p
	for p in "${DEB_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	if ((${#missing[@]})); then
		echo "== installing Debian packages: ${missing[*]}"
		apt-get update -qq
		# the packaged nginx must not start its own server: tests run their own
		DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 \
			apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	fi
}

webhooks_build_install() {
	# SKIP_BUILD=1: test what is installed (e.g. a sanitizer build)
	[[ -n ${SKIP_BUILD:-} ]] && return 0
	echo "== building and installing the extension"
	# a failed build must stop the run, not test what was installed before
	if ! make -C "$WEBHOOKS_ROOT" -s -j2 >/dev/null ||
		! make -C "$WEBHOOKS_ROOT" -s install >/dev/null; then
		echo "the extension did not build" >&2
		exit 1
	fi
}

# the test receiver's npm dependencies (standardwebhooks), from its lock
# file; node and npm come with the machine
webhooks_install_receiver() {
	local dir=$WEBHOOKS_ROOT/test/receiver
	[[ -d $dir/node_modules/standardwebhooks ]] && return 0
	echo "== installing the test receiver's npm packages"
	(cd "$dir" && npm ci --omit=dev --no-audit --no-fund >/dev/null) || {
		echo "could not install the test receiver's npm packages" >&2
		exit 1
	}
}

# webhooks_as_root "$@": the calling script runs again as root through sudo
# when it was started by another user (a fresh Debian 12 has no sudo, and
# root needs none)
webhooks_as_root() {
	[[ $(id -u) -eq 0 ]] && return 0
	if command -v sudo >/dev/null; then
		exec sudo -E bash "$0" "$@"
	fi
	echo "run as root (it installs packages and the extension)" >&2
	exit 1
}

webhooks_setup() {
	if [[ $(id -u) -ne 0 ]]; then
		echo "run as root (it installs packages and the extension)" >&2
		exit 1
	fi
	webhooks_install_packages
	webhooks_install_receiver
	webhooks_build_install
}
