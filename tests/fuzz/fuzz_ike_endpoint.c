/*
 * fuzz_ike_endpoint.c - libFuzzer target for the IKEv2 exchanges and
 * SA state (src/ike/ike_sa.c, ike_x_*.c): two endpoints in one process
 * over a fake wire, the input a script of what happens to them.
 *
 * Each input byte is one event: either end initiates, rekeys or
 * deletes; the next datagram on the wire is delivered, lost, delivered
 * twice, delivered with one byte changed (clear IKE_SA_INIT messages
 * reach the parsers and the exchange code; sealed ones must fail their
 * integrity check), or delivered out of order; the clock jumps ahead and
 * both ends tick.  Random bytes for SPIs and nonces come from a PRNG
 * seeded by the input, so a crash reproduces.
 *
 * A fragments what it sends (RFC 7383, fragment_size 200), so lost,
 * duplicated, changed and reordered fragments reach B's reassembly.
 *
 * Beyond not crashing (AddressSanitizer, UBSan): every SA the snapshot
 * lists is in a named state, and an installed Child SA has both SPIs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ike/ike.h"
#include "ike/ike_config.h"
#include "ike/ike_proposal.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) __builtin_trap(); } while (0)
#define QMAX		32
#define OPS_MAX		96

struct pkt {
	struct ike_addr	from, to;
	uint8_t		buf[IKE_MSG_MAX + 4];
	size_t		len;
};

static struct pkt	q[QMAX];
static size_t		nq;
static uint64_t		now_ms;
static uint64_t		prng;
static struct ike_config ca, cb;
static struct ike_endpoint *A, *B;
static struct ike_addr	addr_a, addr_b;

static uint64_t
fake_now(void *arg)
{
	(void)arg;
	return (now_ms);
}

static int
fake_random(void *arg, void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t i;

	(void)arg;
	for (i = 0; i < len; i++) {
		prng ^= prng << 13;
		prng ^= prng >> 7;
		prng ^= prng << 17;
		p[i] = (uint8_t)prng;
	}
	return (0);
}

static int
fake_send(void *arg, const struct ike_addr *local,
    const struct ike_addr *remote, const uint8_t *buf, size_t len)
{
	(void)arg;
	if (nq == QMAX || len > sizeof(q[0].buf))
		return (0);	/* the wire loses it */
	q[nq].from = *local;
	q[nq].to = *remote;
	memcpy(q[nq].buf, buf, len);
	q[nq].len = len;
	nq++;
	return (0);
}

static void
child_cb(void *arg, const struct ike_child_info *ci)
{
	(void)arg;
	CHECK(ci->spi_in != 0 && ci->spi_out != 0);
}

static void
peer(struct ike_config *c, const char *name, const char *me,
    const char *them, const char *my_id, const char *their_id,
    const char *lts, const char *rts)
{
	struct ike_peer_config *p;
	char err[128];

	ike_config_defaults(c);
	c->n_listen = 0;
	c->cookie_threshold = 1;	/* exercise cookies too */
	c->retransmit_tries = 2;
	p = &c->peers[c->n_peers++];
	ike_peer_defaults(p);
	strcpy(p->name, name);
	ike_addr_parse(me, 500, &p->local);
	ike_addr_parse(them, 500, &p->remote);
	memcpy(p->psk, "fuzz-psk", 8);
	p->psk_len = 8;
	ike_id_parse(my_id, &p->local_id);
	ike_id_parse(their_id, &p->remote_id);
	CHECK(ike_proposals_parse("aes128gcm16-prfsha256-curve25519,"
	    "aes128-sha256-ecp256", IKE_PROTO_IKE, p->ike_props,
	    IKE_PROPOSALS_MAX, &p->n_ike_props, err, sizeof(err)) == 0);
	CHECK(ike_proposals_parse("null-sha256,aes128gcm16", IKE_PROTO_ESP,
	    p->esp_props, IKE_PROPOSALS_MAX, &p->n_esp_props, err,
	    sizeof(err)) == 0);
	ike_ts_parse(lts, &p->local_ts[0]);
	p->n_local_ts = 1;
	ike_ts_parse(rts, &p->remote_ts[0]);
	p->n_remote_ts = 1;
	p->dpd_delay = 30;
}

static void
deliver(size_t i, int times)
{
	struct pkt p = q[i];

	memmove(q + i, q + i + 1, (nq - i - 1) * sizeof(q[0]));
	nq--;
	while (times-- > 0)
		ike_endpoint_input(ipaddr_eq(&p.to.ip, &addr_a.ip) ? A : B,
		    &p.to, &p.from, p.buf, p.len);
}

static void
check_views(struct ike_endpoint *ep)
{
	static struct ike_sa_view v[8];
	static struct ike_child_view c[16];
	size_t ni, nc, i;

	ike_endpoint_snapshot(ep, v, 8, &ni, c, 16, &nc);
	for (i = 0; i < ni; i++)
		CHECK(v[i].state != NULL && v[i].spi_i != 0);
	for (i = 0; i < nc; i++)
		CHECK(c[i].state != NULL && c[i].spi_in != 0 &&
		    c[i].spi_out != 0);
}

/* The first Child SA or IKE SA of ep, for rekey and delete events. */
static void
first_sas(struct ike_endpoint *ep, uint64_t *spi_i, uint32_t *spi_in)
{
	static struct ike_sa_view v[8];
	static struct ike_child_view c[16];
	size_t ni, nc;

	ike_endpoint_snapshot(ep, v, 8, &ni, c, 16, &nc);
	*spi_i = ni > 0 ? v[0].spi_i : 1;
	*spi_in = nc > 0 ? c[0].spi_in : 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	struct ike_env env;
	uint64_t spi_i;
	uint32_t spi_in;
	size_t i;

	if (!init) {
		peer(&ca, "b", "10.99.0.1", "10.99.0.2", "a.test", "b.test",
		    "10.1.0.0/16", "10.2.0.0/24");
		peer(&cb, "a", "10.99.0.2", "10.99.0.1", "b.test", "a.test",
		    "10.2.0.0/16", "10.1.0.0/24");
		/* A sends in RFC 7383 fragments: a size below the config's
		 * minimum, so that even PSK IKE_AUTH messages split, and the
		 * fragments go through B's reassembly. */
		ca.fragment_size = 200;
		ike_addr_parse("10.99.0.1", 500, &addr_a);
		ike_addr_parse("10.99.0.2", 500, &addr_b);
		init = true;
	}
	nq = 0;
	now_ms = 1000000;
	prng = 0x9e3779b97f4a7c15ull;
	for (i = 0; i < size && i < 8; i++)
		prng = prng * 31 + data[i] + 1;
	memset(&env, 0, sizeof(env));
	env.now_ms = fake_now;
	env.send = fake_send;
	env.random = fake_random;
	env.child_up = child_cb;
	env.child_down = child_cb;
	if ((A = ike_endpoint_new(&ca, &env)) == NULL)
		return (0);
	if ((B = ike_endpoint_new(&cb, &env)) == NULL) {
		ike_endpoint_free(A);
		return (0);
	}
	for (i = 0; i < size && i < OPS_MAX; i++) {
		struct ike_endpoint *ep = (data[i] & 0x80) ? B : A;
		uint8_t arg = i + 1 < size ? data[i + 1] : 0;

		switch (data[i] & 0x0f) {
		case 0:
			(void)ike_endpoint_initiate(ep, ep == A ? "b" : "a");
			break;
		case 1: case 2: case 3:
			if (nq > 0)
				deliver(0, 1);
			break;
		case 4:
			if (nq > 0)
				deliver(0, 0);		/* lost */
			break;
		case 5:
			if (nq > 0)
				deliver(0, 2);		/* duplicated */
			break;
		case 6:
			if (nq > 1)
				deliver(1, 1);		/* reordered */
			break;
		case 7:
			if (nq > 0 && q[0].len > 0) {
				q[0].buf[arg % q[0].len] ^= (uint8_t)(1 +
				    (data[i] >> 4));
				deliver(0, 1);
			}
			break;
		case 8:
			if (nq > 0 && q[0].len > 1) {
				q[0].len = 1 + arg % (q[0].len - 1);
				deliver(0, 1);		/* truncated */
			}
			break;
		case 9:
			now_ms += 500 + (uint64_t)arg * 1000;
			ike_endpoint_tick(A, now_ms);
			ike_endpoint_tick(B, now_ms);
			break;
		case 10:
			first_sas(ep, &spi_i, &spi_in);
			(void)ike_endpoint_rekey_child(ep, spi_in);
			break;
		case 11:
			first_sas(ep, &spi_i, &spi_in);
			(void)ike_endpoint_rekey_ike(ep, spi_i);
			break;
		case 12:
			first_sas(ep, &spi_i, &spi_in);
			(void)ike_endpoint_delete_child(ep, spi_in);
			break;
		case 13:
			(void)ike_endpoint_delete(ep, ep == A ? "b" : "a", 0);
			break;
		case 14:
			while (nq > 0)
				deliver(0, 1);
			break;
		default:
			now_ms += 4000 * (1 + (arg & 3));
			ike_endpoint_tick(ep, now_ms);
			break;
		}
		check_views(A);
		check_views(B);
	}
	ike_endpoint_shutdown(A);
	ike_endpoint_free(A);
	ike_endpoint_free(B);
	return (0);
}
