/*
 * test_yaml.c - the libyaml adapter: the tree and its positions, every
 * refusal (syntax, limits, duplicate keys, anchors, aliases, tags, more
 * than one document, non-scalar keys, bad UTF-8) with its file, line and
 * column, and the typed readers with their range and type errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "util/yaml.h"

static struct ydoc *
load(const char *text, struct doc_error *e)
{
	return (ydoc_load_buffer("t.yaml", text, strlen(text), e));
}

/* The text must be refused at line:col with reason containing want. */
static void
assert_refused(const char *text, uint32_t line, uint32_t col,
    const char *want)
{
	struct doc_error e;
	struct ydoc *doc;

	memset(&e, 0, sizeof(e));
	doc = load(text, &e);
	ck_assert_msg(doc == NULL, "accepted: %s", text);
	ck_assert_str_eq(e.file, "t.yaml");
	ck_assert_msg(e.line == line && e.col == col, "%s: at %u:%u, want "
	    "%u:%u (%s)", text, e.line, e.col, line, col, e.reason);
	ck_assert_msg(strstr(e.reason, want) != NULL, "reason '%s' lacks "
	    "'%s'", e.reason, want);
}

START_TEST(test_tree_and_positions)
{
	const char *text =
	    "# comment\n"
	    "name: espvis\n"
	    "list:\n"
	    "  - 1\n"
	    "  - 'two'\n"
	    "map: {a: x, b: [y]}\n";
	const struct ynode *root, *v, *it;
	struct doc_error e;
	struct ydoc *doc;

	ck_assert_ptr_nonnull(doc = load(text, &e));
	root = ydoc_root(doc);
	ck_assert_int_eq(root->kind, YNODE_MAP);
	ck_assert_uint_eq(root->n_children, 3);
	ck_assert_str_eq(ydoc_name(doc), "t.yaml");

	ck_assert_ptr_nonnull(v = ynode_get(root, "name"));
	ck_assert_str_eq(v->text, "espvis");
	ck_assert(v->plain);
	ck_assert_uint_eq(v->line, 2);
	ck_assert_uint_eq(v->col, 7);
	ck_assert_uint_eq(v->key_line, 2);
	ck_assert_uint_eq(v->key_col, 1);
	ck_assert_str_eq(v->file, "t.yaml");

	ck_assert_ptr_nonnull(v = ynode_get(root, "list"));
	ck_assert_int_eq(v->kind, YNODE_LIST);
	ck_assert_uint_eq(v->n_children, 2);
	it = v->child;
	ck_assert_str_eq(it->text, "1");
	ck_assert_uint_eq(it->line, 4);
	ck_assert_uint_eq(it->col, 5);
	it = it->next;
	ck_assert_str_eq(it->text, "two");
	ck_assert(!it->plain);
	ck_assert_uint_eq(it->line, 5);
	ck_assert_uint_eq(it->col, 5);
	ck_assert_ptr_null(it->next);

	ck_assert_ptr_nonnull(v = ynode_get(root, "map"));
	ck_assert_int_eq(v->kind, YNODE_MAP);
	ck_assert_uint_eq(v->line, 6);
	ck_assert_uint_eq(v->col, 6);
	ck_assert_ptr_nonnull(it = ynode_get(v, "b"));
	ck_assert_int_eq(it->kind, YNODE_LIST);
	ck_assert_uint_eq(it->key_col, 13);
	ck_assert_str_eq(it->child->text, "y");
	ck_assert_ptr_null(ynode_get(v, "c"));
	ydoc_free(doc);
}
END_TEST

/* "null", "~", "yes" stay text: meaning comes from the typed readers. */
START_TEST(test_scalars_are_text)
{
	const struct ynode *root;
	struct doc_error e;
	struct ydoc *doc;

	ck_assert_ptr_nonnull(doc = load("[null, ~, yes, '', \"a\\tb\"]", &e));
	root = ydoc_root(doc);
	ck_assert_str_eq(root->child->text, "null");
	ck_assert_str_eq(root->child->next->text, "~");
	ck_assert_str_eq(root->child->next->next->text, "yes");
	ck_assert_uint_eq(root->child->next->next->next->len, 0);
	ck_assert_str_eq(root->child->next->next->next->next->text, "a\tb");
	ydoc_free(doc);
}
END_TEST

START_TEST(test_empty_documents)
{
	static const char *const empties[] = { "", "# only a comment\n",
	    "---\n", "\n\n" };
	struct doc_error e;
	struct ydoc *doc;
	size_t i;

	for (i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
		ck_assert_ptr_nonnull(doc = load(empties[i], &e));
		ck_assert_ptr_null(ydoc_root(doc));
		ydoc_free(doc);
	}
}
END_TEST

START_TEST(test_syntax_errors)
{
	assert_refused("a: [1, 2\nb: 3\n", 2, 2, "expected ',' or ']'");
	assert_refused("a: b: c\n", 1, 5, "mapping values are not allowed");
	assert_refused("a:\n\t- 1\n", 2, 1, "cannot start any token");
	assert_refused("- a\nb: 2\n", 2, 1, "expected '-' indicator");
	assert_refused("key: 'unterminated", 1, 19, "unexpected end");
}
END_TEST

START_TEST(test_duplicate_keys)
{
	assert_refused("a: 1\na: 2\n", 2, 1,
	    "duplicate key 'a' (first at line 1, column 1)");
	assert_refused("a: 1\nb:\n  c: 2\n  d: 0\n  c: 3\n", 5, 3,
	    "duplicate key 'c' (first at line 3, column 3)");
	/* The earliest repeat is reported, whatever the key's name. */
	assert_refused("z: 1\na: 1\nz: 2\na: 2\n", 3, 1, "'z'");
	assert_refused("{x: 1, x: 2, x: 3}", 1, 8, "'x'");
}
END_TEST

START_TEST(test_anchors_aliases_tags)
{
	assert_refused("- &x 1\n- *x\n", 1, 3, "anchors (&x)");
	assert_refused("a: *x\n", 1, 4, "aliases (*x)");
	assert_refused("a: &m {b: 1}\n", 1, 4, "anchors (&m)");
	assert_refused("a: !!str 1\n", 1, 4, "tags");
	assert_refused("a: !custom [1]\n", 1, 4, "tags");
}
END_TEST

START_TEST(test_structure_refusals)
{
	assert_refused("--- 1\n--- 2\n", 2, 1, "more than one document");
	assert_refused("{[a]: b}", 1, 2, "key must be a scalar");
	assert_refused("? {a: 1}\n: b\n", 1, 3, "key must be a scalar");
	assert_refused("a: \xff\n", 1, 4, "invalid leading UTF-8 octet");
	/* libyaml points at the byte that breaks the sequence. */
	assert_refused("a: 1\nb: \xc3\n", 2, 5, "invalid trailing UTF-8");
}
END_TEST

/* 32 nested lists pass; the 33rd opening bracket is refused there. */
START_TEST(test_depth_limit)
{
	char text[2 * YAML_LIMIT_DEPTH + 8];
	struct doc_error e;
	struct ydoc *doc;
	int i;

	for (i = 0; i < YAML_LIMIT_DEPTH; i++) {
		text[i] = '[';
		text[YAML_LIMIT_DEPTH + i] = ']';
	}
	text[2 * YAML_LIMIT_DEPTH] = '\0';
	ck_assert_ptr_nonnull(doc = load(text, &e));
	ydoc_free(doc);

	for (i = 0; i <= YAML_LIMIT_DEPTH; i++) {
		text[i] = '[';
		text[YAML_LIMIT_DEPTH + 1 + i] = ']';
	}
	text[2 * YAML_LIMIT_DEPTH + 2] = '\0';
	assert_refused(text, 1, YAML_LIMIT_DEPTH + 1, "nested deeper than 32");
}
END_TEST

/* A flow list of N items is N + 1 nodes (the list itself). */
static char *
flow_list(size_t items)
{
	char *s = malloc(2 * items + 2);
	size_t i;

	ck_assert_ptr_nonnull(s);
	s[0] = '[';
	for (i = 0; i < items; i++) {
		s[1 + 2 * i] = '1';
		s[2 + 2 * i] = i + 1 == items ? ']' : ',';
	}
	s[2 * items + 1] = '\0';
	return (s);
}

START_TEST(test_node_limit)
{
	struct doc_error e;
	struct ydoc *doc;
	char *text;

	text = flow_list(YAML_LIMIT_NODES - 1);
	ck_assert_ptr_nonnull(doc = load(text, &e));
	ck_assert_uint_eq(ydoc_root(doc)->n_children, YAML_LIMIT_NODES - 1);
	ydoc_free(doc);
	free(text);

	/* Item number YAML_LIMIT_NODES is at column 2 * N. */
	text = flow_list(YAML_LIMIT_NODES);
	assert_refused(text, 1, 2 * YAML_LIMIT_NODES, "more than 100000 nodes");
	free(text);
}
END_TEST

START_TEST(test_scalar_limit)
{
	char text[YAML_LIMIT_SCALAR + 16];
	struct doc_error e;
	struct ydoc *doc;

	memcpy(text, "a: ", 3);
	memset(text + 3, 'x', YAML_LIMIT_SCALAR);
	text[3 + YAML_LIMIT_SCALAR] = '\0';
	ck_assert_ptr_nonnull(doc = load(text, &e));
	ck_assert_uint_eq(ynode_get(ydoc_root(doc), "a")->len,
	    YAML_LIMIT_SCALAR);
	ydoc_free(doc);
	text[3 + YAML_LIMIT_SCALAR] = 'x';
	text[4 + YAML_LIMIT_SCALAR] = '\0';
	assert_refused(text, 1, 4, "scalar longer than 4096 bytes");
}
END_TEST

START_TEST(test_files)
{
	char path[] = "/tmp/espvis-test-yaml-XXXXXX", buf[1024], line[64];
	struct doc_error e;
	struct ydoc *doc;
	FILE *f;
	int fd;
	size_t i;

	ck_assert_ptr_null(ydoc_load_file("/nonexistent/x.yaml", &e));
	ck_assert_str_eq(e.file, "/nonexistent/x.yaml");
	ck_assert_uint_eq(e.line, 0);
	ck_assert_str_eq(doc_error_str(&e, buf, sizeof(buf)),
	    "/nonexistent/x.yaml: No such file or directory");

	ck_assert_int_ge(fd = mkstemp(path), 0);
	ck_assert_ptr_nonnull(f = fdopen(fd, "w"));
	fputs("ok: true\nbad: [\n", f);
	fclose(f);
	ck_assert_ptr_null(ydoc_load_file(path, &e));
	ck_assert_str_eq(e.file, path);
	ck_assert_uint_eq(e.line, 3);
	snprintf(buf, sizeof(buf), "%s:3:1: ", path);
	ck_assert_int_eq(strncmp(doc_error_str(&e, buf + 100, 900), buf,
	    strlen(buf)), 0);

	/* A file of exactly the limit (comments) loads; one byte more not. */
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	memset(line, '.', sizeof(line));
	line[0] = '#';
	line[sizeof(line) - 1] = '\n';
	for (i = 0; i < YAML_LIMIT_FILE; i += sizeof(line))
		fwrite(line, 1, sizeof(line), f);
	fclose(f);
	ck_assert_ptr_nonnull(doc = ydoc_load_file(path, &e));
	ck_assert_ptr_null(ydoc_root(doc));
	ydoc_free(doc);
	ck_assert_ptr_nonnull(f = fopen(path, "a"));
	fputc('\n', f);
	fclose(f);
	ck_assert_ptr_null(ydoc_load_file(path, &e));
	ck_assert_uint_eq(e.line, 0);
	ck_assert_str_eq(e.reason, "larger than 8388608 bytes");

	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("a: 1\n", f);
	fclose(f);
	ck_assert_ptr_nonnull(doc = ydoc_load_file(path, &e));
	ck_assert_str_eq(ydoc_name(doc), path);
	ydoc_free(doc);
	unlink(path);
	ydoc_free(NULL);
}
END_TEST

/* Read "v: TEXT" and return the value node (doc kept in *docp). */
static const struct ynode *
value(const char *text, struct ydoc **docp)
{
	struct doc_error e;

	*docp = load(text, &e);
	ck_assert_msg(*docp != NULL, "%s: %s", text, e.reason);
	return (ynode_get(ydoc_root(*docp), "v"));
}

static void
assert_u32(const char *text, uint32_t min, uint32_t max, int rc,
    uint32_t want, const char *reason)
{
	const struct ynode *v;
	struct doc_error e;
	struct ydoc *doc;
	uint32_t got = 0;

	v = value(text, &doc);
	ck_assert_int_eq(ynode_u32(v, min, max, &got, &e), rc);
	if (rc == 0)
		ck_assert_uint_eq(got, want);
	else {
		ck_assert_uint_eq(e.line, 1);
		ck_assert_uint_eq(e.col, 4);
		ck_assert_msg(strstr(e.reason, reason) != NULL, "%s: '%s'",
		    text, e.reason);
	}
	ydoc_free(doc);
}

START_TEST(test_u32)
{
	assert_u32("v: 0", 0, 10, 0, 0, NULL);
	assert_u32("v: 10", 0, 10, 0, 10, NULL);
	assert_u32("v: 11", 0, 10, -1, 0, "11 is out of range 0..10");
	assert_u32("v: 4", 5, 10, -1, 0, "out of range 5..10");
	assert_u32("v: 4294967295", 0, UINT32_MAX, 0, UINT32_MAX, NULL);
	assert_u32("v: 4294967296", 0, UINT32_MAX, -1, 0, "out of range");
	assert_u32("v: 99999999999999999999", 0, UINT32_MAX, -1, 0,
	    "out of range");
	assert_u32("v: 0xc0a80001", 0, UINT32_MAX, 0, 0xc0a80001u, NULL);
	assert_u32("v: 0XFF", 0, UINT32_MAX, 0, 255, NULL);
	assert_u32("v: 0x", 0, UINT32_MAX, -1, 0, "expected an integer");
	assert_u32("v: 0x1g", 0, UINT32_MAX, -1, 0, "expected an integer");
	assert_u32("v: 010", 0, 100, -1, 0, "leading zeros");
	assert_u32("v: -1", 0, 100, -1, 0, "expected an integer, got '-1'");
	assert_u32("v: +1", 0, 100, -1, 0, "expected an integer");
	assert_u32("v: 1.5", 0, 100, -1, 0, "expected an integer");
	assert_u32("v: ten", 0, 100, -1, 0, "got 'ten'");
	assert_u32("v: \"5\"", 0, 100, -1, 0, "quoted string");
	assert_u32("v: [1]", 0, 100, -1, 0, "expected an integer, got a list");
	assert_u32("v: {a: 1}", 0, 100, -1, 0, "got a map");
}
END_TEST

START_TEST(test_bool_enum_str)
{
	static const char *const colours[] = { "red", "green", "blue" };
	const struct ynode *v;
	struct doc_error e;
	struct ydoc *doc;
	const char *s;
	bool b = false;
	uint32_t n;
	int i = -1;

	/* An empty value sits just after the colon. */
	v = value("v:", &doc);
	ck_assert_int_eq(ynode_u32(v, 0, 10, &n, &e), -1);
	ck_assert_uint_eq(e.col, 3);
	ck_assert_str_eq(e.reason, "expected an integer, got ''");
	ydoc_free(doc);

	v = value("v: true", &doc);
	ck_assert_int_eq(ynode_bool(v, &b, &e), 0);
	ck_assert(b);
	ydoc_free(doc);
	v = value("v: false", &doc);
	ck_assert_int_eq(ynode_bool(v, &b, &e), 0);
	ck_assert(!b);
	ydoc_free(doc);
	v = value("v: yes", &doc);
	ck_assert_int_eq(ynode_bool(v, &b, &e), -1);
	ck_assert_str_eq(e.reason, "expected true or false, got 'yes'");
	ydoc_free(doc);
	v = value("v: 'true'", &doc);
	ck_assert_int_eq(ynode_bool(v, &b, &e), -1);
	ydoc_free(doc);
	v = value("v: [true]", &doc);
	ck_assert_int_eq(ynode_bool(v, &b, &e), -1);
	ck_assert_str_eq(e.reason, "expected true or false, got a list");
	ydoc_free(doc);

	v = value("v: blue", &doc);
	ck_assert_int_eq(ynode_enum(v, colours, 3, &i, &e), 0);
	ck_assert_int_eq(i, 2);
	ydoc_free(doc);
	v = value("v: Blue", &doc);
	ck_assert_int_eq(ynode_enum(v, colours, 3, &i, &e), -1);
	ck_assert_str_eq(e.reason,
	    "expected red, green or blue, got 'Blue'");
	ck_assert_uint_eq(e.col, 4);
	ydoc_free(doc);
	v = value("v: {red: 1}", &doc);
	ck_assert_int_eq(ynode_enum(v, colours, 3, &i, &e), -1);
	ck_assert_str_eq(e.reason, "expected red, green or blue, got a map");
	ydoc_free(doc);

	v = value("v: \"a b\"", &doc);
	ck_assert_int_eq(ynode_str(v, 3, &s, &e), 0);
	ck_assert_str_eq(s, "a b");
	ck_assert_int_eq(ynode_str(v, 2, &s, &e), -1);
	ck_assert_str_eq(e.reason, "longer than 2 bytes");
	ydoc_free(doc);
	v = value("v: ''", &doc);
	ck_assert_int_eq(ynode_str(v, 10, &s, &e), -1);
	ck_assert_str_eq(e.reason, "empty string");
	ydoc_free(doc);
	v = value("v: \"a\\0b\"", &doc);
	ck_assert_int_eq(ynode_str(v, 10, &s, &e), -1);
	ck_assert_str_eq(e.reason, "NUL byte in a string");
	ydoc_free(doc);
	v = value("v: [a]", &doc);
	ck_assert_int_eq(ynode_str(v, 10, &s, &e), -1);
	ck_assert_str_eq(e.reason, "expected a string, got a list");
	ydoc_free(doc);
}
END_TEST

START_TEST(test_cidr_expect_keys)
{
	static const char *const allowed[] = { "a", "b" };
	const struct ynode *v, *root;
	struct doc_error e;
	struct ydoc *doc;
	struct ipnet net;
	char buf[256];

	v = value("v: 10.0.0.0/8", &doc);
	ck_assert_int_eq(ynode_cidr(v, &net, &e), 0);
	ck_assert_uint_eq(net.family, 4);
	ck_assert_uint_eq(net.prefix_len, 8);
	ydoc_free(doc);
	v = value("v: 10.1.0.0/8", &doc);
	ck_assert_int_eq(ynode_cidr(v, &net, &e), -1);
	ck_assert_str_eq(e.reason, "'10.1.0.0/8' has host bits set below /8");
	ydoc_free(doc);
	v = value("v: [10.0.0.1]", &doc);
	ck_assert_int_eq(ynode_cidr(v, &net, &e), -1);
	ck_assert_str_eq(e.reason, "expected an address or prefix, got a "
	    "list");
	ck_assert_int_eq(ynode_expect(v, YNODE_LIST, &e), 0);
	ck_assert_int_eq(ynode_expect(v, YNODE_MAP, &e), -1);
	ck_assert_str_eq(doc_error_str(&e, buf, sizeof(buf)),
	    "t.yaml:1:4: expected a map, got a list");
	ydoc_free(doc);

	ck_assert_ptr_nonnull(doc = load("a: 1\nb: 2\n", &e));
	root = ydoc_root(doc);
	ck_assert_int_eq(ynode_check_keys(root, allowed, 2, &e), 0);
	ydoc_free(doc);
	ck_assert_ptr_nonnull(doc = load("a: 1\n  # x\nzz: 2\n", &e));
	root = ydoc_root(doc);
	ck_assert_int_eq(ynode_check_keys(root, allowed, 2, &e), -1);
	ck_assert_str_eq(doc_error_str(&e, buf, sizeof(buf)),
	    "t.yaml:3:1: unknown key 'zz'");
	ck_assert_int_eq(ynode_error(ynode_get(root, "a"), &e, "x %d", 5),
	    -1);
	ck_assert_str_eq(doc_error_str(&e, buf, sizeof(buf)),
	    "t.yaml:1:4: x 5");
	ck_assert_int_eq(ynode_key_error(ynode_get(root, "zz"), &e, "k"), -1);
	ck_assert_str_eq(doc_error_str(&e, buf, sizeof(buf)),
	    "t.yaml:3:1: k");
	ydoc_free(doc);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("yaml");
	TCase *tc = tcase_create("yaml");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_tree_and_positions);
	tcase_add_test(tc, test_scalars_are_text);
	tcase_add_test(tc, test_empty_documents);
	tcase_add_test(tc, test_syntax_errors);
	tcase_add_test(tc, test_duplicate_keys);
	tcase_add_test(tc, test_anchors_aliases_tags);
	tcase_add_test(tc, test_structure_refusals);
	tcase_add_test(tc, test_depth_limit);
	tcase_add_test(tc, test_node_limit);
	tcase_add_test(tc, test_scalar_limit);
	tcase_add_test(tc, test_files);
	tcase_add_test(tc, test_u32);
	tcase_add_test(tc, test_bool_enum_str);
	tcase_add_test(tc, test_cidr_expect_keys);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
