/*
 * innerpcap.c - decapsulated inner packets as a pcap stream.
 *
 * Transport mode (RFC 4303 section 3.1.1) carries no inner IP header: the
 * outer header is the original one with its protocol set to ESP.  We give
 * readers a whole IP packet by rebuilding that header (util/ipbuild.c,
 * shared with the nDPI stage so that both see the same bytes).  Tunnel
 * mode (section 3.1.2) carries the inner IP packet itself, which we pass
 * through untouched.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/ipbuild.h"
#include "innerpcap.h"

#define ETH_HDR_LEN	14
#define ETHERTYPE_IP4	0x0800
#define ETHERTYPE_IP6	0x86dd
/* Ethernet + rebuilt IPv6 header + the largest IP payload. */
#define FRAME_MAX	(ETH_HDR_LEN + IPBUILD_MAX)

struct innerpcap {
	pcap_t			*dead;
	pcap_dumper_t		*dumper;
	enum inner_linktype	 linktype;
	innerpcap_rec_fn	 rec_fn;	/* set: no dumper */
	void			*rec_arg;
	uint8_t			 frame[FRAME_MAX];
};

struct innerpcap *
innerpcap_open_fn(enum inner_linktype lt, innerpcap_rec_fn fn, void *arg)
{
	struct innerpcap *w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return (NULL);
	w->linktype = lt;
	w->rec_fn = fn;
	w->rec_arg = arg;
	return (w);
}

void
innerpcap_write_record(struct innerpcap *w, int64_t ts_sec,
    uint32_t ts_usec, const uint8_t *rec, size_t len)
{
	struct pcap_pkthdr hdr;

	memset(&hdr, 0, sizeof(hdr));
	hdr.ts.tv_sec = (time_t)ts_sec;
	hdr.ts.tv_usec = (suseconds_t)ts_usec;
	hdr.caplen = (bpf_u_int32)len;
	hdr.len = (bpf_u_int32)len;
	pcap_dump((u_char *)w->dumper, &hdr, rec);
}

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
	if ((w->dead = pcap_open_dead(dlt, FRAME_MAX)) == NULL) {
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
	if (w->dumper != NULL)
		pcap_dump_close(w->dumper);
	if (w->dead != NULL)
		pcap_close(w->dead);
	free(w);
}

void
innerpcap_flush(struct innerpcap *w)
{
	if (w->dumper != NULL)
		pcap_dump_flush(w->dumper);
}

static void
put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

size_t
innerpcap_frame(const struct packet *p, enum inner_linktype lt,
    uint8_t *buf, size_t buflen)
{
	static const uint8_t zero_mac[6];
	size_t off = 0, hlen, need;
	int ipver = ipbuild_version(p);

	if (p->inner == NULL)
		return (0);
	hlen = ipbuild_header_len(p);
	need = (lt == INNER_LINK_ETHERNET ? ETH_HDR_LEN : 0) + hlen +
	    p->inner_len;
	if (need > buflen)
		return (0);
	if (lt == INNER_LINK_ETHERNET) {
		memcpy(buf, p->mac_dst != NULL ? p->mac_dst : zero_mac, 6);
		memcpy(buf + 6, p->mac_src != NULL ? p->mac_src : zero_mac, 6);
		put16(buf + 12, ipver == 6 ? ETHERTYPE_IP6 : ETHERTYPE_IP4);
		off = ETH_HDR_LEN;
	}
	/* A rebuilt IPv4 total length or IPv6 payload length is 16 bits. */
	if (hlen != 0 && ipbuild_header(p, buf + off, buflen - off) != hlen)
		return (0);
	off += hlen;
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
	if (w->rec_fn != NULL) {
		w->rec_fn(w->rec_arg, p->ts_sec, p->ts_usec, w->frame, len);
		st->inner_written++;
		return (0);
	}
	memset(&hdr, 0, sizeof(hdr));
	hdr.ts.tv_sec = (time_t)p->ts_sec;
	hdr.ts.tv_usec = (suseconds_t)p->ts_usec;
	hdr.caplen = (bpf_u_int32)len;
	hdr.len = (bpf_u_int32)len;
	pcap_dump((u_char *)w->dumper, &hdr, w->frame);
	st->inner_written++;
	return (0);
}
