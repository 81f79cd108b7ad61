--
-- unsuspend_webhook and delete_webhook; webhooks are suspended here by hand,
-- as the delivery worker would (D9), since only unsuspend_webhook clears it
-- through the API.
--
CREATE FUNCTION pg_temp.try(fmt text, VARIADIC args text[] DEFAULT '{}') RETURNS text LANGUAGE plpgsql AS $$
DECLARE d text; h text;
BEGIN EXECUTE format(fmt, VARIADIC args); RETURN 'ok';
EXCEPTION WHEN OTHERS THEN GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT;
RETURN concat_ws(' ', SQLSTATE || ': ' || SQLERRM, 'DETAIL: ' || nullif(d, ''), 'HINT: ' || nullif(h, '')); END $$;
\set t 'de000000-0000-0000-0000-000000000001'
SELECT webhooks.create_webhook(:'t', '{"name": "keep", "endpoint": {"url": "https://example.com/keep"},
  "eventTypes": ["*"], "failureHandling": {"divert": true, "suspend": true}}')->>'locator' AS keep \gset
SELECT webhooks.create_webhook(:'t', '{"name": "gone", "endpoint": {"url": "https://example.com/gone"},
  "eventTypes": ["*"]}')->>'locator' AS gone \gset

-- suspend "keep"
UPDATE webhooks._webhook SET suspended = true, suspended_at = '2026-01-02 03:04:05.678+00'
WHERE tenant_locator = :'t' AND name = 'keep';
SELECT r->'suspended' AS suspended, r->'suspendedAt' AS suspended_at
FROM webhooks.fetch_webhook(:'t', :'keep') AS r;
-- updating a suspended webhook leaves it suspended, even when disabling and
-- enabling it or resetting its failure handling
SELECT r->'enabled' AS enabled, r->'suspended' AS suspended, r->'suspendedAt' AS suspended_at
FROM webhooks.update_webhook(:'t', :'keep', '{"enabled": false}') AS r;
SELECT r->'enabled' AS enabled, r->'suspended' AS suspended, r->'suspendedAt' AS suspended_at
FROM webhooks.update_webhook(:'t', :'keep', '{"enabled": true, "removeFailureHandling": true,
  "failureHandling": {"divert": true, "suspend": true}}') AS r;
SELECT webhooks.fetch_webhook(:'t', :'keep') AS before \gset

-- unsuspend_webhook returns nothing (204) and clears suspended and
-- suspendedAt, and nothing else
SELECT webhooks.unsuspend_webhook(:'t', :'keep');
SELECT r->'suspended' AS suspended, r->'suspendedAt' AS suspended_at,
       r - 'suspended' - 'suspendedAt' = :'before'::jsonb - 'suspended' - 'suspendedAt' AS rest_unchanged
FROM webhooks.fetch_webhook(:'t', :'keep') AS r;
SELECT suspended, suspended_at FROM webhooks._webhook WHERE tenant_locator = :'t' AND name = 'keep';
-- unsuspending a webhook that is not suspended does nothing, and is no error
SELECT webhooks.unsuspend_webhook(:'t', :'gone');
SELECT webhooks.unsuspend_webhook(:'t', :'keep');
SELECT name, suspended, suspended_at FROM webhooks._webhook WHERE tenant_locator = :'t' ORDER BY name;
-- the locator's text may be in any case
UPDATE webhooks._webhook SET suspended = true, suspended_at = now()
WHERE tenant_locator = :'t' AND name = 'keep';
SELECT webhooks.unsuspend_webhook(:'t', lower(:'keep')::webhooks.ulid);
SELECT webhooks.fetch_webhook(:'t', :'keep')->'suspended' AS suspended;

-- delete_webhook returns nothing (204); the webhook is gone, the others stay
SELECT webhooks.delete_webhook(:'t', :'gone');
SELECT name FROM webhooks._webhook WHERE tenant_locator = :'t' ORDER BY name;
SELECT jsonb_path_query_array(webhooks.fetch_webhooks(:'t'), '$.items[*].name') AS listed;
-- a deleted webhook is not found any more: PT404
SELECT pg_temp.try('SELECT webhooks.fetch_webhook(%L, %L)', :'t', :'gone') = 'PT404: webhook ' || :'gone' || ' not found' AS fetch_404,
       pg_temp.try('SELECT webhooks.update_webhook(%L, %L, %L)', :'t', :'gone', '{}') = 'PT404: webhook ' || :'gone' || ' not found' AS update_404,
       pg_temp.try('SELECT webhooks.unsuspend_webhook(%L, %L)', :'t', :'gone') = 'PT404: webhook ' || :'gone' || ' not found' AS unsuspend_404,
       pg_temp.try('SELECT webhooks.delete_webhook(%L, %L)', :'t', :'gone') = 'PT404: webhook ' || :'gone' || ' not found' AS delete_again_404;
-- its name is free again, for a webhook with a new locator
SELECT r->>'locator' <> :'gone' AS new_locator, r->'endpoint'->'url' AS url
FROM webhooks.create_webhook(:'t', '{"name": "gone", "endpoint": {"url": "https://example.com/again"},
  "eventTypes": ["*"]}') AS r;
-- a suspended webhook can be deleted
UPDATE webhooks._webhook SET suspended = true, suspended_at = now()
WHERE tenant_locator = :'t' AND name = 'keep';
SELECT webhooks.delete_webhook(:'t', :'keep');
SELECT name FROM webhooks._webhook WHERE tenant_locator = :'t' ORDER BY name;
-- locators that never existed: PT404
SELECT pg_temp.try('SELECT webhooks.unsuspend_webhook(%L, %L)', :'t', '01ARZ3NDEKTSV4RRFFQ69G5FAV') AS unsuspend,
       pg_temp.try('SELECT webhooks.delete_webhook(%L, %L)', :'t', '01ARZ3NDEKTSV4RRFFQ69G5FAV') AS delete;
