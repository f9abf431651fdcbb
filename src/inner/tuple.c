/*
 * tuple.c - parse the inner packet of an ESP-NULL SA down to its 5-tuple.
 *
 * detect/ has already checked that the payload looks like the protocol
 * the ESP next header names; this parser does not trust that and reads
 * every field through a cursor again, because it also runs on packets
 * detect/ released from its hold buffer and must never read past them.
 *
 * Lengths: an IP header's own length field bounds the packet.  Bytes
 * after it are accepted and ignored: in tunnel mode they are TFC padding
 * (RFC 4303 section 2.7), which a sender may append to hide the inner
 * length.  A length field larger than the bytes there is a truncated
 * packet, never guessed around.
 *
 * Fragments of inner datagrams (RFC 791; RFC 8200 section 4.5): only the
 * first one carries the upper-layer header, so it gets the datagram's
 * ports (its lengths describe the whole datagram and are not checked);
 * the others have no ports and belong to no flow, as in ndpiReader.
 */
#include <string.h>

#include "../util/cursor.h"
#include "../util/ipbuild.h"
#include "tuple.h"

#define IPPROTO_HOPOPTS_NUM	0
#define IPPROTO_ICMP_NUM	1
#define IPPROTO_TCP_NUM		6
#define IPPROTO_UDP_NUM		17
#define IPPROTO_ROUTING_NUM	43
#define IPPROTO_FRAGMENT_NUM	44
#define IPPROTO_AH_NUM		51
#define IPPROTO_ICMPV6_NUM	58
#define IPPROTO_NONE_NUM	59
#define IPPROTO_DSTOPTS_NUM	60
#define IPPROTO_SCTP_NUM	132

#define IP4_MIN_HDR	20
#define IP6_HDR		40
#define TCP_MIN_HDR	20
#define UDP_HDR		8		/* the smallest UDP length */
#define SCTP_COMMON_HDR	12	/* RFC 9260 section 3.1 */
#define ICMP_MIN_HDR	4	/* type, code, checksum */
/* More extension headers than this is an attack, not a packet. */
#define IP6_MAX_EXT	8

const char *
tuple_result_name(enum tuple_result r)
{
	switch (r) {
	case TUPLE_OK:
		return ("ok");
	case TUPLE_FRAGMENT:
		return ("fragment");
	case TUPLE_DUMMY:
		return ("dummy");
	case TUPLE_TRUNCATED:
		return ("truncated");
	case TUPLE_MALFORMED:
		break;
	}
	return ("malformed");
}

/*
 * TCP (RFC 9293 section 3.1): data offset 5..15 words within the bytes;
 * UDP (RFC 768): length at least 8 and within the bytes; SCTP (RFC 9260
 * section 3.1) and ICMP/ICMPv6: their fixed header.  A first fragment
 * needs only the ports.
 */
enum tuple_result
tuple_parse_l4(uint8_t proto, const uint8_t *b, size_t len,
    bool first_fragment, struct tuple_pkt *out)
{
	struct cursor c;
	size_t doff, ulen;

	cur_init(&c, b, len);
	out->tuple.proto = proto;
	out->tuple.sport = out->tuple.dport = 0;
	out->tcp_flags = 0;
	switch (proto) {
	case IPPROTO_TCP_NUM:
		out->tuple.sport = cur_be16(&c);
		out->tuple.dport = cur_be16(&c);
		if (first_fragment && len < TCP_MIN_HDR)
			break;
		cur_skip(&c, 8);		/* sequence, acknowledgment */
		doff = (size_t)(cur_u8(&c) >> 4) * 4;
		out->tcp_flags = cur_u8(&c);
		cur_skip(&c, 6);		/* window, checksum, urgent */
		if (!cur_ok(&c))
			return (TUPLE_TRUNCATED);
		if (doff < TCP_MIN_HDR)
			return (TUPLE_MALFORMED);
		if (!first_fragment && doff > len)
			return (TUPLE_TRUNCATED);
		break;
	case IPPROTO_UDP_NUM:
		out->tuple.sport = cur_be16(&c);
		out->tuple.dport = cur_be16(&c);
		if (first_fragment)
			break;
		ulen = cur_be16(&c);
		cur_skip(&c, 2);		/* checksum */
		if (!cur_ok(&c))
			return (TUPLE_TRUNCATED);
		if (ulen < UDP_HDR)
			return (TUPLE_MALFORMED);
		if (ulen > len)
			return (TUPLE_TRUNCATED);
		break;
	case IPPROTO_SCTP_NUM:
		out->tuple.sport = cur_be16(&c);
		out->tuple.dport = cur_be16(&c);
		if (!first_fragment)		/* tag, checksum */
			cur_skip(&c, SCTP_COMMON_HDR - 4);
		break;
	case IPPROTO_ICMP_NUM:
	case IPPROTO_ICMPV6_NUM:
		cur_skip(&c, ICMP_MIN_HDR);	/* type, code, checksum */
		break;
	case IPPROTO_NONE_NUM:
		return (TUPLE_DUMMY);
	default:
		/* GRE, OSPF, ...: one flow per host pair, no ports. */
		break;
	}
	return (cur_ok(&c) ? TUPLE_OK : TUPLE_TRUNCATED);
}

/* RFC 791 section 3.1. */
static enum tuple_result
parse_ip4(struct cursor *c, struct tuple_pkt *out)
{
	struct cursor	 h, l4;
	const uint8_t	*src, *dst;
	size_t		 ihl, total;
	uint16_t	 frag;
	uint8_t		 vihl, proto;

	if (cur_left(c) < IP4_MIN_HDR)
		return (TUPLE_TRUNCATED);
	/* The fixed header through a window of its length: one check. */
	cur_window(c, IP4_MIN_HDR, &h);
	vihl = cur_u8(&h);
	cur_skip(&h, 1);			/* TOS */
	total = cur_be16(&h);
	cur_skip(&h, 2);			/* identification */
	frag = cur_be16(&h);
	cur_skip(&h, 1);			/* TTL */
	proto = cur_u8(&h);
	cur_skip(&h, 2);			/* checksum */
	src = cur_bytes(&h, 4);
	dst = cur_bytes(&h, 4);
	ihl = (size_t)(vihl & 0x0f) * 4;
	if (vihl >> 4 != 4 || ihl < IP4_MIN_HDR || total < ihl)
		return (TUPLE_MALFORMED);
	if (total > cur_pos(c) + cur_left(c))
		return (TUPLE_TRUNCATED);
	cur_skip(c, ihl - IP4_MIN_HDR);		/* options */
	if (!cur_ok(c))
		return (TUPLE_TRUNCATED);
	out->tuple.ipver = 4;
	ipaddr_set4(&out->tuple.src, src);
	ipaddr_set4(&out->tuple.dst, dst);
	out->ip_len = (uint32_t)total;
	out->tuple.proto = proto;
	if ((frag & 0x1fff) != 0)
		return (TUPLE_FRAGMENT);
	out->first_fragment = (frag & 0x2000) != 0;
	cur_sub(c, total - ihl, &l4);
	return (tuple_parse_l4(proto, cur_ptr(&l4), cur_left(&l4),
	    out->first_fragment, out));
}

/* RFC 8200 sections 3 and 4. */
static enum tuple_result
parse_ip6(struct cursor *c, struct tuple_pkt *out)
{
	struct cursor	 h, pl;
	const uint8_t	*src, *dst;
	size_t		 plen, hlen;
	uint16_t	 frag;
	uint8_t		 ver, nh;
	int		 n;

	if (cur_left(c) < IP6_HDR)
		return (TUPLE_TRUNCATED);
	cur_window(c, IP6_HDR, &h);		/* one bound check */
	ver = cur_u8(&h) >> 4;
	cur_skip(&h, 3);			/* class, flow label */
	plen = cur_be16(&h);
	nh = cur_u8(&h);
	cur_skip(&h, 1);			/* hop limit */
	src = cur_bytes(&h, 16);
	dst = cur_bytes(&h, 16);
	/* Payload length 0 means a jumbogram (RFC 2675): not inside ESP. */
	if (ver != 6 || plen == 0)
		return (TUPLE_MALFORMED);
	if (plen > cur_left(c))
		return (TUPLE_TRUNCATED);
	out->tuple.ipver = 6;
	ipaddr_set6(&out->tuple.src, src);
	ipaddr_set6(&out->tuple.dst, dst);
	out->ip_len = (uint32_t)(IP6_HDR + plen);
	cur_sub(c, plen, &pl);
	for (n = 0; ; n++) {
		out->tuple.proto = nh;
		switch (nh) {
		case IPPROTO_HOPOPTS_NUM:
		case IPPROTO_ROUTING_NUM:
		case IPPROTO_DSTOPTS_NUM:
			nh = cur_u8(&pl);
			hlen = ((size_t)cur_u8(&pl) + 1) * 8;
			cur_skip(&pl, hlen - 2);
			break;
		case IPPROTO_AH_NUM:		/* RFC 4302 section 2.2 */
			nh = cur_u8(&pl);
			hlen = ((size_t)cur_u8(&pl) + 2) * 4;
			cur_skip(&pl, hlen - 2);
			break;
		case IPPROTO_FRAGMENT_NUM:
			nh = cur_u8(&pl);
			cur_skip(&pl, 1);
			frag = cur_be16(&pl);
			cur_skip(&pl, 4);	/* identification */
			if (!cur_ok(&pl))
				return (TUPLE_TRUNCATED);
			if ((frag & 0xfff8) != 0) {
				out->tuple.proto = nh;
				return (TUPLE_FRAGMENT);
			}
			out->first_fragment = (frag & 0x0001) != 0;
			break;
		default:
			return (tuple_parse_l4(nh, cur_ptr(&pl), cur_left(&pl),
			    out->first_fragment, out));
		}
		if (!cur_ok(&pl))
			return (TUPLE_TRUNCATED);
		if (n == IP6_MAX_EXT)
			return (TUPLE_MALFORMED);
	}
}

enum tuple_result
tuple_parse_ip(const uint8_t *b, size_t len, struct tuple_pkt *out)
{
	struct cursor c;

	memset(out, 0, sizeof(*out));
	cur_init(&c, b, len);
	switch (cur_peek_u8(&c, 0) >> 4) {
	case 4:
		return (parse_ip4(&c, out));
	case 6:
		return (parse_ip6(&c, out));
	default:
		break;
	}
	return (cur_ok(&c) ? TUPLE_MALFORMED : TUPLE_TRUNCATED);
}

enum tuple_result
tuple_parse_packet(const struct packet *p, struct tuple_pkt *out)
{
	enum tuple_result r;
	int want;

	if (p->inner == NULL) {
		memset(out, 0, sizeof(*out));
		return (TUPLE_TRUNCATED);
	}
	if (p->inner_tunnel) {
		want = p->next_hdr == 41 ? 6 : 4;
		r = tuple_parse_ip(p->inner, p->inner_len, out);
		/* The ESP next header names the inner version (4 or 41). */
		if (r != TUPLE_TRUNCATED && out->tuple.ipver != 0 &&
		    out->tuple.ipver != want)
			return (TUPLE_MALFORMED);
		return (r);
	}
	memset(out, 0, sizeof(*out));
	out->tuple.ipver = p->ipver;
	out->tuple.src = p->src;
	out->tuple.dst = p->dst;
	out->ip_len = (uint32_t)(ipbuild_header_len(p) + p->inner_len);
	return (tuple_parse_l4(p->next_hdr, p->inner, p->inner_len, false,
	    out));
}
