/*
 * test_esp_sa.c - one ESP SA (RFC 4303, tunnel mode) against real
 * strongSwan 5.9.8 packets (data/esp_vectors.h: decapsulation of what
 * charon sent, and byte-exact encapsulation for the deterministic
 * suites), then round trips over every suite and framing, a bit flipped
 * at every byte position, padding and Next Header errors, replay,
 * lifetimes and the end of the sequence number space.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "unit.h"
#include "data/esp_vectors.h"
#include "esp/esp_sa.h"

#define NVEC	(sizeof(esp_vectors) / sizeof(esp_vectors[0]))
#define BUF	4096

static void
vec_keys(const struct esp_vec *v, struct ike_child_keys *k)
{
	memset(k, 0, sizeof(*k));
	k->encr = v->encr;
	k->keybits = v->keybits;
	k->integ = v->integ;
	k->encr_len = v->encr_len;
	k->integ_len = v->integ_len;
	memcpy(k->ei, v->ei, v->encr_len);
	memcpy(k->er, v->er, v->encr_len);
	memcpy(k->ai, v->ai, v->integ_len);
	memcpy(k->ar, v->ar, v->integ_len);
}

/* The SA of side A (initiator) or B of a vector run. */
static void
vec_sa(const struct esp_vec *v, bool side_a, struct esp_sa *sa)
{
	struct ike_child_keys k;
	struct esp_sa_config cfg;
	char		 err[128];

	vec_keys(v, &k);
	memset(&cfg, 0, sizeof(cfg));
	cfg.suite.encr = v->encr;
	cfg.suite.encr_keybits = v->keybits;
	cfg.suite.integ = v->integ;
	cfg.keys = &k;
	cfg.initiator = side_a;
	cfg.spi_in = side_a ? v->spi_b2a : v->spi_a2b;
	cfg.spi_out = side_a ? v->spi_a2b : v->spi_b2a;
	cfg.udp = true;
	ck_assert_msg(esp_sa_init(sa, &cfg, err, sizeof(err)) == 0, "%s: %s",
	    v->name, err);
	ike_child_keys_wipe(&k);
}

/* Every packet charon sent decapsulates to the inner packet an
 * independent implementation found in it. */
START_TEST(test_strongswan_decap)
{
	const struct esp_vec *v = &esp_vectors[_i];
	struct esp_sa	 a, b;
	uint8_t		 out[BUF];
	size_t		 i, len;

	vec_sa(v, true, &a);
	vec_sa(v, false, &b);
	for (i = 0; i < v->n_pkts; i++) {
		const struct esp_vec_pkt *p = &v->pkts[i];
		struct esp_sa	*rx = p->a2b ? &b : &a;
		enum esp_err	 e;

		e = esp_sa_decap(rx, p->wire, p->wire_len, out, sizeof(out),
		    &len);
		ck_assert_msg(e == ESP_OK, "%s pkt %zu: %s", v->name, i,
		    esp_err_str(e));
		ck_assert_uint_eq(len, p->inner_len);
		ck_assert_mem_eq(out, p->inner, len);
		/* sspair.sh's first packets are pings 10.201.1.1 ->
		 * 10.201.2.1 (ICMP echo request) and their replies. */
		if (p->seq == 1) {
			ck_assert_uint_eq(out[9], 1);
			ck_assert_uint_eq(out[20], p->a2b ? 8 : 0);
			ck_assert_mem_eq(out + (p->a2b ? 12 : 16),
			    "\x0a\xc9\x01\x01", 4);
			ck_assert_mem_eq(out + (p->a2b ? 16 : 12),
			    "\x0a\xc9\x02\x01", 4);
		}
		/* The same packet again is a replay. */
		ck_assert_int_eq(esp_sa_decap(rx, p->wire, p->wire_len, out,
		    sizeof(out), &len), ESP_ERR_REPLAY);
	}
	ck_assert_uint_gt(a.stats.in_packets + b.stats.in_packets, 0);
	esp_sa_wipe(&a);
	esp_sa_wipe(&b);
}
END_TEST

/*
 * Our encapsulation of the same inner packet with the same sequence
 * number: byte for byte what charon sent for NULL and CBC-less suites
 * (padding 1, 2, 3.. as libipsec); for AES-GCM the IV is the sender's
 * choice, so the other side's SA must open it instead.
 */
START_TEST(test_strongswan_encap)
{
	const struct esp_vec *v = &esp_vectors[_i];
	struct esp_sa	 a, b;
	uint8_t		 wire[BUF], back[BUF];
	size_t		 i, len, blen;

	for (i = 0; i < v->n_pkts; i++) {
		const struct esp_vec_pkt *p = &v->pkts[i];

		vec_sa(v, p->a2b, &a);		/* the sender */
		vec_sa(v, !p->a2b, &b);
		a.seq_out = p->seq - 1;
		ck_assert_int_eq(esp_sa_encap(&a, p->inner, p->inner_len, wire,
		    sizeof(wire), &len), ESP_OK);
		ck_assert_uint_eq(len, p->wire_len);
		ck_assert_uint_eq(len, esp_sa_wire_len(&a, p->inner_len));
		if (v->encr == IKE_ENCR_NULL)
			ck_assert_mem_eq(wire, p->wire, len);
		else	/* same header, fresh IV */
			ck_assert_mem_eq(wire, p->wire, ESP_HDR_LEN);
		ck_assert_int_eq(esp_sa_decap(&b, wire, len, back,
		    sizeof(back), &blen), ESP_OK);
		ck_assert_uint_eq(blen, p->inner_len);
		ck_assert_mem_eq(back, p->inner, blen);
		esp_sa_wipe(&a);
		esp_sa_wipe(&b);
	}
}
END_TEST

/* ---- suites we build ourselves ---- */

struct suite_row {
	const char	*name;
	uint16_t	 encr, keybits, integ;
	uint8_t		 encr_len, integ_len, iv_len, icv_len;
};

static const struct suite_row suites[] = {
	{ "null-sha1",		11, 0, 2, 0, 20, 0, 12 },
	{ "null-sha256",	11, 0, 12, 0, 32, 0, 16 },
	{ "null-sha384",	11, 0, 13, 0, 48, 0, 24 },
	{ "null-sha512",	11, 0, 14, 0, 64, 0, 32 },
	{ "aes128gmac",		21, 128, 0, 20, 0, 8, 16 },
	{ "aes256gmac",		21, 256, 0, 36, 0, 8, 16 },
	{ "aes128gcm16",	20, 128, 0, 20, 0, 8, 16 },
	{ "aes256gcm16",	20, 256, 0, 36, 0, 8, 16 },
	{ "aes128-sha1",	12, 128, 2, 16, 20, 16, 12 },
	{ "aes256-sha256",	12, 256, 12, 32, 32, 16, 16 },
	{ "aes256-sha512",	12, 256, 14, 32, 64, 16, 32 },
};
#define NSUITES	(sizeof(suites) / sizeof(suites[0]))

struct frame_opts {
	bool	 udp, wesp, v6;
	uint32_t replay;
	struct esp_lifetime soft, hard;
	uint32_t seq_soft;
};

static void
pair(const struct suite_row *s, const struct frame_opts *o,
    struct esp_sa *a, struct esp_sa *b)
{
	struct ike_child_keys k;
	struct esp_sa_config cfg;
	char		 err[128];
	int		 i;

	memset(&k, 0, sizeof(k));
	k.encr_len = s->encr_len;
	k.integ_len = s->integ_len;
	for (i = 0; i < IKE_ENCR_KEY_MAX; i++) {
		k.ei[i] = (uint8_t)(i + 1);
		k.er[i] = (uint8_t)(0x80 + i);
	}
	for (i = 0; i < IKE_INTEG_KEY_MAX; i++) {
		k.ai[i] = (uint8_t)(0x40 + i);
		k.ar[i] = (uint8_t)(0xc0 ^ i);
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.suite.encr = s->encr;
	cfg.suite.encr_keybits = s->keybits;
	cfg.suite.integ = s->integ;
	cfg.keys = &k;
	cfg.udp = o->udp;
	cfg.wesp = o->wesp;
	cfg.outer_v6 = o->v6;
	cfg.limits.replay_window = o->replay;
	cfg.limits.soft = o->soft;
	cfg.limits.hard = o->hard;
	cfg.limits.seq_soft = o->seq_soft;
	cfg.initiator = true;
	cfg.spi_in = 0xc0000002;
	cfg.spi_out = 0xc0000001;
	ck_assert_msg(esp_sa_init(a, &cfg, err, sizeof(err)) == 0, "%s", err);
	cfg.initiator = false;
	cfg.spi_in = 0xc0000001;
	cfg.spi_out = 0xc0000002;
	ck_assert_msg(esp_sa_init(b, &cfg, err, sizeof(err)) == 0, "%s", err);
}

/* An inner packet: IPv4 or IPv6 version nibble, the rest a pattern. */
static size_t
inner(uint8_t *buf, size_t len, int ver)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	buf[0] = ver == 6 ? 0x60 : 0x45;
	return (len);
}

static void
round_trip(const struct suite_row *s, const struct frame_opts *o)
{
	struct esp_sa	 a, b;
	uint8_t		 in[1600], wire[BUF], out[BUF];
	size_t		 n, len, olen, pre;
	int		 ver;

	pair(s, o, &a, &b);
	for (n = 1; n <= 300; n += (n < 40 ? 1 : 37)) {
		for (ver = 4; ver <= 6; ver += 2) {
			inner(in, n, ver);
			ck_assert_int_eq(esp_sa_encap(&a, in, n, wire,
			    sizeof(wire), &len), ESP_OK);
			ck_assert_uint_eq(len, esp_sa_wire_len(&a, n));
			pre = o->wesp ? (o->udp ? 4 : 0) + (o->v6 ? 8 : 4) : 0;
			/* 2.4: ciphertext ends on the alignment */
			ck_assert_uint_eq((len - pre - ESP_HDR_LEN - s->iv_len -
			    s->icv_len) % (s->encr == 12 ? 16 : 4), 0);
			ck_assert_int_eq(esp_sa_decap(&b, wire, len, out,
			    sizeof(out), &olen), ESP_OK);
			ck_assert_uint_eq(olen, n);
			ck_assert_mem_eq(out, in, n);
		}
	}
	ck_assert_uint_eq(b.stats.in_packets, a.stats.out_packets);
	ck_assert_uint_eq(b.stats.in_bytes, a.stats.out_bytes);
	esp_sa_wipe(&a);
	esp_sa_wipe(&b);
}

START_TEST(test_round_trip)
{
	const struct suite_row *s = &suites[_i % NSUITES];
	struct frame_opts o;
	int		 f;

	for (f = 0; f < 6; f++) {
		memset(&o, 0, sizeof(o));
		o.udp = f & 1;
		o.wesp = f >= 2;
		o.v6 = f >= 4;
		round_trip(s, &o);
	}
}
END_TEST

/* Whatever byte is flipped, the packet is refused and the SA's state
 * (window, counters) does not move; the intact packet then passes. */
START_TEST(test_every_byte_flipped)
{
	const struct suite_row *s = &suites[_i % NSUITES];
	struct frame_opts o = { .udp = true, .wesp = (_i / NSUITES) != 0 };
	struct esp_sa	 a, b;
	uint8_t		 in[100], wire[BUF], bad[BUF], out[BUF];
	size_t		 len, olen, i;
	int		 bit;
	enum esp_err	 e;

	pair(s, &o, &a, &b);
	inner(in, sizeof(in), 4);
	ck_assert_int_eq(esp_sa_encap(&a, in, sizeof(in), wire, sizeof(wire),
	    &len), ESP_OK);
	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit += 7) {
			/* RFC 5840 2: the WESP Rsvd bits MUST be ignored
			 * (test_esp_wesp checks that they are). */
			if (o.wesp && i == 7 && bit == 0)
				continue;
			memcpy(bad, wire, len);
			bad[i] ^= (uint8_t)(1u << bit);
			e = esp_sa_decap(&b, bad, len, out, sizeof(out), &olen);
			ck_assert_msg(e != ESP_OK, "%s: byte %zu bit %d passed",
			    s->name, i, bit);
		}
	}
	/* Truncations too. */
	for (i = 0; i < len; i++)
		ck_assert_int_ne(esp_sa_decap(&b, wire, i, out, sizeof(out),
		    &olen), ESP_OK);
	ck_assert_uint_eq(b.stats.in_packets, 0);
	ck_assert_uint_eq(b.replay.top, 0);
	ck_assert_uint_gt(b.stats.in_err[ESP_ERR_ICV], 0);
	ck_assert_int_eq(esp_sa_decap(&b, wire, len, out, sizeof(out), &olen),
	    ESP_OK);
	ck_assert_mem_eq(out, in, sizeof(in));
	esp_sa_wipe(&a);
	esp_sa_wipe(&b);
}
END_TEST

/* Re-MAC a NULL-HMAC-SHA256 packet after editing it, so the ICV is good
 * and what is checked next (padding, Next Header) is reached. */
static void
remac(const struct suite_row *s, uint8_t *esp, size_t len)
{
	uint8_t		 key[32], md[64];
	size_t		 md_len, i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0x40 + i);		/* ai of pair() */
	ck_assert_ptr_nonnull(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL,
	    key, sizeof(key), esp, len - s->icv_len, md, sizeof(md), &md_len));
	memcpy(esp + len - s->icv_len, md, s->icv_len);
}

START_TEST(test_padding_and_next_header)
{
	const struct suite_row *s = &suites[1];	/* null-sha256 */
	struct frame_opts o = { .udp = true };
	struct esp_sa	 a, b;
	uint8_t		 in[101], wire[BUF], bad[BUF], out[BUF];
	size_t		 len, olen, pl_off;

	pair(s, &o, &a, &b);
	inner(in, sizeof(in), 4);
	/* 101 + 2 -> 1 byte of padding */
	ck_assert_int_eq(esp_sa_encap(&a, in, sizeof(in), wire, sizeof(wire),
	    &len), ESP_OK);
	pl_off = len - s->icv_len - 2;
	ck_assert_uint_eq(wire[pl_off], 1);
	ck_assert_uint_eq(wire[pl_off - 1], 1);
	ck_assert_uint_eq(wire[pl_off + 1], 4);

	memcpy(bad, wire, len);			/* padding byte not 1 */
	bad[pl_off - 1] = 9;
	remac(s, bad, len);
	ck_assert_int_eq(esp_sa_decap(&b, bad, len, out, sizeof(out), &olen),
	    ESP_ERR_PAD);
	memcpy(bad, wire, len);			/* Pad Length past the start */
	bad[pl_off] = 255;
	remac(s, bad, len);
	ck_assert_int_eq(esp_sa_decap(&b, bad, len, out, sizeof(out), &olen),
	    ESP_ERR_PAD);
	memcpy(bad, wire, len);			/* Next Header UDP */
	bad[pl_off + 1] = 17;
	remac(s, bad, len);
	ck_assert_int_eq(esp_sa_decap(&b, bad, len, out, sizeof(out), &olen),
	    ESP_ERR_NEXT_HDR);
	memcpy(bad, wire, len);			/* 41 with an IPv4 inside */
	bad[pl_off + 1] = 41;
	remac(s, bad, len);
	ck_assert_int_eq(esp_sa_decap(&b, bad, len, out, sizeof(out), &olen),
	    ESP_ERR_NEXT_HDR);
	ck_assert_uint_eq(b.stats.in_err[ESP_ERR_PAD], 2);
	ck_assert_uint_eq(b.replay.top, 0);	/* none moved the window */
	ck_assert_int_eq(esp_sa_decap(&b, wire, len, out, sizeof(out), &olen),
	    ESP_OK);
	/* Not an IP packet: nothing sent. */
	in[0] = 0x15;
	ck_assert_int_eq(esp_sa_encap(&a, in, sizeof(in), wire, sizeof(wire),
	    &len), ESP_ERR_NEXT_HDR);
	ck_assert_int_eq(esp_sa_encap(&a, in, sizeof(in), wire, 50, &len),
	    ESP_ERR_NEXT_HDR);
	in[0] = 0x45;
	ck_assert_int_eq(esp_sa_encap(&a, in, sizeof(in), wire, 50, &len),
	    ESP_ERR_SPACE);
	esp_sa_wipe(&a);
	esp_sa_wipe(&b);
}
END_TEST

START_TEST(test_replay_through_sa)
{
	const struct suite_row *s = &suites[6];	/* aes128gcm16 */
	struct frame_opts o = { .udp = true, .replay = 128 };
	struct esp_sa	 a, b;
	static uint8_t	 wire[300][256];
	size_t		 wlen[300], olen, i;
	uint8_t		 in[64], out[BUF];

	pair(s, &o, &a, &b);
	inner(in, sizeof(in), 4);
	for (i = 0; i < 300; i++)
		ck_assert_int_eq(esp_sa_encap(&a, in, sizeof(in), wire[i],
		    sizeof(wire[i]), &wlen[i]), ESP_OK);
	/* 200 first, then 100 (inside a 128 window) and 50 (beyond). */
	ck_assert_int_eq(esp_sa_decap(&b, wire[199], wlen[199], out,
	    sizeof(out), &olen), ESP_OK);
	ck_assert_int_eq(esp_sa_decap(&b, wire[99], wlen[99], out,
	    sizeof(out), &olen), ESP_OK);
	ck_assert_int_eq(esp_sa_decap(&b, wire[99], wlen[99], out,
	    sizeof(out), &olen), ESP_ERR_REPLAY);
	ck_assert_int_eq(esp_sa_decap(&b, wire[49], wlen[49], out,
	    sizeof(out), &olen), ESP_ERR_REPLAY);
	ck_assert_int_eq(esp_sa_decap(&b, wire[299], wlen[299], out,
	    sizeof(out), &olen), ESP_OK);
	ck_assert_int_eq(esp_sa_decap(&b, wire[199], wlen[199], out,
	    sizeof(out), &olen), ESP_ERR_REPLAY);
	ck_assert_int_eq(esp_sa_decap(&b, wire[172], wlen[172], out,
	    sizeof(out), &olen), ESP_OK);	/* 300 - 173 = 127 < 128 */
	ck_assert_int_eq(esp_sa_decap(&b, wire[171], wlen[171], out,
	    sizeof(out), &olen), ESP_ERR_REPLAY);
	ck_assert_uint_eq(b.stats.in_packets, 4);
	ck_assert_uint_eq(b.stats.in_err[ESP_ERR_REPLAY], 4);
	esp_sa_wipe(&a);
	esp_sa_wipe(&b);
}
END_TEST

START_TEST(test_lifetimes)
{
	const struct suite_row *s = &suites[1];
	struct frame_opts o = { .udp = true, .soft = { .packets = 3 },
	    .hard = { .packets = 5 } };
	struct esp_sa	 a, b;
	uint8_t		 in[64], wire[BUF], out[BUF];
	size_t		 len, olen;
	int		 i;

	pair(s, &o, &a, &b);
	inner(in, sizeof(in), 4);
	for (i = 1; i <= 5; i++) {
		ck_assert_int_eq(esp_sa_encap(&a, in, sizeof(in), wire,
		    sizeof(wire), &len), ESP_OK);
		ck_assert_int_eq(esp_sa_decap(&b, wire, len, out, sizeof(out),
		    &olen), ESP_OK);
		ck_assert_uint_eq(esp_sa_take_events(&a), i == 3 ?
		    ESP_EV_SOFT : 0);
		ck_assert_uint_eq(esp_sa_take_events(&b), i == 3 ?
		    ESP_EV_SOFT : 0);
	}
	ck_assert_int_eq(esp_sa_encap(&a, in, sizeof(in), wire, sizeof(wire),
	    &len), ESP_ERR_EXPIRED);
	ck_assert_uint_eq(esp_sa_take_events(&a), ESP_EV_HARD);
	ck_assert_int_eq(esp_sa_encap(&a, in, sizeof(in), wire, sizeof(wire),
	    &len), ESP_ERR_EXPIRED);
	ck_assert_uint_eq(esp_sa_take_events(&a), 0);	/* raised once */
	esp_sa_wipe(&a);
	esp_sa_wipe(&b);

	/* Bytes: soft at 1000, hard at 1500 inner bytes. */
	o.soft.packets = o.hard.packets = 0;
	o.soft.bytes = 1000;
	o.hard.bytes = 1500;
	pair(s, &o, &a, &b);
	for (i = 0; i < 23; i++)	/* 23 * 64 = 1472 */
		ck_assert_int_eq(esp_sa_encap(&a, in, sizeof(in), wire,
		    sizeof(wire), &len), ESP_OK);
	ck_assert_uint_eq(esp_sa_take_events(&a), ESP_EV_SOFT);
	ck_assert_int_eq(esp_sa_encap(&a, in, sizeof(in), wire, sizeof(wire),
	    &len), ESP_ERR_EXPIRED);
	ck_assert_uint_eq(esp_sa_take_events(&a), ESP_EV_HARD);
	ck_assert_uint_eq(a.stats.out_err[ESP_ERR_EXPIRED], 1);
	esp_sa_wipe(&a);
	esp_sa_wipe(&b);
}
END_TEST

/* 3.3.3: no wrap.  Soft event at the threshold, the last number is
 * 2^32 - 1, then nothing more is sent. */
START_TEST(test_seq_exhaustion)
{
	const struct suite_row *s = &suites[6 + _i];	/* GCM: seq = IV */
	struct frame_opts o = { .udp = true, .seq_soft = 0xfffffff0u };
	struct esp_sa	 a, b;
	uint8_t		 in[64], wire[BUF], out[BUF];
	size_t		 len, olen;
	uint32_t	 ev = 0;
	int		 i;

	pair(s, &o, &a, &b);
	inner(in, sizeof(in), 6);
	a.seq_out = 0xffffffe0u;
	for (i = 0; i < 31; i++) {
		ck_assert_int_eq(esp_sa_encap(&a, in, sizeof(in), wire,
		    sizeof(wire), &len), ESP_OK);
		ev |= esp_sa_take_events(&a);
		if (a.seq_out == 0xfffffff0u)
			ck_assert_uint_eq(ev, ESP_EV_SOFT);
	}
	ck_assert_uint_eq(a.seq_out, 0xffffffffu);
	ck_assert_uint_eq(ev, ESP_EV_SOFT | ESP_EV_HARD);
	/* The last packet is still good for the peer. */
	ck_assert_int_eq(esp_sa_decap(&b, wire, len, out, sizeof(out), &olen),
	    ESP_OK);
	ck_assert_int_eq(esp_sa_encap(&a, in, sizeof(in), wire, sizeof(wire),
	    &len), ESP_ERR_SEQ);
	ck_assert_int_eq(esp_sa_encap(&a, in, sizeof(in), wire, sizeof(wire),
	    &len), ESP_ERR_SEQ);
	ck_assert_uint_eq(a.seq_out, 0xffffffffu);
	ck_assert_uint_eq(a.stats.out_err[ESP_ERR_SEQ], 2);
	esp_sa_wipe(&a);
	esp_sa_wipe(&b);
}
END_TEST

START_TEST(test_init_refuses)
{
	struct ike_child_keys k;
	struct esp_sa_config cfg;
	struct esp_sa	 sa;
	char		 err[128];

	memset(&k, 0, sizeof(k));
	memset(&cfg, 0, sizeof(cfg));
	cfg.keys = &k;
	cfg.spi_in = 0x1000;
	cfg.spi_out = 0x2000;
	cfg.suite.encr = IKE_ENCR_NULL;
	cfg.suite.integ = IKE_INTEG_HMAC_SHA2_256_128;
	k.integ_len = 20;		/* wrong length */
	ck_assert_int_eq(esp_sa_init(&sa, &cfg, err, sizeof(err)), -1);
	k.integ_len = 32;
	cfg.suite.esn = IKE_ESN_YES;
	ck_assert_int_eq(esp_sa_init(&sa, &cfg, err, sizeof(err)), -1);
	cfg.suite.esn = 0;
	cfg.spi_in = 200;		/* reserved (2.1) */
	ck_assert_int_eq(esp_sa_init(&sa, &cfg, err, sizeof(err)), -1);
	cfg.spi_in = 0x1000;
	cfg.suite.encr = IKE_ENCR_AES_GCM_16;	/* GCM with an integ */
	cfg.suite.encr_keybits = 128;
	k.encr_len = 20;
	ck_assert_int_eq(esp_sa_init(&sa, &cfg, err, sizeof(err)), -1);
	cfg.suite.integ = 0;
	k.integ_len = 0;
	ck_assert_int_eq(esp_sa_init(&sa, &cfg, err, sizeof(err)), 0);
	esp_sa_wipe(&sa);
	ck_assert(!sa.live);
	ck_assert_ptr_null(sa.in.cipher);
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("esp_sa");
	TCase	*tc = tcase_create("sa");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_strongswan_decap, 0, (int)NVEC);
	tcase_add_loop_test(tc, test_strongswan_encap, 0, (int)NVEC);
	tcase_add_loop_test(tc, test_round_trip, 0, (int)NSUITES);
	tcase_add_loop_test(tc, test_every_byte_flipped, 0, 2 * (int)NSUITES);
	tcase_add_test(tc, test_padding_and_next_header);
	tcase_add_test(tc, test_replay_through_sa);
	tcase_add_test(tc, test_lifetimes);
	tcase_add_loop_test(tc, test_seq_exhaustion, 0, 2);
	tcase_add_test(tc, test_init_refuses);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
