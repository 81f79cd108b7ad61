/*-------------------------------------------------------------------------
 *
 * ceiling.c
 *	  The delivery benchmark's ceiling: a plain libcurl multi client that
 *	  posts what the delivery worker posts, with no database around it.
 *
 * It sends n requests of one body to one URL on one libcurl multi handle,
 * with keep-alive and the worker's per-host connection cap, and prints how
 * many requests per second it managed.  Each request carries the headers
 * the worker sends (doc/decisions.md D6), its Standard Webhooks signature computed
 * afresh (HMAC-SHA256 over "id.timestamp.body", base64), and gets a pooled
 * easy handle that is reset and set up again, as the worker does.  Like the
 * worker, it hands libcurl no more requests than the connection cap at once.
 *
 * Build and run (test/bench/delivery.sh does both):
 *	  cc -O2 -Wall -o ceiling ceiling.c -lcurl -lcrypto
 *	  ./ceiling -u http://127.0.0.1:8080/ -b body.json -s whsec_... [-n 100000] [-c 8]
 *
 * IDENTIFICATION
 *	  test/bench/ceiling.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define USER_AGENT		"pg-webhooks/1.0"
#define SIGNATURE_LEN	47		/* "v1," and the base64 of 32 bytes */
#define MAX_KEY_LEN		256

/* one request in flight */
typedef struct Request
{
	CURL	   *easy;
	struct curl_slist *headers;
} Request;

static const char *progname = "ceiling";

/*
 * fail prints a message and exits.
 */
static void
fail(const char *msg, const char *detail)
{
	fprintf(stderr, "%s: %s%s%s\n", progname, msg,
			detail ? ": " : "", detail ? detail : "");
	exit(1);
}

/*
 * seconds_now returns a monotonic clock reading in seconds.
 */
static double
seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * cpu_seconds returns the user and system time this process has used.
 */
static double
cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/*
 * read_file returns the contents of a file and sets *len to its length.
 */
static char *
read_file(const char *path, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	char	   *buf;
	long		size;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0)
		fail("could not read the body file", path);
	rewind(f);
	buf = malloc(size + 1);
	if (buf == NULL || fread(buf, 1, size, f) != (size_t) size)
		fail("could not read the body file", path);
	fclose(f);
	/* the worker sends the stored payload, which has no final newline */
	while (size > 0 && (buf[size - 1] == '\n' || buf[size - 1] == '\r'))
		size--;
	buf[size] = '\0';
	*len = size;
	return buf;
}

/*
 * secret_key turns a secret into its signing key, as the worker does:
 * the base64-decoded bytes after "whsec_", else the secret's own bytes.
 * Returns the key's length.
 */
static int
secret_key(const char *secret, unsigned char *key)
{
	size_t		len;
	int			n;

	if (strncmp(secret, "whsec_", 6) != 0)
	{
		len = strlen(secret);
		if (len > MAX_KEY_LEN)
			fail("secret too long", NULL);
		memcpy(key, secret, len);
		return (int) len;
	}
	secret += 6;
	len = strlen(secret);
	if (len == 0 || len % 4 != 0 || len / 4 * 3 > MAX_KEY_LEN)
		fail("bad whsec_ secret", NULL);
	n = EVP_DecodeBlock(key, (const unsigned char *) secret, (int) len);
	if (n < 0)
		fail("bad whsec_ secret", NULL);
	/* EVP_DecodeBlock counts the padding as zero bytes */
	while (len > 0 && secret[len - 1] == '=')
	{
		n--;
		len--;
	}
	return n;
}

/*
 * sign writes the Standard Webhooks v1 signature of one request into out
 * (SIGNATURE_LEN + 1 bytes); msg is scratch space big enough for
 * "id.timestamp.body".
 */
static void
sign(const unsigned char *key, int key_len, const char *id, const char *ts,
	 const char *body, size_t body_len, unsigned char *msg, char *out)
{
	size_t		id_len = strlen(id);
	size_t		ts_len = strlen(ts);
	unsigned char *p = msg;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;

	memcpy(p, id, id_len);
	p += id_len;
	*p++ = '.';
	memcpy(p, ts, ts_len);
	p += ts_len;
	*p++ = '.';
	memcpy(p, body, body_len);
	p += body_len;

	if (HMAC(EVP_sha256(), key, key_len, msg, p - msg, mac, &mac_len) == NULL ||
		mac_len != 32)
		fail("HMAC failed", NULL);
	memcpy(out, "v1,", 3);
	if (EVP_EncodeBlock((unsigned char *) out + 3, mac, (int) mac_len) !=
		SIGNATURE_LEN - 3)
		fail("base64 failed", NULL);
	out[SIGNATURE_LEN] = '\0';
}

/*
 * add_header appends one formatted header line to a list.
 */
static struct curl_slist *
add_header(struct curl_slist *list, const char *fmt, const char *value)
{
	char		line[512];
	struct curl_slist *l;

	snprintf(line, sizeof(line), fmt, value);
	l = curl_slist_append(list, line);
	if (l == NULL)
		fail("out of memory", NULL);
	return l;
}

/*
 * discard_cb reads and drops a response body.
 */
static size_t
discard_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	return size * nmemb;
}

static void
usage(void)
{
	fprintf(stderr,
			"usage: %s -u URL -b BODY_FILE [-s SECRET] [-n REQUESTS] [-c CONNECTIONS]\n"
			"  posts REQUESTS (100000) signed copies of BODY_FILE to URL on one\n"
			"  libcurl multi handle, at most CONNECTIONS (8) at once, and prints\n"
			"  requests/s; without -s the requests are not signed\n",
			progname);
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *url = NULL;
	const char *body_path = NULL;
	const char *secret = NULL;
	long		n = 100000;
	long		conns = 8;
	char	   *body;
	size_t		body_len;
	unsigned char key[MAX_KEY_LEN];
	int			key_len = 0;
	unsigned char *msg;
	Request    *slots;
	CURL	  **pool;
	int			pool_size = 0;
	CURLM	   *multi;
	long		started = 0;
	long		finished = 0;
	long		failed = 0;
	int			active = 0;
	double		t0,
				cpu0,
				elapsed,
				cpu;
	int			c;

	while ((c = getopt(argc, argv, "u:b:s:n:c:")) != -1)
	{
		switch (c)
		{
			case 'u':
				url = optarg;
				break;
			case 'b':
				body_path = optarg;
				break;
			case 's':
				secret = optarg;
				break;
			case 'n':
				n = atol(optarg);
				break;
			case 'c':
				conns = atol(optarg);
				break;
			default:
				usage();
		}
	}
	if (url == NULL || body_path == NULL || n <= 0 || conns <= 0)
		usage();

	body = read_file(body_path, &body_len);
	if (secret != NULL)
		key_len = secret_key(secret, key);
	msg = malloc(body_len + 128);
	slots = calloc(conns, sizeof(Request));
	pool = calloc(conns, sizeof(CURL *));
	if (msg == NULL || slots == NULL || pool == NULL)
		fail("out of memory", NULL);

	if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK)
		fail("could not initialize libcurl", NULL);
	multi = curl_multi_init();
	if (multi == NULL)
		fail("could not create a multi handle", NULL);
	curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, conns);
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, 1024L);

	t0 = seconds_now();
	cpu0 = cpu_seconds();
	while (finished < n)
	{
		int			running;
		int			left;
		CURLMsg    *m;
		CURLMcode	mrc;

		/* start requests while there is room, as the worker hands them over */
		while (active < conns && started < n)
		{
			Request    *r = NULL;
			char		id[32];
			char		ts[32];

			for (int i = 0; i < conns; i++)
			{
				if (slots[i].easy == NULL)
				{
					r = &slots[i];
					break;
				}
			}
			r->easy = pool_size > 0 ? pool[--pool_size] : curl_easy_init();
			if (r->easy == NULL)
				fail("could not create an easy handle", NULL);

			/* a 26-character id, like the event's ULID */
			snprintf(id, sizeof(id), "01%024ld", started);
			snprintf(ts, sizeof(ts), "%ld", (long) time(NULL));
			r->headers = add_header(NULL, "%s", "Content-Type: application/json");
			r->headers = add_header(r->headers, "User-Agent: %s", USER_AGENT);
			r->headers = add_header(r->headers, "%s", "Expect:");
			r->headers = add_header(r->headers, "webhook-id: %s", id);
			r->headers = add_header(r->headers, "webhook-timestamp: %s", ts);
			if (secret != NULL)
			{
				char		sig[SIGNATURE_LEN + 1];

				sign(key, key_len, id, ts, body, body_len, msg, sig);
				r->headers = add_header(r->headers, "webhook-signature: %s", sig);
				r->headers = add_header(r->headers, "Socotra-Signature: %s", sig);
			}

			curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
			curl_easy_setopt(r->easy, CURLOPT_URL, url);
			curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
			curl_easy_setopt(r->easy, CURLOPT_TCP_NODELAY, 1L);
			curl_easy_setopt(r->easy, CURLOPT_TCP_KEEPALIVE, 1L);
			curl_easy_setopt(r->easy, CURLOPT_POST, 1L);
			curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, body);
			curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE_LARGE,
							 (curl_off_t) body_len);
			curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
			curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, 10000L);
			curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, discard_cb);

			mrc = curl_multi_add_handle(multi, r->easy);
			if (mrc != CURLM_OK)
				fail("could not start a request", curl_multi_strerror(mrc));
			started++;
			active++;
		}

		mrc = curl_multi_perform(multi, &running);
		if (mrc != CURLM_OK)
			fail("curl_multi_perform failed", curl_multi_strerror(mrc));

		while ((m = curl_multi_info_read(multi, &left)) != NULL)
		{
			Request    *r;
			long		status = 0;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **) &r);
			curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
			if (m->data.result != CURLE_OK || status < 200 || status > 299)
			{
				if (failed == 0)
					fprintf(stderr, "%s: a request failed: %s (HTTP %ld)\n",
							progname, curl_easy_strerror(m->data.result), status);
				failed++;
			}
			curl_multi_remove_handle(multi, r->easy);
			curl_slist_free_all(r->headers);
			curl_easy_reset(r->easy);
			pool[pool_size++] = r->easy;
			r->easy = NULL;
			r->headers = NULL;
			active--;
			finished++;
		}

		if (active > 0 && (started >= n || active >= conns))
		{
			mrc = curl_multi_poll(multi, NULL, 0, 1000, NULL);
			if (mrc != CURLM_OK)
				fail("curl_multi_poll failed", curl_multi_strerror(mrc));
		}
	}
	elapsed = seconds_now() - t0;
	cpu = cpu_seconds() - cpu0;

	printf("%ld requests, %ld failed, %.3f s, %.2f cores: %.0f requests/s"
		   " (%ld connections, body %zu bytes%s)\n",
		   n, failed, elapsed, cpu / elapsed, n / elapsed, conns, body_len,
		   secret ? ", HMAC-SHA256 signed" : "");

	for (int i = 0; i < pool_size; i++)
		curl_easy_cleanup(pool[i]);
	curl_multi_cleanup(multi);
	curl_global_cleanup();
	free(slots);
	free(pool);
	free(msg);
	free(body);
	return failed > 0 ? 1 : 0;
}
