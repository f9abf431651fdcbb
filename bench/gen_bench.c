/*
 * gen_bench.c - the benchmark captures, made deterministically from a
 * seed (no clock, no /dev/urandom): the same arguments always give the
 * same bytes.
 *
 *   gen_bench [-m mixed|sas|flows] [-n N] [-t TUNNELS] [-c FLOWS]
 *             [-s SEED] [-T TRUTH] [-x START:COUNT:FILE ...] -o FILE
 *
 * -m mixed (default): N frames (default 1200000) of IPsec and plain
 *    traffic.  TUNNELS (default 2000) gateway pairs, two SAs each (one
 *    per direction), every one of:
 *      ESP-NULL with ICV 0, 8, 12, 16, 24 or 32 bytes, and
 *        ENCR_NULL_AUTH_AES_GMAC (IV 8, ICV 16) - valid RFC 4303 packets:
 *        default padding 1, 2, 3 ... to a 4-byte boundary (sometimes 4
 *        more), the right next header, inner IPv4/IPv6 headers and
 *        TCP/UDP checksums correct; the ICV is random (espvis has no
 *        keys, it cannot tell);
 *      encrypted: AES-CBC + HMAC (IV 16, ICV 12/16/24/32) and AES-GCM
 *        (IV 8, ICV 16): random bytes of the right shape;
 *    over IPv4 or IPv6, native (IP 50), UDP 4500 (RFC 3948) or WESP
 *    (RFC 5840, native or in UDP), tunnel or transport mode, untagged,
 *    802.1Q or QinQ.  A pool of FLOWS (default 4000) concurrent inner
 *    flows - DNS, HTTP, TLS (ClientHello with SNI), bulk TCP, RTP over
 *    UDP - is advanced one packet at a time, a finished flow being
 *    replaced by a new one; 15% of the flows are plain background
 *    traffic (no IPsec).  A few IKE packets and NAT keepalives too.
 *    Frames are 100 us apart (the whole file spans less than the
 *    default SA timeout).
 * -m sas: N frames, N distinct ESP-NULL SAs (one tunnel-mode packet
 *    each, HMAC-SHA1-96 layout), for the memory cost of an SA.  The inner
 *    packet is the last fragment of an IPv4 UDP datagram: a WEAK pass
 *    (espvis --decide-pkts 1 decides on it) that starts no inner flow, so
 *    the SAs are all there is to count.
 * -m flows: N frames, N distinct inner UDP flows over 64 ESP-NULL SAs,
 *    for the memory cost of an inner flow.
 *
 * -T writes the truth: one line per SA that sent a packet, tab
 * separated (see write_truth()).  -x also writes frames [START,
 * START+COUNT) to FILE (repeatable: prefixes, tails, slices).  A JSON
 * summary (frames, captured bytes, per file) goes to standard output.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FRAME	2048
#define MAX_SLICES	8
#define T0_SEC		1795694400u	/* 2026-11-26T12:00:00Z */

/* xoshiro256** (Blackman, Vigna), seeded through splitmix64. */
struct rng {
	uint64_t	s[4];
};

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

static void
rng_seed(struct rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return ((x << k) | (x >> (64 - k)));
}

static inline uint64_t
rng_next(struct rng *r)
{
	uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return (res);
}

/* Uniform in [0, n), n > 0 (Lemire's multiply, bias negligible here). */
static inline uint32_t
rng_below(struct rng *r, uint32_t n)
{
	return ((uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32));
}

static inline uint32_t
rng_range(struct rng *r, uint32_t lo, uint32_t hi)	/* [lo, hi] */
{
	return (lo + rng_below(r, hi - lo + 1));
}

/* Percent chance. */
static inline bool
rng_pct(struct rng *r, uint32_t pct)
{
	return (rng_below(r, 100) < pct);
}

static void
rng_fill(struct rng *r, uint8_t *p, size_t n)
{
	uint64_t v;

	while (n >= 8) {
		v = rng_next(r);
		memcpy(p, &v, 8);
		p += 8;
		n -= 8;
	}
	if (n > 0) {
		v = rng_next(r);
		memcpy(p, &v, n);
	}
}

/* Byte writers. */
static inline void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* RFC 1071 checksum pieces. */
static uint32_t
csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	while (n > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		n -= 2;
	}
	if (n > 0)
		sum += (uint32_t)p[0] << 8;
	return (sum);
}

static uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ((uint16_t)~sum);
}

/* ------------------------------------------------------------------ */
/* Model: tunnels (SA pairs) and flows                                 */

enum kind { K_NULL, K_GMAC, K_CBC, K_GCM };
static const char *const kind_names[] = { "null", "gmac", "cbc", "gcm" };

struct sa_gen {
	uint32_t	spi;
	uint32_t	seq;		/* last sent */
	uint64_t	pkts;
};

struct tunnel {
	uint8_t		ver;		/* outer IP version */
	uint8_t		addr[2][16];	/* gateway a, gateway b */
	uint8_t		mac[2][6];
	uint16_t	vlan[2];
	uint8_t		n_vlan;
	bool		qinq;
	bool		udp;		/* RFC 3948 encapsulation */
	uint16_t	port[2];
	bool		wesp;
	uint8_t		kind;
	uint8_t		iv, icv;
	bool		transport;
	uint8_t		inner_ver;	/* tunnel mode */
	uint32_t	flow_label;
	uint16_t	ip_id[2];
	uint32_t	index;
	struct sa_gen	sa[2];		/* [0] a -> b, [1] b -> a */
};

enum ftype { F_DNS, F_HTTP, F_TLS, F_BULK, F_RTP };

enum fstep {
	S_SYN, S_SYNACK, S_ACK, S_REQ, S_DATA, S_DACK, S_FIN1, S_FIN2,
	S_FIN3, S_UDP, S_DONE
};

struct flow {
	int32_t		tunnel;		/* -1: plain background traffic */
	uint8_t		type;
	uint8_t		ver;
	uint8_t		cli[16], srv[16];
	uint16_t	cport, sport;
	uint32_t	cseq, sseq;
	uint8_t		step;
	uint16_t	segs_left;	/* server data segments to send */
	uint16_t	segs_sent;
	uint16_t	udp_left;	/* DNS / RTP packets to send */
	uint16_t	rtp_seq[2];
	uint32_t	rtp_ts[2], ssrc[2];
	uint32_t	id;		/* names, hosts */
	uint16_t	ip_id[2];
	/* plain flows: layer 2 */
	uint8_t		mac[2][6];
	uint16_t	vlan;
};

struct slice {
	uint64_t	start, count;
	const char	*path;
	FILE		*f;
	uint64_t	frames, caplen_bytes;
};

struct gen {
	struct rng	 rng;
	FILE		*out;
	uint64_t	 frames, caplen_bytes, file_bytes;
	uint64_t	 target;
	uint32_t	 usec_step;
	struct slice	 slices[MAX_SLICES];
	int		 n_slices;
	struct tunnel	*tunnels;
	uint32_t	 n_tunnels;
	struct flow	*flows;
	uint32_t	 n_flows;
	uint64_t	 flows_started, flows_plain;
	uint64_t	 plain_frames, ipsec_frames, other_frames;
	uint8_t		 inner[MAX_FRAME];	/* scratch for encrypted SAs */
};

/* ------------------------------------------------------------------ */
/* pcap output                                                         */

static FILE *
open_pcap(const char *path)
{
	uint8_t	 h[24];
	FILE	*f;
	uint32_t v[] = { 0xa1b2c3d4u, 0, 0, 0, 65535, 1 };

	if ((f = fopen(path, "wb")) == NULL) {
		fprintf(stderr, "gen_bench: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	setvbuf(f, NULL, _IOFBF, 1 << 22);
	/* Host order, as libpcap writes it: the magic tells readers. */
	memcpy(h, &v[0], 4);
	h[4] = 2; h[5] = 0; h[6] = 4; h[7] = 0;	/* version 2.4, LE */
	memset(h + 8, 0, 8);
	memcpy(h + 16, &v[4], 4);
	memcpy(h + 20, &v[5], 4);
	if (fwrite(h, 1, 24, f) != 24) {
		fprintf(stderr, "gen_bench: %s: write error\n", path);
		exit(1);
	}
	return (f);
}

static void
write_record(FILE *f, uint32_t sec, uint32_t usec, const uint8_t *frame,
    uint32_t len)
{
	uint32_t h[4] = { sec, usec, len, len };

	if (fwrite(h, 1, 16, f) != 16 || fwrite(frame, 1, len, f) != len) {
		fprintf(stderr, "gen_bench: write error: %s\n",
		    strerror(errno));
		exit(1);
	}
}

static void
emit(struct gen *g, const uint8_t *frame, uint32_t len)
{
	uint64_t us = g->frames * g->usec_step;
	uint32_t sec = T0_SEC + (uint32_t)(us / 1000000);
	uint32_t usec = (uint32_t)(us % 1000000);
	int	 i;

	write_record(g->out, sec, usec, frame, len);
	for (i = 0; i < g->n_slices; i++) {
		struct slice *s = &g->slices[i];

		if (g->frames >= s->start && g->frames < s->start + s->count) {
			write_record(s->f, sec, usec, frame, len);
			s->frames++;
			s->caplen_bytes += len;
		}
	}
	g->frames++;
	g->caplen_bytes += len;
	g->file_bytes += 16 + len;
}

/* ------------------------------------------------------------------ */
/* Packet building                                                     */

static size_t
eth_hdr(uint8_t *p, const uint8_t dst[6], const uint8_t src[6],
    const uint16_t *vlan, uint8_t n_vlan, bool qinq, uint8_t ipver)
{
	size_t	 off = 12;
	uint8_t	 i;

	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	for (i = 0; i < n_vlan; i++) {
		put16(p + off, i == 0 && qinq ? 0x88a8 : 0x8100);
		put16(p + off + 2, vlan[i]);
		off += 4;
	}
	put16(p + off, ipver == 6 ? 0x86dd : 0x0800);
	return (off + 2);
}

static void
ip4_hdr(uint8_t *p, uint16_t total, uint8_t proto, const uint8_t *src,
    const uint8_t *dst, uint16_t id, uint8_t ttl)
{
	p[0] = 0x45;
	p[1] = 0;
	put16(p + 2, total);
	put16(p + 4, id);
	put16(p + 6, 0x4000);		/* DF */
	p[8] = ttl;
	p[9] = proto;
	p[10] = p[11] = 0;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	put16(p + 10, csum_fold(csum_add(0, p, 20)));
}

static void
ip6_hdr(uint8_t *p, uint16_t plen, uint8_t nh, const uint8_t *src,
    const uint8_t *dst, uint32_t flow_label, uint8_t hlim)
{
	put32(p, 0x60000000u | (flow_label & 0xfffff));
	put16(p + 4, plen);
	p[6] = nh;
	p[7] = hlim;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
}

/* TCP/UDP checksum over the pseudo header (RFC 793, RFC 8200 8.1). */
static uint16_t
l4_csum(uint8_t ver, const uint8_t *src, const uint8_t *dst, uint8_t proto,
    const uint8_t *l4, size_t len)
{
	uint32_t sum = 0;
	size_t	 alen = ver == 6 ? 16 : 4;

	sum = csum_add(sum, src, alen);
	sum = csum_add(sum, dst, alen);
	sum += proto;
	sum += (uint32_t)len & 0xffff;
	sum += (uint32_t)(len >> 16);
	sum = csum_add(sum, l4, len);
	return (csum_fold(sum));
}

#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_PSH	0x08
#define TH_ACK	0x10

/* ------------------------------------------------------------------ */
/* Application payloads                                                */

static const char *const tlds[] = { "com", "net", "org", "io", "de" };
static const char *const words[] = {
	"example", "video", "cdn", "api", "mail", "news", "shop", "static",
	"cloud", "img", "login", "update",
};

static int
host_name(char *buf, size_t len, uint32_t id)
{
	return (snprintf(buf, len, "%s%u.%s.%s", words[id % 12],
	    id % 997, words[(id / 12) % 12], tlds[(id / 144) % 5]));
}

static size_t
http_request(struct flow *f, uint8_t *p)
{
	char host[96];

	host_name(host, sizeof(host), f->id);
	return ((size_t)sprintf((char *)p,
	    "GET /assets/%u/index.html?session=%08x HTTP/1.1\r\n"
	    "Host: %s\r\n"
	    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:115.0) "
	    "Gecko/20100101 Firefox/115.0\r\n"
	    "Accept: text/html,application/xhtml+xml,*/*;q=0.8\r\n"
	    "Accept-Language: en-US,en;q=0.5\r\n"
	    "Accept-Encoding: gzip, deflate\r\n"
	    "Connection: keep-alive\r\n\r\n",
	    f->id % 5000, f->id * 2654435761u, host));
}

static size_t
http_response_head(struct flow *f, uint8_t *p, size_t body)
{
	return ((size_t)sprintf((char *)p,
	    "HTTP/1.1 200 OK\r\n"
	    "Server: nginx/1.22.1\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: max-age=%u\r\n"
	    "Connection: keep-alive\r\n\r\n", body, f->id % 86400));
}

/* A TLS 1.3 ClientHello as browsers send it, SNI first. */
static size_t
tls_client_hello(struct gen *g, struct flow *f, uint8_t *p)
{
	static const uint8_t suites[] = {
		0x13, 0x01, 0x13, 0x03, 0x13, 0x02, 0xc0, 0x2b, 0xc0, 0x2f,
		0xcc, 0xa9, 0xcc, 0xa8, 0xc0, 0x2c, 0xc0, 0x30, 0xc0, 0x13,
		0xc0, 0x14, 0x00, 0x9c, 0x00, 0x9d, 0x00, 0x2f, 0x00, 0x35,
	};
	static const uint8_t fixed_ext[] = {
		0x00, 0x17, 0x00, 0x00,			/* ext. master secret */
		0xff, 0x01, 0x00, 0x01, 0x00,		/* renegotiation */
		0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x00, 0x1d, 0x00, 0x17,
		0x00, 0x18,				/* groups */
		0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,	/* point formats */
		0x00, 0x23, 0x00, 0x00,			/* session ticket */
		0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c, 0x02, 'h', '2', 0x08,
		'h', 't', 't', 'p', '/', '1', '.', '1',	/* ALPN */
		0x00, 0x05, 0x00, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x0d, 0x00, 0x12, 0x00, 0x10, 0x04, 0x03, 0x08, 0x04,
		0x04, 0x01, 0x05, 0x03, 0x08, 0x05, 0x05, 0x01, 0x08, 0x06,
		0x06, 0x01,				/* signature algs */
		0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03,
		0x00, 0x2d, 0x00, 0x02, 0x01, 0x01,	/* psk modes */
	};
	char	 host[96];
	size_t	 hlen, n, ext_start, hs_start;

	hlen = (size_t)host_name(host, sizeof(host), f->id);
	p[0] = 0x16; p[1] = 0x03; p[2] = 0x01;		/* record */
	hs_start = 5;
	n = hs_start + 4;
	p[n++] = 0x03; p[n++] = 0x03;			/* legacy version */
	rng_fill(&g->rng, p + n, 32);			/* random */
	n += 32;
	p[n++] = 32;					/* session id */
	rng_fill(&g->rng, p + n, 32);
	n += 32;
	put16(p + n, sizeof(suites));
	n += 2;
	memcpy(p + n, suites, sizeof(suites));
	n += sizeof(suites);
	p[n++] = 1; p[n++] = 0;				/* compression */
	ext_start = n;
	n += 2;
	put16(p + n, 0x0000);				/* server_name */
	put16(p + n + 2, (uint16_t)(hlen + 5));
	put16(p + n + 4, (uint16_t)(hlen + 3));
	p[n + 6] = 0;
	put16(p + n + 7, (uint16_t)hlen);
	memcpy(p + n + 9, host, hlen);
	n += 9 + hlen;
	memcpy(p + n, fixed_ext, sizeof(fixed_ext));
	n += sizeof(fixed_ext);
	put16(p + n, 0x0033);				/* key_share x25519 */
	put16(p + n + 2, 38);
	put16(p + n + 4, 36);
	put16(p + n + 6, 0x001d);
	put16(p + n + 8, 32);
	rng_fill(&g->rng, p + n + 10, 32);
	n += 42;
	put16(p + ext_start, (uint16_t)(n - ext_start - 2));
	p[hs_start] = 0x01;				/* ClientHello */
	p[hs_start + 1] = 0;
	put16(p + hs_start + 2, (uint16_t)(n - hs_start - 4));
	put16(p + 3, (uint16_t)(n - 5));
	return (n);
}

/* DNS query or response for an A record (RFC 1035 4.1). */
static size_t
dns_message(struct flow *f, uint8_t *p, bool response)
{
	char	 host[96], *label, *dot;
	size_t	 n = 12;

	host_name(host, sizeof(host), f->id);
	put16(p, (uint16_t)(f->id * 40503u));
	put16(p + 2, response ? 0x8180 : 0x0100);
	put16(p + 4, 1);
	put16(p + 6, response ? 1 : 0);
	put16(p + 8, 0);
	put16(p + 10, 0);
	for (label = host; label != NULL; label = dot) {
		size_t l;

		if ((dot = strchr(label, '.')) != NULL)
			*dot++ = '\0';
		l = strlen(label);
		p[n++] = (uint8_t)l;
		memcpy(p + n, label, l);
		n += l;
	}
	p[n++] = 0;
	put16(p + n, 1);			/* A */
	put16(p + n + 2, 1);			/* IN */
	n += 4;
	if (response) {
		put16(p + n, 0xc00c);
		put16(p + n + 2, 1);
		put16(p + n + 4, 1);
		put32(p + n + 6, 300);
		put16(p + n + 10, 4);
		put32(p + n + 12, 0xcb007100u | (f->id & 0xff));
		n += 16;
	}
	return (n);
}

/* ------------------------------------------------------------------ */
/* Flows                                                               */

static void
addr_v4(uint8_t *a, uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3)
{
	memset(a, 0, 16);
	a[0] = b0; a[1] = b1; a[2] = b2; a[3] = b3;
}

static void
addr_v6(uint8_t *a, uint16_t w0, uint16_t w1, uint16_t w2, uint16_t w3,
    uint32_t low)
{
	memset(a, 0, 16);
	put16(a, w0); put16(a + 2, w1); put16(a + 4, w2); put16(a + 6, w3);
	put32(a + 12, low);
}

static uint32_t
geometric(struct rng *r, uint32_t mean, uint32_t cap)
{
	uint32_t n = 1;

	while (n < cap && rng_below(r, mean) != 0)
		n++;
	return (n);
}

static void
flow_new(struct gen *g, struct flow *f, int32_t tunnel)
{
	struct rng	*r = &g->rng;
	uint32_t	 x = rng_below(r, 1000), h1, h2;

	memset(f, 0, sizeof(*f));
	f->tunnel = tunnel;
	f->id = (uint32_t)g->flows_started++;
	if (x < 450)
		f->type = F_DNS;
	else if (x < 690)
		f->type = F_HTTP;
	else if (x < 930)
		f->type = F_TLS;
	else if (x < 955)
		f->type = F_BULK;
	else
		f->type = F_RTP;

	h1 = rng_range(r, 2, 250);
	h2 = rng_range(r, 2, 250);
	if (tunnel >= 0 && g->tunnels[tunnel].transport) {
		const struct tunnel *t = &g->tunnels[tunnel];

		f->ver = t->ver;
		memcpy(f->cli, t->addr[0], 16);
		memcpy(f->srv, t->addr[1], 16);
	} else if (tunnel >= 0) {
		const struct tunnel *t = &g->tunnels[tunnel];
		uint32_t i = t->index;

		f->ver = t->inner_ver;
		if (f->ver == 4) {
			addr_v4(f->cli, 10, (uint8_t)(i >> 8), (uint8_t)i,
			    (uint8_t)h1);
			addr_v4(f->srv, 100, (uint8_t)(64 + ((i >> 8) & 63)),
			    (uint8_t)i, (uint8_t)h2);
		} else {
			addr_v6(f->cli, 0xfd00, 0xa, (uint16_t)i, 0, h1);
			addr_v6(f->srv, 0xfd00, 0xb, (uint16_t)i, 0, h2);
		}
	} else {
		g->flows_plain++;
		f->ver = rng_pct(r, 20) ? 6 : 4;
		if (f->ver == 4) {
			addr_v4(f->cli, 192, 168, (uint8_t)rng_below(r, 64),
			    (uint8_t)h1);
			addr_v4(f->srv, 203, 0, 113, (uint8_t)h2);
		} else {
			addr_v6(f->cli, 0x2001, 0xdb8, 1,
			    (uint16_t)rng_below(r, 64), h1);
			addr_v6(f->srv, 0x2001, 0xdb8, 2, 0, h2);
		}
		f->mac[0][0] = 0x02;
		memcpy(f->mac[0] + 2, f->cli + (f->ver == 6 ? 12 : 0), 4);
		f->mac[1][0] = 0x02;
		f->mac[1][1] = 0x01;
		memcpy(f->mac[1] + 2, f->srv + (f->ver == 6 ? 12 : 0), 4);
		f->vlan = rng_pct(r, 20) ? (uint16_t)rng_range(r, 2, 4000) : 0;
	}
	f->cport = (uint16_t)rng_range(r, 32768, 60999);
	f->cseq = (uint32_t)rng_next(r);
	f->sseq = (uint32_t)rng_next(r);
	f->ip_id[0] = (uint16_t)rng_next(r);
	f->ip_id[1] = (uint16_t)rng_next(r);
	switch (f->type) {
	case F_DNS:
		f->sport = 53;
		f->step = S_UDP;
		f->udp_left = 2;
		break;
	case F_HTTP:
		f->sport = 80;
		f->segs_left = (uint16_t)geometric(r, 8, 80);
		break;
	case F_TLS:
		f->sport = 443;
		f->segs_left = (uint16_t)(3 + geometric(r, 10, 120));
		break;
	case F_BULK:
		f->sport = (uint16_t)rng_range(r, 10000, 30000);
		f->segs_left = (uint16_t)rng_range(r, 20, 300);
		break;
	case F_RTP:
		f->sport = (uint16_t)(rng_range(r, 8192, 16383) * 2);
		f->cport = (uint16_t)(rng_range(r, 8192, 16383) * 2);
		f->step = S_UDP;
		f->udp_left = (uint16_t)rng_range(r, 50, 300);
		f->ssrc[0] = (uint32_t)rng_next(r);
		f->ssrc[1] = (uint32_t)rng_next(r);
		break;
	}
}

/* What one packet of a flow is: filled by flow_step(). */
struct seg {
	int		dir;		/* 0: client to server */
	uint8_t		proto;		/* 6 or 17 */
	uint8_t		flags;
	uint32_t	seq, ack;
	bool		syn_opt;
	size_t		plen;		/* payload length */
};

static uint16_t
mss_of(const struct flow *f)
{
	return (f->ver == 6 ? 1340 : 1360);
}

/*
 * The payload of the flow's next packet, written at p; fills s and moves
 * the flow on.
 */
static void
flow_step(struct gen *g, struct flow *f, struct seg *s, uint8_t *p)
{
	struct rng *r = &g->rng;
	size_t	 n;

	memset(s, 0, sizeof(*s));
	s->proto = 6;
	switch (f->step) {
	case S_SYN:
		s->flags = TH_SYN;
		s->seq = f->cseq++;
		s->syn_opt = true;
		f->step = S_SYNACK;
		break;
	case S_SYNACK:
		s->dir = 1;
		s->flags = TH_SYN | TH_ACK;
		s->seq = f->sseq++;
		s->ack = f->cseq;
		s->syn_opt = true;
		f->step = S_ACK;
		break;
	case S_ACK:
		s->flags = TH_ACK;
		s->seq = f->cseq;
		s->ack = f->sseq;
		f->step = S_REQ;
		break;
	case S_REQ:
		s->flags = TH_ACK | TH_PSH;
		if (f->type == F_HTTP)
			n = http_request(f, p);
		else if (f->type == F_TLS)
			n = tls_client_hello(g, f, p);
		else {
			n = rng_range(r, 40, 600);
			rng_fill(r, p, n);
		}
		s->seq = f->cseq;
		s->ack = f->sseq;
		s->plen = n;
		f->cseq += (uint32_t)n;
		f->step = S_DATA;
		break;
	case S_DATA:
		s->dir = 1;
		s->flags = TH_ACK;
		n = f->segs_left == 1 ? rng_range(r, 64, mss_of(f)) : mss_of(f);
		rng_fill(r, p, n);
		if (f->segs_sent == 0 && f->type == F_HTTP) {
			size_t hn = http_response_head(f, p,
			    (size_t)f->segs_left * mss_of(f));

			if (hn > n)
				n = hn;
		} else if (f->type == F_TLS) {
			/* Record headers: handshake first, then app data. */
			p[0] = f->segs_sent == 0 ? 0x16 : 0x17;
			p[1] = 0x03;
			p[2] = 0x03;
			put16(p + 3, (uint16_t)(n - 5));
		}
		s->seq = f->sseq;
		s->ack = f->cseq;
		s->plen = n;
		f->sseq += (uint32_t)n;
		f->segs_sent++;
		if (--f->segs_left == 0) {
			s->flags |= TH_PSH;
			f->step = S_FIN1;
		} else if (f->segs_sent % 2 == 0)
			f->step = S_DACK;
		break;
	case S_DACK:
		s->flags = TH_ACK;
		s->seq = f->cseq;
		s->ack = f->sseq;
		f->step = S_DATA;
		break;
	case S_FIN1:
		s->flags = TH_FIN | TH_ACK;
		s->seq = f->cseq++;
		s->ack = f->sseq;
		f->step = S_FIN2;
		break;
	case S_FIN2:
		s->dir = 1;
		s->flags = TH_FIN | TH_ACK;
		s->seq = f->sseq++;
		s->ack = f->cseq;
		f->step = S_FIN3;
		break;
	case S_FIN3:
		s->flags = TH_ACK;
		s->seq = f->cseq;
		s->ack = f->sseq;
		f->step = S_DONE;
		break;
	case S_UDP:
		s->proto = 17;
		if (f->type == F_DNS) {
			s->dir = f->udp_left == 1;
			s->plen = dns_message(f, p, s->dir == 1);
		} else {
			int d = rng_below(r, 2);

			s->dir = d;
			p[0] = 0x80;			/* RTP v2, PCMU */
			p[1] = 0;
			put16(p + 2, f->rtp_seq[d]++);
			put32(p + 4, f->rtp_ts[d]);
			f->rtp_ts[d] += 160;
			put32(p + 8, f->ssrc[d]);
			rng_fill(r, p + 12, 160);
			s->plen = 172;
		}
		if (--f->udp_left == 0)
			f->step = S_DONE;
		break;
	}
}

/*
 * The flow's next packet at p: an IP packet, or (transport mode) the
 * bare TCP/UDP segment.  Returns its length; *nh is what the ESP next
 * header must say.
 */
static size_t
flow_packet(struct gen *g, struct flow *f, bool transport, uint8_t *p,
    int *dir, uint8_t *nh)
{
	struct seg	 s;
	size_t		 iph = transport ? 0 : f->ver == 6 ? 40 : 20, l4h, l4len;
	uint8_t		*l4 = p + iph, *src, *dst;
	uint16_t	 sp, dp;

	/* Payload first: its builder decides the length. */
	l4h = f->step == S_UDP ? 8 : 20;
	if (f->step == S_SYN || f->step == S_SYNACK)
		l4h = 24;
	flow_step(g, f, &s, l4 + l4h);
	src = s.dir == 0 ? f->cli : f->srv;
	dst = s.dir == 0 ? f->srv : f->cli;
	sp = s.dir == 0 ? f->cport : f->sport;
	dp = s.dir == 0 ? f->sport : f->cport;
	l4len = l4h + s.plen;
	put16(l4, sp);
	put16(l4 + 2, dp);
	if (s.proto == 17) {
		put16(l4 + 4, (uint16_t)l4len);
		put16(l4 + 6, 0);
	} else {
		put32(l4 + 4, s.seq);
		put32(l4 + 8, s.ack);
		l4[12] = (uint8_t)(l4h / 4) << 4;
		l4[13] = s.flags;
		put16(l4 + 14, 64240);
		put16(l4 + 16, 0);
		put16(l4 + 18, 0);
		if (s.syn_opt) {
			l4[20] = 2;		/* MSS */
			l4[21] = 4;
			put16(l4 + 22, mss_of(f));
		}
	}
	{
		uint16_t c = l4_csum(f->ver, src, dst, s.proto, l4, l4len);

		if (s.proto == 17 && c == 0)
			c = 0xffff;
		put16(l4 + (s.proto == 17 ? 6 : 16), c);
	}
	if (!transport) {
		if (f->ver == 4)
			ip4_hdr(p, (uint16_t)(20 + l4len), s.proto, src, dst,
			    f->ip_id[s.dir]++, 64);
		else
			ip6_hdr(p, (uint16_t)l4len, s.proto, src, dst,
			    f->id & 0xfffff, 64);
		*nh = f->ver == 6 ? 41 : 4;
	} else
		*nh = s.proto;
	*dir = s.dir;
	return (iph + l4len);
}

/* ------------------------------------------------------------------ */
/* IPsec encapsulation                                                 */

/* Bytes of outer headers before the ESP header (WESP included). */
static size_t
outer_len(const struct tunnel *t, size_t *l2, size_t *wesp_len)
{
	*l2 = 14 + 4 * (size_t)t->n_vlan;
	*wesp_len = 0;
	/* IPv6 HdrLen must be a multiple of 8: the P word (section 2),
	   optional over UDP but then still needed for that. */
	if (t->wesp)
		*wesp_len = 4 + (t->ver == 6 ? 4 : 0);
	return (*l2 + (t->ver == 6 ? 40 : 20) + (t->udp ? 8 : 0) +
	    (t->wesp && t->udp ? 4 : 0) + *wesp_len);
}

static bool
is_null(const struct tunnel *t)
{
	return (t->kind == K_NULL || t->kind == K_GMAC);
}

/*
 * Wrap an ESP payload (already at frame + off_esp + 8 + iv, plen
 * bytes) of t, direction d, into a full frame; returns the frame length.
 */
static size_t
esp_frame(struct gen *g, struct tunnel *t, int d, uint8_t *frame,
    size_t plen, uint8_t nh)
{
	struct rng	*r = &g->rng;
	struct sa_gen	*sa = &t->sa[d];
	size_t		 l2, wl, off_esp = outer_len(t, &l2, &wl), ct, pad,
			 esp_len, n, ip_len, i;
	uint8_t		*esp = frame + off_esp, *ip = frame + l2, *body;

	body = esp + 8 + t->iv;
	if (is_null(t)) {
		/* RFC 4303 2.4: Pad Length and NH end a 4-byte word. */
		pad = (4 - (t->iv + plen + 2) % 4) % 4;
		if (rng_pct(r, 10))
			pad += 4;
		for (i = 0; i < pad; i++)
			body[plen + i] = (uint8_t)(i + 1);
		body[plen + pad] = (uint8_t)pad;
		body[plen + pad + 1] = nh;
		ct = plen + pad + 2;
		rng_fill(r, esp + 8, t->iv);
	} else {
		size_t blk = t->kind == K_CBC ? 16 : 4;

		ct = (plen + 2 + blk - 1) / blk * blk;
		rng_fill(r, esp + 8, t->iv + ct);
	}
	rng_fill(r, body + ct, t->icv);
	esp_len = 8 + t->iv + ct + t->icv;
	sa->seq++;
	sa->pkts++;
	put32(esp, sa->spi);
	put32(esp + 4, sa->seq);

	/* WESP (RFC 5840 section 2), then the non-ESP marker over UDP. */
	n = esp_len;
	if (t->wesp) {
		uint8_t *w = esp - wl;
		bool	 padded = wl == 8;

		if (is_null(t)) {
			w[0] = nh;
			w[1] = (uint8_t)(wl + 8 + t->iv);
			w[2] = t->icv;
			w[3] = padded ? 0x10 : 0;
		} else {
			w[0] = w[1] = w[2] = 0;
			w[3] = 0x20 | (padded ? 0x10 : 0);
		}
		if (padded)
			memset(w + 4, 0, 4);
		n += wl;
		if (t->udp) {
			put32(w - 4, 2);
			n += 4;
		}
	}
	if (t->udp) {
		uint8_t *u = frame + l2 + (t->ver == 6 ? 40 : 20);

		n += 8;
		put16(u, t->port[d]);
		put16(u + 2, t->port[!d]);
		put16(u + 4, (uint16_t)n);
		put16(u + 6, 0);	/* RFC 3948 2.1: zero over IPv4 */
		if (t->ver == 6)
			put16(u + 6, l4_csum(6, t->addr[d], t->addr[!d], 17,
			    u, n));
	}
	if (t->ver == 4) {
		ip_len = 20 + n;
		ip4_hdr(ip, (uint16_t)ip_len, t->udp ? 17 : t->wesp ? 141 : 50,
		    t->addr[d], t->addr[!d], t->ip_id[d]++, 64);
	} else {
		ip_len = 40 + n;
		ip6_hdr(ip, (uint16_t)n, t->udp ? 17 : t->wesp ? 141 : 50,
		    t->addr[d], t->addr[!d], t->flow_label, 64);
	}
	eth_hdr(frame, t->mac[!d], t->mac[d], t->vlan, t->n_vlan, t->qinq,
	    t->ver);
	return (l2 + ip_len);
}

static void
emit_flow_packet(struct gen *g, struct flow *f, uint8_t *frame)
{
	struct tunnel	*t;
	size_t		 l2, wl, off, len;
	uint8_t		 nh;
	int		 dir;

	if (f->tunnel < 0) {
		l2 = f->vlan != 0 ? 18 : 14;
		len = flow_packet(g, f, false, frame + l2, &dir, &nh);
		eth_hdr(frame, f->mac[!dir], f->mac[dir], &f->vlan,
		    f->vlan != 0, false, f->ver);
		emit(g, frame, (uint32_t)(l2 + len));
		g->plain_frames++;
		return;
	}
	t = &g->tunnels[f->tunnel];
	off = outer_len(t, &l2, &wl) + 8 + t->iv;
	len = flow_packet(g, f, t->transport, frame + off, &dir, &nh);
	len = esp_frame(g, t, dir, frame, len, nh);
	emit(g, frame, (uint32_t)len);
	g->ipsec_frames++;
}

/* IKE (UDP 500) or a NAT keepalive between the gateways of t. */
static void
emit_control(struct gen *g, struct tunnel *t, uint8_t *frame)
{
	struct rng	*r = &g->rng;
	size_t		 l2 = 14 + 4 * (size_t)t->n_vlan,
			 iph = t->ver == 6 ? 40 : 20, n;
	uint8_t		*u = frame + l2 + iph;
	int		 d = rng_below(r, 2);
	bool		 keepalive = t->udp && rng_pct(r, 50);

	if (keepalive) {
		n = 9;
		u[8] = 0xff;
		put16(u, t->port[d]);
		put16(u + 2, t->port[!d]);
	} else {
		n = 8 + 28 + rng_range(r, 40, 400);
		rng_fill(r, u + 8, n - 8);
		put16(u, 500);
		put16(u + 2, 500);
		u[8 + 16] = 0x21;		/* next payload SA */
		u[8 + 17] = 0x20;		/* IKEv2 */
		u[8 + 18] = 37;			/* INFORMATIONAL */
		u[8 + 19] = 0x08;
		put32(u + 8 + 24, (uint32_t)(n - 8));
	}
	put16(u + 4, (uint16_t)n);
	put16(u + 6, 0);
	if (t->ver == 4)
		ip4_hdr(frame + l2, (uint16_t)(20 + n), 17, t->addr[d],
		    t->addr[!d], t->ip_id[d]++, 64);
	else {
		ip6_hdr(frame + l2, (uint16_t)n, 17, t->addr[d], t->addr[!d],
		    t->flow_label, 64);
		put16(u + 6, l4_csum(6, t->addr[d], t->addr[!d], 17, u, n));
	}
	eth_hdr(frame, t->mac[!d], t->mac[d], t->vlan, t->n_vlan, t->qinq,
	    t->ver);
	emit(g, frame, (uint32_t)(l2 + iph + n));
	g->other_frames++;
}

/* Unique SPIs: an odd multiplier is a bijection on 28 bits. */
static uint32_t
spi_of(uint32_t k, uint32_t base)
{
	return (base + ((k * 0x9e3779b1u) & 0x0fffffffu));
}

static void
tunnel_new(struct gen *g, struct tunnel *t, uint32_t i)
{
	static const uint8_t cbc_icv[] = { 12, 16, 24, 32 };
	static const uint8_t null_icv[] = { 0, 8, 12, 16, 24, 32 };
	struct rng	*r = &g->rng;
	uint32_t	 x;
	int		 s;

	memset(t, 0, sizeof(*t));
	t->index = i;
	t->ver = rng_pct(r, 25) ? 6 : 4;
	if (t->ver == 4) {
		addr_v4(t->addr[0], 198, 18, (uint8_t)(i >> 8), (uint8_t)i);
		addr_v4(t->addr[1], 198, 19, (uint8_t)(i >> 8), (uint8_t)i);
	} else {
		addr_v6(t->addr[0], 0x2001, 2, 0, 1, i);
		addr_v6(t->addr[1], 0x2001, 2, 0, 2, i);
	}
	for (s = 0; s < 2; s++) {
		t->mac[s][0] = 0x02;
		t->mac[s][1] = (uint8_t)(0x10 + s);
		put32(t->mac[s] + 2, i);
	}
	x = rng_below(r, 100);
	if (x < 25) {
		t->n_vlan = 1;
		t->vlan[0] = (uint16_t)rng_range(r, 2, 4000);
	} else if (x < 30) {
		t->n_vlan = 2;
		t->qinq = true;
		t->vlan[0] = (uint16_t)rng_range(r, 2, 4000);
		t->vlan[1] = (uint16_t)rng_range(r, 2, 4000);
	}
	x = rng_below(r, 100);
	if (x < 48) {
		t->kind = K_NULL;
		t->icv = null_icv[rng_below(r, 6)];
	} else if (x < 56) {
		t->kind = K_GMAC;
		t->iv = 8;
		t->icv = 16;
	} else if (x < 80) {
		t->kind = K_CBC;
		t->iv = 16;
		t->icv = cbc_icv[rng_below(r, 4)];
	} else {
		t->kind = K_GCM;
		t->iv = 8;
		t->icv = 16;
	}
	t->udp = rng_pct(r, 25);
	if (t->udp) {
		t->port[0] = rng_pct(r, 50) ? 4500 :
		    (uint16_t)rng_range(r, 1024, 65000);
		t->port[1] = 4500;
	}
	t->wesp = rng_pct(r, 10);
	t->transport = rng_pct(r, 10);
	t->inner_ver = rng_pct(r, 20) ? 6 : 4;
	t->flow_label = (uint32_t)rng_next(r) & 0xfffff;
	t->ip_id[0] = (uint16_t)rng_next(r);
	t->ip_id[1] = (uint16_t)rng_next(r);
	t->sa[0].spi = spi_of(2 * i, 0x10000000u);
	t->sa[1].spi = spi_of(2 * i + 1, 0x10000000u);
}

/*
 * Truth, one line per SA that sent a packet, tab separated:
 * spi src dst sport dport encap wesp verdict icv_len iv_len kind mode pkts
 * (icv_len and iv_len "-" unless null; ports 0 unless encap udp).
 */
static void
write_truth(struct gen *g, const char *path)
{
	char	 a[64], b[64];
	FILE	*f;
	uint32_t i;
	int	 d;

	if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "gen_bench: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	for (i = 0; i < g->n_tunnels; i++) {
		const struct tunnel *t = &g->tunnels[i];

		for (d = 0; d < 2; d++) {
			const uint8_t *s = t->addr[d], *e = t->addr[!d];

			if (t->sa[d].pkts == 0)
				continue;
			if (t->ver == 4) {
				snprintf(a, sizeof(a), "%u.%u.%u.%u", s[0],
				    s[1], s[2], s[3]);
				snprintf(b, sizeof(b), "%u.%u.%u.%u", e[0],
				    e[1], e[2], e[3]);
			} else {
				snprintf(a, sizeof(a), "2001:2:0:%x::%x:%x",
				    s[7], s[12] << 8 | s[13], s[14] << 8 |
				    s[15]);
				snprintf(b, sizeof(b), "2001:2:0:%x::%x:%x",
				    e[7], e[12] << 8 | e[13], e[14] << 8 |
				    e[15]);
			}
			if (is_null(t))
				fprintf(f, "%u\t%s\t%s\t%u\t%u\t%s\t%d\tnull\t"
				    "%u\t%u\t%s\t%s\t%" PRIu64 "\n",
				    t->sa[d].spi, a, b, t->udp ? t->port[d] : 0,
				    t->udp ? t->port[!d] : 0,
				    t->udp ? "udp" : "none", t->wesp, t->icv,
				    t->iv, kind_names[t->kind],
				    t->transport ? "transport" : "tunnel",
				    t->sa[d].pkts);
			else
				fprintf(f, "%u\t%s\t%s\t%u\t%u\t%s\t%d\t"
				    "encrypted\t-\t-\t%s\t%s\t%" PRIu64 "\n",
				    t->sa[d].spi, a, b, t->udp ? t->port[d] : 0,
				    t->udp ? t->port[!d] : 0,
				    t->udp ? "udp" : "none", t->wesp,
				    kind_names[t->kind],
				    t->transport ? "transport" : "tunnel",
				    t->sa[d].pkts);
		}
	}
	if (fclose(f) != 0) {
		fprintf(stderr, "gen_bench: %s: write error\n", path);
		exit(1);
	}
}

static void
gen_mixed(struct gen *g, uint32_t n_tunnels, uint32_t n_flows)
{
	uint8_t	 frame[MAX_FRAME];
	uint32_t i;

	g->n_tunnels = n_tunnels;
	g->n_flows = n_flows;
	g->tunnels = calloc(n_tunnels, sizeof(*g->tunnels));
	g->flows = calloc(n_flows, sizeof(*g->flows));
	if (g->tunnels == NULL || g->flows == NULL) {
		fprintf(stderr, "gen_bench: out of memory\n");
		exit(1);
	}
	for (i = 0; i < n_tunnels; i++)
		tunnel_new(g, &g->tunnels[i], i);
	/* Every tunnel gets a flow early; 15% of the flows are plain. */
	for (i = 0; i < n_flows; i++)
		flow_new(g, &g->flows[i], i < n_tunnels ? (int32_t)i :
		    rng_pct(&g->rng, 15) ? -1 :
		    (int32_t)rng_below(&g->rng, n_tunnels));
	while (g->frames < g->target) {
		struct flow *f;

		if (rng_below(&g->rng, 2000) == 0) {
			emit_control(g, &g->tunnels[rng_below(&g->rng,
			    n_tunnels)], frame);
			continue;
		}
		f = &g->flows[rng_below(&g->rng, n_flows)];
		emit_flow_packet(g, f, frame);
		if (f->step == S_DONE)
			flow_new(g, f, rng_pct(&g->rng, 15) ? -1 :
			    (int32_t)rng_below(&g->rng, n_tunnels));
	}
}

/* -m sas and -m flows: ESP-NULL, HMAC-SHA1-96 layout, inner IPv4 UDP. */
static void
gen_scale(struct gen *g, bool many_sas)
{
	uint8_t		 frame[MAX_FRAME];
	struct tunnel	 t;
	struct flow	 f;
	uint64_t	 i;
	size_t		 l2, wl, off, len;
	int		 dir;
	uint8_t		 nh;

	memset(&t, 0, sizeof(t));
	t.ver = 4;
	t.kind = K_NULL;
	t.icv = 12;
	t.inner_ver = 4;
	addr_v4(t.addr[1], 198, 19, 0, 1);
	t.mac[0][0] = t.mac[1][0] = 0x02;
	t.mac[1][1] = 0x01;
	memset(&f, 0, sizeof(f));
	f.type = F_DNS;
	f.ver = 4;
	off = outer_len(&t, &l2, &wl) + 8;
	for (i = 0; i < g->target; i++) {
		uint32_t k = many_sas ? (uint32_t)i : (uint32_t)(i % 64);

		addr_v4(t.addr[0], 10, (uint8_t)(k >> 16), (uint8_t)(k >> 8),
		    (uint8_t)k);
		t.sa[0].spi = spi_of(k, 0x01000000u);
		t.sa[0].seq = many_sas ? 0 : (uint32_t)(i / 64);
		if (many_sas) {
			/* The last fragment (offset 1480, MF 0) of a UDP
			   datagram: no L4 header to check, no flow. */
			uint8_t	*ip = frame + off;
			uint8_t	 src[4] = { 10, 200, 0, 1 },
				 dst[4] = { 10, 201, 0, 1 };

			rng_fill(&g->rng, ip + 20, 24);
			ip4_hdr(ip, 44, 17, src, dst, (uint16_t)i, 64);
			put16(ip + 6, 185);
			put16(ip + 10, 0);
			put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
			len = esp_frame(g, &t, 0, frame, 44, 4);
			emit(g, frame, (uint32_t)len);
			g->ipsec_frames++;
			continue;
		} else {
			addr_v4(f.cli, 10, (uint8_t)(128 + (i >> 22)),
			    (uint8_t)(i >> 14), (uint8_t)(i >> 6));
			f.cport = (uint16_t)(1024 + (i & 63));
		}
		addr_v4(f.srv, 10, 201, 0, 1);
		f.sport = 5000;
		f.id = (uint32_t)i;
		/* One query packet: DNS-shaped payload on port 5000. */
		f.step = S_UDP;
		f.udp_left = 2;
		len = flow_packet(g, &f, false, frame + off, &dir, &nh);
		len = esp_frame(g, &t, 0, frame, len, nh);
		emit(g, frame, (uint32_t)len);
		g->ipsec_frames++;
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: gen_bench [-m mixed|sas|flows] [-n N] "
	    "[-t TUNNELS] [-c FLOWS] [-s SEED] [-T TRUTH]\n"
	    "                 [-x START:COUNT:FILE ...] -o FILE\n");
	exit(2);
}

static uint64_t
num_arg(const char *s)
{
	char		*end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *s == '\0' || *end != '\0')
		usage();
	return (v);
}

int
main(int argc, char **argv)
{
	static struct gen g;
	const char	*out = NULL, *truth = NULL, *mode = "mixed";
	uint64_t	 seed = 5879;		/* RFC 5879 */
	uint32_t	 n_tunnels = 2000, n_flows = 4000;
	int		 ch, i;

	g.target = 1200000;
	while ((ch = getopt(argc, argv, "m:n:t:c:s:T:x:o:")) != -1) {
		switch (ch) {
		case 'm':
			mode = optarg;
			break;
		case 'n':
			g.target = num_arg(optarg);
			break;
		case 't':
			n_tunnels = (uint32_t)num_arg(optarg);
			break;
		case 'c':
			n_flows = (uint32_t)num_arg(optarg);
			break;
		case 's':
			seed = num_arg(optarg);
			break;
		case 'T':
			truth = optarg;
			break;
		case 'x': {
			struct slice *s = &g.slices[g.n_slices];
			char *c1, *c2;

			if (g.n_slices == MAX_SLICES ||
			    (c1 = strchr(optarg, ':')) == NULL ||
			    (c2 = strchr(c1 + 1, ':')) == NULL)
				usage();
			*c1 = *c2 = '\0';
			s->start = num_arg(optarg);
			s->count = num_arg(c1 + 1);
			s->path = c2 + 1;
			g.n_slices++;
			break;
		}
		case 'o':
			out = optarg;
			break;
		default:
			usage();
		}
	}
	if (out == NULL || optind != argc || n_tunnels == 0 ||
	    n_tunnels > 65536 || n_flows == 0)
		usage();
	rng_seed(&g.rng, seed);
	g.out = open_pcap(out);
	for (i = 0; i < g.n_slices; i++)
		g.slices[i].f = open_pcap(g.slices[i].path);
	if (strcmp(mode, "mixed") == 0) {
		g.usec_step = 100;
		gen_mixed(&g, n_tunnels, n_flows);
	} else if (strcmp(mode, "sas") == 0 || strcmp(mode, "flows") == 0) {
		if (g.target > (1u << 24))
			usage();
		g.usec_step = 1;
		gen_scale(&g, strcmp(mode, "sas") == 0);
	} else
		usage();
	if (fclose(g.out) != 0) {
		fprintf(stderr, "gen_bench: %s: write error\n", out);
		return (1);
	}
	for (i = 0; i < g.n_slices; i++)
		if (fclose(g.slices[i].f) != 0) {
			fprintf(stderr, "gen_bench: %s: write error\n",
			    g.slices[i].path);
			return (1);
		}
	if (truth != NULL && g.tunnels != NULL)
		write_truth(&g, truth);

	printf("{\"file\":\"%s\",\"mode\":\"%s\",\"seed\":%" PRIu64
	    ",\"frames\":%" PRIu64 ",\"caplen_bytes\":%" PRIu64
	    ",\"file_bytes\":%" PRIu64 ",\"ipsec_frames\":%" PRIu64
	    ",\"plain_frames\":%" PRIu64 ",\"other_frames\":%" PRIu64
	    ",\"tunnels\":%u,\"flows\":%" PRIu64 ",\"plain_flows\":%" PRIu64
	    ",\"slices\":[", out, mode, seed, g.frames, g.caplen_bytes,
	    g.file_bytes + 24, g.ipsec_frames, g.plain_frames, g.other_frames,
	    g.n_tunnels, strcmp(mode, "mixed") == 0 ? g.flows_started :
	    strcmp(mode, "flows") == 0 ? g.frames : 1, g.flows_plain);
	for (i = 0; i < g.n_slices; i++)
		printf("%s{\"file\":\"%s\",\"start\":%" PRIu64 ",\"frames\":%"
		    PRIu64 ",\"caplen_bytes\":%" PRIu64 "}", i ? "," : "",
		    g.slices[i].path, g.slices[i].start, g.slices[i].frames,
		    g.slices[i].caplen_bytes);
	printf("]}\n");
	free(g.tunnels);
	free(g.flows);
	return (0);
}
