/*
 * test_esp_wesp.c - the endpoint's WESP (RFC 5840): the header bytes an
 * SA sends for each suite and framing (section 2: E, HdrLen, TrailerLen,
 * P; 2.1: the UDP Protocol Identifier 2), the round trip, every header
 * field the receiver must hold against the SA, and the UDP 4500
 * demultiplexing (RFC 3948 2.2).
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "esp/esp_sa.h"

static void
make_pair(uint16_t encr, uint16_t integ, bool udp, bool v6, struct esp_sa *a,
    struct esp_sa *b)
{
	struct ike_child_keys k;
	struct esp_sa_config cfg;
	char		 err[128];

	memset(&k, 0x5a, sizeof(k));
	k.encr_len = encr == IKE_ENCR_NULL ? 0 : 20;
	k.integ_len = integ == 0 ? 0 : 32;
	memset(&cfg, 0, sizeof(cfg));
	cfg.suite.encr = encr;
	cfg.suite.encr_keybits = encr == IKE_ENCR_NULL ? 0 : 128;
	cfg.suite.integ = integ;
	cfg.keys = &k;
	cfg.udp = udp;
	cfg.wesp = true;
	cfg.outer_v6 = v6;
	cfg.initiator = true;
	cfg.spi_in = 0x2222;
	cfg.spi_out = 0x1111;
	ck_assert_msg(esp_sa_init(a, &cfg, err, sizeof(err)) == 0, "%s", err);
	cfg.initiator = false;
	cfg.spi_in = 0x1111;
	cfg.spi_out = 0x2222;
	ck_assert_msg(esp_sa_init(b, &cfg, err, sizeof(err)) == 0, "%s", err);
}

static const struct wesp_row {
	const char	*name;
	uint16_t	 encr, integ;
	bool		 udp, v6;
	uint8_t		 hdr[8];	/* expected wire start (marker, WESP) */
	uint8_t		 hdr_len;
} rows[] = {
	/* E=0: NH 4, HdrLen 4 + 8, TrailerLen = ICV 16 */
	{ "null ip4", 11, 12, false, false, { 4, 12, 16, 0x00 }, 4 },
	{ "null udp4", 11, 12, true, false, { 0, 0, 0, 2, 4, 12, 16, 0x00 },
	    8 },
	/* IPv6: P, padding word, HdrLen 16 (a multiple of 8) */
	{ "null ip6", 11, 12, false, true, { 4, 16, 16, 0x10, 0, 0, 0, 0 },
	    8 },
	{ "null udp6", 11, 12, true, true, { 0, 0, 0, 2, 4, 16, 16, 0x10 },
	    8 },
	/* GMAC: integrity only, IV 8 in HdrLen */
	{ "gmac ip4", 21, 0, false, false, { 4, 20, 16, 0x00 }, 4 },
	{ "gmac ip6", 21, 0, false, true, { 4, 24, 16, 0x10, 0, 0, 0, 0 }, 8 },
	/* E=1: NH, HdrLen, TrailerLen zero */
	{ "gcm ip4", 20, 0, false, false, { 0, 0, 0, 0x20 }, 4 },
	{ "gcm udp4", 20, 0, true, false, { 0, 0, 0, 2, 0, 0, 0, 0x20 }, 8 },
};
#define NROWS	(sizeof(rows) / sizeof(rows[0]))

START_TEST(test_wesp_header_and_round_trip)
{
	const struct wesp_row *r = &rows[_i];
	struct esp_sa	 a, b;
	uint8_t		 in[77], wire[512], out[512];
	size_t		 len, olen, i, pre;

	make_pair(r->encr, r->integ, r->udp, r->v6, &a, &b);
	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	in[0] = 0x45;
	ck_assert_int_eq(esp_sa_encap(&a, in, sizeof(in), wire, sizeof(wire),
	    &len), ESP_OK);
	ck_assert_mem_eq(wire, r->hdr, r->hdr_len);
	pre = (r->udp ? 4 : 0) + (r->v6 ? 8 : 4);
	ck_assert_uint_eq(esp_peek_spi(wire, len, r->udp, !r->udp), 0x1111);
	ck_assert_uint_eq(wire[pre + 3], 0x11);	/* the ESP SPI follows */
	if (r->hdr[r->udp ? 5 : 1] != 0)	/* HdrLen: payload offset */
		ck_assert_mem_eq(wire + (r->udp ? 4 : 0) +
		    r->hdr[r->udp ? 5 : 1], in, sizeof(in));
	ck_assert_int_eq(esp_sa_decap(&b, wire, len, out, sizeof(out), &olen),
	    ESP_OK);
	ck_assert_mem_eq(out, in, sizeof(in));
	/* Rsvd bits MUST be ignored by the receiver (2). */
	ck_assert_int_eq(esp_sa_encap(&a, in, sizeof(in), wire, sizeof(wire),
	    &len), ESP_OK);
	wire[(r->udp ? 4 : 0) + 3] |= 0x0f;
	ck_assert_int_eq(esp_sa_decap(&b, wire, len, out, sizeof(out), &olen),
	    ESP_OK);
	esp_sa_wipe(&a);
	esp_sa_wipe(&b);
}
END_TEST

/* Each header field the receiver checks, changed on a valid packet. */
START_TEST(test_wesp_mismatch)
{
	static const struct { int field; uint8_t xor; } bad[] = {
		{ 0, 0x01 },	/* NH 5 != ESP trailer 4 */
		{ 0, 0x2d },	/* NH 41 */
		{ 1, 0x04 },	/* HdrLen */
		{ 1, 0x08 },
		{ 2, 0x04 },	/* TrailerLen */
		{ 3, 0x20 },	/* E set on integrity-only */
		{ 3, 0x10 },	/* P with IPv4 */
		{ 3, 0x40 },	/* version 1 */
		{ 3, 0x80 },	/* version 2 */
	};
	struct esp_sa	 a, b;
	uint8_t		 in[64], wire[512], out[512];
	size_t		 len, olen, i;

	memset(in, 0, sizeof(in));
	in[0] = 0x45;
	make_pair(IKE_ENCR_NULL, IKE_INTEG_HMAC_SHA2_256_128, false, false, &a,
	    &b);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(esp_sa_encap(&a, in, sizeof(in), wire,
		    sizeof(wire), &len), ESP_OK);
		wire[bad[i].field] ^= bad[i].xor;
		ck_assert_msg(esp_sa_decap(&b, wire, len, out, sizeof(out),
		    &olen) == ESP_ERR_WESP, "row %zu", i);
	}
	ck_assert_uint_eq(b.stats.in_packets, 0);
	esp_sa_wipe(&a);
	esp_sa_wipe(&b);

	/* Encrypted SA: E=0 or any non-zero field is refused; so is the
	 * UDP identifier changed to an SPI-like value. */
	make_pair(IKE_ENCR_AES_GCM_16, 0, true, false, &a, &b);
	for (i = 4; i < 8; i++) {
		ck_assert_int_eq(esp_sa_encap(&a, in, sizeof(in), wire,
		    sizeof(wire), &len), ESP_OK);
		wire[i] ^= i == 7 ? 0x20 : 0x04;
		ck_assert_int_eq(esp_sa_decap(&b, wire, len, out, sizeof(out),
		    &olen), ESP_ERR_WESP);
	}
	ck_assert_int_eq(esp_sa_encap(&a, in, sizeof(in), wire, sizeof(wire),
	    &len), ESP_OK);
	wire[3] = 3;
	ck_assert_int_eq(esp_sa_decap(&b, wire, len, out, sizeof(out), &olen),
	    ESP_ERR_WESP);
	/* A plain ESP packet on a WESP SA is refused too. */
	ck_assert_int_eq(esp_sa_decap(&b, wire + 8, len - 8, out, sizeof(out),
	    &olen), ESP_ERR_WESP);
	esp_sa_wipe(&a);
	esp_sa_wipe(&b);
}
END_TEST

START_TEST(test_udp_classify)
{
	static const uint8_t ka[] = { 0xff }, ike[] = { 0, 0, 0, 0, 1 },
	    wesp[] = { 0, 0, 0, 2, 4 }, esp[] = { 0, 0, 1, 0 },
	    rsvd[] = { 0, 0, 0, 255 }, shrt[] = { 1, 2, 3 };

	ck_assert_int_eq(esp_udp_classify(ka, 1), ESP_UDP_KEEPALIVE);
	ck_assert_int_eq(esp_udp_classify(ike, 5), ESP_UDP_IKE);
	ck_assert_int_eq(esp_udp_classify(wesp, 5), ESP_UDP_WESP);
	ck_assert_int_eq(esp_udp_classify(esp, 4), ESP_UDP_ESP);
	ck_assert_int_eq(esp_udp_classify(rsvd, 4), ESP_UDP_INVALID);
	ck_assert_int_eq(esp_udp_classify(shrt, 3), ESP_UDP_INVALID);
	ck_assert_uint_eq(esp_peek_spi(esp, 4, true, false), 0x100);
	ck_assert_uint_eq(esp_peek_spi(ike, 5, true, false), 0);
	ck_assert_uint_eq(esp_peek_spi(wesp, 5, true, false), 0);  /* short */
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("esp_wesp");
	TCase	*tc = tcase_create("wesp");

	tcase_add_loop_test(tc, test_wesp_header_and_round_trip, 0,
	    (int)NROWS);
	tcase_add_test(tc, test_wesp_mismatch);
	tcase_add_test(tc, test_udp_classify);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
