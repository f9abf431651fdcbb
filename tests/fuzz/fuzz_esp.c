/*
 * fuzz_esp.c - libFuzzer target for the ESP data plane's parsers and
 * checks (src/esp/esp_sa.c, esp_wesp.c, esp_replay.c).
 *
 * Build it with clang -fsanitize=fuzzer,address,undefined -Isrc from this
 * file and the .c files of src/esp, src/ike and src/util (make fuzz).
 *
 * Input: byte 0 picks the suite (low 3 bits) and the framing (UDP, WESP,
 * outer IPv6); byte 1 the mode:
 *   even  the rest is a received transport payload: decapsulate it on a
 *         fresh SA (it must fail: the fuzzer does not know the keys) and
 *         peek its SPI both ways;
 *   odd   the rest is an inner packet: encapsulate it, flip the bit that
 *         byte 2 and 3 choose, decapsulate; with no flip it must come
 *         back identical, with a flip anywhere but in the WESP Rsvd bits
 *         or padding word it must be refused.
 * The input is copied to a buffer of exactly its size, so any read past
 * it is an AddressSanitizer report.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esp/esp_sa.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct ike_suite suites[8] = {
	{ .encr = IKE_ENCR_NULL, .integ = IKE_INTEG_HMAC_SHA1_96 },
	{ .encr = IKE_ENCR_NULL, .integ = IKE_INTEG_HMAC_SHA2_256_128 },
	{ .encr = IKE_ENCR_NULL, .integ = IKE_INTEG_HMAC_SHA2_512_256 },
	{ .encr = IKE_ENCR_NULL_AUTH_AES_GMAC, .encr_keybits = 128 },
	{ .encr = IKE_ENCR_AES_GCM_16, .encr_keybits = 128 },
	{ .encr = IKE_ENCR_AES_GCM_16, .encr_keybits = 256 },
	{ .encr = IKE_ENCR_AES_CBC, .encr_keybits = 128,
	    .integ = IKE_INTEG_HMAC_SHA2_256_128 },
	{ .encr = IKE_ENCR_AES_CBC, .encr_keybits = 256,
	    .integ = IKE_INTEG_HMAC_SHA1_96 },
};

static void
make_sa(uint8_t sel, bool initiator, struct esp_sa *sa)
{
	const struct ike_suite *s = &suites[sel & 7];
	struct ike_child_keys k;
	struct esp_sa_config cfg;
	char		 err[128];

	memset(&k, 0x3c, sizeof(k));
	k.encr_len = (uint8_t)ike_encr_key_len(s->encr, s->encr_keybits);
	if (s->encr == IKE_ENCR_NULL_AUTH_AES_GMAC)
		k.encr_len = (uint8_t)(s->encr_keybits / 8 + 4);
	k.integ_len = (uint8_t)ike_integ_key_len(s->integ);
	memset(&cfg, 0, sizeof(cfg));
	cfg.suite = *s;
	cfg.keys = &k;
	cfg.initiator = initiator;
	cfg.spi_in = initiator ? 0x1002 : 0x1001;
	cfg.spi_out = initiator ? 0x1001 : 0x1002;
	cfg.udp = (sel & 0x08) != 0;
	cfg.wesp = (sel & 0x10) != 0;
	cfg.outer_v6 = (sel & 0x20) != 0;
	if (esp_sa_init(sa, &cfg, err, sizeof(err)) != 0)
		abort();
}

static void
decap_only(uint8_t sel, const uint8_t *data, size_t len)
{
	static uint8_t	 out[70000];
	struct esp_sa	 sa;
	size_t		 olen;

	make_sa(sel, false, &sa);
	(void)esp_peek_spi(data, len, true, false);
	(void)esp_peek_spi(data, len, false, true);
	(void)esp_udp_classify(data, len);
	if (esp_sa_decap(&sa, data, len, out, sizeof(out), &olen) == ESP_OK)
		abort();	/* forged without the key */
	esp_sa_wipe(&sa);
}

/* What RFC 5840 2 leaves to the sender: the Rsvd bits (ignored by the
 * receiver) and the contents of the padding word (outside the ICV, no
 * value defined). */
static bool
ignorable(uint8_t sel, size_t pre, size_t pos, uint16_t flip)
{
	if ((sel & 0x10) == 0)
		return (false);
	if (pos == pre + 3 && (flip & 7) < 4)
		return (true);
	return ((sel & 0x20) != 0 && pos >= pre + 4 && pos < pre + 8);
}

static void
round_trip(uint8_t sel, uint16_t flip, const uint8_t *data, size_t len)
{
	static uint8_t	 in[2048], wire[4096], out[4096];
	struct esp_sa	 a, b;
	size_t		 wlen, olen, pos, pre;
	enum esp_err	 e;

	if (len == 0 || len > sizeof(in))
		return;
	memcpy(in, data, len);
	in[0] = (uint8_t)((in[0] & 0x0f) | ((in[0] & 0x80) ? 0x60 : 0x40));
	make_sa(sel, true, &a);
	make_sa(sel, false, &b);
	if (esp_sa_encap(&a, in, len, wire, sizeof(wire), &wlen) != ESP_OK)
		abort();
	pos = (size_t)(flip >> 3) % (wlen + 1);
	pre = (sel & 0x08) && (sel & 0x10) ? 4 : 0;
	if (pos < wlen)
		wire[pos] ^= (uint8_t)(1u << (flip & 7));
	e = esp_sa_decap(&b, wire, wlen, out, sizeof(out), &olen);
	if (pos == wlen) {
		if (e != ESP_OK || olen != len || memcmp(out, in, len) != 0)
			abort();
	} else if (e == ESP_OK && !ignorable(sel, pre, pos, flip))
		abort();
	esp_sa_wipe(&a);
	esp_sa_wipe(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t	*copy;

	if (size < 4)
		return (0);
	if ((copy = malloc(size - 4 > 0 ? size - 4 : 1)) == NULL)
		return (0);
	memcpy(copy, data + 4, size - 4);
	if ((data[1] & 1) == 0)
		decap_only(data[0], copy, size - 4);
	else
		round_trip(data[0], (uint16_t)(data[2] << 8 | data[3]), copy,
		    size - 4);
	free(copy);
	return (0);
}
