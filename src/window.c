/*-------------------------------------------------------------------------
 *
 * window.c
 *	  What the delivery worker holds.
 *
 * Held deliveries.  One worker serves a partition of a database's webhooks
 * at a time (launcher.c), so the queue rows of its partition are its own:
 * a claim reads them and writes nothing, and the worker keeps every
 * delivery it holds, from claim to recorded outcome, in a table by key.  A
 * claim skips what the table holds, so a delivery waiting long for a
 * connection behind a slow endpoint is never taken a second time.  What
 * is let go unrecorded (taken back unsent, or its claim not committed) is
 * still due in the queue, and claimed again.  An outcome that could not be
 * recorded even stripped is set aside: kept in the table, so not sent
 * again, for webhooks.lease, then let go.  A worker that dies holds nothing
 * any more: its deliveries are due, and its restart sends them again.
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

typedef struct HeldEntry
{
	WhDeliveryKey key;			/* hash key */
	WhDelivery *delivery;
} HeldEntry;

static HTAB *
new_table(const char *name, Size keysize, Size entrysize, long size)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = keysize;
	ctl.entrysize = entrysize;
	ctl.hcxt = TopMemoryContext;
	return hash_create(name, size, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

void
wh_window_init(WhWindow *win)
{
	win->by_key = new_table("webhooks deliveries held", sizeof(WhDeliveryKey),
							sizeof(HeldEntry), 1024);
	win->held = 0;
	win->sending = 0;
	dlist_init(&win->aside);
	win->by_webhook = new_table("webhooks in flight", sizeof(pg_uuid_t),
								sizeof(WebhookEntry), 256);
}

/* whether a delivery with this key is held (or set aside) */
bool
wh_window_holds(WhWindow *win, const WhDeliveryKey *key)
{
	return hash_search(win->by_key, key, HASH_FIND, NULL) != NULL;
}

/*
 * wh_window_hold takes a delivery just claimed.
 */
void
wh_window_hold(WhWindow *win, WhDelivery *d)
{
	bool		found;
	HeldEntry  *e = hash_search(win->by_key, &d->key, HASH_ENTER, &found);

	Assert(!found);
	e->delivery = d;
	win->held++;
}

/*
 * wh_window_let_go forgets a delivery whose outcome is recorded, whose
 * claim did not commit, or that was taken back unsent.
 */
void
wh_window_let_go(WhWindow *win, WhDelivery *d)
{
	HeldEntry  *e PG_USED_FOR_ASSERTS_ONLY;

	Assert(win->held > 0);
	e = hash_search(win->by_key, &d->key, HASH_REMOVE, NULL);
	Assert(e != NULL && e->delivery == d);
	win->held--;
}

/*
 * wh_window_set_aside keeps a delivery whose outcome could not be recorded
 * out of the claims until "until" (its row is still due); it is no longer
 * counted as held.
 */
void
wh_window_set_aside(WhWindow *win, WhDelivery *d, TimestampTz until)
{
	Assert(win->held > 0);
	d->aside_until = until;
	/* all are set aside for equally long: appending keeps the order */
	dlist_push_tail(&win->aside, &d->aside_node);
	win->held--;
}

/* when the first delivery set aside may be sent again, or 0 */
TimestampTz
wh_window_next_release(WhWindow *win)
{
	if (dlist_is_empty(&win->aside))
		return 0;
	return dlist_container(WhDelivery, aside_node,
						   dlist_head_node(&win->aside))->aside_until;
}

/*
 * wh_window_release lets go of the deliveries set aside until now or
 * earlier, and returns how many.
 */
int
wh_window_release(WhWindow *win, TimestampTz now)
{
	int			n = 0;

	while (!dlist_is_empty(&win->aside))
	{
		WhDelivery *d = dlist_container(WhDelivery, aside_node,
										dlist_head_node(&win->aside));

		if (d->aside_until > now)
			break;
		dlist_delete(&d->aside_node);
		hash_search(win->by_key, &d->key, HASH_REMOVE, NULL);
		wh_delivery_free(d);
		n++;
	}
	return n;
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
	WebhookEntry *e = hash_search(win->by_webhook, &d->key.webhook, HASH_ENTER,
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
	WebhookEntry *e = hash_search(win->by_webhook, &d->key.webhook, HASH_FIND, NULL);
	bool		reopened;

	Assert(!d->is_alert && e != NULL && e->count > 0 && win->sending > 0);
	win->sending--;
	reopened = e->count-- == per_webhook_limit() / 2;
	if (e->count == 0)
		hash_search(win->by_webhook, &d->key.webhook, HASH_REMOVE, NULL);
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
