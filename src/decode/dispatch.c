/*
 * dispatch.c - which worker a frame goes to (--workers, decode.h).
 *
 * The frame is walked by decode/'s own link-layer code (Ethernet, VLAN
 * and QinQ tags, PPPoE, Linux cooked, loopback, raw IP) in a mode that
 * stops at the first IP header, once its addresses are read: nothing is
 * decoded twice in two ways, and nothing is stored.
 *
 * Only the two outer addresses are hashed, sorted so that both
 * directions agree.  Not the UDP ports, although NAT-T peers behind one
 * address would spread better with them: a fragment after the first has
 * no UDP header, and every fragment of a datagram must reach the worker
 * that reassembles it, and so must every packet of its SA.  Addresses
 * also keep a rekeyed SA with its predecessor (detect/ starts from the
 * previous SA between the same peers).
 */
#include <string.h>

#include "decode_int.h"
#include "../util/siphash.h"

/* Fixed: the same capture goes to the same workers on every run. */
static const uint8_t dispatch_key[SIPHASH_KEY_LEN] = {
	0x65, 0x73, 0x70, 0x76, 0x69, 0x73, 0x2d, 0x64,
	0x69, 0x73, 0x70, 0x61, 0x74, 0x63, 0x68, 0x21,
};

uint32_t
decode_dispatch_hash(const struct packet *frame)
{
	struct decode		 d;
	struct packet		 p;
	struct dctx		 ctx;
	struct span		 s;
	const struct ipaddr	*lo, *hi;
	uint8_t			 key[1 + 2 * sizeof(lo->bytes)];

	memset(&d, 0, sizeof(d));
	decode_config_defaults(&d.cfg);
	memset(&p, 0, sizeof(p));
	p.linktype = frame->linktype;
	memset(&ctx, 0, sizeof(ctx));
	ctx.d = &d;
	ctx.p = &p;
	ctx.layers = 1;
	ctx.addrs_only = true;
	span_init(&s, frame->frame, frame->caplen, frame->wirelen);
	if (decode_link(&ctx, &s) != SKIP_NONE || p.src.family == 0)
		return (0);
	lo = &p.src;
	hi = &p.dst;
	if (memcmp(lo->bytes, hi->bytes, sizeof(lo->bytes)) > 0) {
		lo = &p.dst;
		hi = &p.src;
	}
	key[0] = p.src.family;
	memcpy(key + 1, lo->bytes, sizeof(lo->bytes));
	memcpy(key + 1 + sizeof(lo->bytes), hi->bytes, sizeof(hi->bytes));
	return ((uint32_t)siphash24(dispatch_key, key, sizeof(key)));
}
