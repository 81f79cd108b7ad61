/*-------------------------------------------------------------------------
 *
 * delivery.c
 *	  One delivery as the worker holds it: built from a row of _claim(),
 *	  turned into a signed HTTP request, and judged when it finishes
 *	  (doc/decisions.md D6 to D10, D12b).
 *
 * Each delivery lives in a small memory context of its own, from claim to
 * recording, so that freeing it cannot leak; what libcurl allocated is
 * returned by wh_http_release.
 *
 * IDENTIFICATION
 *	  src/delivery.c
 *
 *-------------------------------------------------------------------------
 */
#include "pg_prelude.h"

#include "common/pg_prng.h"
#include "mb/pg_wchar.h"
#include "utils/json.h"

#include "checks.h"
#include "clean_text.h"
#include "delivery.h"
#include "jsonb_util.h"
#include "policy.h"
#include "sign.h"
#include "ulid.h"
#include "webhooks.h"

/* memory contexts of freed deliveries, kept for the next ones */
#define MAX_SPARE_CONTEXTS 512
#define DELIVERY_BLOCK_SIZE (4 * 1024)	/* a typical delivery in one block */
static MemoryContext spare[MAX_SPARE_CONTEXTS];
static int	spare_count = 0;

/* columns of webhooks._claim() */
enum
{
	C_TENANT = 1,
	C_WEBHOOK,
	C_EVENT,
	C_ATTEMPT,
	C_RESEND,
	C_PAYLOAD,
	C_DUE_AT,
	C_EVENT_TYPE,
	C_ROW_CTID,
	C_READ_ON
};

StaticAssertDecl(C_DUE_AT == WH_CLAIM_DUE_AT, "claim columns out of step");
StaticAssertDecl(C_READ_ON == WH_CLAIM_READ_ON, "claim columns out of step");

const WhResultColumn wh_claim_columns[] = {
	{"tenant_locator", UUIDOID}, {"webhook_locator", UUIDOID},
	{"event_locator", UUIDOID}, {"attempt", INT4OID}, {"resend", BOOLOID},
	{"payload", TEXTOID}, {"due_at", TIMESTAMPTZOID},
	{"event_type", TEXTOID}, {"row_ctid", TIDOID}, {"read_on", BOOLOID}
};
const int	wh_claim_ncolumns = lengthof(wh_claim_columns);

StaticAssertDecl(lengthof(wh_claim_columns) == WH_CLAIM_NCOLUMNS,
				 "claim columns out of step");

const char *const wh_outcome_names[WH_OUTCOME_COUNT] = {
	[WH_OUTCOME_DELIVERED] = "delivered",
	[WH_OUTCOME_RETRYING] = "retrying",
	[WH_OUTCOME_FAILED] = "failed",
	[WH_OUTCOME_DROPPED] = "dropped"
};

/*
 * wh_claim_row reads every column of a row of _claim() at once: reading
 * them one by one would walk the row's earlier columns each time.
 */
void
wh_claim_row(HeapTuple tup, TupleDesc desc, WhClaimRow *row)
{
	Assert(desc->natts == WH_CLAIM_NCOLUMNS);
	heap_deform_tuple(tup, desc, row->values, row->nulls);
}

/* a column of a claimed row, numbered from 1 as in wh_claim_columns */
#define COL_NULL(row, c) ((row)->nulls[(c) - 1])
#define COL_DATUM(row, c) ((row)->values[(c) - 1])

static bool
col_bool(const WhClaimRow *row, int c)
{
	return !COL_NULL(row, c) && DatumGetBool(COL_DATUM(row, c));
}

static char *
col_text(const WhClaimRow *row, int c)
{
	return COL_NULL(row, c) ? NULL : TextDatumGetCString(COL_DATUM(row, c));
}

/*
 * settle gives a delivery an outcome without sending it.
 */
static void
settle(WhDelivery *d, WhOutcome outcome, const char *trigger,
	   const char *message)
{
	d->sent = false;
	d->outcome = outcome;
	d->trigger = trigger;
	d->message = message ? pstrdup(message) : NULL;
}

/*
 * prepare_request fills in an HTTP request to a target: the body, the
 * Standard Webhooks headers (signed when the target has hmacEnabled, D6)
 * and the target's custom headers.  id is the webhook-id.
 */
static void
prepare_request(WhRequest *req, const WhTarget *t, const char *id,
				TimestampTz at, char *body)
{
	char	   *ts;

	req->url = pstrdup(t->url);
	req->body = body;
	req->body_len = strlen(body);
	req->secure_ssl = t->secure_ssl;
	req->nlines = 0;
	req->shared_lines = t->headers ? t->headers->lines : NULL;

	ts = psprintf("%ld", (long) timestamptz_to_time_t(at));

	wh_http_add_line(req, "Content-Type: application/json");
	wh_http_add_line(req, "User-Agent: " WEBHOOKS_USER_AGENT);
	wh_http_add_line(req, "Expect:");
	wh_http_add_line(req, psprintf("webhook-id: %s", id));
	wh_http_add_line(req, psprintf("webhook-timestamp: %s", ts));

	if (t->hmac_enabled && t->secret != NULL)
	{
		unsigned char key[WH_MAX_KEY_LEN];
		int			key_len = wh_secret_key(t->secret, strlen(t->secret), key,
											sizeof(key));
		char		sig[WH_SIGNATURE_LEN + 1];

		if (key_len < 0 ||
			wh_sign(key, key_len, id, ts, req->body, req->body_len, sig) < 0)
			elog(ERROR, "webhooks: could not sign a delivery");
		explicit_bzero(key, sizeof(key));
		wh_http_add_line(req, psprintf("webhook-signature: %s", sig));
		wh_http_add_line(req, psprintf("Socotra-Signature: %s", sig));
		if (t->tag != NULL)
			wh_http_add_line(req, psprintf("Socotra-Signature-Tag: %s", t->tag));
	}
}

/*
 * wh_delivery_from_claim builds a delivery from one row of _claim() in cxt.
 * Deliveries that must not be sent (D10, D12b) come back already judged.
 */
/*
 * new_delivery makes a delivery in a memory context of its own, under cxt,
 * and switches to that context.  Returns the context to switch back to.
 */
static MemoryContext
new_delivery(MemoryContext cxt, WhDelivery **out)
{
	MemoryContext own;
	MemoryContext old;

	/* reuse a context of a delivery that was freed: malloc is not free */
	if (spare_count > 0)
		own = spare[--spare_count];
	else
		own = AllocSetContextCreate(cxt, "webhooks delivery",
									DELIVERY_BLOCK_SIZE, DELIVERY_BLOCK_SIZE,
									ALLOCSET_DEFAULT_MAXSIZE);
	old = MemoryContextSwitchTo(own);

	*out = palloc0(sizeof(WhDelivery));
	(*out)->cxt = own;
	return old;
}

/*
 * wh_claim_key reads the key of the delivery a row of _claim() is for.
 */
void
wh_claim_key(const WhClaimRow *row, WhDeliveryKey *key)
{
	Assert(!COL_NULL(row, C_TENANT) && !COL_NULL(row, C_WEBHOOK) &&
		   !COL_NULL(row, C_EVENT));
	memcpy(key->tenant.data, DatumGetUUIDP(COL_DATUM(row, C_TENANT))->data, UUID_LEN);
	memcpy(key->webhook.data, DatumGetUUIDP(COL_DATUM(row, C_WEBHOOK))->data, UUID_LEN);
	memcpy(key->event.data, DatumGetUUIDP(COL_DATUM(row, C_EVENT))->data, UUID_LEN);
}

WhDelivery *
wh_delivery_from_claim(const WhClaimRow *row, WhWebhookConf *conf,
					   MemoryContext cxt)
{
	WhDelivery *d;
	MemoryContext old = new_delivery(cxt, &d);

	wh_claim_key(row, &d->key);
	Assert(!COL_NULL(row, C_ROW_CTID));
	ItemPointerCopy((ItemPointer) DatumGetPointer(COL_DATUM(row, C_ROW_CTID)), &d->row);
	Assert(memcmp(&conf->tenant, &d->key.tenant, sizeof(pg_uuid_t)) == 0 &&
		   memcmp(&conf->webhook, &d->key.webhook, sizeof(pg_uuid_t)) == 0);
	d->attempt = DatumGetInt32(COL_DATUM(row, C_ATTEMPT));
	d->resend = col_bool(row, C_RESEND);
	d->attempted_at = GetCurrentTimestamp();
	d->sent = true;
	d->outcome = WH_OUTCOME_NONE;

	/* what must not be sent (a resend goes whatever the state, D10) */
	if (!conf->exists)
		settle(d, WH_OUTCOME_DROPPED, NULL, "webhook deleted");
	else if (COL_NULL(row, C_PAYLOAD))
		settle(d, WH_OUTCOME_DROPPED, NULL, "event no longer stored");
	else if (!d->resend && !conf->enabled)
		settle(d, WH_OUTCOME_DROPPED, NULL, "webhook disabled");
	else if (!d->resend && conf->suspended)
	{
		if (conf->divert)
		{
			settle(d, WH_OUTCOME_FAILED, "suspended", "webhook suspended");
			d->divert_now = true;
		}
		else
			settle(d, WH_OUTCOME_DROPPED, NULL, "webhook suspended");
	}
	else
	{
		char		id[ULID_TEXT_LEN + 1];

		ulid_encode(d->key.event.data, id);
		prepare_request(&d->req, &conf->target, id, d->attempted_at,
						col_text(row, C_PAYLOAD));
	}

	/* what a failure notice would need (D9) */
	if (conf->alert != NULL)
		d->event_type = col_text(row, C_EVENT_TYPE);

	/* last: an error above leaves the configuration uncounted */
	d->conf = conf;
	wh_conf_keep(conf);
	MemoryContextSwitchTo(old);
	return d;
}

/*
 * final_failure applies the failure handling of a matched failure that
 * will not be retried (D9).
 */
static void
final_failure(WhDelivery *d)
{
	d->outcome = WH_OUTCOME_FAILED;
	d->divert_now = d->conf->divert || d->resend;
	d->suspend_now = d->conf->suspend;
	d->alert_now = d->conf->alert != NULL;
}

/*
 * judge decides the outcome of a finished request (D7, D8).
 */
static void
judge(WhDelivery *d)
{
	WhRequest  *req = &d->req;
	int			status = WH_STATUS_NONE;
	int			match;

	Assert(d->sent && !d->is_alert && d->outcome == WH_OUTCOME_NONE);

	/* the slice of the answer, as text the attempt log can hold */
	if (req->response_len > 0)
	{
		d->response = palloc(WH_CLEAN_TEXT_SIZE(req->response_len));
		wh_clean_text(req->response, req->response_len,
					  GetDatabaseEncoding() == PG_UTF8, d->response);
	}

	if (req->blocked)
	{
		d->message = pstrdup("connection refused: address blocked by the network policy (webhooks.blocked_networks, webhooks.allowed_networks)");
		status = WH_STATUS_NONE;
	}
	else if (req->status > 0 &&
			 (req->result == CURLE_OK || req->result == CURLE_WRITE_ERROR))
	{
		/* a whole response, or one we stopped reading past its first 64 kB */
		status = req->status;
		if (wh_status_is_success(status))
		{
			d->outcome = WH_OUTCOME_DELIVERED;
			return;
		}
		d->message = psprintf("HTTP %d", status);
	}
	else if (req->status > 0)
	{
		/*
		 * The status line came, then the connection failed or stalled: no
		 * response arrived in time, whatever its first line said.
		 */
		d->message = psprintf("%s (after HTTP %d)",
							  req->error[0] ? req->error : "no response",
							  req->status);
		req->status = 0;
	}
	else
		d->message = pstrdup(req->error[0] ? req->error : "no response");

	match = wh_trigger_match((const char *const *) d->conf->triggers,
							 d->conf->ntriggers, status);
	if (match < 0)
	{
		/*
		 * Not a failure this webhook handles: recorded and dropped.  A
		 * resend keeps its diverted record, brought up to date (D10).
		 */
		d->outcome = WH_OUTCOME_FAILED;
		d->trigger = NULL;
		d->divert_now = d->resend;
		return;
	}
	d->trigger = d->conf->triggers[match];

	/* blocked addresses and 410 Gone are final at once (D7, D12b) */
	if (req->blocked || status == 410 || d->conf->retry_type == 0 ||
		d->attempt > d->conf->retry_attempts)
	{
		final_failure(d);
		return;
	}

	{
		double		jitter = pg_prng_double(&pg_global_prng_state);
		int64		delay = wh_retry_delay_ms(d->conf->retry_type,
											  d->conf->retry_interval,
											  d->attempt, jitter);

		if (req->retry_after[0] != '\0')
			delay = wh_retry_after_delay(status,
										 wh_parse_retry_after(req->retry_after,
															  time(NULL)),
										 delay);
		d->outcome = WH_OUTCOME_RETRYING;
		d->retry_at = GetCurrentTimestamp() + delay * 1000;
	}
}

/*
 * wh_delivery_judge judges a finished request in the delivery's memory.
 */
void
wh_delivery_judge(WhDelivery *d)
{
	MemoryContext old = MemoryContextSwitchTo(d->cxt);

	judge(d);
	MemoryContextSwitchTo(old);
}

/*
 * wh_delivery_alert builds the failure notice of a delivery that failed
 * for good, to the webhook's alert endpoint, signed by that endpoint's own
 * settings (D9).  It is sent once; nothing records its outcome but the log.
 */
WhDelivery *
wh_delivery_alert(const WhDelivery *failed, MemoryContext cxt)
{
	WhDelivery *a;
	MemoryContext old = new_delivery(cxt, &a);
	StringInfoData body;
	pg_ulid		notice;
	char		id[ULID_TEXT_LEN + 1];
	char		event[ULID_TEXT_LEN + 1];
	char		webhook[ULID_TEXT_LEN + 1];
	const char *trigger;

	a->is_alert = true;
	a->sent = true;
	a->outcome = WH_OUTCOME_NONE;
	a->key.tenant = failed->key.tenant;
	a->key.webhook = failed->key.webhook;
	a->key.event = failed->key.event;
	a->attempted_at = GetCurrentTimestamp();

	ulid_generate(&notice);
	ulid_encode(notice.data, id);
	ulid_encode(failed->key.event.data, event);
	ulid_encode(failed->key.webhook.data, webhook);
	trigger = failed->req.status > 0 ? psprintf("%d", failed->req.status) : "timeout";

	initStringInfo(&body);
	appendStringInfo(&body, "{\"type\":\"webhook.delivery.failed\","
					 "\"webhookLocator\":\"%s\",\"webhookName\":", webhook);
	escape_json(&body, failed->conf->name ? failed->conf->name : "");
	appendStringInfo(&body, ",\"eventLocator\":\"%s\",\"eventType\":", event);
	escape_json(&body, failed->event_type ? failed->event_type : "");
	appendStringInfo(&body, ",\"failureTrigger\":\"%s\",\"failureMessage\":", trigger);
	escape_json(&body, failed->message ? failed->message : "");
	appendStringInfo(&body, ",\"failureTimestamp\":\"%s\",\"attempts\":%d,"
					 "\"diverted\":%s,\"suspended\":%s}",
					 jb_format_timestamp(a->attempted_at), failed->attempt,
					 failed->divert_now ? "true" : "false",
					 failed->suspend_now ? "true" : "false");

	prepare_request(&a->req, failed->conf->alert, id, a->attempted_at,
					body.data);
	if (failed->conf->alert->headers != NULL)
	{
		/* the notice keeps the set its lines come from */
		a->target_headers = failed->conf->alert->headers;
		a->target_headers->refs++;
	}
	MemoryContextSwitchTo(old);
	return a;
}

/*
 * wh_delivery_free releases a delivery once its outcome is recorded.
 */
void
wh_delivery_free(WhDelivery *d)
{
	MemoryContext cxt = d->cxt;

	if (d->conf)
		wh_conf_release(d->conf);
	if (d->target_headers)
		wh_header_set_release(d->target_headers);
	wh_http_release(&d->req);
	if (spare_count < MAX_SPARE_CONTEXTS)
	{
		MemoryContextReset(cxt);
		spare[spare_count++] = cxt;
	}
	else
		MemoryContextDelete(cxt);
}

/*
 * Lists of deliveries in one state.  Moving a delivery between lists is
 * a state transition, checked here.
 */
void
wh_list_init(WhDeliveryList *list)
{
	dlist_init(&list->head);
	list->count = 0;
}

void
wh_list_push(WhDeliveryList *list, WhDelivery *d, WhDeliveryState state)
{
#ifdef USE_ASSERT_CHECKING
	static const bool allowed[4][4] = {
		/* from CLAIMED: to SENDING or, settled at claim, JUDGED */
		[WH_DELIVERY_CLAIMED] = {[WH_DELIVERY_SENDING] = true, [WH_DELIVERY_JUDGED] = true},
		[WH_DELIVERY_SENDING] = {[WH_DELIVERY_JUDGED] = true},
		[WH_DELIVERY_JUDGED] = {[WH_DELIVERY_RECORDING] = true},
		/* back from RECORDING when the transaction failed */
		[WH_DELIVERY_RECORDING] = {[WH_DELIVERY_JUDGED] = true},
	};

	Assert(d->state == state ? state == WH_DELIVERY_CLAIMED && d->outcome == WH_OUTCOME_NONE :
		   allowed[d->state][state]);
	Assert(state < WH_DELIVERY_JUDGED || d->outcome != WH_OUTCOME_NONE);
#endif
	d->state = state;
	dlist_push_tail(&list->head, &d->list_node);
	list->count++;
}

WhDelivery *
wh_list_pop(WhDeliveryList *list)
{
	if (dlist_is_empty(&list->head))
	{
		Assert(list->count == 0);
		return NULL;
	}
	Assert(list->count > 0);
	list->count--;
	return dlist_container(WhDelivery, list_node,
						   dlist_pop_head_node(&list->head));
}

/*
 * wh_list_move moves every delivery of one list to the end of another,
 * into the state of that list.
 */
void
wh_list_move(WhDeliveryList *to, WhDeliveryList *from, WhDeliveryState state)
{
	WhDelivery *d;

	while ((d = wh_list_pop(from)) != NULL)
		wh_list_push(to, d, state);
}
