-- a filtered page of a random ordinary tenant (about 90 webhooks; the
-- filters keep about a third of them)
\set t random(2, 1000)
SELECT webhooks.fetch_webhooks(bench_tenant(:t), count => 100, enabled => true,
	active => true, event_types => ARRAY['policy.quote.issue']);
