/*
 * frag.h - the IP fragment reassembly table of decode/.
 *
 * A fixed table of datagram slots, each with a preallocated buffer and a
 * bounded list of the byte ranges received, found by a hash of the key
 * (IP version, source, destination, identification, protocol).  IPv4
 * (RFC 791 section 3.2, the hole idea of RFC 815) and IPv6 (RFC 8200
 * section 4.5) share it; any overlap drops the whole datagram (RFC 5722
 * section 4), except an exact duplicate, which RFC 8200 section 4.5
 * allows to be dropped alone.
 *
 * Ownership: frag_table_new() allocates everything; frag_table_free()
 * (NULL-safe) releases it.  frag_add() allocates nothing.  A completed
 * datagram's bytes stay valid until the next frag_release(), which
 * decode_packet() calls first thing, so they live exactly as long as the
 * packet that completed them.
 */
#ifndef ESPVIS_FRAG_H
#define ESPVIS_FRAG_H

#include <stdbool.h>
#include <stdint.h>

#include "../util/addr.h"
#include "../util/cursor.h"
#include "../util/stats.h"

/* Fragments kept per datagram; more ends the datagram as invalid. */
#define FRAG_MAX_RANGES		64

/* Largest reassembled payload: both IPv4 and IPv6 length fields are 16 bits. */
#define FRAG_MAX_PAYLOAD	65535

struct frag_key {
	struct ipaddr	src;
	struct ipaddr	dst;
	uint32_t	id;	/* IPv4: 16 bits; IPv6: 32 bits */
	uint8_t		ipver;	/* 4 or 6 */
	/* IPv4 protocol; 0 for IPv6, where only the offset-zero
	   fragment's Next Header counts (RFC 8200 section 4.5) */
	uint8_t		proto;
};

/* One fragment as its IP header describes it. */
struct frag_piece {
	uint32_t	offset;	/* bytes into the fragmentable part */
	bool		more;	/* MF (IPv4) / M (IPv6) flag */
	uint8_t		proto;	/* what this fragment says follows */
	struct cursor	data;	/* exactly its payload, all captured */
};

enum frag_result {
	FRAG_HELD,		/* kept (or a duplicate); not complete */
	FRAG_DONE,		/* the datagram is complete */
	FRAG_INVALID,		/* the datagram is (or was) dropped */
};

struct frag_table;

/*
 * NULL when a limit is zero, max_bytes is above FRAG_MAX_PAYLOAD + 64
 * or memory is short.
 */
struct frag_table	*frag_table_new(uint32_t max_datagrams,
			    uint32_t max_bytes, uint32_t timeout_sec);
void			 frag_table_free(struct frag_table *);

/*
 * Add one fragment received at now_sec; pc->data is read (copied), not
 * kept.  FRAG_DONE sets *out to the reassembled payload (offset 0 up to
 * the end given by the last fragment) and *out_proto to the protocol of
 * its offset-zero fragment, and counts stats->frag_reassembled.
 * FRAG_INVALID counts stats->frag_overlaps when this fragment is what
 * dropped the datagram, or stats->frag_evicted when every slot is held
 * by a datagram completed since the last frag_release() and so none
 * could take it.  Evictions and timeouts met on the way are counted.
 */
enum frag_result	 frag_add(struct frag_table *, const struct frag_key *,
			    struct frag_piece *, int64_t now_sec,
			    struct stats *, struct cursor *out,
			    uint8_t *out_proto);

/* Drop datagrams older than the timeout (stats->frag_timeouts). */
void			 frag_expire(struct frag_table *, int64_t now_sec,
			    struct stats *);

/* Recycle the slots of datagrams completed since the last call. */
void			 frag_release(struct frag_table *);

/* Datagrams being reassembled or remembered as dropped (for tests). */
uint32_t		 frag_in_use(const struct frag_table *);

#endif /* ESPVIS_FRAG_H */
