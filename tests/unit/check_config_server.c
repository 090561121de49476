/*
 * config/ unit tests for the [server] keys that harden and operate the
 * daemon: access control, rate limits, counts, user and chroot, the control
 * socket, metrics and logging. Part of check_config.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "tests/unit/config_test_util.h"

/* --- access control, limits, privileges ----------------------------------- */

START_TEST(test_hardening_keys_are_parsed)
{
	struct dst_config *cfg = parse_ok("[server]\n"
					  "allow = 192.168.0.0/16\n"
					  "deny = 192.168.66.0/24\n"
					  "ratelimit = 50/s\n"
					  "ratelimit-action = truncate\n"
					  "max-tcp-clients = 64\n"
					  "max-tcp-pipeline = 10\n"
					  "max-pending = 1000\n"
					  "user = dotstub\n"
					  "chroot = /var/lib/dotstub\n"
					  "ecs = pass\n"
					  "[upstream u]\n"
					  "address = 192.0.2.1\n"
					  "tls-name = dns.example\n"
					  "max-connections = 4\n"
					  "max-inflight = 500\n"
					  "idle-timeout = 30s\n");
	struct dst_config_upstream *u = &cfg->upstreams[0];

	ck_assert_uint_eq(cfg->nacl, 2);
	ck_assert_str_eq(cfg->acl[0].text, "192.168.0.0/16");
	ck_assert(!cfg->acl[0].deny);
	ck_assert_str_eq(cfg->acl[1].text, "192.168.66.0/24");
	ck_assert(cfg->acl[1].deny);
	ck_assert_uint_eq(cfg->ratelimit, 50);
	ck_assert_uint_eq(cfg->ratelimit_action, DST_CONFIG_RL_TRUNCATE);
	ck_assert_uint_eq(cfg->max_tcp_clients, 64);
	ck_assert_uint_eq(cfg->max_tcp_pipeline, 10);
	ck_assert_uint_eq(cfg->max_pending, 1000);
	ck_assert_str_eq(cfg->user, "dotstub");
	ck_assert_str_eq(cfg->chroot, "/var/lib/dotstub");
	ck_assert_uint_eq(cfg->ecs, DST_CONFIG_ECS_PASS);
	ck_assert_uint_eq(u->max_connections, 4);
	ck_assert_uint_eq(u->max_inflight, 500);
	ck_assert_uint_eq(u->idle_timeout_ms, 30000);
	dst_config_free(cfg);
}
END_TEST

static void ck_hardening_defaults(const struct dst_config *cfg)
{
	ck_assert_uint_eq(cfg->nacl, 0);
	ck_assert_ptr_null(cfg->acl);
	ck_assert_uint_eq(cfg->ratelimit, 0);
	ck_assert_uint_eq(cfg->ratelimit_action, DST_CONFIG_RL_DROP);
	ck_assert_uint_eq(cfg->max_tcp_clients, 256);
	ck_assert_uint_eq(cfg->max_tcp_pipeline, 100);
	ck_assert_uint_eq(cfg->max_pending, 4096);
	ck_assert_ptr_null(cfg->user);
	ck_assert_ptr_null(cfg->chroot);
	ck_assert_uint_eq(cfg->ecs, DST_CONFIG_ECS_STRIP);
	for (size_t i = 0; i < cfg->nupstreams; i++) {
		ck_assert_uint_eq(cfg->upstreams[i].max_connections, 2);
		ck_assert_uint_eq(cfg->upstreams[i].max_inflight, 128);
		ck_assert_uint_eq(cfg->upstreams[i].idle_timeout_ms, 10000);
	}
}

START_TEST(test_hardening_keys_get_defaults)
{
	struct dst_config *cfg = parse_ok("[server]\nlisten = 127.0.0.1\n" UP UP_B);

	ck_assert_uint_eq(cfg->nupstreams, 2);
	ck_hardening_defaults(cfg);
	dst_config_free(cfg);
	ck_assert_int_eq(dst_config_default(&cfg), 0);
	ck_hardening_defaults(cfg);
	dst_config_free(cfg);
}
END_TEST

/* A network as given, and as stored. */
static const struct {
	const char *in, *text;
	bool v6;
	unsigned prefix;
} nets[] = {
	{"10.0.0.0/8", "10.0.0.0/8", false, 8},
	{"192.168.1.77/24", "192.168.1.0/24", false, 24}, /* host bits are cleared */
	{"172.16.255.255/12", "172.16.0.0/12", false, 12},
	{"127.0.0.1", "127.0.0.1/32", false, 32}, /* an address is a host */
	{"0.0.0.0/0", "0.0.0.0/0", false, 0},
	{"192.0.2.1/031", "192.0.2.0/31", false, 31},
	{"::1", "::1/128", true, 128},
	{"fd00::/8", "fd00::/8", true, 8},
	{"fdff:1:2:3::/7", "fc00::/7", true, 7},
	{"2001:DB8:1:2:3::1/64", "2001:db8:1:2::/64", true, 64},
	{"2001:db8::1:2/127", "2001:db8::1:2/127", true, 127},
	{"::ffff:192.168.0.0/112", "::ffff:192.168.0.0/112", true, 112},
	{"::/0", "::/0", true, 0},
};

START_TEST(test_allow_and_deny_take_networks_and_addresses)
{
	char text[256];
	struct dst_config *cfg;
	const char *kind = _i % 2 ? "deny" : "allow";

	snprintf(text, sizeof text, "[server]\n%s = %s\n" UP, kind, nets[_i].in);
	cfg = parse_ok(text);
	ck_assert_uint_eq(cfg->nacl, 1);
	ck_assert_str_eq(cfg->acl[0].text, nets[_i].text);
	ck_assert_uint_eq(cfg->acl[0].v6, nets[_i].v6);
	ck_assert_uint_eq(cfg->acl[0].prefix, nets[_i].prefix);
	ck_assert_uint_eq(cfg->acl[0].deny, _i % 2);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_acl_lines_keep_file_order_and_clear_host_bits)
{
	static const uint8_t net[4] = {192, 168, 1, 0}, zero[16] = {0};
	struct dst_config *cfg = parse_ok("[server]\n"
					  "deny = 192.168.1.9/24\n"
					  "allow = 192.168.0.0/16\n"
					  "allow = ::/0\n"
					  "deny = 192.168.0.0/16\n" UP);

	ck_assert_uint_eq(cfg->nacl, 4);
	ck_assert(cfg->acl[0].deny);
	ck_assert_mem_eq(cfg->acl[0].addr, net, 4);
	ck_assert_mem_eq(cfg->acl[0].addr + 4, zero, 12);
	ck_assert(!cfg->acl[1].deny);
	ck_assert(!cfg->acl[2].deny && cfg->acl[2].v6);
	ck_assert_mem_eq(cfg->acl[2].addr, zero, 16);
	/* The same network allowed and denied is valid: deny wins (resolver/acl.h). */
	ck_assert(cfg->acl[3].deny);
	ck_assert_str_eq(cfg->acl[3].text, cfg->acl[1].text);
	dst_config_free(cfg);
}
END_TEST

#define NET_EXPECT "a network like 192.168.0.0/16 or fd00::/8, or an address"

START_TEST(test_bad_networks_are_errors)
{
	static const char *const bad[] = {
		"10.0.0/8",  "10.0.0.0/",    "10.0.0.0/x",   "10.0.0.0/8/8",
		"[::1]/128", "fe80::1%eth0", "host.example", "10.0.0.0/-1",
		"/8",        "10.0.0.0 /8",  "10.0.0.0/1 6",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		expect_line_error("server", fmt("allow = %s", bad[i]),
				  fmt("allow: expected " NET_EXPECT ", got \"%s\"", bad[i]));
		teardown();
	}
	expect_line_error("server", "allow = 10.0.0.0/33",
			  "allow: expected a prefix length from 0 to 32, got \"10.0.0.0/33\"");
	teardown();
	expect_line_error("server", "deny = ::/129",
			  "deny: expected a prefix length from 0 to 128, got \"::/129\"");
	teardown();
	expect_line_error("server", "deny = ::/0128",
			  "deny: expected a prefix length from 0 to 128, got \"::/0128\"");
}
END_TEST

START_TEST(test_duplicate_network_is_error)
{
	expect_errors("[server]\nallow = 10.0.0.0/8\nallow = 10.9.9.9/8\n" UP,
		      FILE_NAME ":3: allow: 10.0.0.0/8 is listed twice");
	teardown();
	expect_errors("[server]\ndeny = ::1\ndeny = 0::1/128\n" UP,
		      FILE_NAME ":3: deny: ::1/128 is listed twice");
}
END_TEST

START_TEST(test_too_many_acl_lines_is_error)
{
	size_t size = 300 * 32, len = 0;
	char *text = malloc(size);

	ck_assert_ptr_nonnull(text);
	len += (size_t)snprintf(text, size, "[server]\n");
	for (int i = 0; i < 257; i++)
		len += (size_t)snprintf(text + len, size - len, "%s = 10.%d.%d.0/24\n",
					i % 2 ? "deny" : "allow", i / 256, i % 256);
	len += (size_t)snprintf(text + len, size - len, UP);
	expect_errors_len(text, len,
			  (const char *const[]){
				  FILE_NAME
				  ":258: allow: more than 256 allow and deny lines in one section"},
			  1);
	free(text);
}
END_TEST

START_TEST(test_ratelimit_takes_a_rate)
{
	static const struct {
		const char *in;
		uint32_t want;
	} ok[] = {{"20/s", 20}, {"20/S", 20}, {"20", 20}, {"0", 0}, {"1000000/s", 1000000}};

	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		struct dst_config *cfg = line_ok("server", fmt("ratelimit = %s", ok[i].in));

		ck_assert_uint_eq(cfg->ratelimit, ok[i].want);
		dst_config_free(cfg);
	}
	expect_line_error("server", "ratelimit = 20/m",
			  "ratelimit: expected a rate like 20/s, or 0 for no limit, got \"20/m\"");
	teardown();
	expect_line_error("server", "ratelimit = fast",
			  "ratelimit: expected a rate like 20/s, or 0 for no limit, got \"fast\"");
	teardown();
	expect_line_error("server", "ratelimit = 1000001/s",
			  "ratelimit: expected a rate from 0 to 1000000/s, got \"1000001/s\"");
}
END_TEST

START_TEST(test_words_must_be_one_of_the_choices)
{
	struct dst_config *cfg = line_ok("server", "ratelimit-action = drop");

	ck_assert_uint_eq(cfg->ratelimit_action, DST_CONFIG_RL_DROP);
	dst_config_free(cfg);
	cfg = line_ok("server", "ecs = strip");
	ck_assert_uint_eq(cfg->ecs, DST_CONFIG_ECS_STRIP);
	dst_config_free(cfg);
	expect_line_error("server", "ratelimit-action = Drop",
			  "ratelimit-action: expected drop or truncate, got \"Drop\"");
	teardown();
	expect_line_error("server", "ratelimit-action = refuse",
			  "ratelimit-action: expected drop or truncate, got \"refuse\"");
	teardown();
	expect_line_error("server", "ecs = on", "ecs: expected strip or pass, got \"on\"");
}
END_TEST

START_TEST(test_counts_are_checked_against_their_limits)
{
	static const struct {
		const char *section, *line, *msg;
	} bad[] = {
		{"server", "max-tcp-clients = 0",
		 "max-tcp-clients: expected a number from 1 to 65535, got \"0\""},
		{"server", "max-tcp-clients = 65536",
		 "max-tcp-clients: expected a number from 1 to 65535, got \"65536\""},
		{"server", "max-tcp-pipeline = 1k",
		 "max-tcp-pipeline: expected a number, got \"1k\""},
		{"server", "max-pending = 1048577",
		 "max-pending: expected a number from 1 to 1048576, got \"1048577\""},
		{"server", "max-pending = 99999999999999999999999",
		 "max-pending: expected a number from 1 to 1048576, got "
		 "\"99999999999999999999999\""},
		{"upstream", "max-connections = 65",
		 "max-connections: expected a number from 1 to 64, got \"65\""},
		{"upstream", "max-inflight = 0",
		 "max-inflight: expected a number from 1 to 65535, got \"0\""},
		{"upstream", "max-inflight = -1", "max-inflight: expected a number, got \"-1\""},
		{"upstream", "idle-timeout = 0",
		 "idle-timeout: expected a duration from 1ms to 1h, got \"0\""},
	};
	struct dst_config *cfg;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		expect_line_error(bad[i].section, bad[i].line, bad[i].msg);
		teardown();
	}
	cfg = line_ok("server", "max-pending = 1048576");
	ck_assert_uint_eq(cfg->max_pending, 1048576);
	dst_config_free(cfg);
	cfg = line_ok("upstream", "max-connections = 64");
	ck_assert_uint_eq(cfg->upstreams[0].max_connections, 64);
	dst_config_free(cfg);
	cfg = line_ok("upstream", "idle-timeout = 1h");
	ck_assert_uint_eq(cfg->upstreams[0].idle_timeout_ms, 3600000);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_user_and_chroot_are_checked)
{
	static const char *const good[] = {"dotstub", "_dotstub", "dns-user.1", "Dotstub_2"};
	static const struct {
		const char *line, *msg;
	} bad[] = {
		{"user = -x",
		 "user: expected a user name like dotstub, got \"-x\" (starts with '-')"},
		{"user = dot stub",
		 "user: expected a user name like dotstub, got \"dot stub\" (only letters, "
		 "digits, '_', '.' and '-' are allowed)"},
		{"user = root:0",
		 "user: expected a user name like dotstub, got \"root:0\" (only letters, "
		 "digits, '_', '.' and '-' are allowed)"},
		{"user = abcdefghijklmnopqrstuvwxyz0123456",
		 "user: expected a user name like dotstub, got "
		 "\"abcdefghijklmnopqrstuvwxyz0123456\" (longer than 32 characters)"},
		{"chroot = var/lib/dotstub",
		 "chroot: expected a directory like /var/lib/dotstub, got \"var/lib/dotstub\" "
		 "(not an absolute path)"},
	};

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		struct dst_config *cfg = line_ok("server", fmt("user = %s", good[i]));

		ck_assert_str_eq(cfg->user, good[i]);
		dst_config_free(cfg);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		expect_line_error("server", bad[i].line, bad[i].msg);
		teardown();
	}
}
END_TEST

/* --- operations: control socket, metrics, logging ------------------------ */

START_TEST(test_operations_keys_are_parsed)
{
	struct dst_config *cfg = parse_ok("[server]\n"
					  "control = /run/dotstub/control\n"
					  "metrics = 127.0.0.1:9100\n"
					  "log = syslog\n"
					  "log-level = debug\n"
					  "log-queries = yes\n" UP);

	ck_assert_str_eq(cfg->control, "/run/dotstub/control");
	ck_assert_str_eq(cfg->metrics.text, "127.0.0.1:9100");
	ck_assert_int_eq(cfg->metrics.ss.ss_family, AF_INET);
	ck_assert_uint_eq(cfg->log, DST_CONFIG_LOG_SYSLOG);
	ck_assert_uint_eq(cfg->log_level, 4);
	ck_assert(cfg->log_queries);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_operations_keys_get_defaults)
{
	struct dst_config *cfg = parse_ok(UP);

	ck_assert_ptr_null(cfg->control);
	ck_assert_uint_eq(cfg->metrics.len, 0);
	ck_assert_uint_eq(cfg->log, DST_CONFIG_LOG_STDERR);
	ck_assert_uint_eq(cfg->log_level, 2);
	ck_assert(!cfg->log_queries);
	dst_config_free(cfg);
	ck_assert_int_eq(dst_config_default(&cfg), 0);
	ck_assert_ptr_null(cfg->control);
	ck_assert_uint_eq(cfg->metrics.len, 0);
	ck_assert_uint_eq(cfg->log_level, 2);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_metrics_takes_loopback_addresses_only)
{
	struct dst_config *cfg = line_ok("server", "metrics = [::1]");

	ck_assert_str_eq(cfg->metrics.text, "[::1]:9153");
	dst_config_free(cfg);
	cfg = line_ok("server", "metrics = 127.3.4.5:80");
	ck_assert_str_eq(cfg->metrics.text, "127.3.4.5:80");
	dst_config_free(cfg);
	expect_line_error("server", "metrics = 0.0.0.0:9153",
			  "metrics: expected a loopback address like 127.0.0.1:9153 or [::1]:9153, "
			  "got \"0.0.0.0:9153\" (not a loopback address: metrics stay on this "
			  "machine)");
	teardown();
	expect_line_error("server", "metrics = ::",
			  "metrics: expected a loopback address like 127.0.0.1:9153 or [::1]:9153, "
			  "got \"::\" (not a loopback address: metrics stay on this machine)");
	teardown();
	expect_line_error("server", "metrics = 127.0.0.1:0",
			  "metrics: expected a port from 1 to 65535, got \"127.0.0.1:0\"");
	teardown();
	expect_line_error("server", "metrics = localhost:9153",
			  "metrics: expected a loopback address like 127.0.0.1:9153 or [::1]:9153, "
			  "got \"localhost:9153\"");
}
END_TEST

START_TEST(test_control_path_must_fit_a_socket_address)
{
	char *longest = repeat('c', 106), *too_long = repeat('c', 107);
	struct dst_config *cfg = line_ok("server", fmt("control = /%s", longest));

	ck_assert_uint_eq(strlen(cfg->control), 107);
	dst_config_free(cfg);
	expect_line_error("server", fmt("control = /%s", too_long),
			  fmt("control: expected a socket path like /run/dotstub/control, got "
			      "\"/%.59s...\" (longer than 107 bytes)",
			      too_long));
	teardown();
	expect_line_error("server", "control = run/control",
			  "control: expected a socket path like /run/dotstub/control, got "
			  "\"run/control\" (not an absolute path)");
	free(longest);
	free(too_long);
}
END_TEST

START_TEST(test_log_words_are_checked)
{
	expect_line_error("server", "log = journal",
			  "log: expected stderr or syslog, got \"journal\"");
	teardown();
	expect_line_error(
		"server", "log-level = verbose",
		"log-level: expected error, warning, notice, info or debug, got \"verbose\"");
	teardown();
	expect_line_error("server", "log-queries = on",
			  "log-queries: expected yes or no, got \"on\"");
}
END_TEST

START_TEST(test_state_dir_and_interval_are_parsed_with_defaults)
{
	struct dst_config *cfg = line_ok("server", "state-dir = /var/lib/dotstub");

	ck_assert_str_eq(cfg->state_dir, "/var/lib/dotstub");
	ck_assert_uint_eq(cfg->state_interval_ms, 3600000);
	dst_config_free(cfg);
	cfg = line_ok("server", "state-interval = 6h");
	ck_assert_ptr_null(cfg->state_dir);
	ck_assert_uint_eq(cfg->state_interval_ms, 6 * 3600000);
	dst_config_free(cfg);
	cfg = line_ok("server", "state-interval = 0");
	ck_assert_uint_eq(cfg->state_interval_ms, 0);
	dst_config_free(cfg);
	expect_line_error("server", "state-dir = var/lib/dotstub",
			  "state-dir: expected a directory like /var/lib/dotstub, got "
			  "\"var/lib/dotstub\" (not an absolute path)");
}
END_TEST

/* ------------------------------------------------------------------ */
/* One TCase each, added to the "config" Suite by check_config.c       */
/* ------------------------------------------------------------------ */

TCase *config_tcase_access_control_and_limits(void)
{
	TCase *tc = tcase("access control and limits");

	tcase_add_test(tc, test_hardening_keys_are_parsed);
	tcase_add_test(tc, test_hardening_keys_get_defaults);
	tcase_add_test(tc, test_state_dir_and_interval_are_parsed_with_defaults);
	tcase_add_loop_test(tc, test_allow_and_deny_take_networks_and_addresses, 0,
			    (int)(sizeof nets / sizeof nets[0]));
	tcase_add_test(tc, test_acl_lines_keep_file_order_and_clear_host_bits);
	tcase_add_test(tc, test_bad_networks_are_errors);
	tcase_add_test(tc, test_duplicate_network_is_error);
	tcase_add_test(tc, test_too_many_acl_lines_is_error);
	tcase_add_test(tc, test_ratelimit_takes_a_rate);
	tcase_add_test(tc, test_words_must_be_one_of_the_choices);
	tcase_add_test(tc, test_counts_are_checked_against_their_limits);
	tcase_add_test(tc, test_user_and_chroot_are_checked);
	return tc;
}

TCase *config_tcase_operations(void)
{
	TCase *tc = tcase("operations");

	tcase_add_test(tc, test_operations_keys_are_parsed);
	tcase_add_test(tc, test_operations_keys_get_defaults);
	tcase_add_test(tc, test_metrics_takes_loopback_addresses_only);
	tcase_add_test(tc, test_control_path_must_fit_a_socket_address);
	tcase_add_test(tc, test_log_words_are_checked);
	return tc;
}
