/*
 * pipeline.c - decode, detect, inner flows, nDPI, export, in that order,
 * for every packet.
 *
 * Accounting (the brief's rule): every packet read is counted exactly once
 * as decoded, or skipped with the reason the stage that stopped it gave,
 * or dropped.  decode/ and detect/ count their skips; this file counts
 * read and decoded, and checks the sum in debug builds.
 *
 * Time comes from the packets, not the clock, so that a capture file gives
 * the same events whenever it is read: SA and fragment expiry run when
 * packet time has moved on by a second since the last run.
 *
 * Inner flows see exactly the packets the -w stream gets, in the same
 * order (a held packet when detect/ releases it, before the packet that
 * released it), so that a reader of that stream (ndpiReader, tcpdump)
 * and espvis's own `flow` events describe the same packets.  nDPI gets
 * the same bytes too: the inner IP packet, or in transport mode the
 * rebuilt one (util/ipbuild.h).
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "inner/tuple.h"
#include "util/ipbuild.h"

struct pipeline {
	struct decode		*decode;
	struct detect		*detect;
	struct eve		*eve;		/* borrowed, may be NULL */
	struct innerpcap	*inner;		/* borrowed, may be NULL */
	struct flow_table	*flows;
	struct dpi		*dpi;		/* NULL: --no-ndpi */
	struct stats		 stats;
	int64_t			 last_expire_sec;
	int64_t			 last_ts_sec;	/* of the newest packet */
	uint32_t		 last_ts_usec;
	bool			 seen_packet;
	bool			 worker;	/* pipeline_set_worker() */
	uint8_t			 ipbuf[IPBUILD_MAX]; /* transport-mode
					   packet rebuilt for nDPI */
	const struct rules	*rules;		/* borrowed, may be NULL */
	bool			*flow_asked;	/* per flow slot: the rules
					   were asked about this flow */

	/* Inline verdicts (--nfq): see the end of this file. */
	const struct rules	*inl_rules;	/* borrowed */
	pkt_verdict_fn		 inl_fn;	/* NULL: not inline */
	stats_fill_fn		 inl_fill;
	void			*inl_arg;
	struct flow_ref		 inl_ref;	/* the flow of the packet */
	bool			 inl_ref_set;	/* inspect_inner() saw last */
};

static void	inline_report(struct pipeline *, const struct packet *,
		    bool released);
static void	flow_subject(struct pipeline *, const struct packet *,
		    const struct flow_ref *, struct rule_subject *,
		    struct dpi_app *);

void
pipeline_config_defaults(struct pipeline_config *cfg)
{
	decode_config_defaults(&cfg->decode);
	detect_config_defaults(&cfg->detect);
	flow_config_defaults(&cfg->flow);
	dpi_config_defaults(&cfg->dpi);
	cfg->esp_keys = NULL;
}

/* A rule fired: an `alert` event (its action says allowed or blocked). */
static void
on_rule_match(void *arg, const struct rule *rule,
    const struct rule_subject *s)
{
	struct pipeline		*pl = arg;
	struct alert_report	 a;

	rules_alert_report(&a, rule, s);
	pl->stats.alerts++;
	if (pl->eve != NULL)
		eve_write_alert(pl->eve, &a, &pl->stats);
}

static void
ask_rules(struct pipeline *pl, const struct rule_subject *s)
{
	if (pl->rules != NULL)
		rules_match(pl->rules, s, on_rule_match, pl);
}

/*
 * detect/ hands SA reports here; they become `esp` events.  SA-level
 * rules are asked once per SA: when its verdict is reached, or when it
 * ends still undecided (a rule may target what cannot be decided).
 */
static void
on_sa_report(void *arg, const struct sa_report *r)
{
	struct pipeline		*pl = arg;
	struct rule_subject	 s;

	if (pl->eve != NULL)
		eve_write_esp(pl->eve, r, &pl->stats);
	if (r->event == SA_EVENT_DECIDED ||
	    (r->event == SA_EVENT_END && r->verdict == VERDICT_UNDECIDED)) {
		rules_subject_sa(&s, r);
		ask_rules(pl, &s);
	}
}

/*
 * A flow-level subject from the report of a flow that ends; app NULL:
 * nDPI is off, and no app condition can match (RULE_APP_PENDING).  The
 * app is matched by nDPI's ids, not by looking its name up again (two
 * case-insensitive searches of nDPI's protocol list a flow): the ids are
 * what the name was made from, and rules_apps.c's table is nDPI's by id.
 */
static void
flow_report_subject(const struct flow_report *r, const struct dpi_app *app,
    struct rule_subject *s)
{
	memset(s, 0, sizeof(*s));
	s->ts_sec = r->last_sec;
	s->ts_usec = r->last_usec;
	s->flow_level = true;
	/* A flow is only seen inside an SA that was judged null. */
	s->verdict = VERDICT_NULL;
	s->spi = r->sa_toserver.spi;
	s->src = r->sa_toserver.src;
	s->dst = r->sa_toserver.dst;
	s->inner_src = r->tuple.src;
	s->inner_dst = r->tuple.dst;
	s->inner_proto = r->tuple.proto;
	s->inner_sport = r->tuple.sport;
	s->inner_dport = r->tuple.dport;
	if (app != NULL) {
		s->app_master = app->master;
		s->app_id = app->app;
		s->app_name = r->app_proto;
		s->app_risk = app->risk;
	} else
		s->app_master = s->app_id = RULE_APP_PENDING;
}

/*
 * inner/ hands ended flows here: nDPI gives its final answer for the
 * slot, which is freed for reuse, and the flow becomes a `flow` event.
 */
static void
on_flow_end(void *arg, const struct flow_report *r)
{
	struct pipeline		*pl = arg;
	struct flow_report	 out = *r;
	struct dpi_app		 app;

	struct rule_subject	 s;

	memset(&app, 0, sizeof(app));
	if (pl->dpi != NULL)
		dpi_flow_end(pl->dpi, r->slot, &app, &pl->stats);
	/* Without nDPI the name stays "": the event has no app_proto. */
	memcpy(out.app_proto, app.name, sizeof(out.app_proto));
	out.app_proto[sizeof(out.app_proto) - 1] = '\0';
	/* Flow rules not asked yet (nDPI never finished): ask at the end. */
	if (!pl->flow_asked[r->slot]) {
		flow_report_subject(&out, pl->dpi != NULL ? &app : NULL, &s);
		ask_rules(pl, &s);
	}
	pl->flow_asked[r->slot] = false;
	if (pl->eve != NULL)
		eve_write_flow(pl->eve, &out, &pl->stats);
}

struct pipeline *
pipeline_new(const struct pipeline_config *cfg, struct eve *eve,
    struct innerpcap *inner, char *err, size_t errlen)
{
	struct pipeline *pl;

	if ((pl = calloc(1, sizeof(*pl))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	pl->eve = eve;
	pl->inner = inner;
	pl->stats.keys_on = cfg->esp_keys != NULL;
	pl->decode = decode_new(&cfg->decode);
	pl->detect = detect_new(&cfg->detect, on_sa_report, pl);
	pl->flows = flow_table_new(&cfg->flow, on_flow_end, pl);
	pl->flow_asked = calloc(cfg->flow.max_flows, sizeof(bool));
	if (pl->decode == NULL || pl->detect == NULL || pl->flows == NULL ||
	    pl->flow_asked == NULL ||
	    detect_use_keys(pl->detect, cfg->esp_keys) != 0) {
		snprintf(err, errlen, "cannot allocate the packet tables "
		    "(lower the table sizes in the configuration)");
		pipeline_free(pl);
		return (NULL);
	}
	if (cfg->dpi.enabled && (pl->dpi = dpi_new(&cfg->dpi,
	    cfg->flow.max_flows, err, errlen)) == NULL) {
		pipeline_free(pl);
		return (NULL);
	}
	return (pl);
}

void
pipeline_free(struct pipeline *pl)
{
	if (pl == NULL)
		return;
	decode_free(pl->decode);
	detect_free(pl->detect);
	flow_table_free(pl->flows);
	dpi_free(pl->dpi);
	free(pl->flow_asked);
	free(pl);
}

/* The flow rules, once per flow: when what they see of it is final. */
static void
ask_flow_rules(struct pipeline *pl, const struct packet *p,
    const struct flow_ref *ref)
{
	struct rule_subject s;
	struct dpi_app app;

	if (pl->flow_asked[ref->slot])
		return;
	pl->flow_asked[ref->slot] = true;
	flow_subject(pl, p, ref, &s, &app);
	if (s.flow_level)
		ask_rules(pl, &s);
}

/* Flow, then nDPI: the flow table names the slot nDPI keeps state in. */
static void
classify_inner(struct pipeline *pl, const struct packet *p)
{
	struct flow_ref	 ref;
	const uint8_t	*ip;
	size_t		 len;

	if (!flow_table_packet(pl->flows, p, &ref, &pl->stats))
		return;
	pl->inl_ref = ref;		/* for inline_report() */
	pl->inl_ref_set = true;
	if (pl->dpi == NULL) {
		/* No app to wait for: final from the first packet. */
		ask_flow_rules(pl, p, &ref);
		return;
	}
	if (ref.created)
		dpi_flow_begin(pl->dpi, ref.slot, ref.proto, &pl->stats);
	if ((ip = ipbuild_packet(p, pl->ipbuf, sizeof(pl->ipbuf), &len)) ==
	    NULL)
		return;
	/* Flow rules are asked once, when nDPI's answer is final. */
	if (dpi_packet(pl->dpi, ref.slot, ip, len,
	    (uint64_t)p->ts_sec * 1000 + p->ts_usec / 1000, &pl->stats))
		ask_flow_rules(pl, p, &ref);
}

/* Every packet whose inner payload detect/ found, held ones included. */
static void
inspect_inner(struct pipeline *pl, const struct packet *p)
{
	if (p->inner == NULL)
		return;
	classify_inner(pl, p);
	if (pl->inner != NULL)
		innerpcap_write(pl->inner, p, &pl->stats);
}

static void
maybe_expire(struct pipeline *pl, int64_t now)
{
	if (pl->worker)
		return;			/* pipeline_expire() drives it */
	if (!pl->seen_packet) {
		pl->last_expire_sec = now;
		pl->seen_packet = true;
		return;
	}
	if (now - pl->last_expire_sec < 1)
		return;
	pl->last_expire_sec = now;
	decode_expire(pl->decode, now, &pl->stats);
	detect_expire(pl->detect, now, &pl->stats);
	flow_table_expire(pl->flows, now, &pl->stats);
}

/*
 * Debug builds check the sum every ACCOUNTING_EVERY packets and at the
 * end: on every packet the loop over the skip reasons was 4% of a
 * packet's instructions without nDPI.
 */
#define ACCOUNTING_EVERY	4096

#ifndef NDEBUG
static void
check_accounting(const struct stats *st)
{
	uint64_t sum = st->decoded + st->dropped;
	int r;

	for (r = 0; r < SKIP_MAX; r++)
		sum += st->skipped[r];
	assert(sum == st->read);
}
#else
#define check_accounting(st)	((void)(st))
#endif

void
pipeline_packet(struct pipeline *pl, const struct packet *frame)
{
	struct packet p, released;

	memset(&p, 0, sizeof(p));
	p.num = frame->num;
	p.ts_sec = frame->ts_sec;
	p.ts_usec = frame->ts_usec;
	p.linktype = frame->linktype;
	p.frame = frame->frame;
	p.caplen = frame->caplen;
	p.wirelen = frame->wirelen;
	pl->stats.read++;
	pl->last_ts_sec = p.ts_sec;
	pl->last_ts_usec = p.ts_usec;
	maybe_expire(pl, p.ts_sec);

	decode_packet(pl->decode, &p, &pl->stats);
	if (p.skip == SKIP_NONE) {
		detect_packet(pl->detect, &p, &pl->stats);
		if (p.skip == SKIP_NONE)
			pl->stats.decoded++;
	}
	/* Packets held before this one's SA was decided are older: first. */
	while (detect_next_released(pl->detect, &released)) {
		inspect_inner(pl, &released);
		inline_report(pl, &released, true);
	}
	if (p.skip == SKIP_NONE)
		inspect_inner(pl, &p);
	inline_report(pl, &p, false);
	if (pl->stats.read % ACCOUNTING_EVERY == 0)
		check_accounting(&pl->stats);
}

void
pipeline_finish(struct pipeline *pl)
{
	struct packet released;

	check_accounting(&pl->stats);
	detect_finish(pl->detect, &pl->stats);
	while (detect_next_released(pl->detect, &released))
		inspect_inner(pl, &released);
	flow_table_finish(pl->flows, &pl->stats);
	dpi_update_stats(&pl->stats);
	if (pl->rules != NULL)
		rules_stats(pl->rules, &pl->stats);
	if (pl->inl_fill != NULL)
		pl->inl_fill(pl->inl_arg, &pl->stats);
	if (pl->eve != NULL) {
		if (!pl->worker)
			eve_write_stats(pl->eve, pl->last_ts_sec,
			    pl->last_ts_usec, &pl->stats);
		eve_flush(pl->eve);
	}
	if (pl->inner != NULL)
		innerpcap_flush(pl->inner);
}

const struct stats *
pipeline_stats(const struct pipeline *pl)
{
	return (&pl->stats);
}

size_t
pipeline_sas(const struct pipeline *pl, struct sa_report *out, size_t max,
    uint32_t *total)
{
	return (detect_snapshot(pl->detect, out, max, total));
}

void
pipeline_set_worker(struct pipeline *pl)
{
	pl->worker = true;
}

void
pipeline_expire(struct pipeline *pl, int64_t now)
{
	decode_expire(pl->decode, now, &pl->stats);
	detect_expire(pl->detect, now, &pl->stats);
	flow_table_expire(pl->flows, now, &pl->stats);
}

void
pipeline_set_rules(struct pipeline *pl, const struct rules *rules)
{
	pl->rules = rules;
}

/*
 * Inline verdicts (--nfq, capture/nfq.c; docs/inline.md).
 *
 * Each packet is judged as it goes by, from what is known then:
 *
 *   - not ESP or WESP (IKE, keepalives, anything else): accept;
 *   - its SA undecided: PKT_UNDECIDED, the caller's policy (SA rules
 *     are not asked yet: "drop what cannot be inspected" must not drop
 *     the first packets of every ESP-NULL SA, decided a packet later);
 *   - a drop rule matches its SA (decided): drop;
 *   - a drop rule matches its inner flow: drop.
 *
 * The rules are asked for the verdict only (no callback: alerts are
 * raised once per SA and flow elsewhere), on every packet, because the
 * answer changes as nDPI learns the flow's app and on SIGHUP; a match is
 * integer compares (classify/rules.h), cheap beside the netlink round
 * trip each packet costs anyway.  A flow nDPI has not named yet is asked
 * with app RULE_APP_PENDING, which no app condition matches: a port rule
 * drops from the first packet, an app rule from the packet that names
 * the app, and "app: Unknown" only once nDPI has given up.
 */
void
pipeline_set_inline(struct pipeline *pl, const struct rules *rules,
    pkt_verdict_fn fn, stats_fill_fn fill, void *arg)
{
	pl->inl_rules = rules;
	pl->inl_fn = fn;
	pl->inl_fill = fill;
	pl->inl_arg = arg;
}

static void
inline_subject_sa(struct rule_subject *s, const struct packet *p)
{
	memset(s, 0, sizeof(*s));
	s->ts_sec = p->ts_sec;
	s->ts_usec = p->ts_usec;
	s->verdict = p->verdict;
	s->wesp = p->ipsec_proto == IPPROTO_WESP_NUM;
	s->spi = p->spi;
	s->src = p->src;
	s->dst = p->dst;
	s->encap = p->encap;
	s->sport = p->sport;
	s->dport = p->dport;
}

/*
 * A flow-level subject for packet p of the flow ref: the SA's subject
 * plus the inner tuple, client first, and the app nDPI knows so far (a
 * flow nDPI has not named yet is RULE_APP_PENDING, which no app
 * condition matches).  s borrows app's name: app must outlive s.
 */
static void
flow_subject(struct pipeline *pl, const struct packet *p,
    const struct flow_ref *ref, struct rule_subject *s, struct dpi_app *app)
{
	struct tuple_pkt	 tp;

	inline_subject_sa(s, p);
	if (tuple_parse_packet(p, &tp) != TUPLE_OK)
		return;
	s->flow_level = true;
	s->inner_proto = tp.tuple.proto;
	s->inner_src = ref->toserver ? tp.tuple.src : tp.tuple.dst;
	s->inner_dst = ref->toserver ? tp.tuple.dst : tp.tuple.src;
	s->inner_sport = ref->toserver ? tp.tuple.sport : tp.tuple.dport;
	s->inner_dport = ref->toserver ? tp.tuple.dport : tp.tuple.sport;
	if (pl->dpi == NULL) {
		/* --no-ndpi: no app condition matches, not even Unknown. */
		s->app_master = RULE_APP_PENDING;
		s->app_id = RULE_APP_PENDING;
		return;
	}
	dpi_get(pl->dpi, ref->slot, app);
	if (app->master == 0 && app->app == 0 && !app->done) {
		s->app_master = RULE_APP_PENDING;
		s->app_id = RULE_APP_PENDING;
	} else {
		s->app_master = app->master;
		s->app_id = app->app;
		s->app_name = app->name;
	}
	s->app_risk = app->risk;
}

/* Does a drop rule match the flow of p? */
static bool
inline_flow_drops(struct pipeline *pl, const struct packet *p,
    struct rule_subject *s)
{
	struct dpi_app app;

	flow_subject(pl, p, &pl->inl_ref, s, &app);
	if (!s->flow_level)
		return (false);
	return (rules_match(pl->inl_rules, s, NULL, NULL) == RULES_DROP);
}

static void
inline_report(struct pipeline *pl, const struct packet *p, bool released)
{
	struct pkt_verdict	v;
	struct rule_subject	s;

	if (pl->inl_fn == NULL)
		return;
	memset(&v, 0, sizeof(v));
	v.num = p->num;
	v.released = released;
	v.action = PKT_ACCEPT;
	if (p->skip != SKIP_NONE || p->esp == NULL)
		goto out;
	v.sa_id = p->sa_id;
	if (p->verdict == VERDICT_UNDECIDED) {
		v.action = PKT_UNDECIDED;
		goto out;
	}
	if (pl->inl_rules == NULL)
		goto out;
	inline_subject_sa(&s, p);
	if (rules_match(pl->inl_rules, &s, NULL, NULL) == RULES_DROP) {
		v.sa_drop = true;
		v.action = PKT_DROP;
	} else if (pl->inl_ref_set && p->inner != NULL &&
	    inline_flow_drops(pl, p, &s))
		v.action = PKT_DROP;
out:
	pl->inl_ref_set = false;
	pl->inl_fn(pl->inl_arg, &v);
}
