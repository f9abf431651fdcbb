/*
 * progress.h - the progress line of an offline run on a terminal.
 *
 * Reading files (-r), espvis shows on standard error, rewritten in place
 * with \r: bytes and packets read, the share of the input done, packets
 * per second and the time left.  The reader calls progress_tick() every
 * PROGRESS_EVERY packets (a mask test per packet, nothing more); the tick
 * reads a coarse clock and redraws at most every PROGRESS_REDRAW_MS.
 *
 * Ownership: the caller owns the struct; nothing is allocated.
 */
#ifndef ESPVIS_REPORT_PROGRESS_H
#define ESPVIS_REPORT_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define PROGRESS_EVERY		4096	/* packets between two clock reads */
#define PROGRESS_REDRAW_MS	250

struct progress {
	FILE		*out;		/* NULL: silent */
	uint64_t	 total_bytes;	/* of every input; 0: unknown (a FIFO) */
	uint64_t	 done_bytes;	/* of the inputs already read whole */
	int64_t		 start_ms;	/* coarse clock, for the redraws */
	double		 start;		/* precise clock, for the summary */
	int64_t		 last_ms;	/* last redraw */
	int		 width;		/* of the line drawn, to erase it */
};

/*
 * out: where to draw, or NULL for silence (the caller decides: a
 * terminal, and not -q).  total_bytes: the inputs' sizes added, 0 when
 * one of them has no size.
 */
void	progress_init(struct progress *, FILE *out, uint64_t total_bytes);
/* pkts: read so far; pos: bytes read of the current input (0: unknown). */
void	progress_tick(struct progress *, uint64_t pkts, uint64_t pos);
/* The current input is done: its size counts as read. */
void	progress_next_file(struct progress *, uint64_t file_bytes);
/* Erase the line (before the summary is printed under it). */
void	progress_clear(struct progress *);
/* Seconds since progress_init(), on the precise monotonic clock (read
 * once, for the summary). */
double	progress_elapsed(const struct progress *);

#endif /* ESPVIS_REPORT_PROGRESS_H */
