/*-------------------------------------------------------------------------
 *
 * fuzz_sign.c
 *	  libFuzzer target for signing: any key (as wh_secret_key decodes it
 *	  from any secret), id, timestamp and body give a signature of the fixed
 *	  form "v1," + 44 base64 characters, the same every time.
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_sign.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "sign.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char key[WH_MAX_KEY_LEN];
	char		sig[WH_SIGNATURE_LEN + 1];
	char		again[WH_SIGNATURE_LEN + 1];
	size_t		secret_len;
	int			key_len;

	if (size < 2)
		return 0;
	secret_len = data[0] % (size - 1);
	key_len = wh_secret_key((const char *) data + 1, secret_len, key,
							sizeof(key));
	if (key_len < 0)
		return 0;
	if (wh_sign(key, key_len, "01J0000000000000000000000A", "1700000000",
				(const char *) data + 1 + secret_len, size - 1 - secret_len,
				sig) != WH_SIGNATURE_LEN)
		abort();
	if (memcmp(sig, "v1,", 3) != 0 || strlen(sig) != WH_SIGNATURE_LEN)
		abort();
	wh_sign(key, key_len, "01J0000000000000000000000A", "1700000000",
			(const char *) data + 1 + secret_len, size - 1 - secret_len, again);
	if (strcmp(sig, again) != 0)
		abort();
	return 0;
}
