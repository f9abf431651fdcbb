/*
 * evejson.h - a bounded reader for one EVE JSON line.
 *
 * EVE lines are small objects nested a few levels (esp, flow, alert,
 * stats.packets.skipped); a line is flattened into its leaves, each
 * named by its dotted path ("esp.verdict", "esp.rejected[].icv_len"), so
 * a consumer asks for the fields it knows and ignores the rest.
 *
 * No allocation: a record holds its fields and their text in fixed
 * arrays.  A line that is not one well-formed JSON object, nests deeper
 * than EVEJSON_MAX_DEPTH or does not fit the record is refused whole
 * (-1), never half read.
 */
#ifndef ESPVIS_REPORT_EVEJSON_H
#define ESPVIS_REPORT_EVEJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EVEJSON_MAX_FIELDS	256	/* a stats event has ~90 leaves */
#define EVEJSON_ARENA		16384	/* paths and unescaped strings */
#define EVEJSON_MAX_DEPTH	8
#define EVEJSON_PATH_MAX	128

enum evejson_type {
	EVEJSON_STRING,
	EVEJSON_NUMBER,
	EVEJSON_BOOL,
	EVEJSON_NULL,
};

struct evejson_field {
	const char		*path;	/* in the record's arena */
	enum evejson_type	 type;
	const char		*str;	/* STRING: unescaped, NUL-terminated;
					   NUMBER: its text */
	double			 num;	/* NUMBER */
	bool			 truth;	/* BOOL */
};

struct evejson {
	size_t			 n;
	struct evejson_field	 field[EVEJSON_MAX_FIELDS];
	size_t			 used;
	char			 arena[EVEJSON_ARENA];
};

/* 0, or -1 when the line is not an object this reader can hold. */
int	evejson_parse(struct evejson *, const char *line, size_t len);

/* The leaf at path, or NULL. */
const struct evejson_field *evejson_get(const struct evejson *,
	    const char *path);
/* The string at path, or NULL when absent or not a string. */
const char	*evejson_str(const struct evejson *, const char *path);
/* The number at path, or dflt when absent or not a number. */
double		 evejson_num(const struct evejson *, const char *path,
		    double dflt);

/*
 * "2026-11-26T19:40:05.123456+0000" (and Z, or +hh:mm) to seconds since
 * the epoch, UTC.  0, or -1 when it is not such a timestamp.
 */
int		 evejson_time(const char *s, double *out);

#endif /* ESPVIS_REPORT_EVEJSON_H */
