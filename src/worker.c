/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  The delivery background worker: its loop.
 *
 * The launcher (launcher.c) starts one worker for each partition of each
 * database with the extension; a worker serves the webhooks of its
 * partition only.  Its state is one WhWorker (worker_state.h); each turn of
 * its loop runs these phases, in order:
 *
 *	1. take_finished: let libcurl work, and judge every request that
 *	   finished (src/delivery.c), starting failure notices that are due;
 *	2. take_back_changed: when a webhook changed, deliveries still waiting
 *	   for a connection go back to the queue unsent (D12b);
 *	3. when a batch is worthwhile, run one transaction (src/batch.c):
 *	   record outcomes, claim more; then send what it claimed and go round
 *	   again;
 *	4. otherwise sleep on its latch (set by publishers at commit) and the
 *	   HTTP client's sockets, until the first of: curl's next timer, the
 *	   next due retry, the end of a delivery's time set aside,
 *	   housekeeping, the end of a back-off, or the one-second idle
 *	   ceiling.
 *
 * Nothing finished is left unjudged before the worker sleeps, and every
 * held delivery is in exactly one collection (checked by check_state in
 * assert-enabled builds).  The batch never waits for its slowest member:
 * requests finish and are replaced as they go.  The worker's own
 * transactions commit asynchronously: losing the last few outcomes in a
 * crash only means those deliveries are sent again (at least once), never
 * that one is lost.
 *
 * IDENTIFICATION
 *	  src/worker.c
 *
 *-------------------------------------------------------------------------
 */
#include "pg_prelude.h"

#include "commands/dbcommands.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"

#include "batch.h"
#include "http.h"
#include "launcher.h"
#include "shmem.h"
#include "ulid.h"
#include "webhooks.h"
#include "worker.h"
#include "worker_state.h"

#define IDLE_TIMEOUT_MS 1000
#define ERROR_BACKOFF_MS 1000
#define BUSY_BACKOFF_MS 50		/* when the tables are locked */
#define FLUSH_DELAY_MS 20		/* most an outcome waits to be recorded */

/*
 * The advisory lock a worker holds on its partition, in its database, for
 * as long as it runs (pg_advisory_lock(1466262120, partition) would wait
 * for it): the launcher starts one worker per partition, and this makes
 * sure of it.  The claims write nothing (batch.c), so a second worker on
 * the same partition would send everything twice.
 */
#define PARTITION_LOCK_KEY 1466262120	/* "Webh" */

/*
 * The slot this process was started for, as its exit callback must know
 * it: whether it took the slot, and what the slot was for when it began.
 */
static struct
{
	bool		taken;
	Oid			database;
	int			partition;
}			my_slot;

/*
 * set_state reports what the worker is doing in its slot, when it changed.
 */
static void
set_state(WhWorker *w, WhSlotState state)
{
	if (w->slot->state == state)
		return;
	SpinLockAcquire(&wh_shared->mutex);
	/* a stop asked for (DROP DATABASE) is not undone */
	if (w->slot->state != WH_SLOT_STOPPING)
		w->slot->state = state;
	SpinLockRelease(&wh_shared->mutex);
}

/*
 * leave_slot clears the worker's latch and pid from its slot at exit, and
 * tells the launcher whether to start it again.  A worker that never took
 * its slot touches it only if the slot still waits for it (it could not
 * connect); one whose slot went to another worker leaves it alone.
 */
static void
leave_slot(int code, Datum arg)
{
	WhSlot	   *slot = &wh_shared->slots[DatumGetInt32(arg)];

	SpinLockAcquire(&wh_shared->mutex);
	if (my_slot.taken ? slot->pid != MyProcPid :
		(slot->pid != 0 || slot->state != WH_SLOT_STARTING ||
		 slot->database != my_slot.database ||
		 slot->partition != my_slot.partition))
	{
		SpinLockRelease(&wh_shared->mutex);
		return;
	}
	slot->latch = NULL;
	slot->pid = 0;
	slot->held = 0;
	if (slot->state != WH_SLOT_NO_EXTENSION && slot->state != WH_SLOT_STOPPING)
	{
		slot->state = WH_SLOT_RESTARTING;
		slot->restart_at = GetCurrentTimestamp() +
			(TimestampTz) WH_RESTART_DELAY_MS * 1000;
	}
	SpinLockRelease(&wh_shared->mutex);
	wh_wake_launcher();
}

static void
shutdown_http(int code, Datum arg)
{
	wh_http_shutdown();
}

static void
add_judged(WhWorker *w, WhDelivery *d)
{
	if (w->judged.count == 0)
		w->first_judged_at = GetCurrentTimestamp();
	wh_list_push(&w->judged, d, WH_DELIVERY_JUDGED);
}

/*
 * check_state asserts what must hold before the worker sleeps.
 */
static void
check_state(WhWorker *w)
{
	Assert(wh_http_done_count() == 0);
	Assert(w->claimed.count == 0 && w->recording.count == 0);
	Assert(w->window.held == w->window.sending + w->judged.count);
	Assert(w->window.sending <= wh_http_inflight());
}

/*
 * take_finished lets libcurl work and judges every request that finished.
 */
static void
take_finished(WhWorker *w)
{
	WhRequest  *req;

	wh_http_drive();
	while ((req = wh_http_next_done()) != NULL)
	{
		WhDelivery *d = (WhDelivery *) req;

		CHECK_FOR_INTERRUPTS();
		if (d->is_alert)
		{
			/* best effort, single attempt: only the log remembers it */
			if (req->status < 200 || req->status > 299)
				ereport(LOG,
						(errmsg("webhooks: failure notice to the alert endpoint of webhook %s failed: %s",
								ulid_to_cstring((pg_ulid *) &d->key.webhook),
								req->blocked ? "address blocked by the network policy (webhooks.blocked_networks, webhooks.allowed_networks)" :
								req->status > 0 ? psprintf("HTTP %d", req->status) :
								req->error)));
			wh_delivery_free(d);
			continue;
		}

		Assert(d->state == WH_DELIVERY_SENDING);
		if (wh_window_returned(&w->window, d))
		{
			/* a webhook that was held back may take more again */
			w->more_due = true;
			w->claims_held_until = 0;
		}
		wh_delivery_judge(d);
		if (d->alert_now)
			wh_http_start(&wh_delivery_alert(d, w->delivery_cxt)->req,
						  webhooks_timeout_ms);
		add_judged(w, d);
	}
}

/*
 * take_back_waiting takes back the deliveries that wait for a connection:
 * the worker lets go of them unsent, and their rows, still due, are
 * claimed again.  Alerts waiting are dropped.
 */
static void
take_back_waiting(WhWorker *w)
{
	List	   *taken = wh_http_take_waiting();
	ListCell   *lc;

	foreach(lc, taken)
	{
		WhDelivery *d = (WhDelivery *) lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		if (d->is_alert)
		{
			wh_delivery_free(d);
			continue;
		}
		(void) wh_window_returned(&w->window, d);
		wh_forget_delivery(w, d);
	}
	if (taken != NIL)
		wh_batch_rewind(w);
	list_free(taken);
}

/*
 * take_back_changed: a webhook changed (D12b: deliveries go with its
 * configuration as it is when sent), so what waits for a connection goes
 * back to the queue.
 */
static void
take_back_changed(WhWorker *w)
{
	uint64		generation = pg_atomic_read_u64(&wh_shared->config_generation);

	if (generation == w->seen_generation)
		return;
	w->seen_generation = generation;
	take_back_waiting(w);
}

/*
 * send_claimed hands what the last batch claimed to the HTTP client.
 */
static void
send_claimed(WhWorker *w)
{
	WhDelivery *d;

	while ((d = wh_list_pop(&w->claimed)) != NULL)
	{
		CHECK_FOR_INTERRUPTS();
		d->state = WH_DELIVERY_SENDING;
		wh_window_sent(&w->window, d);
		wh_http_start(&d->req, webhooks_timeout_ms);
	}
}

/*
 * claims_due reports whether the queue may hold deliveries to claim now.
 */
static bool
claims_due(WhWorker *w, TimestampTz now)
{
	TimestampTz release = wh_window_next_release(&w->window);

	return (w->more_due || (w->next_due > 0 && w->next_due <= now) ||
			(release > 0 && release <= now)) &&
		now >= w->claims_held_until;
}

/*
 * batch_worthwhile decides whether to run a transaction now.  Outcomes and
 * claims are batched: a transaction runs when there is much to record,
 * when the requests in flight run low and more is due, when recorded
 * outcomes have waited long enough, or when housekeeping is due.  An idle worker that is woken starts at once, so latency stays low
 * when the load is.
 */
static bool
batch_worthwhile(WhWorker *w, TimestampTz now)
{
	int			inflight = wh_http_inflight();

	/*
	 * Half a batch of outcomes is worth a transaction; a claim is due when
	 * fewer than half a batch (or half the window) are in flight.  Both
	 * are at least 1: at the smallest settings half of 1 is 0, which no
	 * count is under and every count reaches.
	 */
	int			enough_judged = Max(1, webhooks_batch_size / 2);
	int			low_water = Max(1, Min(webhooks_batch_size, webhooks_max_inflight / 2));

	/*
	 * What the webhooks now out may have out runs low: half of it (a
	 * webhook alone has its share of the window, not the whole of it).
	 */
	int			sending_low = Max(1, Min(low_water,
										 wh_window_sendable(&w->window) / 2));
	bool		due = claims_due(w, now);

	if (now < w->backoff_until)
		return false;
	if (w->judged.count >= enough_judged)
		return true;
	if (due && inflight < webhooks_max_inflight - webhooks_batch_size / 2)
		return true;
	if (due && inflight < low_water)
		return true;
	if (w->judged.count > 0 &&
		(inflight < sending_low || now - w->first_judged_at >= FLUSH_DELAY_MS * 1000))
		return true;
	return now >= w->next_housekeeping;
}

/*
 * room_to_claim reports whether the window has room for a quarter of a
 * batch (of the window, when that is smaller).  A claim that starts behind
 * the rows the worker holds (after the cursor went back) reads them all
 * again to find what it has room for, so a transaction that runs to record
 * outcomes does not also claim the handful of deliveries the window could
 * take: the batch that runs when the requests in flight run low claims
 * them with the rest.
 */
static bool
room_to_claim(void)
{
	int			room = webhooks_max_inflight - wh_http_inflight();

	return room >= Max(1, Min(webhooks_batch_size, webhooks_max_inflight) / 4);
}

/*
 * run_batch runs one batch transaction, and settles what it did or, when it
 * failed, what it could not do.
 */
static void
run_batch(WhWorker *w)
{
	bool		do_claim = claims_due(w, GetCurrentTimestamp()) && room_to_claim();
	volatile WhReady ready = WH_EXTENSION_ABSENT;

	if (do_claim)
	{
		w->more_due = false;
		w->next_due = 0;
	}
	PG_TRY();
	{
		ready = wh_batch_run(w, do_claim);
	}
	PG_CATCH();
	{
		/* log, keep the outcomes for the next try, and back off */
		EmitErrorReport();
		FlushErrorState();
		AbortCurrentTransaction();
		SPI_finish();
		wh_batch_failed(w);
		w->backoff_until = GetCurrentTimestamp() +
			(TimestampTz) ERROR_BACKOFF_MS * 1000;
		return;
	}
	PG_END_TRY();

	wh_batch_committed(w, ready);
	w->slot->held = w->window.held;
	switch (ready)
	{
		case WH_EXTENSION_READY:
			w->backoff_until = 0;
			set_state(w, w->window.held > 0 ? WH_SLOT_DELIVERING : WH_SLOT_IDLE);
			break;
		case WH_EXTENSION_ABSENT:
			/* nothing to serve here (any more): the slot is freed */
			set_state(w, WH_SLOT_NO_EXTENSION);
			elog(DEBUG1, "webhooks: no extension in database \"%s\": its delivery worker stops",
				 w->database_name);
			proc_exit(0);
			break;
		case WH_EXTENSION_BUSY:
		case WH_EXTENSION_OTHER_VERSION:
			set_state(w, WH_SLOT_WAITING);
			/* keep everything, and try again in a moment */
			w->more_due = w->more_due || do_claim;
			w->backoff_until = GetCurrentTimestamp() + (TimestampTz)
				(ready == WH_EXTENSION_BUSY ? BUSY_BACKOFF_MS : ERROR_BACKOFF_MS) * 1000;
			break;
	}
	if (w->suspended_any)
	{
		/* deliveries waiting for a suspended webhook go back to the queue */
		w->suspended_any = false;
		take_back_waiting(w);
	}
	send_claimed(w);
}

/*
 * sooner lowers *timeout to the milliseconds from now to at, when at is
 * set (not 0).
 */
static void
sooner(long *timeout, TimestampTz now, TimestampTz at)
{
	if (at > 0)
		*timeout = Min(*timeout, Max(0, (long) ((at - now + 999) / 1000)));
}

/*
 * wait_timeout_ms returns how long the loop may sleep: until the first
 * thing that is due at a known time.
 */
static long
wait_timeout_ms(WhWorker *w, TimestampTz now)
{
	long		timeout = IDLE_TIMEOUT_MS;
	long		curl_ms = wh_http_timeout_ms();

	if (curl_ms >= 0)
		timeout = Min(timeout, curl_ms);
	sooner(&timeout, now, w->next_look);
	if (wh_window_next_release(&w->window) > now)
		sooner(&timeout, now, wh_window_next_release(&w->window));

	/*
	 * No batch runs before a backoff ends (batch_worthwhile), so what a
	 * batch would do waits for its end: housekeeping or outcomes already
	 * due would otherwise make every wait return at once, and a worker
	 * kept from its tables would spin.
	 */
	if (w->backoff_until > now)
	{
		sooner(&timeout, now, w->backoff_until);
		return timeout;
	}
	/* a due time passed while the window is full waits for room, not time */
	if (w->next_due > now)
		sooner(&timeout, now, w->next_due);
	sooner(&timeout, now, w->next_housekeeping);
	if (w->claims_held_until > now)
		sooner(&timeout, now, w->claims_held_until);
	if (w->judged.count > 0)
		sooner(&timeout, now, w->first_judged_at + FLUSH_DELAY_MS * 1000);
	return timeout;
}

/*
 * sleep_until_due waits for the latch, a socket, or the first due time.
 */
static void
sleep_until_due(WhWorker *w, WaitEventSet *wes)
{
	WaitEvent	ev;
	TimestampTz now;

	check_state(w);
	w->slot->held = w->window.held;
	if (w->window.held == 0 && w->slot->state == WH_SLOT_DELIVERING)
		set_state(w, WH_SLOT_IDLE);
	if (WaitEventSetWait(wes, wait_timeout_ms(w, GetCurrentTimestamp()), &ev, 1,
						 wh_delivery_wait_event()) > 0 && (ev.events & WL_LATCH_SET))
	{
		ResetLatch(MyLatch);
		w->more_due = true;
	}

	/* times are compared with the time after the wait, not before */
	now = GetCurrentTimestamp();
	if (now >= w->next_look)
	{
		/* nothing woke us for a while: look at the queue anyway */
		w->more_due = true;
		w->next_look = now + (TimestampTz) IDLE_TIMEOUT_MS * 1000;
	}
}

/*
 * take_partition takes the partition's advisory lock and the slot, unless
 * another worker has either: a launcher that restarted may have freed the
 * slot of a worker that had not yet taken it.
 */
static bool
take_partition(WhWorker *w)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, PARTITION_LOCK_KEY,
						 (uint32) w->partition, 2);
	if (LockAcquire(&tag, ExclusiveLock, true, true) == LOCKACQUIRE_NOT_AVAIL)
		return false;
	SpinLockAcquire(&wh_shared->mutex);
	my_slot.taken = w->slot->pid == 0 && w->slot->state == WH_SLOT_STARTING &&
		w->slot->database == my_slot.database &&
		w->slot->partition == my_slot.partition;
	if (my_slot.taken)
	{
		w->slot->latch = MyLatch;
		w->slot->pid = MyProcPid;
		w->slot->state = WH_SLOT_IDLE;
	}
	SpinLockRelease(&wh_shared->mutex);
	if (my_slot.taken)
		wh_wake_launcher();		/* it may start the next one */
	return my_slot.taken;
}

static void
worker_init(WhWorker *w, int slot)
{
	memset(w, 0, sizeof(*w));
	w->slot = &wh_shared->slots[slot];
	w->partition = my_slot.partition;
	w->npartitions = w->slot->npartitions;
	w->delivery_cxt = AllocSetContextCreate(TopMemoryContext,
											"webhooks deliveries",
											ALLOCSET_DEFAULT_SIZES);
	wh_window_init(&w->window);
	wh_list_init(&w->claimed);
	wh_list_init(&w->judged);
	wh_list_init(&w->recording);
	w->more_due = true;
	w->cursor.due = DT_NOBEGIN;
	w->cursor.floor = DT_NOEND;
	w->cursor.wide_floor = DT_NOEND;
	w->cursor.rewind = true;
}

/*
 * webhooks_worker_main is the worker's entry point.
 */
void
webhooks_worker_main(Datum main_arg)
{
	static WhWorker worker;
	WhWorker   *w = &worker;
	int			slot = DatumGetInt32(main_arg);
	Oid			database;
	WaitEventSet *wes;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	Assert(slot >= 0 && slot < WH_MAX_SLOTS);
	SpinLockAcquire(&wh_shared->mutex);
	database = wh_shared->slots[slot].database;
	my_slot.database = database;
	my_slot.partition = wh_shared->slots[slot].partition;
	SpinLockRelease(&wh_shared->mutex);
	before_shmem_exit(leave_slot, Int32GetDatum(slot));

	BackgroundWorkerInitializeConnectionByOid(database, InvalidOid, 0);

	/* outcomes are re-sent if lost, never lost: no need to wait for fsync */
	SetConfigOption("synchronous_commit", "off", PGC_SUSET, PGC_S_OVERRIDE);
	/* each claim statement sees what committed before it (batch.c) */
	SetConfigOption("default_transaction_isolation", "read committed",
					PGC_SUSET, PGC_S_OVERRIDE);

	/*
	 * The worker's statements read a batch each, but the generic plans it
	 * keeps guess their row counts from the whole table: with a queue of a
	 * million rows their cost passed jit_above_cost, and compiling them
	 * took 6 ms of each 0.5 ms reclaim.
	 */
	SetConfigOption("jit", "off", PGC_SUSET, PGC_S_OVERRIDE);

	worker_init(w, slot);
	StartTransactionCommand();
	w->database_name = MemoryContextStrdup(TopMemoryContext,
										   get_database_name(MyDatabaseId));
	if (!take_partition(w))
	{
		CommitTransactionCommand();
		ereport(LOG,
				(errmsg("webhooks: partition %d of %d of database \"%s\" is served by another process: this delivery worker stops",
						w->partition + 1, w->npartitions, w->database_name),
				 errdetail("It could not take its slot, or the advisory lock (%d, %d) of its partition.",
						   PARTITION_LOCK_KEY, w->partition)));
		proc_exit(0);
	}
	CommitTransactionCommand();
	pgstat_report_appname(psprintf("webhooks delivery worker %d/%d",
								   w->partition + 1, w->npartitions));

	wh_http_init();
	on_proc_exit(shutdown_http, 0);
	wh_http_configure(webhooks_max_host_connections);

	wes = wh_create_wait_event_set(3);
	AddWaitEventToSet(wes, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
	AddWaitEventToSet(wes, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
	AddWaitEventToSet(wes, WL_SOCKET_READABLE, wh_http_fd(), NULL, NULL);

	elog(DEBUG1, "webhooks delivery worker started for database \"%s\", partition %d of %d",
		 w->database_name, w->partition + 1, w->npartitions);

	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (w->slot->state == WH_SLOT_STOPPING)
		{
			/* DROP DATABASE (or a rename) waits for it: leave quietly */
			proc_exit(0);
		}
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
			wh_http_configure(webhooks_max_host_connections);
		}

		take_finished(w);
		take_back_changed(w);
		if (batch_worthwhile(w, GetCurrentTimestamp()))
		{
			/* then round again: requests may have finished meanwhile */
			run_batch(w);
			continue;
		}
		sleep_until_due(w, wes);
	}
}
