/*
 * ike_frag.c - IKE fragmentation (RFC 7383): the IKEV2_FRAGMENTATION_
 * SUPPORTED notify in IKE_SA_INIT (2.3), splitting the plaintext of a
 * message too big for `fragment_size` into Encrypted Fragment payloads
 * (2.5), and reassembling received fragments per SA (2.6).
 *
 * Sending: the fragments are sealed back to back into ep->buf; each is a
 * whole IKE message, so ike_send_raw() splits them again by the Length
 * in their headers, and a stored request or response (retransmission,
 * 2.1) resends all of them.
 *
 * Receiving: every fragment's ICV is checked before it is stored (2.6),
 * so a forged fragment cannot displace a genuine one.  Each SA has two
 * reassembly slots, the peer's request and the answer to ours; a slot's
 * buffer (IKE_MSG_MAX bytes of plaintext at most) is allocated with the
 * first fragment of a message and freed when the message is complete,
 * replaced, oversized or timed out (IKE_FRAG_TIMEOUT_MS), and with the
 * SA (ike_frag_free).
 */
#include <stdlib.h>
#include <string.h>

#include "ike_int.h"

/* Fragment header: the IKE header, the SKF generic header, Fragment
 * Number and Total Fragments. */
#define FRAG_HDR_LEN	(IKE_HDR_LEN + 4 + 4)
#define P(t)		(1u << ((t) - IKE_PL_SA))

void
ike_frag_offer(const struct ike_endpoint *ep, struct ike_writer *w)
{
	if (ep->cfg.fragment_size > 0)
		ike_msg_add_notify(w, 0, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED,
		    NULL, 0, NULL, 0);
}

void
ike_frag_agree(const struct ike_endpoint *ep, struct ike_sa *sa,
    const struct ike_msg *msg)
{
	sa->frag = ep->cfg.fragment_size > 0 &&
	    ike_msg_notify(msg, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED) != NULL;
}

/* The largest IKE message (marker included) that fits fragment_size,
 * which counts the whole IP datagram as strongSwan's does. */
static size_t
msg_room(const struct ike_endpoint *ep, const struct ike_sa *sa)
{
	size_t over = (sa->remote.ip.family == 6 ? 40 : 20) + 8;

	if (sa->local.port == ep->cfg.natt_port ||
	    sa->remote.port == ep->cfg.natt_port)
		over += 4;	/* non-ESP marker, RFC 3948 2.2 */
	return (ep->cfg.fragment_size > over ? ep->cfg.fragment_size - over :
	    0);
}

bool
ike_frag_needed(const struct ike_endpoint *ep, const struct ike_sa *sa,
    uint8_t exchange, size_t msg_len)
{
	/* 2.5: only messages with an SK payload; IKE_SA_INIT has none. */
	return (sa->frag && exchange != IKE_X_SA_INIT &&
	    msg_len > msg_room(ep, sa));
}

/* The most plaintext one fragment carries within msg_room. */
static size_t
chunk_size(const struct ike_sk_dir *dir, size_t room)
{
	size_t c;

	if (room <= FRAG_HDR_LEN)
		return (0);
	for (c = room - FRAG_HDR_LEN; c > 0; c--)
		if (FRAG_HDR_LEN + ike_sk_sealed_len(dir, c) <= room)
			return (c);
	return (0);
}

size_t
ike_frag_seal(struct ike_endpoint *ep, struct ike_sa *sa,
    const struct ike_hdr *hdr, const struct ike_writer *inner)
{
	const struct ike_sk_dir *dir = sa->initiator ? &sa->keys.i2r :
	    &sa->keys.r2i;
	size_t chunk = chunk_size(dir, msg_room(ep, sa));
	size_t n, i, off = 0, at, this_len, aad, len;
	struct ike_writer w;

	if (chunk == 0 || inner->len == 0)
		return (0);
	n = (inner->len + chunk - 1) / chunk;
	if (n > IKE_FRAG_MAX) {
		ike_logf(ep, 0, "%s: message of %zu bytes needs %zu fragments "
		    "(at most %d): fragment_size too small",
		    ike_sa_peer(ep, sa)->name, inner->len, n, IKE_FRAG_MAX);
		return (0);
	}
	for (i = 0; i < n; i++) {
		at = i * chunk;
		this_len = inner->len - at < chunk ? inner->len - at : chunk;
		ike_writer_init(&w, ep->buf + off, sizeof(ep->buf) - off, hdr);
		aad = ike_msg_add_skf_header(&w, inner->first, (uint16_t)(i + 1),
		    (uint16_t)n, ike_sk_sealed_len(dir, this_len));
		ike_writer_advance(&w, ike_sk_sealed_len(dir, this_len));
		if (ike_msg_finish(&w, &len) != 0 ||
		    ike_sk_seal(dir, ep->buf + off, sizeof(ep->buf) - off, aad,
		    inner->buf + at, this_len) != 0)
			return (0);
		off += len;
	}
	sa->frags_out += n;
	ike_logf(ep, 1, "%s: split IKE message %u into %zu fragments",
	    ike_sa_peer(ep, sa)->name, hdr->msgid, n);
	return (off);
}

/* ---- reassembly (2.6) ---- */

static void
reasm_reset(struct ike_frag_reasm *r)
{
	if (r->buf != NULL) {
		ike_wipe(r->buf, IKE_MSG_MAX);
		free(r->buf);
	}
	memset(r, 0, sizeof(*r));
}

void
ike_frag_free(struct ike_sa *sa)
{
	reasm_reset(&sa->reasm[0]);
	reasm_reset(&sa->reasm[1]);
}

uint64_t
ike_frag_deadline(const struct ike_sa *sa)
{
	uint64_t t = 0;
	size_t i;

	for (i = 0; i < 2; i++)
		if (sa->reasm[i].buf != NULL && (t == 0 ||
		    sa->reasm[i].started_ms + IKE_FRAG_TIMEOUT_MS < t))
			t = sa->reasm[i].started_ms + IKE_FRAG_TIMEOUT_MS;
	return (t);
}

void
ike_frag_tick(struct ike_endpoint *ep, struct ike_sa *sa)
{
	size_t i;

	/* 2.6: the responder forgets an incomplete request; the initiator
	 * retransmits as usual. */
	for (i = 0; i < 2; i++)
		if (sa->reasm[i].buf != NULL && ep->now >=
		    sa->reasm[i].started_ms + IKE_FRAG_TIMEOUT_MS) {
			ike_logf(ep, 2, "%s: incomplete fragmented message %u "
			    "discarded", ike_sa_peer(ep, sa)->name,
			    sa->reasm[i].msgid);
			sa->frags_dropped += sa->reasm[i].n_have;
			reasm_reset(&sa->reasm[i]);
		}
}

static int
frag_drop(struct ike_endpoint *ep, struct ike_sa *sa, const char *why)
{
	sa->frags_dropped++;
	ike_logf(ep, 2, "%s: fragment dropped: %s", ike_sa_peer(ep, sa)->name,
	    why);
	return (-1);
}

/* All fragments are in: their plaintexts in order into ep->dec, then
 * the inner chain decoded into msg as if it came in one SK payload. */
static int
reasm_finish(struct ike_endpoint *ep, struct ike_sa *sa,
    struct ike_frag_reasm *r, struct ike_msg *msg)
{
	size_t i, len = 0;
	uint8_t first = r->first, bad;
	uint16_t n = r->total;

	for (i = 0; i < n; i++) {
		memcpy(ep->dec + len, r->buf + r->off[i], r->len[i]);
		len += r->len[i];
	}
	reasm_reset(r);
	if (ike_msg_decode_inner(ep->dec, len, first, msg, &bad) != 0)
		return (frag_drop(ep, sa, "reassembled payloads malformed"));
	msg->present = (msg->present & ~P(IKE_PL_SKF)) | P(IKE_PL_SK);
	ike_logf(ep, 2, "%s: reassembled message %u from %u fragments",
	    ike_sa_peer(ep, sa)->name, msg->hdr.msgid, n);
	return (0);
}

int
ike_frag_input(struct ike_endpoint *ep, struct ike_sa *sa, bool response,
    const uint8_t *buf, size_t len, struct ike_msg *msg)
{
	const struct ike_sk_dir *dir = sa->initiator ? &sa->keys.r2i :
	    &sa->keys.i2r;
	struct ike_frag_reasm *r = &sa->reasm[response ? 1 : 0];
	uint16_t num = msg->frag_num, total = msg->frag_total;
	size_t plen;

	/* The codec checked 1 <= num <= total.  Our own limits first. */
	if (!sa->frag || !sa->have_keys)
		return (frag_drop(ep, sa, "fragmentation not negotiated"));
	if (msg->present != P(IKE_PL_SKF))
		return (frag_drop(ep, sa, "payloads beside SKF"));
	if (total > IKE_FRAG_MAX)
		return (frag_drop(ep, sa, "too many fragments"));
	if (r->buf != NULL && r->msgid != msg->hdr.msgid)
		reasm_reset(r);		/* a message we no longer expect */
	if (r->buf != NULL && total < r->total)
		return (frag_drop(ep, sa, "older Total Fragments"));
	if (r->buf != NULL && total == r->total && r->have[num - 1])
		return (frag_drop(ep, sa, "duplicate"));
	if (ike_sk_open(dir, buf, len, msg->sk_aad_len, ep->dec,
	    sizeof(ep->dec), &plen) != 0)
		return (frag_drop(ep, sa, "integrity check failed"));
	sa->frags_in++;
	if (r->buf != NULL && total > r->total) {
		/* 2.6: a newer set (smaller fragments): start over. */
		reasm_reset(r);
	}
	if (r->buf == NULL) {
		if ((r->buf = malloc(IKE_MSG_MAX)) == NULL)
			return (frag_drop(ep, sa, "out of memory"));
		r->msgid = msg->hdr.msgid;
		r->total = total;
		r->started_ms = ep->now;
	}
	if (plen > IKE_MSG_MAX - r->used) {
		reasm_reset(r);
		return (frag_drop(ep, sa, "reassembled message too big"));
	}
	memcpy(r->buf + r->used, ep->dec, plen);
	r->off[num - 1] = (uint16_t)r->used;
	r->len[num - 1] = (uint16_t)plen;
	r->used += plen;
	r->have[num - 1] = true;
	if (num == 1)
		r->first = msg->sk_first;
	if (++r->n_have < r->total)
		return (1);
	return (reasm_finish(ep, sa, r, msg));
}
#undef P
