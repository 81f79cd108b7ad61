--
-- fetch_webhooks: pages in locator order, listCompleted, and the filters
-- (D3), alone and combined.
--
-- pg_temp.page shows a WebhookListResponse as listCompleted and the names
CREATE FUNCTION pg_temp.page(r jsonb, OUT completed jsonb, OUT names jsonb) LANGUAGE sql AS $$
SELECT r->'listCompleted', jsonb_path_query_array(r, '$.items[*].name')
$$;
\set t '10000000-0000-0000-0000-000000000001'

-- twelve webhooks, created in name order
SELECT count(webhooks.create_webhook(:'t', jsonb_build_object('name', name, 'enabled', enabled,
         'endpoint', jsonb_build_object('url', 'https://example.com/' || name), 'eventTypes', types)))
FROM (VALUES ('w01', true,  '["policy.quote.create"]'::jsonb),
             ('w02', false, '["policy.quote.create", "billing.invoice.generate"]'),
             ('w03', true,  '["policy.*"]'),
             ('w04', false, '["policy.quote.*"]'),
             ('w05', true,  '["*"]'),
             ('w06', true,  '["billing.*"]'),
             ('w07', false, '["claim.fnol.create"]'),
             ('w08', true,  '["contact.created"]'),
             ('w09', true,  '["policy.quote.issue"]'),
             ('w10', true,  '["billing.invoice.generate"]'),
             ('w11', false, '["*"]'),
             ('w12', true,  '["claim.*"]')) AS v(name, enabled, types);
UPDATE webhooks._webhook SET suspended = true, suspended_at = now()
WHERE tenant_locator = :'t' AND name IN ('w03', 'w04', 'w08');
SELECT name, enabled, suspended, enabled AND NOT suspended AS active, event_types
FROM webhooks._webhook WHERE tenant_locator = :'t' ORDER BY locator;

-- no filter: everything, in locator order, each item the WebhookResponse
-- that fetch_webhook gives
SELECT * FROM pg_temp.page(webhooks.fetch_webhooks(:'t'));
SELECT count(*) AS items,
       bool_and(item = webhooks.fetch_webhook(:'t', (item->>'locator')::webhooks.ulid)) AS same_as_fetch,
       array_agg(item->>'locator' ORDER BY n) = array_agg(item->>'locator' ORDER BY item->>'locator' COLLATE "C") AS locator_order
FROM jsonb_array_elements(webhooks.fetch_webhooks(:'t')->'items') WITH ORDINALITY AS i(item, n);
-- a tenant without webhooks
SELECT webhooks.fetch_webhooks('10000000-0000-0000-0000-0000000000ff') AS empty;

-- pages: offset and count; listCompleted is true when nothing lies past
-- the page, also when the last page is exactly full
SELECT "offset", count, p.*
FROM (VALUES (0, 5), (5, 5), (10, 5), (8, 4), (10, 1), (11, 1), (12, 5), (100, 5),
             (10, NULL), (NULL, 3), (0, 12), (0, 11)) AS v("offset", count),
     pg_temp.page(webhooks.fetch_webhooks(:'t', "offset" => v."offset", count => v.count)) AS p;

-- the name filter is an exact match
SELECT name, p.*
FROM (VALUES ('w03'), ('W03'), ('w0'), ('w03 '), ('')) AS v(name),
     pg_temp.page(webhooks.fetch_webhooks(:'t', name => v.name)) AS p;
-- enabled, suspended, and active (enabled and not suspended)
SELECT 'enabled' AS filter, v AS value, p.* FROM (VALUES (true), (false)) AS v(v),
       pg_temp.page(webhooks.fetch_webhooks(:'t', enabled => v)) AS p
UNION ALL
SELECT 'suspended', v, p.* FROM (VALUES (true), (false)) AS v(v),
       pg_temp.page(webhooks.fetch_webhooks(:'t', suspended => v)) AS p
UNION ALL
SELECT 'active', v, p.* FROM (VALUES (true), (false)) AS v(v),
       pg_temp.page(webhooks.fetch_webhooks(:'t', active => v)) AS p;
-- eventTypes: webhooks subscribed to any of the types, directly or by a
-- pattern that matches it; a pattern in the filter matches that pattern
-- (and "*"); an empty list filters nothing
SELECT types, p.*
FROM (VALUES ('{policy.quote.create}'::text[]),
             ('{billing.invoice.generate}'),
             ('{policy.quote.create,contact.created}'),
             ('{policy.quote.issue}'),
             ('{claim.fnol.create}'),
             ('{claim.*}'),
             ('{*}'),
             ('{regress.not.in.the.catalog}'),
             ('{}')) AS v(types),
     pg_temp.page(webhooks.fetch_webhooks(:'t', event_types => v.types)) AS p;
-- extended is accepted and changes nothing
SELECT webhooks.fetch_webhooks(:'t', extended => true) = webhooks.fetch_webhooks(:'t') AS extended_true,
       webhooks.fetch_webhooks(:'t', extended => false) = webhooks.fetch_webhooks(:'t') AS extended_false;

-- filters combine with AND
SELECT webhooks.fetch_webhooks(:'t', enabled => true, suspended => false)
       = webhooks.fetch_webhooks(:'t', active => true) AS active_is_enabled_and_not_suspended;
SELECT filters, p.*
FROM (VALUES ('active, policy.quote.create',
              webhooks.fetch_webhooks(:'t', active => true, event_types => '{policy.quote.create}')),
             ('not active, not suspended',
              webhooks.fetch_webhooks(:'t', active => false, suspended => false)),
             ('disabled, *',
              webhooks.fetch_webhooks(:'t', enabled => false, event_types => '{*}')),
             ('name w02, disabled',
              webhooks.fetch_webhooks(:'t', name => 'w02', enabled => false)),
             ('name w02, enabled',
              webhooks.fetch_webhooks(:'t', name => 'w02', enabled => true)),
             ('name w03, suspended, not active',
              webhooks.fetch_webhooks(:'t', name => 'w03', suspended => true, active => false)),
             ('enabled, not suspended, billing.invoice.generate',
              webhooks.fetch_webhooks(:'t', enabled => true, suspended => false, event_types => '{billing.invoice.generate}')),
             ('all filters',
              webhooks.fetch_webhooks(:'t', "offset" => 0, count => 10, name => 'w05', enabled => true,
                                      suspended => false, active => true, event_types => '{contact.created}',
                                      extended => true))) AS v(filters, r),
     pg_temp.page(r) AS p;
-- pages of a filtered list
SELECT "offset", count, p.*
FROM (VALUES (0, 2), (2, 2), (4, 2), (4, 3), (6, 2)) AS v("offset", count),
     pg_temp.page(webhooks.fetch_webhooks(:'t', "offset" => v."offset", count => v.count,
                                          event_types => '{policy.quote.create}')) AS p;

-- count: 100 by default, at most 1000
\set many '10000000-0000-0000-0000-000000000002'
SELECT count(webhooks.create_webhook(:'many', jsonb_build_object('name', 'bulk ' || g,
         'endpoint', '{"url": "https://example.com/bulk"}'::jsonb, 'eventTypes', '["*"]'::jsonb)))
FROM generate_series(1, 1001) AS g;
SELECT "offset", count, (r->'listCompleted') AS completed, jsonb_array_length(r->'items') AS items,
       r#>>'{items,0,name}' AS first, r#>>'{items,-1,name}' AS last
FROM (VALUES (NULL, NULL), (100, NULL), (1000, NULL), (NULL, 1000), (1, 1000), (2, 1000)) AS v("offset", count),
     webhooks.fetch_webhooks(:'many', "offset" => v."offset", count => v.count) AS r;
-- (a count above 1000 is refused: see bad_input)
