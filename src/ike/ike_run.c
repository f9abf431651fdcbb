/*
 * ike_run.c - the endpoint's runtime: UDP sockets on the IKE port and
 * the NAT-T port (RFC 3948 non-ESP marker handled by the endpoint), a
 * poll loop driving its timers, SIGINT/SIGTERM for a clean exit that
 * deletes the IKE SAs, and a unix control socket for `espvis ike status`,
 * `initiate`, `rekey` and `delete`.  It also drives the userspace ESP
 * data plane (src/esp, docs/esp-dataplane.md): the Child SAs the
 * endpoint negotiates are installed there, ESP and WESP share port 4500
 * with IKE (RFC 3948 2.2, RFC 5840 2.1), and the plane's TUN device and
 * raw IP 50/141 sockets are polled here.
 *
 * The same loop runs in two homes (ike_run.h): `espvis ike --config`
 * runs it on the main thread until SIGINT/SIGTERM; the inspector daemon
 * (espvis -i/--nfq/-r with an `ike:` section) opens it before dropping
 * privileges, runs it on a thread of its own and stops it through an
 * eventfd.  There the endpoint also hands each Child SA's keys to the
 * inspector (util/esp_keys.h) and serves the inspector's providers on
 * its management API (mgmt_ike.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../esp/esp_plane.h"
#include "../mgmt/mgmt_ike.h"
#include "../sandbox.h"
#include "../util/esp_keys.h"
#include "../util/sock.h"
#include "ike.h"
#include "ike_config.h"
#include "ike_crypto.h"
#include "ike_run.h"

#define RUN_SOCKS_MAX	(2 * IKE_LISTEN_MAX)
#define RUN_PLANE_FDS	8		/* TUN, UDP, raw ESP/WESP v4/v6 */
/* A UDP 4500 payload may be a full ESP packet: the largest datagram. */
#define RUN_RX_MAX	65536
#define CTL_LINE_MAX	256
#define STATUS_MAX	(256 * 1024)

struct run_sock {
	int		fd;
	struct ike_addr	bound;		/* family 4/6, ip maybe any */
	bool		any;
};

struct ike_run {
	const struct ike_config	*cfg;		/* borrowed */
	struct ike_endpoint	*ep;
	struct esp_plane	*plane;
	struct mgmt_ike		*mgmt;		/* NULL: no mgmt: section */
	struct esp_keys		*keys;		/* borrowed; NULL: no hand-off */
	struct run_sock		 socks[RUN_SOCKS_MAX];
	size_t			 n_socks;
	int			 ctl_fd;
	int			 stop_fd;	/* eventfd: ike_run_stop() */
	atomic_bool		 stop;
	int			 verbose;
};

/* The foreground run, for its signal handler. */
static struct ike_run *fg_run;

static void
on_stop(int sig)
{
	(void)sig;
	if (fg_run != NULL)
		ike_run_stop(fg_run);
}

static uint64_t
mono_ms(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static void
run_log(void *arg, int level, const char *line)
{
	const struct ike_run *r = arg;
	char ts[32];
	struct tm tm;
	time_t t = time(NULL);

	if (level > r->verbose + 1)
		return;
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	fprintf(stderr, "%s ike: %s\n", ts, line);
}

static bool
ip_is_any(const struct ipaddr *ip)
{
	static const uint8_t zero[16];

	return (memcmp(ip->bytes, zero, ip->family == 6 ? 16 : 4) == 0);
}

static int
open_udp(struct ike_run *r, const struct ike_addr *a, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct run_sock *s;
	socklen_t len;
	int fd, on = 1;
	char buf[64];

	if (r->n_socks == RUN_SOCKS_MAX)
		return (-1);
	fd = socket(a->ip.family == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM |
	    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (a->ip.family == 6) {
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
		    sizeof(on));
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
		    sizeof(on));
	} else
		(void)setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
	sock_addr_set(&a->ip, a->port, &ss, &len);
	if (bind(fd, (struct sockaddr *)&ss, len) != 0)
		goto fail;
	s = &r->socks[r->n_socks++];
	s->fd = fd;
	s->bound = *a;
	s->any = ip_is_any(&a->ip);
	return (0);
fail:
	snprintf(err, errlen, "UDP %s: %s", ike_addr_str(a, buf, sizeof(buf)),
	    strerror(errno));
	if (fd >= 0)
		close(fd);
	return (-1);
}

/* The socket to send from local: the one bound to it, else a wildcard
 * one of its port and family. */
static const struct run_sock *
sock_for(const struct ike_run *r, const struct ike_addr *local)
{
	const struct run_sock *any = NULL;
	size_t i;

	for (i = 0; i < r->n_socks; i++) {
		const struct run_sock *s = &r->socks[i];

		if (s->bound.port != local->port ||
		    s->bound.ip.family != (local->ip.family ? local->ip.family :
		    4))
			continue;
		if (!s->any && ipaddr_eq(&s->bound.ip, &local->ip))
			return (s);
		if (s->any && any == NULL)
			any = s;
	}
	return (any);
}

static int
run_send(void *arg, const struct ike_addr *local,
    const struct ike_addr *remote, const uint8_t *buf, size_t len)
{
	struct ike_run *r = arg;
	const struct run_sock *s = sock_for(r, local);
	struct sockaddr_storage ss;
	union {
		char		c[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr	align;
	} cbuf;
	struct iovec iov;
	struct msghdr mh;
	socklen_t slen;

	if (s == NULL)
		return (-1);
	sock_addr_set(&remote->ip, remote->port, &ss, &slen);
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = (void *)(uintptr_t)buf;
	iov.iov_len = len;
	mh.msg_name = &ss;
	mh.msg_namelen = slen;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (s->any && local->ip.family != 0 && !ip_is_any(&local->ip)) {
		struct cmsghdr *cm;

		memset(&cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf.c;
		if (local->ip.family == 6) {
			struct in6_pktinfo pi;

			memset(&pi, 0, sizeof(pi));
			memcpy(&pi.ipi6_addr, local->ip.bytes, 16);
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = IPPROTO_IPV6;
			cm->cmsg_type = IPV6_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		} else {
			struct in_pktinfo pi;

			memset(&pi, 0, sizeof(pi));
			memcpy(&pi.ipi_spec_dst, local->ip.bytes, 4);
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = IPPROTO_IP;
			cm->cmsg_type = IP_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		}
	}
	return (sendmsg(s->fd, &mh, 0) < 0 ? -1 : 0);
}

/*
 * Self-inspection (issue 7): the inspector in this process checks the
 * ICVs of, and may open, the ESP packets of our own Child SAs.  Each
 * direction is an SA of its own, named by its SPI and destination (RFC
 * 4303 2.1): inbound ours, outbound the peer's.  RFC 7296 2.17: the
 * initiator of the exchange sends with the i2r keys.
 */
_Static_assert(IKE_ENCR_KEY_MAX <= ESP_KEY_ENCR_MAX, "encr key size");
_Static_assert(IKE_INTEG_KEY_MAX <= ESP_KEY_INTEG_MAX, "integ key size");

static void
keys_put_one(struct ike_run *r, const struct ike_child_info *ci,
    uint32_t spi, const struct ipaddr *dst, const uint8_t *ek,
    const uint8_t *ak)
{
	const struct ike_child_keys *k = ci->keys;
	struct esp_key e;
	char line[128];

	memset(&e, 0, sizeof(e));
	e.spi = spi;
	e.dst = *dst;
	e.encr = k->encr;
	e.encr_keybits = k->keybits;
	e.integ = k->integ;
	e.esn = ci->suite.esn == IKE_ESN_YES;
	e.encr_len = k->encr_len;
	e.integ_len = k->integ_len;
	memcpy(e.encr_key, ek, k->encr_len);
	memcpy(e.integ_key, ak, k->integ_len);
	if (esp_keys_put(r->keys, &e) != 0) {
		snprintf(line, sizeof(line), "%s: Child SA %08x: the "
		    "inspector's key store is full", ci->peer, spi);
		run_log(r, 0, line);
	}
	explicit_bzero(&e, sizeof(e));
}

static void
keys_put(struct ike_run *r, const struct ike_child_info *ci)
{
	const struct ike_child_keys *k = ci->keys;
	char line[IKE_NAME_MAX + 96];

	if (r->keys == NULL || k == NULL || k->encr_len > IKE_ENCR_KEY_MAX ||
	    k->integ_len > IKE_INTEG_KEY_MAX)
		return;
	if (ci->initiator) {
		keys_put_one(r, ci, ci->spi_in, &ci->local.ip, k->er, k->ar);
		keys_put_one(r, ci, ci->spi_out, &ci->remote.ip, k->ei, k->ai);
	} else {
		keys_put_one(r, ci, ci->spi_in, &ci->local.ip, k->ei, k->ai);
		keys_put_one(r, ci, ci->spi_out, &ci->remote.ip, k->er, k->ar);
	}
	/* Which SAs, never the bytes. */
	snprintf(line, sizeof(line), "%s: Child SA in %08x out %08x: keys "
	    "handed to the inspector", ci->peer, ci->spi_in, ci->spi_out);
	run_log(r, 1, line);
}

static void
keys_del(struct ike_run *r, const struct ike_child_info *ci)
{
	char line[IKE_NAME_MAX + 96];

	if (r->keys == NULL)
		return;
	esp_keys_del(r->keys, ci->spi_in, &ci->local.ip);
	esp_keys_del(r->keys, ci->spi_out, &ci->remote.ip);
	snprintf(line, sizeof(line), "%s: Child SA in %08x out %08x: keys "
	    "withdrawn from the inspector", ci->peer, ci->spi_in,
	    ci->spi_out);
	run_log(r, 1, line);
}

static void
run_child_up(void *arg, const struct ike_child_info *ci)
{
	struct ike_run *r = arg;
	char line[256], err[128];

	snprintf(line, sizeof(line), "%s: Child SA up in %08x out %08x%s%s",
	    ci->peer, ci->spi_in, ci->spi_out, ci->encap ? " (UDP encap)" :
	    "", ci->wesp ? " WESP" : "");
	run_log(r, 2, line);
	/* Keys are readable during this call only: the plane keys its
	 * OpenSSL contexts now. */
	if (r->plane != NULL && esp_plane_child_up(r->plane, ci, err,
	    sizeof(err)) != 0) {
		snprintf(line, sizeof(line), "%s: Child SA in %08x not "
		    "installed in the data plane: %s", ci->peer, ci->spi_in,
		    err);
		run_log(r, 0, line);
	}
	keys_put(r, ci);
}

static void
run_child_down(void *arg, const struct ike_child_info *ci)
{
	struct ike_run *r = arg;
	char line[160];

	snprintf(line, sizeof(line), "%s: Child SA down in %08x out %08x",
	    ci->peer, ci->spi_in, ci->spi_out);
	run_log(r, 2, line);
	keys_del(r, ci);
	if (r->plane != NULL)
		esp_plane_child_down(r->plane, ci->spi_in);
}

/* The plane's lifetimes (RFC 4301 4.4.2.1): soft -> rekey, hard ->
 * delete.  Called from esp_plane_service, outside any endpoint call. */
static void
run_esp_event(void *arg, uint32_t spi_in, uint32_t ev)
{
	struct ike_run *r = arg;
	char line[96];

	if (ev & ESP_EV_HARD) {
		snprintf(line, sizeof(line), "Child SA %08x: hard lifetime, "
		    "deleting", spi_in);
		run_log(r, 1, line);
		(void)ike_endpoint_delete_child(r->ep, spi_in);
	} else if (ev & ESP_EV_SOFT) {
		snprintf(line, sizeof(line), "Child SA %08x: soft lifetime, "
		    "rekeying", spi_in);
		run_log(r, 1, line);
		(void)ike_endpoint_rekey_child(r->ep, spi_in);
	}
}

static void
read_udp(struct ike_run *r, const struct run_sock *s)
{
	static uint8_t buf[RUN_RX_MAX];
	struct sockaddr_storage ss;
	union {
		char		c[CMSG_SPACE(sizeof(struct in6_pktinfo)) + 64];
		struct cmsghdr	align;
	} cbuf;
	struct ike_addr local, remote;
	struct cmsghdr *cm;
	struct msghdr mh;
	struct iovec iov;
	ssize_t n;
	int burst;

	for (burst = 0; burst < 64; burst++) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = buf;
		iov.iov_len = sizeof(buf);
		mh.msg_name = &ss;
		mh.msg_namelen = sizeof(ss);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf.c;
		mh.msg_controllen = sizeof(cbuf.c);
		if ((n = recvmsg(s->fd, &mh, 0)) < 0)
			return;
		local = s->bound;
		for (cm = CMSG_FIRSTHDR(&mh); cm != NULL;
		    cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_level == IPPROTO_IP &&
			    cm->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo pi;

				memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
				ipaddr_set4(&local.ip,
				    (const uint8_t *)&pi.ipi_addr);
			} else if (cm->cmsg_level == IPPROTO_IPV6 &&
			    cm->cmsg_type == IPV6_PKTINFO) {
				struct in6_pktinfo pi;

				memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
				ipaddr_set6(&local.ip,
				    (const uint8_t *)&pi.ipi6_addr);
			}
		}
		sock_addr_get(&ss, &remote.ip, &remote.port);
		if (s->bound.port != r->cfg->natt_port) {
			ike_endpoint_input(r->ep, &local, &remote, buf,
			    (size_t)n);
			continue;
		}
		/* Port 4500: IKE behind the non-ESP marker, ESP, WESP
		 * (identifier 2) or a NAT-T keepalive (RFC 3948 2.2, 2.3;
		 * RFC 5840 2.1). */
		switch (esp_udp_classify(buf, (size_t)n)) {
		case ESP_UDP_IKE:
			ike_endpoint_input(r->ep, &local, &remote, buf,
			    (size_t)n);
			break;
		case ESP_UDP_ESP:
		case ESP_UDP_WESP:
			if (r->plane != NULL)
				esp_plane_udp_input(r->plane, &local, &remote,
				    buf, (size_t)n);
			break;
		case ESP_UDP_KEEPALIVE:
		case ESP_UDP_INVALID:
			break;
		}
	}
}

/* ---- control socket ---- */

static int
open_ctl(struct ike_run *r, char *err, size_t errlen)
{
	int fd;

	if ((fd = sock_unix_listen(r->cfg->control_socket, 8)) < 0) {
		if (errno == ENAMETOOLONG)
			snprintf(err, errlen, "control socket path too long");
		else
			snprintf(err, errlen, "control socket %s: %s",
			    r->cfg->control_socket, strerror(errno));
		return (-1);
	}
	r->ctl_fd = fd;
	return (0);
}

static void
write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

static void
ctl_reply(int fd, bool ok, const char *what)
{
	char line[CTL_LINE_MAX + 64];
	int n;

	n = snprintf(line, sizeof(line), "{\"ok\":%s,\"result\":\"%s\"}\n",
	    ok ? "true" : "false", what);
	if (n > 0)
		write_all(fd, line, (size_t)n < sizeof(line) ? (size_t)n :
		    sizeof(line) - 1);
}

/* Only names and hex numbers reach the JSON reply. */
static bool
word_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		    *s == '.'))
			return (false);
	return (true);
}

static void
ctl_command(struct ike_run *r, int fd, char *line)
{
	static char status[STATUS_MAX];
	char *cmd, *arg, *save = NULL;
	unsigned long long v;
	char *end;

	cmd = strtok_r(line, " \t\r\n", &save);
	arg = strtok_r(NULL, " \t\r\n", &save);
	if (cmd == NULL) {
		ctl_reply(fd, false, "empty command");
		return;
	}
	if (strcmp(cmd, "status") == 0) {
		size_t n = ike_endpoint_status_json(r->ep, status,
		    sizeof(status));

		if (r->plane != NULL && n < sizeof(status))
			n += esp_plane_status_json(r->plane, status + n,
			    sizeof(status) - n);
		write_all(fd, status, n);
		return;
	}
	if (arg == NULL || !word_ok(arg)) {
		ctl_reply(fd, false, "missing or bad argument");
		return;
	}
	errno = 0;
	v = strtoull(arg, &end, 16);
	if (strcmp(cmd, "initiate") == 0)
		ctl_reply(fd, ike_endpoint_initiate(r->ep, arg) == 0,
		    "initiate");
	else if (strcmp(cmd, "delete") == 0) {
		int n = ike_endpoint_delete(r->ep, arg, 0);

		if (n == 0 && *end == '\0' && errno == 0) {
			if (v <= 0xffffffffull)
				n = ike_endpoint_delete_child(r->ep,
				    (uint32_t)v) == 0 ? 1 : 0;
			if (n == 0)
				n = ike_endpoint_delete(r->ep, NULL, v);
		}
		ctl_reply(fd, n > 0, "delete");
	} else if (strcmp(cmd, "rekey") == 0) {
		bool ok = false;

		if (*end == '\0' && errno == 0)
			ok = (v <= 0xffffffffull &&
			    ike_endpoint_rekey_child(r->ep, (uint32_t)v) == 0) ||
			    ike_endpoint_rekey_ike(r->ep, v) == 0;
		ctl_reply(fd, ok, "rekey");
	} else
		ctl_reply(fd, false, "unknown command");
}

static void
ctl_accept(struct ike_run *r)
{
	char line[CTL_LINE_MAX];
	struct timeval tv = { 1, 0 };
	size_t len = 0;
	ssize_t n;
	int fd;

	if ((fd = accept4(r->ctl_fd, NULL, NULL, SOCK_CLOEXEC)) < 0)
		return;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (len + 1 < sizeof(line)) {
		if ((n = read(fd, line + len, sizeof(line) - 1 - len)) <= 0)
			break;
		len += (size_t)n;
		if (memchr(line, '\n', len) != NULL)
			break;
	}
	line[len] = '\0';
	ctl_command(r, fd, line);
	close(fd);
}

/* ---- the loop ---- */

static int
run_open(struct ike_run *r, char *err, size_t errlen)
{
	struct ike_addr a;
	size_t i;

	for (i = 0; i < r->cfg->n_listen; i++) {
		a = r->cfg->listen[i];
		a.port = r->cfg->port;
		if (open_udp(r, &a, err, errlen) != 0)
			return (-1);
		a.port = r->cfg->natt_port;
		if (open_udp(r, &a, err, errlen) != 0)
			return (-1);
	}
	return (open_ctl(r, err, errlen));
}

static void
run_close(struct ike_run *r)
{
	size_t i;

	for (i = 0; i < r->n_socks; i++)
		close(r->socks[i].fd);
	r->n_socks = 0;
	if (r->ctl_fd >= 0) {
		close(r->ctl_fd);
		(void)unlink(r->cfg->control_socket);
		r->ctl_fd = -1;
	}
}

/* The data plane: TUN (with `tun:`), SAs, sockets; ESP over UDP goes
 * out through our 4500 socket (run_send), over IP through its raw
 * sockets. */
static int
plane_open(struct ike_run *r, char *err, size_t errlen)
{
	const struct ike_config *cfg = r->cfg;
	struct esp_plane_config pc;
	struct esp_plane_env pe;

	memset(&pc, 0, sizeof(pc));
	pc.max_sas = 4 * IKE_PEERS_MAX * 4;
	pc.tun_name = cfg->tun_name[0] != '\0' ? cfg->tun_name : NULL;
	pc.mtu = cfg->tun_mtu;
	pc.tun_addr = cfg->tun_addr;
	pc.tun_prefix = cfg->tun_prefix;
	pc.limits.replay_window = cfg->replay_window;
	pc.limits.soft.bytes = cfg->rekey_bytes;
	pc.limits.soft.packets = cfg->rekey_packets;
	pc.limits.hard.bytes = cfg->life_bytes;
	pc.limits.hard.packets = cfg->life_packets;
	memset(&pe, 0, sizeof(pe));
	pe.arg = r;
	pe.send_udp = run_send;
	pe.event = run_esp_event;
	pe.log = run_log;
	if ((r->plane = esp_plane_new(&pc, &pe, err, errlen)) == NULL)
		return (-1);
	return (0);
}

static void
run_free(struct ike_run *r)
{
	mgmt_ike_free(r->mgmt);		/* it borrows the endpoint */
	ike_endpoint_free(r->ep);
	esp_plane_free(r->plane);	/* wipes the SAs; the TUN goes */
	run_close(r);
	if (r->stop_fd >= 0)
		close(r->stop_fd);
	free(r);
}

struct ike_run *
ike_run_open(const struct ike_config *cfg, const char *config_file,
    int verbose, const struct ike_run_host *host, char *err, size_t errlen)
{
	struct ike_run *r;
	struct ike_env env;
	char where[256];

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	r->cfg = cfg;
	r->ctl_fd = -1;
	r->verbose = verbose;
	r->keys = host != NULL ? host->keys : NULL;
	atomic_init(&r->stop, false);
	if ((r->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		goto fail;
	}
	memset(&env, 0, sizeof(env));
	env.arg = r;
	env.now_ms = mono_ms;
	env.send = run_send;
	env.child_up = run_child_up;
	env.child_down = run_child_down;
	env.log = run_log;
	if (run_open(r, err, errlen) != 0)
		goto fail;
	if (plane_open(r, err, errlen) != 0) {
		snprintf(where, sizeof(where), "%s", err);
		snprintf(err, errlen, "data plane: %s", where);
		goto fail;
	}
	if ((r->ep = ike_endpoint_new(cfg, &env)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/* The management API (docs/mgmt.md), on the TUN address only. */
	if (mgmt_ike_new(&r->mgmt, config_file, cfg->tun_name, &cfg->tun_addr,
	    r->ep, r->plane, host != NULL ? host->inspector : NULL, err,
	    errlen) != 0)
		goto fail;
	if (r->mgmt != NULL)
		fprintf(stderr, "espvis ike: management API on %s\n",
		    mgmt_ike_where(r->mgmt, where, sizeof(where)));
	return (r);
fail:
	run_free(r);
	return (NULL);
}

void
ike_run_stop(struct ike_run *r)
{
	uint64_t one = 1;

	atomic_store(&r->stop, true);
	/* Wakes the poll; a full counter is awake already. */
	if (write(r->stop_fd, &one, sizeof(one)) < 0)
		return;
}

void
ike_run_loop(struct ike_run *r)
{
	const struct ike_config *cfg = r->cfg;
	struct pollfd pfd[RUN_SOCKS_MAX + 2 + RUN_PLANE_FDS + MGMT_FDS_MAX];
	uint64_t t;
	size_t i, n_plane, n_mgmt, base;
	int timeout, mt;

	for (i = 0; i < cfg->n_peers; i++)
		if (cfg->peers[i].start_action == IKE_START_START)
			(void)ike_endpoint_initiate(r->ep, cfg->peers[i].name);
	fprintf(stderr, "espvis ike: running, %zu peers, control socket %s\n",
	    cfg->n_peers, cfg->control_socket);
	base = r->n_socks + 2;
	while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
		for (i = 0; i < r->n_socks; i++) {
			pfd[i].fd = r->socks[i].fd;
			pfd[i].events = POLLIN;
		}
		pfd[i].fd = r->ctl_fd;
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
		pfd[i + 1].fd = r->stop_fd;
		pfd[i + 1].events = POLLIN;
		pfd[i + 1].revents = 0;
		/* The plane's descriptors: raw sockets appear with the first
		 * SA over IP, so ask every round. */
		n_plane = esp_plane_fds(r->plane, pfd + base, RUN_PLANE_FDS);
		n_mgmt = mgmt_ike_fds(r->mgmt, pfd + base + n_plane,
		    MGMT_FDS_MAX);
		t = ike_endpoint_next_timeout(r->ep, mono_ms(NULL));
		timeout = t > 1000 ? 1000 : (int)t;
		if ((mt = mgmt_ike_timeout_ms(r->mgmt)) >= 0 && mt < timeout)
			timeout = mt;
		if (poll(pfd, base + n_plane + n_mgmt, timeout) < 0 &&
		    errno != EINTR)
			break;
		for (i = 0; i < r->n_socks; i++)
			if (pfd[i].revents & POLLIN)
				read_udp(r, &r->socks[i]);
		if (pfd[r->n_socks].revents & POLLIN)
			ctl_accept(r);
		esp_plane_service(r->plane, pfd + base, n_plane);
		mgmt_ike_service(r->mgmt);
		ike_endpoint_tick(r->ep, mono_ms(NULL));
	}
}

void
ike_run_close(struct ike_run *r)
{
	if (r == NULL)
		return;
	fprintf(stderr, "espvis ike: stopping, deleting IKE SAs\n");
	ike_endpoint_shutdown(r->ep);
	ike_endpoint_tick(r->ep, mono_ms(NULL));
	run_free(r);
}

void
ike_run_sandbox(const struct ike_run *r, struct sandbox_policy *sp)
{
	sp->endpoint = true;
	/* Raw ESP/WESP sockets with the first SA over IP; netlink for each
	 * route (esp_tun.c) is the endpoint flag's. */
	sp->sockets = true;
	if (r->cfg->control_socket[0] != '\0')
		(void)sandbox_allow_remove(sp, r->cfg->control_socket);
	mgmt_ike_sandbox(r->mgmt, sp);
}

/*
 * `espvis ike --config`: the endpoint alone, on this thread, sandboxed
 * once its sockets, TUN and API are open (docs/security.md).
 */
static int
run_foreground(struct ike_config *cfg, const char *config_file, int verbose,
    bool no_sandbox)
{
	struct sandbox_policy sp;
	struct sandbox_status st;
	struct sigaction sa;
	struct ike_run *r;
	char err[512];

	if ((r = ike_run_open(cfg, config_file, verbose, NULL, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "espvis ike: %s\n", err);
		return (1);
	}
	fg_run = r;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!no_sandbox) {
		sandbox_policy_init(&sp);
		ike_run_sandbox(r, &sp);
		if (sandbox_apply(&sp, &st, err, sizeof(err)) != 0) {
			fprintf(stderr, "espvis ike: %s (--no-sandbox runs "
			    "without)\n", err);
			fg_run = NULL;
			ike_run_close(r);
			return (1);
		}
	}
	ike_run_loop(r);
	fg_run = NULL;
	ike_run_close(r);
	return (0);
}

/* ---- the client side of the control socket ---- */

static int
ctl_client(const char *path, const char *cmd)
{
	struct sockaddr_un sun;
	char buf[4096];
	ssize_t n;
	int fd, rc = 0;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "espvis ike: socket path too long\n");
		return (1);
	}
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		fprintf(stderr, "espvis ike: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return (1);
	}
	write_all(fd, cmd, strlen(cmd));
	write_all(fd, "\n", 1);
	(void)shutdown(fd, SHUT_WR);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, (size_t)n, stdout);
		if (memmem(buf, (size_t)n, "\"ok\":false", 10) != NULL)
			rc = 1;
	}
	close(fd);
	return (rc);
}

static void
ike_usage(FILE *f)
{
	fprintf(f,
	    "usage: espvis ike --config FILE [--socket PATH] [-v] [--no-sandbox]\n"
	    "       espvis ike status [--socket PATH | --config FILE]\n"
	    "       espvis ike initiate NAME  [--socket PATH | --config FILE]\n"
	    "       espvis ike delete NAME|SPI [--socket PATH | --config FILE]\n"
	    "       espvis ike rekey SPI      [--socket PATH | --config FILE]\n");
}

int
ike_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "no-sandbox", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct ike_config cfg;
	const char *config = NULL, *sock = NULL, *cmd = NULL, *arg = NULL;
	char err[1024], line[CTL_LINE_MAX];
	int ch, verbose = 0, rc;
	bool no_sandbox = false;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:s:vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'S':
			no_sandbox = true;
			break;
		case 'h':
			ike_usage(stdout);
			return (0);
		default:
			ike_usage(stderr);
			return (2);
		}
	}
	if (optind < argc)
		cmd = argv[optind++];
	if (optind < argc)
		arg = argv[optind++];
	if (optind < argc) {
		ike_usage(stderr);
		return (2);
	}
	ike_config_defaults(&cfg);
	if (config != NULL && ike_config_load(&cfg, config, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "espvis ike: %s\n", err);
		return (2);
	}
	if (sock != NULL)
		snprintf(cfg.control_socket, sizeof(cfg.control_socket), "%s",
		    sock);
	if (cmd == NULL) {
		if (config == NULL) {
			ike_usage(stderr);
			return (2);
		}
		rc = run_foreground(&cfg, config, verbose, no_sandbox);
		ike_config_wipe(&cfg);
		return (rc);
	}
	ike_config_wipe(&cfg);
	if (strcmp(cmd, "status") == 0 && arg == NULL)
		return (ctl_client(cfg.control_socket, "status"));
	if ((strcmp(cmd, "initiate") == 0 || strcmp(cmd, "delete") == 0 ||
	    strcmp(cmd, "rekey") == 0) && arg != NULL) {
		snprintf(line, sizeof(line), "%s %s", cmd, arg);
		return (ctl_client(cfg.control_socket, line));
	}
	ike_usage(stderr);
	return (2);
}
