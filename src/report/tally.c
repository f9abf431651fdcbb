/*
 * tally.c - count a run's EVE events (tally.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evejson.h"
#include "tally.h"

static const int icv_lens[] = TALLY_ICV_LENS;
/* As eve.c spells them; the reader looks them up here too. */
static const char *const verdict_names[TV_MAX] = {
	"null", "encrypted", "undecided"
};
static const char *const method_names[TM_MAX] = {
	"heuristic", "wesp", "none"
};

static int
table_init(struct tally_table *t, size_t cap)
{
	t->cap = cap;
	t->entry = calloc(cap, sizeof(*t->entry));
	return (t->entry != NULL ? 0 : -1);
}

static struct tally *
tally_alloc(bool summary_only)
{
	struct tally *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return (NULL);
	t->summary_only = summary_only;
	if (table_init(&t->apps, TALLY_APPS_MAX) != 0 ||
	    table_init(&t->sigs, TALLY_SIGS_MAX) != 0 ||
	    (!summary_only && ((t->rec = malloc(sizeof(*t->rec))) == NULL ||
	    table_init(&t->talkers, TALLY_TALKERS_MAX) != 0))) {
		tally_free(t);
		return (NULL);
	}
	return (t);
}

struct tally *
tally_new(void)
{
	return (tally_alloc(false));
}

struct tally *
tally_new_summary(void)
{
	return (tally_alloc(true));
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

	if (t->cap == 0)	/* a table tally_new_summary() left out */
		return (NULL);
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
	return (v < TV_MAX ? verdict_names[v] : "?");
}

const char *
tally_method_name(enum tally_method m)
{
	return (m < TM_MAX ? method_names[m] : "?");
}

int
tally_icv_len(size_t i)
{
	return (i < sizeof(icv_lens) / sizeof(icv_lens[0]) ? icv_lens[i] : -1);
}

/* Counting: the records of tally.h, from whichever reader. */

/* A run's last ends (tally_count_stats() folds the run at its stats). */
static bool
is_end_of_input(const char *reason)
{
	return (reason != NULL && strcmp(reason, "end_of_input") == 0);
}

static void
note_time(struct tally *t, double ts)
{
	if (ts <= 0)
		return;
	if (t->first_ts == 0 || ts < t->first_ts)
		t->first_ts = ts;
	if (ts > t->last_ts)
		t->last_ts = ts;
}

void
tally_count_event(struct tally *t, int type, double ts)
{
	t->events[type >= 0 && type < 4 ? type : 4]++;
	note_time(t, ts);
}

/* One SA, counted at its end (its `decided` event came before). */
void
tally_count_sa_end(struct tally *t, const struct tally_sa *sa)
{
	enum tally_verdict v = sa->verdict < TV_MAX ? sa->verdict :
	    TV_UNDECIDED;
	enum tally_method m = sa->method < TM_MAX ? sa->method : TM_NONE;
	size_t i;

	if (is_end_of_input(sa->end_reason))
		t->eoi_since_stats = true;
	t->sas++;
	t->sa[v][m]++;
	t->sa_bytes[v] += sa->bytes;
	if (v != TV_NULL)
		return;
	for (i = 0; i < TALLY_ICV_MAX - 1 && icv_lens[i] != sa->icv_len; i++)
		continue;
	t->sa_icv[i]++;
}

void
tally_count_flow(struct tally *t, const struct tally_flow *f)
{
	char pair[TALLY_NAME_MAX];

	t->flows++;
	t->flow_bytes += f->bytes;
	if (is_end_of_input(f->end_reason))
		t->eoi_since_stats = true;
	table_add(&t->apps, f->app != NULL ? f->app : "Unknown", 1, f->bytes);
	if (f->src != NULL && f->dst != NULL && !t->summary_only) {
		snprintf(pair, sizeof(pair), "%s \xe2\x86\x92 %s", f->src,
		    f->dst);
		table_add(&t->talkers, pair, 1, f->bytes);
	}
}

static void
add_alert_time(struct tally *t, double ts)
{
	double *grown;
	size_t cap;

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

void
tally_count_alert(struct tally *t, const struct tally_alert *a)
{
	char name[TALLY_NAME_MAX];
	struct tally_entry *e;

	t->alerts++;
	if (a->blocked)
		t->alerts_blocked++;
	snprintf(name, sizeof(name), "%llu %s",
	    (unsigned long long)a->signature_id,
	    a->signature != NULL ? a->signature : "");
	if ((e = table_add(&t->sigs, name, 1, 0)) != NULL)
		e->aux = a->signature_id;
	/* The summary prints no times: no allocation during a run. */
	if (!t->summary_only)
		add_alert_time(t, a->ts);
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

void
tally_count_stats(struct tally *t, const struct tally_stats *s)
{
	size_t i;

	/* The previous one ended its run, or the counters restarted. */
	if (t->stats_seen++ > 0 && (t->prev_stats_final ||
	    s->read < t->pkts_read))
		fold_run(t);
	t->prev_stats_final = t->eoi_since_stats;
	t->eoi_since_stats = false;
	t->pkts_read = s->read;
	t->pkts_decoded = s->decoded;
	t->pkts_dropped = s->dropped;
	for (i = 0; i < s->n_skip && i < TALLY_SKIP_MAX; i++) {
		snprintf(t->skip[i].name, sizeof(t->skip[0].name), "%s",
		    s->skip[i].name);
		t->skip[i].count = s->skip[i].count;
	}
	t->n_skip = i;
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

static void
merge_table(struct tally_table *dst, const struct tally_table *src)
{
	struct tally_entry *e;
	size_t i;

	for (i = 0; i < src->cap; i++)
		if (src->entry[i].name[0] != '\0' && (e = table_add(dst,
		    src->entry[i].name, src->entry[i].count,
		    src->entry[i].bytes)) != NULL)
			e->aux = src->entry[i].aux;
	dst->other += src->other;
	dst->other_bytes += src->other_bytes;
}

void
tally_merge(struct tally *dst, const struct tally *src)
{
	size_t i;
	int v, m;

	dst->lines += src->lines;
	dst->malformed += src->malformed;
	dst->unknown += src->unknown;
	for (i = 0; i < 5; i++)
		dst->events[i] += src->events[i];
	note_time(dst, src->first_ts);
	note_time(dst, src->last_ts);
	dst->sas += src->sas;
	for (v = 0; v < TV_MAX; v++) {
		for (m = 0; m < TM_MAX; m++)
			dst->sa[v][m] += src->sa[v][m];
		dst->sa_bytes[v] += src->sa_bytes[v];
	}
	for (i = 0; i < TALLY_ICV_MAX; i++)
		dst->sa_icv[i] += src->sa_icv[i];
	dst->flows += src->flows;
	dst->flow_bytes += src->flow_bytes;
	merge_table(&dst->apps, &src->apps);
	merge_table(&dst->talkers, &src->talkers);
	dst->alerts += src->alerts;
	dst->alerts_blocked += src->alerts_blocked;
	merge_table(&dst->sigs, &src->sigs);
	if (!dst->summary_only)
		for (i = 0; i < src->n_alert_ts; i++)
			add_alert_time(dst, src->alert_ts[i]);
}

/* Reading: one parsed EVE line into the records above. */

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
read_sa(struct tally *t, const struct evejson *r)
{
	const char *ev = evejson_str(r, "esp.event");
	struct tally_sa sa;
	int v, m;

	if (ev == NULL || strcmp(ev, "end") != 0)
		return;
	v = lookup(verdict_names, TV_MAX, evejson_str(r, "esp.verdict"));
	m = lookup(method_names, TM_MAX, evejson_str(r, "esp.method"));
	sa.verdict = v < 0 ? TV_UNDECIDED : (enum tally_verdict)v;
	sa.method = m < 0 ? TM_NONE : (enum tally_method)m;
	sa.icv_len = (int)evejson_num(r, "esp.icv_len", -1);
	sa.bytes = u64_at(r, "esp.bytes");
	sa.end_reason = evejson_str(r, "esp.end_reason");
	tally_count_sa_end(t, &sa);
}

static void
read_flow(struct tally *t, const struct evejson *r)
{
	struct tally_flow f;

	f.app = evejson_str(r, "app_proto");
	f.src = evejson_str(r, "src_ip");
	f.dst = evejson_str(r, "dest_ip");
	f.bytes = u64_at(r, "flow.bytes_toserver") +
	    u64_at(r, "flow.bytes_toclient");
	f.end_reason = evejson_str(r, "flow.reason");
	tally_count_flow(t, &f);
}

static void
read_alert(struct tally *t, const struct evejson *r, double ts)
{
	const char *action = evejson_str(r, "alert.action");
	struct tally_alert a;

	a.signature_id = u64_at(r, "alert.signature_id");
	a.signature = evejson_str(r, "alert.signature");
	a.blocked = action != NULL && strcmp(action, "blocked") == 0;
	a.ts = ts;
	tally_count_alert(t, &a);
}

static void
read_stats(struct tally *t, const struct evejson *r)
{
	static const char prefix[] = "stats.packets.skipped.";
	const struct evejson_field *f;
	struct tally_stats s;
	size_t i;

	s.read = u64_at(r, "stats.packets.read");
	s.decoded = u64_at(r, "stats.packets.decoded");
	s.dropped = u64_at(r, "stats.packets.dropped");
	s.n_skip = 0;
	for (i = 0; i < r->n && s.n_skip < TALLY_SKIP_MAX; i++) {
		f = &r->field[i];
		if (strncmp(f->path, prefix, sizeof(prefix) - 1) != 0 ||
		    f->type != EVEJSON_NUMBER)
			continue;
		s.skip[s.n_skip].name = f->path + sizeof(prefix) - 1;
		s.skip[s.n_skip++].count = f->num > 0 ? (uint64_t)f->num : 0;
	}
	tally_count_stats(t, &s);
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
	if (rec == NULL || evejson_parse(rec, line, len) != 0) {
		t->malformed++;
		return;
	}
	type = evejson_str(rec, "event_type");
	if (type == NULL) {
		t->unknown++;
		return;
	}
	if (evejson_time(evejson_str(rec, "timestamp"), &ts) != 0)
		ts = 0;
	k = lookup(types, 4, type);
	tally_count_event(t, k, ts);
	switch (k) {
	case 0:
		read_sa(t, rec);
		break;
	case 1:
		read_flow(t, rec);
		break;
	case 2:
		read_alert(t, rec, ts);
		break;
	case 3:
		read_stats(t, rec);
		break;
	default:
		t->unknown++;
		break;
	}
}
