/*
 * pipeline.c - decode, detect, export, in that order, for every packet.
 *
 * Accounting (the brief's rule): every packet read is counted exactly once
 * as decoded, or skipped with the reason the stage that stopped it gave,
 * or dropped.  decode/ and detect/ count their skips; this file counts
 * read and decoded, and checks the sum in debug builds.
 *
 * Time comes from the packets, not the clock, so that a capture file gives
 * the same events whenever it is read: SA and fragment expiry run when
 * packet time has moved on by a second since the last run.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"

struct pipeline {
	struct decode		*decode;
	struct detect		*detect;
	struct eve		*eve;		/* borrowed, may be NULL */
	struct innerpcap	*inner;		/* borrowed, may be NULL */
	struct stats		 stats;
	int64_t			 last_expire_sec;
	int64_t			 last_ts_sec;	/* of the newest packet */
	uint32_t		 last_ts_usec;
	bool			 seen_packet;
};

void
pipeline_config_defaults(struct pipeline_config *cfg)
{
	decode_config_defaults(&cfg->decode);
	detect_config_defaults(&cfg->detect);
}

/* detect/ hands SA reports here; they become `esp` events. */
static void
on_sa_report(void *arg, const struct sa_report *r)
{
	struct pipeline *pl = arg;

	if (pl->eve != NULL)
		eve_write_esp(pl->eve, r, &pl->stats);
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
	if (pl->decode == NULL || pl->detect == NULL) {
		snprintf(err, errlen, "cannot allocate the packet tables "
		    "(lower the table sizes in the configuration)");
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
	free(pl);
}

static void
export_inner(struct pipeline *pl, const struct packet *p)
{
	if (pl->inner != NULL && p->inner != NULL)
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
		export_inner(pl, &released);
	if (p.skip == SKIP_NONE)
		export_inner(pl, &p);
	check_accounting(&pl->stats);
}

void
pipeline_finish(struct pipeline *pl)
{
	struct packet released;

	detect_finish(pl->detect, &pl->stats);
	while (detect_next_released(pl->detect, &released))
		export_inner(pl, &released);
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
