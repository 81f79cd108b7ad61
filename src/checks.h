/*-------------------------------------------------------------------------
 *
 * checks.h
 *	  Checks of the text values a webhook is configured with: URLs, header
 *	  names and values, failure triggers, event-type names and patterns,
 *	  and signing secrets.
 *
 * Everything here is free of server calls (it uses only libc, libcurl's URL
 * parser and libpgcommon's base64), so that it can be fuzzed outside
 * PostgreSQL.  A check returns NULL when the value is good, else a short
 * static reason that the caller puts into its error message.
 *
 * IDENTIFICATION
 *	  src/checks.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_CHECKS_H
#define WEBHOOKS_CHECKS_H

#include <stdbool.h>
#include <stddef.h>

#define WH_MAX_HEADER_NAME_LEN	256
#define WH_MAX_EVENT_TYPE_LEN	255
#define WH_MAX_SECRET_LEN		1024
#define WH_MAX_TAG_LEN			255
#define WH_SECRET_PREFIX		"whsec_"
#define WH_SECRET_MIN_KEY		24
#define WH_SECRET_MAX_KEY		64

/*
 * Each value of a custom header is sent as a line of its own: the name,
 * ": ", the value and CRLF.  The settings that bound a value and an
 * endpoint's custom headers in all (webhooks.max_header_value_bytes,
 * webhooks.max_headers_bytes) cannot be raised beyond these caps, which
 * keep a request's header block far below the 1 MB libcurl refuses to send.
 */
#define WH_HEADER_LINE_OVERHEAD		4
#define WH_HEADER_VALUE_BYTES_CAP	(64 * 1024)
#define WH_HEADERS_BYTES_CAP		(256 * 1024)

extern const char *wh_check_url(const char *url, size_t len, size_t max_len);
extern const char *wh_check_header_name(const char *name, size_t len);
extern bool wh_header_is_reserved(const char *name, size_t len);
extern const char *wh_check_header_value(const char *value, size_t len,
										 size_t max_len);
extern const char *wh_check_trigger(const char *trigger, size_t len);
extern const char *wh_check_event_type(const char *name, size_t len,
									   bool allow_pattern, bool *is_pattern);
extern bool wh_event_type_matches(const char *pattern, const char *type);
extern const char *wh_check_secret(const char *secret, size_t len);
extern const char *wh_check_tag(const char *tag, size_t len);
extern int	wh_secret_key(const char *secret, size_t len,
						  unsigned char *key, int key_max);

#endif							/* WEBHOOKS_CHECKS_H */
