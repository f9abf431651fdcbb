/*
 * pcapfile.c - classic pcap records from a regular file, in place.
 *
 * libpcap freads each record header and each record into its own
 * buffer: two stdio calls and a copy per packet, about 500 instructions,
 * a quarter of what espvis spends on a packet without nDPI
 * (bench/results.md).  Here the file is read a megabyte at a time with
 * pread(2) and each packet points into that block; a record cut by the
 * end of the block is moved to its start before the next read (at most
 * one record, PCAPFILE_MAX_CAPLEN bytes, so the block always holds a
 * whole one).
 *
 * The checks and messages are libpcap 1.10's (sf-pcap.c,
 * pcap_next_packet()) for a version 2.4 file, whose caplen and len are
 * never swapped: a captured length above PCAPFILE_MAX_CAPLEN is an
 * error; one above the file's snapshot length is cut to it (the rest
 * skipped); the time stamp fields are signed 32-bit, nanoseconds scaled
 * down to microseconds as pcap_open_offline_with_tstamp_precision(MICRO)
 * does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcapfile.h"

#define BLOCK_LEN	(1u << 20)

struct pcapfile {
	struct pcapfile_params	 prm;
	off_t			 file_off;	/* of the byte after buf[len] */
	size_t			 pos;		/* next record in buf */
	size_t			 len;		/* bytes in buf */
	bool			 eof;		/* pread() returned 0 */
	uint8_t			*buf;		/* BLOCK_LEN bytes */
};

struct pcapfile *
pcapfile_open(const struct pcapfile_params *prm)
{
	struct pcapfile *pf;

	if ((pf = calloc(1, sizeof(*pf))) == NULL)
		return (NULL);
	if ((pf->buf = malloc(BLOCK_LEN)) == NULL) {
		free(pf);
		return (NULL);
	}
	pf->prm = *prm;
	pf->file_off = prm->offset;
	return (pf);
}

void
pcapfile_close(struct pcapfile *pf)
{
	if (pf == NULL)
		return;
	free(pf->buf);
	free(pf);
}

/*
 * Keep the unread bytes, move them to the front, and read until the
 * block is full or the file ends.
 */
static int
refill(struct pcapfile *pf, char *err, size_t errlen)
{
	ssize_t got;

	if (pf->pos > 0) {
		memmove(pf->buf, pf->buf + pf->pos, pf->len - pf->pos);
		pf->len -= pf->pos;
		pf->pos = 0;
	}
	while (!pf->eof && pf->len < BLOCK_LEN) {
		got = pread(pf->prm.fd, pf->buf + pf->len, BLOCK_LEN - pf->len,
		    pf->file_off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			snprintf(err, errlen, "error reading dump file: %s",
			    strerror(errno));
			return (-1);
		}
		if (got == 0)
			pf->eof = true;
		pf->len += (size_t)got;
		pf->file_off += got;
	}
	return (0);
}

static uint32_t
get32(const struct pcapfile *pf, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return (pf->prm.swapped ? __builtin_bswap32(v) : v);
}

/* Bytes from buf[pos] on, reading more when fewer than want are there. */
static int
have(struct pcapfile *pf, size_t want, size_t *avail, char *err,
    size_t errlen)
{
	if (pf->len - pf->pos < want && refill(pf, err, errlen) != 0)
		return (-1);
	*avail = pf->len - pf->pos;
	return (0);
}

int
pcapfile_next(struct pcapfile *pf, struct packet *p, char *err,
    size_t errlen)
{
	const uint8_t	*h;
	size_t		 avail;
	uint32_t	 caplen, len, snap = pf->prm.snapshot;
	int32_t		 usec;

	if (have(pf, PCAPFILE_REC_HDR_LEN, &avail, err, errlen) != 0)
		return (-1);
	if (avail == 0)
		return (0);
	if (avail < PCAPFILE_REC_HDR_LEN) {
		snprintf(err, errlen, "truncated dump file; tried to read %u "
		    "header bytes, only got %zu", PCAPFILE_REC_HDR_LEN, avail);
		return (-1);
	}
	h = pf->buf + pf->pos;
	caplen = get32(pf, h + 8);
	len = get32(pf, h + 12);
	if (caplen > PCAPFILE_MAX_CAPLEN) {
		if (caplen > snap)
			snprintf(err, errlen, "invalid packet capture length "
			    "%u, bigger than snaplen of %d", caplen, (int)snap);
		else
			snprintf(err, errlen, "invalid packet capture length "
			    "%u, bigger than maximum of %u", caplen,
			    PCAPFILE_MAX_CAPLEN);
		return (-1);
	}
	if (have(pf, PCAPFILE_REC_HDR_LEN + (size_t)caplen, &avail, err,
	    errlen) != 0)
		return (-1);
	avail -= PCAPFILE_REC_HDR_LEN;
	if (avail < caplen) {
		/* libpcap reads the snapshot's bytes first, then the rest. */
		snprintf(err, errlen, "truncated dump file; tried to read %u "
		    "captured bytes, only got %zu",
		    caplen > snap && avail < snap ? snap : caplen, avail);
		return (-1);
	}
	h = pf->buf + pf->pos;		/* refill() may have moved it */
	p->frame = h + PCAPFILE_REC_HDR_LEN;
	p->caplen = caplen > snap ? snap : caplen;
	p->wirelen = len < p->caplen ? p->caplen : len;
	p->ts_sec = (int32_t)get32(pf, h);
	usec = (int32_t)get32(pf, h + 4);
	p->ts_usec = (uint32_t)(pf->prm.nsec ? usec / 1000 : usec);
	p->linktype = pf->prm.linktype;
	pf->pos += PCAPFILE_REC_HDR_LEN + (size_t)caplen;
	return (1);
}
