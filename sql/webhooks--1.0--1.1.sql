/* webhooks--1.0--1.1.sql: upgrade from version 1.0 to 1.1 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION webhooks UPDATE TO '1.1'" to load this file. \quit

/*
 * Every change since 1.0 is made here, grouped by what it serves; a fresh
 * install of 1.1 runs webhooks--1.0.sql and then this file (see the Makefile).
 */

/* ---- the delivery worker: outcomes, leases, recording (issue 9) ---- */

/*
 * The outcomes of an attempt.  The worker's C enum (src/outcome.h) has the
 * same labels in the same order and checks them before it records; the
 * attempt log keeps the label as text.  "requeued" is never logged: it
 * puts a delivery taken back unsent back in the queue.
 */
CREATE TYPE webhooks.outcome AS ENUM
	('delivered', 'retrying', 'failed', 'dropped', 'requeued');
COMMENT ON COLUMN webhooks._attempt.outcome IS
	'delivered, retrying, failed or dropped (a label of webhooks.outcome)';

/*
 * _renew extends the leases of deliveries the worker still holds, so that
 * a delivery waiting long for a connection is never claimed twice.
 */
CREATE FUNCTION webhooks._renew(t uuid[], w uuid[], e uuid[], lease_ms bigint)
	RETURNS void
	LANGUAGE sql VOLATILE PARALLEL UNSAFE
	SET search_path = webhooks, pg_catalog, pg_temp
	SET enable_hashjoin = off
	SET enable_mergejoin = off
	SET enable_seqscan = off
	AS $$
	UPDATE _delivery d
	SET leased_until = now() + lease_ms * interval '1 millisecond'
	WHERE d.ctid = ANY (ARRAY(
		SELECT x.ctid
		FROM unnest(t, w, e) AS o(t, w, e), LATERAL (
			SELECT q.ctid FROM _delivery q
			WHERE q.tenant_locator = o.t AND q.webhook_locator = o.w::ulid
			  AND q.event_locator = o.e::ulid
			OFFSET 0) x))
	  AND d.leased_until IS NOT NULL;
	$$;
REVOKE ALL ON FUNCTION webhooks._renew(uuid[], uuid[], uuid[], bigint) FROM PUBLIC;

/*
 * _record, as in 1.0 but: outcomes are webhooks.outcome (an unknown one is
 * refused), one key twice in a batch is tolerated (the later outcome wins
 * the diverted record), and no outcome that the worker never produces is
 * counted.  The worker calls it with named arguments.
 */
DROP FUNCTION webhooks._record(uuid[], uuid[], uuid[], integer[],
	timestamptz[], double precision[], integer[], text[], text[], text[],
	text[], timestamptz[], boolean[], boolean[], boolean[]);
CREATE FUNCTION webhooks._record(
	t uuid[], w uuid[], e uuid[], attempt integer[],
	attempted_at timestamptz[], duration_ms double precision[],
	status integer[], error text[], outcome webhooks.outcome[],
	"trigger" text[], response text[], retry_at timestamptz[],
	divert boolean[], suspend boolean[], resend boolean[])
	RETURNS void
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = webhooks, pg_catalog, pg_temp
	-- A batch touches a few hundred rows of large tables: each row is
	-- found by its key (the LATERAL ... OFFSET 0 lookups below cannot be
	-- reordered), whatever the statistics of a queue that is often empty
	-- say when the plan is made and kept.
	SET enable_hashjoin = off
	SET enable_mergejoin = off
	SET enable_seqscan = off
	AS $$
#variable_conflict use_column
BEGIN
	WITH o AS (
		SELECT o.t, o.w::ulid AS w, o.e::ulid AS e, o.attempt, o.attempted_at,
			   o.duration_ms, o.status, o.error, o.outcome, o."trigger",
			   o.response, o.retry_at, o.divert, o.suspend, o.resend, o.n
		FROM unnest(t, w, e, attempt, attempted_at, duration_ms, status,
					error, outcome, "trigger", response, retry_at, divert,
					suspend, resend) WITH ORDINALITY
			AS o(t, w, e, attempt, attempted_at, duration_ms, status, error,
				 outcome, "trigger", response, retry_at, divert, suspend,
				 resend, n)
	), q AS (
		-- the queue row of each outcome, found by its key
		SELECT o.*, x.ctid AS row
		FROM o, LATERAL (
			SELECT d.ctid FROM _delivery d
			WHERE d.tenant_locator = o.t AND d.webhook_locator = o.w
			  AND d.event_locator = o.e
			OFFSET 0) x
	), done AS (
		DELETE FROM _delivery d
		WHERE d.ctid = ANY (ARRAY(SELECT q.row FROM q WHERE q.retry_at IS NULL))
	), again AS (
		-- retries, and deliveries taken back unsent ("requeued")
		UPDATE _delivery d
		SET due_at = q.retry_at, leased_until = NULL,
			attempts = d.attempts - CASE WHEN q.outcome = 'requeued' THEN 1 ELSE 0 END
		FROM q
		WHERE q.retry_at IS NOT NULL AND d.ctid = q.row
	), diverted AS (
		INSERT INTO _diverted_event AS de
			(tenant_locator, webhook_locator, event_locator, request_locator,
			 failure_trigger, failure_message, failure_timestamp)
		-- one row per key: ON CONFLICT cannot change a row twice
		SELECT DISTINCT ON (o.t, o.w, o.e) o.t, o.w, o.e, ev.request_id,
			   -- the status code as text, or why there was none (D9)
			   CASE WHEN o.status IS NOT NULL THEN o.status::text
					ELSE coalesce(o."trigger", 'timeout') END,
			   coalesce(o.error, 'HTTP ' || o.status), o.attempted_at
		FROM o, LATERAL (
			SELECT e.request_id FROM _event e
			WHERE e.tenant_locator = o.t AND e.locator = o.e
			OFFSET 0) ev
		WHERE o.divert
		ORDER BY o.t, o.w, o.e, o.attempted_at DESC, o.n DESC
		ON CONFLICT (tenant_locator, webhook_locator, event_locator) DO UPDATE
		SET failure_trigger = excluded.failure_trigger,
			failure_message = excluded.failure_message,
			failure_timestamp = excluded.failure_timestamp
	), resent AS (
		DELETE FROM _diverted_event de
		WHERE de.ctid = ANY (ARRAY(
			SELECT x.ctid FROM o, LATERAL (
				SELECT v.ctid FROM _diverted_event v
				WHERE v.tenant_locator = o.t AND v.webhook_locator = o.w
				  AND v.event_locator = o.e
				OFFSET 0) x
			WHERE o.resend AND o.outcome = 'delivered'))
	), suspended AS (
		UPDATE _webhook wh SET suspended = true, suspended_at = now()
		WHERE wh.ctid = ANY (ARRAY(
			SELECT x.ctid FROM (SELECT DISTINCT o.t, o.w FROM o WHERE o.suspend) s,
				LATERAL (
					SELECT k.ctid FROM _webhook k
					WHERE k.tenant_locator = s.t AND k.locator = s.w
					  AND NOT k.suspended
					OFFSET 0) x))
	), counted AS (
		INSERT INTO _webhook_stats AS s
			(tenant_locator, webhook_locator, delivered, failed, retried,
			 dropped, last_delivered_at, last_failed_at)
		SELECT o.t, o.w,
			   count(*) FILTER (WHERE o.outcome = 'delivered'),
			   count(*) FILTER (WHERE o.outcome = 'failed'),
			   count(*) FILTER (WHERE o.outcome = 'retrying'),
			   count(*) FILTER (WHERE o.outcome = 'dropped'),
			   max(o.attempted_at) FILTER (WHERE o.outcome = 'delivered'),
			   max(o.attempted_at) FILTER (WHERE o.outcome <> 'delivered')
		FROM o
		WHERE o.outcome <> 'requeued'
		  AND EXISTS (SELECT FROM _webhook wh
					  WHERE wh.tenant_locator = o.t AND wh.locator = o.w)
		GROUP BY o.t, o.w
		ON CONFLICT (tenant_locator, webhook_locator) DO UPDATE
		SET delivered = s.delivered + excluded.delivered,
			failed = s.failed + excluded.failed,
			retried = s.retried + excluded.retried,
			dropped = s.dropped + excluded.dropped,
			last_delivered_at = greatest(s.last_delivered_at, excluded.last_delivered_at),
			last_failed_at = greatest(s.last_failed_at, excluded.last_failed_at)
	)
	INSERT INTO _attempt (tenant_locator, webhook_locator, event_locator,
						  attempt, attempted_at, duration_ms, status, error,
						  outcome, "trigger", response)
	SELECT o.t, o.w, o.e, o.attempt, o.attempted_at, o.duration_ms, o.status,
		   o.error, o.outcome::text, o."trigger", o.response
	FROM o
	WHERE o.outcome <> 'requeued';
END
$$;
REVOKE ALL ON FUNCTION webhooks._record(uuid[], uuid[], uuid[], integer[],
	timestamptz[], double precision[], integer[], text[], webhooks.outcome[],
	text[], text[], timestamptz[], boolean[], boolean[], boolean[]) FROM PUBLIC;

/* ---- every database, every core: the launcher's workers (issue 13) ---- */

/*
 * _serve asks the launcher to start this database's delivery workers once
 * the transaction commits; the install script calls it, so CREATE
 * EXTENSION is noticed at once, without polling.
 */
CREATE FUNCTION webhooks._serve() RETURNS void
	AS 'MODULE_PATHNAME', 'webhooks_serve'
	LANGUAGE C VOLATILE PARALLEL UNSAFE;
REVOKE ALL ON FUNCTION webhooks._serve() FROM PUBLIC;
SELECT webhooks._serve();

/*
 * _claim, as in 1.0, for one partition of the webhooks: those whose
 * locator hashes to part of npartitions (one worker serves each).
 */
DROP FUNCTION webhooks._claim(integer, bigint, uuid[], timestamptz, uuid, uuid);
CREATE FUNCTION webhooks._claim(batch integer, lease_ms bigint, exclude uuid[],
								after_due timestamptz, after_event uuid,
								after_webhook uuid, npartitions integer,
								part integer)
	RETURNS TABLE (
		tenant_locator uuid, webhook_locator uuid, event_locator uuid,
		attempt integer, resend boolean, url text, headers jsonb,
		secure_ssl boolean, hmac_enabled boolean, secret text, tag text,
		enabled boolean, suspended boolean, triggers text[], divert boolean,
		suspend boolean, retry_type text, retry_interval bigint,
		retry_attempts integer, payload text, due_at timestamptz,
		name text, event_type text, alert_url text, alert_headers jsonb,
		alert_secure_ssl boolean, alert_hmac_enabled boolean,
		alert_secret text, alert_tag text)
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = webhooks, pg_catalog, pg_temp
	-- A batch touches a few hundred rows of large tables: each row is
	-- found by its key (the LATERAL ... OFFSET 0 lookups below cannot be
	-- reordered), whatever the statistics of a queue that is often empty
	-- say when the plan is made and kept.
	SET enable_hashjoin = off
	SET enable_mergejoin = off
	SET enable_seqscan = off
	AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	WITH u AS (
		UPDATE _delivery d
		SET leased_until = now() + lease_ms * interval '1 millisecond',
			attempts = d.attempts + 1
		WHERE d.ctid = ANY (ARRAY(
			SELECT q.ctid FROM _delivery q
			WHERE q.due_at <= now()
			  AND (q.due_at, q.event_locator, q.webhook_locator)
				  > (after_due, after_event::ulid, after_webhook::ulid)
			  AND (q.leased_until IS NULL OR q.leased_until < now())
			  AND q.webhook_locator::uuid <> ALL (exclude)
			  AND (webhooks.ulid_hash(q.webhook_locator) & 2147483647) % npartitions = part
			ORDER BY q.due_at, q.event_locator, q.webhook_locator
			LIMIT batch
			FOR UPDATE SKIP LOCKED))
		RETURNING d.tenant_locator, d.webhook_locator, d.event_locator,
				  d.attempts, d.resend, d.due_at
	)
	SELECT u.tenant_locator, u.webhook_locator::uuid, u.event_locator::uuid,
		   u.attempts, u.resend, w.url, w.headers, w.secure_ssl,
		   w.hmac_enabled, w.secret, w.tag, w.enabled, w.suspended,
		   w.triggers, w.divert, w.suspend, w.retry_type, w.retry_interval,
		   w.retry_attempts, e.payload, u.due_at, w.name, e.type, w.alert_url,
		   w.alert_headers, w.alert_secure_ssl, w.alert_hmac_enabled,
		   w.alert_secret, w.alert_tag
	FROM u
	-- OFFSET 0 keeps these lookups apart: one index probe per claimed row
	LEFT JOIN LATERAL (
		SELECT * FROM _webhook wh
		WHERE wh.tenant_locator = u.tenant_locator
		  AND wh.locator = u.webhook_locator
		OFFSET 0) w ON true
	LEFT JOIN LATERAL (
		SELECT ev.payload, ev.type FROM _event ev
		WHERE ev.tenant_locator = u.tenant_locator
		  AND ev.locator = u.event_locator
		OFFSET 0) e ON true;
END
$$;

REVOKE ALL ON FUNCTION webhooks._claim(integer, bigint, uuid[], timestamptz,
	uuid, uuid, integer, integer) FROM PUBLIC;

/*
 * The delivery workers of the cluster, one row each: its database and
 * partition, pid, state, the queue rows of its partition (counted every
 * ten seconds, up to 1,000,000), the deliveries it holds, and its
 * deliveries since it started and per second over the last ten seconds.
 */
CREATE FUNCTION webhooks._workers(
	OUT database name, OUT partition integer, OUT partitions integer,
	OUT pid integer, OUT state text, OUT queued bigint, OUT held integer,
	OUT delivered bigint, OUT recent_per_second double precision)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'webhooks_workers'
	LANGUAGE C VOLATILE PARALLEL SAFE;
CREATE VIEW webhooks.workers AS SELECT * FROM webhooks._workers();
COMMENT ON VIEW webhooks.workers IS
	'The delivery workers of the cluster: database, partition, pid, state, queue, rate';
REVOKE ALL ON FUNCTION webhooks._workers() FROM PUBLIC;
REVOKE ALL ON webhooks.workers FROM PUBLIC;
GRANT EXECUTE ON FUNCTION webhooks._workers() TO pg_monitor;
GRANT SELECT ON webhooks.workers TO pg_monitor;

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

/* ---- pg_dump keeps everything the database holds (issue 11) ---- */

-- 1.0 marked only the webhooks and the registered event types for pg_dump,
-- so a dump and restore (how a database moves to another major version
-- without pg_upgrade) lost the events, the delivery queue, the diverted
-- events, the attempt log and the counters.  They are the database's data
-- as much as the webhooks are: the queue is owed deliveries, and the events,
-- diverted events and attempts are read through the API.  A delivery that
-- was leased when the dump was taken is sent once its lease has run out.
SELECT pg_catalog.pg_extension_config_dump('webhooks._event', '');
SELECT pg_catalog.pg_extension_config_dump('webhooks._delivery', '');
SELECT pg_catalog.pg_extension_config_dump('webhooks._diverted_event', '');
SELECT pg_catalog.pg_extension_config_dump('webhooks._attempt', '');
SELECT pg_catalog.pg_extension_config_dump('webhooks._attempt_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('webhooks._webhook_stats', '');
