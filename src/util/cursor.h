/*
 * cursor.h - the one bounded reader for wire bytes.
 *
 * Every read of packet memory goes through a struct cursor.  A read past
 * the end sets the sticky error flag and returns 0 (or NULL), so a decoder
 * reads a whole header and checks cur_ok() once (style-anchors lesson 1).
 * The cursor borrows the bytes; it never owns or frees them.
 */
#ifndef ESPVIS_CURSOR_H
#define ESPVIS_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cursor {
	const uint8_t	*base;	/* first byte of the window (borrowed) */
	size_t		 len;	/* bytes in the window */
	size_t		 pos;	/* next byte to read */
	bool		 err;	/* set by any out-of-bounds read; sticky */
};

static inline void
cur_init(struct cursor *c, const uint8_t *base, size_t len)
{
	c->base = base;
	c->len = base != NULL ? len : 0;
	c->pos = 0;
	c->err = false;
}

static inline bool
cur_ok(const struct cursor *c)
{
	return (!c->err);
}

static inline size_t
cur_left(const struct cursor *c)
{
	return (c->err ? 0 : c->len - c->pos);
}

static inline size_t
cur_pos(const struct cursor *c)
{
	return (c->pos);
}

/* Pointer to the next byte, for handing a window to another cursor. */
static inline const uint8_t *
cur_ptr(const struct cursor *c)
{
	return (c->base + c->pos);
}

static inline bool
cur_need(struct cursor *c, size_t n)
{
	if (c->err || n > c->len - c->pos) {
		c->err = true;
		return (false);
	}
	return (true);
}

static inline uint8_t
cur_u8(struct cursor *c)
{
	if (!cur_need(c, 1))
		return (0);
	return (c->base[c->pos++]);
}

static inline uint16_t
cur_be16(struct cursor *c)
{
	uint16_t v;

	if (!cur_need(c, 2))
		return (0);
	v = (uint16_t)(c->base[c->pos] << 8 | c->base[c->pos + 1]);
	c->pos += 2;
	return (v);
}

static inline uint32_t
cur_be32(struct cursor *c)
{
	uint32_t v;

	if (!cur_need(c, 4))
		return (0);
	v = (uint32_t)c->base[c->pos] << 24 | (uint32_t)c->base[c->pos + 1] << 16 |
	    (uint32_t)c->base[c->pos + 2] << 8 | (uint32_t)c->base[c->pos + 3];
	c->pos += 4;
	return (v);
}

/* Little-endian 32 bits: BSD loopback headers are in host order. */
static inline uint32_t
cur_le32(struct cursor *c)
{
	uint32_t v;

	if (!cur_need(c, 4))
		return (0);
	v = (uint32_t)c->base[c->pos] | (uint32_t)c->base[c->pos + 1] << 8 |
	    (uint32_t)c->base[c->pos + 2] << 16 | (uint32_t)c->base[c->pos + 3] << 24;
	c->pos += 4;
	return (v);
}

/* Borrow n bytes; NULL (and err) when fewer remain. */
static inline const uint8_t *
cur_bytes(struct cursor *c, size_t n)
{
	const uint8_t *p;

	if (!cur_need(c, n))
		return (NULL);
	p = c->base + c->pos;
	c->pos += n;
	return (p);
}

static inline void
cur_skip(struct cursor *c, size_t n)
{
	if (cur_need(c, n))
		c->pos += n;
}

/* Read a byte at absolute offset off without moving; err when outside. */
static inline uint8_t
cur_peek_u8(struct cursor *c, size_t off)
{
	if (c->err || off >= c->len) {
		c->err = true;
		return (0);
	}
	return (c->base[off]);
}

/*
 * Split off the next n bytes as a child window and advance past them.
 * On short input the parent's error is set and the child is empty with
 * its error set too.
 */
static inline bool
cur_sub(struct cursor *c, size_t n, struct cursor *child)
{
	if (!cur_need(c, n)) {
		cur_init(child, NULL, 0);
		child->err = true;
		return (false);
	}
	cur_init(child, c->base + c->pos, n);
	c->pos += n;
	return (true);
}

/*
 * The next n bytes, which the caller has checked are there (cur_left(c)
 * >= n), as a window of exactly n bytes, and advance past them.  With n
 * a constant the window's bounds are constants: reading a fixed header
 * through it costs one check, not one a field.  Were the bytes missing
 * after all, the parent and the window get the error, as cur_sub().
 */
static inline void
cur_window(struct cursor *c, size_t n, struct cursor *w)
{
	if (!cur_need(c, n)) {
		w->base = NULL;
		w->len = w->pos = 0;
		w->err = true;
		return;
	}
	w->base = c->base + c->pos;
	w->len = n;
	w->pos = 0;
	w->err = false;
	c->pos += n;
}

#endif /* ESPVIS_CURSOR_H */
