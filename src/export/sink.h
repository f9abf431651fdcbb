/*
 * sink.h - where EVE lines go: standard output, a file, a Unix socket
 * (datagram or stream) that a consumer listens on, or a Redis server
 * (list, channel or stream).  docs/eve.md "Outputs" is the user's view.
 *
 * Standard output and files are written through stdio, as they always
 * were.  Sockets never make the caller wait: events are queued in a
 * bounded ring and written in batches without blocking; when the ring is
 * full, new events are dropped and counted; a lost peer is reconnected
 * with backoff.  Nothing here prints: errors are returned or counted.
 *
 * Ownership: sink_open() returns a sink that sink_close() (NULL-safe)
 * drains for at most the destination's close timeout and frees.
 */
#ifndef ESPVIS_SINK_H
#define ESPVIS_SINK_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "eve.h"

enum sink_kind {
	SINK_STDOUT,
	SINK_FILE,
	SINK_UNIX_DGRAM,
	SINK_UNIX_STREAM,
	SINK_REDIS,
};

#define SINK_HOST_MAX	256
#define SINK_PORT_MAX	6		/* "65535" */
#define SINK_KEY_MAX	256

/* A parsed --eve DEST with the options that apply to it resolved. */
struct sink_dest {
	enum sink_kind		 kind;
	char			 path[PATH_MAX];	/* file or socket */
	char			 host[SINK_HOST_MAX];	/* redis: name or address */
	char			 port[SINK_PORT_MAX];	/* redis: decimal */
	char			 key[SINK_KEY_MAX];	/* redis: list, channel, stream */
	enum eve_redis_mode	 redis_mode;
	uint64_t		 redis_maxlen;		/* stream: 0 = no trimming */
	size_t			 buffer_size;		/* sockets: ring bytes */
	uint32_t		 flush_ms;
	uint32_t		 close_timeout_ms;
};

/*
 * dest: "-", "unix:PATH" (datagram), "unix-dgram:PATH", "unix-stream:PATH",
 * "redis://HOST[:PORT][/KEY][?mode=list|channel|stream&maxlen=N&buffer=N]",
 * anything else a file path.  opts gives the defaults (the query string
 * overrides them).  0, or -1 with a message naming the fault in err.
 */
int		 sink_parse_dest(const char *dest, const struct eve_options *opts,
		    struct sink_dest *out, char *err, size_t errlen);

/* Opens a file (appending) or resolves a Redis host; a socket peer that
 * is not there yet is not an error: it is tried again with backoff. */
struct sink	*sink_open(const struct sink_dest *, char *err, size_t errlen);
void		 sink_close(struct sink *);

/* What became of one event handed to sink_write(). */
enum sink_result {
	SINK_FAILED = -1,	/* a file write failed: a write error */
	SINK_OK = 0,		/* written, or queued for the socket */
	SINK_DROPPED = 1,	/* the socket ring was full: dropped */
};

/* Hand over one event: its JSON, without a newline (each destination
 * frames it: a line, a datagram, a Redis command). */
enum sink_result sink_write(struct sink *, const char *event, size_t len);

/* Write what is queued as far as the peer takes it now; never waits. */
int		 sink_flush(struct sink *);

/* Flush when the flush interval has passed since the last one; cheap
 * enough (a coarse clock read) to call for every packet. */
void		 sink_tick(struct sink *);

/*
 * Try to deliver everything queued, waiting at most the close timeout,
 * then discard what is left (counted as dropped).  0 when all was
 * delivered (for Redis: acknowledged), -1 otherwise.
 */
int		 sink_drain(struct sink *);

struct sink_counters {
	uint64_t	dropped;	/* lost: full ring, lost peer, at close */
	uint64_t	write_errors;	/* file write failures, oversized */
	uint64_t	reconnects;	/* connections made after one was lost */
	uint64_t	redis_errors;	/* error replies from Redis */
};

/* Borrowed; valid until sink_close(). */
const struct sink_counters *sink_counters(const struct sink *);
/* The last Redis error reply, "" when none; borrowed like the counters. */
const char	*sink_last_error(const struct sink *);

#endif /* ESPVIS_SINK_H */
