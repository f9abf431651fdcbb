/*
 * addr.c - IPv4/IPv6 addresses by value.
 */
#include <arpa/inet.h>
#include <string.h>

#include "addr.h"

bool
ipaddr_eq(const struct ipaddr *a, const struct ipaddr *b)
{
	return (a->family == b->family &&
	    memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0);
}

int
ipaddr_parse(const char *text, struct ipaddr *a)
{
	uint8_t	 b[16];

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, text, b) == 1)
		ipaddr_set4(a, b);
	else if (inet_pton(AF_INET6, text, b) == 1)
		ipaddr_set6(a, b);
	else
		return (-1);
	return (0);
}

/*
 * By hand: inet_ntop() goes through sprintf() and was a tenth of the
 * cost of an EVE event (bench/results.md).  The output is glibc's
 * inet_ntop() byte for byte (tests/unit/test_addr.c compares them).
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

/* Lower-case hex, no leading zeros: sprintf("%x"). */
static char *
hex16(char *p, unsigned v)
{
	static const char hex[] = "0123456789abcdef";
	int shift;

	for (shift = 12; shift > 0 && (v >> shift) == 0; shift -= 4)
		continue;
	for (; shift >= 0; shift -= 4)
		*p++ = hex[(v >> shift) & 0xf];
	return (p);
}

/*
 * RFC 5952 as glibc's inet_ntop6() writes it (resolv/inet_ntop.c): the
 * longest run of two or more zero groups (the first of equal ones)
 * becomes "::", and an IPv4-mapped or -compatible address ends in
 * dotted quad.
 */
static void
ip6_str(const uint8_t *b, char *buf)
{
	unsigned	 w[8];
	int		 i, best = -1, best_len = 0, cur = -1, cur_len = 0;
	char		*p = buf;

	for (i = 0; i < 8; i++) {
		w[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
		if (w[i] == 0) {
			if (cur == -1)
				cur = i, cur_len = 0;
			cur_len++;
			continue;
		}
		if (cur != -1 && (best == -1 || cur_len > best_len))
			best = cur, best_len = cur_len;
		cur = -1;
	}
	if (cur != -1 && (best == -1 || cur_len > best_len))
		best = cur, best_len = cur_len;
	if (best != -1 && best_len < 2)
		best = -1;
	for (i = 0; i < 8; i++) {
		if (best != -1 && i >= best && i < best + best_len) {
			if (i == best)
				*p++ = ':';
			continue;
		}
		if (i != 0)
			*p++ = ':';
		if (i == 6 && best == 0 && (best_len == 6 ||
		    (best_len == 7 && w[7] != 0x0001) ||
		    (best_len == 5 && w[5] == 0xffff))) {
			ip4_str(b + 12, p);
			return;
		}
		p = hex16(p, w[i]);
	}
	if (best != -1 && best + best_len == 8)
		*p++ = ':';
	*p = '\0';
}

const char *
ipaddr_str(const struct ipaddr *a, char *buf, size_t buflen)
{
	if (buflen == 0)
		return (buf);
	if (a->family == 4 && buflen >= INET_ADDRSTRLEN)
		ip4_str(a->bytes, buf);
	else if (a->family == 6 && buflen >= INET6_ADDRSTRLEN)
		ip6_str(a->bytes, buf);
	else if (a->family == 0 || inet_ntop(a->family == 6 ? AF_INET6 :
	    AF_INET, a->bytes, buf, (socklen_t)buflen) == NULL)
		buf[0] = '\0';
	return (buf);
}
