/*
 * udp.c - UDP (RFC 768) and what rides on it: ESP and WESP on port 4500
 * (RFC 3948 section 2, RFC 5840 section 2.1), IKE on 500 and behind the
 * non-ESP marker, and GTP-U tunnels (3GPP TS 29.281 section 5) whose
 * T-PDU is IP, decoded as the new outer packet.
 *
 * Port 4500 carries the formats of RFC 3948 section 2, told apart in
 * the order of tcpdump's isakmp_rfc3948_print: a one-byte payload of
 * 0xFF is a NAT-keepalive (section 2.3); four zero bytes are the non-ESP
 * marker, IKE follows (section 2.2); the value 2 is the WESP protocol
 * identifier (RFC 5840 section 2.1); other values up to 255 cannot be an
 * SPI (RFC 4303 section 2.1 reserves them); anything else is ESP whose
 * SPI is those four bytes (section 2.1).  Either port counts: NAT may
 * rewrite one of them.  The UDP checksum is not verified (offload, and
 * RFC 3948 section 2.1 has senders zero it).
 */
#include "decode_int.h"

#define UDP_HDR_LEN		8
#define PORT_NUM_IKE		500
#define PORT_NUM_NATT		4500
#define PORT_NUM_GTPU		2152

#define NATT_KEEPALIVE		0xff
#define NATT_MARKER_IKE		0
#define NATT_MARKER_WESP	2
#define NATT_SPI_RESERVED_MAX	255
#define NATT_MARKER_LEN		4

#define GTP_HDR_LEN		8	/* flags, type, length, TEID */
#define GTP_OPT_LEN		4	/* sequence, N-PDU, next ext type */
#define GTP_VERSION		1
#define GTP_FLAG_PT		0x10	/* 1: GTP, 0: GTP' */
#define GTP_FLAGS_OPT		0x07	/* E, S, PN: optional word */
#define GTP_TYPE_GPDU		255

/* RFC 3948 section 2 demultiplexing of the UDP payload in s. */
static enum skip_reason
udp_natt(struct dctx *ctx, struct span *s)
{
	struct cursor		peek = s->cur;
	enum skip_reason	r;
	uint32_t		marker;

	if (span_wire_left(s) == 1) {
		if ((r = span_need(s, 1, SKIP_MALFORMED_ESP)) != SKIP_NONE)
			return (r);
		return (cur_u8(&peek) == NATT_KEEPALIVE ?
		    SKIP_NATT_KEEPALIVE : SKIP_MALFORMED_ESP);
	}
	r = span_need(s, NATT_MARKER_LEN, SKIP_MALFORMED_ESP);
	if (r != SKIP_NONE)
		return (r);
	marker = cur_be32(&peek);
	if (marker == NATT_MARKER_IKE)
		return (SKIP_IKE);
	if (marker == NATT_MARKER_WESP) {
		cur_skip(&s->cur, NATT_MARKER_LEN);
		return (decode_esp_locate(ctx, IPPROTO_WESP_NUM, s));
	}
	if (marker <= NATT_SPI_RESERVED_MAX)
		return (SKIP_MALFORMED_ESP);
	return (decode_esp_locate(ctx, IPPROTO_ESP_NUM, s));
}

/*
 * GTP-U extension headers (TS 29.281 section 5.2): a length in 4-octet
 * units covering the whole extension, then its content, then the type
 * of the next one, 0 ending the chain.
 */
static enum skip_reason
gtp_skip_ext(uint8_t next, struct span *s)
{
	enum skip_reason	r;
	size_t			ext_len;
	unsigned		n;

	for (n = 0; next != 0; n++) {
		if (n == DECODE_MAX_CHAIN)
			return (SKIP_TOO_DEEP);
		if ((r = span_need(s, 1, SKIP_MALFORMED_UDP)) != SKIP_NONE)
			return (r);
		if ((ext_len = (size_t)cur_u8(&s->cur) * 4) == 0)
			return (SKIP_MALFORMED_UDP);
		r = span_need(s, ext_len - 1, SKIP_MALFORMED_UDP);
		if (r != SKIP_NONE)
			return (r);
		cur_skip(&s->cur, ext_len - 2);
		next = cur_u8(&s->cur);
	}
	return (SKIP_NONE);
}

/*
 * GTP-U header (TS 29.281 section 5.1): flags (version 3 bits, PT, E, S,
 * PN), message type, length of what follows the first 8 bytes, TEID;
 * then, when any of E, S, PN is set, sequence number, N-PDU number and
 * the first extension type.  Only a G-PDU carries a user packet.
 */
static enum skip_reason
udp_gtpu(struct dctx *ctx, struct span *s)
{
	struct span		 pdu;
	enum skip_reason	 r;
	uint16_t		 gtp_len;
	uint8_t			 flags, type, next;

	if ((r = decode_enter_layer(ctx)) != SKIP_NONE)
		return (r);
	if ((r = span_need(s, GTP_HDR_LEN, SKIP_MALFORMED_UDP)) != SKIP_NONE)
		return (r);
	flags = cur_u8(&s->cur);
	type = cur_u8(&s->cur);
	gtp_len = cur_be16(&s->cur);
	cur_skip(&s->cur, 4);
	if (flags >> 5 != GTP_VERSION || (flags & GTP_FLAG_PT) == 0 ||
	    type != GTP_TYPE_GPDU)
		return (SKIP_NOT_IPSEC);
	if (gtp_len > span_wire_left(s))
		return (SKIP_MALFORMED_UDP);
	span_sub(s, gtp_len, &pdu);
	if ((flags & GTP_FLAGS_OPT) != 0) {
		r = span_need(&pdu, GTP_OPT_LEN, SKIP_MALFORMED_UDP);
		if (r != SKIP_NONE)
			return (r);
		cur_skip(&pdu.cur, GTP_OPT_LEN - 1);
		next = cur_u8(&pdu.cur);
		if ((r = gtp_skip_ext(next, &pdu)) != SKIP_NONE)
			return (r);
	}
	return (decode_ip_by_version(ctx, &pdu));
}

/*
 *  0      7 8     15 16    23 24    31
 * +--------+--------+--------+--------+
 * |     Source      |   Destination   |
 * |      Port       |      Port       |
 * |     Length      |    Checksum     |
 */
enum skip_reason
decode_udp(struct dctx *ctx, struct span *s)
{
	struct packet		*p = ctx->p;
	struct span		 payload;
	struct cursor		 h;
	enum skip_reason	 r;
	size_t			 wire = span_wire_left(s);
	uint16_t		 udp_len;

	if ((r = span_need(s, UDP_HDR_LEN, SKIP_MALFORMED_UDP)) != SKIP_NONE)
		return (r);
	p->encap = ENCAP_UDP;
	cur_window(&s->cur, UDP_HDR_LEN, &h);	/* one bound, not four */
	p->sport = cur_be16(&h);
	p->dport = cur_be16(&h);
	udp_len = cur_be16(&h);
	cur_skip(&h, 2);
	if (udp_len < UDP_HDR_LEN || udp_len > wire)
		return (SKIP_MALFORMED_UDP);
	span_sub(s, udp_len - UDP_HDR_LEN, &payload);

	if (p->sport == PORT_NUM_NATT || p->dport == PORT_NUM_NATT)
		return (udp_natt(ctx, &payload));
	if (p->sport == PORT_NUM_IKE || p->dport == PORT_NUM_IKE)
		return (SKIP_IKE);
	if (p->sport == PORT_NUM_GTPU || p->dport == PORT_NUM_GTPU)
		return (udp_gtpu(ctx, &payload));
	return (SKIP_NOT_IPSEC);
}
