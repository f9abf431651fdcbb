/*
 * ring.c - the record FIFO of ring.h.
 *
 * Layout: each record is a 4-byte length header followed by its bytes,
 * padded to a multiple of 4 so that every header is aligned and the space
 * left before the end of the buffer is either none or room for a header.
 * When a record does not fit before the end, a WRAP header marks the rest
 * of the buffer as unused and the record goes to offset 0; the reader
 * follows the mark, and gives the padding back as it passes.  This wastes at most one record's worth of bytes per
 * turn and buys contiguous records: one iovec or one datagram each.
 *
 * head == tail is ambiguous (empty or full); the record count decides.
 * An empty ring restarts at offset 0, which keeps the longest run free.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ring.h"

#define RING_HDR	sizeof(uint32_t)
#define RING_WRAP	UINT32_MAX	/* header: continue at offset 0 */
#define RING_ALIGN(n)	(((n) + 3) & ~(size_t)3)

struct ring {
	uint8_t		*buf;
	size_t		 size;		/* a multiple of 4 */
	size_t		 head;		/* header of the oldest record */
	size_t		 tail;		/* where the next header goes */
	size_t		 used;		/* bytes from head to tail, padding too */
	size_t		 records;
	uint64_t	 dropped;
};

struct ring *
ring_new(size_t size)
{
	struct ring *r;

	size &= ~(size_t)3;
	if (size < 16 || size > UINT32_MAX)
		return (NULL);
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return (NULL);
	if ((r->buf = malloc(size)) == NULL) {
		free(r);
		return (NULL);
	}
	r->size = size;
	return (r);
}

void
ring_free(struct ring *r)
{
	if (r == NULL)
		return;
	free(r->buf);
	free(r);
}

static uint32_t
header_at(const struct ring *r, size_t off)
{
	uint32_t h;

	memcpy(&h, r->buf + off, sizeof(h));
	return (h);
}

static void
set_header(struct ring *r, size_t off, uint32_t h)
{
	memcpy(r->buf + off, &h, sizeof(h));
}

/* Where a record of need bytes can start; false when it does not fit. */
static bool
place(struct ring *r, size_t need, size_t *at)
{
	bool wrapped_free = r->tail > r->head ||
	    (r->tail == r->head && r->records == 0);

	if (wrapped_free) {
		/* Free: [tail, size) then [0, head). */
		if (r->size - r->tail >= need) {
			*at = r->tail;
			return (true);
		}
		if (r->head >= need) {
			set_header(r, r->tail, RING_WRAP);
			r->used += r->size - r->tail;
			*at = 0;
			return (true);
		}
		return (false);
	}
	/* Free: [tail, head). */
	if (r->head - r->tail >= need) {
		*at = r->tail;
		return (true);
	}
	return (false);
}

int
ring_put(struct ring *r, const struct iovec *parts, size_t nparts)
{
	size_t len = 0, need, off, at, i;

	for (i = 0; i < nparts; i++)
		len += parts[i].iov_len;
	need = RING_HDR + RING_ALIGN(len);
	if (len >= RING_WRAP || need > r->size) {
		r->dropped++;
		return (-1);
	}
	if (r->records == 0)
		r->head = r->tail = r->used = 0;
	if (!place(r, need, &at)) {
		r->dropped++;
		return (-1);
	}
	set_header(r, at, (uint32_t)len);
	off = at + RING_HDR;
	for (i = 0; i < nparts; i++) {
		if (parts[i].iov_len > 0)
			memcpy(r->buf + off, parts[i].iov_base, parts[i].iov_len);
		off += parts[i].iov_len;
	}
	r->tail = at + need;
	if (r->tail == r->size)
		r->tail = 0;
	r->used += need;
	r->records++;
	return (0);
}

/* Follow a wrap mark at *pos; return the length of the record there. */
static uint32_t
record_at(const struct ring *r, size_t *pos)
{
	uint32_t len = header_at(r, *pos);

	if (len == RING_WRAP) {
		*pos = 0;
		len = header_at(r, 0);
	}
	return (len);
}

size_t
ring_peek(const struct ring *r, struct iovec *out, size_t max)
{
	size_t n, pos = r->head;
	uint32_t len;

	for (n = 0; n < max && n < r->records; n++) {
		len = record_at(r, &pos);
		out[n].iov_base = r->buf + pos + RING_HDR;
		out[n].iov_len = len;
		pos += RING_HDR + RING_ALIGN((size_t)len);
		if (pos == r->size)
			pos = 0;
	}
	return (n);
}

void
ring_pop(struct ring *r, size_t n)
{
	size_t need;

	/* head never rests on a wrap mark: the loop steps over it. */
	for (; n > 0 && r->records > 0; n--) {
		need = RING_HDR + RING_ALIGN((size_t)header_at(r, r->head));
		r->head += need;
		if (r->head == r->size)
			r->head = 0;
		r->used -= need;
		r->records--;
		/* Give the wrap padding back as soon as the reader reaches
		 * it, so ring_bytes() counts only what is still ahead. */
		if (r->records > 0 && header_at(r, r->head) == RING_WRAP) {
			r->used -= r->size - r->head;
			r->head = 0;
		}
	}
	if (r->records == 0)
		r->head = r->tail = r->used = 0;
}

size_t
ring_clear(struct ring *r)
{
	size_t n = r->records;

	r->head = r->tail = r->used = 0;
	r->records = 0;
	return (n);
}

size_t
ring_records(const struct ring *r)
{
	return (r->records);
}

size_t
ring_bytes(const struct ring *r)
{
	return (r->used);
}

size_t
ring_size(const struct ring *r)
{
	return (r->size);
}

uint64_t
ring_dropped(const struct ring *r)
{
	return (r->dropped);
}
