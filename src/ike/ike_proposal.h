/*
 * ike_proposal.h - proposals written as strongSwan writes them, and the
 * responder's choice among the initiator's (RFC 7296 sections 2.7, 3.3).
 *
 * Plain values in, plain values out; nothing allocates.
 */
#ifndef ESPVIS_IKE_PROPOSAL_H
#define ESPVIS_IKE_PROPOSAL_H

#include "ike_types.h"

/*
 * Parses one strongSwan proposal string into *out (num, spi left 0):
 * dash-separated keywords, several of one type allowed, e.g.
 * "aes256gcm16-prfsha256-ecp256", "aes128-sha256-modp2048",
 * "aes128-aes256-sha256-sha1-ecp256-curve25519", for ESP "null-sha256",
 * "aes128gcm16", "aes256-sha512-ecp384" (a DH group in an ESP proposal
 * asks for PFS), "-esn"/"-noesn".  Keywords follow strongSwan's
 * proposal keyword table (aes128/192/256, aes*gcm8/12/16 (also gcm64/96/
 * 128), aes*gmac, null, sha1/sha256/sha384/sha512 (INTEG, and PRF when
 * no prf* keyword is given for IKE), prfsha1/256/384/512, modp2048,
 * ecp256, ecp384, curve25519 / x25519).  ESP proposals get ESN "no"
 * when none is given.  Returns 0, or -1 with a message naming the bad
 * keyword in err.
 */
int	ike_proposal_parse(const char *text, uint8_t protocol,
	    struct ike_proposal *out, char *err, size_t errlen);

/* Parses a comma-separated list of proposals (numbered from 1). */
int	ike_proposals_parse(const char *text, uint8_t protocol,
	    struct ike_proposal *out, size_t max, size_t *n, char *err,
	    size_t errlen);

/*
 * Formats an agreed suite as `swanctl --list-sas` shows it, e.g.
 * "AES_GCM_16-256/PRF_HMAC_SHA2_256/ECP_256" (IKE) or
 * "NULL/HMAC_SHA2_256_128" (ESP).  Returns the length (truncated to cap).
 */
size_t	ike_suite_format(const struct ike_suite *suite, uint8_t protocol,
	    char *buf, size_t cap);

/* The name of one transform, e.g. "AES_CBC", "HMAC_SHA2_256_128",
 * "CURVE_25519"; "UNKNOWN" when not known. */
const char *ike_xform_name(uint8_t type, uint16_t id);

/*
 * Responder's choice (2.7): the first of the peer's proposals (in their
 * order) of which every transform type has one we accept, taking per
 * type the peer's first acceptable transform.  `ours` lists what we
 * accept.  A proposal with a transform type we require and it lacks, or
 * one that only has unknown transforms of a type, does not match.
 * Returns true and fills *chosen and *their_num (the Proposal Num to
 * echo) on a match.
 */
bool	ike_proposal_select(const struct ike_proposal *ours, size_t n_ours,
	    const struct ike_proposal *theirs, size_t n_theirs,
	    struct ike_suite *chosen, uint8_t *their_num);

/* Checks a responder's answer (one proposal, one transform per type)
 * against what we offered; fills *chosen.  Initiator side (2.7). */
bool	ike_proposal_accept_reply(const struct ike_proposal *offered,
	    size_t n_offered, const struct ike_proposal *reply,
	    struct ike_suite *chosen);

/* The single-transform proposal a responder sends back. */
void	ike_proposal_from_suite(const struct ike_suite *suite,
	    uint8_t protocol, uint8_t num, const uint8_t *spi, uint8_t spi_len,
	    struct ike_proposal *out);

/* True when the ENCR transform is an AEAD (AES-GCM, GMAC): no INTEG. */
bool	ike_encr_is_aead(uint16_t encr);

#endif /* ESPVIS_IKE_PROPOSAL_H */
