/*
 * capture.c - read capture files: pcap through libpcap, pcapng through
 * pcapng.c (libpcap 1.10 refuses pcapng files whose interfaces differ in
 * link type or snapshot length; see pcapng.h).
 *
 * A record cut short or a corrupt record header is an error passed up, so
 * that espvis stops cleanly after counting and exporting every packet read
 * before the fault.
 *
 * Files are read through a stdio buffer of our own: glibc reads in
 * st_blksize (4 KiB) pieces otherwise (setvbuf() with a NULL buffer keeps
 * that size), and libpcap freads every record, so a big capture costs a
 * read(2) per 4 KiB.  Measured (bench/results.md): a bare libpcap loop
 * over 764 MB took 0.41 s with the default buffer, 0.12 s with 256 KiB.
 *
 * Once libpcap has opened a regular pcap file of version 2.4 and link
 * type Ethernet (what capture tools write), the records are read by
 * pcapfile.c instead, in place: libpcap's copy and two stdio calls per
 * packet were a quarter of a packet's cost without nDPI.  Other files,
 * FIFOs and standard input stay with libpcap.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "pcapfile.h"
#include "pcapng.h"

#define CAPTURE_READ_BUF	(256u << 10)

struct capture {
	pcap_t		*pcap;		/* a pcap file, or */
	struct pcapng	*pcapng;	/* a pcapng file */
	struct pcapfile	*pcapfile;	/* pcap's records, read in place
					   (pcap keeps the file open) */
	int		 linktype;
	char		*iobuf;		/* the file's stdio buffer; freed
					   after the file is closed */
	FILE		*file;		/* read by pcap or pcapng: for
					   capture_position() only */
};

static bool
magic_is_pcapng(const uint8_t magic[4])
{
	return (((uint32_t)magic[0] << 24 | (uint32_t)magic[1] << 16 |
	    (uint32_t)magic[2] << 8 | magic[3]) == PCAPNG_SHB_TYPE);
}

/*
 * A FIFO or standard input cannot be rewound after we read its magic, so
 * it is wrapped in a stream that gives those bytes back first and then
 * reads on (fopencookie): both readers then see the file from its start.
 */
struct replay {
	FILE	*inner;
	uint8_t	 head[4];
	size_t	 head_len;
	size_t	 head_pos;
};

static ssize_t
replay_read(void *cookie, char *buf, size_t size)
{
	struct replay *r = cookie;
	size_t n = 0;

	ssize_t got;

	while (n < size && r->head_pos < r->head_len)
		buf[n++] = (char)r->head[r->head_pos++];
	if (n > 0)
		return ((ssize_t)n);
	/*
	 * read(2), not fread(): a pipe gives what is there, and a writer
	 * that feeds records one by one must see each processed without
	 * waiting for a whole buffer.
	 */
	do
		got = read(fileno(r->inner), buf, size);
	while (got < 0 && errno == EINTR);
	return (got);
}

static int
replay_close(void *cookie)
{
	struct replay *r = cookie;
	int rc = r->inner == stdin ? 0 : fclose(r->inner);

	free(r);
	return (rc);
}

/* Is f a pcapng file?  On return f (maybe replaced) reads from byte 0. */
static bool
sniff_pcapng(FILE **f)
{
	static const cookie_io_functions_t io = {
		.read = replay_read, .close = replay_close,
	};
	struct replay *r;
	struct stat sb;
	uint8_t magic[4];
	size_t n;
	FILE *wrapped;

	if (fstat(fileno(*f), &sb) == 0 && S_ISREG(sb.st_mode)) {
		n = fread(magic, 1, sizeof(magic), *f);
		rewind(*f);
		return (n == sizeof(magic) && magic_is_pcapng(magic));
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return (false);
	r->inner = *f;
	while (r->head_len < sizeof(r->head)) {
		ssize_t got = read(fileno(*f), r->head + r->head_len,
		    sizeof(r->head) - r->head_len);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		r->head_len += (size_t)got;
	}
	if ((wrapped = fopencookie(r, "rb", io)) == NULL) {
		free(r);
		return (false);
	}
	*f = wrapped;
	return (r->head_len == sizeof(r->head) && magic_is_pcapng(r->head));
}

static struct capture *
open_pcapng(struct capture *c, FILE *f, const char *path, char *err,
    size_t errlen)
{
	char why[256];

	if ((c->pcapng = pcapng_open(f, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "%s: %s", path, why);
		free(c->iobuf);
		free(c);
		return (NULL);
	}
	return (c);
}

/* pcap-savefile(5) magic numbers, as read in the file's byte order. */
#define MAGIC_USEC	0xa1b2c3d4u
#define MAGIC_NSEC	0xa1b23c4du

/*
 * The common case, judged by libpcap first: the records of a regular
 * 2.4 Ethernet file go to pcapfile.c.  Anything else, or no memory,
 * leaves libpcap reading.
 */
static void
read_in_place(struct capture *c, FILE *f)
{
	struct pcapfile_params prm;
	struct stat sb;
	uint32_t magic;

	if (f == stdin || fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    pcap_major_version(c->pcap) != 2 ||
	    pcap_minor_version(c->pcap) != 4 || c->linktype != DLT_EN10MB ||
	    pread(fileno(f), &magic, sizeof(magic), 0) != sizeof(magic))
		return;
	memset(&prm, 0, sizeof(prm));
	prm.fd = fileno(f);
	prm.offset = PCAPFILE_HDR_LEN;
	prm.swapped = pcap_is_swapped(c->pcap) == 1;
	if (magic == (prm.swapped ? __builtin_bswap32(MAGIC_NSEC) :
	    MAGIC_NSEC))
		prm.nsec = true;
	else if (magic != (prm.swapped ? __builtin_bswap32(MAGIC_USEC) :
	    MAGIC_USEC))
		return;
	prm.snapshot = (uint32_t)pcap_snapshot(c->pcap);
	prm.linktype = c->linktype;
	c->pcapfile = pcapfile_open(&prm);
}

struct capture *
capture_open_file(const char *path, char *err, size_t errlen)
{
	char pcap_err[PCAP_ERRBUF_SIZE];
	struct capture *c;
	struct stat sb;
	FILE *f = NULL;

	/* libpcap reads a directory as an empty stream: say what it is. */
	if (strcmp(path, "-") != 0 && stat(path, &sb) == 0 &&
	    S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: is a directory", path);
		return (NULL);
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	if (strcmp(path, "-") == 0)
		f = stdin;
	else if ((f = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(c);
		return (NULL);
	}
	/* Before any other use of the stream (C11 7.21.5.6). */
	if ((c->iobuf = malloc(CAPTURE_READ_BUF)) != NULL)
		setvbuf(f, c->iobuf, _IOFBF, CAPTURE_READ_BUF);
	if (sniff_pcapng(&f)) {
		c->file = f;
		return (open_pcapng(c, f, path, err, errlen));
	}
	c->file = f;
	pcap_err[0] = '\0';
	/* libpcap closes f with the handle, not on failure. */
	c->pcap = pcap_fopen_offline_with_tstamp_precision(f,
	    PCAP_TSTAMP_PRECISION_MICRO, pcap_err);
	if (c->pcap == NULL) {
		if (f != stdin)
			fclose(f);
		snprintf(err, errlen, "%s: %s", path, pcap_err);
		free(c->iobuf);
		free(c);
		return (NULL);
	}
	c->linktype = pcap_datalink(c->pcap);
	read_in_place(c, f);
	return (c);
}

void
capture_close(struct capture *c)
{
	if (c == NULL)
		return;
	pcapfile_close(c->pcapfile);
	if (c->pcap != NULL)
		pcap_close(c->pcap);
	pcapng_close(c->pcapng);
	free(c->iobuf);
	free(c);
}

uint64_t
capture_position(struct capture *c)
{
	off_t pos;

	/* A FIFO or the sniffing wrapper cannot tell: -1, so 0. */
	if (c->file == NULL || (pos = ftello(c->file)) < 0)
		return (0);
	return ((uint64_t)pos);
}

int
capture_next(struct capture *c, struct packet *p, char *err, size_t errlen)
{
	struct pcap_pkthdr *hdr;
	const u_char *data;
	int rc;

	if (c->pcapfile != NULL)
		return (pcapfile_next(c->pcapfile, p, err, errlen));
	if (c->pcapng != NULL)
		return (pcapng_next(c->pcapng, p, err, errlen));
	rc = pcap_next_ex(c->pcap, &hdr, &data);
	if (rc == PCAP_ERROR_BREAK)
		return (0);
	if (rc != 1) {
		snprintf(err, errlen, "%s", pcap_geterr(c->pcap));
		return (-1);
	}
	p->frame = data;
	p->caplen = hdr->caplen;
	p->wirelen = hdr->len < hdr->caplen ? hdr->caplen : hdr->len;
	p->ts_sec = hdr->ts.tv_sec;
	p->ts_usec = (uint32_t)hdr->ts.tv_usec;
	p->linktype = c->linktype;
	return (1);
}
