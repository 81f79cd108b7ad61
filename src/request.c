/*-------------------------------------------------------------------------
 *
 * request.c
 *	  Parsing and validation of CreateWebhookRequest and
 *	  UpdateWebhookRequest documents (DESIGN.md D1, D2, D4, D5).
 *
 * A create request is applied to a webhook initialised with the defaults; an
 * update request is applied to the stored webhook, removals first and then
 * additions.  Every problem raises 22023 naming the field; since nothing is
 * written before parsing ends, a bad request changes nothing.
 *
 * IDENTIFICATION
 *	  src/request.c
 *
 *-------------------------------------------------------------------------
 */
#include "pg_prelude.h"

#include "mb/pg_wchar.h"

#include "checks.h"
#include "event_types.h"
#include "jsonb_util.h"
#include "request.h"
#include "webhooks.h"

static const char *const create_fields[] = {
	"name", "enabled", "endpoint", "failureHandling", "eventTypes",
	"useAutomationPlugin", NULL
};
static const char *const update_fields[] = {
	"name", "enabled", "endpoint", "failureHandling", "removeFailureHandling",
	"addEventTypes", "removeEventTypes", NULL
};
static const char *const create_endpoint_fields[] = {
	"url", "headers", "secureSsl", "hmacEnabled", "secret", "tag", NULL
};
static const char *const update_endpoint_fields[] = {
	"url", "addHeaders", "removeHeaders", "secureSsl", "hmacEnabled",
	"secret", "tag", NULL
};
static const char *const create_failure_fields[] = {
	"triggers", "divert", "suspend", "retryStrategy", "alertEndpoint", NULL
};
static const char *const update_failure_fields[] = {
	"addTriggers", "removeTriggers", "divert", "suspend", "retryStrategy",
	"removeRetryStrategy", "alertEndpoint", "removeAlertEndpoint", NULL
};
static const char *const retry_fields[] = {
	"type", "interval", "attempts", NULL
};

/*
 * check_name validates a webhook name: non-empty, printable, at most
 * webhooks.max_name_length characters.
 */
static void
check_name(const char *name)
{
	if (name[0] == '\0')
		jb_invalid("name", "must not be empty", NULL);
	for (const char *p = name; *p; p++)
	{
		if ((unsigned char) *p < 0x20 || *p == 0x7F)
			jb_invalid("name", "must not contain control characters", NULL);
	}
	if (pg_mbstrlen(name) > webhooks_max_name_length)
		jb_invalid("name",
				   psprintf("must be at most %d characters long",
							webhooks_max_name_length), NULL);
}

/*
 * check_text runs a check from checks.c on a string field.
 */
static void
check_text(const char *field, const char *value,
		   const char *(*check) (const char *, size_t))
{
	const char *reason = check(value, strlen(value));

	if (reason != NULL)
		jb_invalid(field, reason, NULL);
}

/*
 * parse_header_map reads a map of header names to lists of values (the
 * "headers" and "addHeaders" fields) and sets each header on headers.
 */
static List *
parse_header_map(JsonbContainer *map, const char *field, List *headers)
{
	JsonbIterator *it = JsonbIteratorInit(map);
	JsonbValue	v;
	JsonbIteratorToken r;
	List	   *seen = NIL;
	char	   *name = NULL;

	while ((r = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (r == WJB_KEY)
		{
			const char *reason;
			ListCell   *lc;

			name = pnstrdup(v.val.string.val, v.val.string.len);
			reason = wh_check_header_name(name, strlen(name));
			if (reason != NULL)
				jb_invalid(name[0] ? jb_path(field, name) : field, reason, NULL);
			if (wh_header_is_reserved(name, strlen(name)))
				jb_invalid(jb_path(field, name),
						   "header is set by the extension and may not be overridden",
						   "Content-Type, Content-Length, Host, User-Agent, Transfer-Encoding, Connection and the signature headers are reserved.");
			foreach(lc, seen)
			{
				if (pg_strcasecmp(lfirst(lc), name) == 0)
					jb_invalid(jb_path(field, name),
							   "header name is given twice in different case",
							   NULL);
			}
			seen = lappend(seen, name);
		}
		else if (r == WJB_VALUE)
		{
			char	   *vfield = jb_path(field, name);
			List	   *values;
			ListCell   *lc;

			if (v.type != jbvBinary || !JsonContainerIsArray(v.val.binary.data))
				jb_invalid(vfield, "expected an array of strings", NULL);
			values = jb_container_string_array(v.val.binary.data, vfield);
			if (values == NIL)
				jb_invalid(vfield, "must list at least one value", NULL);
			foreach(lc, values)
			{
				const char *reason;

				reason = wh_check_header_value(lfirst(lc), strlen(lfirst(lc)),
											   webhooks_max_header_value_bytes);
				if (reason != NULL)
					jb_invalid(vfield, reason, NULL);
			}
			headers = wh_header_set(headers, name, values);
		}
	}
	return headers;
}

/*
 * check_header_limits checks an endpoint's headers as they stand after a
 * request against the limits that keep building and sending a request
 * cheap: how many headers, how many values each, and their size as sent.
 * Values are never part of the message; they can be secrets.
 */
static void
check_header_limits(List *headers, const char *field)
{
	ListCell   *lc;
	uint64		bytes;

	if (list_length(headers) > webhooks_max_headers)
		jb_invalid(field,
				   psprintf("an endpoint may have at most %d custom headers",
							webhooks_max_headers), NULL);
	foreach(lc, headers)
	{
		WhHeader   *h = lfirst(lc);

		if (list_length(h->values) > webhooks_max_header_values)
			jb_invalid(jb_path(field, h->name),
					   psprintf("a header may have at most %d values, this one has %d",
								webhooks_max_header_values,
								list_length(h->values)), NULL);
	}
	bytes = wh_headers_bytes(headers);
	if (bytes > (uint64) webhooks_max_headers_bytes)
		jb_invalid(field,
				   psprintf("an endpoint's custom headers may take at most %d bytes as sent, these take " UINT64_FORMAT,
							webhooks_max_headers_bytes, bytes),
				   "Each value is sent as a line of its own: the name, \": \", the value and CRLF.");
}

/*
 * parse_endpoint applies an endpoint request to ep: a CreateEndpointRequest
 * when !update, else an UpdateEndpointRequest.  Checks that depend on the
 * whole endpoint are left to finish_endpoint.
 */
static void
parse_endpoint(JsonbContainer *obj, const char *path, WhEndpoint *ep,
			   bool update)
{
	char	   *url;
	char	   *s;
	JsonbContainer *map;
	bool		present;

	jb_check_fields(obj, path,
					update ? update_endpoint_fields : create_endpoint_fields);

	url = jb_get_string(obj, path, "url");
	if (url != NULL)
	{
		const char *reason = wh_check_url(url, strlen(url),
										  webhooks_max_url_length);

		if (reason != NULL)
			jb_invalid(jb_path(path, "url"), reason,
					   strcmp(reason, "must not contain credentials") == 0 ?
					   "Send credentials in a custom header such as Authorization." : NULL);
		ep->url = url;
	}

	if (update)
	{
		List	   *remove = jb_get_string_array(obj, path, "removeHeaders",
												 &present);
		ListCell   *lc;

		foreach(lc, remove)
			ep->headers = wh_header_remove(ep->headers, lfirst(lc));
		map = jb_get_object(obj, path, "addHeaders");
		if (map != NULL)
			ep->headers = parse_header_map(map, jb_path(path, "addHeaders"),
										   ep->headers);
	}
	else
	{
		map = jb_get_object(obj, path, "headers");
		if (map != NULL)
			ep->headers = parse_header_map(map, jb_path(path, "headers"),
										   ep->headers);
	}
	check_header_limits(ep->headers,
						jb_path(path, update ? "addHeaders" : "headers"));

	jb_get_bool(obj, path, "secureSsl", &ep->secure_ssl);
	jb_get_bool(obj, path, "hmacEnabled", &ep->hmac_enabled);

	s = jb_get_string(obj, path, "secret");
	if (s != NULL)
	{
		check_text(jb_path(path, "secret"), s, wh_check_secret);
		ep->secret = s;
	}
	else if (update && getKeyJsonValueFromContainer(obj, "secret", 6, NULL))
		ep->secret = NULL;		/* explicit null clears the secret */

	s = jb_get_string(obj, path, "tag");
	if (s != NULL)
	{
		check_text(jb_path(path, "tag"), s, wh_check_tag);
		ep->tag = s;
	}
	else if (update && getKeyJsonValueFromContainer(obj, "tag", 3, NULL))
		ep->tag = NULL;			/* explicit null clears the tag */
}

/*
 * finish_endpoint checks an endpoint as it stands after a request: it must
 * have a URL, a signing endpoint gets a generated secret when it has none,
 * and a tag needs a secret.
 */
static void
finish_endpoint(WhEndpoint *ep, const char *path)
{
	if (ep->url == NULL)
		jb_invalid(jb_path(path, "url"), "is required", NULL);
	if (ep->hmac_enabled && ep->secret == NULL)
		ep->secret = wh_generate_secret();
	if (ep->tag != NULL && ep->secret == NULL)
		jb_invalid(jb_path(path, "tag"), "requires a secret",
				   "Give \"secret\" too, or set \"hmacEnabled\" to have one generated.");
}

/*
 * parse_triggers validates failure triggers and appends them to list,
 * without duplicates.
 */
static List *
parse_triggers(List *triggers, const char *field, List *list)
{
	ListCell   *lc;
	int			i = 0;

	foreach(lc, triggers)
	{
		const char *reason = wh_check_trigger(lfirst(lc), strlen(lfirst(lc)));

		if (reason != NULL)
			jb_invalid(psprintf("%s[%d]", field, i), reason, NULL);
		list = wh_string_list_add(list, lfirst(lc));
		i++;
	}
	return list;
}

/*
 * parse_retry reads a retry strategy; it always replaces the whole
 * strategy (D1).
 */
static void
parse_retry(JsonbContainer *obj, const char *path, WhRetryStrategy *rs)
{
	char	   *type;
	int64		v;

	jb_check_fields(obj, path, retry_fields);

	type = jb_get_string(obj, path, "type");
	if (type == NULL)
		jb_invalid(jb_path(path, "type"), "is required",
				   "Use \"linear\" or \"exponential\".");
	if (strcmp(type, "linear") == 0)
		rs->type = WH_RETRY_LINEAR;
	else if (strcmp(type, "exponential") == 0)
		rs->type = WH_RETRY_EXPONENTIAL;
	else
		jb_invalid(jb_path(path, "type"),
				   "must be \"linear\" or \"exponential\"", NULL);

	if (!jb_get_int(obj, path, "interval", WH_RETRY_MIN_INTERVAL,
					WH_RETRY_MAX_INTERVAL, &v))
		jb_invalid(jb_path(path, "interval"), "is required",
				   "The interval is in milliseconds.");
	rs->interval = v;

	if (jb_get_int(obj, path, "attempts", WH_RETRY_MIN_ATTEMPTS,
				   WH_RETRY_MAX_ATTEMPTS, &v))
		rs->attempts = (int32) v;
	else
		rs->attempts = WH_RETRY_DEFAULT_ATTEMPTS;
}

/*
 * parse_alert applies an alertEndpoint request; an update creates the
 * alert endpoint when there is none yet.
 */
static void
parse_alert(JsonbContainer *obj, const char *path, WhWebhook *wh, bool update)
{
	JsonbContainer *ep = jb_get_object(obj, path, "alertEndpoint");
	char	   *epath = jb_path(path, "alertEndpoint");

	if (ep == NULL)
		return;
	if (wh->alert == NULL)
	{
		wh->alert = palloc(sizeof(WhEndpoint));
		wh_endpoint_init(wh->alert);
	}
	parse_endpoint(ep, epath, wh->alert, update);
	finish_endpoint(wh->alert, epath);
}

/*
 * parse_failure_create reads a FailureHandlingCreateRequest.
 */
static void
parse_failure_create(JsonbContainer *obj, WhWebhook *wh)
{
	const char *path = "failureHandling";
	List	   *triggers;
	bool		present;
	JsonbContainer *rs;

	jb_check_fields(obj, path, create_failure_fields);

	triggers = jb_get_string_array(obj, path, "triggers", &present);
	if (present)
		wh->triggers = parse_triggers(triggers, jb_path(path, "triggers"), NIL);
	jb_get_bool(obj, path, "divert", &wh->divert);
	jb_get_bool(obj, path, "suspend", &wh->suspend);
	rs = jb_get_object(obj, path, "retryStrategy");
	if (rs != NULL)
		parse_retry(rs, jb_path(path, "retryStrategy"), &wh->retry);
	parse_alert(obj, path, wh, false);
}

/*
 * parse_failure_update applies a FailureHandlingUpdateRequest, removals
 * first.
 */
static void
parse_failure_update(JsonbContainer *obj, WhWebhook *wh)
{
	const char *path = "failureHandling";
	List	   *list;
	ListCell   *lc;
	bool		present;
	bool		flag;
	JsonbContainer *rs;

	jb_check_fields(obj, path, update_failure_fields);

	list = jb_get_string_array(obj, path, "removeTriggers", &present);
	foreach(lc, list)
		wh->triggers = wh_string_list_remove(wh->triggers, lfirst(lc));
	list = jb_get_string_array(obj, path, "addTriggers", &present);
	wh->triggers = parse_triggers(list, jb_path(path, "addTriggers"),
								  wh->triggers);

	jb_get_bool(obj, path, "divert", &wh->divert);
	jb_get_bool(obj, path, "suspend", &wh->suspend);

	if (jb_get_bool(obj, path, "removeRetryStrategy", &flag) && flag)
		memset(&wh->retry, 0, sizeof(wh->retry));
	rs = jb_get_object(obj, path, "retryStrategy");
	if (rs != NULL)
		parse_retry(rs, jb_path(path, "retryStrategy"), &wh->retry);

	if (jb_get_bool(obj, path, "removeAlertEndpoint", &flag) && flag)
		wh->alert = NULL;
	parse_alert(obj, path, wh, true);
}

/*
 * wh_parse_create_request applies a CreateWebhookRequest to a webhook
 * initialised with the defaults.
 */
void
wh_parse_create_request(Jsonb *request, WhWebhook *wh)
{
	JsonbContainer *root = jb_root_object(request, "create request");
	JsonbContainer *obj;
	List	   *types;
	bool		present;

	jb_check_fields(root, "", create_fields);

	wh->name = jb_get_string(root, "", "name");
	if (wh->name == NULL)
		jb_invalid("name", "is required", NULL);
	check_name(wh->name);

	jb_get_bool(root, "", "enabled", &wh->enabled);

	obj = jb_get_object(root, "", "endpoint");
	if (obj == NULL)
		jb_invalid("endpoint", "is required",
				   "An endpoint needs at least \"url\".");
	parse_endpoint(obj, "endpoint", &wh->endpoint, false);
	finish_endpoint(&wh->endpoint, "endpoint");

	obj = jb_get_object(root, "", "failureHandling");
	if (obj != NULL)
		parse_failure_create(obj, wh);

	types = jb_get_string_array(root, "", "eventTypes", &present);
	if (!present)
		jb_invalid("eventTypes", "is required", NULL);
	if (types == NIL)
		jb_invalid("eventTypes", "must name at least one event type", NULL);
	wh->event_types = wh_event_types_check(types, "eventTypes", NIL);

	jb_get_bool(root, "", "useAutomationPlugin", &wh->use_automation_plugin);
}

/*
 * wh_parse_update_request applies an UpdateWebhookRequest to a stored
 * webhook: absent fields leave it unchanged, removals come before
 * additions.
 */
void
wh_parse_update_request(Jsonb *request, WhWebhook *wh)
{
	JsonbContainer *root = jb_root_object(request, "update request");
	JsonbContainer *obj;
	List	   *list;
	ListCell   *lc;
	bool		present;
	bool		flag;
	char	   *name;

	jb_check_fields(root, "", update_fields);

	name = jb_get_string(root, "", "name");
	if (name != NULL)
	{
		check_name(name);
		wh->name = name;
	}

	jb_get_bool(root, "", "enabled", &wh->enabled);

	obj = jb_get_object(root, "", "endpoint");
	if (obj != NULL)
	{
		parse_endpoint(obj, "endpoint", &wh->endpoint, true);
		finish_endpoint(&wh->endpoint, "endpoint");
	}

	if (jb_get_bool(root, "", "removeFailureHandling", &flag) && flag)
		wh_failure_handling_reset(wh);
	obj = jb_get_object(root, "", "failureHandling");
	if (obj != NULL)
		parse_failure_update(obj, wh);

	list = jb_get_string_array(root, "", "removeEventTypes", &present);
	foreach(lc, list)
		wh->event_types = wh_string_list_remove(wh->event_types, lfirst(lc));
	list = jb_get_string_array(root, "", "addEventTypes", &present);
	if (present)
		wh->event_types = wh_event_types_check(list, "addEventTypes",
											   wh->event_types);
	if (wh->event_types == NIL)
		jb_invalid("removeEventTypes",
				   "a webhook must stay subscribed to at least one event type",
				   NULL);
}
