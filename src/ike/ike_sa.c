/*
 * ike_sa.c - the endpoint's core: IKE and Child SA records and their one
 * state setter, Message IDs and retransmission (2.1-2.4), the payload
 * rules of each exchange, SK sealing and opening, dispatch of received
 * messages to the exchanges (ike_x_*.c), timers and the snapshot.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/json.h"
#include "ike_int.h"
#include "ike_proposal.h"

#define HALF_OPEN_TIMEOUT_MS	30000	/* strongSwan half_open_timeout */

/* ---- states: names and the transitions allowed ---- */

static const char *const sa_state_names[IKE_SA_S_COUNT] = {
	[IKE_SA_S_NONE]		= "NONE",
	[IKE_SA_S_INIT_I]	= "CONNECTING",
	[IKE_SA_S_INIT_R]	= "CONNECTING",
	[IKE_SA_S_AUTH_I]	= "CONNECTING",
	[IKE_SA_S_ESTABLISHED]	= "ESTABLISHED",
	[IKE_SA_S_REKEYING]	= "REKEYING",
	[IKE_SA_S_DELETING]	= "DELETING",
	[IKE_SA_S_CLOSED]	= "DESTROYING",
};

#define B(s)	(1u << (s))
/* allowed_from[to]: the states an SA may enter `to` from. */
static const uint32_t sa_allowed_from[IKE_SA_S_COUNT] = {
	[IKE_SA_S_INIT_I]	= B(IKE_SA_S_NONE) | B(IKE_SA_S_INIT_I),
	[IKE_SA_S_INIT_R]	= B(IKE_SA_S_NONE),
	[IKE_SA_S_AUTH_I]	= B(IKE_SA_S_INIT_I),
	[IKE_SA_S_ESTABLISHED]	= B(IKE_SA_S_INIT_R) | B(IKE_SA_S_AUTH_I) |
				  B(IKE_SA_S_REKEYING) | B(IKE_SA_S_NONE),
	[IKE_SA_S_REKEYING]	= B(IKE_SA_S_ESTABLISHED),
	[IKE_SA_S_DELETING]	= B(IKE_SA_S_ESTABLISHED) |
				  B(IKE_SA_S_REKEYING) | B(IKE_SA_S_AUTH_I) |
				  B(IKE_SA_S_INIT_R),
	[IKE_SA_S_CLOSED]	= B(IKE_SA_S_NONE) |
				  B(IKE_SA_S_INIT_I) | B(IKE_SA_S_INIT_R) |
				  B(IKE_SA_S_AUTH_I) | B(IKE_SA_S_ESTABLISHED) |
				  B(IKE_SA_S_REKEYING) | B(IKE_SA_S_DELETING),
};

static const char *const child_state_names[IKE_CHILD_S_COUNT] = {
	[IKE_CHILD_S_NONE]	= "NONE",
	[IKE_CHILD_S_INSTALLED]	= "INSTALLED",
	[IKE_CHILD_S_REKEYING]	= "REKEYING",
	[IKE_CHILD_S_DELETING]	= "DELETING",
};

static const uint32_t child_allowed_from[IKE_CHILD_S_COUNT] = {
	[IKE_CHILD_S_NONE]	= B(IKE_CHILD_S_INSTALLED) |
				  B(IKE_CHILD_S_REKEYING) |
				  B(IKE_CHILD_S_DELETING),
	[IKE_CHILD_S_INSTALLED]	= B(IKE_CHILD_S_NONE) |
				  B(IKE_CHILD_S_REKEYING),
	[IKE_CHILD_S_REKEYING]	= B(IKE_CHILD_S_INSTALLED),
	[IKE_CHILD_S_DELETING]	= B(IKE_CHILD_S_INSTALLED) |
				  B(IKE_CHILD_S_REKEYING),
};

const char *
ike_sa_state_name(enum ike_sa_state s)
{
	return ((unsigned)s < IKE_SA_S_COUNT ? sa_state_names[s] : "?");
}

const char *
ike_child_state_name(enum ike_child_state s)
{
	return ((unsigned)s < IKE_CHILD_S_COUNT ? child_state_names[s] : "?");
}

/* The only writer of sa->state.  A transition outside the table is a
 * bug: logged and refused (the SA keeps its state). */
void
ike_sa_set_state(struct ike_endpoint *ep, struct ike_sa *sa,
    enum ike_sa_state to)
{
	if ((unsigned)to >= IKE_SA_S_COUNT ||
	    (sa_allowed_from[to] & B(sa->state)) == 0) {
		ike_logf(ep, 0, "ike_sa_set_state: refused %s -> %s",
		    ike_sa_state_name(sa->state), ike_sa_state_name(to));
		return;
	}
	sa->state = to;
}

void
ike_child_set_state(struct ike_endpoint *ep, struct ike_sa *sa,
    struct ike_child *c, enum ike_child_state to)
{
	(void)sa;
	if ((unsigned)to >= IKE_CHILD_S_COUNT ||
	    (child_allowed_from[to] & B(c->state)) == 0) {
		ike_logf(ep, 0, "ike_child_set_state: refused %s -> %s",
		    ike_child_state_name(c->state), ike_child_state_name(to));
		return;
	}
	c->state = to;
}
#undef B

/* ---- payload rules per exchange (2.x, 1.2-1.5) ---- */

#define P(t)	(1u << ((t) - IKE_PL_SA))

struct ike_rule {
	uint8_t		exchange;
	bool		response;
	uint32_t	required;	/* unless an error notify answers */
	uint32_t	allowed;	/* clear and inner together */
};

static const struct ike_rule rules[] = {
	{ IKE_X_SA_INIT, false, P(IKE_PL_SA) | P(IKE_PL_KE) |
	    P(IKE_PL_NONCE),
	  P(IKE_PL_SA) | P(IKE_PL_KE) | P(IKE_PL_NONCE) | P(IKE_PL_NOTIFY) |
	    P(IKE_PL_VENDOR) },
	{ IKE_X_SA_INIT, true, P(IKE_PL_SA) | P(IKE_PL_KE) | P(IKE_PL_NONCE),
	  P(IKE_PL_SA) | P(IKE_PL_KE) | P(IKE_PL_NONCE) | P(IKE_PL_NOTIFY) |
	    P(IKE_PL_VENDOR) | P(IKE_PL_CERTREQ) },
	{ IKE_X_AUTH, false, P(IKE_PL_SK) | P(IKE_PL_IDI) | P(IKE_PL_AUTH),
	  P(IKE_PL_SK) | P(IKE_PL_IDI) | P(IKE_PL_IDR) | P(IKE_PL_CERT) |
	    P(IKE_PL_CERTREQ) | P(IKE_PL_AUTH) | P(IKE_PL_SA) |
	    P(IKE_PL_TSI) | P(IKE_PL_TSR) | P(IKE_PL_NOTIFY) |
	    P(IKE_PL_VENDOR) | P(IKE_PL_CP) },
	{ IKE_X_AUTH, true, P(IKE_PL_SK) | P(IKE_PL_IDR) | P(IKE_PL_AUTH),
	  P(IKE_PL_SK) | P(IKE_PL_IDR) | P(IKE_PL_CERT) | P(IKE_PL_AUTH) |
	    P(IKE_PL_SA) | P(IKE_PL_TSI) | P(IKE_PL_TSR) |
	    P(IKE_PL_NOTIFY) | P(IKE_PL_VENDOR) | P(IKE_PL_CP) },
	{ IKE_X_CREATE_CHILD_SA, false, P(IKE_PL_SK) | P(IKE_PL_SA) |
	    P(IKE_PL_NONCE),
	  P(IKE_PL_SK) | P(IKE_PL_SA) | P(IKE_PL_NONCE) | P(IKE_PL_KE) |
	    P(IKE_PL_TSI) | P(IKE_PL_TSR) | P(IKE_PL_NOTIFY) |
	    P(IKE_PL_VENDOR) },
	{ IKE_X_CREATE_CHILD_SA, true, P(IKE_PL_SK) | P(IKE_PL_SA) |
	    P(IKE_PL_NONCE),
	  P(IKE_PL_SK) | P(IKE_PL_SA) | P(IKE_PL_NONCE) | P(IKE_PL_KE) |
	    P(IKE_PL_TSI) | P(IKE_PL_TSR) | P(IKE_PL_NOTIFY) |
	    P(IKE_PL_VENDOR) },
	{ IKE_X_INFORMATIONAL, false, P(IKE_PL_SK),
	  P(IKE_PL_SK) | P(IKE_PL_NOTIFY) | P(IKE_PL_DELETE) |
	    P(IKE_PL_VENDOR) | P(IKE_PL_CP) },
	{ IKE_X_INFORMATIONAL, true, P(IKE_PL_SK),
	  P(IKE_PL_SK) | P(IKE_PL_NOTIFY) | P(IKE_PL_DELETE) |
	    P(IKE_PL_VENDOR) | P(IKE_PL_CP) },
};

static bool
has_error_notify(const struct ike_msg *msg)
{
	size_t i;

	for (i = 0; i < msg->n_notify; i++)
		if (msg->notify[i].type <= IKE_N_ERROR_MAX)
			return (true);
	return (false);
}

/*
 * Checks the payloads present against the exchange's rule, before any of
 * them is used.  For messages with an SK payload, `inner` says whether
 * the inner payloads were decoded yet: before, only SK may be present.
 */
int
ike_rules_check(const struct ike_msg *msg, uint8_t exchange, bool response,
    bool inner)
{
	const struct ike_rule *r = NULL;
	size_t i;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rules[i].exchange == exchange &&
		    rules[i].response == response)
			r = &rules[i];
	if (r == NULL)
		return (-1);
	if (exchange != IKE_X_SA_INIT && !inner)
		return (msg->present == P(IKE_PL_SK) ? 0 : -1);
	if ((msg->present & ~r->allowed) != 0)
		return (-1);
	if ((msg->present & r->required) == r->required)
		return (0);
	/* An error notify (or a COOKIE request, 2.6) replaces the
	 * payloads; a request may carry one only as an answer. */
	if (response && (has_error_notify(msg) ||
	    ike_msg_notify(msg, IKE_N_COOKIE) != NULL))
		return (0);
	/* A CREATE_CHILD_SA answered with an error and IKE_AUTH without a
	 * child are covered above; INFORMATIONAL needs only SK. */
	return (-1);
}
#undef P

/* ---- small helpers ---- */

void
ike_logf(struct ike_endpoint *ep, int level, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (ep->env.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ep->env.log(ep->env.arg, level, line);
}

int
ike_rand(struct ike_endpoint *ep, void *buf, size_t len)
{
	if (ep->env.random != NULL)
		return (ep->env.random(ep->env.arg, buf, len));
	return (ike_random(buf, len));
}

uint64_t
ike_rand_spi64(struct ike_endpoint *ep)
{
	uint64_t v = 0;

	while (v == 0)
		if (ike_rand(ep, &v, sizeof(v)) != 0)
			return (0);
	return (v);
}

uint32_t
ike_rand_spi32(struct ike_endpoint *ep)
{
	uint32_t v = 0;

	/* SPIs 1..255 are reserved by IANA (RFC 4303 2.1). */
	while (v < 256)
		if (ike_rand(ep, &v, sizeof(v)) != 0)
			return (0);
	return (v);
}

const struct ike_peer_config *
ike_sa_peer(const struct ike_endpoint *ep, const struct ike_sa *sa)
{
	return (&ep->cfg.peers[sa->peer]);
}

const char *
ike_addr_str(const struct ike_addr *a, char *buf, size_t cap)
{
	char ip[IPADDR_STRLEN];

	if (a->ip.family == 0)
		snprintf(buf, cap, "%%any[%u]", a->port);
	else
		snprintf(buf, cap, "%s[%u]", ipaddr_str(&a->ip, ip,
		    sizeof(ip)), a->port);
	return (buf);
}

size_t
ike_id_format(const struct ike_id *id, char *buf, size_t cap)
{
	struct ipaddr ip;
	char tmp[IPADDR_STRLEN];
	int n;

	memset(&ip, 0, sizeof(ip));
	switch (id->type) {
	case IKE_ID_IPV4_ADDR:
		if (id->len != 4)
			goto hex;
		ipaddr_set4(&ip, id->data);
		n = snprintf(buf, cap, "%s", ipaddr_str(&ip, tmp, sizeof(tmp)));
		break;
	case IKE_ID_IPV6_ADDR:
		if (id->len != 16)
			goto hex;
		ipaddr_set6(&ip, id->data);
		n = snprintf(buf, cap, "%s", ipaddr_str(&ip, tmp, sizeof(tmp)));
		break;
	case IKE_ID_FQDN:
	case IKE_ID_RFC822_ADDR:
		/* Printable only; anything else as '?'. */
		{
			size_t i, o = 0;

			for (i = 0; i < id->len && o + 1 < cap; i++) {
				uint8_t c = id->data[i];
				buf[o++] = (c >= 0x20 && c < 0x7f &&
				    c != '"' && c != '\\') ? (char)c : '?';
			}
			if (cap > 0)
				buf[o] = '\0';
			return (o);
		}
	default:
	hex:
		n = snprintf(buf, cap, "type %u, %u bytes", id->type, id->len);
		break;
	}
	if (n < 0)
		return (0);
	return ((size_t)n < cap ? (size_t)n : (cap > 0 ? cap - 1 : 0));
}

static unsigned
prefix_len(const uint8_t *s, const uint8_t *e, size_t alen)
{
	size_t i;
	unsigned bits = 0;
	int b;

	/* A prefix when s has zeros and e ones in the host part. */
	for (i = 0; i < alen; i++) {
		for (b = 7; b >= 0; b--) {
			int sb = (s[i] >> b) & 1, eb = (e[i] >> b) & 1;

			if (sb == eb) {
				if (bits != i * 8 + (unsigned)(7 - b))
					return (~0u);
				bits++;
			} else if (sb != 0 || eb != 1)
				return (~0u);
		}
	}
	return (bits);
}

size_t
ike_ts_format(const struct ike_ts *ts, char *buf, size_t cap)
{
	struct ipaddr a, b;
	char sa[IPADDR_STRLEN], sb[IPADDR_STRLEN];
	size_t alen = ts->type == IKE_TS_IPV6_ADDR_RANGE ? 16 : 4;
	unsigned plen;
	int n;

	if (alen == 4) {
		ipaddr_set4(&a, ts->start);
		ipaddr_set4(&b, ts->end);
	} else {
		ipaddr_set6(&a, ts->start);
		ipaddr_set6(&b, ts->end);
	}
	plen = prefix_len(ts->start, ts->end, alen);
	if (plen != ~0u)
		n = snprintf(buf, cap, "%s/%u", ipaddr_str(&a, sa, sizeof(sa)),
		    plen);
	else
		n = snprintf(buf, cap, "%s-%s", ipaddr_str(&a, sa, sizeof(sa)),
		    ipaddr_str(&b, sb, sizeof(sb)));
	if (n > 0 && (size_t)n < cap && (ts->ip_proto != 0 ||
	    ts->start_port != 0 || ts->end_port != 65535)) {
		int m;

		if (ts->start_port == ts->end_port)
			m = snprintf(buf + n, cap - (size_t)n, "[%u/%u]",
			    ts->ip_proto, ts->start_port);
		else if (ts->start_port == 0 && ts->end_port == 65535)
			m = snprintf(buf + n, cap - (size_t)n, "[%u]",
			    ts->ip_proto);
		else
			m = snprintf(buf + n, cap - (size_t)n, "[%u/%u-%u]",
			    ts->ip_proto, ts->start_port, ts->end_port);
		if (m > 0)
			n += m;
	}
	if (n < 0)
		return (0);
	return ((size_t)n < cap ? (size_t)n : (cap > 0 ? cap - 1 : 0));
}

size_t
ike_id_body(const struct ike_id *id, uint8_t *out, size_t cap)
{
	if (cap < 4u + id->len)
		return (0);
	out[0] = id->type;
	out[1] = out[2] = out[3] = 0;
	memcpy(out + 4, id->data, id->len);
	return (4u + id->len);
}

const struct ike_cred *
ike_peer_cred(const struct ike_endpoint *ep, const struct ike_peer_config *pc)
{
	return (&ep->cred[pc - ep->cfg.peers]);
}

/* The peer's local_id, else the global one, else with certificates the
 * subject DN (as strongSwan defaults to). */
const struct ike_id *
ike_local_id(const struct ike_endpoint *ep, const struct ike_peer_config *pc)
{
	if (pc->local_id.len > 0)
		return (&pc->local_id);
	if (ep->cfg.local_id.len == 0 && pc->auth == IKE_AUTHK_CERT)
		return (&ike_peer_cred(ep, pc)->cert_id);
	return (&ep->cfg.local_id);
}

bool
ike_id_equal(const struct ike_id *a, const struct ike_id *b)
{
	return (a->type == b->type && a->len == b->len &&
	    memcmp(a->data, b->data, a->len) == 0);
}

/* ---- traffic selectors (2.9) ---- */

static size_t
ts_alen(const struct ike_ts *t)
{
	return (t->type == IKE_TS_IPV6_ADDR_RANGE ? 16 : 4);
}

/* The intersection of a and b into *out; false when empty. */
static bool
ts_intersect(const struct ike_ts *a, const struct ike_ts *b,
    struct ike_ts *out)
{
	size_t alen = ts_alen(a);

	if (a->type != b->type)
		return (false);
	if (a->ip_proto != 0 && b->ip_proto != 0 && a->ip_proto != b->ip_proto)
		return (false);
	memset(out, 0, sizeof(*out));
	out->type = a->type;
	out->ip_proto = a->ip_proto != 0 ? a->ip_proto : b->ip_proto;
	out->start_port = a->start_port > b->start_port ? a->start_port :
	    b->start_port;
	out->end_port = a->end_port < b->end_port ? a->end_port : b->end_port;
	if (out->start_port > out->end_port)
		return (false);
	memcpy(out->start, memcmp(a->start, b->start, alen) > 0 ? a->start :
	    b->start, alen);
	memcpy(out->end, memcmp(a->end, b->end, alen) < 0 ? a->end : b->end,
	    alen);
	return (memcmp(out->start, out->end, alen) <= 0);
}

/*
 * Narrowing (2.9), the simple cases: each of theirs intersected with
 * each of ours; duplicates dropped.  A responder answers with the
 * result; an initiator checks the answer is within what it asked.
 */
size_t
ike_ts_narrow(const struct ike_ts *ours, size_t n_ours,
    const struct ike_ts *theirs, size_t n_theirs, struct ike_ts *out,
    size_t max)
{
	size_t i, j, k, n = 0;
	struct ike_ts t;

	for (i = 0; i < n_theirs; i++)
		for (j = 0; j < n_ours; j++) {
			if (!ts_intersect(&theirs[i], &ours[j], &t))
				continue;
			for (k = 0; k < n; k++)
				if (memcmp(&out[k], &t, sizeof(t)) == 0)
					break;
			if (k == n && n < max)
				out[n++] = t;
		}
	return (n);
}

size_t
ike_ts_ours(const struct ike_peer_config *pc, bool local,
    const struct ike_addr *host, struct ike_ts *out, size_t max)
{
	const struct ike_ts *ts = local ? pc->local_ts : pc->remote_ts;
	size_t n = local ? pc->n_local_ts : pc->n_remote_ts;

	if (n > max)
		n = max;
	if (n > 0) {
		memcpy(out, ts, n * sizeof(*ts));
		return (n);
	}
	/* "dynamic": the host's own address. */
	if (max == 0 || host->ip.family == 0)
		return (0);
	memset(out, 0, sizeof(*out));
	out->type = host->ip.family == 6 ? IKE_TS_IPV6_ADDR_RANGE :
	    IKE_TS_IPV4_ADDR_RANGE;
	out->end_port = 65535;
	memcpy(out->start, host->ip.bytes, ts_alen(out));
	memcpy(out->end, host->ip.bytes, ts_alen(out));
	return (1);
}

/*
 * TSi is the side of whoever sent the request (2.9): ours when we
 * initiated this exchange, the peer's when we answer it.
 */
bool
ike_ts_narrow_msg(const struct ike_peer_config *pc, const struct ike_sa *sa,
    bool we_initiated, const struct ike_msg *msg, struct ike_ts *tsi,
    size_t *n_tsi, struct ike_ts *tsr, size_t *n_tsr)
{
	struct ike_ts ours[IKE_CHILD_TS_MAX];
	size_t n;

	n = ike_ts_ours(pc, we_initiated, we_initiated ? &sa->local :
	    &sa->remote, ours, IKE_CHILD_TS_MAX);
	*n_tsi = ike_ts_narrow(ours, n, msg->tsi, msg->n_tsi, tsi,
	    IKE_CHILD_TS_MAX);
	n = ike_ts_ours(pc, !we_initiated, we_initiated ? &sa->remote :
	    &sa->local, ours, IKE_CHILD_TS_MAX);
	*n_tsr = ike_ts_narrow(ours, n, msg->tsr, msg->n_tsr, tsr,
	    IKE_CHILD_TS_MAX);
	return (*n_tsi > 0 && *n_tsr > 0);
}

/* ---- SA table ---- */

struct ike_sa *
ike_sa_new(struct ike_endpoint *ep, bool initiator, size_t peer)
{
	struct ike_sa *sa;
	size_t i;

	for (i = 0; i < IKE_SA_MAX; i++)
		if (ep->sa[i] == NULL)
			break;
	if (i == IKE_SA_MAX)
		return (NULL);
	if ((sa = calloc(1, sizeof(*sa))) == NULL)
		return (NULL);
	sa->req = malloc(IKE_OUT_MAX);
	sa->resp = malloc(IKE_OUT_MAX);
	if (sa->req == NULL || sa->resp == NULL) {
		free(sa->req);
		free(sa->resp);
		free(sa);
		return (NULL);
	}
	sa->initiator = initiator;
	sa->peer = peer;
	sa->created_ms = ep->now;
	sa->last_in_ms = ep->now;
	sa->last_out_ms = ep->now;
	ep->sa[i] = sa;
	return (sa);
}

static void
sa_free(struct ike_endpoint *ep, size_t i)
{
	struct ike_sa *sa = ep->sa[i];

	if (sa == NULL)
		return;
	ike_dh_free(sa->dh);
	ike_dh_free(sa->x_dh);
	ike_frag_free(sa);
	ike_sa_keys_wipe(&sa->keys);
	free(sa->init_i);
	free(sa->init_r);
	free(sa->req);
	free(sa->resp);
	ike_wipe(sa, sizeof(*sa));
	free(sa);
	ep->sa[i] = NULL;
}

struct ike_sa *
ike_sa_find(struct ike_endpoint *ep, uint64_t spi_i, uint64_t spi_r)
{
	struct ike_sa *sa;
	size_t i;

	for (i = 0; i < IKE_SA_MAX; i++) {
		if ((sa = ep->sa[i]) == NULL || sa->state == IKE_SA_S_CLOSED ||
		    sa->spi_i != spi_i)
			continue;
		if (sa->spi_r == spi_r ||
		    (sa->state == IKE_SA_S_INIT_I && sa->initiator))
			return (sa);
	}
	return (NULL);
}

struct ike_sa *
ike_sa_find_half(struct ike_endpoint *ep, uint64_t spi_i,
    const struct ike_addr *remote)
{
	struct ike_sa *sa;
	size_t i;

	for (i = 0; i < IKE_SA_MAX; i++)
		if ((sa = ep->sa[i]) != NULL && !sa->initiator &&
		    sa->spi_i == spi_i && sa->state != IKE_SA_S_CLOSED &&
		    ipaddr_eq(&sa->remote.ip, &remote->ip))
			return (sa);
	return (NULL);
}

size_t
ike_sa_count_half_open(const struct ike_endpoint *ep)
{
	size_t i, n = 0;

	for (i = 0; i < IKE_SA_MAX; i++)
		if (ep->sa[i] != NULL && ep->sa[i]->state == IKE_SA_S_INIT_R)
			n++;
	return (n);
}

/* ---- sending ---- */

static bool
is_natt(const struct ike_endpoint *ep, const struct ike_addr *local,
    const struct ike_addr *remote)
{
	return (local->port == ep->cfg.natt_port ||
	    remote->port == ep->cfg.natt_port);
}

static int
send_one(struct ike_endpoint *ep, const struct ike_addr *local,
    const struct ike_addr *remote, const uint8_t *buf, size_t len)
{
	uint8_t wire[IKE_MSG_MAX + 4];

	if (len > IKE_MSG_MAX)
		return (-1);
	if (!is_natt(ep, local, remote))
		return (ep->env.send(ep->env.arg, local, remote, buf, len));
	/* RFC 3948 2.2: the non-ESP marker tells IKE from ESP. */
	memset(wire, 0, 4);
	memcpy(wire + 4, buf, len);
	return (ep->env.send(ep->env.arg, local, remote, wire, len + 4));
}

/*
 * One message, or the fragments of one (RFC 7383) back to back: each
 * fragment is a whole IKE message, its header's Length says where the
 * next begins.
 */
int
ike_send_raw(struct ike_endpoint *ep, const struct ike_addr *local,
    const struct ike_addr *remote, const uint8_t *buf, size_t len)
{
	size_t off = 0, one;
	int rc = 0;

	while (off < len) {
		one = len - off;
		if (one >= IKE_HDR_LEN) {
			uint32_t l = (uint32_t)buf[off + 24] << 24 |
			    (uint32_t)buf[off + 25] << 16 |
			    (uint32_t)buf[off + 26] << 8 | buf[off + 27];

			if (l >= IKE_HDR_LEN && l < one)
				one = l;
		}
		if (send_one(ep, local, remote, buf + off, one) != 0)
			rc = -1;
		off += one;
	}
	return (rc);
}

static uint64_t
retransmit_after(const struct ike_endpoint *ep, unsigned tries)
{
	double t = ep->cfg.retransmit_timeout_ms;
	unsigned i;

	for (i = 0; i < tries; i++)
		t = t * ep->cfg.retransmit_base_pct / 100.0;
	return ((uint64_t)t);
}

void
ike_sa_send_request(struct ike_endpoint *ep, struct ike_sa *sa,
    enum ike_req_kind kind, const uint8_t *buf, size_t len)
{
	if (len > IKE_OUT_MAX)
		return;
	if (buf != sa->req)
		memcpy(sa->req, buf, len);
	sa->req_len = len;
	sa->req_kind = kind;
	sa->req_msgid = sa->msgid_out;
	sa->req_tries = 0;
	sa->req_next_ms = ep->now + retransmit_after(ep, 0);
	sa->last_out_ms = ep->now;
	(void)ike_send_raw(ep, &sa->local, &sa->remote, sa->req, len);
}

void
ike_sa_send_response(struct ike_endpoint *ep, struct ike_sa *sa,
    const uint8_t *buf, size_t len)
{
	if (len > IKE_OUT_MAX)
		return;
	memcpy(sa->resp, buf, len);
	sa->resp_len = len;
	sa->have_resp = true;
	sa->msgid_in++;
	sa->last_out_ms = ep->now;
	(void)ike_send_raw(ep, &sa->local, &sa->remote, sa->resp, len);
}

void
ike_sa_request_done(struct ike_endpoint *ep, struct ike_sa *sa)
{
	(void)ep;
	sa->req_kind = IKE_REQ_NONE;
	sa->req_len = 0;
	sa->msgid_out++;
}

size_t
ike_sa_seal(struct ike_endpoint *ep, struct ike_sa *sa, uint8_t exchange,
    bool response, uint32_t msgid, const struct ike_writer *inner)
{
	const struct ike_sk_dir *dir = sa->initiator ? &sa->keys.i2r :
	    &sa->keys.r2i;
	struct ike_writer w;
	struct ike_hdr h;
	size_t body, aad, len;

	if (inner->overflow || !sa->have_keys)
		return (0);
	memset(&h, 0, sizeof(h));
	h.spi_i = sa->spi_i;
	h.spi_r = sa->spi_r;
	h.version = IKE_VERSION;
	h.exchange = exchange;
	h.flags = (sa->initiator ? IKE_FLAG_INITIATOR : 0) |
	    (response ? IKE_FLAG_RESPONSE : 0);
	h.msgid = msgid;
	body = ike_sk_sealed_len(dir, inner->len);
	/* RFC 7383 2.5: too big for one datagram, in fragments. */
	if (ike_frag_needed(ep, sa, exchange, IKE_HDR_LEN + 4 + body))
		return (ike_frag_seal(ep, sa, &h, inner));
	ike_writer_init(&w, ep->buf, IKE_MSG_MAX, &h);
	aad = ike_msg_add_sk_header(&w, inner->len > 0 ? inner->first :
	    IKE_PL_NONE, body);
	ike_writer_advance(&w, body);
	if (ike_msg_finish(&w, &len) != 0)
		return (0);
	if (ike_sk_seal(dir, ep->buf, IKE_MSG_MAX, aad, inner->buf,
	    inner->len) != 0)
		return (0);
	return (len);
}

int
ike_sa_open(struct ike_endpoint *ep, struct ike_sa *sa, const uint8_t *buf,
    size_t len, struct ike_msg *msg)
{
	const struct ike_sk_dir *dir = sa->initiator ? &sa->keys.r2i :
	    &sa->keys.i2r;
	size_t plen;
	uint8_t bad;

	if (!sa->have_keys || !ike_msg_has(msg, IKE_PL_SK))
		return (-1);
	if (ike_sk_open(dir, buf, len, msg->sk_aad_len, ep->dec,
	    sizeof(ep->dec), &plen) != 0)
		return (-1);
	if (ike_msg_decode_inner(ep->dec, plen, msg->sk_first, msg,
	    &bad) != 0)
		return (-1);
	return (0);
}

/* ---- Child SAs ---- */

uint64_t
ike_rand_below(struct ike_endpoint *ep, uint64_t max)
{
	uint64_t v = 0;

	if (max == 0 || ike_rand(ep, &v, sizeof(v)) != 0)
		return (0);
	return (v % max);
}

/*
 * When to rekey: rekey_time minus a random part of the time left before
 * the hard life, as strongSwan's rand_time does, so that two ends with
 * the same settings seldom rekey at once (2.8.1).
 */
static uint64_t
rekey_at(struct ike_endpoint *ep, uint32_t rekey_s, uint32_t life_s)
{
	uint64_t t;

	if (rekey_s == 0)
		return (0);
	t = ep->now + (uint64_t)rekey_s * 1000;
	if (life_s > rekey_s)
		t -= ike_rand_below(ep, (uint64_t)(life_s - rekey_s) * 1000);
	return (t);
}

struct ike_child *
ike_child_add(struct ike_endpoint *ep, struct ike_sa *sa)
{
	size_t i;

	(void)ep;
	for (i = 0; i < IKE_CHILD_PER_SA; i++)
		if (sa->child[i].state == IKE_CHILD_S_NONE) {
			memset(&sa->child[i], 0, sizeof(sa->child[i]));
			return (&sa->child[i]);
		}
	return (NULL);
}

struct ike_child *
ike_child_find(struct ike_sa *sa, uint32_t spi)
{
	size_t i;

	for (i = 0; i < IKE_CHILD_PER_SA; i++)
		if (sa->child[i].state != IKE_CHILD_S_NONE &&
		    (sa->child[i].spi_in == spi ||
		    sa->child[i].spi_out == spi))
			return (&sa->child[i]);
	return (NULL);
}

static void
child_info(const struct ike_endpoint *ep, const struct ike_sa *sa,
    const struct ike_child *c, struct ike_child_info *ci)
{
	memset(ci, 0, sizeof(*ci));
	snprintf(ci->peer, sizeof(ci->peer), "%s",
	    ep->cfg.peers[sa->peer].name);
	ci->ike_spi_i = sa->spi_i;
	ci->ike_spi_r = sa->spi_r;
	ci->spi_in = c->spi_in;
	ci->spi_out = c->spi_out;
	ci->initiator = c->keys_initiator;
	ci->suite = c->suite;
	ci->local = sa->local;
	ci->remote = sa->remote;
	ci->encap = sa->natt;
	ci->wesp = c->wesp;
	memcpy(ci->ts_local, c->ts_local, sizeof(ci->ts_local));
	ci->n_ts_local = c->n_ts_local;
	memcpy(ci->ts_remote, c->ts_remote, sizeof(ci->ts_remote));
	ci->n_ts_remote = c->n_ts_remote;
}

int
ike_child_install(struct ike_endpoint *ep, struct ike_sa *sa,
    struct ike_child *c, const uint8_t *g_ir, size_t g_ir_len,
    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len)
{
	const struct ike_peer_config *pc = ike_sa_peer(ep, sa);
	struct ike_child_keys keys;
	struct ike_child_info ci;
	char alg[96];

	if (ike_derive_child_keys(&sa->keys, &c->suite, g_ir, g_ir_len,
	    ni, ni_len, nr, nr_len, &keys) != 0)
		return (-1);
	ike_child_set_state(ep, sa, c, IKE_CHILD_S_INSTALLED);
	c->installed_ms = ep->now;
	c->rekey_ms = rekey_at(ep, pc->child_rekey_time,
	    pc->child_life_time);
	c->expire_ms = pc->child_life_time > 0 ?
	    ep->now + (uint64_t)pc->child_life_time * 1000 : 0;
	child_info(ep, sa, c, &ci);
	ci.keys = &keys;
	if (ep->env.child_up != NULL)
		ep->env.child_up(ep->env.arg, &ci);
	ike_child_keys_wipe(&keys);
	ike_suite_format(&c->suite, IKE_PROTO_ESP, alg, sizeof(alg));
	ike_logf(ep, 1, "%s: Child SA installed, SPIs in %08x out %08x, %s",
	    pc->name, c->spi_in, c->spi_out, alg);
	return (0);
}

void
ike_child_remove(struct ike_endpoint *ep, struct ike_sa *sa,
    struct ike_child *c)
{
	struct ike_child_info ci;

	if (c->state == IKE_CHILD_S_NONE)
		return;
	child_info(ep, sa, c, &ci);
	ike_child_set_state(ep, sa, c, IKE_CHILD_S_NONE);
	if (ep->env.child_down != NULL)
		ep->env.child_down(ep->env.arg, &ci);
	ike_logf(ep, 1, "%s: Child SA %08x/%08x deleted",
	    ep->cfg.peers[sa->peer].name, ci.spi_in, ci.spi_out);
	memset(c, 0, sizeof(*c));
}

void
ike_sa_established(struct ike_endpoint *ep, struct ike_sa *sa)
{
	const struct ike_peer_config *pc = ike_sa_peer(ep, sa);
	char alg[128];

	ike_sa_set_state(ep, sa, IKE_SA_S_ESTABLISHED);
	sa->established_ms = ep->now;
	sa->rekey_ms = rekey_at(ep, pc->ike_rekey_time, pc->ike_life_time);
	sa->expire_ms = pc->ike_life_time > 0 ?
	    ep->now + (uint64_t)pc->ike_life_time * 1000 : 0;
	/* The IKE_SA_INIT copies and the DH key are no longer needed. */
	free(sa->init_i);
	free(sa->init_r);
	sa->init_i = sa->init_r = NULL;
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	ike_suite_format(&sa->suite, IKE_PROTO_IKE, alg, sizeof(alg));
	ike_logf(ep, 1, "%s: IKE SA %016llx_i %016llx_r established, %s",
	    pc->name, (unsigned long long)sa->spi_i,
	    (unsigned long long)sa->spi_r, alg);
}

void
ike_sa_close(struct ike_endpoint *ep, struct ike_sa *sa, const char *why)
{
	size_t i;

	if (sa->state == IKE_SA_S_CLOSED)
		return;
	for (i = 0; i < IKE_CHILD_PER_SA; i++)
		ike_child_remove(ep, sa, &sa->child[i]);
	ike_logf(ep, 1, "%s: IKE SA %016llx_i %016llx_r closed: %s",
	    ep->cfg.peers[sa->peer].name, (unsigned long long)sa->spi_i,
	    (unsigned long long)sa->spi_r, why);
	ike_sa_set_state(ep, sa, IKE_SA_S_CLOSED);
	sa->req_kind = IKE_REQ_NONE;
}

/* ---- the endpoint ---- */

static void
creds_free(struct ike_endpoint *ep)
{
	size_t i;

	for (i = 0; i < IKE_PEERS_MAX; i++) {
		ike_privkey_free(ep->cred[i].key);
		ike_trust_free(ep->cred[i].trust);
		ep->cred[i].key = NULL;
		ep->cred[i].trust = NULL;
	}
}

static int
creds_load(struct ike_endpoint *ep)
{
	char err[256];
	size_t i;

	for (i = 0; i < ep->cfg.n_peers; i++) {
		const struct ike_peer_config *pc = &ep->cfg.peers[i];
		struct ike_cred *c = &ep->cred[i];
		const char *ca = pc->ca_file;

		if (pc->auth != IKE_AUTHK_CERT)
			continue;
		err[0] = '\0';
		if ((c->key = ike_privkey_load(pc->key_file, err,
		    sizeof(err))) == NULL ||
		    ike_cert_load(pc->cert_file, c->cert, sizeof(c->cert),
		    &c->cert_len, err, sizeof(err)) != 0 ||
		    (c->trust = ike_trust_load(&ca, 1, err,
		    sizeof(err))) == NULL ||
		    ike_cert_subject_id(c->cert, c->cert_len,
		    &c->cert_id) != 0) {
			ike_logf(ep, 0, "%s: certificate credentials: %s",
			    pc->name, err);
			return (-1);
		}
	}
	return (0);
}

struct ike_endpoint *
ike_endpoint_new(const struct ike_config *cfg, const struct ike_env *env)
{
	struct ike_endpoint *ep;

	if ((ep = calloc(1, sizeof(*ep))) == NULL)
		return (NULL);
	ep->cfg = *cfg;
	ep->env = *env;
	if (ep->cfg.retransmit_timeout_ms == 0)
		ep->cfg.retransmit_timeout_ms = 4000;
	if (ep->cfg.retransmit_base_pct < 100)
		ep->cfg.retransmit_base_pct = 180;
	if (ep->cfg.port == 0)
		ep->cfg.port = IKE_PORT;
	if (ep->cfg.natt_port == 0)
		ep->cfg.natt_port = IKE_NATT_PORT;
	ep->now = ep->env.now_ms(ep->env.arg);
	if (ike_rand(ep, ep->cookie_secret, sizeof(ep->cookie_secret)) != 0 ||
	    creds_load(ep) != 0) {
		ike_endpoint_free(ep);
		return (NULL);
	}
	return (ep);
}

void
ike_endpoint_free(struct ike_endpoint *ep)
{
	size_t i;

	if (ep == NULL)
		return;
	for (i = 0; i < IKE_SA_MAX; i++)
		sa_free(ep, i);
	creds_free(ep);
	ike_config_wipe(&ep->cfg);
	ike_wipe(ep, sizeof(*ep));
	free(ep);
}

/* Where a message for an SA that now runs over 4500 goes (2.23). */
static void
sa_track_address(struct ike_endpoint *ep, struct ike_sa *sa,
    const struct ike_addr *local, const struct ike_addr *remote)
{
	if (local->port == ep->cfg.natt_port && !sa->natt) {
		sa->natt = true;
	}
	if (sa->natt) {
		sa->local = *local;
		sa->remote = *remote;
	}
}

void
ike_endpoint_input(struct ike_endpoint *ep, const struct ike_addr *local,
    const struct ike_addr *remote, const uint8_t *buf, size_t len)
{
	struct ike_msg *msg = &ep->msg;
	struct ike_hdr hdr;
	struct ike_sa *sa;
	bool response;
	uint8_t bad;

	ep->now = ep->env.now_ms(ep->env.arg);
	if (local->port == ep->cfg.natt_port) {
		/* Keepalive (one 0xff byte) or ESP (a non-zero SPI). */
		if (len < 4 || buf[0] != 0 || buf[1] != 0 || buf[2] != 0 ||
		    buf[3] != 0)
			return;
		buf += 4;
		len -= 4;
	}
	if (ike_msg_decode_header(buf, len, &hdr) != 0)
		return;
	if (ike_msg_decode(buf, len, msg, &bad) != 0) {
		ike_logf(ep, 2, "malformed message dropped");
		return;
	}
	response = (hdr.flags & IKE_FLAG_RESPONSE) != 0;
	if (hdr.exchange == IKE_X_SA_INIT && !response) {
		if (hdr.spi_r != 0 || hdr.msgid != 0 ||
		    (hdr.flags & IKE_FLAG_INITIATOR) == 0)
			return;
		if (ike_rules_check(msg, IKE_X_SA_INIT, false, false) != 0) {
			ike_logf(ep, 2, "IKE_SA_INIT request: bad payloads");
			return;
		}
		ike_x_init_request(ep, local, remote, buf, len, msg);
		return;
	}
	if ((sa = ike_sa_find(ep, hdr.spi_i, hdr.spi_r)) == NULL) {
		ike_logf(ep, 2, "message for unknown IKE SA %016llx_i dropped",
		    (unsigned long long)hdr.spi_i);
		return;
	}
	/* The I flag says who sent it: never ourselves. */
	if (((hdr.flags & IKE_FLAG_INITIATOR) != 0) == sa->initiator)
		return;
	if (hdr.exchange == IKE_X_SA_INIT) {
		if (sa->state != IKE_SA_S_INIT_I || sa->req_kind !=
		    IKE_REQ_INIT || hdr.msgid != sa->req_msgid)
			return;
		if (ike_rules_check(msg, IKE_X_SA_INIT, true, false) != 0) {
			ike_logf(ep, 2, "IKE_SA_INIT response: bad payloads");
			return;
		}
		ike_x_init_response(ep, sa, buf, len, msg);
		return;
	}
	if (response) {
		if (sa->req_kind == IKE_REQ_NONE || hdr.msgid != sa->req_msgid)
			return;
	} else {
		if (sa->have_resp && hdr.msgid + 1 == sa->msgid_in) {
			/* A retransmitted request: the same answer (2.1);
			 * for a fragmented one only on fragment 1 (RFC 7383
			 * 2.6.1). */
			if (!ike_msg_has(msg, IKE_PL_SKF) ||
			    msg->frag_num == 1)
				(void)ike_send_raw(ep, &sa->local,
				    &sa->remote, sa->resp, sa->resp_len);
			return;
		}
		if (hdr.msgid != sa->msgid_in)
			return;
	}
	if (ike_msg_has(msg, IKE_PL_SKF)) {
		/* RFC 7383 2.6: each fragment verified, then stored. */
		if (ike_frag_input(ep, sa, response, buf, len, msg) != 0)
			return;
	} else if (ike_rules_check(msg, hdr.exchange, response, false) != 0 ||
	    ike_sa_open(ep, sa, buf, len, msg) != 0) {
		ike_logf(ep, 2, "%s: message %u dropped (integrity or "
		    "payloads)", ike_sa_peer(ep, sa)->name, hdr.msgid);
		return;
	}
	if (ike_rules_check(msg, hdr.exchange, response, true) != 0) {
		ike_logf(ep, 2, "%s: message %u dropped (integrity or "
		    "payloads)", ike_sa_peer(ep, sa)->name, hdr.msgid);
		return;
	}
	/* Authenticated from here on. */
	sa->last_in_ms = ep->now;
	sa_track_address(ep, sa, local, remote);
	switch (hdr.exchange) {
	case IKE_X_AUTH:
		if (response && sa->req_kind == IKE_REQ_AUTH)
			ike_x_auth_response(ep, sa, msg);
		else if (!response && sa->state == IKE_SA_S_INIT_R)
			ike_x_auth_request(ep, sa, msg);
		break;
	case IKE_X_CREATE_CHILD_SA:
		if (response)
			ike_x_child_response(ep, sa, msg);
		else
			ike_x_child_request(ep, sa, msg);
		break;
	case IKE_X_INFORMATIONAL:
		if (response)
			ike_x_info_response(ep, sa, msg);
		else
			ike_x_info_request(ep, sa, msg);
		break;
	default:
		break;
	}
}

int
ike_endpoint_initiate(struct ike_endpoint *ep, const char *peer)
{
	const struct ike_peer_config *pc;
	struct ike_sa *sa;
	size_t i;

	ep->now = ep->env.now_ms(ep->env.arg);

	if ((pc = ike_config_peer(&ep->cfg, peer)) == NULL)
		return (-1);
	/* With an IKE SA up to that peer: one more Child SA over it (1.3). */
	for (i = 0; i < IKE_SA_MAX; i++)
		if ((sa = ep->sa[i]) != NULL &&
		    sa->state == IKE_SA_S_ESTABLISHED &&
		    ike_sa_peer(ep, sa) == pc)
			return (ike_x_child_rekey(ep, sa, NULL));
	if (pc->remote.ip.family == 0)
		return (-1);
	if ((sa = ike_sa_new(ep, true, (size_t)(pc - ep->cfg.peers))) == NULL)
		return (-1);
	sa->local = pc->local;
	if (sa->local.port == 0)
		sa->local.port = ep->cfg.port;
	sa->remote = pc->remote;
	if (sa->remote.port == 0)
		sa->remote.port = IKE_PORT;
	if (ike_x_init_start(ep, sa) != 0) {
		ike_sa_close(ep, sa, "cannot start IKE_SA_INIT");
		return (-1);
	}
	return (0);
}

int
ike_endpoint_delete(struct ike_endpoint *ep, const char *peer,
    uint64_t spi_i)
{
	struct ike_sa *sa;
	size_t i;
	int n = 0;

	ep->now = ep->env.now_ms(ep->env.arg);
	for (i = 0; i < IKE_SA_MAX; i++) {
		if ((sa = ep->sa[i]) == NULL || sa->state == IKE_SA_S_CLOSED)
			continue;
		if (spi_i != 0 ? sa->spi_i != spi_i : (peer == NULL ||
		    strcmp(ike_sa_peer(ep, sa)->name, peer) != 0))
			continue;
		if (sa->state == IKE_SA_S_ESTABLISHED ||
		    sa->state == IKE_SA_S_REKEYING) {
			sa->want_delete = true;
			if (sa->req_kind == IKE_REQ_NONE)
				(void)ike_x_info_delete_ike(ep, sa);
		} else
			ike_sa_close(ep, sa, "deleted before established");
		n++;
	}
	return (n);
}

/* The established IKE SA carrying the Child SA with inbound SPI spi. */
static struct ike_sa *
established_child(struct ike_endpoint *ep, uint32_t spi,
    struct ike_child **child)
{
	size_t i;

	for (i = 0; i < IKE_SA_MAX; i++)
		if (ep->sa[i] != NULL &&
		    ep->sa[i]->state == IKE_SA_S_ESTABLISHED &&
		    (*child = ike_child_find(ep->sa[i], spi)) != NULL)
			return (ep->sa[i]);
	return (NULL);
}

/* With an exchange in flight the request waits for it (window of 1). */
int
ike_endpoint_delete_child(struct ike_endpoint *ep, uint32_t spi)
{
	struct ike_sa *sa;
	struct ike_child *c;

	ep->now = ep->env.now_ms(ep->env.arg);
	if ((sa = established_child(ep, spi, &c)) == NULL)
		return (-1);
	if (sa->req_kind != IKE_REQ_NONE) {
		sa->want_delete_child = c->spi_in;
		return (0);
	}
	return (ike_x_info_delete_child(ep, sa, c));
}

int
ike_endpoint_rekey_child(struct ike_endpoint *ep, uint32_t spi)
{
	struct ike_sa *sa;
	struct ike_child *c;

	ep->now = ep->env.now_ms(ep->env.arg);
	if ((sa = established_child(ep, spi, &c)) == NULL)
		return (-1);
	if (sa->req_kind != IKE_REQ_NONE) {
		sa->want_rekey_child = c->spi_in;
		return (0);
	}
	return (ike_x_child_rekey(ep, sa, c));
}

int
ike_endpoint_rekey_ike(struct ike_endpoint *ep, uint64_t spi_i)
{
	struct ike_sa *sa;
	size_t i;

	ep->now = ep->env.now_ms(ep->env.arg);
	for (i = 0; i < IKE_SA_MAX; i++) {
		if ((sa = ep->sa[i]) == NULL || sa->spi_i != spi_i ||
		    sa->state != IKE_SA_S_ESTABLISHED)
			continue;
		if (sa->req_kind != IKE_REQ_NONE) {
			sa->want_rekey_ike = true;
			return (0);
		}
		return (ike_x_child_rekey_ike(ep, sa));
	}
	return (-1);
}

void
ike_endpoint_shutdown(struct ike_endpoint *ep)
{
	struct ike_sa *sa;
	size_t i;

	ep->now = ep->env.now_ms(ep->env.arg);
	for (i = 0; i < IKE_SA_MAX; i++) {
		if ((sa = ep->sa[i]) == NULL)
			continue;
		if ((sa->state == IKE_SA_S_ESTABLISHED ||
		    sa->state == IKE_SA_S_REKEYING) &&
		    sa->req_kind == IKE_REQ_NONE)
			(void)ike_x_info_delete_ike(ep, sa);
		ike_sa_close(ep, sa, "shutdown");
	}
}

/* ---- timers ---- */

static uint64_t
earliest(uint64_t a, uint64_t b)
{
	if (a == 0)
		return (b);
	if (b == 0)
		return (a);
	return (a < b ? a : b);
}

/* The next moment this SA needs a tick; 0 when none. */
static uint64_t
sa_next_event(const struct ike_endpoint *ep, const struct ike_sa *sa)
{
	const struct ike_peer_config *pc = &ep->cfg.peers[sa->peer];
	uint64_t t = 0;
	size_t i;

	if (sa->state == IKE_SA_S_CLOSED)
		return (1);
	if (sa->req_kind != IKE_REQ_NONE)
		t = earliest(t, sa->req_next_ms);
	t = earliest(t, ike_frag_deadline(sa));
	if (sa->state == IKE_SA_S_INIT_R)
		t = earliest(t, sa->created_ms + HALF_OPEN_TIMEOUT_MS);
	if (sa->state != IKE_SA_S_ESTABLISHED)
		return (t);
	t = earliest(t, sa->expire_ms);
	if (sa->req_kind == IKE_REQ_NONE)
		t = earliest(t, sa->rekey_ms);
	if (sa->want_delete || sa->want_dpd || sa->want_rekey_ike ||
	    sa->want_rekey_child != 0 || sa->want_delete_child != 0)
		t = earliest(t, sa->req_kind == IKE_REQ_NONE ? 1 : 0);
	if (pc->dpd_delay > 0 && sa->req_kind == IKE_REQ_NONE)
		t = earliest(t, sa->last_in_ms + (uint64_t)pc->dpd_delay *
		    1000);
	if (sa->natt && sa->nat_local && ep->cfg.keepalive_s > 0)
		t = earliest(t, sa->last_out_ms + (uint64_t)ep->cfg.keepalive_s *
		    1000);
	for (i = 0; i < IKE_CHILD_PER_SA; i++) {
		if (sa->child[i].state != IKE_CHILD_S_INSTALLED)
			continue;
		t = earliest(t, sa->child[i].expire_ms);
		if (sa->req_kind == IKE_REQ_NONE)
			t = earliest(t, sa->child[i].rekey_ms);
	}
	return (t);
}

uint64_t
ike_endpoint_next_timeout(const struct ike_endpoint *ep, uint64_t now)
{
	uint64_t t = 0, e;
	size_t i;

	for (i = 0; i < IKE_SA_MAX; i++)
		if (ep->sa[i] != NULL)
			t = earliest(t, sa_next_event(ep, ep->sa[i]));
	if (t == 0)
		return (UINT64_MAX);
	e = t > now ? t - now : 0;
	return (e);
}

static void
sa_tick(struct ike_endpoint *ep, struct ike_sa *sa)
{
	const struct ike_peer_config *pc = ike_sa_peer(ep, sa);
	uint64_t now = ep->now;
	size_t i;

	ike_frag_tick(ep, sa);
	if (sa->req_kind != IKE_REQ_NONE && now >= sa->req_next_ms) {
		if (sa->req_tries >= ep->cfg.retransmit_tries) {
			ike_sa_close(ep, sa, "no answer after retransmits");
			return;
		}
		sa->req_tries++;
		sa->req_next_ms = now + retransmit_after(ep, sa->req_tries);
		sa->last_out_ms = now;
		ike_logf(ep, 2, "%s: retransmit %u of message %u", pc->name,
		    sa->req_tries, sa->req_msgid);
		(void)ike_send_raw(ep, &sa->local, &sa->remote, sa->req,
		    sa->req_len);
	}
	if (sa->state == IKE_SA_S_INIT_R &&
	    now >= sa->created_ms + HALF_OPEN_TIMEOUT_MS) {
		ike_sa_close(ep, sa, "half-open timeout");
		return;
	}
	if (sa->state != IKE_SA_S_ESTABLISHED)
		return;
	if (sa->expire_ms != 0 && now >= sa->expire_ms) {
		/* Hard expiry: tell the peer once, without waiting. */
		if (sa->req_kind == IKE_REQ_NONE)
			(void)ike_x_info_delete_ike(ep, sa);
		ike_sa_close(ep, sa, "lifetime expired");
		return;
	}
	if (sa->want_delete && sa->req_kind == IKE_REQ_NONE) {
		(void)ike_x_info_delete_ike(ep, sa);
		return;
	}
	if (sa->req_kind == IKE_REQ_NONE && sa->want_delete_child != 0) {
		struct ike_child *c = ike_child_find(sa, sa->want_delete_child);

		sa->want_delete_child = 0;
		if (c != NULL && c->state == IKE_CHILD_S_INSTALLED)
			(void)ike_x_info_delete_child(ep, sa, c);
	}
	if (sa->req_kind == IKE_REQ_NONE && sa->want_rekey_child != 0) {
		struct ike_child *c = ike_child_find(sa, sa->want_rekey_child);

		sa->want_rekey_child = 0;
		if (c != NULL)
			(void)ike_x_child_rekey(ep, sa, c);
	}
	if (sa->req_kind == IKE_REQ_NONE && sa->want_rekey_ike) {
		sa->want_rekey_ike = false;
		(void)ike_x_child_rekey_ike(ep, sa);
		return;
	}
	if (sa->rekey_ms != 0 && now >= sa->rekey_ms &&
	    sa->req_kind == IKE_REQ_NONE) {
		if (ike_x_child_rekey_ike(ep, sa) != 0)
			sa->rekey_ms = 0;	/* until expiry */
		return;
	}
	for (i = 0; i < IKE_CHILD_PER_SA; i++) {
		struct ike_child *c = &sa->child[i];

		if (c->state != IKE_CHILD_S_INSTALLED)
			continue;
		if (c->expire_ms != 0 && now >= c->expire_ms) {
			if (sa->req_kind == IKE_REQ_NONE)
				(void)ike_x_info_delete_child(ep, sa, c);
			else
				ike_child_remove(ep, sa, c);
			continue;
		}
		if (c->rekey_ms != 0 && now >= c->rekey_ms &&
		    sa->req_kind == IKE_REQ_NONE) {
			if (ike_x_child_rekey(ep, sa, c) != 0)
				c->rekey_ms = 0;	/* until expiry */
		}
	}
	if (sa->req_kind == IKE_REQ_NONE && (sa->want_dpd ||
	    (pc->dpd_delay > 0 &&
	    now >= sa->last_in_ms + (uint64_t)pc->dpd_delay * 1000))) {
		sa->want_dpd = false;
		(void)ike_x_info_dpd(ep, sa);
	}
	if (sa->natt && sa->nat_local && ep->cfg.keepalive_s > 0 &&
	    now >= sa->last_out_ms + (uint64_t)ep->cfg.keepalive_s * 1000) {
		/* RFC 3948 2.3: one 0xff byte, no marker. */
		static const uint8_t ka = 0xff;

		sa->last_out_ms = now;
		(void)ep->env.send(ep->env.arg, &sa->local, &sa->remote, &ka,
		    1);
	}
}

void
ike_endpoint_tick(struct ike_endpoint *ep, uint64_t now)
{
	size_t i;

	ep->now = now;
	for (i = 0; i < IKE_SA_MAX; i++) {
		if (ep->sa[i] == NULL)
			continue;
		if (ep->sa[i]->state != IKE_SA_S_CLOSED)
			sa_tick(ep, ep->sa[i]);
		if (ep->sa[i]->state == IKE_SA_S_CLOSED)
			sa_free(ep, i);
	}
}

/* ---- snapshot ---- */

static uint64_t
secs_until(uint64_t t, uint64_t now)
{
	return (t == 0 ? 0 : t > now ? (t - now + 999) / 1000 : 0);
}

void
ike_endpoint_snapshot(const struct ike_endpoint *ep,
    struct ike_sa_view *ikes, size_t max_ike, size_t *n_ike,
    struct ike_child_view *children, size_t max_child, size_t *n_child)
{
	uint64_t now = ep->env.now_ms(ep->env.arg);
	const struct ike_sa *sa;
	size_t i, j, ni = 0, nc = 0;

	for (i = 0; i < IKE_SA_MAX; i++) {
		if ((sa = ep->sa[i]) == NULL || sa->state == IKE_SA_S_CLOSED)
			continue;
		if (ni < max_ike) {
			struct ike_sa_view *v = &ikes[ni];
			const struct ike_peer_config *pc =
			    &ep->cfg.peers[sa->peer];

			memset(v, 0, sizeof(*v));
			snprintf(v->peer, sizeof(v->peer), "%s", pc->name);
			v->state = ike_sa_state_name(sa->state);
			v->initiator = sa->initiator;
			v->spi_i = sa->spi_i;
			v->spi_r = sa->spi_r;
			v->local = sa->local;
			v->remote = sa->remote;
			v->natt = sa->natt;
			if (sa->suite.encr != 0)
				ike_suite_format(&sa->suite, IKE_PROTO_IKE,
				    v->alg, sizeof(v->alg));
			ike_id_format(pc->local_id.len > 0 ? &pc->local_id :
			    &ep->cfg.local_id, v->local_id,
			    sizeof(v->local_id));
			ike_id_format(&sa->remote_id, v->remote_id,
			    sizeof(v->remote_id));
			if (sa->established_ms != 0)
				v->established_s = (now - sa->established_ms) /
				    1000;
			v->rekey_in_s = secs_until(sa->rekey_ms, now);
			v->expire_in_s = secs_until(sa->expire_ms, now);
			v->frag = sa->frag;
			v->frags_in = sa->frags_in;
			v->frags_out = sa->frags_out;
			v->frags_dropped = sa->frags_dropped;
			ni++;
		}
		for (j = 0; j < IKE_CHILD_PER_SA && nc < max_child; j++) {
			const struct ike_child *c = &sa->child[j];
			struct ike_child_view *v = &children[nc];

			if (c->state == IKE_CHILD_S_NONE)
				continue;
			memset(v, 0, sizeof(*v));
			v->ike_spi_i = sa->spi_i;
			v->state = ike_child_state_name(c->state);
			v->spi_in = c->spi_in;
			v->spi_out = c->spi_out;
			ike_suite_format(&c->suite, IKE_PROTO_ESP, v->alg,
			    sizeof(v->alg));
			v->encap = sa->natt;
			v->wesp = c->wesp;
			memcpy(v->ts_local, c->ts_local, sizeof(v->ts_local));
			v->n_ts_local = c->n_ts_local;
			memcpy(v->ts_remote, c->ts_remote,
			    sizeof(v->ts_remote));
			v->n_ts_remote = c->n_ts_remote;
			v->installed_s = (now - c->installed_ms) / 1000;
			v->rekey_in_s = secs_until(c->rekey_ms, now);
			v->expire_in_s = secs_until(c->expire_ms, now);
			nc++;
		}
	}
	*n_ike = ni;
	*n_child = nc;
}

static void
json_ts_list(struct json *j, const char *key, const struct ike_ts *ts,
    size_t n)
{
	char buf[128];
	size_t i;

	json_open_array(j, key);
	for (i = 0; i < n; i++) {
		ike_ts_format(&ts[i], buf, sizeof(buf));
		json_str(j, NULL, buf);
	}
	json_close_array(j);
}

/* An SPI as lowercase hex of its full width (16 or 8 digits). */
static void
json_spi(struct json *j, const char *key, uint64_t spi, int width)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%0*llx", width, (unsigned long long)spi);
	json_str(j, key, buf);
}

void
ike_sa_view_json(struct json *j, const struct ike_sa_view *v)
{
	char tmp[64];

	json_str(j, "name", v->peer);
	json_str(j, "state", v->state);
	json_bool(j, "initiator", v->initiator);
	json_spi(j, "spi_i", v->spi_i, 16);
	json_spi(j, "spi_r", v->spi_r, 16);
	json_str(j, "local", ike_addr_str(&v->local, tmp, sizeof(tmp)));
	json_str(j, "remote", ike_addr_str(&v->remote, tmp, sizeof(tmp)));
	json_str(j, "local_id", v->local_id);
	json_str(j, "remote_id", v->remote_id);
	json_bool(j, "natt", v->natt);
	json_str(j, "alg", v->alg);
	json_u64(j, "established_s", v->established_s);
	json_u64(j, "rekey_in_s", v->rekey_in_s);
	json_u64(j, "expire_in_s", v->expire_in_s);
	json_bool(j, "fragmentation", v->frag);
	json_u64(j, "fragments_in", v->frags_in);
	json_u64(j, "fragments_out", v->frags_out);
	json_u64(j, "fragments_dropped", v->frags_dropped);
}

void
ike_child_view_json(struct json *j, const struct ike_child_view *v)
{
	json_spi(j, "ike_spi_i", v->ike_spi_i, 16);
	json_str(j, "state", v->state);
	json_spi(j, "spi_in", v->spi_in, 8);
	json_spi(j, "spi_out", v->spi_out, 8);
	json_str(j, "alg", v->alg);
	json_bool(j, "encap", v->encap);
	json_bool(j, "wesp", v->wesp);
	json_ts_list(j, "local_ts", v->ts_local, v->n_ts_local);
	json_ts_list(j, "remote_ts", v->ts_remote, v->n_ts_remote);
	json_u64(j, "installed_s", v->installed_s);
	json_u64(j, "rekey_in_s", v->rekey_in_s);
	json_u64(j, "expire_in_s", v->expire_in_s);
}

/* {"ike_init":{...}}: what IKE_SA_INIT requests met (ike_x_init.c). */
static size_t
init_stats_line(const struct ike_endpoint *ep, char *buf, size_t cap)
{
	struct ike_init_stats st;
	struct json j;

	if (cap < 2)
		return (0);
	ike_endpoint_init_stats(ep, &st);
	json_init(&j, buf, cap - 1);
	json_open_object(&j, NULL);
	json_open_object(&j, "ike_init");
	ike_init_stats_json(&j, &st);
	json_close_object(&j);
	json_close_object(&j);
	if (j.overflow)
		return (0);
	buf[j.len] = '\n';
	return (j.len + 1);
}

size_t
ike_endpoint_status_json(const struct ike_endpoint *ep, char *buf,
    size_t cap)
{
	static struct ike_sa_view ikes[IKE_SA_MAX];
	static struct ike_child_view ch[IKE_SA_MAX * IKE_CHILD_PER_SA];
	size_t ni, nc, i, len = 0;
	struct json j;

	ike_endpoint_snapshot(ep, ikes, IKE_SA_MAX, &ni, ch,
	    IKE_SA_MAX * IKE_CHILD_PER_SA, &nc);
	for (i = 0; i < ni + nc && len + 2 < cap; i++) {
		json_init(&j, buf + len, cap - len - 1);
		json_open_object(&j, NULL);
		if (i < ni) {
			json_open_object(&j, "ike_sa");
			ike_sa_view_json(&j, &ikes[i]);
		} else {
			json_open_object(&j, "child_sa");
			ike_child_view_json(&j, &ch[i - ni]);
		}
		json_close_object(&j);
		json_close_object(&j);
		if (j.overflow)
			break;
		len += j.len;
		buf[len++] = '\n';
	}
	len += init_stats_line(ep, buf + len, cap - len);
	if (cap > 0)
		buf[len < cap ? len : cap - 1] = '\0';
	return (len);
}
