--
-- create_webhook: the defaults of D1, every field of CreateWebhookRequest,
-- and the WebhookResponse it returns.
--
\set t 'c0000000-0000-0000-0000-000000000001'
-- pg_temp.shown masks what is random in a response once it has the right
-- shape: a ulid locator, and generated secrets ("whsec_" + base64 of 32 bytes)
CREATE FUNCTION pg_temp.shown(r jsonb) RETURNS text LANGUAGE sql AS $$
SELECT jsonb_pretty(regexp_replace(regexp_replace(r::text,
	'"locator": "[0-7][0-9A-HJKMNP-TV-Z]{25}"', '"locator": "<ulid>"'),
	'"whsec_[A-Za-z0-9+/]{43}="', '"<generated secret>"', 'g')::jsonb)
$$;

-- the smallest request: name, endpoint.url and eventTypes; everything else
-- takes its default (enabled, secureSsl, no signing, default failure
-- handling: 4xx, 5xx and timeout, no divert, suspend, retries or alerts)
SELECT webhooks.create_webhook(:'t', '{"name": "minimal", "endpoint": {"url": "https://example.com/hook"},
  "eventTypes": ["policy.quote.create"]}') AS minimal \gset
SELECT pg_temp.shown(:'minimal');
-- the locator is a new ulid
SELECT webhooks.ulid_time((:'minimal'::jsonb->>'locator')::webhooks.ulid)
       BETWEEN now() - interval '1 minute' AND clock_timestamp() AS locator_is_recent;
-- fetching gives the same document
SELECT webhooks.fetch_webhook(:'t', (:'minimal'::jsonb->>'locator')::webhooks.ulid) = :'minimal'::jsonb AS fetched_same;
-- what was stored
SELECT name, enabled, event_types, url, headers, secure_ssl, hmac_enabled, secret, tag,
       triggers, divert, suspend, retry_type, retry_interval, retry_attempts,
       alert_url, use_automation_plugin, suspended, suspended_at
FROM webhooks._webhook WHERE tenant_locator = :'t' AND name = 'minimal' \gx

-- every field set
SELECT webhooks.create_webhook(:'t', '{
  "name": "full",
  "enabled": false,
  "endpoint": {
    "url": "http://receiver.example:8080/hooks/in?source=pg#frag",
    "headers": {"Authorization": ["Bearer abc"], "X-Multi": ["one", "two"], "X-Tab": ["a\tb"], "X-Empty": [""]},
    "secureSsl": false,
    "hmacEnabled": true,
    "secret": "whsec_MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1u",
    "tag": "key-2024"
  },
  "failureHandling": {
    "triggers": ["404", "5xx", "timeout", "404"],
    "divert": true,
    "suspend": true,
    "retryStrategy": {"type": "exponential", "interval": 250, "attempts": 10},
    "alertEndpoint": {
      "url": "https://alerts.example/notify",
      "headers": {"X-Team": ["ops"]},
      "secureSsl": false,
      "hmacEnabled": true
    }
  },
  "eventTypes": ["policy.*", "billing.invoice.generate"],
  "useAutomationPlugin": true
}') AS full \gset
SELECT pg_temp.shown(:'full');
-- the alert endpoint got its own secret: whsec_ and base64 of 32 random bytes
SELECT length(decode(substr(:'full'::jsonb#>>'{failureHandling,alertEndpoint,secret}', 7), 'base64')) AS alert_key_bytes;
-- useAutomationPlugin is stored, and is not part of a response
SELECT use_automation_plugin, alert_url, alert_headers, alert_secure_ssl, alert_hmac_enabled, alert_tag
FROM webhooks._webhook WHERE tenant_locator = :'t' AND name = 'full';
SELECT webhooks.fetch_webhook(:'t', (:'full'::jsonb->>'locator')::webhooks.ulid) = :'full'::jsonb AS fetched_same;

-- hmacEnabled without a secret: one is generated, different each time
SELECT webhooks.create_webhook(:'t', '{"name": "signed 1", "endpoint": {"url": "https://example.com/hook", "hmacEnabled": true},
  "eventTypes": ["*"]}')#>>'{endpoint,secret}' AS secret1 \gset
SELECT webhooks.create_webhook(:'t', '{"name": "signed 2", "endpoint": {"url": "https://example.com/hook", "hmacEnabled": true, "tag": "v1"},
  "eventTypes": ["*"]}')#>>'{endpoint,secret}' AS secret2 \gset
SELECT s ~ '^whsec_[A-Za-z0-9+/]{43}=$' AS shape, length(decode(substr(s, 7), 'base64')) AS key_bytes
FROM (VALUES (:'secret1'), (:'secret2')) AS v(s);
SELECT :'secret1' <> :'secret2' AS different;
SELECT name, secret = :'secret1' OR secret = :'secret2' AS stored, tag
FROM webhooks._webhook WHERE tenant_locator = :'t' AND name LIKE 'signed%' ORDER BY name;

-- a secret without hmacEnabled is kept, and so is a secret that is not a
-- whsec_ one (its bytes are the key)
SELECT webhooks.create_webhook(:'t', '{"name": "plain secret", "endpoint": {"url": "https://example.com/hook",
  "secret": "correct horse battery staple", "tag": "t1"}, "eventTypes": ["*"]}')->'endpoint' AS endpoint;
-- whsec_ keys of 24 and 64 bytes are the limits
SELECT webhooks.create_webhook(:'t', jsonb_build_object('name', 'key ' || n, 'eventTypes', '["*"]'::jsonb,
         'endpoint', jsonb_build_object('url', 'https://example.com/hook', 'hmacEnabled', true,
                                        'secret', 'whsec_' || replace(encode(convert_to(repeat('k', n), 'UTF8'), 'base64'), E'\n', ''))))
         #>>'{endpoint,secret}' AS secret
FROM (VALUES (24), (64)) AS v(n);

-- failure handling: what is not given takes its default; attempts
-- defaults to 3; duplicate triggers are dropped
SELECT webhooks.create_webhook(:'t', '{"name": "divert only", "endpoint": {"url": "https://example.com/hook"},
  "eventTypes": ["*"], "failureHandling": {"divert": true}}')->'failureHandling' AS failure_handling;
SELECT webhooks.create_webhook(:'t', '{"name": "linear", "endpoint": {"url": "https://example.com/hook"},
  "eventTypes": ["*"], "failureHandling": {"triggers": ["timeout", "429", "timeout"],
  "retryStrategy": {"type": "linear", "interval": 1}}}')->'failureHandling' AS failure_handling;
SELECT webhooks.create_webhook(:'t', '{"name": "longest wait", "endpoint": {"url": "https://example.com/hook"},
  "eventTypes": ["*"], "failureHandling": {"suspend": true,
  "retryStrategy": {"type": "linear", "interval": 86400000, "attempts": 1}}}')->'failureHandling' AS failure_handling;
-- JSON null reads as absent
SELECT webhooks.create_webhook(:'t', '{"name": "nulls", "enabled": null, "endpoint": {"url": "https://example.com/hook",
  "headers": null, "secureSsl": null, "hmacEnabled": null, "secret": null, "tag": null},
  "eventTypes": ["*"], "failureHandling": null, "useAutomationPlugin": null}') - 'locator'
  = (:'minimal'::jsonb - 'locator') || '{"name": "nulls", "eventTypes": ["*"]}' AS same_as_defaults;

-- the limits of D5 are inclusive: a 255-character name (characters, not
-- bytes), a 2048-byte URL, 50 headers, an 8192-byte header value
SELECT r->>'name' = repeat('é', 255) AS long_name,
       length(r#>>'{endpoint,url}') AS url_length,
       (SELECT count(*) FROM jsonb_object_keys(r#>'{endpoint,headers}')) AS headers,
       length(r#>>'{endpoint,headers,X-Big,0}') AS big_value
FROM webhooks.create_webhook(:'t', jsonb_build_object(
       'name', repeat('é', 255),
       'endpoint', jsonb_build_object(
         'url', 'https://example.com/' || repeat('p', 2048 - 20),
         'headers', (SELECT jsonb_object_agg('X-H' || g, '["v"]'::jsonb) FROM generate_series(1, 49) g)
                    || jsonb_build_object('X-Big', jsonb_build_array(repeat('v', 8192)))),
       'eventTypes', '["*"]'::jsonb)) AS r;

-- the tenant's webhooks, in locator (creation) order
SELECT left(name, 20) AS name FROM webhooks._webhook WHERE tenant_locator = :'t' ORDER BY locator;
