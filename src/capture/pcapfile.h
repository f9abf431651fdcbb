/*
 * pcapfile.h - the records of a classic pcap file (pcap-savefile(5)),
 * read in large blocks and handed out where they lie: no copy, no stdio
 * and no libpcap call per packet.
 *
 * capture.c uses it for the common case only, once libpcap has opened
 * the file and judged its header: a regular file, format version 2.4,
 * Ethernet.  Every other file, and every FIFO or pipe, stays with
 * libpcap.  Records are checked as libpcap 1.10 checks them
 * (sf-pcap.c, pcap_next_packet()), with its error messages, so that a
 * corrupt or cut file ends the same way whichever reader read it.
 *
 * Ownership: pcapfile_open() returns a reader the caller frees with
 * pcapfile_close() (NULL-safe); it does not own fd.  The bytes a
 * packet points at belong to the reader and stay valid until the next
 * pcapfile_next().
 */
#ifndef ESPVIS_PCAPFILE_H
#define ESPVIS_PCAPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../util/packet.h"

#define PCAPFILE_HDR_LEN	24	/* the file header (pcap-savefile(5)) */
#define PCAPFILE_REC_HDR_LEN	16	/* each record's header */
#define PCAPFILE_MAX_CAPLEN	262144	/* libpcap's MAXIMUM_SNAPLEN */

struct pcapfile_params {
	int		 fd;		/* read with pread(2), from offset */
	off_t		 offset;	/* the first record */
	bool		 swapped;	/* written in the other byte order */
	bool		 nsec;		/* nanosecond time stamps */
	uint32_t	 snapshot;	/* libpcap's pcap_snapshot() */
	int		 linktype;	/* libpcap's pcap_datalink() */
};

struct pcapfile;

/* NULL when out of memory. */
struct pcapfile	*pcapfile_open(const struct pcapfile_params *);
void		 pcapfile_close(struct pcapfile *);

/*
 * As capture_next(): 1 and p->frame, caplen, wirelen, ts_sec, ts_usec
 * and linktype filled in; 0 at the end of the file; -1 and the reason
 * in err on a cut or corrupt record, or a read error.
 */
int		 pcapfile_next(struct pcapfile *, struct packet *p, char *err,
		    size_t errlen);

#endif /* ESPVIS_PCAPFILE_H */
