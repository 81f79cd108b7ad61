/*-------------------------------------------------------------------------
 *
 * shmem.h
 *	  Shared memory of the webhooks extension: the delivery worker's latch,
 *	  so that publishers can wake it at commit, and delivery counters.
 *
 * IDENTIFICATION
 *	  src/shmem.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_SHMEM_H
#define WEBHOOKS_SHMEM_H

#include "port/atomics.h"
#include "storage/latch.h"
#include "storage/spin.h"

#define WH_RATE_SECONDS 16		/* ring of per-second delivery counts */

typedef struct WhShared
{
	slock_t		mutex;			/* protects worker_latch and worker_pid */
	Latch	   *worker_latch;	/* NULL while no worker runs */
	pid_t		worker_pid;
	pg_atomic_uint64 delivered; /* since server start */
	pg_atomic_uint64 failed;
	pg_atomic_uint64 attempts;
	pg_atomic_uint64 config_generation;	/* moves when a webhook changes */
	pg_atomic_uint64 rate_second[WH_RATE_SECONDS];	/* Unix second of slot */
	pg_atomic_uint64 rate_count[WH_RATE_SECONDS];	/* deliveries in it */
} WhShared;

extern WhShared *wh_shared;

extern void wh_shmem_init(void);
extern void wh_wake_worker(void);
extern void wh_count_delivered(uint64 n, uint64 now_sec);
extern double wh_recent_rate(uint64 now_sec);

#endif							/* WEBHOOKS_SHMEM_H */
