/*
 * sock.c - socket addresses to and from struct ipaddr, and the AF_UNIX
 * listening socket of the IKE control channel and the management API.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sock.h"

void
sock_addr_set(const struct ipaddr *ip, uint16_t port,
    struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (ip->family == 6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, ip->bytes, 16);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, ip->bytes, 4);
		*len = sizeof(*s4);
	}
}

void
sock_addr_get(const struct sockaddr_storage *ss, struct ipaddr *ip,
    uint16_t *port)
{
	memset(ip, 0, sizeof(*ip));
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 =
		    (const struct sockaddr_in6 *)ss;

		ipaddr_set6(ip, (const uint8_t *)&s6->sin6_addr);
		*port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		ipaddr_set4(ip, (const uint8_t *)&s4->sin_addr);
		*port = ntohs(s4->sin_port);
	}
}

int
sock_unix_listen(const char *path, int backlog)
{
	struct sockaddr_un sun;
	int fd, saved;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	memcpy(sun.sun_path, path, strlen(path));
	(void)unlink(path);	/* a socket file left by an earlier run */
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		return (-1);
	/* 0600: whoever may connect may steer the daemon. */
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    chmod(path, 0600) != 0 || listen(fd, backlog) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return (-1);
	}
	return (fd);
}
