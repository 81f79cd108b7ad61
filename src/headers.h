/*-------------------------------------------------------------------------
 *
 * headers.h
 *	  The custom header lines of an endpoint, built once per configuration
 *	  and shared by every request sent with it.
 *
 * IDENTIFICATION
 *	  src/headers.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_HEADERS_H
#define WEBHOOKS_HEADERS_H

#include <curl/curl.h>

#include "utils/jsonb.h"
#include "utils/uuid.h"

typedef struct WhHeaderSet
{
	pg_uuid_t	webhook;
	bool		alert;			/* the alert endpoint's headers */
	bool		current;		/* still what the cache hands out */
	int			refs;			/* deliveries that use it */
	Jsonb	   *source;			/* the configuration it was built from */
	struct curl_slist *lines;	/* "Name: value" lines, NULL when none */
	size_t		bytes;			/* of the whole set */
} WhHeaderSet;

extern WhHeaderSet *wh_header_set_get(const pg_uuid_t *webhook, bool alert,
									  Jsonb *headers);
extern void wh_header_set_release(WhHeaderSet *set);
extern void wh_header_sets_trim(void);

#endif							/* WEBHOOKS_HEADERS_H */
