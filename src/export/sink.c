/*
 * sink.c - the destinations of EVE lines (sink.h): their names, stdio for
 * files and standard output, one non-blocking transport for sockets.
 *
 * Sockets.  espvis connects to a consumer that listens, as Suricata's
 * unix_dgram, unix_stream and redis outputs do.  Capture must never wait
 * for that consumer, so an event is copied into a bounded ring (util/
 * ring.h) and the ring is written without blocking (MSG_DONTWAIT), in
 * batches: one sendmmsg() of many datagrams, or one sendmsg() of many
 * records on a stream.  MSG_NOSIGNAL turns a vanished peer into EPIPE
 * rather than a SIGPIPE that would kill espvis.  A full ring refuses the
 * new event and counts it dropped: the oldest events, already waiting,
 * are the ones a consumer catching up wants first.
 *
 * Why not hiredis's own connection: redisConnect() and redisCommand()
 * block until the server answers; the async API needs an event loop
 * (libevent, libev) that espvis does not run, and its output buffer grows
 * without bound while the server is away.  So Redis uses this same
 * transport over TCP, and hiredis only parses the replies (sink_redis.c).
 *
 * When to write: once the ring holds a batch (flush_bytes), once the
 * flush interval has passed since the last write (checked on each event
 * and by sink_tick(), a coarse clock read: no syscall), and on
 * sink_flush().  A consumer that stops reading costs one write attempt
 * per BLOCKED_MS, not one syscall per event.
 *
 * Peers that go away: on EPIPE, ECONNREFUSED, a reset or (Redis) end of
 * file, the socket is closed and a new connection tried on later writes:
 * at once, then BACKOFF_MIN_MS after that attempt began, doubling to
 * BACKOFF_MAX_MS while it keeps failing.  A record cut in the middle of a stream is dropped (the
 * new connection starts at a record boundary), and so are Redis commands
 * sent but not acknowledged: their fate is unknown, so they are counted
 * lost rather than assumed delivered.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../util/ring.h"
#include "sink.h"
#include "sink_redis.h"

#define SINK_BUFFER_MIN		(16u * 1024)	/* two of the largest events */
#define SINK_BUFFER_MAX		(1024u * 1024 * 1024)
#define FLUSH_BYTES_MAX		(64u * 1024)	/* one write's worth */
#define BATCH_RECORDS		64		/* records per syscall */
#define BLOCKED_MS		10
#define BACKOFF_MIN_MS		100
#define BACKOFF_MAX_MS		2000
#define CONNECT_TIMEOUT_MS	3000
#define DRAIN_POLL_MS		50
#define REDIS_DEFAULT_PORT	"6379"
#define REDIS_DEFAULT_KEY	"espvis"
#define MAX_ADDRS		4		/* tried in turn after a failure */

enum conn_state {
	CONN_DOWN,
	CONN_CONNECTING,	/* TCP connect() in progress */
	CONN_UP,
};

struct sink {
	struct sink_dest	 dest;
	FILE			*out;		/* stdout and files */

	/* sockets */
	struct sockaddr_storage	 addrs[MAX_ADDRS];
	socklen_t		 addrlens[MAX_ADDRS];
	size_t			 n_addrs;
	size_t			 cur_addr;
	int			 socktype;
	int			 fd;		/* -1 unless CONNECTING or UP */
	enum conn_state		 state;
	bool			 had_conn;	/* the next one is a reconnect */
	struct ring		*ring;
	size_t			 head_sent;	/* stream: bytes of the oldest
						 * record already written */
	size_t			 flush_bytes;
	uint64_t		 flush_due_ms;
	uint64_t		 blocked_until_ms;	/* after EAGAIN */
	uint64_t		 attempt_ms;	/* when the last one began */
	uint64_t		 retry_ms;	/* next connection attempt */
	uint64_t		 connect_deadline_ms;
	uint32_t		 backoff_ms;
	struct redis_proto	*redis;
	uint64_t		 unacked;	/* Redis commands sent, no reply */

	struct sink_counters	 counters;
};

/* A coarse clock (vDSO, no syscall): millisecond decisions only. */
static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static bool
is_socket(const struct sink *s)
{
	return (s->out == NULL);
}

/* --- destination names --- */

static bool
has_prefix(const char *s, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);

	if (strncmp(s, prefix, n) != 0)
		return (false);
	*rest = s + n;
	return (true);
}

static int
parse_unix(const char *dest, const char *path, enum sink_kind kind,
    struct sink_dest *d, char *err, size_t errlen)
{
	struct sockaddr_un sun;

	if (*path == '\0') {
		snprintf(err, errlen, "%s: no socket path after the colon",
		    dest);
		return (-1);
	}
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: socket path longer than %zu bytes",
		    dest, sizeof(sun.sun_path) - 1);
		return (-1);
	}
	d->kind = kind;
	snprintf(d->path, sizeof(d->path), "%s", path);
	return (0);
}

/* A decimal without sign or junk, at most max. */
static int
parse_uint(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 20)
		return (-1);
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return (-1);
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return (-1);
	*out = v;
	return (0);
}

/* Bytes, with an optional k or m suffix (KiB, MiB). */
static int
parse_size(const char *s, size_t len, uint64_t *out)
{
	uint64_t mult = 1;

	if (len > 0 && (s[len - 1] == 'k' || s[len - 1] == 'K'))
		mult = 1024;
	else if (len > 0 && (s[len - 1] == 'm' || s[len - 1] == 'M'))
		mult = 1024 * 1024;
	if (mult != 1)
		len--;
	if (parse_uint(s, len, SINK_BUFFER_MAX, out) != 0 ||
	    *out > SINK_BUFFER_MAX / mult)
		return (-1);
	*out *= mult;
	return (0);
}

static int
parse_redis_option(const char *dest, const char *opt, size_t len,
    struct sink_dest *d, bool *maxlen_given, char *err, size_t errlen)
{
	const char *eq = memchr(opt, '=', len);
	size_t nlen, vlen;
	const char *val;
	uint64_t v;

	if (eq == NULL) {
		snprintf(err, errlen, "%s: option '%.*s' has no '=value'",
		    dest, (int)len, opt);
		return (-1);
	}
	nlen = (size_t)(eq - opt);
	val = eq + 1;
	vlen = len - nlen - 1;
	if (nlen == 4 && strncmp(opt, "mode", 4) == 0) {
		if (vlen == 4 && strncmp(val, "list", 4) == 0)
			d->redis_mode = EVE_REDIS_LIST;
		else if (vlen == 7 && strncmp(val, "channel", 7) == 0)
			d->redis_mode = EVE_REDIS_CHANNEL;
		else if (vlen == 6 && strncmp(val, "stream", 6) == 0)
			d->redis_mode = EVE_REDIS_STREAM;
		else {
			snprintf(err, errlen, "%s: mode '%.*s': expected list, "
			    "channel or stream", dest, (int)vlen, val);
			return (-1);
		}
	} else if (nlen == 6 && strncmp(opt, "maxlen", 6) == 0) {
		if (parse_uint(val, vlen, UINT64_MAX, &v) != 0) {
			snprintf(err, errlen, "%s: maxlen '%.*s': expected an "
			    "integer (0: no trimming)", dest, (int)vlen, val);
			return (-1);
		}
		d->redis_maxlen = v;
		*maxlen_given = true;
	} else if (nlen == 6 && strncmp(opt, "buffer", 6) == 0) {
		if (parse_size(val, vlen, &v) != 0) {
			snprintf(err, errlen, "%s: buffer '%.*s': expected bytes "
			    "(k and m suffixes allowed)", dest, (int)vlen, val);
			return (-1);
		}
		d->buffer_size = (size_t)v;
	} else {
		snprintf(err, errlen, "%s: unknown option '%.*s' (expected "
		    "mode, maxlen or buffer)", dest, (int)nlen, opt);
		return (-1);
	}
	return (0);
}

/* redis://HOST[:PORT][/KEY][?OPT=VAL&...]; HOST may be [IPv6]. */
static int
parse_redis(const char *dest, const char *p, struct sink_dest *d, char *err,
    size_t errlen)
{
	const char *host, *port = NULL, *end, *key, *q;
	size_t hostlen, portlen = 0, keylen, optlen;
	bool maxlen_given = false;
	uint64_t v;

	d->kind = SINK_REDIS;
	end = p + strcspn(p, "/?");
	if (*p == '[') {
		host = p + 1;
		if ((q = memchr(host, ']', (size_t)(end - host))) == NULL) {
			snprintf(err, errlen, "%s: '[' without ']'", dest);
			return (-1);
		}
		hostlen = (size_t)(q - host);
		q++;
	} else {
		host = p;
		q = memchr(p, ':', (size_t)(end - p));
		hostlen = (size_t)((q != NULL ? q : end) - host);
		if (q == NULL)
			q = end;
	}
	if (q < end) {
		if (*q != ':' || memchr(q + 1, ':', (size_t)(end - q - 1))) {
			snprintf(err, errlen, "%s: expected HOST:PORT (an IPv6 "
			    "address goes in brackets: [::1]:6379)", dest);
			return (-1);
		}
		port = q + 1;
		portlen = (size_t)(end - port);
	}
	if (hostlen == 0) {
		snprintf(err, errlen, "%s: no host (expected "
		    "redis://HOST[:PORT][/KEY])", dest);
		return (-1);
	}
	if (hostlen >= sizeof(d->host)) {
		snprintf(err, errlen, "%s: host name too long", dest);
		return (-1);
	}
	memcpy(d->host, host, hostlen);
	d->host[hostlen] = '\0';
	if (port == NULL)
		snprintf(d->port, sizeof(d->port), "%s", REDIS_DEFAULT_PORT);
	else if (parse_uint(port, portlen, 65535, &v) != 0 || v == 0) {
		snprintf(err, errlen, "%s: port '%.*s': expected 1..65535",
		    dest, (int)portlen, port);
		return (-1);
	} else
		snprintf(d->port, sizeof(d->port), "%u", (unsigned)v);

	key = end;
	if (*key == '/')
		key++;
	keylen = strcspn(key, "?");
	if (keylen >= sizeof(d->key)) {
		snprintf(err, errlen, "%s: key longer than %zu bytes", dest,
		    sizeof(d->key) - 1);
		return (-1);
	}
	if (keylen == 0)
		snprintf(d->key, sizeof(d->key), "%s", REDIS_DEFAULT_KEY);
	else {
		memcpy(d->key, key, keylen);
		d->key[keylen] = '\0';
	}

	q = key + keylen;
	if (*q == '?') {
		q++;
		do {
			optlen = strcspn(q, "&");
			if (parse_redis_option(dest, q, optlen, d,
			    &maxlen_given, err, errlen) != 0)
				return (-1);
			q += optlen;
		} while (*q++ == '&');
	}
	if (maxlen_given && d->redis_mode != EVE_REDIS_STREAM) {
		snprintf(err, errlen, "%s: maxlen applies to mode=stream only",
		    dest);
		return (-1);
	}
	return (0);
}

int
sink_parse_dest(const char *dest, const struct eve_options *opts,
    struct sink_dest *d, char *err, size_t errlen)
{
	const char *rest;
	int rc;

	memset(d, 0, sizeof(*d));
	d->redis_mode = opts->redis_mode;
	d->redis_maxlen = opts->redis_stream_maxlen;
	d->buffer_size = opts->buffer_size;
	d->flush_ms = opts->flush_interval_ms;
	d->close_timeout_ms = opts->close_timeout_ms;

	if (*dest == '\0') {
		snprintf(err, errlen, "empty destination (expected -, a file, "
		    "unix:PATH or redis://HOST:PORT/KEY)");
		return (-1);
	}
	if (strcmp(dest, "-") == 0) {
		d->kind = SINK_STDOUT;
		return (0);
	}
	/* Plain unix: is datagrams, as Suricata's usual unix_dgram: each
	 * event arrives whole, and a restarting consumer loses no halves. */
	if (has_prefix(dest, "unix:", &rest))
		rc = parse_unix(dest, rest, SINK_UNIX_DGRAM, d, err, errlen);
	else if (has_prefix(dest, "unix-dgram:", &rest))
		rc = parse_unix(dest, rest, SINK_UNIX_DGRAM, d, err, errlen);
	else if (has_prefix(dest, "unix-stream:", &rest))
		rc = parse_unix(dest, rest, SINK_UNIX_STREAM, d, err, errlen);
	else if (has_prefix(dest, "unix-", &rest) && strchr(rest, ':')) {
		snprintf(err, errlen, "%s: unknown socket type (expected "
		    "unix:, unix-dgram: or unix-stream:)", dest);
		return (-1);
	} else if (has_prefix(dest, "redis://", &rest))
		rc = parse_redis(dest, rest, d, err, errlen);
	else if (has_prefix(dest, "redis:", &rest)) {
		snprintf(err, errlen, "%s: expected redis://HOST[:PORT][/KEY]",
		    dest);
		return (-1);
	} else {
		if (strlen(dest) >= sizeof(d->path)) {
			snprintf(err, errlen, "%s: path too long", dest);
			return (-1);
		}
		d->kind = SINK_FILE;
		snprintf(d->path, sizeof(d->path), "%s", dest);
		return (0);
	}
	if (rc != 0)
		return (rc);
	if (d->buffer_size < SINK_BUFFER_MIN ||
	    d->buffer_size > SINK_BUFFER_MAX) {
		snprintf(err, errlen, "%s: buffer of %zu bytes: expected %u to "
		    "%u", dest, d->buffer_size, SINK_BUFFER_MIN,
		    SINK_BUFFER_MAX);
		return (-1);
	}
	return (0);
}

/* --- connections --- */

static void
conn_close(struct sink *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->state = CONN_DOWN;
}

/* The next attempt waits the backoff from when this one began: a
 * failure noticed late (nothing was written for a while) allows an
 * immediate retry. */
static void
conn_failed(struct sink *s)
{
	conn_close(s);
	s->retry_ms = s->attempt_ms + s->backoff_ms;
	s->backoff_ms = s->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
	    s->backoff_ms * 2;
	s->cur_addr = (s->cur_addr + 1) % s->n_addrs;
}

static int
conn_up(struct sink *s)
{
	int one = 1;

	s->state = CONN_UP;
	s->backoff_ms = BACKOFF_MIN_MS;
	s->blocked_until_ms = 0;
	if (s->had_conn)
		s->counters.reconnects++;
	s->had_conn = true;
	if (s->dest.kind == SINK_REDIS) {
		/* We batch ourselves: Nagle would only hold the tail back. */
		setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		s->unacked = 0;
		if (redis_proto_reset(s->redis) != 0) {
			conn_failed(s);
			return (-1);
		}
	}
	return (0);
}

/*
 * The connection died: a record half written on a stream is dropped (the
 * next connection starts on a record boundary), and so are Redis commands
 * the server never acknowledged.  The first retry is immediate: a consumer
 * that restarted is often back already.
 */
static void
conn_lost(struct sink *s, uint64_t now)
{
	conn_close(s);
	if (s->head_sent > 0) {
		ring_pop(s->ring, 1);
		s->counters.dropped++;
		s->head_sent = 0;
	}
	s->counters.dropped += s->unacked;
	s->unacked = 0;
	s->retry_ms = now;
	s->backoff_ms = BACKOFF_MIN_MS;
}

/* Has a non-blocking connect() finished?  1 yes, 0 not yet, -1 failed. */
static int
connect_done(struct sink *s)
{
	struct pollfd pfd;
	socklen_t len;
	int soerr;

	pfd.fd = s->fd;
	pfd.events = POLLOUT;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) == 0)
		return (0);
	len = sizeof(soerr);
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 ||
	    soerr != 0)
		return (-1);
	return (1);
}

/*
 * Make progress towards CONN_UP without waiting; 0 once up.  A connection
 * in progress is looked at again after BLOCKED_MS, not on every event.
 */
static int
conn_step(struct sink *s, uint64_t now)
{
	int done;

	if (s->state == CONN_CONNECTING) {
		if ((done = connect_done(s)) > 0)
			return (conn_up(s));
		if (done == 0 && now < s->connect_deadline_ms) {
			s->blocked_until_ms = now + BLOCKED_MS;
			return (-1);
		}
		conn_failed(s);
	}
	if (now < s->retry_ms)
		return (-1);
	s->attempt_ms = now;
	s->fd = socket(s->addrs[s->cur_addr].ss_family,
	    s->socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		conn_failed(s);
		return (-1);
	}
	if (connect(s->fd, (struct sockaddr *)&s->addrs[s->cur_addr],
	    s->addrlens[s->cur_addr]) == 0)
		return (conn_up(s));
	if (errno != EINPROGRESS) {
		/* ENOENT, ECONNREFUSED, EAGAIN from a full Unix backlog. */
		conn_failed(s);
		return (-1);
	}
	/* Over loopback the handshake is over by now: look once. */
	s->state = CONN_CONNECTING;
	s->connect_deadline_ms = now + CONNECT_TIMEOUT_MS;
	if ((done = connect_done(s)) > 0)
		return (conn_up(s));
	if (done < 0)
		conn_failed(s);
	else
		s->blocked_until_ms = now + BLOCKED_MS;
	return (-1);
}

/* --- writing --- */

static bool
is_transient(int err)
{
	return (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS);
}

/* Datagrams: one record each, many per sendmmsg(). */
static void
send_dgrams(struct sink *s, uint64_t now)
{
	struct iovec iov[BATCH_RECORDS];
	struct mmsghdr msgs[BATCH_RECORDS];
	size_t n, i;
	int sent;

	while ((n = ring_peek(s->ring, iov, BATCH_RECORDS)) > 0) {
		memset(msgs, 0, n * sizeof(msgs[0]));
		for (i = 0; i < n; i++) {
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		sent = sendmmsg(s->fd, msgs, (unsigned int)n,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (sent > 0) {
			ring_pop(s->ring, (size_t)sent);
			continue;
		}
		if (sent < 0 && errno == EINTR)
			continue;
		if (sent < 0 && errno == EMSGSIZE) {
			/* Larger than the socket allows: never will fit. */
			ring_pop(s->ring, 1);
			s->counters.write_errors++;
			continue;
		}
		if (sent == 0 || is_transient(errno))
			s->blocked_until_ms = now + BLOCKED_MS;
		else
			conn_lost(s, now);
		return;
	}
}

/* A stream: the records as one gather write, resumed mid-record. */
static void
send_stream(struct sink *s, uint64_t now)
{
	struct iovec iov[BATCH_RECORDS];
	struct msghdr msg;
	size_t n, i, total, rest;
	ssize_t w;

	while ((n = ring_peek(s->ring, iov, BATCH_RECORDS)) > 0) {
		iov[0].iov_base = (uint8_t *)iov[0].iov_base + s->head_sent;
		iov[0].iov_len -= s->head_sent;
		for (total = 0, i = 0; i < n; i++)
			total += iov[i].iov_len;
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = iov;
		msg.msg_iovlen = n;
		w = sendmsg(s->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (is_transient(errno))
				s->blocked_until_ms = now + BLOCKED_MS;
			else
				conn_lost(s, now);
			return;
		}
		/* Pop the records written whole; note how far into the next. */
		rest = (size_t)w;
		for (i = 0; i < n && rest >= iov[i].iov_len; i++)
			rest -= iov[i].iov_len;
		ring_pop(s->ring, i);
		if (s->dest.kind == SINK_REDIS)
			s->unacked += i;
		s->head_sent = (i == 0 ? s->head_sent : 0) + rest;
		if ((size_t)w < total) {
			s->blocked_until_ms = now + BLOCKED_MS;
			return;
		}
	}
}

/* Read and discard Redis replies, counting acknowledgements and errors;
 * -1 when the connection is gone. */
static int
read_replies(struct sink *s, uint64_t now)
{
	char buf[16384];
	uint64_t replies;
	ssize_t r;

	for (;;) {
		r = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r > 0) {
			replies = 0;
			if (redis_proto_feed(s->redis, buf, (size_t)r, &replies,
			    &s->counters.redis_errors) != 0) {
				conn_lost(s, now);
				return (-1);
			}
			s->unacked -= replies < s->unacked ? replies :
			    s->unacked;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && is_transient(errno))
			return (0);
		conn_lost(s, now);
		return (-1);
	}
}

/* forced: write even within BLOCKED_MS of a full socket. */
static void
socket_flush(struct sink *s, bool forced)
{
	uint64_t now = now_ms();

	s->flush_due_ms = now + s->dest.flush_ms;
	/* Up but full, or still connecting: look again in BLOCKED_MS. */
	if (s->state != CONN_DOWN && !forced && now < s->blocked_until_ms)
		return;
	if (s->state != CONN_UP && conn_step(s, now) != 0)
		return;
	/* Replies first: a closed server shows as end of file here,
	 * before anything more is written into the void. */
	if (s->redis != NULL && read_replies(s, now) != 0)
		return;
	if (ring_records(s->ring) == 0)
		return;
	if (s->dest.kind == SINK_UNIX_DGRAM)
		send_dgrams(s, now);
	else
		send_stream(s, now);
}

/* --- the interface --- */

static int
resolve_redis(struct sink *s, char *err, size_t errlen)
{
	struct addrinfo hints, *res, *ai;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(s->dest.host, s->dest.port, &hints, &res)) !=
	    0) {
		snprintf(err, errlen, "redis %s:%s: %s", s->dest.host,
		    s->dest.port, gai_strerror(rc));
		return (-1);
	}
	for (ai = res; ai != NULL && s->n_addrs < MAX_ADDRS; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof(s->addrs[0]))
			continue;
		memcpy(&s->addrs[s->n_addrs], ai->ai_addr, ai->ai_addrlen);
		s->addrlens[s->n_addrs++] = ai->ai_addrlen;
	}
	freeaddrinfo(res);
	if (s->n_addrs == 0) {
		snprintf(err, errlen, "redis %s:%s: no usable address",
		    s->dest.host, s->dest.port);
		return (-1);
	}
	return (0);
}

static int
set_unix_addr(struct sink *s, char *err, size_t errlen)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&s->addrs[0];
	size_t len = strlen(s->dest.path);

	/* sink_parse_dest() checked it; a caller's own sink_dest may not. */
	if (len >= sizeof(sun->sun_path)) {
		snprintf(err, errlen, "%s: socket path too long", s->dest.path);
		return (-1);
	}
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, s->dest.path, len + 1);
	s->addrlens[0] = sizeof(*sun);
	s->n_addrs = 1;
	return (0);
}

static struct sink *
open_socket(struct sink *s, char *err, size_t errlen)
{
	if (s->dest.kind == SINK_REDIS) {
		s->socktype = SOCK_STREAM;
		if (resolve_redis(s, err, errlen) != 0)
			goto fail;
		if ((s->redis = redis_proto_new(s->dest.redis_mode,
		    s->dest.key, s->dest.redis_maxlen)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	} else {
		s->socktype = s->dest.kind == SINK_UNIX_DGRAM ? SOCK_DGRAM :
		    SOCK_STREAM;
		if (set_unix_addr(s, err, errlen) != 0)
			goto fail;
	}
	if ((s->ring = ring_new(s->dest.buffer_size)) == NULL) {
		snprintf(err, errlen, "cannot allocate a buffer of %zu bytes",
		    s->dest.buffer_size);
		goto fail;
	}
	s->flush_bytes = ring_size(s->ring) / 4 < FLUSH_BYTES_MAX ?
	    ring_size(s->ring) / 4 : FLUSH_BYTES_MAX;
	s->backoff_ms = BACKOFF_MIN_MS;
	s->flush_due_ms = now_ms() + s->dest.flush_ms;
	/* One try now; a consumer not listening yet is tried again later. */
	conn_step(s, now_ms());
	return (s);
fail:
	sink_close(s);
	return (NULL);
}

struct sink *
sink_open(const struct sink_dest *d, char *err, size_t errlen)
{
	struct sink *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	s->dest = *d;
	s->fd = -1;
	switch (d->kind) {
	case SINK_STDOUT:
		s->out = stdout;
		return (s);
	case SINK_FILE:
		if ((s->out = fopen(d->path, "a")) == NULL) {
			snprintf(err, errlen, "%s: %s", d->path,
			    strerror(errno));
			free(s);
			return (NULL);
		}
		s->flush_due_ms = now_ms() + d->flush_ms;
		return (s);
	case SINK_UNIX_DGRAM:
	case SINK_UNIX_STREAM:
	case SINK_REDIS:
		break;
	}
	return (open_socket(s, err, errlen));
}

void
sink_close(struct sink *s)
{
	if (s == NULL)
		return;
	if (s->dest.kind == SINK_FILE && s->out != NULL)
		fclose(s->out);
	else if (s->out != NULL)
		fflush(s->out);
	else if (s->ring != NULL)
		sink_drain(s);
	conn_close(s);
	ring_free(s->ring);
	redis_proto_free(s->redis);
	free(s);
}

enum sink_result
sink_write(struct sink *s, const char *event, size_t len)
{
	struct iovec parts[REDIS_FRAME_PARTS];
	char lenbuf[REDIS_LENBUF_SIZE];
	enum sink_result rc = SINK_OK;
	size_t nparts;
	uint64_t now;

	if (!is_socket(s)) {
		if (fwrite(event, 1, len, s->out) != len ||
		    putc('\n', s->out) == EOF) {
			s->counters.write_errors++;
			return (SINK_FAILED);
		}
		/* Standard output keeps the stdio buffering it always had. */
		if (s->dest.kind == SINK_FILE && now_ms() >= s->flush_due_ms)
			sink_flush(s);
		return (SINK_OK);
	}
	if (s->redis != NULL)
		nparts = redis_proto_frame(s->redis, event, len, lenbuf, parts);
	else {
		parts[0] = ring_part(event, len);
		parts[1] = ring_part("\n", 1);
		nparts = 2;
	}
	if (ring_put(s->ring, parts, nparts) != 0) {
		s->counters.dropped++;
		rc = SINK_DROPPED;
	}
	now = now_ms();
	if (ring_bytes(s->ring) >= s->flush_bytes || now >= s->flush_due_ms)
		socket_flush(s, false);
	return (rc);
}

int
sink_flush(struct sink *s)
{
	if (!is_socket(s)) {
		s->flush_due_ms = now_ms() + s->dest.flush_ms;
		return (fflush(s->out) == 0 ? 0 : -1);
	}
	socket_flush(s, true);
	return (ring_records(s->ring) == 0 ? 0 : -1);
}

void
sink_tick(struct sink *s)
{
	if (s->dest.kind == SINK_STDOUT || now_ms() < s->flush_due_ms)
		return;
	if (!is_socket(s))
		sink_flush(s);
	else if (ring_records(s->ring) > 0 || s->state != CONN_UP)
		socket_flush(s, false);
	else
		s->flush_due_ms = now_ms() + s->dest.flush_ms;
}

/* Sleep until the socket can move, the next retry, or the deadline. */
static void
drain_wait(struct sink *s, uint64_t now, uint64_t deadline)
{
	struct pollfd pfd;
	struct timespec ts;
	uint64_t wait = deadline - now;

	if (wait > DRAIN_POLL_MS)
		wait = DRAIN_POLL_MS;
	if (s->fd >= 0) {
		pfd.fd = s->fd;
		pfd.events = 0;
		if (s->state == CONN_CONNECTING || ring_records(s->ring) > 0)
			pfd.events |= POLLOUT;
		if (s->redis != NULL && s->state == CONN_UP)
			pfd.events |= POLLIN;
		pfd.revents = 0;
		poll(&pfd, 1, (int)wait);
		return;
	}
	if (s->retry_ms > now && s->retry_ms - now < wait)
		wait = s->retry_ms - now;
	ts.tv_sec = (time_t)(wait / 1000);
	ts.tv_nsec = (long)(wait % 1000) * 1000000;
	nanosleep(&ts, NULL);
}

int
sink_drain(struct sink *s)
{
	uint64_t now, deadline, dropped_before = s->counters.dropped;
	size_t left;

	if (!is_socket(s))
		return (fflush(s->out) == 0 ? 0 : -1);
	now = now_ms();
	deadline = now + s->dest.close_timeout_ms;
	for (;;) {
		socket_flush(s, true);
		if (ring_records(s->ring) == 0 &&
		    (s->unacked == 0 || s->state != CONN_UP))
			break;
		if ((now = now_ms()) >= deadline)
			break;
		drain_wait(s, now, deadline);
	}
	/* Given up: what is still queued is lost (a half-written record
	 * included: it is still in the ring). */
	left = ring_clear(s->ring);
	s->counters.dropped += left;
	s->head_sent = 0;
	return (s->counters.dropped == dropped_before && s->unacked == 0 ?
	    0 : -1);
}

const struct sink_counters *
sink_counters(const struct sink *s)
{
	return (&s->counters);
}

const char *
sink_last_error(const struct sink *s)
{
	return (s->redis != NULL ? redis_proto_last_error(s->redis) : "");
}
