/*
 * tally.c - count a run's EVE events (tally.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evejson.h"
#include "tally.h"

static const int icv_lens[] = TALLY_ICV_LENS;

static int
table_init(struct tally_table *t, size_t cap)
{
	t->cap = cap;
	t->entry = calloc(cap, sizeof(*t->entry));
	return (t->entry != NULL ? 0 : -1);
}

struct tally *
tally_new(void)
{
	struct tally *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return (NULL);
	if ((t->rec = malloc(sizeof(*t->rec))) == NULL ||
	    table_init(&t->apps, TALLY_APPS_MAX) != 0 ||
	    table_init(&t->sigs, TALLY_SIGS_MAX) != 0 ||
	    table_init(&t->talkers, TALLY_TALKERS_MAX) != 0) {
		tally_free(t);
		return (NULL);
	}
	return (t);
}

void
tally_free(struct tally *t)
{
	if (t == NULL)
		return;
	free(t->apps.entry);
	free(t->sigs.entry);
	free(t->talkers.entry);
	free(t->alert_ts);
	free(t->rec);
	free(t);
}

/* FNV-1a: names come from our own events, no flooding to fear here
 * beyond the table's bound, which holds whatever the hash. */
static size_t
name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return ((size_t)h);
}

/* Add to name's entry; a full table counts it under other. */
static struct tally_entry *
table_add(struct tally_table *t, const char *name, uint64_t count,
    uint64_t bytes)
{
	char key[TALLY_NAME_MAX];
	struct tally_entry *e;
	size_t i, probe, n = strnlen(name, sizeof(key) - 1);

	/* snprintf("%s") without the format machinery: once per event. */
	memcpy(key, name, n);
	key[n] = '\0';
	i = name_hash(key) % t->cap;
	for (probe = 0; probe < t->cap; probe++, i = (i + 1) % t->cap) {
		e = &t->entry[i];
		if (e->name[0] == '\0') {
			/* Keep a quarter free: probes stay short. */
			if (t->used >= t->cap - t->cap / 4)
				break;
			memcpy(e->name, key, sizeof(key));
			t->used++;
		} else if (strcmp(e->name, key) != 0)
			continue;
		e->count += count;
		e->bytes += bytes;
		return (e);
	}
	t->other += count;
	t->other_bytes += bytes;
	return (NULL);
}

static int
by_count(const void *a, const void *b)
{
	const struct tally_entry *x = *(const struct tally_entry *const *)a;
	const struct tally_entry *y = *(const struct tally_entry *const *)b;

	if (x->count != y->count)
		return (x->count < y->count ? 1 : -1);
	if (x->bytes != y->bytes)
		return (x->bytes < y->bytes ? 1 : -1);
	return (strcmp(x->name, y->name));
}

static int
by_bytes(const void *a, const void *b)
{
	const struct tally_entry *x = *(const struct tally_entry *const *)a;
	const struct tally_entry *y = *(const struct tally_entry *const *)b;

	if (x->bytes != y->bytes)
		return (x->bytes < y->bytes ? 1 : -1);
	return (by_count(a, b));
}

size_t
tally_top(const struct tally_table *t, int bytes_first,
    const struct tally_entry **out, size_t n)
{
	const struct tally_entry **all;
	size_t i, k = 0;

	if (t->used == 0 || n == 0)
		return (0);
	if ((all = calloc(t->used, sizeof(*all))) == NULL)
		return (0);
	for (i = 0; i < t->cap && k < t->used; i++)
		if (t->entry[i].name[0] != '\0')
			all[k++] = &t->entry[i];
	qsort(all, k, sizeof(*all), bytes_first ? by_bytes : by_count);
	if (n > k)
		n = k;
	memcpy(out, all, n * sizeof(*out));
	free(all);
	return (n);
}

const char *
tally_verdict_name(enum tally_verdict v)
{
	static const char *names[TV_MAX] = { "null", "encrypted", "undecided" };

	return (v < TV_MAX ? names[v] : "?");
}

const char *
tally_method_name(enum tally_method m)
{
	static const char *names[TM_MAX] = { "heuristic", "wesp", "none" };

	return (m < TM_MAX ? names[m] : "?");
}

int
tally_icv_len(size_t i)
{
	return (i < sizeof(icv_lens) / sizeof(icv_lens[0]) ? icv_lens[i] : -1);
}

static int
lookup(const char *const *names, int n, const char *s)
{
	int i;

	for (i = 0; s != NULL && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (i);
	return (-1);
}

static uint64_t
u64_at(const struct evejson *r, const char *path)
{
	double v = evejson_num(r, path, 0);

	return (v > 0 && v < 1.8e19 ? (uint64_t)v : 0);
}

static void
end_of_input(struct tally *t, const char *reason)
{
	if (reason != NULL && strcmp(reason, "end_of_input") == 0)
		t->eoi_since_stats = true;
}

/* One SA, counted at its end (its `decided` event came before). */
static void
count_sa(struct tally *t, const struct evejson *r)
{
	static const char *verdicts[] = { "null", "encrypted", "undecided" };
	static const char *methods[] = { "heuristic", "wesp", "none" };
	const char *ev = evejson_str(r, "esp.event");
	int v, m, icv;
	size_t i;

	if (ev == NULL || strcmp(ev, "end") != 0)
		return;
	end_of_input(t, evejson_str(r, "esp.end_reason"));
	v = lookup(verdicts, TV_MAX, evejson_str(r, "esp.verdict"));
	m = lookup(methods, TM_MAX, evejson_str(r, "esp.method"));
	if (v < 0)
		v = TV_UNDECIDED;
	if (m < 0)
		m = TM_NONE;
	t->sas++;
	t->sa[v][m]++;
	t->sa_bytes[v] += u64_at(r, "esp.bytes");
	if (v != TV_NULL)
		return;
	icv = (int)evejson_num(r, "esp.icv_len", -1);
	for (i = 0; i < TALLY_ICV_MAX - 1 && icv_lens[i] != icv; i++)
		continue;
	t->sa_icv[i]++;
}

static void
count_flow(struct tally *t, const struct evejson *r)
{
	const char *app = evejson_str(r, "app_proto");
	const char *src = evejson_str(r, "src_ip");
	const char *dst = evejson_str(r, "dest_ip");
	char pair[TALLY_NAME_MAX];
	uint64_t bytes;

	bytes = u64_at(r, "flow.bytes_toserver") +
	    u64_at(r, "flow.bytes_toclient");
	t->flows++;
	t->flow_bytes += bytes;
	end_of_input(t, evejson_str(r, "flow.reason"));
	table_add(&t->apps, app != NULL ? app : "Unknown", 1, bytes);
	if (src != NULL && dst != NULL) {
		snprintf(pair, sizeof(pair), "%s \xe2\x86\x92 %s", src, dst);
		table_add(&t->talkers, pair, 1, bytes);
	}
}

static void
count_alert(struct tally *t, const struct evejson *r, double ts)
{
	const char *msg = evejson_str(r, "alert.signature");
	const char *action = evejson_str(r, "alert.action");
	double sid = evejson_num(r, "alert.signature_id", 0);
	char name[TALLY_NAME_MAX];
	struct tally_entry *e;
	double *grown;
	size_t cap;

	t->alerts++;
	if (action != NULL && strcmp(action, "blocked") == 0)
		t->alerts_blocked++;
	snprintf(name, sizeof(name), "%.0f %s", sid, msg != NULL ? msg : "");
	if ((e = table_add(&t->sigs, name, 1, 0)) != NULL)
		e->aux = (uint64_t)sid;
	if (ts <= 0 || t->n_alert_ts == TALLY_ALERT_TIMES_MAX)
		return;
	if (t->n_alert_ts == t->alert_ts_cap) {
		cap = t->alert_ts_cap == 0 ? 256 : t->alert_ts_cap * 2;
		if ((grown = realloc(t->alert_ts, cap * sizeof(*grown))) ==
		    NULL)
			return;
		t->alert_ts = grown;
		t->alert_ts_cap = cap;
	}
	t->alert_ts[t->n_alert_ts++] = ts;
}

/*
 * Stats events are cumulative within a run: the last one has the final
 * counters.  An eve.json appended to by several runs restarts them.  A
 * run's final stats event follows its end_of_input SA and flow ends (a
 * periodic one of a live capture follows none), and a new run's counts
 * can also be seen to restart lower; the finished run's counters are
 * then kept in base.
 */
static void
fold_run(struct tally *t)
{
	size_t i, k;

	t->base_read += t->pkts_read;
	t->base_decoded += t->pkts_decoded;
	t->base_dropped += t->pkts_dropped;
	for (i = 0; i < t->n_skip; i++) {
		for (k = 0; k < t->n_base_skip &&
		    strcmp(t->base_skip[k].name, t->skip[i].name) != 0; k++)
			continue;
		if (k == t->n_base_skip) {
			if (k == TALLY_SKIP_MAX)
				continue;
			t->base_skip[t->n_base_skip++] = t->skip[i];
		} else
			t->base_skip[k].count += t->skip[i].count;
	}
}

static void
count_stats(struct tally *t, const struct evejson *r)
{
	static const char prefix[] = "stats.packets.skipped.";
	const struct evejson_field *f;
	uint64_t read = u64_at(r, "stats.packets.read");
	size_t i;

	/* The previous one ended its run, or the counters restarted. */
	if (t->stats_seen++ > 0 && (t->prev_stats_final ||
	    read < t->pkts_read))
		fold_run(t);
	t->prev_stats_final = t->eoi_since_stats;
	t->eoi_since_stats = false;
	t->pkts_read = read;
	t->pkts_decoded = u64_at(r, "stats.packets.decoded");
	t->pkts_dropped = u64_at(r, "stats.packets.dropped");
	t->n_skip = 0;
	for (i = 0; i < r->n && t->n_skip < TALLY_SKIP_MAX; i++) {
		f = &r->field[i];
		if (strncmp(f->path, prefix, sizeof(prefix) - 1) != 0 ||
		    f->type != EVEJSON_NUMBER)
			continue;
		snprintf(t->skip[t->n_skip].name, sizeof(t->skip[0].name),
		    "%s", f->path + sizeof(prefix) - 1);
		t->skip[t->n_skip++].count = f->num > 0 ? (uint64_t)f->num : 0;
	}
}

void
tally_finish(struct tally *t)
{
	if (t->stats_seen == 0)
		return;
	fold_run(t);
	t->pkts_read = t->base_read;
	t->pkts_decoded = t->base_decoded;
	t->pkts_dropped = t->base_dropped;
	memcpy(t->skip, t->base_skip, sizeof(t->skip));
	t->n_skip = t->n_base_skip;
	t->base_read = t->base_decoded = t->base_dropped = 0;
	t->n_base_skip = 0;
}

void
tally_line(struct tally *t, const char *line, size_t len)
{
	static const char *types[] = { "esp", "flow", "alert", "stats" };
	struct evejson *rec = t->rec;
	const char *type;
	double ts = 0;
	int k;

	t->lines++;
	if (evejson_parse(rec, line, len) != 0) {
		t->malformed++;
		return;
	}
	type = evejson_str(rec, "event_type");
	if (type == NULL) {
		t->unknown++;
		return;
	}
	if (evejson_time(evejson_str(rec, "timestamp"), &ts) == 0) {
		if (t->first_ts == 0 || ts < t->first_ts)
			t->first_ts = ts;
		if (ts > t->last_ts)
			t->last_ts = ts;
	}
	k = lookup(types, 4, type);
	t->events[k < 0 ? 4 : k]++;
	switch (k) {
	case 0:
		count_sa(t, rec);
		break;
	case 1:
		count_flow(t, rec);
		break;
	case 2:
		count_alert(t, rec, ts);
		break;
	case 3:
		count_stats(t, rec);
		break;
	default:
		t->unknown++;
		break;
	}
}
