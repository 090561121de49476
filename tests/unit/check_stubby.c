/*
 * Unit tests for resolver/cli/stubby.c ("dotstub import-stubby"): each
 * Stubby key that has an equivalent becomes that dotstub key, each one
 * without becomes a "#" comment, malformed YAML and values of the wrong
 * shape are errors at FILE:LINE:COLUMN, and every output that has an
 * upstream is accepted by dotstub's own parser.
 *
 * Inputs are small YAML strings named "test.yml"; the output is searched
 * for whole lines.
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "dns/err.h"
#include "resolver/cli/stubby.h"

/* A minimal upstream, so that the output is a usable configuration. */
#define UPSTREAM                         \
	"upstream_recursive_servers:\n"  \
	"  - address_data: 192.0.2.53\n" \
	"    tls_auth_name: \"dns.example\"\n"

static char out_text[65536];
static unsigned out_notes;

static void on_parse_error(void *arg, const char *msg)
{
	fprintf(stderr, "parse: %s\n", msg);
}

/* Converts yaml; returns the status, the text in out_text, an error in err. */
static int convert(const char *yaml, char *err, size_t errcap)
{
	struct dst_buf out = {0};
	int r = dst_stubby_convert("test.yml", yaml, strlen(yaml), &out, err, errcap, &out_notes);

	snprintf(out_text, sizeof(out_text), "%s", out.data ? out.data : "");
	dst_buf_free(&out);
	return r;
}

/* Converts yaml, which must succeed, and checks that dotstub's parser takes the output. */
static const char *convert_ok(const char *yaml)
{
	char err[512] = "";
	struct dst_config *cfg = NULL;

	ck_assert_msg(convert(yaml, err, sizeof(err)) == 0, "conversion failed: %s", err);
	ck_assert_msg(dst_config_parse("out", out_text, strlen(out_text), &cfg, on_parse_error,
				       NULL) == 0,
		      "dotstub does not accept the output:\n%s", out_text);
	dst_config_free(cfg);
	return out_text;
}

/* Whether text has a line that is exactly line. */
static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

/* Whether text has a line starting with prefix and containing part. */
static bool has_comment(const char *text, const char *prefix, const char *part)
{
	size_t n = strlen(prefix);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char line[2048];
		if (len >= sizeof(line))
			continue;
		memcpy(line, p, len);
		line[len] = '\0';
		if (strncmp(line, prefix, n) == 0 && strstr(line, part))
			return true;
	}
	return false;
}

#define ck_line(text, line) \
	ck_assert_msg(has_line(text, line), "no line \"%s\" in:\n%s", line, text)
#define ck_no_line(text, line) \
	ck_assert_msg(!has_line(text, line), "unexpected line \"%s\" in:\n%s", line, text)
#define ck_comment(text, prefix, part)                                                             \
	ck_assert_msg(has_comment(text, prefix, part), "no comment %s...%s in:\n%s", prefix, part, \
		      text)

/* ------------------------------------------------------------------ */
/* The [server] keys                                                   */
/* ------------------------------------------------------------------ */

START_TEST(test_round_robin_1_is_round_robin_and_0_is_ordered)
{
	ck_line(convert_ok("round_robin_upstreams: 1\n" UPSTREAM), "strategy = round-robin");
	ck_line(convert_ok("round_robin_upstreams: 0\n" UPSTREAM), "strategy = ordered");
}
END_TEST

START_TEST(test_no_round_robin_is_stubbys_default_ordered)
{
	const char *out = convert_ok(UPSTREAM);
	ck_line(out, "strategy = ordered");
	ck_comment(out, "# test.yml: no round_robin_upstreams", "Stubby's default");
}
END_TEST

START_TEST(test_round_robin_other_value_is_a_note)
{
	const char *out = convert_ok("round_robin_upstreams: yes\n" UPSTREAM);
	ck_comment(out, "# test.yml:1: round_robin_upstreams: \"yes\"", "not understood");
	ck_line(out, "strategy = ordered");
	ck_assert_uint_eq(out_notes, 1);
}
END_TEST

START_TEST(test_timeout_milliseconds_become_query_timeout)
{
	ck_line(convert_ok("timeout: 2000\n" UPSTREAM), "query-timeout = 2s");
	ck_line(convert_ok("timeout: 1500\n" UPSTREAM), "query-timeout = 1500ms");
}
END_TEST

START_TEST(test_no_timeout_is_stubbys_default_5s)
{
	ck_line(convert_ok(UPSTREAM), "query-timeout = 5s");
}
END_TEST

START_TEST(test_timeout_out_of_range_is_a_note_not_a_clamp)
{
	const char *out = convert_ok("timeout: 7200000\n" UPSTREAM);
	ck_comment(out, "# test.yml:1: timeout: 7200000 not converted", "1ms to 1h");
	ck_assert_ptr_null(strstr(out, "\nquery-timeout"));
}
END_TEST

START_TEST(test_listen_addresses_with_stubby_port_syntax)
{
	const char *out = convert_ok("listen_addresses:\n  - 127.0.0.1@5353\n  - 0::1\n"
				     "  - ::1@5353\n" UPSTREAM);
	ck_line(out, "listen = 127.0.0.1:5353");
	ck_line(out, "listen = [::1]:53");
	ck_line(out, "listen = [::1]:5353");
	ck_assert_uint_eq(out_notes, 0);
}
END_TEST

START_TEST(test_listen_address_twice_is_one_line)
{
	const char *out = convert_ok("listen_addresses:\n  - 0::1\n  - ::1@53\n" UPSTREAM);
	ck_line(out, "listen = [::1]:53");
	ck_comment(out, "# test.yml:3: listen_addresses: ::1@53", "listed twice");
}
END_TEST

START_TEST(test_listen_name_or_interface_is_a_note)
{
	const char *out = convert_ok("listen_addresses:\n  - localhost\n  - fe80::1%eth0\n"
				     "  - 127.0.0.1@0\n  - 127.0.0.2\n" UPSTREAM);
	ck_comment(out, "# test.yml:2: listen_addresses: \"localhost\"", "not converted");
	ck_comment(out, "# test.yml:3: listen_addresses: \"fe80::1%eth0\"", "not converted");
	ck_comment(out, "# test.yml:4: listen_addresses: \"127.0.0.1@0\"", "not converted");
	ck_line(out, "listen = 127.0.0.2:53");
}
END_TEST

START_TEST(test_listen_beyond_loopback_notes_access_control)
{
	const char *out = convert_ok("listen_addresses:\n  - 0.0.0.0\n" UPSTREAM);
	ck_line(out, "listen = 0.0.0.0:53");
	ck_comment(out, "# test.yml:2: listen_addresses:", "allow = NETWORK");
}
END_TEST

START_TEST(test_ecs_private_is_strip_with_its_difference)
{
	const char *out = convert_ok("edns_client_subnet_private : 1\n" UPSTREAM);
	ck_line(out, "ecs = strip");
	ck_comment(out, "# test.yml:1: edns_client_subnet_private: 1", "adds none");
	out = convert_ok("edns_client_subnet_private: 0\n" UPSTREAM);
	ck_assert_ptr_null(strstr(out, "\necs ="));
	ck_comment(out, "# test.yml:1: edns_client_subnet_private: 0", "no equivalent");
}
END_TEST

START_TEST(test_padding_128_is_what_dotstub_does_other_sizes_are_notes)
{
	const char *out = convert_ok("tls_query_padding_blocksize: 128\n" UPSTREAM);
	ck_comment(out, "# test.yml:1: tls_query_padding_blocksize: 128", "nothing to set");
	ck_assert_uint_eq(out_notes, 0);
	out = convert_ok("tls_query_padding_blocksize: 256\n" UPSTREAM);
	ck_comment(out, "# test.yml:1: tls_query_padding_blocksize: 256", "not settable");
	ck_assert_uint_eq(out_notes, 1);
}
END_TEST

#if DST_DNSSEC
/* Stubby did not validate: dotstub's default (validate) stays, said in a comment. */
START_TEST(test_dnssec_off_leaves_the_default_validation_as_a_comment)
{
	const char *out = convert_ok(UPSTREAM);
	ck_comment(out, "# dnssec = validate", "Stubby did not validate");
	ck_assert_ptr_null(strstr(out, "\ndnssec"));
	ck_assert_uint_eq(out_notes, 0);
}
END_TEST

/* Stubby validated: dotstub validates itself, and says so; nothing is lost. */
START_TEST(test_dnssec_on_becomes_dnssec_validate)
{
	const char *ins[] = {"dnssec: GETDNS_EXTENSION_TRUE\n" UPSTREAM,
			     "dnssec_return_status: GETDNS_EXTENSION_TRUE\n" UPSTREAM};
	for (size_t i = 0; i < 2; i++) {
		const char *out = convert_ok(ins[i]);
		ck_comment(out, "# test.yml:1: dnssec", "dotstub validates DNSSEC itself");
		ck_line(out, "dnssec = validate");
		ck_assert_uint_eq(out_notes, 0);
	}
}
END_TEST
#else
START_TEST(test_dnssec_off_leaves_the_default_validation_as_a_comment)
{
	const char *out = convert_ok(UPSTREAM);
	ck_comment(out, "# dnssec = off", "built without DNSSEC validation");
	ck_assert_ptr_null(strstr(out, "\ndnssec"));
}
END_TEST

/* Without the validator, Stubby's validation cannot be carried over: a counted note. */
START_TEST(test_dnssec_on_becomes_dnssec_validate)
{
	const char *out = convert_ok("dnssec: GETDNS_EXTENSION_TRUE\n" UPSTREAM);
	ck_comment(out, "# test.yml:1: dnssec", "built without validation");
	ck_assert_ptr_null(strstr(out, "\ndnssec"));
	ck_assert_uint_eq(out_notes, 1);
}
END_TEST
#endif

START_TEST(test_transport_and_authentication)
{
	const char *out =
		convert_ok("resolution_type: GETDNS_RESOLUTION_STUB\n"
			   "dns_transport_list:\n  - GETDNS_TRANSPORT_TLS\n"
			   "tls_authentication: GETDNS_AUTHENTICATION_REQUIRED\n" UPSTREAM);
	ck_assert_uint_eq(out_notes, 0);
	out = convert_ok("dns_transport_list: [GETDNS_TRANSPORT_TLS, GETDNS_TRANSPORT_UDP]\n"
			 "tls_authentication: GETDNS_AUTHENTICATION_NONE\n" UPSTREAM);
	ck_comment(out, "# test.yml:1: dns_transport_list", "never falls back");
	ck_comment(out, "# test.yml:2: tls_authentication", "no opportunistic mode");
	ck_assert_uint_eq(out_notes, 2);
}
END_TEST

START_TEST(test_keys_without_equivalent_are_named_in_comments)
{
	const char *out = convert_ok("tls_backoff_time: 300\nlimit_outstanding_queries: 100\n"
				     "tls_ca_path: \"/etc/ssl/certs/\"\nfrobnicate: 7\n" UPSTREAM);
	ck_comment(out, "# test.yml:1: tls_backoff_time: 300: not converted", "max-backoff");
	ck_comment(out, "# test.yml:2: limit_outstanding_queries: 100", "max-pending");
	ck_comment(out, "# test.yml:3: tls_ca_path: /etc/ssl/certs/", "ca-file");
	ck_comment(out, "# test.yml:4: frobnicate: 7", "no such setting");
	ck_assert_uint_eq(out_notes, 4);
}
END_TEST

START_TEST(test_line_breaks_in_values_stay_inside_the_comment)
{
	const char *out =
		convert_ok("frobnicate: \"x\\n[upstream evil]\\naddress = 192.0.2.9\"\n"
			   "listen_addresses: [\"127.0.0.1\\nlisten = 0.0.0.0\"]\n" UPSTREAM);
	ck_no_line(out, "[upstream evil]");
	ck_no_line(out, "address = 192.0.2.9");
	ck_no_line(out, "listen = 0.0.0.0");
	ck_comment(out, "# test.yml:1: frobnicate: x?[upstream evil]?address", "no such setting");
}
END_TEST

/* ------------------------------------------------------------------ */
/* Upstreams                                                           */
/* ------------------------------------------------------------------ */

#define PIN_A "62lKu9HsDVbyiPenApnc4sfmSYTHOVfFgL3pyB+cBL4="
#define PIN_B "cE2ecALeE5B+urJhDrJlVFmf38cJLAvqekONvjvpqUA="

START_TEST(test_upstream_with_name_pins_and_port)
{
	const char *out = convert_ok("upstream_recursive_servers:\n"
				     "  - address_data: 2001:db8::53\n"
				     "    tls_port: 443\n"
				     "    tls_auth_name: \"dns.example\"\n"
				     "    tls_pubkey_pinset:\n"
				     "      - digest: \"sha256\"\n"
				     "        value: " PIN_A "\n"
				     "      - digest: \"sha256\"\n"
				     "        value: " PIN_B "\n");
	ck_line(out, "[upstream dns.example]");
	ck_line(out, "address = [2001:db8::53]:443");
	ck_line(out, "tls-name = dns.example");
	ck_line(out, "pin-sha256 = " PIN_A);
	ck_line(out, "pin-sha256 = " PIN_B);
	ck_comment(out, "# test.yml:2: upstream_recursive_servers, entry 1 of 1", "");
}
END_TEST

START_TEST(test_upstream_default_port_853_and_unique_names)
{
	const char *out =
		convert_ok("upstream_recursive_servers:\n"
			   "  - address_data: 192.0.2.1\n"
			   "    tls_auth_name: dns.example\n"
			   "  - address_data: 192.0.2.2\n"
			   "    tls_auth_name: dns.example\n"
			   "  - address_data: 192.0.2.3\n"
			   "    tls_pubkey_pinset: [{digest: sha256, value: " PIN_A "}]\n");
	ck_line(out, "[upstream dns.example]");
	ck_line(out, "[upstream dns.example-2]");
	ck_line(out, "[upstream 192.0.2.3]");
	ck_line(out, "address = 192.0.2.1:853");
}
END_TEST

START_TEST(test_idle_timeout_and_ca_file_go_into_each_upstream)
{
	const char *out =
		convert_ok("idle_timeout: 9000\ntls_ca_file: /etc/ssl/my-ca.pem\n"
			   "upstream_recursive_servers:\n"
			   "  - address_data: 192.0.2.1\n"
			   "    tls_auth_name: dns.example\n"
			   "  - address_data: 192.0.2.2\n"
			   "    tls_pubkey_pinset: [{digest: sha256, value: " PIN_A "}]\n");
	ck_line(out, "idle-timeout = 9s");
	ck_line(out, "ca-file = /etc/ssl/my-ca.pem");
	/* ca-file needs tls-name: the pinned-only upstream has none (as in Stubby, unused). */
	const char *second = strstr(out, "[upstream 192.0.2.2]");
	ck_assert_ptr_nonnull(second);
	ck_assert_ptr_null(strstr(second, "ca-file"));
	ck_assert_ptr_nonnull(strstr(second, "idle-timeout = 9s"));
}
END_TEST

START_TEST(test_relative_ca_file_is_a_note)
{
	const char *out = convert_ok("tls_ca_file: ca.pem\n" UPSTREAM);
	ck_comment(out, "# test.yml:1: tls_ca_file: \"ca.pem\" not converted", "absolute");
	ck_assert_ptr_null(strstr(out, "\nca-file"));
}
END_TEST

START_TEST(test_unsupported_pin_digest_and_bad_names_are_notes)
{
	const char *out = convert_ok("upstream_recursive_servers:\n"
				     "  - address_data: 192.0.2.1\n"
				     "    tls_auth_name: \"dns.example \"\n"
				     "    tls_cipher_list: \"EECDH+AESGCM\"\n"
				     "    tls_pubkey_pinset:\n"
				     "      - digest: sha1\n"
				     "        value: AAAA\n"
				     "      - value: " PIN_A "\n");
	ck_comment(out, "# test.yml:3: tls_auth_name: \"dns.example \" not converted", "blanks");
	ck_comment(out, "# test.yml:4: tls_cipher_list: EECDH+AESGCM", "NORMAL");
	ck_comment(out, "# test.yml:6: tls_pubkey_pinset: digest sha1", "SHA-256");
	ck_line(out, "pin-sha256 = " PIN_A);
	ck_no_line(out, "tls-name = dns.example");
}
END_TEST

START_TEST(test_upstream_without_authentication_is_commented_out)
{
	char err[512];
	struct dst_config *cfg = NULL;

	ck_assert_int_eq(convert("upstream_recursive_servers:\n  - address_data: 192.0.2.1\n", err,
				 sizeof(err)),
			 0);
	ck_comment(out_text, "# test.yml:2:", "without authentication");
	ck_line(out_text, "# [upstream 192.0.2.1]");
	ck_line(out_text, "# address = 192.0.2.1:853");
	/* No upstream left: dotstub refuses the file, as the command then says. */
	ck_assert_int_eq(dst_config_parse("out", out_text, strlen(out_text), &cfg, NULL, NULL),
			 DST_ECONFIG);
}
END_TEST

START_TEST(test_upstream_host_name_address_is_a_note)
{
	char err[512];

	ck_assert_int_eq(convert("upstream_recursive_servers:\n  - address_data: dns.example\n"
				 "    tls_auth_name: dns.example\n"
				 "  - address_data: 192.0.2.53\n"
				 "    tls_auth_name: dns.example\n",
				 err, sizeof(err)),
			 0);
	ck_comment(out_text, "# test.yml:2: address_data: dns.example", "IP address");
	ck_line(out_text, "# [upstream dns.example]");
	ck_line(out_text, "[upstream dns.example-2]");
}
END_TEST

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

START_TEST(test_malformed_yaml_is_an_error_at_its_line)
{
	char err[512];

	ck_assert_int_eq(convert("timeout: 100\nlisten_addresses:\n  - 127.0.0.1\n"
				 " bad: [unclosed\n",
				 err, sizeof(err)),
			 DST_ECONFIG);
	ck_assert_msg(strncmp(err, "test.yml:4:", 11) == 0 || strncmp(err, "test.yml:5:", 11) == 0,
		      "%s", err);
	ck_assert_ptr_nonnull(strstr(err, "malformed YAML"));
	ck_assert_int_eq(convert("a: 'unterminated\n", err, sizeof(err)), DST_ECONFIG);
	ck_assert_msg(strncmp(err, "test.yml:", 9) == 0, "%s", err);
}
END_TEST

START_TEST(test_wrong_shapes_are_errors_at_their_line)
{
	char err[512];

	ck_assert_int_eq(convert("timeout: 1\nlisten_addresses: 127.0.0.1\n", err, sizeof(err)),
			 DST_ECONFIG);
	ck_assert_str_eq(err, "test.yml:2:19: listen_addresses: expected a list like "
			      "[127.0.0.1, 0::1@5353]");
	ck_assert_int_eq(convert("timeout: [1, 2]\n", err, sizeof(err)), DST_ECONFIG);
	ck_assert_str_eq(err, "test.yml:1:10: timeout: expected a single value, got a list");
	ck_assert_int_eq(convert("- a\n- b\n", err, sizeof(err)), DST_ECONFIG);
	ck_assert_msg(strncmp(err, "test.yml:1:1: expected a mapping", 32) == 0, "%s", err);
	ck_assert_int_eq(convert("upstream_recursive_servers:\n  - 192.0.2.1\n", err, sizeof(err)),
			 DST_ECONFIG);
	ck_assert_msg(strncmp(err, "test.yml:2:5: upstream_recursive_servers: expected a mapping",
			      60) == 0,
		      "%s", err);
}
END_TEST

START_TEST(test_repeated_key_and_empty_file_are_errors)
{
	char err[512];

	ck_assert_int_eq(convert("timeout: 1\ntimeout: 2\n", err, sizeof(err)), DST_ECONFIG);
	ck_assert_str_eq(err, "test.yml:2:1: timeout: already set at line 1");
	ck_assert_int_eq(convert("# only a comment\n", err, sizeof(err)), DST_ECONFIG);
	ck_assert_msg(strncmp(err, "test.yml:1:1: empty", 19) == 0, "%s", err);
}
END_TEST

static Suite *stubby_suite(void)
{
	Suite *s = suite_create("stubby");
	TCase *tc = tcase_create("server");

	tcase_add_test(tc, test_round_robin_1_is_round_robin_and_0_is_ordered);
	tcase_add_test(tc, test_no_round_robin_is_stubbys_default_ordered);
	tcase_add_test(tc, test_round_robin_other_value_is_a_note);
	tcase_add_test(tc, test_timeout_milliseconds_become_query_timeout);
	tcase_add_test(tc, test_no_timeout_is_stubbys_default_5s);
	tcase_add_test(tc, test_timeout_out_of_range_is_a_note_not_a_clamp);
	tcase_add_test(tc, test_listen_addresses_with_stubby_port_syntax);
	tcase_add_test(tc, test_listen_address_twice_is_one_line);
	tcase_add_test(tc, test_listen_name_or_interface_is_a_note);
	tcase_add_test(tc, test_listen_beyond_loopback_notes_access_control);
	tcase_add_test(tc, test_ecs_private_is_strip_with_its_difference);
	tcase_add_test(tc, test_padding_128_is_what_dotstub_does_other_sizes_are_notes);
	tcase_add_test(tc, test_dnssec_off_leaves_the_default_validation_as_a_comment);
	tcase_add_test(tc, test_dnssec_on_becomes_dnssec_validate);
	tcase_add_test(tc, test_transport_and_authentication);
	tcase_add_test(tc, test_keys_without_equivalent_are_named_in_comments);
	tcase_add_test(tc, test_line_breaks_in_values_stay_inside_the_comment);
	suite_add_tcase(s, tc);

	tc = tcase_create("upstreams");
	tcase_add_test(tc, test_upstream_with_name_pins_and_port);
	tcase_add_test(tc, test_upstream_default_port_853_and_unique_names);
	tcase_add_test(tc, test_idle_timeout_and_ca_file_go_into_each_upstream);
	tcase_add_test(tc, test_relative_ca_file_is_a_note);
	tcase_add_test(tc, test_unsupported_pin_digest_and_bad_names_are_notes);
	tcase_add_test(tc, test_upstream_without_authentication_is_commented_out);
	tcase_add_test(tc, test_upstream_host_name_address_is_a_note);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_malformed_yaml_is_an_error_at_its_line);
	tcase_add_test(tc, test_wrong_shapes_are_errors_at_their_line);
	tcase_add_test(tc, test_repeated_key_and_empty_file_are_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(stubby_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
