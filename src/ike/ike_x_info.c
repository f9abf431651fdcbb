/*
 * ike_x_info.c - INFORMATIONAL (RFC 7296 1.4, 2.4): deleting IKE and
 * Child SAs from either side, and liveness checks (an empty request).
 */
#include <string.h>

#include "ike_int.h"
#include "../util/bytes.h"

static int
send_info(struct ike_endpoint *ep, struct ike_sa *sa, enum ike_req_kind kind,
    const struct ike_writer *w)
{
	size_t len;

	if ((len = ike_sa_seal(ep, sa, IKE_X_INFORMATIONAL, false,
	    sa->msgid_out, w)) == 0)
		return (-1);
	ike_sa_send_request(ep, sa, kind, ep->buf, len);
	return (0);
}

int
ike_x_info_delete_ike(struct ike_endpoint *ep, struct ike_sa *sa)
{
	struct ike_writer w;

	ike_writer_init_inner(&w, ep->plain, sizeof(ep->plain));
	ike_msg_add_delete(&w, IKE_PROTO_IKE, 0, NULL, 0);
	sa->want_delete = false;
	if (send_info(ep, sa, IKE_REQ_DELETE_IKE, &w) != 0) {
		ike_sa_close(ep, sa, "cannot build Delete");
		return (-1);
	}
	ike_sa_set_state(ep, sa, IKE_SA_S_DELETING);
	return (0);
}

int
ike_x_info_delete_child(struct ike_endpoint *ep, struct ike_sa *sa,
    struct ike_child *c)
{
	struct ike_writer w;
	uint8_t spi[4];

	put_be32(spi, c->spi_in);
	ike_writer_init_inner(&w, ep->plain, sizeof(ep->plain));
	ike_msg_add_delete(&w, IKE_PROTO_ESP, 4, spi, 1);
	if (send_info(ep, sa, IKE_REQ_DELETE_CHILD, &w) != 0)
		return (-1);
	sa->req_child_spi = c->spi_in;
	ike_child_set_state(ep, sa, c, IKE_CHILD_S_DELETING);
	return (0);
}

int
ike_x_info_dpd(struct ike_endpoint *ep, struct ike_sa *sa)
{
	struct ike_writer w;

	ike_writer_init_inner(&w, ep->plain, sizeof(ep->plain));
	return (send_info(ep, sa, IKE_REQ_DPD, &w));
}

void
ike_x_info_request(struct ike_endpoint *ep, struct ike_sa *sa,
    const struct ike_msg *msg)
{
	uint8_t ours[4 * IKE_CHILD_PER_SA];
	struct ike_writer w;
	bool delete_ike = false;
	uint16_t n_ours = 0;
	size_t i, k, len;

	for (i = 0; i < msg->n_del; i++) {
		const struct ike_delete *d = &msg->del[i];

		if (d->protocol == IKE_PROTO_IKE) {
			delete_ike = true;
			continue;
		}
		if (d->protocol != IKE_PROTO_ESP || d->spi_len != 4 ||
		    d->spis.len < (size_t)d->n_spis * 4)
			continue;
		for (k = 0; k < d->n_spis; k++) {
			const uint8_t *p = d->spis.ptr + 4 * k;
			uint32_t spi = (uint32_t)p[0] << 24 |
			    (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
			struct ike_child *c = ike_child_find(sa, spi);

			/* The peer names its inbound SPI: our spi_out (1.4.1). */
			if (c == NULL || c->spi_out != spi)
				continue;
			if (n_ours < IKE_CHILD_PER_SA &&
			    c->state != IKE_CHILD_S_DELETING) {
				put_be32(&ours[4 * n_ours], c->spi_in);
				n_ours++;
			}
			ike_child_remove(ep, sa, c);
		}
	}
	ike_writer_init_inner(&w, ep->plain, sizeof(ep->plain));
	if (!delete_ike && n_ours > 0)
		ike_msg_add_delete(&w, IKE_PROTO_ESP, 4, ours, n_ours);
	if ((len = ike_sa_seal(ep, sa, IKE_X_INFORMATIONAL, true,
	    msg->hdr.msgid, &w)) != 0)
		ike_sa_send_response(ep, sa, ep->buf, len);
	if (delete_ike) {
		/* 2.8.2: a rekey of ours that collided is moot now. */
		ike_x_child_collision_delete(ep, sa);
		ike_sa_close(ep, sa, "deleted by the peer");
	} else if (ike_msg_notify(msg, IKE_N_AUTHENTICATION_FAILED) != NULL) {
		/* The initiator refused our AUTH after we established
		 * (2.21.2): the SA is gone at its end. */
		ike_logf(ep, 0, "%s: peer says AUTHENTICATION_FAILED",
		    ike_sa_peer(ep, sa)->name);
		ike_sa_close(ep, sa, "AUTHENTICATION_FAILED");
	}
}

void
ike_x_info_response(struct ike_endpoint *ep, struct ike_sa *sa,
    const struct ike_msg *msg)
{
	enum ike_req_kind kind = sa->req_kind;
	struct ike_child *c;

	(void)msg;
	ike_sa_request_done(ep, sa);
	switch (kind) {
	case IKE_REQ_DELETE_IKE:
		ike_sa_close(ep, sa, "deleted");
		break;
	case IKE_REQ_DELETE_CHILD:
		if ((c = ike_child_find(sa, sa->req_child_spi)) != NULL)
			ike_child_remove(ep, sa, c);
		break;
	default:
		break;
	}
}
