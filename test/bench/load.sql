-- load.sql: the benchmark's data set, loaded through create_webhook.
--
-- 100,000 webhooks in 1,000 tenants: tenant 1 holds 10,000, tenants 2 to
-- 1000 about 90 each.  Subscriptions mix exact types and patterns: about 45%
-- receive policy.quote.issue (20% by name, 25% through policy.quote.*,
-- policy.* or *).  90% are enabled, 5% suspended; half sign with a generated
-- secret, a third have a retry strategy, a tenth an alert endpoint.
\set ON_ERROR_STOP 1

CREATE EXTENSION webhooks;

-- tenant n of the benchmark as a uuid (00000000-0000-0000-0000-00000000000n in hex)
CREATE FUNCTION bench_tenant(n integer) RETURNS uuid
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN lpad(to_hex(n), 32, '0')::uuid;

CREATE SEQUENCE bench_name_seq;

-- id -> webhook, for picking random webhooks in pgbench scripts
CREATE TABLE bench_webhook (
	id			integer PRIMARY KEY,
	tenant_locator uuid NOT NULL,
	locator		webhooks.ulid NOT NULL
);

/*
 * bench_load creates the webhooks first .. last through create_webhook, in
 * tenant big when n <= big_last and in tenants 2 to 1000 (2 + n % 999)
 * otherwise, and suspends about 5% of them (suspension is set by the
 * worker; this does it directly).  Returns how many it created.
 */
CREATE FUNCTION bench_load(first integer, last integer, big integer,
						   big_last integer) RETURNS bigint
	LANGUAGE plpgsql AS $$
DECLARE
	n_created bigint;
BEGIN
	INSERT INTO bench_webhook (id, tenant_locator, locator)
	SELECT n, t, (webhooks.create_webhook(t, req) ->> 'locator')::webhooks.ulid
	FROM (
		SELECT n, t,
			jsonb_build_object(
				'name', 'webhook ' || n,
				'enabled', r_enabled >= 0.1,
				'endpoint', jsonb_build_object(
					'url', 'https://hooks.example.com/t' || t || '/w' || n,
					'hmacEnabled', r_hmac < 0.5,
					'headers', CASE WHEN r_hmac >= 0.75
						THEN '{"X-Api-Key": ["0123456789abcdef"]}'::jsonb ELSE '{}' END),
				'eventTypes', CASE
					WHEN r_types < 0.20 THEN '["policy.quote.issue"]'
					WHEN r_types < 0.30 THEN '["policy.quote.*"]'
					WHEN r_types < 0.40 THEN '["policy.*", "billing.invoice.generate"]'
					WHEN r_types < 0.45 THEN '["*"]'
					WHEN r_types < 0.70 THEN '["billing.invoice.generate", "billing.payment.*"]'
					ELSE '["claim.fnol.create", "contact.created", "document.ready"]'
					END::jsonb,
				'failureHandling', jsonb_strip_nulls(jsonb_build_object(
					'divert', r_retry < 0.5,
					'retryStrategy', CASE WHEN r_retry < 0.33
						THEN '{"type": "exponential", "interval": 1000, "attempts": 5}'::jsonb END,
					'alertEndpoint', CASE WHEN r_retry >= 0.9
						THEN '{"url": "https://alerts.example.com/hook"}'::jsonb END))
			) AS req
		FROM (
			SELECT n,
				bench_tenant(CASE WHEN n <= big_last THEN big ELSE 2 + n % 999 END) AS t,
				random() AS r_enabled, random() AS r_hmac, random() AS r_types,
				random() AS r_retry
			FROM generate_series(first, last) AS n
		) r
	) s;
	GET DIAGNOSTICS n_created = ROW_COUNT;

	UPDATE webhooks._webhook w SET suspended = true, suspended_at = now()
	FROM bench_webhook b
	WHERE b.id BETWEEN first AND last
	  AND w.tenant_locator = b.tenant_locator
	  AND w.locator OPERATOR(webhooks.=) b.locator
	  AND random() < 0.05;
	RETURN n_created;
END
$$;

/*
 * bench_fanout_load creates n webhooks in tenant t that all receive
 * policy.quote.issue (by name or through policy.quote.*, policy.* or *),
 * enabled and never suspended: each event of that type published there is
 * n deliveries.
 */
CREATE FUNCTION bench_fanout_load(t integer, n integer) RETURNS bigint
	LANGUAGE sql
	RETURN (SELECT count(webhooks.create_webhook(bench_tenant(t), jsonb_build_object(
		'name', 'fan-out ' || i,
		'endpoint', jsonb_build_object(
			'url', 'https://hooks.example.com/fan/' || i, 'hmacEnabled', true),
		'eventTypes', (ARRAY['["policy.quote.issue"]', '["policy.quote.*"]',
							 '["policy.*", "billing.invoice.generate"]',
							 '["*"]'])[1 + i % 4]::jsonb)))
			FROM generate_series(1, n) AS i);

SELECT setseed(0.42);

\timing on
SELECT bench_load(1, 100000, 1, 10000);
\timing off

VACUUM ANALYZE webhooks._webhook;
VACUUM ANALYZE bench_webhook;

-- bench_server_ms runs a statement n times in this backend and returns the
-- median time of one run in milliseconds, measured in the server (no client
-- round trip)
CREATE FUNCTION bench_server_ms(q text, n integer) RETURNS numeric
LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz;
	ms float8[] := '{}';
BEGIN
	FOR i IN 1 .. n LOOP
		t0 := clock_timestamp();
		EXECUTE q;
		ms := ms || extract(epoch FROM clock_timestamp() - t0)::float8 * 1000;
	END LOOP;
	RETURN (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY x)::numeric, 3)
			FROM unnest(ms) AS x);
END
$$;
