/*-------------------------------------------------------------------------
 *
 * resolve.h
 *	  Where the host of an endpoint URL resolves, for the HTTP client.
 *
 * IDENTIFICATION
 *	  src/resolve.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_RESOLVE_H
#define WEBHOOKS_RESOLVE_H

#include <netdb.h>

#include <curl/curl.h>

#include "lib/ilist.h"

#define WH_HOST_KEY_LEN 256
#define WH_HOST_MAX_ADDRESSES 8

/*
 * The addresses a name resolved to, as a CURLOPT_RESOLVE entry that pins
 * libcurl to them; shared by the requests that use it.
 */
typedef struct WhPin
{
	int			refs;
	bool		current;		/* still its host's pin */
	struct curl_slist line;		/* "+name:port:address,..." */
} WhPin;

typedef enum WhHostState
{
	WH_HOST_RESOLVING,
	WH_HOST_RESOLVED,
	WH_HOST_FAILED
} WhHostState;

typedef struct WhHost
{
	char		key[WH_HOST_KEY_LEN];	/* scheme://host:port of the URL */
	WhHostState state;
	bool		literal;		/* an address, not a name */
	bool		blocked;		/* every address it has is blocked */
	int64		resolved_at;	/* when, or when its lookup began (http.c's clock) */
	char		origin[WH_HOST_KEY_LEN];	/* "address port" it connects to */
	WhPin	   *pin;			/* for a name; NULL for an address */
	char		error[128];		/* why it failed */
	dlist_head	pending;		/* requests waiting for it (http.c's) */

	/* the lookup in progress */
	dlist_node	resolving_node;
	char	   *name;
	char		port[8];
	struct addrinfo hints;
	struct gaicb gai;
} WhHost;

extern WhHost *wh_host_of(const char *url, int64 now_us);
extern bool wh_hosts_resolving(void);
extern WhHost *wh_host_next_resolved(int64 now_us);
extern dlist_head *wh_hosts_resolving_list(void);
extern void wh_pin_release(WhPin *pin);

#endif							/* WEBHOOKS_RESOLVE_H */
