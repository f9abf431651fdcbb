/*
 * fuzz_evejson.c - libFuzzer target: the EVE line reader over arbitrary
 * bytes, and the tally (with every table and timestamp path) behind it.
 */
#include <stdint.h>
#include <string.h>

#include "report/evejson.h"
#include "report/tally.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct evejson rec;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tally *t;
	const struct tally_entry *top[4];
	size_t i;
	double ts;

	if (t == NULL && (t = tally_new()) == NULL)
		return (0);
	if (evejson_parse(&rec, (const char *)data, size) == 0)
		for (i = 0; i < rec.n; i++) {
			/* Every leaf has a path; strings are terminated. */
			if (rec.field[i].path == NULL || (rec.field[i].type ==
			    EVEJSON_STRING && strlen(rec.field[i].str) > size))
				__builtin_trap();
			if (rec.field[i].type == EVEJSON_STRING)
				(void)evejson_time(rec.field[i].str, &ts);
		}
	tally_line(t, (const char *)data, size);
	(void)tally_top(&t->apps, 0, top, 4);
	(void)tally_top(&t->talkers, 1, top, 4);
	return (0);
}
