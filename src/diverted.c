/*-------------------------------------------------------------------------
 *
 * diverted.c
 *	  The Diverted Events API: fetch_diverted_event, fetch_diverted_events,
 *	  resend_diverted_event, delete_diverted_event, and, beyond the spec,
 *	  resend_diverted_events for everything diverted since a time.
 *
 * An event is diverted when its delivery to a webhook that diverts fails
 * for good, or arrives while the webhook is suspended (doc/decisions.md D9, D10).
 * A resend queues one new delivery, flagged as a resend, whatever the
 * webhook's state, with the webhook's retry strategy; the worker removes
 * the diverted record when it succeeds and brings it up to date when it
 * fails again.
 *
 * IDENTIFICATION
 *	  src/diverted.c
 *
 *-------------------------------------------------------------------------
 */
#include "pg_prelude.h"

#include "call.h"
#include "events.h"
#include "jsonb_util.h"
#include "store.h"
#include "webhooks.h"

#define DIVERTED_DEFAULT_COUNT	100
#define DIVERTED_MAX_COUNT		1000

/* a DivertedEventResponse from a row of webhooks._diverted_event */
#define DIVERTED_RESPONSE \
	"jsonb_build_object('eventLocator', event_locator::text," \
	" 'requestLocator', request_locator::text," \
	" 'failureMessage', failure_message," \
	" 'failureTimestamp', " SQL_RFC3339("failure_timestamp") "," \
	" 'failureTrigger', failure_trigger)"

#define OF_EVENT \
	" WHERE tenant_locator = $1" \
	" AND webhook_locator " ULID_EQ " $2::webhooks.ulid" \
	" AND event_locator " ULID_EQ " $3::webhooks.ulid"

/*
 * begin_diverted checks the arguments every diverted-event call shares:
 * the tenant, and a webhook of that tenant.  Returns the SPI arguments.
 */
static Datum *
begin_diverted(FunctionCallInfo fcinfo, bool with_event)
{
	pg_uuid_t  *tenant = wh_begin_call(fcinfo);
	pg_ulid    *webhook = wh_get_locator(fcinfo, 1, "webhook_locator");
	Datum	   *args = palloc0(sizeof(Datum) * 4);

	if (!wh_store_exists(tenant, webhook))
		wh_not_found("webhook", webhook);
	args[0] = UUIDPGetDatum(tenant);
	args[1] = UUIDPGetDatum((pg_uuid_t *) webhook);
	if (with_event)
		args[2] = UUIDPGetDatum((pg_uuid_t *) wh_get_locator(fcinfo, 2,
															 "event_locator"));
	return args;
}

/*
 * run_on_event runs a statement about one diverted event; raises PT404
 * when it touched none.
 */
static void
run_on_event(FunctionCallInfo fcinfo, const char *sql, int expected)
{
	Datum	   *args = begin_diverted(fcinfo, true);
	Oid			argtypes[3] = {UUIDOID, UUIDOID, UUIDOID};
	int			rc = SPI_execute_with_args(sql, 3, argtypes, args, NULL,
										   expected == SPI_OK_SELECT, 0);

	if (rc != expected)
		elog(ERROR, "diverted event statement failed: %s",
			 SPI_result_code_string(rc));
	if (SPI_processed == 0)
		wh_not_found("diverted event", PG_GETARG_ULID_P(2));
}

/*
 * empty_object returns {}, the spec's answer to resend and delete.
 */
static Jsonb *
empty_object(void)
{
	JsonbParseState *st = NULL;

	pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	return JsonbValueToJsonb(pushJsonbValue(&st, WJB_END_OBJECT, NULL));
}

static Jsonb *
first_jsonb(void)
{
	bool		isnull;

	return DatumGetJsonbP(SPI_getbinval(SPI_tuptable->vals[0],
										SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * webhooks_fetch_diverted_event implements fetchDivertedEvent.
 */
WH_API_FUNCTION(webhooks_fetch_diverted_event)
{
	run_on_event(fcinfo, "SELECT " DIVERTED_RESPONSE
				 " FROM webhooks._diverted_event" OF_EVENT, SPI_OK_SELECT);
	PG_RETURN_DATUM(wh_end_call(first_jsonb()));
}

/*
 * webhooks_fetch_diverted_events implements fetchMultipleDivertedEvents: a
 * page of a webhook's diverted events in failureTimestamp order, as a bare
 * array (as the spec answers).
 */
WH_API_FUNCTION(webhooks_fetch_diverted_events)
{
	Datum	   *args = begin_diverted(fcinfo, false);
	Oid			argtypes[4] = {UUIDOID, UUIDOID, INT4OID, INT4OID};
	int32		offset = PG_ARGISNULL(2) ? 0 : PG_GETARG_INT32(2);
	int32		count = PG_ARGISNULL(3) ? DIVERTED_DEFAULT_COUNT : PG_GETARG_INT32(3);

	if (offset < 0)
		jb_invalid("offset", "must not be negative", NULL);
	if (count < 1 || count > DIVERTED_MAX_COUNT)
		jb_invalid("count", psprintf("must be from 1 to %d", DIVERTED_MAX_COUNT),
				   NULL);
	args[2] = Int32GetDatum(offset);
	args[3] = Int32GetDatum(count);
	if (SPI_execute_with_args("SELECT coalesce(jsonb_agg(" DIVERTED_RESPONSE
							  " ORDER BY failure_timestamp, event_locator), '[]')"
							  " FROM (SELECT * FROM webhooks._diverted_event"
							  "  WHERE tenant_locator = $1"
							  "  AND webhook_locator " ULID_EQ " $2::webhooks.ulid"
							  "  ORDER BY failure_timestamp, event_locator"
							  "  OFFSET $3 LIMIT $4) d",
							  4, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read diverted events");
	PG_RETURN_DATUM(wh_end_call(first_jsonb()));
}

/* queue a resend of the diverted events a WHERE clause picks */
#define RESEND_SQL(where) \
	"INSERT INTO webhooks._delivery" \
	" (tenant_locator, webhook_locator, event_locator, resend)" \
	" SELECT tenant_locator, webhook_locator, event_locator, true" \
	" FROM webhooks._diverted_event" where \
	" ON CONFLICT (tenant_locator, webhook_locator, event_locator)" \
	" DO UPDATE SET resend = true"

/*
 * webhooks_resend_diverted_event implements resendDivertedEvent: one new
 * delivery of the event is queued; answers {}.
 */
WH_API_FUNCTION(webhooks_resend_diverted_event)
{
	run_on_event(fcinfo, RESEND_SQL(OF_EVENT), SPI_OK_INSERT);
	wh_wake_worker_at_commit();
	PG_RETURN_DATUM(wh_end_call(empty_object()));
}

/*
 * webhooks_delete_diverted_event implements deleteDivertedEvent; answers
 * {}.
 */
WH_API_FUNCTION(webhooks_delete_diverted_event)
{
	run_on_event(fcinfo, "DELETE FROM webhooks._diverted_event" OF_EVENT,
				 SPI_OK_DELETE);
	PG_RETURN_DATUM(wh_end_call(empty_object()));
}

/*
 * webhooks_resend_diverted_events queues a resend of every event of a
 * webhook diverted since a time (all of them when it is NULL), and returns
 * how many.
 */
WH_API_FUNCTION(webhooks_resend_diverted_events)
{
	Datum	   *args = begin_diverted(fcinfo, false);
	Oid			argtypes[3] = {UUIDOID, UUIDOID, TIMESTAMPTZOID};
	char		nulls[3] = {' ', ' ', ' '};
	uint64		n;

	if (PG_ARGISNULL(2))
		nulls[2] = 'n';
	else
		args[2] = PG_GETARG_DATUM(2);
	if (SPI_execute_with_args(RESEND_SQL(" WHERE tenant_locator = $1"
										 " AND webhook_locator " ULID_EQ " $2::webhooks.ulid"
										 " AND ($3 IS NULL OR failure_timestamp >= $3)"),
							  3, argtypes, args, nulls, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not queue resends");
	n = SPI_processed;
	if (n > 0)
		wh_wake_worker_at_commit();
	wh_end_call(NULL);
	PG_RETURN_INT64((int64) n);
}
