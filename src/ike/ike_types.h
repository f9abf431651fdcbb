/*
 * ike_types.h - IKEv2 numbers and the small value types every part of the
 * endpoint shares (message codec, proposals, crypto, exchanges).
 *
 * Numbers are RFC 7296 section 3 and IANA's "Internet Key Exchange
 * Version 2 (IKEv2) Parameters" registry.  Plain values, no pointers:
 * they are copied freely.
 */
#ifndef ESPVIS_IKE_TYPES_H
#define ESPVIS_IKE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IKE_PORT		500
#define IKE_NATT_PORT		4500	/* RFC 3948, RFC 7296 2.23 */
#define IKE_VERSION		0x20	/* major 2, minor 0 (3.1) */
#define IKE_HDR_LEN		28
#define IKE_MSG_MAX		8192	/* largest message we build or accept */
#define IKE_NONCE_MIN		16	/* 2.10 */
#define IKE_NONCE_MAX		256

/* Exchange types (3.1). */
enum ike_exchange {
	IKE_X_SA_INIT		= 34,
	IKE_X_AUTH		= 35,
	IKE_X_CREATE_CHILD_SA	= 36,
	IKE_X_INFORMATIONAL	= 37,
};

/* Header flags (3.1). */
#define IKE_FLAG_INITIATOR	0x08
#define IKE_FLAG_VERSION	0x10
#define IKE_FLAG_RESPONSE	0x20

/* Payload types (3.2). */
enum ike_payload {
	IKE_PL_NONE	= 0,
	IKE_PL_SA	= 33,
	IKE_PL_KE	= 34,
	IKE_PL_IDI	= 35,
	IKE_PL_IDR	= 36,
	IKE_PL_CERT	= 37,
	IKE_PL_CERTREQ	= 38,
	IKE_PL_AUTH	= 39,
	IKE_PL_NONCE	= 40,
	IKE_PL_NOTIFY	= 41,
	IKE_PL_DELETE	= 42,
	IKE_PL_VENDOR	= 43,
	IKE_PL_TSI	= 44,
	IKE_PL_TSR	= 45,
	IKE_PL_SK	= 46,
	IKE_PL_CP	= 47,
	IKE_PL_EAP	= 48,
	IKE_PL_SKF	= 53,	/* RFC 7383 */
};
#define IKE_PL_CRITICAL		0x80	/* generic header flag (3.2) */

/* Protocol IDs (3.3.1). */
enum ike_protocol {
	IKE_PROTO_IKE	= 1,
	IKE_PROTO_AH	= 2,
	IKE_PROTO_ESP	= 3,
};

/* Transform types (3.3.2). */
enum ike_xform_type {
	IKE_XF_ENCR	= 1,
	IKE_XF_PRF	= 2,
	IKE_XF_INTEG	= 3,
	IKE_XF_DH	= 4,
	IKE_XF_ESN	= 5,
	IKE_XF_TYPES	= 6,	/* array bound: types are 1..5 */
};

/* Transform IDs we know (3.3.2 and the RFCs registering them). */
enum ike_encr {
	IKE_ENCR_NULL			= 11,	/* RFC 2410, ESP only */
	IKE_ENCR_AES_CBC		= 12,	/* RFC 3602 */
	IKE_ENCR_AES_GCM_8		= 18,	/* RFC 4106, RFC 5282 */
	IKE_ENCR_AES_GCM_12		= 19,
	IKE_ENCR_AES_GCM_16		= 20,
	IKE_ENCR_NULL_AUTH_AES_GMAC	= 21,	/* RFC 4543, ESP only */
};
enum ike_prf {
	IKE_PRF_HMAC_SHA1	= 2,
	IKE_PRF_HMAC_SHA2_256	= 5,	/* RFC 4868 */
	IKE_PRF_HMAC_SHA2_384	= 6,
	IKE_PRF_HMAC_SHA2_512	= 7,
};
enum ike_integ {
	IKE_INTEG_NONE			= 0,
	IKE_INTEG_HMAC_SHA1_96		= 2,
	IKE_INTEG_HMAC_SHA2_256_128	= 12,	/* RFC 4868 */
	IKE_INTEG_HMAC_SHA2_384_192	= 13,
	IKE_INTEG_HMAC_SHA2_512_256	= 14,
};
enum ike_dh {
	IKE_DH_NONE		= 0,
	IKE_DH_MODP2048		= 14,	/* RFC 3526 */
	IKE_DH_ECP256		= 19,	/* RFC 5903 */
	IKE_DH_ECP384		= 20,
	IKE_DH_CURVE25519	= 31,	/* RFC 8031 */
};
enum ike_esn {
	IKE_ESN_NO	= 0,
	IKE_ESN_YES	= 1,
};
#define IKE_ATTR_KEY_LENGTH	14	/* transform attribute (3.3.5), TV */

/* Notify message types (3.10.1) we send or act on. */
enum ike_notify_type {
	IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD	= 1,
	IKE_N_INVALID_IKE_SPI			= 4,
	IKE_N_INVALID_MAJOR_VERSION		= 5,
	IKE_N_INVALID_SYNTAX			= 7,
	IKE_N_INVALID_MESSAGE_ID		= 9,
	IKE_N_INVALID_SPI			= 11,
	IKE_N_NO_PROPOSAL_CHOSEN		= 14,
	IKE_N_INVALID_KE_PAYLOAD		= 17,
	IKE_N_AUTHENTICATION_FAILED		= 24,
	IKE_N_SINGLE_PAIR_REQUIRED		= 34,
	IKE_N_NO_ADDITIONAL_SAS			= 35,
	IKE_N_INTERNAL_ADDRESS_FAILURE		= 36,
	IKE_N_FAILED_CP_REQUIRED		= 37,
	IKE_N_TS_UNACCEPTABLE			= 38,
	IKE_N_INVALID_SELECTORS			= 39,
	IKE_N_TEMPORARY_FAILURE			= 43,
	IKE_N_CHILD_SA_NOT_FOUND		= 44,
	IKE_N_ERROR_MAX				= 16383, /* below: errors */
	IKE_N_INITIAL_CONTACT			= 16384,
	IKE_N_SET_WINDOW_SIZE			= 16385,
	IKE_N_ADDITIONAL_TS_POSSIBLE		= 16386,
	IKE_N_IPCOMP_SUPPORTED			= 16387,
	IKE_N_NAT_DETECTION_SOURCE_IP		= 16388,
	IKE_N_NAT_DETECTION_DESTINATION_IP	= 16389,
	IKE_N_COOKIE				= 16390,
	IKE_N_USE_TRANSPORT_MODE		= 16391,
	IKE_N_REKEY_SA				= 16393,
	IKE_N_ESP_TFC_PADDING_NOT_SUPPORTED	= 16394,
	IKE_N_NON_FIRST_FRAGMENTS_ALSO		= 16395,
	IKE_N_MOBIKE_SUPPORTED			= 16396,
	IKE_N_USE_WESP_MODE			= 16415, /* RFC 5840 section 5 */
	IKE_N_IKEV2_FRAGMENTATION_SUPPORTED	= 16430, /* RFC 7383 */
	IKE_N_SIGNATURE_HASH_ALGORITHMS		= 16431, /* RFC 7427 */
};

/* Identification types (3.5). */
enum ike_id_type {
	IKE_ID_IPV4_ADDR	= 1,
	IKE_ID_FQDN		= 2,
	IKE_ID_RFC822_ADDR	= 3,
	IKE_ID_IPV6_ADDR	= 5,
	IKE_ID_DER_ASN1_DN	= 9,
	IKE_ID_DER_ASN1_GN	= 10,
	IKE_ID_KEY_ID		= 11,
};

/* Authentication methods (3.8). */
enum ike_auth_method {
	IKE_AUTH_RSA_SIG	= 1,
	IKE_AUTH_PSK		= 2,
	IKE_AUTH_DSS_SIG	= 3,
	IKE_AUTH_ECDSA_256	= 9,	/* RFC 4754 */
	IKE_AUTH_ECDSA_384	= 10,
	IKE_AUTH_ECDSA_521	= 11,
	IKE_AUTH_DIGITAL_SIG	= 14,	/* RFC 7427 */
};

/* Certificate encodings (3.6). */
#define IKE_CERT_X509_SIG	4

/* Hash algorithms for SIGNATURE_HASH_ALGORITHMS (RFC 7427 section 7). */
enum ike_hash {
	IKE_HASH_SHA1		= 1,
	IKE_HASH_SHA2_256	= 2,
	IKE_HASH_SHA2_384	= 3,
	IKE_HASH_SHA2_512	= 4,
};

/* Traffic selector types (3.13.1). */
#define IKE_TS_IPV4_ADDR_RANGE	7
#define IKE_TS_IPV6_ADDR_RANGE	8

/*
 * An identity (3.5): the type and its bytes, copied (an ASN.1 DN may be
 * a few hundred bytes).
 */
#define IKE_ID_MAX	512
struct ike_id {
	uint8_t		type;		/* enum ike_id_type */
	uint16_t	len;
	uint8_t		data[IKE_ID_MAX];
};

/*
 * A traffic selector (3.13.1).  Addresses are network byte order; an
 * IPv4 range uses the first 4 bytes.  ports 0..65535 and ip_proto 0 mean
 * any.
 */
struct ike_ts {
	uint8_t		type;		/* IKE_TS_IPV4/IPV6_ADDR_RANGE */
	uint8_t		ip_proto;
	uint16_t	start_port;
	uint16_t	end_port;
	uint8_t		start[16];
	uint8_t		end[16];
};

/*
 * One transform (3.3.2): its ID and, for ciphers with a variable key, the
 * Key Length attribute in bits (0 when absent).
 */
struct ike_xform {
	uint16_t	id;
	uint16_t	keybits;
};

/*
 * One proposal (3.3.1): per transform type, the acceptable transforms in
 * order of preference.  A strongSwan proposal string with several
 * algorithms of one type ("aes128-aes256-sha256-modp2048-ecp256") is one
 * proposal with several transforms of those types.
 */
#define IKE_XFORMS_MAX		8
#define IKE_PROPOSALS_MAX	8
struct ike_proposal {
	uint8_t			num;		/* Proposal Num, from 1 */
	uint8_t			protocol;	/* enum ike_protocol */
	uint8_t			spi_len;	/* 0 (IKE_SA_INIT), 4 (ESP), 8 */
	uint8_t			spi[8];
	uint8_t			n_xforms[IKE_XF_TYPES];	/* by type 1..5 */
	struct ike_xform	xforms[IKE_XF_TYPES][IKE_XFORMS_MAX];
};

/*
 * The one transform of each type both ends agreed on: what an SA runs
 * with.  0 where the type is absent (integ with AEAD; dh for a Child SA
 * without PFS).
 */
struct ike_suite {
	uint16_t	encr;
	uint16_t	encr_keybits;
	uint16_t	prf;		/* IKE SAs only */
	uint16_t	integ;
	uint16_t	dh;
	uint16_t	esn;
};

#endif /* ESPVIS_IKE_TYPES_H */
