/*
 * ip6.c - the IPv6 header (RFC 8200 section 3), its extension headers
 * (sections 4.3 to 4.6) and fragments (section 4.5).
 *
 * The payload length bounds everything after the fixed header, as the
 * IPv4 total length does (see ip4.c for truncated versus malformed).
 * The extension header chain is walked by decode_ipproto() (decode.c),
 * which calls back here for each header, so that AH (RFC 4302) may sit
 * anywhere in the chain and the chain length has one bound.  A jumbogram
 * (payload length 0, RFC 2675) has no payload as far as we are concerned.
 *
 * Fragments are keyed by source, destination and identification; the
 * Next Header of the offset-zero fragment is the one that counts
 * (section 4.5).  An atomic fragment (offset 0, M clear) is not
 * fragmented at all and is decoded in place (RFC 6946 section 4).
 */
#include "decode_int.h"

#define IP6_HDR_LEN	40
#define IP6_FRAG_LEN	8
#define IP6_FRAG_OFF	0xfff8	/* 8-octet units << 3: bytes */
#define IP6_FRAG_M	0x0001

/*
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version| Traffic Class |           Flow Label                  |
 * |         Payload Length        |  Next Header  |   Hop Limit   |
 * |                 Source Address (128 bits)                     |
 * |              Destination Address (128 bits)                   |
 */
enum skip_reason
decode_ip6(struct dctx *ctx, struct span *s)
{
	struct packet		*p = ctx->p;
	struct cursor		*c = &s->cur;
	struct span		 payload;
	struct cursor		 h;
	enum skip_reason	 r;
	uint32_t		 ver_tc_flow;
	uint16_t		 payload_len;
	uint8_t			 next;

	if ((r = decode_enter_layer(ctx)) != SKIP_NONE)
		return (r);
	if ((r = span_need(s, IP6_HDR_LEN, SKIP_MALFORMED_IP)) != SKIP_NONE)
		return (r);
	/* The fixed header through a window of its length, as ip4.c. */
	cur_window(c, IP6_HDR_LEN, &h);
	ver_tc_flow = cur_be32(&h);
	payload_len = cur_be16(&h);
	next = cur_u8(&h);
	p->ip_ttl = cur_u8(&h);
	ipaddr_set6(&p->src, cur_bytes(&h, 16));
	ipaddr_set6(&p->dst, cur_bytes(&h, 16));
	if (ctx->addrs_only)
		return (SKIP_NONE);
	/* This header is now the outer one: nothing of an outer one stays. */
	p->ipver = 6;
	p->ip_tos = (uint8_t)(ver_tc_flow >> 20);
	p->ip6_flow = ver_tc_flow & 0xfffff;
	p->ip_df = false;
	p->ip_id = 0;
	p->encap = ENCAP_NONE;
	p->sport = p->dport = 0;

	if (ver_tc_flow >> 28 != 6 || payload_len > span_wire_left(s))
		return (SKIP_MALFORMED_IP);
	span_sub(s, payload_len, &payload);
	return (decode_ipproto(ctx, next, &payload));
}

/*
 * Hop-by-hop options, routing, destination options (sections 4.3, 4.4,
 * 4.6): Next Header, then the length in 8-octet units not counting the
 * first 8.  Options and routing data are not ours to interpret.
 */
enum skip_reason
decode_ip6_ext(uint8_t *proto, struct span *s)
{
	enum skip_reason	r;
	size_t			ext_len;
	uint8_t			next;

	if ((r = span_need(s, 2, SKIP_MALFORMED_IP)) != SKIP_NONE)
		return (r);
	next = cur_u8(&s->cur);
	ext_len = ((size_t)cur_u8(&s->cur) + 1) * 8;
	if ((r = span_need(s, ext_len - 2, SKIP_MALFORMED_IP)) != SKIP_NONE)
		return (r);
	cur_skip(&s->cur, ext_len - 2);
	*proto = next;
	return (SKIP_NONE);
}

/*
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
 * |                         Identification                        |
 */
enum skip_reason
decode_ip6_frag(struct dctx *ctx, uint8_t *proto, struct span *s)
{
	struct cursor		h;
	enum skip_reason	r;
	uint32_t		id;
	uint16_t		off_m;

	if ((r = span_need(s, IP6_FRAG_LEN, SKIP_MALFORMED_IP)) != SKIP_NONE)
		return (r);
	cur_window(&s->cur, IP6_FRAG_LEN, &h);
	*proto = cur_u8(&h);
	cur_skip(&h, 1);
	off_m = cur_be16(&h);
	id = cur_be32(&h);
	if ((off_m & (IP6_FRAG_OFF | IP6_FRAG_M)) == 0)
		return (SKIP_NONE);	/* atomic fragment */
	return (decode_reassemble(ctx, id, off_m & IP6_FRAG_OFF,
	    (off_m & IP6_FRAG_M) != 0, proto, s));
}
