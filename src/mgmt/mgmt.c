/*
 * mgmt.c - the management API over libmicrohttpd (mgmt.h, docs/mgmt.md).
 *
 * We open the listening sockets ourselves (exact address, clear errors,
 * the unix socket's mode) and hand them to MHD with
 * MHD_OPTION_LISTEN_SOCKET.  MHD runs without a thread of its own
 * (MHD_USE_EPOLL, external polling): its epoll descriptor joins the
 * caller's poll loop, so that the providers read the endpoint on the
 * endpoint's thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../util/sock.h"
#include "../util/yaml.h"
#include "mgmt.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Request limits: a request is a line and a few headers; no endpoint
 * takes a body. */
#define MGMT_CONN_MEMORY	(8 * 1024)	/* MHD's pool per connection */
#define MGMT_RESPONSE_DEFAULT	(256 * 1024)

struct mgmt_listener {
	int			 fd;
	struct MHD_Daemon	*d;
};

struct mgmt {
	struct mgmt_config	 cfg;
	struct mgmt_providers	 prov;
	struct mgmt_listener	 l[MGMT_FDS_MAX];
	size_t			 n_l;
	char			*body;		/* cfg.response_max bytes */
	struct mgmt_counters	 counters;
};

/* Marks a connection whose headers we have seen (MHD calls the handler
 * once for the headers before any body): no per-connection allocation. */
static char conn_seen;

void
mgmt_config_defaults(struct mgmt_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->port = MGMT_PORT_DEFAULT;
	cfg->max_connections = 16;
	cfg->timeout_s = 10;
	cfg->response_max = MGMT_RESPONSE_DEFAULT;
}

static bool
ip_is_wildcard(const struct ipaddr *ip)
{
	static const uint8_t zero[16];

	return (memcmp(ip->bytes, zero, ip->family == 6 ? 16 : 4) == 0);
}

/* One unicast address: no wildcard, no multicast or broadcast. */
static int
parse_listen(const char *s, struct ipaddr *ip)
{
	uint8_t b[16];

	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, s, b) == 1)
		ipaddr_set4(ip, b);
	else if (inet_pton(AF_INET6, s, b) == 1)
		ipaddr_set6(ip, b);
	else
		return (-1);
	if (ip_is_wildcard(ip))
		return (-1);
	if (ip->family == 4 && (b[0] >= 224 || (b[0] == 255 && b[3] == 255)))
		return (-1);
	if (ip->family == 6 && b[0] == 0xff)
		return (-1);
	return (0);
}

int
mgmt_config_load(struct mgmt_config *cfg, const char *path, bool *present,
    char *errbuf, size_t errlen)
{
	static const char *const keys[] = {
		"listen", "port", "unix_socket", "max_connections", "timeout",
	};
	const struct ynode *root, *m, *v;
	struct doc_error err;
	struct ydoc *doc;
	const char *s;
	uint32_t u;
	int rc = -1;

	*present = false;
	memset(&err, 0, sizeof(err));
	if ((doc = ydoc_load_file(path, &err)) == NULL) {
		doc_error_str(&err, errbuf, errlen);
		return (-1);
	}
	root = ydoc_root(doc);
	if (root == NULL || root->kind != YNODE_MAP ||
	    (m = ynode_get(root, "mgmt")) == NULL) {
		rc = 0;
		goto done;
	}
	*present = true;
	if (ynode_expect(m, YNODE_MAP, &err) != 0 ||
	    ynode_check_keys(m, keys, NELEM(keys), &err) != 0)
		goto fail;
	if ((v = ynode_get(m, "listen")) != NULL) {
		if (ynode_str(v, IPADDR_STRLEN, &s, &err) != 0)
			goto fail;
		if (parse_listen(s, &cfg->listen) != 0) {
			ynode_error(v, &err, "listen: one unicast address, "
			    "never a wildcard: '%s'", s);
			goto fail;
		}
	}
	if ((v = ynode_get(m, "port")) != NULL) {
		if (ynode_u32(v, 1, 65535, &u, &err) != 0)
			goto fail;
		cfg->port = (uint16_t)u;
	}
	if ((v = ynode_get(m, "unix_socket")) != NULL) {
		if (ynode_str(v, MGMT_PATH_MAX - 1, &s, &err) != 0)
			goto fail;
		snprintf(cfg->unix_socket, sizeof(cfg->unix_socket), "%s", s);
	}
	if ((v = ynode_get(m, "max_connections")) != NULL &&
	    ynode_u32(v, 1, 1024, &cfg->max_connections, &err) != 0)
		goto fail;
	if ((v = ynode_get(m, "timeout")) != NULL &&
	    ynode_u32(v, 1, 3600, &cfg->timeout_s, &err) != 0)
		goto fail;
	if (cfg->listen.family == 0 && cfg->unix_socket[0] == '\0') {
		ynode_error(m, &err, "mgmt: needs listen or unix_socket");
		goto fail;
	}
	rc = 0;
	goto done;
fail:
	doc_error_str(&err, errbuf, errlen);
done:
	ydoc_free(doc);
	return (rc);
}

/* ---- answers ---- */

static void
count(struct mgmt *m, unsigned status)
{
	m->counters.requests++;
	if (status < 300)
		m->counters.ok++;
	else if (status < 500)
		m->counters.client_err++;
	else
		m->counters.server_err++;
}

static enum MHD_Result
send_body(struct mgmt *m, struct MHD_Connection *c, unsigned status,
    const char *body, size_t len, const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	count(m, status);
	r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
	    MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return (MHD_NO);
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/json");
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
	    "no-store");
	if (allow != NULL)
		(void)MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return (ret);
}

static enum MHD_Result
send_error(struct mgmt *m, struct MHD_Connection *c, unsigned status,
    const char *msg, const char *allow)
{
	struct json j;

	json_init(&j, m->body, m->cfg.response_max);
	json_open_object(&j, NULL);
	json_str(&j, "error", msg);
	json_u64(&j, "status", status);
	json_close_object(&j);
	if (j.overflow)
		return (MHD_NO);
	m->body[j.len++] = '\n';
	return (send_body(m, c, status, m->body, j.len, allow));
}

typedef int (*provider_fn)(void *ctx, struct json *j);

static enum MHD_Result
send_provider(struct mgmt *m, struct MHD_Connection *c, provider_fn fn,
    bool is_sas)
{
	struct json j;
	int rc = 0;

	json_init(&j, m->body, m->cfg.response_max - 1);
	json_open_object(&j, NULL);
	if (fn != NULL)
		rc = fn(m->prov.ctx, &j);
	else if (is_sas) {
		json_bool(&j, "inspector", false);
		json_str(&j, "note", "the inspector does not run in this "
		    "process");
		json_open_array(&j, "sas");
		json_close_array(&j);
	} else
		return (send_error(m, c, MHD_HTTP_NOT_IMPLEMENTED,
		    "not available in this process", NULL));
	json_close_object(&j);
	if (rc != 0)
		return (send_error(m, c, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "unavailable", NULL));
	if (j.overflow || j.depth != 0)
		return (send_error(m, c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "response too large", NULL));
	m->body[j.len++] = '\n';
	return (send_body(m, c, MHD_HTTP_OK, m->body, j.len, NULL));
}

static enum MHD_Result
send_reload(struct mgmt *m, struct MHD_Connection *c)
{
	char msg[256];
	struct json j;

	if (m->prov.reload == NULL)
		return (send_error(m, c, MHD_HTTP_NOT_IMPLEMENTED,
		    "no rules to reload in this process", NULL));
	msg[0] = '\0';
	if (m->prov.reload(m->prov.ctx, msg, sizeof(msg)) != 0)
		return (send_error(m, c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    msg[0] != '\0' ? msg : "reload failed", NULL));
	json_init(&j, m->body, m->cfg.response_max - 1);
	json_open_object(&j, NULL);
	json_bool(&j, "reloaded", true);
	if (msg[0] != '\0')
		json_str(&j, "result", msg);
	json_close_object(&j);
	if (j.overflow)
		return (MHD_NO);
	m->body[j.len++] = '\n';
	return (send_body(m, c, MHD_HTTP_OK, m->body, j.len, NULL));
}

/* Path -> what to do; a known path with another method is 405. */
enum route {
	ROUTE_NONE,
	ROUTE_STATS,
	ROUTE_SAS,
	ROUTE_IKE,
	ROUTE_RELOAD,
};

static const struct {
	const char	*path;
	enum route	 route;
	bool		 post;	/* else GET (and HEAD) */
} routes[] = {
	{ "/v1/stats", ROUTE_STATS, false },
	{ "/v1/sas", ROUTE_SAS, false },
	{ "/v1/ike", ROUTE_IKE, false },
	{ "/v1/rules/reload", ROUTE_RELOAD, true },
};

static bool
has_body(struct MHD_Connection *c)
{
	const char *cl, *te;

	cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	te = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_TRANSFER_ENCODING);
	return ((cl != NULL && strcmp(cl, "0") != 0) || te != NULL);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct mgmt *m = cls;
	bool get, post;
	size_t i;

	(void)version;
	(void)upload_data;
	if (*con_cls == NULL) {
		*con_cls = &conn_seen;
		/* Nothing here takes a body: refuse one before reading it
		 * (MHD then closes the connection). */
		if (has_body(c))
			return (send_error(m, c,
			    MHD_HTTP_CONTENT_TOO_LARGE,
			    "no request body is accepted", NULL));
		return (MHD_YES);
	}
	if (*upload_data_size != 0) {
		/* A body despite the headers (cannot happen after the check
		 * above, but never buffer one). */
		*upload_data_size = 0;
		return (MHD_NO);
	}
	get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
	    strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
	for (i = 0; i < NELEM(routes); i++) {
		if (strcmp(url, routes[i].path) != 0)
			continue;
		if (routes[i].post ? !post : !get)
			return (send_error(m, c, MHD_HTTP_METHOD_NOT_ALLOWED,
			    "method not allowed", routes[i].post ? "POST" :
			    "GET, HEAD"));
		switch (routes[i].route) {
		case ROUTE_STATS:
			return (send_provider(m, c, m->prov.stats_json,
			    false));
		case ROUTE_SAS:
			return (send_provider(m, c, m->prov.sas_json, true));
		case ROUTE_IKE:
			return (send_provider(m, c, m->prov.ike_json, false));
		case ROUTE_RELOAD:
			return (send_reload(m, c));
		case ROUTE_NONE:
			break;
		}
	}
	return (send_error(m, c, MHD_HTTP_NOT_FOUND, "no such resource",
	    NULL));
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	(void)fmt;
	(void)ap;	/* MHD's complaints about clients are not ours */
}

/* ---- listeners ---- */

static int
open_tcp(const struct mgmt_config *cfg, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char ab[IPADDR_STRLEN];
	int fd, on = 1;

	sock_addr_set(&cfg->listen, cfg->port, &ss, &len);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0)
		goto fail;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (cfg->listen.family == 6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
		    sizeof(on));
	if (cfg->device[0] != '\0' && setsockopt(fd, SOL_SOCKET,
	    SO_BINDTODEVICE, cfg->device, (socklen_t)strlen(cfg->device)) != 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 16) != 0)
		goto fail;
	return (fd);
fail:
	snprintf(err, errlen, "mgmt: listen on %s port %u%s%s: %s",
	    ipaddr_str(&cfg->listen, ab, sizeof(ab)), cfg->port,
	    cfg->device[0] != '\0' ? " device " : "", cfg->device,
	    strerror(errno));
	if (fd >= 0)
		close(fd);
	return (-1);
}

static int
open_unix(const char *path, char *err, size_t errlen)
{
	int fd;

	if ((fd = sock_unix_listen(path, 16)) < 0) {
		if (errno == ENAMETOOLONG)
			snprintf(err, errlen, "mgmt: unix socket path too long");
		else
			snprintf(err, errlen, "mgmt: unix socket %s: %s", path,
			    strerror(errno));
		return (-1);
	}
	return (fd);
}

static int
start_listener(struct mgmt *m, int fd, char *err, size_t errlen)
{
	struct mgmt_listener *l = &m->l[m->n_l];

	l->fd = fd;
	l->d = MHD_start_daemon(MHD_USE_EPOLL, 0, NULL, NULL,
	    on_request, m,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)m->cfg.max_connections,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)m->cfg.timeout_s,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MGMT_CONN_MEMORY,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_END);
	if (l->d == NULL) {
		snprintf(err, errlen, "mgmt: cannot start the HTTP daemon");
		/* Ours again unless MHD closed it on its way out (one thread
		 * here, so the number cannot have been reused). */
		if (fcntl(fd, F_GETFD) != -1)
			close(fd);
		return (-1);
	}
	m->n_l++;
	return (0);
}

struct mgmt *
mgmt_new(const struct mgmt_config *cfg, const struct mgmt_providers *prov,
    char *err, size_t errlen)
{
	struct mgmt *m;
	int fd;

	if (cfg->listen.family == 0 && cfg->unix_socket[0] == '\0') {
		snprintf(err, errlen, "mgmt: nothing to listen on");
		return (NULL);
	}
	if (cfg->listen.family != 0 && ip_is_wildcard(&cfg->listen)) {
		snprintf(err, errlen, "mgmt: refusing a wildcard address: "
		    "the API listens on the tunnel's inner address only");
		return (NULL);
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		snprintf(err, errlen, "mgmt: out of memory");
		return (NULL);
	}
	m->cfg = *cfg;
	if (m->cfg.max_connections == 0)
		m->cfg.max_connections = 16;
	if (m->cfg.timeout_s == 0)
		m->cfg.timeout_s = 10;
	if (m->cfg.response_max < 1024)
		m->cfg.response_max = MGMT_RESPONSE_DEFAULT;
	m->prov = *prov;
	if ((m->body = malloc(m->cfg.response_max)) == NULL) {
		snprintf(err, errlen, "mgmt: out of memory");
		goto fail;
	}
	if (cfg->listen.family != 0) {
		if ((fd = open_tcp(&m->cfg, err, errlen)) < 0 ||
		    start_listener(m, fd, err, errlen) != 0)
			goto fail;
	}
	if (cfg->unix_socket[0] != '\0') {
		if ((fd = open_unix(cfg->unix_socket, err, errlen)) < 0 ||
		    start_listener(m, fd, err, errlen) != 0) {
			/* nothing of ours to unlink after a failed bind */
			m->cfg.unix_socket[0] = '\0';
			goto fail;
		}
	}
	return (m);
fail:
	mgmt_free(m);
	return (NULL);
}

void
mgmt_free(struct mgmt *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n_l; i++) {
		/* MHD closes the listening socket it was given. */
		MHD_stop_daemon(m->l[i].d);
	}
	if (m->cfg.unix_socket[0] != '\0' && m->n_l > 0)
		(void)unlink(m->cfg.unix_socket);
	free(m->body);
	free(m);
}

size_t
mgmt_fds(const struct mgmt *m, struct pollfd *pfd, size_t max)
{
	const union MHD_DaemonInfo *info;
	size_t i, n = 0;

	for (i = 0; i < m->n_l && n < max; i++) {
		info = MHD_get_daemon_info(m->l[i].d,
		    MHD_DAEMON_INFO_EPOLL_FD);
		if (info == NULL)
			continue;
		pfd[n].fd = info->epoll_fd;
		pfd[n].events = POLLIN;
		pfd[n].revents = 0;
		n++;
	}
	return (n);
}

int
mgmt_timeout_ms(const struct mgmt *m)
{
	MHD_UNSIGNED_LONG_LONG t;
	int best = -1;
	size_t i;

	for (i = 0; i < m->n_l; i++) {
		if (MHD_get_timeout(m->l[i].d, &t) != MHD_YES)
			continue;
		if (t > 60000)
			t = 60000;
		if (best < 0 || (int)t < best)
			best = (int)t;
	}
	return (best);
}

void
mgmt_service(struct mgmt *m)
{
	size_t i;

	for (i = 0; i < m->n_l; i++)
		(void)MHD_run(m->l[i].d);
}

const struct mgmt_counters *
mgmt_counters(const struct mgmt *m)
{
	return (&m->counters);
}
