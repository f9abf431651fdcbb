/*
 * spsc.h - a lock-free single-producer, single-consumer FIFO of byte
 * records in one preallocated buffer (C11 atomics, no locks, no
 * allocation after spsc_new()).
 *
 * It carries frames from the reading thread to a worker, and formatted
 * EVE lines and inner pcap records from a worker to the exporter thread
 * (DESIGN.md 1, --workers).  Records are variable-length and stored in
 * one piece, so a frame costs its own length, not a snaplen-sized slot:
 * a record that would run past the end of the buffer is preceded by a
 * pad marker and starts again at the beginning.
 *
 * Exactly one thread may call the producer half (spsc_reserve(),
 * spsc_commit()) and exactly one the consumer half (spsc_peek(),
 * spsc_release()); spsc_close() is the producer's, spsc_closed() the
 * consumer's.  Neither half ever waits: a full or empty ring says so and
 * the caller decides (spsc_backoff() is the waiting both sides use).
 *
 * Ownership: spsc_new() returns a ring freed with spsc_free()
 * (NULL-safe), once both threads are done with it.  The pointer
 * spsc_peek() returns is valid until spsc_release().
 */
#ifndef ESPVIS_SPSC_H
#define ESPVIS_SPSC_H

#include <stdbool.h>
#include <stddef.h>

struct spsc;

/* size: bytes, rounded up to a power of two (at least 64).  NULL when
 * out of memory. */
struct spsc	*spsc_new(size_t size);
void		 spsc_free(struct spsc *);

/* The longest record the ring can ever take (half its size, less the
 * record header): anything up to this fits once the ring drains. */
size_t		 spsc_max_record(const struct spsc *);

/*
 * Producer: room for a record of len bytes, or NULL when the ring has no
 * room now (or len > spsc_max_record(): never).  Nothing is visible to
 * the consumer until spsc_commit(), which publishes the record reserved
 * last with its final length (at most the reserved one).
 */
void		*spsc_reserve(struct spsc *, size_t len);
void		 spsc_commit(struct spsc *, size_t len);
/* Producer: no more records will come. */
void		 spsc_close(struct spsc *);
/* Producer: the consumer has released every record committed so far
 * (what it did before each release is visible to the caller). */
bool		 spsc_drained(struct spsc *);

/* Consumer: the oldest record and its length, or NULL when empty. */
const void	*spsc_peek(struct spsc *, size_t *len);
void		 spsc_release(struct spsc *);
/* Consumer: true once the producer closed and every record was taken. */
bool		 spsc_done(struct spsc *);

/*
 * Waiting without spinning: the consumer when spsc_peek() found nothing
 * (spsc_wait_data()), the producer when spsc_reserve() found no room
 * (spsc_wait_room()); *spins counts the calls, 0 after progress.  A few
 * short spins (no system call), then a sleep (at most 1 ms) until the other side has a batch
 * for it: an eighth of the ring committed, or half of it free.  Each
 * wakeup is one system call per batch, not per record.  spsc_kick()
 * (producer) wakes a sleeping consumer now, for what is committed so
 * far: live and inline input, where a lone packet must not wait.
 */
void		 spsc_wait_data(struct spsc *, unsigned *spins);
void		 spsc_wait_room(struct spsc *, unsigned *spins);
void		 spsc_kick(struct spsc *);

/*
 * Either side, when the ring is full (producer) or empty (consumer):
 * yield, and after many yields sleep 50 us at a time (*spins counts
 * the calls; set it to 0 after progress).  Only on the slow path: a busy ring never
 * gets here.
 */
void		 spsc_backoff(unsigned *spins);

#endif /* ESPVIS_SPSC_H */
