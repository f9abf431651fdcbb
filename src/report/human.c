/*
 * human.c - byte counts as people read them.
 */
#include <stdio.h>

#include "human.h"

void
human_bytes(char *buf, size_t len, double v)
{
	static const char *unit[] = { "B", "kB", "MB", "GB", "TB" };
	int u = 0;

	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	snprintf(buf, len, u == 0 ? "%.0f %s" : "%.1f %s", v, unit[u]);
}
