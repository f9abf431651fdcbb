/*
 * heuristic.c - ESP-NULL or encrypted, per SA, from RFC 5879 section 8
 * and then some.
 *
 * For each packet with a visible trailer, every candidate layout
 * (IV, ICV) is tried (esp.c: lengths, alignment, default padding; then
 * inner.c on the Next Header and payload).  A candidate's outcome is
 * FAIL, UNSURE (nothing checkable), WEAK or STRONG (a checksum over the
 * payload verified).  The SA then decides:
 *
 *   null       exactly one candidate is viable (it has passed, and it
 *              never failed on a packet where another candidate
 *              passed) and it has a STRONG pass or decide_pkts WEAK
 *              ones.  "Exactly one" also settles the IV length (RFC
 *              5879 section 8.1): IV 8 and IV 0 share a trailer but not
 *              a payload start.
 *   encrypted  encrypted_pkts packets fitted no candidate at all, and
 *              more of them than the best viable candidate has passes.
 *
 * Why this cannot call an encrypted SA null (the one failure that
 * matters, RFC 5879 section 3).  For ciphertext every tested byte is
 * random.  A candidate's padding holds with about 1/256 (pad length 0;
 * longer pads are 256^-n rarer), its Next Header is a checkable one
 * with about 8/256, so ~1.2e-4 per candidate per packet reach the inner
 * checks.  A STRONG pass then needs a 16- or 32-bit checksum on top of
 * the structure (lengths that must equal, known types): below 1e-9 per
 * packet.  A WEAK pass needs decide_pkts of them on the same candidate
 * before encrypted_pkts no-fit packets arrive: ~(1e-5)^3.  NH 59 dummy
 * packets (RFC 4303 section 2.6) may be random by design, so they count
 * for nothing (inner.c: UNSURE); without that, ciphertext ending in
 * "01 02 02 3b" three times would "prove" ESP-NULL.  Measured: 0 null
 * among 2 million random SAs (7 million packets); with valid padding
 * and a checkable Next Header forged into every packet (the 2^-24 part
 * given away), 1 null among 1 million SAs, by a 16-bit ICMP checksum.
 *
 * Why one corrupt packet cannot flip a verdict.  The only packets that
 * count against a candidate are those where another candidate passed;
 * a packet that fits nothing is counted as a no-fit packet and costs no
 * candidate anything, and one where nothing passed but something was
 * unsure counts neither way.  So a corrupt packet among ESP-NULL
 * packets adds one no-fit, which alone (encrypted_pkts >= 2, and no
 * more than the real candidate's passes) decides nothing; and a single
 * lucky ciphertext packet is at most one WEAK pass.  Verdicts are final (RFC
 * 5879 section 3: a detected ESP-NULL flow is never re-labelled
 * encrypted), so only the first few packets of an SA are ever judged.
 *
 * An SA that ends before encrypted_pkts packets (a single packet, say)
 * is judged on what it showed: if every packet with a visible trailer
 * fitted no candidate at all, it ends encrypted (heur_finish()).  The
 * threshold is there to survive a corrupt packet among good ones; with
 * nothing but no-fit packets there is no good one to survive for, and
 * an SA that passed or was unsure even once still ends undecided.
 *
 * NAT (UDP encapsulation, transport mode): a TCP/UDP/ICMPv6 checksum
 * that fails against the outer addresses is not held against the
 * candidate; the residual it leaves must repeat on a later packet
 * (same NAT, same rewrite) before it counts, and then counts as STRONG.
 *
 * Rekey (RFC 5879 section 8.3 suggests using the previous SA): when the
 * SA between the same peers before this one was decided null, its
 * layout is tried on the first packet with evidence, and a pass with
 * an inner check (WEAK suffices; NH 59 does not) decides at once.
 */
#include "heuristic.h"

/*
 * Candidate layouts, shortest ICV first (RFC 5879 section 8.2):
 *   ICV  0  no integrity at all (NULL+NULL, not RFC 4303 conformant
 *           but seen in real captures)
 *   ICV  8  64-bit truncated MACs some stacks allow
 *   ICV 12  HMAC-MD5-96, HMAC-SHA1-96, AES-XCBC-96, AES-CMAC-96
 *   ICV 16  HMAC-SHA2-256-128 (RFC 4868)
 *   ICV 24  HMAC-SHA2-384-192
 *   ICV 32  HMAC-SHA2-512-256
 *   IV 8 + ICV 16  ENCR_NULL_AUTH_AES_GMAC (RFC 4543 section 3)
 */
static const struct sa_candidate candidates[HEUR_N_CANDIDATES] = {
	{ 0, 0 }, { 0, 8 }, { 0, 12 }, { 0, 16 }, { 0, 24 }, { 0, 32 },
	{ 8, 16 },
};

enum outcome {
	OUT_FAIL,
	OUT_UNSURE,
	OUT_WEAK,
	OUT_STRONG,
};

/* allowed[from][to]: verdicts only ever leave "undecided", once. */
static const bool allowed[3][3] = {
	[VERDICT_UNDECIDED] = {
		[VERDICT_NULL] = true,
		[VERDICT_ENCRYPTED] = true,
	},
};

const struct sa_candidate *
heur_candidate(int index)
{
	if (index < 0 || index >= HEUR_N_CANDIDATES)
		return (NULL);
	return (&candidates[index]);
}

int
heur_candidate_index(uint8_t iv_len, uint8_t icv_len)
{
	int	 i;

	for (i = 0; i < HEUR_N_CANDIDATES; i++)
		if (candidates[i].iv_len == iv_len &&
		    candidates[i].icv_len == icv_len)
			return (i);
	return (-1);
}

void
heur_init(struct heur *h, int pred)
{
	int	 i;

	h->verdict = VERDICT_UNDECIDED;
	h->method = METHOD_NONE;
	h->reason = NULL;
	h->decided = -1;
	h->iv_len = 0;
	h->icv_len = 0;
	h->from_predecessor = false;
	h->pred = (int8_t)(heur_candidate(pred) != NULL ? pred : -1);
	h->decided_after = 0;
	h->evidence_pkts = 0;
	h->nofit_pkts = 0;
	h->nat_seen = 0;
	for (i = 0; i < HEUR_N_CANDIDATES; i++)
		h->cand[i] = (struct heur_cand){ 0 };
}

bool
heur_transition_allowed(enum esp_verdict from, enum esp_verdict to)
{
	if ((unsigned)from > VERDICT_ENCRYPTED ||
	    (unsigned)to > VERDICT_ENCRYPTED)
		return (false);
	return (allowed[from][to]);
}

bool
sa_set_state(struct heur *h, enum esp_verdict to, enum sa_method method,
    const char *reason)
{
	if (!heur_transition_allowed(h->verdict, to))
		return (false);
	h->verdict = to;
	h->method = method;
	h->reason = reason;
	return (true);
}

static void
bump(uint16_t *counter)
{
	if (*counter < UINT16_MAX)
		(*counter)++;
}

/* The payload of a layout as its own window. */
static void
payload_window(const struct heur_input *in, const struct esp_layout *lay,
    struct cursor *payload)
{
	struct cursor	 c = in->esp;

	cur_skip(&c, lay->payload_off);
	cur_sub(&c, lay->payload_len, payload);
}

/*
 * A NAT rewrites the same outer addresses on every packet, so the same
 * checksum residual twice on one candidate is a 16-bit match: STRONG.
 * The first residual alone is only UNSURE: what remains of a TCP
 * header without its checksum (data offset, flags) is a few bits, and
 * ciphertext would pass that about as often as it passes the padding.
 */
_Static_assert(HEUR_N_CANDIDATES <= 8, "heur.nat_seen is 8 bits");

static enum outcome
nat_outcome(struct heur *h, int i, uint16_t residual)
{
	struct heur_cand *hc = &h->cand[i];

	if ((h->nat_seen & 1u << i) && hc->nat_residual == residual)
		return (OUT_STRONG);
	h->nat_seen |= (uint8_t)(1u << i);
	hc->nat_residual = residual;
	return (OUT_UNSURE);
}

static enum outcome
evaluate(struct heur *h, int i, const struct heur_input *in)
{
	struct esp_layout	 lay;
	struct cursor		 payload;
	struct inner_result	 res;

	if (esp_layout(&in->esp, in->wire_len, candidates[i].iv_len,
	    candidates[i].icv_len, ESP_CHECK_ALIGN | ESP_CHECK_PADDING,
	    &lay) != ESP_LAYOUT_OK)
		return (OUT_FAIL);
	payload_window(in, &lay, &payload);
	inner_check(&in->ictx, lay.next_hdr, &payload, &res);
	switch (res.verdict) {
	case INNER_FAIL:
		return (OUT_FAIL);
	case INNER_UNSURE:
		return (OUT_UNSURE);
	case INNER_WEAK:
		return (OUT_WEAK);
	case INNER_WEAK_NAT:
		return (nat_outcome(h, i, res.residual));
	case INNER_STRONG:
		break;
	}
	return (OUT_STRONG);
}

/* Book one packet's outcomes (see "one corrupt packet" above). */
static void
account(struct heur *h, const enum outcome *out)
{
	bool	 any_pass = false, any_unsure = false;
	int	 i;

	for (i = 0; i < HEUR_N_CANDIDATES; i++) {
		any_pass |= out[i] >= OUT_WEAK;
		any_unsure |= out[i] == OUT_UNSURE;
		if (out[i] == OUT_FAIL)
			bump(&h->cand[i].fails_any);
	}
	if (!any_pass && !any_unsure)
		bump(&h->nofit_pkts);
	if (!any_pass)
		return;
	for (i = 0; i < HEUR_N_CANDIDATES; i++) {
		if (out[i] == OUT_FAIL)
			bump(&h->cand[i].fails);
		if (out[i] >= OUT_WEAK)
			bump(&h->cand[i].passes);
		if (out[i] == OUT_STRONG)
			bump(&h->cand[i].strong);
	}
}

static bool
decide_null(struct heur *h, int i, uint32_t pkts, bool from_pred)
{
	if (!sa_set_state(h, VERDICT_NULL, METHOD_HEURISTIC, from_pred ?
	    "predecessor layout fits" : "one candidate fits"))
		return (false);
	h->decided = (int8_t)i;
	h->iv_len = candidates[i].iv_len;
	h->icv_len = candidates[i].icv_len;
	h->from_predecessor = from_pred;
	h->decided_after = pkts;
	return (true);
}

static bool
decide(struct heur *h, const struct heur_config *cfg, uint32_t pkts)
{
	int	 i, viable = -1, n_viable = 0;
	uint16_t best = 0;

	for (i = 0; i < HEUR_N_CANDIDATES; i++) {
		if (h->cand[i].fails > 0 || h->cand[i].passes == 0)
			continue;
		n_viable++;
		viable = i;
		if (h->cand[i].passes > best)
			best = h->cand[i].passes;
	}
	if (n_viable == 1 && (h->cand[viable].strong > 0 ||
	    h->cand[viable].passes >= cfg->decide_pkts))
		return (decide_null(h, viable, pkts, false));
	if (h->nofit_pkts >= cfg->encrypted_pkts && h->nofit_pkts > best &&
	    sa_set_state(h, VERDICT_ENCRYPTED, METHOD_HEURISTIC,
	    "no candidate fits")) {
		h->decided_after = pkts;
		return (true);
	}
	return (false);
}

/* A visible trailer and a payload: anything less is no evidence. */
static bool
has_evidence(const struct heur_input *in)
{
	return (in->wire_len > ESP_HDR_LEN &&
	    cur_left(&in->esp) >= in->wire_len);
}

bool
heur_packet(struct heur *h, const struct heur_config *cfg,
    const struct heur_input *in)
{
	enum outcome	 out[HEUR_N_CANDIDATES];
	bool		 first;
	int		 i;

	if (h->verdict != VERDICT_UNDECIDED || !has_evidence(in))
		return (false);
	first = h->evidence_pkts == 0;
	bump(&h->evidence_pkts);
	for (i = 0; i < HEUR_N_CANDIDATES; i++)
		out[i] = evaluate(h, i, in);
	account(h, out);
	if (first && h->pred >= 0 && out[h->pred] >= OUT_WEAK)
		return (decide_null(h, h->pred, in->pkts, true));
	return (decide(h, cfg, in->pkts));
}

bool
heur_finish(struct heur *h, uint32_t pkts)
{
	if (h->verdict != VERDICT_UNDECIDED || h->evidence_pkts == 0 ||
	    h->nofit_pkts != h->evidence_pkts)
		return (false);
	if (!sa_set_state(h, VERDICT_ENCRYPTED, METHOD_HEURISTIC,
	    "no candidate fits any packet"))
		return (false);
	h->decided_after = pkts;
	return (true);
}

bool
heur_inspect(const struct heur *h, const struct heur_input *in,
    struct esp_layout *out)
{
	if (h->verdict != VERDICT_NULL || h->method != METHOD_HEURISTIC)
		return (false);
	return (esp_layout(&in->esp, in->wire_len, h->iv_len, h->icv_len,
	    ESP_CHECK_ALIGN | ESP_CHECK_PADDING, out) == ESP_LAYOUT_OK);
}

/* A verdict known from outside the heuristics (the WESP header, a key):
 * for ESP-NULL with the layout it gives. */
static bool
decide_known(struct heur *h, bool encrypted, uint8_t iv_len,
    uint8_t icv_len, uint32_t pkts, enum sa_method method, const char *why)
{
	if (!sa_set_state(h, encrypted ? VERDICT_ENCRYPTED : VERDICT_NULL,
	    method, why))
		return (false);
	if (!encrypted) {
		h->iv_len = iv_len;
		h->icv_len = icv_len;
	}
	h->decided_after = pkts;
	return (true);
}

bool
heur_decide_wesp(struct heur *h, bool encrypted, uint8_t iv_len,
    uint8_t icv_len, uint32_t pkts)
{
	return (decide_known(h, encrypted, iv_len, icv_len, pkts, METHOD_WESP,
	    encrypted ? "WESP E=1" : "WESP E=0"));
}

bool
heur_decide_keys(struct heur *h, bool encrypted, uint8_t iv_len,
    uint8_t icv_len, uint32_t pkts)
{
	return (decide_known(h, encrypted, iv_len, icv_len, pkts, METHOD_KEYS,
	    encrypted ? "key: encrypting suite" : "key: integrity-only suite"));
}

size_t
heur_rejected(const struct heur *h, struct sa_candidate *out, size_t max)
{
	size_t	 n = 0;
	int	 i;

	for (i = 0; i < HEUR_N_CANDIDATES && n < max; i++)
		if (i != h->decided && h->cand[i].fails_any > 0)
			out[n++] = candidates[i];
	return (n);
}
