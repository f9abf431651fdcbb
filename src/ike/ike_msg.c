/*
 * ike_msg.c - the IKEv2 message codec (RFC 7296 section 3).
 *
 * Decoding follows iked's split: each payload body is validated before
 * anything is taken from it, through a cursor of exactly its declared
 * length (src/util/cursor.h), and a table maps each payload type to its
 * minimum body and its decoder.  Nothing is allocated: a struct ike_msg
 * points into the bytes it was decoded from.
 *
 * What it checks (everything else is the exchange code's, with its
 * per-exchange payload rules):
 *   - header: length >= 28, major version 2, Length equal to the bytes
 *     (3.1);
 *   - every generic header: Payload Length >= 4 and inside what is left;
 *     the chain ends exactly at the end of the message (3.2);
 *   - SA: Proposal and Transform Lengths inside their parent, the
 *     last/more bytes against what remains, # of Transforms, proposal
 *     numbering, attributes inside their transform (3.3);
 *   - the fixed part and the counts of every other payload (3.4-3.13);
 *   - SK last, and its body located, not opened (3.14);
 *   - unknown payloads: refused when critical, skipped otherwise (2.5).
 * More payloads of a kind than the struct holds is INVALID_SYNTAX, so
 * nothing is dropped unseen (Vendor IDs are only counted).
 *
 * The writer appends payloads into a caller's buffer, chains the Next
 * Payload fields and keeps an overflow sticky until ike_msg_finish().
 */
#include <string.h>

#include "../util/cursor.h"
#include "ike_msg.h"

#define GENERIC_HDR_LEN		4u	/* 3.2 */
#define PAYLOADS_MAX		128	/* per chain: a guard, not a limit met */
#define PROPOSAL_HDR_LEN	8	/* 3.3.1 */
#define XFORM_HDR_LEN		8	/* 3.3.2 */
#define SUBSTRUCT_LAST		0
#define PROPOSAL_MORE		2	/* 3.3.1 */
#define XFORM_MORE		3	/* 3.3.2 */
#define ATTR_FORMAT_TV		0x8000	/* 3.3.5 AF bit */
#define TS_V4_LEN		16	/* 3.13.1 */
#define TS_V6_LEN		40
#define HDR_NEXT_OFF		16	/* Next Payload in the IKE header */
#define HDR_LENGTH_OFF		24	/* Length in the IKE header */

/* Writer: no Next Payload field to patch yet (inner chain, nothing
 * written); after the SK header nothing may follow. */
#define NEXT_NONE		((size_t)-1)
#define NEXT_CLOSED		((size_t)-2)

/* What one chain walk knows besides the message. */
struct chain {
	struct ike_msg	*msg;
	bool		 inner;		/* decrypted SK body */
	size_t		 msg_off;	/* offset of the chain in the message */
};

/* ------------------------------------------------------------------ */
/* Header (3.1)                                                        */
/* ------------------------------------------------------------------ */

static uint64_t
cur_be64(struct cursor *c)
{
	uint64_t hi = cur_be32(c);

	return (hi << 32 | cur_be32(c));
}

int
ike_msg_decode_header(const uint8_t *buf, size_t len, struct ike_hdr *hdr)
{
	struct cursor	c;

	memset(hdr, 0, sizeof(*hdr));
	if (buf == NULL || len < IKE_HDR_LEN)
		return (IKE_N_INVALID_SYNTAX);
	cur_init(&c, buf, len);
	hdr->spi_i = cur_be64(&c);
	hdr->spi_r = cur_be64(&c);
	hdr->next = cur_u8(&c);
	hdr->version = cur_u8(&c);
	hdr->exchange = cur_u8(&c);
	hdr->flags = cur_u8(&c);
	hdr->msgid = cur_be32(&c);
	hdr->length = cur_be32(&c);
	if (!cur_ok(&c))
		return (IKE_N_INVALID_SYNTAX);
	/* 2.5: a major version we do not speak is answered as such; the
	 * minor version is ignored. */
	if ((hdr->version >> 4) != (IKE_VERSION >> 4))
		return (IKE_N_INVALID_MAJOR_VERSION);
	if (hdr->length != len || len > IKE_MSG_MAX)
		return (IKE_N_INVALID_SYNTAX);
	return (0);
}

/* ------------------------------------------------------------------ */
/* SA (3.3)                                                            */
/* ------------------------------------------------------------------ */

/*
 * Transform Attributes (3.3.5).  Only Key Length (TV) is known; any
 * other attribute, or Key Length twice or in TLV form, makes the
 * transform unacceptable (3.3.6), reported as *usable = false.
 */
static int
decode_xform_attrs(struct cursor *c, uint16_t *keybits, bool *usable)
{
	*keybits = 0;
	*usable = true;
	while (cur_left(c) > 0) {
		uint16_t	af_type = cur_be16(c);
		uint16_t	value = cur_be16(c);

		if (!cur_ok(c))
			return (IKE_N_INVALID_SYNTAX);
		if ((af_type & ATTR_FORMAT_TV) == 0) {
			/* TLV: value is the length of what follows. */
			cur_skip(c, value);
			if (!cur_ok(c))
				return (IKE_N_INVALID_SYNTAX);
			*usable = false;
			continue;
		}
		if ((af_type & ~ATTR_FORMAT_TV) != IKE_ATTR_KEY_LENGTH ||
		    *keybits != 0 || value == 0) {
			*usable = false;
			continue;
		}
		*keybits = value;
	}
	return (0);
}

/*
 *  0                   1                   2                   3
 *  | Last Substruc |   RESERVED    |        Transform Length       |
 *  |Transform Type |   RESERVED    |          Transform ID         |
 *  ~                      Transform Attributes                     ~
 *
 * One transform from *c (the rest of its proposal).  Sets *more from
 * the Last Substruc byte.  An unknown transform type makes the whole
 * proposal unacceptable (*prop_ok = false); an unusable transform is
 * left out but its type is remembered in *seen_types.
 */
static int
decode_xform(struct cursor *c, struct ike_proposal *prop, bool *more,
    bool *prop_ok, uint32_t *seen_types)
{
	struct cursor	 body;
	uint8_t		 last;
	uint16_t	 xform_len, id, keybits;
	uint8_t		 type;
	bool		 usable;
	int		 rc;

	last = cur_u8(c);
	cur_skip(c, 1);
	xform_len = cur_be16(c);
	if (!cur_ok(c) || (last != SUBSTRUCT_LAST && last != XFORM_MORE) ||
	    xform_len < XFORM_HDR_LEN ||
	    xform_len - 4u > cur_left(c))
		return (IKE_N_INVALID_SYNTAX);
	cur_sub(c, xform_len - 4u, &body);
	type = cur_u8(&body);
	cur_skip(&body, 1);
	id = cur_be16(&body);
	if (!cur_ok(&body))
		return (IKE_N_INVALID_SYNTAX);
	if ((rc = decode_xform_attrs(&body, &keybits, &usable)) != 0)
		return (rc);
	*more = last == XFORM_MORE;

	if (type == 0 || type >= IKE_XF_TYPES) {
		*prop_ok = false;	/* 3.3.6: type we do not understand */
		return (0);
	}
	*seen_types |= 1u << type;
	if (!usable)
		return (0);
	if (prop->n_xforms[type] >= IKE_XFORMS_MAX)
		return (IKE_N_INVALID_SYNTAX);
	prop->xforms[type][prop->n_xforms[type]].id = id;
	prop->xforms[type][prop->n_xforms[type]].keybits = keybits;
	prop->n_xforms[type]++;
	return (0);
}

/* Every transform type that was offered kept one usable transform
 * (3.3.6: else nothing of that type can be chosen). */
static bool
types_all_usable(const struct ike_proposal *prop, uint32_t seen_types)
{
	for (unsigned type = 1; type < IKE_XF_TYPES; type++)
		if ((seen_types & 1u << type) != 0 && prop->n_xforms[type] == 0)
			return (false);
	return (true);
}

/*
 *  | Last Substruc |   RESERVED    |         Proposal Length       |
 *  | Proposal Num  |  Protocol ID  |    SPI Size   |Num  Transforms|
 *  ~                        SPI (variable)                         ~
 *  ~                        <Transforms>                           ~
 *
 * One proposal from *c (the rest of the SA body).  *keep is false for a
 * proposal 3.3.6 makes unacceptable: it is checked, then left out.
 */
static int
decode_proposal(struct cursor *c, struct ike_proposal *prop, bool *more,
    bool *keep)
{
	struct cursor	 body;
	const uint8_t	*spi;
	uint8_t		 last, n_xforms;
	uint16_t	 prop_len;
	uint32_t	 seen_types = 0;
	bool		 xform_more = true;
	int		 rc;

	memset(prop, 0, sizeof(*prop));
	last = cur_u8(c);
	cur_skip(c, 1);
	prop_len = cur_be16(c);
	if (!cur_ok(c) || (last != SUBSTRUCT_LAST && last != PROPOSAL_MORE) ||
	    prop_len < PROPOSAL_HDR_LEN || prop_len - 4u > cur_left(c))
		return (IKE_N_INVALID_SYNTAX);
	cur_sub(c, prop_len - 4u, &body);
	prop->num = cur_u8(&body);
	prop->protocol = cur_u8(&body);
	prop->spi_len = cur_u8(&body);
	n_xforms = cur_u8(&body);
	if (prop->spi_len > sizeof(prop->spi))
		return (IKE_N_INVALID_SYNTAX);
	spi = cur_bytes(&body, prop->spi_len);
	if (!cur_ok(&body) || prop->num == 0)
		return (IKE_N_INVALID_SYNTAX);
	if (prop->spi_len > 0)
		memcpy(prop->spi, spi, prop->spi_len);

	*keep = true;
	for (unsigned i = 0; i < n_xforms; i++) {
		/* the previous transform said it was the last */
		if (!xform_more)
			return (IKE_N_INVALID_SYNTAX);
		rc = decode_xform(&body, prop, &xform_more, keep, &seen_types);
		if (rc != 0)
			return (rc);
	}
	/* # of Transforms, the last flag and the length must agree. */
	if (xform_more || cur_left(&body) != 0)
		return (IKE_N_INVALID_SYNTAX);
	if (!types_all_usable(prop, seen_types))
		*keep = false;
	*more = last == PROPOSAL_MORE;
	return (0);
}

/*
 * SA body (3.3): proposals back to back.  Numbering (3.3.1): the first
 * of a request is 1, each next one more (SA bundles, which repeat a
 * number, are not supported); a reply carries the one it chose.
 */
static int
decode_sa(struct cursor *c, struct chain *ch)
{
	struct ike_msg		*msg = ch->msg;
	struct ike_proposal	 prop;
	unsigned		 prev_num = 0;
	bool			 more = true, keep;
	int			 rc;

	if (msg->n_sa > 0)
		return (IKE_N_INVALID_SYNTAX);	/* one SA payload per message */
	while (cur_left(c) > 0) {
		if (!more)
			return (IKE_N_INVALID_SYNTAX);
		if ((rc = decode_proposal(c, &prop, &more, &keep)) != 0)
			return (rc);
		if (prev_num == 0 ? ((msg->hdr.flags & IKE_FLAG_RESPONSE) == 0 &&
		    prop.num != 1) : prop.num != prev_num + 1)
			return (IKE_N_INVALID_SYNTAX);
		prev_num = prop.num;
		if (!keep)
			continue;
		if (msg->n_sa >= IKE_PROPOSALS_MAX)
			return (IKE_N_INVALID_SYNTAX);
		msg->sa[msg->n_sa++] = prop;
	}
	/* an empty SA, or one whose last proposal says more follow */
	if (prev_num == 0 || more)
		return (IKE_N_INVALID_SYNTAX);
	return (0);
}

/* ------------------------------------------------------------------ */
/* The simpler payloads (3.4-3.13)                                     */
/* ------------------------------------------------------------------ */

/* The rest of a payload body as a view. */
static struct ike_bytes
rest_of(struct cursor *c)
{
	struct ike_bytes b;

	b.len = cur_left(c);
	b.ptr = b.len > 0 ? cur_bytes(c, b.len) : NULL;
	return (b);
}

/* KE (3.4): DH Group Num, RESERVED, Key Exchange Data. */
static int
decode_ke(struct cursor *c, struct chain *ch)
{
	struct ike_msg *msg = ch->msg;

	if (msg->ke.len > 0)
		return (IKE_N_INVALID_SYNTAX);
	msg->ke_group = cur_be16(c);
	cur_skip(c, 2);
	msg->ke = rest_of(c);
	return (msg->ke.len == 0 ? IKE_N_INVALID_SYNTAX : 0);
}

/* IDi/IDr (3.5): ID Type, RESERVED (3), data; the body is what AUTH
 * signs (2.15). */
static int
decode_id(struct cursor *c, struct ike_id *id, struct ike_bytes *body)
{
	struct ike_bytes data;

	if (body->len > 0)
		return (IKE_N_INVALID_SYNTAX);
	body->len = cur_left(c);
	body->ptr = cur_ptr(c);
	id->type = cur_u8(c);
	cur_skip(c, 3);
	data = rest_of(c);
	if (data.len == 0 || data.len > sizeof(id->data))
		return (IKE_N_INVALID_SYNTAX);
	id->len = (uint16_t)data.len;
	memcpy(id->data, data.ptr, data.len);
	return (0);
}

static int
decode_idi(struct cursor *c, struct chain *ch)
{
	return (decode_id(c, &ch->msg->idi, &ch->msg->idi_body));
}

static int
decode_idr(struct cursor *c, struct chain *ch)
{
	return (decode_id(c, &ch->msg->idr, &ch->msg->idr_body));
}

/* CERT (3.6): Cert Encoding, Certificate Data. */
static int
decode_cert(struct cursor *c, struct chain *ch)
{
	struct ike_msg *msg = ch->msg;

	if (msg->n_cert >= IKE_MSG_CERT_MAX)
		return (IKE_N_INVALID_SYNTAX);
	msg->cert_enc[msg->n_cert] = cur_u8(c);
	msg->cert[msg->n_cert] = rest_of(c);
	if (msg->cert[msg->n_cert].len == 0)
		return (IKE_N_INVALID_SYNTAX);
	msg->n_cert++;
	return (0);
}

/* CERTREQ (3.7): the body from Cert Encoding on.  Several CERTREQ
 * payloads are legal; the first is kept (strongSwan sends one). */
static int
decode_certreq(struct cursor *c, struct chain *ch)
{
	if (ch->msg->certreq.len == 0)
		ch->msg->certreq = rest_of(c);
	return (0);
}

/* AUTH (3.8): Auth Method, RESERVED (3), Authentication Data. */
static int
decode_auth(struct cursor *c, struct chain *ch)
{
	struct ike_msg *msg = ch->msg;

	if (msg->auth.len > 0)
		return (IKE_N_INVALID_SYNTAX);
	msg->auth_method = cur_u8(c);
	cur_skip(c, 3);
	msg->auth = rest_of(c);
	return (msg->auth.len == 0 ? IKE_N_INVALID_SYNTAX : 0);
}

/* Nonce (3.9): 16..256 bytes (2.10). */
static int
decode_nonce(struct cursor *c, struct chain *ch)
{
	struct ike_msg *msg = ch->msg;

	if (msg->nonce.len > 0)
		return (IKE_N_INVALID_SYNTAX);
	msg->nonce = rest_of(c);
	if (msg->nonce.len < IKE_NONCE_MIN || msg->nonce.len > IKE_NONCE_MAX)
		return (IKE_N_INVALID_SYNTAX);
	return (0);
}

/* Notify (3.10): Protocol ID, SPI Size, Notify Message Type, SPI,
 * Notification Data. */
static int
decode_notify(struct cursor *c, struct chain *ch)
{
	struct ike_msg		*msg = ch->msg;
	struct ike_notify	*n;
	uint8_t			 spi_len;

	if (msg->n_notify >= IKE_MSG_NOTIFY_MAX) {
		/* Full: a status notify more (strongSwan sends one
		 * ADDITIONAL_IP*_ADDRESS per address with MOBIKE) is skipped
		 * and counted; an error one may not go unseen (3.10.1). */
		(void)cur_u8(c);
		spi_len = cur_u8(c);
		if (!cur_ok(c) || cur_be16(c) <= IKE_N_ERROR_MAX || !cur_ok(c))
			return (IKE_N_INVALID_SYNTAX);
		(void)cur_bytes(c, spi_len);
		if (!cur_ok(c))
			return (IKE_N_INVALID_SYNTAX);
		(void)rest_of(c);
		msg->n_notify_skipped++;
		return (0);
	}
	n = &msg->notify[msg->n_notify];
	n->protocol = cur_u8(c);
	spi_len = cur_u8(c);
	n->type = cur_be16(c);
	n->spi.len = spi_len;
	n->spi.ptr = cur_bytes(c, spi_len);
	if (!cur_ok(c))
		return (IKE_N_INVALID_SYNTAX);
	n->data = rest_of(c);
	msg->n_notify++;
	return (0);
}

/* Delete (3.11): Protocol ID, SPI Size, Num of SPIs, the SPIs, which
 * fill the body exactly. */
static int
decode_delete(struct cursor *c, struct chain *ch)
{
	struct ike_msg		*msg = ch->msg;
	struct ike_delete	*d;

	if (msg->n_del >= IKE_MSG_DELETE_MAX)
		return (IKE_N_INVALID_SYNTAX);
	d = &msg->del[msg->n_del];
	d->protocol = cur_u8(c);
	d->spi_len = cur_u8(c);
	d->n_spis = cur_be16(c);
	if (!cur_ok(c) ||
	    cur_left(c) != (size_t)d->spi_len * d->n_spis)
		return (IKE_N_INVALID_SYNTAX);
	d->spis = rest_of(c);
	msg->n_del++;
	return (0);
}

/* Vendor ID (3.12): counted, never interpreted. */
static int
decode_vendor(struct cursor *c, struct chain *ch)
{
	cur_skip(c, cur_left(c));
	ch->msg->n_vendor++;
	return (0);
}

/*
 *  |   TS Type     |IP Protocol ID*|       Selector Length         |
 *  |           Start Port*         |           End Port*           |
 *  ~                         Starting Address*                     ~
 *  ~                         Ending Address*                       ~
 *
 * One selector (3.13.1).  Types 7 and 8 have exact lengths; a selector
 * of another type is skipped (*out_used false).
 */
static int
decode_one_ts(struct cursor *c, struct ike_ts *ts, bool *out_used)
{
	struct cursor	 body;
	const uint8_t	*start, *end;
	uint16_t	 ts_len;
	size_t		 alen;

	memset(ts, 0, sizeof(*ts));
	ts->type = cur_u8(c);
	ts->ip_proto = cur_u8(c);
	ts_len = cur_be16(c);
	if (!cur_ok(c) || ts_len < 8 || ts_len - 4u > cur_left(c))
		return (IKE_N_INVALID_SYNTAX);
	cur_sub(c, ts_len - 4u, &body);
	*out_used = false;
	if (ts->type == IKE_TS_IPV4_ADDR_RANGE)
		alen = 4;
	else if (ts->type == IKE_TS_IPV6_ADDR_RANGE)
		alen = 16;
	else
		return (0);
	if (ts_len != (alen == 4 ? TS_V4_LEN : TS_V6_LEN))
		return (IKE_N_INVALID_SYNTAX);
	ts->start_port = cur_be16(&body);
	ts->end_port = cur_be16(&body);
	start = cur_bytes(&body, alen);
	end = cur_bytes(&body, alen);
	if (!cur_ok(&body))
		return (IKE_N_INVALID_SYNTAX);
	memcpy(ts->start, start, alen);
	memcpy(ts->end, end, alen);
	*out_used = true;
	return (0);
}

/* TSi/TSr (3.13): Number of TSs, RESERVED (3), the selectors, which
 * fill the body exactly. */
static int
decode_ts(struct cursor *c, struct ike_ts *out, size_t *n_out)
{
	struct ike_ts	ts;
	uint8_t		n_ts;
	bool		used;
	int		rc;

	if (*n_out > 0)
		return (IKE_N_INVALID_SYNTAX);
	n_ts = cur_u8(c);
	cur_skip(c, 3);
	if (!cur_ok(c) || n_ts == 0)
		return (IKE_N_INVALID_SYNTAX);
	for (unsigned i = 0; i < n_ts; i++) {
		if ((rc = decode_one_ts(c, &ts, &used)) != 0)
			return (rc);
		if (!used)
			continue;
		if (*n_out >= IKE_MSG_TS_MAX)
			return (IKE_N_INVALID_SYNTAX);
		out[(*n_out)++] = ts;
	}
	return (cur_left(c) != 0 ? IKE_N_INVALID_SYNTAX : 0);
}

static int
decode_tsi(struct cursor *c, struct chain *ch)
{
	return (decode_ts(c, ch->msg->tsi, &ch->msg->n_tsi));
}

static int
decode_tsr(struct cursor *c, struct chain *ch)
{
	return (decode_ts(c, ch->msg->tsr, &ch->msg->n_tsr));
}

/* CP (3.15) and EAP (3.16): recorded as present, not interpreted. */
static int
decode_skip(struct cursor *c, struct chain *ch)
{
	(void)ch;
	cur_skip(c, cur_left(c));
	return (0);
}

/* ------------------------------------------------------------------ */
/* The payload chain (3.2)                                             */
/* ------------------------------------------------------------------ */

typedef int (*payload_decoder)(struct cursor *, struct chain *);

/* Per known payload type: the smallest body and its decoder.  SK and
 * SKF, which end the chain, are handled by the walk itself. */
static const struct payload_rule {
	uint8_t		type;
	uint8_t		min_body;
	payload_decoder	decode;
} payload_rules[] = {
	{ IKE_PL_SA,		PROPOSAL_HDR_LEN,	decode_sa },
	{ IKE_PL_KE,		4,			decode_ke },
	{ IKE_PL_IDI,		4,			decode_idi },
	{ IKE_PL_IDR,		4,			decode_idr },
	{ IKE_PL_CERT,		1,			decode_cert },
	{ IKE_PL_CERTREQ,	1,			decode_certreq },
	{ IKE_PL_AUTH,		4,			decode_auth },
	{ IKE_PL_NONCE,		IKE_NONCE_MIN,		decode_nonce },
	{ IKE_PL_NOTIFY,	4,			decode_notify },
	{ IKE_PL_DELETE,	4,			decode_delete },
	{ IKE_PL_VENDOR,	0,			decode_vendor },
	{ IKE_PL_TSI,		4,			decode_tsi },
	{ IKE_PL_TSR,		4,			decode_tsr },
	{ IKE_PL_CP,		4,			decode_skip },
	{ IKE_PL_EAP,		4,			decode_skip },
};

static const struct payload_rule *
payload_rule_find(uint8_t type)
{
	for (size_t i = 0; i < sizeof(payload_rules) / sizeof(payload_rules[0]);
	    i++)
		if (payload_rules[i].type == type)
			return (&payload_rules[i]);
	return (NULL);
}

static void
mark_present(struct ike_msg *msg, uint8_t type)
{
	if (type >= IKE_PL_SA && type < IKE_PL_SA + 32)
		msg->present |= 1u << (type - IKE_PL_SA);
}

/*
 * SK (3.14) or SKF (RFC 7383 2.5): the last payload.  Its Next Payload
 * names the first inner payload; the body (IV, ciphertext, ICV) runs to
 * the end of the message.  Only the outer chain may hold one.
 *
 * SKF puts Fragment Number and Total Fragments before the IV; both
 * non-zero and number <= total (RFC 7383 2.6), else the message is
 * refused.  They are covered by the ICV, so they belong to the AAD.
 */
static int
decode_sk(struct cursor *c, struct chain *ch, uint8_t type, uint8_t next,
    size_t body_len)
{
	struct ike_msg	*msg = ch->msg;
	size_t		 body_off;
	const uint8_t	*body;

	if (type == IKE_PL_SKF) {
		if (body_len < 4)
			return (IKE_N_INVALID_SYNTAX);
		msg->frag_num = cur_be16(c);
		msg->frag_total = cur_be16(c);
		body_len -= 4;
		if (msg->frag_num == 0 || msg->frag_total == 0 ||
		    msg->frag_num > msg->frag_total)
			return (IKE_N_INVALID_SYNTAX);
	}
	body_off = cur_pos(c);
	body = cur_bytes(c, body_len);
	if (ch->inner || !cur_ok(c) || cur_left(c) != 0)
		return (IKE_N_INVALID_SYNTAX);
	mark_present(msg, type);
	msg->sk_first = next;
	msg->sk_aad_len = ch->msg_off + body_off;
	msg->sk_body.ptr = body;
	msg->sk_body.len = body_len;
	return (0);
}

/* One payload body against its rule. */
static int
decode_body(struct cursor *body, struct chain *ch, uint8_t type,
    bool critical, uint8_t *bad_type)
{
	const struct payload_rule	*rule = payload_rule_find(type);
	int				 rc;

	if (rule == NULL) {
		/* 2.5: unknown payloads are skipped unless critical. */
		if (critical) {
			*bad_type = type;
			return (IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD);
		}
		return (0);
	}
	if (cur_left(body) < rule->min_body)
		return (IKE_N_INVALID_SYNTAX);
	if ((rc = rule->decode(body, ch)) != 0)
		return (rc);
	if (!cur_ok(body) || cur_left(body) != 0)
		return (IKE_N_INVALID_SYNTAX);
	mark_present(ch->msg, type);
	return (0);
}

/*
 *  | Next Payload  |C|  RESERVED   |         Payload Length        |
 *
 * Walks a chain starting with `type` through all of *c.  Payload
 * Length >= 4 makes every step advance, so the walk ends; the count is
 * a second guard.  The chain must end exactly at the end of *c.
 */
static int
decode_chain(struct cursor *c, struct chain *ch, uint8_t type,
    uint8_t *bad_type)
{
	unsigned	n_payloads = 0;
	int		rc;

	while (type != IKE_PL_NONE) {
		struct cursor	body;
		uint8_t		next, flags;
		uint16_t	pl_len;

		if (++n_payloads > PAYLOADS_MAX)
			return (IKE_N_INVALID_SYNTAX);
		next = cur_u8(c);
		flags = cur_u8(c);
		pl_len = cur_be16(c);
		if (!cur_ok(c) || pl_len < GENERIC_HDR_LEN ||
		    pl_len - GENERIC_HDR_LEN > cur_left(c))
			return (IKE_N_INVALID_SYNTAX);
		if (type == IKE_PL_SK || type == IKE_PL_SKF)
			return (decode_sk(c, ch, type, next,
			    pl_len - GENERIC_HDR_LEN));
		cur_sub(c, pl_len - GENERIC_HDR_LEN, &body);
		rc = decode_body(&body, ch, type, (flags & IKE_PL_CRITICAL) != 0,
		    bad_type);
		if (rc != 0)
			return (rc);
		type = next;
	}
	return (cur_left(c) != 0 ? IKE_N_INVALID_SYNTAX : 0);
}

int
ike_msg_decode(const uint8_t *buf, size_t len, struct ike_msg *msg,
    uint8_t *bad_type)
{
	struct cursor	c;
	struct chain	ch = { msg, false, IKE_HDR_LEN };
	uint8_t		ignored;
	int		rc;

	memset(msg, 0, sizeof(*msg));
	if (bad_type == NULL)
		bad_type = &ignored;
	*bad_type = 0;
	if ((rc = ike_msg_decode_header(buf, len, &msg->hdr)) != 0)
		return (rc);
	cur_init(&c, buf + IKE_HDR_LEN, len - IKE_HDR_LEN);
	return (decode_chain(&c, &ch, msg->hdr.next, bad_type));
}

int
ike_msg_decode_inner(const uint8_t *buf, size_t len, uint8_t first,
    struct ike_msg *msg, uint8_t *bad_type)
{
	struct cursor	c;
	struct chain	ch = { msg, true, 0 };
	uint8_t		ignored;

	if (bad_type == NULL)
		bad_type = &ignored;
	*bad_type = 0;
	cur_init(&c, buf, len);
	return (decode_chain(&c, &ch, first, bad_type));
}

const struct ike_notify *
ike_msg_notify(const struct ike_msg *msg, uint16_t type)
{
	for (size_t i = 0; i < msg->n_notify; i++)
		if (msg->notify[i].type == type)
			return (&msg->notify[i]);
	return (NULL);
}

/* ------------------------------------------------------------------ */
/* The writer                                                          */
/* ------------------------------------------------------------------ */

static bool
w_room(struct ike_writer *w, size_t n)
{
	if (w->overflow || n > w->cap - w->len) {
		w->overflow = true;
		return (false);
	}
	return (true);
}

static void
put_u8(struct ike_writer *w, uint8_t v)
{
	if (w_room(w, 1))
		w->buf[w->len++] = v;
}

static void
put_be16(struct ike_writer *w, uint16_t v)
{
	put_u8(w, (uint8_t)(v >> 8));
	put_u8(w, (uint8_t)v);
}

static void
put_zero(struct ike_writer *w, size_t n)
{
	if (w_room(w, n)) {
		memset(w->buf + w->len, 0, n);
		w->len += n;
	}
}

static void
put_bytes(struct ike_writer *w, const uint8_t *p, size_t n)
{
	if (n == 0)
		return;
	if (p == NULL) {
		w->overflow = true;	/* a length without bytes: caller bug */
		return;
	}
	if (w_room(w, n)) {
		memcpy(w->buf + w->len, p, n);
		w->len += n;
	}
}

/* Stores at len_off the 16-bit length from start to the end. */
static void
patch_len16(struct ike_writer *w, size_t len_off, size_t start)
{
	size_t len = w->len - start;

	if (w->overflow)
		return;
	if (len > UINT16_MAX) {
		w->overflow = true;
		return;
	}
	w->buf[len_off] = (uint8_t)(len >> 8);
	w->buf[len_off + 1] = (uint8_t)len;
}

void
ike_hdr_encode(const struct ike_hdr *hdr, uint8_t *out)
{
	for (int i = 0; i < 8; i++) {
		out[i] = (uint8_t)(hdr->spi_i >> (56 - 8 * i));
		out[8 + i] = (uint8_t)(hdr->spi_r >> (56 - 8 * i));
	}
	out[16] = hdr->next;
	out[17] = hdr->version;
	out[18] = hdr->exchange;
	out[19] = hdr->flags;
	for (int i = 0; i < 4; i++) {
		out[20 + i] = (uint8_t)(hdr->msgid >> (24 - 8 * i));
		out[24 + i] = (uint8_t)(hdr->length >> (24 - 8 * i));
	}
}

void
ike_writer_init(struct ike_writer *w, uint8_t *buf, size_t cap,
    const struct ike_hdr *hdr)
{
	struct ike_hdr h = *hdr;

	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = buf != NULL ? cap : 0;
	w->has_hdr = true;
	w->next_off = HDR_NEXT_OFF;
	if (!w_room(w, IKE_HDR_LEN))
		return;
	h.next = IKE_PL_NONE;	/* set by the first payload */
	ike_hdr_encode(&h, w->buf);
	w->len = IKE_HDR_LEN;
}

void
ike_writer_init_inner(struct ike_writer *w, uint8_t *buf, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = buf != NULL ? cap : 0;
	w->next_off = NEXT_NONE;
}

/* Starts a payload: chains it to the previous Next Payload, writes a
 * generic header with length 0; returns its offset for pl_end(). */
static size_t
pl_begin(struct ike_writer *w, uint8_t type)
{
	size_t start = w->len;

	if (w->next_off == NEXT_CLOSED)
		w->overflow = true;	/* nothing may follow SK (3.14) */
	if (!w_room(w, GENERIC_HDR_LEN))
		return (start);
	if (w->next_off == NEXT_NONE)
		w->first = type;
	else
		w->buf[w->next_off] = type;
	if (w->first == IKE_PL_NONE)
		w->first = type;
	w->next_off = start;
	put_u8(w, IKE_PL_NONE);
	put_u8(w, 0);
	put_be16(w, 0);
	return (start);
}

static void
pl_end(struct ike_writer *w, size_t start)
{
	patch_len16(w, start + 2, start);
}

/* One transform (3.3.2), with a Key Length attribute when keybits. */
static void
put_xform(struct ike_writer *w, uint8_t type, const struct ike_xform *x,
    bool last)
{
	put_u8(w, last ? SUBSTRUCT_LAST : XFORM_MORE);
	put_u8(w, 0);
	put_be16(w, (uint16_t)(XFORM_HDR_LEN + (x->keybits != 0 ? 4 : 0)));
	put_u8(w, type);
	put_u8(w, 0);
	put_be16(w, x->id);
	if (x->keybits != 0) {
		put_be16(w, ATTR_FORMAT_TV | IKE_ATTR_KEY_LENGTH);
		put_be16(w, x->keybits);
	}
}

/* strongSwan's order of transform types, so that what we send looks
 * like what it sends (any order is valid, 3.3). */
static const uint8_t xform_order[] = {
	IKE_XF_ENCR, IKE_XF_INTEG, IKE_XF_PRF, IKE_XF_DH, IKE_XF_ESN,
};

static void
put_proposal(struct ike_writer *w, const struct ike_proposal *p,
    uint8_t num, bool last)
{
	size_t		start = w->len;
	unsigned	total = 0, written = 0;

	for (size_t t = 1; t < IKE_XF_TYPES; t++)
		total += p->n_xforms[t] <= IKE_XFORMS_MAX ? p->n_xforms[t] :
		    IKE_XFORMS_MAX;
	if (p->spi_len > sizeof(p->spi) || total > UINT8_MAX) {
		w->overflow = true;
		return;
	}
	put_u8(w, last ? SUBSTRUCT_LAST : PROPOSAL_MORE);
	put_u8(w, 0);
	put_be16(w, 0);
	put_u8(w, num);
	put_u8(w, p->protocol);
	put_u8(w, p->spi_len);
	put_u8(w, (uint8_t)total);
	put_bytes(w, p->spi, p->spi_len);
	for (size_t i = 0; i < sizeof(xform_order); i++) {
		uint8_t type = xform_order[i];

		for (size_t j = 0; j < p->n_xforms[type] &&
		    j < IKE_XFORMS_MAX; j++) {
			written++;
			put_xform(w, type, &p->xforms[type][j],
			    written == total);
		}
	}
	patch_len16(w, start + 2, start);
}

void
ike_msg_add_sa(struct ike_writer *w, const struct ike_proposal *props,
    size_t n)
{
	size_t start = pl_begin(w, IKE_PL_SA);

	if (n == 0 || n > IKE_PROPOSALS_MAX || props == NULL)
		w->overflow = true;
	for (size_t i = 0; i < n && !w->overflow; i++)
		put_proposal(w, &props[i], props[i].num != 0 ? props[i].num :
		    (uint8_t)(i + 1), i + 1 == n);
	pl_end(w, start);
}

void
ike_msg_add_ke(struct ike_writer *w, uint16_t group, const uint8_t *data,
    size_t len)
{
	size_t start = pl_begin(w, IKE_PL_KE);

	put_be16(w, group);
	put_be16(w, 0);
	put_bytes(w, data, len);
	pl_end(w, start);
}

void
ike_msg_add_nonce(struct ike_writer *w, const uint8_t *nonce, size_t len)
{
	size_t start = pl_begin(w, IKE_PL_NONCE);

	put_bytes(w, nonce, len);
	pl_end(w, start);
}

void
ike_msg_add_id(struct ike_writer *w, uint8_t payload_type,
    const struct ike_id *id)
{
	size_t start = pl_begin(w, payload_type);

	if (id->len > sizeof(id->data))
		w->overflow = true;
	put_u8(w, id->type);
	put_zero(w, 3);
	if (!w->overflow)
		put_bytes(w, id->data, id->len);
	pl_end(w, start);
}

/* Payloads made of one byte, three reserved bytes and data. */
static void
add_typed(struct ike_writer *w, uint8_t payload_type, uint8_t first,
    size_t reserved, const uint8_t *data, size_t len)
{
	size_t start = pl_begin(w, payload_type);

	put_u8(w, first);
	put_zero(w, reserved);
	put_bytes(w, data, len);
	pl_end(w, start);
}

void
ike_msg_add_auth(struct ike_writer *w, uint8_t method, const uint8_t *data,
    size_t len)
{
	add_typed(w, IKE_PL_AUTH, method, 3, data, len);
}

void
ike_msg_add_cert(struct ike_writer *w, uint8_t encoding,
    const uint8_t *data, size_t len)
{
	add_typed(w, IKE_PL_CERT, encoding, 0, data, len);
}

void
ike_msg_add_certreq(struct ike_writer *w, uint8_t encoding,
    const uint8_t *data, size_t len)
{
	add_typed(w, IKE_PL_CERTREQ, encoding, 0, data, len);
}

void
ike_msg_add_notify(struct ike_writer *w, uint8_t protocol, uint16_t type,
    const uint8_t *spi, size_t spi_len, const uint8_t *data, size_t data_len)
{
	size_t start = pl_begin(w, IKE_PL_NOTIFY);

	if (spi_len > UINT8_MAX)
		w->overflow = true;
	put_u8(w, protocol);
	put_u8(w, (uint8_t)spi_len);
	put_be16(w, type);
	put_bytes(w, spi, spi_len);
	put_bytes(w, data, data_len);
	pl_end(w, start);
}

void
ike_msg_add_delete(struct ike_writer *w, uint8_t protocol, uint8_t spi_len,
    const uint8_t *spis, uint16_t n_spis)
{
	size_t start = pl_begin(w, IKE_PL_DELETE);

	put_u8(w, protocol);
	put_u8(w, spi_len);
	put_be16(w, n_spis);
	put_bytes(w, spis, (size_t)spi_len * n_spis);
	pl_end(w, start);
}

void
ike_msg_add_ts(struct ike_writer *w, uint8_t payload_type,
    const struct ike_ts *ts, size_t n)
{
	size_t start = pl_begin(w, payload_type);

	if (n == 0 || n > UINT8_MAX || ts == NULL)
		w->overflow = true;
	put_u8(w, (uint8_t)n);
	put_zero(w, 3);
	for (size_t i = 0; i < n && !w->overflow; i++) {
		size_t alen;

		if (ts[i].type == IKE_TS_IPV4_ADDR_RANGE)
			alen = 4;
		else if (ts[i].type == IKE_TS_IPV6_ADDR_RANGE)
			alen = 16;
		else {
			w->overflow = true;
			break;
		}
		put_u8(w, ts[i].type);
		put_u8(w, ts[i].ip_proto);
		put_be16(w, alen == 4 ? TS_V4_LEN : TS_V6_LEN);
		put_be16(w, ts[i].start_port);
		put_be16(w, ts[i].end_port);
		put_bytes(w, ts[i].start, alen);
		put_bytes(w, ts[i].end, alen);
	}
	pl_end(w, start);
}

void
ike_msg_add_vendor(struct ike_writer *w, const uint8_t *vid, size_t len)
{
	size_t start = pl_begin(w, IKE_PL_VENDOR);

	put_bytes(w, vid, len);
	pl_end(w, start);
}

size_t
ike_msg_add_sk_header(struct ike_writer *w, uint8_t first, size_t body_len)
{
	size_t start = pl_begin(w, IKE_PL_SK);

	if (!w->overflow) {
		w->buf[start] = first;	/* 3.14: Next Payload = first inner */
		if (body_len > UINT16_MAX - GENERIC_HDR_LEN ||
		    body_len > w->cap - w->len)
			w->overflow = true;
		else {
			w->buf[start + 2] =
			    (uint8_t)((GENERIC_HDR_LEN + body_len) >> 8);
			w->buf[start + 3] = (uint8_t)(GENERIC_HDR_LEN + body_len);
		}
	}
	w->next_off = NEXT_CLOSED;
	return (w->len);
}

size_t
ike_msg_add_skf_header(struct ike_writer *w, uint8_t first, uint16_t num,
    uint16_t total, size_t body_len)
{
	size_t start = pl_begin(w, IKE_PL_SKF);

	put_be16(w, num);
	put_be16(w, total);
	if (!w->overflow) {
		/* RFC 7383 2.5: Next Payload only in the first fragment. */
		w->buf[start] = num == 1 ? first : IKE_PL_NONE;
		if (body_len > UINT16_MAX - GENERIC_HDR_LEN - 4 ||
		    body_len > w->cap - w->len)
			w->overflow = true;
		else {
			w->buf[start + 2] =
			    (uint8_t)((GENERIC_HDR_LEN + 4 + body_len) >> 8);
			w->buf[start + 3] =
			    (uint8_t)(GENERIC_HDR_LEN + 4 + body_len);
		}
	}
	w->next_off = NEXT_CLOSED;
	return (w->len);
}

void
ike_writer_advance(struct ike_writer *w, size_t n)
{
	if (w_room(w, n))
		w->len += n;
}

int
ike_msg_finish(struct ike_writer *w, size_t *len)
{
	if (w->overflow)
		return (-1);
	if (w->has_hdr) {
		if (w->len > UINT32_MAX)
			return (-1);
		for (int i = 0; i < 4; i++)
			w->buf[HDR_LENGTH_OFF + i] =
			    (uint8_t)(w->len >> (24 - 8 * i));
	}
	if (len != NULL)
		*len = w->len;
	return (0);
}
