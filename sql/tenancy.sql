--
-- Tenants are isolated from each other, and a call bound to a tenant by
-- PostgREST's JWT claims (D12a) serves that tenant only.
--
\set a 'a0000000-0000-0000-0000-00000000000a'
\set b 'a0000000-0000-0000-0000-00000000000b'
-- pg_temp.answer runs a statement built by format() and rolls it back; it
-- shows "ok" or the error as "SQLSTATE: message DETAIL: ..."
CREATE FUNCTION pg_temp.answer(fmt text, VARIADIC args text[]) RETURNS text LANGUAGE plpgsql AS $$
DECLARE d text;
BEGIN EXECUTE format(fmt, VARIADIC args); RAISE SQLSTATE 'RGRSS';
EXCEPTION WHEN SQLSTATE 'RGRSS' THEN RETURN 'ok';
WHEN OTHERS THEN GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL; RETURN concat_ws(' ', SQLSTATE || ': ' || SQLERRM, 'DETAIL: ' || nullif(d, '')); END $$;
-- pg_temp.calls shows what each API function answers for a tenant and a
-- webhook locator
CREATE FUNCTION pg_temp.calls(tenant text, loc text) RETURNS TABLE (call text, answer text) LANGUAGE sql AS $$
VALUES ('fetch_webhooks', pg_temp.answer('SELECT webhooks.fetch_webhooks(%L)', tenant)),
       ('create_webhook', pg_temp.answer('SELECT webhooks.create_webhook(%L, %L)', tenant,
          '{"name": "another", "endpoint": {"url": "https://example.com/x"}, "eventTypes": ["*"]}')),
       ('fetch_webhook', pg_temp.answer('SELECT webhooks.fetch_webhook(%L, %L)', tenant, loc)),
       ('update_webhook', pg_temp.answer('SELECT webhooks.update_webhook(%L, %L, %L)', tenant, loc, '{"enabled": false}')),
       ('unsuspend_webhook', pg_temp.answer('SELECT webhooks.unsuspend_webhook(%L, %L)', tenant, loc)),
       ('delete_webhook', pg_temp.answer('SELECT webhooks.delete_webhook(%L, %L)', tenant, loc)),
       ('fetch_diverted_event', pg_temp.answer('SELECT webhooks.fetch_diverted_event(%L, %L, %L)', tenant, loc, '01J00000000000000000000E01')),
       ('fetch_diverted_events', pg_temp.answer('SELECT webhooks.fetch_diverted_events(%L, %L)', tenant, loc)),
       ('resend_diverted_event', pg_temp.answer('SELECT webhooks.resend_diverted_event(%L, %L, %L)', tenant, loc, '01J00000000000000000000E01')),
       ('resend_diverted_events', pg_temp.answer('SELECT webhooks.resend_diverted_events(%L, %L)', tenant, loc)),
       ('delete_diverted_event', pg_temp.answer('SELECT webhooks.delete_diverted_event(%L, %L, %L)', tenant, loc, '01J00000000000000000000E01'))
$$;
-- pg_temp.state is a digest of both tenants' webhooks, diverted events and
-- queue
CREATE FUNCTION pg_temp.state() RETURNS text LANGUAGE sql AS $$
SELECT md5(concat((SELECT string_agg(w::text, ',' ORDER BY w.tenant_locator, w.locator) FROM webhooks._webhook w
                   WHERE tenant_locator IN ('a0000000-0000-0000-0000-00000000000a', 'a0000000-0000-0000-0000-00000000000b')),
                  (SELECT string_agg(d::text, ',' ORDER BY d.tenant_locator, d.webhook_locator) FROM webhooks._diverted_event d
                   WHERE tenant_locator IN ('a0000000-0000-0000-0000-00000000000a', 'a0000000-0000-0000-0000-00000000000b')),
                  (SELECT string_agg(q::text, ',' ORDER BY q.tenant_locator, q.webhook_locator) FROM webhooks._delivery q
                   WHERE tenant_locator IN ('a0000000-0000-0000-0000-00000000000a', 'a0000000-0000-0000-0000-00000000000b'))))
$$;

-- two tenants; names are unique per tenant, so both may use one name
SELECT webhooks.create_webhook(:'a', '{"name": "shared name", "endpoint": {"url": "https://a.example/1"},
  "eventTypes": ["*"]}')->>'locator' AS a1 \gset
SELECT webhooks.create_webhook(:'a', '{"name": "only a", "endpoint": {"url": "https://a.example/2"},
  "eventTypes": ["*"]}')->>'locator' AS a2 \gset
SELECT webhooks.create_webhook(:'b', '{"name": "shared name", "endpoint": {"url": "https://b.example/1"},
  "eventTypes": ["*"]}')->>'locator' AS b1 \gset
UPDATE webhooks._webhook SET suspended = true, suspended_at = '2026-01-01 00:00:00+00'
WHERE tenant_locator = :'b';
-- each webhook has a diverted event, the same one (as the worker would
-- record it)
INSERT INTO webhooks._diverted_event (tenant_locator, webhook_locator, event_locator, request_locator,
                                      failure_trigger, failure_message, failure_timestamp)
SELECT tenant_locator, locator, '01J00000000000000000000E01', '01J00000000000000000000R01', '503', 'HTTP 503',
       '2026-01-01 00:00:00+00'
FROM webhooks._webhook WHERE tenant_locator IN (:'a', :'b');
SELECT pg_temp.state() AS start \gset

-- each lists its own only
SELECT jsonb_path_query_array(webhooks.fetch_webhooks(:'a'), '$.items[*].endpoint.url') AS a_lists,
       jsonb_path_query_array(webhooks.fetch_webhooks(:'b'), '$.items[*].endpoint.url') AS b_lists;
SELECT jsonb_path_query_array(webhooks.fetch_webhooks(:'a', name => 'shared name'), '$.items[*].endpoint.url') AS a_by_name,
       jsonb_path_query_array(webhooks.fetch_webhooks(:'b', name => 'only a'), '$.items[*].endpoint.url') AS b_by_name;
-- a tenant's own webhook: every call works
SELECT * FROM pg_temp.calls(:'a', :'a1');
-- the other tenant's webhook, by its locator: not found in this tenant
SELECT call, replace(answer, :'b1', '<b1>') AS answer FROM pg_temp.calls(:'a', :'b1');
SELECT call, replace(answer, :'a2', '<a2>') AS answer FROM pg_temp.calls(:'b', :'a2');
-- a name used by one tenant is free in the other
SELECT pg_temp.answer('SELECT webhooks.create_webhook(%L, %L)', :'b',
  '{"name": "only a", "endpoint": {"url": "https://b.example/2"}, "eventTypes": ["*"]}') AS b_takes_only_a;
SELECT pg_temp.answer('SELECT webhooks.update_webhook(%L, %L, %L)', :'b', :'b1', '{"name": "only a"}') AS b_renames_to_only_a;
-- nothing above changed either tenant's webhooks
SELECT pg_temp.state() = :'start' AS unchanged;

--
-- The JWT claim binding, set as PostgREST sets it for a request
--
BEGIN;
SELECT set_config('request.jwt.claims', '{"tenant_locator":"a0000000-0000-0000-0000-00000000000a","role":"webhooks_writer"}', true);
-- tenant a: every call works
SELECT * FROM pg_temp.calls(:'a', :'a1');
-- tenant b: every call is refused, whatever the locator
SELECT * FROM pg_temp.calls(:'b', :'b1');
SELECT pg_temp.answer('SELECT webhooks.fetch_webhooks(%L, name => %L)', :'b', 'shared name') AS list_b;
-- the binding is checked before anything else
SELECT pg_temp.answer('SELECT webhooks.create_webhook(%L, %L)', :'b', '{}') AS bad_request_for_b;
-- the calls for tenant a do take effect
SELECT webhooks.update_webhook(:'a', :'a2', '{"enabled": false}')->'enabled' AS a2_enabled;
SELECT webhooks.resend_diverted_events(:'a', :'a2') AS a2_resent;
SELECT count(*) AS a2_queued FROM webhooks._delivery WHERE tenant_locator = :'a';
ROLLBACK;
-- the claims end with the transaction: no binding any more
SELECT current_setting('request.jwt.claims', true) AS claims;
SELECT * FROM pg_temp.calls(:'b', :'b1');
-- the claim's uuid may be written in upper case
BEGIN;
SELECT set_config('request.jwt.claims', '{"tenant_locator":"A0000000-0000-0000-0000-00000000000A"}', true);
SELECT pg_temp.answer('SELECT webhooks.fetch_webhook(%L, %L)', :'a', :'a1') AS tenant_a,
       pg_temp.answer('SELECT webhooks.fetch_webhook(%L, %L)', :'b', :'b1') AS tenant_b;
ROLLBACK;

-- claims that are set but do not name a tenant: every call fails (fail
-- closed), for any tenant
SELECT claims,
       pg_temp.answer($$SELECT set_config('request.jwt.claims', %L, true), webhooks.fetch_webhooks(%L)$$, claims, :'a') AS tenant_a,
       pg_temp.answer($$SELECT set_config('request.jwt.claims', %L, true), webhooks.fetch_webhook(%L, %L)$$, claims, :'b', :'b1') AS tenant_b
FROM (VALUES ('{"role":"anon"}'),
             ('{}'),
             ('{"tenant_locator":null}'),
             ('{"tenant_locator":42}'),
             ('{"tenant_locator":["a0000000-0000-0000-0000-00000000000a"]}'),
             ('{"tenant_locator":"not a uuid"}'),
             ('{"tenant_locator":"a0000000-0000-0000-0000-00000000000"}'),
             ('{"tenant_locator":"a0000000000000000000000000000000000a"}'),
             ('{"Tenant_Locator":"a0000000-0000-0000-0000-00000000000a"}'),
             ('["a0000000-0000-0000-0000-00000000000a"]'),
             ('"a0000000-0000-0000-0000-00000000000a"'),
             ('not json'),
             ('{"tenant_locator":"a0000000-0000-0000-0000-00000000000a"')) AS v(claims);
-- the diverted-event functions fail closed too
SELECT pg_temp.answer($$SELECT set_config('request.jwt.claims', %L, true), webhooks.fetch_diverted_events(%L, %L)$$, '{"role":"anon"}', :'a', :'a1') AS fetch_list,
       pg_temp.answer($$SELECT set_config('request.jwt.claims', %L, true), webhooks.resend_diverted_event(%L, %L, %L)$$, '{"tenant_locator":"x"}', :'a', :'a1', '01J00000000000000000000E01') AS resend;
-- empty claims are no claims: no binding
SELECT pg_temp.answer($$SELECT set_config('request.jwt.claims', '', true), webhooks.fetch_webhooks(%L)$$, :'a') AS tenant_a,
       pg_temp.answer($$SELECT set_config('request.jwt.claims', '', true), webhooks.fetch_webhooks(%L)$$, :'b') AS tenant_b;

-- webhooks.tenant_claim names the claim
BEGIN;
SET LOCAL webhooks.tenant_claim = 'tid';
SELECT set_config('request.jwt.claims', '{"tid":"a0000000-0000-0000-0000-00000000000b","tenant_locator":"a0000000-0000-0000-0000-00000000000a"}', true);
SELECT pg_temp.answer('SELECT webhooks.fetch_webhook(%L, %L)', :'a', :'a1') AS tenant_a,
       pg_temp.answer('SELECT webhooks.fetch_webhook(%L, %L)', :'b', :'b1') AS tenant_b;
SELECT set_config('request.jwt.claims', '{"tenant_locator":"a0000000-0000-0000-0000-00000000000a"}', true);
SELECT pg_temp.answer('SELECT webhooks.fetch_webhook(%L, %L)', :'a', :'a1') AS tenant_a;
ROLLBACK;
SHOW webhooks.tenant_claim;
-- it may not be empty
SET webhooks.tenant_claim = '';
SHOW webhooks.tenant_claim;

-- claims holding a \u0000 escape (which jsonb cannot store) do not name a
-- tenant: 42501, not jsonb's 22P05
SELECT pg_temp.answer($$SELECT set_config('request.jwt.claims', %L, true), webhooks.fetch_webhooks(%L)$$,
                      '{"tenant_locator":"a0000000-0000-0000-0000-00000000000a","x":"\u0000"}', :'a') AS nul_escape,
       pg_temp.answer($$SELECT set_config('request.jwt.claims', %L, true), webhooks.fetch_webhooks(%L)$$,
                      '{"tenant_locator":"a0000000-0000-0000-0000-00000000000a\u0000"}', :'a') AS nul_in_claim;

-- webhooks.require_tenant_claim: a call without claims fails closed too
SET webhooks.require_tenant_claim = on;
SELECT pg_temp.answer('SELECT webhooks.fetch_webhooks(%L)', :'a') AS no_claims,
       pg_temp.answer($$SELECT set_config('request.jwt.claims', '', true), webhooks.fetch_webhooks(%L)$$, :'a') AS empty_claims,
       pg_temp.answer($$SELECT set_config('request.jwt.claims', %L, true), webhooks.fetch_webhooks(%L)$$,
                      '{"tenant_locator":"a0000000-0000-0000-0000-00000000000a"}', :'a') AS claims_of_a,
       pg_temp.answer($$SELECT set_config('request.jwt.claims', %L, true), webhooks.fetch_webhooks(%L)$$,
                      '{"tenant_locator":"a0000000-0000-0000-0000-00000000000a"}', :'b') AS claims_of_a_for_b;
SELECT call, answer FROM pg_temp.calls(:'a', :'a1') WHERE answer NOT LIKE '42501: permission denied for this tenant DETAIL: The call carries no JWT claims%';
RESET webhooks.require_tenant_claim;

-- still as at the start
SELECT pg_temp.state() = :'start' AS unchanged;

-- The PostgREST recipe: the setting on the login role.  It is SUSET, so
-- the session it protects cannot turn it off for itself.
CREATE ROLE regress_authenticator LOGIN;
GRANT webhooks_reader TO regress_authenticator;
ALTER ROLE regress_authenticator SET webhooks.require_tenant_claim = on;
-- under password authentication (pg_virtualenv, the Debian package's
-- installcheck) it logs in with the password psql was given
\set pw ''
\getenv pw PGPASSWORD
SET client_min_messages = warning;
ALTER ROLE regress_authenticator PASSWORD :'pw';
RESET client_min_messages;
SELECT current_user AS admin \gset
\c - regress_authenticator
SHOW webhooks.require_tenant_claim;
SET webhooks.require_tenant_claim = off;
SELECT set_config('webhooks.require_tenant_claim', 'off', false);
BEGIN;
SELECT set_config('role', 'webhooks_reader', true);
SELECT webhooks.fetch_webhooks(:'a') IS NOT NULL AS no_claims;
ROLLBACK;
BEGIN;
SELECT set_config('role', 'webhooks_reader', true) AS role,
       set_config('request.jwt.claims', '{"role":"webhooks_reader","tenant_locator":"a0000000-0000-0000-0000-00000000000a"}', true) IS NOT NULL AS claims;
SELECT jsonb_array_length(webhooks.fetch_webhooks(:'a')->'items') AS own_webhooks;
ROLLBACK;
\c - :admin
DROP ROLE regress_authenticator;
