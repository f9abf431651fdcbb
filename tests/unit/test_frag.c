/*
 * test_frag.c - IP fragment reassembly: the table of frag.c on its own
 * (orders, overlaps, duplicates, inconsistent lengths, limits, timeouts,
 * eviction, the lifetime of a completed datagram), then through
 * decode_packet() on real ESP packets cut into IPv4 and IPv6 fragments.
 */
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "data/public_frames.h"
#include "decode/decode.h"
#include "decode/frag.h"


/* The table on its own. */

#define T_SLOTS		4
#define T_BYTES		1024
#define T_TIMEOUT	30

/* The datagram every scenario reassembles: byte i is dgram_byte(i). */
static uint8_t
dgram_byte(uint32_t i)
{
	return ((uint8_t)(i * 7 + 1));
}

struct step {
	uint32_t	 off;
	uint32_t	 len;
	bool		 more;
	uint8_t		 salt;		/* nonzero: other bytes */
	int64_t		 now;
	enum frag_result want;
};

#define MF	true
#define LAST	false
#define S(o, l, m, t, w)	{ (o), (l), (m), 0, (t), (w) }

struct scenario {
	const char	*name;
	struct step	 steps[8];
	size_t		 nsteps;
	uint32_t	 total;		/* length completed, 0 if none */
	uint64_t	 reassembled;
	uint64_t	 overlaps;
	uint64_t	 timeouts;
	uint32_t	 in_use;	/* datagrams left in the table */
};

static const struct scenario scenarios[] = {
	{ "in order", { S(0, 16, MF, 0, FRAG_HELD), S(16, 16, MF, 0, FRAG_HELD),
	    S(32, 8, LAST, 0, FRAG_DONE) }, 3, .total = 40,
	    .reassembled = 1 },
	{ "reversed", { S(32, 8, LAST, 0, FRAG_HELD),
	    S(16, 16, MF, 0, FRAG_HELD), S(0, 16, MF, 0, FRAG_DONE) }, 3,
	    .total = 40, .reassembled = 1 },
	{ "first fragment last", { S(16, 16, MF, 0, FRAG_HELD),
	    S(32, 8, LAST, 0, FRAG_HELD), S(0, 16, MF, 0, FRAG_DONE) }, 3,
	    .total = 40, .reassembled = 1 },
	{ "partial overlap", { S(0, 16, MF, 0, FRAG_HELD),
	    S(8, 16, MF, 0, FRAG_INVALID), S(16, 16, MF, 0, FRAG_INVALID),
	    S(32, 8, LAST, 0, FRAG_INVALID) }, 4, .overlaps = 1, .in_use = 1 },
	{ "overlap that contains an earlier fragment", {
	    S(8, 8, MF, 0, FRAG_HELD), S(0, 24, MF, 0, FRAG_INVALID) }, 2,
	    .overlaps = 1, .in_use = 1 },
	{ "overlap with the next fragment", { S(16, 16, MF, 0, FRAG_HELD),
	    S(8, 16, MF, 0, FRAG_INVALID) }, 2, .overlaps = 1, .in_use = 1 },
	{ "exact duplicate", { S(0, 16, MF, 0, FRAG_HELD),
	    S(0, 16, MF, 0, FRAG_HELD), S(16, 8, LAST, 0, FRAG_DONE) }, 3,
	    .total = 24, .reassembled = 1 },
	{ "duplicate last fragment", { S(16, 8, LAST, 0, FRAG_HELD),
	    S(16, 8, LAST, 0, FRAG_HELD), S(0, 16, MF, 0, FRAG_DONE) }, 3,
	    .total = 24, .reassembled = 1 },
	{ "same range, other bytes", { S(0, 16, MF, 0, FRAG_HELD),
	    { 0, 16, MF, 0x5a, 0, FRAG_INVALID }, S(16, 8, LAST, 0,
	    FRAG_INVALID) }, 3, .overlaps = 1, .in_use = 1 },
	{ "two last fragments disagree", { S(16, 8, LAST, 0, FRAG_HELD),
	    S(24, 8, LAST, 0, FRAG_INVALID) }, 2, .overlaps = 1, .in_use = 1 },
	{ "bytes held beyond the last fragment", {
	    S(32, 8, MF, 0, FRAG_HELD), S(0, 16, LAST, 0, FRAG_INVALID) }, 2,
	    .overlaps = 1, .in_use = 1 },
	{ "fragment beyond the known end", { S(16, 8, LAST, 0, FRAG_HELD),
	    S(24, 8, MF, 0, FRAG_INVALID) }, 2, .overlaps = 1, .in_use = 1 },
	{ "non-final fragment not a multiple of 8", {
	    S(0, 12, MF, 0, FRAG_INVALID) }, 1, .overlaps = 1 },
	{ "empty fragment", { S(0, 0, MF, 0, FRAG_INVALID) }, 1,
	    .overlaps = 1 },
	{ "empty fragment drops its datagram", { S(0, 16, MF, 0, FRAG_HELD),
	    S(16, 0, LAST, 0, FRAG_INVALID), S(16, 8, LAST, 0, FRAG_INVALID) },
	    3, .overlaps = 1, .in_use = 1 },
	{ "larger than the buffer", { S(T_BYTES - 8, 16, LAST, 0,
	    FRAG_INVALID) }, 1, .overlaps = 1 },
	{ "exactly the buffer", { S(T_BYTES - 8, 8, LAST, 0, FRAG_HELD) }, 1,
	    .in_use = 1 },
	{ "timed out when looked at", { S(0, 16, MF, 0, FRAG_HELD),
	    S(16, 8, LAST, T_TIMEOUT + 1, FRAG_HELD),
	    S(0, 16, MF, T_TIMEOUT + 2, FRAG_DONE) }, 3, .total = 24,
	    .reassembled = 1, .timeouts = 1 },
	{ "not yet timed out at the timeout", { S(0, 16, MF, 0, FRAG_HELD),
	    S(16, 8, LAST, T_TIMEOUT, FRAG_DONE) }, 2, .total = 24,
	    .reassembled = 1 },
	{ "a dropped datagram's tombstone times out", {
	    S(0, 16, MF, 0, FRAG_HELD), S(8, 16, MF, 0, FRAG_INVALID),
	    S(0, 16, MF, T_TIMEOUT + 1, FRAG_HELD),
	    S(16, 8, LAST, T_TIMEOUT + 1, FRAG_DONE) }, 4, .total = 24,
	    .reassembled = 1, .overlaps = 1 },
	{ "a clock going backwards expires nothing", {
	    S(0, 16, MF, 100, FRAG_HELD), S(16, 8, LAST, 5, FRAG_DONE) }, 2,
	    .total = 24, .reassembled = 1 },
};

static void
key_v4(struct frag_key *k, uint32_t id, uint8_t proto, uint8_t host)
{
	static const uint8_t src[4] = { 192, 0, 2, 1 };
	uint8_t dst[4] = { 198, 51, 100, 0 };

	memset(k, 0, sizeof(*k));
	dst[3] = host;
	ipaddr_set4(&k->src, src);
	ipaddr_set4(&k->dst, dst);
	k->id = id;
	k->ipver = 4;
	k->proto = proto;
}

/* Add bytes [off, off + len) of the datagram (xor salt) to t. */
static enum frag_result
add_piece(struct frag_table *t, const struct frag_key *k, uint32_t off,
    uint32_t len, bool more, uint8_t salt, uint8_t proto, int64_t now,
    struct stats *st, struct cursor *out, uint8_t *out_proto)
{
	static uint8_t		bytes[T_BYTES + 64];
	struct frag_piece	piece;
	uint32_t		i;

	ck_assert_uint_le(off + len, sizeof(bytes));
	for (i = 0; i < len; i++)
		bytes[i] = dgram_byte(off + i) ^ salt;
	piece.offset = off;
	piece.more = more;
	piece.proto = proto;
	cur_init(&piece.data, bytes, len);
	return (frag_add(t, k, &piece, now, st, out, out_proto));
}

START_TEST(test_scenarios)
{
	const struct scenario	*sc = &scenarios[_i];
	struct frag_table	*t;
	struct frag_key		 key;
	struct stats		 st;
	struct cursor		 out;
	const struct step	*s;
	enum frag_result	 got;
	uint8_t			 proto = 0;
	size_t			 n;
	uint32_t		 i;

	memset(&st, 0, sizeof(st));
	t = frag_table_new(T_SLOTS, T_BYTES, T_TIMEOUT);
	ck_assert_ptr_nonnull(t);
	key_v4(&key, 0x1234, 50, 7);
	for (n = 0; n < sc->nsteps; n++) {
		s = &sc->steps[n];
		cur_init(&out, NULL, 0);
		got = add_piece(t, &key, s->off, s->len, s->more, s->salt, 50,
		    s->now, &st, &out, &proto);
		ck_assert_msg(got == s->want, "%s: step %zu gave %d, wanted %d",
		    sc->name, n, got, s->want);
	}
	/* Whatever completed is the datagram, byte for byte. */
	for (i = 0; i < out.len; i++)
		ck_assert_uint_eq(out.base[i], dgram_byte(i));
	ck_assert_uint_eq(out.len, sc->total);
	ck_assert_uint_eq(proto, sc->reassembled * 50);
	ck_assert_uint_eq(st.frag_reassembled, sc->reassembled);
	ck_assert_uint_eq(st.frag_overlaps, sc->overlaps);
	ck_assert_uint_eq(st.frag_timeouts, sc->timeouts);
	ck_assert_uint_eq(st.frag_evicted, 0);
	ck_assert_uint_eq(frag_in_use(t), sc->in_use);
	frag_table_free(t);
}
END_TEST

/* Same identification, other addresses, version or protocol: apart. */
START_TEST(test_keys_apart)
{
	struct frag_table	*t;
	struct frag_key		 a, b, c, d;
	struct stats		 st;
	struct cursor		 out;
	uint8_t			 proto;

	memset(&st, 0, sizeof(st));
	t = frag_table_new(T_SLOTS, T_BYTES, T_TIMEOUT);
	ck_assert_ptr_nonnull(t);
	key_v4(&a, 77, 50, 1);
	key_v4(&b, 77, 50, 2);		/* other destination */
	key_v4(&c, 77, 17, 1);		/* other protocol */
	d = a;
	d.ipver = 6;			/* other version, same bytes */
	ck_assert_int_eq(add_piece(t, &a, 0, 16, MF, 0, 50, 0, &st, &out,
	    &proto), FRAG_HELD);
	ck_assert_int_eq(add_piece(t, &b, 16, 8, LAST, 0, 50, 0, &st, &out,
	    &proto), FRAG_HELD);
	ck_assert_int_eq(add_piece(t, &c, 16, 8, LAST, 0, 17, 0, &st, &out,
	    &proto), FRAG_HELD);
	ck_assert_int_eq(add_piece(t, &d, 16, 8, LAST, 0, 50, 0, &st, &out,
	    &proto), FRAG_HELD);
	ck_assert_uint_eq(frag_in_use(t), 4);
	ck_assert_int_eq(add_piece(t, &a, 16, 8, LAST, 0, 50, 0, &st, &out,
	    &proto), FRAG_DONE);
	ck_assert_uint_eq(frag_in_use(t), 3);
	ck_assert_uint_eq(st.frag_reassembled, 1);
	frag_table_free(t);
}
END_TEST

/* IPv6: the protocol is the offset-zero fragment's (RFC 8200 4.5). */
START_TEST(test_first_fragment_protocol)
{
	struct frag_table	*t;
	struct frag_key		 k;
	struct stats		 st;
	struct cursor		 out;
	uint8_t			 proto = 0;

	memset(&st, 0, sizeof(st));
	t = frag_table_new(T_SLOTS, T_BYTES, T_TIMEOUT);
	ck_assert_ptr_nonnull(t);
	key_v4(&k, 9, 0, 1);
	k.ipver = 6;
	ck_assert_int_eq(add_piece(t, &k, 16, 8, LAST, 0, 50, 0, &st, &out,
	    &proto), FRAG_HELD);
	ck_assert_int_eq(add_piece(t, &k, 0, 16, MF, 0, 60, 0, &st, &out,
	    &proto), FRAG_DONE);
	ck_assert_uint_eq(proto, 60);
	frag_table_free(t);
}
END_TEST

/* A full table evicts its oldest datagram; a stale one is a timeout. */
START_TEST(test_eviction)
{
	struct frag_table	*t;
	struct frag_key		 k[3];
	struct stats		 st;
	struct cursor		 out;
	uint8_t			 proto;
	int			 i;

	memset(&st, 0, sizeof(st));
	t = frag_table_new(2, T_BYTES, T_TIMEOUT);
	ck_assert_ptr_nonnull(t);
	for (i = 0; i < 3; i++) {
		key_v4(&k[i], (uint32_t)i, 50, 1);
		ck_assert_int_eq(add_piece(t, &k[i], 0, 16, MF, 0, 50, i, &st,
		    &out, &proto), FRAG_HELD);
	}
	ck_assert_uint_eq(st.frag_evicted, 1);
	ck_assert_uint_eq(frag_in_use(t), 2);
	/* k[0] is gone: its last fragment starts a new datagram ... */
	ck_assert_int_eq(add_piece(t, &k[0], 16, 8, LAST, 0, 50, 3, &st, &out,
	    &proto), FRAG_HELD);
	ck_assert_uint_eq(st.frag_evicted, 2);	/* ... pushing k[1] out */
	/* k[2] is intact. */
	ck_assert_int_eq(add_piece(t, &k[2], 16, 8, LAST, 0, 50, 3, &st, &out,
	    &proto), FRAG_DONE);
	frag_release(t);
	/* k[1] takes the slot k[2] freed; then the oldest left (k[0],
	   t=3) is stale at t=40 and goes as a timeout. */
	ck_assert_int_eq(add_piece(t, &k[1], 0, 16, MF, 0, 50, 40, &st, &out,
	    &proto), FRAG_HELD);
	ck_assert_int_eq(add_piece(t, &k[2], 0, 16, MF, 0, 50, 40, &st, &out,
	    &proto), FRAG_HELD);
	ck_assert_uint_eq(st.frag_evicted, 2);
	ck_assert_uint_eq(st.frag_timeouts, 1);
	ck_assert_uint_eq(st.frag_reassembled, 1);
	frag_table_free(t);
}
END_TEST

START_TEST(test_expire)
{
	struct frag_table	*t;
	struct frag_key		 k[3];
	struct stats		 st;
	struct cursor		 out;
	uint8_t			 proto;
	int			 i;

	memset(&st, 0, sizeof(st));
	t = frag_table_new(T_SLOTS, T_BYTES, T_TIMEOUT);
	ck_assert_ptr_nonnull(t);
	for (i = 0; i < 3; i++) {
		key_v4(&k[i], (uint32_t)i, 50, 1);
		ck_assert_int_eq(add_piece(t, &k[i], 0, 16, MF, 0, 50, i * 10,
		    &st, &out, &proto), FRAG_HELD);
	}
	/* Drop k[1] as overlapping: its tombstone is not a timeout. */
	ck_assert_int_eq(add_piece(t, &k[1], 8, 16, MF, 0, 50, 10, &st, &out,
	    &proto), FRAG_INVALID);
	frag_expire(t, 30, &st);
	ck_assert_uint_eq(st.frag_timeouts, 0);
	frag_expire(t, 45, &st);		/* k[0] (0) and k[1] (10) */
	ck_assert_uint_eq(st.frag_timeouts, 1);
	ck_assert_uint_eq(frag_in_use(t), 1);
	frag_expire(t, 1000, &st);
	ck_assert_uint_eq(st.frag_timeouts, 2);
	ck_assert_uint_eq(frag_in_use(t), 0);
	ck_assert_uint_eq(st.frag_overlaps, 1);
	frag_table_free(t);
}
END_TEST

/*
 * A completed datagram's bytes stay put until frag_release(), even when
 * the table needs every slot meanwhile; then its slot is reused.
 */
START_TEST(test_release)
{
	struct frag_table	*t;
	struct frag_key		 a, b;
	struct stats		 st;
	struct cursor		 out, scratch;
	uint8_t			 proto;
	uint32_t		 i;

	memset(&st, 0, sizeof(st));
	t = frag_table_new(1, T_BYTES, T_TIMEOUT);
	ck_assert_ptr_nonnull(t);
	key_v4(&a, 1, 50, 1);
	key_v4(&b, 2, 50, 1);
	ck_assert_int_eq(add_piece(t, &a, 16, 8, LAST, 0, 50, 0, &st, &out,
	    &proto), FRAG_HELD);
	ck_assert_int_eq(add_piece(t, &a, 0, 16, MF, 0, 50, 0, &st, &out,
	    &proto), FRAG_DONE);
	/* No slot until release: b cannot be held, a is not touched. */
	ck_assert_int_eq(add_piece(t, &b, 0, 16, MF, 0x33, 50, 0, &st,
	    &scratch, &proto), FRAG_INVALID);
	ck_assert_uint_eq(st.frag_evicted, 1);
	for (i = 0; i < out.len; i++)
		ck_assert_uint_eq(out.base[i], dgram_byte(i));
	frag_release(t);
	ck_assert_int_eq(add_piece(t, &b, 0, 16, MF, 0, 50, 0, &st, &scratch,
	    &proto), FRAG_HELD);
	ck_assert_uint_eq(frag_in_use(t), 1);
	frag_release(t);			/* nothing completed: no-op */
	ck_assert_uint_eq(frag_in_use(t), 1);
	frag_table_free(t);
}
END_TEST

/*
 * Many datagrams at once: 64 slots share 128 buckets, so chains form
 * whatever the seed.  Completing them in an interleaved order takes
 * slots out of the middle, head and tail of chains; each must still be
 * found, and a stream of new datagrams then cycles every slot.
 */
START_TEST(test_many_datagrams)
{
	struct frag_table	*t;
	struct frag_key		 k;
	struct stats		 st;
	struct cursor		 out;
	uint8_t			 proto;
	uint32_t		 i, id;

	memset(&st, 0, sizeof(st));
	t = frag_table_new(64, T_BYTES, T_TIMEOUT);
	ck_assert_ptr_nonnull(t);
	for (i = 0; i < 64; i++) {
		key_v4(&k, i, 50, (uint8_t)(i % 3));
		ck_assert_int_eq(add_piece(t, &k, 16, 8, LAST, 0, 50, 0, &st,
		    &out, &proto), FRAG_HELD);
	}
	for (i = 0; i < 64; i++) {
		id = (i * 37) % 64;		/* 37 is prime to 64 */
		key_v4(&k, id, 50, (uint8_t)(id % 3));
		ck_assert_int_eq(add_piece(t, &k, 0, 16, MF, 0, 50, 1, &st,
		    &out, &proto), FRAG_DONE);
		ck_assert_uint_eq(out.len, 24);
		ck_assert_uint_eq(frag_in_use(t), 63 - i);
		frag_release(t);
	}
	for (i = 0; i < 200; i++) {
		key_v4(&k, 1000 + i, 50, 9);
		ck_assert_int_eq(add_piece(t, &k, 0, 16, MF, 0, 50, 2, &st,
		    &out, &proto), FRAG_HELD);
	}
	ck_assert_uint_eq(st.frag_evicted, 200 - 64);
	for (i = 200 - 64; i < 200; i++) {
		key_v4(&k, 1000 + i, 50, 9);
		ck_assert_int_eq(add_piece(t, &k, 16, 8, LAST, 0, 50, 2, &st,
		    &out, &proto), FRAG_DONE);
	}
	ck_assert_uint_eq(frag_in_use(t), 0);
	ck_assert_uint_eq(st.frag_reassembled, 128);
	frag_table_free(t);
}
END_TEST

/* FRAG_MAX_RANGES fragments are kept; one more drops the datagram. */
START_TEST(test_too_many_fragments)
{
	struct frag_table	*t;
	struct frag_key		 k;
	struct stats		 st;
	struct cursor		 out;
	uint8_t			 proto;
	uint32_t		 i;

	memset(&st, 0, sizeof(st));
	t = frag_table_new(T_SLOTS, T_BYTES, T_TIMEOUT);
	ck_assert_ptr_nonnull(t);
	key_v4(&k, 5, 50, 1);
	for (i = 1; i <= FRAG_MAX_RANGES; i++)
		ck_assert_int_eq(add_piece(t, &k, i * 8, 8, MF, 0, 50, 0, &st,
		    &out, &proto), FRAG_HELD);
	ck_assert_int_eq(add_piece(t, &k, 0, 8, MF, 0, 50, 0, &st, &out,
	    &proto), FRAG_INVALID);
	ck_assert_uint_eq(st.frag_overlaps, 1);
	frag_table_free(t);

	/* One fewer completes. */
	memset(&st, 0, sizeof(st));
	t = frag_table_new(T_SLOTS, T_BYTES, T_TIMEOUT);
	ck_assert_ptr_nonnull(t);
	for (i = 1; i < FRAG_MAX_RANGES; i++)
		ck_assert_int_eq(add_piece(t, &k, i * 8, 8,
		    i + 1 < FRAG_MAX_RANGES, 0, 50, 0, &st, &out, &proto),
		    FRAG_HELD);
	ck_assert_int_eq(add_piece(t, &k, 0, 8, MF, 0, 50, 0, &st, &out,
	    &proto), FRAG_DONE);
	ck_assert_uint_eq(out.len, FRAG_MAX_RANGES * 8);
	frag_table_free(t);
}
END_TEST

START_TEST(test_table_limits)
{
	ck_assert_ptr_null(frag_table_new(0, T_BYTES, T_TIMEOUT));
	ck_assert_ptr_null(frag_table_new(T_SLOTS, 0, T_TIMEOUT));
	ck_assert_ptr_null(frag_table_new(T_SLOTS, FRAG_MAX_PAYLOAD + 65,
	    T_TIMEOUT));
	ck_assert_ptr_null(frag_table_new(T_SLOTS, T_BYTES, 0));
	frag_table_free(NULL);
}
END_TEST

/* Through decode_packet(): real ESP packets cut into fragments. */

struct frame {
	uint8_t	b[512];
	size_t	len;
};

static void
putn(struct frame *f, const uint8_t *b, size_t n)
{
	ck_assert_uint_le(f->len + n, sizeof(f->b));
	memcpy(f->b + f->len, b, n);
	f->len += n;
}

static void
put16(struct frame *f, uint16_t v)
{
	const uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	putn(f, b, 2);
}

static void
put32(struct frame *f, uint32_t v)
{
	put16(f, (uint16_t)(v >> 16));
	put16(f, (uint16_t)v);
}

static void
ether(struct frame *f, uint16_t type)
{
	memset(f, 0, sizeof(*f));
	putn(f, espudp1_f1, 12);
	put16(f, type);
}

/* An IPv4 header (no options) for payload_len bytes, checksum set. */
static void
ip4_hdr(struct frame *f, uint8_t proto, uint16_t id, uint16_t frag,
    size_t payload_len, const uint8_t *src, const uint8_t *dst)
{
	size_t		off = f->len, i;
	uint32_t	sum = 0;

	put16(f, 0x4500);
	put16(f, (uint16_t)(20 + payload_len));
	put16(f, id);
	put16(f, frag);
	put16(f, (uint16_t)(64 << 8 | proto));
	put16(f, 0);
	putn(f, src, 4);
	putn(f, dst, 4);
	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)f->b[off + i] << 8 | f->b[off + i + 1];
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	f->b[off + 10] = (uint8_t)(~sum >> 8);
	f->b[off + 11] = (uint8_t)~sum;
}

#define IP4_MF	0x2000

/* espudp1's IP payload (UDP and ESP, 124 bytes) and where ESP starts. */
#define E1_PAYLOAD	(espudp1_f1 + 34)
#define E1_PAYLOAD_LEN	124
#define E1_ESP		(espudp1_f1 + 42)
#define E1_ESP_LEN	116

/* Bytes [off, off + len) of espudp1's payload as an IPv4 fragment. */
static void
e1_frag(struct frame *f, uint32_t off, uint32_t len, bool more)
{
	ether(f, 0x0800);
	ip4_hdr(f, 17, 0xa60e, (uint16_t)((more ? IP4_MF : 0) | off / 8), len,
	    espudp1_f1 + 26, espudp1_f1 + 30);
	putn(f, E1_PAYLOAD + off, len);
}

/* cc_f85's ESP (276 bytes) and its IPv6 header. */
#define CC_IP6		(cc_f85_pppoe_esp6 + 30)
#define CC_ESP		(cc_f85_pppoe_esp6 + 70)
#define CC_ESP_LEN	276

/* Bytes [off, off + len) of dgram as an IPv6 fragment (next: first). */
static void
cc_frag(struct frame *f, const uint8_t *dgram, uint8_t first, uint32_t off,
    uint32_t len, bool more)
{
	ether(f, 0x86dd);
	putn(f, CC_IP6, 4);
	put16(f, (uint16_t)(8 + len));
	put16(f, 44 << 8 | 64);		/* fragment header, hop limit */
	putn(f, CC_IP6 + 8, 32);
	put16(f, (uint16_t)(first << 8));
	put16(f, (uint16_t)(off | (more ? 1 : 0)));
	put32(f, 0xdecaf);
	putn(f, dgram + off, len);
}

struct dec {
	struct decode	*d;
	struct stats	 st;
	struct packet	 p;
};

static void
dec_open(struct dec *x, uint32_t slots)
{
	struct decode_config cfg;

	memset(x, 0, sizeof(*x));
	decode_config_defaults(&cfg);
	cfg.frag_max_datagrams = slots;
	x->d = decode_new(&cfg);
	ck_assert_ptr_nonnull(x->d);
}

static enum skip_reason
dec_frame(struct dec *x, const struct frame *f, size_t cut, int64_t now)
{
	memset(&x->p, 0, sizeof(x->p));
	x->p.ts_sec = now;
	x->p.linktype = DLT_EN10MB;
	x->p.frame = f->b;
	x->p.caplen = (uint32_t)(f->len - cut);
	x->p.wirelen = (uint32_t)f->len;
	decode_packet(x->d, &x->p, &x->st);
	return (x->p.skip);
}

static uint64_t
outcomes(const struct stats *st)
{
	uint64_t	n = st->esp + st->wesp;
	int		i;

	for (i = 0; i < SKIP_MAX; i++)
		n += st->skipped[i];
	return (n);
}

/* The ESP found is espudp1's, from the reassembly buffer. */
static void
assert_e1_esp(const struct dec *x, const struct frame *last)
{
	char buf[IPADDR_STRLEN];

	ck_assert_int_eq(x->p.skip, SKIP_NONE);
	ck_assert(x->p.reassembled);
	ck_assert(x->p.esp < last->b || x->p.esp >= last->b + last->len);
	ck_assert_uint_eq(x->p.esp_len, E1_ESP_LEN);
	ck_assert_uint_eq(x->p.esp_wire_len, E1_ESP_LEN);
	ck_assert_mem_eq(x->p.esp, E1_ESP, E1_ESP_LEN);
	ck_assert_uint_eq(x->p.ipsec_proto, 50);
	ck_assert_int_eq(x->p.encap, ENCAP_UDP);
	ck_assert_uint_eq(x->p.sport, 4500);
	ck_assert_uint_eq(x->p.dport, 4500);
	ck_assert_str_eq(ipaddr_str(&x->p.src, buf, sizeof(buf)), "192.1.2.23");
	ck_assert_str_eq(ipaddr_str(&x->p.dst, buf, sizeof(buf)), "192.1.2.45");
}

/* The three fragments of espudp1: [0,48) [48,96) [96,124). */
static const struct {
	uint32_t	off;
	uint32_t	len;
	bool		more;
} e1_pieces[3] = { { 0, 48, true }, { 48, 48, true }, { 96, 28, false } };

static const uint8_t orders[][3] = {
	{ 0, 1, 2 }, { 2, 1, 0 }, { 2, 0, 1 }, { 1, 2, 0 }, { 0, 2, 1 },
	{ 1, 0, 2 },
};

START_TEST(test_ip4_orders)
{
	struct dec	x;
	struct frame	f;
	int		i, k;

	dec_open(&x, 256);
	for (i = 0; i < 3; i++) {
		k = orders[_i][i];
		e1_frag(&f, e1_pieces[k].off, e1_pieces[k].len,
		    e1_pieces[k].more);
		ck_assert_int_eq(dec_frame(&x, &f, 0, 0),
		    i < 2 ? SKIP_FRAGMENT_HELD : SKIP_NONE);
		ck_assert_uint_eq(outcomes(&x.st), (uint64_t)i + 1);
	}
	assert_e1_esp(&x, &f);
	ck_assert_uint_eq(x.st.skipped[SKIP_FRAGMENT_HELD], 2);
	ck_assert_uint_eq(x.st.esp, 1);
	ck_assert_uint_eq(x.st.esp_udp, 1);
	ck_assert_uint_eq(x.st.frag_reassembled, 1);
	decode_free(x.d);
}
END_TEST

START_TEST(test_ip4_overlap)
{
	struct dec	x;
	struct frame	f;

	dec_open(&x, 256);
	e1_frag(&f, 0, 48, true);
	ck_assert_int_eq(dec_frame(&x, &f, 0, 0), SKIP_FRAGMENT_HELD);
	e1_frag(&f, 40, 48, true);
	ck_assert_int_eq(dec_frame(&x, &f, 0, 0), SKIP_FRAGMENT_INVALID);
	e1_frag(&f, 48, 48, true);
	ck_assert_int_eq(dec_frame(&x, &f, 0, 0), SKIP_FRAGMENT_INVALID);
	e1_frag(&f, 96, 28, false);
	ck_assert_int_eq(dec_frame(&x, &f, 0, 0), SKIP_FRAGMENT_INVALID);
	ck_assert_uint_eq(x.st.frag_overlaps, 1);
	ck_assert_uint_eq(x.st.skipped[SKIP_FRAGMENT_INVALID], 3);
	ck_assert_uint_eq(outcomes(&x.st), 4);
	ck_assert_uint_eq(x.st.frag_reassembled, 0);
	decode_free(x.d);
}
END_TEST

START_TEST(test_ip4_duplicate)
{
	struct dec	x;
	struct frame	f;

	dec_open(&x, 256);
	e1_frag(&f, 0, 48, true);
	ck_assert_int_eq(dec_frame(&x, &f, 0, 0), SKIP_FRAGMENT_HELD);
	ck_assert_int_eq(dec_frame(&x, &f, 0, 0), SKIP_FRAGMENT_HELD);
	e1_frag(&f, 96, 28, false);
	ck_assert_int_eq(dec_frame(&x, &f, 0, 0), SKIP_FRAGMENT_HELD);
	e1_frag(&f, 48, 48, true);
	ck_assert_int_eq(dec_frame(&x, &f, 0, 0), SKIP_NONE);
	assert_e1_esp(&x, &f);
	ck_assert_uint_eq(x.st.frag_overlaps, 0);
	ck_assert_uint_eq(outcomes(&x.st), 4);
	decode_free(x.d);
}
END_TEST

START_TEST(test_ip4_timeout)
{
	struct dec	x;
	struct frame	f;

	dec_open(&x, 256);
	e1_frag(&f, 0, 48, true);
	ck_assert_int_eq(dec_frame(&x, &f, 0, 0), SKIP_FRAGMENT_HELD);
	decode_expire(x.d, 30, &x.st);
	ck_assert_uint_eq(x.st.frag_timeouts, 0);
	decode_expire(x.d, 31, &x.st);
	ck_assert_uint_eq(x.st.frag_timeouts, 1);
	e1_frag(&f, 48, 48, true);
	ck_assert_int_eq(dec_frame(&x, &f, 0, 32), SKIP_FRAGMENT_HELD);
	e1_frag(&f, 96, 28, false);
	ck_assert_int_eq(dec_frame(&x, &f, 0, 32), SKIP_FRAGMENT_HELD);
	e1_frag(&f, 0, 48, true);
	ck_assert_int_eq(dec_frame(&x, &f, 0, 33), SKIP_NONE);
	assert_e1_esp(&x, &f);
	ck_assert_uint_eq(x.st.frag_timeouts, 1);
	decode_free(x.d);
}
END_TEST

/* A fragment the snaplen cut is never held: its datagram cannot end. */
START_TEST(test_ip4_cut_fragment)
{
	struct dec	x;
	struct frame	f;

	dec_open(&x, 256);
	e1_frag(&f, 48, 48, true);
	ck_assert_int_eq(dec_frame(&x, &f, 1, 0), SKIP_TRUNCATED);
	e1_frag(&f, 0, 48, true);
	ck_assert_int_eq(dec_frame(&x, &f, 0, 0), SKIP_FRAGMENT_HELD);
	e1_frag(&f, 96, 28, false);
	ck_assert_int_eq(dec_frame(&x, &f, 0, 0), SKIP_FRAGMENT_HELD);
	ck_assert_uint_eq(x.st.frag_reassembled, 0);
	decode_free(x.d);
}
END_TEST

/* Fragments of protocols that cannot carry IPsec take no slot. */
START_TEST(test_ip4_not_ipsec)
{
	static const uint8_t	tcp[16];
	struct dec		x;
	struct frame		f;

	dec_open(&x, 256);
	ether(&f, 0x0800);
	ip4_hdr(&f, 6, 1, 185, sizeof(tcp), espudp1_f1 + 26,
	    espudp1_f1 + 30);
	putn(&f, tcp, sizeof(tcp));
	ck_assert_int_eq(dec_frame(&x, &f, 0, 0), SKIP_NOT_IPSEC);
	ck_assert_uint_eq(outcomes(&x.st), 1);
	decode_free(x.d);
}
END_TEST

/* IPv6 (RFC 8200 section 4.5): cc_f85's ESP in three fragments. */
START_TEST(test_ip6_orders)
{
	static const struct {
		uint32_t	off;
		uint32_t	len;
		bool		more;
	} pieces[3] = { { 0, 136, true }, { 136, 136, true },
	    { 272, 4, false } };
	struct dec	x;
	struct frame	f;
	char		buf[IPADDR_STRLEN];
	int		i, k;

	dec_open(&x, 256);
	for (i = 0; i < 3; i++) {
		k = orders[_i][i];
		cc_frag(&f, CC_ESP, 50, pieces[k].off, pieces[k].len,
		    pieces[k].more);
		ck_assert_int_eq(dec_frame(&x, &f, 0, 0),
		    i < 2 ? SKIP_FRAGMENT_HELD : SKIP_NONE);
	}
	ck_assert(x.p.reassembled);
	ck_assert_uint_eq(x.p.esp_len, CC_ESP_LEN);
	ck_assert_uint_eq(x.p.esp_wire_len, CC_ESP_LEN);
	ck_assert_mem_eq(x.p.esp, CC_ESP, CC_ESP_LEN);
	ck_assert_uint_eq(x.p.ipver, 6);
	ck_assert_int_eq(x.p.encap, ENCAP_NONE);
	ck_assert_str_eq(ipaddr_str(&x.p.src, buf, sizeof(buf)),
	    "2a01:e34:ef6f:4340:94be:5dac:c20a:d2a0");
	ck_assert_uint_eq(x.st.frag_reassembled, 1);
	ck_assert_uint_eq(outcomes(&x.st), 3);
	decode_free(x.d);
}
END_TEST

/* A destination options header opens the fragmentable part. */
START_TEST(test_ip6_dstopts_fragmented)
{
	uint8_t		dgram[8 + CC_ESP_LEN];
	struct dec	x;
	struct frame	f;

	memset(dgram, 0, 8);
	dgram[0] = 50;			/* next: ESP; length 0: 8 bytes */
	dgram[2] = 1;			/* PadN of 4 */
	dgram[3] = 4;
	memcpy(dgram + 8, CC_ESP, CC_ESP_LEN);
	dec_open(&x, 256);
	cc_frag(&f, dgram, 60, 144, sizeof(dgram) - 144, false);
	ck_assert_int_eq(dec_frame(&x, &f, 0, 0), SKIP_FRAGMENT_HELD);
	cc_frag(&f, dgram, 60, 0, 144, true);
	ck_assert_int_eq(dec_frame(&x, &f, 0, 0), SKIP_NONE);
	ck_assert_mem_eq(x.p.esp, CC_ESP, CC_ESP_LEN);
	ck_assert_uint_eq(x.p.esp_len, CC_ESP_LEN);
	decode_free(x.d);
}
END_TEST

START_TEST(test_ip6_overlap)
{
	struct dec	x;
	struct frame	f;

	dec_open(&x, 256);
	cc_frag(&f, CC_ESP, 50, 0, 136, true);
	ck_assert_int_eq(dec_frame(&x, &f, 0, 0), SKIP_FRAGMENT_HELD);
	cc_frag(&f, CC_ESP, 50, 128, 144, true);
	ck_assert_int_eq(dec_frame(&x, &f, 0, 0), SKIP_FRAGMENT_INVALID);
	cc_frag(&f, CC_ESP, 50, 272, 4, false);
	ck_assert_int_eq(dec_frame(&x, &f, 0, 0), SKIP_FRAGMENT_INVALID);
	ck_assert_uint_eq(x.st.frag_overlaps, 1);
	decode_free(x.d);
}
END_TEST

/*
 * IP in IP with fragments at both levels: the outer datagram carries
 * the first fragment of the inner one, a plain outer packet the second.
 * With one slot the completed outer datagram still owns it when the
 * inner fragment asks, so that fragment cannot be held.
 */
static const uint8_t tun_src[4] = { 10, 0, 0, 1 };
static const uint8_t tun_dst[4] = { 10, 0, 0, 2 };

/* Inner fragment [off, off + len) of espudp1's payload, as IP bytes. */
static void
inner_frag(struct frame *f, uint32_t off, uint32_t len, bool more)
{
	f->len = 0;
	ip4_hdr(f, 17, 0xa60e, (uint16_t)((more ? IP4_MF : 0) | off / 8), len,
	    espudp1_f1 + 26, espudp1_f1 + 30);
	putn(f, E1_PAYLOAD + off, len);
}

static void
outer_frag(struct frame *f, const struct frame *inner, uint32_t off,
    uint32_t len, bool more)
{
	ether(f, 0x0800);
	ip4_hdr(f, 4, 0x0101, (uint16_t)((more ? IP4_MF : 0) | off / 8), len,
	    tun_src, tun_dst);
	putn(f, inner->b + off, len);
}

START_TEST(test_nested)
{
	struct dec	x;
	struct frame	in_a, in_b, f;

	inner_frag(&in_a, 0, 64, true);		/* 84 bytes */
	inner_frag(&in_b, 64, 60, false);	/* 80 bytes */

	dec_open(&x, 2);
	outer_frag(&f, &in_a, 0, 40, true);
	ck_assert_int_eq(dec_frame(&x, &f, 0, 0), SKIP_FRAGMENT_HELD);
	outer_frag(&f, &in_a, 40, 44, false);
	ck_assert_int_eq(dec_frame(&x, &f, 0, 0), SKIP_FRAGMENT_HELD);
	ck_assert_uint_eq(x.st.frag_reassembled, 1);
	ck_assert(x.p.reassembled);
	outer_frag(&f, &in_b, 0, (uint32_t)in_b.len, false);
	f.b[20] = 0;			/* not a fragment after all */
	f.b[21] = 0;
	ck_assert_int_eq(dec_frame(&x, &f, 0, 0), SKIP_NONE);
	assert_e1_esp(&x, &f);
	ck_assert_uint_eq(x.st.frag_reassembled, 2);
	ck_assert_uint_eq(outcomes(&x.st), 3);
	decode_free(x.d);

	dec_open(&x, 1);
	outer_frag(&f, &in_a, 0, 40, true);
	ck_assert_int_eq(dec_frame(&x, &f, 0, 0), SKIP_FRAGMENT_HELD);
	outer_frag(&f, &in_a, 40, 44, false);
	ck_assert_int_eq(dec_frame(&x, &f, 0, 0), SKIP_FRAGMENT_INVALID);
	ck_assert_uint_eq(x.st.frag_reassembled, 1);
	ck_assert_uint_eq(x.st.frag_evicted, 1);
	decode_free(x.d);
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("frag");
	TCase	*tc = tcase_create("table");

	tcase_add_loop_test(tc, test_scenarios, 0,
	    sizeof(scenarios) / sizeof(scenarios[0]));
	tcase_add_test(tc, test_keys_apart);
	tcase_add_test(tc, test_first_fragment_protocol);
	tcase_add_test(tc, test_eviction);
	tcase_add_test(tc, test_expire);
	tcase_add_test(tc, test_release);
	tcase_add_test(tc, test_many_datagrams);
	tcase_add_test(tc, test_too_many_fragments);
	tcase_add_test(tc, test_table_limits);
	suite_add_tcase(s, tc);

	tc = tcase_create("decode");
	tcase_add_loop_test(tc, test_ip4_orders, 0,
	    sizeof(orders) / sizeof(orders[0]));
	tcase_add_test(tc, test_ip4_overlap);
	tcase_add_test(tc, test_ip4_duplicate);
	tcase_add_test(tc, test_ip4_timeout);
	tcase_add_test(tc, test_ip4_cut_fragment);
	tcase_add_test(tc, test_ip4_not_ipsec);
	tcase_add_loop_test(tc, test_ip6_orders, 0,
	    sizeof(orders) / sizeof(orders[0]));
	tcase_add_test(tc, test_ip6_dstopts_fragmented);
	tcase_add_test(tc, test_ip6_overlap);
	tcase_add_test(tc, test_nested);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
