/*
 * summary.c - the end-of-run table on standard error (summary.h).
 *
 * The first line is the one espvis has always printed (scripts grep it:
 * "N packets read"); the table under it is for people.
 */
#include <inttypes.h>

#include "human.h"
#include "summary.h"

static void
print_totals(FILE *out, const struct stats *st, double elapsed_s)
{
	uint64_t skipped = 0;
	int r;

	for (r = 0; r < SKIP_MAX; r++)
		skipped += st->skipped[r];
	fprintf(out, "espvis: %" PRIu64 " packets read: %" PRIu64 " decoded, "
	    "%" PRIu64 " skipped, %" PRIu64 " dropped; SAs: %" PRIu64 " null, "
	    "%" PRIu64 " encrypted, %" PRIu64 " undecided; %" PRIu64 " inner "
	    "packets found, %" PRIu64 " written\n", st->read, st->decoded,
	    skipped, st->dropped, st->sa_null, st->sa_encrypted,
	    st->sa_undecided, st->inner_found, st->inner_written);
	if (elapsed_s > 0 && st->read > 0)
		fprintf(out, "  time       %.3f s, %.0f packets/s\n", elapsed_s,
		    (double)st->read / elapsed_s);
	if (st->nfq_on)
		fprintf(out, "espvis: --nfq: %" PRIu64 " packets accepted, "
		    "%" PRIu64 " dropped; %" PRIu64 " of undecided SAs, "
		    "%" PRIu64 " held\n", st->nfq_accepted, st->nfq_dropped,
		    st->nfq_undecided, st->nfq_held);
}

/* Verdict across, method down; rows and columns that are all zero left
 * out, since an undecided SA has no method and a WESP one no heuristic. */
static void
print_sas(FILE *out, const struct tally *t)
{
	int v, m;
	uint64_t row;

	if (t->sas == 0)
		return;
	fprintf(out, "  SAs        %-10s", "by method");
	for (v = 0; v < TV_MAX; v++)
		fprintf(out, " %10s", tally_verdict_name(v));
	fputc('\n', out);
	for (m = 0; m < TM_MAX; m++) {
		for (row = 0, v = 0; v < TV_MAX; v++)
			row += t->sa[v][m];
		if (row == 0)
			continue;
		fprintf(out, "             %-10s", tally_method_name(m));
		for (v = 0; v < TV_MAX; v++)
			fprintf(out, " %10" PRIu64, t->sa[v][m]);
		fputc('\n', out);
	}
}

static void
print_apps(FILE *out, const struct tally *t)
{
	const struct tally_entry *top[SUMMARY_TOP_APPS];
	char bytes[16];
	size_t i, n;

	if (t->flows == 0)
		return;
	human_bytes(bytes, sizeof(bytes), (double)t->flow_bytes);
	fprintf(out, "  flows      %" PRIu64 " inner flows, %s\n", t->flows,
	    bytes);
	n = tally_top(&t->apps, 0, top, SUMMARY_TOP_APPS);
	for (i = 0; i < n; i++) {
		human_bytes(bytes, sizeof(bytes), (double)top[i]->bytes);
		fprintf(out, "             %-24s %6" PRIu64 " flows %10s\n",
		    top[i]->name, top[i]->count, bytes);
	}
	if (t->apps.used > n)
		fprintf(out, "             (%zu more applications)\n",
		    t->apps.used - n);
}

static void
print_alerts(FILE *out, const struct tally *t)
{
	const struct tally_entry *top[SUMMARY_TOP_ALERTS];
	size_t i, n;

	if (t->alerts == 0) {
		/* Said only when there was something to raise them on. */
		if (t->sas > 0)
			fprintf(out, "  alerts     none\n");
		return;
	}
	fprintf(out, "  alerts     %" PRIu64 " (%" PRIu64 " blocked)\n",
	    t->alerts, t->alerts_blocked);
	n = tally_top(&t->sigs, 0, top, SUMMARY_TOP_ALERTS);
	for (i = 0; i < n; i++)
		fprintf(out, "             %6" PRIu64 "  %.70s\n", top[i]->count,
		    top[i]->name);
	if (t->sigs.used > n)
		fprintf(out, "             (%zu more signatures)\n",
		    t->sigs.used - n);
}

static void
print_skipped(FILE *out, const struct stats *st)
{
	const char *sep = "";
	int r, any = 0;

	for (r = 0; r < SKIP_MAX; r++) {
		if (r == SKIP_NONE || st->skipped[r] == 0)
			continue;
		if (!any)
			fprintf(out, "  skipped    ");
		fprintf(out, "%s%s %" PRIu64, sep, skip_reason_name(r),
		    st->skipped[r]);
		sep = ", ";
		any = 1;
	}
	if (any)
		fputc('\n', out);
}

void
summary_print_tally(FILE *out, const struct tally *t)
{
	print_sas(out, t);
	print_apps(out, t);
	print_alerts(out, t);
}

void
summary_print(FILE *out, const struct stats *st, const struct tally *t,
    double elapsed_s)
{
	print_totals(out, st, elapsed_s);
	if (t != NULL)
		summary_print_tally(out, t);
	print_skipped(out, st);
}
