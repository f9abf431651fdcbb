/*
 * test_esp.c - ESP header and trailer layout (src/detect/esp.c) over
 * real bytes from arkime/wireshark-esp.pcap and built packets,
 * including the negative cases and a mutation sweep.
 */
#include <stdlib.h>

#include "unit.h"
#include "esp_build.h"
#include "detect/esp.h"

/* Frame 31: SPI 0x71 seq 3, ESP-NULL HMAC-96 (ICV 12), transport ICMP. */
static const uint8_t ws31[] = {
	0x00, 0x00, 0x00, 0x71, 0x00, 0x00, 0x00, 0x03, 0x08, 0x00, 0x14, 0x59,
	0x03, 0x64, 0x00, 0x01, 0x96, 0xa8, 0xf9, 0x43, 0x5b, 0x52, 0x0a, 0x00,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13,
	0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b,
	0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
	0x01, 0x02, 0x02, 0x01, 0x1b, 0x39, 0xed, 0x59, 0xd8, 0x9d, 0x32, 0x1d,
	0x6a, 0x8d, 0xa1, 0xa1,
	/* 4 bytes of trailing garbage, outside wire_len unless a row says */
	0xff, 0xff, 0xff, 0xff,
};

/* Frame 111: SPI 0x7b seq 3, NULL+NULL (ICV 0), transport ICMP. */
static const uint8_t ws111[] = {
	0x00, 0x00, 0x00, 0x7b, 0x00, 0x00, 0x00, 0x03, 0x08, 0x00, 0xe0, 0xf7,
	0x0f, 0x65, 0x00, 0x01, 0xda, 0xa9, 0xf9, 0x43, 0x3b, 0xb1, 0x0d, 0x00,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13,
	0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b,
	0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
	0x01, 0x02, 0x02, 0x01,
};

/* Hand-made: 2 bytes of payload, pad 0, NH 59, ICV 0: 12 bytes. */
static const uint8_t tiny[] = {
	0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x01, 0xaa, 0xbb, 0x00, 0x3b,
};

/* Header, then Pad Length 0 and NH 59: no payload at all. */
static const uint8_t hdr_trailer[] = {
	0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x3b,
};

/* Pad Length 3 but padding 1, 2, 4. */
static const uint8_t badpad[] = {
	0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x01, 0xaa, 0x01, 0x02, 0x04,
	0x03, 0x3b,
	0x00, 0x00,
};

/* Pad Length 255: longer than the 4 payload bytes. */
static const uint8_t longpad[] = {
	0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x01, 0xaa, 0xbb, 0xcc, 0xdd,
	0xff, 0x3b, 0x00, 0x00,
};

#define ALL	(ESP_CHECK_ALIGN | ESP_CHECK_PADDING)

static const struct layout_row {
	const char		*name;
	const uint8_t		*bytes;
	uint32_t		 caplen;
	uint32_t		 wire_len;
	uint8_t			 iv_len;
	uint8_t			 icv_len;
	unsigned		 checks;
	enum esp_layout_result	 want;
	uint32_t		 payload_len;	/* when ESP_LAYOUT_OK */
	uint8_t			 pad_len;
	uint8_t			 next_hdr;
} rows[] = {
	{ "ws31 icv12", ws31, 88, 88, 0, 12, ALL, ESP_LAYOUT_OK, 64, 2, 1 },
	{ "ws31 icv0", ws31, 88, 88, 0, 0, ALL, ESP_LAYOUT_BAD_PAD_LEN },
	{ "ws31 icv8", ws31, 88, 88, 0, 8, ALL, ESP_LAYOUT_BAD_PAD_LEN },
	{ "ws31 icv16", ws31, 88, 88, 0, 16, ALL, ESP_LAYOUT_BAD_PADDING },
	{ "ws31 gmac", ws31, 88, 88, 8, 16, ALL, ESP_LAYOUT_BAD_PADDING },
	{ "ws31 icv32", ws31, 88, 88, 0, 32, ALL, ESP_LAYOUT_BAD_PADDING },
	{ "ws31 short by one", ws31, 87, 88, 0, 12, ALL,
	    ESP_LAYOUT_NO_TRAILER },
	{ "ws31 length field too large", ws31, 88, 89, 0, 12, ALL,
	    ESP_LAYOUT_NO_TRAILER },
	{ "ws31 length field +4", ws31, 88, 92, 0, 12, ALL,
	    ESP_LAYOUT_NO_TRAILER },
	{ "ws31 trailing garbage ignored", ws31, 92, 88, 0, 12, ALL,
	    ESP_LAYOUT_OK, 64, 2, 1 },
	{ "ws31 garbage inside length", ws31, 92, 92, 0, 12, ALL,
	    ESP_LAYOUT_BAD_PAD_LEN },
	{ "ws111 icv0", ws111, 76, 76, 0, 0, ALL, ESP_LAYOUT_OK, 64, 2, 1 },
	{ "ws111 icv12", ws111, 76, 76, 0, 12, ALL, ESP_LAYOUT_BAD_PADDING },
	{ "empty", ws31, 0, 0, 0, 0, ALL, ESP_LAYOUT_TOO_SHORT },
	{ "header only", ws31, 8, 8, 0, 0, ALL, ESP_LAYOUT_TOO_SHORT },
	{ "header + trailer", hdr_trailer, 10, 10, 0, 0, 0, ESP_LAYOUT_OK,
	    0, 0, 59 },
	{ "header + trailer misaligned", hdr_trailer, 10, 10, 0, 0, ALL,
	    ESP_LAYOUT_MISALIGNED },
	{ "pad length over header", tiny, 10, 10, 0, 0, 0,
	    ESP_LAYOUT_BAD_PAD_LEN },
	{ "tiny icv0", tiny, 12, 12, 0, 0, ALL, ESP_LAYOUT_OK, 2, 0, 59 },
	{ "tiny icv too long", tiny, 12, 12, 0, 8, ALL,
	    ESP_LAYOUT_TOO_SHORT },
	{ "padding 1 2 4", badpad, 16, 16, 0, 2, ALL, ESP_LAYOUT_MISALIGNED },
	{ "padding 1 2 4 no align", badpad, 16, 16, 0, 2, ESP_CHECK_PADDING,
	    ESP_LAYOUT_BAD_PADDING },
	{ "padding unchecked", badpad, 16, 16, 0, 2, 0, ESP_LAYOUT_OK, 1, 3,
	    0x3b },
	{ "pad length 255", longpad, 16, 16, 0, 2, ESP_CHECK_PADDING,
	    ESP_LAYOUT_BAD_PAD_LEN },
	{ "pad length 255 misaligned", longpad, 16, 16, 0, 2, ALL,
	    ESP_LAYOUT_MISALIGNED },
};

START_TEST(layout_table)
{
	const struct layout_row	*r = &rows[_i];
	struct cursor		 c;
	struct esp_layout	 lay = { 0 };
	enum esp_layout_result	 got;

	cur_init(&c, r->bytes, r->caplen);
	got = esp_layout(&c, r->wire_len, r->iv_len, r->icv_len, r->checks,
	    &lay);
	ck_assert_msg(got == r->want, "%s: got %d want %d", r->name, got,
	    r->want);
	if (r->want != ESP_LAYOUT_OK)
		return;
	ck_assert_uint_eq(lay.payload_off, 8u + r->iv_len);
	ck_assert_uint_eq(lay.payload_len, r->payload_len);
	ck_assert_uint_eq(lay.pad_len, r->pad_len);
	ck_assert_uint_eq(lay.next_hdr, r->next_hdr);
	ck_assert_uint_eq(cur_pos(&c), 0);	/* window not moved */
}
END_TEST

START_TEST(header_lengths)
{
	struct cursor	 c;
	struct esp_hdr	 h;
	size_t		 n;

	for (n = 0; n < 8; n++) {
		cur_init(&c, ws31, n);
		ck_assert(!esp_read_header(&c, &h));
	}
	cur_init(&c, ws31, 8);
	ck_assert(esp_read_header(&c, &h));
	ck_assert_uint_eq(h.spi, 0x71);
	ck_assert_uint_eq(h.seq, 3);
}
END_TEST

/* Every candidate layout round-trips through the builder. */
START_TEST(built_candidates)
{
	static const uint8_t ivs[] = { 0, 0, 0, 0, 0, 0, 8 };
	static const uint8_t icvs[] = { 0, 8, 12, 16, 24, 32, 16 };
	uint8_t		 inner[37], esp[256];
	uint64_t	 rng = 7;
	struct cursor	 c;
	struct esp_layout lay;
	size_t		 i, n;
	unsigned	 extra;

	tb_fill_random(&rng, inner, sizeof(inner));
	for (i = 0; i < sizeof(ivs); i++) {
		for (extra = 0; extra <= 8; extra += 4) {
			n = tb_esp(esp, &rng, 0x1000, 1, ivs[i], inner,
			    sizeof(inner), 17, icvs[i], extra);
			cur_init(&c, esp, n);
			ck_assert_int_eq(esp_layout(&c, (uint32_t)n, ivs[i],
			    icvs[i], ALL, &lay), ESP_LAYOUT_OK);
			ck_assert_uint_eq(lay.payload_len, sizeof(inner));
			ck_assert_uint_eq(lay.payload_off, 8u + ivs[i]);
			ck_assert_uint_eq(lay.next_hdr, 17);
			ck_assert_uint_eq((n - 8 - icvs[i]) % 4, 0);
		}
	}
}
END_TEST

/*
 * Deterministic mutation sweep (style-anchors lesson 12): every
 * truncation and every single-bit flip of a real packet, under every
 * candidate; only "no crash, and a consistent answer".
 */
START_TEST(mutation_sweep)
{
	static const uint8_t icvs[] = { 0, 8, 12, 16, 24, 32 };
	uint8_t		 m[88];
	struct cursor	 c;
	struct esp_layout lay;
	size_t		 len, bit, k;

	for (len = 0; len <= sizeof(m); len++) {
		for (bit = 0; bit <= len * 8; bit++) {
			memcpy(m, ws31, sizeof(m));
			if (bit < len * 8)
				m[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			for (k = 0; k < sizeof(icvs); k++) {
				cur_init(&c, m, len);
				if (esp_layout(&c, (uint32_t)len, 0, icvs[k],
				    ALL, &lay) != ESP_LAYOUT_OK)
					continue;
				ck_assert_uint_eq(lay.payload_off +
				    lay.payload_len + lay.pad_len + 2u +
				    icvs[k], len);
			}
		}
	}
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("esp");
	TCase	*tc = tcase_create("layout");

	tcase_add_loop_test(tc, layout_table, 0,
	    (int)(sizeof(rows) / sizeof(rows[0])));
	tcase_add_test(tc, header_lengths);
	tcase_add_test(tc, built_candidates);
	tcase_add_test(tc, mutation_sweep);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
