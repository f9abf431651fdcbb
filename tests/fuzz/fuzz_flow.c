/*
 * fuzz_flow.c - libFuzzer target for inner/: the 5-tuple parser on
 * arbitrary inner packets (tunnel and transport mode) and the flow table
 * behind it (8 entries, so it evicts; expiry as time jumps).
 *
 * Input: records of
 *   flags (1), length (1), length bytes
 * flags: 0x01 transport mode (else tunnel), 0x02 IPv6 (outer, or the
 * inner next header 41), 0x04 call flow_table_expire first, 0x38 which of
 * 8 peer pairs, 0x40 swap the peers, 0x80 time jumps 60 s.
 * Besides the sanitizers it checks: a flow's slot is below the table
 * size, the table never holds more than that, every report names a
 * reason, and at the end every created flow has ended.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inner/flow.h"
#include "inner/tuple.h"

#define MAX_FLOWS	8

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
on_end(void *arg, const struct flow_report *r)
{
	(void)arg;
	if (r->end_reason == NULL || r->slot >= MAX_FLOWS ||
	    r->pkts_toserver == 0)
		abort();
}

static void
make_packet(struct packet *p, uint8_t flags, const uint8_t *b, size_t n,
    int64_t ts)
{
	uint8_t		 peer = (uint8_t)(flags >> 3 & 7);
	uint8_t		 l6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, peer };
	uint8_t		 r6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, peer, [15] = 1 };
	uint8_t		 l4[4] = { 198, 51, 100, peer };
	uint8_t		 r4[4] = { 203, 0, 113, peer };
	struct ipaddr	 swap;

	memset(p, 0, sizeof(*p));
	p->ts_sec = ts;
	p->ipver = flags & 0x02 ? 6 : 4;
	if (p->ipver == 6) {
		ipaddr_set6(&p->src, l6);
		ipaddr_set6(&p->dst, r6);
	} else {
		ipaddr_set4(&p->src, l4);
		ipaddr_set4(&p->dst, r4);
	}
	if (flags & 0x40) {
		swap = p->src;
		p->src = p->dst;
		p->dst = swap;
	}
	p->spi = 0x1000u + peer;
	p->verdict = VERDICT_NULL;
	p->inner = b;
	p->inner_len = (uint32_t)n;
	if (flags & 0x01)
		p->next_hdr = n > 0 ? b[0] : 17;
	else {
		p->inner_tunnel = true;
		p->next_hdr = flags & 0x02 ? 41 : 4;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flow_config	 cfg;
	struct flow_table	*t;
	struct stats		 st;
	struct flow_ref		 ref;
	struct packet		 p;
	struct tuple_pkt	 tp;
	size_t			 off = 0, n;
	int64_t			 ts = 1000;
	uint8_t			 flags;

	flow_config_defaults(&cfg);
	cfg.max_flows = MAX_FLOWS;
	memset(&st, 0, sizeof(st));
	if ((t = flow_table_new(&cfg, on_end, NULL)) == NULL)
		abort();
	while (off + 2 <= size) {
		flags = data[off];
		n = data[off + 1];
		off += 2;
		if (n > size - off)
			n = size - off;
		if (flags & 0x80)
			ts += 60;
		if (flags & 0x04)
			flow_table_expire(t, ts, &st);
		make_packet(&p, flags, data + off, n, ts);
		if (tuple_parse_packet(&p, &tp) == TUPLE_OK &&
		    p.inner_tunnel && tp.ip_len > n)
			abort();
		if (flow_table_packet(t, &p, &ref, &st) &&
		    ref.slot >= MAX_FLOWS)
			abort();
		if (flow_table_count(t) > MAX_FLOWS)
			abort();
		off += n;
	}
	flow_table_finish(t, &st);
	if (flow_table_count(t) != 0 || st.flow_ended != st.flow_created)
		abort();
	flow_table_free(t);
	return (0);
}
