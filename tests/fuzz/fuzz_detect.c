/*
 * fuzz_detect.c - libFuzzer target for detect/: ESP and WESP parsing,
 * the heuristics with every inner check, the SA table (tiny, so it
 * evicts), the hold ring (tiny, so it wraps and expires), expiry and
 * the end of input.
 *
 *   clang -fsanitize=fuzzer,address,undefined -Isrc tests/fuzz/fuzz_detect.c
 *       <every .c file of src/detect and src/util> -o fuzz_detect
 *   ./fuzz_detect -max_total_time=20 [corpus directory]
 *
 * Input: one configuration byte, then records of
 *   flags (1), length (2, big endian), length bytes
 * flags: 0x01 WESP, 0x02 IPv6, 0x04 UDP-encapsulated, 0x08 capture cut
 * by one byte, 0x10 call detect_expire first, 0xe0 which of 8 peers.
 * Besides the sanitizers it checks the outputs' invariants: an inner
 * payload lies inside the ESP bytes, only null SAs have one, and
 * released packets are null with an inner payload.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
no_report(void *arg, const struct sa_report *r)
{
	(void)arg;
	if (r->n_rejected > SA_MAX_CANDIDATES ||
	    (r->event == SA_EVENT_END && r->end_reason == NULL))
		abort();
}

static void
check_inner(const struct packet *p)
{
	if (p->inner == NULL)
		return;
	if (p->verdict != VERDICT_NULL || p->inner < p->esp ||
	    p->inner + p->inner_len > p->esp + p->esp_len)
		abort();
}

static void
make_packet(struct packet *p, uint8_t flags, const uint8_t *b, size_t n,
    int64_t ts)
{
	uint8_t	 addr[16] = { 0x20, 0x01, 0x0d, 0xb8 };

	memset(p, 0, sizeof(*p));
	p->ts_sec = ts;
	p->ipver = flags & 0x02 ? 6 : 4;
	addr[3] = (uint8_t)(flags >> 5);
	if (p->ipver == 6) {
		ipaddr_set6(&p->src, addr);
		addr[15] = 1;
		ipaddr_set6(&p->dst, addr);
	} else {
		ipaddr_set4(&p->src, addr);
		addr[0] = 10;
		ipaddr_set4(&p->dst, addr);
	}
	if (flags & 0x04) {
		p->encap = ENCAP_UDP;
		p->sport = 4500;
		p->dport = 4500;
	}
	p->ipsec_proto = flags & 0x01 ? IPPROTO_WESP_NUM : IPPROTO_ESP_NUM;
	p->esp = b;
	p->esp_wire_len = (uint32_t)n;
	p->esp_len = (uint32_t)n - ((flags & 0x08) && n > 0 ? 1 : 0);
	p->mac_dst = b;			/* any 12 bytes will do */
	p->mac_src = b;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct detect_config cfg;
	struct detect	*d;
	struct stats	 st;
	struct packet	 p, rel;
	size_t		 off = 1, n;
	uint8_t		 flags;
	int64_t		 ts = 0;

	if (size < 1)
		return (0);
	detect_config_defaults(&cfg);
	cfg.max_sas = 1 + (data[0] & 7);
	cfg.hold_bytes = 2048 + 1024 * ((data[0] >> 3) & 3);
	cfg.decide_pkts = 1 + ((data[0] >> 5) & 3);
	cfg.encrypted_pkts = 1 + (data[0] >> 7);
	cfg.sa_timeout_sec = 2;
	memset(&st, 0, sizeof(st));
	if ((d = detect_new(&cfg, no_report, NULL)) == NULL)
		return (0);
	while (off + 3 <= size) {
		flags = data[off];
		n = (size_t)data[off + 1] << 8 | data[off + 2];
		off += 3;
		if (n > size - off)
			n = size - off;
		if (flags & 0x10)
			detect_expire(d, ts, &st);
		/* a copy per packet, as a capture buffer would be */
		{
			uint8_t	*b = malloc(n > 0 ? n : 1);

			if (b == NULL)
				break;
			memcpy(b, data + off, n);
			make_packet(&p, flags, b, n, ts++);
			detect_packet(d, &p, &st);
			check_inner(&p);
			while (detect_next_released(d, &rel)) {
				if (rel.inner == NULL ||
				    rel.verdict != VERDICT_NULL)
					abort();
				check_inner(&rel);
			}
			free(b);
		}
		off += n;
	}
	detect_finish(d, &st);
	if (st.held < st.held_released + st.held_expired)
		abort();
	detect_free(d);
	return (0);
}
