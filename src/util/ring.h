/*
 * ring.h - a bounded FIFO of byte records in one preallocated buffer.
 *
 * The socket outputs queue formatted events here so that the capture
 * path never waits for a consumer: a record that does not fit is refused
 * and counted, and nothing is allocated after ring_new().  Each record is
 * stored in one piece (one that would run past the end of the buffer
 * starts again at its beginning), so a sender can hand the oldest records
 * to sendmsg()/sendmmsg() as they lie, one iovec each, without copying.
 *
 * Ownership: ring_new() returns a ring freed with ring_free() (NULL-safe).
 * The iovecs ring_peek() fills point into the ring: valid until the next
 * ring_pop() or ring_clear() (ring_put() never moves stored records).
 */
#ifndef ESPVIS_RING_H
#define ESPVIS_RING_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct ring;

/* One part of a record.  iovecs are not const-correct; ring_put() only
 * reads the bytes. */
static inline struct iovec
ring_part(const void *base, size_t len)
{
	struct iovec part;

	part.iov_base = (void *)(uintptr_t)base;
	part.iov_len = len;
	return (part);
}

/* size: bytes, rounded down to a multiple of 4; NULL when under 16 or
 * out of memory.  A record takes its length rounded up to 4, plus 4. */
struct ring	*ring_new(size_t size);
void		 ring_free(struct ring *);

/* Append one record made of the parts, in order.  0, or -1 when it does
 * not fit (nothing stored; counted in ring_dropped()). */
int		 ring_put(struct ring *, const struct iovec *parts,
		    size_t nparts);

/* Describe up to max of the oldest records, oldest first; returns how
 * many.  The ring is not changed. */
size_t		 ring_peek(const struct ring *, struct iovec *out, size_t max);

/* Remove the n oldest records (at most as many as are stored). */
void		 ring_pop(struct ring *, size_t n);

/* Remove every record; returns how many there were. */
size_t		 ring_clear(struct ring *);

size_t		 ring_records(const struct ring *);
/* Bytes in use: records, their headers and any wrap padding. */
size_t		 ring_bytes(const struct ring *);
size_t		 ring_size(const struct ring *);
/* Records refused by ring_put() since ring_new(). */
uint64_t	 ring_dropped(const struct ring *);

#endif /* ESPVIS_RING_H */
