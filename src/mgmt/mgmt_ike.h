/*
 * mgmt_ike.h - the management API of `espvis ike`: the providers that
 * read the endpoint's snapshot (ike.h) and the ESP data plane's counters
 * (esp_plane.h) through their public headers, and the rule that the API
 * listens on the tunnel's inner address only (docs/mgmt.md).
 *
 * ike_run.c calls, on its own thread:
 *   mgmt_ike_new(&mi, config_file, cfg->tun_name, &cfg->tun_addr, ep,
 *       plane, inspector, err, len)
 *   poll loop: n = mgmt_ike_fds(mi, pfd, max); timeout = min(..,
 *              mgmt_ike_timeout_ms(mi)); poll; mgmt_ike_service(mi);
 *   mgmt_ike_free(mi)
 * Every function takes NULL (no `mgmt:` section): nothing to poll.
 *
 * In the inspector daemon (espvis -i/--nfq/-r with `ike:`), inspector
 * gives the inspector's providers: /v1/stats then carries its counters
 * besides the endpoint's ("process": "espvis"), and /v1/sas and
 * /v1/rules/reload are its own.  They are called here, on the endpoint's
 * thread, and hand the request to the capture thread
 * (mgmt_inspector.h).
 *
 * Ownership: mgmt_ike_new() allocates the snapshot arrays once; ep,
 * plane and inspector are borrowed (plane and inspector may be NULL) and
 * must outlive mgmt_ike_free().
 */
#ifndef ESPVIS_MGMT_IKE_H
#define ESPVIS_MGMT_IKE_H

#include <poll.h>
#include <stddef.h>

#include "../esp/esp_plane.h"
#include "../ike/ike.h"
#include "../sandbox.h"
#include "../util/addr.h"
#include "mgmt.h"		/* MGMT_FDS_MAX */

struct mgmt_ike;

/*
 * Reads `mgmt:` from config_file.  Without it: 0 and *out NULL.  The TCP
 * listener is the TUN address (tun_addr; family 0: no TUN), bound to
 * the device tun_name as well: `listen` may be left out and defaults to
 * it, and any other address is refused, as is a TCP listener without a
 * TUN device.  Returns 0, or -1 with a
 * reason in err.
 */
int	mgmt_ike_new(struct mgmt_ike **out, const char *config_file,
	    const char *tun_name, const struct ipaddr *tun_addr,
	    const struct ike_endpoint *ep, const struct esp_plane *plane,
	    const struct mgmt_providers *inspector, char *err, size_t errlen);
void	mgmt_ike_free(struct mgmt_ike *mi);
/* Once started: the unix socket is removed at the end (sandbox.h). */
void	mgmt_ike_sandbox(const struct mgmt_ike *mi, struct sandbox_policy *sp);

size_t	mgmt_ike_fds(const struct mgmt_ike *mi, struct pollfd *pfd,
	    size_t max);
/* -1: no timer. */
int	mgmt_ike_timeout_ms(const struct mgmt_ike *mi);
void	mgmt_ike_service(struct mgmt_ike *mi);

/* "10.99.9.1:8080" and/or the unix socket, for the start-up line. */
const char *mgmt_ike_where(const struct mgmt_ike *mi, char *buf, size_t cap);

#endif /* ESPVIS_MGMT_IKE_H */
