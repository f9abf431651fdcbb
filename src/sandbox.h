/*
 * sandbox.h - what espvis may still do once its inputs and outputs are
 * open (docs/security.md): a seccomp allow-list of system calls, and a
 * Landlock domain over the file system and TCP ports, both inherited by
 * every thread created afterwards.
 *
 * The caller says what each mode still needs after the start: files and
 * directories read later (-r files are opened one after the other; rule
 * files are read again on SIGHUP), directories written to (-l: a log
 * directory whose files a rotation may recreate), the pidfile's
 * directory (removed at exit), and whether sockets are made again (an
 * EVE socket output reconnects; Redis over TCP to one port).
 *
 * sandbox_apply() is all or nothing for each layer it finds in the
 * kernel: Landlock when the kernel has it (ABI 1 and up: files; 4: TCP;
 * 6: signals), seccomp always on x86_64 and aarch64.  What it applied is
 * written into the status.  Errors come back in err; espvis.c prints.
 */
#ifndef ESPVIS_SANDBOX_H
#define ESPVIS_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SANDBOX_MAX_PATHS	300	/* -r files, rule paths, outputs */

struct sandbox_policy {
	const char	*read[SANDBOX_MAX_PATHS];   /* files or directories
						       read later */
	size_t		 n_read;
	const char	*reread[32];	/* read again, maybe replaced by a
					   rename (rules): a file's whole
					   directory is granted */
	size_t		 n_reread;
	const char	*write_dirs[4];	/* files created or rewritten in */
	size_t		 n_write_dirs;
	const char	*write_files[4]; /* existing files reopened to write */
	size_t		 n_write_files;
	const char	*remove_dir;	/* a file in it unlinked at exit */
	const char	*remove_files[4]; /* unlinked at exit (unix sockets):
					   their directory gets the right */
	size_t		 n_remove_files;
	bool		 sockets;	/* socket() + connect() again (AF_UNIX,
					   AF_INET, AF_INET6 only) */
	uint16_t	 tcp_port;	/* the one TCP port connected to; 0:
					   no TCP */
	/* The IKE endpoint runs in the process (ike/ike_run.h): epoll (the
	 * management API's MHD), accept4 (its listeners and the control
	 * socket), and netlink route sockets (a route for each Child SA's
	 * selectors, esp/esp_tun.c). */
	bool		 endpoint;
};

void	sandbox_policy_init(struct sandbox_policy *);
/* Add a path to read, or to read again; -1 when the table is full. */
int	sandbox_allow_read(struct sandbox_policy *, const char *path);
int	sandbox_allow_reread(struct sandbox_policy *, const char *path);
int	sandbox_allow_remove(struct sandbox_policy *, const char *path);

struct sandbox_status {
	int	landlock_abi;	/* applied at this ABI; 0: no Landlock */
	bool	seccomp;	/* the allow-list is loaded */
};

/*
 * Restrict the calling process for good (no_new_privs, then Landlock,
 * then seccomp, on every thread: call it before creating threads).  A
 * path of the policy that does not exist is skipped (a rule directory
 * that appears later cannot be read).  Returns 0, or -1 with the reason
 * in err: the caller must then stop, the process may be half-restricted.
 */
int	sandbox_apply(const struct sandbox_policy *, struct sandbox_status *,
	    char *err, size_t errlen);

#endif /* ESPVIS_SANDBOX_H */
