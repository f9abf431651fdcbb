/*
 * esp_keys.c - the store of ESP keys shared by the IKE endpoint, the
 * configuration and the pipelines (esp_keys.h).
 *
 * A fixed array under one mutex: writers are rare (an SA installed or
 * deleted), and readers copy the whole store only when the generation
 * has moved, so neither side ever waits long.  The generation is the
 * only thing read per packet, with a relaxed atomic load: a pipeline
 * that sees an old value a little longer only re-syncs a packet later.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "esp_keys.h"

struct esp_keys {
	pthread_mutex_t		 lock;
	_Atomic uint64_t	 generation;
	uint32_t		 max;
	uint32_t		 n;
	struct esp_key		*entries;	/* [max], first n used */
};

struct esp_keys *
esp_keys_new(uint32_t max)
{
	struct esp_keys *ks;

	if (max == 0 || (ks = calloc(1, sizeof(*ks))) == NULL)
		return NULL;
	if ((ks->entries = calloc(max, sizeof(*ks->entries))) == NULL ||
	    pthread_mutex_init(&ks->lock, NULL) != 0) {
		free(ks->entries);
		free(ks);
		return NULL;
	}
	ks->max = max;
	atomic_init(&ks->generation, 0);
	return ks;
}

void
esp_keys_free(struct esp_keys *ks)
{
	if (ks == NULL)
		return;
	/* Key material must not survive in freed memory. */
	explicit_bzero(ks->entries, (size_t)ks->max * sizeof(*ks->entries));
	free(ks->entries);
	pthread_mutex_destroy(&ks->lock);
	free(ks);
}

static bool
same_sa(const struct esp_key *k, uint32_t spi, const struct ipaddr *dst)
{
	if (k->spi != spi)
		return false;
	if (k->dst.family == 0 && (dst == NULL || dst->family == 0))
		return true;
	return dst != NULL && ipaddr_eq(&k->dst, dst);
}

/* Index of the entry for (spi, dst), or n when there is none.  Called
 * with the lock held. */
static uint32_t
find(const struct esp_keys *ks, uint32_t spi, const struct ipaddr *dst)
{
	uint32_t i;

	for (i = 0; i < ks->n; i++)
		if (same_sa(&ks->entries[i], spi, dst))
			break;
	return i;
}

int
esp_keys_put(struct esp_keys *ks, const struct esp_key *key)
{
	uint32_t i;
	int rc = 0;

	pthread_mutex_lock(&ks->lock);
	i = find(ks, key->spi, &key->dst);
	if (i == ks->n) {
		if (ks->n == ks->max)
			rc = -1;
		else
			ks->n++;
	}
	if (rc == 0) {
		ks->entries[i] = *key;
		atomic_fetch_add_explicit(&ks->generation, 1,
		    memory_order_release);
	}
	pthread_mutex_unlock(&ks->lock);
	return rc;
}

void
esp_keys_del(struct esp_keys *ks, uint32_t spi, const struct ipaddr *dst)
{
	uint32_t i;

	pthread_mutex_lock(&ks->lock);
	i = find(ks, spi, dst);
	if (i < ks->n) {
		/* Keep the used entries first: the last one fills the hole. */
		ks->n--;
		if (i != ks->n)
			ks->entries[i] = ks->entries[ks->n];
		explicit_bzero(&ks->entries[ks->n], sizeof(ks->entries[ks->n]));
		atomic_fetch_add_explicit(&ks->generation, 1,
		    memory_order_release);
	}
	pthread_mutex_unlock(&ks->lock);
}

uint32_t
esp_keys_max(const struct esp_keys *ks)
{
	return ks->max;
}

uint64_t
esp_keys_generation(const struct esp_keys *ks)
{
	return atomic_load_explicit(&ks->generation,
	    memory_order_relaxed);
}

size_t
esp_keys_copy(struct esp_keys *ks, struct esp_key *out, size_t max,
    uint64_t *gen)
{
	size_t n;

	pthread_mutex_lock(&ks->lock);
	n = ks->n < max ? ks->n : max;
	memcpy(out, ks->entries, n * sizeof(*out));
	*gen = atomic_load_explicit(&ks->generation, memory_order_relaxed);
	pthread_mutex_unlock(&ks->lock);
	return n;
}
