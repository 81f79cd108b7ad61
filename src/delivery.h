/*-------------------------------------------------------------------------
 *
 * delivery.h
 *	  One delivery of an event to a webhook, as the worker holds it: built
 *	  from a claimed queue row, sent, and judged.
 *
 * IDENTIFICATION
 *	  src/delivery.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_DELIVERY_H
#define WEBHOOKS_DELIVERY_H

#include "http.h"

typedef struct WhDelivery
{
	WhRequest	req;			/* first, so a request is its delivery */
	dlist_node	done_node;		/* in the worker's list of outcomes */

	pg_uuid_t	tenant;
	pg_uuid_t	webhook;
	pg_uuid_t	event;
	int			attempt;		/* 1 for the first try */
	bool		resend;			/* a resend of a diverted event */
	bool		sent;			/* false when judged without sending */
	TimestampTz attempted_at;

	/* failure handling as configured when claimed */
	int			ntriggers;
	char	  **triggers;
	bool		divert;
	bool		suspend;
	int			retry_type;		/* 0, WH_POLICY_LINEAR or _EXPONENTIAL */
	int64		retry_interval;
	int			retry_attempts;

	/* the outcome */
	const char *outcome;		/* delivered, retrying, failed, dropped */
	const char *trigger;		/* the matched trigger, or NULL */
	char	   *message;		/* why it failed, or NULL */
	TimestampTz retry_at;		/* when outcome is retrying */
	bool		divert_now;
	bool		suspend_now;
} WhDelivery;

extern WhDelivery *wh_delivery_from_claim(HeapTuple tup, TupleDesc desc,
										  MemoryContext cxt);
extern void wh_delivery_judge(WhDelivery *d);
extern void wh_delivery_free(WhDelivery *d);

#endif							/* WEBHOOKS_DELIVERY_H */
