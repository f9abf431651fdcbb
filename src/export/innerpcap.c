/*
 * innerpcap.c - decapsulated inner packets as a pcap stream.
 *
 * Transport mode (RFC 4303 section 3.1.1) carries no inner IP header: the
 * outer header is the original one with its protocol set to ESP.  We give
 * readers a whole IP packet by rebuilding that header (util/ipbuild.c,
 * shared with the nDPI stage so that both see the same bytes).  Tunnel
 * mode (section 3.1.2) carries the inner IP packet itself, which we pass
 * through untouched.
 *
 * libpcap opens the output and writes the file header; the records are
 * then built in a buffer of our own, each in place (record header, then
 * the frame), and handed to the stream a block at a time: pcap_dump()'s
 * two fwrite() calls and a copy per packet were 6% of espvis's
 * instructions on the benchmark.  The bytes are pcap_dump()'s (struct
 * pcap_sf_pkthdr, host byte order).  innerpcap_flush() delivers the
 * block (once a second live, and at the end).
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
#define REC_HDR_LEN	16	/* struct pcap_sf_pkthdr */
#define OUT_BUF_LEN	(256u << 10)	/* records waiting for fwrite() */

struct innerpcap {
	pcap_t			*dead;
	pcap_dumper_t		*dumper;
	enum inner_linktype	 linktype;
	innerpcap_rec_fn	 rec_fn;	/* set: no dumper */
	void			*rec_arg;
	uint8_t			*out;		/* OUT_BUF_LEN, with dumper */
	size_t			 out_used;
	uint64_t		 out_recs;	/* records in out */
	bool			 broken;	/* a write failed: reader gone */
	uint64_t		 lost;		/* records not written since */
	uint8_t			 frame[FRAME_MAX];
};

/*
 * A reader that goes away (tcpdump -c, a closed FIFO) fails the write
 * with EPIPE (SIGPIPE is ignored): from then on records are counted as
 * lost, not written, and the run goes on.
 */
static void
out_flush(struct innerpcap *w)
{
	FILE *f = pcap_dump_file(w->dumper);

	if (w->out_used > 0 && !w->broken &&
	    (fwrite(w->out, 1, w->out_used, f) != w->out_used ||
	    fflush(f) != 0)) {
		w->broken = true;
		clearerr(f);
	}
	if (w->broken)
		w->lost += w->out_recs;
	w->out_used = 0;
	w->out_recs = 0;
}

uint64_t
innerpcap_lost(const struct innerpcap *w)
{
	return (w != NULL ? w->lost : 0);
}

/* Room for a record of up to len bytes of frame: where it goes. */
static uint8_t *
out_reserve(struct innerpcap *w, size_t len)
{
	if (OUT_BUF_LEN - w->out_used < REC_HDR_LEN + len)
		out_flush(w);
	return (w->out + w->out_used);
}

/* The record at out_reserve()'s place, len bytes of frame written. */
static void
out_commit(struct innerpcap *w, int64_t ts_sec, uint32_t ts_usec,
    size_t len)
{
	uint8_t		*h = w->out + w->out_used;
	uint32_t	 v[4];

	/* pcap_dump(): 32-bit fields, in the writer's byte order. */
	v[0] = (uint32_t)(int32_t)ts_sec;
	v[1] = ts_usec;
	v[2] = (uint32_t)len;
	v[3] = (uint32_t)len;
	memcpy(h, v, sizeof(v));
	w->out_used += REC_HDR_LEN + len;
	w->out_recs++;
}

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
	if (len > FRAME_MAX)
		return;
	memcpy(out_reserve(w, len) + REC_HDR_LEN, rec, len);
	out_commit(w, ts_sec, ts_usec, len);
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
	if ((w->out = malloc(OUT_BUF_LEN)) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(w);
		return (NULL);
	}
	if ((w->dead = pcap_open_dead(dlt, FRAME_MAX)) == NULL) {
		snprintf(err, errlen, "pcap_open_dead failed");
		free(w->out);
		free(w);
		return (NULL);
	}
	/* pcap_dump_open() takes "-" as stdout and opens FIFOs like files. */
	if ((w->dumper = pcap_dump_open(w->dead, dest)) == NULL) {
		snprintf(err, errlen, "%s", pcap_geterr(w->dead));
		pcap_close(w->dead);
		free(w->out);
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
	if (w->dumper != NULL) {
		out_flush(w);
		pcap_dump_close(w->dumper);
	}
	if (w->dead != NULL)
		pcap_close(w->dead);
	free(w->out);
	free(w);
}

void
innerpcap_flush(struct innerpcap *w)
{
	if (w->dumper != NULL) {
		out_flush(w);
		pcap_dump_flush(w->dumper);
	}
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
	size_t len;

	if (w->rec_fn != NULL) {
		len = innerpcap_frame(p, w->linktype, w->frame,
		    sizeof(w->frame));
		if (len == 0)
			return (-1);
		w->rec_fn(w->rec_arg, p->ts_sec, p->ts_usec, w->frame, len);
		st->inner_written++;
		return (0);
	}
	/* Built where it is written: no copy of the frame. */
	len = innerpcap_frame(p, w->linktype, out_reserve(w, FRAME_MAX) +
	    REC_HDR_LEN, FRAME_MAX);
	if (len == 0)
		return (-1);
	out_commit(w, p->ts_sec, p->ts_usec, len);
	st->inner_written++;
	return (0);
}
