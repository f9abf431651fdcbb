/*
 * sink_redis.c - Redis commands for events, and their replies.
 *
 * Commands are written in RESP by hand: the shape never changes (a fixed
 * prefix naming the command and key, then the event as the last bulk
 * string), so it is built once and each event costs one small length
 * header, framed straight into the socket ring with no allocation.
 * Formatting through redisFormatCommandArgv() would malloc a copy of
 * every event; the unit test checks our bytes against it instead.
 *
 * Replies go through hiredis's reader, which handles replies split across
 * reads.  Nobody needs their values, only their count (to know which
 * commands the server acknowledged) and the errors (a WRONGTYPE key, a
 * server out of memory), so the reader gets object functions that build
 * nothing: a placeholder per reply and a copy of the last error text.
 * Replies are read by every flush, so the server's output buffer for us
 * never grows (hiredis 0.14, Debian 12's libhiredis-dev).
 */
#include <hiredis/read.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/ring.h"
#include "sink_redis.h"

struct redis_proto {
	redisReader	*reader;
	char		*prefix;	/* the command up to the event's bulk */
	size_t		 prefix_len;
	uint64_t	 new_errors;	/* error replies since the last feed */
	char		 last_error[128];
};

/* Every reply object is this: its value is never looked at. */
static char reply_placeholder;

static void *
reply_string(const redisReadTask *task, char *str, size_t len)
{
	struct redis_proto *p = task->privdata;

	if (task->type == REDIS_REPLY_ERROR && p != NULL) {
		p->new_errors++;
		if (len >= sizeof(p->last_error))
			len = sizeof(p->last_error) - 1;
		memcpy(p->last_error, str, len);
		p->last_error[len] = '\0';
	}
	return (&reply_placeholder);
}

static void *
reply_array(const redisReadTask *task, int elements)
{
	(void)task;
	(void)elements;
	return (&reply_placeholder);
}

static void *
reply_integer(const redisReadTask *task, long long value)
{
	(void)task;
	(void)value;
	return (&reply_placeholder);
}

static void *
reply_nil(const redisReadTask *task)
{
	(void)task;
	return (&reply_placeholder);
}

static void
reply_free(void *reply)
{
	(void)reply;
}

static redisReplyObjectFunctions reply_functions = {
	reply_string, reply_array, reply_integer, reply_nil, reply_free,
};

/* Append the RESP bulk string "$len\r\nstr\r\n". */
static size_t
put_bulk(char *out, const char *str, size_t len)
{
	int n = sprintf(out, "$%zu\r\n", len);

	memcpy(out + n, str, len);
	memcpy(out + n + len, "\r\n", 2);
	return ((size_t)n + len + 2);
}

static size_t
put_word(char *out, const char *word)
{
	return (put_bulk(out, word, strlen(word)));
}

struct redis_proto *
redis_proto_new(enum eve_redis_mode mode, const char *key,
    uint64_t stream_maxlen)
{
	struct redis_proto *p;
	char maxlen[24];
	size_t keylen = strlen(key), off;
	int args;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (NULL);
	/* The fixed words and lengths need < 128 bytes; the key is once. */
	if ((p->prefix = malloc(keylen + 128)) == NULL ||
	    redis_proto_reset(p) != 0) {
		redis_proto_free(p);
		return (NULL);
	}
	switch (mode) {
	case EVE_REDIS_CHANNEL:
		off = (size_t)sprintf(p->prefix, "*3\r\n");
		off += put_word(p->prefix + off, "PUBLISH");
		off += put_bulk(p->prefix + off, key, keylen);
		break;
	case EVE_REDIS_STREAM:
		/* XADD key [MAXLEN ~ n] * event <json>: "~" lets Redis trim
		 * whole nodes, far cheaper than an exact cap. */
		args = stream_maxlen > 0 ? 8 : 5;
		off = (size_t)sprintf(p->prefix, "*%d\r\n", args);
		off += put_word(p->prefix + off, "XADD");
		off += put_bulk(p->prefix + off, key, keylen);
		if (stream_maxlen > 0) {
			snprintf(maxlen, sizeof(maxlen), "%llu",
			    (unsigned long long)stream_maxlen);
			off += put_word(p->prefix + off, "MAXLEN");
			off += put_word(p->prefix + off, "~");
			off += put_word(p->prefix + off, maxlen);
		}
		off += put_word(p->prefix + off, "*");
		off += put_word(p->prefix + off, "event");
		break;
	case EVE_REDIS_LIST:
	default:
		off = (size_t)sprintf(p->prefix, "*3\r\n");
		off += put_word(p->prefix + off, "LPUSH");
		off += put_bulk(p->prefix + off, key, keylen);
		break;
	}
	p->prefix_len = off;
	return (p);
}

void
redis_proto_free(struct redis_proto *p)
{
	if (p == NULL)
		return;
	if (p->reader != NULL)
		redisReaderFree(p->reader);
	free(p->prefix);
	free(p);
}

size_t
redis_proto_frame(const struct redis_proto *p, const char *event, size_t len,
    char *lenbuf, struct iovec *parts)
{
	int n = snprintf(lenbuf, REDIS_LENBUF_SIZE, "$%zu\r\n", len);

	parts[0] = ring_part(p->prefix, p->prefix_len);
	parts[1] = ring_part(lenbuf, (size_t)n);
	parts[2] = ring_part(event, len);
	parts[3] = ring_part("\r\n", 2);
	return (REDIS_FRAME_PARTS);
}

int
redis_proto_reset(struct redis_proto *p)
{
	if (p->reader != NULL)
		redisReaderFree(p->reader);
	if ((p->reader = redisReaderCreateWithFunctions(&reply_functions)) ==
	    NULL)
		return (-1);
	/* Not redisReaderSetPrivdata(): its (int) cast of a pointer warns. */
	p->reader->privdata = p;
	return (0);
}

int
redis_proto_feed(struct redis_proto *p, const char *buf, size_t len,
    uint64_t *replies, uint64_t *errors)
{
	void *reply;
	int rc = 0;

	p->new_errors = 0;
	if (redisReaderFeed(p->reader, buf, len) != REDIS_OK)
		rc = -1;
	while (rc == 0) {
		if (redisReaderGetReply(p->reader, &reply) != REDIS_OK)
			rc = -1;
		else if (reply == NULL)
			break;
		else
			(*replies)++;
	}
	*errors += p->new_errors;
	return (rc);
}

const char *
redis_proto_last_error(const struct redis_proto *p)
{
	return (p->last_error);
}
