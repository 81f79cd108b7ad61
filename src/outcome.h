/*-------------------------------------------------------------------------
 *
 * outcome.h
 *	  The outcomes of a delivery attempt.
 *
 * This enum is the one definition: the install script's type
 * webhooks.outcome has the same labels in the same order, and the worker
 * checks that they match (wh_outcome_names) before it records anything.
 *
 * IDENTIFICATION
 *	  src/outcome.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_OUTCOME_H
#define WEBHOOKS_OUTCOME_H

typedef enum WhOutcome
{
	WH_OUTCOME_NONE = -1,		/* not judged yet */
	WH_OUTCOME_DELIVERED,		/* a 2xx answer */
	WH_OUTCOME_RETRYING,		/* failed, sent again at retry_at */
	WH_OUTCOME_FAILED,			/* failed for good */
	WH_OUTCOME_DROPPED,			/* not sent: webhook gone, disabled, ... */
	WH_OUTCOME_COUNT
} WhOutcome;

/* the labels of webhooks.outcome, indexed by WhOutcome */
extern const char *const wh_outcome_names[WH_OUTCOME_COUNT];

#endif							/* WEBHOOKS_OUTCOME_H */
