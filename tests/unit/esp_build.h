/*
 * esp_build.h - builders for the detect/ unit tests: real IPv4, IPv6,
 * TCP, UDP, ICMP, ICMPv6, SCTP and GRE packets with correct checksums,
 * wrapped in ESP with default padding (RFC 4303 section 2.4) and an ICV
 * of the requested length.  The checksum code here is written apart
 * from src/detect/inner.c (byte arrays, not cursors) so the two check
 * each other; SCTP and GRE are also pinned to bytes made by scapy.
 *
 * Everything is static inline so a test may use any subset.
 */
#ifndef ESPVIS_TEST_ESP_BUILD_H
#define ESPVIS_TEST_ESP_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/packet.h"
#include "util/sa_report.h"

static const uint8_t tb_v4_src[4] = { 192, 0, 2, 1 };
static const uint8_t tb_v4_dst[4] = { 198, 51, 100, 7 };
static const uint8_t tb_v6_src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t tb_v6_dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

/* xorshift64*: deterministic test randomness. */
static inline uint32_t
tb_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return ((uint32_t)((*s * 0x2545f4914f6cdd1dULL) >> 32));
}

static inline void
tb_fill_random(uint64_t *s, uint8_t *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)tb_rand(s);
}

static inline void
tb_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
tb_put32(uint8_t *p, uint32_t v)
{
	tb_put16(p, (uint16_t)(v >> 16));
	tb_put16(p + 2, (uint16_t)v);
}

static inline uint32_t
tb_sum(const uint8_t *p, size_t n, uint32_t sum)
{
	size_t	 i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return (sum);
}

static inline uint16_t
tb_csum_final(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ((uint16_t)~sum);
}

static inline uint32_t
tb_pseudo(int family, const uint8_t *src, const uint8_t *dst, uint8_t proto,
    uint32_t len)
{
	size_t	 alen = family == 6 ? 16 : 4;
	uint32_t sum = 0;

	sum = tb_sum(src, alen, sum);
	sum = tb_sum(dst, alen, sum);
	return (sum + (len >> 16) + (len & 0xffff) + proto);
}

/* IPv4 header (20 bytes, DF clear) + l4; returns the total length. */
static inline size_t
tb_ipv4(uint8_t *out, const uint8_t *src, const uint8_t *dst, uint8_t proto,
    const uint8_t *l4, size_t l4len)
{
	memmove(out + 20, l4, l4len);
	memset(out, 0, 20);
	out[0] = 0x45;
	tb_put16(out + 2, (uint16_t)(20 + l4len));
	tb_put16(out + 4, 0x1234);
	out[8] = 64;
	out[9] = proto;
	memcpy(out + 12, src, 4);
	memcpy(out + 16, dst, 4);
	tb_put16(out + 10, tb_csum_final(tb_sum(out, 20, 0)));
	return (20 + l4len);
}

static inline size_t
tb_ipv6(uint8_t *out, const uint8_t *src, const uint8_t *dst, uint8_t nh,
    const uint8_t *l4, size_t l4len)
{
	memmove(out + 40, l4, l4len);
	memset(out, 0, 40);
	out[0] = 0x60;
	tb_put16(out + 4, (uint16_t)l4len);
	out[6] = nh;
	out[7] = 64;
	memcpy(out + 8, src, 16);
	memcpy(out + 24, dst, 16);
	return (40 + l4len);
}

static inline size_t
tb_tcp(uint8_t *out, int family, const uint8_t *src, const uint8_t *dst,
    uint16_t sport, uint16_t dport, const uint8_t *data, size_t dlen)
{
	size_t	 len = 20 + dlen;

	memset(out, 0, 20);
	tb_put16(out, sport);
	tb_put16(out + 2, dport);
	tb_put32(out + 4, 0x01020304);
	tb_put32(out + 8, 0);
	out[12] = 5 << 4;
	out[13] = 0x02;			/* SYN */
	tb_put16(out + 14, 64240);
	memcpy(out + 20, data, dlen);
	tb_put16(out + 16, tb_csum_final(tb_sum(out, len,
	    tb_pseudo(family, src, dst, 6, (uint32_t)len))));
	return (len);
}

static inline size_t
tb_udp(uint8_t *out, int family, const uint8_t *src, const uint8_t *dst,
    uint16_t sport, uint16_t dport, const uint8_t *data, size_t dlen,
    bool zero_csum)
{
	size_t	 len = 8 + dlen;
	uint16_t c;

	tb_put16(out, sport);
	tb_put16(out + 2, dport);
	tb_put16(out + 4, (uint16_t)len);
	tb_put16(out + 6, 0);
	memcpy(out + 8, data, dlen);
	if (!zero_csum) {
		c = tb_csum_final(tb_sum(out, len,
		    tb_pseudo(family, src, dst, 17, (uint32_t)len)));
		tb_put16(out + 6, c == 0 ? 0xffff : c);
	}
	return (len);
}

static inline size_t
tb_icmp_echo(uint8_t *out, uint16_t id, uint16_t seq, const uint8_t *data,
    size_t dlen)
{
	size_t	 len = 8 + dlen;

	out[0] = 8;
	out[1] = 0;
	tb_put16(out + 2, 0);
	tb_put16(out + 4, id);
	tb_put16(out + 6, seq);
	memcpy(out + 8, data, dlen);
	tb_put16(out + 2, tb_csum_final(tb_sum(out, len, 0)));
	return (len);
}

static inline size_t
tb_icmp6_echo(uint8_t *out, const uint8_t *src, const uint8_t *dst,
    uint16_t id, uint16_t seq, const uint8_t *data, size_t dlen)
{
	size_t	 len = 8 + dlen;

	out[0] = 128;
	out[1] = 0;
	tb_put16(out + 2, 0);
	tb_put16(out + 4, id);
	tb_put16(out + 6, seq);
	memcpy(out + 8, data, dlen);
	tb_put16(out + 2, tb_csum_final(tb_sum(out, len,
	    tb_pseudo(6, src, dst, 58, (uint32_t)len))));
	return (len);
}

/* Bitwise CRC32c (RFC 4960 appendix B), independent of inner.c's table. */
static inline uint32_t
tb_crc32c(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffff;
	size_t	 i;
	int	 k;

	for (i = 0; i < n; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = crc & 1 ? (crc >> 1) ^ 0x82f63b78 : crc >> 1;
	}
	return (~crc);
}

/* SCTP common header + one DATA chunk (RFC 9260 section 3.3.1). */
static inline size_t
tb_sctp(uint8_t *out, uint16_t sport, uint16_t dport, const uint8_t *data,
    size_t dlen)
{
	size_t	 clen = 16 + dlen, len = 12 + ((clen + 3) & ~(size_t)3);
	uint32_t crc;

	memset(out, 0, len);
	tb_put16(out, sport);
	tb_put16(out + 2, dport);
	tb_put32(out + 4, 0xcafef00d);
	out[12] = 0;			/* DATA */
	out[13] = 3;			/* B and E */
	tb_put16(out + 14, (uint16_t)clen);
	tb_put32(out + 16, 1);		/* TSN */
	tb_put32(out + 24, 0);		/* PPID */
	memcpy(out + 28, data, dlen);
	crc = tb_crc32c(out, len);
	out[8] = (uint8_t)crc;		/* least significant byte first */
	out[9] = (uint8_t)(crc >> 8);
	out[10] = (uint8_t)(crc >> 16);
	out[11] = (uint8_t)(crc >> 24);
	return (len);
}

/* GRE version 0 (RFC 2784), optionally with checksum. */
static inline size_t
tb_gre(uint8_t *out, bool csum, uint16_t proto, const uint8_t *data,
    size_t dlen)
{
	size_t	 hlen = csum ? 8 : 4;

	memmove(out + hlen, data, dlen);
	memset(out, 0, hlen);
	tb_put16(out, csum ? 0x8000 : 0);
	tb_put16(out + 2, proto);
	if (csum)
		tb_put16(out + 4, tb_csum_final(tb_sum(out, hlen + dlen, 0)));
	return (hlen + dlen);
}

/*
 * ESP: SPI, sequence, iv_len IV bytes, the inner bytes, default padding
 * 1, 2, 3 ... up to 4-byte alignment plus extra_pad (a multiple of 4),
 * Pad Length, Next Header, icv_len ICV bytes (random: detect/ never
 * verifies ICVs, it cannot know the key).
 */
static inline size_t
tb_esp(uint8_t *out, uint64_t *rng, uint32_t spi, uint32_t seq,
    uint8_t iv_len, const uint8_t *inner, size_t ilen, uint8_t nh,
    uint8_t icv_len, unsigned extra_pad)
{
	size_t	 off = 8, pad, i;

	tb_put32(out, spi);
	tb_put32(out + 4, seq);
	tb_fill_random(rng, out + off, iv_len);
	off += iv_len;
	memmove(out + off, inner, ilen);
	off += ilen;
	pad = (4 - (iv_len + ilen + 2) % 4) % 4 + extra_pad;
	for (i = 1; i <= pad; i++)
		out[off++] = (uint8_t)i;
	out[off++] = (uint8_t)pad;
	out[off++] = nh;
	tb_fill_random(rng, out + off, icv_len);
	return (off + icv_len);
}

/* A decoded packet record as decode/ would hand it to detect/. */
static inline void
tb_packet(struct packet *p, int family, const uint8_t *esp, size_t len)
{
	memset(p, 0, sizeof(*p));
	p->ipver = (uint8_t)family;
	if (family == 6) {
		ipaddr_set6(&p->src, tb_v6_src);
		ipaddr_set6(&p->dst, tb_v6_dst);
	} else {
		ipaddr_set4(&p->src, tb_v4_src);
		ipaddr_set4(&p->dst, tb_v4_dst);
	}
	p->ipsec_proto = IPPROTO_ESP_NUM;
	p->esp = esp;
	p->esp_len = (uint32_t)len;
	p->esp_wire_len = (uint32_t)len;
	p->skip = SKIP_NONE;
}

/* Reports collected from detect/: the first TB_REPORTS kept, all counted. */
#define TB_REPORTS	256

struct tb_reports {
	struct sa_report r[TB_REPORTS];
	size_t		 n;
	size_t		 decided[3];	/* by verdict */
	size_t		 ended[3];	/* by final verdict */
};

static inline void
tb_collect(void *arg, const struct sa_report *r)
{
	struct tb_reports *t = arg;

	if (t->n < TB_REPORTS)
		t->r[t->n] = *r;
	t->n++;
	if (r->event == SA_EVENT_DECIDED)
		t->decided[r->verdict]++;
	else
		t->ended[r->verdict]++;
}

/* The last report about spi with event ev, or NULL. */
static inline const struct sa_report *
tb_find(const struct tb_reports *t, uint32_t spi, enum sa_event ev)
{
	size_t	 i, n = t->n < TB_REPORTS ? t->n : TB_REPORTS;

	for (i = n; i > 0; i--)
		if (t->r[i - 1].spi == spi && t->r[i - 1].event == ev)
			return (&t->r[i - 1]);
	return (NULL);
}

#endif /* ESPVIS_TEST_ESP_BUILD_H */
