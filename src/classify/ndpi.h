/*
 * ndpi.h - application detection on inner flows with nDPI 4.2 (Debian
 * 12's libndpi), behind a small interface: classify/ndpi.c is the one
 * file that includes nDPI's headers.
 *
 * One struct dpi per pipeline (one per worker thread: nDPI keeps the
 * packet being dissected inside its detection module).  Flows are named
 * by the slot the flow table gave them (inner/flow.h), so this stage and
 * inner/ share nothing but that number: dpi_flow_begin() when the flow
 * table creates a flow, dpi_packet() for each of its packets, and
 * dpi_flow_end() before the slot is reused.
 *
 * Detection follows ndpiReader (nDPI's own reference reader, 4.2
 * example/reader_util.c) step for step, so that the app espvis reports
 * for a flow is the one ndpiReader prints for the same packets: packets
 * are fed until the app is known and nDPI wants no more
 * (ndpi_extra_dissection_possible), or until a packet cap (ndpiReader's
 * 80 for TCP, 24 for UDP); a flow still undecided then, or at its end,
 * gets ndpi_detection_giveup() with guessing on.
 *
 * Ownership: dpi_new() creates the detection module and the slot array;
 * dpi_free() (NULL-safe) ends every active flow's nDPI state and the
 * module.  nDPI allocates one flow state per active flow (at
 * dpi_flow_begin(), and while dissecting); every byte it allocates goes
 * through counting hooks (process-wide: the hooks are nDPI's globals),
 * reported by dpi_update_stats().
 */
#ifndef ESPVIS_CLASSIFY_NDPI_H
#define ESPVIS_CLASSIFY_NDPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/flow_report.h"
#include "../util/stats.h"

struct dpi_config {
	bool		enabled;	/* false (--no-ndpi): the pipeline
					   creates no struct dpi at all */
	uint32_t	max_tcp_pkts;	/* give up on TCP flows after this */
	uint32_t	max_udp_pkts;	/* ... UDP flows */
	uint32_t	max_other_pkts;	/* ... any other protocol */
};

void	dpi_config_defaults(struct dpi_config *);

/* What nDPI said about a flow. */
struct dpi_app {
	uint16_t	master;		/* nDPI protocol ids; 0 is Unknown */
	uint16_t	app;
	uint64_t	risk;		/* nDPI risk bits, 1 << ndpi_risk_enum */
	bool		done;		/* final: no more packets are looked at */
	bool		guessed;	/* named by a guess at give-up */
	char		name[FLOW_APP_MAX]; /* "Master.App", as ndpiReader */
};

struct dpi;

/* nslots: the flow table's size; slots are 0 .. nslots - 1. */
struct dpi	*dpi_new(const struct dpi_config *, uint32_t nslots,
		    char *err, size_t errlen);
void		 dpi_free(struct dpi *);

/* A new flow in slot (which must not be active); proto: its IP protocol. */
void		 dpi_flow_begin(struct dpi *, uint32_t slot, uint8_t proto,
		    struct stats *);

/*
 * One packet of the flow in slot: ip points at its IP header (the inner
 * packet, or the rebuilt transport-mode one), len bytes; time in
 * milliseconds.  Returns true when this packet made the detection final.
 */
bool		 dpi_packet(struct dpi *, uint32_t slot, const uint8_t *ip,
		    size_t len, uint64_t time_ms, struct stats *);

/* The flow's app so far (final when out->done). */
void		 dpi_get(struct dpi *, uint32_t slot, struct dpi_app *out);

/*
 * The flow in slot ends: give up (with guessing) if still undecided, fill
 * out with the final app, release nDPI's state, free the slot.
 */
void		 dpi_flow_end(struct dpi *, uint32_t slot, struct dpi_app *out,
		    struct stats *);

/*
 * Copy nDPI's memory counters (bytes in use, peak) into stats.  They are
 * the process's: nDPI's allocation hooks are global.
 */
void		 dpi_update_stats(struct stats *);

/* nDPI's version string, e.g. "4.2.0" (static). */
const char	*dpi_version(void);

#endif /* ESPVIS_CLASSIFY_NDPI_H */
