/*
 * summary.h - the table espvis prints on standard error at the end of a
 * run: packets, SAs by verdict and method, inner applications, alerts,
 * skipped packets by reason.
 */
#ifndef ESPVIS_REPORT_SUMMARY_H
#define ESPVIS_REPORT_SUMMARY_H

#include <stdio.h>

#include "../util/stats.h"
#include "tally.h"

#define SUMMARY_TOP_APPS	8
#define SUMMARY_TOP_ALERTS	5

/*
 * st: the pipeline's final counters; t: the tally of its events (NULL:
 * the counters only); elapsed_s: wall-clock seconds of the run, 0 when
 * it means nothing (live capture prints its own).
 */
void	summary_print(FILE *out, const struct stats *st, const struct tally *t,
	    double elapsed_s);

/*
 * The table's rows that come from the events (SAs, flows and their
 * applications, alerts): what `espvis report --summary` prints of an
 * eve.json, the same lines as the run's summary.
 */
void	summary_print_tally(FILE *out, const struct tally *t);

#endif /* ESPVIS_REPORT_SUMMARY_H */
