--
-- Bad input: every case is refused with its SQLSTATE (22023 for a bad
-- request, 22P02 for text that is not a uuid, ulid or JSON, PT404 for a
-- webhook the tenant does not have, 23505 for a name in use) and leaves
-- every webhook and the event-type catalog as they were.
--
\set t 'ba000000-0000-0000-0000-000000000001'
\set other 'ba000000-0000-0000-0000-000000000002'
-- pg_temp.state is a digest of the two tenants' webhooks and the event types
CREATE FUNCTION pg_temp.state() RETURNS text LANGUAGE sql AS $$
SELECT md5(concat((SELECT string_agg(w::text, ',' ORDER BY w.tenant_locator, w.locator) FROM webhooks._webhook w
                   WHERE tenant_locator IN ('ba000000-0000-0000-0000-000000000001', 'ba000000-0000-0000-0000-000000000002')),
                  (SELECT string_agg(e::text, ',' ORDER BY e.name) FROM webhooks.event_type e)))
$$;
-- pg_temp.bad runs a statement built by format(), shows the error it raises
-- as "SQLSTATE: message DETAIL: ... HINT: ..." (with the locators of this
-- test's webhooks written as <name>), and whether the state is unchanged
CREATE FUNCTION pg_temp.bad(fmt text, VARIADIC args text[] DEFAULT '{}', OUT error text, OUT unchanged boolean) LANGUAGE plpgsql AS $$
DECLARE before text := pg_temp.state(); d text; h text; w record;
BEGIN
	BEGIN
		EXECUTE format(fmt, VARIADIC args);
		error := 'no error';
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT;
		error := concat_ws(' ', SQLSTATE || ': ' || SQLERRM, 'DETAIL: ' || nullif(d, ''), 'HINT: ' || nullif(h, ''));
	END;
	unchanged := pg_temp.state() = before;
	FOR w IN SELECT locator::text, name FROM webhooks._webhook
			 WHERE tenant_locator IN ('ba000000-0000-0000-0000-000000000001', 'ba000000-0000-0000-0000-000000000002') LOOP
		error := replace(error, w.locator, '<' || w.name || '>');
	END LOOP;
END $$;
-- pg_temp.bad_create sends this valid request with patch merged in and the
-- key drop taken out:
--   {"name": "new", "endpoint": {"url": "https://example.com/hook"}, "eventTypes": ["policy.*"]}
CREATE FUNCTION pg_temp.bad_create(patch jsonb, drop text DEFAULT '', OUT error text, OUT unchanged boolean) LANGUAGE sql AS $$
SELECT * FROM pg_temp.bad('SELECT webhooks.create_webhook(%L, %L)', 'ba000000-0000-0000-0000-000000000001',
	(('{"name": "new", "endpoint": {"url": "https://example.com/hook"}, "eventTypes": ["policy.*"]}'::jsonb - drop)
	 || patch)::text)
$$;
-- pg_temp.bad_update sends an update request for the webhook "base"
CREATE FUNCTION pg_temp.bad_update(request jsonb, OUT error text, OUT unchanged boolean) LANGUAGE sql AS $$
SELECT * FROM pg_temp.bad('SELECT webhooks.update_webhook(%L, %L, %L)', 'ba000000-0000-0000-0000-000000000001',
	(SELECT locator::text FROM webhooks._webhook
	 WHERE tenant_locator = 'ba000000-0000-0000-0000-000000000001' AND name = 'base'), request::text)
$$;

-- the webhooks the cases run against
SELECT webhooks.create_webhook(:'t', '{"name": "base", "endpoint": {"url": "https://example.com/base",
  "headers": {"X-A": ["a"]}}, "eventTypes": ["policy.quote.create"]}') AS base \gset
SELECT :'base'::jsonb->>'locator' AS b \gset
SELECT webhooks.create_webhook(:'t', '{"name": "taken", "endpoint": {"url": "https://example.com/taken"},
  "eventTypes": ["*"]}')->>'locator' AS taken \gset
SELECT webhooks.create_webhook(:'other', '{"name": "theirs", "endpoint": {"url": "https://example.com/theirs"},
  "eventTypes": ["*"]}')->>'locator' AS theirs \gset
SELECT pg_temp.state() AS start \gset
-- the base request is valid: it creates a webhook (removed again)
SELECT * FROM pg_temp.bad_create('{}');
DELETE FROM webhooks._webhook WHERE tenant_locator = :'t' AND name = 'new';
SELECT pg_temp.state() = :'start' AS back_to_start;

--
-- the request is not an object, not JSON, or NULL
--
SELECT * FROM pg_temp.bad('SELECT webhooks.create_webhook(%L, %L)', :'t', '[{"name": "new"}]');
SELECT * FROM pg_temp.bad('SELECT webhooks.create_webhook(%L, %L)', :'t', '"new"');
SELECT * FROM pg_temp.bad('SELECT webhooks.create_webhook(%L, %L)', :'t', 'null');
SELECT * FROM pg_temp.bad('SELECT webhooks.create_webhook(%L, %L)', :'t', '{"name": "new",');
SELECT * FROM pg_temp.bad('SELECT webhooks.update_webhook(%L, %L, %L)', :'t', :'b', '[]');
SELECT * FROM pg_temp.bad('SELECT webhooks.update_webhook(%L, %L, %L)', :'t', :'b', '42');

--
-- NULL arguments
--
SELECT * FROM pg_temp.bad('SELECT webhooks.create_webhook(NULL, %L)', '{"name": "new"}');
SELECT * FROM pg_temp.bad('SELECT webhooks.create_webhook(%L, NULL)', :'t');
SELECT * FROM pg_temp.bad('SELECT webhooks.fetch_webhook(%L, NULL)', :'t');
SELECT * FROM pg_temp.bad('SELECT webhooks.fetch_webhooks(NULL)');
SELECT * FROM pg_temp.bad('SELECT webhooks.update_webhook(%L, NULL, %L)', :'t', '{}');
SELECT * FROM pg_temp.bad('SELECT webhooks.update_webhook(%L, %L, NULL)', :'t', :'b');
SELECT * FROM pg_temp.bad('SELECT webhooks.unsuspend_webhook(NULL, %L)', :'b');
SELECT * FROM pg_temp.bad('SELECT webhooks.delete_webhook(%L, NULL)', :'t');

--
-- text that is not a uuid or a ulid
--
SELECT * FROM pg_temp.bad('SELECT webhooks.fetch_webhook(%L, %L)', 'ba000000', :'b');
SELECT * FROM pg_temp.bad('SELECT webhooks.fetch_webhook(%L, %L)', :'t', 'not a ulid');
SELECT * FROM pg_temp.bad('SELECT webhooks.delete_webhook(%L, %L)', :'t', '01ARZ3NDEKTSV4RRFFQ69G5FAU');
SELECT * FROM pg_temp.bad('SELECT webhooks.update_webhook(%L, %L, %L)', :'t', '8ZZZZZZZZZZZZZZZZZZZZZZZZZ', '{}');

--
-- another tenant's webhook, or none: PT404
--
SELECT * FROM pg_temp.bad('SELECT webhooks.fetch_webhook(%L, %L)', :'t', :'theirs');
SELECT * FROM pg_temp.bad('SELECT webhooks.update_webhook(%L, %L, %L)', :'t', :'theirs', '{"enabled": false}');
SELECT * FROM pg_temp.bad('SELECT webhooks.unsuspend_webhook(%L, %L)', :'t', :'theirs');
SELECT * FROM pg_temp.bad('SELECT webhooks.delete_webhook(%L, %L)', :'t', :'theirs');
SELECT * FROM pg_temp.bad('SELECT webhooks.delete_webhook(%L, %L)', :'other', :'b');
SELECT * FROM pg_temp.bad('SELECT webhooks.update_webhook(%L, %L, %L)', :'t', '01ARZ3NDEKTSV4RRFFQ69G5FAV', '{}');
SELECT * FROM pg_temp.bad('SELECT webhooks.fetch_webhook(%L, %L)', :'t', '00000000000000000000000000');

--
-- create: top-level fields
--
SELECT * FROM pg_temp.bad_create('{}', drop => 'name');
SELECT * FROM pg_temp.bad_create('{"name": null}');
SELECT * FROM pg_temp.bad_create('{"name": 42}');
SELECT * FROM pg_temp.bad_create('{"name": ["new"]}');
SELECT * FROM pg_temp.bad_create('{"name": ""}');
SELECT * FROM pg_temp.bad_create('{"name": "new\u0007"}');
SELECT * FROM pg_temp.bad_create(jsonb_build_object('name', repeat('n', 256)));
SET webhooks.max_name_length = 5;
SELECT * FROM pg_temp.bad_create('{"name": "sixsix"}');
RESET webhooks.max_name_length;
SELECT * FROM pg_temp.bad_create('{"name": "base"}');
SELECT * FROM pg_temp.bad_create('{"enabled": "yes"}');
SELECT * FROM pg_temp.bad_create('{"enabled": 1}');
SELECT * FROM pg_temp.bad_create('{"useAutomationPlugin": "true"}');
SELECT * FROM pg_temp.bad_create('{"foo": 1}');
SELECT * FROM pg_temp.bad_create('{"Name": "new"}');
SELECT * FROM pg_temp.bad_create('{"addEventTypes": ["policy.*"]}');
SELECT * FROM pg_temp.bad_create('{"locator": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}');
SELECT * FROM pg_temp.bad_create('{"suspended": true}');

--
-- create: the endpoint and its URL
--
SELECT * FROM pg_temp.bad_create('{}', drop => 'endpoint');
SELECT * FROM pg_temp.bad_create('{"endpoint": "https://example.com/hook"}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://example.com/hook", "addHeaders": {}}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://example.com/hook", "timeout": 5}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": 8080}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": ""}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "example.com/hook"}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "/hook"}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://"}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "ftp://example.com/hook"}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "file:///etc/passwd"}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "mailto:ops@example.com"}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://user:password@example.com/hook"}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://token@example.com/hook"}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://example.com/a hook"}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://example.com/hook\r\nHost: evil"}}');
SELECT * FROM pg_temp.bad_create(jsonb_build_object('endpoint', jsonb_build_object('url',
         'https://example.com/' || repeat('p', 2048 - 19))));
SET webhooks.max_url_length = 20;
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://example.com/hook"}}');
RESET webhooks.max_url_length;
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://example.com/hook", "secureSsl": "false"}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://example.com/hook", "hmacEnabled": 1}}');

--
-- create: custom headers
--
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://example.com/hook", "headers": [["X-A", "a"]]}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://example.com/hook", "headers": {"X-A": "a"}}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://example.com/hook", "headers": {"X-A": []}}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://example.com/hook", "headers": {"X-A": [1]}}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://example.com/hook", "headers": {"X-A": ["a", null]}}}');
-- headers the extension sets itself, in any case
SELECT header, b.*
FROM unnest('{Content-Type,host,CONTENT-LENGTH,User-Agent,Transfer-Encoding,Connection,webhook-id,Webhook-Timestamp,webhook-signature,Socotra-Signature,socotra-signature-tag}'::text[]) AS header,
     pg_temp.bad_create(jsonb_build_object('endpoint', jsonb_build_object('url', 'https://example.com/hook',
                                           'headers', jsonb_build_object(header, '["x"]'::jsonb)))) AS b;
-- names that are not HTTP tokens, values with control characters
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://example.com/hook", "headers": {"X Bad": ["a"]}}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://example.com/hook", "headers": {"X-Bad:": ["a"]}}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://example.com/hook", "headers": {"X-Ünicode": ["a"]}}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://example.com/hook", "headers": {"": ["a"]}}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://example.com/hook", "headers": {"X-A": ["a\r\nX-Injected: 1"]}}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://example.com/hook", "headers": {"X-A": ["a\u007f"]}}}');
-- one name twice in different case
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://example.com/hook", "headers": {"X-A": ["a"], "x-a": ["b"]}}}');
-- limits: 50 headers, 8192 bytes a value, or what the settings say
SELECT * FROM pg_temp.bad_create(jsonb_build_object('endpoint', jsonb_build_object('url', 'https://example.com/hook',
         'headers', (SELECT jsonb_object_agg('X-H' || g, '["v"]'::jsonb) FROM generate_series(1, 51) g))));
SELECT * FROM pg_temp.bad_create(jsonb_build_object('endpoint', jsonb_build_object('url', 'https://example.com/hook',
         'headers', jsonb_build_object('X-Big', jsonb_build_array(repeat('v', 8193))))));
SET webhooks.max_headers = 2;
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://example.com/hook", "headers": {"X-A": ["a"], "X-B": ["b"], "X-C": ["c"]}}}');
RESET webhooks.max_headers;
SET webhooks.max_header_value_bytes = 4;
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://example.com/hook", "headers": {"X-A": ["1234", "12345"]}}}');
RESET webhooks.max_header_value_bytes;

--
-- create: secret and tag
--
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://example.com/hook", "tag": "v1"}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://example.com/hook", "tag": "v1", "secret": null}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://example.com/hook", "secret": ""}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://example.com/hook", "secret": 12345}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://example.com/hook", "secret": "line\nbreak"}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://example.com/hook", "secret": "whsec_"}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://example.com/hook", "secret": "whsec_not*base64!"}}');
-- base64 of 23 bytes, and of 65
SELECT * FROM pg_temp.bad_create(jsonb_build_object('endpoint', jsonb_build_object('url', 'https://example.com/hook',
         'secret', 'whsec_' || replace(encode(convert_to(repeat('k', 23), 'UTF8'), 'base64'), E'\n', ''))));
SELECT * FROM pg_temp.bad_create(jsonb_build_object('endpoint', jsonb_build_object('url', 'https://example.com/hook',
         'secret', 'whsec_' || replace(encode(convert_to(repeat('k', 65), 'UTF8'), 'base64'), E'\n', ''))));
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://example.com/hook", "secret": "s", "tag": ""}}');
SELECT * FROM pg_temp.bad_create('{"endpoint": {"url": "https://example.com/hook", "secret": "s", "tag": true}}');

--
-- create: event types
--
SELECT * FROM pg_temp.bad_create('{}', drop => 'eventTypes');
SELECT * FROM pg_temp.bad_create('{"eventTypes": null}');
SELECT * FROM pg_temp.bad_create('{"eventTypes": []}');
SELECT * FROM pg_temp.bad_create('{"eventTypes": "policy.*"}');
SELECT * FROM pg_temp.bad_create('{"eventTypes": [["policy.*"]]}');
SELECT * FROM pg_temp.bad_create('{"eventTypes": ["policy.*", 7]}');
SELECT * FROM pg_temp.bad_create('{"eventTypes": ["policy.quote.create", "policy.quote.created"]}');
SELECT * FROM pg_temp.bad_create('{"eventTypes": ["policy*"]}');
SELECT * FROM pg_temp.bad_create('{"eventTypes": ["*.create"]}');
SELECT * FROM pg_temp.bad_create('{"eventTypes": ["nothing.*"]}');
SELECT * FROM pg_temp.bad_create('{"eventTypes": ["policy..create"]}');
SELECT * FROM pg_temp.bad_create('{"eventTypes": [""]}');
SET webhooks.max_event_types = 2;
SELECT * FROM pg_temp.bad_create('{"eventTypes": ["policy.quote.create", "policy.quote.issue", "claim.*"]}');
RESET webhooks.max_event_types;

--
-- create: failure handling
--
SELECT * FROM pg_temp.bad_create('{"failureHandling": ["4xx"]}');
SELECT * FROM pg_temp.bad_create('{"failureHandling": {"addTriggers": ["4xx"]}}');
-- triggers: "4xx", "5xx", "timeout" or a status code from 400 to 599
SELECT triggers, b.*
FROM (VALUES ('"4xx"'::jsonb), ('["3xx"]'), ('["4xx", "600"]'), ('["399"]'), ('["Timeout"]'), ('[404]')) AS v(triggers),
     pg_temp.bad_create(jsonb_build_object('failureHandling', jsonb_build_object('triggers', triggers))) AS b;
SELECT * FROM pg_temp.bad_create('{"failureHandling": {"divert": "true"}}');
SELECT * FROM pg_temp.bad_create('{"failureHandling": {"suspend": null, "divert": 0}}');
-- retry strategies: type linear or exponential, interval 1 to 86400000 ms,
-- attempts 1 to 10, whole numbers
SELECT retry_strategy, b.*
FROM (VALUES ('"linear"'::jsonb),
             ('{"interval": 100}'),
             ('{"type": "constant", "interval": 100}'),
             ('{"type": "Linear", "interval": 100}'),
             ('{"type": "linear"}'),
             ('{"type": "linear", "interval": 0}'),
             ('{"type": "linear", "interval": -100}'),
             ('{"type": "linear", "interval": 86400001}'),
             ('{"type": "linear", "interval": 1e12}'),
             ('{"type": "linear", "interval": 100.5}'),
             ('{"type": "linear", "interval": "100"}'),
             ('{"type": "linear", "interval": 100, "attempts": 0}'),
             ('{"type": "linear", "interval": 100, "attempts": 11}'),
             ('{"type": "linear", "interval": 100, "attempts": 2.5}'),
             ('{"type": "linear", "interval": 100, "attempts": true}'),
             ('{"type": "linear", "interval": 100, "maxDelay": 5}')) AS v(retry_strategy),
     pg_temp.bad_create(jsonb_build_object('failureHandling', jsonb_build_object('retryStrategy', retry_strategy))) AS b;
-- the alert endpoint is checked as an endpoint
SELECT * FROM pg_temp.bad_create('{"failureHandling": {"alertEndpoint": {}}}');
SELECT * FROM pg_temp.bad_create('{"failureHandling": {"alertEndpoint": "https://alerts.example"}}');
SELECT * FROM pg_temp.bad_create('{"failureHandling": {"alertEndpoint": {"url": "gopher://alerts.example"}}}');
SELECT * FROM pg_temp.bad_create('{"failureHandling": {"alertEndpoint": {"url": "https://a:b@alerts.example"}}}');
SELECT * FROM pg_temp.bad_create('{"failureHandling": {"alertEndpoint": {"url": "https://alerts.example", "headers": {"Host": ["x"]}}}}');
SELECT * FROM pg_temp.bad_create('{"failureHandling": {"alertEndpoint": {"url": "https://alerts.example", "tag": "t"}}}');
SELECT * FROM pg_temp.bad_create('{"failureHandling": {"alertEndpoint": {"url": "https://alerts.example", "removeHeaders": ["X-A"]}}}');

--
-- update
--
SELECT * FROM pg_temp.bad_update('{"eventTypes": ["*"]}');
SELECT * FROM pg_temp.bad_update('{"useAutomationPlugin": true}');
SELECT * FROM pg_temp.bad_update('{"suspended": false}');
SELECT * FROM pg_temp.bad_update('{"name": "taken"}');
SELECT * FROM pg_temp.bad_update('{"name": ""}');
SELECT * FROM pg_temp.bad_update('{"name": "renamed", "enabled": "no"}');
-- event types: the last one may not be removed
SELECT * FROM pg_temp.bad_update('{"removeEventTypes": ["policy.quote.create"]}');
SELECT * FROM pg_temp.bad_update('{"removeEventTypes": ["policy.quote.create"], "addEventTypes": []}');
SELECT * FROM pg_temp.bad_update('{"removeEventTypes": "policy.quote.create"}');
SELECT * FROM pg_temp.bad_update('{"addEventTypes": ["policy.quote.nothing"]}');
SELECT * FROM pg_temp.bad_update('{"addEventTypes": ["policy.quote*"]}');
SET webhooks.max_event_types = 2;
SELECT * FROM pg_temp.bad_update('{"addEventTypes": ["billing.*", "claim.*"]}');
RESET webhooks.max_event_types;
-- endpoint
SELECT * FROM pg_temp.bad_update('{"endpoint": {"headers": {"X-B": ["b"]}}}');
SELECT * FROM pg_temp.bad_update('{"endpoint": {"url": "ws://example.com/hook"}}');
SELECT * FROM pg_temp.bad_update('{"endpoint": {"addHeaders": {"Content-Type": ["text/plain"]}}}');
SELECT * FROM pg_temp.bad_update('{"endpoint": {"addHeaders": {"X-B": ["b"], "x-b": ["c"]}}}');
SELECT * FROM pg_temp.bad_update('{"endpoint": {"addHeaders": {"X-B": []}}}');
SELECT * FROM pg_temp.bad_update('{"endpoint": {"removeHeaders": "X-A"}}');
SELECT * FROM pg_temp.bad_update('{"endpoint": {"removeHeaders": [null]}}');
SET webhooks.max_headers = 1;
SELECT * FROM pg_temp.bad_update('{"endpoint": {"addHeaders": {"X-B": ["b"]}}}');
RESET webhooks.max_headers;
SELECT * FROM pg_temp.bad_update('{"endpoint": {"tag": "v2"}}');
SELECT * FROM pg_temp.bad_update('{"endpoint": {"secret": "whsec_short"}}');
-- failure handling
SELECT * FROM pg_temp.bad_update('{"failureHandling": {"triggers": ["4xx"]}}');
SELECT * FROM pg_temp.bad_update('{"failureHandling": {"addTriggers": ["2xx"]}}');
SELECT * FROM pg_temp.bad_update('{"failureHandling": {"removeTriggers": [5]}}');
SELECT * FROM pg_temp.bad_update('{"failureHandling": {"retryStrategy": {"interval": 100}}}');
SELECT * FROM pg_temp.bad_update('{"failureHandling": {"retryStrategy": {"type": "linear", "interval": 100, "attempts": 11}}}');
SELECT * FROM pg_temp.bad_update('{"failureHandling": {"removeRetryStrategy": 1}}');
SELECT * FROM pg_temp.bad_update('{"failureHandling": {"alertEndpoint": {"secureSsl": false}}}');
SELECT * FROM pg_temp.bad_update('{"failureHandling": {"removeAlertEndpoint": "yes"}}');
SELECT * FROM pg_temp.bad_update('{"removeFailureHandling": "yes"}');
SELECT * FROM pg_temp.bad_update('{"removeFailureHandling": true, "failureHandling": {"retryStrategy": {"type": "linear", "interval": 0}}}');

--
-- list parameters
--
SELECT * FROM pg_temp.bad('SELECT webhooks.fetch_webhooks(%L, count => 0)', :'t');
SELECT * FROM pg_temp.bad('SELECT webhooks.fetch_webhooks(%L, count => -5)', :'t');
SELECT * FROM pg_temp.bad('SELECT webhooks.fetch_webhooks(%L, count => 1001)', :'t');
SELECT * FROM pg_temp.bad('SELECT webhooks.fetch_webhooks(%L, "offset" => -1)', :'t');
SELECT * FROM pg_temp.bad('SELECT webhooks.fetch_webhooks(%L, event_types => %L)', :'t', '{policy*}');
SELECT * FROM pg_temp.bad('SELECT webhooks.fetch_webhooks(%L, event_types => %L)', :'t', '{policy.quote.create,NULL}');
SELECT * FROM pg_temp.bad('SELECT webhooks.fetch_webhooks(%L, event_types => %L)', :'t', '{""}');

--
-- event stream times a ulid cannot hold: 22023 naming the argument, for
-- both bounds (the last one is the latest a ulid holds, and is fine)
--
SELECT t AS time, pg_temp.bad('SELECT webhooks.fetch_events(%L, start_timestamp => %L)', :'t', t) AS start_timestamp,
       pg_temp.bad('SELECT webhooks.fetch_events(%L, end_timestamp => %L)', :'t', t) AS end_timestamp
FROM unnest(ARRAY['1969-12-31 23:59:59.999+00', '1900-01-01+00', '-infinity', 'infinity',
                  '10889-08-02 05:31:50.656+00', '20000-01-01+00', '10889-08-02 05:31:50.655+00']) AS t;

-- after all that, everything is as it was
SELECT pg_temp.state() = :'start' AS unchanged,
       webhooks.fetch_webhook(:'t', :'b') = :'base'::jsonb AS base_unchanged,
       (SELECT count(*) FROM webhooks._webhook WHERE tenant_locator IN (:'t', :'other')) AS webhooks;
