/*
 * siphash.c - SipHash-2-4 over a byte string, and its random key.
 *
 * Reference: Aumasson and Bernstein, "SipHash: a fast short-input PRF"
 * (2012): 2 compression rounds per 8-byte word, 4 finalization rounds,
 * little-endian words, the length in the top byte of the last word.
 */
#include <sys/random.h>

#include <stdint.h>
#include <time.h>

#include "siphash.h"

#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;
	int	 i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return (v);
}

static void
sip_round(uint64_t v[4])
{
	v[0] += v[1]; v[1] = ROTL(v[1], 13); v[1] ^= v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3]; v[3] = ROTL(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = ROTL(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = ROTL(v[1], 17); v[1] ^= v[2];
	v[2] = ROTL(v[2], 32);
}

uint64_t
siphash24(const uint8_t key[SIPHASH_KEY_LEN], const void *data, size_t len)
{
	const uint8_t	*in = data;
	uint64_t	 v[4], k0 = le64(key), k1 = le64(key + 8), m, b;
	size_t		 i, left = len & 7, end = len - left;

	v[0] = k0 ^ 0x736f6d6570736575ULL;
	v[1] = k1 ^ 0x646f72616e646f6dULL;
	v[2] = k0 ^ 0x6c7967656e657261ULL;
	v[3] = k1 ^ 0x7465646279746573ULL;
	for (i = 0; i < end; i += 8) {
		m = le64(in + i);
		v[3] ^= m;
		sip_round(v);
		sip_round(v);
		v[0] ^= m;
	}
	b = (uint64_t)len << 56;
	for (i = 0; i < left; i++)
		b |= (uint64_t)in[end + i] << (8 * i);
	v[3] ^= b;
	sip_round(v);
	sip_round(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	for (i = 0; i < 4; i++)
		sip_round(v);
	return (v[0] ^ v[1] ^ v[2] ^ v[3]);
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
