/*
 * esp_keys.h - ESP keys the inspector may use to check ICVs and open
 * encrypted payloads (issue 7, self-inspection): one entry per SA and
 * direction, keyed by (SPI, destination address) as RFC 4303 2.1
 * identifies an SA.
 *
 * Writers: the IKE endpoint (a Child SA installed, rekeyed or deleted,
 * on its own thread) and the configuration loader (keys an analyst
 * gives, as Wireshark's ESP SA table).  Readers: each pipeline, which
 * keeps a private copy of what it needs and re-reads the store only when
 * esp_keys_generation() has moved, so a packet costs one relaxed atomic
 * load here and never a lock or a system call.
 *
 * Ownership: esp_keys_new() allocates the store for max entries up
 * front; esp_keys_free() (NULL-safe) wipes every key and frees it.
 * Entries are copied in and out; nothing keeps a pointer into the store.
 * Thread-safe: put, del and copy take the store's mutex.
 */
#ifndef ESPVIS_ESP_KEYS_H
#define ESPVIS_ESP_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define ESP_KEY_ENCR_MAX	36	/* AES-256 key + 4-byte salt (RFC 4106 8.1) */
#define ESP_KEY_INTEG_MAX	64	/* HMAC-SHA2-512 */

struct esp_key {
	uint32_t	spi;		/* host order */
	struct ipaddr	dst;		/* family 0: any destination */
	/* IKEv2 transform IDs (RFC 7296 3.3.2, IANA): encr ENCR_NULL,
	 * ENCR_AES_CBC, ENCR_AES_GCM_16, ENCR_NULL_AUTH_AES_GMAC; integ
	 * AUTH_HMAC_SHA1_96, AUTH_HMAC_SHA2_*, or AUTH_NONE with AEAD. */
	uint16_t	encr;
	uint16_t	encr_keybits;
	uint16_t	integ;
	bool		esn;
	uint8_t		encr_len;	/* bytes in encr_key, salt included */
	uint8_t		integ_len;
	uint8_t		encr_key[ESP_KEY_ENCR_MAX];
	uint8_t		integ_key[ESP_KEY_INTEG_MAX];
};

struct esp_keys;

struct esp_keys	*esp_keys_new(uint32_t max);
void		 esp_keys_free(struct esp_keys *);

/* Adds or replaces the entry with the same SPI and destination.
 * Returns 0, or -1 when the store is full. */
int		 esp_keys_put(struct esp_keys *, const struct esp_key *);
/* Removes (and wipes) that entry; a no-op when there is none. */
void		 esp_keys_del(struct esp_keys *, uint32_t spi,
		    const struct ipaddr *dst);
/* The max given to esp_keys_new(): readers size their copies by it. */
uint32_t	 esp_keys_max(const struct esp_keys *);
/* Changes on every put and del (relaxed atomic load: per packet). */
uint64_t	 esp_keys_generation(const struct esp_keys *);
/* A consistent copy of up to max entries into out; returns how many
 * were copied, and the generation they belong to in *gen. */
size_t		 esp_keys_copy(struct esp_keys *, struct esp_key *out,
		    size_t max, uint64_t *gen);

#endif /* ESPVIS_ESP_KEYS_H */
