/*
 * json.c - streaming JSON writer (see json.h).
 *
 * Strings are escaped per RFC 8259 section 7: quote, backslash and every
 * control character; bytes >= 0x80 pass through (our strings are names
 * and addresses we produced, or rule text from UTF-8 YAML).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "json.h"

void
json_init(struct json *j, char *buf, size_t cap)
{
	memset(j, 0, sizeof(*j));
	j->buf = buf;
	j->cap = cap;
	if (cap > 0)
		buf[0] = '\0';
	else
		j->overflow = true;
}

static void
put(struct json *j, const char *s, size_t n)
{
	if (j->overflow)
		return;
	if (n >= j->cap - j->len) {
		j->overflow = true;
		return;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void
put_escaped(struct json *j, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };

	put(j, "\"", 1);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			put(j, "\\", 1);
			put(j, (const char *)p, 1);
		} else if (*p == '\n')
			put(j, "\\n", 2);
		else if (*p == '\t')
			put(j, "\\t", 2);
		else if (*p == '\r')
			put(j, "\\r", 2);
		else if (*p < 0x20) {
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 0xf];
			put(j, esc, sizeof(esc));
		} else
			put(j, (const char *)p, 1);
	}
	put(j, "\"", 1);
}

/* The comma and "key": that precede every member or element. */
static void
prefix(struct json *j, const char *key)
{
	if (j->depth > 0) {
		if (j->need_comma[j->depth - 1])
			put(j, ",", 1);
		j->need_comma[j->depth - 1] = true;
	}
	if (key != NULL) {
		put_escaped(j, key);
		put(j, ":", 1);
	}
}

static void
open_level(struct json *j, const char *key, char c)
{
	prefix(j, key);
	if (j->depth >= JSON_MAX_DEPTH) {
		j->overflow = true;
		return;
	}
	put(j, &c, 1);
	j->need_comma[j->depth++] = false;
}

static void
close_level(struct json *j, char c)
{
	if (j->depth == 0) {
		j->overflow = true;
		return;
	}
	j->depth--;
	put(j, &c, 1);
}

void
json_open_object(struct json *j, const char *key)
{
	open_level(j, key, '{');
}

void
json_close_object(struct json *j)
{
	close_level(j, '}');
}

void
json_open_array(struct json *j, const char *key)
{
	open_level(j, key, '[');
}

void
json_close_array(struct json *j)
{
	close_level(j, ']');
}

void
json_str(struct json *j, const char *key, const char *val)
{
	prefix(j, key);
	put_escaped(j, val != NULL ? val : "");
}

void
json_u64(struct json *j, const char *key, uint64_t val)
{
	char num[24];
	int n;

	prefix(j, key);
	n = snprintf(num, sizeof(num), "%llu", (unsigned long long)val);
	put(j, num, (size_t)n);
}

void
json_i64(struct json *j, const char *key, int64_t val)
{
	char num[24];
	int n;

	prefix(j, key);
	n = snprintf(num, sizeof(num), "%lld", (long long)val);
	put(j, num, (size_t)n);
}

void
json_bool(struct json *j, const char *key, bool val)
{
	prefix(j, key);
	if (val)
		put(j, "true", 4);
	else
		put(j, "false", 5);
}

void
json_time(struct json *j, const char *key, int64_t sec, uint32_t usec)
{
	char ts[64];
	struct tm tm;
	time_t t = (time_t)sec;
	size_t n;

	if (gmtime_r(&t, &tm) == NULL) {
		json_str(j, key, "");
		return;
	}
	n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - n, ".%06u+0000", (unsigned)(usec % 1000000));
	json_str(j, key, ts);
}
