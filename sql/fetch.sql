--
-- fetch_webhook: one webhook of a tenant, as a WebhookResponse.
--
\set t 'f0000000-0000-0000-0000-000000000001'
SELECT webhooks.create_webhook(:'t', '{"name": "first", "endpoint": {"url": "https://example.com/1"},
  "eventTypes": ["policy.*"]}') AS first \gset
SELECT webhooks.create_webhook(:'t', '{"name": "second", "endpoint": {"url": "https://example.com/2",
  "headers": {"X-A": ["a"]}, "secret": "s3cret", "tag": "t"}, "eventTypes": ["*"],
  "failureHandling": {"retryStrategy": {"type": "linear", "interval": 10},
                      "alertEndpoint": {"url": "https://example.com/alert"}}}') AS second \gset
SELECT :'first'::jsonb->>'locator' AS a, :'second'::jsonb->>'locator' AS b \gset

-- each locator gives its own webhook, the document create returned; the
-- locator's text may be in any case
SELECT webhooks.fetch_webhook(:'t', :'a') = :'first'::jsonb AS first,
       webhooks.fetch_webhook(:'t', :'b') = :'second'::jsonb AS second,
       webhooks.fetch_webhook(:'t', lower(:'b')::webhooks.ulid) = :'second'::jsonb AS lower_case;

-- a WebhookResponse carries every property of its schema, null where there
-- is no value, and nothing else
SELECT path, array_agg(key ORDER BY key) AS properties
FROM (SELECT 'webhook' AS path, r FROM (SELECT webhooks.fetch_webhook(:'t', :'b') AS r) s
      UNION ALL SELECT 'endpoint', webhooks.fetch_webhook(:'t', :'b')->'endpoint'
      UNION ALL SELECT 'failureHandling', webhooks.fetch_webhook(:'t', :'b')->'failureHandling'
      UNION ALL SELECT 'retryStrategy', webhooks.fetch_webhook(:'t', :'b')#>'{failureHandling,retryStrategy}'
      UNION ALL SELECT 'alertEndpoint', webhooks.fetch_webhook(:'t', :'b')#>'{failureHandling,alertEndpoint}') p,
     jsonb_object_keys(p.r) AS key
GROUP BY path ORDER BY path;
SELECT jsonb_typeof(r->'suspendedAt') AS suspended_at, jsonb_typeof(r#>'{endpoint,secret}') AS secret,
       jsonb_typeof(r#>'{endpoint,tag}') AS tag, jsonb_typeof(r#>'{failureHandling,retryStrategy}') AS retry_strategy,
       jsonb_typeof(r#>'{failureHandling,alertEndpoint}') AS alert_endpoint
FROM webhooks.fetch_webhook(:'t', :'a') AS r;

-- a suspended webhook: suspendedAt is RFC 3339 in UTC with milliseconds,
-- whatever the session's time zone
UPDATE webhooks._webhook SET suspended = true, suspended_at = '2026-03-04 05:06:07.891234+00'
WHERE tenant_locator = :'t' AND name = 'first';
SET timezone = 'Asia/Kolkata';
SELECT r->'suspended' AS suspended, r->'suspendedAt' AS suspended_at
FROM webhooks.fetch_webhook(:'t', :'a') AS r;
RESET timezone;
-- nothing else in the document changed
SELECT webhooks.fetch_webhook(:'t', :'a') - 'suspended' - 'suspendedAt'
       = :'first'::jsonb - 'suspended' - 'suspendedAt' AS rest_unchanged;
-- (locators that name no webhook of the tenant: see bad_input)
