/*
 * config.h - the YAML configuration file (-c FILE, docs/configuration.md).
 *
 * Precedence: built-in defaults, then the file, then the command line;
 * config_new() gives the first, config_load() lays the file over it, and
 * espvis.c lays its options over the result.  Every key of the file is
 * optional; an unknown key, a wrong type or a value out of range is an
 * error with file, line and column, and nothing of the file is used.
 * Inputs (-r) are command-line only.
 *
 * Ownership: config_new() returns a configuration freed with
 * config_free() (NULL-safe).  Its strings point into the parsed file,
 * which it keeps until then.
 */
#ifndef ESPVIS_CONFIG_H
#define ESPVIS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "capture/nfq.h"
#include "classify/rules.h"
#include "export/eve.h"
#include "export/innerpcap.h"
#include "keys.h"
#include "pipeline.h"
#include "util/yaml.h"

struct config {
	/* decode:, detect:, flows:, dpi: - table sizes and timeouts */
	struct pipeline_config	 pipeline;

	/* outputs: (NULL: not set; the command line or -l decides) */
	const char		*log_dir;
	const char		*eve_dest;
	struct eve_options	 eve;
	const char		*redis_key;	/* for a redis:// dest without
						   its own /KEY */
	const char		*inner_dest;
	enum inner_linktype	 inner_linktype;

	/* rules: the paths, when the file names them (even none) */
	bool			 rules_set;
	size_t			 n_rule_paths;
	const char		*rule_paths[RULES_MAX_PATHS];

	bool			 quiet;
	uint32_t		 stats_interval; /* live capture: seconds
						   between stats events, 0:
						   only the final one */
	uint32_t		 workers;	/* --workers: pipelines, 1.. */
	uint32_t		 worker_ring_kb; /* each worker's rings */

	/* ike: is there: the IKE endpoint runs inside the daemon (its
	 * section is ike/ike_config.c's, `mgmt:` mgmt/mgmt.c's) */
	bool			 ike;

	/* nfq: the --nfq-* settings (used with --nfq NUM only) */
	struct nfqueue_config	 nfq;

	/* esp_keys: the analyst's ESP keys (keys.h; cleansed when freed) */
	struct key_list		 esp_keys;

	struct ydoc		*doc;		/* owns the strings above */
};

#define STATS_INTERVAL_DEFAULT	30

struct config	*config_new(void);
void		 config_free(struct config *);

/*
 * Read path over cfg.  Returns 0, or -1 with err filled and cfg
 * unchanged.  Call it at most once per configuration.
 */
int		 config_load(struct config *cfg, const char *path,
		    struct doc_error *err);

/*
 * The EVE destination to open: dest itself, or, when dest is a redis://
 * URL without a key and the file set outputs.eve.redis.key, dest with
 * that key, written into buf.
 */
const char	*config_eve_dest(const struct config *, const char *dest,
		    char *buf, size_t buflen);

#endif /* ESPVIS_CONFIG_H */
