/*-------------------------------------------------------------------------
 *
 * launcher.c
 *	  The launcher: one delivery worker for each database (and partition)
 *	  where the extension is installed.
 *
 * The launcher is the static background worker; delivery workers are
 * dynamic ones it starts, webhooks.workers_per_database of them per
 * database, each serving the webhooks of one partition (by a hash of the
 * webhook's locator).  It owns the slots in shared memory (shmem.h):
 *
 *	- At start it wants every database that accepts connections and is not
 *	  a template (or only webhooks.database, when that is set), and starts
 *	  a worker for each, two at a time: a worker finding no extension in its
 *	  database says so in its slot and leaves, and its slot is freed.
 *	- CREATE EXTENSION tells it at commit (the install script calls
 *	  webhooks._serve()), and so does CREATE DATABASE (the new database may
 *	  come with the extension from its template): it starts the workers of
 *	  that database at once.  Nothing polls the catalogs.
 *	- DROP EXTENSION: the workers notice that the extension is gone within a
 *	  second and leave.
 *	- DROP DATABASE and ALTER DATABASE ... RENAME need the database to
 *	  themselves: every backend's utility hook asks the database's workers
 *	  to stop and waits until they are gone before the command runs; the
 *	  launcher starts them again later if the database is still there.
 *	- A worker that stops reports it in its slot; one that stopped for
 *	  any reason but a missing extension is started again five seconds
 *	  later (the postmaster's handles tell of workers that stopped before
 *	  they could report anything).  When
 *	  max_worker_processes has no free slot, that is logged once and shown
 *	  as the slot's state, and tried again every ten seconds.
 *
 * IDENTIFICATION
 *	  src/launcher.c
 *
 *-------------------------------------------------------------------------
 */
#include "pg_prelude.h"

#include <signal.h>

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_database.h"
#include "commands/dbcommands.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/utility.h"
#include "utils/snapmgr.h"

#include "launcher.h"
#include "shmem.h"
#include "webhooks.h"

PG_FUNCTION_INFO_V1(webhooks_serve);

#define NO_SLOT_RETRY_MS 10000	/* after max_worker_processes was full */
#define DROP_RESTART_MS 10000	/* after a worker stopped for DROP DATABASE */
#define STOP_WAIT_MS 10000		/* most DROP DATABASE waits for workers */
#define MAX_STARTING 2			/* workers started at once */

/* the launcher's handles of its workers, by slot */
static BackgroundWorkerHandle *handles[WH_MAX_SLOTS];
static ProcessUtility_hook_type prev_utility_hook = NULL;

/*
 * wh_register_launcher registers the launcher; called from _PG_init.
 */
void
wh_register_launcher(void)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS |
		BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 5;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "webhooks");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "webhooks_launcher_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "webhooks launcher");
	snprintf(worker.bgw_type, BGW_MAXLEN, "webhooks launcher");
	RegisterBackgroundWorker(&worker);
}

/* ----------------------------------------------------------------
 * Slots (the launcher's side; callers hold wh_shared->mutex)
 * ----------------------------------------------------------------
 */

/*
 * serving reports whether a live slot serves a partition of a database: a
 * slot whose worker found no extension and is leaving does not count.
 */
static bool
serving(Oid database, int partition)
{
	for (int i = 0; i < WH_MAX_SLOTS; i++)
	{
		WhSlot	   *slot = &wh_shared->slots[i];

		if (slot->state != WH_SLOT_FREE && slot->state != WH_SLOT_NO_EXTENSION &&
			slot->database == database && slot->partition == partition)
			return true;
	}
	return false;
}

/*
 * want takes a slot for each partition of a database that no live slot
 * serves; false when there are not enough free slots.
 */
static bool
want(Oid database)
{
	int			n = webhooks_workers_per_database;
	int			i = 0;

	for (int k = 0; k < n; k++)
	{
		WhSlot	   *slot;

		if (serving(database, k))
			continue;
		while (i < WH_MAX_SLOTS && wh_shared->slots[i].state != WH_SLOT_FREE)
			i++;
		if (i == WH_MAX_SLOTS)
			return false;
		slot = &wh_shared->slots[i];
		slot->state = WH_SLOT_WANTED;
		slot->database = database;
		slot->partition = k;
		slot->npartitions = n;
		slot->pid = 0;
		slot->latch = NULL;
		slot->queued = 0;
		slot->queued_from = DT_NOEND;
		slot->held = 0;
		pg_atomic_write_u64(&slot->delivered, 0);
	}
	return true;
}

/*
 * want_all wants each database of a list, outside the mutex.
 */
static void
want_all(List *dbs)
{
	ListCell   *lc;

	foreach(lc, dbs)
	{
		bool		ok;

		SpinLockAcquire(&wh_shared->mutex);
		ok = want(lfirst_oid(lc));
		SpinLockRelease(&wh_shared->mutex);
		if (!ok)
			elog(LOG, "webhooks: no slot left for the delivery workers of the database with OID %u (at most %d delivery workers)",
				 lfirst_oid(lc), WH_MAX_SLOTS);
	}
}

/* ----------------------------------------------------------------
 * The catalog
 * ----------------------------------------------------------------
 */

/*
 * servable_databases returns the OIDs of the databases the launcher may
 * serve: those that accept connections and are no templates, or the one
 * named by webhooks.database.
 */
static List *
servable_databases(void)
{
	List	   *dbs = NIL;
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;
	MemoryContext cxt = CurrentMemoryContext;

	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tup);
		MemoryContext old;

		if (webhooks_database[0] != '\0' ?
			strcmp(NameStr(db->datname), webhooks_database) != 0 :
			(!db->datallowconn || db->datistemplate))
			continue;
		old = MemoryContextSwitchTo(cxt);
		dbs = lappend_oid(dbs, db->oid);
		MemoryContextSwitchTo(old);
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	PopActiveSnapshot();
	CommitTransactionCommand();
	return dbs;
}

/* ----------------------------------------------------------------
 * Starting workers
 * ----------------------------------------------------------------
 */

static void
start_worker(int i, TimestampTz now)
{
	WhSlot	   *slot = &wh_shared->slots[i];
	BackgroundWorker worker;
	bool		ok;
	bool		warned = slot->state == WH_SLOT_NO_WORKER_SLOT;	/* logged before */

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS |
		BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;	/* the launcher does */
	worker.bgw_main_arg = Int32GetDatum(i);
	worker.bgw_notify_pid = MyProcPid;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "webhooks");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "webhooks_worker_main");
	snprintf(worker.bgw_name, BGW_MAXLEN,
			 "webhooks delivery worker for database %u, partition %d of %d",
			 slot->database, slot->partition + 1, slot->npartitions);
	snprintf(worker.bgw_type, BGW_MAXLEN, "webhooks delivery worker");

	slot->state = WH_SLOT_STARTING;
	SpinLockRelease(&wh_shared->mutex);
	ok = RegisterDynamicBackgroundWorker(&worker, &handles[i]);
	SpinLockAcquire(&wh_shared->mutex);
	if (ok)
		return;

	handles[i] = NULL;
	if (slot->state == WH_SLOT_STARTING)
	{
		slot->state = WH_SLOT_NO_WORKER_SLOT;
		slot->restart_at = now + (TimestampTz) NO_SLOT_RETRY_MS * 1000;
		if (warned)
			return;
		SpinLockRelease(&wh_shared->mutex);
		ereport(LOG,
				(errmsg("webhooks: no background worker slot for the delivery worker of the database with OID %u (partition %d of %d): max_worker_processes is used up",
						slot->database, slot->partition + 1, slot->npartitions),
				 errhint("Raise max_worker_processes: webhooks needs one for its launcher and webhooks.workers_per_database for every database with the extension.")));
		SpinLockAcquire(&wh_shared->mutex);
	}
}

/*
 * worker_left settles the slot of a worker that is gone.
 */
static void
worker_left(int i, TimestampTz now)
{
	WhSlot	   *slot = &wh_shared->slots[i];

	handles[i] = NULL;
	slot->pid = 0;
	slot->latch = NULL;
	switch (slot->state)
	{
		case WH_SLOT_NO_EXTENSION:
			slot->state = WH_SLOT_FREE;
			break;
		case WH_SLOT_STOPPING:
			slot->state = WH_SLOT_RESTARTING;
			slot->restart_at = now + (TimestampTz) DROP_RESTART_MS * 1000;
			break;
		case WH_SLOT_RESTARTING:
			/* it said so itself */
			break;
		default:
			/* it could not connect, or stopped before it said anything */
			slot->state = WH_SLOT_RESTARTING;
			slot->restart_at = now + (TimestampTz) WH_RESTART_DELAY_MS * 1000;
			break;
	}
}

/*
 * tend goes through the slots once: requests in, workers gone settled,
 * workers due started; *next gets the time of the next thing to do, or 0.
 */
static void
tend(TimestampTz *next)
{
	TimestampTz now = GetCurrentTimestamp();
	Oid			requests[WH_MAX_SLOTS];
	int			nrequests;
	bool		gone[WH_MAX_SLOTS];
	bool		restart_due = false;
	List	   *existing = NIL;
	List	   *wanted = NIL;
	int			starting = 0;

	*next = 0;

	/* what backends asked for, and whether a restart is due */
	SpinLockAcquire(&wh_shared->mutex);
	nrequests = wh_shared->nserve_requests;
	memcpy(requests, wh_shared->serve_requests, sizeof(Oid) * nrequests);
	wh_shared->nserve_requests = 0;
	for (int i = 0; i < WH_MAX_SLOTS; i++)
	{
		WhSlot	   *slot = &wh_shared->slots[i];

		restart_due |= (slot->state == WH_SLOT_RESTARTING ||
						slot->state == WH_SLOT_NO_WORKER_SLOT) &&
			now >= slot->restart_at;
	}
	SpinLockRelease(&wh_shared->mutex);

	/* the catalog, when something depends on it */
	if (restart_due || (nrequests > 0 && webhooks_database[0] != '\0'))
		existing = servable_databases();
	for (int r = 0; r < nrequests; r++)
		if (webhooks_database[0] == '\0' || list_member_oid(existing, requests[r]))
			wanted = lappend_oid(wanted, requests[r]);
	want_all(wanted);
	list_free(wanted);

	/* workers that are gone: the postmaster tells through the handles */
	for (int i = 0; i < WH_MAX_SLOTS; i++)
	{
		pid_t		pid;

		gone[i] = handles[i] != NULL &&
			GetBackgroundWorkerPid(handles[i], &pid) == BGWH_STOPPED;
	}

	SpinLockAcquire(&wh_shared->mutex);
	for (int i = 0; i < WH_MAX_SLOTS; i++)
	{
		WhSlot	   *slot = &wh_shared->slots[i];

		/*
		 * A slot asked to stop with no worker to stop (one waiting to be
		 * started, for a worker slot, or for its restart) has nothing to
		 * wait for: it is settled as if its worker had left, or it would
		 * stay stopping, unserved, for good.
		 */
		if (gone[i] || (slot->state == WH_SLOT_STOPPING &&
						handles[i] == NULL && slot->pid == 0))
			worker_left(i, now);
		starting += slot->state == WH_SLOT_STARTING;
	}
	for (int i = 0; i < WH_MAX_SLOTS; i++)
	{
		WhSlot	   *slot = &wh_shared->slots[i];
		bool		again = slot->state == WH_SLOT_RESTARTING ||
			slot->state == WH_SLOT_NO_WORKER_SLOT;

		if (again && now < slot->restart_at)
		{
			*next = *next == 0 ? slot->restart_at : Min(*next, slot->restart_at);
			continue;
		}
		if (slot->state != WH_SLOT_WANTED && !again)
			continue;
		if (again && !list_member_oid(existing, slot->database))
		{
			/* the database was dropped (or may no longer be served) */
			slot->state = WH_SLOT_FREE;
			continue;
		}
		if (starting >= MAX_STARTING)
		{
			/* the launcher is woken when one of them has started */
			continue;
		}
		start_worker(i, now);
		starting += slot->state == WH_SLOT_STARTING;
	}
	SpinLockRelease(&wh_shared->mutex);
	list_free(existing);
}

static void
leave_launcher(int code, Datum arg)
{
	SpinLockAcquire(&wh_shared->mutex);
	wh_shared->launcher_latch = NULL;
	wh_shared->launcher_pid = 0;
	SpinLockRelease(&wh_shared->mutex);
}

/*
 * webhooks_launcher_main is the launcher's entry point.
 */
void
webhooks_launcher_main(Datum main_arg)
{
	List	   *dbs;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	/* no database: it reads only the shared catalog pg_database */
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	pgstat_report_appname("webhooks launcher");

	SpinLockAcquire(&wh_shared->mutex);
	wh_shared->launcher_latch = MyLatch;
	wh_shared->launcher_pid = MyProcPid;

	/*
	 * A launcher started again keeps the workers that run (they report
	 * their own exit) and forgets the rest: the databases are wanted anew
	 * below.
	 */
	for (int i = 0; i < WH_MAX_SLOTS; i++)
		if (wh_shared->slots[i].pid == 0)
			wh_shared->slots[i].state = WH_SLOT_FREE;
	SpinLockRelease(&wh_shared->mutex);
	before_shmem_exit(leave_launcher, 0);

	dbs = servable_databases();
	if (webhooks_database[0] != '\0' && dbs == NIL)
		elog(LOG, "webhooks: database \"%s\" (webhooks.database) does not exist: nothing is delivered until it is created and the extension installed in it",
			 webhooks_database);
	want_all(dbs);
	list_free(dbs);

	for (;;)
	{
		TimestampTz next;
		long		timeout = -1;
		int			flags = WL_LATCH_SET | WL_EXIT_ON_PM_DEATH;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		tend(&next);
		if (next > 0)
		{
			timeout = Max(1, (long) ((next - GetCurrentTimestamp()) / 1000) + 1);
			flags |= WL_TIMEOUT;
		}
		(void) WaitLatch(MyLatch, flags, timeout, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/* ----------------------------------------------------------------
 * What backends tell the launcher
 * ----------------------------------------------------------------
 */

/*
 * ask_to_serve asks the launcher to serve a database.
 */
static void
ask_to_serve(Oid database)
{
	SpinLockAcquire(&wh_shared->mutex);
	if (wh_shared->nserve_requests < WH_MAX_SLOTS)
		wh_shared->serve_requests[wh_shared->nserve_requests++] = database;
	if (wh_shared->launcher_latch != NULL)
		SetLatch(wh_shared->launcher_latch);
	SpinLockRelease(&wh_shared->mutex);
}

/* the database to serve once the current transaction commits */
static Oid	serve_after_commit = InvalidOid;

static void
serve_at_commit(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT && OidIsValid(serve_after_commit))
		ask_to_serve(serve_after_commit);
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT)
	{
		serve_after_commit = InvalidOid;
		UnregisterXactCallback(serve_at_commit, NULL);
	}
}

/*
 * serve_when_committed asks the launcher to serve a database when the
 * current transaction commits: its workers must see what it did.
 */
static void
serve_when_committed(Oid database)
{
	/* once per transaction however often called: unregister first */
	UnregisterXactCallback(serve_at_commit, NULL);
	RegisterXactCallback(serve_at_commit, NULL);
	serve_after_commit = database;
}

/*
 * webhooks_serve: webhooks._serve(), called by the install script, asks
 * the launcher to serve this database once the transaction commits.
 */
Datum
webhooks_serve(PG_FUNCTION_ARGS)
{
	serve_when_committed(MyDatabaseId);
	PG_RETURN_VOID();
}

/*
 * stop_workers asks the workers of a database to leave, and waits until
 * they are gone (or STOP_WAIT_MS passed).
 */
static void
stop_workers(Oid database)
{
	TimestampTz start = GetCurrentTimestamp();
	TimestampTz deadline = start + (TimestampTz) STOP_WAIT_MS * 1000;
	TimestampTz insist = start + (TimestampTz) STOP_WAIT_MS * 500;

	if (!OidIsValid(database) || wh_shared == NULL)
		return;
	for (;;)
	{
		bool		running = false;
		TimestampTz now = GetCurrentTimestamp();

		SpinLockAcquire(&wh_shared->mutex);
		for (int i = 0; i < WH_MAX_SLOTS; i++)
		{
			WhSlot	   *slot = &wh_shared->slots[i];

			if (slot->state == WH_SLOT_FREE || slot->database != database)
				continue;
			slot->state = WH_SLOT_STOPPING;
			if (slot->pid == 0)
				continue;
			running = true;
			/* it leaves at its next turn; one stuck in a statement is ended */
			if (slot->latch != NULL)
				SetLatch(slot->latch);
			if (now >= insist)
				kill(slot->pid, SIGTERM);
		}
		SpinLockRelease(&wh_shared->mutex);
		if (!running || now >= deadline)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 10, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	wh_wake_launcher();
}

/*
 * utility_hook lets DROP DATABASE and ALTER DATABASE ... RENAME run with
 * the database's workers gone, and tells the launcher of a new database.
 */
static void
utility_hook(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
			 ProcessUtilityContext context, ParamListInfo params,
			 QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *stmt = pstmt->utilityStmt;
	char	   *created = NULL;

	if (IsA(stmt, DropdbStmt))
		stop_workers(get_database_oid(((DropdbStmt *) stmt)->dbname, true));
	else if (IsA(stmt, RenameStmt) &&
			 ((RenameStmt *) stmt)->renameType == OBJECT_DATABASE)
		stop_workers(get_database_oid(((RenameStmt *) stmt)->subname, true));
	else if (IsA(stmt, CreatedbStmt))
		created = pstrdup(((CreatedbStmt *) stmt)->dbname);

	if (prev_utility_hook)
		prev_utility_hook(pstmt, queryString, readOnlyTree, context, params,
						  queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);

	/* the new database's row is visible once this commits */
	if (created != NULL)
		serve_when_committed(get_database_oid(created, true));
}

/*
 * wh_launcher_hooks installs the utility hook; called from _PG_init.
 */
void
wh_launcher_hooks(void)
{
	prev_utility_hook = ProcessUtility_hook;
	ProcessUtility_hook = utility_hook;
}
