/*-------------------------------------------------------------------------
 *
 * window.h
 *	  What the delivery worker holds: the leases of its deliveries, and the
 *	  window of requests it has out, per webhook.
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
	 * Every delivery the worker holds, whatever its state, soonest lease
	 * expiry first: all leases are equally long, so claims and renewals
	 * append.
	 */
	dlist_head	leases;
	int			held;
	int			sending;		/* held deliveries with the HTTP client */
	HTAB	   *by_webhook;		/* requests out per webhook */
} WhWindow;

extern void wh_window_init(WhWindow *win);
extern void wh_window_hold(WhWindow *win, WhDelivery *d, TimestampTz lease_until);
extern void wh_window_renewed(WhWindow *win, WhDelivery *d, TimestampTz lease_until);
extern void wh_window_let_go(WhWindow *win, WhDelivery *d);
extern WhDelivery *wh_window_first_lease(WhWindow *win);
extern WhDelivery *wh_window_next_lease(WhWindow *win, WhDelivery *d);

extern void wh_window_sent(WhWindow *win, WhDelivery *d);
extern bool wh_window_returned(WhWindow *win, WhDelivery *d);
extern Datum wh_window_saturated(WhWindow *win, int *count);

#endif							/* WEBHOOKS_WINDOW_H */
