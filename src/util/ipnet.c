/*
 * ipnet.c - CIDR prefixes: parsing (load time, may use libc freely) and
 * the integer form of addresses used by ipnet_contains().
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "ipnet.h"

static uint64_t
be64(const uint8_t *b)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return (v);
}

void
ipkey_from_addr(struct ipkey *k, const struct ipaddr *a)
{
	k->family = a->family;
	if (a->family == 6) {
		k->hi = be64(a->bytes);
		k->lo = be64(a->bytes + 8);
	} else {
		k->hi = 0;
		k->lo = (uint64_t)a->bytes[0] << 24 |
		    (uint64_t)a->bytes[1] << 16 |
		    (uint64_t)a->bytes[2] << 8 | a->bytes[3];
	}
}

/* The mask of the top len bits of a width-bit word held in a uint64_t. */
static uint64_t
top_bits(unsigned len, unsigned width)
{
	if (len == 0)
		return (0);
	if (width == 64)
		return (~(uint64_t)0 << (64 - len));
	return (((uint64_t)1 << width) - ((uint64_t)1 << (width - len)));
}

static int
parse_len(const char *s, unsigned max, unsigned *out)
{
	unsigned v = 0;
	size_t i, n = strlen(s);

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return (-1);
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return (-1);
	*out = v;
	return (0);
}

int
ipnet_parse(const char *text, struct ipnet *out, char *why, size_t whylen)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash;
	struct ipaddr a;
	struct ipkey k;
	uint8_t bytes[16];
	unsigned len, max;
	size_t alen;

	slash = strchr(text, '/');
	alen = slash != NULL ? (size_t)(slash - text) : strlen(text);
	if (alen == 0 || alen >= sizeof(addr)) {
		snprintf(why, whylen, "'%s' is not an IPv4 or IPv6 address or "
		    "prefix", text);
		return (-1);
	}
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, addr, bytes) == 1) {
		ipaddr_set4(&a, bytes);
		max = 32;
	} else if (inet_pton(AF_INET6, addr, bytes) == 1) {
		ipaddr_set6(&a, bytes);
		max = 128;
	} else {
		snprintf(why, whylen, "'%s' is not an IPv4 or IPv6 address",
		    addr);
		return (-1);
	}
	len = max;
	if (slash != NULL && parse_len(slash + 1, max, &len) != 0) {
		snprintf(why, whylen, "bad prefix length '%s' (0..%u)",
		    slash + 1, max);
		return (-1);
	}
	memset(out, 0, sizeof(*out));
	out->family = a.family;
	out->prefix_len = (uint8_t)len;
	if (max == 32) {
		out->mask_lo = top_bits(len, 32);
	} else {
		out->mask_hi = top_bits(len > 64 ? 64 : len, 64);
		out->mask_lo = top_bits(len > 64 ? len - 64 : 0, 64);
	}
	ipkey_from_addr(&k, &a);
	/* IPv4 keys have zero upper bits, so one test serves both. */
	if ((k.hi & ~out->mask_hi) != 0 || (k.lo & ~out->mask_lo) != 0) {
		snprintf(why, whylen, "'%s' has host bits set below /%u",
		    text, len);
		return (-1);
	}
	out->net_hi = k.hi;
	out->net_lo = k.lo;
	return (0);
}
