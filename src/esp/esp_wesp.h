/*
 * esp_wesp.h - the endpoint's side of Wrapped ESP (RFC 5840): writing
 * and reading the 4-byte WESP header (and its optional padding word)
 * that goes in front of ESP, and telling apart what arrives on UDP 4500
 * (RFC 3948 2.2 and RFC 5840 2.1).
 *
 * The inspector has its own WESP parser (detect/wesp.c); the endpoint
 * may not include inspector stages (DESIGN.md 1), and it checks more:
 * the header must match the SA it arrives on (section 2, "MUST drop").
 */
#ifndef ESPVIS_ESP_WESP_H
#define ESPVIS_ESP_WESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/cursor.h"

#define ESP_IPPROTO_ESP		50
#define ESP_IPPROTO_WESP	141	/* RFC 5840 section 2 */
#define ESP_WESP_HDR_LEN	4
#define ESP_WESP_PAD_LEN	4	/* the optional Padding word (P) */
#define ESP_WESP_UDP_ID		2	/* Protocol Identifier, 2.1 */
#define ESP_UDP_MARKER_LEN	4	/* non-ESP marker / WESP identifier */

/* Flags octet, bit 0 the MSB (2, figure 3): |V V|E|P| Rsvd | */
#define ESP_WESP_F_VERSION	0xc0
#define ESP_WESP_F_ENCRYPTED	0x20
#define ESP_WESP_F_PADDED	0x10

struct esp_wesp_hdr {
	uint8_t		next_hdr;	/* E=0: the ESP trailer's; E=1: 0 */
	uint8_t		hdr_len;	/* E=0: WESP start to payload; E=1: 0 */
	uint8_t		trailer_len;	/* E=0: ICV length; E=1: 0 */
	uint8_t		flags;
};

/* Bytes the header takes, with the padding word when P is set. */
size_t	esp_wesp_len(const struct esp_wesp_hdr *h);
/* Writes the header (and a zero padding word with P); returns its length
 * or 0 when cap is too small. */
size_t	esp_wesp_write(const struct esp_wesp_hdr *h, uint8_t *out, size_t cap);
/* Reads the header and skips the padding word; false when short or the
 * version is not 0 (2: "MUST be dropped"). Rsvd bits are ignored. */
bool	esp_wesp_read(struct cursor *c, struct esp_wesp_hdr *h);

/* What a UDP 4500 payload is (RFC 3948 2.2, RFC 5840 2.1). */
enum esp_udp_kind {
	ESP_UDP_ESP,		/* first 4 bytes > 255: an ESP SPI */
	ESP_UDP_WESP,		/* Protocol Identifier 2, WESP follows */
	ESP_UDP_IKE,		/* non-ESP marker (4 zero bytes) */
	ESP_UDP_KEEPALIVE,	/* the single 0xff byte, RFC 3948 2.3 */
	ESP_UDP_INVALID,	/* shorter than 4, or a reserved SPI 1-255 */
};
enum esp_udp_kind esp_udp_classify(const uint8_t *buf, size_t len);

#endif /* ESPVIS_ESP_WESP_H */
