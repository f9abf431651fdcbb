/*
 * tally.h - what a run found, counted from its EVE events.
 *
 * One tally feeds both the summary espvis prints at the end of a run and
 * `espvis report` (which reads an eve.json): the two cannot disagree,
 * and neither needs the stages.  Counting is apart from reading: each
 * event becomes a small record (struct tally_sa, tally_flow, ...) that
 * tally_count_*() adds up.  `espvis report` fills the records from the
 * parsed JSON (tally_line()); a run fills them from the reports the EVE
 * writer formats (tally_live.c, shown to it by eve_set_observer()), so
 * the run does not parse again what it has just written.
 *
 * Ownership: tally_new() and tally_new_summary() allocate, tally_free()
 * frees (NULL-safe).  Every table is bounded; names that do not fit are
 * counted under "other" (tally->*_other), never dropped.
 */
#ifndef ESPVIS_REPORT_TALLY_H
#define ESPVIS_REPORT_TALLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct evejson;

#define TALLY_NAME_MAX		96	/* app, signature, "src dst" */
#define TALLY_APPS_MAX		1024
#define TALLY_SIGS_MAX		1024
#define TALLY_TALKERS_MAX	16384
#define TALLY_ALERT_TIMES_MAX	(1u << 20)
#define TALLY_SKIP_MAX		32

enum tally_verdict { TV_NULL, TV_ENCRYPTED, TV_UNDECIDED, TV_MAX };
enum tally_method { TM_HEURISTIC, TM_WESP, TM_NONE, TM_MAX };
/* ICV lengths espvis decides between (DESIGN.md section 3), then other. */
#define TALLY_ICV_LENS		{ 0, 8, 12, 16, 24, 32 }
#define TALLY_ICV_MAX		7

struct tally_entry {
	char		name[TALLY_NAME_MAX];
	uint64_t	count;		/* flows, alerts, flows */
	uint64_t	bytes;		/* apps and talkers: inner bytes */
	uint64_t	aux;		/* alerts: the signature id */
};

struct tally_table {
	struct tally_entry	*entry;	/* open addressing, cap slots */
	size_t			 cap;
	size_t			 used;
	uint64_t		 other;	/* counts that found no slot */
	uint64_t		 other_bytes;
};

struct tally {
	uint64_t	lines;		/* every line handed in */
	uint64_t	malformed;	/* not a JSON object we could read */
	uint64_t	unknown;	/* an object, but no event we know */
	uint64_t	events[5];	/* esp, flow, alert, stats, other */
	double		first_ts, last_ts; /* over every event; 0: none */

	/* SAs, from their `end` events (one per SA). */
	uint64_t	sas;
	uint64_t	sa[TV_MAX][TM_MAX];
	uint64_t	sa_icv[TALLY_ICV_MAX];	/* null SAs by ICV length */
	uint64_t	sa_bytes[TV_MAX];

	/* Inner flows and alerts. */
	uint64_t	flows;
	uint64_t	flow_bytes;
	struct tally_table apps;	/* app_proto: flows, bytes */
	struct tally_table talkers;	/* "src -> dst": flows, bytes */
	uint64_t	alerts;
	uint64_t	alerts_blocked;
	struct tally_table sigs;	/* "id msg": alerts */
	double		*alert_ts;	/* when each alert fired */
	size_t		 n_alert_ts;
	size_t		 alert_ts_cap;

	/* The last stats event (after tally_finish(): every run's). */
	uint64_t	stats_seen;
	uint64_t	pkts_read, pkts_decoded, pkts_dropped;
	size_t		 n_skip;
	struct tally_skip {
		char		name[32];
		uint64_t	count;
	}		skip[TALLY_SKIP_MAX];
	/* Runs already finished in the same file (counters restarted). */
	uint64_t	base_read, base_decoded, base_dropped;
	size_t		 n_base_skip;
	bool		 eoi_since_stats; /* an end_of_input end was seen */
	bool		 prev_stats_final; /* ... before the last stats */
	struct tally_skip base_skip[TALLY_SKIP_MAX];

	bool		 summary_only;	/* tally_new_summary() */
	struct evejson	*rec;		/* the line being read (20 KiB) */
};

/*
 * What one event adds, read from a parsed line or a report.  Strings are
 * borrowed for the call.  Only SA `end` events are counted (one per SA).
 */
struct tally_sa {
	enum tally_verdict	 verdict;
	enum tally_method	 method;
	int			 icv_len;	/* -1: none */
	uint64_t		 bytes;
	const char		*end_reason;	/* NULL: none */
};
struct tally_flow {
	const char		*app;		/* NULL: "Unknown" */
	const char		*src, *dst;	/* inner; NULL: not known */
	uint64_t		 bytes;		/* both directions */
	const char		*end_reason;	/* NULL: none */
};
struct tally_alert {
	uint64_t		 signature_id;
	const char		*signature;	/* NULL: "" */
	bool			 blocked;
	double			 ts;		/* 0: unknown */
};
struct tally_stats {
	uint64_t		 read, decoded, dropped;
	size_t			 n_skip;
	struct tally_skip_count {
		const char	*name;
		uint64_t	 count;
	}			 skip[TALLY_SKIP_MAX];
};

/* Everything, for `espvis report`. */
struct tally	*tally_new(void);
/*
 * What the end-of-run summary prints (summary.h), and no more: no
 * talkers, no alert times (tally_count_*() skip them), no line reader
 * (tally_line() counts every line malformed).  Allocates only here.
 */
struct tally	*tally_new_summary(void);
void		 tally_free(struct tally *);

/* One event of type 0 esp, 1 flow, 2 alert, 3 stats, 4 other, at ts
 * (seconds since the epoch; 0: unknown); then the record, if any. */
void		 tally_count_event(struct tally *, int type, double ts);
void		 tally_count_sa_end(struct tally *, const struct tally_sa *);
void		 tally_count_flow(struct tally *, const struct tally_flow *);
void		 tally_count_alert(struct tally *, const struct tally_alert *);
void		 tally_count_stats(struct tally *, const struct tally_stats *);

/*
 * Add src's events to dst (--workers: a tally per worker, added up at
 * the end).  Stats events are not added: dst keeps its own (the reader
 * writes them, not the workers).
 */
void		 tally_merge(struct tally *dst, const struct tally *src);

/* One EVE line (no newline needed); never fails, counts what it cannot
 * read.  Not thread-safe: one feeder at a time. */
void		 tally_line(struct tally *, const char *line, size_t len);

/*
 * After the last line of an eve.json that several runs appended to: the
 * packet counters become the sums over the runs (a run's counters are
 * cumulative; one that restarts lower is a new run).
 */
void		 tally_finish(struct tally *);

/* The used entries of a table, largest first by count (by_bytes: by
 * bytes), into out[] (at most n); returns how many. */
size_t		 tally_top(const struct tally_table *, int by_bytes,
		    const struct tally_entry **out, size_t n);

const char	*tally_verdict_name(enum tally_verdict);
const char	*tally_method_name(enum tally_method);
int		 tally_icv_len(size_t i);	/* -1 for "other" */

#endif /* ESPVIS_REPORT_TALLY_H */
