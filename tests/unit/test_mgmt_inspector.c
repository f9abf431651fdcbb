/*
 * test_mgmt_inspector.c - the hand-off between the management API's
 * thread and the capture thread (mgmt/mgmt_inspector.h): a request is
 * answered by the thread that serves it, with the pipeline's counters
 * and SAs; one nobody claims is withdrawn after the wait (503) and is
 * not answered later; after close every request fails at once; the
 * reload's answer and refusal come back with their message.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "unit.h"
#include "mgmt/mgmt_inspector.h"

struct asker {
	const struct mgmt_providers	*prov;
	int				 what;	/* 0 stats, 1 sas, 2 reload */
	char				 buf[8192];
	char				 msg[256];
	struct json			 j;
	int				 rc;
	_Atomic int			 done;
};

static void *
ask_main(void *arg)
{
	struct asker *a = arg;

	json_init(&a->j, a->buf, sizeof(a->buf));
	json_open_object(&a->j, NULL);
	if (a->what == 0)
		a->rc = a->prov->stats_json(a->prov->ctx, &a->j);
	else if (a->what == 1)
		a->rc = a->prov->sas_json(a->prov->ctx, &a->j);
	else
		a->rc = a->prov->reload(a->prov->ctx, a->msg, sizeof(a->msg));
	json_close_object(&a->j);
	a->buf[a->j.len < sizeof(a->buf) ? a->j.len : sizeof(a->buf) - 1] =
	    '\0';
	a->done = 1;
	return (NULL);
}

static int reloads;

static int
fake_reload(void *arg, char *msg, size_t len)
{
	(void)arg;
	if (reloads++ == 0) {
		snprintf(msg, len, "7 rules");
		return (0);
	}
	snprintf(msg, len, "refused, keeping the 7 rules in use: x:1:1: bad");
	return (-1);
}

/* The capture thread's side: serve while the asker waits. */
static void
serve_until_done(struct mgmt_inspector *mi, struct mgmt_inspector_src *src,
    struct asker *a)
{
	struct timespec ts = { 0, 1000000 };
	int i;

	for (i = 0; i < 5000 && !a->done; i++) {
		if (mgmt_inspector_pending(mi))
			mgmt_inspector_serve(mi, src);
		nanosleep(&ts, NULL);
	}
}

static void
run_ask(struct mgmt_inspector *mi, struct mgmt_inspector_src *src,
    struct asker *a, int what)
{
	pthread_t t;

	memset(a, 0, sizeof(*a));
	a->prov = mgmt_inspector_providers(mi);
	a->what = what;
	ck_assert_int_eq(pthread_create(&t, NULL, ask_main, a), 0);
	serve_until_done(mi, src, a);
	pthread_join(t, NULL);
}

static struct pipeline *
new_pipeline(void)
{
	struct pipeline_config cfg;
	struct pipeline *pl;
	char err[256];

	pipeline_config_defaults(&cfg);
	cfg.dpi.enabled = false;
	pl = pipeline_new(&cfg, NULL, NULL, err, sizeof(err));
	ck_assert_msg(pl != NULL, "%s", err);
	return (pl);
}

START_TEST(answered_by_the_serving_thread)
{
	struct mgmt_inspector *mi = mgmt_inspector_new(8, 2000);
	struct mgmt_inspector_src src;
	struct pipeline *pl = new_pipeline();
	static struct asker a;

	memset(&src, 0, sizeof(src));
	src.pl = pl;
	src.reload = fake_reload;
	run_ask(mi, &src, &a, 0);
	ck_assert_int_eq(a.rc, 0);
	ck_assert_msg(strstr(a.buf, "{\"inspector\":{\"workers\":1,"
	    "\"packets\":{\"read\":0,") == a.buf, "%s", a.buf);
	run_ask(mi, &src, &a, 1);
	ck_assert_int_eq(a.rc, 0);
	ck_assert_str_eq(a.buf, "{\"inspector\":true,\"total\":0,"
	    "\"truncated\":false,\"sas\":[]}");
	reloads = 0;
	run_ask(mi, &src, &a, 2);
	ck_assert_int_eq(a.rc, 0);
	ck_assert_str_eq(a.msg, "7 rules");
	run_ask(mi, &src, &a, 2);
	ck_assert_int_eq(a.rc, -1);
	ck_assert_msg(strstr(a.msg, "refused, keeping the 7 rules") != NULL,
	    "%s", a.msg);
	ck_assert(!mgmt_inspector_pending(mi));
	pipeline_free(pl);
	mgmt_inspector_free(mi);
}
END_TEST

START_TEST(withdrawn_after_the_wait)
{
	struct mgmt_inspector *mi = mgmt_inspector_new(8, 100);
	struct mgmt_inspector_src src;
	struct pipeline *pl = new_pipeline();
	static struct asker a;
	pthread_t t;

	memset(&src, 0, sizeof(src));
	src.pl = pl;
	memset(&a, 0, sizeof(a));
	a.prov = mgmt_inspector_providers(mi);
	ck_assert_int_eq(pthread_create(&t, NULL, ask_main, &a), 0);
	pthread_join(t, NULL);		/* nobody serves: 100 ms */
	ck_assert_int_eq(a.rc, -1);
	ck_assert_str_eq(a.buf, "{}");
	/* Withdrawn: a late serve writes nothing. */
	ck_assert(!mgmt_inspector_pending(mi));
	mgmt_inspector_serve(mi, &src);
	ck_assert_str_eq(a.buf, "{}");
	/* The next request is answered as usual. */
	src.reload = fake_reload;
	reloads = 0;
	run_ask(mi, &src, &a, 2);
	ck_assert_int_eq(a.rc, 0);
	pipeline_free(pl);
	mgmt_inspector_free(mi);
}
END_TEST

START_TEST(closed_fails_at_once)
{
	struct mgmt_inspector *mi = mgmt_inspector_new(8, 10000);
	static struct asker a;
	struct timespec t0, t1;

	mgmt_inspector_close(mi);
	memset(&a, 0, sizeof(a));
	a.prov = mgmt_inspector_providers(mi);
	a.what = 2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ask_main(&a);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_eq(a.rc, -1);
	ck_assert_str_eq(a.msg, "the inspector did not answer");
	ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 2);
	mgmt_inspector_free(mi);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("mgmt_inspector");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, answered_by_the_serving_thread);
	tcase_add_test(tc, withdrawn_after_the_wait);
	tcase_add_test(tc, closed_fails_at_once);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
