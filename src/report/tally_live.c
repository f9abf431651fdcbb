/*
 * tally_live.c - a run's events counted from their reports (tally_live.h).
 *
 * Each function reads what eve.c writes into the JSON of the same event,
 * as tally.c's reader would read it back: the same verdict and method
 * names, byte counts, "Unknown" for a flow without app_proto.
 */
#include "tally_live.h"

static double
seconds(int64_t sec, uint32_t usec)
{
	return ((double)sec + usec / 1e6);
}

void
tally_sa_report(struct tally *t, const struct sa_report *r)
{
	struct tally_sa sa;

	tally_count_event(t, 0, seconds(r->ts_sec, r->ts_usec));
	if (r->event != SA_EVENT_END)
		return;
	switch (r->verdict) {
	case VERDICT_NULL:
		sa.verdict = TV_NULL;
		break;
	case VERDICT_ENCRYPTED:
		sa.verdict = TV_ENCRYPTED;
		break;
	default:
		sa.verdict = TV_UNDECIDED;
		break;
	}
	switch (r->method) {
	case METHOD_HEURISTIC:
		sa.method = TM_HEURISTIC;
		break;
	case METHOD_WESP:
		sa.method = TM_WESP;
		break;
	default:
		sa.method = TM_NONE;
		break;
	}
	/* eve.c writes icv_len for null SAs only. */
	sa.icv_len = r->verdict == VERDICT_NULL ? r->icv_len : -1;
	sa.bytes = r->bytes;
	sa.end_reason = r->end_reason;
	tally_count_sa_end(t, &sa);
}

void
tally_flow_report(struct tally *t, const struct flow_report *r)
{
	char src[IPADDR_STRLEN], dst[IPADDR_STRLEN];
	struct tally_flow f;

	tally_count_event(t, 1, seconds(r->last_sec, r->last_usec));
	/* "": nDPI off, and eve.c writes no app_proto. */
	f.app = r->app_proto[0] != '\0' ? r->app_proto : NULL;
	f.src = f.dst = NULL;
	if (!t->summary_only) {	/* talkers: the report's only */
		f.src = ipaddr_str(&r->tuple.src, src, sizeof(src));
		f.dst = ipaddr_str(&r->tuple.dst, dst, sizeof(dst));
	}
	f.bytes = r->bytes_toserver + r->bytes_toclient;
	f.end_reason = r->end_reason;
	tally_count_flow(t, &f);
}

void
tally_alert_report(struct tally *t, const struct alert_report *r)
{
	struct tally_alert a;

	a.ts = seconds(r->ts_sec, r->ts_usec);
	tally_count_event(t, 2, a.ts);
	a.signature_id = r->signature_id;
	a.signature = r->msg;
	a.blocked = r->action == ALERT_BLOCKED;
	tally_count_alert(t, &a);
}

void
tally_stats_report(struct tally *t, int64_t ts_sec, uint32_t ts_usec,
    const struct stats *st)
{
	struct tally_stats s;
	int r;

	tally_count_event(t, 3, seconds(ts_sec, ts_usec));
	s.read = st->read;
	s.decoded = st->decoded;
	s.dropped = st->dropped;
	s.n_skip = 0;
	for (r = SKIP_NONE + 1; r < SKIP_MAX && s.n_skip < TALLY_SKIP_MAX;
	    r++) {
		s.skip[s.n_skip].name = skip_reason_name((enum skip_reason)r);
		s.skip[s.n_skip++].count = st->skipped[r];
	}
	tally_count_stats(t, &s);
}
