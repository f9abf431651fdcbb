/*
 * sock.h - socket helpers shared by the IKE endpoint (ike/ike_run.c),
 * its ESP plane (esp/esp_plane.c) and the management listener
 * (mgmt/mgmt.c), which do not include each other for this.
 */
#ifndef ESPVIS_SOCK_H
#define ESPVIS_SOCK_H

#include <stdint.h>
#include <sys/socket.h>

#include "addr.h"

/* Fills *ss (zeroed first) with ip and port (host order), IPv4 unless
 * ip is IPv6; *len gets the length to hand to bind() or sendto(). */
void	sock_addr_set(const struct ipaddr *ip, uint16_t port,
	    struct sockaddr_storage *ss, socklen_t *len);
/* The reverse, for what recvfrom() returned; anything not AF_INET6 is
 * read as AF_INET. */
void	sock_addr_get(const struct sockaddr_storage *ss, struct ipaddr *ip,
	    uint16_t *port);

/*
 * A listening, non-blocking AF_UNIX stream socket at path, mode 0600,
 * replacing a stale file there.  Returns the descriptor, which the
 * caller owns and closes; or -1 with errno set (ENAMETOOLONG when path
 * does not fit sun_path), nothing left open.
 */
int	sock_unix_listen(const char *path, int backlog);

#endif /* ESPVIS_SOCK_H */
