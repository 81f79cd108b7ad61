/*-------------------------------------------------------------------------
 *
 * sign.c
 *	  Standard Webhooks v1 signatures (doc/decisions.md D6), free of server calls
 *	  so that they can be fuzzed and checked outside PostgreSQL.
 *
 * The signature of a delivery is "v1," followed by the base64 of
 * HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}"), which every
 * Standard Webhooks consumer library verifies unchanged.  The key comes
 * from wh_secret_key() in checks.c.
 *
 * IDENTIFICATION
 *	  src/sign.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sign.h"

/*
 * wh_sign writes the NUL-terminated signature of a delivery into out, which
 * must hold WH_SIGNATURE_LEN + 1 bytes.  Returns its length, or -1 when out
 * of memory or when OpenSSL fails.
 */
int
wh_sign(const unsigned char *key, int key_len, const char *id,
		const char *timestamp, const char *body, size_t body_len, char *out)
{
	size_t		id_len = strlen(id);
	size_t		ts_len = strlen(timestamp);
	size_t		msg_len = id_len + 1 + ts_len + 1 + body_len;
	unsigned char *msg = malloc(msg_len);
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	unsigned char *p = msg;
	int			n;

	if (msg == NULL)
		return -1;
	memcpy(p, id, id_len);
	p += id_len;
	*p++ = '.';
	memcpy(p, timestamp, ts_len);
	p += ts_len;
	*p++ = '.';
	memcpy(p, body, body_len);

	if (HMAC(EVP_sha256(), key, key_len, msg, msg_len, mac, &mac_len) == NULL ||
		mac_len != 32)
	{
		free(msg);
		return -1;
	}
	free(msg);

	memcpy(out, "v1,", 3);
	n = EVP_EncodeBlock((unsigned char *) out + 3, mac, (int) mac_len);
	if (n != WH_SIGNATURE_LEN - 3)
		return -1;
	out[WH_SIGNATURE_LEN] = '\0';
	return WH_SIGNATURE_LEN;
}
