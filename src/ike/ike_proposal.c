/*
 * ike_proposal.c - proposals as strongSwan writes them, their names as
 * `swanctl --list-sas` prints them, and the choice between two sets of
 * proposals (RFC 7296 sections 2.7 and 3.3).
 *
 * The keywords are those of strongSwan's proposal keyword table
 * (src/libstrongswan/crypto/proposal/proposal_keywords_static.txt)
 * restricted to the algorithms ike_types.h knows; any other keyword,
 * including ones strongSwan accepts for algorithms we do not implement
 * (3des, chacha20poly1305, modp1024, ...), is refused by name.  After
 * the keywords, a proposal is completed and checked as strongSwan does:
 * an IKE proposal without a prf* keyword gets the PRFs matching its
 * integrity algorithms, an all-AEAD proposal loses its integrity
 * algorithms, ESP gets ESN "no" when none is given, and AEAD and
 * classic ciphers do not mix in IKE (an ESP proposal may hold both,
 * with integrity algorithms for the classic ones).
 */
#include <stdio.h>
#include <string.h>

#include "ike_proposal.h"

/* One keyword: the transform it adds. */
struct keyword {
	const char	*name;
	uint8_t		 type;
	uint16_t	 id;
	uint16_t	 keybits;
};

#define GCM_KEYWORDS(bits)						\
	{ "aes" #bits "gcm8",   IKE_XF_ENCR, IKE_ENCR_AES_GCM_8,  bits },	\
	{ "aes" #bits "gcm64",  IKE_XF_ENCR, IKE_ENCR_AES_GCM_8,  bits },	\
	{ "aes" #bits "gcm12",  IKE_XF_ENCR, IKE_ENCR_AES_GCM_12, bits },	\
	{ "aes" #bits "gcm96",  IKE_XF_ENCR, IKE_ENCR_AES_GCM_12, bits },	\
	{ "aes" #bits "gcm16",  IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, bits },	\
	{ "aes" #bits "gcm128", IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, bits },	\
	{ "aes" #bits "gcm",    IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, bits },	\
	{ "aes" #bits "gmac",   IKE_XF_ENCR, IKE_ENCR_NULL_AUTH_AES_GMAC, bits }

static const struct keyword keywords[] = {
	{ "null",	IKE_XF_ENCR,	IKE_ENCR_NULL,		0 },
	{ "aes",	IKE_XF_ENCR,	IKE_ENCR_AES_CBC,	128 },
	{ "aes128",	IKE_XF_ENCR,	IKE_ENCR_AES_CBC,	128 },
	{ "aes192",	IKE_XF_ENCR,	IKE_ENCR_AES_CBC,	192 },
	{ "aes256",	IKE_XF_ENCR,	IKE_ENCR_AES_CBC,	256 },
	GCM_KEYWORDS(128),
	GCM_KEYWORDS(192),
	GCM_KEYWORDS(256),
	{ "sha",	IKE_XF_INTEG,	IKE_INTEG_HMAC_SHA1_96,		0 },
	{ "sha1",	IKE_XF_INTEG,	IKE_INTEG_HMAC_SHA1_96,		0 },
	{ "sha256",	IKE_XF_INTEG,	IKE_INTEG_HMAC_SHA2_256_128,	0 },
	{ "sha2_256",	IKE_XF_INTEG,	IKE_INTEG_HMAC_SHA2_256_128,	0 },
	{ "sha384",	IKE_XF_INTEG,	IKE_INTEG_HMAC_SHA2_384_192,	0 },
	{ "sha2_384",	IKE_XF_INTEG,	IKE_INTEG_HMAC_SHA2_384_192,	0 },
	{ "sha512",	IKE_XF_INTEG,	IKE_INTEG_HMAC_SHA2_512_256,	0 },
	{ "sha2_512",	IKE_XF_INTEG,	IKE_INTEG_HMAC_SHA2_512_256,	0 },
	{ "prfsha1",	IKE_XF_PRF,	IKE_PRF_HMAC_SHA1,		0 },
	{ "prfsha256",	IKE_XF_PRF,	IKE_PRF_HMAC_SHA2_256,		0 },
	{ "prfsha384",	IKE_XF_PRF,	IKE_PRF_HMAC_SHA2_384,		0 },
	{ "prfsha512",	IKE_XF_PRF,	IKE_PRF_HMAC_SHA2_512,		0 },
	{ "none",	IKE_XF_DH,	IKE_DH_NONE,			0 },
	{ "modpnone",	IKE_XF_DH,	IKE_DH_NONE,			0 },
	{ "modp2048",	IKE_XF_DH,	IKE_DH_MODP2048,		0 },
	{ "ecp256",	IKE_XF_DH,	IKE_DH_ECP256,			0 },
	{ "ecp384",	IKE_XF_DH,	IKE_DH_ECP384,			0 },
	{ "curve25519",	IKE_XF_DH,	IKE_DH_CURVE25519,		0 },
	{ "x25519",	IKE_XF_DH,	IKE_DH_CURVE25519,		0 },
	{ "noesn",	IKE_XF_ESN,	IKE_ESN_NO,			0 },
	{ "esn",	IKE_XF_ESN,	IKE_ESN_YES,			0 },
};

/* The PRF strongSwan derives from an integrity keyword in an IKE
 * proposal without prf* keywords. */
static const struct {
	uint16_t integ;
	uint16_t prf;
} integ_prf[] = {
	{ IKE_INTEG_HMAC_SHA1_96,	IKE_PRF_HMAC_SHA1 },
	{ IKE_INTEG_HMAC_SHA2_256_128,	IKE_PRF_HMAC_SHA2_256 },
	{ IKE_INTEG_HMAC_SHA2_384_192,	IKE_PRF_HMAC_SHA2_384 },
	{ IKE_INTEG_HMAC_SHA2_512_256,	IKE_PRF_HMAC_SHA2_512 },
};

/* Names as strongSwan prints them (its enum names). */
struct xform_name {
	uint8_t		 type;
	uint16_t	 id;
	const char	*name;
};

static const struct xform_name xform_names[] = {
	{ IKE_XF_ENCR,	IKE_ENCR_NULL,			"NULL" },
	{ IKE_XF_ENCR,	IKE_ENCR_AES_CBC,		"AES_CBC" },
	{ IKE_XF_ENCR,	IKE_ENCR_AES_GCM_8,		"AES_GCM_8" },
	{ IKE_XF_ENCR,	IKE_ENCR_AES_GCM_12,		"AES_GCM_12" },
	{ IKE_XF_ENCR,	IKE_ENCR_AES_GCM_16,		"AES_GCM_16" },
	{ IKE_XF_ENCR,	IKE_ENCR_NULL_AUTH_AES_GMAC,	"NULL_AES_GMAC" },
	{ IKE_XF_PRF,	IKE_PRF_HMAC_SHA1,		"PRF_HMAC_SHA1" },
	{ IKE_XF_PRF,	IKE_PRF_HMAC_SHA2_256,		"PRF_HMAC_SHA2_256" },
	{ IKE_XF_PRF,	IKE_PRF_HMAC_SHA2_384,		"PRF_HMAC_SHA2_384" },
	{ IKE_XF_PRF,	IKE_PRF_HMAC_SHA2_512,		"PRF_HMAC_SHA2_512" },
	{ IKE_XF_INTEG,	IKE_INTEG_NONE,			"NONE" },
	{ IKE_XF_INTEG,	IKE_INTEG_HMAC_SHA1_96,		"HMAC_SHA1_96" },
	{ IKE_XF_INTEG,	IKE_INTEG_HMAC_SHA2_256_128,	"HMAC_SHA2_256_128" },
	{ IKE_XF_INTEG,	IKE_INTEG_HMAC_SHA2_384_192,	"HMAC_SHA2_384_192" },
	{ IKE_XF_INTEG,	IKE_INTEG_HMAC_SHA2_512_256,	"HMAC_SHA2_512_256" },
	{ IKE_XF_DH,	IKE_DH_NONE,			"NONE" },
	{ IKE_XF_DH,	IKE_DH_MODP2048,		"MODP_2048" },
	{ IKE_XF_DH,	IKE_DH_ECP256,			"ECP_256" },
	{ IKE_XF_DH,	IKE_DH_ECP384,			"ECP_384" },
	{ IKE_XF_DH,	IKE_DH_CURVE25519,		"CURVE_25519" },
	{ IKE_XF_ESN,	IKE_ESN_NO,			"NO_EXT_SEQ" },
	{ IKE_XF_ESN,	IKE_ESN_YES,			"EXT_SEQ" },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define KEYWORD_MAX	32	/* longer than any keyword */

const char *
ike_xform_name(uint8_t type, uint16_t id)
{
	for (size_t i = 0; i < NELEM(xform_names); i++)
		if (xform_names[i].type == type && xform_names[i].id == id)
			return (xform_names[i].name);
	return ("UNKNOWN");
}

bool
ike_encr_is_aead(uint16_t encr)
{
	return (encr == IKE_ENCR_AES_GCM_8 || encr == IKE_ENCR_AES_GCM_12 ||
	    encr == IKE_ENCR_AES_GCM_16 || encr == IKE_ENCR_NULL_AUTH_AES_GMAC);
}

/* ------------------------------------------------------------------ */
/* Parsing                                                             */
/* ------------------------------------------------------------------ */

static void
set_err(char *err, size_t errlen, const char *fmt, const char *what)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, fmt, what);
}

/* Case-insensitive match of a token (not NUL-terminated) to a name. */
static bool
token_is(const char *tok, size_t len, const char *name)
{
	size_t i;

	for (i = 0; i < len && name[i] != '\0'; i++) {
		char a = tok[i], b = name[i];

		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (a != b)
			return (false);
	}
	return (i == len && name[i] == '\0');
}

static const struct keyword *
keyword_find(const char *tok, size_t len)
{
	for (size_t i = 0; i < NELEM(keywords); i++)
		if (token_is(tok, len, keywords[i].name))
			return (&keywords[i]);
	return (NULL);
}

static bool
has_xform(const struct ike_proposal *p, uint8_t type, uint16_t id,
    uint16_t keybits)
{
	for (size_t i = 0; i < p->n_xforms[type]; i++)
		if (p->xforms[type][i].id == id &&
		    p->xforms[type][i].keybits == keybits)
			return (true);
	return (false);
}

/* Adds a transform once; false when the type is full. */
static bool
add_xform(struct ike_proposal *p, uint8_t type, uint16_t id,
    uint16_t keybits)
{
	if (has_xform(p, type, id, keybits))
		return (true);
	if (p->n_xforms[type] >= IKE_XFORMS_MAX)
		return (false);
	p->xforms[type][p->n_xforms[type]].id = id;
	p->xforms[type][p->n_xforms[type]].keybits = keybits;
	p->n_xforms[type]++;
	return (true);
}

/* IKE without prf*: one PRF per integrity algorithm (strongSwan). */
static void
derive_prfs(struct ike_proposal *p)
{
	for (size_t i = 0; i < p->n_xforms[IKE_XF_INTEG]; i++)
		for (size_t j = 0; j < NELEM(integ_prf); j++)
			if (integ_prf[j].integ == p->xforms[IKE_XF_INTEG][i].id)
				(void)add_xform(p, IKE_XF_PRF, integ_prf[j].prf,
				    0);
}

/* Completes and checks a parsed proposal; NULL or what is wrong. */
static const char *
proposal_complete(struct ike_proposal *p)
{
	size_t n_aead = 0, n_encr = p->n_xforms[IKE_XF_ENCR];

	if (n_encr == 0)
		return ("no encryption algorithm");
	for (size_t i = 0; i < n_encr; i++) {
		uint16_t id = p->xforms[IKE_XF_ENCR][i].id;

		if (ike_encr_is_aead(id))
			n_aead++;
		if (p->protocol == IKE_PROTO_IKE &&
		    (id == IKE_ENCR_NULL || id == IKE_ENCR_NULL_AUTH_AES_GMAC))
			return ("NULL encryption is for ESP only");
	}
	/* strongSwan: mixed in ESP, not in IKE */
	if (p->protocol == IKE_PROTO_IKE && n_aead != 0 && n_aead != n_encr)
		return ("AEAD and classic algorithms mixed in IKE");
	if (p->protocol == IKE_PROTO_IKE) {
		if (p->n_xforms[IKE_XF_PRF] == 0)
			derive_prfs(p);
		if (p->n_xforms[IKE_XF_PRF] == 0)
			return ("no PRF algorithm");
		if (p->n_xforms[IKE_XF_DH] == 0 ||
		    has_xform(p, IKE_XF_DH, IKE_DH_NONE, 0))
			return ("no key exchange method");
		if (p->n_xforms[IKE_XF_ESN] != 0)
			return ("ESN in an IKE proposal");
	} else {
		if (p->n_xforms[IKE_XF_PRF] != 0)
			return ("PRF in an ESP proposal");
		if (p->n_xforms[IKE_XF_ESN] == 0)
			(void)add_xform(p, IKE_XF_ESN, IKE_ESN_NO, 0);
	}
	if (n_aead == n_encr)
		p->n_xforms[IKE_XF_INTEG] = 0;	/* 3.3.3: none with AEAD */
	else if (p->n_xforms[IKE_XF_INTEG] == 0)
		return ("no integrity algorithm");
	return (NULL);
}

int
ike_proposal_parse(const char *text, uint8_t protocol,
    struct ike_proposal *out, char *err, size_t errlen)
{
	const char	*tok = text, *why;

	memset(out, 0, sizeof(*out));
	out->protocol = protocol;
	if (protocol != IKE_PROTO_IKE && protocol != IKE_PROTO_ESP) {
		set_err(err, errlen, "%s", "protocol is neither IKE nor ESP");
		return (-1);
	}
	if (text == NULL || *text == '\0') {
		set_err(err, errlen, "%s", "empty proposal");
		return (-1);
	}
	for (;;) {
		size_t			 len = strcspn(tok, "-");
		const struct keyword	*kw = keyword_find(tok, len);
		char			 name[KEYWORD_MAX];

		if (kw == NULL) {
			snprintf(name, sizeof(name), "%.*s",
			    (int)(len < sizeof(name) - 1 ? len :
			    sizeof(name) - 1), tok);
			set_err(err, errlen,
			    "unknown or unsupported algorithm '%s'", name);
			return (-1);
		}
		if (!add_xform(out, kw->type, kw->id, kw->keybits)) {
			set_err(err, errlen, "too many algorithms at '%s'",
			    kw->name);
			return (-1);
		}
		if (tok[len] == '\0')
			break;
		tok += len + 1;
	}
	if ((why = proposal_complete(out)) != NULL) {
		set_err(err, errlen, "%s", why);
		return (-1);
	}
	return (0);
}

int
ike_proposals_parse(const char *text, uint8_t protocol,
    struct ike_proposal *out, size_t max, size_t *n, char *err,
    size_t errlen)
{
	char	one[256];

	*n = 0;
	if (text == NULL || *text == '\0') {
		set_err(err, errlen, "%s", "empty proposal list");
		return (-1);
	}
	for (const char *p = text;; ) {
		size_t len = strcspn(p, ",");

		while (len > 0 && *p == ' ') {
			p++;
			len--;
		}
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len >= sizeof(one)) {
			set_err(err, errlen, "%s", "proposal too long");
			return (-1);
		}
		if (*n >= max || *n >= UINT8_MAX) {
			set_err(err, errlen, "%s", "too many proposals");
			return (-1);
		}
		memcpy(one, p, len);
		one[len] = '\0';
		if (ike_proposal_parse(one, protocol, &out[*n], err,
		    errlen) != 0)
			return (-1);
		out[*n].num = (uint8_t)(*n + 1);
		(*n)++;
		p += strcspn(p, ",");
		if (*p == '\0')
			break;
		p++;
	}
	return (0);
}

/* ------------------------------------------------------------------ */
/* Names                                                               */
/* ------------------------------------------------------------------ */

/* Appends to buf as snprintf would, keeping *len the bytes written. */
static void
append(char *buf, size_t cap, size_t *len, const char *sep,
    const char *name, unsigned bits)
{
	int n;

	if (*len + 1 >= cap)
		return;
	if (bits != 0)
		n = snprintf(buf + *len, cap - *len, "%s%s-%u", sep, name, bits);
	else
		n = snprintf(buf + *len, cap - *len, "%s%s", sep, name);
	if (n < 0)
		return;
	*len += (size_t)n < cap - *len ? (size_t)n : cap - *len - 1;
}

/* swanctl's list-sas line: encr[-bits][/integ][/prf][/dh][/ESN]. */
size_t
ike_suite_format(const struct ike_suite *suite, uint8_t protocol, char *buf,
    size_t cap)
{
	size_t len = 0;

	if (buf == NULL || cap == 0)
		return (0);
	buf[0] = '\0';
	append(buf, cap, &len, "", ike_xform_name(IKE_XF_ENCR, suite->encr),
	    suite->encr_keybits);
	if (suite->integ != IKE_INTEG_NONE)
		append(buf, cap, &len, "/",
		    ike_xform_name(IKE_XF_INTEG, suite->integ), 0);
	if (protocol == IKE_PROTO_IKE && suite->prf != 0)
		append(buf, cap, &len, "/",
		    ike_xform_name(IKE_XF_PRF, suite->prf), 0);
	if (suite->dh != IKE_DH_NONE)
		append(buf, cap, &len, "/",
		    ike_xform_name(IKE_XF_DH, suite->dh), 0);
	if (protocol != IKE_PROTO_IKE && suite->esn == IKE_ESN_YES)
		append(buf, cap, &len, "/", "ESN", 0);
	return (len);
}

/* ------------------------------------------------------------------ */
/* Selection (2.7)                                                     */
/* ------------------------------------------------------------------ */

static uint16_t *
suite_slot(struct ike_suite *s, uint8_t type)
{
	switch (type) {
	case IKE_XF_ENCR:	return (&s->encr);
	case IKE_XF_PRF:	return (&s->prf);
	case IKE_XF_INTEG:	return (&s->integ);
	case IKE_XF_DH:		return (&s->dh);
	default:		return (&s->esn);
	}
}

/*
 * Of one type: the first of `theirs` that `ours` also lists.  A type
 * one side lacks matches only when the other lists its NONE (0): INTEG
 * NONE, DH NONE (no PFS).  ESN is mandatory in ESP proposals (3.3.3):
 * when we list it, theirs must too.
 */
static bool
pick_type(const struct ike_proposal *ours, const struct ike_proposal *theirs,
    uint8_t type, struct ike_xform *pick)
{
	size_t n_theirs = theirs->n_xforms[type];

	pick->id = 0;
	pick->keybits = 0;
	if (n_theirs == 0 && type == IKE_XF_ESN)
		return (ours->n_xforms[type] == 0);	/* 3.3.3: mandatory */
	if (n_theirs == 0)
		return (ours->n_xforms[type] == 0 ||
		    has_xform(ours, type, 0, 0));
	if (ours->n_xforms[type] == 0)
		return (has_xform(theirs, type, 0, 0));
	for (size_t i = 0; i < n_theirs; i++) {
		const struct ike_xform *x = &theirs->xforms[type][i];

		if (has_xform(ours, type, x->id, x->keybits)) {
			*pick = *x;
			return (true);
		}
	}
	return (false);
}

/* One pair of proposals; true and *suite when they agree. */
static bool
match_pair(const struct ike_proposal *ours, const struct ike_proposal *theirs,
    struct ike_suite *suite)
{
	struct ike_xform pick;

	memset(suite, 0, sizeof(*suite));
	if (ours->protocol != theirs->protocol)
		return (false);
	for (uint8_t type = 1; type < IKE_XF_TYPES; type++) {
		/* An AEAD runs without INTEG whatever a mixed proposal
		 * lists (3.3.3, RFC 5282 section 8) */
		if (type == IKE_XF_INTEG && ike_encr_is_aead(suite->encr))
			continue;
		if (!pick_type(ours, theirs, type, &pick))
			return (false);
		*suite_slot(suite, type) = pick.id;
		if (type == IKE_XF_ENCR)
			suite->encr_keybits = pick.keybits;
	}
	/* anything but an AEAD needs an INTEG; IKE a PRF and a DH group */
	if (!ike_encr_is_aead(suite->encr) && suite->integ == IKE_INTEG_NONE)
		return (false);
	if (theirs->protocol == IKE_PROTO_IKE &&
	    (suite->prf == 0 || suite->dh == IKE_DH_NONE))
		return (false);
	return (true);
}

bool
ike_proposal_select(const struct ike_proposal *ours, size_t n_ours,
    const struct ike_proposal *theirs, size_t n_theirs,
    struct ike_suite *chosen, uint8_t *their_num)
{
	for (size_t t = 0; t < n_theirs; t++)
		for (size_t o = 0; o < n_ours; o++)
			if (match_pair(&ours[o], &theirs[t], chosen)) {
				*their_num = theirs[t].num;
				return (true);
			}
	memset(chosen, 0, sizeof(*chosen));
	return (false);
}

/* A reply holds one transform of each type it has (3.3.1, 2.7). */
static bool
reply_is_single(const struct ike_proposal *reply)
{
	for (uint8_t type = 1; type < IKE_XF_TYPES; type++)
		if (reply->n_xforms[type] > 1)
			return (false);
	return (true);
}

bool
ike_proposal_accept_reply(const struct ike_proposal *offered,
    size_t n_offered, const struct ike_proposal *reply,
    struct ike_suite *chosen)
{
	memset(chosen, 0, sizeof(*chosen));
	if (!reply_is_single(reply))
		return (false);
	for (size_t o = 0; o < n_offered; o++) {
		uint8_t num = offered[o].num != 0 ? offered[o].num :
		    (uint8_t)(o + 1);

		/* the Proposal Num is the one chosen (3.3.1) */
		if (num != reply->num)
			continue;
		if (!match_pair(&offered[o], reply, chosen))
			return (false);
		/* with an AEAD the reply carries no INTEG but NONE */
		return (!ike_encr_is_aead(chosen->encr) ||
		    reply->n_xforms[IKE_XF_INTEG] == 0 ||
		    reply->xforms[IKE_XF_INTEG][0].id == IKE_INTEG_NONE);
	}
	return (false);
}

void
ike_proposal_from_suite(const struct ike_suite *suite, uint8_t protocol,
    uint8_t num, const uint8_t *spi, uint8_t spi_len,
    struct ike_proposal *out)
{
	memset(out, 0, sizeof(*out));
	out->num = num;
	out->protocol = protocol;
	if (spi != NULL && spi_len <= sizeof(out->spi)) {
		out->spi_len = spi_len;
		memcpy(out->spi, spi, spi_len);
	}
	(void)add_xform(out, IKE_XF_ENCR, suite->encr, suite->encr_keybits);
	if (protocol == IKE_PROTO_IKE)
		(void)add_xform(out, IKE_XF_PRF, suite->prf, 0);
	if (suite->integ != IKE_INTEG_NONE)
		(void)add_xform(out, IKE_XF_INTEG, suite->integ, 0);
	if (protocol == IKE_PROTO_IKE || suite->dh != IKE_DH_NONE)
		(void)add_xform(out, IKE_XF_DH, suite->dh, 0);
	if (protocol != IKE_PROTO_IKE)
		(void)add_xform(out, IKE_XF_ESN, suite->esn, 0);
}
