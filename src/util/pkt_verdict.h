/*
 * pkt_verdict.h - what the inspector says an inline firewall should do
 * with one packet (`espvis --nfq`, docs/inline.md): the pipeline fills
 * one per packet from the rules, capture/nfq.c turns it into the
 * kernel's verdict.  A value type shared by the two stages, so that
 * neither reaches into the other (DESIGN.md section 1).
 *
 * Ownership: by value; a verdict handed to a pkt_verdict_fn is valid
 * only during the call.
 */
#ifndef ESPVIS_PKT_VERDICT_H
#define ESPVIS_PKT_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "stats.h"

enum pkt_action {
	PKT_ACCEPT = 0,		/* nothing against it */
	PKT_DROP,		/* its SA or its inner flow matched a drop rule */
	PKT_UNDECIDED,		/* its SA is still undecided: the caller's
				   --nfq-undecided policy says */
};

struct pkt_verdict {
	uint64_t	num;		/* the frame's number (struct packet) */
	uint64_t	sa_id;		/* its SA in detect/, 0: no SA; with
					   --workers the worker's number in
					   the high half (workers.c) */
	enum pkt_action	action;
	bool		sa_drop;	/* a drop rule matched the SA itself: the
					   verdict of its packets that have no
					   inner flow of their own */
	bool		released;	/* an older packet that detect/ held
					   while its SA was undecided, handed
					   on now that it is decided */
};

/* How the pipeline hands a verdict to the inline adapter. */
typedef void	(*pkt_verdict_fn)(void *arg, const struct pkt_verdict *);

/* How the inline adapter adds its counters to a stats event. */
typedef void	(*stats_fill_fn)(void *arg, struct stats *);

#endif /* ESPVIS_PKT_VERDICT_H */
