-- an unfiltered page of 100 in the big tenant (10,000 webhooks)
SELECT webhooks.fetch_webhooks(bench_tenant(1), count => 100);
