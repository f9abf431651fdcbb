/*
 * test_ike_proposal.c - strongSwan proposal strings (keywords of its
 * proposal_keywords_static.txt), the names `swanctl --list-sas` prints
 * (the truth files of pcaps/strongswan/), and the responder's and the
 * initiator's choice (RFC 7296 section 2.7), also over the proposal of a
 * real strongSwan IKE_SA_INIT.
 */
#include <string.h>

#include "unit.h"
#include "ike/ike_msg.h"
#include "ike/ike_proposal.h"
#include "data/ike_msg_frames.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define IKE		IKE_PROTO_IKE
#define ESP		IKE_PROTO_ESP

/* A transform list written as {id, keybits} pairs, 0-terminated by a
 * row of {0xffff}. */
#define END		{ 0xffff, 0 }

static const struct parse_row {
	const char		*text;
	uint8_t			 protocol;
	struct ike_xform	 encr[4], integ[4], prf[4], dh[4], esn[3];
	const char		*format;	/* first of each type */
} parse_rows[] = {
	{ "aes256gcm16-prfsha256-ecp256", IKE,
	    { { IKE_ENCR_AES_GCM_16, 256 }, END }, { END },
	    { { IKE_PRF_HMAC_SHA2_256, 0 }, END },
	    { { IKE_DH_ECP256, 0 }, END }, { END },
	    "AES_GCM_16-256/PRF_HMAC_SHA2_256/ECP_256" },
	{ "aes128-sha256-modp2048", IKE,
	    { { IKE_ENCR_AES_CBC, 128 }, END },
	    { { IKE_INTEG_HMAC_SHA2_256_128, 0 }, END },
	    { { IKE_PRF_HMAC_SHA2_256, 0 }, END },
	    { { IKE_DH_MODP2048, 0 }, END }, { END },
	    "AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048" },
	{ "aes256-sha256-modp2048", IKE,	/* sspair.sh's IKE proposal */
	    { { IKE_ENCR_AES_CBC, 256 }, END },
	    { { IKE_INTEG_HMAC_SHA2_256_128, 0 }, END },
	    { { IKE_PRF_HMAC_SHA2_256, 0 }, END },
	    { { IKE_DH_MODP2048, 0 }, END }, { END },
	    "AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048" },
	{ "aes128-sha256-x25519", IKE,
	    { { IKE_ENCR_AES_CBC, 128 }, END },
	    { { IKE_INTEG_HMAC_SHA2_256_128, 0 }, END },
	    { { IKE_PRF_HMAC_SHA2_256, 0 }, END },
	    { { IKE_DH_CURVE25519, 0 }, END }, { END },
	    "AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/CURVE_25519" },
	{ "aes128gcm16-prfsha256-curve25519", IKE,
	    { { IKE_ENCR_AES_GCM_16, 128 }, END }, { END },
	    { { IKE_PRF_HMAC_SHA2_256, 0 }, END },
	    { { IKE_DH_CURVE25519, 0 }, END }, { END },
	    "AES_GCM_16-128/PRF_HMAC_SHA2_256/CURVE_25519" },
	{ "aes128-aes256-sha256-sha1-ecp256-curve25519", IKE,
	    { { IKE_ENCR_AES_CBC, 128 }, { IKE_ENCR_AES_CBC, 256 }, END },
	    { { IKE_INTEG_HMAC_SHA2_256_128, 0 },
	      { IKE_INTEG_HMAC_SHA1_96, 0 }, END },
	    { { IKE_PRF_HMAC_SHA2_256, 0 }, { IKE_PRF_HMAC_SHA1, 0 }, END },
	    { { IKE_DH_ECP256, 0 }, { IKE_DH_CURVE25519, 0 }, END }, { END },
	    "AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_256" },
	{ "aes256-sha384-prfsha512-ecp384", IKE,
	    { { IKE_ENCR_AES_CBC, 256 }, END },
	    { { IKE_INTEG_HMAC_SHA2_384_192, 0 }, END },
	    { { IKE_PRF_HMAC_SHA2_512, 0 }, END },
	    { { IKE_DH_ECP384, 0 }, END }, { END },
	    "AES_CBC-256/HMAC_SHA2_384_192/PRF_HMAC_SHA2_512/ECP_384" },
	{ "AES256GCM128-PRFSHA384-ECP384", IKE,	/* case, gcm128 = gcm16 */
	    { { IKE_ENCR_AES_GCM_16, 256 }, END }, { END },
	    { { IKE_PRF_HMAC_SHA2_384, 0 }, END },
	    { { IKE_DH_ECP384, 0 }, END }, { END },
	    "AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384" },
	{ "aes256gcm-sha512-ecp256", IKE,	/* PRF from sha512, INTEG gone */
	    { { IKE_ENCR_AES_GCM_16, 256 }, END }, { END },
	    { { IKE_PRF_HMAC_SHA2_512, 0 }, END },
	    { { IKE_DH_ECP256, 0 }, END }, { END },
	    "AES_GCM_16-256/PRF_HMAC_SHA2_512/ECP_256" },
	/* ESP (the truth files' esp_alg) */
	{ "null-sha256", ESP, { { IKE_ENCR_NULL, 0 }, END },
	    { { IKE_INTEG_HMAC_SHA2_256_128, 0 }, END }, { END }, { END },
	    { { IKE_ESN_NO, 0 }, END }, "NULL/HMAC_SHA2_256_128" },
	{ "null-sha1", ESP, { { IKE_ENCR_NULL, 0 }, END },
	    { { IKE_INTEG_HMAC_SHA1_96, 0 }, END }, { END }, { END },
	    { { IKE_ESN_NO, 0 }, END }, "NULL/HMAC_SHA1_96" },
	{ "null-sha384", ESP, { { IKE_ENCR_NULL, 0 }, END },
	    { { IKE_INTEG_HMAC_SHA2_384_192, 0 }, END }, { END }, { END },
	    { { IKE_ESN_NO, 0 }, END }, "NULL/HMAC_SHA2_384_192" },
	{ "null-sha512", ESP, { { IKE_ENCR_NULL, 0 }, END },
	    { { IKE_INTEG_HMAC_SHA2_512_256, 0 }, END }, { END }, { END },
	    { { IKE_ESN_NO, 0 }, END }, "NULL/HMAC_SHA2_512_256" },
	{ "aes128gcm16", ESP, { { IKE_ENCR_AES_GCM_16, 128 }, END },
	    { END }, { END }, { END }, { { IKE_ESN_NO, 0 }, END },
	    "AES_GCM_16-128" },
	{ "aes256gcm16", ESP, { { IKE_ENCR_AES_GCM_16, 256 }, END },
	    { END }, { END }, { END }, { { IKE_ESN_NO, 0 }, END },
	    "AES_GCM_16-256" },
	{ "aes128-sha256", ESP, { { IKE_ENCR_AES_CBC, 128 }, END },
	    { { IKE_INTEG_HMAC_SHA2_256_128, 0 }, END }, { END }, { END },
	    { { IKE_ESN_NO, 0 }, END }, "AES_CBC-128/HMAC_SHA2_256_128" },
	{ "aes128gmac", ESP, { { IKE_ENCR_NULL_AUTH_AES_GMAC, 128 }, END },
	    { END }, { END }, { END }, { { IKE_ESN_NO, 0 }, END },
	    "NULL_AES_GMAC-128" },
	{ "aes256gmac-esn", ESP,
	    { { IKE_ENCR_NULL_AUTH_AES_GMAC, 256 }, END },
	    { END }, { END }, { END }, { { IKE_ESN_YES, 0 }, END },
	    "NULL_AES_GMAC-256/ESN" },
	{ "aes256-sha512-ecp384", ESP, { { IKE_ENCR_AES_CBC, 256 }, END },
	    { { IKE_INTEG_HMAC_SHA2_512_256, 0 }, END }, { END },
	    { { IKE_DH_ECP384, 0 }, END }, { { IKE_ESN_NO, 0 }, END },
	    "AES_CBC-256/HMAC_SHA2_512_256/ECP_384" },
	{ "null-sha256-esn-noesn", ESP, { { IKE_ENCR_NULL, 0 }, END },
	    { { IKE_INTEG_HMAC_SHA2_256_128, 0 }, END }, { END }, { END },
	    { { IKE_ESN_YES, 0 }, { IKE_ESN_NO, 0 }, END },
	    "NULL/HMAC_SHA2_256_128/ESN" },
	{ "null-aes128gmac-sha256", ESP,	/* mixed: allowed in ESP */
	    { { IKE_ENCR_NULL, 0 }, { IKE_ENCR_NULL_AUTH_AES_GMAC, 128 }, END },
	    { { IKE_INTEG_HMAC_SHA2_256_128, 0 }, END }, { END }, { END },
	    { { IKE_ESN_NO, 0 }, END }, "NULL/HMAC_SHA2_256_128" },
	{ "aes128gcm12-aes128gcm8", ESP,
	    { { IKE_ENCR_AES_GCM_12, 128 }, { IKE_ENCR_AES_GCM_8, 128 }, END },
	    { END }, { END }, { END }, { { IKE_ESN_NO, 0 }, END },
	    "AES_GCM_12-128" },
};

static void
check_list(const struct ike_proposal *p, uint8_t type,
    const struct ike_xform *want)
{
	size_t n = 0;

	while (want[n].id != 0xffff) {
		ck_assert_uint_lt(n, p->n_xforms[type]);
		ck_assert_uint_eq(p->xforms[type][n].id, want[n].id);
		ck_assert_uint_eq(p->xforms[type][n].keybits, want[n].keybits);
		n++;
	}
	ck_assert_uint_eq(p->n_xforms[type], n);
}

/* The suite of the first transform of each type. */
static void
first_suite(const struct ike_proposal *p, struct ike_suite *s)
{
	memset(s, 0, sizeof(*s));
	s->encr = p->xforms[IKE_XF_ENCR][0].id;
	s->encr_keybits = p->xforms[IKE_XF_ENCR][0].keybits;
	s->prf = p->n_xforms[IKE_XF_PRF] ? p->xforms[IKE_XF_PRF][0].id : 0;
	s->integ = p->n_xforms[IKE_XF_INTEG] ?
	    p->xforms[IKE_XF_INTEG][0].id : 0;
	s->dh = p->n_xforms[IKE_XF_DH] ? p->xforms[IKE_XF_DH][0].id : 0;
	s->esn = p->n_xforms[IKE_XF_ESN] ? p->xforms[IKE_XF_ESN][0].id : 0;
}

START_TEST(test_parse)
{
	const struct parse_row	*row = &parse_rows[_i];
	struct ike_proposal	 p;
	struct ike_suite	 s;
	char			 err[128] = "", text[128];

	ck_assert_msg(ike_proposal_parse(row->text, row->protocol, &p, err,
	    sizeof(err)) == 0, "%s: %s", row->text, err);
	ck_assert_uint_eq(p.protocol, row->protocol);
	ck_assert_uint_eq(p.spi_len, 0);
	check_list(&p, IKE_XF_ENCR, row->encr);
	check_list(&p, IKE_XF_INTEG, row->integ);
	check_list(&p, IKE_XF_PRF, row->prf);
	check_list(&p, IKE_XF_DH, row->dh);
	check_list(&p, IKE_XF_ESN, row->esn);
	first_suite(&p, &s);
	ck_assert_uint_eq(ike_suite_format(&s, row->protocol, text,
	    sizeof(text)), strlen(row->format));
	ck_assert_str_eq(text, row->format);
}
END_TEST

static const struct bad_row {
	const char	*text;
	uint8_t		 protocol;
	const char	*err_has;
} bad_rows[] = {
	{ "aes128-sha256-modp2049", IKE, "'modp2049'" },
	{ "aes128-sha257", ESP, "'sha257'" },
	{ "3des-sha1-modp2048", IKE, "'3des'" },		/* strongSwan's, not ours */
	{ "chacha20poly1305", ESP, "'chacha20poly1305'" },
	{ "aes128-sha256-modp1024", IKE, "'modp1024'" },
	{ "aes128--sha256", ESP, "''" },
	{ "aes128-sha256-", ESP, "''" },
	{ "", ESP, "empty" },
	{ "aes128-sha256", IKE, "key exchange" },		/* IKE needs DH */
	{ "aes128-modp2048", IKE, "PRF" },			/* nor PRF */
	{ "aes128gcm16-ecp256", IKE, "PRF" },
	{ "null-sha256-modp2048", IKE, "ESP only" },
	{ "aes128gmac-prfsha256-ecp256", IKE, "ESP only" },
	{ "aes128-aes128gcm16-sha256-modp2048", IKE, "mixed" },
	{ "null-aes128gmac", ESP, "integrity" },	/* NULL needs one */
	{ "aes128", ESP, "integrity" },
	{ "null", ESP, "integrity" },
	{ "sha256", ESP, "encryption" },
	{ "aes128-sha256-prfsha256", ESP, "PRF" },
	{ "aes128-sha256-ecp256-esn", IKE, "ESN" },
	{ "aes128-sha256-none", IKE, "key exchange" },
	{ "aes128-aes192-aes256-aes128gcm8-aes128gcm12-aes128gcm16-aes192gcm8-"
	  "aes192gcm12-aes192gcm16", ESP, "too many" },
	{ "null-sha256", IKE_PROTO_AH, "protocol" },
	{ "aes128-sha256-averyveryverylongkeywordthatgoesonandonandon", ESP,
	    "'averyveryverylongkeywordthatgo" },
};

START_TEST(test_parse_bad)
{
	const struct bad_row	*row = &bad_rows[_i];
	struct ike_proposal	 p;
	char			 err[128] = "";

	ck_assert_int_eq(ike_proposal_parse(row->text, row->protocol, &p, err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, row->err_has) != NULL, "%s: '%s'",
	    row->text, err);
	/* no room for the message: still refused, nothing written */
	ck_assert_int_eq(ike_proposal_parse(row->text, row->protocol, &p,
	    NULL, 0), -1);
}
END_TEST

START_TEST(test_parse_list)
{
	struct ike_proposal	p[IKE_PROPOSALS_MAX];
	size_t			n = 99;
	char			err[128];

	ck_assert_int_eq(ike_proposals_parse("aes256gcm16-prfsha256-ecp256, "
	    "aes128-sha256-modp2048,aes128-sha256-x25519", IKE, p, NELEM(p),
	    &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 3);
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(p[i].num, i + 1);
	ck_assert_uint_eq(p[1].xforms[IKE_XF_DH][0].id, IKE_DH_MODP2048);
	ck_assert_uint_eq(p[2].xforms[IKE_XF_DH][0].id, IKE_DH_CURVE25519);

	ck_assert_int_eq(ike_proposals_parse("null-sha256,aes128gcm16", ESP, p,
	    1, &n, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "too many"));
	ck_assert_int_eq(ike_proposals_parse("null-sha256,,aes128gcm16", ESP,
	    p, NELEM(p), &n, err, sizeof(err)), -1);
	ck_assert_int_eq(ike_proposals_parse("null-sha256,bogus", ESP, p,
	    NELEM(p), &n, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "'bogus'"));
}
END_TEST

START_TEST(test_names)
{
	struct ike_suite	s = { IKE_ENCR_AES_GCM_16, 256,
	    IKE_PRF_HMAC_SHA2_256, 0, IKE_DH_ECP256, 0 };
	char			buf[16];

	ck_assert_str_eq(ike_xform_name(IKE_XF_ENCR, IKE_ENCR_AES_CBC),
	    "AES_CBC");
	ck_assert_str_eq(ike_xform_name(IKE_XF_INTEG,
	    IKE_INTEG_HMAC_SHA2_256_128), "HMAC_SHA2_256_128");
	ck_assert_str_eq(ike_xform_name(IKE_XF_DH, IKE_DH_CURVE25519),
	    "CURVE_25519");
	ck_assert_str_eq(ike_xform_name(IKE_XF_ENCR, 3), "UNKNOWN");
	ck_assert_str_eq(ike_xform_name(9, 1), "UNKNOWN");
	ck_assert(ike_encr_is_aead(IKE_ENCR_AES_GCM_8));
	ck_assert(ike_encr_is_aead(IKE_ENCR_NULL_AUTH_AES_GMAC));
	ck_assert(!ike_encr_is_aead(IKE_ENCR_NULL));
	ck_assert(!ike_encr_is_aead(IKE_ENCR_AES_CBC));
	/* truncated to the buffer, NUL-terminated */
	ck_assert_uint_eq(ike_suite_format(&s, IKE, buf, sizeof(buf)), 15);
	ck_assert_str_eq(buf, "AES_GCM_16-256/");
	ck_assert_uint_eq(ike_suite_format(&s, IKE, buf, 1), 0);
	ck_assert_str_eq(buf, "");
	/* ESP: no PRF printed even if set */
	ck_assert_uint_eq(ike_suite_format(&s, ESP, buf, sizeof(buf)), 15);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Selection (2.7)                                                     */
/* ------------------------------------------------------------------ */

static const struct select_row {
	const char	*name;
	uint8_t		 protocol;
	const char	*ours, *theirs;
	bool		 match;
	uint8_t		 num;
	const char	*chosen;
} select_rows[] = {
	{ "same", IKE, "aes256gcm16-prfsha256-ecp256",
	    "aes256gcm16-prfsha256-ecp256", true, 1,
	    "AES_GCM_16-256/PRF_HMAC_SHA2_256/ECP_256" },
	{ "peer's first acceptable proposal wins", IKE,
	    "aes128-sha256-modp2048,aes256gcm16-prfsha256-ecp256",
	    "aes256gcm16-prfsha256-ecp256,aes128-sha256-modp2048", true, 1,
	    "AES_GCM_16-256/PRF_HMAC_SHA2_256/ECP_256" },
	{ "peer's unacceptable first proposal skipped", IKE,
	    "aes128-sha256-modp2048",
	    "aes256gcm16-prfsha256-ecp256,aes128-sha256-modp2048", true, 2,
	    "AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048" },
	{ "peer's transform order within a type", IKE,
	    "aes128-aes256-sha256-sha1-modp2048-ecp256",
	    "aes256-aes128-sha1-sha256-ecp256-modp2048", true, 1,
	    "AES_CBC-256/HMAC_SHA1_96/PRF_HMAC_SHA1/ECP_256" },
	{ "key length must match", IKE, "aes128-sha256-modp2048",
	    "aes256-sha256-modp2048", false, 0, NULL },
	{ "no common DH group", IKE, "aes128-sha256-modp2048",
	    "aes128-sha256-ecp256", false, 0, NULL },
	{ "no match at all", ESP, "null-sha256", "aes128gcm16", false, 0,
	    NULL },
	{ "ESP-NULL", ESP, "null-sha256,null-sha1", "null-sha1,null-sha256",
	    true, 1, "NULL/HMAC_SHA1_96" },
	{ "ESP GMAC", ESP, "aes256gmac", "aes128gmac-aes256gmac", true, 1,
	    "NULL_AES_GMAC-256" },
	{ "peer wants PFS, we do not", ESP, "aes128-sha256",
	    "aes128-sha256-modp2048", false, 0, NULL },
	{ "we want PFS, peer does not", ESP, "aes128-sha256-modp2048",
	    "aes128-sha256", false, 0, NULL },
	{ "PFS optional on our side", ESP, "aes128-sha256-modp2048-none",
	    "aes128-sha256", true, 1, "AES_CBC-128/HMAC_SHA2_256_128" },
	{ "PFS agreed", ESP, "aes128-sha256-ecp256-modp2048",
	    "aes128-sha256-modp2048", true, 1,
	    "AES_CBC-128/HMAC_SHA2_256_128/MODP_2048" },
	{ "ESN: peer offers yes and no, we only no", ESP, "null-sha256",
	    "null-sha256-esn-noesn", true, 1, "NULL/HMAC_SHA2_256_128" },
	{ "ESN: peer only yes, we only no", ESP, "null-sha256",
	    "null-sha256-esn", false, 0, NULL },
	{ "GMAC chosen from a mixed proposal", ESP, "aes128gmac",
	    "null-aes128gmac-sha256", true, 1, "NULL_AES_GMAC-128" },
	{ "NULL chosen from a mixed proposal", ESP, "null-sha256",
	    "null-aes128gmac-sha256", true, 1, "NULL/HMAC_SHA2_256_128" },
	{ "AEAD chosen, our mixed proposal", ESP,
	    "aes128-aes128gcm16-sha256", "aes128gcm16", true, 1,
	    "AES_GCM_16-128" },
	{ "ESP AEAD", ESP, "aes128gcm16", "aes128gcm16", true, 1,
	    "AES_GCM_16-128" },
};

static size_t
parse_list(const char *text, uint8_t protocol, struct ike_proposal *p)
{
	size_t	n;
	char	err[128];

	ck_assert_msg(ike_proposals_parse(text, protocol, p, IKE_PROPOSALS_MAX,
	    &n, err, sizeof(err)) == 0, "%s: %s", text, err);
	return (n);
}

START_TEST(test_select)
{
	const struct select_row	*row = &select_rows[_i];
	struct ike_proposal	 ours[IKE_PROPOSALS_MAX];
	struct ike_proposal	 theirs[IKE_PROPOSALS_MAX], reply;
	struct ike_suite	 chosen, accepted;
	size_t			 n_ours, n_theirs;
	uint8_t			 num = 0xee;
	char			 text[128];
	const uint8_t		 spi[4] = { 0xc1, 0xc2, 0xc3, 0xc4 };

	n_ours = parse_list(row->ours, row->protocol, ours);
	n_theirs = parse_list(row->theirs, row->protocol, theirs);
	ck_assert(ike_proposal_select(ours, n_ours, theirs, n_theirs, &chosen,
	    &num) == row->match);
	if (!row->match)
		return;
	ck_assert_uint_eq(num, row->num);
	ike_suite_format(&chosen, row->protocol, text, sizeof(text));
	ck_assert_str_eq(text, row->chosen);

	/* the reply, as the initiator (theirs) checks it */
	ike_proposal_from_suite(&chosen, row->protocol, num,
	    row->protocol == ESP ? spi : NULL, row->protocol == ESP ? 4 : 0,
	    &reply);
	ck_assert_uint_eq(reply.num, num);
	ck_assert_uint_eq(reply.spi_len, row->protocol == ESP ? 4 : 0);
	ck_assert(ike_proposal_accept_reply(theirs, n_theirs, &reply,
	    &accepted));
	ck_assert_mem_eq(&accepted, &chosen, sizeof(chosen));
	/* a reply naming another proposal number, or with two transforms of
	 * a type, is refused */
	reply.num++;
	ck_assert(!ike_proposal_accept_reply(theirs, n_theirs, &reply,
	    &accepted));
	reply.num--;
	reply.xforms[IKE_XF_ENCR][1] = reply.xforms[IKE_XF_ENCR][0];
	reply.n_xforms[IKE_XF_ENCR] = 2;
	ck_assert(!ike_proposal_accept_reply(theirs, n_theirs, &reply,
	    &accepted));
}
END_TEST

START_TEST(test_select_protocol_and_missing_type)
{
	struct ike_proposal	ours, theirs;
	struct ike_suite	chosen;
	uint8_t			num;

	ck_assert_int_eq(ike_proposal_parse("aes128gcm16", ESP, &ours, NULL,
	    0), 0);
	theirs = ours;
	theirs.num = 1;
	theirs.protocol = IKE_PROTO_AH;
	ck_assert(!ike_proposal_select(&ours, 1, &theirs, 1, &chosen, &num));
	/* a type we require is missing: ESN */
	theirs = ours;
	theirs.num = 1;
	theirs.n_xforms[IKE_XF_ESN] = 0;
	ck_assert(!ike_proposal_select(&ours, 1, &theirs, 1, &chosen, &num));
	/* only unknown transforms of a type */
	theirs = ours;
	theirs.xforms[IKE_XF_ENCR][0].id = 3;	/* 3DES */
	ck_assert(!ike_proposal_select(&ours, 1, &theirs, 1, &chosen, &num));
	/* AEAD proposal with INTEG NONE from the peer: fine */
	theirs = ours;
	theirs.num = 1;
	theirs.n_xforms[IKE_XF_INTEG] = 1;
	theirs.xforms[IKE_XF_INTEG][0].id = IKE_INTEG_NONE;
	ck_assert(ike_proposal_select(&ours, 1, &theirs, 1, &chosen, &num));
	ck_assert_uint_eq(chosen.integ, IKE_INTEG_NONE);
	ck_assert(ike_proposal_accept_reply(&ours, 1, &theirs, &chosen));
	/* but an AEAD reply with a real INTEG is refused */
	theirs.xforms[IKE_XF_INTEG][0].id = IKE_INTEG_HMAC_SHA2_256_128;
	ck_assert(!ike_proposal_accept_reply(&ours, 1, &theirs, &chosen));
	/* an IKE reply without a PRF is refused */
	ck_assert_int_eq(ike_proposal_parse("aes128-sha256-modp2048", IKE,
	    &ours, NULL, 0), 0);
	ours.num = 1;
	theirs = ours;
	theirs.n_xforms[IKE_XF_PRF] = 0;
	ck_assert(!ike_proposal_accept_reply(&ours, 1, &theirs, &chosen));
	ck_assert(!ike_proposal_select(&ours, 1, &theirs, 1, &chosen, &num));
}
END_TEST

/* The proposal of a real strongSwan IKE_SA_INIT against its config. */
START_TEST(test_select_real)
{
	struct ike_msg		msg;
	struct ike_proposal	ours[2];
	struct ike_suite	chosen;
	uint8_t			num;
	size_t			n;
	char			text[96];

	ck_assert_int_eq(ike_msg_decode(ss_init_req, sizeof(ss_init_req), &msg,
	    NULL), 0);
	n = parse_list("aes256gcm16-prfsha256-ecp256,aes256-sha256-modp2048",
	    IKE, ours);
	ck_assert(ike_proposal_select(ours, n, msg.sa, msg.n_sa, &chosen,
	    &num));
	ck_assert_uint_eq(num, 1);
	ike_suite_format(&chosen, IKE, text, sizeof(text));
	ck_assert_str_eq(text,
	    "AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048");

	/* the responder's reply, as strongSwan's initiator would check it */
	ck_assert_int_eq(ike_msg_decode(ss_init_resp, sizeof(ss_init_resp),
	    &msg, NULL), 0);
	ck_assert_uint_eq(msg.n_sa, 1);
	ck_assert(ike_proposal_accept_reply(&ours[1], 1, &msg.sa[0], &chosen)
	    == false);	/* ours[1] is num 2, the reply names 1 */
	ours[1].num = 1;
	ck_assert(ike_proposal_accept_reply(&ours[1], 1, &msg.sa[0],
	    &chosen));
	ck_assert_uint_eq(chosen.encr_keybits, 256);

	/* Wireshark's sample: AES-GCM-16-256, PRF-SHA256, ECP-256 */
	ck_assert_int_eq(ike_msg_decode(ws_gcm_init_req,
	    sizeof(ws_gcm_init_req), &msg, NULL), 0);
	n = parse_list("aes256-sha256-modp2048,aes256gcm16-prfsha256-ecp256",
	    IKE, ours);
	ck_assert(ike_proposal_select(ours, n, msg.sa, msg.n_sa, &chosen,
	    &num));
	ike_suite_format(&chosen, IKE, text, sizeof(text));
	ck_assert_str_eq(text, "AES_GCM_16-256/PRF_HMAC_SHA2_256/ECP_256");
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("ike_proposal");
	TCase	*tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_parse, 0, NELEM(parse_rows));
	tcase_add_loop_test(tc, test_parse_bad, 0, NELEM(bad_rows));
	tcase_add_test(tc, test_parse_list);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("select");
	tcase_add_loop_test(tc, test_select, 0, NELEM(select_rows));
	tcase_add_test(tc, test_select_protocol_and_missing_type);
	tcase_add_test(tc, test_select_real);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
