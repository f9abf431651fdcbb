/*
 * bytes.h - big-endian (network order) stores and loads on buffers the
 * caller has already sized: building messages and reading fields that a
 * decoder checked.  Untrusted input is read through util/cursor.h.
 */
#ifndef ESPVIS_UTIL_BYTES_H
#define ESPVIS_UTIL_BYTES_H

#include <stdint.h>

static inline void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void
put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

static inline uint32_t
get_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

static inline uint64_t
get_be64(const uint8_t *p)
{
	return ((uint64_t)get_be32(p) << 32 | get_be32(p + 4));
}

#endif /* ESPVIS_UTIL_BYTES_H */
