/*
 * tally_live.h - a run's events into its tally (tally.h) from the
 * reports the EVE writer formats them from (export/eve.h's observer),
 * not from their JSON: the summary costs a few additions an event.
 * `espvis report` reads the same events back from the JSON
 * (tally_line()); both end in tally_count_*(), so they count alike.
 */
#ifndef ESPVIS_REPORT_TALLY_LIVE_H
#define ESPVIS_REPORT_TALLY_LIVE_H

#include <stdint.h>

#include "../util/alert_report.h"
#include "../util/flow_report.h"
#include "../util/sa_report.h"
#include "../util/stats.h"
#include "tally.h"

void	tally_sa_report(struct tally *, const struct sa_report *);
void	tally_flow_report(struct tally *, const struct flow_report *);
void	tally_alert_report(struct tally *, const struct alert_report *);
void	tally_stats_report(struct tally *, int64_t ts_sec, uint32_t ts_usec,
	    const struct stats *);

#endif /* ESPVIS_REPORT_TALLY_LIVE_H */
