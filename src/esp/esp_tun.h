/*
 * esp_tun.h - the TUN device the data plane reads inner packets from and
 * writes decapsulated ones to (Linux /dev/net/tun, IFF_TUN | IFF_NO_PI:
 * each read or write is one bare IPv4/IPv6 packet), and its address,
 * MTU, state and routes through rtnetlink (no `ip` command).
 *
 * Ownership: the caller owns struct esp_tun; esp_tun_close() closes the
 * descriptor, and the kernel then removes the device with its addresses
 * and routes.  Functions return 0 or -1 with a message in err; they make
 * system calls (setup only, never per packet).  Needs CAP_NET_ADMIN.
 */
#ifndef ESPVIS_ESP_TUN_H
#define ESPVIS_ESP_TUN_H

#include <stddef.h>
#include <stdint.h>

#include "../ike/ike_types.h"
#include "../util/addr.h"

#define ESP_TUN_NAME_MAX	16	/* IFNAMSIZ */

struct esp_tun {
	int		fd;		/* -1 when closed; non-blocking */
	int		ifindex;
	char		name[ESP_TUN_NAME_MAX];
};

/* Creates (or attaches to) the TUN device `name` ("espvis%d" picks a
 * free number); fd non-blocking, close-on-exec. */
int	esp_tun_open(struct esp_tun *t, const char *name, char *err,
	    size_t errlen);
void	esp_tun_close(struct esp_tun *t);

/* Sets the MTU and brings the link up (RTM_NEWLINK). */
int	esp_tun_up(const struct esp_tun *t, unsigned mtu, char *err,
	    size_t errlen);
/* Adds addr/prefix to the device (RTM_NEWADDR). */
int	esp_tun_addr(const struct esp_tun *t, const struct ipaddr *addr,
	    uint8_t prefix, char *err, size_t errlen);
/* Adds (add != 0) or deletes a route dst/prefix via the device, with
 * preferred source src when src->family is set (RTM_NEWROUTE /
 * RTM_DELROUTE). */
int	esp_tun_route(const struct esp_tun *t, int add,
	    const struct ipaddr *dst, uint8_t prefix, const struct ipaddr *src,
	    char *err, size_t errlen);
/* The routes covering a traffic selector's address range (RFC 7296
 * 3.13.1: a range, not a prefix), split into the fewest prefixes. */
int	esp_tun_route_ts(const struct esp_tun *t, int add,
	    const struct ike_ts *ts, const struct ipaddr *src, char *err,
	    size_t errlen);

/* The prefixes covering start..end (addresses of alen bytes, network
 * order): up to max of them into pfx/plen; returns how many there are
 * (which may exceed max). Exposed for the unit test. */
size_t	esp_range_prefixes(const uint8_t *start, const uint8_t *end,
	    size_t alen, uint8_t (*pfx)[16], uint8_t *plen, size_t max);

#endif /* ESPVIS_ESP_TUN_H */
