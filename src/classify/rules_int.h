/*
 * rules_int.h - the compiled form of a rule, shared by rules.c (loading)
 * and rules_match.c (matching).  Not for other modules: they see rules
 * only through rules.h.
 *
 * Every condition is turned at load time into what the hot path can test
 * without strings: bits for verdicts, protocols, apps and risks; sorted
 * SPIs; prefixes as masked integers; port ranges as pairs.
 */
#ifndef ESPVIS_RULES_INT_H
#define ESPVIS_RULES_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../util/ipnet.h"
#include "rules.h"

/* App ids a rule can name: nDPI 4.2 has 282 (rules_apps.c asserts). */
#define RULES_APP_MAX	512

/* Which conditions a rule has (struct rule conds). */
enum rule_cond {
	COND_ESP	= 1u << 0,
	COND_WESP	= 1u << 1,
	COND_SPI	= 1u << 2,
	COND_SRC	= 1u << 3,
	COND_DST	= 1u << 4,
	COND_INNER_SRC	= 1u << 5,
	COND_INNER_DST	= 1u << 6,
	COND_INNER_PROTO = 1u << 7,
	COND_SRC_PORT	= 1u << 8,
	COND_DEST_PORT	= 1u << 9,
	COND_PORT	= 1u << 10,
	COND_APP	= 1u << 11,
	COND_RISK	= 1u << 12,
};

/* Conditions only a flow-level subject can answer. */
#define COND_FLOW_LEVEL	(COND_INNER_SRC | COND_INNER_DST | COND_INNER_PROTO | \
	COND_SRC_PORT | COND_DEST_PORT | COND_PORT | COND_APP | COND_RISK)

struct port_range {
	uint16_t	lo;
	uint16_t	hi;
};

struct net_list {
	struct ipnet	*v;
	uint32_t	 n;
};

struct port_list {
	struct port_range *v;
	uint32_t	 n;
};

struct rule {
	uint32_t	 id;
	enum rule_action action;
	uint8_t		 severity;
	bool		 enabled;
	bool		 flow_level;	/* has a COND_FLOW_LEVEL condition */
	char		*msg;		/* owned */
	char		*category;	/* owned, NULL when absent */
	const char	*file;		/* the set's copy of the path */
	uint32_t	 id_line;	/* where the id is: duplicate errors */
	uint32_t	 id_col;

	uint32_t	 conds;		/* enum rule_cond bits */
	uint8_t		 esp_mask;	/* 1 << enum esp_verdict */
	bool		 wesp;
	uint32_t	*spis;		/* owned, sorted, no repeats */
	uint32_t	 n_spis;
	struct net_list	 src;		/* each list owned */
	struct net_list	 dst;
	struct net_list	 inner_src;
	struct net_list	 inner_dst;
	uint8_t		 proto_bits[256 / 8];
	struct port_list src_port;
	struct port_list dest_port;
	struct port_list port;		/* either direction */
	uint8_t		 app_bits[RULES_APP_MAX / 8];
	uint64_t	 risk_mask;	/* 1 << ndpi_risk_enum */
};

/* A file of the set: its path, and its identity to refuse it twice. */
struct rule_file {
	char		*path;		/* owned */
	dev_t		 dev;
	ino_t		 ino;
};

/* One loaded generation of rules; immutable once built. */
struct ruleset {
	struct rule	 *rules;	/* load order */
	size_t		  n_rules;
	size_t		  cap_rules;
	size_t		  n_enabled;
	struct rule_file *files;	/* rules point at their paths */
	size_t		  n_files;
	size_t		  cap_files;

	/* Enabled rules by role and level, for rules_match(). */
	const struct rule **pass_sa;	/* pass rules without inner conds */
	size_t		  n_pass_sa;
	const struct rule **pass_flow;
	size_t		  n_pass_flow;
	const struct rule **fire_sa;	/* alert and drop rules */
	size_t		  n_fire_sa;
	const struct rule **fire_flow;
	size_t		  n_fire_flow;
};

struct ruleset	*ruleset_load(const char *const *paths, size_t n,
		    struct rules_errors *errs);
void		 ruleset_free(struct ruleset *);
enum rules_verdict ruleset_match(const struct ruleset *,
		    const struct rule_subject *, rule_match_fn fn, void *arg);

static inline bool
bit_isset(const uint8_t *bits, size_t i)
{
	return ((bits[i / 8] >> (i % 8)) & 1);
}

static inline void
bit_set(uint8_t *bits, size_t i)
{
	bits[i / 8] |= (uint8_t)(1u << (i % 8));
}

/* rules_apps.c */
size_t		 rules_app_count(void);
const char	*rules_app_name(size_t id);
size_t		 rules_risk_count(void);
const char	*rules_risk_name(size_t id);
int		 rules_risk_id(const char *name);

#endif /* ESPVIS_RULES_INT_H */
