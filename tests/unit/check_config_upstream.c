/*
 * config/ unit tests for [upstream] sections: tls-name, pins and ca-file,
 * required keys, names and counts, and host upstreams resolved through the
 * bootstrap servers along with the selection keys. Part of check_config.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "tests/unit/config_test_util.h"

/* --- tls-name, pins, ca-file ---------------------------------------------- */

START_TEST(test_tls_name_is_lowercased_without_trailing_dot)
{
	struct dst_config *cfg = line_ok("upstream", "tls-name = DNS.Quad9.NET.");

	ck_assert_str_eq(cfg->upstreams[0].tls_name, "dns.quad9.net");
	dst_config_free(cfg);
	cfg = line_ok("upstream", "tls-name = localhost");
	ck_assert_str_eq(cfg->upstreams[0].tls_name, "localhost");
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_bad_tls_name_is_error)
{
	char *label64 = repeat('a', 64), *name254 = repeat('a', 254);
	const struct {
		const char *name, *why;
	} cases[] = {
		{"dns_quad9.net", "only letters, digits, '-' and '.' are allowed"},
		{"dns quad9.net", "only letters, digits, '-' and '.' are allowed"},
		{"-dns.example", "a label starts with '-'"},
		{"dns-.example", "a label ends with '-'"},
		{"dns..example", "empty label"},
		{".example", "empty label"},
		{".", "empty label"},
		{"example..", "empty label"},
		{label64, "a label is longer than 63 characters"},
		{name254, "longer than 253 characters"},
	};
	char quoted[80];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		/* Values longer than 60 bytes are cut in messages. */
		snprintf(quoted, sizeof quoted, "%.60s%s", cases[i].name,
			 strlen(cases[i].name) > 60 ? "..." : "");
		expect_line_error(
			"upstream", fmt("tls-name = %s", cases[i].name),
			fmt("tls-name: expected a host name like dns.quad9.net, got \"%s\" "
			    "(%s)",
			    quoted, cases[i].why));
		teardown();
	}
	free(label64);
	free(name254);
}
END_TEST

START_TEST(test_longest_tls_name_is_valid)
{
	/* 253 = 3 labels of 63 + 1 of 61, and 3 dots. */
	char *l63 = repeat('b', 63), *l61 = repeat('c', 61);
	struct dst_config *cfg =
		line_ok("upstream", fmt("tls-name = %s.%s.%s.%s", l63, l63, l63, l61));

	ck_assert_uint_eq(strlen(cfg->upstreams[0].tls_name), 253);
	dst_config_free(cfg);
	free(l63);
	free(l61);
}
END_TEST

START_TEST(test_pins_only_upstream_is_valid)
{
	struct dst_config *cfg =
		parse_ok("[upstream p]\naddress = 192.0.2.1\npin-sha256 = " PIN_A "\n");

	ck_assert_ptr_null(cfg->upstreams[0].tls_name);
	ck_assert_uint_eq(cfg->upstreams[0].npins, 1);
	ck_assert_mem_eq(cfg->upstreams[0].pins[0], pin_a, DST_CONFIG_PIN_LEN);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_pin_with_wrong_length_is_error)
{
	static const struct {
		const char *pin;
		unsigned bytes;
	} cases[] = {
		{"AAAA", 3},
		{"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", 31},
		{"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 33}, /* as long as a real pin */
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		expect_line_error(
			"upstream", fmt("pin-sha256 = %s", cases[i].pin),
			fmt("pin-sha256: expected the base64 of a 32-byte SHA-256 digest, "
			    "got \"%s\" (decodes to %u bytes)",
			    cases[i].pin, cases[i].bytes));
		teardown();
	}
}
END_TEST

START_TEST(test_pin_that_is_not_base64_is_error)
{
	static const char *const bad[] = {
		"yioEpqeR4WtDwE9YxNVnCEkTxIjx6EEIwFSQW+lJsbc",   /* no padding */
		"yioE pqeR4WtDwE9YxNVnCEkTxIjx6EEIwFSQW+lJsbc=", /* a space */
		"yioEpqeR4WtDwE9YxNVnCEkTxIjx6EEIwFSQW-lJsbc=",  /* base64url */
		"sha256/yioEpqeR4WtDwE9YxNVnCEkTxIjx6EEIwFSQW+lJsbc=",
		"\"yioEpqeR4WtDwE9YxNVnCEkTxIjx6EEIwFSQW+lJsbc=\"",
		"!!!!",
		"A",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		expect_line_error(
			"upstream", fmt("pin-sha256 = %s", bad[i]),
			fmt("pin-sha256: expected the base64 of a 32-byte SHA-256 digest, "
			    "got \"%s\" (not base64)",
			    bad[i]));
		teardown();
	}
}
END_TEST

START_TEST(test_duplicate_pin_is_error)
{
	expect_errors("[upstream p]\naddress = 192.0.2.1\npin-sha256 = " PIN_A "\n"
		      "pin-sha256 = " PIN_B "\npin-sha256 = " PIN_A "\n",
		      FILE_NAME ":5: pin-sha256: " PIN_A " is listed twice");
}
END_TEST

START_TEST(test_relative_ca_file_is_error)
{
	expect_line_error("upstream", "ca-file = certs/ca.pem",
			  "ca-file: expected a path like /etc/ssl/ca.pem, got \"certs/ca.pem\" "
			  "(not an absolute path)");
}
END_TEST

START_TEST(test_ca_file_without_tls_name_is_error)
{
	expect_errors("[upstream p]\naddress = 192.0.2.1\npin-sha256 = " PIN_A "\n"
		      "ca-file = /etc/ca.pem\n",
		      FILE_NAME ":1: [upstream p] has ca-file but no tls-name to check it against");
}
END_TEST

/* --- upstream sections ---------------------------------------------------- */

START_TEST(test_missing_upstream_auth_is_error)
{
	expect_errors(UP "\n[upstream quad9]\naddress = 9.9.9.9\n[server]\n",
		      FILE_NAME ":5: [upstream quad9] needs tls-name or at least one pin-sha256");
}
END_TEST

START_TEST(test_upstream_without_address_is_error)
{
	expect_errors("[upstream quad9]\ntls-name = dns.quad9.net\n",
		      FILE_NAME ":1: [upstream quad9] needs an address or a host");
}
END_TEST

START_TEST(test_empty_upstream_reports_both_problems_at_its_header)
{
	expect_errors("[upstream empty]\n" UP,
		      FILE_NAME ":1: [upstream empty] needs an address or a host",
		      FILE_NAME ":1: [upstream empty] needs tls-name or at least one pin-sha256");
}
END_TEST

START_TEST(test_duplicate_upstream_name_is_error)
{
	expect_errors(UP "[upstream u]\naddress = 192.0.2.2\ntls-name = b.example\n",
		      FILE_NAME ":4: duplicate upstream name \"u\" (first at line 1)");
}
END_TEST

START_TEST(test_duplicate_upstream_body_is_still_checked)
{
	expect_errors(UP "[upstream u]\naddress = nowhere\ntls-name = b.example\n",
		      FILE_NAME ":4: duplicate upstream name \"u\" (first at line 1)",
		      FILE_NAME ":5: address: expected an IP address like 9.9.9.9, 9.9.9.9:853 or "
				"[2620:fe::fe]:853, got \"nowhere\"");
}
END_TEST

START_TEST(test_bad_value_is_not_also_reported_missing)
{
	expect_errors("[upstream u]\naddress = nowhere\ntls-name = bad_name\nca-file = /ca.pem\n",
		      FILE_NAME ":2: address: expected an IP address like 9.9.9.9, 9.9.9.9:853 or "
				"[2620:fe::fe]:853, got \"nowhere\"",
		      FILE_NAME ":3: tls-name: expected a host name like dns.quad9.net, got "
				"\"bad_name\" (only letters, digits, '-' and '.' are allowed)");
	teardown();
	expect_errors("[upstream u]\naddress = 192.0.2.1\npin-sha256 = AAAA\n",
		      FILE_NAME ":3: pin-sha256: expected the base64 of a 32-byte SHA-256 digest, "
				"got \"AAAA\" (decodes to 3 bytes)");
}
END_TEST

START_TEST(test_no_upstream_is_error)
{
	expect_errors("[server]\nlisten = 127.0.0.1\n",
		      FILE_NAME ":2: no upstream; expected at least one [upstream NAME] section");
	teardown();
	expect_errors("",
		      FILE_NAME ":1: no upstream; expected at least one [upstream NAME] section");
}
END_TEST

START_TEST(test_bad_upstream_name_is_error_and_body_skipped)
{
	expect_errors("[upstream dns/quad9]\naddress = nonsense\n" UP,
		      FILE_NAME ":1: upstream name \"dns/quad9\": expected letters, digits, '_', "
				"'.' and '-'");
	teardown();
	expect_errors("[upstream two words]\n",
		      FILE_NAME ":1: upstream name \"two words\": expected letters, digits, '_', "
				"'.' and '-'");
}
END_TEST

START_TEST(test_upstream_without_name_is_error)
{
	expect_errors("[upstream]\naddress = 192.0.2.1\n",
		      FILE_NAME ":1: [upstream] needs a name, like [upstream quad9]");
}
END_TEST

START_TEST(test_long_upstream_name_is_error)
{
	char *n63 = repeat('n', 63), *n64 = repeat('n', 64);
	struct dst_config *cfg =
		parse_ok(fmt("[upstream %s]\naddress = 192.0.2.1\ntls-name = a.b\n", n63));

	ck_assert_str_eq(cfg->upstreams[0].name, n63);
	dst_config_free(cfg);
	expect_errors(fmt("[upstream %s]\n", n64),
		      fmt(FILE_NAME
			  ":1: upstream name \"%.60s...\": expected at most 63 characters",
			  n64));
	free(n63);
	free(n64);
}
END_TEST

START_TEST(test_too_many_upstreams_is_error)
{
	char *at = many_lines("", "[upstream u%d]\naddress = 192.0.2.%d\ntls-name = a.b\n", 64, "");
	char *over =
		many_lines("", "[upstream u%d]\naddress = 192.0.2.%d\ntls-name = a.b\n", 65, "");
	struct dst_config *cfg = parse_ok(at);

	ck_assert_uint_eq(cfg->nupstreams, 64);
	ck_assert_str_eq(cfg->upstreams[63].name, "u64");
	dst_config_free(cfg);
	expect_errors(over, FILE_NAME ":193: more than 64 upstreams");
	free(at);
	free(over);
}
END_TEST

/* --- upstream selection, backoff and bootstrap ------------------------------ */

#define BOOT "[server]\nbootstrap = 192.0.2.53\n"

START_TEST(test_selection_keys_have_defaults)
{
	struct dst_config *cfg = parse_ok(UP);

	ck_assert_uint_eq(cfg->strategy, DST_CONFIG_STRATEGY_FASTEST);
	ck_assert_uint_eq(cfg->max_backoff_ms, 5 * 60 * 1000);
	ck_assert_uint_eq(cfg->nbootstrap, 0);
	ck_assert_ptr_null(cfg->upstreams[0].host);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_strategy_and_max_backoff_are_parsed)
{
	static const struct {
		const char *word;
		unsigned want;
	} words[] = {
		{"fastest", DST_CONFIG_STRATEGY_FASTEST},
		{"ordered", DST_CONFIG_STRATEGY_ORDERED},
		{"round-robin", DST_CONFIG_STRATEGY_ROUND_ROBIN},
	};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		struct dst_config *cfg = line_ok("server", fmt("strategy = %s", words[i].word));
		ck_assert_uint_eq(cfg->strategy, words[i].want);
		dst_config_free(cfg);
	}
	struct dst_config *cfg = line_ok("server", "max-backoff = 90s");
	ck_assert_uint_eq(cfg->max_backoff_ms, 90000);
	dst_config_free(cfg);
	expect_line_error("server", "strategy = random",
			  "strategy: expected fastest, ordered or round-robin, got \"random\"");
	teardown();
	expect_line_error("server", "max-backoff = 500ms",
			  "max-backoff: expected a duration from 1s to 1d, got \"500ms\"");
	teardown();
	expect_line_error("server", "max-backoff = 2d",
			  "max-backoff: expected a duration from 1s to 1d, got \"2d\"");
}
END_TEST

START_TEST(test_host_upstream_is_resolved_through_bootstrap)
{
	struct dst_config *cfg = parse_ok(BOOT "bootstrap = [2001:db8::53]:5353\n"
					       "[upstream q]\nhost = DNS.Quad9.net.\n");
	const struct dst_config_upstream *u = &cfg->upstreams[0];

	ck_assert_uint_eq(cfg->nbootstrap, 2);
	ck_assert_str_eq(cfg->bootstrap[0].text, "192.0.2.53:53");
	ck_assert_str_eq(cfg->bootstrap[1].text, "[2001:db8::53]:5353");
	ck_assert_str_eq(u->host, "dns.quad9.net");
	ck_assert_uint_eq(u->host_port, 853);
	ck_assert_uint_eq(u->naddrs, 0);
	/* tls-name defaults to the host name. */
	ck_assert_str_eq(u->tls_name, "dns.quad9.net");
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_host_takes_a_port_and_keeps_an_explicit_tls_name)
{
	struct dst_config *cfg = parse_ok(BOOT "[upstream q]\nhost = dot.example:8853\n"
					       "address = 192.0.2.9\ntls-name = other.example\n"
					       "ca-file = /etc/ca.pem\n");
	const struct dst_config_upstream *u = &cfg->upstreams[0];

	ck_assert_str_eq(u->host, "dot.example");
	ck_assert_uint_eq(u->host_port, 8853);
	ck_assert_uint_eq(u->naddrs, 1);
	ck_assert_str_eq(u->tls_name, "other.example");
	dst_config_free(cfg);
	/* Pins alone with a host: the name is still checked (tls-name defaults to it). */
	cfg = parse_ok(BOOT "[upstream q]\nhost = dot.example\npin-sha256 = " PIN_A "\n");
	ck_assert_str_eq(cfg->upstreams[0].tls_name, "dot.example");
	ck_assert_uint_eq(cfg->upstreams[0].npins, 1);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_bad_hosts_are_errors)
{
	expect_errors(BOOT "[upstream q]\nhost = dot.example:0\n",
		      FILE_NAME ":4: host: expected a port from 1 to 65535, got \"dot.example:0\"");
	teardown();
	expect_errors(BOOT "[upstream q]\nhost = dot.example:853x\n", FILE_NAME
		      ":4: host: expected a port from 1 to 65535, got \"dot.example:853x\"");
	teardown();
	expect_errors(BOOT "[upstream q]\nhost = 9.9.9.9\n",
		      FILE_NAME ":4: host: expected a host name like dns.quad9.net, or "
				"dns.quad9.net:853, got \"9.9.9.9\" (an IP address belongs in "
				"address =)");
	teardown();
	expect_errors(BOOT "[upstream q]\nhost = dot_example\n",
		      FILE_NAME ":4: host: expected a host name like dns.quad9.net, or "
				"dns.quad9.net:853, got \"dot_example\" (only letters, digits, '-' "
				"and '.' are allowed)");
}
END_TEST

START_TEST(test_host_needs_bootstrap)
{
	expect_errors("[upstream q]\nhost = dns.quad9.net\n",
		      FILE_NAME ":1: [upstream q] has a host but [server] has no bootstrap server "
				"to resolve it; expected bootstrap = IP[:PORT]");
}
END_TEST

START_TEST(test_upstream_needs_address_or_host)
{
	expect_errors(BOOT "[upstream q]\ntls-name = dns.quad9.net\n",
		      FILE_NAME ":3: [upstream q] needs an address or a host");
}
END_TEST

START_TEST(test_bootstrap_must_not_be_dotstub_itself)
{
	/* The default listeners are 127.0.0.1:53 and [::1]:53. */
	expect_errors("[server]\nbootstrap = 127.0.0.1\n" UP,
		      FILE_NAME ":2: bootstrap: 127.0.0.1:53 is dotstub's own listen address "
				"127.0.0.1:53; expected another DNS server");
	teardown();
	/* A wildcard listener is every address on its port. */
	expect_errors("[server]\nlisten = 0.0.0.0:5353\nbootstrap = 192.0.2.1:5353\n" UP,
		      FILE_NAME ":3: bootstrap: 192.0.2.1:5353 is dotstub's own listen address "
				"0.0.0.0:5353; expected another DNS server");
	teardown();
	struct dst_config *cfg = parse_ok("[server]\nlisten = 127.0.0.1:5353\n"
					  "bootstrap = 127.0.0.1:53\nbootstrap = [::1]:5353\n" UP);
	ck_assert_uint_eq(cfg->nbootstrap, 2);
	dst_config_free(cfg);
}
END_TEST

/* ------------------------------------------------------------------ */
/* One TCase each, added to the "config" Suite by check_config.c       */
/* ------------------------------------------------------------------ */

TCase *config_tcase_authentication(void)
{
	TCase *tc = tcase("authentication");

	tcase_add_test(tc, test_tls_name_is_lowercased_without_trailing_dot);
	tcase_add_test(tc, test_bad_tls_name_is_error);
	tcase_add_test(tc, test_longest_tls_name_is_valid);
	tcase_add_test(tc, test_pins_only_upstream_is_valid);
	tcase_add_test(tc, test_pin_with_wrong_length_is_error);
	tcase_add_test(tc, test_pin_that_is_not_base64_is_error);
	tcase_add_test(tc, test_duplicate_pin_is_error);
	tcase_add_test(tc, test_relative_ca_file_is_error);
	tcase_add_test(tc, test_ca_file_without_tls_name_is_error);
	return tc;
}

TCase *config_tcase_upstream_sections(void)
{
	TCase *tc = tcase("upstream sections");

	tcase_add_test(tc, test_missing_upstream_auth_is_error);
	tcase_add_test(tc, test_upstream_without_address_is_error);
	tcase_add_test(tc, test_empty_upstream_reports_both_problems_at_its_header);
	tcase_add_test(tc, test_duplicate_upstream_name_is_error);
	tcase_add_test(tc, test_duplicate_upstream_body_is_still_checked);
	tcase_add_test(tc, test_bad_value_is_not_also_reported_missing);
	tcase_add_test(tc, test_no_upstream_is_error);
	tcase_add_test(tc, test_bad_upstream_name_is_error_and_body_skipped);
	tcase_add_test(tc, test_upstream_without_name_is_error);
	tcase_add_test(tc, test_long_upstream_name_is_error);
	tcase_add_test(tc, test_too_many_upstreams_is_error);
	return tc;
}

TCase *config_tcase_selection_and_bootstrap(void)
{
	TCase *tc = tcase("selection and bootstrap");

	tcase_add_test(tc, test_selection_keys_have_defaults);
	tcase_add_test(tc, test_strategy_and_max_backoff_are_parsed);
	tcase_add_test(tc, test_host_upstream_is_resolved_through_bootstrap);
	tcase_add_test(tc, test_host_takes_a_port_and_keeps_an_explicit_tls_name);
	tcase_add_test(tc, test_bad_hosts_are_errors);
	tcase_add_test(tc, test_host_needs_bootstrap);
	tcase_add_test(tc, test_upstream_needs_address_or_host);
	tcase_add_test(tc, test_bootstrap_must_not_be_dotstub_itself);
	return tc;
}
