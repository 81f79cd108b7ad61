/*-------------------------------------------------------------------------
 *
 * window.c
 *	  What the delivery worker holds.
 *
 * Leases.  A claim leases a queue row for webhooks.lease; the worker keeps
 * every delivery it holds, from claim to recorded outcome, on one list in
 * lease order, and renews the leases of those held past half their lease
 * (batch.c), so that a delivery waiting long for a connection behind a
 * slow endpoint is never claimed a second time while it is held.  Only a
 * worker that stops renewing, because it died, lets its leases run out.
 *
 * The window.  One webhook may have at most a quarter of
 * webhooks.max_inflight requests out (and never fewer than
 * webhooks.max_host_connections), so that an endpoint that hangs leaves
 * the rest of the window to the others; claims skip the webhooks that are
 * full.
 *
 * IDENTIFICATION
 *	  src/window.c
 *
 *-------------------------------------------------------------------------
 */
#include "pg_prelude.h"

#include "webhooks.h"
#include "window.h"

typedef struct WebhookEntry
{
	pg_uuid_t	webhook;		/* hash key */
	int			count;			/* requests out */
} WebhookEntry;

void
wh_window_init(WhWindow *win)
{
	HASHCTL		ctl;

	dlist_init(&win->leases);
	win->held = 0;
	win->sending = 0;
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(pg_uuid_t);
	ctl.entrysize = sizeof(WebhookEntry);
	ctl.hcxt = TopMemoryContext;
	win->by_webhook = hash_create("webhooks in flight", 256, &ctl,
								  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/*
 * wh_window_hold takes a delivery just claimed: its lease runs until
 * lease_until.
 */
void
wh_window_hold(WhWindow *win, WhDelivery *d, TimestampTz lease_until)
{
	d->lease_until = lease_until;
	dlist_push_tail(&win->leases, &d->lease_node);
	win->held++;
}

/*
 * wh_window_renewed notes that a held delivery's lease was renewed.
 */
void
wh_window_renewed(WhWindow *win, WhDelivery *d, TimestampTz lease_until)
{
	Assert(win->held > 0);
	dlist_delete(&d->lease_node);
	d->lease_until = lease_until;
	dlist_push_tail(&win->leases, &d->lease_node);
}

/*
 * wh_window_let_go forgets a delivery whose outcome is recorded, or whose
 * claim did not commit.
 */
void
wh_window_let_go(WhWindow *win, WhDelivery *d)
{
	Assert(win->held > 0);
	dlist_delete(&d->lease_node);
	win->held--;
}

/* the held delivery whose lease runs out first, or NULL */
WhDelivery *
wh_window_first_lease(WhWindow *win)
{
	if (dlist_is_empty(&win->leases))
		return NULL;
	return dlist_container(WhDelivery, lease_node, dlist_head_node(&win->leases));
}

/* the held delivery whose lease runs out after d's, or NULL */
WhDelivery *
wh_window_next_lease(WhWindow *win, WhDelivery *d)
{
	if (!dlist_has_next(&win->leases, &d->lease_node))
		return NULL;
	return dlist_container(WhDelivery, lease_node,
						   dlist_next_node(&win->leases, &d->lease_node));
}

static int
per_webhook_limit(void)
{
	return Max(webhooks_max_inflight / 4, webhooks_max_host_connections);
}

/*
 * wh_window_sent counts a held delivery handed to the HTTP client.
 */
void
wh_window_sent(WhWindow *win, WhDelivery *d)
{
	bool		found;
	WebhookEntry *e = hash_search(win->by_webhook, &d->webhook, HASH_ENTER,
								  &found);

	Assert(!d->is_alert);
	if (!found)
		e->count = 0;
	e->count++;
	win->sending++;
}

/*
 * wh_window_returned counts a delivery back from the HTTP client, and
 * reports whether its webhook, held back until now, may take more again.
 */
bool
wh_window_returned(WhWindow *win, WhDelivery *d)
{
	WebhookEntry *e = hash_search(win->by_webhook, &d->webhook, HASH_FIND, NULL);
	bool		reopened;

	Assert(!d->is_alert && e != NULL && e->count > 0 && win->sending > 0);
	win->sending--;
	reopened = e->count-- == per_webhook_limit() / 2;
	if (e->count == 0)
		hash_search(win->by_webhook, &d->webhook, HASH_REMOVE, NULL);
	return reopened;
}

/*
 * wh_window_saturated returns the uuid[] of webhooks that have as many
 * requests out as they may, and their number in *count.
 */
Datum
wh_window_saturated(WhWindow *win, int *count)
{
	HASH_SEQ_STATUS seq;
	WebhookEntry *e;
	long		n_webhooks = hash_get_num_entries(win->by_webhook);
	Datum	   *elems = palloc(sizeof(Datum) * (n_webhooks + 1));
	int			n = 0;

	/* a webhook alone may use the whole window: there is no one to spare */
	if (n_webhooks > 1)
	{
		hash_seq_init(&seq, win->by_webhook);
		while ((e = hash_seq_search(&seq)) != NULL)
		{
			if (e->count >= per_webhook_limit())
				elems[n++] = UUIDPGetDatum(&e->webhook);
		}
	}
	*count = n;
	return PointerGetDatum(construct_array(elems, n, UUIDOID, UUID_LEN, false,
										   TYPALIGN_CHAR));
}
