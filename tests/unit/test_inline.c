/*
 * test_inline.c - the pipeline's inline verdicts (pipeline_set_inline(),
 * the --nfq hook): raw IP frames with ESP-NULL and encrypted-looking ESP
 * through a real pipeline and a real rule set, and the verdict each
 * packet gets: a drop rule on the inner flow or on the decided SA drops,
 * an undecided SA is left to the caller's policy, packets detect/ held
 * come out with their own verdicts before the packet that released
 * them, an app condition waits for nDPI (RULE_APP_PENDING), and stats
 * events get the caller's counters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "esp_build.h"
#include "pipeline.h"

#define LINKTYPE_RAW	101	/* raw IP, as capture/nfq.c gives it */
#define MAX_VERDICTS	256

static const uint8_t in_src[4] = { 10, 99, 0, 1 };
static const uint8_t in_dst[4] = { 10, 99, 0, 2 };

static const char rules_text[] =
"- id: 1\n"
"  msg: telnet port in ESP-NULL\n"
"  action: drop\n"
"  match: {esp: \"null\", inner_proto: tcp, dest_port: 23}\n"
"- id: 2\n"
"  msg: UDP to port 23 in ESP-NULL\n"
"  action: drop\n"
"  match: {esp: \"null\", inner_proto: udp, dest_port: 23}\n"
"- id: 3\n"
"  msg: one encrypted SA\n"
"  action: drop\n"
"  match: {esp: encrypted, spi: 0x3333}\n"
"- id: 4\n"
"  msg: UDP nDPI cannot name, to port 9999\n"
"  action: drop\n"
"  match: {inner_proto: udp, dest_port: 9999, app: Unknown}\n"
"- id: 5\n"
"  msg: HTTP is only an alert\n"
"  action: alert\n"
"  match: {inner_proto: tcp, dest_port: 80}\n";

struct collected {
	struct pkt_verdict	v[MAX_VERDICTS];
	size_t			n;
	int			fills;
};

static char		 rules_path[64];
static struct rules	*rules;
static struct pipeline	*pl;
static struct collected	 got;
static uint64_t		 rng = 0x1234567;
static uint64_t		 frame_num;

static void
collect(void *arg, const struct pkt_verdict *v)
{
	struct collected *c = arg;

	ck_assert_uint_lt(c->n, MAX_VERDICTS);
	c->v[c->n++] = *v;
}

static void
fill(void *arg, struct stats *st)
{
	struct collected *c = arg;

	c->fills++;
	st->nfq_on = true;
	st->nfq_dropped = 42;
}

static void
setup(void)
{
	struct pipeline_config cfg;
	struct rules_errors errs;
	const char *path = rules_path;
	char err[256];
	FILE *f;
	int fd;

	snprintf(rules_path, sizeof(rules_path),
	    "/tmp/espvis-test-inline-XXXXXX");
	ck_assert_int_ge(fd = mkstemp(rules_path), 0);
	ck_assert_ptr_nonnull(f = fdopen(fd, "w"));
	fputs(rules_text, f);
	fclose(f);
	ck_assert_ptr_nonnull(rules = rules_new());
	ck_assert_int_eq(rules_load(rules, &path, 1, &errs), 0);
	pipeline_config_defaults(&cfg);
	cfg.flow.max_flows = 64;
	pl = pipeline_new(&cfg, NULL, NULL, err, sizeof(err));
	ck_assert_msg(pl != NULL, "%s", err);
	pipeline_set_inline(pl, rules, collect, fill, &got);
	memset(&got, 0, sizeof(got));
	frame_num = 0;
}

static void
teardown(void)
{
	pipeline_free(pl);
	rules_free(rules);
	unlink(rules_path);
}

/* One raw IPv4 frame carrying len bytes of protocol proto. */
static void
run_frame(uint8_t proto, const uint8_t *l4, size_t len)
{
	static uint8_t frame[2048];
	struct packet p;
	size_t n;

	n = tb_ipv4(frame, tb_v4_src, tb_v4_dst, proto, l4, len);
	memset(&p, 0, sizeof(p));
	p.num = ++frame_num;
	p.ts_sec = 1700000000;
	p.ts_usec = (uint32_t)frame_num;
	p.linktype = LINKTYPE_RAW;
	p.frame = frame;
	p.caplen = p.wirelen = (uint32_t)n;
	pipeline_packet(pl, &p);
}

/* ESP-NULL, tunnel mode, HMAC-SHA1-96 sized ICV: inner TCP or UDP. */
static void
run_null(uint32_t spi, uint32_t seq, uint8_t proto, uint16_t dport,
    bool udp_zero_csum)
{
	uint8_t l4[256], ip[256], esp[512];
	static const uint8_t data[] = "some bytes of an inner payload";
	size_t n;

	if (proto == 6)
		n = tb_tcp(l4, 4, in_src, in_dst, 40000, dport, data,
		    sizeof(data) - 1);
	else
		n = tb_udp(l4, 4, in_src, in_dst, 40000, dport, data,
		    sizeof(data) - 1, udp_zero_csum);
	n = tb_ipv4(ip, in_src, in_dst, proto, l4, n);
	n = tb_esp(esp, &rng, spi, seq, 0, ip, n, 4, 12, 0);
	run_frame(IPPROTO_ESP_NUM, esp, n);
}

/* What an encrypted SA looks like. */
static void
run_random(uint32_t spi, uint32_t seq)
{
	uint8_t esp[160];

	tb_put32(esp, spi);
	tb_put32(esp + 4, seq);
	tb_fill_random(&rng, esp + 8, sizeof(esp) - 8);
	run_frame(IPPROTO_ESP_NUM, esp, sizeof(esp));
}

/* The verdict of the frame run last (the last one handed over). */
static const struct pkt_verdict *
last(void)
{
	ck_assert_uint_ge(got.n, 1);
	ck_assert_uint_eq(got.v[got.n - 1].num, frame_num);
	ck_assert(!got.v[got.n - 1].released);
	return (&got.v[got.n - 1]);
}

START_TEST(test_not_esp_is_accepted)
{
	uint8_t l4[64];
	size_t n;

	n = tb_udp(l4, 4, tb_v4_src, tb_v4_dst, 5353, 53, (const uint8_t *)"q",
	    1, false);
	run_frame(17, l4, n);
	ck_assert_uint_eq(got.n, 1);
	ck_assert_int_eq(last()->action, PKT_ACCEPT);
	ck_assert_uint_eq(last()->sa_id, 0);
}
END_TEST

START_TEST(test_drop_rule_on_inner_port)
{
	/* A checksummed inner TCP packet decides the SA at once. */
	run_null(0x1111, 1, 6, 80, false);
	ck_assert_int_eq(last()->action, PKT_ACCEPT);
	ck_assert_uint_ne(last()->sa_id, 0);
	run_null(0x1111, 2, 6, 23, false);
	ck_assert_int_eq(last()->action, PKT_DROP);
	ck_assert(!last()->sa_drop);
	/* The alert rule on port 80 is no drop. */
	run_null(0x1111, 3, 6, 80, false);
	ck_assert_int_eq(last()->action, PKT_ACCEPT);
	ck_assert_uint_eq(got.n, 3);
}
END_TEST

START_TEST(test_undecided_then_sa_rule)
{
	uint32_t seq;

	/* Encrypted takes two packets (detect/'s default). */
	run_random(0x2222, 1);
	ck_assert_int_eq(last()->action, PKT_UNDECIDED);
	run_random(0x2222, 2);
	ck_assert_int_eq(last()->action, PKT_ACCEPT);
	/* SPI 0x3333 has an SA rule once decided encrypted. */
	run_random(0x3333, 1);
	ck_assert_int_eq(last()->action, PKT_UNDECIDED);
	for (seq = 2; seq < 5; seq++) {
		run_random(0x3333, seq);
		ck_assert_int_eq(last()->action, PKT_DROP);
		ck_assert(last()->sa_drop);
	}
}
END_TEST

START_TEST(test_held_packets_come_first_with_their_verdicts)
{
	size_t i;

	/*
	 * Zero UDP checksums are weak evidence: the SA stays undecided for
	 * detect/'s decide_pkts (3) packets, which it holds, then releases
	 * when the third decides it null.
	 */
	run_null(0x4444, 1, 17, 23, true);
	ck_assert_int_eq(last()->action, PKT_UNDECIDED);
	run_null(0x4444, 2, 17, 53, true);
	ck_assert_int_eq(last()->action, PKT_UNDECIDED);
	got.n = 0;
	run_null(0x4444, 3, 17, 23, true);
	ck_assert_uint_eq(got.n, 3);
	for (i = 0; i < 2; i++) {
		ck_assert(got.v[i].released);
		ck_assert_uint_eq(got.v[i].num, i + 1);
		ck_assert_uint_eq(got.v[i].sa_id, got.v[2].sa_id);
	}
	ck_assert_int_eq(got.v[0].action, PKT_DROP);	/* UDP to 23 */
	ck_assert_int_eq(got.v[1].action, PKT_ACCEPT);	/* UDP to 53 */
	ck_assert_int_eq(last()->action, PKT_DROP);
}
END_TEST

START_TEST(test_app_condition_waits_for_ndpi)
{
	uint32_t seq;
	bool dropped = false;

	/*
	 * "app: Unknown" means nDPI gave up: not the first packets of a flow
	 * it is still looking at.  It gives up on UDP after 24 packets.
	 */
	run_null(0x5555, 1, 17, 9999, false);
	ck_assert_int_eq(last()->action, PKT_ACCEPT);
	for (seq = 2; seq <= 40 && !dropped; seq++) {
		run_null(0x5555, seq, 17, 9999, false);
		dropped = last()->action == PKT_DROP;
		ck_assert_msg(dropped || seq < 30, "not dropped at %u", seq);
	}
	ck_assert_msg(dropped, "nDPI never gave up on the flow");
	ck_assert_uint_ge(seq, 10);
}
END_TEST

START_TEST(test_fill_reaches_the_stats)
{
	run_null(0x1111, 1, 6, 80, false);
	pipeline_finish(pl);
	ck_assert_int_eq(got.fills, 1);
	ck_assert(pipeline_stats(pl)->nfq_on);
	ck_assert_uint_eq(pipeline_stats(pl)->nfq_dropped, 42);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("inline");
	TCase *tc = tcase_create("verdicts");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_not_esp_is_accepted);
	tcase_add_test(tc, test_drop_rule_on_inner_port);
	tcase_add_test(tc, test_undecided_then_sa_rule);
	tcase_add_test(tc, test_held_packets_come_first_with_their_verdicts);
	tcase_add_test(tc, test_app_condition_waits_for_ndpi);
	tcase_add_test(tc, test_fill_reaches_the_stats);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
