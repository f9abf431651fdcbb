/*
 * siphash.c - SipHash-2-4 and SipHash-1-3 over a byte string, and their
 * random key.
 *
 * Reference: Aumasson and Bernstein, "SipHash: a fast short-input PRF"
 * (2012): c compression rounds per 8-byte word, d finalization rounds,
 * little-endian words, the length in the top byte of the last word;
 * SipHash-c-d.  1-3 is the variant their reference code also ships, and
 * what Rust's HashMap and CPython's str hash use against hash flooding.
 */
#include <sys/random.h>

#include <endian.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "siphash.h"

/*
 * It runs for every packet (SA and flow lookups), so words are loaded
 * whole (le64toh) and the rounds are a macro on locals: measured
 * (bench/results.md) about 850 instructions a lookup before, 150 after.
 */
#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIP_ROUND(v0, v1, v2, v3) do {					\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)

static inline uint64_t
le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return (le64toh(v));
}

static inline uint64_t
siphash_cd(const uint8_t key[SIPHASH_KEY_LEN], const void *data, size_t len,
    int c_rounds, int d_rounds)
{
	const uint8_t	*in = data;
	uint64_t	 k0 = le64(key), k1 = le64(key + 8), m, b;
	uint64_t	 v0 = k0 ^ 0x736f6d6570736575ULL;
	uint64_t	 v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t	 v2 = k0 ^ 0x6c7967656e657261ULL;
	uint64_t	 v3 = k1 ^ 0x7465646279746573ULL;
	size_t		 i, left = len & 7, end = len - left;
	int		 r;

	for (i = 0; i < end; i += 8) {
		m = le64(in + i);
		v3 ^= m;
		for (r = 0; r < c_rounds; r++)
			SIP_ROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	b = (uint64_t)len << 56;
	in += end;
	switch (left) {		/* the tail, little-endian: no loop */
	case 7:
		b |= (uint64_t)in[6] << 48;
		/* FALLTHROUGH */
	case 6:
		b |= (uint64_t)in[5] << 40;
		/* FALLTHROUGH */
	case 5:
		b |= (uint64_t)in[4] << 32;
		/* FALLTHROUGH */
	case 4:
		b |= (uint64_t)in[3] << 24;
		/* FALLTHROUGH */
	case 3:
		b |= (uint64_t)in[2] << 16;
		/* FALLTHROUGH */
	case 2:
		b |= (uint64_t)in[1] << 8;
		/* FALLTHROUGH */
	case 1:
		b |= in[0];
		break;
	default:
		break;
	}
	v3 ^= b;
	for (r = 0; r < c_rounds; r++)
		SIP_ROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	for (r = 0; r < d_rounds; r++)
		SIP_ROUND(v0, v1, v2, v3);
	return (v0 ^ v1 ^ v2 ^ v3);
}

uint64_t
siphash24(const uint8_t key[SIPHASH_KEY_LEN], const void *data, size_t len)
{
	return (siphash_cd(key, data, len, 2, 4));
}

uint64_t
siphash13(const uint8_t key[SIPHASH_KEY_LEN], const void *data, size_t len)
{
	return (siphash_cd(key, data, len, 1, 3));
}

void
siphash_random_key(uint8_t key[SIPHASH_KEY_LEN])
{
	struct timespec	 ts;
	uintptr_t	 addr = (uintptr_t)key;
	size_t		 i;

	if (getrandom(key, SIPHASH_KEY_LEN, 0) == SIPHASH_KEY_LEN)
		return;
	/*
	 * No entropy source (a very early boot, a seccomp jail): a key
	 * that still differs per run and per address space.
	 */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	for (i = 0; i < SIPHASH_KEY_LEN; i++)
		key[i] = (uint8_t)((uint64_t)ts.tv_nsec >> (i % 4 * 8) ^
		    (uint64_t)addr >> (i % 8 * 8) ^ (uint64_t)ts.tv_sec);
}
