/*
 * addr.c - IPv4/IPv6 addresses by value.
 */
#include <arpa/inet.h>
#include <string.h>

#include "addr.h"

void
ipaddr_set4(struct ipaddr *a, const uint8_t *b)
{
	memset(a, 0, sizeof(*a));
	a->family = 4;
	memcpy(a->bytes, b, 4);
}

void
ipaddr_set6(struct ipaddr *a, const uint8_t *b)
{
	a->family = 6;
	memcpy(a->bytes, b, 16);
}

bool
ipaddr_eq(const struct ipaddr *a, const struct ipaddr *b)
{
	return (a->family == b->family &&
	    memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0);
}

const char *
ipaddr_str(const struct ipaddr *a, char *buf, size_t buflen)
{
	int af = a->family == 6 ? AF_INET6 : AF_INET;

	if (buflen == 0)
		return (buf);
	if (a->family == 0 ||
	    inet_ntop(af, a->bytes, buf, (socklen_t)buflen) == NULL)
		buf[0] = '\0';
	return (buf);
}
