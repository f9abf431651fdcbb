/*
 * fuzz_decode.c - libFuzzer target for decode_packet().
 *
 * Build it with clang -fsanitize=fuzzer,address,undefined -Isrc from this
 * file and every .c file of src/decode and src/util.
 *
 * Input: one byte choosing the link type, then packets, each a 2-byte
 * big-endian length and that many frame bytes (a short or missing
 * length means "the rest").  Several packets per input let fragments
 * meet in the reassembly table; a fresh decode context per input keeps
 * runs reproducible.  The high bit of a length claims 64 more bytes on
 * the wire than were captured, as a snaplen cut would.
 *
 * Each frame is copied to a buffer of exactly its size, so a read past
 * it is an AddressSanitizer report and not a read of the next packet.
 * Beyond not crashing, every packet must end in exactly one outcome, and
 * ESP bytes, when found, must lie inside the frame or the reassembled
 * datagram's length.
 */
#include <pcap/dlt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const int linktypes[] = {
	DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, 101, DLT_IPV4,
	DLT_IPV6, DLT_NULL, DLT_LOOP, DLT_IEEE802_11,
};

static uint64_t
outcomes(const struct stats *st)
{
	uint64_t	n = st->esp + st->wesp;
	int		i;

	for (i = 0; i < SKIP_MAX; i++)
		n += st->skipped[i];
	return (n);
}

static void
check_packet(const struct packet *p, const uint8_t *frame, size_t caplen)
{
	if (p->skip != SKIP_NONE) {
		if (p->esp != NULL || p->esp_len != 0)
			__builtin_trap();
		return;
	}
	if (p->esp == NULL || p->esp_len < 8 || p->esp_len > p->esp_wire_len)
		__builtin_trap();
	if (!p->reassembled && (p->esp < frame ||
	    p->esp_len > caplen - (size_t)(p->esp - frame)))
		__builtin_trap();
}

static void
decode_one(struct decode *d, struct stats *st, int linktype,
    const uint8_t *bytes, size_t len, uint32_t lost, int64_t now)
{
	struct packet	 p;
	uint8_t		*frame;
	uint64_t	 before = outcomes(st);

	if ((frame = malloc(len > 0 ? len : 1)) == NULL)
		return;
	if (len > 0)
		memcpy(frame, bytes, len);
	memset(&p, 0, sizeof(p));
	p.ts_sec = now;
	p.linktype = linktype;
	p.frame = frame;
	p.caplen = (uint32_t)len;
	p.wirelen = (uint32_t)len + lost;
	decode_packet(d, &p, st);
	if (outcomes(st) != before + 1)
		__builtin_trap();
	check_packet(&p, frame, len);
	free(frame);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct decode_config	 cfg;
	struct decode		*d;
	struct stats		 st;
	size_t			 pos = 1, len;
	uint32_t		 lost;
	int64_t			 now = 0;
	int			 linktype;

	if (size < 1)
		return (0);
	linktype = linktypes[data[0] % (sizeof(linktypes) /
	    sizeof(linktypes[0]))];
	decode_config_defaults(&cfg);
	cfg.frag_max_datagrams = 4;	/* small: eviction gets exercised */
	if ((d = decode_new(&cfg)) == NULL)
		return (0);
	memset(&st, 0, sizeof(st));
	while (pos < size) {
		len = size - pos;
		lost = 0;
		if (len >= 2) {
			lost = (data[pos] & 0x80) ? 64 : 0;
			len = (size_t)(data[pos] & 0x7f) << 8 | data[pos + 1];
			pos += 2;
			if (len > size - pos)
				len = size - pos;
		}
		decode_one(d, &st, linktype, data + pos, len, lost, now);
		pos += len;
		now += 7;	/* a few packets apart cross the timeout */
	}
	decode_expire(d, now + 3600, &st);
	decode_free(d);
	return (0);
}
