/*
 * ike_crypto.c - randomness, constant-time helpers, the PRF and prf+
 * (RFC 7296 2.13), IKE SA and Child SA key derivation (2.14, 2.17, 2.18),
 * cookies (2.6) and NAT detection hashes (2.23).  Every primitive is
 * OpenSSL 3's (EVP_MAC "HMAC", EVP digests, RAND_bytes).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "ike_crypto_int.h"
#include "../util/bytes.h"

int
ike_random(void *buf, size_t len)
{
	if (len > (size_t)INT32_MAX)
		return (-1);
	return (RAND_bytes(buf, (int)len) == 1 ? 0 : -1);
}

bool
ike_ct_equal(const void *a, const void *b, size_t len)
{
	return (CRYPTO_memcmp(a, b, len) == 0);
}

void
ike_wipe(void *buf, size_t len)
{
	if (buf != NULL && len > 0)
		OPENSSL_cleanse(buf, len);
}

int
ike_crypto_err(char *err, size_t errlen, const char *what)
{
	char reason[160];
	unsigned long code = ERR_peek_last_error();

	if (err != NULL && errlen > 0) {
		if (code != 0) {
			ERR_error_string_n(code, reason, sizeof(reason));
			snprintf(err, errlen, "%s: %s", what, reason);
		} else
			snprintf(err, errlen, "%s", what);
	}
	ERR_clear_error();
	return (-1);
}

/* ---- HMAC through EVP_MAC ---- */

int
ike_hmac_iov(const char *digest, const uint8_t *key, size_t key_len,
    const struct ike_iov *iov, size_t n, uint8_t *out, size_t out_cap,
    size_t *out_len)
{
	static const uint8_t no_key[1];
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	size_t i;
	int rc = -1;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)(uintptr_t)digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (ctx = EVP_MAC_CTX_new(mac)) == NULL ||
	    !EVP_MAC_init(ctx, key_len > 0 ? key : no_key, key_len, params))
		goto done;
	for (i = 0; i < n; i++)
		if (iov[i].len > 0 &&
		    !EVP_MAC_update(ctx, iov[i].p, iov[i].len))
			goto done;
	if (EVP_MAC_final(ctx, out, out_len, out_cap))
		rc = 0;
done:
	EVP_MAC_CTX_free(ctx);		/* cleanses the keyed state */
	EVP_MAC_free(mac);
	ERR_clear_error();
	return (rc);
}

/* ---- Algorithms and their sizes (3.3.2, RFC 4868) ---- */

const char *
ike_prf_digest(uint16_t prf)
{
	switch (prf) {
	case IKE_PRF_HMAC_SHA1:		return ("SHA1");
	case IKE_PRF_HMAC_SHA2_256:	return ("SHA256");
	case IKE_PRF_HMAC_SHA2_384:	return ("SHA384");
	case IKE_PRF_HMAC_SHA2_512:	return ("SHA512");
	default:			return (NULL);
	}
}

const char *
ike_integ_digest(uint16_t integ)
{
	switch (integ) {
	case IKE_INTEG_HMAC_SHA1_96:		return ("SHA1");
	case IKE_INTEG_HMAC_SHA2_256_128:	return ("SHA256");
	case IKE_INTEG_HMAC_SHA2_384_192:	return ("SHA384");
	case IKE_INTEG_HMAC_SHA2_512_256:	return ("SHA512");
	default:				return (NULL);
	}
}

size_t
ike_prf_len(uint16_t prf)
{
	switch (prf) {
	case IKE_PRF_HMAC_SHA1:		return (20);
	case IKE_PRF_HMAC_SHA2_256:	return (32);
	case IKE_PRF_HMAC_SHA2_384:	return (48);
	case IKE_PRF_HMAC_SHA2_512:	return (64);
	default:			return (0);
	}
}

static bool
aes_keybits_ok(uint16_t keybits)
{
	return (keybits == 128 || keybits == 192 || keybits == 256);
}

/* AES-CBC: the AES key; AES-GCM (RFC 5282 7, RFC 4106 8.1) and GMAC
 * (RFC 4543 3.2): the AES key and a 4-byte salt; NULL: none. */
size_t
ike_encr_key_len(uint16_t encr, uint16_t keybits)
{
	switch (encr) {
	case IKE_ENCR_NULL:
		return (0);
	case IKE_ENCR_AES_CBC:
		return (aes_keybits_ok(keybits) ? keybits / 8u : 0);
	case IKE_ENCR_AES_GCM_8:
	case IKE_ENCR_AES_GCM_12:
	case IKE_ENCR_AES_GCM_16:
	case IKE_ENCR_NULL_AUTH_AES_GMAC:
		return (aes_keybits_ok(keybits) ? keybits / 8u + 4 : 0);
	default:
		return (0);
	}
}

/* RFC 4868 2.1.1 and RFC 2404: the key is the full hash output size. */
size_t
ike_integ_key_len(uint16_t integ)
{
	switch (integ) {
	case IKE_INTEG_HMAC_SHA1_96:		return (20);
	case IKE_INTEG_HMAC_SHA2_256_128:	return (32);
	case IKE_INTEG_HMAC_SHA2_384_192:	return (48);
	case IKE_INTEG_HMAC_SHA2_512_256:	return (64);
	default:				return (0);
	}
}

size_t
ike_integ_icv_len(uint16_t integ)
{
	switch (integ) {
	case IKE_INTEG_HMAC_SHA1_96:		return (12);
	case IKE_INTEG_HMAC_SHA2_256_128:	return (16);
	case IKE_INTEG_HMAC_SHA2_384_192:	return (24);
	case IKE_INTEG_HMAC_SHA2_512_256:	return (32);
	default:				return (0);
	}
}

/* ---- PRF and prf+ (2.13) ---- */

int
ike_prf(uint16_t prf, const uint8_t *key, size_t key_len,
    const uint8_t *data, size_t data_len, uint8_t *out)
{
	const char *digest = ike_prf_digest(prf);
	struct ike_iov iov = { data, data_len };
	size_t len;

	if (digest == NULL)
		return (-1);
	return (ike_hmac_iov(digest, key, key_len, &iov, 1, out, IKE_PRF_MAX,
	    &len));
}

/*
 * prf+ (K,S) = T1 | T2 | T3 | ..., T1 = prf (K, S | 0x01),
 * Tn = prf (K, Tn-1 | S | n); at most 255 blocks (2.13).
 */
int
ike_prf_plus(uint16_t prf, const uint8_t *key, size_t key_len,
    const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len)
{
	const char *digest = ike_prf_digest(prf);
	size_t block = ike_prf_len(prf), done = 0, len, take;
	uint8_t t[IKE_PRF_MAX], counter = 1;
	struct ike_iov iov[3];
	int rc = 0;

	if (digest == NULL || out_len > 255 * block)
		return (-1);
	while (done < out_len) {
		iov[0].p = t;
		iov[0].len = counter == 1 ? 0 : block;
		iov[1].p = seed;
		iov[1].len = seed_len;
		iov[2].p = &counter;
		iov[2].len = 1;
		if (ike_hmac_iov(digest, key, key_len, iov, 3, t, sizeof(t),
		    &len) != 0) {
			rc = -1;
			break;
		}
		take = out_len - done < block ? out_len - done : block;
		memcpy(out + done, t, take);
		done += take;
		counter++;
	}
	ike_wipe(t, sizeof(t));
	if (rc != 0)
		ike_wipe(out, out_len);
	return (rc);
}

/* ---- IKE SA keys (2.14, 2.18) ---- */

static int
sk_dir_init(struct ike_sk_dir *dir, const struct ike_suite *suite)
{
	size_t ek = ike_encr_key_len(suite->encr, suite->encr_keybits);
	size_t ak = ike_integ_key_len(suite->integ);
	bool aead = suite->encr != IKE_ENCR_AES_CBC;

	memset(dir, 0, sizeof(*dir));
	if (suite->encr == IKE_ENCR_NULL ||
	    suite->encr == IKE_ENCR_NULL_AUTH_AES_GMAC || ek == 0)
		return (-1);	/* IKE SAs always encrypt (3.14) */
	if (aead ? suite->integ != IKE_INTEG_NONE : ak == 0)
		return (-1);
	dir->encr = suite->encr;
	dir->keybits = suite->encr_keybits;
	dir->integ = suite->integ;
	dir->ek_len = (uint8_t)ek;
	dir->ak_len = (uint8_t)ak;
	return (0);
}

/* Splits prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) into the seven keys. */
static int
expand_ike_keys(const struct ike_suite *suite, const uint8_t *skeyseed,
    size_t skeyseed_len, const uint8_t *ni, size_t ni_len,
    const uint8_t *nr, size_t nr_len, uint64_t spi_i, uint64_t spi_r,
    struct ike_sa_keys *out)
{
	uint8_t seed[2 * IKE_NONCE_MAX + 16];
	uint8_t km[3 * IKE_PRF_MAX + 2 * IKE_INTEG_KEY_MAX +
	    2 * IKE_ENCR_KEY_MAX];
	size_t prf_len = ike_prf_len(suite->prf), seed_len, need, off = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (prf_len == 0 || ni_len > IKE_NONCE_MAX || nr_len > IKE_NONCE_MAX ||
	    sk_dir_init(&out->i2r, suite) != 0 ||
	    sk_dir_init(&out->r2i, suite) != 0)
		goto done;
	memcpy(seed, ni, ni_len);
	memcpy(seed + ni_len, nr, nr_len);
	put_be64(seed + ni_len + nr_len, spi_i);
	put_be64(seed + ni_len + nr_len + 8, spi_r);
	seed_len = ni_len + nr_len + 16;
	need = 3 * prf_len + 2u * out->i2r.ak_len + 2u * out->i2r.ek_len;
	if (ike_prf_plus(suite->prf, skeyseed, skeyseed_len, seed, seed_len,
	    km, need) != 0)
		goto done;
	out->prf = suite->prf;
	out->prf_len = (uint8_t)prf_len;
	/* {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} */
	memcpy(out->sk_d, km + off, prf_len);
	off += prf_len;
	memcpy(out->i2r.ak, km + off, out->i2r.ak_len);
	off += out->i2r.ak_len;
	memcpy(out->r2i.ak, km + off, out->r2i.ak_len);
	off += out->r2i.ak_len;
	memcpy(out->i2r.ek, km + off, out->i2r.ek_len);
	off += out->i2r.ek_len;
	memcpy(out->r2i.ek, km + off, out->r2i.ek_len);
	off += out->r2i.ek_len;
	memcpy(out->sk_pi, km + off, prf_len);
	off += prf_len;
	memcpy(out->sk_pr, km + off, prf_len);
	rc = 0;
done:
	ike_wipe(km, sizeof(km));
	ike_wipe(seed, sizeof(seed));
	if (rc != 0)
		ike_sa_keys_wipe(out);
	return (rc);
}

/* SKEYSEED = prf(Ni | Nr, g^ir) (2.14).  Only HMAC PRFs are known, which
 * take the whole Ni | Nr as key. */
int
ike_derive_ike_keys(const struct ike_suite *suite, const uint8_t *g_ir,
    size_t g_ir_len, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
    size_t nr_len, uint64_t spi_i, uint64_t spi_r, struct ike_sa_keys *out)
{
	uint8_t nonces[2 * IKE_NONCE_MAX], skeyseed[IKE_PRF_MAX];
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (ni_len < IKE_NONCE_MIN || ni_len > IKE_NONCE_MAX ||
	    nr_len < IKE_NONCE_MIN || nr_len > IKE_NONCE_MAX ||
	    ike_prf_len(suite->prf) == 0)
		return (-1);
	memcpy(nonces, ni, ni_len);
	memcpy(nonces + ni_len, nr, nr_len);
	if (ike_prf(suite->prf, nonces, ni_len + nr_len, g_ir, g_ir_len,
	    skeyseed) == 0)
		rc = expand_ike_keys(suite, skeyseed, ike_prf_len(suite->prf),
		    ni, ni_len, nr, nr_len, spi_i, spi_r, out);
	ike_wipe(skeyseed, sizeof(skeyseed));
	ike_wipe(nonces, sizeof(nonces));
	return (rc);
}

/* SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) with the old PRF
 * (2.18); the new keys with the new suite's PRF. */
int
ike_derive_rekey_keys(const struct ike_sa_keys *old,
    const struct ike_suite *suite, const uint8_t *g_ir, size_t g_ir_len,
    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
    uint64_t spi_i, uint64_t spi_r, struct ike_sa_keys *out)
{
	uint8_t data[IKE_DH_SECRET_MAX + 2 * IKE_NONCE_MAX];
	uint8_t skeyseed[IKE_PRF_MAX];
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (g_ir_len > IKE_DH_SECRET_MAX || ni_len < IKE_NONCE_MIN ||
	    ni_len > IKE_NONCE_MAX || nr_len < IKE_NONCE_MIN ||
	    nr_len > IKE_NONCE_MAX || ike_prf_len(old->prf) == 0 ||
	    old->prf_len != ike_prf_len(old->prf))
		return (-1);
	memcpy(data, g_ir, g_ir_len);
	memcpy(data + g_ir_len, ni, ni_len);
	memcpy(data + g_ir_len + ni_len, nr, nr_len);
	if (ike_prf(old->prf, old->sk_d, old->prf_len, data,
	    g_ir_len + ni_len + nr_len, skeyseed) == 0)
		rc = expand_ike_keys(suite, skeyseed, old->prf_len, ni, ni_len,
		    nr, nr_len, spi_i, spi_r, out);
	ike_wipe(skeyseed, sizeof(skeyseed));
	ike_wipe(data, sizeof(data));
	return (rc);
}

/* ---- Child SA keys (2.17) ---- */

static int
child_key_lens(const struct ike_suite *child, size_t *encr_len,
    size_t *integ_len)
{
	*encr_len = ike_encr_key_len(child->encr, child->encr_keybits);
	*integ_len = ike_integ_key_len(child->integ);
	switch (child->encr) {
	case IKE_ENCR_NULL:		/* RFC 2410: integrity required */
		return (*integ_len > 0 ? 0 : -1);
	case IKE_ENCR_AES_CBC:
		return (*encr_len > 0 && *integ_len > 0 ? 0 : -1);
	case IKE_ENCR_AES_GCM_8:
	case IKE_ENCR_AES_GCM_12:
	case IKE_ENCR_AES_GCM_16:
	case IKE_ENCR_NULL_AUTH_AES_GMAC:
		return (*encr_len > 0 && child->integ == IKE_INTEG_NONE ?
		    0 : -1);
	default:
		return (-1);
	}
}

int
ike_derive_child_keys(const struct ike_sa_keys *ike,
    const struct ike_suite *child, const uint8_t *g_ir, size_t g_ir_len,
    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
    struct ike_child_keys *out)
{
	uint8_t seed[IKE_DH_SECRET_MAX + 2 * IKE_NONCE_MAX];
	uint8_t km[2 * (IKE_ENCR_KEY_MAX + IKE_INTEG_KEY_MAX)];
	size_t encr_len, integ_len, seed_len = 0, off = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (child_key_lens(child, &encr_len, &integ_len) != 0 ||
	    (g_ir != NULL && g_ir_len > IKE_DH_SECRET_MAX) ||
	    ni_len > IKE_NONCE_MAX || nr_len > IKE_NONCE_MAX ||
	    ike->prf_len == 0 || ike->prf_len != ike_prf_len(ike->prf))
		return (-1);
	if (g_ir != NULL) {
		memcpy(seed, g_ir, g_ir_len);
		seed_len = g_ir_len;
	}
	memcpy(seed + seed_len, ni, ni_len);
	seed_len += ni_len;
	memcpy(seed + seed_len, nr, nr_len);
	seed_len += nr_len;
	if (ike_prf_plus(ike->prf, ike->sk_d, ike->prf_len, seed, seed_len,
	    km, 2 * (encr_len + integ_len)) != 0)
		goto done;
	out->encr = child->encr;
	out->keybits = child->encr_keybits;
	out->integ = child->integ;
	out->encr_len = (uint8_t)encr_len;
	out->integ_len = (uint8_t)integ_len;
	/* Initiator to responder encryption then integrity, then the
	 * responder's (2.17). */
	memcpy(out->ei, km + off, encr_len);
	off += encr_len;
	memcpy(out->ai, km + off, integ_len);
	off += integ_len;
	memcpy(out->er, km + off, encr_len);
	off += encr_len;
	memcpy(out->ar, km + off, integ_len);
	rc = 0;
done:
	ike_wipe(km, sizeof(km));
	ike_wipe(seed, sizeof(seed));
	if (rc != 0)
		ike_child_keys_wipe(out);
	return (rc);
}

void
ike_sa_keys_wipe(struct ike_sa_keys *keys)
{
	if (keys != NULL)
		OPENSSL_cleanse(keys, sizeof(*keys));
}

void
ike_child_keys_wipe(struct ike_child_keys *keys)
{
	if (keys != NULL)
		OPENSSL_cleanse(keys, sizeof(*keys));
}

/* ---- Cookies (2.6) and NAT detection (2.23) ---- */

static int
digest_iov(const char *name, const struct ike_iov *iov, size_t n,
    uint8_t *out, size_t out_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_MD *md = EVP_MD_fetch(NULL, name, NULL);
	unsigned int len = 0;
	size_t i;
	int rc = -1;

	if (ctx == NULL || md == NULL ||
	    (size_t)EVP_MD_get_size(md) != out_len ||
	    !EVP_DigestInit_ex(ctx, md, NULL))
		goto done;
	for (i = 0; i < n; i++)
		if (iov[i].len > 0 &&
		    !EVP_DigestUpdate(ctx, iov[i].p, iov[i].len))
			goto done;
	if (EVP_DigestFinal_ex(ctx, out, &len) && len == out_len)
		rc = 0;
done:
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(md);
	ERR_clear_error();
	return (rc);
}

/* Cookie = <VersionIDofSecret> | Hash(Ni | IPi | SPIi | <secret>) */
int
ike_cookie_make(const uint8_t secret[32], uint32_t version,
    const uint8_t *ni, size_t ni_len, const uint8_t *ip, size_t ip_len,
    uint64_t spi_i, uint8_t out[IKE_COOKIE_LEN])
{
	uint8_t spi[8];
	struct ike_iov iov[4] = {
		{ ni, ni_len }, { ip, ip_len }, { spi, sizeof(spi) },
		{ secret, 32 },
	};

	if (ip_len != 4 && ip_len != 16)
		return (-1);
	put_be64(spi, spi_i);
	put_be32(out, version);
	return (digest_iov("SHA256", iov, 4, out + 4, 32));
}

/* SHA-1(SPIi | SPIr | IP address | Port) (2.23) */
int
ike_nat_hash(uint64_t spi_i, uint64_t spi_r, const uint8_t *ip,
    size_t ip_len, uint16_t port, uint8_t out[20])
{
	uint8_t spis[16], nport[2] = { (uint8_t)(port >> 8), (uint8_t)port };
	struct ike_iov iov[3] = {
		{ spis, sizeof(spis) }, { ip, ip_len },
		{ nport, sizeof(nport) },
	};

	if (ip_len != 4 && ip_len != 16)
		return (-1);
	put_be64(spis, spi_i);
	put_be64(spis + 8, spi_r);
	return (digest_iov("SHA1", iov, 3, out, 20));
}
