/*
 * pcap_floor.c - the I/O floor: read a capture with libpcap the way
 * espvis's capture/ does (fopen, a 256 KiB stdio buffer of its own,
 * pcap_fopen_offline_with_tstamp_precision, pcap_next_ex) and touch no
 * packet byte, only the record headers.  Whatever espvis does on top of
 * this loop is its own cost.
 *
 *   pcap_floor [-b BYTES] FILE    prints "frames caplen_bytes"
 *
 * -b sets the stdio buffer; -b 0 lets libpcap open the file itself
 * (pcap_open_offline: glibc's 4 KiB buffer, a read(2) per 4 KiB).
 * Keep the default equal to CAPTURE_READ_BUF in src/capture/capture.c.
 */
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_BUF	(256u << 10)

int
main(int argc, char **argv)
{
	char			 errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr	*hdr;
	const u_char		*data;
	pcap_t			*p;
	FILE			*f;
	char			*buf = NULL;
	size_t			 bufsize = DEFAULT_BUF;
	uint64_t		 frames = 0, bytes = 0;
	int			 ch, rc;

	while ((ch = getopt(argc, argv, "b:")) != -1) {
		switch (ch) {
		case 'b':
			bufsize = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: pcap_floor [-b BYTES] FILE\n");
			return (2);
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: pcap_floor [-b BYTES] FILE\n");
		return (2);
	}
	if (bufsize == 0)
		p = pcap_open_offline_with_tstamp_precision(argv[optind],
		    PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	else {
		if ((f = fopen(argv[optind], "rb")) == NULL) {
			perror(argv[optind]);
			return (1);
		}
		if ((buf = malloc(bufsize)) == NULL ||
		    setvbuf(f, buf, _IOFBF, bufsize) != 0) {
			fprintf(stderr, "pcap_floor: no buffer\n");
			return (1);
		}
		p = pcap_fopen_offline_with_tstamp_precision(f,
		    PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	}
	if (p == NULL) {
		fprintf(stderr, "pcap_floor: %s\n", errbuf);
		return (1);
	}
	while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
		frames++;
		bytes += hdr->caplen;
	}
	if (rc != PCAP_ERROR_BREAK) {
		fprintf(stderr, "pcap_floor: %s\n", pcap_geterr(p));
		pcap_close(p);
		return (1);
	}
	pcap_close(p);
	free(buf);
	printf("%" PRIu64 " %" PRIu64 "\n", frames, bytes);
	return (0);
}
