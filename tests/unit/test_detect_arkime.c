/*
 * test_detect_arkime.c - detect/ over every ESP frame of the one real
 * ESP-NULL capture, arkime/wireshark-esp.pcap (bytes in
 * data/wireshark_esp.h), against its truth file: SPIs 0x71 and 0x0d
 * ESP-NULL with ICV 12, 0x7b and 0x17 NULL+NULL (ICV 0), the 12 other
 * SPIs encrypted.  Frames 129 and 220 are where tshark's heuristic
 * calls ciphertext ESP-NULL; we must not.
 */
#include <stdlib.h>

#include "unit.h"
#include "esp_build.h"
#include "detect/detect.h"
#include "data/wireshark_esp.h"

#define N_FRAMES	(sizeof(ws_frames) / sizeof(ws_frames[0]))

static struct tb_reports reps;

static void
frame_packet(const struct ws_frame *f, struct packet *p)
{
	memset(p, 0, sizeof(*p));
	p->num = f->frame;
	p->ts_sec = 1000 + f->frame;
	p->ipver = f->ipver;
	if (f->ipver == 6) {
		ipaddr_set6(&p->src, f->src);
		ipaddr_set6(&p->dst, f->dst);
	} else {
		ipaddr_set4(&p->src, f->src);
		ipaddr_set4(&p->dst, f->dst);
	}
	p->ipsec_proto = IPPROTO_ESP_NUM;
	p->esp = f->esp;
	p->esp_len = p->esp_wire_len = f->len;
}

static bool
spi_null(uint32_t spi, uint8_t *icv)
{
	switch (spi) {
	case 0x71: case 0x0d:
		*icv = 12;
		return (true);
	case 0x7b: case 0x17:
		*icv = 0;
		return (true);
	}
	return (false);
}

/* A packet of a null SA: ICMP (v4) or ICMPv6 echo, 64 bytes. */
static void
check_inner(const struct packet *p)
{
	ck_assert_ptr_eq(p->inner, p->esp + 8);
	ck_assert_uint_eq(p->inner_len, 64);
	ck_assert_uint_eq(p->next_hdr, p->ipver == 6 ? 58 : 1);
	ck_assert(!p->inner_tunnel);
	ck_assert_int_eq(p->verdict, VERDICT_NULL);
}

START_TEST(whole_capture)
{
	struct detect	*d;
	struct stats	 st;
	struct packet	 p, rel;
	uint8_t		 icv;
	size_t		 i, n_inner = 0, n_released = 0;

	memset(&st, 0, sizeof(st));
	memset(&reps, 0, sizeof(reps));
	d = detect_new(NULL, tb_collect, &reps);
	ck_assert_ptr_nonnull(d);
	for (i = 0; i < N_FRAMES; i++) {
		frame_packet(&ws_frames[i], &p);
		detect_packet(d, &p, &st);
		ck_assert_int_eq(p.skip, SKIP_NONE);
		if (spi_null(p.spi, &icv)) {
			ck_assert_int_ne(p.verdict, VERDICT_ENCRYPTED);
			if (p.inner != NULL) {
				check_inner(&p);
				n_inner++;
			}
		} else {
			ck_assert_int_ne(p.verdict, VERDICT_NULL);
			ck_assert_ptr_null(p.inner);
		}
		while (detect_next_released(d, &rel)) {
			ck_assert(spi_null(rel.spi, &icv));
			ck_assert_uint_eq(rel.spi, p.spi);
			ck_assert_uint_lt(rel.num, p.num);
			check_inner(&rel);
			n_released++;
		}
	}
	detect_finish(d, &st);
	detect_free(d);

	/* every packet of the 6 null SA directions reached the inner side */
	ck_assert_uint_eq(n_inner + n_released, 60);
	ck_assert_uint_eq(st.inner_found, 60);
	ck_assert_uint_eq(st.held_released, n_released);
	ck_assert_uint_eq(st.sa_created, 24);
	ck_assert_uint_eq(st.sa_null, 6);
	ck_assert_uint_eq(st.sa_encrypted, 18);
	ck_assert_uint_eq(st.sa_undecided, 0);
	ck_assert_uint_eq(reps.decided[VERDICT_NULL], 6);
	ck_assert_uint_eq(reps.decided[VERDICT_ENCRYPTED], 18);
	for (i = 0; i < reps.n; i++) {
		const struct sa_report *r = &reps.r[i];

		if (r->event != SA_EVENT_END)
			continue;
		ck_assert_str_eq(r->end_reason, "end_of_input");
		ck_assert_uint_eq(r->pkts, 10);
		ck_assert_uint_eq(r->seq_gaps, 0);
		if (spi_null(r->spi, &icv)) {
			ck_assert_int_eq(r->verdict, VERDICT_NULL);
			ck_assert_uint_eq(r->icv_len, icv);
			ck_assert_uint_eq(r->iv_len, 0);
			ck_assert_uint_eq(r->inner_pkts, 10);
			ck_assert_uint_eq(r->decided_after, 1);
		} else {
			ck_assert_int_eq(r->verdict, VERDICT_ENCRYPTED);
			ck_assert_uint_eq(r->n_rejected, 7);
			ck_assert_uint_le(r->decided_after, 3);
		}
	}
}
END_TEST

/*
 * The two frames tshark's heuristic gets wrong, each alone as its own
 * SA and repeated: never null.
 */
START_TEST(tshark_false_positives)
{
	static const unsigned frames[] = { 129, 220 };
	struct detect	*d;
	struct stats	 st;
	struct packet	 p;
	size_t		 i, k;

	memset(&st, 0, sizeof(st));
	memset(&reps, 0, sizeof(reps));
	d = detect_new(NULL, tb_collect, &reps);
	for (i = 0; i < 2; i++) {
		ck_assert_uint_eq(ws_frames[frames[i] - 1].frame, frames[i]);
		for (k = 0; k < 5; k++) {
			frame_packet(&ws_frames[frames[i] - 1], &p);
			detect_packet(d, &p, &st);
			ck_assert_int_ne(p.verdict, VERDICT_NULL);
			ck_assert_ptr_null(p.inner);
		}
	}
	/*
	 * 129 has pad 0 and NH 80 (ISO-IP) under ICV 24: a protocol we
	 * cannot check, so RFC 5879 section 8.2 "unsure", and the same
	 * packet again proves nothing more: undecided, not null.  220's
	 * ICMP under ICV 32 fails its checksum: encrypted.
	 */
	ck_assert_uint_eq(reps.decided[VERDICT_NULL], 0);
	ck_assert_ptr_null(tb_find(&reps, 0x0a, SA_EVENT_DECIDED));
	ck_assert_ptr_nonnull(tb_find(&reps, 0x15, SA_EVENT_DECIDED));
	ck_assert_int_eq(tb_find(&reps, 0x15, SA_EVENT_DECIDED)->verdict,
	    VERDICT_ENCRYPTED);
	detect_free(d);
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("detect_arkime");
	TCase	*tc = tcase_create("wireshark-esp");

	tcase_add_test(tc, whole_capture);
	tcase_add_test(tc, tshark_false_positives);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
