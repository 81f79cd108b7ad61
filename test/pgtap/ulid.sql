-- test/pgtap/ulid.sql: the webhooks.ulid type.
--
-- Text and uuid round trips, rejected text, time order, monotonic
-- generation, the operators and the btree and hash operator classes (index
-- scans, hash and merge joins).  Run with
--     pg_prove -d DB test/pgtap/ulid.sql
-- in a database with CREATE EXTENSION webhooks; CREATE EXTENSION pgtap.
--
-- Known vectors were computed independently of the extension (Python's int
-- and uuid modules, Crockford base32 by hand); 01ARZ3NDEKTSV4RRFFQ69G5FAV is
-- the example of the ULID specification.

\set ECHO none
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
\set ON_ERROR_STOP true

BEGIN;
-- the operators live in the webhooks schema
SET LOCAL search_path = public, webhooks;

SELECT plan(96);

/* ---------------------------------------------------------------------
 * Helpers: what a plan uses.
 * --------------------------------------------------------------------- */

-- plan_nodes returns every node of a statement's plan as its "Node Type",
-- followed by its "Strategy" if it has one ("Aggregate Hashed")
CREATE FUNCTION pg_temp.plan_nodes(q text) RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE
	p jsonb;
BEGIN
	EXECUTE 'EXPLAIN (FORMAT JSON, COSTS OFF) ' || q INTO p;
	RETURN ARRAY(SELECT concat_ws(' ', n ->> 'Node Type', n ->> 'Strategy')
				 FROM jsonb_path_query(p, 'strict $.** ? (exists (@."Node Type"))') AS n);
END
$$;

-- plan_indexes returns every index a statement's plan scans
CREATE FUNCTION pg_temp.plan_indexes(q text) RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE
	p jsonb;
BEGIN
	EXECUTE 'EXPLAIN (FORMAT JSON, COSTS OFF) ' || q INTO p;
	RETURN ARRAY(SELECT jsonb_path_query(p, 'strict $.**."Index Name"') #>> '{}');
END
$$;

-- random_part returns the 80-bit random part of a ulid as a number
CREATE FUNCTION pg_temp.random_part(u webhooks.ulid) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
	SELECT sum(get_byte(webhooks.ulid_send(u), i)::numeric * 256::numeric ^ (15 - i))
	FROM generate_series(6, 15) AS i
$$;

/* ---------------------------------------------------------------------
 * The type, its operators, operator classes and casts.
 * --------------------------------------------------------------------- */

SELECT has_type('webhooks', 'ulid', 'type webhooks.ulid exists');
SELECT is((SELECT typlen FROM pg_type WHERE oid = 'webhooks.ulid'::regtype),
	16::smallint, 'a ulid is 16 bytes');

SELECT is(
	(SELECT array_agg(oprname::text ORDER BY oprname)
	 FROM pg_operator
	 WHERE oprleft = 'webhooks.ulid'::regtype
	   AND oprright = 'webhooks.ulid'::regtype
	   AND oprresult = 'boolean'::regtype
	   AND oprnamespace = 'webhooks'::regnamespace),
	ARRAY['<', '<=', '<>', '=', '>', '>='],
	'ulid has the six comparison operators');

SELECT has_opclass('webhooks', 'ulid_ops', 'btree operator class webhooks.ulid_ops exists');
SELECT has_opclass('webhooks', 'ulid_hash_ops', 'hash operator class webhooks.ulid_hash_ops exists');

SELECT is(
	(SELECT array_agg(am.amname::text || ':' || oc.opcname::text ORDER BY am.amname)
	 FROM pg_opclass oc JOIN pg_am am ON am.oid = oc.opcmethod
	 WHERE oc.opcintype = 'webhooks.ulid'::regtype AND oc.opcdefault),
	ARRAY['btree:ulid_ops', 'hash:ulid_hash_ops'],
	'ulid_ops and ulid_hash_ops are the default btree and hash classes');

SELECT is(
	(SELECT array_agg(amopstrategy::int || ' ' || amopopr::regoperator::text ORDER BY amopstrategy)
	 FROM pg_amop ao JOIN pg_opclass oc ON oc.opcfamily = ao.amopfamily
	 WHERE oc.opcname = 'ulid_ops' AND oc.opcnamespace = 'webhooks'::regnamespace),
	ARRAY['1 <(ulid,ulid)', '2 <=(ulid,ulid)', '3 =(ulid,ulid)',
		  '4 >=(ulid,ulid)', '5 >(ulid,ulid)'],
	'the btree class maps strategies 1-5 to < <= = >= >');

SELECT ok(
	(SELECT oprcanhash AND oprcanmerge FROM pg_operator
	 WHERE oid = 'webhooks.=(webhooks.ulid,webhooks.ulid)'::regoperator),
	'ulid = supports hash and merge joins');

SELECT ok(EXISTS (SELECT FROM pg_cast
				  WHERE castsource = 'webhooks.ulid'::regtype
					AND casttarget = 'uuid'::regtype AND castmethod = 'b'),
	'binary cast ulid -> uuid exists');
SELECT ok(EXISTS (SELECT FROM pg_cast
				  WHERE castsource = 'uuid'::regtype
					AND casttarget = 'webhooks.ulid'::regtype AND castmethod = 'b'),
	'binary cast uuid -> ulid exists');

/* ---------------------------------------------------------------------
 * Text: round trip, case, canonical output.
 * --------------------------------------------------------------------- */

SELECT ok(bool_and(u::text::webhooks.ulid = u), 'gen_ulid -> text -> ulid gives the same value (1000 values)')
FROM (SELECT webhooks.gen_ulid() AS u FROM generate_series(1, 1000)) s;

SELECT ok(bool_and(u::text ~ '^[0-7][0-9A-HJKMNP-TV-Z]{25}$'),
	'gen_ulid text is 26 upper-case Crockford base32 characters, first 0-7 (1000 values)')
FROM (SELECT webhooks.gen_ulid() AS u FROM generate_series(1, 1000)) s;

SELECT is('01ARZ3NDEKTSV4RRFFQ69G5FAV'::webhooks.ulid::text, '01ARZ3NDEKTSV4RRFFQ69G5FAV',
	'canonical text round-trips unchanged');
SELECT is('01arz3ndektsv4rrffq69g5fav'::webhooks.ulid, '01ARZ3NDEKTSV4RRFFQ69G5FAV'::webhooks.ulid,
	'lower-case input is accepted and equals upper case');
SELECT is('01arz3ndektsv4rrffq69g5fav'::webhooks.ulid::text, '01ARZ3NDEKTSV4RRFFQ69G5FAV',
	'lower-case input is output in canonical upper case');
SELECT is('01aRz3NdEkTsV4rRfFq69G5fAv'::webhooks.ulid::text, '01ARZ3NDEKTSV4RRFFQ69G5FAV',
	'mixed-case input is output in canonical upper case');
SELECT is('00000000000000000000000000'::webhooks.ulid::text, '00000000000000000000000000',
	'the smallest ulid round-trips');
SELECT is('7zzzzzzzzzzzzzzzzzzzzzzzzz'::webhooks.ulid::text, '7ZZZZZZZZZZZZZZZZZZZZZZZZZ',
	'the largest ulid round-trips');

-- every value of every digit position decodes and encodes back
SELECT is(
	(SELECT count(*)::int FROM generate_series(1, 25) AS pos,
		unnest(string_to_array('0123456789ABCDEFGHJKMNPQRSTVWXYZ', NULL)) AS c
	 WHERE overlay('00000000000000000000000000' PLACING c FROM pos + 1)::webhooks.ulid::text
		   <> overlay('00000000000000000000000000' PLACING c FROM pos + 1)),
	0, 'all 32 digits round-trip in every position');

/* ---------------------------------------------------------------------
 * Invalid text is rejected with 22P02.
 * --------------------------------------------------------------------- */

SELECT throws_ok(format('SELECT %L::webhooks.ulid', s), '22P02', NULL,
	'rejects ' || why)
FROM (VALUES
	('', 'the empty string'),
	('01ARZ3NDEKTSV4RRFFQ69G5FA', '25 characters'),
	('01ARZ3NDEKTSV4RRFFQ69G5FAVX', '27 characters'),
	('01563e3a-b5d3-d676-4c61-efb99302bd5b', 'uuid text'),
	('01ARZ3NDEKTSV4RRFFQ69G5FAI', 'I'),
	('01ARZ3NDEKTSV4RRFFQ69G5FAL', 'L'),
	('01ARZ3NDEKTSV4RRFFQ69G5FAO', 'O'),
	('01ARZ3NDEKTSV4RRFFQ69G5FAU', 'U'),
	('01arz3ndektsv4rrffq69g5fai', 'lower-case i'),
	('01arz3ndektsv4rrffq69g5fau', 'lower-case u'),
	('01ARZ3NDEK-SV4RRFFQ69G5FAV', 'a hyphen'),
	('01ARZ3NDEK SV4RRFFQ69G5FAV', 'a space inside'),
	(' 1ARZ3NDEKTSV4RRFFQ69G5FAV', 'a leading space'),
	('01ARZ3NDEKTSV4RRFFQ69G5FA*', 'an asterisk'),
	('01ARZ3NDEKTSV4RRFFQ69G5FA=', 'an equals sign'),
	('01ARZ3NDEKTSV4RRFFQ69G5FAé', '26 bytes ending in a non-ASCII character'),
	('8ZZZZZZZZZZZZZZZZZZZZZZZZZ', 'first character 8 (over 128 bits)'),
	('80000000000000000000000000', 'first character 8, rest zero'),
	('Z0000000000000000000000000', 'first character Z')
) AS v(s, why);

SELECT throws_ok($$SELECT 'hello'::webhooks.ulid$$, '22P02',
	'invalid input syntax for type ulid: "hello"',
	'the error names the type and the text');

/* ---------------------------------------------------------------------
 * Order and time.
 * --------------------------------------------------------------------- */

SELECT results_eq(
	$$SELECT a < b, a <= b, a = b, a <> b, a >= b, a > b, webhooks.ulid_cmp(a, b)
	  FROM (VALUES
		('00000000000000000000000000'::webhooks.ulid, '00000000000000000000000001'::webhooks.ulid, 1),
		('00000000000000000000000001', '00000000000000000000000000', 2),
		('01ARZ3NDEKTSV4RRFFQ69G5FAV', '01arz3ndektsv4rrffq69g5fav', 3),
		('3ZZZZZZZZZZZZZZZZZZZZZZZZZ', '40000000000000000000000000', 4),
		('7ZZZZZZZZZZZZZZZZZZZZZZZZZ', '7ZZZZZZZZZZZZZZZZZZZZZZZZY', 5),
		('01ARZ3NDEK0000000000000000', '01ARZ3NDEJZZZZZZZZZZZZZZZZ', 6)
	  ) AS v(a, b, i) ORDER BY i$$,
	$$VALUES (true, true, false, true, false, false, -1),
			 (false, false, false, true, true, true, 1),
			 (false, true, true, false, true, false, 0),
			 (true, true, false, true, false, false, -1),
			 (false, false, false, true, true, true, 1),
			 (false, false, false, true, true, true, 1)$$,
	'operators and ulid_cmp compare as unsigned 128-bit numbers');

SELECT ok(array_agg(u::text ORDER BY u) = array_agg(u::text ORDER BY u::text COLLATE "C"),
	'ulid order equals the order of the canonical text (1000 random values)')
FROM (SELECT gen_random_uuid()::webhooks.ulid AS u FROM generate_series(1, 1000)) s;

SELECT ok(array_agg(u::text ORDER BY u) = array_agg(u::text ORDER BY u::uuid),
	'ulid order equals uuid order (1000 random values)')
FROM (SELECT gen_random_uuid()::webhooks.ulid AS u FROM generate_series(1, 1000)) s;

SELECT ok(bool_and(f > prev) AND count(prev) = count(*) - 1,
	'ulid_floor of increasing times increases (every 1 h 1 min 1.001 s, 1970-2100)')
FROM (SELECT f, lag(f) OVER (ORDER BY t) AS prev
	  FROM (SELECT t, webhooks.ulid_floor(t) AS f
			FROM generate_series('1970-01-01 00:00:00+00'::timestamptz, '2100-01-01+00',
								 '1 hour 1 minute 1.001 second') AS t) s1) s2;

SELECT ok(bool_and(webhooks.ulid_floor(t) < webhooks.ulid_floor(t + interval '1 millisecond')),
	'times one millisecond apart give increasing ulid_floor')
FROM generate_series(0, 999) AS i,
	LATERAL (SELECT '2024-02-29 23:59:59.5+00'::timestamptz + i * interval '1 millisecond' AS t) s;

SELECT is(webhooks.ulid_floor('2016-07-30 23:54:10.259+00'), '01ARZ3NDEK0000000000000000'::webhooks.ulid,
	'ulid_floor of the spec example time (1469922850259 ms)');
SELECT is(webhooks.ulid_floor('2016-07-30 23:54:10.259999+00'), '01ARZ3NDEK0000000000000000'::webhooks.ulid,
	'ulid_floor truncates to the millisecond');
SELECT is(webhooks.ulid_floor('1970-01-01 00:00:00+00'), '00000000000000000000000000'::webhooks.ulid,
	'ulid_floor of the Unix epoch is the zero ulid');
SELECT is(webhooks.ulid_floor(to_timestamp(281474976710) + interval '655 milliseconds'),
	'7ZZZZZZZZZ0000000000000000'::webhooks.ulid,
	'ulid_floor of the last millisecond a ulid can hold');
SELECT throws_ok($$SELECT webhooks.ulid_floor('1969-12-31 23:59:59.999+00')$$, '22008', NULL,
	'ulid_floor rejects a time before 1970');
SELECT throws_ok($$SELECT webhooks.ulid_floor(to_timestamp(281474976710) + interval '656 milliseconds')$$,
	'22008', NULL, 'ulid_floor rejects a time past 48 bits of milliseconds');
SELECT throws_ok($$SELECT webhooks.ulid_floor('infinity')$$, '22008', NULL,
	'ulid_floor rejects infinity');

SELECT is(webhooks.ulid_time('01ARZ3NDEKTSV4RRFFQ69G5FAV'), '2016-07-30 23:54:10.259+00'::timestamptz,
	'ulid_time of the spec example');
SELECT is(webhooks.ulid_time('7ZZZZZZZZZZZZZZZZZZZZZZZZZ'),
	to_timestamp(281474976710) + interval '655 milliseconds',
	'ulid_time of the largest ulid');
SELECT ok(bool_and(webhooks.ulid_time(webhooks.ulid_floor(t)) = date_trunc('milliseconds', t)),
	'ulid_time(ulid_floor(t)) is t truncated to the millisecond')
FROM (SELECT '2001-09-09 01:46:40.123456+00'::timestamptz + i * interval '7919.000013 seconds' AS t
	  FROM generate_series(0, 999) AS i) s;

SELECT ok(abs(extract(epoch FROM webhooks.ulid_time(webhooks.gen_ulid()) - clock_timestamp())) < 1,
	'ulid_time(gen_ulid()) is within a second of clock_timestamp()');
SELECT ok(webhooks.ulid_floor(clock_timestamp() - interval '1 second') < u
		  AND u < webhooks.ulid_floor(clock_timestamp() + interval '1 second'),
	'gen_ulid() lies between the floors of now - 1 s and now + 1 s')
FROM (SELECT webhooks.gen_ulid() AS u) s;

CREATE TEMP TABLE later (i int, u webhooks.ulid, t timestamptz);
INSERT INTO later VALUES (1, webhooks.gen_ulid(), clock_timestamp());
DO $$ BEGIN PERFORM pg_sleep(0.01); END $$;
INSERT INTO later VALUES (2, webhooks.gen_ulid(), clock_timestamp());
SELECT ok((SELECT u FROM later WHERE i = 2) > (SELECT u FROM later WHERE i = 1),
	'a ulid generated after pg_sleep(0.01) is greater');
SELECT ok(webhooks.ulid_time((SELECT u FROM later WHERE i = 2))
		  >= webhooks.ulid_time((SELECT u FROM later WHERE i = 1)) + interval '10 milliseconds',
	'and its time is at least 10 ms later');

/* ---------------------------------------------------------------------
 * Monotonic generation: 100,000 ulids in one statement.
 * --------------------------------------------------------------------- */

-- rows come out of the function scan in n order, and gen_ulid() is
-- evaluated as each row is produced: n is the generation order
CREATE TEMP TABLE mono AS
	SELECT n, webhooks.gen_ulid() AS u FROM generate_series(1, 100000) AS n;
CREATE TEMP TABLE mono_pairs AS
	SELECT n, u, lag(u) OVER (ORDER BY n) AS prev FROM mono;

SELECT is((SELECT count(DISTINCT u)::int FROM mono), 100000,
	'100,000 ulids generated in one statement are distinct');
SELECT ok((SELECT bool_and(u > prev) AND count(prev) = 99999 FROM mono_pairs),
	'each ulid is greater than the one generated before it');
SELECT ok((SELECT count(DISTINCT webhooks.ulid_time(u)) < 100000 FROM mono),
	'several ulids share a millisecond (the monotonic path runs)');
SELECT is(
	(SELECT count(*)::int FROM mono_pairs
	 WHERE webhooks.ulid_time(u) = webhooks.ulid_time(prev)
	   AND pg_temp.random_part(u) <> pg_temp.random_part(prev) + 1),
	0, 'within a millisecond the random part grows by exactly one');
SELECT ok((SELECT bool_and(abs(extract(epoch FROM webhooks.ulid_time(u) - now())) < 60) FROM mono),
	'the times of all 100,000 are current');

/* ---------------------------------------------------------------------
 * uuid: same 16 bytes.
 * --------------------------------------------------------------------- */

SELECT ok(bool_and(u::uuid::webhooks.ulid = u), 'ulid::uuid::ulid = ulid (1000 generated values)')
FROM (SELECT webhooks.gen_ulid() AS u FROM generate_series(1, 1000)) s;
SELECT ok(bool_and(g::webhooks.ulid::uuid = g), 'uuid::ulid::uuid = uuid (1000 random values)')
FROM (SELECT gen_random_uuid() AS g FROM generate_series(1, 1000)) s;
SELECT ok(bool_and(webhooks.ulid_send(u) = uuid_send(u::uuid)),
	'the binary form of a ulid is the bytes of its uuid (1000 values)')
FROM (SELECT webhooks.gen_ulid() AS u FROM generate_series(1, 1000)) s;

SELECT is('00000000000000000000000000'::webhooks.ulid::uuid, '00000000-0000-0000-0000-000000000000'::uuid,
	'zero ulid is the nil uuid');
SELECT is('7ZZZZZZZZZZZZZZZZZZZZZZZZZ'::webhooks.ulid::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid,
	'largest ulid is the max uuid');
SELECT is('ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid::webhooks.ulid::text, '7ZZZZZZZZZZZZZZZZZZZZZZZZZ',
	'max uuid is the largest ulid');
SELECT is('01ARZ3NDEKTSV4RRFFQ69G5FAV'::webhooks.ulid::uuid, '01563e3a-b5d3-d676-4c61-efb99302bd5b'::uuid,
	'spec example ulid as uuid');
SELECT is('01563e3a-b5d3-d676-4c61-efb99302bd5b'::uuid::webhooks.ulid::text, '01ARZ3NDEKTSV4RRFFQ69G5FAV',
	'spec example uuid as ulid');
SELECT is('0189c7a5-6b3e-7d2f-9a0b-1c2d3e4f5a6b'::uuid::webhooks.ulid::text, '01H73TATSYFMQSM2RW5MZ4YPKB',
	'a uuid v7 as ulid');
SELECT is('01BX5ZZKBKACTAV9WEVGEMMVRZ'::webhooks.ulid::uuid, '015f4bff-cd73-5334-ada7-8edc1d4a6f1f'::uuid,
	'another known ulid as uuid');
SELECT is(webhooks.ulid_send('01ARZ3NDEKTSV4RRFFQ69G5FAV'), '\x01563e3ab5d3d6764c61efb99302bd5b'::bytea,
	'ulid_send writes the 16 bytes in order');

/* ---------------------------------------------------------------------
 * Hash support.
 * --------------------------------------------------------------------- */

SELECT ok(bool_and((webhooks.ulid_hash_extended(u, 0) & 4294967295)
				   = (webhooks.ulid_hash(u)::bigint & 4294967295)),
	'ulid_hash_extended with seed 0 agrees with ulid_hash in its low 32 bits')
FROM (SELECT gen_random_uuid()::webhooks.ulid AS u FROM generate_series(1, 1000)) s;
SELECT ok(bool_and(webhooks.ulid_hash(u) = webhooks.ulid_hash(lower(u::text)::webhooks.ulid)),
	'equal ulids hash alike')
FROM (SELECT webhooks.gen_ulid() AS u FROM generate_series(1, 100)) s;
SELECT ok(count(DISTINCT webhooks.ulid_hash_extended(u, 1)) = 1000
		  AND bool_or(webhooks.ulid_hash_extended(u, 1) <> webhooks.ulid_hash_extended(u, 0)),
	'ulid_hash_extended depends on its seed')
FROM (SELECT webhooks.gen_ulid() AS u FROM generate_series(1, 1000)) s;

/* ---------------------------------------------------------------------
 * Indexes: btree (equality, range, order) and hash (equality).
 * --------------------------------------------------------------------- */

-- 10,000 rows one second apart from 2024-01-01, random parts random
CREATE TEMP TABLE ulid_ix AS
	SELECT n, encode(substr(webhooks.ulid_send(webhooks.ulid_floor(
					'2024-01-01 00:00:00+00'::timestamptz + n * interval '1 second')), 1, 6)
				|| substr(uuid_send(gen_random_uuid()), 7, 10), 'hex')::uuid::webhooks.ulid AS u
	FROM generate_series(1, 10000) AS n;
CREATE INDEX ulid_ix_btree ON ulid_ix USING btree (u);
CREATE TEMP TABLE ulid_hx AS SELECT * FROM ulid_ix;
CREATE INDEX ulid_hx_hash ON ulid_hx USING hash (u);
ANALYZE ulid_ix;
ANALYZE ulid_hx;

SET enable_seqscan = off;

SELECT ok('ulid_ix_btree' = ANY (pg_temp.plan_indexes(
		format('SELECT n FROM ulid_ix WHERE u = %L', (SELECT u FROM ulid_ix WHERE n = 5000)))),
	'an equality query uses the btree index');
SELECT is((SELECT array_agg(n) FROM ulid_ix WHERE u = (SELECT u FROM ulid_hx WHERE n = 5000)),
	ARRAY[5000], 'and finds the row');

SELECT ok('ulid_ix_btree' = ANY (pg_temp.plan_indexes(
		$$SELECT n FROM ulid_ix
		  WHERE u >= webhooks.ulid_floor('2024-01-01 01:00:00+00')
			AND u < webhooks.ulid_floor('2024-01-01 02:00:00+00')$$)),
	'a range query uses the btree index');
SELECT is(
	(SELECT count(*)::int FROM ulid_ix
	 WHERE u >= webhooks.ulid_floor('2024-01-01 01:00:00+00')
	   AND u < webhooks.ulid_floor('2024-01-01 02:00:00+00')),
	3600, 'and finds the hour''s 3,600 rows');
SELECT is(
	(SELECT array_agg(n ORDER BY n) FROM ulid_ix
	 WHERE u BETWEEN webhooks.ulid_floor('2024-01-01 00:59:58+00')
		 AND webhooks.ulid_floor('2024-01-01 01:00:02+00')),
	ARRAY[3598, 3599, 3600, 3601],
	'BETWEEN ulid_floor bounds selects by time');

SELECT ok('ulid_ix_btree' = ANY (pg_temp.plan_indexes(
		$$SELECT n FROM ulid_ix ORDER BY u DESC LIMIT 10$$)),
	'ORDER BY u DESC LIMIT uses the btree index');
SELECT is((SELECT array_agg(n) FROM (SELECT n FROM ulid_ix ORDER BY u DESC LIMIT 3) s),
	ARRAY[10000, 9999, 9998], 'and returns the latest rows');

SELECT ok('ulid_hx_hash' = ANY (pg_temp.plan_indexes(
		format('SELECT n FROM ulid_hx WHERE u = %L', (SELECT u FROM ulid_ix WHERE n = 1234)))),
	'an equality query uses the hash index');
SELECT is((SELECT array_agg(n) FROM ulid_hx WHERE u = (SELECT u FROM ulid_ix WHERE n = 1234)),
	ARRAY[1234], 'and finds the row');
SELECT is((SELECT count(*)::int FROM ulid_hx WHERE u = '01ARZ3NDEKTSV4RRFFQ69G5FAV'),
	0, 'the hash index finds nothing for a missing value');

RESET enable_seqscan;

SET enable_mergejoin = off;
SET enable_nestloop = off;
SELECT ok('Hash Join' = ANY (pg_temp.plan_nodes(
		$$SELECT count(*) FROM ulid_ix a JOIN ulid_hx b USING (u)$$)),
	'a join on ulid can be a hash join');
SELECT is((SELECT count(*)::int FROM ulid_ix a JOIN ulid_hx b USING (u)), 10000,
	'and matches every row');
RESET enable_mergejoin;
RESET enable_nestloop;

SET enable_hashjoin = off;
SET enable_nestloop = off;
SELECT ok('Merge Join' = ANY (pg_temp.plan_nodes(
		$$SELECT count(*) FROM ulid_ix a JOIN ulid_hx b USING (u)$$)),
	'a join on ulid can be a merge join');
SELECT is((SELECT count(*)::int FROM ulid_ix a JOIN ulid_hx b USING (u)), 10000,
	'and matches every row');
RESET enable_hashjoin;
RESET enable_nestloop;

SET enable_sort = off;
SELECT ok('Aggregate Hashed' = ANY (pg_temp.plan_nodes(
		$$SELECT u, count(*) FROM ulid_hx GROUP BY u$$)),
	'GROUP BY ulid can hash');
SELECT is((SELECT count(*)::int FROM (SELECT u FROM ulid_hx UNION SELECT u FROM ulid_ix) s),
	10000, 'UNION removes duplicate ulids');
RESET enable_sort;

SELECT lives_ok($$CREATE UNIQUE INDEX ulid_ix_unique ON ulid_ix (u)$$,
	'a unique btree index builds on distinct ulids');
SELECT throws_ok(format('INSERT INTO ulid_ix VALUES (0, %L)', (SELECT u FROM ulid_ix WHERE n = 7)),
	'23505', NULL, 'the unique index rejects a duplicate ulid');
SELECT throws_ok(format('INSERT INTO ulid_ix VALUES (0, %L)', lower((SELECT u FROM ulid_ix WHERE n = 7)::text)),
	'23505', NULL, 'including one written in lower case');

SELECT * FROM finish();
ROLLBACK;
