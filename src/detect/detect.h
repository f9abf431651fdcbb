/*
 * detect.h - ESP and WESP parsing, the SA table, and the RFC 5879
 * heuristics that judge each SA ESP-NULL or encrypted.
 *
 * Ownership: detect_new() allocates every table (SA table, hold buffer)
 * up front; detect_free() (NULL-safe) releases them.  detect_packet()
 * allocates nothing.  Reports go to the callback given to detect_new(),
 * synchronously, and are valid only during the call.
 */
#ifndef ESPVIS_DETECT_H
#define ESPVIS_DETECT_H

#include <stdbool.h>
#include <stdint.h>

#include "../util/packet.h"
#include "../util/sa_report.h"
#include "../util/stats.h"

struct detect_config {
	uint32_t	max_sas;		/* SA table size (hard limit) */
	uint32_t	sa_timeout_sec;		/* idle SAs end after this */
	uint32_t	decide_pkts;		/* consistent packets to decide
						   null on weak evidence */
	uint32_t	encrypted_pkts;		/* packets with no surviving
						   candidate to decide encrypted */
	uint32_t	hold_bytes;		/* bytes to hold packets of
						   undecided SAs */
};

void	detect_config_defaults(struct detect_config *);

struct detect;

struct detect	*detect_new(const struct detect_config *, sa_report_fn, void *arg);
void		 detect_free(struct detect *);

/*
 * Check the packets of SAs whose key the store holds (borrowed; must
 * outlive d; NULL: none), detect/keyed.h.  Returns 0, or -1 when out of
 * memory.  Call once, before the first packet.
 */
struct esp_keys;
int	detect_use_keys(struct detect *, struct esp_keys *);

/*
 * Judge one decoded packet (p->skip == SKIP_NONE, p->esp set).  Sets
 * p->spi, p->seq, p->sa_id, p->verdict and, when the payload is visible,
 * p->inner, p->inner_len, p->next_hdr, p->inner_tunnel.  A WESP header
 * that breaks RFC 5840 sets p->skip = SKIP_WESP_INVALID, and a packet too
 * short for an ESP header SKIP_MALFORMED_ESP or SKIP_TRUNCATED; each is
 * counted here (the pipeline then counts the packet as skipped, not
 * decoded).
 */
void	detect_packet(struct detect *, struct packet *, struct stats *);

/*
 * Packets held while their SA was undecided and that the last
 * detect_packet() call made inspectable come out here, oldest first, one
 * per call, with p->inner set.  Their bytes live in detect's hold buffer
 * and stay valid until the next detect_ call.  Returns false when none
 * is left.
 */
bool	detect_next_released(struct detect *, struct packet *);

/* End SAs idle since before now_sec - sa_timeout_sec (event END). */
void	detect_expire(struct detect *, int64_t now_sec, struct stats *);

/* End every SA (event END, reason "end_of_input"). */
void	detect_finish(struct detect *, struct stats *);

/*
 * The SAs tracked now, most recently seen first: up to max reports into
 * out (ts: the last packet; event and end_reason unused).  *total: how
 * many there are.  Reads only; on the thread that owns d (mgmt API).
 */
size_t	detect_snapshot(const struct detect *, struct sa_report *out,
	    size_t max, uint32_t *total);

#endif /* ESPVIS_DETECT_H */
