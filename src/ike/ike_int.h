/*
 * ike_int.h - inside the endpoint: the IKE and Child SA records, their
 * states, and what the exchange files (ike_x_*.c) share with ike_sa.c.
 * Not for use outside src/ike.
 */
#ifndef ESPVIS_IKE_INT_H
#define ESPVIS_IKE_INT_H

#include "ike.h"
#include "ike_config.h"
#include "ike_crypto.h"
#include "ike_msg.h"

#define IKE_SA_MAX		128
#define IKE_CHILD_PER_SA	4
#define IKE_NONCE_LEN		32
#define IKE_AUTH_DATA_MAX	1024	/* RSA-4096 signature and its AlgorithmIdentifier */
/* RFC 7383: fragments of one message, sent or received; the fragments
 * of one message sent, back to back (plaintext <= IKE_MSG_MAX, each
 * fragment adds at most ~100 bytes of headers, IV, padding and ICV). */
#define IKE_FRAG_MAX		64
#define IKE_OUT_MAX		(2 * IKE_MSG_MAX)
#define IKE_FRAG_TIMEOUT_MS	30000

/* Reassembly of one fragmented message (RFC 7383 2.6), ike_frag.c. */
struct ike_frag_reasm {
	uint8_t		*buf;		/* IKE_MSG_MAX plaintext; NULL: idle */
	size_t		 used;
	uint32_t	 msgid;
	uint16_t	 total, n_have;
	uint8_t		 first;		/* Next Payload of fragment 1 */
	uint64_t	 started_ms;
	bool		 have[IKE_FRAG_MAX];
	uint16_t	 off[IKE_FRAG_MAX], len[IKE_FRAG_MAX];
};

/*
 * IKE SA states.  ike_sa_set_state() is the only writer and refuses a
 * transition not in its table (ike_sa.c).
 */
enum ike_sa_state {
	IKE_SA_S_NONE = 0,	/* slot free */
	IKE_SA_S_INIT_I,	/* initiator: IKE_SA_INIT sent */
	IKE_SA_S_INIT_R,	/* responder: IKE_SA_INIT answered (half-open) */
	IKE_SA_S_AUTH_I,	/* initiator: IKE_AUTH sent */
	IKE_SA_S_ESTABLISHED,
	IKE_SA_S_REKEYING,	/* a CREATE_CHILD_SA rekeying it is under way */
	IKE_SA_S_DELETING,	/* our Delete sent, waiting for the answer */
	IKE_SA_S_CLOSED,	/* done: freed at the next tick */
	IKE_SA_S_COUNT
};

enum ike_child_state {
	IKE_CHILD_S_NONE = 0,
	IKE_CHILD_S_INSTALLED,
	IKE_CHILD_S_REKEYING,
	IKE_CHILD_S_DELETING,
	IKE_CHILD_S_COUNT
};

/* What our outstanding request is for (window of 1, 2.3). */
enum ike_req_kind {
	IKE_REQ_NONE = 0,
	IKE_REQ_INIT,
	IKE_REQ_AUTH,
	IKE_REQ_DELETE_IKE,
	IKE_REQ_DELETE_CHILD,
	IKE_REQ_DPD,
	IKE_REQ_CREATE_CHILD,
	IKE_REQ_REKEY_CHILD,
	IKE_REQ_REKEY_IKE,
};

struct ike_child {
	enum ike_child_state	state;
	uint32_t		spi_in, spi_out;
	struct ike_suite	suite;
	bool			wesp;
	/* We initiated the exchange that made it: ei/ai are then our
	 * outbound keys (2.17). */
	bool			keys_initiator;
	struct ike_ts		ts_local[IKE_CHILD_TS_MAX];
	size_t			n_ts_local;
	struct ike_ts		ts_remote[IKE_CHILD_TS_MAX];
	size_t			n_ts_remote;
	uint64_t		installed_ms, rekey_ms, expire_ms;
};

struct ike_sa {
	enum ike_sa_state	state;
	bool			initiator;
	uint64_t		spi_i, spi_r;
	size_t			peer;		/* index in cfg.peers */
	struct ike_addr		local, remote;
	bool			natt;		/* on port 4500 */
	bool			nat_local;	/* we are behind a NAT */

	struct ike_suite	suite;
	struct ike_sa_keys	keys;
	bool			have_keys;
	struct ike_dh_key	*dh;
	uint16_t		dh_group;
	uint8_t			ni[IKE_NONCE_MAX], nr[IKE_NONCE_MAX];
	size_t			ni_len, nr_len;
	/* The IKE_SA_INIT messages, as sent and received, for AUTH (2.15). */
	uint8_t			*init_i, *init_r;
	size_t			init_i_len, init_r_len;
	uint8_t			cookie[64];
	size_t			cookie_len;
	struct ike_id		remote_id;	/* as authenticated */
	uint32_t		peer_hashes;	/* RFC 7427: 1 << enum ike_hash */
	/* RFC 7383: both sent IKEV2_FRAGMENTATION_SUPPORTED; reassembly of
	 * the peer's request [0] and of the answer to ours [1]. */
	bool			frag;
	struct ike_frag_reasm	reasm[2];
	uint64_t		frags_in, frags_out, frags_dropped;

	/* Our requests: next Message ID, the outstanding one. */
	uint32_t		msgid_out;
	enum ike_req_kind	req_kind;
	uint32_t		req_msgid;
	uint8_t			*req;		/* IKE_OUT_MAX: all fragments */
	size_t			req_len;
	unsigned		req_tries;
	uint64_t		req_next_ms;
	uint32_t		req_child_spi;	/* DELETE_CHILD / REKEY: which */
	/* The first Child SA being set up in IKE_AUTH (initiator). */
	uint32_t		pending_spi_in;
	/* A CREATE_CHILD_SA we initiated (1.3, 2.8, 2.18): its nonce, DH
	 * key and new SPIs. */
	uint8_t			x_ni[IKE_NONCE_MAX];
	size_t			x_ni_len;
	struct ike_dh_key	*x_dh;
	uint16_t		x_dh_group;
	uint32_t		x_spi_in;
	uint64_t		x_spi_ike;
	/*
	 * Simultaneous rekeying (2.8.1, 2.8.2): while our rekey request is
	 * outstanding the peer rekeyed the same SA and we answered.  Kept:
	 * the lower of that exchange's two nonces and what it created (a
	 * Child SA by our inbound SPI, or an IKE SA by its SPIs); settled
	 * when our answer comes (ike_x_child.c).
	 */
	bool			coll;
	uint8_t			coll_nonce[IKE_NONCE_MAX];
	size_t			coll_nonce_len;
	uint32_t		coll_child_spi;
	uint64_t		coll_spi_i, coll_spi_r;

	/* The peer's requests: next expected ID, our last response. */
	uint32_t		msgid_in;
	uint8_t			*resp;		/* IKE_OUT_MAX */
	size_t			resp_len;
	bool			have_resp;

	/* Deferred work, started when the window is free (2.3). */
	bool			want_delete;
	bool			want_dpd;
	bool			want_rekey_ike;
	uint32_t		want_rekey_child;	/* spi_in, 0: none */
	uint32_t		want_delete_child;

	uint64_t		created_ms, established_ms;
	uint64_t		rekey_ms, expire_ms;
	uint64_t		last_in_ms, last_out_ms;

	struct ike_child	child[IKE_CHILD_PER_SA];
};

/* A peer's certificate credentials (auth cert), loaded at start: the
 * private key stays here; the exchanges only ask for signatures. */
#define IKE_CERT_DER_MAX	4096
struct ike_cred {
	struct ike_privkey	*key;
	struct ike_trust	*trust;
	uint8_t			 cert[IKE_CERT_DER_MAX];	/* ours, DER */
	size_t			 cert_len;
	struct ike_id		 cert_id;	/* its subject DN */
};

struct ike_endpoint {
	struct ike_config	cfg;
	struct ike_cred		cred[IKE_PEERS_MAX];
	struct ike_env		env;
	struct ike_sa		*sa[IKE_SA_MAX];
	uint8_t			cookie_secret[32];
	uint32_t		cookie_version;
	uint64_t		now;		/* of the current call */
	uint8_t			buf[IKE_OUT_MAX];	/* outgoing */
	uint8_t			plain[IKE_MSG_MAX];	/* inner payloads */
	uint8_t			dec[IKE_MSG_MAX];	/* decrypted */
	struct ike_msg		msg;			/* being handled */
	/* ike_x_init.c: cookies under load (2.6).  The secret changes
	 * every IKE_COOKIE_SECRET_MS; a cookie made with the one before
	 * is still good, so a cookie lives one to two periods. */
	uint8_t			cookie_prev[32];
	uint64_t		cookie_born_ms;
	struct ike_init_stats	init_stats;
	/* Per-request events are logged at most once a second, with a
	 * count of what was not (a flood must not become a log flood). */
	uint64_t		init_log_ms;
	uint64_t		init_log_quiet;
};

/* ---- ike_sa.c ---- */
const char *ike_sa_state_name(enum ike_sa_state s);
const char *ike_child_state_name(enum ike_child_state s);
void	ike_sa_set_state(struct ike_endpoint *ep, struct ike_sa *sa,
	    enum ike_sa_state to);
void	ike_child_set_state(struct ike_endpoint *ep, struct ike_sa *sa,
	    struct ike_child *c, enum ike_child_state to);
struct ike_sa *ike_sa_new(struct ike_endpoint *ep, bool initiator,
	    size_t peer);
struct ike_sa *ike_sa_find(struct ike_endpoint *ep, uint64_t spi_i,
	    uint64_t spi_r);
struct ike_sa *ike_sa_find_half(struct ike_endpoint *ep, uint64_t spi_i,
	    const struct ike_addr *remote);
size_t	ike_sa_count_half_open(const struct ike_endpoint *ep);
const struct ike_peer_config *ike_sa_peer(const struct ike_endpoint *ep,
	    const struct ike_sa *sa);
void	ike_logf(struct ike_endpoint *ep, int level, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	ike_rand(struct ike_endpoint *ep, void *buf, size_t len);
uint64_t ike_rand_spi64(struct ike_endpoint *ep);
uint32_t ike_rand_spi32(struct ike_endpoint *ep);
/* A random number in [0, max). */
uint64_t ike_rand_below(struct ike_endpoint *ep, uint64_t max);

/* Sends bytes (without marker) from sa->local to sa->remote. */
int	ike_send_raw(struct ike_endpoint *ep, const struct ike_addr *local,
	    const struct ike_addr *remote, const uint8_t *buf, size_t len);
/* Keeps buf as the outstanding request and sends it. */
void	ike_sa_send_request(struct ike_endpoint *ep, struct ike_sa *sa,
	    enum ike_req_kind kind, const uint8_t *buf, size_t len);
/* Keeps buf as the last response and sends it. */
void	ike_sa_send_response(struct ike_endpoint *ep, struct ike_sa *sa,
	    const uint8_t *buf, size_t len);
/* The request is answered: clears it and advances the Message ID. */
void	ike_sa_request_done(struct ike_endpoint *ep, struct ike_sa *sa);

/*
 * Builds an encrypted message: hdr fields from sa, the inner payloads in
 * `inner` (ike_writer_init_inner over ep->plain).  Returns the length in
 * ep->buf or 0 on failure.
 */
size_t	ike_sa_seal(struct ike_endpoint *ep, struct ike_sa *sa,
	    uint8_t exchange, bool response, uint32_t msgid,
	    const struct ike_writer *inner);
/* Opens the SK payload of a received message into ep->dec and decodes
 * the inner payloads into msg.  Returns 0 or -1. */
int	ike_sa_open(struct ike_endpoint *ep, struct ike_sa *sa,
	    const uint8_t *buf, size_t len, struct ike_msg *msg);

/* Child SAs. */
struct ike_child *ike_child_add(struct ike_endpoint *ep, struct ike_sa *sa);
struct ike_child *ike_child_find(struct ike_sa *sa, uint32_t spi);
/* Installs (child_up) with keys derived now; g_ir NULL without PFS. */
int	ike_child_install(struct ike_endpoint *ep, struct ike_sa *sa,
	    struct ike_child *c, const uint8_t *g_ir, size_t g_ir_len,
	    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len);
void	ike_child_remove(struct ike_endpoint *ep, struct ike_sa *sa,
	    struct ike_child *c);
void	ike_sa_established(struct ike_endpoint *ep, struct ike_sa *sa);
/* Removes the SA now (child_down for each child). */
void	ike_sa_close(struct ike_endpoint *ep, struct ike_sa *sa,
	    const char *why);

/* Payload rules (2.x; strongSwan message.c style): checks msg against
 * the table for (exchange, response).  Returns 0 or -1. */
int	ike_rules_check(const struct ike_msg *msg, uint8_t exchange,
	    bool response, bool inner);

/* ID payload body (RestOfIDPayload, 2.15): type, 3 reserved, data. */
size_t	ike_id_body(const struct ike_id *id, uint8_t *out, size_t cap);
const struct ike_id *ike_local_id(const struct ike_endpoint *ep,
	    const struct ike_peer_config *pc);
const struct ike_cred *ike_peer_cred(const struct ike_endpoint *ep,
	    const struct ike_peer_config *pc);
bool	ike_id_equal(const struct ike_id *a, const struct ike_id *b);

/* TS (2.9): narrows `theirs` to `ours`; returns the count in out. */
size_t	ike_ts_narrow(const struct ike_ts *ours, size_t n_ours,
	    const struct ike_ts *theirs, size_t n_theirs, struct ike_ts *out,
	    size_t max);
/* Our TS for a peer: configured, or the host address (dynamic). */
size_t	ike_ts_ours(const struct ike_peer_config *pc, bool local,
	    const struct ike_addr *host, struct ike_ts *out, size_t max);
/* Both of msg's selectors narrowed to ours for sa's Child SA into tsi
 * and tsr (IKE_CHILD_TS_MAX each, the caller's); false when either
 * comes out empty. */
bool	ike_ts_narrow_msg(const struct ike_peer_config *pc,
	    const struct ike_sa *sa, bool we_initiated,
	    const struct ike_msg *msg, struct ike_ts *tsi, size_t *n_tsi,
	    struct ike_ts *tsr, size_t *n_tsr);

/* ---- ike_frag.c (RFC 7383) ---- */
/* IKEV2_FRAGMENTATION_SUPPORTED into an IKE_SA_INIT message, when
 * configured; sa->frag from the peer's (2.3). */
void	ike_frag_offer(const struct ike_endpoint *ep, struct ike_writer *w);
void	ike_frag_agree(const struct ike_endpoint *ep, struct ike_sa *sa,
	    const struct ike_msg *msg);
/* Would a message of msg_len bytes go out in fragments? */
bool	ike_frag_needed(const struct ike_endpoint *ep, const struct ike_sa *sa,
	    uint8_t exchange, size_t msg_len);
/* Seals `inner` as SKF fragments with header hdr, back to back into
 * ep->buf; returns their total length, or 0. */
size_t	ike_frag_seal(struct ike_endpoint *ep, struct ike_sa *sa,
	    const struct ike_hdr *hdr, const struct ike_writer *inner);
/* A received message with an SKF payload, past the Message ID checks:
 * 0 when it completed the message (msg then holds the inner payloads,
 * as ike_sa_open would), 1 while fragments are missing, -1 dropped. */
int	ike_frag_input(struct ike_endpoint *ep, struct ike_sa *sa,
	    bool response, const uint8_t *buf, size_t len,
	    struct ike_msg *msg);
/* Reassembly timeouts: the earliest (0: none), and discarding. */
uint64_t ike_frag_deadline(const struct ike_sa *sa);
void	ike_frag_tick(struct ike_endpoint *ep, struct ike_sa *sa);
void	ike_frag_free(struct ike_sa *sa);

/* ---- ike_x_init.c ---- */
int	ike_x_init_start(struct ike_endpoint *ep, struct ike_sa *sa);
void	ike_x_init_request(struct ike_endpoint *ep,
	    const struct ike_addr *local, const struct ike_addr *remote,
	    const uint8_t *buf, size_t len, const struct ike_msg *msg);
void	ike_x_init_response(struct ike_endpoint *ep, struct ike_sa *sa,
	    const uint8_t *buf, size_t len, const struct ike_msg *msg);

/* ---- ike_x_auth.c ---- */
void	ike_x_auth_start(struct ike_endpoint *ep, struct ike_sa *sa);
void	ike_x_auth_request(struct ike_endpoint *ep, struct ike_sa *sa,
	    const struct ike_msg *msg);
void	ike_x_auth_response(struct ike_endpoint *ep, struct ike_sa *sa,
	    const struct ike_msg *msg);

size_t	ike_esp_offer(const struct ike_peer_config *pc, uint32_t spi,
	    bool with_dh, struct ike_proposal *out);
uint32_t ike_spi32_of(const struct ike_proposal *p);
void	ike_child_put_ts(struct ike_child *c, const struct ike_ts *l,
	    size_t nl, const struct ike_ts *r, size_t nr);

/* ---- ike_x_info.c ---- */
void	ike_x_info_request(struct ike_endpoint *ep, struct ike_sa *sa,
	    const struct ike_msg *msg);
void	ike_x_info_response(struct ike_endpoint *ep, struct ike_sa *sa,
	    const struct ike_msg *msg);
int	ike_x_info_delete_ike(struct ike_endpoint *ep, struct ike_sa *sa);
int	ike_x_info_delete_child(struct ike_endpoint *ep, struct ike_sa *sa,
	    struct ike_child *c);
int	ike_x_info_dpd(struct ike_endpoint *ep, struct ike_sa *sa);

/* ---- ike_x_child.c ---- */
void	ike_x_child_request(struct ike_endpoint *ep, struct ike_sa *sa,
	    const struct ike_msg *msg);
void	ike_x_child_response(struct ike_endpoint *ep, struct ike_sa *sa,
	    const struct ike_msg *msg);
/* Rekeys c, or with c NULL creates one more Child SA. */
int	ike_x_child_rekey(struct ike_endpoint *ep, struct ike_sa *sa,
	    struct ike_child *c);
int	ike_x_child_rekey_ike(struct ike_endpoint *ep, struct ike_sa *sa);
/* The peer deletes an old IKE SA whose rekey collided with ours before
 * our answer came (2.8.2): its Child SAs go to the peer's new IKE SA. */
void	ike_x_child_collision_delete(struct ike_endpoint *ep,
	    struct ike_sa *sa);

#endif /* ESPVIS_IKE_INT_H */
