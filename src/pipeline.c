/*
 * pipeline.c - decode, detect, inner flows, nDPI, export, in that order,
 * for every packet.
 *
 * Accounting (the brief's rule): every packet read is counted exactly once
 * as decoded, or skipped with the reason the stage that stopped it gave,
 * or dropped.  decode/ and detect/ count their skips; this file counts
 * read and decoded, and checks the sum in debug builds.
 *
 * Time comes from the packets, not the clock, so that a capture file gives
 * the same events whenever it is read: SA and fragment expiry run when
 * packet time has moved on by a second since the last run.
 *
 * Inner flows see exactly the packets the -w stream gets, in the same
 * order (a held packet when detect/ releases it, before the packet that
 * released it), so that a reader of that stream (ndpiReader, tcpdump)
 * and espvis's own `flow` events describe the same packets.  nDPI gets
 * the same bytes too: the inner IP packet, or in transport mode the
 * rebuilt one (util/ipbuild.h).
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "util/ipbuild.h"

struct pipeline {
	struct decode		*decode;
	struct detect		*detect;
	struct eve		*eve;		/* borrowed, may be NULL */
	struct innerpcap	*inner;		/* borrowed, may be NULL */
	struct flow_table	*flows;
	struct dpi		*dpi;
	struct stats		 stats;
	int64_t			 last_expire_sec;
	int64_t			 last_ts_sec;	/* of the newest packet */
	uint32_t		 last_ts_usec;
	bool			 seen_packet;
	uint8_t			 ipbuf[IPBUILD_MAX]; /* transport-mode
					   packet rebuilt for nDPI */
};

void
pipeline_config_defaults(struct pipeline_config *cfg)
{
	decode_config_defaults(&cfg->decode);
	detect_config_defaults(&cfg->detect);
	flow_config_defaults(&cfg->flow);
	dpi_config_defaults(&cfg->dpi);
}

/* detect/ hands SA reports here; they become `esp` events. */
static void
on_sa_report(void *arg, const struct sa_report *r)
{
	struct pipeline *pl = arg;

	if (pl->eve != NULL)
		eve_write_esp(pl->eve, r, &pl->stats);
}

/*
 * inner/ hands ended flows here: nDPI gives its final answer for the
 * slot, which is freed for reuse, and the flow becomes a `flow` event.
 */
static void
on_flow_end(void *arg, const struct flow_report *r)
{
	struct pipeline		*pl = arg;
	struct flow_report	 out = *r;
	struct dpi_app		 app;

	dpi_flow_end(pl->dpi, r->slot, &app, &pl->stats);
	memcpy(out.app_proto, app.name, sizeof(out.app_proto));
	out.app_proto[sizeof(out.app_proto) - 1] = '\0';
	if (pl->eve != NULL)
		eve_write_flow(pl->eve, &out, &pl->stats);
}

struct pipeline *
pipeline_new(const struct pipeline_config *cfg, struct eve *eve,
    struct innerpcap *inner, char *err, size_t errlen)
{
	struct pipeline *pl;

	if ((pl = calloc(1, sizeof(*pl))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	pl->eve = eve;
	pl->inner = inner;
	pl->decode = decode_new(&cfg->decode);
	pl->detect = detect_new(&cfg->detect, on_sa_report, pl);
	pl->flows = flow_table_new(&cfg->flow, on_flow_end, pl);
	if (pl->decode == NULL || pl->detect == NULL || pl->flows == NULL) {
		snprintf(err, errlen, "cannot allocate the packet tables "
		    "(lower the table sizes in the configuration)");
		pipeline_free(pl);
		return (NULL);
	}
	if ((pl->dpi = dpi_new(&cfg->dpi, cfg->flow.max_flows, err,
	    errlen)) == NULL) {
		pipeline_free(pl);
		return (NULL);
	}
	return (pl);
}

void
pipeline_free(struct pipeline *pl)
{
	if (pl == NULL)
		return;
	decode_free(pl->decode);
	detect_free(pl->detect);
	flow_table_free(pl->flows);
	dpi_free(pl->dpi);
	free(pl);
}

/* Flow, then nDPI: the flow table names the slot nDPI keeps state in. */
static void
classify_inner(struct pipeline *pl, const struct packet *p)
{
	struct flow_ref	 ref;
	const uint8_t	*ip;
	size_t		 len;

	if (!flow_table_packet(pl->flows, p, &ref, &pl->stats))
		return;
	if (ref.created)
		dpi_flow_begin(pl->dpi, ref.slot, ref.proto, &pl->stats);
	if ((ip = ipbuild_packet(p, pl->ipbuf, sizeof(pl->ipbuf), &len)) ==
	    NULL)
		return;
	dpi_packet(pl->dpi, ref.slot, ip, len,
	    (uint64_t)p->ts_sec * 1000 + p->ts_usec / 1000, &pl->stats);
}

/* Every packet whose inner payload detect/ found, held ones included. */
static void
inspect_inner(struct pipeline *pl, const struct packet *p)
{
	if (p->inner == NULL)
		return;
	classify_inner(pl, p);
	if (pl->inner != NULL)
		innerpcap_write(pl->inner, p, &pl->stats);
}

static void
maybe_expire(struct pipeline *pl, int64_t now)
{
	if (!pl->seen_packet) {
		pl->last_expire_sec = now;
		pl->seen_packet = true;
		return;
	}
	if (now - pl->last_expire_sec < 1)
		return;
	pl->last_expire_sec = now;
	decode_expire(pl->decode, now, &pl->stats);
	detect_expire(pl->detect, now, &pl->stats);
	flow_table_expire(pl->flows, now, &pl->stats);
}

#ifndef NDEBUG
static void
check_accounting(const struct stats *st)
{
	uint64_t sum = st->decoded + st->dropped;
	int r;

	for (r = 0; r < SKIP_MAX; r++)
		sum += st->skipped[r];
	assert(sum == st->read);
}
#else
#define check_accounting(st)	((void)(st))
#endif

void
pipeline_packet(struct pipeline *pl, const struct packet *frame)
{
	struct packet p, released;

	memset(&p, 0, sizeof(p));
	p.num = frame->num;
	p.ts_sec = frame->ts_sec;
	p.ts_usec = frame->ts_usec;
	p.linktype = frame->linktype;
	p.frame = frame->frame;
	p.caplen = frame->caplen;
	p.wirelen = frame->wirelen;
	pl->stats.read++;
	pl->last_ts_sec = p.ts_sec;
	pl->last_ts_usec = p.ts_usec;
	maybe_expire(pl, p.ts_sec);

	decode_packet(pl->decode, &p, &pl->stats);
	if (p.skip == SKIP_NONE) {
		detect_packet(pl->detect, &p, &pl->stats);
		if (p.skip == SKIP_NONE)
			pl->stats.decoded++;
	}
	/* Packets held before this one's SA was decided are older: first. */
	while (detect_next_released(pl->detect, &released))
		inspect_inner(pl, &released);
	if (p.skip == SKIP_NONE)
		inspect_inner(pl, &p);
	check_accounting(&pl->stats);
}

void
pipeline_finish(struct pipeline *pl)
{
	struct packet released;

	detect_finish(pl->detect, &pl->stats);
	while (detect_next_released(pl->detect, &released))
		inspect_inner(pl, &released);
	flow_table_finish(pl->flows, &pl->stats);
	dpi_update_stats(pl->dpi, &pl->stats);
	if (pl->eve != NULL) {
		eve_write_stats(pl->eve, pl->last_ts_sec, pl->last_ts_usec,
		    &pl->stats);
		eve_flush(pl->eve);
	}
	if (pl->inner != NULL)
		innerpcap_flush(pl->inner);
}

const struct stats *
pipeline_stats(const struct pipeline *pl)
{
	return (&pl->stats);
}
