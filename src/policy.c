/*-------------------------------------------------------------------------
 *
 * policy.c
 *	  Delivery outcome policy (doc/decisions.md D7, D8), free of server calls so
 *	  that it can be fuzzed outside PostgreSQL.
 *
 * IDENTIFICATION
 *	  src/policy.c
 *
 *-------------------------------------------------------------------------
 */
#include <ctype.h>
#include <string.h>

#include <curl/curl.h>

#include "policy.h"

/* a delay never exceeds this: one day, the largest interval allowed */
#define MAX_DELAY_MS	INT64_C(86400000)

#ifndef Min
#define Min(a, b)	((a) < (b) ? (a) : (b))
#endif

/*
 * wh_status_is_success: any 2xx is a success (D7).  Redirects are not
 * followed, so a 3xx is a failure.
 */
bool
wh_status_is_success(int status)
{
	return status >= 200 && status <= 299;
}

/*
 * wh_trigger_match returns the index of the first trigger that a failed
 * attempt matches, or -1.  A status of WH_STATUS_NONE (no response in time,
 * or a connection, DNS or TLS error) matches "timeout"; a status matches
 * its own code and its class "4xx" or "5xx".
 */
int
wh_trigger_match(const char *const *triggers, int n, int status)
{
	for (int i = 0; i < n; i++)
	{
		const char *t = triggers[i];

		if (status == WH_STATUS_NONE)
		{
			if (strcmp(t, "timeout") == 0)
				return i;
			continue;
		}
		if (strlen(t) != 3)
			continue;
		if (t[1] == 'x' && t[2] == 'x')
		{
			if (status / 100 == t[0] - '0' && (t[0] == '4' || t[0] == '5'))
				return i;
		}
		else if (isdigit((unsigned char) t[0]) &&
				 isdigit((unsigned char) t[1]) &&
				 isdigit((unsigned char) t[2]) &&
				 (t[0] - '0') * 100 + (t[1] - '0') * 10 + (t[2] - '0') == status)
			return i;
	}
	return -1;
}

/*
 * wh_retry_delay_ms returns the delay before retry number retry (1-based):
 * interval × retry when linear, interval × 2^(retry-1) when exponential,
 * plus jitter × 10% of that (jitter in [0, 1)), capped at one day.
 */
int64_t
wh_retry_delay_ms(int type, int64_t interval, int retry, double jitter)
{
	int64_t		base;

	if (interval < 1)
		interval = 1;
	if (retry < 1)
		retry = 1;
	if (type == WH_POLICY_EXPONENTIAL)
	{
		if (retry > 40 || interval > (MAX_DELAY_MS >> (retry - 1)))
			base = MAX_DELAY_MS;
		else
			base = interval << (retry - 1);
	}
	else
	{
		if (interval > MAX_DELAY_MS / retry)
			base = MAX_DELAY_MS;
		else
			base = interval * retry;
	}
	if (base > MAX_DELAY_MS)
		base = MAX_DELAY_MS;
	if (jitter < 0 || jitter >= 1)
		jitter = 0;
	return base + (int64_t) ((double) base * 0.1 * jitter);
}

/*
 * wh_parse_retry_after returns the delay a Retry-After header value asks
 * for, in milliseconds: delta-seconds or an HTTP-date (parsed by libcurl).
 * Returns -1 when the value is neither.
 */
int64_t
wh_parse_retry_after(const char *value, time_t now)
{
	const char *p = value;
	int64_t		secs = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	if (isdigit((unsigned char) *p))
	{
		while (isdigit((unsigned char) *p))
		{
			if (secs > MAX_DELAY_MS / 1000)
				return MAX_DELAY_MS;
			secs = secs * 10 + (*p - '0');
			p++;
		}
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p != '\0')
			return -1;
		return Min(secs * 1000, MAX_DELAY_MS);
	}
	if (*p == '\0')
		return -1;
	{
		time_t		when = curl_getdate(p, NULL);

		if (when == -1)
			return -1;
		if (when <= now)
			return 0;
		if ((int64_t) (when - now) > MAX_DELAY_MS / 1000)
			return MAX_DELAY_MS;
		return (int64_t) (when - now) * 1000;
	}
}

/*
 * wh_retry_after_delay applies Retry-After to a scheduled retry (D7): for
 * 429 and 503 a valid Retry-After replaces the scheduled delay, capped at
 * twice that delay.  Returns the delay to use.
 */
int64_t
wh_retry_after_delay(int status, int64_t retry_after_ms, int64_t scheduled_ms)
{
	if ((status != 429 && status != 503) || retry_after_ms < 0)
		return scheduled_ms;
	if (retry_after_ms > scheduled_ms * 2)
		return scheduled_ms * 2;
	return retry_after_ms;
}
