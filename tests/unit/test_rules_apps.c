/*
 * test_rules_apps.c - the app and risk names rules accept are exactly
 * those of the installed nDPI, with the same numbers: every protocol id
 * of a real detection module has our name, and every risk enum value our
 * name in the same order.  An nDPI upgrade that renumbers fails here.
 */
#include <string.h>
#include <strings.h>

#include <ndpi_api.h>

#include "unit.h"
#include "classify/rules_int.h"

START_TEST(test_app_names_are_ndpis)
{
	struct ndpi_detection_module_struct *mod;
	const char *ours;
	u_int16_t id;
	u_int n;

	ck_assert_ptr_nonnull(mod = ndpi_init_detection_module(ndpi_no_prefs));
	ndpi_finalize_initialization(mod);
	n = NDPI_LAST_IMPLEMENTED_PROTOCOL;
	ck_assert_uint_eq(rules_app_count(), n);
	for (id = 0; id < n; id++) {
		ours = rules_app_name(id);
		ck_assert_ptr_nonnull(ours);
		ck_assert_str_eq(ours, ndpi_get_proto_name(mod, id));
		ck_assert_int_eq(rules_app_id(ours, strlen(ours)), id);
	}
	ck_assert_ptr_null(rules_app_name(n));
	ndpi_exit_detection_module(mod);
}
END_TEST

/* The ones the shipped rules use, by nDPI's own constants. */
START_TEST(test_shipped_names)
{
	ck_assert_int_eq(rules_app_id("Telnet", 6), NDPI_PROTOCOL_TELNET);
	ck_assert_int_eq(rules_app_id("FTP_CONTROL", 11),
	    NDPI_PROTOCOL_FTP_CONTROL);
	ck_assert_int_eq(rules_app_id("POP3", 4), NDPI_PROTOCOL_MAIL_POP);
	ck_assert_int_eq(rules_app_id("IMAP", 4), NDPI_PROTOCOL_MAIL_IMAP);
	ck_assert_int_eq(rules_app_id("HTTP", 4), NDPI_PROTOCOL_HTTP);
	ck_assert_int_eq(rules_app_id("SMTP", 4), NDPI_PROTOCOL_MAIL_SMTP);
	ck_assert_int_eq(rules_app_id("SMBv1", 5), NDPI_PROTOCOL_SMBV1);
	ck_assert_int_eq(rules_app_id("imaps", 5), NDPI_PROTOCOL_MAIL_IMAPS);
	ck_assert_int_eq(rules_app_id("Unknown", 7), NDPI_PROTOCOL_UNKNOWN);
}
END_TEST

/*
 * Our risk names are ndpi_risk_enum's, lower case without NDPI_; the
 * enum has no names at run time, so spot-check by constant and check
 * the count and that nDPI describes every one.
 */
START_TEST(test_risk_names_are_ndpis)
{
	size_t i;

	ck_assert_uint_eq(rules_risk_count(), NDPI_MAX_RISK);
	ck_assert_str_eq(rules_risk_name(NDPI_NO_RISK), "no_risk");
	ck_assert_int_eq(rules_risk_id("no_risk"), -1);
	ck_assert_int_eq(rules_risk_id("clear_text_credentials"),
	    NDPI_CLEAR_TEXT_CREDENTIALS);
	ck_assert_int_eq(rules_risk_id("smb_insecure_version"),
	    NDPI_SMB_INSECURE_VERSION);
	ck_assert_int_eq(rules_risk_id("unsafe_protocol"),
	    NDPI_UNSAFE_PROTOCOL);
	ck_assert_int_eq(rules_risk_id("url_possible_xss"),
	    NDPI_URL_POSSIBLE_XSS);
	ck_assert_int_eq(rules_risk_id("tls_certificate_about_to_expire"),
	    NDPI_TLS_CERTIFICATE_ABOUT_TO_EXPIRE);
	ck_assert_int_eq(rules_risk_id("possible_exploit"),
	    NDPI_POSSIBLE_EXPLOIT);
	ck_assert_int_eq(rules_risk_id("nope"), -1);
	for (i = 1; i < rules_risk_count(); i++)
		ck_assert_ptr_nonnull(ndpi_risk2str((ndpi_risk_enum)i));
	ck_assert_ptr_null(rules_risk_name(NDPI_MAX_RISK));
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("rules_apps");
	TCase *tc = tcase_create("rules_apps");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_app_names_are_ndpis);
	tcase_add_test(tc, test_shipped_names);
	tcase_add_test(tc, test_risk_names_are_ndpis);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
