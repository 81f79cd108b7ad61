/*-------------------------------------------------------------------------
 *
 * ulid.h
 *	  The webhooks.ulid SQL type.
 *
 * IDENTIFICATION
 *	  src/ulid.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_ULID_H
#define WEBHOOKS_ULID_H

#include "datatype/timestamp.h"

#include "ulid_codec.h"

typedef struct pg_ulid
{
	uint8		data[ULID_BYTES];
} pg_ulid;

#define DatumGetUlidP(X)		((pg_ulid *) DatumGetPointer(X))
#define UlidPGetDatum(X)		PointerGetDatum(X)
#define PG_GETARG_ULID_P(n)		DatumGetUlidP(PG_GETARG_DATUM(n))
#define PG_RETURN_ULID_P(x)		return UlidPGetDatum(x)

/* the Unix epoch, where a ulid's milliseconds count from, as a TimestampTz */
#define ULID_EPOCH \
	(-((TimestampTz) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY))

extern void ulid_generate(pg_ulid *out);
extern pg_ulid *ulid_parse(const char *text);
extern char *ulid_to_cstring(const pg_ulid *u);
extern Oid	ulid_type_oid(void);
extern TimestampTz ulid_time(const pg_ulid *u);
extern Datum webhooks_ulid_floor(PG_FUNCTION_ARGS);

#endif							/* WEBHOOKS_ULID_H */
