/*
 * ike_crypto.h - every cryptographic operation of the IKEv2 endpoint,
 * through OpenSSL 3 libcrypto (EVP): Diffie-Hellman, the PRF and prf+,
 * key derivation (RFC 7296 2.13, 2.14, 2.17, 2.18), the SK payload
 * (3.14; AEAD per RFC 5282), AUTH (2.15; PSK and RFC 7427 signatures),
 * certificates, cookies (2.6) and NAT detection hashes (2.23).
 *
 * Keys live in the structures below and nowhere else; ike_*_wipe() (or
 * the _free of an opaque type) cleanses them.  Every comparison of an
 * ICV, AUTH value or cookie is constant-time.  Functions return 0 on
 * success and -1 on failure (bad input, OpenSSL error); none prints.
 */
#ifndef ESPVIS_IKE_CRYPTO_H
#define ESPVIS_IKE_CRYPTO_H

#include "ike_types.h"

#define IKE_PRF_MAX	64	/* HMAC-SHA2-512 output */
#define IKE_ENCR_KEY_MAX 36	/* AES-256 key + 4-byte salt (RFC 5282) */
#define IKE_INTEG_KEY_MAX 64
#define IKE_DH_PUB_MAX	512	/* MODP-2048: 256; ECP-384: 96 */
#define IKE_DH_SECRET_MAX 256

/* Bytes of randomness from the OpenSSL DRBG. */
int	ike_random(void *buf, size_t len);
/* Constant-time equality of two equal-length buffers. */
bool	ike_ct_equal(const void *a, const void *b, size_t len);
/* OPENSSL_cleanse. */
void	ike_wipe(void *buf, size_t len);

/* ---- Diffie-Hellman (3.4; RFC 3526, RFC 5903 section 7, RFC 8031) ---- */

struct ike_dh_key;	/* opaque: a group and our private key (not
			 * "struct ike_dh": that tag is the enum of
			 * ike_types.h) */

/* A fresh key pair in `group` (enum ike_dh), or NULL. */
struct ike_dh_key *ike_dh_new(uint16_t group);
/* Our public value as the KE payload carries it (MODP: 256 bytes, ECP:
 * x || y, Curve25519: 32 bytes). */
int	ike_dh_public(const struct ike_dh_key *dh, uint8_t *out, size_t cap,
	    size_t *out_len);
/* The shared secret g^ir from the peer's KE data (length and point
 * validated). */
int	ike_dh_shared(struct ike_dh_key *dh, const uint8_t *peer,
	    size_t peer_len, uint8_t *secret, size_t cap, size_t *secret_len);
size_t	ike_dh_public_len(uint16_t group);	/* 0 when unknown */
void	ike_dh_free(struct ike_dh_key *dh);

/* ---- PRF and key derivation ---- */

size_t	ike_prf_len(uint16_t prf);		/* 0 when unknown */
int	ike_prf(uint16_t prf, const uint8_t *key, size_t key_len,
	    const uint8_t *data, size_t data_len, uint8_t *out);
/* prf+ (2.13): out_len bytes of T1 | T2 | ... */
int	ike_prf_plus(uint16_t prf, const uint8_t *key, size_t key_len,
	    const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len);

/* Key lengths of a suite: encryption key bytes including any salt
 * (AES-GCM: keybits/8 + 4), integrity key bytes (0 for AEAD). */
size_t	ike_encr_key_len(uint16_t encr, uint16_t keybits);
size_t	ike_integ_key_len(uint16_t integ);
size_t	ike_integ_icv_len(uint16_t integ);	/* truncated output */
/* The OpenSSL digest name of an integrity transform ("SHA256"), or
 * NULL; the ESP data plane's HMACs use it too. */
const char *ike_integ_digest(uint16_t integ);

/* One direction of the SK payload protection. */
struct ike_sk_dir {
	uint16_t	encr;
	uint16_t	keybits;
	uint16_t	integ;		/* 0 with AEAD */
	uint8_t		ek[IKE_ENCR_KEY_MAX];
	uint8_t		ek_len;
	uint8_t		ak[IKE_INTEG_KEY_MAX];
	uint8_t		ak_len;
};

/* The seven secrets of an IKE SA (2.14). */
struct ike_sa_keys {
	uint16_t		prf;
	uint8_t			prf_len;
	uint8_t			sk_d[IKE_PRF_MAX];
	uint8_t			sk_pi[IKE_PRF_MAX];
	uint8_t			sk_pr[IKE_PRF_MAX];
	struct ike_sk_dir	i2r;	/* SK_ei, SK_ai */
	struct ike_sk_dir	r2i;	/* SK_er, SK_ar */
};

/*
 * IKE SA keys (2.14): SKEYSEED = prf(Ni | Nr, g^ir), then
 * prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) split into SK_d, SK_ai, SK_ar,
 * SK_ei, SK_er, SK_pi, SK_pr.  For a PRF with a fixed key size the
 * nonces are used as 2.14 says (half from each).  SPIs in host order.
 */
int	ike_derive_ike_keys(const struct ike_suite *suite,
	    const uint8_t *g_ir, size_t g_ir_len,
	    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
	    uint64_t spi_i, uint64_t spi_r, struct ike_sa_keys *out);

/*
 * Rekeyed IKE SA keys (2.18): SKEYSEED = prf(SK_d (old), g^ir (new) |
 * Ni | Nr) with the old SA's PRF, then as above with the new suite and
 * SPIs.
 */
int	ike_derive_rekey_keys(const struct ike_sa_keys *old,
	    const struct ike_suite *suite,
	    const uint8_t *g_ir, size_t g_ir_len,
	    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
	    uint64_t spi_i, uint64_t spi_r, struct ike_sa_keys *out);

/* Keys of a Child SA, both directions (2.17). */
struct ike_child_keys {
	uint16_t	encr;
	uint16_t	keybits;
	uint16_t	integ;
	uint8_t		encr_len;	/* with salt for GCM/GMAC */
	uint8_t		integ_len;
	uint8_t		ei[IKE_ENCR_KEY_MAX];	/* initiator to responder */
	uint8_t		ai[IKE_INTEG_KEY_MAX];
	uint8_t		er[IKE_ENCR_KEY_MAX];	/* responder to initiator */
	uint8_t		ar[IKE_INTEG_KEY_MAX];
};

/*
 * KEYMAT = prf+(SK_d, [g^ir (PFS) |] Ni | Nr), taken as encryption then
 * integrity key for initiator-to-responder, then the same for
 * responder-to-initiator (2.17).  g_ir NULL without PFS.  ESP AES-GCM
 * and GMAC keys carry their 4-byte salt (RFC 4106 8.1, RFC 4543 3.2).
 */
int	ike_derive_child_keys(const struct ike_sa_keys *ike,
	    const struct ike_suite *child,
	    const uint8_t *g_ir, size_t g_ir_len,
	    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
	    struct ike_child_keys *out);

void	ike_sa_keys_wipe(struct ike_sa_keys *keys);
void	ike_child_keys_wipe(struct ike_child_keys *keys);

/* ---- The SK payload (3.14, RFC 5282) ---- */

/* Bytes the sealed body (IV, ciphertext with padding and Pad Length,
 * ICV) takes for `plain_len` bytes of inner payloads. */
size_t	ike_sk_sealed_len(const struct ike_sk_dir *dir, size_t plain_len);

/*
 * Seals inner payloads into msg[aad_len ...]: writes a fresh IV, the
 * ciphertext of plain | padding | Pad Length, and the ICV, exactly
 * ike_sk_sealed_len() bytes.  msg[0 .. aad_len) is the IKE header and
 * the SK generic header, with their final lengths already written: the
 * integrity check (or AEAD associated data) covers them.  The IV for
 * AES-GCM is the 8-byte explicit IV (RFC 5282 section 3).
 */
int	ike_sk_seal(const struct ike_sk_dir *dir, uint8_t *msg,
	    size_t msg_cap, size_t aad_len, const uint8_t *plain,
	    size_t plain_len);

/*
 * Verifies (constant-time) and decrypts the SK body of a received
 * message: msg is the whole message, aad_len as ike_msg gives it
 * (sk_aad_len); writes the inner payloads without padding to plain and
 * their length to *plain_len.  Fails on a bad ICV, bad padding or a
 * body too short.
 */
int	ike_sk_open(const struct ike_sk_dir *dir, const uint8_t *msg,
	    size_t msg_len, size_t aad_len, uint8_t *plain, size_t cap,
	    size_t *plain_len);

/* ---- AUTH (2.15) ---- */

/*
 * What one side signs: its own first message of the exchange (the
 * IKE_SA_INIT it sent, as sent), the peer's nonce, and
 * prf(SK_p, RestOfIDPayload) with its own SK_pi (initiator) or SK_pr
 * (responder) and its own ID payload body (2.15).
 */
struct ike_signed_octets {
	uint16_t	 prf;
	const uint8_t	*msg;
	size_t		 msg_len;
	const uint8_t	*nonce;
	size_t		 nonce_len;
	const uint8_t	*sk_p;
	size_t		 sk_p_len;
	const uint8_t	*id_body;
	size_t		 id_body_len;
};

/* AUTH = prf(prf(PSK, "Key Pad for IKEv2"), <SignedOctets>) (2.15). */
int	ike_auth_psk(const struct ike_signed_octets *so, const uint8_t *psk,
	    size_t psk_len, uint8_t *out, size_t cap, size_t *out_len);
/* The same, compared in constant time with the peer's AUTH data. */
bool	ike_auth_psk_verify(const struct ike_signed_octets *so,
	    const uint8_t *psk, size_t psk_len, const uint8_t *auth,
	    size_t auth_len);

struct ike_privkey;	/* opaque: an RSA or ECDSA private key */
struct ike_trust;	/* opaque: trusted CA certificates */

/* Loads a PEM or DER private key; NULL with a message in err. */
struct ike_privkey *ike_privkey_load(const char *path, char *err,
	    size_t errlen);
void	ike_privkey_free(struct ike_privkey *key);
/* Loads a PEM or DER certificate as DER into out. */
int	ike_cert_load(const char *path, uint8_t *out, size_t cap,
	    size_t *out_len, char *err, size_t errlen);
/* CA certificates from files (PEM, one or more each). */
struct ike_trust *ike_trust_load(const char *const *paths, size_t n,
	    char *err, size_t errlen);
void	ike_trust_free(struct ike_trust *trust);

/*
 * RFC 7427 Digital Signature AUTH data (method 14): the ASN.1 length
 * byte, the AlgorithmIdentifier, and the signature over the signed
 * octets, with the strongest hash the peer announced in
 * SIGNATURE_HASH_ALGORITHMS (peer_hashes: bit (1 << enum ike_hash)).
 */
int	ike_auth_sign(const struct ike_privkey *key,
	    const struct ike_signed_octets *so, uint32_t peer_hashes,
	    uint8_t *out, size_t cap, size_t *out_len);

/*
 * Verifies the peer's AUTH (methods 14, 1 RSA, 9/10/11 ECDSA) against
 * its end-entity certificate (DER), after checking that certificate
 * against `trust` (chain, validity at `now`) and that `id` matches it
 * (DN equal to the subject, or FQDN / RFC822 / IP in subjectAltName).
 */
int	ike_auth_verify_cert(const struct ike_trust *trust,
	    const uint8_t *cert_der, size_t cert_len, const struct ike_id *id,
	    const struct ike_signed_octets *so, uint8_t method,
	    const uint8_t *auth, size_t auth_len, char *err, size_t errlen);

/* The subject DN of a certificate as an ID_DER_ASN1_DN identity. */
int	ike_cert_subject_id(const uint8_t *cert_der, size_t cert_len,
	    struct ike_id *id);

/* ---- Cookies (2.6) and NAT detection (2.23) ---- */

/*
 * Cookie = <VersionIDofSecret> | Hash(Ni | IPi | SPIi | <secret>),
 * SHA-256; 4 + 32 bytes.  ip is 4 or 16 bytes, network order.
 */
#define IKE_COOKIE_LEN	36
int	ike_cookie_make(const uint8_t secret[32], uint32_t version,
	    const uint8_t *ni, size_t ni_len, const uint8_t *ip, size_t ip_len,
	    uint64_t spi_i, uint8_t out[IKE_COOKIE_LEN]);

/* SHA-1(SPIi | SPIr | IP address | Port) (2.23); port host order. */
int	ike_nat_hash(uint64_t spi_i, uint64_t spi_r, const uint8_t *ip,
	    size_t ip_len, uint16_t port, uint8_t out[20]);

#endif /* ESPVIS_IKE_CRYPTO_H */
