/*-------------------------------------------------------------------------
 *
 * ulid.c
 *	  The webhooks.ulid SQL type: input and output, binary send and receive,
 *	  comparison and hashing for the btree and hash operator classes, the
 *	  timestamp accessor and the generator gen_ulid().
 *
 * Values are 16 bytes, laid out as in the ULID specification, so that byte
 * order is time order and a ulid converts to and from uuid without change.
 *
 * IDENTIFICATION
 *	  src/ulid.c
 *
 *-------------------------------------------------------------------------
 */
#include "pg_prelude.h"

#include <sys/time.h>

#include "catalog/namespace.h"
#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "port/pg_bswap.h"
#include "utils/inval.h"
#include "utils/syscache.h"

#include "ulid.h"
#include "webhooks.h"

PG_FUNCTION_INFO_V1(webhooks_ulid_in);
PG_FUNCTION_INFO_V1(webhooks_ulid_out);
PG_FUNCTION_INFO_V1(webhooks_ulid_recv);
PG_FUNCTION_INFO_V1(webhooks_ulid_send);
PG_FUNCTION_INFO_V1(webhooks_ulid_eq);
PG_FUNCTION_INFO_V1(webhooks_ulid_ne);
PG_FUNCTION_INFO_V1(webhooks_ulid_lt);
PG_FUNCTION_INFO_V1(webhooks_ulid_le);
PG_FUNCTION_INFO_V1(webhooks_ulid_gt);
PG_FUNCTION_INFO_V1(webhooks_ulid_ge);
PG_FUNCTION_INFO_V1(webhooks_ulid_cmp);
PG_FUNCTION_INFO_V1(webhooks_ulid_hash);
PG_FUNCTION_INFO_V1(webhooks_ulid_hash_extended);
PG_FUNCTION_INFO_V1(webhooks_ulid_time);
PG_FUNCTION_INFO_V1(webhooks_ulid_floor);
PG_FUNCTION_INFO_V1(webhooks_gen_ulid);

/* Last value generated in this backend, for monotonic generation. */
static pg_ulid last_ulid;
static bool last_ulid_valid = false;

/*
 * ulid_parse converts text to a ulid, raising 22P02 on invalid text.
 */
pg_ulid *
ulid_parse(const char *text)
{
	pg_ulid    *result = palloc(sizeof(pg_ulid));

	if (!ulid_decode(text, strlen(text), result->data))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%s\"",
						"ulid", text),
				 errhint("A ulid is 26 characters of Crockford base32 (0-9, A-Z without I, L, O, U), the first at most 7.")));
	return result;
}

/*
 * ulid_to_cstring returns the canonical text of a ulid.
 */
char *
ulid_to_cstring(const pg_ulid *u)
{
	char	   *out = palloc(ULID_TEXT_LEN + 1);

	ulid_encode(u->data, out);
	return out;
}

/*
 * ulid_generate fills out with a new ulid, monotonic within this backend:
 * inside one millisecond (or if the clock steps back) the random part of
 * the previous value is incremented instead of drawn again.
 */
void
ulid_generate(pg_ulid *out)
{
	struct timeval tv;
	uint64		now_ms;

	gettimeofday(&tv, NULL);
	now_ms = (uint64) tv.tv_sec * 1000 + tv.tv_usec / 1000;

	if (last_ulid_valid && now_ms <= ulid_get_ms(last_ulid.data))
	{
		if (!ulid_increment_random(last_ulid.data))
		{
			/* 2^80 values in one millisecond: borrow the next one */
			uint64		ms = ulid_get_ms(last_ulid.data) + 1;

			if (ms > ULID_MAX_MS)
				elog(ERROR, "ulid timestamp overflow");
			ulid_set_ms(last_ulid.data, ms);
		}
	}
	else
	{
		ulid_set_ms(last_ulid.data, now_ms);
		if (!pg_strong_random(last_ulid.data + ULID_BYTES - ULID_RANDOM_BYTES,
							  ULID_RANDOM_BYTES))
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not generate random bytes for a ulid")));
		/* keep headroom so that increments rarely overflow */
		last_ulid.data[ULID_BYTES - ULID_RANDOM_BYTES] &= 0x7F;
		last_ulid_valid = true;
	}
	Assert(ulid_get_ms(last_ulid.data) <= ULID_MAX_MS);
	*out = last_ulid;
}

/* OID of webhooks.ulid; forgotten whenever pg_type changes */
static Oid	ulid_oid = InvalidOid;

/*
 * ulid_type_oid_reset is a syscache callback: DROP and CREATE EXTENSION
 * give the type a new OID.
 */
static void
ulid_type_oid_reset(Datum arg, int cacheid, uint32 hashvalue)
{
	ulid_oid = InvalidOid;
}

/*
 * ulid_type_oid returns the OID of webhooks.ulid, looked up once and again
 * after pg_type changes.
 */
Oid
ulid_type_oid(void)
{
	static bool callback_registered = false;

	if (!callback_registered)
	{
		CacheRegisterSyscacheCallback(TYPEOID, ulid_type_oid_reset, (Datum) 0);
		callback_registered = true;
	}
	if (!OidIsValid(ulid_oid))
	{
		Oid			nsp = get_namespace_oid(WEBHOOKS_SCHEMA, false);
		Oid			oid;

		oid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
							  CStringGetDatum("ulid"),
							  ObjectIdGetDatum(nsp));
		if (!OidIsValid(oid))
			elog(ERROR, "type %s.ulid does not exist", WEBHOOKS_SCHEMA);
		ulid_oid = oid;
	}
	return ulid_oid;
}

/*
 * webhooks_ulid_in is the type's input function.
 */
Datum
webhooks_ulid_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_ULID_P(ulid_parse(PG_GETARG_CSTRING(0)));
}

/*
 * webhooks_ulid_out is the type's output function.
 */
Datum
webhooks_ulid_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(ulid_to_cstring(PG_GETARG_ULID_P(0)));
}

/*
 * webhooks_ulid_recv reads the 16 raw bytes of the binary format.
 */
Datum
webhooks_ulid_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	pg_ulid    *result = palloc(sizeof(pg_ulid));

	memcpy(result->data, pq_getmsgbytes(buf, ULID_BYTES), ULID_BYTES);
	PG_RETURN_ULID_P(result);
}

/*
 * webhooks_ulid_send writes the 16 raw bytes of the binary format.
 */
Datum
webhooks_ulid_send(PG_FUNCTION_ARGS)
{
	pg_ulid    *u = PG_GETARG_ULID_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, (char *) u->data, ULID_BYTES);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static inline int
ulid_cmp_internal(const pg_ulid *a, const pg_ulid *b)
{
	return memcmp(a->data, b->data, ULID_BYTES);
}

#define ULID_CMP_FUNC(name, op) \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_BOOL(ulid_cmp_internal(PG_GETARG_ULID_P(0), \
									 PG_GETARG_ULID_P(1)) op 0); \
}

ULID_CMP_FUNC(webhooks_ulid_eq, ==)
ULID_CMP_FUNC(webhooks_ulid_ne, !=)
ULID_CMP_FUNC(webhooks_ulid_lt, <)
ULID_CMP_FUNC(webhooks_ulid_le, <=)
ULID_CMP_FUNC(webhooks_ulid_gt, >)
ULID_CMP_FUNC(webhooks_ulid_ge, >=)

/*
 * webhooks_ulid_cmp is the btree support function.
 */
Datum
webhooks_ulid_cmp(PG_FUNCTION_ARGS)
{
	int			c = ulid_cmp_internal(PG_GETARG_ULID_P(0), PG_GETARG_ULID_P(1));

	PG_RETURN_INT32(c < 0 ? -1 : (c > 0 ? 1 : 0));
}

/*
 * webhooks_ulid_hash is the hash support function.
 */
Datum
webhooks_ulid_hash(PG_FUNCTION_ARGS)
{
	pg_ulid    *u = PG_GETARG_ULID_P(0);

	return hash_any(u->data, ULID_BYTES);
}

/*
 * webhooks_ulid_hash_extended is the seeded hash support function.
 */
Datum
webhooks_ulid_hash_extended(PG_FUNCTION_ARGS)
{
	pg_ulid    *u = PG_GETARG_ULID_P(0);

	return hash_any_extended(u->data, ULID_BYTES, PG_GETARG_INT64(1));
}

/* ulid_time returns the time encoded in a ulid, to the millisecond */
TimestampTz
ulid_time(const pg_ulid *u)
{
	return ULID_EPOCH + (TimestampTz) ulid_get_ms(u->data) * 1000;
}

/*
 * webhooks_ulid_time returns the time encoded in a ulid, to the millisecond.
 */
Datum
webhooks_ulid_time(PG_FUNCTION_ARGS)
{
	PG_RETURN_TIMESTAMPTZ(ulid_time(PG_GETARG_ULID_P(0)));
}

/*
 * webhooks_ulid_floor returns the smallest ulid of the millisecond that
 * contains a time: the lower bound for range scans by time.
 */
Datum
webhooks_ulid_floor(PG_FUNCTION_ARGS)
{
	TimestampTz ts = PG_GETARG_TIMESTAMPTZ(0);
	pg_ulid    *result = palloc0(sizeof(pg_ulid));
	int64		us;

	if (TIMESTAMP_NOT_FINITE(ts))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range for a ulid")));
	us = ts - ULID_EPOCH;
	if (us < 0 || us / 1000 > (int64) ULID_MAX_MS)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range for a ulid")));
	ulid_set_ms(result->data, (uint64) (us / 1000));
	PG_RETURN_ULID_P(result);
}

/*
 * webhooks_gen_ulid returns a new ulid, monotonic within this backend.
 */
Datum
webhooks_gen_ulid(PG_FUNCTION_ARGS)
{
	pg_ulid    *result = palloc(sizeof(pg_ulid));

	ulid_generate(result);
	PG_RETURN_ULID_P(result);
}
