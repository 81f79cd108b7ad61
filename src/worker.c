/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  The delivery background worker (DESIGN.md §4).
 *
 * One worker per cluster, connected to the database named by
 * webhooks.database.  Its loop:
 *
 *	- wait on its latch (set by publishers at commit) and on the HTTP
 *	  client's sockets together, with a timeout for curl's timers, the next
 *	  due retry and housekeeping;
 *	- let libcurl work, and judge every request that finished;
 *	- in one short transaction, record the outcomes of everything judged
 *	  (webhooks._record) and claim more due deliveries (webhooks._claim)
 *	  while fewer than webhooks.max_inflight are in flight;
 *	- start the claimed requests.
 *
 * The batch never waits for its slowest member: requests finish and are
 * replaced as they go.  A webhook with a quarter of webhooks.max_inflight
 * requests in flight gets no more until some finish, so one hanging
 * endpoint cannot fill the window.  The worker's own transactions commit
 * asynchronously: losing the last few outcomes in a crash only means those
 * deliveries are sent again (at least once), never that one is lost.
 *
 * IDENTIFICATION
 *	  src/worker.c
 *
 *-------------------------------------------------------------------------
 */
#include "pg_prelude.h"

#include <malloc.h>

#include "catalog/namespace.h"
#include "commands/extension.h"
#include "storage/lmgr.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/hsearch.h"
#include "utils/snapmgr.h"

#include "delivery.h"
#include "http.h"
#include "shmem.h"
#include "ulid.h"
#include "webhooks.h"
#include "worker.h"

#define RECORD_ARGS 15
#define IDLE_TIMEOUT_MS 1000
#define ERROR_BACKOFF_MS 1000
#define BUSY_BACKOFF_MS 50		/* when the tables are locked */
#define CLEANUP_INTERVAL_MS 60000
#define CURSOR_RESET_MS 1000
#define HOLD_CLAIMS_MS 100
#define FLUSH_DELAY_MS 20		/* most an outcome waits to be recorded */

/* per-webhook count of requests in flight */
typedef struct InflightEntry
{
	pg_uuid_t	webhook;		/* hash key */
	int			count;
} InflightEntry;

static MemoryContext delivery_cxt = NULL;
static HTAB *inflight_by_webhook = NULL;
static dlist_head judged = DLIST_STATIC_INIT(judged);	/* to record */
static int	njudged = 0;
static dlist_head recording = DLIST_STATIC_INIT(recording);	/* being recorded */
static int	nrecording = 0;
static TimestampTz first_judged_at = 0;	/* when the oldest judged finished */
static bool more_due = true;	/* the queue may hold due deliveries */
static bool suspended_any = false;	/* the last batch suspended a webhook */
static uint64 seen_generation = 0;	/* of webhook configuration */
static TimestampTz next_due = 0;	/* earliest known future due time */
static TimestampTz backoff_until = 0;
static TimestampTz next_housekeeping = 0;
static SPIPlanPtr claim_plan = NULL;
static SPIPlanPtr record_plan = NULL;
static SPIPlanPtr next_due_plan = NULL;
static TimestampTz next_cleanup = 0;

/* the claim cursor: the last claimed key in claim order */
static TimestampTz cursor_due = DT_NOBEGIN;
static pg_uuid_t cursor_event;
static pg_uuid_t cursor_webhook;
static TimestampTz cursor_reset_at = 0;

/* no claims before this: the due work left belongs to held-back webhooks */
static TimestampTz claims_held_until = 0;

/* deliveries claimed in the current transaction, to start after commit */
static List *claimed = NIL;

static void add_judged(WhDelivery *d);
static void cursor_reset(void);

/*
 * forget_claimed frees what a failed transaction claimed.
 */
static void
forget_claimed(void)
{
	ListCell   *lc;

	foreach(lc, claimed)
		wh_delivery_free(lfirst(lc));
	list_free(claimed);
	claimed = NIL;
}

/*
 * wh_register_worker registers the delivery worker; called from _PG_init.
 */
void
wh_register_worker(void)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS |
		BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 5;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "webhooks");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "webhooks_worker_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "webhooks delivery worker");
	snprintf(worker.bgw_type, BGW_MAXLEN, "webhooks delivery worker");
	RegisterBackgroundWorker(&worker);
}

/*
 * leave_shmem clears the worker's latch from shared memory at exit.
 */
static void
leave_shmem(int code, Datum arg)
{
	SpinLockAcquire(&wh_shared->mutex);
	wh_shared->worker_latch = NULL;
	wh_shared->worker_pid = 0;
	SpinLockRelease(&wh_shared->mutex);
}

static void
shutdown_http(int code, Datum arg)
{
	wh_http_shutdown();
}

static InflightEntry *
inflight_entry(const pg_uuid_t *webhook, bool create)
{
	bool		found;
	InflightEntry *e = hash_search(inflight_by_webhook, webhook,
								   create ? HASH_ENTER : HASH_FIND, &found);

	if (create && !found)
		e->count = 0;
	return e;
}

/*
 * per_webhook_limit is how many requests one webhook may have in flight: a
 * quarter of the window, so that an endpoint that hangs leaves the rest to
 * the others.
 */
static int
per_webhook_limit(void)
{
	return Max(webhooks_max_inflight / 4, webhooks_max_host_connections);
}

/*
 * saturated_webhooks returns the uuid[] of webhooks that have as many
 * requests in flight as they may, and their number in *count.
 */
static Datum
saturated_webhooks(int *count)
{
	HASH_SEQ_STATUS seq;
	InflightEntry *e;
	Datum	   *elems = palloc(sizeof(Datum) * (hash_get_num_entries(inflight_by_webhook) + 1));
	int			n = 0;

	/* a webhook alone may use the whole window: there is no one to spare */
	if (hash_get_num_entries(inflight_by_webhook) > 1)
	{
		hash_seq_init(&seq, inflight_by_webhook);
		while ((e = hash_seq_search(&seq)) != NULL)
		{
			if (e->count >= per_webhook_limit())
				elems[n++] = UUIDPGetDatum(&e->webhook);
		}
	}
	*count = n;
	return PointerGetDatum(construct_array(elems, n, UUIDOID, UUID_LEN, false,
										   TYPALIGN_CHAR));
}

static SPIPlanPtr
keep(const char *sql, int nargs, Oid *types)
{
	SPIPlanPtr	plan = SPI_prepare(sql, nargs, types);

	if (plan == NULL || SPI_keepplan(plan) != 0)
		elog(ERROR, "webhooks: could not prepare \"%s\"", sql);
	return plan;
}

/*
 * record_judged writes every judged outcome with one call of _record().
 */
static void
record_judged(void)
{
	Datum		args[RECORD_ARGS];
	Datum	   *cols[RECORD_ARGS];
	bool	   *nulls[RECORD_ARGS];
	static const Oid types[RECORD_ARGS] = {
		UUIDOID, UUIDOID, UUIDOID, INT4OID, TIMESTAMPTZOID, FLOAT8OID,
		INT4OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID,
		BOOLOID, BOOLOID, BOOLOID
	};
	dlist_iter	it;
	int			i = 0;
	int			dims[1];
	int			lbs[1] = {1};
	uint64		delivered = 0;
	uint64		failed = 0;
	int			rc;

	if (nrecording == 0)
		return;
	if (record_plan == NULL)
	{
		Oid			arrtypes[RECORD_ARGS];

		for (int c = 0; c < RECORD_ARGS; c++)
			arrtypes[c] = get_array_type(types[c]);
		record_plan = keep("SELECT webhooks._record($1, $2, $3, $4, $5, $6, $7,"
						   " $8, $9, $10, $11, $12, $13, $14, $15)",
						   RECORD_ARGS, arrtypes);
	}

	for (int c = 0; c < RECORD_ARGS; c++)
	{
		cols[c] = palloc(sizeof(Datum) * nrecording);
		nulls[c] = palloc0(sizeof(bool) * nrecording);
	}

	dlist_foreach(it, &recording)
	{
		WhDelivery *d = dlist_container(WhDelivery, done_node, it.cur);
		WhRequest  *r = &d->req;

		Assert(d->outcome != NULL && !d->is_alert);
		Assert(i < nrecording);
		cols[0][i] = UUIDPGetDatum(&d->tenant);
		cols[1][i] = UUIDPGetDatum(&d->webhook);
		cols[2][i] = UUIDPGetDatum(&d->event);
		cols[3][i] = Int32GetDatum(d->attempt);
		cols[4][i] = TimestampTzGetDatum(d->attempted_at);
		cols[5][i] = Float8GetDatum(r->duration_ms);
		nulls[5][i] = !d->sent;
		cols[6][i] = Int32GetDatum(r->status);
		nulls[6][i] = !d->sent || r->status == 0;
		cols[7][i] = d->message ? CStringGetTextDatum(d->message) : (Datum) 0;
		nulls[7][i] = d->message == NULL;
		cols[8][i] = CStringGetTextDatum(d->outcome);
		cols[9][i] = d->trigger ? CStringGetTextDatum(d->trigger) : (Datum) 0;
		nulls[9][i] = d->trigger == NULL;
		nulls[10][i] = !d->sent || r->response_len == 0;
		if (!nulls[10][i])
			cols[10][i] = PointerGetDatum(cstring_to_text_with_len(r->response,
																   r->response_len));
		if (strcmp(d->outcome, "requeued") == 0)
			d->retry_at = GetCurrentTimestamp();
		cols[11][i] = TimestampTzGetDatum(d->retry_at);
		nulls[11][i] = strcmp(d->outcome, "retrying") != 0 &&
			strcmp(d->outcome, "requeued") != 0;
		/* wake up for the earliest retry */
		if (!nulls[11][i] && (next_due == 0 || d->retry_at < next_due))
			next_due = d->retry_at;
		cols[12][i] = BoolGetDatum(d->divert_now);
		cols[13][i] = BoolGetDatum(d->suspend_now);
		cols[14][i] = BoolGetDatum(d->resend);

		if (d->suspend_now)
			suspended_any = true;
		if (strcmp(d->outcome, "delivered") == 0)
			delivered++;
		else if (strcmp(d->outcome, "failed") == 0)
			failed++;
		i++;
	}

	Assert(i == nrecording);
	dims[0] = nrecording;
	for (int c = 0; c < RECORD_ARGS; c++)
	{
		int16		typlen;
		bool		typbyval;
		char		typalign;

		get_typlenbyvalalign(types[c], &typlen, &typbyval, &typalign);
		args[c] = PointerGetDatum(construct_md_array(cols[c], nulls[c], 1, dims,
													 lbs, types[c], typlen,
													 typbyval, typalign));
	}

	rc = SPI_execute_plan(record_plan, args, NULL, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "webhooks: could not record outcomes: %s",
			 SPI_result_code_string(rc));

	pg_atomic_fetch_add_u64(&wh_shared->attempts, nrecording);
	pg_atomic_fetch_add_u64(&wh_shared->failed, failed);
	wh_count_delivered(delivered, (uint64) time(NULL));
}

/*
 * move_outcomes moves every outcome of one list to the end of another.
 */
static void
move_outcomes(dlist_head *to, dlist_head *from)
{
	while (!dlist_is_empty(from))
		dlist_push_tail(to, dlist_pop_head_node(from));
}

/*
 * forget_outcomes frees the outcomes of a list.
 */
static void
forget_outcomes(dlist_head *list)
{
	while (!dlist_is_empty(list))
		wh_delivery_free(dlist_container(WhDelivery, done_node,
										 dlist_pop_head_node(list)));
}

/*
 * requeue_waiting takes back the deliveries that wait for a connection: a
 * webhook changed (D12b: they go with its configuration as it is when
 * sent), so they go back to the queue unsent (outcome "requeued"), or are
 * dropped from memory when the extension is gone.
 */
static void
requeue_waiting(bool discard)
{
	List	   *taken = wh_http_take_waiting();
	ListCell   *lc;

	foreach(lc, taken)
	{
		WhDelivery *d = (WhDelivery *) lfirst(lc);
		InflightEntry *e;

		/* alerts are not counted against their webhook, nor requeued */
		if (d->is_alert)
		{
			wh_delivery_free(d);
			continue;
		}
		e = inflight_entry(&d->webhook, false);
		Assert(e != NULL && e->count > 0);
		if (e != NULL && --e->count <= 0)
			hash_search(inflight_by_webhook, &d->webhook, HASH_REMOVE, NULL);
		if (discard)
		{
			wh_delivery_free(d);
			continue;
		}
		d->sent = false;
		d->outcome = "requeued";
		add_judged(d);
	}
	list_free(taken);
	if (taken != NIL)
	{
		cursor_reset();
		more_due = true;
	}
}

static void
add_judged(WhDelivery *d)
{
	if (njudged == 0)
		first_judged_at = GetCurrentTimestamp();
	dlist_push_tail(&judged, &d->done_node);
	njudged++;
}

/*
 * cursor_after reports whether claim-order key (due, event, webhook) comes
 * after the cursor.
 */
static bool
cursor_after(TimestampTz due, const pg_uuid_t *event, const pg_uuid_t *webhook)
{
	int			c;

	if (due != cursor_due)
		return due > cursor_due;
	c = memcmp(event->data, cursor_event.data, UUID_LEN);
	if (c != 0)
		return c > 0;
	return memcmp(webhook->data, cursor_webhook.data, UUID_LEN) > 0;
}

static void
cursor_reset(void)
{
	cursor_due = DT_NOBEGIN;
	memset(&cursor_event, 0, sizeof(cursor_event));
	memset(&cursor_webhook, 0, sizeof(cursor_webhook));
	cursor_reset_at = GetCurrentTimestamp();
}

/*
 * claim leases up to n due deliveries and returns them as a list of
 * WhDelivery in delivery_cxt.  Deliveries that need no request are judged
 * at once.
 *
 * Claims page through the queue in claim order from a cursor, so that the
 * rows in flight at the head of the queue are not scanned again and again.
 * The cursor goes back to the start when a claim comes up short (the end of
 * what is due) and at least every CURSOR_RESET_MS, so that rows committed
 * late with an early due time, and retries that came due, are found.
 */
static List *
claim(int n)
{
	Datum		args[6];
	int			rc;
	int			nexcluded;

	if (claim_plan == NULL)
	{
		Oid			types[6] = {INT4OID, INT8OID, UUIDARRAYOID, TIMESTAMPTZOID,
		UUIDOID, UUIDOID};

		claim_plan = keep("SELECT * FROM webhooks._claim($1, $2, $3, $4, $5, $6)",
						  6, types);
	}
	if (GetCurrentTimestamp() - cursor_reset_at >= CURSOR_RESET_MS * 1000)
		cursor_reset();
	args[0] = Int32GetDatum(n);
	args[1] = Int64GetDatum((int64) webhooks_lease_seconds * 1000);
	args[2] = saturated_webhooks(&nexcluded);
	args[3] = TimestampTzGetDatum(cursor_due);
	args[4] = UUIDPGetDatum(&cursor_event);
	args[5] = UUIDPGetDatum(&cursor_webhook);
	rc = SPI_execute_plan(claim_plan, args, NULL, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "webhooks: could not claim deliveries: %s",
			 SPI_result_code_string(rc));

	more_due = SPI_processed >= (uint64) n;
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		WhDelivery *d = wh_delivery_from_claim(tup, desc, delivery_cxt);
		bool		isnull;
		TimestampTz due = DatumGetTimestampTz(SPI_getbinval(tup, desc,
															WH_CLAIM_DUE_AT,
															&isnull));

		if (cursor_after(due, &d->event, &d->webhook))
		{
			cursor_due = due;
			cursor_event = d->event;
			cursor_webhook = d->webhook;
		}

		/* the list outlives SPI's memory: keep it with the deliveries */
		if (d->sent)
		{
			MemoryContext old = MemoryContextSwitchTo(delivery_cxt);

			claimed = lappend(claimed, d);
			MemoryContextSwitchTo(old);
		}
		else
			add_judged(d);
	}
	if (!more_due)
	{
		cursor_reset();

		/*
		 * Coming up short while webhooks were held back means the rest of
		 * the queue may be theirs: scanning it again at every wake-up would
		 * cost more than it finds.  Wait until one of them has room again.
		 */
		if (nexcluded > 0)
			claims_held_until = GetCurrentTimestamp() +
				(TimestampTz) HOLD_CLAIMS_MS * 1000;
	}
	return claimed;
}

/*
 * find_next_due learns when the earliest delivery not yet due comes due.
 */
static void
find_next_due(void)
{
	int			rc;
	bool		isnull;
	Datum		d;

	if (next_due_plan == NULL)
		next_due_plan = keep("SELECT min(due_at) FROM webhooks._delivery"
							 " WHERE due_at > now()", 0, NULL);
	rc = SPI_execute_plan(next_due_plan, NULL, NULL, true, 1);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		return;
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

	/*
	 * Keep a retry this batch recorded: the read-only query sees the queue
	 * as the batch found it.
	 */
	if (!isnull && (next_due == 0 || DatumGetTimestampTz(d) < next_due))
		next_due = DatumGetTimestampTz(d);
}

/*
 * housekeeping applies the retention settings, and returns free memory to
 * the system, about once a minute.
 */
static void
housekeeping(void)
{
	TimestampTz now = GetCurrentTimestamp();
	Datum		args[2];
	Oid			types[2] = {INT4OID, INT4OID};

	if (now < next_cleanup)
		return;
	next_cleanup = now + (TimestampTz) CLEANUP_INTERVAL_MS * 1000;

	/* give memory freed after a burst back to the system */
	malloc_trim(0);
	args[0] = Int32GetDatum(webhooks_attempt_retention);
	args[1] = Int32GetDatum(webhooks_event_retention);
	if (SPI_execute_with_args("SELECT webhooks._housekeeping($1, $2)", 2, types,
							  args, NULL, false, 0) != SPI_OK_SELECT)
		elog(WARNING, "webhooks: housekeeping failed");
}

/*
 * extension_ready reports whether webhooks is installed in this database,
 * and takes the locks the batch needs on its tables, conditionally: when
 * DROP EXTENSION (or anything else: autovacuum truncating the queue, a
 * LOCK TABLE) holds one, the worker steps aside rather than deadlock with it
 * or make it wait, and tries again shortly with all it holds.
 */
typedef enum ReadyState
{
	EXTENSION_ABSENT,			/* not installed here (or being dropped) */
	EXTENSION_BUSY,				/* something holds a lock on its tables */
	EXTENSION_READY
} ReadyState;

static ReadyState
extension_ready(void)
{
	static const char *const tables[] = {
		"_delivery", "_webhook", "_event", "_attempt", "_webhook_stats",
		"_diverted_event"
	};
	Oid			nsp;

	if (!OidIsValid(get_extension_oid("webhooks", true)))
		return EXTENSION_ABSENT;
	nsp = get_namespace_oid(WEBHOOKS_SCHEMA, true);
	if (!OidIsValid(nsp))
		return EXTENSION_ABSENT;
	for (int i = 0; i < lengthof(tables); i++)
	{
		Oid			rel = get_relname_relid(tables[i], nsp);

		if (!OidIsValid(rel))
			return EXTENSION_ABSENT;
		if (!ConditionalLockRelationOid(rel, RowExclusiveLock))
			return EXTENSION_BUSY;
	}
	return EXTENSION_READY;
}

/*
 * run_batch records what was judged and claims more, in one transaction.
 * It returns the claimed deliveries to start once committed.
 */
static List *
run_batch(bool do_claim, ReadyState *ready)
{
	List	   *started = NIL;
	int			room = webhooks_max_inflight - wh_http_inflight();

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "webhooks: recording and claiming deliveries");

	/* what is judged from here on (claims that need no request) waits */
	move_outcomes(&recording, &judged);
	nrecording = njudged;
	njudged = 0;

	*ready = extension_ready();
	if (*ready == EXTENSION_READY)
	{
		record_judged();
		/* keep the connections busy while the transaction goes on */
		wh_http_drive();
		housekeeping();
		if (do_claim && room > 0)
		{
			started = claim(Min(room, webhooks_batch_size));
			if (!more_due)
				find_next_due();
		}
	}

	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
	return started;
}

/*
 * recover_leases makes every delivery a previous worker had in flight due
 * now: there is one worker per cluster, so none of them is in flight.
 */
static void
recover_leases(void)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	if (extension_ready() == EXTENSION_READY)
	{
		int			rc = SPI_execute("UPDATE webhooks._delivery"
									 " SET leased_until = NULL"
									 " WHERE leased_until IS NOT NULL",
									 false, 0);

		if (rc != SPI_OK_UPDATE)
			elog(ERROR, "webhooks: could not recover leases");
		if (SPI_processed > 0)
			elog(LOG, "webhooks: %llu deliveries left in flight are due again",
				 (unsigned long long) SPI_processed);
	}
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
}

/*
 * start_requests sends claimed deliveries.
 */
static void
start_requests(List *started)
{
	ListCell   *lc;

	foreach(lc, started)
	{
		WhDelivery *d = lfirst(lc);
		inflight_entry(&d->webhook, true)->count++;
		wh_http_start(&d->req, webhooks_timeout_ms);
	}
	list_free(started);
	claimed = NIL;
}

/*
 * collect_finished judges every request that finished.
 */
static void
collect_finished(void)
{
	WhRequest  *req;
	MemoryContext old = MemoryContextSwitchTo(delivery_cxt);

	while ((req = wh_http_next_done()) != NULL)
	{
		WhDelivery *d = (WhDelivery *) req;
		InflightEntry *e;

		if (d->is_alert)
		{
			/* best effort, single attempt: only the log remembers it */
			if (req->status < 200 || req->status > 299)
				ereport(LOG,
						(errmsg("webhooks: failure notice to the alert endpoint of webhook %s failed: %s",
								ulid_to_cstring((pg_ulid *) &d->webhook),
								req->status > 0 ? psprintf("HTTP %d", req->status) : req->error)));
			wh_delivery_free(d);
			continue;
		}

		e = inflight_entry(&d->webhook, false);

		Assert(e != NULL && e->count > 0);
		if (e != NULL)
		{
			/* a webhook that was held back may take more again */
			if (e->count-- == per_webhook_limit() / 2)
			{
				more_due = true;
				claims_held_until = 0;
			}
			if (e->count <= 0)
				hash_search(inflight_by_webhook, &d->webhook, HASH_REMOVE, NULL);
		}
		wh_delivery_judge(d);
		if (d->alert_now)
		{
			WhDelivery *a = wh_delivery_alert(d, delivery_cxt);

			wh_http_start(&a->req, webhooks_timeout_ms);
		}
		add_judged(d);
	}
	MemoryContextSwitchTo(old);
}

/*
 * batch_worthwhile decides whether to run a transaction now.  Outcomes and
 * claims are batched: a transaction runs when there is much to record,
 * when the requests in flight run low and more is due, or when recorded
 * outcomes have waited long enough.  An idle worker that is woken starts
 * at once, so latency stays low when the load is.
 */
static bool
batch_worthwhile(bool due, TimestampTz now)
{
	int			inflight = wh_http_inflight();
	int			low_water = Min(webhooks_batch_size, webhooks_max_inflight / 2);

	if (njudged >= webhooks_batch_size / 2)
		return true;
	if (due && inflight < webhooks_max_inflight - webhooks_batch_size / 2)
		return true;
	if (due && inflight < low_water)
		return true;
	if (njudged > 0 && (inflight < low_water ||
						now - first_judged_at >= FLUSH_DELAY_MS * 1000))
		return true;
	return false;
}

/*
 * wait_timeout_ms returns how long the loop may sleep.
 */
static long
wait_timeout_ms(TimestampTz now)
{
	long		timeout = IDLE_TIMEOUT_MS;
	long		curl_ms = wh_http_timeout_ms();

	if (curl_ms >= 0 && curl_ms < timeout)
		timeout = curl_ms;
	if (next_due > 0)
	{
		long		due_ms = (long) ((next_due - now) / 1000);

		timeout = Max(0, Min(timeout, due_ms + 1));
	}
	if (backoff_until > now)
		timeout = Min(timeout, (long) ((backoff_until - now) / 1000) + 1);
	if (claims_held_until > now)
		timeout = Min(timeout, (long) ((claims_held_until - now) / 1000) + 1);
	if (njudged > 0)
		timeout = Max(0, Min(timeout, FLUSH_DELAY_MS -
							 (long) ((now - first_judged_at) / 1000)));
	return timeout;
}

/*
 * webhooks_worker_main is the worker's entry point.
 */
void
webhooks_worker_main(Datum main_arg)
{
	WaitEventSet *wes;
	HASHCTL		ctl;
	volatile ReadyState ready = EXTENSION_ABSENT;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	BackgroundWorkerInitializeConnection(webhooks_database, NULL, 0);
	pgstat_report_appname("webhooks delivery worker");

	/* outcomes are re-sent if lost, never lost: no need to wait for fsync */
	SetConfigOption("synchronous_commit", "off", PGC_SUSET, PGC_S_OVERRIDE);

	SpinLockAcquire(&wh_shared->mutex);
	wh_shared->worker_latch = MyLatch;
	wh_shared->worker_pid = MyProcPid;
	SpinLockRelease(&wh_shared->mutex);
	before_shmem_exit(leave_shmem, 0);

	delivery_cxt = AllocSetContextCreate(TopMemoryContext,
										 "webhooks deliveries",
										 ALLOCSET_DEFAULT_SIZES);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(pg_uuid_t);
	ctl.entrysize = sizeof(InflightEntry);
	ctl.hcxt = TopMemoryContext;
	inflight_by_webhook = hash_create("webhooks in flight", 256, &ctl,
									  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	wh_http_init();
	on_proc_exit(shutdown_http, 0);
	wh_http_configure(webhooks_max_host_connections);

	wes = wh_create_wait_event_set(3);
	AddWaitEventToSet(wes, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
	AddWaitEventToSet(wes, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
	AddWaitEventToSet(wes, WL_SOCKET_READABLE, wh_http_fd(), NULL, NULL);

	elog(LOG, "webhooks delivery worker started for database \"%s\"",
		 webhooks_database);

	PG_TRY();
	{
		recover_leases();
	}
	PG_CATCH();
	{
		EmitErrorReport();
		FlushErrorState();
		AbortCurrentTransaction();
	}
	PG_END_TRY();

	for (;;)
	{
		TimestampTz now;
		WaitEvent	ev;
		volatile bool due;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
			wh_http_configure(webhooks_max_host_connections);
		}

		wh_http_drive();
		collect_finished();
		if (pg_atomic_read_u64(&wh_shared->config_generation) != seen_generation)
		{
			seen_generation = pg_atomic_read_u64(&wh_shared->config_generation);
			requeue_waiting(false);
		}

		now = GetCurrentTimestamp();
		due = (more_due || (next_due > 0 && next_due <= now)) &&
			now >= claims_held_until;
		if (now >= backoff_until && batch_worthwhile(due, now))
		{
			List	   *started = NIL;

			if (due)
			{
				more_due = false;
				next_due = 0;
			}
			PG_TRY();
			{
				started = run_batch(due, (ReadyState *) &ready);
				if (ready == EXTENSION_BUSY)
				{
					/* keep everything, and try again in a moment */
					move_outcomes(&recording, &judged);
					move_outcomes(&judged, &recording);
					njudged += nrecording;
					more_due = more_due || due;
					backoff_until = GetCurrentTimestamp() +
						(TimestampTz) BUSY_BACKOFF_MS * 1000;
				}
				else
				{
					forget_outcomes(&recording);
					backoff_until = 0;
				}
				nrecording = 0;
			}
			PG_CATCH();
			{
				/*
				 * Log, keep the outcomes for the next try, and back off.
				 * Deliveries claimed in the failed transaction are not
				 * claimed: forget them (their rows were not touched).
				 */
				EmitErrorReport();
				FlushErrorState();
				AbortCurrentTransaction();
				SPI_finish();
				forget_outcomes(&judged);
				njudged = 0;
				forget_claimed();
				move_outcomes(&judged, &recording);
				njudged = nrecording;
				nrecording = 0;
				started = NIL;
				more_due = true;
				backoff_until = GetCurrentTimestamp() +
					(TimestampTz) ERROR_BACKOFF_MS * 1000;
			}
			PG_END_TRY();
			if (ready == EXTENSION_ABSENT)
			{
				forget_outcomes(&judged);
				njudged = 0;
				requeue_waiting(true);
			}
			else if (suspended_any)
			{
				suspended_any = false;
				requeue_waiting(false);
			}
			start_requests(started);
			/* loop again at once: maybe more is due, or requests finished */
			if (more_due || njudged > 0)
				continue;
		}

		now = GetCurrentTimestamp();
		if (WaitEventSetWait(wes, wait_timeout_ms(now), &ev, 1,
							 wh_delivery_wait_event()) > 0 &&
			(ev.events & WL_LATCH_SET))
		{
			ResetLatch(MyLatch);
			more_due = true;
		}
		else if (now >= next_housekeeping)
		{
			/* nothing woke us for a while: look at the queue anyway */
			more_due = true;
			next_housekeeping = now + (TimestampTz) IDLE_TIMEOUT_MS * 1000;
		}
	}
}
