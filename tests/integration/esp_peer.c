/*
 * esp_peer.c - a test driver for the ESP data plane (src/esp), linked
 * with libespvis.a; test_esp_tunnel.sh and test_esp_wire.sh build it.
 *
 *   esp_peer run --suite S --local IP --remote IP --spi-in HEX
 *       --spi-out HEX --initiator 0|1 --tun NAME --tun-addr IP/LEN
 *       --ts-local CIDR --ts-remote CIDR [--encap udp|ip] [--wesp]
 *       [--status FILE]
 *     One Child SA with fixed test keys (the same on both sides, so two
 *     peers with swapped SPIs and --initiator 1/0 talk), a TUN device
 *     with the remote selector routed to it, until SIGINT/SIGTERM; the
 *     plane's JSON status goes to FILE at exit and on SIGUSR1.
 *
 *   esp_peer bench [SECS]
 *     Encapsulation + decapsulation in one process, per suite (no I/O).
 *
 *   esp_peer vectors DIR
 *     Writes DIR/ours.json (for each suite: keys, SPIs, and packets we
 *     encapsulated, with their inner packets) for an independent check
 *     (check_esp_scapy.py), and DIR/wesp.pcap (WESP over IP and over UDP
 *     4500, integrity-only, RFC 5840) for espvis's own inspector.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "esp/esp_plane.h"
#include "esp/esp_sa.h"

struct suite_def {
	const char	*name;
	uint16_t	 encr, keybits, integ;
	uint8_t		 encr_len, integ_len;
};

static const struct suite_def suite_defs[] = {
	{ "null-sha1",	 IKE_ENCR_NULL, 0, IKE_INTEG_HMAC_SHA1_96, 0, 20 },
	{ "null-sha256", IKE_ENCR_NULL, 0, IKE_INTEG_HMAC_SHA2_256_128, 0, 32 },
	{ "null-sha384", IKE_ENCR_NULL, 0, IKE_INTEG_HMAC_SHA2_384_192, 0, 48 },
	{ "null-sha512", IKE_ENCR_NULL, 0, IKE_INTEG_HMAC_SHA2_512_256, 0, 64 },
	{ "aes128gmac",	 IKE_ENCR_NULL_AUTH_AES_GMAC, 128, 0, 20, 0 },
	{ "aes256gmac",	 IKE_ENCR_NULL_AUTH_AES_GMAC, 256, 0, 36, 0 },
	{ "aes128gcm16", IKE_ENCR_AES_GCM_16, 128, 0, 20, 0 },
	{ "aes256gcm16", IKE_ENCR_AES_GCM_16, 256, 0, 36, 0 },
	{ "aes128-sha1", IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA1_96, 16, 20 },
	{ "aes128-sha256", IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128,
	    16, 32 },
	{ "aes256-sha256", IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128,
	    32, 32 },
	{ "aes256-sha512", IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_512_256,
	    32, 64 },
};
#define NSUITE_DEFS (sizeof(suite_defs) / sizeof(suite_defs[0]))

static const struct suite_def *
suite_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < NSUITE_DEFS; i++)
		if (strcmp(suite_defs[i].name, name) == 0)
			return (&suite_defs[i]);
	return (NULL);
}

/* Fixed test keys: a pattern per key, the same for both peers. */
static void
test_keys(const struct suite_def *s, struct ike_child_keys *k)
{
	int	 i;

	memset(k, 0, sizeof(*k));
	k->encr = s->encr;
	k->keybits = s->keybits;
	k->integ = s->integ;
	k->encr_len = s->encr_len;
	k->integ_len = s->integ_len;
	for (i = 0; i < IKE_ENCR_KEY_MAX; i++) {
		k->ei[i] = (uint8_t)(0x10 + 3 * i);
		k->er[i] = (uint8_t)(0x90 + 5 * i);
	}
	for (i = 0; i < IKE_INTEG_KEY_MAX; i++) {
		k->ai[i] = (uint8_t)(0x20 + 7 * i);
		k->ar[i] = (uint8_t)(0xa0 + 11 * i);
	}
}

static int
parse_ip(const char *s, struct ipaddr *a)
{
	uint8_t	 b[16];

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, b) == 1)
		ipaddr_set4(a, b);
	else if (inet_pton(AF_INET6, s, b) == 1)
		ipaddr_set6(a, b);
	else
		return (-1);
	return (0);
}

/* "10.1.0.0/24" -> address and prefix length. */
static int
parse_cidr(const char *s, struct ipaddr *a, uint8_t *plen)
{
	char	 buf[64], *slash;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	if (parse_ip(buf, a) != 0)
		return (-1);
	*plen = (uint8_t)(slash != NULL ? atoi(slash) :
	    (a->family == 6 ? 128 : 32));
	return (0);
}

static int
cidr_ts(const char *s, struct ike_ts *ts)
{
	struct ipaddr	 a;
	uint8_t		 plen;
	size_t		 alen, i;

	if (parse_cidr(s, &a, &plen) != 0)
		return (-1);
	alen = a.family == 6 ? 16 : 4;
	memset(ts, 0, sizeof(*ts));
	ts->type = a.family == 6 ? IKE_TS_IPV6_ADDR_RANGE :
	    IKE_TS_IPV4_ADDR_RANGE;
	ts->end_port = 0xffff;
	for (i = 0; i < alen; i++) {
		unsigned bits = plen > i * 8 ? (unsigned)(plen - i * 8) : 0;
		uint8_t mask = bits >= 8 ? 0xff :
		    (uint8_t)(0xff << (8 - bits));

		ts->start[i] = a.bytes[i] & mask;
		ts->end[i] = (uint8_t)(a.bytes[i] | (uint8_t)~mask);
	}
	return (0);
}

/* ---- run ---- */

static volatile sig_atomic_t stop, dump;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		dump = 1;
	else
		stop = 1;
}

static void
write_status(const struct esp_plane *p, const char *path)
{
	static char	 buf[16384];
	size_t		 n = esp_plane_status_json(p, buf, sizeof(buf));
	FILE		*f;

	if (path == NULL)
		f = stderr;
	else if ((f = fopen(path, "w")) == NULL)
		return;
	fwrite(buf, 1, n, f);
	if (f != stderr)
		fclose(f);
}

static void
peer_event(void *arg, uint32_t spi, uint32_t ev)
{
	(void)arg;
	fprintf(stderr, "esp_peer: SA %08x event %s\n", spi,
	    ev & ESP_EV_HARD ? "hard" : "soft");
}

static void
peer_log(void *arg, int level, const char *line)
{
	(void)arg;
	(void)level;
	fprintf(stderr, "esp_peer: %s\n", line);
}

static int
run(int argc, char **argv)
{
	struct esp_plane_config cfg;
	struct esp_plane_env env = { .event = peer_event, .log = peer_log };
	struct ike_child_info info;
	struct ike_child_keys keys;
	const struct suite_def *s = NULL;
	struct esp_plane *p;
	struct pollfd	 pfd[8];
	struct sigaction sa;
	const char	*status = NULL;
	char		 err[256];
	size_t		 n;
	int		 i;

	memset(&cfg, 0, sizeof(cfg));
	memset(&info, 0, sizeof(info));
	snprintf(info.peer, sizeof(info.peer), "test");
	info.encap = true;
	for (i = 2; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
		int ok = 0;

		if (strcmp(o, "--wesp") == 0) {
			info.wesp = true;
			continue;
		}
		i++;
		if (strcmp(o, "--suite") == 0)
			ok = (s = suite_find(v)) != NULL;
		else if (strcmp(o, "--local") == 0)
			ok = parse_ip(v, &info.local.ip) == 0;
		else if (strcmp(o, "--remote") == 0)
			ok = parse_ip(v, &info.remote.ip) == 0;
		else if (strcmp(o, "--spi-in") == 0)
			ok = (info.spi_in = (uint32_t)strtoul(v, NULL, 16)) != 0;
		else if (strcmp(o, "--spi-out") == 0)
			ok = (info.spi_out = (uint32_t)strtoul(v, NULL, 16)) != 0;
		else if (strcmp(o, "--initiator") == 0)
			ok = (info.initiator = atoi(v) != 0) || 1;
		else if (strcmp(o, "--encap") == 0)
			ok = (info.encap = strcmp(v, "udp") == 0) ||
			    strcmp(v, "ip") == 0;
		else if (strcmp(o, "--tun") == 0)
			ok = (cfg.tun_name = v) != NULL;
		else if (strcmp(o, "--tun-addr") == 0)
			ok = parse_cidr(v, &cfg.tun_addr, &cfg.tun_prefix) == 0;
		else if (strcmp(o, "--mtu") == 0)
			ok = (cfg.mtu = (unsigned)atoi(v)) != 0;
		else if (strcmp(o, "--ts-local") == 0)
			ok = cidr_ts(v, &info.ts_local[info.n_ts_local++]) == 0;
		else if (strcmp(o, "--ts-remote") == 0)
			ok = cidr_ts(v, &info.ts_remote[info.n_ts_remote++]) == 0;
		else if (strcmp(o, "--status") == 0)
			ok = (status = v) != NULL;
		if (!ok) {
			fprintf(stderr, "esp_peer: bad option %s %s\n", o, v);
			return (2);
		}
	}
	if (s == NULL || info.spi_in == 0 || info.remote.ip.family == 0) {
		fprintf(stderr, "esp_peer: --suite, --spi-in/out, --remote "
		    "needed\n");
		return (2);
	}
	info.local.port = info.remote.port = IKE_NATT_PORT;
	info.suite.encr = s->encr;
	info.suite.encr_keybits = s->keybits;
	info.suite.integ = s->integ;
	test_keys(s, &keys);
	info.keys = &keys;

	if ((p = esp_plane_new(&cfg, &env, err, sizeof(err))) == NULL) {
		fprintf(stderr, "esp_peer: %s\n", err);
		return (1);
	}
	if ((info.encap ? esp_plane_open_udp(p, &info.local, err, sizeof(err)) :
	    esp_plane_open_raw(p, info.remote.ip.family, err, sizeof(err))) != 0 ||
	    esp_plane_child_up(p, &info, err, sizeof(err)) != 0) {
		fprintf(stderr, "esp_peer: %s\n", err);
		esp_plane_free(p);
		return (1);
	}
	ike_child_keys_wipe(&keys);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	fprintf(stderr, "esp_peer: up (%s, %s%s)\n", s->name,
	    info.encap ? "udp" : "ip", info.wesp ? ", wesp" : "");
	while (!stop) {
		n = esp_plane_fds(p, pfd, 8);
		if (poll(pfd, n, 1000) < 0 && errno != EINTR)
			break;
		if (dump) {
			dump = 0;
			write_status(p, status);
		}
		if (!stop)
			esp_plane_service(p, pfd, n);
	}
	write_status(p, status);
	esp_plane_free(p);
	return (0);
}

/* ---- vectors ---- */

static void
hex(FILE *f, const uint8_t *b, size_t n)
{
	size_t	 i;

	fputc('"', f);
	for (i = 0; i < n; i++)
		fprintf(f, "%02x", b[i]);
	fputc('"', f);
}

static void
pair_sa(const struct suite_def *s, bool udp, bool wesp, bool initiator,
    struct esp_sa *sa)
{
	struct ike_child_keys k;
	struct esp_sa_config cfg;
	char		 err[128];

	test_keys(s, &k);
	memset(&cfg, 0, sizeof(cfg));
	cfg.suite.encr = s->encr;
	cfg.suite.encr_keybits = s->keybits;
	cfg.suite.integ = s->integ;
	cfg.keys = &k;
	cfg.initiator = initiator;
	cfg.spi_out = initiator ? 0xc1000001 : 0xc2000002;
	cfg.spi_in = initiator ? 0xc2000002 : 0xc1000001;
	cfg.udp = udp;
	cfg.wesp = wesp;
	if (esp_sa_init(sa, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "esp_peer: %s: %s\n", s->name, err);
		exit(1);
	}
	ike_child_keys_wipe(&k);
}

/* An IPv4 ICMP echo request 10.0.1.1 -> 10.0.2.1 (checksums right),
 * payload of n bytes. */
static size_t
icmp_echo(uint8_t *b, size_t n, uint16_t seq)
{
	size_t	 len = 28 + n, i;
	uint32_t sum;

	memset(b, 0, len);
	b[0] = 0x45;
	b[2] = (uint8_t)(len >> 8);
	b[3] = (uint8_t)len;
	b[8] = 64;
	b[9] = 1;
	memcpy(b + 12, "\x0a\x00\x01\x01\x0a\x00\x02\x01", 8);
	for (sum = 0, i = 0; i < 20; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	b[10] = (uint8_t)(~sum >> 8);
	b[11] = (uint8_t)~sum;
	b[20] = 8;
	b[24] = 0x12;
	b[25] = 0x34;
	b[26] = (uint8_t)(seq >> 8);
	b[27] = (uint8_t)seq;
	for (i = 0; i < n; i++)
		b[28 + i] = (uint8_t)('a' + i % 26);
	for (sum = 0, i = 20; i < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | (i + 1 < len ? b[i + 1] : 0));
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	b[22] = (uint8_t)(~sum >> 8);
	b[23] = (uint8_t)~sum;
	return (len);
}

static int
write_json(const char *dir)
{
	char		 path[512];
	uint8_t		 in[2048], wire[4096];
	size_t		 si, k, n, len;
	struct esp_sa	 sa;
	FILE		*f;

	snprintf(path, sizeof(path), "%s/ours.json", dir);
	if ((f = fopen(path, "w")) == NULL)
		return (-1);
	fprintf(f, "[\n");
	for (si = 0; si < NSUITE_DEFS; si++) {
		const struct suite_def *s = &suite_defs[si];
		struct ike_child_keys keys;

		test_keys(s, &keys);
		pair_sa(s, true, false, true, &sa);
		fprintf(f, "{\"suite\": \"%s\", \"encr\": %u, \"keybits\": %u, "
		    "\"integ\": %u, \"spi\": %u,\n \"ek\": ", s->name, s->encr,
		    s->keybits, s->integ, sa.out.spi);
		hex(f, keys.ei, keys.encr_len);
		fprintf(f, ", \"ak\": ");
		hex(f, keys.ai, keys.integ_len);
		fprintf(f, ",\n \"pkts\": [\n");
		for (k = 0; k < 6; k++) {
			n = icmp_echo(in, k * 37 + (k == 5 ? 1200 : 1),
			    (uint16_t)k);
			if (esp_sa_encap(&sa, in, n, wire, sizeof(wire), &len) !=
			    ESP_OK)
				return (-1);
			fprintf(f, "  {\"wire\": ");
			hex(f, wire, len);
			fprintf(f, ", \"inner\": ");
			hex(f, in, n);
			fprintf(f, "}%s\n", k < 5 ? "," : "");
		}
		fprintf(f, " ]}%s\n", si + 1 < NSUITE_DEFS ? "," : "");
		esp_sa_wipe(&sa);
		ike_child_keys_wipe(&keys);
	}
	fprintf(f, "]\n");
	return (fclose(f) == 0 ? 0 : -1);
}

static void
put32(FILE *f, uint32_t v)
{
	fwrite(&v, 4, 1, f);
}

static uint32_t
sum16(uint32_t sum, const uint8_t *b, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i += 2)
		sum += (uint32_t)(b[i] << 8 | (i + 1 < n ? b[i + 1] : 0));
	return (sum);
}

static uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ((uint16_t)~sum);
}

/* One Ethernet / IPv4 or IPv6 frame: WESP over IP (141), or UDP 4500
 * (checksummed: IPv6 forbids a zero UDP checksum). */
static void
pcap_frame(FILE *f, uint32_t ts, bool udp, bool v6, const uint8_t *pl,
    size_t len)
{
	uint8_t		 h[14 + 40 + 8], ph[40];
	size_t		 iphl = v6 ? 40 : 20, hl = 14 + iphl + (udp ? 8 : 0);
	uint8_t		*ip = h + 14, *u = h + 14 + iphl;
	uint16_t	 c;
	uint32_t	 sum;

	memset(h, 0, sizeof(h));
	memcpy(h, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	h[12] = v6 ? 0x86 : 0x08;
	h[13] = v6 ? 0xdd : 0x00;
	if (v6) {
		size_t plen = len + (udp ? 8 : 0);

		ip[0] = 0x60;
		ip[4] = (uint8_t)(plen >> 8);
		ip[5] = (uint8_t)plen;
		ip[6] = udp ? 17 : ESP_IPPROTO_WESP;
		ip[7] = 64;
		memcpy(ip + 8, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
		memcpy(ip + 24, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
	} else {
		size_t ipl = len + hl - 14;

		ip[0] = 0x45;
		ip[2] = (uint8_t)(ipl >> 8);
		ip[3] = (uint8_t)ipl;
		ip[8] = 64;
		ip[9] = udp ? 17 : ESP_IPPROTO_WESP;
		memcpy(ip + 12, "\xc0\x00\x02\x01\xc0\x00\x02\x02", 8);
		c = fold(sum16(0, ip, 20));
		ip[10] = (uint8_t)(c >> 8);
		ip[11] = (uint8_t)c;
	}
	if (udp) {
		u[0] = u[2] = 4500 >> 8;
		u[1] = u[3] = 4500 & 0xff;
		u[4] = (uint8_t)((len + 8) >> 8);
		u[5] = (uint8_t)(len + 8);
		if (v6) {	/* RFC 8200 8.1 pseudo-header */
			memset(ph, 0, sizeof(ph));
			memcpy(ph, ip + 8, 32);
			ph[34] = (uint8_t)((len + 8) >> 8);
			ph[35] = (uint8_t)(len + 8);
			ph[39] = 17;
			sum = sum16(sum16(0, ph, 40), u, 8);
			c = fold(sum16(sum, pl, len));
			u[6] = (uint8_t)(c >> 8);
			u[7] = (uint8_t)c;
		}
	}
	put32(f, ts);
	put32(f, 0);
	put32(f, (uint32_t)(hl + len));
	put32(f, (uint32_t)(hl + len));
	fwrite(h, 1, hl, f);
	fwrite(pl, 1, len, f);
}

/* WESP, integrity-only, over IP 141 or UDP 4500, IPv4 or IPv6, a dozen
 * packets one way, for `espvis -r`. */
static int
write_wesp_pcap(const char *dir, const char *suite, bool udp, bool v6)
{
	char		 path[512];
	const struct suite_def *s = suite_find(suite);
	struct esp_sa	 a;
	uint8_t		 in[512], wire[1024];
	size_t		 n, len;
	uint32_t	 k;
	FILE		*f;

	snprintf(path, sizeof(path), "%s/wesp-%s-%s%s.pcap", dir, suite,
	    udp ? "udp" : "ip", v6 ? "6" : "");
	if (s == NULL || (f = fopen(path, "wb")) == NULL)
		return (-1);
	put32(f, 0xa1b2c3d4);
	put32(f, 0x00040002);
	put32(f, 0);
	put32(f, 0);
	put32(f, 65535);
	put32(f, 1);
	pair_sa(s, udp, true, true, &a);
	a.outer_v6 = v6;	/* the framing only (P flag), keys unchanged */
	for (k = 0; k < 12; k++) {
		n = icmp_echo(in, 56, (uint16_t)k);
		if (esp_sa_encap(&a, in, n, wire, sizeof(wire), &len) != ESP_OK)
			return (-1);
		pcap_frame(f, 1000 + k, udp, v6, wire, len);
	}
	esp_sa_wipe(&a);
	return (fclose(f) == 0 ? 0 : -1);
}

/* In-process cost of the data plane alone: encapsulate and decapsulate
 * 1400-byte inner packets for about `secs` seconds per suite. */
static int
bench(double secs)
{
	static uint8_t	 in[1400], wire[2048], out[2048];
	struct timespec	 t0, t1;
	struct esp_sa	 a, b;
	size_t		 si, len, olen;
	uint64_t	 n;
	double		 dt;

	icmp_echo(in, sizeof(in) - 28, 1);
	for (si = 0; si < NSUITE_DEFS; si++) {
		pair_sa(&suite_defs[si], true, false, true, &a);
		pair_sa(&suite_defs[si], true, false, false, &b);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		n = 0;
		do {
			for (int k = 0; k < 256; k++, n++)
				if (esp_sa_encap(&a, in, sizeof(in), wire,
				    sizeof(wire), &len) != ESP_OK ||
				    esp_sa_decap(&b, wire, len, out, sizeof(out),
				    &olen) != ESP_OK)
					return (1);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			dt = (double)(t1.tv_sec - t0.tv_sec) +
			    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		} while (dt < secs);
		printf("%-14s %8.0f Mbit/s  (%.2f us per packet, encap+decap)\n",
		    suite_defs[si].name, (double)n * sizeof(in) * 8 / dt / 1e6,
		    dt / (double)n * 1e6);
		esp_sa_wipe(&a);
		esp_sa_wipe(&b);
	}
	return (0);
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "bench") == 0)
		return (bench(argc > 2 ? atof(argv[2]) : 1.0));
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return (run(argc, argv));
	if (argc == 3 && strcmp(argv[1], "vectors") == 0) {
		if (write_json(argv[2]) != 0 ||
		    write_wesp_pcap(argv[2], "null-sha256", false, false) != 0 ||
		    write_wesp_pcap(argv[2], "null-sha256", true, false) != 0 ||
		    write_wesp_pcap(argv[2], "aes128gmac", false, false) != 0 ||
		    write_wesp_pcap(argv[2], "null-sha512", true, false) != 0 ||
		    write_wesp_pcap(argv[2], "null-sha256", false, true) != 0 ||
		    write_wesp_pcap(argv[2], "null-sha1", true, true) != 0 ||
		    write_wesp_pcap(argv[2], "aes256gmac", false, true) != 0) {
			fprintf(stderr, "esp_peer: writing vectors failed\n");
			return (1);
		}
		return (0);
	}
	fprintf(stderr, "usage: esp_peer run OPTIONS | vectors DIR | bench [SECS]\n");
	return (2);
}
