/*
 * test_sink.c - the EVE destinations: every --eve DEST form and the
 * errors for bad ones, the Redis commands (byte for byte what hiredis
 * formats) and reply reading, and a Unix datagram output against a
 * consumer that stops reading, goes away and comes back.
 */
#include <errno.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "unit.h"
#include "export/eve.h"
#include "export/sink.h"
#include "export/sink_redis.h"

struct dest_case {
	const char		*dest;
	enum sink_kind		 kind;
	const char		*path;
	const char		*host;
	const char		*port;
	const char		*key;
	enum eve_redis_mode	 mode;
	uint64_t		 maxlen;
	size_t			 buffer;
};

#define MIB	(1024 * 1024)

static const struct dest_case good_dests[] = {
	{ "-", SINK_STDOUT, "", "", "", "", EVE_REDIS_LIST, 100000, 4 * MIB },
	{ "eve.json", SINK_FILE, "eve.json", "", "", "", EVE_REDIS_LIST,
	    100000, 4 * MIB },
	{ "/var/log/espvis/eve.json", SINK_FILE, "/var/log/espvis/eve.json",
	    "", "", "", EVE_REDIS_LIST, 100000, 4 * MIB },
	{ "unix", SINK_FILE, "unix", "", "", "", EVE_REDIS_LIST, 100000,
	    4 * MIB },
	{ "./unix:x", SINK_FILE, "./unix:x", "", "", "", EVE_REDIS_LIST,
	    100000, 4 * MIB },
	{ "unix:/run/eve.sock", SINK_UNIX_DGRAM, "/run/eve.sock", "", "", "",
	    EVE_REDIS_LIST, 100000, 4 * MIB },
	{ "unix-dgram:rel.sock", SINK_UNIX_DGRAM, "rel.sock", "", "", "",
	    EVE_REDIS_LIST, 100000, 4 * MIB },
	{ "unix-stream:/tmp/s", SINK_UNIX_STREAM, "/tmp/s", "", "", "",
	    EVE_REDIS_LIST, 100000, 4 * MIB },
	{ "redis://127.0.0.1:6380/espvis-eve", SINK_REDIS, "", "127.0.0.1",
	    "6380", "espvis-eve", EVE_REDIS_LIST, 100000, 4 * MIB },
	{ "redis://localhost", SINK_REDIS, "", "localhost", "6379", "espvis",
	    EVE_REDIS_LIST, 100000, 4 * MIB },
	{ "redis://h/", SINK_REDIS, "", "h", "6379", "espvis",
	    EVE_REDIS_LIST, 100000, 4 * MIB },
	{ "redis://[::1]:7000/k", SINK_REDIS, "", "::1", "7000", "k",
	    EVE_REDIS_LIST, 100000, 4 * MIB },
	{ "redis://[::1]/k", SINK_REDIS, "", "::1", "6379", "k",
	    EVE_REDIS_LIST, 100000, 4 * MIB },
	{ "redis://r:1/a/b", SINK_REDIS, "", "r", "1", "a/b",
	    EVE_REDIS_LIST, 100000, 4 * MIB },
	{ "redis://r:6379/ch?mode=channel", SINK_REDIS, "", "r", "6379", "ch",
	    EVE_REDIS_CHANNEL, 100000, 4 * MIB },
	{ "redis://r:6379/st?mode=stream", SINK_REDIS, "", "r", "6379", "st",
	    EVE_REDIS_STREAM, 100000, 4 * MIB },
	{ "redis://r/st?mode=stream&maxlen=0", SINK_REDIS, "", "r", "6379",
	    "st", EVE_REDIS_STREAM, 0, 4 * MIB },
	{ "redis://r/st?maxlen=500&mode=stream&buffer=64k", SINK_REDIS, "",
	    "r", "6379", "st", EVE_REDIS_STREAM, 500, 64 * 1024 },
	{ "redis://r?mode=list&buffer=2M", SINK_REDIS, "", "r", "6379",
	    "espvis", EVE_REDIS_LIST, 100000, 2 * MIB },
	{ "redis://r?buffer=16384", SINK_REDIS, "", "r", "6379", "espvis",
	    EVE_REDIS_LIST, 100000, 16384 },
};

START_TEST(test_parse_good)
{
	const struct dest_case *c = &good_dests[_i];
	struct eve_options opts;
	struct sink_dest d;
	char err[256] = "";

	eve_options_defaults(&opts);
	ck_assert_msg(sink_parse_dest(c->dest, &opts, &d, err,
	    sizeof(err)) == 0, "%s: %s", c->dest, err);
	ck_assert_int_eq(d.kind, c->kind);
	ck_assert_str_eq(d.path, c->path);
	ck_assert_str_eq(d.host, c->host);
	ck_assert_str_eq(d.port, c->port);
	ck_assert_str_eq(d.key, c->key);
	ck_assert_int_eq(d.redis_mode, c->mode);
	ck_assert_uint_eq(d.redis_maxlen, c->maxlen);
	ck_assert_uint_eq(d.buffer_size, c->buffer);
	ck_assert_uint_eq(d.flush_ms, 500);
	ck_assert_uint_eq(d.close_timeout_ms, 2000);
}
END_TEST

struct bad_case {
	const char	*dest;
	const char	*why;		/* a piece of the message */
};

static const struct bad_case bad_dests[] = {
	{ "", "empty destination" },
	{ "unix:", "no socket path" },
	{ "unix-stream:", "no socket path" },
	{ "unix-seqpacket:/x", "unknown socket type" },
	{ "unix:/tmp/0123456789012345678901234567890123456789012345678901234"
	  "5678901234567890123456789012345678901234567890123456789",
	  "longer than 107 bytes" },
	{ "redis:localhost", "expected redis://HOST" },
	{ "redis://", "no host" },
	{ "redis://:6379/k", "no host" },
	{ "redis://h:0/k", "expected 1..65535" },
	{ "redis://h:65536/k", "expected 1..65535" },
	{ "redis://h:http/k", "expected 1..65535" },
	{ "redis://h:/k", "expected 1..65535" },
	{ "redis://::1:6379/k", "IPv6 address goes in brackets" },
	{ "redis://[::1/k", "without ']'" },
	{ "redis://[::1]x/k", "expected HOST:PORT" },
	{ "redis://h/k?mode=pubsub", "expected list, channel or stream" },
	{ "redis://h/k?mode=stream&maxlen=-1", "maxlen '-1'" },
	{ "redis://h/k?maxlen=10", "maxlen applies to mode=stream" },
	{ "redis://h/k?buffer=1k", "expected 16384 to" },
	{ "redis://h/k?buffer=2G", "buffer '2G'" },
	{ "redis://h/k?buffer=lots", "buffer 'lots'" },
	{ "redis://h/k?db=2", "unknown option 'db'" },
	{ "redis://h/k?mode", "has no '=value'" },
	{ "redis://h/k?mode=list&", "has no '=value'" },
};

START_TEST(test_parse_bad)
{
	const struct bad_case *c = &bad_dests[_i];
	struct eve_options opts;
	struct sink_dest d;
	char err[256] = "";

	eve_options_defaults(&opts);
	ck_assert_int_eq(sink_parse_dest(c->dest, &opts, &d, err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, c->why) != NULL, "%s: got '%s', want '%s'",
	    c->dest, err, c->why);
}
END_TEST

/* The options (from the configuration) are the defaults a query
 * string overrides; a socket buffer they set is checked too. */
START_TEST(test_parse_options)
{
	struct eve_options opts;
	struct sink_dest d;
	char err[256] = "";

	eve_options_defaults(&opts);
	opts.redis_mode = EVE_REDIS_STREAM;
	opts.redis_stream_maxlen = 42;
	opts.buffer_size = 1 * MIB;
	opts.flush_interval_ms = 100;
	opts.close_timeout_ms = 50;
	ck_assert_int_eq(sink_parse_dest("redis://r/k", &opts, &d, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(d.redis_mode, EVE_REDIS_STREAM);
	ck_assert_uint_eq(d.redis_maxlen, 42);
	ck_assert_uint_eq(d.buffer_size, 1 * MIB);
	ck_assert_uint_eq(d.flush_ms, 100);
	ck_assert_uint_eq(d.close_timeout_ms, 50);
	ck_assert_int_eq(sink_parse_dest("redis://r/k?mode=list", &opts, &d,
	    err, sizeof(err)), 0);
	ck_assert_int_eq(d.redis_mode, EVE_REDIS_LIST);

	opts.buffer_size = 100;
	ck_assert_int_eq(sink_parse_dest("unix:/x", &opts, &d, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "buffer of 100 bytes"));
	/* Files ignore the socket buffer. */
	ck_assert_int_eq(sink_parse_dest("x.json", &opts, &d, err,
	    sizeof(err)), 0);
}
END_TEST

/* Our hand-built RESP is exactly what redisFormatCommandArgv() makes. */
static void
check_frame(enum eve_redis_mode mode, uint64_t maxlen, int argc,
    const char **argv)
{
	struct redis_proto *p = redis_proto_new(mode, argv[1], maxlen);
	const char *event = argv[argc - 1];
	struct iovec parts[REDIS_FRAME_PARTS];
	char lenbuf[REDIS_LENBUF_SIZE], framed[1024], *want;
	size_t n, i, len = 0;
	int wantlen;

	ck_assert_ptr_nonnull(p);
	n = redis_proto_frame(p, event, strlen(event), lenbuf, parts);
	ck_assert_uint_eq(n, REDIS_FRAME_PARTS);
	for (i = 0; i < n; i++) {
		memcpy(framed + len, parts[i].iov_base, parts[i].iov_len);
		len += parts[i].iov_len;
	}
	wantlen = redisFormatCommandArgv(&want, argc, argv, NULL);
	ck_assert_int_gt(wantlen, 0);
	ck_assert_uint_eq(len, (size_t)wantlen);
	ck_assert(memcmp(framed, want, len) == 0);
	redisFreeCommand(want);
	redis_proto_free(p);
}

START_TEST(test_redis_frames)
{
	static const char *ev = "{\"event_type\":\"esp\",\"esp\":{\"spi\":1}}";
	const char *lpush[] = { "LPUSH", "espvis", ev };
	const char *publish[] = { "PUBLISH", "alerts:eve", ev };
	const char *xadd[] = { "XADD", "s", "MAXLEN", "~", "100000", "*",
	    "event", ev };
	const char *xadd_all[] = { "XADD", "s", "*", "event", ev };
	const char *empty[] = { "LPUSH", "k", "" };

	check_frame(EVE_REDIS_LIST, 100000, 3, lpush);
	check_frame(EVE_REDIS_CHANNEL, 100000, 3, publish);
	check_frame(EVE_REDIS_STREAM, 100000, 8, xadd);
	check_frame(EVE_REDIS_STREAM, 0, 5, xadd_all);
	check_frame(EVE_REDIS_LIST, 0, 3, empty);
	redis_proto_free(NULL);
}
END_TEST

/* Replies in every shape, fed one byte at a time: each counted once,
 * the errors counted and the last kept; garbage is refused. */
START_TEST(test_redis_replies)
{
	static const char replies[] = ":1\r\n+OK\r\n$5\r\n1-0\r\n\r\n"
	    "-WRONGTYPE Operation against a key\r\n$-1\r\n"
	    "*2\r\n:1\r\n-ERR inner\r\n:7\r\n";
	struct redis_proto *p = redis_proto_new(EVE_REDIS_LIST, "k", 0);
	uint64_t n = 0, errors = 0;
	size_t i;

	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(redis_proto_last_error(p), "");
	for (i = 0; i < sizeof(replies) - 1; i++)
		ck_assert_int_eq(redis_proto_feed(p, replies + i, 1, &n,
		    &errors), 0);
	ck_assert_uint_eq(n, 7);
	ck_assert_uint_eq(errors, 2);
	ck_assert_str_eq(redis_proto_last_error(p), "ERR inner");

	/* A new connection forgets a half reply. */
	ck_assert_int_eq(redis_proto_feed(p, ":12", 3, &n, &errors), 0);
	ck_assert_int_eq(redis_proto_reset(p), 0);
	ck_assert_int_eq(redis_proto_feed(p, ":3\r\n", 4, &n, &errors), 0);
	ck_assert_uint_eq(n, 8);

	ck_assert_int_eq(redis_proto_feed(p, "?what\r\n", 7, &n, &errors), -1);
	redis_proto_free(p);
}
END_TEST

/* A datagram consumer on a temporary path, not reading. */
static int
bind_dgram(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return (fd);
}

/* Read every queued datagram; check each is event k\n in order. */
static int
read_events(int fd, int *next)
{
	char buf[1024], want[64];
	ssize_t n;
	int got = 0, k;

	while ((n = recv(fd, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[n] = '\0';
		ck_assert_int_eq(sscanf(buf, "{\"n\":%d}", &k), 1);
		ck_assert_int_ge(k, *next);
		snprintf(want, sizeof(want), "{\"n\":%d,\"pad\":\"", k);
		ck_assert(strncmp(buf, want, strlen(want)) == 0);
		ck_assert_int_eq(buf[n - 1], '\n');
		*next = k + 1;
		got++;
	}
	return (got);
}

static struct sink *
open_unix_flush(const char *dest, size_t buffer, uint32_t close_ms,
    uint32_t flush_ms)
{
	struct eve_options opts;
	struct sink_dest d;
	struct sink *s;
	char err[256];

	eve_options_defaults(&opts);
	opts.buffer_size = buffer;
	opts.close_timeout_ms = close_ms;
	opts.flush_interval_ms = flush_ms;
	ck_assert_int_eq(sink_parse_dest(dest, &opts, &d, err, sizeof(err)), 0);
	s = sink_open(&d, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	return (s);
}

static struct sink *
open_unix(const char *dest, size_t buffer, uint32_t close_ms)
{
	return (open_unix_flush(dest, buffer, close_ms, 500));
}

#define EVENTS	300

/*
 * Never blocks: 300 events of ~400 bytes into a 16 KiB buffer while the
 * consumer does not read; some are dropped and counted, none waited for.
 * Then the consumer goes away (ECONNREFUSED) and a new one binds the
 * same path: the output reconnects and delivers what it held, and every
 * event is accounted for: delivered to the first, to the second, or
 * counted dropped.
 */
START_TEST(test_unix_dgram_drop_reconnect)
{
	char path[] = "/tmp/espvis-test-sink-XXXXXX", sock[64], ev[512];
	const struct sink_counters *c;
	int fd, k, next = 0, first, second, dropped_rc = 0;
	struct sink *s;

	ck_assert_ptr_nonnull(mkdtemp(path));
	snprintf(sock, sizeof(sock), "%s/eve.sock", path);
	fd = bind_dgram(sock);
	snprintf(ev, sizeof(ev), "unix-dgram:%s", sock);
	s = open_unix(ev, 16384, 100);
	for (k = 0; k < EVENTS; k++) {
		snprintf(ev, sizeof(ev), "{\"n\":%d,\"pad\":\"%0380d\"}", k, 0);
		if (sink_write(s, ev, strlen(ev)) == SINK_DROPPED)
			dropped_rc++;
	}
	c = sink_counters(s);
	ck_assert_int_gt(dropped_rc, 0);
	ck_assert_uint_eq(c->dropped, (uint64_t)dropped_rc);
	ck_assert_uint_eq(c->reconnects, 0);

	first = read_events(fd, &next);
	ck_assert_int_gt(first, 0);
	close(fd);
	/* The consumer is gone: the next write finds it out. */
	sink_flush(s);
	fd = bind_dgram(sock);
	second = 0;
	for (k = 0; k < 1000 && sink_flush(s) != 0; k++)
		second += read_events(fd, &next);
	second += read_events(fd, &next);
	ck_assert_uint_eq(c->reconnects, 1);
	ck_assert_int_gt(second, 0);
	ck_assert_int_eq(sink_drain(s), 0);
	ck_assert_uint_eq((uint64_t)(first + second) + c->dropped, EVENTS);
	sink_close(s);
	close(fd);
	unlink(sock);
	rmdir(path);
}
END_TEST

/* No consumer at all: opening is fine, events queue, and giving up at
 * the end (after the close timeout) counts them all as dropped. */
START_TEST(test_unix_absent_consumer)
{
	struct sink *s = open_unix("unix-stream:/nonexistent/espvis.sock",
	    16384, 50);
	const struct sink_counters *c = sink_counters(s);
	int k;

	for (k = 0; k < 5; k++)
		ck_assert_int_eq(sink_write(s, "{}", 2), SINK_OK);
	ck_assert_int_eq(sink_flush(s), -1);
	ck_assert_int_eq(sink_drain(s), -1);
	ck_assert_uint_eq(c->dropped, 5);
	ck_assert_uint_eq(c->reconnects, 0);
	ck_assert_str_eq(sink_last_error(s), "");
	sink_close(s);
	sink_close(NULL);
}
END_TEST

/* A stream consumer listening on path. */
static int
listen_stream(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	return (fd);
}

/* A stream consumer gets newline-terminated events, in order, whole. */
START_TEST(test_unix_stream_lines)
{
	char path[] = "/tmp/espvis-test-sink-XXXXXX", sock[64], dest[80];
	char buf[256];
	struct sink *s;
	ssize_t n;
	size_t got = 0;
	int lfd, cfd;

	ck_assert_ptr_nonnull(mkdtemp(path));
	snprintf(sock, sizeof(sock), "%s/eve.sock", path);
	lfd = listen_stream(sock);
	snprintf(dest, sizeof(dest), "unix-stream:%s", sock);
	s = open_unix(dest, 16384, 1000);
	ck_assert_int_eq(sink_write(s, "{\"a\":1}", 7), SINK_OK);
	ck_assert_int_eq(sink_write(s, "{\"b\":2}", 7), SINK_OK);
	ck_assert_int_eq(sink_flush(s), 0);
	cfd = accept(lfd, NULL, NULL);
	ck_assert_int_ge(cfd, 0);
	sink_close(s);
	while ((n = read(cfd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	ck_assert_str_eq(buf, "{\"a\":1}\n{\"b\":2}\n");
	close(cfd);
	close(lfd);
	unlink(sock);
	rmdir(path);
}
END_TEST

/*
 * One event, far below the batch size, waits in the buffer until the
 * flush interval has passed; then sink_tick() (the pipeline's per-packet
 * hook) sends it, with no new event needed.
 */
START_TEST(test_flush_interval)
{
	char path[] = "/tmp/espvis-test-sink-XXXXXX", sock[64], dest[80];
	char buf[64];
	struct sink *s;
	ssize_t n;
	int lfd, cfd;

	ck_assert_ptr_nonnull(mkdtemp(path));
	snprintf(sock, sizeof(sock), "%s/eve.sock", path);
	lfd = listen_stream(sock);
	snprintf(dest, sizeof(dest), "unix-stream:%s", sock);
	s = open_unix_flush(dest, 16384, 1000, 200);
	cfd = accept(lfd, NULL, NULL);
	ck_assert_int_ge(cfd, 0);

	ck_assert_int_eq(sink_write(s, "{\"t\":1}", 7), SINK_OK);
	sink_tick(s);
	n = recv(cfd, buf, sizeof(buf), MSG_DONTWAIT);
	ck_assert_int_eq(n, -1);
	ck_assert_int_eq(errno, EAGAIN);

	usleep(300 * 1000);
	sink_tick(s);
	n = recv(cfd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	ck_assert_int_eq(n, 8);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "{\"t\":1}\n");

	sink_close(s);
	close(cfd);
	close(lfd);
	unlink(sock);
	rmdir(path);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("sink");
	TCase *tc = tcase_create("dest");
	TCase *tr = tcase_create("redis");
	TCase *tu = tcase_create("unix");

	tcase_add_loop_test(tc, test_parse_good, 0,
	    (int)(sizeof(good_dests) / sizeof(good_dests[0])));
	tcase_add_loop_test(tc, test_parse_bad, 0,
	    (int)(sizeof(bad_dests) / sizeof(bad_dests[0])));
	tcase_add_test(tc, test_parse_options);
	suite_add_tcase(s, tc);
	tcase_add_test(tr, test_redis_frames);
	tcase_add_test(tr, test_redis_replies);
	suite_add_tcase(s, tr);
	tcase_add_test(tu, test_unix_dgram_drop_reconnect);
	tcase_add_test(tu, test_unix_absent_consumer);
	tcase_add_test(tu, test_unix_stream_lines);
	tcase_add_test(tu, test_flush_interval);
	tcase_set_timeout(tu, 20);
	suite_add_tcase(s, tu);
	return (s);
}

UNIT_MAIN
