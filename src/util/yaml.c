/*
 * yaml.c - libyaml's event stream turned into a bounded tree (yaml.h).
 *
 * Why events and not libyaml's document API: the document loader builds
 * its own tree without limits and resolves aliases into shared nodes (a
 * few hundred bytes of "billion laughs" expand to gigabytes when walked).
 * Here each event is handled once, with an explicit stack instead of
 * recursion, so the depth limit is a comparison, the node limit a
 * counter, and every event is deleted on every path.
 *
 * Memory: nodes and scalar text live in an arena of large blocks owned by
 * the document, freed at once by ydoc_free().  The whole file is read
 * into memory first (at most YAML_LIMIT_FILE bytes) so that a reader
 * error, which libyaml reports as a byte offset, can be given a line and
 * column like every other error.
 *
 * Duplicate keys are found when a map closes: its keys are sorted (a
 * pointer array, freed at once) so that a map of many keys costs
 * n log n, not n squared.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "yaml.h"

#define ARENA_BLOCK	(64u * 1024)

struct arena_block {
	struct arena_block	*next;
	size_t			 used;
	size_t			 cap;
	max_align_t		 data[];
};

struct ydoc {
	char			 name[DOC_ERROR_FILE_MAX];
	struct ynode		*root;
	struct arena_block	*blocks;
};

/* An open list or map while its events arrive. */
struct frame {
	struct ynode	*node;
	struct ynode	*last;		/* last child, for appending */
	const char	*key;		/* map: a key waiting for its value */
	uint32_t	 key_line;
	uint32_t	 key_col;
};

struct builder {
	struct ydoc	*doc;
	struct frame	 stack[YAML_LIMIT_DEPTH];
	int		 depth;
	uint32_t	 n_nodes;
	int		 n_docs;
	bool		 root_set;
};

const char *
doc_error_str(const struct doc_error *e, char *buf, size_t buflen)
{
	if (e->line == 0)
		snprintf(buf, buflen, "%s: %s", e->file, e->reason);
	else
		snprintf(buf, buflen, "%s:%u:%u: %s", e->file, e->line, e->col,
		    e->reason);
	return (buf);
}

static void
doc_error_vset(struct doc_error *e, const char *file, uint32_t line,
    uint32_t col, const char *fmt, va_list ap)
{
	snprintf(e->file, sizeof(e->file), "%s", file);
	e->line = line;
	e->col = col;
	vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
}

void
doc_error_set(struct doc_error *e, const char *file, uint32_t line,
    uint32_t col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	doc_error_vset(e, file, line, col, fmt, ap);
	va_end(ap);
}

static void *
arena_alloc(struct ydoc *doc, size_t size)
{
	struct arena_block *b = doc->blocks;
	size_t cap;
	void *p;

	size = (size + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	if (b == NULL || b->cap - b->used < size) {
		cap = size > ARENA_BLOCK ? size : ARENA_BLOCK;
		if ((b = malloc(sizeof(*b) + cap)) == NULL)
			return (NULL);
		b->next = doc->blocks;
		b->used = 0;
		b->cap = cap;
		doc->blocks = b;
	}
	p = (char *)b->data + b->used;
	b->used += size;
	return (p);
}

static char *
arena_strndup(struct ydoc *doc, const unsigned char *s, size_t len)
{
	char *p;

	if ((p = arena_alloc(doc, len + 1)) == NULL)
		return (NULL);
	memcpy(p, s, len);
	p[len] = '\0';
	return (p);
}

void
ydoc_free(struct ydoc *doc)
{
	struct arena_block *b, *next;

	if (doc == NULL)
		return;
	/* The text may hold secrets (esp_keys:, keys.c): cleansed. */
	for (b = doc->blocks; b != NULL; b = next) {
		next = b->next;
		explicit_bzero(b->data, b->used);
		free(b);
	}
	free(doc);
}

const struct ynode *
ydoc_root(const struct ydoc *doc)
{
	return (doc->root);
}

const char *
ydoc_name(const struct ydoc *doc)
{
	return (doc->name);
}

/* libyaml marks are 0-based; ours 1-based and bounded. */
static uint32_t
mark_pos(size_t v)
{
	return (v >= UINT32_MAX ? UINT32_MAX : (uint32_t)v + 1);
}

static int
builder_error(struct builder *b, const yaml_mark_t *m, struct doc_error *err,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
builder_error(struct builder *b, const yaml_mark_t *m, struct doc_error *err,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	doc_error_vset(err, b->doc->name, mark_pos(m->line),
	    mark_pos(m->column), fmt, ap);
	va_end(ap);
	return (-1);
}

static int
key_cmp(const void *a, const void *b)
{
	const struct ynode *x = *(const struct ynode *const *)a;
	const struct ynode *y = *(const struct ynode *const *)b;
	int c;

	if ((c = strcmp(x->key, y->key)) != 0)
		return (c);
	if (x->key_line != y->key_line)
		return (x->key_line < y->key_line ? -1 : 1);
	return (x->key_col < y->key_col ? -1 : x->key_col > y->key_col);
}

/* The earliest key that repeats an earlier one, or NULL. */
static int
find_duplicate_key(const struct ynode *map, const struct ynode **dup)
{
	const struct ynode **v, *n, *best = NULL;
	uint32_t i = 0;

	*dup = NULL;
	if (map->n_children < 2)
		return (0);
	if ((v = calloc(map->n_children, sizeof(*v))) == NULL)
		return (-1);
	for (n = map->child; n != NULL; n = n->next)
		v[i++] = n;
	qsort(v, map->n_children, sizeof(*v), key_cmp);
	for (i = 1; i < map->n_children; i++) {
		if (strcmp(v[i]->key, v[i - 1]->key) != 0)
			continue;
		/* v[i - 1] is the first of its key: v[i] repeats it. */
		if (i >= 2 && strcmp(v[i - 2]->key, v[i]->key) == 0)
			continue;
		if (best == NULL || v[i]->key_line < best->key_line ||
		    (v[i]->key_line == best->key_line &&
		    v[i]->key_col < best->key_col))
			best = v[i];
	}
	free(v);
	*dup = best;
	return (0);
}

/* The first occurrence of dup's key in map, for the message. */
static const struct ynode *
first_with_key(const struct ynode *map, const char *key)
{
	const struct ynode *n;

	for (n = map->child; n != NULL; n = n->next)
		if (strcmp(n->key, key) == 0)
			return (n);
	return (NULL);
}

static struct ynode *
new_node(struct builder *b, enum ynode_kind kind, const yaml_mark_t *m,
    struct doc_error *err)
{
	struct ynode *n;

	if (b->n_nodes >= YAML_LIMIT_NODES) {
		builder_error(b, m, err, "more than %u nodes in one document",
		    YAML_LIMIT_NODES);
		return (NULL);
	}
	if ((n = arena_alloc(b->doc, sizeof(*n))) == NULL) {
		builder_error(b, m, err, "out of memory");
		return (NULL);
	}
	memset(n, 0, sizeof(*n));
	b->n_nodes++;
	n->kind = kind;
	n->line = mark_pos(m->line);
	n->col = mark_pos(m->column);
	n->file = b->doc->name;
	return (n);
}

/* Hang a finished scalar or a new container where the stream says. */
static void
attach(struct builder *b, struct ynode *n)
{
	struct frame *f;

	if (b->depth == 0) {
		b->doc->root = n;
		b->root_set = true;
		return;
	}
	f = &b->stack[b->depth - 1];
	if (f->node->kind == YNODE_MAP) {
		n->key = f->key;
		n->key_line = f->key_line;
		n->key_col = f->key_col;
		f->key = NULL;
	}
	if (f->last == NULL)
		f->node->child = n;
	else
		f->last->next = n;
	f->last = n;
	f->node->n_children++;
}

/* In a map, is the next scalar a key (rather than a value)? */
static bool
expecting_key(const struct builder *b)
{
	const struct frame *f;

	if (b->depth == 0)
		return (false);
	f = &b->stack[b->depth - 1];
	return (f->node->kind == YNODE_MAP && f->key == NULL);
}

/*
 * Anchors and explicit tags are refused wherever they appear; libyaml
 * leaves tag NULL when none was written.
 */
static int
check_props(struct builder *b, const yaml_mark_t *m, const yaml_char_t *anchor,
    const yaml_char_t *tag, struct doc_error *err)
{
	if (anchor != NULL)
		return (builder_error(b, m, err, "anchors (&%.64s) are not "
		    "supported: write the value out", (const char *)anchor));
	if (tag != NULL)
		return (builder_error(b, m, err, "tags (%.64s) are not "
		    "supported", (const char *)tag));
	return (0);
}

static int
on_scalar(struct builder *b, const yaml_event_t *ev, struct doc_error *err)
{
	const yaml_mark_t *m = &ev->start_mark;
	struct frame *f;
	struct ynode *n;
	char *text;

	if (check_props(b, m, ev->data.scalar.anchor, ev->data.scalar.tag,
	    err) != 0)
		return (-1);
	if (ev->data.scalar.length > YAML_LIMIT_SCALAR)
		return (builder_error(b, m, err, "scalar longer than %u bytes",
		    YAML_LIMIT_SCALAR));
	if ((text = arena_strndup(b->doc, ev->data.scalar.value,
	    ev->data.scalar.length)) == NULL)
		return (builder_error(b, m, err, "out of memory"));
	if (expecting_key(b)) {
		if (b->n_nodes >= YAML_LIMIT_NODES)
			return (builder_error(b, m, err, "more than %u nodes "
			    "in one document", YAML_LIMIT_NODES));
		b->n_nodes++;
		f = &b->stack[b->depth - 1];
		f->key = text;
		f->key_line = mark_pos(m->line);
		f->key_col = mark_pos(m->column);
		return (0);
	}
	if ((n = new_node(b, YNODE_SCALAR, m, err)) == NULL)
		return (-1);
	n->text = text;
	n->len = ev->data.scalar.length;
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	attach(b, n);
	return (0);
}

static int
on_open(struct builder *b, const yaml_event_t *ev, enum ynode_kind kind,
    struct doc_error *err)
{
	const yaml_mark_t *m = &ev->start_mark;
	struct ynode *n;
	int rc;

	if (kind == YNODE_MAP)
		rc = check_props(b, m, ev->data.mapping_start.anchor,
		    ev->data.mapping_start.tag, err);
	else
		rc = check_props(b, m, ev->data.sequence_start.anchor,
		    ev->data.sequence_start.tag, err);
	if (rc != 0)
		return (-1);
	if (expecting_key(b))
		return (builder_error(b, m, err, "a map key must be a "
		    "scalar, not %s", ynode_kind_name(kind)));
	if (b->depth >= YAML_LIMIT_DEPTH)
		return (builder_error(b, m, err, "nested deeper than %d "
		    "levels", YAML_LIMIT_DEPTH));
	if ((n = new_node(b, kind, m, err)) == NULL)
		return (-1);
	attach(b, n);
	memset(&b->stack[b->depth], 0, sizeof(b->stack[b->depth]));
	b->stack[b->depth].node = n;
	b->depth++;
	return (0);
}

static int
on_close(struct builder *b, const yaml_event_t *ev, struct doc_error *err)
{
	const struct ynode *map, *dup, *first;

	map = b->stack[--b->depth].node;
	if (map->kind != YNODE_MAP)
		return (0);
	if (find_duplicate_key(map, &dup) != 0)
		return (builder_error(b, &ev->start_mark, err,
		    "out of memory"));
	if (dup == NULL)
		return (0);
	first = first_with_key(map, dup->key);
	doc_error_set(err, b->doc->name, dup->key_line, dup->key_col,
	    "duplicate key '%.64s' (first at line %u, column %u)", dup->key,
	    first->key_line, first->key_col);
	return (-1);
}

static int
on_event(struct builder *b, const yaml_event_t *ev, struct doc_error *err)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (b->n_docs++ > 0)
			return (builder_error(b, &ev->start_mark, err,
			    "more than one document in the file"));
		return (0);
	case YAML_ALIAS_EVENT:
		return (builder_error(b, &ev->start_mark, err, "aliases "
		    "(*%.64s) are not supported: write the value out",
		    (const char *)ev->data.alias.anchor));
	case YAML_SCALAR_EVENT:
		return (on_scalar(b, ev, err));
	case YAML_SEQUENCE_START_EVENT:
		return (on_open(b, ev, YNODE_LIST, err));
	case YAML_MAPPING_START_EVENT:
		return (on_open(b, ev, YNODE_MAP, err));
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return (on_close(b, ev, err));
	case YAML_NO_EVENT:
	case YAML_STREAM_START_EVENT:
	case YAML_STREAM_END_EVENT:
	case YAML_DOCUMENT_END_EVENT:
		break;
	}
	return (0);
}

/* Line and column (in characters) of a byte offset: for reader errors. */
static void
offset_pos(const char *buf, size_t len, size_t off, uint32_t *line,
    uint32_t *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80)
			(*col)++;
	}
}

static void
parser_error(struct builder *b, const yaml_parser_t *p, const char *buf,
    size_t len, struct doc_error *err)
{
	const char *problem = p->problem != NULL ? p->problem : "syntax error";
	uint32_t line, col;

	switch (p->error) {
	case YAML_READER_ERROR:
		offset_pos(buf, len, p->problem_offset, &line, &col);
		doc_error_set(err, b->doc->name, line, col, "%s", problem);
		break;
	case YAML_MEMORY_ERROR:
		doc_error_set(err, b->doc->name, 0, 0, "out of memory");
		break;
	default:
		if (p->context != NULL)
			doc_error_set(err, b->doc->name,
			    mark_pos(p->problem_mark.line),
			    mark_pos(p->problem_mark.column), "%s (%s)",
			    problem, p->context);
		else
			doc_error_set(err, b->doc->name,
			    mark_pos(p->problem_mark.line),
			    mark_pos(p->problem_mark.column), "%s", problem);
		break;
	}
}

/* A document that is only "---" or an empty plain scalar holds nothing. */
static void
drop_empty_root(struct ydoc *doc)
{
	const struct ynode *r = doc->root;

	if (r != NULL && r->kind == YNODE_SCALAR && r->plain && r->len == 0)
		doc->root = NULL;
}

struct ydoc *
ydoc_load_buffer(const char *name, const char *buf, size_t len,
    struct doc_error *err)
{
	struct builder b;
	yaml_parser_t parser;
	yaml_event_t ev;
	bool done = false;
	int rc = 0;

	memset(&b, 0, sizeof(b));
	if ((b.doc = calloc(1, sizeof(*b.doc))) == NULL) {
		doc_error_set(err, name, 0, 0, "out of memory");
		return (NULL);
	}
	snprintf(b.doc->name, sizeof(b.doc->name), "%s", name);
	if (len > YAML_LIMIT_FILE) {
		doc_error_set(err, name, 0, 0, "larger than %u bytes",
		    YAML_LIMIT_FILE);
		ydoc_free(b.doc);
		return (NULL);
	}
	if (yaml_parser_initialize(&parser) == 0) {
		doc_error_set(err, name, 0, 0, "out of memory");
		ydoc_free(b.doc);
		return (NULL);
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!done && rc == 0) {
		if (yaml_parser_parse(&parser, &ev) == 0) {
			parser_error(&b, &parser, buf, len, err);
			rc = -1;
		} else {
			rc = on_event(&b, &ev, err);
			done = ev.type == YAML_STREAM_END_EVENT;
		}
		/* libyaml zeroes the event on failure: deleting is safe. */
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	if (rc != 0) {
		ydoc_free(b.doc);
		return (NULL);
	}
	drop_empty_root(b.doc);
	return (b.doc);
}

/*
 * Read all of f, at most YAML_LIMIT_FILE + 1 bytes (one more than the
 * limit tells "too large" from "exactly at the limit"); the buffer grows
 * by doubling, so a small file costs a small buffer.
 */
static char *
read_all(FILE *f, size_t *lenp)
{
	size_t cap = 16384, len = 0, n;
	char *buf = NULL, *nbuf;

	for (;;) {
		if ((nbuf = realloc(buf, cap)) == NULL) {
			free(buf);
			return (NULL);
		}
		buf = nbuf;
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (len < cap || cap > YAML_LIMIT_FILE)
			break;
		cap = cap * 2 > YAML_LIMIT_FILE + 1 ? YAML_LIMIT_FILE + 1 :
		    cap * 2;
	}
	*lenp = len;
	return (buf);
}

struct ydoc *
ydoc_load_file(const char *path, struct doc_error *err)
{
	struct ydoc *doc = NULL;
	char *buf;
	size_t len;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL) {
		doc_error_set(err, path, 0, 0, "%s", strerror(errno));
		return (NULL);
	}
	if ((buf = read_all(f, &len)) == NULL)
		doc_error_set(err, path, 0, 0, "out of memory");
	else if (ferror(f))
		doc_error_set(err, path, 0, 0, "%s", strerror(errno));
	else
		doc = ydoc_load_buffer(path, buf, len, err);
	fclose(f);
	if (buf != NULL)
		explicit_bzero(buf, len);
	free(buf);
	return (doc);
}

const char *
ynode_kind_name(enum ynode_kind k)
{
	switch (k) {
	case YNODE_LIST:
		return ("a list");
	case YNODE_MAP:
		return ("a map");
	case YNODE_SCALAR:
		break;
	}
	return ("a scalar");
}

int
ynode_error(const struct ynode *n, struct doc_error *err, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	doc_error_vset(err, n->file, n->line, n->col, fmt, ap);
	va_end(ap);
	return (-1);
}

int
ynode_key_error(const struct ynode *n, struct doc_error *err,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	doc_error_vset(err, n->file, n->key_line, n->key_col, fmt, ap);
	va_end(ap);
	return (-1);
}

int
ynode_expect(const struct ynode *n, enum ynode_kind kind,
    struct doc_error *err)
{
	if (n->kind == kind)
		return (0);
	return (ynode_error(n, err, "expected %s, got %s",
	    ynode_kind_name(kind), ynode_kind_name(n->kind)));
}

const struct ynode *
ynode_get(const struct ynode *map, const char *key)
{
	const struct ynode *n;

	for (n = map->child; n != NULL; n = n->next)
		if (strcmp(n->key, key) == 0)
			return (n);
	return (NULL);
}

int
ynode_check_keys(const struct ynode *map, const char *const *allowed,
    size_t n, struct doc_error *err)
{
	const struct ynode *v;
	size_t i;

	for (v = map->child; v != NULL; v = v->next) {
		for (i = 0; i < n; i++)
			if (strcmp(v->key, allowed[i]) == 0)
				break;
		if (i == n)
			return (ynode_key_error(v, err, "unknown key '%.64s'",
			    v->key));
	}
	return (0);
}

/* Scalars quoted in messages are cut so that the reason stays readable. */
#define SHOWN	"%.48s%s"
#define SHOW(n)	(n)->text, (n)->len > 48 ? "..." : ""

static int
expect_scalar(const struct ynode *n, const char *what, struct doc_error *err)
{
	if (n->kind != YNODE_SCALAR)
		return (ynode_error(n, err, "expected %s, got %s", what,
		    ynode_kind_name(n->kind)));
	return (0);
}

int
ynode_u32(const struct ynode *n, uint32_t min, uint32_t max, uint32_t *out,
    struct doc_error *err)
{
	const char *s;
	uint64_t v = 0;
	unsigned base = 10, d;
	size_t i = 0;

	if (expect_scalar(n, "an integer", err) != 0)
		return (-1);
	s = n->text;
	if (!n->plain)
		return (ynode_error(n, err, "expected an integer, got the "
		    "quoted string \"" SHOWN "\"", SHOW(n)));
	if (n->len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	} else if (n->len > 1 && s[0] == '0' && s[1] >= '0' && s[1] <= '9')
		return (ynode_error(n, err, "'" SHOWN "': leading zeros are "
		    "not allowed (YAML reads them as octal)", SHOW(n)));
	if (i == n->len)
		return (ynode_error(n, err, "expected an integer, got '" SHOWN
		    "'", SHOW(n)));
	for (; i < n->len; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			d = (unsigned)(s[i] - '0');
		else if (base == 16 && s[i] >= 'a' && s[i] <= 'f')
			d = (unsigned)(s[i] - 'a' + 10);
		else if (base == 16 && s[i] >= 'A' && s[i] <= 'F')
			d = (unsigned)(s[i] - 'A' + 10);
		else
			return (ynode_error(n, err, "expected an integer, got '"
			    SHOWN "'", SHOW(n)));
		v = v * base + d;
		if (v > UINT32_MAX)
			return (ynode_error(n, err, SHOWN " is out of range "
			    "%u..%u", SHOW(n), min, max));
	}
	if (v < min || v > max)
		return (ynode_error(n, err, SHOWN " is out of range %u..%u",
		    SHOW(n), min, max));
	*out = (uint32_t)v;
	return (0);
}

int
ynode_bool(const struct ynode *n, bool *out, struct doc_error *err)
{
	if (expect_scalar(n, "true or false", err) != 0)
		return (-1);
	if (n->plain && strcmp(n->text, "true") == 0)
		*out = true;
	else if (n->plain && strcmp(n->text, "false") == 0)
		*out = false;
	else
		return (ynode_error(n, err, "expected true or false, got '"
		    SHOWN "'", SHOW(n)));
	return (0);
}

int
ynode_enum(const struct ynode *n, const char *const *names, size_t count,
    int *out, struct doc_error *err)
{
	char list[DOC_ERROR_REASON_MAX / 2];
	size_t i, off = 0;

	if (n->kind == YNODE_SCALAR)
		for (i = 0; i < count; i++)
			if (strcmp(n->text, names[i]) == 0) {
				*out = (int)i;
				return (0);
			}
	list[0] = '\0';
	for (i = 0; i < count && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
		    i == 0 ? "" : i + 1 == count ? " or " : ", ", names[i]);
	if (n->kind != YNODE_SCALAR)
		return (ynode_error(n, err, "expected %s, got %s", list,
		    ynode_kind_name(n->kind)));
	return (ynode_error(n, err, "expected %s, got '" SHOWN "'", list,
	    SHOW(n)));
}

int
ynode_str(const struct ynode *n, size_t maxlen, const char **out,
    struct doc_error *err)
{
	if (expect_scalar(n, "a string", err) != 0)
		return (-1);
	if (n->len == 0)
		return (ynode_error(n, err, "empty string"));
	if (n->len > maxlen)
		return (ynode_error(n, err, "longer than %zu bytes", maxlen));
	if (strlen(n->text) != n->len)
		return (ynode_error(n, err, "NUL byte in a string"));
	*out = n->text;
	return (0);
}

int
ynode_cidr(const struct ynode *n, struct ipnet *out, struct doc_error *err)
{
	char why[128];

	if (expect_scalar(n, "an address or prefix", err) != 0)
		return (-1);
	if (ipnet_parse(n->text, out, why, sizeof(why)) != 0)
		return (ynode_error(n, err, "%s", why));
	return (0);
}
