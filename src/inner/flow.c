/*
 * flow.c - the inner flow table.
 *
 * Entries live in one array allocated at flow_table_new(); hash chains, a
 * free list and two LRU lists link them by index, so nothing is allocated
 * per packet.  The arrays start as calloc() zeroes, pages the kernel maps
 * on first use: chain and free-list links hold index + 1 (0: none), and
 * entries are handed out in array order the first time and from the free
 * list afterwards, so a table sized for a million flows costs the memory
 * of the flows it has actually seen.
 *
 * Keys: the inner addresses and ports in canonical order (the smaller
 * address and port pair first), the protocol, and the unordered pair of
 * outer addresses.  The two directions of a conversation travel in two
 * SAs with swapped outer addresses (RFC 4301 section 4.1); keying on the
 * peer pair rather than the SA puts both in one flow, keeps a flow across
 * a rekey (new SPIs, same peers), and keeps apart equal inner tuples that
 * two different tunnels carry (overlapping private address space).
 * Buckets come from SipHash-1-3 with a random key (util/siphash.h): the
 * tuples are chosen by whoever sends the packets.
 *
 * Ageing: a flow ends when idle for timeout_sec (packet time), or for
 * closed_timeout_sec once TCP has closed it (an RST, or a FIN each way;
 * RFC 9293 section 3.6: what follows is at most the last ACK and
 * retransmissions).  Closed flows sit in their own LRU list, so expiry
 * walks each list from its idle end and stops at the first live flow,
 * and a full table evicts a closed flow before an open one.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../util/siphash.h"
#include "flow.h"
#include "tuple.h"

#define DEFAULT_MAX_FLOWS	65536
#define DEFAULT_TIMEOUT		120	/* Suricata's TCP established default
					   is 600, UDP 300; ndpiReader
					   uses 30: the middle */
#define DEFAULT_CLOSED_TIMEOUT	10

#define IDX_NONE	UINT32_MAX	/* LRU links */
#define LINK(i)		((i) + 1)	/* chain and free-list links */
#define UNLINK(l)	((l) - 1)
#define DIR_TOSERVER	0
#define DIR_TOCLIENT	1

/*
 * Hashed and compared as bytes: built by make_key() only, with every
 * byte (and none of padding: the layout has none) set.
 */
struct flow_key {
	uint8_t		proto;
	uint8_t		ipver;
	uint8_t		peer_ver;
	uint8_t		zero;
	uint16_t	port_lo;	/* port of addr_lo */
	uint16_t	port_hi;
	uint8_t		addr_lo[16];
	uint8_t		addr_hi[16];
	uint8_t		peer_lo[16];	/* outer addresses, smaller first */
	uint8_t		peer_hi[16];
};

enum lru_list {
	LRU_OPEN = 0,
	LRU_CLOSED,			/* TCP closed: shorter timeout */
	LRU_LISTS
};

struct flow {
	struct flow_key	 key;
	struct inner_tuple tuple;	/* client first */
	int64_t		 first_sec;
	int64_t		 last_sec;
	uint32_t	 first_usec;
	uint32_t	 last_usec;
	uint64_t	 pkts[2];	/* by DIR_ */
	uint64_t	 bytes[2];
	struct flow_sa	 sa[2];
	uint8_t		 fin_dirs;	/* bit per direction that sent FIN */
	bool		 rst;
	uint8_t		 list;		/* enum lru_list */
	uint32_t	 hnext;		/* LINK(): hash chain, or free list */
	uint32_t	 lru_prev;	/* towards the most recently used */
	uint32_t	 lru_next;
};

struct lru {
	uint32_t	head;		/* most recently used */
	uint32_t	tail;		/* least recently used */
};

struct flow_table {
	struct flow_config cfg;
	struct flow	*flows;
	uint32_t	 count;
	uint32_t	 fresh;		/* entries below were used at least once */
	uint32_t	 free_head;	/* LINK(): ended entries, via hnext */
	uint32_t	*buckets;	/* LINK()s */
	uint32_t	 mask;		/* buckets - 1 */
	struct lru	 lru[LRU_LISTS];
	uint8_t		 hash_key[SIPHASH_KEY_LEN];
	flow_report_fn	 report;
	void		*arg;
};

void
flow_config_defaults(struct flow_config *cfg)
{
	cfg->max_flows = DEFAULT_MAX_FLOWS;
	cfg->timeout_sec = DEFAULT_TIMEOUT;
	cfg->closed_timeout_sec = DEFAULT_CLOSED_TIMEOUT;
}

struct flow_table *
flow_table_new(const struct flow_config *cfg, flow_report_fn report,
    void *arg)
{
	struct flow_table	*t;
	uint32_t		 nb = 1, i;

	if (cfg->max_flows == 0 || cfg->max_flows > FLOW_TABLE_MAX)
		return (NULL);
	while (nb < cfg->max_flows)
		nb <<= 1;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return (NULL);
	t->cfg = *cfg;
	t->report = report;
	t->arg = arg;
	t->flows = calloc(cfg->max_flows, sizeof(*t->flows));
	t->buckets = calloc(nb, sizeof(*t->buckets));
	if (t->flows == NULL || t->buckets == NULL) {
		flow_table_free(t);
		return (NULL);
	}
	t->mask = nb - 1;
	for (i = 0; i < LRU_LISTS; i++)
		t->lru[i].head = t->lru[i].tail = IDX_NONE;
	siphash_random_key(t->hash_key);
	return (t);
}

void
flow_table_free(struct flow_table *t)
{
	if (t == NULL)
		return;
	free(t->flows);
	free(t->buckets);
	free(t);
}

uint32_t
flow_table_count(const struct flow_table *t)
{
	return (t->count);
}

/* Address then port: the order that decides which end is "lo". */
static int
end_cmp(const struct ipaddr *a, uint16_t aport, const struct ipaddr *b,
    uint16_t bport)
{
	int c = memcmp(a->bytes, b->bytes, sizeof(a->bytes));

	if (c != 0)
		return (c);
	return (aport < bport ? -1 : aport > bport);
}

static void
make_key(struct flow_key *k, const struct inner_tuple *tu,
    const struct packet *p)
{
	const struct ipaddr *plo = &p->src, *phi = &p->dst;

	memset(k, 0, sizeof(*k));
	k->proto = tu->proto;
	k->ipver = tu->ipver;
	k->peer_ver = p->ipver;
	if (end_cmp(&tu->src, tu->sport, &tu->dst, tu->dport) <= 0) {
		memcpy(k->addr_lo, tu->src.bytes, 16);
		memcpy(k->addr_hi, tu->dst.bytes, 16);
		k->port_lo = tu->sport;
		k->port_hi = tu->dport;
	} else {
		memcpy(k->addr_lo, tu->dst.bytes, 16);
		memcpy(k->addr_hi, tu->src.bytes, 16);
		k->port_lo = tu->dport;
		k->port_hi = tu->sport;
	}
	if (memcmp(plo->bytes, phi->bytes, 16) > 0) {
		plo = &p->dst;
		phi = &p->src;
	}
	memcpy(k->peer_lo, plo->bytes, 16);
	memcpy(k->peer_hi, phi->bytes, 16);
}

/*
 * The key's meaningful bytes only: an IPv4 address is 4 of its 16, so an
 * IPv4 flow in an IPv4 tunnel hashes 24 bytes, not 72 (SipHash costs a
 * round per 8 bytes, and runs for every inner packet).
 */
static uint64_t
pair_of(const uint8_t lo[16], const uint8_t hi[16])
{
	uint32_t a, b;

	memcpy(&a, lo, 4);
	memcpy(&b, hi, 4);
	return ((uint64_t)b << 32 | a);
}

static uint32_t
bucket_of(const struct flow_table *t, const struct flow_key *k)
{
	uint8_t	 b[sizeof(*k)];
	uint64_t w[3];
	size_t	 n = offsetof(struct flow_key, addr_lo);
	size_t	 in = k->ipver == 4 ? 4 : 16, out = k->peer_ver == 4 ? 4 : 16;

	/* The common case as three words from the key, no copy. */
	if (in == 4 && out == 4) {
		memcpy(&w[0], k, 8);
		w[1] = pair_of(k->addr_lo, k->addr_hi);
		w[2] = pair_of(k->peer_lo, k->peer_hi);
		return ((uint32_t)siphash13_words(t->hash_key, w, 3, 0, 0) &
		    t->mask);
	}
	if (in == 16 && out == 16)
		return ((uint32_t)siphash13(t->hash_key, k, sizeof(*k)) &
		    t->mask);
	memcpy(b, k, n);
	if (in == 4) {		/* constant sizes: no memcpy() calls */
		memcpy(b + n, k->addr_lo, 4);
		memcpy(b + n + 4, k->addr_hi, 4);
	} else {
		memcpy(b + n, k->addr_lo, 16);
		memcpy(b + n + 16, k->addr_hi, 16);
	}
	n += 2 * in;
	if (out == 4) {
		memcpy(b + n, k->peer_lo, 4);
		memcpy(b + n + 4, k->peer_hi, 4);
	} else {
		memcpy(b + n, k->peer_lo, 16);
		memcpy(b + n + 16, k->peer_hi, 16);
	}
	n += 2 * out;
	return ((uint32_t)siphash13(t->hash_key, b, n) & t->mask);
}

static uint32_t
lookup(const struct flow_table *t, const struct flow_key *k, uint32_t b)
{
	uint32_t l;

	for (l = t->buckets[b]; l != 0; l = t->flows[UNLINK(l)].hnext)
		if (memcmp(&t->flows[UNLINK(l)].key, k, sizeof(*k)) == 0)
			return (UNLINK(l));
	return (IDX_NONE);
}

static void
lru_unlink(struct flow_table *t, uint32_t i)
{
	struct flow	*f = &t->flows[i];
	struct lru	*l = &t->lru[f->list];

	if (f->lru_prev != IDX_NONE)
		t->flows[f->lru_prev].lru_next = f->lru_next;
	else
		l->head = f->lru_next;
	if (f->lru_next != IDX_NONE)
		t->flows[f->lru_next].lru_prev = f->lru_prev;
	else
		l->tail = f->lru_prev;
	f->lru_prev = f->lru_next = IDX_NONE;
}

static void
lru_push_head(struct flow_table *t, uint32_t i, enum lru_list which)
{
	struct flow	*f = &t->flows[i];
	struct lru	*l = &t->lru[which];

	f->list = (uint8_t)which;
	f->lru_prev = IDX_NONE;
	f->lru_next = l->head;
	if (l->head != IDX_NONE)
		t->flows[l->head].lru_prev = i;
	l->head = i;
	if (l->tail == IDX_NONE)
		l->tail = i;
}

static void
hash_unlink(struct flow_table *t, uint32_t i)
{
	uint32_t *pp = &t->buckets[bucket_of(t, &t->flows[i].key)];

	while (*pp != 0 && *pp != LINK(i))
		pp = &t->flows[UNLINK(*pp)].hnext;
	if (*pp == LINK(i))
		*pp = t->flows[i].hnext;
}

static void
end_flow(struct flow_table *t, uint32_t i, const char *reason,
    struct stats *st)
{
	struct flow		*f = &t->flows[i];
	struct flow_report	 r;

	memset(&r, 0, sizeof(r));
	r.end_reason = reason;
	r.slot = i;
	r.tuple = f->tuple;
	r.first_sec = f->first_sec;
	r.first_usec = f->first_usec;
	r.last_sec = f->last_sec;
	r.last_usec = f->last_usec;
	r.pkts_toserver = f->pkts[DIR_TOSERVER];
	r.pkts_toclient = f->pkts[DIR_TOCLIENT];
	r.bytes_toserver = f->bytes[DIR_TOSERVER];
	r.bytes_toclient = f->bytes[DIR_TOCLIENT];
	r.sa_toserver = f->sa[DIR_TOSERVER];
	r.sa_toclient = f->sa[DIR_TOCLIENT];
	st->flow_ended++;
	if (t->report != NULL)
		t->report(t->arg, &r);
	hash_unlink(t, i);
	lru_unlink(t, i);
	f->hnext = t->free_head;
	t->free_head = LINK(i);
	t->count--;
}

static uint32_t
take_entry(struct flow_table *t, struct stats *st)
{
	uint32_t i;

	if (t->count == t->cfg.max_flows) {
		/* Full: a closed TCP flow is done already; else the LRU one. */
		i = t->lru[LRU_CLOSED].tail;
		if (i == IDX_NONE)
			i = t->lru[LRU_OPEN].tail;
		st->flow_evicted++;
		end_flow(t, i, "evicted", st);
	}
	if (t->free_head != 0) {
		i = UNLINK(t->free_head);
		t->free_head = t->flows[i].hnext;
	} else
		i = t->fresh++;
	return (i);
}

static bool
before(int64_t asec, uint32_t ausec, int64_t bsec, uint32_t busec)
{
	return (asec < bsec || (asec == bsec && ausec < busec));
}

static void
record_sa(struct flow_sa *sa, const struct packet *p)
{
	if (sa->seen)
		return;
	sa->seen = true;
	sa->spi = p->spi;
	sa->sa_id = p->sa_id;
	sa->src = p->src;
	sa->dst = p->dst;
}

bool
flow_table_packet(struct flow_table *t, const struct packet *p,
    struct flow_ref *ref, struct stats *st)
{
	struct tuple_pkt	 ip;
	struct flow_key		 k;
	struct flow		*f;
	uint32_t		 b, i;
	int			 dir;

	if (tuple_parse_packet(p, &ip) != TUPLE_OK) {
		st->flow_untracked++;
		return (false);
	}
	make_key(&k, &ip.tuple, p);
	b = bucket_of(t, &k);
	ref->created = false;
	if ((i = lookup(t, &k, b)) == IDX_NONE) {
		i = take_entry(t, st);
		f = &t->flows[i];
		memset(f, 0, sizeof(*f));
		f->key = k;
		f->tuple = ip.tuple;
		f->first_sec = f->last_sec = p->ts_sec;
		f->first_usec = f->last_usec = p->ts_usec;
		/* After take_entry(): an eviction may have changed bucket b. */
		f->hnext = t->buckets[b];
		t->buckets[b] = LINK(i);
		lru_push_head(t, i, LRU_OPEN);
		t->count++;
		st->flow_created++;
		ref->created = true;
	} else {
		f = &t->flows[i];
		if (t->lru[f->list].head != i) {	/* else nothing moves */
			lru_unlink(t, i);
			lru_push_head(t, i, (enum lru_list)f->list);
		}
	}
	dir = end_cmp(&ip.tuple.src, ip.tuple.sport, &f->tuple.src,
	    f->tuple.sport) == 0 ? DIR_TOSERVER : DIR_TOCLIENT;
	f->pkts[dir]++;
	f->bytes[dir] += ip.ip_len;
	record_sa(&f->sa[dir], p);
	/* Held packets come out late: keep the extremes, not the order. */
	if (before(p->ts_sec, p->ts_usec, f->first_sec, f->first_usec)) {
		f->first_sec = p->ts_sec;
		f->first_usec = p->ts_usec;
	}
	if (before(f->last_sec, f->last_usec, p->ts_sec, p->ts_usec)) {
		f->last_sec = p->ts_sec;
		f->last_usec = p->ts_usec;
	}
	if (ip.tuple.proto == 6) {
		if (ip.tcp_flags & TCP_FLAG_RST)
			f->rst = true;
		if (ip.tcp_flags & TCP_FLAG_FIN)
			f->fin_dirs |= (uint8_t)(1u << dir);
		if (f->list == LRU_OPEN && (f->rst || f->fin_dirs == 3)) {
			lru_unlink(t, i);
			lru_push_head(t, i, LRU_CLOSED);
		}
	}
	ref->slot = i;
	ref->toserver = dir == DIR_TOSERVER;
	ref->proto = ip.tuple.proto;
	return (true);
}

static void
expire_list(struct flow_table *t, enum lru_list which, int64_t now_sec,
    uint32_t timeout, struct stats *st)
{
	uint32_t i;

	while ((i = t->lru[which].tail) != IDX_NONE &&
	    t->flows[i].last_sec < now_sec - (int64_t)timeout) {
		st->flow_timeouts++;
		end_flow(t, i, "timeout", st);
	}
}

void
flow_table_expire(struct flow_table *t, int64_t now_sec, struct stats *st)
{
	expire_list(t, LRU_CLOSED, now_sec, t->cfg.closed_timeout_sec, st);
	expire_list(t, LRU_OPEN, now_sec, t->cfg.timeout_sec, st);
}

void
flow_table_finish(struct flow_table *t, struct stats *st)
{
	uint32_t i;
	int l;

	for (l = 0; l < LRU_LISTS; l++)
		while ((i = t->lru[l].tail) != IDX_NONE)
			end_flow(t, i, "end_of_input", st);
}
