/*
 * esp_replay.c - anti-replay window, RFC 4303 3.4.3 and appendix A.
 *
 * Bit (seq mod 64 * nwords) of the ring says whether seq was seen.  The
 * ring has one word more than the window needs, so a word that slides
 * in can be cleared whole while every sequence number still inside the
 * window keeps its bit (RFC 6479 section 2).
 */
#include <string.h>

#include "esp_replay.h"

void
esp_replay_init(struct esp_replay *r, uint32_t window)
{
	memset(r, 0, sizeof(*r));
	if (window == 0)
		window = ESP_REPLAY_DEFAULT;
	if (window > ESP_REPLAY_MAX)
		window = ESP_REPLAY_MAX;
	r->window = (window + 63) / 64 * 64;
	r->nwords = r->window / 64 + 1;
}

static bool
replay_bit(const struct esp_replay *r, uint64_t seq, uint32_t *word,
    uint64_t *mask)
{
	*word = (uint32_t)((seq / 64) % r->nwords);
	*mask = (uint64_t)1 << (seq % 64);
	return ((r->bits[*word] & *mask) != 0);
}

enum esp_replay_result
esp_replay_check(const struct esp_replay *r, uint64_t seq)
{
	uint32_t	 word;
	uint64_t	 mask;

	if (seq == 0)
		return (ESP_REPLAY_ZERO);
	if (seq > r->top)
		return (ESP_REPLAY_OK);
	if (r->top - seq >= r->window)
		return (ESP_REPLAY_OLD);
	return (replay_bit(r, seq, &word, &mask) ? ESP_REPLAY_DUP :
	    ESP_REPLAY_OK);
}

/* Moves the right edge to seq, clearing the words that slide in. */
static void
replay_advance(struct esp_replay *r, uint64_t seq)
{
	uint64_t	 cur = r->top / 64, next = seq / 64, i, n;

	n = next - cur;
	if (n > r->nwords)
		n = r->nwords;
	for (i = 1; i <= n; i++)
		r->bits[(cur + i) % r->nwords] = 0;
	r->top = seq;
}

void
esp_replay_update(struct esp_replay *r, uint64_t seq)
{
	uint32_t	 word;
	uint64_t	 mask;

	if (seq > r->top)
		replay_advance(r, seq);
	(void)replay_bit(r, seq, &word, &mask);
	r->bits[word] |= mask;
}
