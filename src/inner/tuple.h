/*
 * tuple.h - the 5-tuple of an inner packet: the IP header and the ports
 * of the packet an ESP-NULL SA carries.
 *
 * Tunnel mode (RFC 4303 section 3.1.2): the inner IPv4 or IPv6 header,
 * with the IPv6 extension-header chain, then the upper layer.  Transport
 * mode (section 3.1.1): the outer addresses, the ESP next header, and the
 * upper layer at the start of the payload.
 *
 * Ownership: nothing is allocated; the result is by value.
 */
#ifndef ESPVIS_INNER_TUPLE_H
#define ESPVIS_INNER_TUPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/flow_report.h"
#include "../util/packet.h"

enum tuple_result {
	TUPLE_OK = 0,
	TUPLE_FRAGMENT,		/* a non-first fragment: no upper layer */
	TUPLE_DUMMY,		/* next header 59 (RFC 4303 section 2.6) */
	TUPLE_TRUNCATED,	/* fewer bytes than a header or length says */
	TUPLE_MALFORMED,	/* a field no valid packet has */
};

struct tuple_pkt {
	struct inner_tuple tuple;
	uint32_t	ip_len;		/* the IP packet by its own length
					   field (tunnel), or the rebuilt
					   header plus payload (transport) */
	uint8_t		tcp_flags;	/* TCP only; 0 otherwise */
	bool		first_fragment;	/* ports of a datagram's first
					   fragment: upper-layer lengths
					   are not checked */
};

#define TCP_FLAG_FIN	0x01
#define TCP_FLAG_SYN	0x02
#define TCP_FLAG_RST	0x04

/* The tuple of p's inner packet (p->inner set by detect/). */
enum tuple_result tuple_parse_packet(const struct packet *, struct tuple_pkt *);

/*
 * The parts, for tests and fuzzing: a whole IP packet (tunnel mode), and
 * an upper-layer header of protocol proto (transport mode, or what
 * follows an IP header).  tuple_parse_l4() fills only the ports, the
 * protocol and the TCP flags of out.
 */
enum tuple_result tuple_parse_ip(const uint8_t *, size_t, struct tuple_pkt *);
enum tuple_result tuple_parse_l4(uint8_t proto, const uint8_t *, size_t,
		    bool first_fragment, struct tuple_pkt *);

const char	*tuple_result_name(enum tuple_result);

#endif /* ESPVIS_INNER_TUPLE_H */
