--
-- The ulid type: text input and output, comparison, btree and hash
-- indexing, casts to and from uuid, ulid_time, ulid_floor and gen_ulid.
--
-- pg_temp.try(format, args...) runs a statement built by format() and shows
-- the error it raises as "SQLSTATE: message DETAIL: ... HINT: ...".
CREATE FUNCTION pg_temp.try(fmt text, VARIADIC args text[] DEFAULT '{}') RETURNS text LANGUAGE plpgsql AS $$
DECLARE d text; h text;
BEGIN EXECUTE format(fmt, VARIADIC args); RETURN 'ok';
EXCEPTION WHEN OTHERS THEN GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT;
RETURN concat_ws(' ', SQLSTATE || ': ' || SQLERRM, 'DETAIL: ' || nullif(d, ''), 'HINT: ' || nullif(h, '')); END $$;
-- the operators live in schema webhooks
SET search_path = webhooks, public;

-- text is 26 characters of Crockford base32; output is upper case, input
-- any case
SELECT '01ARZ3NDEKTSV4RRFFQ69G5FAV'::ulid AS upper,
       '01arz3ndektsv4rrffq69g5fav'::ulid AS lower,
       '01ArZ3nDeKtSv4RrFfQ69g5FaV'::ulid AS mixed;
SELECT '00000000000000000000000000'::ulid AS min, '7ZZZZZZZZZZZZZZZZZZZZZZZZZ'::ulid AS max;
-- every character of the alphabet survives a round trip
SELECT '0123456789ABCDEFGHJKMNPQRS'::ulid, '0TVWXYZ0000000000000000000'::ulid;
SELECT NULL::ulid IS NULL AS null_in;

-- text that is not a ulid: 22P02
SELECT input, pg_temp.try('SELECT %L::webhooks.ulid', input) AS error
FROM (VALUES (''),
             ('01ARZ3NDEKTSV4RRFFQ69G5FA'),     -- 25 characters
             ('01ARZ3NDEKTSV4RRFFQ69G5FAVX'),   -- 27 characters
             ('01ARZ3NDEKTSV4RRFFQ69G5FAU'),    -- U is not in the alphabet
             ('01ARZ3NDEKTSV4RRFFQ69G5FAI'),    -- nor I
             ('01ARZ3NDEKTSV4RRFFQ69G5FAL'),    -- nor L
             ('01ARZ3NDEKTSV4RRFFQ69G5FAO'),    -- nor O
             ('01ARZ3NDEKTSV4RRFFQ69G5FA-'),
             (' 1ARZ3NDEKTSV4RRFFQ69G5FAV'),
             ('81ARZ3NDEKTSV4RRFFQ69G5FAV'),    -- more than 128 bits
             ('01563e3a-b5d3-d676-4c61-efb99302bd5b')) AS v(input);

-- comparison operators follow byte order, which is time order
SELECT a, b, a = b AS eq, a <> b AS ne, a < b AS lt, a <= b AS le,
       a > b AS gt, a >= b AS ge, ulid_cmp(a, b) AS cmp
FROM (VALUES ('01ARZ3NDEKTSV4RRFFQ69G5FAV'::ulid, '01ARZ3NDEKTSV4RRFFQ69G5FAV'::ulid),
             ('01ARZ3NDEKTSV4RRFFQ69G5FAV', '01ARZ3NDEKTSV4RRFFQ69G5FAW'),
             ('01ARZ3NDEKTSV4RRFFQ69G5FAW', '01ARZ3NDEKTSV4RRFFQ69G5FAV'),
             ('01ARZ3NDEK0000000000000000', '01ARZ3NDEKZZZZZZZZZZZZZZZZ'),
             ('7ZZZZZZZZZZZZZZZZZZZZZZZZZ', '00000000000000000000000000')) AS v(a, b);

-- casts to and from uuid keep the 16 bytes as they are
SELECT '01ARZ3NDEKTSV4RRFFQ69G5FAV'::ulid::uuid AS to_uuid,
       '01563e3a-b5d3-d676-4c61-efb99302bd5b'::uuid::ulid AS from_uuid,
       '7ZZZZZZZZZZZZZZZZZZZZZZZZZ'::ulid::uuid AS max_uuid,
       '00000000-0000-0000-0000-000000000000'::uuid::ulid AS zero;
SELECT ulid_send('01ARZ3NDEKTSV4RRFFQ69G5FAV') = uuid_send('01563e3a-b5d3-d676-4c61-efb99302bd5b') AS same_bytes;
-- the uuid order is the ulid order
SELECT bool_and((a < b) = (a::uuid < b::uuid)) AS same_order
FROM (SELECT gen_ulid() AS a, ('0' || substr(md5(g::text), 1, 25))::ulid AS b
      FROM generate_series(1, 200) g) s;

-- ulid_time: the millisecond time of a ulid
SET timezone = 'UTC';
SELECT ulid_time('01ARZ3NDEKTSV4RRFFQ69G5FAV') AS spec_example,
       ulid_time('00000000000000000000000000') AS epoch,
       ulid_time('7ZZZZZZZZZZZZZZZZZZZZZZZZZ') AS last;
-- ulid_floor: the smallest ulid of the millisecond that holds a time
SELECT ulid_floor('2016-07-30 23:54:10.259+00') AS floor,
       ulid_floor('2016-07-30 23:54:10.259999+00') AS same_ms,
       ulid_floor('1970-01-01 00:00:00+00') AS epoch,
       ulid_floor('10889-08-02 05:31:50.655+00') AS last;
SELECT ulid_floor(ulid_time(u)) <= u AS floor_below,
       ulid_floor(ulid_time(u)) = ulid_floor(ulid_time(u) + interval '0.9 ms') AS one_ms,
       ulid_floor(ulid_time(u) + interval '1 ms') > u AS next_ms_above
FROM (VALUES ('01ARZ3NDEKTSV4RRFFQ69G5FAV'::ulid)) AS v(u);
SELECT t, pg_temp.try('SELECT webhooks.ulid_floor(%L)', t) AS error
FROM (VALUES ('infinity'), ('-infinity'), ('1969-12-31 23:59:59.999+00'),
             ('10889-08-02 05:31:50.656+00')) AS v(t);
SELECT ulid_time(NULL) IS NULL AS time_null, ulid_floor(NULL) IS NULL AS floor_null;
RESET timezone;

-- gen_ulid: canonical text, the current time, strictly increasing within
-- a session
SELECT clock_timestamp() AS before \gset
CREATE TEMP TABLE gen AS
SELECT g AS n, gen_ulid() AS u FROM generate_series(1, 1000) g;
SELECT clock_timestamp() AS after \gset
SELECT count(*) AS generated, count(DISTINCT u) AS distinct_values,
       bool_and(u::text ~ '^[0-7][0-9A-HJKMNP-TV-Z]{25}$') AS canonical_text,
       bool_and(ulid_time(u) BETWEEN date_trunc('milliseconds', :'before'::timestamptz)
                                 AND :'after'::timestamptz) AS current_time
FROM gen;
SELECT bool_and(a.u < b.u) AS increasing
FROM gen a JOIN gen b ON b.n = a.n + 1;
SELECT ulid_time(gen_ulid()) <= clock_timestamp() AS not_in_future;

-- btree: ordering and index scans
CREATE TEMP TABLE ids (u ulid);
INSERT INTO ids SELECT u FROM gen;
INSERT INTO ids VALUES ('01ARZ3NDEKTSV4RRFFQ69G5FAV');
CREATE INDEX ids_btree ON ids (u);
VACUUM ANALYZE ids;
ANALYZE gen;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT u FROM ids WHERE u = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
SELECT u FROM ids WHERE u = '01arz3ndektsv4rrffq69g5fav';
EXPLAIN (COSTS OFF) SELECT u FROM ids WHERE u < '01ARZ3NDEKTSV4RRFFQ69G5FAW' ORDER BY u;
SELECT u FROM ids WHERE u < '01ARZ3NDEKTSV4RRFFQ69G5FAW' ORDER BY u;
SELECT count(*) AS newer_than_floor FROM ids WHERE u >= ulid_floor(:'before');
SELECT array_agg(u ORDER BY u) = array_agg(u ORDER BY u::uuid) AS sorted_like_uuid,
       (array_agg(u ORDER BY u))[1] AS first,
       (array_agg(u ORDER BY u DESC))[1] = (SELECT u FROM gen WHERE n = 1000) AS last_generated_is_greatest
FROM ids;
DROP INDEX ids_btree;

-- hash: index, hash aggregation and hash join
CREATE INDEX ids_hash ON ids USING hash (u);
EXPLAIN (COSTS OFF) SELECT u FROM ids WHERE u = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
SELECT u FROM ids WHERE u = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
RESET enable_seqscan;
RESET enable_bitmapscan;
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT u, count(*) FROM ids GROUP BY u;
SELECT count(*) AS groups FROM (SELECT u FROM ids GROUP BY u) s;
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM ids a JOIN gen b ON a.u = b.u;
SELECT count(*) AS joined FROM ids a JOIN gen b ON a.u = b.u;
RESET enable_sort;
RESET enable_mergejoin;
RESET enable_nestloop;
-- the seeded hash agrees with the plain one in its low 32 bits
SELECT bool_and(ulid_hash(u) = (ulid_hash_extended(u, 0) & 4294967295)::bit(32)::integer) AS seed0_agrees,
       bool_and(ulid_hash(u) = ulid_hash(u::text::ulid)) AS stable
FROM ids;
-- a unique btree index enforces distinct values
CREATE UNIQUE INDEX ids_unique ON ids (u);
INSERT INTO ids VALUES ('01arz3ndektsv4rrffq69g5fav');
DROP TABLE ids, gen;
RESET search_path;
