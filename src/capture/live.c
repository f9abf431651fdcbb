/*
 * live.c - capture from network interfaces through libpcap: one handle
 * per -i interface, each an AF_PACKET ring the kernel fills and we read
 * in place, polled together so that no interface waits on another.
 *
 * Ring: TPACKET_V3, whose variable-size frames packed in blocks hold
 * several times more small packets than TPACKET_V2's fixed slots for the
 * same memory, which is what decides when a burst starts to be dropped.
 * libpcap gives TPACKET_V3 only without immediate mode (pcap-linux.c,
 * prepare_tpacket_socket(): V3 holds frames until a block is full or its
 * timeout passes), so immediate mode is off and the block timeout is
 * short instead: a frame waits at most LIVE_BLOCK_TIMEOUT_MS before we
 * see it, well inside the second in which events must reach a consumer.
 *
 * Reading: the handles are non-blocking.  live_poll() first takes what
 * is waiting on each (libpcap walks the mapped blocks: no syscall while
 * frames are there), at most a batch per interface so that a busy one
 * cannot starve the others or the caller's housekeeping, and sleeps in
 * poll(2) only when every ring is empty.  A signal ends that sleep
 * (poll is never restarted, SA_RESTART or not), so a stop request is
 * seen at once.
 *
 * Counters: pcap_stats(3) gives 32-bit values that wrap; they are
 * widened here by adding the difference since the last read, which is
 * exact as long as live_stats() runs more often than 2^32 frames.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"

struct live_if {
	pcap_t			*pcap;
	int			 linktype;
	struct pcap_stat	 last;		/* as pcap_stats() gave them */
	struct capture_if_stats	 counters;	/* widened; name, read */
};

struct live {
	struct live_if	 ifs[CAPTURE_MAX_IFACES];
	struct pollfd	 pfds[CAPTURE_MAX_IFACES];
	size_t		 n_ifs;
	uint64_t	 frames;	/* numbers frames across interfaces */

	/* The dispatch under way: what on_pcap_frame() hands frames to. */
	struct live_if	*cur;
	live_frame_fn	*fn;
	void		*arg;
	struct packet	 frame;		/* reused: only capture fields set */
};

void
live_config_defaults(struct live_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->snaplen = LIVE_SNAPLEN_DEFAULT;
	cfg->buffer_mb = LIVE_BUFFER_MB_DEFAULT;
	cfg->promisc = true;
}

/* What pcap_activate() said, for someone who has to fix it. */
static const char *
activate_reason(int rc, pcap_t *p)
{
	switch (rc) {
	case PCAP_ERROR_NO_SUCH_DEVICE:
		return ("no such interface");
	case PCAP_ERROR_PERM_DENIED:
		return ("permission denied (capturing needs root or "
		    "CAP_NET_RAW)");
	case PCAP_ERROR_IFACE_NOT_UP:
		return ("the interface is not up");
	case PCAP_ERROR:
		return (pcap_geterr(p));
	default:
		break;
	}
	return (pcap_statustostr(rc));
}

/*
 * The options every handle gets before pcap_activate(); libpcap only
 * fails these on an already active handle, which ours never is.
 */
static void
set_options(pcap_t *p, const struct live_config *cfg)
{
	pcap_set_snaplen(p, (int)cfg->snaplen);
	pcap_set_promisc(p, cfg->promisc ? 1 : 0);
	pcap_set_timeout(p, LIVE_BLOCK_TIMEOUT_MS);
	pcap_set_immediate_mode(p, 0);
	pcap_set_buffer_size(p, (int)(cfg->buffer_mb * 1024u * 1024u));
	pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_MICRO);
}

/* Compiled per interface: the code depends on the link type. */
static int
set_filter(pcap_t *p, const char *name, const char *filter,
    enum live_error *why, char *err, size_t errlen)
{
	struct bpf_program prog;
	int rc;

	if (filter == NULL)
		return (0);
	if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		*why = LIVE_ERR_FILTER;
		snprintf(err, errlen, "-f '%s' on %s: %s", filter, name,
		    pcap_geterr(p));
		return (-1);
	}
	rc = pcap_setfilter(p, &prog);
	pcap_freecode(&prog);
	if (rc != 0) {
		*why = LIVE_ERR_INTERFACE;
		snprintf(err, errlen, "-i %s: cannot set the filter: %s", name,
		    pcap_geterr(p));
		return (-1);
	}
	return (0);
}

static int
open_one(struct live *l, const char *name, const struct live_config *cfg,
    enum live_error *why, char *err, size_t errlen)
{
	char pcap_err[PCAP_ERRBUF_SIZE];
	struct live_if *li = &l->ifs[l->n_ifs];
	pcap_t *p;
	int rc, fd;

	*why = LIVE_ERR_INTERFACE;
	pcap_err[0] = '\0';
	if ((p = pcap_create(name, pcap_err)) == NULL) {
		snprintf(err, errlen, "-i %s: %s", name, pcap_err);
		return (-1);
	}
	li->pcap = p;
	set_options(p, cfg);
	/* A warning (rc > 0: promiscuous mode unsupported, ...) still
	 * captures; only errors stop us. */
	if ((rc = pcap_activate(p)) < 0) {
		snprintf(err, errlen, "-i %s: %s", name,
		    activate_reason(rc, p));
		return (-1);
	}
	if (set_filter(p, name, cfg->filter, why, err, errlen) != 0)
		return (-1);
	if (pcap_setnonblock(p, 1, pcap_err) != 0) {
		snprintf(err, errlen, "-i %s: %s", name, pcap_err);
		return (-1);
	}
	if ((fd = pcap_get_selectable_fd(p)) < 0) {
		snprintf(err, errlen, "-i %s: this device cannot be polled",
		    name);
		return (-1);
	}
	li->linktype = pcap_datalink(p);
	snprintf(li->counters.name, sizeof(li->counters.name), "%s", name);
	l->pfds[l->n_ifs].fd = fd;
	l->pfds[l->n_ifs].events = POLLIN;
	l->n_ifs++;
	return (0);
}

/* Too many, too long or repeated names: one frame would count twice. */
static int
check_names(const char *const *ifaces, size_t n, enum live_error *why,
    char *err, size_t errlen)
{
	size_t i, j;

	*why = LIVE_ERR_USAGE;
	if (n == 0 || n > CAPTURE_MAX_IFACES) {
		snprintf(err, errlen, "-i: give 1 to %d interfaces",
		    CAPTURE_MAX_IFACES);
		return (-1);
	}
	for (i = 0; i < n; i++) {
		if (strlen(ifaces[i]) >= CAPTURE_IFNAME_MAX) {
			snprintf(err, errlen, "-i %s: name too long",
			    ifaces[i]);
			return (-1);
		}
		for (j = 0; j < i; j++)
			if (strcmp(ifaces[i], ifaces[j]) == 0) {
				snprintf(err, errlen, "-i %s: given twice",
				    ifaces[i]);
				return (-1);
			}
	}
	return (0);
}

struct live *
live_open(const char *const *ifaces, size_t n_ifaces,
    const struct live_config *cfg, enum live_error *why, char *err,
    size_t errlen)
{
	struct live *l;
	size_t i;

	if (check_names(ifaces, n_ifaces, why, err, errlen) != 0)
		return (NULL);
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		*why = LIVE_ERR_INTERFACE;
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	for (i = 0; i < n_ifaces; i++) {
		if (open_one(l, ifaces[i], cfg, why, err, errlen) != 0) {
			/* open_one() leaves its failed handle in the slot. */
			if (l->ifs[l->n_ifs].pcap != NULL)
				pcap_close(l->ifs[l->n_ifs].pcap);
			live_close(l);
			return (NULL);
		}
	}
	return (l);
}

void
live_close(struct live *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n_ifs; i++)
		pcap_close(l->ifs[i].pcap);
	free(l);
}

static void
on_pcap_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct live	*l = (struct live *)(void *)user;
	struct packet	*f = &l->frame;

	f->num = ++l->frames;
	f->ts_sec = h->ts.tv_sec;
	f->ts_usec = (uint32_t)h->ts.tv_usec;
	f->linktype = l->cur->linktype;
	f->frame = bytes;
	f->caplen = h->caplen;
	f->wirelen = h->len < h->caplen ? h->caplen : h->len;
	l->cur->counters.read++;
	l->fn(l->arg, f);
}

/* One round over the interfaces: frames handed over, or -1. */
static int
dispatch_all(struct live *l, int batch, char *err, size_t errlen)
{
	size_t i;
	int n, total = 0;

	for (i = 0; i < l->n_ifs; i++) {
		l->cur = &l->ifs[i];
		n = pcap_dispatch(l->cur->pcap, batch, on_pcap_frame,
		    (u_char *)(void *)l);
		if (n == PCAP_ERROR) {
			snprintf(err, errlen, "-i %s: %s",
			    l->cur->counters.name, pcap_geterr(l->cur->pcap));
			return (-1);
		}
		if (n > 0)
			total += n;
	}
	return (total);
}

/*
 * libpcap may need to be called again within a bound while it watches
 * for an interface that went down coming back (pcap-linux.c).
 */
static int
wait_timeout(const struct live *l, int timeout_ms)
{
	const struct timeval *tv;
	long ms;
	size_t i;

	for (i = 0; i < l->n_ifs; i++) {
		if ((tv = pcap_get_required_select_timeout(l->ifs[i].pcap)) ==
		    NULL)
			continue;
		ms = (long)tv->tv_sec * 1000 + (tv->tv_usec + 999) / 1000;
		if (ms < timeout_ms)
			timeout_ms = (int)ms;
	}
	return (timeout_ms);
}

int
live_poll(struct live *l, int timeout_ms, int batch, live_frame_fn *fn,
    void *arg, char *err, size_t errlen)
{
	int n;

	l->fn = fn;
	l->arg = arg;
	if ((n = dispatch_all(l, batch, err, errlen)) != 0 || timeout_ms == 0)
		return (n);
	if (poll(l->pfds, l->n_ifs, wait_timeout(l, timeout_ms)) < 0) {
		if (errno == EINTR)
			return (0);
		snprintf(err, errlen, "poll: %s", strerror(errno));
		return (-1);
	}
	/* Readable, an error to collect, or a timeout: libpcap tells. */
	return (dispatch_all(l, batch, err, errlen));
}

/* now - then for a counter that wraps at 2^32 (u_int in pcap_stat). */
static uint64_t
delta32(u_int now, u_int then)
{
	return ((uint32_t)(now - then));
}

int
live_stats(struct live *l, struct capture_stats *out)
{
	struct pcap_stat ps;
	struct live_if *li;
	size_t i;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < l->n_ifs; i++) {
		li = &l->ifs[i];
		if (pcap_stats(li->pcap, &ps) != 0)
			rc = -1;
		else {
			li->counters.received += delta32(ps.ps_recv,
			    li->last.ps_recv);
			li->counters.kernel_drops += delta32(ps.ps_drop,
			    li->last.ps_drop);
			li->counters.if_drops += delta32(ps.ps_ifdrop,
			    li->last.ps_ifdrop);
			li->last = ps;
		}
		out->iface[i] = li->counters;
		out->kernel_drops += li->counters.kernel_drops;
		out->if_drops += li->counters.if_drops;
	}
	out->n_ifaces = (uint32_t)l->n_ifs;
	return (rc);
}
