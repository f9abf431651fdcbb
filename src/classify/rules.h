/*
 * rules.h - YAML rules (docs/rules.md): load, validate, reload, match.
 *
 * A rule file is a YAML list of rules; a directory means every *.yaml in
 * it, in name order.  Loading is all or nothing: a set with any error is
 * refused whole, with every error found (file, line, column, reason), so
 * that a half-read policy never runs.
 *
 * struct rules is the handle the pipeline borrows: it holds the active
 * set, and rules_load() replaces that set only when the new one loaded
 * without error (the old one stays otherwise).  The swap is a pointer
 * store, done by the caller between packets: there is one thread, so no
 * match can be running on the old set while it is freed.
 *
 * Matching (rules_match) is on the hot path: it allocates nothing, makes
 * no system call and compares no strings - addresses are integers under
 * a mask, apps and risks are bits, SPIs a binary search.
 *
 * Ownership: rules_new() returns a handle freed with rules_free()
 * (NULL-safe), which frees the active set.  Rule pointers handed to a
 * match callback, and the strings in them, stay valid until the next
 * successful rules_load() or rules_free().
 */
#ifndef ESPVIS_RULES_H
#define ESPVIS_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "../util/alert_report.h"
#include "../util/rule_subject.h"
#include "../util/sa_report.h"
#include "../util/stats.h"
#include "../util/yaml.h"

enum rule_action {
	RULE_ALERT,
	RULE_DROP,
	RULE_PASS,
};

/* What a subject came to, strongest last. */
enum rules_verdict {
	RULES_NONE = 0,		/* no rule matched */
	RULES_PASS,		/* a pass rule matched: no alert, no drop */
	RULES_ALERT,		/* alert rules matched, no drop rule */
	RULES_DROP,		/* at least one drop rule matched */
};

/* Errors of one load: the first RULES_MAX_ERRORS, and how many more. */
#define RULES_MAX_ERRORS	16

struct rules_errors {
	size_t			n;
	size_t			more;
	struct doc_error	err[RULES_MAX_ERRORS];
};

/* Files and directories one set may be loaded from. */
#define RULES_MAX_PATHS		16

struct rule;

uint32_t	 rule_id(const struct rule *);
const char	*rule_msg(const struct rule *);
enum rule_action rule_action(const struct rule *);
uint8_t		 rule_severity(const struct rule *);

struct rules;

struct rules	*rules_new(void);
void		 rules_free(struct rules *);

/*
 * Load the rules in paths[0..n-1] (files or directories; n may be 0:
 * an empty set) and make them the active set.  Returns 0; or -1 with
 * errs filled, the active set unchanged, and the failure counted as a
 * reload error when a set was loaded before.
 */
int		 rules_load(struct rules *, const char *const *paths, size_t n,
		    struct rules_errors *errs);

/*
 * Validate without keeping anything: 0 with the number of rules (and of
 * those, the disabled ones), or -1 with errs filled.
 */
int		 rules_check(const char *const *paths, size_t n,
		    struct rules_errors *errs, size_t *n_rules,
		    size_t *n_disabled);

/* Rules in the active set, enabled ones only. */
size_t		 rules_count(const struct rules *);

/* Copy rules.loaded, .reloads and .reload_errors into st. */
void		 rules_stats(const struct rules *, struct stats *st);

/*
 * Called for each alert or drop rule that fires, in load order (files in
 * the order given, directories in name order, rules in file order).
 */
typedef void	(*rule_match_fn)(void *arg, const struct rule *,
		    const struct rule_subject *);

/*
 * Ask the active rules about one subject.  Precedence (docs/rules.md):
 * when any pass rule matches, nothing fires and RULES_PASS is returned;
 * else every matching alert and drop rule fires through fn.  An alert or
 * drop rule is asked only at its own level: a rule with an inner or app
 * condition about flow-level subjects, any other rule about SA-level
 * ones; a pass rule without inner conditions also covers the flows of
 * the SAs it matches.  fn may be NULL (only the verdict is wanted).
 */
enum rules_verdict rules_match(const struct rules *,
		    const struct rule_subject *, rule_match_fn fn, void *arg);

/* An alert from a rule that fired and the subject it fired on. */
void		 rules_alert_report(struct alert_report *, const struct rule *,
		    const struct rule_subject *);

/* An SA-level subject from detect/'s report of the SA. */
void		 rules_subject_sa(struct rule_subject *,
		    const struct sa_report *);

/*
 * The nDPI 4.2 protocol id of a name (case-insensitive), or -1.  For a
 * pipeline that has names, not ids; costs string compares, so call it
 * once per flow, not per packet.
 */
int		 rules_app_id(const char *name, size_t len);

/*
 * Set app_master, app_id and app_name of s from an nDPI name, "App" or
 * "Master.App" (ndpi_protocol2name's form).  name is borrowed by s.
 * Returns 0, or -1 (ids left 0) when a part is not an nDPI 4.2 name.
 */
int		 rules_subject_set_app(struct rule_subject *s,
		    const char *name);

#endif /* ESPVIS_RULES_H */
