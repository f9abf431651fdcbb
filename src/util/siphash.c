/*
 * siphash.c - SipHash-2-4 over a byte string, and its random key.
 *
 * Reference: Aumasson and Bernstein, "SipHash: a fast short-input PRF"
 * (2012): 2 compression rounds per 8-byte word, 4 finalization rounds,
 * little-endian words, the length in the top byte of the last word.
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

uint64_t
siphash24(const uint8_t key[SIPHASH_KEY_LEN], const void *data, size_t len)
{
	const uint8_t	*in = data;
	uint64_t	 k0 = le64(key), k1 = le64(key + 8), m, b;
	uint64_t	 v0 = k0 ^ 0x736f6d6570736575ULL;
	uint64_t	 v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t	 v2 = k0 ^ 0x6c7967656e657261ULL;
	uint64_t	 v3 = k1 ^ 0x7465646279746573ULL;
	size_t		 i, left = len & 7, end = len - left;

	for (i = 0; i < end; i += 8) {
		m = le64(in + i);
		v3 ^= m;
		SIP_ROUND(v0, v1, v2, v3);
		SIP_ROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	b = (uint64_t)len << 56;
	for (i = 0; i < left; i++)
		b |= (uint64_t)in[end + i] << (8 * i);
	v3 ^= b;
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	return (v0 ^ v1 ^ v2 ^ v3);
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
