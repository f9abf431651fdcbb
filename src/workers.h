/*
 * workers.h - --workers N: N pipelines on N threads behind one reader.
 *
 * The reading thread (files, live interfaces or an NFQUEUE) hands each
 * frame to workers_packet(), which copies it into the lock-free ring
 * (util/spsc.h) of the worker its outer addresses hash to
 * (decode_dispatch_hash()): both directions of a tunnel, all its SAs,
 * rekeys and fragments, and so its inner flows, meet in one pipeline.
 * Each worker builds its own pipeline (tables, nDPI module) on its own
 * thread, all at once, and formats its events and inner pcap records
 * into a second ring that one exporter thread empties into the real EVE
 * and -w writers, which are not thread-safe and may block: a worker
 * never waits for I/O, only for room in its ring.
 *
 * A full ring makes the reader wait (a capture file loses no packet; a
 * live interface's kernel ring then fills and counts its drops, as with
 * one slow pipeline).  The reader also tells every worker when the
 * capture's clock passes a second, as a lone pipeline would notice it,
 * so that timeouts end the same SAs and flows as with one worker
 * (pipeline_set_worker()).  The events are then the same as with one
 * worker, in another order, and the one stats event at the end adds
 * every worker's counters up.
 *
 * Inline (workers_set_inline()): each worker hands its packets'
 * verdicts back through a third ring; the reader collects them and
 * calls its verdict function with each in the order the packets came
 * in, on its own thread, so that the NFQUEUE socket has one user and
 * sees the same calls as with one pipeline (docs/inline.md).
 *
 * Ownership: workers_new() starts the threads; workers_finish() ends the
 * input, joins them and writes the stats event; workers_free()
 * (NULL-safe) frees all, finishing first if needed.  eve, inner and
 * rules are borrowed and must outlive workers_free().  Every call is
 * the reading thread's.
 */
#ifndef ESPVIS_WORKERS_H
#define ESPVIS_WORKERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify/rules.h"
#include "export/eve.h"
#include "export/innerpcap.h"
#include "pipeline.h"
#include "util/packet.h"
#include "util/stats.h"

#define WORKERS_MAX		64
#define WORKERS_RING_KB_DEFAULT	8192	/* per worker and direction */
#define WORKERS_RING_KB_MIN	1024	/* a 256 KiB frame always fits */
#define WORKERS_RING_KB_MAX	(1024u * 1024)

struct workers;

/* eve and inner may be NULL (output off); rules may be NULL. */
struct workers	*workers_new(uint32_t n, uint32_t ring_kb,
		    const struct pipeline_config *, struct eve *eve,
		    struct innerpcap *inner, enum inner_linktype,
		    const struct rules *rules, char *err, size_t errlen);
void		 workers_free(struct workers *);

/*
 * Observe the events written by worker i (i < n: on its thread) or, i
 * == n, the reader's periodic stats events (on the reader's thread);
 * eve_set_observer().  The stats event at the end is the real writer's
 * (workers_finish(), on the caller's thread).  Before the first packet.
 */
void		 workers_set_observer(struct workers *, uint32_t i,
		    const struct eve_observer *);

/*
 * Inline: fn gets, on the reading thread, the verdict of each packet
 * given to workers_packet_tagged() with that packet's tag, and every
 * released verdict (tag 0), in the order a lone pipeline would give
 * them.  At most max_inflight packets wait for their verdict; fill (may
 * be NULL) adds the caller's counters to the stats events.  Before the
 * first packet.
 */
typedef void	(*workers_verdict_fn)(void *arg, uint32_t tag,
		    const struct pkt_verdict *);
int		 workers_set_inline(struct workers *, uint32_t max_inflight,
		    workers_verdict_fn fn, stats_fill_fn fill, void *arg);

/* Only the capture fields of frame are read; the bytes are copied. */
void		 workers_packet(struct workers *, const struct packet *frame);
/*
 * Live: the frames handed over so far are to be looked at now (a worker
 * may sleep until a batch has come, workers.c): after each poll.
 */
void		 workers_kick(struct workers *);
/* Inline: the same, and tag comes back with its verdict. */
void		 workers_packet_tagged(struct workers *,
		    const struct packet *frame, uint32_t tag);
/* Inline: hand out the verdicts that are ready; wait (0: not at all)
 * until every packet has its verdict. */
void		 workers_verdicts(struct workers *, bool wait_all);
/* Packets handed to the workers and not judged yet (inline). */
uint32_t	 workers_inflight(const struct workers *);

/*
 * Live: expire as a lone pipeline does once a second by the wall clock;
 * each worker also publishes its counters then, for
 * workers_write_stats().
 */
void		 workers_expire(struct workers *, int64_t now);
/* Live capture counters for the stats events from now on (copied). */
void		 workers_set_capture_stats(struct workers *,
		    const struct capture_stats *);
/* A periodic stats event: the counters the workers last published. */
void		 workers_write_stats(struct workers *, int64_t ts_sec,
		    uint32_t ts_usec);

/*
 * Wait until every worker has finished every frame handed to it (the
 * verdicts of an inline run are handed out meanwhile): then nothing
 * reads the rules, and they may be reloaded.
 */
void		 workers_quiesce(struct workers *);

/*
 * After workers_quiesce() and until the next frame is handed over,
 * worker i's pipeline may be read (never written) by the reading
 * thread: the management API's snapshots.  NULL when i is past the
 * last.
 */
const struct pipeline *workers_pipeline(const struct workers *, uint32_t i);

/* End of input: every SA and flow ends, then one stats event. */
void		 workers_finish(struct workers *);

/* The workers' counters added up; final after workers_finish(). */
const struct stats *workers_stats(const struct workers *);

#endif /* ESPVIS_WORKERS_H */
