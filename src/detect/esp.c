/*
 * esp.c - ESP header and trailer layout, RFC 4303 section 2.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |               Security Parameters Index (SPI)                 |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      Sequence Number                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    IV (optional, SA-specific length)          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Payload Data (variable)                    |
 * ~               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |               |     Padding (0-255 bytes)                     |
 * +-+-+-+-+-+-+-+-+               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               |  Pad Length   | Next Header   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Integrity Check Value-ICV   (variable)                |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The trailer is found by counting back from the end of the packet
 * (section 2.7: "ESP trailer fields are located by counting back"), so
 * the end must be captured: a snaplen-cut packet has no visible trailer
 * and yields ESP_LAYOUT_NO_TRAILER, never a guess.
 *
 * Checks, each an RFC 4303 rule an ESP-NULL sender must follow:
 * - section 2.4: Pad Length and Next Header are right aligned in a
 *   4-byte word so the ICV is 4-byte aligned.  The padding computation
 *   for that alignment covers the Payload Data inclusive of the IV, so
 *   (wire_len - 8 - icv_len) % 4 == 0 for every IV length we try.
 * - section 2.4: NULL encryption specifies no padding contents, so the
 *   default padding 1, 2, 3, ... n MUST be used (RFC 5879 section 8.2
 *   counts on it: a random pad of length n matches with 1/256^n).
 * - section 2.5: the padding lies inside the packet after the IV.
 */
#include "esp.h"

bool
esp_read_header(struct cursor *c, struct esp_hdr *h)
{
	struct cursor w;

	if (cur_left(c) < ESP_HDR_LEN) {	/* cut short: what is there */
		h->spi = cur_be32(c);
		h->seq = cur_be32(c);
		return (cur_ok(c));
	}
	/* A window of the header's length: one bound check, not two. */
	cur_window(c, ESP_HDR_LEN, &w);
	h->spi = cur_be32(&w);
	h->seq = cur_be32(&w);
	return (true);
}

/* Section 2.4 default padding: the k-th pad byte (1-based) holds k. */
static bool
padding_is_default(struct cursor *pad, uint8_t pad_len)
{
	unsigned	 k;

	for (k = 1; k <= pad_len; k++)
		if (cur_u8(pad) != k)
			return (false);
	return (cur_ok(pad));
}

enum esp_layout_result
esp_layout(const struct cursor *esp, uint32_t wire_len, uint8_t iv_len,
    uint8_t icv_len, unsigned checks, struct esp_layout *out)
{
	struct cursor	 from = *esp, c, pad;
	uint32_t	 fixed, trailer_off, payload_off;
	uint8_t		 pad_len, next_hdr;

	/* Rebase: offsets below count from the window's current position. */
	cur_sub(&from, cur_left(&from), &c);
	fixed = ESP_HDR_LEN + (uint32_t)iv_len + ESP_TRAILER_LEN + icv_len;
	if (wire_len < fixed)
		return (ESP_LAYOUT_TOO_SHORT);
	if (cur_left(&c) < wire_len)
		return (ESP_LAYOUT_NO_TRAILER);
	if ((checks & ESP_CHECK_ALIGN) &&
	    (wire_len - ESP_HDR_LEN - icv_len) % 4 != 0)
		return (ESP_LAYOUT_MISALIGNED);

	trailer_off = wire_len - icv_len - ESP_TRAILER_LEN;
	pad_len = cur_peek_u8(&c, trailer_off);
	next_hdr = cur_peek_u8(&c, trailer_off + 1);
	payload_off = ESP_HDR_LEN + iv_len;
	if (!cur_ok(&c))
		return (ESP_LAYOUT_NO_TRAILER);
	if (pad_len > trailer_off - payload_off)
		return (ESP_LAYOUT_BAD_PAD_LEN);

	if (checks & ESP_CHECK_PADDING) {
		cur_skip(&c, trailer_off - pad_len);
		if (!cur_sub(&c, pad_len, &pad) ||
		    !padding_is_default(&pad, pad_len))
			return (ESP_LAYOUT_BAD_PADDING);
	}

	out->payload_off = payload_off;
	out->payload_len = trailer_off - pad_len - payload_off;
	out->pad_len = pad_len;
	out->next_hdr = next_hdr;
	return (ESP_LAYOUT_OK);
}
