/*
 * nfq.c - inline mode on a netfilter NFQUEUE queue, through
 * libnetfilter_queue (the only file that includes its headers).
 *
 * The kernel queues each packet an iptables NFQUEUE rule sends us and
 * waits for our verdict; we ask for the whole packet (NFQNL_COPY_PACKET)
 * and hand it to the pipeline as a raw IP frame (DLT_RAW: NFQUEUE gives
 * the network header first, no link layer).  The pipeline answers per
 * packet through nfqueue_on_verdict().
 *
 * Verdicts are batched: a run of accepts is sent as one
 * NFQNL_MSG_VERDICT_BATCH message (nfq_set_verdict_batch()), which the
 * kernel applies to every packet still queued with an id up to the
 * given one.  That is only right while no packet with a smaller id is
 * waiting for a different verdict, so a batch grows only while nothing
 * is held, and it is sent before any single verdict (a drop, or any
 * verdict while packets are held: those go one message each), when it
 * is NFQUEUE_BATCH long, and before we wait for the next packet, so that
 * no packet ever waits for a verdict while we sleep.
 *
 * Hold (--nfq-undecided hold): the verdict of a packet of an undecided
 * SA is delayed, up to hold_per_sa packets per SA and half the kernel
 * queue over all SAs (the other half keeps taking new packets), until a
 * later packet decides the SA: then each held packet gets the verdict of
 * its inner flow when the pipeline released it to the flow stage, else
 * that of its SA.  A packet held hold_timeout_ms, one there is no room
 * to hold, and every held packet at exit get hold_expire.  The held
 * packets sit in a ring in arrival order (so the oldest is the next to
 * time out, and an SA's packets are released in their order); a release
 * leaves a tombstone that is skipped, and the ring is compacted when
 * tombstones fill it.  Lookups scan at most the ring: it is small (half
 * the queue) and only packets of undecided SAs look.
 *
 * Buffers: one netlink datagram at a time, NFQUEUE_COPY_MAX bytes of
 * packet plus the netlink and nfqueue headers.  The kernel sends one
 * packet per datagram (nfnetlink_queue unicasts each on its own); the
 * socket's receive buffer is sized for a queue full of MTU-sized packets
 * so that a burst waits in it instead of being lost (ENOBUFS, counted).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <libnetfilter_queue/libnetfilter_queue.h>
#include <libnfnetlink/libnfnetlink.h>
#include <pcap/dlt.h>

#include "nfq.h"

#define NFQUEUE_COPY_MAX	0xffff	/* the most NFQNL_COPY_PACKET gives */
#define NFQUEUE_HDR_ROOM	4096	/* netlink, nfgenmsg, attributes */
#define NFQUEUE_BATCH		32	/* accepts per batch verdict */
#define NFQUEUE_PENDING_MAX	16	/* packets one datagram may carry */
#define NFQUEUE_RCVBUF_PER_PKT	2048	/* an MTU-sized packet and headers */
#define NFQUEUE_RCVBUF_MAX	(64u << 20)

#define DEFAULT_MAXLEN		4096
#define DEFAULT_HOLD_PER_SA	8
#define DEFAULT_HOLD_TIMEOUT_MS	1000

/* A packet of the datagram in buf, not yet handed out. */
struct queued {
	uint32_t	 id;
	const uint8_t	*data;
	uint32_t	 len;
	int64_t		 ts_sec;
	uint32_t	 ts_usec;
};

/* A packet whose verdict waits for its SA to be decided. */
struct held {
	uint32_t	id;		/* the kernel's packet id */
	uint64_t	sa_id;
	uint64_t	num;		/* the frame number the pipeline uses */
	uint64_t	deadline_ms;	/* CLOCK_MONOTONIC */
	bool		live;		/* false: a tombstone */
};

struct nfqueue_counters {
	uint64_t	accepted;
	uint64_t	dropped;
	uint64_t	undecided;
	uint64_t	held;
	uint64_t	hold_expired;
	uint64_t	hold_full;
	uint64_t	overflows;
	uint64_t	verdict_msgs;
	uint64_t	verdict_errors;
};

struct nfqueue {
	struct nfqueue_config	 cfg;
	struct nfq_handle	*h;
	struct nfq_q_handle	*qh;
	int			 fd;
	char			*buf;
	size_t			 buflen;

	struct queued		 pend[NFQUEUE_PENDING_MAX];
	uint32_t		 n_pend;
	uint32_t		 next_pend;

	bool			 cur_open;	/* handed out, no verdict */
	uint32_t		 cur_id;

	bool			 batch_open;
	uint32_t		 batch_id;	/* the highest id in it */
	uint32_t		 batch_n;

	struct held		*ring;
	uint32_t		 ring_cap;
	uint32_t		 ring_head;	/* oldest slot in use */
	uint32_t		 ring_used;	/* slots in use, tombstones too */
	uint32_t		 n_held;	/* live entries */

	struct nfqueue_counters	 c;
};

void
nfqueue_config_defaults(struct nfqueue_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->maxlen = DEFAULT_MAXLEN;
	cfg->undecided = NFQUEUE_ACCEPT;
	cfg->hold_per_sa = DEFAULT_HOLD_PER_SA;
	cfg->hold_timeout_ms = DEFAULT_HOLD_TIMEOUT_MS;
	cfg->hold_expire = NFQUEUE_ACCEPT;
}

uint32_t
nfqueue_hold_total(const struct nfqueue_config *cfg)
{
	return (cfg->maxlen / 2);
}

const char *
nfqueue_policy_name(enum nfqueue_policy p)
{
	switch (p) {
	case NFQUEUE_ACCEPT:
		return ("accept");
	case NFQUEUE_DROP:
		return ("drop");
	case NFQUEUE_HOLD:
		return ("hold");
	}
	return ("?");
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* Kernel packet ids count up and wrap: a after b? */
static bool
id_after(uint32_t a, uint32_t b)
{
	return ((int32_t)(a - b) > 0);
}

static void
send_batch(struct nfqueue *q)
{
	if (!q->batch_open)
		return;
	q->c.verdict_msgs++;
	if (nfq_set_verdict_batch(q->qh, q->batch_id, NF_ACCEPT) < 0)
		q->c.verdict_errors++;
	q->batch_open = false;
	q->batch_n = 0;
}

/* The one way a verdict leaves: counted, batched when that is safe. */
static void
give_verdict(struct nfqueue *q, uint32_t id, bool accept)
{
	if (accept)
		q->c.accepted++;
	else
		q->c.dropped++;
	if (accept && q->n_held == 0) {
		if (!q->batch_open || id_after(id, q->batch_id))
			q->batch_id = id;
		q->batch_open = true;
		if (++q->batch_n >= NFQUEUE_BATCH)
			send_batch(q);
		return;
	}
	/* The batch first: verdicts then go out in the packets' order. */
	send_batch(q);
	q->c.verdict_msgs++;
	if (nfq_set_verdict(q->qh, id, accept ? NF_ACCEPT : NF_DROP, 0,
	    NULL) < 0)
		q->c.verdict_errors++;
}

static bool
policy_accepts(enum nfqueue_policy p)
{
	return (p != NFQUEUE_DROP);
}

/* The ring: slot k in arrival order. */
static struct held *
ring_at(struct nfqueue *q, uint32_t k)
{
	return (&q->ring[(q->ring_head + k) % q->ring_cap]);
}

/* Drop the tombstones at the head, so that the head is the oldest live. */
static void
ring_trim(struct nfqueue *q)
{
	while (q->ring_used > 0 && !q->ring[q->ring_head].live) {
		q->ring_head = (q->ring_head + 1) % q->ring_cap;
		q->ring_used--;
	}
}

/* Slide the live entries together, in order: room after tombstones. */
static void
ring_compact(struct nfqueue *q)
{
	uint32_t k, w = 0;

	for (k = 0; k < q->ring_used; k++) {
		if (!ring_at(q, k)->live)
			continue;
		if (w != k)
			*ring_at(q, w) = *ring_at(q, k);
		w++;
	}
	for (k = w; k < q->ring_used; k++)
		ring_at(q, k)->live = false;
	q->ring_used = w;
}

static void
release(struct nfqueue *q, struct held *e, bool accept)
{
	e->live = false;
	q->n_held--;
	give_verdict(q, e->id, accept);
}

static uint32_t
held_of_sa(struct nfqueue *q, uint64_t sa_id)
{
	uint32_t k, n = 0;

	for (k = 0; k < q->ring_used; k++)
		if (ring_at(q, k)->live && ring_at(q, k)->sa_id == sa_id)
			n++;
	return (n);
}

/* Hold the current packet; false when there is no room for it. */
static bool
hold(struct nfqueue *q, const struct pkt_verdict *v)
{
	struct held *e;

	if (q->ring_cap == 0 || q->n_held >= q->ring_cap ||
	    held_of_sa(q, v->sa_id) >= q->cfg.hold_per_sa)
		return (false);
	if (q->ring_used == q->ring_cap)
		ring_compact(q);
	e = ring_at(q, q->ring_used++);
	e->id = q->cur_id;
	e->sa_id = v->sa_id;
	e->num = v->num;
	e->deadline_ms = now_ms() + q->cfg.hold_timeout_ms;
	e->live = true;
	q->n_held++;
	q->c.held++;
	return (true);
}

/* Held packets past their time, oldest first. */
static void
expire_held(struct nfqueue *q, uint64_t now)
{
	struct held *e;

	while (q->ring_used > 0) {
		e = ring_at(q, 0);
		if (e->deadline_ms > now)
			break;
		q->c.hold_expired++;
		release(q, e, policy_accepts(q->cfg.hold_expire));
		ring_trim(q);
	}
}

/* The SA was decided: its packets still held get the SA's verdict. */
static void
release_sa(struct nfqueue *q, uint64_t sa_id, bool accept)
{
	struct held *e;
	uint32_t k;

	for (k = 0; k < q->ring_used && q->n_held > 0; k++) {
		e = ring_at(q, k);
		if (e->live && e->sa_id == sa_id)
			release(q, e, accept);
	}
	ring_trim(q);
}

/* A packet the pipeline held and has now judged on its own flow. */
static void
release_num(struct nfqueue *q, const struct pkt_verdict *v)
{
	struct held *e;
	uint32_t k;

	for (k = 0; k < q->ring_used; k++) {
		e = ring_at(q, k);
		if (!e->live || e->num != v->num)
			continue;
		release(q, e, v->action == PKT_ACCEPT ||
		    (v->action == PKT_UNDECIDED && !v->sa_drop));
		ring_trim(q);
		return;
	}
	/* Not held here (the policy was not hold): its verdict is out. */
}

void
nfqueue_on_verdict(void *arg, const struct pkt_verdict *v)
{
	struct nfqueue *q = arg;

	if (v->released) {
		if (q->n_held > 0)
			release_num(q, v);
		return;
	}
	if (!q->cur_open)
		return;
	q->cur_open = false;
	switch (v->action) {
	case PKT_ACCEPT:
	case PKT_DROP:
		/* A decided SA: what is still held of it goes first, in order. */
		if (q->n_held > 0 && v->sa_id != 0)
			release_sa(q, v->sa_id, !v->sa_drop);
		give_verdict(q, q->cur_id, v->action == PKT_ACCEPT);
		break;
	case PKT_UNDECIDED:
		q->c.undecided++;
		if (q->cfg.undecided != NFQUEUE_HOLD) {
			give_verdict(q, q->cur_id,
			    policy_accepts(q->cfg.undecided));
			break;
		}
		if (!hold(q, v)) {
			q->c.hold_full++;
			give_verdict(q, q->cur_id,
			    policy_accepts(q->cfg.hold_expire));
		}
		break;
	}
}

uint32_t
nfqueue_detach(struct nfqueue *q)
{
	q->cur_open = false;
	return (q->cur_id);
}

void
nfqueue_on_verdict_id(void *arg, uint32_t id, const struct pkt_verdict *v)
{
	struct nfqueue *q = arg;

	if (!v->released) {
		q->cur_id = id;
		q->cur_open = true;
	}
	nfqueue_on_verdict(q, v);
}

/* nfq_handle_packet() calls this for each packet of the datagram. */
static int
on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa,
    void *arg)
{
	struct nfqueue			*q = arg;
	struct nfqnl_msg_packet_hdr	*ph;
	struct queued			*e;
	struct timeval			 tv;
	unsigned char			*data;
	int				 len;

	(void)msg;
	if ((ph = nfq_get_msg_packet_hdr(nfa)) == NULL)
		return (0);
	if ((len = nfq_get_payload(nfa, &data)) < 0 ||
	    q->n_pend == NFQUEUE_PENDING_MAX) {
		/* Cannot be inspected: what a full queue would do with it. */
		q->c.overflows++;
		if (q->cfg.fail_open)
			q->c.accepted++;
		else
			q->c.dropped++;
		q->c.verdict_msgs++;
		if (nfq_set_verdict(qh, ntohl(ph->packet_id), q->cfg.fail_open ?
		    NF_ACCEPT : NF_DROP, 0, NULL) < 0)
			q->c.verdict_errors++;
		return (0);
	}
	/* Forwarded packets often carry no timestamp: the clock then. */
	if (nfq_get_timestamp(nfa, &tv) != 0)
		gettimeofday(&tv, NULL);
	e = &q->pend[q->n_pend++];
	e->id = ntohl(ph->packet_id);
	e->data = data;
	e->len = (uint32_t)len;
	e->ts_sec = tv.tv_sec;
	e->ts_usec = (uint32_t)tv.tv_usec;
	return (0);
}

static void
set_err(char *err, size_t errlen, const char *what, int e)
{
	snprintf(err, errlen, "%s: %s%s", what, strerror(e), e == EPERM ?
	    " (root, or CAP_NET_ADMIN, is needed)" : "");
}

struct nfqueue *
nfqueue_open(const struct nfqueue_config *cfg, char *err, size_t errlen)
{
	struct nfqueue	*q;
	size_t		 rcvbuf;
	uint32_t	 cap;

	if (cfg->maxlen == 0) {
		snprintf(err, errlen, "the queue length must be at least 1");
		return (NULL);
	}
	if ((q = calloc(1, sizeof(*q))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	q->cfg = *cfg;
	q->fd = -1;
	q->buflen = NFQUEUE_COPY_MAX + NFQUEUE_HDR_ROOM;
	cap = cfg->undecided == NFQUEUE_HOLD ? nfqueue_hold_total(cfg) : 0;
	if ((q->buf = malloc(q->buflen)) == NULL || (cap > 0 &&
	    (q->ring = calloc(cap, sizeof(*q->ring))) == NULL)) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	q->ring_cap = cap;
	/*
	 * No nfq_bind_pf(): since Linux 3.8 a queue serves every family
	 * and the kernel ignores the bind command.
	 */
	if ((q->h = nfq_open()) == NULL) {
		set_err(err, errlen, "cannot open a netfilter queue socket",
		    errno);
		goto fail;
	}
	if ((q->qh = nfq_create_queue(q->h, cfg->queue, on_packet, q)) ==
	    NULL) {
		set_err(err, errlen, errno == EBUSY ? "cannot bind the queue "
		    "(another program has it)" : "cannot bind the queue",
		    errno);
		goto fail;
	}
	if (nfq_set_mode(q->qh, NFQNL_COPY_PACKET, NFQUEUE_COPY_MAX) < 0) {
		set_err(err, errlen, "cannot ask for whole packets", errno);
		goto fail;
	}
	if (nfq_set_queue_maxlen(q->qh, cfg->maxlen) < 0) {
		set_err(err, errlen, "cannot set the queue length", errno);
		goto fail;
	}
	if (cfg->fail_open && nfq_set_queue_flags(q->qh, NFQA_CFG_F_FAIL_OPEN,
	    NFQA_CFG_F_FAIL_OPEN) < 0) {
		set_err(err, errlen, "cannot set fail-open (kernel older than "
		    "3.6?)", errno);
		goto fail;
	}
	rcvbuf = (size_t)cfg->maxlen * NFQUEUE_RCVBUF_PER_PKT;
	if (rcvbuf > NFQUEUE_RCVBUF_MAX)
		rcvbuf = NFQUEUE_RCVBUF_MAX;
	/* Best effort: the kernel caps it at net.core.rmem_max if not root. */
	nfnl_rcvbufsiz(nfq_nfnlh(q->h), (unsigned int)rcvbuf);
	q->fd = nfq_fd(q->h);
	return (q);
fail:
	nfqueue_close(q);
	return (NULL);
}

/* The packet handed out last and not judged: accepted, not lost. */
static void
close_current(struct nfqueue *q)
{
	if (!q->cur_open)
		return;
	q->cur_open = false;
	give_verdict(q, q->cur_id, true);
}

void
nfqueue_flush(struct nfqueue *q)
{
	struct queued *e;
	uint32_t k;

	close_current(q);
	/* Received, never inspected: as a held packet at exit. */
	while (q->next_pend < q->n_pend) {
		e = &q->pend[q->next_pend++];
		give_verdict(q, e->id, policy_accepts(q->cfg.hold_expire));
	}
	for (k = 0; k < q->ring_used; k++) {
		if (!ring_at(q, k)->live)
			continue;
		q->c.hold_expired++;
		release(q, ring_at(q, k), policy_accepts(q->cfg.hold_expire));
	}
	q->ring_used = 0;
	send_batch(q);
}

void
nfqueue_close(struct nfqueue *q)
{
	if (q == NULL)
		return;
	if (q->qh != NULL) {
		nfqueue_flush(q);
		nfq_destroy_queue(q->qh);
	}
	if (q->h != NULL)
		nfq_close(q->h);
	free(q->ring);
	free(q->buf);
	free(q);
}

/* Read one datagram, without waiting: 1 read, 0 nothing there, -1. */
static int
read_datagram(struct nfqueue *q, char *err, size_t errlen)
{
	ssize_t n;

	for (;;) {
		n = recv(q->fd, q->buf, q->buflen, MSG_DONTWAIT);
		if (n >= 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return (0);
		if (errno == ENOBUFS) {
			/*
			 * The socket overflowed: the kernel dropped those
			 * packets (accepted them with fail-open).  Go on.
			 */
			q->c.overflows++;
			continue;
		}
		set_err(err, errlen, "reading the queue", errno);
		return (-1);
	}
	q->n_pend = q->next_pend = 0;
	nfq_handle_packet(q->h, q->buf, (int)n);
	return (1);
}

int
nfqueue_next(struct nfqueue *q, struct packet *p, int wait_ms, char *err,
    size_t errlen)
{
	struct pollfd	 pfd;
	struct queued	*e;
	uint64_t	 now;
	int		 rc, timeout;

	close_current(q);
	if (q->n_held > 0)
		expire_held(q, now_ms());
	while (q->next_pend == q->n_pend) {
		if ((rc = read_datagram(q, err, errlen)) < 0)
			return (-1);
		if (rc > 0)
			continue;
		/* Idle: nothing may wait for a verdict while we sleep. */
		send_batch(q);
		timeout = wait_ms;
		if (q->n_held > 0) {
			now = now_ms();
			expire_held(q, now);
			if (q->n_held > 0 && ring_at(q, 0)->deadline_ms - now <
			    (uint64_t)timeout)
				timeout = (int)(ring_at(q, 0)->deadline_ms -
				    now);
			send_batch(q);
		}
		pfd.fd = q->fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if ((rc = poll(&pfd, 1, timeout)) < 0 && errno != EINTR) {
			set_err(err, errlen, "waiting on the queue", errno);
			return (-1);
		}
		if (rc <= 0) {
			if (q->n_held > 0)
				expire_held(q, now_ms());
			send_batch(q);
			return (0);
		}
	}
	e = &q->pend[q->next_pend++];
	memset(p, 0, sizeof(*p));
	p->frame = e->data;
	p->caplen = e->len;
	p->wirelen = e->len;	/* the whole packet: copy range 0xffff */
	p->ts_sec = e->ts_sec;
	p->ts_usec = e->ts_usec;
	p->linktype = DLT_RAW;
	q->cur_id = e->id;
	q->cur_open = true;
	return (1);
}

void
nfqueue_fill_stats(void *arg, struct stats *st)
{
	const struct nfqueue *q = arg;

	st->nfq_on = true;
	st->nfq_accepted = q->c.accepted;
	st->nfq_dropped = q->c.dropped;
	st->nfq_undecided = q->c.undecided;
	st->nfq_held = q->c.held;
	st->nfq_hold_expired = q->c.hold_expired;
	st->nfq_hold_full = q->c.hold_full;
	st->nfq_overflows = q->c.overflows;
	st->nfq_verdict_msgs = q->c.verdict_msgs;
	st->nfq_verdict_errors = q->c.verdict_errors;
}
