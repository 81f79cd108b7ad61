--
-- The Diverted Events API (doc/decisions.md §2, D9, D10): fetch_diverted_event,
-- fetch_diverted_events, resend_diverted_event, delete_diverted_event and
-- resend_diverted_events, at the SQL level.  No worker serves this database
-- (publish_event refuses with 55000), so the diverted records are written
-- by hand, as the worker would write them, with fixed timestamps.
--
\set t 'd1000000-0000-0000-0000-000000000001'
\set other 'd1000000-0000-0000-0000-000000000002'
-- pg_temp.state is a digest of both tenants' diverted events and queue
CREATE FUNCTION pg_temp.state() RETURNS text LANGUAGE sql AS $$
SELECT md5(concat((SELECT string_agg(d::text, ',' ORDER BY d.tenant_locator, d.webhook_locator, d.event_locator)
                   FROM webhooks._diverted_event d
                   WHERE tenant_locator IN ('d1000000-0000-0000-0000-000000000001', 'd1000000-0000-0000-0000-000000000002')),
                  (SELECT string_agg(q::text, ',' ORDER BY q.tenant_locator, q.webhook_locator, q.event_locator)
                   FROM webhooks._delivery q
                   WHERE tenant_locator IN ('d1000000-0000-0000-0000-000000000001', 'd1000000-0000-0000-0000-000000000002'))))
$$;
-- pg_temp.try runs a statement built by format() and shows its answer, or
-- its error as "SQLSTATE: message" (with the locators of this test's
-- webhooks written as <name>), and whether it left the state as it was
CREATE FUNCTION pg_temp.try(fmt text, VARIADIC args text[] DEFAULT '{}', OUT answer text, OUT unchanged boolean) LANGUAGE plpgsql AS $$
DECLARE before text := pg_temp.state(); r text; w record;
BEGIN
	BEGIN
		EXECUTE format(fmt, VARIADIC args) INTO r;
		answer := coalesce(r, 'ok');
	EXCEPTION WHEN OTHERS THEN
		answer := SQLSTATE || ': ' || SQLERRM;
	END;
	unchanged := pg_temp.state() = before;
	FOR w IN SELECT locator::text, name FROM webhooks._webhook
			 WHERE tenant_locator IN ('d1000000-0000-0000-0000-000000000001', 'd1000000-0000-0000-0000-000000000002') LOOP
		answer := replace(answer, w.locator, '<' || w.name || '>');
	END LOOP;
END $$;

-- the webhooks: "div" has diverted events, "quiet" none, "theirs" is the
-- other tenant's and has a diverted record of the same event as "div"
SELECT webhooks.create_webhook(:'t', '{"name": "div", "endpoint": {"url": "https://example.com/div"},
  "eventTypes": ["*"], "failureHandling": {"divert": true}}')->>'locator' AS div \gset
SELECT webhooks.create_webhook(:'t', '{"name": "quiet", "endpoint": {"url": "https://example.com/quiet"},
  "eventTypes": ["*"], "failureHandling": {"divert": true}}')->>'locator' AS quiet \gset
SELECT webhooks.create_webhook(:'other', '{"name": "theirs", "endpoint": {"url": "https://example.com/theirs"},
  "eventTypes": ["*"], "failureHandling": {"divert": true}}')->>'locator' AS theirs \gset
-- five diverted events of "div", failed in another order than their
-- locators (E2 and E4 at the same time: then locator order)
INSERT INTO webhooks._diverted_event (tenant_locator, webhook_locator, event_locator, request_locator,
                                      failure_trigger, failure_message, failure_timestamp)
SELECT :'t', :'div', e::webhooks.ulid, r::webhooks.ulid, trig, msg, ts::timestamptz
FROM (VALUES ('01J00000000000000000000E01', '01J00000000000000000000R01', '503', 'HTTP 503', '2026-03-01 10:00:03.250+00'),
             ('01J00000000000000000000E02', '01J00000000000000000000R01', 'timeout', 'Operation timed out after 1000 milliseconds with 0 bytes received', '2026-03-01 10:00:01+00'),
             ('01J00000000000000000000E03', '01J00000000000000000000R02', '404', 'HTTP 404', '2026-03-01 10:00:02.5+00'),
             ('01J00000000000000000000E04', '01J00000000000000000000R02', 'suspended', 'webhook suspended', '2026-03-01 10:00:01+00'),
             ('01J00000000000000000000E05', '01J00000000000000000000R03', '410', 'HTTP 410', '2026-03-01 10:00:05.001+00'))
     AS v(e, r, trig, msg, ts);
INSERT INTO webhooks._diverted_event (tenant_locator, webhook_locator, event_locator, request_locator,
                                      failure_trigger, failure_message, failure_timestamp)
VALUES (:'other', :'theirs', '01J00000000000000000000E01', '01J00000000000000000000R09', '500', 'HTTP 500',
        '2026-03-01 09:00:00+00');
SELECT pg_temp.state() AS start \gset

-- publish_event cannot make them here: no worker serves this database
SELECT * FROM pg_temp.try('SELECT webhooks.publish_event(%L, %L, %L)', :'t', 'policy.quote.issue', '{}');

--
-- fetch_diverted_event: one DivertedEventResponse, every property
--
SELECT webhooks.fetch_diverted_event(:'t', :'div', '01J00000000000000000000E02');
SELECT webhooks.fetch_diverted_event(:'t', :'div', '01J00000000000000000000E01');
SELECT webhooks.fetch_diverted_event(:'t', :'div', '01J00000000000000000000E04');
-- the locators' text may be in any case
SELECT webhooks.fetch_diverted_event(:'t', lower(:'div')::webhooks.ulid, lower('01J00000000000000000000E03')::webhooks.ulid)->>'eventLocator' AS lower_case;
-- the same event diverted from the other tenant's webhook is that one's
SELECT webhooks.fetch_diverted_event(:'other', :'theirs', '01J00000000000000000000E01');

--
-- fetch_diverted_events: a bare array in failureTimestamp order (then
-- locator), offset 0 and count 100 by default
--
SELECT jsonb_typeof(webhooks.fetch_diverted_events(:'t', :'div')) AS shape;
SELECT jsonb_array_length(webhooks.fetch_diverted_events(:'t', :'div')) AS n;
SELECT ordinality, e->>'eventLocator' AS event, e->>'failureTimestamp' AS failure_timestamp,
       e->>'failureTrigger' AS failure_trigger
FROM jsonb_array_elements(webhooks.fetch_diverted_events(:'t', :'div')) WITH ORDINALITY AS a(e, ordinality);
-- each element is what fetch_diverted_event answers
SELECT bool_and(e = webhooks.fetch_diverted_event(:'t', :'div', (e->>'eventLocator')::webhooks.ulid)) AS same_as_fetch
FROM jsonb_array_elements(webhooks.fetch_diverted_events(:'t', :'div')) AS e;
-- paging
SELECT o AS "offset", c AS count,
       jsonb_path_query_array(webhooks.fetch_diverted_events(:'t', :'div', o, c), '$[*].eventLocator') AS events
FROM (VALUES (0, 2), (2, 2), (4, 2), (5, 2), (100, 1), (0, 1), (3, 1000), (NULL, 3), (1, NULL)) AS v(o, c);
SELECT jsonb_path_query_array(webhooks.fetch_diverted_events(:'t', :'div', "offset" => 1, count => 2), '$[*].eventLocator') AS named;
-- the pages together are the whole list
SELECT (SELECT jsonb_agg(e ORDER BY p, i) FROM generate_series(0, 2) p,
          jsonb_array_elements(webhooks.fetch_diverted_events(:'t', :'div', p * 2, 2)) WITH ORDINALITY AS a(e, i))
       = webhooks.fetch_diverted_events(:'t', :'div') AS pages_make_the_list;
-- a webhook without diverted events: an empty array
SELECT webhooks.fetch_diverted_events(:'t', :'quiet') AS quiet;
SELECT webhooks.fetch_diverted_events(:'other', :'theirs') AS theirs;

--
-- not found (PT404): an unknown webhook, another tenant's webhook, an
-- unknown event, an event diverted from another webhook or tenant
--
SELECT f AS function, c.n AS "case", (pg_temp.try(format('SELECT webhooks.%s(%%L, %%L, %%L)', f), c.t, c.w, c.e)).*
FROM (VALUES ('fetch_diverted_event'), ('resend_diverted_event'), ('delete_diverted_event')) AS fs(f),
     (VALUES (1, :'t', '01J0000000000000000000000W', '01J00000000000000000000E01'),
             (2, :'t', :'theirs', '01J00000000000000000000E01'),
             (3, :'other', :'div', '01J00000000000000000000E01'),
             (4, :'t', :'div', '01J00000000000000000000E09'),
             (5, :'t', :'quiet', '01J00000000000000000000E01'),
             (6, 'd1000000-0000-0000-0000-000000000003', :'div', '01J00000000000000000000E01')) AS c(n, t, w, e)
ORDER BY 1, 2;
SELECT f AS function, c.n AS "case", (pg_temp.try(format('SELECT webhooks.%s(%%L, %%L)', f), c.t, c.w)).*
FROM (VALUES ('fetch_diverted_events'), ('resend_diverted_events')) AS fs(f),
     (VALUES (1, :'t', '01J0000000000000000000000W'),
             (2, :'t', :'theirs'),
             (3, :'other', :'div')) AS c(n, t, w)
ORDER BY 1, 2;

--
-- bad input: NULL arguments and out of range counts (22023), text that
-- is not a ulid or uuid (22P02)
--
SELECT c.n, c.call, (pg_temp.try(c.fmt, VARIADIC c.args)).*
FROM (VALUES
  (1, 'fetch_diverted_event(NULL, w, e)', 'SELECT webhooks.fetch_diverted_event(NULL, %L, %L)', ARRAY[:'div', '01J00000000000000000000E01']),
  (2, 'fetch_diverted_event(t, NULL, e)', 'SELECT webhooks.fetch_diverted_event(%L, NULL, %L)', ARRAY[:'t', '01J00000000000000000000E01']),
  (3, 'fetch_diverted_event(t, w, NULL)', 'SELECT webhooks.fetch_diverted_event(%L, %L, NULL)', ARRAY[:'t', :'div']),
  (4, 'fetch_diverted_events(NULL, w)', 'SELECT webhooks.fetch_diverted_events(NULL, %L)', ARRAY[:'div']),
  (5, 'fetch_diverted_events(t, NULL)', 'SELECT webhooks.fetch_diverted_events(%L, NULL)', ARRAY[:'t']),
  (6, 'resend_diverted_event(NULL, w, e)', 'SELECT webhooks.resend_diverted_event(NULL, %L, %L)', ARRAY[:'div', '01J00000000000000000000E01']),
  (7, 'resend_diverted_event(t, NULL, e)', 'SELECT webhooks.resend_diverted_event(%L, NULL, %L)', ARRAY[:'t', '01J00000000000000000000E01']),
  (8, 'resend_diverted_event(t, w, NULL)', 'SELECT webhooks.resend_diverted_event(%L, %L, NULL)', ARRAY[:'t', :'div']),
  (9, 'delete_diverted_event(NULL, w, e)', 'SELECT webhooks.delete_diverted_event(NULL, %L, %L)', ARRAY[:'div', '01J00000000000000000000E01']),
  (10, 'delete_diverted_event(t, NULL, e)', 'SELECT webhooks.delete_diverted_event(%L, NULL, %L)', ARRAY[:'t', '01J00000000000000000000E01']),
  (11, 'delete_diverted_event(t, w, NULL)', 'SELECT webhooks.delete_diverted_event(%L, %L, NULL)', ARRAY[:'t', :'div']),
  (12, 'resend_diverted_events(NULL, w)', 'SELECT webhooks.resend_diverted_events(NULL, %L)', ARRAY[:'div']),
  (13, 'resend_diverted_events(t, NULL)', 'SELECT webhooks.resend_diverted_events(%L, NULL)', ARRAY[:'t'])) AS c(n, call, fmt, args)
ORDER BY c.n;
SELECT o AS "offset", c AS count, (pg_temp.try('SELECT webhooks.fetch_diverted_events(%L, %L, %s, %s)', :'t', :'div', o, c)).*
FROM (VALUES ('-1', '1'), ('-2147483648', 'NULL'), ('0', '0'), ('0', '-1'), ('0', '1001'), ('NULL', '2147483647')) AS v(o, c);
SELECT * FROM pg_temp.try('SELECT webhooks.fetch_diverted_event(%L, %L, %L)', :'t', :'div', 'not a ulid');
SELECT * FROM pg_temp.try('SELECT webhooks.fetch_diverted_event(%L, %L, %L)', :'t', :'div', '01J00000000000000000000E0U');
SELECT * FROM pg_temp.try('SELECT webhooks.fetch_diverted_event(%L, %L, %L)', :'t', :'div', '01J00000000000000000000E011');
SELECT * FROM pg_temp.try('SELECT webhooks.fetch_diverted_event(%L, %L, %L)', :'t', '8ZZZZZZZZZZZZZZZZZZZZZZZZZ', '01J00000000000000000000E01');
SELECT * FROM pg_temp.try('SELECT webhooks.fetch_diverted_events(%L, %L)', :'t', '');
SELECT * FROM pg_temp.try('SELECT webhooks.resend_diverted_event(%L, %L, %L)', :'t', :'div', 'E01');
SELECT * FROM pg_temp.try('SELECT webhooks.delete_diverted_event(%L, %L, %L)', :'t', :'div', '01J00000000000000000000E0!');
SELECT * FROM pg_temp.try('SELECT webhooks.resend_diverted_events(%L, %L)', 'not a uuid', :'div');
SELECT * FROM pg_temp.try('SELECT webhooks.resend_diverted_events(%L, %L, %L)', :'t', :'div', 'yesterday-ish');
-- after all of that, everything is as it was
SELECT pg_temp.state() = :'start' AS unchanged;

--
-- resend_diverted_event: answers {} and queues one new delivery of the
-- event, flagged as a resend; the diverted record stays until the resend
-- succeeds (the worker removes it then)
--
SELECT webhooks.resend_diverted_event(:'t', :'div', '01J00000000000000000000E03');
SELECT event_locator, attempts, resend, due_at <= now() AS due
FROM webhooks._delivery WHERE tenant_locator = :'t' ORDER BY event_locator;
SELECT count(*) AS still_diverted FROM webhooks._diverted_event
WHERE tenant_locator = :'t' AND event_locator::text = '01J00000000000000000000E03';
-- again: still one queued delivery (idempotent)
SELECT webhooks.resend_diverted_event(:'t', :'div', '01J00000000000000000000E03');
SELECT event_locator, attempts, resend FROM webhooks._delivery WHERE tenant_locator = :'t' ORDER BY event_locator;
-- an event whose delivery is queued already (an earlier resend waiting for
-- its retry) keeps that delivery, its place in the queue and its attempts
INSERT INTO webhooks._delivery (tenant_locator, webhook_locator, event_locator, attempts, due_at, resend)
VALUES (:'t', :'div', '01J00000000000000000000E05', 2, '2026-03-01 11:00:00+00', true);
SELECT webhooks.resend_diverted_event(:'t', :'div', '01J00000000000000000000E05');
SELECT event_locator, attempts, resend, due_at = '2026-03-01 11:00:00+00' AS same_place FROM webhooks._delivery
WHERE tenant_locator = :'t' AND event_locator::text = '01J00000000000000000000E05';
-- the other tenant's record of the same event was not touched
SELECT count(*) AS theirs_queued FROM webhooks._delivery WHERE tenant_locator = :'other';
DELETE FROM webhooks._delivery WHERE tenant_locator = :'t';

--
-- resend_diverted_events: every event diverted since a time (inclusive),
-- or all of them; answers how many were queued
--
SELECT webhooks.resend_diverted_events(:'t', :'div', '2026-03-01 10:00:02.5+00') AS since_02_5;
SELECT event_locator, resend FROM webhooks._delivery WHERE tenant_locator = :'t' ORDER BY event_locator;
SELECT webhooks.resend_diverted_events(:'t', :'div', '2026-03-01 10:00:03.251+00') AS since_03_251;
SELECT webhooks.resend_diverted_events(:'t', :'div', '2026-03-01 10:00:06+00') AS since_after_all;
SELECT webhooks.resend_diverted_events(:'t', :'div', since => '2026-03-01 11:00:01+01') AS since_other_zone;
SELECT event_locator, resend FROM webhooks._delivery WHERE tenant_locator = :'t' ORDER BY event_locator;
-- without since (or NULL): all of them; again, still one row each
SELECT webhooks.resend_diverted_events(:'t', :'div') AS all_events;
SELECT webhooks.resend_diverted_events(:'t', :'div', NULL) AS all_again;
SELECT count(*) AS queued, count(DISTINCT event_locator) AS events, bool_and(resend) AS all_resends
FROM webhooks._delivery WHERE tenant_locator = :'t';
SELECT webhooks.resend_diverted_events(:'t', :'quiet') AS quiet;
SELECT count(*) AS theirs_queued FROM webhooks._delivery WHERE tenant_locator = :'other';
DELETE FROM webhooks._delivery WHERE tenant_locator = :'t';

--
-- delete_diverted_event: answers {} and forgets the one record
--
SELECT webhooks.delete_diverted_event(:'t', :'div', '01J00000000000000000000E01');
SELECT * FROM pg_temp.try('SELECT webhooks.fetch_diverted_event(%L, %L, %L)', :'t', :'div', '01J00000000000000000000E01');
SELECT * FROM pg_temp.try('SELECT webhooks.delete_diverted_event(%L, %L, %L)', :'t', :'div', '01J00000000000000000000E01');
SELECT * FROM pg_temp.try('SELECT webhooks.resend_diverted_event(%L, %L, %L)', :'t', :'div', '01J00000000000000000000E01');
SELECT jsonb_path_query_array(webhooks.fetch_diverted_events(:'t', :'div'), '$[*].eventLocator') AS left_of_div;
SELECT webhooks.fetch_diverted_event(:'other', :'theirs', '01J00000000000000000000E01')->>'failureTrigger' AS theirs_stays;

--
-- a deleted webhook takes its diverted events along (D10)
--
SELECT webhooks.delete_webhook(:'t', :'div');
SELECT count(*) AS records_left FROM webhooks._diverted_event WHERE tenant_locator = :'t';
SELECT replace(answer, :'div', '<div>') AS answer
FROM pg_temp.try('SELECT webhooks.fetch_diverted_events(%L, %L)', :'t', :'div');
SELECT count(*) AS theirs_left FROM webhooks._diverted_event WHERE tenant_locator = :'other';
