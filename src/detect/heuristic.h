/*
 * heuristic.h - the per-SA state machine that decides ESP-NULL or
 * encrypted from the packets of one plain ESP SA (RFC 5879 section 8),
 * and the one gate through which any SA's verdict changes.
 *
 * A struct heur lives inside each SA record (sa_table.h); it holds no
 * pointers and needs no freeing.
 */
#ifndef ESPVIS_DETECT_HEURISTIC_H
#define ESPVIS_DETECT_HEURISTIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/cursor.h"
#include "../util/packet.h"
#include "../util/sa_report.h"
#include "esp.h"
#include "inner.h"

#define HEUR_N_CANDIDATES	7

/* Evidence one candidate layout has gathered; counters saturate. */
struct heur_cand {
	uint16_t	passes;		/* packets that passed (weak or strong) */
	uint16_t	strong;		/* of those, with a verified checksum */
	uint16_t	fails;		/* failed while another candidate passed */
	uint16_t	fails_any;	/* failed at all (for the report) */
	uint16_t	nat_residual;	/* last INNER_WEAK_NAT residual, if
					   heur.nat_seen has its bit */
};

struct heur {
	enum esp_verdict verdict;	/* changed only by sa_set_state() */
	enum sa_method	 method;
	const char	*reason;	/* why the verdict last changed; static */
	int8_t		 decided;	/* candidate index; -1 (or WESP) */
	uint8_t		 iv_len;	/* the decided layout (null) */
	uint8_t		 icv_len;
	bool		 from_predecessor;
	int8_t		 pred;		/* predecessor SA's candidate; -1 */
	uint8_t		 nat_seen;	/* bit i: cand[i].nat_residual set
					   (a bit, not a bool per candidate:
					   struct sa stays in 256 bytes) */
	uint32_t	 decided_after;	/* SA packets seen when decided */
	uint16_t	 evidence_pkts;	/* packets with a visible trailer */
	uint16_t	 nofit_pkts;	/* of those, fitting no candidate */
	struct heur_cand cand[HEUR_N_CANDIDATES];
};

struct heur_config {
	uint32_t	decide_pkts;	/* weak passes to decide null */
	uint32_t	encrypted_pkts;	/* no-fit packets to decide encrypted */
};

/* One plain ESP packet as the heuristic sees it. */
struct heur_input {
	struct cursor	 esp;		/* window at the SPI (captured bytes) */
	uint32_t	 wire_len;	/* ESP length by the length fields */
	struct inner_ctx ictx;		/* pseudo-header addresses, NAT */
	uint32_t	 pkts;		/* the SA's packets, this one included */
};

/* Start an SA; pred is a candidate index from heur_candidate_index() or
   -1 when no predecessor SA between the same peers was decided null. */
void	heur_init(struct heur *, int pred);

/* The candidate layouts, shortest ICV first (RFC 5879 section 8.2). */
const struct sa_candidate *heur_candidate(int index);
int	heur_candidate_index(uint8_t iv_len, uint8_t icv_len);

/*
 * The only way a verdict changes: checked against the allowed
 * transitions (undecided -> null, undecided -> encrypted).  Returns
 * false, changing nothing, for any other transition.
 */
bool	sa_set_state(struct heur *, enum esp_verdict to, enum sa_method,
	    const char *reason);
bool	heur_transition_allowed(enum esp_verdict from, enum esp_verdict to);

/*
 * Feed one packet of an undecided SA.  Returns true when this packet
 * decided the verdict (read it from h->verdict).  Packets with no
 * visible trailer or no payload give no evidence.
 */
bool	heur_packet(struct heur *, const struct heur_config *,
	    const struct heur_input *);

/*
 * The SA ends undecided: when every packet with a visible trailer fitted
 * no candidate at all (fewer than encrypted_pkts of them), decide
 * encrypted now.  Returns true when it did.
 */
bool	heur_finish(struct heur *, uint32_t pkts);

/* Null SA: does this packet fit the decided layout?  Fills out if so. */
bool	heur_inspect(const struct heur *, const struct heur_input *,
	    struct esp_layout *out);

/* WESP said so (RFC 5840 section 2): decide at once. */
bool	heur_decide_wesp(struct heur *, bool encrypted, uint8_t iv_len,
	    uint8_t icv_len, uint32_t pkts);

/* The SA's key says so (detect/keyed.h): decide at once, with the
 * suite's exact layout; heur_inspect() then leaves its packets to the
 * key (their ICVs are checked there). */
bool	heur_decide_keys(struct heur *, bool encrypted, uint8_t iv_len,
	    uint8_t icv_len, uint32_t pkts);

/* The candidates rejected so far, at most max; returns how many. */
size_t	heur_rejected(const struct heur *, struct sa_candidate *out,
	    size_t max);

#endif /* ESPVIS_DETECT_HEURISTIC_H */
