/*-------------------------------------------------------------------------
 *
 * webhook_conf.h
 *	  How the worker sends to a webhook: its endpoints and failure
 *	  handling, read once per version of its row.
 *
 * IDENTIFICATION
 *	  src/webhook_conf.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_WEBHOOK_CONF_H
#define WEBHOOKS_WEBHOOK_CONF_H

#include "access/htup.h"
#include "storage/itemptr.h"
#include "utils/uuid.h"

#include "headers.h"
#include "spi_util.h"

/* where and how a request is sent: an endpoint of a webhook */
typedef struct WhTarget
{
	char	   *url;
	WhHeaderSet *headers;		/* its custom headers, or NULL */
	bool		secure_ssl;
	bool		hmac_enabled;
	char	   *secret;
	char	   *tag;
} WhTarget;

typedef struct WhWebhookConf
{
	pg_uuid_t	tenant;
	pg_uuid_t	webhook;
	int			refs;			/* its table entry's, and each delivery's */
	bool		current;		/* still its table entry's */
	MemoryContext cxt;			/* holds it and all it points to */

	/* the version of the _webhook row it was read from */
	bool		exists;			/* false: there is no row (deleted) */
	TransactionId xmin;
	ItemPointerData ctid;

	WhTarget	target;
	WhTarget   *alert;			/* the alert endpoint, or NULL */
	char	   *name;
	bool		enabled;
	bool		suspended;
	int			ntriggers;
	char	  **triggers;
	bool		divert;
	bool		suspend;
	int			retry_type;		/* 0, WH_POLICY_LINEAR or _EXPONENTIAL */
	int64		retry_interval;
	int			retry_attempts;
} WhWebhookConf;

/* the columns of webhooks._claim_webhooks(), in order */
extern const WhResultColumn wh_conf_columns[];
extern const int wh_conf_ncolumns;

extern bool wh_conf_wanted(const pg_uuid_t *tenant, const pg_uuid_t *webhook,
						   uint64 page);
extern void wh_conf_from_row(HeapTuple tup, TupleDesc desc);
extern WhWebhookConf *wh_conf_find(const pg_uuid_t *tenant,
								   const pg_uuid_t *webhook);
extern void wh_conf_keep(WhWebhookConf *conf);
extern void wh_conf_release(WhWebhookConf *conf);
extern void wh_confs_trim(void);

#endif							/* WEBHOOKS_WEBHOOK_CONF_H */
