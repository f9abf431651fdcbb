/*
 * test_daemon.c - the pidfile (written, locked against a second espvis,
 * a stale one taken over, a symbolic link refused, removed at the end)
 * and the -u privilege drop (each test runs in its own forked process,
 * so dropping root there leaves the runner alone).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "unit.h"
#include "daemon.h"

struct tmpdir {
	char	dir[64];
	char	pidfile[96];
};

static void
make_tmpdir(struct tmpdir *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/espvis-test-daemon-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
	snprintf(t->pidfile, sizeof(t->pidfile), "%s/espvis.pid", t->dir);
}

static void
remove_tmpdir(struct tmpdir *t)
{
	unlink(t->pidfile);
	ck_assert_int_eq(rmdir(t->dir), 0);
}

static long
read_pid(const char *path)
{
	char buf[32];
	ssize_t n;
	int fd;

	ck_assert_int_ge(fd = open(path, O_RDONLY), 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_int_eq(buf[n - 1], '\n');
	return (strtol(buf, NULL, 10));
}

START_TEST(test_pidfile_written_and_removed)
{
	struct pidfile *pf;
	struct tmpdir t;
	char err[256];

	make_tmpdir(&t);
	ck_assert_ptr_nonnull(pf = pidfile_open(t.pidfile, err, sizeof(err)));
	ck_assert_int_eq(read_pid(t.pidfile), (long)getpid());
	ck_assert_int_eq(pidfile_close(pf), 0);
	ck_assert_int_eq(access(t.pidfile, F_OK), -1);
	ck_assert_int_eq(pidfile_close(NULL), 0);
	remove_tmpdir(&t);
}
END_TEST

/* flock(2) locks belong to the open file: a second open is refused. */
START_TEST(test_pidfile_locked)
{
	struct pidfile *pf, *second;
	struct tmpdir t;
	char err[256], want[128];

	make_tmpdir(&t);
	ck_assert_ptr_nonnull(pf = pidfile_open(t.pidfile, err, sizeof(err)));
	second = pidfile_open(t.pidfile, err, sizeof(err));
	ck_assert_ptr_null(second);
	snprintf(want, sizeof(want), "espvis already runs as pid %ld",
	    (long)getpid());
	ck_assert_ptr_nonnull(strstr(err, want));
	/* The refused open left the running one's file alone. */
	ck_assert_int_eq(read_pid(t.pidfile), (long)getpid());
	ck_assert_int_eq(pidfile_close(pf), 0);
	remove_tmpdir(&t);
}
END_TEST

/* A crash leaves a longer, unlocked file: it is taken over, rewritten. */
START_TEST(test_pidfile_stale)
{
	const char *stale = "123456789012345\n";
	struct pidfile *pf;
	struct tmpdir t;
	char err[256];
	int fd;

	make_tmpdir(&t);
	ck_assert_int_ge(fd = open(t.pidfile, O_WRONLY | O_CREAT, 0644), 0);
	ck_assert_int_eq(write(fd, stale, strlen(stale)),
	    (ssize_t)strlen(stale));
	close(fd);
	ck_assert_ptr_nonnull(pf = pidfile_open(t.pidfile, err, sizeof(err)));
	ck_assert_int_eq(read_pid(t.pidfile), (long)getpid());
	ck_assert_int_eq(pidfile_close(pf), 0);
	remove_tmpdir(&t);
}
END_TEST

START_TEST(test_pidfile_refused)
{
	struct tmpdir t;
	char err[256], target[128];

	make_tmpdir(&t);
	snprintf(target, sizeof(target), "%s/target", t.dir);
	ck_assert_int_eq(symlink(target, t.pidfile), 0);
	ck_assert_ptr_null(pidfile_open(t.pidfile, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, t.pidfile));
	/* Nothing was written through the link. */
	ck_assert_int_eq(access(target, F_OK), -1);
	ck_assert_int_eq(unlink(t.pidfile), 0);
	ck_assert_int_eq(rmdir(t.dir), 0);

	ck_assert_ptr_null(pidfile_open("/nonexistent-dir/espvis.pid", err,
	    sizeof(err)));
	ck_assert_str_eq(err, "--pidfile /nonexistent-dir/espvis.pid: No "
	    "such file or directory");
}
END_TEST

START_TEST(test_priv_lookup)
{
	struct priv_user pu;
	char err[256];

	ck_assert_int_eq(priv_lookup("root", &pu, err, sizeof(err)), 0);
	ck_assert_str_eq(pu.name, "root");
	ck_assert_uint_eq(pu.uid, 0);
	ck_assert_uint_eq(pu.gid, 0);
	ck_assert_int_eq(priv_lookup("espvis-no-such-user", &pu, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "-u espvis-no-such-user: no such user");
}
END_TEST

/*
 * As root: every id becomes nobody's and root is gone for good.  As
 * another user: refused, with the reason.
 */
START_TEST(test_priv_drop)
{
	struct priv_user pu;
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;
	char err[256];

	ck_assert_int_eq(priv_lookup("nobody", &pu, err, sizeof(err)), 0);
	if (getuid() != 0) {
		ck_assert_int_eq(priv_drop(&pu, err, sizeof(err)), -1);
		ck_assert_ptr_nonnull(strstr(err, "only root can change"));
		return;
	}
	ck_assert_int_eq(priv_drop(&pu, err, sizeof(err)), 0);
	ck_assert_int_eq(getresuid(&ruid, &euid, &suid), 0);
	ck_assert_int_eq(getresgid(&rgid, &egid, &sgid), 0);
	ck_assert_uint_eq(ruid, pu.uid);
	ck_assert_uint_eq(euid, pu.uid);
	ck_assert_uint_eq(suid, pu.uid);
	ck_assert_uint_eq(rgid, pu.gid);
	ck_assert_uint_eq(egid, pu.gid);
	ck_assert_uint_eq(sgid, pu.gid);
	ck_assert_int_eq(setuid(0), -1);
	ck_assert_int_eq(errno, EPERM);
}
END_TEST

/* --nfq -u: nobody, with CAP_NET_ADMIN and nothing else; no root. */
START_TEST(test_priv_drop_keep)
{
	struct __user_cap_header_struct hdr = {
		_LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	struct priv_user pu;
	char err[256];

	if (getuid() != 0)
		return;
	ck_assert_int_eq(priv_lookup("nobody", &pu, err, sizeof(err)), 0);
	ck_assert_msg(priv_drop_keep(&pu, 1ull << CAP_NET_ADMIN, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(getuid(), pu.uid);
	ck_assert_int_eq(syscall(SYS_capget, &hdr, data), 0);
	ck_assert_uint_eq(data[0].effective, 1u << CAP_NET_ADMIN);
	ck_assert_uint_eq(data[0].permitted, 1u << CAP_NET_ADMIN);
	ck_assert_uint_eq(data[1].permitted, 0);
	ck_assert_uint_eq(data[0].inheritable, 0);
	ck_assert_int_eq(setuid(0), -1);
	ck_assert_int_eq(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 0);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("daemon");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_pidfile_written_and_removed);
	tcase_add_test(tc, test_pidfile_locked);
	tcase_add_test(tc, test_pidfile_stale);
	tcase_add_test(tc, test_pidfile_refused);
	tcase_add_test(tc, test_priv_lookup);
	tcase_add_test(tc, test_priv_drop);
	tcase_add_test(tc, test_priv_drop_keep);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
