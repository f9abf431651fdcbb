/*
 * keys.h - ESP keys the analyst gives (the `esp_keys:` section of the
 * YAML file, docs/keys.md), as Wireshark's ESP SA table: read, checked
 * against their suites, and put into the store the pipelines read
 * (util/esp_keys.h).
 *
 * Key bytes are never written to a message: an error names the entry's
 * place and what is wrong, not the value.
 *
 * Ownership: keys_parse() allocates the list; key_list_free() cleanses
 * and frees it.  keys_store_new() returns a store that esp_keys_free()
 * frees (and wipes).
 */
#ifndef ESPVIS_KEYS_H
#define ESPVIS_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "util/esp_keys.h"
#include "util/yaml.h"

#define KEYS_MAX		4096	/* entries in one configuration */
#define KEYS_STORE_DEFAULT	1024	/* room for an endpoint's SAs */

struct key_list {
	struct esp_key	*keys;
	size_t		 n;
};

/*
 * Read the value of `esp_keys:` (NULL: absent): a list of entries, or a
 * map with `key_file` (a YAML file holding such a list, so that the
 * configuration itself holds no secret) and/or `keys` (a list).
 * Returns 0, or -1 with err at the offending place (list untouched).
 */
int	keys_parse(const struct ynode *section, struct key_list *out,
	    struct doc_error *err);
void	key_list_free(struct key_list *);

/*
 * A store holding list's keys with room for extra more (an IKE
 * endpoint's Child SAs), each key tried with OpenSSL first.  NULL with
 * a message in err (a key OpenSSL refuses, out of memory).
 */
struct esp_keys *keys_store_new(const struct key_list *list, uint32_t extra,
	    char *err, size_t errlen);

#endif /* ESPVIS_KEYS_H */
