/*
 * ike_dh.c - the Diffie-Hellman groups of the KE payload (RFC 7296 3.4):
 * 14 (MODP-2048, RFC 3526 section 3), 19/20 (ECP P-256/P-384, RFC 5903)
 * and 31 (Curve25519, RFC 8031), all through OpenSSL 3's EVP_PKEY.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "ike_crypto_int.h"

struct ike_dh_key {
	uint16_t	 group;
	EVP_PKEY	*pkey;		/* our key pair */
};

/* The OpenSSL key type and group name of an IKE group. */
static bool
group_names(uint16_t group, const char **type, const char **name)
{
	*name = NULL;
	switch (group) {
	case IKE_DH_MODP2048:	*type = "DH"; *name = "modp_2048"; break;
	case IKE_DH_ECP256:	*type = "EC"; *name = "P-256"; break;
	case IKE_DH_ECP384:	*type = "EC"; *name = "P-384"; break;
	case IKE_DH_CURVE25519:	*type = "X25519"; break;
	default:		return (false);
	}
	return (true);
}

/* KE data lengths: MODP the prime's size (3.4), ECP x || y (RFC 5903
 * section 7), Curve25519 the u coordinate (RFC 8031 section 2). */
size_t
ike_dh_public_len(uint16_t group)
{
	switch (group) {
	case IKE_DH_MODP2048:	return (256);
	case IKE_DH_ECP256:	return (64);
	case IKE_DH_ECP384:	return (96);
	case IKE_DH_CURVE25519:	return (32);
	default:		return (0);
	}
}

/* g^ir lengths: MODP zero-padded to the prime (2.14), ECP the x
 * coordinate (RFC 5903 section 7), Curve25519 32 bytes. */
static size_t
dh_secret_len(uint16_t group)
{
	switch (group) {
	case IKE_DH_MODP2048:	return (256);
	case IKE_DH_ECP256:	return (32);
	case IKE_DH_ECP384:	return (48);
	case IKE_DH_CURVE25519:	return (32);
	default:		return (0);
	}
}

struct ike_dh_key *
ike_dh_new(uint16_t group)
{
	struct ike_dh_key *dh;
	EVP_PKEY_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	const char *type, *name;

	if (!group_names(group, &type, &name) ||
	    (dh = calloc(1, sizeof(*dh))) == NULL)
		return (NULL);
	dh->group = group;
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) == NULL ||
	    EVP_PKEY_keygen_init(ctx) <= 0)
		goto fail;
	if (name != NULL) {
		params[0] = OSSL_PARAM_construct_utf8_string(
		    OSSL_PKEY_PARAM_GROUP_NAME, (char *)(uintptr_t)name, 0);
		params[1] = OSSL_PARAM_construct_end();
		if (EVP_PKEY_CTX_set_params(ctx, params) <= 0)
			goto fail;
	}
	if (EVP_PKEY_generate(ctx, &dh->pkey) <= 0)
		goto fail;
	EVP_PKEY_CTX_free(ctx);
	return (dh);
fail:
	EVP_PKEY_CTX_free(ctx);
	ike_dh_free(dh);
	ERR_clear_error();
	return (NULL);
}

void
ike_dh_free(struct ike_dh_key *dh)
{
	if (dh == NULL)
		return;
	EVP_PKEY_free(dh->pkey);	/* clears the private key */
	free(dh);
}

int
ike_dh_public(const struct ike_dh_key *dh, uint8_t *out, size_t cap,
    size_t *out_len)
{
	uint8_t *enc = NULL;
	size_t enc_len, want = ike_dh_public_len(dh->group), skip;
	int rc = -1;

	if (cap < want)
		return (-1);
	/* DH: big-endian y padded to the prime; EC: 0x04 | x | y; X25519:
	 * the raw key. */
	enc_len = EVP_PKEY_get1_encoded_public_key(dh->pkey, &enc);
	skip = dh->group == IKE_DH_ECP256 || dh->group == IKE_DH_ECP384;
	if (enc == NULL || enc_len != want + skip ||
	    (skip && enc[0] != 0x04))
		goto done;
	memcpy(out, enc + skip, want);
	*out_len = want;
	rc = 0;
done:
	OPENSSL_free(enc);
	ERR_clear_error();
	return (rc);
}

/* 1 < y < p - 1 (RFC 7296 5 and NIST SP 800-56A 5.6.2.3.1). */
static bool
modp_public_ok(const EVP_PKEY *params, const uint8_t *y_bytes, size_t len)
{
	BIGNUM *p = NULL, *y = BN_bin2bn(y_bytes, (int)len, NULL);
	bool ok = false;

	if (y != NULL &&
	    EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_P, &p) == 1 &&
	    BN_sub_word(p, 1) && BN_cmp(y, BN_value_one()) > 0 &&
	    BN_cmp(y, p) < 0)
		ok = true;
	BN_free(p);
	BN_free(y);
	return (ok);
}

/* The peer's public value as a key of our group, checked. */
static EVP_PKEY *
peer_key(const struct ike_dh_key *dh, const uint8_t *peer, size_t len)
{
	uint8_t enc[1 + IKE_DH_PUB_MAX];
	EVP_PKEY *key = NULL;
	EVP_PKEY_CTX *check = NULL;
	size_t enc_len = 0;

	if (len != ike_dh_public_len(dh->group))
		return (NULL);
	if (dh->group == IKE_DH_CURVE25519)
		return (EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL,
		    peer, len));
	if (dh->group == IKE_DH_MODP2048 &&
	    !modp_public_ok(dh->pkey, peer, len))
		return (NULL);
	if (dh->group != IKE_DH_MODP2048)
		enc[enc_len++] = 0x04;	/* uncompressed point, RFC 5903 7 */
	memcpy(enc + enc_len, peer, len);
	enc_len += len;
	/* Our parameters, the peer's public value, then a public key check:
	 * point on the curve (EC), y^q = 1 mod p (DH named group). */
	if ((key = EVP_PKEY_new()) == NULL ||
	    EVP_PKEY_copy_parameters(key, dh->pkey) != 1 ||
	    EVP_PKEY_set1_encoded_public_key(key, enc, enc_len) != 1 ||
	    (check = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) == NULL ||
	    EVP_PKEY_public_check(check) != 1) {
		EVP_PKEY_free(key);
		key = NULL;
	}
	EVP_PKEY_CTX_free(check);
	return (key);
}

static bool
all_zero(const uint8_t *p, size_t len)
{
	uint8_t acc = 0;
	size_t i;

	for (i = 0; i < len; i++)
		acc |= p[i];
	return (acc == 0);
}

int
ike_dh_shared(struct ike_dh_key *dh, const uint8_t *peer, size_t peer_len,
    uint8_t *secret, size_t cap, size_t *secret_len)
{
	EVP_PKEY *theirs = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	size_t want = dh_secret_len(dh->group), len = cap;
	int rc = -1;

	if (cap < want || (theirs = peer_key(dh, peer, peer_len)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->pkey, NULL)) == NULL ||
	    EVP_PKEY_derive_init(ctx) <= 0 ||
	    (dh->group == IKE_DH_MODP2048 &&
	     EVP_PKEY_CTX_set_dh_pad(ctx, 1) <= 0) ||	/* g^ir fixed size */
	    EVP_PKEY_derive_set_peer(ctx, theirs) <= 0 ||
	    EVP_PKEY_derive(ctx, secret, &len) <= 0 || len != want)
		goto done;
	/* RFC 8031 section 2.3: an all-zero X25519 result is refused. */
	if (dh->group == IKE_DH_CURVE25519 && all_zero(secret, len))
		goto done;
	*secret_len = len;
	rc = 0;
done:
	if (rc != 0)
		ike_wipe(secret, cap);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(theirs);
	ERR_clear_error();
	return (rc);
}
