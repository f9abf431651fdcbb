/*
 * test_wesp.c - WESP (RFC 5840 section 2): the parser over valid and
 * every invalid header, then detect/ on WESP packets (verdict from the
 * E flag, inner payload from the header, invalid packets skipped and
 * counted, per-SA consistency).
 */
#include <stdlib.h>

#include "unit.h"
#include "esp_build.h"
#include "detect/detect.h"
#include "detect/wesp.h"

#define V4	4
#define V6	6

/* How a row breaks an otherwise valid packet. */
enum mutation {
	M_NONE,
	M_VERSION1,		/* Flags V = 01 */
	M_VERSION2,		/* Flags V = 10 */
	M_RESERVED,		/* Rsvd bits set: MUST be ignored */
	M_P_WITHOUT_PAD,	/* P set on a packet built without padding */
	M_NH,			/* WESP NH != ESP trailer NH */
	M_HDRLEN,		/* HdrLen := arg */
	M_TRAILERLEN,		/* TrailerLen := arg */
	M_ESP_PADLEN,		/* ESP Pad Length := 255 */
	M_CAPTURED,		/* captured length := arg */
	M_WIRE_PLUS,		/* wire length += arg (garbage inside) */
	M_CAP_PLUS,		/* captured += arg (garbage outside) */
};

static const struct wesp_row {
	const char	*name;
	int		 ipver;
	bool		 udp;
	bool		 padded;	/* build with the padding word */
	bool		 encrypted;
	uint8_t		 iv_len;
	uint8_t		 icv_len;
	enum mutation	 mut;
	int		 arg;
	enum wesp_result want;
	bool		 visible;	/* trailer_visible on WESP_OK */
} rows[] = {
	{ "v4 null icv12", V4, false, false, false, 0, 12, M_NONE, 0,
	    WESP_OK, true },
	{ "v4 null gmac", V4, false, false, false, 8, 16, M_NONE, 0,
	    WESP_OK, true },
	{ "v4 null icv0", V4, false, false, false, 0, 0, M_NONE, 0,
	    WESP_OK, true },
	{ "v6 null icv16 padded", V6, false, true, false, 0, 16, M_NONE, 0,
	    WESP_OK, true },
	{ "v6 null gmac padded", V6, false, true, false, 8, 16, M_NONE, 0,
	    WESP_OK, true },
	{ "v6 udp padded", V6, true, true, false, 0, 12, M_NONE, 0,
	    WESP_OK, true },
	{ "v6 udp unpadded iv4", V6, true, false, false, 4, 12, M_NONE, 0,
	    WESP_OK, true },
	{ "v4 udp", V4, true, false, false, 0, 12, M_NONE, 0, WESP_OK, true },
	{ "v4 encrypted", V4, false, false, true, 0, 0, M_NONE, 0, WESP_OK,
	    false },
	{ "v6 encrypted padded", V6, false, true, true, 0, 0, M_NONE, 0,
	    WESP_OK, false },
	{ "reserved bits ignored", V4, false, false, false, 0, 12,
	    M_RESERVED, 0, WESP_OK, true },
	{ "trailer not captured", V4, false, false, false, 0, 12,
	    M_CAPTURED, -1, WESP_OK, false },
	{ "trailing garbage outside", V4, false, false, false, 0, 12,
	    M_CAP_PLUS, 4, WESP_OK, true },

	{ "version 1", V4, false, false, false, 0, 12, M_VERSION1, 0,
	    WESP_BAD_VERSION },
	{ "version 2", V4, false, false, true, 0, 0, M_VERSION2, 0,
	    WESP_BAD_VERSION },
	{ "v4 with padding", V4, false, true, false, 0, 12, M_NONE, 0,
	    WESP_BAD_P_FLAG },
	{ "v4 udp with padding", V4, true, true, false, 0, 12, M_NONE, 0,
	    WESP_BAD_P_FLAG },
	{ "v6 without padding", V6, false, false, false, 0, 16, M_NONE, 0,
	    WESP_BAD_P_FLAG },
	{ "v6 encrypted without padding", V6, false, false, true, 0, 0,
	    M_NONE, 0, WESP_BAD_P_FLAG },
	{ "v6 udp unpadded HdrLen 12", V6, true, false, false, 0, 12, M_NONE,
	    0, WESP_BAD_HDRLEN },
	{ "encrypted with NH", V4, false, false, true, 0, 0, M_NH, 0,
	    WESP_BAD_ENCRYPTED },
	{ "encrypted with HdrLen", V4, false, false, true, 0, 0, M_HDRLEN, 12,
	    WESP_BAD_ENCRYPTED },
	{ "encrypted with TrailerLen", V4, false, false, true, 0, 0,
	    M_TRAILERLEN, 12, WESP_BAD_ENCRYPTED },
	{ "HdrLen 8", V4, false, false, false, 0, 12, M_HDRLEN, 8,
	    WESP_BAD_HDRLEN },
	{ "HdrLen 0", V4, false, false, false, 0, 12, M_HDRLEN, 0,
	    WESP_BAD_HDRLEN },
	{ "HdrLen 14", V4, false, false, false, 0, 12, M_HDRLEN, 14,
	    WESP_BAD_HDRLEN },
	{ "v6 HdrLen 20", V6, false, true, false, 0, 16, M_HDRLEN, 20,
	    WESP_BAD_HDRLEN },
	{ "v6 padded HdrLen 8", V6, false, true, false, 0, 16, M_HDRLEN, 8,
	    WESP_BAD_HDRLEN },
	{ "HdrLen past the end", V4, false, false, false, 0, 12, M_HDRLEN,
	    252, WESP_BAD_LENGTH },
	{ "TrailerLen past the end", V4, false, false, false, 0, 12,
	    M_TRAILERLEN, 200, WESP_BAD_LENGTH },
	{ "TrailerLen wrong", V4, false, false, false, 0, 12, M_TRAILERLEN,
	    14, WESP_BAD_NEXT_HDR },
	{ "TrailerLen wrong, pad", V4, false, false, false, 0, 12,
	    M_TRAILERLEN, 16, WESP_BAD_PAD_LEN },
	{ "next header mismatch", V4, false, false, false, 0, 12, M_NH, 0,
	    WESP_BAD_NEXT_HDR },
	{ "ESP pad length too large", V4, false, false, false, 0, 12,
	    M_ESP_PADLEN, 0, WESP_BAD_PAD_LEN },
	{ "trailing garbage inside", V4, false, false, false, 0, 0,
	    M_WIRE_PLUS, 4, WESP_BAD_PAD_LEN },
	{ "length field too large", V4, false, false, false, 0, 12,
	    M_WIRE_PLUS, 1000, WESP_OK, false },
	{ "empty", V4, false, false, false, 0, 12, M_CAPTURED, 0,
	    WESP_BAD_LENGTH },
	{ "short by one header", V4, false, false, false, 0, 12, M_CAPTURED,
	    3, WESP_BAD_LENGTH },
	{ "ESP header cut", V4, false, false, false, 0, 12, M_CAPTURED, 11,
	    WESP_BAD_LENGTH },
};

struct built {
	uint8_t		 b[512];
	uint32_t	 caplen;
	uint32_t	 wire_len;
};

/* A WESP packet around a UDP payload (NH 17) or ciphertext (E=1). */
static void
build_wesp(const struct wesp_row *r, struct built *out)
{
	uint8_t		 inner[64], *p = out->b;
	uint64_t	 rng = 42;
	size_t		 off, n;

	memset(out, 0, sizeof(*out));
	n = tb_udp(inner, r->ipver, r->ipver == 6 ? tb_v6_src : tb_v4_src,
	    r->ipver == 6 ? tb_v6_dst : tb_v4_dst, 1000, 2000,
	    (const uint8_t *)"wesp payload", 12, false);
	off = r->padded ? 8 : 4;
	p[0] = r->encrypted ? 0 : 17;
	p[1] = r->encrypted ? 0 : (uint8_t)(off + 8 + r->iv_len);
	p[2] = r->encrypted ? 0 : r->icv_len;
	p[3] = (uint8_t)((r->encrypted ? 0x20 : 0) | (r->padded ? 0x10 : 0));
	if (r->encrypted) {
		tb_put32(p + off, 0x5000);
		tb_put32(p + off + 4, 1);
		tb_fill_random(&rng, p + off + 8, 48);
		n = off + 56;
	} else {
		n = off + tb_esp(p + off, &rng, 0x5000, 1, r->iv_len, inner,
		    n, 17, r->icv_len, 0);
	}
	out->caplen = out->wire_len = (uint32_t)n;
}

static void
mutate(const struct wesp_row *r, struct built *w)
{
	uint32_t	 esp_off = r->padded ? 8 : 4;

	switch (r->mut) {
	case M_NONE:
		break;
	case M_VERSION1:
		w->b[3] |= 0x40;
		break;
	case M_VERSION2:
		w->b[3] |= 0x80;
		break;
	case M_RESERVED:
		w->b[3] |= 0x0f;
		break;
	case M_P_WITHOUT_PAD:
		w->b[3] |= 0x10;
		break;
	case M_NH:
		w->b[0] = 6;
		break;
	case M_HDRLEN:
		w->b[1] = (uint8_t)r->arg;
		break;
	case M_TRAILERLEN:
		w->b[2] = (uint8_t)r->arg;
		break;
	case M_ESP_PADLEN:
		w->b[w->wire_len - r->icv_len - 2] = 255;
		break;
	case M_CAPTURED:
		w->caplen = r->arg < 0 ? w->caplen - 1 : (uint32_t)r->arg;
		if (r->arg >= 0)
			w->wire_len = w->caplen;
		break;
	case M_WIRE_PLUS:
		memset(w->b + w->wire_len, 0xff, (size_t)r->arg < 64 ?
		    (size_t)r->arg : 0);
		w->wire_len += (uint32_t)r->arg;
		if (r->arg < 64)
			w->caplen = w->wire_len;
		break;
	case M_CAP_PLUS:
		w->caplen += (uint32_t)r->arg;
		break;
	}
	(void)esp_off;
}

START_TEST(wesp_table)
{
	const struct wesp_row	*r = &rows[_i];
	struct built		 w;
	struct wesp_hdr		 h;
	struct cursor		 c;
	enum wesp_result	 got;

	build_wesp(r, &w);
	mutate(r, &w);
	cur_init(&c, w.b, w.caplen);
	got = wesp_parse(&c, w.wire_len, (uint8_t)r->ipver, r->udp, &h);
	ck_assert_msg(got == r->want, "%s: got %d want %d", r->name, got,
	    r->want);
	if (got != WESP_OK)
		return;
	ck_assert_uint_eq(h.esp.spi, 0x5000);
	ck_assert_uint_eq(h.esp.seq, 1);
	ck_assert_int_eq(h.encrypted, r->encrypted);
	ck_assert_int_eq(h.trailer_visible, r->visible);
	if (r->encrypted)
		return;
	ck_assert_uint_eq(h.iv_len, r->iv_len);
	ck_assert_uint_eq(h.trailer_len, r->icv_len);
	if (!r->visible)
		return;
	ck_assert_uint_eq(h.layout.payload_off, h.hdr_len);
	ck_assert_uint_eq(h.layout.payload_len, 20);	/* the UDP packet */
	ck_assert_uint_eq(h.layout.next_hdr, 17);
}
END_TEST

/* "captured but truncated" is not "invalid". */
START_TEST(wesp_short_capture)
{
	struct built	 w;
	struct wesp_hdr	 h;
	struct cursor	 c;

	build_wesp(&rows[0], &w);
	cur_init(&c, w.b, 3);
	ck_assert_int_eq(wesp_parse(&c, w.wire_len, 4, false, &h), WESP_SHORT);
	cur_init(&c, w.b, 11);
	ck_assert_int_eq(wesp_parse(&c, w.wire_len, 4, false, &h), WESP_SHORT);
}
END_TEST

/* --- detect/ on WESP ------------------------------------------------ */

static struct detect	*d;
static struct stats	 st;
static struct tb_reports reps;

static void
setup(void)
{
	memset(&st, 0, sizeof(st));
	memset(&reps, 0, sizeof(reps));
	d = detect_new(NULL, tb_collect, &reps);
	ck_assert_ptr_nonnull(d);
}

static void
teardown(void)
{
	detect_free(d);
	d = NULL;
}

static void
wesp_packet(struct packet *p, const struct built *w, int ipver)
{
	tb_packet(p, ipver, w->b, w->caplen);
	p->esp_wire_len = w->wire_len;
	p->ipsec_proto = IPPROTO_WESP_NUM;
	p->ts_sec = 1000;
}

START_TEST(detect_wesp_null)
{
	struct built	 w;
	struct packet	 p;
	const struct sa_report *r;

	build_wesp(&rows[1], &w);		/* v4, GMAC layout */
	wesp_packet(&p, &w, 4);
	detect_packet(d, &p, &st);
	ck_assert_int_eq(p.skip, SKIP_NONE);
	ck_assert_int_eq(p.verdict, VERDICT_NULL);
	ck_assert_uint_eq(p.spi, 0x5000);
	ck_assert_ptr_eq(p.inner, w.b + 4 + 8 + 8);
	ck_assert_uint_eq(p.inner_len, 20);
	ck_assert_uint_eq(p.next_hdr, 17);
	ck_assert(!p.inner_tunnel);
	ck_assert_uint_eq(st.inner_found, 1);
	ck_assert_uint_eq(st.sa_created, 1);
	r = tb_find(&reps, 0x5000, SA_EVENT_DECIDED);
	ck_assert_ptr_nonnull(r);
	ck_assert(r->wesp);
	ck_assert_int_eq(r->method, METHOD_WESP);
	ck_assert_int_eq(r->verdict, VERDICT_NULL);
	ck_assert_uint_eq(r->iv_len, 8);
	ck_assert_uint_eq(r->icv_len, 16);
	ck_assert_uint_eq(r->decided_after, 1);
	ck_assert_uint_eq(r->n_rejected, 0);
	detect_finish(d, &st);
	r = tb_find(&reps, 0x5000, SA_EVENT_END);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->end_reason, "end_of_input");
	ck_assert_uint_eq(r->inner_pkts, 1);
	ck_assert_uint_eq(st.sa_null, 1);
}
END_TEST

START_TEST(detect_wesp_encrypted)
{
	struct built	 w;
	struct packet	 p;

	build_wesp(&rows[8], &w);
	wesp_packet(&p, &w, 4);
	detect_packet(d, &p, &st);
	ck_assert_int_eq(p.verdict, VERDICT_ENCRYPTED);
	ck_assert_ptr_null(p.inner);
	ck_assert_uint_eq(reps.decided[VERDICT_ENCRYPTED], 1);
	ck_assert_uint_eq(st.held, 0);
}
END_TEST

/* Every invalid row: skipped, counted once, no SA, no report. */
START_TEST(detect_wesp_invalid)
{
	const struct wesp_row *r = &rows[_i];
	struct built	 w;
	struct packet	 p;

	if (r->want == WESP_OK)
		return;
	build_wesp(r, &w);
	mutate(r, &w);
	wesp_packet(&p, &w, r->ipver);
	p.encap = r->udp ? ENCAP_UDP : ENCAP_NONE;
	detect_packet(d, &p, &st);
	ck_assert_int_eq(p.skip, SKIP_WESP_INVALID);
	ck_assert_uint_eq(st.skipped[SKIP_WESP_INVALID], 1);
	ck_assert_uint_eq(st.sa_created, 0);
	ck_assert_uint_eq(reps.n, 0);
	ck_assert_ptr_null(p.inner);
}
END_TEST

/* RFC 5840: HdrLen and TrailerLen come from the SA; a change is bad. */
START_TEST(detect_wesp_change)
{
	static const struct wesp_row other = { "icv16", V4, false, false,
	    false, 0, 16, M_NONE, 0, WESP_OK, true };
	static const struct wesp_row enc = { "enc", V4, false, false,
	    true, 0, 0, M_NONE, 0, WESP_OK, false };
	struct built	 a, b, e;
	struct packet	 p;
	const struct sa_report *r;

	build_wesp(&rows[0], &a);
	build_wesp(&other, &b);
	build_wesp(&enc, &e);
	wesp_packet(&p, &a, 4);
	detect_packet(d, &p, &st);
	ck_assert_int_eq(p.skip, SKIP_NONE);
	wesp_packet(&p, &b, 4);
	detect_packet(d, &p, &st);
	ck_assert_int_eq(p.skip, SKIP_WESP_INVALID);
	wesp_packet(&p, &e, 4);
	detect_packet(d, &p, &st);
	ck_assert_int_eq(p.skip, SKIP_WESP_INVALID);
	ck_assert_uint_eq(st.skipped[SKIP_WESP_INVALID], 2);
	wesp_packet(&p, &a, 4);
	detect_packet(d, &p, &st);
	ck_assert_int_eq(p.skip, SKIP_NONE);
	ck_assert_int_eq(p.verdict, VERDICT_NULL);
	detect_finish(d, &st);
	r = tb_find(&reps, 0x5000, SA_EVENT_END);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->pkts, 2);		/* the invalid ones: none */
	ck_assert_uint_eq(r->seq_replays, 1);	/* same packet twice */
}
END_TEST

START_TEST(detect_wesp_cut_trailer)
{
	struct built	 w;
	struct packet	 p;

	build_wesp(&rows[0], &w);
	wesp_packet(&p, &w, 4);
	p.esp_len = w.caplen - 5;
	detect_packet(d, &p, &st);
	ck_assert_int_eq(p.skip, SKIP_NONE);
	ck_assert_int_eq(p.verdict, VERDICT_NULL);
	ck_assert_ptr_null(p.inner);
	ck_assert_uint_eq(st.inner_found, 0);
	p.esp_len = 9;				/* ESP header cut */
	detect_packet(d, &p, &st);
	ck_assert_int_eq(p.skip, SKIP_TRUNCATED);
	ck_assert_uint_eq(st.skipped[SKIP_TRUNCATED], 1);
}
END_TEST

/* WESP tunnel mode: inner IPv4 packet, inner_tunnel set. */
START_TEST(detect_wesp_tunnel)
{
	uint8_t		 l4[64], ip[128], b[256];
	uint64_t	 rng = 3;
	struct packet	 p;
	size_t		 n;

	n = tb_icmp_echo(l4, 7, 1, (const uint8_t *)"ping", 4);
	n = tb_ipv4(ip, tb_v4_src, tb_v4_dst, 1, l4, n);
	b[0] = 4;
	b[1] = 12;
	b[2] = 12;
	b[3] = 0;
	n = 4 + tb_esp(b + 4, &rng, 0x6000, 9, 0, ip, n, 4, 12, 0);
	tb_packet(&p, 4, b, n);
	p.ipsec_proto = IPPROTO_WESP_NUM;
	detect_packet(d, &p, &st);
	ck_assert_int_eq(p.verdict, VERDICT_NULL);
	ck_assert_ptr_eq(p.inner, b + 12);
	ck_assert_uint_eq(p.inner_len, 32);
	ck_assert(p.inner_tunnel);
	ck_assert_uint_eq(p.next_hdr, 4);
	ck_assert_uint_eq(p.seq, 9);
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("wesp");
	TCase	*tc = tcase_create("parse");
	TCase	*td = tcase_create("detect");
	int	 nrows = (int)(sizeof(rows) / sizeof(rows[0]));

	tcase_add_loop_test(tc, wesp_table, 0, nrows);
	tcase_add_test(tc, wesp_short_capture);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(td, setup, teardown);
	tcase_add_test(td, detect_wesp_null);
	tcase_add_test(td, detect_wesp_encrypted);
	tcase_add_loop_test(td, detect_wesp_invalid, 0, nrows);
	tcase_add_test(td, detect_wesp_change);
	tcase_add_test(td, detect_wesp_cut_trailer);
	tcase_add_test(td, detect_wesp_tunnel);
	suite_add_tcase(s, td);
	return (s);
}

UNIT_MAIN
