/*
 * test_eve_stats.c - the live-capture parts of the `stats` event: the
 * `stats.capture` section (sums, then each interface), its absence when
 * no capture counters were given, and periodic snapshots that leave the
 * pipeline's own counters exact.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "export/eve.h"

struct written {
	char	path[64];
	char	text[16384];
};

static struct eve *
open_tmp(struct written *w)
{
	char err[256];
	struct eve *e;
	int fd;

	snprintf(w->path, sizeof(w->path), "/tmp/espvis-test-evestats-XXXXXX");
	ck_assert_int_ge(fd = mkstemp(w->path), 0);
	close(fd);
	ck_assert_ptr_nonnull(e = eve_open(w->path, NULL, err, sizeof(err)));
	return (e);
}

/* Close e and read back what it wrote. */
static const char *
close_and_read(struct eve *e, struct written *w)
{
	size_t n;
	FILE *f;

	eve_close(e);
	ck_assert_ptr_nonnull(f = fopen(w->path, "r"));
	n = fread(w->text, 1, sizeof(w->text) - 1, f);
	w->text[n] = '\0';
	fclose(f);
	unlink(w->path);
	return (w->text);
}

static void
two_interfaces(struct capture_stats *cs)
{
	memset(cs, 0, sizeof(*cs));
	cs->n_ifaces = 2;
	snprintf(cs->iface[0].name, sizeof(cs->iface[0].name), "eth0");
	cs->iface[0].read = 1000;
	cs->iface[0].received = 1007;
	cs->iface[0].kernel_drops = 7;
	cs->iface[0].if_drops = 1;
	snprintf(cs->iface[1].name, sizeof(cs->iface[1].name), "eth1");
	cs->iface[1].read = 20;
	cs->iface[1].received = 20;
	cs->kernel_drops = 7;
	cs->if_drops = 1;
}

START_TEST(test_capture_section)
{
	struct capture_stats cs;
	struct written w;
	struct stats st;
	struct eve *e;
	const char *text;

	memset(&st, 0, sizeof(st));
	st.read = 1020;
	e = open_tmp(&w);
	two_interfaces(&cs);
	eve_set_capture_stats(e, &cs);
	ck_assert_int_eq(eve_write_stats(e, 1795722005, 0, &st), 0);
	text = close_and_read(e, &w);
	ck_assert_ptr_nonnull(strstr(text, "\"stats\":{\"capture\":{"
	    "\"kernel_drops\":7,\"if_drops\":1,\"interfaces\":["
	    "{\"name\":\"eth0\",\"read\":1000,\"received\":1007,"
	    "\"kernel_drops\":7,\"if_drops\":1},"
	    "{\"name\":\"eth1\",\"read\":20,\"received\":20,"
	    "\"kernel_drops\":0,\"if_drops\":0}]},"
	    "\"packets\":{\"read\":1020,"));
}
END_TEST

/* Reading files: no capture counters, no section. */
START_TEST(test_no_capture_section)
{
	struct written w;
	struct stats st;
	struct eve *e;
	const char *text;

	memset(&st, 0, sizeof(st));
	e = open_tmp(&w);
	ck_assert_int_eq(eve_write_stats(e, 1795722005, 0, &st), 0);
	text = close_and_read(e, &w);
	ck_assert_ptr_nonnull(strstr(text, "\"stats\":{\"packets\":"));
	ck_assert_ptr_null(strstr(text, "capture"));
}
END_TEST

/* The latest counters given are the ones written. */
START_TEST(test_capture_updated)
{
	struct capture_stats cs;
	struct written w;
	struct stats st;
	struct eve *e;
	const char *text;

	memset(&st, 0, sizeof(st));
	e = open_tmp(&w);
	two_interfaces(&cs);
	eve_set_capture_stats(e, &cs);
	cs.kernel_drops = 9;
	cs.n_ifaces = 1;
	eve_set_capture_stats(e, &cs);
	ck_assert_int_eq(eve_write_stats(e, 1795722005, 0, &st), 0);
	text = close_and_read(e, &w);
	ck_assert_ptr_nonnull(strstr(text, "\"capture\":{\"kernel_drops\":9,"));
	ck_assert_ptr_null(strstr(text, "eth1"));
}
END_TEST

/*
 * Two snapshots, then the pipeline's final event: each snapshot counts
 * itself, the pipeline's counters are untouched by them, and the final
 * event counts all three.
 */
START_TEST(test_snapshot_leaves_pipeline_exact)
{
	struct written w;
	struct stats st;
	struct eve *e;
	const char *text, *first, *second, *third;

	memset(&st, 0, sizeof(st));
	e = open_tmp(&w);
	ck_assert_int_eq(eve_write_stats_snapshot(e, 1, 0, &st), 0);
	ck_assert_int_eq(eve_write_stats_snapshot(e, 2, 0, &st), 0);
	ck_assert_uint_eq(st.eve_events, 0);
	ck_assert_int_eq(eve_write_stats(e, 3, 0, &st), 0);
	ck_assert_uint_eq(st.eve_events, 3);
	text = close_and_read(e, &w);
	ck_assert_ptr_nonnull(first = strstr(text, "\"eve\":{\"events\":1,"));
	ck_assert_ptr_nonnull(second = strstr(first + 1,
	    "\"eve\":{\"events\":2,"));
	ck_assert_ptr_nonnull(third = strstr(second + 1,
	    "\"eve\":{\"events\":3,"));
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("eve_stats");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_capture_section);
	tcase_add_test(tc, test_no_capture_section);
	tcase_add_test(tc, test_capture_updated);
	tcase_add_test(tc, test_snapshot_leaves_pipeline_exact);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
