/*-------------------------------------------------------------------------
 *
 * http.h
 *	  The delivery worker's HTTP client: one persistent libcurl multi handle
 *	  driven through an epoll set that the worker waits on together with its
 *	  latch.
 *
 * IDENTIFICATION
 *	  src/http.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_HTTP_H
#define WEBHOOKS_HTTP_H

#include <curl/curl.h>

#include "lib/ilist.h"

#define WH_RESPONSE_SLICE	512		/* bytes of a response body kept */
#define WH_RESPONSE_READ_MAX (64 * 1024)	/* bytes read before giving up */
#define WH_REQUEST_LINES	8	/* header lines of a request's own */

/*
 * Where a request is: made (or given back), waiting for a connection of
 * its origin, handed to libcurl, or finished and on the done list.
 */
typedef enum WhRequestState
{
	WH_REQUEST_IDLE,
	WH_REQUEST_WAITING,
	WH_REQUEST_ACTIVE,
	WH_REQUEST_DONE
} WhRequestState;

/* one HTTP request, from start to outcome */
typedef struct WhRequest
{
	WhRequestState state;
	dlist_node	node;			/* in its origin's queue, or the done list */

	/* what to send */
	char	   *url;
	char	   *body;
	size_t		body_len;
	struct curl_slist lines[WH_REQUEST_LINES];	/* its own header lines */
	int			nlines;
	struct curl_slist *shared_lines;	/* the endpoint's, after its own */
	bool		secure_ssl;
	long		timeout_ms;

	/* outcome */
	int			status;			/* HTTP status, 0 when none */
	CURLcode	result;
	bool		blocked;		/* refused by webhooks.blocked_networks */
	double		duration_ms;
	char		error[CURL_ERROR_SIZE];
	char		response[WH_RESPONSE_SLICE + 1];
	size_t		response_len;	/* kept in response */
	size_t		response_read;	/* read in all */
	char		retry_after[64];	/* Retry-After value, "" when none */

	CURL	   *easy;
	struct WhHost *host;		/* the host of its URL (resolve.h) */
	struct WhPin *pin;			/* the addresses libcurl is pinned to */
	struct WhOrigin *origin;	/* the address and port it connects to */
	int64		started_us;
} WhRequest;

extern void wh_http_init(void);
extern void wh_http_configure(int max_host_connections);
extern void wh_http_shutdown(void);
extern int	wh_http_fd(void);
extern long wh_http_timeout_ms(void);
extern void wh_http_add_line(WhRequest *req, const char *line);
extern void wh_http_start(WhRequest *req, long timeout_ms);
extern void wh_http_drive(void);
extern WhRequest *wh_http_next_done(void);
extern int	wh_http_done_count(void);
extern void wh_http_release(WhRequest *req);
extern List *wh_http_take_waiting(void);
extern int	wh_http_inflight(void);

#endif							/* WEBHOOKS_HTTP_H */
