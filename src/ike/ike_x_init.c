/*
 * ike_x_init.c - IKE_SA_INIT (RFC 7296 1.2, 2.6, 2.7, 2.10, 2.14, 2.23),
 * both roles: proposals, KE (with the INVALID_KE_PAYLOAD retry), nonces,
 * cookies under load, NAT detection, and the IKE SA keys.
 *
 * Under a flood of requests from forged addresses (docs/ike.md, "Denial
 * of service"), a request costs a lookup, a hash and a COOKIE answer
 * from ep->buf: no allocation, no state, and no log line of its own.
 */
#include <stdlib.h>
#include <string.h>

#include "../util/bytes.h"
#include "../util/json.h"
#include "ike_int.h"
#include "ike_proposal.h"

/* 2.6: "change the value of <secret> frequently"; a cookie stays good
 * for one to two periods (the last secret is kept). */
#define IKE_COOKIE_SECRET_MS	60000
/* Per-request log lines (unknown peer, cookie, cap): one a second. */
#define INIT_LOG_MS		1000

static int
nat_hash(const struct ike_addr *a, uint64_t spi_i, uint64_t spi_r,
    uint8_t out[20])
{
	return (ike_nat_hash(spi_i, spi_r, a->ip.bytes,
	    a->ip.family == 6 ? 16 : 4, a->port, out));
}

/* True when one of the peer's notifies of `type` carries `expect`. */
static bool
nat_match(const struct ike_msg *msg, uint16_t type, const uint8_t expect[20])
{
	size_t i;

	for (i = 0; i < msg->n_notify; i++)
		if (msg->notify[i].type == type &&
		    msg->notify[i].data.len == 20 &&
		    memcmp(msg->notify[i].data.ptr, expect, 20) == 0)
			return (true);
	return (false);
}

/*
 * RFC 7296 2.23.  With `encap` (the peer's `encap: true`) the source hash
 * is random, so that it never matches: the peer sees us behind a NAT and
 * UDP encapsulation follows (RFC 3948), as with strongSwan's encap = yes.
 */
static void
add_nat_detection(struct ike_endpoint *ep, struct ike_writer *w,
    const struct ike_addr *local, const struct ike_addr *remote,
    uint64_t spi_i, uint64_t spi_r, bool encap)
{
	uint8_t h[20];

	if (encap ? ike_rand(ep, h, sizeof(h)) == 0 :
	    nat_hash(local, spi_i, spi_r, h) == 0)
		ike_msg_add_notify(w, 0, IKE_N_NAT_DETECTION_SOURCE_IP, NULL,
		    0, h, sizeof(h));
	if (nat_hash(remote, spi_i, spi_r, h) == 0)
		ike_msg_add_notify(w, 0, IKE_N_NAT_DETECTION_DESTINATION_IP,
		    NULL, 0, h, sizeof(h));
}

/* RFC 7427 section 4: the hashes we sign and verify with. */
static void
add_sig_hashes(struct ike_writer *w)
{
	static const uint8_t h[] = { 0, IKE_HASH_SHA2_256, 0,
	    IKE_HASH_SHA2_384, 0, IKE_HASH_SHA2_512 };

	ike_msg_add_notify(w, 0, IKE_N_SIGNATURE_HASH_ALGORITHMS, NULL, 0, h,
	    sizeof(h));
}

static uint32_t
peer_sig_hashes(const struct ike_msg *msg)
{
	const struct ike_notify *n;
	uint32_t mask = 0;
	size_t i;

	if ((n = ike_msg_notify(msg, IKE_N_SIGNATURE_HASH_ALGORITHMS)) == NULL)
		return (0);
	for (i = 0; i + 1 < n->data.len; i += 2) {
		uint16_t h = (uint16_t)(n->data.ptr[i] << 8 | n->data.ptr[i + 1]);

		if (h < 32)
			mask |= 1u << h;
	}
	return (mask);
}

static uint8_t *
dup_bytes(const uint8_t *p, size_t len)
{
	uint8_t *d = malloc(len > 0 ? len : 1);

	if (d != NULL)
		memcpy(d, p, len);
	return (d);
}

/* Any DH group the peer config offers. */
static bool
group_offered(const struct ike_peer_config *pc, uint16_t group)
{
	size_t i, j;

	for (i = 0; i < pc->n_ike_props; i++)
		for (j = 0; j < pc->ike_props[i].n_xforms[IKE_XF_DH]; j++)
			if (pc->ike_props[i].xforms[IKE_XF_DH][j].id == group)
				return (true);
	return (false);
}

/* ---- initiator ---- */

static int
init_send(struct ike_endpoint *ep, struct ike_sa *sa)
{
	const struct ike_peer_config *pc = ike_sa_peer(ep, sa);
	uint8_t pub[IKE_DH_PUB_MAX];
	struct ike_writer w;
	struct ike_hdr h;
	size_t pub_len, len;

	if (ike_dh_public(sa->dh, pub, sizeof(pub), &pub_len) != 0)
		return (-1);
	memset(&h, 0, sizeof(h));
	h.spi_i = sa->spi_i;
	h.version = IKE_VERSION;
	h.exchange = IKE_X_SA_INIT;
	h.flags = IKE_FLAG_INITIATOR;
	ike_writer_init(&w, ep->buf, IKE_MSG_MAX, &h);
	/* The cookie notify comes first (2.6). */
	if (sa->cookie_len > 0)
		ike_msg_add_notify(&w, 0, IKE_N_COOKIE, NULL, 0, sa->cookie,
		    sa->cookie_len);
	ike_msg_add_sa(&w, pc->ike_props, pc->n_ike_props);
	ike_msg_add_ke(&w, sa->dh_group, pub, pub_len);
	ike_msg_add_nonce(&w, sa->ni, sa->ni_len);
	add_nat_detection(ep, &w, &sa->local, &sa->remote, sa->spi_i, 0,
	    pc->encap);
	ike_frag_offer(ep, &w);		/* RFC 7383 2.3 */
	if (pc->auth == IKE_AUTHK_CERT)
		add_sig_hashes(&w);
	if (ike_msg_finish(&w, &len) != 0)
		return (-1);
	free(sa->init_i);
	if ((sa->init_i = dup_bytes(ep->buf, len)) == NULL)
		return (-1);
	sa->init_i_len = len;
	ike_sa_set_state(ep, sa, IKE_SA_S_INIT_I);
	ike_sa_send_request(ep, sa, IKE_REQ_INIT, ep->buf, len);
	return (0);
}

static int
new_dh(struct ike_sa *sa, uint16_t group)
{
	ike_dh_free(sa->dh);
	sa->dh_group = group;
	sa->dh = ike_dh_new(group);
	return (sa->dh != NULL ? 0 : -1);
}

int
ike_x_init_start(struct ike_endpoint *ep, struct ike_sa *sa)
{
	const struct ike_peer_config *pc = ike_sa_peer(ep, sa);

	if (pc->n_ike_props == 0 ||
	    pc->ike_props[0].n_xforms[IKE_XF_DH] == 0)
		return (-1);
	if ((sa->spi_i = ike_rand_spi64(ep)) == 0)
		return (-1);
	/* The first group of the first proposal: what we guess the
	 * responder takes (1.2). */
	if (new_dh(sa, pc->ike_props[0].xforms[IKE_XF_DH][0].id) != 0)
		return (-1);
	sa->ni_len = IKE_NONCE_LEN;
	if (ike_rand(ep, sa->ni, sa->ni_len) != 0)
		return (-1);
	ike_logf(ep, 1, "%s: initiating IKE SA %016llx_i to %s", pc->name,
	    (unsigned long long)sa->spi_i, pc->name);
	return (init_send(ep, sa));
}

static const char *
notify_name(uint16_t type)
{
	switch (type) {
	case IKE_N_NO_PROPOSAL_CHOSEN:
		return ("NO_PROPOSAL_CHOSEN");
	case IKE_N_INVALID_KE_PAYLOAD:
		return ("INVALID_KE_PAYLOAD");
	case IKE_N_AUTHENTICATION_FAILED:
		return ("AUTHENTICATION_FAILED");
	case IKE_N_INVALID_SYNTAX:
		return ("INVALID_SYNTAX");
	case IKE_N_TS_UNACCEPTABLE:
		return ("TS_UNACCEPTABLE");
	case IKE_N_TEMPORARY_FAILURE:
		return ("TEMPORARY_FAILURE");
	default:
		return ("error notify");
	}
}

static bool
derive(struct ike_endpoint *ep, struct ike_sa *sa, const uint8_t *peer_ke,
    size_t peer_ke_len)
{
	uint8_t secret[IKE_DH_SECRET_MAX];
	size_t secret_len;
	int rc;

	if (ike_dh_shared(sa->dh, peer_ke, peer_ke_len, secret,
	    sizeof(secret), &secret_len) != 0)
		return (false);
	rc = ike_derive_ike_keys(&sa->suite, secret, secret_len, sa->ni,
	    sa->ni_len, sa->nr, sa->nr_len, sa->spi_i, sa->spi_r, &sa->keys);
	ike_wipe(secret, sizeof(secret));
	(void)ep;
	if (rc != 0)
		return (false);
	sa->have_keys = true;
	return (true);
}

void
ike_x_init_response(struct ike_endpoint *ep, struct ike_sa *sa,
    const uint8_t *buf, size_t len, const struct ike_msg *msg)
{
	const struct ike_peer_config *pc = ike_sa_peer(ep, sa);
	const struct ike_notify *n;
	uint8_t expect[20];
	size_t i;

	if ((n = ike_msg_notify(msg, IKE_N_COOKIE)) != NULL) {
		/* 2.6: the same request again with the cookie first. */
		if (n->data.len == 0 || n->data.len > sizeof(sa->cookie) ||
		    sa->cookie_len > 0) {
			ike_sa_close(ep, sa, "bad or repeated COOKIE");
			return;
		}
		memcpy(sa->cookie, n->data.ptr, n->data.len);
		sa->cookie_len = n->data.len;
		if (init_send(ep, sa) != 0)
			ike_sa_close(ep, sa, "cannot resend IKE_SA_INIT");
		return;
	}
	if ((n = ike_msg_notify(msg, IKE_N_INVALID_KE_PAYLOAD)) != NULL) {
		uint16_t group;

		/* 1.2: retry with the group the responder asks for, if we
		 * offered it and did not use it already. */
		if (n->data.len != 2) {
			ike_sa_close(ep, sa, "bad INVALID_KE_PAYLOAD");
			return;
		}
		group = (uint16_t)(n->data.ptr[0] << 8 | n->data.ptr[1]);
		if (group == sa->dh_group || !group_offered(pc, group) ||
		    new_dh(sa, group) != 0 || init_send(ep, sa) != 0) {
			ike_sa_close(ep, sa, "INVALID_KE_PAYLOAD: group "
			    "not ours");
			return;
		}
		ike_logf(ep, 1, "%s: responder wants DH group %u, retrying",
		    pc->name, group);
		return;
	}
	for (i = 0; i < msg->n_notify; i++)
		if (msg->notify[i].type <= IKE_N_ERROR_MAX) {
			ike_logf(ep, 0, "%s: IKE_SA_INIT refused: %s",
			    pc->name, notify_name(msg->notify[i].type));
			ike_sa_close(ep, sa, notify_name(msg->notify[i].type));
			return;
		}
	if (msg->hdr.spi_r == 0 || msg->n_sa != 1 ||
	    !ike_proposal_accept_reply(pc->ike_props, pc->n_ike_props,
	    &msg->sa[0], &sa->suite) || sa->suite.dh != sa->dh_group ||
	    msg->ke_group != sa->dh_group ||
	    msg->nonce.len < IKE_NONCE_MIN || msg->nonce.len > IKE_NONCE_MAX) {
		ike_sa_close(ep, sa, "IKE_SA_INIT response not acceptable");
		return;
	}
	sa->spi_r = msg->hdr.spi_r;
	sa->peer_hashes = peer_sig_hashes(msg);
	ike_frag_agree(ep, sa, msg);
	memcpy(sa->nr, msg->nonce.ptr, msg->nonce.len);
	sa->nr_len = msg->nonce.len;
	if (!derive(ep, sa, msg->ke.ptr, msg->ke.len)) {
		ike_sa_close(ep, sa, "key exchange failed");
		return;
	}
	/* 2.23: a NAT on the way when the hashes differ; we then move to
	 * port 4500 for IKE_AUTH. */
	if (ike_msg_notify(msg, IKE_N_NAT_DETECTION_SOURCE_IP) != NULL &&
	    ike_msg_notify(msg, IKE_N_NAT_DETECTION_DESTINATION_IP) != NULL) {
		bool nat_peer, nat_us;

		nat_peer = nat_hash(&sa->remote, sa->spi_i, sa->spi_r,
		    expect) != 0 ||
		    !nat_match(msg, IKE_N_NAT_DETECTION_SOURCE_IP, expect);
		nat_us = nat_hash(&sa->local, sa->spi_i, sa->spi_r,
		    expect) != 0 ||
		    !nat_match(msg, IKE_N_NAT_DETECTION_DESTINATION_IP,
		    expect);
		if (nat_peer || nat_us || pc->encap) {
			sa->natt = true;
			sa->nat_local = nat_us;
			sa->local.port = ep->cfg.natt_port;
			sa->remote.port = IKE_NATT_PORT;
			ike_logf(ep, 1, "%s: %s, using port %u", pc->name,
			    nat_us ? "NAT detected (local)" : nat_peer ?
			    "NAT detected (remote)" :
			    "UDP encapsulation forced (encap: true)",
			    ep->cfg.natt_port);
		}
	}
	free(sa->init_r);
	if ((sa->init_r = dup_bytes(buf, len)) == NULL) {
		ike_sa_close(ep, sa, "out of memory");
		return;
	}
	sa->init_r_len = len;
	ike_sa_request_done(ep, sa);
	ike_x_auth_start(ep, sa);
}

/* ---- responder ---- */

/* A per-request event: logged at most once every INIT_LOG_MS, saying
 * how many were not logged since the last line. */
static void
init_log(struct ike_endpoint *ep, const char *peer, const char *what)
{
	if (ep->init_log_ms != 0 && ep->now - ep->init_log_ms < INIT_LOG_MS) {
		ep->init_log_quiet++;
		return;
	}
	if (ep->init_log_quiet > 0)
		ike_logf(ep, 1, "%s: %s (%llu more IKE_SA_INIT events in %llu "
		    "ms not logged)", peer, what,
		    (unsigned long long)ep->init_log_quiet,
		    (unsigned long long)(ep->now - ep->init_log_ms));
	else
		ike_logf(ep, 1, "%s: %s", peer, what);
	ep->init_log_ms = ep->now;
	ep->init_log_quiet = 0;
}

/* An unencrypted answer without state (errors, cookie request). */
static void
init_notify(struct ike_endpoint *ep, const struct ike_addr *local,
    const struct ike_addr *remote, uint64_t spi_i, uint16_t type,
    const uint8_t *data, size_t data_len)
{
	struct ike_writer w;
	struct ike_hdr h;
	size_t len;

	memset(&h, 0, sizeof(h));
	h.spi_i = spi_i;
	h.version = IKE_VERSION;
	h.exchange = IKE_X_SA_INIT;
	h.flags = IKE_FLAG_RESPONSE;
	ike_writer_init(&w, ep->buf, IKE_MSG_MAX, &h);
	ike_msg_add_notify(&w, 0, type, NULL, 0, data, data_len);
	if (ike_msg_finish(&w, &len) == 0)
		(void)ike_send_raw(ep, local, remote, ep->buf, len);
}

static bool
addr_matches(const struct ike_addr *want, const struct ike_addr *got)
{
	return (want->ip.family == 0 || ipaddr_eq(&want->ip, &got->ip));
}

/* The peer config for a request from remote to local: the first whose
 * addresses match (the ID is checked in IKE_AUTH). */
static const struct ike_peer_config *
find_peer(const struct ike_endpoint *ep, const struct ike_addr *local,
    const struct ike_addr *remote)
{
	size_t i;

	for (i = 0; i < ep->cfg.n_peers; i++)
		if (addr_matches(&ep->cfg.peers[i].remote, remote) &&
		    addr_matches(&ep->cfg.peers[i].local, local))
			return (&ep->cfg.peers[i]);
	return (NULL);
}

/* 2.6: a new secret when the current one is IKE_COOKIE_SECRET_MS old;
 * after two periods without use, the old one goes too. */
static int
cookie_secret_update(struct ike_endpoint *ep)
{
	uint64_t age = ep->now - ep->cookie_born_ms;

	if (ep->init_stats.cookie_secrets > 0 && age < IKE_COOKIE_SECRET_MS)
		return (0);
	memcpy(ep->cookie_prev, ep->cookie_secret, sizeof(ep->cookie_prev));
	if ((age >= 2 * IKE_COOKIE_SECRET_MS &&
	    ike_rand(ep, ep->cookie_prev, sizeof(ep->cookie_prev)) != 0) ||
	    ike_rand(ep, ep->cookie_secret, sizeof(ep->cookie_secret)) != 0)
		return (-1);
	ep->cookie_version++;
	ep->cookie_born_ms = ep->now;
	ep->init_stats.cookie_secrets++;
	return (0);
}

/* The request's cookie was made by us, with this secret or the last. */
static bool
cookie_valid(struct ike_endpoint *ep, const struct ike_addr *remote,
    const struct ike_msg *msg, const struct ike_notify *n)
{
	uint8_t cookie[IKE_COOKIE_LEN];
	const uint8_t *secret;
	uint32_t version;

	if (n->data.len != IKE_COOKIE_LEN)
		return (false);
	version = get_be32(n->data.ptr);
	if (version == ep->cookie_version)
		secret = ep->cookie_secret;
	else if (version == ep->cookie_version - 1)
		secret = ep->cookie_prev;
	else
		return (false);
	return (ike_cookie_make(secret, version, msg->nonce.ptr,
	    msg->nonce.len, remote->ip.bytes, remote->ip.family == 6 ? 16 : 4,
	    msg->hdr.spi_i, cookie) == 0 &&
	    ike_ct_equal(n->data.ptr, cookie, IKE_COOKIE_LEN));
}

/* 2.6: under load, answer without state unless the request carries the
 * cookie we would give it. */
static bool
cookie_ok(struct ike_endpoint *ep, const struct ike_addr *local,
    const struct ike_addr *remote, const struct ike_msg *msg,
    const char *peer)
{
	struct ike_init_stats *st = &ep->init_stats;
	const struct ike_notify *n;
	uint8_t cookie[IKE_COOKIE_LEN];

	if (ep->cfg.cookie_threshold == 0 ||
	    ike_sa_count_half_open(ep) < ep->cfg.cookie_threshold)
		return (true);
	if (cookie_secret_update(ep) != 0)
		return (false);
	if ((n = ike_msg_notify(msg, IKE_N_COOKIE)) != NULL) {
		if (cookie_valid(ep, remote, msg, n)) {
			st->cookie_ok++;
			return (true);
		}
		st->cookie_bad++;
	}
	if (ike_cookie_make(ep->cookie_secret, ep->cookie_version,
	    msg->nonce.ptr, msg->nonce.len, remote->ip.bytes,
	    remote->ip.family == 6 ? 16 : 4, msg->hdr.spi_i, cookie) != 0)
		return (false);
	init_notify(ep, local, remote, msg->hdr.spi_i, IKE_N_COOKIE, cookie,
	    sizeof(cookie));
	st->cookies_sent++;
	init_log(ep, peer, n != NULL ? "IKE_SA_INIT with a wrong cookie, "
	    "answered with a new one" : "under load: IKE_SA_INIT answered "
	    "with a COOKIE");
	return (false);
}

void
ike_x_init_request(struct ike_endpoint *ep, const struct ike_addr *local,
    const struct ike_addr *remote, const uint8_t *buf, size_t len,
    const struct ike_msg *msg)
{
	const struct ike_peer_config *pc;
	struct ike_proposal reply;
	struct ike_suite suite;
	uint8_t pub[IKE_DH_PUB_MAX], expect[20];
	struct ike_writer w;
	struct ike_hdr h;
	struct ike_sa *sa;
	size_t pub_len, out_len, half;
	uint8_t num;

	if ((sa = ike_sa_find_half(ep, msg->hdr.spi_i, remote)) != NULL) {
		/* A retransmitted IKE_SA_INIT: the same answer (2.1). */
		if (sa->state == IKE_SA_S_INIT_R && sa->have_resp &&
		    sa->msgid_in == 1)
			(void)ike_send_raw(ep, &sa->local, &sa->remote,
			    sa->resp, sa->resp_len);
		return;
	}
	ep->init_stats.init_requests++;
	if ((pc = find_peer(ep, local, remote)) == NULL) {
		ep->init_stats.unknown_peer++;
		init_log(ep, "-", "IKE_SA_INIT from an unknown peer ignored");
		return;
	}
	if (msg->nonce.len < IKE_NONCE_MIN || msg->nonce.len > IKE_NONCE_MAX) {
		init_notify(ep, local, remote, msg->hdr.spi_i,
		    IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	/* Before any state: the cookie, then the hard cap. */
	if (!cookie_ok(ep, local, remote, msg, pc->name))
		return;
	if (ep->cfg.half_open_max > 0 &&
	    ike_sa_count_half_open(ep) >= ep->cfg.half_open_max) {
		ep->init_stats.half_open_dropped++;
		init_log(ep, pc->name, "half-open limit reached, request "
		    "dropped");
		return;
	}
	if (!ike_proposal_select(pc->ike_props, pc->n_ike_props, msg->sa,
	    msg->n_sa, &suite, &num)) {
		ike_logf(ep, 1, "%s: no acceptable IKE proposal", pc->name);
		init_notify(ep, local, remote, msg->hdr.spi_i,
		    IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (suite.dh != msg->ke_group) {
		uint8_t g[2] = { (uint8_t)(suite.dh >> 8), (uint8_t)suite.dh };

		init_notify(ep, local, remote, msg->hdr.spi_i,
		    IKE_N_INVALID_KE_PAYLOAD, g, sizeof(g));
		return;
	}
	if ((sa = ike_sa_new(ep, false, (size_t)(pc - ep->cfg.peers))) ==
	    NULL)
		return;
	sa->spi_i = msg->hdr.spi_i;
	sa->local = *local;
	sa->remote = *remote;
	sa->natt = local->port == ep->cfg.natt_port;
	sa->suite = suite;
	memcpy(sa->ni, msg->nonce.ptr, msg->nonce.len);
	sa->ni_len = msg->nonce.len;
	sa->nr_len = IKE_NONCE_LEN;
	if ((sa->spi_r = ike_rand_spi64(ep)) == 0 ||
	    ike_rand(ep, sa->nr, sa->nr_len) != 0 ||
	    new_dh(sa, suite.dh) != 0 ||
	    ike_dh_public(sa->dh, pub, sizeof(pub), &pub_len) != 0 ||
	    !derive(ep, sa, msg->ke.ptr, msg->ke.len)) {
		ike_sa_close(ep, sa, "IKE_SA_INIT: key exchange failed");
		init_notify(ep, local, remote, msg->hdr.spi_i,
		    IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	if (ike_msg_notify(msg, IKE_N_NAT_DETECTION_SOURCE_IP) != NULL) {
		if (nat_hash(remote, sa->spi_i, 0, expect) != 0 ||
		    !nat_match(msg, IKE_N_NAT_DETECTION_SOURCE_IP, expect))
			sa->natt = true;	/* the peer is behind a NAT */
		if (nat_hash(local, sa->spi_i, 0, expect) != 0 ||
		    !nat_match(msg, IKE_N_NAT_DETECTION_DESTINATION_IP,
		    expect)) {
			sa->natt = true;
			sa->nat_local = true;
		}
		/* Our random source hash tells the initiator the same. */
		if (pc->encap)
			sa->natt = true;
	}

	memset(&h, 0, sizeof(h));
	h.spi_i = sa->spi_i;
	h.spi_r = sa->spi_r;
	h.version = IKE_VERSION;
	h.exchange = IKE_X_SA_INIT;
	h.flags = IKE_FLAG_RESPONSE;
	ike_writer_init(&w, ep->buf, IKE_MSG_MAX, &h);
	ike_proposal_from_suite(&suite, IKE_PROTO_IKE, num, NULL, 0, &reply);
	ike_msg_add_sa(&w, &reply, 1);
	ike_msg_add_ke(&w, suite.dh, pub, pub_len);
	ike_msg_add_nonce(&w, sa->nr, sa->nr_len);
	add_nat_detection(ep, &w, local, remote, sa->spi_i, sa->spi_r,
	    pc->encap);
	sa->peer_hashes = peer_sig_hashes(msg);
	/* RFC 7383 2.3: answered only when offered. */
	ike_frag_agree(ep, sa, msg);
	if (sa->frag)
		ike_frag_offer(ep, &w);
	if (pc->auth == IKE_AUTHK_CERT) {
		/* An empty CERTREQ (3.7): "send us your certificate"; the
		 * CA is configured, not negotiated. */
		ike_msg_add_certreq(&w, IKE_CERT_X509_SIG, NULL, 0);
		add_sig_hashes(&w);
	}
	if (ike_msg_finish(&w, &out_len) != 0 ||
	    (sa->init_i = dup_bytes(buf, len)) == NULL ||
	    (sa->init_r = dup_bytes(ep->buf, out_len)) == NULL) {
		ike_sa_close(ep, sa, "IKE_SA_INIT: cannot build the answer");
		return;
	}
	sa->init_i_len = len;
	sa->init_r_len = out_len;
	ike_sa_set_state(ep, sa, IKE_SA_S_INIT_R);
	half = ike_sa_count_half_open(ep);
	if (half > ep->init_stats.half_open_peak)
		ep->init_stats.half_open_peak = (uint32_t)half;
	ike_sa_send_response(ep, sa, ep->buf, out_len);
}

void
ike_endpoint_init_stats(const struct ike_endpoint *ep,
    struct ike_init_stats *out)
{
	*out = ep->init_stats;
	out->half_open = (uint32_t)ike_sa_count_half_open(ep);
}

void
ike_init_stats_json(struct json *j, const struct ike_init_stats *s)
{
	json_u64(j, "init_requests", s->init_requests);
	json_u64(j, "unknown_peer", s->unknown_peer);
	json_u64(j, "cookies_sent", s->cookies_sent);
	json_u64(j, "cookie_ok", s->cookie_ok);
	json_u64(j, "cookie_bad", s->cookie_bad);
	json_u64(j, "cookie_secrets", s->cookie_secrets);
	json_u64(j, "half_open", s->half_open);
	json_u64(j, "half_open_peak", s->half_open_peak);
	json_u64(j, "half_open_dropped", s->half_open_dropped);
}
