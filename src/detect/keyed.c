/*
 * keyed.c - a pipeline's private table of ESP keys and the per-packet
 * check against them (keyed.h).
 *
 * The table is the store's content sorted by SPI, so that a lookup is a
 * binary search; it is rebuilt only when the store's generation moves,
 * into a second array, moving over the OpenSSL contexts of every key
 * that did not change (a rekey adds and removes a few SAs; the others
 * keep what they had).  Key bytes are cleansed wherever a copy dies.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../esp/esp_dir.h"
#include "keyed.h"

/* The longest ESP packet: an IPv4 datagram or an IPv6 payload of
 * 65535 bytes (decode/ reassembles no larger). */
#define KEYED_SCRATCH	65536

enum ent_state {
	ENT_NEW = 0,		/* contexts not made yet */
	ENT_READY,		/* dir keyed */
	ENT_UNUSABLE,		/* refused: suite, key length, ESN */
	ENT_MOVED,		/* (old table) dir moved to the new one */
};

struct keyed_ent {
	struct esp_key	 key;
	uint8_t		 state;
	struct esp_dir	 dir;
};

struct keyed {
	struct esp_keys		*store;		/* borrowed */
	uint64_t		 gen;		/* of the table's content (0:
						   empty, as a new store) */
	uint32_t		 version;
	uint32_t		 max;
	uint32_t		 n;
	struct keyed_ent	*ents;		/* [max], first n, by SPI */
	struct keyed_ent	*spare;		/* [max]: the next table */
	struct esp_key		*incoming;	/* [max]: the store's copy */
	uint8_t			*scratch;	/* [KEYED_SCRATCH] */
};

struct keyed *
keyed_new(struct esp_keys *store)
{
	struct keyed	*k;

	if (store == NULL || (k = calloc(1, sizeof(*k))) == NULL)
		return (NULL);
	k->store = store;
	k->max = esp_keys_max(store);
	k->version = 1;
	k->ents = calloc(k->max, sizeof(*k->ents));
	k->spare = calloc(k->max, sizeof(*k->spare));
	k->incoming = calloc(k->max, sizeof(*k->incoming));
	k->scratch = malloc(KEYED_SCRATCH);
	if (k->ents == NULL || k->spare == NULL || k->incoming == NULL ||
	    k->scratch == NULL) {
		keyed_free(k);
		return (NULL);
	}
	return (k);
}

/* Frees what an entry holds and cleanses it. */
static void
ent_clear(struct keyed_ent *e)
{
	if (e->state == ENT_READY)
		esp_dir_free(&e->dir);
	OPENSSL_cleanse(e, sizeof(*e));
}

void
keyed_free(struct keyed *k)
{
	uint32_t	 i;

	if (k == NULL)
		return;
	for (i = 0; i < k->n; i++)		/* n is 0 until a reload */
		ent_clear(&k->ents[i]);
	free(k->ents);
	free(k->spare);
	free(k->incoming);
	free(k->scratch);
	free(k);
}

/* Index of the first entry of SPI spi or above (entries sorted). */
static uint32_t
lower_bound(const struct keyed_ent *ents, uint32_t n, uint32_t spi)
{
	uint32_t	 lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ents[mid].key.spi < spi)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

static bool
same_key(const struct esp_key *a, const struct esp_key *b)
{
	return (a->spi == b->spi && a->dst.family == b->dst.family &&
	    (a->dst.family == 0 || ipaddr_eq(&a->dst, &b->dst)) &&
	    a->encr == b->encr && a->encr_keybits == b->encr_keybits &&
	    a->integ == b->integ && a->esn == b->esn &&
	    a->encr_len == b->encr_len && a->integ_len == b->integ_len &&
	    CRYPTO_memcmp(a->encr_key, b->encr_key, a->encr_len) == 0 &&
	    CRYPTO_memcmp(a->integ_key, b->integ_key, a->integ_len) == 0);
}

/* The old entry holding exactly this key (its contexts can move). */
static struct keyed_ent *
old_same(struct keyed *k, const struct esp_key *key)
{
	uint32_t	 i;

	for (i = lower_bound(k->ents, k->n, key->spi);
	    i < k->n && k->ents[i].key.spi == key->spi; i++)
		if (k->ents[i].state != ENT_MOVED &&
		    same_key(&k->ents[i].key, key))
			return (&k->ents[i]);
	return (NULL);
}

static int
by_spi(const void *a, const void *b)
{
	uint32_t	 x = ((const struct keyed_ent *)a)->key.spi;
	uint32_t	 y = ((const struct keyed_ent *)b)->key.spi;

	return (x < y ? -1 : x > y);
}

/* The store moved: rebuild the table in the spare array and swap. */
static void
reload(struct keyed *k)
{
	struct keyed_ent *e, *old, *t;
	size_t		 n, i;

	n = esp_keys_copy(k->store, k->incoming, k->max, &k->gen);
	for (i = 0; i < n; i++) {
		e = &k->spare[i];
		memset(e, 0, sizeof(*e));
		e->key = k->incoming[i];
		if ((old = old_same(k, &e->key)) != NULL) {
			e->state = old->state;
			e->dir = old->dir;
			old->state = ENT_MOVED;
		}
	}
	OPENSSL_cleanse(k->incoming, n * sizeof(*k->incoming));
	for (i = 0; i < k->n; i++)
		ent_clear(&k->ents[i]);
	t = k->ents;
	k->ents = k->spare;
	k->spare = t;
	k->n = (uint32_t)n;
	qsort(k->ents, n, sizeof(*k->ents), by_spi);
	if (++k->version == 0)
		k->version = 1;
}

uint32_t
keyed_sync(struct keyed *k)
{
	if (esp_keys_generation(k->store) != k->gen)
		reload(k);
	return (k->version);
}

int32_t
keyed_find(const struct keyed *k, uint32_t spi, const struct ipaddr *dst)
{
	uint32_t	 i;
	int32_t		 any = -1;

	for (i = lower_bound(k->ents, k->n, spi);
	    i < k->n && k->ents[i].key.spi == spi; i++) {
		if (k->ents[i].key.dst.family == 0)
			any = (int32_t)i;
		else if (ipaddr_eq(&k->ents[i].key.dst, dst))
			return ((int32_t)i);
	}
	return (any);
}

/* Keys the entry's contexts on first use. */
static bool
ent_ready(struct keyed_ent *e)
{
	if (e->state != ENT_NEW)
		return (e->state == ENT_READY);
	/* An ESN key is refused there: not checked wrongly (esp_dir.h). */
	if (esp_dir_init_key(&e->dir, &e->key, 0) != 0) {
		esp_dir_free(&e->dir);
		e->state = ENT_UNUSABLE;
		return (false);
	}
	e->state = ENT_READY;
	return (true);
}

bool
keyed_layout(struct keyed *k, int32_t slot, bool *encrypts,
    uint8_t *iv_len, uint8_t *icv_len)
{
	struct keyed_ent *e = &k->ents[slot];

	if (!ent_ready(e))
		return (false);
	*encrypts = esp_dir_encrypts(&e->dir);
	*iv_len = e->dir.iv_len;
	*icv_len = e->dir.icv_len;
	return (true);
}

enum keyed_result
keyed_open(struct keyed *k, int32_t slot, const uint8_t *esp,
    uint32_t captured, uint32_t wire_len, struct keyed_out *out)
{
	struct keyed_ent *e = &k->ents[slot];
	size_t		 len;

	if (!ent_ready(e))
		return (KEYED_UNUSABLE);
	if (captured < wire_len)
		return (KEYED_UNCHECKED);
	switch (esp_dir_open(&e->dir, esp, wire_len, k->scratch,
	    KEYED_SCRATCH, &len, &out->next_hdr)) {
	case ESP_OK:
		out->payload = k->scratch;
		out->payload_len = (uint32_t)len;
		return (KEYED_OK);
	case ESP_ERR_PAD:
		return (KEYED_BAD_TRAILER);
	default:
		/* Too short to hold the ICV counts as failed: what was
		 * sent under this SA's name is not what its peer sealed. */
		return (KEYED_ICV_FAILED);
	}
}
