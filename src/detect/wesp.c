/*
 * wesp.c - Wrapped ESP header validation, RFC 5840 section 2.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Next Header  |   HdrLen      |  TrailerLen   |     Flags     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Padding (optional)                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      Existing ESP Encapsulation               |
 * ~                                                               ~
 *
 * Flags: |V V|E|P| Rsvd  |
 *
 * WESP exists so that an intermediary need not guess: the header
 * states the layout, and the receiver MUST drop a packet whose header
 * disagrees with it.  So every disagreement here is a rejection, never
 * a fallback to the heuristics.  What the RFC lets us check:
 * - V MUST be 0 (the only version defined).
 * - P: the padding word MUST be present for IPv6 (8-byte alignment)
 *   and MUST NOT be used with IPv4.  Over UDP (section 2.1) the
 *   Protocol Identifier already keeps IPv6 aligned, so padding is not
 *   needed there; we accept either value for IPv6 over UDP.
 * - E=1: Next Header, HdrLen and TrailerLen MUST all be zero.
 * - E=0: HdrLen is the offset from the WESP header to the payload
 *   (WESP header + padding + ESP header + IV), so it cannot be below 12
 *   and must be a multiple of 4 (8 for IPv6).  TrailerLen is the ICV
 *   length.  The ESP trailer's Next Header MUST equal the WESP one.
 * The Rsvd bits MUST be ignored by the receiver, so they are.
 */
#include "wesp.h"

#define WESP_FLAG_VERSION	0xc0
#define WESP_FLAG_ENCRYPTED	0x20
#define WESP_FLAG_PADDED	0x10
#define WESP_MIN_HDRLEN		12	/* WESP 4 + ESP 8, section 2 */

static enum wesp_result
wesp_check_padding_flag(const struct wesp_hdr *h, uint8_t ipver,
    bool udp_encap)
{
	if (ipver == 4 && h->padded)
		return (WESP_BAD_P_FLAG);
	if (ipver == 6 && !udp_encap && !h->padded)
		return (WESP_BAD_P_FLAG);
	return (WESP_OK);
}

/* E=1: the layout fields lose their meaning and MUST be zero. */
static enum wesp_result
wesp_check_encrypted(const struct wesp_hdr *h)
{
	if (h->next_hdr != 0 || h->hdr_len != 0 || h->trailer_len != 0)
		return (WESP_BAD_ENCRYPTED);
	return (WESP_OK);
}

static enum wesp_result
wesp_check_hdr_len(struct wesp_hdr *h, uint8_t ipver)
{
	unsigned	 align = ipver == 6 ? 8 : 4;

	if (h->hdr_len < WESP_MIN_HDRLEN || h->hdr_len % align != 0)
		return (WESP_BAD_HDRLEN);
	/* The payload cannot start inside the padding or ESP header. */
	if (h->hdr_len < h->esp_off + ESP_HDR_LEN)
		return (WESP_BAD_HDRLEN);
	h->iv_len = (uint8_t)(h->hdr_len - h->esp_off - ESP_HDR_LEN);
	return (WESP_OK);
}

/*
 * E=0: the ESP trailer under the stated layout.  No alignment or
 * padding-contents check: RFC 5840 defines none, and inventing one
 * would drop packets the endpoints accept.
 */
static enum wesp_result
wesp_check_trailer(const struct cursor *w, uint32_t wire_len,
    struct wesp_hdr *h)
{
	struct cursor	 esp = *w;

	cur_skip(&esp, h->esp_off);
	switch (esp_layout(&esp, wire_len - h->esp_off, h->iv_len,
	    h->trailer_len, 0, &h->layout)) {
	case ESP_LAYOUT_OK:
		break;
	case ESP_LAYOUT_NO_TRAILER:
		h->trailer_visible = false;
		return (WESP_OK);
	case ESP_LAYOUT_BAD_PAD_LEN:
		return (WESP_BAD_PAD_LEN);
	case ESP_LAYOUT_TOO_SHORT:
	case ESP_LAYOUT_MISALIGNED:
	case ESP_LAYOUT_BAD_PADDING:
		return (WESP_BAD_LENGTH);
	}
	if (h->layout.next_hdr != h->next_hdr)
		return (WESP_BAD_NEXT_HDR);
	h->layout.payload_off += h->esp_off;
	h->trailer_visible = true;
	return (WESP_OK);
}

enum wesp_result
wesp_parse(const struct cursor *w, uint32_t wire_len, uint8_t ipver,
    bool udp_encap, struct wesp_hdr *h)
{
	struct cursor	 c = *w;
	enum wesp_result r;

	h->next_hdr = cur_u8(&c);
	h->hdr_len = cur_u8(&c);
	h->trailer_len = cur_u8(&c);
	h->flags = cur_u8(&c);
	if (!cur_ok(&c))
		return (wire_len < WESP_HDR_LEN ? WESP_BAD_LENGTH : WESP_SHORT);
	h->encrypted = (h->flags & WESP_FLAG_ENCRYPTED) != 0;
	h->padded = (h->flags & WESP_FLAG_PADDED) != 0;
	h->esp_off = h->padded ? WESP_HDR_LEN + WESP_PAD_LEN : WESP_HDR_LEN;
	h->iv_len = 0;
	h->trailer_visible = false;

	if ((h->flags & WESP_FLAG_VERSION) != 0)
		return (WESP_BAD_VERSION);
	if ((r = wesp_check_padding_flag(h, ipver, udp_encap)) != WESP_OK)
		return (r);
	if (wire_len < (uint32_t)h->esp_off + ESP_HDR_LEN)
		return (WESP_BAD_LENGTH);
	cur_skip(&c, h->esp_off - WESP_HDR_LEN);
	if (!esp_read_header(&c, &h->esp))
		return (WESP_SHORT);
	if (h->encrypted)
		return (wesp_check_encrypted(h));
	if ((r = wesp_check_hdr_len(h, ipver)) != WESP_OK)
		return (r);
	return (wesp_check_trailer(w, wire_len, h));
}
