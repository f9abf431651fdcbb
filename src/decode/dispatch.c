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

/*
 * Fixed, so that the same capture goes to the same workers on every
 * run: a key anyone can read buys nothing a keyed hash would, so the
 * mix is the cheapest that spreads well, the splitmix64 finalizer over
 * the address words (the reader hashes every frame; SipHash was an
 * eighth of its time).
 */
static uint64_t
mix64(uint64_t h)
{
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	return (h ^ (h >> 31));
}

static uint32_t
hash_pair(uint8_t family, const uint8_t lo[16], const uint8_t hi[16])
{
	uint64_t	w[4], h = family;
	int		i;

	memcpy(w, lo, 16);
	memcpy(w + 2, hi, 16);
	for (i = 0; i < 4; i++)
		h = mix64(h ^ w[i]);
	return ((uint32_t)(h ^ (h >> 32)));
}

uint32_t
decode_dispatch_hash(const struct packet *frame)
{
	struct decode		 d;
	struct packet		 p;
	struct dctx		 ctx;
	struct span		 s;
	const struct ipaddr	*lo, *hi;

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
	return (hash_pair(p.src.family, lo->bytes, hi->bytes));
}
