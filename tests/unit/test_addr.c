/*
 * test_addr.c - addresses as text: IPv4 by hand, IPv6 by inet_ntop().
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

static Suite *
suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("text");

	tcase_add_test(tc, test_ip4_every_octet);
	tcase_add_test(tc, test_ip6_and_small_buffers);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
