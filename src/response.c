/*-------------------------------------------------------------------------
 *
 * response.c
 *	  Building WebhookResponse and WebhookListResponse documents.
 *
 * Each object carries every property its schema lists, null where there is
 * no value, and nothing else (doc/decisions.md §2).
 *
 * IDENTIFICATION
 *	  src/response.c
 *
 *-------------------------------------------------------------------------
 */
#include "pg_prelude.h"

#include "jsonb_util.h"
#include "response.h"

/*
 * push_endpoint pushes key: EndpointResponse, or key: null.
 */
static void
push_endpoint(JsonbParseState **st, const char *key, const WhEndpoint *ep)
{
	ListCell   *lc;

	if (ep == NULL)
	{
		jb_put_null(st, key);
		return;
	}
	jb_put_key(st, key);
	pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
	jb_put_string(st, "url", ep->url);
	jb_put_key(st, "headers");
	pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
	foreach(lc, ep->headers)
	{
		WhHeader   *h = lfirst(lc);

		jb_put_string_array(st, h->name, h->values);
	}
	pushJsonbValue(st, WJB_END_OBJECT, NULL);
	jb_put_bool(st, "secureSsl", ep->secure_ssl);
	jb_put_bool(st, "hmacEnabled", ep->hmac_enabled);
	jb_put_string(st, "secret", ep->secret);
	jb_put_string(st, "tag", ep->tag);
	pushJsonbValue(st, WJB_END_OBJECT, NULL);
}

/*
 * push_failure_handling pushes "failureHandling": FailureHandlingResponse.
 */
static void
push_failure_handling(JsonbParseState **st, const WhWebhook *wh)
{
	jb_put_key(st, "failureHandling");
	pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
	jb_put_string_array(st, "triggers", wh->triggers);
	jb_put_bool(st, "divert", wh->divert);
	jb_put_bool(st, "suspend", wh->suspend);
	if (wh->retry.type == WH_RETRY_NONE)
		jb_put_null(st, "retryStrategy");
	else
	{
		jb_put_key(st, "retryStrategy");
		pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
		jb_put_string(st, "type", wh_retry_type_name(wh->retry.type));
		jb_put_int64(st, "interval", wh->retry.interval);
		jb_put_int64(st, "attempts", wh->retry.attempts);
		pushJsonbValue(st, WJB_END_OBJECT, NULL);
	}
	push_endpoint(st, "alertEndpoint", wh->alert);
	pushJsonbValue(st, WJB_END_OBJECT, NULL);
}

/*
 * push_webhook pushes one WebhookResponse object.
 */
static JsonbValue *
push_webhook(JsonbParseState **st, const WhWebhook *wh)
{
	pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
	jb_put_string(st, "locator", ulid_to_cstring(&wh->locator));
	jb_put_string(st, "name", wh->name);
	jb_put_bool(st, "enabled", wh->enabled);
	push_endpoint(st, "endpoint", &wh->endpoint);
	push_failure_handling(st, wh);
	jb_put_bool(st, "suspended", wh->suspended);
	if (wh->suspended)
		jb_put_timestamp(st, "suspendedAt", wh->suspended_at);
	else
		jb_put_null(st, "suspendedAt");
	jb_put_string_array(st, "eventTypes", wh->event_types);
	return pushJsonbValue(st, WJB_END_OBJECT, NULL);
}

/*
 * wh_webhook_response builds a WebhookResponse.
 */
Jsonb *
wh_webhook_response(const WhWebhook *wh)
{
	JsonbParseState *st = NULL;

	return JsonbValueToJsonb(push_webhook(&st, wh));
}

/*
 * wh_webhook_list_response builds a WebhookListResponse.
 */
Jsonb *
wh_webhook_list_response(List *webhooks, bool completed)
{
	JsonbParseState *st = NULL;
	JsonbValue *res;
	ListCell   *lc;

	pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	jb_put_bool(&st, "listCompleted", completed);
	jb_put_key(&st, "items");
	pushJsonbValue(&st, WJB_BEGIN_ARRAY, NULL);
	foreach(lc, webhooks)
		push_webhook(&st, lfirst(lc));
	pushJsonbValue(&st, WJB_END_ARRAY, NULL);
	res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
}
