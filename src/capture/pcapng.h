/*
 * pcapng.h - a bounded reader for pcapng files (draft-ietf-opsawg-pcapng).
 *
 * Why our own: libpcap 1.10 (Debian 12) refuses a pcapng file whose
 * interfaces differ in link type or snapshot length, which is what
 * Wireshark writes when it captures on several interfaces at once.  This
 * reader keeps a link type and timestamp resolution per interface.
 *
 * Ownership: pcapng_open() takes ownership of the FILE and returns a
 * reader that pcapng_close() (NULL-safe) frees, closing the FILE.
 */
#ifndef ESPVIS_PCAPNG_H
#define ESPVIS_PCAPNG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../util/packet.h"

#define PCAPNG_SHB_TYPE	0x0a0d0d0aU

struct pcapng;

/* NULL (reason in err) when f does not start with a valid section header. */
struct pcapng	*pcapng_open(FILE *f, char *err, size_t errlen);
void		 pcapng_close(struct pcapng *);

/*
 * The next packet: 1 (frame fields of p set; bytes valid until the next
 * call), 0 at the end, -1 on a truncated or corrupt file (reason in err).
 */
int		 pcapng_next(struct pcapng *, struct packet *p, char *err,
		    size_t errlen);

/* Parse one block held in memory (for tests and the fuzz target). */
int		 pcapng_parse_block(struct pcapng *, const uint8_t *block,
		    size_t len, struct packet *p, char *err, size_t errlen);

/* A reader with no file, for pcapng_parse_block(). */
struct pcapng	*pcapng_new_memory(void);

#endif /* ESPVIS_PCAPNG_H */
