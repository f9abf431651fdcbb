/*
 * test_json.c - the streaming JSON writer: nesting, commas, escaping,
 * numbers, timestamps and overflow.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "unit.h"
#include "util/json.h"

START_TEST(test_nested_object)
{
	char buf[256];
	struct json j;

	json_init(&j, buf, sizeof(buf));
	json_open_object(&j, NULL);
	json_str(&j, "a", "x");
	json_u64(&j, "b", 18446744073709551615ull);
	json_open_object(&j, "c");
	json_i64(&j, "d", -5);
	json_bool(&j, "e", true);
	json_close_object(&j);
	json_open_array(&j, "f");
	json_u64(&j, NULL, 1);
	json_u64(&j, NULL, 2);
	json_open_object(&j, NULL);
	json_bool(&j, "g", false);
	json_close_object(&j);
	json_close_array(&j);
	json_close_object(&j);
	ck_assert(!j.overflow);
	ck_assert_str_eq(buf, "{\"a\":\"x\",\"b\":18446744073709551615,"
	    "\"c\":{\"d\":-5,\"e\":true},\"f\":[1,2,{\"g\":false}]}");
}
END_TEST

START_TEST(test_escaping)
{
	char buf[128];
	struct json j;

	json_init(&j, buf, sizeof(buf));
	json_str(&j, NULL, "q\"b\\n\n\x01t\tr\r\xc3\xa9");
	ck_assert(!j.overflow);
	ck_assert_str_eq(buf, "\"q\\\"b\\\\n\\n\\u0001t\\tr\\r\xc3\xa9\"");
}
END_TEST

START_TEST(test_time)
{
	char buf[64];
	struct json j;

	json_init(&j, buf, sizeof(buf));
	json_time(&j, NULL, 1795722005, 123456);
	ck_assert_str_eq(buf, "\"2026-11-26T19:40:05.123456+0000\"");
}
END_TEST

/* A buffer too small by one byte overflows; one exactly large fits. */
START_TEST(test_overflow_exact)
{
	const char *want = "{\"k\":\"value\"}";
	char buf[32];
	struct json j;
	size_t n = strlen(want);

	json_init(&j, buf, n);
	json_open_object(&j, NULL);
	json_str(&j, "k", "value");
	json_close_object(&j);
	ck_assert(j.overflow);

	json_init(&j, buf, n + 1);
	json_open_object(&j, NULL);
	json_str(&j, "k", "value");
	json_close_object(&j);
	ck_assert(!j.overflow);
	ck_assert_str_eq(buf, want);
}
END_TEST

START_TEST(test_depth_and_unbalanced)
{
	char buf[256];
	struct json j;
	int i;

	json_init(&j, buf, sizeof(buf));
	for (i = 0; i <= JSON_MAX_DEPTH; i++)
		json_open_array(&j, NULL);
	ck_assert(j.overflow);

	json_init(&j, buf, sizeof(buf));
	json_close_object(&j);
	ck_assert(j.overflow);

	json_init(&j, buf, 0);
	ck_assert(j.overflow);
}
END_TEST

/* The hand-made date against gmtime_r() + strftime(), over the range. */
static void
time_by_libc(char *out, size_t len, int64_t sec, uint32_t usec)
{
	struct tm tm;
	time_t t = (time_t)sec;
	size_t n;

	ck_assert_ptr_nonnull(gmtime_r(&t, &tm));
	n = strftime(out, len, "\"%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, len - n, ".%06u+0000\"", usec);
}

START_TEST(test_time_against_libc)
{
	static const int64_t fixed[] = {
		0, 1, 59, 60, 86399, 86400, -1, -86400, -86401,
		951782400,		/* 2000-02-29 */
		951868800,		/* 2000-03-01 */
		4107542399LL,		/* 2100-02-28T23:59:59 */
		4107542400LL,		/* 2100-03-01 */
		-30610224000LL,		/* 1000-01-01, the first fast-path second */
		-30610224001LL,		/* the last libc one before it */
		-62135596800LL,		/* 0001-01-01 */
		253402300799LL,		/* 9999-12-31T23:59:59, the last */
	};
	char buf[64], want[64];
	struct json j;
	uint64_t x = 88172645463325252ULL;
	int64_t sec;
	size_t i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]) + 20000; i++) {
		if (i < sizeof(fixed) / sizeof(fixed[0]))
			sec = fixed[i];
		else {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* years 1 to 9999 */
			sec = (int64_t)(x % 315537897600ULL) - 62135596800LL;
		}
		json_init(&j, buf, sizeof(buf));
		json_time(&j, NULL, sec, (uint32_t)(i * 7919 % 1000000));
		time_by_libc(want, sizeof(want), sec,
		    (uint32_t)(i * 7919 % 1000000));
		ck_assert_msg(strcmp(buf, want) == 0, "%lld: %s != %s",
		    (long long)sec, buf, want);
	}
	/* Past year 9999: the libc path, as many year digits as needed. */
	json_init(&j, buf, sizeof(buf));
	json_time(&j, NULL, 253402300800LL, 5);
	ck_assert_str_eq(buf, "\"10000-01-01T00:00:00.000005+0000\"");
}
END_TEST

START_TEST(test_numbers_edges)
{
	char buf[128];
	struct json j;

	json_init(&j, buf, sizeof(buf));
	json_open_array(&j, NULL);
	json_u64(&j, NULL, 0);
	json_u64(&j, NULL, 10);
	json_i64(&j, NULL, 0);
	json_i64(&j, NULL, INT64_MIN);
	json_i64(&j, NULL, INT64_MAX);
	json_close_array(&j);
	ck_assert(!j.overflow);
	ck_assert_str_eq(buf, "[0,10,0,-9223372036854775808,"
	    "9223372036854775807]");
}
END_TEST

/* Runs of plain bytes between escapes, at both ends and alone. */
START_TEST(test_escaping_runs)
{
	char buf[128];
	struct json j;

	json_init(&j, buf, sizeof(buf));
	json_open_array(&j, NULL);
	json_str(&j, NULL, "");
	json_str(&j, NULL, "\"");
	json_str(&j, NULL, "abc\"def\\\x1f");
	json_str(&j, NULL, "\x7f\xff plain");
	json_close_array(&j);
	ck_assert(!j.overflow);
	ck_assert_str_eq(buf, "[\"\",\"\\\"\",\"abc\\\"def\\\\\\u001f\","
	    "\"\x7f\xff plain\"]");
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("writer");

	tcase_add_test(tc, test_nested_object);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_time);
	tcase_add_test(tc, test_time_against_libc);
	tcase_add_test(tc, test_numbers_edges);
	tcase_add_test(tc, test_escaping_runs);
	tcase_add_test(tc, test_overflow_exact);
	tcase_add_test(tc, test_depth_and_unbalanced);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
