/*-------------------------------------------------------------------------
 *
 * events.h
 *	  Publishing events, and waking the delivery worker at commit.
 *
 * IDENTIFICATION
 *	  src/events.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_EVENTS_H
#define WEBHOOKS_EVENTS_H

extern void wh_wake_worker_at_commit(void);
extern void wh_config_changed_at_commit(void);

#endif							/* WEBHOOKS_EVENTS_H */
