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

extern void wh_arg_not_null(FunctionCallInfo fcinfo, int argno,
							const char *name);
extern pg_uuid_t *wh_begin_call(FunctionCallInfo fcinfo);
extern Datum wh_end_call(Jsonb *result);
extern pg_ulid *wh_get_locator(FunctionCallInfo fcinfo, int argno,
							   const char *name);
pg_noreturn extern void wh_not_found(const char *what, const pg_ulid *locator);

#endif							/* WEBHOOKS_CALL_H */
