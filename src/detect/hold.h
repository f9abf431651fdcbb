/*
 * hold.h - a bounded ring that keeps copies of the packets of
 * undecided SAs, so that once an SA is found to be ESP-NULL its first
 * packets can still reach the inner stream.
 *
 * Ownership: hold_new() allocates the whole ring; hold_free() (NULL-
 * safe) releases it.  Nothing else allocates.  Each SA owns a struct
 * hold_list (its held records, oldest first) by value; the ring links
 * records by offset, so the SA needs no pointer into it.
 */
#ifndef ESPVIS_DETECT_HOLD_H
#define ESPVIS_DETECT_HOLD_H

#include <stdbool.h>
#include <stdint.h>

#include "../util/packet.h"
#include "../util/stats.h"

#define HOLD_NONE	UINT32_MAX

struct hold_list {
	uint32_t	first;		/* ring offset of the oldest record */
	uint32_t	last;
};

struct hold;

void		 hold_list_init(struct hold_list *);
bool		 hold_list_empty(const struct hold_list *);

#define HOLD_MIN_BYTES	1024	/* less holds no useful packet */

/*
 * NULL when bytes < HOLD_MIN_BYTES (nothing is held; every hold_ call
 * accepts a NULL hold and does nothing) or when out of memory.
 */
struct hold	*hold_new(uint32_t bytes);
void		 hold_free(struct hold *);

/*
 * Copy p (the struct, its ESP bytes and its MAC addresses) to the end
 * of list.  Oldest records of any list are dropped to make room
 * (stats->held_expired).  p->frame is not kept: the copy's frame is
 * NULL and its caplen 0.
 */
void	hold_add(struct hold *, struct hold_list *, const struct packet *,
	    struct stats *);

/* Forget every record of list. */
void	hold_discard(struct hold *, struct hold_list *);

/*
 * The SA of list was decided null: pass each record, oldest first, to
 * fn, which may fill in the copy's detect/ fields; those for which it
 * returns true join the release queue, the others are dropped.  Returns
 * how many joined.  The queue from an earlier call is dropped first.
 */
typedef bool (*hold_fn)(void *arg, struct packet *);
uint32_t hold_release(struct hold *, struct hold_list *, hold_fn, void *arg);

/*
 * Copy the oldest queued record to *p (pointers into the ring, valid
 * until the next hold_add/hold_release) and dequeue it.
 */
bool	hold_next_released(struct hold *, struct packet *);

/* Drop whatever is left in the release queue. */
void	hold_drop_released(struct hold *);

#endif /* ESPVIS_DETECT_HOLD_H */
