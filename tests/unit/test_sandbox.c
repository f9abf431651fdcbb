/*
 * test_sandbox.c - sandbox_apply() on the real kernel: in a child
 * process, restricted as espvis restricts itself, what the policy
 * allows still works (reading its files, writing open descriptors and
 * the log directory, threads, sockets when asked for) and the rest is
 * refused: opening a file it does not name, creating one, a packet
 * socket, a second process, and execve, which kills.
 *
 * Landlock is checked when the kernel has it (6.x here); seccomp always.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"
#include "sandbox.h"

#if defined(__SANITIZE_ADDRESS__)
#define SAN	1
#else
#define SAN	0
#endif

static char dir[64], logdir[96], allowed[96], other[96], rulesdir[96],
    rulefile[128];

static void
setup(void)
{
	int fd;

	snprintf(dir, sizeof(dir), "/tmp/espvis-sandbox-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(logdir, sizeof(logdir), "%s/log", dir);
	ck_assert_int_eq(mkdir(logdir, 0700), 0);
	snprintf(allowed, sizeof(allowed), "%s/allowed.pcap", dir);
	snprintf(other, sizeof(other), "%s/other.pcap", dir);
	ck_assert_int_ge(fd = open(allowed, O_CREAT | O_WRONLY, 0600), 0);
	ck_assert_int_eq(write(fd, "a", 1), 1);
	close(fd);
	ck_assert_int_ge(fd = open(other, O_CREAT | O_WRONLY, 0600), 0);
	close(fd);
	snprintf(rulesdir, sizeof(rulesdir), "%s/rules", dir);
	ck_assert_int_eq(mkdir(rulesdir, 0700), 0);
	snprintf(rulefile, sizeof(rulefile), "%s/local.yaml", rulesdir);
	ck_assert_int_ge(fd = open(rulefile, O_CREAT | O_WRONLY, 0600), 0);
	close(fd);
}

/* As an editor saves: a new file renamed over the old one. */
static void
replace_rulefile(void)
{
	char tmp[160];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.new", rulefile);
	ck_assert_int_ge(fd = open(tmp, O_CREAT | O_WRONLY, 0600), 0);
	ck_assert_int_eq(write(fd, "- x\n", 4), 4);
	close(fd);
	ck_assert_int_eq(rename(tmp, rulefile), 0);
}

static void
teardown(void)
{
	char path[160];

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(path), 0);
}

static void *
thread_main(void *arg)
{
	return (arg);
}

/* Bits of what went wrong in the child, its exit status. */
enum {
	BAD_APPLY = 1, BAD_READ = 2, BAD_OTHER = 4, BAD_CREATE = 8,
	BAD_LOGDIR = 16, BAD_THREAD = 32, BAD_PACKET = 64, BAD_UNIX = 128,
	BAD_REREAD = 129,	/* returned alone */
};

static int
child(bool sockets, int open_fd, int to_parent, int from_parent)
{
	struct sandbox_policy p;
	struct sandbox_status st;
	char err[256], path[160], c;
	pthread_t t;
	void *ret;
	int fd, bad = 0, s;

	sandbox_policy_init(&p);
	sandbox_allow_read(&p, allowed);
	sandbox_allow_reread(&p, rulefile);
	p.write_dirs[p.n_write_dirs++] = logdir;
	p.sockets = sockets;
	if (sandbox_apply(&p, &st, err, sizeof(err)) != 0 || !st.seccomp)
		return (BAD_APPLY);
	/* The parent replaces the rule file now: still readable after. */
	if (write(to_parent, "r", 1) != 1 || read(from_parent, &c, 1) != 1 ||
	    (fd = open(rulefile, O_RDONLY)) < 0 || read(fd, &c, 1) != 1 ||
	    c != '-')
		return (BAD_REREAD);
	close(fd);
	if ((fd = open(allowed, O_RDONLY)) < 0 || read(fd, &c, 1) != 1)
		bad |= BAD_READ;
	if (fd >= 0)
		close(fd);
	if (write(open_fd, "x", 1) != 1)	/* opened before: still ours */
		bad |= BAD_READ;
	if (st.landlock_abi > 0) {
		if ((fd = open(other, O_RDONLY)) >= 0 || errno != EACCES)
			bad |= BAD_OTHER;
		snprintf(path, sizeof(path), "%s/new", dir);
		if ((fd = open(path, O_CREAT | O_WRONLY, 0600)) >= 0 ||
		    errno != EACCES)
			bad |= BAD_CREATE;
		snprintf(path, sizeof(path), "%s/eve.json.1", logdir);
		if ((fd = open(path, O_CREAT | O_WRONLY, 0600)) < 0)
			bad |= BAD_LOGDIR;
		else
			close(fd);
	}
	if (pthread_create(&t, NULL, thread_main, &bad) != 0 ||
	    pthread_join(t, &ret) != 0 || ret != &bad)
		bad |= BAD_THREAD;
	if ((s = socket(AF_PACKET, SOCK_RAW, 0)) >= 0 ||
	    (socket(AF_NETLINK, SOCK_RAW, 0)) >= 0)
		bad |= BAD_PACKET;
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	if ((s >= 0) != sockets)
		bad |= BAD_UNIX;
	return (bad);
}

static int
run_child(bool sockets)
{
	char path[160], c;
	int status, fd, up[2], down[2];
	pid_t pid;

	snprintf(path, sizeof(path), "%s/open.json", dir);
	ck_assert_int_ge(fd = open(path, O_CREAT | O_WRONLY, 0600), 0);
	ck_assert_int_eq(pipe(up), 0);
	ck_assert_int_eq(pipe(down), 0);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0)
		_exit(child(sockets, fd, up[1], down[0]));
	close(fd);
	if (read(up[0], &c, 1) == 1) {
		replace_rulefile();
		ck_assert_int_eq(write(down[1], "g", 1), 1);
	}
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status), "child died: status %#x", status);
	return (WEXITSTATUS(status));
}

START_TEST(allows_the_policy_refuses_the_rest)
{
	setup();
	ck_assert_int_eq(run_child(false), 0);
	ck_assert_int_eq(run_child(true), 0);
	teardown();
}
END_TEST

/* A second process, or a program: refused, execve killed outright. */
START_TEST(no_new_process)
{
	struct sandbox_policy p;
	struct sandbox_status st;
	char err[256];
	int status;
	pid_t pid;

	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		char *const argv[] = { (char *)"true", NULL };

		sandbox_policy_init(&p);
		if (sandbox_apply(&p, &st, err, sizeof(err)) != 0)
			_exit(1);
		if (fork() >= 0)	/* glibc: clone without CLONE_THREAD */
			_exit(SAN ? 0 : 2);
		execv("/bin/true", argv);
		_exit(errno == EPERM ? 3 : 4);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	if (SAN)	/* the sanitizer's stop-the-world needs clone */
		ck_assert(WIFEXITED(status) && (WEXITSTATUS(status) == 0 ||
		    WEXITSTATUS(status) == 3));
	else
		ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) ==
		    SIGSYS, "execve not killed: status %#x", status);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("sandbox");
	TCase *tc = tcase_create("sandbox");

	tcase_add_test(tc, allows_the_policy_refuses_the_rest);
	tcase_add_test(tc, no_new_process);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
