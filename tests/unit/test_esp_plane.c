/*
 * test_esp_plane.c - the data plane without devices: two planes wired
 * back to back through env.send_udp / esp_plane_udp_input, inner packets
 * in with esp_plane_inner_output and out through env.inner_input.
 * Selector lookup (newest SA wins during a rekey overlap), the inbound
 * selector check (RFC 4301 5.2), UDP 4500 demultiplexing, lifetime
 * events reaching the owner, removal; and the traffic selector range
 * to route prefixes split of esp_tun.c.
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "esp/esp_plane.h"
#include "esp/esp_tun.h"

struct side {
	struct esp_plane *plane;
	struct side	*peer;
	uint8_t		 got[2048];
	size_t		 got_len;
	int		 n_got;
	uint32_t	 ev_spi, ev;
	bool		 drop_on_hard;
};

static int
wire_send(void *arg, const struct ike_addr *local,
    const struct ike_addr *remote, const uint8_t *buf, size_t len)
{
	struct side	*s = arg;

	(void)local;
	(void)remote;
	esp_plane_udp_input(s->peer->plane, remote, local, buf, len);
	return (0);
}

static void
got_inner(void *arg, const uint8_t *pkt, size_t len)
{
	struct side	*s = arg;

	memcpy(s->got, pkt, len);
	s->got_len = len;
	s->n_got++;
}

static void
on_event(void *arg, uint32_t spi, uint32_t ev)
{
	struct side	*s = arg;

	s->ev_spi = spi;
	s->ev |= ev;
	if ((ev & ESP_EV_HARD) && s->drop_on_hard)
		esp_plane_child_down(s->plane, spi);	/* re-entry is fine */
}

static void
ts4(struct ike_ts *ts, const char *a, const char *b)
{
	memset(ts, 0, sizeof(*ts));
	ts->type = IKE_TS_IPV4_ADDR_RANGE;
	ts->end_port = 0xffff;
	memcpy(ts->start, a, 4);
	memcpy(ts->end, b, 4);
}

static struct ike_child_keys keys;

static void
child(struct ike_child_info *ci, bool initiator, uint32_t in, uint32_t out)
{
	int	 i;

	memset(&keys, 0, sizeof(keys));
	keys.encr_len = 20;
	for (i = 0; i < 20; i++) {
		keys.ei[i] = (uint8_t)i;
		keys.er[i] = (uint8_t)(100 + i);
	}
	memset(ci, 0, sizeof(*ci));
	ci->spi_in = in;
	ci->spi_out = out;
	ci->initiator = initiator;
	ci->suite.encr = IKE_ENCR_AES_GCM_16;
	ci->suite.encr_keybits = 128;
	ci->keys = &keys;
	ci->encap = true;
	ci->local.ip.family = ci->remote.ip.family = 4;
	ci->local.port = ci->remote.port = 4500;
	/* A: 10.1.0.0/24, B: 10.2.0.0/24 */
	ts4(&ci->ts_local[0], initiator ? "\x0a\x01\x00\x00" : "\x0a\x02\x00\x00",
	    initiator ? "\x0a\x01\x00\xff" : "\x0a\x02\x00\xff");
	ts4(&ci->ts_remote[0], initiator ? "\x0a\x02\x00\x00" : "\x0a\x01\x00\x00",
	    initiator ? "\x0a\x02\x00\xff" : "\x0a\x01\x00\xff");
	ci->n_ts_local = ci->n_ts_remote = 1;
}

static size_t
pkt4(uint8_t *b, const char *src, const char *dst)
{
	memset(b, 0, 60);
	b[0] = 0x45;
	b[3] = 60;
	b[9] = 17;
	memcpy(b + 12, src, 4);
	memcpy(b + 16, dst, 4);
	b[20] = 0x13;	/* ports 5000 -> 5001 */
	b[21] = 0x88;
	b[22] = 0x13;
	b[23] = 0x89;
	return (60);
}

static void
setup(struct side *a, struct side *b, const struct esp_limits *lim)
{
	struct esp_plane_config cfg;
	struct esp_plane_env env;
	char		 err[128];

	memset(a, 0, sizeof(*a));
	memset(b, 0, sizeof(*b));
	a->peer = b;
	b->peer = a;
	memset(&cfg, 0, sizeof(cfg));
	cfg.max_sas = 4;
	if (lim != NULL)
		cfg.limits = *lim;
	memset(&env, 0, sizeof(env));
	env.send_udp = wire_send;
	env.inner_input = got_inner;
	env.event = on_event;
	env.arg = a;
	a->plane = esp_plane_new(&cfg, &env, err, sizeof(err));
	env.arg = b;
	b->plane = esp_plane_new(&cfg, &env, err, sizeof(err));
	ck_assert_ptr_nonnull(a->plane);
	ck_assert_ptr_nonnull(b->plane);
}

START_TEST(test_plane_flow)
{
	struct side	 a, b;
	struct ike_child_info ci;
	uint8_t		 p[64];
	char		 err[128];
	size_t		 n;

	setup(&a, &b, NULL);
	child(&ci, true, 0xa0000001, 0xb0000001);
	ck_assert_int_eq(esp_plane_child_up(a.plane, &ci, err, sizeof(err)), 0);
	/* The same SPI twice is refused. */
	ck_assert_int_eq(esp_plane_child_up(a.plane, &ci, err, sizeof(err)),
	    -1);
	child(&ci, false, 0xb0000001, 0xa0000001);
	ck_assert_int_eq(esp_plane_child_up(b.plane, &ci, err, sizeof(err)), 0);

	n = pkt4(p, "\x0a\x01\x00\x05", "\x0a\x02\x00\x07");
	esp_plane_inner_output(a.plane, p, n);
	ck_assert_int_eq(b.n_got, 1);
	ck_assert_mem_eq(b.got, p, n);
	n = pkt4(p, "\x0a\x02\x00\x07", "\x0a\x01\x00\x05");
	esp_plane_inner_output(b.plane, p, n);
	ck_assert_int_eq(a.n_got, 1);

	/* Outside every selector: not sent. */
	n = pkt4(p, "\x0a\x01\x00\x05", "\x0a\x03\x00\x07");
	esp_plane_inner_output(a.plane, p, n);
	ck_assert_uint_eq(esp_plane_stats(a.plane)->no_sa_out, 1);
	ck_assert_int_eq(b.n_got, 1);

	/* IKE and keepalives on 4500 are not the plane's. */
	esp_plane_udp_input(b.plane, NULL, NULL, (const uint8_t *)"\0\0\0\0x",
	    5);
	esp_plane_udp_input(b.plane, NULL, NULL, (const uint8_t *)"\xff", 1);
	ck_assert_uint_eq(esp_plane_stats(b.plane)->not_esp, 2);
	esp_plane_udp_input(b.plane, NULL, NULL,
	    (const uint8_t *)"\x12\x34\x56\x78\0\0\0\1", 8);
	ck_assert_uint_eq(esp_plane_stats(b.plane)->no_sa_in, 1);

	ck_assert_ptr_nonnull(esp_plane_sa(b.plane, 0xb0000001));
	esp_plane_child_down(b.plane, 0xb0000001);
	ck_assert_ptr_null(esp_plane_sa(b.plane, 0xb0000001));
	n = pkt4(p, "\x0a\x01\x00\x05", "\x0a\x02\x00\x07");
	esp_plane_inner_output(a.plane, p, n);
	ck_assert_int_eq(b.n_got, 1);		/* no SA there any more */
	ck_assert_uint_eq(esp_plane_stats(b.plane)->no_sa_in, 2);
	esp_plane_free(a.plane);
	esp_plane_free(b.plane);
}
END_TEST

/* B's SA claims 10.1/24 as its remote selector; a packet from A's SA
 * with a source outside it (a peer injecting for another network) is
 * decapsulated but dropped (RFC 4301 5.2). */
START_TEST(test_plane_inbound_policy)
{
	struct side	 a, b;
	struct ike_child_info ci;
	uint8_t		 p[64];
	char		 err[128];

	setup(&a, &b, NULL);
	child(&ci, true, 0xa0000001, 0xb0000001);
	ts4(&ci.ts_local[0], "\x00\x00\x00\x00", "\xff\xff\xff\xff");
	ck_assert_int_eq(esp_plane_child_up(a.plane, &ci, err, sizeof(err)), 0);
	child(&ci, false, 0xb0000001, 0xa0000001);
	ck_assert_int_eq(esp_plane_child_up(b.plane, &ci, err, sizeof(err)), 0);
	esp_plane_inner_output(a.plane, p, pkt4(p, "\x0a\x09\x00\x05",
	    "\x0a\x02\x00\x07"));
	ck_assert_int_eq(b.n_got, 0);
	ck_assert_uint_eq(esp_plane_stats(b.plane)->policy_in, 1);
	esp_plane_free(a.plane);
	esp_plane_free(b.plane);
}
END_TEST

/* Rekey overlap: the newer SA carries the traffic; the owner hears of
 * the soft and hard limits and may delete from inside the callback. */
START_TEST(test_plane_rekey_and_events)
{
	struct esp_limits lim = { .soft = { .packets = 2 },
	    .hard = { .packets = 3 } };
	struct side	 a, b;
	struct ike_child_info ci;
	uint8_t		 p[64];
	char		 err[128];
	int		 i;

	setup(&a, &b, &lim);
	a.drop_on_hard = true;
	child(&ci, true, 0xa0000001, 0xb0000001);
	ck_assert_int_eq(esp_plane_child_up(a.plane, &ci, err, sizeof(err)), 0);
	child(&ci, false, 0xb0000001, 0xa0000001);
	ck_assert_int_eq(esp_plane_child_up(b.plane, &ci, err, sizeof(err)), 0);
	for (i = 0; i < 2; i++)
		esp_plane_inner_output(a.plane, p, pkt4(p, "\x0a\x01\x00\x05",
		    "\x0a\x02\x00\x07"));
	ck_assert_uint_eq(a.ev, ESP_EV_SOFT);
	ck_assert_uint_eq(a.ev_spi, 0xa0000001);
	/* The rekeyed pair comes up; traffic moves to it. */
	child(&ci, true, 0xa0000002, 0xb0000002);
	ck_assert_int_eq(esp_plane_child_up(a.plane, &ci, err, sizeof(err)), 0);
	child(&ci, false, 0xb0000002, 0xa0000002);
	ck_assert_int_eq(esp_plane_child_up(b.plane, &ci, err, sizeof(err)), 0);
	esp_plane_inner_output(a.plane, p, pkt4(p, "\x0a\x01\x00\x05",
	    "\x0a\x02\x00\x07"));
	ck_assert_uint_eq(esp_plane_sa(b.plane, 0xb0000002)->stats.in_packets,
	    1);
	ck_assert_uint_eq(esp_plane_sa(b.plane, 0xb0000001)->stats.in_packets,
	    2);
	/* B got all three; now A loses the new SA and the old one
	 * runs into its hard limit (3 packets): the owner deletes it. */
	ck_assert_int_eq(b.n_got, 3);
	esp_plane_child_down(a.plane, 0xa0000002);
	a.ev = 0;
	esp_plane_inner_output(a.plane, p, pkt4(p, "\x0a\x01\x00\x05",
	    "\x0a\x02\x00\x07"));
	esp_plane_inner_output(a.plane, p, pkt4(p, "\x0a\x01\x00\x05",
	    "\x0a\x02\x00\x07"));
	ck_assert(a.ev & ESP_EV_HARD);
	ck_assert_ptr_null(esp_plane_sa(a.plane, 0xa0000001));	/* deleted */
	esp_plane_free(a.plane);
	esp_plane_free(b.plane);
}
END_TEST

/* The side that answered a rekey keeps sending on the old SA until the
 * peer shows it has the new one: a packet on it, or the old SA's
 * deletion (strongSwan's libipsec drops ESP for an SA it has not
 * installed yet). */
START_TEST(test_plane_rekey_responder_waits)
{
	struct side	 a, b;
	struct ike_child_info ci;
	uint8_t		 p[64];
	char		 err[128];

	setup(&a, &b, NULL);
	child(&ci, true, 0xa0000001, 0xb0000001);
	ck_assert_int_eq(esp_plane_child_up(a.plane, &ci, err, sizeof(err)), 0);
	child(&ci, false, 0xb0000001, 0xa0000001);
	ck_assert_int_eq(esp_plane_child_up(b.plane, &ci, err, sizeof(err)), 0);
	/* A rekeys: B (responder) installs first, A after B's answer. */
	child(&ci, false, 0xb0000002, 0xa0000002);
	ck_assert_int_eq(esp_plane_child_up(b.plane, &ci, err, sizeof(err)), 0);
	esp_plane_inner_output(b.plane, p, pkt4(p, "\x0a\x02\x00\x07",
	    "\x0a\x01\x00\x05"));
	/* A has no SA 0xa0000002 yet: B used the old one. */
	ck_assert_uint_eq(esp_plane_stats(a.plane)->no_sa_in, 0);
	ck_assert_uint_eq(esp_plane_sa(a.plane, 0xa0000001)->stats.in_packets,
	    1);
	child(&ci, true, 0xa0000002, 0xb0000002);
	ck_assert_int_eq(esp_plane_child_up(a.plane, &ci, err, sizeof(err)), 0);
	/* The initiator sends on the new SA at once ... */
	esp_plane_inner_output(a.plane, p, pkt4(p, "\x0a\x01\x00\x05",
	    "\x0a\x02\x00\x07"));
	ck_assert_uint_eq(esp_plane_sa(b.plane, 0xb0000002)->stats.in_packets,
	    1);
	/* ... which tells B it may too. */
	esp_plane_inner_output(b.plane, p, pkt4(p, "\x0a\x02\x00\x07",
	    "\x0a\x01\x00\x05"));
	ck_assert_uint_eq(esp_plane_sa(a.plane, 0xa0000002)->stats.in_packets,
	    1);
	ck_assert_uint_eq(esp_plane_sa(a.plane, 0xa0000001)->stats.in_packets,
	    1);
	esp_plane_child_down(b.plane, 0xb0000001);	/* A's Delete */
	esp_plane_child_down(a.plane, 0xa0000001);
	/* Next rekey, no traffic from A on it: the old SA's deletion
	 * moves B over. */
	child(&ci, false, 0xb0000003, 0xa0000003);
	ck_assert_int_eq(esp_plane_child_up(b.plane, &ci, err, sizeof(err)), 0);
	child(&ci, true, 0xa0000003, 0xb0000003);
	ck_assert_int_eq(esp_plane_child_up(a.plane, &ci, err, sizeof(err)), 0);
	esp_plane_inner_output(b.plane, p, pkt4(p, "\x0a\x02\x00\x07",
	    "\x0a\x01\x00\x05"));
	ck_assert_uint_eq(esp_plane_sa(a.plane, 0xa0000002)->stats.in_packets,
	    2);
	esp_plane_child_down(b.plane, 0xb0000002);
	esp_plane_child_down(a.plane, 0xa0000002);
	esp_plane_inner_output(b.plane, p, pkt4(p, "\x0a\x02\x00\x07",
	    "\x0a\x01\x00\x05"));
	ck_assert_uint_eq(esp_plane_sa(a.plane, 0xa0000003)->stats.in_packets,
	    1);
	ck_assert_uint_eq(esp_plane_stats(a.plane)->no_sa_in, 0);
	esp_plane_free(a.plane);
	esp_plane_free(b.plane);
}
END_TEST

START_TEST(test_status_json)
{
	struct side	 a, b;
	struct ike_child_info ci;
	char		 err[128], buf[2048];
	size_t		 n;

	setup(&a, &b, NULL);
	child(&ci, true, 0xa0000001, 0xb0000001);
	ck_assert_int_eq(esp_plane_child_up(a.plane, &ci, err, sizeof(err)), 0);
	n = esp_plane_status_json(a.plane, buf, sizeof(buf));
	ck_assert_uint_gt(n, 0);
	ck_assert_ptr_nonnull(strstr(buf, "\"spi_in\":\"a0000001\""));
	ck_assert_ptr_nonnull(strstr(buf, "\"esp_plane\""));
	ck_assert_uint_lt(esp_plane_status_json(a.plane, buf, 40), 40);
	esp_plane_free(a.plane);
	esp_plane_free(b.plane);
}
END_TEST

START_TEST(test_range_prefixes)
{
	uint8_t		 pfx[64][16], plen[64];
	size_t		 n;

	/* a whole prefix */
	n = esp_range_prefixes((const uint8_t *)"\x0a\x01\x00\x00",
	    (const uint8_t *)"\x0a\x01\x00\xff", 4, pfx, plen, 64);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(plen[0], 24);
	/* everything */
	n = esp_range_prefixes((const uint8_t *)"\0\0\0\0",
	    (const uint8_t *)"\xff\xff\xff\xff", 4, pfx, plen, 64);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(plen[0], 0);
	/* 10.0.0.1 - 10.0.0.9: /32 /31 /30 /31(8-9) */
	n = esp_range_prefixes((const uint8_t *)"\x0a\0\0\x01",
	    (const uint8_t *)"\x0a\0\0\x09", 4, pfx, plen, 64);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(plen[0], 32);
	ck_assert_uint_eq(pfx[1][3], 2);
	ck_assert_uint_eq(plen[1], 31);
	ck_assert_uint_eq(pfx[2][3], 4);
	ck_assert_uint_eq(plen[2], 30);
	ck_assert_uint_eq(pfx[3][3], 8);
	ck_assert_uint_eq(plen[3], 31);
	/* one address, IPv6 ::/0 */
	n = esp_range_prefixes((const uint8_t *)"\x0a\0\0\x09",
	    (const uint8_t *)"\x0a\0\0\x09", 4, pfx, plen, 64);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(plen[0], 32);
	{
		uint8_t lo[16], hi[16];

		memset(lo, 0, 16);
		memset(hi, 0xff, 16);
		ck_assert_uint_eq(esp_range_prefixes(lo, hi, 16, pfx, plen, 64),
		    1);
		ck_assert_uint_eq(plen[0], 0);
		hi[0] = 0x7f;		/* ::-7fff:..: one /1 */
		ck_assert_uint_eq(esp_range_prefixes(lo, hi, 16, pfx, plen, 64),
		    1);
		ck_assert_uint_eq(plen[0], 1);
	}
	/* reversed: none */
	ck_assert_uint_eq(esp_range_prefixes((const uint8_t *)"\x0a\0\0\x09",
	    (const uint8_t *)"\x0a\0\0\x01", 4, pfx, plen, 64), 0);
	/* 0.0.0.1 - 255.255.255.254: 62 prefixes, counted past max */
	ck_assert_uint_eq(esp_range_prefixes((const uint8_t *)"\0\0\0\1",
	    (const uint8_t *)"\xff\xff\xff\xfe", 4, pfx, plen, 8), 62);
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("esp_plane");
	TCase	*tc = tcase_create("plane");

	tcase_add_test(tc, test_plane_flow);
	tcase_add_test(tc, test_plane_inbound_policy);
	tcase_add_test(tc, test_plane_rekey_and_events);
	tcase_add_test(tc, test_plane_rekey_responder_waits);
	tcase_add_test(tc, test_status_json);
	tcase_add_test(tc, test_range_prefixes);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
