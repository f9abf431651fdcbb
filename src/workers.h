/*
 * workers.h - --workers N: N pipelines on N threads behind one reader.
 *
 * The reading thread hands each frame to workers_packet(), which copies
 * it into the lock-free ring (util/spsc.h) of the worker its outer
 * addresses hash to (decode_dispatch_hash()): both directions of a
 * tunnel, all its SAs, rekeys and fragments, and so its inner flows,
 * meet in one pipeline.  Each worker owns a whole pipeline (tables, nDPI
 * module) and formats its events and inner pcap records into a second
 * ring that one exporter thread empties into the real EVE and -w
 * writers, which are not thread-safe and may block: a worker never
 * waits for I/O, only for room in its ring.
 *
 * A full ring makes the reader wait (a capture file loses no packet).
 * The reader also tells every worker when the capture's clock passes a
 * second, as a lone pipeline would notice it, so that timeouts end the
 * same SAs and flows as with one worker (pipeline_set_worker()).  The
 * events are then the same as with one worker, in another order, and
 * the one stats event at the end adds every worker's counters up.
 *
 * Ownership: workers_new() starts the threads; workers_finish() ends the
 * input, joins them and writes the stats event; workers_free()
 * (NULL-safe) frees all, finishing first if needed.  eve, inner and
 * rules are borrowed and must outlive workers_free().  Every call is
 * the reading thread's.
 */
#ifndef ESPVIS_WORKERS_H
#define ESPVIS_WORKERS_H

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

/* Only the capture fields of frame are read; the bytes are copied. */
void		 workers_packet(struct workers *, const struct packet *frame);

/* End of input: every SA and flow ends, then one stats event. */
void		 workers_finish(struct workers *);

/* The workers' counters added up; final after workers_finish(). */
const struct stats *workers_stats(const struct workers *);

#endif /* ESPVIS_WORKERS_H */
