/*-------------------------------------------------------------------------
 *
 * batch.c
 *	  The delivery worker's transactions.
 *
 * One short transaction does, in this order:
 *
 *	- check that the extension is there, at the library's version, and
 *	  that its tables can be locked without waiting;
 *	- record every judged outcome with one call of webhooks._record();
 *	- apply the retention settings, about once a minute;
 *	- claim more due deliveries (webhooks._claim()) while the window has
 *	  room, skipping those it holds (window.c), and learn when the next one
 *	  not yet due comes due.
 *
 * Claims write nothing: the queue rows of the worker's partition are its
 * own, and what it holds it knows (window.c).  A delivery costs the queue
 * two writes, its insert at publish and its delete (or retry) when its
 * outcome is recorded, beside its attempt row.
 *
 * A recording that fails is retried in parts: the next transaction records
 * the batch in halves, each in a subtransaction, down to the one outcome
 * that cannot be recorded.  That one is logged by its keys, recorded again
 * without its text and failure handling, and if even that fails, set
 * aside for webhooks.lease (it is then sent again).  One bad row thus
 * stops recording for one retry interval at most.
 *
 * The shapes of _claim's result and of _record's arguments are described
 * once, here and in delivery.c, and checked against the installed functions
 * when the statements are prepared; _record is called with named
 * arguments.
 *
 * IDENTIFICATION
 *	  src/batch.c
 *
 *-------------------------------------------------------------------------
 */
#include "pg_prelude.h"

#include <malloc.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "pgstat.h"
#include "storage/lmgr.h"
#include "utils/fmgroids.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"

#include "batch.h"
#include "shmem.h"
#include "ulid.h"
#include "webhook_conf.h"
#include "webhooks.h"

#define CLEANUP_INTERVAL_MS 60000
#define HOUSEKEEPING_AGAIN_MS 1000	/* when a call left old rows */
#define CURSOR_RESET_MS 1000	/* back to the floor at least this often */
#define FULL_RESET_MS 60000		/* back to the head at least this often */
#define FLOOR_MARGIN_MS 1000	/* how far before the oldest open transaction */
#define CLAIM_PAGE_MIN 64		/* fewest rows a claim statement reads */
#define HOLD_CLAIMS_MS 100
#define COUNT_INTERVAL_MS 10000	/* how often the queue is counted */
#define COUNT_MAX 1000000		/* most rows counted */
#define CLAIM_NARGS 7
#define RECLAIM_NARGS 4
#define RECLAIMS_MAX 64			/* most webhooks reclaimed for in one claim */
#define CLAIM_PAGES_MAX 16		/* most pages one claim reads */

/* the rows of _delivery that belong to a worker's partition ($1 of $2) */
#define PARTITION_FILTER(p, n) \
	"(webhooks.ulid_hash(webhook_locator) & 2147483647) % " n " = " p

/* the arguments of webhooks._record(), passed by name */
enum
{
	R_T, R_W, R_E, R_ATTEMPT, R_ATTEMPTED_AT, R_DURATION, R_STATUS, R_ERROR,
	R_OUTCOME, R_TRIGGER, R_RESPONSE, R_RETRY_AT, R_DIVERT, R_SUSPEND,
	R_RESEND, R_ROW_CTID, RECORD_NARGS
};

static const struct
{
	const char *name;
	Oid			elem;			/* the array's element type */
	const char *cast;			/* what the text[] is cast to, or NULL */
}			record_args[RECORD_NARGS] = {
	[R_T] = {"t", UUIDOID},
	[R_W] = {"w", UUIDOID},
	[R_E] = {"e", UUIDOID},
	[R_ATTEMPT] = {"attempt", INT4OID},
	[R_ATTEMPTED_AT] = {"attempted_at", TIMESTAMPTZOID},
	[R_DURATION] = {"duration_ms", FLOAT8OID},
	[R_STATUS] = {"status", INT4OID},
	[R_ERROR] = {"error", TEXTOID},
	[R_OUTCOME] = {"outcome", TEXTOID, "webhooks.outcome[]"},
	[R_TRIGGER] = {"trigger", TEXTOID},
	[R_RESPONSE] = {"response", TEXTOID},
	[R_RETRY_AT] = {"retry_at", TIMESTAMPTZOID},
	[R_DIVERT] = {"divert", BOOLOID},
	[R_SUSPEND] = {"suspend", BOOLOID},
	[R_RESEND] = {"resend", BOOLOID},
	[R_ROW_CTID] = {"row_ctid", TIDOID},
};

/*
 * keep prepares one of the worker's statements for good, planned once: a
 * custom plan for each call's values would be made again every time (the
 * next-due query was planned for every batch, because its custom plans
 * always looked cheaper), and none of them would be better.
 */
static SPIPlanPtr
keep(const char *sql, int nargs, Oid *types)
{
	SPIPlanPtr	plan = SPI_prepare_cursor(sql, nargs, types,
										  CURSOR_OPT_GENERIC_PLAN);

	if (plan == NULL || SPI_keepplan(plan) != 0)
		elog(ERROR, "webhooks: could not prepare \"%s\"", sql);
	return plan;
}

/* how long an outcome that could not be recorded is set aside */
static int64
aside_us(void)
{
	return (int64) webhooks_lease_seconds * USECS_PER_SEC;
}

/* ----------------------------------------------------------------
 * Preparing and checking the statements
 * ----------------------------------------------------------------
 */

/*
 * check_shape compares the columns a function returned with what the
 * library reads.
 */
static void
check_shape(const char *function, TupleDesc desc, const WhResultColumn *columns,
			int ncolumns)
{
	bool		differs = desc->natts != ncolumns;

	for (int i = 0; !differs && i < desc->natts; i++)
	{
		Form_pg_attribute a = TupleDescAttr(desc, i);

		if (strcmp(NameStr(a->attname), columns[i].name) != 0 ||
			a->atttypid != columns[i].type)
			differs = true;
	}
	if (differs)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("webhooks: webhooks.%s() does not return what library version %s reads",
						function, EXTVERSION),
				 errhint("Reinstall the extension's files, then run ALTER EXTENSION webhooks UPDATE.")));
}

/*
 * check_claim_shape runs the claims, and the reading of their webhooks, for
 * no rows and compares the columns they return with wh_claim_columns and
 * wh_conf_columns.
 */
static void
check_claim_shape(WhWorker *w)
{
	Datum		args[CLAIM_NARGS];

	args[0] = Int32GetDatum(0);
	args[1] = PointerGetDatum(construct_empty_array(UUIDOID));
	args[2] = TimestampTzGetDatum(DT_NOBEGIN);
	args[3] = args[4] = UUIDPGetDatum(palloc0(sizeof(pg_uuid_t)));
	args[5] = Int32GetDatum(w->npartitions);
	args[6] = Int32GetDatum(w->partition);
	if (SPI_execute_plan(w->plans.claim, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "webhooks: could not run webhooks._claim()");
	check_shape("_claim", SPI_tuptable->tupdesc, wh_claim_columns,
				wh_claim_ncolumns);
	args[1] = args[2] = args[3];	/* no tenant, webhook or event: no rows */
	if (SPI_execute_plan(w->plans.reclaim, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "webhooks: could not run webhooks._claim_webhook()");
	check_shape("_claim_webhook", SPI_tuptable->tupdesc, wh_claim_columns,
				wh_claim_ncolumns);
	args[0] = args[1] = PointerGetDatum(construct_empty_array(UUIDOID));
	if (SPI_execute_plan(w->plans.confs, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "webhooks: could not run webhooks._claim_webhooks()");
	check_shape("_claim_webhooks", SPI_tuptable->tupdesc, wh_conf_columns,
				wh_conf_ncolumns);
}

/*
 * check_outcomes compares the labels of webhooks.outcome with
 * wh_outcome_names.
 */
static void
check_outcomes(void)
{
	bool		same;

	if (SPI_execute("SELECT enumlabel FROM pg_catalog.pg_enum"
					" WHERE enumtypid = 'webhooks.outcome'::pg_catalog.regtype"
					" ORDER BY enumsortorder", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "webhooks: could not read the type webhooks.outcome");
	same = SPI_processed == WH_OUTCOME_COUNT;
	for (uint64 i = 0; same && i < SPI_processed; i++)
		same = strcmp(SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1),
					  wh_outcome_names[i]) == 0;
	if (!same)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("webhooks: the type webhooks.outcome does not have the outcomes library version %s records",
						EXTVERSION),
				 errhint("Reinstall the extension's files, then run ALTER EXTENSION webhooks UPDATE.")));
}

static void
free_plans(WhPlans *plans)
{
	SPIPlanPtr *all[] = {&plans->claim, &plans->reclaim, &plans->confs, &plans->record,
	&plans->next_due, &plans->count, &plans->oldest};

	for (int i = 0; i < lengthof(all); i++)
	{
		if (*all[i] != NULL)
			SPI_freeplan(*all[i]);
		*all[i] = NULL;
	}
}

/*
 * prepare_plans makes the worker's statements for the extension as it is
 * installed now, and checks that they fit the library.
 */
static void
prepare_plans(WhWorker *w)
{
	Oid			claim_types[CLAIM_NARGS] = {INT4OID, UUIDARRAYOID,
	TIMESTAMPTZOID, UUIDOID, UUIDOID, INT4OID, INT4OID};
	Oid			reclaim_types[RECLAIM_NARGS] = {INT4OID, UUIDOID, UUIDOID, UUIDOID};
	Oid			part_types[2] = {INT4OID, INT4OID};
	Oid			conf_types[2] = {UUIDARRAYOID, UUIDARRAYOID};
	Oid			oid_types[1] = {OIDOID};
	Oid			record_types[RECORD_NARGS];
	StringInfoData sql;

	free_plans(&w->plans);

	w->plans.claim = keep("SELECT * FROM webhooks._claim($1, $2, $3, $4, $5, $6, $7)",
						  CLAIM_NARGS, claim_types);
	w->plans.reclaim = keep("SELECT * FROM webhooks._claim_webhook($1, $2, $3, $4)",
							RECLAIM_NARGS, reclaim_types);
	w->plans.confs = keep("SELECT * FROM webhooks._claim_webhooks($1, $2)",
						  2, conf_types);
	check_claim_shape(w);
	check_outcomes();

	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT webhooks._record(");
	for (int i = 0; i < RECORD_NARGS; i++)
	{
		record_types[i] = get_array_type(record_args[i].elem);
		appendStringInfo(&sql, "%s%s => $%d%s%s", i > 0 ? ", " : "",
						 quote_identifier(record_args[i].name), i + 1,
						 record_args[i].cast ? "::" : "",
						 record_args[i].cast ? record_args[i].cast : "");
	}
	appendStringInfoChar(&sql, ')');
	w->plans.record = keep(sql.data, RECORD_NARGS, record_types);
	w->plans.next_due = keep("SELECT min(due_at) FROM webhooks._delivery"
							 " WHERE due_at > now() AND " PARTITION_FILTER("$1", "$2"),
							 2, part_types);
	/* autovacuum and delivery workers write no row with an early due time */
	w->plans.oldest = keep("SELECT min(xact_start) FROM pg_catalog.pg_stat_get_activity(NULL)"
						   " WHERE datid = $1 AND backend_type <> 'autovacuum worker'"
						   " AND backend_type <> 'webhooks delivery worker'",
						   1, oid_types);
	w->plans.count = keep("SELECT count(*) FROM (SELECT FROM webhooks._delivery"
						  " WHERE " PARTITION_FILTER("$1", "$2")
						  " LIMIT " CppAsString2(COUNT_MAX) ") q", 2, part_types);
}

/* ----------------------------------------------------------------
 * Is the extension there?
 * ----------------------------------------------------------------
 */

/*
 * extension_version returns the installed version of the extension with
 * this OID, or NULL.
 */
static char *
extension_version(Oid ext)
{
	Relation	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	char	   *version = NULL;

	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(ext));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		bool		isnull;
		Datum		v = heap_getattr(tup, Anum_pg_extension_extversion,
									 RelationGetDescr(rel), &isnull);

		if (!isnull)
			version = TextDatumGetCString(v);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return version;
}

/*
 * extension_ready reports whether webhooks is installed in this database
 * at the library's version, and takes the locks the batch needs on its
 * tables, conditionally: when DROP EXTENSION (or anything else: autovacuum
 * truncating the queue, a LOCK TABLE) holds one, the worker steps aside
 * rather than deadlock with it or make it wait, and tries again shortly
 * with all it holds.
 */
static WhReady
extension_ready(WhWorker *w)
{
	static const char *const tables[] = {
		"_delivery", "_webhook", "_event", "_attempt", "_webhook_stats",
		"_diverted_event"
	};
	Oid			ext = get_extension_oid("webhooks", true);
	Oid			nsp;
	char	   *version;

	if (!OidIsValid(ext))
		return WH_EXTENSION_ABSENT;
	version = extension_version(ext);
	if (version == NULL)
		return WH_EXTENSION_ABSENT;
	if (strcmp(version, EXTVERSION) != 0)
	{
		/* said once, until it changes */
		if (!w->version_warned)
			ereport(LOG,
					(errmsg("webhooks: the extension in database \"%s\" is version %s, the library is version %s: nothing is delivered until they match",
							get_database_name(MyDatabaseId), version, EXTVERSION),
					 errhint("Run ALTER EXTENSION webhooks UPDATE in that database.")));
		w->version_warned = true;
		return WH_EXTENSION_OTHER_VERSION;
	}
	if (w->version_warned)
		ereport(LOG, (errmsg("webhooks: the extension is version %s again: delivering",
							 version)));
	w->version_warned = false;

	nsp = get_namespace_oid(WEBHOOKS_SCHEMA, true);
	if (!OidIsValid(nsp))
		return WH_EXTENSION_ABSENT;
	for (int i = 0; i < lengthof(tables); i++)
	{
		Oid			rel = get_relname_relid(tables[i], nsp);

		if (!OidIsValid(rel))
			return WH_EXTENSION_ABSENT;
		if (!ConditionalLockRelationOid(rel, RowExclusiveLock))
			return WH_EXTENSION_BUSY;
	}

	/* a new installation, or an updated one: statements made afresh */
	if (ext != w->extension || w->plans.claim == NULL)
	{
		w->extension = InvalidOid;
		prepare_plans(w);
		w->extension = ext;
	}
	return WH_EXTENSION_READY;
}

/* ----------------------------------------------------------------
 * Recording
 * ----------------------------------------------------------------
 */

/*
 * record_some writes the outcomes of n deliveries with one call of
 * _record().
 */
static void
record_some(WhWorker *w, WhDelivery **items, int n)
{
	Datum		args[RECORD_NARGS];
	Datum	   *cols[RECORD_NARGS];
	bool	   *nulls[RECORD_NARGS];
	int			dims[1] = {n};
	int			lbs[1] = {1};

	for (int c = 0; c < RECORD_NARGS; c++)
	{
		cols[c] = palloc(sizeof(Datum) * n);
		nulls[c] = palloc0(sizeof(bool) * n);
	}

	for (int i = 0; i < n; i++)
	{
		WhDelivery *d = items[i];
		WhRequest  *r = &d->req;
		bool		again = d->outcome == WH_OUTCOME_RETRYING;

		CHECK_FOR_INTERRUPTS();
		Assert(d->state == WH_DELIVERY_RECORDING && !d->is_alert);
		cols[R_T][i] = UUIDPGetDatum(&d->key.tenant);
		cols[R_W][i] = UUIDPGetDatum(&d->key.webhook);
		cols[R_E][i] = UUIDPGetDatum(&d->key.event);
		cols[R_ATTEMPT][i] = Int32GetDatum(d->attempt);
		cols[R_ATTEMPTED_AT][i] = TimestampTzGetDatum(d->attempted_at);
		cols[R_DURATION][i] = Float8GetDatum(r->duration_ms);
		nulls[R_DURATION][i] = !d->sent;
		cols[R_STATUS][i] = Int32GetDatum(r->status);
		nulls[R_STATUS][i] = !d->sent || r->status == 0;
		nulls[R_ERROR][i] = d->message == NULL;
		if (d->message)
			cols[R_ERROR][i] = CStringGetTextDatum(d->message);
		cols[R_OUTCOME][i] = CStringGetTextDatum(wh_outcome_names[d->outcome]);
		nulls[R_TRIGGER][i] = d->trigger == NULL;
		if (d->trigger)
			cols[R_TRIGGER][i] = CStringGetTextDatum(d->trigger);
		nulls[R_RESPONSE][i] = !d->sent || d->response == NULL;
		if (!nulls[R_RESPONSE][i])
			cols[R_RESPONSE][i] = CStringGetTextDatum(d->response);
		cols[R_RETRY_AT][i] = TimestampTzGetDatum(d->retry_at);
		nulls[R_RETRY_AT][i] = !again;
		/* wake up for the earliest retry */
		if (again && (w->next_due == 0 || d->retry_at < w->next_due))
			w->next_due = d->retry_at;
		cols[R_DIVERT][i] = BoolGetDatum(d->divert_now);
		cols[R_SUSPEND][i] = BoolGetDatum(d->suspend_now);
		cols[R_RESEND][i] = BoolGetDatum(d->resend);
		cols[R_ROW_CTID][i] = PointerGetDatum(&d->row);
	}

	for (int c = 0; c < RECORD_NARGS; c++)
	{
		int16		typlen;
		bool		typbyval;
		char		typalign;

		get_typlenbyvalalign(record_args[c].elem, &typlen, &typbyval, &typalign);
		args[c] = PointerGetDatum(construct_md_array(cols[c], nulls[c], 1, dims,
													 lbs, record_args[c].elem,
													 typlen, typbyval, typalign));
	}
	if (SPI_execute_plan(w->plans.record, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "webhooks: could not record outcomes");
}

/*
 * error_is_transient tells errors that say nothing about the outcomes
 * being recorded (a deadlock, a lock or statement timeout, no memory, a
 * shutdown) from those that may be caused by one of them.
 */
static bool
error_is_transient(int sqlerrcode)
{
	switch (ERRCODE_TO_CATEGORY(sqlerrcode))
	{
		case ERRCODE_TRANSACTION_ROLLBACK:	/* class 40 */
		case ERRCODE_INSUFFICIENT_RESOURCES:	/* 53 */
		case ERRCODE_OPERATOR_INTERVENTION: /* 57 */
		case ERRCODE_SYSTEM_ERROR:	/* 58 */
		case ERRCODE_CONNECTION_EXCEPTION:	/* 08 */
			return true;
		default:
			return sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE;
	}
}

static void record_part(WhWorker *w, WhDelivery **items, int n);

/*
 * set_aside handles the one outcome that could not be recorded: it is
 * logged by its keys (never its data), and recorded again without its
 * text and failure handling; if even that fails, it is set aside for
 * webhooks.lease (wh_batch_committed), then sent again.
 */
static void
set_aside(WhWorker *w, WhDelivery *d, int sqlerrcode)
{
	bool		stripped = d->message == NULL && d->response == NULL &&
		d->trigger == NULL && !d->divert_now && !d->suspend_now;

	ereport(LOG,
			(errmsg("webhooks: could not record the outcome of event %s for webhook %s (SQLSTATE %s)%s",
					ulid_to_cstring((pg_ulid *) &d->key.event),
					ulid_to_cstring((pg_ulid *) &d->key.webhook),
					unpack_sql_state(sqlerrcode),
					stripped ? "; it will be sent again after webhooks.lease" :
					"; recording it without its message, response and failure handling")));
	if (stripped)
	{
		/* nothing recorded: its row stays due, and is claimed again then */
		d->unrecordable = true;
		return;
	}
	d->message = NULL;
	d->response = NULL;
	d->trigger = NULL;
	d->divert_now = d->suspend_now = false;
	record_part(w, &d, 1);
}

/*
 * record_part records n outcomes in a subtransaction, and the halves of
 * them apart when that fails.
 */
static void
record_part(WhWorker *w, WhDelivery **items, int n)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		record_some(w, items, n);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;

		if (error_is_transient(edata->sqlerrcode))
			ReThrowError(edata);
		if (n > 1)
		{
			record_part(w, items, n / 2);
			record_part(w, items + n / 2, n - n / 2);
		}
		else
			set_aside(w, items[0], edata->sqlerrcode);
		FreeErrorData(edata);
	}
	PG_END_TRY();
}

/*
 * record_judged records what was judged before the transaction began: at
 * once, or in parts after a recording failed.
 */
static void
record_judged(WhWorker *w)
{
	WhDelivery **items;
	dlist_iter	it;
	int			n = 0;

	wh_list_move(&w->recording, &w->judged, WH_DELIVERY_RECORDING);
	if (w->recording.count == 0)
		return;
	items = palloc(sizeof(WhDelivery *) * w->recording.count);
	wh_list_foreach(it, &w->recording)
		items[n++] = wh_list_delivery(it);

	if (w->record_in_parts)
		record_part(w, items, n);
	else
		record_some(w, items, n);

	for (int i = 0; i < n; i++)
	{
		if (!items[i]->unrecordable)
			w->recorded[items[i]->outcome]++;
		if (items[i]->suspend_now)
			w->suspended_any = true;
	}
}

/* ----------------------------------------------------------------
 * Claiming
 * ----------------------------------------------------------------
 */

static bool
cursor_after(const WhClaimCursor *c, TimestampTz due, const pg_uuid_t *event,
			 const pg_uuid_t *webhook)
{
	int			cmp;

	if (due != c->due)
		return due > c->due;
	cmp = memcmp(event->data, c->event.data, UUID_LEN);
	if (cmp != 0)
		return cmp > 0;
	return memcmp(webhook->data, c->webhook.data, UUID_LEN) > 0;
}

/* moves the cursor on to a row's place, unless it is past it already */
static void
cursor_advance(WhClaimCursor *c, TimestampTz due, const pg_uuid_t *event,
			   const pg_uuid_t *webhook)
{
	if (cursor_after(c, due, event, webhook))
	{
		c->due = due;
		c->event = *event;
		c->webhook = *webhook;
	}
}

/* after every key: the end of a due time */
static const pg_uuid_t max_uuid = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

/*
 * cursor_reset moves the cursor back to just before "from" (DT_NOBEGIN:
 * the head of the queue).
 */
static void
cursor_reset(WhClaimCursor *c, TimestampTz from)
{
	c->due = from == DT_NOBEGIN ? DT_NOBEGIN : from - 1;
	memset(&c->event, 0, sizeof(c->event));
	memset(&c->webhook, 0, sizeof(c->webhook));
}

/*
 * wh_batch_rewind makes the next claim start from the head of the queue:
 * a delivery let go unrecorded is due again behind the cursor.
 */
void
wh_batch_rewind(WhWorker *w)
{
	w->cursor.rewind = true;
	w->more_due = true;
}

/*
 * oldest_running_start returns when the oldest transaction now open in
 * this database began: a row it may yet commit is due no earlier (a queue
 * row is due at its transaction's now() unless it is a retry, due later).
 * Autovacuum, which runs long transactions, writes no queue row, nor do
 * the delivery workers but retries (due later).
 */
static TimestampTz
oldest_running_start(WhWorker *w, TimestampTz now)
{
	Datum		arg = ObjectIdGetDatum(MyDatabaseId);
	bool		isnull = true;
	Datum		v = 0;

	if (SPI_execute_plan(w->plans.oldest, &arg, NULL, true, 1) == SPI_OK_SELECT &&
		SPI_processed == 1)
		v = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? now : Min(now, DatumGetTimestampTz(v));
}

/*
 * move_cursor decides where the claim about to run starts.
 *
 * Claims page through the queue in claim order from a cursor, so that the
 * rows in flight, and the deleted rows a drained queue leaves in its index
 * until the next vacuum, are not read again and again.  Rows appear behind
 * the cursor in two ways only: a transaction that was open when the cursor
 * passed commits (its rows are due when it began, no earlier than the
 * oldest open transaction's start when each claim ran: "floor"), or the
 * worker lets go of a delivery unrecorded.
 *
 * The cursor goes back to the floor when a claim came up short, a further
 * FLOOR_MARGIN_MS back every CURSOR_RESET_MS (a backend shows its
 * transaction's start a moment after the time it takes as its start, so a
 * claim may not have seen it), and to the head of the queue after a
 * delivery was let go and every FULL_RESET_MS (rows of prepared
 * transactions, which no backend shows as open, and rows written by hand).
 * At each of the last two, reclaims (window.c) start again from each
 * webhook's head too: a full webhook's rows that claims pass without
 * seeing them (SQL skips them) may lie behind where its reclaims have got
 * to, as a retry come due, a resend or a late commit does.
 *
 * A transaction that queued rows through the extension's functions also
 * says when it began as it commits (events.c).  The cursor goes back there
 * when no claim saw that transaction open (the floor is later): its start
 * was shown too late, or never (track_activities off).  Those the floor
 * covers are left to it, so that claims limited by the window do not read
 * again, at every commit, the rows they hold.  The rows of a transaction
 * whose word is taken here are visible to the claim that follows: it said
 * so after it committed, and each claim statement takes its own snapshot
 * (the worker runs in READ COMMITTED: worker.c).
 *
 * Going back to a time means going back to just before it: rows due at
 * the cursor's own time are behind it when their event sorts before the
 * cursor's, as when two transactions began in the same microsecond.
 */
static void
move_cursor(WhWorker *w)
{
	WhClaimCursor *c = &w->cursor;
	TimestampTz now = GetCurrentTimestamp();
	TimestampTz oldest = oldest_running_start(w, now);
	TimestampTz wide = oldest - (TimestampTz) FLOOR_MARGIN_MS * 1000;
	TimestampTz queued_from;

	SpinLockAcquire(&wh_shared->mutex);
	queued_from = w->slot->queued_from;
	w->slot->queued_from = DT_NOEND;
	SpinLockRelease(&wh_shared->mutex);
	if (queued_from < c->floor && queued_from <= c->due)
		cursor_reset(c, queued_from);

	c->floor = Min(c->floor, oldest);
	c->wide_floor = Min(c->wide_floor, wide);
	if (c->rewind || now - c->full_reset_at >= (TimestampTz) FULL_RESET_MS * 1000)
	{
		cursor_reset(c, DT_NOBEGIN);
		wh_window_reclaim_from_heads(&w->window);
		c->full_reset_at = c->reset_at = now;
		c->wide_floor = wide;
		c->rewind = false;
	}
	else if (now - c->reset_at >= (TimestampTz) CURSOR_RESET_MS * 1000)
	{
		/*
		 * Every second, a second further back: a backend shows its
		 * transaction's start only once the transaction has begun, a
		 * moment after the time it takes as its start (when its statement
		 * arrived), so one may have been missed.
		 */
		if (c->wide_floor <= c->due)
			cursor_reset(c, c->wide_floor);
		wh_window_reclaim_from_heads(&w->window);
		c->reset_at = now;
		c->wide_floor = wide;
	}
	else if (c->came_short)
	{
		if (c->floor <= c->due)
			cursor_reset(c, c->floor);
	}
	else
		return;
	/* what is open now is what the next reset must reach back to */
	c->floor = oldest;
	c->came_short = false;
}

/*
 * a row of a claim page, read once: its columns, its key, whether held,
 * and whether its webhook was full when the page was read
 */
typedef struct PageRow
{
	WhClaimRow	row;
	WhDeliveryKey key;
	bool		held;
	bool		full;
} PageRow;

/*
 * read_confs brings the configurations of the webhooks of a claim page's
 * rows up to date (webhook_conf.c): one _claim_webhooks() call for the
 * page, one row for each webhook not held.
 */
static void
read_confs(WhWorker *w, const PageRow *rows, uint64 nrows)
{
	Datum	   *tenants = palloc(sizeof(Datum) * nrows);
	Datum	   *webhooks = palloc(sizeof(Datum) * nrows);
	int			n = 0;
	Datum		args[2];

	w->claim_pages++;
	for (uint64 i = 0; i < nrows; i++)
	{
		if (rows[i].held || rows[i].full ||
			!wh_conf_wanted(&rows[i].key.tenant, &rows[i].key.webhook,
							w->claim_pages))
			continue;
		tenants[n] = rows[i].row.values[0];
		webhooks[n] = rows[i].row.values[1];
		n++;
	}
	if (n == 0)
		return;
	args[0] = PointerGetDatum(construct_array(tenants, n, UUIDOID, UUID_LEN,
											  false, TYPALIGN_CHAR));
	args[1] = PointerGetDatum(construct_array(webhooks, n, UUIDOID, UUID_LEN,
											  false, TYPALIGN_CHAR));
	if (SPI_execute_plan(w->plans.confs, args, NULL, false, 0) != SPI_OK_SELECT ||
		SPI_processed != (uint64) n)
		elog(ERROR, "webhooks: could not read the claimed webhooks");
	for (uint64 i = 0; i < SPI_processed; i++)
		wh_conf_from_row(SPI_tuptable->vals[i], SPI_tuptable->tupdesc);
	SPI_freetuptable(SPI_tuptable);
}

/*
 * read_page reads the rows of a claim page, and brings the configurations
 * of their webhooks up to date.
 */
static PageRow *
read_page(WhWorker *w, SPITupleTable *page_rows, uint64 nrows)
{
	PageRow    *rows = palloc(sizeof(PageRow) * Max(nrows, 1));

	for (uint64 i = 0; i < nrows; i++)
	{
		wh_claim_row(page_rows->vals[i], page_rows->tupdesc, &rows[i].row);
		wh_claim_key(&rows[i].row, &rows[i].key);
		rows[i].held = wh_window_holds(&w->window, &rows[i].key);
		rows[i].full = wh_window_full(&w->window, &rows[i].key.webhook);
	}
	read_confs(w, rows, nrows);
	return rows;
}

/*
 * take_row takes a claimed row the worker does not hold: to send, on the
 * claimed list; needing no request, judged at once.
 */
static void
take_row(WhWorker *w, const PageRow *r)
{
	WhDelivery *d = wh_delivery_from_claim(&r->row,
										   wh_conf_find(&r->key.tenant, &r->key.webhook),
										   w->delivery_cxt);

	wh_window_hold(&w->window, d);
	if (d->sent)
		wh_list_push(&w->claimed, d, WH_DELIVERY_CLAIMED);
	else
		wh_list_push(&w->judged, d, WH_DELIVERY_JUDGED);
}

/*
 * reclaim claims, for the webhooks that have room again after claims
 * passed their rows (window.c), up to n deliveries by their key, and
 * returns how many it took.  A reclaim from a webhook's head reads its
 * held rows first, and skips them.
 */
static int
reclaim(WhWorker *w, int n)
{
	WhReclaim	r[RECLAIMS_MAX];
	int			nr = wh_window_reclaims(&w->window, r, lengthof(r));
	int			taken = 0;

	for (int k = 0; k < nr && taken < n; k++)
	{
		int			want = Min(r[k].room, n - taken);
		int			got = 0;
		int			pages = 0;
		bool		at_end;

		if (want == 0)
		{
			/* full again before its turn came */
			wh_window_reclaimed(&w->window, &r[k], false);
			continue;
		}
		do
		{
			int			page = Max(want - got, CLAIM_PAGE_MIN);
			Datum		args[RECLAIM_NARGS];
			SPITupleTable *page_rows;
			PageRow    *rows;
			uint64		nrows;
			uint64		i;

			args[0] = Int32GetDatum(page);
			args[1] = UUIDPGetDatum(&r[k].key.tenant);
			args[2] = UUIDPGetDatum(&r[k].key.webhook);
			args[3] = UUIDPGetDatum(&r[k].key.event);
			if (SPI_execute_plan(w->plans.reclaim, args, NULL, false, 0) != SPI_OK_SELECT)
				elog(ERROR, "webhooks: could not claim deliveries");
			page_rows = SPI_tuptable;
			nrows = SPI_processed;
			rows = read_page(w, page_rows, nrows);
			for (i = 0; i < nrows && got < want; i++)
			{
				CHECK_FOR_INTERRUPTS();
				r[k].key.event = rows[i].key.event;
				if (rows[i].held)
					continue;
				take_row(w, &rows[i]);
				got++;
			}
			at_end = i == nrows && nrows < (uint64) page;
			pfree(rows);
			SPI_freetuptable(page_rows);
		} while (!at_end && got < want && ++pages < CLAIM_PAGES_MAX);
		wh_window_reclaimed(&w->window, &r[k], at_end);
		taken += got;
	}
	return taken;
}

/*
 * claim takes up to n due deliveries that the worker does not hold yet:
 * those to send go on the claimed list, those that need no request are
 * judged at once.  Rows the worker holds (read again after the cursor went
 * back), and those of webhooks with as many requests out as they may have,
 * are skipped, and more pages read while they fill them.
 */
static void
claim(WhWorker *w, int n)
{
	Datum		args[CLAIM_NARGS];
	int			nexcluded;
	int			taken;
	int			read = 0;
	int			pages = 0;
	bool		full;

	/* pages of at least CLAIM_PAGE_MIN: held rows read again are skipped */
	int			page = Max(n, Min(CLAIM_PAGE_MIN, webhooks_batch_size));

	/* half of n at most: the rest of the queue has its page every claim */
	taken = reclaim(w, Max(n / 2, 1));
	move_cursor(w);
	args[0] = Int32GetDatum(page);
	args[1] = wh_window_saturated(&w->window, &nexcluded);
	args[5] = Int32GetDatum(w->npartitions);
	args[6] = Int32GetDatum(w->partition);
	do
	{
		uint64		i;
		SPITupleTable *page_rows;
		PageRow    *rows;
		uint64		nrows;

		args[2] = TimestampTzGetDatum(w->cursor.due);
		args[3] = UUIDPGetDatum(&w->cursor.event);
		args[4] = UUIDPGetDatum(&w->cursor.webhook);
		if (SPI_execute_plan(w->plans.claim, args, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "webhooks: could not claim deliveries");
		page_rows = SPI_tuptable;
		nrows = SPI_processed;
		rows = read_page(w, page_rows, nrows);
		/* a page is full, or the claim read as far as it may (see _claim) */
		full = nrows >= (uint64) page ||
			(nrows > 0 && !rows[nrows - 1].row.nulls[WH_CLAIM_READ_ON - 1] &&
			 DatumGetBool(rows[nrows - 1].row.values[WH_CLAIM_READ_ON - 1]));
		for (i = 0; i < nrows && taken < n; i++)
		{
			const PageRow *r = &rows[i];
			TimestampTz due;

			CHECK_FOR_INTERRUPTS();
			due = DatumGetTimestampTz(r->row.values[WH_CLAIM_DUE_AT - 1]);
			cursor_advance(&w->cursor, due, &r->key.event, &r->key.webhook);
			/* a page holds a key once: held then is held now */
			if (r->held)
			{
				read++;
				continue;
			}

			/*
			 * Rows of full webhooks are passed (reclaimed later): they do
			 * not count against what a claim reads for held rows, but
			 * pages do.
			 */
			if (wh_window_passes(&w->window, &r->key))
				continue;
			read++;
			take_row(w, r);
			taken++;
		}
		/* rows left unread in a page taken up to n: more is due */
		full = full || i < nrows;
		pfree(rows);
		SPI_freetuptable(page_rows);
	} while (full && taken < n && read < w->window.held + n &&
			 ++pages < CLAIM_PAGES_MAX);

	/* reclaims left for want of room in this claim are due too */
	w->more_due = full || w->window.reclaims > 0;
	if (!full)
	{
		/* the end of what is due: the next claim starts from the floor */
		w->cursor.came_short = true;

		/*
		 * Every row due when the batch began was read: those of full
		 * webhooks that did not come back lie behind that time too (and
		 * the floor covers what was not yet committed).
		 */
		if (nexcluded > 0)
			cursor_advance(&w->cursor, GetCurrentTransactionStartTimestamp(),
						   &max_uuid, &max_uuid);

		/*
		 * Coming up short while webhooks were full means the rest of the
		 * queue was theirs, passed: reading it again at every wake-up
		 * would cost more than it finds.  Wait until one of them has room
		 * again (or a moment).
		 */
		if (nexcluded > 0)
			w->claims_held_until = GetCurrentTimestamp() +
				(TimestampTz) HOLD_CLAIMS_MS * 1000;
	}
}

/*
 * find_next_due learns when the earliest delivery not yet due comes due.
 */
static void
find_next_due(WhWorker *w)
{
	bool		isnull;
	Datum		d;
	Datum		args[2] = {Int32GetDatum(w->partition), Int32GetDatum(w->npartitions)};

	if (SPI_execute_plan(w->plans.next_due, args, NULL, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		return;
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

	/*
	 * Keep a retry this batch recorded: the read-only query sees the queue
	 * as the batch found it.
	 */
	if (!isnull && (w->next_due == 0 || DatumGetTimestampTz(d) < w->next_due))
		w->next_due = DatumGetTimestampTz(d);
}

/*
 * housekeeping applies the retention settings, and returns memory to the
 * system, about once a minute.  _housekeeping reads a bounded part of the
 * tables each time, and answers where the next call goes on from, and
 * whether it left old rows for lack of budget (then it runs again within a
 * second, until it catches up).
 */
static void
housekeeping(WhWorker *w)
{
	TimestampTz now = GetCurrentTimestamp();
	Datum		args[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};
	Oid			types[4] = {INT4OID, INT4OID, UUIDOID, UUIDOID};
	bool		isnull;

	if (now < w->next_housekeeping)
		return;
	w->next_housekeeping = now + (TimestampTz) CLEANUP_INTERVAL_MS * 1000;

	/* give memory freed after a burst back to the system */
	wh_confs_trim();
	wh_header_sets_trim();
	malloc_trim(0);
	/* one worker of a database applies the retention: the first */
	if (w->partition != 0)
		return;
	args[0] = Int32GetDatum(webhooks_attempt_retention);
	args[1] = Int32GetDatum(webhooks_event_retention);
	args[2] = UUIDPGetDatum(&w->attempts_after_tenant);
	args[3] = UUIDPGetDatum(&w->attempts_after_webhook);
	if (!w->attempts_after_valid)
		nulls[2] = nulls[3] = 'n';
	if (SPI_execute_with_args("SELECT * FROM webhooks._housekeeping($1, $2, $3, $4)",
							  4, types, args, nulls, false, 0) != SPI_OK_SELECT ||
		SPI_processed != 1)
	{
		elog(WARNING, "webhooks: housekeeping failed");
		return;
	}
	(void) SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	w->attempts_after_valid = !isnull;
	if (!isnull)
	{
		wh_col_uuid(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
					&w->attempts_after_tenant);
		wh_col_uuid(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2,
					&w->attempts_after_webhook);
	}
	/* it stopped for its budget with old rows perhaps left: again soon */
	if (wh_col_bool(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3))
		w->next_housekeeping = now + (TimestampTz) HOUSEKEEPING_AGAIN_MS * 1000;
}

/*
 * count_queue counts the queue rows of the worker's partition, up to
 * COUNT_MAX, for monitoring, every COUNT_INTERVAL_MS.
 */
static void
count_queue(WhWorker *w)
{
	TimestampTz now = GetCurrentTimestamp();
	Datum		args[2] = {Int32GetDatum(w->partition), Int32GetDatum(w->npartitions)};
	bool		isnull;

	if (now < w->next_count)
		return;
	w->next_count = now + (TimestampTz) COUNT_INTERVAL_MS * 1000;
	if (SPI_execute_plan(w->plans.count, args, NULL, true, 1) == SPI_OK_SELECT &&
		SPI_processed == 1)
		w->slot->queued = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
													  SPI_tuptable->tupdesc, 1,
													  &isnull));
}

/* ----------------------------------------------------------------
 * The batch
 * ----------------------------------------------------------------
 */

/*
 * wh_batch_run runs one batch transaction.  Claimed deliveries are left on
 * w->claimed, to be sent once it committed.  Errors propagate: the caller
 * then calls wh_batch_failed.
 */
WhReady
wh_batch_run(WhWorker *w, bool do_claim)
{
	WhReady		ready;
	int			room = webhooks_max_inflight - wh_http_inflight();

	Assert(w->claimed.count == 0 && w->recording.count == 0);
	memset(w->recorded, 0, sizeof(w->recorded));

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	/* what pg_stat_activity.query shows while the batch runs */
	snprintf(w->activity, sizeof(w->activity),
			 "webhooks: recording %d outcomes, claiming up to %d (partition %d of %d, %d held)",
			 w->judged.count, do_claim ? Min(Max(room, 0), webhooks_batch_size) : 0,
			 w->partition + 1, w->npartitions, w->window.held);
	pgstat_report_activity(STATE_RUNNING, w->activity);

	ready = extension_ready(w);
	if (ready == WH_EXTENSION_READY)
	{
		record_judged(w);
		/* keep the connections busy while the transaction goes on */
		wh_http_drive();
		housekeeping(w);
		count_queue(w);
		if (do_claim && room > 0)
		{
			/* what was set aside long enough is claimed again */
			if (wh_window_release(&w->window, GetCurrentTimestamp()) > 0)
				wh_batch_rewind(w);
			claim(w, Min(room, webhooks_batch_size));
			if (!w->more_due)
				find_next_due(w);
		}
	}

	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
	return ready;
}

/*
 * wh_forget_delivery lets go of a held delivery without recording it.
 */
void
wh_forget_delivery(WhWorker *w, WhDelivery *d)
{
	wh_window_let_go(&w->window, d);
	wh_delivery_free(d);
}

/*
 * wh_batch_committed settles what a committed batch did.
 */
void
wh_batch_committed(WhWorker *w, WhReady ready)
{
	WhDelivery *d;
	uint64		attempts = 0;

	switch (ready)
	{
		case WH_EXTENSION_READY:
			/* recorded, or set aside */
			while ((d = wh_list_pop(&w->recording)) != NULL)
			{
				if (d->unrecordable)
					wh_window_set_aside(&w->window, d,
										GetCurrentTimestamp() + aside_us());
				else
					wh_forget_delivery(w, d);
			}
			w->record_in_parts = false;
			break;
		case WH_EXTENSION_ABSENT:
			/* nowhere to record: the rows went with the extension */
			while ((d = wh_list_pop(&w->judged)) != NULL)
				wh_forget_delivery(w, d);
			break;
		case WH_EXTENSION_BUSY:
		case WH_EXTENSION_OTHER_VERSION:
			/* nothing was touched: all is kept for the next try */
			break;
	}
	Assert(w->recording.count == 0);

	for (int i = 0; i < WH_OUTCOME_COUNT; i++)
		attempts += w->recorded[i];
	pg_atomic_fetch_add_u64(&wh_shared->attempts, attempts);
	pg_atomic_fetch_add_u64(&wh_shared->failed, w->recorded[WH_OUTCOME_FAILED]);
	wh_count_delivered(w->slot, w->recorded[WH_OUTCOME_DELIVERED], (uint64) time(NULL));
}

/*
 * wh_batch_failed undoes in memory what a batch that failed did: its
 * claims did not happen, and what it recorded is recorded again, in parts.
 */
void
wh_batch_failed(WhWorker *w)
{
	WhDelivery *d;

	while ((d = wh_list_pop(&w->claimed)) != NULL)
		wh_forget_delivery(w, d);
	while ((d = wh_list_pop(&w->recording)) != NULL)
	{
		/* nothing of it was recorded: try again, in parts */
		d->unrecordable = false;
		wh_list_push(&w->judged, d, WH_DELIVERY_JUDGED);
	}
	w->record_in_parts = true;
	/* what was claimed lies behind the cursor */
	wh_batch_rewind(w);
	w->suspended_any = false;
	memset(w->recorded, 0, sizeof(w->recorded));
}
