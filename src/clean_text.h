/*-------------------------------------------------------------------------
 *
 * clean_text.h
 *	  Making valid text of bytes an endpoint sent.
 *
 * Pure code: no server calls, fuzzed outside PostgreSQL.
 *
 * IDENTIFICATION
 *	  src/clean_text.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_CLEAN_TEXT_H
#define WEBHOOKS_CLEAN_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* the most bytes wh_clean_text writes for len bytes in, with the NUL */
#define WH_CLEAN_TEXT_SIZE(len) ((len) * 3 + 1)

extern size_t wh_clean_text(const char *in, size_t len, bool utf8, char *out);

#endif							/* WEBHOOKS_CLEAN_TEXT_H */
