/*
 * pipeline.h - the inspector's spine: the one place that knows the stage
 * order (decode, detect, inner flows, nDPI, export) and calls the stages
 * (DESIGN.md 1).
 *
 * Ownership: pipeline_new() allocates the stages' tables; pipeline_free()
 * (NULL-safe) releases them.  The exporters are borrowed: the caller
 * opens them before and closes them after the pipeline.
 */
#ifndef ESPVIS_PIPELINE_H
#define ESPVIS_PIPELINE_H

#include <stddef.h>

#include "classify/ndpi.h"
#include "classify/rules.h"
#include "decode/decode.h"
#include "detect/detect.h"
#include "export/eve.h"
#include "export/innerpcap.h"
#include "inner/flow.h"
#include "util/esp_keys.h"
#include "util/packet.h"
#include "util/pkt_verdict.h"
#include "util/stats.h"

struct pipeline_config {
	struct decode_config	decode;
	struct detect_config	detect;
	struct flow_config	flow;
	struct dpi_config	dpi;
	/* ESP keys to check ICVs and open payloads with (docs/keys.md):
	   borrowed, must outlive every pipeline; NULL: none. */
	struct esp_keys		*esp_keys;
};

void	pipeline_config_defaults(struct pipeline_config *);

struct pipeline;

/* eve and inner may be NULL (that output is off). */
struct pipeline	*pipeline_new(const struct pipeline_config *, struct eve *eve,
		    struct innerpcap *inner, char *err, size_t errlen);
void		 pipeline_free(struct pipeline *);

/*
 * Run one captured frame through every stage.  Only the capture fields of
 * frame (frame, caplen, wirelen, ts, linktype) are read.
 */
void		 pipeline_packet(struct pipeline *, const struct packet *frame);

/*
 * End every SA and every inner flow, write the final stats event and
 * flush the outputs.
 */
void		 pipeline_finish(struct pipeline *);

const struct stats *pipeline_stats(const struct pipeline *);

/* detect_snapshot(): the SAs now, most recently seen first. */
size_t		 pipeline_sas(const struct pipeline *, struct sa_report *out,
		    size_t max, uint32_t *total);

/*
 * --workers (workers.h): this pipeline is one of several that share a
 * capture.  Expiry no longer follows its own packets' clock but the
 * whole capture's: the caller calls pipeline_expire() whenever a lone
 * pipeline would have expired (the first packet of each new second), so
 * that timeouts end the same SAs, flows and fragments as with one
 * worker.  pipeline_finish() writes no stats event: the caller writes
 * one with every worker's counters added up (stats_add()).
 */
void		 pipeline_set_worker(struct pipeline *);
void		 pipeline_expire(struct pipeline *, int64_t now);

/*
 * The rules to ask (borrowed; NULL: none).  SA-level rules are asked
 * once per SA when it is decided (or ends undecided), flow-level rules
 * once per inner flow when nDPI's answer is final (or at its end); each
 * rule that fires becomes an `alert` event.
 */
void		 pipeline_set_rules(struct pipeline *, const struct rules *);

/*
 * Inline verdicts (--nfq, capture/nfq.h).  From this call on, every
 * pipeline_packet() hands fn, before it returns, the verdict of each
 * packet detect/ released in it (released set, oldest first), then that
 * of the frame itself (end of pipeline.c says how it is reached).  The
 * rules are borrowed; fill (may be NULL) adds the caller's counters to
 * the stats event.
 */
void		 pipeline_set_inline(struct pipeline *, const struct rules *,
		    pkt_verdict_fn fn, stats_fill_fn fill, void *arg);

#endif /* ESPVIS_PIPELINE_H */
