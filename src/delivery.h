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

/* where and how a request is sent: an endpoint as _claim() returns it */
typedef struct WhTarget
{
	char	   *url;
	Jsonb	   *headers;
	bool		secure_ssl;
	bool		hmac_enabled;
	char	   *secret;
	char	   *tag;
} WhTarget;

/* the column of webhooks._claim() with the due time, for the cursor */
#define WH_CLAIM_DUE_AT 21

typedef struct WhDelivery
{
	WhRequest	req;			/* first, so a request is its delivery */
	dlist_node	done_node;		/* in the worker's list of outcomes */
	MemoryContext cxt;			/* holds this delivery and all it points to */

	pg_uuid_t	tenant;
	pg_uuid_t	webhook;
	pg_uuid_t	event;
	int			attempt;		/* 1 for the first try */
	bool		resend;			/* a resend of a diverted event */
	bool		is_alert;		/* a failure notice, not a delivery */
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
	WhTarget   *alert;			/* the alert endpoint, or NULL */
	char	   *webhook_name;	/* for the alert notice */
	char	   *event_type;

	/* the outcome */
	const char *outcome;		/* delivered, retrying, failed, dropped */
	const char *trigger;		/* the matched trigger, or NULL */
	char	   *message;		/* why it failed, or NULL */
	TimestampTz retry_at;		/* when outcome is retrying */
	bool		divert_now;
	bool		suspend_now;
	bool		alert_now;		/* a failure notice is due (D9) */
} WhDelivery;

extern WhDelivery *wh_delivery_from_claim(HeapTuple tup, TupleDesc desc,
										  MemoryContext cxt);
extern void wh_delivery_judge(WhDelivery *d);
extern WhDelivery *wh_delivery_alert(const WhDelivery *failed,
									 MemoryContext cxt);
extern void wh_delivery_free(WhDelivery *d);

#endif							/* WEBHOOKS_DELIVERY_H */
