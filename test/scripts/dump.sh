#!/usr/bin/env bash
# test/scripts/dump.sh: webhooks survive pg_dump and a restore with psql.
#
# Creates a database with webhooks in two tenants (custom headers, given and
# generated HMAC secrets, tags, retry strategies, alert endpoints, a
# suspended and a disabled webhook) and a registered event type with a
# subscriber; dumps it with pg_dump (plain format), restores the dump into a
# fresh database with psql, and checks that every tenant's fetch_webhooks
# answer is byte-for-byte the same (locators and secrets included), that the
# stored rows are the same, that the registered event type came back once
# and the 193 built-in ones were not duplicated, and that the restored
# database still works.  Drops both databases; prints one line.
#
# Run by test/all with PGHOST, PGPORT and PGUSER=postgres exported for a
# private cluster that preloads webhooks.  psql and pg_dump run as the
# calling user (root) over the socket, so nothing here needs the postgres OS
# user to read the repository.
set -euo pipefail

SRC_DB=webhooks_dump_src_$$
DST_DB=webhooks_dump_dst_$$
WORK=$(mktemp -d /tmp/webhooks-dump.XXXXXX)

TENANT_A=aaaaaaaa-0000-4000-8000-00000000000a
TENANT_B=bbbbbbbb-0000-4000-8000-00000000000b
CUSTOM_TYPE=acme.widget.created

cleanup() {
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $SRC_DB WITH (FORCE)" \
		-c "DROP DATABASE IF EXISTS $DST_DB WITH (FORCE)" >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
	echo "dump: FAILED: $*" >&2
	exit 1
}

# sql DB: run stdin in DB, stop at the first error, print tuples only
sql() {
	psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$1"
}

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $SRC_DB" -c "CREATE DATABASE $DST_DB" ||
	fail "could not create the databases"

# ---------------------------------------------------------------------------
# The source database
# ---------------------------------------------------------------------------
sql "$SRC_DB" >/dev/null <<SQL || fail "could not set up the source database"
CREATE EXTENSION webhooks;

SELECT webhooks.register_event_type('$CUSTOM_TYPE',
	E'A widget was created.\nSecond line with a tab\\there, a quote '' and a backslash \\\\.');

-- tenant A
SELECT webhooks.create_webhook('$TENANT_A', \$json\$
{
  "name": "orders",
  "endpoint": {
    "url": "https://orders.example.com/hooks?a=1&b=%20x",
    "headers": {"X-Api-Key": ["k-123"], "X-Multi": ["one", "two, with comma", "back\\\\slash \"quoted\""]},
    "hmacEnabled": true,
    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "tag": "key-2024"
  },
  "eventTypes": ["policy.quote.issue", "billing.*"],
  "failureHandling": {
    "triggers": ["4xx", "503", "timeout"],
    "divert": true,
    "suspend": true,
    "retryStrategy": {"type": "exponential", "interval": 500, "attempts": 5},
    "alertEndpoint": {"url": "https://alerts.example.com/a", "headers": {"X-Alert": ["1"]},
                      "hmacEnabled": true}
  }
}\$json\$);

SELECT webhooks.create_webhook('$TENANT_A', \$json\$
{
  "name": "generated secret",
  "endpoint": {"url": "https://gen.example.com/", "hmacEnabled": true, "tag": "gen-tag"},
  "eventTypes": ["policy.*"],
  "failureHandling": {"retryStrategy": {"type": "linear", "interval": 1000}}
}\$json\$);

SELECT webhooks.create_webhook('$TENANT_A', \$json\$
{
  "name": "disabled",
  "enabled": false,
  "endpoint": {"url": "http://plain.example.com:8080/x", "secureSsl": false},
  "eventTypes": ["*"]
}\$json\$);

SELECT webhooks.create_webhook('$TENANT_A', \$json\$
{
  "name": "to be suspended",
  "endpoint": {"url": "https://down.example.com/", "secret": "a raw secret, not whsec", "hmacEnabled": true},
  "eventTypes": ["claim.fnol.create", "document.*"],
  "failureHandling": {"triggers": ["5xx", "410"], "divert": true, "suspend": true,
                      "alertEndpoint": {"url": "https://alerts.example.com/b", "secret": "alert secret", "tag": "alert-tag"}}
}\$json\$);

SELECT webhooks.create_webhook('$TENANT_A', \$json\$
{
  "name": "Ünïcödé ☃ name with \"quotes\", tab-free \\\\ backslash",
  "endpoint": {"url": "https://xn--bcher-kva.example/ü"},
  "eventTypes": ["$CUSTOM_TYPE", "policy.quote.issue"]
}\$json\$);

-- tenant B: the same name as in tenant A is allowed
SELECT webhooks.create_webhook('$TENANT_B', \$json\$
{
  "name": "orders",
  "endpoint": {"url": "https://b.example.com/orders", "headers": {"Authorization": ["Bearer t0k3n"]}},
  "eventTypes": ["$CUSTOM_TYPE"],
  "failureHandling": {"triggers": ["timeout"], "retryStrategy": {"type": "linear", "interval": 86400000, "attempts": 10}}
}\$json\$);

SELECT webhooks.create_webhook('$TENANT_B', \$json\$
{
  "name": "automation",
  "useAutomationPlugin": true,
  "endpoint": {"url": "https://b.example.com/auto", "hmacEnabled": true},
  "eventTypes": ["billing.invoice.*", "contact.created"]
}\$json\$);

SELECT webhooks.create_webhook('$TENANT_B', \$json\$
{
  "name": "disabled and suspended",
  "enabled": false,
  "endpoint": {"url": "https://b.example.com/off"},
  "eventTypes": ["moratorium.*"]
}\$json\$);

-- suspension is the worker's business: set it the way the worker would
UPDATE webhooks._webhook
SET suspended = true, suspended_at = '2024-05-01 12:34:56.789+00'
WHERE name IN ('to be suspended', 'disabled and suspended');
SQL

# counts in the source, to be sure the comparison compares something
n_a=$(sql "$SRC_DB" <<<"SELECT jsonb_array_length(webhooks.fetch_webhooks('$TENANT_A', count => 1000) -> 'items')")
n_b=$(sql "$SRC_DB" <<<"SELECT jsonb_array_length(webhooks.fetch_webhooks('$TENANT_B', count => 1000) -> 'items')")
[[ $n_a == 5 && $n_b == 3 ]] || fail "source has $n_a webhooks in tenant A and $n_b in tenant B, expected 5 and 3"

# ---------------------------------------------------------------------------
# Dump and restore
# ---------------------------------------------------------------------------
pg_dump -d "$SRC_DB" -f "$WORK/dump.sql" || fail "pg_dump failed"
psql -X -q -v ON_ERROR_STOP=1 -d "$DST_DB" -f "$WORK/dump.sql" >"$WORK/restore.log" 2>&1 || {
	cat "$WORK/restore.log" >&2
	fail "restoring the dump with psql failed"
}
if grep -q -E 'ERROR|WARNING' "$WORK/restore.log"; then
	cat "$WORK/restore.log" >&2
	fail "the restore printed errors or warnings"
fi

# ---------------------------------------------------------------------------
# Compare
# ---------------------------------------------------------------------------
# same: compare the output of one query in both databases, byte for byte
same() {
	local what=$1 query=$2
	sql "$SRC_DB" <<<"$query" >"$WORK/src.out" || fail "$what: query failed in the source"
	sql "$DST_DB" <<<"$query" >"$WORK/dst.out" || fail "$what: query failed in the restored database"
	[[ -s $WORK/src.out ]] || fail "$what: nothing to compare"
	if ! cmp -s "$WORK/src.out" "$WORK/dst.out"; then
		diff -u --label "$SRC_DB" --label "$DST_DB" "$WORK/src.out" "$WORK/dst.out" >&2 || true
		fail "$what differs after the restore"
	fi
}

same "fetch_webhooks of tenant A" \
	"SELECT webhooks.fetch_webhooks('$TENANT_A', count => 1000)"
same "fetch_webhooks of tenant B" \
	"SELECT webhooks.fetch_webhooks('$TENANT_B', count => 1000)"
same "fetch_webhook of every webhook" \
	"SELECT webhooks.fetch_webhook(tenant_locator, locator) FROM webhooks._webhook ORDER BY tenant_locator, locator"
same "stored webhook rows" \
	"SELECT w::text FROM webhooks._webhook w ORDER BY tenant_locator, locator"
same "the registered event type" \
	"SELECT name, description, builtin, created_at FROM webhooks.event_type WHERE NOT builtin ORDER BY name"
same "webhooks subscribed to the registered event type" \
	"SELECT webhooks.fetch_webhooks(t, event_types => ARRAY['$CUSTOM_TYPE']) FROM (VALUES ('$TENANT_A'::uuid), ('$TENANT_B')) v(t)"
same "the subscriptions, refilled by the restore" \
	"SELECT tenant_locator, event_type, webhook_locator::text FROM webhooks._subscription ORDER BY 1, 2, 3"
same "the extension version" \
	"SELECT extversion FROM pg_extension WHERE extname = 'webhooks'"

# the secrets really are in what was compared
secrets=$(sql "$DST_DB" <<<"SELECT count(secret) || ' ' || count(alert_secret) FROM webhooks._webhook")
[[ $secrets == "4 2" ]] ||
	fail "endpoint and alert secrets after the restore: $secrets, expected 4 2"

counts=$(sql "$DST_DB" <<<"SELECT count(*) || ' ' || count(*) FILTER (WHERE builtin) || ' ' || count(*) FILTER (WHERE name = '$CUSTOM_TYPE') FROM webhooks.event_type")
[[ $counts == "194 193 1" ]] ||
	fail "event types after the restore: total, built-in, registered = $counts, expected 194 193 1"

subscribers=$(sql "$DST_DB" <<<"SELECT string_agg(i ->> 'name', ',' ORDER BY i ->> 'name') FROM (VALUES ('$TENANT_A'::uuid), ('$TENANT_B')) v(t), jsonb_array_elements(webhooks.fetch_webhooks(t, event_types => ARRAY['$CUSTOM_TYPE']) -> 'items') i")
[[ $subscribers == "disabled,orders,Ünïcödé ☃ name with \"quotes\", tab-free \\ backslash" ]] ||
	fail "subscribers of $CUSTOM_TYPE after the restore: $subscribers"

# the restored database works: a name clash is still caught, a new webhook
# can subscribe to the registered type, an update and a delete go through
sql "$DST_DB" >"$WORK/after.out" 2>&1 <<SQL || { cat "$WORK/after.out" >&2; fail "the restored database does not work"; }
DO \$\$
BEGIN
	BEGIN
		PERFORM webhooks.create_webhook('$TENANT_A',
			'{"name": "orders", "endpoint": {"url": "https://x.example.com"}, "eventTypes": ["*"]}');
		RAISE EXCEPTION 'a duplicate name was accepted after the restore';
	EXCEPTION WHEN unique_violation THEN
		NULL;
	END;
END
\$\$;
SELECT webhooks.create_webhook('$TENANT_A',
	'{"name": "after restore", "endpoint": {"url": "https://x.example.com"}, "eventTypes": ["$CUSTOM_TYPE"]}');
SELECT webhooks.update_webhook('$TENANT_B', locator, '{"enabled": true}')
FROM webhooks._webhook WHERE tenant_locator = '$TENANT_B' AND name = 'disabled and suspended';
SELECT webhooks.unsuspend_webhook('$TENANT_A', locator)
FROM webhooks._webhook WHERE tenant_locator = '$TENANT_A' AND name = 'to be suspended';
SELECT webhooks.delete_webhook('$TENANT_B', locator)
FROM webhooks._webhook WHERE tenant_locator = '$TENANT_B' AND name = 'automation';
SQL

echo "dump: ok: $((n_a + n_b)) webhooks in 2 tenants and 1 registered event type survived pg_dump and restore"
