--
-- The event-type catalog (D4): the seeded Socotra types, register_event_type,
-- and how webhooks subscribe to names and prefix patterns.
--
CREATE FUNCTION pg_temp.try(fmt text, VARIADIC args text[] DEFAULT '{}') RETURNS text LANGUAGE plpgsql AS $$
DECLARE d text; h text;
BEGIN EXECUTE format(fmt, VARIADIC args); RETURN 'ok';
EXCEPTION WHEN OTHERS THEN GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT;
RETURN concat_ws(' ', SQLSTATE || ': ' || SQLERRM, 'DETAIL: ' || nullif(d, ''), 'HINT: ' || nullif(h, '')); END $$;
\set t 'e0000000-0000-0000-0000-000000000001'
-- pg_temp.subscribe creates a webhook of the tenant subscribed to types and
-- shows the subscriptions it was given, or the error
CREATE FUNCTION pg_temp.subscribe(name text, VARIADIC types text[]) RETURNS text LANGUAGE sql AS $$
SELECT pg_temp.try('SELECT webhooks.create_webhook(%L, %L)', 'e0000000-0000-0000-0000-000000000001',
	jsonb_build_object('name', name, 'endpoint', jsonb_build_object('url', 'https://example.com/hook'),
					   'eventTypes', to_jsonb(types))::text)
$$;

-- the seeded catalog: Socotra's 193 event types
SELECT count(*) AS builtin, count(DISTINCT name) AS names,
       bool_and(description IS NOT NULL) AS described
FROM webhooks.event_type WHERE builtin;
SELECT count(*) AS registered FROM webhooks.event_type WHERE NOT builtin;
SELECT split_part(name, '.', 1) AS service_prefix, count(*)
FROM webhooks.event_type GROUP BY 1 ORDER BY 1;
SELECT name, description FROM webhooks.event_type
WHERE name IN ('policy.quote.create', 'billing.invoice.generate', 'claim.fnol.create',
               'contact.created', 'userAssociation.completed')
ORDER BY name;

-- register_event_type adds a type, or changes the description of one
SELECT webhooks.register_event_type('regress.thing.happened', 'A test event');
SELECT webhooks.register_event_type('regress.other');
SELECT name, description, builtin FROM webhooks.event_type WHERE name LIKE 'regress.%' ORDER BY name;
SELECT webhooks.register_event_type('regress.thing.happened', 'A test event, described again');
SELECT webhooks.register_event_type('regress.other', NULL);
SELECT name, description, builtin FROM webhooks.event_type WHERE name LIKE 'regress.%' ORDER BY name;
-- a built-in type cannot be registered again (its description is not
-- configuration that pg_dump would keep)
SELECT webhooks.register_event_type('policy.quote.create', 'Quote created');
SELECT name, description, builtin FROM webhooks.event_type WHERE name = 'policy.quote.create';
-- names are dot-separated segments of letters, digits, '_' and '-'; a
-- pattern is not a name
SELECT webhooks.register_event_type('Regress_2.with-dash.x9', NULL);
SELECT webhooks.register_event_type(repeat('x', 255), 'the longest name');
SELECT left(name, 20) AS name, pg_temp.try('SELECT webhooks.register_event_type(%L)', name) AS error
FROM (VALUES (''), ('regress.*'), ('*'), ('regress..x'), ('.regress'), ('regress.'),
             ('regress thing'), ('regress/thing'), (repeat('x', 256))) AS v(name);
SELECT pg_temp.try('SELECT webhooks.register_event_type(NULL, %L)', 'no name') AS null_name;
SELECT count(*) AS registered FROM webhooks.event_type WHERE NOT builtin;

-- subscriptions: catalog names, newly registered ones, and patterns that
-- match at least one catalog entry; "a.*" matches at any depth
SELECT pg_temp.subscribe('name', 'policy.quote.create');
SELECT pg_temp.subscribe('registered', 'regress.thing.happened');
SELECT pg_temp.subscribe('pattern', 'regress.*');
SELECT pg_temp.subscribe('deep pattern', 'regress.thing.*');
SELECT pg_temp.subscribe('everything', '*');
SELECT pg_temp.subscribe('mixed', 'billing.*', 'contact.created', 'Regress_2.with-dash.x9');
SELECT r->>'name' AS name, r->'eventTypes' AS event_types
FROM jsonb_array_elements(webhooks.fetch_webhooks(:'t')->'items') AS r;
-- duplicates are dropped, the first order kept
SELECT webhooks.create_webhook(:'t', '{"name": "dups", "endpoint": {"url": "https://example.com/hook"},
  "eventTypes": ["policy.quote.create", "*", "policy.*", "policy.quote.create", "*"]}')->'eventTypes' AS deduplicated;

-- what is not a subscription: unknown names, patterns that match nothing,
-- a pattern that is not a prefix, names in another case
SELECT types, pg_temp.subscribe('bad', VARIADIC types) AS error
FROM (VALUES ('{policy.quote.nothing}'::text[]),
             ('{Policy.quote.create}'),
             ('{regress.thing}'),              -- a prefix of a name, not a name
             ('{regress.thing.happened.*}'),   -- nothing below it
             ('{regress.thin.*}'),             -- patterns match whole segments
             ('{nothing.*}'),
             ('{policy.quote.create,nothing.at.all,nothing.else}'),
             ('{regress*}'),
             ('{*.create}'),
             ('{policy.*.create}'),
             ('{**}'),
             ('{policy.quote.create.}')) AS v(types);

-- a webhook subscribes to at most 500 event types (webhooks.max_event_types)
SELECT count(webhooks.register_event_type('regress.many.t' || g)) AS registered FROM generate_series(1, 501) AS g;
SELECT jsonb_array_length(webhooks.create_webhook(:'t', jsonb_build_object('name', 'five hundred',
         'endpoint', '{"url": "https://example.com/hook"}'::jsonb,
         'eventTypes', (SELECT jsonb_agg('regress.many.t' || g) FROM generate_series(1, 500) AS g)))->'eventTypes') AS subscribed;
SELECT pg_temp.try('SELECT webhooks.create_webhook(%L, %L)', :'t', jsonb_build_object('name', 'five hundred and one',
         'endpoint', '{"url": "https://example.com/hook"}'::jsonb,
         'eventTypes', (SELECT jsonb_agg('regress.many.t' || g) FROM generate_series(1, 501) AS g))::text) AS too_many;
SELECT count(*) AS webhooks FROM webhooks._webhook WHERE tenant_locator = :'t';

-- clean up: the catalog is global
DELETE FROM webhooks._webhook WHERE tenant_locator = :'t';
DELETE FROM webhooks.event_type WHERE NOT builtin;
SELECT count(*) AS types, count(*) FILTER (WHERE builtin) AS builtin FROM webhooks.event_type;
