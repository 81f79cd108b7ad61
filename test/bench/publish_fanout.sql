-- one event of policy.quote.issue in the fan-out tenant (10,000 webhooks,
-- all subscribed): 10,000 delivery rows, rolled back so that the worker
-- never sees them
BEGIN;
SELECT webhooks.publish_event(bench_tenant(1001), 'policy.quote.issue', '{"quote": 1}');
ROLLBACK;
