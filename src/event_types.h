/*-------------------------------------------------------------------------
 *
 * event_types.h
 *	  The event-type catalog (doc/decisions.md D4): validation of subscriptions
 *	  against it, list-filter matching, and register_event_type().
 *
 * IDENTIFICATION
 *	  src/event_types.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_EVENT_TYPES_H
#define WEBHOOKS_EVENT_TYPES_H

extern List *wh_event_types_check(List *types, const char *field,
								  List *existing);
extern Datum wh_event_type_filter(List *filter, const char *field);

#endif							/* WEBHOOKS_EVENT_TYPES_H */
