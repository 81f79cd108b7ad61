/*-------------------------------------------------------------------------
 *
 * shmem.c
 *	  Shared memory of the webhooks extension.
 *
 * Publishing backends wake the delivery worker through the latch it leaves
 * here; the worker counts deliveries here so that the statistics view can
 * show totals and a recent rate without touching the tables.
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
		for (int i = 0; i < WH_RATE_SECONDS; i++)
		{
			pg_atomic_init_u64(&wh_shared->rate_second[i], 0);
			pg_atomic_init_u64(&wh_shared->rate_count[i], 0);
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
 * wh_wake_worker sets the delivery worker's latch, if a worker runs.
 */
void
wh_wake_worker(void)
{
	Latch	   *latch;

	if (wh_shared == NULL)
		return;
	SpinLockAcquire(&wh_shared->mutex);
	latch = wh_shared->worker_latch;
	if (latch != NULL)
		SetLatch(latch);
	SpinLockRelease(&wh_shared->mutex);
}

/*
 * wh_count_delivered adds n successful deliveries at Unix second now_sec.
 * Only the worker calls it.
 */
void
wh_count_delivered(uint64 n, uint64 now_sec)
{
	int			slot = now_sec % WH_RATE_SECONDS;

	pg_atomic_fetch_add_u64(&wh_shared->delivered, n);
	if (pg_atomic_read_u64(&wh_shared->rate_second[slot]) != now_sec)
	{
		pg_atomic_write_u64(&wh_shared->rate_count[slot], 0);
		pg_atomic_write_u64(&wh_shared->rate_second[slot], now_sec);
	}
	pg_atomic_fetch_add_u64(&wh_shared->rate_count[slot], n);
}

/*
 * wh_recent_rate returns the mean deliveries per second over the last ten
 * whole seconds.
 */
double
wh_recent_rate(uint64 now_sec)
{
	uint64		total = 0;

	for (uint64 s = now_sec - 10; s < now_sec; s++)
	{
		int			slot = s % WH_RATE_SECONDS;

		if (pg_atomic_read_u64(&wh_shared->rate_second[slot]) == s)
			total += pg_atomic_read_u64(&wh_shared->rate_count[slot]);
	}
	return total / 10.0;
}
