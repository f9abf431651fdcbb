/*
 * test_pcapfile.c - the in-place pcap reader against libpcap itself: the
 * same files read through capture_open_file() (pcapfile.c for a 2.4
 * Ethernet file) and through pcap_next_ex() must give the same records
 * (time stamps, lengths, bytes) and end the same way, with the same
 * message: records across block boundaries, both byte orders,
 * nanosecond files, captured lengths above the snapshot length and above
 * libpcap's maximum, and files cut in a header or in a record.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/capture.h"
#include "unit.h"

static char path[] = "/tmp/espvis-test-pcapfile-XXXXXX";

struct rec {
	uint32_t	sec, usec, caplen, len;
	uint8_t		fill;
};

static uint32_t
order(uint32_t v, int swapped)
{
	return (swapped ? __builtin_bswap32(v) : v);
}

static void
put32(FILE *f, uint32_t v, int swapped)
{
	v = order(v, swapped);
	ck_assert_uint_eq(fwrite(&v, 4, 1, f), 1);
}

/* A file: header, the records, then cut_tail bytes removed. */
static void
write_file(int swapped, int nsec, uint32_t snap, const struct rec *r,
    size_t n, size_t cut_tail)
{
	static uint8_t data[300000];
	FILE *f;
	size_t i;
	long end;

	ck_assert_ptr_nonnull(f = fopen(path, "wb"));
	put32(f, nsec ? 0xa1b23c4d : 0xa1b2c3d4, swapped);
	put32(f, swapped ? 0x04000200 : 0x00040002, 0);	/* 2.4 */
	put32(f, 0, swapped);
	put32(f, 0, swapped);
	put32(f, snap, swapped);
	put32(f, 1, swapped);		/* LINKTYPE_ETHERNET */
	for (i = 0; i < n; i++) {
		put32(f, r[i].sec, swapped);
		put32(f, r[i].usec, swapped);
		put32(f, r[i].caplen, swapped);
		put32(f, r[i].len, swapped);
		memset(data, r[i].fill, r[i].caplen < sizeof(data) ?
		    r[i].caplen : sizeof(data));
		data[0] = (uint8_t)i;
		if (r[i].caplen <= sizeof(data))
			ck_assert_uint_eq(fwrite(data, 1, r[i].caplen, f),
			    r[i].caplen);
	}
	end = ftell(f);
	fclose(f);
	ck_assert_int_eq(truncate(path, end - (long)cut_tail), 0);
}

/* Read the file both ways; every record and the end must agree. */
static void
compare(size_t want_pkts, int want_rc)
{
	char err[512], perr[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	struct capture *c;
	struct packet p;
	pcap_t *pc;
	size_t n = 0;
	int rc, prc;

	ck_assert_ptr_nonnull(c = capture_open_file(path, err, sizeof(err)));
	ck_assert_ptr_nonnull(pc = pcap_open_offline_with_tstamp_precision(
	    path, PCAP_TSTAMP_PRECISION_MICRO, perr));
	for (;;) {
		memset(&p, 0, sizeof(p));
		rc = capture_next(c, &p, err, sizeof(err));
		prc = pcap_next_ex(pc, &h, &d);
		if (prc != 1) {
			ck_assert_int_eq(rc, prc == PCAP_ERROR_BREAK ? 0 : -1);
			if (rc < 0)
				ck_assert_str_eq(err, pcap_geterr(pc));
			break;
		}
		ck_assert_int_eq(rc, 1);
		ck_assert_int_eq(p.ts_sec, h->ts.tv_sec);
		ck_assert_uint_eq(p.ts_usec, (uint32_t)h->ts.tv_usec);
		ck_assert_uint_eq(p.caplen, h->caplen);
		ck_assert_uint_eq(p.wirelen, h->len < h->caplen ? h->caplen :
		    h->len);
		ck_assert_int_eq(p.linktype, DLT_EN10MB);
		ck_assert_int_eq(memcmp(p.frame, d, h->caplen), 0);
		n++;
	}
	ck_assert_uint_eq(n, want_pkts);
	ck_assert_int_eq(rc, want_rc);
	pcap_close(pc);
	capture_close(c);
}

START_TEST(test_many_records)
{
	static struct rec r[6000];
	size_t i;
	int swapped, nsec;

	/* About 3.6 MB: records cut by the 1 MiB blocks. */
	for (i = 0; i < 6000; i++) {
		r[i].sec = 1795694400u + (uint32_t)i;
		r[i].usec = (uint32_t)(i * 997u % 1000000u);
		r[i].caplen = 40 + (uint32_t)(i * 7919u % 1200u);
		r[i].len = r[i].caplen + (i % 3 == 0 ? 100 : 0);
		r[i].fill = (uint8_t)(i * 31);
	}
	for (swapped = 0; swapped < 2; swapped++)
		for (nsec = 0; nsec < 2; nsec++) {
			if (nsec)
				for (i = 0; i < 6000; i++)
					r[i].usec = (uint32_t)(i * 999983u %
					    1000000000u);
			write_file(swapped, nsec, 65535, r, 6000, 0);
			compare(6000, 0);
		}
	/* One big record (the maximum) between small ones. */
	r[1].caplen = r[1].len = 262144;
	write_file(0, 0, 262144, r, 40, 0);
	compare(40, 0);
}
END_TEST

START_TEST(test_over_snapshot)
{
	struct rec r[3] = {
		{ 100, 1, 60, 60, 1 }, { 101, 2, 150, 200, 2 },
		{ 102, 3, 70, 70, 3 },
	};

	/* Cut to the snapshot length, the rest skipped. */
	write_file(0, 0, 100, r, 3, 0);
	compare(3, 0);
	/* ... cut within the snapshot part, or after it. */
	write_file(0, 0, 100, r, 2, 80);
	compare(1, -1);
	write_file(0, 0, 100, r, 2, 20);
	compare(1, -1);
	/* Above libpcap's maximum: an error. */
	r[1].caplen = 262145;
	write_file(0, 0, 65535, r, 2, 0);
	compare(1, -1);
	write_file(1, 0, 300000, r, 2, 0);
	compare(1, -1);
}
END_TEST

START_TEST(test_cut_files)
{
	struct rec r[2] = { { 100, 1, 60, 60, 1 }, { 101, 2, 80, 90, 2 } };

	write_file(0, 0, 65535, r, 0, 0);	/* header only */
	compare(0, 0);
	write_file(0, 0, 65535, r, 2, 10);	/* in the last record */
	compare(1, -1);
	write_file(0, 0, 65535, r, 2, 80 + 6);	/* in its header */
	compare(1, -1);
	write_file(1, 1, 65535, r, 2, 1);
	compare(1, -1);
}
END_TEST

static void
remove_file(void)
{
	unlink(path);
}

static Suite *
suite(void)
{
	Suite *s = suite_create("pcapfile");
	TCase *tc = tcase_create("records");
	int fd;

	if ((fd = mkstemp(path)) < 0)
		abort();
	close(fd);
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, NULL, remove_file);
	tcase_add_test(tc, test_many_records);
	tcase_add_test(tc, test_over_snapshot);
	tcase_add_test(tc, test_cut_files);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
