/*
 * hold.c - the hold ring for packets of undecided SAs.
 *
 * Why: an SA is judged from its first packets, but those packets are
 * already gone by the time it is judged ESP-NULL.  Without a hold the
 * inner stream would miss the start of every flow (a TCP handshake, the
 * first DNS query) - exactly what an IDS needs most.
 *
 * How: one byte ring of fixed size, allocated once.  A record is a
 * header (size, link to the next record of the same SA, owning list),
 * a copy of struct packet, the ESP bytes and the 12 MAC bytes.  Records
 * are appended at the tail and reclaimed only at the head, so the ring
 * stays in arrival order, and the oldest live record of any list is the
 * first of that list: dropping the head never searches.  A record whose
 * SA was decided encrypted or ended is marked dead (owner NULL) and its
 * space comes back when the head reaches it.  When a record does not
 * fit before the end of the buffer, the ring wraps and the gap up to
 * the end (wrap_end) is skipped.
 *
 * Bounds: hold_bytes in total, records aligned to max_align_t.  A
 * packet larger than the whole ring is counted held and expired at once.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../util/cursor.h"
#include "hold.h"

#define MAC_BYTES	12	/* destination + source, Ethernet */
#define REC_ALIGN	_Alignof(max_align_t)

struct hold_rec {
	uint32_t	 size;		/* whole record, aligned */
	uint32_t	 next;		/* next record of the same list */
	struct hold_list *owner;	/* NULL when dead */
	struct packet	 pkt;		/* pointers into data[] */
	uint8_t		 data[];	/* ESP bytes, then MAC bytes */
};

struct hold {
	uint8_t		*buf;
	uint32_t	 cap;
	uint32_t	 head;		/* oldest record */
	uint32_t	 tail;		/* where the next record goes */
	uint32_t	 wrap_end;	/* end of data before a wrap, else cap */
	uint32_t	 count;		/* records in the ring, live or dead */
	struct hold_list released;	/* queue for hold_next_released() */
};

void
hold_list_init(struct hold_list *l)
{
	l->first = HOLD_NONE;
	l->last = HOLD_NONE;
}

bool
hold_list_empty(const struct hold_list *l)
{
	return (l->first == HOLD_NONE);
}

struct hold *
hold_new(uint32_t bytes)
{
	struct hold	*h;

	if (bytes < HOLD_MIN_BYTES)
		return (NULL);
	bytes -= bytes % REC_ALIGN;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return (NULL);
	if ((h->buf = malloc(bytes)) == NULL) {
		free(h);
		return (NULL);
	}
	h->cap = bytes;
	h->wrap_end = bytes;
	hold_list_init(&h->released);
	return (h);
}

void
hold_free(struct hold *h)
{
	if (h == NULL)
		return;
	free(h->buf);
	free(h);
}

static struct hold_rec *
rec_at(struct hold *h, uint32_t off)
{
	return ((struct hold_rec *)(void *)(h->buf + off));
}

static void
ring_reset(struct hold *h)
{
	h->head = h->tail = h->count = 0;
	h->wrap_end = h->cap;
}

/* Reclaim the oldest record; a live one is lost to its SA. */
static void
pop_oldest(struct hold *h, struct stats *st)
{
	struct hold_rec	*r = rec_at(h, h->head);

	if (r->owner != NULL) {
		r->owner->first = r->next;
		if (r->next == HOLD_NONE)
			r->owner->last = HOLD_NONE;
		st->held_expired++;
	}
	h->head += r->size;
	if (--h->count == 0)
		ring_reset(h);
	else if (h->head == h->wrap_end) {
		h->head = 0;
		h->wrap_end = h->cap;
	}
}

/* Room for size bytes (size <= cap), dropping the oldest as needed. */
static uint32_t
reserve(struct hold *h, uint32_t size, struct stats *st)
{
	uint32_t	 off;

	for (;;) {
		if (h->count == 0)
			ring_reset(h);
		if (h->count > 0 && h->tail <= h->head) {
			/* wrapped: free space is [tail, head) */
			if (h->head - h->tail >= size)
				break;
		} else if (h->cap - h->tail >= size) {
			break;
		} else if (h->head >= size) {
			h->wrap_end = h->tail;
			h->tail = 0;
			break;
		}
		pop_oldest(h, st);
	}
	off = h->tail;
	h->tail += size;
	h->count++;
	return (off);
}

static void
list_append(struct hold *h, struct hold_list *l, uint32_t off)
{
	struct hold_rec	*r = rec_at(h, off);

	r->next = HOLD_NONE;
	r->owner = l;
	if (l->last != HOLD_NONE)
		rec_at(h, l->last)->next = off;
	else
		l->first = off;
	l->last = off;
}

/* Copy n bytes through a cursor (the one way to read packet bytes). */
static void
copy_bytes(uint8_t *dst, const uint8_t *src, size_t n)
{
	struct cursor	 c;
	const uint8_t	*b;

	cur_init(&c, src, n);
	if ((b = cur_bytes(&c, n)) != NULL)
		memcpy(dst, b, n);
}

void
hold_add(struct hold *h, struct hold_list *l, const struct packet *p,
    struct stats *st)
{
	struct hold_rec	*r;
	uint32_t	 n, size, off;

	if (h == NULL)
		return;
	st->held++;
	n = p->esp == NULL ? 0 : p->esp_len;
	if (n > p->esp_wire_len)	/* link-layer padding: not ESP */
		n = p->esp_wire_len;
	size = (uint32_t)sizeof(*r) + n + MAC_BYTES;
	size = (size + REC_ALIGN - 1) / REC_ALIGN * REC_ALIGN;
	if (size > h->cap) {
		st->held_expired++;
		return;
	}
	off = reserve(h, size, st);
	r = rec_at(h, off);
	r->size = size;
	r->pkt = *p;
	r->pkt.frame = NULL;
	r->pkt.caplen = 0;
	copy_bytes(r->data, p->esp, n);
	r->pkt.esp = r->data;
	r->pkt.esp_len = n;
	r->pkt.mac_dst = r->pkt.mac_src = NULL;
	if (p->mac_dst != NULL) {
		copy_bytes(r->data + n, p->mac_dst, 6);
		r->pkt.mac_dst = r->data + n;
	}
	if (p->mac_src != NULL) {
		copy_bytes(r->data + n + 6, p->mac_src, 6);
		r->pkt.mac_src = r->data + n + 6;
	}
	list_append(h, l, off);
}

void
hold_discard(struct hold *h, struct hold_list *l)
{
	struct hold_rec	*r;
	uint32_t	 off;

	if (h != NULL) {
		for (off = l->first; off != HOLD_NONE; off = r->next) {
			r = rec_at(h, off);
			r->owner = NULL;
		}
	}
	hold_list_init(l);
}

uint32_t
hold_release(struct hold *h, struct hold_list *l, hold_fn fn, void *arg)
{
	struct hold_rec	*r;
	uint32_t	 off, next, n = 0;

	if (h == NULL) {
		hold_list_init(l);
		return (0);
	}
	hold_drop_released(h);
	for (off = l->first; off != HOLD_NONE; off = next) {
		r = rec_at(h, off);
		next = r->next;
		r->owner = NULL;
		if (fn(arg, &r->pkt)) {
			list_append(h, &h->released, off);
			n++;
		}
	}
	hold_list_init(l);
	return (n);
}

bool
hold_next_released(struct hold *h, struct packet *p)
{
	struct hold_rec	*r;

	if (h == NULL || h->released.first == HOLD_NONE)
		return (false);
	r = rec_at(h, h->released.first);
	*p = r->pkt;
	h->released.first = r->next;
	if (r->next == HOLD_NONE)
		h->released.last = HOLD_NONE;
	r->owner = NULL;
	return (true);
}

void
hold_drop_released(struct hold *h)
{
	if (h != NULL)
		hold_discard(h, &h->released);
}
