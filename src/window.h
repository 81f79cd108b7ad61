/*-------------------------------------------------------------------------
 *
 * window.h
 *	  What the delivery worker holds: its deliveries by key, and the window
 *	  of requests it has out, per webhook.
 *
 * IDENTIFICATION
 *	  src/window.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_WINDOW_H
#define WEBHOOKS_WINDOW_H

#include "utils/hsearch.h"

#include "delivery.h"

typedef struct WhWindow
{
	/*
	 * Every delivery the worker holds, from claim to recorded outcome, by
	 * its key; and those whose outcome could not be recorded, until they
	 * may be sent again.
	 */
	HTAB	   *by_key;
	int			held;			/* held, not set aside */
	int			sending;		/* held deliveries with the HTTP client */
	HTAB	   *by_webhook;		/* requests out or claimed, per webhook */
	int			reclaims;		/* webhooks in it to reclaim for */
	uint32		reclaim_turn;	/* whose turn comes first, when too many */
	dlist_head	aside;			/* set aside, soonest release first */
} WhWindow;

/* a webhook to reclaim for: its key, the event it reads after, its room */
typedef struct WhReclaim
{
	WhDeliveryKey key;
	int			count;			/* requests it has out or claimed */
	int			room;			/* more it may have */
} WhReclaim;

extern void wh_window_init(WhWindow *win);
extern bool wh_window_holds(WhWindow *win, const WhDeliveryKey *key);
extern void wh_window_hold(WhWindow *win, WhDelivery *d);
extern void wh_window_let_go(WhWindow *win, WhDelivery *d);
extern void wh_window_set_aside(WhWindow *win, WhDelivery *d, TimestampTz until);
extern TimestampTz wh_window_next_release(WhWindow *win);
extern int	wh_window_release(WhWindow *win, TimestampTz now);

extern void wh_window_sent(WhWindow *win, WhDelivery *d);
extern bool wh_window_returned(WhWindow *win, WhDelivery *d);
extern Datum wh_window_saturated(WhWindow *win, int *count);
extern int	wh_window_sendable(WhWindow *win);
extern bool wh_window_full(WhWindow *win, const pg_uuid_t *webhook);
extern bool wh_window_passes(WhWindow *win, const WhDeliveryKey *key);
extern int	wh_window_reclaims(WhWindow *win, WhReclaim *r, int max);
extern void wh_window_reclaim_from_heads(WhWindow *win);
extern void wh_window_reclaimed(WhWindow *win, const WhReclaim *r, bool at_end);

#endif							/* WEBHOOKS_WINDOW_H */
