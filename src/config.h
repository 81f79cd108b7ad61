/*-------------------------------------------------------------------------
 *
 * config.h
 *	  A webhook's whole configuration as one C structure: what the request
 *	  parser fills in, the store reads and writes, and the response builder
 *	  turns into JSON.
 *
 * IDENTIFICATION
 *	  src/config.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_CONFIG_H
#define WEBHOOKS_CONFIG_H

#include "ulid.h"

/* One custom header: a name and its values (a List of char *). */
typedef struct WhHeader
{
	char	   *name;
	List	   *values;
} WhHeader;

/* An endpoint: where and how requests are sent. */
typedef struct WhEndpoint
{
	char	   *url;
	List	   *headers;		/* of WhHeader *, in the order given */
	bool		secure_ssl;
	bool		hmac_enabled;
	char	   *secret;			/* NULL when unset */
	char	   *tag;			/* NULL when unset */
} WhEndpoint;

typedef enum WhRetryType
{
	WH_RETRY_NONE = 0,
	WH_RETRY_LINEAR,
	WH_RETRY_EXPONENTIAL
} WhRetryType;

typedef struct WhRetryStrategy
{
	WhRetryType type;			/* WH_RETRY_NONE: no retryStrategy */
	int64		interval;		/* milliseconds */
	int32		attempts;		/* retries after the first try */
} WhRetryStrategy;

typedef struct WhWebhook
{
	pg_uuid_t	tenant;
	pg_ulid		locator;
	bool		has_locator;	/* false until stored */
	char	   *name;
	bool		enabled;
	List	   *event_types;	/* of char *, names and patterns */
	WhEndpoint	endpoint;
	List	   *triggers;		/* of char * */
	bool		divert;
	bool		suspend;
	WhRetryStrategy retry;
	WhEndpoint *alert;			/* NULL when there is no alertEndpoint */
	bool		use_automation_plugin;
	bool		suspended;
	TimestampTz suspended_at;	/* meaningful only while suspended */
} WhWebhook;

/* limits and defaults of D1 and D8 */
#define WH_RETRY_DEFAULT_ATTEMPTS	3
#define WH_RETRY_MIN_ATTEMPTS		1
#define WH_RETRY_MAX_ATTEMPTS		10
#define WH_RETRY_MIN_INTERVAL		INT64CONST(1)
#define WH_RETRY_MAX_INTERVAL		INT64CONST(86400000)

extern void wh_endpoint_init(WhEndpoint *ep);
extern void wh_failure_handling_reset(WhWebhook *wh);
extern void wh_webhook_init(WhWebhook *wh, const pg_uuid_t *tenant);
extern WhHeader *wh_header_find(List *headers, const char *name);
extern List *wh_header_remove(List *headers, const char *name);
extern List *wh_header_set(List *headers, const char *name, List *values);
extern uint64 wh_headers_bytes(List *headers);
extern List *wh_string_list_remove(List *list, const char *s);
extern List *wh_string_list_add(List *list, const char *s);
extern Datum wh_text_array(List *list);
extern char *wh_generate_secret(void);
extern const char *wh_retry_type_name(WhRetryType type);

#endif							/* WEBHOOKS_CONFIG_H */
