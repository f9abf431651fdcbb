/*
 * decode.c - outer decoding: the entry point and what the layers share.
 *
 * decode_packet() clears the outer fields of the packet record, hands
 * the frame to the link layer (link.c), which hands its payload on
 * (ip4.c, ip6.c, udp.c), until a decoder finds ESP or WESP or a reason
 * to stop.  The single outcome comes back here to be recorded and
 * counted: one packet, one outcome, one counter.
 *
 * Also here, because IPv4 and IPv6 share them: the next-protocol
 * dispatch (with AH, RFC 4302, skipped in place), locating the ESP/WESP
 * bytes, the encapsulation depth cap, and the bridge to the fragment
 * table (frag.c).
 *
 * Layers.  Each header that wraps another network header counts one
 * layer against max_layers: the link layer (even raw IP's empty one),
 * each VLAN tag, PPPoE, each IP header, GTP-U.  AH and IPv6 extension
 * headers are bounded per IP header by DECODE_MAX_CHAIN instead.  With
 * the default 8 the deepest public capture (Ethernet, two VLAN tags,
 * IPv4, GTP-U, IPv6: 6 layers) passes and a crafted stack of tunnels
 * stops early.
 *
 * decode_new() returns NULL when memory is short or the configuration
 * has a zero limit (or frag_max_bytes above 65535 + 64).
 */
#include <stdlib.h>
#include <string.h>

#include "decode_int.h"
#include "frag.h"

void
decode_config_defaults(struct decode_config *cfg)
{
	cfg->frag_max_datagrams = DECODE_DEFAULT_FRAG_DATAGRAMS;
	cfg->frag_max_bytes = DECODE_DEFAULT_FRAG_BYTES;
	cfg->frag_timeout_sec = DECODE_DEFAULT_FRAG_TIMEOUT;
	cfg->max_layers = DECODE_DEFAULT_MAX_LAYERS;
}

struct decode *
decode_new(const struct decode_config *cfg)
{
	struct decode *d;

	if (cfg->max_layers == 0)
		return (NULL);
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return (NULL);
	d->cfg = *cfg;
	d->frags = frag_table_new(cfg->frag_max_datagrams, cfg->frag_max_bytes,
	    cfg->frag_timeout_sec);
	if (d->frags == NULL) {
		decode_free(d);
		return (NULL);
	}
	return (d);
}

void
decode_free(struct decode *d)
{
	if (d == NULL)
		return;
	frag_table_free(d->frags);
	free(d);
}

/* Forget what a previous use of the record left in decode's fields. */
static void
packet_clear_outer(struct packet *p)
{
	p->mac_dst = p->mac_src = NULL;
	p->vlan_id[0] = p->vlan_id[1] = 0;
	p->n_vlan = 0;
	memset(&p->src, 0, sizeof(p->src));
	memset(&p->dst, 0, sizeof(p->dst));
	p->ipver = p->ip_tos = p->ip_ttl = 0;
	p->ip_df = false;
	p->ip_id = 0;
	p->ip6_flow = 0;
	p->reassembled = false;
	p->encap = ENCAP_NONE;
	p->sport = p->dport = 0;
	p->ipsec_proto = 0;
	p->esp = NULL;
	p->esp_len = p->esp_wire_len = 0;
}

void
decode_packet(struct decode *d, struct packet *p, struct stats *stats)
{
	struct dctx		 ctx = { d, p, stats, 1 };	/* link: 1 */
	struct span		 frame;
	enum skip_reason	 r;

	/* The previous packet's reassembled bytes are no longer borrowed. */
	frag_release(d->frags);
	packet_clear_outer(p);
	span_init(&frame, p->frame, p->caplen, p->wirelen);

	r = decode_link(&ctx, &frame);
	p->skip = r;
	if (r != SKIP_NONE) {
		p->ipsec_proto = 0;
		p->esp = NULL;
		p->esp_len = p->esp_wire_len = 0;
		stats->skipped[r]++;
		return;
	}
	if (p->ipsec_proto == IPPROTO_WESP_NUM)
		stats->wesp++;
	else
		stats->esp++;
	if (p->encap == ENCAP_UDP)
		stats->esp_udp++;
}

void
decode_expire(struct decode *d, int64_t now_sec, struct stats *stats)
{
	frag_expire(d->frags, now_sec, stats);
}

enum skip_reason
decode_enter_layer(struct dctx *ctx)
{
	if (ctx->layers >= ctx->d->cfg.max_layers)
		return (SKIP_TOO_DEEP);
	ctx->layers++;
	return (SKIP_NONE);
}

/*
 * The ESP (RFC 4303 section 2) or WESP (RFC 5840 section 2) bytes start
 * at the cursor and run to the end of the span.  Fewer bytes than the
 * fixed header (SPI and sequence number; WESP adds its 4-byte header):
 * truncated when the wire had them, malformed when it did not.
 */
enum skip_reason
decode_esp_locate(struct dctx *ctx, uint8_t ipsec_proto, struct span *s)
{
	struct packet	*p = ctx->p;
	size_t		 need = ipsec_proto == IPPROTO_WESP_NUM ? 12 : 8;

	p->ipsec_proto = ipsec_proto;
	p->esp = cur_ptr(&s->cur);
	p->esp_len = (uint32_t)cur_left(&s->cur);
	p->esp_wire_len = (uint32_t)span_wire_left(s);
	return (span_need(s, need, SKIP_MALFORMED_ESP));
}

/*
 * AH (RFC 4302 section 2): Next Header, Payload Len in 32-bit words
 * minus 2, then SPI, sequence number and ICV, 12 bytes at least.  Its
 * payload is the next header's; nothing in AH hides it.
 */
static enum skip_reason
skip_ah(uint8_t *proto, struct span *s)
{
	enum skip_reason	r;
	size_t			ah_len;
	uint8_t			next;

	if ((r = span_need(s, 2, SKIP_MALFORMED_IP)) != SKIP_NONE)
		return (r);
	next = cur_u8(&s->cur);
	ah_len = ((size_t)cur_u8(&s->cur) + 2) * 4;
	if (ah_len < 12)
		return (SKIP_MALFORMED_IP);
	if ((r = span_need(s, ah_len - 2, SKIP_MALFORMED_IP)) != SKIP_NONE)
		return (r);
	cur_skip(&s->cur, ah_len - 2);
	*proto = next;
	return (SKIP_NONE);
}

static bool
is_ip6_ext(uint8_t proto)
{
	return (proto == IPPROTO_NUM_HOPOPTS || proto == IPPROTO_NUM_ROUTING ||
	    proto == IPPROTO_NUM_DSTOPTS);
}

/*
 * The payload of an IP header (or of a reassembled datagram) whose
 * protocol is proto, in the span.  AH and, for IPv6, extension headers
 * are walked, at most DECODE_MAX_CHAIN of them; the hop-by-hop
 * header is only valid first and a second fragment header is not valid
 * at all (RFC 8200 section 4.1).
 */
enum skip_reason
decode_ipproto(struct dctx *ctx, uint8_t proto, struct span *s)
{
	enum skip_reason	r = SKIP_NONE;
	bool			v6 = ctx->p->ipver == 6, frag_seen = false;
	unsigned		n;

	for (n = 0;; n++) {
		if (proto == IPPROTO_ESP_NUM || proto == IPPROTO_WESP_NUM)
			return (decode_esp_locate(ctx, proto, s));
		if (proto == IPPROTO_NUM_UDP)
			return (decode_udp(ctx, s));
		if (proto == IPPROTO_NUM_IPIP)
			return (decode_ip4(ctx, s));
		if (proto == IPPROTO_NUM_IPV6)
			return (decode_ip6(ctx, s));
		if (n == DECODE_MAX_CHAIN)
			return (SKIP_TOO_DEEP);
		if (proto == IPPROTO_NUM_AH)
			r = skip_ah(&proto, s);
		else if (v6 && proto == IPPROTO_NUM_HOPOPTS && n > 0)
			r = SKIP_MALFORMED_IP;
		else if (v6 && is_ip6_ext(proto))
			r = decode_ip6_ext(&proto, s);
		else if (v6 && proto == IPPROTO_NUM_FRAGMENT && !frag_seen) {
			frag_seen = true;
			r = decode_ip6_frag(ctx, &proto, s);
		} else if (v6 && proto == IPPROTO_NUM_FRAGMENT)
			r = SKIP_MALFORMED_IP;	/* one per packet, 4.1 */
		else
			return (SKIP_NOT_IPSEC);
		if (r != SKIP_NONE)
			return (r);
	}
}

/* An IP packet whose version the first nibble tells (raw IP, GTP-U). */
enum skip_reason
decode_ip_by_version(struct dctx *ctx, struct span *s)
{
	struct cursor		peek = s->cur;
	enum skip_reason	r;

	if ((r = span_need(s, 1, SKIP_MALFORMED_IP)) != SKIP_NONE)
		return (r);
	switch (cur_u8(&peek) >> 4) {
	case 4:
		return (decode_ip4(ctx, s));
	case 6:
		return (decode_ip6(ctx, s));
	}
	return (SKIP_NOT_IP);
}

/*
 * Reassembly is only worth a slot for protocols that may carry IPsec;
 * the protocol is in every fragment's header.  IPv6 also allows a
 * destination options header first in the fragmentable part (RFC 8200
 * section 4.5, RFC 4303 section 3.1.1 puts it before ESP).
 */
static bool
frag_proto_ok(uint8_t ipver, uint8_t proto)
{
	switch (proto) {
	case IPPROTO_ESP_NUM:
	case IPPROTO_WESP_NUM:
	case IPPROTO_NUM_UDP:
	case IPPROTO_NUM_AH:
	case IPPROTO_NUM_IPIP:
	case IPPROTO_NUM_IPV6:
		return (true);
	case IPPROTO_NUM_DSTOPTS:
		return (ipver == 6);
	}
	return (false);
}

/*
 * Hand the fragment in s (its whole payload) to the reassembly table,
 * keyed by the addresses already in the record.  SKIP_NONE means the
 * datagram is complete: s and *proto now describe the reassembled
 * payload and decoding goes on from there.
 */
enum skip_reason
decode_reassemble(struct dctx *ctx, uint32_t id, uint32_t offset, bool more,
    uint8_t *proto, struct span *s)
{
	struct packet		*p = ctx->p;
	struct frag_key		 key;
	struct frag_piece	 piece;
	struct cursor		 whole;
	uint8_t			 whole_proto = 0;

	if (!frag_proto_ok(p->ipver, *proto))
		return (SKIP_NOT_IPSEC);
	/* A fragment we did not get all of can never complete anything. */
	if (cur_left(&s->cur) < span_wire_left(s))
		return (SKIP_TRUNCATED);
	key.src = p->src;
	key.dst = p->dst;
	key.id = id;
	key.ipver = p->ipver;
	key.proto = p->ipver == 4 ? *proto : 0;
	piece.offset = offset;
	piece.more = more;
	piece.proto = *proto;
	cur_sub(&s->cur, cur_left(&s->cur), &piece.data);

	switch (frag_add(ctx->d->frags, &key, &piece, p->ts_sec, ctx->stats,
	    &whole, &whole_proto)) {
	case FRAG_HELD:
		return (SKIP_FRAGMENT_HELD);
	case FRAG_INVALID:
		return (SKIP_FRAGMENT_INVALID);
	case FRAG_DONE:
		break;
	}
	p->reassembled = true;
	s->cur = whole;
	s->wire_len = whole.len;
	*proto = whole_proto;
	return (SKIP_NONE);
}
