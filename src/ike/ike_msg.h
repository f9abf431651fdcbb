/*
 * ike_msg.h - the IKEv2 message codec (RFC 7296 section 3): bytes to a
 * decoded message, and a writer that lays payloads out into a buffer.
 *
 * The codec knows no keys.  An SK payload (3.14) is located, not
 * opened: the exchange code hands its body to ike_crypto (ike_sk_open)
 * and feeds the plaintext back through ike_msg_decode_inner().
 *
 * Ownership: a decoded struct ike_msg points into the bytes it was
 * decoded from (struct ike_bytes); those bytes must outlive it.  Nothing
 * here allocates.
 */
#ifndef ESPVIS_IKE_MSG_H
#define ESPVIS_IKE_MSG_H

#include "ike_types.h"

/* A view of bytes inside a message or a decrypted buffer. */
struct ike_bytes {
	const uint8_t	*ptr;
	size_t		 len;
};

/* The fixed header (3.1). */
struct ike_hdr {
	uint64_t	spi_i;		/* host order */
	uint64_t	spi_r;
	uint8_t		next;		/* first payload type */
	uint8_t		version;	/* IKE_VERSION */
	uint8_t		exchange;	/* enum ike_exchange */
	uint8_t		flags;		/* IKE_FLAG_* */
	uint32_t	msgid;
	uint32_t	length;		/* whole message, header included */
};

struct ike_notify {
	uint8_t			protocol;
	uint16_t		type;		/* enum ike_notify_type */
	struct ike_bytes	spi;
	struct ike_bytes	data;
};

struct ike_delete {
	uint8_t			protocol;
	uint8_t			spi_len;	/* 0 for IKE, 4 for ESP */
	uint16_t		n_spis;
	struct ike_bytes	spis;		/* n_spis * spi_len bytes */
};

/* Notifies kept per message; status ones beyond are skipped (counted
 * in n_notify_skipped), an error one beyond refuses the message. */
#define IKE_MSG_NOTIFY_MAX	32
#define IKE_MSG_DELETE_MAX	8
#define IKE_MSG_TS_MAX		8
#define IKE_MSG_CERT_MAX	4

/*
 * A decoded message: the header, then what each payload type held.
 * `present` has bit (type - IKE_PL_SA) set for each payload type seen,
 * so the exchange code checks the payload rules of its exchange in one
 * table (ike_msg_has()).
 */
struct ike_msg {
	struct ike_hdr		hdr;
	uint32_t		present;

	struct ike_proposal	sa[IKE_PROPOSALS_MAX];	/* SA (3.3) */
	size_t			n_sa;
	uint16_t		ke_group;		/* KE (3.4) */
	struct ike_bytes	ke;
	struct ike_bytes	nonce;			/* Ni, Nr (3.9) */
	struct ike_id		idi, idr;		/* IDi, IDr (3.5) */
	/* RestOfInitIDPayload / RestOfRespIDPayload: the ID payload body
	 * from the ID Type on, which AUTH signs (2.15). */
	struct ike_bytes	idi_body, idr_body;
	uint8_t			auth_method;		/* AUTH (3.8) */
	struct ike_bytes	auth;
	uint8_t			cert_enc[IKE_MSG_CERT_MAX]; /* CERT (3.6) */
	struct ike_bytes	cert[IKE_MSG_CERT_MAX];
	size_t			n_cert;
	struct ike_bytes	certreq;		/* CERTREQ (3.7) body */
	struct ike_notify	notify[IKE_MSG_NOTIFY_MAX]; /* N (3.10) */
	size_t			n_notify;
	size_t			n_notify_skipped;	/* status, over the max */
	struct ike_delete	del[IKE_MSG_DELETE_MAX]; /* D (3.11) */
	size_t			n_del;
	struct ike_ts		tsi[IKE_MSG_TS_MAX];	/* TSi, TSr (3.13) */
	size_t			n_tsi;
	struct ike_ts		tsr[IKE_MSG_TS_MAX];
	size_t			n_tsr;
	size_t			n_vendor;		/* V (3.12): counted */

	/* SK (3.14): must be the last payload.  sk_first is its Next
	 * Payload (the first inner payload), sk_aad_len the bytes from the
	 * start of the message to the end of the SK generic header (the
	 * AEAD associated data, RFC 5282 section 5), sk_body what follows
	 * (IV, ciphertext, ICV).
	 * SKF (RFC 7383 2.5), a fragment: the same, the AAD running to the
	 * end of Total Fragments; frag_num, frag_total checked non-zero and
	 * num <= total.  Reassembly is the SA's business (ike_frag.c). */
	uint8_t			sk_first;
	size_t			sk_aad_len;
	struct ike_bytes	sk_body;
	uint16_t		frag_num, frag_total;
};

/* Result of decoding: 0, or the notify type to answer with (3.10.1):
 * IKE_N_INVALID_SYNTAX, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD (the payload
 * type in *bad_type), IKE_N_INVALID_MAJOR_VERSION. */

/* Decodes the header only (3.1): checks length >= 28, the major
 * version and that `length` equals len.  For early dispatch. */
int	ike_msg_decode_header(const uint8_t *buf, size_t len,
	    struct ike_hdr *hdr);

/* Decodes header and clear payload chain into *msg (zeroed first).
 * Every length is checked before it is used; a chain that runs past
 * the end, loops, or has more payloads than fit is INVALID_SYNTAX; an
 * unknown payload with the critical bit is refused, others skipped. */
int	ike_msg_decode(const uint8_t *buf, size_t len, struct ike_msg *msg,
	    uint8_t *bad_type);

/* Decodes a decrypted SK body (payload chain starting with `first`)
 * into the same *msg, adding to what the clear part held. */
int	ike_msg_decode_inner(const uint8_t *buf, size_t len, uint8_t first,
	    struct ike_msg *msg, uint8_t *bad_type);

static inline bool
ike_msg_has(const struct ike_msg *msg, uint8_t payload_type)
{
	return payload_type >= IKE_PL_SA && payload_type < IKE_PL_SA + 32 &&
	    (msg->present & (1u << (payload_type - IKE_PL_SA))) != 0;
}

/* The first notify of that type, or NULL. */
const struct ike_notify *ike_msg_notify(const struct ike_msg *msg,
	    uint16_t type);

/*
 * The writer.  It appends payloads and chains their Next Payload fields
 * (the IKE header's for the first).  An overflow is sticky: every later
 * call does nothing and ike_msg_finish() fails, so callers check once.
 *
 * A message with an SK payload is built in two writers: the inner
 * payloads with ike_writer_init_inner() into a plaintext buffer, then
 * the outer message with ike_msg_add_sk_header(), ike_sk_seal() writing
 * IV, ciphertext and ICV after it, ike_writer_advance() past them, and
 * ike_msg_finish().
 */
struct ike_writer {
	uint8_t		*buf;
	size_t		 cap;
	size_t		 len;
	size_t		 next_off;	/* where the last Next Payload is */
	uint8_t		 first;		/* first payload type written */
	bool		 has_hdr;	/* an IKE header at buf[0] */
	bool		 overflow;
};

void	ike_writer_init(struct ike_writer *w, uint8_t *buf, size_t cap,
	    const struct ike_hdr *hdr);
void	ike_writer_init_inner(struct ike_writer *w, uint8_t *buf,
	    size_t cap);
void	ike_msg_add_sa(struct ike_writer *w,
	    const struct ike_proposal *props, size_t n);
void	ike_msg_add_ke(struct ike_writer *w, uint16_t group,
	    const uint8_t *data, size_t len);
void	ike_msg_add_nonce(struct ike_writer *w, const uint8_t *nonce,
	    size_t len);
void	ike_msg_add_id(struct ike_writer *w, uint8_t payload_type,
	    const struct ike_id *id);
void	ike_msg_add_auth(struct ike_writer *w, uint8_t method,
	    const uint8_t *data, size_t len);
void	ike_msg_add_cert(struct ike_writer *w, uint8_t encoding,
	    const uint8_t *data, size_t len);
void	ike_msg_add_certreq(struct ike_writer *w, uint8_t encoding,
	    const uint8_t *data, size_t len);
void	ike_msg_add_notify(struct ike_writer *w, uint8_t protocol,
	    uint16_t type, const uint8_t *spi, size_t spi_len,
	    const uint8_t *data, size_t data_len);
void	ike_msg_add_delete(struct ike_writer *w, uint8_t protocol,
	    uint8_t spi_len, const uint8_t *spis, uint16_t n_spis);
void	ike_msg_add_ts(struct ike_writer *w, uint8_t payload_type,
	    const struct ike_ts *ts, size_t n);
void	ike_msg_add_vendor(struct ike_writer *w, const uint8_t *vid,
	    size_t len);
/* Writes the SK generic header (3.14) with Next Payload `first` and
 * Payload Length 4 + body_len; returns the offset just past it (the AAD
 * length), where the sealed body goes. */
size_t	ike_msg_add_sk_header(struct ike_writer *w, uint8_t first,
	    size_t body_len);
/* The same for an Encrypted Fragment payload (RFC 7383 2.5): Next
 * Payload `first` in fragment 1 only, then Fragment Number and Total
 * Fragments. */
size_t	ike_msg_add_skf_header(struct ike_writer *w, uint8_t first,
	    uint16_t num, uint16_t total, size_t body_len);
/* Counts n bytes written directly into w->buf at w->len. */
void	ike_writer_advance(struct ike_writer *w, size_t n);
/* Sets the header's Length; returns 0 and the message length, or -1 on
 * overflow. */
int	ike_msg_finish(struct ike_writer *w, size_t *len);

/* Writes the 28-byte header (used by ike_writer_init; exposed for
 * tests). */
void	ike_hdr_encode(const struct ike_hdr *hdr, uint8_t *out);

#endif /* ESPVIS_IKE_MSG_H */
