/*-------------------------------------------------------------------------
 *
 * headers.c
 *	  The custom header lines of endpoints, as the worker sends them.
 *
 * An endpoint's headers ({"Name": ["value", ...]}) become a chain of
 * libcurl header lines once per configuration, in one allocation and in
 * time linear in their size; each request links its own Standard Webhooks
 * lines in front of the chain (http.c), so a delivery costs no header work
 * in proportion to the configuration.  Sets are found by webhook and
 * compared with the configuration a claim returns, so an update is picked
 * up by the next claim; a set still used by requests in flight when its
 * webhook changes lives until the last of them is released.
 *
 * IDENTIFICATION
 *	  src/headers.c
 *
 *-------------------------------------------------------------------------
 */
#include "pg_prelude.h"

#include "utils/hsearch.h"

#include "headers.h"

/* unused sets kept at most; more are dropped at the next trim */
#define MAX_IDLE_SETS 1024

typedef struct SetKey
{
	pg_uuid_t	webhook;
	bool		alert;
} SetKey;

typedef struct SetEntry
{
	SetKey		key;			/* hash key */
	WhHeaderSet *set;
} SetEntry;

static HTAB *sets = NULL;
static MemoryContext sets_cxt = NULL;

/*
 * build makes the set of one configuration: the lines, their text and a
 * copy of the configuration, in one chunk.  libcurl drops a header given
 * as "Name:" with no value; "Name;" sends it empty.
 */
static WhHeaderSet *
build(const SetKey *key, Jsonb *headers)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken r;
	int			nlines = 0;
	size_t		text = 0;
	size_t		name_len = 0;
	size_t		size;
	WhHeaderSet *set;
	char	   *p;
	const char *name = NULL;
	struct curl_slist *line;

	/* first pass: how much */
	it = JsonbIteratorInit(&headers->root);
	while ((r = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		if (r == WJB_KEY)
			name_len = v.val.string.len;
		else if (r == WJB_ELEM && v.type == jbvString)
		{
			nlines++;
			text += name_len + 2 + v.val.string.len + 1;
		}
	}

	size = MAXALIGN(sizeof(WhHeaderSet)) + MAXALIGN(VARSIZE(headers)) +
		sizeof(struct curl_slist) * nlines + text;
	set = MemoryContextAllocHuge(sets_cxt, size);
	memset(set, 0, sizeof(WhHeaderSet));
	set->webhook = key->webhook;
	set->alert = key->alert;
	set->current = true;
	set->bytes = size;
	set->source = (Jsonb *) ((char *) set + MAXALIGN(sizeof(WhHeaderSet)));
	memcpy(set->source, headers, VARSIZE(headers));
	line = (struct curl_slist *) ((char *) set->source + MAXALIGN(VARSIZE(headers)));
	p = (char *) (line + nlines);
	set->lines = nlines > 0 ? line : NULL;

	/* second pass: the lines, each linked to the next */
	it = JsonbIteratorInit(&headers->root);
	while ((r = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		if (r == WJB_KEY)
		{
			name = v.val.string.val;
			name_len = v.val.string.len;
		}
		else if (r == WJB_ELEM && v.type == jbvString && name != NULL)
		{
			line->data = p;
			memcpy(p, name, name_len);
			p += name_len;
			if (v.val.string.len == 0)
				*p++ = ';';
			else
			{
				*p++ = ':';
				*p++ = ' ';
				memcpy(p, v.val.string.val, v.val.string.len);
				p += v.val.string.len;
			}
			*p++ = '\0';
			line->next = --nlines > 0 ? line + 1 : NULL;
			line++;
		}
	}
	Assert(nlines == 0 && p <= (char *) set + size);
	return set;
}

static void
free_set(WhHeaderSet *set)
{
	Assert(set->refs == 0);
	pfree(set);
}

/*
 * wh_header_set_get returns the set of an endpoint's headers as a claim
 * returned them, counting one more user; NULL when there are none.
 */
WhHeaderSet *
wh_header_set_get(const pg_uuid_t *webhook, bool alert, Jsonb *headers)
{
	SetKey		key;
	SetEntry   *e;
	bool		found;

	if (headers == NULL || JB_ROOT_COUNT(headers) == 0)
		return NULL;
	if (sets == NULL)
	{
		HASHCTL		ctl;

		sets_cxt = AllocSetContextCreate(TopMemoryContext, "webhooks header sets",
										 ALLOCSET_DEFAULT_SIZES);
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(SetKey);
		ctl.entrysize = sizeof(SetEntry);
		ctl.hcxt = sets_cxt;
		sets = hash_create("webhooks header sets", 256, &ctl,
						   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}

	memset(&key, 0, sizeof(key));
	key.webhook = *webhook;
	key.alert = alert;
	e = hash_search(sets, &key, HASH_ENTER, &found);
	if (found && (VARSIZE(e->set->source) != VARSIZE(headers) ||
				  memcmp(e->set->source, headers, VARSIZE(headers)) != 0))
	{
		/* the webhook changed: the old set goes with its last request */
		e->set->current = false;
		if (e->set->refs == 0)
			free_set(e->set);
		found = false;
	}
	if (!found)
		e->set = build(&key, headers);
	e->set->refs++;
	return e->set;
}

/*
 * wh_header_set_release counts one user less.
 */
void
wh_header_set_release(WhHeaderSet *set)
{
	Assert(set->refs > 0);
	if (--set->refs == 0 && !set->current)
		free_set(set);
}

/*
 * wh_header_sets_trim drops the sets nothing uses once there are many of
 * them, so that a cluster with many webhooks does not keep them all.
 */
void
wh_header_sets_trim(void)
{
	HASH_SEQ_STATUS seq;
	SetEntry   *e;
	int			idle = 0;

	if (sets == NULL)
		return;
	hash_seq_init(&seq, sets);
	while ((e = hash_seq_search(&seq)) != NULL)
		idle += e->set->refs == 0;
	if (idle <= MAX_IDLE_SETS)
		return;
	hash_seq_init(&seq, sets);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		if (e->set->refs == 0)
		{
			free_set(e->set);
			hash_search(sets, &e->key, HASH_REMOVE, NULL);
		}
	}
}
