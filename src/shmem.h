/*-------------------------------------------------------------------------
 *
 * shmem.h
 *	  The extension's shared memory: the launcher, one slot per delivery
 *	  worker, and counters.
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
#define WH_MAX_SLOTS 128		/* delivery workers, all databases */

/* recent deliveries per second, in a ring of one-second counts */
typedef struct WhRate
{
	pg_atomic_uint64 second[WH_RATE_SECONDS];	/* Unix second of slot */
	pg_atomic_uint64 count[WH_RATE_SECONDS];	/* deliveries in it */
} WhRate;

/*
 * What a slot's worker is doing.  The launcher owns the slots: it takes
 * one for each (database, partition) to serve, starts its worker, and
 * frees it when the worker leaves for good.  The worker reports its state
 * in it; a backend running DROP DATABASE asks it to stop through it.
 */
typedef enum WhSlotState
{
	WH_SLOT_FREE = 0,
	WH_SLOT_WANTED,				/* to be started */
	WH_SLOT_STARTING,			/* registered with the postmaster */
	WH_SLOT_IDLE,				/* running, nothing to do */
	WH_SLOT_DELIVERING,			/* running, deliveries held */
	WH_SLOT_WAITING,			/* running, the extension is busy or of another version */
	WH_SLOT_NO_EXTENSION,		/* the database has no extension: leaving */
	WH_SLOT_NO_WORKER_SLOT,		/* max_worker_processes is used up */
	WH_SLOT_STOPPING,			/* asked to leave (DROP DATABASE) */
	WH_SLOT_RESTARTING			/* died, started again at restart_at */
} WhSlotState;

typedef struct WhSlot
{
	WhSlotState state;
	Oid			database;
	int			partition;		/* 0 .. npartitions - 1 */
	int			npartitions;
	pid_t		pid;			/* 0 while no worker runs */
	Latch	   *latch;			/* the worker's, while it runs */
	TimestampTz restart_at;		/* WH_SLOT_RESTARTING, _NO_WORKER_SLOT */
	int64		queued;			/* queue rows of its partition, last seen */
	TimestampTz queued_from;	/* the earliest start of a transaction that
								 * may have queued rows and committed since
								 * the worker last looked, or DT_NOEND
								 * (batch.c) */
	int			held;			/* deliveries it holds */
	pg_atomic_uint64 delivered;	/* since it was taken */
	WhRate		rate;
} WhSlot;

typedef struct WhShared
{
	slock_t		mutex;			/* protects the launcher fields and slots */
	Latch	   *launcher_latch; /* NULL while the launcher does not run */
	pid_t		launcher_pid;
	Oid			serve_requests[WH_MAX_SLOTS];	/* databases that asked */
	int			nserve_requests;
	WhSlot		slots[WH_MAX_SLOTS];

	pg_atomic_uint64 delivered; /* since server start, all databases */
	pg_atomic_uint64 failed;
	pg_atomic_uint64 attempts;
	pg_atomic_uint64 config_generation;	/* moves when a webhook changes */
	WhRate		rate;
} WhShared;

extern WhShared *wh_shared;

extern void wh_shmem_init(void);
extern void wh_wake_workers(Oid database, TimestampTz queued_from);
extern void wh_wake_launcher(void);
extern void wh_count_delivered(WhSlot *slot, uint64 n, uint64 now_sec);
extern double wh_recent_rate(WhRate *rate, uint64 now_sec);
extern const char *wh_slot_state_name(WhSlotState state);

#endif							/* WEBHOOKS_SHMEM_H */
