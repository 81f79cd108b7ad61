/*-------------------------------------------------------------------------
 *
 * api.c
 *	  The Webhooks API as SQL functions: create_webhook, fetch_webhook,
 *	  fetch_webhooks, update_webhook, unsuspend_webhook and delete_webhook.
 *
 * Each takes the tenant first, then the path parameters, then the request,
 * and returns the spec's response shape as jsonb (or void where the spec
 * answers 204).  Errors carry the SQLSTATEs of doc/decisions.md §2, which PostgREST
 * maps to Socotra's HTTP statuses.
 *
 * IDENTIFICATION
 *	  src/api.c
 *
 *-------------------------------------------------------------------------
 */
#include "pg_prelude.h"

#include "call.h"
#include "events.h"
#include "event_types.h"
#include "jsonb_util.h"
#include "request.h"
#include "response.h"
#include "store.h"
#include "webhooks.h"

#define LIST_DEFAULT_COUNT	100
#define LIST_MAX_COUNT		1000

/*
 * webhooks_create_webhook implements createWebhook.
 */
WH_API_FUNCTION(webhooks_create_webhook)
{
	pg_uuid_t  *tenant;
	WhWebhook	wh;

	wh_arg_not_null(fcinfo, 1, "request");
	tenant = wh_begin_call(fcinfo);
	wh_webhook_init(&wh, tenant);
	wh_parse_create_request(PG_GETARG_JSONB_P(1), &wh);
	wh_store_insert(&wh);
	PG_RETURN_DATUM(wh_end_call(wh_webhook_response(&wh)));
}

/*
 * webhooks_fetch_webhook implements fetchWebhook.
 */
WH_API_FUNCTION(webhooks_fetch_webhook)
{
	pg_uuid_t  *tenant = wh_begin_call(fcinfo);
	pg_ulid    *locator = wh_get_locator(fcinfo, 1, "webhook_locator");
	WhWebhook	wh;

	if (!wh_store_load(tenant, locator, false, &wh))
		wh_not_found("webhook", locator);
	PG_RETURN_DATUM(wh_end_call(wh_webhook_response(&wh)));
}

/*
 * webhooks_fetch_webhooks implements fetchWebhooks: one page of the
 * tenant's webhooks in locator order, with optional filters that combine
 * with AND.
 */
WH_API_FUNCTION(webhooks_fetch_webhooks)
{
	WhListFilter f;
	List	   *page;
	bool		completed;

	memset(&f, 0, sizeof(f));
	f.tenant = *wh_begin_call(fcinfo);

	f.offset = PG_ARGISNULL(1) ? 0 : PG_GETARG_INT32(1);
	if (f.offset < 0)
		jb_invalid("offset", "must not be negative", NULL);
	f.count = PG_ARGISNULL(2) ? LIST_DEFAULT_COUNT : PG_GETARG_INT32(2);
	if (f.count < 1 || f.count > LIST_MAX_COUNT)
		jb_invalid("count", psprintf("must be from 1 to %d", LIST_MAX_COUNT),
				   NULL);
	if (!PG_ARGISNULL(3))
		f.name = text_to_cstring(PG_GETARG_TEXT_PP(3));
	if ((f.has_enabled = !PG_ARGISNULL(4)))
		f.enabled = PG_GETARG_BOOL(4);
	if ((f.has_suspended = !PG_ARGISNULL(5)))
		f.suspended = PG_GETARG_BOOL(5);
	if ((f.has_active = !PG_ARGISNULL(6)))
		f.active = PG_GETARG_BOOL(6);
	if (!PG_ARGISNULL(7))
	{
		ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(7);
		Datum	   *elems;
		bool	   *nulls;
		int			n;
		List	   *types = NIL;

		deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, &nulls, &n);
		for (int i = 0; i < n; i++)
		{
			if (nulls[i])
				jb_invalid(psprintf("eventTypes[%d]", i), "must not be null",
						   NULL);
			types = lappend(types, TextDatumGetCString(elems[i]));
		}
		/* an empty filter list filters nothing */
		if (types != NIL)
		{
			f.has_event_types = true;
			f.event_types = wh_event_type_filter(types, "eventTypes");
		}
	}
	/* "extended" (argument 8) is accepted; the envelope is always returned */

	page = wh_store_list(&f, &completed);
	PG_RETURN_DATUM(wh_end_call(wh_webhook_list_response(page, completed)));
}

/*
 * webhooks_update_webhook implements updateWebhook: the stored webhook,
 * locked, with the request applied, removals first.
 */
WH_API_FUNCTION(webhooks_update_webhook)
{
	pg_uuid_t  *tenant;
	pg_ulid    *locator;
	WhWebhook	wh;

	wh_arg_not_null(fcinfo, 2, "request");
	tenant = wh_begin_call(fcinfo);
	locator = wh_get_locator(fcinfo, 1, "webhook_locator");
	if (!wh_store_load(tenant, locator, true, &wh))
		wh_not_found("webhook", locator);
	wh_parse_update_request(PG_GETARG_JSONB_P(2), &wh);
	wh_store_update(&wh);
	wh_config_changed_at_commit();
	PG_RETURN_DATUM(wh_end_call(wh_webhook_response(&wh)));
}

/*
 * webhooks_unsuspend_webhook implements unsuspendWebhook.  It clears the
 * suspension only; nothing diverted is resent.
 */
WH_API_FUNCTION(webhooks_unsuspend_webhook)
{
	pg_uuid_t  *tenant = wh_begin_call(fcinfo);
	pg_ulid    *locator = wh_get_locator(fcinfo, 1, "webhook_locator");

	if (!wh_store_unsuspend(tenant, locator))
		wh_not_found("webhook", locator);
	wh_config_changed_at_commit();
	wh_end_call(NULL);
	PG_RETURN_VOID();
}

/*
 * webhooks_delete_webhook implements deleteWebhook.
 */
WH_API_FUNCTION(webhooks_delete_webhook)
{
	pg_uuid_t  *tenant = wh_begin_call(fcinfo);
	pg_ulid    *locator = wh_get_locator(fcinfo, 1, "webhook_locator");

	if (!wh_store_delete(tenant, locator))
		wh_not_found("webhook", locator);
	wh_config_changed_at_commit();
	wh_end_call(NULL);
	PG_RETURN_VOID();
}
