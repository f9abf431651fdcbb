/*
 * mgmt_inspector.c - the request hand-off between the management API's
 * thread and the capture thread, and the inspector's answers
 * (mgmt_inspector.h, docs/mgmt.md).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../classify/ndpi.h"
#include "../export/eve.h"
#include "mgmt_inspector.h"

enum ask {
	ASK_STATS,
	ASK_SAS,
	ASK_RELOAD,
};

enum req_state {
	REQ_IDLE,
	REQ_POSTED,	/* waiting for the capture thread */
	REQ_TAKEN,	/* the capture thread writes the answer */
	REQ_DONE,
};

struct mgmt_inspector {
	atomic_bool		 pending;	/* read per packet, relaxed */
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;		/* on REQ_DONE and close */
	enum req_state		 state;
	bool			 closed;
	enum ask		 what;
	struct json		*j;		/* the API's writer, lent */
	char			*msg;		/* reload: its answer */
	size_t			 msglen;
	int			 rc;
	uint32_t		 wait_ms;
	struct sa_report	*sas;		/* max_sas; capture thread */
	uint32_t		 max_sas;
	struct mgmt_providers	 prov;
};

/* ---- the API's thread ---- */

static void
deadline_in(struct timespec *ts, uint32_t ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Post a request and wait for its answer: 0, or -1 (503, or the
 * reload's refusal when rc says so). */
static int
ask(struct mgmt_inspector *mi, enum ask what, struct json *j, char *msg,
    size_t msglen)
{
	struct timespec deadline;
	int rc;

	deadline_in(&deadline, mi->wait_ms);
	pthread_mutex_lock(&mi->lock);
	if (mi->closed) {
		pthread_mutex_unlock(&mi->lock);
		return (-1);
	}
	mi->what = what;
	mi->j = j;
	mi->msg = msg;
	mi->msglen = msglen;
	mi->rc = -1;
	mi->state = REQ_POSTED;
	atomic_store_explicit(&mi->pending, true, memory_order_relaxed);
	while (mi->state != REQ_DONE) {
		if (mi->state == REQ_POSTED && (mi->closed ||
		    pthread_cond_timedwait(&mi->cond, &mi->lock, &deadline) ==
		    ETIMEDOUT) && mi->state == REQ_POSTED) {
			/* Not claimed in time: withdrawn, nobody writes j. */
			atomic_store_explicit(&mi->pending, false,
			    memory_order_relaxed);
			mi->state = REQ_IDLE;
			pthread_mutex_unlock(&mi->lock);
			return (-1);
		}
		if (mi->state == REQ_TAKEN)
			pthread_cond_wait(&mi->cond, &mi->lock);
	}
	rc = mi->rc;
	mi->state = REQ_IDLE;
	pthread_mutex_unlock(&mi->lock);
	return (rc);
}

static int
prov_stats(void *ctx, struct json *j)
{
	return (ask(ctx, ASK_STATS, j, NULL, 0));
}

static int
prov_sas(void *ctx, struct json *j)
{
	return (ask(ctx, ASK_SAS, j, NULL, 0));
}

static int
prov_reload(void *ctx, char *msg, size_t msglen)
{
	int rc;

	msg[0] = '\0';
	if ((rc = ask(ctx, ASK_RELOAD, NULL, msg, msglen)) != 0 &&
	    msg[0] == '\0')
		snprintf(msg, msglen, "the inspector did not answer");
	return (rc);
}

/* ---- the capture thread ---- */

static void
put_stats(struct mgmt_inspector *mi, const struct mgmt_inspector_src *src)
{
	const struct pipeline *pl;
	struct stats sum, ndpi;
	uint32_t n = 1;

	if (src->wk != NULL) {
		/* The exact counters: each worker's, with nothing in flight. */
		workers_quiesce(src->wk);
		memset(&sum, 0, sizeof(sum));
		for (n = 0; (pl = workers_pipeline(src->wk, n)) != NULL; n++)
			stats_add(&sum, pipeline_stats(pl));
	} else
		sum = *pipeline_stats(src->pl);
	/* nDPI's memory as the stats event has it (dpi_update_stats()). */
	memset(&ndpi, 0, sizeof(ndpi));
	dpi_update_stats(&ndpi);
	stats_add(&sum, &ndpi);
	if (src->fill != NULL)
		src->fill(src->fill_arg, &sum);
	json_open_object(mi->j, "inspector");
	json_u64(mi->j, "workers", n);
	eve_stats_json(mi->j, &sum);
	json_close_object(mi->j);
}

static void
put_sa(struct json *j, const struct sa_report *r)
{
	char a[IPADDR_STRLEN];

	json_open_object(j, NULL);
	json_u64(j, "spi", r->spi);
	json_str(j, "src_ip", ipaddr_str(&r->src, a, sizeof(a)));
	json_str(j, "dest_ip", ipaddr_str(&r->dst, a, sizeof(a)));
	if (r->encap == ENCAP_UDP) {
		json_u64(j, "src_port", r->sport);
		json_u64(j, "dest_port", r->dport);
	}
	json_str(j, "encap", r->encap == ENCAP_UDP ? "udp" : "none");
	json_bool(j, "wesp", r->wesp);
	json_str(j, "verdict", esp_verdict_name(r->verdict));
	if (r->verdict == VERDICT_NULL) {
		json_u64(j, "icv_len", r->icv_len);
		json_u64(j, "iv_len", r->iv_len);
	}
	json_str(j, "method", eve_method_name(r->method));
	json_u64(j, "decided_after", r->decided_after);
	json_u64(j, "pkts", r->pkts);
	json_u64(j, "bytes", r->bytes);
	json_u64(j, "seq_last", r->seq_last);
	json_u64(j, "inner_pkts", r->inner_pkts);
	json_time(j, "last_seen", r->ts_sec, r->ts_usec);
	json_close_object(j);
}

/* Most recently seen first, whichever worker has it. */
static int
by_recent(const void *a, const void *b)
{
	const struct sa_report *x = a, *y = b;

	if (x->ts_sec != y->ts_sec)
		return (x->ts_sec > y->ts_sec ? -1 : 1);
	if (x->ts_usec != y->ts_usec)
		return (x->ts_usec > y->ts_usec ? -1 : 1);
	return (0);
}

static void
put_sas(struct mgmt_inspector *mi, const struct mgmt_inspector_src *src)
{
	const struct pipeline *pl;
	uint64_t total = 0;
	uint32_t t, w;
	size_t n = 0, i;

	if (src->wk != NULL) {
		workers_quiesce(src->wk);
		/* Each worker's newest, as many as there is room for: the
		 * sort below orders them over all. */
		for (w = 0; (pl = workers_pipeline(src->wk, w)) != NULL; w++) {
			n += pipeline_sas(pl, mi->sas + n, mi->max_sas - n, &t);
			total += t;
		}
		qsort(mi->sas, n, sizeof(mi->sas[0]), by_recent);
	} else {
		n = pipeline_sas(src->pl, mi->sas, mi->max_sas, &t);
		total = t;
	}
	json_bool(mi->j, "inspector", true);
	json_u64(mi->j, "total", total);
	json_bool(mi->j, "truncated", total > n);
	json_open_array(mi->j, "sas");
	for (i = 0; i < n; i++)
		put_sa(mi->j, &mi->sas[i]);
	json_close_array(mi->j);
}

bool
mgmt_inspector_pending(const struct mgmt_inspector *mi)
{
	return (atomic_load_explicit(&mi->pending, memory_order_relaxed));
}

void
mgmt_inspector_serve(struct mgmt_inspector *mi,
    const struct mgmt_inspector_src *src)
{
	int rc = 0;

	pthread_mutex_lock(&mi->lock);
	atomic_store_explicit(&mi->pending, false, memory_order_relaxed);
	if (mi->state != REQ_POSTED) {
		pthread_mutex_unlock(&mi->lock);
		return;
	}
	mi->state = REQ_TAKEN;
	pthread_mutex_unlock(&mi->lock);
	/* The API's thread waits for REQ_DONE: j and msg are ours now. */
	switch (mi->what) {
	case ASK_STATS:
		put_stats(mi, src);
		break;
	case ASK_SAS:
		put_sas(mi, src);
		break;
	case ASK_RELOAD:
		if (src->reload == NULL) {
			snprintf(mi->msg, mi->msglen, "no rules in this "
			    "process");
			rc = -1;
		} else
			rc = src->reload(src->reload_arg, mi->msg,
			    mi->msglen);
		break;
	}
	pthread_mutex_lock(&mi->lock);
	mi->rc = rc;
	mi->state = REQ_DONE;
	pthread_cond_broadcast(&mi->cond);
	pthread_mutex_unlock(&mi->lock);
}

void
mgmt_inspector_close(struct mgmt_inspector *mi)
{
	if (mi == NULL)
		return;
	pthread_mutex_lock(&mi->lock);
	mi->closed = true;
	pthread_cond_broadcast(&mi->cond);
	pthread_mutex_unlock(&mi->lock);
}

/* ---- life ---- */

struct mgmt_inspector *
mgmt_inspector_new(uint32_t max_sas, uint32_t wait_ms)
{
	struct mgmt_inspector *mi;
	pthread_condattr_t ca;

	if ((mi = calloc(1, sizeof(*mi))) == NULL)
		return (NULL);
	mi->max_sas = max_sas > 0 ? max_sas : MGMT_INSPECTOR_SAS_DEFAULT;
	mi->wait_ms = wait_ms > 0 ? wait_ms : MGMT_INSPECTOR_WAIT_MS;
	if ((mi->sas = calloc(mi->max_sas, sizeof(*mi->sas))) == NULL) {
		free(mi);
		return (NULL);
	}
	atomic_init(&mi->pending, false);
	pthread_mutex_init(&mi->lock, NULL);
	/* The deadline is monotonic: a clock step neither hangs nor
	 * hurries a request. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&mi->cond, &ca);
	pthread_condattr_destroy(&ca);
	mi->state = REQ_IDLE;
	mi->prov.ctx = mi;
	mi->prov.stats_json = prov_stats;
	mi->prov.sas_json = prov_sas;
	mi->prov.reload = prov_reload;
	return (mi);
}

void
mgmt_inspector_free(struct mgmt_inspector *mi)
{
	if (mi == NULL)
		return;
	pthread_cond_destroy(&mi->cond);
	pthread_mutex_destroy(&mi->lock);
	free(mi->sas);
	free(mi);
}

const struct mgmt_providers *
mgmt_inspector_providers(struct mgmt_inspector *mi)
{
	return (&mi->prov);
}
