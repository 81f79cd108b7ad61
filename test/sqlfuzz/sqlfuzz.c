/*-------------------------------------------------------------------------
 *
 * sqlfuzz.c
 *	  Fuzzing the extension through SQL: mutates valid create, update and
 *	  publish requests and sends them to a server, many at a time in libpq
 *	  pipeline mode, then checks that every call was either accepted or
 *	  refused with a documented SQLSTATE, that the server never went away,
 *	  and that what was stored still reads back and validates.
 *
 *	  sqlfuzz [count [seed]]	(connection from the PG* environment)
 *
 * Mutations, on a small JSON tree built from valid requests: values swapped
 * for other types, fields dropped, duplicated (the same key twice in the
 * text) and renamed, huge strings, deeply nested arrays, odd Unicode
 * (multi-byte, combining, right-to-left, lone surrogate escapes), NUL
 * escapes, and broken JSON text.
 *
 * IDENTIFICATION
 *	  test/sqlfuzz/sqlfuzz.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#define PIPELINE_DEPTH	256
#define TENANT_A	"5f1b7a0e-1111-4c53-9a1e-6a8f0f6a1c01"
#define TENANT_B	"5f1b7a0e-2222-4c53-9a1e-6a8f0f6a1c02"

/* the SQLSTATEs the README documents for refused calls */
static const char *const documented[] = {
	"22023",					/* invalid parameter value */
	"22P02",					/* text that is not a ulid, uuid or JSON */
	"22P05",					/* JSON \u0000 escape (jsonb input) */
	"22021",					/* text not valid in the database encoding */
	"54001",					/* JSON nested too deeply (jsonb input) */
	"23505",					/* name already used */
	"PT404",					/* not found in that tenant */
	NULL
};

/* ---- a tiny JSON tree ---- */

typedef enum
{
	J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ
} JType;

typedef struct JNode
{
	JType		type;
	char	   *text;			/* J_NUM / J_STR value, J_BOOL "true"/"false" */
	int			n;				/* children */
	char	  **keys;			/* J_OBJ */
	struct JNode **kids;
} JNode;

static uint64_t rng_state;

static uint64_t
rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

static int
pick(int n)
{
	return (int) (rnd() % (uint64_t) n);
}

static char *
xstrdup(const char *s)
{
	char	   *d = strdup(s);

	if (!d)
		abort();
	return d;
}

static JNode *
node(JType t, const char *text)
{
	JNode	   *j = calloc(1, sizeof(JNode));

	j->type = t;
	j->text = text ? xstrdup(text) : NULL;
	return j;
}

static void
add(JNode *parent, const char *key, JNode *kid)
{
	parent->keys = realloc(parent->keys, sizeof(char *) * (parent->n + 1));
	parent->kids = realloc(parent->kids, sizeof(JNode *) * (parent->n + 1));
	parent->keys[parent->n] = key ? xstrdup(key) : NULL;
	parent->kids[parent->n] = kid;
	parent->n++;
}

static JNode *
str(const char *s)
{
	return node(J_STR, s);
}

static JNode *
strarr(int n, const char *const *v)
{
	JNode	   *a = node(J_ARR, NULL);

	for (int i = 0; i < n; i++)
		add(a, NULL, str(v[i]));
	return a;
}

static void
free_node(JNode *j)
{
	for (int i = 0; i < j->n; i++)
	{
		free(j->keys[i]);
		free_node(j->kids[i]);
	}
	free(j->keys);
	free(j->kids);
	free(j->text);
	free(j);
}

/* ---- valid requests ---- */

static JNode *
endpoint(bool update)
{
	static const char *const vals[] = {"Bearer abc"};
	JNode	   *e = node(J_OBJ, NULL);
	JNode	   *h = node(J_OBJ, NULL);

	add(e, "url", str("http://127.0.0.1:9/hook?x=1"));
	add(h, "X-Team", strarr(1, vals));
	add(e, update ? "addHeaders" : "headers", h);
	if (update)
	{
		static const char *const rm[] = {"x-old"};

		add(e, "removeHeaders", strarr(1, rm));
	}
	add(e, "hmacEnabled", node(J_BOOL, "true"));
	add(e, "secret", str("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
	add(e, "tag", str("v1"));
	add(e, "secureSsl", node(J_BOOL, "false"));
	return e;
}

/*
 * valid_create: the webhooks created along the way subscribe to types that
 * no fuzzed publish uses, so that fan-out stays with the eight webhooks made
 * at the start (first true): the run's cost does not grow with its length.
 */
static JNode *
valid_create(long i, bool first)
{
	static const char *const seeded[] = {"policy.quote.*", "billing.invoice.generate"};
	static const char *const quiet[] = {"fuzz.created", "fuzz.*"};
	const char *const *types = first ? seeded : quiet;
	static const char *const trig[] = {"5xx", "timeout", "429"};
	JNode	   *r = node(J_OBJ, NULL);
	JNode	   *f = node(J_OBJ, NULL);
	JNode	   *rs = node(J_OBJ, NULL);
	char		name[64];

	snprintf(name, sizeof(name), "fuzz %ld", i);
	add(r, "name", str(name));
	add(r, "enabled", node(J_BOOL, "true"));
	add(r, "endpoint", endpoint(false));
	add(r, "eventTypes", strarr(2, types));
	add(f, "triggers", strarr(3, trig));
	add(f, "divert", node(J_BOOL, "true"));
	add(f, "suspend", node(J_BOOL, "false"));
	add(rs, "type", str("exponential"));
	add(rs, "interval", node(J_NUM, "1000"));
	add(rs, "attempts", node(J_NUM, "3"));
	add(f, "retryStrategy", rs);
	add(f, "alertEndpoint", endpoint(false));
	add(r, "failureHandling", f);
	add(r, "useAutomationPlugin", node(J_BOOL, "false"));
	return r;
}

static JNode *
valid_update(void)
{
	static const char *const add_t[] = {"claim.*"};
	static const char *const rm_t[] = {"billing.invoice.generate"};
	static const char *const trig[] = {"503"};
	JNode	   *r = node(J_OBJ, NULL);
	JNode	   *f = node(J_OBJ, NULL);
	JNode	   *rs = node(J_OBJ, NULL);

	add(r, "enabled", node(J_BOOL, "false"));
	add(r, "endpoint", endpoint(true));
	add(r, "addEventTypes", strarr(1, add_t));
	add(r, "removeEventTypes", strarr(1, rm_t));
	add(r, "removeFailureHandling", node(J_BOOL, "false"));
	add(f, "addTriggers", strarr(1, trig));
	add(f, "removeTriggers", strarr(1, trig));
	add(rs, "type", str("linear"));
	add(rs, "interval", node(J_NUM, "250"));
	add(f, "retryStrategy", rs);
	add(f, "removeRetryStrategy", node(J_BOOL, "true"));
	add(f, "alertEndpoint", endpoint(true));
	add(f, "removeAlertEndpoint", node(J_BOOL, "false"));
	add(r, "failureHandling", f);
	return r;
}

static JNode *
valid_data(void)
{
	JNode	   *d = node(J_OBJ, NULL);
	JNode	   *pl = node(J_OBJ, NULL);
	static const char *const items[] = {"01J0000000000000000000000A"};

	add(d, "quoteLocator", str("01J0000000000000000000000A"));
	add(pl, "listCompleted", node(J_BOOL, "true"));
	add(pl, "items", strarr(1, items));
	add(d, "policyLocators", pl);
	return d;
}

/* ---- mutations ---- */

static const char *const odd_strings[] = {
	"", " ", "\xc3\xa9t\xc3\xa9", "e\xcc\x81", "\xe2\x80\xae" "reversed",
	"\xef\xbb\xbf" "bom", "\xf0\x9f\x92\xa9", "\\ud800", "\\u0000", "\\udfff\\ud800",
	"\xe2\x80\x8bzero width", "'; DROP TABLE webhooks._webhook; --",
	"http://169.254.169.254/latest", "https://exa mple.com", "a\\r\\nX-Injected: 1",
	"4xx", "timeout", "*", "policy.*", "whsec_", "whsec_!!!!", "Content-Type",
	"01J0000000000000000000000A", "-1", "1e309", "NaN", "\\\\", "\\\"",
};

static JNode *
random_scalar(void)
{
	switch (pick(8))
	{
		case 0:
			return node(J_NULL, NULL);
		case 1:
			return node(J_BOOL, pick(2) ? "true" : "false");
		case 2:
			{
				static const char *const nums[] = {
					"0", "-1", "1.5", "11", "86400001", "2147483648",
					"-9223372036854775809", "1e3", "3", "100000000000000000000000"
				};

				return node(J_NUM, nums[pick(10)]);
			}
		default:
			return str(odd_strings[pick(sizeof(odd_strings) / sizeof(odd_strings[0]))]);
	}
}

static JNode *
huge_string(void)
{
	size_t		len = pick(200) == 0 ? 1100000 : (size_t) 300 + pick(20000);
	char	   *s = malloc(len + 1);
	JNode	   *j;

	memset(s, 'a' + pick(26), len);
	s[len] = '\0';
	j = str(s);
	free(s);
	return j;
}

static JNode *
deep(int depth)
{
	JNode	   *j = random_scalar();

	for (int i = 0; i < depth; i++)
	{
		JNode	   *a = node(pick(2) ? J_ARR : J_OBJ, NULL);

		add(a, a->type == J_OBJ ? "k" : NULL, j);
		j = a;
	}
	return j;
}

/* collect every node with its parent slot, to pick one at random */
typedef struct Slot
{
	JNode	   *parent;
	int			index;
} Slot;

static int
collect(JNode *j, Slot *slots, int n, int max)
{
	for (int i = 0; i < j->n && n < max; i++)
	{
		slots[n].parent = j;
		slots[n].index = i;
		n++;
		n = collect(j->kids[i], slots, n, max);
	}
	return n;
}

static void
mutate(JNode *root)
{
	Slot		slots[256];
	int			n = collect(root, slots, 0, 256);
	Slot	   *s;
	JNode	   *parent;

	if (n == 0)
		return;
	s = &slots[pick(n)];
	parent = s->parent;
	switch (pick(9))
	{
		case 0:					/* swap the type */
			free_node(parent->kids[s->index]);
			parent->kids[s->index] = pick(4) ? random_scalar() :
				(pick(2) ? node(J_ARR, NULL) : node(J_OBJ, NULL));
			break;
		case 1:					/* drop the field */
			free_node(parent->kids[s->index]);
			free(parent->keys[s->index]);
			memmove(parent->kids + s->index, parent->kids + s->index + 1,
					sizeof(JNode *) * (parent->n - s->index - 1));
			memmove(parent->keys + s->index, parent->keys + s->index + 1,
					sizeof(char *) * (parent->n - s->index - 1));
			parent->n--;
			break;
		case 2:					/* duplicate it (same key twice in the text) */
			add(parent, parent->keys[s->index], random_scalar());
			break;
		case 3:					/* rename it */
			if (parent->keys[s->index])
			{
				char	   *k = parent->keys[s->index];
				size_t		len = strlen(k);

				if (len > 0)
					k[pick((int) len)] = "xX_-.$\0"[pick(7)] ?: 'y';
				else
				{
					free(k);
					parent->keys[s->index] = xstrdup("unknownField");
				}
			}
			break;
		case 4:					/* a huge value */
			free_node(parent->kids[s->index]);
			parent->kids[s->index] = huge_string();
			break;
		case 5:					/* deep nesting */
			free_node(parent->kids[s->index]);
			parent->kids[s->index] = deep(pick(3) ? 1 + pick(50) : 1000 + pick(20000));
			break;
		case 6:					/* odd text in place */
			free_node(parent->kids[s->index]);
			parent->kids[s->index] =
				str(odd_strings[pick(sizeof(odd_strings) / sizeof(odd_strings[0]))]);
			break;
		case 7:					/* an extra unknown field */
			add(parent->type == J_OBJ ? parent : root,
				odd_strings[pick(sizeof(odd_strings) / sizeof(odd_strings[0]))],
				random_scalar());
			break;
		default:				/* grow an array or object */
			if (parent->kids[s->index]->type >= J_ARR)
			{
				JNode	   *c = parent->kids[s->index];

				for (int i = pick(600); i > 0; i--)
				{
					char		k[32];

					snprintf(k, sizeof(k), "X-H%d", i);
					add(c, c->type == J_OBJ ? k : NULL, random_scalar());
				}
			}
			break;
	}
}

/* ---- serialising ---- */

typedef struct Buf
{
	char	   *data;
	size_t		len;
	size_t		cap;
} Buf;

static void
put(Buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap)
	{
		b->cap = (b->len + n + 1) * 2;
		b->data = realloc(b->data, b->cap);
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void
puts_(Buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* strings are written as given: escapes in them stay escapes */
static void
put_string(Buf *b, const char *s)
{
	puts_(b, "\"");
	for (const char *p = s; *p; p++)
	{
		if (*p == '"' && (p == s || p[-1] != '\\'))
			puts_(b, "\\\"");
		else
			put(b, p, 1);
	}
	puts_(b, "\"");
}

static void
serialise(Buf *b, JNode *j)
{
	switch (j->type)
	{
		case J_NULL:
			puts_(b, "null");
			break;
		case J_BOOL:
		case J_NUM:
			puts_(b, j->text);
			break;
		case J_STR:
			put_string(b, j->text);
			break;
		case J_ARR:
		case J_OBJ:
			puts_(b, j->type == J_ARR ? "[" : "{");
			for (int i = 0; i < j->n; i++)
			{
				if (i)
					puts_(b, ",");
				if (j->type == J_OBJ)
				{
					put_string(b, j->keys[i] ? j->keys[i] : "");
					puts_(b, ":");
				}
				serialise(b, j->kids[i]);
			}
			puts_(b, j->type == J_ARR ? "]" : "}");
			break;
	}
}

/* ---- driving the server ---- */

typedef struct Call
{
	const char *fn;
	char	   *input;			/* kept to report a surprise */
} Call;

static long accepted = 0;
static long refused = 0;
static long surprises = 0;
static long per_state[16];

static bool
is_documented(const char *state)
{
	for (int i = 0; documented[i]; i++)
	{
		if (strcmp(documented[i], state) == 0)
		{
			per_state[i]++;
			return true;
		}
	}
	return false;
}

static void
report_surprise(const Call *c, const char *state, const char *msg)
{
	surprises++;
	if (surprises <= 10)
		fprintf(stderr, "surprise from %s: %s %s\n  input (first 300 bytes): %.300s\n",
				c->fn, state, msg, c->input);
}

static void
die(PGconn *conn, const char *what)
{
	fprintf(stderr, "sqlfuzz: %s: %s", what, PQerrorMessage(conn));
	exit(2);
}

static PGresult *
exec_ok(PGconn *conn, const char *sql)
{
	PGresult   *r = PQexec(conn, sql);

	if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
		die(conn, sql);
	return r;
}

/*
 * drain reads the results of one call (and its sync) in pipeline mode.
 */
static void
drain(PGconn *conn, Call *c)
{
	PGresult   *r;

	while ((r = PQgetResult(conn)) != NULL)
	{
		ExecStatusType st = PQresultStatus(r);

		if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
			accepted++;
		else if (st == PGRES_FATAL_ERROR)
		{
			const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);

			refused++;
			if (!state || !is_documented(state))
				report_surprise(c, state ? state : "(none)",
								PQresultErrorMessage(r));
		}
		PQclear(r);
	}
	/* the sync's result */
	r = PQgetResult(conn);
	if (r == NULL || PQresultStatus(r) != PGRES_PIPELINE_SYNC)
		die(conn, "lost the pipeline (did the server crash?)");
	PQclear(r);
	free(c->input);
	c->input = NULL;
}

int
main(int argc, char **argv)
{
	long		count = argc > 1 ? atol(argv[1]) : 1000000;
	PGconn	   *conn = PQconnectdb("");
	PGresult   *r;
	char		locators[8][27];
	int			nlocators = 0;
	Call	   *ring = calloc(PIPELINE_DEPTH, sizeof(Call));
	long		sent = 0;
	long		done = 0;

	rng_state = argc > 2 ? strtoull(argv[2], NULL, 10) : 20261127;
	if (rng_state == 0)
		rng_state = 1;
	if (PQstatus(conn) != CONNECTION_OK)
		die(conn, "connection");

	r = exec_ok(conn, "SELECT webhooks.register_event_type('fuzz.created')");
	PQclear(r);

	/* webhooks to update, one per tenant and a few more */
	for (int i = 0; i < 8; i++)
	{
		char		sql[1024];
		Buf			b = {0};
		JNode	   *req = valid_create(-1 - i, true);

		serialise(&b, req);
		snprintf(sql, sizeof(sql),
				 "SELECT webhooks.create_webhook('%s', $$%s$$) ->> 'locator'",
				 i % 2 ? TENANT_B : TENANT_A, b.data);
		r = exec_ok(conn, sql);
		snprintf(locators[nlocators++], 27, "%s", PQgetvalue(r, 0, 0));
		PQclear(r);
		free(b.data);
		free_node(req);
	}

	if (!PQenterPipelineMode(conn))
		die(conn, "pipeline mode");
	PQsetnonblocking(conn, 1);

	while (done < count)
	{
		while (sent < count && sent - done < PIPELINE_DEPTH)
		{
			Call	   *c = &ring[sent % PIPELINE_DEPTH];
			JNode	   *req;
			Buf			b = {0};
			const char *params[3];
			int			kind = pick(10);
			int			mutations = 1 + pick(3);
			int			which = pick(nlocators);

			if (kind < 4)
				req = valid_create(sent, false);
			else if (kind < 8)
				req = valid_update();
			else
				req = valid_data();
			for (int m = 0; m < mutations; m++)
				mutate(req);
			serialise(&b, req);
			free_node(req);
			/* now and then, text that is not JSON at all */
			if (pick(50) == 0 && b.len > 2)
				b.data[pick((int) b.len)] = "{}[]\",:\\x\x01"[pick(11)];

			params[0] = which % 2 ? TENANT_B : TENANT_A;
			if (kind < 4)
			{
				c->fn = "create_webhook";
				params[1] = b.data;
				if (PQsendQueryParams(conn, "SELECT webhooks.create_webhook($1, $2::jsonb)",
									  2, NULL, params, NULL, NULL, 0) != 1)
					die(conn, "send");
			}
			else if (kind < 8)
			{
				c->fn = "update_webhook";
				params[1] = locators[which];
				params[2] = b.data;
				if (PQsendQueryParams(conn, "SELECT webhooks.update_webhook($1, $2, $3::jsonb)",
									  3, NULL, params, NULL, NULL, 0) != 1)
					die(conn, "send");
			}
			else
			{
				static const char *const types[] = {
					"policy.quote.issue", "billing.invoice.generate", "policy.*",
					"no.such.type", "", "claim.fnol.create"
				};

				c->fn = "publish_event";
				params[1] = types[pick(6)];
				params[2] = b.data;
				if (PQsendQueryParams(conn, "SELECT webhooks.publish_event($1, $2, $3::jsonb)",
									  3, NULL, params, NULL, NULL, 0) != 1)
					die(conn, "send");
			}
			if (PQpipelineSync(conn) != 1)
				die(conn, "sync");
			c->input = b.data;
			sent++;
		}
		while (PQflush(conn) > 0)
			;
		PQconsumeInput(conn);
		drain(conn, &ring[done % PIPELINE_DEPTH]);
		done++;
		if (done % 100000 == 0)
			fprintf(stderr, "sqlfuzz: %ld calls, %ld accepted, %ld refused, %ld surprises\n",
					done, accepted, refused, surprises);
	}
	PQexitPipelineMode(conn);
	PQsetnonblocking(conn, 0);

	printf("sqlfuzz: %ld calls: %ld accepted, %ld refused with a documented SQLSTATE, %ld surprises\n",
		   count, accepted, refused - surprises, surprises);
	for (int i = 0; documented[i]; i++)
		printf("  %s: %ld\n", documented[i], per_state[i]);

	/* what was stored still reads back and validates: a no-op update of each */
	r = exec_ok(conn,
				"SELECT count(*) FILTER (WHERE webhooks.update_webhook(tenant_locator, locator, '{}') IS NULL),"
				" count(*) FROM webhooks._webhook");
	printf("sqlfuzz: %s webhooks stored, every one fetches and validates again (%s failed)\n",
		   PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 0));
	PQclear(r);
	r = exec_ok(conn,
				"SELECT count(*) FROM webhooks._webhook"
				" WHERE cardinality(event_types) = 0 OR name = ''"
				" OR (tag IS NOT NULL AND secret IS NULL)"
				" OR (hmac_enabled AND secret IS NULL)");
	printf("sqlfuzz: %s stored webhooks break an invariant\n", PQgetvalue(r, 0, 0));
	if (strcmp(PQgetvalue(r, 0, 0), "0") != 0)
		surprises++;
	PQclear(r);
	PQfinish(conn);
	return surprises == 0 ? 0 : 1;
}
