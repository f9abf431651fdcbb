/*
 * esp_plane.c - SA database, selector lookup, sockets and TUN glue of
 * the userspace ESP data plane.
 *
 * The SA database is a preallocated array scanned linearly: an endpoint
 * has a handful of Child SAs (two per tunnel while a rekey overlaps), and
 * the scan is nothing next to the cryptography.  Outbound, the newest SA
 * whose selectors hold the packet wins (the rekeyed one, RFC 7296 2.8);
 * inbound, the SPI finds the SA and the decapsulated packet must fall
 * inside its selectors (RFC 4301 5.2 step 4), else it is dropped.
 *
 * A rekey we answered (info.initiator false, an SA with the same
 * selectors still there) is not used outbound until the peer shows it
 * has it: a packet arrives on it, or the old SA goes (its Delete).  The
 * peer installs its inbound SA only when it has processed our answer,
 * and ESP can overtake that (strongSwan's libipsec drops it: "inbound
 * ESP packet does not belong to an installed SA").  strongSwan does the
 * same as a responder.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../util/json.h"
#include "../util/sock.h"
#include "esp_plane.h"
#include "esp_tun.h"

#define PLANE_SAS_DEFAULT	64
#define PLANE_MTU_DEFAULT	1400
#define PLANE_PKT_MAX		65535
#define PLANE_BUF		(PLANE_PKT_MAX + ESP_OVERHEAD_MAX + 64)
#define PLANE_BATCH		64	/* packets per descriptor per call */
#define PLANE_SOCKBUF		(4 << 20)

struct plane_sa {
	bool			 used;
	uint64_t		 gen;		/* install order */
	bool			 out_wait;	/* rekey responder: not yet out */
	struct esp_sa		 sa;
	struct ike_child_info	 info;		/* keys NULL */
};

enum plane_fd {
	FD_TUN, FD_UDP, FD_ESP4, FD_WESP4, FD_ESP6, FD_WESP6, FD_COUNT
};

struct esp_plane {
	struct esp_plane_config	 cfg;
	struct esp_plane_env	 env;
	struct plane_sa		*sas;
	size_t			 max;
	uint64_t		 gen;
	struct esp_tun		 tun;
	int			 fd[FD_COUNT];
	struct ike_addr		 udp_local;
	uint8_t			*rx, *tx, *inner;
	struct esp_plane_stats	 st;
};

/* What the selectors look at in an inner packet. */
struct inner_sel {
	uint8_t		family;
	uint8_t		proto;
	bool		has_ports;
	uint16_t	sport, dport;
	uint8_t		src[16], dst[16];
};

static void
plane_log(struct esp_plane *p, int level, const char *fmt, const char *a,
    unsigned long b)
{
	char	 line[200];

	if (p->env.log == NULL)
		return;
	snprintf(line, sizeof(line), fmt, a, b);
	p->env.log(p->env.arg, level, line);
}

struct esp_plane *
esp_plane_new(const struct esp_plane_config *cfg,
    const struct esp_plane_env *env, char *err, size_t errlen)
{
	struct esp_plane *p;
	int		 i;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		goto nomem;
	p->cfg = *cfg;
	p->env = *env;
	p->cfg.tun_name = NULL;		/* not kept: the caller's string */
	p->max = cfg->max_sas != 0 ? cfg->max_sas : PLANE_SAS_DEFAULT;
	if (p->cfg.mtu == 0)
		p->cfg.mtu = PLANE_MTU_DEFAULT;
	for (i = 0; i < FD_COUNT; i++)
		p->fd[i] = -1;
	p->tun.fd = -1;
	p->sas = calloc(p->max, sizeof(*p->sas));
	p->rx = malloc(PLANE_BUF);
	p->tx = malloc(PLANE_BUF);
	p->inner = malloc(PLANE_BUF);
	if (p->sas == NULL || p->rx == NULL || p->tx == NULL ||
	    p->inner == NULL)
		goto nomem;
	if (cfg->tun_name == NULL)
		return (p);
	if (esp_tun_open(&p->tun, cfg->tun_name, err, errlen) != 0 ||
	    esp_tun_up(&p->tun, p->cfg.mtu, err, errlen) != 0 ||
	    (cfg->tun_addr.family != 0 && esp_tun_addr(&p->tun, &cfg->tun_addr,
	    cfg->tun_prefix, err, errlen) != 0)) {
		esp_plane_free(p);
		return (NULL);
	}
	p->fd[FD_TUN] = p->tun.fd;
	return (p);
nomem:
	snprintf(err, errlen, "out of memory");
	esp_plane_free(p);
	return (NULL);
}

void
esp_plane_free(struct esp_plane *p)
{
	size_t	 i;

	if (p == NULL)
		return;
	for (i = 0; p->sas != NULL && i < p->max; i++)
		if (p->sas[i].used)
			esp_sa_wipe(&p->sas[i].sa);
	for (i = FD_UDP; i < FD_COUNT; i++)
		if (p->fd[i] >= 0)
			close(p->fd[i]);
	esp_tun_close(&p->tun);
	free(p->sas);
	free(p->rx);
	free(p->tx);
	free(p->inner);
	free(p);
}

/* ---- sockets ---- */

static int
sock_open(int family, int type, int proto, char *err, size_t errlen)
{
	int	 fd, sz = PLANE_SOCKBUF;

	fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return (-1);
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	return (fd);
}

int
esp_plane_open_udp(struct esp_plane *p, const struct ike_addr *local,
    char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t	 len;
	int		 fd, on = 1;

	fd = sock_open(local->ip.family == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM,
	    0, err, errlen);
	if (fd < 0)
		return (-1);
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	sock_addr_set(&local->ip, local->port, &ss, &len);
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		snprintf(err, errlen, "bind UDP %u: %s", local->port,
		    strerror(errno));
		close(fd);
		return (-1);
	}
	if (p->fd[FD_UDP] >= 0)
		close(p->fd[FD_UDP]);
	p->fd[FD_UDP] = fd;
	p->udp_local = *local;
	return (0);
}

int
esp_plane_open_raw(struct esp_plane *p, int family, char *err, size_t errlen)
{
	int	 af = family == 6 ? AF_INET6 : AF_INET;
	int	 esp = family == 6 ? FD_ESP6 : FD_ESP4;
	int	 wesp = family == 6 ? FD_WESP6 : FD_WESP4;

	if (p->fd[esp] < 0 &&
	    (p->fd[esp] = sock_open(af, SOCK_RAW, ESP_IPPROTO_ESP, err,
	    errlen)) < 0)
		return (-1);
	if (p->fd[wesp] < 0 &&
	    (p->fd[wesp] = sock_open(af, SOCK_RAW, ESP_IPPROTO_WESP, err,
	    errlen)) < 0)
		return (-1);
	return (0);
}

/* ---- the SA database ---- */

static bool
same_selectors(const struct ike_child_info *a, const struct ike_child_info *b)
{
	return (strcmp(a->peer, b->peer) == 0 &&
	    a->n_ts_local == b->n_ts_local &&
	    a->n_ts_remote == b->n_ts_remote &&
	    memcmp(a->ts_local, b->ts_local,
	    a->n_ts_local * sizeof(a->ts_local[0])) == 0 &&
	    memcmp(a->ts_remote, b->ts_remote,
	    a->n_ts_remote * sizeof(a->ts_remote[0])) == 0);
}

static struct plane_sa *
sa_by_spi(const struct esp_plane *p, uint32_t spi_in)
{
	size_t	 i;

	for (i = 0; i < p->max; i++)
		if (p->sas[i].used && p->sas[i].info.spi_in == spi_in)
			return (&p->sas[i]);
	return (NULL);
}

static int
routes(struct esp_plane *p, const struct plane_sa *ps, int add, char *err,
    size_t errlen)
{
	size_t	 i, j;
	bool	 shared;

	if (p->tun.fd < 0 || p->cfg.no_routes)
		return (0);
	for (i = 0; i < ps->info.n_ts_remote; i++) {
		const struct ike_ts *ts = &ps->info.ts_remote[i];

		/* A rekeyed SA overlaps its successor: keep a route another
		 * SA still needs. */
		shared = false;
		for (j = 0; !add && j < p->max; j++) {
			const struct plane_sa *o = &p->sas[j];
			size_t k;

			if (!o->used || o == ps)
				continue;
			for (k = 0; k < o->info.n_ts_remote; k++)
				if (memcmp(&o->info.ts_remote[k], ts,
				    sizeof(*ts)) == 0)
					shared = true;
		}
		if (!shared && esp_tun_route_ts(&p->tun, add, ts,
		    &p->cfg.tun_addr, err, errlen) != 0 && add)
			return (-1);
	}
	return (0);
}

int
esp_plane_child_up(struct esp_plane *p, const struct ike_child_info *info,
    char *err, size_t errlen)
{
	struct esp_sa_config cfg;
	struct plane_sa	*ps = NULL;
	size_t		 i;

	if (info->keys == NULL || sa_by_spi(p, info->spi_in) != NULL) {
		snprintf(err, errlen, "no keys, or SPI %08x installed",
		    info->spi_in);
		return (-1);
	}
	for (i = 0; i < p->max && ps == NULL; i++)
		if (!p->sas[i].used)
			ps = &p->sas[i];
	if (ps == NULL) {
		snprintf(err, errlen, "SA table full (%zu)", p->max);
		return (-1);
	}
	/* ESP over IP needs the raw sockets of the outer family. */
	if (!info->encap && esp_plane_open_raw(p, info->remote.ip.family, err,
	    errlen) != 0)
		return (-1);
	memset(&cfg, 0, sizeof(cfg));
	cfg.spi_in = info->spi_in;
	cfg.spi_out = info->spi_out;
	cfg.suite = info->suite;
	cfg.keys = info->keys;
	cfg.initiator = info->initiator;
	cfg.udp = info->encap;
	cfg.wesp = info->wesp;
	cfg.outer_v6 = info->remote.ip.family == 6;
	cfg.limits = p->cfg.limits;
	if (esp_sa_init(&ps->sa, &cfg, err, errlen) != 0)
		return (-1);
	ps->info = *info;
	ps->info.keys = NULL;
	ps->used = true;
	ps->gen = ++p->gen;
	for (i = 0; !info->initiator && i < p->max; i++)
		if (&p->sas[i] != ps && p->sas[i].used &&
		    same_selectors(&p->sas[i].info, info))
			ps->out_wait = true;
	if (routes(p, ps, 1, err, errlen) != 0) {
		esp_sa_wipe(&ps->sa);
		memset(ps, 0, sizeof(*ps));
		return (-1);
	}
	plane_log(p, 1, "esp: SA in %s%08lx installed", "",
	    (unsigned long)info->spi_in);
	return (0);
}

void
esp_plane_child_down(struct esp_plane *p, uint32_t spi_in)
{
	struct plane_sa	*ps = sa_by_spi(p, spi_in);
	char		 err[128];

	if (ps == NULL)
		return;
	(void)routes(p, ps, 0, err, sizeof(err));
	esp_sa_wipe(&ps->sa);
	memset(ps, 0, sizeof(*ps));
	plane_log(p, 1, "esp: SA in %s%08lx removed", "",
	    (unsigned long)spi_in);
}

const struct esp_sa *
esp_plane_sa(const struct esp_plane *p, uint32_t spi_in)
{
	const struct plane_sa *ps = sa_by_spi(p, spi_in);

	return (ps != NULL ? &ps->sa : NULL);
}

const struct esp_plane_stats *
esp_plane_stats(const struct esp_plane *p)
{
	return (&p->st);
}

/* ---- selectors (RFC 7296 3.13.1) ---- */

static void
read_addr(struct cursor *c, uint8_t *out, size_t len)
{
	const uint8_t	*a = cur_bytes(c, len);

	if (a != NULL)
		memcpy(out, a, len);
}

static bool
inner_parse(const uint8_t *pkt, size_t len, struct inner_sel *s)
{
	struct cursor	 c;
	uint8_t		 b0;
	uint16_t	 frag = 0;
	size_t		 hl;

	memset(s, 0, sizeof(*s));
	cur_init(&c, pkt, len);
	b0 = cur_u8(&c);
	switch (b0 >> 4) {
	case 4:
		hl = (size_t)(b0 & 0x0f) * 4;
		cur_skip(&c, 5);
		frag = cur_be16(&c) & 0x1fff;	/* fragment offset */
		cur_skip(&c, 1);
		s->proto = cur_u8(&c);
		cur_skip(&c, 2);
		read_addr(&c, s->src, 4);
		read_addr(&c, s->dst, 4);
		s->family = 4;
		if (hl < 20)
			return (false);
		cur_skip(&c, hl - 20);
		break;
	case 6:		/* no extension headers walked: ports then unknown */
		cur_skip(&c, 5);
		s->proto = cur_u8(&c);
		cur_skip(&c, 1);
		read_addr(&c, s->src, 16);
		read_addr(&c, s->dst, 16);
		s->family = 6;
		break;
	default:
		return (false);
	}
	if (!cur_ok(&c))
		return (false);
	if (frag == 0 && (s->proto == IPPROTO_TCP || s->proto == IPPROTO_UDP ||
	    s->proto == IPPROTO_SCTP)) {
		s->sport = cur_be16(&c);
		s->dport = cur_be16(&c);
		s->has_ports = cur_ok(&c);
	}
	return (true);
}

static bool
ts_match(const struct ike_ts *ts, const struct inner_sel *s,
    const uint8_t *addr, uint16_t port)
{
	size_t	 alen = s->family == 6 ? 16 : 4;

	if (ts->type != (s->family == 6 ? IKE_TS_IPV6_ADDR_RANGE :
	    IKE_TS_IPV4_ADDR_RANGE))
		return (false);
	if (memcmp(ts->start, addr, alen) > 0 || memcmp(addr, ts->end, alen) > 0)
		return (false);
	if (ts->ip_proto != 0 && ts->ip_proto != s->proto)
		return (false);
	if (ts->start_port == 0 && ts->end_port == 0xffff)
		return (true);
	return (s->has_ports && port >= ts->start_port &&
	    port <= ts->end_port);
}

static bool
ts_any(const struct ike_ts *ts, size_t n, const struct inner_sel *s,
    const uint8_t *addr, uint16_t port)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (ts_match(&ts[i], s, addr, port))
			return (true);
	return (false);
}

/* Outbound: the packet goes from our selectors to the peer's. */
static bool
sa_covers_out(const struct plane_sa *ps, const struct inner_sel *s)
{
	return (ts_any(ps->info.ts_local, ps->info.n_ts_local, s, s->src,
	    s->sport) && ts_any(ps->info.ts_remote, ps->info.n_ts_remote, s,
	    s->dst, s->dport));
}

static bool
sa_covers_in(const struct plane_sa *ps, const struct inner_sel *s)
{
	return (ts_any(ps->info.ts_remote, ps->info.n_ts_remote, s, s->src,
	    s->sport) && ts_any(ps->info.ts_local, ps->info.n_ts_local, s,
	    s->dst, s->dport));
}

/* ---- packets ---- */

static void
deliver_events(struct esp_plane *p, struct plane_sa *ps)
{
	uint32_t	 spi = ps->info.spi_in;
	uint32_t	 ev = esp_sa_take_events(&ps->sa);

	/* Last: the callback may remove the SA. */
	if (ev != 0 && p->env.event != NULL)
		p->env.event(p->env.arg, spi, ev);
}

static int
send_wire(struct esp_plane *p, const struct plane_sa *ps, const uint8_t *buf,
    size_t len)
{
	struct sockaddr_storage ss;
	socklen_t	 sl;
	int		 fd;
	bool		 v6 = ps->info.remote.ip.family == 6;

	if (ps->info.encap) {
		if (p->env.send_udp != NULL)
			return (p->env.send_udp(p->env.arg, &ps->info.local,
			    &ps->info.remote, buf, len));
		fd = p->fd[FD_UDP];
		sock_addr_set(&ps->info.remote.ip, ps->info.remote.port, &ss, &sl);
	} else {
		fd = p->fd[ps->info.wesp ? (v6 ? FD_WESP6 : FD_WESP4) :
		    (v6 ? FD_ESP6 : FD_ESP4)];
		sock_addr_set(&ps->info.remote.ip, 0, &ss, &sl);
	}
	if (fd < 0)
		return (-1);
	return (sendto(fd, buf, len, 0, (struct sockaddr *)&ss, sl) < 0 ?
	    -1 : 0);
}

void
esp_plane_inner_output(struct esp_plane *p, const uint8_t *pkt, size_t len)
{
	struct inner_sel s;
	struct plane_sa	*best = NULL;
	size_t		 i, wlen;

	if (!inner_parse(pkt, len, &s)) {
		p->st.no_sa_out++;
		return;
	}
	for (i = 0; i < p->max; i++) {
		struct plane_sa *ps = &p->sas[i];

		/* The newest, but one the peer has before one it may not. */
		if (ps->used && !ps->sa.dead && sa_covers_out(ps, &s) &&
		    (best == NULL || (best->out_wait && !ps->out_wait) ||
		    (best->out_wait == ps->out_wait && ps->gen > best->gen)))
			best = ps;
	}
	if (best == NULL) {
		p->st.no_sa_out++;
		return;
	}
	if (esp_sa_encap(&best->sa, pkt, len, p->tx, PLANE_BUF, &wlen) ==
	    ESP_OK && send_wire(p, best, p->tx, wlen) != 0)
		p->st.send_err++;
	deliver_events(p, best);
}

/* One transport payload (UDP, or IP 50/141 without the IP header). */
static void
wire_input(struct esp_plane *p, const uint8_t *buf, size_t len, bool udp,
    bool ip_wesp)
{
	struct plane_sa	*ps;
	struct inner_sel s;
	uint32_t	 spi = esp_peek_spi(buf, len, udp, ip_wesp);
	size_t		 ilen;

	if (spi == 0) {
		p->st.not_esp++;
		return;
	}
	if ((ps = sa_by_spi(p, spi)) == NULL || ps->info.encap != udp) {
		p->st.no_sa_in++;
		return;
	}
	if (esp_sa_decap(&ps->sa, buf, len, p->inner, PLANE_BUF, &ilen) ==
	    ESP_OK) {
		ps->out_wait = false;	/* the peer sends on it: it has it */
		if (!inner_parse(p->inner, ilen, &s) || !sa_covers_in(ps, &s))
			p->st.policy_in++;
		else if (p->env.inner_input != NULL) {
			p->st.tun_out++;
			p->env.inner_input(p->env.arg, p->inner, ilen);
		} else if (p->tun.fd >= 0) {
			if (write(p->tun.fd, p->inner, ilen) < 0)
				p->st.tun_err++;
			else
				p->st.tun_out++;
		}
	}
	deliver_events(p, ps);
}

void
esp_plane_udp_input(struct esp_plane *p, const struct ike_addr *local,
    const struct ike_addr *remote, const uint8_t *buf, size_t len)
{
	(void)local;
	(void)remote;	/* NAT mapping changes are the endpoint's (2.23) */
	switch (esp_udp_classify(buf, len)) {
	case ESP_UDP_ESP:
	case ESP_UDP_WESP:
		wire_input(p, buf, len, true, false);
		break;
	default:
		p->st.not_esp++;
	}
}

static void
read_tun(struct esp_plane *p)
{
	ssize_t	 n;
	int	 i;

	for (i = 0; i < PLANE_BATCH; i++) {
		if ((n = read(p->tun.fd, p->rx, PLANE_PKT_MAX)) <= 0)
			return;
		p->st.tun_in++;
		esp_plane_inner_output(p, p->rx, (size_t)n);
	}
}

static void
read_udp(struct esp_plane *p)
{
	struct sockaddr_storage ss;
	struct ike_addr	 from;
	socklen_t	 sl;
	ssize_t		 n;
	int		 i;

	for (i = 0; i < PLANE_BATCH; i++) {
		sl = sizeof(ss);
		n = recvfrom(p->fd[FD_UDP], p->rx, PLANE_BUF, 0,
		    (struct sockaddr *)&ss, &sl);
		if (n < 0)
			return;
		sock_addr_get(&ss, &from.ip, &from.port);
		esp_plane_udp_input(p, &p->udp_local, &from, p->rx, (size_t)n);
	}
}

/* IPv4 raw sockets hand over the IP header too; IPv6 ones do not. */
static void
read_raw(struct esp_plane *p, int which)
{
	struct cursor	 c;
	bool		 v4 = which == FD_ESP4 || which == FD_WESP4;
	bool		 wesp = which == FD_WESP4 || which == FD_WESP6;
	ssize_t		 n;
	size_t		 hl;
	int		 i;

	for (i = 0; i < PLANE_BATCH; i++) {
		if ((n = recv(p->fd[which], p->rx, PLANE_BUF, 0)) <= 0)
			return;
		hl = 0;
		if (v4) {
			cur_init(&c, p->rx, (size_t)n);
			hl = (size_t)(cur_u8(&c) & 0x0f) * 4;
			if (!cur_ok(&c) || hl < 20 || hl > (size_t)n) {
				p->st.not_esp++;
				continue;
			}
		}
		wire_input(p, p->rx + hl, (size_t)n - hl, false, wesp);
	}
}

size_t
esp_plane_fds(const struct esp_plane *p, struct pollfd *pfd, size_t max)
{
	size_t	 n = 0;
	int	 i;

	for (i = 0; i < FD_COUNT && n < max; i++) {
		if (p->fd[i] < 0)
			continue;
		pfd[n].fd = p->fd[i];
		pfd[n].events = POLLIN;
		pfd[n].revents = 0;
		n++;
	}
	return (n);
}

void
esp_plane_service(struct esp_plane *p, const struct pollfd *pfd, size_t n)
{
	size_t	 i;
	int	 w;

	for (i = 0; i < n; i++) {
		if ((pfd[i].revents & POLLIN) == 0)
			continue;
		for (w = 0; w < FD_COUNT; w++) {
			if (p->fd[w] != pfd[i].fd)
				continue;
			if (w == FD_TUN)
				read_tun(p);
			else if (w == FD_UDP)
				read_udp(p);
			else
				read_raw(p, w);
			break;
		}
	}
}

/* ---- status ---- */

static void
json_sa(struct json *j, const struct plane_sa *ps)
{
	const struct esp_sa_stats *st = &ps->sa.stats;
	char		 hex[16];
	int		 e;

	json_open_object(j, NULL);
	json_open_object(j, "esp_sa");
	json_str(j, "peer", ps->info.peer);
	snprintf(hex, sizeof(hex), "%08x", ps->info.spi_in);
	json_str(j, "spi_in", hex);
	snprintf(hex, sizeof(hex), "%08x", ps->info.spi_out);
	json_str(j, "spi_out", hex);
	json_str(j, "encap", ps->info.encap ? "udp" : "ip");
	json_bool(j, "wesp", ps->info.wesp);
	json_u64(j, "seq_out", ps->sa.seq_out);
	json_u64(j, "replay_window", ps->sa.replay.window);
	json_u64(j, "in_packets", st->in_packets);
	json_u64(j, "in_bytes", st->in_bytes);
	json_u64(j, "out_packets", st->out_packets);
	json_u64(j, "out_bytes", st->out_bytes);
	json_open_object(j, "in_errors");
	for (e = 1; e < ESP_ERR_COUNT; e++)
		if (st->in_err[e] != 0)
			json_u64(j, esp_err_str((enum esp_err)e), st->in_err[e]);
	json_close_object(j);
	json_open_object(j, "out_errors");
	for (e = 1; e < ESP_ERR_COUNT; e++)
		if (st->out_err[e] != 0)
			json_u64(j, esp_err_str((enum esp_err)e), st->out_err[e]);
	json_close_object(j);
	json_bool(j, "dead", ps->sa.dead);
	json_close_object(j);
	json_close_object(j);
}

size_t
esp_plane_status_json(const struct esp_plane *p, char *buf, size_t cap)
{
	struct json	 j;
	size_t		 i, len = 0;

	for (i = 0; i < p->max && len + 1 < cap; i++) {
		if (!p->sas[i].used)
			continue;
		json_init(&j, buf + len, cap - len);
		json_sa(&j, &p->sas[i]);
		if (j.overflow || j.len + 1 >= cap - len)
			return (len);
		len += j.len;
		buf[len++] = '\n';
	}
	if (len + 1 >= cap)
		return (len);
	json_init(&j, buf + len, cap - len);
	json_open_object(&j, NULL);
	json_open_object(&j, "esp_plane");
	json_u64(&j, "tun_in", p->st.tun_in);
	json_u64(&j, "tun_out", p->st.tun_out);
	json_u64(&j, "no_sa_out", p->st.no_sa_out);
	json_u64(&j, "no_sa_in", p->st.no_sa_in);
	json_u64(&j, "policy_in", p->st.policy_in);
	json_u64(&j, "not_esp", p->st.not_esp);
	json_u64(&j, "send_err", p->st.send_err);
	json_u64(&j, "tun_err", p->st.tun_err);
	json_close_object(&j);
	json_close_object(&j);
	if (j.overflow || j.len + 1 >= cap - len)
		return (len);
	len += j.len;
	buf[len++] = '\n';
	buf[len] = '\0';
	return (len);
}
