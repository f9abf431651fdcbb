/*
 * esp_tun.c - TUN device and rtnetlink (RFC 3549) requests for its
 * address, MTU, link state and routes.
 *
 * One netlink socket per request: setup is rare, and a fresh socket has
 * no stale replies to skip.  Each request asks for an ACK and the
 * kernel's error code becomes the message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "esp_tun.h"

#define NL_BUF	512

struct nl_req {
	struct nlmsghdr	 nh;
	union {
		struct ifinfomsg ifi;
		struct ifaddrmsg ifa;
		struct rtmsg	 rt;
	} u;
	uint8_t		 attrs[256];
};

int
esp_tun_open(struct esp_tun *t, const char *name, char *err, size_t errlen)
{
	struct ifreq	 ifr;

	memset(t, 0, sizeof(*t));
	t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0) {
		snprintf(err, errlen, "/dev/net/tun: %s", strerror(errno));
		return (-1);
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
		snprintf(err, errlen, "TUNSETIFF %s: %s", name, strerror(errno));
		esp_tun_close(t);
		return (-1);
	}
	memcpy(t->name, ifr.ifr_name, sizeof(t->name) - 1);
	if (ioctl(t->fd, SIOCGIFINDEX, &ifr) < 0) {
		/* SIOCGIFINDEX wants an inet socket on some kernels */
		int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		if (s < 0 || ioctl(s, SIOCGIFINDEX, &ifr) < 0) {
			snprintf(err, errlen, "%s: ifindex: %s", t->name,
			    strerror(errno));
			if (s >= 0)
				close(s);
			esp_tun_close(t);
			return (-1);
		}
		close(s);
	}
	t->ifindex = ifr.ifr_ifindex;
	return (0);
}

void
esp_tun_close(struct esp_tun *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

/* Appends one attribute; false when it does not fit. */
static bool
nl_attr(struct nl_req *r, uint16_t type, const void *data, size_t len)
{
	struct rtattr	*a;
	size_t		 off = NLMSG_ALIGN(r->nh.nlmsg_len);

	if (off + RTA_SPACE(len) > sizeof(*r))
		return (false);
	a = (struct rtattr *)(void *)((uint8_t *)r + off);
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->nh.nlmsg_len = (uint32_t)(off + RTA_SPACE(len));
	return (true);
}

/* Sends the request and waits for its ACK (struct nlmsgerr). */
static int
nl_talk(struct nl_req *r, const char *what, char *err, size_t errlen)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	uint8_t		 buf[NL_BUF];
	struct nlmsghdr	*h = (struct nlmsghdr *)(void *)buf;
	struct nlmsgerr	 e;
	ssize_t		 n;
	int		 fd, rc = -1;

	r->nh.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	r->nh.nlmsg_seq = 1;
	if ((fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
	    NETLINK_ROUTE)) < 0) {
		snprintf(err, errlen, "netlink: %s", strerror(errno));
		return (-1);
	}
	if (sendto(fd, r, r->nh.nlmsg_len, 0, (struct sockaddr *)&sa,
	    sizeof(sa)) < 0) {
		snprintf(err, errlen, "%s: %s", what, strerror(errno));
		goto done;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(e)) || h->nlmsg_type != NLMSG_ERROR) {
		snprintf(err, errlen, "%s: no netlink ACK", what);
		goto done;
	}
	memcpy(&e, NLMSG_DATA(h), sizeof(e));
	if (e.error != 0) {
		snprintf(err, errlen, "%s: %s", what, strerror(-e.error));
		goto done;
	}
	rc = 0;
done:
	close(fd);
	return (rc);
}

static void
nl_init(struct nl_req *r, uint16_t type, uint16_t flags, size_t body)
{
	memset(r, 0, sizeof(*r));
	r->nh.nlmsg_len = (uint32_t)NLMSG_LENGTH(body);
	r->nh.nlmsg_type = type;
	r->nh.nlmsg_flags = flags;
}

static uint8_t
af_of(const struct ipaddr *a)
{
	return (a->family == 6 ? AF_INET6 : AF_INET);
}

static size_t
alen_of(const struct ipaddr *a)
{
	return (a->family == 6 ? 16 : 4);
}

int
esp_tun_up(const struct esp_tun *t, unsigned mtu, char *err, size_t errlen)
{
	struct nl_req	 r;
	uint32_t	 m = mtu;

	nl_init(&r, RTM_NEWLINK, 0, sizeof(r.u.ifi));
	r.u.ifi.ifi_family = AF_UNSPEC;
	r.u.ifi.ifi_index = t->ifindex;
	r.u.ifi.ifi_flags = IFF_UP;
	r.u.ifi.ifi_change = IFF_UP;
	if (mtu != 0 && !nl_attr(&r, IFLA_MTU, &m, sizeof(m)))
		return (-1);
	return (nl_talk(&r, "link up", err, errlen));
}

int
esp_tun_addr(const struct esp_tun *t, const struct ipaddr *addr,
    uint8_t prefix, char *err, size_t errlen)
{
	struct nl_req	 r;

	nl_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE,
	    sizeof(r.u.ifa));
	r.u.ifa.ifa_family = af_of(addr);
	r.u.ifa.ifa_prefixlen = prefix;
	r.u.ifa.ifa_index = (uint32_t)t->ifindex;
	if (addr->family == 6)	/* a point-to-point tunnel needs no DAD */
		r.u.ifa.ifa_flags = IFA_F_NODAD;
	if (!nl_attr(&r, IFA_LOCAL, addr->bytes, alen_of(addr)) ||
	    !nl_attr(&r, IFA_ADDRESS, addr->bytes, alen_of(addr)))
		return (-1);
	return (nl_talk(&r, "address", err, errlen));
}

int
esp_tun_route(const struct esp_tun *t, int add, const struct ipaddr *dst,
    uint8_t prefix, const struct ipaddr *src, char *err, size_t errlen)
{
	struct nl_req	 r;
	uint32_t	 oif = (uint32_t)t->ifindex;

	nl_init(&r, add ? RTM_NEWROUTE : RTM_DELROUTE,
	    add ? NLM_F_CREATE | NLM_F_REPLACE : 0, sizeof(r.u.rt));
	r.u.rt.rtm_family = af_of(dst);
	r.u.rt.rtm_dst_len = prefix;
	r.u.rt.rtm_table = RT_TABLE_MAIN;
	r.u.rt.rtm_protocol = RTPROT_STATIC;
	r.u.rt.rtm_scope = RT_SCOPE_LINK;
	r.u.rt.rtm_type = RTN_UNICAST;
	if (!nl_attr(&r, RTA_DST, dst->bytes, alen_of(dst)) ||
	    !nl_attr(&r, RTA_OIF, &oif, sizeof(oif)))
		return (-1);
	if (src != NULL && src->family == dst->family &&
	    !nl_attr(&r, RTA_PREFSRC, src->bytes, alen_of(src)))
		return (-1);
	return (nl_talk(&r, add ? "route add" : "route delete", err, errlen));
}

/* ---- ranges to prefixes (byte arrays, network order) ---- */

static int
bytes_cmp(const uint8_t *a, const uint8_t *b, size_t n)
{
	return (memcmp(a, b, n));
}

/* out = a with its low `bits` bits set. */
static void
set_low(const uint8_t *a, size_t n, unsigned bits, uint8_t *out)
{
	size_t	 i;

	memcpy(out, a, n);
	for (i = n; i-- > 0 && bits > 0;) {
		unsigned take = bits >= 8 ? 8 : bits;

		out[i] |= (uint8_t)((1u << take) - 1);
		bits -= take;
	}
}

static unsigned
trailing_zeros(const uint8_t *a, size_t n)
{
	unsigned z = 0;
	size_t	 i;
	int	 b;

	for (i = n; i-- > 0;) {
		if (a[i] == 0) {
			z += 8;
			continue;
		}
		for (b = 0; !(a[i] & (1u << b)); b++)
			z++;
		break;
	}
	return (z);
}

/* a += 1; false on overflow. */
static bool
incr(uint8_t *a, size_t n)
{
	size_t	 i;

	for (i = n; i-- > 0;)
		if (++a[i] != 0)
			return (true);
	return (false);
}

size_t
esp_range_prefixes(const uint8_t *start, const uint8_t *end, size_t alen,
    uint8_t (*pfx)[16], uint8_t *plen, size_t max)
{
	uint8_t		 cur[16], last[16];
	unsigned	 bits = (unsigned)alen * 8, host;
	size_t		 n = 0;

	if (alen > 16 || bytes_cmp(start, end, alen) > 0)
		return (0);
	memcpy(cur, start, alen);
	for (;;) {
		host = trailing_zeros(cur, alen);
		if (host > bits)
			host = bits;
		for (;; host--) {
			set_low(cur, alen, host, last);
			if (bytes_cmp(last, end, alen) <= 0)
				break;
		}
		if (n < max) {
			memset(pfx[n], 0, 16);
			memcpy(pfx[n], cur, alen);
			plen[n] = (uint8_t)(bits - host);
		}
		n++;
		if (bytes_cmp(last, end, alen) == 0)
			break;
		memcpy(cur, last, alen);
		if (!incr(cur, alen))
			break;
	}
	return (n);
}

int
esp_tun_route_ts(const struct esp_tun *t, int add, const struct ike_ts *ts,
    const struct ipaddr *src, char *err, size_t errlen)
{
	uint8_t		 pfx[64][16], plen[64];
	struct ipaddr	 dst;
	size_t		 alen = ts->type == IKE_TS_IPV6_ADDR_RANGE ? 16 : 4;
	size_t		 n, i;

	n = esp_range_prefixes(ts->start, ts->end, alen, pfx, plen, 64);
	if (n == 0 || n > 64) {
		snprintf(err, errlen, "traffic selector range: %zu prefixes", n);
		return (-1);
	}
	for (i = 0; i < n; i++) {
		memset(&dst, 0, sizeof(dst));
		dst.family = alen == 16 ? 6 : 4;
		memcpy(dst.bytes, pfx[i], alen);
		if (esp_tun_route(t, add, &dst, plen[i], src, err, errlen) != 0)
			return (-1);
	}
	return (0);
}
