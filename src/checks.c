/*-------------------------------------------------------------------------
 *
 * checks.c
 *	  Checks of the text values a webhook is configured with, free of server
 *	  calls so that they can be fuzzed outside PostgreSQL.
 *
 * URLs are parsed by libcurl's URL API, the same parser that later sends
 * the request, so what is accepted here is what libcurl will use.
 *
 * IDENTIFICATION
 *	  src/checks.c
 *
 *-------------------------------------------------------------------------
 */
/* c.h alone (no server calls): common/base64.h needs its types */
#include "c.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "common/base64.h"

#include "checks.h"

/* Headers the extension sets itself; custom headers may not set them. */
static const char *const reserved_headers[] = {
	"content-type",
	"content-length",
	"host",
	"user-agent",
	"transfer-encoding",
	"connection",
	"webhook-id",
	"webhook-timestamp",
	"webhook-signature",
	"socotra-signature",
	"socotra-signature-tag",
	NULL
};

/*
 * has_control_char reports whether text holds a control character (other
 * than horizontal tab when allow_tab) or a NUL byte.
 */
static bool
has_control_char(const char *text, size_t len, bool allow_tab)
{
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) text[i];

		if (c == '\t' && allow_tab)
			continue;
		if (c < 0x20 || c == 0x7F)
			return true;
	}
	return false;
}

/*
 * wh_check_url accepts an absolute http or https URL with a host, no
 * credentials, no white space or control characters, of at most max_len
 * bytes.
 */
const char *
wh_check_url(const char *url, size_t len, size_t max_len)
{
	CURLU	   *h;
	char	   *copy;
	char	   *part = NULL;
	const char *reason = NULL;

	if (len == 0)
		return "must not be empty";
	if (len > max_len)
		return "is too long";
	if (has_control_char(url, len, false) || memchr(url, ' ', len) != NULL)
		return "must not contain white space or control characters";

	copy = malloc(len + 1);
	if (copy == NULL)
		return "could not be checked: out of memory";
	memcpy(copy, url, len);
	copy[len] = '\0';

	h = curl_url();
	if (h == NULL)
	{
		free(copy);
		return "could not be checked: out of memory";
	}

	if (curl_url_set(h, CURLUPART_URL, copy, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
		reason = "is not a valid absolute URL";
	else if (curl_url_get(h, CURLUPART_SCHEME, &part, 0) != CURLUE_OK ||
			 (strcmp(part, "http") != 0 && strcmp(part, "https") != 0))
		reason = "must use the http or https scheme";
	else
	{
		curl_free(part);
		part = NULL;
		if (curl_url_get(h, CURLUPART_HOST, &part, 0) != CURLUE_OK ||
			part[0] == '\0')
			reason = "must name a host";
		else
		{
			curl_free(part);
			part = NULL;
			if (curl_url_get(h, CURLUPART_USER, &part, 0) == CURLUE_OK ||
				curl_url_get(h, CURLUPART_PASSWORD, &part, 0) == CURLUE_OK)
				reason = "must not contain credentials";
		}
	}

	curl_free(part);
	curl_url_cleanup(h);
	free(copy);
	return reason;
}

/*
 * wh_check_header_name accepts an HTTP field name: a non-empty token.
 */
const char *
wh_check_header_name(const char *name, size_t len)
{
	static const char tchar_punct[] = "!#$%&'*+-.^_`|~";

	if (len == 0)
		return "header name must not be empty";
	if (len > WH_MAX_HEADER_NAME_LEN)
		return "header name is too long";
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) name[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9'))
			continue;
		if (c != '\0' && strchr(tchar_punct, c) != NULL)
			continue;
		return "header name must be an HTTP token (letters, digits and !#$%&'*+-.^_`|~)";
	}
	return NULL;
}

/*
 * wh_header_is_reserved reports whether a header name (any case) is one
 * the extension sets itself.
 */
bool
wh_header_is_reserved(const char *name, size_t len)
{
	for (int i = 0; reserved_headers[i] != NULL; i++)
	{
		if (strlen(reserved_headers[i]) == len &&
			strncasecmp(reserved_headers[i], name, len) == 0)
			return true;
	}
	return false;
}

/*
 * wh_check_header_value accepts a value of at most max_len bytes with no
 * control characters other than horizontal tab.
 */
const char *
wh_check_header_value(const char *value, size_t len, size_t max_len)
{
	if (len > max_len)
		return "header value is too long";
	if (has_control_char(value, len, true))
		return "header value must not contain control characters";
	return NULL;
}

/*
 * wh_check_trigger accepts "4xx", "5xx", "timeout" or a status code from
 * 400 to 599.
 */
const char *
wh_check_trigger(const char *trigger, size_t len)
{
	if ((len == 3 && (memcmp(trigger, "4xx", 3) == 0 ||
					  memcmp(trigger, "5xx", 3) == 0)) ||
		(len == 7 && memcmp(trigger, "timeout", 7) == 0))
		return NULL;
	if (len == 3 && (trigger[0] == '4' || trigger[0] == '5') &&
		trigger[1] >= '0' && trigger[1] <= '9' &&
		trigger[2] >= '0' && trigger[2] <= '9')
		return NULL;
	return "must be \"4xx\", \"5xx\", \"timeout\" or a status code from 400 to 599";
}

static bool
is_name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '_' || c == '-';
}

/*
 * wh_check_event_type accepts an event-type name (dot-separated segments of
 * letters, digits, '_' and '-') and, when allow_pattern, a prefix pattern:
 * "*" alone or a name followed by ".*".  *is_pattern tells which it was.
 */
const char *
wh_check_event_type(const char *name, size_t len, bool allow_pattern,
					bool *is_pattern)
{
	size_t		body = len;
	bool		seg_empty = true;

	*is_pattern = false;
	if (len == 0)
		return "event type must not be empty";
	if (len > WH_MAX_EVENT_TYPE_LEN)
		return "event type is too long";

	if (name[len - 1] == '*')
	{
		if (!allow_pattern)
			return "event type name must not be a pattern";
		*is_pattern = true;
		if (len == 1)
			return NULL;
		if (len < 3 || name[len - 2] != '.')
			return "a pattern is \"*\" or a prefix followed by \".*\"";
		body = len - 2;
	}

	for (size_t i = 0; i < body; i++)
	{
		unsigned char c = (unsigned char) name[i];

		if (c == '.')
		{
			if (seg_empty)
				return "event type segments must not be empty";
			seg_empty = true;
		}
		else if (is_name_char(c))
			seg_empty = false;
		else
			return "event type must be dot-separated names of letters, digits, '_' and '-'";
	}
	if (seg_empty)
		return "event type segments must not be empty";
	return NULL;
}

/*
 * wh_event_type_matches reports whether a subscription (a name or a
 * pattern) covers an event type.  "a.*" covers every type under "a." at any
 * depth; "*" covers everything.
 */
bool
wh_event_type_matches(const char *pattern, const char *type)
{
	size_t		plen = strlen(pattern);

	if (plen == 1 && pattern[0] == '*')
		return true;
	if (plen >= 2 && pattern[plen - 1] == '*' && pattern[plen - 2] == '.')
		return strncmp(pattern, type, plen - 1) == 0 &&
			strlen(type) > plen - 1;
	return strcmp(pattern, type) == 0;
}

/*
 * wh_secret_key decodes the signing key of a secret into key: the base64
 * payload of a "whsec_" secret, else the secret's own bytes.  Returns the
 * key length, or -1 when the secret is malformed or the key exceeds key_max.
 */
int
wh_secret_key(const char *secret, size_t len, unsigned char *key, int key_max)
{
	size_t		plen = strlen(WH_SECRET_PREFIX);

	if (len >= plen && memcmp(secret, WH_SECRET_PREFIX, plen) == 0)
	{
		char		buf[4 * WH_SECRET_MAX_KEY];
		int			n = (int) (len - plen);
		int			klen;

		/* longer text decodes to more than any accepted key */
		if (n == 0 || n > (int) sizeof(buf))
			return -1;
		klen = pg_b64_decode(secret + plen, n, (void *) buf, sizeof(buf));
		if (klen < 0 || klen > key_max)
			return -1;
		memcpy(key, buf, klen);
		return klen;
	}
	if ((int) len > key_max)
		return -1;
	memcpy(key, secret, len);
	return (int) len;
}

/*
 * wh_check_secret accepts a "whsec_" secret whose rest is base64 of 24 to
 * 64 bytes, or any other non-empty secret of printable characters.
 */
const char *
wh_check_secret(const char *secret, size_t len)
{
	size_t		plen = strlen(WH_SECRET_PREFIX);

	if (len == 0)
		return "must not be empty";
	if (len > WH_MAX_SECRET_LEN)
		return "is too long";
	if (has_control_char(secret, len, false))
		return "must not contain control characters";
	if (len >= plen && memcmp(secret, WH_SECRET_PREFIX, plen) == 0)
	{
		unsigned char key[WH_SECRET_MAX_KEY];
		int			klen = wh_secret_key(secret, len, key, sizeof(key));

		if (klen < WH_SECRET_MIN_KEY)
			return "a \"whsec_\" secret must be followed by base64 of 24 to 64 bytes";
	}
	return NULL;
}

/*
 * wh_check_tag accepts a non-empty tag of printable characters.
 */
const char *
wh_check_tag(const char *tag, size_t len)
{
	if (len == 0)
		return "must not be empty";
	if (len > WH_MAX_TAG_LEN)
		return "is too long";
	if (has_control_char(tag, len, false))
		return "must not contain control characters";
	return NULL;
}
