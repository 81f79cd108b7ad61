-- a full filtered page of 100 in the big tenant (10,000 webhooks)
SELECT webhooks.fetch_webhooks(bench_tenant(1), count => 100, enabled => true,
	active => true, event_types => ARRAY['policy.quote.issue']);
