/*
 * test_ike_cert.c - certificates and signature AUTH (ike_crypto.h) with
 * the test PKI of data/ike_certs (made by data/make_ike_certs.sh with the
 * openssl CLI): loading keys and certificates (PEM and DER), RFC 7427
 * sign / verify round trips for RSA, ECDSA P-256 and P-384 at each hash,
 * the AlgorithmIdentifiers of RFC 7427 appendix A, RSASSA-PSS (A.4.3,
 * verified; signed here with OpenSSL), methods 1 and 9/10,
 * identity matching (DN, FQDN, RFC822, IPv4, IPv6), and the refusals:
 * wrong CA, expired, wrong ID, tampered signature or octets, wrong method;
 * and the real RFC 7427 AUTH of two strongSwan 5.9.8 charons with
 * certificates of this PKI (data/ike_vectors.h, case ecp256_cert: A signs
 * with RSA PKCS#1 v1.5 SHA-256, B with ECDSA P-256 SHA-256; A's IKE_AUTH
 * came in two RFC 7383 fragments).
 */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "unit.h"
#include "ike/ike_crypto.h"
#include "data/ike_vectors.h"
#include "data/ike_vectors_open.h"

static char cert_dir[PATH_MAX];

/* data/ike_certs from the top of the tree (where make runs tests), or
 * from the test binary, BUILD/tests/unit/test_ike_cert. */
static const char *
path(const char *name)
{
	static char buf[PATH_MAX + 64];
	char exe[PATH_MAX];
	ssize_t n;

	if (cert_dir[0] == '\0') {
		snprintf(cert_dir, sizeof(cert_dir), "tests/unit/data/ike_certs");
		if (access(cert_dir, R_OK) != 0 &&
		    (n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
			exe[n] = '\0';
			snprintf(cert_dir, sizeof(cert_dir),
			    "%.3900s/../../../tests/unit/data/ike_certs",
			    dirname(exe));
		}
	}
	snprintf(buf, sizeof(buf), "%s/%s", cert_dir, name);
	return (buf);
}

struct der {
	uint8_t	p[4096];
	size_t	len;
};

static void
load_cert(const char *name, struct der *d)
{
	char err[256] = "";

	ck_assert_msg(ike_cert_load(path(name), d->p, sizeof(d->p), &d->len,
	    err, sizeof(err)) == 0, "%s: %s", name, err);
}

static struct ike_privkey *
load_key(const char *name)
{
	char err[256] = "";
	struct ike_privkey *k = ike_privkey_load(path(name), err, sizeof(err));

	ck_assert_msg(k != NULL, "%s: %s", name, err);
	return (k);
}

static struct ike_trust *
load_trust(const char *a, const char *b)
{
	char pa[PATH_MAX + 64], pb[PATH_MAX + 64], err[256] = "";
	const char *paths[2] = { pa, pb };
	struct ike_trust *t;

	snprintf(pa, sizeof(pa), "%s", path(a));
	if (b != NULL)
		snprintf(pb, sizeof(pb), "%s", path(b));
	t = ike_trust_load(paths, b != NULL ? 2 : 1, err, sizeof(err));
	ck_assert_msg(t != NULL, "trust: %s", err);
	return (t);
}

static void
id_set(struct ike_id *id, uint8_t type, const void *data, size_t len)
{
	memset(id, 0, sizeof(*id));
	id->type = type;
	id->len = (uint16_t)len;
	memcpy(id->data, data, len);
}

static void
id_fqdn(struct ike_id *id, const char *name)
{
	id_set(id, IKE_ID_FQDN, name, strlen(name));
}

/* Signed octets of a made-up exchange: message, nonce, SK_p, ID body. */
static uint8_t so_msg[300], so_nonce[32], so_skp[32], so_id[40];

static void
so_init(struct ike_signed_octets *so)
{
	size_t i;

	for (i = 0; i < sizeof(so_msg); i++)
		so_msg[i] = (uint8_t)i;
	memset(so_nonce, 0x4e, sizeof(so_nonce));
	memset(so_skp, 0x70, sizeof(so_skp));
	memset(so_id, 0x1d, sizeof(so_id));
	memset(so, 0, sizeof(*so));
	so->prf = IKE_PRF_HMAC_SHA2_256;
	so->msg = so_msg;
	so->msg_len = sizeof(so_msg);
	so->nonce = so_nonce;
	so->nonce_len = sizeof(so_nonce);
	so->sk_p = so_skp;
	so->sk_p_len = sizeof(so_skp);
	so->id_body = so_id;
	so->id_body_len = sizeof(so_id);
}

/* The same octets built here: msg | nonce | prf(SK_p, ID body). */
static size_t
so_octets(uint8_t *out)
{
	memcpy(out, so_msg, sizeof(so_msg));
	memcpy(out + sizeof(so_msg), so_nonce, sizeof(so_nonce));
	ck_assert_int_eq(ike_prf(IKE_PRF_HMAC_SHA2_256, so_skp,
	    sizeof(so_skp), so_id, sizeof(so_id), out + sizeof(so_msg) +
	    sizeof(so_nonce)), 0);
	return (sizeof(so_msg) + sizeof(so_nonce) + 32);
}

#define H(h)	(1u << (h))
#define ALL_SHA2 (H(IKE_HASH_SHA2_256) | H(IKE_HASH_SHA2_384) | \
		  H(IKE_HASH_SHA2_512))

/* RFC 7427 appendix A: the AlgorithmIdentifiers, by key and hash. */
static const uint8_t rsa_oid_prefix[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a,
	0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01 };	/* 1.2.840.113549.1.1 */
static const uint8_t ecdsa_oid_prefix[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a,
	0x86, 0x48, 0xce, 0x3d, 0x04, 0x03 };		/* 1.2.840.10045.4.3 */

struct sig_case {
	const char	*key, *cert, *fqdn;
	bool		 rsa;
	uint32_t	 hashes;
	uint8_t		 last;	/* last OID arc: RSA 11/12/13, ECDSA 2/3/4 */
};
static const struct sig_case sig_cases[] = {
	{ "rsa.key", "rsa.crt", "rsa.espvis.test", true, ALL_SHA2, 0x0d },
	{ "rsa.key", "rsa.crt", "rsa.espvis.test", true,
	  H(IKE_HASH_SHA2_256) | H(IKE_HASH_SHA1), 0x0b },
	{ "rsa.key", "rsa.crt", "rsa.espvis.test", true,
	  H(IKE_HASH_SHA2_384), 0x0c },
	{ "ec256.key.der", "ec256.crt", "ec.espvis.test", false,
	  H(IKE_HASH_SHA2_256), 0x02 },
	{ "ec256.key", "ec256.crt", "ec.espvis.test", false, ALL_SHA2, 0x04 },
	{ "ec384.key", "ec384.crt", "ec384.espvis.test", false,
	  H(IKE_HASH_SHA2_384) | H(IKE_HASH_SHA2_256), 0x03 },
};

START_TEST(test_sign_verify_round_trip)
{
	const struct sig_case *c = &sig_cases[_i];
	struct ike_privkey *key = load_key(c->key);
	struct ike_trust *trust = load_trust("ca.crt", NULL);
	struct ike_signed_octets so;
	struct der cert;
	struct ike_id id;
	uint8_t auth[1024], bad[1024];
	size_t len, alg_len;
	char err[256];

	load_cert(c->cert, &cert);
	id_fqdn(&id, c->fqdn);
	so_init(&so);
	ck_assert_int_eq(ike_auth_sign(key, &so, c->hashes, auth, sizeof(auth),
	    &len), 0);
	/* ASN.1 length | AlgorithmIdentifier | signature (RFC 7427 3) */
	alg_len = c->rsa ? 15 : 12;
	ck_assert_uint_eq(auth[0], alg_len);
	ck_assert_mem_eq(auth + 1, c->rsa ? rsa_oid_prefix : ecdsa_oid_prefix,
	    c->rsa ? sizeof(rsa_oid_prefix) : sizeof(ecdsa_oid_prefix));
	ck_assert_uint_eq(auth[1 + (c->rsa ? 12 : 11)], c->last);
	if (c->rsa)
		ck_assert_mem_eq(auth + 14, "\x05\x00", 2);	/* NULL */
	ck_assert_msg(ike_auth_verify_cert(trust, cert.p, cert.len, &id, &so,
	    IKE_AUTH_DIGITAL_SIG, auth, len, err, sizeof(err)) == 0, "%s",
	    err);

	/* one flipped bit in the signature, in the AlgorithmIdentifier */
	memcpy(bad, auth, len);
	bad[len - 3] ^= 0x10;
	ck_assert_int_eq(ike_auth_verify_cert(trust, cert.p, cert.len, &id,
	    &so, IKE_AUTH_DIGITAL_SIG, bad, len, err, sizeof(err)), -1);
	memcpy(bad, auth, len);
	bad[alg_len] ^= 0x07;		/* another hash */
	ck_assert_int_eq(ike_auth_verify_cert(trust, cert.p, cert.len, &id,
	    &so, IKE_AUTH_DIGITAL_SIG, bad, len, err, sizeof(err)), -1);
	/* other octets: the peer's nonce, the ID, SK_p */
	so_nonce[0] ^= 1;
	ck_assert_int_eq(ike_auth_verify_cert(trust, cert.p, cert.len, &id,
	    &so, IKE_AUTH_DIGITAL_SIG, auth, len, err, sizeof(err)), -1);
	so_nonce[0] ^= 1;
	so_skp[5] ^= 1;
	ck_assert_int_eq(ike_auth_verify_cert(trust, cert.p, cert.len, &id,
	    &so, IKE_AUTH_DIGITAL_SIG, auth, len, err, sizeof(err)), -1);
	so_skp[5] ^= 1;
	/* the wrong method, a truncated AUTH */
	ck_assert_int_eq(ike_auth_verify_cert(trust, cert.p, cert.len, &id,
	    &so, c->rsa ? IKE_AUTH_ECDSA_256 : IKE_AUTH_RSA_SIG, auth, len,
	    err, sizeof(err)), -1);
	ck_assert_int_eq(ike_auth_verify_cert(trust, cert.p, cert.len, &id,
	    &so, IKE_AUTH_DIGITAL_SIG, auth, alg_len + 1, err, sizeof(err)),
	    -1);
	ck_assert_int_eq(ike_auth_verify_cert(trust, cert.p, cert.len, &id,
	    &so, IKE_AUTH_PSK, auth, len, err, sizeof(err)), -1);
	/* no room */
	ck_assert_int_eq(ike_auth_sign(key, &so, c->hashes, auth, 40, &len),
	    -1);
	ike_privkey_free(key);
	ike_trust_free(trust);
}
END_TEST

START_TEST(test_sign_needs_a_peer_hash)
{
	struct ike_privkey *key = load_key("ec256.key");
	struct ike_signed_octets so;
	uint8_t auth[512];
	size_t len;

	so_init(&so);
	ck_assert_int_eq(ike_auth_sign(key, &so, 0, auth, sizeof(auth), &len),
	    -1);
	ck_assert_int_eq(ike_auth_sign(key, &so, H(IKE_HASH_SHA1), auth,
	    sizeof(auth), &len), -1);
	ike_privkey_free(key);
}
END_TEST

/* RFC 4754: method 9/10 AUTH is r | s; DER from method 14, re-encoded. */
static size_t
ecdsa_der_to_raw(const uint8_t *der, size_t der_len, size_t half,
    uint8_t *raw)
{
	const uint8_t *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	const BIGNUM *r, *s;

	ck_assert_ptr_nonnull(sig);
	ECDSA_SIG_get0(sig, &r, &s);
	ck_assert_int_eq(BN_bn2binpad(r, raw, (int)half), (int)half);
	ck_assert_int_eq(BN_bn2binpad(s, raw + half, (int)half), (int)half);
	ECDSA_SIG_free(sig);
	return (2 * half);
}

START_TEST(test_ecdsa_methods_9_10)
{
	static const struct {
		const char *key, *cert, *fqdn;
		uint8_t method, other;
		uint32_t hash;
		size_t half;
	} m[] = {
		{ "ec256.key", "ec256.crt", "ec.espvis.test",
		  IKE_AUTH_ECDSA_256, IKE_AUTH_ECDSA_384,
		  H(IKE_HASH_SHA2_256), 32 },
		{ "ec384.key", "ec384.crt", "ec384.espvis.test",
		  IKE_AUTH_ECDSA_384, IKE_AUTH_ECDSA_256,
		  H(IKE_HASH_SHA2_384), 48 },
	};
	struct ike_trust *trust = load_trust("ca.crt", NULL);
	struct ike_privkey *key = load_key(m[_i].key);
	struct ike_signed_octets so;
	uint8_t auth[512], raw[128];
	struct der cert;
	struct ike_id id;
	size_t len, raw_len;
	char err[256];

	load_cert(m[_i].cert, &cert);
	id_fqdn(&id, m[_i].fqdn);
	so_init(&so);
	ck_assert_int_eq(ike_auth_sign(key, &so, m[_i].hash, auth,
	    sizeof(auth), &len), 0);
	raw_len = ecdsa_der_to_raw(auth + 1 + auth[0], len - 1 - auth[0],
	    m[_i].half, raw);
	ck_assert_msg(ike_auth_verify_cert(trust, cert.p, cert.len, &id, &so,
	    m[_i].method, raw, raw_len, err, sizeof(err)) == 0, "%s", err);
	/* the other curve's method, a short r | s, a flipped bit */
	ck_assert_int_eq(ike_auth_verify_cert(trust, cert.p, cert.len, &id,
	    &so, m[_i].other, raw, raw_len, err, sizeof(err)), -1);
	ck_assert_int_eq(ike_auth_verify_cert(trust, cert.p, cert.len, &id,
	    &so, m[_i].method, raw, raw_len - 1, err, sizeof(err)), -1);
	raw[3] ^= 0x80;
	ck_assert_int_eq(ike_auth_verify_cert(trust, cert.p, cert.len, &id,
	    &so, m[_i].method, raw, raw_len, err, sizeof(err)), -1);
	ike_privkey_free(key);
	ike_trust_free(trust);
}
END_TEST

/* Method 1: RSA PKCS#1 v1.5 with SHA-1 over the octets (RFC 7296 3.8),
 * signed here with OpenSSL directly from the key file. */
START_TEST(test_rsa_method_1)
{
	struct ike_trust *trust = load_trust("ca.crt", NULL);
	struct ike_signed_octets so;
	uint8_t octets[512], sig[512];
	size_t octets_len, sig_len = sizeof(sig);
	struct der cert;
	struct ike_id id;
	EVP_PKEY *pkey = NULL;
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	FILE *f = fopen(path("rsa.key"), "r");
	char err[256];

	ck_assert_ptr_nonnull(f);
	pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	ck_assert_ptr_nonnull(pkey);
	fclose(f);
	so_init(&so);
	octets_len = so_octets(octets);
	ck_assert_int_eq(EVP_DigestSignInit_ex(mctx, NULL, "SHA1", NULL, NULL,
	    pkey, NULL), 1);
	ck_assert_int_eq(EVP_DigestSign(mctx, sig, &sig_len, octets,
	    octets_len), 1);
	load_cert("rsa.crt", &cert);
	id_set(&id, IKE_ID_IPV4_ADDR, "\x0a\x4d\x00\x01", 4);
	ck_assert_msg(ike_auth_verify_cert(trust, cert.p, cert.len, &id, &so,
	    IKE_AUTH_RSA_SIG, sig, sig_len, err, sizeof(err)) == 0, "%s", err);
	sig[0] ^= 1;
	ck_assert_int_eq(ike_auth_verify_cert(trust, cert.p, cert.len, &id,
	    &so, IKE_AUTH_RSA_SIG, sig, sig_len, err, sizeof(err)), -1);
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_free(pkey);
	ike_trust_free(trust);
}
END_TEST

/* RFC 7427 A.4.3, RSASSA-PSS with SHA-256, byte for byte. */
static const uint8_t pss_sha256_algid[72] = {
	0x30, 0x46, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,
	0x0a, 0x30, 0x39, 0xa0, 0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48,
	0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0xa1, 0x1c, 0x30, 0x1a,
	0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08, 0x30,
	0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
	0x05, 0x00, 0xa2, 0x03, 0x02, 0x01, 0x20, 0xa3, 0x03, 0x02, 0x01, 0x01,
};

/* An RSASSA-PSS signature of the octets, made here with OpenSSL. */
static size_t
pss_sign(const char *md, int salt, uint8_t *sig, size_t cap)
{
	uint8_t octets[512];
	size_t octets_len = so_octets(octets), len = cap;
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	EVP_PKEY *pkey;
	FILE *f = fopen(path("rsa.key"), "r");

	ck_assert_ptr_nonnull(f);
	pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	ck_assert_ptr_nonnull(pkey);
	ck_assert_int_eq(EVP_DigestSignInit_ex(mctx, &pctx, md, NULL, NULL,
	    pkey, NULL), 1);
	ck_assert_int_gt(EVP_PKEY_CTX_set_rsa_padding(pctx,
	    RSA_PKCS1_PSS_PADDING), 0);
	ck_assert_int_gt(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt), 0);
	ck_assert_int_gt(EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, md, NULL), 0);
	ck_assert_int_eq(EVP_DigestSign(mctx, sig, &len, octets, octets_len),
	    1);
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_free(pkey);
	return (len);
}

START_TEST(test_rsa_pss)
{
	struct ike_trust *trust = load_trust("ca.crt", NULL);
	struct ike_signed_octets so;
	uint8_t auth[1024], algid[80];
	size_t len, sig_len;
	struct der cert;
	struct ike_id id;
	char err[256];

#define VERIFY(want) ck_assert_int_eq(ike_auth_verify_cert(trust, cert.p, \
	    cert.len, &id, &so, IKE_AUTH_DIGITAL_SIG, auth, len, err,	    \
	    sizeof(err)), (want))

	load_cert("rsa.crt", &cert);
	id_fqdn(&id, "rsa.espvis.test");
	so_init(&so);
	/* A.4.3 as printed: SHA-256, MGF1-SHA-256, salt 32, trailerField */
	auth[0] = sizeof(pss_sha256_algid);
	memcpy(auth + 1, pss_sha256_algid, sizeof(pss_sha256_algid));
	sig_len = pss_sign("SHA256", 32, auth + 73, sizeof(auth) - 73);
	len = 73 + sig_len;
	VERIFY(0);
	/* the same without the default trailerField (DER leaves it out) */
	memcpy(algid, pss_sha256_algid, 67);
	algid[1] = 0x41;
	algid[14] = 0x34;
	auth[0] = 67;
	memcpy(auth + 1, algid, 67);
	memmove(auth + 68, auth + 73, sig_len);
	len = 68 + sig_len;
	VERIFY(0);
	/* another salt length than the AlgorithmIdentifier says */
	sig_len = pss_sign("SHA256", 20, auth + 68, sizeof(auth) - 68);
	VERIFY(-1);
	/* SHA-384: arcs 02, salt 48 */
	algid[29] = 0x02;
	algid[59] = 0x02;
	algid[66] = 48;
	memcpy(auth + 1, algid, 67);
	sig_len = pss_sign("SHA384", 48, auth + 68, sizeof(auth) - 68);
	len = 68 + sig_len;
	VERIFY(0);
	/* a PSS signature under a PKCS#1 v1.5 identifier */
	auth[0] = 15;
	memcpy(auth + 1, rsa_oid_prefix, sizeof(rsa_oid_prefix));
	memcpy(auth + 13, "\x0c\x05\x00", 3);
	memmove(auth + 16, auth + 68, sig_len);
	len = 16 + sig_len;
	VERIFY(-1);
#undef VERIFY
	ike_trust_free(trust);
}
END_TEST

/* Identities against rsa.crt: SAN DNS:rsa.espvis.test,
 * email:rsa@espvis.test, IP:10.77.0.1, IP:fd00::1. */
START_TEST(test_identity_matching)
{
	static const uint8_t v6[16] = { 0xfd, [15] = 1 };
	static const uint8_t v6_other[16] = { 0xfd, [15] = 2 };
	struct ike_trust *trust = load_trust("ca.crt", NULL);
	struct ike_privkey *key = load_key("rsa.key");
	struct ike_signed_octets so;
	struct der cert, ec_cert;
	struct ike_id id;
	uint8_t auth[1024];
	size_t len;
	char err[256];

#define VERIFY(want) ck_assert_int_eq(ike_auth_verify_cert(trust, cert.p, \
	    cert.len, &id, &so, IKE_AUTH_DIGITAL_SIG, auth, len, err,	    \
	    sizeof(err)), (want))

	load_cert("rsa.crt", &cert);
	load_cert("ec256.crt", &ec_cert);
	so_init(&so);
	ck_assert_int_eq(ike_auth_sign(key, &so, ALL_SHA2, auth, sizeof(auth),
	    &len), 0);
	ck_assert_int_eq(ike_cert_subject_id(cert.p, cert.len, &id), 0);
	ck_assert_uint_eq(id.type, IKE_ID_DER_ASN1_DN);
	VERIFY(0);
	ck_assert_int_eq(ike_cert_subject_id(ec_cert.p, ec_cert.len, &id), 0);
	VERIFY(-1);			/* another subject */
	ck_assert_ptr_nonnull(strstr(err, "identity"));
	id_fqdn(&id, "rsa.espvis.test");
	VERIFY(0);
	id_fqdn(&id, "ec.espvis.test");
	VERIFY(-1);
	id_fqdn(&id, "espvis.test");
	VERIFY(-1);
	id_set(&id, IKE_ID_FQDN, "rsa.espvis.test\0x", 17);
	VERIFY(-1);
	id_set(&id, IKE_ID_RFC822_ADDR, "rsa@espvis.test", 15);
	VERIFY(0);
	id_set(&id, IKE_ID_RFC822_ADDR, "ec@espvis.test", 14);
	VERIFY(-1);
	id_set(&id, IKE_ID_IPV4_ADDR, "\x0a\x4d\x00\x01", 4);
	VERIFY(0);
	id_set(&id, IKE_ID_IPV4_ADDR, "\x0a\x4d\x00\x02", 4);
	VERIFY(-1);
	id_set(&id, IKE_ID_IPV6_ADDR, v6, 16);
	VERIFY(0);
	id_set(&id, IKE_ID_IPV6_ADDR, v6_other, 16);
	VERIFY(-1);
	id_set(&id, IKE_ID_IPV6_ADDR, v6, 4);
	VERIFY(-1);
	id_set(&id, IKE_ID_KEY_ID, "rsa", 3);
	VERIFY(-1);
	/* the FQDN type carrying an address, the DN type carrying junk */
	id_set(&id, IKE_ID_FQDN, "10.77.0.1", 9);
	VERIFY(-1);
	id_set(&id, IKE_ID_DER_ASN1_DN, "\x30\x03\x31\x01", 4);
	VERIFY(-1);
#undef VERIFY
	ike_privkey_free(key);
	ike_trust_free(trust);
}
END_TEST

/* A good signature by a certificate that does not chain, or expired. */
static void
chain_refused(const char *keyf, const char *certf, const char *fqdn,
    const char *want_err)
{
	struct ike_trust *trust = load_trust("ca.crt", NULL);
	struct ike_trust *both = load_trust("ca.crt", "other-ca.crt");
	struct ike_privkey *key = load_key(keyf);
	struct ike_signed_octets so;
	uint8_t auth[512];
	struct der cert;
	struct ike_id id;
	size_t len;
	char err[256] = "";

	load_cert(certf, &cert);
	id_fqdn(&id, fqdn);
	so_init(&so);
	ck_assert_int_eq(ike_auth_sign(key, &so, ALL_SHA2, auth, sizeof(auth),
	    &len), 0);
	ck_assert_int_eq(ike_auth_verify_cert(trust, cert.p, cert.len, &id,
	    &so, IKE_AUTH_DIGITAL_SIG, auth, len, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, want_err) != NULL, "err: %s", err);
	/* with other-ca trusted too, the foreign one passes: the signature
	 * itself was fine */
	ck_assert_int_eq(ike_auth_verify_cert(both, cert.p, cert.len, &id,
	    &so, IKE_AUTH_DIGITAL_SIG, auth, len, err, sizeof(err)),
	    strcmp(certf, "foreign.crt") == 0 ? 0 : -1);
	ike_privkey_free(key);
	ike_trust_free(trust);
	ike_trust_free(both);
}

START_TEST(test_wrong_ca)
{
	chain_refused("foreign.key", "foreign.crt", "ec.espvis.test",
	    "local issuer");
}
END_TEST

START_TEST(test_expired)
{
	chain_refused("expired.key", "expired.crt", "expired.espvis.test",
	    "expired");
}
END_TEST

START_TEST(test_malformed_certs)
{
	struct ike_trust *trust = load_trust("ca.crt", NULL);
	struct ike_signed_octets so;
	struct der cert;
	struct ike_id id;
	uint8_t auth[8] = { 0 };
	char err[256];

	load_cert("ec256.crt", &cert);
	id_fqdn(&id, "ec.espvis.test");
	so_init(&so);
	cert.p[cert.len] = 0;		/* trailing byte */
	ck_assert_int_eq(ike_auth_verify_cert(trust, cert.p, cert.len + 1,
	    &id, &so, IKE_AUTH_DIGITAL_SIG, auth, sizeof(auth), err,
	    sizeof(err)), -1);
	ck_assert_int_eq(ike_auth_verify_cert(trust, cert.p, cert.len / 2,
	    &id, &so, IKE_AUTH_DIGITAL_SIG, auth, sizeof(auth), err,
	    sizeof(err)), -1);
	ck_assert_int_eq(ike_auth_verify_cert(NULL, cert.p, cert.len, &id,
	    &so, IKE_AUTH_DIGITAL_SIG, auth, sizeof(auth), err, sizeof(err)),
	    -1);
	ck_assert_int_eq(ike_cert_subject_id(cert.p, 10, &id), -1);
	ike_trust_free(trust);
}
END_TEST

START_TEST(test_loading)
{
	struct der pem, der;
	const char *none[1] = { "/nonexistent/ca.crt" };
	char err[256] = "";
	uint8_t small[100];
	size_t len;

	/* PEM and DER of one certificate give the same DER */
	load_cert("rsa.crt", &pem);
	load_cert("rsa.crt.der", &der);
	ck_assert_uint_eq(pem.len, der.len);
	ck_assert_mem_eq(pem.p, der.p, pem.len);
	ck_assert_int_eq(ike_cert_load(path("rsa.crt"), small, sizeof(small),
	    &len, err, sizeof(err)), -1);
	ck_assert_int_eq(ike_cert_load(path("rsa.key"), pem.p, sizeof(pem.p),
	    &len, err, sizeof(err)), -1);
	ck_assert_int_eq(ike_cert_load("/nonexistent", pem.p, sizeof(pem.p),
	    &len, err, sizeof(err)), -1);
	ck_assert_uint_gt(strlen(err), 0);
	/* keys: a certificate or nothing is no key */
	ck_assert_ptr_null(ike_privkey_load(path("rsa.crt"), err,
	    sizeof(err)));
	ck_assert_ptr_null(ike_privkey_load("/nonexistent", err, sizeof(err)));
	ike_privkey_free(NULL);
	/* trust */
	ck_assert_ptr_null(ike_trust_load(none, 1, err, sizeof(err)));
	ck_assert_ptr_null(ike_trust_load(none, 0, err, sizeof(err)));
	ike_trust_free(NULL);
}
END_TEST

/* ---- Real strongSwan signatures (data/ike_vectors.h, `cert` case) ---- */

/*
 * Opens the IKE_AUTH message of one side with the keys derived from
 * charon's g^ir, and verifies its RFC 7427 AUTH against the CERT payload
 * it carries, the test CA and its IDi / IDr.  Returns the AUTH method.
 */
static uint8_t
verify_real_signature(const struct ike_vector *v,
    const struct ike_sa_keys *k, bool initiator,
    const struct ike_trust *trust)
{
	const struct ike_vec_bytes *msg = initiator ? &v->auth_req :
	    &v->auth_resp;
	static uint8_t plain[2 * IKE_MSG_MAX];
	const uint8_t *idp, *cert, *auth;
	size_t plain_len = 0, id_len = 0, cert_len = 0, auth_len = 0;
	uint8_t first = 0;
	struct ike_signed_octets so;
	struct ike_id id;
	char err[256] = "";

	/* A's IKE_AUTH with its RSA certificate comes in two SKF fragments */
	ck_assert_int_eq(ike_vec_open(initiator ? &k->i2r : &k->r2i, msg->p,
	    msg->len, plain, sizeof(plain), &plain_len, &first), 0);
	idp = ike_vec_payload(plain, plain_len, 0, first, initiator ?
	    IKE_PL_IDI : IKE_PL_IDR, &id_len);
	cert = ike_vec_payload(plain, plain_len, 0, first, IKE_PL_CERT,
	    &cert_len);
	auth = ike_vec_payload(plain, plain_len, 0, first, IKE_PL_AUTH,
	    &auth_len);
	ck_assert_ptr_nonnull(idp);
	ck_assert_ptr_nonnull(auth);
	if (auth[0] == IKE_AUTH_PSK)
		return (auth[0]);
	ck_assert_ptr_nonnull(cert);
	ck_assert_uint_eq(cert[0], IKE_CERT_X509_SIG);
	memset(&id, 0, sizeof(id));
	id.type = idp[0];
	id.len = (uint16_t)(id_len - 4);
	memcpy(id.data, idp + 4, id.len);

	memset(&so, 0, sizeof(so));
	so.prf = v->ike_prf;
	so.msg = initiator ? v->init_req.p : v->init_resp.p;
	so.msg_len = initiator ? v->init_req.len : v->init_resp.len;
	so.nonce = initiator ? v->nr.p : v->ni.p;
	so.nonce_len = initiator ? v->nr.len : v->ni.len;
	so.sk_p = initiator ? k->sk_pi : k->sk_pr;
	so.sk_p_len = k->prf_len;
	so.id_body = idp;
	so.id_body_len = id_len;
	ck_assert_msg(ike_auth_verify_cert(trust, cert + 1, cert_len - 1, &id,
	    &so, auth[0], auth + 4, auth_len - 4, err, sizeof(err)) == 0,
	    "%s: %s", v->name, err);
	/* the other side's ID, nonce or SK_p: refused */
	so.nonce = initiator ? v->ni.p : v->nr.p;
	ck_assert_int_eq(ike_auth_verify_cert(trust, cert + 1, cert_len - 1,
	    &id, &so, auth[0], auth + 4, auth_len - 4, err, sizeof(err)), -1);
	so.nonce = initiator ? v->nr.p : v->ni.p;
	so.sk_p = initiator ? k->sk_pr : k->sk_pi;
	ck_assert_int_eq(ike_auth_verify_cert(trust, cert + 1, cert_len - 1,
	    &id, &so, auth[0], auth + 4, auth_len - 4, err, sizeof(err)), -1);
	id_fqdn(&id, initiator ? "B.espvis.test" : "A.espvis.test");
	so.sk_p = initiator ? k->sk_pi : k->sk_pr;
	ck_assert_int_eq(ike_auth_verify_cert(trust, cert + 1, cert_len - 1,
	    &id, &so, auth[0], auth + 4, auth_len - 4, err, sizeof(err)), -1);
	return (auth[0]);
}

START_TEST(test_real_strongswan_signatures)
{
	struct ike_trust *trust = load_trust("ca.crt", NULL);
	size_t i, n = sizeof(ike_vectors) / sizeof(ike_vectors[0]), sigs = 0;
	struct ike_suite suite;
	struct ike_sa_keys k;

	for (i = 0; i < n; i++) {
		const struct ike_vector *v = &ike_vectors[i];

		memset(&suite, 0, sizeof(suite));
		suite.encr = v->ike_encr;
		suite.encr_keybits = v->ike_keybits;
		suite.prf = v->ike_prf;
		suite.integ = v->ike_integ;
		suite.dh = v->ike_dh;
		ck_assert_int_eq(ike_derive_ike_keys(&suite, v->g_ir.p,
		    v->g_ir.len, v->ni.p, v->ni.len, v->nr.p, v->nr.len,
		    v->spi_i, v->spi_r, &k), 0);
		if (verify_real_signature(v, &k, true, trust) ==
		    IKE_AUTH_DIGITAL_SIG)
			sigs++;
		if (verify_real_signature(v, &k, false, trust) ==
		    IKE_AUTH_DIGITAL_SIG)
			sigs++;
		ike_sa_keys_wipe(&k);
	}
	ck_assert_uint_eq(sigs, 2);	/* A's RSA and B's ECDSA */
	ike_trust_free(trust);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("ike_cert");
	TCase *tc = tcase_create("auth");

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_sign_verify_round_trip, 0,
	    (int)(sizeof(sig_cases) / sizeof(sig_cases[0])));
	tcase_add_test(tc, test_sign_needs_a_peer_hash);
	tcase_add_loop_test(tc, test_ecdsa_methods_9_10, 0, 2);
	tcase_add_test(tc, test_rsa_method_1);
	tcase_add_test(tc, test_rsa_pss);
	tcase_add_test(tc, test_identity_matching);
	tcase_add_test(tc, test_wrong_ca);
	tcase_add_test(tc, test_expired);
	tcase_add_test(tc, test_malformed_certs);
	tcase_add_test(tc, test_loading);
	tcase_add_test(tc, test_real_strongswan_signatures);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
