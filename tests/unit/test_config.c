/*
 * test_config.c - the configuration file: the built-in defaults, every
 * key landing in its field, the shipped example being exactly the
 * defaults, empty sections, and each kind of error (unknown key, wrong
 * type, out of range, bad choice, bad list) with file, line and column
 * and the configuration left untouched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "config.h"
#include "workers.h"

static char path[] = "/tmp/espvis-test-config-XXXXXX";

static void
setup(void)
{
	int fd;

	strcpy(path, "/tmp/espvis-test-config-XXXXXX");
	ck_assert_int_ge(fd = mkstemp(path), 0);
	close(fd);
}

static void
teardown(void)
{
	unlink(path);
}

static void
write_config(const char *text)
{
	FILE *f;

	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static void
assert_defaults(const struct config *c)
{
	struct pipeline_config p;
	struct eve_options eo;
	struct nfqueue_config nq;

	memset(&p, 0, sizeof(p));	/* padding: config_new() callocs */
	pipeline_config_defaults(&p);
	eve_options_defaults(&eo);
	nfqueue_config_defaults(&nq);
	ck_assert_int_eq(memcmp(&c->pipeline, &p, sizeof(p)), 0);
	ck_assert_int_eq(memcmp(&c->eve, &eo, sizeof(eo)), 0);
	ck_assert_int_eq(memcmp(&c->nfq, &nq, sizeof(nq)), 0);
	ck_assert_uint_eq(c->workers, 1);
	ck_assert_uint_eq(c->worker_ring_kb, WORKERS_RING_KB_DEFAULT);
	ck_assert_ptr_null(c->log_dir);
	ck_assert_ptr_null(c->eve_dest);
	ck_assert_ptr_null(c->redis_key);
	ck_assert_ptr_null(c->inner_dest);
	ck_assert_int_eq(c->inner_linktype, INNER_LINK_ETHERNET);
	ck_assert(!c->rules_set);
	ck_assert_uint_eq(c->n_rule_paths, 0);
	ck_assert(!c->quiet);
	ck_assert_uint_eq(c->stats_interval, STATS_INTERVAL_DEFAULT);
}

START_TEST(test_defaults)
{
	struct config *c;
	struct doc_error e;

	ck_assert_ptr_nonnull(c = config_new());
	assert_defaults(c);
	/* The stages' own defaults, spelled out: docs/configuration.md. */
	ck_assert_uint_eq(c->pipeline.decode.frag_max_datagrams, 256);
	ck_assert_uint_eq(c->pipeline.decode.frag_max_bytes, 65599);
	ck_assert_uint_eq(c->pipeline.decode.frag_timeout_sec, 30);
	ck_assert_uint_eq(c->pipeline.decode.max_layers, 8);
	ck_assert_uint_eq(c->pipeline.detect.max_sas, 65536);
	ck_assert_uint_eq(c->pipeline.detect.sa_timeout_sec, 300);
	ck_assert_uint_eq(c->pipeline.detect.decide_pkts, 3);
	ck_assert_uint_eq(c->pipeline.detect.encrypted_pkts, 2);
	ck_assert_uint_eq(c->pipeline.detect.hold_bytes, 4u << 20);
	ck_assert_uint_eq(c->pipeline.flow.max_flows, 65536);
	ck_assert_uint_eq(c->pipeline.flow.timeout_sec, 120);
	ck_assert_uint_eq(c->pipeline.flow.closed_timeout_sec, 10);
	ck_assert(c->pipeline.dpi.enabled);
	ck_assert_uint_eq(c->eve.redis_mode, EVE_REDIS_LIST);
	ck_assert_uint_eq(c->nfq.maxlen, 4096);
	ck_assert(!c->nfq.fail_open);
	ck_assert_int_eq(c->nfq.undecided, NFQUEUE_ACCEPT);
	ck_assert_uint_eq(c->nfq.hold_per_sa, 8);
	ck_assert_uint_eq(c->nfq.hold_timeout_ms, 1000);
	ck_assert_int_eq(c->nfq.hold_expire, NFQUEUE_ACCEPT);

	/* An empty file, or empty sections, change nothing. */
	write_config("# nothing\n");
	ck_assert_int_eq(config_load(c, path, &e), 0);
	assert_defaults(c);
	config_free(c);
	ck_assert_ptr_nonnull(c = config_new());
	write_config("decode:\ndetect:\n  # max_sas: 5\nflows:\ndpi:\n"
	    "outputs:\n  eve:\n  inner:\nrules:\nnfq:\n");
	ck_assert_int_eq(config_load(c, path, &e), 0);
	assert_defaults(c);
	config_free(c);
	config_free(NULL);
}
END_TEST

START_TEST(test_every_key)
{
	struct config *c;
	struct doc_error e;

	write_config(
	    "quiet: true\n"
	    "stats_interval: 10\n"
	    "workers: 4\n"
	    "worker_ring_kb: 2048\n"
	    "rules: [/etc/espvis/rules, local.yaml]\n"
	    "decode:\n"
	    "  frag_max_datagrams: 1024\n"
	    "  frag_max_bytes: 9000\n"
	    "  frag_timeout: 60\n"
	    "  max_layers: 12\n"
	    "detect:\n"
	    "  max_sas: 1000\n"
	    "  sa_timeout: 600\n"
	    "  decide_pkts: 5\n"
	    "  encrypted_pkts: 4\n"
	    "  hold_bytes: 0\n"
	    "flows:\n"
	    "  max_flows: 2000\n"
	    "  flow_timeout: 30\n"
	    "  closed_timeout: 2\n"
	    "dpi:\n"
	    "  enabled: false\n"
	    "  max_tcp_pkts: 10\n"
	    "  max_udp_pkts: 11\n"
	    "  max_other_pkts: 12\n"
	    "outputs:\n"
	    "  log_dir: /var/log/espvis\n"
	    "  eve:\n"
	    "    dest: redis://127.0.0.1:6379\n"
	    "    buffer_size: 65536\n"
	    "    flush_interval_ms: 100\n"
	    "    close_timeout_ms: 0\n"
	    "    redis:\n"
	    "      mode: stream\n"
	    "      key: esp-events\n"
	    "      stream_maxlen: 5000\n"
	    "  inner:\n"
	    "    dest: /run/espvis/inner.fifo\n"
	    "    linktype: raw\n"
	    "nfq:\n"
	    "  maxlen: 1024\n"
	    "  fail_open: true\n"
	    "  undecided: hold\n"
	    "  hold: 16\n"
	    "  hold_timeout_ms: 250\n"
	    "  hold_expire: drop\n");
	ck_assert_ptr_nonnull(c = config_new());
	ck_assert_msg(config_load(c, path, &e) == 0, "%u:%u %s", e.line, e.col,
	    e.reason);
	ck_assert(c->quiet);
	ck_assert_uint_eq(c->stats_interval, 10);
	ck_assert(c->rules_set);
	ck_assert_uint_eq(c->n_rule_paths, 2);
	ck_assert_str_eq(c->rule_paths[0], "/etc/espvis/rules");
	ck_assert_str_eq(c->rule_paths[1], "local.yaml");
	ck_assert_uint_eq(c->pipeline.decode.frag_max_datagrams, 1024);
	ck_assert_uint_eq(c->pipeline.decode.frag_max_bytes, 9000);
	ck_assert_uint_eq(c->pipeline.decode.frag_timeout_sec, 60);
	ck_assert_uint_eq(c->pipeline.decode.max_layers, 12);
	ck_assert_uint_eq(c->pipeline.detect.max_sas, 1000);
	ck_assert_uint_eq(c->pipeline.detect.sa_timeout_sec, 600);
	ck_assert_uint_eq(c->pipeline.detect.decide_pkts, 5);
	ck_assert_uint_eq(c->pipeline.detect.encrypted_pkts, 4);
	ck_assert_uint_eq(c->pipeline.detect.hold_bytes, 0);
	ck_assert_uint_eq(c->pipeline.flow.max_flows, 2000);
	ck_assert_uint_eq(c->pipeline.flow.timeout_sec, 30);
	ck_assert_uint_eq(c->pipeline.flow.closed_timeout_sec, 2);
	ck_assert(!c->pipeline.dpi.enabled);
	ck_assert_uint_eq(c->pipeline.dpi.max_tcp_pkts, 10);
	ck_assert_uint_eq(c->pipeline.dpi.max_udp_pkts, 11);
	ck_assert_uint_eq(c->pipeline.dpi.max_other_pkts, 12);
	ck_assert_str_eq(c->log_dir, "/var/log/espvis");
	ck_assert_str_eq(c->eve_dest, "redis://127.0.0.1:6379");
	ck_assert_uint_eq(c->eve.buffer_size, 65536);
	ck_assert_uint_eq(c->eve.flush_interval_ms, 100);
	ck_assert_uint_eq(c->eve.close_timeout_ms, 0);
	ck_assert_int_eq(c->eve.redis_mode, EVE_REDIS_STREAM);
	ck_assert_str_eq(c->redis_key, "esp-events");
	ck_assert_uint_eq(c->eve.redis_stream_maxlen, 5000);
	ck_assert_str_eq(c->inner_dest, "/run/espvis/inner.fifo");
	ck_assert_int_eq(c->inner_linktype, INNER_LINK_RAW);
	ck_assert_uint_eq(c->workers, 4);
	ck_assert_uint_eq(c->worker_ring_kb, 2048);
	ck_assert_uint_eq(c->nfq.maxlen, 1024);
	ck_assert(c->nfq.fail_open);
	ck_assert_int_eq(c->nfq.undecided, NFQUEUE_HOLD);
	ck_assert_uint_eq(c->nfq.hold_per_sa, 16);
	ck_assert_uint_eq(c->nfq.hold_timeout_ms, 250);
	ck_assert_int_eq(c->nfq.hold_expire, NFQUEUE_DROP);
	config_free(c);
}
END_TEST

/* docs/espvis.yaml documents every key at its default value. */
START_TEST(test_example_is_defaults)
{
	char example[600];
	const char *slash = strrchr(__FILE__, '/');
	struct config *c;
	struct doc_error e;

	snprintf(example, sizeof(example), "%.*s/../../docs/espvis.yaml",
	    (int)(slash - __FILE__), __FILE__);
	ck_assert_ptr_nonnull(c = config_new());
	ck_assert_msg(config_load(c, example, &e) == 0, "%s:%u:%u: %s",
	    e.file, e.line, e.col, e.reason);
	ck_assert_str_eq(c->eve_dest, "-");
	c->eve_dest = NULL;
	assert_defaults(c);
	config_free(c);
}
END_TEST

START_TEST(test_rules_forms)
{
	struct config *c;
	struct doc_error e;

	write_config("rules: /srv/rules\n");
	ck_assert_ptr_nonnull(c = config_new());
	ck_assert_int_eq(config_load(c, path, &e), 0);
	ck_assert(c->rules_set);
	ck_assert_uint_eq(c->n_rule_paths, 1);
	ck_assert_str_eq(c->rule_paths[0], "/srv/rules");
	config_free(c);

	/* [] is "no rules", not "the default ones". */
	write_config("rules: []\n");
	ck_assert_ptr_nonnull(c = config_new());
	ck_assert_int_eq(config_load(c, path, &e), 0);
	ck_assert(c->rules_set);
	ck_assert_uint_eq(c->n_rule_paths, 0);
	config_free(c);
}
END_TEST

/* text must be refused at line:col with want, the config left alone. */
static void
assert_error(const char *text, uint32_t line, uint32_t col, const char *want)
{
	struct config *c;
	struct doc_error e;

	write_config(text);
	ck_assert_ptr_nonnull(c = config_new());
	ck_assert_int_eq(config_load(c, path, &e), -1);
	ck_assert_str_eq(e.file, path);
	ck_assert_msg(e.line == line && e.col == col, "%s: at %u:%u, want "
	    "%u:%u (%s)", text, e.line, e.col, line, col, e.reason);
	ck_assert_msg(strstr(e.reason, want) != NULL, "'%s' lacks '%s'",
	    e.reason, want);
	assert_defaults(c);
	config_free(c);
}

START_TEST(test_errors)
{
	char many[1024];
	size_t off;
	int i;

	assert_error("decode:\n  frag_max_datagrams: 8\nquit: true\n", 3, 1,
	    "unknown key 'quit'");
	assert_error("detect:\n  max_sa: 5\n", 2, 3, "unknown key 'max_sa'");
	assert_error("outputs:\n  eve:\n    redis:\n      host: x\n", 4, 7,
	    "unknown key 'host'");
	assert_error("decode: 5\n", 1, 9, "'decode' must be a map of "
	    "settings, got a scalar");
	assert_error("outputs: [eve]\n", 1, 10, "got a list");
	assert_error("- quiet\n", 1, 1, "expected a map of settings, got a "
	    "list");
	assert_error("quiet: 1\n", 1, 8, "expected true or false");
	assert_error("stats_interval: 604801\n", 1, 17,
	    "604801 is out of range 0..604800");
	assert_error("detect:\n  max_sas: 0\n", 2, 12,
	    "0 is out of range 1..16777216");
	assert_error("detect:\n  max_sas: 16777217\n", 2, 12, "out of range");
	assert_error("detect:\n  sa_timeout: lots\n", 2, 15,
	    "expected an integer, got 'lots'");
	assert_error("detect:\n  hold_bytes: 512\n", 2, 15,
	    "hold_bytes must be 0 (no hold) or at least 1024");
	assert_error("decode:\n  frag_max_bytes: 100\n", 2, 19,
	    "100 is out of range 576..65599");
	assert_error("decode:\n  max_layers: 65\n", 2, 15,
	    "out of range 1..64");
	assert_error("flows:\n  max_flows: 0\n", 2, 14, "out of range");
	assert_error("flows:\n  flow_timeout: -1\n", 2, 17,
	    "expected an integer");
	assert_error("dpi:\n  max_tcp_pkts: 0\n", 2, 17, "out of range");
	assert_error("outputs:\n  inner:\n    linktype: ppp\n", 3, 15,
	    "expected ethernet or raw, got 'ppp'");
	assert_error("outputs:\n  eve:\n    redis:\n      mode: pubsub\n", 4,
	    13, "expected list, channel or stream, got 'pubsub'");
	assert_error("outputs:\n  eve:\n    redis:\n      key: a/b\n", 4, 12,
	    "cannot contain '/'");
	assert_error("outputs:\n  eve:\n    buffer_size: 1024\n", 3, 18,
	    "out of range 16384..1073741824");
	assert_error("outputs:\n  eve:\n    dest: ''\n", 3, 11, "empty string");
	assert_error("outputs:\n  log_dir: [a]\n", 2, 12,
	    "expected a string, got a list");
	assert_error("rules: {dir: x}\n", 1, 8, "expected a rule file or "
	    "directory, or a list of them, got a map");
	assert_error("rules: [a, [b]]\n", 1, 12, "expected a string, got a "
	    "list");
	off = (size_t)snprintf(many, sizeof(many), "rules:\n");
	for (i = 0; i < RULES_MAX_PATHS + 1; i++)
		off += (size_t)snprintf(many + off, sizeof(many) - off,
		    "  - r%d.yaml\n", i);
	assert_error(many, 2, 3, "more than 16 rule paths");
	assert_error("detect:\n  max_sas: 5\n  max_sas: 6\n", 3, 3,
	    "duplicate key 'max_sas'");
	assert_error("detect: {max_sas: 5\n", 2, 1, "expected ',' or '}'");
	assert_error("detect: &d {max_sas: 5}\n", 1, 9, "anchors");
	assert_error("workers: 65\n", 1, 10, "out of range 1..64");
	assert_error("worker_ring_kb: 512\n", 1, 17, "out of range");
	assert_error("nfq:\n  queue: 3\n", 2, 3, "unknown key 'queue'");
	assert_error("nfq:\n  maxlen: 1\n", 2, 11, "out of range 2..1048576");
	assert_error("nfq:\n  fail_open: yes\n", 2, 14,
	    "expected true or false");
	assert_error("nfq:\n  undecided: reject\n", 2, 14,
	    "expected accept, drop or hold, got 'reject'");
	assert_error("nfq:\n  hold_expire: hold\n", 2, 16,
	    "expected accept or drop, got 'hold'");
	assert_error("nfq:\n  hold_timeout_ms: 60001\n", 2, 20,
	    "out of range 1..60000");
	assert_error("nfq:\n  hold: 0\n", 2, 9, "out of range");
}
END_TEST

START_TEST(test_missing_file)
{
	struct config *c;
	struct doc_error e;

	ck_assert_ptr_nonnull(c = config_new());
	ck_assert_int_eq(config_load(c, "/nonexistent/espvis.yaml", &e), -1);
	ck_assert_uint_eq(e.line, 0);
	ck_assert_str_eq(e.reason, "No such file or directory");
	assert_defaults(c);
	config_free(c);
}
END_TEST

START_TEST(test_eve_dest_key)
{
	struct config *c;
	struct doc_error e;
	char buf[256];

	ck_assert_ptr_nonnull(c = config_new());
	/* No key in the file: dest as given. */
	ck_assert_str_eq(config_eve_dest(c, "redis://h:1", buf, sizeof(buf)),
	    "redis://h:1");
	write_config("outputs:\n  eve:\n    redis:\n      key: k1\n");
	ck_assert_int_eq(config_load(c, path, &e), 0);
	ck_assert_str_eq(config_eve_dest(c, "redis://h:1", buf, sizeof(buf)),
	    "redis://h:1/k1");
	ck_assert_str_eq(config_eve_dest(c, "redis://h:1/", buf, sizeof(buf)),
	    "redis://h:1/k1");
	ck_assert_str_eq(config_eve_dest(c, "redis://h?mode=channel", buf,
	    sizeof(buf)), "redis://h/k1?mode=channel");
	ck_assert_str_eq(config_eve_dest(c, "redis://h/?mode=list", buf,
	    sizeof(buf)), "redis://h/k1?mode=list");
	/* A key in the URL wins; other destinations are left alone. */
	ck_assert_str_eq(config_eve_dest(c, "redis://h:1/own", buf,
	    sizeof(buf)), "redis://h:1/own");
	ck_assert_str_eq(config_eve_dest(c, "eve.json", buf, sizeof(buf)),
	    "eve.json");
	ck_assert_str_eq(config_eve_dest(c, "-", buf, sizeof(buf)), "-");
	config_free(c);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_every_key);
	tcase_add_test(tc, test_example_is_defaults);
	tcase_add_test(tc, test_rules_forms);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_eve_dest_key);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
