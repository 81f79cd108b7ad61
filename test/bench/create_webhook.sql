-- createWebhook in a random tenant of a range the loaded data does not use;
-- names come from a sequence so that they never clash
\set t random(2001, 3000)
SELECT webhooks.create_webhook(bench_tenant(:t),
	jsonb_build_object('name', 'bench ' || nextval('bench_name_seq')) || '{
		"endpoint": {"url": "https://hooks.example.com/bench", "hmacEnabled": true,
					 "headers": {"X-Api-Key": ["0123456789abcdef"]}},
		"eventTypes": ["policy.quote.issue", "billing.*"],
		"failureHandling": {"divert": true,
							"retryStrategy": {"type": "exponential", "interval": 1000, "attempts": 5}}
	}'::jsonb);
