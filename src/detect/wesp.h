/*
 * wesp.h - Wrapped ESP (RFC 5840 section 2): the 4-byte header in
 * front of ESP that states whether the payload is encrypted and, when
 * it is not, where the payload starts and how long the ICV is.
 */
#ifndef ESPVIS_DETECT_WESP_H
#define ESPVIS_DETECT_WESP_H

#include <stdbool.h>
#include <stdint.h>

#include "../util/cursor.h"
#include "esp.h"

#define WESP_HDR_LEN	4	/* NH, HdrLen, TrailerLen, Flags */
#define WESP_PAD_LEN	4	/* the optional Padding word (P flag) */

enum wesp_result {
	WESP_OK,
	WESP_SHORT,		/* header not captured: truncated, not bad */
	WESP_BAD_VERSION,	/* V bits not 0 */
	WESP_BAD_P_FLAG,	/* padding where forbidden or missing where
				   required */
	WESP_BAD_ENCRYPTED,	/* E=1 but NH, HdrLen or TrailerLen != 0 */
	WESP_BAD_HDRLEN,	/* E=0: < 12, unaligned, or before the IV */
	WESP_BAD_LENGTH,	/* packet shorter than the header says */
	WESP_BAD_PAD_LEN,	/* ESP Pad Length does not fit */
	WESP_BAD_NEXT_HDR,	/* ESP trailer NH != WESP NH */
};

struct wesp_hdr {
	uint8_t		next_hdr;
	uint8_t		hdr_len;
	uint8_t		trailer_len;	/* the ICV length */
	uint8_t		flags;
	bool		encrypted;	/* E */
	bool		padded;		/* P */
	uint8_t		esp_off;	/* ESP header: 4, or 8 with P */
	uint8_t		iv_len;		/* E=0: HdrLen - esp_off - 8 */
	struct esp_hdr	esp;		/* SPI and sequence number */
	bool		trailer_visible;
	struct esp_layout layout;	/* E=0 and trailer_visible; offsets
					   from the WESP header start */
};

/*
 * Parse and validate the WESP packet in w (a window starting at the
 * WESP header; wire_len its length by the length fields) sent over
 * outer IP version ipver, UDP-encapsulated or not.  Everything RFC 5840
 * section 2 lets a receiver check is checked; out is complete on
 * WESP_OK.
 */
enum wesp_result wesp_parse(const struct cursor *w, uint32_t wire_len,
	    uint8_t ipver, bool udp_encap, struct wesp_hdr *out);

#endif /* ESPVIS_DETECT_WESP_H */
