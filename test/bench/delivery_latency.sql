-- delivery_latency.sql (pgbench, test/bench/delivery.sh): publish one event
-- of 1 KB data for tenant :tenant in its own (durable) transaction, then note
-- the time right after that commit (bench_sent is unlogged: no WAL flush)
SELECT webhooks.publish_event(:tenant, 'policy.quote.issue', d.data) ->> 'locator' AS locator
FROM bench_data d
\gset
INSERT INTO bench_sent (locator, committed_at) VALUES (:locator, clock_timestamp());
