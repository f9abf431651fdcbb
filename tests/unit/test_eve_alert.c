/*
 * test_eve_alert.c - the EVE `alert` event (DESIGN.md section 4): the
 * exact line for a flow-level alert (inner 5-tuple, app_proto) and for
 * an SA-level one (the SA's outer tuple, UDP ports when encapsulated),
 * and the rules counters of the stats event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "unit.h"
#include "export/eve.h"

static struct ipaddr
addr(const char *text)
{
	struct ipaddr a;
	uint8_t b[16];

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, text, b) == 1)
		ipaddr_set4(&a, b);
	else {
		ck_assert_int_eq(inet_pton(AF_INET6, text, b), 1);
		ipaddr_set6(&a, b);
	}
	return (a);
}

/* Write the events with fn into a file; return its lines. */
static char *
written(void (*fn)(struct eve *, struct stats *), struct stats *st)
{
	char path[] = "/tmp/espvis-test-eve-XXXXXX", err[256];
	static char buf[8192];
	struct eve *e;
	size_t n;
	FILE *f;
	int fd;

	ck_assert_int_ge(fd = mkstemp(path), 0);
	close(fd);
	ck_assert_ptr_nonnull(e = eve_open(path, NULL, err, sizeof(err)));
	fn(e, st);
	eve_close(e);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(path);
	return (buf);
}

static void
write_flow_alert(struct eve *e, struct stats *st)
{
	struct alert_report a;

	memset(&a, 0, sizeof(a));
	a.ts_sec = 1795722005;
	a.ts_usec = 123456;
	a.signature_id = 1001;
	a.msg = "Telnet inside ESP-NULL: \"cleartext\"";
	a.category = "cleartext-credentials";
	a.action = ALERT_ALLOWED;
	a.severity = 1;
	a.flow_level = true;
	a.src = addr("10.200.1.1");
	a.dst = addr("10.200.2.1");
	a.proto = 6;
	a.has_ports = true;
	a.sport = 51514;
	a.dport = 23;
	a.app_proto = "Telnet";
	a.spi = 3233678420u;
	a.sa_src = addr("192.0.2.1");
	a.sa_dst = addr("198.51.100.7");
	a.encap = ENCAP_UDP;
	a.verdict = VERDICT_NULL;
	ck_assert_int_eq(eve_write_alert(e, &a, st), 0);
}

START_TEST(test_flow_alert)
{
	struct stats st;

	memset(&st, 0, sizeof(st));
	ck_assert_str_eq(written(write_flow_alert, &st),
	    "{\"timestamp\":\"2026-11-26T19:40:05.123456+0000\","
	    "\"event_type\":\"alert\",\"src_ip\":\"10.200.1.1\","
	    "\"src_port\":51514,\"dest_ip\":\"10.200.2.1\",\"dest_port\":23,"
	    "\"proto\":\"TCP\",\"alert\":{\"action\":\"allowed\","
	    "\"signature_id\":1001,\"signature\":\"Telnet inside ESP-NULL: "
	    "\\\"cleartext\\\"\",\"category\":\"cleartext-credentials\","
	    "\"severity\":1},\"app_proto\":\"Telnet\",\"esp\":{\"spi\":"
	    "3233678420,\"src_ip\":\"192.0.2.1\",\"dest_ip\":\"198.51.100.7\","
	    "\"verdict\":\"null\",\"wesp\":false}}\n");
	ck_assert_uint_eq(st.eve_events, 1);
}
END_TEST

static void
write_sa_alerts(struct eve *e, struct stats *st)
{
	struct alert_report a;

	memset(&a, 0, sizeof(a));
	a.ts_sec = 1795722005;
	a.signature_id = 3001;
	a.msg = "enc";
	a.action = ALERT_BLOCKED;
	a.severity = 2;
	a.src = addr("2001:db8::1");
	a.dst = addr("2001:db8::2");
	a.sa_src = a.src;
	a.sa_dst = a.dst;
	a.spi = 256;
	a.wesp = true;
	a.verdict = VERDICT_ENCRYPTED;
	ck_assert_int_eq(eve_write_alert(e, &a, st), 0);
	a.wesp = false;
	a.encap = ENCAP_UDP;
	a.has_ports = true;
	a.sport = 4500;
	a.dport = 4500;
	a.verdict = VERDICT_UNDECIDED;
	ck_assert_int_eq(eve_write_alert(e, &a, st), 0);
}

START_TEST(test_sa_alerts)
{
	struct stats st;

	memset(&st, 0, sizeof(st));
	ck_assert_str_eq(written(write_sa_alerts, &st),
	    "{\"timestamp\":\"2026-11-26T19:40:05.000000+0000\","
	    "\"event_type\":\"alert\",\"src_ip\":\"2001:db8::1\","
	    "\"dest_ip\":\"2001:db8::2\",\"proto\":\"WESP\",\"alert\":{"
	    "\"action\":\"blocked\",\"signature_id\":3001,\"signature\":"
	    "\"enc\",\"severity\":2},\"esp\":{\"spi\":256,\"src_ip\":"
	    "\"2001:db8::1\",\"dest_ip\":\"2001:db8::2\",\"verdict\":"
	    "\"encrypted\",\"wesp\":true}}\n"
	    "{\"timestamp\":\"2026-11-26T19:40:05.000000+0000\","
	    "\"event_type\":\"alert\",\"src_ip\":\"2001:db8::1\","
	    "\"src_port\":4500,\"dest_ip\":\"2001:db8::2\",\"dest_port\":4500,"
	    "\"proto\":\"UDP\",\"alert\":{\"action\":\"blocked\","
	    "\"signature_id\":3001,\"signature\":\"enc\",\"severity\":2},"
	    "\"esp\":{\"spi\":256,\"src_ip\":\"2001:db8::1\",\"dest_ip\":"
	    "\"2001:db8::2\",\"verdict\":\"undecided\",\"wesp\":false}}\n");
}
END_TEST

static void
write_stats(struct eve *e, struct stats *st)
{
	ck_assert_int_eq(eve_write_stats(e, 0, 0, st), 0);
}

START_TEST(test_stats_rules)
{
	struct stats st;

	memset(&st, 0, sizeof(st));
	st.rules_loaded = 11;
	st.rules_reloads = 2;
	st.rules_reload_errors = 1;
	st.alerts = 7;
	ck_assert_ptr_nonnull(strstr(written(write_stats, &st),
	    "\"rules\":{\"loaded\":11,\"reloads\":2,\"reload_errors\":1,"
	    "\"alerts\":7}"));
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("eve_alert");
	TCase *tc = tcase_create("eve_alert");

	tcase_add_test(tc, test_flow_alert);
	tcase_add_test(tc, test_sa_alerts);
	tcase_add_test(tc, test_stats_rules);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
