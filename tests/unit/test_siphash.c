/*
 * test_siphash.c - SipHash-2-4 and SipHash-1-3 against the reference
 * vectors of Aumasson and Bernstein's code (message 00..len-1), at every
 * tail length, since the SA and flow tables and the worker dispatch all
 * hash through them.
 */
#include "unit.h"
#include "util/siphash.h"

/* vectors.h of the reference implementation, lengths 0..15, as u64 LE. */
static const uint64_t want[16] = {
	0x726fdb47dd0e0e31ULL, 0x74f839c593dc67fdULL, 0x0d6c8009d9a94f5aULL,
	0x85676696d7fb7e2dULL, 0xcf2794e0277187b7ULL, 0x18765564cd99a68dULL,
	0xcbc9466e58fee3ceULL, 0xab0200f58b01d137ULL, 0x93f5f5799a932462ULL,
	0x9e0082df0ba9e4b0ULL, 0x7a5dbbc594ddb9f3ULL, 0xf4b32f46226bada7ULL,
	0x751e8fbc860ee5fbULL, 0x14ea5627c0843d90ULL, 0xf723ca908e7af2eeULL,
	0xa129ca6149be45e5ULL,
};

START_TEST(test_reference_vectors)
{
	uint8_t key[SIPHASH_KEY_LEN], msg[16];
	int i;

	for (i = 0; i < 16; i++)
		key[i] = msg[i] = (uint8_t)i;
	ck_assert_uint_eq(siphash24(key, msg, (size_t)_i), want[_i]);
}
END_TEST

/*
 * SipHash-1-3 of the reference implementation (veorq/SipHash, cROUNDS 1,
 * dROUNDS 3), key all zero, message 00..len-1: lengths 0..20, every tail
 * and the 20- and 24-byte keys the tables hash.
 */
static const uint64_t want13[21] = {
	0xd1fba762150c532cULL, 0x68a914128e01e473ULL, 0x010bac45c41e3669ULL,
	0x4d4c9a4a8ef6e0adULL, 0x7cc43f98813e4dbdULL, 0x5abe2169dff36275ULL,
	0xe3c25f87624f1cdbULL, 0x2f098ab0c751325aULL, 0xead411e67ebe2eeaULL,
	0x75927f9d95124362ULL, 0xaf9f77a65ab51a1dULL, 0xfe64ce8b6617fcffULL,
	0xa6baf4fb0f9fe1c2ULL, 0xa0cf3211850f8e0dULL, 0x7f86049379fbfe67ULL,
	0xf30eb725bb91c9eaULL, 0x8972188433a5c5b7ULL, 0x4883c49a2c009c1dULL,
	0xadc2c0b63044067dULL, 0x091f4a3329f87d19ULL, 0x639e355ae68c0100ULL,
};

START_TEST(test_reference_vectors_13)
{
	uint8_t key[SIPHASH_KEY_LEN] = { 0 }, msg[21];
	int i;

	for (i = 0; i < 21; i++)
		msg[i] = (uint8_t)i;
	ck_assert_uint_eq(siphash13(key, msg, (size_t)_i), want13[_i]);
}
END_TEST

/*
 * siphash13_words() (the tables' per-packet form) against siphash13()
 * of the same bytes: a random key, messages of 0..47 bytes (every word
 * count the tables use and every tail length), random bytes.
 */
START_TEST(test_words_match_bytes)
{
	uint8_t key[SIPHASH_KEY_LEN], msg[48];
	uint64_t w[6], tail;
	size_t len = (size_t)_i, nw = len / 8, t = len % 8, i;
	int round;

	for (round = 0; round < 50; round++) {
		siphash_random_key(key);
		for (i = 0; i < sizeof(msg); i++)
			msg[i] = (uint8_t)(random() >> 3);
		for (i = 0; i < nw; i++) {
			memcpy(&w[i], msg + 8 * i, 8);
			w[i] = le64toh(w[i]);
		}
		for (tail = 0, i = 0; i < t; i++)
			tail |= (uint64_t)msg[8 * nw + i] << (8 * i);
		ck_assert_uint_eq(siphash13_words(key, w, nw, tail, t),
		    siphash13(key, msg, len));
	}
}
END_TEST

START_TEST(test_random_keys_differ)
{
	uint8_t a[SIPHASH_KEY_LEN], b[SIPHASH_KEY_LEN];
	const char msg[] = "espvis";

	siphash_random_key(a);
	siphash_random_key(b);
	ck_assert(siphash24(a, msg, sizeof(msg)) != siphash24(b, msg,
	    sizeof(msg)));
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("siphash");
	TCase *tc = tcase_create("vectors");

	tcase_add_loop_test(tc, test_reference_vectors, 0, 16);
	tcase_add_loop_test(tc, test_reference_vectors_13, 0, 21);
	tcase_add_loop_test(tc, test_words_match_bytes, 0, 48);
	tcase_add_test(tc, test_random_keys_differ);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
