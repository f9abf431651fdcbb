/*
 * fuzz_pipeline.c - libFuzzer target: the whole inspector on a sequence
 * of frames, as pipeline_packet() gets them from a capture: decode,
 * reassembly, ESP/WESP detection with its SA state over the frames,
 * the inner decoders, the flow table, nDPI, the rules and the EVE JSON
 * writer (into a callback, so that every event is formatted).
 *
 * Input (the format of fuzz_decode.c, so that corpora can be shared):
 * one byte choosing the link type, then frames, each a 2-byte big-endian
 * length and that many bytes (a short or missing length: the rest).  The
 * high bit of a length claims 64 more bytes on the wire than captured.
 * Frames are 1 s apart when the length's bit 0x40 is set, so that SAs,
 * fragments and flows time out between them; else 1 ms.
 *
 * Small tables (4 SAs, 4 flows, 4 datagrams) make eviction happen.  One
 * pipeline per input keeps runs reproducible; the rules are loaded once
 * (read only).  So is nDPI's detection module: making one costs ~70 ms
 * under ASan, which would hold the fuzzer to 13 inputs a second, so the
 * Makefile links this target with --wrap on nDPI's init and exit calls
 * and the wrappers below hand every pipeline the same module (its flows
 * are still per input; only its LRU caches may carry over).  Checked besides the sanitizers: read == decoded +
 * skipped + dropped after every frame and at the end, and each EVE
 * event is one line of JSON-looking text.
 */
#include <pcap/dlt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <ndpi_api.h>

#include "pipeline.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const int linktypes[] = {
	DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, 101, DLT_IPV4,
	DLT_IPV6, DLT_NULL, DLT_LOOP, DLT_IEEE802_11,
};

/* SA-level and flow-level rules, by port and by app. */
static const char rules_text[] =
"- id: 1\n  msg: null sa\n  action: alert\n  match: { esp: \"null\" }\n"
"- id: 2\n  msg: encrypted\n  action: drop\n  match: { esp: encrypted }\n"
"- id: 3\n  msg: telnet\n  action: alert\n"
"  match: { esp: \"null\", app: Telnet }\n"
"- id: 4\n  msg: port\n  action: alert\n"
"  match: { inner_proto: tcp, inner_dport: 23 }\n";

static struct rules *rules;

struct ndpi_detection_module_struct
	*__real_ndpi_init_detection_module(ndpi_init_prefs);
struct ndpi_detection_module_struct
	*__wrap_ndpi_init_detection_module(ndpi_init_prefs);
void	 __real_ndpi_set_protocol_detection_bitmask2(
	    struct ndpi_detection_module_struct *, const NDPI_PROTOCOL_BITMASK *);
void	 __wrap_ndpi_set_protocol_detection_bitmask2(
	    struct ndpi_detection_module_struct *, const NDPI_PROTOCOL_BITMASK *);
void	 __real_ndpi_finalize_initialization(
	    struct ndpi_detection_module_struct *);
void	 __wrap_ndpi_finalize_initialization(
	    struct ndpi_detection_module_struct *);
void	 __wrap_ndpi_exit_detection_module(
	    struct ndpi_detection_module_struct *);

static struct ndpi_detection_module_struct *ndpi_module;
static int ndpi_module_ready;

struct ndpi_detection_module_struct *
__wrap_ndpi_init_detection_module(ndpi_init_prefs prefs)
{
	if (ndpi_module == NULL)
		ndpi_module = __real_ndpi_init_detection_module(prefs);
	return (ndpi_module);
}

void
__wrap_ndpi_set_protocol_detection_bitmask2(
    struct ndpi_detection_module_struct *m, const NDPI_PROTOCOL_BITMASK *b)
{
	if (!ndpi_module_ready)
		__real_ndpi_set_protocol_detection_bitmask2(m, b);
}

void
__wrap_ndpi_finalize_initialization(struct ndpi_detection_module_struct *m)
{
	if (!ndpi_module_ready)
		__real_ndpi_finalize_initialization(m);
	ndpi_module_ready = 1;
}

/* Kept for the next input. */
void
__wrap_ndpi_exit_detection_module(struct ndpi_detection_module_struct *m)
{
	(void)m;
}

static void
load_rules(void)
{
	struct rules_errors errs;
	char path[64];
	const char *p = path;
	int fd;

	if ((fd = memfd_create("rules", 0)) < 0 ||
	    write(fd, rules_text, sizeof(rules_text) - 1) !=
	    (ssize_t)(sizeof(rules_text) - 1))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if ((rules = rules_new()) == NULL)
		abort();
	/* A rule the grammar refuses only loses coverage: run without. */
	if (rules_load(rules, &p, 1, &errs) != 0) {
		rules_free(rules);
		rules = NULL;
	}
	close(fd);
}

static int
on_event(void *arg, const char *event, size_t len)
{
	(void)arg;
	if (len < 2 || event[0] != '{' || event[len - 1] != '}' ||
	    memchr(event, '\n', len) != NULL)
		abort();
	return (0);
}

static void
check_accounting(const struct stats *st)
{
	uint64_t sum = st->decoded + st->dropped;
	int r;

	for (r = 0; r < SKIP_MAX; r++)
		sum += st->skipped[r];
	if (sum != st->read)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct pipeline_config cfg;
	struct pipeline *pl;
	struct eve *eve;
	struct packet frame;
	uint8_t *copy;
	size_t pos = 1, len;
	int64_t ms = 0;
	uint64_t num = 0;
	uint32_t lost;
	int linktype;

	if (size < 1)
		return (0);
	if (rules == NULL)
		load_rules();
	linktype = linktypes[data[0] % (sizeof(linktypes) /
	    sizeof(linktypes[0]))];
	pipeline_config_defaults(&cfg);
	cfg.detect.max_sas = 4;
	cfg.detect.hold_bytes = 4096;
	cfg.decode.frag_max_datagrams = 4;
	cfg.flow.max_flows = 4;
	if ((eve = eve_open_fn(on_event, NULL)) == NULL)
		return (0);
	if ((pl = pipeline_new(&cfg, eve, NULL, err, sizeof(err))) == NULL) {
		eve_close(eve);
		return (0);
	}
	pipeline_set_rules(pl, rules);
	while (pos < size) {
		len = size - pos;
		lost = 0;
		if (len >= 2) {
			lost = (data[pos] & 0x80) ? 64 : 0;
			ms += (data[pos] & 0x40) ? 1000 : 1;
			len = (size_t)(data[pos] & 0x3f) << 8 | data[pos + 1];
			pos += 2;
			if (len > size - pos)
				len = size - pos;
		}
		/* Exactly the frame's bytes: a read past it is reported. */
		if ((copy = malloc(len > 0 ? len : 1)) == NULL)
			break;
		memcpy(copy, data + pos, len);
		memset(&frame, 0, sizeof(frame));
		frame.num = ++num;
		frame.ts_sec = 1700000000 + ms / 1000;
		frame.ts_usec = (uint32_t)(ms % 1000) * 1000;
		frame.linktype = linktype;
		frame.frame = copy;
		frame.caplen = (uint32_t)len;
		frame.wirelen = (uint32_t)len + lost;
		pipeline_packet(pl, &frame);
		free(copy);
		check_accounting(pipeline_stats(pl));
		pos += len;
	}
	pipeline_finish(pl);
	check_accounting(pipeline_stats(pl));
	pipeline_free(pl);
	eve_close(eve);
	return (0);
}
