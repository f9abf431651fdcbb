/*
 * test_ike_sa.c - two IKEv2 endpoints in one process over a fake wire (a
 * queue) with a fake clock: IKE_SA_INIT + IKE_AUTH with PSK in both
 * directions, the INVALID_KE_PAYLOAD retry, NO_PROPOSAL_CHOSEN,
 * AUTHENTICATION_FAILED, lost and duplicated messages, retransmission
 * back-off and give-up, cookies, delete from either side.
 */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "ike/ike.h"
#include "ike/ike_config.h"
#include "ike/ike_int.h"
#include "ike/ike_proposal.h"

#define QMAX	64

struct pkt {
	struct ike_addr	from, to;
	uint8_t		buf[IKE_MSG_MAX + 4];
	size_t		len;
};

struct side {
	struct ike_endpoint	*ep;
	struct ike_addr		 addr;
	int			 ups, downs;
	struct ike_child_info	 last_up;
	uint8_t			 ei[IKE_ENCR_KEY_MAX], ai[IKE_INTEG_KEY_MAX];
	/* Every Child SA installed: SPI, who initiated, its ai key. */
	struct {
		uint32_t	 spi_in;
		bool		 initiator;
		uint8_t		 ai[IKE_INTEG_KEY_MAX];
	} up[16];
};

/* Nonce script: the n-th nonce drawn (by either end) after arming
 * starts with script[n], so a test decides which nonce is lowest. */
static uint8_t nonce_script[8];
static size_t n_script, script_at;

static int
fake_random(void *arg, void *buf, size_t len)
{
	(void)arg;
	if (ike_random(buf, len) != 0)
		return (-1);
	if (len == IKE_NONCE_LEN && script_at < n_script)
		((uint8_t *)buf)[0] = nonce_script[script_at++];
	return (0);
}

static struct pkt q[QMAX];
static size_t nq;
/* A NAT in front of A: A's packets leave from nat_ext (with A's port
 * shifted by 10000), and what comes back to it is mapped to A again. */
static bool nat_on;
static bool encap_a, encap_b;	/* the peers' encap: true */
static struct ike_addr nat_ext;
static unsigned keepalives;
static uint64_t now_ms;
static unsigned sent_total;
static bool verbose;

static uint64_t
fake_now(void *arg)
{
	(void)arg;
	return (now_ms);
}

static int
fake_send(void *arg, const struct ike_addr *local,
    const struct ike_addr *remote, const uint8_t *buf, size_t len)
{
	(void)arg;
	ck_assert_uint_lt(nq, QMAX);
	if (len == 1 && buf[0] == 0xff) {
		keepalives++;		/* NAT-T keepalive, RFC 3948 2.3 */
		return (0);
	}
	q[nq].from = *local;
	q[nq].to = *remote;
	memcpy(q[nq].buf, buf, len);
	q[nq].len = len;
	nq++;
	sent_total++;
	return (0);
}

static void
on_up(void *arg, const struct ike_child_info *ci)
{
	struct side *s = arg;

	if (s->ups < 16) {
		s->up[s->ups].spi_in = ci->spi_in;
		s->up[s->ups].initiator = ci->initiator;
		memcpy(s->up[s->ups].ai, ci->keys->ai, sizeof(s->ai));
	}
	s->ups++;
	s->last_up = *ci;
	s->last_up.keys = NULL;
	memcpy(s->ei, ci->keys->ei, sizeof(s->ei));
	memcpy(s->ai, ci->keys->ai, sizeof(s->ai));
}

static void
on_down(void *arg, const struct ike_child_info *ci)
{
	struct side *s = arg;

	(void)ci;
	s->downs++;
}

static void
on_log(void *arg, int level, const char *line)
{
	(void)arg;
	if (verbose || level == 0)
		fprintf(stderr, "  [%d] %s\n", level, line);
}

static struct side A, B;
static bool use_certs;		/* setup_pair: auth cert with the test CA */
static bool b_remote_any;	/* setup_pair: B answers any address */
static uint32_t b_half_open_max;	/* setup_pair: B's cap, 0: default */
static const char *wrong_ca;	/* B trusts this CA file instead */
/* setup_pair: fragment_size of A and B; 0 the default, FRAG_OFF none. */
#define FRAG_OFF	UINT32_MAX
static uint32_t frag_a, frag_b;

/* tests/unit/data/ike_certs from the source tree, or found from the
 * test binary, BUILD/tests/unit/test_ike_sa. */
static void
cert_path(char *buf, size_t cap, const char *name)
{
	static char dirbuf[PATH_MAX];
	char exe[PATH_MAX];
	ssize_t n;

	if (dirbuf[0] == '\0') {
		snprintf(dirbuf, sizeof(dirbuf), "tests/unit/data/ike_certs");
		if (access(dirbuf, R_OK) != 0 &&
		    (n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
			exe[n] = '\0';
			snprintf(dirbuf, sizeof(dirbuf),
			    "%.3900s/../../../tests/unit/data/ike_certs",
			    dirname(exe));
		}
	}
	if (strlen(dirbuf) + strlen(name) + 2 > cap)
		ck_abort_msg("path too long: %s", dirbuf);
	memcpy(buf, dirbuf, strlen(dirbuf));
	buf[strlen(dirbuf)] = '/';
	memcpy(buf + strlen(dirbuf) + 1, name, strlen(name) + 1);
}

static bool cert_dn_ids;	/* IDs are the subject DNs, remote any */

static void
cert_cfg(struct ike_config *c, const char *me, const char *them,
    const char *ca)
{
	struct ike_peer_config *p = &c->peers[0];
	char name[32];

	p->auth = IKE_AUTHK_CERT;
	snprintf(name, sizeof(name), "%s.crt", me);
	cert_path(p->cert_file, sizeof(p->cert_file), name);
	snprintf(name, sizeof(name), "%s.key", me);
	cert_path(p->key_file, sizeof(p->key_file), name);
	cert_path(p->ca_file, sizeof(p->ca_file), ca);
	memset(&p->local_id, 0, sizeof(p->local_id));	/* the cert's DN */
	memset(&p->remote_id, 0, sizeof(p->remote_id));
	if (cert_dn_ids)
		return;
	/* The FQDNs in the certificates' subjectAltName. */
	snprintf(name, sizeof(name), "%c.espvis.test", me[3]);
	ck_assert_int_eq(ike_id_parse(name, &p->local_id), 0);
	ck_assert_int_eq(ike_id_parse(them, &p->remote_id), 0);
}

static void
peer_cfg(struct ike_config *c, const char *name, const char *me,
    const char *them, const char *ike, const char *esp, const char *psk,
    const char *my_id, const char *their_id, const char *lts,
    const char *rts)
{
	struct ike_peer_config *p;
	char err[128];

	ike_config_defaults(c);
	c->n_listen = 0;
	c->cookie_threshold = 0;
	p = &c->peers[c->n_peers++];
	ike_peer_defaults(p);
	snprintf(p->name, sizeof(p->name), "%s", name);
	ck_assert_int_eq(ike_addr_parse(me, 0, &p->local), 0);
	ck_assert_int_eq(ike_addr_parse(them, 500, &p->remote), 0);
	p->local.port = 500;
	memcpy(p->psk, psk, strlen(psk));
	p->psk_len = strlen(psk);
	ck_assert_int_eq(ike_id_parse(my_id, &p->local_id), 0);
	ck_assert_int_eq(ike_id_parse(their_id, &p->remote_id), 0);
	ck_assert_msg(ike_proposals_parse(ike, IKE_PROTO_IKE, p->ike_props,
	    IKE_PROPOSALS_MAX, &p->n_ike_props, err, sizeof(err)) == 0, "%s",
	    err);
	ck_assert_msg(ike_proposals_parse(esp, IKE_PROTO_ESP, p->esp_props,
	    IKE_PROPOSALS_MAX, &p->n_esp_props, err, sizeof(err)) == 0, "%s",
	    err);
	ck_assert_int_eq(ike_ts_parse(lts, &p->local_ts[0]), 0);
	p->n_local_ts = 1;
	ck_assert_int_eq(ike_ts_parse(rts, &p->remote_ts[0]), 0);
	p->n_remote_ts = 1;
}

static void
setup_pair(const char *ike_a, const char *esp_a, const char *ike_b,
    const char *esp_b, const char *psk_b)
{
	static struct ike_config ca, cb;
	struct ike_env env;

	nq = 0;
	now_ms = 1000000;
	sent_total = 0;
	memset(&A, 0, sizeof(A));
	memset(&B, 0, sizeof(B));
	peer_cfg(&ca, "b", "10.99.0.1", "10.99.0.2", ike_a, esp_a,
	    "interop-psk-0123456789", "A.ss.test", "B.ss.test",
	    "10.200.1.0/24", "10.200.2.0/24");
	peer_cfg(&cb, "a", "10.99.0.2", "10.99.0.1", ike_b, esp_b, psk_b,
	    "B.ss.test", "A.ss.test", "10.200.2.0/24", "10.200.1.0/24");
	if (b_remote_any)
		memset(&cb.peers[0].remote, 0, sizeof(cb.peers[0].remote));
	ca.peers[0].encap = encap_a;
	cb.peers[0].encap = encap_b;
	if (b_half_open_max != 0)
		cb.half_open_max = b_half_open_max;
	if (frag_a != 0)
		ca.fragment_size = frag_a == FRAG_OFF ? 0 : frag_a;
	if (frag_b != 0)
		cb.fragment_size = frag_b == FRAG_OFF ? 0 : frag_b;
	if (use_certs) {
		cert_cfg(&ca, "sspA", "B.espvis.test", "ca.crt");
		cert_cfg(&cb, "sspB", "A.espvis.test", wrong_ca != NULL ?
		    wrong_ca : "ca.crt");
	}
	memset(&env, 0, sizeof(env));
	env.now_ms = fake_now;
	env.send = fake_send;
	env.child_up = on_up;
	env.child_down = on_down;
	env.log = on_log;
	env.random = fake_random;
	n_script = script_at = 0;
	env.arg = &A;
	ck_assert_ptr_nonnull(A.ep = ike_endpoint_new(&ca, &env));
	env.arg = &B;
	ck_assert_ptr_nonnull(B.ep = ike_endpoint_new(&cb, &env));
	ike_addr_parse("10.99.0.1", 500, &A.addr);
	ike_addr_parse("10.99.0.2", 500, &B.addr);
}

static void
teardown_pair(void)
{
	ike_endpoint_free(A.ep);
	ike_endpoint_free(B.ep);
	A.ep = B.ep = NULL;
}

static struct side *
side_of(const struct ike_addr *a)
{
	return (ipaddr_eq(&a->ip, &A.addr.ip) ? &A : &B);
}

/* Delivers queued packets (drop: skip the n-th delivered, dup: deliver
 * the n-th twice) until the wire is quiet; returns how many. */
static unsigned
pump(int drop, int dup)
{
	unsigned n = 0;

	while (nq > 0) {
		struct pkt p = q[0];
		int times = 1;

		memmove(q, q + 1, (nq - 1) * sizeof(q[0]));
		nq--;
		n++;
		if ((int)n == drop)
			continue;
		if ((int)n == dup)
			times = 2;
		if (nat_on && side_of(&p.from) == &A) {
			uint16_t port = p.from.port;

			p.from = nat_ext;
			p.from.port = (uint16_t)(port + 10000);
		} else if (nat_on && ipaddr_eq(&p.to.ip, &nat_ext.ip)) {
			uint16_t port = p.to.port;

			p.to = A.addr;
			p.to.port = (uint16_t)(port - 10000);
		}
		while (times-- > 0)
			ike_endpoint_input(side_of(&p.to)->ep, &p.to, &p.from,
			    p.buf, p.len);
	}
	return (n);
}

static void
snapshot(struct side *s, struct ike_sa_view *v, size_t *ni,
    struct ike_child_view *c, size_t *nc)
{
	ike_endpoint_snapshot(s->ep, v, 4, ni, c, 4, nc);
}

/* A Child SA rekey over what survived (the SA received with spi_in on
 * s): four messages, one Child SA on A afterwards with a new inbound
 * SPI, and the same keys on both sides. */
static void
assert_rekey_works(struct side *s, uint32_t spi_in)
{
	struct ike_sa_view v[4];
	struct ike_child_view c[4];
	size_t ni, nc;
	uint32_t before;

	snapshot(&A, v, &ni, c, &nc);
	ck_assert_uint_eq(nc, 1);
	before = c[0].spi_in;
	ck_assert_int_eq(ike_endpoint_rekey_child(s->ep, spi_in), 0);
	ck_assert_uint_eq(pump(0, 0), 4);
	snapshot(&A, v, &ni, c, &nc);
	ck_assert_uint_eq(nc, 1);
	ck_assert_uint_ne(c[0].spi_in, before);
	ck_assert_int_eq(memcmp(A.ai, B.ai, sizeof(A.ai)), 0);
}

static void
assert_up(const char *ike_alg, const char *esp_alg)
{
	struct ike_sa_view va[4], vb[4];
	struct ike_child_view ca[4], cb[4];
	size_t nia, nca, nib, ncb;

	snapshot(&A, va, &nia, ca, &nca);
	snapshot(&B, vb, &nib, cb, &ncb);
	ck_assert_uint_eq(nia, 1);
	ck_assert_uint_eq(nib, 1);
	ck_assert_str_eq(va[0].state, "ESTABLISHED");
	ck_assert_str_eq(vb[0].state, "ESTABLISHED");
	ck_assert_uint_eq(va[0].spi_i, vb[0].spi_i);
	ck_assert_uint_eq(va[0].spi_r, vb[0].spi_r);
	ck_assert_str_eq(va[0].alg, ike_alg);
	ck_assert_str_eq(vb[0].alg, ike_alg);
	ck_assert_uint_eq(nca, 1);
	ck_assert_uint_eq(ncb, 1);
	ck_assert_str_eq(ca[0].state, "INSTALLED");
	ck_assert_str_eq(cb[0].state, "INSTALLED");
	ck_assert_uint_eq(ca[0].spi_in, cb[0].spi_out);
	ck_assert_uint_eq(ca[0].spi_out, cb[0].spi_in);
	ck_assert_str_eq(ca[0].alg, esp_alg);
	ck_assert_str_eq(cb[0].alg, esp_alg);
	ck_assert_int_eq(A.ups, 1);
	ck_assert_int_eq(B.ups, 1);
	/* Both derived the same Child SA keys (2.17). */
	ck_assert_int_eq(memcmp(A.ai, B.ai, sizeof(A.ai)), 0);
	ck_assert_int_eq(memcmp(A.ei, B.ei, sizeof(A.ei)), 0);
}

START_TEST(test_psk_groups)
{
	static const struct {
		const char *ike, *esp, *ike_alg, *esp_alg;
	} cases[] = {
		{ "aes128-sha256-modp2048", "null-sha256",
		  "AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048",
		  "NULL/HMAC_SHA2_256_128" },
		{ "aes256gcm16-prfsha256-ecp256", "aes128gcm16",
		  "AES_GCM_16-256/PRF_HMAC_SHA2_256/ECP_256",
		  "AES_GCM_16-128" },
		{ "aes128-sha256-curve25519", "null-sha256",
		  "AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/CURVE_25519",
		  "NULL/HMAC_SHA2_256_128" },
	};
	size_t i = (size_t)_i;

	setup_pair(cases[i].ike, cases[i].esp, cases[i].ike, cases[i].esp,
	    "interop-psk-0123456789");
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	ck_assert_uint_eq(pump(0, 0), 4);
	assert_up(cases[i].ike_alg, cases[i].esp_alg);
	ck_assert_uint_eq(A.last_up.n_ts_local, 1);
	teardown_pair();
}
END_TEST

START_TEST(test_responder_initiates)
{
	setup_pair("aes128-sha256-modp2048", "null-sha256",
	    "aes128-sha256-modp2048", "null-sha256", "interop-psk-0123456789");
	ck_assert_int_eq(ike_endpoint_initiate(B.ep, "a"), 0);
	ck_assert_uint_eq(pump(0, 0), 4);
	assert_up("AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048",
	    "NULL/HMAC_SHA2_256_128");
	teardown_pair();
}
END_TEST

START_TEST(test_invalid_ke_retry)
{
	/* A guesses modp2048; B only takes ecp256: one extra round trip. */
	setup_pair("aes128-sha256-modp2048-ecp256", "null-sha256",
	    "aes128-sha256-ecp256", "null-sha256", "interop-psk-0123456789");
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	ck_assert_uint_eq(pump(0, 0), 6);
	assert_up("AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_256",
	    "NULL/HMAC_SHA2_256_128");
	teardown_pair();
}
END_TEST

START_TEST(test_no_proposal)
{
	struct ike_sa_view v[4];
	struct ike_child_view c[4];
	size_t ni, nc;

	setup_pair("aes128-sha256-modp2048", "null-sha256",
	    "aes256gcm16-prfsha384-ecp384", "null-sha256",
	    "interop-psk-0123456789");
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	ck_assert_uint_eq(pump(0, 0), 2);
	ike_endpoint_tick(A.ep, now_ms);
	snapshot(&A, v, &ni, c, &nc);
	ck_assert_uint_eq(ni, 0);
	snapshot(&B, v, &ni, c, &nc);
	ck_assert_uint_eq(ni, 0);	/* the responder kept nothing */
	teardown_pair();
}
END_TEST

START_TEST(test_child_no_proposal)
{
	struct ike_sa_view v[4];
	struct ike_child_view c[4];
	size_t ni, nc;

	/* The IKE SA comes up; the Child SA does not (1.2). */
	setup_pair("aes128-sha256-modp2048", "null-sha256",
	    "aes128-sha256-modp2048", "aes128gcm16", "interop-psk-0123456789");
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	ck_assert_uint_eq(pump(0, 0), 4);
	snapshot(&A, v, &ni, c, &nc);
	ck_assert_uint_eq(ni, 1);
	ck_assert_str_eq(v[0].state, "ESTABLISHED");
	ck_assert_uint_eq(nc, 0);
	teardown_pair();
}
END_TEST

START_TEST(test_auth_failed)
{
	struct ike_sa_view v[4];
	struct ike_child_view c[4];
	size_t ni, nc;

	setup_pair("aes128-sha256-modp2048", "null-sha256",
	    "aes128-sha256-modp2048", "null-sha256", "another-psk");
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	ck_assert_uint_eq(pump(0, 0), 4);
	ike_endpoint_tick(A.ep, now_ms);
	ike_endpoint_tick(B.ep, now_ms);
	snapshot(&A, v, &ni, c, &nc);
	ck_assert_uint_eq(ni, 0);
	snapshot(&B, v, &ni, c, &nc);
	ck_assert_uint_eq(ni, 0);
	ck_assert_int_eq(A.ups + B.ups, 0);
	teardown_pair();
}
END_TEST

/* Loses the n-th message, lets the initiator's timer resend it. */
START_TEST(test_loss_and_duplicates)
{
	int drop = _i + 1;	/* 1..4: each message of the exchange */

	setup_pair("aes128-sha256-modp2048", "null-sha256",
	    "aes128-sha256-modp2048", "null-sha256", "interop-psk-0123456789");
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	pump(drop, 0);
	ck_assert_uint_eq(ike_endpoint_next_timeout(A.ep, now_ms), 4000);
	now_ms += 4000;
	ike_endpoint_tick(A.ep, now_ms);
	pump(0, 1);		/* and the resent request arrives twice */
	assert_up("AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048",
	    "NULL/HMAC_SHA2_256_128");
	teardown_pair();
}
END_TEST

START_TEST(test_backoff_give_up)
{
	static const uint64_t waits[] = { 4000, 7200, 12960, 23328, 41990,
	    75582 };
	struct ike_sa_view v[4];
	struct ike_child_view c[4];
	size_t i, ni, nc;

	setup_pair("aes128-sha256-modp2048", "null-sha256",
	    "aes128-sha256-modp2048", "null-sha256", "interop-psk-0123456789");
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	for (i = 0; i < 6; i++) {
		uint64_t t = ike_endpoint_next_timeout(A.ep, now_ms);

		ck_assert_msg(t + 1 >= waits[i] && t <= waits[i] + 1,
		    "wait %zu: %llu", i, (unsigned long long)t);
		nq = 0;		/* the peer is gone */
		now_ms += t;
		ike_endpoint_tick(A.ep, now_ms);
		ck_assert_uint_eq(nq, i < 5 ? 1 : 0);
	}
	snapshot(&A, v, &ni, c, &nc);
	ck_assert_uint_eq(ni, 0);
	teardown_pair();
}
END_TEST

START_TEST(test_delete_both_sides)
{
	struct ike_sa_view v[4];
	struct ike_child_view c[4];
	size_t ni, nc;
	int who = _i;

	setup_pair("aes128-sha256-modp2048", "null-sha256",
	    "aes128-sha256-modp2048", "null-sha256", "interop-psk-0123456789");
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	pump(0, 0);
	snapshot(&A, v, &ni, c, &nc);
	ck_assert_uint_eq(nc, 1);
	/* Child delete first, then the IKE SA. */
	ck_assert_int_eq(ike_endpoint_delete_child(who ? B.ep : A.ep,
	    c[0].spi_in), 0);
	pump(0, 0);
	ck_assert_int_eq(A.downs, 1);
	ck_assert_int_eq(B.downs, 1);
	snapshot(&B, v, &ni, c, &nc);
	ck_assert_uint_eq(ni, 1);
	ck_assert_uint_eq(nc, 0);
	ck_assert_int_eq(ike_endpoint_delete(who ? B.ep : A.ep, who ? "a" :
	    "b", 0), 1);
	pump(0, 0);
	ike_endpoint_tick(A.ep, now_ms);
	ike_endpoint_tick(B.ep, now_ms);
	snapshot(&A, v, &ni, c, &nc);
	ck_assert_uint_eq(ni, 0);
	snapshot(&B, v, &ni, c, &nc);
	ck_assert_uint_eq(ni, 0);
	teardown_pair();
}
END_TEST

START_TEST(test_cookie)
{
	struct ike_sa_view v[4];
	struct ike_child_view c[4];
	size_t ni, nc;

	setup_pair("aes128-sha256-modp2048", "null-sha256",
	    "aes128-sha256-modp2048", "null-sha256", "interop-psk-0123456789");
	/* Responder demands cookies from the first half-open SA on. */
	ike_endpoint_free(B.ep);
	{
		static struct ike_config cb;
		struct ike_env env;

		peer_cfg(&cb, "a", "10.99.0.2", "10.99.0.1",
		    "aes128-sha256-modp2048", "null-sha256",
		    "interop-psk-0123456789", "B.ss.test", "A.ss.test",
		    "10.200.2.0/24", "10.200.1.0/24");
		cb.cookie_threshold = 1;
		memset(&env, 0, sizeof(env));
		env.now_ms = fake_now;
		env.send = fake_send;
		env.child_up = on_up;
		env.child_down = on_down;
		env.log = on_log;
		env.arg = &B;
		B.ep = ike_endpoint_new(&cb, &env);
	}
	/* One half-open SA from someone else first. */
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	pump(2, 0);		/* B answers, A never hears */
	snapshot(&B, v, &ni, c, &nc);
	ck_assert_uint_eq(ni, 1);
	ike_endpoint_free(A.ep);
	{
		static struct ike_config ca;
		struct ike_env env;

		peer_cfg(&ca, "b", "10.99.0.1", "10.99.0.2",
		    "aes128-sha256-modp2048", "null-sha256",
		    "interop-psk-0123456789", "A.ss.test", "B.ss.test",
		    "10.200.1.0/24", "10.200.2.0/24");
		memset(&env, 0, sizeof(env));
		env.now_ms = fake_now;
		env.send = fake_send;
		env.child_up = on_up;
		env.child_down = on_down;
		env.log = on_log;
		env.arg = &A;
		A.ep = ike_endpoint_new(&ca, &env);
	}
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	/* INIT, COOKIE, INIT with cookie, INIT answer, AUTH, answer. */
	ck_assert_uint_eq(pump(0, 0), 6);
	snapshot(&A, v, &ni, c, &nc);
	ck_assert_uint_eq(ni, 1);
	ck_assert_str_eq(v[0].state, "ESTABLISHED");
	ck_assert_uint_eq(nc, 1);
	teardown_pair();
}
END_TEST

START_TEST(test_status_json)
{
	char buf[4096];

	setup_pair("aes128-sha256-modp2048", "null-sha256",
	    "aes128-sha256-modp2048", "null-sha256", "interop-psk-0123456789");
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	pump(0, 0);
	ike_endpoint_status_json(A.ep, buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "{\"ike_sa\":{\"name\":\"b\","
	    "\"state\":\"ESTABLISHED\""));
	ck_assert_ptr_nonnull(strstr(buf, "\"child_sa\""));
	ck_assert_ptr_nonnull(strstr(buf, "\"local_ts\":[\"10.200.1.0/24\"]"));
	teardown_pair();
}
END_TEST

START_TEST(test_ts_narrowing)
{
	struct ike_ts ours, theirs, out[4];
	char buf[64];

	ck_assert_int_eq(ike_ts_parse("10.200.0.0/16", &ours), 0);
	ck_assert_int_eq(ike_ts_parse("10.200.1.0/24", &theirs), 0);
	ck_assert_uint_eq(ike_ts_narrow(&ours, 1, &theirs, 1, out, 4), 1);
	ike_ts_format(&out[0], buf, sizeof(buf));
	ck_assert_str_eq(buf, "10.200.1.0/24");
	ck_assert_int_eq(ike_ts_parse("10.201.0.0/16", &theirs), 0);
	ck_assert_uint_eq(ike_ts_narrow(&ours, 1, &theirs, 1, out, 4), 0);
	ck_assert_int_eq(ike_ts_parse("10.0.0.1-10.0.0.9", &theirs), 0);
	ike_ts_format(&theirs, buf, sizeof(buf));
	ck_assert_str_eq(buf, "10.0.0.1-10.0.0.9");
}
END_TEST

START_TEST(test_rekey_child)
{
	struct ike_sa_view v[4];
	struct ike_child_view c[4], d[4];
	size_t ni, nc, nd;
	int who = _i;
	uint32_t old_in;

	setup_pair("aes128-sha256-modp2048", "null-sha256",
	    "aes128-sha256-modp2048", "null-sha256", "interop-psk-0123456789");
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	pump(0, 0);
	snapshot(who ? &B : &A, v, &ni, c, &nc);
	old_in = c[0].spi_in;
	ck_assert_int_eq(ike_endpoint_rekey_child(who ? B.ep : A.ep, old_in),
	    0);
	/* CREATE_CHILD_SA, answer, Delete of the old one, answer. */
	ck_assert_uint_eq(pump(0, 0), 4);
	snapshot(&A, v, &ni, c, &nc);
	snapshot(&B, v, &ni, d, &nd);
	ck_assert_uint_eq(nc, 1);
	ck_assert_uint_eq(nd, 1);
	ck_assert_str_eq(c[0].state, "INSTALLED");
	ck_assert_uint_eq(c[0].spi_in, d[0].spi_out);
	ck_assert_uint_eq(c[0].spi_out, d[0].spi_in);
	ck_assert_uint_ne(c[0].spi_in, old_in);
	ck_assert_uint_ne(d[0].spi_in, old_in);
	ck_assert_int_eq(A.ups, 2);
	ck_assert_int_eq(B.ups, 2);
	ck_assert_int_eq(A.downs, 1);
	ck_assert_int_eq(B.downs, 1);
	/* Same KEYMAT on both sides, taken from the new nonces. */
	ck_assert_int_eq(memcmp(A.ai, B.ai, sizeof(A.ai)), 0);
	teardown_pair();
}
END_TEST

START_TEST(test_rekey_ike)
{
	struct ike_sa_view v[4], w[4];
	struct ike_child_view c[4], d[4];
	size_t ni, nc, nw, nd;
	int who = _i;
	uint64_t old_spi;
	uint32_t child_in;

	setup_pair("aes128-sha256-modp2048", "null-sha256",
	    "aes128-sha256-modp2048", "null-sha256", "interop-psk-0123456789");
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	pump(0, 0);
	snapshot(&A, v, &ni, c, &nc);
	old_spi = v[0].spi_i;
	child_in = c[0].spi_in;
	ck_assert_int_eq(ike_endpoint_rekey_ike(who ? B.ep : A.ep, old_spi),
	    0);
	ck_assert_uint_eq(pump(0, 0), 4);
	ike_endpoint_tick(A.ep, now_ms);
	ike_endpoint_tick(B.ep, now_ms);
	snapshot(&A, v, &ni, c, &nc);
	snapshot(&B, w, &nw, d, &nd);
	ck_assert_uint_eq(ni, 1);
	ck_assert_uint_eq(nw, 1);
	ck_assert_str_eq(v[0].state, "ESTABLISHED");
	ck_assert_str_eq(w[0].state, "ESTABLISHED");
	ck_assert_uint_ne(v[0].spi_i, old_spi);
	ck_assert_uint_eq(v[0].spi_i, w[0].spi_i);
	ck_assert_uint_eq(v[0].spi_r, w[0].spi_r);
	ck_assert_int_eq(v[0].initiator, !who);
	/* The Child SA moved over, untouched. */
	ck_assert_uint_eq(nc, 1);
	ck_assert_uint_eq(c[0].spi_in, child_in);
	ck_assert_int_eq(A.downs + B.downs, 0);
	/* The new IKE SA works: a Child SA rekey over it. */
	assert_rekey_works(&A, child_in);
	teardown_pair();
}
END_TEST

START_TEST(test_rekey_on_timer)
{
	struct ike_sa_view v[4];
	struct ike_child_view c[4];
	size_t ni, nc;
	uint32_t child_in;

	setup_pair("aes128-sha256-modp2048", "null-sha256",
	    "aes128-sha256-modp2048", "null-sha256", "interop-psk-0123456789");
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	pump(0, 0);
	snapshot(&A, v, &ni, c, &nc);
	child_in = c[0].spi_in;
	/* strongSwan-like jitter: between life - rekey early and rekey. */
	ck_assert_uint_le(c[0].rekey_in_s, 3600);
	ck_assert_uint_ge(c[0].rekey_in_s, 3240);
	now_ms += 3600 * 1000;
	ike_endpoint_tick(A.ep, now_ms);
	pump(0, 0);
	snapshot(&A, v, &ni, c, &nc);
	ck_assert_uint_eq(nc, 1);
	ck_assert_uint_ne(c[0].spi_in, child_in);
	ck_assert_str_eq(c[0].state, "INSTALLED");
	teardown_pair();
}
END_TEST

/* The first IKE SA of a side, whatever its state. */
static struct ike_sa *
first_sa(struct side *s)
{
	size_t i;

	for (i = 0; i < IKE_SA_MAX; i++)
		if (s->ep->sa[i] != NULL)
			return (s->ep->sa[i]);
	ck_abort_msg("no IKE SA");
	return (NULL);
}

/* The established IKE SA of a side. */
static struct ike_sa *
sa_of(struct side *s)
{
	size_t i;

	for (i = 0; i < IKE_SA_MAX; i++)
		if (s->ep->sa[i] != NULL &&
		    s->ep->sa[i]->state == IKE_SA_S_ESTABLISHED)
			return (s->ep->sa[i]);
	ck_abort_msg("no established IKE SA");
	return (NULL);
}

/*
 * RFC 7383 with certificates: IKE_AUTH both ways is bigger than
 * fragment_size (the minimum, 400) and goes in fragments; with
 * fragmentation off at one end (_i 1) it is not negotiated and goes
 * whole.
 */
START_TEST(test_frag_cert_auth)
{
	struct ike_sa_view va[4], vb[4];
	struct ike_child_view c[4];
	size_t nia, nib, nc;
	unsigned n;

	use_certs = true;
	frag_a = IKE_FRAGMENT_SIZE_MIN;
	frag_b = _i == 1 ? FRAG_OFF : IKE_FRAGMENT_SIZE_MIN;
	setup_pair("aes128-sha256-ecp256", "null-sha256",
	    "aes128-sha256-ecp256", "null-sha256", "unused");
	use_certs = false;
	frag_a = frag_b = 0;
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	n = pump(0, 0);
	assert_up("AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_256",
	    "NULL/HMAC_SHA2_256_128");
	snapshot(&A, va, &nia, c, &nc);
	snapshot(&B, vb, &nib, c, &nc);
	if (_i == 1) {
		ck_assert_uint_eq(n, 4);
		ck_assert(!va[0].frag && !vb[0].frag);
		ck_assert_uint_eq(va[0].frags_out + vb[0].frags_out, 0);
	} else {
		ck_assert(va[0].frag && vb[0].frag);
		ck_assert_uint_gt(va[0].frags_out, 2);
		ck_assert_uint_gt(vb[0].frags_out, 2);
		ck_assert_uint_eq(va[0].frags_out, vb[0].frags_in);
		ck_assert_uint_eq(vb[0].frags_out, va[0].frags_in);
		ck_assert_uint_eq(n, 2 + va[0].frags_out + vb[0].frags_out);
		ck_assert_uint_eq(va[0].frags_dropped + vb[0].frags_dropped, 0);
	}
	teardown_pair();
}
END_TEST

/* A lost fragment: B waits; A's retransmission resends every fragment
 * and B completes. */
START_TEST(test_frag_retransmit)
{
	struct ike_sa_view v[4];
	struct ike_child_view c[4];
	size_t ni, nc, nfrag;

	use_certs = true;
	frag_a = frag_b = IKE_FRAGMENT_SIZE_MIN;
	setup_pair("aes128-sha256-ecp256", "null-sha256",
	    "aes128-sha256-ecp256", "null-sha256", "unused");
	use_certs = false;
	frag_a = frag_b = 0;
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	/* Deliveries: IKE_SA_INIT both ways, then A's IKE_AUTH fragments;
	 * the 4th, fragment 2, is lost. */
	pump(4, 0);
	snapshot(&B, v, &ni, c, &nc);
	ck_assert_uint_eq(ni, 1);
	ck_assert_str_eq(v[0].state, "CONNECTING");
	nfrag = first_sa(&A)->frags_out;
	ck_assert_uint_gt(nfrag, 2);
	ck_assert_uint_eq(v[0].frags_in, nfrag - 1);
	now_ms += 4000;
	ike_endpoint_tick(A.ep, now_ms);
	ck_assert_uint_eq(nq, nfrag);	/* all of them again */
	pump(0, 0);
	assert_up("AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_256",
	    "NULL/HMAC_SHA2_256_128");
	snapshot(&B, v, &ni, c, &nc);
	/* Fragment 1 again is a duplicate; 2 completes the message; 3..n
	 * are then parts of an answered request, ignored (2.6.1). */
	ck_assert_uint_eq(v[0].frags_dropped, 1);
	ck_assert_uint_eq(v[0].frags_in, nfrag);
	teardown_pair();
}
END_TEST

/*
 * Reassembly checks (RFC 7383 2.6) on crafted sets: A seals an
 * INFORMATIONAL request with a Vendor ID of vid_len bytes as fragments
 * of at most `size` bytes (ike_frag_seal, as ike_sa_seal would); B gets
 * them in the order and shape a case wants.
 */
struct frag_set {
	uint8_t	bytes[IKE_OUT_MAX];
	size_t	off[IKE_FRAG_MAX], len[IKE_FRAG_MAX];
	size_t	n;
};

static void
frag_set_make(struct frag_set *fs, uint32_t size, size_t vid_len,
    uint32_t msgid)
{
	struct ike_sa *sa = sa_of(&A);
	static uint8_t plain[IKE_MSG_MAX], vid[IKE_MSG_MAX];
	struct ike_writer w;
	struct ike_hdr h;
	size_t total, off = 0;

	memset(vid, 0x5a, sizeof(vid));
	ike_writer_init_inner(&w, plain, sizeof(plain));
	ike_msg_add_vendor(&w, vid, vid_len);
	memset(&h, 0, sizeof(h));
	h.spi_i = sa->spi_i;
	h.spi_r = sa->spi_r;
	h.version = IKE_VERSION;
	h.exchange = IKE_X_INFORMATIONAL;
	h.flags = IKE_FLAG_INITIATOR;
	h.msgid = msgid;
	A.ep->cfg.fragment_size = size;
	total = ike_frag_seal(A.ep, sa, &h, &w);
	ck_assert_uint_gt(total, 0);
	memcpy(fs->bytes, A.ep->buf, total);
	for (fs->n = 0; off < total; fs->n++) {
		const uint8_t *p = fs->bytes + off;

		fs->off[fs->n] = off;
		fs->len[fs->n] = (size_t)p[26] << 8 | p[27];
		off += fs->len[fs->n];
	}
	ck_assert_uint_eq(off, total);
}

/* Delivers fragment k (1-based) of fs to B. */
static void
frag_deliver(const struct frag_set *fs, size_t k)
{
	ike_endpoint_input(B.ep, &B.addr, &A.addr, fs->bytes + fs->off[k - 1],
	    fs->len[k - 1]);
}

START_TEST(test_frag_reassembly)
{
	static struct frag_set big, small, huge, split;
	struct ike_sa *sb;
	uint8_t bad[2048];
	uint32_t msgid;
	size_t k, l;
	uint64_t dropped;

	setup_pair("aes128-sha256-modp2048", "null-sha256",
	    "aes128-sha256-modp2048", "null-sha256", "interop-psk-0123456789");
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	pump(0, 0);
	sb = sa_of(&B);
	ck_assert(sb->frag);
	msgid = sb->msgid_in;
	/* One message as 3 fragments (1280) and as more (400). */
	frag_set_make(&big, 1280, 2600, msgid);
	frag_set_make(&small, 400, 2600, msgid);
	ck_assert_uint_eq(big.n, 3);
	ck_assert_uint_gt(small.n, big.n);

	/* Fragment number 0 and number > total: refused by the codec
	 * (the ICV would fail too), nothing stored. */
	l = big.len[0];
	memcpy(bad, big.bytes, l);
	bad[IKE_HDR_LEN + 4] = 0;
	bad[IKE_HDR_LEN + 5] = 0;
	ike_endpoint_input(B.ep, &B.addr, &A.addr, bad, l);
	bad[IKE_HDR_LEN + 5] = 9;		/* 9 of 3 */
	ike_endpoint_input(B.ep, &B.addr, &A.addr, bad, l);
	ck_assert_ptr_null(sb->reasm[0].buf);
	/* A bad ICV: dropped before it is stored. */
	memcpy(bad, big.bytes, l);
	bad[l - 1] ^= 1;
	ike_endpoint_input(B.ep, &B.addr, &A.addr, bad, l);
	ck_assert_ptr_null(sb->reasm[0].buf);
	ck_assert_uint_eq(sb->frags_dropped, 1);
	ck_assert_uint_eq(sb->frags_in, 0);

	/* The newer set (more fragments) restarts; the older one's
	 * fragments are then refused (2.6). */
	frag_deliver(&big, 1);
	frag_deliver(&big, 2);
	ck_assert_uint_eq(sb->reasm[0].n_have, 2);
	frag_deliver(&small, 2);
	ck_assert_uint_eq(sb->reasm[0].n_have, 1);
	ck_assert_uint_eq(sb->reasm[0].total, small.n);
	dropped = sb->frags_dropped;
	frag_deliver(&big, 3);
	ck_assert_uint_eq(sb->frags_dropped, dropped + 1);
	/* Duplicates are dropped; the rest completes the message. */
	frag_deliver(&small, 2);
	ck_assert_uint_eq(sb->frags_dropped, dropped + 2);
	for (k = small.n; k >= 1; k--)
		if (k != 2)
			frag_deliver(&small, k);
	ck_assert_ptr_null(sb->reasm[0].buf);
	ck_assert_uint_eq(sb->msgid_in, msgid + 1);	/* answered */
	ck_assert_uint_eq(nq, 1);
	nq = 0;

	/* A retransmitted request: answered again on fragment 1 only. */
	frag_deliver(&small, 2);
	ck_assert_uint_eq(nq, 0);
	frag_deliver(&small, 1);
	ck_assert_uint_eq(nq, 1);
	nq = 0;

	/* More than IKE_MSG_MAX of plaintext in one reassembly: two
	 * valid fragments of different messages with the same Message ID
	 * and total, each nearly IKE_MSG_MAX / 2 + more. */
	msgid = sb->msgid_in;
	frag_set_make(&huge, 7000, 7900, msgid);
	frag_set_make(&split, 4100, 7900, msgid);
	ck_assert_uint_eq(huge.n, 2);
	ck_assert_uint_eq(split.n, 2);
	dropped = sb->frags_dropped;
	frag_deliver(&huge, 1);
	frag_deliver(&split, 2);
	ck_assert_uint_eq(sb->frags_dropped, dropped + 1);
	ck_assert_ptr_null(sb->reasm[0].buf);

	/* Incomplete: forgotten after IKE_FRAG_TIMEOUT_MS. */
	frag_deliver(&huge, 1);
	ck_assert_ptr_nonnull(sb->reasm[0].buf);
	ck_assert_uint_eq(ike_endpoint_next_timeout(B.ep, now_ms) <=
	    IKE_FRAG_TIMEOUT_MS, 1);
	now_ms += IKE_FRAG_TIMEOUT_MS;
	ike_endpoint_tick(B.ep, now_ms);
	ck_assert_ptr_null(sb->reasm[0].buf);
	ck_assert_uint_eq(sb->msgid_in, msgid);
	teardown_pair();
}
END_TEST

START_TEST(test_cert_auth)
{
	struct ike_sa_view v[4];
	struct ike_child_view c[4];
	size_t ni, nc;
	unsigned n;

	use_certs = true;
	wrong_ca = _i == 1 ? "other-ca.crt" : NULL;
	cert_dn_ids = _i == 2;
	setup_pair("aes128-sha256-ecp256", "null-sha256",
	    "aes128-sha256-ecp256", "null-sha256", "unused");
	use_certs = false;
	wrong_ca = NULL;
	cert_dn_ids = false;
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	/* IKE_AUTH with a certificate may exceed the default fragment_size
	 * (RFC 7383): one message or its fragments each way. */
	n = pump(0, 0);
	ck_assert_uint_eq(n, 2 + (first_sa(&A)->frags_out > 0 ?
	    first_sa(&A)->frags_out : 1) + (_i == 1 ? 1 :
	    first_sa(&B)->frags_out > 0 ? first_sa(&B)->frags_out : 1));
	ike_endpoint_tick(A.ep, now_ms);
	ike_endpoint_tick(B.ep, now_ms);
	if (_i == 1) {
		/* B does not trust A's CA: AUTHENTICATION_FAILED. */
		snapshot(&A, v, &ni, c, &nc);
		ck_assert_uint_eq(ni, 0);
		snapshot(&B, v, &ni, c, &nc);
		ck_assert_uint_eq(ni, 0);
	} else {
		assert_up("AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/"
		    "ECP_256", "NULL/HMAC_SHA2_256_128");
		snapshot(&B, v, &ni, c, &nc);
		if (_i == 0)
			ck_assert_str_eq(v[0].remote_id, "A.espvis.test");
	}
	teardown_pair();
}
END_TEST

START_TEST(test_nat_traversal)
{
	struct ike_sa_view va[4], vb[4];
	struct ike_child_view c[4];
	size_t ni, nc;
	uint64_t t;

	b_remote_any = true;
	setup_pair("aes128-sha256-modp2048", "null-sha256",
	    "aes128-sha256-modp2048", "null-sha256", "interop-psk-0123456789");
	b_remote_any = false;
	nat_on = true;
	keepalives = 0;
	ike_addr_parse("192.0.2.77", 0, &nat_ext);
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	ck_assert_uint_eq(pump(0, 0), 4);
	snapshot(&A, va, &ni, c, &nc);
	ck_assert_str_eq(va[0].state, "ESTABLISHED");
	ck_assert(va[0].natt);
	ck_assert_uint_eq(va[0].local.port, 4500);	/* moved (2.23) */
	ck_assert_uint_eq(va[0].remote.port, 4500);
	ck_assert_uint_eq(nc, 1);
	snapshot(&B, vb, &ni, c, &nc);
	ck_assert(vb[0].natt);
	ck_assert(c[0].encap);
	/* B answers where the NAT showed A: 192.0.2.77:14500. */
	ck_assert_uint_eq(vb[0].remote.port, 14500);
	ck_assert(ipaddr_eq(&vb[0].remote.ip, &nat_ext.ip));
	ck_assert_int_eq(A.last_up.encap, 1);
	/* A is behind the NAT: keepalives every 20 s (RFC 3948 4). */
	t = ike_endpoint_next_timeout(A.ep, now_ms);
	ck_assert_uint_le(t, 20000);
	now_ms += 20000;
	ike_endpoint_tick(A.ep, now_ms);
	ck_assert_uint_eq(keepalives, 1);
	/* Still works through the NAT: delete from B reaches A. */
	ck_assert_int_eq(ike_endpoint_delete(B.ep, "a", 0), 1);
	pump(0, 0);
	ike_endpoint_tick(A.ep, now_ms);
	snapshot(&A, va, &ni, c, &nc);
	ck_assert_uint_eq(ni, 0);
	nat_on = false;
	teardown_pair();
}
END_TEST

/* `encap: true` on either side, no NAT: a random NAT detection source
 * hash (RFC 7296 2.23) makes both sides use UDP 4500 and encapsulate the
 * Child SA (RFC 3948); nobody is behind a NAT, so no keepalives. */
START_TEST(test_encap_forced)
{
	struct ike_sa_view va[4], vb[4];
	struct ike_child_view c[4];
	size_t ni, nc;

	encap_a = _i == 0;
	encap_b = _i == 1;
	setup_pair("aes128-sha256-modp2048", "null-sha256",
	    "aes128-sha256-modp2048", "null-sha256", "interop-psk-0123456789");
	encap_a = encap_b = false;
	keepalives = 0;
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	ck_assert_uint_eq(pump(0, 0), 4);
	snapshot(&A, va, &ni, c, &nc);
	ck_assert_uint_eq(ni, 1);
	ck_assert_str_eq(va[0].state, "ESTABLISHED");
	ck_assert(va[0].natt);
	ck_assert_uint_eq(va[0].local.port, 4500);
	ck_assert_uint_eq(va[0].remote.port, 4500);
	ck_assert_uint_eq(nc, 1);
	ck_assert(c[0].encap);
	snapshot(&B, vb, &ni, c, &nc);
	ck_assert_uint_eq(ni, 1);
	ck_assert(vb[0].natt);
	ck_assert_uint_eq(vb[0].local.port, 4500);
	ck_assert_uint_eq(vb[0].remote.port, 4500);
	ck_assert_uint_eq(nc, 1);
	ck_assert(c[0].encap);
	ck_assert_int_eq(A.last_up.encap, 1);
	ck_assert_int_eq(B.last_up.encap, 1);
	now_ms += 60000;
	ike_endpoint_tick(A.ep, now_ms);
	ike_endpoint_tick(B.ep, now_ms);
	ck_assert_uint_eq(keepalives, 0);
	teardown_pair();
}
END_TEST

START_TEST(test_liveness)
{
	static struct ike_config cfg;
	struct ike_sa_view v[4];
	struct ike_child_view c[4];
	size_t ni, nc, i;
	uint64_t t;

	setup_pair("aes128-sha256-modp2048", "null-sha256",
	    "aes128-sha256-modp2048", "null-sha256", "interop-psk-0123456789");
	/* A again, with dpd_delay 30 s. */
	ike_endpoint_free(A.ep);
	{
		struct ike_env env;

		peer_cfg(&cfg, "b", "10.99.0.1", "10.99.0.2",
		    "aes128-sha256-modp2048", "null-sha256",
		    "interop-psk-0123456789", "A.ss.test", "B.ss.test",
		    "10.200.1.0/24", "10.200.2.0/24");
		cfg.peers[0].dpd_delay = 30;
		memset(&env, 0, sizeof(env));
		env.now_ms = fake_now;
		env.send = fake_send;
		env.child_up = on_up;
		env.child_down = on_down;
		env.log = on_log;
		env.arg = &A;
		A.ep = ike_endpoint_new(&cfg, &env);
	}
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	pump(0, 0);
	ck_assert_uint_eq(ike_endpoint_next_timeout(A.ep, now_ms), 30000);
	now_ms += 30000;
	ike_endpoint_tick(A.ep, now_ms);
	ck_assert_uint_eq(nq, 1);	/* an empty INFORMATIONAL */
	ck_assert_uint_eq(pump(0, 0), 2);
	snapshot(&A, v, &ni, c, &nc);
	ck_assert_str_eq(v[0].state, "ESTABLISHED");
	/* Now B is gone: the check is retransmitted, then A gives up. */
	now_ms += 30000;
	ike_endpoint_tick(A.ep, now_ms);
	for (i = 0; i < 7 && (t = ike_endpoint_next_timeout(A.ep, now_ms)) !=
	    UINT64_MAX; i++) {
		nq = 0;
		now_ms += t;
		ike_endpoint_tick(A.ep, now_ms);
		snapshot(&A, v, &ni, c, &nc);
		if (ni == 0)
			break;
	}
	snapshot(&A, v, &ni, c, &nc);
	ck_assert_uint_eq(ni, 0);
	ck_assert_int_eq(A.downs, 1);
	teardown_pair();
}
END_TEST

START_TEST(test_more_children)
{
	struct ike_sa_view v[4];
	struct ike_child_view c[4], d[4];
	size_t ni, nc, nd, i;

	setup_pair("aes128-sha256-modp2048", "null-sha256",
	    "aes128-sha256-modp2048", "null-sha256", "interop-psk-0123456789");
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	pump(0, 0);
	/* Each side asks for one more over the same IKE SA (1.3). */
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	ck_assert_uint_eq(pump(0, 0), 2);
	ck_assert_int_eq(ike_endpoint_initiate(B.ep, "a"), 0);
	ck_assert_uint_eq(pump(0, 0), 2);
	snapshot(&A, v, &ni, c, &nc);
	snapshot(&B, v, &ni, d, &nd);
	ck_assert_uint_eq(ni, 1);
	ck_assert_uint_eq(nc, 3);
	ck_assert_uint_eq(nd, 3);
	for (i = 0; i < 3; i++) {
		ck_assert_str_eq(c[i].state, "INSTALLED");
		ck_assert_uint_eq(c[i].spi_in, d[i].spi_out);
	}
	ck_assert_int_eq(A.ups, 3);
	ck_assert_int_eq(memcmp(A.ai, B.ai, sizeof(A.ai)), 0);
	teardown_pair();
}
END_TEST

#define PB(t)	(1u << ((t) - IKE_PL_SA))

/* The payload rules table: required and allowed payloads by exchange
 * and direction, checked before any payload is used. */
START_TEST(test_payload_rules)
{
	static const struct {
		uint8_t		exchange;
		bool		response, inner;
		uint32_t	present;
		uint16_t	notify;		/* one notify of this type */
		int		want;
	} cases[] = {
		{ IKE_X_SA_INIT, false, false, PB(IKE_PL_SA) | PB(IKE_PL_KE) |
		  PB(IKE_PL_NONCE), 0, 0 },
		{ IKE_X_SA_INIT, false, false, PB(IKE_PL_SA) | PB(IKE_PL_KE), 0,
		  -1 },						/* no Ni */
		{ IKE_X_SA_INIT, false, false, PB(IKE_PL_SA) | PB(IKE_PL_KE) |
		  PB(IKE_PL_NONCE) | PB(IKE_PL_AUTH), 0, -1 },	/* AUTH */
		{ IKE_X_SA_INIT, false, false, PB(IKE_PL_SA) | PB(IKE_PL_KE) |
		  PB(IKE_PL_NONCE) | PB(IKE_PL_SK), 0, -1 },	/* SK */
		{ IKE_X_SA_INIT, true, false, PB(IKE_PL_NOTIFY),
		  IKE_N_INVALID_KE_PAYLOAD, 0 },		/* error only */
		{ IKE_X_SA_INIT, true, false, PB(IKE_PL_NOTIFY), IKE_N_COOKIE,
		  0 },
		{ IKE_X_SA_INIT, false, false, PB(IKE_PL_NOTIFY),
		  IKE_N_NO_PROPOSAL_CHOSEN, -1 },	/* not in a request */
		{ IKE_X_AUTH, false, false, PB(IKE_PL_SK), 0, 0 },
		{ IKE_X_AUTH, false, false, PB(IKE_PL_SK) | PB(IKE_PL_IDI), 0,
		  -1 },					/* clear IDi */
		{ IKE_X_AUTH, false, true, PB(IKE_PL_SK) | PB(IKE_PL_IDI) |
		  PB(IKE_PL_AUTH) | PB(IKE_PL_SA) | PB(IKE_PL_TSI) |
		  PB(IKE_PL_TSR), 0, 0 },
		{ IKE_X_AUTH, false, true, PB(IKE_PL_SK) | PB(IKE_PL_IDI), 0,
		  -1 },					/* no AUTH */
		{ IKE_X_AUTH, false, true, PB(IKE_PL_SK) | PB(IKE_PL_IDI) |
		  PB(IKE_PL_AUTH) | PB(IKE_PL_KE), 0, -1 },	/* KE */
		{ IKE_X_AUTH, true, true, PB(IKE_PL_SK) | PB(IKE_PL_NOTIFY),
		  IKE_N_AUTHENTICATION_FAILED, 0 },
		{ IKE_X_AUTH, true, true, PB(IKE_PL_SK) | PB(IKE_PL_IDI) |
		  PB(IKE_PL_IDR) | PB(IKE_PL_AUTH), 0, -1 },	/* IDi back */
		{ IKE_X_CREATE_CHILD_SA, false, true, PB(IKE_PL_SK) |
		  PB(IKE_PL_SA) | PB(IKE_PL_NONCE) | PB(IKE_PL_TSI) |
		  PB(IKE_PL_TSR), 0, 0 },
		{ IKE_X_CREATE_CHILD_SA, false, true, PB(IKE_PL_SK) |
		  PB(IKE_PL_SA) | PB(IKE_PL_NONCE) | PB(IKE_PL_AUTH), 0, -1 },
		{ IKE_X_CREATE_CHILD_SA, true, true, PB(IKE_PL_SK) |
		  PB(IKE_PL_NOTIFY), IKE_N_NO_ADDITIONAL_SAS, 0 },
		{ IKE_X_INFORMATIONAL, false, true, PB(IKE_PL_SK), 0, 0 },
		{ IKE_X_INFORMATIONAL, false, true, PB(IKE_PL_SK) |
		  PB(IKE_PL_DELETE) | PB(IKE_PL_NOTIFY), IKE_N_INITIAL_CONTACT,
		  0 },
		{ IKE_X_INFORMATIONAL, true, true, PB(IKE_PL_SK) |
		  PB(IKE_PL_SA), 0, -1 },
		{ 99, false, false, PB(IKE_PL_SK), 0, -1 },	/* exchange */
	};
	static struct ike_msg msg;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&msg, 0, sizeof(msg));
		msg.present = cases[i].present;
		if (cases[i].notify != 0) {
			msg.notify[0].type = cases[i].notify;
			msg.n_notify = 1;
		}
		ck_assert_msg(ike_rules_check(&msg, cases[i].exchange,
		    cases[i].response, cases[i].inner) == cases[i].want,
		    "case %zu", i);
	}
}
END_TEST

START_TEST(test_half_open_cap)
{
	struct ike_sa_view v[4];
	struct ike_child_view c[4];
	size_t ni, nc;

	b_half_open_max = 1;
	setup_pair("aes128-sha256-modp2048", "null-sha256",
	    "aes128-sha256-modp2048", "null-sha256", "interop-psk-0123456789");
	b_half_open_max = 0;
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	ck_assert_uint_eq(pump(2, 0), 2);	/* B's answer is lost */
	/* A second attempt (new SPI) finds B at its cap: no answer, no
	 * state. */
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	ck_assert_uint_eq(pump(0, 0), 1);
	snapshot(&B, v, &ni, c, &nc);
	ck_assert_uint_eq(ni, 1);
	/* After 30 s the half-open SA goes, and the next attempt works. */
	now_ms += 30000;
	ike_endpoint_tick(B.ep, now_ms);
	snapshot(&B, v, &ni, c, &nc);
	ck_assert_uint_eq(ni, 0);
	ike_endpoint_tick(A.ep, now_ms);	/* A retransmits the second */
	pump(0, 0);
	snapshot(&B, v, &ni, c, &nc);
	ck_assert_uint_eq(ni, 1);
	ck_assert_str_eq(v[0].state, "ESTABLISHED");
	teardown_pair();
}
END_TEST

/* Window of 1 (2.3): a second request waits for the first's answer. */
START_TEST(test_window_queue)
{
	struct ike_sa_view v[4];
	struct ike_child_view c[4];
	size_t ni, nc;
	uint64_t old_spi;
	uint32_t old_in;

	setup_pair("aes128-sha256-modp2048", "null-sha256",
	    "aes128-sha256-modp2048", "null-sha256", "interop-psk-0123456789");
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	pump(0, 0);
	snapshot(&A, v, &ni, c, &nc);
	old_spi = v[0].spi_i;
	old_in = c[0].spi_in;
	ck_assert_int_eq(ike_endpoint_rekey_child(A.ep, old_in), 0);
	ck_assert_int_eq(ike_endpoint_rekey_ike(A.ep, old_spi), 0);
	ck_assert_uint_eq(nq, 1);	/* only the first is on the wire */
	pump(0, 0);			/* rekey, then the old one's Delete */
	ck_assert_uint_eq(ike_endpoint_next_timeout(A.ep, now_ms), 0);
	ike_endpoint_tick(A.ep, now_ms);
	pump(0, 0);
	ike_endpoint_tick(A.ep, now_ms);
	ike_endpoint_tick(B.ep, now_ms);
	snapshot(&A, v, &ni, c, &nc);
	ck_assert_uint_eq(ni, 1);
	ck_assert_uint_ne(v[0].spi_i, old_spi);
	ck_assert_uint_eq(nc, 1);
	ck_assert_uint_ne(c[0].spi_in, old_in);
	teardown_pair();
}
END_TEST

/* IKE SA hard lifetime: the SA goes, the peer is told (Delete). */
START_TEST(test_ike_expiry)
{
	static struct ike_config cfg;
	struct ike_sa_view v[4];
	struct ike_child_view c[4];
	size_t ni, nc;
	struct ike_env env;

	setup_pair("aes128-sha256-modp2048", "null-sha256",
	    "aes128-sha256-modp2048", "null-sha256", "interop-psk-0123456789");
	ike_endpoint_free(A.ep);
	peer_cfg(&cfg, "b", "10.99.0.1", "10.99.0.2",
	    "aes128-sha256-modp2048", "null-sha256", "interop-psk-0123456789",
	    "A.ss.test", "B.ss.test", "10.200.1.0/24", "10.200.2.0/24");
	cfg.peers[0].ike_rekey_time = 0;	/* no rekey: expire */
	cfg.peers[0].ike_life_time = 600;
	memset(&env, 0, sizeof(env));
	env.now_ms = fake_now;
	env.send = fake_send;
	env.child_up = on_up;
	env.child_down = on_down;
	env.log = on_log;
	env.arg = &A;
	A.ep = ike_endpoint_new(&cfg, &env);
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	pump(0, 0);
	snapshot(&A, v, &ni, c, &nc);
	ck_assert_uint_eq(v[0].rekey_in_s, 0);
	ck_assert_uint_eq(v[0].expire_in_s, 600);
	now_ms += 600 * 1000;
	ike_endpoint_tick(A.ep, now_ms);
	snapshot(&A, v, &ni, c, &nc);
	ck_assert_uint_eq(ni, 0);
	ck_assert_int_eq(A.downs, 1);
	pump(0, 0);			/* the Delete reaches B */
	ike_endpoint_tick(B.ep, now_ms);
	snapshot(&B, v, &ni, c, &nc);
	ck_assert_uint_eq(ni, 0);
	teardown_pair();
}
END_TEST

/* Arms the nonce script so that the `lowest`-th nonce drawn from now
 * (0-based) starts with 0x01 and every other one with 0x80 + n. */
static void
script_lowest(size_t lowest, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		nonce_script[i] = i == lowest ? 0x01 : (uint8_t)(0x80 + i);
	n_script = n;
	script_at = 0;
}

/* Where the Child SA with inbound SPI spi is in s->up. */
static int
up_of(const struct side *s, uint32_t spi)
{
	int i;

	for (i = 0; i < s->ups && i < 16; i++)
		if (s->up[i].spi_in == spi)
			return (i);
	ck_abort_msg("no Child SA %08x installed", spi);
	return (-1);
}

/*
 * 2.8.1: both ends rekey the same Child SA in the same tick, the
 * requests cross.  Nonces are drawn in this order: A's Ni, B's Ni, B's
 * Nr (answering A), A's Nr (answering B).  _i picks the lowest: 0 and 2
 * are in A's exchange (A's new SA redundant), 1 and 3 in B's.
 */
START_TEST(test_rekey_child_simultaneous)
{
	struct ike_sa_view v[4];
	struct ike_child_view c[4], d[4];
	size_t ni, nc, nd;
	bool a_redundant = _i % 2 == 0;
	uint32_t old_in;
	int ua, ub;

	setup_pair("aes128-sha256-modp2048", "null-sha256",
	    "aes128-sha256-modp2048", "null-sha256", "interop-psk-0123456789");
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	pump(0, 0);
	snapshot(&A, v, &ni, c, &nc);
	old_in = c[0].spi_in;
	script_lowest((size_t)_i, 4);
	ck_assert_int_eq(ike_endpoint_rekey_child(A.ep, old_in), 0);
	ck_assert_int_eq(ike_endpoint_rekey_child(B.ep, c[0].spi_out), 0);
	ck_assert_uint_eq(nq, 2);
	/* Two requests, two answers, two Deletes (the old SA by the
	 * survivor's creator, the redundant one by its creator), two
	 * answers. */
	ck_assert_uint_eq(pump(0, 0), 8);
	ck_assert_uint_eq(script_at, 4);
	snapshot(&A, v, &ni, c, &nc);
	snapshot(&B, v, &ni, d, &nd);
	ck_assert_uint_eq(nc, 1);
	ck_assert_uint_eq(nd, 1);
	ck_assert_str_eq(c[0].state, "INSTALLED");
	ck_assert_str_eq(d[0].state, "INSTALLED");
	ck_assert_uint_eq(c[0].spi_in, d[0].spi_out);
	ck_assert_uint_eq(c[0].spi_out, d[0].spi_in);
	ck_assert_uint_ne(c[0].spi_in, old_in);
	/* Two new ones each, the old and the redundant one gone. */
	ck_assert_int_eq(A.ups, 3);
	ck_assert_int_eq(B.ups, 3);
	ck_assert_int_eq(A.downs, 2);
	ck_assert_int_eq(B.downs, 2);
	/* The survivor is the one made by B's exchange when A's held the
	 * lowest nonce, with the same keys on both sides. */
	ua = up_of(&A, c[0].spi_in);
	ub = up_of(&B, d[0].spi_in);
	ck_assert_int_eq(A.up[ua].initiator, !a_redundant);
	ck_assert_int_eq(B.up[ub].initiator, a_redundant);
	ck_assert_int_eq(memcmp(A.up[ua].ai, B.up[ub].ai, sizeof(A.ai)), 0);
	/* Nothing left in flight; the survivor rekeys normally. */
	assert_rekey_works(&A, c[0].spi_in);
	teardown_pair();
}
END_TEST

/*
 * 2.8.2: both ends rekey the IKE SA in the same tick.  Nonce order and
 * _i as for Child SAs.  One new IKE SA survives on each side, the same
 * one, with the Child SA moved over untouched.
 */
START_TEST(test_rekey_ike_simultaneous)
{
	struct ike_sa_view v[4], w[4];
	struct ike_child_view c[4], d[4];
	size_t ni, nc, nw, nd;
	bool a_redundant = _i % 2 == 0;
	uint64_t old_spi;
	uint32_t child_in;

	setup_pair("aes128-sha256-modp2048", "null-sha256",
	    "aes128-sha256-modp2048", "null-sha256", "interop-psk-0123456789");
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	pump(0, 0);
	snapshot(&A, v, &ni, c, &nc);
	old_spi = v[0].spi_i;
	child_in = c[0].spi_in;
	script_lowest((size_t)_i, 4);
	ck_assert_int_eq(ike_endpoint_rekey_ike(A.ep, old_spi), 0);
	ck_assert_int_eq(ike_endpoint_rekey_ike(B.ep, old_spi), 0);
	ck_assert_uint_eq(nq, 2);
	ck_assert_uint_eq(pump(0, 0), 8);
	ck_assert_uint_eq(script_at, 4);
	ike_endpoint_tick(A.ep, now_ms);
	ike_endpoint_tick(B.ep, now_ms);
	snapshot(&A, v, &ni, c, &nc);
	snapshot(&B, w, &nw, d, &nd);
	ck_assert_uint_eq(ni, 1);
	ck_assert_uint_eq(nw, 1);
	ck_assert_str_eq(v[0].state, "ESTABLISHED");
	ck_assert_str_eq(w[0].state, "ESTABLISHED");
	ck_assert_uint_ne(v[0].spi_i, old_spi);
	ck_assert_uint_eq(v[0].spi_i, w[0].spi_i);
	ck_assert_uint_eq(v[0].spi_r, w[0].spi_r);
	/* The survivor was made by B's exchange when A's was redundant. */
	ck_assert_int_eq(v[0].initiator, !a_redundant);
	ck_assert_int_eq(w[0].initiator, a_redundant);
	/* No Child SA lost: moved to the survivor on both sides. */
	ck_assert_uint_eq(nc, 1);
	ck_assert_uint_eq(nd, 1);
	ck_assert_uint_eq(c[0].spi_in, child_in);
	ck_assert_uint_eq(d[0].spi_out, child_in);
	ck_assert_uint_eq(c[0].ike_spi_i, v[0].spi_i);
	ck_assert_uint_eq(d[0].ike_spi_i, w[0].spi_i);
	ck_assert_int_eq(A.downs + B.downs, 0);
	/* The survivor works: a Child SA rekey over it. */
	assert_rekey_works(&B, d[0].spi_in);
	teardown_pair();
}
END_TEST

/*
 * 2.8.2, only one side notices: A's request reaches B (which notes the
 * collision) and is answered, B's request is lost, A finishes and
 * deletes the old IKE SA.  On that Delete B moves its Child SA to A's
 * new IKE SA and forgets its own rekey.
 */
START_TEST(test_rekey_ike_one_notices)
{
	struct ike_sa_view v[4], w[4];
	struct ike_child_view c[4], d[4];
	size_t ni, nc, nw, nd;
	uint64_t old_spi;
	uint32_t child_in;

	setup_pair("aes128-sha256-modp2048", "null-sha256",
	    "aes128-sha256-modp2048", "null-sha256", "interop-psk-0123456789");
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	pump(0, 0);
	snapshot(&A, v, &ni, c, &nc);
	old_spi = v[0].spi_i;
	child_in = c[0].spi_in;
	ck_assert_int_eq(ike_endpoint_rekey_ike(A.ep, old_spi), 0);
	ck_assert_int_eq(ike_endpoint_rekey_ike(B.ep, old_spi), 0);
	/* req_A delivered, req_B lost; resp_A, Delete, its answer. */
	ck_assert_uint_eq(pump(2, 0), 5);
	now_ms += 10000;
	ike_endpoint_tick(A.ep, now_ms);
	ike_endpoint_tick(B.ep, now_ms);
	pump(0, 0);
	snapshot(&A, v, &ni, c, &nc);
	snapshot(&B, w, &nw, d, &nd);
	ck_assert_uint_eq(ni, 1);
	ck_assert_uint_eq(nw, 1);
	ck_assert_uint_eq(v[0].spi_i, w[0].spi_i);
	ck_assert_uint_ne(v[0].spi_i, old_spi);
	ck_assert_int_eq(v[0].initiator, 1);
	ck_assert_uint_eq(nc, 1);
	ck_assert_uint_eq(nd, 1);
	ck_assert_uint_eq(c[0].spi_in, child_in);
	ck_assert_uint_eq(d[0].ike_spi_i, w[0].spi_i);
	ck_assert_int_eq(A.downs + B.downs, 0);
	teardown_pair();
}
END_TEST

/* Delivers the idx-th queued packet only (the others stay queued). */
static void
deliver(size_t idx)
{
	struct pkt p;

	ck_assert_uint_lt(idx, nq);
	p = q[idx];
	memmove(q + idx, q + idx + 1, (nq - idx - 1) * sizeof(q[0]));
	nq--;
	ike_endpoint_input(side_of(&p.to)->ep, &p.to, &p.from, p.buf, p.len);
}

/*
 * 2.8.1 as strongSwan 5.9.8 ran it in test_ike_strongswan.sh case R: the
 * requests cross, B answers A's at once but its answer is slow; A answers
 * B's; B, whose exchange survives (A's holds the lowest nonce), deletes
 * the old Child SA, and that Delete reaches A before B's answer.  A must
 * still make the SA of its own exchange from that answer and delete it:
 * B made it too and waits for A, its creator, to delete it.  (A used to
 * drop the answer, the old SA being gone: B kept a second Child SA.)
 * _i: the lowest nonce is A's Ni (0) or B's Nr answering A (1).
 */
START_TEST(test_rekey_child_delete_first)
{
	struct ike_sa_view v[4];
	struct ike_child_view c[4], d[4];
	size_t ni, nc, nd;
	uint32_t old_in;

	setup_pair("aes128-sha256-modp2048", "null-sha256",
	    "aes128-sha256-modp2048", "null-sha256", "interop-psk-0123456789");
	ck_assert_int_eq(ike_endpoint_initiate(A.ep, "b"), 0);
	pump(0, 0);
	snapshot(&A, v, &ni, c, &nc);
	old_in = c[0].spi_in;
	script_lowest((size_t)_i * 2, 4);
	ck_assert_int_eq(ike_endpoint_rekey_child(A.ep, old_in), 0);
	ck_assert_int_eq(ike_endpoint_rekey_child(B.ep, c[0].spi_out), 0);
	ck_assert_uint_eq(nq, 2);		/* req A, req B */
	deliver(0);				/* req A to B: B answers */
	ck_assert_uint_eq(nq, 2);		/* req B, resp B */
	deliver(0);				/* req B to A: A answers */
	ck_assert_uint_eq(nq, 2);		/* resp B, resp A */
	deliver(1);				/* resp A to B: B deletes old */
	ck_assert_uint_eq(nq, 2);		/* resp B, Delete B */
	deliver(1);				/* the Delete to A first */
	ck_assert_uint_eq(nq, 2);		/* resp B, its answer */
	snapshot(&A, v, &ni, c, &nc);
	ck_assert_uint_eq(nc, 1);		/* old gone, B's new one */
	deliver(0);				/* resp B, late */
	pump(0, 0);
	ck_assert_uint_eq(script_at, 4);
	snapshot(&A, v, &ni, c, &nc);
	snapshot(&B, v, &ni, d, &nd);
	ck_assert_uint_eq(nc, 1);
	ck_assert_uint_eq(nd, 1);
	ck_assert_str_eq(c[0].state, "INSTALLED");
	ck_assert_str_eq(d[0].state, "INSTALLED");
	ck_assert_uint_eq(c[0].spi_in, d[0].spi_out);
	ck_assert_uint_eq(c[0].spi_out, d[0].spi_in);
	ck_assert_uint_ne(c[0].spi_in, old_in);
	/* B's exchange survives: A answered it. */
	ck_assert_int_eq(A.up[up_of(&A, c[0].spi_in)].initiator, 0);
	ck_assert_int_eq(A.ups, 3);
	ck_assert_int_eq(B.ups, 3);
	ck_assert_int_eq(A.downs, 2);
	ck_assert_int_eq(B.downs, 2);
	teardown_pair();
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("ike_sa");
	TCase *tc = tcase_create("exchanges");

	verbose = getenv("IKE_TEST_VERBOSE") != NULL;
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_psk_groups, 0, 3);
	tcase_add_test(tc, test_responder_initiates);
	tcase_add_test(tc, test_invalid_ke_retry);
	tcase_add_test(tc, test_no_proposal);
	tcase_add_test(tc, test_child_no_proposal);
	tcase_add_test(tc, test_auth_failed);
	tcase_add_loop_test(tc, test_loss_and_duplicates, 0, 4);
	tcase_add_test(tc, test_backoff_give_up);
	tcase_add_loop_test(tc, test_delete_both_sides, 0, 2);
	tcase_add_test(tc, test_cookie);
	tcase_add_test(tc, test_ike_expiry);
	tcase_add_test(tc, test_window_queue);
	tcase_add_test(tc, test_half_open_cap);
	tcase_add_test(tc, test_more_children);
	tcase_add_test(tc, test_nat_traversal);
	tcase_add_loop_test(tc, test_encap_forced, 0, 2);
	tcase_add_test(tc, test_liveness);
	tcase_add_loop_test(tc, test_cert_auth, 0, 3);
	tcase_add_loop_test(tc, test_rekey_child, 0, 2);
	tcase_add_loop_test(tc, test_rekey_ike, 0, 2);
	tcase_add_test(tc, test_rekey_on_timer);
	tcase_add_loop_test(tc, test_rekey_child_simultaneous, 0, 4);
	tcase_add_loop_test(tc, test_rekey_ike_simultaneous, 0, 4);
	tcase_add_loop_test(tc, test_rekey_child_delete_first, 0, 2);
	tcase_add_test(tc, test_rekey_ike_one_notices);
	tcase_add_loop_test(tc, test_frag_cert_auth, 0, 2);
	tcase_add_test(tc, test_frag_retransmit);
	tcase_add_test(tc, test_frag_reassembly);
	tcase_add_test(tc, test_status_json);
	tcase_add_test(tc, test_ts_narrowing);
	tcase_add_test(tc, test_payload_rules);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
