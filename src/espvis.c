/*
 * espvis.c - the command line: parse it, open the inputs and outputs,
 * run the pipeline, report.  Everything else lives in the stages; this
 * file is the only one that prints.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture/capture.h"
#include "capture/nfq.h"
#include "classify/rules.h"
#include "config.h"
#include "daemon.h"
#include "ike/ike_run.h"
#include "mgmt/mgmt_inspector.h"
#include "pipeline.h"
#include "report/progress.h"
#include "report/report.h"
#include "report/summary.h"
#include "report/tally.h"
#include "report/tally_live.h"
#include "version.h"
#include "sandbox.h"
#include "workers.h"

#define MAX_INPUTS	256
#define EXIT_USAGE	2
#define EXIT_INPUT	1
#define XSTR(x)		STR(x)		/* a numeric macro as a string */
#define STR(x)		#x

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
	const char		*ifaces[CAPTURE_MAX_IFACES]; /* -i */
	size_t			 n_ifaces;
	struct live_config	 live;		/* -f, --snaplen, ... */
	uint32_t		 stats_interval; /* --stats-interval */
	const char		*user;		/* -u */
	const char		*pidfile;	/* --pidfile */
	bool			 use_nfq;	/* --nfq NUM: inline */
	struct nfqueue_config	 nfq;
	bool			 nfq_opts;	/* any --nfq-* given */
	bool			 nfq_hold_opts;	/* any --nfq-hold* given */
	uint32_t		 workers;	/* --workers N */
	uint32_t		 worker_ring_kb;
	bool			 no_sandbox;	/* --no-sandbox */
	const char		*config_path;	/* -c FILE */
	struct esp_keys		*keys;		/* keys_open(); NULL: none */
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

/*
 * The IKE endpoint inside the daemon (a configuration with `ike:`;
 * docs/ike.md): opened with the capture, run on a thread of its own
 * once privileges are dropped and the sandbox is on, stopped when the
 * capture ends.  It hands its Child SA keys to the pipelines through
 * keys, and its management API asks the capture thread for the
 * inspector's answers through insp (mgmt/mgmt_inspector.h).
 */

static struct endpoint {
	struct ike_config	 cfg;
	struct ike_run		*run;
	struct esp_keys		*keys;		/* = options.keys (borrowed) */
	struct mgmt_inspector	*insp;
	struct mgmt_inspector_src src;
	pthread_t		 thread;
	bool			 started;
	const struct options	*o;		/* for the reload */
	struct rules		*rules;
} endpoint;

static void
on_reload_signal(int sig)
{
	(void)sig;
	reload_requested = 1;
}

static void
usage(FILE *out)
{
	struct nfqueue_config nfq_defaults;

	nfqueue_config_defaults(&nfq_defaults);
	fprintf(out,
"usage: espvis -r FILE [-r FILE ...] [options]\n"
"       espvis -i IFACE [-i IFACE ...] [options]\n"
"       espvis --nfq NUM [options]\n"
"       espvis report EVE.json ... [-o report.html]   (an HTML report)\n"
"       espvis ike --config FILE [--socket PATH] [-v]   (IKEv2 endpoint, docs/ike.md)\n"
"       espvis ike status            [--socket PATH | --config FILE]\n"
"       espvis ike initiate NAME     [--socket PATH | --config FILE]\n"
"       espvis ike delete NAME|SPI   [--socket PATH | --config FILE]\n"
"       espvis ike rekey SPI         [--socket PATH | --config FILE]\n"
"\n"
"Finds the IPsec ESP and WESP security associations in packet captures,\n"
"decides for each whether it is ESP-NULL (RFC 5879 heuristics, RFC 5840\n"
"WESP) or encrypted, and exports what is inside the ESP-NULL ones.\n"
"\n"
"  -r FILE              read a pcap or pcapng capture (repeat: read in order)\n"
"  -i IFACE             capture live on IFACE (repeat for several, up to\n"
"                       " XSTR(CAPTURE_MAX_IFACES) ") until SIGINT or SIGTERM "
			"(docs/live.md)\n"
"  -f EXPR              live: BPF capture filter, e.g. 'esp or udp port 4500'\n"
"      --snaplen N      live: bytes kept of each frame (default "
			XSTR(LIVE_SNAPLEN_DEFAULT) ")\n"
"      --buffer-size MB live: kernel ring per interface (default "
			XSTR(LIVE_BUFFER_MB_DEFAULT) ")\n"
"      --no-promisc     live: do not put the interfaces in promiscuous mode\n"
"      --stats-interval S\n"
"                       live: a stats event every S seconds, 0: only at\n"
"                       the end (default " XSTR(STATS_INTERVAL_DEFAULT) ")\n"
"  -u USER              run as USER once the interfaces and outputs are open\n"
"      --no-sandbox     no Landlock or seccomp once started (docs/security.md)\n"
"      --pidfile PATH   write the pid to PATH, removed at exit\n"
"  -l DIR               log directory: DIR/eve.json, and DIR/inner.pcap\n"
"                       unless -w is given\n"
"      --eve DEST       EVE JSON events to DEST: - (stdout), a file,\n"
"                       unix:PATH (datagrams), unix-stream:PATH, or\n"
"                       redis://HOST:PORT/KEY[?mode=list|channel|stream],\n"
"                       or none: no events (default: stdout, or\n"
"                       DIR/eve.json with -l)\n"
"  -w DEST              decapsulated inner packets as pcap: a file, a FIFO,\n"
"                       or - (stdout)\n"
"      --inner-linktype ethernet|raw\n"
"                       link type of the -w stream (default: ethernet)\n"
"      --max-sas N      SA table size (default %u)\n"
"      --sa-timeout S   end an SA idle for S seconds (default %u)\n"
"      --decide-pkts N  packets of weak evidence to decide null (default %u)\n"
"      --no-ndpi        no nDPI: inner flows are still tracked and\n"
"                       reported, without app_proto; rules with an app\n"
"                       or risk condition never match\n"
"  -c, --config FILE    YAML configuration (docs/configuration.md); the\n"
"                       command line overrides it\n"
"      --rules PATH     rule file or directory (repeat for several; default\n"
"                       " ESPVIS_RULES_DIR ")\n"
"      --check-rules PATH\n"
"                       check rules and exit: 0 and \"N rules OK\", or 1 and\n"
"                       each error as FILE:LINE:COLUMN: REASON\n"
"      --nfq NUM        inline on NFQUEUE queue NUM (docs/inline.md): each\n"
"                       packet accepted, or dropped when its SA or inner\n"
"                       flow matches a drop rule; until SIGINT or SIGTERM\n"
"      --nfq-maxlen N   kernel queue length in packets (default %u)\n"
"      --nfq-fail-open  the kernel accepts what a full queue cannot take\n"
"      --nfq-undecided accept|drop|hold\n"
"                       packets of SAs not decided yet (default accept)\n"
"      --nfq-hold N     hold: packets held per SA (default %u; all SAs\n"
"                       together: half the queue length)\n"
"      --nfq-hold-timeout MS\n"
"                       hold: longest a packet waits (default %u)\n"
"      --nfq-hold-expire accept|drop\n"
"                       hold: verdict when it waited too long, or there\n"
"                       is no room to hold it (default accept)\n"
"      --workers N      N pipelines on N threads, a tunnel's packets\n"
"                       all on one (default 1; docs/espvis.8)\n"
"  -q, --quiet          no summary on standard error\n"
"  -h, --help           this text\n"
"  -V, --version        print the version\n"
"\n"
"Exit status: 0 on success, 1 when an input is unreadable or corrupt\n"
"(packets read before the fault are still counted and exported), 2 on\n"
"bad arguments, configuration or rules.  SIGHUP reloads the rules (a set\n"
"with an error is refused and the one in use kept).  See espvis(8).\n",
	    65536u, 300u, 3u, nfq_defaults.maxlen, nfq_defaults.hold_per_sa,
	    nfq_defaults.hold_timeout_ms);
}

/* The libraries as loaded: the first thing a bug report needs. */
static void
print_version(void)
{
	struct lib_version libs[LIB_VERSIONS_MAX];
	size_t i, n;

	printf("espvis %s\n", ESPVIS_VERSION);
	n = lib_versions(libs, LIB_VERSIONS_MAX);
	for (i = 0; i < n; i++)
		printf("  %-8s %s\n", libs[i].name, libs[i].version);
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
	OPT_SNAPLEN,
	OPT_BUFFER_SIZE,
	OPT_NO_PROMISC,
	OPT_STATS_INTERVAL,
	OPT_PIDFILE,
	OPT_NFQ,
	OPT_NFQ_MAXLEN,
	OPT_NFQ_FAIL_OPEN,
	OPT_NFQ_UNDECIDED,
	OPT_NFQ_HOLD,
	OPT_NFQ_HOLD_TIMEOUT,
	OPT_NFQ_HOLD_EXPIRE,
	OPT_WORKERS,
	OPT_NO_NDPI,
	OPT_NO_SANDBOX,
};

#define SHORTOPTS	"r:i:f:u:l:w:c:qhV"

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
	{ "interface", required_argument, NULL, 'i' },
	{ "filter", required_argument, NULL, 'f' },
	{ "snaplen", required_argument, NULL, OPT_SNAPLEN },
	{ "buffer-size", required_argument, NULL, OPT_BUFFER_SIZE },
	{ "no-promisc", no_argument, NULL, OPT_NO_PROMISC },
	{ "stats-interval", required_argument, NULL, OPT_STATS_INTERVAL },
	{ "user", required_argument, NULL, 'u' },
	{ "pidfile", required_argument, NULL, OPT_PIDFILE },
	{ "nfq", required_argument, NULL, OPT_NFQ },
	{ "nfq-maxlen", required_argument, NULL, OPT_NFQ_MAXLEN },
	{ "nfq-fail-open", no_argument, NULL, OPT_NFQ_FAIL_OPEN },
	{ "nfq-undecided", required_argument, NULL, OPT_NFQ_UNDECIDED },
	{ "nfq-hold", required_argument, NULL, OPT_NFQ_HOLD },
	{ "nfq-hold-timeout", required_argument, NULL, OPT_NFQ_HOLD_TIMEOUT },
	{ "nfq-hold-expire", required_argument, NULL, OPT_NFQ_HOLD_EXPIRE },
	{ "workers", required_argument, NULL, OPT_WORKERS },
	{ "no-ndpi", no_argument, NULL, OPT_NO_NDPI },
	{ "no-sandbox", no_argument, NULL, OPT_NO_SANDBOX },
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

/* The --nfq options: a policy, with or without hold. */
static int
parse_policy(const char *arg, const char *name, bool hold_ok,
    enum nfqueue_policy *out)
{
	if (strcmp(arg, "accept") == 0)
		*out = NFQUEUE_ACCEPT;
	else if (strcmp(arg, "drop") == 0)
		*out = NFQUEUE_DROP;
	else if (hold_ok && strcmp(arg, "hold") == 0)
		*out = NFQUEUE_HOLD;
	else {
		fprintf(stderr, "espvis: %s: expected accept%s, got '%s'\n",
		    name, hold_ok ? ", drop or hold" : " or drop", arg);
		return (-1);
	}
	return (0);
}

static int
parse_nfq_option(int ch, const char *arg, struct options *o)
{
	uint32_t v;

	switch (ch) {
	case OPT_NFQ:
		if (parse_u32(arg, "--nfq", 0, &v) != 0)
			return (-1);
		if (v > UINT16_MAX) {
			fprintf(stderr, "espvis: --nfq: a queue number is 0 to "
			    "65535, got '%s'\n", arg);
			return (-1);
		}
		o->nfq.queue = (uint16_t)v;
		o->use_nfq = true;
		return (0);
	case OPT_NFQ_MAXLEN:
		if (parse_u32(arg, "--nfq-maxlen", NFQUEUE_MAXLEN_MIN,
		    &o->nfq.maxlen) != 0)
			return (-1);
		if (o->nfq.maxlen > NFQUEUE_MAXLEN_MAX) {
			fprintf(stderr, "espvis: --nfq-maxlen: at most %u\n",
			    NFQUEUE_MAXLEN_MAX);
			return (-1);
		}
		break;
	case OPT_NFQ_FAIL_OPEN:
		o->nfq.fail_open = true;
		break;
	case OPT_NFQ_UNDECIDED:
		if (parse_policy(arg, "--nfq-undecided", true,
		    &o->nfq.undecided) != 0)
			return (-1);
		break;
	case OPT_NFQ_HOLD:
		if (parse_u32(arg, "--nfq-hold", 1, &o->nfq.hold_per_sa) != 0)
			return (-1);
		o->nfq_hold_opts = true;
		break;
	case OPT_NFQ_HOLD_TIMEOUT:
		if (parse_u32(arg, "--nfq-hold-timeout", 1,
		    &o->nfq.hold_timeout_ms) != 0)
			return (-1);
		if (o->nfq.hold_timeout_ms > NFQUEUE_HOLD_TIMEOUT_MAX) {
			fprintf(stderr, "espvis: --nfq-hold-timeout: at most "
			    "%u ms\n", NFQUEUE_HOLD_TIMEOUT_MAX);
			return (-1);
		}
		o->nfq_hold_opts = true;
		break;
	case OPT_NFQ_HOLD_EXPIRE:
		if (parse_policy(arg, "--nfq-hold-expire", false,
		    &o->nfq.hold_expire) != 0)
			return (-1);
		o->nfq_hold_opts = true;
		break;
	default:
		return (-1);
	}
	o->nfq_opts = true;
	return (0);
}

/* Options that make sense only together, checked once all are read. */
static int
check_nfq_options(const struct options *o)
{
	if (o->use_nfq && o->n_inputs > 0) {
		fprintf(stderr, "espvis: --nfq and -r cannot be combined\n");
		return (-1);
	}
	if (o->nfq_opts && !o->use_nfq) {
		fprintf(stderr, "espvis: the --nfq-* options need --nfq NUM\n");
		return (-1);
	}
	if (o->nfq_hold_opts && o->nfq.undecided != NFQUEUE_HOLD) {
		fprintf(stderr, "espvis: --nfq-hold, --nfq-hold-timeout and "
		    "--nfq-hold-expire need --nfq-undecided hold\n");
		return (-1);
	}
	if (o->nfq.undecided == NFQUEUE_HOLD &&
	    o->nfq.hold_per_sa > nfqueue_hold_total(&o->nfq)) {
		fprintf(stderr, "espvis: --nfq-hold %u: at most half the queue "
		    "length (--nfq-maxlen %u)\n", o->nfq.hold_per_sa,
		    o->nfq.maxlen);
		return (-1);
	}
	return (0);
}

/* -i and its options, -u, --pidfile. */
static int
parse_live_option(int ch, const char *arg, struct options *o)
{
	switch (ch) {
	case 'i':
		if (o->n_ifaces == CAPTURE_MAX_IFACES) {
			fprintf(stderr, "espvis: at most %d -i interfaces\n",
			    CAPTURE_MAX_IFACES);
			return (-1);
		}
		o->ifaces[o->n_ifaces++] = arg;
		return (0);
	case 'f':
		o->live.filter = arg;
		return (0);
	case OPT_SNAPLEN:
		if (parse_u32(arg, "--snaplen", LIVE_SNAPLEN_MIN,
		    &o->live.snaplen) != 0)
			return (-1);
		if (o->live.snaplen > LIVE_SNAPLEN_DEFAULT) {
			fprintf(stderr, "espvis: --snaplen: at most %u\n",
			    LIVE_SNAPLEN_DEFAULT);
			return (-1);
		}
		return (0);
	case OPT_BUFFER_SIZE:
		if (parse_u32(arg, "--buffer-size", 1, &o->live.buffer_mb) !=
		    0)
			return (-1);
		if (o->live.buffer_mb > LIVE_BUFFER_MB_MAX) {
			fprintf(stderr, "espvis: --buffer-size: at most %u "
			    "(MB)\n", LIVE_BUFFER_MB_MAX);
			return (-1);
		}
		return (0);
	case OPT_NO_PROMISC:
		o->live.promisc = false;
		return (0);
	case OPT_STATS_INTERVAL:
		return (parse_u32(arg, "--stats-interval", 0,
		    &o->stats_interval));
	case 'u':
		o->user = arg;
		return (0);
	case OPT_PIDFILE:
		o->pidfile = arg;
		return (0);
	default:
		break;
	}
	return (-1);
}

/* One source of packets; the capture options only with -i. */
static int
check_live_options(const struct options *o)
{
	if (o->n_ifaces > 0 && (o->n_inputs > 0 || o->use_nfq)) {
		fprintf(stderr, "espvis: -i cannot be combined with -r or "
		    "--nfq\n");
		return (-1);
	}
	if (o->n_ifaces == 0 && (o->live.filter != NULL ||
	    o->live.snaplen != LIVE_SNAPLEN_DEFAULT ||
	    o->live.buffer_mb != LIVE_BUFFER_MB_DEFAULT || !o->live.promisc)) {
		fprintf(stderr, "espvis: -f, --snaplen, --buffer-size and "
		    "--no-promisc need -i IFACE\n");
		return (-1);
	}
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
		case OPT_NO_NDPI:
			o->cfg.dpi.enabled = false;
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
		case 'i':
		case 'f':
		case 'u':
		case OPT_SNAPLEN:
		case OPT_BUFFER_SIZE:
		case OPT_NO_PROMISC:
		case OPT_STATS_INTERVAL:
		case OPT_PIDFILE:
			if (parse_live_option(ch, optarg, o) != 0)
				return (-1);
			break;
		case OPT_NFQ:
		case OPT_NFQ_MAXLEN:
		case OPT_NFQ_FAIL_OPEN:
		case OPT_NFQ_UNDECIDED:
		case OPT_NFQ_HOLD:
		case OPT_NFQ_HOLD_TIMEOUT:
		case OPT_NFQ_HOLD_EXPIRE:
			if (parse_nfq_option(ch, optarg, o) != 0)
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
		case OPT_NO_SANDBOX:
			o->no_sandbox = true;
			break;
		case OPT_WORKERS:
			if (parse_u32(optarg, "--workers", 1, &o->workers) != 0)
				return (-1);
			if (o->workers > WORKERS_MAX) {
				fprintf(stderr, "espvis: --workers: at most "
				    "%u\n", WORKERS_MAX);
				return (-1);
			}
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			print_version();
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
	if (check_nfq_options(o) != 0 || check_live_options(o) != 0)
		return (-1);
	if (o->n_inputs == 0 && o->n_check_paths == 0 && !o->use_nfq &&
	    o->n_ifaces == 0) {
		fprintf(stderr, "espvis: nothing to read: give -r FILE or "
		    "-i IFACE (espvis --help)\n");
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
	o->config_path = path;
	o->cfg = c->pipeline;
	o->log_dir = c->log_dir;
	o->eve_dest = c->eve_dest;
	o->eve_from_conf = c->eve_dest != NULL;
	o->inner_dest = c->inner_dest;
	o->inner_from_conf = c->inner_dest != NULL;
	o->inner_linktype = c->inner_linktype;
	o->quiet = c->quiet;
	o->stats_interval = c->stats_interval;
	o->workers = c->workers;
	o->worker_ring_kb = c->worker_ring_kb;
	o->nfq = c->nfq;		/* --nfq NUM adds the queue */
	o->rules_given = c->rules_set;
	for (i = 0; i < c->n_rule_paths; i++)
		o->rule_paths[i] = c->rule_paths[i];
	o->n_rule_paths = c->n_rule_paths;
	return (0);
}

/*
 * The ESP key store the pipelines read (docs/keys.md): made when the
 * configuration gives keys (esp_keys:), and by whoever runs an IKE
 * endpoint in the process, whose Child SAs join it.  Call before the
 * pipelines are made; a second call does nothing.
 */
static int
keys_open(struct options *o)
{
	char	 err[128];

	if (o->keys != NULL)
		return (0);
	if ((o->keys = keys_store_new(&o->conf->esp_keys, KEYS_STORE_DEFAULT,
	    err, sizeof(err))) == NULL) {
		fprintf(stderr, "espvis: %s\n", err);
		return (-1);
	}
	/* The store has them now: one copy of the secrets fewer. */
	key_list_free(&o->conf->esp_keys);
	o->cfg.esp_keys = o->keys;
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

/*
 * After SIGHUP, between two packets: the new set, or the old one kept.
 * Workers read the rules: they finish what they have first.
 */
static int
reload_rules(const struct options *o, struct rules *rules,
    struct workers *wk, char *msg, size_t msglen)
{
	char buf[DOC_ERROR_FILE_MAX + DOC_ERROR_REASON_MAX + 32];
	struct rules_errors errs;

	reload_requested = 0;
	if (wk != NULL)
		workers_quiesce(wk);
	if (rules_load(rules, o->rule_paths, o->n_rule_paths, &errs) != 0) {
		fprintf(stderr, "espvis: rules reload refused, keeping the %zu "
		    "rules in use:\n", rules_count(rules));
		print_rule_errors(&errs, "espvis: ");
		if (msg != NULL)
			snprintf(msg, msglen, "refused, keeping the %zu rules "
			    "in use: %s", rules_count(rules), errs.n > 0 ?
			    doc_error_str(&errs.err[0], buf, sizeof(buf)) :
			    "error");
		return (-1);
	}
	if (!o->quiet)
		fprintf(stderr, "espvis: rules reloaded: %zu rules\n",
		    rules_count(rules));
	if (msg != NULL)
		snprintf(msg, msglen, "%zu rules", rules_count(rules));
	return (0);
}

/* POST /v1/rules/reload, on the capture thread (mgmt_inspector.h). */
static int
reload_for_api(void *arg, char *msg, size_t msglen)
{
	struct endpoint *e = arg;

	return (reload_rules(e->o, e->rules, e->src.wk, msg, msglen));
}

/*
 * Between two packets, and when the capture's poll times out: SIGHUP's
 * reload, and a management API request (a relaxed atomic load when
 * none waits).
 */
static void
between_packets(const struct options *o, struct rules *rules,
    struct workers *wk)
{
	if (reload_requested)
		(void)reload_rules(o, rules, wk, NULL, 0);
	if (endpoint.insp != NULL && mgmt_inspector_pending(endpoint.insp))
		mgmt_inspector_serve(endpoint.insp, &endpoint.src);
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
run_file(struct pipeline *pl, struct workers *wk, const char *path,
    uint64_t *num, const struct options *o, struct rules *rules,
    struct progress *pg)
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
		between_packets(o, rules, wk);
		if (wk != NULL)
			workers_packet(wk, &frame);
		else
			pipeline_packet(pl, &frame);
		/* A mask per packet; the clock only every PROGRESS_EVERY. */
		if ((*num & (PROGRESS_EVERY - 1)) == 0)
			progress_tick(pg, *num, capture_position(cap));
	}
	progress_next_file(pg, capture_position(cap));
	capture_close(cap);
	if (!stop_requested && rc < 0) {
		fprintf(stderr, "espvis: %s: corrupt or truncated capture "
		    "after %llu packets: %s\n", path,
		    (unsigned long long)*num, err);
		return (-1);
	}
	return (0);
}

/*
 * -i: frames from every interface until SIGINT or SIGTERM, or until an
 * interface disappears.  Here time is the wall clock's: the periodic
 * stats events, and the flushes that get events and inner packets to
 * their consumers within a second however light the traffic.
 */
#define LIVE_WAIT_MS	100	/* idle: look at the clock this often */
#define LIVE_BATCH	256	/* frames per interface between looks */
#define LIVE_DRAIN_MS	(4 * LIVE_BLOCK_TIMEOUT_MS)

struct live_run {
	struct pipeline		*pl;		/* or: */
	struct workers		*wk;
	struct eve		*eve;
	struct innerpcap	*inner;		/* may be NULL */
	struct live		*live;
	uint32_t		 stats_interval;
	struct capture_stats	 cs;		/* the latest read */
};

static void
on_live_frame(void *arg, const struct packet *frame)
{
	struct live_run *r = arg;

	if (r->wk != NULL)
		workers_packet(r->wk, frame);
	else
		pipeline_packet(r->pl, frame);
}

static int64_t
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* The pipeline's counters as they are now, nDPI's memory included. */
static void
write_live_stats(struct live_run *r)
{
	struct timespec now;
	struct stats snap;

	snap = *pipeline_stats(r->pl);
	dpi_update_stats(&snap);
	clock_gettime(CLOCK_REALTIME, &now);
	eve_write_stats_snapshot(r->eve, now.tv_sec,
	    (uint32_t)(now.tv_nsec / 1000), &snap);
}

/*
 * At the stop, what the kernel captured before it is still analysed:
 * the ring's waiting frames, and those of the block still open, which
 * the kernel hands over within its timeout.
 */
static void
live_drain(struct live_run *r)
{
	char err[512];
	int64_t deadline = monotonic_ms() + LIVE_DRAIN_MS;

	while (live_poll(r->live, LIVE_BLOCK_TIMEOUT_MS * 2, LIVE_BATCH,
	    on_live_frame, r, err, sizeof(err)) > 0 &&
	    monotonic_ms() < deadline)
		if (r->wk != NULL)
			workers_kick(r->wk);
}

/*
 * Once a second: the expiry a frame of this second would run, so that on
 * a quiet link idle SAs and flows still end on time (the kernel stamps
 * frames with this same clock); counters read (they widen only when
 * read); the stats event when due; outputs flushed: standard output and
 * -w are buffered, and eve_tick() leaves them.
 */
static void
live_second(struct live_run *r, bool stats_due)
{
	struct timespec now;

	if (r->wk != NULL) {
		/* The exporter thread flushes the outputs (workers.h). */
		workers_expire(r->wk, time(NULL));
		live_stats(r->live, &r->cs);
		workers_set_capture_stats(r->wk, &r->cs);
		clock_gettime(CLOCK_REALTIME, &now);
		if (stats_due)
			workers_write_stats(r->wk, now.tv_sec,
			    (uint32_t)(now.tv_nsec / 1000));
		return;
	}
	pipeline_expire(r->pl, time(NULL));
	live_stats(r->live, &r->cs);
	eve_set_capture_stats(r->eve, &r->cs);
	if (stats_due)
		write_live_stats(r);
	if (r->inner != NULL)
		innerpcap_flush(r->inner);
	eve_flush(r->eve);
}

static int
run_live(struct live_run *r, struct pipeline *pl, struct workers *wk,
    struct eve *eve, struct innerpcap *inner, const struct options *o,
    struct rules *rules)
{
	char err[512];
	int64_t now, next_second, next_stats;
	bool stats_due;
	int rc = 0;

	r->pl = pl;
	r->wk = wk;
	r->eve = eve;
	r->inner = inner;
	r->stats_interval = o->stats_interval;
	now = monotonic_ms();
	next_second = now + 1000;
	next_stats = now + (int64_t)r->stats_interval * 1000;
	while (!stop_requested) {
		between_packets(o, rules, wk);
		if (live_poll(r->live, LIVE_WAIT_MS, LIVE_BATCH, on_live_frame,
		    r, err, sizeof(err)) < 0) {
			fprintf(stderr, "espvis: %s\n", err);
			rc = -1;
			break;
		}
		if (wk != NULL)
			workers_kick(wk);
		else
			eve_tick(r->eve);
		if ((now = monotonic_ms()) < next_second)
			continue;
		next_second = now + 1000;
		stats_due = r->stats_interval > 0 && now >= next_stats;
		if (stats_due)
			next_stats = now + (int64_t)r->stats_interval * 1000;
		live_second(r, stats_due);
	}
	if (rc == 0)
		live_drain(r);
	/* The final stats event carries the counters at the stop. */
	live_stats(r->live, &r->cs);
	if (wk != NULL)
		workers_set_capture_stats(wk, &r->cs);
	else
		eve_set_capture_stats(r->eve, &r->cs);
	return (rc);
}

/* Wrong interfaces and filters are the user's to fix (2); an interface
 * that cannot be captured on, like an unreadable file (1). */
static int
open_live(const struct options *o, struct live_run *r, int *status)
{
	char err[512];
	enum live_error why;

	if ((r->live = live_open(o->ifaces, o->n_ifaces, &o->live, &why, err,
	    sizeof(err))) != NULL)
		return (0);
	fprintf(stderr, "espvis: %s\n", err);
	*status = why == LIVE_ERR_INTERFACE ? EXIT_INPUT : EXIT_USAGE;
	return (-1);
}

/* The TCP port of redis://HOST[:PORT][/KEY] (6379 by default). */
static uint16_t
redis_port(const char *url)
{
	const char *host = url + strlen("redis://"), *end, *colon;
	unsigned long port;

	end = host + strcspn(host, "/?");
	if (*host == '[' && (colon = memchr(host, ']', (size_t)(end - host))) !=
	    NULL)
		colon = colon + 1 < end && colon[1] == ':' ? colon + 1 : NULL;
	else
		colon = memchr(host, ':', (size_t)(end - host));
	if (colon == NULL)
		return (6379);
	port = strtoul(colon + 1, NULL, 10);
	return (port > 0 && port <= UINT16_MAX ? (uint16_t)port : 6379);
}

/*
 * What this run still opens once started (sandbox.h, docs/security.md):
 * the -r files one after the other, the rules again on SIGHUP, the EVE
 * file again and the log directory's files (a rotation), the pidfile's
 * directory (removed at exit), sockets when EVE goes to one.
 */
static int
start_sandbox(const struct options *o, const char *eve_dest)
{
	static char pid_dir[PATH_MAX];
	struct sandbox_policy sp;
	struct sandbox_status st;
	char err[512], *slash;
	int i;
	size_t r;

	if (o->no_sandbox)
		return (0);
	sandbox_policy_init(&sp);
	for (i = 0; i < o->n_inputs; i++)
		if (strcmp(o->inputs[i], "-") != 0)
			(void)sandbox_allow_read(&sp, o->inputs[i]);
	for (r = 0; r < o->n_rule_paths; r++)
		(void)sandbox_allow_reread(&sp, o->rule_paths[r]);
	if (strncmp(eve_dest, "redis://", 8) == 0) {
		sp.sockets = true;
		sp.tcp_port = redis_port(eve_dest);
	} else if (strncmp(eve_dest, "unix", 4) == 0 &&
	    strchr(eve_dest, ':') != NULL)
		sp.sockets = true;
	else if (strcmp(eve_dest, "-") != 0)
		sp.write_files[sp.n_write_files++] = eve_dest;
	if (o->log_dir != NULL)
		sp.write_dirs[sp.n_write_dirs++] = o->log_dir;
	if (o->pidfile != NULL) {
		snprintf(pid_dir, sizeof(pid_dir), "%s", o->pidfile);
		if ((slash = strrchr(pid_dir, '/')) == NULL)
			snprintf(pid_dir, sizeof(pid_dir), ".");
		else if (slash == pid_dir)
			pid_dir[1] = '\0';
		else
			*slash = '\0';
		sp.remove_dir = pid_dir;
	}
	if (endpoint.run != NULL)
		ike_run_sandbox(endpoint.run, &sp);
	if (sandbox_apply(&sp, &st, err, sizeof(err)) != 0) {
		fprintf(stderr, "espvis: %s (--no-sandbox runs without)\n",
		    err);
		return (-1);
	}
	return (0);
}

/*
 * After the interfaces and outputs are open: the pidfile (once the
 * stop signals are caught, so that it is always removed), then the
 * user, then the sandbox, before any thread is made.
 */
static int
start_daemon(const struct options *o, const struct priv_user *user,
    struct pidfile **pidfile, const char *eve_dest)
{
	char err[512];
	uint64_t caps = 0;

	if (o->pidfile != NULL &&
	    (*pidfile = pidfile_open(o->pidfile, err, sizeof(err))) == NULL) {
		fprintf(stderr, "espvis: %s\n", err);
		return (-1);
	}
	/* nfnetlink takes no verdict from a process without CAP_NET_ADMIN;
	 * the endpoint adds a route for each Child SA's selectors (netlink)
	 * and opens raw ESP/WESP sockets with its first SA over IP. */
	if (o->use_nfq || endpoint.run != NULL)
		caps |= 1ull << CAP_NET_ADMIN;
	if (endpoint.run != NULL)
		caps |= 1ull << CAP_NET_RAW;
	if (o->user != NULL && priv_drop_keep(user, caps, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "espvis: %s\n", err);
		return (-1);
	}
	return (start_sandbox(o, eve_dest));
}

/*
 * The endpoint: its configuration and key store before the pipelines
 * (which borrow the store), its sockets, TUN device and API with the
 * other descriptors, its thread once the sandbox is on.
 */
static int
endpoint_config(struct options *o)
{
	char err[1024];

	if (!o->conf->ike)
		return (0);
	ike_config_defaults(&endpoint.cfg);
	if (ike_config_load(&endpoint.cfg, o->config_path, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "espvis: %s\n", err);
		return (-1);
	}
	/* One store for the configured keys and the endpoint's Child SAs:
	 * the pipelines read one. */
	if (keys_open(o) != 0)
		return (-1);
	endpoint.keys = o->keys;
	if ((endpoint.insp = mgmt_inspector_new(MGMT_INSPECTOR_SAS_DEFAULT,
	    MGMT_INSPECTOR_WAIT_MS)) == NULL) {
		fprintf(stderr, "espvis: out of memory\n");
		return (-1);
	}
	return (0);
}

static int
endpoint_open(const struct options *o)
{
	struct ike_run_host host;
	char err[512];

	if (endpoint.keys == NULL)
		return (0);
	memset(&host, 0, sizeof(host));
	host.keys = endpoint.keys;
	host.inspector = mgmt_inspector_providers(endpoint.insp);
	if ((endpoint.run = ike_run_open(&endpoint.cfg, o->config_path, 0,
	    &host, err, sizeof(err))) == NULL) {
		fprintf(stderr, "espvis: ike: %s\n", err);
		return (-1);
	}
	return (0);
}

static void *
endpoint_main(void *arg)
{
	ike_run_loop(arg);
	return (NULL);
}

/* The signals stay the main thread's: the endpoint's thread blocks them. */
static int
endpoint_start(const struct options *o, struct rules *rules,
    const struct pipeline *pl, struct workers *wk, struct nfqueue *nfq)
{
	sigset_t block, old;
	int rc;

	if (endpoint.run == NULL)
		return (0);
	endpoint.o = o;
	endpoint.rules = rules;
	endpoint.src.pl = pl;
	endpoint.src.wk = wk;
	if (nfq != NULL) {
		endpoint.src.fill = nfqueue_fill_stats;
		endpoint.src.fill_arg = nfq;
	}
	endpoint.src.reload = reload_for_api;
	endpoint.src.reload_arg = &endpoint;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	rc = pthread_create(&endpoint.thread, NULL, endpoint_main,
	    endpoint.run);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		fprintf(stderr, "espvis: ike: thread: %s\n", strerror(rc));
		return (-1);
	}
	endpoint.started = true;
	return (0);
}

/* The capture has ended: requests get 503, the IKE SAs are deleted. */
static void
endpoint_stop(void)
{
	mgmt_inspector_close(endpoint.insp);
	if (endpoint.started) {
		ike_run_stop(endpoint.run);
		pthread_join(endpoint.thread, NULL);
		endpoint.started = false;
	}
	ike_run_close(endpoint.run);
	endpoint.run = NULL;
}

/*
 * --nfq: the kernel's packets until SIGINT or SIGTERM, each given its
 * verdict through the pipeline (capture/nfq.h); then every packet still
 * held gets one, before the final stats event counts them.  Stats
 * events every --stats-interval seconds, as in live capture.
 */
#define NFQ_WAIT_MS	250	/* idle: flush events this often */

static void
write_nfq_stats(struct pipeline *pl, struct workers *wk, struct nfqueue *nfq,
    struct eve *eve)
{
	struct timespec now;
	struct stats snap;

	clock_gettime(CLOCK_REALTIME, &now);
	if (wk != NULL) {
		workers_write_stats(wk, now.tv_sec,
		    (uint32_t)(now.tv_nsec / 1000));
		return;
	}
	snap = *pipeline_stats(pl);
	dpi_update_stats(&snap);
	nfqueue_fill_stats(nfq, &snap);
	eve_write_stats_snapshot(eve, now.tv_sec,
	    (uint32_t)(now.tv_nsec / 1000), &snap);
}

/*
 * With workers the verdicts come back on this thread (workers.h); while
 * some are due, look for them and for new packets without sleeping.
 */
static int
nfq_wait_ms(struct workers *wk)
{
	return (wk != NULL && workers_inflight(wk) > 0 ? 0 : NFQ_WAIT_MS);
}

static int
run_nfq(struct pipeline *pl, struct workers *wk, struct nfqueue *nfq,
    const struct options *o, struct rules *rules, struct eve *eve)
{
	char err[512];
	struct packet frame;
	uint64_t num = 0;
	int64_t now, next_stats;
	int rc = 0;

	next_stats = monotonic_ms() + (int64_t)o->stats_interval * 1000;
	while (!stop_requested) {
		between_packets(o, rules, wk);
		rc = nfqueue_next(nfq, &frame, nfq_wait_ms(wk), err,
		    sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "espvis: --nfq %u: %s\n", o->nfq.queue,
			    err);
			break;
		}
		if (rc == 1) {
			frame.num = ++num;
			if (wk != NULL)
				workers_packet_tagged(wk, &frame,
				    nfqueue_detach(nfq));
			else
				pipeline_packet(pl, &frame);
		}
		if (wk != NULL)
			workers_verdicts(wk, false);
		else
			eve_tick(eve);
		if (o->stats_interval > 0 && (now = monotonic_ms()) >=
		    next_stats) {
			next_stats = now + (int64_t)o->stats_interval * 1000;
			write_nfq_stats(pl, wk, nfq, eve);
		}
	}
	if (wk != NULL)
		workers_verdicts(wk, true);
	nfqueue_flush(nfq);
	return (rc < 0 ? -1 : 0);
}

static void
print_capture_summary(const struct capture_stats *cs)
{
	uint32_t i;

	for (i = 0; i < cs->n_ifaces; i++)
		fprintf(stderr, "espvis: -i %s: %llu frames read, %llu "
		    "received; %llu kernel drops, %llu interface drops\n",
		    cs->iface[i].name, (unsigned long long)cs->iface[i].read,
		    (unsigned long long)cs->iface[i].received,
		    (unsigned long long)cs->iface[i].kernel_drops,
		    (unsigned long long)cs->iface[i].if_drops);
}

/*
 * The progress line: reading files, on a terminal, unless -q, and not
 * when the events themselves go to that terminal (they would be drawn
 * over).  The inputs' sizes give the percentage; a FIFO has none.
 */
static void
start_progress(const struct options *o, struct progress *pg)
{
	struct stat sb;
	uint64_t total = 0;
	bool show;
	int i;

	show = o->n_inputs > 0 && !o->quiet && isatty(STDERR_FILENO) &&
	    !(o->eve_dest != NULL && strcmp(o->eve_dest, "-") == 0 &&
	    isatty(STDOUT_FILENO));
	for (i = 0; i < o->n_inputs; i++) {
		if (strcmp(o->inputs[i], "-") == 0 ||
		    stat(o->inputs[i], &sb) != 0 || !S_ISREG(sb.st_mode)) {
			total = 0;
			break;
		}
		total += (uint64_t)sb.st_size;
	}
	progress_init(pg, show ? stderr : NULL, total);
}

/*
 * The summary's counts: every event the writers format, from its report
 * (eve_set_observer(), report/tally_live.h).  With workers each worker
 * counts its own events into its own tally, added up at the end.
 */
struct run_tally {
	struct tally	*all;		/* NULL: no table, the counters only */
	struct tally	*worker[WORKERS_MAX];
	uint32_t	 n;
};

static void
obs_sa(void *arg, const struct sa_report *r)
{
	tally_sa_report(arg, r);
}

static void
obs_flow(void *arg, const struct flow_report *r)
{
	tally_flow_report(arg, r);
}

static void
obs_alert(void *arg, const struct alert_report *r)
{
	tally_alert_report(arg, r);
}

static void
obs_stats(void *arg, int64_t sec, uint32_t usec, const struct stats *st)
{
	tally_stats_report(arg, sec, usec, st);
}

static void
tally_observer(struct tally *t, struct eve_observer *obs)
{
	obs->sa = obs_sa;
	obs->flow = obs_flow;
	obs->alert = obs_alert;
	obs->stats = obs_stats;
	obs->arg = t;
}

static void
run_tally_free(struct run_tally *rt)
{
	uint32_t i;

	for (i = 0; i < rt->n; i++)
		tally_free(rt->worker[i]);
	tally_free(rt->all);
	memset(rt, 0, sizeof(*rt));
}

/* n_workers: 0 for a lone pipeline.  Without memory: no table. */
static void
run_tally_new(struct run_tally *rt, uint32_t n_workers)
{
	memset(rt, 0, sizeof(*rt));
	if ((rt->all = tally_new_summary()) == NULL)
		return;
	for (rt->n = 0; rt->n < n_workers; rt->n++)
		if ((rt->worker[rt->n] = tally_new_summary()) == NULL) {
			run_tally_free(rt);
			return;
		}
}

static void
run_tally_observe(struct run_tally *rt, struct eve *eve, struct workers *wk)
{
	struct eve_observer obs;
	uint32_t i;

	if (rt->all == NULL)
		return;
	tally_observer(rt->all, &obs);
	eve_set_observer(eve, &obs);
	if (wk == NULL)
		return;
	workers_set_observer(wk, rt->n, &obs);
	for (i = 0; i < rt->n; i++) {
		tally_observer(rt->worker[i], &obs);
		workers_set_observer(wk, i, &obs);
	}
}

/* After the workers have ended. */
static void
run_tally_sum(struct run_tally *rt)
{
	uint32_t i;

	if (rt->all != NULL)
		for (i = 0; i < rt->n; i++)
			tally_merge(rt->all, rt->worker[i]);
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

/*
 * espvis report EVE.json ... [-o report.html] [--top N]: the HTML page
 * of a run's events (src/report/).  Unreadable lines are counted, not
 * fatal; an unreadable file or an unwritable page is (1).
 */
static int
report_command(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "top", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "summary", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct report_result res;
	const char *out = "report.html";
	char err[512];
	uint32_t top = 0;
	bool quiet = false, summary = false;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "o:qsh", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			out = optarg;
			break;
		case 't':
			if (parse_u32(optarg, "--top", 1, &top) != 0)
				return (EXIT_USAGE);
			break;
		case 'q':
			quiet = true;
			break;
		case 's':
			summary = true;
			break;
		case 'h':
			printf("usage: espvis report EVE.json ... [-o FILE] "
			    "[--top N] [-q] [--summary]\n\nAn HTML page (no script, no "
			    "external asset) of the events: SAs by verdict and "
			    "ICV length,\ninner applications, alerts over time, "
			    "top talkers inside ESP-NULL.\n-o FILE: the page "
			    "(default report.html; - for standard output);\n"
			    "--top N: rows of each top-N chart (default %d).  "
			    "EVE.json may be - (standard input).\n--summary: "
			    "no page; the SA, flow and alert rows of the summary "
			    "a run prints, on standard output.\n",
			    REPORT_TOP_DEFAULT_ROWS);
			return (EXIT_SUCCESS);
		default:
			return (EXIT_USAGE);
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "espvis report: give the EVE file(s) to read "
		    "(espvis report --help)\n");
		return (EXIT_USAGE);
	}
	if (summary)
		rc = report_summary((const char *const *)argv + optind,
		    (size_t)(argc - optind), stdout, &res, err, sizeof(err));
	else
		rc = report_run((const char *const *)argv + optind,
		    (size_t)(argc - optind), out, top, "espvis " ESPVIS_VERSION,
		    &res, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "espvis report: %s\n", err);
		return (EXIT_INPUT);
	}
	if (summary)
		out = "the summary";
	if (!quiet)
		fprintf(stderr, "espvis report: %llu lines: %llu SAs, %llu "
		    "flows, %llu alerts; %llu malformed and %llu unknown lines "
		    "skipped; wrote %s\n", (unsigned long long)res.lines,
		    (unsigned long long)res.sas, (unsigned long long)res.flows,
		    (unsigned long long)res.alerts,
		    (unsigned long long)res.malformed,
		    (unsigned long long)res.unknown, out);
	return (EXIT_SUCCESS);
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
	struct workers *wk = NULL;
	struct nfqueue *nfq = NULL;
	static struct live_run run;
	struct priv_user user;
	struct pidfile *pidfile = NULL;
	static struct run_tally tally;
	static struct progress progress;
	const char *dest;
	uint64_t num = 0;
	int i, status = EXIT_USAGE;

	if (argc > 1 && strcmp(argv[1], "report") == 0)
		return (report_command(argc - 1, argv + 1));
	/* `espvis ike ...`: the IKEv2 endpoint has its own command line. */
	if (argc > 1 && strcmp(argv[1], "ike") == 0)
		return (ike_main(argc - 1, argv + 1));
	/* First: a SIGHUP while starting must not kill, only reload. */
	signal(SIGHUP, on_reload_signal);
	nfqueue_config_defaults(&o.nfq);
	live_config_defaults(&o.live);
	if (load_config(argc, argv, &o) != 0 || parse_args(argc, argv, &o) != 0)
		goto out;
	if (o.n_check_paths == 0 && endpoint_config(&o) != 0)
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
	if (o.conf->esp_keys.n > 0 && keys_open(&o) != 0)
		goto out;
	if (o.user != NULL && priv_lookup(o.user, &user, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "espvis: %s\n", err);
		goto out;
	}
	if (o.n_ifaces > 0 && open_live(&o, &run, &status) != 0)
		goto out;
	dest = config_eve_dest(o.conf, o.eve_dest, eve_dest, sizeof(eve_dest));
	/* "none": no EVE output at all (eve.h: a NULL writer). */
	if (strcmp(o.eve_dest, "none") != 0 && (eve = eve_open(dest,
	    &o.conf->eve, err, sizeof(err))) == NULL) {
		fprintf(stderr, "espvis: --eve %s\n", err);
		goto out;
	}
	if (o.inner_dest != NULL && (inner = innerpcap_open(o.inner_dest,
	    o.inner_linktype, err, sizeof(err))) == NULL) {
		fprintf(stderr, "espvis: -w %s: %s\n", o.inner_dest, err);
		goto out;
	}
	/*
	 * The summary's table (without it, the counters' line only).  Made
	 * with -q too, though -q counts nothing into it: nDPI's memory
	 * counters depend on the heap's layout, and -q must not change the
	 * events.  Its tables are all allocated here, none during the run.
	 */
	run_tally_new(&tally, o.workers > 1 ? o.workers : 0);
	/* Every descriptor is open: then the pidfile, -u, the sandbox. */
	if (o.use_nfq && (nfq = nfqueue_open(&o.nfq, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "espvis: --nfq %u: %s\n", o.nfq.queue, err);
		status = EXIT_INPUT;
		goto out;
	}
	if (endpoint_open(&o) != 0) {
		status = EXIT_INPUT;
		goto out;
	}
	signal(SIGINT, on_stop_signal);
	signal(SIGTERM, on_stop_signal);
	/* A -w or EVE reader that exits fails our writes (EPIPE) instead
	 * of killing espvis before its final stats. */
	signal(SIGPIPE, SIG_IGN);
	if (start_daemon(&o, &user, &pidfile, dest) != 0)
		goto out;
	if (o.workers > 1) {
		if ((wk = workers_new(o.workers, o.worker_ring_kb, &o.cfg,
		    eve, inner, o.inner_linktype, rules, err,
		    sizeof(err))) == NULL) {
			fprintf(stderr, "espvis: %s\n", err);
			goto out;
		}
	} else if ((pl = pipeline_new(&o.cfg, eve, inner, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "espvis: %s\n", err);
		goto out;
	} else
		pipeline_set_rules(pl, rules);
	if (nfq != NULL) {
		if (wk != NULL) {
			if (workers_set_inline(wk, o.nfq.maxlen,
			    nfqueue_on_verdict_id, nfqueue_fill_stats,
			    nfq) != 0) {
				fprintf(stderr, "espvis: out of memory\n");
				goto out;
			}
		} else
			pipeline_set_inline(pl, rules, nfqueue_on_verdict,
			    nfqueue_fill_stats, nfq);
	}
	if (!o.quiet)
		run_tally_observe(&tally, eve, wk);
	if (endpoint_start(&o, rules, pl, wk, nfq) != 0)
		goto out;
	status = EXIT_SUCCESS;
	start_progress(&o, &progress);
	if (run.live != NULL && run_live(&run, pl, wk, eve, inner, &o,
	    rules) != 0)
		status = EXIT_INPUT;
	if (nfq != NULL && run_nfq(pl, wk, nfq, &o, rules, eve) != 0)
		status = EXIT_INPUT;
	for (i = 0; i < o.n_inputs && !stop_requested; i++) {
		if (run_file(pl, wk, o.inputs[i], &num, &o, rules,
		    &progress) != 0) {
			status = EXIT_INPUT;
			break;
		}
	}
	endpoint_stop();
	if (wk != NULL)
		workers_finish(wk);
	else
		pipeline_finish(pl);
	eve_drain(eve);
	progress_clear(&progress);
	if (!o.quiet) {
		run_tally_sum(&tally);
		summary_print(stderr, wk != NULL ? workers_stats(wk) :
		    pipeline_stats(pl), tally.all, o.n_inputs > 0 ?
		    progress_elapsed(&progress) : 0);
		if (run.live != NULL)
			print_capture_summary(&run.cs);
		print_eve_losses(eve);
	}
	if (inner != NULL)
		innerpcap_flush(inner);
	if (innerpcap_lost(inner) > 0)
		fprintf(stderr, "espvis: -w %s: the reader went away; %llu "
		    "inner packets not written\n", o.inner_dest,
		    (unsigned long long)innerpcap_lost(inner));
out:
	endpoint_stop();
	workers_free(wk);
	pipeline_free(pl);
	live_close(run.live);
	if (pidfile_close(pidfile) != 0)
		fprintf(stderr, "espvis: --pidfile %s: cannot remove it: %s\n",
		    o.pidfile, strerror(errno));
	nfqueue_close(nfq);
	innerpcap_close(inner);
	eve_close(eve);
	run_tally_free(&tally);
	rules_free(rules);
	config_free(o.conf);
	mgmt_inspector_free(endpoint.insp);
	ike_config_wipe(&endpoint.cfg);
	esp_keys_free(o.keys);		/* after every pipeline */
	return (status);
}
