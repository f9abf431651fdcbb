/*
 * test_live.c - live capture (capture/live.c) on the loopback interface
 * of a network namespace of the test's own (unshare(2)): nothing it sends
 * or captures leaves the process.  Checked: the BPF filter, the snapshot
 * length, frame fields and numbering, the kernel counters, the poll
 * timeout and its end by a signal, and the errors live_open() reports.
 * Skips (77) when it cannot make the namespace (not root).
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "capture/capture.h"

#define PORT_SEEN	9999
#define PORT_FILTERED	9998
#define PAYLOAD_LEN	300
#define FRAME_LEN	(14 + 20 + 8 + PAYLOAD_LEN)	/* Ethernet, IPv4, UDP */

struct seen {
	int		n;
	uint64_t	num[8];
	uint32_t	caplen[8];
	uint32_t	wirelen[8];
	int		linktype[8];
	int64_t		ts_sec[8];
};

static void
on_frame(void *arg, const struct packet *f)
{
	struct seen *s = arg;

	if (s->n == 8)
		return;
	s->num[s->n] = f->num;
	s->caplen[s->n] = f->caplen;
	s->wirelen[s->n] = f->wirelen;
	s->linktype[s->n] = f->linktype;
	s->ts_sec[s->n] = f->ts_sec;
	s->n++;
}

static struct live *
open_lo(const char *filter, uint32_t snaplen)
{
	const char *ifaces[] = { "lo" };
	struct live_config cfg;
	enum live_error why;
	struct live *l;
	char err[256];

	live_config_defaults(&cfg);
	cfg.filter = filter;
	cfg.snaplen = snaplen;
	cfg.buffer_mb = 1;
	l = live_open(ifaces, 1, &cfg, &why, err, sizeof(err));
	if (l == NULL)
		ck_abort_msg("live_open lo: %s", err);
	return (l);
}

static void
send_udp(int port, int count)
{
	struct sockaddr_in to;
	char payload[PAYLOAD_LEN];
	int fd, i;

	memset(payload, 'x', sizeof(payload));
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = htons((uint16_t)port);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd = socket(AF_INET, SOCK_DGRAM, 0), 0);
	for (i = 0; i < count; i++)
		ck_assert_int_eq(sendto(fd, payload, sizeof(payload), 0,
		    (struct sockaddr *)&to, sizeof(to)), PAYLOAD_LEN);
	close(fd);
}

static double
now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* Poll until want frames came or two seconds passed. */
static void
collect(struct live *l, struct seen *s, int want)
{
	char err[256];
	double deadline = now_sec() + 2;

	while (s->n < want && now_sec() < deadline)
		ck_assert_int_ge(live_poll(l, 100, 64, on_frame, s, err,
		    sizeof(err)), 0);
}

START_TEST(test_filter_snaplen_fields)
{
	struct capture_stats cs;
	struct seen s;
	struct live *l;
	char err[256];
	int i;

	memset(&s, 0, sizeof(s));
	l = open_lo("udp dst port 9999", 128);
	send_udp(PORT_FILTERED, 2);
	send_udp(PORT_SEEN, 3);
	collect(l, &s, 3);
	/* Whatever else came would be a filtered frame let through. */
	ck_assert_int_eq(live_poll(l, 3 * LIVE_BLOCK_TIMEOUT_MS, 64, on_frame,
	    &s, err, sizeof(err)), 0);
	ck_assert_int_eq(s.n, 3);
	for (i = 0; i < 3; i++) {
		ck_assert_uint_eq(s.num[i], (uint64_t)i + 1);
		ck_assert_uint_eq(s.caplen[i], 128);
		ck_assert_uint_eq(s.wirelen[i], FRAME_LEN);
		ck_assert_int_eq(s.linktype[i], DLT_EN10MB);
		ck_assert_int_le(labs((long)(s.ts_sec[i] - time(NULL))), 5);
	}
	ck_assert_int_eq(live_stats(l, &cs), 0);
	ck_assert_uint_eq(cs.n_ifaces, 1);
	ck_assert_str_eq(cs.iface[0].name, "lo");
	ck_assert_uint_eq(cs.iface[0].read, 3);
	/* Loopback: the kernel's count has each frame as sent and as
	 * received; libpcap hands over the received copy only. */
	ck_assert_uint_eq(cs.iface[0].received, 2 * 3);
	ck_assert_uint_eq(cs.iface[0].kernel_drops, 0);
	ck_assert_uint_eq(cs.kernel_drops, 0);
	/* Counters accumulate across reads. */
	send_udp(PORT_SEEN, 1);
	collect(l, &s, 4);
	ck_assert_int_eq(live_stats(l, &cs), 0);
	ck_assert_uint_eq(cs.iface[0].read, 4);
	ck_assert_uint_eq(cs.iface[0].received, 2 * 4);
	live_close(l);
}
END_TEST

/* Frames that do not fit the snapshot length keep their wire length. */
START_TEST(test_full_frames)
{
	struct seen s;
	struct live *l;

	memset(&s, 0, sizeof(s));
	l = open_lo("udp dst port 9999", LIVE_SNAPLEN_DEFAULT);
	send_udp(PORT_SEEN, 1);
	collect(l, &s, 1);
	ck_assert_int_eq(s.n, 1);
	ck_assert_uint_eq(s.caplen[0], FRAME_LEN);
	ck_assert_uint_eq(s.wirelen[0], FRAME_LEN);
	live_close(l);
}
END_TEST

static void
on_alarm(int sig)
{
	(void)sig;
}

/* Idle: the wait lasts its timeout, and a signal ends it at once. */
START_TEST(test_poll_timeout_and_signal)
{
	struct itimerval it;
	struct sigaction sa;
	struct seen s;
	struct live *l;
	char err[256];
	double t0, waited;

	memset(&s, 0, sizeof(s));
	l = open_lo("udp dst port 9999", 128);
	t0 = now_sec();
	ck_assert_int_eq(live_poll(l, 200, 64, on_frame, &s, err,
	    sizeof(err)), 0);
	waited = now_sec() - t0;
	ck_assert(waited >= 0.15 && waited < 1.0);

	/* SA_RESTART as signal(3) sets it: poll(2) still returns EINTR. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0);
	memset(&it, 0, sizeof(it));
	it.it_value.tv_usec = 100000;
	ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
	t0 = now_sec();
	ck_assert_int_eq(live_poll(l, 10000, 64, on_frame, &s, err,
	    sizeof(err)), 0);
	waited = now_sec() - t0;
	ck_assert(waited < 2.0);
	ck_assert_int_eq(s.n, 0);
	live_close(l);
}
END_TEST

static enum live_error
open_error(const char *const *ifaces, size_t n, const char *filter,
    char *err, size_t errlen)
{
	struct live_config cfg;
	enum live_error why;

	live_config_defaults(&cfg);
	cfg.filter = filter;
	cfg.buffer_mb = 1;
	ck_assert_ptr_null(live_open(ifaces, n, &cfg, &why, err, errlen));
	return (why);
}

START_TEST(test_open_errors)
{
	const char *missing[] = { "lo", "espvis-none0" };
	const char *twice[] = { "lo", "lo" };
	const char *longname[] = { "an-interface-name-far-too-long-for-us" };
	const char *many[CAPTURE_MAX_IFACES + 1];
	char err[256];
	size_t i;

	ck_assert_int_eq(open_error(missing, 2, NULL, err, sizeof(err)),
	    LIVE_ERR_INTERFACE);
	ck_assert_str_eq(err, "-i espvis-none0: no such interface");
	ck_assert_int_eq(open_error(missing, 1, "udp port", err,
	    sizeof(err)), LIVE_ERR_FILTER);
	ck_assert_ptr_nonnull(strstr(err, "-f 'udp port' on lo: "));
	ck_assert_int_eq(open_error(twice, 2, NULL, err, sizeof(err)),
	    LIVE_ERR_USAGE);
	ck_assert_str_eq(err, "-i lo: given twice");
	ck_assert_int_eq(open_error(longname, 1, NULL, err, sizeof(err)),
	    LIVE_ERR_USAGE);
	for (i = 0; i < CAPTURE_MAX_IFACES + 1; i++)
		many[i] = "lo";
	ck_assert_int_eq(open_error(many, CAPTURE_MAX_IFACES + 1, NULL, err,
	    sizeof(err)), LIVE_ERR_USAGE);
	ck_assert_int_eq(open_error(many, 0, NULL, err, sizeof(err)),
	    LIVE_ERR_USAGE);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("live");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_filter_snaplen_fields);
	tcase_add_test(tc, test_full_frames);
	tcase_add_test(tc, test_poll_timeout_and_signal);
	tcase_add_test(tc, test_open_errors);
	suite_add_tcase(s, tc);
	return (s);
}

/* A namespace of our own with its loopback up; 0, or -1 (skip). */
static int
private_netns(void)
{
	struct ifreq ifr;
	int fd, rc;

	if (unshare(CLONE_NEWNET) != 0)
		return (-1);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		return (-1);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
	if (rc == 0) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return (rc);
}

/* UNIT_MAIN, after making the namespace every test runs in. */
int
main(void)
{
	SRunner	*sr;
	int	 failed;

	if (private_netns() != 0) {
		printf("skipped: cannot make a private network namespace "
		    "(needs root): %s\n", strerror(errno));
		return (77);
	}
	sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
