/*
 * ike_config.c - the `ike:` section of the espvis YAML file, read through
 * util/yaml (positions in every error).  Secrets come from files
 * (psk_file) and are never echoed in an error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/yaml.h"
#include "ike_config.h"
#include "ike_proposal.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define TIME_MAX	(10u * 365 * 86400)

void
ike_peer_defaults(struct ike_peer_config *p)
{
	char err[128];

	memset(p, 0, sizeof(*p));
	p->auth = IKE_AUTHK_PSK;
	snprintf(p->ike_proposals_text, sizeof(p->ike_proposals_text), "%s",
	    "aes128-sha256-modp2048");
	snprintf(p->esp_proposals_text, sizeof(p->esp_proposals_text), "%s",
	    "aes128gcm16");
	(void)ike_proposals_parse(p->ike_proposals_text, IKE_PROTO_IKE,
	    p->ike_props, IKE_PROPOSALS_MAX, &p->n_ike_props, err, sizeof(err));
	(void)ike_proposals_parse(p->esp_proposals_text, IKE_PROTO_ESP,
	    p->esp_props, IKE_PROPOSALS_MAX, &p->n_esp_props, err, sizeof(err));
	p->ike_rekey_time = 14400;		/* strongSwan: 4 h */
	p->ike_life_time = 15840;		/* +10 % */
	p->child_rekey_time = 3600;		/* 1 h */
	p->child_life_time = 3960;
	p->start_action = IKE_START_NONE;
}

void
ike_config_defaults(struct ike_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->port = IKE_PORT;
	cfg->natt_port = IKE_NATT_PORT;
	cfg->n_listen = 1;
	cfg->listen[0].ip.family = 4;		/* 0.0.0.0 */
	cfg->listen[0].port = IKE_PORT;
	snprintf(cfg->control_socket, sizeof(cfg->control_socket), "%s",
	    "/run/espvis-ike.sock");
	cfg->cookie_threshold = 10;
	cfg->half_open_max = 100;
	cfg->retransmit_timeout_ms = 4000;
	cfg->retransmit_base_pct = 180;
	cfg->retransmit_tries = 5;
	cfg->keepalive_s = 20;
	cfg->fragment_size = 1280;
	cfg->tun_mtu = 1400;
	cfg->replay_window = 64;
}

void
ike_config_wipe(struct ike_config *cfg)
{
	size_t i;

	for (i = 0; i < IKE_PEERS_MAX; i++) {
		ike_wipe(cfg->peers[i].psk, sizeof(cfg->peers[i].psk));
		cfg->peers[i].psk_len = 0;
	}
}

const struct ike_peer_config *
ike_config_peer(const struct ike_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n_peers; i++)
		if (strcmp(cfg->peers[i].name, name) == 0)
			return (&cfg->peers[i]);
	return (NULL);
}

int
ike_addr_parse(const char *text, uint16_t port, struct ike_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->port = port;
	if (strcmp(text, "%any") == 0)
		return (0);
	return (ipaddr_parse(text, &a->ip));
}

int
ike_id_parse(const char *text, struct ike_id *id)
{
	struct ipaddr ip;
	size_t len = strlen(text);

	memset(id, 0, sizeof(*id));
	if (len == 0 || len > IKE_ID_MAX)
		return (-1);
	if (ipaddr_parse(text, &ip) == 0) {
		id->type = ip.family == 4 ? IKE_ID_IPV4_ADDR : IKE_ID_IPV6_ADDR;
		id->len = ip.family == 4 ? 4 : 16;
		memcpy(id->data, ip.bytes, id->len);
		return (0);
	}
	if (strchr(text, '=') != NULL)
		return (-1);	/* a DN: taken from the certificate */
	if (text[0] == '@') {
		/* strongSwan: "@name" is an FQDN, "@#hex" a key ID. */
		text++;
		len--;
		if (len == 0)
			return (-1);
		id->type = IKE_ID_FQDN;
	} else
		id->type = strchr(text, '@') != NULL ? IKE_ID_RFC822_ADDR :
		    IKE_ID_FQDN;
	id->len = (uint16_t)len;
	memcpy(id->data, text, len);
	return (0);
}

int
ike_ts_parse(const char *text, struct ike_ts *ts)
{
	char buf[128], *sep;
	struct ipaddr a, b;
	size_t alen, i;

	memset(ts, 0, sizeof(*ts));
	ts->end_port = 65535;
	if (strlen(text) >= sizeof(buf))
		return (-1);
	snprintf(buf, sizeof(buf), "%s", text);
	if ((sep = strchr(buf, '/')) != NULL) {
		char *end;
		unsigned long plen;

		*sep++ = '\0';
		if (ipaddr_parse(buf, &a) != 0)
			return (-1);
		alen = a.family == 4 ? 4 : 16;
		errno = 0;
		plen = strtoul(sep, &end, 10);
		if (*sep == '\0' || *end != '\0' || errno != 0 ||
		    plen > alen * 8)
			return (-1);
		b = a;
		for (i = 0; i < alen; i++) {
			unsigned bits = plen > i * 8 ? (unsigned)(plen - i * 8) :
			    0;
			uint8_t mask = bits >= 8 ? 0xff :
			    (uint8_t)(0xff << (8 - bits));

			a.bytes[i] &= mask;
			b.bytes[i] = (uint8_t)(a.bytes[i] | (uint8_t)~mask);
		}
	} else if ((sep = strchr(buf, '-')) != NULL) {
		*sep++ = '\0';
		if (ipaddr_parse(buf, &a) != 0 || ipaddr_parse(sep, &b) != 0 ||
		    a.family != b.family)
			return (-1);
		alen = a.family == 4 ? 4 : 16;
		if (memcmp(a.bytes, b.bytes, alen) > 0)
			return (-1);
	} else {
		if (ipaddr_parse(buf, &a) != 0)
			return (-1);
		b = a;
		alen = a.family == 4 ? 4 : 16;
	}
	ts->type = a.family == 4 ? IKE_TS_IPV4_ADDR_RANGE :
	    IKE_TS_IPV6_ADDR_RANGE;
	memcpy(ts->start, a.bytes, alen);
	memcpy(ts->end, b.bytes, alen);
	return (0);
}

/* ---- YAML ---- */

static const char *const ike_keys[] = {
	"local_id", "listen", "port", "natt_port", "control_socket",
	"cookie_threshold", "half_open_max", "retransmit_timeout_ms",
	"retransmit_base_pct", "retransmit_tries", "keepalive", "peers",
	"tun", "esp", "fragmentation", "fragment_size",
};
static const char *const tun_keys[] = { "name", "address", "mtu" };
static const char *const esp_keys[] = {
	"replay_window", "rekey_bytes", "life_bytes", "rekey_packets",
	"life_packets",
};
static const char *const peer_keys[] = {
	"name", "local_addr", "remote_addr", "auth", "psk_file", "cert_file",
	"key_file", "ca_file", "local_id", "remote_id", "ike_proposals",
	"esp_proposals", "local_ts", "remote_ts", "ike_rekey_time",
	"ike_life_time", "child_rekey_time", "child_life_time", "dpd_delay",
	"start_action", "wesp", "encap",
};
static const char *const auth_names[] = { "psk", "cert" };
static const char *const start_names[] = { "none", "start" };

static int
read_psk(const struct ynode *v, const char *path, struct ike_peer_config *p,
    struct doc_error *err)
{
	uint8_t buf[IKE_PSK_MAX + 2];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return (ynode_error(v, err, "psk_file %s: %s", path,
		    strerror(errno)));
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
	    buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	if (n == 0 || n > IKE_PSK_MAX) {
		ike_wipe(buf, sizeof(buf));
		return (ynode_error(v, err, "psk_file %s: the key must be "
		    "1..%d bytes", path, IKE_PSK_MAX));
	}
	memcpy(p->psk, buf, n);
	p->psk_len = n;
	ike_wipe(buf, sizeof(buf));
	return (0);
}

static int
get_str(const struct ynode *map, const char *key, size_t max,
    const char **out, struct doc_error *err)
{
	const struct ynode *v;

	*out = NULL;
	if ((v = ynode_get(map, key)) == NULL)
		return (0);
	return (ynode_str(v, max, out, err));
}

static int
copy_path(const struct ynode *map, const char *key, char *dst, size_t cap,
    struct doc_error *err)
{
	const char *s;

	if (get_str(map, key, cap - 1, &s, err) != 0)
		return (-1);
	if (s != NULL)
		snprintf(dst, cap, "%s", s);
	return (0);
}

/* A scalar or a list of scalars, each parsed by fn. */
static int
parse_ts_list(const struct ynode *v, struct ike_ts *out, size_t max,
    size_t *n, struct doc_error *err)
{
	const struct ynode *it;
	const char *s;

	*n = 0;
	if (v->kind == YNODE_SCALAR) {
		if (strcmp(v->text, "dynamic") == 0)
			return (0);
		if (ike_ts_parse(v->text, &out[0]) != 0)
			return (ynode_error(v, err, "not a traffic selector "
			    "(ADDR, ADDR/LEN or ADDR-ADDR): '%s'", v->text));
		*n = 1;
		return (0);
	}
	if (ynode_expect(v, YNODE_LIST, err) != 0)
		return (-1);
	for (it = v->child; it != NULL; it = it->next) {
		if (ynode_str(it, 127, &s, err) != 0)
			return (-1);
		if (*n == max)
			return (ynode_error(it, err, "at most %zu traffic "
			    "selectors", max));
		if (ike_ts_parse(s, &out[*n]) != 0)
			return (ynode_error(it, err, "not a traffic selector "
			    "(ADDR, ADDR/LEN or ADDR-ADDR): '%s'", s));
		(*n)++;
	}
	return (0);
}

static int
parse_time(const struct ynode *map, const char *key, uint32_t *out,
    struct doc_error *err)
{
	const struct ynode *v = ynode_get(map, key);

	return (v == NULL ? 0 : ynode_u32(v, 0, TIME_MAX, out, err));
}

static int
parse_peer(const struct ynode *m, struct ike_peer_config *p,
    struct doc_error *err)
{
	const struct ynode *v;
	const char *s;
	char why[160];
	int k;

	ike_peer_defaults(p);
	if (ynode_expect(m, YNODE_MAP, err) != 0 ||
	    ynode_check_keys(m, peer_keys, NELEM(peer_keys), err) != 0)
		return (-1);
	if ((v = ynode_get(m, "name")) == NULL)
		return (ynode_error(m, err, "a peer needs a name"));
	if (ynode_str(v, IKE_NAME_MAX - 1, &s, err) != 0)
		return (-1);
	snprintf(p->name, sizeof(p->name), "%s", s);
	if ((v = ynode_get(m, "local_addr")) != NULL) {
		if (ynode_str(v, 63, &s, err) != 0)
			return (-1);
		if (ike_addr_parse(s, 0, &p->local) != 0)
			return (ynode_error(v, err, "not an address: '%s'", s));
	}
	if ((v = ynode_get(m, "remote_addr")) != NULL) {
		if (ynode_str(v, 63, &s, err) != 0)
			return (-1);
		if (ike_addr_parse(s, IKE_PORT, &p->remote) != 0)
			return (ynode_error(v, err, "not an address: '%s'", s));
	}
	if ((v = ynode_get(m, "auth")) != NULL) {
		if (ynode_enum(v, auth_names, NELEM(auth_names), &k, err) != 0)
			return (-1);
		p->auth = (enum ike_auth_kind)k;
	}
	if ((v = ynode_get(m, "psk_file")) != NULL) {
		if (ynode_str(v, IKE_PATH_MAX - 1, &s, err) != 0 ||
		    read_psk(v, s, p, err) != 0)
			return (-1);
	}
	if (copy_path(m, "cert_file", p->cert_file, sizeof(p->cert_file),
	    err) != 0 || copy_path(m, "key_file", p->key_file,
	    sizeof(p->key_file), err) != 0 || copy_path(m, "ca_file",
	    p->ca_file, sizeof(p->ca_file), err) != 0)
		return (-1);
	if (p->auth == IKE_AUTHK_PSK && p->psk_len == 0)
		return (ynode_error(m, err, "peer '%s': auth psk needs "
		    "psk_file", p->name));
	if (p->auth == IKE_AUTHK_CERT && (p->cert_file[0] == '\0' ||
	    p->key_file[0] == '\0' || p->ca_file[0] == '\0'))
		return (ynode_error(m, err, "peer '%s': auth cert needs "
		    "cert_file, key_file and ca_file", p->name));
	if ((v = ynode_get(m, "local_id")) != NULL) {
		if (ynode_str(v, IKE_ID_MAX, &s, err) != 0)
			return (-1);
		if (ike_id_parse(s, &p->local_id) != 0)
			return (ynode_error(v, err, "not an identity: '%s'",
			    s));
	}
	if ((v = ynode_get(m, "remote_id")) != NULL) {
		if (ynode_str(v, IKE_ID_MAX, &s, err) != 0)
			return (-1);
		if (strcmp(s, "%any") != 0 && ike_id_parse(s,
		    &p->remote_id) != 0)
			return (ynode_error(v, err, "not an identity: '%s'",
			    s));
	}
	if ((v = ynode_get(m, "ike_proposals")) != NULL) {
		if (ynode_str(v, sizeof(p->ike_proposals_text) - 1, &s,
		    err) != 0)
			return (-1);
		snprintf(p->ike_proposals_text, sizeof(p->ike_proposals_text),
		    "%s", s);
		if (ike_proposals_parse(s, IKE_PROTO_IKE, p->ike_props,
		    IKE_PROPOSALS_MAX, &p->n_ike_props, why,
		    sizeof(why)) != 0)
			return (ynode_error(v, err, "ike_proposals: %s", why));
	}
	if ((v = ynode_get(m, "esp_proposals")) != NULL) {
		if (ynode_str(v, sizeof(p->esp_proposals_text) - 1, &s,
		    err) != 0)
			return (-1);
		snprintf(p->esp_proposals_text, sizeof(p->esp_proposals_text),
		    "%s", s);
		if (ike_proposals_parse(s, IKE_PROTO_ESP, p->esp_props,
		    IKE_PROPOSALS_MAX, &p->n_esp_props, why,
		    sizeof(why)) != 0)
			return (ynode_error(v, err, "esp_proposals: %s", why));
	}
	if (((v = ynode_get(m, "local_ts")) != NULL &&
	    parse_ts_list(v, p->local_ts, IKE_CHILD_TS_MAX, &p->n_local_ts,
	    err) != 0) ||
	    ((v = ynode_get(m, "remote_ts")) != NULL &&
	    parse_ts_list(v, p->remote_ts, IKE_CHILD_TS_MAX, &p->n_remote_ts,
	    err) != 0))
		return (-1);
	if (parse_time(m, "ike_rekey_time", &p->ike_rekey_time, err) != 0 ||
	    parse_time(m, "ike_life_time", &p->ike_life_time, err) != 0 ||
	    parse_time(m, "child_rekey_time", &p->child_rekey_time, err) != 0 ||
	    parse_time(m, "child_life_time", &p->child_life_time, err) != 0 ||
	    parse_time(m, "dpd_delay", &p->dpd_delay, err) != 0)
		return (-1);
	/* strongSwan's rule: life defaults to rekey + 10 %. */
	if (ynode_get(m, "ike_life_time") == NULL)
		p->ike_life_time = p->ike_rekey_time + p->ike_rekey_time / 10;
	if (ynode_get(m, "child_life_time") == NULL)
		p->child_life_time = p->child_rekey_time +
		    p->child_rekey_time / 10;
	if ((p->ike_life_time != 0 && p->ike_life_time < p->ike_rekey_time) ||
	    (p->child_life_time != 0 &&
	    p->child_life_time < p->child_rekey_time))
		return (ynode_error(m, err, "peer '%s': a life_time shorter "
		    "than its rekey_time", p->name));
	if ((v = ynode_get(m, "start_action")) != NULL) {
		if (ynode_enum(v, start_names, NELEM(start_names), &k,
		    err) != 0)
			return (-1);
		p->start_action = (enum ike_start_action)k;
	}
	if ((v = ynode_get(m, "wesp")) != NULL &&
	    ynode_bool(v, &p->wesp, err) != 0)
		return (-1);
	if ((v = ynode_get(m, "encap")) != NULL &&
	    ynode_bool(v, &p->encap, err) != 0)
		return (-1);
	if (p->start_action == IKE_START_START && p->remote.ip.family == 0)
		return (ynode_error(m, err, "peer '%s': start_action start "
		    "needs remote_addr", p->name));
	return (0);
}

static int
parse_listen(const struct ynode *v, struct ike_config *cfg,
    struct doc_error *err)
{
	const struct ynode *it;
	const char *s;

	cfg->n_listen = 0;
	if (v->kind == YNODE_SCALAR) {
		if (ike_addr_parse(v->text, cfg->port, &cfg->listen[0]) != 0 ||
		    cfg->listen[0].ip.family == 0)
			return (ynode_error(v, err, "not an address: '%s'",
			    v->text));
		cfg->n_listen = 1;
		return (0);
	}
	if (ynode_expect(v, YNODE_LIST, err) != 0)
		return (-1);
	for (it = v->child; it != NULL; it = it->next) {
		if (ynode_str(it, 63, &s, err) != 0)
			return (-1);
		if (cfg->n_listen == IKE_LISTEN_MAX)
			return (ynode_error(it, err, "at most %d listen "
			    "addresses", IKE_LISTEN_MAX));
		if (ike_addr_parse(s, cfg->port,
		    &cfg->listen[cfg->n_listen]) != 0 ||
		    cfg->listen[cfg->n_listen].ip.family == 0)
			return (ynode_error(it, err, "not an address: '%s'",
			    s));
		cfg->n_listen++;
	}
	return (0);
}

/* tun: { name, address: ADDR[/LEN], mtu } */
static int
parse_tun(const struct ynode *t, struct ike_config *cfg,
    struct doc_error *err)
{
	const struct ynode *v;
	const char *s;
	char buf[64], *slash, *end;
	unsigned long plen;
	size_t i;

	if (ynode_expect(t, YNODE_MAP, err) != 0 ||
	    ynode_check_keys(t, tun_keys, NELEM(tun_keys), err) != 0)
		return (-1);
	if ((v = ynode_get(t, "name")) == NULL)
		return (ynode_error(t, err, "tun: needs a name"));
	if (ynode_str(v, sizeof(cfg->tun_name) - 1, &s, err) != 0)
		return (-1);
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] == '/' || s[i] == ' ' || s[i] == ':')
			return (ynode_error(v, err, "not an interface name: "
			    "'%s'", s));
	snprintf(cfg->tun_name, sizeof(cfg->tun_name), "%s", s);
	if ((v = ynode_get(t, "address")) != NULL) {
		if (ynode_str(v, sizeof(buf) - 1, &s, err) != 0)
			return (-1);
		snprintf(buf, sizeof(buf), "%s", s);
		plen = 0;
		if ((slash = strchr(buf, '/')) != NULL) {
			*slash++ = '\0';
			errno = 0;
			plen = strtoul(slash, &end, 10);
			if (*slash == '\0' || *end != '\0' || errno != 0)
				plen = 999;
		}
		if (ipaddr_parse(buf, &cfg->tun_addr) != 0 || plen >
		    (cfg->tun_addr.family == 6 ? 128u : 32u))
			return (ynode_error(v, err, "not ADDR or ADDR/LEN: "
			    "'%s'", s));
		if (slash == NULL)
			plen = cfg->tun_addr.family == 6 ? 128 : 32;
		cfg->tun_prefix = (uint8_t)plen;
	}
	if ((v = ynode_get(t, "mtu")) != NULL &&
	    ynode_u32(v, 576, 65535, &cfg->tun_mtu, err) != 0)
		return (-1);
	return (0);
}

/* esp: { replay_window, rekey_bytes, life_bytes, rekey_packets,
 * life_packets } */
static int
parse_esp(const struct ynode *e, struct ike_config *cfg,
    struct doc_error *err)
{
	const struct ynode *v;

	if (ynode_expect(e, YNODE_MAP, err) != 0 ||
	    ynode_check_keys(e, esp_keys, NELEM(esp_keys), err) != 0)
		return (-1);
	if (((v = ynode_get(e, "replay_window")) != NULL &&
	    ynode_u32(v, 1, 4096, &cfg->replay_window, err) != 0) ||
	    ((v = ynode_get(e, "rekey_bytes")) != NULL &&
	    ynode_u32(v, 0, UINT32_MAX, &cfg->rekey_bytes, err) != 0) ||
	    ((v = ynode_get(e, "life_bytes")) != NULL &&
	    ynode_u32(v, 0, UINT32_MAX, &cfg->life_bytes, err) != 0) ||
	    ((v = ynode_get(e, "rekey_packets")) != NULL &&
	    ynode_u32(v, 0, UINT32_MAX, &cfg->rekey_packets, err) != 0) ||
	    ((v = ynode_get(e, "life_packets")) != NULL &&
	    ynode_u32(v, 0, UINT32_MAX, &cfg->life_packets, err) != 0))
		return (-1);
	if ((cfg->life_bytes != 0 && cfg->rekey_bytes >= cfg->life_bytes) ||
	    (cfg->life_packets != 0 &&
	    cfg->rekey_packets >= cfg->life_packets))
		return (ynode_error(e, err, "esp: a rekey_ limit must be below "
		    "its life_ limit"));
	return (0);
}

static int
parse_ike(const struct ynode *ike, struct ike_config *cfg,
    struct doc_error *err)
{
	const struct ynode *v, *it;
	const char *s;
	uint32_t u;
	size_t i, j;

	if (ynode_expect(ike, YNODE_MAP, err) != 0 ||
	    ynode_check_keys(ike, ike_keys, NELEM(ike_keys), err) != 0)
		return (-1);
	if ((v = ynode_get(ike, "port")) != NULL) {
		if (ynode_u32(v, 1, 65535, &u, err) != 0)
			return (-1);
		cfg->port = (uint16_t)u;
	}
	if ((v = ynode_get(ike, "natt_port")) != NULL) {
		if (ynode_u32(v, 1, 65535, &u, err) != 0)
			return (-1);
		cfg->natt_port = (uint16_t)u;
	}
	for (i = 0; i < cfg->n_listen; i++)
		cfg->listen[i].port = cfg->port;
	if ((v = ynode_get(ike, "listen")) != NULL &&
	    parse_listen(v, cfg, err) != 0)
		return (-1);
	if ((v = ynode_get(ike, "local_id")) != NULL) {
		if (ynode_str(v, IKE_ID_MAX, &s, err) != 0)
			return (-1);
		if (ike_id_parse(s, &cfg->local_id) != 0)
			return (ynode_error(v, err, "not an identity: '%s'",
			    s));
	}
	if (copy_path(ike, "control_socket", cfg->control_socket,
	    sizeof(cfg->control_socket), err) != 0)
		return (-1);
	if (((v = ynode_get(ike, "cookie_threshold")) != NULL &&
	    ynode_u32(v, 0, 100000, &cfg->cookie_threshold, err) != 0) ||
	    ((v = ynode_get(ike, "half_open_max")) != NULL &&
	    ynode_u32(v, 1, 100000, &cfg->half_open_max, err) != 0) ||
	    ((v = ynode_get(ike, "retransmit_timeout_ms")) != NULL &&
	    ynode_u32(v, 100, 600000, &cfg->retransmit_timeout_ms, err) != 0) ||
	    ((v = ynode_get(ike, "retransmit_base_pct")) != NULL &&
	    ynode_u32(v, 100, 1000, &cfg->retransmit_base_pct, err) != 0) ||
	    ((v = ynode_get(ike, "retransmit_tries")) != NULL &&
	    ynode_u32(v, 0, 20, &cfg->retransmit_tries, err) != 0) ||
	    ((v = ynode_get(ike, "keepalive")) != NULL &&
	    ynode_u32(v, 0, 3600, &cfg->keepalive_s, err) != 0) ||
	    ((v = ynode_get(ike, "fragment_size")) != NULL &&
	    ynode_u32(v, IKE_FRAGMENT_SIZE_MIN, 65535, &cfg->fragment_size,
	    err) != 0))
		return (-1);
	if ((v = ynode_get(ike, "fragmentation")) != NULL) {
		bool on;

		if (ynode_bool(v, &on, err) != 0)
			return (-1);
		if (!on)
			cfg->fragment_size = 0;
	}
	if (((v = ynode_get(ike, "tun")) != NULL &&
	    parse_tun(v, cfg, err) != 0) ||
	    ((v = ynode_get(ike, "esp")) != NULL &&
	    parse_esp(v, cfg, err) != 0))
		return (-1);
	if ((v = ynode_get(ike, "peers")) == NULL)
		return (ynode_error(ike, err, "ike: needs peers"));
	if (ynode_expect(v, YNODE_LIST, err) != 0)
		return (-1);
	for (it = v->child; it != NULL; it = it->next) {
		if (cfg->n_peers == IKE_PEERS_MAX)
			return (ynode_error(it, err, "at most %d peers",
			    IKE_PEERS_MAX));
		if (parse_peer(it, &cfg->peers[cfg->n_peers], err) != 0)
			return (-1);
		for (j = 0; j < cfg->n_peers; j++)
			if (strcmp(cfg->peers[j].name,
			    cfg->peers[cfg->n_peers].name) == 0)
				return (ynode_error(it, err, "peer name '%s' "
				    "used twice", cfg->peers[j].name));
		if (cfg->peers[cfg->n_peers].local_id.len == 0 &&
		    cfg->local_id.len == 0 &&
		    cfg->peers[cfg->n_peers].auth != IKE_AUTHK_CERT)
			return (ynode_error(it, err, "peer '%s': no local_id "
			    "(here or in ike:)",
			    cfg->peers[cfg->n_peers].name));
		cfg->n_peers++;
	}
	return (0);
}

int
ike_config_load(struct ike_config *cfg, const char *path, char *errbuf,
    size_t errlen)
{
	const struct ynode *root, *ike;
	struct doc_error err;
	struct ydoc *doc;
	int rc = -1;

	memset(&err, 0, sizeof(err));
	if ((doc = ydoc_load_file(path, &err)) == NULL) {
		doc_error_str(&err, errbuf, errlen);
		return (-1);
	}
	root = ydoc_root(doc);
	if (root == NULL || root->kind != YNODE_MAP ||
	    (ike = ynode_get(root, "ike")) == NULL) {
		snprintf(errbuf, errlen, "%s: no 'ike:' section", path);
		goto done;
	}
	if (parse_ike(ike, cfg, &err) != 0) {
		doc_error_str(&err, errbuf, errlen);
		goto done;
	}
	rc = 0;
done:
	ydoc_free(doc);
	return (rc);
}
