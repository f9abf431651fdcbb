/*
 * test_ike_msg.c - the IKEv2 message codec (RFC 7296 section 3): real
 * strongSwan 5.9.8 and Wireshark-sample messages decoded field by field,
 * every length field broken in turn, the payload limits, the writer
 * (chaining, sticky overflow, SK header) and round trips, including a
 * re-encoded strongSwan IKE_SA_INIT compared byte for byte.  The
 * IKE_AUTH and CREATE_CHILD_SA messages of the crypto vectors
 * (data/ike_vectors.h, real strongSwan runs with their keys) are opened
 * here with OpenSSL directly, so the inner chains decoded are strongSwan's
 * own, and their proposals are checked against ike_proposal_parse() of
 * the strings strongSwan was configured with.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "unit.h"
#include "ike/ike_msg.h"
#include "ike/ike_proposal.h"
#include "data/ike_msg_frames.h"
#include "data/ike_vectors.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define SYNTAX		IKE_N_INVALID_SYNTAX
#define CRITICAL	IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD
#define MAJOR		IKE_N_INVALID_MAJOR_VERSION

static const struct frame {
	const char	*name;
	const uint8_t	*bytes;
	size_t		 len;
} frames[] = {
#define FRAME(n)	{ #n, n, sizeof(n) }
	FRAME(ss_init_req), FRAME(ss_init_resp), FRAME(ss_auth_req),
	FRAME(ss_auth_resp), FRAME(ss_ccsa_req), FRAME(ss_info_req),
	FRAME(ws_gcm_init_req), FRAME(ws_gcm_init_resp),
	FRAME(ws_gcm_auth_req),
#undef FRAME
};

/* Decodes a copy of exactly len bytes, so ASan sees any over-read. */
static int
decode_copy(const uint8_t *bytes, size_t len, struct ike_msg *msg,
    uint8_t *bad_type)
{
	uint8_t	*copy = malloc(len > 0 ? len : 1);
	int	 rc;

	ck_assert_ptr_nonnull(copy);
	if (len > 0)
		memcpy(copy, bytes, len);
	rc = ike_msg_decode(copy, len, msg, bad_type);
	/* the views must not outlive the copy in these tests */
	free(copy);
	return (rc);
}

/* ------------------------------------------------------------------ */
/* Real messages                                                       */
/* ------------------------------------------------------------------ */

#define MAXN	8
static const struct real_row {
	const char	*name;
	const uint8_t	*bytes;
	size_t		 len;
	uint8_t		 exchange, flags;
	uint32_t	 msgid;
	/* SA: one IKE proposal */
	size_t		 n_sa;
	uint16_t	 encr, keybits, integ, prf, dh;
	uint16_t	 ke_group;
	size_t		 ke_len, nonce_len;
	uint16_t	 notify[MAXN];	/* in order, 0-terminated */
	/* SK */
	uint8_t		 sk_first;
	size_t		 sk_aad_len;
} real_rows[] = {
	{ "strongswan IKE_SA_INIT request", ss_init_req, sizeof(ss_init_req),
	    IKE_X_SA_INIT, IKE_FLAG_INITIATOR, 0,
	    1, IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128,
	    IKE_PRF_HMAC_SHA2_256, IKE_DH_MODP2048, IKE_DH_MODP2048, 256, 32,
	    { IKE_N_NAT_DETECTION_SOURCE_IP, IKE_N_NAT_DETECTION_DESTINATION_IP,
	      IKE_N_IKEV2_FRAGMENTATION_SUPPORTED,
	      IKE_N_SIGNATURE_HASH_ALGORITHMS, 16406 /* REDIRECT_SUPPORTED */ },
	    0, 0 },
	{ "strongswan IKE_SA_INIT response", ss_init_resp, sizeof(ss_init_resp),
	    IKE_X_SA_INIT, IKE_FLAG_RESPONSE, 0,
	    1, IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128,
	    IKE_PRF_HMAC_SHA2_256, IKE_DH_MODP2048, IKE_DH_MODP2048, 256, 32,
	    { IKE_N_NAT_DETECTION_SOURCE_IP, IKE_N_NAT_DETECTION_DESTINATION_IP,
	      IKE_N_IKEV2_FRAGMENTATION_SUPPORTED,
	      IKE_N_SIGNATURE_HASH_ALGORITHMS,
	      16418 /* CHILDLESS_IKEV2_SUPPORTED */,
	      16404 /* MULTIPLE_AUTH_SUPPORTED */ },
	    0, 0 },
	{ "strongswan IKE_AUTH request", ss_auth_req, sizeof(ss_auth_req),
	    IKE_X_AUTH, IKE_FLAG_INITIATOR, 1,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, { 0 }, IKE_PL_IDI, 32 },
	{ "strongswan IKE_AUTH response", ss_auth_resp, sizeof(ss_auth_resp),
	    IKE_X_AUTH, IKE_FLAG_RESPONSE, 1,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, { 0 }, IKE_PL_IDR, 32 },
	{ "strongswan CREATE_CHILD_SA request", ss_ccsa_req,
	    sizeof(ss_ccsa_req), IKE_X_CREATE_CHILD_SA, IKE_FLAG_INITIATOR, 2,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, { 0 }, IKE_PL_NOTIFY, 32 },
	{ "strongswan INFORMATIONAL request", ss_info_req, sizeof(ss_info_req),
	    IKE_X_INFORMATIONAL, IKE_FLAG_INITIATOR, 3,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, { 0 }, IKE_PL_DELETE, 32 },
	{ "wireshark aes256gcm16 IKE_SA_INIT request", ws_gcm_init_req,
	    sizeof(ws_gcm_init_req), IKE_X_SA_INIT, IKE_FLAG_INITIATOR, 0,
	    1, IKE_ENCR_AES_GCM_16, 256, 0, IKE_PRF_HMAC_SHA2_256,
	    IKE_DH_ECP256, IKE_DH_ECP256, 64, 32,
	    { IKE_N_NAT_DETECTION_SOURCE_IP, IKE_N_NAT_DETECTION_DESTINATION_IP,
	      IKE_N_SIGNATURE_HASH_ALGORITHMS },
	    0, 0 },
};

START_TEST(test_real)
{
	const struct real_row	*row = &real_rows[_i];
	struct ike_msg		 msg;
	const struct ike_proposal *p;
	uint8_t			 bad = 0xff;
	size_t			 n_want = 0;

	ck_assert_int_eq(ike_msg_decode(row->bytes, row->len, &msg, &bad), 0);
	ck_assert_uint_eq(bad, 0);
	ck_assert_uint_eq(msg.hdr.version, IKE_VERSION);
	ck_assert_uint_eq(msg.hdr.exchange, row->exchange);
	ck_assert_uint_eq(msg.hdr.flags, row->flags);
	ck_assert_uint_eq(msg.hdr.msgid, row->msgid);
	ck_assert_uint_eq(msg.hdr.length, row->len);
	ck_assert_uint_ne(msg.hdr.spi_i, 0);
	ck_assert(row->flags == IKE_FLAG_INITIATOR && row->exchange ==
	    IKE_X_SA_INIT ? msg.hdr.spi_r == 0 : msg.hdr.spi_r != 0);

	ck_assert_uint_eq(msg.n_sa, row->n_sa);
	ck_assert(ike_msg_has(&msg, IKE_PL_SA) == (row->n_sa > 0));
	p = &msg.sa[0];
	if (row->n_sa > 0) {
		ck_assert_uint_eq(p->num, 1);
		ck_assert_uint_eq(p->protocol, IKE_PROTO_IKE);
		ck_assert_uint_eq(p->spi_len, 0);
		ck_assert_uint_eq(p->n_xforms[IKE_XF_ENCR], 1);
		ck_assert_uint_eq(p->xforms[IKE_XF_ENCR][0].id, row->encr);
		ck_assert_uint_eq(p->xforms[IKE_XF_ENCR][0].keybits,
		    row->keybits);
		ck_assert_uint_eq(p->n_xforms[IKE_XF_INTEG], row->integ ? 1 : 0);
		ck_assert_uint_eq(p->xforms[IKE_XF_INTEG][0].id, row->integ);
		ck_assert_uint_eq(p->n_xforms[IKE_XF_PRF], 1);
		ck_assert_uint_eq(p->xforms[IKE_XF_PRF][0].id, row->prf);
		ck_assert_uint_eq(p->n_xforms[IKE_XF_DH], 1);
		ck_assert_uint_eq(p->xforms[IKE_XF_DH][0].id, row->dh);
		ck_assert_uint_eq(p->n_xforms[IKE_XF_ESN], 0);
	}
	ck_assert_uint_eq(msg.ke_group, row->ke_group);
	ck_assert_uint_eq(msg.ke.len, row->ke_len);
	ck_assert_uint_eq(msg.nonce.len, row->nonce_len);
	while (n_want < MAXN && row->notify[n_want] != 0)
		n_want++;
	ck_assert_uint_eq(msg.n_notify, n_want);
	for (size_t i = 0; i < n_want; i++) {
		ck_assert_uint_eq(msg.notify[i].type, row->notify[i]);
		ck_assert_uint_eq(msg.notify[i].spi.len, 0);
	}
	if (n_want > 0) {
		/* NAT detection data is a SHA-1 hash (2.23) */
		const struct ike_notify *n = ike_msg_notify(&msg,
		    IKE_N_NAT_DETECTION_DESTINATION_IP);

		ck_assert_ptr_nonnull(n);
		ck_assert_uint_eq(n->data.len, 20);
		ck_assert_ptr_eq(n, &msg.notify[1]);
		ck_assert_ptr_null(ike_msg_notify(&msg, IKE_N_COOKIE));
	}
	ck_assert(ike_msg_has(&msg, IKE_PL_SK) == (row->sk_first != 0));
	ck_assert_uint_eq(msg.sk_first, row->sk_first);
	ck_assert_uint_eq(msg.sk_aad_len, row->sk_aad_len);
	if (row->sk_first != 0) {
		ck_assert_ptr_eq(msg.sk_body.ptr, row->bytes + row->sk_aad_len);
		ck_assert_uint_eq(msg.sk_body.len, row->len - row->sk_aad_len);
		ck_assert_uint_eq(msg.present, 1u << (IKE_PL_SK - IKE_PL_SA));
	}
	/* the header alone agrees */
	{
		struct ike_hdr hdr;

		ck_assert_int_eq(ike_msg_decode_header(row->bytes, row->len,
		    &hdr), 0);
		ck_assert_mem_eq(&hdr, &msg.hdr, sizeof(hdr));
	}
}
END_TEST

/* Every message of the table decodes and keeps the pointers inside. */
START_TEST(test_frames_all_decode)
{
	for (size_t i = 0; i < NELEM(frames); i++) {
		struct ike_msg msg;

		ck_assert_msg(ike_msg_decode(frames[i].bytes, frames[i].len,
		    &msg, NULL) == 0, "%s", frames[i].name);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* Malformed: one field of a real IKE_SA_INIT broken at a time          */
/* ------------------------------------------------------------------ */

/*
 * Offsets in ss_init_req (464 bytes): header 0..27; SA at 28 (length
 * 48); its proposal at 32 (length 44, num 36, protocol 37, SPI size 38,
 * # transforms 39); transforms at 40 (ENCR, length 12, Key Length
 * attribute at 48), 52 (INTEG), 60 (PRF), 68 (DH, last); KE at 76
 * (length 264); Nonce at 340 (length 36); notifies at 376 (28), 404
 * (28), 432 (8), 440 (16), 456 (8, last).
 */
enum op {
	SET8,		/* bytes[off] = val */
	SET16,		/* big-endian at off */
	SET32,
	CUT,		/* keep off bytes, header Length as is */
	CUT_FIX,	/* keep off bytes, header Length = off */
	ADD_FIX,	/* append val zero bytes, header Length fixed */
	ADD_UNKNOWN,	/* last payload chains to type 99, flags val */
	DUP_SA,		/* last payload chains to a copy of the SA */
};

static const struct bad_row {
	const char	*name;
	enum op		 op;
	size_t		 off;
	uint32_t	 val;
	int		 want;
	uint8_t		 want_bad;
} bad_rows[] = {
	{ "unchanged", SET8, 0, 0x16 /* spi byte */, 0, 0 },
	{ "message length too large", SET32, 24, 465, SYNTAX, 0 },
	{ "message length too small", SET32, 24, 463, SYNTAX, 0 },
	{ "message length 0", SET32, 24, 0, SYNTAX, 0 },
	{ "message length huge", SET32, 24, 0xffffffff, SYNTAX, 0 },
	{ "shorter than a header", CUT, 27, 0, SYNTAX, 0 },
	{ "empty", CUT, 0, 0, SYNTAX, 0 },
	{ "header only, chain past end", CUT_FIX, 28, 0, SYNTAX, 0 },
	{ "version 3.0", SET8, 17, 0x30, MAJOR, 0 },
	{ "version 1.0", SET8, 17, 0x10, MAJOR, 0 },
	{ "version 2.1 (minor ignored)", SET8, 17, 0x21, 0, 0 },
	{ "SA payload length too large", SET16, 30, 49, SYNTAX, 0 },
	{ "SA payload length 0xffff", SET16, 30, 0xffff, SYNTAX, 0 },
	{ "SA payload length too small", SET16, 30, 47, SYNTAX, 0 },
	{ "SA payload length 3", SET16, 30, 3, SYNTAX, 0 },
	{ "SA payload length 4 (empty SA)", SET16, 30, 4, SYNTAX, 0 },
	{ "proposal length past SA", SET16, 34, 45, SYNTAX, 0 },
	{ "proposal length too small", SET16, 34, 43, SYNTAX, 0 },
	{ "proposal length below header", SET16, 34, 7, SYNTAX, 0 },
	{ "proposal says more, none follow", SET8, 32, 2, SYNTAX, 0 },
	{ "proposal last byte invalid", SET8, 32, 1, SYNTAX, 0 },
	{ "proposal num 2 first in a request", SET8, 36, 2, SYNTAX, 0 },
	{ "proposal num 0", SET8, 36, 0, SYNTAX, 0 },
	{ "SPI size 9", SET8, 38, 9, SYNTAX, 0 },
	{ "SPI size 4 eats a transform", SET8, 38, 4, SYNTAX, 0 },
	{ "# transforms 5", SET8, 39, 5, SYNTAX, 0 },
	{ "# transforms 3", SET8, 39, 3, SYNTAX, 0 },
	{ "# transforms 0", SET8, 39, 0, SYNTAX, 0 },
	{ "transform length past proposal", SET16, 42, 0xffff, SYNTAX, 0 },
	{ "transform length too small", SET16, 42, 11, SYNTAX, 0 },
	{ "transform length below header", SET16, 42, 7, SYNTAX, 0 },
	{ "transform length too large", SET16, 42, 13, SYNTAX, 0 },
	{ "last transform says more", SET8, 68, 3, SYNTAX, 0 },
	{ "first transform says last", SET8, 40, 0, SYNTAX, 0 },
	{ "transform last byte invalid", SET8, 40, 2, SYNTAX, 0 },
	{ "attribute TLV length past transform", SET16, 48, 0x000e, SYNTAX,
	    0 },
	{ "KE payload length too large", SET16, 78, 0xffff, SYNTAX, 0 },
	{ "KE payload length too small", SET16, 78, 263, SYNTAX, 0 },
	{ "KE payload length 3", SET16, 78, 3, SYNTAX, 0 },
	{ "KE without data", SET16, 78, 8, SYNTAX, 0 },
	{ "nonce 15 bytes (chain broken)", SET16, 342, 19, SYNTAX, 0 },
	{ "notify length past end", SET16, 458, 9, SYNTAX, 0 },
	{ "notify length below fixed part", SET16, 434, 7, SYNTAX, 0 },
	{ "notify SPI size past payload", SET8, 437, 5, SYNTAX, 0 },
	{ "last payload chains on", SET8, 456, IKE_PL_NOTIFY, SYNTAX, 0 },
	{ "chain cut inside notifies", CUT_FIX, 440, 0, SYNTAX, 0 },
	{ "chain cut inside KE", CUT_FIX, 100, 0, SYNTAX, 0 },
	{ "chain cut after a generic header", CUT_FIX, 80, 0, SYNTAX, 0 },
	{ "trailing bytes after the chain", ADD_FIX, 0, 4, SYNTAX, 0 },
	{ "unknown critical payload", ADD_UNKNOWN, 0, IKE_PL_CRITICAL,
	    CRITICAL, 99 },
	{ "unknown payload skipped", ADD_UNKNOWN, 0, 0, 0, 0 },
	{ "critical bit on a known payload", SET8, 29, IKE_PL_CRITICAL, 0,
	    0 },
	{ "second SA payload", DUP_SA, 0, 0, SYNTAX, 0 },
};

static size_t
apply(const struct bad_row *row, uint8_t *buf, size_t len)
{
	switch (row->op) {
	case SET8:
		buf[row->off] = (uint8_t)row->val;
		return (len);
	case SET16:
		buf[row->off] = (uint8_t)(row->val >> 8);
		buf[row->off + 1] = (uint8_t)row->val;
		return (len);
	case SET32:
		for (int i = 0; i < 4; i++)
			buf[row->off + i] = (uint8_t)(row->val >> (24 - 8 * i));
		return (len);
	case CUT:
		return (row->off);
	case CUT_FIX:
		len = row->off;
		break;
	case ADD_FIX:
		memset(buf + len, 0, row->val);
		len += row->val;
		break;
	case ADD_UNKNOWN:
		buf[456] = 99;	/* last notify's Next Payload */
		buf[len] = IKE_PL_NONE;
		buf[len + 1] = (uint8_t)row->val;
		buf[len + 2] = 0;
		buf[len + 3] = 8;
		memset(buf + len + 4, 0xee, 4);
		len += 8;
		break;
	case DUP_SA:
		buf[456] = IKE_PL_SA;
		memcpy(buf + len, ss_init_req + 28, 48);
		buf[len] = IKE_PL_NONE;
		len += 48;
		break;
	}
	buf[24] = (uint8_t)(len >> 24);
	buf[25] = (uint8_t)(len >> 16);
	buf[26] = (uint8_t)(len >> 8);
	buf[27] = (uint8_t)len;
	return (len);
}

START_TEST(test_bad)
{
	const struct bad_row	*row = &bad_rows[_i];
	uint8_t			 buf[sizeof(ss_init_req) + 64];
	struct ike_msg		 msg;
	uint8_t			 bad = 0xff;
	size_t			 len;

	ck_assert_uint_eq(sizeof(ss_init_req), 464);
	memcpy(buf, ss_init_req, sizeof(ss_init_req));
	len = apply(row, buf, sizeof(ss_init_req));
	ck_assert_int_eq(decode_copy(buf, len, &msg, &bad), row->want);
	ck_assert_uint_eq(bad, row->want_bad);
	if (row->want == 0)
		ck_assert_uint_eq(msg.n_notify, 5);
}
END_TEST

/* The SK payload must be the last one (3.14). */
START_TEST(test_sk_not_last)
{
	uint8_t		buf[sizeof(ss_auth_req) + 8];
	size_t		len = sizeof(ss_auth_req);
	struct ike_msg	msg;

	memcpy(buf, ss_auth_req, len);
	ck_assert_int_eq(decode_copy(buf, len, &msg, NULL), 0);
	/* a payload after SK: SK shorter, a Vendor ID after it */
	buf[30] = (uint8_t)((len - 28 - 8) >> 8);
	buf[31] = (uint8_t)(len - 28 - 8);
	memcpy(buf + len - 8, (const uint8_t[]){ 0, 0, 0, 8, 1, 2, 3, 4 }, 8);
	ck_assert_int_eq(decode_copy(buf, len, &msg, NULL), SYNTAX);
	/* SK length short of the end */
	memcpy(buf, ss_auth_req, len);
	buf[31]--;
	ck_assert_int_eq(decode_copy(buf, len, &msg, NULL), SYNTAX);
	/* SK length past the end */
	buf[31] += 2;
	ck_assert_int_eq(decode_copy(buf, len, &msg, NULL), SYNTAX);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Writer                                                              */
/* ------------------------------------------------------------------ */

static const struct ike_hdr test_hdr = {
	.spi_i = 0x0102030405060708ULL, .spi_r = 0,
	.version = IKE_VERSION, .exchange = IKE_X_SA_INIT,
	.flags = IKE_FLAG_INITIATOR, .msgid = 0,
};

static uint8_t fill[512];

static void
fill_init(void)
{
	for (size_t i = 0; i < sizeof(fill); i++)
		fill[i] = (uint8_t)(i * 7 + 1);
}

/* An IKE_SA_INIT with a given number of notifies / vendor IDs and a
 * nonce of nonce_len. */
static size_t
build_init(uint8_t *buf, size_t cap, size_t n_notify, size_t n_vendor,
    size_t nonce_len)
{
	struct ike_writer	w;
	struct ike_proposal	p = { .num = 1, .protocol = IKE_PROTO_IKE };
	size_t			len = 0;

	p.n_xforms[IKE_XF_ENCR] = 1;
	p.xforms[IKE_XF_ENCR][0] = (struct ike_xform){ IKE_ENCR_AES_GCM_16,
	    256 };
	p.n_xforms[IKE_XF_PRF] = 1;
	p.xforms[IKE_XF_PRF][0].id = IKE_PRF_HMAC_SHA2_256;
	p.n_xforms[IKE_XF_DH] = 1;
	p.xforms[IKE_XF_DH][0].id = IKE_DH_ECP256;
	fill_init();
	ike_writer_init(&w, buf, cap, &test_hdr);
	ike_msg_add_sa(&w, &p, 1);
	ike_msg_add_ke(&w, IKE_DH_ECP256, fill, 64);
	ike_msg_add_nonce(&w, fill, nonce_len);
	for (size_t i = 0; i < n_notify; i++)
		ike_msg_add_notify(&w, 0, (uint16_t)(16384 + i), NULL, 0, fill,
		    i);
	for (size_t i = 0; i < n_vendor; i++)
		ike_msg_add_vendor(&w, fill, 16);
	ck_assert_int_eq(ike_msg_finish(&w, &len), 0);
	return (len);
}

static const struct limit_row {
	const char	*name;
	size_t		 n_notify, n_vendor, nonce_len;
	int		 want;
} limit_rows[] = {
	{ "32 notifies", IKE_MSG_NOTIFY_MAX, 0, 32, 0 },
	{ "40 status notifies: 8 skipped", IKE_MSG_NOTIFY_MAX + 8, 0, 32, 0 },
	{ "40 vendor IDs counted", 0, 40, 32, 0 },
	{ "200 payloads (loop guard)", 0, 200, 32, SYNTAX },
	{ "nonce 16", 0, 0, IKE_NONCE_MIN, 0 },
	{ "nonce 15", 0, 0, IKE_NONCE_MIN - 1, SYNTAX },
	{ "nonce 256", 0, 0, IKE_NONCE_MAX, 0 },
	{ "nonce 257", 0, 0, IKE_NONCE_MAX + 1, SYNTAX },
};

START_TEST(test_limits)
{
	const struct limit_row	*row = &limit_rows[_i];
	uint8_t			 buf[IKE_MSG_MAX];
	struct ike_msg		 msg;
	size_t			 len;

	len = build_init(buf, sizeof(buf), row->n_notify, row->n_vendor,
	    row->nonce_len);
	ck_assert_int_eq(decode_copy(buf, len, &msg, NULL), row->want);
	if (row->want == 0 && row->n_notify > IKE_MSG_NOTIFY_MAX) {
		ck_assert_uint_eq(msg.n_notify, IKE_MSG_NOTIFY_MAX);
		ck_assert_uint_eq(msg.n_notify_skipped,
		    row->n_notify - IKE_MSG_NOTIFY_MAX);
		ck_assert_ptr_nonnull(ike_msg_notify(&msg, 16384));
	} else if (row->want == 0) {
		ck_assert_uint_eq(msg.n_notify, row->n_notify);
		ck_assert_uint_eq(msg.n_vendor, row->n_vendor);
		ck_assert_uint_eq(msg.nonce.len, row->nonce_len);
		for (size_t i = 0; i < row->n_notify; i++) {
			ck_assert_uint_eq(msg.notify[i].type, 16384 + i);
			ck_assert_uint_eq(msg.notify[i].data.len, i);
		}
	}
}
END_TEST

/* An error notify beyond IKE_MSG_NOTIFY_MAX is not skipped: the
 * message is refused rather than read without it. */
START_TEST(test_notify_error_over_max)
{
	static uint8_t buf[IKE_MSG_MAX], data8[8];
	struct ike_writer w;
	struct ike_msg msg;
	struct ike_hdr h;
	size_t i, len;

	memset(&h, 0, sizeof(h));
	h.spi_i = 1;
	h.version = IKE_VERSION;
	h.exchange = IKE_X_SA_INIT;
	h.flags = IKE_FLAG_RESPONSE;
	ike_writer_init(&w, buf, sizeof(buf), &h);
	for (i = 0; i < IKE_MSG_NOTIFY_MAX; i++)
		ike_msg_add_notify(&w, 0, IKE_N_ADDITIONAL_TS_POSSIBLE, NULL, 0,
		    data8, sizeof(data8));
	ike_msg_add_notify(&w, 0, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0, NULL, 0);
	ck_assert_int_eq(ike_msg_finish(&w, &len), 0);
	ck_assert_int_eq(decode_copy(buf, len, &msg, NULL), SYNTAX);
}
END_TEST

/* Decoded from our own bytes: every field as written. */
START_TEST(test_roundtrip_init)
{
	uint8_t		 buf[1024];
	struct ike_msg	 msg;
	size_t		 len = build_init(buf, sizeof(buf), 2, 1, 32);
	const struct ike_proposal *p = &msg.sa[0];

	ck_assert_int_eq(ike_msg_decode(buf, len, &msg, NULL), 0);
	ck_assert_uint_eq(msg.hdr.spi_i, test_hdr.spi_i);
	ck_assert_uint_eq(msg.hdr.next, IKE_PL_SA);
	ck_assert_uint_eq(msg.hdr.length, len);
	ck_assert_uint_eq(msg.n_sa, 1);
	ck_assert_uint_eq(p->xforms[IKE_XF_ENCR][0].id, IKE_ENCR_AES_GCM_16);
	ck_assert_uint_eq(p->xforms[IKE_XF_ENCR][0].keybits, 256);
	ck_assert_uint_eq(p->n_xforms[IKE_XF_INTEG], 0);
	ck_assert_uint_eq(msg.ke_group, IKE_DH_ECP256);
	ck_assert_mem_eq(msg.ke.ptr, fill, 64);
	ck_assert_mem_eq(msg.nonce.ptr, fill, 32);
	ck_assert_uint_eq(msg.n_notify, 2);
	ck_assert_uint_eq(msg.n_vendor, 1);
	ck_assert_uint_eq(msg.present, 1u << 0 | 1u << 1 | 1u << 7 |
	    1u << 8 | 1u << 10);
}
END_TEST

/* Several proposals (ESP, with SPIs), numbered 1, 2, 3. */
static void
esp_props(struct ike_proposal *p, size_t n)
{
	memset(p, 0, n * sizeof(*p));
	for (size_t i = 0; i < n; i++) {
		p[i].num = (uint8_t)(i + 1);
		p[i].protocol = IKE_PROTO_ESP;
		p[i].spi_len = 4;
		memcpy(p[i].spi, (const uint8_t[]){ 0xc0, 0, 0, (uint8_t)i },
		    4);
		p[i].n_xforms[IKE_XF_ENCR] = 2;
		p[i].xforms[IKE_XF_ENCR][0].id = IKE_ENCR_NULL;
		p[i].xforms[IKE_XF_ENCR][1] = (struct ike_xform){
		    IKE_ENCR_AES_CBC, 128 };
		p[i].n_xforms[IKE_XF_INTEG] = 1;
		p[i].xforms[IKE_XF_INTEG][0].id = (uint16_t)(12 + i);
		p[i].n_xforms[IKE_XF_ESN] = 2;
		p[i].xforms[IKE_XF_ESN][0].id = IKE_ESN_NO;
		p[i].xforms[IKE_XF_ESN][1].id = IKE_ESN_YES;
	}
	p[n - 1].n_xforms[IKE_XF_DH] = 1;
	p[n - 1].xforms[IKE_XF_DH][0].id = IKE_DH_CURVE25519;
}

/* Field by field: the struct has padding. */
static void
prop_check(const struct ike_proposal *got, const struct ike_proposal *want)
{
	ck_assert_uint_eq(got->num, want->num);
	ck_assert_uint_eq(got->protocol, want->protocol);
	ck_assert_uint_eq(got->spi_len, want->spi_len);
	ck_assert_mem_eq(got->spi, want->spi, want->spi_len);
	for (int t = 1; t < IKE_XF_TYPES; t++) {
		ck_assert_uint_eq(got->n_xforms[t], want->n_xforms[t]);
		for (int i = 0; i < want->n_xforms[t]; i++) {
			ck_assert_uint_eq(got->xforms[t][i].id,
			    want->xforms[t][i].id);
			ck_assert_uint_eq(got->xforms[t][i].keybits,
			    want->xforms[t][i].keybits);
		}
	}
}

/* An IKE_AUTH inner chain and the SK envelope around it. */
START_TEST(test_roundtrip_inner_and_sk)
{
	uint8_t			 inner[2048], outer[2048];
	struct ike_writer	 w;
	struct ike_proposal	 props[3];
	struct ike_id		 id = { IKE_ID_FQDN, 11, "moon.strong" };
	struct ike_ts		 ts[2] = {
		{ IKE_TS_IPV4_ADDR_RANGE, 0, 0, 65535, { 10, 1, 0, 0 },
		  { 10, 1, 255, 255 } },
		{ IKE_TS_IPV6_ADDR_RANGE, 6, 443, 443, { 0x20, 0x01, 0x0d, 0xb8 },
		  { 0x20, 0x01, 0x0d, 0xb8, [15] = 0xff } },
	};
	const uint8_t		 spis[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct ike_hdr		 hdr = test_hdr;
	struct ike_msg		 msg;
	size_t			 inner_len, outer_len, aad;
	uint8_t			 inner_first;

	fill_init();
	esp_props(props, 3);
	ike_writer_init_inner(&w, inner, sizeof(inner));
	ike_msg_add_id(&w, IKE_PL_IDI, &id);
	ike_msg_add_cert(&w, IKE_CERT_X509_SIG, fill, 300);
	ike_msg_add_certreq(&w, IKE_CERT_X509_SIG, fill, 40);
	ike_msg_add_auth(&w, IKE_AUTH_PSK, fill, 32);
	ike_msg_add_notify(&w, IKE_PROTO_ESP, IKE_N_USE_TRANSPORT_MODE, spis,
	    4, NULL, 0);
	ike_msg_add_sa(&w, props, 3);
	ike_msg_add_ts(&w, IKE_PL_TSI, ts, 2);
	ike_msg_add_ts(&w, IKE_PL_TSR, ts, 1);
	ike_msg_add_delete(&w, IKE_PROTO_ESP, 4, spis, 2);
	ike_msg_add_id(&w, IKE_PL_IDR, &id);
	ck_assert_int_eq(ike_msg_finish(&w, &inner_len), 0);
	ck_assert_uint_eq(w.first, IKE_PL_IDI);
	inner_first = w.first;

	/* outer: SK around a 100-byte body */
	hdr.exchange = IKE_X_AUTH;
	hdr.msgid = 1;
	ike_writer_init(&w, outer, sizeof(outer), &hdr);
	aad = ike_msg_add_sk_header(&w, inner_first, 100);
	ck_assert_uint_eq(aad, IKE_HDR_LEN + 4);
	memset(outer + aad, 0x5a, 100);
	ike_writer_advance(&w, 100);
	ck_assert_int_eq(ike_msg_finish(&w, &outer_len), 0);
	ck_assert_uint_eq(outer_len, aad + 100);
	ck_assert_int_eq(ike_msg_decode(outer, outer_len, &msg, NULL), 0);
	ck_assert_uint_eq(msg.sk_first, IKE_PL_IDI);
	ck_assert_uint_eq(msg.sk_aad_len, aad);
	ck_assert_ptr_eq(msg.sk_body.ptr, outer + aad);
	ck_assert_uint_eq(msg.sk_body.len, 100);

	/* the "decrypted" body */
	ck_assert_int_eq(ike_msg_decode_inner(inner, inner_len, IKE_PL_IDI,
	    &msg, NULL), 0);
	ck_assert(ike_msg_has(&msg, IKE_PL_SK));
	ck_assert_uint_eq(msg.idi.type, IKE_ID_FQDN);
	ck_assert_uint_eq(msg.idi.len, 11);
	ck_assert_mem_eq(msg.idi.data, "moon.strong", 11);
	ck_assert_uint_eq(msg.idi_body.len, 4 + 11);
	ck_assert_uint_eq(msg.idi_body.ptr[0], IKE_ID_FQDN);
	ck_assert_uint_eq(msg.idr_body.len, 4 + 11);
	ck_assert_uint_eq(msg.n_cert, 1);
	ck_assert_uint_eq(msg.cert_enc[0], IKE_CERT_X509_SIG);
	ck_assert_uint_eq(msg.cert[0].len, 300);
	ck_assert_uint_eq(msg.certreq.len, 41);
	ck_assert_uint_eq(msg.certreq.ptr[0], IKE_CERT_X509_SIG);
	ck_assert_uint_eq(msg.auth_method, IKE_AUTH_PSK);
	ck_assert_uint_eq(msg.auth.len, 32);
	ck_assert_uint_eq(msg.n_notify, 1);
	ck_assert_uint_eq(msg.notify[0].protocol, IKE_PROTO_ESP);
	ck_assert_mem_eq(msg.notify[0].spi.ptr, spis, 4);
	ck_assert_uint_eq(msg.notify[0].data.len, 0);
	ck_assert_uint_eq(msg.n_sa, 3);
	for (size_t i = 0; i < 3; i++)
		prop_check(&msg.sa[i], &props[i]);
	ck_assert_uint_eq(msg.n_tsi, 2);
	ck_assert_mem_eq(&msg.tsi[0], &ts[0], sizeof(ts[0]));
	ck_assert_mem_eq(&msg.tsi[1], &ts[1], sizeof(ts[1]));
	ck_assert_uint_eq(msg.n_tsr, 1);
	ck_assert_uint_eq(msg.n_del, 1);
	ck_assert_uint_eq(msg.del[0].n_spis, 2);
	ck_assert_mem_eq(msg.del[0].spis.ptr, spis, 8);

	/* an SK inside the decrypted chain is refused */
	ike_writer_init_inner(&w, inner, sizeof(inner));
	ike_msg_add_nonce(&w, fill, 32);
	(void)ike_msg_add_sk_header(&w, IKE_PL_NONE, 0);
	ck_assert_int_eq(ike_msg_finish(&w, &inner_len), 0);
	memset(&msg, 0, sizeof(msg));
	ck_assert_int_eq(ike_msg_decode_inner(inner, inner_len, IKE_PL_NONCE,
	    &msg, NULL), SYNTAX);
}
END_TEST

/* Inner chains broken one way each. */
static const struct inner_row {
	const char	*name;
	int		 kind;
	int		 want;
} inner_rows[] = {
	{ "TS v4 length 17", 0, SYNTAX },
	{ "TS v6 length 39", 1, SYNTAX },
	{ "TS count says 3, holds 2", 2, SYNTAX },
	{ "TS unknown type skipped", 3, 0 },
	{ "delete SPI count too large", 4, SYNTAX },
	{ "ID longer than IKE_ID_MAX", 5, SYNTAX },
	{ "5 CERT payloads", 6, SYNTAX },
	{ "9 delete payloads", 7, SYNTAX },
	{ "transform with unknown attribute dropped", 8, 0 },
	{ "proposal with unknown transform type dropped", 9, 0 },
	{ "response proposal num 2 alone", 10, 0 },
	{ "request proposals 1, 3", 11, SYNTAX },
	{ "9 proposals", 12, SYNTAX },
	{ "9 transforms of a type", 13, SYNTAX },
	{ "9 TS", 14, SYNTAX },
	{ "AUTH without data", 15, SYNTAX },
};

START_TEST(test_inner_bad)
{
	const struct inner_row	*row = &inner_rows[_i];
	static uint8_t		 buf[IKE_MSG_MAX];
	struct ike_writer	 w;
	struct ike_ts		 ts[9] = {
		{ IKE_TS_IPV4_ADDR_RANGE, 0, 0, 65535, { 10 }, { 10, 255 } },
		{ IKE_TS_IPV6_ADDR_RANGE, 0, 0, 65535, { 0x20 }, { 0x20, 1 } },
	};
	struct ike_proposal	 props[9];
	struct ike_id		 id = { IKE_ID_KEY_ID, IKE_ID_MAX, { 0 } };
	struct ike_msg		 msg;
	uint8_t			 first;
	size_t			 len;

	fill_init();
	memset(&msg, 0, sizeof(msg));
	esp_props(props, 2);
	ike_writer_init_inner(&w, buf, sizeof(buf));
	switch (row->kind) {
	case 0: case 1: case 2: case 3:
		ike_msg_add_ts(&w, IKE_PL_TSI, ts, 2);
		break;
	case 4:
		ike_msg_add_delete(&w, IKE_PROTO_ESP, 4, fill, 3);
		break;
	case 5:
	case 15:
		ike_msg_add_id(&w, IKE_PL_IDI, &id);
		break;
	case 6:
		for (int i = 0; i < 5; i++)
			ike_msg_add_cert(&w, IKE_CERT_X509_SIG, fill, 10);
		break;
	case 7:
		for (int i = 0; i < 9; i++)
			ike_msg_add_delete(&w, IKE_PROTO_ESP, 4, fill, 1);
		break;
	case 8: case 9: case 10: case 11:
		ike_msg_add_sa(&w, props, 2);
		break;
	case 12:
		esp_props(props, 8);
		ike_msg_add_sa(&w, props, 8);
		break;
	case 13:
		props[0].n_xforms[IKE_XF_INTEG] = 8;
		ike_msg_add_sa(&w, props, 1);
		break;
	case 14:
		for (int i = 2; i < 9; i++)
			ts[i] = ts[0];
		ike_msg_add_ts(&w, IKE_PL_TSR, ts, 9);
		break;
	}
	ck_assert_int_eq(ike_msg_finish(&w, &len), 0);
	first = w.first;
	/* now break what was written (offsets within the inner chain) */
	switch (row->kind) {
	case 0:
		buf[8 + 3] = 17;	/* first TS length */
		break;
	case 1:
		buf[8 + 16 + 3] = 39;
		break;
	case 2:
		buf[4] = 3;
		break;
	case 3:
		buf[8] = 13;		/* a type we do not know */
		break;
	case 4:
		buf[4 + 3] = 4;
		break;
	case 5:
		/* ID_MAX + 1: grow the payload by one byte */
		buf[len] = 0;
		len++;
		buf[3] = (uint8_t)(len);
		buf[2] = (uint8_t)(len >> 8);
		break;
	case 8:
		/* proposal 1's first transform (ENCR NULL) gets an unknown
		 * TV attribute: a 12-byte transform replaces 8 + 4 bytes of
		 * the next, so rebuild instead */
		props[0].n_xforms[IKE_XF_ENCR] = 1;
		props[0].xforms[IKE_XF_ENCR][0] = (struct ike_xform){
		    IKE_ENCR_AES_CBC, 128 };
		ike_writer_init_inner(&w, buf, sizeof(buf));
		ike_msg_add_sa(&w, props, 2);
		ck_assert_int_eq(ike_msg_finish(&w, &len), 0);
		buf[25] = 15;	/* 1st transform's attribute: 14 -> 15 */
		break;
	case 9:
		buf[20] = 6;	/* first transform's type -> 6 */
		break;
	case 10:
		/* one proposal, num 2: a response */
		buf[4] = 0;		/* last */
		buf[4 + 4] = 2;		/* num */
		{
			size_t plen = (size_t)buf[6] << 8 | buf[7];

			len = 4 + plen;
			buf[2] = (uint8_t)(len >> 8);
			buf[3] = (uint8_t)len;
		}
		msg.hdr.flags = IKE_FLAG_RESPONSE;
		break;
	case 12:
		/* a ninth proposal: proposal 1 (56 bytes) again, as 9 */
		memcpy(buf + len, buf + 4, 56);
		buf[len] = 0;			/* last */
		buf[len + 4] = 9;		/* num */
		buf[4 + 7 * 56] = 2;		/* the eighth: more */
		len += 56;
		buf[2] = (uint8_t)(len >> 8);
		buf[3] = (uint8_t)len;
		break;
	case 13:
		buf[104] = IKE_XF_INTEG;	/* ESN "no" becomes INTEG */
		break;
	case 11:
		{
			size_t plen = (size_t)buf[6] << 8 | buf[7];

			buf[4 + plen + 4] = 3;
		}
		break;
	case 15:
		/* AUTH with only its fixed part */
		ike_writer_init_inner(&w, buf, sizeof(buf));
		ike_msg_add_auth(&w, IKE_AUTH_PSK, NULL, 0);
		ck_assert_int_eq(ike_msg_finish(&w, &len), 0);
		first = IKE_PL_AUTH;
		break;
	}
	ck_assert_int_eq(ike_msg_decode_inner(buf, len, first, &msg, NULL),
	    row->want);
	if (row->kind == 3)
		ck_assert_uint_eq(msg.n_tsi, 1);
	if (row->kind == 8) {
		/* proposal 1 had one ENCR, now unusable: dropped */
		ck_assert_uint_eq(msg.n_sa, 1);
		ck_assert_uint_eq(msg.sa[0].num, 2);
	}
	if (row->kind == 9) {
		ck_assert_uint_eq(msg.n_sa, 1);
		ck_assert_uint_eq(msg.sa[0].num, 2);
	}
	if (row->kind == 10) {
		ck_assert_uint_eq(msg.n_sa, 1);
		ck_assert_uint_eq(msg.sa[0].num, 2);
	}
}
END_TEST

/* The writer's overflow is sticky; finish reports it once. */
START_TEST(test_writer_overflow)
{
	uint8_t			 buf[64];
	struct ike_writer	 w;
	size_t			 len = 77;

	fill_init();
	ike_writer_init(&w, buf, sizeof(buf), &test_hdr);
	ike_msg_add_nonce(&w, fill, 32);
	ck_assert(!w.overflow);
	ike_msg_add_nonce(&w, fill, 32);	/* does not fit */
	ck_assert(w.overflow);
	ike_msg_add_vendor(&w, fill, 1);	/* would fit, but sticky */
	ck_assert_uint_eq(w.len, IKE_HDR_LEN + 36);
	ck_assert_int_eq(ike_msg_finish(&w, &len), -1);
	ck_assert_uint_eq(len, 77);

	/* smaller than a header */
	ike_writer_init(&w, buf, 27, &test_hdr);
	ck_assert_int_eq(ike_msg_finish(&w, &len), -1);

	/* nothing may follow the SK header */
	ike_writer_init(&w, buf, sizeof(buf), &test_hdr);
	(void)ike_msg_add_sk_header(&w, IKE_PL_IDI, 8);
	ike_writer_advance(&w, 8);
	ike_msg_add_vendor(&w, fill, 1);
	ck_assert_int_eq(ike_msg_finish(&w, &len), -1);

	/* an SK body that cannot fit */
	ike_writer_init(&w, buf, sizeof(buf), &test_hdr);
	(void)ike_msg_add_sk_header(&w, IKE_PL_IDI, 64);
	ck_assert_int_eq(ike_msg_finish(&w, &len), -1);

	/* advance past the end */
	ike_writer_init(&w, buf, sizeof(buf), &test_hdr);
	ike_writer_advance(&w, 64);
	ck_assert_int_eq(ike_msg_finish(&w, &len), -1);

	/* a payload longer than 65535 */
	{
		static uint8_t big[70000];
		static uint8_t data[66000];

		ike_writer_init(&w, big, sizeof(big), &test_hdr);
		ike_msg_add_vendor(&w, data, sizeof(data));
		ck_assert_int_eq(ike_msg_finish(&w, &len), -1);
	}
}
END_TEST

/* An empty message: header only, next payload none. */
START_TEST(test_writer_empty)
{
	uint8_t			 buf[64];
	struct ike_writer	 w;
	struct ike_msg		 msg;
	size_t			 len;

	ike_writer_init(&w, buf, sizeof(buf), &test_hdr);
	ck_assert_int_eq(ike_msg_finish(&w, &len), 0);
	ck_assert_uint_eq(len, IKE_HDR_LEN);
	ck_assert_int_eq(ike_msg_decode(buf, len, &msg, NULL), 0);
	ck_assert_uint_eq(msg.present, 0);
	ck_assert_uint_eq(msg.hdr.next, IKE_PL_NONE);
}
END_TEST

/*
 * Re-encode a decoded real IKE_SA_INIT (SA, KE, Nonce, notifies, which
 * is all they hold) and compare with the original bytes.
 */
static const struct frame reencode_frames[] = {
	{ "ss_init_req", ss_init_req, sizeof(ss_init_req) },
	{ "ss_init_resp", ss_init_resp, sizeof(ss_init_resp) },
	{ "ws_gcm_init_req", ws_gcm_init_req, sizeof(ws_gcm_init_req) },
	{ "ws_gcm_init_resp", ws_gcm_init_resp, sizeof(ws_gcm_init_resp) },
};

START_TEST(test_reencode_real)
{
	const struct frame	*f = &reencode_frames[_i];
	uint8_t			 out[IKE_MSG_MAX];
	struct ike_writer	 w;
	struct ike_msg		 msg;
	size_t			 len;

	ck_assert_int_eq(ike_msg_decode(f->bytes, f->len, &msg, NULL), 0);
	ck_assert_uint_eq(msg.n_vendor, 0);
	ike_writer_init(&w, out, sizeof(out), &msg.hdr);
	ike_msg_add_sa(&w, msg.sa, msg.n_sa);
	ike_msg_add_ke(&w, msg.ke_group, msg.ke.ptr, msg.ke.len);
	ike_msg_add_nonce(&w, msg.nonce.ptr, msg.nonce.len);
	for (size_t i = 0; i < msg.n_notify; i++)
		ike_msg_add_notify(&w, msg.notify[i].protocol,
		    msg.notify[i].type, msg.notify[i].spi.ptr,
		    msg.notify[i].spi.len, msg.notify[i].data.ptr,
		    msg.notify[i].data.len);
	ck_assert_int_eq(ike_msg_finish(&w, &len), 0);
	ck_assert_uint_eq(len, f->len);
	ck_assert_mem_eq(out, f->bytes, len);
}
END_TEST

/*
 * Mutation sweep (iked regress style): every bit of every byte flipped,
 * and every truncation, over every real message.  Only "no over-read,
 * and one of the documented results".
 */
static void
check_result(int rc)
{
	ck_assert(rc == 0 || rc == SYNTAX || rc == CRITICAL || rc == MAJOR);
}

START_TEST(test_sweep)
{
	const struct frame	*f = &frames[_i];
	uint8_t			*copy = malloc(f->len);
	struct ike_msg		 msg;

	ck_assert_ptr_nonnull(copy);
	for (size_t i = 0; i < f->len; i++)
		for (int bit = 0; bit < 8; bit++) {
			memcpy(copy, f->bytes, f->len);
			copy[i] ^= (uint8_t)(1u << bit);
			check_result(ike_msg_decode(copy, f->len, &msg, NULL));
			/* the same bytes as a decrypted chain */
			if (f->len > IKE_HDR_LEN)
				check_result(ike_msg_decode_inner(
				    copy + IKE_HDR_LEN, f->len - IKE_HDR_LEN,
				    f->bytes[16], &msg, NULL));
		}
	free(copy);
	for (size_t cut = 0; cut < f->len; cut++) {
		copy = malloc(cut > 0 ? cut : 1);
		ck_assert_ptr_nonnull(copy);
		memcpy(copy, f->bytes, cut);
		ck_assert_int_eq(ike_msg_decode(copy, cut, &msg, NULL), SYNTAX);
		if (cut >= IKE_HDR_LEN) {
			/* and with the header Length agreeing */
			copy[24] = (uint8_t)(cut >> 24);
			copy[25] = (uint8_t)(cut >> 16);
			copy[26] = (uint8_t)(cut >> 8);
			copy[27] = (uint8_t)cut;
			check_result(ike_msg_decode(copy, cut, &msg, NULL));
		}
		free(copy);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* Real decrypted chains (data/ike_vectors.h)                          */
/* ------------------------------------------------------------------ */

static size_t
icv_len_of(uint16_t integ)
{
	switch (integ) {
	case IKE_INTEG_HMAC_SHA1_96:		return (12);
	case IKE_INTEG_HMAC_SHA2_256_128:	return (16);
	case IKE_INTEG_HMAC_SHA2_384_192:	return (24);
	default:				return (32);
	}
}

/*
 * Opens the SK payload of a decoded message (3.14): AES-GCM with the
 * salt at the end of the key (RFC 5282), or AES-CBC whose ICV is not
 * checked here (the crypto tests do).  Returns the inner chain's length
 * in out, padding removed.
 */
static size_t
sk_open_test(const struct ike_msg *m, const uint8_t *bytes,
    const struct ike_vec_bytes *ek, uint16_t integ, uint8_t *out)
{
	EVP_CIPHER_CTX	*ctx = EVP_CIPHER_CTX_new();
	const uint8_t	*body = m->sk_body.ptr;
	size_t		 len = m->sk_body.len, iv_len, icv_len, ct_len;
	int		 n = 0, fin = 0;
	uint8_t		 nonce[12];

	ck_assert_ptr_nonnull(ctx);
	if (integ == 0) {
		iv_len = 8;
		icv_len = 16;
		ct_len = len - iv_len - icv_len;
		memcpy(nonce, ek->p + ek->len - 4, 4);
		memcpy(nonce + 4, body, 8);
		ck_assert_int_eq(EVP_DecryptInit_ex(ctx, ek->len - 4 == 16 ?
		    EVP_aes_128_gcm() : EVP_aes_256_gcm(), NULL, NULL, NULL), 1);
		ck_assert_int_eq(EVP_DecryptInit_ex(ctx, NULL, NULL, ek->p,
		    nonce), 1);
		ck_assert_int_eq(EVP_DecryptUpdate(ctx, NULL, &n, bytes,
		    (int)m->sk_aad_len), 1);
		ck_assert_int_eq(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG,
		    16, (void *)(uintptr_t)(body + len - 16)), 1);
	} else {
		iv_len = 16;
		icv_len = icv_len_of(integ);
		ct_len = len - iv_len - icv_len;
		ck_assert_int_eq(EVP_DecryptInit_ex(ctx, ek->len == 16 ?
		    EVP_aes_128_cbc() : EVP_aes_256_cbc(), NULL, ek->p, body),
		    1);
		EVP_CIPHER_CTX_set_padding(ctx, 0);
	}
	ck_assert_int_eq(EVP_DecryptUpdate(ctx, out, &n, body + iv_len,
	    (int)ct_len), 1);
	ck_assert_int_eq(EVP_DecryptFinal_ex(ctx, out + n, &fin), 1);
	EVP_CIPHER_CTX_free(ctx);
	ck_assert_uint_eq((size_t)(n + fin), ct_len);
	/* Pad Length is the last byte (3.14) */
	ck_assert_uint_lt(out[ct_len - 1], ct_len);
	return (ct_len - 1 - out[ct_len - 1]);
}

/* The transforms of a decoded proposal are those of the string. */
static void
check_prop_string(const struct ike_proposal *got, const char *text,
    uint8_t protocol)
{
	struct ike_proposal	want;
	char			err[128];

	ck_assert_msg(ike_proposal_parse(text, protocol, &want, err,
	    sizeof(err)) == 0, "%s: %s", text, err);
	want.num = got->num;
	want.spi_len = got->spi_len;
	memcpy(want.spi, got->spi, sizeof(want.spi));
	prop_check(got, &want);
}

/* Decodes a protected message and its decrypted inner chain. */
static void
decode_protected(const struct ike_vec_bytes *wire,
    const struct ike_vec_bytes *ek, uint16_t integ, struct ike_msg *msg,
    uint8_t *plain)
{
	size_t plen;

	ck_assert_int_eq(ike_msg_decode(wire->p, wire->len, msg, NULL), 0);
	ck_assert(ike_msg_has(msg, IKE_PL_SK));
	ck_assert_uint_eq(msg->sk_aad_len, IKE_HDR_LEN + 4);
	plen = sk_open_test(msg, wire->p, ek, integ, plain);
	ck_assert_int_eq(ike_msg_decode_inner(plain, plen, msg->sk_first, msg,
	    NULL), 0);
}

/*
 * strongSwan's fragmented IKE_AUTH (RFC 7383): each fragment decoded
 * (number, total, Next Payload only in the first), opened with the
 * vector's SK_ei over its own AAD (which runs past Total Fragments),
 * the plaintexts joined and decoded as one inner chain: IDi, CERT,
 * AUTH as strongSwan sent them.
 */
static void
reassemble_ss_fragments(const struct ike_vector *v, uint8_t *plain)
{
	struct ike_msg	m;
	struct ike_vec_bytes one;
	size_t		off = 0, len = 0, n = 0;
	uint16_t	total = 0;
	uint8_t		first = 0;

	while (off < v->auth_req.len) {
		const uint8_t *p = v->auth_req.p + off;
		size_t l = (size_t)p[26] << 8 | p[27];

		one.p = p;
		one.len = l;
		ck_assert_int_eq(ike_msg_decode(p, l, &m, NULL), 0);
		ck_assert(ike_msg_has(&m, IKE_PL_SKF));
		n++;
		ck_assert_uint_eq(m.frag_num, n);
		if (n == 1) {
			total = m.frag_total;
			first = m.sk_first;
			ck_assert_uint_eq(first, IKE_PL_IDI);
		} else
			ck_assert_uint_eq(m.sk_first, IKE_PL_NONE);
		ck_assert_uint_eq(m.frag_total, total);
		ck_assert_uint_eq(m.sk_aad_len, IKE_HDR_LEN + 8);
		len += sk_open_test(&m, one.p, &v->sk_ei, v->ike_integ,
		    plain + len);
		off += l;
	}
	ck_assert_uint_eq(n, total);
	ck_assert_uint_gt(n, 1);
	ck_assert_int_eq(ike_msg_decode_inner(plain, len, first, &m, NULL), 0);
	ck_assert(ike_msg_has(&m, IKE_PL_IDI));
	ck_assert(ike_msg_has(&m, IKE_PL_AUTH));
	ck_assert_uint_eq(m.n_cert, 1);
	ck_assert_uint_eq(m.cert[0].ptr[0], 0x30);	/* DER SEQUENCE */
}

START_TEST(test_vectors)
{
	const struct ike_vector	*v = &ike_vectors[_i];
	struct ike_msg		 req, resp;
	struct ike_proposal	 ours;
	struct ike_suite	 suite, reply_suite;
	static uint8_t		 plain_req[2048], plain_resp[2048];
	uint8_t			 num;

	/* IKE_SA_INIT: strongSwan's wire proposal is our parse of the
	 * string it was given; we would choose what it chose */
	ck_assert_int_eq(ike_msg_decode(v->init_req.p, v->init_req.len, &req,
	    NULL), 0);
	ck_assert_int_eq(ike_msg_decode(v->init_resp.p, v->init_resp.len,
	    &resp, NULL), 0);
	ck_assert_uint_eq(req.hdr.spi_i, v->spi_i);
	ck_assert_uint_eq(resp.hdr.spi_r, v->spi_r);
	ck_assert_uint_eq(req.n_sa, 1);
	check_prop_string(&req.sa[0], v->ike_proposal, IKE_PROTO_IKE);
	ck_assert_uint_eq(req.ke_group, v->ike_dh);
	ck_assert_mem_eq(req.nonce.ptr, v->ni.p, v->ni.len);
	ck_assert_mem_eq(resp.nonce.ptr, v->nr.p, v->nr.len);
	ck_assert_ptr_nonnull(ike_msg_notify(&req,
	    IKE_N_NAT_DETECTION_SOURCE_IP));
	ck_assert_ptr_nonnull(ike_msg_notify(&resp,
	    IKE_N_NAT_DETECTION_DESTINATION_IP));
	ck_assert_int_eq(ike_proposal_parse(v->ike_proposal, IKE_PROTO_IKE,
	    &ours, NULL, 0), 0);
	ck_assert(ike_proposal_select(&ours, 1, req.sa, req.n_sa, &suite,
	    &num));
	ck_assert_uint_eq(num, 1);
	ck_assert_uint_eq(suite.encr, v->ike_encr);
	ck_assert_uint_eq(suite.encr_keybits, v->ike_keybits);
	ck_assert_uint_eq(suite.prf, v->ike_prf);
	ck_assert_uint_eq(suite.integ, v->ike_integ);
	ck_assert_uint_eq(suite.dh, v->ike_dh);
	ck_assert(ike_proposal_accept_reply(req.sa, req.n_sa, &resp.sa[0],
	    &reply_suite));
	ck_assert_mem_eq(&reply_suite, &suite, sizeof(suite));

	/* IKE_AUTH with certificates came in RFC 7383 fragments (the
	 * vector holds them back to back): each is an SKF, located, not
	 * reassembled */
	if (v->auth_req.p[16] == IKE_PL_SKF) {
		size_t first_len = (size_t)v->auth_req.p[26] << 8 |
		    v->auth_req.p[27];

		ck_assert_uint_lt(first_len, v->auth_req.len);
		ck_assert_int_eq(ike_msg_decode(v->auth_req.p, first_len, &req,
		    NULL), 0);
		ck_assert(ike_msg_has(&req, IKE_PL_SKF));
		ck_assert(!ike_msg_has(&req, IKE_PL_SK));
		ck_assert_int_eq(ike_msg_decode(v->auth_req.p,
		    v->auth_req.len, &req, NULL), IKE_N_INVALID_SYNTAX);
		reassemble_ss_fragments(v, plain_req);
		/* the answer is whole: IDr, CERT, AUTH (RFC 7427), SA, TS */
		ck_assert(ike_msg_has(&resp, IKE_PL_CERTREQ));
		ck_assert_uint_eq(resp.certreq.ptr[0], IKE_CERT_X509_SIG);
		ck_assert_uint_eq((resp.certreq.len - 1) % 20, 0);
		decode_protected(&v->auth_resp, &v->sk_er, v->ike_integ, &resp,
		    plain_resp);
		ck_assert_uint_eq(resp.n_cert, 1);
		ck_assert_uint_eq(resp.cert_enc[0], IKE_CERT_X509_SIG);
		ck_assert_uint_gt(resp.cert[0].len, 100);
		ck_assert_uint_eq(resp.cert[0].ptr[0], 0x30);	/* DER SEQUENCE */
		ck_assert_uint_eq(resp.auth_method, IKE_AUTH_DIGITAL_SIG);
		ck_assert_uint_eq(resp.n_sa, 1);
		return;
	}

	/* IKE_AUTH, opened */
	decode_protected(&v->auth_req, &v->sk_ei, v->ike_integ, &req,
	    plain_req);
	decode_protected(&v->auth_resp, &v->sk_er, v->ike_integ, &resp,
	    plain_resp);
	ck_assert(ike_msg_has(&req, IKE_PL_IDI) && ike_msg_has(&req,
	    IKE_PL_AUTH));
	ck_assert(ike_msg_has(&resp, IKE_PL_IDR) && ike_msg_has(&resp,
	    IKE_PL_AUTH));
	ck_assert_uint_eq(req.idi_body.len, 4u + req.idi.len);
	ck_assert_uint_gt(req.auth.len, 0);
	ck_assert_uint_gt(resp.auth.len, 0);
	ck_assert_uint_ge(req.n_sa, 1);
	ck_assert_uint_eq(req.sa[0].protocol, IKE_PROTO_ESP);
	ck_assert_uint_eq(req.sa[0].spi_len, 4);
	check_prop_string(&req.sa[0], v->esp_proposal, IKE_PROTO_ESP);
	ck_assert_uint_eq(resp.n_sa, 1);
	ck_assert_uint_ge(req.n_tsi, 1);
	ck_assert_uint_ge(req.n_tsr, 1);
	ck_assert_uint_ge(resp.n_tsi, 1);
	ck_assert_uint_ge(resp.n_tsr, 1);
	ck_assert_int_eq(ike_proposal_parse(v->esp_proposal, IKE_PROTO_ESP,
	    &ours, NULL, 0), 0);
	ours.num = 1;
	ck_assert(ike_proposal_accept_reply(&ours, 1, &resp.sa[0], &suite));
	ck_assert_uint_eq(suite.encr, v->esp_encr);
	ck_assert_uint_eq(suite.encr_keybits, v->esp_keybits);
	ck_assert_uint_eq(suite.integ, v->esp_integ);
	ck_assert_uint_eq(req.auth_method, IKE_AUTH_PSK);
	ck_assert_uint_eq(resp.auth_method, IKE_AUTH_PSK);
	/* INITIAL_CONTACT, MULTIPLE_AUTH_SUPPORTED, EAP_ONLY_AUTHENTICATION,
	 * MESSAGE_ID_SYNC_SUPPORTED, in that order */
	ck_assert_uint_eq(req.n_notify, 4);
	ck_assert_uint_eq(req.notify[0].type, IKE_N_INITIAL_CONTACT);
	ck_assert_uint_eq(req.notify[3].type, 16420);
	ck_assert_uint_eq(resp.n_notify, 0);
}
END_TEST

/* The IKE SA rekey (CREATE_CHILD_SA, 1.3.2): an IKE proposal with an
 * 8-byte SPI, KE and Nonce inside SK. */
/* The SKF header (RFC 7383 2.5) written and read back; fragment
 * numbers 0, above the total, a zero total and a body too short for
 * the two fields are refused by the codec. */
START_TEST(test_skf)
{
	static const struct {
		uint16_t num, total;
		size_t	 body;
		int	 rc;
	} rows[] = {
		{ 1, 3, 40, 0 }, { 3, 3, 40, 0 }, { 2, 3, 0, 0 },
		{ 0, 3, 40, SYNTAX }, { 4, 3, 40, SYNTAX },
		{ 1, 0, 40, SYNTAX }, { 0, 0, 40, SYNTAX },
	};
	uint8_t buf[256];
	struct ike_writer w;
	struct ike_msg m;
	struct ike_hdr h;
	size_t i, aad, len;

	for (i = 0; i < NELEM(rows); i++) {
		memset(&h, 0, sizeof(h));
		h.spi_i = 1;
		h.spi_r = 2;
		h.version = IKE_VERSION;
		h.exchange = IKE_X_AUTH;
		h.msgid = 1;
		ike_writer_init(&w, buf, sizeof(buf), &h);
		aad = ike_msg_add_skf_header(&w, IKE_PL_IDI, rows[i].num,
		    rows[i].total, rows[i].body);
		ck_assert_uint_eq(aad, IKE_HDR_LEN + 8);
		memset(buf + aad, 0xab, rows[i].body);
		ike_writer_advance(&w, rows[i].body);
		ck_assert_int_eq(ike_msg_finish(&w, &len), 0);
		ck_assert_uint_eq(buf[16], IKE_PL_SKF);
		ck_assert_int_eq(ike_msg_decode(buf, len, &m, NULL), rows[i].rc);
		if (rows[i].rc != 0)
			continue;
		ck_assert(ike_msg_has(&m, IKE_PL_SKF));
		ck_assert(!ike_msg_has(&m, IKE_PL_SK));
		ck_assert_uint_eq(m.frag_num, rows[i].num);
		ck_assert_uint_eq(m.frag_total, rows[i].total);
		ck_assert_uint_eq(m.sk_first, rows[i].num == 1 ? IKE_PL_IDI :
		    IKE_PL_NONE);
		ck_assert_uint_eq(m.sk_aad_len, aad);
		ck_assert_uint_eq(m.sk_body.len, rows[i].body);
	}
	/* Payload Length 4 + 3: no room for number and total. */
	ike_writer_init(&w, buf, sizeof(buf), &h);
	aad = ike_msg_add_sk_header(&w, IKE_PL_IDI, 3);
	ike_writer_advance(&w, 3);
	ck_assert_int_eq(ike_msg_finish(&w, &len), 0);
	buf[16] = IKE_PL_SKF;
	ck_assert_int_eq(ike_msg_decode(buf, len, &m, NULL), SYNTAX);
	/* Nothing may follow it, as for SK. */
	ike_writer_init(&w, buf, sizeof(buf), &h);
	(void)ike_msg_add_skf_header(&w, IKE_PL_IDI, 1, 1, 0);
	ike_msg_add_vendor(&w, buf, 4);
	ck_assert_int_ne(ike_msg_finish(&w, &len), 0);
}
END_TEST

START_TEST(test_vector_rekey)
{
	const struct ike_rekey_vector	*r = &ike_rekey_vectors[0];
	const struct ike_vector		*v = &ike_vectors[r->base];
	struct ike_msg			 msg;
	static uint8_t			 plain[2048];

	decode_protected(&r->ccs_req, &v->sk_ei, v->ike_integ, &msg, plain);
	ck_assert_uint_eq(msg.hdr.exchange, IKE_X_CREATE_CHILD_SA);
	ck_assert_uint_ge(msg.n_sa, 1);
	ck_assert_uint_eq(msg.sa[0].protocol, IKE_PROTO_IKE);
	ck_assert_uint_eq(msg.sa[0].spi_len, 8);
	check_prop_string(&msg.sa[0], v->ike_proposal, IKE_PROTO_IKE);
	ck_assert_uint_eq(msg.ke_group, v->ike_dh);
	ck_assert_uint_ge(msg.nonce.len, IKE_NONCE_MIN);
	decode_protected(&r->ccs_resp, &v->sk_er, v->ike_integ, &msg, plain);
	ck_assert_uint_eq(msg.n_sa, 1);
	ck_assert_uint_eq(msg.sa[0].spi_len, 8);
	ck_assert_uint_eq(msg.ke_group, v->ike_dh);
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("ike_msg");
	TCase	*tc = tcase_create("decode");

	tcase_add_loop_test(tc, test_real, 0, NELEM(real_rows));
	tcase_add_test(tc, test_frames_all_decode);
	tcase_add_loop_test(tc, test_bad, 0, NELEM(bad_rows));
	tcase_add_test(tc, test_sk_not_last);
	tcase_add_loop_test(tc, test_limits, 0, NELEM(limit_rows));
	tcase_add_loop_test(tc, test_inner_bad, 0, NELEM(inner_rows));
	tcase_add_loop_test(tc, test_vectors, 0, NELEM(ike_vectors));
	tcase_add_test(tc, test_vector_rekey);
	tcase_add_test(tc, test_skf);
	tcase_add_test(tc, test_notify_error_over_max);
	suite_add_tcase(s, tc);

	tc = tcase_create("writer");
	tcase_add_test(tc, test_roundtrip_init);
	tcase_add_test(tc, test_roundtrip_inner_and_sk);
	tcase_add_test(tc, test_writer_overflow);
	tcase_add_test(tc, test_writer_empty);
	tcase_add_loop_test(tc, test_reencode_real, 0, NELEM(reencode_frames));
	suite_add_tcase(s, tc);

	tc = tcase_create("sweep");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_sweep, 0, NELEM(frames));
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
