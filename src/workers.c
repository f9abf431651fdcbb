/*
 * workers.c - N pipelines behind one reader (workers.h).
 *
 * Frame ring records: struct frame_rec, then the captured bytes; a tick
 * record has no bytes and says "expire at ts_sec".  Output ring records:
 * struct out_rec, then an EVE line or an inner pcap record.  Verdict
 * ring records (inline): struct verdict_rec.
 *
 * Threads: the reader (the caller), one per worker, one exporter.  Only
 * the reader produces into a worker's input ring and consumes its
 * verdict ring; only the worker produces into its output ring, and only
 * the exporter consumes them, with the reader's control ring (periodic
 * stats events).  The one lock is each worker's published counters,
 * taken once a capture second.
 */
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/spsc.h"
#include "workers.h"

#define VERDICT_RING_BYTES	(1u << 20)	/* per worker, inline */
#define CTL_RING_BYTES		(1u << 20)	/* periodic stats events */
#define EXPORT_BATCH		256	/* records per ring per round */
#define EXPORT_IDLE_NS		500000	/* exporter nap when all are empty */
#define EXPORT_FLUSH_IDLE_MS	100	/* flush this soon once idle */
#define EXPORT_FLUSH_MAX_MS	1000	/* and at least this often */

enum rec_kind {
	REC_FRAME,
	REC_TICK,
	REC_EVE,
	REC_INNER,
};

struct frame_rec {
	uint64_t	num;
	int64_t		ts_sec;
	uint32_t	ts_usec;
	int32_t		linktype;
	uint32_t	caplen;
	uint32_t	wirelen;
	uint32_t	kind;
	uint32_t	pad;
};

struct out_rec {
	int64_t		ts_sec;
	uint32_t	ts_usec;
	uint32_t	kind;
};

struct verdict_rec {
	uint64_t	num;
	uint64_t	sa_id;
	uint32_t	action;
	uint8_t		sa_drop;
	uint8_t		released;
	uint8_t		pad[2];
};

/* A packet handed to a worker whose verdict has not come back. */
struct inflight {
	uint32_t	tag;
	uint32_t	worker;
};

enum worker_state {
	WORKER_STARTING = 0,
	WORKER_READY,
	WORKER_FAILED,
};

/*
 * Cache lines: what one thread writes for every packet sits on lines no
 * other thread reads for every packet (a worker's own struct, the
 * reader's block below, the rings' positions in spsc.c); the rest is
 * written once at the start and only read after.
 */
#define CACHE_LINE	64

struct worker {
	alignas(CACHE_LINE) struct workers *ws;
	uint32_t		 idx;
	struct pipeline		*pl;
	struct eve		*eve;		/* formats into out */
	struct innerpcap	*inner;		/* frames into out */
	struct spsc		*in;		/* reader -> worker */
	struct spsc		*out;		/* worker -> exporter */
	struct spsc		*verdicts;	/* worker -> reader, inline */
	pthread_t		 thread;
	bool			 started;
	_Atomic int		 state;		/* enum worker_state */
	char			 err[256];	/* when WORKER_FAILED */
	pthread_mutex_t		 snap_lock;
	struct stats		 snap;		/* published at each tick */
	char			 end_pad[CACHE_LINE];
};

struct workers {
	uint32_t		 n;
	struct worker		 w[WORKERS_MAX];
	/* what each worker builds its pipeline from, borrowed */
	const struct pipeline_config *cfg;
	const struct rules	*rules;
	enum inner_linktype	 lt;
	size_t			 ring_bytes;
	struct eve		*eve;		/* the real ones, borrowed */
	struct innerpcap	*inner;
	struct spsc		*ctl;		/* the reader's stats events */
	pthread_t		 exporter;
	bool			 exporter_started;
	bool			 finished;
	struct stats		 stats;		/* the sum, at the end */
	struct eve		*ctl_eve;	/* formats into ctl */
	struct capture_stats	 cs;
	bool			 cs_set;
	/* inline */
	workers_verdict_fn	 vfn;
	stats_fill_fn		 vfill;
	void			*varg;
	struct inflight		*inflight;	/* FIFO in arrival order */
	uint32_t		 if_cap;
	/* The reader's, written per packet: on lines of their own. */
	alignas(CACHE_LINE) uint32_t if_head;
	uint32_t		 if_used;
	/* the reader's copy of a lone pipeline's expiry clock */
	bool			 seen_packet;
	int64_t			 last_expire_sec;
	int64_t			 last_ts_sec;
	uint32_t		 last_ts_usec;
	char			 end_pad[CACHE_LINE];
};

/* Wait for room: offline, nothing may be lost. */
static void *
reserve_wait(struct spsc *r, size_t len)
{
	unsigned	 spins = 0;
	void		*room;

	while ((room = spsc_reserve(r, len)) == NULL)
		spsc_wait_room(r, &spins);
	return (room);
}

static int
out_put(struct spsc *out, enum rec_kind kind, int64_t sec, uint32_t usec,
    const void *data, size_t len)
{
	struct out_rec	 h;
	uint8_t		*room;

	if (sizeof(h) + len > spsc_max_record(out))
		return (-1);
	h.ts_sec = sec;
	h.ts_usec = usec;
	h.kind = kind;
	room = reserve_wait(out, sizeof(h) + len);
	memcpy(room, &h, sizeof(h));
	memcpy(room + sizeof(h), data, len);
	spsc_commit(out, sizeof(h) + len);
	return (0);
}

static int
on_eve_line(void *arg, const char *line, size_t len)
{
	struct worker *w = arg;

	return (out_put(w->out, REC_EVE, 0, 0, line, len));
}

static void
on_inner_rec(void *arg, int64_t sec, uint32_t usec, const uint8_t *rec,
    size_t len)
{
	struct worker *w = arg;

	out_put(w->out, REC_INNER, sec, usec, rec, len);
}

/* The reader's stats events. */
static int
on_ctl_line(void *arg, const char *line, size_t len)
{
	struct workers *ws = arg;

	return (out_put(ws->ctl, REC_EVE, 0, 0, line, len));
}

/*
 * Inline: a worker's verdict, back to the reader.  SA ids are per
 * pipeline: the worker's number in the high half keeps them apart for
 * the hold table, which sees every worker's.
 */
static void
on_worker_verdict(void *arg, const struct pkt_verdict *v)
{
	struct worker		*w = arg;
	struct verdict_rec	 r;

	memset(&r, 0, sizeof(r));
	r.num = v->num;
	r.sa_id = v->sa_id == 0 ? 0 : v->sa_id | (uint64_t)w->idx << 32;
	r.action = v->action;
	r.sa_drop = v->sa_drop;
	r.released = v->released;
	memcpy(reserve_wait(w->verdicts, sizeof(r)), &r, sizeof(r));
	spsc_commit(w->verdicts, sizeof(r));
}

/*
 * Built on the worker's own thread: the workers' nDPI modules (tens of
 * milliseconds each) load at the same time, and each worker first
 * touches its own rings and tables.  What nDPI shares between modules
 * and initialises on first use (libgcrypt) dpi_new() initialises once,
 * under its pthread_once(), before any module (src/classify/ndpi.c).
 */
static int
worker_setup(struct worker *w)
{
	struct workers *ws = w->ws;

	w->in = spsc_new(ws->ring_bytes);
	w->out = spsc_new(ws->ring_bytes);
	if (w->in == NULL || w->out == NULL ||
	    (ws->eve != NULL && (w->eve = eve_open_fn(on_eve_line,
	    w)) == NULL) ||
	    (ws->inner != NULL && (w->inner = innerpcap_open_fn(ws->lt,
	    on_inner_rec, w)) == NULL)) {
		snprintf(w->err, sizeof(w->err), "out of memory");
		return (-1);
	}
	if ((w->pl = pipeline_new(ws->cfg, w->eve, w->inner, w->err,
	    sizeof(w->err))) == NULL)
		return (-1);
	pipeline_set_worker(w->pl);
	pipeline_set_rules(w->pl, ws->rules);
	return (0);
}

static void
publish_stats(struct worker *w)
{
	pthread_mutex_lock(&w->snap_lock);
	w->snap = *pipeline_stats(w->pl);
	pthread_mutex_unlock(&w->snap_lock);
}

static void
worker_loop(struct worker *w)
{
	struct frame_rec	 h;
	struct packet		 f;
	const uint8_t		*rec;
	size_t			 len;
	unsigned		 spins = 0;

	memset(&f, 0, sizeof(f));
	for (;;) {
		if ((rec = spsc_peek(w->in, &len)) == NULL) {
			if (spsc_done(w->in))
				break;
			spsc_wait_data(w->in, &spins);
			continue;
		}
		spins = 0;
		memcpy(&h, rec, sizeof(h));
		if (h.kind == REC_TICK) {
			pipeline_expire(w->pl, h.ts_sec);
			publish_stats(w);
		} else {
			f.num = h.num;
			f.ts_sec = h.ts_sec;
			f.ts_usec = h.ts_usec;
			f.linktype = h.linktype;
			f.caplen = h.caplen;
			f.wirelen = h.wirelen;
			f.frame = rec + sizeof(h);
			pipeline_packet(w->pl, &f);
		}
		spsc_release(w->in);
	}
	pipeline_finish(w->pl);
	publish_stats(w);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	if (worker_setup(w) != 0) {
		atomic_store_explicit(&w->state, WORKER_FAILED,
		    memory_order_release);
		if (w->out != NULL)
			spsc_close(w->out);
		return (NULL);
	}
	atomic_store_explicit(&w->state, WORKER_READY, memory_order_release);
	worker_loop(w);
	spsc_close(w->out);
	/* Its counters are published: free it here, beside the others. */
	pipeline_free(w->pl);
	w->pl = NULL;
	return (NULL);
}

static void
nap(long ns)
{
	struct timespec ts = { 0, ns };

	nanosleep(&ts, NULL);
}

static int64_t
coarse_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Up to EXPORT_BATCH records of one ring to the real writers. */
static bool
export_ring(struct workers *ws, struct spsc *out)
{
	struct out_rec	 h;
	const uint8_t	*rec;
	size_t		 len;
	uint32_t	 k;

	for (k = 0; k < EXPORT_BATCH &&
	    (rec = spsc_peek(out, &len)) != NULL; k++) {
		memcpy(&h, rec, sizeof(h));
		if (h.kind == REC_EVE && ws->eve != NULL)
			eve_write_line(ws->eve, (const char *)rec + sizeof(h),
			    len - sizeof(h));
		else if (h.kind == REC_INNER && ws->inner != NULL)
			innerpcap_write_record(ws->inner, h.ts_sec, h.ts_usec,
			    rec + sizeof(h), len - sizeof(h));
		spsc_release(out);
	}
	return (k > 0);
}

static void
export_flush(struct workers *ws)
{
	if (ws->inner != NULL)
		innerpcap_flush(ws->inner);
	if (ws->eve != NULL)
		eve_flush(ws->eve);
}

/*
 * The one thread that writes: round robin over the workers' rings, a
 * batch from each, so that one busy worker cannot starve the others'
 * events.  Each record is one whole EVE line or pcap record.  Its work
 * is not urgent, so when every ring is empty it sleeps rather than
 * spins: on a machine with as many cores as workers it must leave them
 * the CPU.  What it wrote reaches the outputs within a second (live
 * capture's promise), sooner once the rings are idle.
 */
static void *
exporter_main(void *arg)
{
	struct workers	*ws = arg;
	uint32_t	 i, done;
	int64_t		 now, last_flush = coarse_ms();
	bool		 moved, dirty = false;

	for (;;) {
		moved = false;
		done = 0;
		for (i = 0; i < ws->n; i++) {
			if (export_ring(ws, ws->w[i].out))
				moved = true;
			else if (spsc_done(ws->w[i].out))
				done++;
		}
		if (ws->ctl != NULL && export_ring(ws, ws->ctl))
			moved = true;
		if (done == ws->n)
			break;
		dirty |= moved;
		now = coarse_ms();
		if (dirty && now - last_flush >= (moved ?
		    EXPORT_FLUSH_MAX_MS : EXPORT_FLUSH_IDLE_MS)) {
			export_flush(ws);
			last_flush = now;
			dirty = false;
		}
		if (moved)
			continue;
		if (ws->eve != NULL)
			eve_tick(ws->eve);
		nap(EXPORT_IDLE_NS);
	}
	/* The control ring's last events (the reader is done with it). */
	if (ws->ctl != NULL)
		while (export_ring(ws, ws->ctl))
			continue;
	return (NULL);
}

/* Wait for every worker's setup; -1 with the first failure's reason. */
static int
wait_ready(struct workers *ws, char *err, size_t errlen)
{
	uint32_t	i;
	int		st, rc = 0;

	for (i = 0; i < ws->n; i++) {
		while ((st = atomic_load_explicit(&ws->w[i].state,
		    memory_order_acquire)) == WORKER_STARTING)
			nap(200000);
		if (st == WORKER_FAILED && rc == 0) {
			snprintf(err, errlen, "%s", ws->w[i].err);
			rc = -1;
		}
	}
	return (rc);
}

struct workers *
workers_new(uint32_t n, uint32_t ring_kb, const struct pipeline_config *cfg,
    struct eve *eve, struct innerpcap *inner, enum inner_linktype lt,
    const struct rules *rules, char *err, size_t errlen)
{
	struct workers	*ws;
	struct worker	*w;
	uint32_t	 i;

	if (n < 1 || n > WORKERS_MAX) {
		snprintf(err, errlen, "workers: 1 to %u", WORKERS_MAX);
		return (NULL);
	}
	/* Aligned: the cache line layout above holds in memory. */
	if ((ws = aligned_alloc(CACHE_LINE, sizeof(*ws))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	memset(ws, 0, sizeof(*ws));
	ws->n = n;
	ws->cfg = cfg;
	ws->rules = rules;
	ws->lt = lt;
	ws->ring_bytes = (size_t)ring_kb * 1024;
	ws->eve = eve;
	ws->inner = inner;
	for (i = 0; i < n; i++) {
		w = &ws->w[i];
		w->ws = ws;
		w->idx = i;
		atomic_init(&w->state, WORKER_STARTING);
		pthread_mutex_init(&w->snap_lock, NULL);
	}
	if (eve != NULL && ((ws->ctl = spsc_new(CTL_RING_BYTES)) == NULL ||
	    (ws->ctl_eve = eve_open_fn(on_ctl_line, ws)) == NULL)) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		if (pthread_create(&ws->w[i].thread, NULL, worker_main,
		    &ws->w[i]) != 0) {
			snprintf(err, errlen, "cannot start worker threads");
			goto fail;
		}
		ws->w[i].started = true;
	}
	if (wait_ready(ws, err, errlen) != 0)
		goto fail;
	if (pthread_create(&ws->exporter, NULL, exporter_main, ws) != 0) {
		snprintf(err, errlen, "cannot start the exporter thread");
		goto fail;
	}
	ws->exporter_started = true;
	return (ws);
fail:
	workers_free(ws);
	return (NULL);
}

/* The workers see it with the first frame (its commit). */
void
workers_set_observer(struct workers *ws, uint32_t i,
    const struct eve_observer *obs)
{
	if (i < ws->n)
		eve_set_observer(ws->w[i].eve, obs);
	else if (i == ws->n)
		eve_set_observer(ws->ctl_eve, obs);
}

int
workers_set_inline(struct workers *ws, uint32_t max_inflight,
    workers_verdict_fn fn, stats_fill_fn fill, void *arg)
{
	uint32_t i;

	if (max_inflight == 0 || (ws->inflight = calloc(max_inflight,
	    sizeof(*ws->inflight))) == NULL)
		return (-1);
	ws->if_cap = max_inflight;
	for (i = 0; i < ws->n; i++)
		if ((ws->w[i].verdicts = spsc_new(VERDICT_RING_BYTES)) == NULL)
			return (-1);
	/* The workers see this with the first frame (its commit). */
	for (i = 0; i < ws->n; i++)
		pipeline_set_inline(ws->w[i].pl, ws->rules, on_worker_verdict,
		    NULL, &ws->w[i]);
	ws->vfn = fn;
	ws->vfill = fill;
	ws->varg = arg;
	return (0);
}

/*
 * Hand out the ready verdicts in arrival order: the oldest packet's
 * worker says first what it released before it (older held packets of
 * the same SA, which only that worker has), then that packet's own
 * verdict.  true when any came.
 */
static bool
take_verdicts(struct workers *ws)
{
	struct inflight		*e;
	struct verdict_rec	 r;
	struct pkt_verdict	 v;
	struct spsc		*ring;
	const void		*rec;
	size_t			 len;
	bool			 any = false;

	while (ws->if_used > 0) {
		e = &ws->inflight[ws->if_head];
		ring = ws->w[e->worker].verdicts;
		if ((rec = spsc_peek(ring, &len)) == NULL)
			break;
		memcpy(&r, rec, sizeof(r));
		spsc_release(ring);
		any = true;
		memset(&v, 0, sizeof(v));
		v.num = r.num;
		v.sa_id = r.sa_id;
		v.action = (enum pkt_action)r.action;
		v.sa_drop = r.sa_drop;
		v.released = r.released;
		if (v.released) {
			ws->vfn(ws->varg, 0, &v);
			continue;
		}
		ws->vfn(ws->varg, e->tag, &v);
		ws->if_head = (ws->if_head + 1) % ws->if_cap;
		ws->if_used--;
	}
	return (any);
}

/* While the reader waits for a worker: verdicts keep flowing. */
static void *
reserve_frame(struct workers *ws, struct spsc *r, size_t len)
{
	unsigned	 spins = 0;
	void		*room;

	while ((room = spsc_reserve(r, len)) == NULL) {
		if (ws->vfn == NULL)
			spsc_wait_room(r, &spins);
		else if (take_verdicts(ws))
			spins = 0;
		else
			spsc_backoff(&spins);
	}
	return (room);
}

void
workers_verdicts(struct workers *ws, bool wait_all)
{
	unsigned spins = 0;

	if (ws->vfn == NULL)
		return;
	for (;;) {
		if (take_verdicts(ws))
			spins = 0;
		if (!wait_all || ws->if_used == 0)
			return;
		spsc_backoff(&spins);
	}
}

uint32_t
workers_inflight(const struct workers *ws)
{
	return (ws->if_used);
}

static void
send_tick(struct workers *ws, int64_t now)
{
	struct frame_rec	 h;
	uint32_t		 i;

	memset(&h, 0, sizeof(h));
	h.kind = REC_TICK;
	h.ts_sec = now;
	for (i = 0; i < ws->n; i++) {
		memcpy(reserve_frame(ws, ws->w[i].in, sizeof(h)), &h,
		    sizeof(h));
		spsc_commit(ws->w[i].in, sizeof(h));
		spsc_kick(ws->w[i].in);
	}
}

/* Send to every worker what a lone pipeline's maybe_expire() would do. */
static void
tick(struct workers *ws, int64_t now)
{
	if (!ws->seen_packet) {
		ws->last_expire_sec = now;
		ws->seen_packet = true;
		return;
	}
	if (now - ws->last_expire_sec < 1)
		return;
	ws->last_expire_sec = now;
	send_tick(ws, now);
}

void
workers_expire(struct workers *ws, int64_t now)
{
	/* As live capture's once-a-second pipeline_expire(). */
	if (ws->seen_packet && now > ws->last_expire_sec)
		ws->last_expire_sec = now;
	send_tick(ws, now);
}

/* The worker of a frame: both directions of a tunnel on one. */
static uint32_t
worker_of(const struct workers *ws, const struct packet *frame)
{
	return (decode_dispatch_hash(frame) % ws->n);
}

static void
send_frame(struct workers *ws, const struct packet *frame, uint32_t k)
{
	struct frame_rec	 h;
	struct spsc		*in = ws->w[k].in;
	uint8_t			*room;
	uint32_t		 caplen = frame->caplen;

	tick(ws, frame->ts_sec);
	ws->last_ts_sec = frame->ts_sec;
	ws->last_ts_usec = frame->ts_usec;
	/* Larger than any snaplen libpcap writes: cut, decode says so. */
	if (sizeof(h) + caplen > spsc_max_record(in))
		caplen = (uint32_t)(spsc_max_record(in) - sizeof(h));
	memset(&h, 0, sizeof(h));
	h.kind = REC_FRAME;
	h.num = frame->num;
	h.ts_sec = frame->ts_sec;
	h.ts_usec = frame->ts_usec;
	h.linktype = frame->linktype;
	h.caplen = caplen;
	h.wirelen = frame->wirelen;
	room = reserve_frame(ws, in, sizeof(h) + caplen);
	memcpy(room, &h, sizeof(h));
	memcpy(room + sizeof(h), frame->frame, caplen);
	spsc_commit(in, sizeof(h) + caplen);
	/* Inline: the kernel holds the packet until it is judged. */
	if (ws->vfn != NULL)
		spsc_kick(in);
}

void
workers_packet(struct workers *ws, const struct packet *frame)
{
	send_frame(ws, frame, worker_of(ws, frame));
}

void
workers_packet_tagged(struct workers *ws, const struct packet *frame,
    uint32_t tag)
{
	struct inflight	*e;
	unsigned	 spins = 0;

	while (ws->if_used == ws->if_cap) {
		if (take_verdicts(ws))
			spins = 0;
		else
			spsc_backoff(&spins);
	}
	/* Before the frame: its verdict may come back at once. */
	e = &ws->inflight[(ws->if_head + ws->if_used) % ws->if_cap];
	e->tag = tag;
	e->worker = worker_of(ws, frame);
	ws->if_used++;
	send_frame(ws, frame, e->worker);
}

void
workers_kick(struct workers *ws)
{
	uint32_t i;

	for (i = 0; i < ws->n; i++)
		spsc_kick(ws->w[i].in);
}

void
workers_quiesce(struct workers *ws)
{
	unsigned	spins = 0;
	uint32_t	i;

	for (i = 0; i < ws->n; i++)
		while (!spsc_drained(ws->w[i].in)) {
			if (ws->vfn != NULL && take_verdicts(ws))
				spins = 0;
			else
				spsc_backoff(&spins);
		}
}

const struct pipeline *
workers_pipeline(const struct workers *ws, uint32_t i)
{
	/* spsc_drained() read each worker's tail with acquire: what the
	 * worker did before its last release is visible here. */
	return (i < ws->n && !ws->finished ? ws->w[i].pl : NULL);
}

void
workers_set_capture_stats(struct workers *ws, const struct capture_stats *cs)
{
	ws->cs = *cs;
	ws->cs_set = true;
}

/* What the workers published last (at the end: their final counters). */
static void
sum_stats(struct workers *ws, struct stats *sum)
{
	struct stats	snap;
	uint32_t	i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < ws->n; i++) {
		pthread_mutex_lock(&ws->w[i].snap_lock);
		snap = ws->w[i].snap;
		pthread_mutex_unlock(&ws->w[i].snap_lock);
		stats_add(sum, &snap);
	}
	/* nDPI's memory now, or at a worker's end if more (stats_add()
	   takes the larger): the workers free their modules as they end. */
	memset(&snap, 0, sizeof(snap));
	dpi_update_stats(&snap);
	stats_add(sum, &snap);
	if (ws->vfill != NULL)
		ws->vfill(ws->varg, sum);
}

void
workers_write_stats(struct workers *ws, int64_t ts_sec, uint32_t ts_usec)
{
	struct stats sum;

	if (ws->ctl_eve == NULL)
		return;
	sum_stats(ws, &sum);
	if (ws->cs_set)
		eve_set_capture_stats(ws->ctl_eve, &ws->cs);
	eve_write_stats_snapshot(ws->ctl_eve, ts_sec, ts_usec, &sum);
}

static void
join_all(struct workers *ws)
{
	uint32_t i;

	for (i = 0; i < ws->n; i++)
		if (ws->w[i].in != NULL)
			spsc_close(ws->w[i].in);
	for (i = 0; i < ws->n; i++) {
		if (ws->w[i].started)
			pthread_join(ws->w[i].thread, NULL);
		ws->w[i].started = false;
	}
	if (ws->exporter_started)
		pthread_join(ws->exporter, NULL);
	ws->exporter_started = false;
}

void
workers_finish(struct workers *ws)
{
	if (ws->finished)
		return;
	ws->finished = true;
	/* Inline: every packet gets its verdict before the threads end. */
	workers_verdicts(ws, true);
	join_all(ws);
	sum_stats(ws, &ws->stats);
	/*
	 * The workers counted events handed to their rings; the real
	 * writer counts what reached the output (and its losses), and
	 * eve_write_stats() adds that, as for a lone pipeline.
	 */
	ws->stats.eve_events = 0;
	if (ws->eve != NULL) {
		if (ws->cs_set)
			eve_set_capture_stats(ws->eve, &ws->cs);
		eve_write_stats(ws->eve, ws->last_ts_sec, ws->last_ts_usec,
		    &ws->stats);
		eve_flush(ws->eve);
	}
	if (ws->inner != NULL)
		innerpcap_flush(ws->inner);
}

const struct stats *
workers_stats(const struct workers *ws)
{
	return (&ws->stats);
}

void
workers_free(struct workers *ws)
{
	uint32_t i;

	if (ws == NULL)
		return;
	join_all(ws);
	for (i = 0; i < ws->n; i++) {
		pipeline_free(ws->w[i].pl);
		eve_close(ws->w[i].eve);
		innerpcap_close(ws->w[i].inner);
		spsc_free(ws->w[i].in);
		spsc_free(ws->w[i].out);
		spsc_free(ws->w[i].verdicts);
		pthread_mutex_destroy(&ws->w[i].snap_lock);
	}
	eve_close(ws->ctl_eve);
	spsc_free(ws->ctl);
	free(ws->inflight);
	free(ws);
}
