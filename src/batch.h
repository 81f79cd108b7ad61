/*-------------------------------------------------------------------------
 *
 * batch.h
 *	  The delivery worker's transactions: record, claim.
 *
 * IDENTIFICATION
 *	  src/batch.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_BATCH_H
#define WEBHOOKS_BATCH_H

#include "worker_state.h"

/* whether a batch could use the extension's tables */
typedef enum WhReady
{
	WH_EXTENSION_ABSENT,		/* not installed here (or being dropped) */
	WH_EXTENSION_BUSY,			/* something holds a lock on its tables */
	WH_EXTENSION_OTHER_VERSION, /* its SQL is not the library's version */
	WH_EXTENSION_READY
} WhReady;

extern WhReady wh_batch_run(WhWorker *w, bool do_claim);
extern void wh_batch_committed(WhWorker *w, WhReady ready);
extern void wh_batch_failed(WhWorker *w);
extern void wh_batch_rewind(WhWorker *w);
extern void wh_forget_delivery(WhWorker *w, WhDelivery *d);

#endif							/* WEBHOOKS_BATCH_H */
