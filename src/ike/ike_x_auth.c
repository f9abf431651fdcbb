/*
 * ike_x_auth.c - IKE_AUTH (RFC 7296 1.2, 2.15, 2.9), both roles, with
 * pre-shared keys: identities, AUTH, and the first Child SA (ESP, tunnel
 * mode) with its proposal choice and traffic selector narrowing.
 */
#include <string.h>

#include "ike_int.h"
#include "ike_proposal.h"
#include "../util/bytes.h"

/* Our ESP proposals with our SPI in each; as IKE_AUTH carries them
 * without DH (the first Child SA has no PFS, 1.2). */
size_t
ike_esp_offer(const struct ike_peer_config *pc, uint32_t spi, bool with_dh,
    struct ike_proposal *out)
{
	size_t i;

	for (i = 0; i < pc->n_esp_props; i++) {
		out[i] = pc->esp_props[i];
		if (!with_dh)
			out[i].n_xforms[IKE_XF_DH] = 0;
		out[i].protocol = IKE_PROTO_ESP;
		out[i].spi_len = 4;
		put_be32(out[i].spi, spi);
	}
	return (pc->n_esp_props);
}

uint32_t
ike_spi32_of(const struct ike_proposal *p)
{
	if (p->spi_len != 4)
		return (0);
	return ((uint32_t)p->spi[0] << 24 | (uint32_t)p->spi[1] << 16 |
	    (uint32_t)p->spi[2] << 8 | p->spi[3]);
}

static void
signed_octets(const struct ike_sa *sa, bool of_initiator,
    const uint8_t *id_body, size_t id_body_len, struct ike_signed_octets *so)
{
	memset(so, 0, sizeof(*so));
	so->prf = sa->suite.prf;
	if (of_initiator) {
		so->msg = sa->init_i;
		so->msg_len = sa->init_i_len;
		so->nonce = sa->nr;
		so->nonce_len = sa->nr_len;
		so->sk_p = sa->keys.sk_pi;
	} else {
		so->msg = sa->init_r;
		so->msg_len = sa->init_r_len;
		so->nonce = sa->ni;
		so->nonce_len = sa->ni_len;
		so->sk_p = sa->keys.sk_pr;
	}
	so->sk_p_len = sa->keys.prf_len;
	so->id_body = id_body;
	so->id_body_len = id_body_len;
}

/* Our AUTH payload data (2.15): PSK, or an RFC 7427 signature. */
static int
make_auth(struct ike_endpoint *ep, struct ike_sa *sa, const uint8_t *id_body,
    size_t id_body_len, uint8_t *method, uint8_t *out, size_t cap,
    size_t *out_len)
{
	const struct ike_peer_config *pc = ike_sa_peer(ep, sa);
	struct ike_signed_octets so;

	signed_octets(sa, sa->initiator, id_body, id_body_len, &so);
	if (pc->auth == IKE_AUTHK_CERT) {
		*method = IKE_AUTH_DIGITAL_SIG;
		return (ike_auth_sign(ike_peer_cred(ep, pc)->key, &so,
		    sa->peer_hashes, out, cap, out_len));
	}
	if (pc->psk_len == 0)
		return (-1);
	*method = IKE_AUTH_PSK;
	return (ike_auth_psk(&so, pc->psk, pc->psk_len, out, cap, out_len));
}

/* CERT and CERTREQ with certificate auth (3.6, 3.7). */
static void
add_cert(struct ike_endpoint *ep, const struct ike_peer_config *pc,
    struct ike_writer *w, bool certreq)
{
	const struct ike_cred *c = ike_peer_cred(ep, pc);

	if (pc->auth != IKE_AUTHK_CERT)
		return;
	ike_msg_add_cert(w, IKE_CERT_X509_SIG, c->cert, c->cert_len);
	if (certreq)
		ike_msg_add_certreq(w, IKE_CERT_X509_SIG, NULL, 0);
}

/* Checks the peer's identity and AUTH. */
static bool
check_auth(struct ike_endpoint *ep, struct ike_sa *sa,
    const struct ike_msg *msg)
{
	const struct ike_peer_config *pc = ike_sa_peer(ep, sa);
	const struct ike_id *id = sa->initiator ? &msg->idr : &msg->idi;
	const struct ike_bytes *body = sa->initiator ? &msg->idr_body :
	    &msg->idi_body;
	struct ike_signed_octets so;
	char idtxt[128];

	ike_id_format(id, idtxt, sizeof(idtxt));
	if (pc->remote_id.len > 0 && !ike_id_equal(id, &pc->remote_id)) {
		ike_logf(ep, 0, "%s: peer identity '%s' is not the one "
		    "configured", pc->name, idtxt);
		return (false);
	}
	signed_octets(sa, !sa->initiator, body->ptr, body->len, &so);
	if (pc->auth == IKE_AUTHK_CERT) {
		char err[256];

		err[0] = '\0';
		if (msg->auth_method == IKE_AUTH_PSK || msg->n_cert == 0 ||
		    msg->cert_enc[0] != IKE_CERT_X509_SIG ||
		    ike_auth_verify_cert(ike_peer_cred(ep, pc)->trust,
		    msg->cert[0].ptr, msg->cert[0].len, id, &so,
		    msg->auth_method, msg->auth.ptr, msg->auth.len, err,
		    sizeof(err)) != 0) {
			ike_logf(ep, 0, "%s: certificate AUTH of peer '%s' "
			    "refused: %s", pc->name, idtxt, msg->n_cert == 0 ?
			    "no certificate" : err);
			return (false);
		}
		sa->remote_id = *id;
		return (true);
	}
	if (msg->auth_method != IKE_AUTH_PSK) {
		ike_logf(ep, 0, "%s: peer '%s' uses AUTH method %u, we expect "
		    "PSK", pc->name, idtxt, msg->auth_method);
		return (false);
	}
	if (!ike_auth_psk_verify(&so, pc->psk, pc->psk_len, msg->auth.ptr,
	    msg->auth.len)) {
		ike_logf(ep, 0, "%s: AUTH of peer '%s' does not verify",
		    pc->name, idtxt);
		return (false);
	}
	sa->remote_id = *id;
	return (true);
}

void
ike_child_put_ts(struct ike_child *c, const struct ike_ts *l, size_t nl,
    const struct ike_ts *r, size_t nr)
{
	memcpy(c->ts_local, l, nl * sizeof(*l));
	c->n_ts_local = nl;
	memcpy(c->ts_remote, r, nr * sizeof(*r));
	c->n_ts_remote = nr;
}

/* ---- initiator ---- */

void
ike_x_auth_start(struct ike_endpoint *ep, struct ike_sa *sa)
{
	const struct ike_peer_config *pc = ike_sa_peer(ep, sa);
	struct ike_proposal offer[IKE_PROPOSALS_MAX];
	struct ike_ts tsi[IKE_CHILD_TS_MAX], tsr[IKE_CHILD_TS_MAX];
	uint8_t idb[4 + IKE_ID_MAX], auth[IKE_AUTH_DATA_MAX];
	struct ike_writer w;
	size_t idb_len, auth_len, n_offer, n_tsi, n_tsr, len;
	uint8_t method;

	idb_len = ike_id_body(ike_local_id(ep, pc), idb, sizeof(idb));
	if (idb_len == 0 || make_auth(ep, sa, idb, idb_len, &method, auth,
	    sizeof(auth), &auth_len) != 0) {
		ike_sa_close(ep, sa, "cannot compute our AUTH");
		return;
	}
	sa->pending_spi_in = ike_rand_spi32(ep);
	n_offer = ike_esp_offer(pc, sa->pending_spi_in, false, offer);
	n_tsi = ike_ts_ours(pc, true, &sa->local, tsi, IKE_CHILD_TS_MAX);
	n_tsr = ike_ts_ours(pc, false, &sa->remote, tsr, IKE_CHILD_TS_MAX);

	ike_writer_init_inner(&w, ep->plain, sizeof(ep->plain));
	ike_msg_add_id(&w, IKE_PL_IDI, ike_local_id(ep, pc));
	add_cert(ep, pc, &w, true);
	if (pc->remote_id.len > 0)
		ike_msg_add_id(&w, IKE_PL_IDR, &pc->remote_id);
	ike_msg_add_auth(&w, method, auth, auth_len);
	if (pc->wesp)
		ike_msg_add_notify(&w, IKE_PROTO_ESP, IKE_N_USE_WESP_MODE,
		    NULL, 0, NULL, 0);
	if (n_offer > 0 && n_tsi > 0 && n_tsr > 0) {
		ike_msg_add_sa(&w, offer, n_offer);
		ike_msg_add_ts(&w, IKE_PL_TSI, tsi, n_tsi);
		ike_msg_add_ts(&w, IKE_PL_TSR, tsr, n_tsr);
	}
	ike_wipe(auth, sizeof(auth));
	if ((len = ike_sa_seal(ep, sa, IKE_X_AUTH, false, sa->msgid_out,
	    &w)) == 0) {
		ike_sa_close(ep, sa, "cannot build IKE_AUTH");
		return;
	}
	ike_sa_set_state(ep, sa, IKE_SA_S_AUTH_I);
	ike_sa_send_request(ep, sa, IKE_REQ_AUTH, ep->buf, len);
}

static void
first_child_reply(struct ike_endpoint *ep, struct ike_sa *sa,
    const struct ike_msg *msg)
{
	const struct ike_peer_config *pc = ike_sa_peer(ep, sa);
	struct ike_proposal offer[IKE_PROPOSALS_MAX];
	struct ike_ts tsi[IKE_CHILD_TS_MAX], tsr[IKE_CHILD_TS_MAX];
	struct ike_child *c;
	struct ike_suite cs;
	size_t n_offer, n_tsi, n_tsr, i;

	for (i = 0; i < msg->n_notify; i++)
		if (msg->notify[i].type <= IKE_N_ERROR_MAX) {
			ike_logf(ep, 0, "%s: no Child SA, peer says notify %u",
			    pc->name, msg->notify[i].type);
			return;
		}
	if (!ike_msg_has(msg, IKE_PL_SA) || !ike_msg_has(msg, IKE_PL_TSI) ||
	    !ike_msg_has(msg, IKE_PL_TSR))
		return;
	n_offer = ike_esp_offer(pc, sa->pending_spi_in, false, offer);
	if (msg->n_sa != 1 || !ike_proposal_accept_reply(offer, n_offer,
	    &msg->sa[0], &cs) || ike_spi32_of(&msg->sa[0]) == 0) {
		ike_logf(ep, 0, "%s: Child SA answer not acceptable", pc->name);
		return;
	}
	/* The answer must lie within what we asked (2.9). */
	if (!ike_ts_narrow_msg(pc, sa, true, msg, tsi, &n_tsi, tsr, &n_tsr)) {
		ike_logf(ep, 0, "%s: Child SA selectors outside ours",
		    pc->name);
		return;
	}
	if ((c = ike_child_add(ep, sa)) == NULL)
		return;
	c->spi_in = sa->pending_spi_in;
	c->spi_out = ike_spi32_of(&msg->sa[0]);
	c->keys_initiator = true;
	c->suite = cs;
	c->suite.dh = 0;
	c->wesp = pc->wesp &&
	    ike_msg_notify(msg, IKE_N_USE_WESP_MODE) != NULL;
	ike_child_put_ts(c, tsi, n_tsi, tsr, n_tsr);
	if (ike_child_install(ep, sa, c, NULL, 0, sa->ni, sa->ni_len, sa->nr,
	    sa->nr_len) != 0)
		memset(c, 0, sizeof(*c));
}

void
ike_x_auth_response(struct ike_endpoint *ep, struct ike_sa *sa,
    const struct ike_msg *msg)
{
	const struct ike_peer_config *pc = ike_sa_peer(ep, sa);

	if (ike_msg_notify(msg, IKE_N_AUTHENTICATION_FAILED) != NULL) {
		ike_logf(ep, 0, "%s: peer says AUTHENTICATION_FAILED",
		    pc->name);
		ike_sa_close(ep, sa, "AUTHENTICATION_FAILED");
		return;
	}
	if (!ike_msg_has(msg, IKE_PL_IDR) || !ike_msg_has(msg, IKE_PL_AUTH)) {
		ike_sa_close(ep, sa, "IKE_AUTH refused");
		return;
	}
	if (!check_auth(ep, sa, msg)) {
		ike_sa_close(ep, sa, "peer authentication failed");
		return;
	}
	ike_sa_request_done(ep, sa);
	ike_sa_established(ep, sa);
	first_child_reply(ep, sa, msg);
}

/* ---- responder ---- */

static void
auth_failed(struct ike_endpoint *ep, struct ike_sa *sa, uint32_t msgid)
{
	struct ike_writer w;
	size_t len;

	ike_writer_init_inner(&w, ep->plain, sizeof(ep->plain));
	ike_msg_add_notify(&w, 0, IKE_N_AUTHENTICATION_FAILED, NULL, 0, NULL,
	    0);
	if ((len = ike_sa_seal(ep, sa, IKE_X_AUTH, true, msgid, &w)) != 0)
		ike_sa_send_response(ep, sa, ep->buf, len);
	ike_sa_close(ep, sa, "AUTHENTICATION_FAILED");
}

/*
 * The first Child SA as responder: chooses the proposal and narrows the
 * selectors; on success fills *c (not yet installed) and *reply, else
 * returns the notify type to answer with.
 */
static uint16_t
first_child_request(struct ike_endpoint *ep, struct ike_sa *sa,
    const struct ike_msg *msg, struct ike_child *c, struct ike_proposal *reply)
{
	const struct ike_peer_config *pc = ike_sa_peer(ep, sa);
	struct ike_proposal ours[IKE_PROPOSALS_MAX];
	struct ike_ts tsi[IKE_CHILD_TS_MAX], tsr[IKE_CHILD_TS_MAX];
	size_t n_ours, n_tsi, n_tsr, i;
	struct ike_suite cs;
	uint8_t num;

	memset(c, 0, sizeof(*c));
	c->spi_in = ike_rand_spi32(ep);
	n_ours = ike_esp_offer(pc, c->spi_in, false, ours);
	if (!ike_proposal_select(ours, n_ours, msg->sa, msg->n_sa, &cs,
	    &num))
		return (IKE_N_NO_PROPOSAL_CHOSEN);
	for (i = 0; i < msg->n_sa; i++)
		if (msg->sa[i].num == num)
			break;
	if (i == msg->n_sa || msg->sa[i].protocol != IKE_PROTO_ESP ||
	    ike_spi32_of(&msg->sa[i]) == 0)
		return (IKE_N_NO_PROPOSAL_CHOSEN);
	c->spi_out = ike_spi32_of(&msg->sa[i]);
	cs.dh = 0;
	c->suite = cs;
	/* TSi is the initiator's side: our remote (2.9). */
	if (!ike_ts_narrow_msg(pc, sa, false, msg, tsi, &n_tsi, tsr, &n_tsr))
		return (IKE_N_TS_UNACCEPTABLE);
	ike_child_put_ts(c, tsr, n_tsr, tsi, n_tsi);
	c->wesp = pc->wesp &&
	    ike_msg_notify(msg, IKE_N_USE_WESP_MODE) != NULL;
	ike_proposal_from_suite(&cs, IKE_PROTO_ESP, num, ours[0].spi, 4,
	    reply);
	return (0);
}

void
ike_x_auth_request(struct ike_endpoint *ep, struct ike_sa *sa,
    const struct ike_msg *msg)
{
	const struct ike_peer_config *pc = ike_sa_peer(ep, sa);
	uint8_t idb[4 + IKE_ID_MAX], auth[IKE_AUTH_DATA_MAX];
	struct ike_proposal reply;
	struct ike_child child, *c;
	struct ike_writer w;
	size_t idb_len, auth_len, len;
	uint16_t child_err = IKE_N_NO_PROPOSAL_CHOSEN;
	bool want_child;
	uint8_t method;

	if (!check_auth(ep, sa, msg)) {
		auth_failed(ep, sa, msg->hdr.msgid);
		return;
	}
	idb_len = ike_id_body(ike_local_id(ep, pc), idb, sizeof(idb));
	if (idb_len == 0 || make_auth(ep, sa, idb, idb_len, &method, auth,
	    sizeof(auth), &auth_len) != 0) {
		auth_failed(ep, sa, msg->hdr.msgid);
		return;
	}
	want_child = ike_msg_has(msg, IKE_PL_SA) &&
	    ike_msg_has(msg, IKE_PL_TSI) && ike_msg_has(msg, IKE_PL_TSR);
	if (want_child)
		child_err = first_child_request(ep, sa, msg, &child, &reply);

	ike_writer_init_inner(&w, ep->plain, sizeof(ep->plain));
	ike_msg_add_id(&w, IKE_PL_IDR, ike_local_id(ep, pc));
	add_cert(ep, pc, &w, false);
	ike_msg_add_auth(&w, method, auth, auth_len);
	ike_wipe(auth, sizeof(auth));
	if (want_child && child_err == 0) {
		if (child.wesp)
			ike_msg_add_notify(&w, IKE_PROTO_ESP,
			    IKE_N_USE_WESP_MODE, NULL, 0, NULL, 0);
		ike_msg_add_sa(&w, &reply, 1);
		ike_msg_add_ts(&w, IKE_PL_TSI, child.ts_remote,
		    child.n_ts_remote);
		ike_msg_add_ts(&w, IKE_PL_TSR, child.ts_local,
		    child.n_ts_local);
	} else if (want_child)
		ike_msg_add_notify(&w, 0, child_err, NULL, 0, NULL, 0);
	if ((len = ike_sa_seal(ep, sa, IKE_X_AUTH, true, msg->hdr.msgid,
	    &w)) == 0) {
		ike_sa_close(ep, sa, "cannot build IKE_AUTH answer");
		return;
	}
	ike_sa_send_response(ep, sa, ep->buf, len);
	ike_sa_established(ep, sa);
	if (want_child && child_err == 0 && (c = ike_child_add(ep, sa)) !=
	    NULL) {
		*c = child;
		c->state = IKE_CHILD_S_NONE;
		if (ike_child_install(ep, sa, c, NULL, 0, sa->ni, sa->ni_len,
		    sa->nr, sa->nr_len) != 0)
			memset(c, 0, sizeof(*c));
	} else if (want_child)
		ike_logf(ep, 1, "%s: no Child SA (notify %u sent)", pc->name,
		    child_err);
}
