/*-------------------------------------------------------------------------
 *
 * http.c
 *	  The delivery worker's HTTP client.
 *
 * One libcurl multi handle lives for the life of the worker, so that
 * connections are kept alive and reused.  Requests are handed to libcurl
 * only while their origin (scheme, host and port) has fewer than
 * webhooks.max_host_connections requests there; the others wait in a queue
 * of that origin here, since libcurl's own queue of pending transfers costs
 * time in proportion to its length on every transfer it finishes.  Its
 * sockets are registered in an epoll set, kept-alive connections staying
 * in it between requests; the worker waits on that set's descriptor
 * together with its latch, so interrupts (and the procsignal barriers DROP
 * DATABASE waits for) are served while requests are in flight.  Easy
 * handles are pooled, with the options all requests share set once.
 * Redirects are never followed, only http and https are spoken, proxies
 * from the environment are ignored, and every connection's resolved
 * address is checked against webhooks.blocked_networks before the socket
 * is opened.
 *
 * IDENTIFICATION
 *	  src/http.c
 *
 *-------------------------------------------------------------------------
 */
#include "pg_prelude.h"

#include <arpa/inet.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "portability/instr_time.h"

#include "http.h"
#include "netblock.h"
#include "resolve.h"
#include "webhooks.h"

#define MAX_POOLED_HANDLES	256
#define EPOLL_BATCH			256
#define ORIGIN_KEY_LEN		WH_HOST_KEY_LEN
#define RESOLVE_POLL_MS		5	/* how often a lookup in progress is looked at */

/* requests going to one address and port */
typedef struct WhOrigin
{
	char		key[ORIGIN_KEY_LEN];	/* hash key */
	int			active;			/* handed to libcurl */
	dlist_head	waiting;		/* not yet handed over */
} WhOrigin;

static CURLM *multi = NULL;
static int	epoll_fd = -1;
static int64 timer_deadline_us = -1;	/* curl's next timeout; -1: none */
static int	inflight = 0;		/* started and not finished, waiting included */
static int	done_count = 0;		/* on the done list */
static int	max_active_per_origin = 8;
static HTAB *origins = NULL;
static dlist_head done_list = DLIST_STATIC_INIT(done_list);
static CURL *pool[MAX_POOLED_HANDLES];
static int	pool_size = 0;

static int64
now_us(void)
{
	instr_time	t;

	INSTR_TIME_SET_CURRENT(t);
	return (int64) INSTR_TIME_GET_MICROSEC(t);
}

/*
 * What the epoll set holds, by descriptor.  libcurl stops watching a
 * kept-alive connection when its request ends and watches it again for the
 * next one; taking it out of the set and putting it back each time would
 * cost two system calls a request.  So a socket that open_socket_cb made
 * stays in the set while it is idle: its descriptor number cannot be
 * reused before close_socket_cb has seen it closed.  An idle socket that
 * reports an event (its server closed it, say) is taken out then.  Other
 * sockets libcurl may watch (a resolver's) are taken out when it says so.
 */
typedef struct WhWatch
{
	uint32		events;			/* as registered in the set; 0: not in it */
	bool		ours;			/* opened by open_socket_cb */
	bool		watched;		/* libcurl wants it watched */
} WhWatch;

static WhWatch *watches = NULL;
static int	nwatches = 0;

static WhWatch *
watch_of(int fd)
{
	if (fd >= nwatches)
	{
		int			n = Max(64, fd * 2);

		if (watches == NULL)
			watches = MemoryContextAllocZero(TopMemoryContext, sizeof(WhWatch) * n);
		else
		{
			watches = repalloc(watches, sizeof(WhWatch) * n);
			memset(watches + nwatches, 0, sizeof(WhWatch) * (n - nwatches));
		}
		nwatches = n;
	}
	return &watches[fd];
}

/*
 * unregister takes a socket out of the epoll set.
 */
static void
unregister(int fd, WhWatch *w)
{
	if (w->events != 0)
		epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, NULL);
	w->events = 0;
}

/*
 * socket_cb keeps the epoll set in step with the sockets curl wants watched.
 */
static int
socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	WhWatch    *w = watch_of(s);
	struct epoll_event ev;

	if (what == CURL_POLL_REMOVE)
	{
		w->watched = false;
		if (!w->ours)
			unregister(s, w);
		return 0;
	}
	memset(&ev, 0, sizeof(ev));
	ev.data.fd = s;
	if (what & CURL_POLL_IN)
		ev.events |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		ev.events |= EPOLLOUT;
	w->watched = true;
	if (w->events == ev.events)
		return 0;
	if (epoll_ctl(epoll_fd, w->events != 0 ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, s, &ev) != 0 &&
		epoll_ctl(epoll_fd, w->events != 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, s, &ev) != 0)
	{
		elog(WARNING, "webhooks: could not watch socket %d: %m", (int) s);
		w->events = 0;
		return 0;
	}
	w->events = ev.events;
	return 0;
}

/*
 * timer_cb records when curl next wants to be called for timeouts.
 */
static int
timer_cb(CURLM *m, long timeout_ms, void *userp)
{
	timer_deadline_us = timeout_ms < 0 ? -1 : now_us() + (int64) timeout_ms * 1000;
	return 0;
}

/*
 * open_socket_cb refuses connections to blocked networks; the check is on
 * the resolved address, so DNS cannot get around it.
 */
static curl_socket_t
open_socket_cb(void *clientp, curlsocktype purpose, struct curl_sockaddr *address)
{
	WhRequest  *req = clientp;
	curl_socket_t s;

	if (wh_address_blocked(webhooks_blocked_networks,
						   webhooks_blocked_network_count, &address->addr))
	{
		req->blocked = true;
		return CURL_SOCKET_BAD;
	}
	s = socket(address->family, address->socktype, address->protocol);
	if (s != CURL_SOCKET_BAD)
	{
		WhWatch    *w = watch_of(s);

		w->events = 0;
		w->watched = false;
		w->ours = true;
	}
	return s;
}

/*
 * close_socket_cb closes a socket open_socket_cb opened, out of the epoll
 * set first, so that its descriptor number can be reused.
 */
static int
close_socket_cb(void *clientp, curl_socket_t s)
{
	WhWatch    *w = watch_of(s);

	unregister(s, w);
	w->watched = false;
	w->ours = false;
	return close(s);
}

/*
 * prereq_cb checks the address of the connection a request is about to be
 * sent on, fresh or reused, so that a reused connection to an address
 * blocked since it was opened is not used.
 */
static int
prereq_cb(void *clientp, char *primary_ip, char *local_ip, int primary_port,
		  int local_port)
{
	WhRequest  *req = clientp;
	struct sockaddr_in6 a6;
	struct sockaddr_in a4;

	memset(&a6, 0, sizeof(a6));
	memset(&a4, 0, sizeof(a4));
	if (inet_pton(AF_INET, primary_ip, &a4.sin_addr) == 1)
	{
		a4.sin_family = AF_INET;
		req->blocked = wh_address_blocked(webhooks_blocked_networks,
										  webhooks_blocked_network_count,
										  (struct sockaddr *) &a4);
	}
	else if (inet_pton(AF_INET6, primary_ip, &a6.sin6_addr) == 1)
	{
		a6.sin6_family = AF_INET6;
		req->blocked = wh_address_blocked(webhooks_blocked_networks,
										  webhooks_blocked_network_count,
										  (struct sockaddr *) &a6);
	}
	return req->blocked ? CURL_PREREQFUNC_ABORT : CURL_PREREQFUNC_OK;
}

/*
 * write_cb keeps the first bytes of a response and gives up on bodies
 * larger than WH_RESPONSE_READ_MAX.
 */
static size_t
write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	WhRequest  *req = userp;
	size_t		n = size * nmemb;

	if (req->response_len < WH_RESPONSE_SLICE)
	{
		size_t		keep = Min(n, WH_RESPONSE_SLICE - req->response_len);

		memcpy(req->response + req->response_len, data, keep);
		req->response_len += keep;
		req->response[req->response_len] = '\0';
	}
	req->response_read += n;
	if (req->response_read > WH_RESPONSE_READ_MAX)
		return 0;				/* stop reading: CURLE_WRITE_ERROR */
	return n;
}

/*
 * header_cb picks Retry-After out of the response headers.
 */
static size_t
header_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	WhRequest  *req = userp;
	size_t		n = size * nmemb;
	static const char name[] = "retry-after:";

	if (n > sizeof(name) - 1 && pg_strncasecmp(data, name, sizeof(name) - 1) == 0)
	{
		size_t		len = Min(n - (sizeof(name) - 1), sizeof(req->retry_after) - 1);

		memcpy(req->retry_after, data + sizeof(name) - 1, len);
		req->retry_after[len] = '\0';
		/* trim the line end */
		while (len > 0 && (req->retry_after[len - 1] == '\r' ||
						   req->retry_after[len - 1] == '\n'))
			req->retry_after[--len] = '\0';
	}
	return n;
}

/*
 * wh_http_init creates the multi handle and the epoll set.
 */
void
wh_http_init(void)
{
	if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK)
		elog(ERROR, "webhooks: could not initialize libcurl");
	multi = curl_multi_init();
	if (multi == NULL)
		elog(ERROR, "webhooks: could not create a libcurl multi handle");
	epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (epoll_fd < 0)
		elog(ERROR, "webhooks: could not create an epoll set: %m");
	{
		HASHCTL		ctl;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = ORIGIN_KEY_LEN;
		ctl.entrysize = sizeof(WhOrigin);
		ctl.hcxt = TopMemoryContext;
		origins = hash_create("webhooks origins", 64, &ctl,
							  HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	}
	curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, 1024L);
}

/*
 * wh_http_configure applies settings that may change on reload.
 */
void
wh_http_configure(int max_host_connections)
{
	max_active_per_origin = max_host_connections;
	curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS,
					  (long) max_host_connections);
}

/*
 * wh_http_shutdown frees everything curl holds; registered with
 * on_proc_exit by the worker.
 */
void
wh_http_shutdown(void)
{
	if (multi != NULL)
	{
		curl_multi_cleanup(multi);
		multi = NULL;
	}
	for (int i = 0; i < pool_size; i++)
		curl_easy_cleanup(pool[i]);
	pool_size = 0;
	if (epoll_fd >= 0)
		close(epoll_fd);
	epoll_fd = -1;
	curl_global_cleanup();
}

/*
 * wh_http_fd returns the descriptor that is readable when a socket curl
 * watches is ready.
 */
int
wh_http_fd(void)
{
	return epoll_fd;
}

/*
 * wh_http_timeout_ms returns how long the worker may sleep before curl
 * needs a timeout call: -1 for no limit.
 */
long
wh_http_timeout_ms(void)
{
	int64		left;
	long		ms;

	if (timer_deadline_us < 0)
		return wh_hosts_resolving() ? RESOLVE_POLL_MS : -1;
	left = timer_deadline_us - now_us();
	ms = left <= 0 ? 0 : (long) ((left + 999) / 1000);
	return wh_hosts_resolving() ? Min(ms, RESOLVE_POLL_MS) : ms;
}

/*
 * wh_http_add_line adds one of a request's own header lines, which must
 * stay valid until the request is released.  The lines are linked in
 * place: no copy, no allocation, whatever their length.
 */
void
wh_http_add_line(WhRequest *req, const char *line)
{
	struct curl_slist *l;

	Assert(req->state == WH_REQUEST_IDLE);
	if (req->nlines >= WH_REQUEST_LINES)
		elog(ERROR, "webhooks: too many header lines in a request");
	l = &req->lines[req->nlines];
	l->data = (char *) line;	/* libcurl only reads it */
	l->next = NULL;
	if (req->nlines > 0)
		req->lines[req->nlines - 1].next = l;
	req->nlines++;
}

/*
 * origin_of finds (or makes) an origin by its key, "address port".
 */
static WhOrigin *
origin_of(const char *key)
{
	bool		found;
	WhOrigin   *o = hash_search(origins, key, HASH_ENTER, &found);

	if (!found)
	{
		o->active = 0;
		dlist_init(&o->waiting);
	}
	return o;
}

/*
 * new_handle makes an easy handle with the options every request has.
 */
static CURL *
new_handle(void)
{
	CURL	   *easy = curl_easy_init();

	if (easy == NULL)
		return NULL;
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(easy, CURLOPT_PROXY, "");
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(easy, CURLOPT_POST, 1L);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, open_socket_cb);
	curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, close_socket_cb);
	curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, prereq_cb);
	/* answers are read up to 64 kB and mostly tiny: a small buffer will do */
	curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, 4096L);
	return easy;
}

/*
 * hand_over gives a request to libcurl.
 */
static void
hand_over(WhRequest *req)
{
	CURL	   *easy = pool_size > 0 ? pool[--pool_size] : new_handle();
	CURLMcode	mrc;

	struct curl_slist *headers = req->shared_lines;

	if (easy == NULL)
		elog(ERROR, "webhooks: could not create a libcurl handle");
	Assert(req->state == WH_REQUEST_IDLE || req->state == WH_REQUEST_WAITING);
	Assert(req->origin != NULL && req->easy == NULL);
	req->state = WH_REQUEST_ACTIVE;
	req->easy = easy;
	req->origin->active++;

	/* the request's own lines, then the endpoint's */
	if (req->nlines > 0)
	{
		req->lines[req->nlines - 1].next = req->shared_lines;
		headers = &req->lines[0];
	}

	curl_easy_setopt(easy, CURLOPT_PRIVATE, req);
	curl_easy_setopt(easy, CURLOPT_URL, req->url);
	curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req->body);
	curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) req->body_len);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, req->timeout_ms);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, req->timeout_ms);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, req->secure_ssl ? 1L : 0L);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, req->secure_ssl ? 2L : 0L);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, req);
	curl_easy_setopt(easy, CURLOPT_HEADERDATA, req);
	curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, req);
	curl_easy_setopt(easy, CURLOPT_PREREQDATA, req);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, req->error);
	if (req->host->pin != NULL)
	{
		/* connect to the addresses the origin was counted by */
		req->pin = req->host->pin;
		req->pin->refs++;
		curl_easy_setopt(easy, CURLOPT_RESOLVE, &req->pin->line);
	}
	else
		curl_easy_setopt(easy, CURLOPT_RESOLVE, NULL);

	mrc = curl_multi_add_handle(multi, easy);
	if (mrc != CURLM_OK)
		elog(ERROR, "webhooks: could not start a request: %s",
			 curl_multi_strerror(mrc));
}

/*
 * done puts a finished request on the done list.
 */
static void
done(WhRequest *req)
{
	Assert(req->state != WH_REQUEST_DONE);
	inflight--;
	Assert(inflight >= 0);
	req->state = WH_REQUEST_DONE;
	dlist_push_tail(&done_list, &req->node);
	done_count++;
}

/*
 * finish_unsent ends a request that never reached libcurl.
 */
static void
finish_unsent(WhRequest *req, CURLcode result, const char *error)
{
	req->result = result;
	req->status = 0;
	req->duration_ms = (now_us() - req->started_us) / 1000.0;
	strlcpy(req->error, error, sizeof(req->error));
	done(req);
}

/*
 * route sends a request whose host is known on: to libcurl, to its
 * origin's queue, or, when its host cannot be reached, to the done list.
 */
static void
route(WhRequest *req)
{
	WhHost	   *h = req->host;

	switch (h->state)
	{
		case WH_HOST_RESOLVING:
			req->state = WH_REQUEST_WAITING;
			dlist_push_tail(&h->pending, &req->node);
			return;
		case WH_HOST_FAILED:
			req->state = WH_REQUEST_IDLE;
			finish_unsent(req, CURLE_COULDNT_RESOLVE_HOST, h->error);
			return;
		case WH_HOST_RESOLVED:
			break;
	}
	if (h->blocked)
	{
		req->state = WH_REQUEST_IDLE;
		req->blocked = true;
		finish_unsent(req, CURLE_COULDNT_CONNECT,
					  "every address of the host is blocked");
		return;
	}
	req->origin = origin_of(h->origin);
	if (req->origin->active < max_active_per_origin)
		hand_over(req);
	else
	{
		req->state = WH_REQUEST_WAITING;
		dlist_push_tail(&req->origin->waiting, &req->node);
	}
}

/*
 * wh_http_start sends a request, at once or when its host is resolved and
 * its origin has a free connection.  Its url, body and header lines must
 * stay valid until it is released.  The timeout counts from when libcurl
 * gets it; a lookup of its host may take as long again.
 */
void
wh_http_start(WhRequest *req, long timeout_ms)
{
	Assert(req->state == WH_REQUEST_IDLE);
	req->easy = NULL;
	req->pin = NULL;
	req->origin = NULL;
	req->status = 0;
	req->result = CURLE_OK;
	req->blocked = false;
	req->error[0] = '\0';
	req->response[0] = '\0';
	req->response_len = 0;
	req->response_read = 0;
	req->retry_after[0] = '\0';
	req->timeout_ms = timeout_ms;
	req->started_us = now_us();
	req->host = wh_host_of(req->url, req->started_us);
	inflight++;
	route(req);
}

/*
 * poll_lookups sends on the requests of hosts whose lookup finished, and
 * ends those that waited for one longer than their timeout.
 */
static void
poll_lookups(void)
{
	int64		now = now_us();
	WhHost	   *h;
	dlist_iter	it;

	while ((h = wh_host_next_resolved(now)) != NULL)
	{
		while (!dlist_is_empty(&h->pending))
		{
			WhRequest  *req = dlist_container(WhRequest, node,
											  dlist_pop_head_node(&h->pending));

			Assert(req->state == WH_REQUEST_WAITING);
			req->state = WH_REQUEST_IDLE;
			route(req);
		}
	}
	dlist_foreach(it, wh_hosts_resolving_list())
	{
		dlist_mutable_iter r;

		h = dlist_container(WhHost, resolving_node, it.cur);
		dlist_foreach_modify(r, &h->pending)
		{
			WhRequest  *req = dlist_container(WhRequest, node, r.cur);

			if (now - req->started_us < (int64) req->timeout_ms * 1000)
				continue;
			dlist_delete(&req->node);
			req->state = WH_REQUEST_IDLE;
			finish_unsent(req, CURLE_OPERATION_TIMEDOUT,
						  psprintf("Resolving timed out after %ld milliseconds",
								   req->timeout_ms));
		}
	}
}

/*
 * finish collects the outcome of a finished transfer.
 */
static void
finish(CURL *easy, CURLcode result)
{
	WhRequest  *req = NULL;
	long		status = 0;
	double		total = 0;

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **) &req);
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME, &total);
	curl_multi_remove_handle(multi, easy);

	req->result = result;
	req->status = (int) status;
	req->duration_ms = total * 1000.0;
	if (result != CURLE_OK && req->error[0] == '\0')
		strlcpy(req->error, curl_easy_strerror(result), sizeof(req->error));
	Assert(req->state == WH_REQUEST_ACTIVE);
	if (req->pin != NULL)
		wh_pin_release(req->pin);
	req->pin = NULL;
	done(req);

	/* the origin's connection is free: the next one waiting may go */
	req->origin->active--;
	Assert(req->origin->active >= 0 && req->origin->active < max_active_per_origin);
	if (!dlist_is_empty(&req->origin->waiting))
		hand_over(dlist_container(WhRequest, node,
								  dlist_pop_head_node(&req->origin->waiting)));
	else if (req->origin->active == 0)
		hash_search(origins, req->origin->key, HASH_REMOVE, NULL);
	req->origin = NULL;
}

/*
 * wh_http_drive lets curl work on every ready socket and due timeout, and
 * moves finished requests to the done list.  It never blocks.
 */
void
wh_http_drive(void)
{
	struct epoll_event events[EPOLL_BATCH];
	int			running;
	int			n;
	CURLMsg    *msg;
	int			left;

	do
	{
		n = epoll_wait(epoll_fd, events, EPOLL_BATCH, 0);
		for (int i = 0; i < n; i++)
		{
			int			fd = events[i].data.fd;
			WhWatch    *w = watch_of(fd);
			int			flags = 0;

			if (!w->watched)
			{
				/* an idle connection: curl looks at it when it next uses it */
				unregister(fd, w);
				continue;
			}

			if (events[i].events & EPOLLIN)
				flags |= CURL_CSELECT_IN;
			if (events[i].events & EPOLLOUT)
				flags |= CURL_CSELECT_OUT;
			if (events[i].events & (EPOLLERR | EPOLLHUP))
				flags |= CURL_CSELECT_ERR;
			curl_multi_socket_action(multi, fd, flags, &running);
		}
	} while (n == EPOLL_BATCH);

	if (timer_deadline_us >= 0 && now_us() >= timer_deadline_us)
	{
		timer_deadline_us = -1;
		curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
	}

	while ((msg = curl_multi_info_read(multi, &left)) != NULL)
	{
		if (msg->msg == CURLMSG_DONE)
			finish(msg->easy_handle, msg->data.result);
	}
	if (wh_hosts_resolving())
		poll_lookups();
}

/*
 * wh_http_next_done returns a finished request, or NULL.
 */
WhRequest *
wh_http_next_done(void)
{
	WhRequest  *req;

	if (dlist_is_empty(&done_list))
	{
		Assert(done_count == 0);
		return NULL;
	}
	req = dlist_container(WhRequest, node, dlist_pop_head_node(&done_list));
	Assert(req->state == WH_REQUEST_DONE && done_count > 0);
	req->state = WH_REQUEST_IDLE;
	done_count--;
	return req;
}

/*
 * wh_http_done_count returns how many finished requests wait to be taken.
 */
int
wh_http_done_count(void)
{
	return done_count;
}

/*
 * wh_http_release returns a finished request's curl resources; the caller
 * frees the rest.
 */
void
wh_http_release(WhRequest *req)
{
	Assert(req->state == WH_REQUEST_IDLE);
	if (req->easy)
	{
		if (pool_size < MAX_POOLED_HANDLES)
			pool[pool_size++] = req->easy;
		else
			curl_easy_cleanup(req->easy);
	}
	req->easy = NULL;
}

/*
 * wh_http_take_waiting takes every request that waits for a connection
 * back from the client, and returns them as a List; none was sent.
 */
List *
wh_http_take_waiting(void)
{
	HASH_SEQ_STATUS seq;
	WhOrigin   *o;
	List	   *taken = NIL;
	dlist_iter	it;

	/* those waiting for their host's lookup */
	dlist_foreach(it, wh_hosts_resolving_list())
	{
		WhHost	   *h = dlist_container(WhHost, resolving_node, it.cur);

		while (!dlist_is_empty(&h->pending))
		{
			WhRequest  *req = dlist_container(WhRequest, node,
											  dlist_pop_head_node(&h->pending));

			Assert(req->state == WH_REQUEST_WAITING);
			req->state = WH_REQUEST_IDLE;
			inflight--;
			taken = lappend(taken, req);
		}
	}

	/* those waiting for a connection */
	hash_seq_init(&seq, origins);
	while ((o = hash_seq_search(&seq)) != NULL)
	{
		while (!dlist_is_empty(&o->waiting))
		{
			WhRequest  *req = dlist_container(WhRequest, node,
											  dlist_pop_head_node(&o->waiting));

			Assert(req->state == WH_REQUEST_WAITING);
			req->state = WH_REQUEST_IDLE;
			req->origin = NULL;
			inflight--;
			taken = lappend(taken, req);
		}
		if (o->active == 0)
			hash_search(origins, o->key, HASH_REMOVE, NULL);
	}
	return taken;
}

/*
 * wh_http_inflight returns how many requests are started and not finished.
 */
int
wh_http_inflight(void)
{
	return inflight;
}
