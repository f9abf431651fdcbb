/*
 * ip4.c - the IPv4 header (RFC 791 section 3.1) and its fragments.
 *
 * The total length bounds everything after the header: Ethernet padding
 * and FCS trailers beyond it are never read.  A total length beyond the
 * bytes the wire had (frame length after the link header) is malformed;
 * one beyond the bytes captured only means the capture was cut, and the
 * payload is decoded as far as it goes (decode.h: esp_len <
 * esp_wire_len).  Options are skipped unread: none of them moves the
 * payload.  The header checksum is not verified, because captures taken
 * on the sending host under checksum offload carry a zero or stale one.
 *
 * Fragments (MF set or a nonzero offset) go to the reassembly table
 * (frag.c) keyed by source, destination, identification and protocol
 * (RFC 791 section 3.2); the fragment that completes its datagram goes
 * on to decode the reassembled payload.
 */
#include "decode_int.h"

#define IP4_HDR_MIN	20
#define IP4_FLAG_DF	0x4000
#define IP4_FLAG_MF	0x2000
#define IP4_OFF_MASK	0x1fff	/* in 8-octet units */

/*
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |Type of Service|          Total Length         |
 * |         Identification        |Flags|      Fragment Offset    |
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * |                       Source Address                          |
 * |                    Destination Address                        |
 * |                    Options                    |    Padding    |
 */
enum skip_reason
decode_ip4(struct dctx *ctx, struct span *s)
{
	struct packet		*p = ctx->p;
	struct cursor		*c = &s->cur;
	struct span		 payload;
	struct cursor		 h;
	enum skip_reason	 r;
	size_t			 wire = span_wire_left(s), hdr_len;
	uint16_t		 total_len, frag;
	uint8_t			 ver_ihl, proto;

	if ((r = decode_enter_layer(ctx)) != SKIP_NONE)
		return (r);
	if ((r = span_need(s, IP4_HDR_MIN, SKIP_MALFORMED_IP)) != SKIP_NONE)
		return (r);
	/*
	 * The fixed header through a window of exactly its length: its
	 * bounds are constants, so the compiler checks them once, not once
	 * a field (bench/results.md, session 3).
	 */
	cur_window(c, IP4_HDR_MIN, &h);
	ver_ihl = cur_u8(&h);
	hdr_len = (size_t)(ver_ihl & 0x0f) * 4;
	p->ip_tos = cur_u8(&h);
	total_len = cur_be16(&h);
	p->ip_id = cur_be16(&h);
	frag = cur_be16(&h);
	p->ip_ttl = cur_u8(&h);
	proto = cur_u8(&h);
	cur_skip(&h, 2);
	ipaddr_set4(&p->src, cur_bytes(&h, 4));
	ipaddr_set4(&p->dst, cur_bytes(&h, 4));
	if (ctx->addrs_only)
		return (SKIP_NONE);
	/* This header is now the outer one: nothing of an outer one stays. */
	p->ipver = 4;
	p->ip_df = (frag & IP4_FLAG_DF) != 0;
	p->ip6_flow = 0;
	p->encap = ENCAP_NONE;
	p->sport = p->dport = 0;

	if (ver_ihl >> 4 != 4 || hdr_len < IP4_HDR_MIN ||
	    total_len < hdr_len || total_len > wire)
		return (SKIP_MALFORMED_IP);
	r = span_need(s, hdr_len - IP4_HDR_MIN, SKIP_MALFORMED_IP);
	if (r != SKIP_NONE)
		return (r);
	cur_skip(c, hdr_len - IP4_HDR_MIN);
	span_sub(s, total_len - hdr_len, &payload);

	if ((frag & (IP4_FLAG_MF | IP4_OFF_MASK)) != 0) {
		r = decode_reassemble(ctx, p->ip_id,
		    (uint32_t)(frag & IP4_OFF_MASK) * 8,
		    (frag & IP4_FLAG_MF) != 0, &proto, &payload);
		if (r != SKIP_NONE)
			return (r);
	}
	return (decode_ipproto(ctx, proto, &payload));
}
