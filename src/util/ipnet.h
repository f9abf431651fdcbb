/*
 * ipnet.h - IPv4 and IPv6 prefixes (CIDR) matched on integers.
 *
 * Rules and configuration parse prefixes once, at load time; the hot path
 * only masks and compares 64-bit words.  An address is turned into its
 * integer form (struct ipkey) once per subject, not once per rule.
 * IPv4 and IPv6 never match each other (no IPv4-mapped magic): a rule
 * that means both says both.
 *
 * Everything here is by value; nothing is allocated.
 */
#ifndef ESPVIS_IPNET_H
#define ESPVIS_IPNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* An address in integer form: IPv4 in the low 32 bits of lo, hi zero. */
struct ipkey {
	uint8_t		family;		/* 4 or 6; 0 when unset */
	uint64_t	hi;
	uint64_t	lo;
};

/* A prefix: the network (host bits zero) and its mask, same layout. */
struct ipnet {
	uint8_t		family;		/* 4 or 6 */
	uint8_t		prefix_len;	/* 0..32 or 0..128 */
	uint64_t	net_hi;
	uint64_t	net_lo;
	uint64_t	mask_hi;
	uint64_t	mask_lo;
};

void	ipkey_from_addr(struct ipkey *, const struct ipaddr *);

/*
 * Parse "ADDR" (a host: /32 or /128) or "ADDR/LEN".  Host bits set under
 * the mask are refused (10.1.2.3/8 is almost always a typo), as are
 * leading zeros in LEN.  Returns 0, or -1 with a reason in why.
 */
int	ipnet_parse(const char *text, struct ipnet *out, char *why,
	    size_t whylen);

static inline bool
ipnet_contains(const struct ipnet *net, const struct ipkey *k)
{
	return (k->family == net->family &&
	    (k->hi & net->mask_hi) == net->net_hi &&
	    (k->lo & net->mask_lo) == net->net_lo);
}

#endif /* ESPVIS_IPNET_H */
