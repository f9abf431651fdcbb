/*
 * test_ike_crypto.c - ike_crypto.h against the real thing:
 *
 * - the PRFs against RFC 4868 2.7.1 (HMAC-SHA2) and RFC 2202 (HMAC-SHA1);
 *   prf+ against its definition (RFC 7296 2.13);
 * - five real strongSwan 5.9.8 IKE SAs (data/ike_vectors.h, made by
 *   data/make_ike_vectors.sh): from charon's g^ir and the captured nonces
 *   and SPIs, SKEYSEED and all seven SK_* equal charon's; the captured
 *   IKE_AUTH request and response open with SK_ei / SK_er and hold IDi /
 *   IDr first; both sides' real PSK AUTH verify (and a wrong PSK fails;
 *   the certificate case's signatures are test_ike_cert.c's);
 *   the Child SA keys equal charon's; the real NAT_DETECTION_DESTINATION_IP
 *   hash of each IKE_SA_INIT request is recomputed; a real IKE SA rekey
 *   (CREATE_CHILD_SA, 2.18) opens with the old keys and gives charon's
 *   new keys;
 * - DH (14, 19, 20, 31): both sides agree, sizes, and bad peer values;
 * - SK seal/open round trips for every suite, and one flipped bit in the
 *   header, the IV, the ciphertext or the ICV makes open fail;
 * - rekey (2.18) against its definition, GCM/GMAC salts, cookies.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "unit.h"
#include "ike/ike_crypto.h"
#include "data/ike_vectors.h"
#include "data/ike_vectors_rfc4868.h"
#include "data/ike_vectors_open.h"

#define N_VECTORS	(sizeof(ike_vectors) / sizeof(ike_vectors[0]))

static void
assert_bytes(const uint8_t *got, const struct ike_vec_bytes *want,
    const char *what)
{
	ck_assert_msg(memcmp(got, want->p, want->len) == 0, "%s differs",
	    what);
}

/* ---- PRF ---- */

START_TEST(test_prf_rfc4868)
{
	const struct rfc4868_prf *v = &rfc4868_prf[_i];
	uint8_t out[IKE_PRF_MAX];

	ck_assert_int_eq(ike_prf(IKE_PRF_HMAC_SHA2_256, v->key, v->key_len,
	    v->data, v->data_len, out), 0);
	ck_assert_mem_eq(out, v->sha256, 32);
	ck_assert_int_eq(ike_prf(IKE_PRF_HMAC_SHA2_384, v->key, v->key_len,
	    v->data, v->data_len, out), 0);
	ck_assert_mem_eq(out, v->sha384, 48);
	ck_assert_int_eq(ike_prf(IKE_PRF_HMAC_SHA2_512, v->key, v->key_len,
	    v->data, v->data_len, out), 0);
	ck_assert_mem_eq(out, v->sha512, 64);
}
END_TEST

/* RFC 2202 section 3, test cases 1 and 2. */
START_TEST(test_prf_sha1_rfc2202)
{
	static const uint8_t want1[20] = { 0xb6, 0x17, 0x31, 0x86, 0x55, 0x05,
	    0x72, 0x64, 0xe2, 0x8b, 0xc0, 0xb6, 0xfb, 0x37, 0x8c, 0x8e, 0xf1,
	    0x46, 0xbe, 0x00 };
	static const uint8_t want2[20] = { 0xef, 0xfc, 0xdf, 0x6a, 0xe5, 0xeb,
	    0x2f, 0xa2, 0xd2, 0x74, 0x16, 0xd5, 0xf1, 0x84, 0xdf, 0x9c, 0x25,
	    0x9a, 0x7c, 0x79 };
	uint8_t key[20], out[IKE_PRF_MAX];

	memset(key, 0x0b, sizeof(key));
	ck_assert_int_eq(ike_prf(IKE_PRF_HMAC_SHA1, key, 20,
	    (const uint8_t *)"Hi There", 8, out), 0);
	ck_assert_mem_eq(out, want1, 20);
	ck_assert_int_eq(ike_prf(IKE_PRF_HMAC_SHA1, (const uint8_t *)"Jefe",
	    4, (const uint8_t *)"what do ya want for nothing?", 28, out), 0);
	ck_assert_mem_eq(out, want2, 20);
	ck_assert_int_eq(ike_prf(99, key, 20, key, 20, out), -1);
	ck_assert_uint_eq(ike_prf_len(99), 0);
}
END_TEST

/* T1 = prf(K, S | 0x01), T2 = prf(K, T1 | S | 0x02), ... (2.13) */
START_TEST(test_prf_plus_definition)
{
	static const uint8_t key[] = "prf+ key", seed[] = "the seed S";
	uint8_t out[200], t[IKE_PRF_MAX], in[IKE_PRF_MAX + sizeof(seed) + 1];
	size_t off = 0, in_len, n;
	uint8_t i;

	ck_assert_int_eq(ike_prf_plus(IKE_PRF_HMAC_SHA2_256, key, sizeof(key),
	    seed, sizeof(seed), out, sizeof(out)), 0);
	for (i = 1, n = 0; off < sizeof(out); i++) {
		memcpy(in, t, n);
		memcpy(in + n, seed, sizeof(seed));
		in[n + sizeof(seed)] = i;
		in_len = n + sizeof(seed) + 1;
		ck_assert_int_eq(ike_prf(IKE_PRF_HMAC_SHA2_256, key,
		    sizeof(key), in, in_len, t), 0);
		n = 32;
		ck_assert_mem_eq(out + off, t, sizeof(out) - off < 32 ?
		    sizeof(out) - off : 32);
		off += 32;
	}
	/* at most 255 blocks */
	{
		static uint8_t big[256 * 20];

		ck_assert_int_eq(ike_prf_plus(IKE_PRF_HMAC_SHA1, key,
		    sizeof(key), seed, sizeof(seed), big, 255 * 20), 0);
		ck_assert_int_eq(ike_prf_plus(IKE_PRF_HMAC_SHA1, key,
		    sizeof(key), seed, sizeof(seed), big, 255 * 20 + 1), -1);
	}
}
END_TEST

/* ---- Real strongSwan SAs ---- */

static void
vec_suites(const struct ike_vector *v, struct ike_suite *ike,
    struct ike_suite *esp)
{
	memset(ike, 0, sizeof(*ike));
	ike->encr = v->ike_encr;
	ike->encr_keybits = v->ike_keybits;
	ike->prf = v->ike_prf;
	ike->integ = v->ike_integ;
	ike->dh = v->ike_dh;
	memset(esp, 0, sizeof(*esp));
	esp->encr = v->esp_encr;
	esp->encr_keybits = v->esp_keybits;
	esp->integ = v->esp_integ;
}

static void
vec_ike_keys(const struct ike_vector *v, struct ike_sa_keys *keys)
{
	struct ike_suite ike, esp;

	vec_suites(v, &ike, &esp);
	ck_assert_int_eq(ike_derive_ike_keys(&ike, v->g_ir.p, v->g_ir.len,
	    v->ni.p, v->ni.len, v->nr.p, v->nr.len, v->spi_i, v->spi_r,
	    keys), 0);
}

START_TEST(test_vec_ike_keys)
{
	const struct ike_vector *v = &ike_vectors[_i];
	struct ike_sa_keys k;
	uint8_t nonces[2 * IKE_NONCE_MAX], skeyseed[IKE_PRF_MAX];

	/* SKEYSEED = prf(Ni | Nr, g^ir) */
	memcpy(nonces, v->ni.p, v->ni.len);
	memcpy(nonces + v->ni.len, v->nr.p, v->nr.len);
	ck_assert_int_eq(ike_prf(v->ike_prf, nonces, v->ni.len + v->nr.len,
	    v->g_ir.p, v->g_ir.len, skeyseed), 0);
	assert_bytes(skeyseed, &v->skeyseed, "SKEYSEED");

	vec_ike_keys(v, &k);
	ck_assert_uint_eq(k.prf_len, v->sk_d.len);
	assert_bytes(k.sk_d, &v->sk_d, "SK_d");
	assert_bytes(k.sk_pi, &v->sk_pi, "SK_pi");
	assert_bytes(k.sk_pr, &v->sk_pr, "SK_pr");
	ck_assert_uint_eq(k.i2r.ek_len, v->sk_ei.len);
	assert_bytes(k.i2r.ek, &v->sk_ei, "SK_ei");
	assert_bytes(k.r2i.ek, &v->sk_er, "SK_er");
	ck_assert_uint_eq(k.i2r.ak_len, v->sk_ai.len);
	assert_bytes(k.i2r.ak, &v->sk_ai, "SK_ai");
	assert_bytes(k.r2i.ak, &v->sk_ar, "SK_ar");
	ike_sa_keys_wipe(&k);
	ck_assert_uint_eq(k.prf_len, 0);
	ck_assert_uint_eq(k.sk_d[0] | k.i2r.ek[0], 0);
}
END_TEST

/* Opens one captured IKE_AUTH message; the inner chain starts with
 * `first_inner` and the AUTH is checked with the PSK. */
static void
open_and_check_auth(const struct ike_vector *v, const struct ike_sa_keys *k,
    bool initiator)
{
	const struct ike_vec_bytes *msg = initiator ? &v->auth_req :
	    &v->auth_resp;
	const struct ike_sk_dir *dir = initiator ? &k->i2r : &k->r2i;
	static uint8_t plain[IKE_MSG_MAX], bad[2 * IKE_MSG_MAX];
	size_t plain_len = 0, id_len = 0, auth_len = 0;
	const uint8_t *id, *auth;
	struct ike_signed_octets so;
	uint8_t first = 0, id_type = initiator ? IKE_PL_IDI : IKE_PL_IDR;

	ck_assert_int_eq(ike_vec_open(dir, msg->p, msg->len, plain,
	    sizeof(plain), &plain_len, &first), 0);
	ck_assert_uint_eq(first, id_type);
	ck_assert_uint_gt(plain_len, 8);
	/* the first inner payload is IDi / IDr, with its own length */
	ck_assert_uint_le(ike_vec_get16(plain + 2), plain_len);
	id = ike_vec_payload(plain, plain_len, 0, first, id_type, &id_len);
	ck_assert_ptr_eq(id, plain + 4);
	ck_assert_uint_eq(id[0], IKE_ID_FQDN);
	ck_assert_mem_eq(id + 4, initiator ? "A.espvis.test" : "B.espvis.test",
	    13);
	auth = ike_vec_payload(plain, plain_len, 0, first, IKE_PL_AUTH,
	    &auth_len);
	ck_assert_ptr_nonnull(auth);
	if (auth[0] != IKE_AUTH_PSK) {	/* signatures: test_ike_cert.c */
		ck_assert_uint_eq(auth[0], IKE_AUTH_DIGITAL_SIG);
		return;
	}

	/* 2.15: the initiator signs its IKE_SA_INIT request and Nr with
	 * SK_pi; the responder its response and Ni with SK_pr. */
	memset(&so, 0, sizeof(so));
	so.prf = v->ike_prf;
	so.msg = initiator ? v->init_req.p : v->init_resp.p;
	so.msg_len = initiator ? v->init_req.len : v->init_resp.len;
	so.nonce = initiator ? v->nr.p : v->ni.p;
	so.nonce_len = initiator ? v->nr.len : v->ni.len;
	so.sk_p = initiator ? k->sk_pi : k->sk_pr;
	so.sk_p_len = k->prf_len;
	so.id_body = id;
	so.id_body_len = id_len;
	ck_assert(ike_auth_psk_verify(&so, (const uint8_t *)ike_vec_psk,
	    strlen(ike_vec_psk), auth + 4, auth_len - 4));
	ck_assert(!ike_auth_psk_verify(&so, (const uint8_t *)"wrong psk", 9,
	    auth + 4, auth_len - 4));
	ck_assert(!ike_auth_psk_verify(&so, (const uint8_t *)ike_vec_psk,
	    strlen(ike_vec_psk), auth + 4, auth_len - 5));

	/* the other direction's keys do not open it; nor does a flipped bit */
	ck_assert_int_ne(ike_vec_open(initiator ? &k->r2i : &k->i2r, msg->p,
	    msg->len, plain, sizeof(plain), &plain_len, &first), 0);
	memcpy(bad, msg->p, msg->len);
	bad[msg->len - 1] ^= 0x01;
	ck_assert_int_ne(ike_vec_open(dir, bad, msg->len, plain, sizeof(plain),
	    &plain_len, &first), 0);
}

START_TEST(test_vec_open_and_auth)
{
	const struct ike_vector *v = &ike_vectors[_i];
	struct ike_sa_keys k;

	vec_ike_keys(v, &k);
	open_and_check_auth(v, &k, true);
	open_and_check_auth(v, &k, false);
	ike_sa_keys_wipe(&k);
}
END_TEST

START_TEST(test_vec_child_keys)
{
	const struct ike_vector *v = &ike_vectors[_i];
	struct ike_suite ike, esp;
	struct ike_sa_keys k;
	struct ike_child_keys c;

	vec_suites(v, &ike, &esp);
	vec_ike_keys(v, &k);
	ck_assert_int_eq(ike_derive_child_keys(&k, &esp, NULL, 0, v->ni.p,
	    v->ni.len, v->nr.p, v->nr.len, &c), 0);
	ck_assert_uint_eq(c.encr_len, v->child_ei.len);
	ck_assert_uint_eq(c.integ_len, v->child_ai.len);
	assert_bytes(c.ei, &v->child_ei, "child ei");
	assert_bytes(c.er, &v->child_er, "child er");
	assert_bytes(c.ai, &v->child_ai, "child ai");
	assert_bytes(c.ar, &v->child_ar, "child ar");
	ike_child_keys_wipe(&c);
	ike_sa_keys_wipe(&k);
}
END_TEST

/* The request's NAT_DETECTION_DESTINATION_IP: SHA-1(SPIi | 0 | B | 500)
 * (2.23); charon's source hash is faked (encap = yes), not checked. */
START_TEST(test_vec_nat_detection)
{
	static const uint8_t ip_b[4] = { 10, 77, 0, 2 };
	const struct ike_vector *v = &ike_vectors[_i];
	const uint8_t *p = v->init_req.p;
	size_t off = IKE_HDR_LEN, plen;
	uint8_t type = p[16], hash[20];
	bool found = false;

	ck_assert_int_eq(ike_nat_hash(v->spi_i, 0, ip_b, 4, IKE_PORT, hash),
	    0);
	while (type != IKE_PL_NONE && off + 4 <= v->init_req.len) {
		plen = ike_vec_get16(p + off + 2);
		if (type == IKE_PL_NOTIFY && plen == 8 + 20 &&
		    ike_vec_get16(p + off + 6) ==
		    IKE_N_NAT_DETECTION_DESTINATION_IP) {
			ck_assert_mem_eq(p + off + 8, hash, 20);
			found = true;
		}
		type = p[off];
		off += plen;
	}
	ck_assert(found);
	ck_assert_int_eq(ike_nat_hash(v->spi_i, 0, ip_b, 3, IKE_PORT, hash),
	    -1);
}
END_TEST

/*
 * A real IKE SA rekey (2.18): the CREATE_CHILD_SA request and response
 * open with the old SA's keys; their SA payloads give the new SPIs, their
 * Nonce payloads Ni and Nr; with charon's new g^ir, the new keys equal
 * the ones charon logged for the new SA.
 */
static void
open_ccs(const struct ike_sk_dir *dir, const struct ike_vec_bytes *msg,
    uint64_t *spi, const uint8_t **nonce, size_t *nonce_len,
    uint8_t *plain, uint16_t dh)
{
	size_t plain_len = 0, sa_len = 0, ke_len = 0;
	const uint8_t *sa, *ke;
	uint8_t first = 0;
	int i;

	ck_assert_int_eq(ike_vec_open(dir, msg->p, msg->len, plain,
	    IKE_MSG_MAX, &plain_len, &first), 0);
	sa = ike_vec_payload(plain, plain_len, 0, first, IKE_PL_SA, &sa_len);
	ck_assert_ptr_nonnull(sa);
	/* the first Proposal: protocol IKE, an 8-byte SPI (3.3.1) */
	ck_assert_uint_ge(sa_len, 16);
	ck_assert_uint_eq(sa[5], IKE_PROTO_IKE);
	ck_assert_uint_eq(sa[6], 8);
	for (*spi = 0, i = 0; i < 8; i++)
		*spi = *spi << 8 | sa[8 + i];
	*nonce = ike_vec_payload(plain, plain_len, 0, first, IKE_PL_NONCE,
	    nonce_len);
	ck_assert_ptr_nonnull(*nonce);
	ke = ike_vec_payload(plain, plain_len, 0, first, IKE_PL_KE, &ke_len);
	ck_assert_ptr_nonnull(ke);
	ck_assert_uint_eq(ike_vec_get16(ke), dh);
	ck_assert_uint_eq(ke_len - 4, ike_dh_public_len(dh));
}

START_TEST(test_vec_ike_rekey)
{
	const struct ike_rekey_vector *r = &ike_rekey_vectors[_i];
	const struct ike_vector *v = &ike_vectors[r->base];
	static uint8_t req[IKE_MSG_MAX], resp[IKE_MSG_MAX];
	const uint8_t *ni, *nr;
	size_t ni_len, nr_len;
	uint64_t spi_i, spi_r;
	struct ike_suite ike, esp;
	struct ike_sa_keys old, k;

	vec_suites(v, &ike, &esp);
	vec_ike_keys(v, &old);
	open_ccs(&old.i2r, &r->ccs_req, &spi_i, &ni, &ni_len, req, v->ike_dh);
	open_ccs(&old.r2i, &r->ccs_resp, &spi_r, &nr, &nr_len, resp,
	    v->ike_dh);
	ck_assert(spi_i != v->spi_i && spi_r != v->spi_r);
	ck_assert_int_eq(ike_derive_rekey_keys(&old, &ike, r->g_ir.p,
	    r->g_ir.len, ni, ni_len, nr, nr_len, spi_i, spi_r, &k), 0);
	assert_bytes(k.sk_d, &r->sk_d, "new SK_d");
	assert_bytes(k.i2r.ak, &r->sk_ai, "new SK_ai");
	assert_bytes(k.r2i.ak, &r->sk_ar, "new SK_ar");
	assert_bytes(k.i2r.ek, &r->sk_ei, "new SK_ei");
	assert_bytes(k.r2i.ek, &r->sk_er, "new SK_er");
	assert_bytes(k.sk_pi, &r->sk_pi, "new SK_pi");
	assert_bytes(k.sk_pr, &r->sk_pr, "new SK_pr");
	ck_assert_uint_eq(k.i2r.ak_len, r->sk_ai.len);
	ck_assert_uint_eq(k.i2r.ek_len, r->sk_ei.len);
	/* the initial derivation with these inputs gives other keys */
	ike_sa_keys_wipe(&k);
	ck_assert_int_eq(ike_derive_ike_keys(&ike, r->g_ir.p, r->g_ir.len, ni,
	    ni_len, nr, nr_len, spi_i, spi_r, &k), 0);
	ck_assert(memcmp(k.sk_d, r->sk_d.p, r->sk_d.len) != 0);
	ike_sa_keys_wipe(&k);
	ike_sa_keys_wipe(&old);
}
END_TEST

/* ---- Diffie-Hellman ---- */

static const uint16_t groups[] = { IKE_DH_MODP2048, IKE_DH_ECP256,
    IKE_DH_ECP384, IKE_DH_CURVE25519 };
static const size_t secret_lens[] = { 256, 32, 48, 32 };

START_TEST(test_dh_agree)
{
	uint16_t g = groups[_i];
	struct ike_dh_key *a = ike_dh_new(g), *b = ike_dh_new(g);
	uint8_t pa[IKE_DH_PUB_MAX], pb[IKE_DH_PUB_MAX];
	uint8_t sa[IKE_DH_SECRET_MAX], sb[IKE_DH_SECRET_MAX];
	size_t la, lb, na, nb;

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(ike_dh_public(a, pa, sizeof(pa), &la), 0);
	ck_assert_int_eq(ike_dh_public(b, pb, sizeof(pb), &lb), 0);
	ck_assert_uint_eq(la, ike_dh_public_len(g));
	ck_assert_uint_eq(lb, ike_dh_public_len(g));
	ck_assert_int_eq(ike_dh_public(a, pa, la - 1, &la), -1);
	ck_assert_int_eq(ike_dh_shared(a, pb, lb, sa, sizeof(sa), &na), 0);
	ck_assert_int_eq(ike_dh_shared(b, pa, la, sb, sizeof(sb), &nb), 0);
	ck_assert_uint_eq(na, secret_lens[_i]);
	ck_assert_uint_eq(nb, na);
	ck_assert_mem_eq(sa, sb, na);
	/* wrong lengths */
	ck_assert_int_eq(ike_dh_shared(a, pb, lb - 1, sa, sizeof(sa), &na),
	    -1);
	ck_assert_int_eq(ike_dh_shared(a, pb, lb, sa, secret_lens[_i] - 1,
	    &na), -1);
	ike_dh_free(a);
	ike_dh_free(b);
}
END_TEST

START_TEST(test_dh_unknown_group)
{
	ck_assert_ptr_null(ike_dh_new(2));
	ck_assert_ptr_null(ike_dh_new(IKE_DH_NONE));
	ck_assert_uint_eq(ike_dh_public_len(5), 0);
	ike_dh_free(NULL);
}
END_TEST

/* The RFC 3526 group 14 prime, as OpenSSL knows it (big-endian). */
static void
modp2048_prime(uint8_t p[256])
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	OSSL_PARAM params[2];
	EVP_PKEY *key = NULL;
	BIGNUM *bn = NULL;

	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_PKEY_PARAM_GROUP_NAME, (char *)(uintptr_t)"modp_2048", 0);
	params[1] = OSSL_PARAM_construct_end();
	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(EVP_PKEY_paramgen_init(ctx), 1);
	ck_assert_int_eq(EVP_PKEY_CTX_set_params(ctx, params), 1);
	ck_assert_int_eq(EVP_PKEY_paramgen(ctx, &key), 1);
	ck_assert_int_eq(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_FFC_P,
	    &bn), 1);
	ck_assert_int_eq(BN_bn2binpad(bn, p, 256), 256);
	ck_assert_uint_eq(p[255], 0xff);	/* RFC 3526: ends in 64 ones */
	BN_free(bn);
	EVP_PKEY_free(key);
	EVP_PKEY_CTX_free(ctx);
}

/* 1 < y < p - 1 (MODP), on the curve (ECP), no all-zero X25519 result */
START_TEST(test_dh_bad_peer_values)
{
	struct ike_dh_key *modp = ike_dh_new(IKE_DH_MODP2048);
	struct ike_dh_key *ecp = ike_dh_new(IKE_DH_ECP256);
	struct ike_dh_key *x = ike_dh_new(IKE_DH_CURVE25519);
	uint8_t y[256], s[IKE_DH_SECRET_MAX], pub[IKE_DH_PUB_MAX];
	size_t n;
	struct ike_dh_key *other = ike_dh_new(IKE_DH_MODP2048);

	ck_assert_ptr_nonnull(modp);
	ck_assert_ptr_nonnull(ecp);
	ck_assert_ptr_nonnull(x);
	memset(y, 0, sizeof(y));
	ck_assert_int_eq(ike_dh_shared(modp, y, 256, s, sizeof(s), &n), -1);
	y[255] = 1;
	ck_assert_int_eq(ike_dh_shared(modp, y, 256, s, sizeof(s), &n), -1);
	memset(y, 0xff, sizeof(y));	/* above p */
	ck_assert_int_eq(ike_dh_shared(modp, y, 256, s, sizeof(s), &n), -1);
	modp2048_prime(y);		/* p, then p - 1, then p - 2 (valid) */
	ck_assert_int_eq(ike_dh_shared(modp, y, 256, s, sizeof(s), &n), -1);
	y[255]--;
	ck_assert_int_eq(ike_dh_shared(modp, y, 256, s, sizeof(s), &n), -1);
	y[255]--;
	ck_assert_int_eq(ike_dh_shared(modp, y, 256, s, sizeof(s), &n), -1);
	/* (p - 2 is not in the order-q subgroup: the public key check of
	 * the named group, y^q = 1, refuses it); a real value passes */
	ck_assert_int_eq(ike_dh_public(other, pub, sizeof(pub), &n), 0);
	ck_assert_int_eq(ike_dh_shared(modp, pub, n, s, sizeof(s), &n), 0);
	ike_dh_free(other);

	/* x || y with y off the curve */
	ck_assert_int_eq(ike_dh_public(ecp, pub, sizeof(pub), &n), 0);
	pub[63] ^= 0x01;
	ck_assert_int_eq(ike_dh_shared(ecp, pub, 64, s, sizeof(s), &n), -1);
	memset(pub, 0, 64);		/* the point at infinity is no x||y */
	ck_assert_int_eq(ike_dh_shared(ecp, pub, 64, s, sizeof(s), &n), -1);

	/* u = 0 and u = 1 are of small order: the result is all zero */
	memset(pub, 0, 32);
	ck_assert_int_eq(ike_dh_shared(x, pub, 32, s, sizeof(s), &n), -1);
	pub[0] = 1;
	ck_assert_int_eq(ike_dh_shared(x, pub, 32, s, sizeof(s), &n), -1);
	ike_dh_free(modp);
	ike_dh_free(ecp);
	ike_dh_free(x);
}
END_TEST

/* ---- SK payload ---- */

struct sk_suite {
	uint16_t encr, keybits, integ;
};
static const struct sk_suite sk_suites[] = {
	{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA1_96 },
	{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128 },
	{ IKE_ENCR_AES_CBC, 192, IKE_INTEG_HMAC_SHA2_384_192 },
	{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_512_256 },
	{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128 },
	{ IKE_ENCR_AES_GCM_16, 128, 0 },
	{ IKE_ENCR_AES_GCM_16, 192, 0 },
	{ IKE_ENCR_AES_GCM_16, 256, 0 },
	{ IKE_ENCR_AES_GCM_12, 128, 0 },
	{ IKE_ENCR_AES_GCM_12, 256, 0 },
	{ IKE_ENCR_AES_GCM_8, 128, 0 },
	{ IKE_ENCR_AES_GCM_8, 256, 0 },
};
#define N_SK_SUITES	(sizeof(sk_suites) / sizeof(sk_suites[0]))

static void
sk_dir_for(const struct sk_suite *s, struct ike_sk_dir *dir)
{
	memset(dir, 0, sizeof(*dir));
	dir->encr = s->encr;
	dir->keybits = s->keybits;
	dir->integ = s->integ;
	dir->ek_len = (uint8_t)ike_encr_key_len(s->encr, s->keybits);
	dir->ak_len = (uint8_t)ike_integ_key_len(s->integ);
	ck_assert_int_eq(ike_random(dir->ek, dir->ek_len), 0);
	ck_assert_int_eq(ike_random(dir->ak, dir->ak_len), 0);
}

/* An IKE header and SK generic header with the final lengths. */
static size_t
sk_message(uint8_t *msg, size_t sealed)
{
	size_t total = IKE_HDR_LEN + 4 + sealed;

	memset(msg, 0, IKE_HDR_LEN + 4);
	memset(msg, 0x11, 16);
	msg[16] = IKE_PL_SK;
	msg[17] = IKE_VERSION;
	msg[18] = IKE_X_INFORMATIONAL;
	msg[19] = IKE_FLAG_INITIATOR;
	msg[24] = (uint8_t)(total >> 24);
	msg[25] = (uint8_t)(total >> 16);
	msg[26] = (uint8_t)(total >> 8);
	msg[27] = (uint8_t)total;
	msg[28] = IKE_PL_NOTIFY;
	msg[30] = (uint8_t)((4 + sealed) >> 8);
	msg[31] = (uint8_t)(4 + sealed);
	return (total);
}

START_TEST(test_sk_round_trip_and_tamper)
{
	const struct sk_suite *s = &sk_suites[_i];
	bool gcm = s->encr != IKE_ENCR_AES_CBC;
	size_t iv_len = gcm ? 8 : 16, aad = IKE_HDR_LEN + 4;
	size_t icv = gcm ? (s->encr == IKE_ENCR_AES_GCM_16 ? 16 :
	    s->encr == IKE_ENCR_AES_GCM_12 ? 12 : 8) :
	    ike_integ_icv_len(s->integ);
	uint8_t plain[300], msg[IKE_MSG_MAX], bad[IKE_MSG_MAX], out[400];
	size_t plain_len, sealed, total, out_len, pos[4];
	struct ike_sk_dir dir;
	int i;

	sk_dir_for(s, &dir);
	for (plain_len = 0; plain_len < sizeof(plain); plain_len += 37) {
		ck_assert_int_eq(ike_random(plain, plain_len), 0);
		sealed = ike_sk_sealed_len(&dir, plain_len);
		ck_assert_uint_gt(sealed, iv_len + icv + plain_len);
		if (!gcm)
			ck_assert_uint_eq((sealed - iv_len - icv) % 16, 0);
		total = sk_message(msg, sealed);
		ck_assert_int_eq(ike_sk_seal(&dir, msg, sizeof(msg), aad, plain,
		    plain_len), 0);
		ck_assert_int_eq(ike_sk_open(&dir, msg, total, aad, out,
		    sizeof(out), &out_len), 0);
		ck_assert_uint_eq(out_len, plain_len);
		ck_assert_mem_eq(out, plain, plain_len);
		/* one flipped bit: header, IV, ciphertext, ICV */
		pos[0] = 5;
		pos[1] = aad + 1;
		pos[2] = aad + iv_len;
		pos[3] = total - 1;
		for (i = 0; i < 4; i++) {
			memcpy(bad, msg, total);
			bad[pos[i]] ^= 0x04;
			ck_assert_msg(ike_sk_open(&dir, bad, total, aad, out,
			    sizeof(out), &out_len) == -1, "flip %d accepted", i);
		}
		/* the SK generic header is covered too */
		memcpy(bad, msg, total);
		bad[aad - 4] ^= 0x01;
		ck_assert_int_eq(ike_sk_open(&dir, bad, total, aad, out,
		    sizeof(out), &out_len), -1);
		/* truncated, too small an output buffer, no room to seal */
		ck_assert_int_eq(ike_sk_open(&dir, msg, total - 1, aad, out,
		    sizeof(out), &out_len), -1);
		if (plain_len > 0)
			ck_assert_int_eq(ike_sk_open(&dir, msg, total, aad, out,
			    plain_len - 1, &out_len), -1);
		ck_assert_int_eq(ike_sk_seal(&dir, msg, total - 1, aad, plain,
		    plain_len), -1);
	}
	/* two seals of the same plaintext differ (fresh IV) */
	total = sk_message(msg, ike_sk_sealed_len(&dir, 10));
	memcpy(bad, msg, total);
	ck_assert_int_eq(ike_sk_seal(&dir, msg, sizeof(msg), aad, plain, 10),
	    0);
	ck_assert_int_eq(ike_sk_seal(&dir, bad, sizeof(bad), aad, plain, 10),
	    0);
	ck_assert(memcmp(msg + aad, bad + aad, total - aad) != 0);
	ike_wipe(&dir, sizeof(dir));
}
END_TEST

START_TEST(test_sk_bad_dirs)
{
	struct ike_sk_dir dir;
	uint8_t msg[256], out[256];
	size_t n;

	sk_dir_for(&sk_suites[0], &dir);
	dir.ek_len = 15;		/* disagrees with AES-128 */
	ck_assert_uint_eq(ike_sk_sealed_len(&dir, 10), 0);
	ck_assert_int_eq(ike_sk_open(&dir, msg, sizeof(msg), 32, out,
	    sizeof(out), &n), -1);
	sk_dir_for(&sk_suites[5], &dir);
	dir.integ = IKE_INTEG_HMAC_SHA2_256_128;	/* GCM with integ */
	ck_assert_uint_eq(ike_sk_sealed_len(&dir, 10), 0);
	sk_dir_for(&sk_suites[5], &dir);
	ck_assert_int_eq(ike_sk_seal(&dir, msg, sizeof(msg), 20, out, 10), -1);
}
END_TEST

/* ---- Key derivation properties ---- */

START_TEST(test_rekey_definition)
{
	const struct ike_vector *v = &ike_vectors[0];
	struct ike_suite ike, esp, next;
	struct ike_sa_keys old, k;
	uint8_t g[32], data[32 + 2 * 32 + 16], skeyseed[IKE_PRF_MAX];
	uint8_t km[3 * 48 + 2 * 48 + 2 * 16];
	size_t off;

	vec_suites(v, &ike, &esp);
	vec_ike_keys(v, &old);
	memset(g, 0x5a, sizeof(g));
	/* the new SA runs AES-CBC-128 / SHA-384 / PRF SHA-384 */
	memset(&next, 0, sizeof(next));
	next.encr = IKE_ENCR_AES_CBC;
	next.encr_keybits = 128;
	next.prf = IKE_PRF_HMAC_SHA2_384;
	next.integ = IKE_INTEG_HMAC_SHA2_384_192;
	ck_assert_int_eq(ike_derive_rekey_keys(&old, &next, g, sizeof(g),
	    v->ni.p, 32, v->nr.p, 32, 0x0102030405060708ULL,
	    0x1112131415161718ULL, &k), 0);
	/* SKEYSEED = prf_old(SK_d, g^ir | Ni | Nr) */
	memcpy(data, g, 32);
	memcpy(data + 32, v->ni.p, 32);
	memcpy(data + 64, v->nr.p, 32);
	ck_assert_int_eq(ike_prf(old.prf, old.sk_d, old.prf_len, data, 96,
	    skeyseed), 0);
	/* prf+_new(SKEYSEED, Ni | Nr | SPIi | SPIr) */
	memcpy(data, v->ni.p, 32);
	memcpy(data + 32, v->nr.p, 32);
	for (off = 0; off < 8; off++) {
		data[64 + off] = (uint8_t)(1 + off);
		data[72 + off] = (uint8_t)(0x11 + off);
	}
	ck_assert_int_eq(ike_prf_plus(IKE_PRF_HMAC_SHA2_384, skeyseed, 32,
	    data, 80, km, sizeof(km)), 0);
	ck_assert_uint_eq(k.prf, IKE_PRF_HMAC_SHA2_384);
	ck_assert_mem_eq(k.sk_d, km, 48);
	ck_assert_mem_eq(k.i2r.ak, km + 48, 48);
	ck_assert_mem_eq(k.r2i.ak, km + 96, 48);
	ck_assert_mem_eq(k.i2r.ek, km + 144, 16);
	ck_assert_mem_eq(k.r2i.ek, km + 160, 16);
	ck_assert_mem_eq(k.sk_pi, km + 176, 48);
	ck_assert_mem_eq(k.sk_pr, km + 224, 48);
	ike_sa_keys_wipe(&k);
	ike_sa_keys_wipe(&old);
}
END_TEST

/* KEYMAT = prf+(SK_d, g^ir | Ni | Nr) with PFS; GCM and GMAC salts */
START_TEST(test_child_pfs_and_salts)
{
	const struct ike_vector *v = &ike_vectors[0];
	struct ike_suite ike, esp;
	struct ike_sa_keys k;
	struct ike_child_keys c;
	uint8_t g[32], seed[96], km[2 * 36];

	vec_suites(v, &ike, &esp);
	vec_ike_keys(v, &k);
	memset(g, 0xa5, sizeof(g));
	memset(&esp, 0, sizeof(esp));
	esp.encr = IKE_ENCR_NULL_AUTH_AES_GMAC;
	esp.encr_keybits = 256;
	ck_assert_int_eq(ike_derive_child_keys(&k, &esp, g, sizeof(g),
	    v->ni.p, 32, v->nr.p, 32, &c), 0);
	ck_assert_uint_eq(c.encr_len, 36);
	ck_assert_uint_eq(c.integ_len, 0);
	memcpy(seed, g, 32);
	memcpy(seed + 32, v->ni.p, 32);
	memcpy(seed + 64, v->nr.p, 32);
	ck_assert_int_eq(ike_prf_plus(k.prf, k.sk_d, k.prf_len, seed, 96, km,
	    sizeof(km)), 0);
	ck_assert_mem_eq(c.ei, km, 36);
	ck_assert_mem_eq(c.er, km + 36, 36);
	/* GCM with an integrity transform, NULL without one: refused */
	esp.encr = IKE_ENCR_AES_GCM_16;
	esp.integ = IKE_INTEG_HMAC_SHA2_256_128;
	ck_assert_int_eq(ike_derive_child_keys(&k, &esp, NULL, 0, v->ni.p,
	    32, v->nr.p, 32, &c), -1);
	esp.encr = IKE_ENCR_NULL;
	esp.encr_keybits = 0;
	esp.integ = IKE_INTEG_NONE;
	ck_assert_int_eq(ike_derive_child_keys(&k, &esp, NULL, 0, v->ni.p,
	    32, v->nr.p, 32, &c), -1);
	ck_assert_uint_eq(ike_encr_key_len(IKE_ENCR_AES_GCM_8, 192), 28);
	ck_assert_uint_eq(ike_encr_key_len(IKE_ENCR_AES_CBC, 100), 0);
	ike_sa_keys_wipe(&k);
}
END_TEST

START_TEST(test_ike_keys_refuse_bad_suites)
{
	const struct ike_vector *v = &ike_vectors[0];
	struct ike_suite ike, esp;
	struct ike_sa_keys k;

	vec_suites(v, &ike, &esp);
	ike.integ = IKE_INTEG_HMAC_SHA2_256_128;	/* AEAD with integ */
	ck_assert_int_eq(ike_derive_ike_keys(&ike, v->g_ir.p, v->g_ir.len,
	    v->ni.p, 32, v->nr.p, 32, 1, 2, &k), -1);
	vec_suites(v, &ike, &esp);
	ike.encr = IKE_ENCR_NULL;
	ck_assert_int_eq(ike_derive_ike_keys(&ike, v->g_ir.p, v->g_ir.len,
	    v->ni.p, 32, v->nr.p, 32, 1, 2, &k), -1);
	vec_suites(v, &ike, &esp);
	ck_assert_int_eq(ike_derive_ike_keys(&ike, v->g_ir.p, v->g_ir.len,
	    v->ni.p, 15, v->nr.p, 32, 1, 2, &k), -1);	/* nonce < 16 */
}
END_TEST

/* ---- Cookies (2.6) ---- */

START_TEST(test_cookie)
{
	static const uint8_t ip[4] = { 192, 0, 2, 1 };
	uint8_t secret[32], ni[32], a[IKE_COOKIE_LEN], b[IKE_COOKIE_LEN];
	uint8_t in[32 + 4 + 8 + 32], md[32];
	unsigned int md_len;

	memset(secret, 0x42, sizeof(secret));
	memset(ni, 0x17, sizeof(ni));
	ck_assert_int_eq(ike_cookie_make(secret, 0x01020304, ni, 32, ip, 4,
	    0x0a0b0c0d0e0f1011ULL, a), 0);
	ck_assert_mem_eq(a, "\x01\x02\x03\x04", 4);
	/* Hash(Ni | IPi | SPIi | <secret>) */
	memcpy(in, ni, 32);
	memcpy(in + 32, ip, 4);
	memcpy(in + 36, "\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11", 8);
	memcpy(in + 44, secret, 32);
	ck_assert_int_eq(EVP_Digest(in, sizeof(in), md, &md_len, EVP_sha256(),
	    NULL), 1);
	ck_assert_mem_eq(a + 4, md, 32);
	ck_assert_int_eq(ike_cookie_make(secret, 0x01020304, ni, 32, ip, 4,
	    0x0a0b0c0d0e0f1012ULL, b), 0);
	ck_assert(!ike_ct_equal(a, b, IKE_COOKIE_LEN));
	ck_assert_int_eq(ike_cookie_make(secret, 1, ni, 32, ip, 5, 1, b), -1);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("ike_crypto");
	TCase *prf = tcase_create("prf");
	TCase *vec = tcase_create("strongswan");
	TCase *dh = tcase_create("dh");
	TCase *sk = tcase_create("sk");
	TCase *kd = tcase_create("derivation");

	tcase_add_loop_test(prf, test_prf_rfc4868, 0,
	    (int)(sizeof(rfc4868_prf) / sizeof(rfc4868_prf[0])));
	tcase_add_test(prf, test_prf_sha1_rfc2202);
	tcase_add_test(prf, test_prf_plus_definition);
	suite_add_tcase(s, prf);

	tcase_add_loop_test(vec, test_vec_ike_keys, 0, (int)N_VECTORS);
	tcase_add_loop_test(vec, test_vec_open_and_auth, 0, (int)N_VECTORS);
	tcase_add_loop_test(vec, test_vec_child_keys, 0, (int)N_VECTORS);
	tcase_add_loop_test(vec, test_vec_nat_detection, 0, (int)N_VECTORS);
	tcase_add_loop_test(vec, test_vec_ike_rekey, 0,
	    (int)(sizeof(ike_rekey_vectors) / sizeof(ike_rekey_vectors[0])));
	suite_add_tcase(s, vec);

	tcase_set_timeout(dh, 30);
	tcase_add_loop_test(dh, test_dh_agree, 0,
	    (int)(sizeof(groups) / sizeof(groups[0])));
	tcase_add_test(dh, test_dh_unknown_group);
	tcase_add_test(dh, test_dh_bad_peer_values);
	suite_add_tcase(s, dh);

	tcase_add_loop_test(sk, test_sk_round_trip_and_tamper, 0,
	    (int)N_SK_SUITES);
	tcase_add_test(sk, test_sk_bad_dirs);
	suite_add_tcase(s, sk);

	tcase_add_test(kd, test_rekey_definition);
	tcase_add_test(kd, test_child_pfs_and_salts);
	tcase_add_test(kd, test_ike_keys_refuse_bad_suites);
	tcase_add_test(kd, test_cookie);
	suite_add_tcase(s, kd);
	return (s);
}

UNIT_MAIN
