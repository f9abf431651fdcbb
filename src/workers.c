/*
 * workers.c - N pipelines behind one reader (workers.h).
 *
 * Frame ring records: struct frame_rec, then the captured bytes; a tick
 * record has no bytes and says "expire at ts_sec".  Output ring records:
 * struct out_rec, then an EVE line or an inner pcap record.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/spsc.h"
#include "workers.h"

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

struct worker {
	struct workers		*ws;
	struct pipeline		*pl;
	struct eve		*eve;		/* formats into out */
	struct innerpcap	*inner;		/* frames into out */
	struct spsc		*in;		/* reader -> worker */
	struct spsc		*out;		/* worker -> exporter */
	pthread_t		 thread;
	bool			 started;
};

struct workers {
	uint32_t		 n;
	struct worker		 w[WORKERS_MAX];
	struct eve		*eve;		/* the real ones, borrowed */
	struct innerpcap	*inner;
	pthread_t		 exporter;
	bool			 exporter_started;
	bool			 finished;
	/* the reader's copy of a lone pipeline's expiry clock */
	bool			 seen_packet;
	int64_t			 last_expire_sec;
	int64_t			 last_ts_sec;
	uint32_t		 last_ts_usec;
	struct stats		 stats;		/* the sum, at the end */
};

/* Wait for room: offline, nothing may be lost. */
static void *
reserve_wait(struct spsc *r, size_t len)
{
	unsigned	 spins = 0;
	void		*room;

	while ((room = spsc_reserve(r, len)) == NULL)
		spsc_backoff(&spins);
	return (room);
}

static int
out_put(struct worker *w, enum rec_kind kind, int64_t sec, uint32_t usec,
    const void *data, size_t len)
{
	struct out_rec	 h;
	uint8_t		*room;

	if (sizeof(h) + len > spsc_max_record(w->out))
		return (-1);
	h.ts_sec = sec;
	h.ts_usec = usec;
	h.kind = kind;
	room = reserve_wait(w->out, sizeof(h) + len);
	memcpy(room, &h, sizeof(h));
	memcpy(room + sizeof(h), data, len);
	spsc_commit(w->out, sizeof(h) + len);
	return (0);
}

static int
on_eve_line(void *arg, const char *line, size_t len)
{
	return (out_put(arg, REC_EVE, 0, 0, line, len));
}

static void
on_inner_rec(void *arg, int64_t sec, uint32_t usec, const uint8_t *rec,
    size_t len)
{
	out_put(arg, REC_INNER, sec, usec, rec, len);
}

static void *
worker_main(void *arg)
{
	struct worker		*w = arg;
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
			spsc_backoff(&spins);
			continue;
		}
		spins = 0;
		memcpy(&h, rec, sizeof(h));
		if (h.kind == REC_TICK)
			pipeline_expire(w->pl, h.ts_sec);
		else {
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
	spsc_close(w->out);
	return (NULL);
}

/*
 * The one thread that writes: round robin over the workers' rings, a
 * batch from each, so that one busy worker cannot starve the others'
 * events.  Each record is one whole EVE line or pcap record.
 */
#define EXPORT_BATCH	256

static void *
exporter_main(void *arg)
{
	struct workers		*ws = arg;
	struct out_rec		 h;
	const uint8_t		*rec;
	size_t			 len;
	uint32_t		 i, k, done;
	unsigned		 spins = 0;
	bool			 moved;

	for (;;) {
		moved = false;
		done = 0;
		for (i = 0; i < ws->n; i++) {
			struct spsc *out = ws->w[i].out;

			for (k = 0; k < EXPORT_BATCH &&
			    (rec = spsc_peek(out, &len)) != NULL; k++) {
				memcpy(&h, rec, sizeof(h));
				if (h.kind == REC_EVE && ws->eve != NULL)
					eve_write_line(ws->eve,
					    (const char *)rec + sizeof(h),
					    len - sizeof(h));
				else if (h.kind == REC_INNER &&
				    ws->inner != NULL)
					innerpcap_write_record(ws->inner,
					    h.ts_sec, h.ts_usec,
					    rec + sizeof(h), len - sizeof(h));
				spsc_release(out);
				moved = true;
			}
			if (spsc_done(out))
				done++;
		}
		if (done == ws->n)
			break;
		if (moved) {
			spins = 0;
			continue;
		}
		if (ws->eve != NULL)
			eve_tick(ws->eve);
		spsc_backoff(&spins);
	}
	return (NULL);
}

struct workers *
workers_new(uint32_t n, uint32_t ring_kb, const struct pipeline_config *cfg,
    struct eve *eve, struct innerpcap *inner, enum inner_linktype lt,
    const struct rules *rules, char *err, size_t errlen)
{
	struct workers	*ws;
	struct worker	*w;
	size_t		 ring = (size_t)ring_kb * 1024;
	uint32_t	 i;

	if (n < 1 || n > WORKERS_MAX) {
		snprintf(err, errlen, "workers: 1 to %u", WORKERS_MAX);
		return (NULL);
	}
	if ((ws = calloc(1, sizeof(*ws))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	ws->n = n;
	ws->eve = eve;
	ws->inner = inner;
	for (i = 0; i < n; i++) {
		w = &ws->w[i];
		w->ws = ws;
		w->in = spsc_new(ring);
		w->out = spsc_new(ring);
		if (w->in == NULL || w->out == NULL ||
		    (eve != NULL && (w->eve = eve_open_fn(on_eve_line,
		    w)) == NULL) ||
		    (inner != NULL && (w->inner = innerpcap_open_fn(lt,
		    on_inner_rec, w)) == NULL)) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		if ((w->pl = pipeline_new(cfg, w->eve, w->inner, err,
		    errlen)) == NULL)
			goto fail;
		pipeline_set_worker(w->pl);
		pipeline_set_rules(w->pl, rules);
	}
	for (i = 0; i < n; i++) {
		if (pthread_create(&ws->w[i].thread, NULL, worker_main,
		    &ws->w[i]) != 0) {
			snprintf(err, errlen, "cannot start worker threads");
			goto fail;
		}
		ws->w[i].started = true;
	}
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

/* Send to every worker what a lone pipeline's maybe_expire() would do. */
static void
tick(struct workers *ws, int64_t now)
{
	struct frame_rec	 h;
	uint32_t		 i;

	if (!ws->seen_packet) {
		ws->last_expire_sec = now;
		ws->seen_packet = true;
		return;
	}
	if (now - ws->last_expire_sec < 1)
		return;
	ws->last_expire_sec = now;
	memset(&h, 0, sizeof(h));
	h.kind = REC_TICK;
	h.ts_sec = now;
	for (i = 0; i < ws->n; i++) {
		memcpy(reserve_wait(ws->w[i].in, sizeof(h)), &h, sizeof(h));
		spsc_commit(ws->w[i].in, sizeof(h));
	}
}

void
workers_packet(struct workers *ws, const struct packet *frame)
{
	struct frame_rec	 h;
	struct spsc		*in;
	uint8_t			*room;
	uint32_t		 caplen = frame->caplen;

	tick(ws, frame->ts_sec);
	ws->last_ts_sec = frame->ts_sec;
	ws->last_ts_usec = frame->ts_usec;
	in = ws->w[decode_dispatch_hash(frame) % ws->n].in;
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
	room = reserve_wait(in, sizeof(h) + caplen);
	memcpy(room, &h, sizeof(h));
	memcpy(room + sizeof(h), frame->frame, caplen);
	spsc_commit(in, sizeof(h) + caplen);
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
		else if (ws->w[i].out != NULL)
			spsc_close(ws->w[i].out);
		ws->w[i].started = false;
	}
	if (ws->exporter_started)
		pthread_join(ws->exporter, NULL);
	ws->exporter_started = false;
}

void
workers_finish(struct workers *ws)
{
	uint32_t i;

	if (ws->finished)
		return;
	ws->finished = true;
	join_all(ws);
	memset(&ws->stats, 0, sizeof(ws->stats));
	for (i = 0; i < ws->n; i++)
		stats_add(&ws->stats, pipeline_stats(ws->w[i].pl));
	/*
	 * The workers counted events handed to their rings; the real
	 * writer counts what reached the output (and its losses), and
	 * eve_write_stats() adds that, as for a lone pipeline.
	 */
	ws->stats.eve_events = 0;
	if (ws->eve != NULL) {
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
	}
	free(ws);
}
