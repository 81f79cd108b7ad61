/*-------------------------------------------------------------------------
 *
 * event_types.c
 *	  The event-type catalog (doc/decisions.md D4).
 *
 * A webhook subscribes to catalog names and to prefix patterns ("a.b.*",
 * or "*") that match at least one catalog name.  The catalog is global,
 * seeded with Socotra's 193 event types by the install script, and extended
 * with register_event_type().
 *
 * IDENTIFICATION
 *	  src/event_types.c
 *
 *-------------------------------------------------------------------------
 */
#include "pg_prelude.h"

#include "call.h"
#include "checks.h"
#include "config.h"
#include "event_types.h"
#include "jsonb_util.h"
#include "webhooks.h"

/*
 * first_unknown_type returns the first entry of types that names no catalog
 * entry and, as a pattern, matches none; NULL when all are known.  The
 * caller must be connected to SPI.
 */
static char *
first_unknown_type(List *types)
{
	static SPIPlanPtr plan = NULL;
	Datum		arg;
	int			rc;

	if (plan == NULL)
	{
		Oid			argtypes[1] = {TEXTARRAYOID};

		plan = SPI_prepare(
						   "SELECT u.t FROM unnest($1) WITH ORDINALITY AS u(t, i) "
						   "WHERE NOT EXISTS (SELECT 1 FROM " EVENT_TYPE_TABLE " e "
						   " WHERE e.name = u.t OR u.t = '*' "
						   "    OR (right(u.t, 2) = '.*' "
						   "        AND starts_with(e.name, left(u.t, -1)))) "
						   "ORDER BY u.i LIMIT 1",
						   1, argtypes);
		if (plan == NULL || SPI_keepplan(plan) != 0)
			elog(ERROR, "could not prepare the event type check: %s",
				 SPI_result_code_string(SPI_result));
	}

	arg = wh_text_array(types);
	rc = SPI_execute_plan(plan, &arg, NULL, true, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "event type check failed: %s",
			 SPI_result_code_string(rc));
	if (SPI_processed == 0)
		return NULL;
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

/*
 * check_syntax checks that every entry of a list given in field is an
 * event-type name or pattern.
 */
static void
check_syntax(List *types, const char *field)
{
	ListCell   *lc;
	int			i = 0;

	foreach(lc, types)
	{
		const char *t = lfirst(lc);
		bool		is_pattern;
		const char *reason = wh_check_event_type(t, strlen(t), true,
												 &is_pattern);

		if (reason != NULL)
			jb_invalid(psprintf("%s[%d]", field, i), reason, NULL);
		i++;
	}
}

/*
 * wh_event_types_check validates event types given in field and appends
 * them to existing without duplicates, keeping the first order.  Each must
 * be a valid name or pattern known to the catalog; the result may hold at
 * most webhooks.max_event_types entries.
 */
List *
wh_event_types_check(List *types, const char *field, List *existing)
{
	List	   *result = existing;
	ListCell   *lc;
	char	   *unknown;

	check_syntax(types, field);
	foreach(lc, types)
		result = wh_string_list_add(result, lfirst(lc));

	if (list_length(result) > webhooks_max_event_types)
		jb_invalid(field,
				   psprintf("a webhook may subscribe to at most %d event types",
							webhooks_max_event_types), NULL);

	unknown = first_unknown_type(types);
	if (unknown != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid \"%s\": unknown event type \"%s\"",
						field, unknown),
				 errhint("Event types must name an entry of webhooks.event_type, or be a pattern such as \"policy.*\" that matches one."),
				 errhidestmt(true)));
	return result;
}

/*
 * wh_event_type_filter turns the eventTypes list filter into the text[] of
 * subscriptions that would receive any of those types: each entry itself,
 * "*", and every prefix pattern that covers it.  A webhook matches when its
 * subscriptions overlap this array (the && operator).
 */
Datum
wh_event_type_filter(List *filter, const char *field)
{
	List	   *cand = NIL;
	ListCell   *lc;

	check_syntax(filter, field);
	foreach(lc, filter)
	{
		const char *t = lfirst(lc);

		cand = wh_string_list_add(cand, t);
		for (const char *p = t; *p; p++)
		{
			if (*p == '.')
				cand = wh_string_list_add(cand,
										  psprintf("%.*s.*", (int) (p - t), t));
		}
	}
	cand = wh_string_list_add(cand, "*");
	return wh_text_array(cand);
}

/*
 * webhooks_register_event_type adds an event type to the catalog, or
 * updates the description of one that is there.
 */
WH_API_FUNCTION(webhooks_register_event_type)
{
	char	   *name;
	const char *reason;
	bool		is_pattern;
	Datum		args[2];
	char		nulls[2] = {' ', ' '};
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	int			rc;

	if (PG_ARGISNULL(0))
		jb_invalid("name", "must not be null", NULL);
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	reason = wh_check_event_type(name, strlen(name), false, &is_pattern);
	if (reason != NULL)
		jb_invalid("name", reason, NULL);

	args[0] = PG_GETARG_DATUM(0);
	if (PG_ARGISNULL(1))
		nulls[1] = 'n';
	else
		args[1] = PG_GETARG_DATUM(1);

	SPI_connect();
	rc = SPI_execute_with_args("INSERT INTO " EVENT_TYPE_TABLE
							   " (name, description) VALUES ($1, $2) "
							   "ON CONFLICT (name) DO UPDATE "
							   "SET description = EXCLUDED.description "
							   "WHERE NOT " EVENT_TYPE_TABLE ".builtin",
							   2, argtypes, args, nulls, false, 0);
	if (rc == SPI_OK_INSERT && SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid \"name\": \"%s\" is a built-in event type", name),
				 errdetail("Built-in event types cannot be changed."),
				 errhidestmt(true)));
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "could not register event type: %s",
			 SPI_result_code_string(rc));
	SPI_finish();
	PG_RETURN_VOID();
}
