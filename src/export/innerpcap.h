/*
 * innerpcap.h - the `-w` stream: decapsulated inner packets as pcap.
 *
 * Tunnel mode gives the inner IP packet; transport mode an IP packet
 * rebuilt from the outer header (DESIGN.md section 4).  Link type Ethernet
 * (outer MAC addresses kept) or raw IP.  Written with libpcap's writer so
 * any pcap reader takes it, through a file, a FIFO or stdout ("-").
 *
 * Ownership: innerpcap_open() returns a writer the caller closes with
 * innerpcap_close() (NULL-safe).  The record is assembled in a buffer the
 * writer owns: no allocation per packet.
 */
#ifndef ESPVIS_INNERPCAP_H
#define ESPVIS_INNERPCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/packet.h"
#include "../util/stats.h"

enum inner_linktype {
	INNER_LINK_ETHERNET = 0,
	INNER_LINK_RAW,
};

struct innerpcap;

struct innerpcap *innerpcap_open(const char *dest, enum inner_linktype,
		    char *err, size_t errlen);
void		 innerpcap_close(struct innerpcap *);

/*
 * --workers: a writer that frames records as innerpcap_open()'s do but
 * hands each (borrowed for the call) to fn instead of a file; the
 * exporter thread writes them with innerpcap_write_record().  Closed by
 * innerpcap_close(); its flush does nothing.
 */
typedef void	(*innerpcap_rec_fn)(void *arg, int64_t ts_sec,
		    uint32_t ts_usec, const uint8_t *rec, size_t len);
struct innerpcap *innerpcap_open_fn(enum inner_linktype,
		    innerpcap_rec_fn fn, void *arg);
void		 innerpcap_write_record(struct innerpcap *, int64_t ts_sec,
		    uint32_t ts_usec, const uint8_t *rec, size_t len);

/*
 * Write p's inner packet (p->inner set by detect/).  Returns 0, or -1 when
 * the inner payload cannot be framed (too large): nothing is written.
 */
int		 innerpcap_write(struct innerpcap *, const struct packet *,
		    struct stats *);
void		 innerpcap_flush(struct innerpcap *);
/* Records not written because the reader went away (EPIPE). */
uint64_t	 innerpcap_lost(const struct innerpcap *);

/*
 * Build the record for p into buf (used by the writer, and by tests).
 * Returns its length, or 0 when it does not fit in buflen.
 */
size_t		 innerpcap_frame(const struct packet *, enum inner_linktype,
		    uint8_t *buf, size_t buflen);

#endif /* ESPVIS_INNERPCAP_H */
