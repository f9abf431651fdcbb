/*
 * ike_sk.c - the Encrypted payload (RFC 7296 3.14): AES-CBC with an
 * HMAC-SHA1/SHA2 ICV over the whole message up to the ICV, and AES-GCM
 * with 8, 12 or 16-byte ICVs (RFC 5282), through EVP_CIPHER.
 *
 *   CBC: IV (16, random) | E(inner | padding | Pad Length) | ICV
 *   GCM: IV (8, explicit) | E(inner | padding | Pad Length) | tag;
 *        nonce = salt (last 4 bytes of SK_e) | IV (RFC 5282 4),
 *        AAD = IKE header through the SK generic header (RFC 5282 5.1).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "ike_crypto_int.h"

#define CBC_BLOCK	16
#define CBC_IV_LEN	16
#define GCM_IV_LEN	8
#define GCM_SALT_LEN	4
#define SK_AAD_MIN	(IKE_HDR_LEN + 4)

static bool
is_gcm(uint16_t encr)
{
	return (encr == IKE_ENCR_AES_GCM_8 || encr == IKE_ENCR_AES_GCM_12 ||
	    encr == IKE_ENCR_AES_GCM_16);
}

static size_t
gcm_tag_len(uint16_t encr)
{
	switch (encr) {
	case IKE_ENCR_AES_GCM_8:	return (8);
	case IKE_ENCR_AES_GCM_12:	return (12);
	case IKE_ENCR_AES_GCM_16:	return (16);
	default:			return (0);
	}
}

/* A direction we can run: the key lengths agree with the algorithms. */
static bool
dir_ok(const struct ike_sk_dir *dir)
{
	size_t ek = ike_encr_key_len(dir->encr, dir->keybits);

	if (ek == 0 || dir->ek_len != ek)
		return (false);
	if (is_gcm(dir->encr))
		return (dir->integ == IKE_INTEG_NONE);
	return (dir->encr == IKE_ENCR_AES_CBC &&
	    ike_integ_key_len(dir->integ) != 0 &&
	    dir->ak_len == ike_integ_key_len(dir->integ));
}

static EVP_CIPHER *
fetch_aes(uint16_t keybits, const char *mode)
{
	char name[24];

	snprintf(name, sizeof(name), "AES-%u-%s", (unsigned)keybits, mode);
	return (EVP_CIPHER_fetch(NULL, name, NULL));
}

size_t
ike_sk_sealed_len(const struct ike_sk_dir *dir, size_t plain_len)
{
	if (!dir_ok(dir) || plain_len > IKE_MSG_MAX)
		return (0);
	if (is_gcm(dir->encr))		/* no padding, Pad Length 0 */
		return (GCM_IV_LEN + plain_len + 1 + gcm_tag_len(dir->encr));
	return (CBC_IV_LEN + (plain_len + 1 + CBC_BLOCK - 1) / CBC_BLOCK *
	    CBC_BLOCK + ike_integ_icv_len(dir->integ));
}

/* One pass of AES-CBC without padding (we pad ourselves, 3.14). */
static int
cbc_crypt(const struct ike_sk_dir *dir, int enc, const uint8_t *iv,
    const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_CIPHER *cipher = fetch_aes(dir->keybits, "CBC");
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n1 = 0, n2 = 0, rc = -1;

	if (cipher != NULL && ctx != NULL && len <= IKE_MSG_MAX &&
	    EVP_CipherInit_ex2(ctx, cipher, dir->ek, iv, enc, NULL) &&
	    EVP_CIPHER_CTX_set_padding(ctx, 0) &&
	    EVP_CipherUpdate(ctx, out, &n1, in, (int)len) &&
	    EVP_CipherFinal_ex(ctx, out + n1, &n2) && (size_t)(n1 + n2) == len)
		rc = 0;
	EVP_CIPHER_CTX_free(ctx);	/* cleanses the key schedule */
	EVP_CIPHER_free(cipher);
	ERR_clear_error();
	return (rc);
}

/* The truncated ICV of msg[0 .. len). */
static int
cbc_icv(const struct ike_sk_dir *dir, const uint8_t *msg, size_t len,
    uint8_t *icv)
{
	uint8_t full[IKE_PRF_MAX];
	struct ike_iov iov = { msg, len };
	size_t full_len;
	int rc;

	rc = ike_hmac_iov(ike_integ_digest(dir->integ), dir->ak, dir->ak_len,
	    &iov, 1, full, sizeof(full), &full_len);
	if (rc == 0)
		memcpy(icv, full, ike_integ_icv_len(dir->integ));
	ike_wipe(full, sizeof(full));
	return (rc);
}

/*
 * AES-GCM over body (in place is fine): the nonce is the salt and the
 * explicit IV; the tag is written (enc) or checked (!enc).
 */
static int
gcm_crypt(const struct ike_sk_dir *dir, int enc, const uint8_t *iv,
    const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len,
    uint8_t *out, uint8_t *tag)
{
	EVP_CIPHER *cipher = fetch_aes(dir->keybits, "GCM");
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	size_t key_len = dir->ek_len - GCM_SALT_LEN;
	int tag_len = (int)gcm_tag_len(dir->encr), n = 0, rc = -1;
	uint8_t nonce[GCM_SALT_LEN + GCM_IV_LEN];

	memcpy(nonce, dir->ek + key_len, GCM_SALT_LEN);
	memcpy(nonce + GCM_SALT_LEN, iv, GCM_IV_LEN);
	if (cipher == NULL || ctx == NULL || len > IKE_MSG_MAX ||
	    !EVP_CipherInit_ex2(ctx, cipher, NULL, NULL, enc, NULL) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, sizeof(nonce),
	    NULL) ||
	    !EVP_CipherInit_ex2(ctx, NULL, dir->ek, nonce, enc, NULL) ||
	    !EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) ||
	    !EVP_CipherUpdate(ctx, out, &n, in, (int)len) || (size_t)n != len)
		goto done;
	if (enc) {
		if (EVP_CipherFinal_ex(ctx, out + n, &n) &&
		    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, tag_len,
		    tag))
			rc = 0;
	} else {
		if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, tag_len,
		    tag) && EVP_CipherFinal_ex(ctx, out + n, &n) == 1)
			rc = 0;		/* the tag compare is OpenSSL's, CT */
	}
done:
	ike_wipe(nonce, sizeof(nonce));
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(cipher);
	ERR_clear_error();
	return (rc);
}

int
ike_sk_seal(const struct ike_sk_dir *dir, uint8_t *msg, size_t msg_cap,
    size_t aad_len, const uint8_t *plain, size_t plain_len)
{
	uint8_t buf[IKE_MSG_MAX + CBC_BLOCK];
	size_t sealed = ike_sk_sealed_len(dir, plain_len), iv_len, ct_len;
	uint8_t *iv, *ct;
	int rc = -1;

	if (sealed == 0 || aad_len < SK_AAD_MIN || aad_len > msg_cap ||
	    sealed > msg_cap - aad_len)
		return (-1);
	iv_len = is_gcm(dir->encr) ? GCM_IV_LEN : CBC_IV_LEN;
	iv = msg + aad_len;
	ct = iv + iv_len;
	ct_len = is_gcm(dir->encr) ? plain_len + 1 :
	    (plain_len + 1 + CBC_BLOCK - 1) / CBC_BLOCK * CBC_BLOCK;
	/* inner payloads | Padding (zeros) | Pad Length */
	memcpy(buf, plain, plain_len);
	memset(buf + plain_len, 0, ct_len - plain_len);
	buf[ct_len - 1] = (uint8_t)(ct_len - plain_len - 1);
	if (ike_random(iv, iv_len) != 0)
		goto done;
	if (is_gcm(dir->encr))
		rc = gcm_crypt(dir, 1, iv, msg, aad_len, buf, ct_len, ct,
		    ct + ct_len);
	else if (cbc_crypt(dir, 1, iv, buf, ct_len, ct) == 0)
		rc = cbc_icv(dir, msg, aad_len + iv_len + ct_len, ct + ct_len);
done:
	ike_wipe(buf, sizeof(buf));
	if (rc != 0)
		ike_wipe(msg + aad_len, sealed);
	return (rc);
}

int
ike_sk_open(const struct ike_sk_dir *dir, const uint8_t *msg,
    size_t msg_len, size_t aad_len, uint8_t *plain, size_t cap,
    size_t *plain_len)
{
	uint8_t buf[IKE_MSG_MAX], icv[IKE_PRF_MAX];
	size_t body, iv_len, icv_len, ct_len, pad;
	const uint8_t *iv, *ct;
	int rc = -1;

	if (!dir_ok(dir) || aad_len < SK_AAD_MIN || aad_len > msg_len)
		return (-1);
	body = msg_len - aad_len;
	iv_len = is_gcm(dir->encr) ? GCM_IV_LEN : CBC_IV_LEN;
	icv_len = is_gcm(dir->encr) ? gcm_tag_len(dir->encr) :
	    ike_integ_icv_len(dir->integ);
	if (body < iv_len + 1 + icv_len)
		return (-1);
	ct_len = body - iv_len - icv_len;
	iv = msg + aad_len;
	ct = iv + iv_len;
	if (ct_len > sizeof(buf) ||
	    (!is_gcm(dir->encr) && ct_len % CBC_BLOCK != 0))
		return (-1);
	if (is_gcm(dir->encr)) {
		memcpy(icv, ct + ct_len, icv_len);	/* the received tag */
		if (gcm_crypt(dir, 0, iv, msg, aad_len, ct, ct_len, buf,
		    icv) != 0)
			goto done;
	} else {
		/* Integrity first (3.14), in constant time. */
		if (cbc_icv(dir, msg, msg_len - icv_len, icv) != 0 ||
		    !ike_ct_equal(icv, ct + ct_len, icv_len) ||
		    cbc_crypt(dir, 0, iv, ct, ct_len, buf) != 0)
			goto done;
	}
	pad = buf[ct_len - 1];
	if (pad + 1 > ct_len || ct_len - pad - 1 > cap)
		goto done;
	*plain_len = ct_len - pad - 1;
	memcpy(plain, buf, *plain_len);
	rc = 0;
done:
	ike_wipe(buf, sizeof(buf));
	ike_wipe(icv, sizeof(icv));
	return (rc);
}
