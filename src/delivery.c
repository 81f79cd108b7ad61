/*-------------------------------------------------------------------------
 *
 * delivery.c
 *	  One delivery as the worker holds it: built from a row of _claim(),
 *	  turned into a signed HTTP request, and judged when it finishes
 *	  (DESIGN.md D6 to D10, D12b).
 *
 * A delivery's memory lives in the worker's delivery context from claim to
 * recording; everything libcurl allocated is returned by wh_http_release.
 *
 * IDENTIFICATION
 *	  src/delivery.c
 *
 *-------------------------------------------------------------------------
 */
#include "pg_prelude.h"

#include "common/pg_prng.h"

#include "checks.h"
#include "delivery.h"
#include "policy.h"
#include "sign.h"
#include "ulid.h"
#include "webhooks.h"

/* columns of webhooks._claim() */
enum
{
	C_TENANT = 1,
	C_WEBHOOK,
	C_EVENT,
	C_ATTEMPT,
	C_RESEND,
	C_URL,
	C_HEADERS,
	C_SECURE_SSL,
	C_HMAC_ENABLED,
	C_SECRET,
	C_TAG,
	C_ENABLED,
	C_SUSPENDED,
	C_TRIGGERS,
	C_DIVERT,
	C_SUSPEND,
	C_RETRY_TYPE,
	C_RETRY_INTERVAL,
	C_RETRY_ATTEMPTS,
	C_PAYLOAD
};

static Datum
col(HeapTuple tup, TupleDesc desc, int c, bool *isnull)
{
	return SPI_getbinval(tup, desc, c, isnull);
}

static bool
col_bool(HeapTuple tup, TupleDesc desc, int c)
{
	bool		isnull;
	Datum		d = col(tup, desc, c, &isnull);

	return !isnull && DatumGetBool(d);
}

static char *
col_text(HeapTuple tup, TupleDesc desc, int c)
{
	bool		isnull;
	Datum		d = col(tup, desc, c, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

static void
col_uuid(HeapTuple tup, TupleDesc desc, int c, pg_uuid_t *out)
{
	bool		isnull;
	Datum		d = col(tup, desc, c, &isnull);

	memcpy(out->data, DatumGetUUIDP(d)->data, UUID_LEN);
}

/*
 * settle gives a delivery an outcome without sending it.
 */
static void
settle(WhDelivery *d, const char *outcome, const char *trigger,
	   const char *message)
{
	d->sent = false;
	d->outcome = outcome;
	d->trigger = trigger;
	d->message = message ? pstrdup(message) : NULL;
}

/*
 * add_custom_headers adds an endpoint's headers ({"name": ["value", ...]}).
 * libcurl drops a header given as "Name:" with no value; "Name;" sends it
 * empty.
 */
static void
add_custom_headers(WhRequest *req, Jsonb *headers)
{
	JsonbIterator *it = JsonbIteratorInit(&headers->root);
	JsonbValue	v;
	JsonbIteratorToken r;
	char	   *name = NULL;

	while ((r = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		if (r == WJB_KEY)
			name = pnstrdup(v.val.string.val, v.val.string.len);
		else if (r == WJB_ELEM && v.type == jbvString && name != NULL)
		{
			if (v.val.string.len == 0)
				wh_http_add_header(req, "%s;", name);
			else
				wh_http_add_header(req, "%s: %.*s", name,
								   v.val.string.len, v.val.string.val);
		}
	}
}

/*
 * build_request fills in the HTTP request of a delivery: the EventResponse
 * body and the Standard Webhooks headers, signed when hmacEnabled (D6).
 */
static void
build_request(WhDelivery *d, HeapTuple tup, TupleDesc desc)
{
	WhRequest  *req = &d->req;
	char		id[ULID_TEXT_LEN + 1];
	char		ts[32];
	char	   *secret;
	bool		isnull;
	Datum		headers;

	req->url = col_text(tup, desc, C_URL);
	req->body = col_text(tup, desc, C_PAYLOAD);
	req->body_len = strlen(req->body);
	req->secure_ssl = col_bool(tup, desc, C_SECURE_SSL);
	req->headers = NULL;

	ulid_encode(d->event.data, id);
	snprintf(ts, sizeof(ts), "%ld", (long) (d->attempted_at / USECS_PER_SEC +
											(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY));

	wh_http_add_header(req, "Content-Type: application/json");
	wh_http_add_header(req, "User-Agent: " WEBHOOKS_USER_AGENT);
	wh_http_add_header(req, "Expect:");
	wh_http_add_header(req, "webhook-id: %s", id);
	wh_http_add_header(req, "webhook-timestamp: %s", ts);

	secret = col_text(tup, desc, C_SECRET);
	if (col_bool(tup, desc, C_HMAC_ENABLED) && secret != NULL)
	{
		unsigned char key[WH_MAX_KEY_LEN];
		int			key_len = wh_secret_key(secret, strlen(secret), key,
											sizeof(key));
		char		sig[WH_SIGNATURE_LEN + 1];
		char	   *tag = col_text(tup, desc, C_TAG);

		if (key_len < 0 ||
			wh_sign(key, key_len, id, ts, req->body, req->body_len, sig) < 0)
			elog(ERROR, "webhooks: could not sign a delivery");
		explicit_bzero(key, sizeof(key));
		wh_http_add_header(req, "webhook-signature: %s", sig);
		wh_http_add_header(req, "Socotra-Signature: %s", sig);
		if (tag != NULL)
			wh_http_add_header(req, "Socotra-Signature-Tag: %s", tag);
	}
	if (secret != NULL)
		explicit_bzero(secret, strlen(secret));

	headers = col(tup, desc, C_HEADERS, &isnull);
	if (!isnull)
		add_custom_headers(req, DatumGetJsonbP(headers));
}

/*
 * wh_delivery_from_claim builds a delivery from one row of _claim() in cxt.
 * Deliveries that must not be sent (D10, D12b) come back already judged.
 */
WhDelivery *
wh_delivery_from_claim(HeapTuple tup, TupleDesc desc, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	WhDelivery *d = palloc0(sizeof(WhDelivery));
	bool		isnull;
	Datum		v;

	col_uuid(tup, desc, C_TENANT, &d->tenant);
	col_uuid(tup, desc, C_WEBHOOK, &d->webhook);
	col_uuid(tup, desc, C_EVENT, &d->event);
	d->attempt = DatumGetInt32(col(tup, desc, C_ATTEMPT, &isnull));
	d->resend = col_bool(tup, desc, C_RESEND);
	d->attempted_at = GetCurrentTimestamp();
	d->sent = true;

	v = col(tup, desc, C_TRIGGERS, &isnull);
	if (!isnull)
	{
		Datum	   *elems;
		bool	   *nulls;

		deconstruct_array(DatumGetArrayTypeP(v), TEXTOID, -1, false,
						  TYPALIGN_INT, &elems, &nulls, &d->ntriggers);
		d->triggers = palloc(sizeof(char *) * Max(d->ntriggers, 1));
		for (int i = 0; i < d->ntriggers; i++)
			d->triggers[i] = TextDatumGetCString(elems[i]);
	}
	d->divert = col_bool(tup, desc, C_DIVERT);
	d->suspend = col_bool(tup, desc, C_SUSPEND);
	{
		char	   *rt = col_text(tup, desc, C_RETRY_TYPE);

		if (rt != NULL)
		{
			d->retry_type = strcmp(rt, "exponential") == 0 ?
				WH_POLICY_EXPONENTIAL : WH_POLICY_LINEAR;
			d->retry_interval = DatumGetInt64(col(tup, desc, C_RETRY_INTERVAL, &isnull));
			d->retry_attempts = DatumGetInt32(col(tup, desc, C_RETRY_ATTEMPTS, &isnull));
		}
	}

	/* what must not be sent (a resend goes whatever the state, D10) */
	if (SPI_getbinval(tup, desc, C_URL, &isnull), isnull)
		settle(d, "dropped", NULL, "webhook deleted");
	else if (SPI_getbinval(tup, desc, C_PAYLOAD, &isnull), isnull)
		settle(d, "dropped", NULL, "event no longer stored");
	else if (!d->resend && !col_bool(tup, desc, C_ENABLED))
		settle(d, "dropped", NULL, "webhook disabled");
	else if (!d->resend && col_bool(tup, desc, C_SUSPENDED))
	{
		if (d->divert)
		{
			settle(d, "failed", "suspended", "webhook suspended");
			d->divert_now = true;
		}
		else
			settle(d, "dropped", NULL, "webhook suspended");
	}
	else
		build_request(d, tup, desc);

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
	d->outcome = "failed";
	d->divert_now = d->divert;
	d->suspend_now = d->suspend;
}

/*
 * wh_delivery_judge decides the outcome of a finished request (D7, D8).
 */
void
wh_delivery_judge(WhDelivery *d)
{
	WhRequest  *req = &d->req;
	int			status = WH_STATUS_NONE;
	int			match;

	if (req->blocked)
	{
		d->message = pstrdup("connection refused: address blocked by webhooks.blocked_networks");
		status = WH_STATUS_NONE;
	}
	else if (req->status > 0)
	{
		status = req->status;
		if (wh_status_is_success(status))
		{
			d->outcome = "delivered";
			return;
		}
		d->message = psprintf("HTTP %d", status);
	}
	else
		d->message = pstrdup(req->error[0] ? req->error : "no response");

	match = wh_trigger_match((const char *const *) d->triggers, d->ntriggers,
							 status);
	if (match < 0)
	{
		/* not a failure this webhook handles: recorded and dropped */
		d->outcome = "failed";
		d->trigger = NULL;
		return;
	}
	d->trigger = d->triggers[match];

	/* blocked addresses and 410 Gone are final at once (D7, D12b) */
	if (req->blocked || status == 410 || d->retry_type == 0 ||
		d->attempt > d->retry_attempts)
	{
		final_failure(d);
		return;
	}

	{
		double		jitter = pg_prng_double(&pg_global_prng_state);
		int64		delay = wh_retry_delay_ms(d->retry_type, d->retry_interval,
											  d->attempt, jitter);

		if (req->retry_after[0] != '\0')
			delay = wh_retry_after_delay(status,
										 wh_parse_retry_after(req->retry_after,
															  time(NULL)),
										 delay);
		d->outcome = "retrying";
		d->retry_at = GetCurrentTimestamp() + delay * 1000;
	}
}

/*
 * wh_delivery_free releases a delivery once its outcome is recorded.
 */
void
wh_delivery_free(WhDelivery *d)
{
	wh_http_release(&d->req);
	if (d->req.url)
		pfree(d->req.url);
	if (d->req.body)
		pfree(d->req.body);
	if (d->message)
		pfree(d->message);
	for (int i = 0; i < d->ntriggers; i++)
		pfree(d->triggers[i]);
	if (d->triggers)
		pfree(d->triggers);
	pfree(d);
}
