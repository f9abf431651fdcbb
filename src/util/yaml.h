/*
 * yaml.h - the libyaml adapter: one YAML document read into a small owned
 * tree of maps, lists and scalars, every node with its line and column.
 *
 * Only yaml.c includes <yaml.h> (style-anchors lesson 11).  The file is
 * read with libyaml's event API, without recursion, under hard limits
 * (nesting depth, node count, scalar length, file size) so that a hostile
 * or broken file costs bounded memory and time.  Deliberately refused,
 * each with its position: more than one document, anchors and aliases
 * (an alias can multiply a small file into a huge tree), explicit tags,
 * non-scalar map keys, and duplicate keys in one map (YAML says they are
 * an error; libyaml does not check).  Scalars are kept as text: "null",
 * "yes" or "0x10" mean nothing until a typed reader below is asked.
 *
 * Positions are 1-based (line 1, column 1 is the first character).
 *
 * Ownership: ydoc_load_file()/ydoc_load_buffer() return a document the
 * caller frees with ydoc_free() (NULL-safe).  Nodes and their strings
 * belong to the document and are valid until then.
 */
#ifndef ESPVIS_YAML_H
#define ESPVIS_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipnet.h"

#define YAML_LIMIT_DEPTH	32		/* nested maps and lists */
#define YAML_LIMIT_NODES	100000		/* keys, values and items */
#define YAML_LIMIT_SCALAR	4096		/* bytes in one scalar */
#define YAML_LIMIT_FILE		(8u << 20)	/* bytes in one file */

/*
 * An error at a place in a file: "FILE:LINE:COLUMN: REASON".  line and
 * col are 0 when the error has no place (the file cannot be read).
 */
#define DOC_ERROR_FILE_MAX	512
#define DOC_ERROR_REASON_MAX	256

struct doc_error {
	char		file[DOC_ERROR_FILE_MAX];
	uint32_t	line;
	uint32_t	col;
	char		reason[DOC_ERROR_REASON_MAX];
};

/* Writes "FILE:LINE:COL: REASON" (or "FILE: REASON") into buf. */
const char	*doc_error_str(const struct doc_error *, char *buf,
		    size_t buflen);
/* Fill an error; printf-style reason. */
void		 doc_error_set(struct doc_error *, const char *file,
		    uint32_t line, uint32_t col, const char *fmt, ...)
		    __attribute__((format(printf, 5, 6)));

enum ynode_kind {
	YNODE_SCALAR,
	YNODE_LIST,
	YNODE_MAP,
};

/*
 * A node.  A list's items and a map's values are chained from child
 * through next; a map value carries its key (key, key_line, key_col).
 */
struct ynode {
	enum ynode_kind	 kind;
	uint32_t	 line;
	uint32_t	 col;
	const char	*file;		/* the document's name, for errors */

	/* YNODE_SCALAR: the text, NUL-terminated (len excludes the NUL) */
	const char	*text;
	size_t		 len;
	bool		 plain;		/* unquoted, not a block scalar */

	/* YNODE_LIST, YNODE_MAP */
	struct ynode	*child;
	uint32_t	 n_children;

	/* set on the values of a map */
	const char	*key;
	uint32_t	 key_line;
	uint32_t	 key_col;

	struct ynode	*next;
};

struct ydoc;

/*
 * Parse a whole file.  Returns NULL with err filled on any error.  A
 * file without a document (empty, or only comments, or a lone "---")
 * gives a document whose root is NULL.
 */
struct ydoc	*ydoc_load_file(const char *path, struct doc_error *err);
/* The same for text in memory; name is used in errors. */
struct ydoc	*ydoc_load_buffer(const char *name, const char *buf, size_t len,
		    struct doc_error *err);
void		 ydoc_free(struct ydoc *);

const struct ynode *ydoc_root(const struct ydoc *);
const char	*ydoc_name(const struct ydoc *);

/* "a string", "a list", "a map": for messages. */
const char	*ynode_kind_name(enum ynode_kind);

/* Fill err with node's place and a printf-style reason; returns -1. */
int		 ynode_error(const struct ynode *, struct doc_error *err,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same at the node's key (for errors about the key itself). */
int		 ynode_key_error(const struct ynode *, struct doc_error *err,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* 0 when node is of kind, else -1 with "expected a list, got a map". */
int		 ynode_expect(const struct ynode *, enum ynode_kind,
		    struct doc_error *err);

/* The value of key in map, or NULL (map must be a YNODE_MAP). */
const struct ynode *ynode_get(const struct ynode *map, const char *key);

/*
 * Every key of map must be one of allowed[0..n-1]; the first that is
 * not gives "unknown key 'x'" at the key's place.
 */
int		 ynode_check_keys(const struct ynode *map,
		    const char *const *allowed, size_t n,
		    struct doc_error *err);

/*
 * Typed readers: each returns 0 and fills *out, or -1 with err at the
 * node's place.  Numbers and booleans must be plain (unquoted) scalars.
 *
 * ynode_u32: decimal, or hexadecimal with 0x; no sign, no leading zero
 * (YAML 1.1 would read 010 as octal); min <= value <= max.
 */
int		 ynode_u32(const struct ynode *, uint32_t min, uint32_t max,
		    uint32_t *out, struct doc_error *err);
/* true or false, nothing else (not yes/no/on/off). */
int		 ynode_bool(const struct ynode *, bool *out,
		    struct doc_error *err);
/* One of names[0..n-1], exactly; *out is its index. */
int		 ynode_enum(const struct ynode *, const char *const *names,
		    size_t n, int *out, struct doc_error *err);
/* A scalar of 1..maxlen bytes without NUL bytes; *out borrows the doc. */
int		 ynode_str(const struct ynode *, size_t maxlen,
		    const char **out, struct doc_error *err);
/* An address or prefix, see ipnet_parse(). */
int		 ynode_cidr(const struct ynode *, struct ipnet *out,
		    struct doc_error *err);

#endif /* ESPVIS_YAML_H */
