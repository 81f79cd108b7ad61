/*-------------------------------------------------------------------------
 *
 * fuzz_ulid.c
 *	  libFuzzer target for the ulid text codec: decoding arbitrary bytes
 *	  never reads or writes out of bounds, and whatever decodes encodes back
 *	  to the same text, upper-cased.
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_ulid.c
 *
 *-------------------------------------------------------------------------
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ulid_codec.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t		bytes[ULID_BYTES];
	uint8_t		again[ULID_BYTES];
	char		text[ULID_TEXT_LEN + 1];

	if (!ulid_decode((const char *) data, size, bytes))
		return 0;
	ulid_encode(bytes, text);
	for (size_t i = 0; i < ULID_TEXT_LEN; i++)
	{
		if (toupper(data[i]) != text[i])
			abort();
	}
	if (!ulid_decode(text, ULID_TEXT_LEN, again) ||
		memcmp(bytes, again, ULID_BYTES) != 0)
		abort();
	if (ulid_get_ms(bytes) > ULID_MAX_MS)
		abort();
	return 0;
}
