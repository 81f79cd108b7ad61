/*-------------------------------------------------------------------------
 *
 * shmem.c
 *	  Shared memory of the webhooks extension.
 *
 * The launcher keeps here one slot per delivery worker (launcher.c):
 * publishing backends wake the workers of their database through the
 * latches the workers leave in their slots, and each worker reports its
 * state and counts its deliveries in its slot, so that monitoring can show
 * every worker, totals and recent rates without touching the tables.
 *
 * IDENTIFICATION
 *	  src/shmem.c
 *
 *-------------------------------------------------------------------------
 */
#include "pg_prelude.h"

#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"

#include "shmem.h"

WhShared   *wh_shared = NULL;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/*
 * wh_shmem_request asks for the extension's shared memory.
 */
static void
wh_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(WhShared)));
}

/*
 * wh_shmem_startup creates or attaches to the shared state.
 */
static void
init_rate(WhRate *rate)
{
	for (int i = 0; i < WH_RATE_SECONDS; i++)
	{
		pg_atomic_init_u64(&rate->second[i], 0);
		pg_atomic_init_u64(&rate->count[i], 0);
	}
}

static void
wh_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	wh_shared = ShmemInitStruct("webhooks", sizeof(WhShared), &found);
	if (!found)
	{
		memset(wh_shared, 0, sizeof(WhShared));
		SpinLockInit(&wh_shared->mutex);
		pg_atomic_init_u64(&wh_shared->delivered, 0);
		pg_atomic_init_u64(&wh_shared->failed, 0);
		pg_atomic_init_u64(&wh_shared->attempts, 0);
		pg_atomic_init_u64(&wh_shared->config_generation, 0);
		init_rate(&wh_shared->rate);
		for (int i = 0; i < WH_MAX_SLOTS; i++)
		{
			pg_atomic_init_u64(&wh_shared->slots[i].delivered, 0);
			init_rate(&wh_shared->slots[i].rate);
		}
	}
	LWLockRelease(AddinShmemInitLock);
}

/*
 * wh_shmem_init installs the shared memory hooks; called from _PG_init.
 */
void
wh_shmem_init(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = wh_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = wh_shmem_startup;
}

/*
 * wh_wake_workers wakes every delivery worker of a database, and tells each
 * that rows due at queued_from or later may have been queued (DT_NOEND:
 * none).
 */
void
wh_wake_workers(Oid database, TimestampTz queued_from)
{
	if (wh_shared == NULL)
		return;
	SpinLockAcquire(&wh_shared->mutex);
	for (int i = 0; i < WH_MAX_SLOTS; i++)
	{
		WhSlot	   *slot = &wh_shared->slots[i];

		if (slot->state != WH_SLOT_FREE && slot->database == database)
		{
			slot->queued_from = Min(slot->queued_from, queued_from);
			if (slot->latch != NULL)
				SetLatch(slot->latch);
		}
	}
	SpinLockRelease(&wh_shared->mutex);
}

/*
 * wh_wake_launcher wakes the launcher.
 */
void
wh_wake_launcher(void)
{
	if (wh_shared == NULL)
		return;
	SpinLockAcquire(&wh_shared->mutex);
	if (wh_shared->launcher_latch != NULL)
		SetLatch(wh_shared->launcher_latch);
	SpinLockRelease(&wh_shared->mutex);
}

static void
count_rate(WhRate *rate, uint64 n, uint64 now_sec)
{
	int			i = now_sec % WH_RATE_SECONDS;

	if (pg_atomic_read_u64(&rate->second[i]) != now_sec)
	{
		pg_atomic_write_u64(&rate->count[i], 0);
		pg_atomic_write_u64(&rate->second[i], now_sec);
	}
	pg_atomic_fetch_add_u64(&rate->count[i], n);
}

/*
 * wh_count_delivered adds n successful deliveries of a worker's slot at
 * Unix second now_sec.  Only that worker writes its slot's ring.
 */
void
wh_count_delivered(WhSlot *slot, uint64 n, uint64 now_sec)
{
	if (n == 0)
		return;
	pg_atomic_fetch_add_u64(&wh_shared->delivered, n);
	pg_atomic_fetch_add_u64(&slot->delivered, n);
	count_rate(&slot->rate, n, now_sec);
	SpinLockAcquire(&wh_shared->mutex);	/* the cluster's ring has many writers */
	count_rate(&wh_shared->rate, n, now_sec);
	SpinLockRelease(&wh_shared->mutex);
}

/*
 * wh_recent_rate returns the mean deliveries per second of a ring over the
 * last ten whole seconds.
 */
double
wh_recent_rate(WhRate *rate, uint64 now_sec)
{
	uint64		total = 0;

	for (uint64 s = now_sec - 10; s < now_sec; s++)
	{
		int			i = s % WH_RATE_SECONDS;

		if (pg_atomic_read_u64(&rate->second[i]) == s)
			total += pg_atomic_read_u64(&rate->count[i]);
	}
	return total / 10.0;
}

const char *
wh_slot_state_name(WhSlotState state)
{
	switch (state)
	{
		case WH_SLOT_FREE:
			return "free";
		case WH_SLOT_WANTED:
			return "wanted";
		case WH_SLOT_STARTING:
			return "starting";
		case WH_SLOT_IDLE:
			return "idle";
		case WH_SLOT_DELIVERING:
			return "delivering";
		case WH_SLOT_WAITING:
			return "waiting for the extension";
		case WH_SLOT_NO_EXTENSION:
			return "no extension";
		case WH_SLOT_NO_WORKER_SLOT:
			return "no free worker slot";
		case WH_SLOT_STOPPING:
			return "stopping";
		case WH_SLOT_RESTARTING:
			return "restarting";
	}
	return "unknown";
}
