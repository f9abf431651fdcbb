/*
 * eve.c - EVE JSON `esp` and `stats` events.
 *
 * One JSON object per line.  Field names follow Suricata's EVE format
 * (timestamp, event_type, src_ip, src_port, dest_ip, dest_port, proto);
 * the `esp` object is ours and documented in docs/eve.md.  Each event is
 * formatted into the writer's line buffer and handed to its sink (sink.h:
 * stdout, a file, a Unix socket or Redis), which frames, queues and
 * batches it; eve_flush() is called by the pipeline at stats time and at
 * the end.  The sink's counters (drops, reconnects) reach struct stats
 * as deltas, so the stats event and the summary agree.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/json.h"
#include "eve.h"
#include "sink.h"

#define EVE_LINE_MAX	8192	/* one event; ours are < 2 KiB */

#define EVE_BUFFER_DEFAULT	(4u * 1024 * 1024)
#define EVE_FLUSH_MS_DEFAULT	500	/* a live consumer sees events < 1 s */
#define EVE_CLOSE_MS_DEFAULT	2000
#define EVE_MAXLEN_DEFAULT	100000	/* as Suricata's stream-maxlen */

struct eve {
	struct sink		*sink;		/* NULL: lines go to line_fn */
	eve_line_fn		 line_fn;
	void			*line_arg;
	struct eve_observer	 obs;		/* sees every event too */
	uint64_t		 events;	/* handed to the sink */
	uint64_t		 too_large;	/* never formatted whole */
	struct eve_counters	 reported;	/* already added to stats */
	struct capture_stats	 capture;	/* live capture (-i): the */
	bool			 has_capture;	/* caller's latest counters */
	char			 line[EVE_LINE_MAX];
};

void
eve_options_defaults(struct eve_options *o)
{
	memset(o, 0, sizeof(*o));
	o->buffer_size = EVE_BUFFER_DEFAULT;
	o->flush_interval_ms = EVE_FLUSH_MS_DEFAULT;
	o->close_timeout_ms = EVE_CLOSE_MS_DEFAULT;
	o->redis_mode = EVE_REDIS_LIST;
	o->redis_stream_maxlen = EVE_MAXLEN_DEFAULT;
}

struct eve *
eve_open(const char *dest, const struct eve_options *opts, char *err,
    size_t errlen)
{
	struct eve_options defaults;
	struct sink_dest *d;
	struct eve *e;

	if (opts == NULL) {
		eve_options_defaults(&defaults);
		opts = &defaults;
	}
	e = calloc(1, sizeof(*e));
	d = malloc(sizeof(*d));
	if (e == NULL || d == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (sink_parse_dest(dest, opts, d, err, errlen) != 0 ||
	    (e->sink = sink_open(d, err, errlen)) == NULL)
		goto fail;
	free(d);
	return (e);
fail:
	free(d);
	free(e);
	return (NULL);
}

struct eve *
eve_open_fn(eve_line_fn fn, void *arg)
{
	struct eve *e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return (NULL);
	e->line_fn = fn;
	e->line_arg = arg;
	return (e);
}

void
eve_set_observer(struct eve *e, const struct eve_observer *obs)
{
	if (e == NULL)		/* --eve none: no events to show */
		return;
	e->obs = *obs;
}

int
eve_write_line(struct eve *e, const char *line, size_t len)
{
	enum sink_result rc;

	if ((rc = sink_write(e->sink, line, len)) != SINK_FAILED)
		e->events++;
	return (rc == SINK_OK ? 0 : -1);
}

void
eve_close(struct eve *e)
{
	if (e == NULL)
		return;
	if (e->sink != NULL)
		sink_close(e->sink);
	free(e);
}

/* A NULL writer (--eve none) is no output: these calls do nothing. */
int
eve_flush(struct eve *e)
{
	return (e != NULL && e->sink != NULL ? sink_flush(e->sink) : 0);
}

void
eve_tick(struct eve *e)
{
	if (e != NULL && e->sink != NULL)
		sink_tick(e->sink);
}

int
eve_drain(struct eve *e)
{
	return (e != NULL && e->sink != NULL ? sink_drain(e->sink) : 0);
}

void
eve_get_counters(const struct eve *e, struct eve_counters *c)
{
	static const struct sink_counters none;
	const struct sink_counters *sc;

	if (e == NULL) {
		memset(c, 0, sizeof(*c));
		return;
	}
	sc = e->sink != NULL ? sink_counters(e->sink) : &none;
	c->events = e->events;
	c->errors = e->too_large + sc->write_errors;
	c->dropped = sc->dropped;
	c->reconnects = sc->reconnects;
	c->redis_errors = sc->redis_errors;
}

const char *
eve_last_error(const struct eve *e)
{
	return (e != NULL && e->sink != NULL ? sink_last_error(e->sink) :
	    "");
}

/* Add what changed since the last call: the sink counts on its own time
 * (a flush finds the peer gone), the stats see it at the next event. */
static void
report_counters(struct eve *e, struct stats *st)
{
	struct eve_counters now;

	eve_get_counters(e, &now);
	st->eve_events += now.events - e->reported.events;
	st->eve_errors += now.errors - e->reported.errors;
	st->eve_dropped += now.dropped - e->reported.dropped;
	st->eve_reconnects += now.reconnects - e->reported.reconnects;
	st->eve_redis_errors += now.redis_errors - e->reported.redis_errors;
	e->reported = now;
}

/* The event fits the line: then it is emitted, and observed. */
static bool
formatted(const struct eve *e, const struct json *j)
{
	return (!j->overflow && j->len + 1 < sizeof(e->line));
}

static int
emit(struct eve *e, struct json *j, struct stats *st)
{
	enum sink_result rc = SINK_FAILED;

	if (!formatted(e, j)) {
		e->too_large++;
		report_counters(e, st);
		return (-1);
	}
	if (e->line_fn != NULL) {
		if ((rc = e->line_fn(e->line_arg, e->line, j->len)) == SINK_OK)
			e->events++;
	} else if ((rc = sink_write(e->sink, e->line, j->len)) != SINK_FAILED)
		e->events++;
	report_counters(e, st);
	return (rc == SINK_OK ? 0 : -1);
}

static void
put_header(struct json *j, int64_t sec, uint32_t usec, const char *type)
{
	json_open_object(j, NULL);
	json_time(j, "timestamp", sec, usec);
	json_str(j, "event_type", type);
}

const char *
eve_method_name(enum sa_method m)
{
	switch (m) {
	case METHOD_WESP:
		return ("wesp");
	case METHOD_HEURISTIC:
		return ("heuristic");
	case METHOD_KEYS:
		return ("keys");
	case METHOD_NONE:
		break;
	}
	return ("none");
}

static void
put_sa_tuple(struct json *j, const struct sa_report *r)
{
	char addr[IPADDR_STRLEN];
	const char *proto;

	json_str(j, "src_ip", ipaddr_str(&r->src, addr, sizeof(addr)));
	if (r->encap == ENCAP_UDP)
		json_u64(j, "src_port", r->sport);
	json_str(j, "dest_ip", ipaddr_str(&r->dst, addr, sizeof(addr)));
	if (r->encap == ENCAP_UDP)
		json_u64(j, "dest_port", r->dport);
	if (r->encap == ENCAP_UDP)
		proto = "UDP";
	else
		proto = r->wesp ? "WESP" : "ESP";
	json_str(j, "proto", proto);
}

static void
put_rejected(struct json *j, const struct sa_report *r)
{
	uint8_t i;

	json_open_array(j, "rejected");
	for (i = 0; i < r->n_rejected && i < SA_MAX_CANDIDATES; i++) {
		json_open_object(j, NULL);
		json_u64(j, "icv_len", r->rejected[i].icv_len);
		json_u64(j, "iv_len", r->rejected[i].iv_len);
		json_close_object(j);
	}
	json_close_array(j);
}

/*
 * An SA whose key the inspector had (docs/keys.md): "verified" when
 * every packet checked passed, "failed" when any failed, "unchecked"
 * when none could be checked (ICV beyond the captured bytes).
 */
static void
put_icv(struct json *j, const struct sa_report *r)
{
	const char	*icv = "unchecked";

	if (r->icv_failed > 0)
		icv = "failed";
	else if (r->icv_ok > 0)
		icv = "verified";
	json_str(j, "icv", icv);
	json_u64(j, "icv_ok", r->icv_ok);
	json_u64(j, "icv_failed", r->icv_failed);
	if (r->decrypts) {
		json_bool(j, "decrypted", r->icv_ok > 0);
		json_u64(j, "decrypted_pkts", r->icv_ok);
	}
}

int
eve_write_esp(struct eve *e, const struct sa_report *r, struct stats *st)
{
	struct json j;

	json_init(&j, e->line, sizeof(e->line));
	put_header(&j, r->ts_sec, r->ts_usec, "esp");
	put_sa_tuple(&j, r);
	json_open_object(&j, "esp");
	json_str(&j, "event", r->event == SA_EVENT_END ? "end" : "decided");
	if (r->event == SA_EVENT_END)
		json_str(&j, "end_reason", r->end_reason);
	json_u64(&j, "spi", r->spi);
	json_str(&j, "encap", r->encap == ENCAP_UDP ? "udp" : "none");
	json_bool(&j, "wesp", r->wesp);
	json_str(&j, "verdict", esp_verdict_name(r->verdict));
	if (r->verdict == VERDICT_NULL) {
		json_u64(&j, "icv_len", r->icv_len);
		json_u64(&j, "iv_len", r->iv_len);
	}
	if (r->next_hdr != 0) {
		/* RFC 4303 section 3.1: 4 and 41 mean an inner IP packet. */
		json_str(&j, "mode", r->next_hdr == 4 || r->next_hdr == 41 ?
		    "tunnel" : "transport");
		json_u64(&j, "next_header", r->next_hdr);
	}
	json_str(&j, "method", eve_method_name(r->method));
	json_u64(&j, "decided_after", r->decided_after);
	json_bool(&j, "from_predecessor", r->from_predecessor);
	put_rejected(&j, r);
	json_u64(&j, "pkts", r->pkts);
	json_u64(&j, "bytes", r->bytes);
	json_u64(&j, "seq_first", r->seq_first);
	json_u64(&j, "seq_last", r->seq_last);
	json_u64(&j, "seq_gaps", r->seq_gaps);
	json_u64(&j, "seq_replays", r->seq_replays);
	json_u64(&j, "inner_pkts", r->inner_pkts);
	if (r->keyed)
		put_icv(&j, r);
	json_close_object(&j);
	json_close_object(&j);
	if (e->obs.sa != NULL && formatted(e, &j))
		e->obs.sa(e->obs.arg, r);
	return (emit(e, &j, st));
}

static void
put_packets(struct json *j, const struct stats *st)
{
	int r;

	json_open_object(j, "packets");
	json_u64(j, "read", st->read);
	json_u64(j, "decoded", st->decoded);
	json_u64(j, "dropped", st->dropped);
	json_open_object(j, "skipped");
	for (r = SKIP_NONE + 1; r < SKIP_MAX; r++)
		json_u64(j, skip_reason_name((enum skip_reason)r),
		    st->skipped[r]);
	json_close_object(j);
	json_u64(j, "esp", st->esp);
	json_u64(j, "wesp", st->wesp);
	json_u64(j, "esp_udp", st->esp_udp);
	json_close_object(j);
}

/* Inner flows (inner/flow.c) and what nDPI did with them. */
static void
put_flow_stats(struct json *j, const struct stats *st)
{
	json_open_object(j, "flow");
	json_u64(j, "created", st->flow_created);
	json_u64(j, "ended", st->flow_ended);
	json_u64(j, "evicted", st->flow_evicted);
	json_u64(j, "timeouts", st->flow_timeouts);
	json_u64(j, "untracked_pkts", st->flow_untracked);
	json_close_object(j);
	json_open_object(j, "ndpi");
	json_u64(j, "pkts", st->ndpi_pkts);
	json_u64(j, "detected", st->ndpi_detected);
	json_u64(j, "guessed", st->ndpi_guessed);
	json_u64(j, "unknown", st->ndpi_unknown);
	json_u64(j, "alloc_failed", st->ndpi_alloc_failed);
	json_u64(j, "memory", st->ndpi_mem_bytes);
	json_u64(j, "memory_peak", st->ndpi_mem_peak);
	json_close_object(j);
}

static void
put_rules_stats(struct json *j, const struct stats *st)
{
	json_open_object(j, "rules");
	json_u64(j, "loaded", st->rules_loaded);
	json_u64(j, "reloads", st->rules_reloads);
	json_u64(j, "reload_errors", st->rules_reload_errors);
	json_u64(j, "alerts", st->alerts);
	json_close_object(j);
}

/* Inline mode only (--nfq, docs/inline.md): verdicts given. */
static void
put_nfq_stats(struct json *j, const struct stats *st)
{
	json_open_object(j, "nfq");
	json_u64(j, "accepted", st->nfq_accepted);
	json_u64(j, "dropped", st->nfq_dropped);
	json_u64(j, "undecided", st->nfq_undecided);
	json_u64(j, "held", st->nfq_held);
	json_u64(j, "hold_expired", st->nfq_hold_expired);
	json_u64(j, "hold_full", st->nfq_hold_full);
	json_u64(j, "overflows", st->nfq_overflows);
	json_u64(j, "verdict_msgs", st->nfq_verdict_msgs);
	json_u64(j, "verdict_errors", st->nfq_verdict_errors);
	json_close_object(j);
}

/* ESP keys given (docs/keys.md): what the keyed packets gave. */
static void
put_keys_stats(struct json *j, const struct stats *st)
{
	json_open_object(j, "keys");
	json_u64(j, "icv_ok", st->keys_icv_ok);
	json_u64(j, "icv_failed", st->keys_icv_failed);
	json_u64(j, "decrypted", st->keys_decrypted);
	json_u64(j, "unchecked", st->keys_unchecked);
	json_u64(j, "unusable", st->keys_unusable);
	json_close_object(j);
}

void
eve_set_capture_stats(struct eve *e, const struct capture_stats *cs)
{
	if (e == NULL)
		return;
	e->capture = *cs;
	e->has_capture = true;
}

/* Live capture only (-i, docs/live.md): sums, then each interface. */
static void
put_capture_stats(struct json *j, const struct capture_stats *cs)
{
	uint32_t i;

	json_open_object(j, "capture");
	json_u64(j, "kernel_drops", cs->kernel_drops);
	json_u64(j, "if_drops", cs->if_drops);
	json_open_array(j, "interfaces");
	for (i = 0; i < cs->n_ifaces && i < CAPTURE_MAX_IFACES; i++) {
		json_open_object(j, NULL);
		json_str(j, "name", cs->iface[i].name);
		json_u64(j, "read", cs->iface[i].read);
		json_u64(j, "received", cs->iface[i].received);
		json_u64(j, "kernel_drops", cs->iface[i].kernel_drops);
		json_u64(j, "if_drops", cs->iface[i].if_drops);
		json_close_object(j);
	}
	json_close_array(j);
	json_close_object(j);
}

void
eve_stats_json(struct json *j, const struct stats *st)
{
	put_packets(j, st);
	json_open_object(j, "sa");
	json_u64(j, "created", st->sa_created);
	json_u64(j, "null", st->sa_null);
	json_u64(j, "encrypted", st->sa_encrypted);
	json_u64(j, "undecided", st->sa_undecided);
	json_u64(j, "evicted", st->sa_evicted);
	json_u64(j, "timeouts", st->sa_timeouts);
	json_close_object(j);
	json_open_object(j, "frag");
	json_u64(j, "reassembled", st->frag_reassembled);
	json_u64(j, "timeouts", st->frag_timeouts);
	json_u64(j, "evicted", st->frag_evicted);
	json_u64(j, "invalid", st->frag_overlaps);
	json_close_object(j);
	json_open_object(j, "inner");
	json_u64(j, "found", st->inner_found);
	json_u64(j, "written", st->inner_written);
	json_u64(j, "held", st->held);
	json_u64(j, "held_released", st->held_released);
	json_u64(j, "held_expired", st->held_expired);
	json_close_object(j);
	put_flow_stats(j, st);
	put_rules_stats(j, st);
	if (st->nfq_on)
		put_nfq_stats(j, st);
	if (st->keys_on)
		put_keys_stats(j, st);
}

int
eve_write_stats(struct eve *e, int64_t ts_sec, uint32_t ts_usec,
    struct stats *st)
{
	struct json j;

	json_init(&j, e->line, sizeof(e->line));
	put_header(&j, ts_sec, ts_usec, "stats");
	json_open_object(&j, "stats");
	if (e->has_capture)
		put_capture_stats(&j, &e->capture);
	eve_stats_json(&j, st);
	report_counters(e, st);
	json_open_object(&j, "eve");
	/* This event itself is counted once it is out. */
	json_u64(&j, "events", st->eve_events + 1);
	json_u64(&j, "errors", st->eve_errors);
	json_u64(&j, "dropped", st->eve_dropped);
	json_u64(&j, "reconnects", st->eve_reconnects);
	json_u64(&j, "redis_errors", st->eve_redis_errors);
	json_close_object(&j);
	json_close_object(&j);
	json_close_object(&j);
	if (e->obs.stats != NULL && formatted(e, &j))
		e->obs.stats(e->obs.arg, ts_sec, ts_usec, st);
	return (emit(e, &j, st));
}

/*
 * The sink's news since the pipeline's last event go into the copy only
 * and stay pending for the pipeline's own counters, which take them (this
 * event included) at its next event: the final stats stay exact.
 */
int
eve_write_stats_snapshot(struct eve *e, int64_t ts_sec, uint32_t ts_usec,
    const struct stats *st)
{
	struct eve_counters	pending;
	struct stats		copy = *st;
	int			rc;

	if (e == NULL)
		return (0);
	pending = e->reported;
	rc = eve_write_stats(e, ts_sec, ts_usec, &copy);
	e->reported = pending;
	return (rc);
}

/*
 * Suricata's names for the IP protocols it names (getprotobynumber(3),
 * /etc/protocols); others are written as their number.
 */
static const char *
ip_proto_name(uint8_t proto, char *buf, size_t buflen)
{
	switch (proto) {
	case 1:
		return ("ICMP");
	case 2:
		return ("IGMP");
	case 6:
		return ("TCP");
	case 17:
		return ("UDP");
	case 47:
		return ("GRE");
	case 50:
		return ("ESP");
	case 58:
		return ("IPv6-ICMP");
	case 89:
		return ("OSPFIGP");
	case 132:
		return ("SCTP");
	default:
		break;
	}
	snprintf(buf, buflen, "%u", proto);
	return (buf);
}

/* Protocols whose tuple has ports (inner/tuple.c). */
static bool
has_ports(uint8_t proto)
{
	return (proto == 6 || proto == 17 || proto == 132);
}

int
eve_write_flow(struct eve *e, const struct flow_report *r, struct stats *st)
{
	const struct inner_tuple *t = &r->tuple;
	char addr[IPADDR_STRLEN], num[4];
	struct json j;

	json_init(&j, e->line, sizeof(e->line));
	put_header(&j, r->last_sec, r->last_usec, "flow");
	json_str(&j, "src_ip", ipaddr_str(&t->src, addr, sizeof(addr)));
	if (has_ports(t->proto))
		json_u64(&j, "src_port", t->sport);
	json_str(&j, "dest_ip", ipaddr_str(&t->dst, addr, sizeof(addr)));
	if (has_ports(t->proto))
		json_u64(&j, "dest_port", t->dport);
	json_str(&j, "proto", ip_proto_name(t->proto, num, sizeof(num)));
	if (r->app_proto[0] != '\0')	/* "": nDPI off (--no-ndpi) */
		json_str(&j, "app_proto", r->app_proto);
	json_open_object(&j, "flow");
	json_u64(&j, "pkts_toserver", r->pkts_toserver);
	json_u64(&j, "pkts_toclient", r->pkts_toclient);
	json_u64(&j, "bytes_toserver", r->bytes_toserver);
	json_u64(&j, "bytes_toclient", r->bytes_toclient);
	json_time(&j, "start", r->first_sec, r->first_usec);
	json_time(&j, "end", r->last_sec, r->last_usec);
	json_str(&j, "reason", r->end_reason);
	json_close_object(&j);
	json_open_object(&j, "esp");
	json_u64(&j, "spi", r->sa_toserver.spi);
	json_str(&j, "src_ip", ipaddr_str(&r->sa_toserver.src, addr,
	    sizeof(addr)));
	json_str(&j, "dest_ip", ipaddr_str(&r->sa_toserver.dst, addr,
	    sizeof(addr)));
	json_close_object(&j);
	json_close_object(&j);
	if (e->obs.flow != NULL && formatted(e, &j))
		e->obs.flow(e->obs.arg, r);
	return (emit(e, &j, st));
}

/*
 * One rule match (DESIGN.md section 4, docs/eve.md `alert`): Suricata's
 * alert object, the inner 5-tuple at flow level (the SA's outer tuple at
 * SA level), and the carrying SA under `esp`.
 */
int
eve_write_alert(struct eve *e, const struct alert_report *a, struct stats *st)
{
	char addr[IPADDR_STRLEN], num[4];
	const char *proto;
	struct json j;

	json_init(&j, e->line, sizeof(e->line));
	put_header(&j, a->ts_sec, a->ts_usec, "alert");
	json_str(&j, "src_ip", ipaddr_str(&a->src, addr, sizeof(addr)));
	if (a->has_ports)
		json_u64(&j, "src_port", a->sport);
	json_str(&j, "dest_ip", ipaddr_str(&a->dst, addr, sizeof(addr)));
	if (a->has_ports)
		json_u64(&j, "dest_port", a->dport);
	if (a->flow_level)
		proto = ip_proto_name(a->proto, num, sizeof(num));
	else if (a->encap == ENCAP_UDP)
		proto = "UDP";
	else
		proto = a->wesp ? "WESP" : "ESP";
	json_str(&j, "proto", proto);
	json_open_object(&j, "alert");
	json_str(&j, "action", a->action == ALERT_BLOCKED ? "blocked" :
	    "allowed");
	json_u64(&j, "signature_id", a->signature_id);
	json_str(&j, "signature", a->msg);
	if (a->category != NULL)
		json_str(&j, "category", a->category);
	json_u64(&j, "severity", a->severity);
	json_close_object(&j);
	if (a->app_proto != NULL)
		json_str(&j, "app_proto", a->app_proto);
	json_open_object(&j, "esp");
	json_u64(&j, "spi", a->spi);
	json_str(&j, "src_ip", ipaddr_str(&a->sa_src, addr, sizeof(addr)));
	json_str(&j, "dest_ip", ipaddr_str(&a->sa_dst, addr, sizeof(addr)));
	json_str(&j, "verdict", esp_verdict_name(a->verdict));
	json_bool(&j, "wesp", a->wesp);
	json_close_object(&j);
	json_close_object(&j);
	if (e->obs.alert != NULL && formatted(e, &j))
		e->obs.alert(e->obs.arg, a);
	return (emit(e, &j, st));
}
