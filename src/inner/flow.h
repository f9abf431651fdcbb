/*
 * flow.h - the inner flow table: the conversations that ESP-NULL SAs
 * carry, keyed by their inner 5-tuple and the pair of peers.
 *
 * One flow holds both directions: they travel in two SAs (one per
 * direction, RFC 4301 section 4.1), so the key is the 5-tuple with its
 * two ends in a canonical order plus the unordered pair of outer
 * addresses; the SA of each direction is recorded.  The source of a
 * flow's first packet is its client ("toserver" direction).
 *
 * Ownership: flow_table_new() allocates every entry and bucket up front;
 * flow_table_free() (NULL-safe) releases them without reporting.
 * flow_table_packet() allocates nothing.  Ended flows go to the callback
 * given to flow_table_new(), synchronously.
 */
#ifndef ESPVIS_INNER_FLOW_H
#define ESPVIS_INNER_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "../util/flow_report.h"
#include "../util/packet.h"
#include "../util/stats.h"

#define FLOW_TABLE_MAX	(1u << 24)	/* hard cap on max_flows */

struct flow_config {
	uint32_t	max_flows;		/* table size (hard limit) */
	uint32_t	timeout_sec;		/* idle flows end after this */
	uint32_t	closed_timeout_sec;	/* ... and after a TCP RST, or
						   FIN both ways, after this */
};

void	flow_config_defaults(struct flow_config *);

/* Where a packet went. */
struct flow_ref {
	uint32_t	slot;		/* the flow's entry, < max_flows */
	bool		toserver;	/* from the client */
	bool		created;	/* this packet started the flow */
	uint8_t		proto;		/* inner IP protocol */
};

struct flow_table;

/* NULL when max_flows is 0 or above FLOW_TABLE_MAX, or out of memory. */
struct flow_table *flow_table_new(const struct flow_config *,
		    flow_report_fn, void *arg);
void		 flow_table_free(struct flow_table *);

/*
 * Account p's inner packet (p->inner set) to its flow, creating the flow
 * when new; a full table first ends its least recently used flow
 * (reason "evicted"; closed TCP flows go first).  Returns false, and
 * counts stats->flow_untracked, when the packet belongs to no flow (a
 * non-first fragment, a dummy packet, or malformed).
 */
bool		 flow_table_packet(struct flow_table *, const struct packet *,
		    struct flow_ref *, struct stats *);

/* End flows idle since before now_sec - their timeout ("timeout"). */
void		 flow_table_expire(struct flow_table *, int64_t now_sec,
		    struct stats *);

/* End every flow ("end_of_input"). */
void		 flow_table_finish(struct flow_table *, struct stats *);

uint32_t	 flow_table_count(const struct flow_table *);

#endif /* ESPVIS_INNER_FLOW_H */
