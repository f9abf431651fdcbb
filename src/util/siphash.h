/*
 * siphash.h - SipHash (Aumasson, Bernstein), the keyed hash of the
 * inspector's tables.
 *
 * Table keys (SPIs, addresses, ports) are chosen by whoever sends the
 * packets.  With an unkeyed hash a crafted flood could land in one bucket
 * and make every lookup walk a long chain; a secret random key makes the
 * bucket of a key unpredictable.
 *
 * The SA and flow tables hash every packet with SipHash-1-3: for a hash
 * table key, whose output is never shown, the authors' reduced-round
 * variant (as Rust's HashMap and CPython use); 2-4 costs about twice as
 * much per key (bench/results.md).  SipHash-2-4 stays for the worker
 * dispatch, whose fixed key must give the same workers as before.
 */
#ifndef ESPVIS_SIPHASH_H
#define ESPVIS_SIPHASH_H

#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SIPHASH_KEY_LEN	16

uint64_t	siphash24(const uint8_t key[SIPHASH_KEY_LEN], const void *in,
		    size_t len);
uint64_t	siphash13(const uint8_t key[SIPHASH_KEY_LEN], const void *in,
		    size_t len);

#define SIPHASH_ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPHASH_ROUND(v0, v1, v2, v3) do {				\
	v0 += v1; v1 = SIPHASH_ROTL(v1, 13); v1 ^= v0;			\
	v0 = SIPHASH_ROTL(v0, 32);					\
	v2 += v3; v3 = SIPHASH_ROTL(v3, 16); v3 ^= v2;			\
	v0 += v3; v3 = SIPHASH_ROTL(v3, 21); v3 ^= v0;			\
	v2 += v1; v1 = SIPHASH_ROTL(v1, 17); v1 ^= v2;			\
	v2 = SIPHASH_ROTL(v2, 32);					\
} while (0)

/*
 * SipHash-1-3 of a message given as nw 64-bit words and a last partial
 * word of tail_len (0..7) bytes: the same value as siphash13() of the
 * words' little-endian bytes followed by tail's low tail_len bytes
 * (tail must have no bits above them; test_siphash.c compares the two).
 * For the table keys that every packet hashes: built from header fields
 * in registers, with a constant nw the rounds unroll, and there is no
 * byte buffer to fill, no loop and no tail switch (bench/results.md,
 * session 3: about 170 instructions a key before, 90 after).
 */
static inline uint64_t
siphash13_words(const uint8_t key[SIPHASH_KEY_LEN], const uint64_t *w,
    size_t nw, uint64_t tail, size_t tail_len)
{
	uint64_t	 k0, k1, v0, v1, v2, v3, b;
	size_t		 i;

	memcpy(&k0, key, 8);
	memcpy(&k1, key + 8, 8);
	k0 = le64toh(k0);
	k1 = le64toh(k1);
	v0 = k0 ^ 0x736f6d6570736575ULL;
	v1 = k1 ^ 0x646f72616e646f6dULL;
	v2 = k0 ^ 0x6c7967656e657261ULL;
	v3 = k1 ^ 0x7465646279746573ULL;
	for (i = 0; i < nw; i++) {
		v3 ^= w[i];
		SIPHASH_ROUND(v0, v1, v2, v3);
		v0 ^= w[i];
	}
	b = (uint64_t)(nw * 8 + tail_len) << 56 | tail;
	v3 ^= b;
	SIPHASH_ROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	SIPHASH_ROUND(v0, v1, v2, v3);
	SIPHASH_ROUND(v0, v1, v2, v3);
	SIPHASH_ROUND(v0, v1, v2, v3);
	return (v0 ^ v1 ^ v2 ^ v3);
}

/*
 * Fill key with secret random bytes (getrandom(2); once per table, at
 * its creation, never per packet).
 */
void		siphash_random_key(uint8_t key[SIPHASH_KEY_LEN]);

#endif /* ESPVIS_SIPHASH_H */
