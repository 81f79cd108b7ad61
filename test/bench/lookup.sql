-- harness ceiling: the id -> (tenant, locator) lookup of fetch_webhook.sql alone
\set i random(1, 100000)
SELECT tenant_locator, locator FROM bench_webhook WHERE id = :i;
