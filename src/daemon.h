/*
 * daemon.h - what a long-running espvis needs besides the pipeline: a
 * pidfile, and giving up root once the capture handles and the outputs
 * are open (docs/live.md).
 *
 * Ownership: pidfile_open() returns a handle the caller ends with
 * pidfile_close() (NULL-safe), which removes the file.  Errors come back
 * as one line in err; espvis.c prints them.
 */
#ifndef ESPVIS_DAEMON_H
#define ESPVIS_DAEMON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PRIV_USER_MAX	64

/* The account -u names, looked up before anything is opened. */
struct priv_user {
	char	name[PRIV_USER_MAX];
	uid_t	uid;
	gid_t	gid;
};

int		 priv_lookup(const char *user, struct priv_user *,
		    char *err, size_t errlen);

/*
 * Become that user for good: its groups, gid and uid (real, effective
 * and saved), checked afterwards, and root shown to be out of reach.
 * Returns 0, or -1 with the reason in err (the process may then be
 * half-changed: the caller must exit).
 */
int		 priv_drop(const struct priv_user *, char *err,
		    size_t errlen);

/*
 * The same, but the capabilities in keep (a mask of 1 << CAP_*) stay
 * permitted and effective, and nothing else: --nfq keeps CAP_NET_ADMIN,
 * without which the kernel takes no verdict.  Checked afterwards too.
 */
int		 priv_drop_keep(const struct priv_user *, uint64_t keep,
		    char *err, size_t errlen);

struct pidfile;

/*
 * Create or take over path, lock it (a second espvis with the same
 * pidfile is refused while the first runs) and write our pid in it.
 */
struct pidfile	*pidfile_open(const char *path, char *err, size_t errlen);

/*
 * Remove the file and release the lock.  Returns 0, or -1 with errno set
 * when the file could not be removed (after -u: its directory is not
 * writable by that user).
 */
int		 pidfile_close(struct pidfile *);

#endif /* ESPVIS_DAEMON_H */
