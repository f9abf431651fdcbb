/*
 * esp_wesp.c - WESP header (RFC 5840 section 2) and the UDP 4500
 * demultiplexing of RFC 3948 2.2 extended by RFC 5840 2.1.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Next Header  |   HdrLen      |  TrailerLen   |     Flags     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                Padding (optional, P flag)                     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      ESP (SPI, Sequence Number, ...)          |
 *
 * Over UDP 4500 the 4-byte Protocol Identifier 0x00000002 comes first:
 * RFC 4303 2.1 reserves SPIs 1-255, so the value cannot be an SPI, and
 * 0 is RFC 3948's non-ESP marker (IKE).
 */
#include <string.h>

#include "esp_wesp.h"

size_t
esp_wesp_len(const struct esp_wesp_hdr *h)
{
	return ((h->flags & ESP_WESP_F_PADDED) ? ESP_WESP_HDR_LEN +
	    ESP_WESP_PAD_LEN : ESP_WESP_HDR_LEN);
}

size_t
esp_wesp_write(const struct esp_wesp_hdr *h, uint8_t *out, size_t cap)
{
	size_t	 len = esp_wesp_len(h);

	if (cap < len)
		return (0);
	out[0] = h->next_hdr;
	out[1] = h->hdr_len;
	out[2] = h->trailer_len;
	out[3] = h->flags;
	if (len > ESP_WESP_HDR_LEN)
		memset(out + ESP_WESP_HDR_LEN, 0, ESP_WESP_PAD_LEN);
	return (len);
}

bool
esp_wesp_read(struct cursor *c, struct esp_wesp_hdr *h)
{
	h->next_hdr = cur_u8(c);
	h->hdr_len = cur_u8(c);
	h->trailer_len = cur_u8(c);
	h->flags = cur_u8(c);
	if (h->flags & ESP_WESP_F_PADDED)
		cur_skip(c, ESP_WESP_PAD_LEN);
	return (cur_ok(c) && (h->flags & ESP_WESP_F_VERSION) == 0);
}

enum esp_udp_kind
esp_udp_classify(const uint8_t *buf, size_t len)
{
	struct cursor	 c;
	uint32_t	 first;

	if (len == 1 && buf[0] == 0xff)
		return (ESP_UDP_KEEPALIVE);
	cur_init(&c, buf, len);
	first = cur_be32(&c);
	if (!cur_ok(&c))
		return (ESP_UDP_INVALID);
	if (first == 0)
		return (ESP_UDP_IKE);
	if (first == ESP_WESP_UDP_ID)
		return (ESP_UDP_WESP);
	if (first <= 255)
		return (ESP_UDP_INVALID);
	return (ESP_UDP_ESP);
}
