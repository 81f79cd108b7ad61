--
-- webhooks._subscription: every webhook under each entry of its
-- event_types, kept in step by triggers; filtered lists merge its ranges
-- (at most 8 subscriptions, else the overlap test) and must give what the
-- overlap test gives; an upgrade from 1.0 fills it.
--
-- pg_temp.drift counts the rows where _subscription and _webhook disagree
CREATE FUNCTION pg_temp.drift() RETURNS bigint LANGUAGE sql AS $$
SELECT count(*) FROM (
	(SELECT w.tenant_locator, t, w.locator::text FROM webhooks._webhook w, unnest(w.event_types) t
	 EXCEPT SELECT tenant_locator, event_type, webhook_locator::text FROM webhooks._subscription)
	UNION ALL
	(SELECT tenant_locator, event_type, webhook_locator::text FROM webhooks._subscription
	 EXCEPT ALL SELECT DISTINCT w.tenant_locator, t, w.locator::text FROM webhooks._webhook w, unnest(w.event_types) t)) d
$$;
\set t '50000000-0000-0000-0000-000000000001'

-- the webhooks the other tests left
SELECT pg_temp.drift() AS drift_before;

-- create, update, delete through the API
SELECT webhooks.create_webhook(:'t', '{"name": "a", "endpoint": {"url": "https://example.com/a"},
  "eventTypes": ["policy.quote.issue", "policy.*"]}') ->> 'locator' AS a \gset
SELECT event_type FROM webhooks._subscription
WHERE tenant_locator = :'t' AND webhook_locator OPERATOR(webhooks.=) :'a' ORDER BY 1;
SELECT webhooks.update_webhook(:'t', :'a', '{"addEventTypes": ["billing.*"],
  "removeEventTypes": ["policy.*"]}') IS NOT NULL AS updated;
SELECT event_type FROM webhooks._subscription
WHERE tenant_locator = :'t' AND webhook_locator OPERATOR(webhooks.=) :'a' ORDER BY 1;
-- an update that leaves the types leaves the rows
SELECT webhooks.update_webhook(:'t', :'a', '{"name": "a2"}') IS NOT NULL AS renamed,
       pg_temp.drift() AS drift;
-- written directly, as a restore or the worker would
UPDATE webhooks._webhook SET event_types = '{*,*,contact.created}'
WHERE tenant_locator = :'t' AND locator OPERATOR(webhooks.=) :'a';
SELECT event_type FROM webhooks._subscription
WHERE tenant_locator = :'t' AND webhook_locator OPERATOR(webhooks.=) :'a' ORDER BY 1;
UPDATE webhooks._webhook SET suspended = true, suspended_at = now()
WHERE tenant_locator = :'t';
SELECT webhooks.delete_webhook(:'t', :'a');
SELECT count(*) AS left_of_a FROM webhooks._subscription WHERE tenant_locator = :'t';
BEGIN;
TRUNCATE webhooks._webhook CASCADE;
SELECT count(*) AS after_truncate FROM webhooks._subscription;
ROLLBACK;
SELECT pg_temp.drift() AS drift;

-- a tenant of 300 webhooks subscribed by name and by pattern, some
-- disabled and suspended
SELECT count(webhooks.create_webhook(:'t', jsonb_build_object('name', 'w' || g, 'enabled', g % 7 <> 0,
         'endpoint', jsonb_build_object('url', 'https://example.com/' || g),
         'eventTypes', (ARRAY['["policy.quote.issue"]', '["policy.quote.*", "policy.quote.issue"]',
                              '["policy.*"]', '["*"]', '["billing.invoice.generate"]',
                              '["billing.*", "contact.created"]', '["claim.fnol.create"]'])[1 + g % 7]::jsonb)))
FROM generate_series(1, 300) AS g;
UPDATE webhooks._webhook SET suspended = true, suspended_at = now()
WHERE tenant_locator = :'t' AND name IN ('w3', 'w10', 'w11', 'w50', 'w99');
SELECT pg_temp.drift() AS drift;

-- every filtered page is the page of the overlap test over the tenant:
-- one type (4 subscriptions), two (6), three (10), seven (20: the overlap
-- test), a pattern, and pages with offsets
SELECT count(*) AS pages,
       count(*) FILTER (WHERE got = want) AS same,
       sum(jsonb_array_length(got)) AS items
FROM (VALUES ('{policy.quote.issue}'::text[]), ('{billing.invoice.generate,contact.created}'),
             ('{policy.quote.issue,billing.invoice.generate,claim.fnol.create}'),
             ('{policy.quote.issue,billing.invoice.generate,claim.fnol.create,contact.created,document.ready,billing.payment.*,regress.a.b.c}'),
             ('{policy.*}'), ('{*}'), ('{regress.not.in.the.catalog}')) AS v(types),
     (VALUES (NULL::boolean, NULL::boolean), (true, NULL), (NULL, true), (false, NULL), (NULL, false)) AS f(enabled, active),
     (VALUES (0, 10), (0, 100), (10, 25), (95, 30), (290, 20)) AS p("offset", count),
     LATERAL (SELECT webhooks.fetch_webhooks(:'t', "offset" => p."offset", count => p.count,
                                            enabled => f.enabled, active => f.active,
                                            event_types => v.types) -> 'items' AS got) g,
     LATERAL (SELECT coalesce(jsonb_agg(webhooks.fetch_webhook(:'t', w.locator) ORDER BY w.locator), '[]') AS want
              FROM (SELECT w.locator FROM webhooks._webhook w
                    WHERE w.tenant_locator = :'t'
                      AND (f.enabled IS NULL OR w.enabled = f.enabled)
                      AND (f.active IS NULL OR (w.enabled AND NOT w.suspended) = f.active)
                      AND w.event_types && (SELECT array_agg(c) FROM (
                            SELECT unnest(v.types) UNION SELECT '*'
                            UNION SELECT array_to_string((string_to_array(x, '.'))[1:i], '.') || '.*'
                            FROM unnest(v.types) x,
                                 generate_series(1, cardinality(string_to_array(x, '.')) - 1) i) cand(c))
                    ORDER BY w.locator OFFSET p."offset" LIMIT p.count) w) e;
-- listCompleted at the end of a merged list, also when the last page is
-- exactly full
SELECT count(*) AS n FROM webhooks._webhook
WHERE tenant_locator = :'t' AND event_types && '{policy.quote.issue,policy.quote.*,policy.*,*}' \gset
SELECT v."offset" - :n AS from_end, r->'listCompleted' AS completed, jsonb_array_length(r->'items') AS items
FROM (VALUES (:n - 44), (:n - 43), (:n - 42), (:n)) AS v("offset"),
     webhooks.fetch_webhooks(:'t', "offset" => v."offset", count => 43,
                             event_types => '{policy.quote.issue}') AS r;

-- an installation of 1.0 with webhooks, upgraded
SELECT current_database() AS regress_db \gset
CREATE DATABASE regress_upgrade;
\c regress_upgrade
SET client_min_messages = warning;
CREATE EXTENSION webhooks VERSION '1.0';
SELECT count(webhooks.create_webhook(:'t', jsonb_build_object('name', 'u' || g,
         'endpoint', jsonb_build_object('url', 'https://example.com/' || g),
         'eventTypes', (ARRAY['["policy.quote.issue"]', '["policy.*", "billing.*"]', '["*"]'])[1 + g % 3]::jsonb)))
FROM generate_series(1, 30) AS g;
SELECT to_regclass('webhooks._subscription') AS before_update;
ALTER EXTENSION webhooks UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'webhooks';
SELECT event_type, count(*) FROM webhooks._subscription GROUP BY 1 ORDER BY 1;
SELECT jsonb_array_length(webhooks.fetch_webhooks(:'t', event_types => '{policy.quote.issue}') -> 'items') AS listed;
\c :regress_db
DROP DATABASE regress_upgrade;
