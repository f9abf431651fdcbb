/*
 * ike_vectors_open.h - for the tests of data/ike_vectors.h: opening a
 * captured message with ike_sk_open(), whole (SK, RFC 7296 3.14) or as
 * its concatenated fragments (SKF, RFC 7383 2.5: the AAD runs through the
 * Fragment Number and Total Fragments), and walking a payload chain.
 * Include after unit.h and ike/ike_crypto.h.
 */
#ifndef ESPVIS_IKE_VECTORS_OPEN_H
#define ESPVIS_IKE_VECTORS_OPEN_H

#include <string.h>

static inline uint16_t
ike_vec_get16(const uint8_t *p)
{
	return ((uint16_t)(p[0] << 8 | p[1]));
}

/* The body of the first payload of type `want` in the chain that starts
 * with type `type` at buf[off], or NULL; stops at an SK / SKF payload
 * unless that is what is wanted. */
static inline const uint8_t *
ike_vec_payload(const uint8_t *buf, size_t len, size_t off, uint8_t type,
    uint8_t want, size_t *body_len)
{
	size_t plen;

	while (type != IKE_PL_NONE && off + 4 <= len) {
		plen = ike_vec_get16(buf + off + 2);
		ck_assert_uint_ge(plen, 4);
		ck_assert_uint_le(off + plen, len);
		if (type == want) {
			*body_len = plen - 4;
			return (buf + off + 4);
		}
		if (type == IKE_PL_SK || type == IKE_PL_SKF)
			return (NULL);
		type = buf[off];
		off += plen;
	}
	return (NULL);
}

/* Opens one message or the fragments of one, concatenated: the inner
 * payloads go to plain, *first is the type of the first.  -1 when any
 * piece does not open. */
static inline int
ike_vec_open(const struct ike_sk_dir *dir, const uint8_t *buf, size_t len,
    uint8_t *plain, size_t cap, size_t *plain_len, uint8_t *first)
{
	const uint8_t *m, *body;
	size_t off = 0, mlen, body_len, got;
	bool frag;

	*plain_len = 0;
	while (off < len) {
		m = buf + off;
		if (len - off < IKE_HDR_LEN)
			return (-1);
		mlen = (size_t)m[24] << 24 | (size_t)m[25] << 16 |
		    (size_t)m[26] << 8 | m[27];
		if (mlen < IKE_HDR_LEN || mlen > len - off)
			return (-1);
		frag = false;
		if ((body = ike_vec_payload(m, mlen, IKE_HDR_LEN, m[16],
		    IKE_PL_SK, &body_len)) == NULL) {
			body = ike_vec_payload(m, mlen, IKE_HDR_LEN, m[16],
			    IKE_PL_SKF, &body_len);
			frag = true;
		}
		if (body == NULL)
			return (-1);
		if (off == 0)
			*first = body[-4];	/* Next Payload of SK / SKF 1 */
		if (ike_sk_open(dir, m, mlen, (size_t)(body - m) +
		    (frag ? 4 : 0), plain + *plain_len, cap - *plain_len,
		    &got) != 0)
			return (-1);
		*plain_len += got;
		off += mlen;
	}
	return (0);
}

#endif /* ESPVIS_IKE_VECTORS_OPEN_H */
