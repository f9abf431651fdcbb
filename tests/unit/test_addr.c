/*
 * test_addr.c - addresses as text, by hand, against libc's inet_ntop():
 * IPv4 every octet value, IPv6 every pattern of zero groups (the "::"
 * compression and the IPv4-mapped and -compatible forms).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "util/addr.h"

START_TEST(test_ip4_every_octet)
{
	char buf[INET6_ADDRSTRLEN], want[INET6_ADDRSTRLEN];
	struct ipaddr a;
	uint8_t b[4];
	unsigned v;

	for (v = 0; v < 256; v++) {
		b[0] = (uint8_t)v;
		b[1] = (uint8_t)(255 - v);
		b[2] = (uint8_t)(v * 7);
		b[3] = (uint8_t)(v / 3);
		ipaddr_set4(&a, b);
		snprintf(want, sizeof(want), "%u.%u.%u.%u", b[0], b[1], b[2],
		    b[3]);
		ck_assert_str_eq(ipaddr_str(&a, buf, sizeof(buf)), want);
	}
}
END_TEST

START_TEST(test_ip6_and_small_buffers)
{
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t v4[4] = { 255, 255, 255, 255 };
	char buf[INET6_ADDRSTRLEN];
	struct ipaddr a;

	ipaddr_set6(&a, v6);
	ck_assert_str_eq(ipaddr_str(&a, buf, sizeof(buf)), "2001:db8::1");
	/* Too small for the address: empty, never cut or overrun. */
	ipaddr_set4(&a, v4);
	ck_assert_str_eq(ipaddr_str(&a, buf, 8), "");
	ck_assert_str_eq(ipaddr_str(&a, buf, 16), "255.255.255.255");
	memset(&a, 0, sizeof(a));
	ck_assert_str_eq(ipaddr_str(&a, buf, sizeof(buf)), "");
}
END_TEST

START_TEST(test_ip6_as_inet_ntop)
{
	static const unsigned vals[] = { 1, 0xffff, 0x12, 0xabc, 0x1234,
	    0xfe80, 0x0100 };
	char buf[INET6_ADDRSTRLEN], want[INET6_ADDRSTRLEN];
	struct ipaddr a;
	uint8_t b[16];
	uint32_t rng = 5879;
	unsigned mask, trial, g, v;

	for (mask = 0; mask < 256; mask++)
		for (trial = 0; trial < 64; trial++) {
			for (g = 0; g < 8; g++) {
				rng = rng * 1103515245u + 12345u;
				v = (rng >> 16) % 9;
				v = v < 7 ? vals[v] : (rng >> 8 & 0xffff) | 1;
				if ((mask >> g & 1) == 0)
					v = 0;
				b[2 * g] = (uint8_t)(v >> 8);
				b[2 * g + 1] = (uint8_t)v;
			}
			ipaddr_set6(&a, b);
			ck_assert_ptr_nonnull(inet_ntop(AF_INET6, b, want,
			    sizeof(want)));
			ck_assert_str_eq(ipaddr_str(&a, buf, sizeof(buf)),
			    want);
		}
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("text");

	tcase_add_test(tc, test_ip4_every_octet);
	tcase_add_test(tc, test_ip6_and_small_buffers);
	tcase_add_test(tc, test_ip6_as_inet_ntop);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
