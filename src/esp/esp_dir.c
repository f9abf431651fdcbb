/*
 * esp_dir.c - one direction's ESP transform through OpenSSL 3 EVP
 * (esp_dir.h): contexts keyed once, then seal and open per packet.
 *
 * Opening checks the ICV first and in constant time (CRYPTO_memcmp;
 * OpenSSL's GCM compares its tag so too); nothing is decrypted before,
 * except with GCM where it is one operation.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "esp_dir.h"
#include "../ike/ike_crypto.h"
#include "../util/cursor.h"

#define ESP_GCM_ICV	16	/* RFC 4106 6: ICV-16; RFC 4543 3.4 */
#define ESP_GCM_IV	8
#define ESP_GCM_SALT	4
#define ESP_CBC_BLOCK	16

/* ---- setup ---- */

static const EVP_CIPHER *
aes_cipher(uint16_t encr, uint16_t keybits)
{
	bool	 cbc = encr == IKE_ENCR_AES_CBC;

	switch (keybits) {
	case 128: return (cbc ? EVP_aes_128_cbc() : EVP_aes_128_gcm());
	case 192: return (cbc ? EVP_aes_192_cbc() : EVP_aes_192_gcm());
	case 256: return (cbc ? EVP_aes_256_cbc() : EVP_aes_256_gcm());
	default:  return (NULL);
	}
}

static int
dir_mac_init(struct esp_dir *d, uint16_t integ, const uint8_t *ak,
    size_t ak_len)
{
	OSSL_PARAM	 params[2];
	EVP_MAC		*mac;
	const char	*md = ike_integ_digest(integ);

	if (md == NULL || ak_len != ike_integ_key_len(integ))
		return (-1);
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return (-1);
	d->mac = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);	/* the context holds its own reference */
	if (d->mac == NULL)
		return (-1);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)(uintptr_t)md, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(d->mac, ak, ak_len, params))
		return (-1);
	d->icv_len = (uint8_t)ike_integ_icv_len(integ);
	return (0);
}

static int
dir_cipher_init(struct esp_dir *d, const EVP_CIPHER *cipher,
    const uint8_t *key, int enc)
{
	if (cipher == NULL || (d->cipher = EVP_CIPHER_CTX_new()) == NULL)
		return (-1);
	if (!EVP_CipherInit_ex(d->cipher, cipher, NULL, NULL, NULL, enc) ||
	    !EVP_CipherInit_ex(d->cipher, NULL, NULL, key, NULL, enc))
		return (-1);
	if (d->kind == ESP_K_CBC &&
	    !EVP_CIPHER_CTX_set_padding(d->cipher, 0))	/* ESP pads (2.4) */
		return (-1);
	return (0);
}

int
esp_dir_init(struct esp_dir *d, uint32_t spi, const struct ike_suite *s,
    const uint8_t *ek, size_t ek_len, const uint8_t *ak, size_t ak_len,
    int enc)
{
	size_t	 aes = s->encr_keybits / 8;

	d->spi = spi;
	switch (s->encr) {
	case IKE_ENCR_NULL:
		d->kind = ESP_K_NULL;
		d->align = 4;
		return (ek_len != 0 ? -1 : dir_mac_init(d, s->integ, ak,
		    ak_len));
	case IKE_ENCR_AES_CBC:
		d->kind = ESP_K_CBC;
		d->align = ESP_CBC_BLOCK;
		d->iv_len = ESP_CBC_BLOCK;
		if (ek_len != aes || dir_mac_init(d, s->integ, ak, ak_len) != 0)
			return (-1);
		return (dir_cipher_init(d, aes_cipher(s->encr, s->encr_keybits),
		    ek, enc));
	case IKE_ENCR_AES_GCM_16:
	case IKE_ENCR_NULL_AUTH_AES_GMAC:
		d->kind = s->encr == IKE_ENCR_AES_GCM_16 ? ESP_K_GCM :
		    ESP_K_GMAC;
		d->align = 4;
		d->iv_len = ESP_GCM_IV;
		d->icv_len = ESP_GCM_ICV;
		if (s->integ != IKE_INTEG_NONE || ek_len != aes + ESP_GCM_SALT)
			return (-1);
		/* RFC 4106 8.1 / RFC 4543 5.4: the salt ends the key. */
		memcpy(d->salt, ek + aes, ESP_GCM_SALT);
		return (dir_cipher_init(d, aes_cipher(IKE_ENCR_AES_GCM_16,
		    s->encr_keybits), ek, enc));
	default:
		return (-1);
	}
}

int
esp_dir_init_key(struct esp_dir *d, const struct esp_key *k, int enc)
{
	struct ike_suite s;

	if (k->esn)
		return (-1);
	memset(&s, 0, sizeof(s));
	s.encr = k->encr;
	s.encr_keybits = k->encr_keybits;
	s.integ = k->integ;
	return (esp_dir_init(d, k->spi, &s, k->encr_key, k->encr_len,
	    k->integ_key, k->integ_len, enc));
}

void
esp_dir_free(struct esp_dir *d)
{
	EVP_CIPHER_CTX_free(d->cipher);	/* cleanses the key schedule */
	EVP_MAC_CTX_free(d->mac);
	OPENSSL_cleanse(d, sizeof(*d));
}


static int
dir_hmac(struct esp_dir *d, const uint8_t *data, size_t len,
    uint8_t md[EVP_MAX_MD_SIZE])
{
	size_t	 md_len;

	/* A NULL key re-initialises with the key set at init. */
	if (!EVP_MAC_init(d->mac, NULL, 0, NULL) ||
	    !EVP_MAC_update(d->mac, data, len) ||
	    !EVP_MAC_final(d->mac, md, &md_len, EVP_MAX_MD_SIZE) ||
	    md_len < d->icv_len)
		return (-1);
	return (0);
}

static void
gcm_nonce(const struct esp_dir *d, const uint8_t *iv, uint8_t nonce[12])
{
	memcpy(nonce, d->salt, ESP_GCM_SALT);		/* RFC 4106 4 */
	memcpy(nonce + ESP_GCM_SALT, iv, ESP_GCM_IV);
}

/*
 * Seals esp[0 .. len): header, IV, plaintext payload through Next
 * Header; writes the ICV at esp + len.
 */
int
esp_dir_seal(struct esp_dir *d, uint8_t *esp, size_t len)
{
	uint8_t		 md[EVP_MAX_MD_SIZE], nonce[12];
	uint8_t		*body = esp + ESP_HDR_LEN + d->iv_len;
	int		 body_len = (int)(len - ESP_HDR_LEN - d->iv_len), n;
	EVP_CIPHER_CTX	*c = d->cipher;

	switch (d->kind) {
	case ESP_K_CBC:
	case ESP_K_NULL:
		/* CBC: encrypt, then MAC the ciphertext (3.3.2). */
		if (d->kind == ESP_K_CBC &&
		    (!EVP_EncryptInit_ex(c, NULL, NULL, NULL, esp + ESP_HDR_LEN) ||
		    !EVP_EncryptUpdate(c, body, &n, body, body_len) ||
		    n != body_len))
			return (-1);
		if (dir_hmac(d, esp, len, md) != 0)
			return (-1);
		memcpy(esp + len, md, d->icv_len);
		OPENSSL_cleanse(md, sizeof(md));
		return (0);
	case ESP_K_GCM:
	case ESP_K_GMAC:
		gcm_nonce(d, esp + ESP_HDR_LEN, nonce);
		if (!EVP_EncryptInit_ex(c, NULL, NULL, NULL, nonce))
			return (-1);
		if (d->kind == ESP_K_GCM) {
			if (!EVP_EncryptUpdate(c, NULL, &n, esp, ESP_HDR_LEN) ||
			    !EVP_EncryptUpdate(c, body, &n, body, body_len))
				return (-1);
		} else if (!EVP_EncryptUpdate(c, NULL, &n, esp, (int)len))
			return (-1);
		if (!EVP_EncryptFinal_ex(c, md, &n) ||
		    !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, ESP_GCM_ICV,
		    esp + len))
			return (-1);
		return (0);
	default:
		return (-1);
	}
}

/*
 * Verifies esp[0 .. len) (ICV last) and writes the plaintext Payload
 * through Next Header to out.  The ICV is checked first and in constant
 * time (CRYPTO_memcmp; OpenSSL's GCM compares its tag so too); nothing
 * is decrypted before, except with GCM where it is one operation.
 */
static enum esp_err
open_body(struct esp_dir *d, const uint8_t *esp, size_t len, uint8_t *out)
{
	uint8_t		 md[EVP_MAX_MD_SIZE], nonce[12];
	size_t		 auth_len = len - d->icv_len;
	const uint8_t	*icv = esp + auth_len;
	const uint8_t	*body = esp + ESP_HDR_LEN + d->iv_len;
	int		 body_len = (int)(auth_len - ESP_HDR_LEN - d->iv_len), n;
	EVP_CIPHER_CTX	*c = d->cipher;
	bool		 ok;

	switch (d->kind) {
	case ESP_K_NULL:
	case ESP_K_CBC:
		if (dir_hmac(d, esp, auth_len, md) != 0)
			return (ESP_ERR_CRYPTO);
		ok = CRYPTO_memcmp(md, icv, d->icv_len) == 0;
		OPENSSL_cleanse(md, sizeof(md));
		if (!ok)
			return (ESP_ERR_ICV);
		if (d->kind == ESP_K_NULL) {
			memcpy(out, body, (size_t)body_len);
			return (ESP_OK);
		}
		if (!EVP_DecryptInit_ex(c, NULL, NULL, NULL, esp + ESP_HDR_LEN) ||
		    !EVP_DecryptUpdate(c, out, &n, body, body_len) ||
		    n != body_len)
			return (ESP_ERR_CRYPTO);
		return (ESP_OK);
	case ESP_K_GCM:
	case ESP_K_GMAC:
		gcm_nonce(d, esp + ESP_HDR_LEN, nonce);
		if (!EVP_DecryptInit_ex(c, NULL, NULL, NULL, nonce))
			return (ESP_ERR_CRYPTO);
		if (d->kind == ESP_K_GCM) {
			if (!EVP_DecryptUpdate(c, NULL, &n, esp, ESP_HDR_LEN) ||
			    !EVP_DecryptUpdate(c, out, &n, body, body_len))
				return (ESP_ERR_CRYPTO);
		} else if (!EVP_DecryptUpdate(c, NULL, &n, esp, (int)auth_len))
			return (ESP_ERR_CRYPTO);
		if (!EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, ESP_GCM_ICV,
		    (void *)(uintptr_t)icv))
			return (ESP_ERR_CRYPTO);
		if (EVP_DecryptFinal_ex(c, md, &n) <= 0)
			return (ESP_ERR_ICV);
		if (d->kind == ESP_K_GMAC)
			memcpy(out, body, (size_t)body_len);
		return (ESP_OK);
	default:
		return (ESP_ERR_CRYPTO);
	}
}

/* 2.4: Pad Length fits and the padding is 1, 2, 3, ... */
static enum esp_err
check_trailer(const uint8_t *body, size_t body_len, size_t *inner_len,
    uint8_t *nh)
{
	struct cursor	 c;
	uint8_t		 pl;
	size_t		 i, len;

	cur_init(&c, body, body_len);
	cur_skip(&c, body_len - ESP_TRAILER_LEN);
	pl = cur_u8(&c);
	*nh = cur_u8(&c);
	if (!cur_ok(&c) || (size_t)pl + ESP_TRAILER_LEN > body_len)
		return (ESP_ERR_PAD);
	len = body_len - ESP_TRAILER_LEN - pl;
	cur_init(&c, body + len, pl);
	for (i = 0; i < pl; i++)
		if (cur_u8(&c) != (uint8_t)(i + 1))
			return (ESP_ERR_PAD);
	*inner_len = len;
	return (ESP_OK);
}

bool
esp_dir_encrypts(const struct esp_dir *d)
{
	return (d->kind == ESP_K_CBC || d->kind == ESP_K_GCM);
}

enum esp_err
esp_dir_body_len(const struct esp_dir *d, size_t esp_len, size_t *body_len)
{
	if (d->align == 0 || esp_len < (size_t)ESP_HDR_LEN + d->iv_len +
	    ESP_TRAILER_LEN + d->icv_len)
		return (ESP_ERR_SHORT);
	*body_len = esp_len - ESP_HDR_LEN - d->iv_len - d->icv_len;
	if (*body_len % d->align != 0)
		return (ESP_ERR_SHORT);
	return (ESP_OK);
}

enum esp_err
esp_dir_open(struct esp_dir *d, const uint8_t *esp, size_t esp_len,
    uint8_t *out, size_t cap, size_t *inner_len, uint8_t *next_hdr)
{
	size_t		 body_len;
	enum esp_err	 e;

	if ((e = esp_dir_body_len(d, esp_len, &body_len)) != ESP_OK)
		return (e);
	if (body_len > cap)
		return (ESP_ERR_SPACE);
	if ((e = open_body(d, esp, esp_len, out)) != ESP_OK)
		return (e);
	return (check_trailer(out, body_len, inner_len, next_hdr));
}
