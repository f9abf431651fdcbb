/*
 * frag.c - IP fragment reassembly for decode/ (IPv4 and IPv6).
 *
 * Design.  Every slot is allocated by frag_table_new(): its key, a
 * buffer of max_bytes, and a sorted array of the byte ranges received
 * (RFC 815 keeps a list of holes; we keep the filled ranges, which is the
 * same information and makes the overlap test a look at two neighbours).
 * Slots are found through a seeded hash of the key with doubly linked
 * bucket chains, so lookup and removal are O(1) on average and a flood of
 * crafted keys cannot aim at one chain without knowing the seed.  A
 * second list orders the slots by creation: its head is the oldest
 * datagram, which a full table evicts and decode_expire() times out
 * first.  A datagram is complete when its last fragment has fixed the
 * total length and the bytes held equal it; since overlaps are refused,
 * that means every byte is covered.
 *
 * Dropping.  RFC 5722 section 4: a datagram with an overlapping fragment
 * is discarded together with the fragments not yet received.  The slot
 * therefore stays as a tombstone (SLOT_DEAD) until it times out or is
 * evicted, and later fragments of that datagram are refused too.  An
 * exact duplicate (same range, same bytes) is dropped alone, as RFC 8200
 * section 4.5 permits.  Inconsistent lengths (a second "last" fragment,
 * bytes beyond the end, a non-final fragment that is not a multiple of
 * 8 bytes, RFC 791 section 3.2 and RFC 8200 section 4.5) and datagrams
 * above the buffer size are treated like overlaps.
 *
 * A completed slot leaves the hash and the age list at once but its
 * buffer is recycled only by the next frag_release(), so nothing done
 * while the completing packet is still being decoded (an inner fragment
 * that needs a slot, an eviction) can overwrite the bytes it points to.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "frag.h"

#define NIL	UINT32_MAX

enum slot_state {
	SLOT_FREE = 0,
	SLOT_ACTIVE,		/* collecting fragments */
	SLOT_DEAD,		/* dropped; refuses the rest of it */
	SLOT_DONE,		/* completed; buffer borrowed until release */
};

struct frag_range {
	uint32_t	start;
	uint32_t	end;		/* one past the last byte */
};

struct frag_slot {
	struct frag_key	 key;
	int64_t		 created;	/* when its first fragment came */
	uint32_t	 hnext;		/* bucket chain */
	uint32_t	 hprev;
	uint32_t	 anext;		/* age, free or done list */
	uint32_t	 aprev;
	uint32_t	 bucket;
	uint32_t	 total;		/* length, once have_last */
	uint32_t	 held;		/* bytes received */
	uint32_t	 nranges;
	bool		 have_last;
	uint8_t		 first_proto;	/* of the offset-0 fragment */
	enum slot_state	 state;
	struct frag_range ranges[FRAG_MAX_RANGES];	/* sorted by start */
	uint8_t		*buf;		/* max_bytes of table->bufs */
};

struct frag_table {
	struct frag_slot *slots;
	uint8_t		*bufs;
	uint32_t	*buckets;	/* head slot of each chain, or NIL */
	uint32_t	 bucket_mask;
	uint32_t	 nslots;
	uint32_t	 max_bytes;
	uint32_t	 timeout_sec;
	uint32_t	 in_use;	/* active and dead slots */
	uint32_t	 age_head;	/* oldest */
	uint32_t	 age_tail;
	uint32_t	 free_head;
	uint32_t	 done_head;
	uint64_t	 seed;
};

/* Above this, indices and sizes would stop fitting comfortably. */
#define FRAG_MAX_SLOTS		(1u << 20)

static uint64_t
hash_seed(void)
{
	uint64_t seed = 0x6a09e667f3bcc909ULL;	/* any constant will do */

	/* Unpredictable chains are the defence; a fixed seed still works. */
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = 0x6a09e667f3bcc909ULL;
	return (seed);
}

struct frag_table *
frag_table_new(uint32_t max_datagrams, uint32_t max_bytes,
    uint32_t timeout_sec)
{
	struct frag_table	*t;
	uint32_t		 nbuckets, i;

	if (max_datagrams == 0 || max_datagrams > FRAG_MAX_SLOTS ||
	    max_bytes == 0 || max_bytes > FRAG_MAX_PAYLOAD + 64 ||
	    timeout_sec == 0)
		return (NULL);
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return (NULL);
	/* Two buckets per slot keeps chains short. */
	for (nbuckets = 2; nbuckets < 2 * max_datagrams; nbuckets *= 2)
		;
	t->slots = calloc(max_datagrams, sizeof(*t->slots));
	t->bufs = malloc((size_t)max_datagrams * max_bytes);
	t->buckets = malloc((size_t)nbuckets * sizeof(*t->buckets));
	if (t->slots == NULL || t->bufs == NULL || t->buckets == NULL) {
		frag_table_free(t);
		return (NULL);
	}
	t->bucket_mask = nbuckets - 1;
	t->nslots = max_datagrams;
	t->max_bytes = max_bytes;
	t->timeout_sec = timeout_sec;
	t->age_head = t->age_tail = t->done_head = NIL;
	t->seed = hash_seed();
	for (i = 0; i < nbuckets; i++)
		t->buckets[i] = NIL;
	for (i = 0; i < max_datagrams; i++) {
		t->slots[i].buf = t->bufs + (size_t)i * max_bytes;
		t->slots[i].anext = i + 1 < max_datagrams ? i + 1 : NIL;
	}
	t->free_head = 0;
	return (t);
}

void
frag_table_free(struct frag_table *t)
{
	if (t == NULL)
		return;
	free(t->slots);
	free(t->bufs);
	free(t->buckets);
	free(t);
}

uint32_t
frag_in_use(const struct frag_table *t)
{
	return (t->in_use);
}

static uint64_t
hash_mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x9e3779b97f4a7c15ULL;
	return (h ^ (h >> 29));
}

static uint32_t
key_bucket(const struct frag_table *t, const struct frag_key *k)
{
	uint64_t	h = t->seed, w;
	size_t		i;

	h = hash_mix(h, (uint64_t)k->id | (uint64_t)k->ipver << 32 |
	    (uint64_t)k->proto << 40);
	for (i = 0; i < sizeof(k->src.bytes); i += sizeof(w)) {
		memcpy(&w, k->src.bytes + i, sizeof(w));
		h = hash_mix(h, w);
		memcpy(&w, k->dst.bytes + i, sizeof(w));
		h = hash_mix(h, w);
	}
	return ((uint32_t)(h >> 32) & t->bucket_mask);
}

static bool
key_eq(const struct frag_key *a, const struct frag_key *b)
{
	return (a->id == b->id && a->ipver == b->ipver &&
	    a->proto == b->proto && ipaddr_eq(&a->src, &b->src) &&
	    ipaddr_eq(&a->dst, &b->dst));
}

static bool
slot_expired(const struct frag_table *t, const struct frag_slot *s,
    int64_t now_sec)
{
	/*
	 * A clock going backwards (merged inputs) expires nothing; the
	 * difference is taken unsigned so that no timestamp overflows.
	 */
	return (now_sec > s->created &&
	    (uint64_t)now_sec - (uint64_t)s->created > t->timeout_sec);
}

/* Take slot idx out of its bucket chain and the age list. */
static void
slot_unlink(struct frag_table *t, uint32_t idx)
{
	struct frag_slot *s = &t->slots[idx];

	if (s->hprev != NIL)
		t->slots[s->hprev].hnext = s->hnext;
	else
		t->buckets[s->bucket] = s->hnext;
	if (s->hnext != NIL)
		t->slots[s->hnext].hprev = s->hprev;
	if (s->aprev != NIL)
		t->slots[s->aprev].anext = s->anext;
	else
		t->age_head = s->anext;
	if (s->anext != NIL)
		t->slots[s->anext].aprev = s->aprev;
	else
		t->age_tail = s->aprev;
	t->in_use--;
}

/* Forget an active or dead datagram, counting why when it was alive. */
static void
slot_drop(struct frag_table *t, uint32_t idx, uint64_t *counter)
{
	struct frag_slot *s = &t->slots[idx];

	if (s->state == SLOT_ACTIVE && counter != NULL)
		(*counter)++;
	slot_unlink(t, idx);
	s->state = SLOT_FREE;
	s->anext = t->free_head;
	t->free_head = idx;
}

static uint32_t
slot_lookup(struct frag_table *t, const struct frag_key *k,
    uint32_t bucket, int64_t now_sec, struct stats *stats)
{
	uint32_t idx;

	for (idx = t->buckets[bucket]; idx != NIL; idx = t->slots[idx].hnext) {
		if (!key_eq(&t->slots[idx].key, k))
			continue;
		if (slot_expired(t, &t->slots[idx], now_sec)) {
			/* Timed out while nobody looked: drop it lazily. */
			slot_drop(t, idx, &stats->frag_timeouts);
			return (NIL);
		}
		return (idx);
	}
	return (NIL);
}

static uint32_t
slot_alloc(struct frag_table *t, const struct frag_key *k, uint32_t bucket,
    int64_t now_sec, struct stats *stats)
{
	struct frag_slot	*s;
	uint32_t		 idx, oldest;

	if (t->free_head == NIL) {
		/*
		 * Full: the oldest datagram makes room (it may be stale).
		 * With no datagram in the age list every slot holds a
		 * datagram completed by this very packet (nested
		 * fragmentation deeper than the table): nothing can go.
		 */
		if ((oldest = t->age_head) == NIL)
			return (NIL);
		slot_drop(t, oldest, slot_expired(t, &t->slots[oldest],
		    now_sec) ? &stats->frag_timeouts : &stats->frag_evicted);
	}
	idx = t->free_head;
	s = &t->slots[idx];
	t->free_head = s->anext;

	s->key = *k;
	s->created = now_sec;
	s->state = SLOT_ACTIVE;
	s->total = s->held = s->nranges = 0;
	s->have_last = false;
	s->first_proto = 0;
	s->bucket = bucket;
	s->hprev = NIL;
	s->hnext = t->buckets[bucket];
	if (s->hnext != NIL)
		t->slots[s->hnext].hprev = idx;
	t->buckets[bucket] = idx;
	s->anext = NIL;
	s->aprev = t->age_tail;
	if (t->age_tail != NIL)
		t->slots[t->age_tail].anext = idx;
	else
		t->age_head = idx;
	t->age_tail = idx;
	t->in_use++;
	return (idx);
}

/*
 * What a fragment says about itself, before any datagram is looked at:
 * it must carry bytes, all but the last carry multiples of 8 (offsets
 * count 8-octet units: RFC 791 section 3.1, RFC 8200 section 4.5), and it
 * must fit the buffer and the 16-bit length fields.
 */
static bool
piece_sane(const struct frag_table *t, const struct frag_piece *pc,
    uint32_t len)
{
	uint32_t limit = t->max_bytes < FRAG_MAX_PAYLOAD ? t->max_bytes :
	    FRAG_MAX_PAYLOAD;

	if (len == 0 || (pc->more && len % 8 != 0))
		return (false);
	return (pc->offset <= limit && len <= limit - pc->offset);
}

/* Does [start, end) agree with the lengths the datagram already has? */
static bool
piece_fits(const struct frag_slot *s, uint32_t end, bool more)
{
	if (!more) {
		/* A second "last" fragment must end where the first did,
		   and nothing may lie beyond the end. */
		if (s->have_last && end != s->total)
			return (false);
		return (s->nranges == 0 ||
		    s->ranges[s->nranges - 1].end <= end);
	}
	return (!s->have_last || end <= s->total);
}

static void
slot_kill(struct frag_slot *s, struct stats *stats)
{
	s->state = SLOT_DEAD;
	s->nranges = 0;
	stats->frag_overlaps++;
}

/* Place the piece in the slot: FRAG_HELD, FRAG_DONE or FRAG_INVALID. */
static enum frag_result
slot_insert(struct frag_slot *s, struct frag_piece *pc, uint32_t len,
    struct stats *stats)
{
	const uint8_t	*data;
	uint32_t	 start = pc->offset, end = pc->offset + len, i;

	if (!piece_fits(s, end, pc->more)) {
		slot_kill(s, stats);
		return (FRAG_INVALID);
	}
	for (i = 0; i < s->nranges && s->ranges[i].start < start; i++)
		;
	data = cur_bytes(&pc->data, len);
	if (i < s->nranges && s->ranges[i].start == start &&
	    s->ranges[i].end == end && memcmp(s->buf + start, data, len) == 0)
		return (FRAG_HELD);	/* exact duplicate: nothing new */
	if ((i > 0 && s->ranges[i - 1].end > start) ||
	    (i < s->nranges && s->ranges[i].start < end) ||
	    s->nranges == FRAG_MAX_RANGES) {
		slot_kill(s, stats);
		return (FRAG_INVALID);
	}
	memmove(&s->ranges[i + 1], &s->ranges[i],
	    (s->nranges - i) * sizeof(s->ranges[0]));
	s->ranges[i].start = start;
	s->ranges[i].end = end;
	s->nranges++;
	memcpy(s->buf + start, data, len);
	s->held += len;
	if (start == 0)
		s->first_proto = pc->proto;
	if (!pc->more) {
		s->have_last = true;
		s->total = end;
	}
	return (s->have_last && s->held == s->total ? FRAG_DONE : FRAG_HELD);
}

enum frag_result
frag_add(struct frag_table *t, const struct frag_key *k,
    struct frag_piece *pc, int64_t now_sec, struct stats *stats,
    struct cursor *out, uint8_t *out_proto)
{
	struct frag_slot	*s;
	uint32_t		 bucket, idx, len;
	enum frag_result	 r;

	len = (uint32_t)cur_left(&pc->data);
	bucket = key_bucket(t, k);
	idx = slot_lookup(t, k, bucket, now_sec, stats);
	if (!piece_sane(t, pc, len)) {
		/* Drops its datagram; a new one is not worth a slot. */
		if (idx != NIL && t->slots[idx].state == SLOT_ACTIVE)
			slot_kill(&t->slots[idx], stats);
		else if (idx == NIL)
			stats->frag_overlaps++;
		return (FRAG_INVALID);
	}
	if (idx == NIL &&
	    (idx = slot_alloc(t, k, bucket, now_sec, stats)) == NIL) {
		stats->frag_evicted++;	/* this datagram had no room */
		return (FRAG_INVALID);
	}
	s = &t->slots[idx];
	if (s->state == SLOT_DEAD)
		return (FRAG_INVALID);
	if ((r = slot_insert(s, pc, len, stats)) != FRAG_DONE)
		return (r);

	slot_unlink(t, idx);
	s->state = SLOT_DONE;
	s->anext = t->done_head;
	t->done_head = idx;
	cur_init(out, s->buf, s->total);
	*out_proto = s->first_proto;
	stats->frag_reassembled++;
	return (FRAG_DONE);
}

void
frag_expire(struct frag_table *t, int64_t now_sec, struct stats *stats)
{
	while (t->age_head != NIL &&
	    slot_expired(t, &t->slots[t->age_head], now_sec))
		slot_drop(t, t->age_head, &stats->frag_timeouts);
}

void
frag_release(struct frag_table *t)
{
	uint32_t idx;

	while ((idx = t->done_head) != NIL) {
		t->done_head = t->slots[idx].anext;
		t->slots[idx].state = SLOT_FREE;
		t->slots[idx].anext = t->free_head;
		t->free_head = idx;
	}
}
