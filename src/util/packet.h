/*
 * packet.h - the one record a packet carries through the inspector.
 *
 * capture/ fills the frame fields, decode/ the outer headers and the
 * location of the ESP or WESP bytes, detect/ the SA verdict and the inner
 * payload.  Every pointer borrows: into the capture buffer, or into the
 * reassembly buffer of decode/ for a reassembled datagram, or into the
 * hold buffer of detect/ for a released packet.  Nothing here is freed.
 */
#ifndef ESPVIS_PACKET_H
#define ESPVIS_PACKET_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"

/*
 * Why a packet read was not analysed as IPsec.  Every packet read ends as
 * exactly one of: decoded (SKIP_NONE), skipped for one of these reasons,
 * or dropped.  X-macro so the enum and the names in the stats event
 * cannot drift apart (style-anchors lesson 8).
 */
#define SKIP_REASONS(X)							\
	X(NONE,			"none")					\
	X(LINKTYPE,		"unsupported_linktype")			\
	X(NOT_IP,		"not_ip")				\
	X(NOT_IPSEC,		"not_ipsec")				\
	X(IKE,			"ike")					\
	X(NATT_KEEPALIVE,	"natt_keepalive")			\
	X(FRAGMENT_HELD,	"fragment_held")			\
	X(FRAGMENT_INVALID,	"fragment_invalid")			\
	X(TRUNCATED,		"truncated")				\
	X(MALFORMED_L2,		"malformed_l2")				\
	X(MALFORMED_IP,		"malformed_ip")				\
	X(MALFORMED_UDP,	"malformed_udp")			\
	X(MALFORMED_ESP,	"malformed_esp")			\
	X(WESP_INVALID,		"wesp_invalid")				\
	X(TOO_DEEP,		"too_deep")

enum skip_reason {
#define SKIP_ENUM(id, name) SKIP_##id,
	SKIP_REASONS(SKIP_ENUM)
#undef SKIP_ENUM
	SKIP_MAX
};

const char	*skip_reason_name(enum skip_reason);

enum esp_verdict {
	VERDICT_UNDECIDED = 0,
	VERDICT_NULL,
	VERDICT_ENCRYPTED,
};

const char	*esp_verdict_name(enum esp_verdict);

enum esp_encap {
	ENCAP_NONE = 0,		/* IP protocol 50 or 141 */
	ENCAP_UDP,		/* RFC 3948 ESP in UDP, RFC 5840 section 2.1 */
};

#define IPPROTO_WESP_NUM	141	/* RFC 5840 section 2 */
#define IPPROTO_ESP_NUM		50	/* RFC 4303 */

struct packet {
	/* capture/ */
	uint64_t	 num;		/* 1-based frame number over all inputs */
	int64_t		 ts_sec;
	uint32_t	 ts_usec;
	int		 linktype;	/* libpcap DLT_ value */
	const uint8_t	*frame;		/* captured bytes */
	uint32_t	 caplen;	/* bytes in frame */
	uint32_t	 wirelen;	/* bytes on the wire */

	/* decode/: layer 2 */
	const uint8_t	*mac_dst;	/* 6 bytes, NULL unless Ethernet */
	const uint8_t	*mac_src;
	uint16_t	 vlan_id[2];	/* outer first */
	uint8_t		 n_vlan;

	/* decode/: the outer IP header (the last one before ESP) */
	struct ipaddr	 src;
	struct ipaddr	 dst;
	uint8_t		 ipver;		/* 4 or 6 */
	uint8_t		 ip_tos;	/* IPv4 TOS / IPv6 traffic class */
	uint8_t		 ip_ttl;	/* IPv4 TTL / IPv6 hop limit */
	bool		 ip_df;		/* IPv4 don't-fragment */
	uint16_t	 ip_id;		/* IPv4 identification */
	uint32_t	 ip6_flow;	/* IPv6 flow label (20 bits) */
	bool		 reassembled;	/* esp points into a reassembly buffer */

	/* decode/: UDP encapsulation and the IPsec bytes */
	enum esp_encap	 encap;
	uint16_t	 sport;		/* UDP ports when encap == ENCAP_UDP */
	uint16_t	 dport;
	uint8_t		 ipsec_proto;	/* IPPROTO_ESP_NUM or IPPROTO_WESP_NUM */
	const uint8_t	*esp;		/* first byte of the WESP or ESP header
					   (after the UDP WESP protocol id) */
	uint32_t	 esp_len;	/* bytes available at esp (captured) */
	uint32_t	 esp_wire_len;	/* bytes by the IP/UDP length fields */

	/* detect/ */
	uint32_t	 spi;
	uint32_t	 seq;
	uint32_t	 sa_id;		/* stable id of the SA in detect/ */
	enum esp_verdict verdict;	/* the SA's verdict after this packet */
	const uint8_t	*inner;		/* inner payload, NULL when not visible */
	uint32_t	 inner_len;
	uint8_t		 next_hdr;	/* ESP next header of this packet */
	bool		 inner_tunnel;	/* inner is an IP packet (NH 4 or 41) */

	enum skip_reason skip;		/* SKIP_NONE when decoded */
};

#endif /* ESPVIS_PACKET_H */
