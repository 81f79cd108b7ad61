--
-- No webhooks_* role reads another tenant's data.  Every relation and
-- function of the schema that a role may read or execute is found in the
-- catalogs (so objects added later are covered without changing this
-- test), and read or called as that role bound to tenant A the way
-- PostgREST binds a request (set_config('role', ..., true) and
-- request.jwt.claims), with tenant B's and tenant A's locators as
-- arguments.  Every row of B's data carries "marker-b", every row of A's
-- "marker-a"; no answer may contain "marker-b" or B's tenant locator.
--
\set a 'c0000000-0000-0000-0000-00000000000a'
\set b 'c0000000-0000-0000-0000-00000000000b'

-- both tenants have a webhook with a secret and a header, an event, a
-- queued delivery, an attempt, counters and a diverted event, each row
-- marked with its tenant
CREATE FUNCTION pg_temp.seed(t uuid, m text, ev text, req text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE w text;
BEGIN
	w := webhooks.create_webhook(t, jsonb_build_object('name', 'hook ' || m,
		'endpoint', jsonb_build_object('url', 'https://' || m || '.example/hook',
			'headers', jsonb_build_object('X-Marker', jsonb_build_array(m)),
			'hmacEnabled', true, 'secret', 'secret-' || m, 'tag', m),
		'eventTypes', jsonb_build_array('*')))->>'locator';
	INSERT INTO webhooks._event (tenant_locator, locator, type, request_id, payload)
	VALUES (t, ev::webhooks.ulid, 'policy.quote.issue', req::webhooks.ulid, '{"data": {"m": "' || m || '"}}');
	INSERT INTO webhooks._delivery (tenant_locator, webhook_locator, event_locator)
	VALUES (t, w::webhooks.ulid, ev::webhooks.ulid);
	INSERT INTO webhooks._attempt (tenant_locator, webhook_locator, event_locator, attempt, attempted_at,
	                               status, error, outcome, response)
	VALUES (t, w::webhooks.ulid, ev::webhooks.ulid, 1, now(), 503, 'HTTP 503 ' || m, 'failed', m);
	UPDATE webhooks._webhook_stats SET failed = 1, last_failed_at = now()
	WHERE tenant_locator = t AND webhook_locator::text = w;
	INSERT INTO webhooks._diverted_event (tenant_locator, webhook_locator, event_locator, request_locator,
	                                      failure_trigger, failure_message, failure_timestamp)
	VALUES (t, w::webhooks.ulid, ev::webhooks.ulid, req::webhooks.ulid, '503', 'HTTP 503 ' || m, now());
	RETURN w;
END $$;
SELECT pg_temp.seed(:'a', 'marker-a', '01J0000000000000000000AE01', '01J0000000000000000000AR01') AS wa \gset
SELECT pg_temp.seed(:'b', 'marker-b', '01J0000000000000000000BE01', '01J0000000000000000000BR01') AS wb \gset

-- pg_temp.args lists argument lists for a function: every combination of
-- candidate values for its argument types (both tenants, the locators of
-- both tenants' webhooks, events and requests, an event type, an empty
-- request), NULL for the optional filters.  NULL when it takes a type no
-- SQL call can pass.
CREATE FUNCTION pg_temp.args(f regprocedure, tenants text[], ulids text[]) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
	lists text[] := ARRAY[''];
	next text[];
	cand text[];
	t oid;
	i int := 0;
BEGIN
	FOREACH t IN ARRAY (SELECT coalesce(proargtypes::oid[], '{}') FROM pg_proc WHERE oid = f) LOOP
		cand := CASE format_type(t, NULL)
			WHEN 'uuid' THEN (SELECT array_agg(quote_literal(x) || '::uuid') FROM unnest(tenants) x)
			WHEN 'webhooks.ulid' THEN (SELECT array_agg(quote_literal(x) || '::webhooks.ulid') FROM unnest(ulids) x)
			WHEN 'cstring' THEN (SELECT array_agg(quote_literal(x) || '::cstring') FROM unnest(ulids) x)
			WHEN 'text' THEN ARRAY['NULL::text', '''policy.quote.issue''::text']
			WHEN 'jsonb' THEN ARRAY['''{}''::jsonb']
			WHEN 'internal' THEN NULL
			ELSE ARRAY['NULL::' || format_type(t, NULL)] END;
		IF cand IS NULL THEN RETURN; END IF;
		SELECT array_agg(l || CASE WHEN i > 0 THEN ', ' ELSE '' END || c) INTO next
		FROM unnest(lists) l, unnest(cand) c;
		lists := next;
		i := i + 1;
	END LOOP;
	RETURN QUERY SELECT unnest(lists);
END $$;

-- pg_temp.answer runs a query that returns one text, rolls back what it
-- did, and returns that text or "error SQLSTATE" (a function no SQL call
-- can pass arguments to has no query)
CREATE FUNCTION pg_temp.answer(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
	IF q IS NULL THEN RETURN 'error not callable from SQL'; END IF;
	BEGIN
		EXECUTE q INTO r;
		RAISE SQLSTATE 'RGRSS';
	EXCEPTION WHEN SQLSTATE 'RGRSS' THEN RETURN coalesce(r, '');
	END;
EXCEPTION WHEN OTHERS THEN RETURN 'error ' || SQLSTATE;
END $$;

-- pg_temp.reach reads, as role bound to tenant a by claims (none when
-- claims is NULL), every relation of the schema it may read and calls
-- every function it may execute with every argument list; per object:
-- how many reads or calls, their distinct outcomes (ok or an SQLSTATE),
-- and whether any answer held a row of tenant a or of tenant b
CREATE FUNCTION pg_temp.reach(role text, claims text, tenants text[], ulids text[])
	RETURNS TABLE (object text, calls bigint, outcomes text, sees_a boolean, sees_b boolean)
	LANGUAGE plpgsql AS $$
DECLARE objs text[][];
BEGIN
	-- what the role may reach, found as the caller, before switching
	SELECT array_agg(ARRAY[o, q]) INTO objs FROM (
		SELECT c.oid::regclass::text AS o,
		       format('SELECT coalesce(string_agg(x::text, '' ''), '''') FROM %s x', c.oid::regclass) AS q
		FROM pg_class c
		WHERE c.relnamespace = 'webhooks'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'p', 'f', 'S')
		  AND CASE c.relkind WHEN 'S' THEN has_sequence_privilege(role, c.oid, 'SELECT')
		                     ELSE has_table_privilege(role, c.oid, 'SELECT') END
		UNION ALL
		SELECT p.oid::regprocedure::text,
		       CASE WHEN l IS NOT NULL THEN
		       format('SELECT coalesce(string_agg(x::text, '' ''), '''') FROM %s(%s) x', p.oid::regproc, l) END
		FROM pg_proc p LEFT JOIN LATERAL pg_temp.args(p.oid, tenants, ulids) l ON true
		WHERE p.pronamespace = 'webhooks'::regnamespace AND p.prokind = 'f'
		  AND has_function_privilege(role, p.oid, 'EXECUTE')) s;
	PERFORM set_config('role', role, true);
	IF claims IS NOT NULL THEN
		PERFORM set_config('request.jwt.claims', claims, true);
	END IF;
	RETURN QUERY
	SELECT o.o, count(*), string_agg(DISTINCT CASE WHEN r LIKE 'error %' THEN substr(r, 7) ELSE 'ok' END, ','),
	       bool_or(r LIKE '%marker-a%'),
	       bool_or(r LIKE '%marker-b%' OR r LIKE '%' || tenants[2] || '%')
	FROM (SELECT objs[i][1] AS o, pg_temp.answer(objs[i][2]) AS r
	      FROM generate_subscripts(objs, 1) i) o
	GROUP BY o.o ORDER BY o.o;
	PERFORM set_config('role', 'none', true), set_config('request.jwt.claims', '', true);
END $$;

\set tenants '{c0000000-0000-0000-0000-00000000000a,c0000000-0000-0000-0000-00000000000b}'
SELECT format('{%s,%s,01J0000000000000000000AE01,01J0000000000000000000BE01,01J0000000000000000000AR01,01J0000000000000000000BR01}',
              :'wa', :'wb') AS ulids \gset
\set claims '{"role": "x", "tenant_locator": "c0000000-0000-0000-0000-00000000000a"}'

-- each role (and pg_monitor), bound to tenant a: it sees a's rows where it
-- may, never b's
BEGIN;
SELECT r.role, x.* FROM unnest(ARRAY['webhooks_reader', 'webhooks_writer', 'webhooks_publisher', 'pg_monitor']) r(role),
       LATERAL pg_temp.reach(r.role, :'claims', :'tenants', :'ulids') x;
ROLLBACK;

-- the check can fail: without claims a reader is bound to no tenant and
-- sees both (D12a), as pg_monitor does
BEGIN;
SELECT object, sees_a, sees_b FROM pg_temp.reach('webhooks_reader', NULL, :'tenants', :'ulids')
WHERE object IN ('webhooks.webhook_delivery_stats', 'webhooks.fetch_webhook(uuid,webhooks.ulid)');
ROLLBACK;
BEGIN;
SELECT object, sees_a, sees_b FROM pg_temp.reach('pg_monitor', NULL, :'tenants', :'ulids')
WHERE object LIKE 'webhooks.%stats';
ROLLBACK;

-- the statistics view gives tenant a's own rows, with their counters, and
-- a filter of the caller's cannot see rows before the tenant filter
-- (security_barrier): a cheap function that tells the rows it is shown
CREATE FUNCTION pg_temp.peek(name text) RETURNS boolean LANGUAGE plpgsql COST 0.0001 AS $$
BEGIN RAISE NOTICE 'peeked at %', name; RETURN true; END $$;
BEGIN;
SELECT set_config('role', 'webhooks_reader', true) AS role,
       set_config('request.jwt.claims', :'claims', true) IS NOT NULL AS claims;
SELECT tenant_locator, name, enabled, suspended, pending, delivered, failed
FROM webhooks.webhook_delivery_stats;
SELECT count(*) FROM webhooks.webhook_delivery_stats WHERE pg_temp.peek(name);
ROLLBACK;
-- with webhooks.require_tenant_claim on, no claims is no view either
BEGIN;
SET LOCAL webhooks.require_tenant_claim = on;
SELECT set_config('role', 'webhooks_reader', true) AS role;
SELECT count(*) FROM webhooks.webhook_delivery_stats;
ROLLBACK;
