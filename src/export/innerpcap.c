/*
 * innerpcap.c - decapsulated inner packets as a pcap stream.
 *
 * Transport mode (RFC 4303 section 3.1.1) carries no inner IP header: the
 * outer header is the original one with its protocol set to ESP.  We give
 * readers a whole IP packet by rebuilding that header: IPv4 with the outer
 * TOS, identification, DF bit, TTL and addresses, no options, protocol =
 * the ESP next header, lengths and header checksum recomputed; IPv6 with
 * the outer traffic class, flow label, hop limit and addresses, no
 * extension headers.  Tunnel mode (section 3.1.2) carries the inner IP
 * packet itself, which we pass through untouched.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "innerpcap.h"

#define ETH_HDR_LEN	14
#define IP4_HDR_LEN	20
#define IP6_HDR_LEN	40
#define ETHERTYPE_IP4	0x0800
#define ETHERTYPE_IP6	0x86dd
/* Ethernet + rebuilt IPv6 header + the largest IP payload. */
#define FRAME_MAX	(ETH_HDR_LEN + IP6_HDR_LEN + 65535)

struct innerpcap {
	pcap_t			*dead;
	pcap_dumper_t		*dumper;
	enum inner_linktype	 linktype;
	uint8_t			 frame[FRAME_MAX];
};

struct innerpcap *
innerpcap_open(const char *dest, enum inner_linktype lt, char *err,
    size_t errlen)
{
	struct innerpcap *w;
	int dlt = lt == INNER_LINK_RAW ? DLT_RAW : DLT_EN10MB;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	w->linktype = lt;
	if ((w->dead = pcap_open_dead(dlt, 65535 + ETH_HDR_LEN +
	    IP6_HDR_LEN)) == NULL) {
		snprintf(err, errlen, "pcap_open_dead failed");
		free(w);
		return (NULL);
	}
	/* pcap_dump_open() takes "-" as stdout and opens FIFOs like files. */
	if ((w->dumper = pcap_dump_open(w->dead, dest)) == NULL) {
		snprintf(err, errlen, "%s", pcap_geterr(w->dead));
		pcap_close(w->dead);
		free(w);
		return (NULL);
	}
	return (w);
}

void
innerpcap_close(struct innerpcap *w)
{
	if (w == NULL)
		return;
	pcap_dump_close(w->dumper);
	pcap_close(w->dead);
	free(w);
}

void
innerpcap_flush(struct innerpcap *w)
{
	pcap_dump_flush(w->dumper);
}

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

static size_t
rebuild_ip4(const struct packet *p, uint8_t *h)
{
	memset(h, 0, IP4_HDR_LEN);
	h[0] = 0x45;
	h[1] = p->ip_tos;
	put16(h + 2, (uint16_t)(IP4_HDR_LEN + p->inner_len));
	put16(h + 4, p->ip_id);
	h[6] = p->ip_df ? 0x40 : 0;
	h[8] = p->ip_ttl;
	h[9] = p->next_hdr;
	memcpy(h + 12, p->src.bytes, 4);
	memcpy(h + 16, p->dst.bytes, 4);
	put16(h + 10, ip4_checksum(h, IP4_HDR_LEN));
	return (IP4_HDR_LEN);
}

static size_t
rebuild_ip6(const struct packet *p, uint8_t *h)
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
	return (IP6_HDR_LEN);
}

/* The IP version of the record: the inner packet's, or the outer's. */
static int
record_ipver(const struct packet *p)
{
	if (!p->inner_tunnel)
		return (p->ipver);
	return (p->next_hdr == 41 ? 6 : 4);
}

size_t
innerpcap_frame(const struct packet *p, enum inner_linktype lt,
    uint8_t *buf, size_t buflen)
{
	static const uint8_t zero_mac[6];
	size_t off = 0, need;
	int ipver = record_ipver(p);

	if (p->inner == NULL)
		return (0);
	need = (lt == INNER_LINK_ETHERNET ? ETH_HDR_LEN : 0) +
	    (p->inner_tunnel ? 0 : (ipver == 6 ? IP6_HDR_LEN : IP4_HDR_LEN)) +
	    p->inner_len;
	/* A rebuilt IPv4 total length or IPv6 payload length is 16 bits. */
	if (need > buflen || (!p->inner_tunnel && p->inner_len > 65535 -
	    (ipver == 4 ? IP4_HDR_LEN : 0)))
		return (0);
	if (lt == INNER_LINK_ETHERNET) {
		memcpy(buf, p->mac_dst != NULL ? p->mac_dst : zero_mac, 6);
		memcpy(buf + 6, p->mac_src != NULL ? p->mac_src : zero_mac, 6);
		put16(buf + 12, ipver == 6 ? ETHERTYPE_IP6 : ETHERTYPE_IP4);
		off = ETH_HDR_LEN;
	}
	if (!p->inner_tunnel)
		off += ipver == 6 ? rebuild_ip6(p, buf + off) :
		    rebuild_ip4(p, buf + off);
	memcpy(buf + off, p->inner, p->inner_len);
	return (off + p->inner_len);
}

int
innerpcap_write(struct innerpcap *w, const struct packet *p,
    struct stats *st)
{
	struct pcap_pkthdr hdr;
	size_t len;

	len = innerpcap_frame(p, w->linktype, w->frame, sizeof(w->frame));
	if (len == 0)
		return (-1);
	memset(&hdr, 0, sizeof(hdr));
	hdr.ts.tv_sec = (time_t)p->ts_sec;
	hdr.ts.tv_usec = (suseconds_t)p->ts_usec;
	hdr.caplen = (bpf_u_int32)len;
	hdr.len = (bpf_u_int32)len;
	pcap_dump((u_char *)w->dumper, &hdr, w->frame);
	st->inner_written++;
	return (0);
}
