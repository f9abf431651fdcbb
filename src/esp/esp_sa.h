/*
 * esp_sa.h - one ESP Child SA in tunnel mode (RFC 4303), both
 * directions: encapsulation of an inner IPv4/IPv6 packet and
 * decapsulation back to it, with the anti-replay window, sequence
 * number and lifetime limits, and counters.
 *
 * Suites: ENCR_NULL (RFC 2410) with HMAC-SHA1-96 or HMAC-SHA2-256/384/
 * 512 (RFC 4868), ENCR_NULL_AUTH_AES_GMAC (RFC 4543), AES-GCM-16
 * (RFC 4106) and AES-CBC (RFC 3602) with one of the HMACs; 128 or 256
 * bit AES keys (192 too, where OpenSSL has it).  32-bit sequence numbers
 * only (strongSwan's kernel-libipsec has no ESN); the window and the
 * counters are 64 bits wide so ESN can come later.
 *
 * What the SA puts on the wire and takes back ("transport payload": the
 * bytes after the outer IP header, or after the UDP header):
 *   IP 50         ESP
 *   IP 141        WESP header [+ padding word] | ESP
 *   UDP 4500      ESP                     (RFC 3948: SPI > 255 first)
 *   UDP 4500      00000002 | WESP header | ESP      (RFC 5840 2.1)
 *
 * Ownership: the caller owns struct esp_sa (the plane keeps them in a
 * preallocated array).  esp_sa_init() creates the OpenSSL contexts once
 * (none per packet) and keeps no copy of the keys outside them;
 * esp_sa_wipe() frees the contexts (OpenSSL cleanses their keys) and
 * zeroes the struct.  Nothing here allocates or makes a system call per
 * packet.  Not thread-safe: one SA, one thread at a time.
 */
#ifndef ESPVIS_ESP_SA_H
#define ESPVIS_ESP_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../ike/ike_crypto.h"
#include "../ike/ike_types.h"
#include "esp_dir.h"
#include "esp_replay.h"
#include "esp_wesp.h"

/* The most an SA adds to an inner packet: marker, WESP with padding
 * word, ESP header, IV, padding (block 16 - 1), trailer, ICV. */
#define ESP_OVERHEAD_MAX	(ESP_UDP_MARKER_LEN + ESP_WESP_HDR_LEN + \
	ESP_WESP_PAD_LEN + ESP_HDR_LEN + ESP_IV_MAX + 15 + ESP_TRAILER_LEN + \
	ESP_ICV_MAX)
#define ESP_SEQ_MAX		UINT32_MAX	/* without ESN, 3.3.3 */
#define ESP_SEQ_SOFT_DEFAULT	(ESP_SEQ_MAX - (1u << 24))

const char *esp_err_str(enum esp_err e);

/* Events the owner must act on (esp_sa_take_events): rekey soon, or
 * the SA is dead (sends and receives refused from now on). */
#define ESP_EV_SOFT	0x1	/* soft lifetime or sequence threshold */
#define ESP_EV_HARD	0x2	/* hard lifetime or last sequence number */

/* 0 in a field: no limit. Bytes count inner packets. */
struct esp_lifetime {
	uint64_t	bytes;
	uint64_t	packets;
};

struct esp_limits {
	uint32_t		replay_window;	/* 0: 64 (3.4.3) */
	struct esp_lifetime	soft, hard;	/* each direction alone */
	uint32_t		seq_soft;	/* 0: ESP_SEQ_SOFT_DEFAULT */
};

/* A Child SA as the endpoint hands it over (see esp_plane.h for the
 * struct ike_child_info form). */
struct esp_sa_config {
	uint32_t		 spi_in, spi_out;	/* host order */
	struct ike_suite	 suite;		/* encr, encr_keybits, integ,
						   esn */
	const struct ike_child_keys *keys;	/* read during init only */
	bool			 initiator;	/* ei/ai are outbound */
	bool			 udp;		/* UDP 4500 encapsulation */
	bool			 wesp;		/* RFC 5840 */
	bool			 outer_v6;	/* outer IPv6 (WESP P flag) */
	struct esp_limits	 limits;
};

struct esp_sa_stats {
	uint64_t	in_packets, in_bytes;	/* decapsulated, inner bytes */
	uint64_t	out_packets, out_bytes;
	uint64_t	in_err[ESP_ERR_COUNT];
	uint64_t	out_err[ESP_ERR_COUNT];
};

struct esp_sa {
	bool			 live;		/* set by init, cleared by wipe */
	bool			 dead;		/* hard limit reached */
	bool			 udp, wesp, outer_v6;
	struct esp_dir		 in, out;
	struct esp_replay	 replay;
	uint64_t		 seq_out;	/* last sequence number sent */
	uint32_t		 seq_soft;
	struct esp_limits	 limits;
	uint32_t		 events;	/* ESP_EV_* raised, not taken */
	uint32_t		 events_raised;	/* each raised once only */
	struct esp_sa_stats	 stats;
};

/* Keys the SA from cfg.  0, or -1 with a reason in err (unsupported
 * suite, key length, ESN, OpenSSL). */
int	esp_sa_init(struct esp_sa *sa, const struct esp_sa_config *cfg,
	    char *err, size_t errlen);
/* Frees the OpenSSL contexts (keys cleansed) and zeroes *sa. */
void	esp_sa_wipe(struct esp_sa *sa);

/* Bytes esp_sa_encap writes for an inner packet of inner_len bytes. */
size_t	esp_sa_wire_len(const struct esp_sa *sa, size_t inner_len);

/*
 * Encapsulates one inner IP packet (version 4 or 6) into out: the
 * transport payload as described above, with the next sequence number.
 * Refuses (ESP_ERR_SEQ) once 2^32 - 1 has been sent and, with
 * ESP_ERR_EXPIRED, past the hard lifetime.
 */
enum esp_err esp_sa_encap(struct esp_sa *sa, const uint8_t *inner,
	    size_t inner_len, uint8_t *out, size_t cap, size_t *out_len);

/*
 * Decapsulates one transport payload received for this SA into out
 * (the inner IP packet).  Order (RFC 4303 3.4): WESP header against the
 * SA, SPI, replay check (read only), ICV (constant time) and, with
 * AES-GCM, decryption; then padding, Next Header; only then is the
 * window updated and the packet counted.  A failed packet changes
 * nothing but the error counter.  out may not overlap pkt.
 */
enum esp_err esp_sa_decap(struct esp_sa *sa, const uint8_t *pkt,
	    size_t len, uint8_t *out, size_t cap, size_t *out_len);

/* The SPI of a transport payload: over UDP (udp) after the WESP
 * identifier and header when the payload starts with one; over IP after
 * the WESP header when ip_wesp (protocol 141).  0 when too short, IKE,
 * a keepalive or a reserved value. */
uint32_t esp_peek_spi(const uint8_t *pkt, size_t len, bool udp,
	    bool ip_wesp);

/* ESP_EV_* raised since the last call; clears them. */
uint32_t esp_sa_take_events(struct esp_sa *sa);

#endif /* ESPVIS_ESP_SA_H */
