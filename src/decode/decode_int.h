/*
 * decode_int.h - what the files of decode/ share; nothing outside sees it.
 *
 * Every decoder here has the same shape: it takes the per-call context
 * and a span (the bytes of its layer), reads its header through the
 * span's cursor, and returns the outcome: SKIP_NONE once the ESP or WESP
 * bytes are located in the packet record, or the reason to skip the
 * packet.  The outcome travels back up unchanged and decode_packet()
 * alone records and counts it, so each packet is counted exactly once.
 *
 * A span knows two lengths: the bytes captured (its cursor) and the
 * bytes the length fields say were on the wire.  That pair is what tells
 * a snaplen-cut packet (SKIP_TRUNCATED: the bytes existed, we did not
 * get them) from a malformed one (the headers contradict the wire).
 */
#ifndef ESPVIS_DECODE_INT_H
#define ESPVIS_DECODE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/cursor.h"
#include "../util/packet.h"
#include "../util/stats.h"
#include "decode.h"

/* IP protocol numbers (IANA registry) this module dispatches on. */
#define IPPROTO_NUM_HOPOPTS	0	/* RFC 8200 section 4.3 */
#define IPPROTO_NUM_IPIP	4	/* RFC 2003 */
#define IPPROTO_NUM_UDP		17
#define IPPROTO_NUM_IPV6	41	/* RFC 2473 */
#define IPPROTO_NUM_ROUTING	43	/* RFC 8200 section 4.4 */
#define IPPROTO_NUM_FRAGMENT	44	/* RFC 8200 section 4.5 */
#define IPPROTO_NUM_AH		51	/* RFC 4302 */
#define IPPROTO_NUM_NONE	59	/* RFC 8200 section 4.7 */
#define IPPROTO_NUM_DSTOPTS	60	/* RFC 8200 section 4.6 */

/*
 * Headers one IP layer may chain (IPv6 extension headers and AH) before
 * its payload.  RFC 8200 section 4.1 recommends at most one of each, so
 * a legitimate chain has fewer than ten; a longer one is a resource
 * attack and ends as SKIP_TOO_DEEP.
 */
#define DECODE_MAX_CHAIN	16

/* Defaults of struct decode_config (see decode_config_defaults()). */
#define DECODE_DEFAULT_FRAG_DATAGRAMS	256
#define DECODE_DEFAULT_FRAG_BYTES	(65535 + 64)	/* an IP datagram
							   and header slack */
#define DECODE_DEFAULT_FRAG_TIMEOUT	30	/* RFC 8200 section 4.5:
						   60 s; Linux ipfrag_time 30 */
#define DECODE_DEFAULT_MAX_LAYERS	8

struct frag_table;

struct decode {
	struct decode_config	 cfg;
	struct frag_table	*frags;		/* owned */
};

/* The state of one decode_packet() call. */
struct dctx {
	struct decode	*d;
	struct packet	*p;
	struct stats	*stats;
	uint32_t	 layers;	/* headers entered so far */
	bool		 addrs_only;	/* dispatch.c: stop at the first IP
					   header's addresses */
};

/* The bytes of one layer: what was captured, and what the wire had. */
struct span {
	struct cursor	cur;		/* captured bytes (borrowed) */
	size_t		wire_len;	/* bytes by the length fields;
					   never less than cur.len */
};

static inline void
span_init(struct span *s, const uint8_t *base, size_t captured, size_t wire)
{
	cur_init(&s->cur, base, captured);
	s->wire_len = wire > s->cur.len ? wire : s->cur.len;
}

/* Bytes left on the wire from the cursor's position. */
static inline size_t
span_wire_left(const struct span *s)
{
	return (s->wire_len - cur_pos(&s->cur));
}

/*
 * SKIP_NONE when the next n bytes were captured.  Otherwise they are
 * missing either because the capture cut them (SKIP_TRUNCATED: the wire
 * had them) or because the packet itself is too short (malformed).
 */
static inline enum skip_reason
span_need(const struct span *s, size_t n, enum skip_reason malformed)
{
	if (n > span_wire_left(s))
		return (malformed);
	if (n > cur_left(&s->cur))
		return (SKIP_TRUNCATED);
	return (SKIP_NONE);
}

/*
 * Split the next wire_n bytes (wire_n <= span_wire_left(s)) off as the
 * child's window; the child holds whatever part of them was captured.
 * The parent is done with after this: trailers beyond the child (an
 * Ethernet FCS, padding) are never read.
 */
static inline void
span_sub(struct span *s, size_t wire_n, struct span *child)
{
	size_t	captured = cur_left(&s->cur);

	if (captured > wire_n)
		captured = wire_n;
	cur_sub(&s->cur, captured, &child->cur);
	child->wire_len = wire_n;
}

/* decode.c */
enum skip_reason	decode_enter_layer(struct dctx *);
enum skip_reason	decode_ipproto(struct dctx *, uint8_t proto,
			    struct span *);
enum skip_reason	decode_ip_by_version(struct dctx *, struct span *);
enum skip_reason	decode_esp_locate(struct dctx *, uint8_t ipsec_proto,
			    struct span *);
enum skip_reason	decode_reassemble(struct dctx *, uint32_t id,
			    uint32_t offset, bool more, uint8_t *proto,
			    struct span *);

/* link.c */
enum skip_reason	decode_link(struct dctx *, struct span *);

/* ip4.c, ip6.c */
enum skip_reason	decode_ip4(struct dctx *, struct span *);
enum skip_reason	decode_ip6(struct dctx *, struct span *);
enum skip_reason	decode_ip6_ext(uint8_t *proto, struct span *);
enum skip_reason	decode_ip6_frag(struct dctx *, uint8_t *proto,
			    struct span *);

/* udp.c */
enum skip_reason	decode_udp(struct dctx *, struct span *);

#endif /* ESPVIS_DECODE_INT_H */
