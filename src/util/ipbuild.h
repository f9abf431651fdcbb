/*
 * ipbuild.h - the IP header of a transport-mode inner packet, rebuilt
 * from the outer one.
 *
 * Transport mode (RFC 4303 section 3.1.1) carries no inner IP header: the
 * ESP payload is the upper-layer segment.  Whoever wants a whole IP packet
 * (the -w stream, nDPI) gets the same one from here, so that what a pcap
 * reader sees and what espvis classified are the same bytes.
 *
 * Ownership: the caller owns every buffer; nothing is allocated.
 */
#ifndef ESPVIS_IPBUILD_H
#define ESPVIS_IPBUILD_H

#include <stddef.h>
#include <stdint.h>

#include "packet.h"

#define IPBUILD_IP4_HDR_LEN	20
#define IPBUILD_IP6_HDR_LEN	40
/* The largest packet ipbuild_packet() writes: IPv6 header + 64 KiB. */
#define IPBUILD_MAX		(IPBUILD_IP6_HDR_LEN + 65535)

/*
 * The IP version of p's inner packet: the inner header's in tunnel mode
 * (next header 4 or 41), the outer header's in transport mode.
 */
int	ipbuild_version(const struct packet *);

/*
 * Length of the header ipbuild_header() writes for p: 0 in tunnel mode
 * (the inner packet has its own), 20 or 40 in transport mode.
 */
size_t	ipbuild_header_len(const struct packet *);

/*
 * Write the rebuilt transport-mode header for p (p->inner_tunnel false)
 * into buf, which holds at least ipbuild_header_len(p) bytes: IPv4 with
 * the outer TOS, identification, DF bit, TTL and addresses, no options,
 * protocol = the ESP next header, total length and checksum computed;
 * IPv6 with the outer traffic class, flow label, hop limit and addresses,
 * no extension headers.  Returns the header length, or 0 when the
 * payload does not fit a 16-bit length field (nothing written).
 */
size_t	ipbuild_header(const struct packet *, uint8_t *buf, size_t buflen);

/*
 * The whole inner IP packet of p (p->inner set): in tunnel mode a pointer
 * to p->inner itself (nothing copied); in transport mode the rebuilt
 * header and the payload copied into buf.  Sets *len; returns NULL when
 * buf is too small or the payload too large.
 */
const uint8_t *ipbuild_packet(const struct packet *, uint8_t *buf,
	    size_t buflen, size_t *len);

#endif /* ESPVIS_IPBUILD_H */
