/*
 * test_mutate.c - the deterministic mutation sweep (issue 8): every test
 * capture, bit-flipped and truncated, through the whole inspector in
 * process, as `espvis -r` runs it (capture reader, decode, detect, inner
 * flows, nDPI, the rules of rules/, EVE JSON, the -w writer).
 *
 * Captures: pcaps/ and tests/unit/data/regress/ (found from this
 * program's own path, BUILD/tests/unit/), and ../shared/pcaps-public
 * when it is there.  One pipeline takes PER_PIPELINE captures in turn, as
 * one espvis run reads several -r files; for each capture it gets:
 *
 *   - the capture as it is, then ROUNDS mutated copies of its frames:
 *     one bit flipped; several bytes of the first 64 (the headers)
 *     changed; each frame cut short as a snaplen would (wire length
 *     kept); each frame shortened on the wire too, with a bit of its
 *     last 16 bytes (the ESP trailer) flipped;
 *   - the file itself mutated: cut at fixed and random offsets, and a
 *     bit flipped in its first 64 bytes (file and first record headers)
 *     or anywhere, read back through capture_open_file() from a memfd.
 *
 * Frames are copied to buffers of exactly their length, so that the
 * sanitizer build (make test SAN=1) reports any read past one.  Checked
 * for every mutant: nothing crashes or reports; a file reader ends in
 * at most one iteration per byte of the file (no hang); every frame fed
 * is counted once: read grows by the frames fed, and read == decoded +
 * skipped (by reason) + dropped; every EVE event is one JSON object.
 *
 * The mutations come from a fixed xorshift seed per capture: a failure
 * is the same failure at every run.  A capture that once crashed is
 * kept in tests/unit/data/regress/ and swept with the rest.
 */
#include <dirent.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "unit.h"
#include "capture/capture.h"
#include "pipeline.h"

#define ROUNDS		4
#define FILE_MUTANTS	6
#define MAX_FRAMES	20000	/* per capture: the sweep stays quick */
#define PER_PIPELINE	16	/* captures: nDPI's start costs ~70 ms
				   under ASan */

struct frame_copy {
	struct packet	 hdr;		/* capture fields only */
	uint8_t		*bytes;		/* exactly hdr.caplen bytes */
};

struct capture_file {
	char			 path[PATH_MAX];
	uint8_t			*data;		/* the file's bytes */
	size_t			 size;
	struct frame_copy	*frames;
	size_t			 n_frames;
};

static char top[PATH_MAX - 64];
static struct rules *rules;
static uint64_t n_mutants, n_frames_fed, n_events;

static uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (*s);
}

/* BUILD/tests/unit/test_mutate -> the top of the tree. */
static void
find_top(void)
{
	char exe[PATH_MAX];
	ssize_t n;
	int i;
	char *slash;

	ck_assert_int_gt(n = readlink("/proc/self/exe", exe, sizeof(exe) - 1),
	    0);
	exe[n] = '\0';
	for (i = 0; i < 4; i++) {
		ck_assert_ptr_nonnull(slash = strrchr(exe, '/'));
		*slash = '\0';
	}
	ck_assert_uint_lt(strlen(exe), sizeof(top));
	memcpy(top, exe, strlen(exe) + 1);
}

static void
load_rules(void)
{
	struct rules_errors errs;
	char path[PATH_MAX];
	const char *p = path;

	snprintf(path, sizeof(path), "%s/rules", top);
	ck_assert_ptr_nonnull(rules = rules_new());
	ck_assert_int_eq(rules_load(rules, &p, 1, &errs), 0);
}

static int
on_event(void *arg, const char *event, size_t len)
{
	(void)arg;
	ck_assert_uint_ge(len, 2);
	ck_assert_int_eq(event[0], '{');
	ck_assert_int_eq(event[len - 1], '}');
	ck_assert_ptr_null(memchr(event, '\n', len));
	n_events++;
	return (0);
}

static uint64_t
accounted(const struct stats *st)
{
	uint64_t sum = st->decoded + st->dropped;
	int r;

	for (r = 0; r < SKIP_MAX; r++)
		sum += st->skipped[r];
	return (sum);
}

static void
check_accounting(const struct stats *st, uint64_t expect_read)
{
	ck_assert_uint_eq(st->read, expect_read);
	ck_assert_uint_eq(accounted(st), st->read);
}

/* Read a whole file into memory. */
static bool
slurp(const char *path, uint8_t **data, size_t *size)
{
	FILE *f;
	long n;

	if ((f = fopen(path, "rb")) == NULL)
		return (false);
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return (false);
	}
	*size = (size_t)n;
	ck_assert_ptr_nonnull(*data = malloc(*size > 0 ? *size : 1));
	ck_assert_uint_eq(fread(*data, 1, *size, f), *size);
	fclose(f);
	return (true);
}

/* Every frame of the capture, each in a buffer of its own length. */
static void
load_frames(struct capture_file *cf)
{
	char err[256];
	struct capture *cap;
	struct packet p;
	size_t cap_frames = 0;

	cf->n_frames = 0;
	if ((cap = capture_open_file(cf->path, err, sizeof(err))) == NULL)
		return;
	memset(&p, 0, sizeof(p));
	while (cf->n_frames < MAX_FRAMES &&
	    capture_next(cap, &p, err, sizeof(err)) == 1) {
		struct frame_copy *fc;

		if (cf->n_frames == cap_frames) {
			cap_frames = cap_frames ? 2 * cap_frames : 64;
			ck_assert_ptr_nonnull(cf->frames = realloc(cf->frames,
			    cap_frames * sizeof(*cf->frames)));
		}
		fc = &cf->frames[cf->n_frames++];
		memset(&fc->hdr, 0, sizeof(fc->hdr));
		fc->hdr.ts_sec = p.ts_sec;
		fc->hdr.ts_usec = p.ts_usec;
		fc->hdr.linktype = p.linktype;
		fc->hdr.caplen = p.caplen;
		fc->hdr.wirelen = p.wirelen;
		ck_assert_ptr_nonnull(fc->bytes = malloc(p.caplen > 0 ?
		    p.caplen : 1));
		memcpy(fc->bytes, p.frame, p.caplen);
	}
	capture_close(cap);
}

static void
free_capture(struct capture_file *cf)
{
	size_t i;

	for (i = 0; i < cf->n_frames; i++)
		free(cf->frames[i].bytes);
	free(cf->frames);
	free(cf->data);
}

/* One frame, mutated in place per round, fed, and its count checked. */
static void
feed_frame(struct pipeline *pl, const struct frame_copy *fc, int round,
    uint64_t *rng, uint64_t *num)
{
	struct packet p = fc->hdr;
	uint8_t *b;
	uint32_t len = fc->hdr.caplen, i, n;
	uint64_t before = pipeline_stats(pl)->read;

	ck_assert_ptr_nonnull(b = malloc(len > 0 ? len : 1));
	memcpy(b, fc->bytes, len);
	switch (round) {
	case 0:		/* as captured */
		break;
	case 1:		/* one bit anywhere */
		if (len > 0)
			b[xorshift(rng) % len] ^= (uint8_t)(1u <<
			    (xorshift(rng) & 7));
		break;
	case 2:		/* the headers: a few bytes of the first 64 */
		n = 1 + (uint32_t)(xorshift(rng) % 4);
		for (i = 0; i < n && len > 0; i++)
			b[xorshift(rng) % (len < 64 ? len : 64)] =
			    (uint8_t)xorshift(rng);
		break;
	case 3:		/* cut by the snaplen: the wire length stays */
		p.caplen = len > 0 ? (uint32_t)(xorshift(rng) % len) : 0;
		break;
	case 4:		/* shorter on the wire, trailer bit flipped */
		p.caplen = len > 0 ? (uint32_t)(xorshift(rng) % len) + 1 : 0;
		p.wirelen = p.caplen;
		if (p.caplen > 0)
			b[p.caplen - 1 - (uint32_t)(xorshift(rng) %
			    (p.caplen < 16 ? p.caplen : 16))] ^=
			    (uint8_t)(1u << (xorshift(rng) & 7));
		break;
	}
	if (p.caplen < len) {
		/* Exactly caplen bytes: a read past them is reported. */
		uint8_t *cut = malloc(p.caplen > 0 ? p.caplen : 1);

		ck_assert_ptr_nonnull(cut);
		memcpy(cut, b, p.caplen);
		free(b);
		b = cut;
	}
	p.frame = b;
	p.num = ++*num;
	pipeline_packet(pl, &p);
	free(b);
	ck_assert_uint_eq(pipeline_stats(pl)->read, before + 1);
	check_accounting(pipeline_stats(pl), pipeline_stats(pl)->read);
	n_frames_fed++;
}

/* A mutated file through the real reader, into the same pipeline. */
static void
feed_file(struct pipeline *pl, const uint8_t *data, size_t size,
    uint64_t *num)
{
	char path[64], err[256];
	struct capture *cap;
	struct packet p;
	size_t iters = 0;
	uint64_t before = pipeline_stats(pl)->read;
	int fd, rc;

	ck_assert_int_ge(fd = memfd_create("mutant", MFD_CLOEXEC), 0);
	ck_assert_int_eq(write(fd, data, size), (ssize_t)size);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if ((cap = capture_open_file(path, err, sizeof(err))) != NULL) {
		memset(&p, 0, sizeof(p));
		while ((rc = capture_next(cap, &p, err, sizeof(err))) == 1) {
			ck_assert_uint_le(++iters, size);
			ck_assert_uint_le(p.caplen, 262144u);
			p.num = ++*num;
			pipeline_packet(pl, &p);
		}
		ck_assert(rc == 0 || err[0] != '\0');
		capture_close(cap);
	} else
		ck_assert(err[0] != '\0');
	close(fd);
	ck_assert_uint_eq(pipeline_stats(pl)->read, before + iters);
	check_accounting(pipeline_stats(pl), pipeline_stats(pl)->read);
	n_frames_fed += iters;
	n_mutants++;
}

static void
file_mutants(struct pipeline *pl, const struct capture_file *cf,
    uint64_t *rng, uint64_t *num)
{
	static const size_t cuts[] = { 0, 1, 4, 23, 24, 28, 40, 41 };
	uint8_t *m;
	size_t i, at;

	if (cf->size == 0)
		return;
	ck_assert_ptr_nonnull(m = malloc(cf->size));
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
		if (cuts[i] < cf->size)
			feed_file(pl, cf->data, cuts[i], num);
	for (i = 0; i < FILE_MUTANTS / 3; i++)
		feed_file(pl, cf->data, xorshift(rng) % cf->size, num);
	for (i = 0; i < 2 * FILE_MUTANTS / 3; i++) {
		memcpy(m, cf->data, cf->size);
		at = i % 2 == 0 ? xorshift(rng) % (cf->size < 64 ? cf->size :
		    64) : xorshift(rng) % cf->size;
		m[at] ^= (uint8_t)(1u << (xorshift(rng) & 7));
		feed_file(pl, m, cf->size, num);
	}
	free(m);
}

static struct pipeline *
sweep_begin(struct eve **eve, struct innerpcap **inner)
{
	char err[256];
	struct pipeline_config cfg;
	struct pipeline *pl;

	pipeline_config_defaults(&cfg);
	/* Small tables: floods of mutated SPIs and flows evict. */
	cfg.detect.max_sas = 64;
	cfg.flow.max_flows = 64;
	cfg.decode.frag_max_datagrams = 16;
	ck_assert_ptr_nonnull(*eve = eve_open_fn(on_event, NULL));
	ck_assert_ptr_nonnull(*inner = innerpcap_open("/dev/null",
	    INNER_LINK_ETHERNET, err, sizeof(err)));
	pl = pipeline_new(&cfg, *eve, *inner, err, sizeof(err));
	ck_assert_msg(pl != NULL, "%s", err);
	pipeline_set_rules(pl, rules);
	return (pl);
}

static void
sweep_end(struct pipeline *pl, struct eve *eve, struct innerpcap *inner,
    uint64_t num)
{
	pipeline_finish(pl);
	check_accounting(pipeline_stats(pl), num);
	pipeline_free(pl);
	innerpcap_close(inner);
	eve_close(eve);
}

static void
sweep_capture(struct pipeline *pl, struct capture_file *cf, uint64_t seed,
    uint64_t *num)
{
	uint64_t rng = seed | 1;
	size_t i;
	int round;

	/* Where a crash happened, in the test's log. */
	fprintf(stderr, "sweep %s: %zu frames\n", cf->path, cf->n_frames);
	for (round = 0; round <= ROUNDS; round++) {
		for (i = 0; i < cf->n_frames; i++)
			feed_frame(pl, &cf->frames[i], round, &rng, num);
		n_mutants++;
	}
	file_mutants(pl, cf, &rng, num);
}

struct sweep {
	struct pipeline		*pl;
	struct eve		*eve;
	struct innerpcap	*inner;
	uint64_t		 num;		/* frames fed to pl */
	size_t			 n_files;
};

static void
sweep_pattern(struct sweep *sw, const char *pattern)
{
	glob_t g;
	size_t i;

	memset(&g, 0, sizeof(g));
	if (glob(pattern, 0, NULL, &g) != 0)
		return;
	for (i = 0; i < g.gl_pathc; i++) {
		struct capture_file cf;
		const char *name = g.gl_pathv[i];
		size_t nl = strlen(name);

		if (nl > 5 && (strcmp(name + nl - 5, ".json") == 0 ||
		    strcmp(name + nl - 4, ".tsv") == 0 ||
		    strcmp(name + nl - 4, ".txt") == 0))
			continue;
		memset(&cf, 0, sizeof(cf));
		snprintf(cf.path, sizeof(cf.path), "%s", name);
		if (!slurp(cf.path, &cf.data, &cf.size)) {
			free(cf.data);
			continue;
		}
		load_frames(&cf);
		if (sw->pl == NULL) {
			sw->pl = sweep_begin(&sw->eve, &sw->inner);
			sw->num = 0;
		}
		sweep_capture(sw->pl, &cf, 0x9e3779b97f4a7c15ull ^
		    (uint64_t)(sw->n_files * 0x100000001b3ull), &sw->num);
		free_capture(&cf);
		if (++sw->n_files % PER_PIPELINE == 0) {
			sweep_end(sw->pl, sw->eve, sw->inner, sw->num);
			sw->pl = NULL;
		}
	}
	globfree(&g);
}

START_TEST(sweep_every_capture)
{
	static const char *const patterns[] = {
		"pcaps/*.pcap*", "pcaps/*/*.pcap*",
		"tests/unit/data/regress/*.pcap*",
		"../shared/pcaps-public/*.pcap*",
		"../shared/pcaps-public/*/*.pcap*",
	};
	char pattern[PATH_MAX + 64];
	struct sweep sw;
	size_t i, own = 0;

	find_top();
	load_rules();
	memset(&sw, 0, sizeof(sw));
	for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		snprintf(pattern, sizeof(pattern), "%s/%s", top, patterns[i]);
		sweep_pattern(&sw, pattern);
		if (i == 2)
			own = sw.n_files;
	}
	if (sw.pl != NULL)
		sweep_end(sw.pl, sw.eve, sw.inner, sw.num);
	rules_free(rules);
	printf("mutation sweep: %zu captures (%zu of the project), %llu "
	    "mutants, %llu frames fed, %llu EVE events\n", sw.n_files, own,
	    (unsigned long long)n_mutants, (unsigned long long)n_frames_fed,
	    (unsigned long long)n_events);
	ck_assert_uint_ge(own, 10);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("mutate");
	TCase *tc = tcase_create("sweep");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, sweep_every_capture);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
