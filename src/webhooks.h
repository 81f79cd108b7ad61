/*-------------------------------------------------------------------------
 *
 * webhooks.h
 *	  Declarations shared across the webhooks extension: names of SQL
 *	  objects, error codes, and the settings (GUCs) defined in webhooks.c.
 *
 * IDENTIFICATION
 *	  src/webhooks.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_H
#define WEBHOOKS_H

/* SQL objects, written once */
#define WEBHOOKS_SCHEMA			"webhooks"
#define WEBHOOK_TABLE			"webhooks._webhook"
#define EVENT_TYPE_TABLE		"webhooks.event_type"

/* ulid operators, spelled out: API functions run with search_path = pg_catalog */
#define ULID_EQ					"OPERATOR(webhooks.=)"
#define ULID_NE					"OPERATOR(webhooks.<>)"

/* a timestamptz column as RFC 3339 in UTC with milliseconds, in SQL */
#define SQL_RFC3339(col) \
	"pg_catalog.to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* User-Agent of every request the extension sends */
#define WEBHOOKS_USER_AGENT		"pg-webhooks/" EXTVERSION

/* "not found": PostgREST answers HTTP 404 for SQLSTATE PT404 */
#define ERRCODE_WEBHOOKS_NOT_FOUND	MAKE_SQLSTATE('P','T','4','0','4')

/* settings; see webhooks.c */
extern char *webhooks_database;
extern char *webhooks_tenant_claim;
extern int	webhooks_batch_size;
extern int	webhooks_max_inflight;
extern int	webhooks_timeout_ms;
extern int	webhooks_max_host_connections;
extern int	webhooks_lease_seconds;
extern int	webhooks_attempt_retention;
extern int	webhooks_event_retention;
extern int	webhooks_max_event_data_bytes;
extern struct WhNetwork *webhooks_blocked_networks;
extern int	webhooks_blocked_network_count;
extern int	webhooks_max_name_length;
extern int	webhooks_max_url_length;
extern int	webhooks_max_headers;
extern int	webhooks_max_header_value_bytes;
extern int	webhooks_max_header_values;
extern int	webhooks_max_headers_bytes;
extern int	webhooks_max_event_types;

#endif							/* WEBHOOKS_H */
