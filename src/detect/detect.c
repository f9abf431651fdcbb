/*
 * detect.c - the detect/ stage: per packet, find the SA, let WESP
 * (RFC 5840) or the heuristics (RFC 5879) judge it, and expose the inner
 * payload of ESP-NULL packets.
 *
 * The files behind it, one concern each:
 *   esp.c        ESP header and trailer under a candidate layout
 *   wesp.c       WESP header validation
 *   inner.c      inner protocol checks (checksums)
 *   heuristic.c  the per-SA decision and the verdict gate sa_set_state()
 *   sa_table.c   the bounded SA table, LRU, predecessor layouts
 *   hold.c       the hold ring for packets of undecided SAs
 * This file only wires them: SA life cycle (create, evict, expire, end),
 * sequence number accounting (RFC 4303 section 2.2), reports and stats.
 *
 * Life of an SA: created by its first packet (evicting the least
 * recently used SA when the table is full), judged while undecided
 * (its packets held), decided once (SA_EVENT_DECIDED), ended by
 * eviction, idle timeout or end of input (SA_EVENT_END, stats by final
 * verdict; an SA still undecided gets a last judgement first, see
 * heur_finish()).  Held packets are released when it is decided null
 * and discarded when it is decided encrypted or ends.  A released
 * packet is a copy: its esp and MAC pointers point into the hold, its
 * frame is NULL (caplen 0), and the release queue of one detect_packet()
 * call is dropped at the next one, so the caller drains it in between.
 *
 * WESP and plain ESP never share an SA (the key says which), so a WESP
 * SA is judged by its header only and a plain one by the heuristics.
 *
 * An SA whose key the pipeline was given (keyed.h, docs/keys.md) is
 * judged by it instead: decided from its first packet with the key's
 * exact layout (method keys), every packet's ICV checked, an encrypted
 * payload opened into keyed.c's scratch buffer.  A packet whose ICV
 * fails is counted (decoded, icv_failed) and nothing of it goes on:
 * what it carries is forged or broken, not the SA's traffic.  Packets
 * held before the key came are dropped from the hold, their ICVs
 * unchecked.  A WESP SA keeps its header's verdict (exact too) and has
 * its packets checked the same way.
 *
 * A packet too short to hold an ESP header is no ESP packet we can
 * judge: decode/ normally refuses those, and here it becomes
 * SKIP_MALFORMED_ESP (wire length too short) or SKIP_TRUNCATED
 * (captured too short), counted like SKIP_WESP_INVALID.
 */
#include <stdlib.h>
#include <string.h>

#include "../util/siphash.h"
#include "detect.h"
#include "esp.h"
#include "heuristic.h"
#include "hold.h"
#include "inner.h"
#include "keyed.h"
#include "sa_table.h"
#include "wesp.h"

#define DEFAULT_MAX_SAS		65536
#define DEFAULT_SA_TIMEOUT	300		/* seconds */
#define DEFAULT_DECIDE_PKTS	3		/* see heuristic.c */
#define DEFAULT_ENCRYPTED_PKTS	2
#define DEFAULT_HOLD_BYTES	(4u << 20)

struct detect {
	struct detect_config	 cfg;
	struct heur_config	 hcfg;
	sa_report_fn		 report;
	void			*report_arg;
	struct sa_table		*sas;
	struct hold		*hold;
	struct keyed		*keyed;		/* NULL: no keys given */
	uint32_t		 key_version;	/* keyed_sync() this packet */
	struct sa_keyed		*sa_keyed;	/* [max_sas], with keyed only */
};

/*
 * An SA's key state, beside the SA table at the SA's index (an SA
 * without keys given costs nothing more): sa_key_slot()'s answer for
 * the table version key_version, and the ICV results (a 32-bit
 * sequence number space holds no more packets, replays aside).
 */
struct sa_keyed {
	uint32_t	 key_version;
	int32_t		 key_slot;
	uint32_t	 icv_ok;
	uint32_t	 icv_failed;
};

static struct sa_keyed *
sa_keyed_of(const struct detect *d, const struct sa *sa)
{
	return (&d->sa_keyed[sa_table_index(d->sas, sa)]);
}

void
detect_config_defaults(struct detect_config *cfg)
{
	cfg->max_sas = DEFAULT_MAX_SAS;
	cfg->sa_timeout_sec = DEFAULT_SA_TIMEOUT;
	cfg->decide_pkts = DEFAULT_DECIDE_PKTS;
	cfg->encrypted_pkts = DEFAULT_ENCRYPTED_PKTS;
	cfg->hold_bytes = DEFAULT_HOLD_BYTES;
}

struct detect *
detect_new(const struct detect_config *cfg, sa_report_fn report, void *arg)
{
	struct detect	*d;
	uint8_t		 seed[SA_SEED_LEN];

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return (NULL);
	if (cfg != NULL)
		d->cfg = *cfg;
	else
		detect_config_defaults(&d->cfg);
	/* Zero thresholds would decide on no evidence at all. */
	d->hcfg.decide_pkts = d->cfg.decide_pkts > 0 ? d->cfg.decide_pkts : 1;
	d->hcfg.encrypted_pkts = d->cfg.encrypted_pkts > 0 ?
	    d->cfg.encrypted_pkts : 1;
	d->report = report;
	d->report_arg = arg;
	siphash_random_key(seed);
	if ((d->sas = sa_table_new(d->cfg.max_sas, seed)) == NULL ||
	    (d->cfg.hold_bytes >= HOLD_MIN_BYTES &&
	    (d->hold = hold_new(d->cfg.hold_bytes)) == NULL)) {
		detect_free(d);
		return (NULL);
	}
	return (d);
}

void
detect_free(struct detect *d)
{
	if (d == NULL)
		return;
	sa_table_free(d->sas);
	hold_free(d->hold);
	keyed_free(d->keyed);
	free(d->sa_keyed);
	free(d);
}

int
detect_use_keys(struct detect *d, struct esp_keys *store)
{
	if (store == NULL)
		return (0);
	if ((d->sa_keyed = calloc(d->cfg.max_sas,
	    sizeof(*d->sa_keyed))) == NULL ||
	    (d->keyed = keyed_new(store)) == NULL)
		return (-1);
	return (0);
}

static void
addr_from_key(struct ipaddr *a, uint8_t ipver, const uint8_t *bytes)
{
	if (ipver == 6)
		ipaddr_set6(a, bytes);
	else
		ipaddr_set4(a, bytes);
}

static void	sa_to_report(const struct detect *, const struct sa *,
		    struct sa_report *);

static void
report_sa(struct detect *d, const struct sa *sa, enum sa_event ev,
    const char *end_reason, int64_t ts_sec, uint32_t ts_usec)
{
	struct sa_report r;

	if (d->report == NULL)
		return;
	sa_to_report(d, sa, &r);
	r.event = ev;
	r.end_reason = end_reason;
	r.ts_sec = ts_sec;
	r.ts_usec = ts_usec;
	d->report(d->report_arg, &r);
}

/* What report_sa() and detect_snapshot() say of an SA. */
static void
sa_to_report(const struct detect *d, const struct sa *sa,
    struct sa_report *rp)
{
	struct sa_report r;

	memset(&r, 0, sizeof(r));
	r.sa_id = sa->sa_id;
	r.ipver = sa->key.ipver;
	addr_from_key(&r.src, sa->key.ipver, sa->key.src);
	addr_from_key(&r.dst, sa->key.ipver, sa->key.dst);
	r.encap = (enum esp_encap)sa->key.encap;
	r.sport = sa->key.sport;
	r.dport = sa->key.dport;
	r.wesp = sa->key.wesp;
	r.spi = sa->key.spi;
	r.verdict = sa->heur.verdict;
	if (r.verdict == VERDICT_NULL) {
		r.icv_len = sa->heur.icv_len;
		r.iv_len = sa->heur.iv_len;
	}
	r.method = sa->heur.method;
	r.decided_after = sa->heur.decided_after;
	r.from_predecessor = sa->heur.from_predecessor;
	r.n_rejected = (uint8_t)heur_rejected(&sa->heur, r.rejected,
	    SA_MAX_CANDIDATES);
	r.pkts = sa->pkts;
	r.bytes = sa->bytes;
	r.seq_first = sa->seq_first;
	r.seq_last = sa->seq_last;
	r.seq_gaps = sa->seq_gaps;
	r.seq_replays = sa->seq_replays;
	r.inner_pkts = sa->inner_pkts;
	r.next_hdr = sa->next_hdr;
	r.keyed = (sa->keyed & SA_KEYED_USED) != 0;
	r.decrypts = (sa->keyed & SA_KEYED_DECRYPTS) != 0;
	if (d->sa_keyed != NULL) {
		const struct sa_keyed *k = sa_keyed_of(d, sa);

		r.icv_ok = k->icv_ok;
		r.icv_failed = k->icv_failed;
	}
	*rp = r;
}

/*
 * End an SA: a last judgement if it is still undecided (heur_finish()),
 * report, count by final verdict, free its slot.
 */
static void
end_sa(struct detect *d, struct sa *sa, const char *reason,
    struct stats *st)
{
	hold_discard(d->hold, &sa->held);
	if (heur_finish(&sa->heur, (uint32_t)sa->pkts))
		report_sa(d, sa, SA_EVENT_DECIDED, NULL, sa->last_sec,
		    sa->last_usec);
	report_sa(d, sa, SA_EVENT_END, reason, sa->last_sec, sa->last_usec);
	switch (sa->heur.verdict) {
	case VERDICT_NULL:
		st->sa_null++;
		break;
	case VERDICT_ENCRYPTED:
		st->sa_encrypted++;
		break;
	case VERDICT_UNDECIDED:
		st->sa_undecided++;
		break;
	}
	sa_table_remove(d->sas, sa);
}

static struct sa *
sa_create(struct detect *d, const struct sa_key *key, struct stats *st)
{
	struct sa	*sa;

	if (sa_table_full(d->sas)) {
		end_sa(d, sa_table_oldest(d->sas), "evicted", st);
		st->sa_evicted++;
	}
	if ((sa = sa_table_insert(d->sas, key)) == NULL)
		return (NULL);
	heur_init(&sa->heur, key->wesp ? -1 : sa_table_pred_get(d->sas, key));
	hold_list_init(&sa->held);
	if (d->sa_keyed != NULL)
		memset(sa_keyed_of(d, sa), 0, sizeof(struct sa_keyed));
	st->sa_created++;
	return (sa);
}

/* Counters and sequence numbers (RFC 4303 section 2.2), then LRU. */
static void
sa_account(struct detect *d, struct sa *sa, const struct packet *p,
    uint32_t seq)
{
	if (sa->pkts == 0) {
		sa->seq_first = sa->seq_last = seq;
	} else if (seq > sa->seq_last) {
		sa->seq_gaps += seq - sa->seq_last - 1;
		sa->seq_last = seq;
	} else {
		sa->seq_replays++;
	}
	sa->pkts++;
	sa->bytes += p->esp_wire_len;
	sa->last_sec = p->ts_sec;
	sa->last_usec = p->ts_usec;
	sa_table_touch(d->sas, sa);
}

static void
skip_packet(struct packet *p, enum skip_reason why, struct stats *st)
{
	p->skip = why;
	st->skipped[why]++;
}

/* The ESP bytes decode/ found, cut to the length fields. */
static void
esp_window(const struct packet *p, struct cursor *c)
{
	uint32_t	 n = p->esp_len;

	if (n > p->esp_wire_len)
		n = p->esp_wire_len;
	cur_init(c, p->esp, n);
}

static void
heur_input_of(const struct packet *p, struct heur_input *in, uint32_t pkts)
{
	esp_window(p, &in->esp);
	in->wire_len = p->esp_wire_len;
	in->ictx.src = p->src;
	in->ictx.dst = p->dst;
	in->ictx.nat_possible = p->encap == ENCAP_UDP;
	in->pkts = pkts;
}

/*
 * Point p->inner at the payload of layout within window w.  A dummy
 * packet (NH 59, RFC 4303 section 2.6) carries nothing to inspect.
 */
static bool
set_inner(struct packet *p, const struct cursor *w,
    const struct esp_layout *lay)
{
	struct cursor	 c = *w;

	p->next_hdr = lay->next_hdr;
	if (lay->next_hdr == ESP_NH_NONE)
		return (false);
	cur_skip(&c, lay->payload_off);
	if (!cur_ok(&c) || cur_left(&c) < lay->payload_len)
		return (false);
	p->inner = cur_ptr(&c);
	p->inner_len = lay->payload_len;
	p->inner_tunnel = inner_is_tunnel(lay->next_hdr);
	return (true);
}

/* A packet of an SA decided null by the heuristic: is it inspectable? */
static bool
inspect_esp(const struct sa *sa, struct packet *p)
{
	struct heur_input in;
	struct esp_layout lay;

	heur_input_of(p, &in, 0);
	if (!heur_inspect(&sa->heur, &in, &lay))
		return (false);
	return (set_inner(p, &in.esp, &lay));
}

/* hold_release() callback: a held packet of a newly null SA. */
static bool
release_one(void *arg, struct packet *p)
{
	const struct sa	*sa = arg;

	p->verdict = VERDICT_NULL;
	return (inspect_esp(sa, p));
}

static void
inner_found(struct sa *sa, struct stats *st, uint32_t n)
{
	sa->inner_pkts += n;
	st->inner_found += n;
}

/* p of sa was found inspectable: count it, remember what it carries. */
static void
inspected(struct sa *sa, const struct packet *p, struct stats *st)
{
	sa->next_hdr = p->next_hdr;
	inner_found(sa, st, 1);
}

static void
on_decided(struct detect *d, struct sa *sa, const struct packet *p,
    struct stats *st)
{
	uint32_t	 n;

	report_sa(d, sa, SA_EVENT_DECIDED, NULL, p->ts_sec, p->ts_usec);
	if (sa->heur.verdict != VERDICT_NULL) {
		hold_discard(d->hold, &sa->held);
		return;
	}
	if (sa->heur.method == METHOD_HEURISTIC)
		sa_table_pred_put(d->sas, &sa->key, sa->heur.decided);
	n = hold_release(d->hold, &sa->held, release_one, sa);
	st->held_released += n;
	inner_found(sa, st, n);
}

static void
sa_key_of(const struct packet *p, bool wesp, uint32_t spi, struct sa_key *k)
{
	sa_key_make(k, p->ipver, &p->src, &p->dst, (uint8_t)p->encap,
	    p->sport, p->dport, wesp, spi);
}

#define KEY_UNUSABLE	(-2)	/* beside keyed_find()'s -1: a key, refused */

/*
 * The slot of sa's key, -1 (none) or KEY_UNUSABLE.  Looked up once per
 * SA and key table version (dst: the SA's, from its packet): then the
 * key's contexts are made and the SA learns whether it decrypts.
 */
static int32_t
sa_key_slot(struct detect *d, struct sa *sa, const struct ipaddr *dst)
{
	struct sa_keyed	*k = sa_keyed_of(d, sa);
	bool		 encrypts;
	uint8_t		 iv_len, icv_len;

	if (k->key_version == d->key_version)
		return (k->key_slot);
	k->key_version = d->key_version;
	k->key_slot = keyed_find(d->keyed, sa->key.spi, dst);
	if (k->key_slot < 0)
		return (k->key_slot);
	if (!keyed_layout(d->keyed, k->key_slot, &encrypts, &iv_len,
	    &icv_len))
		return (k->key_slot = KEY_UNUSABLE);
	sa->keyed |= SA_KEYED_USED | (encrypts ? SA_KEYED_DECRYPTS : 0);
	return (k->key_slot);
}

/* The ESP bytes of p from off (the SPI) on: keyed_open()'s input. */
static enum keyed_result
open_keyed(struct detect *d, int32_t slot, const struct packet *p,
    uint32_t off, struct keyed_out *o)
{
	struct cursor	 c;

	esp_window(p, &c);
	cur_skip(&c, off);
	if (!cur_ok(&c) || p->esp_wire_len < off)
		return (KEYED_UNCHECKED);
	return (keyed_open(d->keyed, slot, cur_ptr(&c), (uint32_t)cur_left(&c),
	    p->esp_wire_len - off, o));
}

/* Count one keyed packet's result. */
static void
keyed_count(struct detect *d, struct sa *sa, enum keyed_result r,
    struct stats *st)
{
	struct sa_keyed *k = sa_keyed_of(d, sa);

	switch (r) {
	case KEYED_OK:
	case KEYED_BAD_TRAILER:
		k->icv_ok++;
		st->keys_icv_ok++;
		if (sa->keyed & SA_KEYED_DECRYPTS)
			st->keys_decrypted++;
		break;
	case KEYED_ICV_FAILED:
		k->icv_failed++;
		st->keys_icv_failed++;
		break;
	case KEYED_UNCHECKED:
		st->keys_unchecked++;
		break;
	case KEYED_UNUSABLE:
		break;
	}
}

/* A packet that passed its ICV check: its payload goes on. */
static void
keyed_expose(struct sa *sa, struct packet *p, const struct keyed_out *o,
    struct stats *st)
{
	p->next_hdr = o->next_hdr;
	if (o->next_hdr == ESP_NH_NONE)		/* dummy (RFC 4303 2.6) */
		return;
	p->inner = o->payload;
	p->inner_len = o->payload_len;
	p->inner_tunnel = inner_is_tunnel(o->next_hdr);
	inspected(sa, p, st);
}

/*
 * p of sa, whose ESP header starts off bytes into p->esp: when the SA
 * has a usable key, check it (and, for plain ESP, decide the SA by the
 * key).  Returns false when there is no usable key: judge as before.
 * Called only when keys were given (d->keyed): without, a packet pays
 * one pointer test, not a call.
 */
static bool
detect_keyed(struct detect *d, struct sa *sa, struct packet *p,
    uint32_t off, struct stats *st)
{
	struct keyed_out o;
	enum keyed_result r;
	int32_t		 slot;
	bool		 encrypts;
	uint8_t		 iv_len, icv_len;

	if ((slot = sa_key_slot(d, sa, &p->dst)) == KEY_UNUSABLE)
		st->keys_unusable++;
	if (slot < 0)
		return (false);
	r = open_keyed(d, slot, p, off, &o);
	keyed_count(d, sa, r, st);
	/* Decided after the count: the decided event says what the first
	 * packet's check found, not "unchecked". */
	if (!sa->key.wesp && sa->heur.verdict == VERDICT_UNDECIDED &&
	    keyed_layout(d->keyed, slot, &encrypts, &iv_len, &icv_len) &&
	    heur_decide_keys(&sa->heur, encrypts, iv_len, icv_len,
	    (uint32_t)sa->pkts))
		on_decided(d, sa, p, st);
	if (r == KEYED_OK)
		keyed_expose(sa, p, &o, st);
	return (true);
}

static void
detect_esp(struct detect *d, struct packet *p, struct stats *st)
{
	struct cursor	 c;
	struct esp_hdr	 h;
	struct sa_key	 key;
	struct sa	*sa;
	struct heur_input in;

	esp_window(p, &c);
	if (!esp_read_header(&c, &h)) {
		skip_packet(p, p->esp_wire_len < ESP_HDR_LEN ?
		    SKIP_MALFORMED_ESP : SKIP_TRUNCATED, st);
		return;
	}
	p->spi = h.spi;
	p->seq = h.seq;
	sa_key_of(p, false, h.spi, &key);
	if ((sa = sa_table_lookup(d->sas, &key)) == NULL &&
	    (sa = sa_create(d, &key, st)) == NULL)
		return;
	sa_account(d, sa, p, h.seq);
	p->sa_id = sa->sa_id;
	if (d->keyed != NULL && detect_keyed(d, sa, p, 0, st)) {
		p->verdict = sa->heur.verdict;
		return;
	}

	if (sa->heur.verdict == VERDICT_UNDECIDED) {
		heur_input_of(p, &in, (uint32_t)sa->pkts);
		if (heur_packet(&sa->heur, &d->hcfg, &in))
			on_decided(d, sa, p, st);
		else
			hold_add(d->hold, &sa->held, p, st);
	}
	if (sa->heur.verdict == VERDICT_NULL && inspect_esp(sa, p))
		inspected(sa, p, st);
	p->verdict = sa->heur.verdict;
}

/* RFC 5840 section 2: the layout fields are per SA, not per packet. */
static bool
wesp_consistent(const struct sa *sa, const struct wesp_hdr *w)
{
	return (sa->wesp.encrypted == w->encrypted &&
	    sa->wesp.padded == w->padded &&
	    sa->wesp.hdr_len == w->hdr_len &&
	    sa->wesp.trailer_len == w->trailer_len);
}

static void
detect_wesp(struct detect *d, struct packet *p, struct stats *st)
{
	struct cursor	 c;
	struct wesp_hdr	 w;
	struct sa_key	 key;
	struct sa	*sa;
	enum wesp_result r;

	esp_window(p, &c);
	if ((r = wesp_parse(&c, p->esp_wire_len, p->ipver,
	    p->encap == ENCAP_UDP, &w)) != WESP_OK) {
		skip_packet(p, r == WESP_SHORT ? SKIP_TRUNCATED :
		    SKIP_WESP_INVALID, st);
		return;
	}
	sa_key_of(p, true, w.esp.spi, &key);
	if ((sa = sa_table_lookup(d->sas, &key)) != NULL &&
	    !wesp_consistent(sa, &w)) {
		skip_packet(p, SKIP_WESP_INVALID, st);
		return;
	}
	p->spi = w.esp.spi;
	p->seq = w.esp.seq;
	if (sa == NULL) {
		if ((sa = sa_create(d, &key, st)) == NULL)
			return;
		sa->wesp = (struct sa_wesp){ w.encrypted, w.padded,
		    w.hdr_len, w.trailer_len };
	}
	sa_account(d, sa, p, w.esp.seq);
	p->sa_id = sa->sa_id;
	if (heur_decide_wesp(&sa->heur, w.encrypted, w.iv_len,
	    w.trailer_len, (uint32_t)sa->pkts))
		on_decided(d, sa, p, st);
	/* RFC 5840 2.2 figures: the ICV covers ESP, not the WESP header. */
	if (!(d->keyed != NULL && detect_keyed(d, sa, p, w.esp_off, st)) &&
	    sa->heur.verdict == VERDICT_NULL && w.trailer_visible &&
	    set_inner(p, &c, &w.layout))
		inspected(sa, p, st);
	p->verdict = sa->heur.verdict;
}

static void
clear_outputs(struct packet *p)
{
	p->spi = 0;
	p->seq = 0;
	p->sa_id = 0;
	p->verdict = VERDICT_UNDECIDED;
	p->inner = NULL;
	p->inner_len = 0;
	p->next_hdr = 0;
	p->inner_tunnel = false;
}

void
detect_packet(struct detect *d, struct packet *p, struct stats *st)
{
	clear_outputs(p);
	hold_drop_released(d->hold);
	if (d->keyed != NULL)
		d->key_version = keyed_sync(d->keyed);
	if (p->skip != SKIP_NONE)
		return;
	if (p->ipsec_proto == IPPROTO_WESP_NUM)
		detect_wesp(d, p, st);
	else
		detect_esp(d, p, st);
}

bool
detect_next_released(struct detect *d, struct packet *p)
{
	return (hold_next_released(d->hold, p));
}

void
detect_expire(struct detect *d, int64_t now_sec, struct stats *st)
{
	struct sa	*sa;

	while ((sa = sa_table_oldest(d->sas)) != NULL &&
	    now_sec - sa->last_sec > (int64_t)d->cfg.sa_timeout_sec) {
		end_sa(d, sa, "timeout", st);
		st->sa_timeouts++;
	}
}

void
detect_finish(struct detect *d, struct stats *st)
{
	struct sa	*sa;

	while ((sa = sa_table_oldest(d->sas)) != NULL)
		end_sa(d, sa, "end_of_input", st);
}

size_t
detect_snapshot(const struct detect *d, struct sa_report *out, size_t max,
    uint32_t *total)
{
	const struct sa	*sa = NULL;
	size_t		 n = 0;

	*total = sa_table_count(d->sas);
	while (n < max && (sa = sa_table_next_recent(d->sas, sa)) != NULL) {
		sa_to_report(d, sa, &out[n]);
		out[n].event = SA_EVENT_DECIDED;
		out[n].ts_sec = sa->last_sec;
		out[n].ts_usec = sa->last_usec;
		n++;
	}
	return (n);
}
