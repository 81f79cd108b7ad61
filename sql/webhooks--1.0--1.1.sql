/* webhooks--1.0--1.1.sql: upgrade from version 1.0 to 1.1 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION webhooks UPDATE TO '1.1'" to load this file. \quit

/*
 * Every change since 1.0 is made here, grouped by what it serves; a fresh
 * install of 1.1 runs webhooks--1.0.sql and then this file (see the Makefile).
 */

/* ---- REST API for PostgREST (issue 12) ---- */

/*
 * Schema webhooks_rest is what PostgREST exposes (db-schemas =
 * "webhooks_rest"): nothing internal is reachable over HTTP.  Its functions
 * are thin SECURITY INVOKER wrappers of the webhooks.* API, so the caller's
 * role and its tenant binding apply to every call exactly as from SQL.  Two
 * sets live here:
 *
 * - the RPC set, named like the SQL API, for PostgREST's own URLs
 *   (/rpc/fetch_webhooks?...).  PostgREST reserves the query keys offset,
 *   limit, order, select, columns, on_conflict, and, or: paging is
 *   page_offset and count, page_size for events.  A list is a jsonb
 *   argument: a JSON array in a request body, comma-separated items in a
 *   query string.  (VARIADIC cannot serve: PostgREST calls functions in
 *   named notation with only the arguments it was given, and PostgreSQL
 *   refuses such a call of a variadic function that leaves any out.)
 *   Functions that only read are STABLE, so PostgREST serves them with GET
 *   in a READ ONLY transaction; the others need POST.
 *
 * - the socotra_* set, for Socotra's own URL layout behind the reverse proxy
 *   in contrib/postgrest/.  The proxy rewrites /event/{tenant}/... to
 *   /rpc/socotra_<operation> and passes the client's request line in the
 *   headers X-Original-URI and X-Original-Method; PostgREST hands every
 *   header to the function in the setting request.headers.  The path
 *   parameters and the query are read from there by webhooks._rest_path and
 *   webhooks._rest_query; a request body reaches the function untouched as
 *   its single unnamed jsonb argument.  Nothing the client sends is ever
 *   pasted into another document, so a body cannot override a path
 *   parameter.
 *
 * Statuses: a void operation sets response.status to 204 (PostgREST would
 * answer 200 with "null"); errors keep their SQLSTATEs (PT404, 23505, 42501,
 * 22023, ...), which PostgREST maps itself; the layout's own refusals use
 * PostgREST's PTxyz convention (PT405: the method does not fit).
 */
CREATE SCHEMA webhooks_rest;
COMMENT ON SCHEMA webhooks_rest IS
	'The webhooks API as PostgREST exposes it: RPC wrappers and Socotra''s URL layout';
GRANT USAGE ON SCHEMA webhooks_rest TO webhooks_reader, webhooks_writer, webhooks_publisher;

/*
 * Reading the request PostgREST describes in request.headers.  These are
 * internal (schema webhooks is never exposed); the wrappers run as their
 * caller, so the API roles may execute them.  Everything here is PL/pgSQL:
 * it keeps its plans for the session, where an SQL function with a SET
 * clause is planned anew at every call.
 */

-- _rest_decode: percent-decoding of one URL component as UTF-8; with
-- plus_is_space, '+' is a space (form encoding, used in query strings)
CREATE FUNCTION webhooks._rest_decode(component text, plus_is_space boolean)
	RETURNS text
	LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF plus_is_space THEN
		component := pg_catalog.replace(component, '+', ' ');
	END IF;
	IF pg_catalog.strpos(component, '%') = 0 THEN
		RETURN component;
	END IF;
	RETURN pg_catalog.convert_from(pg_catalog.string_agg(
		CASE WHEN m[1] IS NOT NULL THEN pg_catalog.decode(pg_catalog.substr(m[1], 2), 'hex')
			 ELSE pg_catalog.convert_to(m[2], 'UTF8') END, ''::bytea ORDER BY n), 'UTF8')
	FROM pg_catalog.regexp_matches(component, '(%[0-9A-Fa-f]{2})|([^%]+|%)', 'g') WITH ORDINALITY AS t(m, n);
END
$$;
COMMENT ON FUNCTION webhooks._rest_decode(text, boolean) IS
	'REST helper: percent-decoding of one URL component as UTF-8';

-- _rest_uri: the client's request target as the proxy forwarded it, after
-- checking that the client's method is the one the operation answers
CREATE FUNCTION webhooks._rest_uri(method text)
	RETURNS text
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	headers jsonb := NULLIF(pg_catalog.current_setting('request.headers', true), '')::jsonb;
	uri text := headers ->> 'x-original-uri';
	client_method text := headers ->> 'x-original-method';
BEGIN
	IF uri IS NULL OR client_method IS NULL THEN
		RAISE EXCEPTION 'request did not come through the Socotra-layout proxy'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'The proxy of contrib/postgrest sets the X-Original-URI and X-Original-Method headers.';
	END IF;
	IF client_method <> method THEN
		RAISE EXCEPTION 'method % is not allowed here', client_method
			USING ERRCODE = 'PT405', HINT = pg_catalog.format('This operation answers %s.', method);
	END IF;
	RETURN uri;
END
$$;
COMMENT ON FUNCTION webhooks._rest_uri(text) IS
	'REST helper: the request target the Socotra-layout proxy forwarded, after the method check';

-- _rest_path: the path parameters of the request, for the first of the
-- patterns ('/event/*/webhooks/*': a * matches one segment) that its path
-- matches; PT404 when none does
CREATE FUNCTION webhooks._rest_path(method text, VARIADIC patterns text[])
	RETURNS text[]
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	path text[] := pg_catalog.string_to_array(
		pg_catalog.split_part(webhooks._rest_uri(method), '?', 1), '/');
	want text[];
	params text[];
BEGIN
	FOR i IN 1 .. pg_catalog.array_length(patterns, 1) LOOP
		want := pg_catalog.string_to_array(patterns[i], '/');
		CONTINUE WHEN pg_catalog.array_length(want, 1) IS DISTINCT FROM pg_catalog.array_length(path, 1);
		params := '{}';
		FOR j IN 1 .. pg_catalog.array_length(want, 1) LOOP
			IF want[j] = '*' AND path[j] <> '' THEN
				params := params || webhooks._rest_decode(path[j], false);
			ELSIF want[j] <> path[j] THEN
				params := NULL;
				EXIT;
			END IF;
		END LOOP;
		IF params IS NOT NULL THEN
			RETURN params;
		END IF;
	END LOOP;
	RAISE EXCEPTION 'no such resource'
		USING ERRCODE = 'PT404';
END
$$;
COMMENT ON FUNCTION webhooks._rest_path(text, text[]) IS
	'REST helper: the path parameters of the forwarded request, for the first pattern its path matches';

-- _rest_query: the request's query string as {"key": ["value", ...]};
-- a key the operation does not take is 22023
CREATE FUNCTION webhooks._rest_query(method text, VARIADIC allowed text[])
	RETURNS jsonb
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	uri text := webhooks._rest_uri(method);
	result jsonb := '{}';
	pair text;
	key text;
	value text;
BEGIN
	IF pg_catalog.strpos(uri, '?') = 0 THEN
		RETURN result;
	END IF;
	FOREACH pair IN ARRAY pg_catalog.string_to_array(pg_catalog.substr(uri, pg_catalog.strpos(uri, '?') + 1), '&') LOOP
		CONTINUE WHEN pair = '';
		key := webhooks._rest_decode(pg_catalog.split_part(pair, '=', 1), true);
		value := webhooks._rest_decode(pg_catalog.substr(pair, pg_catalog.length(pg_catalog.split_part(pair, '=', 1)) + 2), true);
		IF key <> ALL (allowed) THEN
			RAISE EXCEPTION 'invalid query parameter "%": unknown parameter', key
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = pg_catalog.format('Allowed query parameters are: %s.', pg_catalog.array_to_string(allowed, ', '));
		END IF;
		result := pg_catalog.jsonb_set(result, ARRAY[key],
			coalesce(result -> key, '[]') || pg_catalog.to_jsonb(value));
	END LOOP;
	RETURN result;
END
$$;
COMMENT ON FUNCTION webhooks._rest_query(text, text[]) IS
	'REST helper: the query parameters of the forwarded request, by name';

-- _rest_arg: the one value of a query parameter, NULL when absent
CREATE FUNCTION webhooks._rest_arg(params jsonb, key text)
	RETURNS text
	LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF pg_catalog.jsonb_array_length(coalesce(params -> key, '[]')) > 1 THEN
		RAISE EXCEPTION 'invalid query parameter "%": given more than once', key
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RETURN params -> key ->> 0;
END
$$;
COMMENT ON FUNCTION webhooks._rest_arg(jsonb, text) IS
	'REST helper: the one value of a query parameter';

-- _rest_list: the items of a list argument given as a JSON array of
-- strings or as one string of comma-separated items (event types contain no
-- commas), NULL when absent.  PostgREST passes a query value as a JSON
-- string, a request body's array as it is.
CREATE FUNCTION webhooks._rest_list(name text, list jsonb)
	RETURNS text[]
	LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	items text[] := '{}';
	item jsonb;
BEGIN
	IF list IS NULL OR pg_catalog.jsonb_typeof(list) = 'null' THEN
		RETURN NULL;
	END IF;
	FOR item IN SELECT * FROM pg_catalog.jsonb_array_elements(
		CASE pg_catalog.jsonb_typeof(list) WHEN 'array' THEN list ELSE pg_catalog.jsonb_build_array(list) END)
	LOOP
		IF pg_catalog.jsonb_typeof(item) <> 'string' THEN
			RAISE EXCEPTION 'invalid "%": must be an array of strings or a comma-separated string', name
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		items := items || pg_catalog.string_to_array(item #>> '{}', ',');
	END LOOP;
	RETURN items;
END
$$;
COMMENT ON FUNCTION webhooks._rest_list(text, jsonb) IS
	'REST helper: the items of a list given as a JSON array or as comma-separated items';

-- _rest_no_content: a void operation answers 204 No Content
CREATE FUNCTION webhooks._rest_no_content()
	RETURNS void
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM pg_catalog.set_config('response.status', '204', true);
END
$$;
COMMENT ON FUNCTION webhooks._rest_no_content() IS
	'REST helper: make PostgREST answer 204 No Content';

/*
 * The RPC set: PostgREST's own URLs, /rpc/<operation>.
 */

CREATE FUNCTION webhooks_rest.create_webhook(tenant_locator uuid, request jsonb)
	RETURNS jsonb LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN webhooks.create_webhook(tenant_locator, request);
END
$$;
COMMENT ON FUNCTION webhooks_rest.create_webhook(uuid, jsonb) IS
	'PostgREST''s /rpc/create_webhook: calls webhooks.create_webhook';

CREATE FUNCTION webhooks_rest.fetch_webhook(tenant_locator uuid, webhook_locator webhooks.ulid)
	RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN webhooks.fetch_webhook(tenant_locator, webhook_locator);
END
$$;
COMMENT ON FUNCTION webhooks_rest.fetch_webhook(uuid, webhooks.ulid) IS
	'PostgREST''s /rpc/fetch_webhook: calls webhooks.fetch_webhook';

CREATE FUNCTION webhooks_rest.fetch_webhooks(
	tenant_locator uuid,
	page_offset integer DEFAULT NULL,
	count integer DEFAULT NULL,
	name text DEFAULT NULL,
	enabled boolean DEFAULT NULL,
	suspended boolean DEFAULT NULL,
	active boolean DEFAULT NULL,
	event_types jsonb DEFAULT NULL,
	extended boolean DEFAULT NULL)
	RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN webhooks.fetch_webhooks(tenant_locator, "offset" => page_offset, count => count,
		name => name, enabled => enabled, suspended => suspended, active => active,
		event_types => webhooks._rest_list('event_types', event_types), extended => extended);
END
$$;
COMMENT ON FUNCTION webhooks_rest.fetch_webhooks(uuid, integer, integer, text, boolean, boolean, boolean, jsonb, boolean) IS
	'PostgREST''s /rpc/fetch_webhooks: calls webhooks.fetch_webhooks';

CREATE FUNCTION webhooks_rest.update_webhook(tenant_locator uuid, webhook_locator webhooks.ulid, request jsonb)
	RETURNS jsonb LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN webhooks.update_webhook(tenant_locator, webhook_locator, request);
END
$$;
COMMENT ON FUNCTION webhooks_rest.update_webhook(uuid, webhooks.ulid, jsonb) IS
	'PostgREST''s /rpc/update_webhook: calls webhooks.update_webhook';

CREATE FUNCTION webhooks_rest.unsuspend_webhook(tenant_locator uuid, webhook_locator webhooks.ulid)
	RETURNS void LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM webhooks.unsuspend_webhook(tenant_locator, webhook_locator);
	PERFORM webhooks._rest_no_content();
END
$$;
COMMENT ON FUNCTION webhooks_rest.unsuspend_webhook(uuid, webhooks.ulid) IS
	'PostgREST''s /rpc/unsuspend_webhook: calls webhooks.unsuspend_webhook';

CREATE FUNCTION webhooks_rest.delete_webhook(tenant_locator uuid, webhook_locator webhooks.ulid)
	RETURNS void LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM webhooks.delete_webhook(tenant_locator, webhook_locator);
	PERFORM webhooks._rest_no_content();
END
$$;
COMMENT ON FUNCTION webhooks_rest.delete_webhook(uuid, webhooks.ulid) IS
	'PostgREST''s /rpc/delete_webhook: calls webhooks.delete_webhook';

CREATE FUNCTION webhooks_rest.fetch_diverted_event(
	tenant_locator uuid, webhook_locator webhooks.ulid, event_locator webhooks.ulid)
	RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN webhooks.fetch_diverted_event(tenant_locator, webhook_locator, event_locator);
END
$$;
COMMENT ON FUNCTION webhooks_rest.fetch_diverted_event(uuid, webhooks.ulid, webhooks.ulid) IS
	'PostgREST''s /rpc/fetch_diverted_event: calls webhooks.fetch_diverted_event';

CREATE FUNCTION webhooks_rest.fetch_diverted_events(
	tenant_locator uuid, webhook_locator webhooks.ulid,
	page_offset integer DEFAULT NULL, count integer DEFAULT NULL)
	RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN webhooks.fetch_diverted_events(tenant_locator, webhook_locator,
		"offset" => page_offset, count => count);
END
$$;
COMMENT ON FUNCTION webhooks_rest.fetch_diverted_events(uuid, webhooks.ulid, integer, integer) IS
	'PostgREST''s /rpc/fetch_diverted_events: calls webhooks.fetch_diverted_events';

CREATE FUNCTION webhooks_rest.resend_diverted_event(
	tenant_locator uuid, webhook_locator webhooks.ulid, event_locator webhooks.ulid)
	RETURNS jsonb LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN webhooks.resend_diverted_event(tenant_locator, webhook_locator, event_locator);
END
$$;
COMMENT ON FUNCTION webhooks_rest.resend_diverted_event(uuid, webhooks.ulid, webhooks.ulid) IS
	'PostgREST''s /rpc/resend_diverted_event: calls webhooks.resend_diverted_event';

CREATE FUNCTION webhooks_rest.delete_diverted_event(
	tenant_locator uuid, webhook_locator webhooks.ulid, event_locator webhooks.ulid)
	RETURNS jsonb LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN webhooks.delete_diverted_event(tenant_locator, webhook_locator, event_locator);
END
$$;
COMMENT ON FUNCTION webhooks_rest.delete_diverted_event(uuid, webhooks.ulid, webhooks.ulid) IS
	'PostgREST''s /rpc/delete_diverted_event: calls webhooks.delete_diverted_event';

CREATE FUNCTION webhooks_rest.resend_diverted_events(
	tenant_locator uuid, webhook_locator webhooks.ulid, since timestamptz DEFAULT NULL)
	RETURNS bigint LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN webhooks.resend_diverted_events(tenant_locator, webhook_locator, since);
END
$$;
COMMENT ON FUNCTION webhooks_rest.resend_diverted_events(uuid, webhooks.ulid, timestamp with time zone) IS
	'PostgREST''s /rpc/resend_diverted_events: calls webhooks.resend_diverted_events';

CREATE FUNCTION webhooks_rest.publish_event(
	tenant_locator uuid, type text, data jsonb,
	user_locator uuid DEFAULT NULL, request_id webhooks.ulid DEFAULT NULL)
	RETURNS jsonb LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN webhooks.publish_event(tenant_locator, type, data, user_locator, request_id);
END
$$;
COMMENT ON FUNCTION webhooks_rest.publish_event(uuid, text, jsonb, uuid, webhooks.ulid) IS
	'PostgREST''s /rpc/publish_event: calls webhooks.publish_event';

CREATE FUNCTION webhooks_rest.fetch_event(tenant_locator uuid, locator webhooks.ulid)
	RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN webhooks.fetch_event(tenant_locator, locator);
END
$$;
COMMENT ON FUNCTION webhooks_rest.fetch_event(uuid, webhooks.ulid) IS
	'PostgREST''s /rpc/fetch_event: calls webhooks.fetch_event';

CREATE FUNCTION webhooks_rest.fetch_events_for_request(tenant_locator uuid, request_locator webhooks.ulid)
	RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN webhooks.fetch_events_for_request(tenant_locator, request_locator);
END
$$;
COMMENT ON FUNCTION webhooks_rest.fetch_events_for_request(uuid, webhooks.ulid) IS
	'PostgREST''s /rpc/fetch_events_for_request: calls webhooks.fetch_events_for_request';

CREATE FUNCTION webhooks_rest.fetch_events(
	tenant_locator uuid,
	start_timestamp timestamptz DEFAULT NULL,
	end_timestamp timestamptz DEFAULT NULL,
	type text DEFAULT NULL,
	page_size integer DEFAULT NULL,
	paging_token text DEFAULT NULL)
	RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN webhooks.fetch_events(tenant_locator, start_timestamp, end_timestamp, type, page_size, paging_token);
END
$$;
COMMENT ON FUNCTION webhooks_rest.fetch_events(uuid, timestamp with time zone, timestamp with time zone, text, integer, text) IS
	'PostgREST''s /rpc/fetch_events: calls webhooks.fetch_events';

CREATE FUNCTION webhooks_rest.fetch_webhook_attempts(
	tenant_locator uuid, webhook_locator webhooks.ulid,
	page_offset integer DEFAULT NULL, count integer DEFAULT NULL)
	RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN webhooks.fetch_webhook_attempts(tenant_locator, webhook_locator,
		"offset" => page_offset, count => count);
END
$$;
COMMENT ON FUNCTION webhooks_rest.fetch_webhook_attempts(uuid, webhooks.ulid, integer, integer) IS
	'PostgREST''s /rpc/fetch_webhook_attempts: calls webhooks.fetch_webhook_attempts';

/*
 * The socotra_* set: Socotra's URL layout, one function per route.  GET
 * routes take no argument (PostgREST calls them in a READ ONLY
 * transaction); routes with a request body take it whole as their single
 * unnamed jsonb argument; the others take none (the proxy sends "{}").
 */

CREATE FUNCTION webhooks_rest.socotra_create_webhook(jsonb)
	RETURNS jsonb LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p text[] := webhooks._rest_path('POST', '/event/*/webhooks');
BEGIN
	RETURN webhooks.create_webhook(p[1]::uuid, $1);
END
$$;
COMMENT ON FUNCTION webhooks_rest.socotra_create_webhook(jsonb) IS
	'createWebhook: POST /event/{tenantLocator}/webhooks, in Socotra''s URL layout';

CREATE FUNCTION webhooks_rest.socotra_fetch_webhooks()
	RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p text[] := webhooks._rest_path('GET', '/event/*/webhooks/list', '/event/*/webhooks');
	q jsonb := webhooks._rest_query('GET', 'offset', 'count', 'name', 'enabled', 'suspended', 'active', 'eventTypes', 'extended');
BEGIN
	RETURN webhooks.fetch_webhooks(p[1]::uuid,
		"offset" => webhooks._rest_arg(q, 'offset')::integer,
		count => webhooks._rest_arg(q, 'count')::integer,
		name => webhooks._rest_arg(q, 'name'),
		enabled => webhooks._rest_arg(q, 'enabled')::boolean,
		suspended => webhooks._rest_arg(q, 'suspended')::boolean,
		active => webhooks._rest_arg(q, 'active')::boolean,
		event_types => webhooks._rest_list('eventTypes', q -> 'eventTypes'),
		extended => webhooks._rest_arg(q, 'extended')::boolean);
END
$$;
COMMENT ON FUNCTION webhooks_rest.socotra_fetch_webhooks() IS
	'fetchWebhooks: GET /event/{tenantLocator}/webhooks/list, in Socotra''s URL layout';

CREATE FUNCTION webhooks_rest.socotra_fetch_webhook()
	RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p text[] := webhooks._rest_path('GET', '/event/*/webhooks/*');
BEGIN
	RETURN webhooks.fetch_webhook(p[1]::uuid, p[2]::webhooks.ulid);
END
$$;
COMMENT ON FUNCTION webhooks_rest.socotra_fetch_webhook() IS
	'fetchWebhook: GET /event/{tenantLocator}/webhooks/{webhookLocator}, in Socotra''s URL layout';

CREATE FUNCTION webhooks_rest.socotra_update_webhook(jsonb)
	RETURNS jsonb LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p text[] := webhooks._rest_path('PATCH', '/event/*/webhooks/*');
BEGIN
	RETURN webhooks.update_webhook(p[1]::uuid, p[2]::webhooks.ulid, $1);
END
$$;
COMMENT ON FUNCTION webhooks_rest.socotra_update_webhook(jsonb) IS
	'updateWebhook: PATCH /event/{tenantLocator}/webhooks/{webhookLocator}, in Socotra''s URL layout';

CREATE FUNCTION webhooks_rest.socotra_delete_webhook()
	RETURNS void LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p text[] := webhooks._rest_path('DELETE', '/event/*/webhooks/*');
BEGIN
	PERFORM webhooks.delete_webhook(p[1]::uuid, p[2]::webhooks.ulid);
	PERFORM webhooks._rest_no_content();
END
$$;
COMMENT ON FUNCTION webhooks_rest.socotra_delete_webhook() IS
	'deleteWebhook: DELETE /event/{tenantLocator}/webhooks/{webhookLocator}, answering 204, in Socotra''s URL layout';

CREATE FUNCTION webhooks_rest.socotra_unsuspend_webhook()
	RETURNS void LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p text[] := webhooks._rest_path('PATCH', '/event/*/webhooks/*/unsuspend');
BEGIN
	PERFORM webhooks.unsuspend_webhook(p[1]::uuid, p[2]::webhooks.ulid);
	PERFORM webhooks._rest_no_content();
END
$$;
COMMENT ON FUNCTION webhooks_rest.socotra_unsuspend_webhook() IS
	'unsuspendWebhook: PATCH /event/{tenantLocator}/webhooks/{webhookLocator}/unsuspend, answering 204, in Socotra''s URL layout';

CREATE FUNCTION webhooks_rest.socotra_fetch_diverted_events()
	RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p text[] := webhooks._rest_path('GET', '/event/*/webhooks/*/diverted');
	q jsonb := webhooks._rest_query('GET', 'offset', 'count');
BEGIN
	RETURN webhooks.fetch_diverted_events(p[1]::uuid, p[2]::webhooks.ulid,
		"offset" => webhooks._rest_arg(q, 'offset')::integer,
		count => webhooks._rest_arg(q, 'count')::integer);
END
$$;
COMMENT ON FUNCTION webhooks_rest.socotra_fetch_diverted_events() IS
	'fetchMultipleDivertedEvents: GET /event/{tenantLocator}/webhooks/{webhookLocator}/diverted, in Socotra''s URL layout';

CREATE FUNCTION webhooks_rest.socotra_fetch_diverted_event()
	RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p text[] := webhooks._rest_path('GET', '/event/*/webhooks/*/diverted/*');
BEGIN
	RETURN webhooks.fetch_diverted_event(p[1]::uuid, p[2]::webhooks.ulid, p[3]::webhooks.ulid);
END
$$;
COMMENT ON FUNCTION webhooks_rest.socotra_fetch_diverted_event() IS
	'fetchDivertedEvent: GET /event/{tenantLocator}/webhooks/{webhookLocator}/diverted/{eventLocator}, in Socotra''s URL layout';

CREATE FUNCTION webhooks_rest.socotra_resend_diverted_event()
	RETURNS jsonb LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p text[] := webhooks._rest_path('POST', '/event/*/webhooks/*/diverted/*/resend');
BEGIN
	RETURN webhooks.resend_diverted_event(p[1]::uuid, p[2]::webhooks.ulid, p[3]::webhooks.ulid);
END
$$;
COMMENT ON FUNCTION webhooks_rest.socotra_resend_diverted_event() IS
	'resendDivertedEvent: POST /event/{tenantLocator}/webhooks/{webhookLocator}/diverted/{eventLocator}/resend, in Socotra''s URL layout';

CREATE FUNCTION webhooks_rest.socotra_delete_diverted_event()
	RETURNS jsonb LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p text[] := webhooks._rest_path('DELETE', '/event/*/webhooks/*/diverted/*');
BEGIN
	RETURN webhooks.delete_diverted_event(p[1]::uuid, p[2]::webhooks.ulid, p[3]::webhooks.ulid);
END
$$;
COMMENT ON FUNCTION webhooks_rest.socotra_delete_diverted_event() IS
	'deleteDivertedEvent: DELETE /event/{tenantLocator}/webhooks/{webhookLocator}/diverted/{eventLocator}, in Socotra''s URL layout';

CREATE FUNCTION webhooks_rest.socotra_fetch_event()
	RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p text[] := webhooks._rest_path('GET', '/event/*/events/*');
BEGIN
	RETURN webhooks.fetch_event(p[1]::uuid, p[2]::webhooks.ulid);
END
$$;
COMMENT ON FUNCTION webhooks_rest.socotra_fetch_event() IS
	'fetchEvent: GET /event/{tenantLocator}/events/{locator}, in Socotra''s URL layout';

CREATE FUNCTION webhooks_rest.socotra_fetch_events_for_request()
	RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p text[] := webhooks._rest_path('GET', '/event/*/events/request/*');
BEGIN
	RETURN webhooks.fetch_events_for_request(p[1]::uuid, p[2]::webhooks.ulid);
END
$$;
COMMENT ON FUNCTION webhooks_rest.socotra_fetch_events_for_request() IS
	'fetchEventsForARequest: GET /event/{tenantLocator}/events/request/{locator}, in Socotra''s URL layout';

CREATE FUNCTION webhooks_rest.socotra_fetch_events()
	RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p text[] := webhooks._rest_path('GET', '/event/*/events/list');
	q jsonb := webhooks._rest_query('GET', 'startTimestamp', 'endTimestamp', 'type', 'pageSize', 'pagingToken');
BEGIN
	RETURN webhooks.fetch_events(p[1]::uuid,
		start_timestamp => webhooks._rest_arg(q, 'startTimestamp')::timestamptz,
		end_timestamp => webhooks._rest_arg(q, 'endTimestamp')::timestamptz,
		type => webhooks._rest_arg(q, 'type'),
		page_size => webhooks._rest_arg(q, 'pageSize')::integer,
		paging_token => webhooks._rest_arg(q, 'pagingToken'));
END
$$;
COMMENT ON FUNCTION webhooks_rest.socotra_fetch_events() IS
	'fetchMultipleEvents: GET /event/{tenantLocator}/events/list, in Socotra''s URL layout';

/*
 * Privileges: nothing for PUBLIC; each wrapper to the role of the function
 * it wraps (which that role must be able to execute anyway).
 */
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA webhooks_rest FROM PUBLIC;
REVOKE ALL ON FUNCTION
	webhooks._rest_decode(text, boolean),
	webhooks._rest_uri(text),
	webhooks._rest_path(text, text[]),
	webhooks._rest_query(text, text[]),
	webhooks._rest_arg(jsonb, text),
	webhooks._rest_list(text, jsonb),
	webhooks._rest_no_content()
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
	webhooks._rest_decode(text, boolean),
	webhooks._rest_uri(text),
	webhooks._rest_path(text, text[]),
	webhooks._rest_query(text, text[]),
	webhooks._rest_arg(jsonb, text),
	webhooks._rest_list(text, jsonb),
	webhooks._rest_no_content()
	TO webhooks_reader, webhooks_writer, webhooks_publisher;
GRANT EXECUTE ON FUNCTION
	webhooks_rest.fetch_webhook(uuid, webhooks.ulid),
	webhooks_rest.fetch_webhooks(uuid, integer, integer, text, boolean, boolean, boolean, jsonb, boolean),
	webhooks_rest.fetch_diverted_event(uuid, webhooks.ulid, webhooks.ulid),
	webhooks_rest.fetch_diverted_events(uuid, webhooks.ulid, integer, integer),
	webhooks_rest.fetch_event(uuid, webhooks.ulid),
	webhooks_rest.fetch_events_for_request(uuid, webhooks.ulid),
	webhooks_rest.fetch_events(uuid, timestamptz, timestamptz, text, integer, text),
	webhooks_rest.fetch_webhook_attempts(uuid, webhooks.ulid, integer, integer),
	webhooks_rest.socotra_fetch_webhooks(),
	webhooks_rest.socotra_fetch_webhook(),
	webhooks_rest.socotra_fetch_diverted_events(),
	webhooks_rest.socotra_fetch_diverted_event(),
	webhooks_rest.socotra_fetch_event(),
	webhooks_rest.socotra_fetch_events_for_request(),
	webhooks_rest.socotra_fetch_events()
	TO webhooks_reader;
GRANT EXECUTE ON FUNCTION
	webhooks_rest.create_webhook(uuid, jsonb),
	webhooks_rest.update_webhook(uuid, webhooks.ulid, jsonb),
	webhooks_rest.unsuspend_webhook(uuid, webhooks.ulid),
	webhooks_rest.delete_webhook(uuid, webhooks.ulid),
	webhooks_rest.resend_diverted_event(uuid, webhooks.ulid, webhooks.ulid),
	webhooks_rest.delete_diverted_event(uuid, webhooks.ulid, webhooks.ulid),
	webhooks_rest.resend_diverted_events(uuid, webhooks.ulid, timestamptz),
	webhooks_rest.socotra_create_webhook(jsonb),
	webhooks_rest.socotra_update_webhook(jsonb),
	webhooks_rest.socotra_delete_webhook(),
	webhooks_rest.socotra_unsuspend_webhook(),
	webhooks_rest.socotra_resend_diverted_event(),
	webhooks_rest.socotra_delete_diverted_event()
	TO webhooks_writer;
GRANT EXECUTE ON FUNCTION
	webhooks_rest.publish_event(uuid, text, jsonb, uuid, webhooks.ulid)
	TO webhooks_publisher;
