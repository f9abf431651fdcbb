/*
 * pcapfile.c - read pcap and pcapng files through libpcap.
 *
 * libpcap reads both formats behind one call and reports a record cut
 * short or a corrupt record header as an error from pcap_next_ex(), which
 * we pass up so that espvis can stop cleanly after counting and exporting
 * every packet read before the fault.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capture.h"

struct capture {
	pcap_t	*pcap;
	int	 linktype;
};

struct capture *
capture_open_file(const char *path, char *err, size_t errlen)
{
	char pcap_err[PCAP_ERRBUF_SIZE];
	struct capture *c;
	struct stat sb;

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
	pcap_err[0] = '\0';
	c->pcap = pcap_open_offline_with_tstamp_precision(path,
	    PCAP_TSTAMP_PRECISION_MICRO, pcap_err);
	if (c->pcap == NULL) {
		snprintf(err, errlen, "%s: %s", path, pcap_err);
		free(c);
		return (NULL);
	}
	c->linktype = pcap_datalink(c->pcap);
	return (c);
}

void
capture_close(struct capture *c)
{
	if (c == NULL)
		return;
	pcap_close(c->pcap);
	free(c);
}

int
capture_next(struct capture *c, struct packet *p, char *err, size_t errlen)
{
	struct pcap_pkthdr *hdr;
	const u_char *data;
	int rc;

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
	/* pcapng may change link type per interface; libpcap reports one. */
	p->linktype = c->linktype;
	return (1);
}
