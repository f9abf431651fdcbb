/*
 * html.c - the `espvis report` page (html.h).
 *
 * Every chart is an <svg> with a <title> (read by screen readers and
 * shown as a tooltip) and a table-like layout computed here: horizontal
 * bars for counts by name, vertical bars for alerts over time.  Text that
 * came from the events (app names, signatures, addresses) is escaped.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "human.h"
#include "html.h"
#include "report.h"

#define CHART_W		720
#define LABEL_W		260	/* left column of bar charts */
#define VALUE_W		130	/* right column: the number */
#define ROW_H		24
#define BAR_H		16

static const char *verdict_color[TV_MAX] = { "#2e8b57", "#b22222", "#999" };

static void
esc(FILE *out, const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fputc(*s, out); break;
		}
}

static void
utc(char *buf, size_t len, double ts)
{
	time_t t = (time_t)ts;
	struct tm tm;

	if (ts <= 0 || gmtime_r(&t, &tm) == NULL)
		snprintf(buf, len, "-");
	else
		strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

struct bar {
	const char	*label;
	double		 value;
	char		 note[32];	/* shown right of the bar */
	const char	*color;
};

/* Horizontal bars, one row each, scaled to the largest. */
static void
svg_hbars(FILE *out, const char *id, const char *title, const struct bar *b,
    size_t n)
{
	double max = 0, w;
	size_t i;
	int h = (int)(n > 0 ? n : 1) * ROW_H + 8;

	for (i = 0; i < n; i++)
		if (b[i].value > max)
			max = b[i].value;
	fprintf(out, "<svg id=\"%s\" class=\"chart\" role=\"img\" "
	    "xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
	    "viewBox=\"0 0 %d %d\"><title>", id, CHART_W, h, CHART_W, h);
	esc(out, title);
	fputs("</title>", out);
	if (n == 0)
		fprintf(out, "<text x=\"4\" y=\"18\" class=\"none\">none"
		    "</text>");
	for (i = 0; i < n; i++) {
		w = max > 0 ? b[i].value / max *
		    (CHART_W - LABEL_W - VALUE_W) : 0;
		fprintf(out, "<g><title>");
		esc(out, b[i].label);
		fprintf(out, ": %s</title><text x=\"%d\" y=\"%zu\" "
		    "class=\"label\">", b[i].note, LABEL_W - 8,
		    i * ROW_H + 17);
		esc(out, b[i].label);
		fprintf(out, "</text><rect class=\"bar\" x=\"%d\" y=\"%zu\" "
		    "width=\"%.1f\" height=\"%d\" fill=\"%s\"/><text x=\"%.1f\" "
		    "y=\"%zu\" class=\"value\">%s</text></g>", LABEL_W,
		    i * ROW_H + 4, w < 1 && b[i].value > 0 ? 1 : w, BAR_H,
		    b[i].color != NULL ? b[i].color : "#4682b4",
		    LABEL_W + w + 6, i * ROW_H + 17, b[i].note);
	}
	fputs("</svg>\n", out);
}

static void
section(FILE *out, const char *id, const char *title, const char *blurb)
{
	fprintf(out, "<section id=\"%s\"><h2>%s</h2>", id, title);
	if (blurb != NULL)
		fprintf(out, "<p class=\"blurb\">%s</p>", blurb);
	fputc('\n', out);
}

static void
sas_by_verdict(FILE *out, const struct tally *t)
{
	struct bar b[TV_MAX * TM_MAX];
	char labels[TV_MAX * TM_MAX][40];
	size_t n = 0;
	int v, m;

	for (v = 0; v < TV_MAX; v++)
		for (m = 0; m < TM_MAX; m++) {
			if (t->sa[v][m] == 0)
				continue;
			snprintf(labels[n], sizeof(labels[n]), "%s (%s)",
			    tally_verdict_name(v), tally_method_name(m));
			b[n].label = labels[n];
			b[n].value = (double)t->sa[v][m];
			snprintf(b[n].note, sizeof(b[n].note), "%" PRIu64
			    " SAs", t->sa[v][m]);
			b[n].color = verdict_color[v];
			n++;
		}
	svg_hbars(out, "chart-sa-verdict", "SAs by verdict and method", b, n);
}

static void
sas_by_icv(FILE *out, const struct tally *t)
{
	struct bar b[TALLY_ICV_MAX];
	char labels[TALLY_ICV_MAX][32];
	size_t i, n = 0;

	for (i = 0; i < TALLY_ICV_MAX; i++) {
		if (t->sa_icv[i] == 0)
			continue;
		if (tally_icv_len((size_t)i) < 0)
			snprintf(labels[n], sizeof(labels[n]), "other");
		else
			snprintf(labels[n], sizeof(labels[n]), "ICV %d bytes",
			    tally_icv_len(i));
		b[n].label = labels[n];
		b[n].value = (double)t->sa_icv[i];
		snprintf(b[n].note, sizeof(b[n].note), "%" PRIu64 " SAs",
		    t->sa_icv[i]);
		b[n].color = verdict_color[TV_NULL];
		n++;
	}
	svg_hbars(out, "chart-sa-icv", "ESP-NULL SAs by ICV length", b, n);
}

/* The top entries of a table as bars: by flows, or by bytes. */
static void
top_bars(FILE *out, const char *id, const char *title,
    const struct tally_table *tab, int by_bytes, size_t top,
    const char *color)
{
	const struct tally_entry *e[64];
	struct bar b[64];
	char bytes[16];
	size_t i, n;

	if (top > 64)
		top = 64;
	n = tally_top(tab, by_bytes, e, top);
	for (i = 0; i < n; i++) {
		human_bytes(bytes, sizeof(bytes), (double)e[i]->bytes);
		b[i].label = e[i]->name;
		b[i].color = color;
		if (by_bytes) {
			b[i].value = (double)e[i]->bytes;
			snprintf(b[i].note, sizeof(b[i].note), "%s", bytes);
		} else {
			b[i].value = (double)e[i]->count;
			snprintf(b[i].note, sizeof(b[i].note), "%" PRIu64
			    " flows, %s", e[i]->count, bytes);
		}
	}
	svg_hbars(out, id, title, b, n);
}

/* Alerts over the events' time span, in REPORT_TIME_BUCKETS bars. */
static void
alerts_over_time(FILE *out, const struct tally *t)
{
	uint64_t count[REPORT_TIME_BUCKETS] = { 0 }, max = 0;
	double from = t->first_ts, span = t->last_ts - t->first_ts, x, h;
	char left[40], right[40];
	const int w = CHART_W, ch = 160, base = 180;
	const double bw = (double)(w - 60) / REPORT_TIME_BUCKETS;
	size_t i, k;

	if (span <= 0)
		span = 1;
	for (i = 0; i < t->n_alert_ts; i++) {
		k = (size_t)((t->alert_ts[i] - from) / span *
		    REPORT_TIME_BUCKETS);
		if (k >= REPORT_TIME_BUCKETS)
			k = REPORT_TIME_BUCKETS - 1;
		if (++count[k] > max)
			max = count[k];
	}
	utc(left, sizeof(left), t->first_ts);
	utc(right, sizeof(right), t->last_ts);
	fprintf(out, "<svg id=\"chart-alerts-time\" class=\"chart\" role=\"img\" "
	    "xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
	    "viewBox=\"0 0 %d %d\"><title>Alerts over time, %s to %s"
	    "</title>", w, base + 24, w, base + 24, left, right);
	fprintf(out, "<line x1=\"50\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
	    "class=\"axis\"/><line x1=\"50\" y1=\"%d\" x2=\"50\" y2=\"%d\" "
	    "class=\"axis\"/><text x=\"44\" y=\"%d\" class=\"label\">%" PRIu64
	    "</text><text x=\"44\" y=\"%d\" class=\"label\">0</text>", base,
	    w - 10, base, base - ch, base, base - ch + 10, max, base);
	for (i = 0; i < REPORT_TIME_BUCKETS; i++) {
		if (count[i] == 0)
			continue;
		h = max > 0 ? (double)count[i] / (double)max * ch : 0;
		x = 50 + (double)i * bw + 1;
		fprintf(out, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" "
		    "width=\"%.1f\" height=\"%.1f\" fill=\"#d2691e\"><title>"
		    "%" PRIu64 " alerts</title></rect>", x, base - h, bw - 2, h,
		    count[i]);
	}
	if (t->alerts == 0)
		fprintf(out, "<text x=\"60\" y=\"%d\" class=\"none\">no alerts"
		    "</text>", base - ch / 2);
	fprintf(out, "<text x=\"50\" y=\"%d\">%s</text><text x=\"%d\" y=\"%d\" "
	    "class=\"label\">%s</text></svg>\n", base + 18, left, w - 10,
	    base + 18, right);
}

static void
signature_table(FILE *out, const struct tally *t, size_t top)
{
	const struct tally_entry *e[64];
	size_t i, n;

	if (top > 64)
		top = 64;
	if ((n = tally_top(&t->sigs, 0, e, top)) == 0)
		return;
	fputs("<table id=\"alert-signatures\"><tr><th>alerts</th>"
	    "<th>signature</th></tr>", out);
	for (i = 0; i < n; i++) {
		fprintf(out, "<tr><td class=\"num\">%" PRIu64 "</td><td>",
		    e[i]->count);
		esc(out, e[i]->name);
		fputs("</td></tr>", out);
	}
	fputs("</table>\n", out);
}

static void
card(FILE *out, const char *what, uint64_t n, const char *detail)
{
	fprintf(out, "<div class=\"card\"><div class=\"num\">%" PRIu64
	    "</div><div>%s</div>", n, what);
	if (detail != NULL)
		fprintf(out, "<div class=\"detail\">%s</div>", detail);
	fputs("</div>", out);
}

static void
header(FILE *out, const struct tally *t, const struct report_meta *m)
{
	char from[40], to[40], detail[96];
	size_t i;

	utc(from, sizeof(from), t->first_ts);
	utc(to, sizeof(to), t->last_ts);
	fputs("<header><h1>espvis report</h1><p>", out);
	for (i = 0; i < m->n_sources; i++) {
		fputs(i > 0 ? ", <code>" : "<code>", out);
		esc(out, m->sources[i]);
		fputs("</code>", out);
	}
	fprintf(out, ": %s to %s; %" PRIu64 " lines, %" PRIu64 " events, "
	    "%" PRIu64 " malformed and %" PRIu64 " unknown lines skipped."
	    "</p></header>\n<div class=\"cards\">", from, to, t->lines,
	    t->lines - t->malformed - t->unknown, t->malformed, t->unknown);
	snprintf(detail, sizeof(detail), "%" PRIu64 " null, %" PRIu64
	    " encrypted, %" PRIu64 " undecided",
	    t->sa[TV_NULL][0] + t->sa[TV_NULL][1] + t->sa[TV_NULL][2],
	    t->sa[TV_ENCRYPTED][0] + t->sa[TV_ENCRYPTED][1] +
	    t->sa[TV_ENCRYPTED][2], t->sa[TV_UNDECIDED][0] +
	    t->sa[TV_UNDECIDED][1] + t->sa[TV_UNDECIDED][2]);
	card(out, "security associations", t->sas, detail);
	human_bytes(from, sizeof(from), (double)t->flow_bytes);
	snprintf(detail, sizeof(detail), "%s inside ESP-NULL", from);
	card(out, "inner flows", t->flows, detail);
	snprintf(detail, sizeof(detail), "%" PRIu64 " blocked",
	    t->alerts_blocked);
	card(out, "alerts", t->alerts, detail);
	if (t->stats_seen > 0) {
		snprintf(detail, sizeof(detail), "%" PRIu64 " ESP/WESP "
		    "decoded", t->pkts_decoded);
		card(out, "packets read", t->pkts_read, detail);
	}
	fputs("</div>\n", out);
}

static void
skipped_table(FILE *out, const struct tally *t)
{
	size_t i;
	int any = 0;

	for (i = 0; i < t->n_skip; i++) {
		if (t->skip[i].count == 0)
			continue;
		if (!any)
			fputs("<table id=\"skipped\"><tr><th>packets</th>"
			    "<th>skipped because</th></tr>", out);
		any = 1;
		fprintf(out, "<tr><td class=\"num\">%" PRIu64 "</td><td>",
		    t->skip[i].count);
		esc(out, t->skip[i].name);
		fputs("</td></tr>", out);
	}
	if (any)
		fputs("</table>\n", out);
	else
		fputs("<p>none</p>\n", out);
}

static const char style[] =
"body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:780px;"
"color:#222}h1{margin-bottom:0}h2{border-bottom:1px solid #ccc;"
"margin-top:2em}h3{font-size:14px;margin:1em 0 0;color:#444}code{font-size:90%}.blurb{color:#555}"
".cards{display:flex;flex-wrap:wrap;gap:12px;margin:1em 0}"
".card{border:1px solid #ddd;border-radius:6px;padding:8px 14px;"
"min-width:140px}.card .num{font-size:24px;font-weight:600}"
".detail{color:#666;font-size:12px}"
"svg.chart{display:block;margin:8px 0}svg text{font:12px sans-serif;"
"fill:#222}svg text.label{text-anchor:end}svg text.none{fill:#888}"
"svg .axis{stroke:#888}table{border-collapse:collapse;margin:8px 0}"
"td,th{border-bottom:1px solid #eee;padding:3px 10px;text-align:left}"
"td.num{text-align:right;font-variant-numeric:tabular-nums}"
"footer{margin-top:3em;color:#888;font-size:12px}";

int
report_html(FILE *out, const struct tally *t, const struct report_meta *m)
{
	size_t top = m->top > 0 ? m->top : REPORT_TOP_DEFAULT_ROWS;

	fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\">"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\""
	    "default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
	    "<meta name=\"viewport\" content=\"width=device-width\">"
	    "<title>espvis report</title><style>%s</style></head><body>\n",
	    style);
	header(out, t, m);
	section(out, "sas", "Security associations", "Each SA once, at its "
	    "end: the verdict, and how it was reached (WESP header or RFC "
	    "5879 heuristics).");
	fputs("<h3>By verdict and method</h3>", out);
	sas_by_verdict(out, t);
	fputs("<h3>ESP-NULL SAs by ICV length</h3>", out);
	sas_by_icv(out, t);
	fputs("</section>\n", out);
	section(out, "apps", "Inner applications", "Inner flows inside "
	    "ESP-NULL by the application nDPI named, most flows first.");
	top_bars(out, "chart-apps", "Inner applications by flows", &t->apps,
	    0, top, "#4682b4");
	fputs("</section>\n", out);
	section(out, "alerts", "Alerts", "Rule matches over the events' "
	    "time span, and the signatures that fired most.");
	alerts_over_time(out, t);
	signature_table(out, t, top);
	fputs("</section>\n", out);
	section(out, "talkers", "Top talkers inside ESP-NULL", "Inner "
	    "source and destination of each flow (client first), by the "
	    "bytes of their flows both ways.");
	top_bars(out, "chart-talkers", "Top talkers by bytes", &t->talkers, 1,
	    top, "#6a5acd");
	fputs("</section>\n", out);
	section(out, "skips", "Packets skipped", "From the stats events "
	    "(each run's last): frames not analysed, by reason.");
	skipped_table(out, t);
	fputs("</section>\n", out);
	fputs("<footer>", out);
	esc(out, m->generated);
	fputs(" &mdash; docs/eve.md describes the events.</footer>\n"
	    "</body></html>\n", out);
	fflush(out);
	return (ferror(out) ? -1 : 0);
}
