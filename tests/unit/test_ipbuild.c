/*
 * test_ipbuild.c - the inner IP packet for nDPI and the -w stream
 * (src/util/ipbuild.c): tunnel mode hands back the inner packet itself;
 * transport mode rebuilds IPv4 (RFC 791 checksum over the new header)
 * and IPv6 headers from the outer one; 16-bit length limits and short
 * buffers give nothing.
 */
#include <string.h>

#include "unit.h"
#include "util/ipbuild.h"

static const uint8_t udp12[12] = {
	0x0b, 0xb8, 0x00, 0x35, 0x00, 0x0c, 0x00, 0x00, 'd', 'n', 's', '!'
};

static void
transport(struct packet *p, int ver)
{
	static const uint8_t s4[4] = { 198, 51, 100, 1 }, d4[4] = { 203, 0,
	    113, 1 };
	static const uint8_t s6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t d6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

	memset(p, 0, sizeof(*p));
	p->ipver = (uint8_t)ver;
	if (ver == 4) {
		ipaddr_set4(&p->src, s4);
		ipaddr_set4(&p->dst, d4);
	} else {
		ipaddr_set6(&p->src, s6);
		ipaddr_set6(&p->dst, d6);
	}
	p->ip_tos = 0xb8;
	p->ip_ttl = 61;
	p->ip_id = 0xbeef;
	p->ip_df = true;
	p->ip6_flow = 0x12345;
	p->next_hdr = 17;
	p->inner = udp12;
	p->inner_len = sizeof(udp12);
}

/* The ones' complement sum of a correct IPv4 header is 0xffff. */
static uint16_t
sum16(const uint8_t *b, size_t len)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ((uint16_t)s);
}

START_TEST(test_tunnel_is_the_inner_packet)
{
	static const uint8_t ip[20] = { 0x45, 0, 0, 20 };
	uint8_t buf[64];
	struct packet p;
	size_t len;

	memset(&p, 0, sizeof(p));
	p.ipver = 6;
	p.inner_tunnel = true;
	p.next_hdr = 4;
	p.inner = ip;
	p.inner_len = sizeof(ip);
	ck_assert_int_eq(ipbuild_version(&p), 4);
	ck_assert_uint_eq(ipbuild_header_len(&p), 0);
	ck_assert_ptr_eq(ipbuild_packet(&p, buf, sizeof(buf), &len), ip);
	ck_assert_uint_eq(len, sizeof(ip));
	p.next_hdr = 41;
	ck_assert_int_eq(ipbuild_version(&p), 6);
	ck_assert_uint_eq(ipbuild_header(&p, buf, sizeof(buf)), 0);
}
END_TEST

START_TEST(test_transport4)
{
	static const uint8_t want[20] = {
		0x45, 0xb8, 0x00, 0x20, 0xbe, 0xef, 0x40, 0x00, 61, 17,
		0x00, 0x00, 198, 51, 100, 1, 203, 0, 113, 1
	};
	uint8_t buf[64], hdr[20];
	const uint8_t *ip;
	struct packet p;
	size_t len;

	transport(&p, 4);
	ck_assert_int_eq(ipbuild_version(&p), 4);
	ip = ipbuild_packet(&p, buf, sizeof(buf), &len);
	ck_assert_ptr_eq(ip, buf);
	ck_assert_uint_eq(len, 20 + sizeof(udp12));
	ck_assert_uint_eq(sum16(buf, 20), 0xffff);
	memcpy(hdr, buf, 20);
	hdr[10] = hdr[11] = 0;
	ck_assert_mem_eq(hdr, want, 20);
	ck_assert_mem_eq(buf + 20, udp12, sizeof(udp12));
	/* No DF on the outer packet, none on the rebuilt one. */
	p.ip_df = false;
	ck_assert_uint_eq(ipbuild_header(&p, buf, sizeof(buf)), 20);
	ck_assert_uint_eq(buf[6], 0);
	ck_assert_uint_eq(sum16(buf, 20), 0xffff);
}
END_TEST

START_TEST(test_transport6)
{
	uint8_t buf[64];
	struct packet p;
	size_t len;

	transport(&p, 6);
	ck_assert_ptr_eq(ipbuild_packet(&p, buf, sizeof(buf), &len), buf);
	ck_assert_uint_eq(len, 40 + sizeof(udp12));
	/* version 6, class 0xb8, flow label 0x12345 */
	ck_assert_uint_eq(buf[0], 0x6b);
	ck_assert_uint_eq(buf[1], 0x81);
	ck_assert_uint_eq(buf[2], 0x23);
	ck_assert_uint_eq(buf[3], 0x45);
	ck_assert_uint_eq(buf[4] << 8 | buf[5], sizeof(udp12));
	ck_assert_uint_eq(buf[6], 17);
	ck_assert_uint_eq(buf[7], 61);
	ck_assert_mem_eq(buf + 8, p.src.bytes, 16);
	ck_assert_mem_eq(buf + 24, p.dst.bytes, 16);
	ck_assert_mem_eq(buf + 40, udp12, sizeof(udp12));
}
END_TEST

/* IPv4's total length counts its header: 65515 payload bytes at most. */
START_TEST(test_limits)
{
	static uint8_t big[65536];
	static uint8_t buf[IPBUILD_MAX];
	struct packet p;
	size_t len;

	transport(&p, 4);
	p.inner = big;
	p.inner_len = 65535 - 20;
	ck_assert_ptr_eq(ipbuild_packet(&p, buf, sizeof(buf), &len), buf);
	ck_assert_uint_eq(len, 65535);
	p.inner_len++;
	ck_assert_ptr_null(ipbuild_packet(&p, buf, sizeof(buf), &len));
	ck_assert_uint_eq(len, 0);
	transport(&p, 6);
	p.inner = big;
	p.inner_len = 65535;
	ck_assert_ptr_eq(ipbuild_packet(&p, buf, sizeof(buf), &len), buf);
	ck_assert_uint_eq(len, IPBUILD_MAX);
	p.inner_len++;
	ck_assert_ptr_null(ipbuild_packet(&p, buf, sizeof(buf), &len));
	/* A buffer one byte short. */
	transport(&p, 4);
	ck_assert_ptr_null(ipbuild_packet(&p, buf, 20 + sizeof(udp12) - 1,
	    &len));
	ck_assert_uint_eq(ipbuild_header(&p, buf, 19), 0);
	/* Nothing found, nothing built. */
	p.inner = NULL;
	ck_assert_ptr_null(ipbuild_packet(&p, buf, sizeof(buf), &len));
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("ipbuild");
	TCase *tc = tcase_create("build");

	tcase_add_test(tc, test_tunnel_is_the_inner_packet);
	tcase_add_test(tc, test_transport4);
	tcase_add_test(tc, test_transport6);
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
