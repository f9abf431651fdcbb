/*
 * esp.h - the ESP header and trailer (RFC 4303 section 2) under one
 * candidate layout (IV length, ICV length).
 *
 * ESP carries no length for its IV or ICV: both come from the SA, which
 * an observer does not know.  esp_layout() answers "if this SA used this
 * IV and this ICV length, where would the payload, padding, Pad Length
 * and Next Header be, and do they hold?".  It never judges the inner
 * payload; inner.h does that.
 */
#ifndef ESPVIS_DETECT_ESP_H
#define ESPVIS_DETECT_ESP_H

#include <stdbool.h>
#include <stdint.h>

#include "../util/cursor.h"

#define ESP_HDR_LEN	8	/* SPI + Sequence Number, RFC 4303 section 2 */
#define ESP_TRAILER_LEN	2	/* Pad Length + Next Header, section 2.5-2.6 */
#define ESP_NH_NONE	59	/* "no next header": dummy packet, section 2.6 */

struct esp_hdr {
	uint32_t	spi;
	uint32_t	seq;
};

/* Read SPI and Sequence Number; false (cursor error set) when short. */
bool	esp_read_header(struct cursor *, struct esp_hdr *);

enum esp_layout_result {
	ESP_LAYOUT_OK,
	ESP_LAYOUT_NO_TRAILER,	/* trailer not captured (snaplen) */
	ESP_LAYOUT_TOO_SHORT,	/* header + IV + trailer + ICV > packet */
	ESP_LAYOUT_MISALIGNED,	/* trailer not 4-byte aligned, 2.4 */
	ESP_LAYOUT_BAD_PAD_LEN,	/* padding runs into the header or IV */
	ESP_LAYOUT_BAD_PADDING,	/* padding is not 1, 2, 3, ... (2.4) */
};

/* What esp_layout() checks beyond the lengths. */
#define ESP_CHECK_ALIGN		0x01	/* RFC 4303 section 2.4 alignment */
#define ESP_CHECK_PADDING	0x02	/* default padding 1, 2, 3, ... */

struct esp_layout {
	uint32_t	payload_off;	/* from the first ESP header byte */
	uint32_t	payload_len;	/* Payload Data without any padding */
	uint8_t		pad_len;
	uint8_t		next_hdr;
};

/*
 * Locate the trailer of the ESP packet in esp (a window whose current
 * position is the SPI; bytes past wire_len are ignored) whose length by
 * the IP/UDP length fields is wire_len, assuming iv_len and icv_len.
 * Offsets in out count from the SPI.  Fills out only on ESP_LAYOUT_OK.
 * The window is not moved.
 */
enum esp_layout_result esp_layout(const struct cursor *esp, uint32_t wire_len,
	    uint8_t iv_len, uint8_t icv_len, unsigned checks,
	    struct esp_layout *out);

#endif /* ESPVIS_DETECT_ESP_H */
