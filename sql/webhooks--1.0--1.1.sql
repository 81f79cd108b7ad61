/* webhooks--1.0--1.1.sql: upgrade from version 1.0 to 1.1 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION webhooks UPDATE TO '1.1'" to load this file. \quit

/*
 * Every change since 1.0 is made here, grouped by what it serves; a fresh
 * install of 1.1 runs webhooks--1.0.sql and then this file (see the Makefile).
 */

/* ---- security: tenant-scoped reading, grants (issue 10) ---- */

/*
 * _bound_tenant is the tenant the caller's JWT claims name (NULL without
 * claims); claims that name none, or their absence under
 * webhooks.require_tenant_claim, raise 42501.  Views call it as the
 * reader, so their readers need EXECUTE on it.
 */
CREATE FUNCTION webhooks._bound_tenant() RETURNS uuid
	AS 'MODULE_PATHNAME', 'webhooks_bound_tenant'
	LANGUAGE C STABLE PARALLEL RESTRICTED;

/*
 * Per-webhook statistics show a tenant-bound caller only its own tenant's
 * webhooks (a caller without claims, such as pg_monitor from psql, sees
 * all): the 1.0 view becomes the unfiltered inner part, read by no role,
 * of a filtered one.  security_barrier: no function of the caller's query
 * sees a row before the tenant filter has passed it.
 */
ALTER VIEW webhooks.webhook_delivery_stats RENAME TO _webhook_delivery_stats;
REVOKE ALL ON webhooks._webhook_delivery_stats FROM pg_monitor, webhooks_reader;
CREATE VIEW webhooks.webhook_delivery_stats WITH (security_barrier) AS
SELECT * FROM webhooks._webhook_delivery_stats
WHERE tenant_locator = coalesce((SELECT webhooks._bound_tenant()), tenant_locator);
COMMENT ON VIEW webhooks.webhook_delivery_stats IS
	'Deliveries and failures per webhook, of the caller''s tenant when its JWT claims name one';
REVOKE ALL ON webhooks.webhook_delivery_stats FROM PUBLIC;
GRANT SELECT ON webhooks.webhook_delivery_stats TO pg_monitor, webhooks_reader;

-- cluster-wide totals are for monitoring, not for tenants
REVOKE SELECT ON webhooks.delivery_stats FROM webhooks_reader;
REVOKE EXECUTE ON FUNCTION webhooks._worker_state() FROM webhooks_reader;

/*
 * EXECUTE for PUBLIC only on what the ulid type itself needs: its I/O,
 * its operators and its operator classes' support functions.  The rest
 * (gen_ulid, ulid_time, ulid_floor and every function added later) is
 * granted to whom it is meant for, or to nobody.
 */
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA webhooks FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
	webhooks.ulid_in(cstring), webhooks.ulid_out(webhooks.ulid),
	webhooks.ulid_recv(internal), webhooks.ulid_send(webhooks.ulid),
	webhooks.ulid_eq(webhooks.ulid, webhooks.ulid),
	webhooks.ulid_ne(webhooks.ulid, webhooks.ulid),
	webhooks.ulid_lt(webhooks.ulid, webhooks.ulid),
	webhooks.ulid_le(webhooks.ulid, webhooks.ulid),
	webhooks.ulid_gt(webhooks.ulid, webhooks.ulid),
	webhooks.ulid_ge(webhooks.ulid, webhooks.ulid),
	webhooks.ulid_cmp(webhooks.ulid, webhooks.ulid),
	webhooks.ulid_hash(webhooks.ulid),
	webhooks.ulid_hash_extended(webhooks.ulid, bigint)
	TO PUBLIC;
GRANT EXECUTE ON FUNCTION webhooks._bound_tenant() TO webhooks_reader, pg_monitor;
