/*
 * test_inner.c - inner protocol checks (src/detect/inner.c): every
 * protocol valid, then broken field by field, plus the negative byte
 * cases (empty, short by one, length field too large, trailing
 * garbage) and the NAT residual.
 */
#include <stdlib.h>

#include "unit.h"
#include "esp_build.h"
#include "detect/inner.h"

/* scapy: IP()/SCTP(sport=5000,dport=6000,tag=0x01020304)/SCTPChunkData(
   data=b'hello sctp'), the SCTP part. */
static const uint8_t scapy_sctp[] = {
	0x13, 0x88, 0x17, 0x70, 0x01, 0x02, 0x03, 0x04, 0x8e, 0x5f, 0xe4, 0xf5,
	0x00, 0x00, 0x00, 0x1a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x73, 0x63,
	0x74, 0x70, 0x00, 0x00,
};

/* scapy: GRE(chksum_present=1, proto=0x0800)/IP(192.168.1.1 ->
   192.168.1.2)/UDP(1234 -> 53)/b'abcd'. */
static const uint8_t scapy_gre[] = {
	0x80, 0x00, 0x08, 0x00, 0xfb, 0x70, 0x00, 0x00, 0x45, 0x00, 0x00, 0x20,
	0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0xf7, 0x78, 0xc0, 0xa8, 0x01, 0x01,
	0xc0, 0xa8, 0x01, 0x02, 0x04, 0xd2, 0x00, 0x35, 0x00, 0x0c, 0xb2, 0xb4,
	0x61, 0x62, 0x63, 0x64,
};

/* scapy: IP(10.0.0.1 -> 224.0.0.5)/OSPF_Hdr(src='1.1.1.1')/OSPF_Hello(
   mask='255.255.255.0', neighbors=['2.2.2.2']), the OSPFv2 part. */
static const uint8_t scapy_ospf2[] = {
	0x02, 0x01, 0x00, 0x30, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00,
	0xf8, 0x94, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0x00, 0x00, 0x0a, 0x00, 0x01, 0x00, 0x00, 0x00, 0x28,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x02, 0x02,
};

/* scapy: IPv6(fe80::1 -> ff02::5)/OSPFv3_Hdr(src='1.1.1.1')/
   OSPFv3_Hello(neighbors=['2.2.2.2']), the OSPFv3 part. */
static const uint8_t scapy_ospf3[] = {
	0x03, 0x01, 0x00, 0x28, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00,
	0xf7, 0x93, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x0a, 0x00, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x02, 0x02, 0x02, 0x02,
};

static const uint8_t data16[16] = "0123456789abcdef";

enum kind {
	K_TCP4, K_TCP4_BADSUM, K_TCP6, K_TCP_DOFF4, K_TCP_PORT0, K_TCP_EMPTY,
	K_TCP_SHORT, K_TCP_RSVD, K_TCP_NOFLAGS, K_TCP_SYNFIN,
	K_UDP4, K_UDP4_ZERO, K_UDP6_ZERO, K_UDP_LEN_LARGE, K_UDP_TRAILING,
	K_UDP6, K_UDP_SHORT,
	K_ICMP, K_ICMP_BADSUM, K_ICMP_TYPE99, K_ICMP_SHORT, K_ICMP_EMPTY,
	K_ICMP6, K_ICMP6_BADSUM,
	K_SCTP, K_SCTP_SCAPY, K_SCTP_BADCRC, K_SCTP_CHUNK_LARGE, K_SCTP_SHORT,
	K_IP4_TCP, K_IP4_BADHDR, K_IP4_LEN_LARGE, K_IP4_TRAILING, K_IP4_UDP0,
	K_IP4_FRAG, K_IP4_LOOKALIKE, K_IP4_BAD_L4, K_IP4_EMPTY,
	K_IP6_UDP, K_IP6_LEN, K_IP6_BAD_L4, K_IP6_HBH_UDP, K_IP6_SHORT,
	K_IP6_L2TP, K_IP6_NH200,
	K_GRE_IP4, K_GRE_SCAPY, K_GRE_RESERVED, K_GRE_PROTO, K_GRE_PPTP,
	K_GRE_BADSUM, K_GRE_TEB, K_GRE_BAD_IP4, K_GRE_SHORT,
	K_OSPF2, K_OSPF2_BADSUM, K_OSPF2_CRYPTO, K_OSPF2_LEN, K_OSPF3,
	K_OSPF3_BADSUM, K_OSPF3_RESERVED, K_OSPF3_TYPE6,
	K_DUMMY, K_UNKNOWN,
};

static const struct inner_row {
	const char		*name;
	enum kind		 kind;
	uint8_t			 nh;
	int			 family;	/* of the context (outer) */
	bool			 nat;
	enum inner_verdict	 want;
} rows[] = {
	{ "tcp4", K_TCP4, 6, 4, false, INNER_STRONG },
	{ "tcp4 bad checksum", K_TCP4_BADSUM, 6, 4, false, INNER_FAIL },
	{ "tcp4 bad checksum, NAT", K_TCP4_BADSUM, 6, 4, true,
	    INNER_WEAK_NAT },
	{ "tcp6", K_TCP6, 6, 6, false, INNER_STRONG },
	{ "tcp data offset 4", K_TCP_DOFF4, 6, 4, false, INNER_FAIL },
	{ "tcp data offset 4, NAT", K_TCP_DOFF4, 6, 4, true, INNER_FAIL },
	{ "tcp port 0", K_TCP_PORT0, 6, 4, false, INNER_FAIL },
	{ "tcp reserved bits, NAT", K_TCP_RSVD, 6, 4, true, INNER_FAIL },
	{ "tcp no syn/ack/rst, NAT", K_TCP_NOFLAGS, 6, 4, true, INNER_FAIL },
	{ "tcp syn+fin, NAT", K_TCP_SYNFIN, 6, 4, true, INNER_FAIL },
	{ "tcp empty", K_TCP_EMPTY, 6, 4, false, INNER_FAIL },
	{ "tcp short by one", K_TCP_SHORT, 6, 4, true, INNER_FAIL },
	{ "udp4", K_UDP4, 17, 4, false, INNER_STRONG },
	{ "udp4 checksum 0", K_UDP4_ZERO, 17, 4, false, INNER_WEAK },
	{ "udp6 checksum 0", K_UDP6_ZERO, 17, 6, false, INNER_FAIL },
	{ "udp length field too large", K_UDP_LEN_LARGE, 17, 4, true,
	    INNER_FAIL },
	{ "udp trailing garbage", K_UDP_TRAILING, 17, 4, true, INNER_FAIL },
	{ "udp6", K_UDP6, 17, 6, false, INNER_STRONG },
	{ "udp short by one", K_UDP_SHORT, 17, 4, false, INNER_FAIL },
	{ "icmp echo", K_ICMP, 1, 4, false, INNER_STRONG },
	{ "icmp bad checksum", K_ICMP_BADSUM, 1, 4, true, INNER_FAIL },
	{ "icmp type 99", K_ICMP_TYPE99, 1, 4, false, INNER_FAIL },
	{ "icmp short by one", K_ICMP_SHORT, 1, 4, false, INNER_FAIL },
	{ "icmp empty", K_ICMP_EMPTY, 1, 4, false, INNER_FAIL },
	{ "icmp6 echo", K_ICMP6, 58, 6, false, INNER_STRONG },
	{ "icmp6 over ipv4", K_ICMP6, 58, 4, false, INNER_FAIL },
	{ "icmp6 bad checksum", K_ICMP6_BADSUM, 58, 6, false, INNER_FAIL },
	{ "icmp6 bad checksum, NAT", K_ICMP6_BADSUM, 58, 6, true,
	    INNER_WEAK_NAT },
	{ "sctp", K_SCTP, 132, 4, false, INNER_STRONG },
	{ "sctp from scapy", K_SCTP_SCAPY, 132, 4, false, INNER_STRONG },
	{ "sctp bad crc", K_SCTP_BADCRC, 132, 4, true, INNER_FAIL },
	{ "sctp chunk length too large", K_SCTP_CHUNK_LARGE, 132, 4, false,
	    INNER_FAIL },
	{ "sctp short", K_SCTP_SHORT, 132, 4, false, INNER_FAIL },
	{ "ipv4 tunnel tcp", K_IP4_TCP, 4, 6, false, INNER_STRONG },
	{ "ipv4 bad header checksum", K_IP4_BADHDR, 4, 4, false, INNER_FAIL },
	{ "ipv4 total length too large", K_IP4_LEN_LARGE, 4, 4, false,
	    INNER_FAIL },
	{ "ipv4 trailing garbage", K_IP4_TRAILING, 4, 4, false, INNER_FAIL },
	{ "ipv4 tunnel udp checksum 0", K_IP4_UDP0, 4, 4, false, INNER_WEAK },
	{ "ipv4 fragment", K_IP4_FRAG, 4, 4, false, INNER_WEAK },
	{ "0x45 then random", K_IP4_LOOKALIKE, 4, 4, true, INNER_FAIL },
	{ "ipv4 tunnel broken l4", K_IP4_BAD_L4, 4, 4, false, INNER_WEAK },
	{ "ipv4 empty", K_IP4_EMPTY, 4, 4, false, INNER_FAIL },
	{ "ipv6 tunnel udp", K_IP6_UDP, 41, 4, false, INNER_STRONG },
	{ "ipv6 payload length off", K_IP6_LEN, 41, 6, false, INNER_FAIL },
	{ "ipv6 tunnel broken l4", K_IP6_BAD_L4, 41, 6, false, INNER_FAIL },
	{ "ipv6 tunnel l2tp", K_IP6_L2TP, 41, 6, false, INNER_WEAK },
	{ "ipv6 tunnel unassigned nh", K_IP6_NH200, 41, 6, false,
	    INNER_FAIL },
	{ "ipv6 hop-by-hop then udp", K_IP6_HBH_UDP, 41, 6, false,
	    INNER_STRONG },
	{ "ipv6 short by one", K_IP6_SHORT, 41, 6, false, INNER_FAIL },
	{ "gre ipv4 udp", K_GRE_IP4, 47, 4, false, INNER_STRONG },
	{ "gre from scapy, checksum", K_GRE_SCAPY, 47, 4, false,
	    INNER_STRONG },
	{ "gre reserved bit", K_GRE_RESERVED, 47, 4, false, INNER_FAIL },
	{ "gre unknown protocol", K_GRE_PROTO, 47, 4, false, INNER_FAIL },
	{ "gre v1 pptp", K_GRE_PPTP, 47, 4, false, INNER_WEAK },
	{ "gre bad checksum", K_GRE_BADSUM, 47, 4, false, INNER_FAIL },
	{ "gre transparent ethernet", K_GRE_TEB, 47, 4, false, INNER_WEAK },
	{ "gre broken ipv4", K_GRE_BAD_IP4, 47, 4, false, INNER_FAIL },
	{ "gre short", K_GRE_SHORT, 47, 4, false, INNER_FAIL },
	{ "ospfv2 hello from scapy", K_OSPF2, 89, 4, false, INNER_STRONG },
	{ "ospfv2 bad checksum", K_OSPF2_BADSUM, 89, 4, true, INNER_FAIL },
	{ "ospfv2 crypto auth", K_OSPF2_CRYPTO, 89, 4, false, INNER_WEAK },
	{ "ospfv2 length too large", K_OSPF2_LEN, 89, 4, false, INNER_FAIL },
	{ "ospfv2 over ipv6", K_OSPF2, 89, 6, false, INNER_FAIL },
	{ "ospfv3 hello from scapy", K_OSPF3, 89, 6, false, INNER_STRONG },
	{ "ospfv3 bad checksum", K_OSPF3_BADSUM, 89, 6, false, INNER_FAIL },
	{ "ospfv3 reserved byte", K_OSPF3_RESERVED, 89, 6, false,
	    INNER_FAIL },
	{ "ospfv3 type 6", K_OSPF3_TYPE6, 89, 6, false, INNER_FAIL },
	{ "ospfv3 over ipv4", K_OSPF3, 89, 4, false, INNER_FAIL },
	{ "dummy nh 59", K_DUMMY, 59, 4, false, INNER_UNSURE },
	{ "unknown nh 115", K_UNKNOWN, 115, 4, false, INNER_UNSURE },
	{ "experimental nh 253", K_UNKNOWN, 253, 4, false, INNER_UNSURE },
	{ "hop-by-hop after esp", K_UNKNOWN, 0, 6, false, INNER_FAIL },
	{ "fragment after esp", K_UNKNOWN, 44, 6, false, INNER_FAIL },
	{ "unassigned nh 200", K_UNKNOWN, 200, 4, false, INNER_FAIL },
	{ "reserved nh 255", K_UNKNOWN, 255, 4, false, INNER_FAIL },
};

static const uint8_t in4_src[4] = { 10, 1, 0, 1 };
static const uint8_t in4_dst[4] = { 10, 2, 0, 1 };

static size_t
build_ip4_l4(uint8_t *out, uint8_t proto, size_t (*l4)(uint8_t *))
{
	uint8_t	 tmp[512];

	return (tb_ipv4(out, in4_src, in4_dst, proto, tmp, l4(tmp)));
}

static size_t
udp_in4(uint8_t *out)
{
	return (tb_udp(out, 4, in4_src, in4_dst, 5353, 53, data16, 16, false));
}

static size_t
udp0_in4(uint8_t *out)
{
	return (tb_udp(out, 4, in4_src, in4_dst, 5353, 53, data16, 16, true));
}

static size_t
tcp_in4(uint8_t *out)
{
	return (tb_tcp(out, 4, in4_src, in4_dst, 40000, 443, data16, 16));
}

/* Recompute an IPv4 header checksum after a test changed a field. */
static void
fix_ip4(uint8_t *ip)
{
	tb_put16(ip + 10, 0);
	tb_put16(ip + 10, tb_csum_final(tb_sum(ip, 20, 0)));
}

static size_t
build_ip6(uint8_t *out, bool bad_l4, bool hbh)
{
	uint8_t	 tmp[512];
	size_t	 n, off = hbh ? 8 : 0;

	n = tb_udp(tmp + off, 6, tb_v6_src, tb_v6_dst, 5353, 53, data16, 16,
	    false);
	if (bad_l4)
		tmp[off + 9] ^= 0x40;
	if (hbh) {
		memset(tmp, 0, 8);
		tmp[0] = 17;		/* next header: UDP, length 0 */
		tmp[2] = 1;		/* PadN option filling the rest */
		tmp[3] = 4;
	}
	return (tb_ipv6(out, tb_v6_src, tb_v6_dst, hbh ? 0 : 17, tmp,
	    n + off));
}

static size_t
build_gre(uint8_t *out, enum kind k)
{
	uint8_t	 tmp[512];
	size_t	 n;

	switch (k) {
	case K_GRE_IP4:
		return (tb_gre(out, false, 0x0800, tmp,
		    build_ip4_l4(tmp, 17, udp_in4)));
	case K_GRE_SCAPY:
		memcpy(out, scapy_gre, sizeof(scapy_gre));
		return (sizeof(scapy_gre));
	case K_GRE_RESERVED:
		n = tb_gre(out, false, 0x0800, tmp,
		    build_ip4_l4(tmp, 17, udp_in4));
		out[0] |= 0x04;		/* a Reserved0 bit */
		return (n);
	case K_GRE_PROTO:
		return (tb_gre(out, false, 0x1234, data16, 16));
	case K_GRE_PPTP:
		/* RFC 2637: v1, K and S, PPP, payload length 16, call 7 */
		tb_put16(out, 0x3001);
		tb_put16(out + 2, 0x880b);
		tb_put16(out + 4, 16);
		tb_put16(out + 6, 7);
		tb_put32(out + 8, 1);
		memcpy(out + 12, data16, 16);
		return (28);
	case K_GRE_BADSUM:
		memcpy(out, scapy_gre, sizeof(scapy_gre));
		out[sizeof(scapy_gre) - 1] ^= 1;
		return (sizeof(scapy_gre));
	case K_GRE_TEB:
		return (tb_gre(out, false, 0x6558, data16, 16));
	case K_GRE_BAD_IP4:
		n = tb_gre(out, false, 0x0800, tmp,
		    build_ip4_l4(tmp, 17, udp_in4));
		out[4 + 8] ^= 1;	/* inner TTL: header checksum breaks */
		return (n);
	default:
		memcpy(out, scapy_gre, 3);
		return (3);
	}
}

static size_t
build(enum kind k, uint8_t *out)
{
	const uint8_t	*s4 = tb_v4_src, *d4 = tb_v4_dst;
	uint8_t		 tmp[512];
	size_t		 n;

	switch (k) {
	case K_TCP4:
		return (tb_tcp(out, 4, s4, d4, 40000, 443, data16, 16));
	case K_TCP4_BADSUM:
		n = tb_tcp(out, 4, s4, d4, 40000, 443, data16, 16);
		out[17] ^= 0x55;
		return (n);
	case K_TCP6:
		return (tb_tcp(out, 6, tb_v6_src, tb_v6_dst, 40000, 443,
		    data16, 16));
	case K_TCP_DOFF4:
		n = tb_tcp(out, 4, s4, d4, 40000, 443, data16, 16);
		out[12] = 4 << 4;
		return (n);
	case K_TCP_PORT0:
		return (tb_tcp(out, 4, s4, d4, 0, 443, data16, 16));
	case K_TCP_RSVD:
	case K_TCP_NOFLAGS:
	case K_TCP_SYNFIN:
		n = tb_tcp(out, 4, s4, d4, 40000, 443, data16, 16);
		if (k == K_TCP_RSVD)
			out[12] |= 0x02;
		else
			out[13] = k == K_TCP_NOFLAGS ? 0x08 : 0x03;
		return (n);
	case K_TCP_EMPTY:
		return (0);
	case K_TCP_SHORT:
		tb_tcp(out, 4, s4, d4, 40000, 443, data16, 0);
		return (19);
	case K_UDP4:
		return (tb_udp(out, 4, s4, d4, 5353, 53, data16, 16, false));
	case K_UDP4_ZERO:
		return (tb_udp(out, 4, s4, d4, 5353, 53, data16, 16, true));
	case K_UDP6_ZERO:
		return (tb_udp(out, 6, tb_v6_src, tb_v6_dst, 5353, 53, data16,
		    16, true));
	case K_UDP_LEN_LARGE:
		n = tb_udp(out, 4, s4, d4, 5353, 53, data16, 16, false);
		tb_put16(out + 4, (uint16_t)(n + 1));
		return (n);
	case K_UDP_TRAILING:
		n = tb_udp(out, 4, s4, d4, 5353, 53, data16, 16, false);
		out[n] = 0;
		return (n + 1);
	case K_UDP6:
		return (tb_udp(out, 6, tb_v6_src, tb_v6_dst, 5353, 53, data16,
		    16, false));
	case K_UDP_SHORT:
		tb_udp(out, 4, s4, d4, 5353, 53, data16, 0, false);
		return (7);
	case K_ICMP:
		return (tb_icmp_echo(out, 1, 2, data16, 16));
	case K_ICMP_BADSUM:
		n = tb_icmp_echo(out, 1, 2, data16, 16);
		out[8] ^= 1;
		return (n);
	case K_ICMP_TYPE99:
		n = tb_icmp_echo(out, 1, 2, data16, 16);
		out[0] = 99;		/* and fix the checksum: type alone */
		tb_put16(out + 2, 0);
		tb_put16(out + 2, tb_csum_final(tb_sum(out, n, 0)));
		return (n);
	case K_ICMP_SHORT:
		tb_icmp_echo(out, 1, 2, data16, 0);
		return (7);
	case K_ICMP_EMPTY:
		return (0);
	case K_ICMP6:
		return (tb_icmp6_echo(out, tb_v6_src, tb_v6_dst, 1, 2, data16,
		    16));
	case K_ICMP6_BADSUM:
		n = tb_icmp6_echo(out, tb_v6_src, tb_v6_dst, 1, 2, data16, 16);
		out[9] ^= 1;
		return (n);
	case K_SCTP:
		return (tb_sctp(out, 5000, 6000, data16, 10));
	case K_SCTP_SCAPY:
		memcpy(out, scapy_sctp, sizeof(scapy_sctp));
		return (sizeof(scapy_sctp));
	case K_SCTP_BADCRC:
		n = tb_sctp(out, 5000, 6000, data16, 10);
		out[n - 3] ^= 1;
		return (n);
	case K_SCTP_CHUNK_LARGE:
		n = tb_sctp(out, 5000, 6000, data16, 10);
		tb_put16(out + 14, (uint16_t)(n - 12 + 1));
		return (n);
	case K_SCTP_SHORT:
		memcpy(out, scapy_sctp, 15);
		return (15);
	case K_IP4_TCP:
		return (build_ip4_l4(out, 6, tcp_in4));
	case K_IP4_BADHDR:
		n = build_ip4_l4(out, 6, tcp_in4);
		out[8] = 63;		/* TTL, checksum left stale */
		return (n);
	case K_IP4_LEN_LARGE:
		n = build_ip4_l4(out, 6, tcp_in4);
		tb_put16(out + 2, (uint16_t)(n + 1));
		fix_ip4(out);
		return (n);
	case K_IP4_TRAILING:
		n = build_ip4_l4(out, 6, tcp_in4);
		out[n] = 0;
		return (n + 1);
	case K_IP4_UDP0:
		return (build_ip4_l4(out, 17, udp0_in4));
	case K_IP4_FRAG:
		n = build_ip4_l4(out, 17, udp_in4);
		out[6] = 0x20;		/* MF */
		fix_ip4(out);
		return (n);
	case K_IP4_LOOKALIKE:
		n = 60;
		tb_fill_random(&(uint64_t){ 99 }, out, n);
		out[0] = 0x45;
		tb_put16(out + 2, (uint16_t)n);
		return (n);
	case K_IP4_BAD_L4:
		n = build_ip4_l4(out, 6, tcp_in4);
		out[n - 1] ^= 1;
		return (n);
	case K_IP4_EMPTY:
		return (0);
	case K_IP6_UDP:
		return (build_ip6(out, false, false));
	case K_IP6_LEN:
		n = build_ip6(out, false, false);
		out[5] += 1;
		return (n);
	case K_IP6_BAD_L4:
		return (build_ip6(out, true, false));
	case K_IP6_HBH_UDP:
		return (build_ip6(out, false, true));
	case K_IP6_SHORT:
		build_ip6(out, false, false);
		return (39);
	case K_IP6_L2TP:
	case K_IP6_NH200:
		return (tb_ipv6(out, tb_v6_src, tb_v6_dst,
		    k == K_IP6_L2TP ? 115 : 200, data16, 16));
	case K_OSPF2:
	case K_OSPF2_BADSUM:
	case K_OSPF2_LEN:
		memcpy(out, scapy_ospf2, sizeof(scapy_ospf2));
		if (k == K_OSPF2_BADSUM)
			out[30] ^= 1;		/* hello interval */
		if (k == K_OSPF2_LEN)
			out[3] += 1;
		return (sizeof(scapy_ospf2));
	case K_OSPF2_CRYPTO:
		/* RFC 2328 D.4.3: AuType 2, checksum 0, 16-byte digest after */
		memcpy(out, scapy_ospf2, sizeof(scapy_ospf2));
		memset(out + 12, 0, 12);
		out[15] = 2;
		out[18] = 1;			/* key ID */
		out[19] = 16;			/* digest length */
		tb_put32(out + 20, 7);		/* crypto sequence number */
		memset(out + sizeof(scapy_ospf2), 0x5a, 16);
		return (sizeof(scapy_ospf2) + 16);
	case K_OSPF3:
	case K_OSPF3_BADSUM:
	case K_OSPF3_RESERVED:
	case K_OSPF3_TYPE6:
		/* scapy's checksum is for fe80::1 -> ff02::5; ours differ */
		memcpy(out, scapy_ospf3, sizeof(scapy_ospf3));
		if (k == K_OSPF3_RESERVED)
			out[15] = 1;
		if (k == K_OSPF3_TYPE6)
			out[1] = 6;
		tb_put16(out + 12, 0);
		tb_put16(out + 12, tb_csum_final(tb_sum(out,
		    sizeof(scapy_ospf3), tb_pseudo(6, tb_v6_src, tb_v6_dst, 89,
		    sizeof(scapy_ospf3)))));
		if (k == K_OSPF3_BADSUM)
			out[13] ^= 0x10;
		return (sizeof(scapy_ospf3));
	case K_DUMMY:
	case K_UNKNOWN:
		tb_fill_random(&(uint64_t){ 5 }, out, 40);
		return (40);
	default:
		(void)tmp;
		return (build_gre(out, k));
	}
}

static void
ctx_of(struct inner_ctx *ctx, int family, bool nat)
{
	if (family == 6) {
		ipaddr_set6(&ctx->src, tb_v6_src);
		ipaddr_set6(&ctx->dst, tb_v6_dst);
	} else {
		ipaddr_set4(&ctx->src, tb_v4_src);
		ipaddr_set4(&ctx->dst, tb_v4_dst);
	}
	ctx->nat_possible = nat;
}

START_TEST(inner_table)
{
	const struct inner_row	*r = &rows[_i];
	uint8_t			 buf[1024];
	struct inner_ctx	 ctx;
	struct inner_result	 res;
	struct cursor		 c;
	size_t			 n;

	memset(buf, 0, sizeof(buf));
	n = build(r->kind, buf);
	ctx_of(&ctx, r->family, r->nat);
	cur_init(&c, buf, n);
	inner_check(&ctx, r->nh, &c, &res);
	ck_assert_msg(res.verdict == r->want, "%s: got %d want %d", r->name,
	    res.verdict, r->want);
	ck_assert_uint_eq(cur_pos(&c), 0);
}
END_TEST

/* The builder's SCTP equals scapy's for the same fields. */
START_TEST(sctp_matches_scapy)
{
	uint8_t	 buf[64];
	size_t	 n;

	n = tb_sctp(buf, 5000, 6000, (const uint8_t *)"hello sctp", 10);
	tb_put32(buf + 4, 0x01020304);	/* scapy's tag, then re-CRC */
	memset(buf + 8, 0, 4);
	tb_put32(buf + 16, 0);		/* scapy's TSN */
	buf[13] = 0;			/* scapy's flags */
	{
		uint32_t crc = tb_crc32c(buf, n);

		buf[8] = (uint8_t)crc;
		buf[9] = (uint8_t)(crc >> 8);
		buf[10] = (uint8_t)(crc >> 16);
		buf[11] = (uint8_t)(crc >> 24);
	}
	ck_assert_uint_eq(n, sizeof(scapy_sctp));
	ck_assert_mem_eq(buf, scapy_sctp, n);
}
END_TEST

/*
 * A NAT rewrites the same addresses on every packet, so different
 * segments checked against the same wrong pseudo header leave the same
 * residual; heuristic.c relies on it.
 */
START_TEST(nat_residual_is_per_address_pair)
{
	static const uint8_t orig_src[4] = { 10, 9, 8, 7 };
	uint8_t		 a[128], b[128];
	size_t		 na, nb;
	struct inner_ctx ctx;
	struct inner_result ra, rb;
	struct cursor	 c;

	na = tb_tcp(a, 4, orig_src, tb_v4_dst, 40000, 443, data16, 16);
	nb = tb_udp(b, 4, orig_src, tb_v4_dst, 1111, 2222, data16, 9, false);
	ctx_of(&ctx, 4, true);
	cur_init(&c, a, na);
	inner_check(&ctx, 6, &c, &ra);
	cur_init(&c, b, nb);
	inner_check(&ctx, 17, &c, &rb);
	ck_assert_int_eq(ra.verdict, INNER_WEAK_NAT);
	ck_assert_int_eq(rb.verdict, INNER_WEAK_NAT);
	ck_assert_uint_eq(ra.residual, rb.residual);
	ck_assert_uint_ne(ra.residual, 0xffff);
}
END_TEST

/*
 * Bytes no checksum covers: the IPv6 version/class/flow word and hop
 * limit (not in any pseudo header), the hop-by-hop options, and the
 * OSPFv2 Authentication field (RFC 2328 D.4).
 */
static bool
uncovered(const struct inner_row *r, size_t byte)
{
	if (r->kind == K_OSPF2)		/* the Authentication field */
		return (byte >= 16 && byte < 24);
	if (r->nh != 41)
		return (false);
	if (byte < 4 || byte == 7)
		return (true);
	return (r->kind == K_IP6_HBH_UDP && byte >= 40 && byte < 48);
}

/* Truncations and bit flips of every valid row: no crash, and no STRONG
   once a byte a checksum covers has changed. */
START_TEST(mutation_sweep)
{
	uint8_t		 buf[1024], m[1024];
	struct inner_ctx ctx;
	struct inner_result res;
	struct cursor	 c;
	size_t		 i, n, len, bit;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (rows[i].want != INNER_STRONG)
			continue;
		memset(buf, 0, sizeof(buf));
		n = build(rows[i].kind, buf);
		ctx_of(&ctx, rows[i].family, false);
		for (len = 0; len < n; len++) {
			cur_init(&c, buf, len);
			inner_check(&ctx, rows[i].nh, &c, &res);
			ck_assert_int_ne(res.verdict, INNER_STRONG);
		}
		for (bit = 0; bit < n * 8; bit++) {
			if (uncovered(&rows[i], bit / 8))
				continue;
			memcpy(m, buf, n);
			m[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			cur_init(&c, m, n);
			inner_check(&ctx, rows[i].nh, &c, &res);
			ck_assert_msg(res.verdict != INNER_STRONG,
			    "%s: bit %zu still strong", rows[i].name, bit);
		}
	}
}
END_TEST

/* The OSPFv3 checksum agrees with scapy's for scapy's addresses. */
START_TEST(ospf3_matches_scapy)
{
	static const uint8_t s6[16] = { 0xfe, 0x80, [15] = 1 };
	static const uint8_t d6[16] = { 0xff, 0x02, [15] = 5 };
	struct inner_ctx ctx;
	struct inner_result res;
	struct cursor	 c;

	ipaddr_set6(&ctx.src, s6);
	ipaddr_set6(&ctx.dst, d6);
	ctx.nat_possible = false;
	cur_init(&c, scapy_ospf3, sizeof(scapy_ospf3));
	inner_check(&ctx, 89, &c, &res);
	ck_assert_int_eq(res.verdict, INNER_STRONG);
}
END_TEST

START_TEST(tunnel_next_headers)
{
	ck_assert(inner_is_tunnel(4));
	ck_assert(inner_is_tunnel(41));
	ck_assert(!inner_is_tunnel(6));
	ck_assert(!inner_is_tunnel(47));
	ck_assert(!inner_is_tunnel(59));
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("inner");
	TCase	*tc = tcase_create("checks");

	tcase_add_loop_test(tc, inner_table, 0,
	    (int)(sizeof(rows) / sizeof(rows[0])));
	tcase_add_test(tc, sctp_matches_scapy);
	tcase_add_test(tc, nat_residual_is_per_address_pair);
	tcase_add_test(tc, mutation_sweep);
	tcase_add_test(tc, ospf3_matches_scapy);
	tcase_add_test(tc, tunnel_next_headers);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
