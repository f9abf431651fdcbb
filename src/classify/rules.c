/*
 * rules.c - reading rule files into a rule set (the language is in
 * docs/rules.md), and the handle that swaps sets on reload.
 *
 * Load time is where the cost goes: every name is resolved to a number,
 * every prefix to masked integers, every list checked, so that
 * rules_match.c does no parsing.  A wrong rule is never skipped: the
 * loader goes on to find the other errors (up to RULES_MAX_ERRORS, each
 * with file, line, column and reason) and then refuses the whole set,
 * because a policy with one rule silently missing is worse than none
 * reloaded.
 *
 * Rule ids are unique across every file of a set (they are Suricata's
 * signature_id in alerts: two rules with one id would be told apart by
 * nobody downstream).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rules_int.h"

#define RULE_MSG_MAX		256
#define RULE_CATEGORY_MAX	64
#define RULE_SEVERITY_DEFAULT	3	/* Suricata's default priority */
#define RULE_SEVERITY_MAX	4

static const char *const rule_keys[] = {
	"id", "msg", "action", "severity", "enabled", "category", "match",
};

static const char *const match_keys[] = {
	"esp", "wesp", "spi", "src", "dst", "inner_src", "inner_dst",
	"inner_proto", "src_port", "dest_port", "port", "app", "risk",
};

/* Index = enum rule_action. */
static const char *const action_names[] = { "alert", "drop", "pass" };

static const char *const esp_names[] = {
	"null", "encrypted", "undecided", "any",
};
static const uint8_t esp_masks[] = {
	1u << VERDICT_NULL, 1u << VERDICT_ENCRYPTED, 1u << VERDICT_UNDECIDED,
	1u << VERDICT_NULL | 1u << VERDICT_ENCRYPTED | 1u << VERDICT_UNDECIDED,
};

static const struct {
	const char	*name;
	uint8_t		 num;
} proto_names[] = {
	{ "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "icmpv6", 58 },
	{ "sctp", 132 }, { "gre", 47 },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

struct rules {
	struct ruleset	*active;	/* NULL: no rules */
	uint64_t	 n_loads;	/* rules_load() calls */
	uint64_t	 reloads;	/* successful calls after the first */
	uint64_t	 reload_errors;	/* failed calls after the first */
};

static void
add_error(struct rules_errors *errs, const struct doc_error *e)
{
	if (errs->n < RULES_MAX_ERRORS)
		errs->err[errs->n++] = *e;
	else
		errs->more++;
}

uint32_t
rule_id(const struct rule *r)
{
	return (r->id);
}

const char *
rule_msg(const struct rule *r)
{
	return (r->msg);
}

enum rule_action
rule_action(const struct rule *r)
{
	return (r->action);
}

uint8_t
rule_severity(const struct rule *r)
{
	return (r->severity);
}

static void
rule_clear(struct rule *r)
{
	free(r->msg);
	free(r->category);
	free(r->spis);
	free(r->src.v);
	free(r->dst.v);
	free(r->inner_src.v);
	free(r->inner_dst.v);
	free(r->src_port.v);
	free(r->dest_port.v);
	free(r->port.v);
}

void
ruleset_free(struct ruleset *rs)
{
	size_t i;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->n_rules; i++)
		rule_clear(&rs->rules[i]);
	for (i = 0; i < rs->n_files; i++)
		free(rs->files[i].path);
	free(rs->rules);
	free(rs->files);
	free(rs->pass_sa);
	free(rs->pass_flow);
	free(rs->fire_sa);
	free(rs->fire_flow);
	free(rs);
}

/*
 * A condition's value is one scalar or a non-empty list of scalars; these
 * walk both the same way.
 */
static const struct ynode *
first_item(const struct ynode *v)
{
	return (v->kind == YNODE_LIST ? v->child : v);
}

static const struct ynode *
next_item(const struct ynode *v, const struct ynode *it)
{
	return (v->kind == YNODE_LIST ? it->next : NULL);
}

static uint32_t
count_items(const struct ynode *v)
{
	return (v->kind == YNODE_LIST ? v->n_children : 1);
}

static int
check_items(const struct ynode *v, const char *what, struct doc_error *e)
{
	const struct ynode *it;

	if (v->kind == YNODE_MAP)
		return (ynode_error(v, e, "expected %s or a list of them, got "
		    "a map", what));
	if (v->kind == YNODE_LIST && v->n_children == 0)
		return (ynode_error(v, e, "empty list: the condition could "
		    "never match"));
	for (it = first_item(v); it != NULL; it = next_item(v, it))
		if (it->kind != YNODE_SCALAR)
			return (ynode_error(it, e, "expected %s, got %s", what,
			    ynode_kind_name(it->kind)));
	return (0);
}

/* calloc for a list of the value's items; sets errno-free message. */
static void *
alloc_items(const struct ynode *v, size_t size, struct doc_error *e)
{
	void *p;

	if ((p = calloc(count_items(v), size)) == NULL)
		ynode_error(v, e, "out of memory");
	return (p);
}

static int
parse_esp(struct rule *r, const struct ynode *v, struct doc_error *e)
{
	const struct ynode *it;
	int i;

	if (check_items(v, "null, encrypted, undecided or any", e) != 0)
		return (-1);
	for (it = first_item(v); it != NULL; it = next_item(v, it)) {
		if (ynode_enum(it, esp_names, NELEM(esp_names), &i, e) != 0)
			return (-1);
		r->esp_mask |= esp_masks[i];
	}
	return (0);
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x < y ? -1 : x > y);
}

static int
parse_spi(struct rule *r, const struct ynode *v, struct doc_error *e)
{
	const struct ynode *it;
	uint32_t i, j;

	if (check_items(v, "an SPI", e) != 0 ||
	    (r->spis = alloc_items(v, sizeof(*r->spis), e)) == NULL)
		return (-1);
	i = 0;
	for (it = first_item(v); it != NULL; it = next_item(v, it))
		/* RFC 4303 section 2.1: SPIs 1..255 are reserved, 0 local. */
		if (ynode_u32(it, 256, UINT32_MAX, &r->spis[i++], e) != 0)
			return (-1);
	/* Sorted without repeats: rules_match.c searches by halves. */
	qsort(r->spis, i, sizeof(*r->spis), u32_cmp);
	for (j = 0, r->n_spis = 0; j < i; j++)
		if (r->n_spis == 0 || r->spis[r->n_spis - 1] != r->spis[j])
			r->spis[r->n_spis++] = r->spis[j];
	return (0);
}

static int
parse_nets(struct net_list *l, const struct ynode *v, struct doc_error *e)
{
	const struct ynode *it;

	if (check_items(v, "an address or prefix", e) != 0 ||
	    (l->v = alloc_items(v, sizeof(*l->v), e)) == NULL)
		return (-1);
	for (it = first_item(v); it != NULL; it = next_item(v, it))
		if (ynode_cidr(it, &l->v[l->n++], e) != 0)
			return (-1);
	return (0);
}

static int
parse_proto(struct rule *r, const struct ynode *v, struct doc_error *e)
{
	const struct ynode *it;
	uint32_t num;
	size_t i;

	if (check_items(v, "a protocol", e) != 0)
		return (-1);
	for (it = first_item(v); it != NULL; it = next_item(v, it)) {
		if (it->text[0] >= '0' && it->text[0] <= '9') {
			if (ynode_u32(it, 0, 255, &num, e) != 0)
				return (-1);
			bit_set(r->proto_bits, num);
			continue;
		}
		for (i = 0; i < NELEM(proto_names); i++)
			if (strcmp(it->text, proto_names[i].name) == 0)
				break;
		if (i == NELEM(proto_names))
			return (ynode_error(it, e, "expected tcp, udp, icmp, "
			    "icmpv6, sctp, gre or a protocol number 0..255, "
			    "got '%.48s'", it->text));
		bit_set(r->proto_bits, proto_names[i].num);
	}
	return (0);
}

/* Digits at s[*i] as a port; -1 when none or above 65535. */
static int
port_number(const char *s, size_t *i, uint32_t *out)
{
	uint32_t v = 0;
	size_t start = *i;

	while (s[*i] >= '0' && s[*i] <= '9') {
		v = v * 10 + (uint32_t)(s[*i] - '0');
		if (v > 65535)
			return (-1);
		(*i)++;
	}
	if (*i == start)
		return (-1);
	*out = v;
	return (0);
}

/* "80" or "1024-65535"; quoted or not (a range reads as text anyway). */
static int
parse_port_item(const struct ynode *it, struct port_range *out,
    struct doc_error *e)
{
	const char *s = it->text;
	uint32_t lo, hi;
	size_t i = 0;

	if (port_number(s, &i, &lo) != 0)
		goto bad;
	hi = lo;
	if (s[i] == '-') {
		i++;
		if (port_number(s, &i, &hi) != 0)
			goto bad;
	}
	if (i != it->len)
		goto bad;
	if (lo > hi)
		return (ynode_error(it, e, "port range '%.48s' is empty "
		    "(%u > %u)", s, lo, hi));
	out->lo = (uint16_t)lo;
	out->hi = (uint16_t)hi;
	return (0);
bad:
	return (ynode_error(it, e, "bad port '%.48s': expected a port "
	    "0..65535 or a range LOW-HIGH", s));
}

static int
parse_ports(struct port_list *l, const struct ynode *v, struct doc_error *e)
{
	const struct ynode *it;

	if (check_items(v, "a port or port range", e) != 0 ||
	    (l->v = alloc_items(v, sizeof(*l->v), e)) == NULL)
		return (-1);
	for (it = first_item(v); it != NULL; it = next_item(v, it))
		if (parse_port_item(it, &l->v[l->n++], e) != 0)
			return (-1);
	return (0);
}

static int
parse_app(struct rule *r, const struct ynode *v, struct doc_error *e)
{
	const struct ynode *it;
	int id;

	if (check_items(v, "an nDPI protocol name", e) != 0)
		return (-1);
	for (it = first_item(v); it != NULL; it = next_item(v, it)) {
		if ((id = rules_app_id(it->text, it->len)) < 0)
			return (ynode_error(it, e, "unknown app '%.48s': "
			    "not an nDPI 4.2 protocol name (ndpiReader -a 0 "
			    "lists them)", it->text));
		bit_set(r->app_bits, (size_t)id);
	}
	return (0);
}

static int
parse_risk(struct rule *r, const struct ynode *v, struct doc_error *e)
{
	const struct ynode *it;
	int id;

	if (check_items(v, "an nDPI risk name", e) != 0)
		return (-1);
	for (it = first_item(v); it != NULL; it = next_item(v, it)) {
		if ((id = rules_risk_id(it->text)) < 0)
			return (ynode_error(it, e, "unknown nDPI risk '%.48s' "
			    "(docs/rules.md lists them)", it->text));
		r->risk_mask |= (uint64_t)1 << id;
	}
	return (0);
}

static int
parse_match_key(struct rule *r, const struct ynode *v, struct doc_error *e)
{
	const char *k = v->key;
	uint32_t cond;
	int rc;

	if (strcmp(k, "esp") == 0) {
		cond = COND_ESP;
		rc = parse_esp(r, v, e);
	} else if (strcmp(k, "wesp") == 0) {
		cond = COND_WESP;
		rc = ynode_bool(v, &r->wesp, e);
	} else if (strcmp(k, "spi") == 0) {
		cond = COND_SPI;
		rc = parse_spi(r, v, e);
	} else if (strcmp(k, "src") == 0) {
		cond = COND_SRC;
		rc = parse_nets(&r->src, v, e);
	} else if (strcmp(k, "dst") == 0) {
		cond = COND_DST;
		rc = parse_nets(&r->dst, v, e);
	} else if (strcmp(k, "inner_src") == 0) {
		cond = COND_INNER_SRC;
		rc = parse_nets(&r->inner_src, v, e);
	} else if (strcmp(k, "inner_dst") == 0) {
		cond = COND_INNER_DST;
		rc = parse_nets(&r->inner_dst, v, e);
	} else if (strcmp(k, "inner_proto") == 0) {
		cond = COND_INNER_PROTO;
		rc = parse_proto(r, v, e);
	} else if (strcmp(k, "src_port") == 0) {
		cond = COND_SRC_PORT;
		rc = parse_ports(&r->src_port, v, e);
	} else if (strcmp(k, "dest_port") == 0) {
		cond = COND_DEST_PORT;
		rc = parse_ports(&r->dest_port, v, e);
	} else if (strcmp(k, "port") == 0) {
		cond = COND_PORT;
		rc = parse_ports(&r->port, v, e);
	} else if (strcmp(k, "app") == 0) {
		cond = COND_APP;
		rc = parse_app(r, v, e);
	} else {
		/* "risk": ynode_check_keys() let no other key through. */
		cond = COND_RISK;
		rc = parse_risk(r, v, e);
	}
	r->conds |= cond;
	return (rc);
}

static int
parse_match(struct rule *r, const struct ynode *m, struct doc_error *e)
{
	const struct ynode *v;

	if (ynode_expect(m, YNODE_MAP, e) != 0 ||
	    ynode_check_keys(m, match_keys, NELEM(match_keys), e) != 0)
		return (-1);
	for (v = m->child; v != NULL; v = v->next)
		if (parse_match_key(r, v, e) != 0)
			return (-1);
	r->flow_level = (r->conds & COND_FLOW_LEVEL) != 0;
	return (0);
}

static const struct ynode *
require(const struct ynode *map, const char *key, struct doc_error *e)
{
	const struct ynode *v;

	if ((v = ynode_get(map, key)) == NULL)
		ynode_error(map, e, "rule without '%s'", key);
	return (v);
}

static int
parse_header(struct rule *r, const struct ynode *n, struct doc_error *e)
{
	const struct ynode *v;
	const char *s;
	uint32_t sev;
	int action;

	if ((v = require(n, "id", e)) == NULL ||
	    ynode_u32(v, 1, UINT32_MAX, &r->id, e) != 0)
		return (-1);
	r->id_line = v->line;
	r->id_col = v->col;
	if ((v = require(n, "msg", e)) == NULL ||
	    ynode_str(v, RULE_MSG_MAX, &s, e) != 0)
		return (-1);
	if ((r->msg = strdup(s)) == NULL)
		return (ynode_error(v, e, "out of memory"));
	if ((v = require(n, "action", e)) == NULL ||
	    ynode_enum(v, action_names, NELEM(action_names), &action, e) != 0)
		return (-1);
	r->action = (enum rule_action)action;
	if ((v = ynode_get(n, "severity")) != NULL) {
		if (ynode_u32(v, 1, RULE_SEVERITY_MAX, &sev, e) != 0)
			return (-1);
		r->severity = (uint8_t)sev;
	}
	if ((v = ynode_get(n, "enabled")) != NULL &&
	    ynode_bool(v, &r->enabled, e) != 0)
		return (-1);
	if ((v = ynode_get(n, "category")) != NULL) {
		if (ynode_str(v, RULE_CATEGORY_MAX, &s, e) != 0)
			return (-1);
		if ((r->category = strdup(s)) == NULL)
			return (ynode_error(v, e, "out of memory"));
	}
	return (0);
}

static int
append_rule(struct ruleset *rs, const struct rule *r)
{
	struct rule *v;
	size_t cap;

	if (rs->n_rules == rs->cap_rules) {
		cap = rs->cap_rules == 0 ? 64 : rs->cap_rules * 2;
		if ((v = reallocarray(rs->rules, cap, sizeof(*v))) == NULL)
			return (-1);
		rs->rules = v;
		rs->cap_rules = cap;
	}
	rs->rules[rs->n_rules++] = *r;
	return (0);
}

static int
parse_rule(struct ruleset *rs, const struct ynode *n, const char *file,
    struct doc_error *e)
{
	const struct ynode *m;
	struct rule r;

	memset(&r, 0, sizeof(r));
	r.file = file;
	r.enabled = true;
	r.severity = RULE_SEVERITY_DEFAULT;
	if (n->kind != YNODE_MAP) {
		ynode_error(n, e, "expected a rule (a map with id, msg, "
		    "action, match), got %s", ynode_kind_name(n->kind));
		goto fail;
	}
	if (ynode_check_keys(n, rule_keys, NELEM(rule_keys), e) != 0 ||
	    parse_header(&r, n, e) != 0)
		goto fail;
	if ((m = ynode_get(n, "match")) != NULL && parse_match(&r, m, e) != 0)
		goto fail;
	if (append_rule(rs, &r) != 0) {
		ynode_error(n, e, "out of memory");
		goto fail;
	}
	return (0);
fail:
	rule_clear(&r);
	return (-1);
}

/*
 * The set keeps one copy of each path; its rules point at it.  A file
 * reached twice (named and in a named directory) would only give
 * "duplicate id" errors against itself: say what happened instead.
 */
static const char *
keep_file(struct ruleset *rs, const char *path, struct doc_error *e)
{
	struct rule_file *v;
	struct stat sb;
	size_t cap, i;

	if (stat(path, &sb) != 0) {
		doc_error_set(e, path, 0, 0, "%s", strerror(errno));
		return (NULL);
	}
	for (i = 0; i < rs->n_files; i++)
		if (rs->files[i].dev == sb.st_dev &&
		    rs->files[i].ino == sb.st_ino) {
			doc_error_set(e, path, 0, 0, "the same file is "
			    "given twice (first as %s)", rs->files[i].path);
			return (NULL);
		}
	if (rs->n_files == rs->cap_files) {
		cap = rs->cap_files == 0 ? 8 : rs->cap_files * 2;
		if ((v = reallocarray(rs->files, cap, sizeof(*v))) == NULL)
			goto nomem;
		rs->files = v;
		rs->cap_files = cap;
	}
	if ((rs->files[rs->n_files].path = strdup(path)) == NULL)
		goto nomem;
	rs->files[rs->n_files].dev = sb.st_dev;
	rs->files[rs->n_files].ino = sb.st_ino;
	return (rs->files[rs->n_files++].path);
nomem:
	doc_error_set(e, path, 0, 0, "out of memory");
	return (NULL);
}

static void
load_file(struct ruleset *rs, const char *path, struct rules_errors *errs)
{
	struct doc_error e;
	const struct ynode *root, *it;
	struct ydoc *doc;
	const char *file;

	if ((file = keep_file(rs, path, &e)) == NULL) {
		add_error(errs, &e);
		return;
	}
	if ((doc = ydoc_load_file(path, &e)) == NULL) {
		add_error(errs, &e);
		return;
	}
	if ((root = ydoc_root(doc)) == NULL) {
		doc_error_set(&e, path, 1, 1, "empty file: expected a list of "
		    "rules");
		add_error(errs, &e);
	} else if (root->kind != YNODE_LIST) {
		ynode_error(root, &e, "expected a list of rules, got %s",
		    ynode_kind_name(root->kind));
		add_error(errs, &e);
	} else {
		for (it = root->child; it != NULL; it = it->next)
			if (parse_rule(rs, it, file, &e) != 0)
				add_error(errs, &e);
	}
	ydoc_free(doc);
}

static int
yaml_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	/* Dot files are editor leftovers (.#x.yaml), not rules. */
	return (d->d_name[0] != '.' && n > 5 &&
	    strcmp(d->d_name + n - 5, ".yaml") == 0);
}

/* Byte order, whatever the locale: 10-x.yaml before 20-y.yaml. */
static int
name_cmp(const struct dirent **a, const struct dirent **b)
{
	return (strcmp((*a)->d_name, (*b)->d_name));
}

static void
load_dir(struct ruleset *rs, const char *dir, struct rules_errors *errs)
{
	struct dirent **names = NULL;
	struct doc_error e;
	struct stat sb;
	char path[4096];
	int i, n, files = 0;

	if ((n = scandir(dir, &names, yaml_name, name_cmp)) < 0) {
		doc_error_set(&e, dir, 0, 0, "%s", strerror(errno));
		add_error(errs, &e);
		return;
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
			load_file(rs, path, errs);
			files++;
		}
		free(names[i]);
	}
	free(names);
	if (files == 0) {
		doc_error_set(&e, dir, 0, 0, "no rule files (*.yaml) in this "
		    "directory");
		add_error(errs, &e);
	}
}

static void
load_path(struct ruleset *rs, const char *path, struct rules_errors *errs)
{
	struct doc_error e;
	struct stat sb;

	if (stat(path, &sb) != 0) {
		doc_error_set(&e, path, 0, 0, "%s", strerror(errno));
		add_error(errs, &e);
	} else if (S_ISDIR(sb.st_mode))
		load_dir(rs, path, errs);
	else
		load_file(rs, path, errs);
}

static int
rule_ptr_cmp(const void *a, const void *b)
{
	const struct rule *x = *(const struct rule *const *)a;
	const struct rule *y = *(const struct rule *const *)b;

	if (x->id != y->id)
		return (x->id < y->id ? -1 : 1);
	/* Same array: address order is load order. */
	return (x < y ? -1 : x > y);
}

static int
check_ids(struct ruleset *rs, struct rules_errors *errs)
{
	const struct rule **v, *first = NULL;
	struct doc_error e;
	size_t i;

	if (rs->n_rules == 0)
		return (0);
	if ((v = calloc(rs->n_rules, sizeof(*v))) == NULL)
		return (-1);
	for (i = 0; i < rs->n_rules; i++)
		v[i] = &rs->rules[i];
	qsort(v, rs->n_rules, sizeof(*v), rule_ptr_cmp);
	for (i = 1; i < rs->n_rules; i++) {
		if (v[i]->id != v[i - 1]->id)
			continue;
		if (i < 2 || v[i - 2]->id != v[i]->id)
			first = v[i - 1];
		doc_error_set(&e, v[i]->file, v[i]->id_line, v[i]->id_col,
		    "duplicate rule id %u (first at %s:%u:%u)", v[i]->id,
		    first->file, first->id_line, first->id_col);
		add_error(errs, &e);
	}
	free(v);
	return (0);
}

/* Sort the enabled rules into the four lists rules_match() walks. */
static int
index_rules(struct ruleset *rs)
{
	const struct rule *r;
	size_t i, n = rs->n_rules > 0 ? rs->n_rules : 1;

	if ((rs->pass_sa = calloc(n, sizeof(r))) == NULL ||
	    (rs->pass_flow = calloc(n, sizeof(r))) == NULL ||
	    (rs->fire_sa = calloc(n, sizeof(r))) == NULL ||
	    (rs->fire_flow = calloc(n, sizeof(r))) == NULL)
		return (-1);
	for (i = 0; i < rs->n_rules; i++) {
		r = &rs->rules[i];
		if (!r->enabled)
			continue;
		rs->n_enabled++;
		if (r->action == RULE_PASS && r->flow_level)
			rs->pass_flow[rs->n_pass_flow++] = r;
		else if (r->action == RULE_PASS)
			rs->pass_sa[rs->n_pass_sa++] = r;
		else if (r->flow_level)
			rs->fire_flow[rs->n_fire_flow++] = r;
		else
			rs->fire_sa[rs->n_fire_sa++] = r;
	}
	return (0);
}

struct ruleset *
ruleset_load(const char *const *paths, size_t n, struct rules_errors *errs)
{
	struct ruleset *rs;
	struct doc_error e;
	size_t i;

	memset(errs, 0, sizeof(*errs));
	if ((rs = calloc(1, sizeof(*rs))) == NULL) {
		doc_error_set(&e, n > 0 ? paths[0] : "rules", 0, 0,
		    "out of memory");
		add_error(errs, &e);
		return (NULL);
	}
	if (n > RULES_MAX_PATHS) {
		doc_error_set(&e, paths[RULES_MAX_PATHS], 0, 0, "more than %d "
		    "rule paths", RULES_MAX_PATHS);
		add_error(errs, &e);
	} else
		for (i = 0; i < n; i++)
			load_path(rs, paths[i], errs);
	if (errs->n == 0 && (check_ids(rs, errs) != 0 ||
	    (errs->n == 0 && index_rules(rs) != 0))) {
		doc_error_set(&e, n > 0 ? paths[0] : "rules", 0, 0,
		    "out of memory");
		add_error(errs, &e);
	}
	if (errs->n > 0) {
		ruleset_free(rs);
		return (NULL);
	}
	return (rs);
}

struct rules *
rules_new(void)
{
	return (calloc(1, sizeof(struct rules)));
}

void
rules_free(struct rules *rules)
{
	if (rules == NULL)
		return;
	ruleset_free(rules->active);
	free(rules);
}

int
rules_load(struct rules *rules, const char *const *paths, size_t n,
    struct rules_errors *errs)
{
	struct ruleset *rs;
	bool reload = rules->n_loads++ > 0;

	if ((rs = ruleset_load(paths, n, errs)) == NULL) {
		if (reload)
			rules->reload_errors++;
		return (-1);
	}
	ruleset_free(rules->active);
	rules->active = rs;
	if (reload)
		rules->reloads++;
	return (0);
}

int
rules_check(const char *const *paths, size_t n, struct rules_errors *errs,
    size_t *n_rules, size_t *n_disabled)
{
	struct ruleset *rs;

	if ((rs = ruleset_load(paths, n, errs)) == NULL)
		return (-1);
	*n_rules = rs->n_rules;
	*n_disabled = rs->n_rules - rs->n_enabled;
	ruleset_free(rs);
	return (0);
}

size_t
rules_count(const struct rules *rules)
{
	return (rules->active != NULL ? rules->active->n_enabled : 0);
}

void
rules_stats(const struct rules *rules, struct stats *st)
{
	st->rules_loaded = rules_count(rules);
	st->rules_reloads = rules->reloads;
	st->rules_reload_errors = rules->reload_errors;
}

enum rules_verdict
rules_match(const struct rules *rules, const struct rule_subject *s,
    rule_match_fn fn, void *arg)
{
	if (rules->active == NULL)
		return (RULES_NONE);
	return (ruleset_match(rules->active, s, fn, arg));
}
