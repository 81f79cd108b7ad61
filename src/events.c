/*-------------------------------------------------------------------------
 *
 * events.c
 *	  Events: publish_event, which stores an event and queues its delivery
 *	  to every subscribed webhook, and the Events API over the stored events
 *	  (fetch_event, fetch_events_for_request, fetch_events).
 *
 * Publishing is transactional: the event and its queue rows are written in
 * the caller's transaction, and a commit callback sets the delivery
 * worker's latch, so delivery starts right after commit and never after a
 * rollback (doc/decisions.md D12).
 *
 * IDENTIFICATION
 *	  src/events.c
 *
 *-------------------------------------------------------------------------
 */
#include "pg_prelude.h"

#include "commands/dbcommands.h"
#include "common/base64.h"
#include "storage/proc.h"
#include "utils/json.h"

#include "call.h"
#include "events.h"
#include "checks.h"
#include "event_types.h"
#include "jsonb_util.h"
#include "shmem.h"
#include "tenant.h"
#include "webhooks.h"

#define STREAM_DEFAULT_PAGE 100
#define STREAM_MAX_PAGE		1000

/* wake the worker when the current transaction commits */
static bool wake_at_commit = false;
/* and tell it that webhooks it may hold deliveries for have changed */
static bool config_changed = false;
static bool callback_registered = false;

/* the default request id of the current transaction (D12c) */
static LocalTransactionId request_lxid = InvalidLocalTransactionId;
static pg_ulid request_ulid;

/*
 * wake_callback sets the worker's latch when a transaction that published
 * (or changed a webhook) commits, and tells it when that transaction began:
 * the rows it may have queued are due then (now()), which may be behind
 * the worker's claim cursor (batch.c, move_cursor).
 */
static void
wake_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			if (config_changed && wh_shared != NULL)
				pg_atomic_fetch_add_u64(&wh_shared->config_generation, 1);
			if (wake_at_commit)
				wh_wake_workers(MyDatabaseId,
								GetCurrentTransactionStartTimestamp());
			wake_at_commit = false;
			config_changed = false;
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			wake_at_commit = false;
			config_changed = false;
			break;
		default:
			break;
	}
}

/*
 * wh_wake_worker_at_commit arranges for the delivery worker to be woken
 * when the current transaction commits.
 */
void
wh_wake_worker_at_commit(void)
{
	if (!callback_registered)
	{
		RegisterXactCallback(wake_callback, NULL);
		callback_registered = true;
	}
	wake_at_commit = true;
}

/*
 * wh_config_changed_at_commit tells the worker, when the current
 * transaction commits, that a webhook changed: deliveries it holds and has
 * not sent yet go back to the queue, to be sent with the new configuration
 * (D12b).
 */
void
wh_config_changed_at_commit(void)
{
	wh_wake_worker_at_commit();
	config_changed = true;
}

/*
 * check_database refuses to publish where no worker delivers: when
 * webhooks.database names one database, only there (D12c).
 */
static void
check_database(void)
{
	char	   *db;

	if (webhooks_database[0] == '\0')
		return;
	db = get_database_name(MyDatabaseId);
	if (db == NULL || strcmp(db, webhooks_database) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("events cannot be published in database \"%s\"",
						db ? db : "?"),
				 errdetail("The delivery worker serves database \"%s\".",
						   webhooks_database),
				 errhint("Publish in that database, or change webhooks.database (empty: every database) and restart the server.")));
}

/*
 * check_type accepts an event type that names a catalog entry.
 */
static void
check_type(const char *type)
{
	static SPIPlanPtr plan = NULL;
	bool		is_pattern;
	const char *reason = wh_check_event_type(type, strlen(type), false,
											 &is_pattern);
	Datum		arg;

	if (reason != NULL)
		jb_invalid("type", reason, NULL);
	if (plan == NULL)
	{
		Oid			argtypes[1] = {TEXTOID};

		plan = SPI_prepare("SELECT 1 FROM " EVENT_TYPE_TABLE " WHERE name = $1",
						   1, argtypes);
		if (plan == NULL || SPI_keepplan(plan) != 0)
			elog(ERROR, "could not prepare the event type lookup");
	}
	arg = CStringGetTextDatum(type);
	if (SPI_execute_plan(plan, &arg, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not look up event type");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid \"type\": unknown event type \"%s\"", type),
				 errhint("Register it first with webhooks.register_event_type().")));
}

static void
append_json_string_or_null(StringInfo buf, const char *s)
{
	if (s == NULL)
		appendStringInfoString(buf, "null");
	else
		escape_json(buf, s);
}

/* what an EventResponse says, each part as it is rendered */
typedef struct EventParts
{
	const char *locator;
	const char *user;			/* or NULL */
	const char *request_id;
	const char *timestamp;
	const char *type;
	Jsonb	   *data;
	const char *data_text;		/* data, as text */
} EventParts;

static void
event_parts(EventParts *p, const pg_ulid *locator, const pg_uuid_t *user,
			const pg_ulid *request_id, const char *type, Jsonb *data,
			const char *data_text)
{
	TimestampTz ts = ulid_time(locator);

	p->locator = ulid_to_cstring(locator);
	p->user = user ? DatumGetCString(DirectFunctionCall1(uuid_out,
														 UUIDPGetDatum(user))) : NULL;
	p->request_id = ulid_to_cstring(request_id);
	p->timestamp = jb_format_timestamp(ts);
	p->type = type;
	p->data = data;
	p->data_text = data_text;
}

/*
 * build_payload renders the EventResponse that every delivery sends.
 */
static char *
build_payload(const EventParts *p)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"locator\":\"%s\",\"userLocator\":", p->locator);
	append_json_string_or_null(&buf, p->user);
	appendStringInfo(&buf, ",\"requestId\":\"%s\",\"timestamp\":\"%s\",\"type\":",
					 p->request_id, p->timestamp);
	escape_json(&buf, p->type);
	appendStringInfo(&buf, ",\"data\":%s}", p->data_text);
	return buf.data;
}

/*
 * event_response is the same document as jsonb, which publish_event
 * returns: built from its parts (parsing the payload again took about a
 * tenth of a publish).
 */
static Jsonb *
event_response(const EventParts *p)
{
	JsonbParseState *st = NULL;

	pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	jb_put_string(&st, "locator", p->locator);
	jb_put_string(&st, "userLocator", p->user);	/* null when NULL */
	jb_put_string(&st, "requestId", p->request_id);
	jb_put_string(&st, "timestamp", p->timestamp);
	jb_put_string(&st, "type", p->type);
	jb_put_jsonb(&st, "data", p->data);
	return JsonbValueToJsonb(pushJsonbValue(&st, WJB_END_OBJECT, NULL));
}

/*
 * webhooks_publish_event stores an event and queues a delivery to every
 * enabled webhook of the tenant subscribed to its type.  Suspended
 * webhooks get it diverted (when they divert) or dropped (D10).  Returns
 * the EventResponse.
 */
WH_API_FUNCTION(webhooks_publish_event)
{
	static SPIPlanPtr plan = NULL;
	pg_uuid_t  *tenant;
	char	   *type;
	Jsonb	   *data;
	char	   *data_text;
	pg_uuid_t	user;
	bool		has_user = false;
	pg_ulid		locator;
	pg_ulid    *request_id;
	EventParts	parts;
	char	   *payload;
	Datum		args[7];
	char		nulls[7] = {' ', ' ', ' ', ' ', ' ', ' ', ' '};
	int			rc;

	wh_arg_not_null(fcinfo, 1, "type");
	wh_arg_not_null(fcinfo, 2, "data");
	tenant = wh_begin_call(fcinfo);
	check_database();

	type = text_to_cstring(PG_GETARG_TEXT_PP(1));
	check_type(type);

	data = PG_GETARG_JSONB_P(2);
	if (!JB_ROOT_IS_OBJECT(data))
		jb_invalid("data", "expected a JSON object", NULL);
	data_text = JsonbToCString(NULL, &data->root, VARSIZE(data));
	if (strlen(data_text) > (size_t) webhooks_max_event_data_bytes)
		jb_invalid("data",
				   psprintf("is larger than webhooks.max_event_data_bytes (%d bytes)",
							webhooks_max_event_data_bytes), NULL);

	if (!PG_ARGISNULL(3))
	{
		user = *PG_GETARG_UUID_P(3);
		has_user = true;
	}
	else
		has_user = wh_jwt_subject(&user);

	if (!PG_ARGISNULL(4))
		request_id = PG_GETARG_ULID_P(4);
	else
	{
		if (request_lxid != wh_local_xid())
		{
			ulid_generate(&request_ulid);
			request_lxid = wh_local_xid();
		}
		request_id = &request_ulid;
	}

	ulid_generate(&locator);
	event_parts(&parts, &locator, has_user ? &user : NULL, request_id, type,
				data, data_text);
	payload = build_payload(&parts);

	if (plan == NULL)
	{
		Oid			argtypes[7] = {UUIDOID, UUIDOID, TEXTOID, UUIDOID, UUIDOID,
		TEXTOID, TEXTARRAYOID};

		plan = SPI_prepare(
						   "WITH e AS ("
						   " INSERT INTO webhooks._event"
						   " (tenant_locator, locator, type, request_id, user_locator, payload)"
						   " VALUES ($1, $2::webhooks.ulid, $3, $4::webhooks.ulid, $5, $6)"
						   "), w AS ("
						   " SELECT locator, suspended, divert FROM " WEBHOOK_TABLE
						   " WHERE tenant_locator = $1 AND enabled"
						   " AND event_types OPERATOR(pg_catalog.&&) $7"
						   "), q AS ("
						   " INSERT INTO webhooks._delivery"
						   " (tenant_locator, webhook_locator, event_locator)"
						   " SELECT $1, w.locator, $2::webhooks.ulid FROM w WHERE NOT w.suspended"
						   "), d AS ("
						   " INSERT INTO webhooks._diverted_event"
						   " (tenant_locator, webhook_locator, event_locator, request_locator,"
						   "  failure_trigger, failure_message, failure_timestamp)"
						   " SELECT $1, w.locator, $2::webhooks.ulid, $4::webhooks.ulid,"
						   "  'suspended', 'webhook suspended', pg_catalog.now()"
						   " FROM w WHERE w.suspended AND w.divert"
						   ") INSERT INTO webhooks._webhook_stats AS s"
						   " (tenant_locator, webhook_locator, dropped)"
						   " SELECT $1, w.locator, 1 FROM w WHERE w.suspended AND NOT w.divert"
						   " ON CONFLICT (tenant_locator, webhook_locator)"
						   " DO UPDATE SET dropped = s.dropped + 1",
						   7, argtypes);
		if (plan == NULL || SPI_keepplan(plan) != 0)
			elog(ERROR, "could not prepare publish statement");
	}

	args[0] = UUIDPGetDatum(tenant);
	args[1] = UUIDPGetDatum((pg_uuid_t *) &locator);
	args[2] = CStringGetTextDatum(type);
	args[3] = UUIDPGetDatum((pg_uuid_t *) request_id);
	if (has_user)
		args[4] = UUIDPGetDatum(&user);
	else
		nulls[4] = 'n';
	args[5] = CStringGetTextDatum(payload);
	args[6] = wh_event_type_filter(list_make1(type), "type");
	rc = SPI_execute_plan(plan, args, nulls, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "could not publish event: %s", SPI_result_code_string(rc));

	wh_wake_worker_at_commit();

	PG_RETURN_DATUM(wh_end_call(event_response(&parts)));
}

/*
 * payload_array turns the payload column of an SPI result into a jsonb
 * array of EventResponse objects.
 */
static Jsonb *
payload_array(uint64 first, uint64 n)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '[');
	for (uint64 i = first; i < first + n; i++)
	{
		if (i > first)
			appendStringInfoChar(&buf, ',');
		appendStringInfoString(&buf, SPI_getvalue(SPI_tuptable->vals[i],
												  SPI_tuptable->tupdesc, 1));
	}
	appendStringInfoChar(&buf, ']');
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}

/*
 * select_payloads runs "SELECT payload FROM webhooks._event WHERE
 * tenant_locator = $1 AND <cond>" where cond compares a ulid with $2.
 */
static void
select_payloads(const char *cond, const pg_uuid_t *tenant, const pg_ulid *key)
{
	Datum		args[2];
	Oid			argtypes[2] = {UUIDOID, UUIDOID};

	args[0] = UUIDPGetDatum(tenant);
	args[1] = UUIDPGetDatum((pg_uuid_t *) key);
	if (SPI_execute_with_args(psprintf("SELECT payload FROM webhooks._event"
									   " WHERE tenant_locator = $1 AND %s", cond),
							  2, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read events");
}

/*
 * webhooks_fetch_event implements fetchEvent.
 */
WH_API_FUNCTION(webhooks_fetch_event)
{
	pg_uuid_t  *tenant = wh_begin_call(fcinfo);
	pg_ulid    *locator = wh_get_locator(fcinfo, 1, "locator");

	select_payloads("locator " ULID_EQ " $2::webhooks.ulid", tenant, locator);
	if (SPI_processed == 0)
		wh_not_found("event", locator);
	PG_RETURN_DATUM(wh_end_call(DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
																   CStringGetDatum(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1))))));
}

/*
 * webhooks_fetch_events_for_request implements fetchEventsForARequest: the
 * events published with one request id, in publish order.
 */
WH_API_FUNCTION(webhooks_fetch_events_for_request)
{
	pg_uuid_t  *tenant = wh_begin_call(fcinfo);
	pg_ulid    *request = wh_get_locator(fcinfo, 1, "request_locator");

	select_payloads("request_id " ULID_EQ " $2::webhooks.ulid ORDER BY locator",
					tenant, request);
	PG_RETURN_DATUM(wh_end_call(payload_array(0, SPI_processed)));
}

/* the position and filters of an event stream, as its paging token holds */
typedef struct StreamPos
{
	bool		inclusive;		/* lower bound included (a start time) */
	pg_ulid		lower;
	bool		has_upper;
	pg_ulid		upper;			/* excluded */
	char	   *type;			/* NULL: every type */
	int32		page_size;
} StreamPos;

static char *
encode_token(const StreamPos *p)
{
	char	   *raw = psprintf("1|%c|%s|%s|%d|%s", p->inclusive ? 'i' : 'x',
							   ulid_to_cstring(&p->lower),
							   p->has_upper ? ulid_to_cstring(&p->upper) : "",
							   p->page_size, p->type ? p->type : "");
	int			len = pg_b64_enc_len(strlen(raw));
	char	   *out = palloc(len + 1);
	int			n = pg_b64_encode((const void *) raw, strlen(raw), out, len);

	out[n < 0 ? 0 : n] = '\0';
	return out;
}

static void
bad_token(void)
{
	jb_invalid("pagingToken", "is not a token this stream returned", NULL);
}

static void
decode_token(const char *token, StreamPos *p)
{
	int			len = strlen(token);
	char	   *raw = palloc(pg_b64_dec_len(len) + 1);
	int			n = pg_b64_decode(token, len, (void *) raw, pg_b64_dec_len(len));
	char	   *fields[6];
	char	   *s;

	if (n < 0)
		bad_token();
	raw[n] = '\0';
	s = raw;
	for (int i = 0; i < 6; i++)
	{
		fields[i] = s;
		if (i < 5)
		{
			s = strchr(s, '|');
			if (s == NULL)
				bad_token();
			*s++ = '\0';
		}
	}
	if (strcmp(fields[0], "1") != 0 ||
		(strcmp(fields[1], "i") != 0 && strcmp(fields[1], "x") != 0) ||
		!ulid_decode(fields[2], strlen(fields[2]), p->lower.data))
		bad_token();
	p->inclusive = fields[1][0] == 'i';
	p->has_upper = fields[3][0] != '\0';
	if (p->has_upper &&
		!ulid_decode(fields[3], strlen(fields[3]), p->upper.data))
		bad_token();
	p->page_size = atoi(fields[4]);
	if (p->page_size < 1 || p->page_size > STREAM_MAX_PAGE)
		bad_token();
	p->type = fields[5][0] ? pstrdup(fields[5]) : NULL;
}

/*
 * ulid_from_time returns the smallest ulid of the millisecond of a time
 * given as a filter; a time a ulid cannot hold (before 1970, after 10889,
 * or infinite) is a bad argument, not a datetime error.
 */
static void
ulid_from_time(TimestampTz ts, const char *field, pg_ulid *out)
{
	if (TIMESTAMP_NOT_FINITE(ts) || ts < ULID_EPOCH ||
		(ts - ULID_EPOCH) / 1000 > (int64) ULID_MAX_MS)
		jb_invalid(field, "must be a time from 1970-01-01T00:00:00Z to 10889-08-02T05:31:50.655Z",
				   NULL);
	*out = *DatumGetUlidP(DirectFunctionCall1(webhooks_ulid_floor,
											  TimestampTzGetDatum(ts)));
}

/*
 * webhooks_fetch_events implements fetchMultipleEvents, the event stream:
 * events in publish order from a start time (or where the paging token
 * left off), before an end time, of one type or all, a page at a time.
 * The token carries the filters, so it may not be combined with them.
 */
WH_API_FUNCTION(webhooks_fetch_events)
{
	pg_uuid_t  *tenant = wh_begin_call(fcinfo);
	StreamPos	p;
	StringInfoData sql;
	Datum		args[4];
	Oid			argtypes[4] = {UUIDOID, UUIDOID, UUIDOID, TEXTOID};
	int			nargs = 2;
	JsonbParseState *st = NULL;
	JsonbValue *res;
	Jsonb	   *events;

	memset(&p, 0, sizeof(p));
	if (!PG_ARGISNULL(5))
	{
		if (!PG_ARGISNULL(1) || !PG_ARGISNULL(2) || !PG_ARGISNULL(3) ||
			!PG_ARGISNULL(4))
			jb_invalid("pagingToken", "cannot be combined with other arguments",
					   "The token carries the filters of the stream it came from.");
		decode_token(text_to_cstring(PG_GETARG_TEXT_PP(5)), &p);
	}
	else
	{
		p.inclusive = true;
		if (!PG_ARGISNULL(1))
			ulid_from_time(PG_GETARG_TIMESTAMPTZ(1), "startTimestamp", &p.lower);
		if (!PG_ARGISNULL(2))
		{
			p.has_upper = true;
			ulid_from_time(PG_GETARG_TIMESTAMPTZ(2), "endTimestamp", &p.upper);
		}
		if (!PG_ARGISNULL(3))
			p.type = text_to_cstring(PG_GETARG_TEXT_PP(3));
		p.page_size = PG_ARGISNULL(4) ? STREAM_DEFAULT_PAGE : PG_GETARG_INT32(4);
		if (p.page_size < 1 || p.page_size > STREAM_MAX_PAGE)
			jb_invalid("pageSize",
					   psprintf("must be from 1 to %d", STREAM_MAX_PAGE), NULL);
	}

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT payload, locator::pg_catalog.uuid"
					 " FROM webhooks._event WHERE tenant_locator = $1"
					 " AND locator %s $2::webhooks.ulid",
					 p.inclusive ? "OPERATOR(webhooks.>=)" : "OPERATOR(webhooks.>)");
	args[0] = UUIDPGetDatum(tenant);
	args[1] = UUIDPGetDatum((pg_uuid_t *) &p.lower);
	if (p.has_upper)
	{
		args[nargs] = UUIDPGetDatum((pg_uuid_t *) &p.upper);
		argtypes[nargs] = UUIDOID;
		nargs++;
		appendStringInfo(&sql, " AND locator OPERATOR(webhooks.<) $%d::webhooks.ulid", nargs);
	}
	if (p.type)
	{
		args[nargs] = CStringGetTextDatum(p.type);
		argtypes[nargs] = TEXTOID;
		nargs++;
		appendStringInfo(&sql, " AND type = $%d", nargs);
	}
	appendStringInfo(&sql, " ORDER BY locator LIMIT %d", p.page_size);

	if (SPI_execute_with_args(sql.data, nargs, argtypes, args, NULL, true, 0) !=
		SPI_OK_SELECT)
		elog(ERROR, "could not read the event stream");

	events = payload_array(0, SPI_processed);
	if (SPI_processed > 0)
	{
		bool		isnull;
		Datum		last = SPI_getbinval(SPI_tuptable->vals[SPI_processed - 1],
										 SPI_tuptable->tupdesc, 2, &isnull);

		memcpy(p.lower.data, DatumGetUUIDP(last)->data, ULID_BYTES);
		p.inclusive = false;
	}

	pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	jb_put_string(&st, "pagingToken", encode_token(&p));
	jb_put_jsonb(&st, "events", events);
	res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	PG_RETURN_DATUM(wh_end_call(JsonbValueToJsonb(res)));
}
