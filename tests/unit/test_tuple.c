/*
 * test_tuple.c - the inner 5-tuple parser (src/inner/tuple.c), table
 * driven over packets built by scapy (data/inner_vectors.h): tunnel mode
 * IPv4 and IPv6 (extension headers, fragments), transport mode, then
 * the negative cases (empty, short by one, length fields too large or
 * too small, trailing garbage), then a mutation sweep (every truncation
 * and every bit flip of every good packet) that must never read out of
 * bounds and must keep the result's invariants.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "data/inner_vectors.h"
#include "inner/tuple.h"

#define A4	"10.29.0.1"
#define B4	"10.29.0.2"
#define A6	"fd00:1d:1::1"
#define B6	"fd00:1d:1::2"

enum mode {
	TUNNEL4,	/* ESP next header 4 */
	TUNNEL6,	/* ESP next header 41 */
	TRANS4,		/* transport over IPv4 A4 > B4 */
	TRANS6,		/* transport over IPv6 A6 > B6 */
};

#define NO_PATCH	-1
#define FULL		SIZE_MAX	/* the whole array */

static const struct row {
	const char	*name;
	const uint8_t	*bytes;
	size_t		 size;		/* of the array */
	size_t		 len;		/* bytes given, FULL: size */
	size_t		 extra;		/* garbage bytes appended */
	enum mode	 mode;
	uint8_t		 nh;		/* transport: ESP next header */
	int		 patch_off;	/* one byte changed, or NO_PATCH */
	uint8_t		 patch_val;
	enum tuple_result want;
	/* when want == TUPLE_OK: */
	uint8_t		 proto;
	uint16_t	 sport;
	uint16_t	 dport;
	const char	*src;
	const char	*dst;
	uint32_t	 ip_len;
	bool		 first_fragment;
	uint8_t		 tcp_flags;
} rows[] = {
#define V(a)	a, sizeof(a)
	/* tunnel mode, good */
	{ "v4 tcp syn", V(v4_tcp_syn), FULL, 0, TUNNEL4, 0, NO_PATCH, 0,
	  TUPLE_OK, 6, 59816, 22, A4, B4, 44, false, 0x02 },
	{ "v4 tcp + TFC padding", V(v4_tcp_syn), FULL, 12, TUNNEL4, 0,
	  NO_PATCH, 0, TUPLE_OK, 6, 59816, 22, A4, B4, 44, false, 0x02 },
	{ "v6 udp", V(v6_udp_dns), FULL, 0, TUNNEL6, 0, NO_PATCH, 0,
	  TUPLE_OK, 17, 36429, 53, A6, B6, 60, false, 0 },
	{ "v6 udp + TFC padding", V(v6_udp_dns), FULL, 7, TUNNEL6, 0,
	  NO_PATCH, 0, TUPLE_OK, 17, 36429, 53, A6, B6, 60, false, 0 },
	{ "v6 hbh+dstopt+rh0 tcp fin", V(v6_ext_tcp), FULL, 0, TUNNEL6, 0,
	  NO_PATCH, 0, TUPLE_OK, 6, 40000, 443, A6, B6, 84, false, 0x11 },
	{ "v6 first fragment", V(v6_frag_first), FULL, 0, TUNNEL6, 0,
	  NO_PATCH, 0, TUPLE_OK, 17, 5353, 5353, A6, B6, 80, true, 0 },
	{ "v4 first fragment", V(v4_frag_first), FULL, 0, TUNNEL4, 0,
	  NO_PATCH, 0, TUPLE_OK, 17, 1234, 4321, A4, B4, 52, true, 0 },
	{ "v4 icmp", V(v4_icmp), FULL, 0, TUNNEL4, 0, NO_PATCH, 0,
	  TUPLE_OK, 1, 0, 0, A4, B4, 36, false, 0 },
	{ "v4 sctp", V(v4_sctp), FULL, 0, TUNNEL4, 0, NO_PATCH, 0,
	  TUPLE_OK, 132, 38412, 38412, A4, B4, 52, false, 0 },
	{ "v4 gre: no ports", V(v4_gre), FULL, 0, TUNNEL4, 0, NO_PATCH, 0,
	  TUPLE_OK, 47, 0, 0, A4, B4, 52, false, 0 },
	{ "v6 icmpv6", V(v6_icmp6), FULL, 0, TUNNEL6, 0, NO_PATCH, 0,
	  TUPLE_OK, 58, 0, 0, A6, B6, 48, false, 0 },

	/* tunnel mode, no flow */
	{ "v6 later fragment", V(v6_frag_later), FULL, 0, TUNNEL6, 0,
	  NO_PATCH, 0, TUPLE_FRAGMENT },
	{ "v4 later fragment", V(v4_frag_later), FULL, 0, TUNNEL4, 0,
	  NO_PATCH, 0, TUPLE_FRAGMENT },
	{ "v6 next header 59", V(v6_no_next), FULL, 0, TUNNEL6, 0,
	  NO_PATCH, 0, TUPLE_DUMMY },

	/* tunnel mode, negative */
	{ "empty", V(v4_tcp_syn), 0, 0, TUNNEL4, 0, NO_PATCH, 0,
	  TUPLE_TRUNCATED },
	{ "v4 header short by one", V(v4_tcp_syn), 19, 0, TUNNEL4, 0,
	  NO_PATCH, 0, TUPLE_TRUNCATED },
	{ "v4 packet short by one", V(v4_tcp_syn), 43, 0, TUNNEL4, 0,
	  NO_PATCH, 0, TUPLE_TRUNCATED },
	{ "v4 total length too large", V(v4_tcp_syn), FULL, 0, TUNNEL4, 0,
	  3, 45, TUPLE_TRUNCATED },
	{ "v4 total length < IHL", V(v4_tcp_syn), FULL, 0, TUNNEL4, 0,
	  3, 19, TUPLE_MALFORMED },
	{ "v4 IHL 4", V(v4_tcp_syn), FULL, 0, TUNNEL4, 0, 0, 0x44,
	  TUPLE_MALFORMED },
	{ "IP version 5", V(v4_tcp_syn), FULL, 0, TUNNEL4, 0, 0, 0x55,
	  TUPLE_MALFORMED },
	{ "IPv4 where ESP says 41", V(v4_tcp_syn), FULL, 0, TUNNEL6, 0,
	  NO_PATCH, 0, TUPLE_MALFORMED },
	{ "IPv6 where ESP says 4", V(v6_udp_dns), FULL, 0, TUNNEL4, 0,
	  NO_PATCH, 0, TUPLE_MALFORMED },
	{ "tcp data offset 4", V(v4_tcp_syn), FULL, 0, TUNNEL4, 0, 32, 0x40,
	  TUPLE_MALFORMED },
	{ "tcp data offset too large", V(v4_tcp_syn), FULL, 0, TUNNEL4, 0,
	  32, 0xf0, TUPLE_TRUNCATED },
	{ "tcp header short by one", V(v4_tcp_syn), 39, 0, TUNNEL4, 0, 3, 39,
	  TUPLE_TRUNCATED },
	{ "v6 header short by one", V(v6_udp_dns), 39, 0, TUNNEL6, 0,
	  NO_PATCH, 0, TUPLE_TRUNCATED },
	{ "v6 packet short by one", V(v6_udp_dns), 59, 0, TUNNEL6, 0,
	  NO_PATCH, 0, TUPLE_TRUNCATED },
	{ "v6 payload length 0", V(v6_udp_dns), FULL, 0, TUNNEL6, 0, 5, 0,
	  TUPLE_MALFORMED },
	{ "udp length too large", V(v6_udp_dns), FULL, 0, TUNNEL6, 0, 45,
	  0x15, TUPLE_TRUNCATED },
	{ "udp length 7", V(v6_udp_dns), FULL, 0, TUNNEL6, 0, 45, 0x07,
	  TUPLE_MALFORMED },
	{ "v6 hop-by-hop past the payload", V(v6_ext_tcp), FULL, 0, TUNNEL6,
	  0, 41, 0x20, TUPLE_TRUNCATED },
	{ "v6 ten extension headers", V(v6_ext_loop), FULL, 0, TUNNEL6, 0,
	  NO_PATCH, 0, TUPLE_MALFORMED },
	{ "icmp of 3 bytes", V(v4_icmp), 23, 0, TUNNEL4, 0, 3, 23,
	  TUPLE_TRUNCATED },

	/* transport mode */
	{ "transport v4 udp", V(l4_udp), FULL, 0, TRANS4, 17, NO_PATCH, 0,
	  TUPLE_OK, 17, 3000, 53, A4, B4, 40, false, 0 },
	{ "transport v4 udp + trailing bytes", V(l4_udp), FULL, 4, TRANS4,
	  17, NO_PATCH, 0, TUPLE_OK, 17, 3000, 53, A4, B4, 44, false, 0 },
	{ "transport v6 tcp rst", V(l4_tcp_rst), FULL, 0, TRANS6, 6,
	  NO_PATCH, 0, TUPLE_OK, 6, 22, 50000, A6, B6, 60, false, 0x04 },
	{ "transport gre: no ports", V(l4_udp), FULL, 0, TRANS4, 47,
	  NO_PATCH, 0, TUPLE_OK, 47, 0, 0, A4, B4, 40, false, 0 },
	{ "transport next header 59", V(l4_udp), FULL, 0, TRANS4, 59,
	  NO_PATCH, 0, TUPLE_DUMMY },
	{ "transport empty", V(l4_udp), 0, 0, TRANS4, 17, NO_PATCH, 0,
	  TUPLE_TRUNCATED },
	{ "transport udp short by one", V(l4_udp), 19, 0, TRANS4, 17,
	  NO_PATCH, 0, TUPLE_TRUNCATED },
	{ "transport tcp short by one", V(l4_tcp_rst), 19, 0, TRANS6, 6,
	  NO_PATCH, 0, TUPLE_TRUNCATED },
#undef V
};

/* The row's bytes, cut, patched and padded, in buf; returns the length. */
static size_t
row_bytes(const struct row *r, uint8_t *buf, size_t buflen)
{
	size_t len = r->len == FULL ? r->size : r->len;

	ck_assert_uint_le(len + r->extra, buflen);
	memcpy(buf, r->bytes, len);
	memset(buf + len, 0xaa, r->extra);
	if (r->patch_off != NO_PATCH) {
		ck_assert_uint_lt((size_t)r->patch_off, len);
		buf[r->patch_off] = r->patch_val;
	}
	return (len + r->extra);
}

static void
set_addr(struct ipaddr *a, const char *text)
{
	uint8_t b[16];

	if (strchr(text, ':') != NULL) {
		ck_assert_int_eq(inet_pton(AF_INET6, text, b), 1);
		ipaddr_set6(a, b);
	} else {
		ck_assert_int_eq(inet_pton(AF_INET, text, b), 1);
		ipaddr_set4(a, b);
	}
}

static void
make_packet(struct packet *p, enum mode mode, uint8_t nh,
    const uint8_t *buf, size_t len)
{
	memset(p, 0, sizeof(*p));
	p->inner = buf;
	p->inner_len = (uint32_t)len;
	p->verdict = VERDICT_NULL;
	switch (mode) {
	case TUNNEL4:
	case TUNNEL6:
		p->ipver = 4;
		p->inner_tunnel = true;
		p->next_hdr = mode == TUNNEL4 ? 4 : 41;
		set_addr(&p->src, "192.0.2.1");
		set_addr(&p->dst, "192.0.2.2");
		break;
	case TRANS4:
	case TRANS6:
		p->ipver = mode == TRANS4 ? 4 : 6;
		p->next_hdr = nh;
		set_addr(&p->src, mode == TRANS4 ? A4 : A6);
		set_addr(&p->dst, mode == TRANS4 ? B4 : B6);
		break;
	}
}

START_TEST(test_rows)
{
	const struct row	*r = &rows[_i];
	uint8_t			 buf[256];
	struct packet		 p;
	struct tuple_pkt	 t;
	struct ipaddr		 want;
	enum tuple_result	 got;
	size_t			 len;

	len = row_bytes(r, buf, sizeof(buf));
	make_packet(&p, r->mode, r->nh, buf, len);
	got = tuple_parse_packet(&p, &t);
	ck_assert_msg(got == r->want, "%s: %s, want %s", r->name,
	    tuple_result_name(got), tuple_result_name(r->want));
	if (r->want != TUPLE_OK)
		return;
	ck_assert_uint_eq(t.tuple.proto, r->proto);
	ck_assert_uint_eq(t.tuple.sport, r->sport);
	ck_assert_uint_eq(t.tuple.dport, r->dport);
	ck_assert_uint_eq(t.tuple.ipver, strchr(r->src, ':') ? 6 : 4);
	set_addr(&want, r->src);
	ck_assert(ipaddr_eq(&t.tuple.src, &want));
	set_addr(&want, r->dst);
	ck_assert(ipaddr_eq(&t.tuple.dst, &want));
	ck_assert_uint_eq(t.ip_len, r->ip_len);
	ck_assert_int_eq(t.first_fragment, r->first_fragment);
	ck_assert_uint_eq(t.tcp_flags, r->tcp_flags);
}
END_TEST

/*
 * Every truncation and every bit flip of every good row: the parser may
 * say anything but must stay inside the bytes (ASan in the SAN build)
 * and, when it finds a tuple, report an IP length within them in tunnel
 * mode and an IP version that exists.
 */
START_TEST(test_mutations)
{
	uint8_t			 buf[256], mut[256];
	struct packet		 p;
	struct tuple_pkt	 t;
	enum tuple_result	 got;
	size_t			 i, len, n, bit;
	unsigned		 rows_done = 0;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (rows[i].want != TUPLE_OK)
			continue;
		rows_done++;
		len = row_bytes(&rows[i], buf, sizeof(buf));
		for (n = 0; n <= len; n++) {
			/* A copy of exactly n bytes: ASan sees any overread. */
			uint8_t *cut = malloc(n > 0 ? n : 1);

			ck_assert_ptr_nonnull(cut);
			memcpy(cut, buf, n);
			make_packet(&p, rows[i].mode, rows[i].nh, cut, n);
			got = tuple_parse_packet(&p, &t);
			ck_assert_int_le(got, TUPLE_MALFORMED);
			if (got == TUPLE_OK && p.inner_tunnel)
				ck_assert_uint_le(t.ip_len, n);
			free(cut);
		}
		for (bit = 0; bit < len * 8; bit++) {
			memcpy(mut, buf, len);
			mut[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			make_packet(&p, rows[i].mode, rows[i].nh, mut, len);
			got = tuple_parse_packet(&p, &t);
			ck_assert_int_le(got, TUPLE_MALFORMED);
			if (got == TUPLE_OK) {
				ck_assert(t.tuple.ipver == 4 ||
				    t.tuple.ipver == 6);
				if (p.inner_tunnel)
					ck_assert_uint_le(t.ip_len, len);
			}
		}
	}
	ck_assert_uint_ge(rows_done, 14);
}
END_TEST

/* A NULL inner payload (no ESP-NULL verdict) is never a flow. */
START_TEST(test_no_inner)
{
	struct packet		 p;
	struct tuple_pkt	 t;

	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(tuple_parse_packet(&p, &t), TUPLE_TRUNCATED);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("tuple");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_rows, 0, sizeof(rows) / sizeof(rows[0]));
	tcase_add_test(tc, test_mutations);
	tcase_add_test(tc, test_no_inner);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
