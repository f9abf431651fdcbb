/*
 * test_innerpcap.c - the inner packet records: transport-mode rebuild
 * (RFC 4303 section 3.1.1), tunnel pass-through, link types, limits, and
 * a file written and read back through libpcap.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export/innerpcap.h"
#include "unit.h"

static const uint8_t mac_d[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t mac_s[6] = { 0x02, 0, 0, 0, 0, 0x02 };
/* A UDP header and 4 bytes of data: 10.0.0.1:1000 -> 10.0.0.2:53. */
static const uint8_t udp_payload[12] = {
	0x03, 0xe8, 0x00, 0x35, 0x00, 0x0c, 0x00, 0x00, 'a', 'b', 'c', 'd'
};

static void
transport4(struct packet *p)
{
	static const uint8_t s[4] = { 10, 0, 0, 1 }, d[4] = { 10, 0, 0, 2 };

	memset(p, 0, sizeof(*p));
	ipaddr_set4(&p->src, s);
	ipaddr_set4(&p->dst, d);
	p->ipver = 4;
	p->ip_tos = 0x10;
	p->ip_ttl = 63;
	p->ip_id = 0x1234;
	p->ip_df = true;
	p->next_hdr = 17;
	p->inner = udp_payload;
	p->inner_len = sizeof(udp_payload);
	p->mac_dst = mac_d;
	p->mac_src = mac_s;
}

START_TEST(test_transport_ipv4_ethernet)
{
	static const uint8_t want[14 + 20] = {
		0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02, 0x08, 0x00,
		0x45, 0x10, 0x00, 0x20, 0x12, 0x34, 0x40, 0x00, 63, 17,
		0x00, 0x00, 10, 0, 0, 1, 10, 0, 0, 2
	};
	uint8_t buf[256], hdr[20];
	struct packet p;
	uint32_t sum = 0;
	size_t n, i;

	transport4(&p);
	n = innerpcap_frame(&p, INNER_LINK_ETHERNET, buf, sizeof(buf));
	ck_assert_uint_eq(n, 14 + 20 + sizeof(udp_payload));
	/* Everything but the checksum as built by hand. */
	memcpy(hdr, buf + 14, 20);
	hdr[10] = hdr[11] = 0;
	ck_assert_mem_eq(buf, want, 14);
	ck_assert_mem_eq(hdr, want + 14, 20);
	/* The header sums to 0xffff with its checksum in. */
	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)(buf[14 + i] << 8 | buf[14 + i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ck_assert_uint_eq(sum, 0xffff);
	ck_assert_mem_eq(buf + 34, udp_payload, sizeof(udp_payload));
}
END_TEST

START_TEST(test_transport_ipv6_raw_no_mac)
{
	uint8_t s[16] = { 0x20, 0x01, 0x0d, 0xb8 }, d[16] = { 0x20, 0x01,
	    0x0d, 0xb8, [15] = 2 };
	uint8_t buf[256];
	struct packet p;
	size_t n;

	transport4(&p);
	ipaddr_set6(&p.src, s);
	ipaddr_set6(&p.dst, d);
	p.ipver = 6;
	p.ip_tos = 0xb8;
	p.ip6_flow = 0xabcde;
	p.ip_ttl = 64;
	p.mac_dst = p.mac_src = NULL;
	n = innerpcap_frame(&p, INNER_LINK_RAW, buf, sizeof(buf));
	ck_assert_uint_eq(n, 40 + sizeof(udp_payload));
	ck_assert_uint_eq(buf[0], 0x6b);	/* version 6, TC 0xb8 */
	ck_assert_uint_eq(buf[1], 0x8a);
	ck_assert_uint_eq(buf[2], 0xbc);
	ck_assert_uint_eq(buf[3], 0xde);
	ck_assert_uint_eq(buf[4] << 8 | buf[5], sizeof(udp_payload));
	ck_assert_uint_eq(buf[6], 17);
	ck_assert_uint_eq(buf[7], 64);
	ck_assert_mem_eq(buf + 8, s, 16);
	ck_assert_mem_eq(buf + 24, d, 16);

	/* Ethernet with no outer MACs gets zeros and the IPv6 ethertype. */
	n = innerpcap_frame(&p, INNER_LINK_ETHERNET, buf, sizeof(buf));
	ck_assert_uint_eq(n, 14 + 40 + sizeof(udp_payload));
	ck_assert_uint_eq(buf[0] | buf[5] | buf[6] | buf[11], 0);
	ck_assert_uint_eq(buf[12] << 8 | buf[13], 0x86dd);
}
END_TEST

START_TEST(test_tunnel_passthrough)
{
	static const uint8_t inner6[48] = { 0x60, [4] = 0, [5] = 8, [6] = 59,
	    [7] = 1 };
	uint8_t buf[256];
	struct packet p;
	size_t n;

	transport4(&p);
	p.inner = inner6;
	p.inner_len = sizeof(inner6);
	p.inner_tunnel = true;
	p.next_hdr = 41;
	n = innerpcap_frame(&p, INNER_LINK_ETHERNET, buf, sizeof(buf));
	ck_assert_uint_eq(n, 14 + sizeof(inner6));
	ck_assert_uint_eq(buf[12] << 8 | buf[13], 0x86dd);
	ck_assert_mem_eq(buf + 14, inner6, sizeof(inner6));
}
END_TEST

START_TEST(test_limits)
{
	static uint8_t big[65536];
	uint8_t buf[64];
	struct packet p;

	transport4(&p);
	/* Short by one byte. */
	ck_assert_uint_eq(innerpcap_frame(&p, INNER_LINK_ETHERNET, buf,
	    14 + 20 + sizeof(udp_payload) - 1), 0);
	/* No inner payload. */
	p.inner = NULL;
	ck_assert_uint_eq(innerpcap_frame(&p, INNER_LINK_RAW, buf,
	    sizeof(buf)), 0);
	/* An IPv4 total length cannot exceed 65535. */
	p.inner = big;
	p.inner_len = 65535 - 20 + 1;
	ck_assert_uint_eq(innerpcap_frame(&p, INNER_LINK_RAW, big,
	    sizeof(big)), 0);
}
END_TEST

START_TEST(test_file_roundtrip)
{
	char path[] = "/tmp/espvis-innerpcap-XXXXXX", err[256];
	char errbuf[PCAP_ERRBUF_SIZE];
	struct innerpcap *w;
	struct stats st;
	struct packet p;
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *r;
	int fd;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	memset(&st, 0, sizeof(st));
	w = innerpcap_open(path, INNER_LINK_RAW, err, sizeof(err));
	ck_assert_ptr_nonnull(w);
	transport4(&p);
	p.ts_sec = 1795722005;
	p.ts_usec = 42;
	ck_assert_int_eq(innerpcap_write(w, &p, &st), 0);
	p.inner = NULL;
	ck_assert_int_eq(innerpcap_write(w, &p, &st), -1);
	innerpcap_close(w);
	ck_assert_uint_eq(st.inner_written, 1);

	r = pcap_open_offline(path, errbuf);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(pcap_datalink(r), DLT_RAW);
	ck_assert_int_eq(pcap_next_ex(r, &h, &data), 1);
	ck_assert_uint_eq(h->caplen, 20 + sizeof(udp_payload));
	ck_assert_int_eq(h->ts.tv_sec, 1795722005);
	ck_assert_int_eq(h->ts.tv_usec, 42);
	ck_assert_uint_eq(data[0], 0x45);
	ck_assert_int_eq(pcap_next_ex(r, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(r);
	unlink(path);

	ck_assert_ptr_null(innerpcap_open("/nonexistent/dir/x.pcap",
	    INNER_LINK_RAW, err, sizeof(err)));
	ck_assert(strlen(err) > 0);
	innerpcap_close(NULL);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("innerpcap");
	TCase *tc = tcase_create("frame");

	tcase_add_test(tc, test_transport_ipv4_ethernet);
	tcase_add_test(tc, test_transport_ipv6_raw_no_mac);
	tcase_add_test(tc, test_tunnel_passthrough);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_file_roundtrip);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
