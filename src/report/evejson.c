/*
 * evejson.c - flatten one EVE JSON line into its leaves (evejson.h).
 *
 * A recursive descent over a bounded cursor (util/cursor.h), RFC 8259
 * grammar; strings are unescaped into the record's arena, \u escapes as
 * UTF-8 (a lone surrogate becomes U+FFFD, as browsers do).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/cursor.h"
#include "evejson.h"

struct parser {
	struct cursor	 cur;
	struct evejson	*rec;
	char		 path[EVEJSON_PATH_MAX];
	size_t		 path_len;
	int		 depth;
};

static void	parse_value(struct parser *);

static void
fail(struct parser *p)
{
	p->cur.err = true;
}

/* The byte k ahead of the cursor, without moving (cur_peek_u8() takes
 * an absolute offset); past the end, 0 and the parse fails. */
static uint8_t
peek(struct parser *p, size_t k)
{
	return (cur_peek_u8(&p->cur, cur_pos(&p->cur) + k));
}

static void
skip_space(struct parser *p)
{
	uint8_t c;

	while (cur_left(&p->cur) > 0) {
		c = peek(p, 0);
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			return;
		cur_skip(&p->cur, 1);
	}
}

static bool
expect(struct parser *p, uint8_t want)
{
	skip_space(p);
	if (cur_left(&p->cur) == 0 || peek(p, 0) != want)
		return (false);
	cur_skip(&p->cur, 1);
	return (true);
}

/* Room for n bytes in the arena, or NULL (and the parse fails). */
static char *
arena_take(struct parser *p, size_t n)
{
	struct evejson *r = p->rec;
	char *s;

	if (n > sizeof(r->arena) - r->used) {
		fail(p);
		return (NULL);
	}
	s = r->arena + r->used;
	r->used += n;
	return (s);
}

static void
put_utf8(char *out, size_t *o, uint32_t cp)
{
	if (cp < 0x80)
		out[(*o)++] = (char)cp;
	else if (cp < 0x800) {
		out[(*o)++] = (char)(0xc0 | cp >> 6);
		out[(*o)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		out[(*o)++] = (char)(0xe0 | cp >> 12);
		out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*o)++] = (char)(0x80 | (cp & 0x3f));
	}
}

static uint32_t
hex4(struct parser *p)
{
	uint32_t v = 0;
	uint8_t c;
	int i;

	for (i = 0; i < 4; i++) {
		c = cur_u8(&p->cur);
		if (c >= '0' && c <= '9')
			v = v << 4 | (uint32_t)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			v = v << 4 | (uint32_t)((c | 0x20) - 'a' + 10);
		else {
			fail(p);
			return (0);
		}
	}
	return (v);
}

/* One escape after the backslash; a surrogate pair is one code point. */
static uint32_t
unescape(struct parser *p)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *at;
	uint8_t c = cur_u8(&p->cur);
	uint32_t hi, lo;

	if (c != 'u') {
		if (c == 0 || (at = strchr(from, c)) == NULL) {
			fail(p);
			return (0);
		}
		return ((uint8_t)to[at - from]);
	}
	hi = hex4(p);
	if (hi < 0xd800 || hi > 0xdfff)
		return (hi);
	if (hi > 0xdbff || cur_left(&p->cur) < 6 ||
	    peek(p, 0) != '\\' || peek(p, 1) != 'u')
		return (0xfffd);
	cur_skip(&p->cur, 2);
	lo = hex4(p);
	if (lo < 0xdc00 || lo > 0xdfff)
		return (0xfffd);
	return (0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00));
}

static void
put_code_point(char *out, size_t *o, uint32_t cp)
{
	if (cp >= 0x10000) {
		out[(*o)++] = (char)(0xf0 | cp >> 18);
		out[(*o)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*o)++] = (char)(0x80 | (cp & 0x3f));
	} else
		put_utf8(out, o, cp);
}

/*
 * A string, unescaped into the arena: never longer than its escaped
 * form, so the raw length bounds it.  NULL on a bad string.
 */
static const char *
parse_string(struct parser *p)
{
	size_t start, end, o = 0;
	uint8_t c;
	char *out;
	bool plain = true;

	if (!expect(p, '"')) {
		fail(p);
		return (NULL);
	}
	start = cur_pos(&p->cur);
	for (end = start; end < p->cur.len && p->cur.base[end] != '"'; end++) {
		if (p->cur.base[end] < 0x20)
			plain = false;
		else if (p->cur.base[end] == '\\') {
			plain = false;
			end++;
		}
	}
	if (end >= p->cur.len || (out = arena_take(p, end - start + 1)) ==
	    NULL) {
		fail(p);
		return (NULL);
	}
	/*
	 * Nothing to unescape or refuse (every string espvis writes but a
	 * few): the bytes as they are, then the closing quote.  The tally
	 * parses every event of a run (tally.c), and byte by byte this was
	 * the parser's largest cost (bench/results.md, session 3).
	 */
	if (plain) {
		memcpy(out, cur_bytes(&p->cur, end - start), end - start);
		out[end - start] = '\0';
		cur_skip(&p->cur, 1);
		return (out);
	}
	while (cur_ok(&p->cur) && (c = cur_u8(&p->cur)) != '"') {
		if (c < 0x20)
			fail(p);
		else if (c == '\\')
			put_code_point(out, &o, unescape(p));
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	return (cur_ok(&p->cur) ? out : NULL);
}

static struct evejson_field *
new_leaf(struct parser *p, enum evejson_type type)
{
	struct evejson *r = p->rec;
	struct evejson_field *f;
	char *path;

	if (r->n == EVEJSON_MAX_FIELDS ||
	    (path = arena_take(p, p->path_len + 1)) == NULL) {
		fail(p);
		return (NULL);
	}
	memcpy(path, p->path, p->path_len + 1);
	f = &r->field[r->n++];
	memset(f, 0, sizeof(*f));
	f->path = path;
	f->type = type;
	return (f);
}

/* What strchr("0123456789+-.eE", c) accepted, the NUL excepted. */
static bool
number_char(uint8_t c)
{
	return ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.' ||
	    c == 'e' || c == 'E');
}

/*
 * An optional minus and 1..15 digits (every counter espvis writes) is
 * the integer strtod() would return: below 10^15 < 2^53 a double holds
 * it exactly, and -0 stays -0.  Anything else goes to strtod().
 */
static bool
small_integer(const char *text, size_t n, double *out)
{
	size_t i = text[0] == '-' ? 1 : 0;
	uint64_t v = 0;

	if (n - i < 1 || n - i > 15)
		return (false);
	for (; i < n; i++) {
		if (text[i] < '0' || text[i] > '9')
			return (false);
		v = v * 10 + (uint64_t)(text[i] - '0');
	}
	*out = text[0] == '-' ? -(double)v : (double)v;
	return (true);
}

static void
parse_number(struct parser *p)
{
	char text[64], *end;
	size_t n = 0;
	uint8_t c;
	struct evejson_field *f;
	char *kept;

	while (cur_left(&p->cur) > 0 && n < sizeof(text) - 1) {
		c = peek(p, 0);
		if (!number_char(c))
			break;
		text[n++] = (char)c;
		cur_skip(&p->cur, 1);
	}
	text[n] = '\0';
	if (n == 0 || n == sizeof(text) - 1) {
		fail(p);
		return;
	}
	if ((f = new_leaf(p, EVEJSON_NUMBER)) == NULL)
		return;
	if (!small_integer(text, n, &f->num))
		f->num = strtod(text, &end);
	else
		end = text + n;
	if (*end != '\0' || !isfinite(f->num) ||
	    (kept = arena_take(p, n + 1)) == NULL) {
		fail(p);
		return;
	}
	memcpy(kept, text, n + 1);
	f->str = kept;
}

static void
parse_word(struct parser *p, const char *word, enum evejson_type type,
    bool truth)
{
	size_t n = strlen(word);
	const uint8_t *b;
	struct evejson_field *f;

	if ((b = cur_bytes(&p->cur, n)) == NULL || memcmp(b, word, n) != 0) {
		fail(p);
		return;
	}
	if ((f = new_leaf(p, type)) != NULL)
		f->truth = truth;
}

/* Append ".key" (or "key" at the top) or "[]" to the path; -1 if long. */
static int
path_push(struct parser *p, const char *part, bool dot)
{
	size_t len = strlen(part), n = len + (dot ? 1 : 0);

	if (p->path_len + n >= sizeof(p->path)) {
		fail(p);
		return (-1);
	}
	if (dot)
		p->path[p->path_len++] = '.';
	memcpy(p->path + p->path_len, part, len + 1);
	p->path_len += len;
	return (0);
}

static void
parse_object(struct parser *p)
{
	size_t saved = p->path_len, mark;
	const char *key;

	if (!expect(p, '{') || ++p->depth > EVEJSON_MAX_DEPTH) {
		fail(p);
		return;
	}
	if (!expect(p, '}')) {
		do {
			/* The key's text is needed only in the path. */
			mark = p->rec->used;
			if ((key = parse_string(p)) == NULL ||
			    path_push(p, key, saved > 0) != 0)
				break;
			p->rec->used = mark;
			if (!expect(p, ':')) {
				fail(p);
				break;
			}
			parse_value(p);
			p->path_len = saved;
			p->path[saved] = '\0';
		} while (cur_ok(&p->cur) && expect(p, ','));
		if (cur_ok(&p->cur) && !expect(p, '}'))
			fail(p);
	}
	p->depth--;
}

static void
parse_array(struct parser *p)
{
	size_t saved = p->path_len;

	if (!expect(p, '[') || ++p->depth > EVEJSON_MAX_DEPTH ||
	    path_push(p, "[]", false) != 0) {
		fail(p);
		return;
	}
	if (!expect(p, ']')) {
		do
			parse_value(p);
		while (cur_ok(&p->cur) && expect(p, ','));
		if (cur_ok(&p->cur) && !expect(p, ']'))
			fail(p);
	}
	p->path_len = saved;
	p->path[saved] = '\0';
	p->depth--;
}

static void
parse_value(struct parser *p)
{
	struct evejson_field *f;
	const char *s;

	skip_space(p);
	if (cur_left(&p->cur) == 0) {
		fail(p);
		return;
	}
	switch (peek(p, 0)) {
	case '{':
		parse_object(p);
		break;
	case '[':
		parse_array(p);
		break;
	case '"':
		if ((s = parse_string(p)) != NULL &&
		    (f = new_leaf(p, EVEJSON_STRING)) != NULL)
			f->str = s;
		break;
	case 't':
		parse_word(p, "true", EVEJSON_BOOL, true);
		break;
	case 'f':
		parse_word(p, "false", EVEJSON_BOOL, false);
		break;
	case 'n':
		parse_word(p, "null", EVEJSON_NULL, false);
		break;
	default:
		parse_number(p);
		break;
	}
}

int
evejson_parse(struct evejson *rec, const char *line, size_t len)
{
	struct parser p;

	memset(&p, 0, sizeof(p));
	cur_init(&p.cur, (const uint8_t *)line, len);
	p.rec = rec;
	rec->n = 0;
	rec->used = 0;
	skip_space(&p);
	if (cur_left(&p.cur) == 0 || peek(&p, 0) != '{')
		fail(&p);
	else
		parse_object(&p);
	skip_space(&p);
	if (!cur_ok(&p.cur) || cur_left(&p.cur) != 0) {
		rec->n = 0;
		return (-1);
	}
	return (0);
}

const struct evejson_field *
evejson_get(const struct evejson *rec, const char *path)
{
	size_t i;

	for (i = 0; i < rec->n; i++)
		if (strcmp(rec->field[i].path, path) == 0)
			return (&rec->field[i]);
	return (NULL);
}

const char *
evejson_str(const struct evejson *rec, const char *path)
{
	const struct evejson_field *f = evejson_get(rec, path);

	return (f != NULL && f->type == EVEJSON_STRING ? f->str : NULL);
}

double
evejson_num(const struct evejson *rec, const char *path, double dflt)
{
	const struct evejson_field *f = evejson_get(rec, path);

	return (f != NULL && f->type == EVEJSON_NUMBER ? f->num : dflt);
}

static bool
digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (false);
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return (true);
}

/* The zone after the seconds: Z, +hhmm or +hh:mm; offset in seconds. */
static bool
parse_zone(const char *s, long *offset)
{
	int hh, mm;
	long sign;

	if (strcmp(s, "Z") == 0) {
		*offset = 0;
		return (true);
	}
	if (s[0] != '+' && s[0] != '-')
		return (false);
	sign = s[0] == '-' ? -1 : 1;
	if (!digits(s + 1, 2, &hh))
		return (false);
	s += 3;
	if (*s == ':')
		s++;
	if (!digits(s, 2, &mm) || s[2] != '\0')
		return (false);
	*offset = sign * (hh * 3600L + mm * 60L);
	return (true);
}

int
evejson_time(const char *s, double *out)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, n = 0;
	double frac = 0, scale = 0.1;
	long offset;
	time_t t;

	if (s == NULL || strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' ||
	    !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d) ||
	    s[10] != 'T' || !digits(s + 11, 2, &h) || s[13] != ':' ||
	    !digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !digits(s + 17, 2, &sec))
		return (-1);
	s += 19;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9' && n < 9; s++, n++) {
			frac += (*s - '0') * scale;
			scale /= 10;
		}
	if (!parse_zone(s, &offset) || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    h > 23 || mi > 59 || sec > 60)
		return (-1);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) == (time_t)-1)
		return (-1);
	*out = (double)t - (double)offset + frac;
	return (0);
}
