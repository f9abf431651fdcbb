/*
 * test_esp_keys.c - the ESP key store: add, replace, delete, full,
 * (SPI, destination) identity, generations, and a writer thread racing
 * a reader that copies.
 */
#include <pthread.h>
#include <string.h>

#include "unit.h"
#include "util/esp_keys.h"

static struct esp_key
key(uint32_t spi, uint8_t last_octet, uint8_t fill)
{
	struct esp_key k;
	uint8_t a[4] = { 10, 0, 0, last_octet };

	memset(&k, 0, sizeof(k));
	k.spi = spi;
	if (last_octet != 0)
		ipaddr_set4(&k.dst, a);
	k.encr = 11;		/* ENCR_NULL */
	k.integ = 12;		/* AUTH_HMAC_SHA2_256_128 */
	k.integ_len = 32;
	memset(k.integ_key, fill, k.integ_len);
	return k;
}

START_TEST(put_replace_del)
{
	struct esp_keys *ks = esp_keys_new(4);
	struct esp_key out[4], k;
	uint64_t g0, g;
	size_t n;

	ck_assert_ptr_nonnull(ks);
	ck_assert_uint_eq(esp_keys_max(ks), 4);
	g0 = esp_keys_generation(ks);
	k = key(0x1000, 1, 0xaa);
	ck_assert_int_eq(esp_keys_put(ks, &k), 0);
	ck_assert_uint_ne(esp_keys_generation(ks), g0);
	/* Same SPI, other destination: a second SA (RFC 4303 2.1). */
	k = key(0x1000, 2, 0xbb);
	ck_assert_int_eq(esp_keys_put(ks, &k), 0);
	/* Same SPI and destination: replaces. */
	k = key(0x1000, 1, 0xcc);
	ck_assert_int_eq(esp_keys_put(ks, &k), 0);
	n = esp_keys_copy(ks, out, 4, &g);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(g, esp_keys_generation(ks));
	ck_assert_uint_eq(out[0].integ_key[0], 0xcc);
	ck_assert_uint_eq(out[1].integ_key[0], 0xbb);

	esp_keys_del(ks, 0x1000, &out[0].dst);
	n = esp_keys_copy(ks, out, 4, &g);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(out[0].dst.bytes[3], 2);
	/* Unknown: nothing changes, not even the generation. */
	esp_keys_del(ks, 0x2000, NULL);
	ck_assert_uint_eq(esp_keys_generation(ks), g);
	esp_keys_free(ks);
	esp_keys_free(NULL);
}
END_TEST

START_TEST(full_and_any_destination)
{
	struct esp_keys *ks = esp_keys_new(2);
	struct esp_key k, out[2];
	uint64_t g;

	k = key(1, 0, 1);
	ck_assert_int_eq(esp_keys_put(ks, &k), 0);
	k = key(2, 0, 2);
	ck_assert_int_eq(esp_keys_put(ks, &k), 0);
	k = key(3, 0, 3);
	ck_assert_int_eq(esp_keys_put(ks, &k), -1);
	/* A replacement still fits when full. */
	k = key(2, 0, 9);
	ck_assert_int_eq(esp_keys_put(ks, &k), 0);
	esp_keys_del(ks, 1, NULL);
	ck_assert_uint_eq(esp_keys_copy(ks, out, 2, &g), 1);
	ck_assert_uint_eq(out[0].spi, 2);
	ck_assert_uint_eq(out[0].integ_key[0], 9);
	/* A copy never writes past the caller's array. */
	k = key(4, 0, 4);
	ck_assert_int_eq(esp_keys_put(ks, &k), 0);
	ck_assert_uint_eq(esp_keys_copy(ks, out, 1, &g), 1);
	ck_assert_ptr_null(esp_keys_new(0));
	esp_keys_free(ks);
}
END_TEST

/* The endpoint adds and deletes on its thread while a pipeline copies:
 * every copy is consistent (each entry's key bytes all equal its SPI's
 * low byte) and the generation only grows. */
static void *
writer(void *arg)
{
	struct esp_keys *ks = arg;
	uint32_t i;

	for (i = 0; i < 20000; i++) {
		struct esp_key k = key(1 + (i % 50), 0, (uint8_t)(1 + (i % 50)));

		if (i % 3 == 2)
			esp_keys_del(ks, k.spi, NULL);
		else
			(void)esp_keys_put(ks, &k);
	}
	return NULL;
}

START_TEST(threads)
{
	struct esp_keys *ks = esp_keys_new(64);
	static struct esp_key out[64];
	uint64_t g, last = 0;
	pthread_t t;
	int i, backwards = 0, torn = 0;

	ck_assert_int_eq(pthread_create(&t, NULL, writer, ks), 0);
	/* Check's assertions each write a checkpoint to a file: count the
	 * bad copies here and assert once. */
	for (i = 0; i < 2000; i++) {
		size_t n = esp_keys_copy(ks, out, 64, &g), j, b;

		if (g < last)
			backwards++;
		last = g;
		for (j = 0; j < n; j++)
			for (b = 0; b < out[j].integ_len; b++)
				if (out[j].integ_key[b] != (uint8_t)out[j].spi)
					torn++;
	}
	pthread_join(t, NULL);
	ck_assert_int_eq(backwards, 0);
	ck_assert_int_eq(torn, 0);
	esp_keys_free(ks);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("esp_keys");
	TCase *tc = tcase_create("core");

	/* The thread test takes seconds on a loaded machine (Check's
	 * default is 4). */
	tcase_set_timeout(tc, 60);

	tcase_add_test(tc, put_replace_del);
	tcase_add_test(tc, full_and_any_destination);
	tcase_add_test(tc, threads);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN
