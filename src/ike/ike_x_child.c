/*
 * ike_x_child.c - CREATE_CHILD_SA (RFC 7296 1.3, 2.8, 2.17, 2.18), both
 * roles: a new Child SA, rekeying a Child SA (REKEY_SA; the rekeying side
 * then deletes the old one), and rekeying the IKE SA (new SPIs and
 * keys from the old SK_d, the Child SAs move to the new IKE SA, the
 * rekeying side deletes the old IKE SA).
 *
 * ike_x_child_rekey() with no Child SA creates an additional one.
 *
 * WESP (RFC 5840 section 5): with `wesp` configured the request carries
 * USE_WESP_MODE next to its SA payload, a new Child SA and a rekey
 * alike; the responder that agrees answers with it, and only then is
 * the Child SA WESP.  A peer that ignores it (strongSwan) gets ESP.
 *
 * Simultaneous rekeying (2.8.1, 2.8.2): when the peer's request rekeys
 * the SA our outstanding request rekeys, we answer it as usual and note
 * the collision (sa->coll).  When our answer comes both new SAs exist;
 * the one whose exchange holds the lowest of the four nonces is
 * redundant and its creator deletes it, the creator of the survivor
 * deletes the old SA.  For the IKE SA the Child SAs go to the survivor.
 */
#include <string.h>

#include "ike_int.h"
#include "ike_proposal.h"
#include "../util/bytes.h"

static void
answer_notify(struct ike_endpoint *ep, struct ike_sa *sa,
    const struct ike_msg *msg, uint16_t type, const uint8_t *data,
    size_t data_len)
{
	struct ike_writer w;
	size_t len;

	ike_writer_init_inner(&w, ep->plain, sizeof(ep->plain));
	ike_msg_add_notify(&w, 0, type, NULL, 0, data, data_len);
	if ((len = ike_sa_seal(ep, sa, IKE_X_CREATE_CHILD_SA, true,
	    msg->hdr.msgid, &w)) != 0)
		ike_sa_send_response(ep, sa, ep->buf, len);
}

/* g^ir for a KE payload: a fresh key of `group` into *dh. */
static int
dh_exchange(uint16_t group, struct ike_dh_key **dh, const uint8_t *peer,
    size_t peer_len, uint8_t *secret, size_t cap, size_t *secret_len)
{
	if (*dh == NULL && (*dh = ike_dh_new(group)) == NULL)
		return (-1);
	return (ike_dh_shared(*dh, peer, peer_len, secret, cap, secret_len));
}

/* 2.8.1: "lowest" octet by octet; a nonce that ends first is lower. */
static int
nonce_cmp(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
	int r = memcmp(a, b, a_len < b_len ? a_len : b_len);

	if (r != 0)
		return (r);
	return (a_len < b_len ? -1 : a_len > b_len ? 1 : 0);
}

/* Notes the peer's colliding exchange: the lower of its nonces. */
static void
collision_note(struct ike_sa *sa, const uint8_t *ni, size_t ni_len,
    const uint8_t *nr, size_t nr_len)
{
	if (nonce_cmp(nr, nr_len, ni, ni_len) < 0) {
		ni = nr;
		ni_len = nr_len;
	}
	memcpy(sa->coll_nonce, ni, ni_len);
	sa->coll_nonce_len = ni_len;
	sa->coll = true;
}

/* With a collision noted: is our exchange (nonces x_ni and the
 * answer's) the one with the lowest nonce, so its SA is redundant?
 * It is when either of ours is below the peer's lower one. */
static bool
collision_ours_redundant(const struct ike_sa *sa, const struct ike_msg *msg)
{
	return (nonce_cmp(sa->x_ni, sa->x_ni_len, sa->coll_nonce,
	    sa->coll_nonce_len) < 0 || nonce_cmp(msg->nonce.ptr,
	    msg->nonce.len, sa->coll_nonce, sa->coll_nonce_len) < 0);
}

/* Does this request rekey what our outstanding request rekeys? */
static bool
collides(const struct ike_sa *sa, const struct ike_msg *msg,
    const struct ike_child *old)
{
	if (sa->coll)
		return (false);		/* one collision at a time */
	if (old == NULL)
		return (sa->req_kind == IKE_REQ_REKEY_IKE &&
		    sa->state == IKE_SA_S_REKEYING && msg->n_sa > 0 &&
		    msg->sa[0].protocol == IKE_PROTO_IKE);
	return (sa->req_kind == IKE_REQ_REKEY_CHILD &&
	    old->state == IKE_CHILD_S_REKEYING &&
	    sa->req_child_spi == old->spi_in);
}

/* Moves the Child SAs of `from` to `to` (2.18: they belong to the new
 * IKE SA now). */
static void
move_children(struct ike_sa *from, struct ike_sa *to)
{
	memcpy(to->child, from->child, sizeof(to->child));
	memset(from->child, 0, sizeof(from->child));
}

static struct ike_sa *
rekeyed_sa(struct ike_endpoint *ep, struct ike_sa *old, bool initiator,
    uint64_t spi_i, uint64_t spi_r, const struct ike_suite *suite)
{
	struct ike_sa *sa;

	if ((sa = ike_sa_new(ep, initiator, old->peer)) == NULL)
		return (NULL);
	sa->spi_i = spi_i;
	sa->spi_r = spi_r;
	sa->local = old->local;
	sa->remote = old->remote;
	sa->natt = old->natt;
	sa->nat_local = old->nat_local;
	sa->remote_id = old->remote_id;
	sa->frag = old->frag;		/* RFC 7383 2.3: for the IKE SA */
	sa->suite = *suite;
	return (sa);
}

/* ---- responder ---- */

static void
rekey_ike_request(struct ike_endpoint *ep, struct ike_sa *sa,
    const struct ike_msg *msg)
{
	const struct ike_peer_config *pc = ike_sa_peer(ep, sa);
	uint8_t secret[IKE_DH_SECRET_MAX], pub[IKE_DH_PUB_MAX], spi[8];
	uint8_t nr[IKE_NONCE_LEN];
	struct ike_dh_key *dh = NULL;
	struct ike_proposal reply;
	struct ike_suite suite;
	struct ike_writer w;
	struct ike_sa *nsa;
	size_t i, secret_len, pub_len, len;
	uint64_t spi_i, spi_r;
	uint8_t num;
	int rc;

	if (!ike_proposal_select(pc->ike_props, pc->n_ike_props, msg->sa,
	    msg->n_sa, &suite, &num)) {
		answer_notify(ep, sa, msg, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	for (i = 0; i < msg->n_sa; i++)
		if (msg->sa[i].num == num)
			break;
	if (i == msg->n_sa || msg->sa[i].spi_len != 8 ||
	    !ike_msg_has(msg, IKE_PL_KE)) {
		answer_notify(ep, sa, msg, IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	if (msg->ke_group != suite.dh) {
		uint8_t g[2] = { (uint8_t)(suite.dh >> 8), (uint8_t)suite.dh };

		answer_notify(ep, sa, msg, IKE_N_INVALID_KE_PAYLOAD, g, 2);
		return;
	}
	spi_i = get_be64(msg->sa[i].spi);
	if ((spi_r = ike_rand_spi64(ep)) == 0 ||
	    ike_rand(ep, nr, sizeof(nr)) != 0 ||
	    dh_exchange(suite.dh, &dh, msg->ke.ptr, msg->ke.len, secret,
	    sizeof(secret), &secret_len) != 0 ||
	    ike_dh_public(dh, pub, sizeof(pub), &pub_len) != 0 ||
	    (nsa = rekeyed_sa(ep, sa, false, spi_i, spi_r, &suite)) == NULL) {
		ike_dh_free(dh);
		answer_notify(ep, sa, msg, IKE_N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	ike_dh_free(dh);
	rc = ike_derive_rekey_keys(&sa->keys, &suite, secret, secret_len,
	    msg->nonce.ptr, msg->nonce.len, nr, sizeof(nr), spi_i, spi_r,
	    &nsa->keys);
	ike_wipe(secret, sizeof(secret));
	if (rc != 0) {
		ike_sa_close(ep, nsa, "rekey: key derivation failed");
		answer_notify(ep, sa, msg, IKE_N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	nsa->have_keys = true;
	put_be64(spi, spi_r);
	ike_proposal_from_suite(&suite, IKE_PROTO_IKE, num, spi, 8, &reply);
	ike_writer_init_inner(&w, ep->plain, sizeof(ep->plain));
	ike_msg_add_sa(&w, &reply, 1);
	ike_msg_add_nonce(&w, nr, sizeof(nr));
	ike_msg_add_ke(&w, suite.dh, pub, pub_len);
	if ((len = ike_sa_seal(ep, sa, IKE_X_CREATE_CHILD_SA, true,
	    msg->hdr.msgid, &w)) == 0) {
		ike_sa_close(ep, nsa, "rekey: cannot answer");
		return;
	}
	ike_sa_send_response(ep, sa, ep->buf, len);
	ike_sa_established(ep, nsa);
	if (collides(sa, msg, NULL)) {
		/* 2.8.2: the Child SAs stay until our answer tells which
		 * new IKE SA survives. */
		collision_note(sa, msg->nonce.ptr, msg->nonce.len, nr,
		    sizeof(nr));
		sa->coll_spi_i = nsa->spi_i;
		sa->coll_spi_r = nsa->spi_r;
		ike_logf(ep, 1, "%s: simultaneous IKE SA rekey", pc->name);
		return;
	}
	move_children(sa, nsa);
	/* The old SA waits for the peer's Delete (2.18). */
	ike_sa_set_state(ep, sa, IKE_SA_S_REKEYING);
	ike_logf(ep, 1, "%s: IKE SA rekeyed by the peer", pc->name);
}

void
ike_x_child_request(struct ike_endpoint *ep, struct ike_sa *sa,
    const struct ike_msg *msg)
{
	const struct ike_peer_config *pc = ike_sa_peer(ep, sa);
	struct ike_proposal ours[IKE_PROPOSALS_MAX], reply;
	struct ike_ts tsi[IKE_CHILD_TS_MAX], tsr[IKE_CHILD_TS_MAX];
	uint8_t secret[IKE_DH_SECRET_MAX], pub[IKE_DH_PUB_MAX];
	uint8_t nr[IKE_NONCE_LEN];
	const struct ike_notify *rn;
	struct ike_child *old = NULL, *c;
	struct ike_dh_key *dh = NULL;
	struct ike_suite cs;
	struct ike_writer w;
	size_t n_ours, n_tsi, n_tsr, i, secret_len = 0, pub_len = 0, len;
	uint32_t spi_in;
	uint8_t num;

	/* 2.25: nothing new while the IKE SA is being rekeyed, except the
	 * peer's rekey of it (2.8.2). */
	if (!collides(sa, msg, NULL) && (sa->state != IKE_SA_S_ESTABLISHED ||
	    sa->req_kind == IKE_REQ_REKEY_IKE)) {
		answer_notify(ep, sa, msg, IKE_N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	if (msg->nonce.len < IKE_NONCE_MIN || msg->nonce.len > IKE_NONCE_MAX ||
	    msg->n_sa == 0) {
		answer_notify(ep, sa, msg, IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	if (msg->sa[0].protocol == IKE_PROTO_IKE) {
		rekey_ike_request(ep, sa, msg);
		return;
	}
	if (!ike_msg_has(msg, IKE_PL_TSI) || !ike_msg_has(msg, IKE_PL_TSR)) {
		answer_notify(ep, sa, msg, IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	if ((rn = ike_msg_notify(msg, IKE_N_REKEY_SA)) != NULL) {
		/* The SPI the peer receives with: our outbound one. */
		if (rn->spi.len != 4 || (old = ike_child_find(sa,
		    get_be32(rn->spi.ptr))) == NULL) {
			answer_notify(ep, sa, msg, IKE_N_CHILD_SA_NOT_FOUND,
			    NULL, 0);
			return;
		}
		if (old->state != IKE_CHILD_S_INSTALLED &&
		    !collides(sa, msg, old)) {
			answer_notify(ep, sa, msg, IKE_N_TEMPORARY_FAILURE,
			    NULL, 0);
			return;
		}
	}
	if ((spi_in = ike_rand_spi32(ep)) == 0 ||
	    ike_rand(ep, nr, sizeof(nr)) != 0) {
		answer_notify(ep, sa, msg, IKE_N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	n_ours = ike_esp_offer(pc, spi_in, true, ours);
	if (!ike_proposal_select(ours, n_ours, msg->sa, msg->n_sa, &cs,
	    &num)) {
		answer_notify(ep, sa, msg, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	for (i = 0; i < msg->n_sa; i++)
		if (msg->sa[i].num == num)
			break;
	if (i == msg->n_sa || ike_spi32_of(&msg->sa[i]) == 0) {
		answer_notify(ep, sa, msg, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (cs.dh != 0 && msg->ke_group != cs.dh) {
		uint8_t g[2] = { (uint8_t)(cs.dh >> 8), (uint8_t)cs.dh };

		answer_notify(ep, sa, msg, IKE_N_INVALID_KE_PAYLOAD, g, 2);
		return;
	}
	if (!ike_ts_narrow_msg(pc, sa, false, msg, tsi, &n_tsi, tsr, &n_tsr)) {
		answer_notify(ep, sa, msg, IKE_N_TS_UNACCEPTABLE, NULL, 0);
		return;
	}
	if ((c = ike_child_add(ep, sa)) == NULL) {
		answer_notify(ep, sa, msg, IKE_N_NO_ADDITIONAL_SAS, NULL, 0);
		return;
	}
	if (cs.dh != 0 && (dh_exchange(cs.dh, &dh, msg->ke.ptr, msg->ke.len,
	    secret, sizeof(secret), &secret_len) != 0 ||
	    ike_dh_public(dh, pub, sizeof(pub), &pub_len) != 0)) {
		ike_dh_free(dh);
		answer_notify(ep, sa, msg, IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	ike_dh_free(dh);
	c->spi_in = spi_in;
	c->spi_out = ike_spi32_of(&msg->sa[i]);
	c->suite = cs;
	c->keys_initiator = false;
	c->wesp = pc->wesp &&
	    ike_msg_notify(msg, IKE_N_USE_WESP_MODE) != NULL;
	ike_child_put_ts(c, tsr, n_tsr, tsi, n_tsi);
	ike_proposal_from_suite(&cs, IKE_PROTO_ESP, num, ours[0].spi, 4,
	    &reply);

	ike_writer_init_inner(&w, ep->plain, sizeof(ep->plain));
	if (c->wesp)
		ike_msg_add_notify(&w, IKE_PROTO_ESP, IKE_N_USE_WESP_MODE,
		    NULL, 0, NULL, 0);
	ike_msg_add_sa(&w, &reply, 1);
	ike_msg_add_nonce(&w, nr, sizeof(nr));
	if (cs.dh != 0)
		ike_msg_add_ke(&w, cs.dh, pub, pub_len);
	ike_msg_add_ts(&w, IKE_PL_TSI, tsi, n_tsi);
	ike_msg_add_ts(&w, IKE_PL_TSR, tsr, n_tsr);
	if ((len = ike_sa_seal(ep, sa, IKE_X_CREATE_CHILD_SA, true,
	    msg->hdr.msgid, &w)) == 0) {
		ike_wipe(secret, sizeof(secret));
		memset(c, 0, sizeof(*c));
		return;
	}
	ike_sa_send_response(ep, sa, ep->buf, len);
	/* 2.17: the nonces of this exchange, Ni from its initiator. */
	if (ike_child_install(ep, sa, c, cs.dh != 0 ? secret : NULL,
	    secret_len, msg->nonce.ptr, msg->nonce.len, nr, sizeof(nr)) != 0)
		memset(c, 0, sizeof(*c));
	ike_wipe(secret, sizeof(secret));
	if (old != NULL && old->state == IKE_CHILD_S_REKEYING) {
		/* 2.8.1: ours is in flight too; settled on its answer. */
		collision_note(sa, msg->nonce.ptr, msg->nonce.len, nr,
		    sizeof(nr));
		sa->coll_child_spi = c->spi_in;
		ike_logf(ep, 1, "%s: simultaneous rekey of Child SA %08x",
		    pc->name, old->spi_in);
		return;
	}
	/* The old Child SA stays until the peer deletes it (2.8). */
	if (old != NULL)
		ike_child_set_state(ep, sa, old, IKE_CHILD_S_REKEYING);
}

/* ---- initiator ---- */

static int
send_create(struct ike_endpoint *ep, struct ike_sa *sa,
    enum ike_req_kind kind, const struct ike_writer *w)
{
	size_t len;

	if ((len = ike_sa_seal(ep, sa, IKE_X_CREATE_CHILD_SA, false,
	    sa->msgid_out, w)) == 0)
		return (-1);
	ike_sa_send_request(ep, sa, kind, ep->buf, len);
	return (0);
}

int
ike_x_child_rekey(struct ike_endpoint *ep, struct ike_sa *sa,
    struct ike_child *c)
{
	const struct ike_peer_config *pc = ike_sa_peer(ep, sa);
	struct ike_proposal offer[IKE_PROPOSALS_MAX];
	uint8_t pub[IKE_DH_PUB_MAX], spi[4];
	struct ike_writer w;
	size_t n_offer, pub_len = 0;

	struct ike_ts tsl[IKE_CHILD_TS_MAX], tsr[IKE_CHILD_TS_MAX];
	size_t n_tsl, n_tsr;

	if (sa->state != IKE_SA_S_ESTABLISHED || sa->req_kind !=
	    IKE_REQ_NONE || (c != NULL && c->state != IKE_CHILD_S_INSTALLED))
		return (-1);
	/* A new Child SA asks for the configured selectors; a rekey for
	 * those of the SA it replaces. */
	if (c != NULL) {
		n_tsl = c->n_ts_local;
		memcpy(tsl, c->ts_local, n_tsl * sizeof(tsl[0]));
		n_tsr = c->n_ts_remote;
		memcpy(tsr, c->ts_remote, n_tsr * sizeof(tsr[0]));
	} else {
		n_tsl = ike_ts_ours(pc, true, &sa->local, tsl, IKE_CHILD_TS_MAX);
		n_tsr = ike_ts_ours(pc, false, &sa->remote, tsr,
		    IKE_CHILD_TS_MAX);
		if (n_tsl == 0 || n_tsr == 0)
			return (-1);
	}
	sa->x_spi_in = ike_rand_spi32(ep);
	sa->x_ni_len = IKE_NONCE_LEN;
	if (sa->x_spi_in == 0 || ike_rand(ep, sa->x_ni, sa->x_ni_len) != 0)
		return (-1);
	n_offer = ike_esp_offer(pc, sa->x_spi_in, true, offer);
	ike_dh_free(sa->x_dh);
	sa->x_dh = NULL;
	sa->x_dh_group = 0;
	if (n_offer > 0 && offer[0].n_xforms[IKE_XF_DH] > 0) {
		/* PFS (1.3.1): a KE of our first group. */
		sa->x_dh_group = offer[0].xforms[IKE_XF_DH][0].id;
		if ((sa->x_dh = ike_dh_new(sa->x_dh_group)) == NULL ||
		    ike_dh_public(sa->x_dh, pub, sizeof(pub), &pub_len) != 0)
			return (-1);
	}
	ike_writer_init_inner(&w, ep->plain, sizeof(ep->plain));
	if (c != NULL) {
		put_be32(spi, c->spi_in);
		ike_msg_add_notify(&w, IKE_PROTO_ESP, IKE_N_REKEY_SA, spi, 4,
		    NULL, 0);
	}
	if (pc->wesp)
		ike_msg_add_notify(&w, IKE_PROTO_ESP, IKE_N_USE_WESP_MODE,
		    NULL, 0, NULL, 0);
	ike_msg_add_sa(&w, offer, n_offer);
	ike_msg_add_nonce(&w, sa->x_ni, sa->x_ni_len);
	if (sa->x_dh != NULL)
		ike_msg_add_ke(&w, sa->x_dh_group, pub, pub_len);
	ike_msg_add_ts(&w, IKE_PL_TSI, tsl, n_tsl);
	ike_msg_add_ts(&w, IKE_PL_TSR, tsr, n_tsr);
	if (send_create(ep, sa, c != NULL ? IKE_REQ_REKEY_CHILD :
	    IKE_REQ_CREATE_CHILD, &w) != 0)
		return (-1);
	if (c == NULL) {
		ike_logf(ep, 1, "%s: creating a Child SA", pc->name);
		return (0);
	}
	sa->req_child_spi = c->spi_in;
	ike_child_set_state(ep, sa, c, IKE_CHILD_S_REKEYING);
	ike_logf(ep, 1, "%s: rekeying Child SA %08x", pc->name, c->spi_in);
	return (0);
}

int
ike_x_child_rekey_ike(struct ike_endpoint *ep, struct ike_sa *sa)
{
	const struct ike_peer_config *pc = ike_sa_peer(ep, sa);
	struct ike_proposal offer[IKE_PROPOSALS_MAX];
	uint8_t pub[IKE_DH_PUB_MAX];
	struct ike_writer w;
	size_t i, pub_len;

	if (sa->state != IKE_SA_S_ESTABLISHED || sa->req_kind != IKE_REQ_NONE)
		return (-1);
	sa->x_spi_ike = ike_rand_spi64(ep);
	sa->x_ni_len = IKE_NONCE_LEN;
	if (sa->x_spi_ike == 0 || ike_rand(ep, sa->x_ni, sa->x_ni_len) != 0)
		return (-1);
	/* The group the SA runs with: the peer took it once (2.18). */
	ike_dh_free(sa->x_dh);
	sa->x_dh_group = sa->suite.dh;
	if ((sa->x_dh = ike_dh_new(sa->x_dh_group)) == NULL ||
	    ike_dh_public(sa->x_dh, pub, sizeof(pub), &pub_len) != 0)
		return (-1);
	for (i = 0; i < pc->n_ike_props; i++) {
		offer[i] = pc->ike_props[i];
		offer[i].spi_len = 8;
		put_be64(offer[i].spi, sa->x_spi_ike);
	}
	ike_writer_init_inner(&w, ep->plain, sizeof(ep->plain));
	ike_msg_add_sa(&w, offer, pc->n_ike_props);
	ike_msg_add_nonce(&w, sa->x_ni, sa->x_ni_len);
	ike_msg_add_ke(&w, sa->x_dh_group, pub, pub_len);
	if (send_create(ep, sa, IKE_REQ_REKEY_IKE, &w) != 0)
		return (-1);
	ike_sa_set_state(ep, sa, IKE_SA_S_REKEYING);
	ike_logf(ep, 1, "%s: rekeying IKE SA %016llx_i", pc->name,
	    (unsigned long long)sa->spi_i);
	return (0);
}

static void
rekey_child_response(struct ike_endpoint *ep, struct ike_sa *sa,
    const struct ike_msg *msg, struct ike_child *old, bool coll)
{
	const struct ike_peer_config *pc = ike_sa_peer(ep, sa);
	struct ike_proposal offer[IKE_PROPOSALS_MAX];
	struct ike_ts tsi[IKE_CHILD_TS_MAX], tsr[IKE_CHILD_TS_MAX];
	uint8_t secret[IKE_DH_SECRET_MAX];
	size_t n_offer, n_tsi, n_tsr, secret_len = 0;
	struct ike_child *c;
	struct ike_suite cs;

	n_offer = ike_esp_offer(pc, sa->x_spi_in, true, offer);
	if (!ike_msg_has(msg, IKE_PL_SA) || msg->n_sa != 1 ||
	    !ike_proposal_accept_reply(offer, n_offer, &msg->sa[0], &cs) ||
	    ike_spi32_of(&msg->sa[0]) == 0 ||
	    msg->nonce.len < IKE_NONCE_MIN || msg->nonce.len > IKE_NONCE_MAX ||
	    (cs.dh != 0 && (sa->x_dh == NULL || msg->ke_group != cs.dh))) {
		ike_logf(ep, 0, "%s: Child SA rekey answer not acceptable",
		    pc->name);
		goto keep_old;
	}
	if (old != NULL) {
		n_tsi = ike_ts_narrow(old->ts_local, old->n_ts_local, msg->tsi,
		    msg->n_tsi, tsi, IKE_CHILD_TS_MAX);
		n_tsr = ike_ts_narrow(old->ts_remote, old->n_ts_remote,
		    msg->tsr, msg->n_tsr, tsr, IKE_CHILD_TS_MAX);
	} else {
		struct ike_ts ours[IKE_CHILD_TS_MAX];
		size_t n;

		n = ike_ts_ours(pc, true, &sa->local, ours, IKE_CHILD_TS_MAX);
		n_tsi = ike_ts_narrow(ours, n, msg->tsi, msg->n_tsi, tsi,
		    IKE_CHILD_TS_MAX);
		n = ike_ts_ours(pc, false, &sa->remote, ours,
		    IKE_CHILD_TS_MAX);
		n_tsr = ike_ts_narrow(ours, n, msg->tsr, msg->n_tsr, tsr,
		    IKE_CHILD_TS_MAX);
	}
	if (n_tsi == 0 || n_tsr == 0 || (c = ike_child_add(ep, sa)) == NULL)
		goto keep_old;
	if (cs.dh != 0 && ike_dh_shared(sa->x_dh, msg->ke.ptr, msg->ke.len,
	    secret, sizeof(secret), &secret_len) != 0)
		goto keep_old;
	c->spi_in = sa->x_spi_in;
	c->spi_out = ike_spi32_of(&msg->sa[0]);
	c->suite = cs;
	c->keys_initiator = true;
	c->wesp = pc->wesp &&
	    ike_msg_notify(msg, IKE_N_USE_WESP_MODE) != NULL;
	ike_child_put_ts(c, tsi, n_tsi, tsr, n_tsr);
	if (ike_child_install(ep, sa, c, cs.dh != 0 ? secret : NULL,
	    secret_len, sa->x_ni, sa->x_ni_len, msg->nonce.ptr,
	    msg->nonce.len) != 0) {
		memset(c, 0, sizeof(*c));
		ike_wipe(secret, sizeof(secret));
		goto keep_old;
	}
	ike_wipe(secret, sizeof(secret));
	if (coll && collision_ours_redundant(sa, msg)) {
		/* 2.8.1: ours holds the lowest nonce: we delete it, the
		 * peer (creator of the survivor) deletes the old one (or
		 * has deleted it: old is NULL). */
		ike_logf(ep, 1, "%s: Child SA rekey collision: ours %08x is "
		    "redundant", pc->name, c->spi_in);
		if (ike_x_info_delete_child(ep, sa, c) != 0)
			ike_child_remove(ep, sa, c);
		return;
	}
	if (coll)
		ike_logf(ep, 1, "%s: Child SA rekey collision: ours %08x "
		    "survives, the peer's %08x is redundant", pc->name,
		    c->spi_in, sa->coll_child_spi);
	/* 2.8: the side that rekeyed deletes the old SA. */
	if (old != NULL && ike_x_info_delete_child(ep, sa, old) != 0)
		ike_child_remove(ep, sa, old);
	return;
keep_old:
	if (old == NULL)
		return;
	/* It runs until it expires; no new attempt before then. */
	ike_child_set_state(ep, sa, old, IKE_CHILD_S_INSTALLED);
	old->rekey_ms = 0;
}

/*
 * Our IKE SA rekey is answered: the new IKE SA from its nonces.  Unless
 * `redundant` (it lost a collision, 2.8.2: we delete it at once and
 * the old SA waits for the peer's Delete), the Child SAs move to it and
 * we delete the old SA.
 */
static void
rekey_ike_response(struct ike_endpoint *ep, struct ike_sa *sa,
    const struct ike_msg *msg, bool redundant)
{
	const struct ike_peer_config *pc = ike_sa_peer(ep, sa);
	struct ike_proposal offer[IKE_PROPOSALS_MAX];
	uint8_t secret[IKE_DH_SECRET_MAX];
	struct ike_suite suite;
	struct ike_sa *nsa;
	size_t i, secret_len;
	int rc;

	for (i = 0; i < pc->n_ike_props; i++) {
		offer[i] = pc->ike_props[i];
		offer[i].spi_len = 8;
		put_be64(offer[i].spi, sa->x_spi_ike);
	}
	if (!ike_msg_has(msg, IKE_PL_SA) || msg->n_sa != 1 ||
	    !ike_proposal_accept_reply(offer, pc->n_ike_props, &msg->sa[0],
	    &suite) || msg->sa[0].spi_len != 8 ||
	    suite.dh != sa->x_dh_group || msg->ke_group != suite.dh ||
	    msg->nonce.len < IKE_NONCE_MIN || msg->nonce.len > IKE_NONCE_MAX ||
	    ike_dh_shared(sa->x_dh, msg->ke.ptr, msg->ke.len, secret,
	    sizeof(secret), &secret_len) != 0) {
		ike_logf(ep, 0, "%s: IKE SA rekey answer not acceptable",
		    pc->name);
		if (!redundant)
			ike_sa_set_state(ep, sa, IKE_SA_S_ESTABLISHED);
		sa->rekey_ms = 0;
		return;
	}
	if ((nsa = rekeyed_sa(ep, sa, true, sa->x_spi_ike,
	    get_be64(msg->sa[0].spi), &suite)) == NULL) {
		ike_wipe(secret, sizeof(secret));
		if (!redundant)
			ike_sa_set_state(ep, sa, IKE_SA_S_ESTABLISHED);
		return;
	}
	rc = ike_derive_rekey_keys(&sa->keys, &suite, secret, secret_len,
	    sa->x_ni, sa->x_ni_len, msg->nonce.ptr, msg->nonce.len,
	    nsa->spi_i, nsa->spi_r, &nsa->keys);
	ike_wipe(secret, sizeof(secret));
	if (rc != 0) {
		ike_sa_close(ep, nsa, "rekey: key derivation failed");
		if (!redundant)
			ike_sa_set_state(ep, sa, IKE_SA_S_ESTABLISHED);
		return;
	}
	nsa->have_keys = true;
	ike_sa_established(ep, nsa);
	if (redundant) {
		ike_logf(ep, 1, "%s: IKE SA rekey collision: ours "
		    "%016llx_i is redundant", pc->name,
		    (unsigned long long)nsa->spi_i);
		(void)ike_x_info_delete_ike(ep, nsa);
		return;
	}
	move_children(sa, nsa);
	/* 2.18: the rekeying side deletes the old IKE SA. */
	ike_sa_set_state(ep, sa, IKE_SA_S_ESTABLISHED);
	(void)ike_x_info_delete_ike(ep, sa);
}

/* The peer's rekey of the old IKE SA survives (2.8.2): the Child SAs
 * go to the IKE SA it made; the old one waits for the peer's Delete. */
static void
collision_ike_lost(struct ike_endpoint *ep, struct ike_sa *sa)
{
	struct ike_sa *other;

	sa->coll = false;
	if ((other = ike_sa_find(ep, sa->coll_spi_i, sa->coll_spi_r)) ==
	    NULL || other->state != IKE_SA_S_ESTABLISHED)
		return;
	move_children(sa, other);
	ike_logf(ep, 1, "%s: IKE SA rekey collision: the peer's "
	    "%016llx_i survives", ike_sa_peer(ep, sa)->name,
	    (unsigned long long)other->spi_i);
}

void
ike_x_child_collision_delete(struct ike_endpoint *ep, struct ike_sa *sa)
{
	if (sa->coll && sa->req_kind == IKE_REQ_REKEY_IKE)
		collision_ike_lost(ep, sa);
}

void
ike_x_child_response(struct ike_endpoint *ep, struct ike_sa *sa,
    const struct ike_msg *msg)
{
	enum ike_req_kind kind = sa->req_kind;
	struct ike_child *old;
	size_t i;
	bool refused = false, coll = sa->coll;

	if (kind != IKE_REQ_REKEY_CHILD && kind != IKE_REQ_REKEY_IKE &&
	    kind != IKE_REQ_CREATE_CHILD)
		return;
	ike_sa_request_done(ep, sa);
	for (i = 0; i < msg->n_notify; i++)
		if (msg->notify[i].type <= IKE_N_ERROR_MAX)
			refused = true;
	if (kind == IKE_REQ_REKEY_IKE && coll && (refused ||
	    collision_ours_redundant(sa, msg))) {
		/* 2.8.2: the peer's new IKE SA survives.  Ours, if it
		 * could be made, is redundant and ours to delete. */
		collision_ike_lost(ep, sa);
		if (!refused)
			rekey_ike_response(ep, sa, msg, true);
		return;
	}
	sa->coll = false;
	if (kind == IKE_REQ_REKEY_IKE && coll && !refused)
		ike_logf(ep, 1, "%s: IKE SA rekey collision: ours survives, "
		    "the peer's %016llx_i is redundant",
		    ike_sa_peer(ep, sa)->name,
		    (unsigned long long)sa->coll_spi_i);
	if (kind == IKE_REQ_REKEY_IKE) {
		if (refused) {
			ike_logf(ep, 1, "%s: IKE SA rekey refused",
			    ike_sa_peer(ep, sa)->name);
			ike_sa_set_state(ep, sa, IKE_SA_S_ESTABLISHED);
			sa->rekey_ms = ike_msg_notify(msg,
			    IKE_N_TEMPORARY_FAILURE) != NULL ? ep->now + 2000 +
			    ike_rand_below(ep, 8000) : 0;
			return;
		}
		rekey_ike_response(ep, sa, msg, false);
		return;
	}
	if (kind == IKE_REQ_CREATE_CHILD) {
		if (refused)
			ike_logf(ep, 1, "%s: new Child SA refused",
			    ike_sa_peer(ep, sa)->name);
		else
			rekey_child_response(ep, sa, msg, NULL, false);
		return;
	}
	if ((old = ike_child_find(sa, sa->req_child_spi)) == NULL) {
		/* 2.8.1: the peer won a collision and its Delete of the
		 * old SA came before this answer (the first copy of the
		 * answer lost: strongSwan in test_ike_strongswan.sh R).
		 * The peer made the SA of our exchange and waits for us,
		 * its creator, to delete it: make it, then delete it. */
		if (coll && !refused)
			rekey_child_response(ep, sa, msg, NULL, true);
		return;
	}
	if (refused && coll) {
		/* 2.8.1: the peer finished its rekey first and refuses
		 * ours; its new Child SA survives and it deletes the old
		 * one.  No retry. */
		ike_logf(ep, 1, "%s: Child SA rekey collision: the peer's "
		    "%08x survives", ike_sa_peer(ep, sa)->name,
		    sa->coll_child_spi);
		ike_child_set_state(ep, sa, old, IKE_CHILD_S_INSTALLED);
		old->rekey_ms = 0;
		return;
	}
	if (refused) {
		ike_logf(ep, 1, "%s: Child SA rekey refused",
		    ike_sa_peer(ep, sa)->name);
		ike_child_set_state(ep, sa, old, IKE_CHILD_S_INSTALLED);
		/* A collision (2.8.1) passes: try again a little later. */
		old->rekey_ms = ike_msg_notify(msg,
		    IKE_N_TEMPORARY_FAILURE) != NULL ? ep->now + 2000 +
		    ike_rand_below(ep, 8000) : 0;
		return;
	}
	rekey_child_response(ep, sa, msg, old, coll);
}
