/*
 * stats.h - the counters of one inspector pipeline.
 *
 * Owned by the pipeline; each stage adds to its own section.  Plain
 * integers, no locking: one pipeline per worker thread.
 */
#ifndef ESPVIS_STATS_H
#define ESPVIS_STATS_H

#include <stdint.h>

#include "packet.h"

struct stats {
	/* accounting: read == decoded + sum(skipped) + dropped, always */
	uint64_t	read;
	uint64_t	decoded;
	uint64_t	skipped[SKIP_MAX];
	uint64_t	dropped;

	/* decode/ */
	uint64_t	esp;		/* plain ESP packets decoded */
	uint64_t	wesp;		/* WESP packets decoded */
	uint64_t	esp_udp;	/* of those, UDP-encapsulated */
	uint64_t	frag_reassembled;
	uint64_t	frag_timeouts;	/* datagrams given up after timeout */
	uint64_t	frag_evicted;	/* datagrams evicted: table full */
	uint64_t	frag_overlaps;	/* datagrams dropped: overlap or bad */

	/* detect/ */
	uint64_t	sa_created;
	uint64_t	sa_null;	/* SAs ended, by final verdict */
	uint64_t	sa_encrypted;
	uint64_t	sa_undecided;
	uint64_t	sa_evicted;	/* ended because the table was full */
	uint64_t	sa_timeouts;
	uint64_t	inner_found;	/* packets whose inner payload we found */
	uint64_t	held;		/* packets held while an SA was undecided */
	uint64_t	held_released;	/* of those, later found inspectable */
	uint64_t	held_expired;	/* of those, pushed out of the hold */

	/* export/ */
	uint64_t	inner_written;	/* records written to the -w stream */
	uint64_t	eve_events;
	uint64_t	eve_errors;	/* events lost to write errors */
};

#endif /* ESPVIS_STATS_H */
