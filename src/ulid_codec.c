/*-------------------------------------------------------------------------
 *
 * ulid_codec.c
 *	  ULID text encoding and decoding, free of server calls so that it can
 *	  be fuzzed outside PostgreSQL.
 *
 * The text form is the canonical one of the ULID specification: 26
 * characters of Crockford's base32 alphabet, most significant first.  The
 * first character carries only 3 bits, so it is at most '7'.  Decoding is
 * case-insensitive; characters outside the alphabet (including Crockford's
 * optional aliases I, L, O and U) are rejected.
 *
 * IDENTIFICATION
 *	  src/ulid_codec.c
 *
 *-------------------------------------------------------------------------
 */
#include "ulid_codec.h"

static const char encoding[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/*
 * decode_char returns the 5-bit value of a base32 character, or -1.
 */
static int
decode_char(unsigned char c)
{
	if (c >= 'a' && c <= 'z')
		c = c - 'a' + 'A';
	if (c >= '0' && c <= '9')
		return c - '0';
	for (int i = 10; i < 32; i++)
	{
		if (encoding[i] == c)
			return i;
	}
	return -1;
}

/*
 * ulid_encode writes the 26-character text of a ULID and a terminating NUL
 * into out, which must hold ULID_TEXT_LEN + 1 bytes.
 */
void
ulid_encode(const uint8_t *bytes, char *out)
{
	/*
	 * 130 bits of text for 128 bits of value: treat the value as if it had
	 * two leading zero bits and take 5 bits at a time.
	 */
	for (int i = 0; i < ULID_TEXT_LEN; i++)
	{
		int			bit = i * 5 - 2;	/* first bit of this digit */
		unsigned	v = 0;

		for (int b = 0; b < 5; b++, bit++)
		{
			v <<= 1;
			if (bit >= 0)
				v |= (bytes[bit / 8] >> (7 - bit % 8)) & 1;
		}
		out[i] = encoding[v];
	}
	out[ULID_TEXT_LEN] = '\0';
}

/*
 * ulid_decode parses len bytes of text into 16 bytes; returns false when the
 * text is not exactly 26 valid characters or overflows 128 bits.
 */
bool
ulid_decode(const char *text, size_t len, uint8_t *out)
{
	int			first;

	if (len != ULID_TEXT_LEN)
		return false;

	first = decode_char((unsigned char) text[0]);
	if (first < 0 || first > 7)
		return false;

	for (int i = 0; i < ULID_BYTES; i++)
		out[i] = 0;

	for (int i = 0; i < ULID_TEXT_LEN; i++)
	{
		int			v = decode_char((unsigned char) text[i]);
		int			bit = i * 5 - 2;

		if (v < 0)
			return false;
		for (int b = 4; b >= 0; b--, bit++)
		{
			if (bit >= 0 && ((v >> b) & 1))
				out[bit / 8] |= (uint8_t) (1 << (7 - bit % 8));
		}
	}
	return true;
}

/*
 * ulid_get_ms returns the 48-bit millisecond timestamp of a ULID.
 */
uint64_t
ulid_get_ms(const uint8_t *bytes)
{
	uint64_t	ms = 0;

	for (int i = 0; i < 6; i++)
		ms = (ms << 8) | bytes[i];
	return ms;
}

/*
 * ulid_set_ms stores a 48-bit millisecond timestamp into a ULID.
 */
void
ulid_set_ms(uint8_t *bytes, uint64_t ms)
{
	for (int i = 5; i >= 0; i--)
	{
		bytes[i] = (uint8_t) (ms & 0xFF);
		ms >>= 8;
	}
}

/*
 * ulid_increment_random adds one to the 80-bit random part; returns false
 * when it wraps around to zero.
 */
bool
ulid_increment_random(uint8_t *bytes)
{
	for (int i = ULID_BYTES - 1; i >= ULID_BYTES - ULID_RANDOM_BYTES; i--)
	{
		if (++bytes[i] != 0)
			return true;
	}
	return false;
}
