/*
 * test_json.c - the streaming JSON writer: nesting, commas, escaping,
 * numbers, timestamps and overflow.
 */
#include <string.h>

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

static Suite *
suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("writer");

	tcase_add_test(tc, test_nested_object);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_time);
	tcase_add_test(tc, test_overflow_exact);
	tcase_add_test(tc, test_depth_and_unbalanced);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
