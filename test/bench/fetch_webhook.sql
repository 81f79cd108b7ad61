-- fetchWebhook of a random webhook among the 100,000 loaded
\set i random(1, 100000)
SELECT webhooks.fetch_webhook(tenant_locator, locator) FROM bench_webhook WHERE id = :i;
