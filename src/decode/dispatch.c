/*
 * dispatch.c - which worker a frame goes to (--workers, decode.h).
 *
 * The frame is walked by decode/'s own link-layer code (Ethernet, VLAN
 * and QinQ tags, PPPoE, Linux cooked, loopback, raw IP) in a mode that
 * stops at the first IP header, once its addresses are read: nothing is
 * decoded twice in two ways, and nothing is stored.
 *
 * Only the two outer addresses are hashed, sorted so that both
 * directions agree.  Not the UDP ports, although NAT-T peers behind one
 * address would spread better with them: a fragment after the first has
 * no UDP header, and every fragment of a datagram must reach the worker
 * that reassembles it, and so must every packet of its SA.  Addresses
 * also keep a rekeyed SA with its predecessor (detect/ starts from the
 * previous SA between the same peers).
 */
#include <endian.h>
#include <string.h>

#include <pcap/dlt.h>

#include "decode_int.h"

#define ETH_TYPE_OFF	12	/* the Ethernet type, after two addresses */
#define ETH_HDR_LEN	14
#define ETH_TYPE_IPV4	0x0800
#define ETH_TYPE_IPV6	0x86dd
#define ETH_TYPE_8021Q	0x8100
#define ETH_TYPE_8021AD	0x88a8
#define ETH_TYPE_QINQ	0x9100
#define VLAN_TAG_LEN	4	/* TCI, then the type it wraps */
#define FAST_TAGS_MAX	2	/* more: the general path */
#define IP4_ADDR_OFF	12	/* source, then destination */
#define IP4_HDR_MIN	20
#define IP6_ADDR_OFF	8
#define IP6_HDR_LEN	40

/*
 * Fixed, so that the same capture goes to the same workers on every
 * run: a key anyone can read buys nothing a keyed hash would, so the
 * mix is the cheapest that spreads well, the splitmix64 finalizer over
 * the address words (the reader hashes every frame; SipHash was an
 * eighth of its time).
 */
static uint64_t
mix64(uint64_t h)
{
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	return (h ^ (h >> 31));
}

static uint32_t
hash_pair(uint8_t family, const uint8_t lo[16], const uint8_t hi[16])
{
	uint64_t	w[4], h = family;
	int		i;

	memcpy(w, lo, 16);
	memcpy(w + 2, hi, 16);
	for (i = 0; i < 4; i++)
		h = mix64(h ^ w[i]);
	return ((uint32_t)(h ^ (h >> 32)));
}

/*
 * The common frame, Ethernet with at most two VLAN tags then IPv4 or
 * IPv6, read in place: the addresses decode_link() would find (a tag
 * needs its 4 bytes captured, and in addrs_only mode ip4.c and ip6.c
 * take the addresses as soon as the fixed header was captured, before
 * any check), without a decoder and a packet set up for every frame,
 * which was half of the reader's hashing.  false: any other frame, for
 * the general path.
 */
static bool
ether_addrs(const struct packet *frame, struct ipaddr *src,
    struct ipaddr *dst)
{
	struct cursor	c, h;
	uint16_t	type;
	int		tags;

	if (frame->linktype != DLT_EN10MB)
		return (false);
	cur_init(&c, frame->frame, frame->caplen);
	if (cur_left(&c) < ETH_HDR_LEN)
		return (false);
	cur_window(&c, ETH_HDR_LEN, &h);
	cur_skip(&h, ETH_TYPE_OFF);
	type = cur_be16(&h);
	for (tags = 0; type == ETH_TYPE_8021Q || type == ETH_TYPE_8021AD ||
	    type == ETH_TYPE_QINQ; tags++) {
		if (tags == FAST_TAGS_MAX || cur_left(&c) < VLAN_TAG_LEN)
			return (false);
		cur_window(&c, VLAN_TAG_LEN, &h);
		cur_skip(&h, 2);
		type = cur_be16(&h);
	}
	if (type == ETH_TYPE_IPV4 && cur_left(&c) >= IP4_HDR_MIN) {
		cur_window(&c, IP4_HDR_MIN, &h);
		cur_skip(&h, IP4_ADDR_OFF);
		ipaddr_set4(src, cur_bytes(&h, 4));
		ipaddr_set4(dst, cur_bytes(&h, 4));
		return (true);
	}
	if (type == ETH_TYPE_IPV6 && cur_left(&c) >= IP6_HDR_LEN) {
		cur_window(&c, IP6_HDR_LEN, &h);
		cur_skip(&h, IP6_ADDR_OFF);
		ipaddr_set6(src, cur_bytes(&h, 16));
		ipaddr_set6(dst, cur_bytes(&h, 16));
		return (true);
	}
	return (false);
}

/* Any link type, tags, PPPoE: decode/'s own walk.  false: no address. */
static bool
walked_addrs(const struct packet *frame, struct ipaddr *src,
    struct ipaddr *dst)
{
	struct decode		 d;
	struct packet		 p;
	struct dctx		 ctx;
	struct span		 s;

	memset(&d, 0, sizeof(d));
	decode_config_defaults(&d.cfg);
	memset(&p, 0, sizeof(p));
	p.linktype = frame->linktype;
	memset(&ctx, 0, sizeof(ctx));
	ctx.d = &d;
	ctx.p = &p;
	ctx.layers = 1;
	ctx.addrs_only = true;
	span_init(&s, frame->frame, frame->caplen, frame->wirelen);
	if (decode_link(&ctx, &s) != SKIP_NONE || p.src.family == 0)
		return (false);
	*src = p.src;
	*dst = p.dst;
	return (true);
}

/* memcmp(a, b, 16) > 0, as two word compares instead of a libc call. */
static bool
addr_after(const uint8_t a[16], const uint8_t b[16])
{
	uint64_t	a0, a1, b0, b1;

	memcpy(&a0, a, 8);
	memcpy(&a1, a + 8, 8);
	memcpy(&b0, b, 8);
	memcpy(&b1, b + 8, 8);
	a0 = be64toh(a0);
	b0 = be64toh(b0);
	if (a0 != b0)
		return (a0 > b0);
	return (be64toh(a1) > be64toh(b1));
}

uint32_t
decode_dispatch_hash(const struct packet *frame)
{
	struct ipaddr		 src, dst;
	const struct ipaddr	*lo = &src, *hi = &dst;

	if (!ether_addrs(frame, &src, &dst) &&
	    !walked_addrs(frame, &src, &dst))
		return (0);
	if (addr_after(lo->bytes, hi->bytes)) {
		lo = &dst;
		hi = &src;
	}
	return (hash_pair(src.family, lo->bytes, hi->bytes));
}
