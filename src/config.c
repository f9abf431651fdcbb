/*
 * config.c - the configuration file: YAML (util/yaml.h) read into the
 * stages' own config structs, so that there is one place per setting
 * and no second copy to keep in step.
 *
 * The numeric keys are a table per section (name, where it lands, the
 * range the stage accepts): the ranges here are the stages' hard limits
 * (SA_TABLE_MAX, FLOW_TABLE_MAX, ...), so a value the file accepts is one
 * the pipeline can build, and a bad one is reported at its line and
 * column instead of as "cannot allocate the packet tables" later.
 *
 * The file is read into a copy and copied back only when every key was
 * good: a half-applied configuration is never left behind.
 */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "keys.h"
#include "detect/hold.h"
#include "detect/sa_table.h"
#include "workers.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define OFF(field)	offsetof(struct config, field)

/* Limits of the stages that their headers do not export. */
#define FRAG_SLOTS_MAX		(1u << 20)	/* decode/frag.c */
#define FRAG_BYTES_MIN		576		/* RFC 791: every host
						   reassembles this much */
#define FRAG_BYTES_MAX		(65535 + 64)	/* decode/decode.c */
#define LAYERS_MAX		64
#define TIMEOUT_MAX		(7u * 24 * 3600)	/* a week */
#define DECIDE_PKTS_MAX		10000
#define DPI_PKTS_MAX		100000
#define EVE_BUFFER_MIN		(16u * 1024)	/* export/sink.c */
#define EVE_BUFFER_MAX		(1024u * 1024 * 1024)
#define EVE_MS_MAX		(10u * 60 * 1000)
#define HOLD_BYTES_MAX		(1024u * 1024 * 1024)

struct u32_key {
	const char	*name;
	size_t		 off;		/* of a uint32_t in struct config */
	uint32_t	 min;
	uint32_t	 max;
};

static const struct u32_key decode_keys[] = {
	{ "frag_max_datagrams", OFF(pipeline.decode.frag_max_datagrams), 1,
	    FRAG_SLOTS_MAX },
	{ "frag_max_bytes", OFF(pipeline.decode.frag_max_bytes),
	    FRAG_BYTES_MIN, FRAG_BYTES_MAX },
	{ "frag_timeout", OFF(pipeline.decode.frag_timeout_sec), 1,
	    TIMEOUT_MAX },
	{ "max_layers", OFF(pipeline.decode.max_layers), 1, LAYERS_MAX },
};

static const struct u32_key detect_keys[] = {
	{ "max_sas", OFF(pipeline.detect.max_sas), 1, SA_TABLE_MAX },
	{ "sa_timeout", OFF(pipeline.detect.sa_timeout_sec), 1, TIMEOUT_MAX },
	{ "decide_pkts", OFF(pipeline.detect.decide_pkts), 1,
	    DECIDE_PKTS_MAX },
	{ "encrypted_pkts", OFF(pipeline.detect.encrypted_pkts), 1,
	    DECIDE_PKTS_MAX },
	/* hold_bytes: 0 or HOLD_MIN_BYTES.., checked in parse_detect() */
	{ "hold_bytes", OFF(pipeline.detect.hold_bytes), 0, HOLD_BYTES_MAX },
};

static const struct u32_key flow_keys[] = {
	{ "max_flows", OFF(pipeline.flow.max_flows), 1, FLOW_TABLE_MAX },
	{ "flow_timeout", OFF(pipeline.flow.timeout_sec), 1, TIMEOUT_MAX },
	{ "closed_timeout", OFF(pipeline.flow.closed_timeout_sec), 1,
	    TIMEOUT_MAX },
};

static const struct u32_key dpi_keys[] = {
	{ "max_tcp_pkts", OFF(pipeline.dpi.max_tcp_pkts), 1, DPI_PKTS_MAX },
	{ "max_udp_pkts", OFF(pipeline.dpi.max_udp_pkts), 1, DPI_PKTS_MAX },
	{ "max_other_pkts", OFF(pipeline.dpi.max_other_pkts), 1,
	    DPI_PKTS_MAX },
};

static const struct u32_key eve_keys[] = {
	{ "flush_interval_ms", OFF(eve.flush_interval_ms), 1, EVE_MS_MAX },
	{ "close_timeout_ms", OFF(eve.close_timeout_ms), 0, EVE_MS_MAX },
};

static const struct u32_key nfq_keys[] = {
	{ "maxlen", OFF(nfq.maxlen), NFQUEUE_MAXLEN_MIN, NFQUEUE_MAXLEN_MAX },
	{ "hold", OFF(nfq.hold_per_sa), 1, NFQUEUE_MAXLEN_MAX / 2 },
	{ "hold_timeout_ms", OFF(nfq.hold_timeout_ms), 1,
	    NFQUEUE_HOLD_TIMEOUT_MAX },
};

static const char *const top_keys[] = {
	"quiet", "rules", "decode", "detect", "flows", "dpi", "outputs",
	"stats_interval", "workers", "worker_ring_kb", "nfq",
	"ike",		/* read by ike/ike_config.c (espvis ike, daemon) */
	"mgmt",		/* read by mgmt/mgmt.c (espvis ike, daemon) */
	"esp_keys",	/* read by keys.c */
};
static const char *const nfq_map_keys[] = {
	"maxlen", "fail_open", "undecided", "hold", "hold_timeout_ms",
	"hold_expire",
};
/* Index = enum nfqueue_policy; hold_expire takes the first two. */
static const char *const nfq_policies[] = { "accept", "drop", "hold" };
static const char *const outputs_keys[] = { "log_dir", "eve", "inner" };
static const char *const eve_map_keys[] = {
	"dest", "buffer_size", "flush_interval_ms", "close_timeout_ms",
	"redis",
};
static const char *const redis_keys[] = { "mode", "key", "stream_maxlen" };
static const char *const inner_keys[] = { "dest", "linktype" };

/* Index = enum eve_redis_mode. */
static const char *const redis_modes[] = { "list", "channel", "stream" };
/* Index = enum inner_linktype. */
static const char *const linktypes[] = { "ethernet", "raw" };

struct config *
config_new(void)
{
	struct config *cfg;

	if ((cfg = calloc(1, sizeof(*cfg))) == NULL)
		return (NULL);
	pipeline_config_defaults(&cfg->pipeline);
	eve_options_defaults(&cfg->eve);
	cfg->inner_linktype = INNER_LINK_ETHERNET;
	cfg->stats_interval = STATS_INTERVAL_DEFAULT;
	cfg->workers = 1;
	cfg->worker_ring_kb = WORKERS_RING_KB_DEFAULT;
	nfqueue_config_defaults(&cfg->nfq);
	return (cfg);
}

void
config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	key_list_free(&cfg->esp_keys);
	ydoc_free(cfg->doc);
	free(cfg);
}

/*
 * "decode:" with every key commented out reads as an empty value: the
 * same as leaving the section out, not an error.
 */
static bool
is_empty(const struct ynode *v)
{
	return (v->kind == YNODE_SCALAR && v->plain && v->len == 0);
}

/* A section: absent or empty gives NULL (and 0), else it must be a map. */
static int
section(const struct ynode *map, const char *key, const char *const *keys,
    size_t n, const struct ynode **out, struct doc_error *err)
{
	const struct ynode *v;

	*out = NULL;
	if (map == NULL || (v = ynode_get(map, key)) == NULL || is_empty(v))
		return (0);
	if (v->kind != YNODE_MAP)
		return (ynode_error(v, err, "'%s' must be a map of settings, "
		    "got %s", key, ynode_kind_name(v->kind)));
	if (ynode_check_keys(v, keys, n, err) != 0)
		return (-1);
	*out = v;
	return (0);
}

static int
parse_u32_keys(struct config *cfg, const struct ynode *map,
    const struct u32_key *keys, size_t n, struct doc_error *err)
{
	const struct ynode *v;
	size_t i;

	if (map == NULL)
		return (0);
	for (i = 0; i < n; i++) {
		if ((v = ynode_get(map, keys[i].name)) == NULL)
			continue;
		if (ynode_u32(v, keys[i].min, keys[i].max,
		    (uint32_t *)(void *)((char *)cfg + keys[i].off), err) != 0)
			return (-1);
	}
	return (0);
}

static const char *const *
key_names(const struct u32_key *keys, size_t n, const char **buf)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = keys[i].name;
	return (buf);
}

/* A section made only of numeric keys; *out: its map, NULL if absent. */
static int
parse_numeric_section(struct config *cfg, const struct ynode *root,
    const char *name, const struct u32_key *keys, size_t n,
    const struct ynode **out, struct doc_error *err)
{
	const char *names[8];

	if (n > NELEM(names))
		return (ynode_error(root, err, "internal: section too large"));
	if (section(root, name, key_names(keys, n, names), n, out, err) != 0)
		return (-1);
	return (parse_u32_keys(cfg, *out, keys, n, err));
}

static int
parse_detect(struct config *cfg, const struct ynode *root,
    struct doc_error *err)
{
	const struct ynode *map, *v;
	uint32_t hold;

	if (parse_numeric_section(cfg, root, "detect", detect_keys,
	    NELEM(detect_keys), &map, err) != 0)
		return (-1);
	/* Below HOLD_MIN_BYTES nothing could be held: say so, not "off". */
	hold = cfg->pipeline.detect.hold_bytes;
	if (map != NULL && (v = ynode_get(map, "hold_bytes")) != NULL &&
	    hold != 0 && hold < HOLD_MIN_BYTES)
		return (ynode_error(v, err, "hold_bytes must be 0 (no hold) "
		    "or at least %u", HOLD_MIN_BYTES));
	return (0);
}

/* dpi: the packet caps, and `enabled` (false: --no-ndpi). */
static int
parse_dpi(struct config *cfg, const struct ynode *root,
    struct doc_error *err)
{
	const char *names[NELEM(dpi_keys) + 1];
	const struct ynode *map, *v;

	key_names(dpi_keys, NELEM(dpi_keys), names);
	names[NELEM(dpi_keys)] = "enabled";
	if (section(root, "dpi", names, NELEM(names), &map, err) != 0 ||
	    parse_u32_keys(cfg, map, dpi_keys, NELEM(dpi_keys), err) != 0)
		return (-1);
	if (map != NULL && (v = ynode_get(map, "enabled")) != NULL &&
	    ynode_bool(v, &cfg->pipeline.dpi.enabled, err) != 0)
		return (-1);
	return (0);
}

static int
parse_path(const struct ynode *v, const char **out, struct doc_error *err)
{
	return (ynode_str(v, PATH_MAX - 1, out, err));
}

static int
parse_redis(struct config *cfg, const struct ynode *eve, struct doc_error *err)
{
	const struct ynode *map, *v;
	uint32_t maxlen;
	int mode;

	if (section(eve, "redis", redis_keys, NELEM(redis_keys), &map,
	    err) != 0)
		return (-1);
	if (map == NULL)
		return (0);
	if ((v = ynode_get(map, "mode")) != NULL) {
		if (ynode_enum(v, redis_modes, NELEM(redis_modes), &mode,
		    err) != 0)
			return (-1);
		cfg->eve.redis_mode = (enum eve_redis_mode)mode;
	}
	/* A Redis key is a name, not a path: no '/' or '?' in it. */
	if ((v = ynode_get(map, "key")) != NULL) {
		if (ynode_str(v, 255, &cfg->redis_key, err) != 0)
			return (-1);
		if (strpbrk(cfg->redis_key, "/?") != NULL)
			return (ynode_error(v, err, "a Redis key cannot "
			    "contain '/' or '?'"));
	}
	if ((v = ynode_get(map, "stream_maxlen")) != NULL) {
		if (ynode_u32(v, 0, UINT32_MAX, &maxlen, err) != 0)
			return (-1);
		cfg->eve.redis_stream_maxlen = maxlen;
	}
	return (0);
}

static int
parse_eve(struct config *cfg, const struct ynode *outputs,
    struct doc_error *err)
{
	const struct ynode *map, *v;
	uint32_t size;

	if (section(outputs, "eve", eve_map_keys, NELEM(eve_map_keys), &map,
	    err) != 0)
		return (-1);
	if (map == NULL)
		return (0);
	if ((v = ynode_get(map, "dest")) != NULL &&
	    parse_path(v, &cfg->eve_dest, err) != 0)
		return (-1);
	if ((v = ynode_get(map, "buffer_size")) != NULL) {
		if (ynode_u32(v, EVE_BUFFER_MIN, EVE_BUFFER_MAX, &size,
		    err) != 0)
			return (-1);
		cfg->eve.buffer_size = size;
	}
	if (parse_u32_keys(cfg, map, eve_keys, NELEM(eve_keys), err) != 0)
		return (-1);
	return (parse_redis(cfg, map, err));
}

static int
parse_inner(struct config *cfg, const struct ynode *outputs,
    struct doc_error *err)
{
	const struct ynode *map, *v;
	int lt;

	if (section(outputs, "inner", inner_keys, NELEM(inner_keys), &map,
	    err) != 0)
		return (-1);
	if (map == NULL)
		return (0);
	if ((v = ynode_get(map, "dest")) != NULL &&
	    parse_path(v, &cfg->inner_dest, err) != 0)
		return (-1);
	if ((v = ynode_get(map, "linktype")) != NULL) {
		if (ynode_enum(v, linktypes, NELEM(linktypes), &lt, err) != 0)
			return (-1);
		cfg->inner_linktype = (enum inner_linktype)lt;
	}
	return (0);
}

static int
parse_outputs(struct config *cfg, const struct ynode *root,
    struct doc_error *err)
{
	const struct ynode *map, *v;

	if (section(root, "outputs", outputs_keys, NELEM(outputs_keys), &map,
	    err) != 0)
		return (-1);
	if (map == NULL)
		return (0);
	if ((v = ynode_get(map, "log_dir")) != NULL &&
	    parse_path(v, &cfg->log_dir, err) != 0)
		return (-1);
	if (parse_eve(cfg, map, err) != 0)
		return (-1);
	return (parse_inner(cfg, map, err));
}

/*
 * nfq: the --nfq-* settings.  Whether they fit together (hold at most
 * half the queue) is checked with the command line's (espvis.c): a
 * file may set hold settings another run's --nfq-undecided turns on.
 */
static int
parse_nfq(struct config *cfg, const struct ynode *root,
    struct doc_error *err)
{
	const struct ynode *map, *v;
	int p;

	if (section(root, "nfq", nfq_map_keys, NELEM(nfq_map_keys), &map,
	    err) != 0)
		return (-1);
	if (map == NULL)
		return (0);
	if (parse_u32_keys(cfg, map, nfq_keys, NELEM(nfq_keys), err) != 0)
		return (-1);
	if ((v = ynode_get(map, "fail_open")) != NULL &&
	    ynode_bool(v, &cfg->nfq.fail_open, err) != 0)
		return (-1);
	if ((v = ynode_get(map, "undecided")) != NULL) {
		if (ynode_enum(v, nfq_policies, NELEM(nfq_policies), &p,
		    err) != 0)
			return (-1);
		cfg->nfq.undecided = (enum nfqueue_policy)p;
	}
	if ((v = ynode_get(map, "hold_expire")) != NULL) {
		if (ynode_enum(v, nfq_policies, 2, &p, err) != 0)
			return (-1);
		cfg->nfq.hold_expire = (enum nfqueue_policy)p;
	}
	return (0);
}

/* rules: one path, or a list of them ([] = no rules at all). */
static int
parse_rules(struct config *cfg, const struct ynode *root,
    struct doc_error *err)
{
	const struct ynode *v, *it;

	if ((v = ynode_get(root, "rules")) == NULL || is_empty(v))
		return (0);
	cfg->rules_set = true;
	if (v->kind == YNODE_SCALAR)
		return (parse_path(v, &cfg->rule_paths[cfg->n_rule_paths++],
		    err));
	if (v->kind != YNODE_LIST)
		return (ynode_error(v, err, "expected a rule file or "
		    "directory, or a list of them, got %s",
		    ynode_kind_name(v->kind)));
	if (v->n_children > RULES_MAX_PATHS)
		return (ynode_error(v, err, "more than %d rule paths",
		    RULES_MAX_PATHS));
	for (it = v->child; it != NULL; it = it->next)
		if (parse_path(it, &cfg->rule_paths[cfg->n_rule_paths++],
		    err) != 0)
			return (-1);
	return (0);
}

int
config_load(struct config *cfg, const char *path, struct doc_error *err)
{
	struct config tmp = *cfg;
	const struct ynode *root, *v, *map;

	if ((tmp.doc = ydoc_load_file(path, err)) == NULL)
		return (-1);
	/* An empty file (or only comments) is all defaults. */
	if ((root = ydoc_root(tmp.doc)) == NULL)
		goto done;
	if (root->kind != YNODE_MAP) {
		ynode_error(root, err, "expected a map of settings, got %s",
		    ynode_kind_name(root->kind));
		goto fail;
	}
	if (ynode_check_keys(root, top_keys, NELEM(top_keys), err) != 0)
		goto fail;
	tmp.ike = ynode_get(root, "ike") != NULL;
	if ((v = ynode_get(root, "quiet")) != NULL &&
	    ynode_bool(v, &tmp.quiet, err) != 0)
		goto fail;
	if ((v = ynode_get(root, "stats_interval")) != NULL &&
	    ynode_u32(v, 0, TIMEOUT_MAX, &tmp.stats_interval, err) != 0)
		goto fail;
	if ((v = ynode_get(root, "workers")) != NULL &&
	    ynode_u32(v, 1, WORKERS_MAX, &tmp.workers, err) != 0)
		goto fail;
	if ((v = ynode_get(root, "worker_ring_kb")) != NULL &&
	    ynode_u32(v, WORKERS_RING_KB_MIN, WORKERS_RING_KB_MAX,
	    &tmp.worker_ring_kb, err) != 0)
		goto fail;
	if (parse_rules(&tmp, root, err) != 0 ||
	    parse_numeric_section(&tmp, root, "decode", decode_keys,
	    NELEM(decode_keys), &map, err) != 0 ||
	    parse_detect(&tmp, root, err) != 0 ||
	    parse_numeric_section(&tmp, root, "flows", flow_keys,
	    NELEM(flow_keys), &map, err) != 0 ||
	    parse_dpi(&tmp, root, err) != 0 ||
	    parse_outputs(&tmp, root, err) != 0 ||
	    parse_nfq(&tmp, root, err) != 0 ||
	    keys_parse(ynode_get(root, "esp_keys"), &tmp.esp_keys, err) != 0)
		goto fail;
done:
	ydoc_free(cfg->doc);
	*cfg = tmp;
	return (0);
fail:
	ydoc_free(tmp.doc);
	return (-1);
}

const char *
config_eve_dest(const struct config *cfg, const char *dest, char *buf,
    size_t buflen)
{
	const char *host, *end;
	size_t hostlen;

	if (cfg->redis_key == NULL || strncmp(dest, "redis://", 8) != 0)
		return (dest);
	host = dest + 8;
	hostlen = strcspn(host, "/?");
	end = host + hostlen;
	/* A key in the URL ("/KEY", not a bare "/") wins over the file's. */
	if (end[0] == '/' && end[1] != '\0' && end[1] != '?')
		return (dest);
	if (end[0] == '/')
		end++;
	snprintf(buf, buflen, "redis://%.*s/%s%s", (int)hostlen, host,
	    cfg->redis_key, end);
	return (buf);
}
