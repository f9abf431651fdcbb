/*
 * alert_report.h - one rule match, as the exporters see it: a snapshot by
 * value (like sa_report.h), filled by rules_alert_report() from the rule
 * and the subject it matched, written by eve_write_alert().
 *
 * The strings borrow: msg and category from the rule set (valid until
 * the rules are next reloaded, which happens only between packets),
 * app_proto from the subject.  Use the report during the call that made
 * it and keep nothing.
 */
#ifndef ESPVIS_ALERT_REPORT_H
#define ESPVIS_ALERT_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "packet.h"

/* Suricata's alert.action: what a firewall did, or would do, with it. */
enum alert_action {
	ALERT_ALLOWED,		/* rule action alert */
	ALERT_BLOCKED,		/* rule action drop */
};

struct alert_report {
	int64_t		 ts_sec;
	uint32_t	 ts_usec;

	uint32_t	 signature_id;	/* the rule's id */
	const char	*msg;		/* the rule's msg */
	const char	*category;	/* the rule's category, or NULL */
	enum alert_action action;
	uint8_t		 severity;	/* 1 (highest) .. 4 */

	/*
	 * The top-level tuple: the inner flow's when flow_level, else the
	 * SA's outer one (with UDP ports when encapsulated), as in `esp`
	 * events.
	 */
	bool		 flow_level;
	struct ipaddr	 src;
	struct ipaddr	 dst;
	uint8_t		 proto;		/* flow level: inner IP protocol */
	bool		 has_ports;
	uint16_t	 sport;
	uint16_t	 dport;
	const char	*app_proto;	/* nDPI name, or NULL */

	/* The SA that carried it. */
	uint32_t	 spi;
	struct ipaddr	 sa_src;
	struct ipaddr	 sa_dst;
	enum esp_encap	 encap;
	bool		 wesp;
	enum esp_verdict verdict;
};

#endif /* ESPVIS_ALERT_REPORT_H */
