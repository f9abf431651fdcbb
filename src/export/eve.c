/*
 * eve.c - EVE JSON `esp` and `stats` events.
 *
 * One JSON object per line.  Field names follow Suricata's EVE format
 * (timestamp, event_type, src_ip, src_port, dest_ip, dest_port, proto);
 * the `esp` object is ours and documented in docs/eve.md.  Output goes
 * through stdio with a large buffer: events are per SA, not per packet,
 * and eve_flush() is called by the pipeline at stats time and at the end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/json.h"
#include "eve.h"

#define EVE_LINE_MAX	8192	/* one event; ours are < 2 KiB */

struct eve {
	FILE	*out;
	bool	 is_stdout;
	char	 line[EVE_LINE_MAX];
};

struct eve *
eve_open(const char *dest, char *err, size_t errlen)
{
	struct eve *e;

	if ((e = calloc(1, sizeof(*e))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	if (strcmp(dest, "-") == 0) {
		e->out = stdout;
		e->is_stdout = true;
	} else if ((e->out = fopen(dest, "a")) == NULL) {
		snprintf(err, errlen, "%s: %s", dest, strerror(errno));
		free(e);
		return (NULL);
	}
	return (e);
}

void
eve_close(struct eve *e)
{
	if (e == NULL)
		return;
	if (e->is_stdout)
		fflush(e->out);
	else
		fclose(e->out);
	free(e);
}

int
eve_flush(struct eve *e)
{
	return (fflush(e->out) == 0 ? 0 : -1);
}

static int
emit(struct eve *e, struct json *j, struct stats *st)
{
	if (j->overflow || j->len + 1 >= sizeof(e->line)) {
		st->eve_errors++;
		return (-1);
	}
	e->line[j->len] = '\n';
	if (fwrite(e->line, 1, j->len + 1, e->out) != j->len + 1) {
		st->eve_errors++;
		return (-1);
	}
	st->eve_events++;
	return (0);
}

static void
put_header(struct json *j, int64_t sec, uint32_t usec, const char *type)
{
	json_open_object(j, NULL);
	json_time(j, "timestamp", sec, usec);
	json_str(j, "event_type", type);
}

static const char *
method_name(enum sa_method m)
{
	switch (m) {
	case METHOD_WESP:
		return ("wesp");
	case METHOD_HEURISTIC:
		return ("heuristic");
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
	json_str(&j, "method", method_name(r->method));
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
	json_close_object(&j);
	json_close_object(&j);
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

int
eve_write_stats(struct eve *e, int64_t ts_sec, uint32_t ts_usec,
    struct stats *st)
{
	struct json j;

	json_init(&j, e->line, sizeof(e->line));
	put_header(&j, ts_sec, ts_usec, "stats");
	json_open_object(&j, "stats");
	put_packets(&j, st);
	json_open_object(&j, "sa");
	json_u64(&j, "created", st->sa_created);
	json_u64(&j, "null", st->sa_null);
	json_u64(&j, "encrypted", st->sa_encrypted);
	json_u64(&j, "undecided", st->sa_undecided);
	json_u64(&j, "evicted", st->sa_evicted);
	json_u64(&j, "timeouts", st->sa_timeouts);
	json_close_object(&j);
	json_open_object(&j, "frag");
	json_u64(&j, "reassembled", st->frag_reassembled);
	json_u64(&j, "timeouts", st->frag_timeouts);
	json_u64(&j, "evicted", st->frag_evicted);
	json_u64(&j, "invalid", st->frag_overlaps);
	json_close_object(&j);
	json_open_object(&j, "inner");
	json_u64(&j, "found", st->inner_found);
	json_u64(&j, "written", st->inner_written);
	json_u64(&j, "held", st->held);
	json_u64(&j, "held_released", st->held_released);
	json_u64(&j, "held_expired", st->held_expired);
	json_close_object(&j);
	json_open_object(&j, "eve");
	/* This event itself is counted once it is out. */
	json_u64(&j, "events", st->eve_events + 1);
	json_u64(&j, "errors", st->eve_errors);
	json_close_object(&j);
	json_close_object(&j);
	json_close_object(&j);
	return (emit(e, &j, st));
}
