/*
 * test_esp_replay.c - the anti-replay window (RFC 4303 3.4.3, appendix
 * A): in order, duplicates, reordering inside and beyond the window, far
 * jumps, the ring's word boundaries, window sizes; checked against a
 * plain model (a set of seen numbers and the highest).
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "esp/esp_replay.h"

START_TEST(test_in_order_and_dup)
{
	struct esp_replay r;
	uint64_t	 s;

	esp_replay_init(&r, 0);
	ck_assert_uint_eq(r.window, 64);
	ck_assert_int_eq(esp_replay_check(&r, 0), ESP_REPLAY_ZERO);
	for (s = 1; s <= 300; s++) {
		ck_assert_int_eq(esp_replay_check(&r, s), ESP_REPLAY_OK);
		esp_replay_update(&r, s);
		ck_assert_int_eq(esp_replay_check(&r, s), ESP_REPLAY_DUP);
	}
	/* 300 - 63 = 237 is the oldest still inside, 236 is out. */
	ck_assert_int_eq(esp_replay_check(&r, 237), ESP_REPLAY_DUP);
	ck_assert_int_eq(esp_replay_check(&r, 236), ESP_REPLAY_OLD);
	ck_assert_int_eq(esp_replay_check(&r, 1), ESP_REPLAY_OLD);
}
END_TEST

START_TEST(test_reorder)
{
	struct esp_replay r;

	esp_replay_init(&r, 64);
	esp_replay_update(&r, 100);
	/* Inside the window, unseen: accepted once. */
	ck_assert_int_eq(esp_replay_check(&r, 99), ESP_REPLAY_OK);
	esp_replay_update(&r, 99);
	ck_assert_int_eq(esp_replay_check(&r, 99), ESP_REPLAY_DUP);
	ck_assert_int_eq(esp_replay_check(&r, 37), ESP_REPLAY_OK);
	ck_assert_int_eq(esp_replay_check(&r, 36), ESP_REPLAY_OLD);
	/* A check alone changes nothing (ICV not yet verified). */
	ck_assert_int_eq(esp_replay_check(&r, 50), ESP_REPLAY_OK);
	ck_assert_int_eq(esp_replay_check(&r, 50), ESP_REPLAY_OK);
	/* Far ahead: the whole window slides, old bits must not linger. */
	esp_replay_update(&r, 100000);
	ck_assert_int_eq(esp_replay_check(&r, 100), ESP_REPLAY_OLD);
	ck_assert_int_eq(esp_replay_check(&r, 99999), ESP_REPLAY_OK);
	ck_assert_int_eq(esp_replay_check(&r, 100000 - 63), ESP_REPLAY_OK);
	ck_assert_int_eq(esp_replay_check(&r, 100000 - 64), ESP_REPLAY_OLD);
	/* Same bit positions as 100 and 99 one ring turn later. */
	ck_assert_int_eq(esp_replay_check(&r, 100000 - 28), ESP_REPLAY_OK);
}
END_TEST

START_TEST(test_sizes)
{
	struct esp_replay r;

	esp_replay_init(&r, 32);
	ck_assert_uint_eq(r.window, 64);	/* rounded up to a word */
	esp_replay_init(&r, 1024);
	ck_assert_uint_eq(r.window, 1024);
	ck_assert_uint_eq(r.nwords, 17);
	esp_replay_init(&r, 100000);
	ck_assert_uint_eq(r.window, ESP_REPLAY_MAX);
	esp_replay_init(&r, 1024);
	esp_replay_update(&r, 2000);
	ck_assert_int_eq(esp_replay_check(&r, 2000 - 1023), ESP_REPLAY_OK);
	ck_assert_int_eq(esp_replay_check(&r, 2000 - 1024), ESP_REPLAY_OLD);
}
END_TEST

/* Random walks against a model: the window must agree everywhere. */
START_TEST(test_model)
{
	static const uint32_t windows[] = { 64, 128, 1000, 1024 };
	uint32_t	 window = windows[_i % 4];
	struct esp_replay r;
	static uint8_t	 seen[1 << 16];
	uint64_t	 top = 0, s;
	unsigned	 n, seed = 7u + (unsigned)_i;
	enum esp_replay_result want, got;

	memset(seen, 0, sizeof(seen));
	esp_replay_init(&r, window);
	for (n = 0; n < 20000; n++) {
		seed = seed * 1103515245u + 12345u;
		/* Mostly near the top, sometimes far behind or ahead. */
		switch ((seed >> 16) % 8) {
		case 0:
			s = top + 1 + (seed >> 8) % 700;
			break;
		case 1:
			s = (seed >> 4) % 60000 + 1;
			break;
		default:
			s = top + 5 > (seed >> 8) % (r.window + 40) ?
			    top + 5 - (seed >> 8) % (r.window + 40) : 1;
		}
		if (s == 0 || s >= sizeof(seen))
			continue;
		if (s > top)
			want = ESP_REPLAY_OK;
		else if (top - s >= r.window)
			want = ESP_REPLAY_OLD;
		else
			want = seen[s] ? ESP_REPLAY_DUP : ESP_REPLAY_OK;
		got = esp_replay_check(&r, s);
		ck_assert_msg(got == want, "seq %llu top %llu: %d != %d",
		    (unsigned long long)s, (unsigned long long)top, got, want);
		if (got == ESP_REPLAY_OK && (seed & 1)) {
			esp_replay_update(&r, s);
			seen[s] = 1;
			if (s > top)
				top = s;
		}
	}
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("esp_replay");
	TCase	*tc = tcase_create("replay");

	tcase_add_test(tc, test_in_order_and_dup);
	tcase_add_test(tc, test_reorder);
	tcase_add_test(tc, test_sizes);
	tcase_add_loop_test(tc, test_model, 0, 8);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
