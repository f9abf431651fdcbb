/*
 * espvis.c - the command line: parse it, open the inputs and outputs,
 * run the pipeline, report.  Everything else lives in the stages; this
 * file is the only one that prints.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capture/capture.h"
#include "classify/rules.h"
#include "config.h"
#include "pipeline.h"

#define ESPVIS_VERSION	"0.1.0"
#define MAX_INPUTS	256
#define EXIT_USAGE	2
#define EXIT_INPUT	1

/* The installed rule set (the Makefile passes PREFIX's). */
#ifndef ESPVIS_RULES_DIR
#define ESPVIS_RULES_DIR	"/usr/local/share/espvis/rules"
#endif

struct options {
	const char		*inputs[MAX_INPUTS];
	int			 n_inputs;
	const char		*log_dir;
	const char		*eve_dest;
	const char		*inner_dest;
	enum inner_linktype	 inner_linktype;
	bool			 quiet;
	struct pipeline_config	 cfg;
	struct config		*conf;		/* defaults, then -c FILE */
	bool			 eve_from_conf;	/* a command-line -l drops */
	bool			 inner_from_conf; /* the file's destinations */
	const char		*rule_paths[RULES_MAX_PATHS];
	size_t			 n_rule_paths;
	bool			 rules_given;	/* by --rules or the file */
	bool			 rules_from_cli;
	const char		*check_paths[RULES_MAX_PATHS];
	size_t			 n_check_paths;	/* --check-rules */
};

static volatile sig_atomic_t stop_requested;

static void
on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* SIGHUP asks for the rules to be read again, between two packets. */
static volatile sig_atomic_t reload_requested;

static void
on_reload_signal(int sig)
{
	(void)sig;
	reload_requested = 1;
}

static void
usage(FILE *out)
{
	fprintf(out,
"usage: espvis -r FILE [-r FILE ...] [options]\n"
"\n"
"Finds the IPsec ESP and WESP security associations in packet captures,\n"
"decides for each whether it is ESP-NULL (RFC 5879 heuristics, RFC 5840\n"
"WESP) or encrypted, and exports what is inside the ESP-NULL ones.\n"
"\n"
"  -r FILE              read a pcap or pcapng capture (repeat: read in order)\n"
"  -l DIR               log directory: DIR/eve.json, and DIR/inner.pcap\n"
"                       unless -w is given\n"
"      --eve DEST       EVE JSON events to DEST: - (stdout), a file,\n"
"                       unix:PATH (datagrams), unix-stream:PATH, or\n"
"                       redis://HOST:PORT/KEY[?mode=list|channel|stream]\n"
"                       (default: stdout, or DIR/eve.json with -l)\n"
"  -w DEST              decapsulated inner packets as pcap: a file, a FIFO,\n"
"                       or - (stdout)\n"
"      --inner-linktype ethernet|raw\n"
"                       link type of the -w stream (default: ethernet)\n"
"      --max-sas N      SA table size (default %u)\n"
"      --sa-timeout S   end an SA idle for S seconds (default %u)\n"
"      --decide-pkts N  packets of weak evidence to decide null (default %u)\n"
"  -c, --config FILE    YAML configuration (docs/configuration.md); the\n"
"                       command line overrides it\n"
"      --rules PATH     rule file or directory (repeat for several; default\n"
"                       " ESPVIS_RULES_DIR ")\n"
"      --check-rules PATH\n"
"                       check rules and exit: 0 and \"N rules OK\", or 1 and\n"
"                       each error as FILE:LINE:COLUMN: REASON\n"
"  -q, --quiet          no summary on standard error\n"
"  -h, --help           this text\n"
"  -V, --version        print the version\n"
"\n"
"Exit status: 0 on success, 1 when an input is unreadable or corrupt\n"
"(packets read before the fault are still counted and exported), 2 on\n"
"bad arguments, configuration or rules.  SIGHUP reloads the rules (a set\n"
"with an error is refused and the one in use kept).  See espvis(8).\n",
	    65536u, 300u, 3u);
}

static int
parse_u32(const char *arg, const char *name, uint32_t min, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v < min ||
	    v > UINT32_MAX || arg[0] == '-') {
		fprintf(stderr, "espvis: %s: expected an integer >= %u, got "
		    "'%s'\n", name, min, arg);
		return (-1);
	}
	*out = (uint32_t)v;
	return (0);
}

enum long_only {
	OPT_EVE = 256,
	OPT_INNER_LINKTYPE,
	OPT_MAX_SAS,
	OPT_SA_TIMEOUT,
	OPT_DECIDE_PKTS,
	OPT_RULES,
	OPT_CHECK_RULES,
};

#define SHORTOPTS	"r:l:w:c:qhV"

static const struct option longopts[] = {
	{ "read", required_argument, NULL, 'r' },
	{ "log-dir", required_argument, NULL, 'l' },
	{ "eve", required_argument, NULL, OPT_EVE },
	{ "write", required_argument, NULL, 'w' },
	{ "inner-linktype", required_argument, NULL, OPT_INNER_LINKTYPE },
	{ "max-sas", required_argument, NULL, OPT_MAX_SAS },
	{ "sa-timeout", required_argument, NULL, OPT_SA_TIMEOUT },
	{ "decide-pkts", required_argument, NULL, OPT_DECIDE_PKTS },
	{ "config", required_argument, NULL, 'c' },
	{ "rules", required_argument, NULL, OPT_RULES },
	{ "check-rules", required_argument, NULL, OPT_CHECK_RULES },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static int
add_rule_path(const char **paths, size_t *n, const char *path,
    const char *opt)
{
	if (*n == RULES_MAX_PATHS) {
		fprintf(stderr, "espvis: at most %d %s paths\n",
		    RULES_MAX_PATHS, opt);
		return (-1);
	}
	paths[(*n)++] = path;
	return (0);
}

static int
parse_args(int argc, char **argv, struct options *o)
{
	int ch;

	while ((ch = getopt_long(argc, argv, SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'r':
			if (o->n_inputs == MAX_INPUTS) {
				fprintf(stderr, "espvis: at most %d -r files\n",
				    MAX_INPUTS);
				return (-1);
			}
			o->inputs[o->n_inputs++] = optarg;
			break;
		case 'l':
			/* -l DIR here beats the file's outputs too. */
			o->log_dir = optarg;
			if (o->eve_from_conf)
				o->eve_dest = NULL;
			if (o->inner_from_conf)
				o->inner_dest = NULL;
			o->eve_from_conf = o->inner_from_conf = false;
			break;
		case OPT_EVE:
			o->eve_dest = optarg;
			o->eve_from_conf = false;
			break;
		case 'w':
			o->inner_dest = optarg;
			o->inner_from_conf = false;
			break;
		case 'c':
			/* Read before the other options: load_config(). */
			break;
		case OPT_RULES:
			/* The first --rules replaces the file's list. */
			if (!o->rules_from_cli)
				o->n_rule_paths = 0;
			o->rules_from_cli = o->rules_given = true;
			if (add_rule_path(o->rule_paths, &o->n_rule_paths,
			    optarg, "--rules") != 0)
				return (-1);
			break;
		case OPT_CHECK_RULES:
			if (add_rule_path(o->check_paths, &o->n_check_paths,
			    optarg, "--check-rules") != 0)
				return (-1);
			break;
		case OPT_INNER_LINKTYPE:
			if (strcmp(optarg, "ethernet") == 0)
				o->inner_linktype = INNER_LINK_ETHERNET;
			else if (strcmp(optarg, "raw") == 0)
				o->inner_linktype = INNER_LINK_RAW;
			else {
				fprintf(stderr, "espvis: --inner-linktype: "
				    "expected ethernet or raw, got '%s'\n",
				    optarg);
				return (-1);
			}
			break;
		case OPT_MAX_SAS:
			if (parse_u32(optarg, "--max-sas", 1,
			    &o->cfg.detect.max_sas) != 0)
				return (-1);
			break;
		case OPT_SA_TIMEOUT:
			if (parse_u32(optarg, "--sa-timeout", 1,
			    &o->cfg.detect.sa_timeout_sec) != 0)
				return (-1);
			break;
		case OPT_DECIDE_PKTS:
			if (parse_u32(optarg, "--decide-pkts", 1,
			    &o->cfg.detect.decide_pkts) != 0)
				return (-1);
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("espvis %s\n", ESPVIS_VERSION);
			exit(0);
		default:
			usage(stderr);
			return (-1);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "espvis: unexpected argument '%s'\n",
		    argv[optind]);
		return (-1);
	}
	if (o->n_inputs == 0 && o->n_check_paths == 0) {
		fprintf(stderr, "espvis: nothing to read: give -r FILE "
		    "(espvis --help)\n");
		return (-1);
	}
	return (0);
}

/*
 * -c must be known before the other options are applied, so that they
 * can override the file: a first pass looks only for it.
 */
static const char *
find_config_path(int argc, char **argv)
{
	const char *path = NULL;
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, SHORTOPTS, longopts,
	    NULL)) != -1)
		if (ch == 'c')
			path = optarg;
	opterr = 1;
	optind = 0;		/* glibc: the next scan starts afresh */
	return (path);
}

/* Defaults, then -c FILE, into the options parse_args() overrides. */
static int
load_config(int argc, char **argv, struct options *o)
{
	char buf[DOC_ERROR_FILE_MAX + DOC_ERROR_REASON_MAX + 32];
	struct doc_error e;
	struct config *c;
	const char *path;
	size_t i;

	if ((o->conf = c = config_new()) == NULL) {
		fprintf(stderr, "espvis: out of memory\n");
		return (-1);
	}
	if ((path = find_config_path(argc, argv)) != NULL &&
	    config_load(c, path, &e) != 0) {
		fprintf(stderr, "espvis: %s\n", doc_error_str(&e, buf,
		    sizeof(buf)));
		return (-1);
	}
	o->cfg = c->pipeline;
	o->log_dir = c->log_dir;
	o->eve_dest = c->eve_dest;
	o->eve_from_conf = c->eve_dest != NULL;
	o->inner_dest = c->inner_dest;
	o->inner_from_conf = c->inner_dest != NULL;
	o->inner_linktype = c->inner_linktype;
	o->quiet = c->quiet;
	o->rules_given = c->rules_set;
	for (i = 0; i < c->n_rule_paths; i++)
		o->rule_paths[i] = c->rule_paths[i];
	o->n_rule_paths = c->n_rule_paths;
	return (0);
}

static void
print_rule_errors(const struct rules_errors *errs, const char *prefix)
{
	char buf[DOC_ERROR_FILE_MAX + DOC_ERROR_REASON_MAX + 32];
	size_t i;

	for (i = 0; i < errs->n; i++)
		fprintf(stderr, "%s%s\n", prefix, doc_error_str(&errs->err[i],
		    buf, sizeof(buf)));
	if (errs->more > 0)
		fprintf(stderr, "%s... and %zu more errors\n", prefix,
		    errs->more);
}

/* --check-rules: errors as a compiler gives them, for editors. */
static int
check_rules(const struct options *o)
{
	struct rules_errors errs;
	size_t n, disabled;

	if (rules_check(o->check_paths, o->n_check_paths, &errs, &n,
	    &disabled) != 0) {
		print_rule_errors(&errs, "");
		return (EXIT_FAILURE);
	}
	if (disabled > 0)
		printf("%zu rules OK (%zu disabled)\n", n, disabled);
	else
		printf("%zu rules OK\n", n);
	return (EXIT_SUCCESS);
}

/*
 * The rules to run with: those of --rules or the file, else the
 * installed set; when that is not there either, none (said once), and
 * SIGHUP looks for it again.
 */
static int
load_rules(struct options *o, struct rules *rules)
{
	struct rules_errors errs;
	struct stat sb;

	if (!o->rules_given) {
		o->rule_paths[0] = ESPVIS_RULES_DIR;
		o->n_rule_paths = 1;
		if (stat(ESPVIS_RULES_DIR, &sb) != 0) {
			if (!o->quiet)
				fprintf(stderr, "espvis: no rules loaded: %s "
				    "does not exist (give --rules PATH)\n",
				    ESPVIS_RULES_DIR);
			/* The empty set, so that SIGHUP counts as a reload. */
			return (rules_load(rules, NULL, 0, &errs));
		}
	}
	if (rules_load(rules, o->rule_paths, o->n_rule_paths, &errs) != 0) {
		print_rule_errors(&errs, "espvis: ");
		return (-1);
	}
	return (0);
}

/* After SIGHUP, between two packets: the new set, or the old one kept. */
static void
reload_rules(const struct options *o, struct rules *rules)
{
	struct rules_errors errs;

	reload_requested = 0;
	if (rules_load(rules, o->rule_paths, o->n_rule_paths, &errs) != 0) {
		fprintf(stderr, "espvis: rules reload refused, keeping the %zu "
		    "rules in use:\n", rules_count(rules));
		print_rule_errors(&errs, "espvis: ");
		return;
	}
	if (!o->quiet)
		fprintf(stderr, "espvis: rules reloaded: %zu rules\n",
		    rules_count(rules));
}

/* Fill in the outputs that -l implies. */
static int
resolve_outputs(struct options *o, char *eve_path, char *inner_path,
    size_t pathlen)
{
	struct stat sb;

	if (o->log_dir == NULL) {
		if (o->eve_dest == NULL)
			o->eve_dest = "-";
		return (0);
	}
	if (stat(o->log_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "espvis: -l %s: not a directory\n", o->log_dir);
		return (-1);
	}
	if (o->eve_dest == NULL) {
		snprintf(eve_path, pathlen, "%s/eve.json", o->log_dir);
		o->eve_dest = eve_path;
	}
	if (o->inner_dest == NULL) {
		snprintf(inner_path, pathlen, "%s/inner.pcap", o->log_dir);
		o->inner_dest = inner_path;
	}
	return (0);
}

/* Read one file to its end; -1 (reported) on a fault in it. */
static int
run_file(struct pipeline *pl, const char *path, uint64_t *num,
    const struct options *o, struct rules *rules)
{
	char err[512];
	struct capture *cap;
	struct packet frame;
	int rc;

	if ((cap = capture_open_file(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "espvis: %s\n", err);
		return (-1);
	}
	memset(&frame, 0, sizeof(frame));
	while (!stop_requested &&
	    (rc = capture_next(cap, &frame, err, sizeof(err))) == 1) {
		frame.num = ++*num;
		if (reload_requested)
			reload_rules(o, rules);
		pipeline_packet(pl, &frame);
	}
	capture_close(cap);
	if (!stop_requested && rc < 0) {
		fprintf(stderr, "espvis: %s: corrupt or truncated capture "
		    "after %llu packets: %s\n", path,
		    (unsigned long long)*num, err);
		return (-1);
	}
	return (0);
}

static void
print_summary(const struct stats *st)
{
	uint64_t skipped = 0;
	int r;

	for (r = 0; r < SKIP_MAX; r++)
		skipped += st->skipped[r];
	fprintf(stderr, "espvis: %llu packets read: %llu decoded, %llu "
	    "skipped, %llu dropped; SAs: %llu null, %llu encrypted, %llu "
	    "undecided; %llu inner packets found, %llu written\n",
	    (unsigned long long)st->read, (unsigned long long)st->decoded,
	    (unsigned long long)skipped, (unsigned long long)st->dropped,
	    (unsigned long long)st->sa_null,
	    (unsigned long long)st->sa_encrypted,
	    (unsigned long long)st->sa_undecided,
	    (unsigned long long)st->inner_found,
	    (unsigned long long)st->inner_written);
}

/* Only when events were lost or a socket peer came and went: the stats
 * event cannot count what was still queued when it was written. */
static void
print_eve_losses(const struct eve *eve)
{
	struct eve_counters c;

	eve_get_counters(eve, &c);
	if (c.errors == 0 && c.dropped == 0 && c.reconnects == 0 &&
	    c.redis_errors == 0)
		return;
	fprintf(stderr, "espvis: EVE: %llu events, %llu dropped, %llu "
	    "errors, %llu reconnects", (unsigned long long)c.events,
	    (unsigned long long)c.dropped, (unsigned long long)c.errors,
	    (unsigned long long)c.reconnects);
	if (c.redis_errors > 0)
		fprintf(stderr, ", %llu Redis errors (last: %s)",
		    (unsigned long long)c.redis_errors, eve_last_error(eve));
	fputc('\n', stderr);
}

int
main(int argc, char **argv)
{
	static struct options o;
	char err[512], eve_path[PATH_MAX], inner_path[PATH_MAX];
	char eve_dest[PATH_MAX];
	struct rules *rules = NULL;
	struct eve *eve = NULL;
	struct innerpcap *inner = NULL;
	struct pipeline *pl = NULL;
	uint64_t num = 0;
	int i, status = EXIT_USAGE;

	/* First: a SIGHUP while starting must not kill, only reload. */
	signal(SIGHUP, on_reload_signal);
	if (load_config(argc, argv, &o) != 0 || parse_args(argc, argv, &o) != 0)
		goto out;
	if (o.n_check_paths > 0) {
		status = check_rules(&o);
		goto out;
	}
	if (resolve_outputs(&o, eve_path, inner_path, sizeof(eve_path)) != 0)
		goto out;
	if ((rules = rules_new()) == NULL) {
		fprintf(stderr, "espvis: out of memory\n");
		goto out;
	}
	if (load_rules(&o, rules) != 0)
		goto out;
	if ((eve = eve_open(config_eve_dest(o.conf, o.eve_dest, eve_dest,
	    sizeof(eve_dest)), &o.conf->eve, err, sizeof(err))) == NULL) {
		fprintf(stderr, "espvis: --eve %s\n", err);
		goto out;
	}
	if (o.inner_dest != NULL && (inner = innerpcap_open(o.inner_dest,
	    o.inner_linktype, err, sizeof(err))) == NULL) {
		fprintf(stderr, "espvis: -w %s: %s\n", o.inner_dest, err);
		goto out;
	}
	if ((pl = pipeline_new(&o.cfg, eve, inner, err, sizeof(err))) == NULL) {
		fprintf(stderr, "espvis: %s\n", err);
		goto out;
	}
	signal(SIGINT, on_stop_signal);
	signal(SIGTERM, on_stop_signal);
	status = EXIT_SUCCESS;
	for (i = 0; i < o.n_inputs && !stop_requested; i++) {
		if (run_file(pl, o.inputs[i], &num, &o, rules) != 0) {
			status = EXIT_INPUT;
			break;
		}
	}
	pipeline_finish(pl);
	eve_drain(eve);
	if (!o.quiet) {
		print_summary(pipeline_stats(pl));
		print_eve_losses(eve);
	}
out:
	pipeline_free(pl);
	innerpcap_close(inner);
	eve_close(eve);
	rules_free(rules);
	config_free(o.conf);
	return (status);
}
