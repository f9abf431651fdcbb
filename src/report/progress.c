/*
 * progress.c - the progress line (progress.h).
 */
#include <string.h>
#include <time.h>

#include "human.h"
#include "progress.h"

static int64_t
now_ms(void)
{
	struct timespec ts;

	/* Coarse: a few ns, no syscall; 4 ms resolution is plenty here. */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static double
precise_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

void
progress_init(struct progress *p, FILE *out, uint64_t total_bytes)
{
	memset(p, 0, sizeof(*p));
	p->out = out;
	p->total_bytes = total_bytes;
	p->start_ms = p->last_ms = now_ms();
	p->start = precise_now();
}

double
progress_elapsed(const struct progress *p)
{
	return (precise_now() - p->start);
}

/* 1234567 -> "1.2 MB": four significant characters are enough here. */
static void
human_secs(char *buf, size_t len, double s)
{
	if (s < 60)
		snprintf(buf, len, "%.0fs", s);
	else if (s < 3600)
		snprintf(buf, len, "%dm%02ds", (int)s / 60, (int)s % 60);
	else if (s < 360000)
		snprintf(buf, len, "%dh%02dm", (int)s / 3600,
		    (int)s / 60 % 60);
	else
		snprintf(buf, len, ">99h");
}

static void
draw(struct progress *p, uint64_t pkts, uint64_t pos, int64_t now)
{
	char line[160], read[16], total[16], eta[16];
	double secs = (double)(now - p->start_ms) / 1000;
	double done = (double)(p->done_bytes + pos);
	double rate = secs > 0 ? (double)pkts / secs : 0;
	int n;

	human_bytes(read, sizeof(read), done);
	if (p->total_bytes > 0 && done <= (double)p->total_bytes) {
		human_bytes(total, sizeof(total), (double)p->total_bytes);
		if (done > 0 && secs > 0)
			human_secs(eta, sizeof(eta), secs *
			    ((double)p->total_bytes - done) / done);
		else
			snprintf(eta, sizeof(eta), "?");
		n = snprintf(line, sizeof(line), "espvis: %s of %s (%.0f%%), "
		    "%llu packets, %.0f packets/s, ETA %s", read, total,
		    100 * done / (double)p->total_bytes,
		    (unsigned long long)pkts, rate, eta);
	} else if (done > 0)
		n = snprintf(line, sizeof(line), "espvis: %s, %llu packets, "
		    "%.0f packets/s", read, (unsigned long long)pkts, rate);
	else	/* a pipe: no position to tell */
		n = snprintf(line, sizeof(line), "espvis: %llu packets, "
		    "%.0f packets/s", (unsigned long long)pkts, rate);
	if (n < 0)
		return;
	if (n >= (int)sizeof(line))
		n = (int)sizeof(line) - 1;
	/* Pad over a longer previous line, then come back to column 0. */
	fprintf(p->out, "\r%s%*s", line, p->width > n ? p->width - n : 0, "");
	fflush(p->out);
	p->width = n;
}

void
progress_tick(struct progress *p, uint64_t pkts, uint64_t pos)
{
	int64_t now;

	if (p->out == NULL)
		return;
	now = now_ms();
	/* The first tick draws at once: the user sees it started. */
	if (p->width > 0 && now - p->last_ms < PROGRESS_REDRAW_MS)
		return;
	p->last_ms = now;
	draw(p, pkts, pos, now);
}

void
progress_next_file(struct progress *p, uint64_t file_bytes)
{
	p->done_bytes += file_bytes;
}

void
progress_clear(struct progress *p)
{
	if (p->out == NULL || p->width == 0)
		return;
	fprintf(p->out, "\r%*s\r", p->width, "");
	fflush(p->out);
	p->width = 0;
}
