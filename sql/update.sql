--
-- update_webhook: every field of UpdateWebhookRequest; absent fields leave
-- the webhook unchanged; removals come before additions (D2).
--
\set t 'd0000000-0000-0000-0000-000000000001'
SELECT webhooks.create_webhook(:'t', '{"name": "hook",
  "endpoint": {"url": "https://example.com/v1", "headers": {"X-Keep": ["k"], "X-Replace": ["old"], "X-Drop": ["d"]}},
  "failureHandling": {"triggers": ["404", "5xx"], "retryStrategy": {"type": "linear", "interval": 100, "attempts": 5}},
  "eventTypes": ["policy.quote.create", "policy.quote.issue"], "useAutomationPlugin": true}') AS created \gset
SELECT :'created'::jsonb->>'locator' AS w \gset
SELECT webhooks.create_webhook(:'t', '{"name": "other", "endpoint": {"url": "https://example.com/other"},
  "eventTypes": ["*"]}') AS other \gset

-- an empty request changes nothing
SELECT webhooks.update_webhook(:'t', :'w', '{}') = :'created'::jsonb AS unchanged;
-- so does a request of nulls: null reads as absent
SELECT webhooks.update_webhook(:'t', :'w', '{"name": null, "enabled": null, "endpoint": null,
  "failureHandling": null, "removeFailureHandling": null, "addEventTypes": null, "removeEventTypes": null}')
  = :'created'::jsonb AS unchanged;

-- name and enabled; a webhook may keep its own name
SELECT r->'name' AS name, r->'enabled' AS enabled
FROM webhooks.update_webhook(:'t', :'w', '{"name": "renamed", "enabled": false}') AS r;
SELECT r->'name' AS name, r->'enabled' AS enabled
FROM webhooks.update_webhook(:'t', :'w', '{"name": "renamed"}') AS r;
SELECT r->'name' AS name, r->'enabled' AS enabled
FROM webhooks.update_webhook(:'t', :'w', '{"enabled": true}') AS r;

-- endpoint: url and secureSsl; what is not named stays
SELECT r->'endpoint' AS endpoint
FROM webhooks.update_webhook(:'t', :'w', '{"endpoint": {"url": "http://example.com:8080/v2", "secureSsl": false}}') AS r;

-- headers: removeHeaders by name in any case; addHeaders adds a header or
-- replaces the values (and the spelling) of one of that name in any case;
-- removing an absent header does nothing
SELECT r#>'{endpoint,headers}' AS headers
FROM webhooks.update_webhook(:'t', :'w', '{"endpoint": {"removeHeaders": ["x-drop", "X-Absent"],
  "addHeaders": {"x-replace": ["new 1", "new 2"], "X-New": ["n"]}}}') AS r;
-- a header both removed and added ends present, with the added values
SELECT r#>'{endpoint,headers}' AS headers
FROM webhooks.update_webhook(:'t', :'w', '{"endpoint": {"removeHeaders": ["X-NEW", "X-Keep"],
  "addHeaders": {"X-New": ["again"]}}}') AS r;
SELECT r#>'{endpoint,headers}' AS headers
FROM webhooks.update_webhook(:'t', :'w', '{"endpoint": {"removeHeaders": ["X-New", "x-replace"]}}') AS r;

-- signing: turning hmacEnabled on without a secret generates one
SELECT r#>'{endpoint,hmacEnabled}' AS hmac_enabled,
       r#>>'{endpoint,secret}' ~ '^whsec_[A-Za-z0-9+/]{43}=$' AS generated,
       length(decode(substr(r#>>'{endpoint,secret}', 7), 'base64')) AS key_bytes
FROM webhooks.update_webhook(:'t', :'w', '{"endpoint": {"hmacEnabled": true}}') AS r;
SELECT webhooks.fetch_webhook(:'t', :'w')#>>'{endpoint,secret}' AS generated \gset
-- later updates keep it, also when hmacEnabled is given again or turned off
SELECT r#>>'{endpoint,secret}' = :'generated' AS kept, r#>'{endpoint,tag}' AS tag
FROM webhooks.update_webhook(:'t', :'w', '{"endpoint": {"hmacEnabled": true, "tag": "gen"}}') AS r;
SELECT r#>>'{endpoint,secret}' = :'generated' AS kept, r#>'{endpoint,hmacEnabled}' AS hmac_enabled
FROM webhooks.update_webhook(:'t', :'w', '{"endpoint": {"hmacEnabled": false}}') AS r;
-- a given secret replaces it; null clears secret and tag
SELECT (r->'endpoint') - 'headers' AS endpoint
FROM webhooks.update_webhook(:'t', :'w', '{"endpoint": {"secret": "whsec_MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1u", "tag": "k2"}}') AS r;
SELECT (r->'endpoint') - 'headers' AS endpoint
FROM webhooks.update_webhook(:'t', :'w', '{"endpoint": {"secret": null, "tag": null}}') AS r;
-- a secret cleared while hmacEnabled is on is generated anew
SELECT r#>'{endpoint,hmacEnabled}' AS hmac_enabled,
       r#>>'{endpoint,secret}' ~ '^whsec_[A-Za-z0-9+/]{43}=$' AS generated,
       r#>>'{endpoint,secret}' <> :'generated' AS new_secret
FROM webhooks.update_webhook(:'t', :'w', '{"endpoint": {"hmacEnabled": true, "secret": null}}') AS r;
SELECT (r->'endpoint') - 'headers' AS endpoint
FROM webhooks.update_webhook(:'t', :'w', '{"endpoint": {"hmacEnabled": false, "secret": "plain", "tag": "p"}}') AS r;

-- triggers: removals first, so a trigger in both lists ends present;
-- divert and suspend
SELECT (r->'failureHandling') - 'alertEndpoint' AS failure_handling
FROM webhooks.update_webhook(:'t', :'w', '{"failureHandling": {"removeTriggers": ["404", "5xx", "absent"],
  "addTriggers": ["5xx", "timeout", "410", "timeout"], "divert": true, "suspend": true}}') AS r;
-- a retryStrategy replaces the whole strategy: attempts is 3 again when
-- not given
SELECT r#>'{failureHandling,retryStrategy}' AS retry_strategy
FROM webhooks.update_webhook(:'t', :'w', '{"failureHandling": {"retryStrategy": {"type": "exponential", "interval": 2000}}}') AS r;
SELECT r#>'{failureHandling,retryStrategy}' AS retry_strategy
FROM webhooks.update_webhook(:'t', :'w', '{"failureHandling": {"removeRetryStrategy": true}}') AS r;
SELECT r#>'{failureHandling,retryStrategy}' AS retry_strategy
FROM webhooks.update_webhook(:'t', :'w', '{"failureHandling": {"removeRetryStrategy": false}}') AS r;
-- removeRetryStrategy and retryStrategy: the new strategy is set
SELECT r#>'{failureHandling,retryStrategy}' AS retry_strategy
FROM webhooks.update_webhook(:'t', :'w', '{"failureHandling": {"removeRetryStrategy": true,
  "retryStrategy": {"type": "linear", "interval": 50, "attempts": 10}}}') AS r;

-- alertEndpoint: an update creates it (url given), then changes it as an
-- UpdateEndpointRequest
SELECT r#>'{failureHandling,alertEndpoint}' AS alert_endpoint
FROM webhooks.update_webhook(:'t', :'w', '{"failureHandling": {"alertEndpoint": {"url": "https://alerts.example/a",
  "addHeaders": {"X-Team": ["ops"], "X-Env": ["test"]}, "secret": "alert secret"}}}') AS r;
SELECT r#>'{failureHandling,alertEndpoint}' AS alert_endpoint
FROM webhooks.update_webhook(:'t', :'w', '{"failureHandling": {"alertEndpoint": {"url": "https://alerts.example/b",
  "removeHeaders": ["x-env"], "tag": "t", "secureSsl": false}}}') AS r;
-- removeAlertEndpoint and alertEndpoint: a new alert endpoint, nothing kept
-- from the old one
SELECT r#>'{failureHandling,alertEndpoint}' AS alert_endpoint
FROM webhooks.update_webhook(:'t', :'w', '{"failureHandling": {"removeAlertEndpoint": true,
  "alertEndpoint": {"url": "https://alerts.example/c"}}}') AS r;
SELECT r#>'{failureHandling,alertEndpoint}' AS alert_endpoint
FROM webhooks.update_webhook(:'t', :'w', '{"failureHandling": {"removeAlertEndpoint": true}}') AS r;
-- an alert endpoint made by an update gets a secret when it signs
SELECT r#>>'{failureHandling,alertEndpoint,secret}' ~ '^whsec_[A-Za-z0-9+/]{43}=$' AS generated
FROM webhooks.update_webhook(:'t', :'w', '{"failureHandling": {"alertEndpoint": {"url": "https://alerts.example/d",
  "hmacEnabled": true}}}') AS r;

-- removeFailureHandling resets the default strategy; false does nothing
SELECT r->'failureHandling' AS failure_handling
FROM webhooks.update_webhook(:'t', :'w', '{"removeFailureHandling": true}') AS r;
SELECT r->'failureHandling' AS failure_handling
FROM webhooks.update_webhook(:'t', :'w', '{"failureHandling": {"divert": true, "addTriggers": ["429"],
  "removeTriggers": ["4xx"], "retryStrategy": {"type": "linear", "interval": 10}}}') AS r;
-- removeFailureHandling with failureHandling: the default, then the changes
SELECT r->'failureHandling' AS failure_handling
FROM webhooks.update_webhook(:'t', :'w', '{"removeFailureHandling": true,
  "failureHandling": {"suspend": true, "removeTriggers": ["timeout"]}}') AS r;
SELECT r->'failureHandling' AS failure_handling
FROM webhooks.update_webhook(:'t', :'w', '{"removeFailureHandling": false}') AS r;

-- event types: additions are appended without duplicates; a type both
-- removed and added ends present (at the end); removing a type the webhook
-- does not have does nothing
SELECT r->'eventTypes' AS event_types
FROM webhooks.update_webhook(:'t', :'w', '{"addEventTypes": ["billing.*", "policy.quote.create", "billing.*"]}') AS r;
SELECT r->'eventTypes' AS event_types
FROM webhooks.update_webhook(:'t', :'w', '{"removeEventTypes": ["policy.quote.create", "policy.quote.issue", "contact.created"],
  "addEventTypes": ["policy.quote.create"]}') AS r;
SELECT r->'eventTypes' AS event_types
FROM webhooks.update_webhook(:'t', :'w', '{"removeEventTypes": ["billing.*"], "addEventTypes": ["*"]}') AS r;

-- everything at once, then the webhook as it stands: the update's response
-- is what fetch_webhook returns
SELECT webhooks.update_webhook(:'t', :'w', '{"name": "final", "enabled": false,
  "endpoint": {"url": "https://example.com/final", "secureSsl": true, "addHeaders": {"Authorization": ["Bearer x"]},
               "removeHeaders": ["X-Keep"], "secret": "whsec_MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1u", "tag": "final", "hmacEnabled": true},
  "removeFailureHandling": true,
  "failureHandling": {"divert": true, "retryStrategy": {"type": "exponential", "interval": 1000, "attempts": 4},
                      "alertEndpoint": {"url": "https://alerts.example/final"}},
  "removeEventTypes": ["*"], "addEventTypes": ["claim.fnol.*"]}') AS final \gset
SELECT jsonb_pretty(:'final'::jsonb - 'locator');
SELECT webhooks.fetch_webhook(:'t', :'w') = :'final'::jsonb AS fetched_same,
       :'final'::jsonb->>'locator' = :'w' AS same_locator;
-- the other webhook of the tenant was not touched
SELECT webhooks.fetch_webhook(:'t', (:'other'::jsonb->>'locator')::webhooks.ulid) = :'other'::jsonb AS other_unchanged;
-- useAutomationPlugin, which an update cannot name, is kept
SELECT use_automation_plugin FROM webhooks._webhook WHERE tenant_locator = :'t' AND name = 'final';
