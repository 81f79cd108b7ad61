/*-------------------------------------------------------------------------
 *
 * fuzz_policy.c
 *	  libFuzzer target for the delivery policy: Retry-After parsing, the
 *	  retry schedule and trigger matching.  Delays are never negative and
 *	  never beyond a day plus jitter; Retry-After never more than doubles a
 *	  scheduled delay; a matched trigger really covers the status.
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_policy.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DAY_MS	INT64_C(86400000)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text;
	int64_t		after;
	int64_t		interval = 1;
	int			retry;
	int			status;
	const char *triggers[4] = {"4xx", "503", "timeout", "5xx"};
	int			m;

	if (size < 12)
		return 0;
	memcpy(&interval, data, 8);
	retry = (int) data[8];
	status = (int) data[9] * 3;
	text = malloc(size - 10 + 1);
	memcpy(text, data + 10, size - 10);
	text[size - 10] = '\0';

	for (int type = 1; type <= 2; type++)
	{
		int64_t		d = wh_retry_delay_ms(type, interval, retry, data[10] / 256.0);

		if (d < 0 || d > DAY_MS + DAY_MS / 10)
			abort();
		after = wh_parse_retry_after(text, 1700000000);
		if (after < -1 || after > DAY_MS)
			abort();
		if (wh_retry_after_delay(status, after, d) > 2 * d && d > 0)
			abort();
	}

	m = wh_trigger_match(triggers, 4, status);
	if (m >= 0)
	{
		const char *t = triggers[m];

		if (status == WH_STATUS_NONE ? strcmp(t, "timeout") != 0 :
			(t[1] == 'x' ? status / 100 != t[0] - '0' : atoi(t) != status))
			abort();
	}
	free(text);
	return 0;
}
