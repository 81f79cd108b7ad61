/*-------------------------------------------------------------------------
 *
 * ulid_codec.h
 *	  ULID text encoding and decoding, free of server calls.
 *
 * A ULID is 16 bytes: a 48-bit big-endian Unix time in milliseconds followed
 * by 80 random bits.  Its text form is 26 characters of Crockford base32.
 *
 * IDENTIFICATION
 *	  src/ulid_codec.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_ULID_CODEC_H
#define WEBHOOKS_ULID_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ULID_BYTES		16
#define ULID_TEXT_LEN	26
#define ULID_RANDOM_BYTES 10
#define ULID_MAX_MS		UINT64_C(0xFFFFFFFFFFFF)

extern void ulid_encode(const uint8_t *bytes, char *out);
extern bool ulid_decode(const char *text, size_t len, uint8_t *out);
extern uint64_t ulid_get_ms(const uint8_t *bytes);
extern void ulid_set_ms(uint8_t *bytes, uint64_t ms);
extern bool ulid_increment_random(uint8_t *bytes);

#endif							/* WEBHOOKS_ULID_CODEC_H */
