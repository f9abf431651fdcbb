/*
 * eve.h - EVE JSON events (Suricata's conventions; DESIGN.md section 4).
 *
 * Ownership: eve_open() returns a writer the caller closes with
 * eve_close() (NULL-safe), which flushes (a socket output: for at most
 * close_timeout_ms).  No writer at all (NULL, `--eve none`) is no
 * output: the pipeline writes no events, and eve_flush(), eve_tick(),
 * eve_drain(), eve_set_capture_stats() and eve_write_stats_snapshot()
 * do nothing with it (eve_get_counters(): zeros).  Events are formatted into one buffer owned by the
 * writer: no allocation per event.  Where they go is sink.h's business.
 */
#ifndef ESPVIS_EVE_H
#define ESPVIS_EVE_H

#include <stddef.h>
#include <stdint.h>

#include "../util/alert_report.h"
#include "../util/flow_report.h"
#include "../util/json.h"
#include "../util/sa_report.h"
#include "../util/stats.h"

struct eve;

enum eve_redis_mode {
	EVE_REDIS_LIST,		/* LPUSH key event */
	EVE_REDIS_CHANNEL,	/* PUBLISH key event */
	EVE_REDIS_STREAM,	/* XADD key MAXLEN ~ n * event event */
};

/*
 * How the output behaves; the configuration file fills it, and a
 * redis:// query string overrides its Redis fields and buffer_size.
 */
struct eve_options {
	size_t			buffer_size;	/* socket outputs: bytes of
						   events held (4 MiB) */
	uint32_t		flush_interval_ms; /* longest a queued event
						   waits while events come (500) */
	uint32_t		close_timeout_ms; /* eve_drain(), eve_close():
						   delivery tried for (2000) */
	enum eve_redis_mode	redis_mode;	/* list */
	uint64_t		redis_stream_maxlen; /* 100000; 0: untrimmed */
};

void		 eve_options_defaults(struct eve_options *);

/*
 * dest: "-" (stdout), a file path (appended to, as Suricata does),
 * unix:PATH, unix-dgram:PATH, unix-stream:PATH or redis://HOST:PORT/KEY
 * (docs/eve.md, Outputs).  opts NULL: the defaults.  NULL with a message
 * in err on a bad destination or an unwritable file; a socket peer not
 * listening yet is no error (it is retried).
 */
struct eve	*eve_open(const char *dest, const struct eve_options *opts,
		    char *err, size_t errlen);
void		 eve_close(struct eve *);

/*
 * --workers: a writer that formats as eve_open()'s do but hands each
 * event (JSON, no newline; borrowed for the call) to fn, which returns
 * 0 when it took it (counted in eve_events) or -1 when it lost it.  Its
 * flush and drain do nothing; no sink counters.  Closed by eve_close().
 */
typedef int	(*eve_line_fn)(void *arg, const char *event, size_t len);
struct eve	*eve_open_fn(eve_line_fn fn, void *arg);
/* An event another writer formatted, as it is (the exporter thread). */
int		 eve_write_line(struct eve *, const char *event, size_t len);

/*
 * Every event this writer formats is also shown to an observer, as the
 * report it was formatted from, once formatted, whatever becomes of it
 * at its destination: the end-of-run summary counts events this way
 * (report/tally_live.h) instead of reading their JSON again.  Lines
 * handed in whole (eve_write_line) are not shown: their writer (a
 * worker's eve_open_fn() one) shows them.  Each callback may be NULL;
 * they run on the writing thread.  The observer is copied.
 */
struct eve_observer {
	void	(*sa)(void *arg, const struct sa_report *);
	void	(*flow)(void *arg, const struct flow_report *);
	void	(*alert)(void *arg, const struct alert_report *);
	void	(*stats)(void *arg, int64_t ts_sec, uint32_t ts_usec,
		    const struct stats *);
	void	*arg;
};
void		 eve_set_observer(struct eve *, const struct eve_observer *);

/* Each returns 0, or -1 when the event was lost (counted in stats). */
int		 eve_write_esp(struct eve *, const struct sa_report *,
		    struct stats *);
int		 eve_write_stats(struct eve *, int64_t ts_sec, uint32_t ts_usec,
		    struct stats *);
/*
 * A periodic stats event (live capture) from a copy of the pipeline's
 * counters, which it leaves as they are.
 */
int		 eve_write_stats_snapshot(struct eve *, int64_t ts_sec,
		    uint32_t ts_usec, const struct stats *);
/* The pipeline's counters as the stats event spells them (packets, sa,
 * frag, inner, flow, ndpi, rules, nfq), into an open object of j: the
 * management API's /v1/stats. */
void		 eve_stats_json(struct json *j, const struct stats *);
/* An SA's "method", as the esp event and GET /v1/sas write it. */
const char	*eve_method_name(enum sa_method);
/* Live capture counters, copied; every later stats event carries them
 * as `stats.capture` (docs/eve.md).  Never called: no such section. */
void		 eve_set_capture_stats(struct eve *,
		    const struct capture_stats *);
/* One rule match (DESIGN.md section 4, docs/eve.md `alert`). */
int		 eve_write_alert(struct eve *, const struct alert_report *,
		    struct stats *);
/* One ended inner flow (DESIGN.md section 4, docs/eve.md `flow`). */
int		 eve_write_flow(struct eve *, const struct flow_report *,
		    struct stats *);
/* Push buffered events to the destination; a socket output never
 * waits: what the peer cannot take now stays queued. */
int		 eve_flush(struct eve *);
/* Flush if the flush interval has passed: a coarse clock read, cheap
 * enough for every packet of a live capture. */
void		 eve_tick(struct eve *);
/* At the end: deliver what is queued, waiting at most close_timeout_ms,
 * then count what is left as dropped.  0 when everything got out. */
int		 eve_drain(struct eve *);

/* What became of the events, final after eve_drain(). */
struct eve_counters {
	uint64_t	events;		/* handed to the output */
	uint64_t	errors;		/* lost: too large, file write failed */
	uint64_t	dropped;	/* of events, lost by a socket output */
	uint64_t	reconnects;
	uint64_t	redis_errors;	/* error replies */
};
void		 eve_get_counters(const struct eve *, struct eve_counters *);
/* The last Redis error reply, "" when none; valid until eve_close(). */
const char	*eve_last_error(const struct eve *);

#endif /* ESPVIS_EVE_H */
