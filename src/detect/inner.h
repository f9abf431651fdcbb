/*
 * inner.h - is this the payload an ESP-NULL packet would carry?
 *
 * Checks the protocol named by the ESP Next Header against the bytes
 * that a candidate layout says are the payload (RFC 5879 section 8.3),
 * with checksums wherever the protocol has one.  The verdict grades the
 * evidence; heuristic.c decides what it is worth.
 */
#ifndef ESPVIS_DETECT_INNER_H
#define ESPVIS_DETECT_INNER_H

#include <stdbool.h>
#include <stdint.h>

#include "../util/addr.h"
#include "../util/cursor.h"

enum inner_verdict {
	INNER_FAIL,	/* a field or checksum that must hold does not */
	INNER_UNSURE,	/* nothing to check: unknown protocol, or dummy
			   (NH 59); neither for nor against */
	INNER_WEAK,	/* the structure holds, no checksum covers the
			   payload */
	INNER_WEAK_NAT,	/* the structure holds, the pseudo-header checksum
			   is off by `residual`: a NAT may have rewritten
			   the outer addresses (RFC 3948 section 3.1.2) */
	INNER_STRONG,	/* a checksum over the payload verified */
};

struct inner_ctx {
	struct ipaddr	src;		/* pseudo-header addresses: the outer */
	struct ipaddr	dst;		/* ones in transport mode */
	bool		nat_possible;	/* UDP-encapsulated: see WEAK_NAT */
};

struct inner_result {
	enum inner_verdict verdict;
	uint16_t	residual;	/* WEAK_NAT: the folded one's-complement
					   sum that should have been 0xffff */
};

/*
 * Judge payload (a window of exactly the inner bytes, padding excluded)
 * as protocol next_hdr.  The window is not moved.
 */
void	inner_check(const struct inner_ctx *, uint8_t next_hdr,
	    const struct cursor *payload, struct inner_result *);

/* True when next_hdr carries a whole IP packet (tunnel mode). */
bool	inner_is_tunnel(uint8_t next_hdr);

#endif /* ESPVIS_DETECT_INNER_H */
