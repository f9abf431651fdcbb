/*
 * esp_dir.h - one direction of an ESP SA (RFC 4303): the transform
 * keyed once, and the per-packet work that needs the keys: seal
 * (ICV, encryption) and open (ICV check in constant time, decryption,
 * trailer).  No SA state (sequence numbers, replay window, lifetimes):
 * that is esp_sa.h's.  Two callers: the data plane (esp_sa.c) and the
 * inspector, which opens packets of SAs whose keys it was given
 * (detect/keyed.c, issue 7 self-inspection).
 *
 * Suites: ENCR_NULL (RFC 2410) with HMAC-SHA1-96 or HMAC-SHA2-256/384/
 * 512 (RFC 4868), ENCR_NULL_AUTH_AES_GMAC (RFC 4543), AES-GCM-16
 * (RFC 4106) and AES-CBC (RFC 3602) with one of the HMACs.  32-bit
 * sequence numbers only: with ESN the high-order bits join the ICV
 * input (RFC 4303 2.2.1), which nothing here adds.
 *
 * What the ICV covers (2.8, 3.3.4): with HMAC, SPI through Next Header
 * (ciphertext with CBC: encrypt-then-MAC).  AES-GCM (RFC 4106): AAD is
 * SPI | Sequence Number (5), nonce salt | IV (4), plaintext Payload
 * through Next Header.  GMAC (RFC 4543 3.3): no plaintext, AAD is SPI
 * through Next Header including the IV; nonce as for GCM.  A WESP
 * header is outside the ICV (RFC 5840 2.2, its figures): callers pass
 * the bytes from the SPI on.
 *
 * Ownership: the caller owns struct esp_dir.  esp_dir_init() creates
 * the OpenSSL contexts (none per packet) and keeps no copy of the keys
 * outside them but the 4-byte GCM salt; esp_dir_free() frees the
 * contexts (OpenSSL cleanses their keys) and zeroes the struct.
 * Nothing allocates or makes a system call per packet.  Not
 * thread-safe: one direction, one thread at a time.
 */
#ifndef ESPVIS_ESP_DIR_H
#define ESPVIS_ESP_DIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../ike/ike_types.h"
#include "../util/esp_keys.h"

#define ESP_HDR_LEN		8	/* SPI, Sequence Number (2) */
#define ESP_TRAILER_LEN		2	/* Pad Length, Next Header (2.4) */
#define ESP_ICV_MAX		32	/* HMAC-SHA2-512-256 */
#define ESP_IV_MAX		16	/* AES-CBC */

/* Why a packet was not encapsulated, decapsulated or opened. */
enum esp_err {
	ESP_OK = 0,
	ESP_ERR_SHORT,		/* truncated, or a length that cannot be */
	ESP_ERR_SPI,		/* not this SA's SPI (or no SA) */
	ESP_ERR_REPLAY,		/* duplicate or left of the window */
	ESP_ERR_ICV,		/* integrity check failed */
	ESP_ERR_PAD,		/* Pad Length too big or padding not 1,2,3.. */
	ESP_ERR_NEXT_HDR,	/* not IPv4 (4) / IPv6 (41), or disagrees
				   with the inner packet */
	ESP_ERR_WESP,		/* WESP header disagrees with the SA */
	ESP_ERR_EXPIRED,	/* hard byte/packet lifetime reached */
	ESP_ERR_SEQ,		/* sequence numbers exhausted (no wrap) */
	ESP_ERR_SPACE,		/* output buffer too small */
	ESP_ERR_CRYPTO,		/* OpenSSL failed */
	ESP_ERR_COUNT
};

enum esp_kind {
	ESP_K_NULL = 1,		/* ENCR_NULL + HMAC */
	ESP_K_CBC,		/* AES-CBC + HMAC */
	ESP_K_GCM,		/* AES-GCM-16 */
	ESP_K_GMAC,		/* ENCR_NULL_AUTH_AES_GMAC */
};

struct evp_cipher_ctx_st;
struct evp_mac_ctx_st;

/* One direction's transform, keyed once. */
struct esp_dir {
	uint32_t		 spi;
	uint8_t			 kind;		/* enum esp_kind */
	uint8_t			 iv_len;
	uint8_t			 icv_len;
	uint8_t			 align;		/* 4, or the cipher block */
	uint8_t			 salt[4];	/* GCM/GMAC nonce salt */
	struct evp_cipher_ctx_st *cipher;
	struct evp_mac_ctx_st	*mac;
};

/*
 * Keys d for suite s (encr, encr_keybits, integ; esn is not looked at):
 * ek holds the encryption key (salt last for GCM/GMAC, RFC 4106 8.1,
 * RFC 4543 5.4; empty for ENCR_NULL), ak the integrity key (empty with
 * AEAD).  enc: 1 to seal, 0 to open.  Returns 0, or -1 (unsupported
 * suite, wrong key length, OpenSSL) with d to be freed all the same.
 */
int	esp_dir_init(struct esp_dir *d, uint32_t spi, const struct ike_suite *s,
	    const uint8_t *ek, size_t ek_len, const uint8_t *ak, size_t ak_len,
	    int enc);
/* The same from one entry of the key store (util/esp_keys.h).  An ESN
 * key is refused, -1 as for an unsupported suite: its high-order
 * sequence number bits would be under the ICV (RFC 4303 2.2.1). */
int	esp_dir_init_key(struct esp_dir *d, const struct esp_key *k, int enc);
void	esp_dir_free(struct esp_dir *d);

/* Does d encrypt (CBC, GCM), so that opening decrypts? */
bool	esp_dir_encrypts(const struct esp_dir *d);

/* The bytes from the end of the IV to the ICV (payload, padding,
 * trailer) of an ESP packet of esp_len bytes: ESP_ERR_SHORT when the
 * packet is too short for d or they do not fill whole blocks. */
enum esp_err esp_dir_body_len(const struct esp_dir *d, size_t esp_len,
	    size_t *body_len);

/*
 * Seals esp[0 .. len): header, IV, plaintext payload through Next
 * Header; writes the ICV at esp + len.  Returns 0, or -1 (OpenSSL).
 */
int	esp_dir_seal(struct esp_dir *d, uint8_t *esp, size_t len);

/*
 * Opens the ESP packet esp[0 .. esp_len) (SPI first, ICV last): checks
 * the ICV in constant time, decrypts into out (cap bytes), then checks
 * the trailer (2.4: Pad Length fits, padding 1, 2, 3, ...).  On ESP_OK
 * out holds the payload, *inner_len bytes, and *next_hdr its Next
 * Header.  The SPI and the sequence number are not looked at.
 */
enum esp_err esp_dir_open(struct esp_dir *d, const uint8_t *esp,
	    size_t esp_len, uint8_t *out, size_t cap, size_t *inner_len,
	    uint8_t *next_hdr);

#endif /* ESPVIS_ESP_DIR_H */
