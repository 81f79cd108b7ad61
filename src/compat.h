/*-------------------------------------------------------------------------
 *
 * compat.h
 *	  What differs between the PostgreSQL major versions the webhooks
 *	  extension supports (15, 17 and 18), in one place.
 *
 * Every version test of the code is here: the rest of the source calls the
 * names below and reads the same on every version.  Where a later version
 * offers something better (a named wait event, a module magic block with
 * the extension's name and version), that version gets it and the older
 * ones get what they have.  Included from pg_prelude.h, after postgres.h.
 *
 * Differences handled elsewhere without a version test: common/base64.h
 * takes uint8 buffers since 18 (char before); callers pass (void *), which
 * converts to either.
 *
 * IDENTIFICATION
 *	  src/compat.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_COMPAT_H
#define WEBHOOKS_COMPAT_H

#include "storage/latch.h"
#include "storage/proc.h"
#include "utils/wait_event.h"

#if PG_VERSION_NUM < 150000
#error "webhooks needs PostgreSQL 15 or later"
#endif

/*
 * The module magic block: since 18 it also names the module and its
 * version, which pg_get_loaded_modules() shows.
 */
#if PG_VERSION_NUM >= 180000
#define WH_MODULE_MAGIC \
	PG_MODULE_MAGIC_EXT(.name = "webhooks", .version = EXTVERSION)
#else
#define WH_MODULE_MAGIC PG_MODULE_MAGIC
#endif

/*
 * pg_noreturn: 18 replaced pg_attribute_noreturn(), written after a
 * declaration, with pg_noreturn, written before it; gcc and clang take the
 * attribute in either place.
 */
#ifndef pg_noreturn
#define pg_noreturn pg_attribute_noreturn()
#endif

/*
 * wh_guc_malloc, wh_guc_free: memory for a GUC check hook's "extra", which
 * the server frees itself: with free() in 15, with guc_free() since 16
 * (ALTER SYSTEM on 17 and 18 fails with "pfree called with invalid
 * pointer" on malloc'd memory).
 */
#if PG_VERSION_NUM >= 160000
#define wh_guc_malloc(size) guc_malloc(LOG, (size))
#define wh_guc_free(ptr) guc_free(ptr)
#else
#define wh_guc_malloc(size) malloc(size)
#define wh_guc_free(ptr) free(ptr)
#endif

/*
 * wh_local_xid: this backend's local transaction id, which changes with
 * every transaction (17 moved it into PGPROC.vxid).
 */
#if PG_VERSION_NUM >= 170000
#define wh_local_xid() (MyProc->vxid.lxid)
#else
#define wh_local_xid() (MyProc->lxid)
#endif

/*
 * wh_json_lexer: a JSON lexer over len bytes of text in the database
 * encoding, de-escaping strings when need_escapes.  Since 17 the
 * caller may pass the context to fill; NULL allocates one, as 15 always does.
 */
#if PG_VERSION_NUM >= 170000
#define wh_json_lexer(json, len, need_escapes) \
	makeJsonLexContextCstringLen(NULL, (json), (len), GetDatabaseEncoding(), (need_escapes))
#else
#define wh_json_lexer(json, len, need_escapes) \
	makeJsonLexContextCstringLen((char *) (json), (len), GetDatabaseEncoding(), (need_escapes))
#endif

/*
 * wh_create_wait_event_set: a wait event set for nevents that lives as long
 * as the process (the worker's).  15 allocates it in a memory context
 * (TopMemoryContext here); since 17 it always lives in TopMemoryContext and
 * may belong to a resource owner, which a process-long set has none of.
 */
#if PG_VERSION_NUM >= 170000
#define wh_create_wait_event_set(nevents) CreateWaitEventSet(NULL, (nevents))
#else
#define wh_create_wait_event_set(nevents) \
	CreateWaitEventSet(TopMemoryContext, (nevents))
#endif

/*
 * wh_delivery_wait_event: the wait event the delivery worker reports while
 * it waits for its latch or its sockets.  Since 17 it has a name of its own,
 * "WebhooksDelivery" in pg_stat_activity.wait_event (registered in shared
 * memory on first use); 15 reports the generic "Extension".
 */
static inline uint32
wh_delivery_wait_event(void)
{
#if PG_VERSION_NUM >= 170000
	static uint32 wait_event = 0;

	if (wait_event == 0)
		wait_event = WaitEventExtensionNew("WebhooksDelivery");
	return wait_event;
#else
	return PG_WAIT_EXTENSION;
#endif
}

#endif							/* WEBHOOKS_COMPAT_H */
