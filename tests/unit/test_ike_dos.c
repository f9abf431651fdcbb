/*
 * test_ike_dos.c - a responder under a flood of IKE_SA_INIT requests
 * (RFC 7296 2.6), in process with a fake clock: past cookie_threshold
 * half-open SAs a request without the right cookie gets a COOKIE answer
 * and nothing is allocated for it (no SA slot, no malloc), a wrong
 * cookie neither; the right one is accepted up to half_open_max, then
 * the cap drops it, still without allocating; the cookie secret
 * changes every 60 s and the last one still counts; per-request log
 * lines are limited to one a second.
 *
 * Allocations are counted by wrapping malloc, calloc and realloc at
 * link time (the Makefile links this program with -Wl,--wrap=...): that
 * sees every allocation of the endpoint's own code, not those inside
 * libcrypto, which the in-use byte count of mallinfo2() covers (plain
 * build; ASan keeps its own heap).
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "ike/ike.h"
#include "ike/ike_config.h"
#include "ike/ike_int.h"
#include "ike/ike_proposal.h"

void	*__real_malloc(size_t);
void	*__real_calloc(size_t, size_t);
void	*__real_realloc(void *, size_t);
void	*__wrap_malloc(size_t);
void	*__wrap_calloc(size_t, size_t);
void	*__wrap_realloc(void *, size_t);

/* Allocations while the endpoint handles a request (Check allocates
 * in its own asserts). */
static unsigned long allocs;
static bool counting;

void *
__wrap_malloc(size_t n)
{
	allocs += counting;
	return (__real_malloc(n));
}

void *
__wrap_calloc(size_t n, size_t size)
{
	allocs += counting;
	return (__real_calloc(n, size));
}

void *
__wrap_realloc(void *p, size_t n)
{
	allocs += counting;
	return (__real_realloc(p, n));
}

static struct ike_endpoint *ep;
static uint64_t now_ms;
static unsigned sends, log_lines;
static uint8_t last[IKE_MSG_MAX + 4];
static size_t last_len;
static char last_log[512];
static struct ike_addr local;
static struct ike_proposal props[IKE_PROPOSALS_MAX];
static size_t n_props;

static uint64_t
fake_now(void *arg)
{
	(void)arg;
	return (now_ms);
}

static int
fake_send(void *arg, const struct ike_addr *from, const struct ike_addr *to,
    const uint8_t *buf, size_t len)
{
	(void)arg;
	(void)from;
	(void)to;
	memcpy(last, buf, len);
	last_len = len;
	sends++;
	return (0);
}

static void
on_log(void *arg, int level, const char *line)
{
	(void)arg;
	(void)level;
	log_lines++;
	snprintf(last_log, sizeof(last_log), "%s", line);
}

/* A responder for any address: cookies past `threshold` half-open SAs,
 * at most `cap`. */
static void
setup(uint32_t threshold, uint32_t cap, bool remote_any)
{
	static struct ike_config cfg;
	struct ike_peer_config *p;
	struct ike_env env;
	char err[128];

	ike_config_defaults(&cfg);
	cfg.n_listen = 0;
	cfg.cookie_threshold = threshold;
	cfg.half_open_max = cap;
	p = &cfg.peers[cfg.n_peers++];
	ike_peer_defaults(p);
	snprintf(p->name, sizeof(p->name), "any");
	ck_assert_int_eq(ike_addr_parse("10.99.0.2", 500, &p->local), 0);
	if (!remote_any)
		ck_assert_int_eq(ike_addr_parse("10.99.0.1", 500,
		    &p->remote), 0);
	memcpy(p->psk, "flood-psk-0123456789", 20);
	p->psk_len = 20;
	ck_assert_int_eq(ike_id_parse("B.ss.test", &p->local_id), 0);
	ck_assert_int_eq(ike_id_parse("A.ss.test", &p->remote_id), 0);
	ck_assert_msg(ike_proposals_parse("aes128-sha256-modp2048",
	    IKE_PROTO_IKE, p->ike_props, IKE_PROPOSALS_MAX, &p->n_ike_props,
	    err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(ike_proposals_parse("null-sha256", IKE_PROTO_ESP,
	    p->esp_props, IKE_PROPOSALS_MAX, &p->n_esp_props, err,
	    sizeof(err)), 0);
	memcpy(props, p->ike_props, sizeof(props));
	n_props = p->n_ike_props;
	ck_assert_int_eq(ike_ts_parse("10.200.2.0/24", &p->local_ts[0]), 0);
	p->n_local_ts = 1;
	ck_assert_int_eq(ike_ts_parse("10.200.1.0/24", &p->remote_ts[0]), 0);
	p->n_remote_ts = 1;
	memset(&env, 0, sizeof(env));
	env.now_ms = fake_now;
	env.send = fake_send;
	env.log = on_log;
	now_ms = 1000000;
	sends = log_lines = 0;
	ck_assert_ptr_nonnull(ep = ike_endpoint_new(&cfg, &env));
	ck_assert_int_eq(ike_addr_parse("10.99.0.2", 500, &local), 0);
}

static void
teardown(void)
{
	ike_endpoint_free(ep);
	ep = NULL;
}

/* 10.80.x.y, port 500: one of the flood's forged sources. */
static struct ike_addr
source(unsigned n)
{
	struct ike_addr a;
	char text[32];

	snprintf(text, sizeof(text), "10.80.%u.%u", (n >> 7) & 0xff,
	    (n & 0x7f) << 1 | 1);
	ck_assert_int_eq(ike_addr_parse(text, 500, &a), 0);
	return (a);
}

/* An IKE_SA_INIT request as an initiator sends it: MODP-2048 with the
 * public value 4 (valid: 1 < y < p - 1), a nonce made from the SPI. */
static size_t
request(uint8_t *buf, uint64_t spi, const uint8_t *cookie,
    size_t cookie_len)
{
	uint8_t ke[256], nonce[32];
	struct ike_writer w;
	struct ike_hdr h;
	size_t len, i;

	memset(ke, 0, sizeof(ke));
	ke[sizeof(ke) - 1] = 4;
	for (i = 0; i < sizeof(nonce); i++)
		nonce[i] = (uint8_t)(spi >> (8 * (i % 8))) ^ (uint8_t)i;
	memset(&h, 0, sizeof(h));
	h.spi_i = spi;
	h.version = IKE_VERSION;
	h.exchange = IKE_X_SA_INIT;
	h.flags = IKE_FLAG_INITIATOR;
	ike_writer_init(&w, buf, IKE_MSG_MAX, &h);
	if (cookie != NULL)
		ike_msg_add_notify(&w, 0, IKE_N_COOKIE, NULL, 0, cookie,
		    cookie_len);
	ike_msg_add_sa(&w, props, n_props);
	ike_msg_add_ke(&w, 14, ke, sizeof(ke));
	ike_msg_add_nonce(&w, nonce, sizeof(nonce));
	ck_assert_int_eq(ike_msg_finish(&w, &len), 0);
	return (len);
}

/* Sends one request; returns the number of answers (0 or 1). */
static unsigned
send_request(unsigned from, uint64_t spi, const uint8_t *cookie,
    size_t cookie_len)
{
	static uint8_t buf[IKE_MSG_MAX];
	struct ike_addr remote = source(from);
	unsigned before = sends;
	size_t len;

	len = request(buf, spi, cookie, cookie_len);
	counting = true;
	ike_endpoint_input(ep, &local, &remote, buf, len);
	counting = false;
	return (sends - before);
}

/* The last answer's COOKIE notify into cookie; false when it had none. */
static bool
answer_cookie(uint8_t cookie[IKE_COOKIE_LEN])
{
	static struct ike_msg msg;
	const struct ike_notify *n;
	uint8_t bad;

	ck_assert_int_eq(ike_msg_decode(last, last_len, &msg, &bad), 0);
	if ((n = ike_msg_notify(&msg, IKE_N_COOKIE)) == NULL)
		return (false);
	ck_assert_uint_eq(n->data.len, IKE_COOKIE_LEN);
	memcpy(cookie, n->data.ptr, IKE_COOKIE_LEN);
	return (true);
}

static struct ike_init_stats
stats(void)
{
	struct ike_init_stats st;

	ike_endpoint_init_stats(ep, &st);
	return (st);
}

static size_t
slots_used(void)
{
	size_t i, n = 0;

	for (i = 0; i < IKE_SA_MAX; i++)
		if (ep->sa[i] != NULL)
			n++;
	return (n);
}

START_TEST(test_flood_no_alloc)
{
	uint8_t cookie[IKE_COOKIE_LEN], wrong[IKE_COOKIE_LEN];
	struct ike_init_stats st;
	unsigned long a0;
	size_t heap0;
	unsigned i;

	setup(2, 4, true);
	/* Two requests before the threshold: two half-open SAs. */
	for (i = 0; i < 2; i++) {
		ck_assert_uint_eq(send_request(i, 0x1000 + i, NULL, 0), 1);
		ck_assert(!answer_cookie(cookie));
	}
	ck_assert_uint_eq(slots_used(), 2);

	/* A flood from 1000 forged sources: a COOKIE each, nothing kept.
	 * The first round warms up libcrypto's lazy tables. */
	ck_assert_uint_eq(send_request(999, 0x5000, NULL, 0), 1);
	a0 = allocs;
	heap0 = mallinfo2().uordblks;
	for (i = 0; i < 1000; i++) {
		ck_assert_uint_eq(send_request(100 + i, 0x10000 + i, NULL, 0),
		    1);
		ck_assert(answer_cookie(cookie));
	}
	ck_assert_uint_eq(allocs, a0);
	ck_assert_uint_eq(mallinfo2().uordblks, heap0);
	ck_assert_uint_eq(slots_used(), 2);

	/* The same with cookies that are not ours: the right length and
	 * version but other bytes, and a short one. */
	memcpy(wrong, cookie, sizeof(wrong));
	for (i = 0; i < 1000; i++) {
		wrong[10] = (uint8_t)i;
		wrong[11] = (uint8_t)(i >> 8) ^ 0x5a;
		ck_assert_uint_eq(send_request(100 + i, 0x20000 + i, wrong,
		    i % 2 == 0 ? sizeof(wrong) : 8), 1);
		ck_assert(answer_cookie(cookie));
	}
	ck_assert_uint_eq(allocs, a0);
	ck_assert_uint_eq(mallinfo2().uordblks, heap0);
	ck_assert_uint_eq(slots_used(), 2);
	st = stats();
	ck_assert_uint_eq(st.cookies_sent, 2001);
	ck_assert_uint_eq(st.cookie_bad, 1000);
	ck_assert_uint_eq(st.cookie_ok, 0);
	ck_assert_uint_eq(st.half_open, 2);
	ck_assert_uint_eq(st.half_open_peak, 2);

	/* A source that sends the cookie back is answered, up to the cap
	 * of 4 half-open SAs (and that allocates: the counter works). */
	a0 = allocs;
	for (i = 0; i < 2; i++) {
		ck_assert_uint_eq(send_request(7 + i, 0x7000 + i, NULL, 0), 1);
		ck_assert(answer_cookie(cookie));
		ck_assert_uint_eq(send_request(7 + i, 0x7000 + i, cookie,
		    sizeof(cookie)), 1);
		ck_assert(!answer_cookie(cookie));
	}
	ck_assert_uint_eq(slots_used(), 4);
	ck_assert_uint_gt(allocs, a0);
	/* Past the cap even the right cookie gets nothing, and nothing is
	 * allocated. */
	ck_assert_uint_eq(send_request(9, 0x9000, NULL, 0), 1);
	ck_assert(answer_cookie(cookie));
	a0 = allocs;
	heap0 = mallinfo2().uordblks;
	for (i = 0; i < 100; i++)
		ck_assert_uint_eq(send_request(9, 0x9000, cookie,
		    sizeof(cookie)), 0);
	ck_assert_uint_eq(allocs, a0);
	ck_assert_uint_eq(mallinfo2().uordblks, heap0);
	ck_assert_uint_eq(slots_used(), 4);
	st = stats();
	ck_assert_uint_eq(st.cookie_ok, 102);
	ck_assert_uint_eq(st.half_open_dropped, 100);
	ck_assert_uint_eq(st.half_open, 4);
	ck_assert_uint_eq(st.half_open_peak, 4);
	ck_assert_uint_eq(st.init_requests, 2 + 1 + 2000 + 4 + 1 + 100);

	/* Half-open SAs time out (30 s); the counters stay. */
	now_ms += 31000;
	ike_endpoint_tick(ep, now_ms);
	st = stats();
	ck_assert_uint_eq(st.half_open, 0);
	ck_assert_uint_eq(st.half_open_peak, 4);
	teardown();
}
END_TEST

/* 2.6: the secret changes every 60 s; a cookie made with the last one
 * is still accepted, one from two secrets ago is not. */
START_TEST(test_cookie_secret_rotation)
{
	uint8_t c1[IKE_COOKIE_LEN], c2[IKE_COOKIE_LEN];
	struct ike_init_stats st;

	setup(1, 10, true);
	ck_assert_uint_eq(send_request(1, 0x100, NULL, 0), 1);	/* half-open */
	ck_assert_uint_eq(send_request(2, 0x200, NULL, 0), 1);
	ck_assert(answer_cookie(c1));
	now_ms += 61000;
	ck_assert_uint_eq(send_request(3, 0x300, NULL, 0), 1);
	ck_assert(answer_cookie(c2));
	ck_assert_mem_ne(c1, c2, 4);		/* a new version */
	ck_assert_uint_eq(send_request(2, 0x200, c1, sizeof(c1)), 1);
	ck_assert(!answer_cookie(c1));		/* accepted: an SA */
	st = stats();
	ck_assert_uint_eq(st.cookie_ok, 1);
	ck_assert_uint_eq(st.cookie_secrets, 2);
	/* Two periods later c2 is from two secrets ago. */
	now_ms += 121000;
	ck_assert_uint_eq(send_request(3, 0x300, c2, sizeof(c2)), 1);
	ck_assert(answer_cookie(c1));
	ck_assert_mem_ne(c1, c2, IKE_COOKIE_LEN);
	st = stats();
	ck_assert_uint_eq(st.cookie_ok, 1);
	ck_assert_uint_eq(st.cookie_bad, 1);
	/* The new one works. */
	ck_assert_uint_eq(send_request(3, 0x300, c1, sizeof(c1)), 1);
	ck_assert(!answer_cookie(c2));
	ck_assert_uint_eq(stats().cookie_ok, 2);
	teardown();
}
END_TEST

/* A flood must not become a log flood: one line a second, then one that
 * says how many were left out. */
START_TEST(test_log_rate)
{
	unsigned i;

	setup(10, 100, false);
	for (i = 0; i < 5000; i++) {
		if (i % 1000 == 999)
			now_ms += 300;
		ck_assert_uint_eq(send_request(100 + i, 0x100 + i, NULL, 0),
		    0);
	}
	ck_assert_uint_le(log_lines, 2);
	ck_assert_uint_eq(stats().unknown_peer, 5000);
	now_ms += 1000;
	ck_assert_uint_eq(send_request(1, 0x1, NULL, 0), 0);
	ck_assert_msg(strstr(last_log, "more IKE_SA_INIT events") != NULL,
	    "%s", last_log);
	teardown();
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("ike_dos");
	TCase *tc = tcase_create("flood");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_flood_no_alloc);
	tcase_add_test(tc, test_cookie_secret_rotation);
	tcase_add_test(tc, test_log_rate);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
