/*
 * fuzz_ike_msg.c - libFuzzer target for the IKEv2 message codec
 * (src/ike/ike_msg.c).
 *
 * Input: one byte of mode, then bytes.  Mode bit 0 clear: the bytes are
 * a whole message (ike_msg_decode); set: a decrypted SK body whose first
 * payload type is the next byte (ike_msg_decode_inner; mode bit 1 makes
 * it a response, which changes the proposal numbering rule).  Mode bit 2
 * instead makes the bytes a strongSwan proposal list for
 * ike_proposals_parse() (src/ike/ike_proposal.c).  Each input is copied
 * to a buffer of exactly its size, so a read past it is an
 * AddressSanitizer report.  Decoded proposals also go through the
 * responder's choice and the initiator's check against fixed sets.
 *
 * Beyond not crashing: the result is one of the documented notify
 * types; every view lies inside the input; and what was decoded, written
 * back with the writer, decodes again to the same fields (the payload
 * order is the writer's; SKF, CP and EAP bodies are not kept, so inputs
 * holding them stop before the comparison).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ike/ike_msg.h"
#include "ike/ike_proposal.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) __builtin_trap(); } while (0)

static const uint8_t	*in_base;
static size_t		 in_len;

static void
check_view(const struct ike_bytes *b)
{
	if (b->len == 0)
		return;
	CHECK(b->ptr >= in_base && b->ptr + b->len <= in_base + in_len);
}

static void
check_views(const struct ike_msg *m)
{
	check_view(&m->ke);
	check_view(&m->nonce);
	check_view(&m->idi_body);
	check_view(&m->idr_body);
	check_view(&m->auth);
	check_view(&m->certreq);
	check_view(&m->sk_body);
	for (size_t i = 0; i < m->n_cert; i++)
		check_view(&m->cert[i]);
	for (size_t i = 0; i < m->n_notify; i++) {
		check_view(&m->notify[i].spi);
		check_view(&m->notify[i].data);
	}
	for (size_t i = 0; i < m->n_del; i++)
		check_view(&m->del[i].spis);
	CHECK(m->n_sa <= IKE_PROPOSALS_MAX && m->n_notify <= IKE_MSG_NOTIFY_MAX &&
	    m->n_del <= IKE_MSG_DELETE_MAX && m->n_cert <= IKE_MSG_CERT_MAX &&
	    m->n_tsi <= IKE_MSG_TS_MAX && m->n_tsr <= IKE_MSG_TS_MAX);
}

static bool
bytes_eq(const struct ike_bytes *a, const struct ike_bytes *b)
{
	return (a->len == b->len &&
	    (a->len == 0 || memcmp(a->ptr, b->ptr, a->len) == 0));
}

static bool
prop_eq(const struct ike_proposal *a, const struct ike_proposal *b)
{
	if (a->num != b->num || a->protocol != b->protocol ||
	    a->spi_len != b->spi_len || memcmp(a->spi, b->spi, a->spi_len) != 0)
		return (false);
	for (int t = 1; t < IKE_XF_TYPES; t++) {
		if (a->n_xforms[t] != b->n_xforms[t])
			return (false);
		for (int i = 0; i < a->n_xforms[t]; i++)
			if (a->xforms[t][i].id != b->xforms[t][i].id ||
			    a->xforms[t][i].keybits != b->xforms[t][i].keybits)
				return (false);
	}
	return (true);
}

static bool
id_eq(const struct ike_id *a, const struct ike_id *b)
{
	return (a->type == b->type && a->len == b->len &&
	    memcmp(a->data, b->data, a->len) == 0);
}

/* Proposals left out (3.3.6) leave gaps a request may not have. */
static bool
sa_numbering_ok(const struct ike_msg *m)
{
	for (size_t i = 1; i < m->n_sa; i++)
		if (m->sa[i].num != m->sa[i - 1].num + 1)
			return (false);
	return (m->n_sa == 0 || (m->hdr.flags & IKE_FLAG_RESPONSE) != 0 ||
	    m->sa[0].num == 1);
}

/* Writes every decoded payload back; SK last, with its body. */
static void
write_back(struct ike_writer *w, const struct ike_msg *m)
{
	if (m->n_sa > 0)
		ike_msg_add_sa(w, m->sa, m->n_sa);
	if (m->ke.len > 0)
		ike_msg_add_ke(w, m->ke_group, m->ke.ptr, m->ke.len);
	if (m->nonce.len > 0)
		ike_msg_add_nonce(w, m->nonce.ptr, m->nonce.len);
	if (ike_msg_has(m, IKE_PL_IDI))
		ike_msg_add_id(w, IKE_PL_IDI, &m->idi);
	if (ike_msg_has(m, IKE_PL_IDR))
		ike_msg_add_id(w, IKE_PL_IDR, &m->idr);
	for (size_t i = 0; i < m->n_cert; i++)
		ike_msg_add_cert(w, m->cert_enc[i], m->cert[i].ptr,
		    m->cert[i].len);
	if (m->certreq.len > 0)
		ike_msg_add_certreq(w, m->certreq.ptr[0], m->certreq.ptr + 1,
		    m->certreq.len - 1);
	if (m->auth.len > 0)
		ike_msg_add_auth(w, m->auth_method, m->auth.ptr, m->auth.len);
	for (size_t i = 0; i < m->n_notify; i++)
		ike_msg_add_notify(w, m->notify[i].protocol, m->notify[i].type,
		    m->notify[i].spi.ptr, m->notify[i].spi.len,
		    m->notify[i].data.ptr, m->notify[i].data.len);
	for (size_t i = 0; i < m->n_del; i++)
		ike_msg_add_delete(w, m->del[i].protocol, m->del[i].spi_len,
		    m->del[i].spis.ptr, m->del[i].n_spis);
	if (m->n_tsi > 0)
		ike_msg_add_ts(w, IKE_PL_TSI, m->tsi, m->n_tsi);
	if (m->n_tsr > 0)
		ike_msg_add_ts(w, IKE_PL_TSR, m->tsr, m->n_tsr);
	if (ike_msg_has(m, IKE_PL_SK)) {
		size_t at = ike_msg_add_sk_header(w, m->sk_first,
		    m->sk_body.len);

		if (!w->overflow && m->sk_body.len > 0) {
			memcpy(w->buf + at, m->sk_body.ptr, m->sk_body.len);
			ike_writer_advance(w, m->sk_body.len);
		}
	}
}

static void
compare(const struct ike_msg *a, const struct ike_msg *b)
{
	CHECK(a->n_sa == b->n_sa);
	for (size_t i = 0; i < a->n_sa; i++)
		CHECK(prop_eq(&a->sa[i], &b->sa[i]));
	CHECK(a->ke_group == b->ke_group && bytes_eq(&a->ke, &b->ke));
	CHECK(bytes_eq(&a->nonce, &b->nonce));
	CHECK(id_eq(&a->idi, &b->idi) && id_eq(&a->idr, &b->idr));
	/* the bodies differ only in RESERVED, which the writer zeroes */
	CHECK(a->idi_body.len == b->idi_body.len &&
	    a->idr_body.len == b->idr_body.len);
	CHECK(a->auth_method == b->auth_method && bytes_eq(&a->auth, &b->auth));
	CHECK(a->n_cert == b->n_cert);
	for (size_t i = 0; i < a->n_cert; i++)
		CHECK(a->cert_enc[i] == b->cert_enc[i] &&
		    bytes_eq(&a->cert[i], &b->cert[i]));
	CHECK(bytes_eq(&a->certreq, &b->certreq));
	CHECK(a->n_notify == b->n_notify);
	for (size_t i = 0; i < a->n_notify; i++)
		CHECK(a->notify[i].protocol == b->notify[i].protocol &&
		    a->notify[i].type == b->notify[i].type &&
		    bytes_eq(&a->notify[i].spi, &b->notify[i].spi) &&
		    bytes_eq(&a->notify[i].data, &b->notify[i].data));
	CHECK(a->n_del == b->n_del);
	for (size_t i = 0; i < a->n_del; i++)
		CHECK(a->del[i].protocol == b->del[i].protocol &&
		    a->del[i].spi_len == b->del[i].spi_len &&
		    a->del[i].n_spis == b->del[i].n_spis &&
		    bytes_eq(&a->del[i].spis, &b->del[i].spis));
	CHECK(a->n_tsi == b->n_tsi && a->n_tsr == b->n_tsr);
	CHECK(memcmp(a->tsi, b->tsi, a->n_tsi * sizeof(a->tsi[0])) == 0);
	CHECK(memcmp(a->tsr, b->tsr, a->n_tsr * sizeof(a->tsr[0])) == 0);
	CHECK(a->sk_first == b->sk_first && bytes_eq(&a->sk_body, &b->sk_body));
}

/* Our side: a few proposals of each protocol, parsed once. */
static struct ike_proposal	ours_ike[4], ours_esp[4];
static size_t			n_ours_ike, n_ours_esp;

static void
ours_init(void)
{
	if (n_ours_ike != 0)
		return;
	CHECK(ike_proposals_parse("aes256gcm16-prfsha256-ecp256,"
	    "aes128-sha256-modp2048,aes128-sha256-x25519", IKE_PROTO_IKE,
	    ours_ike, 4, &n_ours_ike, NULL, 0) == 0);
	CHECK(ike_proposals_parse("null-sha256,null-sha1-modp2048-none,"
	    "aes128gcm16,aes256gmac", IKE_PROTO_ESP, ours_esp, 4, &n_ours_esp,
	    NULL, 0) == 0);
}

/* A choice names one of their proposals and one transform each. */
static void
fuzz_select(const struct ike_msg *m)
{
	const struct ike_proposal	*ours;
	struct ike_suite		 suite;
	uint8_t				 num;
	size_t				 n_ours;
	char				 text[128];

	if (m->n_sa == 0)
		return;
	ours = m->sa[0].protocol == IKE_PROTO_IKE ? ours_ike : ours_esp;
	n_ours = m->sa[0].protocol == IKE_PROTO_IKE ? n_ours_ike : n_ours_esp;
	if (ike_proposal_select(ours, n_ours, m->sa, m->n_sa, &suite, &num)) {
		size_t i;

		for (i = 0; i < m->n_sa && m->sa[i].num != num; i++)
			;
		CHECK(i < m->n_sa);
		CHECK(ike_suite_format(&suite, m->sa[i].protocol, text,
		    sizeof(text)) < sizeof(text));
	}
	(void)ike_proposal_accept_reply(ours, n_ours, &m->sa[0], &suite);
}

static void
fuzz_proposal_text(const uint8_t *buf, size_t len)
{
	struct ike_proposal	p[IKE_PROPOSALS_MAX];
	char			text[512], err[64];
	size_t			n;

	if (len >= sizeof(text))
		return;
	memcpy(text, buf, len);
	text[len] = '\0';
	for (uint8_t proto = IKE_PROTO_IKE; proto <= IKE_PROTO_ESP; proto++)
		if (ike_proposals_parse(text, proto, p, IKE_PROPOSALS_MAX, &n,
		    err, sizeof(err)) == 0) {
			CHECK(n >= 1 && n <= IKE_PROPOSALS_MAX);
			for (size_t i = 0; i < n; i++)
				CHECK(p[i].n_xforms[IKE_XF_ENCR] >= 1);
		} else
			CHECK(err[0] != '\0');
}

static bool
rewritable(const struct ike_msg *m)
{
	return (!ike_msg_has(m, IKE_PL_SKF) && !ike_msg_has(m, IKE_PL_CP) &&
	    !ike_msg_has(m, IKE_PL_EAP) && sa_numbering_ok(m));
}

static void
check_rc(int rc)
{
	CHECK(rc == 0 || rc == IKE_N_INVALID_SYNTAX ||
	    rc == IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD ||
	    rc == IKE_N_INVALID_MAJOR_VERSION);
}

static struct ike_msg	msg, again;
static uint8_t		out[IKE_MSG_MAX + 64];

static void
fuzz_message(const uint8_t *buf, size_t len)
{
	struct ike_writer	w;
	size_t			out_len;
	int			rc = ike_msg_decode(buf, len, &msg, NULL);

	check_rc(rc);
	if (rc != 0)
		return;
	check_views(&msg);
	fuzz_select(&msg);
	if (ike_msg_has(&msg, IKE_PL_SK))
		CHECK(msg.sk_aad_len + msg.sk_body.len == len);
	if (!rewritable(&msg))
		return;
	ike_writer_init(&w, out, sizeof(out), &msg.hdr);
	write_back(&w, &msg);
	CHECK(ike_msg_finish(&w, &out_len) == 0);
	CHECK(out_len <= len);
	CHECK(ike_msg_decode(out, out_len, &again, NULL) == 0);
	compare(&msg, &again);
}

static void
fuzz_inner(const uint8_t *buf, size_t len, uint8_t first, bool response)
{
	struct ike_writer	w;
	size_t			out_len;
	int			rc;

	memset(&msg, 0, sizeof(msg));
	msg.hdr.flags = response ? IKE_FLAG_RESPONSE : IKE_FLAG_INITIATOR;
	rc = ike_msg_decode_inner(buf, len, first, &msg, NULL);
	check_rc(rc);
	if (rc != 0)
		return;
	check_views(&msg);
	fuzz_select(&msg);
	CHECK(!ike_msg_has(&msg, IKE_PL_SK));
	if (!rewritable(&msg))
		return;
	ike_writer_init_inner(&w, out, sizeof(out));
	write_back(&w, &msg);
	CHECK(ike_msg_finish(&w, &out_len) == 0);
	CHECK(out_len <= len);
	memset(&again, 0, sizeof(again));
	again.hdr.flags = msg.hdr.flags;
	CHECK(ike_msg_decode_inner(out, out_len, w.first, &again, NULL) == 0);
	compare(&msg, &again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t	*copy;
	uint8_t	 mode, first = 0;

	if (size < 1)
		return (0);
	ours_init();
	mode = data[0];
	data++;
	size--;
	if ((mode & 1) != 0) {
		if (size < 1)
			return (0);
		first = data[0];
		data++;
		size--;
	}
	if ((copy = malloc(size > 0 ? size : 1)) == NULL)
		return (0);
	if (size > 0)
		memcpy(copy, data, size);
	in_base = copy;
	in_len = size;
	if ((mode & 4) != 0)
		fuzz_proposal_text(copy, size);
	else if ((mode & 1) == 0)
		fuzz_message(copy, size);
	else
		fuzz_inner(copy, size, first, (mode & 2) != 0);
	free(copy);
	return (0);
}
