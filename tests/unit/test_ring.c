/*
 * test_ring.c - the record FIFO behind the socket outputs: order and
 * contents, records kept whole across the wrap, full means refused and
 * counted, and a long random run checked against a simple model.
 */
#include <stdint.h>
#include <string.h>

#include "unit.h"
#include "util/ring.h"

static int
put_str(struct ring *r, const char *s)
{
	struct iovec part = ring_part(s, strlen(s));

	return (ring_put(r, &part, 1));
}

static void
assert_record(const struct iovec *iov, const char *want)
{
	ck_assert_uint_eq(iov->iov_len, strlen(want));
	ck_assert(memcmp(iov->iov_base, want, iov->iov_len) == 0);
}

START_TEST(test_order_and_parts)
{
	struct ring *r = ring_new(256);
	struct iovec parts[3], out[8];

	ck_assert_ptr_nonnull(r);
	parts[0].iov_base = "{\"a\":";
	parts[0].iov_len = 5;
	parts[1].iov_base = "1}";
	parts[1].iov_len = 2;
	parts[2].iov_base = "\n";
	parts[2].iov_len = 1;
	ck_assert_int_eq(ring_put(r, parts, 3), 0);
	ck_assert_int_eq(put_str(r, ""), 0);
	ck_assert_int_eq(put_str(r, "third"), 0);
	ck_assert_uint_eq(ring_records(r), 3);
	/* 4-byte header each, data rounded up to 4: 12 + 4 + 12. */
	ck_assert_uint_eq(ring_bytes(r), 28);

	ck_assert_uint_eq(ring_peek(r, out, 8), 3);
	assert_record(&out[0], "{\"a\":1}\n");
	assert_record(&out[1], "");
	assert_record(&out[2], "third");
	ck_assert_uint_eq(ring_peek(r, out, 1), 1);
	assert_record(&out[0], "{\"a\":1}\n");

	ring_pop(r, 2);
	ck_assert_uint_eq(ring_peek(r, out, 8), 1);
	assert_record(&out[0], "third");
	ring_pop(r, 5);		/* more than stored: empties it */
	ck_assert_uint_eq(ring_records(r), 0);
	ck_assert_uint_eq(ring_bytes(r), 0);
	ck_assert_uint_eq(ring_dropped(r), 0);
	ring_free(r);
}
END_TEST

/*
 * 64 bytes: three 16-byte records (12 data + 4 header) fill 48; pop two,
 * and a fourth 16-byte record still fits at the end, a fifth must wrap
 * to offset 0 and arrive whole and in order.
 */
START_TEST(test_wraparound)
{
	struct ring *r = ring_new(64);
	struct iovec out[8];
	uint8_t *start;

	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(put_str(r, "record-0000a"), 0);
	ck_assert_uint_eq(ring_peek(r, out, 1), 1);
	start = out[0].iov_base;
	ck_assert_int_eq(put_str(r, "record-0001b"), 0);
	ck_assert_int_eq(put_str(r, "record-0002c"), 0);
	ring_pop(r, 2);
	ck_assert_int_eq(put_str(r, "record-0003d"), 0);	/* 48..64 */
	/* 20 bytes: nothing left at the end, 32 free at the start. */
	ck_assert_int_eq(put_str(r, "record-0004-wraps"), 0);
	ck_assert_uint_eq(ring_records(r), 3);

	ck_assert_uint_eq(ring_peek(r, out, 8), 3);
	assert_record(&out[0], "record-0002c");
	assert_record(&out[1], "record-0003d");
	assert_record(&out[2], "record-0004-wraps");
	ck_assert_ptr_eq((uint8_t *)out[2].iov_base, start);

	ring_pop(r, 2);
	ck_assert_uint_eq(ring_peek(r, out, 8), 1);
	assert_record(&out[0], "record-0004-wraps");
	ck_assert_uint_eq(ring_bytes(r), 24);
	ring_free(r);
}
END_TEST

/* A record that would run past the end with too little free at the start
 * is refused even though the total free space is enough: records are
 * never split.  The wrap padding is given back when the reader passes. */
START_TEST(test_wrap_padding)
{
	struct ring *r = ring_new(64);
	struct iovec out[4];

	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(put_str(r, "0123456789abcdefghijklmnopqrstu"), 0);
	ck_assert_int_eq(put_str(r, "xxxxxxxxxxxx"), 0);	/* 36..52 */
	ring_pop(r, 1);						/* 36 free at start */
	/* 40 bytes needed: 12 at the end, 36 at the start: refused. */
	ck_assert_int_eq(put_str(r, "0123456789abcdefghijklmnopqrstuvwxyz"),
	    -1);
	ck_assert_uint_eq(ring_dropped(r), 1);
	/* 32 fits at the start; the 12 at the end become padding. */
	ck_assert_int_eq(put_str(r, "0123456789abcdefghijklmnopqrst"), 0);
	ck_assert_uint_eq(ring_bytes(r), 16 + 12 + 36);
	ring_pop(r, 1);
	ck_assert_uint_eq(ring_bytes(r), 36);
	ck_assert_uint_eq(ring_peek(r, out, 4), 1);
	assert_record(&out[0], "0123456789abcdefghijklmnopqrst");
	ring_free(r);
}
END_TEST

START_TEST(test_full_drops_counted)
{
	struct ring *r = ring_new(1024);
	char rec[60];
	int i, stored = 0, refused = 0;

	ck_assert_ptr_nonnull(r);
	memset(rec, 'e', sizeof(rec) - 1);
	rec[sizeof(rec) - 1] = '\0';
	for (i = 0; i < 100; i++) {
		if (put_str(r, rec) == 0)
			stored++;
		else
			refused++;
	}
	/* 64 bytes a record: exactly 16 fit in 1024. */
	ck_assert_int_eq(stored, 16);
	ck_assert_int_eq(refused, 84);
	ck_assert_uint_eq(ring_dropped(r), 84);
	ck_assert_uint_eq(ring_bytes(r), 1024);
	/* Room again once the reader takes one; the count stays. */
	ring_pop(r, 1);
	ck_assert_int_eq(put_str(r, rec), 0);
	ck_assert_int_eq(put_str(r, rec), -1);
	ck_assert_uint_eq(ring_dropped(r), 85);
	ck_assert_uint_eq(ring_clear(r), 16);
	ck_assert_uint_eq(ring_records(r), 0);
	ck_assert_int_eq(put_str(r, rec), 0);
	ring_free(r);
}
END_TEST

START_TEST(test_limits)
{
	struct ring *r;
	char big[70];

	ck_assert_ptr_null(ring_new(15));
	ring_free(NULL);
	r = ring_new(67);		/* rounded down to 64 */
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(ring_size(r), 64);
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(put_str(r, big), -1);	/* larger than the ring */
	big[60] = '\0';				/* exactly the ring */
	ck_assert_int_eq(put_str(r, big), 0);
	ck_assert_uint_eq(ring_bytes(r), 64);
	ck_assert_uint_eq(ring_dropped(r), 1);
	ring_free(r);
}
END_TEST

/* xorshift: the same sequence on every run. */
static uint32_t
next_rand(uint32_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return (*state);
}

#define MODEL_MAX	512

/*
 * Random puts and pops against a model queue of (length, fill byte):
 * every record comes back intact and in order, bytes in use never pass
 * the size, and a refusal happens only when the model says it must
 * (less than twice the record free: records are never split).
 */
START_TEST(test_random_against_model)
{
	struct ring *r = ring_new(4096);
	size_t lens[MODEL_MAX], head = 0, count = 0, i, n, len, want;
	uint8_t fills[MODEL_MAX], data[600];
	struct iovec part, out[16];
	uint32_t seed = 0x5eed1234;
	uint64_t refused = 0;
	int op;

	ck_assert_ptr_nonnull(r);
	for (op = 0; op < 40000; op++) {
		if (next_rand(&seed) % 3 != 0 && count < MODEL_MAX) {
			len = next_rand(&seed) % sizeof(data);
			memset(data, (int)(op & 0xff), len);
			part.iov_base = data;
			part.iov_len = len;
			if (ring_put(r, &part, 1) == 0) {
				lens[(head + count) % MODEL_MAX] = len;
				fills[(head + count) % MODEL_MAX] =
				    (uint8_t)(op & 0xff);
				count++;
			} else {
				/* The free bytes lie in at most two runs, so
				 * one holds half: a refused record must need
				 * more than half of what is free. */
				refused++;
				ck_assert_uint_gt(2 * (4 + ((len + 3) &
				    ~(size_t)3)), 4096 - ring_bytes(r));
			}
		} else {
			want = 1 + next_rand(&seed) % 16;
			n = ring_peek(r, out, want);
			ck_assert_uint_eq(n, want < count ? want : count);
			for (i = 0; i < n; i++) {
				size_t at = (head + i) % MODEL_MAX;

				ck_assert_uint_eq(out[i].iov_len, lens[at]);
				if (lens[at] > 0) {
					ck_assert_uint_eq(((uint8_t *)
					    out[i].iov_base)[0], fills[at]);
					ck_assert_uint_eq(((uint8_t *)
					    out[i].iov_base)[lens[at] - 1],
					    fills[at]);
				}
			}
			ring_pop(r, n);
			head = (head + n) % MODEL_MAX;
			count -= n;
		}
		ck_assert_uint_eq(ring_records(r), count);
		ck_assert_uint_le(ring_bytes(r), 4096);
	}
	ck_assert_uint_eq(ring_dropped(r), refused);
	ck_assert_uint_gt(refused, 0);
	ring_free(r);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("ring");
	TCase *tc = tcase_create("ring");

	tcase_add_test(tc, test_order_and_parts);
	tcase_add_test(tc, test_wraparound);
	tcase_add_test(tc, test_wrap_padding);
	tcase_add_test(tc, test_full_drops_counted);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_random_against_model);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
