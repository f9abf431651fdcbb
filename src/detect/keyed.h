/*
 * keyed.h - ESP keys in the inspector (issue 7, self-inspection; docs/
 * keys.md): a pipeline's private table of the keys in the shared store
 * (util/esp_keys.h), and the check of one packet against its SA's key:
 * ICV verified in constant time and, for an encrypting suite, the
 * payload decrypted, with the same transform code as the data plane
 * (esp/esp_dir.h).
 *
 * The store is read only when its generation has moved (keyed_sync(),
 * one relaxed atomic load per packet); the OpenSSL contexts of a key
 * are made the first time a packet of its SA is checked, so a worker
 * pays only for the SAs it sees.  Entries whose key did not change
 * keep their contexts across a re-read.
 *
 * Ownership: keyed_new() allocates the table (as many entries as the
 * store holds at most) and the scratch buffer that decrypted payloads
 * go to; keyed_free() (NULL-safe) wipes every key and frees them.  The
 * store is borrowed and must outlive the table.  Not thread-safe: one
 * per pipeline.
 */
#ifndef ESPVIS_DETECT_KEYED_H
#define ESPVIS_DETECT_KEYED_H

#include <stdbool.h>
#include <stdint.h>

#include "../util/addr.h"
#include "../util/esp_keys.h"

struct keyed;

struct keyed	*keyed_new(struct esp_keys *store);
void		 keyed_free(struct keyed *);

/*
 * Per packet: re-read the store if it moved.  Returns the table's
 * version, which changes with every re-read, so that an SA can cache
 * keyed_find()'s answer until then.  Never 0.
 */
uint32_t	 keyed_sync(struct keyed *);

/* The entry for (spi, dst): an exact destination first, then a key
 * for any destination; -1 when there is none. */
int32_t		 keyed_find(const struct keyed *, uint32_t spi,
		    const struct ipaddr *dst);

/* What an entry's key says about its SA (keys the entry on first use).
 * false: the key is unusable (unsupported suite, key length, ESN). */
bool		 keyed_layout(struct keyed *, int32_t slot, bool *encrypts,
		    uint8_t *iv_len, uint8_t *icv_len);

enum keyed_result {
	KEYED_OK,		/* ICV verified; payload in out */
	KEYED_ICV_FAILED,	/* ICV wrong, or no room for one */
	KEYED_BAD_TRAILER,	/* ICV verified, but padding or Pad Length
				   wrong after opening: nothing passed on */
	KEYED_UNCHECKED,	/* the ICV was not captured (snaplen) */
	KEYED_UNUSABLE,		/* see keyed_layout() */
};

struct keyed_out {
	const uint8_t	*payload;	/* in the table's scratch buffer,
					   valid until the next keyed_open */
	uint32_t	 payload_len;
	uint8_t		 next_hdr;
};

/*
 * Open one ESP packet (esp: from the SPI on, captured bytes; wire_len
 * its length by the length fields) with the key of slot.
 */
enum keyed_result keyed_open(struct keyed *, int32_t slot,
		    const uint8_t *esp, uint32_t captured, uint32_t wire_len,
		    struct keyed_out *out);

#endif /* ESPVIS_DETECT_KEYED_H */
