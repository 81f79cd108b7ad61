-- delivery_publish.sql (pgbench, test/bench/delivery.sh): one transaction
-- that publishes :batch events of 1 KB data for tenant :tenant
SELECT count(webhooks.publish_event(:tenant, 'policy.quote.issue', d.data))
FROM bench_data d, generate_series(1, :batch);
