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
	/* detect/keyed: packets of SAs with a key (written when keys_on) */
	uint64_t	keys_icv_ok;	/* ICV verified */
	uint64_t	keys_icv_failed; /* ICV wrong, or too short to hold it */
	uint64_t	keys_decrypted;	/* of icv_ok, decrypted */
	uint64_t	keys_unchecked;	/* ICV beyond the captured bytes */
	uint64_t	keys_unusable;	/* key refused (suite, length, ESN):
					   the heuristics judged instead */

	/* inner/: flows end by timeout, eviction or the end of input */
	uint64_t	flow_created;
	uint64_t	flow_ended;	/* all ends, whatever the reason */
	uint64_t	flow_evicted;	/* ended because the table was full */
	uint64_t	flow_timeouts;	/* ended idle (TCP close shortens it) */
	uint64_t	flow_untracked;	/* inner packets in no flow: non-first
					   fragments, dummies, malformed */

	/* classify/: nDPI */
	uint64_t	ndpi_pkts;	/* packets nDPI inspected */
	uint64_t	ndpi_detected;	/* flows named by inspection */
	uint64_t	ndpi_guessed;	/* named by a guess at give-up */
	uint64_t	ndpi_unknown;	/* still unknown at their end */
	uint64_t	ndpi_alloc_failed; /* flows nDPI had no memory for */
	uint64_t	ndpi_mem_bytes;	/* held by nDPI now (process-wide) */
	uint64_t	ndpi_mem_peak;	/* the most it held (process-wide) */

	/* classify/rules: copied from the rule handle (rules_stats()) */
	uint64_t	rules_loaded;	/* enabled rules in the active set */
	uint64_t	rules_reloads;	/* sets replaced (SIGHUP) */
	uint64_t	rules_reload_errors; /* reloads refused: old set kept */
	uint64_t	alerts;		/* rule matches raised (alert events) */

	/* capture/nfq: inline verdicts (--nfq; the section is written only
	   when nfq_on, so that offline events stay as they were) */
	bool		nfq_on;
	bool		keys_on;	/* ESP keys given: "keys" section.
					   Next to nfq_on: the two bools
					   share one 8-byte word */
	uint64_t	nfq_accepted;	/* packets given NF_ACCEPT */
	uint64_t	nfq_dropped;	/* packets given NF_DROP */
	uint64_t	nfq_undecided;	/* of those, of an undecided SA: the
					   --nfq-undecided policy said */
	uint64_t	nfq_held;	/* verdict delayed until SA decided */
	uint64_t	nfq_hold_expired; /* of those, given the expiry
					   verdict: held too long, or exit */
	uint64_t	nfq_hold_full;	/* no room to hold: expiry verdict */
	uint64_t	nfq_overflows;	/* socket overflows (ENOBUFS): the
					   kernel dropped, or with fail-open
					   accepted, what it could not queue */
	uint64_t	nfq_verdict_msgs; /* verdict messages (a batch is one) */
	uint64_t	nfq_verdict_errors; /* verdict messages refused */

	/* export/ */
	uint64_t	inner_written;	/* records written to the -w stream */
	uint64_t	eve_events;
	uint64_t	eve_errors;	/* events lost to write errors */
	uint64_t	eve_dropped;	/* events a socket output lost (full
					   buffer, peer gone, unacknowledged) */
	uint64_t	eve_reconnects;	/* socket output connections remade */
	uint64_t	eve_redis_errors; /* error replies from Redis */
};

/*
 * Add src's counters to dst (--workers: one stats event for all the
 * pipelines).  Counters of the process (nDPI's memory) or of the shared
 * rule handle are copies in every pipeline: dst gets the largest.
 * Keep in step with the fields above (test_workers.c checks each).
 */
void	stats_add(struct stats *dst, const struct stats *src);

/*
 * Live capture (capture/live.c): what the kernel did with the frames of
 * each interface, from pcap_stats(3), widened to 64 bits.  Kept apart
 * from struct stats because the capture, not the pipeline, owns them;
 * the EVE writer is handed a copy for its stats events.
 */
#define CAPTURE_MAX_IFACES	16
#define CAPTURE_IFNAME_MAX	32	/* IFNAMSIZ is 16; libpcap also
					   takes longer names (nflog:N) */

struct capture_if_stats {
	char		name[CAPTURE_IFNAME_MAX];
	uint64_t	read;		/* frames handed to the pipeline */
	uint64_t	received;	/* ps_recv: passed the filter, the
					   dropped ones included (Linux) */
	uint64_t	kernel_drops;	/* ps_drop: no room in the ring */
	uint64_t	if_drops;	/* ps_ifdrop: dropped by the interface
					   or its driver since the start */
};

struct capture_stats {
	uint64_t		kernel_drops;	/* sums over the interfaces */
	uint64_t		if_drops;
	uint32_t		n_ifaces;
	struct capture_if_stats	iface[CAPTURE_MAX_IFACES];
};

#endif /* ESPVIS_STATS_H */
