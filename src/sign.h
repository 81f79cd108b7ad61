/*-------------------------------------------------------------------------
 *
 * sign.h
 *	  Standard Webhooks v1 signatures, free of server calls.
 *
 * IDENTIFICATION
 *	  src/sign.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_SIGN_H
#define WEBHOOKS_SIGN_H

#include <stddef.h>

/* "v1," and the base64 of a 32-byte HMAC-SHA256 */
#define WH_SIGNATURE_LEN	(3 + 44)
#define WH_MAX_KEY_LEN		1024

extern int	wh_sign(const unsigned char *key, int key_len, const char *id,
					const char *timestamp, const char *body, size_t body_len,
					char *out);

#endif							/* WEBHOOKS_SIGN_H */
