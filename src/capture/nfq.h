/*
 * nfq.h - inline mode: packets from a netfilter NFQUEUE queue, and the
 * kernel's verdict for each (`espvis --nfq NUM`, docs/inline.md).
 *
 * capture/nfq.c is the one file that includes libnetfilter_queue's
 * headers; everything here is named nfqueue_ so that nothing collides
 * with that library's nfq_ names.
 *
 * The loop (espvis.c): nfqueue_next() hands out one packet at a time as
 * a raw IP frame; the caller runs it through the pipeline, which calls
 * nfqueue_on_verdict() with that packet's verdict (and with the verdicts
 * of older packets it held while their SA was undecided).  A packet the
 * pipeline says nothing about is accepted when the next one is asked
 * for, so that no packet is ever left in the kernel's queue.
 *
 * Ownership: nfqueue_open() allocates every buffer and the hold table up
 * front; nfqueue_close() (NULL-safe) gives every held packet the expiry
 * verdict, then releases the queue.  Nothing is allocated per packet.
 * Frame bytes filled in by nfqueue_next() stay valid until the next
 * nfqueue_next().
 */
#ifndef ESPVIS_CAPTURE_NFQ_H
#define ESPVIS_CAPTURE_NFQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/packet.h"
#include "../util/pkt_verdict.h"
#include "../util/stats.h"

/* What becomes of a packet of an SA that is still undecided. */
enum nfqueue_policy {
	NFQUEUE_ACCEPT = 0,
	NFQUEUE_DROP,
	NFQUEUE_HOLD,		/* delay its verdict until the SA is decided */
};

struct nfqueue_config {
	uint16_t	queue;		/* --nfq NUM */
	uint32_t	maxlen;		/* kernel queue length, packets */
	bool		fail_open;	/* kernel accepts when the queue is full */
	enum nfqueue_policy undecided;
	uint32_t	hold_per_sa;	/* packets held per undecided SA */
	uint32_t	hold_timeout_ms; /* longest a packet is held */
	enum nfqueue_policy hold_expire; /* accept or drop: held too long,
					   no room to hold, or at exit */
};

void	nfqueue_config_defaults(struct nfqueue_config *);

/* Limits of the settings (command line and configuration file). */
#define NFQUEUE_MAXLEN_MIN	2	/* one held, one coming */
#define NFQUEUE_MAXLEN_MAX	(1u << 20)	/* the hold table is sized
						   from it */
#define NFQUEUE_HOLD_TIMEOUT_MAX 60000	/* ms: TCP retransmits long before */

/* Packets held at once, over all SAs: half the kernel queue. */
uint32_t nfqueue_hold_total(const struct nfqueue_config *);

struct nfqueue;

/* NULL with a one-line reason in err (not root, queue taken, ...). */
struct nfqueue	*nfqueue_open(const struct nfqueue_config *, char *err,
		    size_t errlen);
void		 nfqueue_close(struct nfqueue *);

/*
 * Fill p->frame, caplen, wirelen, ts_sec, ts_usec and linktype (raw IP)
 * with the next queued packet, waiting at most wait_ms for one.  Returns
 * 1 for a packet; 0 when none came in time or a signal interrupted the
 * wait; -1 on a socket error (reason in err).  Batched verdicts go out
 * and held packets past their time get theirs before any wait.
 */
int		 nfqueue_next(struct nfqueue *, struct packet *p, int wait_ms,
		    char *err, size_t errlen);

/* A pkt_verdict_fn: arg is the struct nfqueue. */
void		 nfqueue_on_verdict(void *arg, const struct pkt_verdict *);

/*
 * --workers (docs/inline.md): the packet nfqueue_next() handed out last
 * is judged on another thread, later.  nfqueue_detach() returns its
 * kernel id and stops nfqueue_next() from accepting it; the verdict
 * comes back through nfqueue_on_verdict_id() with that id, on this
 * thread, the verdicts of all packets in the order they were handed
 * out (workers.c restores it), so that batching and hold work as with
 * one pipeline.  A released verdict (v->released) ignores id.
 */
uint32_t	 nfqueue_detach(struct nfqueue *);
void		 nfqueue_on_verdict_id(void *arg, uint32_t id,
		    const struct pkt_verdict *);

/*
 * Give every held packet the expiry verdict and send every batched
 * verdict: at exit, before the final stats event.
 */
void		 nfqueue_flush(struct nfqueue *);

/* A stats_fill_fn: copies the stats.nfq counters into st. */
void		 nfqueue_fill_stats(void *arg, struct stats *st);

const char	*nfqueue_policy_name(enum nfqueue_policy);

#endif /* ESPVIS_CAPTURE_NFQ_H */
