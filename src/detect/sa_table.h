/*
 * sa_table.h - the security associations detect/ tracks: a bounded,
 * preallocated hash table with an LRU list, and a bounded table of the
 * layouts of ESP-NULL SAs by peer pair, for rekeys.
 *
 * Ownership: sa_table_new() allocates every entry and bucket;
 * sa_table_free() (NULL-safe) releases them.  Lookups, inserts and
 * removals allocate nothing.  A struct sa pointer stays valid until the
 * entry is removed.
 */
#ifndef ESPVIS_DETECT_SA_TABLE_H
#define ESPVIS_DETECT_SA_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "../util/addr.h"
#include "../util/siphash.h"
#include "heuristic.h"
#include "hold.h"

#define SA_TABLE_MAX	(1u << 24)	/* hard cap on max_sas */
#define SA_SEED_LEN	SIPHASH_KEY_LEN	/* the table's secret hash key */

/*
 * What identifies an SA (RFC 4303 section 2.1 with source and
 * destination; RFC 5879 section 7: with UDP encapsulation each port pair
 * is its own flow).  Build it with sa_key_make() so that padding and
 * unused bytes are zero: keys are hashed and compared as bytes.
 */
struct sa_key {
	uint8_t		ipver;
	uint8_t		encap;		/* enum esp_encap */
	uint8_t		wesp;		/* WESP and ESP never share an SA */
	uint8_t		zero;
	uint16_t	sport;		/* 0 unless encap */
	uint16_t	dport;
	uint32_t	spi;
	uint8_t		src[16];
	uint8_t		dst[16];
};

void	sa_key_make(struct sa_key *, uint8_t ipver, const struct ipaddr *src,
	    const struct ipaddr *dst, uint8_t encap, uint16_t sport,
	    uint16_t dport, bool wesp, uint32_t spi);

/* The WESP layout fields that must not change within an SA. */
struct sa_wesp {
	bool		encrypted;
	bool		padded;
	uint8_t		hdr_len;
	uint8_t		trailer_len;
};

/* Ordered for little padding: 256 bytes (bench/results.md: per SA). */
struct sa {
	struct sa_key	 key;
	uint32_t	 sa_id;		/* stable, unique over the run */
	int64_t		 last_sec;	/* last packet seen */
	uint64_t	 pkts;
	uint64_t	 bytes;
	uint64_t	 inner_pkts;
	uint64_t	 seq_gaps;
	uint64_t	 seq_replays;
	uint32_t	 last_usec;
	uint32_t	 seq_first;
	uint32_t	 seq_last;	/* highest seen */
	struct sa_wesp	 wesp;		/* key.wesp only */
	uint8_t		 next_hdr;	/* of the latest inspectable packet */
	uint8_t		 keyed;		/* SA_KEYED_*: its key was used */

	/* table links (sa_table.c only) */
	bool		 in_use;
	uint32_t	 hnext;		/* index + 1; 0: end of chain */
	uint32_t	 lru_prev;	/* indices */
	uint32_t	 lru_next;

	/* With keys, detect.c keeps the rest of its key state beside the
	   table (struct sa_keyed), so that an SA costs no more without. */

	struct hold_list held;		/* packets held while undecided */
	struct heur	 heur;		/* verdict and evidence */
};

#define SA_KEYED_USED		0x1	/* a packet was checked with a key */
#define SA_KEYED_DECRYPTS	0x2	/* that key encrypts */

struct sa_table;

struct sa_table	*sa_table_new(uint32_t max_sas,
		    const uint8_t seed[SA_SEED_LEN]);
void		 sa_table_free(struct sa_table *);

struct sa	*sa_table_lookup(struct sa_table *, const struct sa_key *);
bool		 sa_table_full(const struct sa_table *);
uint32_t	 sa_table_count(const struct sa_table *);

/*
 * A new, zeroed entry for key (not already present), most recently
 * used.  NULL when the table is full: remove sa_table_oldest() first.
 */
struct sa	*sa_table_insert(struct sa_table *, const struct sa_key *);
void		 sa_table_remove(struct sa_table *, struct sa *);

/* sa's position in the table, 0..max_sas-1: an index for state kept
 * beside it (detect.c's key state). */
uint32_t	 sa_table_index(const struct sa_table *, const struct sa *);

/* Make sa the most recently used. */
void		 sa_table_touch(struct sa_table *, struct sa *);
/* The least recently used entry; NULL when empty. */
struct sa	*sa_table_oldest(struct sa_table *);
/* Most recently used first: the entry after prev (NULL: the newest);
 * NULL past the last.  Reading only (snapshots, mgmt). */
const struct sa	*sa_table_next_recent(const struct sa_table *,
		    const struct sa *prev);

/*
 * Predecessor layouts: the candidate index of the last SA decided null
 * between the same peers (the key without its SPI).  A direct-mapped
 * cache of as many slots as the SA table: a newer pair may overwrite an
 * older one, which only costs a rekeyed SA the shortcut.
 */
void	sa_table_pred_put(struct sa_table *, const struct sa_key *, int cand);
int	sa_table_pred_get(struct sa_table *, const struct sa_key *);

#endif /* ESPVIS_DETECT_SA_TABLE_H */
