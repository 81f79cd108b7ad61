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
