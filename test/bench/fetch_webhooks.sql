-- fetchWebhooks, no filter, default page (100), of a random ordinary tenant
-- (about 90 webhooks each: the whole tenant in one page)
\set t random(2, 1000)
SELECT webhooks.fetch_webhooks(bench_tenant(:t));
