/*-------------------------------------------------------------------------
 *
 * store.h
 *	  Reading and writing webhooks in the extension's tables through SPI.
 *
 * Every function here expects the caller to be connected to SPI.
 *
 * IDENTIFICATION
 *	  src/store.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_STORE_H
#define WEBHOOKS_STORE_H

#include "config.h"

/* the fetchWebhooks filters; has_* false means "no filter" */
typedef struct WhListFilter
{
	pg_uuid_t	tenant;
	int32		offset;
	int32		count;
	char	   *name;
	bool		has_enabled;
	bool		enabled;
	bool		has_suspended;
	bool		suspended;
	bool		has_active;
	bool		active;
	bool		has_event_types;
	Datum		event_types;	/* text[] of matching subscriptions */
} WhListFilter;

extern bool wh_store_load(const pg_uuid_t *tenant, const pg_ulid *locator,
						  bool for_update, WhWebhook *wh);
extern void wh_store_insert(WhWebhook *wh);
extern void wh_store_update(const WhWebhook *wh);
extern bool wh_store_exists(const pg_uuid_t *tenant, const pg_ulid *locator);
extern bool wh_store_delete(const pg_uuid_t *tenant, const pg_ulid *locator);
extern bool wh_store_unsuspend(const pg_uuid_t *tenant,
							   const pg_ulid *locator);
extern List *wh_store_list(const WhListFilter *filter, bool *completed);

#endif							/* WEBHOOKS_STORE_H */
