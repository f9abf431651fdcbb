/*
 * capture.h - the libpcap adapter: read pcap and pcapng files.
 *
 * Ownership: capture_open_file() returns a handle the caller closes with
 * capture_close() (NULL-safe).  Packet bytes filled in by capture_next()
 * belong to libpcap and stay valid until the next capture_next().
 */
#ifndef ESPVIS_CAPTURE_H
#define ESPVIS_CAPTURE_H

#include <stddef.h>

#include "../util/packet.h"

struct capture;

/* NULL on failure, with a one-line reason in err. */
struct capture	*capture_open_file(const char *path, char *err, size_t errlen);
void		 capture_close(struct capture *);

/*
 * Fill p->frame, caplen, wirelen, ts_sec, ts_usec, linktype.
 * Returns 1 for a packet, 0 at the clean end of the file, -1 when the file
 * is truncated or corrupt (reason in err).
 */
int		 capture_next(struct capture *, struct packet *p, char *err,
		    size_t errlen);

#endif /* ESPVIS_CAPTURE_H */
