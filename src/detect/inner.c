/*
 * inner.c - protocol checks on a candidate ESP payload, RFC 5879
 * section 8.3, done with checksums.
 *
 * RFC 5879 counts "known good bits" and calls checksums costly.  Here
 * the checksums are the point: random ciphertext passes a 16-bit
 * checksum with probability 2^-16 and CRC32c with 2^-32, while the
 * structural fields (version, lengths, flags) add far fewer bits.  So:
 *
 *   STRONG  a checksum that covers the payload verified: TCP, UDP
 *           (non-zero), ICMP, ICMPv6, SCTP (CRC32c, RFC 9260 section
 *           6.8), OSPFv2/v3, GRE with its checksum, or an inner IPv4/IPv6
 *           packet whose own L4 checksum verified (for IPv4 on top of
 *           the header checksum).
 *   WEAK    every field holds but nothing covers the payload: UDP
 *           with checksum 0 over IPv4 (RFC 768), an inner IP packet we
 *           cannot check further (fragment, other protocol; for IPv4
 *           also a bad L4), GRE without checksum, OSPFv2 with a
 *           cryptographic digest (it has no checksum then).
 *   FAIL    something that must hold does not.
 *   UNSURE  nothing to check (RFC 5879 section 8.2: an unknown Next
 *           Header is "unsure", never a failure), unless the value
 *           cannot follow ESP at all (nh_possible()).  NH 59 (RFC 4303
 *           section 2.6 dummy packets) is UNSURE too: its payload "need
 *           not be well-formed", so it proves nothing either way.
 *
 * NAT: in transport mode the TCP/UDP/ICMPv6 checksums cover a pseudo
 * header made of the outer addresses.  With UDP encapsulation a NAT
 * may have rewritten those without fixing the inner checksum (RFC 3948
 * section 3.1.2; RFC 5879 section 8.3.1), so a mismatch there is not a
 * rejection: it is WEAK_NAT, and we return the residual.  A NAT
 * rewrites the same addresses on every packet of the SA, so the
 * residual is the same on every packet of it: heuristic.c counts a
 * repeated residual as strong evidence (a random one repeats with
 * probability 2^-16) and a first one as no evidence yet.
 *
 * Lengths must match exactly (IPv4 total length, IPv6 payload length,
 * UDP length).  RFC 4303 section 2.7 TFC padding would break that, but
 * TFC hides traffic lengths, which NULL encryption shows anyway, so an
 * ESP-NULL SA has no reason to use it; the exact match is worth 16 bits.
 *
 * Every read goes through the cursor; checksums are summed from it.
 * Recursion (IP in IP, IP in GRE) is capped at INNER_MAX_DEPTH.
 */
#include <stddef.h>

#include "inner.h"

#define INNER_MAX_DEPTH	3

#define NH_ICMP		1
#define NH_IPV4		4
#define NH_TCP		6
#define NH_UDP		17
#define NH_IPV6		41
#define NH_GRE		47
#define NH_ICMPV6	58
#define NH_OSPF		89
#define NH_SCTP		132

#define IP4_MIN_HDR	20
#define IP6_HDR		40
#define TCP_MIN_HDR	20
#define UDP_HDR		8
#define ICMP_MIN	8	/* type, code, checksum, 4 bytes of header */
#define SCTP_COMMON	12	/* RFC 9260 section 3.1 */
#define SCTP_CHUNK_HDR	4
#define OSPF2_HDR	24	/* RFC 2328 appendix A.3.1 */
#define OSPF3_HDR	16	/* RFC 5340 appendix A.3.1 */
#define OSPF2_AUTH_OFF	16	/* the 64-bit Authentication field */
#define OSPF2_AUTH_LEN	8
#define OSPF_AUTH_CRYPTO 2	/* AuType 2: digest after the packet */
#define CSUM_OK		0xffff	/* folded sum of data including a correct
				   one's-complement checksum */

/* Where the checks stand: the pseudo-header addresses and the depth. */
struct env {
	const struct ipaddr	*src;
	const struct ipaddr	*dst;
	bool			 nat_possible;
	int			 depth;
};

static enum inner_verdict dispatch(const struct env *, uint8_t,
	    const struct cursor *, uint16_t *);

/* RFC 1071 one's-complement sum. */
static uint64_t
csum_window(uint64_t sum, struct cursor c)
{
	while (cur_left(&c) >= 2)
		sum += cur_be16(&c);
	if (cur_left(&c) == 1)
		sum += (uint64_t)cur_u8(&c) << 8;
	return (sum);
}

static uint16_t
csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ((uint16_t)sum);
}

static uint64_t
csum_addr(uint64_t sum, const struct ipaddr *a)
{
	size_t	 i, n = a->family == 6 ? 16 : 4;

	for (i = 0; i < n; i += 2)
		sum += (uint32_t)a->bytes[i] << 8 | a->bytes[i + 1];
	return (sum);
}

/* RFC 793 / RFC 8200 section 8.1 pseudo header. */
static uint64_t
csum_pseudo(const struct env *e, uint8_t proto, uint32_t len)
{
	uint64_t sum = 0;

	sum = csum_addr(sum, e->src);
	sum = csum_addr(sum, e->dst);
	return (sum + (len >> 16) + (len & 0xffff) + proto);
}

/* The verdict of a pseudo-header checksum (see NAT above). */
static enum inner_verdict
csum_verdict(const struct env *e, uint64_t sum, uint16_t *residual)
{
	uint16_t folded = csum_fold(sum);

	if (folded == CSUM_OK)
		return (INNER_STRONG);
	if (e->nat_possible) {
		*residual = folded;
		return (INNER_WEAK_NAT);
	}
	return (INNER_FAIL);
}

#define TCP_FIN		0x01
#define TCP_SYN		0x02
#define TCP_RST		0x04
#define TCP_ACK		0x10
#define TCP_RESERVED	0x0e	/* of the data offset byte; 0x01 is AE */

/*
 * RFC 9293 section 3.1: ports are never 0, the header fits, reserved
 * bits are 0, and a segment is a SYN, an RST or acknowledges something
 * (only the first SYN lacks ACK), never SYN and FIN at once.
 */
static enum inner_verdict
check_tcp(const struct env *e, const struct cursor *w, uint16_t *residual)
{
	struct cursor	 c = *w;
	uint32_t	 len = (uint32_t)cur_left(&c);
	uint16_t	 sport, dport;
	uint8_t		 off_byte, flags;
	unsigned	 doff;

	sport = cur_be16(&c);
	dport = cur_be16(&c);
	cur_skip(&c, 8);		/* sequence, acknowledgment */
	off_byte = cur_u8(&c);
	flags = cur_u8(&c);
	doff = off_byte >> 4;
	if (!cur_ok(&c) || len < TCP_MIN_HDR || sport == 0 || dport == 0 ||
	    doff < 5 || doff * 4 > len || (off_byte & TCP_RESERVED) != 0 ||
	    (flags & (TCP_SYN | TCP_RST | TCP_ACK)) == 0 ||
	    (flags & (TCP_SYN | TCP_FIN)) == (TCP_SYN | TCP_FIN))
		return (INNER_FAIL);
	return (csum_verdict(e, csum_window(csum_pseudo(e, NH_TCP, len), *w),
	    residual));
}

/*
 * RFC 768: the length field covers exactly this payload; a zero
 * checksum means "none" over IPv4 only (RFC 8200 section 8.1 forbids it
 * over IPv6).
 */
static enum inner_verdict
check_udp(const struct env *e, const struct cursor *w, uint16_t *residual)
{
	struct cursor	 c = *w;
	uint32_t	 len = (uint32_t)cur_left(&c);
	uint16_t	 dport, ulen, csum;

	cur_skip(&c, 2);		/* source port: 0 is allowed */
	dport = cur_be16(&c);
	ulen = cur_be16(&c);
	csum = cur_be16(&c);
	if (!cur_ok(&c) || ulen != len || dport == 0)
		return (INNER_FAIL);
	if (csum == 0)
		return (e->src->family == 4 ? INNER_WEAK : INNER_FAIL);
	return (csum_verdict(e, csum_window(csum_pseudo(e, NH_UDP, len), *w),
	    residual));
}

/* ICMP types in use (IANA icmp-parameters); echo has code 0. */
static bool
icmp_type_known(uint8_t type, uint8_t code)
{
	switch (type) {
	case 0: case 8:
		return (code == 0);
	case 3: case 4: case 5: case 9: case 10: case 11: case 12:
	case 13: case 14: case 15: case 16: case 17: case 18:
	case 40: case 42: case 43:
		return (true);
	}
	return (false);
}

/* RFC 792: the checksum has no pseudo header, so NAT cannot break it. */
static enum inner_verdict
check_icmp(const struct cursor *w)
{
	struct cursor	 c = *w;
	uint8_t		 type, code;

	type = cur_u8(&c);
	code = cur_u8(&c);
	if (cur_left(w) < ICMP_MIN || !icmp_type_known(type, code))
		return (INNER_FAIL);
	return (csum_fold(csum_window(0, *w)) == CSUM_OK ? INNER_STRONG :
	    INNER_FAIL);
}

/* RFC 4443 errors 1-4, informational 128-161 (IANA icmpv6-parameters). */
static enum inner_verdict
check_icmp6(const struct env *e, const struct cursor *w, uint16_t *residual)
{
	struct cursor	 c = *w;
	uint32_t	 len = (uint32_t)cur_left(&c);
	uint8_t		 type, code;

	type = cur_u8(&c);
	code = cur_u8(&c);
	if (e->src->family != 6 || len < ICMP_MIN ||
	    !((type >= 1 && type <= 4) || (type >= 128 && type <= 161)) ||
	    ((type == 128 || type == 129) && code != 0))
		return (INNER_FAIL);
	return (csum_verdict(e, csum_window(csum_pseudo(e, NH_ICMPV6, len),
	    *w), residual));
}

/* CRC32c (Castagnoli, reflected polynomial 0x82f63b78), RFC 4960 app. B. */
static const uint32_t crc32c_table[256] = {
	0x00000000, 0xf26b8303, 0xe13b70f7, 0x1350f3f4,
	0xc79a971f, 0x35f1141c, 0x26a1e7e8, 0xd4ca64eb,
	0x8ad958cf, 0x78b2dbcc, 0x6be22838, 0x9989ab3b,
	0x4d43cfd0, 0xbf284cd3, 0xac78bf27, 0x5e133c24,
	0x105ec76f, 0xe235446c, 0xf165b798, 0x030e349b,
	0xd7c45070, 0x25afd373, 0x36ff2087, 0xc494a384,
	0x9a879fa0, 0x68ec1ca3, 0x7bbcef57, 0x89d76c54,
	0x5d1d08bf, 0xaf768bbc, 0xbc267848, 0x4e4dfb4b,
	0x20bd8ede, 0xd2d60ddd, 0xc186fe29, 0x33ed7d2a,
	0xe72719c1, 0x154c9ac2, 0x061c6936, 0xf477ea35,
	0xaa64d611, 0x580f5512, 0x4b5fa6e6, 0xb93425e5,
	0x6dfe410e, 0x9f95c20d, 0x8cc531f9, 0x7eaeb2fa,
	0x30e349b1, 0xc288cab2, 0xd1d83946, 0x23b3ba45,
	0xf779deae, 0x05125dad, 0x1642ae59, 0xe4292d5a,
	0xba3a117e, 0x4851927d, 0x5b016189, 0xa96ae28a,
	0x7da08661, 0x8fcb0562, 0x9c9bf696, 0x6ef07595,
	0x417b1dbc, 0xb3109ebf, 0xa0406d4b, 0x522bee48,
	0x86e18aa3, 0x748a09a0, 0x67dafa54, 0x95b17957,
	0xcba24573, 0x39c9c670, 0x2a993584, 0xd8f2b687,
	0x0c38d26c, 0xfe53516f, 0xed03a29b, 0x1f682198,
	0x5125dad3, 0xa34e59d0, 0xb01eaa24, 0x42752927,
	0x96bf4dcc, 0x64d4cecf, 0x77843d3b, 0x85efbe38,
	0xdbfc821c, 0x2997011f, 0x3ac7f2eb, 0xc8ac71e8,
	0x1c661503, 0xee0d9600, 0xfd5d65f4, 0x0f36e6f7,
	0x61c69362, 0x93ad1061, 0x80fde395, 0x72966096,
	0xa65c047d, 0x5437877e, 0x4767748a, 0xb50cf789,
	0xeb1fcbad, 0x197448ae, 0x0a24bb5a, 0xf84f3859,
	0x2c855cb2, 0xdeeedfb1, 0xcdbe2c45, 0x3fd5af46,
	0x7198540d, 0x83f3d70e, 0x90a324fa, 0x62c8a7f9,
	0xb602c312, 0x44694011, 0x5739b3e5, 0xa55230e6,
	0xfb410cc2, 0x092a8fc1, 0x1a7a7c35, 0xe811ff36,
	0x3cdb9bdd, 0xceb018de, 0xdde0eb2a, 0x2f8b6829,
	0x82f63b78, 0x709db87b, 0x63cd4b8f, 0x91a6c88c,
	0x456cac67, 0xb7072f64, 0xa457dc90, 0x563c5f93,
	0x082f63b7, 0xfa44e0b4, 0xe9141340, 0x1b7f9043,
	0xcfb5f4a8, 0x3dde77ab, 0x2e8e845f, 0xdce5075c,
	0x92a8fc17, 0x60c37f14, 0x73938ce0, 0x81f80fe3,
	0x55326b08, 0xa759e80b, 0xb4091bff, 0x466298fc,
	0x1871a4d8, 0xea1a27db, 0xf94ad42f, 0x0b21572c,
	0xdfeb33c7, 0x2d80b0c4, 0x3ed04330, 0xccbbc033,
	0xa24bb5a6, 0x502036a5, 0x4370c551, 0xb11b4652,
	0x65d122b9, 0x97baa1ba, 0x84ea524e, 0x7681d14d,
	0x2892ed69, 0xdaf96e6a, 0xc9a99d9e, 0x3bc21e9d,
	0xef087a76, 0x1d63f975, 0x0e330a81, 0xfc588982,
	0xb21572c9, 0x407ef1ca, 0x532e023e, 0xa145813d,
	0x758fe5d6, 0x87e466d5, 0x94b49521, 0x66df1622,
	0x38cc2a06, 0xcaa7a905, 0xd9f75af1, 0x2b9cd9f2,
	0xff56bd19, 0x0d3d3e1a, 0x1e6dcdee, 0xec064eed,
	0xc38d26c4, 0x31e6a5c7, 0x22b65633, 0xd0ddd530,
	0x0417b1db, 0xf67c32d8, 0xe52cc12c, 0x1747422f,
	0x49547e0b, 0xbb3ffd08, 0xa86f0efc, 0x5a048dff,
	0x8ecee914, 0x7ca56a17, 0x6ff599e3, 0x9d9e1ae0,
	0xd3d3e1ab, 0x21b862a8, 0x32e8915c, 0xc083125f,
	0x144976b4, 0xe622f5b7, 0xf5720643, 0x07198540,
	0x590ab964, 0xab613a67, 0xb831c993, 0x4a5a4a90,
	0x9e902e7b, 0x6cfbad78, 0x7fab5e8c, 0x8dc0dd8f,
	0xe330a81a, 0x115b2b19, 0x020bd8ed, 0xf0605bee,
	0x24aa3f05, 0xd6c1bc06, 0xc5914ff2, 0x37faccf1,
	0x69e9f0d5, 0x9b8273d6, 0x88d28022, 0x7ab90321,
	0xae7367ca, 0x5c18e4c9, 0x4f48173d, 0xbd23943e,
	0xf36e6f75, 0x0105ec76, 0x12551f82, 0xe03e9c81,
	0x34f4f86a, 0xc69f7b69, 0xd5cf889d, 0x27a40b9e,
	0x79b737ba, 0x8bdcb4b9, 0x988c474d, 0x6ae7c44e,
	0xbe2da0a5, 0x4c4623a6, 0x5f16d052, 0xad7d5351,
};

/*
 * RFC 9260 section 6.8 (algorithm: RFC 4960 appendix B): CRC32c over
 * the whole packet with the checksum field taken as zero, stored least
 * significant byte first.  No pseudo header: a NAT cannot break it.
 */
static enum inner_verdict
check_sctp(const struct cursor *w)
{
	struct cursor	 c = *w, hdr = *w;
	uint32_t	 crc = 0xffffffff, wire_crc;
	size_t		 i, len = cur_left(w);
	uint16_t	 sport, dport, chunk_len;
	uint8_t		 b;

	sport = cur_be16(&hdr);
	dport = cur_be16(&hdr);
	cur_skip(&hdr, 4);		/* verification tag */
	wire_crc = cur_le32(&hdr);
	cur_skip(&hdr, 2);		/* first chunk: type, flags */
	chunk_len = cur_be16(&hdr);
	if (!cur_ok(&hdr) || len < SCTP_COMMON + SCTP_CHUNK_HDR ||
	    sport == 0 || dport == 0 || chunk_len < SCTP_CHUNK_HDR ||
	    chunk_len > len - SCTP_COMMON)
		return (INNER_FAIL);
	for (i = 0; i < len; i++) {
		b = cur_u8(&c);
		if (i >= 8 && i < SCTP_COMMON)
			b = 0;
		crc = crc32c_table[(crc ^ b) & 0xff] ^ (crc >> 8);
	}
	return (~crc == wire_crc ? INNER_STRONG : INNER_FAIL);
}

/*
 * OSPFv2 (RFC 2328 appendix A.3.1, D.4.3): version 2, type 1-5, and
 * the packet length covers the packet, plus the digest when AuType is
 * 2.  The checksum is the IP checksum of the packet without the 64-bit
 * Authentication field; with AuType 2 it is not computed (must be 0),
 * which leaves only the structure: WEAK.
 */
static enum inner_verdict
check_ospf2(const struct cursor *w, uint16_t pkt_len)
{
	struct cursor	 c = *w, head, rest;
	size_t		 len = cur_left(w);
	uint16_t	 csum, autype;
	uint8_t		 auth_len;

	cur_skip(&c, 12);		/* header start, router ID, area ID */
	csum = cur_be16(&c);
	autype = cur_be16(&c);
	cur_skip(&c, 3);		/* AuType 2: 0, key ID (D.3) */
	auth_len = cur_u8(&c);		/* AuType 2: digest length */
	if (!cur_ok(&c) || pkt_len < OSPF2_HDR || autype > OSPF_AUTH_CRYPTO)
		return (INNER_FAIL);
	if (autype == OSPF_AUTH_CRYPTO)
		return ((size_t)pkt_len + auth_len == len && csum == 0 ?
		    INNER_WEAK : INNER_FAIL);
	if (pkt_len != len)
		return (INNER_FAIL);
	c = *w;
	cur_sub(&c, OSPF2_AUTH_OFF, &head);
	cur_skip(&c, OSPF2_AUTH_LEN);
	cur_sub(&c, len - OSPF2_HDR, &rest);
	return (csum_fold(csum_window(csum_window(0, head), rest)) == CSUM_OK ?
	    INNER_STRONG : INNER_FAIL);
}

/*
 * OSPF, the routing protocol ESP-NULL protects most (RFC 4552 makes it
 * the OSPFv3 authentication).  OSPFv3 (RFC 5340 appendix A.3.1):
 * version 3, type 1-5, packet length == what we have, Reserved 0, and
 * the IPv6 upper-layer checksum with its pseudo header.
 */
static enum inner_verdict
check_ospf(const struct env *e, const struct cursor *w, uint16_t *residual)
{
	struct cursor	 c = *w;
	uint32_t	 len = (uint32_t)cur_left(w);
	uint16_t	 pkt_len;
	uint8_t		 version, type, reserved;

	version = cur_u8(&c);
	type = cur_u8(&c);
	pkt_len = cur_be16(&c);
	cur_skip(&c, 11);		/* router ID, area, checksum, instance */
	reserved = cur_u8(&c);
	if (!cur_ok(&c) || type < 1 || type > 5)
		return (INNER_FAIL);
	if (version == 2 && e->src->family == 4)
		return (check_ospf2(w, pkt_len));
	if (version != 3 || e->src->family != 6 || pkt_len != len ||
	    len < OSPF3_HDR || reserved != 0)
		return (INNER_FAIL);
	return (csum_verdict(e, csum_window(csum_pseudo(e, NH_OSPF, len), *w),
	    residual));
}

/*
 * Next Header values that cannot follow ESP: Hop-by-Hop Options must
 * follow the IPv6 header itself (RFC 8200 section 4.3), Routing and
 * Fragment headers are processed before ESP can be (RFC 4303 section
 * 3.1.1 places only Destination Options after ESP), and 143-252 and 255
 * are not assigned (IANA protocol-numbers).  Zero bytes in plaintext
 * make "pad 0, NH 0" common at wrong candidate offsets, so NH 0 must
 * be a failure, not "unsure".
 */
static bool
nh_possible(uint8_t nh)
{
	if (nh == 0 || nh == 43 || nh == 44 || nh == 255)
		return (false);
	return (nh < 143 || nh > 252);
}

/*
 * The payload of an inner IP packet.  IPv4 (strict == false): its
 * header checksum already held, so an L4 we cannot verify is WEAK.
 * IPv6 has no header checksum, only version and length (~20 bits), so
 * an L4 we can check must verify, and one we cannot must at least be a
 * protocol that can be there.
 */
static enum inner_verdict
inner_l4(const struct ipaddr *src, const struct ipaddr *dst, int depth,
    uint8_t proto, const struct cursor *l4, bool strict)
{
	struct env	 e = { src, dst, false, depth + 1 };
	uint16_t	 unused = 0;

	switch (dispatch(&e, proto, l4, &unused)) {
	case INNER_STRONG:
		return (INNER_STRONG);
	case INNER_UNSURE:
		return (!strict || nh_possible(proto) ? INNER_WEAK :
		    INNER_FAIL);
	case INNER_FAIL:
		return (strict ? INNER_FAIL : INNER_WEAK);
	case INNER_WEAK:
	case INNER_WEAK_NAT:
		break;
	}
	return (INNER_WEAK);
}

/*
 * RFC 791: version, IHL, total length == what we have, header checksum.
 * After all that held (~40 bits), a payload we cannot verify is only
 * WEAK, never FAIL: the header alone is good evidence of plaintext.
 */
static enum inner_verdict
check_ipv4(const struct env *e, const struct cursor *w)
{
	struct cursor	 c = *w, hdr, l4;
	struct ipaddr	 src = { 0 }, dst = { 0 };
	const uint8_t	*a;
	uint32_t	 len = (uint32_t)cur_left(w);
	unsigned	 ihl;
	uint16_t	 total, frag;
	uint8_t		 b0, proto;

	b0 = cur_u8(&c);
	ihl = (b0 & 0x0f) * 4u;
	cur_skip(&c, 1);		/* TOS */
	total = cur_be16(&c);
	cur_skip(&c, 2);		/* identification */
	frag = cur_be16(&c);
	cur_skip(&c, 1);		/* TTL */
	proto = cur_u8(&c);
	cur_skip(&c, 2);		/* header checksum, summed below */
	if ((a = cur_bytes(&c, 4)) != NULL)
		ipaddr_set4(&src, a);
	if ((a = cur_bytes(&c, 4)) != NULL)
		ipaddr_set4(&dst, a);
	if (!cur_ok(&c) || b0 >> 4 != 4 || ihl < IP4_MIN_HDR ||
	    total != len || ihl > total)
		return (INNER_FAIL);
	c = *w;
	cur_sub(&c, ihl, &hdr);
	if (csum_fold(csum_window(0, hdr)) != CSUM_OK)
		return (INNER_FAIL);
	if ((frag & 0x3fff) != 0)	/* MF or offset: L4 not all here */
		return (INNER_WEAK);
	cur_sub(&c, total - ihl, &l4);
	return (inner_l4(&src, &dst, e->depth, proto, &l4, false));
}

/* RFC 8200 extension headers with the generic (NH, length) format. */
static bool
ipv6_skip_ext(struct cursor *c, uint8_t *nh)
{
	int	 n;
	uint8_t	 hlen;

	for (n = 0; n < 8; n++) {
		if (*nh != 0 && *nh != 43 && *nh != 60)
			return (true);
		*nh = cur_u8(c);
		hlen = cur_u8(c);
		cur_skip(c, (size_t)hlen * 8 + 6);
		if (!cur_ok(c))
			return (false);
	}
	return (false);
}

/*
 * RFC 8200: version, payload length + 40 == what we have, then the
 * upper layer after any extension headers (see inner_l4()).
 */
static enum inner_verdict
check_ipv6(const struct env *e, const struct cursor *w)
{
	struct cursor	 c = *w;
	struct ipaddr	 src = { 0 }, dst = { 0 };
	const uint8_t	*a;
	uint16_t	 plen;
	uint8_t		 b0, nh;

	b0 = cur_u8(&c);
	cur_skip(&c, 3);		/* traffic class, flow label */
	plen = cur_be16(&c);
	nh = cur_u8(&c);
	cur_skip(&c, 1);		/* hop limit */
	if ((a = cur_bytes(&c, 16)) != NULL)
		ipaddr_set6(&src, a);
	if ((a = cur_bytes(&c, 16)) != NULL)
		ipaddr_set6(&dst, a);
	if (!cur_ok(&c) || b0 >> 4 != 6 || (uint32_t)plen + IP6_HDR !=
	    cur_left(w))
		return (INNER_FAIL);
	if (!ipv6_skip_ext(&c, &nh))
		return (INNER_FAIL);
	if (nh == 44)			/* fragment: L4 not all here */
		return (INNER_WEAK);
	return (inner_l4(&src, &dst, e->depth, nh, &c, true));
}

/* Protocol types GRE carries in practice (IEEE EtherTypes). */
static bool
gre_proto_known(uint16_t proto)
{
	switch (proto) {
	case 0x0800:			/* IPv4 */
	case 0x86dd:			/* IPv6 */
	case 0x6558:			/* transparent Ethernet bridging */
	case 0x8847: case 0x8848:	/* MPLS */
	case 0x88be: case 0x22eb:	/* ERSPAN */
	case 0x880b:			/* PPP */
		return (true);
	}
	return (false);
}

#define GRE_C		0x8000	/* checksum present */
#define GRE_R		0x4000	/* RFC 1701 routing: must be 0 */
#define GRE_K		0x2000	/* key present, RFC 2890 */
#define GRE_S		0x1000	/* sequence number present, RFC 2890 */
#define GRE_A		0x0080	/* acknowledgment present, RFC 2637 */
#define GRE_VER		0x0007
#define GRE_V0_ZERO	0x4ff8	/* RFC 2784 Reserved0 minus K and S */
#define GRE_V1_ZERO	0xcf78	/* RFC 2637: C, R, s, Recur, flags */
#define GRE_PPP		0x880b

static bool
gre_flags_ok(uint16_t flags, uint16_t proto)
{
	switch (flags & GRE_VER) {
	case 0:
		return ((flags & GRE_V0_ZERO) == 0 && gre_proto_known(proto));
	case 1:
		return ((flags & GRE_V1_ZERO) == 0 && (flags & GRE_K) != 0 &&
		    proto == GRE_PPP);
	}
	return (false);
}

/*
 * RFC 2784/2890 version 0, RFC 2637 version 1 (PPTP: K set, PPP, the
 * key's payload length equals what follows).  With C set the checksum
 * covers header and payload.
 */
static enum inner_verdict
check_gre(const struct env *e, const struct cursor *w)
{
	struct cursor	 c = *w;
	enum inner_verdict r;
	uint16_t	 flags, proto, v1_len = 0;
	bool		 csum_ok;

	flags = cur_be16(&c);
	proto = cur_be16(&c);
	if (!cur_ok(&c) || !gre_flags_ok(flags, proto))
		return (INNER_FAIL);
	if (flags & GRE_C)
		cur_skip(&c, 4);	/* checksum, reserved1 */
	if (flags & GRE_K) {
		v1_len = cur_be16(&c);	/* v1: payload length, call id */
		cur_skip(&c, 2);
	}
	if (flags & GRE_S)
		cur_skip(&c, 4);
	if ((flags & GRE_VER) == 1 && (flags & GRE_A))
		cur_skip(&c, 4);
	if (!cur_ok(&c) || ((flags & GRE_VER) == 1 && v1_len != cur_left(&c)))
		return (INNER_FAIL);
	csum_ok = (flags & GRE_C) && csum_fold(csum_window(0, *w)) == CSUM_OK;
	if ((flags & GRE_C) && !csum_ok)
		return (INNER_FAIL);
	r = INNER_WEAK;
	if (e->depth < INNER_MAX_DEPTH && proto == 0x0800)
		r = check_ipv4(e, &c);
	else if (e->depth < INNER_MAX_DEPTH && proto == 0x86dd)
		r = check_ipv6(e, &c);
	if (r == INNER_FAIL)
		return (INNER_FAIL);
	return (csum_ok ? INNER_STRONG : r);
}

static enum inner_verdict
dispatch(const struct env *e, uint8_t nh, const struct cursor *w,
    uint16_t *residual)
{
	switch (nh) {
	case NH_TCP:
		return (check_tcp(e, w, residual));
	case NH_UDP:
		return (check_udp(e, w, residual));
	case NH_ICMP:
		return (check_icmp(w));
	case NH_ICMPV6:
		return (check_icmp6(e, w, residual));
	case NH_SCTP:
		return (check_sctp(w));
	case NH_OSPF:
		return (check_ospf(e, w, residual));
	}
	if (e->depth >= INNER_MAX_DEPTH)
		return (INNER_UNSURE);
	switch (nh) {
	case NH_IPV4:
		return (check_ipv4(e, w));
	case NH_IPV6:
		return (check_ipv6(e, w));
	case NH_GRE:
		return (check_gre(e, w));
	}
	return (INNER_UNSURE);
}

void
inner_check(const struct inner_ctx *ctx, uint8_t next_hdr,
    const struct cursor *payload, struct inner_result *out)
{
	struct env	 e = { &ctx->src, &ctx->dst, ctx->nat_possible, 0 };

	out->residual = 0;
	if (!nh_possible(next_hdr))
		out->verdict = INNER_FAIL;
	else
		out->verdict = dispatch(&e, next_hdr, payload, &out->residual);
}

bool
inner_is_tunnel(uint8_t next_hdr)
{
	return (next_hdr == NH_IPV4 || next_hdr == NH_IPV6);
}
