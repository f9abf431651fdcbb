/*
 * daemon.c - pidfile and privilege drop for espvis as a service.
 *
 * The pidfile is locked with flock(2) for as long as espvis runs, so a
 * stale file left by a crash is simply taken over, while a second espvis
 * started on the same file is refused instead of overwriting the pid of
 * one that still runs.  It is opened O_NOFOLLOW: root writing through a
 * symbolic link planted in a shared directory would write anywhere.
 *
 * The privilege drop follows the usual order (groups, then gid, then uid:
 * the groups and gid can no longer be changed once the uid is not 0) and
 * then checks the result rather than trusting the return codes: every
 * uid and gid, and that setuid(0) now fails.  A capability to keep
 * survives the change of uid through PR_SET_KEEPCAPS (capabilities(7),
 * "Effect of user ID changes"), then is made the only one, permitted
 * and effective, with capset(2) (no libcap for two calls).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "daemon.h"

struct pidfile {
	int	 fd;
	char	*path;
};

int
priv_lookup(const char *user, struct priv_user *pu, char *err, size_t errlen)
{
	struct passwd *pw;

	if (strlen(user) >= sizeof(pu->name)) {
		snprintf(err, errlen, "-u %s: name too long", user);
		return (-1);
	}
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "-u %s: %s", user,
		    errno != 0 ? strerror(errno) : "no such user");
		return (-1);
	}
	snprintf(pu->name, sizeof(pu->name), "%s", pw->pw_name);
	pu->uid = pw->pw_uid;
	pu->gid = pw->pw_gid;
	return (0);
}

/* Every uid and gid is the target's, and root cannot come back. */
static int
check_dropped(const struct priv_user *pu, char *err, size_t errlen)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;

	if (getresuid(&ruid, &euid, &suid) != 0 ||
	    getresgid(&rgid, &egid, &sgid) != 0 ||
	    ruid != pu->uid || euid != pu->uid || suid != pu->uid ||
	    rgid != pu->gid || egid != pu->gid || sgid != pu->gid) {
		snprintf(err, errlen, "-u %s: the uid or gid did not change",
		    pu->name);
		return (-1);
	}
	if (pu->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(err, errlen, "-u %s: root could be regained",
		    pu->name);
		return (-1);
	}
	return (0);
}

/* Exactly keep, permitted and effective; then checked. */
static int
set_caps(const struct priv_user *pu, uint64_t keep, char *err,
    size_t errlen)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	data[0].permitted = data[0].effective = (uint32_t)keep;
	data[1].permitted = data[1].effective = (uint32_t)(keep >> 32);
	if (syscall(SYS_capset, &hdr, data) != 0) {
		snprintf(err, errlen, "-u %s: keeping capabilities: %s",
		    pu->name, strerror(errno));
		return (-1);
	}
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) != 0 ||
	    data[0].permitted != (uint32_t)keep ||
	    data[1].permitted != (uint32_t)(keep >> 32) ||
	    data[0].effective != (uint32_t)keep ||
	    data[1].effective != (uint32_t)(keep >> 32)) {
		snprintf(err, errlen, "-u %s: capabilities not as asked",
		    pu->name);
		return (-1);
	}
	return (0);
}

int
priv_drop(const struct priv_user *pu, char *err, size_t errlen)
{
	return (priv_drop_keep(pu, 0, err, errlen));
}

int
priv_drop_keep(const struct priv_user *pu, uint64_t keep, char *err,
    size_t errlen)
{
	if (keep != 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) {
		snprintf(err, errlen, "-u %s: PR_SET_KEEPCAPS: %s", pu->name,
		    strerror(errno));
		return (-1);
	}
	if (initgroups(pu->name, pu->gid) != 0) {
		snprintf(err, errlen, "-u %s: setting its groups: %s%s",
		    pu->name, strerror(errno), errno == EPERM ?
		    " (only root can change user)" : "");
		return (-1);
	}
	if (setresgid(pu->gid, pu->gid, pu->gid) != 0) {
		snprintf(err, errlen, "-u %s: setresgid: %s", pu->name,
		    strerror(errno));
		return (-1);
	}
	if (setresuid(pu->uid, pu->uid, pu->uid) != 0) {
		snprintf(err, errlen, "-u %s: setresuid: %s", pu->name,
		    strerror(errno));
		return (-1);
	}
	if (keep != 0 && (set_caps(pu, keep, err, errlen) != 0 ||
	    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0))
		return (-1);
	return (check_dropped(pu, err, errlen));
}

/* The pid of the espvis holding the lock, for the message; 0 unknown. */
static long
holder_pid(int fd)
{
	char buf[32];
	ssize_t n;

	if ((n = pread(fd, buf, sizeof(buf) - 1, 0)) <= 0)
		return (0);
	buf[n] = '\0';
	return (strtol(buf, NULL, 10));
}

struct pidfile *
pidfile_open(const char *path, char *err, size_t errlen)
{
	struct pidfile *pf;
	char buf[32];
	int len;

	if ((pf = calloc(1, sizeof(*pf))) == NULL ||
	    (pf->path = strdup(path)) == NULL) {
		free(pf);
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	pf->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (pf->fd < 0) {
		snprintf(err, errlen, "--pidfile %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	if (flock(pf->fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			snprintf(err, errlen, "--pidfile %s: espvis already "
			    "runs as pid %ld", path, holder_pid(pf->fd));
		else
			snprintf(err, errlen, "--pidfile %s: lock: %s", path,
			    strerror(errno));
		goto fail;
	}
	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(pf->fd, 0) != 0 ||
	    pwrite(pf->fd, buf, (size_t)len, 0) != len) {
		snprintf(err, errlen, "--pidfile %s: write: %s", path,
		    strerror(errno));
		unlink(path);
		goto fail;
	}
	return (pf);
fail:
	if (pf->fd >= 0)
		close(pf->fd);
	free(pf->path);
	free(pf);
	return (NULL);
}

int
pidfile_close(struct pidfile *pf)
{
	int rc = 0, saved = 0;

	if (pf == NULL)
		return (0);
	/* Unlinked before the lock goes: a successor never loses its file. */
	if (unlink(pf->path) != 0) {
		saved = errno;
		rc = -1;
	}
	close(pf->fd);
	free(pf->path);
	free(pf);
	errno = saved;
	return (rc);
}
