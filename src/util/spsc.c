/*
 * spsc.c - lock-free SPSC record ring (spsc.h).
 *
 * head and tail are byte positions that only grow (size_t wraps far
 * beyond any run); position & mask is the offset in the buffer.  The
 * producer alone stores head, the consumer alone stores tail: a store
 * with release order publishes the bytes written before it, a load with
 * acquire order on the other side sees them (C11 7.17.3).  Each side
 * keeps a cached copy of the other's position and reloads it only when
 * the cache says full or empty, so a busy ring costs one shared cache
 * line transfer per batch, not per record.  The two positions live on
 * separate cache lines so the threads do not write the same line.
 *
 * A record is a 4-byte length, its bytes, padding to 8.  A length of
 * PAD_MARK says "the rest of the buffer is unused, go to offset 0".
 */
#include <linux/futex.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "spsc.h"

#define CACHE_LINE	64
#define REC_HDR		8		/* length, and 4 bytes of alignment */
#define PAD_MARK	UINT32_MAX
#define ALIGN8(n)	(((n) + 7) & ~(size_t)7)

struct spsc {
	/* producer's line */
	_Atomic size_t	 head;
	size_t		 tail_cache;
	size_t		 res_pos;	/* reserved record's start */
	size_t		 res_skip;	/* pad bytes before it */
	char		 pad0[CACHE_LINE - 4 * sizeof(size_t)];
	/* consumer's line */
	_Atomic size_t	 tail;
	size_t		 head_cache;
	char		 pad1[CACHE_LINE - 2 * sizeof(size_t)];
	/* read-only after spsc_new(), and the producer's close flag */
	_Atomic bool	 closed;
	size_t		 size;
	size_t		 mask;
	uint8_t		*buf;
	void		*map;		/* buf's mapping, for munmap() */
	size_t		 map_len;
	/* futex words: 1 while that side sleeps (spsc_wait_*()) */
	char		 pad2[CACHE_LINE];
	_Atomic uint32_t cons_sleeps;
	_Atomic uint32_t prod_sleeps;
};

/*
 * Sleeping and waking (spsc_wait_data(), spsc_wait_room()).  A side
 * that finds the ring empty (full) sets its flag, looks again, and
 * sleeps on the flag; the other side looks at the flag after each
 * commit (release).  The waker does not wake at once: only when there
 * is a batch to take (WAKE_SHARE of the ring) or room for one, or when
 * told to (spsc_kick(), spsc_close()), so that a consumer faster than
 * its producer costs a wakeup per batch, not per record.
 *
 * Only spsc_kick() puts a full fence between its position store and the
 * flag load, so that of the two sides one always sees the other
 * (Dekker): a fence per record costs more than the rest of the ring
 * operations together.  Without it a commit may miss a flag raised at
 * that instant; the next commit sees it, the producer kicks or closes
 * when it pauses, and the sleep is bounded (SLEEP_NS) anyway.
 */
#define WAKE_SHARE	8		/* consumer: 1/8 of the ring waiting */
#define SPIN_TRIES	4		/* short spins before sleeping */
#define SPIN_PAUSES	32		/* pause instructions in one */
#define SLEEP_NS	1000000		/* 1 ms */

/*
 * A few microseconds in all for the other side to catch up before a sleep:
 * no system call (a yield on a busy machine gives away a whole time
 * slice, and a sleep and a wakeup cost more than a short wait).
 */
static void
spin_pause(void)
{
	int i;

	for (i = 0; i < SPIN_PAUSES; i++)
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#else
		atomic_signal_fence(memory_order_seq_cst);
#endif
}

static void
futex_sleep(_Atomic uint32_t *word)
{
	struct timespec ts = { 0, SLEEP_NS };

	syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, 1, &ts, NULL, 0);
}

static void
futex_wake(_Atomic uint32_t *word)
{
	if (atomic_load_explicit(word, memory_order_relaxed) == 0)
		return;
	atomic_store(word, 0);
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/*
 * The buffer in transparent huge pages where the kernel allows them
 * (madvise mode, Debian's default): a ring is touched whole at the start,
 * and 4 KiB pages would cost a fault each (8 MiB: 2048), per ring.
 */
#define HUGE_PAGE	(2u << 20)

static uint8_t *
ring_map(struct spsc *r, size_t n)
{
	uintptr_t	 p;

	r->map_len = n + HUGE_PAGE;
	r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		return (NULL);
	}
	p = ((uintptr_t)r->map + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
	if (n >= HUGE_PAGE)
		(void)madvise((void *)p, n, MADV_HUGEPAGE);
	return ((uint8_t *)p);
}

struct spsc *
spsc_new(size_t size)
{
	struct spsc	*r;
	size_t		 n = 64;

	while (n < size && n < SIZE_MAX / 2)
		n <<= 1;
	if (posix_memalign((void **)&r, CACHE_LINE, sizeof(*r)) != 0)
		return (NULL);
	memset(r, 0, sizeof(*r));
	if ((r->buf = ring_map(r, n)) == NULL) {
		free(r);
		return (NULL);
	}
	/* Not touched here: a huge page is zeroed by the kernel when first
	   written, once, and an unused part of the ring costs nothing. */
	r->size = n;
	r->mask = n - 1;
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	atomic_init(&r->closed, false);
	atomic_init(&r->cons_sleeps, 0);
	atomic_init(&r->prod_sleeps, 0);
	return (r);
}

void
spsc_free(struct spsc *r)
{
	if (r == NULL)
		return;
	munmap(r->map, r->map_len);
	free(r);
}

size_t
spsc_max_record(const struct spsc *r)
{
	return (r->size / 2 - REC_HDR);
}

/*
 * A record of need bytes (header included) fits without wrapping at
 * offset pos, or else at offset 0 after skipping the rest; need <=
 * size / 2 guarantees one of the two in an empty ring.
 */
void *
spsc_reserve(struct spsc *r, size_t len)
{
	size_t	head, pos, need, skip, used;

	if (len > spsc_max_record(r))
		return (NULL);
	head = atomic_load_explicit(&r->head, memory_order_relaxed);
	pos = head & r->mask;
	need = ALIGN8(REC_HDR + len);
	skip = r->size - pos < need ? r->size - pos : 0;
	used = head - r->tail_cache;
	if (used + skip + need > r->size) {
		r->tail_cache = atomic_load_explicit(&r->tail,
		    memory_order_acquire);
		used = head - r->tail_cache;
		if (used + skip + need > r->size)
			return (NULL);
	}
	r->res_pos = skip > 0 ? 0 : pos;
	r->res_skip = skip;
	return (r->buf + r->res_pos + REC_HDR);
}

void
spsc_commit(struct spsc *r, size_t len)
{
	size_t		head = atomic_load_explicit(&r->head,
			    memory_order_relaxed);
	uint32_t	mark = PAD_MARK, len32 = (uint32_t)len;

	if (r->res_skip > 0)
		memcpy(r->buf + (head & r->mask), &mark, sizeof(mark));
	memcpy(r->buf + r->res_pos, &len32, sizeof(len32));
	head += r->res_skip + ALIGN8(REC_HDR + len);
	atomic_store_explicit(&r->head, head, memory_order_release);
	if (atomic_load_explicit(&r->cons_sleeps, memory_order_relaxed) != 0 &&
	    head - r->tail_cache >= r->size / WAKE_SHARE)
		futex_wake(&r->cons_sleeps);
}

void
spsc_kick(struct spsc *r)
{
	atomic_thread_fence(memory_order_seq_cst);
	futex_wake(&r->cons_sleeps);
}

void
spsc_close(struct spsc *r)
{
	atomic_store_explicit(&r->closed, true, memory_order_release);
	spsc_kick(r);
}

bool
spsc_drained(struct spsc *r)
{
	return (atomic_load_explicit(&r->tail, memory_order_acquire) ==
	    atomic_load_explicit(&r->head, memory_order_relaxed));
}

const void *
spsc_peek(struct spsc *r, size_t *len)
{
	size_t		tail = atomic_load_explicit(&r->tail,
			    memory_order_relaxed);
	size_t		pos;
	uint32_t	len32;

	if (tail == r->head_cache) {
		r->head_cache = atomic_load_explicit(&r->head,
		    memory_order_acquire);
		if (tail == r->head_cache)
			return (NULL);
	}
	pos = tail & r->mask;
	memcpy(&len32, r->buf + pos, sizeof(len32));
	if (len32 == PAD_MARK) {
		/* The producer wrote the record at 0 in the same commit. */
		tail += r->size - pos;
		atomic_store_explicit(&r->tail, tail, memory_order_release);
		pos = 0;
		memcpy(&len32, r->buf, sizeof(len32));
	}
	*len = len32;
	return (r->buf + pos + REC_HDR);
}

void
spsc_release(struct spsc *r)
{
	size_t		tail = atomic_load_explicit(&r->tail,
			    memory_order_relaxed);
	uint32_t	len32;

	memcpy(&len32, r->buf + (tail & r->mask), sizeof(len32));
	tail += ALIGN8(REC_HDR + len32);
	atomic_store_explicit(&r->tail, tail, memory_order_release);
	if (atomic_load_explicit(&r->prod_sleeps, memory_order_relaxed) != 0 &&
	    r->head_cache - tail <= r->size / 2)
		futex_wake(&r->prod_sleeps);
}

void
spsc_wait_data(struct spsc *r, unsigned *spins)
{
	if (*spins < SPIN_TRIES) {
		(*spins)++;
		spin_pause();
		return;
	}
	atomic_store(&r->cons_sleeps, 1);
	/* Look again after the flag is up: a commit before it is seen. */
	if (atomic_load(&r->head) != atomic_load_explicit(&r->tail,
	    memory_order_relaxed) || atomic_load(&r->closed)) {
		atomic_store(&r->cons_sleeps, 0);
		return;
	}
	/* Never both asleep: a producer waiting for room gets it all. */
	futex_wake(&r->prod_sleeps);
	futex_sleep(&r->cons_sleeps);
}

void
spsc_wait_room(struct spsc *r, unsigned *spins)
{
	if (*spins < SPIN_TRIES) {
		(*spins)++;
		spin_pause();
		return;
	}
	atomic_store(&r->prod_sleeps, 1);
	/* Room for a batch already?  Then the release that made it did
	   not see the flag: look instead of sleeping. */
	if (atomic_load_explicit(&r->head, memory_order_relaxed) -
	    atomic_load(&r->tail) <= r->size / 2) {
		atomic_store(&r->prod_sleeps, 0);
		return;
	}
	/* Never both asleep: a full ring is a batch for the consumer. */
	futex_wake(&r->cons_sleeps);
	futex_sleep(&r->prod_sleeps);
}

bool
spsc_done(struct spsc *r)
{
	size_t len;

	/* closed first: a record committed before the close is seen. */
	if (!atomic_load_explicit(&r->closed, memory_order_acquire))
		return (false);
	return (spsc_peek(r, &len) == NULL);
}

void
spsc_backoff(unsigned *spins)
{
	struct timespec ts;

	/* Yield first: with more threads than CPUs the other side needs
	   this one's CPU; sleep only when it stays idle (end of input, a
	   slow output), so that an idle thread costs nothing. */
	if (*spins < 256) {
		(*spins)++;
		sched_yield();
		return;
	}
	ts.tv_sec = 0;
	ts.tv_nsec = 50 * 1000;
	nanosleep(&ts, NULL);
}
