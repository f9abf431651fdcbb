/*
 * sa_report.h - what detect/ tells the exporters about one security
 * association: a snapshot by value, so the exporter never reaches into
 * detect/'s tables (DESIGN.md section 1: stages share only util/).
 */
#ifndef ESPVIS_SA_REPORT_H
#define ESPVIS_SA_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "packet.h"

enum sa_method {
	METHOD_NONE = 0,	/* not decided yet */
	METHOD_WESP,		/* RFC 5840 header said so */
	METHOD_HEURISTIC,	/* RFC 5879 checks */
	METHOD_KEYS,		/* the SA's key (util/esp_keys.h) */
};

enum sa_event {
	SA_EVENT_DECIDED,	/* verdict reached (null or encrypted) */
	SA_EVENT_END,		/* SA ended: see end_reason */
};

/* One (IV, ICV) layout that the heuristic tried. */
struct sa_candidate {
	uint8_t	iv_len;
	uint8_t	icv_len;
};

#define SA_MAX_CANDIDATES	8

struct sa_report {
	enum sa_event	 event;
	const char	*end_reason;	/* "timeout", "end_of_input", "evicted";
					   NULL for SA_EVENT_DECIDED; static */
	int64_t		 ts_sec;	/* time of the packet that caused the
					   event, or of the last packet seen */
	uint32_t	 ts_usec;

	uint32_t	 sa_id;
	uint8_t		 ipver;
	struct ipaddr	 src;
	struct ipaddr	 dst;
	enum esp_encap	 encap;
	uint16_t	 sport;
	uint16_t	 dport;
	bool		 wesp;
	uint32_t	 spi;

	enum esp_verdict verdict;
	uint8_t		 icv_len;	/* valid when verdict == VERDICT_NULL */
	uint8_t		 iv_len;
	enum sa_method	 method;
	uint32_t	 decided_after;	/* packets seen when decided; 0 if not */
	bool		 from_predecessor; /* decision helped by a rekeyed SA */
	uint8_t		 n_rejected;
	struct sa_candidate rejected[SA_MAX_CANDIDATES];

	uint64_t	 pkts;
	uint64_t	 bytes;		/* ESP/WESP bytes by the length fields */
	uint32_t	 seq_first;
	uint32_t	 seq_last;
	uint64_t	 seq_gaps;	/* missing sequence numbers */
	uint64_t	 seq_replays;	/* repeated or older sequence numbers */
	uint64_t	 inner_pkts;	/* packets whose inner payload was found */
	uint8_t		 next_hdr;	/* ESP next header of the latest such
					   packet (4/41: tunnel mode); 0: none */

	/* Keyed SAs only (keyed: the inspector had its key for at least
	   one packet): packets whose ICV passed and failed, and whether
	   the key encrypts (then every packet that passed was decrypted). */
	bool		 keyed;
	bool		 decrypts;
	uint64_t	 icv_ok;
	uint64_t	 icv_failed;
};

/* Callback by which detect/ hands a report to whoever wired it. */
typedef void (*sa_report_fn)(void *arg, const struct sa_report *);

#endif /* ESPVIS_SA_REPORT_H */
