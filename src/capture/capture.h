/*
 * capture.h - the libpcap adapter: read pcap and pcapng files, or
 * capture live from network interfaces.
 *
 * Ownership: capture_open_file() returns a handle the caller closes with
 * capture_close() (NULL-safe).  Packet bytes filled in by capture_next()
 * belong to the reader (libpcap, pcapfile.c or pcapng.c) and stay valid
 * until the next capture_next().
 */
#ifndef ESPVIS_CAPTURE_H
#define ESPVIS_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/packet.h"
#include "../util/stats.h"

struct capture;

/* NULL on failure, with a one-line reason in err. */
struct capture	*capture_open_file(const char *path, char *err, size_t errlen);
void		 capture_close(struct capture *);

/*
 * Fill p->frame, caplen, wirelen, ts_sec, ts_usec, linktype.
 * Returns 1 for a packet, 0 at the clean end of the file, -1 when the file
 * is truncated or corrupt (reason in err).
 */
int		 capture_next(struct capture *, struct packet *p, char *err,
		    size_t errlen);

/*
 * Bytes of the file consumed so far (the progress line: call it now and
 * then, it may cost a system call); 0 when the input cannot tell (a FIFO,
 * standard input).
 */
uint64_t	 capture_position(struct capture *);

/*
 * Live capture (live.c): one libpcap handle per interface, polled
 * together.  live_open() returns a set the caller closes with
 * live_close() (NULL-safe); the frame handed to a live_frame_fn points
 * into the kernel's ring and is valid only during that call.
 */
#define LIVE_SNAPLEN_DEFAULT	262144	/* libpcap's own maximum */
#define LIVE_SNAPLEN_MIN	128	/* outer headers up to the ESP trailer
					   of a small packet */
#define LIVE_BUFFER_MB_DEFAULT	32	/* ring per interface */
#define LIVE_BUFFER_MB_MAX	2047	/* libpcap takes an int of bytes */
#define LIVE_BLOCK_TIMEOUT_MS	50	/* longest a frame waits in a ring
					   block before we can see it */

struct live_config {
	uint32_t	 snaplen;	/* bytes kept of each frame */
	uint32_t	 buffer_mb;	/* ring size per interface, MiB */
	bool		 promisc;
	const char	*filter;	/* BPF expression; NULL: every frame */
};

void		 live_config_defaults(struct live_config *);

enum live_error {
	LIVE_ERR_INTERFACE,	/* missing, no permission, went away */
	LIVE_ERR_FILTER,	/* the BPF expression does not compile */
	LIVE_ERR_USAGE,		/* too many interfaces, one given twice */
};

struct live;

/* Called once per frame, in arrival order per interface. */
typedef void	 live_frame_fn(void *arg, const struct packet *frame);

/* NULL on failure, with a one-line reason in err and its kind in why. */
struct live	*live_open(const char *const *ifaces, size_t n_ifaces,
		    const struct live_config *, enum live_error *why,
		    char *err, size_t errlen);
void		 live_close(struct live *);

/*
 * Hand the frames waiting on every interface to fn, at most batch per
 * interface; when none are waiting, sleep up to timeout_ms for some.
 * Returns the number of frames handed over (0 on timeout or when a
 * signal interrupted the wait), or -1 when an interface failed (it
 * disappeared): reason in err.
 */
int		 live_poll(struct live *, int timeout_ms, int batch,
		    live_frame_fn *fn, void *arg, char *err, size_t errlen);

/*
 * Read the kernel's counters (a few syscalls: call it every second or
 * so, not per frame).  Returns 0, or -1 when an interface's could not be
 * read (its previous values are kept).
 */
int		 live_stats(struct live *, struct capture_stats *);

#endif /* ESPVIS_CAPTURE_H */
