/*
 * test_sa_table.c - the SA table (src/detect/sa_table.c): keys, hash
 * lookup, LRU order, bounds, predecessor cache; then the SA life cycle
 * through detect/: eviction when full, idle timeout, end of input,
 * sequence number accounting, and a flood of new SPIs.
 */
#include <stdlib.h>

#include "unit.h"
#include "esp_build.h"
#include "detect/detect.h"
#include "detect/sa_table.h"

static const uint8_t seed[SA_SEED_LEN] = "0123456789abcdef";

static void
key_v4(struct sa_key *k, uint32_t spi, uint8_t last_dst_byte)
{
	struct ipaddr	 s, t;
	uint8_t		 dst[4] = { 198, 51, 100, last_dst_byte };

	ipaddr_set4(&s, tb_v4_src);
	ipaddr_set4(&t, dst);
	sa_key_make(k, 4, &s, &t, ENCAP_NONE, 0, 0, false, spi);
}

START_TEST(key_fields)
{
	struct sa_key	 a, b;
	struct ipaddr	 s, t;

	ipaddr_set4(&s, tb_v4_src);
	ipaddr_set4(&t, tb_v4_dst);
	/* ports count only with UDP encapsulation (RFC 5879 section 7) */
	sa_key_make(&a, 4, &s, &t, ENCAP_NONE, 1, 2, false, 9);
	sa_key_make(&b, 4, &s, &t, ENCAP_NONE, 3, 4, false, 9);
	ck_assert_mem_eq(&a, &b, sizeof(a));
	sa_key_make(&a, 4, &s, &t, ENCAP_UDP, 4500, 4500, false, 9);
	sa_key_make(&b, 4, &s, &t, ENCAP_UDP, 4500, 31000, false, 9);
	ck_assert(memcmp(&a, &b, sizeof(a)) != 0);
	sa_key_make(&b, 4, &s, &t, ENCAP_UDP, 4500, 4500, true, 9);
	ck_assert(memcmp(&a, &b, sizeof(a)) != 0);
	sa_key_make(&b, 4, &t, &s, ENCAP_UDP, 4500, 4500, false, 9);
	ck_assert(memcmp(&a, &b, sizeof(a)) != 0);
}
END_TEST

START_TEST(insert_lookup_remove)
{
	struct sa_table	*t = sa_table_new(4, seed);
	struct sa_key	 k[5];
	struct sa	*sa[5];
	uint32_t	 i;

	ck_assert_ptr_nonnull(t);
	for (i = 0; i < 5; i++)
		key_v4(&k[i], 0x100 + i, 7);
	for (i = 0; i < 4; i++) {
		ck_assert_ptr_null(sa_table_lookup(t, &k[i]));
		sa[i] = sa_table_insert(t, &k[i]);
		ck_assert_ptr_nonnull(sa[i]);
		ck_assert_uint_eq(sa[i]->sa_id, i + 1);
	}
	ck_assert(sa_table_full(t));
	ck_assert_ptr_null(sa_table_insert(t, &k[4]));
	for (i = 0; i < 4; i++)
		ck_assert_ptr_eq(sa_table_lookup(t, &k[i]), sa[i]);
	/* LRU: 0 is oldest until touched */
	ck_assert_ptr_eq(sa_table_oldest(t), sa[0]);
	sa_table_touch(t, sa[0]);
	ck_assert_ptr_eq(sa_table_oldest(t), sa[1]);
	sa_table_remove(t, sa[1]);
	ck_assert_ptr_null(sa_table_lookup(t, &k[1]));
	ck_assert_uint_eq(sa_table_count(t), 3);
	ck_assert_ptr_eq(sa_table_oldest(t), sa[2]);
	sa[4] = sa_table_insert(t, &k[4]);
	ck_assert_ptr_nonnull(sa[4]);
	ck_assert_uint_eq(sa[4]->sa_id, 5);	/* ids never reused */
	ck_assert_ptr_eq(sa_table_lookup(t, &k[4]), sa[4]);
	while ((sa[0] = sa_table_oldest(t)) != NULL)
		sa_table_remove(t, sa[0]);
	ck_assert_uint_eq(sa_table_count(t), 0);
	sa_table_free(t);
	sa_table_free(NULL);
}
END_TEST

START_TEST(bounds)
{
	ck_assert_ptr_null(sa_table_new(0, seed));
	ck_assert_ptr_null(sa_table_new(SA_TABLE_MAX + 1, seed));
}
END_TEST

START_TEST(predecessor_cache)
{
	struct sa_table	*t = sa_table_new(16, seed);
	struct sa_key	 a, b, other;

	key_v4(&a, 0x1, 7);
	key_v4(&b, 0x2, 7);		/* same peers, new SPI */
	key_v4(&other, 0x1, 8);
	ck_assert_int_eq(sa_table_pred_get(t, &b), -1);
	sa_table_pred_put(t, &a, 3);
	ck_assert_int_eq(sa_table_pred_get(t, &b), 3);
	ck_assert_int_eq(sa_table_pred_get(t, &other), -1);
	sa_table_pred_put(t, &b, 2);
	ck_assert_int_eq(sa_table_pred_get(t, &a), 2);
	sa_table_free(t);
}
END_TEST

/* Many SAs: every key found again, chains bounded by the seed hash. */
START_TEST(many_keys)
{
	struct sa_table	*t = sa_table_new(50000, seed);
	struct sa_key	 k;
	uint32_t	 i;

	for (i = 0; i < 50000; i++) {
		key_v4(&k, i, (uint8_t)i);
		ck_assert_ptr_nonnull(sa_table_insert(t, &k));
	}
	for (i = 0; i < 50000; i++) {
		key_v4(&k, i, (uint8_t)i);
		ck_assert_ptr_nonnull(sa_table_lookup(t, &k));
		ck_assert_uint_eq(sa_table_lookup(t, &k)->key.spi, i);
	}
	key_v4(&k, 50000, 0);
	ck_assert_ptr_null(sa_table_lookup(t, &k));
	sa_table_free(t);
}
END_TEST

/* --- the life cycle through detect/ --------------------------------- */

static struct detect	*d;
static struct stats	 st;
static struct tb_reports reps;

static void
open_detect(uint32_t max_sas)
{
	struct detect_config cfg;

	detect_config_defaults(&cfg);
	cfg.max_sas = max_sas;
	cfg.sa_timeout_sec = 60;
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

/* A strong ESP-NULL packet (ICV 12, ICMP) of SA spi at time ts. */
static void
send(uint32_t spi, uint32_t seq, int64_t ts)
{
	static uint8_t	 b[256];
	uint8_t		 icmp[64];
	uint64_t	 rng = spi;
	struct packet	 p;
	size_t		 n;

	n = tb_icmp_echo(icmp, 1, (uint16_t)seq, (const uint8_t *)"abcd", 4);
	n = tb_esp(b, &rng, spi, seq, 0, icmp, n, 1, 12, 0);
	tb_packet(&p, 4, b, n);
	p.ts_sec = ts;
	p.ts_usec = (uint32_t)seq;
	detect_packet(d, &p, &st);
	ck_assert_int_eq(p.verdict, VERDICT_NULL);
	ck_assert_uint_eq(p.spi, spi);
	ck_assert_uint_eq(p.seq, seq);
}

START_TEST(config_defaults)
{
	struct detect_config cfg;

	detect_config_defaults(&cfg);
	ck_assert_uint_eq(cfg.max_sas, 65536);
	ck_assert_uint_eq(cfg.sa_timeout_sec, 300);
	ck_assert_uint_eq(cfg.decide_pkts, 3);
	ck_assert_uint_eq(cfg.encrypted_pkts, 2);
	ck_assert_uint_eq(cfg.hold_bytes, 4u << 20);
	cfg.max_sas = 0;
	ck_assert_ptr_null(detect_new(&cfg, NULL, NULL));
	detect_free(NULL);
}
END_TEST

START_TEST(evict_when_full)
{
	const struct sa_report *r;

	open_detect(2);
	send(0x1, 1, 100);
	send(0x2, 1, 101);
	send(0x1, 2, 102);		/* 0x2 is now least recently used */
	send(0x3, 1, 103);
	ck_assert_uint_eq(st.sa_evicted, 1);
	ck_assert_uint_eq(st.sa_created, 3);
	r = tb_find(&reps, 0x2, SA_EVENT_END);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->end_reason, "evicted");
	ck_assert_int_eq(r->ts_sec, 101);	/* its last packet */
	ck_assert_int_eq(r->verdict, VERDICT_NULL);
	ck_assert_uint_eq(st.sa_null, 1);
	ck_assert_ptr_null(tb_find(&reps, 0x1, SA_EVENT_END));
	send(0x2, 2, 104);		/* comes back as a new SA */
	ck_assert_uint_eq(st.sa_created, 4);
	ck_assert_str_eq(tb_find(&reps, 0x1, SA_EVENT_END)->end_reason,
	    "evicted");
}
END_TEST

START_TEST(timeout_and_finish)
{
	const struct sa_report *r;

	open_detect(16);
	send(0x1, 1, 100);
	send(0x2, 1, 130);
	detect_expire(d, 160, &st);		/* 0x1 idle 60: not yet */
	ck_assert_uint_eq(st.sa_timeouts, 0);
	detect_expire(d, 161, &st);
	ck_assert_uint_eq(st.sa_timeouts, 1);
	r = tb_find(&reps, 0x1, SA_EVENT_END);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->end_reason, "timeout");
	ck_assert_ptr_null(tb_find(&reps, 0x2, SA_EVENT_END));
	detect_finish(d, &st);
	r = tb_find(&reps, 0x2, SA_EVENT_END);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->end_reason, "end_of_input");
	ck_assert_uint_eq(st.sa_null, 2);
	detect_finish(d, &st);			/* nothing left: no-op */
	ck_assert_uint_eq(reps.ended[VERDICT_NULL], 2);
}
END_TEST

/* RFC 4303 section 2.2: gaps are missing numbers, replays not above. */
START_TEST(sequence_numbers)
{
	static const uint32_t seqs[] = { 5, 6, 9, 7, 9, 10, 20, 3 };
	const struct sa_report *r;
	size_t		 i;

	open_detect(16);
	for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++)
		send(0x9, seqs[i], 100 + (int64_t)i);
	detect_finish(d, &st);
	r = tb_find(&reps, 0x9, SA_EVENT_END);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->seq_first, 5);
	ck_assert_uint_eq(r->seq_last, 20);
	ck_assert_uint_eq(r->seq_gaps, 2 + 9);	/* 7, 8 and 11..19 */
	ck_assert_uint_eq(r->seq_replays, 3);	/* 7, 9, 3 */
	ck_assert_uint_eq(r->pkts, 8);
	ck_assert_uint_eq(r->inner_pkts, 8);
	ck_assert_int_eq(r->ts_sec, 107);
	ck_assert_uint_eq(r->ts_usec, 3);
}
END_TEST

/*
 * A flood of new SPIs (many times the table) cannot push out an SA
 * that keeps sending, and its packets keep their verdict.
 */
START_TEST(spi_flood)
{
	uint8_t		 b[64];
	uint64_t	 rng = 1;
	struct packet	 p;
	uint32_t	 i;

	open_detect(1000);
	send(0xfeed, 1, 100);
	for (i = 0; i < 20000; i++) {
		tb_fill_random(&rng, b, sizeof(b));
		tb_put32(b, 0x10000 + i);
		tb_packet(&p, 4, b, sizeof(b));
		p.ts_sec = 100;
		detect_packet(d, &p, &st);
		if (i % 500 == 0)
			send(0xfeed, 2 + i / 500, 100);
	}
	ck_assert_uint_eq(st.sa_created, 20001);
	ck_assert_uint_eq(st.sa_evicted, 20001 - 1000);
	ck_assert_ptr_null(tb_find(&reps, 0xfeed, SA_EVENT_END));
	send(0xfeed, 1000, 100);
	ck_assert_uint_le(st.held, 20000);
}
END_TEST

/* A packet too short for an ESP header is skipped, not judged. */
START_TEST(short_esp)
{
	uint8_t		 b[8] = { 0, 0, 1, 0, 0, 0, 0, 1 };
	struct packet	 p;

	open_detect(16);
	tb_packet(&p, 4, b, 7);
	detect_packet(d, &p, &st);
	ck_assert_int_eq(p.skip, SKIP_MALFORMED_ESP);
	tb_packet(&p, 4, b, 7);
	p.esp_wire_len = 100;
	detect_packet(d, &p, &st);
	ck_assert_int_eq(p.skip, SKIP_TRUNCATED);
	tb_packet(&p, 4, NULL, 0);
	detect_packet(d, &p, &st);
	ck_assert_int_eq(p.skip, SKIP_MALFORMED_ESP);
	ck_assert_uint_eq(st.skipped[SKIP_MALFORMED_ESP], 2);
	ck_assert_uint_eq(st.skipped[SKIP_TRUNCATED], 1);
	ck_assert_uint_eq(st.sa_created, 0);
	/* a packet already skipped upstream is left alone */
	tb_packet(&p, 4, b, 8);
	p.skip = SKIP_IKE;
	detect_packet(d, &p, &st);
	ck_assert_int_eq(p.skip, SKIP_IKE);
	ck_assert_uint_eq(st.sa_created, 0);
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("sa_table");
	TCase	*tc = tcase_create("table");
	TCase	*tl = tcase_create("lifecycle");

	tcase_add_test(tc, key_fields);
	tcase_add_test(tc, insert_lookup_remove);
	tcase_add_test(tc, bounds);
	tcase_add_test(tc, predecessor_cache);
	tcase_add_test(tc, many_keys);
	suite_add_tcase(s, tc);

	tcase_set_timeout(tl, 60);
	tcase_add_checked_fixture(tl, NULL, teardown);
	tcase_add_test(tl, config_defaults);
	tcase_add_test(tl, evict_when_full);
	tcase_add_test(tl, timeout_and_finish);
	tcase_add_test(tl, sequence_numbers);
	tcase_add_test(tl, spi_flood);
	tcase_add_test(tl, short_esp);
	suite_add_tcase(s, tl);
	return (s);
}

UNIT_MAIN
