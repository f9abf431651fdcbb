/*
 * json.h - a streaming JSON writer into a caller-owned buffer.
 *
 * No DOM and no allocation: the writer appends to a fixed buffer and
 * tracks, per nesting level, whether a comma is due (style-anchors lesson
 * 11).  A value that does not fit sets `overflow`; the caller then drops
 * the whole event and counts it, rather than emitting broken JSON.
 */
#ifndef ESPVIS_JSON_H
#define ESPVIS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH	16

struct json {
	char	*buf;		/* borrowed, cap bytes */
	size_t	 cap;
	size_t	 len;		/* bytes written, excluding the NUL */
	int	 depth;
	bool	 need_comma[JSON_MAX_DEPTH];
	bool	 overflow;	/* sticky: out of room or too deep */
};

void	json_init(struct json *, char *buf, size_t cap);

/*
 * key is NULL inside arrays and for the top-level object; otherwise a
 * name from our own code (letters, digits, '_', '-'), written as it is.
 * String values are escaped (RFC 8259 section 7).
 */
void	json_open_object(struct json *, const char *key);
void	json_close_object(struct json *);
void	json_open_array(struct json *, const char *key);
void	json_close_array(struct json *);
void	json_str(struct json *, const char *key, const char *val);
void	json_u64(struct json *, const char *key, uint64_t val);
void	json_i64(struct json *, const char *key, int64_t val);
void	json_bool(struct json *, const char *key, bool val);
/* An ISO 8601 UTC timestamp with microseconds, Suricata's format. */
void	json_time(struct json *, const char *key, int64_t sec, uint32_t usec);

#endif /* ESPVIS_JSON_H */
