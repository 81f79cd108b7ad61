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

#include <openssl/opensslv.h>
#if OPENSSL_VERSION_NUMBER < 0x30000000L
#error "webhooks needs OpenSSL 3 (EVP_MAC)"
#endif
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "sign.h"

/*
 * The HMAC-SHA256 context of this process, made on first use and kept:
 * fetching the algorithm and the digest for every signature (as the
 * one-shot HMAC() does) cost more than the MAC of a 1 KB body.  Each
 * signature sets its key, and leaves a dummy key in place of it, so that
 * no tenant's key stays in the context between signatures.
 */
static EVP_MAC_CTX *hmac_ctx = NULL;

static EVP_MAC_CTX *
hmac_sha256(void)
{
	EVP_MAC    *mac;
	OSSL_PARAM	params[2];

	if (hmac_ctx != NULL)
		return hmac_ctx;
	mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	if (mac == NULL)
		return NULL;
	hmac_ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);			/* the context keeps its own reference */
	if (hmac_ctx == NULL)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
												 (char *) "SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_CTX_set_params(hmac_ctx, params))
	{
		EVP_MAC_CTX_free(hmac_ctx);
		hmac_ctx = NULL;
	}
	return hmac_ctx;
}

/*
 * wh_sign writes the NUL-terminated signature of a delivery into out, which
 * must hold WH_SIGNATURE_LEN + 1 bytes.  Returns its length, or -1 when
 * OpenSSL fails.
 */
int
wh_sign(const unsigned char *key, int key_len, const char *id,
		const char *timestamp, const char *body, size_t body_len, char *out)
{
	static const unsigned char dummy_key[1] = {0};
	EVP_MAC_CTX *ctx = hmac_sha256();
	unsigned char mac[EVP_MAX_MD_SIZE];
	size_t		mac_len = 0;
	int			n;
	int			ok;

	if (ctx == NULL)
		return -1;
	ok = EVP_MAC_init(ctx, key, (size_t) key_len, NULL) &&
		EVP_MAC_update(ctx, (const unsigned char *) id, strlen(id)) &&
		EVP_MAC_update(ctx, (const unsigned char *) ".", 1) &&
		EVP_MAC_update(ctx, (const unsigned char *) timestamp, strlen(timestamp)) &&
		EVP_MAC_update(ctx, (const unsigned char *) ".", 1) &&
		EVP_MAC_update(ctx, (const unsigned char *) body, body_len) &&
		EVP_MAC_final(ctx, mac, &mac_len, sizeof(mac)) &&
		mac_len == 32;
	/* the key's pads leave the context either way */
	if (!EVP_MAC_init(ctx, dummy_key, sizeof(dummy_key), NULL))
	{
		EVP_MAC_CTX_free(hmac_ctx);
		hmac_ctx = NULL;
	}
	if (!ok)
		return -1;

	memcpy(out, "v1,", 3);
	n = EVP_EncodeBlock((unsigned char *) out + 3, mac, (int) mac_len);
	if (n != WH_SIGNATURE_LEN - 3)
		return -1;
	out[WH_SIGNATURE_LEN] = '\0';
	return WH_SIGNATURE_LEN;
}
