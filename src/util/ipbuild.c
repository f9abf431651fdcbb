/*
 * ipbuild.c - rebuild the IP header of a transport-mode inner packet.
 *
 * RFC 4303 section 3.1.1: in transport mode the outer header is the
 * original one with its protocol (IPv4) or last next header (IPv6) set to
 * ESP.  Undoing that gives back the original packet as closely as the
 * outer header allows: IPv4 keeps TOS, identification, DF, TTL and the
 * addresses, drops options (they may describe the ESP datagram, e.g. a
 * Router Alert), and gets the ESP next header as its protocol with the
 * total length and RFC 791 checksum recomputed; IPv6 keeps traffic class,
 * flow label, hop limit and addresses and drops extension headers (RFC
 * 8200 section 4: they may sit before or after ESP; the ones before it
 * served the ESP datagram).
 */
#include <string.h>

#include "ipbuild.h"

static void
put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/* RFC 791 header checksum: ones' complement of the ones' complement sum. */
static uint16_t
ip4_checksum(const uint8_t *hdr, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(hdr[i] << 8 | hdr[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ((uint16_t)~sum);
}

static void
build_ip4(const struct packet *p, uint8_t *h)
{
	memset(h, 0, IPBUILD_IP4_HDR_LEN);
	h[0] = 0x45;
	h[1] = p->ip_tos;
	put16(h + 2, (uint16_t)(IPBUILD_IP4_HDR_LEN + p->inner_len));
	put16(h + 4, p->ip_id);
	h[6] = p->ip_df ? 0x40 : 0;
	h[8] = p->ip_ttl;
	h[9] = p->next_hdr;
	memcpy(h + 12, p->src.bytes, 4);
	memcpy(h + 16, p->dst.bytes, 4);
	put16(h + 10, ip4_checksum(h, IPBUILD_IP4_HDR_LEN));
}

static void
build_ip6(const struct packet *p, uint8_t *h)
{
	uint32_t vtf = 6u << 28 | (uint32_t)p->ip_tos << 20 |
	    (p->ip6_flow & 0xfffff);

	h[0] = (uint8_t)(vtf >> 24);
	h[1] = (uint8_t)(vtf >> 16);
	h[2] = (uint8_t)(vtf >> 8);
	h[3] = (uint8_t)vtf;
	put16(h + 4, (uint16_t)p->inner_len);
	h[6] = p->next_hdr;
	h[7] = p->ip_ttl;
	memcpy(h + 8, p->src.bytes, 16);
	memcpy(h + 24, p->dst.bytes, 16);
}

int
ipbuild_version(const struct packet *p)
{
	if (!p->inner_tunnel)
		return (p->ipver);
	return (p->next_hdr == 41 ? 6 : 4);
}

size_t
ipbuild_header_len(const struct packet *p)
{
	if (p->inner_tunnel)
		return (0);
	return (p->ipver == 6 ? IPBUILD_IP6_HDR_LEN : IPBUILD_IP4_HDR_LEN);
}

size_t
ipbuild_header(const struct packet *p, uint8_t *buf, size_t buflen)
{
	size_t hlen = ipbuild_header_len(p);

	/* IPv4 total length counts the header; IPv6 payload length not. */
	if (hlen == 0 || hlen > buflen || p->inner_len > 65535 -
	    (p->ipver == 6 ? 0 : IPBUILD_IP4_HDR_LEN))
		return (0);
	if (p->ipver == 6)
		build_ip6(p, buf);
	else
		build_ip4(p, buf);
	return (hlen);
}

const uint8_t *
ipbuild_packet(const struct packet *p, uint8_t *buf, size_t buflen,
    size_t *len)
{
	size_t hlen;

	*len = 0;
	if (p->inner == NULL)
		return (NULL);
	if (p->inner_tunnel) {
		*len = p->inner_len;
		return (p->inner);
	}
	if ((hlen = ipbuild_header(p, buf, buflen)) == 0 ||
	    p->inner_len > buflen - hlen)
		return (NULL);
	memcpy(buf + hlen, p->inner, p->inner_len);
	*len = hlen + p->inner_len;
	return (buf);
}
