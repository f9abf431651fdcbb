/*
 * decode.h - outer decoding: link layer, VLAN, IPv4/IPv6 (options,
 * extension headers, fragment reassembly), UDP 4500 demultiplexing
 * (RFC 3948 section 2), and the location of the ESP or WESP bytes.
 *
 * Ownership: decode_new() returns a context the caller frees with
 * decode_free() (NULL-safe).  All memory, the reassembly table included,
 * is allocated there; decode_packet() allocates nothing.
 */
#ifndef ESPVIS_DECODE_H
#define ESPVIS_DECODE_H

#include <stdint.h>

#include "../util/packet.h"
#include "../util/stats.h"

struct decode_config {
	uint32_t	frag_max_datagrams;	/* reassembly slots */
	uint32_t	frag_max_bytes;		/* largest datagram kept */
	uint32_t	frag_timeout_sec;	/* give up on a datagram */
	uint32_t	max_layers;		/* encapsulation depth cap */
};

void	decode_config_defaults(struct decode_config *);

struct decode;

struct decode	*decode_new(const struct decode_config *);
void		 decode_free(struct decode *);

/*
 * Decode p->frame (p->linktype, p->caplen, p->wirelen set by the caller).
 * On return either p->skip is a reason and stats->skipped[] was bumped,
 * or p->skip == SKIP_NONE and p->esp, p->esp_len, addresses, encap and
 * ports describe one ESP or WESP packet (stats->esp/wesp/esp_udp bumped;
 * stats->decoded is the pipeline's to count).  When a fragment completes
 * a datagram, p->esp points into decode's reassembly buffer, valid until
 * the next decode_packet() call.
 */
void	 decode_packet(struct decode *, struct packet *, struct stats *);

/* Give up on fragments older than the timeout at time now_sec. */
void	 decode_expire(struct decode *, int64_t now_sec, struct stats *);

/*
 * --workers: a hash of the frame's first IP header's addresses, the same
 * for both directions (dispatch.c says why not the ports); 0 for a frame
 * that is not IP.  Stateless and thread-safe: the reading thread calls
 * it on frames no decode context has seen.
 */
uint32_t decode_dispatch_hash(const struct packet *frame);

#endif /* ESPVIS_DECODE_H */
