--
-- Limits on an endpoint's custom headers (issue 9): values per header
-- (webhooks.max_header_values, 16) and the size of all of them as sent
-- (webhooks.max_headers_bytes, 16kB: a line of name, ": ", value and CRLF
-- for each value), for the endpoint and the alert endpoint, at create and
-- at update on the headers as they would stand after it.  At the limit a
-- request is accepted; one over, it fails with 22023 naming the field and
-- the limit, never a value, and changes nothing.
--
\set t 'c9000000-0000-0000-0000-000000000009'
SHOW webhooks.max_header_values;
SHOW webhooks.max_headers_bytes;
-- pg_temp.digest covers every webhook of this test's tenant
CREATE FUNCTION pg_temp.digest() RETURNS text LANGUAGE sql AS $$
SELECT md5(coalesce(string_agg(w::text, ',' ORDER BY w.locator), ''))
FROM webhooks._webhook w WHERE tenant_locator = 'c9000000-0000-0000-0000-000000000009'
$$;
-- pg_temp.try runs a call and tells "accepted" or its SQLSTATE, message
-- and hint, and whether the tenant's webhooks stayed as they were
CREATE FUNCTION pg_temp.try(call text, OUT outcome text, OUT unchanged boolean) LANGUAGE plpgsql AS $$
DECLARE digest_before text := pg_temp.digest(); hint text;
BEGIN
	EXECUTE call;
	outcome := 'accepted';
	unchanged := pg_temp.digest() = digest_before;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS hint = PG_EXCEPTION_HINT;
	outcome := concat_ws(' HINT: ', SQLSTATE || ': ' || SQLERRM, nullif(hint, ''));
	unchanged := pg_temp.digest() = digest_before;
END $$;
-- pg_temp.vals: n values of len bytes each
CREATE FUNCTION pg_temp.vals(n int, len int) RETURNS jsonb LANGUAGE sql AS $$
SELECT jsonb_agg(repeat('v', len)) FROM generate_series(1, n)
$$;
-- pg_temp.create_call: create_webhook of a webhook with these endpoint headers
-- and, when given, an alert endpoint with those
CREATE FUNCTION pg_temp.create_call(name text, headers jsonb, alert_headers jsonb DEFAULT NULL) RETURNS text LANGUAGE sql AS $$
SELECT format('SELECT webhooks.create_webhook(%L, %L)', 'c9000000-0000-0000-0000-000000000009',
	jsonb_build_object('name', name, 'eventTypes', '["*"]'::jsonb,
		'endpoint', jsonb_build_object('url', 'https://example.com/hook', 'headers', headers))
	|| CASE WHEN alert_headers IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('failureHandling',
		jsonb_build_object('alertEndpoint', jsonb_build_object('url', 'https://example.com/alert', 'headers', alert_headers)))
	   END)
$$;
-- pg_temp.update_call: update_webhook of the webhook of that name
CREATE FUNCTION pg_temp.update_call(webhook text, request jsonb) RETURNS text LANGUAGE sql AS $$
SELECT format('SELECT webhooks.update_webhook(%L, %L, %L)', 'c9000000-0000-0000-0000-000000000009',
	(SELECT locator FROM webhooks._webhook
	 WHERE tenant_locator = 'c9000000-0000-0000-0000-000000000009' AND name = webhook),
	request)
$$;

--
-- values per header
--
SELECT * FROM pg_temp.try(pg_temp.create_call('values16', jsonb_build_object('X-V', pg_temp.vals(16, 1))));
SELECT * FROM pg_temp.try(pg_temp.create_call('values17', jsonb_build_object('X-V', pg_temp.vals(17, 1))));
SELECT * FROM pg_temp.try(pg_temp.create_call('alert16', '{}', jsonb_build_object('X-V', pg_temp.vals(16, 1))));
SELECT * FROM pg_temp.try(pg_temp.create_call('alert17', '{}', jsonb_build_object('X-V', pg_temp.vals(17, 1))));
-- the issue's case: one header of 100,000 one-byte values
SELECT * FROM pg_temp.try(pg_temp.create_call('many', jsonb_build_object('X-V', pg_temp.vals(100000, 1))));
-- update: addHeaders replaces a header's values; the result counts
SELECT * FROM pg_temp.try(pg_temp.update_call('values16', jsonb_build_object('endpoint',
	jsonb_build_object('addHeaders', jsonb_build_object('x-v', pg_temp.vals(17, 1))))));
SELECT * FROM pg_temp.try(pg_temp.update_call('values16', jsonb_build_object('endpoint',
	jsonb_build_object('removeHeaders', '["X-V"]'::jsonb, 'addHeaders', jsonb_build_object('X-V', pg_temp.vals(17, 1))))));
SELECT * FROM pg_temp.try(pg_temp.update_call('values16', jsonb_build_object('endpoint',
	jsonb_build_object('addHeaders', jsonb_build_object('X-W', pg_temp.vals(16, 1))))));
SELECT * FROM pg_temp.try(pg_temp.update_call('alert16', jsonb_build_object('failureHandling', jsonb_build_object('alertEndpoint',
	jsonb_build_object('addHeaders', jsonb_build_object('X-W', pg_temp.vals(17, 1)))))));
-- a superuser may lower the limit, or raise it
SET webhooks.max_header_values = 2;
SELECT * FROM pg_temp.try(pg_temp.create_call('values3', jsonb_build_object('X-V', pg_temp.vals(3, 1))));
SET webhooks.max_header_values = 1000;
SELECT * FROM pg_temp.try(pg_temp.create_call('values1000', jsonb_build_object('X-V', pg_temp.vals(1000, 1))));
RESET webhooks.max_header_values;

--
-- size as sent: 16,384 bytes of "X-A: a\r\n" (8), "X-B: " + 8185 bytes + CRLF
-- (8192) and "X-B: " + 8177 bytes + CRLF (8184)
--
SELECT * FROM pg_temp.try(pg_temp.create_call('bytes16k', jsonb_build_object('X-A', '["a"]'::jsonb,
	'X-B', jsonb_build_array(repeat('v', 8185), repeat('v', 8177)))));
SELECT * FROM pg_temp.try(pg_temp.create_call('bytes16k1', jsonb_build_object('X-A', '["a"]'::jsonb,
	'X-B', jsonb_build_array(repeat('v', 8185), repeat('v', 8178)))));
SELECT * FROM pg_temp.try(pg_temp.create_call('alertbytes16k', '{}', jsonb_build_object('X-A', '["a"]'::jsonb,
	'X-B', jsonb_build_array(repeat('v', 8185), repeat('v', 8177)))));
SELECT * FROM pg_temp.try(pg_temp.create_call('alertbytes16k1', '{}', jsonb_build_object('X-A', '["a"]'::jsonb,
	'X-B', jsonb_build_array(repeat('v', 8185), repeat('v', 8178)))));
-- bytes, not characters: "X-U: éé\r\n" is 11 bytes
SET webhooks.max_headers_bytes = 11;
SELECT * FROM pg_temp.try(pg_temp.create_call('utf8_11', '{"X-U": ["éé"]}'));
SET webhooks.max_headers_bytes = 10;
SELECT * FROM pg_temp.try(pg_temp.create_call('utf8_10', '{"X-U": ["éé"]}'));
RESET webhooks.max_headers_bytes;
-- the message names the header, never a value (values can be secrets)
SELECT * FROM pg_temp.try(pg_temp.create_call('secret', jsonb_build_object('Authorization',
	(SELECT jsonb_agg('Bearer tok-' || g) FROM generate_series(1, 17) g))));
-- the issue's case: 250 values of 8 kB (2 MB), refused even where the
-- value count and the size are raised as far as they go
SET webhooks.max_header_values = 1000;
SET webhooks.max_headers_bytes = '256kB';
SELECT * FROM pg_temp.try(pg_temp.create_call('huge', jsonb_build_object('X-V', pg_temp.vals(250, 8192))));
RESET webhooks.max_header_values;
RESET webhooks.max_headers_bytes;
-- update: "sized" has 8192 bytes; adding 8192 more is at the limit, 8193 over
SELECT * FROM pg_temp.try(pg_temp.create_call('sized', jsonb_build_object('X-B', jsonb_build_array(repeat('v', 8185))),
	jsonb_build_object('X-B', jsonb_build_array(repeat('v', 8185)))));
SELECT webhooks.fetch_webhook(:'t', locator) AS sized_before FROM webhooks._webhook
WHERE tenant_locator = :'t' AND name = 'sized' \gset
SELECT * FROM pg_temp.try(pg_temp.update_call('sized', jsonb_build_object('endpoint',
	jsonb_build_object('addHeaders', jsonb_build_object('X-C', jsonb_build_array(repeat('v', 8186)))))));
SELECT * FROM pg_temp.try(pg_temp.update_call('sized', jsonb_build_object('failureHandling', jsonb_build_object('alertEndpoint',
	jsonb_build_object('addHeaders', jsonb_build_object('X-C', jsonb_build_array(repeat('v', 8186))))))));
-- the refused updates left the webhook as it was
SELECT webhooks.fetch_webhook(:'t', locator) = :'sized_before'::jsonb AS sized_unchanged FROM webhooks._webhook
WHERE tenant_locator = :'t' AND name = 'sized';
SELECT * FROM pg_temp.try(pg_temp.update_call('sized', jsonb_build_object('endpoint',
	jsonb_build_object('addHeaders', jsonb_build_object('X-C', jsonb_build_array(repeat('v', 8185)))))));
-- removals come first: X-C goes, X-D takes its room
SELECT * FROM pg_temp.try(pg_temp.update_call('sized', jsonb_build_object('endpoint',
	jsonb_build_object('removeHeaders', '["X-C"]'::jsonb, 'addHeaders', jsonb_build_object('X-D', jsonb_build_array(repeat('v', 8185)))))));
-- addHeaders replaces the values of X-B: the new ones count, not the old
SELECT * FROM pg_temp.try(pg_temp.update_call('sized', jsonb_build_object('endpoint',
	jsonb_build_object('addHeaders', jsonb_build_object('X-B', jsonb_build_array(repeat('v', 8177)))))));
SELECT * FROM pg_temp.try(pg_temp.update_call('sized', jsonb_build_object('endpoint',
	jsonb_build_object('addHeaders', jsonb_build_object('X-B', jsonb_build_array(repeat('v', 8186)))))));
SELECT * FROM pg_temp.try(pg_temp.update_call('sized', jsonb_build_object('failureHandling', jsonb_build_object('alertEndpoint',
	jsonb_build_object('addHeaders', jsonb_build_object('X-C', jsonb_build_array(repeat('v', 8185))))))));
SELECT name, (SELECT sum(octet_length(k) + 4 + octet_length(v)) FROM jsonb_each(headers) AS h(k, vs), jsonb_array_elements_text(vs) AS v) AS bytes,
       (SELECT sum(octet_length(k) + 4 + octet_length(v)) FROM jsonb_each(alert_headers) AS h(k, vs), jsonb_array_elements_text(vs) AS v) AS alert_bytes
FROM webhooks._webhook WHERE tenant_locator = :'t' AND name = 'sized';
-- once a limit is lowered, an update of the endpoint must bring it within;
-- one that leaves the endpoint alone is accepted
SET webhooks.max_headers_bytes = '8kB';
SELECT * FROM pg_temp.try(pg_temp.update_call('sized', '{"endpoint": {"url": "https://example.com/moved"}}'));
SELECT * FROM pg_temp.try(pg_temp.update_call('sized', '{"enabled": false}'));
RESET webhooks.max_headers_bytes;

--
-- the settings: bounds, and only a superuser may change them
--
SET webhooks.max_header_values = 0;
SET webhooks.max_headers_bytes = '257kB';
SET webhooks.max_header_value_bytes = '65537';
CREATE ROLE regress_header_limits;
GRANT webhooks_writer TO regress_header_limits;
SET ROLE regress_header_limits;
SET webhooks.max_header_values = 1000;
SET webhooks.max_headers_bytes = '256kB';
SHOW webhooks.max_header_values;
SHOW webhooks.max_headers_bytes;
-- and the limits stand for the writer
SELECT webhooks.create_webhook(:'t', jsonb_build_object('name', 'by_writer', 'eventTypes', '["*"]'::jsonb,
	'endpoint', jsonb_build_object('url', 'https://example.com/hook', 'headers', jsonb_build_object('X-V', pg_temp.vals(17, 1)))));
RESET ROLE;
DROP ROLE regress_header_limits;

SELECT name FROM webhooks._webhook WHERE tenant_locator = :'t' ORDER BY name;
DELETE FROM webhooks._webhook WHERE tenant_locator = :'t';
