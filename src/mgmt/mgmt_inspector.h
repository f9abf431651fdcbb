/*
 * mgmt_inspector.h - the inspector's answers on the management API when
 * the IKE endpoint runs inside the inspector daemon (espvis -i, --nfq or
 * -r with an `ike:` section; docs/mgmt.md "Threads"):
 *
 *   GET  /v1/stats         the pipeline's counters (the stats event's)
 *   GET  /v1/sas           the SAs tracked now, most recently seen first
 *   POST /v1/rules/reload  what SIGHUP does
 *
 * Two threads meet here.  The API runs on the endpoint's thread
 * (mgmt_ike.h); the pipeline's tables belong to the capture thread,
 * which takes no lock per packet.  So a request is a hand-off: the
 * endpoint's thread posts it (mutex, then a relaxed-atomic flag) and
 * waits on a condition variable; the capture thread looks at the flag
 * between packets and whenever its poll times out (a live capture with
 * no traffic still answers within LIVE_WAIT_MS), claims the request,
 * writes the answer straight into the waiting request's JSON writer
 * outside the lock, and signals.  A request not claimed within wait_ms
 * is withdrawn and answered 503; one claimed is waited for (the work is
 * bounded: at most max_sas SAs, one reload).
 *
 * Ownership: mgmt_inspector_new() allocates the SA snapshot array once;
 * mgmt_inspector_free() (NULL-safe) frees it, once neither thread calls
 * in any more.  The providers returned point into it.
 */
#ifndef ESPVIS_MGMT_INSPECTOR_H
#define ESPVIS_MGMT_INSPECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../pipeline.h"
#include "../util/pkt_verdict.h"
#include "../workers.h"
#include "mgmt.h"

#define MGMT_INSPECTOR_SAS_DEFAULT	256	/* SAs in /v1/sas */
#define MGMT_INSPECTOR_WAIT_MS		1000

/* What the capture thread answers from; every member borrowed. */
struct mgmt_inspector_src {
	const struct pipeline	*pl;		/* one pipeline, or */
	struct workers		*wk;		/* several (quiesced first) */
	stats_fill_fn		 fill;		/* the capture's own counters
						   (NFQUEUE); may be NULL */
	void			*fill_arg;
	/* 0 with "N rules" in msg, or -1 with the reason (the rules in
	 * use kept); NULL: 501. */
	int			(*reload)(void *arg, char *msg, size_t msglen);
	void			*reload_arg;
};

struct mgmt_inspector;

struct mgmt_inspector	*mgmt_inspector_new(uint32_t max_sas, uint32_t wait_ms);
void			 mgmt_inspector_free(struct mgmt_inspector *);

/* For ike_run_host.inspector (ike_json unused); valid until free. */
const struct mgmt_providers *mgmt_inspector_providers(
			    struct mgmt_inspector *);

/* Capture thread: a request waits (one relaxed atomic load). */
bool			 mgmt_inspector_pending(const struct mgmt_inspector *);
/* Capture thread: answer the waiting request, if any. */
void			 mgmt_inspector_serve(struct mgmt_inspector *,
			    const struct mgmt_inspector_src *);
/* The capture has ended: from now on every request is 503 at once. */
void			 mgmt_inspector_close(struct mgmt_inspector *);

#endif /* ESPVIS_MGMT_INSPECTOR_H */
