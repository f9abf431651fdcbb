/*
 * esp_sa.c - ESP encapsulation and decapsulation for one Child SA,
 * tunnel mode (RFC 4303), through OpenSSL 3 EVP.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |               Security Parameters Index (SPI)                 |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      Sequence Number                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    IV (CBC 16, GCM/GMAC 8)                    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~           Payload Data: the inner IPv4/IPv6 packet            ~
 * +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |               |     Padding (1, 2, 3, ...)    |  Pad Length   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Next Header  |         ICV (12, 16, 24 or 32 bytes)          ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The transforms themselves (ICV, cipher) are esp_dir.c's, shared with
 * the inspector, which opens packets of SAs whose keys it was given.
 *
 * IVs: GCM and GMAC take the 64-bit sequence number, which never
 * repeats under one key (RFC 4106 3.1 asks for exactly that
 * uniqueness); CBC takes 16 bytes from the DRBG (RFC 3602 2.3:
 * unpredictable).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "esp_sa.h"
#include "../util/bytes.h"

#define ESP_NH_IPV4	4
#define ESP_NH_IPV6	41

static const char *const esp_err_names[ESP_ERR_COUNT] = {
	[ESP_OK]		= "ok",
	[ESP_ERR_SHORT]		= "short",
	[ESP_ERR_SPI]		= "spi",
	[ESP_ERR_REPLAY]	= "replay",
	[ESP_ERR_ICV]		= "icv",
	[ESP_ERR_PAD]		= "padding",
	[ESP_ERR_NEXT_HDR]	= "next_header",
	[ESP_ERR_WESP]		= "wesp",
	[ESP_ERR_EXPIRED]	= "expired",
	[ESP_ERR_SEQ]		= "seq_exhausted",
	[ESP_ERR_SPACE]		= "no_space",
	[ESP_ERR_CRYPTO]	= "crypto",
};

const char *
esp_err_str(enum esp_err e)
{
	return ((unsigned)e < ESP_ERR_COUNT ? esp_err_names[e] : "?");
}


int
esp_sa_init(struct esp_sa *sa, const struct esp_sa_config *cfg, char *err,
    size_t errlen)
{
	const struct ike_child_keys *k = cfg->keys;
	const uint8_t	*eo, *ao, *ei, *ai;

	memset(sa, 0, sizeof(*sa));
	if (cfg->suite.esn == IKE_ESN_YES) {
		snprintf(err, errlen, "extended sequence numbers unsupported");
		return (-1);
	}
	if (cfg->spi_in <= 255 || cfg->spi_out <= 255) {
		snprintf(err, errlen, "SPI 0-255 reserved (RFC 4303 2.1)");
		return (-1);
	}
	/* 2.17: initiator-to-responder keys first. */
	eo = cfg->initiator ? k->ei : k->er;
	ao = cfg->initiator ? k->ai : k->ar;
	ei = cfg->initiator ? k->er : k->ei;
	ai = cfg->initiator ? k->ar : k->ai;
	if (esp_dir_init(&sa->out, cfg->spi_out, &cfg->suite, eo, k->encr_len, ao,
	    k->integ_len, 1) != 0 ||
	    esp_dir_init(&sa->in, cfg->spi_in, &cfg->suite, ei, k->encr_len, ai,
	    k->integ_len, 0) != 0) {
		snprintf(err, errlen, "unsupported suite or keys (encr %u/%u "
		    "integ %u, key lengths %u/%u)", cfg->suite.encr,
		    cfg->suite.encr_keybits, cfg->suite.integ, k->encr_len,
		    k->integ_len);
		esp_sa_wipe(sa);
		return (-1);
	}
	sa->udp = cfg->udp;
	sa->wesp = cfg->wesp;
	sa->outer_v6 = cfg->outer_v6;
	sa->limits = cfg->limits;
	sa->seq_soft = cfg->limits.seq_soft != 0 ? cfg->limits.seq_soft :
	    ESP_SEQ_SOFT_DEFAULT;
	esp_replay_init(&sa->replay, cfg->limits.replay_window);
	sa->live = true;
	return (0);
}

void
esp_sa_wipe(struct esp_sa *sa)
{
	esp_dir_free(&sa->in);
	esp_dir_free(&sa->out);
	OPENSSL_cleanse(sa, sizeof(*sa));
}

/* ---- framing ---- */

static size_t
pad_len(const struct esp_dir *d, size_t inner_len)
{
	/* 2.4: Pad Length and Next Header end the (cipher) block. */
	return ((d->align - (inner_len + ESP_TRAILER_LEN) % d->align) %
	    d->align);
}

/* The WESP header this SA sends (RFC 5840 2): E=0 states the layout,
 * E=1 zeroes it.  P for IPv6, over UDP too, so HdrLen stays a multiple
 * of 8 as section 2 asks for IPv6. */
static void
wesp_expected(const struct esp_sa *sa, struct esp_wesp_hdr *w,
    uint8_t next_hdr)
{
	memset(w, 0, sizeof(*w));
	w->flags = sa->outer_v6 ? ESP_WESP_F_PADDED : 0;
	if (sa->out.kind == ESP_K_CBC || sa->out.kind == ESP_K_GCM) {
		w->flags |= ESP_WESP_F_ENCRYPTED;
		return;
	}
	w->next_hdr = next_hdr;
	w->hdr_len = (uint8_t)(esp_wesp_len(w) + ESP_HDR_LEN + sa->out.iv_len);
	w->trailer_len = sa->out.icv_len;
}

static size_t
prefix_len(const struct esp_sa *sa)
{
	struct esp_wesp_hdr w;

	if (!sa->wesp)
		return (0);
	wesp_expected(sa, &w, 0);
	return ((sa->udp ? ESP_UDP_MARKER_LEN : 0) + esp_wesp_len(&w));
}

size_t
esp_sa_wire_len(const struct esp_sa *sa, size_t inner_len)
{
	return (prefix_len(sa) + ESP_HDR_LEN + sa->out.iv_len + inner_len +
	    pad_len(&sa->out, inner_len) + ESP_TRAILER_LEN + sa->out.icv_len);
}

/* The Next Header for an inner packet, from its version nibble (tunnel
 * mode, 2.6); 0 when neither IPv4 nor IPv6. */
static uint8_t
inner_next_hdr(const uint8_t *inner, size_t len)
{
	struct cursor	 c;
	uint8_t		 v;

	cur_init(&c, inner, len);
	v = cur_u8(&c) >> 4;
	if (!cur_ok(&c))
		return (0);
	return (v == 4 ? ESP_NH_IPV4 : v == 6 ? ESP_NH_IPV6 : 0);
}


/* ---- limits and events ---- */

static void
raise_event(struct esp_sa *sa, uint32_t ev)
{
	if ((sa->events_raised & ev) == 0) {
		sa->events |= ev;
		sa->events_raised |= ev;
	}
	if (ev == ESP_EV_HARD)
		sa->dead = true;
}

uint32_t
esp_sa_take_events(struct esp_sa *sa)
{
	uint32_t	 ev = sa->events;

	sa->events = 0;
	return (ev);
}

static bool
over(const struct esp_lifetime *l, uint64_t packets, uint64_t bytes)
{
	return ((l->packets != 0 && packets >= l->packets) ||
	    (l->bytes != 0 && bytes >= l->bytes));
}

/* Before a packet: would it cross the hard lifetime? */
static bool
hard_reached(struct esp_sa *sa, uint64_t packets, uint64_t bytes,
    size_t len)
{
	const struct esp_lifetime *h = &sa->limits.hard;

	if ((h->packets != 0 && packets >= h->packets) ||
	    (h->bytes != 0 && bytes + len > h->bytes)) {
		raise_event(sa, ESP_EV_HARD);
		return (true);
	}
	return (false);
}

static enum esp_err
out_fail(struct esp_sa *sa, enum esp_err e)
{
	sa->stats.out_err[e]++;
	return (e);
}

static enum esp_err
in_fail(struct esp_sa *sa, enum esp_err e)
{
	sa->stats.in_err[e]++;
	return (e);
}

/* ---- encapsulation (3.3) ---- */

static size_t
write_prefix(const struct esp_sa *sa, uint8_t *out, uint8_t next_hdr)
{
	struct esp_wesp_hdr w;
	size_t		 pos = 0;

	if (!sa->wesp)
		return (0);
	if (sa->udp) {
		put_be32(out, ESP_WESP_UDP_ID);		/* RFC 5840 2.1 */
		pos = ESP_UDP_MARKER_LEN;
	}
	wesp_expected(sa, &w, next_hdr);
	return (pos + esp_wesp_write(&w, out + pos, ESP_WESP_HDR_LEN +
	    ESP_WESP_PAD_LEN));
}

static int
write_iv(const struct esp_dir *d, uint8_t *iv, uint64_t seq)
{
	int	 i;

	if (d->kind == ESP_K_CBC)
		return (RAND_bytes(iv, d->iv_len) == 1 ? 0 : -1);
	for (i = 0; i < d->iv_len; i++)
		iv[i] = (uint8_t)(seq >> (8 * (d->iv_len - 1 - i)));
	return (0);
}

enum esp_err
esp_sa_encap(struct esp_sa *sa, const uint8_t *inner, size_t inner_len,
    uint8_t *out, size_t cap, size_t *out_len)
{
	struct esp_dir	*d = &sa->out;
	uint8_t		 nh = inner_next_hdr(inner, inner_len), *esp, *p;
	size_t		 pre, pad, esp_len, i;
	uint64_t	 seq;

	if (!sa->live)
		return (out_fail(sa, ESP_ERR_EXPIRED));
	/* 3.3.3: the counter MUST NOT cycle; the SA ends at 2^32 - 1. */
	if (sa->seq_out >= ESP_SEQ_MAX) {
		raise_event(sa, ESP_EV_HARD);
		return (out_fail(sa, ESP_ERR_SEQ));
	}
	if (sa->dead)
		return (out_fail(sa, ESP_ERR_EXPIRED));
	if (nh == 0)
		return (out_fail(sa, ESP_ERR_NEXT_HDR));
	if (hard_reached(sa, sa->stats.out_packets, sa->stats.out_bytes,
	    inner_len))
		return (out_fail(sa, ESP_ERR_EXPIRED));
	if (esp_sa_wire_len(sa, inner_len) > cap)
		return (out_fail(sa, ESP_ERR_SPACE));
	seq = sa->seq_out + 1;
	pre = write_prefix(sa, out, nh);
	esp = out + pre;
	put_be32(esp, d->spi);
	put_be32(esp + 4, (uint32_t)seq);
	if (write_iv(d, esp + ESP_HDR_LEN, seq) != 0)
		return (out_fail(sa, ESP_ERR_CRYPTO));
	p = esp + ESP_HDR_LEN + d->iv_len;
	memcpy(p, inner, inner_len);
	p += inner_len;
	pad = pad_len(d, inner_len);
	for (i = 0; i < pad; i++)		/* 2.4: 1, 2, 3, ... */
		*p++ = (uint8_t)(i + 1);
	*p++ = (uint8_t)pad;
	*p++ = nh;
	esp_len = (size_t)(p - esp);
	if (esp_dir_seal(d, esp, esp_len) != 0)
		return (out_fail(sa, ESP_ERR_CRYPTO));
	*out_len = pre + esp_len + d->icv_len;
	sa->seq_out = seq;
	sa->stats.out_packets++;
	sa->stats.out_bytes += inner_len;
	if (seq >= sa->seq_soft ||
	    over(&sa->limits.soft, sa->stats.out_packets, sa->stats.out_bytes))
		raise_event(sa, ESP_EV_SOFT);
	if (seq == ESP_SEQ_MAX)		/* that was the last one */
		raise_event(sa, ESP_EV_HARD);
	return (ESP_OK);
}

/* ---- decapsulation (3.4) ---- */

/* RFC 5840 2: every field the receiver can check against the SA. */
static enum esp_err
wesp_check(const struct esp_sa *sa, const struct esp_wesp_hdr *got)
{
	struct esp_wesp_hdr want;
	uint8_t		 p = got->flags & ESP_WESP_F_PADDED;

	wesp_expected(sa, &want, got->next_hdr);
	/* P: required for IPv6 over IP, forbidden for IPv4; either value
	 * for IPv6 over UDP, where the identifier aligns (2). */
	if (!sa->outer_v6 ? p != 0 : (!sa->udp && p == 0))
		return (ESP_ERR_WESP);
	if ((got->flags & ESP_WESP_F_ENCRYPTED) !=
	    (want.flags & ESP_WESP_F_ENCRYPTED))
		return (ESP_ERR_WESP);
	if (got->trailer_len != want.trailer_len)
		return (ESP_ERR_WESP);
	if (want.flags & ESP_WESP_F_ENCRYPTED)
		return (got->next_hdr == 0 && got->hdr_len == 0 ?
		    ESP_OK : ESP_ERR_WESP);
	if (got->hdr_len != esp_wesp_len(got) + ESP_HDR_LEN + sa->in.iv_len)
		return (ESP_ERR_WESP);
	return (ESP_OK);
}

/* Strips what precedes ESP: the WESP identifier and header. */
static enum esp_err
read_prefix(const struct esp_sa *sa, struct cursor *c,
    struct esp_wesp_hdr *w)
{
	if (!sa->wesp)
		return (ESP_OK);
	if (sa->udp && cur_be32(c) != ESP_WESP_UDP_ID)
		return (cur_ok(c) ? ESP_ERR_WESP : ESP_ERR_SHORT);
	if (!esp_wesp_read(c, w))
		return (cur_ok(c) ? ESP_ERR_WESP : ESP_ERR_SHORT);
	return (wesp_check(sa, w));
}


enum esp_err
esp_sa_decap(struct esp_sa *sa, const uint8_t *pkt, size_t len,
    uint8_t *out, size_t cap, size_t *out_len)
{
	struct esp_dir	*d = &sa->in;
	struct esp_wesp_hdr w;
	struct cursor	 c;
	const uint8_t	*esp;
	size_t		 esp_len, body_len, inner_len;
	uint32_t	 spi, seq;
	uint8_t		 nh;
	enum esp_err	 e;

	if (!sa->live || sa->dead)
		return (in_fail(sa, ESP_ERR_EXPIRED));
	cur_init(&c, pkt, len);
	if ((e = read_prefix(sa, &c, &w)) != ESP_OK)
		return (in_fail(sa, e));
	esp_len = cur_left(&c);
	esp = cur_ptr(&c);
	spi = cur_be32(&c);
	seq = cur_be32(&c);
	if (!cur_ok(&c) || esp_dir_body_len(d, esp_len, &body_len) != ESP_OK)
		return (in_fail(sa, ESP_ERR_SHORT));
	if (spi != d->spi)
		return (in_fail(sa, ESP_ERR_SPI));
	/* 3.4.3: duplicates are rejected before the ICV is computed. */
	if (esp_replay_check(&sa->replay, seq) != ESP_REPLAY_OK)
		return (in_fail(sa, ESP_ERR_REPLAY));
	if ((e = esp_dir_open(d, esp, esp_len, out, cap, &inner_len, &nh)) !=
	    ESP_OK)
		return (in_fail(sa, e));
	if (nh != inner_next_hdr(out, inner_len))
		return (in_fail(sa, ESP_ERR_NEXT_HDR));
	if (sa->wesp && (w.flags & ESP_WESP_F_ENCRYPTED) == 0 &&
	    w.next_hdr != nh)
		return (in_fail(sa, ESP_ERR_WESP));	/* RFC 5840 2 */
	if (hard_reached(sa, sa->stats.in_packets, sa->stats.in_bytes,
	    inner_len))
		return (in_fail(sa, ESP_ERR_EXPIRED));
	esp_replay_update(&sa->replay, seq);
	sa->stats.in_packets++;
	sa->stats.in_bytes += inner_len;
	if (over(&sa->limits.soft, sa->stats.in_packets, sa->stats.in_bytes))
		raise_event(sa, ESP_EV_SOFT);
	*out_len = inner_len;
	return (ESP_OK);
}

uint32_t
esp_peek_spi(const uint8_t *pkt, size_t len, bool udp, bool wesp)
{
	struct esp_wesp_hdr w;
	struct cursor	 c;
	uint32_t	 spi;

	cur_init(&c, pkt, len);
	if (udp) {
		switch (esp_udp_classify(pkt, len)) {
		case ESP_UDP_ESP:
			wesp = false;
			break;
		case ESP_UDP_WESP:
			cur_skip(&c, ESP_UDP_MARKER_LEN);
			wesp = true;
			break;
		default:
			return (0);
		}
	}
	if (wesp && !esp_wesp_read(&c, &w))
		return (0);
	spi = cur_be32(&c);
	return (cur_ok(&c) ? spi : 0);
}
