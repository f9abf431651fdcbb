/*
 * test_heuristic.c - the per-SA decision (src/detect/heuristic.c)
 * through detect/: every candidate layout with every inner protocol,
 * weak evidence, NAT, rekey, robustness, the transition table, and the
 * one rule that matters most: random and adversarial ciphertext never
 * becomes null.
 */
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"
#include "esp_build.h"
#include "detect/detect.h"
#include "detect/heuristic.h"

static struct detect	*d;
static struct stats	 st;
static struct tb_reports reps;

static void
open_detect(const struct detect_config *cfg)
{
	memset(&st, 0, sizeof(st));
	memset(&reps, 0, sizeof(reps));
	d = detect_new(cfg, tb_collect, &reps);
	ck_assert_ptr_nonnull(d);
}

static void
setup(void)
{
	open_detect(NULL);
}

static void
teardown(void)
{
	detect_free(d);
	d = NULL;
}

/* Inner payloads, each with its ESP Next Header. */
enum inner_kind {
	IK_ICMP4, IK_ICMP6, IK_TCP4, IK_TCP6, IK_UDP4, IK_UDP6, IK_SCTP,
	IK_GRE, IK_IP4_TUNNEL, IK_IP6_TUNNEL, IK_UDP4_ZERO,
	IK_MAX
};

static const uint8_t payload[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

/* Build kind's payload for outer family (transport mode pseudo header
   from the outer addresses tb_packet() uses). */
static size_t
build_inner(enum inner_kind k, uint16_t n, uint8_t *out, uint8_t *nh,
    int *family)
{
	uint8_t	 l4[512], ip[512];
	size_t	 len;

	*family = 4;
	switch (k) {
	case IK_ICMP4:
		*nh = 1;
		return (tb_icmp_echo(out, 0x77, n, payload, sizeof(payload)));
	case IK_ICMP6:
		*nh = 58;
		*family = 6;
		return (tb_icmp6_echo(out, tb_v6_src, tb_v6_dst, 0x77, n,
		    payload, sizeof(payload)));
	case IK_TCP4:
		*nh = 6;
		return (tb_tcp(out, 4, tb_v4_src, tb_v4_dst, 40000 + n, 80,
		    payload, sizeof(payload)));
	case IK_TCP6:
		*nh = 6;
		*family = 6;
		return (tb_tcp(out, 6, tb_v6_src, tb_v6_dst, 40000 + n, 80,
		    payload, sizeof(payload)));
	case IK_UDP4:
		*nh = 17;
		return (tb_udp(out, 4, tb_v4_src, tb_v4_dst, 5000 + n, 53,
		    payload, sizeof(payload), false));
	case IK_UDP6:
		*nh = 17;
		*family = 6;
		return (tb_udp(out, 6, tb_v6_src, tb_v6_dst, 5000 + n, 53,
		    payload, sizeof(payload), false));
	case IK_SCTP:
		*nh = 132;
		return (tb_sctp(out, 5000, 6000 + n, payload,
		    sizeof(payload)));
	case IK_GRE:
		*nh = 47;
		len = tb_udp(l4, 4, tb_v4_src, tb_v4_dst, 1, 2, payload,
		    sizeof(payload), false);
		len = tb_ipv4(ip, tb_v4_src, tb_v4_dst, 17, l4, len);
		return (tb_gre(out, false, 0x0800, ip, len));
	case IK_IP4_TUNNEL:
		*nh = 4;
		len = tb_tcp(l4, 4, tb_v4_dst, tb_v4_src, 443, 40000 + n,
		    payload, sizeof(payload));
		return (tb_ipv4(out, tb_v4_dst, tb_v4_src, 6, l4, len));
	case IK_IP6_TUNNEL:
		*nh = 41;
		*family = 6;
		len = tb_icmp6_echo(l4, tb_v6_dst, tb_v6_src, 1, n, payload,
		    sizeof(payload));
		return (tb_ipv6(out, tb_v6_dst, tb_v6_src, 58, l4, len));
	case IK_UDP4_ZERO:
	case IK_MAX:
		break;
	}
	*nh = 17;
	return (tb_udp(out, 4, tb_v4_src, tb_v4_dst, 5000 + n, 53, payload,
	    sizeof(payload), true));
}

struct pkt {
	uint8_t		 b[1024];
	struct packet	 p;
};

/* One ESP-NULL packet of SA spi with candidate cand. */
static void
null_packet(struct pkt *k, uint64_t *rng, uint32_t spi, uint32_t seq,
    int cand, enum inner_kind kind)
{
	const struct sa_candidate *c = heur_candidate(cand);
	uint8_t		 inner[512];
	uint8_t		 nh;
	int		 family;
	size_t		 n;

	n = build_inner(kind, (uint16_t)seq, inner, &nh, &family);
	n = tb_esp(k->b, rng, spi, seq, c->iv_len, inner, n, nh, c->icv_len,
	    0);
	tb_packet(&k->p, family, k->b, n);
	k->p.ts_sec = 1000 + seq;
}

/* Ciphertext-like: header, IV, blocks, ICV, all random. */
static void
random_packet(struct pkt *k, uint64_t *rng, int family, uint32_t spi,
    uint32_t seq, size_t len)
{
	tb_fill_random(rng, k->b, len);
	tb_put32(k->b, spi);
	tb_put32(k->b + 4, seq);
	tb_packet(&k->p, family, k->b, len);
	k->p.ts_sec = 1000 + seq;
}

static const struct sa_report *
decided(uint32_t spi)
{
	return (tb_find(&reps, spi, SA_EVENT_DECIDED));
}

/*
 * Every candidate layout (ICV 0, 8, 12, 16, 24, 32 and AES-GMAC) with
 * every inner protocol: null with exactly that layout, the payload
 * found where it was put.
 */
START_TEST(each_candidate_each_inner)
{
	int		 cand = _i / IK_MAX;
	enum inner_kind	 kind = (enum inner_kind)(_i % IK_MAX);
	const struct sa_candidate *c = heur_candidate(cand);
	const struct sa_report *r;
	uint64_t	 rng = 1000 + (uint64_t)_i;
	uint32_t	 spi = 0x10000 + (uint32_t)_i, seq, need;
	struct pkt	 k;

	need = kind == IK_UDP4_ZERO ? 3 : 1;	/* weak: decide_pkts */
	for (seq = 1; seq <= need; seq++) {
		ck_assert_ptr_null(decided(spi));
		null_packet(&k, &rng, spi, seq, cand, kind);
		detect_packet(d, &k.p, &st);
	}
	r = decided(spi);
	ck_assert_msg(r != NULL, "cand %d kind %d undecided", cand, kind);
	ck_assert_int_eq(r->verdict, VERDICT_NULL);
	ck_assert_int_eq(r->method, METHOD_HEURISTIC);
	ck_assert_uint_eq(r->icv_len, c->icv_len);
	ck_assert_uint_eq(r->iv_len, c->iv_len);
	ck_assert_uint_eq(r->decided_after, need);
	ck_assert(!r->from_predecessor);
	ck_assert_int_eq(k.p.verdict, VERDICT_NULL);
	ck_assert_ptr_eq(k.p.inner, k.b + 8 + c->iv_len);
	ck_assert_uint_eq(k.p.inner_tunnel, kind == IK_IP4_TUNNEL ||
	    kind == IK_IP6_TUNNEL);
	ck_assert_uint_eq(st.inner_found, need);
	ck_assert_uint_eq(st.held_released, need - 1);
}
END_TEST

/* The DECIDED report explains itself: the other six were rejected. */
START_TEST(report_explains)
{
	const struct sa_report *r;
	uint64_t	 rng = 5;
	struct pkt	 k;
	uint8_t		 i;

	null_packet(&k, &rng, 0x4242, 7, heur_candidate_index(0, 12),
	    IK_ICMP4);
	k.p.ts_usec = 123;
	detect_packet(d, &k.p, &st);
	r = decided(0x4242);
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_null(r->end_reason);
	ck_assert_int_eq(r->ts_sec, 1007);
	ck_assert_uint_eq(r->ts_usec, 123);
	ck_assert_uint_eq(r->n_rejected, HEUR_N_CANDIDATES - 1);
	for (i = 0; i < r->n_rejected; i++)
		ck_assert(!(r->rejected[i].icv_len == 12 &&
		    r->rejected[i].iv_len == 0));
	ck_assert_uint_eq(r->seq_first, 7);
	ck_assert_uint_eq(r->pkts, 1);
	ck_assert_uint_eq(r->bytes, k.p.esp_wire_len);
	ck_assert_uint_eq(r->ipver, 4);
	ck_assert(ipaddr_eq(&r->src, &k.p.src));
	ck_assert(ipaddr_eq(&r->dst, &k.p.dst));
	ck_assert_int_eq(r->encap, ENCAP_NONE);
	ck_assert(!r->wesp);
	ck_assert_uint_ne(r->sa_id, 0);
	ck_assert_uint_eq(r->sa_id, k.p.sa_id);
}
END_TEST

/*
 * THE rule: ciphertext is never null.  10000 SAs of 1-6 random packets
 * (AES-CBC-like sizes: 8 + 16 IV + 16n + 12 ICV, and arbitrary
 * lengths), IPv4 and IPv6, plain and UDP-encapsulated.
 */
START_TEST(random_sas_never_null)
{
	uint64_t	 rng = 0x5eed;
	uint32_t	 i, j, npk;
	size_t		 len;
	struct pkt	 k;

	for (i = 0; i < 10000; i++) {
		npk = 1 + tb_rand(&rng) % 6;
		for (j = 1; j <= npk; j++) {
			if (i % 2)
				len = 8 + 16 + 16 * (1 + tb_rand(&rng) % 20) +
				    12;
			else
				len = 9 + tb_rand(&rng) % 400;
			random_packet(&k, &rng, i % 3 ? 4 : 6, 0x1000000 + i,
			    j, len);
			if (i % 5 == 0) {
				k.p.encap = ENCAP_UDP;
				k.p.sport = k.p.dport = 4500;
			}
			detect_packet(d, &k.p, &st);
			ck_assert_int_ne(k.p.verdict, VERDICT_NULL);
			ck_assert_ptr_null(k.p.inner);
		}
	}
	detect_finish(d, &st);
	ck_assert_uint_eq(reps.decided[VERDICT_NULL], 0);
	ck_assert_uint_eq(st.sa_null, 0);
	ck_assert_uint_eq(st.sa_created, 10000);
	ck_assert_uint_eq(st.inner_found, 0);
	ck_assert_uint_eq(st.held_released, 0);
	/* nearly all SAs of 2+ packets are recognised as encrypted */
	ck_assert_uint_gt(st.sa_encrypted, 7000);
	fprintf(stderr, "random SAs: %llu encrypted, %llu undecided, 0 null\n",
	    (unsigned long long)st.sa_encrypted,
	    (unsigned long long)st.sa_undecided);
}
END_TEST

/* 10000 random packets of one SA: encrypted after 2, never null. */
START_TEST(random_packets_one_sa)
{
	uint64_t	 rng = 77;
	uint32_t	 j;
	struct pkt	 k;

	for (j = 1; j <= 10000; j++) {
		random_packet(&k, &rng, 4, 0xabc, j, 60 + tb_rand(&rng) % 200);
		detect_packet(d, &k.p, &st);
		ck_assert_int_ne(k.p.verdict, VERDICT_NULL);
	}
	ck_assert_ptr_nonnull(decided(0xabc));
	ck_assert_int_eq(decided(0xabc)->verdict, VERDICT_ENCRYPTED);
	ck_assert_uint_eq(decided(0xabc)->n_rejected, HEUR_N_CANDIDATES);
	ck_assert_uint_le(decided(0xabc)->decided_after, 4);
}
END_TEST

/*
 * Adversarial ciphertext: random bytes whose tail is valid default
 * padding with a checkable Next Header at every candidate position,
 * and bodies that start like an IPv4 header (0x45, right total length)
 * with a wrong checksum, or like an IPv6 header (version, payload
 * length) carrying TCP or UDP with a wrong checksum.  Checks must hold;
 * padding alone proves nothing.
 */
START_TEST(adversarial_padding_never_null)
{
	static const uint8_t nhs[] = { 1, 4, 6, 17, 41, 47, 58, 132, 59 };
	uint64_t	 rng = 0xadd;
	uint32_t	 sa, j;
	struct pkt	 k;
	size_t		 len, t, body, icv;
	int		 cand;
	uint8_t		 nh;

	for (sa = 0; sa < 3000; sa++) {
		cand = (int)(sa % HEUR_N_CANDIDATES);
		nh = nhs[sa % sizeof(nhs)];
		icv = heur_candidate(cand)->icv_len;
		for (j = 1; j <= 5; j++) {
			len = 64 + 4 * (tb_rand(&rng) % 40);
			random_packet(&k, &rng, sa % 2 ? 6 : 4, 0x2000000 + sa,
			    j, len);
			t = len - icv - 2;
			k.b[t - 2] = 1;
			k.b[t - 1] = 2;
			k.b[t] = 2;
			k.b[t + 1] = nh;
			body = 8 + heur_candidate(cand)->iv_len;
			if (nh == 4) {
				k.b[body] = 0x45;
				tb_put16(k.b + body + 2,
				    (uint16_t)(t - 2 - body));
			} else if (nh == 41) {
				k.b[body] = 0x60;
				tb_put16(k.b + body + 4,
				    (uint16_t)(t - 2 - body - 40));
				k.b[body + 6] = (uint8_t)(j % 2 ? 6 : 17);
			} else if (nh == 17) {
				tb_put16(k.b + body + 4,
				    (uint16_t)(t - 2 - body));
			}
			detect_packet(d, &k.p, &st);
			ck_assert_int_ne(k.p.verdict, VERDICT_NULL);
		}
	}
	detect_finish(d, &st);
	ck_assert_uint_eq(reps.decided[VERDICT_NULL], 0);
	ck_assert_uint_eq(st.sa_null, 0);
}
END_TEST

/*
 * A flood of dummy packets (NH 59, RFC 4303 section 2.6) with perfect
 * padding and random payload decides nothing.
 */
START_TEST(dummy_packets_decide_nothing)
{
	uint64_t	 rng = 59;
	uint8_t		 junk[40];
	uint32_t	 j;
	struct pkt	 k;
	size_t		 n;

	for (j = 1; j <= 50; j++) {
		tb_fill_random(&rng, junk, sizeof(junk));
		n = tb_esp(k.b, &rng, 0x59, j, 0, junk, sizeof(junk), 59, 12,
		    0);
		tb_packet(&k.p, 4, k.b, n);
		detect_packet(d, &k.p, &st);
		ck_assert_int_eq(k.p.verdict, VERDICT_UNDECIDED);
	}
	ck_assert_uint_eq(reps.n, 0);
}
END_TEST

/*
 * An SA that ends before encrypted_pkts packets: encrypted if every
 * packet fitted nothing, undecided if any passed or was unsure.
 */
START_TEST(finish_judges_short_sas)
{
	uint64_t	 rng = 31;
	uint8_t		 junk[40];
	struct pkt	 k;
	size_t		 n;

	random_packet(&k, &rng, 4, 0x700, 1, 100);		/* no fit */
	detect_packet(d, &k.p, &st);
	null_packet(&k, &rng, 0x701, 1, 2, IK_UDP4_ZERO);	/* weak */
	k.p.dst.bytes[3] = 1;
	detect_packet(d, &k.p, &st);
	random_packet(&k, &rng, 4, 0x702, 1, 100);		/* no fit */
	k.p.dst.bytes[3] = 2;
	detect_packet(d, &k.p, &st);
	tb_fill_random(&rng, junk, sizeof(junk));		/* unsure */
	n = tb_esp(k.b, &rng, 0x702, 2, 0, junk, sizeof(junk), 59, 12, 0);
	tb_packet(&k.p, 4, k.b, n);
	k.p.dst.bytes[3] = 2;
	detect_packet(d, &k.p, &st);
	ck_assert_uint_eq(reps.n, 0);
	detect_finish(d, &st);

	ck_assert_ptr_nonnull(decided(0x700));
	ck_assert_int_eq(decided(0x700)->verdict, VERDICT_ENCRYPTED);
	ck_assert_uint_eq(decided(0x700)->decided_after, 1);
	ck_assert_uint_eq(decided(0x700)->n_rejected, HEUR_N_CANDIDATES);
	ck_assert_int_eq(tb_find(&reps, 0x700, SA_EVENT_END)->verdict,
	    VERDICT_ENCRYPTED);
	ck_assert_ptr_null(decided(0x701));
	ck_assert_int_eq(tb_find(&reps, 0x701, SA_EVENT_END)->verdict,
	    VERDICT_UNDECIDED);
	ck_assert_ptr_null(decided(0x702));
	ck_assert_int_eq(tb_find(&reps, 0x702, SA_EVENT_END)->verdict,
	    VERDICT_UNDECIDED);
	ck_assert_uint_eq(st.sa_encrypted, 1);
	ck_assert_uint_eq(st.sa_undecided, 2);
}
END_TEST

/* Weak evidence (UDP checksum 0) needs decide_pkts packets. */
START_TEST(weak_needs_decide_pkts)
{
	struct detect_config cfg;
	uint64_t	 rng = 9;
	uint32_t	 seq;
	struct pkt	 k;

	teardown();
	detect_config_defaults(&cfg);
	cfg.decide_pkts = 5;
	open_detect(&cfg);
	for (seq = 1; seq <= 5; seq++) {
		null_packet(&k, &rng, 0x77, seq, 2, IK_UDP4_ZERO);
		detect_packet(d, &k.p, &st);
		ck_assert_int_eq(k.p.verdict, seq < 5 ? VERDICT_UNDECIDED :
		    VERDICT_NULL);
	}
	ck_assert_uint_eq(decided(0x77)->decided_after, 5);
}
END_TEST

/*
 * Robustness: one corrupt packet among ESP-NULL packets neither blocks
 * the null verdict nor makes the SA encrypted.
 */
START_TEST(one_corrupt_packet)
{
	uint64_t	 rng = 11;
	struct pkt	 k;

	/* corrupt first, then one strong packet */
	random_packet(&k, &rng, 4, 0x100, 1, 88);
	detect_packet(d, &k.p, &st);
	ck_assert_int_eq(k.p.verdict, VERDICT_UNDECIDED);
	null_packet(&k, &rng, 0x100, 2, 2, IK_ICMP4);
	detect_packet(d, &k.p, &st);
	ck_assert_int_eq(k.p.verdict, VERDICT_NULL);

	/* weak, corrupt, weak, weak: null after the third weak pass
	   (other peers: 0x100 would be a predecessor) */
	null_packet(&k, &rng, 0x200, 1, 2, IK_UDP4_ZERO);
	k.p.dst.bytes[3] = 99;
	detect_packet(d, &k.p, &st);
	random_packet(&k, &rng, 4, 0x200, 2, 88);
	k.p.dst.bytes[3] = 99;
	detect_packet(d, &k.p, &st);
	ck_assert_int_eq(k.p.verdict, VERDICT_UNDECIDED);
	null_packet(&k, &rng, 0x200, 3, 2, IK_UDP4_ZERO);
	k.p.dst.bytes[3] = 99;
	detect_packet(d, &k.p, &st);
	ck_assert_int_eq(k.p.verdict, VERDICT_UNDECIDED);
	null_packet(&k, &rng, 0x200, 4, 2, IK_UDP4_ZERO);
	k.p.dst.bytes[3] = 99;
	detect_packet(d, &k.p, &st);
	ck_assert_int_eq(k.p.verdict, VERDICT_NULL);
	ck_assert_uint_eq(decided(0x200)->decided_after, 4);

	/* and once null, a broken packet is just not inspectable */
	null_packet(&k, &rng, 0x100, 3, 2, IK_ICMP4);
	k.b[k.p.esp_wire_len - 12 - 3] ^= 0x7f;		/* padding byte */
	detect_packet(d, &k.p, &st);
	ck_assert_int_eq(k.p.verdict, VERDICT_NULL);
	ck_assert_ptr_null(k.p.inner);
}
END_TEST

/* No trailer, no payload: no evidence, whatever the bytes. */
START_TEST(no_evidence)
{
	uint64_t	 rng = 13;
	struct pkt	 k;
	uint32_t	 seq;

	for (seq = 1; seq <= 10; seq++) {
		null_packet(&k, &rng, 0x300, seq, 2, IK_ICMP4);
		k.p.esp_len -= 1;			/* snaplen cut */
		detect_packet(d, &k.p, &st);
		ck_assert_int_eq(k.p.verdict, VERDICT_UNDECIDED);
		random_packet(&k, &rng, 4, 0x301, seq, 8);	/* header only */
		detect_packet(d, &k.p, &st);
		ck_assert_int_eq(k.p.verdict, VERDICT_UNDECIDED);
	}
	detect_finish(d, &st);
	ck_assert_uint_eq(reps.ended[VERDICT_UNDECIDED], 2);
	ck_assert_uint_eq(st.sa_undecided, 2);
	ck_assert_uint_eq(tb_find(&reps, 0x300, SA_EVENT_END)->n_rejected, 0);
}
END_TEST

/*
 * UDP-encapsulated transport mode behind a NAT (RFC 3948 section
 * 3.1.2): the outer addresses no longer match the TCP pseudo header.
 * The same residual twice is a 16-bit match.  Without encapsulation the
 * same packets are rejected.
 */
START_TEST(nat_transport)
{
	static const uint8_t orig[4] = { 10, 0, 0, 5 };
	uint8_t		 l4[256];
	uint64_t	 rng = 17;
	struct pkt	 k;
	uint32_t	 seq;
	size_t		 n;
	bool		 encap;

	for (encap = false; ; encap = true) {
		for (seq = 1; seq <= 3; seq++) {
			n = tb_tcp(l4, 4, orig, tb_v4_dst, 50000, 22, payload,
			    seq * 3);
			n = tb_esp(k.b, &rng, encap ? 0x401 : 0x400, seq, 0,
			    l4, n, 6, 16, 0);
			tb_packet(&k.p, 4, k.b, n);
			if (encap) {
				k.p.encap = ENCAP_UDP;
				k.p.sport = 4500;
				k.p.dport = 31000;
			}
			detect_packet(d, &k.p, &st);
		}
		if (encap)
			break;
	}
	ck_assert_int_eq(decided(0x400)->verdict, VERDICT_ENCRYPTED);
	ck_assert_int_eq(decided(0x401)->verdict, VERDICT_NULL);
	ck_assert_uint_eq(decided(0x401)->icv_len, 16);
	ck_assert_uint_eq(decided(0x401)->decided_after, 2);
	ck_assert_int_eq(decided(0x401)->encap, ENCAP_UDP);
	ck_assert_uint_eq(decided(0x401)->dport, 31000);
}
END_TEST

/*
 * Rekey: the next SA between the same peers is tried with the old
 * layout first, and one weak pass decides it.
 */
START_TEST(rekey_predecessor)
{
	uint64_t	 rng = 19;
	struct pkt	 k;

	null_packet(&k, &rng, 0x500, 1, 3, IK_ICMP4);	/* ICV 16 */
	detect_packet(d, &k.p, &st);
	ck_assert_int_eq(k.p.verdict, VERDICT_NULL);

	null_packet(&k, &rng, 0x501, 1, 3, IK_UDP4_ZERO);
	detect_packet(d, &k.p, &st);
	ck_assert_int_eq(k.p.verdict, VERDICT_NULL);
	ck_assert(decided(0x501)->from_predecessor);
	ck_assert_uint_eq(decided(0x501)->decided_after, 1);
	ck_assert_uint_eq(decided(0x501)->icv_len, 16);
	ck_assert_ptr_nonnull(k.p.inner);

	/* other peers (UDP encapsulated) do not inherit */
	null_packet(&k, &rng, 0x502, 1, 3, IK_UDP4_ZERO);
	k.p.encap = ENCAP_UDP;
	k.p.sport = k.p.dport = 4500;
	detect_packet(d, &k.p, &st);
	ck_assert_int_eq(k.p.verdict, VERDICT_UNDECIDED);

	/* a different layout than the predecessor's: normal path */
	null_packet(&k, &rng, 0x503, 1, 2, IK_UDP4_ZERO);
	detect_packet(d, &k.p, &st);
	ck_assert_int_eq(k.p.verdict, VERDICT_UNDECIDED);

	/* an encrypted successor stays encrypted */
	random_packet(&k, &rng, 4, 0x504, 1, 120);
	detect_packet(d, &k.p, &st);
	random_packet(&k, &rng, 4, 0x504, 2, 120);
	detect_packet(d, &k.p, &st);
	ck_assert_int_eq(k.p.verdict, VERDICT_ENCRYPTED);
	ck_assert(!decided(0x504)->from_predecessor);
}
END_TEST

/* The allowed-transition table, walked whole through sa_set_state(). */
START_TEST(transition_table)
{
	static const bool want[3][3] = {
		/* to:  undecided null  encrypted */
		{ false, true, true },		/* from undecided */
		{ false, false, false },	/* from null */
		{ false, false, false },	/* from encrypted */
	};
	struct heur	 h;
	int		 from, to;
	bool		 ok;

	for (from = 0; from < 3; from++) {
		for (to = 0; to < 3; to++) {
			ck_assert_int_eq(heur_transition_allowed(
			    (enum esp_verdict)from, (enum esp_verdict)to),
			    want[from][to]);
			heur_init(&h, -1);
			if (from != VERDICT_UNDECIDED)
				ck_assert(sa_set_state(&h,
				    (enum esp_verdict)from, METHOD_HEURISTIC,
				    "setup"));
			ok = sa_set_state(&h, (enum esp_verdict)to,
			    METHOD_WESP, "walk");
			ck_assert_int_eq(ok, want[from][to]);
			ck_assert_int_eq(h.verdict, ok ? to : from);
			if (ok)
				ck_assert_str_eq(h.reason, "walk");
		}
	}
	ck_assert(!heur_transition_allowed(VERDICT_UNDECIDED,
	    (enum esp_verdict)3));
	ck_assert(!heur_transition_allowed((enum esp_verdict)7,
	    VERDICT_NULL));
}
END_TEST

START_TEST(candidate_table)
{
	ck_assert_int_eq(heur_candidate_index(0, 0), 0);
	ck_assert_int_eq(heur_candidate_index(0, 12), 2);
	ck_assert_int_eq(heur_candidate_index(8, 16), 6);
	ck_assert_int_eq(heur_candidate_index(8, 12), -1);
	ck_assert_ptr_null(heur_candidate(-1));
	ck_assert_ptr_null(heur_candidate(HEUR_N_CANDIDATES));
	ck_assert_uint_eq(heur_candidate(5)->icv_len, 32);
}
END_TEST

/* Null SA: dummy packets carry nothing, but their NH is reported. */
START_TEST(dummy_in_null_sa)
{
	uint64_t	 rng = 23;
	uint8_t		 junk[20] = { 0 };
	struct pkt	 k;
	size_t		 n;

	null_packet(&k, &rng, 0x600, 1, 2, IK_ICMP4);
	detect_packet(d, &k.p, &st);
	n = tb_esp(k.b, &rng, 0x600, 2, 0, junk, sizeof(junk), 59, 12, 0);
	tb_packet(&k.p, 4, k.b, n);
	detect_packet(d, &k.p, &st);
	ck_assert_int_eq(k.p.verdict, VERDICT_NULL);
	ck_assert_ptr_null(k.p.inner);
	ck_assert_uint_eq(k.p.next_hdr, 59);
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("heuristic");
	TCase	*tc = tcase_create("decide");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, each_candidate_each_inner, 0,
	    HEUR_N_CANDIDATES * IK_MAX);
	tcase_add_test(tc, report_explains);
	tcase_add_test(tc, random_sas_never_null);
	tcase_add_test(tc, random_packets_one_sa);
	tcase_add_test(tc, adversarial_padding_never_null);
	tcase_add_test(tc, dummy_packets_decide_nothing);
	tcase_add_test(tc, finish_judges_short_sas);
	tcase_add_test(tc, weak_needs_decide_pkts);
	tcase_add_test(tc, one_corrupt_packet);
	tcase_add_test(tc, no_evidence);
	tcase_add_test(tc, nat_transport);
	tcase_add_test(tc, rekey_predecessor);
	tcase_add_test(tc, transition_table);
	tcase_add_test(tc, candidate_table);
	tcase_add_test(tc, dummy_in_null_sa);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
