/*-------------------------------------------------------------------------
 *
 * delivery.h
 *	  One delivery of an event to a webhook, as the worker holds it: built
 *	  from a claimed queue row, sent, judged and recorded.
 *
 * A delivery the worker holds goes through these states, in this order
 * (a delivery settled at claim skips SENDING; one taken back unsent leaves
 * SENDING and is let go, its row still due; one whose transaction failed
 * goes back from RECORDING to JUDGED):
 *
 *	CLAIMED    read by a claim whose transaction has not yet committed; in
 *	           the worker's claimed list
 *	SENDING    with the HTTP client, which tells apart waiting for a
 *	           connection, in flight and finished (WhRequestState)
 *	JUDGED     its outcome is decided; in the worker's judged list
 *	RECORDING  in the batch being recorded; freed once that commits
 *
 * Every held delivery is also in the worker's table of what it holds, by
 * its key (window.h), so that no claim takes it a second time.
 *
 * IDENTIFICATION
 *	  src/delivery.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_DELIVERY_H
#define WEBHOOKS_DELIVERY_H

#include "http.h"
#include "outcome.h"
#include "webhook_conf.h"

/*
 * The columns of webhooks._claim(), in order: the one description of its
 * result, checked against the function when the worker prepares its call.
 */
extern const WhResultColumn wh_claim_columns[];
extern const int wh_claim_ncolumns;

/* the column with the due time, for the worker's claim cursor */
#define WH_CLAIM_DUE_AT 7
/* whether the claim stopped at the most it reads, rows after it unread */
#define WH_CLAIM_READ_ON 10
#define WH_CLAIM_NCOLUMNS 10

/* a row of _claim(), its columns read (values[c - 1] is column c) */
typedef struct WhClaimRow
{
	Datum		values[WH_CLAIM_NCOLUMNS];
	bool		nulls[WH_CLAIM_NCOLUMNS];
} WhClaimRow;

typedef enum WhDeliveryState
{
	WH_DELIVERY_CLAIMED,
	WH_DELIVERY_SENDING,
	WH_DELIVERY_JUDGED,
	WH_DELIVERY_RECORDING
} WhDeliveryState;

/* what identifies a delivery: the key of its queue row */
typedef struct WhDeliveryKey
{
	pg_uuid_t	tenant;
	pg_uuid_t	webhook;
	pg_uuid_t	event;
} WhDeliveryKey;

typedef struct WhDelivery
{
	WhRequest	req;			/* first, so a request is its delivery */
	WhDeliveryState state;
	dlist_node	list_node;		/* in the list of its state */
	dlist_node	aside_node;		/* set aside unrecorded (window.h) */
	TimestampTz aside_until;	/* until then */
	MemoryContext cxt;			/* holds this delivery and all it points to */

	WhDeliveryKey key;
	ItemPointerData row;		/* where its queue row was when claimed */
	int			attempt;		/* 1 for the first try */
	bool		resend;			/* a resend of a diverted event */
	bool		is_alert;		/* a failure notice, not a delivery */
	bool		sent;			/* false when judged without sending */
	TimestampTz attempted_at;

	/* how it is sent, as configured when claimed (NULL for a notice) */
	WhWebhookConf *conf;
	WhHeaderSet *target_headers;	/* a notice's custom lines */
	char	   *event_type;

	/* the outcome */
	WhOutcome	outcome;
	const char *trigger;		/* the matched trigger, or NULL */
	char	   *message;		/* why it failed, or NULL */
	char	   *response;		/* the response slice as valid text, or NULL */
	TimestampTz retry_at;		/* when outcome is retrying */
	bool		divert_now;
	bool		suspend_now;
	bool		alert_now;		/* a failure notice is due (D9) */
	bool		unrecordable;	/* _record() refused it even stripped */
} WhDelivery;

/* a list of deliveries in one state, that keeps its own count */
typedef struct WhDeliveryList
{
	dlist_head	head;
	int			count;
} WhDeliveryList;

extern void wh_claim_row(HeapTuple tup, TupleDesc desc, WhClaimRow *row);
extern void wh_claim_key(const WhClaimRow *row, WhDeliveryKey *key);
extern WhDelivery *wh_delivery_from_claim(const WhClaimRow *row,
										  WhWebhookConf *conf,
										  MemoryContext cxt);
extern void wh_delivery_judge(WhDelivery *d);
extern WhDelivery *wh_delivery_alert(const WhDelivery *failed,
									 MemoryContext cxt);
extern void wh_delivery_free(WhDelivery *d);

extern void wh_list_init(WhDeliveryList *list);
extern void wh_list_push(WhDeliveryList *list, WhDelivery *d,
						 WhDeliveryState state);
extern WhDelivery *wh_list_pop(WhDeliveryList *list);
extern void wh_list_move(WhDeliveryList *to, WhDeliveryList *from,
						 WhDeliveryState state);

#define wh_list_foreach(iter, list) dlist_foreach(iter, &(list)->head)
#define wh_list_delivery(iter) dlist_container(WhDelivery, list_node, (iter).cur)

#endif							/* WEBHOOKS_DELIVERY_H */
