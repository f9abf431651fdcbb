/*
 * keys.c - the `esp_keys:` section (keys.h).
 *
 * One entry:
 *   spi:       the SA's SPI (0x.. or decimal), 256 and up (RFC 4303 2.1)
 *   dst:       the SA's destination address (optional: any)
 *   suite:     the ESP proposal as strongSwan writes it (null-sha256,
 *              aes128gcm16, aes256-sha256, aes128gmac), read by
 *              ike/ike_proposal.c so that both spell suites alike
 *   encr_key:  hex (0x optional, ':' allowed); GCM/GMAC with the 4-byte
 *              salt last (RFC 4106 8.1, RFC 4543 5.4), as charon logs it
 *   integ_key: hex, for the HMAC suites
 * Lengths are checked against the suite; ESN is refused (esp_dir.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "esp/esp_dir.h"
#include "ike/ike_crypto.h"
#include "ike/ike_proposal.h"
#include "keys.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static const char *const entry_keys[] = {
	"spi", "dst", "suite", "encr_key", "integ_key",
};
static const char *const section_keys[] = { "key_file", "keys" };

static int
hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* Hex into out (at most max bytes); -1 with err, the value unsaid. */
static int
parse_hex(const struct ynode *v, const char *name, uint8_t *out, size_t max,
    uint8_t *len, struct doc_error *err)
{
	const char	*s;
	size_t		 i, n = 0;
	int		 hi = -1, x;

	if (ynode_str(v, 4 * max + 2, &s, err) != 0)
		return (-1);
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == ':' || s[i] == ' ')
			continue;
		if ((x = hex_nibble(s[i])) < 0 || (hi < 0 && n == max))
			return (ynode_error(v, err, "%s: expected at most %zu "
			    "bytes in hexadecimal", name, max));
		if (hi < 0) {
			hi = x;
			continue;
		}
		out[n++] = (uint8_t)(hi << 4 | x);
		hi = -1;
	}
	if (hi >= 0 || n == 0)
		return (ynode_error(v, err, "%s: expected whole bytes in "
		    "hexadecimal", name));
	*len = (uint8_t)n;
	return (0);
}

static int
parse_dst(const struct ynode *v, struct ipaddr *dst, struct doc_error *err)
{
	const char	*s;

	if (ynode_str(v, 64, &s, err) != 0)
		return (-1);
	if (ipaddr_parse(s, dst) != 0)
		return (ynode_error(v, err, "dst: expected an IPv4 or IPv6 "
		    "address"));
	return (0);
}

/* suite: one ESP proposal, one transform of each type. */
static int
parse_suite(const struct ynode *v, struct esp_key *k, struct doc_error *err)
{
	struct ike_proposal p;
	const char	*s;
	char		 why[128];

	if (ynode_str(v, 128, &s, err) != 0)
		return (-1);
	if (ike_proposal_parse(s, IKE_PROTO_ESP, &p, why, sizeof(why)) != 0)
		return (ynode_error(v, err, "suite: %s", why));
	if (p.n_xforms[IKE_XF_ENCR] != 1 || p.n_xforms[IKE_XF_INTEG] > 1)
		return (ynode_error(v, err, "suite: name one encryption and "
		    "at most one integrity algorithm"));
	if (p.n_xforms[IKE_XF_ESN] != 1 ||
	    p.xforms[IKE_XF_ESN][0].id != IKE_ESN_NO)
		return (ynode_error(v, err, "suite: extended sequence numbers "
		    "(esn) are not supported: the inspector checks 32-bit "
		    "sequence numbers only"));
	k->encr = p.xforms[IKE_XF_ENCR][0].id;
	k->encr_keybits = p.xforms[IKE_XF_ENCR][0].keybits;
	k->integ = p.n_xforms[IKE_XF_INTEG] == 1 ?
	    p.xforms[IKE_XF_INTEG][0].id : IKE_INTEG_NONE;
	switch (k->encr) {
	case IKE_ENCR_NULL:
	case IKE_ENCR_AES_CBC:
		if (k->integ == IKE_INTEG_NONE)
			return (ynode_error(v, err, "suite: needs an integrity "
			    "algorithm (e.g. null-sha256)"));
		return (0);
	case IKE_ENCR_AES_GCM_16:
	case IKE_ENCR_NULL_AUTH_AES_GMAC:
		if (k->integ != IKE_INTEG_NONE)
			return (ynode_error(v, err, "suite: AES-GCM and GMAC "
			    "take no integrity algorithm"));
		return (0);
	default:
		return (ynode_error(v, err, "suite: not one the inspector "
		    "opens (null-sha1/256/384/512, aesNNN-shaNNN, "
		    "aesNNNgcm16, aesNNNgmac)"));
	}
}

static int
check_len(const struct ynode *entry, const char *name, size_t got,
    size_t want, struct doc_error *err)
{
	const struct ynode *v = ynode_get(entry, name);

	if (want == 0 && v != NULL)
		return (ynode_key_error(v, err, "%s: this suite has none",
		    name));
	if (want != 0 && v == NULL)
		return (ynode_error(entry, err, "%s missing: the suite needs "
		    "%zu bytes", name, want));
	if (got != want)
		return (ynode_error(v, err, "%s: %zu bytes, the suite needs "
		    "%zu", name, got, want));
	return (0);
}

static int
parse_entry(const struct ynode *e, struct esp_key *k, struct doc_error *err)
{
	const struct ynode *v;
	uint32_t	 spi;

	memset(k, 0, sizeof(*k));
	if (ynode_expect(e, YNODE_MAP, err) != 0 ||
	    ynode_check_keys(e, entry_keys, NELEM(entry_keys), err) != 0)
		return (-1);
	if ((v = ynode_get(e, "spi")) == NULL)
		return (ynode_error(e, err, "spi missing"));
	if (ynode_u32(v, 256, UINT32_MAX, &spi, err) != 0)
		return (-1);
	k->spi = spi;
	if ((v = ynode_get(e, "dst")) != NULL && parse_dst(v, &k->dst, err) != 0)
		return (-1);
	if ((v = ynode_get(e, "suite")) == NULL)
		return (ynode_error(e, err, "suite missing (e.g. null-sha256, "
		    "aes128gcm16)"));
	if (parse_suite(v, k, err) != 0)
		return (-1);
	if ((v = ynode_get(e, "encr_key")) != NULL && parse_hex(v, "encr_key",
	    k->encr_key, sizeof(k->encr_key), &k->encr_len, err) != 0)
		return (-1);
	if ((v = ynode_get(e, "integ_key")) != NULL && parse_hex(v,
	    "integ_key", k->integ_key, sizeof(k->integ_key), &k->integ_len,
	    err) != 0)
		return (-1);
	if (check_len(e, "encr_key", k->encr_len, ike_encr_key_len(k->encr,
	    k->encr_keybits), err) != 0 || check_len(e, "integ_key",
	    k->integ_len, ike_integ_key_len(k->integ), err) != 0)
		return (-1);
	return (0);
}

/* Appends the entries of list to out, already sized for them. */
static int
parse_list(const struct ynode *list, struct key_list *out,
    struct doc_error *err)
{
	const struct ynode *e;
	size_t		 i;

	if (ynode_expect(list, YNODE_LIST, err) != 0)
		return (-1);
	for (e = list->child; e != NULL; e = e->next) {
		if (parse_entry(e, &out->keys[out->n], err) != 0)
			return (-1);
		for (i = 0; i < out->n; i++)
			if (out->keys[i].spi == out->keys[out->n].spi &&
			    ipaddr_eq(&out->keys[i].dst,
			    &out->keys[out->n].dst))
				return (ynode_error(e, err, "a second key for "
				    "SPI 0x%08x and this dst", out->keys[i].spi));
		out->n++;
	}
	return (0);
}

static uint32_t
list_len(const struct ynode *v)
{
	return (v != NULL && v->kind == YNODE_LIST ? v->n_children : 0);
}

int
keys_parse(const struct ynode *section, struct key_list *out,
    struct doc_error *err)
{
	const struct ynode *list = NULL, *fv;
	struct ydoc	*file = NULL;
	struct key_list	 l = { NULL, 0 };
	const char	*path;
	size_t		 cap;
	int		 rc = -1;

	if (section == NULL)
		return (0);
	if (section->kind == YNODE_MAP) {
		if (ynode_check_keys(section, section_keys,
		    NELEM(section_keys), err) != 0)
			return (-1);
		list = ynode_get(section, "keys");
		if ((fv = ynode_get(section, "key_file")) != NULL) {
			if (ynode_str(fv, 4095, &path, err) != 0 ||
			    (file = ydoc_load_file(path, err)) == NULL)
				return (-1);
		}
	} else
		list = section;
	cap = list_len(list) + (file != NULL ? list_len(ydoc_root(file)) : 0);
	if (cap > KEYS_MAX) {
		ynode_error(section, err, "more than %d keys", KEYS_MAX);
		goto done;
	}
	if (cap > 0 && (l.keys = calloc(cap, sizeof(*l.keys))) == NULL) {
		ynode_error(section, err, "out of memory");
		goto done;
	}
	if (list != NULL && parse_list(list, &l, err) != 0)
		goto done;
	if (file != NULL && ydoc_root(file) != NULL &&
	    parse_list(ydoc_root(file), &l, err) != 0)
		goto done;
	*out = l;
	l.keys = NULL;
	rc = 0;
done:
	if (l.keys != NULL) {
		l.n = cap;
		key_list_free(&l);
	}
	ydoc_free(file);		/* cleanses its text */
	return (rc);
}

void
key_list_free(struct key_list *l)
{
	if (l->keys != NULL) {
		OPENSSL_cleanse(l->keys, l->n * sizeof(*l->keys));
		free(l->keys);
	}
	l->keys = NULL;
	l->n = 0;
}

/*
 * Key the transform once now: OpenSSL refuses here, with a message,
 * rather than on the first packet; and it has read its configuration
 * and fetched its algorithms before the sandbox closes the files.
 */
static int
key_try(const struct esp_key *k, char *err, size_t errlen)
{
	struct esp_dir	 d;
	int		 rc;

	memset(&d, 0, sizeof(d));
	rc = esp_dir_init_key(&d, k, 0);
	esp_dir_free(&d);
	if (rc != 0)
		snprintf(err, errlen, "esp_keys: SPI 0x%08x: the suite or its "
		    "key was refused (OpenSSL)", k->spi);
	return (rc);
}

struct esp_keys *
keys_store_new(const struct key_list *list, uint32_t extra, char *err,
    size_t errlen)
{
	struct esp_keys	*ks;
	size_t		 i;

	for (i = 0; i < list->n; i++)
		if (key_try(&list->keys[i], err, errlen) != 0)
			return (NULL);
	if ((ks = esp_keys_new((uint32_t)list->n + extra)) == NULL) {
		snprintf(err, errlen, "out of memory for the ESP keys");
		return (NULL);
	}
	for (i = 0; i < list->n; i++)
		(void)esp_keys_put(ks, &list->keys[i]);	/* room made */
	return (ks);
}
