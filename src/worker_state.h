/*-------------------------------------------------------------------------
 *
 * worker_state.h
 *	  The delivery worker's state, in one struct the loop (worker.c) and
 *	  its transactions (batch.c) are passed.
 *
 * Every delivery the worker holds is in exactly one of: claimed, the HTTP
 * client (waiting for a connection, in flight or finished), judged, or
 * recording; and all of them are in window.by_key.  The worker checks
 * this (check_state) before it sleeps, in assert-enabled builds.
 *
 * IDENTIFICATION
 *	  src/worker_state.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_WORKER_STATE_H
#define WEBHOOKS_WORKER_STATE_H

#include "delivery.h"
#include "shmem.h"
#include "window.h"

/* the last claimed key in claim order (due_at, event, webhook) */
typedef struct WhClaimCursor
{
	TimestampTz due;
	pg_uuid_t	event;
	pg_uuid_t	webhook;
	TimestampTz reset_at;		/* when it last went a second further back */
	TimestampTz full_reset_at;	/* when it last went back to the head */
	TimestampTz floor;			/* no row can appear behind this (batch.c) */
	TimestampTz wide_floor;		/* nor behind this, allowing for a late show */
	bool		came_short;		/* the last claim found the end of what is due */
	bool		rewind;			/* go back to the head at the next claim */
} WhClaimCursor;

/* the worker's prepared statements, made (and checked) once */
typedef struct WhPlans
{
	SPIPlanPtr	claim;
	SPIPlanPtr	reclaim;
	SPIPlanPtr	confs;
	SPIPlanPtr	record;
	SPIPlanPtr	next_due;
	SPIPlanPtr	count;
	SPIPlanPtr	oldest;
} WhPlans;

typedef struct WhWorker
{
	WhSlot	   *slot;			/* its slot in shared memory */
	char	   *database_name;
	char		activity[128];	/* what its batch is doing, for pg_stat_activity */
	int			partition;		/* the webhooks it serves: those whose */
	int			npartitions;	/* locator hashes to partition */
	MemoryContext delivery_cxt; /* every delivery, each in a child */

	/* what it holds */
	WhWindow	window;
	WhDeliveryList claimed;		/* claimed in the open transaction */
	WhDeliveryList judged;		/* to record */
	WhDeliveryList recording;	/* being recorded in the open transaction */
	TimestampTz first_judged_at;	/* when the oldest judged one was */

	/* what it knows of the queue */
	bool		more_due;		/* it may hold due deliveries */
	TimestampTz next_due;		/* earliest known future due time, or 0 */
	TimestampTz claims_held_until;	/* what is due is held-back webhooks' */
	uint64		claim_pages;	/* claim statements run (webhook_conf.c) */
	WhClaimCursor cursor;

	/* its transactions */
	WhPlans		plans;
	Oid			extension;		/* the extension the plans were made for */
	bool		version_warned; /* the mismatch is logged */
	bool		record_in_parts;	/* the last recording failed */
	bool		suspended_any;	/* the last batch suspended a webhook */
	uint64		recorded[WH_OUTCOME_COUNT]; /* in the open transaction */
	uint64		seen_generation;	/* of webhook configuration */

	/* when it must wake, whatever happens */
	TimestampTz backoff_until;	/* no transaction before */
	TimestampTz next_housekeeping;
	bool		attempts_after_valid;	/* where housekeeping goes on from */
	pg_uuid_t	attempts_after_tenant;	/* in the attempt log: the prefix */
	pg_uuid_t	attempts_after_webhook; /* it starts at */
	TimestampTz next_count;		/* of the queue, for monitoring */
	TimestampTz next_look;		/* the idle ceiling */
} WhWorker;

#endif							/* WEBHOOKS_WORKER_STATE_H */
