/*
 * rules_match.c - asking a rule set about one subject (the hot path).
 *
 * No allocation, no system call, no string compare: the subject's four
 * addresses are turned into integers once, then each rule tests only the
 * conditions it has (a bit mask says which), cheapest first.
 *
 * Precedence, as Suricata's default action-order (pass before drop and
 * alert): pass rules are tried first and any match ends the question
 * with RULES_PASS; otherwise every matching alert and drop rule fires,
 * in load order.  Levels: alert and drop rules are tried only on
 * subjects of their own level, so an SA-level rule fires once per SA and
 * not again for each of its flows; a pass rule that speaks only of the
 * SA (no inner condition) is also tried on that SA's flows, so "pass
 * spi: X" quiets everything inside X.
 */
#include <string.h>

#include "rules_int.h"

struct subject_keys {
	struct ipkey	src;
	struct ipkey	dst;
	struct ipkey	inner_src;
	struct ipkey	inner_dst;
};

static bool
nets_match(const struct net_list *l, const struct ipkey *k)
{
	uint32_t i;

	for (i = 0; i < l->n; i++)
		if (ipnet_contains(&l->v[i], k))
			return (true);
	return (false);
}

static bool
ports_match(const struct port_list *l, uint16_t port)
{
	uint32_t i;

	for (i = 0; i < l->n; i++)
		if (port >= l->v[i].lo && port <= l->v[i].hi)
			return (true);
	return (false);
}

static bool
spi_match(const struct rule *r, uint32_t spi)
{
	uint32_t lo = 0, hi = r->n_spis, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (r->spis[mid] == spi)
			return (true);
		if (r->spis[mid] < spi)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (false);
}

/* Ports mean something only for these (RFC 793, 768, 9260). */
static bool
proto_has_ports(uint8_t proto)
{
	return (proto == 6 || proto == 17 || proto == 132);
}

/*
 * An app condition matches the flow's master or app protocol ("HTTP"
 * matches HTTP.Google); Unknown (id 0) matches only a flow with neither.
 */
static bool
app_match(const struct rule *r, const struct rule_subject *s)
{
	if (s->app_master == 0 && s->app_id == 0)
		return (bit_isset(r->app_bits, 0));
	if (s->app_master != 0 && s->app_master < RULES_APP_MAX &&
	    bit_isset(r->app_bits, s->app_master))
		return (true);
	return (s->app_id != 0 && s->app_id < RULES_APP_MAX &&
	    bit_isset(r->app_bits, s->app_id));
}

static bool
flow_conds_match(const struct rule *r, const struct rule_subject *s,
    const struct subject_keys *k)
{
	uint32_t c = r->conds;
	bool ports = proto_has_ports(s->inner_proto);

	if ((c & COND_INNER_PROTO) && !bit_isset(r->proto_bits, s->inner_proto))
		return (false);
	if ((c & (COND_SRC_PORT | COND_DEST_PORT | COND_PORT)) && !ports)
		return (false);
	if ((c & COND_SRC_PORT) && !ports_match(&r->src_port, s->inner_sport))
		return (false);
	if ((c & COND_DEST_PORT) &&
	    !ports_match(&r->dest_port, s->inner_dport))
		return (false);
	if ((c & COND_PORT) && !ports_match(&r->port, s->inner_sport) &&
	    !ports_match(&r->port, s->inner_dport))
		return (false);
	if ((c & COND_APP) && !app_match(r, s))
		return (false);
	if ((c & COND_RISK) && (r->risk_mask & s->app_risk) == 0)
		return (false);
	if ((c & COND_INNER_SRC) && !nets_match(&r->inner_src, &k->inner_src))
		return (false);
	if ((c & COND_INNER_DST) && !nets_match(&r->inner_dst, &k->inner_dst))
		return (false);
	return (true);
}

static bool
rule_matches(const struct rule *r, const struct rule_subject *s,
    const struct subject_keys *k)
{
	uint32_t c = r->conds;

	if ((c & COND_ESP) && !(r->esp_mask & (1u << s->verdict)))
		return (false);
	if ((c & COND_WESP) && r->wesp != s->wesp)
		return (false);
	if ((c & COND_SPI) && !spi_match(r, s->spi))
		return (false);
	if ((c & COND_SRC) && !nets_match(&r->src, &k->src))
		return (false);
	if ((c & COND_DST) && !nets_match(&r->dst, &k->dst))
		return (false);
	if ((c & COND_FLOW_LEVEL) && !flow_conds_match(r, s, k))
		return (false);
	return (true);
}

static bool
any_matches(const struct rule *const *v, size_t n,
    const struct rule_subject *s, const struct subject_keys *k)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rule_matches(v[i], s, k))
			return (true);
	return (false);
}

enum rules_verdict
ruleset_match(const struct ruleset *rs, const struct rule_subject *s,
    rule_match_fn fn, void *arg)
{
	const struct rule *const *fire;
	enum rules_verdict verdict = RULES_NONE;
	struct subject_keys k;
	size_t i, n;

	ipkey_from_addr(&k.src, &s->src);
	ipkey_from_addr(&k.dst, &s->dst);
	if (s->flow_level) {
		ipkey_from_addr(&k.inner_src, &s->inner_src);
		ipkey_from_addr(&k.inner_dst, &s->inner_dst);
	} else {
		/* SA-level rules have no inner condition: never read. */
		memset(&k.inner_src, 0, sizeof(k.inner_src));
		memset(&k.inner_dst, 0, sizeof(k.inner_dst));
	}
	if (any_matches(rs->pass_sa, rs->n_pass_sa, s, &k) ||
	    (s->flow_level &&
	    any_matches(rs->pass_flow, rs->n_pass_flow, s, &k)))
		return (RULES_PASS);
	fire = s->flow_level ? rs->fire_flow : rs->fire_sa;
	n = s->flow_level ? rs->n_fire_flow : rs->n_fire_sa;
	for (i = 0; i < n; i++) {
		if (!rule_matches(fire[i], s, &k))
			continue;
		if (fire[i]->action == RULE_DROP)
			verdict = RULES_DROP;
		else if (verdict == RULES_NONE)
			verdict = RULES_ALERT;
		if (fn != NULL)
			fn(arg, fire[i], s);
	}
	return (verdict);
}

void
rules_alert_report(struct alert_report *a, const struct rule *r,
    const struct rule_subject *s)
{
	memset(a, 0, sizeof(*a));
	a->ts_sec = s->ts_sec;
	a->ts_usec = s->ts_usec;
	a->signature_id = r->id;
	a->msg = r->msg;
	a->category = r->category;
	a->action = r->action == RULE_DROP ? ALERT_BLOCKED : ALERT_ALLOWED;
	a->severity = r->severity;
	a->flow_level = s->flow_level;
	if (s->flow_level) {
		a->src = s->inner_src;
		a->dst = s->inner_dst;
		a->proto = s->inner_proto;
		a->has_ports = proto_has_ports(s->inner_proto);
		a->sport = s->inner_sport;
		a->dport = s->inner_dport;
		a->app_proto = s->app_name;
	} else {
		a->src = s->src;
		a->dst = s->dst;
		a->has_ports = s->encap == ENCAP_UDP;
		a->sport = s->sport;
		a->dport = s->dport;
	}
	a->spi = s->spi;
	a->sa_src = s->src;
	a->sa_dst = s->dst;
	a->encap = s->encap;
	a->wesp = s->wesp;
	a->verdict = s->verdict;
}

void
rules_subject_sa(struct rule_subject *s, const struct sa_report *r)
{
	memset(s, 0, sizeof(*s));
	s->ts_sec = r->ts_sec;
	s->ts_usec = r->ts_usec;
	s->verdict = r->verdict;
	s->wesp = r->wesp;
	s->spi = r->spi;
	s->src = r->src;
	s->dst = r->dst;
	s->encap = r->encap;
	s->sport = r->sport;
	s->dport = r->dport;
}

int
rules_subject_set_app(struct rule_subject *s, const char *name)
{
	const char *dot = strchr(name, '.');
	int master = 0, app;

	s->app_master = 0;
	s->app_id = 0;
	s->app_name = name;
	if (dot != NULL) {
		if ((master = rules_app_id(name, (size_t)(dot - name))) < 0)
			return (-1);
		name = dot + 1;
	}
	if ((app = rules_app_id(name, strlen(name))) < 0)
		return (-1);
	s->app_master = (uint16_t)master;
	s->app_id = (uint16_t)app;
	return (0);
}
