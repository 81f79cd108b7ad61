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
	HTAB	   *by_webhook;		/* requests out per webhook */
	dlist_head	aside;			/* set aside, soonest release first */
} WhWindow;

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

#endif							/* WEBHOOKS_WINDOW_H */
