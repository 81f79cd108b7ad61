/*-------------------------------------------------------------------------
 *
 * config.c
 *	  Defaults and small operations on a webhook's configuration: the
 *	  default failure-handling strategy, header lists with case-insensitive
 *	  names, ordered string sets, and secret generation.
 *
 * IDENTIFICATION
 *	  src/config.c
 *
 *-------------------------------------------------------------------------
 */
#include "pg_prelude.h"

#include "common/base64.h"

#include "config.h"
#include "checks.h"

/* the spec's default triggers */
static const char *const default_triggers[] = {"4xx", "5xx", "timeout"};

/*
 * wh_endpoint_init sets an endpoint to the defaults of D1: certificates
 * verified, no signing, no headers.
 */
void
wh_endpoint_init(WhEndpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	ep->secure_ssl = true;
	ep->hmac_enabled = false;
	ep->headers = NIL;
}

/*
 * wh_failure_handling_reset sets the default strategy: triggers 4xx, 5xx
 * and timeout; no divert, suspend, retries or alert endpoint.
 */
void
wh_failure_handling_reset(WhWebhook *wh)
{
	wh->triggers = NIL;
	for (int i = 0; i < lengthof(default_triggers); i++)
		wh->triggers = lappend(wh->triggers, pstrdup(default_triggers[i]));
	wh->divert = false;
	wh->suspend = false;
	wh->retry.type = WH_RETRY_NONE;
	wh->retry.interval = 0;
	wh->retry.attempts = 0;
	wh->alert = NULL;
}

/*
 * wh_webhook_init sets a new webhook of a tenant to the defaults of D1.
 */
void
wh_webhook_init(WhWebhook *wh, const pg_uuid_t *tenant)
{
	memset(wh, 0, sizeof(*wh));
	wh->tenant = *tenant;
	wh->enabled = true;
	wh_endpoint_init(&wh->endpoint);
	wh_failure_handling_reset(wh);
}

/*
 * wh_header_find returns the header of that name, in any case, or NULL.
 */
WhHeader *
wh_header_find(List *headers, const char *name)
{
	ListCell   *lc;

	foreach(lc, headers)
	{
		WhHeader   *h = lfirst(lc);

		if (pg_strcasecmp(h->name, name) == 0)
			return h;
	}
	return NULL;
}

/*
 * wh_header_remove removes the header of that name, in any case.
 */
List *
wh_header_remove(List *headers, const char *name)
{
	ListCell   *lc;

	foreach(lc, headers)
	{
		WhHeader   *h = lfirst(lc);

		if (pg_strcasecmp(h->name, name) == 0)
			return foreach_delete_current(headers, lc);
	}
	return headers;
}

/*
 * wh_header_set gives a header these values, replacing the values (and
 * the spelling of the name) of a header of that name in any case.
 */
List *
wh_header_set(List *headers, const char *name, List *values)
{
	WhHeader   *h = wh_header_find(headers, name);

	if (h == NULL)
	{
		h = palloc(sizeof(WhHeader));
		headers = lappend(headers, h);
	}
	h->name = pstrdup(name);
	h->values = values;
	return headers;
}

/*
 * wh_headers_bytes returns the size of a header list as sent: a line of
 * name, ": ", value and CRLF for each value.
 */
uint64
wh_headers_bytes(List *headers)
{
	uint64		bytes = 0;
	ListCell   *lc;

	foreach(lc, headers)
	{
		WhHeader   *h = lfirst(lc);
		size_t		name_len = strlen(h->name);
		ListCell   *vc;

		foreach(vc, h->values)
			bytes += name_len + WH_HEADER_LINE_OVERHEAD + strlen(lfirst(vc));
	}
	return bytes;
}

/*
 * wh_string_list_remove removes s from an ordered set of strings.
 */
List *
wh_string_list_remove(List *list, const char *s)
{
	ListCell   *lc;

	foreach(lc, list)
	{
		if (strcmp(lfirst(lc), s) == 0)
			return foreach_delete_current(list, lc);
	}
	return list;
}

/*
 * wh_string_list_add appends s to an ordered set of strings unless it is
 * there already.
 */
List *
wh_string_list_add(List *list, const char *s)
{
	ListCell   *lc;

	foreach(lc, list)
	{
		if (strcmp(lfirst(lc), s) == 0)
			return list;
	}
	return lappend(list, pstrdup(s));
}

/*
 * wh_text_array builds a text[] datum from a List of C strings.
 */
Datum
wh_text_array(List *list)
{
	int			n = list_length(list);
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));
	int			i = 0;
	ListCell   *lc;

	foreach(lc, list)
		elems[i++] = CStringGetTextDatum(lfirst(lc));
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false,
										   TYPALIGN_INT));
}

/*
 * wh_generate_secret returns a new signing secret: "whsec_" followed by
 * the base64 of 32 strong random bytes.
 */
char *
wh_generate_secret(void)
{
	unsigned char key[32];
	int			enc_len = pg_b64_enc_len(sizeof(key));
	char	   *out = palloc(strlen(WH_SECRET_PREFIX) + enc_len + 1);
	int			n;

	if (!pg_strong_random(key, sizeof(key)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a signing secret")));
	strcpy(out, WH_SECRET_PREFIX);
	n = pg_b64_encode((const char *) key, sizeof(key),
					  out + strlen(WH_SECRET_PREFIX), enc_len);
	if (n < 0)
		elog(ERROR, "could not encode a signing secret");
	out[strlen(WH_SECRET_PREFIX) + n] = '\0';
	explicit_bzero(key, sizeof(key));
	return out;
}

/*
 * wh_retry_type_name returns the API name of a retry type.
 */
const char *
wh_retry_type_name(WhRetryType type)
{
	switch (type)
	{
		case WH_RETRY_LINEAR:
			return "linear";
		case WH_RETRY_EXPONENTIAL:
			return "exponential";
		case WH_RETRY_NONE:
			break;
	}
	return NULL;
}
