/*
 * config/ unit tests for the [server] keys of the query policy (issue 14):
 * blocklist and allowlist files (repeatable absolute paths) and
 * block-answer; local-zones, hosts and hosts-ttl; their defaults, errors
 * and effective-configuration lines.
 * Part of check_config.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "tests/unit/config_test_util.h"

START_TEST(test_list_keys_are_parsed_in_file_order)
{
	struct dst_config *cfg = parse_ok("[server]\n"
					  "blocklist = /etc/dotstub/ads.txt\n"
					  "allowlist = /etc/dotstub/allow.txt\n"
					  "blocklist = /var/lib/dotstub/hosts\n"
					  "block-answer = null\n" UP);

	ck_assert_uint_eq(cfg->nblocklist, 2);
	ck_assert_str_eq(cfg->blocklist[0], "/etc/dotstub/ads.txt");
	ck_assert_str_eq(cfg->blocklist[1], "/var/lib/dotstub/hosts");
	ck_assert_uint_eq(cfg->nallowlist, 1);
	ck_assert_str_eq(cfg->allowlist[0], "/etc/dotstub/allow.txt");
	ck_assert_uint_eq(cfg->block_answer, DST_CONFIG_BLOCK_NULL);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_list_keys_default_to_none_and_nxdomain)
{
	struct dst_config *cfg = parse_ok("[server]\nlisten = 127.0.0.1\n" UP);
	struct dst_config *def = NULL;

	ck_assert_uint_eq(cfg->nblocklist, 0);
	ck_assert_ptr_null(cfg->blocklist);
	ck_assert_uint_eq(cfg->nallowlist, 0);
	ck_assert_ptr_null(cfg->allowlist);
	ck_assert_uint_eq(cfg->block_answer, DST_CONFIG_BLOCK_NXDOMAIN);
	ck_assert_int_eq(dst_config_default(&def), 0);
	ck_assert_uint_eq(def->nblocklist, 0);
	ck_assert_uint_eq(def->block_answer, DST_CONFIG_BLOCK_NXDOMAIN);
	dst_config_free(def);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_each_block_answer_is_accepted)
{
	static const struct {
		const char *word;
		uint8_t value;
	} cases[] = {{"nxdomain", DST_CONFIG_BLOCK_NXDOMAIN},
		     {"null", DST_CONFIG_BLOCK_NULL},
		     {"refuse", DST_CONFIG_BLOCK_REFUSE}};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct dst_config *cfg = line_ok("server", fmt("block-answer = %s", cases[i].word));

		ck_assert_uint_eq(cfg->block_answer, cases[i].value);
		dst_config_free(cfg);
	}
}
END_TEST

START_TEST(test_bad_list_values_are_errors)
{
	expect_line_error("server", "blocklist = ads.txt",
			  "blocklist: expected a file path like /etc/dotstub/ads.txt, got "
			  "\"ads.txt\" (not an absolute path)");
	teardown();
	expect_line_error("server", "allowlist = ./allow.txt",
			  "allowlist: expected a file path like /etc/dotstub/allow.txt, got "
			  "\"./allow.txt\" (not an absolute path)");
	teardown();
	expect_line_error("server", "block-answer = drop",
			  "block-answer: expected nxdomain, null or refuse, got \"drop\"");
	teardown();
	expect_line_error("server", "block-answer = NXDOMAIN",
			  "block-answer: expected nxdomain, null or refuse, got \"NXDOMAIN\"");
	teardown();
	expect_errors("[server]\nblocklist = /a\nallowlist = /a\nblocklist = /a\n" UP,
		      FILE_NAME ":4: blocklist: /a is listed twice");
}
END_TEST

START_TEST(test_more_than_64_lists_is_an_error)
{
	char *text = many_lines("[server]\n", "blocklist = /lists/%d-%d.txt\n", 65, UP);

	expect_errors(text, FILE_NAME ":66: blocklist: more than 64 in one section");
	free(text);
	teardown();
	text = many_lines("[server]\n", "blocklist = /lists/%d-%d.txt\n", 64, UP);
	struct dst_config *cfg = parse_ok(text);
	ck_assert_uint_eq(cfg->nblocklist, 64);
	ck_assert_str_eq(cfg->blocklist[63], "/lists/64-64.txt");
	dst_config_free(cfg);
	free(text);
}
END_TEST

/* The effective configuration shows every list file with its line, and the defaults. */
static char *printed;
static size_t printed_len;

static void print_line(void *arg, const char *line)
{
	size_t n = strlen(line);

	(void)arg;
	printed = realloc(printed, printed_len + n + 2);
	ck_assert_ptr_nonnull(printed);
	memcpy(printed + printed_len, line, n);
	printed_len += n;
	printed[printed_len++] = '\n';
	printed[printed_len] = '\0';
}

static const char *print_cfg(const struct dst_config *cfg)
{
	free(printed);
	printed = NULL;
	printed_len = 0;
	ck_assert_int_eq(dst_config_print(cfg, print_line, NULL), 0);
	return printed;
}

START_TEST(test_lists_print_one_line_each_and_parse_back)
{
	struct dst_config *cfg = parse_ok("[server]\n"
					  "blocklist = /etc/dotstub/ads.txt\n"
					  "blocklist = /etc/dotstub/hosts\n"
					  "allowlist = /etc/dotstub/allow.txt\n"
					  "block-answer = refuse\n" UP);
	struct dst_config *again = NULL, *def = NULL;
	const char *text = print_cfg(cfg);
	char *copy = strdup(text);

	ck_assert_ptr_nonnull(strstr(text, "blocklist = /etc/dotstub/ads.txt "));
	ck_assert_ptr_nonnull(strstr(text, "# " FILE_NAME ":2\nblocklist = /etc/dotstub/hosts "));
	ck_assert_ptr_nonnull(
		strstr(text, "# " FILE_NAME ":3\nallowlist = /etc/dotstub/allow.txt"));
	ck_assert_ptr_nonnull(strstr(text, "# " FILE_NAME ":4\nblock-answer = refuse "));
	ck_assert_int_eq(
		dst_config_parse("printed.conf", copy, strlen(copy), &again, collect, NULL), 0);
	ck_assert_uint_eq(again->nblocklist, 2);
	ck_assert_str_eq(again->blocklist[1], "/etc/dotstub/hosts");
	ck_assert_uint_eq(again->nallowlist, 1);
	ck_assert_str_eq(again->allowlist[0], "/etc/dotstub/allow.txt");
	ck_assert_uint_eq(again->block_answer, DST_CONFIG_BLOCK_REFUSE);
	ck_assert_int_eq(dst_config_default(&def), 0);
	text = print_cfg(def);
	ck_assert_ptr_nonnull(strstr(text, "# blocklist = (none)"));
	ck_assert_ptr_nonnull(strstr(text, "# allowlist = (none)"));
	ck_assert_ptr_nonnull(strstr(text, "block-answer = nxdomain "));
	free(printed);
	printed = NULL;
	free(copy);
	dst_config_free(def);
	dst_config_free(again);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_local_zones_and_hosts_keys)
{
	struct dst_config *cfg = parse_ok("[server]\n"
					  "local-zones = no\n"
					  "hosts = /etc/hosts\n"
					  "hosts = /etc/hosts.lan\n"
					  "hosts-ttl = 1m\n" UP);
	struct dst_config *def = NULL, *again = NULL;

	ck_assert(!cfg->local_zones);
	ck_assert_uint_eq(cfg->nhosts, 2);
	ck_assert_str_eq(cfg->hosts[1], "/etc/hosts.lan");
	ck_assert_uint_eq(cfg->hosts_ttl, 60);
	const char *text = print_cfg(cfg);
	char *copy = strdup(text);
	ck_assert_ptr_nonnull(strstr(text, "# " FILE_NAME ":3\nhosts = /etc/hosts.lan"));
	ck_assert_int_eq(
		dst_config_parse("printed.conf", copy, strlen(copy), &again, collect, NULL), 0);
	ck_assert_uint_eq(again->nhosts, 2);
	ck_assert_uint_eq(again->hosts_ttl, 60);
	ck_assert(!again->local_zones);
	free(printed);
	printed = NULL;
	free(copy);
	/* Defaults: the local zones on, no hosts file, 5 s. */
	ck_assert_int_eq(dst_config_default(&def), 0);
	ck_assert(def->local_zones);
	ck_assert_uint_eq(def->nhosts, 0);
	ck_assert_uint_eq(def->hosts_ttl, 5);
	dst_config_free(def);
	dst_config_free(again);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_bad_hosts_values_are_errors)
{
	expect_line_error("server", "hosts = etc/hosts",
			  "hosts: expected a path like /etc/hosts, got \"etc/hosts\" (not an "
			  "absolute path)");
	teardown();
	expect_line_error("server", "local-zones = maybe",
			  "local-zones: expected yes or no, got \"maybe\"");
	teardown();
	expect_errors("[server]\nhosts = /etc/hosts\nhosts = /etc/hosts\n" UP,
		      FILE_NAME ":3: hosts: /etc/hosts is listed twice");
}
END_TEST

TCase *config_tcase_policy(void)
{
	TCase *tc = tcase("policy");

	tcase_add_test(tc, test_list_keys_are_parsed_in_file_order);
	tcase_add_test(tc, test_list_keys_default_to_none_and_nxdomain);
	tcase_add_test(tc, test_each_block_answer_is_accepted);
	tcase_add_test(tc, test_bad_list_values_are_errors);
	tcase_add_test(tc, test_more_than_64_lists_is_an_error);
	tcase_add_test(tc, test_lists_print_one_line_each_and_parse_back);
	tcase_add_test(tc, test_local_zones_and_hosts_keys);
	tcase_add_test(tc, test_bad_hosts_values_are_errors);
	return tc;
}
