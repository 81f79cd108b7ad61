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
 * webhooks.max_inflight requests out or claimed to go out (and never fewer
 * than webhooks.max_host_connections), even when it is the only one with
 * requests out, so that an endpoint that hangs or is slow, however long
 * its backlog, leaves the rest of the window to the others: claims read in
 * the order deliveries are due, and a backlog due first would otherwise
 * fill the window and keep every other webhook's deliveries behind it.
 * Claims pass the rows of the webhooks that are full (the cursor goes on
 * beyond them), and such a webhook is marked; when it has room again
 * (half its share out), what was passed is claimed by its key, in the
 * order of its events, from where its last such claim stopped (a
 * reclaim).
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
	pg_uuid_t	tenant;
	int			count;			/* requests out, or claimed to go out */
	bool		passed;			/* claims passed rows of it while it was full */
	bool		reclaim;		/* passed, and room again: to reclaim */
	pg_uuid_t	after_event;	/* where its next reclaim reads from */
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
	win->reclaims = 0;
	win->reclaim_turn = 0;
}

/* whether a delivery with this key is held (or set aside) */
bool
wh_window_holds(WhWindow *win, const WhDeliveryKey *key)
{
	return hash_search(win->by_key, key, HASH_FIND, NULL) != NULL;
}

static int
per_webhook_limit(void)
{
	return Max(webhooks_max_inflight / 4, webhooks_max_host_connections);
}

/* whether a webhook has as many requests out or claimed as it may have */
static bool
entry_full(const WebhookEntry *e)
{
	return e->count >= per_webhook_limit();
}

/* the webhook's entry, made when it has none and "make" */
static WebhookEntry *
webhook_entry(WhWindow *win, const WhDeliveryKey *key, bool make)
{
	bool		found;
	WebhookEntry *e = hash_search(win->by_webhook, &key->webhook,
								  make ? HASH_ENTER : HASH_FIND, &found);

	if (make && !found)
	{
		e->tenant = key->tenant;
		e->count = 0;
		e->passed = false;
		e->reclaim = false;
		memset(&e->after_event, 0, sizeof(e->after_event));
	}
	return e;
}

/* an entry goes when nothing of it is out and nothing is left to reclaim */
static void
forget_if_idle(WhWindow *win, WebhookEntry *e)
{
	if (e->count == 0 && !e->reclaim)
		hash_search(win->by_webhook, &e->webhook, HASH_REMOVE, NULL);
}

/*
 * wh_window_hold takes a delivery just claimed; one with a request to make
 * counts against its webhook's share from now on.
 */
void
wh_window_hold(WhWindow *win, WhDelivery *d)
{
	bool		found;
	HeldEntry  *e = hash_search(win->by_key, &d->key, HASH_ENTER, &found);

	Assert(!found && !d->is_alert);
	e->delivery = d;
	win->held++;
	if (d->sent)
		webhook_entry(win, &d->key, true)->count++;
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
	if (d->sent && d->state == WH_DELIVERY_CLAIMED)
	{
		/* claimed, never handed to the HTTP client: it was counted */
		WebhookEntry *w = webhook_entry(win, &d->key, false);

		Assert(w != NULL && w->count > 0);
		w->count--;
		forget_if_idle(win, w);
	}
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

/*
 * wh_window_sent counts a held delivery handed to the HTTP client (its
 * webhook counted it when it was claimed).
 */
void
wh_window_sent(WhWindow *win, WhDelivery *d)
{
	Assert(!d->is_alert && d->sent);
	win->sending++;
}

/*
 * wh_window_returned counts a delivery back from the HTTP client, and
 * reports whether its webhook, held back until now, may take more again.
 */
bool
wh_window_returned(WhWindow *win, WhDelivery *d)
{
	WebhookEntry *e = webhook_entry(win, &d->key, false);
	bool		reopened;

	Assert(!d->is_alert && e != NULL && e->count > 0 && win->sending > 0);
	win->sending--;
	e->count--;
	reopened = e->count == per_webhook_limit() / 2;
	if (e->passed && !e->reclaim && e->count <= per_webhook_limit() / 2)
	{
		e->reclaim = true;
		win->reclaims++;
		reopened = true;
	}
	forget_if_idle(win, e);
	return reopened;
}

/*
 * wh_window_saturated returns the uuid[] of webhooks that have as many
 * requests out as they may, and their number in *count: the claim about
 * to run passes their rows.
 */
Datum
wh_window_saturated(WhWindow *win, int *count)
{
	HASH_SEQ_STATUS seq;
	WebhookEntry *e;
	long		n_webhooks = hash_get_num_entries(win->by_webhook);
	Datum	   *elems = palloc(sizeof(Datum) * (n_webhooks + 1));
	int			n = 0;

	hash_seq_init(&seq, win->by_webhook);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		if (entry_full(e))
		{
			e->passed = true;
			elems[n++] = UUIDPGetDatum(&e->webhook);
		}
	}
	*count = n;
	return PointerGetDatum(construct_array(elems, n, UUIDOID, UUID_LEN, false,
										   TYPALIGN_CHAR));
}

/*
 * wh_window_passes reports whether a claimed row's webhook is full, so
 * that the claim passes the row; the webhook is marked for a reclaim.
 */
bool
wh_window_passes(WhWindow *win, const WhDeliveryKey *key)
{
	WebhookEntry *e = webhook_entry(win, key, false);

	if (e == NULL || !entry_full(e))
		return false;
	e->passed = true;
	/* a row seen passing behind where its reclaims have got to */
	if (memcmp(key->event.data, e->after_event.data, UUID_LEN) <= 0)
		memset(&e->after_event, 0, sizeof(e->after_event));
	return true;
}

/*
 * wh_window_sendable returns how many requests the webhooks that have some
 * out or claimed may have out together (the whole window when no webhook
 * has any).
 */
int
wh_window_sendable(WhWindow *win)
{
	long		n = hash_get_num_entries(win->by_webhook);

	if (n == 0)
		return webhooks_max_inflight;
	return (int) Min((int64) n * per_webhook_limit(), webhooks_max_inflight);
}

/*
 * wh_window_full reports whether a webhook has as many requests out as it
 * may have.
 */
bool
wh_window_full(WhWindow *win, const pg_uuid_t *webhook)
{
	WebhookEntry *e = hash_search(win->by_webhook, webhook, HASH_FIND, NULL);

	return e != NULL && entry_full(e);
}

/*
 * wh_window_reclaims fills r with up to max webhooks to reclaim for (see
 * the top of the file), and returns how many.  Each call starts one
 * further along the pending ones, so that each has its turn first.
 */
int
wh_window_reclaims(WhWindow *win, WhReclaim *r, int max)
{
	int			n = 0;
	int			first;

	if (win->reclaims == 0)
		return 0;
	first = win->reclaim_turn++ % win->reclaims;
	/* those from the first on, then those before it */
	for (int pass = 0; pass < 2 && n < max; pass++)
	{
		HASH_SEQ_STATUS seq;
		WebhookEntry *e;
		int			i = 0;

		hash_seq_init(&seq, win->by_webhook);
		while ((e = hash_seq_search(&seq)) != NULL)
		{
			if (!e->reclaim)
				continue;
			if ((pass == 0) != (i++ >= first))
				continue;
			if (n == max)
			{
				hash_seq_term(&seq);
				break;
			}
			r[n].key.tenant = e->tenant;
			r[n].key.webhook = e->webhook;
			r[n].key.event = e->after_event;
			r[n].count = e->count;
			r[n].room = Max(per_webhook_limit() - e->count, 0);
			n++;
		}
	}
	return n;
}

/*
 * wh_window_reclaim_from_heads makes every webhook's next reclaim read from
 * the head of its rows: a retry come due, a resend, a late commit or a
 * delivery let go may lie behind where the last one stopped, passed by a
 * claim that never saw it (_claim skips a full webhook's rows itself).
 * The claim cursor's resets call it, every second and at each rewind.
 */
void
wh_window_reclaim_from_heads(WhWindow *win)
{
	HASH_SEQ_STATUS seq;
	WebhookEntry *e;

	hash_seq_init(&seq, win->by_webhook);
	while ((e = hash_seq_search(&seq)) != NULL)
		memset(&e->after_event, 0, sizeof(e->after_event));
}

/*
 * wh_window_reclaimed notes how far a reclaim read (r->key.event, the last
 * event read), and whether it found the end of the webhook's due rows.
 */
void
wh_window_reclaimed(WhWindow *win, const WhReclaim *r, bool at_end)
{
	WebhookEntry *e = webhook_entry(win, &r->key, false);

	Assert(e != NULL && e->reclaim && win->reclaims > 0);
	e->after_event = r->key.event;
	if (at_end)
	{
		/* nothing passed is left: the next reclaim starts from its head */
		e->passed = false;
		memset(&e->after_event, 0, sizeof(e->after_event));
	}
	if (at_end || entry_full(e))
	{
		/* full again: its next room reclaims again, from here */
		e->reclaim = false;
		win->reclaims--;
		forget_if_idle(win, e);
	}
}
