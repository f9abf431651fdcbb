/*
 * test_flood.c - floods through the whole pipeline, in process (issue 8):
 *
 *   - 10^6 distinct SPIs, one packet each, against an SA table of 1024:
 *     every new SA beyond the cap evicts the least recently used one and
 *     is counted (sa_evicted), the process does not grow while it goes
 *     on, and an ESP-NULL SA whose packets come among the flood (one in
 *     64) is still decided null, all its packets inspected, and its
 *     `esp` events exported with the right counts;
 *   - 10^5 first fragments that never complete, against 256 reassembly
 *     slots: evictions counted, memory flat, and a fragmented ESP-NULL
 *     SA among them still reassembled and decided.
 *
 * Both check read == decoded + skipped + dropped at the end.  Memory is
 * VmRSS from /proc/self/status, read after a tenth of the flood (the
 * tables are allocated at the start, the pages touched by then) and at
 * its end: the difference must stay under FLAT_KB.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "unit.h"
#include "esp_build.h"
#include "pipeline.h"

#define SPI_FLOOD	1000000u
#define SA_CAP		1024u
#define FRAG_FLOOD	100000u
#define FRAG_SLOTS	256u
#define KNOWN_EVERY	64u
#define KNOWN_SPI	0xc0ffee01u
#define FLAT_KB		(8 * 1024)

static const uint8_t flood_src[4] = { 203, 0, 113, 9 };
static const uint8_t inner_src[4] = { 10, 0, 0, 1 };
static const uint8_t inner_dst[4] = { 10, 0, 0, 2 };

/* What the EVE events said about the known SA. */
struct seen {
	uint64_t	events;
	uint64_t	known_decided;	/* "decided" events, verdict null */
	uint64_t	known_end;	/* "end" events, verdict null */
	char		known_end_pkts[32];
};

static struct seen seen;

static int
on_event(void *arg, const char *ev, size_t len)
{
	char spi[32];
	const char *p;
	size_t n;

	(void)arg;
	(void)len;
	seen.events++;
	snprintf(spi, sizeof(spi), "\"spi\":%u,", KNOWN_SPI);
	if (strstr(ev, "\"event_type\":\"esp\"") == NULL ||
	    strstr(ev, spi) == NULL)
		return (0);
	ck_assert_ptr_nonnull(strstr(ev, "\"verdict\":\"null\""));
	if (strstr(ev, "\"event\":\"decided\"") != NULL)
		seen.known_decided++;
	else if (strstr(ev, "\"event\":\"end\"") != NULL) {
		seen.known_end++;
		ck_assert_ptr_nonnull(p = strstr(ev, "\"pkts\":"));
		p += strlen("\"pkts\":");
		n = strspn(p, "0123456789");
		ck_assert_uint_lt(n, sizeof(seen.known_end_pkts));
		memcpy(seen.known_end_pkts, p, n);
		seen.known_end_pkts[n] = '\0';
	}
	return (0);
}

static long
rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f;

	ck_assert_ptr_nonnull(f = fopen("/proc/self/status", "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	ck_assert_int_gt(kb, 0);
	return (kb);
}

/* Ethernet and IPv4 around payload; frag_off in IPv4's own encoding. */
static size_t
eth_ipv4(uint8_t *out, const uint8_t *src, uint16_t id, uint16_t frag_off,
    uint8_t proto, const uint8_t *payload, size_t len)
{
	memset(out, 0, 12);
	out[0] = 0x02;
	out[6] = 0x04;
	out[12] = 0x08;
	out[13] = 0x00;
	tb_ipv4(out + 14, src, tb_v4_dst, proto, payload, len);
	tb_put16(out + 14 + 4, id);
	tb_put16(out + 14 + 6, frag_off);
	out[14 + 10] = out[14 + 11] = 0;
	tb_put16(out + 14 + 10, tb_csum_final(tb_sum(out + 14, 20, 0)));
	return (14 + 20 + len);
}

/* One ESP-NULL packet of the known SA: tunnel mode, inner UDP, SHA1-96. */
static size_t
known_esp(uint8_t *esp, uint64_t *rng, uint32_t seq)
{
	uint8_t data[96], udp[128], ip[160];
	size_t n;

	memset(data, 'k', sizeof(data));
	tb_put32(data, seq);
	n = tb_udp(udp, 4, inner_src, inner_dst, 40000, 53, data,
	    sizeof(data), false);
	n = tb_ipv4(ip, inner_src, inner_dst, 17, udp, n);
	return (tb_esp(esp, rng, KNOWN_SPI, seq, 0, ip, n, 4, 12, 0));
}

static void
feed(struct pipeline *pl, const uint8_t *frame, size_t len, uint64_t *num,
    int64_t *usec)
{
	struct packet p;

	memset(&p, 0, sizeof(p));
	p.num = ++*num;
	*usec += 10;
	p.ts_sec = 1795694400 + *usec / 1000000;
	p.ts_usec = (uint32_t)(*usec % 1000000);
	p.linktype = 1;
	p.frame = frame;
	p.caplen = p.wirelen = (uint32_t)len;
	pipeline_packet(pl, &p);
}

static void
check_accounting(const struct stats *st, uint64_t fed)
{
	uint64_t sum = st->decoded + st->dropped;
	int r;

	for (r = 0; r < SKIP_MAX; r++)
		sum += st->skipped[r];
	ck_assert_uint_eq(st->read, fed);
	ck_assert_uint_eq(sum, st->read);
}

static struct pipeline *
flood_pipeline(struct pipeline_config *cfg, struct eve **eve)
{
	char err[256];
	struct pipeline *pl;

	memset(&seen, 0, sizeof(seen));
	ck_assert_ptr_nonnull(*eve = eve_open_fn(on_event, NULL));
	pl = pipeline_new(cfg, *eve, NULL, err, sizeof(err));
	ck_assert_msg(pl != NULL, "%s", err);
	return (pl);
}

START_TEST(spi_flood)
{
	struct pipeline_config cfg;
	struct pipeline *pl;
	struct eve *eve;
	const struct stats *st;
	uint8_t esp[256], frame[512];
	uint64_t rng = 42, num = 0, known = 0;
	int64_t usec = 0;
	long rss_early = 0, rss_end;
	clock_t t0 = clock();
	size_t n;
	uint32_t i;

	pipeline_config_defaults(&cfg);
	cfg.detect.max_sas = SA_CAP;
	pl = flood_pipeline(&cfg, &eve);
	for (i = 0; i < SPI_FLOOD; i++) {
		if (i % KNOWN_EVERY == 0) {
			n = known_esp(esp, &rng, (uint32_t)++known);
			n = eth_ipv4(frame, tb_v4_src, (uint16_t)i, 0, 50, esp,
			    n);
			feed(pl, frame, n, &num, &usec);
		}
		/* A new SPI: 64 bytes that look like ciphertext. */
		tb_put32(esp, 0x10000000u + i);
		tb_put32(esp + 4, 1);
		tb_fill_random(&rng, esp + 8, 64);
		n = eth_ipv4(frame, flood_src, (uint16_t)i, 0, 50, esp, 72);
		feed(pl, frame, n, &num, &usec);
		if (i == SPI_FLOOD / 10)
			rss_early = rss_kb();
	}
	rss_end = rss_kb();
	st = pipeline_stats(pl);
	ck_assert_uint_ge(st->sa_created, SPI_FLOOD + 1);
	ck_assert_uint_ge(st->sa_evicted, SPI_FLOOD + 1 - SA_CAP);
	/* Every packet of the known SA inspected, held ones included. */
	ck_assert_uint_eq(st->inner_found, known);
	ck_assert_uint_eq(seen.known_decided, 1);
	pipeline_finish(pl);
	check_accounting(st, num);
	ck_assert_uint_eq(seen.known_end, 1);
	ck_assert_uint_eq(strtoull(seen.known_end_pkts, NULL, 10), known);
	ck_assert_int_lt(rss_end - rss_early, FLAT_KB);
	printf("spi flood: %u SPIs + %llu known packets, %llu SAs evicted, "
	    "%llu events, RSS %ld -> %ld kB, %.2f s CPU\n", SPI_FLOOD,
	    (unsigned long long)known, (unsigned long long)st->sa_evicted,
	    (unsigned long long)seen.events, rss_early, rss_end,
	    (double)(clock() - t0) / CLOCKS_PER_SEC);
	pipeline_free(pl);
	eve_close(eve);
}
END_TEST

/* The known SA's packet as two fragments, both fed. */
static void
feed_known_fragments(struct pipeline *pl, uint64_t *rng, uint32_t seq,
    uint16_t id, uint64_t *num, int64_t *usec)
{
	uint8_t esp[256], frame[512];
	size_t n = known_esp(esp, rng, seq), first = 64, len;

	len = eth_ipv4(frame, tb_v4_src, id, 0x2000, 50, esp, first);
	feed(pl, frame, len, num, usec);
	len = eth_ipv4(frame, tb_v4_src, id, (uint16_t)(first / 8), 50,
	    esp + first, n - first);
	feed(pl, frame, len, num, usec);
}

START_TEST(fragment_flood)
{
	struct pipeline_config cfg;
	struct pipeline *pl;
	struct eve *eve;
	const struct stats *st;
	uint8_t junk[120], frame[512], src[4];
	uint64_t rng = 7, num = 0, known = 0;
	int64_t usec = 0;
	long rss_early = 0, rss_end;
	size_t n;
	uint32_t i;

	pipeline_config_defaults(&cfg);
	cfg.decode.frag_max_datagrams = FRAG_SLOTS;
	pl = flood_pipeline(&cfg, &eve);
	for (i = 0; i < FRAG_FLOOD; i++) {
		if (i % KNOWN_EVERY == 0) {
			known++;
			feed_known_fragments(pl, &rng, (uint32_t)known,
			    (uint16_t)(0x8000u | known), &num, &usec);
		}
		/* A first fragment whose rest never comes, each its own. */
		memcpy(src, flood_src, 4);
		src[2] = (uint8_t)(i >> 16);
		tb_fill_random(&rng, junk, sizeof(junk));
		n = eth_ipv4(frame, src, (uint16_t)i, 0x2000, 50, junk,
		    sizeof(junk));
		feed(pl, frame, n, &num, &usec);
		if (i == FRAG_FLOOD / 10)
			rss_early = rss_kb();
	}
	rss_end = rss_kb();
	st = pipeline_stats(pl);
	ck_assert_uint_ge(st->frag_evicted + st->frag_timeouts,
	    FRAG_FLOOD - FRAG_SLOTS);
	ck_assert_uint_ge(st->frag_evicted, FRAG_FLOOD / 2);
	ck_assert_uint_eq(st->frag_reassembled, known);
	ck_assert_uint_eq(st->inner_found, known);
	ck_assert_uint_eq(st->skipped[SKIP_FRAGMENT_HELD],
	    FRAG_FLOOD + known);
	ck_assert_uint_eq(seen.known_decided, 1);
	pipeline_finish(pl);
	check_accounting(st, num);
	ck_assert_uint_eq(seen.known_end, 1);
	ck_assert_int_lt(rss_end - rss_early, FLAT_KB);
	printf("fragment flood: %u fragments + %llu known datagrams, %llu "
	    "evicted, %llu timed out, RSS %ld -> %ld kB\n", FRAG_FLOOD,
	    (unsigned long long)known, (unsigned long long)st->frag_evicted,
	    (unsigned long long)st->frag_timeouts, rss_early, rss_end);
	pipeline_free(pl);
	eve_close(eve);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("flood");
	TCase *tc = tcase_create("flood");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, spi_flood);
	tcase_add_test(tc, fragment_flood);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
