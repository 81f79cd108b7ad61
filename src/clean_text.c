/*-------------------------------------------------------------------------
 *
 * clean_text.c
 *	  Making valid text of bytes an endpoint sent.
 *
 * The attempt log keeps the first bytes of each response as text, and a
 * text value must be valid in the database encoding and hold no NUL.  A
 * slice cut at a fixed length can end inside a character, and an endpoint
 * can answer anything.  In a UTF-8 database every NUL and every byte that
 * does not start a well-formed character becomes U+FFFD, and a character
 * cut off at the end is dropped; in a database of any other encoding
 * everything but printable ASCII, tab and line ends becomes '?', which is
 * valid in every server encoding.
 *
 * IDENTIFICATION
 *	  src/clean_text.c
 *
 *-------------------------------------------------------------------------
 */
#include "clean_text.h"

#include <string.h>

static const char replacement[] = "\xEF\xBF\xBD";	/* U+FFFD */

/*
 * utf8_length returns the length of the well-formed UTF-8 character at s
 * (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF), 0
 * when there is none, or -1 when s holds the start of one that is cut off
 * by the end.
 */
static int
utf8_length(const unsigned char *s, size_t left)
{
	unsigned char c = s[0];
	int			n;
	unsigned char lo = 0x80;
	unsigned char hi = 0xBF;

	if (c >= 0x01 && c <= 0x7F)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
	{
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	}
	else if (c >= 0xF0 && c <= 0xF4)
	{
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	}
	else
		return 0;

	for (int i = 1; i < n; i++)
	{
		if ((size_t) i >= left)
			return -1;
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xBF))
			return 0;
	}
	return n;
}

/*
 * wh_clean_text writes the valid text of len bytes at in to out, which
 * has room for WH_CLEAN_TEXT_SIZE(len) bytes, ends it with a NUL and
 * returns its length.
 */
size_t
wh_clean_text(const char *in, size_t len, bool utf8, char *out)
{
	const unsigned char *s = (const unsigned char *) in;
	size_t		i = 0;
	size_t		o = 0;

	while (i < len)
	{
		if (!utf8)
		{
			unsigned char c = s[i++];

			out[o++] = (c >= 0x20 && c < 0x7F) || c == '\t' || c == '\n' ||
				c == '\r' ? (char) c : '?';
			continue;
		}
		{
			int			n = utf8_length(s + i, len - i);

			if (n < 0)
				break;			/* a character cut off by the slice */
			if (n == 0)
			{
				memcpy(out + o, replacement, 3);
				o += 3;
				i++;
				continue;
			}
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
		}
	}
	out[o] = '\0';
	return o;
}
