/*
 * esp_plane.h - the userspace ESP data plane (as strongSwan's
 * kernel-libipsec): the SA database of the Child SAs the IKE endpoint
 * installed, a TUN device with routes for the peers' traffic selectors,
 * and the sockets ESP travels on: UDP 4500 (RFC 3948; ESP and WESP
 * share the port with IKE) or raw IP protocol 50 / 141 (WESP).
 *
 *   TUN --read--> SA by traffic selector --encap--> UDP 4500 / IP 50
 *   UDP 4500 / IP 50 --SPI--> SA --decap, selector check--> TUN
 *
 * How the endpoint's runtime (ike_run.c) drives it:
 *   plane = esp_plane_new(&cfg, &env, err, len);
 *   env.child_up   -> esp_plane_child_up(plane, info, err, len)
 *   env.child_down -> esp_plane_child_down(plane, info->spi_in)
 *   poll loop: n = esp_plane_fds(plane, pfd, max); ... poll ...;
 *              esp_plane_service(plane, pfd, n);
 *   a UDP 4500 payload whose first word is not 0 (RFC 3948 2.2):
 *              esp_plane_udp_input(plane, &local, &remote, buf, len)
 *   env.event(arg, spi_in, ESP_EV_SOFT) -> ike_endpoint_rekey_child(ep, spi)
 *   env.event(arg, spi_in, ESP_EV_HARD) -> ike_endpoint_delete_child(ep, spi)
 * When the runtime owns the 4500 socket, env.send_udp sends ESP on it
 * (the plane adds no non-ESP marker: ESP has none).  Without send_udp,
 * esp_plane_open_udp() gives the plane a socket of its own.
 *
 * Ownership: esp_plane_new() allocates everything it will ever use (SA
 * slots, packet buffers); esp_plane_free() wipes every SA's keys, closes
 * the sockets and the TUN device (its routes go with it).  Keys in
 * struct ike_child_info are read during esp_plane_child_up only.  Per
 * packet: one read and one write system call, no allocation.
 * Single-threaded.
 */
#ifndef ESPVIS_ESP_PLANE_H
#define ESPVIS_ESP_PLANE_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../ike/ike.h"
#include "esp_sa.h"

struct esp_plane_config {
	size_t		 max_sas;	/* Child SAs at once; 0: 64 */
	const char	*tun_name;	/* NULL: no TUN (tests) */
	unsigned	 mtu;		/* TUN MTU; 0: 1400 */
	struct ipaddr	 tun_addr;	/* family 0: none */
	uint8_t		 tun_prefix;
	struct esp_limits limits;	/* every SA's window and lifetimes */
	bool		 no_routes;	/* do not route traffic selectors */
};

struct esp_plane_env {
	void		*arg;
	/* Sends one UDP payload (ESP) from local to remote; NULL: the
	 * plane's own socket (esp_plane_open_udp). */
	int		(*send_udp)(void *arg, const struct ike_addr *local,
			    const struct ike_addr *remote, const uint8_t *buf,
			    size_t len);
	/* ESP_EV_SOFT: rekey the Child SA; ESP_EV_HARD: delete it.  Called
	 * after the packet that raised it is done; may call
	 * esp_plane_child_down. */
	void		(*event)(void *arg, uint32_t spi_in, uint32_t ev);
	void		(*log)(void *arg, int level, const char *line);
	/* Optional: gets each decapsulated inner packet (that passed the
	 * selector check) instead of the TUN device. */
	void		(*inner_input)(void *arg, const uint8_t *pkt,
			    size_t len);
};

/* Per-plane counters besides each SA's. */
struct esp_plane_stats {
	uint64_t	tun_in, tun_out;	/* packets read from/written */
	uint64_t	no_sa_out;	/* TUN packet matching no selector */
	uint64_t	no_sa_in;	/* ESP with an unknown SPI */
	uint64_t	policy_in;	/* inner packet outside the selectors */
	uint64_t	not_esp;	/* IKE, keepalives, junk on a socket */
	uint64_t	send_err, tun_err;
};

struct esp_plane;

struct esp_plane *esp_plane_new(const struct esp_plane_config *cfg,
	    const struct esp_plane_env *env, char *err, size_t errlen);
void	esp_plane_free(struct esp_plane *p);

/* The plane's own UDP socket bound to local (port 4500 normally). */
int	esp_plane_open_udp(struct esp_plane *p, const struct ike_addr *local,
	    char *err, size_t errlen);
/* Raw sockets for ESP (50) and WESP (141) over IP, family 4 or 6;
 * esp_plane_child_up opens them for an SA without UDP encapsulation. */
int	esp_plane_open_raw(struct esp_plane *p, int family, char *err,
	    size_t errlen);

/* Installs a Child SA (tunnel mode) and routes its remote selectors to
 * the TUN device.  0, or -1 (table full, bad suite, route, raw socket).
 * Several SAs may cover the same selectors (rekey, RFC 7296 2.8): the
 * newest carries outbound traffic, every one still decapsulates. */
int	esp_plane_child_up(struct esp_plane *p,
	    const struct ike_child_info *info, char *err, size_t errlen);
/* Removes the SA received with spi_in (keys wiped).  No-op if unknown. */
void	esp_plane_child_down(struct esp_plane *p, uint32_t spi_in);

/* Fills pfd with the descriptors to poll (POLLIN); returns how many. */
size_t	esp_plane_fds(const struct esp_plane *p, struct pollfd *pfd,
	    size_t max);
/* Handles whatever is ready among pfd[0..n) (as esp_plane_fds filled
 * them, revents set by poll), a bounded batch per descriptor. */
void	esp_plane_service(struct esp_plane *p, const struct pollfd *pfd,
	    size_t n);

/* One UDP payload that arrived on a socket the caller owns. */
void	esp_plane_udp_input(struct esp_plane *p, const struct ike_addr *local,
	    const struct ike_addr *remote, const uint8_t *buf, size_t len);
/* One inner packet to send (what a TUN read gives). */
void	esp_plane_inner_output(struct esp_plane *p, const uint8_t *pkt,
	    size_t len);

/* Counters; the SA by inbound SPI (NULL when none). */
const struct esp_plane_stats *esp_plane_stats(const struct esp_plane *p);
const struct esp_sa *esp_plane_sa(const struct esp_plane *p, uint32_t spi_in);
/* JSON lines, one per SA ({"esp_sa":{...}}) and the plane's counters;
 * returns the length (truncated to cap). */
size_t	esp_plane_status_json(const struct esp_plane *p, char *buf,
	    size_t cap);

#endif /* ESPVIS_ESP_PLANE_H */
