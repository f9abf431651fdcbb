/*
 * eve.h - EVE JSON events (Suricata's conventions; DESIGN.md section 4).
 *
 * Ownership: eve_open() returns a writer the caller closes with
 * eve_close() (NULL-safe), which flushes.  Events are formatted into one
 * buffer owned by the writer: no allocation per event.
 */
#ifndef ESPVIS_EVE_H
#define ESPVIS_EVE_H

#include <stddef.h>
#include <stdint.h>

#include "../util/sa_report.h"
#include "../util/stats.h"

struct eve;

/* dest: "-" for stdout, or a file path (appended to, as Suricata does). */
struct eve	*eve_open(const char *dest, char *err, size_t errlen);
void		 eve_close(struct eve *);

/* Each returns 0, or -1 when the event was lost (counted in stats). */
int		 eve_write_esp(struct eve *, const struct sa_report *,
		    struct stats *);
int		 eve_write_stats(struct eve *, int64_t ts_sec, uint32_t ts_usec,
		    struct stats *);
/* Push buffered events to the destination. */
int		 eve_flush(struct eve *);

#endif /* ESPVIS_EVE_H */
