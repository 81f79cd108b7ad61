--
-- Privileges (§5): webhooks_reader reads and lists webhooks, events,
-- attempts and diverted events, webhooks_writer also writes, resends and
-- deletes, webhooks_publisher publishes and gets nothing else; per-webhook
-- statistics are for webhooks_reader and pg_monitor, cluster-wide totals
-- for pg_monitor only; no role reads the tables or changes the event-type
-- catalog; PUBLIC gets only what the ulid type needs.
-- No worker serves this database, so publish_event, when it is allowed,
-- answers 55000 (a refusal is 42501).
--
\set t '90000000-0000-0000-0000-000000000001'
CREATE ROLE regress_reader;
CREATE ROLE regress_writer;
CREATE ROLE regress_publisher;
CREATE ROLE regress_nobody;
CREATE ROLE regress_monitor;
GRANT webhooks_reader TO regress_reader;
GRANT webhooks_writer TO regress_writer;
GRANT webhooks_publisher TO regress_publisher;
GRANT pg_monitor TO regress_monitor;
-- pg_temp.seed gives webhook w of tenant t an event and a diverted record
-- of it, as the worker would, for the calls below
CREATE FUNCTION pg_temp.seed(t uuid, w text) RETURNS void LANGUAGE sql AS $$
INSERT INTO webhooks._event (tenant_locator, locator, type, request_id, payload)
VALUES (t, '01J00000000000000000000E01', 'policy.quote.issue', '01J00000000000000000000R01', '{}');
INSERT INTO webhooks._diverted_event (tenant_locator, webhook_locator, event_locator, request_locator,
                                      failure_trigger, failure_message, failure_timestamp)
VALUES (t, w::webhooks.ulid, '01J00000000000000000000E01', '01J00000000000000000000R01', '503', 'HTTP 503', now());
$$;
SELECT webhooks.create_webhook(:'t', '{"name": "w", "endpoint": {"url": "https://example.com/w"},
  "eventTypes": ["*"]}')->>'locator' AS w \gset
SELECT count(*) AS webhooks FROM webhooks._webhook WHERE tenant_locator = :'t';
SELECT pg_temp.seed(:'t', :'w');

-- the roles: writer includes reader
SELECT r.rolname AS role, r.rolcanlogin AS login,
       pg_has_role(r.oid, 'webhooks_reader', 'USAGE') AS reader,
       pg_has_role(r.oid, 'webhooks_writer', 'USAGE') AS writer,
       pg_has_role(r.oid, 'webhooks_publisher', 'USAGE') AS publisher
FROM pg_roles r WHERE r.rolname LIKE 'webhooks\_%' OR r.rolname LIKE 'regress\_%' ORDER BY 1;
SELECT pg_has_role('regress_monitor', 'pg_monitor', 'USAGE') AS monitor_is_pg_monitor;
-- EXECUTE on the API, by role (PUBLIC: none)
SELECT p.oid::regprocedure AS function,
       has_function_privilege('webhooks_reader', p.oid, 'EXECUTE') AS reader,
       has_function_privilege('webhooks_writer', p.oid, 'EXECUTE') AS writer,
       has_function_privilege('webhooks_publisher', p.oid, 'EXECUTE') AS publisher,
       coalesce(p.proacl::text LIKE '%{=X%' OR p.proacl::text LIKE '%,=X%', true) AS public,
       p.prosecdef AS security_definer, p.proconfig AS settings
FROM pg_proc p
WHERE p.pronamespace = 'webhooks'::regnamespace
  AND p.proname IN ('create_webhook', 'fetch_webhook', 'fetch_webhooks', 'update_webhook',
                    'unsuspend_webhook', 'delete_webhook', 'register_event_type',
                    'publish_event', 'fetch_event', 'fetch_events_for_request', 'fetch_events',
                    'fetch_webhook_attempts', 'fetch_diverted_event', 'fetch_diverted_events',
                    'resend_diverted_event', 'delete_diverted_event', 'resend_diverted_events')
ORDER BY p.proname;
-- PUBLIC may execute what the ulid type needs (its I/O, operators and
-- operator-class support) and nothing else, by the catalog: a function
-- added without its REVOKE shows up here
SELECT p.oid::regprocedure AS public_function
FROM pg_proc p
WHERE p.pronamespace = 'webhooks'::regnamespace
  AND (p.proacl IS NULL OR EXISTS (SELECT FROM aclexplode(p.proacl) a
                                   WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE'))
ORDER BY 1;
-- the statistics views: per-webhook statistics for webhooks_reader (so
-- the writer) and pg_monitor, cluster-wide totals for pg_monitor only
SELECT c.relname AS view, r.rolname AS role,
       has_table_privilege(r.rolname, c.oid, 'SELECT') AS select,
       has_table_privilege(r.rolname, c.oid, 'INSERT, UPDATE, DELETE') AS write
FROM pg_class c, pg_roles r
WHERE c.relnamespace = 'webhooks'::regnamespace AND c.relkind = 'v'
  AND r.rolname IN ('webhooks_reader', 'webhooks_writer', 'webhooks_publisher', 'pg_monitor', 'regress_nobody')
ORDER BY 1, 2;
-- tables: nobody but the owner
SELECT c.relname AS table, r.rolname AS role,
       has_table_privilege(r.rolname, c.oid, 'SELECT') AS select,
       has_table_privilege(r.rolname, c.oid, 'INSERT, UPDATE, DELETE') AS write
FROM pg_class c, pg_roles r
WHERE c.relnamespace = 'webhooks'::regnamespace AND c.relkind = 'r'
  AND r.rolname IN ('webhooks_reader', 'webhooks_writer', 'webhooks_publisher', 'regress_nobody')
ORDER BY 1, 2;

-- pg_temp.answer runs a statement built by format() and rolls it back; it
-- shows "ok" or the error as "SQLSTATE: message"
CREATE FUNCTION pg_temp.answer(fmt text, VARIADIC args text[] DEFAULT '{}') RETURNS text LANGUAGE plpgsql AS $$
BEGIN EXECUTE format(fmt, VARIADIC args); RAISE SQLSTATE 'RGRSS';
EXCEPTION WHEN SQLSTATE 'RGRSS' THEN RETURN 'ok';
WHEN OTHERS THEN RETURN SQLSTATE || ': ' || SQLERRM; END $$;
-- pg_temp.calls shows what the current role gets from each function and
-- table, for the webhook loc of tenant
CREATE FUNCTION pg_temp.calls(tenant text, loc text) RETURNS TABLE (call text, answer text) LANGUAGE sql AS $$
VALUES ('fetch_webhooks', pg_temp.answer('SELECT webhooks.fetch_webhooks(%L)', tenant)),
       ('fetch_webhook', pg_temp.answer('SELECT webhooks.fetch_webhook(%L, %L)', tenant, loc)),
       ('create_webhook', pg_temp.answer('SELECT webhooks.create_webhook(%L, %L)', tenant,
          '{"name": "new", "endpoint": {"url": "https://example.com/new"}, "eventTypes": ["*"]}')),
       ('update_webhook', pg_temp.answer('SELECT webhooks.update_webhook(%L, %L, %L)', tenant, loc, '{"enabled": false}')),
       ('unsuspend_webhook', pg_temp.answer('SELECT webhooks.unsuspend_webhook(%L, %L)', tenant, loc)),
       ('delete_webhook', pg_temp.answer('SELECT webhooks.delete_webhook(%L, %L)', tenant, loc)),
       ('register_event_type', pg_temp.answer('SELECT webhooks.register_event_type(%L)', 'regress.by.role')),
       ('publish_event', pg_temp.answer('SELECT webhooks.publish_event(%L, %L, %L)', tenant, 'policy.quote.issue', '{}')),
       ('fetch_event', pg_temp.answer('SELECT webhooks.fetch_event(%L, %L)', tenant, '01J00000000000000000000E01')),
       ('fetch_events_for_request', pg_temp.answer('SELECT webhooks.fetch_events_for_request(%L, %L)', tenant, '01J00000000000000000000R01')),
       ('fetch_events', pg_temp.answer('SELECT webhooks.fetch_events(%L)', tenant)),
       ('fetch_webhook_attempts', pg_temp.answer('SELECT webhooks.fetch_webhook_attempts(%L, %L)', tenant, loc)),
       ('fetch_diverted_event', pg_temp.answer('SELECT webhooks.fetch_diverted_event(%L, %L, %L)', tenant, loc, '01J00000000000000000000E01')),
       ('fetch_diverted_events', pg_temp.answer('SELECT webhooks.fetch_diverted_events(%L, %L)', tenant, loc)),
       ('resend_diverted_event', pg_temp.answer('SELECT webhooks.resend_diverted_event(%L, %L, %L)', tenant, loc, '01J00000000000000000000E01')),
       ('resend_diverted_events', pg_temp.answer('SELECT webhooks.resend_diverted_events(%L, %L)', tenant, loc)),
       ('delete_diverted_event', pg_temp.answer('SELECT webhooks.delete_diverted_event(%L, %L, %L)', tenant, loc, '01J00000000000000000000E01')),
       ('read delivery_stats', pg_temp.answer('SELECT count(*) FROM webhooks.delivery_stats')),
       ('read webhook_delivery_stats', pg_temp.answer('SELECT count(*) FROM webhooks.webhook_delivery_stats')),
       ('read _webhook', pg_temp.answer('SELECT count(*) FROM webhooks._webhook')),
       ('write _webhook', pg_temp.answer('UPDATE webhooks._webhook SET enabled = NOT enabled')),
       ('read event_type', pg_temp.answer('SELECT count(*) FROM webhooks.event_type')),
       ('write event_type', pg_temp.answer('DELETE FROM webhooks.event_type')),
       ('set tenant_claim', pg_temp.answer('SET webhooks.tenant_claim = %L', 'tid'))
$$;

-- the owner (a superuser) may do everything
SELECT * FROM pg_temp.calls(:'t', :'w');

SET ROLE regress_reader;
SELECT current_user;
SELECT * FROM pg_temp.calls(:'t', :'w');
SELECT r->>'name' AS name FROM webhooks.fetch_webhook(:'t', :'w') AS r;
-- the ulid type works for every role; its other functions are for no role
SELECT '01ARZ3NDEKTSV4RRFFQ69G5FAV'::webhooks.ulid OPERATOR(webhooks.=) '01arz3ndektsv4rrffq69g5fav'::webhooks.ulid AS ulid_type,
       pg_temp.answer('SELECT webhooks.gen_ulid()') AS gen_ulid,
       pg_temp.answer('SELECT webhooks.ulid_time(%L)', '01ARZ3NDEKTSV4RRFFQ69G5FAV') AS ulid_time,
       pg_temp.answer('SELECT webhooks.ulid_floor(now())') AS ulid_floor;
RESET ROLE;

SET ROLE regress_writer;
SELECT current_user;
SELECT * FROM pg_temp.calls(:'t', :'w');
SELECT r->'enabled' AS enabled FROM webhooks.update_webhook(:'t', :'w', '{"enabled": false}') AS r;
SELECT webhooks.resend_diverted_event(:'t', :'w', '01J00000000000000000000E01') AS resent;
RESET ROLE;
SELECT event_locator, resend FROM webhooks._delivery WHERE tenant_locator = :'t';

SET ROLE regress_publisher;
SELECT current_user;
SELECT * FROM pg_temp.calls(:'t', :'w');
RESET ROLE;

-- pg_monitor reads the statistics views, and nothing else
SET ROLE regress_monitor;
SELECT current_user;
SELECT * FROM pg_temp.calls(:'t', :'w');
SELECT count(*) AS webhooks FROM webhooks.webhook_delivery_stats WHERE tenant_locator = :'t';
RESET ROLE;

-- without any of the roles, not even the schema is usable
SET ROLE regress_nobody;
SELECT current_user;
SELECT * FROM pg_temp.calls(:'t', :'w');
SELECT pg_temp.answer('SELECT webhooks.gen_ulid()') AS gen_ulid,
       pg_temp.answer('SELECT %L::webhooks.ulid', '01ARZ3NDEKTSV4RRFFQ69G5FAV') AS ulid_type;
RESET ROLE;

-- what the writer did stands; the rolled-back calls left nothing behind
SELECT name, enabled FROM webhooks._webhook WHERE tenant_locator = :'t';
SELECT count(*) AS events FROM webhooks._event WHERE tenant_locator = :'t';
SELECT count(*) AS diverted FROM webhooks._diverted_event WHERE tenant_locator = :'t';
SELECT count(*) AS registered FROM webhooks.event_type WHERE name = 'regress.by.role';

-- the roles belong to the cluster: DROP EXTENSION leaves them, and CREATE
-- EXTENSION uses them again, with the same grants (and the API works again
-- in this session, whose kept plans named the dropped objects)
DROP EXTENSION webhooks;
SELECT rolname FROM pg_roles WHERE rolname LIKE 'webhooks\_%' ORDER BY 1;
CREATE EXTENSION webhooks;
SET ROLE regress_writer;
SELECT webhooks.fetch_webhooks(:'t') AS webhooks_are_gone;
SELECT webhooks.create_webhook(:'t', '{"name": "w", "endpoint": {"url": "https://example.com/w"},
  "eventTypes": ["*"]}')->>'locator' AS w \gset
RESET ROLE;
SELECT pg_temp.seed(:'t', :'w');
SET ROLE regress_writer;
SELECT * FROM pg_temp.calls(:'t', :'w');
RESET ROLE;
SET ROLE regress_monitor;
SELECT call, answer FROM pg_temp.calls(:'t', :'w') WHERE call LIKE 'read %stats';
RESET ROLE;

DROP ROLE regress_reader, regress_writer, regress_publisher, regress_nobody, regress_monitor;
SELECT count(*) AS roles_left FROM pg_roles
WHERE rolname IN ('regress_reader', 'regress_writer', 'regress_publisher', 'regress_nobody', 'regress_monitor');
