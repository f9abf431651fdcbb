/*
 * addr.h - an IPv4 or IPv6 address held by value.
 */
#ifndef ESPVIS_ADDR_H
#define ESPVIS_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct ipaddr {
	uint8_t	family;		/* 4 or 6; 0 when unset */
	uint8_t	bytes[16];	/* IPv4 in bytes[0..3], rest zero */
};

#define IPADDR_STRLEN	46	/* INET6_ADDRSTRLEN */

/* Inline: decode/ and inner/ set four of these for every packet. */
static inline void
ipaddr_set4(struct ipaddr *a, const uint8_t *b)
{
	memset(a, 0, sizeof(*a));
	a->family = 4;
	memcpy(a->bytes, b, 4);
}

static inline void
ipaddr_set6(struct ipaddr *a, const uint8_t *b)
{
	a->family = 6;
	memcpy(a->bytes, b, 16);
}

bool	ipaddr_eq(const struct ipaddr *, const struct ipaddr *);
/* An IPv4 or IPv6 address in text form (inet_pton()): 0, or -1 with
 * the address zeroed. */
int	ipaddr_parse(const char *text, struct ipaddr *);
/* Writes the text form into buf (at least IPADDR_STRLEN bytes). */
const char *ipaddr_str(const struct ipaddr *, char *buf, size_t buflen);

#endif /* ESPVIS_ADDR_H */
