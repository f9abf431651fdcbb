/*
 * report.c - `espvis report` (report.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "report.h"
#include "summary.h"
#include "tally.h"

/*
 * Feed every line of f to the tally.  A line longer than the buffer is
 * read to its end and counted malformed: no event of ours is that long.
 */
static void
read_lines(FILE *f, struct tally *t, char *buf, size_t len)
{
	size_t n;
	bool cut = false;

	while (fgets(buf, (int)len, f) != NULL) {
		n = strlen(buf);
		if (n > 0 && buf[n - 1] == '\n') {
			if (cut) {
				t->lines++;
				t->malformed++;
			} else if (n > 1)
				tally_line(t, buf, n - 1);
			cut = false;
		} else if (feof(f)) {
			if (cut) {
				t->lines++;
				t->malformed++;
			} else
				tally_line(t, buf, n);
		} else
			cut = true;
	}
}

static int
read_input(const char *path, struct tally *t, char *buf, size_t len,
    char *err, size_t errlen)
{
	FILE *f;
	int rc = 0;

	if (strcmp(path, "-") == 0)
		f = stdin;
	else if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	read_lines(f, t, buf, len);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		rc = -1;
	}
	if (f != stdin)
		fclose(f);
	return (rc);
}

static int
write_page(const char *path, const struct tally *t,
    const struct report_meta *meta, char *err, size_t errlen)
{
	FILE *out;
	int rc;

	if (strcmp(path, "-") == 0)
		out = stdout;
	else if ((out = fopen(path, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	rc = report_html(out, t, meta);
	if (out != stdout && fclose(out) != 0)
		rc = -1;
	if (rc != 0)
		snprintf(err, errlen, "%s: write error", path);
	return (rc);
}

static void
set_result(struct report_result *res, const struct tally *t)
{
	res->lines = t->lines;
	res->malformed = t->malformed;
	res->unknown = t->unknown;
	res->sas = t->sas;
	res->flows = t->flows;
	res->alerts = t->alerts;
}

/* Every input into a new tally (*tp, NULL on failure: freed). */
static int
read_all(const char *const *inputs, size_t n_inputs, struct tally **tp,
    char *err, size_t errlen)
{
	struct tally *t;
	char *buf;
	size_t i;
	int rc = 0;

	t = tally_new();
	buf = malloc(REPORT_LINE_MAX);
	if (t == NULL || buf == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	for (i = 0; i < n_inputs && rc == 0; i++)
		rc = read_input(inputs[i], t, buf, REPORT_LINE_MAX, err,
		    errlen);
	free(buf);
	if (rc != 0) {
		tally_free(t);
		t = NULL;
	} else
		tally_finish(t);
	*tp = t;
	return (rc);
}

int
report_summary(const char *const *inputs, size_t n_inputs, FILE *out,
    struct report_result *res, char *err, size_t errlen)
{
	struct tally *t;

	memset(res, 0, sizeof(*res));
	if (read_all(inputs, n_inputs, &t, err, errlen) != 0)
		return (-1);
	summary_print_tally(out, t);
	set_result(res, t);
	tally_free(t);
	if (fflush(out) != 0 || ferror(out)) {
		snprintf(err, errlen, "write error");
		return (-1);
	}
	return (0);
}

int
report_run(const char *const *inputs, size_t n_inputs, const char *out_path,
    size_t top, const char *generated, struct report_result *res, char *err,
    size_t errlen)
{
	struct report_meta meta;
	struct tally *t;
	int rc;

	memset(res, 0, sizeof(*res));
	if (read_all(inputs, n_inputs, &t, err, errlen) != 0)
		return (-1);
	meta.sources = inputs;
	meta.n_sources = n_inputs;
	meta.top = top;
	meta.generated = generated;
	rc = write_page(out_path, t, &meta, err, errlen);
	set_result(res, t);
	tally_free(t);
	return (rc);
}
