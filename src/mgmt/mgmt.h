/*
 * mgmt.h - the management API: JSON over HTTP (libmicrohttpd), bound to
 * the tunnel's inner address only (DESIGN.md 5) and optionally to a
 * local unix socket.  docs/mgmt.md has the endpoints and the reasons.
 *
 *   GET  /v1/stats         counters            (providers.stats_json)
 *   GET  /v1/sas           inspector SAs       (providers.sas_json)
 *   GET  /v1/ike           IKE and Child SAs   (providers.ike_json)
 *   POST /v1/rules/reload  reload the rules    (providers.reload)
 *   anything else: 404 (unknown path) or 405 (known path, other
 *   method), with a JSON body {"error":...}.
 *
 * mgmt/ includes neither the pipeline nor the endpoint: whoever starts
 * it (ike_run.c) hands it provider callbacks that write their snapshot
 * with the project's JSON writer.  Each provider gets the writer with
 * the top-level object open and adds its own members.
 *
 * Threads: none.  The caller polls the descriptors mgmt_fds() gives
 * (one epoll descriptor per listener, MHD_USE_EPOLL without an internal
 * thread) and calls mgmt_service(); every provider runs inside
 * mgmt_service(), on the caller's thread, so that it may read the
 * endpoint's state without a lock.
 *
 * Ownership: mgmt_new() allocates the one response buffer and starts
 * the daemons; mgmt_free() (NULL-safe) stops them, closes the sockets
 * and removes the unix socket.  providers->ctx is borrowed.  Per
 * request nothing is allocated but MHD's own response copy and
 * connection pool (bounded by the limits below), freed when the
 * request is done.
 */
#ifndef ESPVIS_MGMT_H
#define ESPVIS_MGMT_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/addr.h"
#include "../util/json.h"

#define MGMT_PORT_DEFAULT	8080
#define MGMT_PATH_MAX		108	/* sun_path */
#define MGMT_FDS_MAX		2	/* TCP and unix listener */

struct mgmt_config {
	struct ipaddr	listen;		/* family 0: no TCP listener */
	/* The TUN device: the TCP listener takes connections that arrive
	 * on it only (SO_BINDTODEVICE), else Linux's weak host model would
	 * let a packet routed to the TUN address over the outer interface
	 * in.  "": any device (unit tests on 127.0.0.1). */
	char		device[16];
	uint16_t	port;
	char		unix_socket[MGMT_PATH_MAX];	/* "": none */
	uint32_t	max_connections;	/* per listener; 0: 16 */
	uint32_t	timeout_s;		/* idle connection; 0: 10 */
	uint32_t	response_max;		/* bytes; 0: 256 KiB */
};

struct mgmt_providers {
	void	*ctx;
	/* Each returns 0, or -1 (503, "unavailable").  NULL: see below. */
	int	(*stats_json)(void *ctx, struct json *j);
	/* NULL: {"inspector":false,"sas":[]} (no inspector here). */
	int	(*sas_json)(void *ctx, struct json *j);
	int	(*ike_json)(void *ctx, struct json *j);
	/* 0 (200), or -1 with a reason in msg (500).  NULL: 501. */
	int	(*reload)(void *ctx, char *msg, size_t msglen);
};

struct mgmt;

void	mgmt_config_defaults(struct mgmt_config *cfg);

/*
 * Reads the top-level `mgmt:` section of the YAML file at path:
 *   mgmt: { listen: ADDR, port: N, unix_socket: PATH,
 *           max_connections: N, timeout: SECONDS }
 * *present says whether the section is there (0 is returned without
 * it).  listen must be one unicast address, never a wildcard (0.0.0.0,
 * ::).  Returns 0, or -1 with "FILE:LINE:COL: reason" in err.
 */
int	mgmt_config_load(struct mgmt_config *cfg, const char *path,
	    bool *present, char *err, size_t errlen);

/* Binds and starts.  NULL with a reason in err (wildcard address,
 * nothing to listen on, bind, MHD). */
struct mgmt *mgmt_new(const struct mgmt_config *cfg,
	    const struct mgmt_providers *prov, char *err, size_t errlen);
void	mgmt_free(struct mgmt *m);

/* The descriptors to poll for POLLIN (at most MGMT_FDS_MAX). */
size_t	mgmt_fds(const struct mgmt *m, struct pollfd *pfd, size_t max);
/* Milliseconds until MHD wants mgmt_service() anyway; -1: no timer. */
int	mgmt_timeout_ms(const struct mgmt *m);
/* Accepts, reads, answers, times out: whatever is ready, never blocks. */
void	mgmt_service(struct mgmt *m);

/* Requests answered, by class (for the stats of whoever runs it). */
struct mgmt_counters {
	uint64_t	requests;
	uint64_t	ok;		/* 2xx */
	uint64_t	client_err;	/* 4xx */
	uint64_t	server_err;	/* 5xx */
};
const struct mgmt_counters *mgmt_counters(const struct mgmt *m);

#endif /* ESPVIS_MGMT_H */
