/*-------------------------------------------------------------------------
 *
 * policy.h
 *	  Delivery outcome policy, free of server calls: which failures match a
 *	  webhook's triggers, the retry schedule, and Retry-After.
 *
 * IDENTIFICATION
 *	  src/policy.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_POLICY_H
#define WEBHOOKS_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* the status of an attempt that got no HTTP response in time */
#define WH_STATUS_NONE	0

/* retry types, as stored in _webhook.retry_type */
#define WH_POLICY_LINEAR		1
#define WH_POLICY_EXPONENTIAL	2

extern bool wh_status_is_success(int status);
extern int	wh_trigger_match(const char *const *triggers, int n, int status);
extern int64_t wh_retry_delay_ms(int type, int64_t interval, int retry,
								 double jitter);
extern int64_t wh_parse_retry_after(const char *value, time_t now);
extern int64_t wh_retry_after_delay(int status, int64_t retry_after_ms,
									int64_t scheduled_ms);

#endif							/* WEBHOOKS_POLICY_H */
