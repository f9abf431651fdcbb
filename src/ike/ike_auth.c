/*
 * ike_auth.c - the AUTH payload (RFC 7296 2.15, 3.8): the signed octets,
 * the shared-key MAC, RFC 7427 Digital Signature AUTH data (method 14:
 * RSA PKCS#1 v1.5 and ECDSA with SHA-256/384/512), and the verification
 * of methods 1 (RSA, SHA-1), 9/10/11 (ECDSA, RFC 4754) and 14 (those,
 * and RSASSA-PSS) against a peer certificate checked by ike_cert.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#include "ike_crypto_int.h"

/* "Key Pad for IKEv2", 17 ASCII characters without null (2.15). */
static const char key_pad[] = "Key Pad for IKEv2";
#define KEY_PAD_LEN	(sizeof(key_pad) - 1)

uint8_t *
ike_signed_octets_build(const struct ike_signed_octets *so, size_t *len)
{
	size_t prf_len = ike_prf_len(so->prf);
	uint8_t *buf;

	if (prf_len == 0 || so->msg == NULL || so->nonce == NULL ||
	    so->sk_p == NULL || so->msg_len > IKE_MSG_MAX ||
	    so->nonce_len > IKE_NONCE_MAX || so->id_body_len > IKE_MSG_MAX ||
	    (buf = malloc(so->msg_len + so->nonce_len + prf_len)) == NULL)
		return (NULL);
	/* RealMessage | Nonce | prf(SK_p, RestOfIDPayload) */
	memcpy(buf, so->msg, so->msg_len);
	memcpy(buf + so->msg_len, so->nonce, so->nonce_len);
	if (ike_prf(so->prf, so->sk_p, so->sk_p_len, so->id_body,
	    so->id_body_len, buf + so->msg_len + so->nonce_len) != 0) {
		ike_wipe(buf, so->msg_len + so->nonce_len + prf_len);
		free(buf);
		return (NULL);
	}
	*len = so->msg_len + so->nonce_len + prf_len;
	return (buf);
}

static void
free_octets(uint8_t *octets, size_t len)
{
	if (octets != NULL) {
		ike_wipe(octets, len);
		free(octets);
	}
}

/* ---- Shared key (2.15) ---- */

int
ike_auth_psk(const struct ike_signed_octets *so, const uint8_t *psk,
    size_t psk_len, uint8_t *out, size_t cap, size_t *out_len)
{
	uint8_t padded[IKE_PRF_MAX];
	size_t prf_len = ike_prf_len(so->prf), octets_len = 0;
	uint8_t *octets;
	int rc = -1;

	if (prf_len == 0 || cap < prf_len || psk_len == 0)
		return (-1);
	if ((octets = ike_signed_octets_build(so, &octets_len)) == NULL)
		return (-1);
	/* AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), <octets>) */
	if (ike_prf(so->prf, psk, psk_len, (const uint8_t *)key_pad,
	    KEY_PAD_LEN, padded) == 0 &&
	    ike_prf(so->prf, padded, prf_len, octets, octets_len, out) == 0) {
		*out_len = prf_len;
		rc = 0;
	}
	ike_wipe(padded, sizeof(padded));
	free_octets(octets, octets_len);
	return (rc);
}

bool
ike_auth_psk_verify(const struct ike_signed_octets *so, const uint8_t *psk,
    size_t psk_len, const uint8_t *auth, size_t auth_len)
{
	uint8_t want[IKE_PRF_MAX];
	size_t want_len = 0;
	bool ok;

	ok = ike_auth_psk(so, psk, psk_len, want, sizeof(want),
	    &want_len) == 0 && auth_len == want_len &&
	    ike_ct_equal(want, auth, want_len);
	ike_wipe(want, sizeof(want));
	return (ok);
}

/* ---- RFC 7427 signature algorithms (appendix A) ---- */

struct sig_alg {
	uint8_t		 hash;		/* enum ike_hash */
	const char	*md;
	const char	*key_type;	/* "RSA" or "EC" */
	const uint8_t	*algid;		/* DER AlgorithmIdentifier */
	uint8_t		 algid_len;
};

/* A.1.2-A.1.4: sha{256,384,512}WithRSAEncryption, NULL parameters. */
static const uint8_t rsa_sha256[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86,
	0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00 };
static const uint8_t rsa_sha384[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86,
	0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c, 0x05, 0x00 };
static const uint8_t rsa_sha512[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86,
	0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d, 0x05, 0x00 };
/* A.3.1-A.3.3: ecdsa-with-SHA{256,384,512}, no parameters. */
static const uint8_t ecdsa_sha256[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
	0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 };
static const uint8_t ecdsa_sha384[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
	0x48, 0xce, 0x3d, 0x04, 0x03, 0x03 };
static const uint8_t ecdsa_sha512[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
	0x48, 0xce, 0x3d, 0x04, 0x03, 0x04 };

#define ALG(h, md, kt, a)	{ h, md, kt, a, sizeof(a) }
static const struct sig_alg sig_algs[] = {	/* strongest first */
	ALG(IKE_HASH_SHA2_512, "SHA512", "RSA", rsa_sha512),
	ALG(IKE_HASH_SHA2_384, "SHA384", "RSA", rsa_sha384),
	ALG(IKE_HASH_SHA2_256, "SHA256", "RSA", rsa_sha256),
	ALG(IKE_HASH_SHA2_512, "SHA512", "EC", ecdsa_sha512),
	ALG(IKE_HASH_SHA2_384, "SHA384", "EC", ecdsa_sha384),
	ALG(IKE_HASH_SHA2_256, "SHA256", "EC", ecdsa_sha256),
};
#define N_SIG_ALGS	(sizeof(sig_algs) / sizeof(sig_algs[0]))

/* The strongest algorithm for our key that the peer can verify. */
static const struct sig_alg *
sig_alg_for_key(const EVP_PKEY *key, uint32_t peer_hashes)
{
	size_t i;

	for (i = 0; i < N_SIG_ALGS; i++)
		if (EVP_PKEY_is_a(key, sig_algs[i].key_type) &&
		    (peer_hashes & (1u << sig_algs[i].hash)) != 0)
			return (&sig_algs[i]);
	return (NULL);
}

static const struct sig_alg *
sig_alg_by_algid(const uint8_t *algid, size_t len)
{
	size_t i;

	for (i = 0; i < N_SIG_ALGS; i++)
		if (sig_algs[i].algid_len == len &&
		    memcmp(sig_algs[i].algid, algid, len) == 0)
			return (&sig_algs[i]);
	return (NULL);
}

int
ike_auth_sign(const struct ike_privkey *key,
    const struct ike_signed_octets *so, uint32_t peer_hashes, uint8_t *out,
    size_t cap, size_t *out_len)
{
	const struct sig_alg *alg;
	EVP_MD_CTX *mctx = NULL;
	uint8_t *octets = NULL;
	size_t octets_len = 0, sig_len, head;
	int rc = -1;

	if (key == NULL || (alg = sig_alg_for_key(key->pkey, peer_hashes)) ==
	    NULL)
		return (-1);
	head = 1 + (size_t)alg->algid_len;
	if (cap <= head ||
	    (octets = ike_signed_octets_build(so, &octets_len)) == NULL ||
	    (mctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit_ex(mctx, NULL, alg->md, NULL, NULL, key->pkey,
	    NULL) != 1 ||
	    EVP_DigestSign(mctx, NULL, &sig_len, octets, octets_len) != 1 ||
	    sig_len > cap - head)
		goto done;
	/* RFC 7427 3: ASN.1 Length | AlgorithmIdentifier | Signature */
	out[0] = alg->algid_len;
	memcpy(out + 1, alg->algid, alg->algid_len);
	if (EVP_DigestSign(mctx, out + head, &sig_len, octets, octets_len) !=
	    1)
		goto done;
	*out_len = head + sig_len;
	rc = 0;
done:
	EVP_MD_CTX_free(mctx);
	free_octets(octets, octets_len);
	ERR_clear_error();
	return (rc);
}

/* RFC 4754 7: r | s, each the size of the group order, as DER. */
static int
ecdsa_raw_to_der(const uint8_t *raw, size_t raw_len, size_t half,
    uint8_t **der, size_t *der_len)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, (int)half, NULL);
	BIGNUM *s = BN_bin2bn(raw + half, (int)half, NULL);
	int len;

	*der = NULL;
	if (raw_len != 2 * half || sig == NULL || r == NULL || s == NULL ||
	    ECDSA_SIG_set0(sig, r, s) != 1) {
		ECDSA_SIG_free(sig);
		BN_free(r);
		BN_free(s);
		return (-1);
	}
	len = i2d_ECDSA_SIG(sig, der);
	ECDSA_SIG_free(sig);
	if (len <= 0)
		return (-1);
	*der_len = (size_t)len;
	return (0);
}

/*
 * RSASSA-PSS (RFC 7427 A.4.3, RFC 4055 3.1): id-RSASSA-PSS with SHA-256,
 * -384 or -512 as hash and MGF1 hash, a salt the hash's length, with or
 * without the default trailerField.  Built here and compared whole; *md
 * and *salt say which matched.
 */
static const uint8_t pss_oid[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
	0xf7, 0x0d, 0x01, 0x01, 0x0a };
static const uint8_t mgf1_oid[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
	0xf7, 0x0d, 0x01, 0x01, 0x08 };

static size_t
pss_algid(uint8_t sha2_arc, uint8_t salt, bool trailer, uint8_t *out)
{
	const uint8_t hash_alg[15] = { 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86,
	    0x48, 0x01, 0x65, 0x03, 0x04, 0x02, sha2_arc, 0x05, 0x00 };
	uint8_t params_len = (uint8_t)(17 + 30 + 5 + (trailer ? 5 : 0));
	size_t n = 0;

	out[n++] = 0x30;
	out[n++] = (uint8_t)(sizeof(pss_oid) + 2 + params_len);
	memcpy(out + n, pss_oid, sizeof(pss_oid));
	n += sizeof(pss_oid);
	out[n++] = 0x30;
	out[n++] = params_len;
	out[n++] = 0xa0;			/* [0] hashAlgorithm */
	out[n++] = sizeof(hash_alg);
	memcpy(out + n, hash_alg, sizeof(hash_alg));
	n += sizeof(hash_alg);
	out[n++] = 0xa1;			/* [1] maskGenAlgorithm */
	out[n++] = 28;
	out[n++] = 0x30;
	out[n++] = 26;
	memcpy(out + n, mgf1_oid, sizeof(mgf1_oid));
	n += sizeof(mgf1_oid);
	memcpy(out + n, hash_alg, sizeof(hash_alg));
	n += sizeof(hash_alg);
	out[n++] = 0xa2;			/* [2] saltLength */
	out[n++] = 3;
	out[n++] = 0x02;
	out[n++] = 1;
	out[n++] = salt;
	if (trailer) {				/* [3] trailerField 1 */
		memcpy(out + n, "\xa3\x03\x02\x01\x01", 5);
		n += 5;
	}
	return (n);
}

static bool
pss_match(const uint8_t *algid, size_t len, const char **md, int *salt)
{
	static const struct {
		uint8_t arc, salt;
		const char *md;
	} h[] = {
		{ 1, 32, "SHA256" }, { 2, 48, "SHA384" }, { 3, 64, "SHA512" },
	};
	uint8_t want[96];
	size_t i, n;
	int trailer;

	for (i = 0; i < sizeof(h) / sizeof(h[0]); i++)
		for (trailer = 0; trailer < 2; trailer++) {
			n = pss_algid(h[i].arc, h[i].salt, trailer, want);
			if (n == len && memcmp(want, algid, n) == 0) {
				*md = h[i].md;
				*salt = h[i].salt;
				return (true);
			}
		}
	return (false);
}

/* pss_salt 0: PKCS#1 v1.5 or ECDSA, as the key says; else RSASSA-PSS
 * with MGF1 over the same hash. */
static int
verify_with_pad(EVP_PKEY *pub, const char *md, int pss_salt,
    const uint8_t *octets, size_t octets_len, const uint8_t *sig,
    size_t sig_len)
{
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int rc = -1;

	if (mctx == NULL ||
	    EVP_DigestVerifyInit_ex(mctx, &pctx, md, NULL, NULL, pub, NULL) !=
	    1)
		goto done;
	if (pss_salt > 0 &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, pss_salt) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, md, NULL) <= 0))
		goto done;
	if (EVP_DigestVerify(mctx, sig, sig_len, octets, octets_len) == 1)
		rc = 0;
done:
	EVP_MD_CTX_free(mctx);
	return (rc);
}

static int
verify_with(EVP_PKEY *pub, const char *md, const uint8_t *octets,
    size_t octets_len, const uint8_t *sig, size_t sig_len)
{
	return (verify_with_pad(pub, md, 0, octets, octets_len, sig,
	    sig_len));
}

/* Method 9/10/11: the curve the method names, its hash, r | s. */
static int
verify_ecdsa_method(EVP_PKEY *pub, uint8_t method, const uint8_t *octets,
    size_t octets_len, const uint8_t *auth, size_t auth_len)
{
	static const struct {
		uint8_t method;
		const char *curve, *md;
		size_t half;
	} m[] = {
		{ IKE_AUTH_ECDSA_256, "P-256", "SHA256", 32 },
		{ IKE_AUTH_ECDSA_384, "P-384", "SHA384", 48 },
		{ IKE_AUTH_ECDSA_521, "P-521", "SHA512", 66 },
	};
	char curve[32];
	uint8_t *der = NULL;
	size_t i, der_len = 0;
	int rc = -1;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (m[i].method == method)
			break;
	if (i == sizeof(m) / sizeof(m[0]) || !EVP_PKEY_is_a(pub, "EC") ||
	    EVP_PKEY_get_group_name(pub, curve, sizeof(curve), NULL) != 1 ||
	    OBJ_txt2nid(curve) != EC_curve_nist2nid(m[i].curve))
		return (-1);	/* "prime256v1" is NIST "P-256" */
	if (ecdsa_raw_to_der(auth, auth_len, m[i].half, &der, &der_len) == 0)
		rc = verify_with(pub, m[i].md, octets, octets_len, der,
		    der_len);
	OPENSSL_free(der);
	return (rc);
}

static int
verify_method(EVP_PKEY *pub, uint8_t method, const uint8_t *octets,
    size_t octets_len, const uint8_t *auth, size_t auth_len)
{
	const struct sig_alg *alg;
	const char *md;
	size_t head;
	int salt;

	switch (method) {
	case IKE_AUTH_RSA_SIG:		/* PKCS#1 v1.5 with SHA-1 (3.8) */
		if (!EVP_PKEY_is_a(pub, "RSA"))
			return (-1);
		return (verify_with(pub, "SHA1", octets, octets_len, auth,
		    auth_len));
	case IKE_AUTH_ECDSA_256:
	case IKE_AUTH_ECDSA_384:
	case IKE_AUTH_ECDSA_521:
		return (verify_ecdsa_method(pub, method, octets, octets_len,
		    auth, auth_len));
	case IKE_AUTH_DIGITAL_SIG:	/* RFC 7427 3 */
		if (auth_len < 1 || (head = 1 + (size_t)auth[0]) >= auth_len)
			return (-1);
		if (pss_match(auth + 1, auth[0], &md, &salt))
			return (EVP_PKEY_is_a(pub, "RSA") ||
			    EVP_PKEY_is_a(pub, "RSA-PSS") ?
			    verify_with_pad(pub, md, salt, octets, octets_len,
			    auth + head, auth_len - head) : -1);
		if ((alg = sig_alg_by_algid(auth + 1, auth[0])) == NULL ||
		    !EVP_PKEY_is_a(pub, alg->key_type))
			return (-1);
		return (verify_with(pub, alg->md, octets, octets_len,
		    auth + head, auth_len - head));
	default:
		return (-1);
	}
}

int
ike_auth_verify_cert(const struct ike_trust *trust, const uint8_t *cert_der,
    size_t cert_len, const struct ike_id *id,
    const struct ike_signed_octets *so, uint8_t method, const uint8_t *auth,
    size_t auth_len, char *err, size_t errlen)
{
	X509 *cert;
	EVP_PKEY *pub;
	uint8_t *octets;
	size_t octets_len = 0;
	int rc = -1;

	if ((cert = ike_cert_check(trust, cert_der, cert_len, id, err,
	    errlen)) == NULL)
		return (-1);
	if ((pub = X509_get0_pubkey(cert)) == NULL ||
	    (octets = ike_signed_octets_build(so, &octets_len)) == NULL) {
		X509_free(cert);
		return (ike_crypto_err(err, errlen, "AUTH: no public key"));
	}
	rc = verify_method(pub, method, octets, octets_len, auth, auth_len);
	free_octets(octets, octets_len);
	X509_free(cert);
	if (rc != 0)
		return (ike_crypto_err(err, errlen,
		    "AUTH: signature does not verify"));
	ERR_clear_error();
	return (0);
}
