/*
 * config/ unit tests for the value types: durations, sizes and TTLs, and
 * listen and upstream addresses with their list limits. Part of check_config.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "tests/unit/config_test_util.h"

/* --- durations and sizes -------------------------------------------------- */

START_TEST(test_duration_suffixes_parse)
{
	static const struct {
		const char *text;
		uint32_t ms;
	} cases[] = {
		{"250ms", 250}, {"4s", 4000}, {"4", 4000}, {"2m", 120000},     {"1h", 3600000},
		{"3S", 3000},   {"7MS", 7},   {"1ms", 1},  {"0060m", 3600000},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct dst_config *cfg =
			line_ok("server", fmt("query-timeout = %s", cases[i].text));

		ck_assert_msg(cfg->query_timeout_ms == cases[i].ms, "%s gave %u ms", cases[i].text,
			      cfg->query_timeout_ms);
		dst_config_free(cfg);
	}
}
END_TEST

START_TEST(test_cache_policy_keys_parse_and_default)
{
	struct dst_config *cfg = parse_ok(UP);

	ck_assert_uint_eq(cfg->cache_negative_max_ttl, 3600);
	ck_assert_uint_eq(cfg->cache_servfail_ttl, 5);
	ck_assert_uint_eq(cfg->cache_serve_stale_ms, 86400000);
	ck_assert_uint_eq(cfg->cache_stale_timeout_ms, 1800);
	ck_assert(cfg->cache_prefetch);
	dst_config_free(cfg);

	cfg = parse_ok("[cache]\nnegative-max-ttl = 10m\nservfail-ttl = 30s\nserve-stale = 0\n"
		       "stale-answer-timeout = 500ms\nprefetch = no\n" UP);
	ck_assert_uint_eq(cfg->cache_negative_max_ttl, 600);
	ck_assert_uint_eq(cfg->cache_servfail_ttl, 30);
	ck_assert_uint_eq(cfg->cache_serve_stale_ms, 0);
	ck_assert_uint_eq(cfg->cache_stale_timeout_ms, 500);
	ck_assert(!cfg->cache_prefetch);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_servfail_ttl_over_five_minutes_is_error)
{
	expect_line_error("cache", "servfail-ttl = 6m",
			  "servfail-ttl: expected a duration from 0 to 5m, got \"6m\"");
}
END_TEST

START_TEST(test_ttls_are_stored_in_seconds)
{
	struct dst_config *cfg = parse_ok("[cache]\nmin-ttl = 2m\nmax-ttl = 2d\n" UP);

	ck_assert_uint_eq(cfg->cache_min_ttl, 120);
	ck_assert_uint_eq(cfg->cache_max_ttl, 172800);
	dst_config_free(cfg);
	cfg = line_ok("cache", "max-ttl = 2147483647");
	ck_assert_uint_eq(cfg->cache_max_ttl, 2147483647u);
	dst_config_free(cfg);
	cfg = line_ok("cache", "max-ttl = 2000ms");
	ck_assert_uint_eq(cfg->cache_max_ttl, 2);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_bad_duration_is_error_with_example)
{
	static const char *const bad[] = {"fast", "-1s", "4 s", "1.5s", "4sec", "s", "4w", "0x10"};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		expect_line_error("server", fmt("query-timeout = %s", bad[i]),
				  fmt("query-timeout: expected a duration like 4s, 500ms, 2m, "
				      "got \"%s\"",
				      bad[i]));
		teardown();
	}
}
END_TEST

START_TEST(test_timeout_out_of_range_is_error)
{
	static const char *const bad[] = {"0", "0ms", "61m", "3600001ms", "2h", "1d"};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		expect_line_error("server", fmt("tcp-idle-timeout = %s", bad[i]),
				  fmt("tcp-idle-timeout: expected a duration from 1ms to 1h, "
				      "got \"%s\"",
				      bad[i]));
		teardown();
	}
}
END_TEST

START_TEST(test_duration_overflow_is_error)
{
	expect_line_error("server", "query-timeout = 99999999999999999999",
			  "query-timeout: expected a duration from 1ms to 1h, "
			  "got \"99999999999999999999\"");
	teardown();
	/* Fits 64 bits as a number, overflows once multiplied by a day. */
	expect_line_error("cache", "max-ttl = 18446744073709551d",
			  "max-ttl: expected a duration from 0 to 2147483647s, "
			  "got \"18446744073709551d\"");
	teardown();
	expect_line_error("cache", "max-ttl = 2147483648",
			  "max-ttl: expected a duration from 0 to 2147483647s, got \"2147483648\"");
}
END_TEST

START_TEST(test_ttl_with_milliseconds_is_error)
{
	expect_line_error("cache", "min-ttl = 1500ms",
			  "min-ttl: expected whole seconds, got \"1500ms\"");
}
END_TEST

START_TEST(test_max_ttl_below_min_ttl_is_error)
{
	expect_errors("[cache]\nmin-ttl = 1h\nmax-ttl = 30m\n" UP,
		      FILE_NAME ":3: max-ttl (30m) is less than min-ttl (1h)");
	teardown();
	expect_errors("[cache]\nmax-ttl = 30m\nmin-ttl = 1h\n" UP,
		      FILE_NAME ":3: max-ttl (30m) is less than min-ttl (1h)");
	teardown();
	expect_errors("[cache]\nmin-ttl = 2d\n" UP,
		      FILE_NAME ":2: max-ttl (1d, the default) is less than min-ttl (2d)");
}
END_TEST

START_TEST(test_equal_min_and_max_ttl_is_valid)
{
	struct dst_config *cfg = parse_ok("[cache]\nmin-ttl = 1d\n" UP);

	ck_assert_uint_eq(cfg->cache_min_ttl, 86400);
	ck_assert_uint_eq(cfg->cache_max_ttl, 86400);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_size_suffixes_parse)
{
	static const struct {
		const char *text;
		uint64_t bytes;
	} cases[] = {
		{"0", 0},
		{"512", 512},
		{"512k", 512 << 10},
		{"16m", 16 << 20},
		{"16M", 16 << 20},
		{"1g", 1ULL << 30},
		{"1024g", 1ULL << 40},
		{"1048576k", 1ULL << 30},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct dst_config *cfg = line_ok("cache", fmt("size = %s", cases[i].text));

		ck_assert_msg(cfg->cache_size == cases[i].bytes, "%s gave %llu", cases[i].text,
			      (unsigned long long)cfg->cache_size);
		dst_config_free(cfg);
	}
}
END_TEST

START_TEST(test_bad_size_is_error)
{
	static const char *const bad[] = {"big", "16mb", "16 m", "1.5m", "-1", "16t", "m", "16mi"};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		expect_line_error(
			"cache", fmt("size = %s", bad[i]),
			fmt("size: expected a size like 16m, 512k, 1g or 0, got \"%s\"", bad[i]));
		teardown();
	}
}
END_TEST

START_TEST(test_size_overflow_and_limit_are_errors)
{
	static const char *const bad[] = {"1025g", "18446744073709551615", "18446744073709551616",
					  "17179869184g"};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		expect_line_error("cache", fmt("size = %s", bad[i]),
				  fmt("size: expected a size from 0 to 1024g, got \"%s\"", bad[i]));
		teardown();
	}
}
END_TEST

/* --- addresses ------------------------------------------------------------ */

START_TEST(test_listen_address_forms)
{
	static const struct {
		const char *in, *text;
	} cases[] = {
		{"127.0.0.1", "127.0.0.1:53"},
		{"127.0.0.1:5353", "127.0.0.1:5353"},
		{"[::1]", "[::1]:53"},
		{"[::1]:5353", "[::1]:5353"},
		{"::1", "[::1]:53"},
		{"2620:fe::fe", "[2620:fe::fe]:53"},
		{"[2620:00FE:0:0::00fe]:65535", "[2620:fe::fe]:65535"},
		{"::ffff:192.0.2.1", "[::ffff:192.0.2.1]:53"},
		{"10.0.0.1:053", "10.0.0.1:53"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct dst_config *cfg = line_ok("server", fmt("listen = %s", cases[i].in));

		ck_assert_uint_eq(cfg->nlisten, 1);
		ck_assert_str_eq(cfg->listen[0].text, cases[i].text);
		dst_config_free(cfg);
	}
}
END_TEST

START_TEST(test_addresses_fill_the_sockaddr)
{
	struct dst_config *cfg = parse_ok("[server]\nlisten = 192.0.2.7:5300\nlisten = ::1\n" UP);
	struct sockaddr_in *sin = (struct sockaddr_in *)&cfg->listen[0].ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&cfg->listen[1].ss;
	struct in_addr a4;

	inet_pton(AF_INET, "192.0.2.7", &a4);
	ck_assert_int_eq(sin->sin_family, AF_INET);
	ck_assert_uint_eq(ntohs(sin->sin_port), 5300);
	ck_assert_uint_eq(sin->sin_addr.s_addr, a4.s_addr);
	ck_assert_uint_eq(cfg->listen[0].len, sizeof(struct sockaddr_in));
	ck_assert_int_eq(sin6->sin6_family, AF_INET6);
	ck_assert_uint_eq(ntohs(sin6->sin6_port), 53);
	ck_assert(IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));
	ck_assert_uint_eq(cfg->listen[1].len, sizeof(struct sockaddr_in6));
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_upstream_address_defaults_to_the_dot_port)
{
	struct dst_config *cfg = parse_ok("[upstream u]\n"
					  "address = 9.9.9.9\n"
					  "address = 2620:fe::fe\n"
					  "address = [2620:fe::9]\n"
					  "address = 149.112.112.112:8853\n"
					  "address = [2620:fe::10]:443\n"
					  "tls-name = dns.quad9.net\n");
	struct dst_config_upstream *u = &cfg->upstreams[0];
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&u->addrs[1].ss;

	ck_assert_uint_eq(u->naddrs, 5);
	ck_assert_str_eq(u->addrs[0].text, "9.9.9.9:853");
	ck_assert_str_eq(u->addrs[1].text, "[2620:fe::fe]:853");
	ck_assert_str_eq(u->addrs[2].text, "[2620:fe::9]:853");
	ck_assert_str_eq(u->addrs[3].text, "149.112.112.112:8853");
	ck_assert_str_eq(u->addrs[4].text, "[2620:fe::10]:443");
	ck_assert_uint_eq(ntohs(sin6->sin6_port), 853);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_port_zero_or_too_large_is_error)
{
	static const char *const bad[] = {"127.0.0.1:0", "127.0.0.1:65536", "[::1]:0",
					  "[::1]:99999999999999999999999"};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		expect_line_error(
			"server", fmt("listen = %s", bad[i]),
			fmt("listen: expected a port from 1 to 65535, got \"%s\"", bad[i]));
		teardown();
	}
	expect_line_error("upstream", "address = 9.9.9.9:0",
			  "address: expected a port from 1 to 65535, got \"9.9.9.9:0\"");
}
END_TEST

START_TEST(test_bad_address_forms_are_errors)
{
	static const char *const bad[] = {
		"1.2.3",        "256.1.1.1",   "[1.2.3.4]:853", "[::1",           "::1]:853",
		"1.2.3.4:",     "1.2.3.4:8x",  "[::1]x",        "[::1]:",         "dns.quad9.net",
		"fe80::1%eth0", "1.2.3.4:+53", "1.2.3.4:-1",    "[]:853",         "[[::1]]",
		":853",         "127.1",       "1.2.3.4 :853",  "2620:fe::fe::1",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		expect_line_error(
			"upstream", fmt("address = %s", bad[i]),
			fmt("address: expected an IP address like 9.9.9.9, 9.9.9.9:853 or "
			    "[2620:fe::fe]:853, got \"%s\"",
			    bad[i]));
		teardown();
	}
}
END_TEST

START_TEST(test_duplicate_address_is_error)
{
	expect_errors("[server]\nlisten = 127.0.0.1\nlisten = 127.0.0.1:53\n" UP,
		      FILE_NAME ":3: listen: 127.0.0.1:53 is listed twice");
	teardown();
	expect_errors("[server]\nlisten = ::1\nlisten = [0::1]:53\n" UP,
		      FILE_NAME ":3: listen: [::1]:53 is listed twice");
	teardown();
	expect_errors("[upstream u]\naddress = 9.9.9.9\naddress = 9.9.9.9:853\ntls-name = a.b\n",
		      FILE_NAME ":3: address: 9.9.9.9:853 is listed twice");
}
END_TEST

START_TEST(test_same_address_on_other_port_is_not_duplicate)
{
	struct dst_config *cfg =
		parse_ok("[server]\nlisten = 127.0.0.1\nlisten = 127.0.0.1:5353\n" UP);

	ck_assert_uint_eq(cfg->nlisten, 2);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_list_limits_are_errors)
{
	char *at = many_lines("[server]\n", "listen = 127.0.0.1:%d\n", 64, UP);
	char *over = many_lines("[server]\n", "listen = 127.0.0.1:%d\n", 65, UP);
	struct dst_config *cfg = parse_ok(at);

	ck_assert_uint_eq(cfg->nlisten, 64);
	dst_config_free(cfg);
	expect_errors(over, FILE_NAME ":66: listen: more than 64 in one section");
	teardown();
	free(at);
	free(over);

	at = many_lines("[upstream u]\ntls-name = a.b\n", "address = 192.0.2.%d\n", 16, "");
	over = many_lines("[upstream u]\ntls-name = a.b\n", "address = 192.0.2.%d\n", 17, "");
	cfg = parse_ok(at);
	ck_assert_uint_eq(cfg->upstreams[0].naddrs, 16);
	dst_config_free(cfg);
	expect_errors(over, FILE_NAME ":19: address: more than 16 in one section");
	teardown();
	free(at);
	free(over);

	/* 17 different pins: 31 zero bytes and the index, in base64. */
	{
		char text[4096] = "[upstream u]\naddress = 192.0.2.1\n";
		static const char *const last4[] = {
			"AAE=", "AAI=", "AAM=", "AAQ=", "AAU=", "AAY=", "AAc=", "AAg=", "AAk=",
			"AAo=", "AAs=", "AAw=", "AA0=", "AA4=", "AA8=", "ABA=", "ABE="};

		for (size_t i = 0; i < 17; i++)
			strcat(text,
			       fmt("pin-sha256 = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%s\n",
				   last4[i]));
		expect_errors(text, FILE_NAME ":19: pin-sha256: more than 16 in one section");
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* One TCase each, added to the "config" Suite by check_config.c       */
/* ------------------------------------------------------------------ */

TCase *config_tcase_durations_and_sizes(void)
{
	TCase *tc = tcase("durations and sizes");

	tcase_add_test(tc, test_duration_suffixes_parse);
	tcase_add_test(tc, test_ttls_are_stored_in_seconds);
	tcase_add_test(tc, test_cache_policy_keys_parse_and_default);
	tcase_add_test(tc, test_servfail_ttl_over_five_minutes_is_error);
	tcase_add_test(tc, test_bad_duration_is_error_with_example);
	tcase_add_test(tc, test_timeout_out_of_range_is_error);
	tcase_add_test(tc, test_duration_overflow_is_error);
	tcase_add_test(tc, test_ttl_with_milliseconds_is_error);
	tcase_add_test(tc, test_max_ttl_below_min_ttl_is_error);
	tcase_add_test(tc, test_equal_min_and_max_ttl_is_valid);
	tcase_add_test(tc, test_size_suffixes_parse);
	tcase_add_test(tc, test_bad_size_is_error);
	tcase_add_test(tc, test_size_overflow_and_limit_are_errors);
	return tc;
}

TCase *config_tcase_addresses(void)
{
	TCase *tc = tcase("addresses");

	tcase_add_test(tc, test_listen_address_forms);
	tcase_add_test(tc, test_addresses_fill_the_sockaddr);
	tcase_add_test(tc, test_upstream_address_defaults_to_the_dot_port);
	tcase_add_test(tc, test_port_zero_or_too_large_is_error);
	tcase_add_test(tc, test_bad_address_forms_are_errors);
	tcase_add_test(tc, test_duplicate_address_is_error);
	tcase_add_test(tc, test_same_address_on_other_port_is_not_duplicate);
	tcase_add_test(tc, test_list_limits_are_errors);
	return tc;
}
