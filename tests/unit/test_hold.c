/*
 * test_hold.c - the hold ring (src/detect/hold.c) on its own (wrap,
 * overflow, ordering) and through detect/: packets of an SA held while
 * undecided come out oldest first, with their inner payload, once it is
 * decided null; discarded when it is decided encrypted or ends.
 */
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"
#include "esp_build.h"
#include "detect/detect.h"
#include "detect/hold.h"

static struct stats	 st;

static void
seq_packet(struct packet *p, uint8_t *b, size_t len, uint32_t seq)
{
	memset(b, (int)(seq & 0xff), len);
	tb_put32(b, 0x1234);
	tb_put32(b + 4, seq);
	tb_packet(p, 4, b, len);
	p->seq = seq;
}

static bool
keep_all(void *arg, struct packet *p)
{
	(*(int *)arg)++;
	p->inner = p->esp + 8;
	return (true);
}

static bool
keep_even(void *arg, struct packet *p)
{
	(void)arg;
	return (p->seq % 2 == 0);
}

START_TEST(ring_order_and_wrap)
{
	struct hold	*h = hold_new(8192);
	struct hold_list a, b;
	struct packet	 p;
	uint8_t		 buf[1500];
	uint32_t	 seq, want, n;
	int		 calls = 0;

	ck_assert_ptr_nonnull(h);
	hold_list_init(&a);
	hold_list_init(&b);
	memset(&st, 0, sizeof(st));
	/* 100 packets of ~700 bytes through 8 KiB: wraps many times */
	for (seq = 1; seq <= 100; seq++) {
		seq_packet(&p, buf, 600 + seq, seq);
		hold_add(h, seq % 3 ? &a : &b, &p, &st);
	}
	ck_assert_uint_eq(st.held, 100);
	ck_assert_uint_gt(st.held_expired, 80);
	ck_assert(!hold_list_empty(&a));
	hold_discard(h, &b);
	ck_assert(hold_list_empty(&b));
	n = hold_release(h, &a, keep_all, &calls);
	ck_assert_uint_eq(n, (uint32_t)calls);
	ck_assert_uint_gt(n, 3);
	ck_assert(hold_list_empty(&a));
	want = 0;
	while (hold_next_released(h, &p)) {
		ck_assert_uint_gt(p.seq, want);		/* oldest first */
		ck_assert_uint_ne(p.seq % 3, 0);	/* only list a */
		ck_assert_uint_eq(p.esp_len, 600 + p.seq);
		ck_assert_ptr_eq(p.inner, p.esp + 8);
		ck_assert_uint_eq(p.esp[p.esp_len - 1], p.seq & 0xff);
		ck_assert_ptr_null(p.frame);
		want = p.seq;
	}
	ck_assert_uint_eq(want, 100);		/* the newest survived */
	ck_assert(!hold_next_released(h, &p));
	hold_free(h);
}
END_TEST

START_TEST(release_filter_and_drop)
{
	struct hold	*h = hold_new(1 << 16);
	struct hold_list a;
	struct packet	 p;
	uint8_t		 buf[100];
	uint32_t	 seq;

	hold_list_init(&a);
	memset(&st, 0, sizeof(st));
	for (seq = 1; seq <= 10; seq++) {
		seq_packet(&p, buf, sizeof(buf), seq);
		hold_add(h, &a, &p, &st);
	}
	ck_assert_uint_eq(hold_release(h, &a, keep_even, NULL), 5);
	ck_assert(hold_next_released(h, &p));
	ck_assert_uint_eq(p.seq, 2);
	hold_drop_released(h);
	ck_assert(!hold_next_released(h, &p));
	ck_assert_uint_eq(st.held_expired, 0);
	/* a packet larger than the ring is held and expired at once */
	{
		static uint8_t big[1 << 17];

		seq_packet(&p, big, sizeof(big), 1);
		hold_add(h, &a, &p, &st);
		ck_assert_uint_eq(st.held, 11);
		ck_assert_uint_eq(st.held_expired, 1);
		ck_assert(hold_list_empty(&a));
	}
	hold_free(h);
	ck_assert_ptr_null(hold_new(0));
	ck_assert_ptr_null(hold_new(HOLD_MIN_BYTES - 1));
	h = hold_new(HOLD_MIN_BYTES);
	ck_assert_ptr_nonnull(h);
	hold_free(h);
	hold_free(NULL);
}
END_TEST

/* --- through detect/ ------------------------------------------------- */

static struct detect	*d;
static struct tb_reports reps;

static void
open_detect(uint32_t hold_bytes)
{
	struct detect_config cfg;

	detect_config_defaults(&cfg);
	cfg.hold_bytes = hold_bytes;
	cfg.max_sas = 1024;
	memset(&st, 0, sizeof(st));
	memset(&reps, 0, sizeof(reps));
	d = detect_new(&cfg, tb_collect, &reps);
	ck_assert_ptr_nonnull(d);
}

static void
teardown(void)
{
	detect_free(d);
	d = NULL;
}

static const uint8_t mac[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };

/* Weak ESP-NULL (UDP checksum 0, ICV 12): decided on the 3rd packet. */
static size_t
weak_packet(uint8_t *b, struct packet *p, uint32_t spi, uint32_t seq)
{
	uint8_t		 udp[64];
	uint64_t	 rng = seq;
	size_t		 n;
	char		 msg[16];

	snprintf(msg, sizeof(msg), "packet %u", seq);
	n = tb_udp(udp, 4, tb_v4_src, tb_v4_dst, 7000, 7001,
	    (const uint8_t *)msg, strlen(msg), true);
	n = tb_esp(b, &rng, spi, seq, 0, udp, n, 17, 12, 0);
	tb_packet(p, 4, b, n);
	p->mac_dst = mac;
	p->mac_src = mac + 6;
	p->ts_sec = 500 + seq;
	p->num = seq;
	return (n);
}

START_TEST(release_after_null)
{
	uint8_t		 b[3][256];
	struct packet	 p, rel;
	uint32_t	 seq;

	open_detect(1 << 20);
	for (seq = 1; seq <= 3; seq++) {
		weak_packet(b[seq - 1], &p, 0xbeef, seq);
		detect_packet(d, &p, &st);
		ck_assert_int_eq(p.verdict, seq < 3 ? VERDICT_UNDECIDED :
		    VERDICT_NULL);
		if (seq < 3)
			ck_assert(!detect_next_released(d, &rel));
	}
	ck_assert_ptr_nonnull(p.inner);
	/* the capture buffers are gone by now; the hold kept copies */
	memset(b[0], 0xee, sizeof(b[0]));
	memset(b[1], 0xee, sizeof(b[1]));
	for (seq = 1; seq <= 2; seq++) {
		ck_assert(detect_next_released(d, &rel));
		ck_assert_uint_eq(rel.seq, seq);
		ck_assert_uint_eq(rel.num, seq);
		ck_assert_int_eq(rel.ts_sec, 500 + seq);
		ck_assert_int_eq(rel.verdict, VERDICT_NULL);
		ck_assert_uint_eq(rel.sa_id, p.sa_id);
		ck_assert_ptr_eq(rel.inner, rel.esp + 8);
		ck_assert_uint_eq(rel.inner_len, 8 + strlen("packet 1"));
		ck_assert_uint_eq(rel.next_hdr, 17);
		ck_assert_mem_eq(rel.inner + 8, seq == 1 ? "packet 1" :
		    "packet 2", 8);
		ck_assert_ptr_ne(rel.mac_dst, mac);
		ck_assert_mem_eq(rel.mac_dst, mac, 6);
		ck_assert_mem_eq(rel.mac_src, mac + 6, 6);
		ck_assert_ptr_null(rel.frame);
	}
	ck_assert(!detect_next_released(d, &rel));
	ck_assert_uint_eq(st.held, 2);
	ck_assert_uint_eq(st.held_released, 2);
	ck_assert_uint_eq(st.inner_found, 3);
	detect_finish(d, &st);
	ck_assert_uint_eq(tb_find(&reps, 0xbeef, SA_EVENT_END)->inner_pkts, 3);
}
END_TEST

/* Unclaimed releases do not survive the next packet. */
START_TEST(release_dropped_by_next_packet)
{
	uint8_t		 b[256];
	struct packet	 p, rel;
	uint32_t	 seq;

	open_detect(1 << 20);
	for (seq = 1; seq <= 3; seq++) {
		weak_packet(b, &p, 0xbeef, seq);
		detect_packet(d, &p, &st);
	}
	weak_packet(b, &p, 0xbeef, 4);
	detect_packet(d, &p, &st);
	ck_assert(!detect_next_released(d, &rel));
}
END_TEST

/* A held packet that does not fit the decided layout is not released. */
START_TEST(release_only_fitting)
{
	uint8_t		 b[5][256];
	struct packet	 p, rel;
	uint32_t	 seq;

	open_detect(1 << 20);
	for (seq = 1; seq <= 4; seq++) {
		weak_packet(b[seq], &p, 0xcafe, seq);
		if (seq == 2)
			p.esp_len -= 3;			/* snaplen cut */
		detect_packet(d, &p, &st);
	}
	ck_assert_int_eq(p.verdict, VERDICT_NULL);
	ck_assert(detect_next_released(d, &rel));
	ck_assert_uint_eq(rel.seq, 1);
	ck_assert(detect_next_released(d, &rel));
	ck_assert_uint_eq(rel.seq, 3);
	ck_assert(!detect_next_released(d, &rel));
	ck_assert_uint_eq(st.held, 3);
	ck_assert_uint_eq(st.held_released, 2);
}
END_TEST

START_TEST(discard_when_encrypted_or_ended)
{
	uint8_t		 b[256];
	uint64_t	 rng = 3;
	struct packet	 p, rel;
	uint32_t	 seq;

	open_detect(1 << 20);
	for (seq = 1; seq <= 3; seq++) {
		tb_fill_random(&rng, b, 120);
		tb_put32(b, 0xdead);
		tb_packet(&p, 4, b, 120);
		detect_packet(d, &p, &st);
		ck_assert(!detect_next_released(d, &rel));
	}
	ck_assert_int_eq(p.verdict, VERDICT_ENCRYPTED);
	ck_assert_uint_eq(st.held, 1);		/* decided on the 2nd */

	weak_packet(b, &p, 0xf00d, 1);
	detect_packet(d, &p, &st);
	detect_finish(d, &st);
	ck_assert(!detect_next_released(d, &rel));
	ck_assert_uint_eq(st.held, 2);
	ck_assert_uint_eq(st.held_released, 0);
	ck_assert_uint_eq(st.held_expired, 0);
	ck_assert_uint_eq(st.sa_undecided, 1);
}
END_TEST

/*
 * A small hold under pressure from other undecided SAs: the oldest
 * packets expire, the rest still come out in order.
 */
START_TEST(overflow_keeps_newest)
{
	uint8_t		 b[256], junk[400];
	uint64_t	 rng = 5;
	struct packet	 p, rel;
	uint32_t	 seq, i, last = 0, n = 0;

	open_detect(4096);
	for (seq = 1; seq <= 2; seq++) {
		weak_packet(b, &p, 0xaaaa, seq);
		detect_packet(d, &p, &st);
		for (i = 0; i < 8; i++) {	/* 8 undecided strangers */
			tb_fill_random(&rng, junk, sizeof(junk));
			tb_put32(junk, 0x7000000 + seq * 100 + i);
			tb_packet(&p, 6, junk, sizeof(junk));
			detect_packet(d, &p, &st);
		}
	}
	weak_packet(b, &p, 0xaaaa, 3);
	detect_packet(d, &p, &st);
	ck_assert_int_eq(p.verdict, VERDICT_NULL);
	while (detect_next_released(d, &rel)) {
		ck_assert_uint_gt(rel.seq, last);
		last = rel.seq;
		n++;
	}
	ck_assert_uint_gt(st.held_expired, 0);
	ck_assert_uint_eq(st.held_released, n);
	ck_assert_uint_le(n, 1);
	ck_assert_uint_eq(st.held, 18);
}
END_TEST

START_TEST(no_hold)
{
	uint8_t		 b[256];
	struct packet	 p, rel;
	uint32_t	 seq;

	open_detect((uint32_t)_i * (HOLD_MIN_BYTES - 1));	/* 0 and tiny */
	for (seq = 1; seq <= 3; seq++) {
		weak_packet(b, &p, 0xbeef, seq);
		detect_packet(d, &p, &st);
	}
	ck_assert_int_eq(p.verdict, VERDICT_NULL);
	ck_assert(!detect_next_released(d, &rel));
	ck_assert_uint_eq(st.held, 0);
	ck_assert_uint_eq(st.inner_found, 1);
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("hold");
	TCase	*tc = tcase_create("ring");
	TCase	*td = tcase_create("detect");

	tcase_add_test(tc, ring_order_and_wrap);
	tcase_add_test(tc, release_filter_and_drop);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(td, NULL, teardown);
	tcase_add_test(td, release_after_null);
	tcase_add_test(td, release_dropped_by_next_packet);
	tcase_add_test(td, release_only_fitting);
	tcase_add_test(td, discard_when_encrypted_or_ended);
	tcase_add_test(td, overflow_keeps_newest);
	tcase_add_loop_test(td, no_hold, 0, 2);
	suite_add_tcase(s, td);
	return (s);
}

UNIT_MAIN
