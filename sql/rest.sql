--
-- The REST schema (webhooks_rest) from SQL: what PostgREST would call,
-- with request.headers set by hand as PostgREST sets them.  Reading the
-- client's request line (percent-decoding, path patterns, query
-- parameters, the method check), the RPC wrappers' list arguments, the
-- 204 of void operations, and privileges: nothing for PUBLIC, every
-- function SECURITY INVOKER with its search_path set.
--
\set t '95000000-0000-0000-0000-000000000001'
\set VERBOSITY terse
SELECT webhooks.create_webhook(:'t', '{"name": "r1", "endpoint": {"url": "https://example.com/r1"},
  "eventTypes": ["policy.*"]}')->>'locator' AS w \gset
SELECT webhooks.create_webhook(:'t', '{"name": "r 2&", "endpoint": {"url": "https://example.com/r2"},
  "eventTypes": ["claim.*"]}')->>'locator' AS w2 \gset

-- percent-decoding: UTF-8, '+' only in queries, a lone '%' kept
SELECT webhooks._rest_decode('a%20b+c%C3%A9%2', true) AS query, webhooks._rest_decode('a+b%2Fc', false) AS path,
       webhooks._rest_decode('', true) AS empty;
SELECT webhooks._rest_decode('%FF', true);
SELECT webhooks._rest_decode('%00', true);

-- req(method, uri): the headers PostgREST passes for a request the proxy forwarded
CREATE FUNCTION pg_temp.req(method text, uri text) RETURNS void LANGUAGE sql AS $$
	SELECT set_config('request.headers',
		json_build_object('x-original-uri', uri, 'x-original-method', method, 'accept', 'application/json')::text, false);
	SELECT set_config('response.status', '', false);
$$;

-- paths: * is one non-empty segment, decoded
SELECT pg_temp.req('GET', '/event/' || :'t' || '/webhooks/' || :'w' || '?x=1');
SELECT webhooks._rest_path('GET', '/event/*/webhooks/*') = ARRAY[:'t', :'w'] AS tenant_and_webhook;
SELECT webhooks._rest_path('GET', '/event/*/webhooks/list', '/event/*/webhooks/*') = ARRAY[:'t', :'w'] AS second_pattern;
SELECT webhooks._rest_path('GET', '/event/*/webhooks');
SELECT webhooks._rest_path('PATCH', '/event/*/webhooks/*');
SELECT pg_temp.req('GET', '/event//webhooks/x');
SELECT webhooks._rest_path('GET', '/event/*/webhooks/*');
SELECT pg_temp.req('GET', '/event/a%2Fb/webhooks/x%20y');
SELECT webhooks._rest_path('GET', '/event/*/webhooks/*') AS decoded;
SELECT pg_temp.req('GET', '');
SELECT webhooks._rest_path('GET', '/event/*/webhooks/*');
SELECT set_config('request.headers', '{"accept": "application/json"}', false) IS NULL;
SELECT webhooks._rest_path('GET', '/event/*/webhooks/*');

-- queries: repeated keys collected, unknown keys refused, one value where one is taken
SELECT pg_temp.req('GET', '/q?count=2&eventTypes=policy.*&eventTypes=claim.*,billing.*&name=r+2%26&flag&&');
SELECT webhooks._rest_query('GET', 'count', 'eventTypes', 'name', 'flag');
SELECT webhooks._rest_query('GET', 'count', 'name');
SELECT webhooks._rest_arg(webhooks._rest_query('GET', 'count', 'eventTypes', 'name', 'flag'), 'eventTypes');
SELECT webhooks._rest_list('eventTypes', '["policy.*", "claim.*,billing.*"]'), webhooks._rest_list('x', '"a,b"'),
       webhooks._rest_list('x', NULL) IS NULL AS absent;
SELECT webhooks._rest_list('x', '[1]');
SELECT webhooks._rest_list('x', '{"a": 1}');

-- the Socotra routes
SELECT pg_temp.req('GET', '/event/' || :'t' || '/webhooks/list?eventTypes=claim.fnol.create&name=r+2%26');
SELECT jsonb_path_query_array(webhooks_rest.socotra_fetch_webhooks(), '$.items[*].name') AS names;
SELECT pg_temp.req('GET', '/event/' || :'t' || '/webhooks/list?limit=1');
SELECT webhooks_rest.socotra_fetch_webhooks();
SELECT pg_temp.req('GET', '/event/' || :'t' || '/webhooks/list?count=1&count=2');
SELECT webhooks_rest.socotra_fetch_webhooks();
SELECT pg_temp.req('PATCH', '/event/' || :'t' || '/webhooks/' || :'w');
SELECT webhooks_rest.socotra_update_webhook('{"name": "r1b"}')->>'name' AS name;
SELECT webhooks_rest.socotra_update_webhook(('{"name": "x", "webhook_locator": "' || :'w2' || '"}')::jsonb);
SELECT pg_temp.req('PATCH', '/event/' || :'t' || '/webhooks/' || :'w' || '/unsuspend');
SELECT webhooks_rest.socotra_unsuspend_webhook(), current_setting('response.status') AS status;
SELECT pg_temp.req('GET', '/event/' || :'t' || '/webhooks/' || :'w');
SELECT webhooks_rest.socotra_delete_webhook();
SELECT pg_temp.req('DELETE', '/event/' || :'t' || '/webhooks/' || :'w');
SELECT webhooks_rest.socotra_delete_webhook(), current_setting('response.status') AS status;
\set VERBOSITY sqlstate
SELECT webhooks_rest.socotra_delete_webhook();
\set VERBOSITY terse

-- the RPC wrappers: page_offset, lists as JSON arrays or comma-separated strings
SELECT jsonb_path_query_array(webhooks_rest.fetch_webhooks(:'t', page_offset => 0, count => 5,
       event_types => '"claim.fnol.create,policy.quote.issue"'), '$.items[*].name') AS names;
SELECT jsonb_path_query_array(webhooks_rest.fetch_webhooks(:'t', event_types => '["policy.*"]'), '$.items[*].name') AS names;
SELECT webhooks_rest.delete_webhook(:'t', :'w2'), current_setting('response.status') AS status;

-- privileges: nothing for PUBLIC, invokers' rights, search_path set, a comment each
SELECT p.oid::regprocedure AS function, p.provolatile AS volatility,
       has_function_privilege('webhooks_reader', p.oid, 'EXECUTE') AS reader,
       has_function_privilege('webhooks_writer', p.oid, 'EXECUTE') AS writer,
       has_function_privilege('webhooks_publisher', p.oid, 'EXECUTE') AS publisher
FROM pg_proc p
WHERE p.pronamespace = 'webhooks_rest'::regnamespace
ORDER BY p.oid::regprocedure::text;
SELECT count(*) AS wrong FROM pg_proc p
WHERE (p.pronamespace = 'webhooks_rest'::regnamespace OR p.proname LIKE '\_rest\_%')
  AND (has_function_privilege('public', p.oid, 'EXECUTE') OR p.prosecdef
       OR NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)
       OR obj_description(p.oid, 'pg_proc') IS NULL);
SELECT has_schema_privilege('public', 'webhooks_rest', 'USAGE') AS public_usage;
