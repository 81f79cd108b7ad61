# cluster.sh: a private, throwaway PostgreSQL cluster for tests and demos.
#
# cluster_start creates one in a new temporary folder, owned by the postgres
# OS user (initdb refuses root), on a free port, with webhooks preloaded and
# its socket in that folder, and its loopback receivers allowed through the
# block list (webhooks.allowed_networks); it sets PGHOST, PGPORT, PGUSER and PGDATABASE
# for the caller.  cluster_stop stops it (by its own pid file) and removes
# the folder.  Nothing here touches any other cluster.

PG_BIN=${PG_BIN:-$(pg_config --bindir)}

as_postgres() {
	runuser -u postgres -- "$@"
}

# free_port [first [last]]: a TCP port on 127.0.0.1 that nothing listens on
free_port() {
	local port
	for port in $(seq "${1:-55432}" "${2:-55532}"); do
		if ! (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then
			echo "$port"
			return
		fi
	done
	echo "no free port" >&2
	return 1
}

cluster_start() {
	CLUSTER_DIR=$(mktemp -d /tmp/webhooks-cluster.XXXXXX)
	chown postgres: "$CLUSTER_DIR"
	chmod 700 "$CLUSTER_DIR"
	PGPORT=$(free_port)
	as_postgres "$PG_BIN/initdb" -D "$CLUSTER_DIR/data" -U postgres \
		--auth=trust -E UTF8 --locale=C.UTF-8 >"$CLUSTER_DIR/initdb.log" 2>&1 || {
		cat "$CLUSTER_DIR/initdb.log" >&2
		return 1
	}
	cat >>"$CLUSTER_DIR/data/postgresql.conf" <<CONF
port = $PGPORT
listen_addresses = ''
unix_socket_directories = '$CLUSTER_DIR'
shared_preload_libraries = 'webhooks'
webhooks.allowed_networks = '127.0.0.0/8'
# one database served, postgres: the regression databases' queues stay as
# their tests leave them (CLUSTER_EXTRA_CONF may say '' for every database)
webhooks.database = 'postgres'
fsync = on
synchronous_commit = on
log_min_messages = warning
log_line_prefix = '%m [%p] %q%a '
${CLUSTER_EXTRA_CONF:-}
CONF
	# WEBHOOKS_POSTGRES: a program to run instead of postgres (valgrind or
	# sanitizer wrappers, see test/sanitize/)
	as_postgres "$PG_BIN/pg_ctl" -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/server.log" \
		-w -t "${WEBHOOKS_START_TIMEOUT:-60}" ${WEBHOOKS_POSTGRES:+-p "$WEBHOOKS_POSTGRES"} \
		start >/dev/null || {
		cat "$CLUSTER_DIR/server.log" >&2
		return 1
	}
	export PGHOST=$CLUSTER_DIR PGPORT PGUSER=postgres PGDATABASE=postgres
	export CLUSTER_DIR
}

cluster_stop() {
	[[ -n ${CLUSTER_DIR:-} && -d $CLUSTER_DIR ]] || return 0
	if [[ -f $CLUSTER_DIR/data/postmaster.pid ]]; then
		as_postgres "$PG_BIN/pg_ctl" -D "$CLUSTER_DIR/data" -m fast -w stop >/dev/null 2>&1 ||
			as_postgres "$PG_BIN/pg_ctl" -D "$CLUSTER_DIR/data" -m immediate -w stop >/dev/null 2>&1
	fi
	if [[ -n ${KEEP_CLUSTER:-} ]]; then
		echo "cluster kept in $CLUSTER_DIR"
	else
		rm -rf "$CLUSTER_DIR"
	fi
	CLUSTER_DIR=
}
