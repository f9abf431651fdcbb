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
#include "pipeline.h"

#define ESPVIS_VERSION	"0.1.0"
#define MAX_INPUTS	256
#define EXIT_USAGE	2
#define EXIT_INPUT	1

struct options {
	const char		*inputs[MAX_INPUTS];
	int			 n_inputs;
	const char		*log_dir;
	const char		*eve_dest;
	const char		*inner_dest;
	enum inner_linktype	 inner_linktype;
	bool			 quiet;
	struct pipeline_config	 cfg;
};

static volatile sig_atomic_t stop_requested;

static void
on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
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
"      --eve DEST       EVE JSON events to DEST: - (stdout) or a file\n"
"                       (default: stdout, or DIR/eve.json with -l)\n"
"  -w DEST              decapsulated inner packets as pcap: a file, a FIFO,\n"
"                       or - (stdout)\n"
"      --inner-linktype ethernet|raw\n"
"                       link type of the -w stream (default: ethernet)\n"
"      --max-sas N      SA table size (default %u)\n"
"      --sa-timeout S   end an SA idle for S seconds (default %u)\n"
"      --decide-pkts N  packets of weak evidence to decide null (default %u)\n"
"  -q, --quiet          no summary on standard error\n"
"  -h, --help           this text\n"
"  -V, --version        print the version\n"
"\n"
"Exit status: 0 on success, 1 when an input is unreadable or corrupt\n"
"(packets read before the fault are still counted and exported), 2 on\n"
"bad arguments.  See espvis(8).\n",
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
};

static int
parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "read", required_argument, NULL, 'r' },
		{ "log-dir", required_argument, NULL, 'l' },
		{ "eve", required_argument, NULL, OPT_EVE },
		{ "write", required_argument, NULL, 'w' },
		{ "inner-linktype", required_argument, NULL,
		    OPT_INNER_LINKTYPE },
		{ "max-sas", required_argument, NULL, OPT_MAX_SAS },
		{ "sa-timeout", required_argument, NULL, OPT_SA_TIMEOUT },
		{ "decide-pkts", required_argument, NULL, OPT_DECIDE_PKTS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "r:l:w:qhV", longopts,
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
			o->log_dir = optarg;
			break;
		case OPT_EVE:
			o->eve_dest = optarg;
			break;
		case 'w':
			o->inner_dest = optarg;
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
	if (o->n_inputs == 0) {
		fprintf(stderr, "espvis: nothing to read: give -r FILE "
		    "(espvis --help)\n");
		return (-1);
	}
	return (0);
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
run_file(struct pipeline *pl, const char *path, uint64_t *num)
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

int
main(int argc, char **argv)
{
	static struct options o;
	char err[512], eve_path[PATH_MAX], inner_path[PATH_MAX];
	struct eve *eve = NULL;
	struct innerpcap *inner = NULL;
	struct pipeline *pl = NULL;
	uint64_t num = 0;
	int i, status = EXIT_USAGE;

	pipeline_config_defaults(&o.cfg);
	if (parse_args(argc, argv, &o) != 0 ||
	    resolve_outputs(&o, eve_path, inner_path, sizeof(eve_path)) != 0)
		goto out;
	if ((eve = eve_open(o.eve_dest, err, sizeof(err))) == NULL) {
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
		if (run_file(pl, o.inputs[i], &num) != 0) {
			status = EXIT_INPUT;
			break;
		}
	}
	pipeline_finish(pl);
	if (!o.quiet)
		print_summary(pipeline_stats(pl));
out:
	pipeline_free(pl);
	innerpcap_close(inner);
	eve_close(eve);
	return (status);
}
