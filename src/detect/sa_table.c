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
 * SipHash-2-4 keyed with a secret random seed (chosen at detect_new())
 * makes the bucket of a key unpredictable, and a full table evicts the
 * least recently used entry in O(1), so a flood of new SPIs costs known
 * SAs neither time nor their place, unless they are idle.
 */
#include <stdlib.h>
#include <string.h>

#include "sa_table.h"

#define IDX_NONE	UINT32_MAX

struct pred_slot {
	struct sa_key	key;		/* spi = 0 */
	int8_t		cand;		/* -1: empty */
};

struct sa_table {
	struct sa	*sas;
	uint32_t	 max;
	uint32_t	 count;
	uint32_t	 free_head;	/* via hnext */
	uint32_t	*buckets;
	uint32_t	 mask;		/* buckets - 1 */
	uint32_t	 lru_head;	/* most recently used */
	uint32_t	 lru_tail;	/* least recently used */
	uint32_t	 next_id;
	struct pred_slot *pred;		/* mask + 1 slots */
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

/* SipHash-2-4 (Aumasson, Bernstein), over our own key struct. */
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

static uint64_t
siphash(const uint8_t seed[SA_SEED_LEN], const uint8_t *in, size_t len)
{
	uint64_t v[4], k0 = le64(seed), k1 = le64(seed + 8), m, b;
	size_t	 i, left = len & 7, end = len - left;

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

static uint32_t
bucket_of(const struct sa_table *t, const struct sa_key *k)
{
	return ((uint32_t)siphash(t->seed, (const uint8_t *)k, sizeof(*k)) &
	    t->mask);
}

struct sa_table *
sa_table_new(uint32_t max_sas, const uint8_t seed[SA_SEED_LEN])
{
	struct sa_table	*t;
	uint32_t	 nb = 1, i;

	if (max_sas == 0 || max_sas > SA_TABLE_MAX)
		return (NULL);
	while (nb < max_sas)
		nb <<= 1;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return (NULL);
	t->sas = calloc(max_sas, sizeof(*t->sas));
	t->buckets = malloc((size_t)nb * sizeof(*t->buckets));
	t->pred = malloc((size_t)nb * sizeof(*t->pred));
	if (t->sas == NULL || t->buckets == NULL || t->pred == NULL) {
		sa_table_free(t);
		return (NULL);
	}
	t->max = max_sas;
	t->mask = nb - 1;
	memcpy(t->seed, seed, SA_SEED_LEN);
	for (i = 0; i < nb; i++) {
		t->buckets[i] = IDX_NONE;
		memset(&t->pred[i].key, 0, sizeof(t->pred[i].key));
		t->pred[i].cand = -1;
	}
	for (i = 0; i < max_sas; i++)
		t->sas[i].hnext = i + 1 < max_sas ? i + 1 : IDX_NONE;
	t->free_head = 0;
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
	free(t->pred);
	free(t);
}

static uint32_t
index_of(const struct sa_table *t, const struct sa *sa)
{
	return ((uint32_t)(sa - t->sas));
}

struct sa *
sa_table_lookup(struct sa_table *t, const struct sa_key *k)
{
	uint32_t	 i;

	for (i = t->buckets[bucket_of(t, k)]; i != IDX_NONE;
	    i = t->sas[i].hnext)
		if (memcmp(&t->sas[i].key, k, sizeof(*k)) == 0)
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

	if (t->free_head == IDX_NONE)
		return (NULL);
	i = t->free_head;
	sa = &t->sas[i];
	t->free_head = sa->hnext;
	memset(sa, 0, sizeof(*sa));
	sa->key = *k;
	sa->in_use = true;
	sa->sa_id = t->next_id++;
	if (t->next_id == 0)		/* 0 is never an id */
		t->next_id = 1;
	b = bucket_of(t, k);
	sa->hnext = t->buckets[b];
	t->buckets[b] = i;
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
	for (link = &t->buckets[bucket_of(t, &sa->key)]; *link != IDX_NONE;
	    link = &t->sas[*link].hnext) {
		if (*link == i) {
			*link = sa->hnext;
			break;
		}
	}
	lru_unlink(t, sa);
	sa->in_use = false;
	sa->hnext = t->free_head;
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

/* The peer pair of an SA: its key without the SPI. */
static void
pred_key(const struct sa_key *k, struct sa_key *pk)
{
	*pk = *k;
	pk->spi = 0;
}

void
sa_table_pred_put(struct sa_table *t, const struct sa_key *k, int cand)
{
	struct pred_slot *s;
	struct sa_key	 pk;

	pred_key(k, &pk);
	s = &t->pred[bucket_of(t, &pk)];
	s->key = pk;
	s->cand = (int8_t)cand;
}

int
sa_table_pred_get(struct sa_table *t, const struct sa_key *k)
{
	struct pred_slot *s;
	struct sa_key	 pk;

	pred_key(k, &pk);
	s = &t->pred[bucket_of(t, &pk)];
	if (s->cand < 0 || memcmp(&s->key, &pk, sizeof(pk)) != 0)
		return (-1);
	return (s->cand);
}
