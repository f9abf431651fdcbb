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

#include <stddef.h>
#include <stdint.h>

#define SIPHASH_KEY_LEN	16

uint64_t	siphash24(const uint8_t key[SIPHASH_KEY_LEN], const void *in,
		    size_t len);
uint64_t	siphash13(const uint8_t key[SIPHASH_KEY_LEN], const void *in,
		    size_t len);

/*
 * Fill key with secret random bytes (getrandom(2); once per table, at
 * its creation, never per packet).
 */
void		siphash_random_key(uint8_t key[SIPHASH_KEY_LEN]);

#endif /* ESPVIS_SIPHASH_H */
