-- delivery_setup.sql: what test/bench/delivery.sh needs in its database.
--
-- bench_data holds the data of every published event: a JSON object of
-- 1,024 bytes (as text).  Each measurement publishes into its own tenant,
-- so that its events, deliveries and attempts can be told apart.
\set ON_ERROR_STOP 1

CREATE EXTENSION webhooks;

CREATE TABLE bench_data (data jsonb NOT NULL);
INSERT INTO bench_data
SELECT base || jsonb_build_object('notes', repeat('n', 1024 - length(base::text) - 13))
FROM (SELECT jsonb_build_object(
		'policyLocator', '01HV8Z6Q2N4W7T3K9R5M1B0C8D',
		'quoteLocator', '01HV8Z6Q2P8X1Y4Z7A0B3C6D9E',
		'accountLocator', '01HV8Z5YF3G6H9J2K5M8N1P4Q7',
		'productName', 'PersonalAuto',
		'issuedAt', '2024-05-01T12:34:56.789Z',
		'effectiveDate', '2024-06-01', 'expirationDate', '2025-06-01',
		'currency', 'USD', 'premium', 1234.56, 'fees', 12.5, 'taxes', 98.76,
		'elements', jsonb_build_array(
			jsonb_build_object('type', 'vehicle', 'vin', '1HGCM82633A004352', 'year', 2021),
			jsonb_build_object('type', 'driver', 'name', 'Jane Doe', 'licence', 'D1234567'))
	) AS base) b;
DO $$
BEGIN
	IF (SELECT length(data::text) FROM bench_data) <> 1024 THEN
		RAISE EXCEPTION 'bench_data is % bytes, not 1024',
			(SELECT length(data::text) FROM bench_data);
	END IF;
END
$$;

-- the latency run: each event's locator and the time right after its commit
CREATE UNLOGGED TABLE bench_sent (
	locator		text PRIMARY KEY,
	committed_at timestamptz NOT NULL
);
-- and when nginx logged it: its $msec (epoch seconds, to the millisecond),
-- and its URI
CREATE UNLOGGED TABLE bench_receipt (
	locator		text,
	arrived_s	double precision NOT NULL,
	uri			text NOT NULL
);

-- bench_webhook: a webhook of tenant t to url, signed with secret,
-- subscribed to policy.quote.issue; returns its locator
CREATE FUNCTION bench_webhook(t uuid, name text, url text, secret text,
							  enabled boolean DEFAULT true)
	RETURNS webhooks.ulid
	LANGUAGE sql
	RETURN (webhooks.create_webhook(t, jsonb_build_object(
		'name', name,
		'enabled', enabled,
		'endpoint', jsonb_build_object('url', url, 'hmacEnabled', true,
									   'secret', secret, 'secureSsl', false),
		'eventTypes', jsonb_build_array('policy.quote.issue'))) ->> 'locator')::webhooks.ulid;

-- bench_delivered: deliveries the worker has recorded for tenant t
CREATE FUNCTION bench_delivered(t uuid) RETURNS bigint
	LANGUAGE sql
	RETURN (SELECT coalesce(sum(delivered), 0)::bigint FROM webhooks._webhook_stats
			WHERE tenant_locator = t);

/*
 * bench_wait waits until the worker has recorded target deliveries for
 * tenant t, looking every 2 ms, and returns the time (epoch seconds) it saw
 * them.  It gives up when the count has not moved for stall_s seconds.  A
 * procedure that commits between looks, so that it holds no snapshot that
 * would keep vacuum from the queue's dead rows.
 */
CREATE PROCEDURE bench_wait(t uuid, target bigint, stall_s double precision,
							INOUT done_at double precision DEFAULT NULL)
	LANGUAGE plpgsql
	AS $$
DECLARE
	n			bigint;
	last_n		bigint := -1;
	moved_at	timestamptz := clock_timestamp();
BEGIN
	LOOP
		n := bench_delivered(t);
		IF n >= target THEN
			done_at := extract(epoch FROM clock_timestamp());
			RETURN;
		END IF;
		IF n > last_n THEN
			last_n := n;
			moved_at := clock_timestamp();
		ELSIF clock_timestamp() - moved_at > stall_s * interval '1 second' THEN
			RAISE EXCEPTION 'stalled: % of % deliveries recorded, none for % s; % still queued, % deliveries held by the workers',
				n, target, stall_s,
				(SELECT count(*) FROM webhooks._delivery WHERE tenant_locator = t),
				(SELECT sum(held) FROM webhooks.workers);
		END IF;
		COMMIT;
		PERFORM pg_sleep(0.002);
	END LOOP;
END
$$;
