/*-------------------------------------------------------------------------
 *
 * monitor.c
 *	  Watching delivery from SQL: the workers' slots and counters (behind
 *	  the webhooks.workers and webhooks.delivery_stats views) and
 *	  fetch_webhook_attempts(), a tenant's answer to "why did it fail".
 *
 * IDENTIFICATION
 *	  src/monitor.c
 *
 *-------------------------------------------------------------------------
 */
#include "pg_prelude.h"

#include "commands/dbcommands.h"

#include "call.h"
#include "jsonb_util.h"
#include "shmem.h"
#include "store.h"
#include "webhooks.h"

PG_FUNCTION_INFO_V1(webhooks_worker_state);
PG_FUNCTION_INFO_V1(webhooks_workers);
PG_FUNCTION_INFO_V1(webhooks_held);

#define ATTEMPTS_DEFAULT_COUNT	100
#define ATTEMPTS_MAX_COUNT		1000

/*
 * webhooks_worker_state returns one row: the pid of this database's first
 * delivery worker (NULL when none runs), the cluster's counters since the
 * server started, and this database's mean deliveries per second over the
 * last ten seconds.
 */
Datum
webhooks_worker_state(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};
	pid_t		pid = 0;
	double		rate = 0;
	uint64		now = (uint64) time(NULL);

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	for (int i = 0; i < WH_MAX_SLOTS; i++)
	{
		WhSlot	   *slot = &wh_shared->slots[i];
		pid_t		p;
		bool		mine;

		SpinLockAcquire(&wh_shared->mutex);
		mine = slot->state != WH_SLOT_FREE && slot->database == MyDatabaseId;
		p = slot->pid;
		SpinLockRelease(&wh_shared->mutex);
		if (!mine)
			continue;
		if (pid == 0)
			pid = p;
		rate += wh_recent_rate(&slot->rate, now);
	}

	values[0] = Int32GetDatum(pid);
	nulls[0] = pid == 0;
	values[1] = Int64GetDatum((int64) pg_atomic_read_u64(&wh_shared->delivered));
	values[2] = Int64GetDatum((int64) pg_atomic_read_u64(&wh_shared->failed));
	values[3] = Int64GetDatum((int64) pg_atomic_read_u64(&wh_shared->attempts));
	values[4] = Float8GetDatum(rate);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

/*
 * webhooks_held returns how many deliveries this database's workers hold:
 * claimed and not yet recorded.
 */
Datum
webhooks_held(PG_FUNCTION_ARGS)
{
	int64		held = 0;

	SpinLockAcquire(&wh_shared->mutex);
	for (int i = 0; i < WH_MAX_SLOTS; i++)
	{
		WhSlot	   *slot = &wh_shared->slots[i];

		if (slot->state != WH_SLOT_FREE && slot->database == MyDatabaseId)
			held += slot->held;
	}
	SpinLockRelease(&wh_shared->mutex);
	PG_RETURN_INT64(held);
}

/*
 * webhooks_workers returns one row per delivery worker slot in use.
 */
Datum
webhooks_workers(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	uint64		now = (uint64) time(NULL);

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < WH_MAX_SLOTS; i++)
	{
		WhSlot	   *slot = &wh_shared->slots[i];
		WhSlot		copy;
		Datum		values[9];
		bool		nulls[9] = {0};
		char	   *db;

		SpinLockAcquire(&wh_shared->mutex);
		copy.state = slot->state;
		copy.database = slot->database;
		copy.partition = slot->partition;
		copy.npartitions = slot->npartitions;
		copy.pid = slot->pid;
		copy.queued = slot->queued;
		copy.held = slot->held;
		SpinLockRelease(&wh_shared->mutex);
		if (copy.state == WH_SLOT_FREE)
			continue;

		db = get_database_name(copy.database);
		values[0] = CStringGetDatum(db ? db : psprintf("%u", copy.database));
		values[0] = DirectFunctionCall1(namein, values[0]);
		values[1] = Int32GetDatum(copy.partition + 1);
		values[2] = Int32GetDatum(copy.npartitions);
		values[3] = Int32GetDatum(copy.pid);
		nulls[3] = copy.pid == 0;
		values[4] = CStringGetTextDatum(wh_slot_state_name(copy.state));
		values[5] = Int64GetDatum(copy.queued);
		values[6] = Int32GetDatum(copy.held);
		values[7] = Int64GetDatum((int64) pg_atomic_read_u64(&slot->delivered));
		values[8] = Float8GetDatum(wh_recent_rate(&slot->rate, now));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * webhooks_fetch_webhook_attempts returns a page of a webhook's recent
 * delivery attempts, newest first.
 */
WH_API_FUNCTION(webhooks_fetch_webhook_attempts)
{
	pg_uuid_t  *tenant = wh_begin_call(fcinfo);
	pg_ulid    *webhook = wh_get_locator(fcinfo, 1, "webhook_locator");
	int32		offset = PG_ARGISNULL(2) ? 0 : PG_GETARG_INT32(2);
	int32		count = PG_ARGISNULL(3) ? ATTEMPTS_DEFAULT_COUNT : PG_GETARG_INT32(3);
	Datum		args[4];
	Oid			argtypes[4] = {UUIDOID, UUIDOID, INT4OID, INT4OID};
	Datum		result;
	bool		isnull;

	if (offset < 0)
		jb_invalid("offset", "must not be negative", NULL);
	if (count < 1 || count > ATTEMPTS_MAX_COUNT)
		jb_invalid("count", psprintf("must be from 1 to %d", ATTEMPTS_MAX_COUNT),
				   NULL);

	if (!wh_store_exists(tenant, webhook))
		wh_not_found("webhook", webhook);
	args[0] = UUIDPGetDatum(tenant);
	args[1] = UUIDPGetDatum((pg_uuid_t *) webhook);

	args[2] = Int32GetDatum(offset);
	args[3] = Int32GetDatum(count);
	if (SPI_execute_with_args(
							  "SELECT coalesce(jsonb_agg(jsonb_build_object("
							  " 'eventLocator', a.event_locator::text,"
							  " 'attempt', a.attempt,"
							  " 'timestamp', " SQL_RFC3339("a.attempted_at") ","
							  " 'status', a.status,"
							  " 'error', a.error,"
							  " 'durationMs', round(a.duration_ms::numeric, 3),"
							  " 'outcome', a.outcome,"
							  " 'trigger', a.\"trigger\") ORDER BY a.id DESC), '[]')"
							  " FROM (SELECT * FROM webhooks._attempt"
							  "  WHERE tenant_locator = $1"
							  "  AND webhook_locator " ULID_EQ " $2::webhooks.ulid"
							  "  ORDER BY id DESC OFFSET $3 LIMIT $4) a",
							  4, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read attempts");
	result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	PG_RETURN_DATUM(wh_end_call(DatumGetJsonbP(result)));
}
