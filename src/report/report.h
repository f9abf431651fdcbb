/*
 * report.h - `espvis report EVE.json ... -o report.html`: read EVE files,
 * tally their events, write the HTML page (html.h).
 */
#ifndef ESPVIS_REPORT_REPORT_H
#define ESPVIS_REPORT_REPORT_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#define REPORT_LINE_MAX		65536	/* longer lines are malformed */
#define REPORT_TOP_DEFAULT_ROWS	10	/* rows of each top-N chart */

struct report_result {
	uint64_t	lines;
	uint64_t	malformed;	/* not JSON, or too long */
	uint64_t	unknown;	/* JSON, but not an event we know */
	uint64_t	sas, flows, alerts;
};

/*
 * inputs: EVE files ("-": standard input), read in order; out_path: the
 * page ("-": standard output); top: rows of each top-N chart (0: the
 * default).  0, or -1 with a one-line reason in err (an input that
 * cannot be read, an output that cannot be written).  Unreadable lines
 * are counted in res, never fatal.
 */
int	report_run(const char *const *inputs, size_t n_inputs,
	    const char *out_path, size_t top, const char *generated,
	    struct report_result *res, char *err, size_t errlen);

/*
 * `espvis report --summary`: no page; the rows of the summary a run
 * prints (summary_print_tally()) for the events of the inputs, on out.
 * Returns as report_run() does.
 */
int	report_summary(const char *const *inputs, size_t n_inputs, FILE *out,
	    struct report_result *res, char *err, size_t errlen);

#endif /* ESPVIS_REPORT_REPORT_H */
