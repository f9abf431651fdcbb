/*
 * flow_report.h - an inner flow: its 5-tuple, and what inner/ tells the
 * exporters when the flow ends.  The report is a snapshot by value, so an
 * exporter never reaches into inner/'s table (DESIGN.md section 1: stages
 * share only util/).
 */
#ifndef ESPVIS_FLOW_REPORT_H
#define ESPVIS_FLOW_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"

/*
 * The 5-tuple of an inner packet.  Ports are those of TCP, UDP and SCTP;
 * other protocols (ICMP, ICMPv6, GRE, ...) have ports 0, as ndpiReader
 * and most flow tools keep them: one flow per protocol and host pair.
 */
struct inner_tuple {
	uint8_t		ipver;		/* 4 or 6 */
	uint8_t		proto;		/* IP protocol / last next header */
	uint16_t	sport;
	uint16_t	dport;
	struct ipaddr	src;
	struct ipaddr	dst;
};

/* The SA that carried one direction of a flow (its first packet). */
struct flow_sa {
	bool		seen;		/* false: no packet that way yet */
	uint32_t	spi;
	uint32_t	sa_id;
	struct ipaddr	src;		/* outer source and destination */
	struct ipaddr	dst;
};

#define FLOW_APP_MAX	64	/* "Master.App" names of nDPI fit */

struct flow_report {
	const char	*end_reason;	/* "timeout", "end_of_input",
					   "evicted"; static */
	uint32_t	 slot;		/* the flow's table slot: valid until
					   the report callback returns */
	struct inner_tuple tuple;	/* client (first packet's source) first */
	int64_t		 first_sec;	/* earliest and latest packet */
	uint32_t	 first_usec;
	int64_t		 last_sec;
	uint32_t	 last_usec;
	uint64_t	 pkts_toserver;
	uint64_t	 pkts_toclient;
	uint64_t	 bytes_toserver; /* inner IP bytes (header included) */
	uint64_t	 bytes_toclient;
	struct flow_sa	 sa_toserver;
	struct flow_sa	 sa_toclient;
	char		 app_proto[FLOW_APP_MAX]; /* filled by the receiver */
};

/*
 * Callback by which inner/ hands an ended flow to whoever wired it.  The
 * report is valid only during the call; the slot is reused after it.
 */
typedef void (*flow_report_fn)(void *arg, const struct flow_report *);

#endif /* ESPVIS_FLOW_REPORT_H */
