/*
 * test_ipnet.c - CIDR prefixes: parsing and refusals, and matching at the
 * edges (/0, /1, /31, /32, /63, /64, /65, /127, /128, first and last
 * address of a prefix and their neighbours outside it), IPv4 and IPv6
 * kept apart.
 */
#include <arpa/inet.h>
#include <string.h>

#include "unit.h"
#include "util/ipnet.h"

static struct ipkey
key(const char *text)
{
	struct ipaddr a;
	struct ipkey k;
	uint8_t b[16];

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, text, b) == 1)
		ipaddr_set4(&a, b);
	else {
		ck_assert_int_eq(inet_pton(AF_INET6, text, b), 1);
		ipaddr_set6(&a, b);
	}
	ipkey_from_addr(&k, &a);
	return (k);
}

static struct ipnet
net(const char *text)
{
	struct ipnet n;
	char why[128];

	ck_assert_msg(ipnet_parse(text, &n, why, sizeof(why)) == 0, "%s: %s",
	    text, why);
	return (n);
}

static bool
in(const char *prefix, const char *addr)
{
	struct ipnet n = net(prefix);
	struct ipkey k = key(addr);

	return (ipnet_contains(&n, &k));
}

START_TEST(test_v4_edges)
{
	ck_assert(in("10.0.0.0/8", "10.0.0.0"));
	ck_assert(in("10.0.0.0/8", "10.255.255.255"));
	ck_assert(!in("10.0.0.0/8", "9.255.255.255"));
	ck_assert(!in("10.0.0.0/8", "11.0.0.0"));
	ck_assert(in("192.0.2.1", "192.0.2.1"));
	ck_assert(!in("192.0.2.1/32", "192.0.2.0"));
	ck_assert(!in("192.0.2.1/32", "192.0.2.2"));
	ck_assert(in("192.0.2.2/31", "192.0.2.3"));
	ck_assert(!in("192.0.2.2/31", "192.0.2.4"));
	ck_assert(in("0.0.0.0/0", "255.255.255.255"));
	ck_assert(in("0.0.0.0/0", "0.0.0.0"));
	ck_assert(in("128.0.0.0/1", "255.0.0.1"));
	ck_assert(!in("128.0.0.0/1", "127.255.255.255"));
}
END_TEST

START_TEST(test_v6_edges)
{
	ck_assert(in("2001:db8::/32", "2001:db8::"));
	ck_assert(in("2001:db8::/32",
	    "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"));
	ck_assert(!in("2001:db8::/32", "2001:db9::"));
	ck_assert(!in("2001:db8::/32",
	    "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"));
	/* The 64-bit word boundary, on both sides. */
	ck_assert(in("2001:db8:0:1::/64", "2001:db8:0:1:ffff:ffff:ffff:ffff"));
	ck_assert(!in("2001:db8:0:1::/64", "2001:db8:0:2::"));
	ck_assert(in("2001:db8::/63", "2001:db8:0:1::5"));
	ck_assert(!in("2001:db8::/63", "2001:db8:0:2::"));
	ck_assert(in("2001:db8::8000:0:0:0/65", "2001:db8::ffff:0:0:1"));
	ck_assert(!in("2001:db8::8000:0:0:0/65", "2001:db8::7fff:0:0:1"));
	ck_assert(in("2001:db8::2/127", "2001:db8::3"));
	ck_assert(!in("2001:db8::2/127", "2001:db8::4"));
	ck_assert(in("::1", "::1"));
	ck_assert(!in("::1/128", "::2"));
	ck_assert(in("::/0", "ffff::1"));
}
END_TEST

/* No IPv4-mapped magic: the families never match each other. */
START_TEST(test_families_apart)
{
	ck_assert(!in("0.0.0.0/0", "::"));
	ck_assert(!in("::/0", "10.0.0.1"));
	ck_assert(!in("::ffff:10.0.0.0/104", "10.0.0.1"));
	ck_assert(in("::ffff:10.0.0.0/104", "::ffff:10.0.0.1"));
}
END_TEST

static void
refused(const char *text, const char *want)
{
	struct ipnet n;
	char why[128];

	ck_assert_msg(ipnet_parse(text, &n, why, sizeof(why)) == -1,
	    "accepted %s", text);
	ck_assert_msg(strstr(why, want) != NULL, "%s: '%s' lacks '%s'", text,
	    why, want);
}

START_TEST(test_refusals)
{
	refused("10.1.0.0/8", "host bits set");
	refused("192.0.2.1/31", "host bits set");
	refused("2001:db8::1/64", "host bits set");
	refused("2001:db8:1::/32", "host bits set");
	refused("10.0.0.0/33", "bad prefix length '33' (0..32)");
	refused("::/129", "bad prefix length '129' (0..128)");
	refused("10.0.0.0/08", "bad prefix length");
	refused("10.0.0.0/", "bad prefix length");
	refused("10.0.0.0/-1", "bad prefix length");
	refused("10.0.0.0/8x", "bad prefix length");
	refused("10.0.0/8", "not an IPv4 or IPv6 address");
	refused("10.0.0.256", "not an IPv4 or IPv6 address");
	refused("example.com", "not an IPv4 or IPv6 address");
	refused("", "not an IPv4 or IPv6 address");
	refused("/8", "not an IPv4 or IPv6 address");
	refused("fe80::1%eth0", "not an IPv4 or IPv6 address");
}
END_TEST

START_TEST(test_parsed_fields)
{
	struct ipnet n = net("172.16.0.0/12");

	ck_assert_uint_eq(n.family, 4);
	ck_assert_uint_eq(n.prefix_len, 12);
	ck_assert_uint_eq(n.net_lo, 0xac100000u);
	ck_assert_uint_eq(n.mask_lo, 0xfff00000u);
	ck_assert_uint_eq(n.net_hi, 0);
	n = net("2001:db8::/32");
	ck_assert_uint_eq(n.family, 6);
	ck_assert_uint_eq(n.net_hi, 0x20010db800000000ull);
	ck_assert_uint_eq(n.mask_hi, 0xffffffff00000000ull);
	ck_assert_uint_eq(n.mask_lo, 0);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("ipnet");
	TCase *tc = tcase_create("ipnet");

	tcase_add_test(tc, test_v4_edges);
	tcase_add_test(tc, test_v6_edges);
	tcase_add_test(tc, test_families_apart);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_parsed_fields);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
