/*
 * test_flow.c - the inner flow table (src/inner/flow.c): a flow is
 * created by its first packet, whose source is the client; both
 * directions, carried by two SAs, land in one flow and each records its
 * SA; peers keep equal tuples apart and a rekey keeps a flow; LRU
 * eviction (closed TCP flows first), idle timeouts (shorter after a TCP
 * close), the end of input, the table limits and slot reuse.
 */
#include <string.h>

#include "unit.h"
#include "inner/flow.h"

#define PEER_L	0xc6336401u	/* 198.51.100.1 */
#define PEER_R	0xcb007101u	/* 203.0.113.1 */
#define PEER_X	0xcb007102u	/* 203.0.113.2 */
#define HOST_A	0x0a1d0001u	/* 10.29.0.1 */
#define HOST_B	0x0a1d0002u	/* 10.29.0.2 */

#define TCP_FIN	0x01
#define TCP_SYN	0x02
#define TCP_RST	0x04
#define TCP_ACK	0x10

#define MAX_KEPT	16

static struct flow_report kept[MAX_KEPT];
static unsigned		 n_reports;

static void
on_end(void *arg, const struct flow_report *r)
{
	(void)arg;
	if (n_reports < MAX_KEPT)
		kept[n_reports] = *r;
	n_reports++;
}

static void
put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void
put32(uint8_t *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b + 2, (uint16_t)v);
}

/* An inner IPv4 header and 20-byte TCP header (flags given), or UDP. */
static uint32_t
inner4(uint8_t *b, uint8_t proto, uint32_t src, uint32_t dst, uint16_t sport,
    uint16_t dport, uint8_t flags)
{
	uint32_t len = proto == 6 ? 40 : 28;

	memset(b, 0, len);
	b[0] = 0x45;
	put16(b + 2, (uint16_t)len);
	b[8] = 64;
	b[9] = proto;
	put32(b + 12, src);
	put32(b + 16, dst);
	put16(b + 20, sport);
	put16(b + 22, dport);
	if (proto == 6) {
		b[32] = 0x50;
		b[33] = flags;
	} else
		put16(b + 24, 8);
	return (len);
}

struct pkt {
	struct packet	p;
	uint8_t		bytes[64];
};

/* A tunnel-mode ESP-NULL packet of the SA (outer src > dst, spi). */
static const struct packet *
mk(struct pkt *k, uint32_t outer_src, uint32_t outer_dst, uint32_t spi,
    int64_t sec, uint32_t usec, uint8_t proto, uint32_t src, uint32_t dst,
    uint16_t sport, uint16_t dport, uint8_t flags)
{
	uint8_t a[4];

	memset(&k->p, 0, sizeof(k->p));
	put32(a, outer_src);
	ipaddr_set4(&k->p.src, a);
	put32(a, outer_dst);
	ipaddr_set4(&k->p.dst, a);
	k->p.ipver = 4;
	k->p.spi = spi;
	k->p.sa_id = spi & 0xff;
	k->p.ts_sec = sec;
	k->p.ts_usec = usec;
	k->p.verdict = VERDICT_NULL;
	k->p.inner_tunnel = true;
	k->p.next_hdr = 4;
	k->p.inner = k->bytes;
	k->p.inner_len = inner4(k->bytes, proto, src, dst, sport, dport, flags);
	return (&k->p);
}

static struct flow_table *
table(uint32_t max, struct stats *st)
{
	struct flow_config cfg;
	struct flow_table *t;

	flow_config_defaults(&cfg);
	cfg.max_flows = max;
	memset(st, 0, sizeof(*st));
	memset(kept, 0, sizeof(kept));
	n_reports = 0;
	t = flow_table_new(&cfg, on_end, NULL);
	ck_assert_ptr_nonnull(t);
	return (t);
}

static uint32_t
addr4(const struct ipaddr *a)
{
	return ((uint32_t)a->bytes[0] << 24 | (uint32_t)a->bytes[1] << 16 |
	    (uint32_t)a->bytes[2] << 8 | a->bytes[3]);
}

START_TEST(test_defaults)
{
	struct flow_config cfg;

	flow_config_defaults(&cfg);
	ck_assert_uint_eq(cfg.max_flows, 65536);
	ck_assert_uint_eq(cfg.timeout_sec, 120);
	ck_assert_uint_lt(cfg.closed_timeout_sec, cfg.timeout_sec);
}
END_TEST

START_TEST(test_create)
{
	struct flow_table	*t;
	struct stats		 st;
	struct flow_ref		 ref;
	struct pkt		 k;

	t = table(8, &st);
	ck_assert(flow_table_packet(t, mk(&k, PEER_L, PEER_R, 0x1001, 100, 5,
	    6, HOST_A, HOST_B, 40000, 22, TCP_SYN), &ref, &st));
	ck_assert(ref.created);
	ck_assert(ref.toserver);
	ck_assert_uint_eq(ref.proto, 6);
	ck_assert_uint_lt(ref.slot, 8);
	ck_assert_uint_eq(flow_table_count(t), 1);
	ck_assert_uint_eq(st.flow_created, 1);
	flow_table_finish(t, &st);
	ck_assert_uint_eq(n_reports, 1);
	ck_assert_str_eq(kept[0].end_reason, "end_of_input");
	ck_assert_uint_eq(kept[0].slot, ref.slot);
	ck_assert_uint_eq(kept[0].tuple.proto, 6);
	ck_assert_uint_eq(addr4(&kept[0].tuple.src), HOST_A);
	ck_assert_uint_eq(kept[0].tuple.sport, 40000);
	ck_assert_uint_eq(addr4(&kept[0].tuple.dst), HOST_B);
	ck_assert_uint_eq(kept[0].tuple.dport, 22);
	ck_assert_uint_eq(kept[0].pkts_toserver, 1);
	ck_assert_uint_eq(kept[0].bytes_toserver, 40);
	ck_assert_uint_eq(kept[0].pkts_toclient, 0);
	ck_assert(kept[0].sa_toserver.seen);
	ck_assert_uint_eq(kept[0].sa_toserver.spi, 0x1001);
	ck_assert(!kept[0].sa_toclient.seen);
	ck_assert_int_eq(kept[0].first_sec, 100);
	ck_assert_uint_eq(kept[0].first_usec, 5);
	ck_assert_uint_eq(st.flow_ended, 1);
	ck_assert_uint_eq(flow_table_count(t), 0);
	flow_table_free(t);
}
END_TEST

/* Request in one SA, answer in the other: one flow, both SAs recorded. */
START_TEST(test_both_directions)
{
	struct flow_table	*t;
	struct stats		 st;
	struct flow_ref		 r1, r2, r3;
	struct pkt		 k;

	t = table(8, &st);
	ck_assert(flow_table_packet(t, mk(&k, PEER_L, PEER_R, 0x1001, 1, 0, 17,
	    HOST_A, HOST_B, 5353, 53, 0), &r1, &st));
	ck_assert(flow_table_packet(t, mk(&k, PEER_R, PEER_L, 0x2002, 2, 0, 17,
	    HOST_B, HOST_A, 53, 5353, 0), &r2, &st));
	ck_assert(flow_table_packet(t, mk(&k, PEER_L, PEER_R, 0x1001, 3, 0, 17,
	    HOST_A, HOST_B, 5353, 53, 0), &r3, &st));
	ck_assert(r1.created && !r2.created && !r3.created);
	ck_assert_uint_eq(r1.slot, r2.slot);
	ck_assert_uint_eq(r1.slot, r3.slot);
	ck_assert(r1.toserver && !r2.toserver && r3.toserver);
	ck_assert_uint_eq(st.flow_created, 1);
	flow_table_finish(t, &st);
	ck_assert_uint_eq(n_reports, 1);
	ck_assert_uint_eq(kept[0].pkts_toserver, 2);
	ck_assert_uint_eq(kept[0].pkts_toclient, 1);
	ck_assert_uint_eq(kept[0].bytes_toserver, 56);
	ck_assert_uint_eq(kept[0].bytes_toclient, 28);
	ck_assert_uint_eq(kept[0].sa_toserver.spi, 0x1001);
	ck_assert_uint_eq(addr4(&kept[0].sa_toserver.src), PEER_L);
	ck_assert_uint_eq(addr4(&kept[0].sa_toserver.dst), PEER_R);
	ck_assert_uint_eq(kept[0].sa_toclient.spi, 0x2002);
	ck_assert_uint_eq(addr4(&kept[0].sa_toclient.src), PEER_R);
	ck_assert_int_eq(kept[0].first_sec, 1);
	ck_assert_int_eq(kept[0].last_sec, 3);
	flow_table_free(t);
}
END_TEST

/* The client is whoever sent first, even from the server's port. */
START_TEST(test_client_is_first_sender)
{
	struct flow_table	*t;
	struct stats		 st;
	struct flow_ref		 ref;
	struct pkt		 k;

	t = table(8, &st);
	ck_assert(flow_table_packet(t, mk(&k, PEER_R, PEER_L, 0x2002, 1, 0, 6,
	    HOST_B, HOST_A, 22, 40000, TCP_ACK), &ref, &st));
	ck_assert(flow_table_packet(t, mk(&k, PEER_L, PEER_R, 0x1001, 2, 0, 6,
	    HOST_A, HOST_B, 40000, 22, TCP_ACK), &ref, &st));
	ck_assert(!ref.toserver);
	flow_table_finish(t, &st);
	ck_assert_uint_eq(addr4(&kept[0].tuple.src), HOST_B);
	ck_assert_uint_eq(kept[0].tuple.sport, 22);
	ck_assert_uint_eq(kept[0].sa_toserver.spi, 0x2002);
	ck_assert_uint_eq(kept[0].sa_toclient.spi, 0x1001);
	flow_table_free(t);
}
END_TEST

/* Another tunnel with the same inner tuple is another flow; a rekey is not. */
START_TEST(test_peers_and_rekey)
{
	struct flow_table	*t;
	struct stats		 st;
	struct flow_ref		 r1, r2, r3;
	struct pkt		 k;

	t = table(8, &st);
	ck_assert(flow_table_packet(t, mk(&k, PEER_L, PEER_R, 0x1001, 1, 0, 17,
	    HOST_A, HOST_B, 1000, 2000, 0), &r1, &st));
	ck_assert(flow_table_packet(t, mk(&k, PEER_L, PEER_X, 0x3003, 1, 0, 17,
	    HOST_A, HOST_B, 1000, 2000, 0), &r2, &st));
	ck_assert(flow_table_packet(t, mk(&k, PEER_L, PEER_R, 0x4004, 2, 0, 17,
	    HOST_A, HOST_B, 1000, 2000, 0), &r3, &st));
	ck_assert(r2.created);
	ck_assert_uint_ne(r1.slot, r2.slot);
	ck_assert(!r3.created);
	ck_assert_uint_eq(r3.slot, r1.slot);
	ck_assert_uint_eq(flow_table_count(t), 2);
	flow_table_finish(t, &st);
	ck_assert_uint_eq(n_reports, 2);
	flow_table_free(t);
}
END_TEST

START_TEST(test_lru_eviction)
{
	struct flow_table	*t;
	struct stats		 st;
	struct flow_ref		 f1, f2, f3, again;
	struct pkt		 k;

	t = table(2, &st);
	flow_table_packet(t, mk(&k, PEER_L, PEER_R, 1, 1, 0, 17, HOST_A,
	    HOST_B, 1, 9, 0), &f1, &st);
	flow_table_packet(t, mk(&k, PEER_L, PEER_R, 1, 2, 0, 17, HOST_A,
	    HOST_B, 2, 9, 0), &f2, &st);
	flow_table_packet(t, mk(&k, PEER_L, PEER_R, 1, 3, 0, 17, HOST_A,
	    HOST_B, 1, 9, 0), &again, &st);
	ck_assert_uint_eq(n_reports, 0);
	flow_table_packet(t, mk(&k, PEER_L, PEER_R, 1, 4, 0, 17, HOST_A,
	    HOST_B, 3, 9, 0), &f3, &st);
	ck_assert_uint_eq(n_reports, 1);
	ck_assert_str_eq(kept[0].end_reason, "evicted");
	ck_assert_uint_eq(kept[0].tuple.sport, 2);
	ck_assert_uint_eq(st.flow_evicted, 1);
	ck_assert_uint_eq(f3.slot, f2.slot);
	ck_assert_uint_eq(flow_table_count(t), 2);
	flow_table_packet(t, mk(&k, PEER_L, PEER_R, 1, 5, 0, 17, HOST_A,
	    HOST_B, 1, 9, 0), &again, &st);
	ck_assert(!again.created);
	ck_assert_uint_eq(again.slot, f1.slot);
	flow_table_free(t);
}
END_TEST

/* A TCP flow closed by FIN both ways goes before an open one. */
START_TEST(test_closed_evicted_first)
{
	struct flow_table	*t;
	struct stats		 st;
	struct flow_ref		 ref;
	struct pkt		 k;

	t = table(2, &st);
	flow_table_packet(t, mk(&k, PEER_L, PEER_R, 1, 1, 0, 6, HOST_A, HOST_B,
	    40000, 80, TCP_SYN), &ref, &st);
	flow_table_packet(t, mk(&k, PEER_L, PEER_R, 1, 2, 0, 17, HOST_A,
	    HOST_B, 5000, 53, 0), &ref, &st);
	flow_table_packet(t, mk(&k, PEER_L, PEER_R, 1, 3, 0, 6, HOST_A, HOST_B,
	    40000, 80, TCP_FIN | TCP_ACK), &ref, &st);
	flow_table_packet(t, mk(&k, PEER_R, PEER_L, 2, 4, 0, 6, HOST_B, HOST_A,
	    80, 40000, TCP_FIN | TCP_ACK), &ref, &st);
	/* The UDP flow is now the least recently used. */
	flow_table_packet(t, mk(&k, PEER_L, PEER_R, 1, 5, 0, 17, HOST_A,
	    HOST_B, 5001, 53, 0), &ref, &st);
	ck_assert_uint_eq(n_reports, 1);
	ck_assert_uint_eq(kept[0].tuple.proto, 6);
	ck_assert_uint_eq(kept[0].pkts_toserver, 2);
	ck_assert_uint_eq(kept[0].pkts_toclient, 1);
	flow_table_free(t);
}
END_TEST

START_TEST(test_timeouts)
{
	struct flow_table	*t;
	struct stats		 st;
	struct flow_ref		 ref;
	struct pkt		 k;

	t = table(8, &st);
	flow_table_packet(t, mk(&k, PEER_L, PEER_R, 1, 100, 0, 17, HOST_A,
	    HOST_B, 1, 2, 0), &ref, &st);
	flow_table_packet(t, mk(&k, PEER_L, PEER_R, 1, 100, 0, 6, HOST_A,
	    HOST_B, 3, 4, TCP_RST), &ref, &st);
	/* Idle exactly the timeout is not yet idle longer than it. */
	flow_table_expire(t, 110, &st);
	ck_assert_uint_eq(n_reports, 0);
	flow_table_expire(t, 111, &st);
	ck_assert_uint_eq(n_reports, 1);
	ck_assert_uint_eq(kept[0].tuple.proto, 6);
	ck_assert_str_eq(kept[0].end_reason, "timeout");
	flow_table_expire(t, 220, &st);
	ck_assert_uint_eq(n_reports, 1);
	flow_table_expire(t, 221, &st);
	ck_assert_uint_eq(n_reports, 2);
	ck_assert_uint_eq(kept[1].tuple.proto, 17);
	ck_assert_str_eq(kept[1].end_reason, "timeout");
	ck_assert_uint_eq(st.flow_timeouts, 2);
	ck_assert_uint_eq(st.flow_ended, 2);
	ck_assert_uint_eq(flow_table_count(t), 0);
	flow_table_free(t);
}
END_TEST

/* Held packets come out late: first and last are the extremes. */
START_TEST(test_out_of_order_times)
{
	struct flow_table	*t;
	struct stats		 st;
	struct flow_ref		 ref;
	struct pkt		 k;

	t = table(8, &st);
	flow_table_packet(t, mk(&k, PEER_L, PEER_R, 1, 10, 500, 17, HOST_A,
	    HOST_B, 1, 2, 0), &ref, &st);
	flow_table_packet(t, mk(&k, PEER_L, PEER_R, 1, 9, 200, 17, HOST_A,
	    HOST_B, 1, 2, 0), &ref, &st);
	flow_table_packet(t, mk(&k, PEER_L, PEER_R, 1, 10, 100, 17, HOST_A,
	    HOST_B, 1, 2, 0), &ref, &st);
	flow_table_finish(t, &st);
	ck_assert_int_eq(kept[0].first_sec, 9);
	ck_assert_uint_eq(kept[0].first_usec, 200);
	ck_assert_int_eq(kept[0].last_sec, 10);
	ck_assert_uint_eq(kept[0].last_usec, 500);
	flow_table_free(t);
}
END_TEST

START_TEST(test_limits)
{
	struct flow_config	 cfg;
	struct flow_table	*t;
	struct stats		 st;
	struct flow_ref		 ref;
	struct pkt		 k;

	flow_config_defaults(&cfg);
	cfg.max_flows = 0;
	ck_assert_ptr_null(flow_table_new(&cfg, on_end, NULL));
	cfg.max_flows = FLOW_TABLE_MAX + 1;
	ck_assert_ptr_null(flow_table_new(&cfg, on_end, NULL));

	/* A later fragment belongs to no flow: counted, nothing created. */
	t = table(1, &st);
	mk(&k, PEER_L, PEER_R, 1, 1, 0, 17, HOST_A, HOST_B, 1, 2, 0);
	k.bytes[7] = 8;				/* fragment offset 64 */
	ck_assert(!flow_table_packet(t, &k.p, &ref, &st));
	ck_assert_uint_eq(st.flow_untracked, 1);
	ck_assert_uint_eq(st.flow_created, 0);
	ck_assert_uint_eq(flow_table_count(t), 0);
	flow_table_free(t);
	flow_table_free(NULL);
}
END_TEST

/* 1000 flows through 64 entries: never more than 64, every one reported. */
START_TEST(test_many_flows)
{
	struct flow_table	*t;
	struct stats		 st;
	struct flow_ref		 ref;
	struct pkt		 k;
	uint16_t		 i;

	t = table(64, &st);
	for (i = 0; i < 1000; i++) {
		ck_assert(flow_table_packet(t, mk(&k, PEER_L, PEER_R, 1, i, 0,
		    17, HOST_A, HOST_B, (uint16_t)(10000 + i), 53, 0), &ref,
		    &st));
		ck_assert(ref.created);
		ck_assert_uint_lt(ref.slot, 64);
		ck_assert_uint_le(flow_table_count(t), 64);
	}
	ck_assert_uint_eq(st.flow_created, 1000);
	ck_assert_uint_eq(st.flow_evicted, 1000 - 64);
	/* The survivors are the newest; the oldest went first. */
	ck_assert_uint_eq(kept[0].tuple.sport, 10000);
	flow_table_finish(t, &st);
	ck_assert_uint_eq(st.flow_ended, 1000);
	ck_assert_uint_eq(n_reports, 1000);
	flow_table_free(t);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("flow");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_create);
	tcase_add_test(tc, test_both_directions);
	tcase_add_test(tc, test_client_is_first_sender);
	tcase_add_test(tc, test_peers_and_rekey);
	tcase_add_test(tc, test_lru_eviction);
	tcase_add_test(tc, test_closed_evicted_first);
	tcase_add_test(tc, test_timeouts);
	tcase_add_test(tc, test_out_of_order_times);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_many_flows);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
