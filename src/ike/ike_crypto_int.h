/*
 * ike_crypto_int.h - what the files implementing ike_crypto.h share among
 * themselves (ike_crypto.c, ike_dh.c, ike_sk.c, ike_auth.c, ike_cert.c).
 * Not for the rest of the endpoint: use ike_crypto.h.
 */
#ifndef ESPVIS_IKE_CRYPTO_INT_H
#define ESPVIS_IKE_CRYPTO_INT_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ike_crypto.h"

/* One piece of a message fed to a MAC or a digest. */
struct ike_iov {
	const void	*p;
	size_t		 len;
};

/* HMAC with `digest` ("SHA1", "SHA256", ...) over the pieces; *out_len
 * is the full HMAC length (out_cap must hold it). */
int	ike_hmac_iov(const char *digest, const uint8_t *key, size_t key_len,
	    const struct ike_iov *iov, size_t n, uint8_t *out, size_t out_cap,
	    size_t *out_len);

/* The digest name of a PRF, or NULL. */
const char *ike_prf_digest(uint16_t prf);

/* prf(prf(SK_p, RestOfIDPayload)) appended: the signed octets (2.15)
 * as one buffer, allocated; *len its length.  NULL on failure. */
uint8_t	*ike_signed_octets_build(const struct ike_signed_octets *so,
	    size_t *len);

/* Parses the DER certificate, checks it against the trust store (chain,
 * validity now) and the identity against it; the certificate or NULL. */
X509	*ike_cert_check(const struct ike_trust *trust, const uint8_t *der,
	    size_t der_len, const struct ike_id *id, char *err, size_t errlen);

/* Formats err (when given) as "what: OpenSSL's reason"; returns -1. */
int	ike_crypto_err(char *err, size_t errlen, const char *what);

struct ike_privkey {
	EVP_PKEY	*pkey;
};

#endif /* ESPVIS_IKE_CRYPTO_INT_H */
