/*-------------------------------------------------------------------------
 *
 * webhook_conf.c
 *	  How the worker sends to a webhook, read once per version of its row.
 *
 * A claim returns deliveries only.  The webhooks they are for are read in
 * the same transaction by webhooks._claim_webhooks(), once per webhook and
 * page of the claim, with the version of their row: its xmin and ctid,
 * which every update changes.  A configuration whose row has not changed
 * since it was last read is kept as it was built (its strings, triggers
 * and header lines); one whose row changed is built again, and the old
 * one lives on until the last delivery claimed under it is freed.  So an
 * update is picked up by the next claim, as when every claimed row carried
 * its webhook's columns, at the cost of one row per webhook instead of
 * one per delivery.
 *
 * Configurations hold the endpoints' secrets for as long as they are
 * kept; they are wiped when it is freed.  Those no delivery uses are
 * dropped at every trim (once a minute), so the table holds the webhooks
 * of the last minute's claims.
 *
 * IDENTIFICATION
 *	  src/webhook_conf.c
 *
 *-------------------------------------------------------------------------
 */
#include "pg_prelude.h"

#include "access/htup_details.h"
#include "utils/hsearch.h"

#include "policy.h"
#include "webhook_conf.h"

/* columns of webhooks._claim_webhooks() */
enum
{
	K_TENANT = 1,
	K_WEBHOOK,
	K_XMIN,
	K_CTID,
	K_NAME,
	K_ENABLED,
	K_SUSPENDED,
	K_TRIGGERS,
	K_DIVERT,
	K_SUSPEND,
	K_RETRY_TYPE,
	K_RETRY_INTERVAL,
	K_RETRY_ATTEMPTS,
	K_URL,						/* then headers, secure_ssl, hmac_enabled,
								 * secret, tag */
	K_ALERT_URL = K_URL + 6,	/* the same six for the alert endpoint */
	K_NCOLUMNS = K_ALERT_URL + 5
};

const WhResultColumn wh_conf_columns[] = {
	{"tenant_locator", UUIDOID}, {"webhook_locator", UUIDOID},
	{"row_xmin", XIDOID}, {"row_ctid", TIDOID}, {"name", TEXTOID},
	{"enabled", BOOLOID}, {"suspended", BOOLOID},
	{"triggers", TEXTARRAYOID}, {"divert", BOOLOID}, {"suspend", BOOLOID},
	{"retry_type", TEXTOID}, {"retry_interval", INT8OID},
	{"retry_attempts", INT4OID},
	{"url", TEXTOID}, {"headers", JSONBOID}, {"secure_ssl", BOOLOID},
	{"hmac_enabled", BOOLOID}, {"secret", TEXTOID}, {"tag", TEXTOID},
	{"alert_url", TEXTOID}, {"alert_headers", JSONBOID},
	{"alert_secure_ssl", BOOLOID}, {"alert_hmac_enabled", BOOLOID},
	{"alert_secret", TEXTOID}, {"alert_tag", TEXTOID}
};
const int	wh_conf_ncolumns = lengthof(wh_conf_columns);

StaticAssertDecl(lengthof(wh_conf_columns) == K_NCOLUMNS,
				 "configuration columns out of step");

typedef struct ConfKey
{
	pg_uuid_t	tenant;
	pg_uuid_t	webhook;
} ConfKey;

typedef struct ConfEntry
{
	ConfKey		key;			/* hash key */
	WhWebhookConf *conf;		/* NULL until first read */
	uint64		page;			/* the claim page that last asked for it */
} ConfEntry;

static HTAB *confs = NULL;

/* a column of a row, numbered from 1 as in wh_conf_columns */
#define COL_NULL(c) (nulls[(c) - 1])
#define COL_DATUM(c) (values[(c) - 1])
#define COL_BOOL(c) (!COL_NULL(c) && DatumGetBool(COL_DATUM(c)))

static ConfEntry *
entry_of(const pg_uuid_t *tenant, const pg_uuid_t *webhook, bool create)
{
	ConfKey		key;
	ConfEntry  *e;
	bool		found;

	if (confs == NULL)
	{
		HASHCTL		ctl;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(ConfKey);
		ctl.entrysize = sizeof(ConfEntry);
		ctl.hcxt = TopMemoryContext;
		confs = hash_create("webhooks configurations", 256, &ctl,
							HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	key.tenant = *tenant;
	key.webhook = *webhook;
	e = hash_search(confs, &key, create ? HASH_ENTER : HASH_FIND, &found);
	if (e != NULL && !found)
	{
		e->conf = NULL;
		e->page = 0;
	}
	return e;
}

/*
 * text_in copies a text column into cxt: NULL when it is NULL.  Whatever
 * detoasting it takes is done in the caller's (short-lived) context.
 */
static char *
text_in(MemoryContext cxt, Datum *values, bool *nulls, int c)
{
	return COL_NULL(c) ? NULL :
		MemoryContextStrdup(cxt, TextDatumGetCString(COL_DATUM(c)));
}

/*
 * target_from_row reads the six endpoint columns that start at first (url,
 * headers, secure_ssl, hmac_enabled, secret, tag).
 */
static void
target_from_row(MemoryContext cxt, Datum *values, bool *nulls, int first,
				const pg_uuid_t *webhook, WhTarget *t)
{
	t->url = text_in(cxt, values, nulls, first);
	t->secure_ssl = COL_BOOL(first + 2);
	t->hmac_enabled = COL_BOOL(first + 3);
	t->secret = text_in(cxt, values, nulls, first + 4);
	t->tag = text_in(cxt, values, nulls, first + 5);
	/* the set keeps a copy of what it was built from */
	t->headers = COL_NULL(first + 1) ? NULL :
		wh_header_set_get(webhook, first == K_ALERT_URL,
						  DatumGetJsonbP(COL_DATUM(first + 1)));
}

/*
 * forget_target wipes an endpoint's secret and lets go of its header lines.
 */
static void
forget_target(WhTarget *t)
{
	if (t->secret != NULL)
		explicit_bzero(t->secret, strlen(t->secret));
	t->secret = NULL;
	if (t->headers != NULL)
		wh_header_set_release(t->headers);
	t->headers = NULL;
}

/*
 * build makes a configuration from a row of _claim_webhooks(), in a memory
 * context of its own; what it reads is detoasted in the caller's context.
 * On error nothing is left behind.
 */
static WhWebhookConf *
build(Datum *values, bool *nulls)
{
	MemoryContext cxt = AllocSetContextCreate(TopMemoryContext,
											  "webhooks configuration",
											  ALLOCSET_SMALL_SIZES);
	WhWebhookConf *volatile c = MemoryContextAllocZero(cxt, sizeof(WhWebhookConf));

	c->cxt = cxt;
	c->refs = 1;				/* its entry's */
	c->current = true;
	memcpy(c->tenant.data, DatumGetUUIDP(COL_DATUM(K_TENANT))->data, UUID_LEN);
	memcpy(c->webhook.data, DatumGetUUIDP(COL_DATUM(K_WEBHOOK))->data, UUID_LEN);
	c->exists = !COL_NULL(K_XMIN);
	if (!c->exists)
		return c;
	PG_TRY();
	{
		c->xmin = DatumGetTransactionId(COL_DATUM(K_XMIN));
		ItemPointerCopy((ItemPointer) DatumGetPointer(COL_DATUM(K_CTID)), &c->ctid);
		c->name = text_in(cxt, values, nulls, K_NAME);
		c->enabled = COL_BOOL(K_ENABLED);
		c->suspended = COL_BOOL(K_SUSPENDED);
		if (!COL_NULL(K_TRIGGERS))
		{
			Datum	   *elems;
			bool	   *enulls;
			int			n;

			deconstruct_array(DatumGetArrayTypeP(COL_DATUM(K_TRIGGERS)),
							  TEXTOID, -1, false, TYPALIGN_INT, &elems,
							  &enulls, &n);
			c->triggers = MemoryContextAlloc(cxt, sizeof(char *) * Max(n, 1));
			for (int i = 0; i < n; i++)
				c->triggers[i] = MemoryContextStrdup(cxt,
													 TextDatumGetCString(elems[i]));
			c->ntriggers = n;
		}
		c->divert = COL_BOOL(K_DIVERT);
		c->suspend = COL_BOOL(K_SUSPEND);
		if (!COL_NULL(K_RETRY_TYPE))
		{
			c->retry_type = strcmp(TextDatumGetCString(COL_DATUM(K_RETRY_TYPE)),
								   "exponential") == 0 ?
				WH_POLICY_EXPONENTIAL : WH_POLICY_LINEAR;
			c->retry_interval = DatumGetInt64(COL_DATUM(K_RETRY_INTERVAL));
			c->retry_attempts = DatumGetInt32(COL_DATUM(K_RETRY_ATTEMPTS));
		}
		target_from_row(cxt, values, nulls, K_URL, &c->webhook, &c->target);
		if (!COL_NULL(K_ALERT_URL))
		{
			c->alert = MemoryContextAllocZero(cxt, sizeof(WhTarget));
			target_from_row(cxt, values, nulls, K_ALERT_URL, &c->webhook,
							c->alert);
		}
	}
	PG_CATCH();
	{
		forget_target(&c->target);
		if (c->alert)
			forget_target(c->alert);
		MemoryContextDelete(cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	return c;
}

/*
 * wh_conf_wanted tells whether a claim page must read a webhook's row: not
 * when the page already asks for it.
 */
bool
wh_conf_wanted(const pg_uuid_t *tenant, const pg_uuid_t *webhook, uint64 page)
{
	ConfEntry  *e = entry_of(tenant, webhook, true);

	if (e->page == page)
		return false;
	e->page = page;
	return true;
}

/*
 * wh_conf_from_row takes in a row of _claim_webhooks(): the configuration
 * is kept when its row has not changed, and built again when it has.
 */
void
wh_conf_from_row(HeapTuple tup, TupleDesc desc)
{
	Datum		values[K_NCOLUMNS];
	bool		nulls[K_NCOLUMNS];
	pg_uuid_t	tenant;
	pg_uuid_t	webhook;
	ConfEntry  *e;
	WhWebhookConf *c;

	Assert(desc->natts == K_NCOLUMNS);
	heap_deform_tuple(tup, desc, values, nulls);
	memcpy(tenant.data, DatumGetUUIDP(COL_DATUM(K_TENANT))->data, UUID_LEN);
	memcpy(webhook.data, DatumGetUUIDP(COL_DATUM(K_WEBHOOK))->data, UUID_LEN);
	e = entry_of(&tenant, &webhook, true);
	c = e->conf;
	if (c != NULL && c->exists && !COL_NULL(K_XMIN) &&
		c->xmin == DatumGetTransactionId(COL_DATUM(K_XMIN)) &&
		ItemPointerEquals(&c->ctid, (ItemPointer) DatumGetPointer(COL_DATUM(K_CTID))))
		return;					/* the same version */
	/* built first: if that fails, the entry keeps what it had */
	e->conf = build(values, nulls);
	if (c != NULL)
	{
		c->current = false;
		wh_conf_release(c);
	}
}

/*
 * wh_conf_find returns the configuration of a webhook that the current
 * claim page read.  A delivery that keeps it counts itself with
 * wh_conf_keep.
 */
WhWebhookConf *
wh_conf_find(const pg_uuid_t *tenant, const pg_uuid_t *webhook)
{
	ConfEntry  *e = entry_of(tenant, webhook, false);

	if (e == NULL || e->conf == NULL)
		elog(ERROR, "webhooks: a claimed webhook was not read");
	return e->conf;
}

/*
 * wh_conf_keep counts one more user of a configuration.
 */
void
wh_conf_keep(WhWebhookConf *c)
{
	c->refs++;
}

/*
 * wh_conf_release counts one user less, and frees a configuration nothing
 * uses any more.
 */
void
wh_conf_release(WhWebhookConf *c)
{
	Assert(c->refs > 0);
	if (--c->refs > 0)
		return;
	Assert(!c->current);
	forget_target(&c->target);
	if (c->alert)
		forget_target(c->alert);
	MemoryContextDelete(c->cxt);
}

/*
 * wh_confs_trim drops the configurations no held delivery uses.
 */
void
wh_confs_trim(void)
{
	HASH_SEQ_STATUS seq;
	ConfEntry  *e;

	if (confs == NULL)
		return;
	hash_seq_init(&seq, confs);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		if (e->conf != NULL && e->conf->refs > 1)
			continue;
		if (e->conf != NULL)
		{
			e->conf->current = false;
			wh_conf_release(e->conf);
		}
		hash_search(confs, &e->key, HASH_REMOVE, NULL);
	}
}
