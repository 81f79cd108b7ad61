/*-------------------------------------------------------------------------
 *
 * worker.h
 *	  The delivery background worker.
 *
 * IDENTIFICATION
 *	  src/worker.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_WORKER_H
#define WEBHOOKS_WORKER_H

extern PGDLLEXPORT void webhooks_worker_main(Datum main_arg);

#endif							/* WEBHOOKS_WORKER_H */
