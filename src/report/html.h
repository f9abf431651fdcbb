/*
 * html.h - `espvis report`: one self-contained HTML page from a tally of
 * EVE events: no script, no external asset (a Content-Security-Policy
 * says so to the browser), charts drawn here as inline SVG.
 */
#ifndef ESPVIS_REPORT_HTML_H
#define ESPVIS_REPORT_HTML_H

#include <stddef.h>
#include <stdio.h>

#include "tally.h"

#define REPORT_TIME_BUCKETS	48	/* bars of the alerts-over-time chart */

struct report_meta {
	const char	*const *sources;	/* the EVE files read */
	size_t		 n_sources;
	size_t		 top;			/* rows of each top-N chart */
	const char	*generated;		/* "espvis 0.1.0" */
};

/* 0, or -1 when out could not be written (errno set). */
int	report_html(FILE *out, const struct tally *, const struct report_meta *);

#endif /* ESPVIS_REPORT_HTML_H */
