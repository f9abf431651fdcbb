/*
 * link.c - the link layers a capture may start with, down to IP.
 *
 * Ethernet (IEEE 802.3 with Ethernet II types), with any stack of VLAN
 * tags (IEEE 802.1Q 0x8100, 802.1ad 0x88a8, and the pre-standard 0x9100
 * still used for QinQ) and PPPoE sessions (RFC 2516 section 4, PPP
 * protocol numbers from RFC 1661 section 2); Linux cooked captures v1
 * and v2 (the protocol field is an Ethernet type); raw IP; BSD loopback,
 * whose 4-byte address family is in the byte order of the machine that
 * captured it (DLT_NULL, so both orders are tried) or in network order
 * (DLT_LOOP).  The numbers are libpcap's DLT_ values (pcap/dlt.h).
 *
 * The first two VLAN IDs are recorded, outer first; deeper tags are
 * walked but only the layer cap limits them.  Nothing here knows the
 * length of what follows: the IP length fields bound the payload, so an
 * Ethernet FCS or padding after the IP packet is never read.
 */
#include <pcap/dlt.h>

#include "decode_int.h"

#define LINKTYPE_RAW_NUM	101	/* DLT_RAW's portable number */

#define ETH_HDR_LEN		14
#define SLL_HDR_LEN		16	/* protocol at offset 14 */
#define SLL2_HDR_LEN		20	/* protocol at offset 0 */
#define VLAN_TAG_LEN		4
#define PPPOE_HDR_LEN		6
#define LOOP_HDR_LEN		4

#define ETHERTYPE_NUM_IPV4	0x0800
#define ETHERTYPE_NUM_IPV6	0x86dd
#define ETHERTYPE_NUM_8021Q	0x8100
#define ETHERTYPE_NUM_8021AD	0x88a8
#define ETHERTYPE_NUM_QINQ	0x9100
#define ETHERTYPE_NUM_PPPOE	0x8864	/* session; 0x8863: discovery */

#define PPPOE_VER_TYPE		0x11	/* RFC 2516 section 4 */
#define PPPOE_CODE_SESSION	0x00
#define PPP_NUM_IPV4		0x0021
#define PPP_NUM_IPV6		0x0057

/* BSD address families: AF_INET is 2 everywhere, AF_INET6 is not. */
#define BSD_AF_INET		2
#define BSD_AF_INET6_BSD	24	/* NetBSD, OpenBSD */
#define BSD_AF_INET6_FREEBSD	28
#define BSD_AF_INET6_DARWIN	30

/* 802.1Q tag (TCI, then the Ethernet type it wraps). */
static enum skip_reason
link_vlan(struct dctx *ctx, uint16_t *type, struct span *s)
{
	struct packet		*p = ctx->p;
	enum skip_reason	 r;
	uint16_t		 tci;

	if ((r = decode_enter_layer(ctx)) != SKIP_NONE)
		return (r);
	if ((r = span_need(s, VLAN_TAG_LEN, SKIP_MALFORMED_L2)) != SKIP_NONE)
		return (r);
	tci = cur_be16(&s->cur);
	*type = cur_be16(&s->cur);
	if (p->n_vlan < 2)
		p->vlan_id[p->n_vlan++] = tci & 0x0fff;
	return (SKIP_NONE);
}

/*
 * PPPoE session header (RFC 2516 sections 4 and 6): VER/TYPE, CODE 0,
 * SESSION_ID, LENGTH of the PPP payload, which begins with the PPP
 * protocol; a protocol whose first byte is odd was compressed to one
 * byte (RFC 1661 section 6.5).
 */
static enum skip_reason
link_pppoe(struct dctx *ctx, struct span *s)
{
	struct span		 ppp;
	enum skip_reason	 r;
	uint16_t		 ppp_len, proto;
	uint8_t			 ver_type, code;

	if ((r = decode_enter_layer(ctx)) != SKIP_NONE)
		return (r);
	if ((r = span_need(s, PPPOE_HDR_LEN, SKIP_MALFORMED_L2)) != SKIP_NONE)
		return (r);
	ver_type = cur_u8(&s->cur);
	code = cur_u8(&s->cur);
	cur_skip(&s->cur, 2);
	ppp_len = cur_be16(&s->cur);
	if (ver_type != PPPOE_VER_TYPE || code != PPPOE_CODE_SESSION ||
	    ppp_len > span_wire_left(s))
		return (SKIP_MALFORMED_L2);
	span_sub(s, ppp_len, &ppp);
	if ((r = span_need(&ppp, 1, SKIP_MALFORMED_L2)) != SKIP_NONE)
		return (r);
	proto = cur_u8(&ppp.cur);
	if ((proto & 1) == 0) {
		if ((r = span_need(&ppp, 1, SKIP_MALFORMED_L2)) != SKIP_NONE)
			return (r);
		proto = (uint16_t)(proto << 8 | cur_u8(&ppp.cur));
	}
	if (proto == PPP_NUM_IPV4)
		return (decode_ip4(ctx, &ppp));
	if (proto == PPP_NUM_IPV6)
		return (decode_ip6(ctx, &ppp));
	return (SKIP_NOT_IP);
}

/* What follows an Ethernet type, through any number of VLAN tags. */
static enum skip_reason
link_ethertype(struct dctx *ctx, uint16_t type, struct span *s)
{
	enum skip_reason r;

	for (;;) {
		switch (type) {
		case ETHERTYPE_NUM_IPV4:
			return (decode_ip4(ctx, s));
		case ETHERTYPE_NUM_IPV6:
			return (decode_ip6(ctx, s));
		case ETHERTYPE_NUM_PPPOE:
			return (link_pppoe(ctx, s));
		case ETHERTYPE_NUM_8021Q:
		case ETHERTYPE_NUM_8021AD:
		case ETHERTYPE_NUM_QINQ:
			/* Each tag is a layer: the cap ends the loop. */
			if ((r = link_vlan(ctx, &type, s)) != SKIP_NONE)
				return (r);
			break;
		default:
			/* ARP, LLDP, 802.3 lengths (below 0x0600), ... */
			return (SKIP_NOT_IP);
		}
	}
}

static enum skip_reason
link_ether(struct dctx *ctx, struct span *s)
{
	struct packet		*p = ctx->p;
	struct cursor		 h;
	enum skip_reason	 r;

	if ((r = span_need(s, ETH_HDR_LEN, SKIP_MALFORMED_L2)) != SKIP_NONE)
		return (r);
	cur_window(&s->cur, ETH_HDR_LEN, &h);	/* one bound, not three */
	p->mac_dst = cur_bytes(&h, 6);
	p->mac_src = cur_bytes(&h, 6);
	return (link_ethertype(ctx, cur_be16(&h), s));
}

/*
 * Linux cooked capture: v1 (packet type, ARPHRD, address length,
 * 8 address bytes, protocol) and v2 (protocol, reserved, interface
 * index, ARPHRD, packet type, address length, 8 address bytes).
 */
static enum skip_reason
link_sll(struct dctx *ctx, size_t hdr_len, size_t proto_off, struct span *s)
{
	enum skip_reason	r;
	uint16_t		proto;

	if ((r = span_need(s, hdr_len, SKIP_MALFORMED_L2)) != SKIP_NONE)
		return (r);
	cur_skip(&s->cur, proto_off);
	proto = cur_be16(&s->cur);
	cur_skip(&s->cur, hdr_len - proto_off - 2);
	return (link_ethertype(ctx, proto, s));
}

static uint8_t
bsd_af_ipver(uint32_t af)
{
	switch (af) {
	case BSD_AF_INET:
		return (4);
	case BSD_AF_INET6_BSD:
	case BSD_AF_INET6_FREEBSD:
	case BSD_AF_INET6_DARWIN:
		return (6);
	}
	return (0);
}

static uint32_t
swap32(uint32_t v)
{
	return (v >> 24 | (v >> 8 & 0xff00) | (v << 8 & 0xff0000) | v << 24);
}

/* BSD loopback: a 4-byte address family, then the IP packet. */
static enum skip_reason
link_loop(struct dctx *ctx, bool any_order, struct span *s)
{
	enum skip_reason	r;
	uint32_t		af;
	uint8_t			ipver;

	if ((r = span_need(s, LOOP_HDR_LEN, SKIP_MALFORMED_L2)) != SKIP_NONE)
		return (r);
	af = cur_be32(&s->cur);
	ipver = bsd_af_ipver(af);
	if (ipver == 0 && any_order)
		ipver = bsd_af_ipver(swap32(af));
	if (ipver == 4)
		return (decode_ip4(ctx, s));
	if (ipver == 6)
		return (decode_ip6(ctx, s));
	return (SKIP_NOT_IP);
}

enum skip_reason
decode_link(struct dctx *ctx, struct span *s)
{
	switch (ctx->p->linktype) {
	case DLT_EN10MB:
		return (link_ether(ctx, s));
	case DLT_LINUX_SLL:
		return (link_sll(ctx, SLL_HDR_LEN, 14, s));
	case DLT_LINUX_SLL2:
		return (link_sll(ctx, SLL2_HDR_LEN, 0, s));
	case DLT_RAW:
	case LINKTYPE_RAW_NUM:
		return (decode_ip_by_version(ctx, s));
	case DLT_IPV4:
		return (decode_ip4(ctx, s));
	case DLT_IPV6:
		return (decode_ip6(ctx, s));
	case DLT_NULL:
		return (link_loop(ctx, true, s));
	case DLT_LOOP:
		return (link_loop(ctx, false, s));
	}
	return (SKIP_LINKTYPE);
}
