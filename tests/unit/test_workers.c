/*
 * test_workers.c - the pieces of --workers that can be tested alone:
 * the SPSC ring (order, empty, full, wraparound, a two-thread run
 * checked record by record), the dispatch hash (both directions, VLAN
 * tags, fragments, SAs and NAT-T ports of one tunnel on one worker,
 * non-IP on worker 0, tunnels spread) and stats_add().
 */
#include <pcap/dlt.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "unit.h"
#include "decode/decode.h"
#include "util/spsc.h"
#include "util/stats.h"

static int
put(struct spsc *r, const void *data, size_t len)
{
	void *room;

	if ((room = spsc_reserve(r, len)) == NULL)
		return (-1);
	memcpy(room, data, len);
	spsc_commit(r, len);
	return (0);
}

static void
take(struct spsc *r, const char *want)
{
	const void	*rec;
	size_t		 len;

	ck_assert_ptr_nonnull(rec = spsc_peek(r, &len));
	ck_assert_uint_eq(len, strlen(want));
	ck_assert(memcmp(rec, want, len) == 0);
	spsc_release(r);
}

START_TEST(test_spsc_empty_order)
{
	struct spsc	*r = spsc_new(100);	/* rounded up to 128 */
	size_t		 len;

	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(spsc_max_record(r), 128 / 2 - 8);
	ck_assert_ptr_null(spsc_peek(r, &len));
	ck_assert(!spsc_done(r));
	ck_assert(spsc_drained(r));
	ck_assert_int_eq(put(r, "one", 3), 0);
	ck_assert(!spsc_drained(r));
	ck_assert_int_eq(put(r, "", 0), 0);
	ck_assert_int_eq(put(r, "three", 5), 0);
	take(r, "one");
	take(r, "");
	ck_assert(!spsc_drained(r));
	take(r, "three");
	ck_assert(spsc_drained(r));
	ck_assert_ptr_null(spsc_peek(r, &len));
	spsc_close(r);
	ck_assert(spsc_done(r));
	spsc_free(r);
}
END_TEST

START_TEST(test_spsc_full_and_wrap)
{
	struct spsc	*r = spsc_new(128);
	char		 rec[40];
	size_t		 len;
	int		 i, n;

	/* Too large ever: refused at once. */
	ck_assert_ptr_null(spsc_reserve(r, spsc_max_record(r) + 1));
	/* 40 bytes + 8 header = 48 a record: two fit, a third does not. */
	memset(rec, 'a', sizeof(rec));
	ck_assert_int_eq(put(r, rec, sizeof(rec)), 0);
	rec[0] = 'b';
	ck_assert_int_eq(put(r, rec, sizeof(rec)), 0);
	ck_assert_int_eq(put(r, rec, sizeof(rec)), -1);
	/* Freeing the first makes room for one, which wraps to offset 0
	   (32 bytes left at the end are too few: a pad marker). */
	ck_assert_ptr_nonnull(spsc_peek(r, &len));
	spsc_release(r);
	rec[0] = 'c';
	ck_assert_int_eq(put(r, rec, sizeof(rec)), 0);
	ck_assert_int_eq(put(r, rec, 8), -1);	/* still full */
	ck_assert(*(const char *)spsc_peek(r, &len) == 'b');
	spsc_release(r);
	ck_assert(*(const char *)spsc_peek(r, &len) == 'c');
	ck_assert_uint_eq(len, sizeof(rec));
	spsc_release(r);
	ck_assert_ptr_null(spsc_peek(r, &len));
	/* Many laps of odd sizes: every record back whole, in order. */
	for (i = 0; i < 1000; i++) {
		n = i % 41;
		memset(rec, 'A' + i % 26, (size_t)n);
		ck_assert_int_eq(put(r, rec, (size_t)n), 0);
		ck_assert_ptr_nonnull(spsc_peek(r, &len));
		ck_assert_uint_eq(len, (size_t)n);
		ck_assert(n == 0 || ((const char *)spsc_peek(r, &len))[n - 1] ==
		    'A' + i % 26);
		spsc_release(r);
	}
	/* A commit shorter than the reservation publishes the short one. */
	ck_assert_ptr_nonnull(spsc_reserve(r, 40));
	spsc_commit(r, 2);
	ck_assert_ptr_nonnull(spsc_peek(r, &len));
	ck_assert_uint_eq(len, 2);
	spsc_free(r);
}
END_TEST

#define RUN_RECORDS	200000

/* The waiting the two sides do: yields and naps, or futex sleeps. */
static bool sleeping;

static void *
producer(void *arg)
{
	struct spsc	*r = arg;
	uint32_t	 i, v[16];
	unsigned	 spins = 0;
	size_t		 n;
	void		*room;

	for (i = 0; i < RUN_RECORDS; i++) {
		n = 1 + i % 16;
		v[0] = i;
		while ((room = spsc_reserve(r, n * 4)) == NULL) {
			if (sleeping)
				spsc_wait_room(r, &spins);
			else
				spsc_backoff(&spins);
		}
		spins = 0;
		for (size_t k = 1; k < n; k++)
			v[k] = i * 31 + (uint32_t)k;
		memcpy(room, v, n * 4);
		spsc_commit(r, n * 4);
	}
	spsc_close(r);
	return (NULL);
}

static void
run_threads(size_t size, bool sleep_when_idle)
{
	struct spsc	*r = spsc_new(size);
	pthread_t	 t;
	const uint32_t	*v;
	uint32_t	 next = 0, bad = 0;
	unsigned	 spins = 0;
	size_t		 len, k;

	sleeping = sleep_when_idle;
	ck_assert_int_eq(pthread_create(&t, NULL, producer, r), 0);
	while (!spsc_done(r)) {
		if ((v = spsc_peek(r, &len)) == NULL) {
			if (sleeping)
				spsc_wait_data(r, &spins);
			else
				spsc_backoff(&spins);
			continue;
		}
		spins = 0;
		/* Counted, asserted once: each ck_assert is a write(2). */
		if (len != 4 * (1 + next % 16) || v[0] != next)
			bad++;
		for (k = 1; k < len / 4 && bad == 0; k++)
			if (v[k] != next * 31 + k)
				bad++;
		spsc_release(r);
		next++;
	}
	pthread_join(t, NULL);
	ck_assert_uint_eq(bad, 0);
	ck_assert_uint_eq(next, RUN_RECORDS);
	spsc_free(r);
}

START_TEST(test_spsc_threads)
{
	run_threads(1024, false);	/* many laps */
}
END_TEST

/* Futex sleeps: a small ring wakes often, a large one per batch, and
   every record still arrives once, in order (at worst 1 ms late). */
START_TEST(test_spsc_threads_sleeping)
{
	run_threads(1024, true);
	run_threads(1u << 20, true);
}
END_TEST

/* Ethernet, optional 802.1Q tag, IPv4 header, then proto's bytes. */
static size_t
frame4(uint8_t *b, bool vlan, const uint8_t src[4], const uint8_t dst[4],
    uint8_t proto, uint16_t frag, uint16_t sport, uint16_t dport,
    uint32_t spi)
{
	size_t	off = 12, ip;

	memset(b, 0, 128);
	if (vlan) {
		b[off++] = 0x81; b[off++] = 0x00; b[off++] = 0x00;
		b[off++] = 0x2a;
	}
	b[off++] = 0x08; b[off++] = 0x00;
	ip = off;
	b[ip] = 0x45;
	b[ip + 3] = 60;				/* total length */
	b[ip + 6] = (uint8_t)(frag >> 8);
	b[ip + 7] = (uint8_t)frag;
	b[ip + 8] = 64;
	b[ip + 9] = proto;
	memcpy(b + ip + 12, src, 4);
	memcpy(b + ip + 16, dst, 4);
	off = ip + 20;
	if (proto == 17) {
		b[off] = (uint8_t)(sport >> 8); b[off + 1] = (uint8_t)sport;
		b[off + 2] = (uint8_t)(dport >> 8); b[off + 3] = (uint8_t)dport;
		b[off + 5] = 40;
		off += 8;
	}
	b[off] = (uint8_t)(spi >> 24); b[off + 1] = (uint8_t)(spi >> 16);
	b[off + 2] = (uint8_t)(spi >> 8); b[off + 3] = (uint8_t)spi;
	return (ip + 60);
}

static uint32_t
hash_of(int linktype, const uint8_t *b, size_t len)
{
	struct packet p;

	memset(&p, 0, sizeof(p));
	p.linktype = linktype;
	p.frame = b;
	p.caplen = p.wirelen = (uint32_t)len;
	return (decode_dispatch_hash(&p));
}

static const uint8_t A[4] = { 192, 0, 2, 1 }, B[4] = { 198, 51, 100, 7 };

START_TEST(test_dispatch_same_tunnel)
{
	uint8_t		b[128];
	uint32_t	h;
	size_t		n;

	n = frame4(b, false, A, B, 50, 0, 0, 0, 0x1000);
	h = hash_of(DLT_EN10MB, b, n);
	ck_assert_uint_ne(h, 0);
	/* The other direction, its own SPI. */
	n = frame4(b, false, B, A, 50, 0, 0, 0, 0x2000);
	ck_assert_uint_eq(hash_of(DLT_EN10MB, b, n), h);
	/* A rekeyed SA, tagged on another VLAN path. */
	n = frame4(b, true, A, B, 50, 0, 0, 0, 0x3000);
	ck_assert_uint_eq(hash_of(DLT_EN10MB, b, n), h);
	/* Fragments: the first (MF) and a later one (offset, no MF). */
	n = frame4(b, false, A, B, 50, 0x2000, 0, 0, 0x1000);
	ck_assert_uint_eq(hash_of(DLT_EN10MB, b, n), h);
	n = frame4(b, false, B, A, 50, 0x00b9, 0, 0, 0);
	ck_assert_uint_eq(hash_of(DLT_EN10MB, b, n), h);
	/* NAT-T: UDP 4500 either way, and a NAT's other port. */
	n = frame4(b, false, A, B, 17, 0, 4500, 4500, 0x1000);
	ck_assert_uint_eq(hash_of(DLT_EN10MB, b, n), h);
	n = frame4(b, false, B, A, 17, 0, 4500, 61234, 0x2000);
	ck_assert_uint_eq(hash_of(DLT_EN10MB, b, n), h);
	/* The same IP packet behind another link layer. */
	n = frame4(b, false, B, A, 50, 0, 0, 0, 0x2000);
	ck_assert_uint_eq(hash_of(DLT_RAW, b + 14, n - 14), h);
}
END_TEST

/*
 * Untagged Ethernet and up to two tags are read in place (dispatch.c's
 * fast path), more tags by decode/'s walk: the same addresses, the same
 * worker; a header cut short is worker 0 either way.
 */
START_TEST(test_dispatch_fast_and_walked)
{
	static const uint8_t tag[4] = { 0x81, 0x00, 0x00, 0x2a };
	uint8_t		b[128], t[160];
	uint32_t	h;
	size_t		n, k;

	n = frame4(b, false, A, B, 50, 0, 0, 0, 0x1000);
	h = hash_of(DLT_EN10MB, b, n);
	for (k = 1; k <= 3; k++) {
		memcpy(t, b, 12);
		memcpy(t + 12, tag, 4);
		memcpy(t + 16, tag, 4);
		memcpy(t + 20, tag, 4);
		t[12 + 4 * k - 4] = 0x88;	/* the outer one 802.1ad */
		t[12 + 4 * k - 3] = 0xa8;
		memcpy(t + 12 + 4 * k, b + 12, n - 12);
		ck_assert_uint_eq(hash_of(DLT_EN10MB, t, n + 4 * k), h);
		/* The IPv4 addresses cut off: no address, worker 0. */
		ck_assert_uint_eq(hash_of(DLT_EN10MB, t, 12 + 4 * k + 2 + 19),
		    0);
	}
	ck_assert_uint_eq(hash_of(DLT_EN10MB, b, 14 + 19), 0);
	ck_assert_uint_eq(hash_of(DLT_EN10MB, b, 14 + 20), h);
}
END_TEST

START_TEST(test_dispatch_v6_and_not_ip)
{
	uint8_t		b[128], c[128];
	size_t		n = 14 + 40 + 8;

	memset(b, 0, sizeof(b));
	b[12] = 0x86; b[13] = 0xdd;
	b[14] = 0x60;
	b[19] = 8;			/* payload length */
	b[20] = 50;			/* next header: ESP */
	b[21] = 64;
	b[22 + 15] = 1;			/* 2001:db8::1 -> 2001:db8::2 */
	b[38 + 15] = 2;
	b[22] = b[38] = 0x20; b[23] = b[39] = 0x01;
	b[24] = b[40] = 0x0d; b[25] = b[41] = 0xb8;
	memcpy(c, b, sizeof(c));
	memcpy(c + 22, b + 38, 16);
	memcpy(c + 38, b + 22, 16);
	ck_assert_uint_ne(hash_of(DLT_EN10MB, b, n), 0);
	ck_assert_uint_eq(hash_of(DLT_EN10MB, b, n), hash_of(DLT_EN10MB, c, n));
	/* ARP, a link type we do not read, a runt: worker 0. */
	b[12] = 0x08; b[13] = 0x06;
	ck_assert_uint_eq(hash_of(DLT_EN10MB, b, n), 0);
	ck_assert_uint_eq(hash_of(DLT_PPP, b, n), 0);
	ck_assert_uint_eq(hash_of(DLT_EN10MB, b, 10), 0);
}
END_TEST

START_TEST(test_dispatch_spreads)
{
	uint8_t		b[128], src[4] = { 10, 0, 0, 0 };
	uint32_t	count[4] = { 0 };
	size_t		n;
	int		i;

	/* 256 tunnels from different peers to one gateway: 4 workers
	   each get a fair share (binomial: far inside 32..96). */
	for (i = 0; i < 256; i++) {
		src[3] = (uint8_t)i;
		n = frame4(b, false, src, B, 50, 0, 0, 0, 1);
		count[hash_of(DLT_EN10MB, b, n) % 4]++;
	}
	for (i = 0; i < 4; i++)
		ck_assert(count[i] > 32 && count[i] < 96);
	/* test_nfq.sh's four clients to its server share two workers. */
	memset(count, 0, sizeof(count));
	for (i = 3; i <= 6; i++) {
		uint8_t c[4] = { 10, 201, 1, 0 }, s[4] = { 10, 201, 2, 1 };

		c[3] = (uint8_t)i;
		n = frame4(b, false, c, s, 50, 0, 0, 0, 1);
		count[hash_of(DLT_RAW, b + 14, n - 14) % 2]++;
	}
	ck_assert(count[0] > 0 && count[1] > 0);
}
END_TEST

START_TEST(test_stats_add)
{
	struct stats	 a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.read = 10; a.skipped[SKIP_IKE] = 2; a.sa_null = 1;
	a.eve_redis_errors = 1; a.ndpi_mem_peak = 500; a.rules_loaded = 10;
	b.read = 5; b.skipped[SKIP_IKE] = 3; b.sa_null = 2; b.alerts = 4;
	b.eve_redis_errors = 2; b.ndpi_mem_peak = 700; b.rules_loaded = 10;
	b.nfq_on = true; b.flow_untracked = 9; b.inner_written = 6;
	b.keys_on = true; b.keys_icv_failed = 2;
	stats_add(&a, &b);
	ck_assert_uint_eq(a.read, 15);
	ck_assert_uint_eq(a.skipped[SKIP_IKE], 5);
	ck_assert_uint_eq(a.sa_null, 3);
	ck_assert_uint_eq(a.alerts, 4);
	ck_assert_uint_eq(a.flow_untracked, 9);
	ck_assert_uint_eq(a.inner_written, 6);
	ck_assert_uint_eq(a.eve_redis_errors, 3);
	/* Shared, not per pipeline: the largest, not the sum. */
	ck_assert_uint_eq(a.ndpi_mem_peak, 700);
	ck_assert_uint_eq(a.rules_loaded, 10);
	ck_assert(a.nfq_on);
	ck_assert(a.keys_on);
	ck_assert_uint_eq(a.keys_icv_failed, 2);
}
END_TEST

/*
 * Every counter is added: a pipeline whose counters are all 1 added to
 * zero gives 1 everywhere, twice gives 2 for the summed ones.  The
 * struct is uint64_t counters and one bool; walk it as such.
 */
START_TEST(test_stats_add_every_field)
{
	struct stats	 one, sum;
	const uint8_t	*p;
	size_t		 off;
	uint64_t	 v;

	memset(&one, 0, sizeof(one));
	for (off = 0; off + 8 <= sizeof(one); off += 8) {
		v = 1;
		memcpy((uint8_t *)&one + off, &v, 8);
	}
	one.nfq_on = true;
	memset(&sum, 0, sizeof(sum));
	stats_add(&sum, &one);
	stats_add(&sum, &one);
	p = (const uint8_t *)&sum;
	for (off = 0; off + 8 <= sizeof(sum); off += 8) {
		if (p + off == (const uint8_t *)&sum.nfq_on)
			continue;
		memcpy(&v, p + off, 8);
		if (p + off == (const uint8_t *)&sum.ndpi_mem_bytes ||
		    p + off == (const uint8_t *)&sum.ndpi_mem_peak ||
		    p + off == (const uint8_t *)&sum.rules_loaded ||
		    p + off == (const uint8_t *)&sum.rules_reloads ||
		    p + off == (const uint8_t *)&sum.rules_reload_errors)
			ck_assert_uint_eq(v, 1);
		else
			ck_assert_msg(v == 2, "field at offset %zu: %llu",
			    off, (unsigned long long)v);
	}
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("workers");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_spsc_empty_order);
	tcase_add_test(tc, test_spsc_full_and_wrap);
	tcase_add_test(tc, test_spsc_threads);
	tcase_add_test(tc, test_spsc_threads_sleeping);
	tcase_add_test(tc, test_dispatch_same_tunnel);
	tcase_add_test(tc, test_dispatch_v6_and_not_ip);
	tcase_add_test(tc, test_dispatch_fast_and_walked);
	tcase_add_test(tc, test_dispatch_spreads);
	tcase_add_test(tc, test_stats_add);
	tcase_add_test(tc, test_stats_add_every_field);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
