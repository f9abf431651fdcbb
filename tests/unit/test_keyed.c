/*
 * test_keyed.c - detect/ with ESP keys (detect/keyed.h, docs/keys.md)
 * on real strongSwan 5.9.8 packets with the keys charon logged
 * (data/esp_vectors.h): every SA decided by its key on its first
 * packet, every ICV verified, encrypted payloads opened to exactly the
 * inner packets an independent implementation found; a flipped bit
 * fails the ICV and passes nothing on; a key that goes away, or an ESN
 * key, leaves the SA to the heuristics.
 */
#include <string.h>

#include "unit.h"
#include "data/esp_vectors.h"
#include "detect/detect.h"
#include "ike/ike_types.h"
#include "util/esp_keys.h"

#define NVEC	(sizeof(esp_vectors) / sizeof(esp_vectors[0]))

static struct sa_report	 last_end[4], last_decided[4];
static int		 n_end, n_decided;

static void
on_report(void *arg, const struct sa_report *r)
{
	(void)arg;
	if (r->event == SA_EVENT_END && n_end < 4)
		last_end[n_end++] = *r;
	else if (r->event == SA_EVENT_DECIDED && n_decided < 4)
		last_decided[n_decided++] = *r;
}

static void
key_of(const struct esp_vec *v, bool a2b, struct esp_key *k)
{
	memset(k, 0, sizeof(*k));
	k->spi = a2b ? v->spi_a2b : v->spi_b2a;
	k->encr = v->encr;
	k->encr_keybits = v->keybits;
	k->integ = v->integ;
	k->encr_len = v->encr_len;
	k->integ_len = v->integ_len;
	memcpy(k->encr_key, a2b ? v->ei : v->er, v->encr_len);
	memcpy(k->integ_key, a2b ? v->ai : v->ar, v->integ_len);
}

static struct esp_keys *
store_of(const struct esp_vec *v)
{
	struct esp_keys	*ks = esp_keys_new(8);
	struct esp_key	 k;

	ck_assert_ptr_nonnull(ks);
	key_of(v, true, &k);
	ck_assert_int_eq(esp_keys_put(ks, &k), 0);
	key_of(v, false, &k);
	ck_assert_int_eq(esp_keys_put(ks, &k), 0);
	return (ks);
}

/* One packet of the capture, ESP in UDP 4500 between A and B. */
static void
packet_of(struct packet *p, const uint8_t *wire, size_t len, bool a2b)
{
	static const uint8_t a[4] = { 192, 0, 2, 1 }, b[4] = { 192, 0, 2, 2 };

	memset(p, 0, sizeof(*p));
	p->ipver = 4;
	ipaddr_set4(&p->src, a2b ? a : b);
	ipaddr_set4(&p->dst, a2b ? b : a);
	p->encap = ENCAP_UDP;
	p->sport = p->dport = 4500;
	p->ipsec_proto = IPPROTO_ESP_NUM;
	p->esp = wire;
	p->esp_len = p->esp_wire_len = (uint32_t)len;
}

static struct detect *
detect_of(struct esp_keys *ks)
{
	struct detect	*d = detect_new(NULL, on_report, NULL);

	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(detect_use_keys(d, ks), 0);
	n_end = n_decided = 0;
	return (d);
}

static bool
encrypting(const struct esp_vec *v)
{
	return (v->encr == IKE_ENCR_AES_GCM_16 || v->encr == IKE_ENCR_AES_CBC);
}

START_TEST(strongswan_opened)
{
	const struct esp_vec *v = &esp_vectors[_i];
	struct esp_keys	*ks = store_of(v);
	struct detect	*d = detect_of(ks);
	struct stats	 st;
	struct packet	 p;
	size_t		 i;
	int		 e;

	memset(&st, 0, sizeof(st));
	for (i = 0; i < v->n_pkts; i++) {
		const struct esp_vec_pkt *vp = &v->pkts[i];

		packet_of(&p, vp->wire, vp->wire_len, vp->a2b);
		detect_packet(d, &p, &st);
		ck_assert_int_eq(p.skip, SKIP_NONE);
		ck_assert_int_eq(p.verdict, encrypting(v) ?
		    VERDICT_ENCRYPTED : VERDICT_NULL);
		ck_assert_msg(p.inner != NULL, "%s pkt %zu", v->name, i);
		ck_assert_uint_eq(p.inner_len, vp->inner_len);
		ck_assert_mem_eq(p.inner, vp->inner, vp->inner_len);
		ck_assert(p.inner_tunnel);
	}
	ck_assert_uint_eq(st.keys_icv_ok, v->n_pkts);
	ck_assert_uint_eq(st.keys_icv_failed, 0);
	ck_assert_uint_eq(st.keys_decrypted, encrypting(v) ? v->n_pkts : 0);
	ck_assert_uint_eq(st.inner_found, v->n_pkts);
	/* Decided on each direction's first packet, by the key. */
	ck_assert_int_eq(n_decided, 2);
	for (e = 0; e < 2; e++) {
		ck_assert_int_eq(last_decided[e].method, METHOD_KEYS);
		ck_assert_uint_eq(last_decided[e].decided_after, 1);
	}
	detect_finish(d, &st);
	ck_assert_int_eq(n_end, 2);
	for (e = 0; e < 2; e++) {
		ck_assert(last_end[e].keyed);
		ck_assert_int_eq(last_end[e].decrypts, encrypting(v));
		ck_assert_uint_eq(last_end[e].icv_failed, 0);
		ck_assert_uint_eq(last_end[e].icv_ok, last_end[e].pkts);
		if (!encrypting(v))
			ck_assert_uint_eq(last_end[e].icv_len,
			    v->integ == IKE_INTEG_HMAC_SHA1_96 ? 12 :
			    v->integ_len / 2);
	}
	detect_free(d);
	esp_keys_free(ks);
}
END_TEST

/* A bit flipped anywhere from the SPI's end on fails the ICV. */
START_TEST(flipped_bit_fails)
{
	const struct esp_vec *v = &esp_vectors[_i];
	const struct esp_vec_pkt *vp = &v->pkts[0];
	struct esp_keys	*ks = store_of(v);
	struct detect	*d = detect_of(ks);
	struct stats	 st;
	struct packet	 p;
	uint8_t		 buf[2048];
	size_t		 off;

	memset(&st, 0, sizeof(st));
	ck_assert_uint_le(vp->wire_len, sizeof(buf));
	for (off = 4; off < vp->wire_len; off++) {
		memcpy(buf, vp->wire, vp->wire_len);
		buf[off] ^= 0x10;
		packet_of(&p, buf, vp->wire_len, vp->a2b);
		detect_packet(d, &p, &st);
		ck_assert_int_eq(p.skip, SKIP_NONE);
		ck_assert_ptr_null(p.inner);
	}
	ck_assert_uint_eq(st.keys_icv_failed, vp->wire_len - 4);
	ck_assert_uint_eq(st.keys_icv_ok, 0);
	/* The genuine packet still passes. */
	packet_of(&p, vp->wire, vp->wire_len, vp->a2b);
	detect_packet(d, &p, &st);
	ck_assert_ptr_nonnull(p.inner);
	detect_finish(d, &st);
	ck_assert_int_eq(n_end, 1);
	ck_assert_uint_eq(last_end[0].icv_ok, 1);
	ck_assert_uint_eq(last_end[0].icv_failed, vp->wire_len - 4);
	detect_free(d);
	esp_keys_free(ks);
}
END_TEST

/* Only the captured bytes: the ICV cannot be checked, nothing counted
 * as failed, nothing passed on. */
START_TEST(truncated_unchecked)
{
	const struct esp_vec *v = &esp_vectors[1];
	const struct esp_vec_pkt *vp = &v->pkts[0];
	struct esp_keys	*ks = store_of(v);
	struct detect	*d = detect_of(ks);
	struct stats	 st;
	struct packet	 p;

	memset(&st, 0, sizeof(st));
	packet_of(&p, vp->wire, vp->wire_len, vp->a2b);
	p.esp_len = (uint32_t)vp->wire_len - 10;
	detect_packet(d, &p, &st);
	ck_assert_int_eq(p.skip, SKIP_NONE);
	ck_assert_ptr_null(p.inner);
	ck_assert_int_eq(p.verdict, VERDICT_NULL);
	ck_assert_uint_eq(st.keys_unchecked, 1);
	ck_assert_uint_eq(st.keys_icv_failed + st.keys_icv_ok, 0);
	detect_free(d);
	esp_keys_free(ks);
}
END_TEST

/* Keys come and go while packets flow; an ESN key is refused. */
START_TEST(keys_change)
{
	const struct esp_vec *v = &esp_vectors[4];	/* aes128gcm16 */
	const struct esp_vec_pkt *vp;
	struct esp_keys	*ks = esp_keys_new(8);
	struct detect	*d = detect_of(ks);
	struct esp_key	 k;
	struct stats	 st;
	struct packet	 p;
	size_t		 i;

	memset(&st, 0, sizeof(st));
	/* No key yet: the first packets are only ESP to detect/. */
	for (i = 0; i < 2; i++) {
		vp = &v->pkts[i];
		packet_of(&p, vp->wire, vp->wire_len, vp->a2b);
		detect_packet(d, &p, &st);
		ck_assert_ptr_null(p.inner);
	}
	ck_assert_uint_eq(st.keys_icv_ok, 0);
	key_of(v, true, &k);
	k.esn = true;
	esp_keys_put(ks, &k);
	key_of(v, false, &k);
	esp_keys_put(ks, &k);
	for (i = 2; i < v->n_pkts; i++) {
		vp = &v->pkts[i];
		packet_of(&p, vp->wire, vp->wire_len, vp->a2b);
		detect_packet(d, &p, &st);
		ck_assert_int_eq(p.inner != NULL, !vp->a2b);
	}
	ck_assert_uint_gt(st.keys_unusable, 0);
	ck_assert_uint_gt(st.keys_decrypted, 0);
	/* The key is deleted: its SA goes back to what it was. */
	esp_keys_del(ks, v->spi_b2a, NULL);
	for (i = 0; i < v->n_pkts; i++) {
		vp = &v->pkts[i];
		packet_of(&p, vp->wire, vp->wire_len, vp->a2b);
		detect_packet(d, &p, &st);
		ck_assert_ptr_null(p.inner);
	}
	detect_free(d);
	esp_keys_free(ks);
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("keyed");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, strongswan_opened, 0, NVEC);
	tcase_add_loop_test(tc, flipped_bit_fails, 0, NVEC);
	tcase_add_test(tc, truncated_unchecked);
	tcase_add_test(tc, keys_change);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
