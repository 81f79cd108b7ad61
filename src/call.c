/*-------------------------------------------------------------------------
 *
 * call.c
 *	  What every API function does on entry and exit.
 *
 * IDENTIFICATION
 *	  src/call.c
 *
 *-------------------------------------------------------------------------
 */
#include "pg_prelude.h"

#include "call.h"
#include "tenant.h"
#include "webhooks.h"

/*
 * wh_api_call runs the body of an API function (see WH_API_FUNCTION) and
 * keeps whatever error it raises, or lets through from the statements it
 * runs (a unique index refusing a racing create, say), from echoing the
 * statement into the server log: the statement's arguments may carry a
 * secret or event data.  The error's context goes too, for the same
 * reason: with log_parameter_max_length_on_error set it quotes the bound
 * parameters, and otherwise it only names internal statements.
 */
Datum
wh_api_call(WhApiBody body, FunctionCallInfo fcinfo)
{
	MemoryContext cxt = CurrentMemoryContext;
	volatile Datum result = (Datum) 0;

	PG_TRY();
	{
		result = body(fcinfo);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		edata->hide_stmt = true;
		edata->context = NULL;
		ReThrowError(edata);
	}
	PG_END_TRY();
	return result;
}

/*
 * wh_arg_not_null raises 22023 when a required argument is NULL.  Like
 * every API error, it keeps the statement out of the server log: the
 * request may carry a secret.
 */
void
wh_arg_not_null(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be null", name),
				 errhidestmt(true)));
}

/*
 * wh_begin_call checks the tenant argument (the first) and its binding to
 * the caller, and connects to SPI.
 */
pg_uuid_t *
wh_begin_call(FunctionCallInfo fcinfo)
{
	pg_uuid_t  *tenant;

	wh_arg_not_null(fcinfo, 0, "tenant_locator");
	tenant = PG_GETARG_UUID_P(0);
	wh_check_tenant(tenant);
	SPI_connect();
	return tenant;
}

/*
 * wh_end_call copies a jsonb result out of SPI's memory and disconnects.
 */
Datum
wh_end_call(Jsonb *result)
{
	Jsonb	   *copy = NULL;

	if (result != NULL)
	{
		copy = SPI_palloc(VARSIZE(result));
		memcpy(copy, result, VARSIZE(result));
	}
	SPI_finish();
	return JsonbPGetDatum(copy);
}

/*
 * wh_get_locator returns a required ulid argument.
 */
pg_ulid *
wh_get_locator(FunctionCallInfo fcinfo, int argno, const char *name)
{
	wh_arg_not_null(fcinfo, argno, name);
	return PG_GETARG_ULID_P(argno);
}

/*
 * wh_not_found raises PT404 (HTTP 404 through PostgREST).
 */
void
wh_not_found(const char *what, const pg_ulid *locator)
{
	ereport(ERROR,
			(errcode(ERRCODE_WEBHOOKS_NOT_FOUND),
			 errmsg("%s %s not found", what, ulid_to_cstring(locator)),
			 errhidestmt(true)));
	pg_unreachable();
}
