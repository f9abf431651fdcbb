/*
 * esp_replay.h - the receiver's anti-replay window (RFC 4303 3.4.3 and
 * appendix A), as a ring of 64-bit words (the layout of RFC 6479):
 * sliding the window clears whole words, never shifts bits, so the cost
 * of a far jump is bounded by the window size, not the jump.
 *
 * Sequence numbers are 64 bits wide here so that ESN (appendix A2) can
 * be added without changing the window; without ESN the high half is 0.
 * Check before the ICV, update after it (3.4.3): a forged packet must
 * not move the window.
 */
#ifndef ESPVIS_ESP_REPLAY_H
#define ESPVIS_ESP_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#define ESP_REPLAY_DEFAULT	64	/* RFC 4303 3.4.3: default 64 */
#define ESP_REPLAY_MAX		4096	/* bits; the window is rounded up to
					   a multiple of 64 */
#define ESP_REPLAY_WORDS	(ESP_REPLAY_MAX / 64 + 1)

struct esp_replay {
	uint64_t	top;		/* highest authenticated seq, 0: none */
	uint32_t	window;		/* packets accepted below top + 1 */
	uint32_t	nwords;		/* ring words: window / 64 + 1 */
	uint64_t	bits[ESP_REPLAY_WORDS];
};

enum esp_replay_result {
	ESP_REPLAY_OK,		/* new: right of the window or unseen in it */
	ESP_REPLAY_DUP,		/* seen already */
	ESP_REPLAY_OLD,		/* left of the window */
	ESP_REPLAY_ZERO,	/* 0 is never sent (3.3.3: first is 1) */
};

/* window 0: ESP_REPLAY_DEFAULT; larger than ESP_REPLAY_MAX: the max. */
void	esp_replay_init(struct esp_replay *r, uint32_t window);
/* Read only: may seq be accepted? */
enum esp_replay_result esp_replay_check(const struct esp_replay *r,
	    uint64_t seq);
/* Marks seq as received; only after its ICV verified and only when
 * esp_replay_check said OK. */
void	esp_replay_update(struct esp_replay *r, uint64_t seq);

#endif /* ESPVIS_ESP_REPLAY_H */
