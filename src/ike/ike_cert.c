/*
 * ike_cert.c - X.509 for the IKE endpoint: loading our private key and
 * certificate (PEM or DER), the trust store of CA certificates, and the
 * check of a peer's end-entity certificate: its chain to a trusted CA and
 * validity now (X509_STORE_CTX), and that the identity it sent (3.5)
 * names it: a DN equal to the subject, or an FQDN, RFC822 address or IP
 * address in subjectAltName (RFC 7296 3.5, RFC 4945 3.1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ike_crypto_int.h"

#define FILE_MAX	(1024 * 1024)

struct ike_trust {
	X509_STORE	*store;
};

static void
set_err(char *err, size_t errlen, const char *what, const char *path)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: %s", path, what);
	ERR_clear_error();
}

/* The whole file, allocated; NULL when unreadable or too large. */
static uint8_t *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n = 0;

	if (f == NULL)
		return (NULL);
	if ((buf = malloc(FILE_MAX)) != NULL) {
		n = fread(buf, 1, FILE_MAX, f);
		if (ferror(f) || n == 0 || n == FILE_MAX) {
			ike_wipe(buf, FILE_MAX);
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	*len = n;
	return (buf);
}

static void
free_file(uint8_t *buf, size_t len)
{
	if (buf != NULL) {
		ike_wipe(buf, len);	/* it may hold a private key */
		free(buf);
	}
}

/* Never prompt for a passphrase: encrypted keys are refused. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return (-1);
}

struct ike_privkey *
ike_privkey_load(const char *path, char *err, size_t errlen)
{
	struct ike_privkey *key;
	EVP_PKEY *pkey = NULL;
	const uint8_t *p;
	uint8_t *buf;
	size_t len;
	BIO *bio;

	if ((buf = read_file(path, &len)) == NULL) {
		set_err(err, errlen, "cannot read the private key", path);
		return (NULL);
	}
	if ((bio = BIO_new_mem_buf(buf, (int)len)) != NULL) {
		pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
		BIO_free(bio);
	}
	if (pkey == NULL) {
		p = buf;
		pkey = d2i_AutoPrivateKey(NULL, &p, (long)len);
	}
	free_file(buf, len);
	if (pkey == NULL || !(EVP_PKEY_is_a(pkey, "RSA") ||
	    EVP_PKEY_is_a(pkey, "EC"))) {
		EVP_PKEY_free(pkey);
		set_err(err, errlen, "not an RSA or EC private key (PEM or "
		    "DER, unencrypted)", path);
		return (NULL);
	}
	if ((key = calloc(1, sizeof(*key))) == NULL) {
		EVP_PKEY_free(pkey);
		set_err(err, errlen, "out of memory", path);
		return (NULL);
	}
	key->pkey = pkey;
	ERR_clear_error();
	return (key);
}

void
ike_privkey_free(struct ike_privkey *key)
{
	if (key == NULL)
		return;
	EVP_PKEY_free(key->pkey);	/* OpenSSL clears the key material */
	free(key);
}

int
ike_cert_load(const char *path, uint8_t *out, size_t cap, size_t *out_len,
    char *err, size_t errlen)
{
	X509 *cert = NULL;
	const uint8_t *p;
	uint8_t *buf, *w;
	size_t len;
	int der_len;
	BIO *bio;

	if ((buf = read_file(path, &len)) == NULL) {
		set_err(err, errlen, "cannot read the certificate", path);
		return (-1);
	}
	if ((bio = BIO_new_mem_buf(buf, (int)len)) != NULL) {
		cert = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL);
		BIO_free(bio);
	}
	if (cert == NULL) {
		p = buf;
		cert = d2i_X509(NULL, &p, (long)len);
	}
	free_file(buf, len);
	if (cert == NULL) {
		set_err(err, errlen, "not a certificate (PEM or DER)", path);
		return (-1);
	}
	der_len = i2d_X509(cert, NULL);
	if (der_len <= 0 || (size_t)der_len > cap) {
		X509_free(cert);
		set_err(err, errlen, "certificate too large", path);
		return (-1);
	}
	w = out;
	i2d_X509(cert, &w);
	*out_len = (size_t)der_len;
	X509_free(cert);
	ERR_clear_error();
	return (0);
}

struct ike_trust *
ike_trust_load(const char *const *paths, size_t n, char *err, size_t errlen)
{
	struct ike_trust *trust;
	size_t i;

	if (n == 0) {
		set_err(err, errlen, "no CA certificate", "trust");
		return (NULL);
	}
	if ((trust = calloc(1, sizeof(*trust))) == NULL ||
	    (trust->store = X509_STORE_new()) == NULL) {
		free(trust);
		set_err(err, errlen, "out of memory", "trust");
		return (NULL);
	}
	for (i = 0; i < n; i++) {
		if (X509_STORE_load_file(trust->store, paths[i]) != 1) {
			set_err(err, errlen, "cannot load CA certificates",
			    paths[i]);
			ike_trust_free(trust);
			return (NULL);
		}
	}
	return (trust);
}

void
ike_trust_free(struct ike_trust *trust)
{
	if (trust == NULL)
		return;
	X509_STORE_free(trust->store);
	free(trust);
}

/* X509_check_* with the subject's CN never taken for a SAN, and no
 * wildcards: the ID must be in subjectAltName as it is. */
#define SAN_ONLY	(X509_CHECK_FLAG_NEVER_CHECK_SUBJECT | \
			 X509_CHECK_FLAG_NO_WILDCARDS)

static bool
id_matches(X509 *cert, const struct ike_id *id)
{
	const uint8_t *p = id->data;
	X509_NAME *dn;
	bool ok;

	if (id->len == 0 || id->len > IKE_ID_MAX)
		return (false);
	switch (id->type) {
	case IKE_ID_DER_ASN1_DN:
		if ((dn = d2i_X509_NAME(NULL, &p, id->len)) == NULL)
			return (false);
		ok = p == id->data + id->len &&
		    X509_NAME_cmp(dn, X509_get_subject_name(cert)) == 0;
		X509_NAME_free(dn);
		return (ok);
	case IKE_ID_FQDN:
		return (X509_check_host(cert, (const char *)id->data, id->len,
		    SAN_ONLY, NULL) == 1);
	case IKE_ID_RFC822_ADDR:
		return (X509_check_email(cert, (const char *)id->data, id->len,
		    SAN_ONLY) == 1);
	case IKE_ID_IPV4_ADDR:
		return (id->len == 4 &&
		    X509_check_ip(cert, id->data, 4, 0) == 1);
	case IKE_ID_IPV6_ADDR:
		return (id->len == 16 &&
		    X509_check_ip(cert, id->data, 16, 0) == 1);
	default:
		return (false);
	}
}

X509 *
ike_cert_check(const struct ike_trust *trust, const uint8_t *der,
    size_t der_len, const struct ike_id *id, char *err, size_t errlen)
{
	X509_STORE_CTX *ctx = NULL;
	const uint8_t *p = der;
	X509 *cert = NULL;
	int verr;

	if (trust != NULL && der_len <= FILE_MAX)
		cert = d2i_X509(NULL, &p, (long)der_len);
	if (cert == NULL || p != der + der_len) {	/* trailing bytes */
		X509_free(cert);
		set_err(err, errlen, "malformed certificate", "peer");
		return (NULL);
	}
	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, trust->store, cert, NULL) != 1) {
		set_err(err, errlen, "out of memory", "peer");
		goto fail;
	}
	if (X509_verify_cert(ctx) != 1) {
		verr = X509_STORE_CTX_get_error(ctx);
		set_err(err, errlen, X509_verify_cert_error_string(verr),
		    "peer certificate");
		goto fail;
	}
	if (!id_matches(cert, id)) {
		set_err(err, errlen, "the identity does not match it",
		    "peer certificate");
		goto fail;
	}
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return (cert);
fail:
	X509_STORE_CTX_free(ctx);
	X509_free(cert);
	return (NULL);
}

int
ike_cert_subject_id(const uint8_t *cert_der, size_t cert_len,
    struct ike_id *id)
{
	const uint8_t *p = cert_der;
	X509 *cert = d2i_X509(NULL, &p, (long)cert_len);
	uint8_t *w = id->data;
	int len;

	memset(id, 0, sizeof(*id));
	if (cert == NULL) {
		ERR_clear_error();
		return (-1);
	}
	len = i2d_X509_NAME(X509_get_subject_name(cert), NULL);
	if (len > 0 && len <= IKE_ID_MAX) {
		i2d_X509_NAME(X509_get_subject_name(cert), &w);
		id->type = IKE_ID_DER_ASN1_DN;
		id->len = (uint16_t)len;
	}
	X509_free(cert);
	ERR_clear_error();
	return (id->len > 0 ? 0 : -1);
}
