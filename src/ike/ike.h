/*
 * ike.h - the embedded IKEv2 endpoint (RFC 7296), driven by its caller.
 *
 * The endpoint owns no socket, clock or thread.  The caller provides an
 * environment (struct ike_env): a clock in milliseconds, a function that
 * sends one UDP payload, a source of random bytes, and callbacks for
 * Child SAs coming and going.  It feeds received UDP payloads to
 * ike_endpoint_input() and calls ike_endpoint_tick() when
 * ike_endpoint_next_timeout() says.  ike_run.c does this with real
 * sockets; the unit tests do it with a fake clock and queues.
 *
 * Port 4500 (RFC 3948 2.2): payloads sent from or to port 4500 are
 * handed to env.send with the 4-byte non-ESP marker in front, and
 * payloads received on port 4500 must carry it (the endpoint strips it;
 * a payload without it is ESP and is not the endpoint's business).
 *
 * Ownership: ike_endpoint_new() copies the configuration and the
 * environment; ike_endpoint_free() wipes every key and frees the SAs.
 * Keys handed to child_up live only for the duration of the call.
 */
#ifndef ESPVIS_IKE_H
#define ESPVIS_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/addr.h"
#include "ike_crypto.h"
#include "ike_types.h"

struct ike_config;

/* An address and UDP port (host order). */
struct ike_addr {
	struct ipaddr	ip;
	uint16_t	port;
};

#define IKE_CHILD_TS_MAX	4
#define IKE_NAME_MAX		64

/* What the data plane needs about a Child SA (ESP, tunnel mode). */
struct ike_child_info {
	char			 peer[IKE_NAME_MAX];	/* peer config name */
	uint64_t		 ike_spi_i, ike_spi_r;
	uint32_t		 spi_in;	/* we receive with it (host order) */
	uint32_t		 spi_out;	/* we send with it */
	/* We initiated the exchange that created this Child SA (IKE_AUTH
	 * or CREATE_CHILD_SA): keys->ei/ai are then outbound (2.17). */
	bool			 initiator;
	struct ike_suite	 suite;
	/* Keys (2.17): i2r/r2i as ike_derive_child_keys gives them; with
	 * `initiator` the caller knows which direction is inbound.  NULL in
	 * child_down. */
	const struct ike_child_keys *keys;
	struct ike_addr		 local, remote;	/* outer, as IKE runs now */
	bool			 encap;		/* UDP encapsulation (NAT-T) */
	bool			 wesp;		/* USE_WESP_MODE agreed */
	struct ike_ts		 ts_local[IKE_CHILD_TS_MAX];
	size_t			 n_ts_local;
	struct ike_ts		 ts_remote[IKE_CHILD_TS_MAX];
	size_t			 n_ts_remote;
};

struct ike_env {
	void		*arg;		/* passed to every callback */
	uint64_t	(*now_ms)(void *arg);	/* monotonic */
	/* Sends one UDP payload; returns 0 or -1 (the endpoint retransmits
	 * as if lost). */
	int		(*send)(void *arg, const struct ike_addr *local,
			    const struct ike_addr *remote, const uint8_t *buf,
			    size_t len);
	/* NULL: ike_random(). */
	int		(*random)(void *arg, void *buf, size_t len);
	/* Optional. */
	void		(*child_up)(void *arg, const struct ike_child_info *);
	void		(*child_down)(void *arg, const struct ike_child_info *);
	/* Optional: one line of log, no secrets in it. level 0 error,
	 * 1 info, 2 debug. */
	void		(*log)(void *arg, int level, const char *line);
};

struct ike_endpoint;

/* Copies cfg and env.  NULL on allocation failure. */
struct ike_endpoint *ike_endpoint_new(const struct ike_config *cfg,
	    const struct ike_env *env);
/* Wipes keys, frees.  Sends nothing (see ike_endpoint_shutdown). NULL-safe. */
void	ike_endpoint_free(struct ike_endpoint *ep);

/* One received UDP payload; local is where it arrived. */
void	ike_endpoint_input(struct ike_endpoint *ep, const struct ike_addr *local,
	    const struct ike_addr *remote, const uint8_t *buf, size_t len);

/* Milliseconds until the next timer (retransmit, rekey, expiry, DPD),
 * from `now`; UINT64_MAX when none. */
uint64_t ike_endpoint_next_timeout(const struct ike_endpoint *ep,
	    uint64_t now);
void	ike_endpoint_tick(struct ike_endpoint *ep, uint64_t now);

/* Starts an IKE SA (and its first Child SA) with the named peer.
 * Returns 0, or -1 (unknown peer, table full, no address). */
int	ike_endpoint_initiate(struct ike_endpoint *ep, const char *peer);
/* Deletes an IKE SA (INFORMATIONAL with Delete) by the initiator SPI, or
 * every IKE SA of a peer when name is given (spi 0).  Returns the
 * number of SAs asked to go. */
int	ike_endpoint_delete(struct ike_endpoint *ep, const char *peer,
	    uint64_t spi_i);
/* Deletes one Child SA, by either of its ESP SPIs. */
int	ike_endpoint_delete_child(struct ike_endpoint *ep, uint32_t spi);
/* Rekeys a Child SA (by either SPI) or an IKE SA (by spi_i).  Returns 0
 * (started, or queued until the request window is free), or -1 when
 * there is no such SA.  delete_child queues the same way. */
int	ike_endpoint_rekey_child(struct ike_endpoint *ep, uint32_t spi);
int	ike_endpoint_rekey_ike(struct ike_endpoint *ep, uint64_t spi_i);
/* Deletes every IKE SA (best effort, one message each) for a clean exit. */
void	ike_endpoint_shutdown(struct ike_endpoint *ep);

/* ---- Snapshot: what `espvis ike status` prints ---- */

struct ike_sa_view {
	char		peer[IKE_NAME_MAX];
	const char	*state;		/* "ESTABLISHED", ... (static) */
	bool		initiator;
	uint64_t	spi_i, spi_r;
	struct ike_addr	local, remote;
	bool		natt;
	char		alg[128];	/* ike_suite_format, IKE */
	char		local_id[128], remote_id[128];
	uint64_t	established_s;	/* seconds since, 0 if not yet */
	uint64_t	rekey_in_s, expire_in_s;	/* 0 when none */
	/* RFC 7383: negotiated; fragments received (ICV good), sent
	 * (built, retransmissions not counted), dropped. */
	bool		frag;
	uint64_t	frags_in, frags_out, frags_dropped;
};

struct ike_child_view {
	uint64_t	ike_spi_i;	/* the IKE SA it belongs to */
	const char	*state;		/* "INSTALLED", ... */
	uint32_t	spi_in, spi_out;
	char		alg[96];	/* ike_suite_format, ESP */
	bool		encap;
	bool		wesp;
	struct ike_ts	ts_local[IKE_CHILD_TS_MAX];
	size_t		n_ts_local;
	struct ike_ts	ts_remote[IKE_CHILD_TS_MAX];
	size_t		n_ts_remote;
	uint64_t	installed_s, rekey_in_s, expire_in_s;
};

/* Fills up to max of each; returns the counts in *n_ike, *n_child. */
void	ike_endpoint_snapshot(const struct ike_endpoint *ep,
	    struct ike_sa_view *ikes, size_t max_ike, size_t *n_ike,
	    struct ike_child_view *children, size_t max_child, size_t *n_child);

struct json;
/* The fields of one snapshot entry into the JSON object open in j: what
 * `espvis ike status` and the management API's /v1/ike both show. */
void	ike_sa_view_json(struct json *j, const struct ike_sa_view *v);
void	ike_child_view_json(struct json *j, const struct ike_child_view *v);

/* Writes the snapshot as JSON lines ({"ike_sa":{...}} then
 * {"child_sa":{...}}) into buf; returns the length (truncated to cap). */
size_t	ike_endpoint_status_json(const struct ike_endpoint *ep, char *buf,
	    size_t cap);

/*
 * What IKE_SA_INIT requests met (RFC 7296 2.6): the cookie defence and
 * the half-open cap, for `espvis ike status` (an "ike_init" line) and
 * /v1/ike.  Counters since start; half_open is the number now.
 */
struct ike_init_stats {
	uint64_t	init_requests;	/* new requests (not retransmits) */
	uint64_t	unknown_peer;	/* no peer config for the addresses */
	uint64_t	cookies_sent;	/* COOKIE answers, no state kept */
	uint64_t	cookie_ok;	/* came back with the right cookie */
	uint64_t	cookie_bad;	/* carried a cookie that was not ours */
	uint64_t	half_open_dropped;	/* at half_open_max */
	uint64_t	cookie_secrets;	/* secrets used so far (rotation) */
	uint32_t	half_open, half_open_peak;
};

void	ike_endpoint_init_stats(const struct ike_endpoint *ep,
	    struct ike_init_stats *out);
/* Its fields into the JSON object open in j. */
void	ike_init_stats_json(struct json *j, const struct ike_init_stats *s);

/* Text forms used in logs and the status output. */
const char *ike_addr_str(const struct ike_addr *a, char *buf, size_t cap);
/* "10.1.0.0/24" or "10.1.0.1-10.1.0.9", with "[proto/port]" if narrowed. */
size_t	ike_ts_format(const struct ike_ts *ts, char *buf, size_t cap);
size_t	ike_id_format(const struct ike_id *id, char *buf, size_t cap);

#endif /* ESPVIS_IKE_H */
