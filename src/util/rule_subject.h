/*
 * rule_subject.h - what the rules are asked about: one security
 * association, or one inner flow inside one, by value.
 *
 * The pipeline fills one on the stack and hands it to rules_match()
 * (classify/rules.h); nothing in it is kept.  There are two levels:
 *
 *   SA level (flow_level false): what detect/ knows of an SA - verdict,
 *   WESP, SPI, outer addresses and UDP ports.  Rules without an inner or
 *   app condition are asked at this level.
 *
 *   Flow level (flow_level true): the SA fields, plus the inner 5-tuple
 *   and what nDPI said.  Rules with any inner or app condition are asked
 *   only at this level.
 *
 * Apps are nDPI 4.2 protocol ids (ndpi_protocol.master_protocol and
 * .app_protocol, NDPI_PROTOCOL_* in ndpi_protocol_ids.h), not names, so
 * that a match compares integers; rules_subject_set_app() converts a
 * "Master.App" name once for callers that only have the name.
 */
#ifndef ESPVIS_RULE_SUBJECT_H
#define ESPVIS_RULE_SUBJECT_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "packet.h"

/*
 * app_master and app_id of a flow nDPI has not named yet (inline
 * verdicts ask before it has): no app condition matches it, not even
 * Unknown, which means nDPI gave up.  Above every nDPI 4.2 id, which is
 * how rules_match() ignores it.
 */
#define RULE_APP_PENDING	0xffff

struct rule_subject {
	/* When: the packet or event time; copied into alerts, not matched. */
	int64_t		 ts_sec;
	uint32_t	 ts_usec;

	bool		 flow_level;

	/* The SA (both levels). */
	enum esp_verdict verdict;
	bool		 wesp;
	uint32_t	 spi;
	struct ipaddr	 src;		/* outer source of the ESP packets */
	struct ipaddr	 dst;
	enum esp_encap	 encap;		/* with sport/dport: for the alert's */
	uint16_t	 sport;		/* tuple only, never matched */
	uint16_t	 dport;

	/* The inner flow (flow_level only). */
	struct ipaddr	 inner_src;	/* the flow's client (first packet) */
	struct ipaddr	 inner_dst;
	uint8_t		 inner_proto;	/* IP protocol number */
	uint16_t	 inner_sport;	/* TCP, UDP, SCTP; else 0 */
	uint16_t	 inner_dport;
	uint16_t	 app_master;	/* nDPI ids, 0 (Unknown) when none */
	uint16_t	 app_id;
	uint64_t	 app_risk;	/* nDPI risks, 1 << ndpi_risk_enum */
	const char	*app_name;	/* borrowed, for alerts; NULL: none */
};

#endif /* ESPVIS_RULE_SUBJECT_H */
