/*
 * ike_config.h - the `ike:` section of the espvis YAML file.
 *
 * Everything is a plain value so that tests build a configuration in
 * code.  The PSK is read from `psk_file` at load time and lives here
 * only; it is never written to a log.  ike_config_wipe() cleanses it.
 */
#ifndef ESPVIS_IKE_CONFIG_H
#define ESPVIS_IKE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike.h"
#include "ike_types.h"

#define IKE_PEERS_MAX		16
#define IKE_FRAGMENT_SIZE_MIN	400	/* fragment_size: room for content */
#define IKE_LISTEN_MAX		4
#define IKE_PSK_MAX		256
#define IKE_PATH_MAX		256

enum ike_auth_kind {
	IKE_AUTHK_PSK,
	IKE_AUTHK_CERT,
};

enum ike_start_action {
	IKE_START_NONE,
	IKE_START_START,
};

struct ike_peer_config {
	char			name[IKE_NAME_MAX];
	struct ike_addr		local;		/* ip family 0: any */
	struct ike_addr		remote;		/* ip family 0: any (responder only) */
	enum ike_auth_kind	auth;
	uint8_t			psk[IKE_PSK_MAX];
	size_t			psk_len;
	char			cert_file[IKE_PATH_MAX];
	char			key_file[IKE_PATH_MAX];
	char			ca_file[IKE_PATH_MAX];
	struct ike_id		local_id;	/* len 0: the global one */
	struct ike_id		remote_id;	/* len 0: any */
	char			ike_proposals_text[256];
	struct ike_proposal	ike_props[IKE_PROPOSALS_MAX];
	size_t			n_ike_props;
	char			esp_proposals_text[256];
	struct ike_proposal	esp_props[IKE_PROPOSALS_MAX];
	size_t			n_esp_props;
	struct ike_ts		local_ts[IKE_CHILD_TS_MAX];
	size_t			n_local_ts;
	struct ike_ts		remote_ts[IKE_CHILD_TS_MAX];
	size_t			n_remote_ts;
	uint32_t		ike_rekey_time;		/* seconds, 0: never */
	uint32_t		ike_life_time;
	uint32_t		child_rekey_time;
	uint32_t		child_life_time;
	uint32_t		dpd_delay;		/* seconds, 0: off */
	enum ike_start_action	start_action;
	bool			wesp;
	/* Force UDP encapsulation (RFC 3948) without a NAT: a NAT
	 * detection source hash that never matches (RFC 7296 2.23), like
	 * strongSwan's encap = yes. */
	bool			encap;
};

struct ike_config {
	struct ike_id		local_id;
	struct ike_addr		listen[IKE_LISTEN_MAX];	/* port: IKE port */
	size_t			n_listen;
	uint16_t		port;			/* 500 */
	uint16_t		natt_port;		/* 4500 */
	char			control_socket[108];
	uint32_t		cookie_threshold;	/* half-open SAs */
	uint32_t		half_open_max;
	uint32_t		retransmit_timeout_ms;	/* 4000 */
	uint32_t		retransmit_base_pct;	/* 180 = x1.8 */
	uint32_t		retransmit_tries;	/* 5 */
	uint32_t		keepalive_s;		/* NAT-T, 20 */
	/* RFC 7383: the largest IP datagram of an IKE fragment we send
	 * (1280, strongSwan's default); 0: no fragmentation. */
	uint32_t		fragment_size;
	/* The ESP data plane (docs/esp-dataplane.md): `tun:` and `esp:`. */
	char			tun_name[16];		/* "": no TUN device */
	struct ipaddr		tun_addr;		/* family 0: none */
	uint8_t			tun_prefix;
	uint32_t		tun_mtu;		/* 1400 */
	uint32_t		replay_window;		/* 64, up to 4096 */
	/* Per Child SA and direction, inner bytes/packets; 0: no limit.
	 * rekey_*: rekey (soft), life_*: delete (hard). */
	uint32_t		rekey_bytes, life_bytes;
	uint32_t		rekey_packets, life_packets;
	struct ike_peer_config	peers[IKE_PEERS_MAX];
	size_t			n_peers;
};

/* Defaults: listen 0.0.0.0, ports 500/4500, socket
 * /run/espvis-ike.sock, cookie threshold 10, half-open cap 100,
 * retransmission as strongSwan (4 s, x1.8, 5 tries). */
void	ike_config_defaults(struct ike_config *cfg);
/* Defaults of one peer: IKE "aes128-sha256-modp2048", ESP
 * "aes128gcm16", TS dynamic (filled by the endpoint), IKE rekey 4 h,
 * Child rekey 1 h, life 110 % of rekey. */
void	ike_peer_defaults(struct ike_peer_config *peer);

/* Reads the `ike:` section of the YAML file at path into *cfg (which
 * holds defaults).  Returns 0, or -1 with "FILE:LINE:COL: reason" in err.
 * A file without `ike:` is an error. */
int	ike_config_load(struct ike_config *cfg, const char *path, char *err,
	    size_t errlen);

/* Parses an identity as strongSwan writes one: an IP address
 * (ID_IPV4_ADDR / ID_IPV6_ADDR), "user@host" (ID_RFC822_ADDR), "@host"
 * or a name (ID_FQDN), "CN=..,O=.." is refused here (certificates give
 * their DN). */
int	ike_id_parse(const char *text, struct ike_id *id);
/* "10.0.0.0/24", "10.0.0.1" or "10.0.0.1-10.0.0.9". */
int	ike_ts_parse(const char *text, struct ike_ts *ts);
/* "ADDR" (port 0 = default). */
int	ike_addr_parse(const char *text, uint16_t port, struct ike_addr *a);

const struct ike_peer_config *ike_config_peer(const struct ike_config *cfg,
	    const char *name);

void	ike_config_wipe(struct ike_config *cfg);

#endif /* ESPVIS_IKE_CONFIG_H */
