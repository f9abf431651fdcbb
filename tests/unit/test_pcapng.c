/*
 * test_pcapng.c - the pcapng block reader: both byte orders, interfaces
 * with different link types, timestamp resolutions, simple packets, and
 * the corrupt cases (bad lengths, undeclared interface, short data).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capture/capture.h"
#include "capture/pcapng.h"
#include "unit.h"

/* Little-endian SHB, version 1.0, section length -1, no options. */
static const uint8_t shb_le[28] = {
	0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a,
	1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	28, 0, 0, 0
};
/* Big-endian SHB. */
static const uint8_t shb_be[28] = {
	0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 28, 0x1a, 0x2b, 0x3c, 0x4d,
	0, 1, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0, 0, 0, 28
};
/* IDB: Ethernet, snaplen 65535, no options. */
static const uint8_t idb_eth_le[20] = {
	1, 0, 0, 0, 20, 0, 0, 0, 1, 0, 0, 0, 0xff, 0xff, 0, 0, 20, 0, 0, 0
};
/* IDB: raw IP (101), snaplen 262144, if_tsresol = 9 (nanoseconds). */
static const uint8_t idb_raw_ns_le[28] = {
	1, 0, 0, 0, 28, 0, 0, 0, 101, 0, 0, 0, 0, 0, 4, 0,
	9, 0, 1, 0, 9, 0, 0, 0, 28, 0, 0, 0
};
/* EPB on interface 1, ts 1536820136.171967123 s in ns, 4 bytes of data. */
static const uint8_t epb_if1_le[36] = {
	6, 0, 0, 0, 36, 0, 0, 0, 1, 0, 0, 0,
	0xc5, 0xe1, 0x53, 0x15, 0x93, 0x92, 0x32, 0x7c,	/* hi, lo */
	4, 0, 0, 0, 60, 0, 0, 0, 0x45, 0, 0, 0x3c, 36, 0, 0, 0
};
/* The same packet on interface 0, microseconds: 1536820136.171967. */
static const uint8_t epb_if0_be[36] = {
	0, 0, 0, 6, 0, 0, 0, 36, 0, 0, 0, 0,
	0x00, 0x05, 0x75, 0xba, 0xd2, 0x4c, 0xd9, 0xbf,
	0, 0, 0, 4, 0, 0, 0, 4, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 36
};
static const uint8_t idb_eth_be[20] = {
	0, 0, 0, 1, 0, 0, 0, 20, 0, 1, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 20
};
/* SPB, original length 3, 4 bytes of (padded) data. */
static const uint8_t spb_le[20] = {
	3, 0, 0, 0, 20, 0, 0, 0, 3, 0, 0, 0, 0xaa, 0xbb, 0xcc, 0, 20, 0, 0, 0
};

static int
feed(struct pcapng *ng, const uint8_t *b, size_t len, struct packet *p)
{
	char err[128];

	return (pcapng_parse_block(ng, b, len, p, err, sizeof(err)));
}

START_TEST(test_two_interfaces_le)
{
	struct pcapng *ng = pcapng_new_memory();
	struct packet p;

	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(feed(ng, shb_le, sizeof(shb_le), &p), 0);
	ck_assert_int_eq(feed(ng, idb_eth_le, sizeof(idb_eth_le), &p), 0);
	ck_assert_int_eq(feed(ng, idb_raw_ns_le, sizeof(idb_raw_ns_le), &p),
	    0);
	ck_assert_int_eq(feed(ng, epb_if1_le, sizeof(epb_if1_le), &p), 1);
	ck_assert_int_eq(p.linktype, 101);
	ck_assert_uint_eq(p.caplen, 4);
	ck_assert_uint_eq(p.wirelen, 60);
	ck_assert_uint_eq(p.frame[0], 0x45);
	ck_assert_int_eq(p.ts_sec, 1536820136);
	ck_assert_uint_eq(p.ts_usec, 171967);
	ck_assert_int_eq(feed(ng, spb_le, sizeof(spb_le), &p), 1);
	ck_assert_int_eq(p.linktype, 1);
	ck_assert_uint_eq(p.caplen, 3);
	ck_assert_uint_eq(p.frame[2], 0xcc);
	pcapng_close(ng);
}
END_TEST

START_TEST(test_big_endian)
{
	struct pcapng *ng = pcapng_new_memory();
	struct packet p;

	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(feed(ng, shb_be, sizeof(shb_be), &p), 0);
	ck_assert_int_eq(feed(ng, idb_eth_be, sizeof(idb_eth_be), &p), 0);
	ck_assert_int_eq(feed(ng, epb_if0_be, sizeof(epb_if0_be), &p), 1);
	ck_assert_int_eq(p.linktype, 1);
	ck_assert_int_eq(p.ts_sec, 1536820136);
	ck_assert_uint_eq(p.ts_usec, 171967);
	ck_assert_uint_eq(p.frame[3], 0xef);
	pcapng_close(ng);
}
END_TEST

START_TEST(test_corrupt_blocks)
{
	struct pcapng *ng = pcapng_new_memory();
	uint8_t b[64];
	struct packet p;

	memset(&p, 0, sizeof(p));
	/* A packet before any section header. */
	ck_assert_int_eq(feed(ng, epb_if1_le, sizeof(epb_if1_le), &p), -1);
	ck_assert_int_eq(feed(ng, shb_le, sizeof(shb_le), &p), 0);
	/* A packet for an interface not declared yet. */
	ck_assert_int_eq(feed(ng, epb_if1_le, sizeof(epb_if1_le), &p), -1);
	ck_assert_int_eq(feed(ng, spb_le, sizeof(spb_le), &p), -1);
	ck_assert_int_eq(feed(ng, idb_eth_le, sizeof(idb_eth_le), &p), 0);
	ck_assert_int_eq(feed(ng, idb_eth_le, sizeof(idb_eth_le), &p), 0);
	/* Short by one. */
	ck_assert_int_eq(feed(ng, epb_if1_le, sizeof(epb_if1_le) - 1, &p), -1);
	/* Captured length larger than the block. */
	memcpy(b, epb_if1_le, sizeof(epb_if1_le));
	b[20] = 200;
	ck_assert_int_eq(feed(ng, b, sizeof(epb_if1_le), &p), -1);
	/* Block length not a multiple of 4, and too small. */
	b[4] = 35;
	ck_assert_int_eq(feed(ng, b, 35, &p), -1);
	memcpy(b, spb_le, 8);
	b[4] = 8;
	ck_assert_int_eq(feed(ng, b, 8, &p), -1);
	/* Bad byte-order magic. */
	memcpy(b, shb_le, sizeof(shb_le));
	b[8] = 0x11;
	ck_assert_int_eq(feed(ng, b, sizeof(shb_le), &p), -1);
	/* An IDB option that runs past the block. */
	memcpy(b, idb_raw_ns_le, sizeof(idb_raw_ns_le));
	b[18] = 40;
	ck_assert_int_eq(feed(ng, shb_le, sizeof(shb_le), &p), 0);
	ck_assert_int_eq(feed(ng, b, sizeof(idb_raw_ns_le), &p), -1);
	/* An unknown block type is skipped. */
	memcpy(b, spb_le, sizeof(spb_le));
	b[0] = 0x77;
	ck_assert_int_eq(feed(ng, b, sizeof(spb_le), &p), 0);
	pcapng_close(ng);
	pcapng_close(NULL);
}
END_TEST

/* Through a file: a cut block is an error after the good packets. */
START_TEST(test_file_truncated)
{
	char path[] = "/tmp/espvis-pcapng-XXXXXX", err[256];
	struct capture *c;
	struct packet p;
	FILE *f;
	int fd;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "wb");
	fwrite(shb_le, 1, sizeof(shb_le), f);
	fwrite(idb_eth_le, 1, sizeof(idb_eth_le), f);
	fwrite(idb_raw_ns_le, 1, sizeof(idb_raw_ns_le), f);
	fwrite(epb_if1_le, 1, sizeof(epb_if1_le), f);
	fwrite(epb_if1_le, 1, sizeof(epb_if1_le) - 6, f);
	fclose(f);
	c = capture_open_file(path, err, sizeof(err));
	ck_assert_ptr_nonnull(c);
	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(capture_next(c, &p, err, sizeof(err)), 1);
	ck_assert_int_eq(p.linktype, 101);
	ck_assert_int_eq(capture_next(c, &p, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "truncated"));
	capture_close(c);
	unlink(path);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("pcapng");
	TCase *tc = tcase_create("blocks");

	tcase_add_test(tc, test_two_interfaces_le);
	tcase_add_test(tc, test_big_endian);
	tcase_add_test(tc, test_corrupt_blocks);
	tcase_add_test(tc, test_file_truncated);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
