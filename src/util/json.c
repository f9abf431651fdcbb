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

/* Room for n more bytes and the NUL; false (overflow, sticky) if not. */
static inline bool
room(struct json *j, size_t n)
{
	if (j->overflow)
		return (false);
	if (n >= j->cap - j->len) {
		j->overflow = true;
		return (false);
	}
	return (true);
}

static void
put(struct json *j, const char *s, size_t n)
{
	if (!room(j, n))
		return;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

/*
 * "s" with nothing escaped, n = strlen(s): keys (json.h: names from our
 * own code) and strings we formatted ourselves (timestamps).  A key's
 * bytes were most of an event's escaping work (bench/results.md).
 */
static void
put_plain_quoted(struct json *j, const char *s, size_t n, bool colon)
{
	size_t need = n + 2 + (colon ? 1 : 0);

	if (j->overflow)
		return;
	if (need >= j->cap - j->len) {
		j->overflow = true;
		return;
	}
	j->buf[j->len] = '"';
	memcpy(j->buf + j->len + 1, s, n);
	j->buf[j->len + 1 + n] = '"';
	if (colon)
		j->buf[j->len + 2 + n] = ':';
	j->len += need;
	j->buf[j->len] = '\0';
}

/* Bytes that need escaping (RFC 8259 section 7): controls, '"', '\\'. */
static const bool needs_escape[256] = {
	[0x00] = true, [0x01] = true, [0x02] = true, [0x03] = true,
	[0x04] = true, [0x05] = true, [0x06] = true, [0x07] = true,
	[0x08] = true, [0x09] = true, [0x0a] = true, [0x0b] = true,
	[0x0c] = true, [0x0d] = true, [0x0e] = true, [0x0f] = true,
	[0x10] = true, [0x11] = true, [0x12] = true, [0x13] = true,
	[0x14] = true, [0x15] = true, [0x16] = true, [0x17] = true,
	[0x18] = true, [0x19] = true, [0x1a] = true, [0x1b] = true,
	[0x1c] = true, [0x1d] = true, [0x1e] = true, [0x1f] = true,
	['"'] = true, ['\\'] = true,
};

/*
 * Events are mostly names, numbers and addresses with nothing to escape,
 * so runs of plain bytes go out in one put() (one byte at a time was the
 * biggest cost of writing an event; see bench/results.md).
 */
static void
put_escaped(struct json *j, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p, *run;
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };

	/* Nothing to escape, the common case: quoted in one write. */
	for (p = (const unsigned char *)s; !needs_escape[*p]; p++)
		continue;
	if (*p == '\0') {
		put_plain_quoted(j, s, (size_t)((const char *)p - s), false);
		return;
	}
	put(j, "\"", 1);
	for (p = run = (const unsigned char *)s;; p++) {
		if (!needs_escape[*p])
			continue;
		if (p > run)
			put(j, (const char *)run, (size_t)(p - run));
		run = p + 1;
		if (*p == '\0')
			break;
		if (*p == '"' || *p == '\\') {
			put(j, "\\", 1);
			put(j, (const char *)p, 1);
		} else if (*p == '\n')
			put(j, "\\n", 2);
		else if (*p == '\t')
			put(j, "\\t", 2);
		else if (*p == '\r')
			put(j, "\\r", 2);
		else {
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 0xf];
			put(j, esc, sizeof(esc));
		}
	}
	put(j, "\"", 1);
}

/* Decimal digits of v, right-aligned in buf[0 .. 20); returns the first. */
static char *
format_u64(char buf[20], uint64_t v)
{
	char	*p = buf + 20;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return (p);
}

/*
 * The comma and "key": that precede every member or element, in one
 * write: a member's separator and name were two bound checks and two
 * copies (bench/results.md, round 2).
 */
static void
prefix(struct json *j, const char *key)
{
	bool	 comma = false;
	size_t	 n;
	char	*p;

	if (j->depth > 0) {
		comma = j->need_comma[j->depth - 1];
		j->need_comma[j->depth - 1] = true;
	}
	if (key == NULL) {
		if (comma)
			put(j, ",", 1);
		return;
	}
	n = strlen(key);
	if (!room(j, (comma ? 1 : 0) + n + 3))
		return;
	p = j->buf + j->len;
	if (comma)
		*p++ = ',';
	*p++ = '"';
	memcpy(p, key, n);
	p += n;
	*p++ = '"';
	*p++ = ':';
	*p = '\0';
	j->len = (size_t)(p - j->buf);
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

/* The digits of v straight into the buffer: no copy, one check. */
static void
put_u64(struct json *j, uint64_t v)
{
	uint64_t	 t = v;
	size_t		 n = 1;
	char		*p;

	while (t >= 10) {
		t /= 10;
		n++;
	}
	if (!room(j, n))
		return;
	j->len += n;
	j->buf[j->len] = '\0';
	p = j->buf + j->len;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
}

void
json_u64(struct json *j, const char *key, uint64_t val)
{
	prefix(j, key);
	put_u64(j, val);
}

void
json_i64(struct json *j, const char *key, int64_t val)
{
	char num[20], *p;

	prefix(j, key);
	if (val < 0)
		put(j, "-", 1);
	/* -INT64_MIN does not fit an int64_t; its magnitude fits a uint64_t. */
	p = format_u64(num, val < 0 ? -(uint64_t)val : (uint64_t)val);
	put(j, p, (size_t)(num + sizeof(num) - p));
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

/* n decimal digits of v, zero-padded, at p. */
static void
digits(char *p, unsigned v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/*
 * Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant,
 * "chrono-Compatible Low-Level Date Algorithms", days_from_civil's
 * inverse): gmtime_r() and strftime() cost more than the rest of an
 * event together.
 */
static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t		 era;
	unsigned	 doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

#define YEAR1000_SEC	(-30610224000LL)	/* 1000-01-01T00:00:00Z */
#define YEAR10000_SEC	253402300800LL		/* 10000-01-01T00:00:00Z */

void
json_time(struct json *j, const char *key, int64_t sec, uint32_t usec)
{
	char		 ts[64];
	struct tm	 tm;
	time_t		 t = (time_t)sec;
	size_t		 n;
	int64_t		 days, y;
	unsigned	 m, d, sod;

	if (sec >= YEAR1000_SEC && sec < YEAR10000_SEC) {
		/* "YYYY-MM-DDTHH:MM:SS.uuuuuu+0000": the years whose %Y
		   has four digits; the others take the libc path below. */
		days = (sec >= 0 ? sec : sec - 86399) / 86400;
		sod = (unsigned)(sec - days * 86400);
		civil_from_days(days, &y, &m, &d);
		memcpy(ts, "0000-00-00T00:00:00.000000+0000", 32);
		digits(ts, (unsigned)y, 4);
		digits(ts + 5, m, 2);
		digits(ts + 8, d, 2);
		digits(ts + 11, sod / 3600, 2);
		digits(ts + 14, sod / 60 % 60, 2);
		digits(ts + 17, sod % 60, 2);
		digits(ts + 20, usec % 1000000, 6);
		prefix(j, key);
		put_plain_quoted(j, ts, 31, false);
		return;
	}
	if (gmtime_r(&t, &tm) == NULL) {
		json_str(j, key, "");
		return;
	}
	n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - n, ".%06u+0000", (unsigned)(usec % 1000000));
	json_str(j, key, ts);
}
