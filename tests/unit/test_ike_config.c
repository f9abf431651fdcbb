/*
 * test_ike_config.c - the `ike:` section: a full file read back, the
 * defaults, identities and traffic selectors, and refusals with their
 * line and column (never the secret).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "ike/ike_config.h"
#include "ike/ike_proposal.h"

static char dir[64];
static char psk_path[128];

static void
make_dir(void)
{
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/espvis-ikecfg.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(psk_path, sizeof(psk_path), "%s/psk", dir);
	ck_assert_ptr_nonnull(f = fopen(psk_path, "w"));
	fputs("s3cret-psk-value\n", f);
	fclose(f);
}

static void
rm_dir(void)
{
	char p[160];

	snprintf(p, sizeof(p), "%s/ike.yaml", dir);
	unlink(p);
	unlink(psk_path);
	rmdir(dir);
}

/* Writes text (with PSK replaced by the psk file path) and loads it. */
static int
load(const char *text, struct ike_config *cfg, char *err, size_t errlen)
{
	char path[160], buf[4096];
	const char *at;
	FILE *f;

	size_t len = 0;

	snprintf(path, sizeof(path), "%s/ike.yaml", dir);
	buf[0] = '\0';
	while ((at = strstr(text, "PSK")) != NULL) {
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%.*s%s",
		    (int)(at - text), text, psk_path);
		text = at + 3;
	}
	snprintf(buf + len, sizeof(buf) - len, "%s", text);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(buf, f);
	fclose(f);
	ike_config_defaults(cfg);
	return (ike_config_load(cfg, path, err, errlen));
}

START_TEST(test_full)
{
	static struct ike_config cfg;
	const struct ike_peer_config *p;
	char err[512], buf[128];

	make_dir();
	ck_assert_msg(load(
	    "quiet: true\n"
	    "ike:\n"
	    "  local_id: gw.example.test\n"
	    "  listen: [10.0.0.2, 10.0.1.2]\n"
	    "  port: 500\n"
	    "  control_socket: /tmp/x.sock\n"
	    "  cookie_threshold: 5\n"
	    "  half_open_max: 50\n"
	    "  tun:\n"
	    "    name: espvis0\n"
	    "    address: 10.1.0.1/32\n"
	    "    mtu: 1380\n"
	    "  esp:\n"
	    "    replay_window: 1024\n"
	    "    rekey_bytes: 1000000\n"
	    "    life_bytes: 2000000\n"
	    "    life_packets: 50000\n"
	    "  peers:\n"
	    "    - name: site-b\n"
	    "      local_addr: 10.0.0.2\n"
	    "      remote_addr: 10.0.0.1\n"
	    "      auth: psk\n"
	    "      psk_file: PSK\n"
	    "      remote_id: b@example.test\n"
	    "      ike_proposals: aes256gcm16-prfsha256-ecp256,aes128-sha256-modp2048\n"
	    "      esp_proposals: null-sha256\n"
	    "      local_ts: [10.1.0.0/16]\n"
	    "      remote_ts: 10.2.0.1-10.2.0.9\n"
	    "      ike_rekey_time: 3600\n"
	    "      child_rekey_time: 600\n"
	    "      child_life_time: 700\n"
	    "      dpd_delay: 30\n"
	    "      start_action: start\n"
	    "      wesp: true\n"
	    "      encap: true\n", &cfg, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(cfg.n_listen, 2);
	ck_assert_uint_eq(cfg.listen[1].port, 500);
	ck_assert_str_eq(cfg.control_socket, "/tmp/x.sock");
	ck_assert_uint_eq(cfg.cookie_threshold, 5);
	ck_assert_uint_eq(cfg.half_open_max, 50);
	ck_assert_str_eq(cfg.tun_name, "espvis0");
	ck_assert_uint_eq(cfg.tun_addr.family, 4);
	ck_assert_int_eq(memcmp(cfg.tun_addr.bytes, "\x0a\x01\x00\x01", 4), 0);
	ck_assert_uint_eq(cfg.tun_prefix, 32);
	ck_assert_uint_eq(cfg.tun_mtu, 1380);
	ck_assert_uint_eq(cfg.replay_window, 1024);
	ck_assert_uint_eq(cfg.rekey_bytes, 1000000);
	ck_assert_uint_eq(cfg.life_bytes, 2000000);
	ck_assert_uint_eq(cfg.rekey_packets, 0);
	ck_assert_uint_eq(cfg.life_packets, 50000);
	ck_assert_uint_eq(cfg.local_id.type, IKE_ID_FQDN);
	ck_assert_uint_eq(cfg.n_peers, 1);
	ck_assert_ptr_nonnull(p = ike_config_peer(&cfg, "site-b"));
	ck_assert_uint_eq(p->psk_len, strlen("s3cret-psk-value"));
	ck_assert_int_eq(memcmp(p->psk, "s3cret-psk-value", p->psk_len), 0);
	ck_assert_uint_eq(p->remote_id.type, IKE_ID_RFC822_ADDR);
	ck_assert_uint_eq(p->n_ike_props, 2);
	ck_assert_uint_eq(p->n_esp_props, 1);
	ck_assert_uint_eq(p->n_local_ts, 1);
	ike_ts_format(&p->remote_ts[0], buf, sizeof(buf));
	ck_assert_str_eq(buf, "10.2.0.1-10.2.0.9");
	ck_assert_uint_eq(p->ike_rekey_time, 3600);
	ck_assert_uint_eq(p->ike_life_time, 3960);	/* +10 % */
	ck_assert_uint_eq(p->child_life_time, 700);
	ck_assert_uint_eq(p->dpd_delay, 30);
	ck_assert_int_eq(p->start_action, IKE_START_START);
	ck_assert(p->wesp);
	ck_assert(p->encap);
	ike_config_wipe(&cfg);
	ck_assert_uint_eq(cfg.peers[0].psk_len, 0);
	rm_dir();
}
END_TEST

START_TEST(test_refusals)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "quiet: true\n", "no 'ike:' section" },
		{ "ike:\n  bogus: 1\n  peers: []\n", ":2:3: unknown key 'bogus'" },
		{ "ike:\n  local_id: a.test\n  peers:\n    - name: x\n"
		  "      auth: psk\n", "auth psk needs psk_file" },
		{ "ike:\n  local_id: a.test\n  peers:\n    - name: x\n"
		  "      psk_file: PSK\n      ike_proposals: aes128-md5-modp1024\n",
		  ":6:22: ike_proposals:" },
		{ "ike:\n  local_id: a.test\n  peers:\n    - name: x\n"
		  "      psk_file: PSK\n      local_ts: 10.0.0.0/33\n",
		  ":6:17: not a traffic selector" },
		{ "ike:\n  local_id: a.test\n  peers:\n    - name: x\n"
		  "      psk_file: /nonexistent/psk\n", "psk_file /nonexistent/psk" },
		{ "ike:\n  peers:\n    - name: x\n      psk_file: PSK\n",
		  "no local_id" },
		{ "ike:\n  local_id: a.test\n  peers:\n    - name: x\n"
		  "      psk_file: PSK\n      start_action: start\n",
		  "start_action start needs remote_addr" },
		{ "ike:\n  local_id: a.test\n  peers:\n    - name: x\n"
		  "      psk_file: PSK\n    - name: x\n      psk_file: PSK\n",
		  "peer name 'x' used twice" },
		{ "ike:\n  tun:\n    address: 10.0.0.1\n  peers: []\n",
		  ":3:5: tun: needs a name" },
		{ "ike:\n  tun:\n    name: t0\n    address: 10.0.0.1/40\n"
		  "  peers: []\n", ":4:14: not ADDR or ADDR/LEN" },
		{ "ike:\n  esp:\n    replay_window: 5000\n  peers: []\n",
		  ":3:20:" },
		{ "ike:\n  esp:\n    rekey_packets: 9\n    life_packets: 9\n"
		  "  peers: []\n", "rekey_ limit must be below" },
	};
	static struct ike_config cfg;
	char err[512];
	size_t i;

	make_dir();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(load(cases[i].text, &cfg, err, sizeof(err)) != 0,
		    "accepted case %zu", i);
		ck_assert_msg(strstr(err, cases[i].want) != NULL,
		    "case %zu: '%s' lacks '%s'", i, err, cases[i].want);
		ck_assert_msg(strstr(err, "s3cret") == NULL, "secret in '%s'",
		    err);
	}
	rm_dir();
}
END_TEST

START_TEST(test_ids_and_ts)
{
	struct ike_id id;
	struct ike_ts ts;
	char buf[64];

	ck_assert_int_eq(ike_id_parse("10.1.2.3", &id), 0);
	ck_assert_uint_eq(id.type, IKE_ID_IPV4_ADDR);
	ck_assert_uint_eq(id.len, 4);
	ck_assert_int_eq(ike_id_parse("@vpn.test", &id), 0);
	ck_assert_uint_eq(id.type, IKE_ID_FQDN);
	ck_assert_uint_eq(id.len, 8);
	ck_assert_int_eq(ike_id_parse("user@vpn.test", &id), 0);
	ck_assert_uint_eq(id.type, IKE_ID_RFC822_ADDR);
	ck_assert_int_eq(ike_id_parse("2001:db8::1", &id), 0);
	ck_assert_uint_eq(id.type, IKE_ID_IPV6_ADDR);
	ck_assert_int_eq(ike_id_parse("", &id), -1);
	ck_assert_int_eq(ike_ts_parse("10.1.2.3/24", &ts), 0);	/* masked */
	ike_ts_format(&ts, buf, sizeof(buf));
	ck_assert_str_eq(buf, "10.1.2.0/24");
	ck_assert_int_eq(ike_ts_parse("0.0.0.0/0", &ts), 0);
	ike_ts_format(&ts, buf, sizeof(buf));
	ck_assert_str_eq(buf, "0.0.0.0/0");
	ck_assert_int_eq(ike_ts_parse("2001:db8::/32", &ts), 0);
	ike_ts_format(&ts, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2001:db8::/32");
	ck_assert_int_eq(ike_ts_parse("10.0.0.9-10.0.0.1", &ts), -1);
	ck_assert_int_eq(ike_ts_parse("10.0.0.1/", &ts), -1);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("ike_config");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_ids_and_ts);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
