/*
 * test_mgmt.c - the management API: routing, status codes and JSON
 * bodies, through a real MHD daemon on 127.0.0.1 (an ephemeral port)
 * and on a unix socket, driven by a thread that runs the poll loop as
 * ike_run.c does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "mgmt/mgmt.h"
#include "unit.h"

struct fake {
	int		stats_calls;
	int		reloads;
	bool		reload_fail;
	bool		stats_fail;
	bool		huge;
};

static int
fake_stats(void *ctx, struct json *j)
{
	struct fake *f = ctx;
	int i;

	f->stats_calls++;
	if (f->stats_fail)
		return (-1);
	json_open_object(j, "ike");
	json_u64(j, "ike_sas", 2);
	json_u64(j, "child_sas", 3);
	json_close_object(j);
	if (f->huge)
		for (i = 0; i < 100000; i++)
			json_str(j, "pad", "0123456789012345678901234567890");
	return (0);
}

static int
fake_ike(void *ctx, struct json *j)
{
	(void)ctx;
	json_open_array(j, "ike_sas");
	json_open_object(j, NULL);
	json_str(j, "name", "pair \"quoted\"");
	json_close_object(j);
	json_close_array(j);
	return (0);
}

static int
fake_reload(void *ctx, char *msg, size_t len)
{
	struct fake *f = ctx;

	f->reloads++;
	if (f->reload_fail) {
		snprintf(msg, len, "rules.yaml:3:5: unknown key 'x'");
		return (-1);
	}
	snprintf(msg, len, "4 rules");
	return (0);
}

struct server {
	struct mgmt	*m;
	pthread_t	 th;
	atomic_bool	 stop;
	uint16_t	 port;
	char		 sock[108];
};

static void *
loop(void *arg)
{
	struct server *s = arg;
	struct pollfd pfd[MGMT_FDS_MAX];
	size_t n;
	int t;

	while (!atomic_load(&s->stop)) {
		n = mgmt_fds(s->m, pfd, MGMT_FDS_MAX);
		t = mgmt_timeout_ms(s->m);
		if (t < 0 || t > 50)
			t = 50;
		(void)poll(pfd, n, t);
		mgmt_service(s->m);
	}
	return (NULL);
}

static struct fake fk;
static struct server srv;

/* A free port on 127.0.0.1 (bind 0, read, close). */
static uint16_t
free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return (ntohs(a.sin_port));
}

static void
start(const struct mgmt_providers *p)
{
	struct mgmt_config cfg;
	uint8_t lo[4] = { 127, 0, 0, 1 };
	char err[256];

	memset(&fk, 0, sizeof(fk));
	mgmt_config_defaults(&cfg);
	ipaddr_set4(&cfg.listen, lo);
	srv.port = cfg.port = free_port();
	snprintf(srv.sock, sizeof(srv.sock), "/tmp/test_mgmt.%d.sock",
	    (int)getpid());
	snprintf(cfg.unix_socket, sizeof(cfg.unix_socket), "%s", srv.sock);
	cfg.response_max = 64 * 1024;
	srv.m = mgmt_new(&cfg, p, err, sizeof(err));
	ck_assert_msg(srv.m != NULL, "%s", err);
	atomic_store(&srv.stop, false);
	ck_assert_int_eq(pthread_create(&srv.th, NULL, loop, &srv), 0);
}

static void
stop(void)
{
	atomic_store(&srv.stop, true);
	pthread_join(srv.th, NULL);
	mgmt_free(srv.m);
	srv.m = NULL;
}

static void
setup_full(void)
{
	struct mgmt_providers p = {
		.ctx = &fk, .stats_json = fake_stats, .ike_json = fake_ike,
		.reload = fake_reload,
	};

	start(&p);
}

static void
setup_empty(void)
{
	struct mgmt_providers p;

	memset(&p, 0, sizeof(p));
	start(&p);
}

/* Sends req as it is; returns the status, the body in body. */
static int
http_raw(bool unix_sock, const char *req, size_t reqlen, char *body,
    size_t cap, char *head, size_t headcap)
{
	static char buf[256 * 1024];
	struct sockaddr_storage ss;
	socklen_t slen;
	size_t len = 0;
	ssize_t n;
	char *sep;
	int fd, status = -1;

	memset(&ss, 0, sizeof(ss));
	if (unix_sock) {
		struct sockaddr_un *su = (struct sockaddr_un *)&ss;

		su->sun_family = AF_UNIX;
		snprintf(su->sun_path, sizeof(su->sun_path), "%s", srv.sock);
		slen = sizeof(*su);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(srv.port);
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		slen = sizeof(*s4);
	}
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_msg(connect(fd, (struct sockaddr *)&ss, slen) == 0,
	    "connect: %s", strerror(errno));
	ck_assert_int_eq(write(fd, req, reqlen), (ssize_t)reqlen);
	while (len < sizeof(buf) - 1 &&
	    (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		return (-1);
	if (head != NULL)
		snprintf(head, headcap, "%.*s", (int)len, buf);
	sep = strstr(buf, "\r\n\r\n");
	snprintf(body, cap, "%s", sep != NULL ? sep + 4 : "");
	return (status);
}

static int
http(bool unix_sock, const char *method, const char *path, char *body,
    size_t cap)
{
	char req[512];
	int n;

	n = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: x\r\n"
	    "Connection: close\r\n\r\n", method, path);
	return (http_raw(unix_sock, req, (size_t)n, body, cap, NULL, 0));
}

START_TEST(test_stats)
{
	char body[4096];

	ck_assert_int_eq(http(false, "GET", "/v1/stats", body, sizeof(body)),
	    200);
	ck_assert_str_eq(body,
	    "{\"ike\":{\"ike_sas\":2,\"child_sas\":3}}\n");
	ck_assert_int_eq(http(true, "GET", "/v1/stats", body, sizeof(body)),
	    200);
	ck_assert_str_eq(body,
	    "{\"ike\":{\"ike_sas\":2,\"child_sas\":3}}\n");
	ck_assert_int_eq(fk.stats_calls, 2);
	ck_assert_int_eq(http(false, "GET", "/v1/ike", body, sizeof(body)),
	    200);
	ck_assert_str_eq(body,
	    "{\"ike_sas\":[{\"name\":\"pair \\\"quoted\\\"\"}]}\n");
	ck_assert_uint_eq(mgmt_counters(srv.m)->ok, 3);
}
END_TEST

START_TEST(test_sas_default)
{
	char body[4096];

	/* No inspector in the process: an empty list that says so. */
	ck_assert_int_eq(http(false, "GET", "/v1/sas", body, sizeof(body)),
	    200);
	ck_assert_str_eq(body, "{\"inspector\":false,\"note\":\"the inspector "
	    "does not run in this process\",\"sas\":[]}\n");
}
END_TEST

START_TEST(test_not_found)
{
	char body[4096];

	ck_assert_int_eq(http(false, "GET", "/v1/nope", body, sizeof(body)),
	    404);
	ck_assert_str_eq(body,
	    "{\"error\":\"no such resource\",\"status\":404}\n");
	ck_assert_int_eq(http(false, "GET", "/", body, sizeof(body)), 404);
	ck_assert_int_eq(http(false, "GET", "/v1/stats/", body, sizeof(body)),
	    404);
	ck_assert_int_eq(http(true, "GET", "/v1/stats?x=1", body,
	    sizeof(body)), 200);	/* MHD strips the query */
	ck_assert_uint_eq(mgmt_counters(srv.m)->client_err, 3);
}
END_TEST

START_TEST(test_method)
{
	char body[4096], head[4096];
	const char *req = "DELETE /v1/stats HTTP/1.1\r\nHost: x\r\n"
	    "Connection: close\r\n\r\n";

	ck_assert_int_eq(http_raw(false, req, strlen(req), body, sizeof(body),
	    head, sizeof(head)), 405);
	ck_assert_str_eq(body,
	    "{\"error\":\"method not allowed\",\"status\":405}\n");
	ck_assert_ptr_nonnull(strstr(head, "Allow: GET, HEAD\r\n"));
	ck_assert_ptr_nonnull(strstr(head,
	    "Content-Type: application/json\r\n"));
	ck_assert_int_eq(http(false, "GET", "/v1/rules/reload", body,
	    sizeof(body)), 405);
	ck_assert_int_eq(http(false, "POST", "/v1/ike", body, sizeof(body)),
	    405);
	ck_assert_int_eq(fk.reloads, 0);
}
END_TEST

START_TEST(test_reload)
{
	char body[4096];

	ck_assert_int_eq(http(false, "POST", "/v1/rules/reload", body,
	    sizeof(body)), 200);
	ck_assert_str_eq(body, "{\"reloaded\":true,\"result\":\"4 rules\"}\n");
	fk.reload_fail = true;
	ck_assert_int_eq(http(true, "POST", "/v1/rules/reload", body,
	    sizeof(body)), 500);
	ck_assert_str_eq(body, "{\"error\":\"rules.yaml:3:5: unknown key "
	    "'x'\",\"status\":500}\n");
	ck_assert_int_eq(fk.reloads, 2);
}
END_TEST

START_TEST(test_unavailable)
{
	char body[4096];

	fk.stats_fail = true;
	ck_assert_int_eq(http(false, "GET", "/v1/stats", body, sizeof(body)),
	    503);
	fk.stats_fail = false;
	fk.huge = true;
	ck_assert_int_eq(http(false, "GET", "/v1/stats", body, sizeof(body)),
	    500);
	ck_assert_str_eq(body,
	    "{\"error\":\"response too large\",\"status\":500}\n");
}
END_TEST

START_TEST(test_no_providers)
{
	char body[4096];

	ck_assert_int_eq(http(false, "GET", "/v1/stats", body, sizeof(body)),
	    501);
	ck_assert_int_eq(http(false, "POST", "/v1/rules/reload", body,
	    sizeof(body)), 501);
	ck_assert_str_eq(body, "{\"error\":\"no rules to reload in this "
	    "process\",\"status\":501}\n");
}
END_TEST

START_TEST(test_limits)
{
	static char big[32 * 1024];
	char body[4096];
	const char *post = "POST /v1/rules/reload HTTP/1.1\r\nHost: x\r\n"
	    "Content-Length: 5\r\nConnection: close\r\n\r\nhello";
	const char *chunked = "POST /v1/rules/reload HTTP/1.1\r\nHost: x\r\n"
	    "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
	    "5\r\nhello\r\n0\r\n\r\n";
	int n, st;

	/* A body is refused before it is read, and nothing is reloaded. */
	ck_assert_int_eq(http_raw(false, post, strlen(post), body,
	    sizeof(body), NULL, 0), 413);
	ck_assert_int_eq(http_raw(true, chunked, strlen(chunked), body,
	    sizeof(body), NULL, 0), 413);
	ck_assert_int_eq(fk.reloads, 0);
	/* Headers beyond the connection's memory: MHD answers 431 or
	 * closes. */
	n = snprintf(big, sizeof(big), "GET /v1/stats HTTP/1.1\r\nHost: x\r\n"
	    "X-Big: ");
	memset(big + n, 'a', sizeof(big) - (size_t)n - 8);
	memcpy(big + sizeof(big) - 8, "\r\n\r\n", 4);
	st = http_raw(false, big, sizeof(big) - 4, body, sizeof(body), NULL,
	    0);
	ck_assert_msg(st == 431 || st == 413 || st == -1, "status %d", st);
	ck_assert_int_eq(fk.stats_calls, 0);
	/* Still serving. */
	ck_assert_int_eq(http(false, "GET", "/v1/stats", body, sizeof(body)),
	    200);
}
END_TEST

START_TEST(test_no_growth)
{
	char body[4096];
	struct mallinfo2 a, b;
	int i;

	for (i = 0; i < 50; i++)
		ck_assert_int_eq(http(i & 1, "GET", "/v1/stats", body,
		    sizeof(body)), 200);
	a = mallinfo2();
	for (i = 0; i < 500; i++)
		ck_assert_int_eq(http(i & 1, i % 3 ? "GET" : "PUT",
		    i % 3 ? "/v1/ike" : "/v1/stats", body, sizeof(body)),
		    i % 3 ? 200 : 405);
	b = mallinfo2();
	ck_assert_msg(b.uordblks <= a.uordblks + 16 * 1024,
	    "heap grew from %zu to %zu", a.uordblks, b.uordblks);
}
END_TEST

START_TEST(test_refuse_wildcard)
{
	struct mgmt_config cfg;
	struct mgmt_providers p;
	char err[256];

	memset(&p, 0, sizeof(p));
	mgmt_config_defaults(&cfg);
	cfg.listen.family = 4;		/* 0.0.0.0 */
	ck_assert_ptr_null(mgmt_new(&cfg, &p, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "wildcard"));
	cfg.listen.family = 6;		/* :: */
	ck_assert_ptr_null(mgmt_new(&cfg, &p, err, sizeof(err)));
	cfg.listen.family = 0;
	ck_assert_ptr_null(mgmt_new(&cfg, &p, err, sizeof(err)));
	ck_assert_str_eq(err, "mgmt: nothing to listen on");
}
END_TEST

static int
load(const char *text, struct mgmt_config *cfg, bool *present, char *err,
    size_t errlen)
{
	char path[64];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "/tmp/test_mgmt.%d.yaml", (int)getpid());
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	mgmt_config_defaults(cfg);
	rc = mgmt_config_load(cfg, path, present, err, errlen);
	unlink(path);
	return (rc);
}

START_TEST(test_config)
{
	struct mgmt_config cfg;
	char err[512], ab[IPADDR_STRLEN];
	bool present;

	ck_assert_int_eq(load("ike:\n  peers: []\n", &cfg, &present, err,
	    sizeof(err)), 0);
	ck_assert(!present);
	ck_assert_int_eq(load("mgmt:\n  listen: 10.99.9.1\n  port: 8081\n"
	    "  unix_socket: /run/x.sock\n", &cfg, &present, err, sizeof(err)),
	    0);
	ck_assert(present);
	ck_assert_str_eq(ipaddr_str(&cfg.listen, ab, sizeof(ab)),
	    "10.99.9.1");
	ck_assert_uint_eq(cfg.port, 8081);
	ck_assert_str_eq(cfg.unix_socket, "/run/x.sock");
	ck_assert_int_eq(load("mgmt:\n  listen: 0.0.0.0\n", &cfg, &present,
	    err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, ":2:11: listen: one unicast"));
	ck_assert_int_eq(load("mgmt:\n  listen: '::'\n", &cfg, &present, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(load("mgmt:\n  listen: 224.0.0.1\n", &cfg, &present,
	    err, sizeof(err)), -1);
	ck_assert_int_eq(load("mgmt:\n  port: 80\n", &cfg, &present, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "needs listen or unix_socket"));
	ck_assert_int_eq(load("mgmt:\n  listen: 10.0.0.1\n  bogus: 1\n", &cfg,
	    &present, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "bogus"));
}
END_TEST

START_TEST(test_unix_mode)
{
	struct stat st;

	ck_assert_int_eq(stat(srv.sock, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	stop();
	ck_assert_int_eq(stat(srv.sock, &st), -1);	/* removed */
	setup_full();
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("mgmt");
	TCase *tc = tcase_create("full");
	TCase *te = tcase_create("empty");
	TCase *tn = tcase_create("config");

	tcase_add_checked_fixture(tc, setup_full, stop);
	tcase_add_test(tc, test_stats);
	tcase_add_test(tc, test_not_found);
	tcase_add_test(tc, test_method);
	tcase_add_test(tc, test_reload);
	tcase_add_test(tc, test_unavailable);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_no_growth);
	tcase_add_test(tc, test_unix_mode);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(te, setup_empty, stop);
	tcase_add_test(te, test_sas_default);
	tcase_add_test(te, test_no_providers);
	suite_add_tcase(s, te);
	tcase_add_test(tn, test_refuse_wildcard);
	tcase_add_test(tn, test_config);
	suite_add_tcase(s, tn);
	return (s);
}

UNIT_MAIN
