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
 * attempt log keeps the label as text.
 */
CREATE TYPE webhooks.outcome AS ENUM
	('delivered', 'retrying', 'failed', 'dropped');
COMMENT ON COLUMN webhooks._attempt.outcome IS
	'delivered, retrying, failed or dropped (a label of webhooks.outcome)';

/*
 * _record, as in 1.0 but: outcomes are webhooks.outcome (an unknown one is
 * refused), one key twice in a batch is tolerated (the later outcome wins
 * the diverted record), no outcome that the worker never produces is
 * counted, a retry counts its attempt (claims no longer write the row: see
 * _claim), no outcome is copied before it is written (1.0 gathered them in
 * a common table that every part read again), a delivered row is looked
 * for first where _claim found it (row_ctid), and counters are updated in
 * place (every webhook has its row of statistics: see the end of this
 * script).  The worker calls it with named arguments.
 */
DROP FUNCTION webhooks._record(uuid[], uuid[], uuid[], integer[],
	timestamptz[], double precision[], integer[], text[], text[], text[],
	text[], timestamptz[], boolean[], boolean[], boolean[]);
CREATE FUNCTION webhooks._record(
	t uuid[], w uuid[], e uuid[], attempt integer[],
	attempted_at timestamptz[], duration_ms double precision[],
	status integer[], error text[], outcome webhooks.outcome[],
	"trigger" text[], response text[], retry_at timestamptz[],
	divert boolean[], suspend boolean[], resend boolean[],
	row_ctid tid[] DEFAULT NULL)
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
	-- Planned once: a custom plan folds away the rare parts' gates, so it
	-- always looked cheaper than the generic plan, and every batch paid for
	-- planning this statement again (about a seventh of recording).  The
	-- generic plan checks those gates once per call instead.
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_column
BEGIN
	-- Each part reads the arguments it needs itself: no outcome is copied
	-- into a common table first, and the parts for what batches rarely
	-- hold (retries, diverts, resends, suspensions) read nothing unless
	-- the batch holds one (their gating condition, on the arguments alone,
	-- is checked once).  The arguments are qualified: _webhook has
	-- columns of the same names.
	WITH done AS (
		-- final outcomes: the queue row goes.  It is looked for where it
		-- was when claimed (row_ctid), and taken there only if it is still
		-- the same delivery; a row that moved (a resend queued while it was
		-- in flight updates it) or went is found by its key.
		DELETE FROM _delivery d
		WHERE d.ctid = ANY (ARRAY(
			SELECT coalesce(
				(SELECT q.ctid FROM _delivery q
				 WHERE q.ctid = k.c AND q.tenant_locator = k.t
				   AND q.webhook_locator = k.w::ulid
				   AND q.event_locator = k.e::ulid),
				(SELECT q.ctid FROM _delivery q
				 WHERE q.tenant_locator = k.t AND q.webhook_locator = k.w::ulid
				   AND q.event_locator = k.e::ulid))
			FROM unnest(_record.t, _record.w, _record.e, _record.retry_at,
						_record.row_ctid) AS k(t, w, e, retry_at, c)
			WHERE k.retry_at IS NULL))
	), again AS (
		-- retries: attempts counts the attempts made
		UPDATE _delivery d
		SET due_at = k.retry_at, attempts = k.attempt
		FROM (
			SELECT k.retry_at, k.attempt, x.ctid
			FROM unnest(_record.t, _record.w, _record.e, _record.retry_at,
						_record.attempt)
				AS k(t, w, e, retry_at, attempt), LATERAL (
				SELECT q.ctid FROM _delivery q
				WHERE q.tenant_locator = k.t AND q.webhook_locator = k.w::ulid
				  AND q.event_locator = k.e::ulid
				OFFSET 0) x
			WHERE k.retry_at IS NOT NULL
			  AND cardinality(array_remove(_record.retry_at, NULL)) > 0
			OFFSET 0) k
		WHERE d.ctid = k.ctid
	), diverted AS (
		INSERT INTO _diverted_event AS de
			(tenant_locator, webhook_locator, event_locator, request_locator,
			 failure_trigger, failure_message, failure_timestamp)
		-- one row per key: ON CONFLICT cannot change a row twice
		SELECT DISTINCT ON (o.t, o.w, o.e) o.t, o.w::ulid, o.e::ulid,
			   ev.request_id,
			   -- the status code as text, or why there was none (D9)
			   CASE WHEN o.status IS NOT NULL THEN o.status::text
					ELSE coalesce(o."trigger", 'timeout') END,
			   coalesce(o.error, 'HTTP ' || o.status), o.attempted_at
		FROM unnest(_record.t, _record.w, _record.e, _record.status,
					_record."trigger", _record.error, _record.attempted_at,
					_record.divert)
			WITH ORDINALITY
			AS o(t, w, e, status, "trigger", error, attempted_at, divert, n),
			LATERAL (
				SELECT e.request_id FROM _event e
				WHERE e.tenant_locator = o.t AND e.locator = o.e::ulid
				OFFSET 0) ev
		WHERE o.divert AND true = ANY (_record.divert)
		ORDER BY o.t, o.w, o.e, o.attempted_at DESC, o.n DESC
		ON CONFLICT (tenant_locator, webhook_locator, event_locator) DO UPDATE
		SET failure_trigger = excluded.failure_trigger,
			failure_message = excluded.failure_message,
			failure_timestamp = excluded.failure_timestamp
	), resent AS (
		DELETE FROM _diverted_event de
		WHERE de.ctid = ANY (ARRAY(
			SELECT x.ctid
			FROM unnest(_record.t, _record.w, _record.e, _record.outcome,
						_record.resend) AS o(t, w, e, outcome, resend),
				LATERAL (
				SELECT v.ctid FROM _diverted_event v
				WHERE v.tenant_locator = o.t AND v.webhook_locator = o.w::ulid
				  AND v.event_locator = o.e::ulid
				OFFSET 0) x
			WHERE o.resend AND o.outcome = 'delivered' AND true = ANY (_record.resend)))
	), suspended AS (
		UPDATE _webhook wh SET suspended = true, suspended_at = now()
		WHERE wh.ctid = ANY (ARRAY(
			SELECT x.ctid
			FROM (SELECT DISTINCT o.t, o.w
				  FROM unnest(_record.t, _record.w, _record.suspend) AS o(t, w, suspend)
				  WHERE o.suspend AND true = ANY (_record.suspend)) s,
				LATERAL (
					SELECT k.ctid FROM _webhook k
					WHERE k.tenant_locator = s.t AND k.locator = s.w::ulid
					  AND NOT k.suspended
					OFFSET 0) x))
	), grouped AS (
		-- the counts of each webhook in the batch
		SELECT o.t, o.w::ulid AS w,
			   count(*) FILTER (WHERE o.outcome = 'delivered') AS delivered,
			   count(*) FILTER (WHERE o.outcome = 'failed') AS failed,
			   count(*) FILTER (WHERE o.outcome = 'retrying') AS retried,
			   count(*) FILTER (WHERE o.outcome = 'dropped') AS dropped,
			   max(o.attempted_at) FILTER (WHERE o.outcome = 'delivered')
				   AS last_delivered_at,
			   max(o.attempted_at) FILTER (WHERE o.outcome <> 'delivered')
				   AS last_failed_at
		FROM unnest(_record.t, _record.w, _record.outcome, _record.attempted_at)
			AS o(t, w, outcome, attempted_at)
		GROUP BY o.t, o.w
	), counted AS (
		-- a webhook has its row from its creation to its deletion
		-- (wh_store_insert, wh_store_delete): found by its key and updated
		UPDATE _webhook_stats s
		SET delivered = s.delivered + g.delivered,
			failed = s.failed + g.failed,
			retried = s.retried + g.retried,
			dropped = s.dropped + g.dropped,
			last_delivered_at = greatest(s.last_delivered_at, g.last_delivered_at),
			last_failed_at = greatest(s.last_failed_at, g.last_failed_at)
		FROM grouped g
		WHERE s.tenant_locator = g.t AND s.webhook_locator = g.w
		RETURNING s.tenant_locator AS t, s.webhook_locator AS w
	), first_counted AS (
		-- a webhook without one (restored from a dump of 1.0, which kept
		-- no counters) gets it, if it still exists; nothing is looked for
		-- when every webhook had its row
		INSERT INTO _webhook_stats AS s
			(tenant_locator, webhook_locator, delivered, failed, retried,
			 dropped, last_delivered_at, last_failed_at)
		SELECT g.t, g.w, g.delivered, g.failed, g.retried, g.dropped,
			   g.last_delivered_at, g.last_failed_at
		FROM grouped g
		WHERE (SELECT count(*) FROM counted) < (SELECT count(*) FROM grouped)
		  AND NOT EXISTS (SELECT FROM counted c WHERE c.t = g.t AND c.w = g.w)
		  -- locked: a webhook deleted meanwhile gets no row back
		  AND EXISTS (SELECT FROM _webhook wh
					  WHERE wh.tenant_locator = g.t AND wh.locator = g.w
					  FOR KEY SHARE)
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
	SELECT o.t, o.w::ulid, o.e::ulid, o.attempt, o.attempted_at,
		   o.duration_ms, o.status, o.error, o.outcome::text, o."trigger",
		   o.response
	FROM unnest(_record.t, _record.w, _record.e, _record.attempt,
				_record.attempted_at, _record.duration_ms, _record.status,
				_record.error, _record.outcome, _record."trigger",
				_record.response)
		AS o(t, w, e, attempt, attempted_at, duration_ms, status, error,
			 outcome, "trigger", response);
END
$$;
REVOKE ALL ON FUNCTION webhooks._record(uuid[], uuid[], uuid[], integer[],
	timestamptz[], double precision[], integer[], text[], webhooks.outcome[],
	text[], text[], timestamptz[], boolean[], boolean[], boolean[], tid[])
	FROM PUBLIC;

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
 * _claim reads the next due deliveries of one partition of the webhooks
 * (those whose locator hashes to part of npartitions) after the worker's
 * cursor, with the events they send.  Unlike 1.0's it writes nothing:
 * one worker serves a partition at a time (the launcher's slots), and it
 * knows what it holds, so a lease in the row would only cost a second
 * write of every delivery (most of them not HOT: a page filled by
 * publishes has no room for a new version of each row).  A delivery in
 * flight when its worker dies is simply due, and sent again by the next
 * one: at least once.  attempt is the number of the attempt about to be
 * made; _record counts it when it is a retry.  row_ctid, where the row
 * is, lets _record find it again without searching the queue's index.
 * The webhooks the deliveries are for are read by _claim_webhooks, once
 * each.  The rows of the webhooks in exclude (those with as many requests
 * out as they may have) are passed: the worker claims them later by
 * _claim_webhook.  So that no statement reads further than 8 batches of
 * rows however long one webhook's backlog is, the last row it may read
 * comes back even when it is an excluded webhook's (without its event),
 * with read_on true: the worker's cursor goes on from there.  Coming back
 * with fewer than batch rows and no such row means that every due row
 * after the cursor was read.  With nothing excluded, read_on is NULL.
 */
DROP FUNCTION webhooks._claim(integer, bigint, uuid[], timestamptz, uuid, uuid);
CREATE FUNCTION webhooks._claim(batch integer, exclude uuid[],
								after_due timestamptz, after_event uuid,
								after_webhook uuid, npartitions integer,
								part integer)
	RETURNS TABLE (
		tenant_locator uuid, webhook_locator uuid, event_locator uuid,
		attempt integer, resend boolean, payload text, due_at timestamptz,
		event_type text, row_ctid tid, read_on boolean)
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = webhooks, pg_catalog, pg_temp
	-- A batch touches a few hundred rows of large tables: each row is
	-- found by its key (the LATERAL ... OFFSET 0 lookup below cannot be
	-- reordered), whatever the statistics of a queue that is often empty
	-- say when the plan is made and kept.  The due rows are read in
	-- index order and no other way: the partition filter's guessed
	-- selectivity would otherwise make a bitmap scan and a sort of the
	-- whole queue look cheaper than reading the index until the batch is
	-- full.
	SET enable_hashjoin = off
	SET enable_mergejoin = off
	SET enable_seqscan = off
	SET enable_bitmapscan = off
	SET enable_sort = off
	-- planned once (see _record)
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_column
BEGIN
	-- With nothing excluded, the same read without the row numbers: they
	-- cost 0.6 us a claimed row (track_functions, 100-webhook fan-out).
	IF cardinality(exclude) = 0 THEN
		RETURN QUERY
		SELECT u.tenant_locator, u.webhook_locator::uuid, u.event_locator::uuid,
			   u.attempts + 1, u.resend, e.payload, u.due_at, e.type, u.ctid,
			   NULL::boolean
		FROM (
			SELECT q.tenant_locator, q.webhook_locator, q.event_locator,
				   q.attempts, q.resend, q.due_at, q.ctid
			FROM _delivery q
			WHERE q.due_at <= now()
			  AND (q.due_at, q.event_locator, q.webhook_locator)
				  > (after_due, after_event::ulid, after_webhook::ulid)
			  AND (webhooks.ulid_hash(q.webhook_locator) & 2147483647) % npartitions = part
			ORDER BY q.due_at, q.event_locator, q.webhook_locator
			LIMIT batch) u
		-- OFFSET 0 keeps the lookup apart: one index probe per claimed row
		LEFT JOIN LATERAL (
			SELECT ev.payload, ev.type FROM _event ev
			WHERE ev.tenant_locator = u.tenant_locator
			  AND ev.locator = u.event_locator
			OFFSET 0) e ON true;
		RETURN;
	END IF;
	RETURN QUERY
	SELECT u.tenant_locator, u.webhook_locator::uuid, u.event_locator::uuid,
		   u.attempts + 1, u.resend, e.payload, u.due_at, e.type, u.ctid,
		   u.n = batch * 8
	FROM (
		SELECT v.* FROM (
			SELECT r.*, row_number() OVER () AS n
			FROM (
				SELECT q.tenant_locator, q.webhook_locator, q.event_locator,
					   q.attempts, q.resend, q.due_at, q.ctid
				FROM _delivery q
				WHERE q.due_at <= now()
				  AND (q.due_at, q.event_locator, q.webhook_locator)
					  > (after_due, after_event::ulid, after_webhook::ulid)
				  AND (webhooks.ulid_hash(q.webhook_locator) & 2147483647) % npartitions = part
				ORDER BY q.due_at, q.event_locator, q.webhook_locator
				LIMIT batch * 8) r
			) v
		-- the last row it may read comes back whoever's it is
		WHERE v.webhook_locator::uuid <> ALL (exclude) OR v.n = batch * 8
		LIMIT batch) u
	LEFT JOIN LATERAL (
		SELECT ev.payload, ev.type FROM _event ev
		WHERE ev.tenant_locator = u.tenant_locator
		  AND ev.locator = u.event_locator
		  AND u.webhook_locator::uuid <> ALL (exclude)
		OFFSET 0) e ON true;
END
$$;

REVOKE ALL ON FUNCTION webhooks._claim(integer, uuid[], timestamptz, uuid,
	uuid, integer, integer) FROM PUBLIC;

/*
 * _claim_webhook reads the due deliveries of one webhook, in the order of
 * their events, after after_event, with the events they send: the rows of
 * a webhook that claims passed while it had as many requests out as it
 * may (see _claim), read by its key when it has room again.  The columns
 * are _claim's (read_on is NULL).
 */
CREATE FUNCTION webhooks._claim_webhook(batch integer, t uuid, w uuid,
										after_event uuid)
	RETURNS TABLE (
		tenant_locator uuid, webhook_locator uuid, event_locator uuid,
		attempt integer, resend boolean, payload text, due_at timestamptz,
		event_type text, row_ctid tid, read_on boolean)
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = webhooks, pg_catalog, pg_temp
	-- the webhook's rows are read in key order (the primary key), and
	-- each event found by its key (see _claim)
	SET enable_hashjoin = off
	SET enable_mergejoin = off
	SET enable_seqscan = off
	SET enable_bitmapscan = off
	SET enable_sort = off
	-- planned once (see _record)
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	SELECT u.tenant_locator, u.webhook_locator::uuid, u.event_locator::uuid,
		   u.attempts + 1, u.resend, e.payload, u.due_at, e.type, u.ctid,
		   NULL::boolean
	FROM (
		SELECT q.tenant_locator, q.webhook_locator, q.event_locator,
			   q.attempts, q.resend, q.due_at, q.ctid
		FROM _delivery q
		WHERE q.tenant_locator = t AND q.webhook_locator = w::ulid
		  AND q.event_locator > after_event::ulid
		  AND q.due_at <= now()
		ORDER BY q.tenant_locator, q.webhook_locator, q.event_locator
		LIMIT batch) u
	LEFT JOIN LATERAL (
		SELECT ev.payload, ev.type FROM _event ev
		WHERE ev.tenant_locator = u.tenant_locator
		  AND ev.locator = u.event_locator
		OFFSET 0) e ON true;
END
$$;
REVOKE ALL ON FUNCTION webhooks._claim_webhook(integer, uuid, uuid, uuid)
	FROM PUBLIC;

/*
 * _claim_webhooks reads what the worker sends claimed deliveries with: the
 * endpoints and failure handling of each webhook (t[i], w[i]), and the
 * version of its row (xmin and ctid, which every update changes), so that
 * the worker builds a configuration again only when its row changed.  A
 * webhook that no longer exists comes back with NULLs.
 */
CREATE FUNCTION webhooks._claim_webhooks(t uuid[], w uuid[])
	RETURNS TABLE (
		tenant_locator uuid, webhook_locator uuid, row_xmin xid, row_ctid tid,
		name text, enabled boolean, suspended boolean, triggers text[],
		divert boolean, suspend boolean, retry_type text,
		retry_interval bigint, retry_attempts integer, url text,
		headers jsonb, secure_ssl boolean, hmac_enabled boolean, secret text,
		tag text, alert_url text, alert_headers jsonb,
		alert_secure_ssl boolean, alert_hmac_enabled boolean,
		alert_secret text, alert_tag text)
	LANGUAGE plpgsql STABLE PARALLEL UNSAFE
	SET search_path = webhooks, pg_catalog, pg_temp
	-- each webhook found by its key, whatever the statistics say
	SET enable_hashjoin = off
	SET enable_mergejoin = off
	SET enable_seqscan = off
	-- planned once (see _record): its custom plans were made again for
	-- every claim
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	SELECT k.t, k.w, x.row_xmin, x.row_ctid, x.name, x.enabled, x.suspended,
		   x.triggers, x.divert, x.suspend, x.retry_type, x.retry_interval,
		   x.retry_attempts, x.url, x.headers, x.secure_ssl, x.hmac_enabled,
		   x.secret, x.tag, x.alert_url, x.alert_headers, x.alert_secure_ssl,
		   x.alert_hmac_enabled, x.alert_secret, x.alert_tag
	FROM unnest(_claim_webhooks.t, _claim_webhooks.w) AS k(t, w)
	LEFT JOIN LATERAL (
		SELECT wh.xmin AS row_xmin, wh.ctid AS row_ctid, wh.* FROM _webhook wh
		WHERE wh.tenant_locator = k.t AND wh.locator = k.w::ulid
		OFFSET 0) x ON true;
END
$$;
REVOKE ALL ON FUNCTION webhooks._claim_webhooks(uuid[], uuid[]) FROM PUBLIC;


/*
 * The lease column goes: deliveries in flight are known to their worker
 * (webhooks.workers, held), and leases a 1.0 worker left are void.
 */
CREATE FUNCTION webhooks._held() RETURNS bigint
	AS 'MODULE_PATHNAME', 'webhooks_held'
	LANGUAGE C VOLATILE PARALLEL SAFE;
REVOKE ALL ON FUNCTION webhooks._held() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION webhooks._held() TO pg_monitor;
CREATE OR REPLACE VIEW webhooks.delivery_stats AS
SELECT w.worker_pid,
	   (SELECT count(*) FROM webhooks._delivery) AS queue_depth,
	   webhooks._held() AS in_flight,
	   (SELECT now() - min(due_at) FROM webhooks._delivery
		WHERE due_at <= now()) AS oldest_pending_age,
	   s.delivered, s.failed, s.retried, s.dropped,
	   w.delivered AS delivered_since_start,
	   w.failed AS failed_since_start,
	   w.attempts AS attempts_since_start,
	   w.recent_per_second
FROM webhooks._worker_state() w,
	 (SELECT coalesce(sum(delivered), 0) AS delivered,
			 coalesce(sum(failed), 0) AS failed,
			 coalesce(sum(retried), 0) AS retried,
			 coalesce(sum(dropped), 0) AS dropped
	  FROM webhooks._webhook_stats) s;
COMMENT ON VIEW webhooks.delivery_stats IS
	'How delivery is doing: queue depth, deliveries in flight, oldest due delivery, totals, recent rate';
-- The queue is vacuumed unthrottled and never truncated: a drained queue
-- is mostly the index entries of delivered rows, which every claim from
-- behind them reads until vacuum removes them, and truncation holds an
-- ACCESS EXCLUSIVE lock (the worker steps aside) while it scans the table
-- backwards; the space is used again by the next burst.
ALTER TABLE webhooks._delivery SET (autovacuum_vacuum_cost_delay = 0,
	vacuum_truncate = false);

-- 1.0 counted an attempt when it leased the row; 1.1 counts it when its
-- outcome is recorded: an attempt in flight under 1.0 is made again under
-- its own number
UPDATE webhooks._delivery SET attempts = attempts - 1
WHERE leased_until IS NOT NULL AND attempts > 0;
ALTER TABLE webhooks._delivery DROP COLUMN leased_until;

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
-- was in flight when the dump was taken is sent again from the restore.
SELECT pg_catalog.pg_extension_config_dump('webhooks._event', '');
SELECT pg_catalog.pg_extension_config_dump('webhooks._delivery', '');
SELECT pg_catalog.pg_extension_config_dump('webhooks._diverted_event', '');
SELECT pg_catalog.pg_extension_config_dump('webhooks._attempt', '');
SELECT pg_catalog.pg_extension_config_dump('webhooks._attempt_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('webhooks._webhook_stats', '');

/* ---- REST API for PostgREST (issue 12) ---- */

/*
 * Schema webhooks_rest is what PostgREST exposes (db-schemas =
 * "webhooks_rest"): nothing internal is reachable over HTTP.  Its functions
 * are thin SECURITY INVOKER wrappers of the webhooks.* API, so the caller's
 * role and its tenant binding apply to every call exactly as from SQL.  Two
 * sets live here:
 *
 * - the RPC set, named like the SQL API, for PostgREST's own URLs
 *   (/rpc/fetch_webhooks?...).  PostgREST reserves the query keys offset,
 *   limit, order, select, columns, on_conflict, and, or: paging is
 *   page_offset and count, page_size for events.  A list is a jsonb
 *   argument: a JSON array in a request body, comma-separated items in a
 *   query string.  (VARIADIC cannot serve: PostgREST calls functions in
 *   named notation with only the arguments it was given, and PostgreSQL
 *   refuses such a call of a variadic function that leaves any out.)
 *   Functions that only read are STABLE, so PostgREST serves them with GET
 *   in a READ ONLY transaction; the others need POST.
 *
 * - the socotra_* set, for Socotra's own URL layout behind the reverse proxy
 *   in contrib/postgrest/.  The proxy rewrites /event/{tenant}/... to
 *   /rpc/socotra_<operation> and passes the client's request line in the
 *   headers X-Original-URI and X-Original-Method; PostgREST hands every
 *   header to the function in the setting request.headers.  The path
 *   parameters and the query are read from there by webhooks._rest_path and
 *   webhooks._rest_query; a request body reaches the function untouched as
 *   its single unnamed jsonb argument.  Nothing the client sends is ever
 *   pasted into another document, so a body cannot override a path
 *   parameter.
 *
 * Statuses: a void operation sets response.status to 204 (PostgREST would
 * answer 200 with "null"); errors keep their SQLSTATEs (PT404, 23505, 42501,
 * 22023, ...), which PostgREST maps itself; the layout's own refusals use
 * PostgREST's PTxyz convention (PT405: the method does not fit).
 */
CREATE SCHEMA webhooks_rest;
COMMENT ON SCHEMA webhooks_rest IS
	'The webhooks API as PostgREST exposes it: RPC wrappers and Socotra''s URL layout';
GRANT USAGE ON SCHEMA webhooks_rest TO webhooks_reader, webhooks_writer, webhooks_publisher;

/*
 * Reading the request PostgREST describes in request.headers.  These are
 * internal (schema webhooks is never exposed); the wrappers run as their
 * caller, so the API roles may execute them.  Everything here is PL/pgSQL:
 * it keeps its plans for the session, where an SQL function with a SET
 * clause is planned anew at every call.
 */

-- _rest_decode: percent-decoding of one URL component as UTF-8; with
-- plus_is_space, '+' is a space (form encoding, used in query strings)
CREATE FUNCTION webhooks._rest_decode(component text, plus_is_space boolean)
	RETURNS text
	LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF plus_is_space THEN
		component := pg_catalog.replace(component, '+', ' ');
	END IF;
	IF pg_catalog.strpos(component, '%') = 0 THEN
		RETURN component;
	END IF;
	RETURN pg_catalog.convert_from(pg_catalog.string_agg(
		CASE WHEN m[1] IS NOT NULL THEN pg_catalog.decode(pg_catalog.substr(m[1], 2), 'hex')
			 ELSE pg_catalog.convert_to(m[2], 'UTF8') END, ''::bytea ORDER BY n), 'UTF8')
	FROM pg_catalog.regexp_matches(component, '(%[0-9A-Fa-f]{2})|([^%]+|%)', 'g') WITH ORDINALITY AS t(m, n);
END
$$;
COMMENT ON FUNCTION webhooks._rest_decode(text, boolean) IS
	'REST helper: percent-decoding of one URL component as UTF-8';

-- _rest_uri: the client's request target as the proxy forwarded it, after
-- checking that the client's method is the one the operation answers
CREATE FUNCTION webhooks._rest_uri(method text)
	RETURNS text
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	headers jsonb := NULLIF(pg_catalog.current_setting('request.headers', true), '')::jsonb;
	uri text := headers ->> 'x-original-uri';
	client_method text := headers ->> 'x-original-method';
BEGIN
	IF uri IS NULL OR client_method IS NULL THEN
		RAISE EXCEPTION 'request did not come through the Socotra-layout proxy'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'The proxy of contrib/postgrest sets the X-Original-URI and X-Original-Method headers.';
	END IF;
	IF client_method <> method THEN
		RAISE EXCEPTION 'method % is not allowed here', client_method
			USING ERRCODE = 'PT405', HINT = pg_catalog.format('This operation answers %s.', method);
	END IF;
	RETURN uri;
END
$$;
COMMENT ON FUNCTION webhooks._rest_uri(text) IS
	'REST helper: the request target the Socotra-layout proxy forwarded, after the method check';

-- _rest_path: the path parameters of the request, for the first of the
-- patterns ('/event/*/webhooks/*': a * matches one segment) that its path
-- matches; PT404 when none does
CREATE FUNCTION webhooks._rest_path(method text, VARIADIC patterns text[])
	RETURNS text[]
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	path text[] := pg_catalog.string_to_array(
		pg_catalog.split_part(webhooks._rest_uri(method), '?', 1), '/');
	want text[];
	params text[];
BEGIN
	FOR i IN 1 .. pg_catalog.array_length(patterns, 1) LOOP
		want := pg_catalog.string_to_array(patterns[i], '/');
		CONTINUE WHEN pg_catalog.array_length(want, 1) IS DISTINCT FROM pg_catalog.array_length(path, 1);
		params := '{}';
		FOR j IN 1 .. pg_catalog.array_length(want, 1) LOOP
			IF want[j] = '*' AND path[j] <> '' THEN
				params := params || webhooks._rest_decode(path[j], false);
			ELSIF want[j] <> path[j] THEN
				params := NULL;
				EXIT;
			END IF;
		END LOOP;
		IF params IS NOT NULL THEN
			RETURN params;
		END IF;
	END LOOP;
	RAISE EXCEPTION 'no such resource'
		USING ERRCODE = 'PT404';
END
$$;
COMMENT ON FUNCTION webhooks._rest_path(text, text[]) IS
	'REST helper: the path parameters of the forwarded request, for the first pattern its path matches';

-- _rest_query: the request's query string as {"key": ["value", ...]};
-- a key the operation does not take is 22023
CREATE FUNCTION webhooks._rest_query(method text, VARIADIC allowed text[])
	RETURNS jsonb
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	uri text := webhooks._rest_uri(method);
	result jsonb := '{}';
	pair text;
	key text;
	value text;
BEGIN
	IF pg_catalog.strpos(uri, '?') = 0 THEN
		RETURN result;
	END IF;
	FOREACH pair IN ARRAY pg_catalog.string_to_array(pg_catalog.substr(uri, pg_catalog.strpos(uri, '?') + 1), '&') LOOP
		CONTINUE WHEN pair = '';
		key := webhooks._rest_decode(pg_catalog.split_part(pair, '=', 1), true);
		value := webhooks._rest_decode(pg_catalog.substr(pair, pg_catalog.length(pg_catalog.split_part(pair, '=', 1)) + 2), true);
		IF key <> ALL (allowed) THEN
			RAISE EXCEPTION 'invalid query parameter "%": unknown parameter', key
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = pg_catalog.format('Allowed query parameters are: %s.', pg_catalog.array_to_string(allowed, ', '));
		END IF;
		result := pg_catalog.jsonb_set(result, ARRAY[key],
			coalesce(result -> key, '[]') || pg_catalog.to_jsonb(value));
	END LOOP;
	RETURN result;
END
$$;
COMMENT ON FUNCTION webhooks._rest_query(text, text[]) IS
	'REST helper: the query parameters of the forwarded request, by name';

-- _rest_arg: the one value of a query parameter, NULL when absent
CREATE FUNCTION webhooks._rest_arg(params jsonb, key text)
	RETURNS text
	LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF pg_catalog.jsonb_array_length(coalesce(params -> key, '[]')) > 1 THEN
		RAISE EXCEPTION 'invalid query parameter "%": given more than once', key
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RETURN params -> key ->> 0;
END
$$;
COMMENT ON FUNCTION webhooks._rest_arg(jsonb, text) IS
	'REST helper: the one value of a query parameter';

-- _rest_list: the items of a list argument given as a JSON array of
-- strings or as one string of comma-separated items (event types contain no
-- commas), NULL when absent.  PostgREST passes a query value as a JSON
-- string, a request body's array as it is.
CREATE FUNCTION webhooks._rest_list(name text, list jsonb)
	RETURNS text[]
	LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	items text[] := '{}';
	item jsonb;
BEGIN
	IF list IS NULL OR pg_catalog.jsonb_typeof(list) = 'null' THEN
		RETURN NULL;
	END IF;
	FOR item IN SELECT * FROM pg_catalog.jsonb_array_elements(
		CASE pg_catalog.jsonb_typeof(list) WHEN 'array' THEN list ELSE pg_catalog.jsonb_build_array(list) END)
	LOOP
		IF pg_catalog.jsonb_typeof(item) <> 'string' THEN
			RAISE EXCEPTION 'invalid "%": must be an array of strings or a comma-separated string', name
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		items := items || pg_catalog.string_to_array(item #>> '{}', ',');
	END LOOP;
	RETURN items;
END
$$;
COMMENT ON FUNCTION webhooks._rest_list(text, jsonb) IS
	'REST helper: the items of a list given as a JSON array or as comma-separated items';

-- _rest_no_content: a void operation answers 204 No Content
CREATE FUNCTION webhooks._rest_no_content()
	RETURNS void
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM pg_catalog.set_config('response.status', '204', true);
END
$$;
COMMENT ON FUNCTION webhooks._rest_no_content() IS
	'REST helper: make PostgREST answer 204 No Content';

/*
 * The RPC set: PostgREST's own URLs, /rpc/<operation>.
 */

CREATE FUNCTION webhooks_rest.create_webhook(tenant_locator uuid, request jsonb)
	RETURNS jsonb LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN webhooks.create_webhook(tenant_locator, request);
END
$$;
COMMENT ON FUNCTION webhooks_rest.create_webhook(uuid, jsonb) IS
	'PostgREST''s /rpc/create_webhook: calls webhooks.create_webhook';

CREATE FUNCTION webhooks_rest.fetch_webhook(tenant_locator uuid, webhook_locator webhooks.ulid)
	RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN webhooks.fetch_webhook(tenant_locator, webhook_locator);
END
$$;
COMMENT ON FUNCTION webhooks_rest.fetch_webhook(uuid, webhooks.ulid) IS
	'PostgREST''s /rpc/fetch_webhook: calls webhooks.fetch_webhook';

CREATE FUNCTION webhooks_rest.fetch_webhooks(
	tenant_locator uuid,
	page_offset integer DEFAULT NULL,
	count integer DEFAULT NULL,
	name text DEFAULT NULL,
	enabled boolean DEFAULT NULL,
	suspended boolean DEFAULT NULL,
	active boolean DEFAULT NULL,
	event_types jsonb DEFAULT NULL,
	extended boolean DEFAULT NULL)
	RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN webhooks.fetch_webhooks(tenant_locator, "offset" => page_offset, count => count,
		name => name, enabled => enabled, suspended => suspended, active => active,
		event_types => webhooks._rest_list('event_types', event_types), extended => extended);
END
$$;
COMMENT ON FUNCTION webhooks_rest.fetch_webhooks(uuid, integer, integer, text, boolean, boolean, boolean, jsonb, boolean) IS
	'PostgREST''s /rpc/fetch_webhooks: calls webhooks.fetch_webhooks';

CREATE FUNCTION webhooks_rest.update_webhook(tenant_locator uuid, webhook_locator webhooks.ulid, request jsonb)
	RETURNS jsonb LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN webhooks.update_webhook(tenant_locator, webhook_locator, request);
END
$$;
COMMENT ON FUNCTION webhooks_rest.update_webhook(uuid, webhooks.ulid, jsonb) IS
	'PostgREST''s /rpc/update_webhook: calls webhooks.update_webhook';

CREATE FUNCTION webhooks_rest.unsuspend_webhook(tenant_locator uuid, webhook_locator webhooks.ulid)
	RETURNS void LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM webhooks.unsuspend_webhook(tenant_locator, webhook_locator);
	PERFORM webhooks._rest_no_content();
END
$$;
COMMENT ON FUNCTION webhooks_rest.unsuspend_webhook(uuid, webhooks.ulid) IS
	'PostgREST''s /rpc/unsuspend_webhook: calls webhooks.unsuspend_webhook';

CREATE FUNCTION webhooks_rest.delete_webhook(tenant_locator uuid, webhook_locator webhooks.ulid)
	RETURNS void LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM webhooks.delete_webhook(tenant_locator, webhook_locator);
	PERFORM webhooks._rest_no_content();
END
$$;
COMMENT ON FUNCTION webhooks_rest.delete_webhook(uuid, webhooks.ulid) IS
	'PostgREST''s /rpc/delete_webhook: calls webhooks.delete_webhook';

CREATE FUNCTION webhooks_rest.fetch_diverted_event(
	tenant_locator uuid, webhook_locator webhooks.ulid, event_locator webhooks.ulid)
	RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN webhooks.fetch_diverted_event(tenant_locator, webhook_locator, event_locator);
END
$$;
COMMENT ON FUNCTION webhooks_rest.fetch_diverted_event(uuid, webhooks.ulid, webhooks.ulid) IS
	'PostgREST''s /rpc/fetch_diverted_event: calls webhooks.fetch_diverted_event';

CREATE FUNCTION webhooks_rest.fetch_diverted_events(
	tenant_locator uuid, webhook_locator webhooks.ulid,
	page_offset integer DEFAULT NULL, count integer DEFAULT NULL)
	RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN webhooks.fetch_diverted_events(tenant_locator, webhook_locator,
		"offset" => page_offset, count => count);
END
$$;
COMMENT ON FUNCTION webhooks_rest.fetch_diverted_events(uuid, webhooks.ulid, integer, integer) IS
	'PostgREST''s /rpc/fetch_diverted_events: calls webhooks.fetch_diverted_events';

CREATE FUNCTION webhooks_rest.resend_diverted_event(
	tenant_locator uuid, webhook_locator webhooks.ulid, event_locator webhooks.ulid)
	RETURNS jsonb LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN webhooks.resend_diverted_event(tenant_locator, webhook_locator, event_locator);
END
$$;
COMMENT ON FUNCTION webhooks_rest.resend_diverted_event(uuid, webhooks.ulid, webhooks.ulid) IS
	'PostgREST''s /rpc/resend_diverted_event: calls webhooks.resend_diverted_event';

CREATE FUNCTION webhooks_rest.delete_diverted_event(
	tenant_locator uuid, webhook_locator webhooks.ulid, event_locator webhooks.ulid)
	RETURNS jsonb LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN webhooks.delete_diverted_event(tenant_locator, webhook_locator, event_locator);
END
$$;
COMMENT ON FUNCTION webhooks_rest.delete_diverted_event(uuid, webhooks.ulid, webhooks.ulid) IS
	'PostgREST''s /rpc/delete_diverted_event: calls webhooks.delete_diverted_event';

CREATE FUNCTION webhooks_rest.resend_diverted_events(
	tenant_locator uuid, webhook_locator webhooks.ulid, since timestamptz DEFAULT NULL)
	RETURNS bigint LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN webhooks.resend_diverted_events(tenant_locator, webhook_locator, since);
END
$$;
COMMENT ON FUNCTION webhooks_rest.resend_diverted_events(uuid, webhooks.ulid, timestamp with time zone) IS
	'PostgREST''s /rpc/resend_diverted_events: calls webhooks.resend_diverted_events';

CREATE FUNCTION webhooks_rest.publish_event(
	tenant_locator uuid, type text, data jsonb,
	user_locator uuid DEFAULT NULL, request_id webhooks.ulid DEFAULT NULL)
	RETURNS jsonb LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN webhooks.publish_event(tenant_locator, type, data, user_locator, request_id);
END
$$;
COMMENT ON FUNCTION webhooks_rest.publish_event(uuid, text, jsonb, uuid, webhooks.ulid) IS
	'PostgREST''s /rpc/publish_event: calls webhooks.publish_event';

CREATE FUNCTION webhooks_rest.fetch_event(tenant_locator uuid, locator webhooks.ulid)
	RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN webhooks.fetch_event(tenant_locator, locator);
END
$$;
COMMENT ON FUNCTION webhooks_rest.fetch_event(uuid, webhooks.ulid) IS
	'PostgREST''s /rpc/fetch_event: calls webhooks.fetch_event';

CREATE FUNCTION webhooks_rest.fetch_events_for_request(tenant_locator uuid, request_locator webhooks.ulid)
	RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN webhooks.fetch_events_for_request(tenant_locator, request_locator);
END
$$;
COMMENT ON FUNCTION webhooks_rest.fetch_events_for_request(uuid, webhooks.ulid) IS
	'PostgREST''s /rpc/fetch_events_for_request: calls webhooks.fetch_events_for_request';

CREATE FUNCTION webhooks_rest.fetch_events(
	tenant_locator uuid,
	start_timestamp timestamptz DEFAULT NULL,
	end_timestamp timestamptz DEFAULT NULL,
	type text DEFAULT NULL,
	page_size integer DEFAULT NULL,
	paging_token text DEFAULT NULL)
	RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN webhooks.fetch_events(tenant_locator, start_timestamp, end_timestamp, type, page_size, paging_token);
END
$$;
COMMENT ON FUNCTION webhooks_rest.fetch_events(uuid, timestamp with time zone, timestamp with time zone, text, integer, text) IS
	'PostgREST''s /rpc/fetch_events: calls webhooks.fetch_events';

CREATE FUNCTION webhooks_rest.fetch_webhook_attempts(
	tenant_locator uuid, webhook_locator webhooks.ulid,
	page_offset integer DEFAULT NULL, count integer DEFAULT NULL)
	RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN webhooks.fetch_webhook_attempts(tenant_locator, webhook_locator,
		"offset" => page_offset, count => count);
END
$$;
COMMENT ON FUNCTION webhooks_rest.fetch_webhook_attempts(uuid, webhooks.ulid, integer, integer) IS
	'PostgREST''s /rpc/fetch_webhook_attempts: calls webhooks.fetch_webhook_attempts';

/*
 * The socotra_* set: Socotra's URL layout, one function per route.  GET
 * routes take no argument (PostgREST calls them in a READ ONLY
 * transaction); routes with a request body take it whole as their single
 * unnamed jsonb argument; the others take none (the proxy sends "{}").
 */

CREATE FUNCTION webhooks_rest.socotra_create_webhook(jsonb)
	RETURNS jsonb LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p text[] := webhooks._rest_path('POST', '/event/*/webhooks');
BEGIN
	RETURN webhooks.create_webhook(p[1]::uuid, $1);
END
$$;
COMMENT ON FUNCTION webhooks_rest.socotra_create_webhook(jsonb) IS
	'createWebhook: POST /event/{tenantLocator}/webhooks, in Socotra''s URL layout';

CREATE FUNCTION webhooks_rest.socotra_fetch_webhooks()
	RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p text[] := webhooks._rest_path('GET', '/event/*/webhooks/list', '/event/*/webhooks');
	q jsonb := webhooks._rest_query('GET', 'offset', 'count', 'name', 'enabled', 'suspended', 'active', 'eventTypes', 'extended');
BEGIN
	RETURN webhooks.fetch_webhooks(p[1]::uuid,
		"offset" => webhooks._rest_arg(q, 'offset')::integer,
		count => webhooks._rest_arg(q, 'count')::integer,
		name => webhooks._rest_arg(q, 'name'),
		enabled => webhooks._rest_arg(q, 'enabled')::boolean,
		suspended => webhooks._rest_arg(q, 'suspended')::boolean,
		active => webhooks._rest_arg(q, 'active')::boolean,
		event_types => webhooks._rest_list('eventTypes', q -> 'eventTypes'),
		extended => webhooks._rest_arg(q, 'extended')::boolean);
END
$$;
COMMENT ON FUNCTION webhooks_rest.socotra_fetch_webhooks() IS
	'fetchWebhooks: GET /event/{tenantLocator}/webhooks/list, in Socotra''s URL layout';

CREATE FUNCTION webhooks_rest.socotra_fetch_webhook()
	RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p text[] := webhooks._rest_path('GET', '/event/*/webhooks/*');
BEGIN
	RETURN webhooks.fetch_webhook(p[1]::uuid, p[2]::webhooks.ulid);
END
$$;
COMMENT ON FUNCTION webhooks_rest.socotra_fetch_webhook() IS
	'fetchWebhook: GET /event/{tenantLocator}/webhooks/{webhookLocator}, in Socotra''s URL layout';

CREATE FUNCTION webhooks_rest.socotra_update_webhook(jsonb)
	RETURNS jsonb LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p text[] := webhooks._rest_path('PATCH', '/event/*/webhooks/*');
BEGIN
	RETURN webhooks.update_webhook(p[1]::uuid, p[2]::webhooks.ulid, $1);
END
$$;
COMMENT ON FUNCTION webhooks_rest.socotra_update_webhook(jsonb) IS
	'updateWebhook: PATCH /event/{tenantLocator}/webhooks/{webhookLocator}, in Socotra''s URL layout';

CREATE FUNCTION webhooks_rest.socotra_delete_webhook()
	RETURNS void LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p text[] := webhooks._rest_path('DELETE', '/event/*/webhooks/*');
BEGIN
	PERFORM webhooks.delete_webhook(p[1]::uuid, p[2]::webhooks.ulid);
	PERFORM webhooks._rest_no_content();
END
$$;
COMMENT ON FUNCTION webhooks_rest.socotra_delete_webhook() IS
	'deleteWebhook: DELETE /event/{tenantLocator}/webhooks/{webhookLocator}, answering 204, in Socotra''s URL layout';

CREATE FUNCTION webhooks_rest.socotra_unsuspend_webhook()
	RETURNS void LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p text[] := webhooks._rest_path('PATCH', '/event/*/webhooks/*/unsuspend');
BEGIN
	PERFORM webhooks.unsuspend_webhook(p[1]::uuid, p[2]::webhooks.ulid);
	PERFORM webhooks._rest_no_content();
END
$$;
COMMENT ON FUNCTION webhooks_rest.socotra_unsuspend_webhook() IS
	'unsuspendWebhook: PATCH /event/{tenantLocator}/webhooks/{webhookLocator}/unsuspend, answering 204, in Socotra''s URL layout';

CREATE FUNCTION webhooks_rest.socotra_fetch_diverted_events()
	RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p text[] := webhooks._rest_path('GET', '/event/*/webhooks/*/diverted');
	q jsonb := webhooks._rest_query('GET', 'offset', 'count');
BEGIN
	RETURN webhooks.fetch_diverted_events(p[1]::uuid, p[2]::webhooks.ulid,
		"offset" => webhooks._rest_arg(q, 'offset')::integer,
		count => webhooks._rest_arg(q, 'count')::integer);
END
$$;
COMMENT ON FUNCTION webhooks_rest.socotra_fetch_diverted_events() IS
	'fetchMultipleDivertedEvents: GET /event/{tenantLocator}/webhooks/{webhookLocator}/diverted, in Socotra''s URL layout';

CREATE FUNCTION webhooks_rest.socotra_fetch_diverted_event()
	RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p text[] := webhooks._rest_path('GET', '/event/*/webhooks/*/diverted/*');
BEGIN
	RETURN webhooks.fetch_diverted_event(p[1]::uuid, p[2]::webhooks.ulid, p[3]::webhooks.ulid);
END
$$;
COMMENT ON FUNCTION webhooks_rest.socotra_fetch_diverted_event() IS
	'fetchDivertedEvent: GET /event/{tenantLocator}/webhooks/{webhookLocator}/diverted/{eventLocator}, in Socotra''s URL layout';

CREATE FUNCTION webhooks_rest.socotra_resend_diverted_event()
	RETURNS jsonb LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p text[] := webhooks._rest_path('POST', '/event/*/webhooks/*/diverted/*/resend');
BEGIN
	RETURN webhooks.resend_diverted_event(p[1]::uuid, p[2]::webhooks.ulid, p[3]::webhooks.ulid);
END
$$;
COMMENT ON FUNCTION webhooks_rest.socotra_resend_diverted_event() IS
	'resendDivertedEvent: POST /event/{tenantLocator}/webhooks/{webhookLocator}/diverted/{eventLocator}/resend, in Socotra''s URL layout';

CREATE FUNCTION webhooks_rest.socotra_delete_diverted_event()
	RETURNS jsonb LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p text[] := webhooks._rest_path('DELETE', '/event/*/webhooks/*/diverted/*');
BEGIN
	RETURN webhooks.delete_diverted_event(p[1]::uuid, p[2]::webhooks.ulid, p[3]::webhooks.ulid);
END
$$;
COMMENT ON FUNCTION webhooks_rest.socotra_delete_diverted_event() IS
	'deleteDivertedEvent: DELETE /event/{tenantLocator}/webhooks/{webhookLocator}/diverted/{eventLocator}, in Socotra''s URL layout';

CREATE FUNCTION webhooks_rest.socotra_fetch_event()
	RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p text[] := webhooks._rest_path('GET', '/event/*/events/*');
BEGIN
	RETURN webhooks.fetch_event(p[1]::uuid, p[2]::webhooks.ulid);
END
$$;
COMMENT ON FUNCTION webhooks_rest.socotra_fetch_event() IS
	'fetchEvent: GET /event/{tenantLocator}/events/{locator}, in Socotra''s URL layout';

CREATE FUNCTION webhooks_rest.socotra_fetch_events_for_request()
	RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p text[] := webhooks._rest_path('GET', '/event/*/events/request/*');
BEGIN
	RETURN webhooks.fetch_events_for_request(p[1]::uuid, p[2]::webhooks.ulid);
END
$$;
COMMENT ON FUNCTION webhooks_rest.socotra_fetch_events_for_request() IS
	'fetchEventsForARequest: GET /event/{tenantLocator}/events/request/{locator}, in Socotra''s URL layout';

CREATE FUNCTION webhooks_rest.socotra_fetch_events()
	RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p text[] := webhooks._rest_path('GET', '/event/*/events/list');
	q jsonb := webhooks._rest_query('GET', 'startTimestamp', 'endTimestamp', 'type', 'pageSize', 'pagingToken');
BEGIN
	RETURN webhooks.fetch_events(p[1]::uuid,
		start_timestamp => webhooks._rest_arg(q, 'startTimestamp')::timestamptz,
		end_timestamp => webhooks._rest_arg(q, 'endTimestamp')::timestamptz,
		type => webhooks._rest_arg(q, 'type'),
		page_size => webhooks._rest_arg(q, 'pageSize')::integer,
		paging_token => webhooks._rest_arg(q, 'pagingToken'));
END
$$;
COMMENT ON FUNCTION webhooks_rest.socotra_fetch_events() IS
	'fetchMultipleEvents: GET /event/{tenantLocator}/events/list, in Socotra''s URL layout';

/*
 * Privileges: nothing for PUBLIC; each wrapper to the role of the function
 * it wraps (which that role must be able to execute anyway).
 */
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA webhooks_rest FROM PUBLIC;
REVOKE ALL ON FUNCTION
	webhooks._rest_decode(text, boolean),
	webhooks._rest_uri(text),
	webhooks._rest_path(text, text[]),
	webhooks._rest_query(text, text[]),
	webhooks._rest_arg(jsonb, text),
	webhooks._rest_list(text, jsonb),
	webhooks._rest_no_content()
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
	webhooks._rest_decode(text, boolean),
	webhooks._rest_uri(text),
	webhooks._rest_path(text, text[]),
	webhooks._rest_query(text, text[]),
	webhooks._rest_arg(jsonb, text),
	webhooks._rest_list(text, jsonb),
	webhooks._rest_no_content()
	TO webhooks_reader, webhooks_writer, webhooks_publisher;
GRANT EXECUTE ON FUNCTION
	webhooks_rest.fetch_webhook(uuid, webhooks.ulid),
	webhooks_rest.fetch_webhooks(uuid, integer, integer, text, boolean, boolean, boolean, jsonb, boolean),
	webhooks_rest.fetch_diverted_event(uuid, webhooks.ulid, webhooks.ulid),
	webhooks_rest.fetch_diverted_events(uuid, webhooks.ulid, integer, integer),
	webhooks_rest.fetch_event(uuid, webhooks.ulid),
	webhooks_rest.fetch_events_for_request(uuid, webhooks.ulid),
	webhooks_rest.fetch_events(uuid, timestamptz, timestamptz, text, integer, text),
	webhooks_rest.fetch_webhook_attempts(uuid, webhooks.ulid, integer, integer),
	webhooks_rest.socotra_fetch_webhooks(),
	webhooks_rest.socotra_fetch_webhook(),
	webhooks_rest.socotra_fetch_diverted_events(),
	webhooks_rest.socotra_fetch_diverted_event(),
	webhooks_rest.socotra_fetch_event(),
	webhooks_rest.socotra_fetch_events_for_request(),
	webhooks_rest.socotra_fetch_events()
	TO webhooks_reader;
GRANT EXECUTE ON FUNCTION
	webhooks_rest.create_webhook(uuid, jsonb),
	webhooks_rest.update_webhook(uuid, webhooks.ulid, jsonb),
	webhooks_rest.unsuspend_webhook(uuid, webhooks.ulid),
	webhooks_rest.delete_webhook(uuid, webhooks.ulid),
	webhooks_rest.resend_diverted_event(uuid, webhooks.ulid, webhooks.ulid),
	webhooks_rest.delete_diverted_event(uuid, webhooks.ulid, webhooks.ulid),
	webhooks_rest.resend_diverted_events(uuid, webhooks.ulid, timestamptz),
	webhooks_rest.socotra_create_webhook(jsonb),
	webhooks_rest.socotra_update_webhook(jsonb),
	webhooks_rest.socotra_delete_webhook(),
	webhooks_rest.socotra_unsuspend_webhook(),
	webhooks_rest.socotra_resend_diverted_event(),
	webhooks_rest.socotra_delete_diverted_event()
	TO webhooks_writer;
GRANT EXECUTE ON FUNCTION
	webhooks_rest.publish_event(uuid, text, jsonb, uuid, webhooks.ulid)
	TO webhooks_publisher;

/* ---- the API at scale: webhooks by subscription, for lists and fan-out (issue 13) ---- */

/*
 * _subscription holds one row per webhook and entry of its event_types (a
 * name or a pattern), so that the webhooks of a tenant that subscribe to
 * one entry are read from one range of the key, in locator order.  A
 * filtered list merges the ranges of the entries that match its types: it
 * reads no webhook of the tenant that does not subscribe, and no further
 * than its page.  Triggers on _webhook keep it in step; it is derived, so
 * pg_dump leaves it out (a restore fills it through the triggers).
 */
CREATE TABLE webhooks._subscription (
	tenant_locator uuid NOT NULL,
	event_type	text NOT NULL,
	webhook_locator webhooks.ulid NOT NULL,
	PRIMARY KEY (tenant_locator, event_type, webhook_locator)
);
COMMENT ON TABLE webhooks._subscription IS
	'Each webhook under each entry of its event_types, kept in step with _webhook by triggers';
REVOKE ALL ON webhooks._subscription FROM PUBLIC;

CREATE FUNCTION webhooks._subscription_sync() RETURNS trigger
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = webhooks, pg_catalog, pg_temp
	AS $$
BEGIN
	IF TG_OP = 'TRUNCATE' THEN
		TRUNCATE _subscription;
		RETURN NULL;
	END IF;
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		DELETE FROM _subscription s
		WHERE s.tenant_locator = OLD.tenant_locator
		  AND s.event_type = ANY (OLD.event_types)
		  AND s.webhook_locator = OLD.locator;
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		INSERT INTO _subscription (tenant_locator, event_type, webhook_locator)
		SELECT DISTINCT NEW.tenant_locator, t, NEW.locator
		FROM unnest(NEW.event_types) AS t;
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION webhooks._subscription_sync() IS
	'Keeps webhooks._subscription in step with the rows of webhooks._webhook';
REVOKE ALL ON FUNCTION webhooks._subscription_sync() FROM PUBLIC;

CREATE TRIGGER _subscription_insert AFTER INSERT ON webhooks._webhook
	FOR EACH ROW EXECUTE FUNCTION webhooks._subscription_sync();
-- an update writes every column; only a changed key or subscription counts
CREATE TRIGGER _subscription_update AFTER UPDATE ON webhooks._webhook
	FOR EACH ROW
	WHEN (OLD.event_types IS DISTINCT FROM NEW.event_types
		  OR OLD.tenant_locator IS DISTINCT FROM NEW.tenant_locator
		  OR OLD.locator IS DISTINCT FROM NEW.locator)
	EXECUTE FUNCTION webhooks._subscription_sync();
CREATE TRIGGER _subscription_delete AFTER DELETE ON webhooks._webhook
	FOR EACH ROW EXECUTE FUNCTION webhooks._subscription_sync();
CREATE TRIGGER _subscription_truncate AFTER TRUNCATE ON webhooks._webhook
	FOR EACH STATEMENT EXECUTE FUNCTION webhooks._subscription_sync();

-- an installation upgraded from 1.0 has webhooks already
INSERT INTO webhooks._subscription (tenant_locator, event_type, webhook_locator)
SELECT DISTINCT w.tenant_locator, t, w.locator
FROM webhooks._webhook w, unnest(w.event_types) AS t;

/*
 * Every webhook has its row of statistics from its creation to its
 * deletion (create_webhook makes it, delete_webhook removes it), so that
 * _record updates counters in place: it used to insert a row for every
 * webhook of a batch and resolve the conflict with the one already there.
 * Webhooks made before 1.1 get theirs here.
 */
INSERT INTO webhooks._webhook_stats (tenant_locator, webhook_locator)
SELECT tenant_locator, locator FROM webhooks._webhook
ON CONFLICT DO NOTHING;
COMMENT ON TABLE webhooks._webhook_stats IS
	'Delivery counters per webhook, one row from its creation to its deletion, kept by the worker';

/*
 * _housekeeping drops what outlived its retention, as 1.0's did, but reads
 * only what is old, and at most a budget of rows per call, however large
 * the tables.  1.0's generic plans guessed that a third of each table was
 * past its retention and read the attempt log and the events from end to
 * end, every minute, in the worker's loop: a 400 MB log took a quarter of
 * a second, and the longer it grew, the longer no delivery moved.  (The
 * BRIN indexes on the times skip old ranges only once summarized, and the
 * newest minute of a busy log is not.)  Each table is walked by its primary
 * key instead, oldest rows of each key prefix first:
 *
 * - events: for each tenant (a loose scan of the key, one probe each), the
 *   events whose locator, a ULID of their publish time, is before the
 *   cutoff (an index range), skipping those still diverted (a probe of a
 *   new index on the diverted events by event) or queued;
 * - attempts: the (tenant, webhook) prefixes of the log from from_tenant,
 *   from_webhook on (a loose scan that also reads each prefix's oldest
 *   attempt: ids grow with time); a prefix whose oldest attempt is past
 *   its retention is read in id order, 1,000 rows at a time, for as long as
 *   every row read is old.
 *
 * A call reads at most 10,000 attempts and events and looks at 1,000
 * prefixes, and answers where the next call goes on from (NULLs once it
 * reached the end of the log) and whether it stopped for its budget, with
 * old rows perhaps left (more), so that the worker calls again soon.
 */
DROP FUNCTION webhooks._housekeeping(integer, integer);
CREATE INDEX _diverted_event_event_idx
	ON webhooks._diverted_event (tenant_locator, event_locator);
CREATE FUNCTION webhooks._housekeeping(attempt_retention_s integer,
									   event_retention_s integer,
									   INOUT from_tenant uuid,
									   INOUT from_webhook uuid,
									   OUT more boolean)
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = webhooks, pg_catalog, pg_temp
	-- every read is a probe of a key; the estimates cannot tell
	SET enable_seqscan = off
	SET enable_bitmapscan = off
	SET enable_hashjoin = off
	SET enable_mergejoin = off
	SET enable_sort = off
	SET jit = off
	SET max_parallel_workers_per_gather = 0
	AS $$
#variable_conflict use_column
DECLARE
	budget		integer := 10000;	-- rows read
	prefixes	integer := 1000;	-- attempt prefixes looked at
	attempt_cutoff timestamptz := now() - attempt_retention_s * interval '1 second';
	-- a ULID holds no time before 1970
	event_cutoff timestamptz := greatest(now() - event_retention_s * interval '1 second',
										 'epoch'::timestamptz);
	p			record;
	last_id		bigint;
	nread		integer;
	gone		tid[];
BEGIN
	more := false;
	WITH RECURSIVE tenants(t) AS (
		(SELECT e.tenant_locator FROM _event e ORDER BY e.tenant_locator LIMIT 1)
		UNION ALL
		SELECT n.t
		FROM tenants q, LATERAL (
			SELECT e.tenant_locator AS t FROM _event e
			WHERE e.tenant_locator > q.t
			ORDER BY e.tenant_locator LIMIT 1) n
	)
	DELETE FROM _event
	WHERE ctid = ANY (ARRAY(
		SELECT ev.ctid
		FROM tenants q, LATERAL (
			-- diverted events never expire: the many an outage may leave
			-- are passed by an index probe each; only the rest are looked
			-- for in the queue (whose key starts with the webhook, so a
			-- probe reads the tenant's part of it)
			SELECT x.ctid FROM (
				SELECT e.ctid, e.tenant_locator, e.locator FROM _event e
				WHERE e.tenant_locator = q.t
				  AND e.locator < ulid_floor(event_cutoff)
				  AND e.published_at < event_cutoff
				  AND NOT EXISTS (SELECT FROM _diverted_event de
								  WHERE de.tenant_locator = e.tenant_locator
									AND de.event_locator = e.locator)
				ORDER BY e.locator
				OFFSET 0) x
			WHERE NOT EXISTS (SELECT FROM _delivery d
							  WHERE d.tenant_locator = x.tenant_locator
								AND d.event_locator = x.locator)
			LIMIT budget) ev
		LIMIT budget));
	GET DIAGNOSTICS nread = ROW_COUNT;
	budget := budget - nread;
	more := budget <= 0;

	-- the first prefix of the attempt log from where the last call stopped
	SELECT a.tenant_locator AS t, a.webhook_locator AS w, a.attempted_at AS oldest
	INTO p FROM _attempt a
	WHERE (a.tenant_locator, a.webhook_locator)
		  >= (coalesce(from_tenant, '00000000-0000-0000-0000-000000000000'),
			  coalesce(from_webhook, '00000000-0000-0000-0000-000000000000')::ulid)
	ORDER BY a.tenant_locator, a.webhook_locator, a.id LIMIT 1;
	WHILE p.t IS NOT NULL AND budget > 0 AND prefixes > 0 LOOP
		IF p.oldest < attempt_cutoff THEN
			last_id := NULL;
			LOOP
				SELECT count(*), array_agg(x.ctid) FILTER (WHERE x.attempted_at < attempt_cutoff),
					   max(x.id)
				INTO nread, gone, last_id
				FROM (SELECT a.ctid, a.attempted_at, a.id FROM _attempt a
					  WHERE a.tenant_locator = p.t AND a.webhook_locator = p.w
						AND a.id > coalesce(last_id, -1)
					  ORDER BY a.id LIMIT least(budget, 1000)) x;
				DELETE FROM _attempt WHERE ctid = ANY (gone);
				budget := budget - nread;
				-- a chunk of old rows only: more may follow
				EXIT WHEN nread = 0 OR coalesce(cardinality(gone), 0) < nread;
				IF budget <= 0 THEN
					-- the next call starts again at this prefix
					from_tenant := p.t;
					from_webhook := p.w::uuid;
					more := true;
					RETURN;
				END IF;
			END LOOP;
		END IF;
		prefixes := prefixes - 1;
		SELECT a.tenant_locator AS t, a.webhook_locator AS w, a.attempted_at AS oldest
		INTO p FROM _attempt a
		WHERE (a.tenant_locator, a.webhook_locator) > (p.t, p.w)
		ORDER BY a.tenant_locator, a.webhook_locator, a.id LIMIT 1;
	END LOOP;
	-- where the next call goes on from: NULLs at the end of the log
	from_tenant := p.t;
	from_webhook := p.w::uuid;
	more := more OR (p.t IS NOT NULL AND budget <= 0);
END
$$;
REVOKE ALL ON FUNCTION webhooks._housekeeping(integer, integer, uuid, uuid)
	FROM PUBLIC;
