/*
 * version.h - espvis's version, and those of the libraries it runs with
 * (the shared objects loaded now, not the headers it was built against:
 * what a bug report needs).
 */
#ifndef ESPVIS_VERSION_H
#define ESPVIS_VERSION_H

#include <stddef.h>

#define ESPVIS_VERSION	"0.1.0"

struct lib_version {
	const char	*name;		/* "libpcap", "nDPI", ... */
	const char	*version;	/* the library's own string; static */
};

#define LIB_VERSIONS_MAX	4

/* Fill out[] (LIB_VERSIONS_MAX entries); returns how many were filled. */
size_t	lib_versions(struct lib_version *out, size_t n);

#endif /* ESPVIS_VERSION_H */
