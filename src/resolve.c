/*-------------------------------------------------------------------------
 *
 * resolve.c
 *	  Where the host of an endpoint URL resolves, for the HTTP client.
 *
 * The per-origin connection cap (webhooks.max_host_connections) counts
 * connections per address and port, not per spelling of a URL: otherwise
 * http://127.0.0.1:P, http://2130706433:P and http://LOCALHOST:P would
 * each get the whole cap.  So the HTTP client learns where a URL's host
 * goes before it hands a request to libcurl:
 *
 *	- an address (in any form libcurl's URL parser accepts, which it
 *	  normalises) is its own origin;
 *	- a name is resolved here, without blocking the worker
 *	  (getaddrinfo_a, polled by the worker's loop), at most once a minute;
 *	  its addresses, IPv4 first, less those webhooks.blocked_networks
 *	  refuses, are pinned for libcurl with a CURLOPT_RESOLVE entry, so the
 *	  connection goes to the address the cap counted; the first of them is
 *	  its origin.  A name whose every address is blocked is refused at
 *	  once, as blocked.
 *
 * libcurl still checks the address of every connection it opens and every
 * connection it reuses (http.c), whatever was resolved here.
 *
 * IDENTIFICATION
 *	  src/resolve.c
 *
 *-------------------------------------------------------------------------
 */
#include "pg_prelude.h"

#include <arpa/inet.h>

#include "utils/hsearch.h"

#include "netblock.h"
#include "resolve.h"
#include "webhooks.h"

#define HOST_TTL_US (60 * USECS_PER_SEC)	/* a name is resolved again after */
#define FAILED_TTL_US (5 * USECS_PER_SEC)	/* a failed lookup is tried again after */
#define MAX_IDLE_HOSTS 4096

static HTAB *hosts = NULL;
static MemoryContext hosts_cxt = NULL;
static dlist_head resolving = DLIST_STATIC_INIT(resolving);

/*
 * url_key is what a URL is known by here: everything before its path,
 * lower-cased (schemes and host names are case-insensitive).
 */
static void
url_key(const char *url, char *key)
{
	const char *start = strstr(url, "://");
	size_t		len;

	start = start ? start + 3 : url;
	len = strcspn(start, "/?#");
	len = Min(len + (start - url), WH_HOST_KEY_LEN - 1);
	for (size_t i = 0; i < len; i++)
		key[i] = pg_ascii_tolower((unsigned char) url[i]);
	key[len] = '\0';
}

/*
 * address_key writes "address port" for an address; IPv4-mapped IPv6
 * addresses are written as the IPv4 address they carry, which is where
 * they connect.
 */
static void
address_key(int family, const void *addr, const char *port, char *out)
{
	char		text[INET6_ADDRSTRLEN];
	const unsigned char *a6 = addr;

	if (family == AF_INET6 && IN6_IS_ADDR_V4MAPPED((const struct in6_addr *) addr))
	{
		family = AF_INET;
		addr = a6 + 12;
	}
	inet_ntop(family, addr, text, sizeof(text));
	snprintf(out, WH_HOST_KEY_LEN, "%s %s", text, port);
}

static void
fail(WhHost *h, const char *why)
{
	h->state = WH_HOST_FAILED;
	strlcpy(h->error, why, sizeof(h->error));
}

/*
 * parse reads the scheme, host and port of a URL with libcurl's own
 * parser.  An address is resolved at once.
 */
static void
parse(WhHost *h, const char *url)
{
	CURLU	   *u = curl_url();
	char	   *host = NULL;
	char	   *port = NULL;
	unsigned char addr[16];

	if (u == NULL)
		elog(ERROR, "webhooks: out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
		curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
		curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
		fail(h, "URL using bad/illegal format or missing URL");
	else
	{
		size_t		len = strlen(host);

		strlcpy(h->port, port, sizeof(h->port));
		if (inet_pton(AF_INET, host, addr) == 1)
			address_key(AF_INET, addr, h->port, h->origin);
		else if (len > 2 && host[0] == '[')
		{
			host[len - 1] = '\0';
			/* a zone id ("%eth0") follows the address */
			host[1 + strcspn(host + 1, "%")] = '\0';
			if (inet_pton(AF_INET6, host + 1, addr) == 1)
				address_key(AF_INET6, addr, h->port, h->origin);
			else
				fail(h, "URL using bad/illegal format or missing URL");
		}
		else
		{
			h->name = MemoryContextStrdup(hosts_cxt, host);
			for (char *p = h->name; *p; p++)
				*p = pg_ascii_tolower((unsigned char) *p);
		}
		if (h->name == NULL && h->state != WH_HOST_FAILED)
		{
			h->literal = true;
			h->state = WH_HOST_RESOLVED;
		}
	}
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
}

/*
 * start_lookup resolves a name in the background.
 */
static void
start_lookup(WhHost *h, int64 now_us)
{
	struct gaicb *list[1] = {&h->gai};

	memset(&h->hints, 0, sizeof(h->hints));
	h->hints.ai_family = AF_UNSPEC;
	h->hints.ai_socktype = SOCK_STREAM;
	memset(&h->gai, 0, sizeof(h->gai));
	h->gai.ar_name = h->name;
	h->gai.ar_service = h->port;
	h->gai.ar_request = &h->hints;
	h->state = WH_HOST_RESOLVING;
	h->resolved_at = now_us;	/* when it started, until it is done */
	if (getaddrinfo_a(GAI_NOWAIT, list, 1, NULL) != 0)
	{
		fail(h, "Could not resolve host");
		return;
	}
	dlist_push_tail(&resolving, &h->resolving_node);
}

/*
 * trim forgets hosts nothing waits for once there are many of them.
 */
static void
trim(void)
{
	HASH_SEQ_STATUS seq;
	WhHost	   *h;

	if (hash_get_num_entries(hosts) <= MAX_IDLE_HOSTS)
		return;
	hash_seq_init(&seq, hosts);
	while ((h = hash_seq_search(&seq)) != NULL)
	{
		if (h->state == WH_HOST_RESOLVING || !dlist_is_empty(&h->pending))
			continue;
		if (h->pin)
		{
			h->pin->current = false;
			wh_pin_release(h->pin);
		}
		if (h->name)
			pfree(h->name);
		hash_search(hosts, h->key, HASH_REMOVE, NULL);
	}
}

/*
 * wh_host_of returns the host of a URL.  A name not resolved in the last
 * minute is being resolved when this returns.
 */
WhHost *
wh_host_of(const char *url, int64 now_us)
{
	char		key[WH_HOST_KEY_LEN];
	bool		found;
	WhHost	   *h;

	if (hosts == NULL)
	{
		HASHCTL		ctl;

		hosts_cxt = AllocSetContextCreate(TopMemoryContext, "webhooks hosts",
										  ALLOCSET_DEFAULT_SIZES);
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = WH_HOST_KEY_LEN;
		ctl.entrysize = sizeof(WhHost);
		ctl.hcxt = hosts_cxt;
		hosts = hash_create("webhooks hosts", 64, &ctl,
							HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	}

	url_key(url, key);
	h = hash_search(hosts, key, HASH_FIND, NULL);
	if (h == NULL)
	{
		trim();
		h = hash_search(hosts, key, HASH_ENTER, &found);
		memset((char *) h + WH_HOST_KEY_LEN, 0, sizeof(WhHost) - WH_HOST_KEY_LEN);
		dlist_init(&h->pending);
		h->state = WH_HOST_RESOLVED;
		parse(h, url);
		if (h->state == WH_HOST_FAILED || h->literal)
			return h;
		start_lookup(h, now_us);
		return h;
	}
	if (h->name != NULL && h->state != WH_HOST_RESOLVING &&
		now_us - h->resolved_at >= (h->state == WH_HOST_FAILED ? FAILED_TTL_US : HOST_TTL_US))
		start_lookup(h, now_us);
	return h;
}

/*
 * finish_lookup builds a CURLOPT_RESOLVE entry for the addresses of a lookup,
 * IPv4 first, leaving out blocked ones; the origin is the first of them.
 */
static void
finish_lookup(WhHost *h)
{
	struct addrinfo *res = h->gai.ar_result;
	StringInfoData pin;
	int			n = 0;
	MemoryContext old;

	if (h->pin)
	{
		h->pin->current = false;
		wh_pin_release(h->pin);
		h->pin = NULL;
	}
	h->blocked = false;

	initStringInfo(&pin);
	for (int pass = 0; pass < 2; pass++)
	{
		for (struct addrinfo *ai = res; ai != NULL && n < WH_HOST_MAX_ADDRESSES;
			 ai = ai->ai_next)
		{
			char		text[INET6_ADDRSTRLEN];
			const void *addr;

			if (ai->ai_family != (pass == 0 ? AF_INET : AF_INET6))
				continue;
			if (wh_address_blocked(webhooks_blocked_networks,
								   webhooks_blocked_network_count, ai->ai_addr))
				continue;
			addr = ai->ai_family == AF_INET ?
				(const void *) &((struct sockaddr_in *) ai->ai_addr)->sin_addr :
				(const void *) &((struct sockaddr_in6 *) ai->ai_addr)->sin6_addr;
			inet_ntop(ai->ai_family, addr, text, sizeof(text));
			if (n == 0)
				address_key(ai->ai_family, addr, h->port, h->origin);
			appendStringInfo(&pin, ai->ai_family == AF_INET ? "%s%s" : "%s[%s]",
							 n > 0 ? "," : "", text);
			n++;
		}
	}
	freeaddrinfo(res);
	h->gai.ar_result = NULL;
	h->state = WH_HOST_RESOLVED;
	if (n == 0)
	{
		h->blocked = true;
		pfree(pin.data);
		return;
	}

	old = MemoryContextSwitchTo(hosts_cxt);
	h->pin = palloc(sizeof(WhPin));
	h->pin->refs = 1;			/* the host's own */
	h->pin->current = true;
	h->pin->line.data = psprintf("+%s:%s:%s", h->name, h->port, pin.data);
	h->pin->line.next = NULL;
	MemoryContextSwitchTo(old);
	pfree(pin.data);
}

/*
 * wh_hosts_resolving reports whether a lookup is in progress: the worker
 * then comes back soon to see whether it is done.
 */
bool
wh_hosts_resolving(void)
{
	return !dlist_is_empty(&resolving);
}

dlist_head *
wh_hosts_resolving_list(void)
{
	return &resolving;
}

/*
 * wh_host_next_resolved returns a host whose lookup finished since the
 * last call, now resolved or failed, or NULL.
 */
WhHost *
wh_host_next_resolved(int64 now_us)
{
	dlist_mutable_iter it;

	dlist_foreach_modify(it, &resolving)
	{
		WhHost	   *h = dlist_container(WhHost, resolving_node, it.cur);
		int			rc = gai_error(&h->gai);

		if (rc == EAI_INPROGRESS)
			continue;
		dlist_delete(&h->resolving_node);
		if (rc == 0)
			finish_lookup(h);
		else
			fail(h, "Could not resolve host");
		h->resolved_at = now_us;
		return h;
	}
	return NULL;
}

/*
 * wh_pin_release counts one user of a pin less.
 */
void
wh_pin_release(WhPin *pin)
{
	Assert(pin->refs > 0);
	if (--pin->refs == 0 && !pin->current)
	{
		pfree(pin->line.data);
		pfree(pin);
	}
}
