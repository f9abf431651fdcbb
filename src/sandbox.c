/*
 * sandbox.c - Landlock and a seccomp allow-list for espvis once it runs
 * (sandbox.h; what each covers: docs/security.md).
 *
 * Landlock (Linux 5.13 and up) through the raw system calls: glibc 2.36
 * has no wrappers and Debian 12's headers stop at ABI 2, so the rights
 * and the ruleset attribute of later ABIs are spelled out here.  Every
 * right the running kernel knows is handled (denied unless a rule
 * grants it beneath a path), so a file the policy does not name cannot
 * be opened, created, removed or renamed, whoever owns it.
 *
 * seccomp: a classic BPF program, default deny.  The architecture is
 * checked first (a 32-bit or x32 call could otherwise reach another
 * table).  Calls that only an attacker would make (execve, ptrace,
 * mount, bpf, module loading, ...) kill the process; others not on the
 * list fail with EPERM, so that a library path we did not foresee fails
 * like an error rather than a crash.  New sockets are limited to
 * AF_UNIX, AF_INET and AF_INET6 (the EVE outputs reconnecting): no raw,
 * packet or netlink socket once started.  clone() only makes threads;
 * clone3() says ENOSYS, whose flags BPF cannot read, so that glibc falls
 * back to clone().
 *
 * The sanitizer build needs more at its exit and in its reports:
 * LeakSanitizer stops the world from a clone()d task with ptrace(), and
 * reads /proc; reports read the binary and libraries for symbols.  That
 * build allows those, and fails (EPERM) rather than kills.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZER_BUILD	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZER_BUILD	1
#endif
#endif
#ifndef SANITIZER_BUILD
#define SANITIZER_BUILD	0
#endif

/* Landlock, as include/uapi/linux/landlock.h has it in Linux 6.12. */
#define LL_CREATE_RULESET_VERSION	(1u << 0)
#define LL_RULE_PATH_BENEATH		1
#define LL_RULE_NET_PORT		2
#define LL_FS_EXECUTE			(1ull << 0)
#define LL_FS_WRITE_FILE		(1ull << 1)
#define LL_FS_READ_FILE			(1ull << 2)
#define LL_FS_READ_DIR			(1ull << 3)
#define LL_FS_REMOVE_FILE		(1ull << 5)
#define LL_FS_MAKE_REG			(1ull << 8)
#define LL_FS_TRUNCATE			(1ull << 14)	/* ABI 3 */
#define LL_FS_IOCTL_DEV			(1ull << 15)	/* ABI 5 */
#define LL_NET_BIND_TCP			(1ull << 0)	/* ABI 4 */
#define LL_NET_CONNECT_TCP		(1ull << 1)
#define LL_SCOPE_SIGNAL			(1ull << 1)	/* ABI 6 */
/* Rights a rule on a file (not a directory) may carry. */
#define LL_FS_FILE_RIGHTS	(LL_FS_EXECUTE | LL_FS_WRITE_FILE | \
				 LL_FS_READ_FILE | LL_FS_TRUNCATE | \
				 LL_FS_IOCTL_DEV)

struct ll_ruleset_attr {
	uint64_t	handled_access_fs;
	uint64_t	handled_access_net;	/* ABI 4 */
	uint64_t	scoped;			/* ABI 6 */
};

struct ll_path_beneath_attr {
	uint64_t	allowed_access;
	int32_t		parent_fd;
} __attribute__((packed));

struct ll_net_port_attr {
	uint64_t	allowed_access;
	uint64_t	port;
};

void
sandbox_policy_init(struct sandbox_policy *p)
{
	memset(p, 0, sizeof(*p));
}

int
sandbox_allow_read(struct sandbox_policy *p, const char *path)
{
	if (p->n_read == SANDBOX_MAX_PATHS)
		return (-1);
	p->read[p->n_read++] = path;
	return (0);
}

int
sandbox_allow_reread(struct sandbox_policy *p, const char *path)
{
	if (p->n_reread == sizeof(p->reread) / sizeof(p->reread[0]))
		return (-1);
	p->reread[p->n_reread++] = path;
	return (0);
}

/* Every file-system right the kernel's ABI knows. */
int
sandbox_allow_remove(struct sandbox_policy *p, const char *path)
{
	if (p->n_remove_files == sizeof(p->remove_files) /
	    sizeof(p->remove_files[0]))
		return (-1);
	p->remove_files[p->n_remove_files++] = path;
	return (0);
}

static uint64_t
fs_rights(int abi)
{
	uint64_t r = (1ull << 13) - 1;		/* ABI 1: bits 0..12 */

	if (abi >= 2)
		r |= 1ull << 13;		/* REFER */
	if (abi >= 3)
		r |= LL_FS_TRUNCATE;
	if (abi >= 5)
		r |= LL_FS_IOCTL_DEV;
	return (r);
}

/*
 * Grant rights beneath path (a directory) or on it (a file: only the
 * file rights).  A path that does not exist is skipped: 0.
 */
static int
ll_allow_path(int ruleset, const char *path, uint64_t rights,
    uint64_t handled, char *err, size_t errlen)
{
	struct ll_path_beneath_attr pb;
	struct stat sb;
	int fd;

	if ((fd = open(path, O_PATH | O_CLOEXEC)) < 0)
		return (0);
	if (fstat(fd, &sb) == 0 && !S_ISDIR(sb.st_mode))
		rights &= LL_FS_FILE_RIGHTS;
	memset(&pb, 0, sizeof(pb));
	pb.allowed_access = rights & handled;
	pb.parent_fd = fd;
	if (pb.allowed_access != 0 && syscall(SYS_landlock_add_rule, ruleset,
	    LL_RULE_PATH_BENEATH, &pb, 0) != 0) {
		snprintf(err, errlen, "sandbox: Landlock rule for %s: %s", path,
		    strerror(errno));
		close(fd);
		return (-1);
	}
	close(fd);
	return (0);
}

/* What the sanitizer runtime reads: /proc, the binary, the libraries. */
static int
ll_allow_sanitizer(int ruleset, uint64_t handled, char *err, size_t errlen)
{
	static const char *const paths[] = { "/proc", "/usr", "/lib",
	    "/lib64", "/etc/ld.so.cache" };
	char exe[4096];
	char *slash;
	ssize_t n;
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (ll_allow_path(ruleset, paths[i], LL_FS_READ_FILE |
		    LL_FS_READ_DIR, handled, err, errlen) != 0)
			return (-1);
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		return (0);
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) != NULL && slash != exe)
		*slash = '\0';
	return (ll_allow_path(ruleset, exe, LL_FS_READ_FILE | LL_FS_READ_DIR,
	    handled, err, errlen));
}

/*
 * A Landlock rule holds an inode, not a name: a file replaced by a
 * rename (an editor, a deployment tool) would be out of reach at the
 * next SIGHUP.  So a file read again gets its directory.
 */
/* rights beneath the directory that holds the file path */
static int
ll_allow_parent(int ruleset, const char *path, uint64_t rights,
    uint64_t handled, char *err, size_t errlen)
{
	char dir[4096];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	return (ll_allow_path(ruleset, dir, rights, handled, err, errlen));
}

static int
ll_allow_reread(int ruleset, const char *path, uint64_t handled, char *err,
    size_t errlen)
{
	struct stat sb;

	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		return (ll_allow_path(ruleset, path, LL_FS_READ_FILE |
		    LL_FS_READ_DIR, handled, err, errlen));
	return (ll_allow_parent(ruleset, path, LL_FS_READ_FILE |
	    LL_FS_READ_DIR, handled, err, errlen));
}

static int
ll_rules(int ruleset, const struct sandbox_policy *p, uint64_t handled,
    char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < p->n_reread; i++)
		if (ll_allow_reread(ruleset, p->reread[i], handled, err,
		    errlen) != 0)
			return (-1);
	for (i = 0; i < p->n_read; i++)
		if (ll_allow_path(ruleset, p->read[i], LL_FS_READ_FILE |
		    LL_FS_READ_DIR, handled, err, errlen) != 0)
			return (-1);
	for (i = 0; i < p->n_write_dirs; i++)
		if (ll_allow_path(ruleset, p->write_dirs[i], LL_FS_WRITE_FILE |
		    LL_FS_MAKE_REG | LL_FS_TRUNCATE, handled, err, errlen) != 0)
			return (-1);
	for (i = 0; i < p->n_write_files; i++)
		if (ll_allow_path(ruleset, p->write_files[i],
		    LL_FS_WRITE_FILE | LL_FS_TRUNCATE, handled, err,
		    errlen) != 0)
			return (-1);
	if (p->remove_dir != NULL && ll_allow_path(ruleset, p->remove_dir,
	    LL_FS_REMOVE_FILE, handled, err, errlen) != 0)
		return (-1);
	for (i = 0; i < p->n_remove_files; i++)
		if (ll_allow_parent(ruleset, p->remove_files[i],
		    LL_FS_REMOVE_FILE, handled, err, errlen) != 0)
			return (-1);
	if (SANITIZER_BUILD && ll_allow_sanitizer(ruleset, handled, err,
	    errlen) != 0)
		return (-1);
	return (0);
}

/* 0 and *abi = 0 when the kernel has no Landlock. */
static int
apply_landlock(const struct sandbox_policy *p, int *abi, char *err,
    size_t errlen)
{
	struct ll_ruleset_attr attr;
	struct ll_net_port_attr port;
	long v;
	int ruleset;

	*abi = 0;
	v = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LL_CREATE_RULESET_VERSION);
	if (v <= 0)
		return (0);		/* ENOSYS, EOPNOTSUPP: not here */
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = fs_rights((int)v);
	if (v >= 4)
		attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
	if (v >= 6)
		attr.scoped = LL_SCOPE_SIGNAL;
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr,
	    v >= 6 ? sizeof(attr) : v >= 4 ? 2 * sizeof(uint64_t) :
	    sizeof(uint64_t), 0);
	if (ruleset < 0) {
		snprintf(err, errlen, "sandbox: Landlock ruleset (ABI %ld): %s",
		    v, strerror(errno));
		return (-1);
	}
	if (ll_rules(ruleset, p, attr.handled_access_fs, err, errlen) != 0)
		goto fail;
	if (v >= 4 && p->tcp_port != 0) {
		port.allowed_access = LL_NET_CONNECT_TCP;
		port.port = p->tcp_port;
		if (syscall(SYS_landlock_add_rule, ruleset, LL_RULE_NET_PORT,
		    &port, 0) != 0) {
			snprintf(err, errlen, "sandbox: Landlock TCP port %u: "
			    "%s", p->tcp_port, strerror(errno));
			goto fail;
		}
	}
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) {
		snprintf(err, errlen, "sandbox: Landlock: %s", strerror(errno));
		goto fail;
	}
	close(ruleset);
	*abi = (int)v;
	return (0);
fail:
	close(ruleset);
	return (-1);
}

/* --- seccomp ------------------------------------------------------------ */

#if defined(__x86_64__)
#define SECCOMP_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SECCOMP_ARCH	AUDIT_ARCH_AARCH64
#endif

#ifdef SECCOMP_ARCH

#define MAX_INSNS	512
#define RET_ERRNO(e)	(SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))
#define ARG0_LO		((uint32_t)offsetof(struct seccomp_data, args[0]))

struct bpf_prog {
	struct sock_filter	insn[MAX_INSNS];
	unsigned		n;
	bool			overflow;
};

static void
emit(struct bpf_prog *b, struct sock_filter f)
{
	if (b->n == MAX_INSNS) {
		b->overflow = true;
		return;
	}
	b->insn[b->n++] = f;
}

static void
stmt(struct bpf_prog *b, uint16_t code, uint32_t k)
{
	emit(b, (struct sock_filter)BPF_STMT(code, k));
}

static void
jump(struct bpf_prog *b, uint16_t code, uint32_t k, uint8_t jt, uint8_t jf)
{
	emit(b, (struct sock_filter)BPF_JUMP(code, k, jt, jf));
}

/* if (nr == which) return action; (A holds nr before and after) */
static void
on_nr(struct bpf_prog *b, long which, uint32_t action)
{
	jump(b, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)which, 0, 1);
	stmt(b, BPF_RET | BPF_K, action);
}

/* Calls an intruder would want and espvis never makes once started. */
static const long killed[] = {
	SYS_execve, SYS_execveat, SYS_ptrace, SYS_process_vm_readv,
	SYS_process_vm_writev, SYS_mount, SYS_umount2, SYS_pivot_root,
	SYS_chroot, SYS_init_module, SYS_finit_module, SYS_delete_module,
	SYS_kexec_load, SYS_setns, SYS_unshare, SYS_bpf, SYS_perf_event_open,
	SYS_userfaultfd, SYS_keyctl, SYS_add_key, SYS_request_key,
	SYS_open_by_handle_at, SYS_setuid, SYS_setgid, SYS_setreuid,
	SYS_setregid, SYS_setresuid, SYS_setresgid, SYS_setgroups,
	SYS_capset, SYS_personality, SYS_reboot, SYS_swapon, SYS_swapoff,
	SYS_settimeofday, SYS_clock_settime, SYS_adjtimex, SYS_acct,
#ifdef SYS_fork
	SYS_fork, SYS_vfork,
#endif
#ifdef SYS_kexec_file_load
	SYS_kexec_file_load,
#endif
};

/* What a running espvis calls, in every mode (docs/security.md). */
static const long allowed[] = {
	/* files and descriptors (which files: Landlock's business) */
	SYS_read, SYS_write, SYS_readv, SYS_writev, SYS_pread64,
	SYS_pwrite64, SYS_lseek, SYS_close, SYS_fstat, SYS_newfstatat,
	SYS_openat, SYS_getdents64, SYS_fcntl, SYS_ioctl, SYS_dup, SYS_dup3,
	SYS_unlinkat, SYS_readlinkat, SYS_faccessat, SYS_fsync,
	SYS_fdatasync, SYS_ftruncate, SYS_fstatfs, SYS_statfs, SYS_getcwd,
#ifdef SYS_statx
	SYS_statx,
#endif
#ifdef SYS_faccessat2
	SYS_faccessat2,
#endif
#ifdef SYS_open
	SYS_open, SYS_stat, SYS_lstat, SYS_unlink, SYS_readlink,
	SYS_access, SYS_dup2, SYS_poll, SYS_select, SYS_getdents,
#endif
	/* memory, threads, time */
	SYS_mmap, SYS_munmap, SYS_mremap, SYS_mprotect, SYS_brk,
	SYS_madvise, SYS_mincore, SYS_futex, SYS_set_robust_list,
	SYS_get_robust_list, SYS_sched_yield, SYS_sched_getaffinity,
	SYS_getrandom, SYS_clock_gettime, SYS_clock_getres,
	SYS_clock_nanosleep, SYS_nanosleep, SYS_gettimeofday,
	SYS_set_tid_address, SYS_prctl, SYS_prlimit64, SYS_getrlimit,
#ifdef SYS_rseq
	SYS_rseq,
#endif
#ifdef SYS_time
	SYS_time,
#endif
	/* process and signals: itself only (Landlock scopes the rest) */
	SYS_getpid, SYS_gettid, SYS_getppid, SYS_getuid, SYS_geteuid,
	SYS_getgid, SYS_getegid, SYS_getresuid, SYS_getresgid, SYS_uname,
	SYS_rt_sigaction, SYS_rt_sigprocmask, SYS_rt_sigreturn,
	SYS_sigaltstack, SYS_tgkill, SYS_restart_syscall, SYS_exit,
	SYS_exit_group,
	/* waiting and sockets already open (capture, NFQUEUE, outputs) */
	SYS_ppoll, SYS_pselect6, SYS_connect, SYS_sendto, SYS_sendmsg,
	SYS_sendmmsg, SYS_recvfrom, SYS_recvmsg, SYS_recvmmsg,
	SYS_getsockopt, SYS_setsockopt, SYS_getsockname, SYS_getpeername,
	SYS_shutdown,
};

/* The IKE endpoint (sandbox_policy.endpoint): MHD's epoll loop, the
 * API's and the control socket's connections. */
static const long endpoint_only[] = {
	SYS_epoll_create1, SYS_epoll_ctl, SYS_epoll_pwait, SYS_accept4,
	SYS_accept,
#ifdef SYS_epoll_wait
	SYS_epoll_wait,
#endif
#ifdef SYS_epoll_pwait2
	SYS_epoll_pwait2,
#endif
};

/* Only the sanitizer runtime: LeakSanitizer's stop-the-world. */
static const long sanitizer_only[] = {
	SYS_ptrace, SYS_wait4, SYS_waitid, SYS_kill, SYS_sysinfo,
	SYS_sched_setaffinity, SYS_pipe2, SYS_execve, SYS_clone,
};

static void
build_filter(struct bpf_prog *b, const struct sandbox_policy *p)
{
	uint32_t deny = RET_ERRNO(EPERM);
	uint32_t kill = SANITIZER_BUILD ? deny : SECCOMP_RET_KILL_PROCESS;
	size_t i;

	stmt(b, BPF_LD | BPF_W | BPF_ABS,
	    (uint32_t)offsetof(struct seccomp_data, arch));
	jump(b, BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_ARCH, 1, 0);
	stmt(b, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	stmt(b, BPF_LD | BPF_W | BPF_ABS,
	    (uint32_t)offsetof(struct seccomp_data, nr));
#ifdef __x86_64__
	jump(b, BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1);	/* x32 */
	stmt(b, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
#endif
	if (SANITIZER_BUILD)
		for (i = 0; i < sizeof(sanitizer_only) /
		    sizeof(sanitizer_only[0]); i++)
			on_nr(b, sanitizer_only[i], sanitizer_only[i] ==
			    SYS_execve ? deny : SECCOMP_RET_ALLOW);
	for (i = 0; i < sizeof(killed) / sizeof(killed[0]); i++)
		on_nr(b, killed[i], kill);
	on_nr(b, SYS_clone3, RET_ERRNO(ENOSYS));
	/* clone(): threads only (flags are argument 0 on both arches) */
	jump(b, BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 4);
	stmt(b, BPF_LD | BPF_W | BPF_ABS, ARG0_LO);
	jump(b, BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 0, 1);
	stmt(b, BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	stmt(b, BPF_RET | BPF_K, deny);
	/* socket(): the EVE outputs' families, when they reconnect; the
	 * endpoint's raw ESP sockets (those too) and route messages */
	jump(b, BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 0, 8);
	stmt(b, BPF_LD | BPF_W | BPF_ABS, ARG0_LO);
	jump(b, BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 5, 0);
	jump(b, BPF_JMP | BPF_JEQ | BPF_K, AF_INET, 4, 0);
	jump(b, BPF_JMP | BPF_JEQ | BPF_K, AF_INET6, 3, 0);
	jump(b, BPF_JMP | BPF_JEQ | BPF_K, AF_NETLINK, 1, 0);
	stmt(b, BPF_RET | BPF_K, RET_ERRNO(EACCES));
	stmt(b, BPF_RET | BPF_K, p->endpoint ? SECCOMP_RET_ALLOW :
	    RET_ERRNO(EACCES));
	stmt(b, BPF_RET | BPF_K, p->sockets ? SECCOMP_RET_ALLOW :
	    RET_ERRNO(EACCES));
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		on_nr(b, allowed[i], SECCOMP_RET_ALLOW);
	if (p->endpoint)
		for (i = 0; i < sizeof(endpoint_only) /
		    sizeof(endpoint_only[0]); i++)
			on_nr(b, endpoint_only[i], SECCOMP_RET_ALLOW);
	stmt(b, BPF_RET | BPF_K, deny);
}

static int
apply_seccomp(const struct sandbox_policy *p, bool *on, char *err,
    size_t errlen)
{
	static struct bpf_prog b;
	struct sock_fprog prog;

	memset(&b, 0, sizeof(b));
	build_filter(&b, p);
	if (b.overflow) {
		snprintf(err, errlen, "sandbox: seccomp program too long");
		return (-1);
	}
	prog.len = (unsigned short)b.n;
	prog.filter = b.insn;
	/* Every thread, should a library have started one already. */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
	    SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0) {
		snprintf(err, errlen, "sandbox: seccomp: %s", strerror(errno));
		return (-1);
	}
	*on = true;
	return (0);
}

#else /* no SECCOMP_ARCH: Landlock only */

static int
apply_seccomp(const struct sandbox_policy *p, bool *on, char *err,
    size_t errlen)
{
	(void)p;
	(void)err;
	(void)errlen;
	*on = false;
	return (0);
}

#endif

int
sandbox_apply(const struct sandbox_policy *p, struct sandbox_status *st,
    char *err, size_t errlen)
{
	memset(st, 0, sizeof(*st));
	/* Needed by both without CAP_SYS_ADMIN, and right anyway: no
	   set-uid binary can give back what is taken here. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(err, errlen, "sandbox: no_new_privs: %s",
		    strerror(errno));
		return (-1);
	}
	if (apply_landlock(p, &st->landlock_abi, err, errlen) != 0)
		return (-1);
	return (apply_seccomp(p, &st->seccomp, err, errlen));
}
