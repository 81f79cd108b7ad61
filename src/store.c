/*-------------------------------------------------------------------------
 *
 * store.c
 *	  Reading and writing webhooks in webhooks._webhook through SPI.
 *
 * Statements are prepared once per backend and kept.  Parameters use only
 * built-in types (a ulid travels as uuid, which it converts to without
 * change), so that the kept plans stay valid across DROP and CREATE
 * EXTENSION in one session.
 *
 * IDENTIFICATION
 *	  src/store.c
 *
 *-------------------------------------------------------------------------
 */
#include "pg_prelude.h"

#include "jsonb_util.h"
#include "spi_util.h"
#include "store.h"
#include "webhooks.h"

/* The columns of a webhook, in the order of WhColumn. */
#define CONFIG_COLUMNS \
	"name, enabled, event_types, " \
	"url, headers, secure_ssl, hmac_enabled, secret, tag, " \
	"triggers, divert, suspend, retry_type, retry_interval, retry_attempts, " \
	"alert_url, alert_headers, alert_secure_ssl, alert_hmac_enabled, " \
	"alert_secret, alert_tag, use_automation_plugin"
#define SELECT_COLUMNS \
	"tenant_locator, locator::pg_catalog.uuid, " CONFIG_COLUMNS \
	", suspended, suspended_at"

/* attribute numbers in SELECT_COLUMNS */
typedef enum WhColumn
{
	COL_TENANT = 1,
	COL_LOCATOR,
	COL_NAME,					/* first of CONFIG_COLUMNS */
	COL_ENABLED,
	COL_EVENT_TYPES,
	COL_ENDPOINT,				/* url, headers, secure_ssl, hmac_enabled,
								 * secret, tag */
	COL_TRIGGERS = COL_ENDPOINT + 6,
	COL_DIVERT,
	COL_SUSPEND,
	COL_RETRY_TYPE,
	COL_RETRY_INTERVAL,
	COL_RETRY_ATTEMPTS,
	COL_ALERT,					/* the same six as COL_ENDPOINT */
	COL_USE_AUTOMATION_PLUGIN = COL_ALERT + 6,
	COL_SUSPENDED,
	COL_SUSPENDED_AT
} WhColumn;

#define N_CONFIG_COLUMNS	(COL_USE_AUTOMATION_PLUGIN - COL_NAME + 1)
#define ENDPOINT_COLUMNS	6

/* parameter types of the config columns, in order */
static const Oid config_types[N_CONFIG_COLUMNS] = {
	TEXTOID, BOOLOID, TEXTARRAYOID,
	TEXTOID, JSONBOID, BOOLOID, BOOLOID, TEXTOID, TEXTOID,
	TEXTARRAYOID, BOOLOID, BOOLOID, TEXTOID, INT8OID, INT4OID,
	TEXTOID, JSONBOID, BOOLOID, BOOLOID, TEXTOID, TEXTOID,
	BOOLOID
};

/*
 * prepare_kept_options prepares and keeps a statement with SPI cursor
 * options (CURSOR_OPT_GENERIC_PLAN: its plan is made once per backend, and
 * again when the statistics of its tables change, never for one call's
 * parameters).
 */
static SPIPlanPtr
prepare_kept_options(const char *sql, int nargs, Oid *argtypes, int options)
{
	SPIPlanPtr	plan = SPI_prepare_cursor(sql, nargs, argtypes, options);

	if (plan == NULL)
		elog(ERROR, "could not prepare \"%s\": %s", sql,
			 SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "could not keep plan of \"%s\"", sql);
	return plan;
}

/*
 * prepare_kept prepares and keeps a statement.
 */
static SPIPlanPtr
prepare_kept(const char *sql, int nargs, Oid *argtypes)
{
	return prepare_kept_options(sql, nargs, argtypes, 0);
}

static Datum
uuid_datum(const void *bytes)
{
	pg_uuid_t  *u = palloc(sizeof(pg_uuid_t));

	memcpy(u->data, bytes, UUID_LEN);
	return UUIDPGetDatum(u);
}

/* ---- conversion between the C structure and column values ---- */

static List *
list_from_text_array(Datum d)
{
	ArrayType  *arr = DatumGetArrayTypeP(d);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	List	   *result = NIL;

	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
		result = lappend(result, TextDatumGetCString(elems[i]));
	return result;
}

/*
 * headers_to_jsonb stores a header list as {"name": ["value", ...]}.
 */
static Datum
headers_to_jsonb(List *headers)
{
	JsonbParseState *st = NULL;
	JsonbValue *res;
	ListCell   *lc;

	pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	foreach(lc, headers)
	{
		WhHeader   *h = lfirst(lc);

		jb_put_string_array(&st, h->name, h->values);
	}
	res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	return JsonbPGetDatum(JsonbValueToJsonb(res));
}

static List *
headers_from_jsonb(Datum d)
{
	Jsonb	   *jb = DatumGetJsonbP(d);
	JsonbIterator *it = JsonbIteratorInit(&jb->root);
	JsonbValue	v;
	JsonbIteratorToken r;
	List	   *headers = NIL;
	char	   *name = NULL;

	while ((r = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (r == WJB_KEY)
			name = pnstrdup(v.val.string.val, v.val.string.len);
		else if (r == WJB_VALUE && v.type == jbvBinary)
		{
			WhHeader   *h = palloc(sizeof(WhHeader));

			h->name = name;
			h->values = jb_container_string_array(v.val.binary.data, name);
			headers = lappend(headers, h);
		}
	}
	return headers;
}

static void
set_text(Datum *values, char *nulls, int i, const char *s)
{
	if (s == NULL)
		nulls[i] = 'n';
	else
		values[i] = CStringGetTextDatum(s);
}

/*
 * endpoint_params fills the six endpoint parameters from i on; an absent
 * endpoint gives six nulls.
 */
static void
endpoint_params(const WhEndpoint *ep, Datum *values, char *nulls, int i)
{
	if (ep == NULL)
	{
		for (int k = 0; k < ENDPOINT_COLUMNS; k++)
			nulls[i + k] = 'n';
		return;
	}
	set_text(values, nulls, i, ep->url);
	values[i + 1] = headers_to_jsonb(ep->headers);
	values[i + 2] = BoolGetDatum(ep->secure_ssl);
	values[i + 3] = BoolGetDatum(ep->hmac_enabled);
	set_text(values, nulls, i + 4, ep->secret);
	set_text(values, nulls, i + 5, ep->tag);
}

/*
 * config_params fills the config-column parameters from i on.
 */
static void
config_params(const WhWebhook *wh, Datum *values, char *nulls, int i)
{
	int			o = i - COL_NAME;	/* offset from column number to index */

	StaticAssertStmt(N_CONFIG_COLUMNS == lengthof(config_types),
					 "config columns and their types out of step");

	memset(nulls + i, ' ', N_CONFIG_COLUMNS);
	set_text(values, nulls, o + COL_NAME, wh->name);
	values[o + COL_ENABLED] = BoolGetDatum(wh->enabled);
	values[o + COL_EVENT_TYPES] = wh_text_array(wh->event_types);
	endpoint_params(&wh->endpoint, values, nulls, o + COL_ENDPOINT);
	values[o + COL_TRIGGERS] = wh_text_array(wh->triggers);
	values[o + COL_DIVERT] = BoolGetDatum(wh->divert);
	values[o + COL_SUSPEND] = BoolGetDatum(wh->suspend);
	if (wh->retry.type == WH_RETRY_NONE)
	{
		nulls[o + COL_RETRY_TYPE] = 'n';
		nulls[o + COL_RETRY_INTERVAL] = 'n';
		nulls[o + COL_RETRY_ATTEMPTS] = 'n';
	}
	else
	{
		set_text(values, nulls, o + COL_RETRY_TYPE,
				 wh_retry_type_name(wh->retry.type));
		values[o + COL_RETRY_INTERVAL] = Int64GetDatum(wh->retry.interval);
		values[o + COL_RETRY_ATTEMPTS] = Int32GetDatum(wh->retry.attempts);
	}
	endpoint_params(wh->alert, values, nulls, o + COL_ALERT);
	values[o + COL_USE_AUTOMATION_PLUGIN] =
		BoolGetDatum(wh->use_automation_plugin);
}

static void
endpoint_from_row(HeapTuple tup, TupleDesc desc, int col, WhEndpoint *ep)
{
	bool		isnull;

	ep->url = wh_col_text(tup, desc, col);
	ep->headers = headers_from_jsonb(SPI_getbinval(tup, desc, col + 1, &isnull));
	ep->secure_ssl = wh_col_bool(tup, desc, col + 2);
	ep->hmac_enabled = wh_col_bool(tup, desc, col + 3);
	ep->secret = wh_col_text(tup, desc, col + 4);
	ep->tag = wh_col_text(tup, desc, col + 5);
}

/*
 * webhook_from_row reads one row of SELECT_COLUMNS.
 */
static void
webhook_from_row(HeapTuple tup, TupleDesc desc, WhWebhook *wh)
{
	bool		isnull;
	Datum		d;
	char	   *retry_type;

	memset(wh, 0, sizeof(*wh));
	wh_col_uuid(tup, desc, COL_TENANT, &wh->tenant);
	wh_col_uuid(tup, desc, COL_LOCATOR, &wh->locator);
	wh->has_locator = true;
	wh->name = wh_col_text(tup, desc, COL_NAME);
	wh->enabled = wh_col_bool(tup, desc, COL_ENABLED);
	wh->event_types = list_from_text_array(SPI_getbinval(tup, desc,
													 COL_EVENT_TYPES, &isnull));
	endpoint_from_row(tup, desc, COL_ENDPOINT, &wh->endpoint);
	wh->triggers = list_from_text_array(SPI_getbinval(tup, desc, COL_TRIGGERS,
												  &isnull));
	wh->divert = wh_col_bool(tup, desc, COL_DIVERT);
	wh->suspend = wh_col_bool(tup, desc, COL_SUSPEND);

	retry_type = wh_col_text(tup, desc, COL_RETRY_TYPE);
	if (retry_type != NULL)
	{
		wh->retry.type = strcmp(retry_type, "exponential") == 0 ?
			WH_RETRY_EXPONENTIAL : WH_RETRY_LINEAR;
		wh->retry.interval =
			DatumGetInt64(SPI_getbinval(tup, desc, COL_RETRY_INTERVAL, &isnull));
		wh->retry.attempts =
			DatumGetInt32(SPI_getbinval(tup, desc, COL_RETRY_ATTEMPTS, &isnull));
	}

	if (wh_col_text(tup, desc, COL_ALERT) != NULL)
	{
		wh->alert = palloc0(sizeof(WhEndpoint));
		endpoint_from_row(tup, desc, COL_ALERT, wh->alert);
	}
	wh->use_automation_plugin = wh_col_bool(tup, desc, COL_USE_AUTOMATION_PLUGIN);
	wh->suspended = wh_col_bool(tup, desc, COL_SUSPENDED);
	d = SPI_getbinval(tup, desc, COL_SUSPENDED_AT, &isnull);
	wh->suspended_at = isnull ? 0 : DatumGetTimestampTz(d);
}

/* ---- statements ---- */

/*
 * wh_store_load reads one webhook of a tenant, locking it when for_update;
 * false when there is none.
 */
bool
wh_store_load(const pg_uuid_t *tenant, const pg_ulid *locator,
			  bool for_update, WhWebhook *wh)
{
	static SPIPlanPtr plans[2];
	Datum		args[2];
	int			rc;

	if (plans[for_update] == NULL)
	{
		Oid			argtypes[2] = {UUIDOID, UUIDOID};

		plans[for_update] = prepare_kept(
										 for_update ?
										 "SELECT " SELECT_COLUMNS " FROM " WEBHOOK_TABLE
										 " WHERE tenant_locator = $1 AND locator " ULID_EQ " $2::webhooks.ulid"
										 " FOR NO KEY UPDATE" :
										 "SELECT " SELECT_COLUMNS " FROM " WEBHOOK_TABLE
										 " WHERE tenant_locator = $1 AND locator " ULID_EQ " $2::webhooks.ulid",
										 2, argtypes);
	}
	args[0] = uuid_datum(tenant->data);
	args[1] = uuid_datum(locator->data);
	rc = SPI_execute_plan(plans[for_update], args, NULL, !for_update, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read webhook: %s", SPI_result_code_string(rc));
	if (SPI_processed == 0)
		return false;
	webhook_from_row(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, wh);
	return true;
}

/*
 * check_name_free raises 23505 when another webhook of the tenant has the
 * name.  The unique index stays the last word under concurrency; this only
 * gives the common case a clear message.
 */
static void
check_name_free(const WhWebhook *wh)
{
	static SPIPlanPtr plan = NULL;
	Datum		args[3];
	char		nulls[3] = {' ', ' ', ' '};
	int			rc;

	if (plan == NULL)
	{
		Oid			argtypes[3] = {UUIDOID, TEXTOID, UUIDOID};

		plan = prepare_kept("SELECT 1 FROM " WEBHOOK_TABLE
							" WHERE tenant_locator = $1 AND name = $2"
							" AND ($3 IS NULL OR locator " ULID_NE " $3::webhooks.ulid)",
							3, argtypes);
	}
	args[0] = uuid_datum(wh->tenant.data);
	args[1] = CStringGetTextDatum(wh->name);
	if (wh->has_locator)
		args[2] = uuid_datum(wh->locator.data);
	else
		nulls[2] = 'n';
	rc = SPI_execute_plan(plan, args, nulls, true, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not check webhook name: %s",
			 SPI_result_code_string(rc));
	if (SPI_processed > 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("a webhook named \"%s\" already exists in this tenant",
						wh->name),
				 errhint("Webhook names are unique per tenant."),
				 errhidestmt(true)));
}

/*
 * wh_store_insert stores a new webhook and sets its locator.  Its row of
 * statistics is made with it (and goes with it, wh_store_delete): the
 * worker's _record only updates counters in place.
 */
void
wh_store_insert(WhWebhook *wh)
{
	static SPIPlanPtr plan = NULL;
	Datum		values[1 + N_CONFIG_COLUMNS];
	char		nulls[1 + N_CONFIG_COLUMNS];
	bool		isnull;
	int			rc;

	check_name_free(wh);
	if (plan == NULL)
	{
		Oid			argtypes[1 + N_CONFIG_COLUMNS];
		StringInfoData sql;

		argtypes[0] = UUIDOID;
		memcpy(argtypes + 1, config_types, sizeof(config_types));
		initStringInfo(&sql);
		appendStringInfoString(&sql, "WITH w AS (INSERT INTO " WEBHOOK_TABLE
							   " (tenant_locator, " CONFIG_COLUMNS ") VALUES ($1");
		for (int i = 2; i <= 1 + N_CONFIG_COLUMNS; i++)
			appendStringInfo(&sql, ", $%d", i);
		appendStringInfoString(&sql, ") RETURNING tenant_locator, locator),"
							   " s AS (INSERT INTO webhooks._webhook_stats"
							   " (tenant_locator, webhook_locator)"
							   " SELECT tenant_locator, locator FROM w)"
							   " SELECT locator::pg_catalog.uuid FROM w");
		plan = prepare_kept(sql.data, 1 + N_CONFIG_COLUMNS, argtypes);
	}

	nulls[0] = ' ';
	values[0] = uuid_datum(wh->tenant.data);
	config_params(wh, values, nulls, 1);
	rc = SPI_execute_plan(plan, values, nulls, false, 1);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not insert webhook: %s",
			 SPI_result_code_string(rc));
	memcpy(wh->locator.data,
		   DatumGetUUIDP(SPI_getbinval(SPI_tuptable->vals[0],
									   SPI_tuptable->tupdesc, 1,
									   &isnull))->data,
		   UUID_LEN);
	wh->has_locator = true;
}

/*
 * wh_store_update writes a changed configuration back.
 */
void
wh_store_update(const WhWebhook *wh)
{
	static SPIPlanPtr plan = NULL;
	Datum		values[2 + N_CONFIG_COLUMNS];
	char		nulls[2 + N_CONFIG_COLUMNS];
	int			rc;

	check_name_free(wh);
	if (plan == NULL)
	{
		Oid			argtypes[2 + N_CONFIG_COLUMNS];
		StringInfoData sql;

		argtypes[0] = UUIDOID;
		argtypes[1] = UUIDOID;
		memcpy(argtypes + 2, config_types, sizeof(config_types));
		initStringInfo(&sql);
		appendStringInfoString(&sql, "UPDATE " WEBHOOK_TABLE
							   " SET (" CONFIG_COLUMNS ", updated_at) = ($3");
		for (int i = 4; i <= 2 + N_CONFIG_COLUMNS; i++)
			appendStringInfo(&sql, ", $%d", i);
		appendStringInfoString(&sql, ", pg_catalog.now())"
							   " WHERE tenant_locator = $1"
							   " AND locator " ULID_EQ " $2::webhooks.ulid");
		plan = prepare_kept(sql.data, 2 + N_CONFIG_COLUMNS, argtypes);
	}

	nulls[0] = nulls[1] = ' ';
	values[0] = uuid_datum(wh->tenant.data);
	values[1] = uuid_datum(wh->locator.data);
	config_params(wh, values, nulls, 2);
	rc = SPI_execute_plan(plan, values, nulls, false, 1);
	if (rc != SPI_OK_UPDATE || SPI_processed != 1)
		elog(ERROR, "could not update webhook: %s",
			 SPI_result_code_string(rc));
}

/*
 * run_by_key runs a kept statement whose parameters are the tenant and a
 * locator; returns whether it touched a row.
 */
static bool
run_by_key(SPIPlanPtr *plan, const char *sql, int expected,
		   const pg_uuid_t *tenant, const pg_ulid *locator)
{
	Datum		args[2];
	int			rc;

	if (*plan == NULL)
	{
		Oid			argtypes[2] = {UUIDOID, UUIDOID};

		*plan = prepare_kept(sql, 2, argtypes);
	}
	args[0] = uuid_datum(tenant->data);
	args[1] = uuid_datum(locator->data);
	rc = SPI_execute_plan(*plan, args, NULL, false, 0);
	if (rc != expected)
		elog(ERROR, "could not run \"%s\": %s", sql,
			 SPI_result_code_string(rc));
	return SPI_processed > 0;
}

/*
 * wh_store_exists reports whether a tenant has a webhook.
 */
bool
wh_store_exists(const pg_uuid_t *tenant, const pg_ulid *locator)
{
	static SPIPlanPtr plan = NULL;

	return run_by_key(&plan,
					  "SELECT 1 FROM " WEBHOOK_TABLE
					  " WHERE tenant_locator = $1 AND locator " ULID_EQ " $2::webhooks.ulid",
					  SPI_OK_SELECT, tenant, locator);
}

/*
 * wh_store_delete deletes a webhook with its queue, diverted events and
 * counters (D10); false when there is no such webhook.  Its attempts stay
 * in the log until their retention ends.
 */
bool
wh_store_delete(const pg_uuid_t *tenant, const pg_ulid *locator)
{
	static SPIPlanPtr plan = NULL;

#define OF_WEBHOOK " WHERE tenant_locator = $1 AND webhook_locator " ULID_EQ " $2::webhooks.ulid"
	return run_by_key(&plan,
					  "WITH q AS (DELETE FROM webhooks._delivery" OF_WEBHOOK "),"
					  " d AS (DELETE FROM webhooks._diverted_event" OF_WEBHOOK "),"
					  " s AS (DELETE FROM webhooks._webhook_stats" OF_WEBHOOK ")"
					  " DELETE FROM " WEBHOOK_TABLE
					  " WHERE tenant_locator = $1 AND locator " ULID_EQ " $2::webhooks.ulid",
					  SPI_OK_DELETE, tenant, locator);
#undef OF_WEBHOOK
}

/*
 * wh_store_unsuspend clears a webhook's suspension; false when there is no
 * such webhook.
 */
bool
wh_store_unsuspend(const pg_uuid_t *tenant, const pg_ulid *locator)
{
	static SPIPlanPtr plan = NULL;

	return run_by_key(&plan,
					  "UPDATE " WEBHOOK_TABLE
					  " SET suspended = false, suspended_at = NULL,"
					  " updated_at = pg_catalog.now()"
					  " WHERE tenant_locator = $1 AND locator " ULID_EQ " $2::webhooks.ulid",
					  SPI_OK_UPDATE, tenant, locator);
}

/*
 * A filtered list whose types expand to at most this many subscriptions
 * merges their ranges of webhooks._subscription; more fall back to the
 * overlap test on every webhook of the tenant.
 */
#define LIST_MERGED_TYPES	16
/* locators read from a range at a time, and looked up at a time */
#define LIST_CHUNK			128

/* the bits of a list statement's key: the filters it has, and its shape */
#define LIST_NAME			0x01
#define LIST_ENABLED		0x02
#define LIST_SUSPENDED		0x04
#define LIST_ACTIVE			0x08
#define LIST_TYPES			0x10
#define LIST_MERGED			0x20	/* webhooks given by locator */

/*
 * The planner settings under which lists and ranges are planned.  A list
 * reads one tenant's webhooks in locator order and stops after a page;
 * whether that beats reading them all and sorting depends on the tenant's
 * size, which a plan kept for every tenant cannot know (the plan made for
 * many small tenants took 4.7 to 7 ms for a page of a tenant of 10,000).
 * With these off, the only plans left read an index in key order.  JIT
 * would be set off by the costs of what is disabled, and has nothing to
 * gain on a page.
 */
static const char *const list_plan_settings[] = {
	"enable_bitmapscan", "enable_hashagg", "enable_hashjoin",
	"enable_material", "enable_mergejoin", "enable_seqscan", "enable_sort",
	"jit"
};

/*
 * list_settings_push turns list_plan_settings off until list_settings_pop
 * with the level it returns (an error undoes them with its transaction).
 */
static int
list_settings_push(void)
{
	int			nest = NewGUCNestLevel();

	for (int i = 0; i < lengthof(list_plan_settings); i++)
		(void) set_config_option(list_plan_settings[i], "off", PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
								 false);
	return nest;
}

static void
list_settings_pop(int nest)
{
	AtEOXact_GUC(true, nest);
}

/*
 * The conditions of a list statement, in the order of their parameters
 * ($1 is the tenant): each where its key has the bits.
 */
static const struct
{
	int			bits;
	Oid			type;
	const char *condition;
}			list_conditions[] = {
	{LIST_MERGED, UUIDARRAYOID,
	"w.locator OPERATOR(webhooks.=) ANY ($%d::webhooks.ulid[])"},
	{LIST_NAME, TEXTOID, "name = $%d"},
	{LIST_ENABLED, BOOLOID, "enabled = $%d"},
	{LIST_SUSPENDED, BOOLOID, "suspended = $%d"},
	{LIST_ACTIVE, BOOLOID, "(enabled AND NOT suspended) = $%d"},
	/* not in a merged one: the subscriptions have been merged */
	{LIST_TYPES, TEXTARRAYOID, "event_types OPERATOR(pg_catalog.&&) $%d"},
};

/*
 * prepare_list prepares the list statement of a key.  Only the filters in
 * use appear in it.  A merged one takes the webhooks by locator ($2, an
 * array) and returns them all; the others take the page by OFFSET and
 * LIMIT.
 */
static SPIPlanPtr
prepare_list(int key)
{
	StringInfoData sql;
	Oid			argtypes[9];
	int			n = 0;

	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT " SELECT_COLUMNS " FROM "
						   WEBHOOK_TABLE " w WHERE tenant_locator = $1");
	argtypes[n++] = UUIDOID;
	for (int i = 0; i < lengthof(list_conditions); i++)
	{
		if ((key & list_conditions[i].bits) != list_conditions[i].bits ||
			(list_conditions[i].bits == LIST_TYPES && (key & LIST_MERGED)))
			continue;
		argtypes[n++] = list_conditions[i].type;
		appendStringInfoString(&sql, " AND ");
		appendStringInfo(&sql, list_conditions[i].condition, n);
	}
	/* the table's column: SELECT_COLUMNS names a uuid "locator" too */
	appendStringInfoString(&sql, " ORDER BY w.locator");
	if (!(key & LIST_MERGED))
	{
		argtypes[n++] = INT4OID;
		appendStringInfo(&sql, " OFFSET $%d", n);
		argtypes[n++] = INT4OID;
		appendStringInfo(&sql, " LIMIT $%d", n);
	}
	return prepare_kept_options(sql.data, n, argtypes, CURSOR_OPT_GENERIC_PLAN);
}

/*
 * list_filter_args appends the arguments of the filters in use other than
 * the types, in prepare_list's order.
 */
static int
list_filter_args(const WhListFilter *f, Datum *args, int nargs)
{
	if (f->name)
		args[nargs++] = CStringGetTextDatum(f->name);
	if (f->has_enabled)
		args[nargs++] = BoolGetDatum(f->enabled);
	if (f->has_suspended)
		args[nargs++] = BoolGetDatum(f->suspended);
	if (f->has_active)
		args[nargs++] = BoolGetDatum(f->active);
	return nargs;
}

/*
 * ListPage collects a page: rows past the offset, up to one more than the
 * count (which tells whether the list is complete).
 */
typedef struct ListPage
{
	int32		skip;			/* rows of the offset still to pass */
	int32		want;			/* rows still to collect */
	List	   *rows;
} ListPage;

/* page_take takes the rows of the last SPI result, in order */
static void
page_take(ListPage *page)
{
	for (uint64 i = 0; i < SPI_processed && page->want > 0; i++)
	{
		WhWebhook  *wh;

		if (page->skip > 0)
		{
			page->skip--;
			continue;
		}
		wh = palloc(sizeof(WhWebhook));
		webhook_from_row(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, wh);
		page->rows = lappend(page->rows, wh);
		page->want--;
	}
}

/* one subscription's range of webhooks._subscription, read in chunks */
typedef struct SubRange
{
	Portal		portal;
	pg_ulid		chunk[LIST_CHUNK];
	int			n;				/* locators in chunk */
	int			next;			/* the first not yet merged */
	bool		done;			/* the range has no more chunks */
} SubRange;

/*
 * range_open opens the range of one subscription of a tenant, in locator
 * order.  The caller has pushed list_plan_settings.
 */
static void
range_open(SubRange *r, const pg_uuid_t *tenant, Datum type)
{
	static SPIPlanPtr plan = NULL;
	Datum		args[2];

	if (plan == NULL)
	{
		Oid			argtypes[2] = {UUIDOID, TEXTOID};

		/* the column, not the uuid of the same name */
		plan = prepare_kept_options("SELECT s.webhook_locator::pg_catalog.uuid"
									" FROM webhooks._subscription s"
									" WHERE s.tenant_locator = $1 AND s.event_type = $2"
									" ORDER BY s.webhook_locator", 2, argtypes,
									CURSOR_OPT_GENERIC_PLAN);
	}
	args[0] = uuid_datum(tenant->data);
	args[1] = type;
	r->portal = SPI_cursor_open(NULL, plan, args, NULL, true);
	r->n = r->next = 0;
	r->done = false;
}

/*
 * range_peek returns the range's next locator without taking it, reading
 * a chunk when needed; NULL at its end.
 */
static const pg_ulid *
range_peek(SubRange *r)
{
	if (r->next == r->n && !r->done)
	{
		SPI_cursor_fetch(r->portal, true, LIST_CHUNK);
		for (uint64 i = 0; i < SPI_processed; i++)
			wh_col_uuid(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1,
						r->chunk[i].data);
		r->n = SPI_processed;
		r->next = 0;
		r->done = r->n < LIST_CHUNK;
		SPI_freetuptable(SPI_tuptable);
	}
	return r->next < r->n ? &r->chunk[r->next] : NULL;
}

/*
 * merge_next sets *out to the least locator of all ranges and takes it
 * from every range that has it; false when all are at their end.
 */
static bool
merge_next(SubRange *ranges, int n, pg_ulid *out)
{
	const pg_ulid *least = NULL;

	for (int i = 0; i < n; i++)
	{
		const pg_ulid *l = range_peek(&ranges[i]);

		if (l != NULL && (least == NULL || memcmp(l->data, least->data, ULID_BYTES) < 0))
			least = l;
	}
	if (least == NULL)
		return false;
	*out = *least;
	for (int i = 0; i < n; i++)
	{
		const pg_ulid *l = range_peek(&ranges[i]);

		if (l != NULL && memcmp(l->data, out->data, ULID_BYTES) == 0)
			ranges[i].next++;
	}
	return true;
}

/*
 * list_merged fills a page of the webhooks of the tenant subscribed to any
 * of types: the ranges of the subscriptions, merged in locator order, are
 * looked up a chunk at a time with the other filters.  It reads no
 * webhook of the tenant that does not subscribe, and only as far as the
 * page goes.
 */
static void
list_merged(const WhListFilter *f, int key, Datum *types, int ntypes,
			ListPage *page)
{
	static SPIPlanPtr plans[64];
	SubRange   *ranges = palloc(sizeof(SubRange) * ntypes);
	Datum		locators[LIST_CHUNK];
	Datum		args[8];
	bool		more = true;
	int			nest;

	if (plans[key] == NULL)
		plans[key] = prepare_list(key);
	nest = list_settings_push();
	for (int i = 0; i < ntypes; i++)
		range_open(&ranges[i], &f->tenant, types[i]);
	list_settings_pop(nest);

	args[0] = uuid_datum(f->tenant.data);
	list_filter_args(f, args, 2);
	while (more && page->want > 0)
	{
		int			n = 0;
		pg_ulid		l;

		/* as many as the page still wants, if every one passes */
		int			batch = Min(LIST_CHUNK, Max(page->skip + page->want, 16));

		while (n < batch && (more = merge_next(ranges, ntypes, &l)))
			locators[n++] = uuid_datum(l.data);
		if (n == 0)
			break;
		args[1] = PointerGetDatum(construct_array(locators, n, UUIDOID,
												  UUID_LEN, false,
												  TYPALIGN_CHAR));
		if (SPI_execute_plan(plans[key], args, NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not list webhooks");
		page_take(page);
	}
	for (int i = 0; i < ntypes; i++)
		SPI_cursor_close(ranges[i].portal);
}

/*
 * list_scanned fills a page by one statement over the tenant's webhooks
 * in locator order.
 */
static void
list_scanned(const WhListFilter *f, int key, ListPage *page)
{
	static SPIPlanPtr plans[32];
	Datum		args[8];
	int			nargs = 0;
	int			rc;

	if (plans[key] == NULL)
		plans[key] = prepare_list(key);
	args[nargs++] = uuid_datum(f->tenant.data);
	nargs = list_filter_args(f, args, nargs);
	if (f->has_event_types)
		args[nargs++] = f->event_types;
	args[nargs++] = Int32GetDatum(f->offset);
	args[nargs++] = Int32GetDatum(page->want);
	page->skip = 0;

	/* by name, one row found by the unique key: no settings needed */
	if (f->name)
		rc = SPI_execute_plan(plans[key], args, NULL, true, 0);
	else
	{
		int			nest = list_settings_push();

		rc = SPI_execute_plan(plans[key], args, NULL, true, 0);
		list_settings_pop(nest);
	}
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not list webhooks: %s", SPI_result_code_string(rc));
	page_take(page);
}

/*
 * wh_store_list returns one page of a tenant's webhooks in locator order,
 * filtered, and tells whether nothing lies beyond it.  The plans are kept
 * per combination of filters.
 */
List *
wh_store_list(const WhListFilter *f, bool *completed)
{
	Datum	   *types = NULL;
	int			ntypes = 0;
	int			key;
	ListPage	page;

	key = (f->name ? LIST_NAME : 0) | (f->has_enabled ? LIST_ENABLED : 0) |
		(f->has_suspended ? LIST_SUSPENDED : 0) |
		(f->has_active ? LIST_ACTIVE : 0) |
		(f->has_event_types ? LIST_TYPES : 0);
	page.skip = f->offset;
	page.want = f->count + 1;
	page.rows = NIL;

	if (f->has_event_types)
		deconstruct_array(DatumGetArrayTypeP(f->event_types), TEXTOID, -1,
						  false, TYPALIGN_INT, &types, NULL, &ntypes);
	/* a name finds one webhook by its unique key: nothing to merge */
	if (f->has_event_types && !f->name && ntypes <= LIST_MERGED_TYPES)
		list_merged(f, key | LIST_MERGED, types, ntypes, &page);
	else
		list_scanned(f, key, &page);

	*completed = list_length(page.rows) <= f->count;
	if (!*completed)
		page.rows = list_delete_last(page.rows);
	return page.rows;
}
