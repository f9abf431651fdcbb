/*
 * test_evejson.c - the EVE line reader and the tally built on it: real
 * event shapes, escapes, every malformed form refused whole, timestamps.
 */
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "report/evejson.h"
#include "report/tally.h"

static struct evejson rec;

static int
parse(const char *s)
{
	return (evejson_parse(&rec, s, strlen(s)));
}

START_TEST(test_flatten)
{
	ck_assert_int_eq(parse("{\"event_type\":\"esp\",\"src_port\":4500,"
	    "\"esp\":{\"spi\":3233678420,\"wesp\":false,\"rejected\":"
	    "[{\"icv_len\":0},{\"icv_len\":12}]},\"x\":null}\n"), 0);
	ck_assert_str_eq(evejson_str(&rec, "event_type"), "esp");
	ck_assert(evejson_num(&rec, "src_port", 0) == 4500);
	ck_assert(evejson_num(&rec, "esp.spi", 0) == 3233678420.0);
	ck_assert(evejson_get(&rec, "esp.wesp")->type == EVEJSON_BOOL);
	ck_assert(!evejson_get(&rec, "esp.wesp")->truth);
	ck_assert(evejson_get(&rec, "x")->type == EVEJSON_NULL);
	ck_assert_uint_eq(rec.n, 7);
	ck_assert_str_eq(rec.field[4].path, "esp.rejected[].icv_len");
	ck_assert_ptr_null(evejson_str(&rec, "esp.spi"));
	ck_assert(evejson_num(&rec, "nope", -1) == -1);
}
END_TEST

START_TEST(test_escapes)
{
	ck_assert_int_eq(parse("{\"m\":\"a\\\"b\\\\c\\/d\\n\\u00e9\\ud83d"
	    "\\ude00\\ud800x\"}"), 0);
	ck_assert_str_eq(evejson_str(&rec, "m"),
	    "a\"b\\c/d\n\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbd" "x");
}
END_TEST

START_TEST(test_refused)
{
	static const char *bad[] = {
		"", "[]", "1", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}",
		"{\"a\":[1,]}", "{\"a\":tru}", "{\"a\":\"x}", "{\"a\":1} x",
		"{\"a\":\"\x01\"}", "{\"a\":\"\\q\"}", "{\"a\":\"\\u12G4\"}",
		"{a:1}", "{\"a\":-}", "{\"a\":1e999}",
		"{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{\"i\":1}}}}}}}}}",
	};
	char big[40000];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(parse(bad[i]) == -1, "accepted %s", bad[i]);
		ck_assert_uint_eq(rec.n, 0);
	}
	/* More text than the arena: refused, not cut. */
	memset(big, 'x', sizeof(big));
	memcpy(big, "{\"a\":\"", 6);
	memcpy(big + sizeof(big) - 3, "\"}", 3);
	ck_assert_int_eq(parse(big), -1);
}
END_TEST

START_TEST(test_time)
{
	double t;

	ck_assert_int_eq(evejson_time("2026-11-26T19:40:05.123456+0000", &t),
	    0);
	ck_assert(t > 1795722005.12 && t < 1795722005.13);
	ck_assert_int_eq(evejson_time("2026-11-26T20:40:05+01:00", &t), 0);
	ck_assert(t == 1795722005.0);
	ck_assert_int_eq(evejson_time("2026-11-26T19:40:05Z", &t), 0);
	ck_assert_int_eq(evejson_time("2026-13-26T19:40:05Z", &t), -1);
	ck_assert_int_eq(evejson_time("yesterday", &t), -1);
	ck_assert_int_eq(evejson_time(NULL, &t), -1);
}
END_TEST

static void
feed(struct tally *t, const char *line)
{
	tally_line(t, line, strlen(line));
}

START_TEST(test_tally)
{
	struct tally *t = tally_new();
	const struct tally_entry *top[4];

	ck_assert_ptr_nonnull(t);
	feed(t, "{\"timestamp\":\"2026-11-26T19:40:05.000000+0000\","
	    "\"event_type\":\"esp\",\"esp\":{\"event\":\"decided\","
	    "\"verdict\":\"null\",\"method\":\"heuristic\",\"icv_len\":16}}");
	feed(t, "{\"timestamp\":\"2026-11-26T19:40:06.000000+0000\","
	    "\"event_type\":\"esp\",\"esp\":{\"event\":\"end\","
	    "\"verdict\":\"null\",\"method\":\"heuristic\",\"icv_len\":16,"
	    "\"bytes\":100}}");
	feed(t, "{\"event_type\":\"esp\",\"esp\":{\"event\":\"end\","
	    "\"verdict\":\"encrypted\",\"method\":\"wesp\"}}");
	feed(t, "{\"event_type\":\"flow\",\"src_ip\":\"10.0.0.1\","
	    "\"dest_ip\":\"10.0.0.2\",\"app_proto\":\"TLS\",\"flow\":"
	    "{\"bytes_toserver\":10,\"bytes_toclient\":20}}");
	feed(t, "{\"event_type\":\"flow\",\"src_ip\":\"10.0.0.1\","
	    "\"dest_ip\":\"10.0.0.2\",\"app_proto\":\"DNS\",\"flow\":"
	    "{\"bytes_toserver\":1,\"bytes_toclient\":2}}");
	feed(t, "{\"timestamp\":\"2026-11-26T19:40:07.000000+0000\","
	    "\"event_type\":\"alert\",\"alert\":{\"action\":\"blocked\","
	    "\"signature_id\":3001,\"signature\":\"x\"}}");
	feed(t, "{\"event_type\":\"stats\",\"stats\":{\"packets\":{"
	    "\"read\":9,\"skipped\":{\"ike\":2,\"not_ip\":0}}}}");
	feed(t, "{\"event_type\":\"dns\"}");
	feed(t, "{\"no_type\":1}");
	feed(t, "garbage");
	ck_assert_uint_eq(t->lines, 10);
	ck_assert_uint_eq(t->malformed, 1);
	ck_assert_uint_eq(t->unknown, 2);
	ck_assert_uint_eq(t->sas, 2);
	ck_assert_uint_eq(t->sa[TV_NULL][TM_HEURISTIC], 1);
	ck_assert_uint_eq(t->sa[TV_ENCRYPTED][TM_WESP], 1);
	ck_assert_uint_eq(t->sa_icv[3], 1);		/* 16 */
	ck_assert_uint_eq(t->sa_bytes[TV_NULL], 100);
	ck_assert_uint_eq(t->flows, 2);
	ck_assert_uint_eq(t->flow_bytes, 33);
	ck_assert_uint_eq(tally_top(&t->apps, 1, top, 4), 2);
	ck_assert_str_eq(top[0]->name, "TLS");
	ck_assert_uint_eq(tally_top(&t->talkers, 1, top, 4), 1);
	ck_assert_uint_eq(top[0]->bytes, 33);
	ck_assert_uint_eq(t->alerts, 1);
	ck_assert_uint_eq(t->alerts_blocked, 1);
	ck_assert_uint_eq(t->n_alert_ts, 1);
	ck_assert_uint_eq(tally_top(&t->sigs, 0, top, 4), 1);
	ck_assert_uint_eq(top[0]->aux, 3001);
	ck_assert_uint_eq(t->pkts_read, 9);
	ck_assert_uint_eq(t->n_skip, 2);
	ck_assert(t->last_ts - t->first_ts == 2);
	tally_free(t);
}
END_TEST

/* A full table counts under other, never loses a count. */
START_TEST(test_tally_bounded)
{
	struct tally *t = tally_new();
	char line[160];
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < TALLY_APPS_MAX + 100; i++) {
		snprintf(line, sizeof(line), "{\"event_type\":\"flow\","
		    "\"app_proto\":\"app%zu\"}", i);
		feed(t, line);
	}
	for (i = 0; i < t->apps.cap; i++)
		sum += t->apps.entry[i].count;
	ck_assert_uint_lt(t->apps.used, TALLY_APPS_MAX);
	ck_assert_uint_gt(t->apps.other, 0);
	ck_assert_uint_eq(sum + t->apps.other, TALLY_APPS_MAX + 100);
	tally_free(t);
}
END_TEST

/* Runs appended to one file: each run's final counters added up. */
START_TEST(test_tally_runs)
{
	struct tally *t = tally_new();
	static const char *lines[] = {
		/* a live run: a periodic stats, then its end and final one */
		"{\"event_type\":\"stats\",\"stats\":{\"packets\":{\"read\":5,"
		    "\"skipped\":{\"ike\":1}}}}",
		"{\"event_type\":\"esp\",\"esp\":{\"event\":\"end\","
		    "\"end_reason\":\"end_of_input\",\"verdict\":\"null\"}}",
		"{\"event_type\":\"stats\",\"stats\":{\"packets\":{\"read\":9,"
		    "\"skipped\":{\"ike\":2}}}}",
		/* a file run, more packets */
		"{\"event_type\":\"flow\",\"flow\":{\"reason\":"
		    "\"end_of_input\"}}",
		"{\"event_type\":\"stats\",\"stats\":{\"packets\":{\"read\":20,"
		    "\"skipped\":{\"ike\":3,\"not_ip\":4}}}}",
		/* a run without SAs whose counters restart lower */
		"{\"event_type\":\"stats\",\"stats\":{\"packets\":{\"read\":1,"
		    "\"skipped\":{\"not_ip\":1}}}}",
	};
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		feed(t, lines[i]);
	tally_finish(t);
	ck_assert_uint_eq(t->pkts_read, 30);
	ck_assert_uint_eq(t->n_skip, 2);
	ck_assert_str_eq(t->skip[0].name, "ike");
	ck_assert_uint_eq(t->skip[0].count, 5);
	ck_assert_uint_eq(t->skip[1].count, 5);
	tally_free(t);
}
END_TEST

/* --workers: per-worker tallies added up equal one fed everything; a
 * summary tally counts what the summary prints and nothing more. */
START_TEST(test_tally_merge)
{
	static const char *lines[] = {
		"{\"event_type\":\"esp\",\"esp\":{\"event\":\"end\","
		    "\"verdict\":\"null\",\"method\":\"heuristic\","
		    "\"icv_len\":12,\"bytes\":7}}",
		"{\"event_type\":\"flow\",\"src_ip\":\"10.0.0.1\","
		    "\"dest_ip\":\"10.0.0.2\",\"app_proto\":\"TLS\",\"flow\":"
		    "{\"bytes_toserver\":10,\"bytes_toclient\":20}}",
		"{\"event_type\":\"flow\",\"app_proto\":\"DNS\"}",
		"{\"timestamp\":\"2026-11-26T19:40:07.000000+0000\","
		    "\"event_type\":\"alert\",\"alert\":{\"action\":"
		    "\"blocked\",\"signature_id\":3001,\"signature\":\"x\"}}",
		"{\"event_type\":\"flow\",\"app_proto\":\"TLS\"}",
	};
	struct tally *all = tally_new(), *a = tally_new(), *b = tally_new();
	struct tally *sum = tally_new_summary();
	const struct tally_entry *top[4];
	struct tally_flow f = { "TLS", "10.0.0.1", "10.0.0.2", 5, false };
	size_t i;

	ck_assert(all != NULL && a != NULL && b != NULL && sum != NULL);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		feed(all, lines[i]);
		feed(i % 2 ? a : b, lines[i]);
	}
	tally_merge(a, b);
	ck_assert_uint_eq(a->lines, all->lines);
	ck_assert_uint_eq(a->sas, all->sas);
	ck_assert_uint_eq(a->sa_icv[2], 1);
	ck_assert_uint_eq(a->flows, all->flows);
	ck_assert_uint_eq(a->flow_bytes, all->flow_bytes);
	ck_assert_uint_eq(a->alerts_blocked, 1);
	ck_assert_uint_eq(a->n_alert_ts, 1);
	ck_assert_uint_eq(tally_top(&a->apps, 0, top, 4), 2);
	ck_assert_str_eq(top[0]->name, "TLS");
	ck_assert_uint_eq(top[0]->count, 2);
	ck_assert_uint_eq(tally_top(&a->sigs, 0, top, 4), 1);
	ck_assert_uint_eq(top[0]->aux, 3001);
	ck_assert_uint_eq(tally_top(&a->talkers, 0, top, 4), 1);
	/* A summary tally: no talkers, no alert times, no line reader. */
	tally_count_flow(sum, &f);
	tally_merge(sum, a);
	ck_assert_uint_eq(sum->flows, 4);
	ck_assert_uint_eq(sum->talkers.used, 0);
	ck_assert_uint_eq(sum->n_alert_ts, 0);
	ck_assert_uint_eq(sum->alerts, 1);
	feed(sum, lines[0]);
	ck_assert_uint_eq(sum->malformed, 1);
	tally_free(all);
	tally_free(a);
	tally_free(b);
	tally_free(sum);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("evejson");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_flatten);
	tcase_add_test(tc, test_escapes);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_time);
	tcase_add_test(tc, test_tally);
	tcase_add_test(tc, test_tally_bounded);
	tcase_add_test(tc, test_tally_runs);
	tcase_add_test(tc, test_tally_merge);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
