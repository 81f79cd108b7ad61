/*-------------------------------------------------------------------------
 *
 * call.h
 *	  What every API function does on entry and exit: argument checks, the
 *	  tenant binding, SPI, and copying the result out.
 *
 * IDENTIFICATION
 *	  src/call.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_CALL_H
#define WEBHOOKS_CALL_H

#include "ulid.h"

/*
 * WH_API_FUNCTION(name) { body } defines the SQL-callable C function name,
 * whose body runs through wh_api_call: no error it raises logs the
 * statement.
 */
typedef Datum (*WhApiBody) (FunctionCallInfo fcinfo);

#define WH_API_FUNCTION(name) \
	static Datum name##_body(PG_FUNCTION_ARGS); \
	PG_FUNCTION_INFO_V1(name); \
	Datum \
	name(PG_FUNCTION_ARGS) \
	{ \
		return wh_api_call(name##_body, fcinfo); \
	} \
	static Datum \
	name##_body(PG_FUNCTION_ARGS)

extern Datum wh_api_call(WhApiBody body, FunctionCallInfo fcinfo);

extern void wh_arg_not_null(FunctionCallInfo fcinfo, int argno,
							const char *name);
extern pg_uuid_t *wh_begin_call(FunctionCallInfo fcinfo);
extern Datum wh_end_call(Jsonb *result);
extern pg_ulid *wh_get_locator(FunctionCallInfo fcinfo, int argno,
							   const char *name);
pg_noreturn extern void wh_not_found(const char *what, const pg_ulid *locator);

#endif							/* WEBHOOKS_CALL_H */
