/*
 * esp_sa.c - ESP encapsulation and decapsulation for one Child SA,
 * tunnel mode (RFC 4303), through OpenSSL 3 EVP.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |               Security Parameters Index (SPI)                 |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      Sequence Number                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    IV (CBC 16, GCM/GMAC 8)                    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~           Payload Data: the inner IPv4/IPv6 packet            ~
 * +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |               |     Padding (1, 2, 3, ...)    |  Pad Length   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Next Header  |         ICV (12, 16, 24 or 32 bytes)          ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * What the ICV covers (2.8, 3.3.4): with HMAC, SPI through Next Header
 * (ciphertext with CBC: encrypt-then-MAC).  AES-GCM (RFC 4106): AAD is
 * SPI | Sequence Number (5), nonce salt | IV (4), plaintext Payload
 * through Next Header.  GMAC (RFC 4543 3.3): no plaintext, AAD is SPI
 * through Next Header including the IV; nonce as for GCM.
 *
 * IVs: GCM and GMAC take the 64-bit sequence number, which never
 * repeats under one key (RFC 4106 3.1 asks for exactly that
 * uniqueness); CBC takes 16 bytes from the DRBG (RFC 3602 2.3:
 * unpredictable).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "esp_sa.h"
#include "../util/bytes.h"

enum esp_kind {
	ESP_K_NULL = 1,		/* ENCR_NULL + HMAC */
	ESP_K_CBC,		/* AES-CBC + HMAC */
	ESP_K_GCM,		/* AES-GCM-16 */
	ESP_K_GMAC,		/* ENCR_NULL_AUTH_AES_GMAC */
};

#define ESP_NH_IPV4	4
#define ESP_NH_IPV6	41
#define ESP_GCM_ICV	16	/* RFC 4106 6: ICV-16; RFC 4543 3.4 */
#define ESP_GCM_IV	8
#define ESP_GCM_SALT	4
#define ESP_CBC_BLOCK	16

static const char *const esp_err_names[ESP_ERR_COUNT] = {
	[ESP_OK]		= "ok",
	[ESP_ERR_SHORT]		= "short",
	[ESP_ERR_SPI]		= "spi",
	[ESP_ERR_REPLAY]	= "replay",
	[ESP_ERR_ICV]		= "icv",
	[ESP_ERR_PAD]		= "padding",
	[ESP_ERR_NEXT_HDR]	= "next_header",
	[ESP_ERR_WESP]		= "wesp",
	[ESP_ERR_EXPIRED]	= "expired",
	[ESP_ERR_SEQ]		= "seq_exhausted",
	[ESP_ERR_SPACE]		= "no_space",
	[ESP_ERR_CRYPTO]	= "crypto",
};

const char *
esp_err_str(enum esp_err e)
{
	return ((unsigned)e < ESP_ERR_COUNT ? esp_err_names[e] : "?");
}

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

/* One direction: ek/ak as ike_derive_child_keys lays them out (2.17). */
static int
dir_init(struct esp_dir *d, uint32_t spi, const struct ike_suite *s,
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

static void
dir_free(struct esp_dir *d)
{
	EVP_CIPHER_CTX_free(d->cipher);	/* cleanses the key schedule */
	EVP_MAC_CTX_free(d->mac);
	OPENSSL_cleanse(d, sizeof(*d));
}

int
esp_sa_init(struct esp_sa *sa, const struct esp_sa_config *cfg, char *err,
    size_t errlen)
{
	const struct ike_child_keys *k = cfg->keys;
	const uint8_t	*eo, *ao, *ei, *ai;

	memset(sa, 0, sizeof(*sa));
	if (cfg->suite.esn == IKE_ESN_YES) {
		snprintf(err, errlen, "extended sequence numbers unsupported");
		return (-1);
	}
	if (cfg->spi_in <= 255 || cfg->spi_out <= 255) {
		snprintf(err, errlen, "SPI 0-255 reserved (RFC 4303 2.1)");
		return (-1);
	}
	/* 2.17: initiator-to-responder keys first. */
	eo = cfg->initiator ? k->ei : k->er;
	ao = cfg->initiator ? k->ai : k->ar;
	ei = cfg->initiator ? k->er : k->ei;
	ai = cfg->initiator ? k->ar : k->ai;
	if (dir_init(&sa->out, cfg->spi_out, &cfg->suite, eo, k->encr_len, ao,
	    k->integ_len, 1) != 0 ||
	    dir_init(&sa->in, cfg->spi_in, &cfg->suite, ei, k->encr_len, ai,
	    k->integ_len, 0) != 0) {
		snprintf(err, errlen, "unsupported suite or keys (encr %u/%u "
		    "integ %u, key lengths %u/%u)", cfg->suite.encr,
		    cfg->suite.encr_keybits, cfg->suite.integ, k->encr_len,
		    k->integ_len);
		esp_sa_wipe(sa);
		return (-1);
	}
	sa->udp = cfg->udp;
	sa->wesp = cfg->wesp;
	sa->outer_v6 = cfg->outer_v6;
	sa->limits = cfg->limits;
	sa->seq_soft = cfg->limits.seq_soft != 0 ? cfg->limits.seq_soft :
	    ESP_SEQ_SOFT_DEFAULT;
	esp_replay_init(&sa->replay, cfg->limits.replay_window);
	sa->live = true;
	return (0);
}

void
esp_sa_wipe(struct esp_sa *sa)
{
	dir_free(&sa->in);
	dir_free(&sa->out);
	OPENSSL_cleanse(sa, sizeof(*sa));
}

/* ---- framing ---- */

static size_t
pad_len(const struct esp_dir *d, size_t inner_len)
{
	/* 2.4: Pad Length and Next Header end the (cipher) block. */
	return ((d->align - (inner_len + ESP_TRAILER_LEN) % d->align) %
	    d->align);
}

/* The WESP header this SA sends (RFC 5840 2): E=0 states the layout,
 * E=1 zeroes it.  P for IPv6, over UDP too, so HdrLen stays a multiple
 * of 8 as section 2 asks for IPv6. */
static void
wesp_expected(const struct esp_sa *sa, struct esp_wesp_hdr *w,
    uint8_t next_hdr)
{
	memset(w, 0, sizeof(*w));
	w->flags = sa->outer_v6 ? ESP_WESP_F_PADDED : 0;
	if (sa->out.kind == ESP_K_CBC || sa->out.kind == ESP_K_GCM) {
		w->flags |= ESP_WESP_F_ENCRYPTED;
		return;
	}
	w->next_hdr = next_hdr;
	w->hdr_len = (uint8_t)(esp_wesp_len(w) + ESP_HDR_LEN + sa->out.iv_len);
	w->trailer_len = sa->out.icv_len;
}

static size_t
prefix_len(const struct esp_sa *sa)
{
	struct esp_wesp_hdr w;

	if (!sa->wesp)
		return (0);
	wesp_expected(sa, &w, 0);
	return ((sa->udp ? ESP_UDP_MARKER_LEN : 0) + esp_wesp_len(&w));
}

size_t
esp_sa_wire_len(const struct esp_sa *sa, size_t inner_len)
{
	return (prefix_len(sa) + ESP_HDR_LEN + sa->out.iv_len + inner_len +
	    pad_len(&sa->out, inner_len) + ESP_TRAILER_LEN + sa->out.icv_len);
}

/* The Next Header for an inner packet, from its version nibble (tunnel
 * mode, 2.6); 0 when neither IPv4 nor IPv6. */
static uint8_t
inner_next_hdr(const uint8_t *inner, size_t len)
{
	struct cursor	 c;
	uint8_t		 v;

	cur_init(&c, inner, len);
	v = cur_u8(&c) >> 4;
	if (!cur_ok(&c))
		return (0);
	return (v == 4 ? ESP_NH_IPV4 : v == 6 ? ESP_NH_IPV6 : 0);
}

/* ---- crypto per packet (contexts keyed at init, re-used) ---- */

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
static int
seal(struct esp_dir *d, uint8_t *esp, size_t len)
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

/* ---- limits and events ---- */

static void
raise_event(struct esp_sa *sa, uint32_t ev)
{
	if ((sa->events_raised & ev) == 0) {
		sa->events |= ev;
		sa->events_raised |= ev;
	}
	if (ev == ESP_EV_HARD)
		sa->dead = true;
}

uint32_t
esp_sa_take_events(struct esp_sa *sa)
{
	uint32_t	 ev = sa->events;

	sa->events = 0;
	return (ev);
}

static bool
over(const struct esp_lifetime *l, uint64_t packets, uint64_t bytes)
{
	return ((l->packets != 0 && packets >= l->packets) ||
	    (l->bytes != 0 && bytes >= l->bytes));
}

/* Before a packet: would it cross the hard lifetime? */
static bool
hard_reached(struct esp_sa *sa, uint64_t packets, uint64_t bytes,
    size_t len)
{
	const struct esp_lifetime *h = &sa->limits.hard;

	if ((h->packets != 0 && packets >= h->packets) ||
	    (h->bytes != 0 && bytes + len > h->bytes)) {
		raise_event(sa, ESP_EV_HARD);
		return (true);
	}
	return (false);
}

static enum esp_err
out_fail(struct esp_sa *sa, enum esp_err e)
{
	sa->stats.out_err[e]++;
	return (e);
}

static enum esp_err
in_fail(struct esp_sa *sa, enum esp_err e)
{
	sa->stats.in_err[e]++;
	return (e);
}

/* ---- encapsulation (3.3) ---- */

static size_t
write_prefix(const struct esp_sa *sa, uint8_t *out, uint8_t next_hdr)
{
	struct esp_wesp_hdr w;
	size_t		 pos = 0;

	if (!sa->wesp)
		return (0);
	if (sa->udp) {
		put_be32(out, ESP_WESP_UDP_ID);		/* RFC 5840 2.1 */
		pos = ESP_UDP_MARKER_LEN;
	}
	wesp_expected(sa, &w, next_hdr);
	return (pos + esp_wesp_write(&w, out + pos, ESP_WESP_HDR_LEN +
	    ESP_WESP_PAD_LEN));
}

static int
write_iv(const struct esp_dir *d, uint8_t *iv, uint64_t seq)
{
	int	 i;

	if (d->kind == ESP_K_CBC)
		return (RAND_bytes(iv, ESP_CBC_BLOCK) == 1 ? 0 : -1);
	for (i = 0; i < d->iv_len; i++)
		iv[i] = (uint8_t)(seq >> (8 * (d->iv_len - 1 - i)));
	return (0);
}

enum esp_err
esp_sa_encap(struct esp_sa *sa, const uint8_t *inner, size_t inner_len,
    uint8_t *out, size_t cap, size_t *out_len)
{
	struct esp_dir	*d = &sa->out;
	uint8_t		 nh = inner_next_hdr(inner, inner_len), *esp, *p;
	size_t		 pre, pad, esp_len, i;
	uint64_t	 seq;

	if (!sa->live)
		return (out_fail(sa, ESP_ERR_EXPIRED));
	/* 3.3.3: the counter MUST NOT cycle; the SA ends at 2^32 - 1. */
	if (sa->seq_out >= ESP_SEQ_MAX) {
		raise_event(sa, ESP_EV_HARD);
		return (out_fail(sa, ESP_ERR_SEQ));
	}
	if (sa->dead)
		return (out_fail(sa, ESP_ERR_EXPIRED));
	if (nh == 0)
		return (out_fail(sa, ESP_ERR_NEXT_HDR));
	if (hard_reached(sa, sa->stats.out_packets, sa->stats.out_bytes,
	    inner_len))
		return (out_fail(sa, ESP_ERR_EXPIRED));
	if (esp_sa_wire_len(sa, inner_len) > cap)
		return (out_fail(sa, ESP_ERR_SPACE));
	seq = sa->seq_out + 1;
	pre = write_prefix(sa, out, nh);
	esp = out + pre;
	put_be32(esp, d->spi);
	put_be32(esp + 4, (uint32_t)seq);
	if (write_iv(d, esp + ESP_HDR_LEN, seq) != 0)
		return (out_fail(sa, ESP_ERR_CRYPTO));
	p = esp + ESP_HDR_LEN + d->iv_len;
	memcpy(p, inner, inner_len);
	p += inner_len;
	pad = pad_len(d, inner_len);
	for (i = 0; i < pad; i++)		/* 2.4: 1, 2, 3, ... */
		*p++ = (uint8_t)(i + 1);
	*p++ = (uint8_t)pad;
	*p++ = nh;
	esp_len = (size_t)(p - esp);
	if (seal(d, esp, esp_len) != 0)
		return (out_fail(sa, ESP_ERR_CRYPTO));
	*out_len = pre + esp_len + d->icv_len;
	sa->seq_out = seq;
	sa->stats.out_packets++;
	sa->stats.out_bytes += inner_len;
	if (seq >= sa->seq_soft ||
	    over(&sa->limits.soft, sa->stats.out_packets, sa->stats.out_bytes))
		raise_event(sa, ESP_EV_SOFT);
	if (seq == ESP_SEQ_MAX)		/* that was the last one */
		raise_event(sa, ESP_EV_HARD);
	return (ESP_OK);
}

/* ---- decapsulation (3.4) ---- */

/* RFC 5840 2: every field the receiver can check against the SA. */
static enum esp_err
wesp_check(const struct esp_sa *sa, const struct esp_wesp_hdr *got)
{
	struct esp_wesp_hdr want;
	uint8_t		 p = got->flags & ESP_WESP_F_PADDED;

	wesp_expected(sa, &want, got->next_hdr);
	/* P: required for IPv6 over IP, forbidden for IPv4; either value
	 * for IPv6 over UDP, where the identifier aligns (2). */
	if (!sa->outer_v6 ? p != 0 : (!sa->udp && p == 0))
		return (ESP_ERR_WESP);
	if ((got->flags & ESP_WESP_F_ENCRYPTED) !=
	    (want.flags & ESP_WESP_F_ENCRYPTED))
		return (ESP_ERR_WESP);
	if (got->trailer_len != want.trailer_len)
		return (ESP_ERR_WESP);
	if (want.flags & ESP_WESP_F_ENCRYPTED)
		return (got->next_hdr == 0 && got->hdr_len == 0 ?
		    ESP_OK : ESP_ERR_WESP);
	if (got->hdr_len != esp_wesp_len(got) + ESP_HDR_LEN + sa->in.iv_len)
		return (ESP_ERR_WESP);
	return (ESP_OK);
}

/* Strips what precedes ESP: the WESP identifier and header. */
static enum esp_err
read_prefix(const struct esp_sa *sa, struct cursor *c,
    struct esp_wesp_hdr *w)
{
	if (!sa->wesp)
		return (ESP_OK);
	if (sa->udp && cur_be32(c) != ESP_WESP_UDP_ID)
		return (cur_ok(c) ? ESP_ERR_WESP : ESP_ERR_SHORT);
	if (!esp_wesp_read(c, w))
		return (cur_ok(c) ? ESP_ERR_WESP : ESP_ERR_SHORT);
	return (wesp_check(sa, w));
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

enum esp_err
esp_sa_decap(struct esp_sa *sa, const uint8_t *pkt, size_t len,
    uint8_t *out, size_t cap, size_t *out_len)
{
	struct esp_dir	*d = &sa->in;
	struct esp_wesp_hdr w;
	struct cursor	 c;
	const uint8_t	*esp;
	size_t		 esp_len, body_len, inner_len;
	uint32_t	 spi, seq;
	uint8_t		 nh;
	enum esp_err	 e;

	if (!sa->live || sa->dead)
		return (in_fail(sa, ESP_ERR_EXPIRED));
	cur_init(&c, pkt, len);
	if ((e = read_prefix(sa, &c, &w)) != ESP_OK)
		return (in_fail(sa, e));
	esp_len = cur_left(&c);
	esp = cur_ptr(&c);
	spi = cur_be32(&c);
	seq = cur_be32(&c);
	if (!cur_ok(&c) || esp_len < (size_t)ESP_HDR_LEN + d->iv_len +
	    ESP_TRAILER_LEN + d->icv_len)
		return (in_fail(sa, ESP_ERR_SHORT));
	body_len = esp_len - ESP_HDR_LEN - d->iv_len - d->icv_len;
	if (body_len % d->align != 0)
		return (in_fail(sa, ESP_ERR_SHORT));
	if (spi != d->spi)
		return (in_fail(sa, ESP_ERR_SPI));
	/* 3.4.3: duplicates are rejected before the ICV is computed. */
	if (esp_replay_check(&sa->replay, seq) != ESP_REPLAY_OK)
		return (in_fail(sa, ESP_ERR_REPLAY));
	if (body_len > cap)
		return (in_fail(sa, ESP_ERR_SPACE));
	if ((e = open_body(d, esp, esp_len, out)) != ESP_OK)
		return (in_fail(sa, e));
	if ((e = check_trailer(out, body_len, &inner_len, &nh)) != ESP_OK)
		return (in_fail(sa, e));
	if (nh != inner_next_hdr(out, inner_len))
		return (in_fail(sa, ESP_ERR_NEXT_HDR));
	if (sa->wesp && (w.flags & ESP_WESP_F_ENCRYPTED) == 0 &&
	    w.next_hdr != nh)
		return (in_fail(sa, ESP_ERR_WESP));	/* RFC 5840 2 */
	if (hard_reached(sa, sa->stats.in_packets, sa->stats.in_bytes,
	    inner_len))
		return (in_fail(sa, ESP_ERR_EXPIRED));
	esp_replay_update(&sa->replay, seq);
	sa->stats.in_packets++;
	sa->stats.in_bytes += inner_len;
	if (over(&sa->limits.soft, sa->stats.in_packets, sa->stats.in_bytes))
		raise_event(sa, ESP_EV_SOFT);
	*out_len = inner_len;
	return (ESP_OK);
}

uint32_t
esp_peek_spi(const uint8_t *pkt, size_t len, bool udp, bool wesp)
{
	struct esp_wesp_hdr w;
	struct cursor	 c;
	uint32_t	 spi;

	cur_init(&c, pkt, len);
	if (udp) {
		switch (esp_udp_classify(pkt, len)) {
		case ESP_UDP_ESP:
			wesp = false;
			break;
		case ESP_UDP_WESP:
			cur_skip(&c, ESP_UDP_MARKER_LEN);
			wesp = true;
			break;
		default:
			return (0);
		}
	}
	if (wesp && !esp_wesp_read(&c, &w))
		return (0);
	spi = cur_be32(&c);
	return (cur_ok(&c) ? spi : 0);
}
