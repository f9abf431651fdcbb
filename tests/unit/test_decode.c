/*
 * test_decode.c - decode/: every link type, VLAN and QinQ, PPPoE, IPv4
 * options, IPv6 extension chains, AH, IP-in-IP, UDP 4500
 * demultiplexing, WESP in UDP, GTP-U, snaplen cuts, trailers, the layer
 * cap and every skip reason, then a deterministic mutation sweep.
 *
 * Frames are either the bytes of public captures (named after the file
 * and frame, /work/shared/pcaps-public) or built here by header helpers,
 * outermost first, whose length fields are patched once the inside is
 * written.  Two tables: frames that must give ESP or WESP, with every
 * outer field checked, and frames that must be skipped for one named
 * reason.  Each frame is decoded from a heap copy of exactly the
 * captured bytes, so any read past them trips AddressSanitizer.
 */
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "data/public_frames.h"
#include "decode/decode.h"

/* pcaps-public/tcpdump/isakmp4500.pcap, frame 1 (42 bytes) */
static const uint8_t isakmp4500_f1_arp[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x10, 0x00, 0x00, 0xde, 0xad, 0xba,
	0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x10, 0x00,
	0x00, 0xde, 0xad, 0xba, 0xc0, 0x01, 0x02, 0xfe, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0xc0, 0x01, 0x02, 0x17,
};
/* pcaps-public/tcpdump/isakmp4500.pcap, frame 11 (98 bytes) */
static const uint8_t isakmp4500_f11_ike_marker[] = {
	0x10, 0x00, 0x00, 0x64, 0x64, 0x23, 0x10, 0x00, 0x00, 0xde, 0xad, 0xba,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x54, 0x00, 0x00, 0x40, 0x00, 0x3f, 0x11,
	0xb6, 0x81, 0xc0, 0x01, 0x02, 0xfe, 0xc0, 0x01, 0x02, 0x17, 0x11, 0x94,
	0x11, 0x94, 0x00, 0x40, 0xaf, 0x17, 0x00, 0x00, 0x00, 0x00, 0x9e, 0x89,
	0xf2, 0x38, 0x8f, 0x90, 0xbc, 0x1e, 0x0a, 0x74, 0x35, 0x7c, 0xe3, 0xd1,
	0xa4, 0xbf, 0x08, 0x10, 0x20, 0x01, 0x8b, 0x7e, 0x89, 0x47, 0x00, 0x00,
	0x00, 0x34, 0x25, 0x3b, 0x31, 0x86, 0x0e, 0x68, 0xec, 0x84, 0x15, 0xa4,
	0x73, 0x5a, 0xb3, 0xf8, 0x72, 0x5a, 0x3d, 0xe7, 0xaa, 0x09, 0x39, 0x24,
	0xa4, 0x02,
};
/* pcaps-public/tcpdump/isakmp4500.pcap, frame 18 (43 bytes) */
static const uint8_t isakmp4500_f18_keepalive[] = {
	0x10, 0x00, 0x00, 0x64, 0x64, 0x23, 0x10, 0x00, 0x00, 0xde, 0xad, 0xba,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x1d, 0x00, 0x00, 0x40, 0x00, 0x3f, 0x11,
	0xb6, 0xb8, 0xc0, 0x01, 0x02, 0xfe, 0xc0, 0x01, 0x02, 0x17, 0x11, 0x94,
	0x11, 0x94, 0x00, 0x09, 0x58, 0x9b, 0xff,
};
/* pcaps-public/pcapplusplus/ipsec.pcapng, frame 1 (194 bytes) */
static const uint8_t ppp_ipsec_f1_ah_esp[] = {
	0xc2, 0x01, 0x57, 0x75, 0x00, 0x00, 0xc2, 0x00, 0x57, 0x75, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0xb4, 0x00, 0x6f, 0x00, 0x00, 0xff, 0x33,
	0xa6, 0xa5, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x32, 0x04,
	0x00, 0x00, 0x81, 0x79, 0xb7, 0x05, 0x00, 0x00, 0x00, 0x03, 0x62, 0x32,
	0x5d, 0x2e, 0xa1, 0x4e, 0x86, 0xab, 0x90, 0x2b, 0x70, 0xfb, 0x48, 0xda,
	0xc2, 0xe4, 0x00, 0x00, 0x00, 0x03, 0xc6, 0xb5, 0xcb, 0xef, 0x14, 0x00,
	0x93, 0x72, 0x43, 0xa2, 0x9a, 0xd3, 0x97, 0x95, 0x4d, 0x18, 0x30, 0x9e,
	0x98, 0xb6, 0x2a, 0x16, 0xe8, 0x0e, 0x5c, 0xe8, 0xec, 0xa1, 0xb8, 0xac,
	0x06, 0xc9, 0x81, 0xb4, 0x36, 0xc2, 0x42, 0x1a, 0xb5, 0x22, 0xd4, 0xa1,
	0x13, 0x0d, 0xb0, 0x6c, 0xaf, 0x1e, 0xa8, 0xc3, 0x31, 0x70, 0x1b, 0xfa,
	0xf9, 0x5f, 0x34, 0xf2, 0xa9, 0x36, 0x4f, 0xe3, 0xf9, 0x29, 0x17, 0x99,
	0x5a, 0x93, 0xdc, 0x0e, 0x09, 0xa7, 0xdd, 0x55, 0xb5, 0x40, 0xfa, 0xb3,
	0x77, 0x64, 0x8b, 0xff, 0x49, 0xeb, 0x7d, 0x9e, 0xb5, 0xf6, 0x0f, 0x64,
	0x91, 0x8c, 0x5f, 0xfb, 0x09, 0x1d, 0x71, 0x39, 0x09, 0xed, 0x49, 0x55,
	0x94, 0xeb, 0x31, 0x8e, 0x68, 0xf2, 0xf3, 0x9a, 0x2a, 0xaa, 0x2b, 0x99,
	0x08, 0x72, 0xb1, 0xb8, 0x77, 0x38, 0xa0, 0xfe, 0x04, 0xa7, 0x84, 0xa0,
	0x44, 0x53,
};
/* pcaps-public/pcapplusplus/ipsec.pcapng, frame 2 (62 bytes) */
static const uint8_t ppp_ipsec_f2_esp6[] = {
	0x68, 0xa3, 0xc4, 0xf9, 0x49, 0xf6, 0x54, 0x75, 0xd0, 0xc9, 0x0b, 0x81,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x08, 0x32, 0x3f, 0x20, 0x01,
	0x04, 0x70, 0xe5, 0xbf, 0x10, 0x01, 0x85, 0x19, 0x2d, 0x1f, 0xc5, 0x7d,
	0xfc, 0x4f, 0x20, 0x01, 0x04, 0x70, 0xe5, 0xbf, 0xde, 0xad, 0x7d, 0xb0,
	0x09, 0x21, 0xa2, 0xe9, 0x1c, 0x21, 0x49, 0x50, 0x76, 0x36, 0x20, 0x45,
	0x53, 0x50,
};
/* pcaps-public/ndpi/ipv6_in_gtp.pcap, frame 2 (166 bytes) */
static const uint8_t gtp_f2_esp6[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x34, 0xb3, 0x54, 0x07, 0xca, 0x55,
	0x81, 0x00, 0x0c, 0x9f, 0x81, 0x00, 0x40, 0x02, 0x08, 0x00, 0x45, 0x58,
	0x00, 0x90, 0xf6, 0x42, 0x00, 0x00, 0xff, 0x11, 0x8c, 0x3c, 0x0a, 0xee,
	0x24, 0x5c, 0x0a, 0xee, 0xfe, 0x4d, 0x08, 0x68, 0x08, 0x68, 0x00, 0x7c,
	0x00, 0x00, 0x30, 0xff, 0x00, 0x6c, 0x07, 0x4c, 0x15, 0xb0, 0x60, 0x0d,
	0xb6, 0x48, 0x00, 0x44, 0x32, 0x40, 0x2a, 0x01, 0x04, 0xc8, 0xc0, 0x14,
	0x14, 0x4e, 0x00, 0x01, 0x00, 0x02, 0x94, 0x5b, 0x67, 0x61, 0x2a, 0x01,
	0x04, 0xc8, 0xf0, 0x00, 0x0f, 0x49, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x04, 0xff, 0x3b, 0x66, 0x03, 0x00, 0x00, 0x00, 0x42, 0x19, 0x66,
	0xd4, 0xe1, 0x71, 0x81, 0xe4, 0xdb, 0x6b, 0x9d, 0x12, 0xc9, 0x11, 0x23,
	0x9b, 0x79, 0x45, 0x6c, 0xf7, 0x3d, 0x96, 0x0a, 0xcb, 0x51, 0xc4, 0x58,
	0x79, 0xb2, 0x47, 0x62, 0x56, 0x33, 0x48, 0x27, 0x96, 0xbf, 0x62, 0xff,
	0x22, 0x34, 0x80, 0x5d, 0xf4, 0xb5, 0x53, 0xe4, 0x61, 0xe0, 0x30, 0xf1,
	0x47, 0xbc, 0x95, 0x5d, 0xbf, 0x24, 0x39, 0xa2, 0x37, 0x5e,
};
/* pcaps-public/tcpdump/ikev2four.pcap, frame 2 (92 bytes) */
static const uint8_t ikev2four_f2_null[] = {
	0x02, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x58, 0x4d, 0xc5, 0x00, 0x00,
	0x40, 0x11, 0xa9, 0x7c, 0xc0, 0xa8, 0x01, 0x01, 0xc0, 0xa8, 0x01, 0x02,
	0x01, 0xf4, 0x01, 0xf4, 0x00, 0x44, 0x06, 0x29, 0xa8, 0x88, 0x75, 0xa8,
	0x19, 0x89, 0x92, 0xa6, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x29, 0x20, 0x22, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3c,
	0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x40, 0x06, 0x00, 0x00, 0x00, 0x01,
	0xc2, 0x22, 0x1e, 0x50, 0xc1, 0x6e, 0x12, 0x3f, 0x2b, 0x0c, 0x71, 0xae,
	0xfc, 0xf0, 0xcb, 0x3b, 0x79, 0x87, 0x82, 0xc6,
};
/*
 * pcaps-public/suricata-verify/ikev2-weak-dh/IKEv2_SA_INIT_2-8-weak.pcap,
 * frame 1 (268 bytes)
 */
static const uint8_t weakdh_f1_raw[] = {
	0x45, 0x00, 0x01, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x96, 0x99,
	0xd4, 0x9e, 0x9d, 0x02, 0xd4, 0x9e, 0x9d, 0x08, 0x01, 0xf4, 0x01, 0xf4,
	0x00, 0xf8, 0x00, 0x00, 0x61, 0xd3, 0x69, 0x3c, 0xe1, 0x2a, 0xf5, 0x28,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x28, 0x20, 0x22, 0x08,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x22, 0x00, 0x00, 0x1c,
	0x31, 0x2f, 0xd2, 0xe1, 0xce, 0xa7, 0x2d, 0x0f, 0x7f, 0x3d, 0x1c, 0xca,
	0xc9, 0x6b, 0xb0, 0xc4, 0xc8, 0xd7, 0x0f, 0x39, 0xdb, 0xa1, 0x93, 0xe4,
	0x21, 0x00, 0x00, 0x88, 0x00, 0x02, 0x00, 0x00, 0xb0, 0xc8, 0x08, 0xb9,
	0x48, 0x0d, 0x4d, 0x4a, 0xe9, 0x2c, 0x0e, 0x8f, 0x11, 0x5d, 0x93, 0x38,
	0xd4, 0xd0, 0xbb, 0x83, 0x61, 0xcf, 0xd1, 0x95, 0x62, 0xee, 0x5e, 0x24,
	0x44, 0xb7, 0xf6, 0x71, 0x37, 0xe4, 0x72, 0xb2, 0xaa, 0x9b, 0x44, 0x55,
	0xba, 0xfc, 0x4a, 0xba, 0xdd, 0x89, 0xda, 0xa8, 0x6e, 0x05, 0x83, 0xff,
	0xd2, 0xab, 0xb2, 0x89, 0x33, 0xfa, 0xa3, 0xfa, 0xbf, 0x3e, 0xe8, 0x44,
	0x30, 0xc0, 0x5a, 0xfe, 0xb9, 0x65, 0x2f, 0xc9, 0xbe, 0xfd, 0x37, 0x7d,
	0xd9, 0xd1, 0x00, 0x01, 0xcd, 0x65, 0x6e, 0xb6, 0x17, 0xba, 0x3b, 0xa3,
	0x9d, 0x03, 0x46, 0xf9, 0x1a, 0x06, 0x3b, 0xba, 0x6d, 0x18, 0x6a, 0x3f,
	0x20, 0x18, 0x8c, 0xa0, 0xe8, 0xe4, 0xb7, 0x9e, 0x3e, 0x91, 0x2f, 0x13,
	0xd3, 0x09, 0xa8, 0xd6, 0x55, 0x50, 0x15, 0x92, 0xf7, 0x42, 0xe4, 0x08,
	0xfd, 0xa8, 0x8d, 0xdc, 0x00, 0x00, 0x00, 0x30, 0x00, 0x00, 0x00, 0x2c,
	0x01, 0x01, 0x00, 0x04, 0x03, 0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x0c,
	0x80, 0x0e, 0x01, 0x00, 0x03, 0x00, 0x00, 0x08, 0x02, 0x00, 0x00, 0x05,
	0x03, 0x00, 0x00, 0x08, 0x03, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x08,
	0x04, 0x00, 0x00, 0x02,
};
/* pcaps-public/tcpdump/esp_truncated.pcap, frame 1 (46 bytes) */
static const uint8_t esp_truncated_f1[] = {
	0xac, 0x22, 0x05, 0xb2, 0x8f, 0xd4, 0x00, 0x00, 0x25, 0x20, 0x79, 0x71,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x46, 0x19, 0x01, 0x60, 0x00, 0x3c, 0x11,
	0x00, 0x00, 0x00, 0xfe, 0x5c, 0xb6, 0xff, 0x7f, 0xff, 0x79, 0x11, 0x94,
	0x21, 0x18, 0x01, 0x6a, 0x66, 0x73, 0xc0, 0xf7, 0xd4, 0xc3,
};

/* Building frames. */

struct frame {
	uint8_t	b[1024];
	size_t	len;
};

static void
put8(struct frame *f, uint8_t v)
{
	ck_assert_uint_lt(f->len, sizeof(f->b));
	f->b[f->len++] = v;
}

static void
put16(struct frame *f, uint16_t v)
{
	put8(f, (uint8_t)(v >> 8));
	put8(f, (uint8_t)v);
}

static void
put32(struct frame *f, uint32_t v)
{
	put16(f, (uint16_t)(v >> 16));
	put16(f, (uint16_t)v);
}

static void
putn(struct frame *f, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		put8(f, b[i]);
}

static void
fill(struct frame *f, uint8_t v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		put8(f, v);
}

static void
patch16(struct frame *f, size_t off, size_t v)
{
	f->b[off] = (uint8_t)(v >> 8);
	f->b[off + 1] = (uint8_t)v;
}

static const uint8_t mac_dst[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t mac_src[6] = { 0x02, 0, 0, 0, 0, 0x01 };

static void
ether(struct frame *f, uint16_t type)
{
	putn(f, mac_dst, 6);
	putn(f, mac_src, 6);
	put16(f, type);
}

static void
vlan(struct frame *f, uint16_t tci, uint16_t type)
{
	put16(f, tci);
	put16(f, type);
}

/* Linux cooked v1: packet type, ARPHRD_ETHER, address length, 8 bytes. */
static void
sll(struct frame *f, uint16_t proto)
{
	put16(f, 0);
	put16(f, 1);
	put16(f, 6);
	putn(f, mac_src, 6);
	put16(f, 0);
	put16(f, proto);
}

/* Linux cooked v2: protocol, reserved, ifindex, ARPHRD, type, addr. */
static void
sll2(struct frame *f, uint16_t proto)
{
	put16(f, proto);
	put16(f, 0);
	put32(f, 2);
	put16(f, 1);
	put8(f, 0);
	put8(f, 6);
	putn(f, mac_src, 6);
	put16(f, 0);
}

static void
loopback(struct frame *f, uint32_t af, bool little_endian)
{
	if (little_endian) {
		put16(f, (uint16_t)((af & 0xff) << 8 | (af >> 8 & 0xff)));
		put16(f, 0);
	} else
		put32(f, af);
}

/* PPPoE session header; the caller writes the PPP protocol. */
static size_t
pppoe(struct frame *f)
{
	size_t off = f->len;

	put8(f, 0x11);
	put8(f, 0x00);
	put16(f, 0x1234);
	put16(f, 0);
	return (off);
}

static void
pppoe_end(struct frame *f, size_t off)
{
	patch16(f, off + 4, f->len - off - 6);
}

/* IPv4 192.0.2.host -> 198.51.100.host, TOS 0x28, id 0x1234, DF. */
static size_t
ip4(struct frame *f, uint8_t proto, uint8_t host, size_t opt_words)
{
	size_t off = f->len, i;

	put8(f, (uint8_t)(0x45 + opt_words));
	put8(f, 0x28);
	put16(f, 0);
	put16(f, 0x1234);
	put16(f, 0x4000);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	put32(f, 0xc0000200u | host);
	put32(f, 0xc6336400u | host);
	for (i = 0; i < opt_words; i++)
		put32(f, 0x01010101);	/* NOPs */
	return (off);
}

static void
ip4_end(struct frame *f, size_t off)
{
	size_t		hdr_len = (size_t)(f->b[off] & 0x0f) * 4, i;
	uint32_t	sum = 0;

	patch16(f, off + 2, f->len - off);
	for (i = 0; i < hdr_len; i += 2)
		sum += (uint32_t)f->b[off + i] << 8 | f->b[off + i + 1];
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	patch16(f, off + 10, ~sum & 0xffff);
}

/* IPv6 2001:db8:host::1 -> 2001:db8:host::2, class 0xb8, flow 0x12345. */
static size_t
ip6(struct frame *f, uint8_t next, uint8_t host)
{
	size_t off = f->len;

	put32(f, 0x6b812345);
	put16(f, 0);
	put8(f, next);
	put8(f, 63);
	put32(f, 0x20010db8);
	put16(f, host);
	fill(f, 0, 9);
	put8(f, 1);
	put32(f, 0x20010db8);
	put16(f, host);
	fill(f, 0, 9);
	put8(f, 2);
	return (off);
}

static void
ip6_end(struct frame *f, size_t off)
{
	patch16(f, off + 4, f->len - off - 40);
}

/* Hop-by-hop or destination options of (len8 + 1) * 8 bytes, PadN. */
static void
ext6(struct frame *f, uint8_t next, uint8_t len8)
{
	size_t total = ((size_t)len8 + 1) * 8;

	put8(f, next);
	put8(f, len8);
	put8(f, 1);
	put8(f, (uint8_t)(total - 4));
	fill(f, 0, total - 4);
}

/* Routing header type 0 with no segments left: processed as absent. */
static void
rt6(struct frame *f, uint8_t next)
{
	put8(f, next);
	put8(f, 0);
	put8(f, 0);
	put8(f, 0);
	put32(f, 0);
}

static void
frag6(struct frame *f, uint8_t next, uint16_t off_m, uint32_t id)
{
	put8(f, next);
	put8(f, 0);
	put16(f, off_m);
	put32(f, id);
}

/* AH of (plen + 2) * 4 bytes: SPI 0xa0a0, sequence 1, zero ICV. */
static void
ah(struct frame *f, uint8_t next, uint8_t plen)
{
	put8(f, next);
	put8(f, plen);
	put16(f, 0);
	put32(f, 0xa0a0);
	put32(f, 1);
	fill(f, 0, ((size_t)plen + 2) * 4 - 12);
}

static size_t
udp(struct frame *f, uint16_t sport, uint16_t dport)
{
	size_t off = f->len;

	put16(f, sport);
	put16(f, dport);
	put16(f, 0);
	put16(f, 0);
	return (off);
}

static void
udp_end(struct frame *f, size_t off)
{
	patch16(f, off + 4, f->len - off);
}

static void
esp(struct frame *f, uint32_t spi, size_t payload)
{
	size_t i;

	put32(f, spi);
	put32(f, 1);
	for (i = 0; i < payload; i++)
		put8(f, (uint8_t)i);
}

/* WESP (RFC 5840 section 2): next header 6, HdrLen 12, TrailerLen 12. */
#define WESP_HEAD	0x060c0c00u

static void
wesp(struct frame *f, uint32_t spi, size_t payload)
{
	put32(f, WESP_HEAD);
	esp(f, spi, payload);
}

static size_t
gtp(struct frame *f, uint8_t flags, uint8_t type)
{
	size_t off = f->len;

	put8(f, flags);
	put8(f, type);
	put16(f, 0);
	put32(f, 0x00c0ffee);
	return (off);
}

static void
gtp_end(struct frame *f, size_t off)
{
	patch16(f, off + 2, f->len - off - 8);
}

/* Ethernet, IPv4 (host 1), ESP with spi and payload bytes. */
static void
eth_ip4_esp(struct frame *f, uint32_t spi, size_t payload)
{
	size_t o;

	ether(f, 0x0800);
	o = ip4(f, 50, 1, 0);
	esp(f, spi, payload);
	ip4_end(f, o);
}

static void
eth_ip4_udp(struct frame *f, uint16_t sport, uint16_t dport,
    const uint8_t *payload, size_t len)
{
	size_t o, u;

	ether(f, 0x0800);
	o = ip4(f, 17, 1, 0);
	u = udp(f, sport, dport);
	putn(f, payload, len);
	udp_end(f, u);
	ip4_end(f, o);
}

static void
eth_ip6_payload(struct frame *f, uint8_t next, const uint8_t *payload,
    size_t len)
{
	size_t o;

	ether(f, 0x86dd);
	o = ip6(f, next, 1);
	putn(f, payload, len);
	ip6_end(f, o);
}

/* Frames that must give ESP or WESP. */

static void
b_sll_ip4(struct frame *f)
{
	size_t o;

	sll(f, 0x0800);
	o = ip4(f, 50, 1, 0);
	esp(f, 0x1001, 16);
	ip4_end(f, o);
}

static void
b_sll_vlan_ip4(struct frame *f)
{
	size_t o;

	sll(f, 0x8100);
	vlan(f, 100, 0x0800);
	o = ip4(f, 50, 1, 0);
	esp(f, 0x1002, 16);
	ip4_end(f, o);
}

static void
b_sll2_ip6(struct frame *f)
{
	size_t o;

	sll2(f, 0x86dd);
	o = ip6(f, 50, 1);
	esp(f, 0x1003, 16);
	ip6_end(f, o);
}

static void
b_raw_ip4(struct frame *f)
{
	size_t o;

	o = ip4(f, 50, 1, 0);
	esp(f, 0x1004, 16);
	ip4_end(f, o);
}

static void
b_raw_ip6(struct frame *f)
{
	size_t o;

	o = ip6(f, 50, 1);
	esp(f, 0x1005, 16);
	ip6_end(f, o);
}

static void
loop_ip4(struct frame *f, uint32_t af, bool little_endian)
{
	loopback(f, af, little_endian);
	b_raw_ip4(f);
}

static void
loop_ip6(struct frame *f, uint32_t af, bool little_endian)
{
	loopback(f, af, little_endian);
	b_raw_ip6(f);
}

static void
b_loop_le2(struct frame *f)
{
	loop_ip4(f, 2, true);
}

static void
b_loop_be2(struct frame *f)
{
	loop_ip4(f, 2, false);
}

static void
b_loop_le24(struct frame *f)
{
	loop_ip6(f, 24, true);
}

static void
b_loop_le28(struct frame *f)
{
	loop_ip6(f, 28, true);
}

static void
b_loop_le30(struct frame *f)
{
	loop_ip6(f, 30, true);
}

static void
b_loop_be30(struct frame *f)
{
	loop_ip6(f, 30, false);
}

static void
b_loop_be24(struct frame *f)
{
	loop_ip6(f, 24, false);
}

static void
b_eth_vlan(struct frame *f)
{
	size_t o;

	ether(f, 0x8100);
	vlan(f, 0x2064, 0x0800);	/* priority 1, VLAN 100 */
	o = ip4(f, 50, 1, 0);
	esp(f, 0x1007, 16);
	ip4_end(f, o);
}

static void
b_eth_qinq_88a8(struct frame *f)
{
	size_t o;

	ether(f, 0x88a8);
	vlan(f, 200, 0x8100);
	vlan(f, 300, 0x0800);
	o = ip4(f, 50, 1, 0);
	esp(f, 0x1007, 16);
	ip4_end(f, o);
}

static void
b_eth_qinq_9100(struct frame *f)
{
	size_t o;

	ether(f, 0x9100);
	vlan(f, 10, 0x8100);
	vlan(f, 20, 0x86dd);
	o = ip6(f, 50, 1);
	esp(f, 0x1007, 16);
	ip6_end(f, o);
}

/* n VLAN tags with IDs 1..n, then IPv4 and ESP. */
static void
eth_vlans(struct frame *f, uint16_t n)
{
	size_t		o;
	uint16_t	i;

	ether(f, 0x88a8);
	for (i = 1; i <= n; i++)
		vlan(f, i, i < n ? 0x8100 : 0x0800);
	o = ip4(f, 50, 1, 0);
	esp(f, 0x1007, 16);
	ip4_end(f, o);
}

static void
b_eth_vlan3(struct frame *f)
{
	eth_vlans(f, 3);
}

static void
b_eth_vlan6(struct frame *f)
{
	eth_vlans(f, 6);
}

static void
b_eth_vlan7(struct frame *f)
{
	eth_vlans(f, 7);
}

static void
b_eth_vlan8(struct frame *f)
{
	eth_vlans(f, 8);
}

static void
b_pppoe_ip4(struct frame *f)
{
	size_t s, o;

	ether(f, 0x8864);
	s = pppoe(f);
	put16(f, 0x0021);
	o = ip4(f, 50, 1, 0);
	esp(f, 0x1008, 16);
	ip4_end(f, o);
	pppoe_end(f, s);
}

static void
b_pppoe_pfc(struct frame *f)
{
	size_t s, o;

	ether(f, 0x8864);
	s = pppoe(f);
	put8(f, 0x21);		/* protocol field compressed */
	o = ip4(f, 50, 1, 0);
	esp(f, 0x1008, 16);
	ip4_end(f, o);
	pppoe_end(f, s);
}

static void
ip4_opts(struct frame *f, size_t words)
{
	size_t o;

	ether(f, 0x0800);
	o = ip4(f, 50, 1, words);
	esp(f, 0x1009, 16);
	ip4_end(f, o);
}

static void
b_ip4_opt1(struct frame *f)
{
	ip4_opts(f, 1);
}

static void
b_ip4_opt10(struct frame *f)
{
	ip4_opts(f, 10);
}

static void
b_ip4_fcs(struct frame *f)
{
	eth_ip4_esp(f, 0x100a, 16);
	put32(f, 0xdeadbeef);
}

static void
b_ip4_pad(struct frame *f)
{
	eth_ip4_esp(f, 0x100b, 0);
	fill(f, 0, 60 - f->len);
}

static void
b_ip4_esp8(struct frame *f)
{
	eth_ip4_esp(f, 0x100c, 0);
}

static void
b_ip4_esp100(struct frame *f)
{
	eth_ip4_esp(f, 0x100d, 100);
}

static void
b_ip4_in_ip4(struct frame *f)
{
	size_t o1, o2;

	ether(f, 0x0800);
	o1 = ip4(f, 4, 1, 0);
	o2 = ip4(f, 50, 2, 0);
	esp(f, 0x100e, 16);
	ip4_end(f, o2);
	ip4_end(f, o1);
}

static void
b_ip6_in_ip4(struct frame *f)
{
	size_t o1, o2;

	ether(f, 0x0800);
	o1 = ip4(f, 41, 1, 0);
	o2 = ip6(f, 50, 2);
	esp(f, 0x100e, 16);
	ip6_end(f, o2);
	ip4_end(f, o1);
}

static void
b_ip4_in_ip6(struct frame *f)
{
	size_t o1, o2;

	ether(f, 0x86dd);
	o1 = ip6(f, 4, 1);
	o2 = ip4(f, 50, 2, 0);
	esp(f, 0x100e, 16);
	ip4_end(f, o2);
	ip6_end(f, o1);
}

/* n IPv4 headers (hosts 1..n) nested with protocol 4, then ESP. */
static void
ipip_nest(struct frame *f, uint8_t n)
{
	size_t	o[16];
	uint8_t	i;

	ether(f, 0x0800);
	for (i = 0; i < n; i++)
		o[i] = ip4(f, i + 1 < n ? 4 : 50, i + 1, 0);
	esp(f, 0x100f, 16);
	while (i-- > 0)
		ip4_end(f, o[i]);
}

static void
b_ipip7(struct frame *f)
{
	ipip_nest(f, 7);
}

static void
b_ipip8(struct frame *f)
{
	ipip_nest(f, 8);
}

/* Eight IPv6 headers nested with next header 41, then ESP. */
static void
b_ip6_nest8(struct frame *f)
{
	size_t	o[8];
	uint8_t	i;

	ether(f, 0x86dd);
	for (i = 0; i < 8; i++)
		o[i] = ip6(f, i + 1 < 8 ? 41 : 50, i + 1);
	esp(f, 0x100f, 16);
	while (i-- > 0)
		ip6_end(f, o[i]);
}

static void
b_ip6_chain(struct frame *f)
{
	size_t o;

	ether(f, 0x86dd);
	o = ip6(f, 0, 1);
	ext6(f, 43, 0);		/* hop-by-hop, 8 bytes */
	rt6(f, 60);		/* routing, 8 bytes */
	ext6(f, 51, 1);		/* destination options, 16 bytes */
	ah(f, 50, 4);		/* AH, 24 bytes */
	esp(f, 0x1010, 16);
	ip6_end(f, o);
}

/* n destination options headers, then ESP. */
static void
ip6_dst_chain(struct frame *f, unsigned n)
{
	size_t		o;
	unsigned	i;

	ether(f, 0x86dd);
	o = ip6(f, 60, 1);
	for (i = 0; i < n; i++)
		ext6(f, i + 1 < n ? 60 : 50, 0);
	esp(f, 0x1011, 16);
	ip6_end(f, o);
}

static void
b_ip6_chain16(struct frame *f)
{
	ip6_dst_chain(f, 16);
}

static void
b_ip6_chain17(struct frame *f)
{
	ip6_dst_chain(f, 17);
}

static void
b_ip6_atomic(struct frame *f)
{
	size_t o;

	ether(f, 0x86dd);
	o = ip6(f, 44, 1);
	frag6(f, 50, 0, 0xabcd);
	esp(f, 0x1012, 16);
	ip6_end(f, o);
}

static void
b_ip6_wesp(struct frame *f)
{
	size_t o;

	ether(f, 0x86dd);
	o = ip6(f, 141, 1);
	wesp(f, 0x1013, 16);
	ip6_end(f, o);
}

static void
b_ip4_wesp12(struct frame *f)
{
	size_t o;

	ether(f, 0x0800);
	o = ip4(f, 141, 1, 0);
	wesp(f, 0x1014, 0);
	ip4_end(f, o);
}

static void
udp_esp(struct frame *f, uint16_t sport, uint16_t dport)
{
	size_t o, u;

	ether(f, 0x0800);
	o = ip4(f, 17, 1, 0);
	u = udp(f, sport, dport);
	esp(f, 0x1015, 16);
	udp_end(f, u);
	ip4_end(f, o);
}

static void
b_udp_sport(struct frame *f)
{
	udp_esp(f, 4500, 8472);
}

static void
b_udp_dport(struct frame *f)
{
	udp_esp(f, 33000, 4500);
}

static void
b_udp_wesp(struct frame *f)
{
	size_t o, u;

	ether(f, 0x0800);
	o = ip4(f, 17, 1, 0);
	u = udp(f, 4500, 4500);
	put32(f, 2);		/* RFC 5840 section 2.1 protocol id */
	wesp(f, 0x1016, 16);
	udp_end(f, u);
	ip4_end(f, o);
}

static void
b_udp6_esp(struct frame *f)
{
	size_t o, u;

	ether(f, 0x86dd);
	o = ip6(f, 17, 1);
	u = udp(f, 4500, 4500);
	esp(f, 0x1017, 16);
	udp_end(f, u);
	ip6_end(f, o);
}

/* GTP-U G-PDU with E set: a PDU session container extension, IPv6. */
static void
b_gtp_ext(struct frame *f)
{
	size_t o1, u, g, o2;

	ether(f, 0x0800);
	o1 = ip4(f, 17, 1, 0);
	u = udp(f, 2152, 2152);
	g = gtp(f, 0x34, 255);
	put16(f, 0);		/* sequence */
	put8(f, 0);		/* N-PDU */
	put8(f, 0x85);		/* next: PDU session container */
	put8(f, 1);		/* 4 bytes */
	put8(f, 0x10);
	put8(f, 0x09);
	put8(f, 0);		/* no more */
	o2 = ip6(f, 50, 2);
	esp(f, 0x1018, 16);
	ip6_end(f, o2);
	gtp_end(f, g);
	udp_end(f, u);
	ip4_end(f, o1);
}

/* GTP-U G-PDU with S set and no extension, IPv4. */
static void
b_gtp_seq(struct frame *f)
{
	size_t o1, u, g, o2;

	ether(f, 0x0800);
	o1 = ip4(f, 17, 1, 0);
	u = udp(f, 2152, 2152);
	g = gtp(f, 0x32, 255);
	put32(f, 0x00070000);	/* sequence 7, N-PDU 0, no extension */
	o2 = ip4(f, 50, 2, 0);
	esp(f, 0x1019, 16);
	ip4_end(f, o2);
	gtp_end(f, g);
	udp_end(f, u);
	ip4_end(f, o1);
}

static void
b_espudp1_garbage(struct frame *f)
{
	putn(f, espudp1_f1, sizeof(espudp1_f1));
	fill(f, 0xaa, 20);
}

/* Frames that must be skipped. */

static void
b_empty(struct frame *f)
{
	f->len = 0;
}

static void
b_zeros60(struct frame *f)
{
	fill(f, 0, 60);
}

static void
b_eth13(struct frame *f)
{
	ether(f, 0x0800);
	f->len = 13;
}

static void
b_eth_8023(struct frame *f)
{
	ether(f, 46);		/* an IEEE 802.3 length, then LLC */
	fill(f, 0x42, 46);
}

static void
b_sll_short(struct frame *f)
{
	sll(f, 0x0800);
	f->len = 15;
}

static void
b_sll_llc(struct frame *f)
{
	sll(f, 0x0004);		/* 802.2 LLC frames */
	fill(f, 0, 20);
}

static void
b_sll2_arp(struct frame *f)
{
	sll2(f, 0x0806);
	fill(f, 0, 28);
}

static void
b_loop_af7(struct frame *f)
{
	loop_ip4(f, 7, true);
}

static void
b_loop_short(struct frame *f)
{
	put8(f, 2);
	put8(f, 0);
	put8(f, 0);
}

static void
b_raw_v5(struct frame *f)
{
	put8(f, 0x55);
	fill(f, 0, 39);
}

static void
b_vlan_short(struct frame *f)
{
	ether(f, 0x8100);
	put16(f, 100);
}

static void
b_pppoe_lcp(struct frame *f)
{
	size_t s;

	ether(f, 0x8864);
	s = pppoe(f);
	put16(f, 0xc021);
	put32(f, 0x01010004);	/* Configure-Request, no options */
	pppoe_end(f, s);
}

static void
b_pppoe_badver(struct frame *f)
{
	b_pppoe_ip4(f);
	f->b[14] = 0x12;
}

static void
b_pppoe_toolong(struct frame *f)
{
	b_pppoe_ip4(f);
	patch16(f, 18, f->len - 20 + 1);
}

static void
b_pppoe_empty(struct frame *f)
{
	ether(f, 0x8864);
	pppoe(f);
	fill(f, 0, 20);		/* Ethernet padding, not payload */
}

static void
b_pppoe_disc(struct frame *f)
{
	ether(f, 0x8863);
	fill(f, 0, 20);
}

static void
b_ip4_ihl4(struct frame *f)
{
	eth_ip4_esp(f, 0x2001, 16);
	f->b[14] = 0x44;
}

static void
b_ip4_ver6(struct frame *f)
{
	eth_ip4_esp(f, 0x2001, 16);
	f->b[14] = 0x65;
}

static void
b_ip4_total_lt_ihl(struct frame *f)
{
	eth_ip4_esp(f, 0x2001, 16);
	patch16(f, 16, 16);
}

/* Length field too large by one, nothing cut by the capture. */
static void
b_ip4_total_big(struct frame *f)
{
	eth_ip4_esp(f, 0x2001, 16);
	patch16(f, 16, f->len - 14 + 1);
}

static void
b_ip4_tcp(struct frame *f)
{
	size_t o;

	ether(f, 0x0800);
	o = ip4(f, 6, 1, 0);
	fill(f, 0, 20);
	ip4_end(f, o);
}

static void
b_ip4_icmp(struct frame *f)
{
	size_t o;

	ether(f, 0x0800);
	o = ip4(f, 1, 1, 0);
	put32(f, 0x0800f7ff);
	put32(f, 0);
	ip4_end(f, o);
}

static void
b_ip4_frag_tcp(struct frame *f)
{
	b_ip4_tcp(f);
	patch16(f, 20, 0x2000);	/* MF */
}

static void
b_ah_len0(struct frame *f)
{
	size_t o;

	ether(f, 0x0800);
	o = ip4(f, 51, 1, 0);
	put8(f, 50);
	put8(f, 0);		/* 8 bytes: shorter than AH's fixed part */
	put16(f, 0);
	put32(f, 0xa0a0);
	esp(f, 0x2002, 16);
	ip4_end(f, o);
}

static void
b_ah_long(struct frame *f)
{
	size_t o;

	ether(f, 0x0800);
	o = ip4(f, 51, 1, 0);
	ah(f, 50, 4);
	esp(f, 0x2003, 16);
	ip4_end(f, o);
	f->b[35] = 20;		/* 88 bytes, beyond the IP payload */
}

static void
b_ah_esp(struct frame *f)
{
	size_t o;

	ether(f, 0x0800);
	o = ip4(f, 51, 1, 0);
	ah(f, 50, 4);
	esp(f, 0x2004, 16);
	ip4_end(f, o);
}

static void
b_esp7(struct frame *f)
{
	size_t o;

	ether(f, 0x0800);
	o = ip4(f, 50, 1, 0);
	put32(f, 0x2005);
	fill(f, 0, 3);
	ip4_end(f, o);
}

static void
b_wesp11(struct frame *f)
{
	size_t o;

	ether(f, 0x0800);
	o = ip4(f, 141, 1, 0);
	put32(f, WESP_HEAD);
	put32(f, 0x2006);
	fill(f, 0, 3);
	ip4_end(f, o);
}

static void
b_ip6_ver4(struct frame *f)
{
	b_raw_ip6(f);
	f->b[0] = 0x4b;
}

static void
b_eth_ip6(struct frame *f)
{
	size_t o;

	ether(f, 0x86dd);
	o = ip6(f, 50, 1);
	esp(f, 0x2007, 16);
	ip6_end(f, o);
}

static void
b_ip6_plen_big(struct frame *f)
{
	b_eth_ip6(f);
	patch16(f, 18, f->len - 54 + 1);
}

static void
b_ip6_nonext(struct frame *f)
{
	eth_ip6_payload(f, 59, NULL, 0);
}

static void
b_ip6_tcp(struct frame *f)
{
	static const uint8_t zeros[20];

	eth_ip6_payload(f, 6, zeros, sizeof(zeros));
}

static void
b_ip6_hbh_second(struct frame *f)
{
	size_t o;

	ether(f, 0x86dd);
	o = ip6(f, 60, 1);
	ext6(f, 0, 0);
	ext6(f, 50, 0);
	esp(f, 0x2008, 16);
	ip6_end(f, o);
}

static void
b_ip6_ext_long(struct frame *f)
{
	size_t o;

	ether(f, 0x86dd);
	o = ip6(f, 60, 1);
	ext6(f, 50, 0);
	esp(f, 0x2009, 16);
	ip6_end(f, o);
	f->b[55] = 5;		/* 48 bytes, the payload has 32 */
}

static void
b_ip6_two_frag(struct frame *f)
{
	size_t o;

	ether(f, 0x86dd);
	o = ip6(f, 44, 1);
	frag6(f, 44, 0, 1);
	frag6(f, 50, 0, 2);
	esp(f, 0x200a, 16);
	ip6_end(f, o);
}

static void
udp_payload4(struct frame *f, uint16_t port, const uint8_t *b, size_t n)
{
	eth_ip4_udp(f, port, port, b, n);
}

static void
b_udp_len7(struct frame *f)
{
	udp_esp(f, 4500, 4500);
	patch16(f, 38, 7);
}

static void
b_udp_len_big(struct frame *f)
{
	udp_esp(f, 4500, 4500);
	patch16(f, 38, f->len - 34 + 1);
}

static void
b_udp_short(struct frame *f)
{
	size_t o;

	ether(f, 0x0800);
	o = ip4(f, 17, 1, 0);
	put32(f, 0x11941194);
	put16(f, 6);
	ip4_end(f, o);
}

static void
b_udp_dns(struct frame *f)
{
	static const uint8_t query[12] = { 0x12, 0x34, 0x01 };

	eth_ip4_udp(f, 33000, 53, query, sizeof(query));
}

static void
b_natt_zero1(struct frame *f)
{
	static const uint8_t b[1] = { 0x00 };

	udp_payload4(f, 4500, b, sizeof(b));
}

static void
b_natt_ff00(struct frame *f)
{
	static const uint8_t b[2] = { 0xff, 0x00 };

	udp_payload4(f, 4500, b, sizeof(b));
}

static void
b_natt_three(struct frame *f)
{
	static const uint8_t b[3] = { 0xff, 0xff, 0xff };

	udp_payload4(f, 4500, b, sizeof(b));
}

static void
b_natt_empty(struct frame *f)
{
	udp_payload4(f, 4500, NULL, 0);
}

static void
b_natt_spi255(struct frame *f)
{
	static const uint8_t b[16] = { 0, 0, 0, 0xff, 0, 0, 0, 1 };

	udp_payload4(f, 4500, b, sizeof(b));
}

static void
b_natt_spi1(struct frame *f)
{
	static const uint8_t b[16] = { 0, 0, 0, 1, 0, 0, 0, 1 };

	udp_payload4(f, 4500, b, sizeof(b));
}

static void
b_natt_esp7(struct frame *f)
{
	static const uint8_t b[7] = { 0x12, 0x34, 0x56, 0x78, 0, 0, 0 };

	udp_payload4(f, 4500, b, sizeof(b));
}

static void
b_natt_wesp11(struct frame *f)
{
	static const uint8_t b[15] = { 0, 0, 0, 2, 0x06, 0x0c, 0x0c, 0x00,
	    0x12, 0x34, 0x56, 0x78, 0, 0, 0 };

	udp_payload4(f, 4500, b, sizeof(b));
}

static void
b_natt_esp(struct frame *f)
{
	udp_esp(f, 4500, 4500);
}

static void
b_udp500(struct frame *f)
{
	static const uint8_t b[28] = { 0x01, 0x02 };

	udp_payload4(f, 500, b, sizeof(b));
}

static void
gtp_bare(struct frame *f, uint8_t flags, uint8_t type, size_t extra)
{
	size_t o, u, g;

	ether(f, 0x0800);
	o = ip4(f, 17, 1, 0);
	u = udp(f, 2152, 2152);
	g = gtp(f, flags, type);
	fill(f, 0, extra);
	gtp_end(f, g);
	udp_end(f, u);
	ip4_end(f, o);
}

static void
b_gtp_echo(struct frame *f)
{
	gtp_bare(f, 0x32, 1, 4);
}

static void
b_gtp_prime(struct frame *f)
{
	gtp_bare(f, 0x20, 255, 20);
}

static void
b_gtp_v2(struct frame *f)
{
	gtp_bare(f, 0x48, 255, 20);
}

static void
b_gtp_nonip(struct frame *f)
{
	gtp_bare(f, 0x30, 255, 20);
}

static void
b_gtp_len_big(struct frame *f)
{
	b_gtp_seq(f);
	patch16(f, 44, f->len - 50 + 1);
}

static void
b_gtp_ext0(struct frame *f)
{
	b_gtp_ext(f);
	f->b[54] = 0;		/* extension length 0 */
}

static void
b_gtp_short(struct frame *f)
{
	static const uint8_t b[5] = { 0x30, 0xff, 0, 0, 0 };

	udp_payload4(f, 2152, b, sizeof(b));
}

/* 17 extension headers of 4 bytes each. */
static void
b_gtp_ext17(struct frame *f)
{
	size_t		o, u, g;
	unsigned	i;

	ether(f, 0x0800);
	o = ip4(f, 17, 1, 0);
	u = udp(f, 2152, 2152);
	g = gtp(f, 0x34, 255);
	put32(f, 0x00000085);
	for (i = 0; i < 17; i++)
		put32(f, i + 1 < 17 ? 0x01000085 : 0x01000000);
	b_raw_ip4(f);
	gtp_end(f, g);
	udp_end(f, u);
	ip4_end(f, o);
}

static void
b_espudp1_short(struct frame *f)
{
	putn(f, espudp1_f1, sizeof(espudp1_f1) - 1);
}

/* The tables. */

#define REAL(a)		.bytes = (a), .len = sizeof(a)
#define V4(s, d)	.ipver = 4, .src = (s), .dst = (d)
#define V6(s, d)	.ipver = 6, .src = (s), .dst = (d)
#define B4		V4("192.0.2.1", "198.51.100.1")
#define B6		V6("2001:db8:1::1", "2001:db8:1::2")
#define ESP(off, n, spi) \
	.esp_off = (off), .esp_wire_len = (n), .esp_len = (n), \
	.ipsec_proto = 50, .head = (spi)
#define WESP(off, n) \
	.esp_off = (off), .esp_wire_len = (n), .esp_len = (n), \
	.ipsec_proto = 141, .head = WESP_HEAD
#define UDP(s, d)	.encap = ENCAP_UDP, .sport = (s), .dport = (d)

struct esp_row {
	const char	*name;
	int		 linktype;
	const uint8_t	*bytes;		/* a captured frame, or */
	size_t		 len;
	void		(*build)(struct frame *);	/* a built one */
	size_t		 cut;		/* bytes the snaplen took */
	ptrdiff_t	 esp_off;	/* p->esp - frame */
	uint32_t	 esp_wire_len;
	uint32_t	 esp_len;
	uint8_t		 ipsec_proto;
	uint32_t	 head;		/* first 4 bytes at p->esp */
	enum esp_encap	 encap;
	uint16_t	 sport;
	uint16_t	 dport;
	uint8_t		 ipver;
	const char	*src;
	const char	*dst;
	uint8_t		 n_vlan;
	uint16_t	 vlan0;
	uint16_t	 vlan1;
};

static const struct esp_row esp_rows[] = {
	/* Captured frames (truth files of pcaps-public agree). */
	{ "espudp1", DLT_EN10MB, REAL(espudp1_f1), ESP(42, 116, 0x12345678),
	    UDP(4500, 4500), V4("192.1.2.23", "192.1.2.45") },
	{ "espudp1 + 20 bytes trailing garbage", DLT_EN10MB,
	    .build = b_espudp1_garbage, ESP(42, 116, 0x12345678),
	    UDP(4500, 4500), V4("192.1.2.23", "192.1.2.45") },
	{ "espudp1 snaplen short by one", DLT_EN10MB, REAL(espudp1_f1),
	    .cut = 1, .esp_off = 42, .esp_wire_len = 116, .esp_len = 115,
	    .ipsec_proto = 50, .head = 0x12345678, UDP(4500, 4500),
	    V4("192.1.2.23", "192.1.2.45") },
	{ "AH then ESP", DLT_EN10MB, REAL(ppp_ipsec_f1_ah_esp),
	    ESP(58, 136, 0x48dac2e4), V4("10.0.0.1", "10.0.0.2") },
	{ "IPv6 ESP header only", DLT_EN10MB, REAL(ppp_ipsec_f2_esp6),
	    ESP(54, 8, 0x49507636),
	    V6("2001:470:e5bf:1001:8519:2d1f:c57d:fc4f",
	    "2001:470:e5bf:dead:7db0:921:a2e9:1c21") },
	{ "QinQ IPv4 GTP-U IPv6 ESP", DLT_EN10MB, REAL(gtp_f2_esp6),
	    ESP(98, 68, 0xff3b6603),
	    V6("2a01:4c8:c014:144e:1:2:945b:6761", "2a01:4c8:f000:f49::4"),
	    .n_vlan = 2, .vlan0 = 3231, .vlan1 = 2 },
	{ "QinQ PPPoE IPv6 ESP", DLT_EN10MB, REAL(cc_f85_pppoe_esp6),
	    ESP(70, 276, 0x2c582fba),
	    V6("2a01:e34:ef6f:4340:94be:5dac:c20a:d2a0",
	    "2001:1670:8:40a6:a08e:332b:aa69:18dc"),
	    .n_vlan = 2, .vlan0 = 285, .vlan1 = 121 },

	/* Link types. */
	{ "SLL IPv4", DLT_LINUX_SLL, .build = b_sll_ip4,
	    ESP(36, 24, 0x1001), B4 },
	{ "SLL VLAN IPv4", DLT_LINUX_SLL, .build = b_sll_vlan_ip4,
	    ESP(40, 24, 0x1002), B4, .n_vlan = 1, .vlan0 = 100 },
	{ "SLL2 IPv6", DLT_LINUX_SLL2, .build = b_sll2_ip6,
	    ESP(60, 24, 0x1003), B6 },
	{ "DLT_RAW IPv4", DLT_RAW, .build = b_raw_ip4,
	    ESP(20, 24, 0x1004), B4 },
	{ "DLT_RAW IPv6", DLT_RAW, .build = b_raw_ip6,
	    ESP(40, 24, 0x1005), B6 },
	{ "LINKTYPE_RAW IPv6", 101, .build = b_raw_ip6,
	    ESP(40, 24, 0x1005), B6 },
	{ "LINKTYPE_RAW IPv4", 101, .build = b_raw_ip4,
	    ESP(20, 24, 0x1004), B4 },
	{ "DLT_IPV4", DLT_IPV4, .build = b_raw_ip4, ESP(20, 24, 0x1004), B4 },
	{ "DLT_IPV6", DLT_IPV6, .build = b_raw_ip6, ESP(40, 24, 0x1005), B6 },
	{ "DLT_NULL AF_INET little-endian", DLT_NULL, .build = b_loop_le2,
	    ESP(24, 24, 0x1004), B4 },
	{ "DLT_NULL AF_INET big-endian", DLT_NULL, .build = b_loop_be2,
	    ESP(24, 24, 0x1004), B4 },
	{ "DLT_NULL AF_INET6 24", DLT_NULL, .build = b_loop_le24,
	    ESP(44, 24, 0x1005), B6 },
	{ "DLT_NULL AF_INET6 28", DLT_NULL, .build = b_loop_le28,
	    ESP(44, 24, 0x1005), B6 },
	{ "DLT_NULL AF_INET6 30", DLT_NULL, .build = b_loop_le30,
	    ESP(44, 24, 0x1005), B6 },
	{ "DLT_NULL AF_INET6 30 big-endian", DLT_NULL, .build = b_loop_be30,
	    ESP(44, 24, 0x1005), B6 },
	{ "DLT_LOOP AF_INET", DLT_LOOP, .build = b_loop_be2,
	    ESP(24, 24, 0x1004), B4 },
	{ "DLT_LOOP AF_INET6", DLT_LOOP, .build = b_loop_be24,
	    ESP(44, 24, 0x1005), B6 },

	/* VLAN, QinQ, PPPoE. */
	{ "802.1Q", DLT_EN10MB, .build = b_eth_vlan, ESP(38, 24, 0x1007), B4,
	    .n_vlan = 1, .vlan0 = 100 },
	{ "802.1ad QinQ", DLT_EN10MB, .build = b_eth_qinq_88a8,
	    ESP(42, 24, 0x1007), B4, .n_vlan = 2, .vlan0 = 200, .vlan1 = 300 },
	{ "0x9100 QinQ IPv6", DLT_EN10MB, .build = b_eth_qinq_9100,
	    ESP(62, 24, 0x1007), B6, .n_vlan = 2, .vlan0 = 10, .vlan1 = 20 },
	{ "three tags, two recorded", DLT_EN10MB, .build = b_eth_vlan3,
	    ESP(46, 24, 0x1007), B4, .n_vlan = 2, .vlan0 = 1, .vlan1 = 2 },
	{ "six tags: eight layers", DLT_EN10MB, .build = b_eth_vlan6,
	    ESP(58, 24, 0x1007), B4, .n_vlan = 2, .vlan0 = 1, .vlan1 = 2 },
	{ "PPPoE IPv4", DLT_EN10MB, .build = b_pppoe_ip4,
	    ESP(42, 24, 0x1008), B4 },
	{ "PPPoE compressed protocol", DLT_EN10MB, .build = b_pppoe_pfc,
	    ESP(41, 24, 0x1008), B4 },

	/* IPv4. */
	{ "IPv4 one option word", DLT_EN10MB, .build = b_ip4_opt1,
	    ESP(38, 24, 0x1009), B4 },
	{ "IPv4 40 bytes of options", DLT_EN10MB, .build = b_ip4_opt10,
	    ESP(74, 24, 0x1009), B4 },
	{ "Ethernet FCS after the packet", DLT_EN10MB, .build = b_ip4_fcs,
	    ESP(34, 24, 0x100a), B4 },
	{ "Ethernet padding after the packet", DLT_EN10MB, .build = b_ip4_pad,
	    ESP(34, 8, 0x100b), B4 },
	{ "ESP of exactly 8 bytes", DLT_EN10MB, .build = b_ip4_esp8,
	    ESP(34, 8, 0x100c), B4 },
	{ "snaplen cut 50 bytes into ESP", DLT_EN10MB, .build = b_ip4_esp100,
	    .cut = 50, .esp_off = 34, .esp_wire_len = 108, .esp_len = 58,
	    .ipsec_proto = 50, .head = 0x100d, B4 },
	{ "snaplen leaves exactly the ESP header", DLT_EN10MB,
	    .build = b_ip4_esp100, .cut = 100, .esp_off = 34,
	    .esp_wire_len = 108, .esp_len = 8, .ipsec_proto = 50,
	    .head = 0x100d, B4 },
	{ "IPv4 in IPv4", DLT_EN10MB, .build = b_ip4_in_ip4,
	    ESP(54, 24, 0x100e), V4("192.0.2.2", "198.51.100.2") },
	{ "IPv6 in IPv4", DLT_EN10MB, .build = b_ip6_in_ip4,
	    ESP(74, 24, 0x100e), V6("2001:db8:2::1", "2001:db8:2::2") },
	{ "IPv4 in IPv6", DLT_EN10MB, .build = b_ip4_in_ip6,
	    ESP(74, 24, 0x100e), V4("192.0.2.2", "198.51.100.2") },
	{ "seven IPv4 headers: eight layers", DLT_EN10MB, .build = b_ipip7,
	    ESP(154, 24, 0x100f), V4("192.0.2.7", "198.51.100.7") },
	{ "AH then ESP, built", DLT_EN10MB, .build = b_ah_esp,
	    ESP(58, 24, 0x2004), B4 },
	{ "IPv4 WESP of exactly 12 bytes", DLT_EN10MB, .build = b_ip4_wesp12,
	    WESP(34, 12), B4 },

	/* IPv6. */
	{ "IPv6 hop-by-hop, routing, dstopts, AH", DLT_EN10MB,
	    .build = b_ip6_chain, ESP(110, 24, 0x1010), B6 },
	{ "IPv6 16 extension headers", DLT_EN10MB, .build = b_ip6_chain16,
	    ESP(182, 24, 0x1011), B6 },
	{ "IPv6 atomic fragment", DLT_EN10MB, .build = b_ip6_atomic,
	    ESP(62, 24, 0x1012), B6 },
	{ "IPv6 WESP", DLT_EN10MB, .build = b_ip6_wesp, WESP(54, 28), B6 },

	/* UDP. */
	{ "UDP source port 4500 only", DLT_EN10MB, .build = b_udp_sport,
	    ESP(42, 24, 0x1015), UDP(4500, 8472), B4 },
	{ "UDP destination port 4500 only", DLT_EN10MB, .build = b_udp_dport,
	    ESP(42, 24, 0x1015), UDP(33000, 4500), B4 },
	{ "WESP in UDP", DLT_EN10MB, .build = b_udp_wesp, WESP(46, 28),
	    UDP(4500, 4500), B4 },
	{ "ESP in UDP in IPv6", DLT_EN10MB, .build = b_udp6_esp,
	    ESP(62, 24, 0x1017), UDP(4500, 4500), B6 },
	{ "GTP-U with extension header", DLT_EN10MB, .build = b_gtp_ext,
	    ESP(98, 24, 0x1018), V6("2001:db8:2::1", "2001:db8:2::2") },
	{ "GTP-U with sequence number", DLT_EN10MB, .build = b_gtp_seq,
	    ESP(74, 24, 0x1019), V4("192.0.2.2", "198.51.100.2") },
};

struct skip_row {
	const char	*name;
	int		 linktype;
	const uint8_t	*bytes;
	size_t		 len;
	void		(*build)(struct frame *);
	size_t		 cut;		/* bytes the snaplen took */
	uint32_t	 wirelen;	/* when not len */
	enum skip_reason skip;
};

static const struct skip_row skip_rows[] = {
	/* Captured frames. */
	{ "ARP", DLT_EN10MB, REAL(isakmp4500_f1_arp), .skip = SKIP_NOT_IP },
	{ "IKE behind the non-ESP marker", DLT_EN10MB,
	    REAL(isakmp4500_f11_ike_marker), .skip = SKIP_IKE },
	{ "NAT-keepalive", DLT_EN10MB, REAL(isakmp4500_f18_keepalive),
	    .skip = SKIP_NATT_KEEPALIVE },
	{ "NAT-keepalive cut before its byte", DLT_EN10MB,
	    REAL(isakmp4500_f18_keepalive), .cut = 1, .skip = SKIP_TRUNCATED },
	{ "IKE on 500, DLT_NULL", DLT_NULL, REAL(ikev2four_f2_null),
	    .skip = SKIP_IKE },
	{ "IKE on 500, raw IP", DLT_RAW, REAL(weakdh_f1_raw),
	    .skip = SKIP_IKE },
	{ "first fragment cut by the snaplen", DLT_EN10MB,
	    REAL(esp_truncated_f1), .wirelen = 65613,
	    .skip = SKIP_TRUNCATED },
	{ "espudp1 short by one, not cut", DLT_EN10MB,
	    .build = b_espudp1_short, .skip = SKIP_MALFORMED_IP },

	/* Link layers. */
	{ "empty frame", DLT_EN10MB, .build = b_empty,
	    .skip = SKIP_MALFORMED_L2 },
	{ "empty capture of a 60-byte frame", DLT_EN10MB, .build = b_zeros60,
	    .cut = 60, .skip = SKIP_TRUNCATED },
	{ "Ethernet 13 bytes", DLT_EN10MB, .build = b_eth13,
	    .skip = SKIP_MALFORMED_L2 },
	{ "Ethernet 13 bytes captured of 42", DLT_EN10MB,
	    .build = b_ip4_esp8, .cut = 29, .skip = SKIP_TRUNCATED },
	{ "IEEE 802.3 length field", DLT_EN10MB, .build = b_eth_8023,
	    .skip = SKIP_NOT_IP },
	{ "802.11 link type", DLT_IEEE802_11, .build = b_raw_ip4,
	    .skip = SKIP_LINKTYPE },
	{ "SLL 15 bytes", DLT_LINUX_SLL, .build = b_sll_short,
	    .skip = SKIP_MALFORMED_L2 },
	{ "SLL LLC", DLT_LINUX_SLL, .build = b_sll_llc, .skip = SKIP_NOT_IP },
	{ "SLL2 ARP", DLT_LINUX_SLL2, .build = b_sll2_arp,
	    .skip = SKIP_NOT_IP },
	{ "DLT_NULL family 7", DLT_NULL, .build = b_loop_af7,
	    .skip = SKIP_NOT_IP },
	{ "DLT_LOOP family in host order", DLT_LOOP, .build = b_loop_le2,
	    .skip = SKIP_NOT_IP },
	{ "DLT_NULL 3 bytes", DLT_NULL, .build = b_loop_short,
	    .skip = SKIP_MALFORMED_L2 },
	{ "raw IP version 5", DLT_RAW, .build = b_raw_v5, .skip = SKIP_NOT_IP },
	{ "raw IP empty", DLT_RAW, .build = b_empty,
	    .skip = SKIP_MALFORMED_IP },
	{ "DLT_IPV4 carrying IPv6", DLT_IPV4, .build = b_raw_ip6,
	    .skip = SKIP_MALFORMED_IP },
	{ "VLAN tag cut short", DLT_EN10MB, .build = b_vlan_short,
	    .skip = SKIP_MALFORMED_L2 },
	{ "seven VLAN tags: too deep for IP", DLT_EN10MB,
	    .build = b_eth_vlan7, .skip = SKIP_TOO_DEEP },
	{ "eight VLAN tags: too deep", DLT_EN10MB, .build = b_eth_vlan8,
	    .skip = SKIP_TOO_DEEP },
	{ "PPPoE LCP", DLT_EN10MB, .build = b_pppoe_lcp, .skip = SKIP_NOT_IP },
	{ "PPPoE version 1 type 2", DLT_EN10MB, .build = b_pppoe_badver,
	    .skip = SKIP_MALFORMED_L2 },
	{ "PPPoE length too large by one", DLT_EN10MB,
	    .build = b_pppoe_toolong, .skip = SKIP_MALFORMED_L2 },
	{ "PPPoE length 0", DLT_EN10MB, .build = b_pppoe_empty,
	    .skip = SKIP_MALFORMED_L2 },
	{ "PPPoE discovery", DLT_EN10MB, .build = b_pppoe_disc,
	    .skip = SKIP_NOT_IP },

	/* IPv4. */
	{ "IPv4 IHL 4", DLT_EN10MB, .build = b_ip4_ihl4,
	    .skip = SKIP_MALFORMED_IP },
	{ "IPv4 type, version 6", DLT_EN10MB, .build = b_ip4_ver6,
	    .skip = SKIP_MALFORMED_IP },
	{ "IPv4 total length below IHL", DLT_EN10MB,
	    .build = b_ip4_total_lt_ihl, .skip = SKIP_MALFORMED_IP },
	{ "IPv4 total length too large by one", DLT_EN10MB,
	    .build = b_ip4_total_big, .skip = SKIP_MALFORMED_IP },
	{ "IPv4 header cut by the snaplen", DLT_EN10MB, .build = b_ip4_esp8,
	    .cut = 18, .skip = SKIP_TRUNCATED },
	{ "IPv4 options cut by the snaplen", DLT_EN10MB, .build = b_ip4_opt10,
	    .cut = 54, .skip = SKIP_TRUNCATED },
	{ "TCP", DLT_EN10MB, .build = b_ip4_tcp, .skip = SKIP_NOT_IPSEC },
	{ "ICMP", DLT_EN10MB, .build = b_ip4_icmp, .skip = SKIP_NOT_IPSEC },
	{ "TCP first fragment", DLT_EN10MB, .build = b_ip4_frag_tcp,
	    .skip = SKIP_NOT_IPSEC },
	{ "eight IPv4 headers: too deep", DLT_EN10MB, .build = b_ipip8,
	    .skip = SKIP_TOO_DEEP },
	{ "eight IPv6 headers: too deep", DLT_EN10MB, .build = b_ip6_nest8,
	    .skip = SKIP_TOO_DEEP },
	{ "AH length below its fixed part", DLT_EN10MB, .build = b_ah_len0,
	    .skip = SKIP_MALFORMED_IP },
	{ "AH longer than the payload", DLT_EN10MB, .build = b_ah_long,
	    .skip = SKIP_MALFORMED_IP },
	{ "AH cut by the snaplen", DLT_EN10MB, .build = b_ah_esp, .cut = 38,
	    .skip = SKIP_TRUNCATED },
	{ "ESP of 7 bytes", DLT_EN10MB, .build = b_esp7,
	    .skip = SKIP_MALFORMED_ESP },
	{ "ESP of 8 bytes, 7 captured", DLT_EN10MB, .build = b_ip4_esp8,
	    .cut = 1, .skip = SKIP_TRUNCATED },
	{ "WESP of 11 bytes", DLT_EN10MB, .build = b_wesp11,
	    .skip = SKIP_MALFORMED_ESP },

	/* IPv6. */
	{ "IPv6 type, version 4", DLT_IPV6, .build = b_ip6_ver4,
	    .skip = SKIP_MALFORMED_IP },
	{ "IPv6 payload length too large by one", DLT_EN10MB,
	    .build = b_ip6_plen_big, .skip = SKIP_MALFORMED_IP },
	{ "IPv6 header cut by the snaplen", DLT_EN10MB, .build = b_eth_ip6,
	    .cut = 52, .skip = SKIP_TRUNCATED },
	{ "IPv6 no next header", DLT_EN10MB, .build = b_ip6_nonext,
	    .skip = SKIP_NOT_IPSEC },
	{ "IPv6 TCP", DLT_EN10MB, .build = b_ip6_tcp, .skip = SKIP_NOT_IPSEC },
	{ "IPv6 hop-by-hop not first", DLT_EN10MB, .build = b_ip6_hbh_second,
	    .skip = SKIP_MALFORMED_IP },
	{ "IPv6 extension beyond the payload", DLT_EN10MB,
	    .build = b_ip6_ext_long, .skip = SKIP_MALFORMED_IP },
	{ "IPv6 17 extension headers", DLT_EN10MB, .build = b_ip6_chain17,
	    .skip = SKIP_TOO_DEEP },
	{ "IPv6 two fragment headers", DLT_EN10MB, .build = b_ip6_two_frag,
	    .skip = SKIP_MALFORMED_IP },

	/* UDP. */
	{ "UDP length 7", DLT_EN10MB, .build = b_udp_len7,
	    .skip = SKIP_MALFORMED_UDP },
	{ "UDP length too large by one", DLT_EN10MB, .build = b_udp_len_big,
	    .skip = SKIP_MALFORMED_UDP },
	{ "UDP header of 6 bytes", DLT_EN10MB, .build = b_udp_short,
	    .skip = SKIP_MALFORMED_UDP },
	{ "UDP header cut by the snaplen", DLT_EN10MB, .build = b_natt_esp,
	    .cut = 28, .skip = SKIP_TRUNCATED },
	{ "DNS", DLT_EN10MB, .build = b_udp_dns, .skip = SKIP_NOT_IPSEC },
	{ "UDP 500", DLT_EN10MB, .build = b_udp500, .skip = SKIP_IKE },
	{ "4500: one zero byte", DLT_EN10MB, .build = b_natt_zero1,
	    .skip = SKIP_MALFORMED_ESP },
	{ "4500: 0xff 0x00", DLT_EN10MB, .build = b_natt_ff00,
	    .skip = SKIP_MALFORMED_ESP },
	{ "4500: three bytes", DLT_EN10MB, .build = b_natt_three,
	    .skip = SKIP_MALFORMED_ESP },
	{ "4500: empty", DLT_EN10MB, .build = b_natt_empty,
	    .skip = SKIP_MALFORMED_ESP },
	{ "4500: reserved SPI 255", DLT_EN10MB, .build = b_natt_spi255,
	    .skip = SKIP_MALFORMED_ESP },
	{ "4500: reserved SPI 1", DLT_EN10MB, .build = b_natt_spi1,
	    .skip = SKIP_MALFORMED_ESP },
	{ "4500: ESP of 7 bytes", DLT_EN10MB, .build = b_natt_esp7,
	    .skip = SKIP_MALFORMED_ESP },
	{ "4500: WESP of 11 bytes", DLT_EN10MB, .build = b_natt_wesp11,
	    .skip = SKIP_MALFORMED_ESP },
	{ "4500: SPI cut by the snaplen", DLT_EN10MB, .build = b_natt_esp,
	    .cut = 22, .skip = SKIP_TRUNCATED },
	{ "GTP-U echo request", DLT_EN10MB, .build = b_gtp_echo,
	    .skip = SKIP_NOT_IPSEC },
	{ "GTP'", DLT_EN10MB, .build = b_gtp_prime, .skip = SKIP_NOT_IPSEC },
	{ "GTPv2", DLT_EN10MB, .build = b_gtp_v2, .skip = SKIP_NOT_IPSEC },
	{ "GTP-U T-PDU not IP", DLT_EN10MB, .build = b_gtp_nonip,
	    .skip = SKIP_NOT_IP },
	{ "GTP-U length too large by one", DLT_EN10MB,
	    .build = b_gtp_len_big, .skip = SKIP_MALFORMED_UDP },
	{ "GTP-U extension length 0", DLT_EN10MB, .build = b_gtp_ext0,
	    .skip = SKIP_MALFORMED_UDP },
	{ "GTP-U header of 5 bytes", DLT_EN10MB, .build = b_gtp_short,
	    .skip = SKIP_MALFORMED_UDP },
	{ "GTP-U 17 extension headers", DLT_EN10MB, .build = b_gtp_ext17,
	    .skip = SKIP_TOO_DEEP },
};

/* Running frames. */

struct run {
	struct decode	*d;
	struct stats	 st;
	struct packet	 p;
	uint8_t		*copy;		/* just the captured bytes */
	int64_t		 now;		/* packets' timestamp */
};

static void
run_open(struct run *r, const struct decode_config *cfg)
{
	struct decode_config defaults;

	memset(r, 0, sizeof(*r));
	decode_config_defaults(&defaults);
	r->d = decode_new(cfg != NULL ? cfg : &defaults);
	ck_assert_ptr_nonnull(r->d);
}

static void
run_close(struct run *r)
{
	free(r->copy);
	decode_free(r->d);
}

/* Decode caplen bytes of b (wirelen on the wire) as one packet. */
static void
run_frame(struct run *r, int linktype, const uint8_t *b, size_t caplen,
    size_t wirelen)
{
	free(r->copy);
	r->copy = malloc(caplen > 0 ? caplen : 1);
	ck_assert_ptr_nonnull(r->copy);
	if (caplen > 0)
		memcpy(r->copy, b, caplen);
	memset(&r->p, 0, sizeof(r->p));
	r->p.ts_sec = r->now;
	r->p.linktype = linktype;
	r->p.frame = r->copy;
	r->p.caplen = (uint32_t)caplen;
	r->p.wirelen = (uint32_t)wirelen;
	decode_packet(r->d, &r->p, &r->st);
}

static void
row_bytes(const uint8_t *bytes, size_t len, void (*build)(struct frame *),
    struct frame *f)
{
	memset(f, 0, sizeof(*f));
	if (build != NULL)
		build(f);
	else
		putn(f, bytes, len);
}

/* Every outcome the stats record: each packet must add exactly one. */
static uint64_t
outcomes(const struct stats *st)
{
	uint64_t	n = st->esp + st->wesp;
	int		i;

	for (i = 0; i < SKIP_MAX; i++)
		n += st->skipped[i];
	return (n);
}

static uint32_t
head32(const uint8_t *b)
{
	return ((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3]);
}

START_TEST(test_esp_rows)
{
	const struct esp_row	*row = &esp_rows[_i];
	struct frame		 f;
	struct run		 r;
	char			 buf[IPADDR_STRLEN];

	row_bytes(row->bytes, row->len, row->build, &f);
	run_open(&r, NULL);
	run_frame(&r, row->linktype, f.b, f.len - row->cut, f.len);

	ck_assert_msg(r.p.skip == SKIP_NONE, "%s: skipped as %s", row->name,
	    skip_reason_name(r.p.skip));
	ck_assert_int_eq(r.p.esp - r.copy, row->esp_off);
	ck_assert_uint_eq(r.p.esp_wire_len, row->esp_wire_len);
	ck_assert_uint_eq(r.p.esp_len, row->esp_len);
	ck_assert_uint_eq(r.p.ipsec_proto, row->ipsec_proto);
	ck_assert_uint_eq(head32(r.p.esp), row->head);
	ck_assert_int_eq(r.p.encap, row->encap);
	ck_assert_uint_eq(r.p.sport, row->sport);
	ck_assert_uint_eq(r.p.dport, row->dport);
	ck_assert_uint_eq(r.p.ipver, row->ipver);
	ck_assert_str_eq(ipaddr_str(&r.p.src, buf, sizeof(buf)), row->src);
	ck_assert_str_eq(ipaddr_str(&r.p.dst, buf, sizeof(buf)), row->dst);
	ck_assert_uint_eq(r.p.n_vlan, row->n_vlan);
	ck_assert_uint_eq(r.p.vlan_id[0], row->vlan0);
	ck_assert_uint_eq(r.p.vlan_id[1], row->vlan1);
	ck_assert(!r.p.reassembled);

	ck_assert_uint_eq(outcomes(&r.st), 1);
	ck_assert_uint_eq(r.st.wesp, row->ipsec_proto == 141);
	ck_assert_uint_eq(r.st.esp, row->ipsec_proto == 50);
	ck_assert_uint_eq(r.st.esp_udp, row->encap == ENCAP_UDP);
	ck_assert_uint_eq(r.st.read + r.st.decoded, 0);
	run_close(&r);
}
END_TEST

START_TEST(test_skip_rows)
{
	const struct skip_row	*row = &skip_rows[_i];
	struct frame		 f;
	struct run		 r;

	row_bytes(row->bytes, row->len, row->build, &f);
	run_open(&r, NULL);
	run_frame(&r, row->linktype, f.b, f.len - row->cut,
	    row->wirelen != 0 ? row->wirelen : f.len);

	ck_assert_msg(r.p.skip == row->skip, "%s: %s, wanted %s", row->name,
	    skip_reason_name(r.p.skip), skip_reason_name(row->skip));
	ck_assert_ptr_null(r.p.esp);
	ck_assert_uint_eq(r.p.esp_len, 0);
	ck_assert_uint_eq(r.p.esp_wire_len, 0);
	ck_assert_uint_eq(r.p.ipsec_proto, 0);
	ck_assert_uint_eq(r.st.skipped[row->skip], 1);
	ck_assert_uint_eq(outcomes(&r.st), 1);
	ck_assert_uint_eq(r.st.esp_udp, 0);
	run_close(&r);
}
END_TEST

/* The outer fields beyond what the tables check. */
START_TEST(test_outer_fields_ip4)
{
	struct frame	f;
	struct run	r;

	row_bytes(NULL, 0, b_eth_vlan, &f);
	run_open(&r, NULL);
	run_frame(&r, DLT_EN10MB, f.b, f.len, f.len);
	ck_assert_int_eq(r.p.skip, SKIP_NONE);
	ck_assert_mem_eq(r.p.mac_dst, mac_dst, 6);
	ck_assert_mem_eq(r.p.mac_src, mac_src, 6);
	ck_assert_uint_eq(r.p.ip_tos, 0x28);
	ck_assert_uint_eq(r.p.ip_ttl, 64);
	ck_assert_uint_eq(r.p.ip_id, 0x1234);
	ck_assert(r.p.ip_df);
	ck_assert_uint_eq(r.p.ip6_flow, 0);
	run_close(&r);
}
END_TEST

START_TEST(test_outer_fields_ip6)
{
	struct frame	f;
	struct run	r;

	row_bytes(NULL, 0, b_sll2_ip6, &f);
	run_open(&r, NULL);
	run_frame(&r, DLT_LINUX_SLL2, f.b, f.len, f.len);
	ck_assert_int_eq(r.p.skip, SKIP_NONE);
	ck_assert_ptr_null(r.p.mac_dst);
	ck_assert_ptr_null(r.p.mac_src);
	ck_assert_uint_eq(r.p.ip_tos, 0xb8);
	ck_assert_uint_eq(r.p.ip6_flow, 0x12345);
	ck_assert_uint_eq(r.p.ip_ttl, 63);
	ck_assert(!r.p.ip_df);
	ck_assert_uint_eq(r.p.ip_id, 0);
	run_close(&r);
}
END_TEST

/* IPv4 in IPv6: nothing of the IPv6 header survives in the record. */
START_TEST(test_inner_header_replaces_outer)
{
	struct frame	f;
	struct run	r;

	row_bytes(NULL, 0, b_ip6_in_ip4, &f);
	run_open(&r, NULL);
	run_frame(&r, DLT_EN10MB, f.b, f.len, f.len);
	ck_assert_int_eq(r.p.skip, SKIP_NONE);
	ck_assert_uint_eq(r.p.ipver, 6);
	ck_assert(!r.p.ip_df);
	ck_assert_uint_eq(r.p.ip_id, 0);
	ck_assert_uint_eq(r.p.ip_tos, 0xb8);
	ck_assert_uint_eq(r.p.ip_ttl, 63);

	/* GTP-U: the UDP of the tunnel is not the ESP's encapsulation. */
	row_bytes(NULL, 0, b_gtp_seq, &f);
	run_frame(&r, DLT_EN10MB, f.b, f.len, f.len);
	ck_assert_int_eq(r.p.skip, SKIP_NONE);
	ck_assert_int_eq(r.p.encap, ENCAP_NONE);
	ck_assert_uint_eq(r.p.sport + r.p.dport, 0);
	ck_assert_uint_eq(r.st.esp_udp, 0);
	run_close(&r);
}
END_TEST

/* A record reused for a skipped packet keeps nothing of the last ESP. */
START_TEST(test_record_cleared)
{
	struct run	r;
	struct packet	p;
	struct stats	st;

	memset(&st, 0, sizeof(st));
	memset(&p, 0, sizeof(p));
	run_open(&r, NULL);
	p.linktype = DLT_EN10MB;
	p.frame = espudp1_f1;
	p.caplen = p.wirelen = sizeof(espudp1_f1);
	decode_packet(r.d, &p, &st);
	ck_assert_int_eq(p.skip, SKIP_NONE);
	p.frame = isakmp4500_f1_arp;
	p.caplen = p.wirelen = sizeof(isakmp4500_f1_arp);
	decode_packet(r.d, &p, &st);
	ck_assert_int_eq(p.skip, SKIP_NOT_IP);
	ck_assert_ptr_null(p.esp);
	ck_assert_uint_eq(p.ipver, 0);
	ck_assert_uint_eq(p.src.family, 0);
	ck_assert_int_eq(p.encap, ENCAP_NONE);
	ck_assert_uint_eq(p.sport, 0);
	ck_assert_uint_eq(st.esp, 1);
	ck_assert_uint_eq(st.skipped[SKIP_NOT_IP], 1);
	run_close(&r);
}
END_TEST

/*
 * max_layers counts the link layer (raw IP's too), each tag, PPPoE,
 * each IP header and GTP-U.
 */
START_TEST(test_layer_cap)
{
	struct decode_config	cfg;
	struct frame		f;
	struct run		r;

	decode_config_defaults(&cfg);
	cfg.max_layers = 3;
	run_open(&r, &cfg);
	row_bytes(NULL, 0, b_eth_vlan, &f);		/* 3 layers */
	run_frame(&r, DLT_EN10MB, f.b, f.len, f.len);
	ck_assert_int_eq(r.p.skip, SKIP_NONE);
	row_bytes(NULL, 0, b_eth_qinq_88a8, &f);	/* 4 layers */
	run_frame(&r, DLT_EN10MB, f.b, f.len, f.len);
	ck_assert_int_eq(r.p.skip, SKIP_TOO_DEEP);
	row_bytes(NULL, 0, b_raw_ip4, &f);		/* 2 layers */
	run_frame(&r, DLT_RAW, f.b, f.len, f.len);
	ck_assert_int_eq(r.p.skip, SKIP_NONE);
	row_bytes(NULL, 0, b_gtp_seq, &f);		/* 4 layers */
	run_frame(&r, DLT_EN10MB, f.b, f.len, f.len);
	ck_assert_int_eq(r.p.skip, SKIP_TOO_DEEP);
	run_close(&r);

	cfg.max_layers = 2;
	run_open(&r, &cfg);
	row_bytes(NULL, 0, b_gtp_seq, &f);		/* GTP-U is the 3rd */
	run_frame(&r, DLT_EN10MB, f.b, f.len, f.len);
	ck_assert_int_eq(r.p.skip, SKIP_TOO_DEEP);
	run_close(&r);

	cfg.max_layers = 1;
	run_open(&r, &cfg);
	run_frame(&r, DLT_EN10MB, espudp1_f1, sizeof(espudp1_f1),
	    sizeof(espudp1_f1));
	ck_assert_int_eq(r.p.skip, SKIP_TOO_DEEP);
	row_bytes(NULL, 0, b_pppoe_ip4, &f);		/* PPPoE is the 2nd */
	run_frame(&r, DLT_EN10MB, f.b, f.len, f.len);
	ck_assert_int_eq(r.p.skip, SKIP_TOO_DEEP);
	ck_assert_uint_eq(r.st.skipped[SKIP_TOO_DEEP], 2);
	run_close(&r);
}
END_TEST

START_TEST(test_config)
{
	struct decode_config	cfg, bad;

	decode_config_defaults(&cfg);
	ck_assert_uint_eq(cfg.frag_max_datagrams, 256);
	ck_assert_uint_ge(cfg.frag_max_bytes, 65535);
	ck_assert_uint_eq(cfg.frag_timeout_sec, 30);
	ck_assert_uint_eq(cfg.max_layers, 8);

	bad = cfg;
	bad.max_layers = 0;
	ck_assert_ptr_null(decode_new(&bad));
	bad = cfg;
	bad.frag_max_datagrams = 0;
	ck_assert_ptr_null(decode_new(&bad));
	bad = cfg;
	bad.frag_max_bytes = 0;
	ck_assert_ptr_null(decode_new(&bad));
	bad = cfg;
	bad.frag_max_bytes = 1u << 30;
	ck_assert_ptr_null(decode_new(&bad));
	bad = cfg;
	bad.frag_timeout_sec = 0;
	ck_assert_ptr_null(decode_new(&bad));
	decode_free(NULL);
}
END_TEST

/* All rows through one context: the totals add up, packet by packet. */
START_TEST(test_totals)
{
	struct frame	f;
	struct run	r;
	size_t		i, n = 0, nesp = 0;

	run_open(&r, NULL);
	for (i = 0; i < sizeof(esp_rows) / sizeof(esp_rows[0]); i++) {
		row_bytes(esp_rows[i].bytes, esp_rows[i].len,
		    esp_rows[i].build, &f);
		run_frame(&r, esp_rows[i].linktype, f.b,
		    f.len - esp_rows[i].cut, f.len);
		nesp++;
		ck_assert_uint_eq(outcomes(&r.st), ++n);
	}
	for (i = 0; i < sizeof(skip_rows) / sizeof(skip_rows[0]); i++) {
		row_bytes(skip_rows[i].bytes, skip_rows[i].len,
		    skip_rows[i].build, &f);
		run_frame(&r, skip_rows[i].linktype, f.b,
		    f.len - skip_rows[i].cut, skip_rows[i].wirelen != 0 ?
		    skip_rows[i].wirelen : f.len);
		ck_assert_uint_eq(outcomes(&r.st), ++n);
	}
	ck_assert_uint_eq(r.st.esp + r.st.wesp, nesp);
	ck_assert_uint_eq(r.st.skipped[SKIP_NONE], 0);
	run_close(&r);
}
END_TEST

/*
 * The mutation sweep (style-anchors lesson 12): every bit of every
 * sample flipped, every sample cut by the snaplen and shortened from
 * either end.  Only two things are asserted: exactly one outcome per
 * packet, and ESP bytes, when found, lie inside what was captured.
 */
static void
sweep_one(struct run *r, int linktype, const uint8_t *b, size_t caplen,
    size_t wirelen)
{
	uint64_t		before = outcomes(&r->st);
	const struct packet	*p = &r->p;

	run_frame(r, linktype, b, caplen, wirelen);
	ck_assert_uint_eq(outcomes(&r->st), before + 1);
	ck_assert(p->skip != SKIP_NONE || (p->esp != NULL &&
	    p->esp_len >= 8 && p->esp_len <= p->esp_wire_len));
	ck_assert(p->skip != SKIP_NONE || p->reassembled ||
	    (p->esp >= r->copy && p->esp + p->esp_len <= r->copy + caplen));
	ck_assert(p->skip == SKIP_NONE || p->esp == NULL);
}

static void
sweep_sample(struct run *r, int linktype, const struct frame *f)
{
	struct frame	m;
	size_t		i, k;
	unsigned	bit;

	for (i = 0; i < f->len; i++) {
		for (bit = 0; bit < 8; bit++) {
			m = *f;
			m.b[i] ^= (uint8_t)(1u << bit);
			sweep_one(r, linktype, m.b, m.len, m.len);
		}
	}
	for (k = 0; k <= f->len; k++) {
		sweep_one(r, linktype, f->b, k, f->len);	/* snaplen */
		sweep_one(r, linktype, f->b, k, k);		/* short */
		sweep_one(r, linktype, f->b + k, f->len - k, f->len - k);
	}
	r->now++;
}

START_TEST(test_mutation_sweep)
{
	struct frame	f;
	struct run	r;
	size_t		i;

	run_open(&r, NULL);
	for (i = 0; i < sizeof(esp_rows) / sizeof(esp_rows[0]); i++) {
		row_bytes(esp_rows[i].bytes, esp_rows[i].len,
		    esp_rows[i].build, &f);
		sweep_sample(&r, esp_rows[i].linktype, &f);
	}
	for (i = 0; i < sizeof(skip_rows) / sizeof(skip_rows[0]); i++) {
		row_bytes(skip_rows[i].bytes, skip_rows[i].len,
		    skip_rows[i].build, &f);
		sweep_sample(&r, skip_rows[i].linktype, &f);
	}
	ck_assert_uint_gt(r.st.esp, 0);
	ck_assert_uint_gt(r.st.skipped[SKIP_TRUNCATED], 0);
	run_close(&r);
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("decode");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_esp_rows, 0,
	    sizeof(esp_rows) / sizeof(esp_rows[0]));
	tcase_add_loop_test(tc, test_skip_rows, 0,
	    sizeof(skip_rows) / sizeof(skip_rows[0]));
	tcase_add_test(tc, test_outer_fields_ip4);
	tcase_add_test(tc, test_outer_fields_ip6);
	tcase_add_test(tc, test_inner_header_replaces_outer);
	tcase_add_test(tc, test_record_cleared);
	tcase_add_test(tc, test_layer_cap);
	tcase_add_test(tc, test_config);
	tcase_add_test(tc, test_totals);
	suite_add_tcase(s, tc);

	tc = tcase_create("sweep");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_mutation_sweep);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
