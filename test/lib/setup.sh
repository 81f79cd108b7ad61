# setup.sh: install what the extension and its tests need, build it and
# install it.  Sourced by test/all, test/demo and the benchmarks; run as root.
#
# Everything comes from Debian's packages (and, for the test receiver, the
# npm registry); nothing else is downloaded.

WEBHOOKS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

DEB_PACKAGES=(
	build-essential
	postgresql-15
	postgresql-server-dev-15
	postgresql-15-pgtap
	libtap-parser-sourcehandler-pgtap-perl
	libipc-run-perl
	libcurl4-openssl-dev
	libssl-dev
	openssl
	nginx-light
	curl
	clang
	libclang-rt-14-dev
	strace
)

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
	(cd "$dir" && npm ci --omit=dev --no-audit --no-fund >/dev/null)
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
