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

/*
 * IPv4 by hand: inet_ntop() goes through sprintf() and was a tenth of
 * the cost of an EVE event (bench/results.md).  IPv6 keeps inet_ntop()
 * for its RFC 5952 zero compression.
 */
static void
ip4_str(const uint8_t *b, char *buf)
{
	char	*p = buf;
	int	 i;

	for (i = 0; i < 4; i++) {
		if (b[i] >= 100)
			*p++ = (char)('0' + b[i] / 100);
		if (b[i] >= 10)
			*p++ = (char)('0' + b[i] / 10 % 10);
		*p++ = (char)('0' + b[i] % 10);
		*p++ = i < 3 ? '.' : '\0';
	}
}

const char *
ipaddr_str(const struct ipaddr *a, char *buf, size_t buflen)
{
	if (buflen == 0)
		return (buf);
	if (a->family == 4 && buflen >= INET_ADDRSTRLEN)
		ip4_str(a->bytes, buf);
	else if (a->family == 0 || inet_ntop(a->family == 6 ? AF_INET6 :
	    AF_INET, a->bytes, buf, (socklen_t)buflen) == NULL)
		buf[0] = '\0';
	return (buf);
}
