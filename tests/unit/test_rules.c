/*
 * test_rules.c - the rule language (docs/rules.md): every load error with
 * its file, line, column and reason; directories, name order and ids
 * unique across files; each match condition and its edges; SA level and
 * flow level; pass precedence; reload keeping the old set; the alert
 * report; and the shipped rule set doing what its messages say.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "unit.h"
#include "classify/rules.h"

/* Each test gets its own directory (Check forks per test). */
static char dir[64];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/espvis-test-rules-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	char path[512];
	struct dirent *d;
	DIR *dp;

	if ((dp = opendir(dir)) == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		if (d->d_name[0] == '.' && (d->d_name[1] == '\0' ||
		    (d->d_name[1] == '.' && d->d_name[2] == '\0')))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		unlink(path);
	}
	closedir(dp);
	rmdir(dir);
}

/* Write dir/name; returns its path (valid until the next call). */
static const char *
write_file(const char *name, const char *text)
{
	static char path[4][512];
	static int next;
	char *p = path[next++ % 4];
	FILE *f;

	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(p, "w"));
	fputs(text, f);
	fclose(f);
	return (p);
}

/* The first error of loading text must be at line:col, with want. */
static void
assert_error(const char *text, uint32_t line, uint32_t col, const char *want)
{
	const char *path = write_file("r.yaml", text);
	struct rules_errors errs;
	size_t n, disabled;

	ck_assert_int_eq(rules_check(&path, 1, &errs, &n, &disabled), -1);
	ck_assert_uint_ge(errs.n, 1);
	ck_assert_str_eq(errs.err[0].file, path);
	ck_assert_msg(errs.err[0].line == line && errs.err[0].col == col,
	    "at %u:%u, want %u:%u (%s)", errs.err[0].line, errs.err[0].col,
	    line, col, errs.err[0].reason);
	ck_assert_msg(strstr(errs.err[0].reason, want) != NULL,
	    "reason '%s' lacks '%s'", errs.err[0].reason, want);
}

/* A rule file of one rule whose match is given (indented 4). */
static void
assert_match_error(const char *match, uint32_t line, uint32_t col,
    const char *want)
{
	char text[1024];

	snprintf(text, sizeof(text), "- id: 1\n  msg: m\n  action: alert\n"
	    "  match:\n%s", match);
	assert_error(text, line, col, want);
}

START_TEST(test_error_syntax)
{
	assert_error("- id: 1\n  msg: [x\n", 3, 1, "expected ',' or ']'");
	assert_error("- id: 1\n  msg: a: b\n", 2, 9, "mapping values");
	assert_error("- id: 1\n  id: 2\n  msg: m\n  action: alert\n", 2, 3,
	    "duplicate key 'id'");
}
END_TEST

START_TEST(test_error_unknown_key)
{
	assert_error("- id: 1\n  msg: m\n  action: alert\n  sevrity: 2\n", 4,
	    3, "unknown key 'sevrity'");
	assert_match_error("    esp: \"null\"\n    application: HTTP\n", 6, 5,
	    "unknown key 'application'");
	assert_match_error("    src_ip: 10.0.0.0/8\n", 5, 5,
	    "unknown key 'src_ip'");
}
END_TEST

START_TEST(test_error_wrong_type)
{
	assert_error("- id: abc\n  msg: m\n  action: alert\n", 1, 7,
	    "expected an integer, got 'abc'");
	assert_error("- id: '5'\n  msg: m\n  action: alert\n", 1, 7,
	    "quoted string");
	assert_error("- id: 1\n  msg: [a]\n  action: alert\n", 2, 8,
	    "expected a string, got a list");
	assert_error("- id: 1\n  msg: m\n  action: block\n", 3, 11,
	    "expected alert, drop or pass, got 'block'");
	assert_error("- id: 1\n  msg: m\n  action: alert\n  enabled: yes\n", 4,
	    12, "expected true or false, got 'yes'");
	assert_error("- id: 1\n  msg: m\n  action: alert\n  match: 5\n", 4, 10,
	    "expected a map, got a scalar");
	assert_error("- id: 1\n  msg: m\n  action: alert\n  category: {a: 1}\n",
	    4, 13, "expected a string, got a map");
	assert_match_error("    wesp: maybe\n", 5, 11,
	    "expected true or false");
	assert_match_error("    esp: nul\n", 5, 10,
	    "expected null, encrypted, undecided or any, got 'nul'");
	assert_match_error("    spi: twelve\n", 5, 10, "expected an integer");
	assert_match_error("    inner_proto: tcpp\n", 5, 18,
	    "expected tcp, udp, icmp, icmpv6, sctp, gre or a protocol number");
	assert_match_error("    risk: cleartext\n", 5, 11,
	    "unknown nDPI risk 'cleartext'");
}
END_TEST

START_TEST(test_error_out_of_range)
{
	assert_error("- id: 1\n  msg: m\n  action: alert\n  severity: 5\n", 4,
	    13, "5 is out of range 1..4");
	assert_error("- id: 1\n  msg: m\n  action: alert\n  severity: 0\n", 4,
	    13, "0 is out of range 1..4");
	assert_error("- id: 0\n  msg: m\n  action: alert\n", 1, 7,
	    "0 is out of range 1..4294967295");
	assert_error("- id: 4294967296\n  msg: m\n  action: alert\n", 1, 7,
	    "out of range");
	assert_match_error("    spi: 255\n", 5, 10,
	    "255 is out of range 256..4294967295");
	assert_match_error("    spi: [300, 0x100000000]\n", 5, 16,
	    "out of range");
	assert_match_error("    inner_proto: 256\n", 5, 18,
	    "256 is out of range 0..255");
}
END_TEST

START_TEST(test_error_bad_cidr)
{
	assert_match_error("    src: 10.0.0.300\n", 5, 10,
	    "'10.0.0.300' is not an IPv4 or IPv6 address");
	assert_match_error("    dst: [10.0.0.0/8, 10.1.0.0/8]\n", 5, 23,
	    "'10.1.0.0/8' has host bits set below /8");
	assert_match_error("    inner_src: 2001:db8::/129\n", 5, 16,
	    "bad prefix length '129' (0..128)");
	assert_match_error("    inner_dst:\n      - 192.0.2.0/24\n"
	    "      - fe80::1%eth0\n", 7, 9, "not an IPv4 or IPv6 address");
}
END_TEST

START_TEST(test_error_bad_ports)
{
	assert_match_error("    dest_port: 2000-1000\n", 5, 16,
	    "port range '2000-1000' is empty (2000 > 1000)");
	assert_match_error("    src_port: 70000\n", 5, 15,
	    "bad port '70000': expected a port 0..65535 or a range");
	assert_match_error("    port: 1-2-3\n", 5, 11, "bad port '1-2-3'");
	assert_match_error("    port: [80, http]\n", 5, 16, "bad port 'http'");
	assert_match_error("    port: 1024-\n", 5, 11, "bad port '1024-'");
	assert_match_error("    port: -5\n", 5, 11, "bad port '-5'");
	assert_match_error("    port: 1024-65536\n", 5, 11, "bad port");
}
END_TEST

START_TEST(test_error_unknown_app)
{
	assert_match_error("    app: Telnt\n", 5, 10,
	    "unknown app 'Telnt': not an nDPI 4.2 protocol name");
	assert_match_error("    app: [Telnet, FTP, POP3]\n", 5, 19,
	    "unknown app 'FTP'");
	assert_match_error("    app: rlogin\n", 5, 10, "unknown app 'rlogin'");
}
END_TEST

START_TEST(test_error_duplicate_id)
{
	const char *paths[1];
	struct rules_errors errs;
	size_t n, disabled;
	char want[600];

	assert_error("- {id: 7, msg: a, action: alert}\n"
	    "- {id: 8, msg: b, action: alert}\n"
	    "- {id: 7, msg: c, action: pass}\n", 3, 8,
	    "duplicate rule id 7 (first at ");

	/* Across the files of a directory: the later file is blamed. */
	unlink(write_file("r.yaml", ""));
	write_file("a.yaml", "- id: 42\n  msg: a\n  action: alert\n");
	write_file("b.yaml", "\n\n- id: 42\n  msg: b\n  action: alert\n");
	paths[0] = dir;
	ck_assert_int_eq(rules_check(paths, 1, &errs, &n, &disabled), -1);
	ck_assert_uint_eq(errs.n, 1);
	snprintf(want, sizeof(want), "%s/b.yaml", dir);
	ck_assert_str_eq(errs.err[0].file, want);
	ck_assert_uint_eq(errs.err[0].line, 3);
	ck_assert_uint_eq(errs.err[0].col, 7);
	snprintf(want, sizeof(want), "duplicate rule id 42 (first at "
	    "%s/a.yaml:1:7)", dir);
	ck_assert_str_eq(errs.err[0].reason, want);
}
END_TEST

START_TEST(test_error_missing_keys)
{
	assert_error("- msg: m\n  action: alert\n", 1, 3, "rule without 'id'");
	assert_error("- id: 1\n  action: alert\n", 1, 3, "rule without 'msg'");
	assert_error("# x\n-   id: 1\n    msg: m\n", 2, 5,
	    "rule without 'action'");
	assert_error("- id: 1\n  msg:\n  action: alert\n", 2, 7,
	    "empty string");
}
END_TEST

START_TEST(test_error_empty_and_not_a_list)
{
	assert_error("", 1, 1, "empty file: expected a list of rules");
	assert_error("# nothing here\n", 1, 1, "empty file");
	assert_error("id: 1\nmsg: m\naction: alert\n", 1, 1,
	    "expected a list of rules, got a map");
	assert_error("just text\n", 1, 1, "expected a list of rules, got a "
	    "scalar");
	assert_error("- id: 1\n  msg: m\n  action: alert\n- 5\n", 4, 3,
	    "expected a rule (a map with id, msg, action, match), got a "
	    "scalar");
	assert_error("- [id, 1]\n", 1, 3, "got a list");
	assert_match_error("    src: {net: 10.0.0.0/8}\n", 5, 10,
	    "expected an address or prefix or a list of them, got a map");
	assert_match_error("    spi: [[300]]\n", 5, 11,
	    "expected an SPI, got a list");
	assert_match_error("    app: []\n", 5, 10, "empty list");
}
END_TEST

START_TEST(test_error_deep_nesting)
{
	char text[256];
	int i, off;

	off = snprintf(text, sizeof(text), "- id: 1\n  msg: ");
	for (i = 0; i < 40; i++)
		text[off++] = '[';
	for (i = 0; i < 40; i++)
		text[off++] = ']';
	text[off++] = '\n';
	text[off] = '\0';
	/*
	 * The root list and the rule map are two levels: 30 more fit, and
	 * the 31st bracket (column 8 + 30) is refused.
	 */
	assert_error(text, 2, 8 + 30, "nested deeper than 32 levels");
}
END_TEST

START_TEST(test_error_aliases)
{
	assert_error("- id: 1\n  msg: &m hello\n  action: alert\n"
	    "- id: 2\n  msg: *m\n  action: alert\n", 2, 8, "anchors (&m)");
	assert_error("- id: 1\n  msg: *m\n  action: alert\n", 2, 8,
	    "aliases (*m)");
	assert_error("- id: 1\n  msg: !!str hello\n  action: alert\n", 2, 8,
	    "tags");
}
END_TEST

/* Errors go on past the first (one per rule), up to a bound. */
START_TEST(test_error_many)
{
	const char *path;
	struct rules_errors errs;
	char text[4096];
	size_t n, disabled, off = 0;
	int i;

	off += (size_t)snprintf(text + off, sizeof(text) - off,
	    "- {id: 1, msg: a, action: alert, severity: 9}\n"
	    "- {id: 2, msg: b, action: alert}\n"
	    "- {id: 3, msg: c, action: drop, match: {app: Nope}}\n");
	path = write_file("r.yaml", text);
	ck_assert_int_eq(rules_check(&path, 1, &errs, &n, &disabled), -1);
	ck_assert_uint_eq(errs.n, 2);
	ck_assert_uint_eq(errs.more, 0);
	ck_assert_uint_eq(errs.err[0].line, 1);
	ck_assert_uint_eq(errs.err[1].line, 3);
	ck_assert(strstr(errs.err[1].reason, "unknown app 'Nope'") != NULL);

	off = 0;
	for (i = 0; i < 20; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "- {id: %d, msg: m, action: nope}\n", i + 1);
	path = write_file("r.yaml", text);
	ck_assert_int_eq(rules_check(&path, 1, &errs, &n, &disabled), -1);
	ck_assert_uint_eq(errs.n, RULES_MAX_ERRORS);
	ck_assert_uint_eq(errs.more, 20 - RULES_MAX_ERRORS);
	ck_assert_uint_eq(errs.err[RULES_MAX_ERRORS - 1].line,
	    RULES_MAX_ERRORS);
}
END_TEST

START_TEST(test_paths_and_dirs)
{
	const char *paths[2];
	struct rules_errors errs;
	size_t n, disabled;
	char sub[128];

	paths[0] = "/nonexistent/rules.yaml";
	ck_assert_int_eq(rules_check(paths, 1, &errs, &n, &disabled), -1);
	ck_assert_str_eq(errs.err[0].file, "/nonexistent/rules.yaml");
	ck_assert_uint_eq(errs.err[0].line, 0);
	ck_assert_str_eq(errs.err[0].reason, "No such file or directory");

	/* An empty directory is a mistake, not an empty policy. */
	paths[0] = dir;
	ck_assert_int_eq(rules_check(paths, 1, &errs, &n, &disabled), -1);
	ck_assert_str_eq(errs.err[0].reason,
	    "no rule files (*.yaml) in this directory");

	/* Only *.yaml, not dot files, not other names, not subdirs. */
	write_file("20-b.yaml", "- {id: 2, msg: b, action: alert}\n");
	write_file("10-a.yaml", "- {id: 1, msg: a, action: alert, "
	    "enabled: false}\n- {id: 3, msg: c, action: pass}\n");
	write_file(".#30-c.yaml", "broken: [\n");
	write_file("notes.txt", "broken: [\n");
	write_file("old.yaml.bak", "broken: [\n");
	snprintf(sub, sizeof(sub), "%s/sub.yaml", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	ck_assert_int_eq(rules_check(paths, 1, &errs, &n, &disabled), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(disabled, 1);
	rmdir(sub);

	/* A file and a directory together; an empty list is no rules. */
	paths[1] = write_file("extra.yml", "[]\n");
	ck_assert_int_eq(rules_check(paths, 2, &errs, &n, &disabled), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(rules_check(paths, 0, &errs, &n, &disabled), 0);
	ck_assert_uint_eq(n, 0);

	/* One file reached twice is said so, not "duplicate id" to itself. */
	snprintf(sub, sizeof(sub), "%s/10-a.yaml", dir);
	paths[1] = sub;
	ck_assert_int_eq(rules_check(paths, 2, &errs, &n, &disabled), -1);
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_str_eq(errs.err[0].file, sub);
	ck_assert_uint_eq(errs.err[0].line, 0);
	ck_assert(strstr(errs.err[0].reason, "the same file is given twice "
	    "(first as ") != NULL);
}
END_TEST

/* Matching: collect the ids that fire. */
struct fired {
	uint32_t	ids[16];
	int		n;
};

static void
on_fire(void *arg, const struct rule *r, const struct rule_subject *s)
{
	struct fired *f = arg;

	(void)s;
	ck_assert_int_lt(f->n, 16);
	f->ids[f->n++] = rule_id(r);
}

static struct rules *
rules_from(const char *text)
{
	const char *path = write_file("m.yaml", text);
	struct rules_errors errs;
	struct rules *r;

	ck_assert_ptr_nonnull(r = rules_new());
	ck_assert_msg(rules_load(r, &path, 1, &errs) == 0, "%s:%u:%u: %s",
	    errs.err[0].file, errs.err[0].line, errs.err[0].col,
	    errs.err[0].reason);
	return (r);
}

static struct ipaddr
addr(const char *text)
{
	struct ipaddr a;
	uint8_t b[16];

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, text, b) == 1)
		ipaddr_set4(&a, b);
	else {
		ck_assert_int_eq(inet_pton(AF_INET6, text, b), 1);
		ipaddr_set6(&a, b);
	}
	return (a);
}

static struct rule_subject
sa(enum esp_verdict v, const char *src, const char *dst, uint32_t spi)
{
	struct rule_subject s;

	memset(&s, 0, sizeof(s));
	s.ts_sec = 1795722005;
	s.ts_usec = 123456;
	s.verdict = v;
	s.src = addr(src);
	s.dst = addr(dst);
	s.spi = spi;
	return (s);
}

static struct rule_subject
flow(const char *isrc, const char *idst, uint8_t proto, uint16_t sport,
    uint16_t dport, const char *app)
{
	struct rule_subject s = sa(VERDICT_NULL, "192.0.2.1", "198.51.100.7",
	    0x1000);

	s.flow_level = true;
	s.inner_src = addr(isrc);
	s.inner_dst = addr(idst);
	s.inner_proto = proto;
	s.inner_sport = sport;
	s.inner_dport = dport;
	if (app != NULL)
		ck_assert_int_eq(rules_subject_set_app(&s, app), 0);
	return (s);
}

/* The ids fired for s, as "1,2,3" ("" when none). */
static const char *
fired(const struct rules *r, const struct rule_subject *s,
    enum rules_verdict *verdict)
{
	static char buf[128];
	struct fired f;
	size_t off = 0;
	int i;

	memset(&f, 0, sizeof(f));
	*verdict = rules_match(r, s, on_fire, &f);
	buf[0] = '\0';
	for (i = 0; i < f.n; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%u",
		    i == 0 ? "" : ",", f.ids[i]);
	return (buf);
}

static const char *
ids(const struct rules *r, struct rule_subject s)
{
	enum rules_verdict v;

	return (fired(r, &s, &v));
}

START_TEST(test_match_esp_wesp_spi)
{
	struct rules *r = rules_from(
	    "- {id: 1, msg: n, action: alert, match: {esp: \"null\"}}\n"
	    "- {id: 2, msg: e, action: alert, match: {esp: encrypted}}\n"
	    "- {id: 3, msg: u, action: alert, match: {esp: undecided}}\n"
	    "- {id: 4, msg: a, action: alert, match: {esp: any}}\n"
	    "- {id: 5, msg: l, action: alert, match: {esp: [encrypted, "
	    "undecided]}}\n"
	    "- {id: 6, msg: w, action: alert, match: {wesp: true}}\n"
	    "- {id: 7, msg: p, action: alert, match: {wesp: false, spi: "
	    "[0x1000, 300, 4294967295, 0x1000]}}\n");
	struct rule_subject s;

	s = sa(VERDICT_NULL, "10.0.0.1", "10.0.0.2", 299);
	ck_assert_str_eq(ids(r, s), "1,4");
	s.verdict = VERDICT_ENCRYPTED;
	ck_assert_str_eq(ids(r, s), "2,4,5");
	s.verdict = VERDICT_UNDECIDED;
	ck_assert_str_eq(ids(r, s), "3,4,5");
	s.wesp = true;
	ck_assert_str_eq(ids(r, s), "3,4,5,6");
	s.wesp = false;
	s.spi = 300;
	ck_assert_str_eq(ids(r, s), "3,4,5,7");
	s.spi = 0x1000;
	ck_assert_str_eq(ids(r, s), "3,4,5,7");
	s.spi = 0xffffffffu;
	ck_assert_str_eq(ids(r, s), "3,4,5,7");
	s.spi = 0x1001;
	ck_assert_str_eq(ids(r, s), "3,4,5");
	rules_free(r);
}
END_TEST

START_TEST(test_match_outer_addresses)
{
	struct rules *r = rules_from(
	    "- id: 1\n  msg: v4\n  action: alert\n  match:\n"
	    "    src: [10.0.0.0/8, 192.0.2.1]\n"
	    "- id: 2\n  msg: v6\n  action: alert\n  match:\n"
	    "    dst: 2001:db8:0:1::/64\n"
	    "- id: 3\n  msg: both\n  action: alert\n  match:\n"
	    "    src: 172.16.0.0/12\n    dst: 172.31.255.255\n");

	ck_assert_str_eq(ids(r, sa(VERDICT_NULL, "10.255.255.255", "1.1.1.1",
	    300)), "1");
	ck_assert_str_eq(ids(r, sa(VERDICT_NULL, "11.0.0.0", "1.1.1.1",
	    300)), "");
	ck_assert_str_eq(ids(r, sa(VERDICT_NULL, "192.0.2.1", "1.1.1.1",
	    300)), "1");
	ck_assert_str_eq(ids(r, sa(VERDICT_NULL, "192.0.2.2", "1.1.1.1",
	    300)), "");
	ck_assert_str_eq(ids(r, sa(VERDICT_NULL, "::1",
	    "2001:db8:0:1:ffff:ffff:ffff:ffff", 300)), "2");
	ck_assert_str_eq(ids(r, sa(VERDICT_NULL, "::1", "2001:db8:0:2::",
	    300)), "");
	/* An IPv4 subject never meets an IPv6 prefix, and back. */
	ck_assert_str_eq(ids(r, sa(VERDICT_NULL, "::ffff:10.0.0.1",
	    "10.0.0.1", 300)), "");
	ck_assert_str_eq(ids(r, sa(VERDICT_NULL, "172.16.0.0",
	    "172.31.255.255", 300)), "3");
	ck_assert_str_eq(ids(r, sa(VERDICT_NULL, "172.16.0.0",
	    "172.31.255.254", 300)), "");
	rules_free(r);
}
END_TEST

START_TEST(test_match_inner_tuple)
{
	struct rules *r = rules_from(
	    "- id: 1\n  msg: isrc\n  action: alert\n  match:\n"
	    "    inner_src: 10.200.1.0/24\n"
	    "- id: 2\n  msg: idst6\n  action: alert\n  match:\n"
	    "    inner_dst: [2001:db8::/127]\n"
	    "- id: 3\n  msg: proto\n  action: alert\n  match:\n"
	    "    inner_proto: [udp, 132, icmpv6]\n"
	    "- id: 4\n  msg: sport\n  action: alert\n  match:\n"
	    "    src_port: 1024-65535\n"
	    "- id: 5\n  msg: dport\n  action: alert\n  match:\n"
	    "    dest_port: [22, \"80\", 8000-8080]\n"
	    "- id: 6\n  msg: port\n  action: alert\n  match:\n"
	    "    port: 53\n");

	ck_assert_str_eq(ids(r, flow("10.200.1.255", "10.200.2.1", 6, 1023,
	    443, NULL)), "1");
	ck_assert_str_eq(ids(r, flow("10.200.2.0", "10.200.2.1", 6, 1024,
	    443, NULL)), "4");
	ck_assert_str_eq(ids(r, flow("10.0.0.1", "10.0.0.2", 6, 65535, 22,
	    NULL)), "4,5");
	ck_assert_str_eq(ids(r, flow("10.0.0.1", "10.0.0.2", 6, 100, 80,
	    NULL)), "5");
	ck_assert_str_eq(ids(r, flow("10.0.0.1", "10.0.0.2", 6, 100, 8080,
	    NULL)), "5");
	ck_assert_str_eq(ids(r, flow("10.0.0.1", "10.0.0.2", 6, 100, 8081,
	    NULL)), "");
	ck_assert_str_eq(ids(r, flow("10.0.0.1", "10.0.0.2", 6, 100, 7999,
	    NULL)), "");
	/* port: either direction. */
	ck_assert_str_eq(ids(r, flow("10.0.0.1", "10.0.0.2", 17, 53, 999,
	    NULL)), "3,6");
	ck_assert_str_eq(ids(r, flow("10.0.0.1", "10.0.0.2", 132, 999, 53,
	    NULL)), "3,6");
	/* ICMP has no ports: port conditions never match it. */
	ck_assert_str_eq(ids(r, flow("10.0.0.1", "10.0.0.2", 1, 1024, 53,
	    NULL)), "");
	ck_assert_str_eq(ids(r, flow("2001:db8::5", "2001:db8::1", 58, 0, 0,
	    NULL)), "2,3");
	ck_assert_str_eq(ids(r, flow("2001:db8::5", "2001:db8::2", 58, 0, 0,
	    NULL)), "3");
	rules_free(r);
}
END_TEST

START_TEST(test_match_app_and_risk)
{
	struct rules *r = rules_from(
	    "- {id: 1, msg: t, action: alert, match: {app: telnet}}\n"
	    "- {id: 2, msg: h, action: alert, match: {app: [HTTP, IMAP]}}\n"
	    "- {id: 3, msg: g, action: alert, match: {app: Google}}\n"
	    "- {id: 4, msg: u, action: alert, match: {app: Unknown}}\n"
	    "- {id: 5, msg: c, action: alert, match: {risk: "
	    "clear_text_credentials}}\n"
	    "- {id: 6, msg: hc, action: alert, match: {app: HTTP, risk: "
	    "[smb_insecure_version, clear_text_credentials]}}\n");
	struct rule_subject s;

	ck_assert_str_eq(ids(r, flow("10.0.0.1", "10.0.0.2", 6, 1, 23,
	    "Telnet")), "1");
	ck_assert_str_eq(ids(r, flow("10.0.0.1", "10.0.0.2", 6, 1, 143,
	    "IMAP")), "2");
	/* A "Master.App" flow matches rules on either part. */
	ck_assert_str_eq(ids(r, flow("10.0.0.1", "10.0.0.2", 6, 1, 80,
	    "HTTP.Google")), "2,3");
	ck_assert_str_eq(ids(r, flow("10.0.0.1", "10.0.0.2", 6, 1, 443,
	    "TLS.Google")), "3");
	ck_assert_str_eq(ids(r, flow("10.0.0.1", "10.0.0.2", 6, 1, 9,
	    NULL)), "4");
	s = flow("10.0.0.1", "10.0.0.2", 6, 1, 80, "HTTP");
	s.app_risk = (uint64_t)1 << 36;	/* NDPI_CLEAR_TEXT_CREDENTIALS */
	ck_assert_str_eq(ids(r, s), "2,5,6");
	s.app_risk = (uint64_t)1 << 35;		/* another risk */
	ck_assert_str_eq(ids(r, s), "2");
	rules_free(r);
}
END_TEST

/* An SA-level rule fires once per SA, a flow-level one once per flow. */
START_TEST(test_match_levels)
{
	struct rules *r = rules_from(
	    "- {id: 1, msg: sa, action: alert, match: {esp: \"null\"}}\n"
	    "- {id: 2, msg: flow, action: alert, match: {esp: \"null\", "
	    "inner_proto: tcp}}\n"
	    "- {id: 3, msg: all, action: alert}\n");
	struct rule_subject s;

	s = sa(VERDICT_NULL, "10.0.0.1", "10.0.0.2", 300);
	ck_assert_str_eq(ids(r, s), "1,3");
	s = flow("10.0.0.1", "10.0.0.2", 6, 1, 2, NULL);
	ck_assert_str_eq(ids(r, s), "2");
	rules_free(r);
}
END_TEST

START_TEST(test_pass_precedence)
{
	struct rules *r = rules_from(
	    "- {id: 1, msg: alert-sa, action: alert, match: {esp: any}}\n"
	    "- {id: 2, msg: drop-flow, action: drop, match: {app: Telnet}}\n"
	    "- {id: 3, msg: alert-flow, action: alert, match: {port: 23}}\n"
	    "- {id: 10, msg: pass-spi, action: pass, match: {spi: 777}}\n"
	    "- {id: 11, msg: pass-lab, action: pass, match: {inner_src: "
	    "10.9.0.0/16}}\n"
	    "- {id: 12, msg: pass-off, action: pass, enabled: false, match: "
	    "{esp: any}}\n");
	enum rules_verdict v;
	struct rule_subject s;

	s = sa(VERDICT_NULL, "10.0.0.1", "10.0.0.2", 300);
	ck_assert_str_eq(fired(r, &s, &v), "1");
	ck_assert_int_eq(v, RULES_ALERT);
	s = flow("10.0.0.1", "10.0.0.2", 6, 40000, 23, "Telnet");
	ck_assert_str_eq(fired(r, &s, &v), "2,3");
	ck_assert_int_eq(v, RULES_DROP);
	ck_assert_int_eq(rules_match(r, &s, NULL, NULL), RULES_DROP);

	/* An SA-level pass rule quiets the SA and every flow inside it. */
	s = sa(VERDICT_NULL, "10.0.0.1", "10.0.0.2", 777);
	ck_assert_str_eq(fired(r, &s, &v), "");
	ck_assert_int_eq(v, RULES_PASS);
	s = flow("10.0.0.1", "10.0.0.2", 6, 40000, 23, "Telnet");
	s.spi = 777;
	ck_assert_str_eq(fired(r, &s, &v), "");
	ck_assert_int_eq(v, RULES_PASS);

	/* A flow-level pass rule quiets flows, never the SA. */
	s = flow("10.9.1.1", "10.0.0.2", 6, 40000, 23, "Telnet");
	ck_assert_str_eq(fired(r, &s, &v), "");
	ck_assert_int_eq(v, RULES_PASS);
	s = sa(VERDICT_NULL, "10.9.1.1", "10.0.0.2", 300);
	ck_assert_str_eq(fired(r, &s, &v), "1");

	s = flow("10.0.0.1", "10.0.0.2", 17, 5, 6, NULL);
	ck_assert_str_eq(fired(r, &s, &v), "");
	ck_assert_int_eq(v, RULES_NONE);
	ck_assert_uint_eq(rules_count(r), 5);
	rules_free(r);
}
END_TEST

START_TEST(test_reload_keeps_old_set)
{
	const char *path = write_file("live.yaml",
	    "- {id: 1, msg: a, action: alert, match: {esp: encrypted}}\n");
	struct rule_subject s = sa(VERDICT_ENCRYPTED, "10.0.0.1", "10.0.0.2",
	    300);
	struct rules_errors errs;
	struct stats st;
	struct rules *r;

	ck_assert_ptr_nonnull(r = rules_new());
	ck_assert_str_eq(ids(r, s), "");
	ck_assert_int_eq(rules_match(r, &s, NULL, NULL), RULES_NONE);
	ck_assert_int_eq(rules_load(r, &path, 1, &errs), 0);
	ck_assert_str_eq(ids(r, s), "1");

	write_file("live.yaml", "- {id: 2, msg: b, action: alert, match: "
	    "{esp: encrypted}}\n- {id: 2, msg: c, action: alert}\n");
	ck_assert_int_eq(rules_load(r, &path, 1, &errs), -1);
	ck_assert_uint_eq(errs.err[0].line, 2);
	ck_assert_str_eq(ids(r, s), "1");

	write_file("live.yaml", "- {id: 2, msg: b, action: alert, match: "
	    "{esp: encrypted}}\n- {id: 3, msg: c, action: alert}\n");
	ck_assert_int_eq(rules_load(r, &path, 1, &errs), 0);
	ck_assert_str_eq(ids(r, s), "2,3");

	memset(&st, 0, sizeof(st));
	rules_stats(r, &st);
	ck_assert_uint_eq(st.rules_loaded, 2);
	ck_assert_uint_eq(st.rules_reloads, 1);
	ck_assert_uint_eq(st.rules_reload_errors, 1);
	rules_free(r);
	rules_free(NULL);
}
END_TEST

static void
on_report(void *arg, const struct rule *r, const struct rule_subject *s)
{
	rules_alert_report(arg, r, s);
}

START_TEST(test_alert_report)
{
	struct rules *r = rules_from(
	    "- {id: 9, msg: \"SA msg\", action: drop, severity: 2, category: "
	    "policy, match: {esp: encrypted}}\n"
	    "- {id: 8, msg: flow, action: alert, match: {app: FTP_CONTROL}}\n");
	struct alert_report a;
	struct rule_subject s;
	struct sa_report sr;

	memset(&sr, 0, sizeof(sr));
	sr.ts_sec = 1000;
	sr.ts_usec = 5;
	sr.src = addr("192.0.2.1");
	sr.dst = addr("198.51.100.7");
	sr.encap = ENCAP_UDP;
	sr.sport = 4500;
	sr.dport = 4501;
	sr.wesp = true;
	sr.spi = 0xc0a80001u;
	sr.verdict = VERDICT_ENCRYPTED;
	rules_subject_sa(&s, &sr);
	ck_assert(!s.flow_level);
	ck_assert_int_eq(rules_match(r, &s, on_report, &a), RULES_DROP);
	ck_assert_uint_eq(a.signature_id, 9);
	ck_assert_str_eq(a.msg, "SA msg");
	ck_assert_str_eq(a.category, "policy");
	ck_assert_int_eq(a.action, ALERT_BLOCKED);
	ck_assert_uint_eq(a.severity, 2);
	ck_assert(!a.flow_level);
	ck_assert(ipaddr_eq(&a.src, &sr.src));
	ck_assert(ipaddr_eq(&a.dst, &sr.dst));
	ck_assert(a.has_ports);
	ck_assert_uint_eq(a.sport, 4500);
	ck_assert_uint_eq(a.dport, 4501);
	ck_assert_uint_eq(a.spi, 0xc0a80001u);
	ck_assert(a.wesp);
	ck_assert_int_eq(a.verdict, VERDICT_ENCRYPTED);
	ck_assert_int_eq(a.ts_sec, 1000);
	ck_assert_uint_eq(a.ts_usec, 5);
	ck_assert_ptr_null(a.app_proto);

	s = flow("10.200.1.1", "10.200.2.1", 6, 51514, 21, "FTP_CONTROL");
	ck_assert_int_eq(rules_match(r, &s, on_report, &a), RULES_ALERT);
	ck_assert_uint_eq(a.signature_id, 8);
	ck_assert_int_eq(a.action, ALERT_ALLOWED);
	ck_assert_uint_eq(a.severity, 3);	/* the default */
	ck_assert_ptr_null(a.category);
	ck_assert(a.flow_level);
	ck_assert(ipaddr_eq(&a.src, &s.inner_src));
	ck_assert(ipaddr_eq(&a.sa_src, &s.src));
	ck_assert_uint_eq(a.proto, 6);
	ck_assert(a.has_ports);
	ck_assert_uint_eq(a.dport, 21);
	ck_assert_str_eq(a.app_proto, "FTP_CONTROL");
	rules_free(r);
}
END_TEST

START_TEST(test_subject_set_app)
{
	struct rule_subject s;

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(rules_subject_set_app(&s, "HTTP.Google"), 0);
	ck_assert_uint_eq(s.app_master, 7);	/* NDPI_PROTOCOL_HTTP */
	ck_assert_uint_eq(s.app_id, rules_app_id("Google", 6));
	ck_assert_str_eq(s.app_name, "HTTP.Google");
	ck_assert_int_eq(rules_subject_set_app(&s, "smbv1"), 0);
	ck_assert_uint_eq(s.app_master, 0);
	ck_assert_uint_eq(s.app_id, 16);	/* NDPI_PROTOCOL_SMBV1 */
	ck_assert_int_eq(rules_subject_set_app(&s, "Nope.HTTP"), -1);
	ck_assert_uint_eq(s.app_id, 0);
	ck_assert_int_eq(rules_subject_set_app(&s, "HTTP.Nope"), -1);
	ck_assert_int_eq(rules_subject_set_app(&s, ".HTTP"), -1);
	ck_assert_int_eq(rules_app_id("FTP_CONTROL", 11), 1);
	ck_assert_int_eq(rules_app_id("FTP_CONTROLX", 3), -1);
	ck_assert_int_eq(rules_app_id("Unknown", 7), 0);
}
END_TEST

/* The shipped rules, by what their messages promise. */
START_TEST(test_shipped_rules)
{
	char top[512], rules_dir[600];
	const char *path = rules_dir, *slash;
	struct rules_errors errs;
	struct rule_subject s;
	size_t n, disabled;
	struct rules *r;

	slash = strrchr(__FILE__, '/');
	snprintf(top, sizeof(top), "%.*s/../..", (int)(slash - __FILE__),
	    __FILE__);
	snprintf(rules_dir, sizeof(rules_dir), "%s/rules", top);
	ck_assert_int_eq(rules_check(&path, 1, &errs, &n, &disabled), 0);
	ck_assert_uint_ge(n, 10);
	ck_assert_uint_eq(disabled, 1);
	ck_assert_ptr_nonnull(r = rules_new());
	ck_assert_int_eq(rules_load(r, &path, 1, &errs), 0);

	ck_assert_str_eq(ids(r, flow("10.0.0.1", "10.0.0.2", 6, 40000, 23,
	    "Telnet")), "1001");
	ck_assert_str_eq(ids(r, flow("10.0.0.1", "10.0.0.2", 6, 40000, 21,
	    "FTP_CONTROL")), "1002");
	ck_assert_str_eq(ids(r, flow("10.0.0.1", "10.0.0.2", 6, 40000, 110,
	    "POP3")), "1003");
	ck_assert_str_eq(ids(r, flow("10.0.0.1", "10.0.0.2", 6, 40000, 993,
	    "IMAPS")), "");
	ck_assert_str_eq(ids(r, flow("10.0.0.1", "10.0.0.2", 6, 40000, 143,
	    "IMAP")), "1004");
	s = flow("10.0.0.1", "10.0.0.2", 6, 40000, 80, "HTTP");
	ck_assert_str_eq(ids(r, s), "");
	s.app_risk = (uint64_t)1 << 36;		/* clear_text_credentials */
	ck_assert_str_eq(ids(r, s), "1005");
	ck_assert_str_eq(ids(r, flow("10.0.0.1", "10.0.0.2", 6, 1023, 513,
	    NULL)), "1007");
	ck_assert_str_eq(ids(r, flow("10.0.0.1", "10.0.0.2", 17, 1023, 513,
	    NULL)), "");
	ck_assert_str_eq(ids(r, flow("10.0.0.1", "10.0.0.2", 6, 40000, 445,
	    "SMBv1")), "2001");
	ck_assert_str_eq(ids(r, flow("10.0.0.1", "10.0.0.2", 6, 40000, 445,
	    "SMBv23")), "");
	ck_assert_str_eq(ids(r, sa(VERDICT_ENCRYPTED, "10.0.0.1", "10.0.0.2",
	    300)), "3001");
	ck_assert_str_eq(ids(r, sa(VERDICT_UNDECIDED, "10.0.0.1", "10.0.0.2",
	    300)), "3002");
	ck_assert_str_eq(ids(r, sa(VERDICT_NULL, "10.0.0.1", "10.0.0.2",
	    300)), "");
	rules_free(r);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("rules");
	TCase *errors = tcase_create("errors");
	TCase *match = tcase_create("match");

	tcase_add_checked_fixture(errors, setup, teardown);
	tcase_add_test(errors, test_error_syntax);
	tcase_add_test(errors, test_error_unknown_key);
	tcase_add_test(errors, test_error_wrong_type);
	tcase_add_test(errors, test_error_out_of_range);
	tcase_add_test(errors, test_error_bad_cidr);
	tcase_add_test(errors, test_error_bad_ports);
	tcase_add_test(errors, test_error_unknown_app);
	tcase_add_test(errors, test_error_duplicate_id);
	tcase_add_test(errors, test_error_missing_keys);
	tcase_add_test(errors, test_error_empty_and_not_a_list);
	tcase_add_test(errors, test_error_deep_nesting);
	tcase_add_test(errors, test_error_aliases);
	tcase_add_test(errors, test_error_many);
	tcase_add_test(errors, test_paths_and_dirs);
	suite_add_tcase(s, errors);

	tcase_add_checked_fixture(match, setup, teardown);
	tcase_add_test(match, test_match_esp_wesp_spi);
	tcase_add_test(match, test_match_outer_addresses);
	tcase_add_test(match, test_match_inner_tuple);
	tcase_add_test(match, test_match_app_and_risk);
	tcase_add_test(match, test_match_levels);
	tcase_add_test(match, test_pass_precedence);
	tcase_add_test(match, test_reload_keeps_old_set);
	tcase_add_test(match, test_alert_report);
	tcase_add_test(match, test_subject_set_app);
	tcase_add_test(match, test_shipped_rules);
	suite_add_tcase(s, match);
	return (s);
}

UNIT_MAIN
