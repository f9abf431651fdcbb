/*
 * sink_redis.h - the Redis half of the socket output (sink.c): the
 * command each event becomes, and the reading of the server's replies.
 * Only sink.c and the tests include it; only sink_redis.c includes hiredis.
 *
 * Ownership: redis_proto_new() returns a state freed with
 * redis_proto_free() (NULL-safe).
 */
#ifndef ESPVIS_SINK_REDIS_H
#define ESPVIS_SINK_REDIS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "eve.h"

struct redis_proto;

/* NULL when out of memory.  key is copied. */
struct redis_proto *redis_proto_new(enum eve_redis_mode, const char *key,
		    uint64_t stream_maxlen);
void		 redis_proto_free(struct redis_proto *);

#define REDIS_FRAME_PARTS	4	/* iovecs of one framed command */
#define REDIS_LENBUF_SIZE	32	/* the bulk length header: "$N\r\n" */

/*
 * The command that carries one event, as REDIS_FRAME_PARTS iovecs that
 * point into the state, into lenbuf (REDIS_LENBUF_SIZE bytes, the
 * caller's) and at event: LPUSH key event, PUBLISH key event, or
 * XADD key [MAXLEN ~ n] * event <event>.  Returns the number of parts.
 */
size_t		 redis_proto_frame(const struct redis_proto *,
		    const char *event, size_t len, char *lenbuf,
		    struct iovec *parts);

/* A new connection: forget any reply half read on the old one.  0, or
 * -1 when out of memory. */
int		 redis_proto_reset(struct redis_proto *);

/*
 * Parse received bytes: *replies and *errors grow by the complete replies
 * and the error replies among them.  0, or -1 when the bytes are not
 * RESP (the connection is unusable).
 */
int		 redis_proto_feed(struct redis_proto *, const char *buf,
		    size_t len, uint64_t *replies, uint64_t *errors);

/* The text of the last error reply, "" when none yet. */
const char	*redis_proto_last_error(const struct redis_proto *);

#endif /* ESPVIS_SINK_REDIS_H */
