/*-------------------------------------------------------------------------
 *
 * fuzz_checks.c
 *	  libFuzzer target for the checks of webhook configuration text: URLs,
 *	  header names and values, triggers, event types and patterns, secrets
 *	  and tags.  The first byte picks the check; the rest is the value.
 *	  Beyond not crashing, accepted values must keep their promises: an
 *	  accepted trigger is one of the documented forms, an accepted event
 *	  type matches itself, an accepted whsec_ secret decodes to 24-64 bytes,
 *	  and response text cleaned for the attempt log is valid text.
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_checks.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "clean_text.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text;
	size_t		len;
	bool		is_pattern;
	unsigned char key[WH_SECRET_MAX_KEY + 8];

	if (size < 1)
		return 0;
	len = size - 1;
	text = malloc(len + 1);
	memcpy(text, data + 1, len);
	text[len] = '\0';

	switch (data[0] % 9)
	{
		case 0:
			(void) wh_check_url(text, len, 2048);
			break;
		case 1:
			if (wh_check_header_name(text, len) == NULL &&
				(len == 0 || memchr(text, ':', len) || memchr(text, ' ', len)))
				abort();
			(void) wh_header_is_reserved(text, len);
			break;
		case 2:
			if (wh_check_header_value(text, len, 8192) == NULL &&
				(memchr(text, '\r', len) || memchr(text, '\n', len) ||
				 memchr(text, '\0', len)))
				abort();
			break;
		case 3:
			if (wh_check_trigger(text, len) == NULL &&
				!(len == 3 || strcmp(text, "timeout") == 0))
				abort();
			break;
		case 4:
			if (wh_check_event_type(text, len, true, &is_pattern) == NULL &&
				strlen(text) == len && !wh_event_type_matches(text, text) &&
				!is_pattern)
				abort();
			break;
		case 5:
			if (wh_check_secret(text, len) == NULL && len >= 6 &&
				memcmp(text, "whsec_", 6) == 0)
			{
				int			n = wh_secret_key(text, len, key, sizeof(key));

				if (n < WH_SECRET_MIN_KEY || n > WH_SECRET_MAX_KEY)
					abort();
			}
			break;
		case 6:
			(void) wh_check_tag(text, len);
			break;
		case 7:
			{
				/* pattern and type, split at the first NUL or the middle */
				char	   *nul = memchr(text, '\0', len);
				char	   *type = nul ? nul + 1 : text + len / 2;
				char		save = *type;

				if (!nul)
					*type = '\0';
				(void) wh_event_type_matches(text, nul ? type : type + 0);
				*type = save;
			}
			break;
		case 8:
			{
				/*
				 * Cleaned text is NUL-free valid UTF-8 (cleaning it again
				 * changes nothing), or printable ASCII, and never longer
				 * than its bound.
				 */
				bool		utf8 = data[0] & 0x80;
				char	   *once = malloc(WH_CLEAN_TEXT_SIZE(len));
				size_t		n = wh_clean_text(text, len, utf8, once);
				char	   *twice = malloc(WH_CLEAN_TEXT_SIZE(n));

				if (n >= WH_CLEAN_TEXT_SIZE(len) || strlen(once) != n ||
					wh_clean_text(once, n, utf8, twice) != n ||
					memcmp(once, twice, n) != 0)
					abort();
				for (size_t i = 0; !utf8 && i < n; i++)
					if ((unsigned char) once[i] >= 0x7F)
						abort();
				free(once);
				free(twice);
			}
			break;
	}
	free(text);
	return 0;
}
