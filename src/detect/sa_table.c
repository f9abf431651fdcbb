/*
 * sa_table.c - the SA hash table, its LRU list and the predecessor
 * cache.
 *
 * Entries live in one preallocated array; a free list, the hash chains
 * and the LRU list link them by index.  Buckets are a power of two, at
 * least max_sas, so chains stay short at any fill.
 *
 * Hash flooding: SPIs and addresses are chosen by whoever sends the
 * packets.  With an unkeyed hash a crafted SPI flood could land in one
 * bucket and make every lookup, known SAs included, walk a long chain.
 * SipHash-1-3 keyed with a secret random seed (chosen at detect_new())
 * makes the bucket of a key unpredictable, and a full table evicts the
 * least recently used entry in O(1), so a flood of new SPIs costs known
 * SAs neither time nor their place, unless they are idle.
 *
 * Memory is reserved at sa_table_new() and touched as it is used: the
 * arrays start as calloc() zeroes (pages the kernel maps on first use),
 * so chain links hold index + 1 (0: none), entries never used yet come
 * from next_unused instead of a free list built up front, and a
 * predecessor slot is a 64-bit fingerprint of its peer pair and cand + 1
 * (0: empty), 9 bytes instead of a 48-byte key copy.  A table sized for
 * a million SAs costs what the SAs in it cost (bench/results.md: bytes
 * per SA), and starting espvis no longer writes 20 MB it may never use.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../util/siphash.h"
#include "sa_table.h"

#define IDX_NONE	UINT32_MAX

/* Chain links (buckets[], hnext) hold index + 1: calloc()'s 0 is none. */
#define LINK(i)		((i) + 1)		/* IDX_NONE -> 0 */
#define UNLINK(l)	((uint32_t)((l) - 1))	/* 0 -> IDX_NONE */

struct sa_table {
	struct sa	*sas;
	uint32_t	 max;
	uint32_t	 count;
	uint32_t	 free_head;	/* removed entries, via hnext */
	uint32_t	 next_unused;	/* entries never used: next_unused.. */
	uint32_t	*buckets;	/* LINK() of the chain's first entry */
	uint32_t	 mask;		/* buckets - 1 */
	uint32_t	 lru_head;	/* most recently used */
	uint32_t	 lru_tail;	/* least recently used */
	uint32_t	 next_id;
	uint64_t	*pred_fp;	/* mask + 1 slots: peer pair hash */
	uint8_t		*pred_cand;	/* cand + 1; 0: empty */
	uint8_t		 seed[SA_SEED_LEN];
};

void
sa_key_make(struct sa_key *k, uint8_t ipver, const struct ipaddr *src,
    const struct ipaddr *dst, uint8_t encap, uint16_t sport, uint16_t dport,
    bool wesp, uint32_t spi)
{
	memset(k, 0, sizeof(*k));
	k->ipver = ipver;
	k->encap = encap;
	k->wesp = wesp;
	if (encap != ENCAP_NONE) {
		k->sport = sport;
		k->dport = dport;
	}
	k->spi = spi;
	memcpy(k->src, src->bytes, sizeof(k->src));
	memcpy(k->dst, dst->bytes, sizeof(k->dst));
}

static uint64_t
word_at(const struct sa_key *k, size_t off)
{
	uint64_t w;

	memcpy(&w, (const uint8_t *)k + off, 8);
	return (w);
}

static uint32_t
half_at(const struct sa_key *k, size_t off)
{
	uint32_t h;

	memcpy(&h, (const uint8_t *)k + off, 4);
	return (h);
}

/*
 * The table's secret SipHash-1-3 over the key's meaningful bytes, taken
 * as words straight from the key (no copy): an IPv4 key is 20 bytes, not
 * 44 (sa_key_make() zeroes the unused 12 bytes of each address): the
 * header word, the SPI with the source, and the destination as the tail.
 */
_Static_assert(offsetof(struct sa_key, spi) == 8 &&
    offsetof(struct sa_key, src) == 12 && offsetof(struct sa_key, dst) == 28,
    "key_hash() reads the key as words");

static uint64_t
key_hash(const struct sa_table *t, const struct sa_key *k)
{
	uint64_t w[5];
	size_t i;

	if (k->ipver == 4) {
		w[0] = word_at(k, 0);
		w[1] = word_at(k, 8);
		return (siphash13_words(t->seed, w, 2, half_at(k, 28), 4));
	}
	for (i = 0; i < 5; i++)
		w[i] = word_at(k, 8 * i);
	return (siphash13_words(t->seed, w, 5, half_at(k, 40), 4));
}

static uint32_t
bucket_of(const struct sa_table *t, const struct sa_key *k)
{
	return ((uint32_t)key_hash(t, k) & t->mask);
}

/* memcmp() of 44 bytes is a libc call; this is six loads a key. */
_Static_assert(sizeof(struct sa_key) == 44, "key_eq() reads 5 words + 4");

static inline bool
key_eq(const struct sa_key *a, const struct sa_key *b)
{
	const uint8_t	*p = (const uint8_t *)a, *q = (const uint8_t *)b;
	uint64_t	 x, y, diff = 0;
	uint32_t	 x4, y4;
	size_t		 i;

	for (i = 0; i + 8 <= sizeof(*a); i += 8) {
		memcpy(&x, p + i, 8);
		memcpy(&y, q + i, 8);
		diff |= x ^ y;
	}
	memcpy(&x4, p + i, 4);
	memcpy(&y4, q + i, 4);
	return (diff == 0 && x4 == y4);
}

struct sa_table *
sa_table_new(uint32_t max_sas, const uint8_t seed[SA_SEED_LEN])
{
	struct sa_table	*t;
	uint32_t	 nb = 1;

	if (max_sas == 0 || max_sas > SA_TABLE_MAX)
		return (NULL);
	while (nb < max_sas)
		nb <<= 1;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return (NULL);
	t->sas = calloc(max_sas, sizeof(*t->sas));
	t->buckets = calloc(nb, sizeof(*t->buckets));
	t->pred_fp = calloc(nb, sizeof(*t->pred_fp));
	t->pred_cand = calloc(nb, sizeof(*t->pred_cand));
	if (t->sas == NULL || t->buckets == NULL || t->pred_fp == NULL ||
	    t->pred_cand == NULL) {
		sa_table_free(t);
		return (NULL);
	}
	t->max = max_sas;
	t->mask = nb - 1;
	memcpy(t->seed, seed, SA_SEED_LEN);
	t->free_head = IDX_NONE;
	t->next_unused = 0;
	t->lru_head = t->lru_tail = IDX_NONE;
	t->next_id = 1;
	return (t);
}

void
sa_table_free(struct sa_table *t)
{
	if (t == NULL)
		return;
	free(t->sas);
	free(t->buckets);
	free(t->pred_fp);
	free(t->pred_cand);
	free(t);
}

static uint32_t
index_of(const struct sa_table *t, const struct sa *sa)
{
	return ((uint32_t)(sa - t->sas));
}

uint32_t
sa_table_index(const struct sa_table *t, const struct sa *sa)
{
	return (index_of(t, sa));
}

struct sa *
sa_table_lookup(struct sa_table *t, const struct sa_key *k)
{
	uint32_t	 i;

	for (i = UNLINK(t->buckets[bucket_of(t, k)]); i != IDX_NONE;
	    i = UNLINK(t->sas[i].hnext))
		if (key_eq(&t->sas[i].key, k))
			return (&t->sas[i]);
	return (NULL);
}

bool
sa_table_full(const struct sa_table *t)
{
	return (t->count == t->max);
}

uint32_t
sa_table_count(const struct sa_table *t)
{
	return (t->count);
}

static void
lru_unlink(struct sa_table *t, struct sa *sa)
{
	if (sa->lru_prev != IDX_NONE)
		t->sas[sa->lru_prev].lru_next = sa->lru_next;
	else
		t->lru_head = sa->lru_next;
	if (sa->lru_next != IDX_NONE)
		t->sas[sa->lru_next].lru_prev = sa->lru_prev;
	else
		t->lru_tail = sa->lru_prev;
}

static void
lru_push_head(struct sa_table *t, struct sa *sa)
{
	uint32_t	 i = index_of(t, sa);

	sa->lru_prev = IDX_NONE;
	sa->lru_next = t->lru_head;
	if (t->lru_head != IDX_NONE)
		t->sas[t->lru_head].lru_prev = i;
	else
		t->lru_tail = i;
	t->lru_head = i;
}

struct sa *
sa_table_insert(struct sa_table *t, const struct sa_key *k)
{
	struct sa	*sa;
	uint32_t	 i, b;

	/* Removed entries first, as a free list built up front gave them. */
	if (t->free_head != IDX_NONE) {
		i = t->free_head;
		t->free_head = UNLINK(t->sas[i].hnext);
	} else if (t->next_unused < t->max)
		i = t->next_unused++;
	else
		return (NULL);
	sa = &t->sas[i];
	memset(sa, 0, sizeof(*sa));
	sa->key = *k;
	sa->in_use = true;
	sa->sa_id = t->next_id++;
	if (t->next_id == 0)		/* 0 is never an id */
		t->next_id = 1;
	b = bucket_of(t, k);
	sa->hnext = t->buckets[b];
	t->buckets[b] = LINK(i);
	lru_push_head(t, sa);
	t->count++;
	return (sa);
}

void
sa_table_remove(struct sa_table *t, struct sa *sa)
{
	uint32_t	 i = index_of(t, sa), *link;

	if (!sa->in_use)
		return;
	for (link = &t->buckets[bucket_of(t, &sa->key)]; *link != 0;
	    link = &t->sas[UNLINK(*link)].hnext) {
		if (UNLINK(*link) == i) {
			*link = sa->hnext;
			break;
		}
	}
	lru_unlink(t, sa);
	sa->in_use = false;
	sa->hnext = LINK(t->free_head);
	t->free_head = i;
	t->count--;
}

void
sa_table_touch(struct sa_table *t, struct sa *sa)
{
	if (t->lru_head == index_of(t, sa))
		return;
	lru_unlink(t, sa);
	lru_push_head(t, sa);
}

struct sa *
sa_table_oldest(struct sa_table *t)
{
	return (t->lru_tail == IDX_NONE ? NULL : &t->sas[t->lru_tail]);
}

const struct sa *
sa_table_next_recent(const struct sa_table *t, const struct sa *prev)
{
	uint32_t	 i = prev == NULL ? t->lru_head : prev->lru_next;

	return (i == IDX_NONE ? NULL : &t->sas[i]);
}

/* The peer pair of an SA: its key without the SPI. */
static void
pred_key(const struct sa_key *k, struct sa_key *pk)
{
	*pk = *k;
	pk->spi = 0;
}

/*
 * A slot keeps the 64-bit hash of its peer pair, not the pair: two pairs
 * in one slot agree on the hash's low bits, so a stranger is mistaken
 * for the owner with about 2^-(64 - log2 slots) (2^-44 at a million
 * slots), and even then the borrowed layout must pass an inner check on
 * the SA's first packet before it decides anything (heuristic.c).
 */
void
sa_table_pred_put(struct sa_table *t, const struct sa_key *k, int cand)
{
	struct sa_key	 pk;
	uint64_t	 h;

	pred_key(k, &pk);
	h = key_hash(t, &pk);
	t->pred_fp[h & t->mask] = h;
	t->pred_cand[h & t->mask] = (uint8_t)(cand + 1);
}

int
sa_table_pred_get(struct sa_table *t, const struct sa_key *k)
{
	struct sa_key	 pk;
	uint64_t	 h;

	pred_key(k, &pk);
	h = key_hash(t, &pk);
	if (t->pred_cand[h & t->mask] == 0 || t->pred_fp[h & t->mask] != h)
		return (-1);
	return (t->pred_cand[h & t->mask] - 1);
}
