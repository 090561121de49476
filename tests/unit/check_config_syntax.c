/*
 * config/ unit tests for the file as a whole: valid files, the structure of
 * sections, keys and lines, hostile input, dst_config_load(), the example
 * file in docs/ and dst_config_default(). Part of check_config.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "dns/err.h"
#include "tests/unit/config_test_util.h"

/* --- valid files ---------------------------------------------------------- */

START_TEST(test_every_key_is_parsed)
{
	struct dst_config *cfg = parse_ok("[server]\n"
					  "listen = 127.0.0.1:5353\n"
					  "listen = [::1]:5353\n"
					  "query-timeout = 2500ms\n"
					  "tcp-idle-timeout = 1m\n"
					  "[cache]\n"
					  "size = 64m\n"
					  "min-ttl = 30\n"
					  "max-ttl = 2h\n"
					  "[upstream quad9]\n"
					  "address = 9.9.9.9\n"
					  "address = [2620:fe::fe]:853\n"
					  "tls-name = dns.quad9.net\n"
					  "pin-sha256 = " PIN_A "\n"
					  "pin-sha256 = " PIN_B "\n"
					  "ca-file = /etc/dotstub/ca.pem\n");
	struct dst_config_upstream *u;

	ck_assert_str_eq(cfg->file, FILE_NAME);
	ck_assert_uint_eq(cfg->nlisten, 2);
	ck_assert_str_eq(cfg->listen[0].text, "127.0.0.1:5353");
	ck_assert_str_eq(cfg->listen[1].text, "[::1]:5353");
	ck_assert_uint_eq(cfg->query_timeout_ms, 2500);
	ck_assert_uint_eq(cfg->tcp_idle_timeout_ms, 60000);
	ck_assert_uint_eq(cfg->cache_size, 64ULL << 20);
	ck_assert_uint_eq(cfg->cache_min_ttl, 30);
	ck_assert_uint_eq(cfg->cache_max_ttl, 7200);
	ck_assert_uint_eq(cfg->nupstreams, 1);
	u = &cfg->upstreams[0];
	ck_assert_str_eq(u->name, "quad9");
	ck_assert_uint_eq(u->line, 10);
	ck_assert_uint_eq(u->naddrs, 2);
	ck_assert_str_eq(u->addrs[0].text, "9.9.9.9:853");
	ck_assert_str_eq(u->addrs[1].text, "[2620:fe::fe]:853");
	ck_assert_str_eq(u->tls_name, "dns.quad9.net");
	ck_assert_uint_eq(u->npins, 2);
	ck_assert_mem_eq(u->pins[0], pin_a, DST_CONFIG_PIN_LEN);
	for (int i = 0; i < DST_CONFIG_PIN_LEN; i++)
		ck_assert_uint_eq(u->pins[1][i], i);
	ck_assert_str_eq(u->ca_file, "/etc/dotstub/ca.pem");
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_missing_keys_get_defaults)
{
	struct dst_config *cfg = parse_ok(UP);

	ck_assert_uint_eq(cfg->query_timeout_ms, 4000);
	ck_assert_uint_eq(cfg->tcp_idle_timeout_ms, 10000);
	ck_assert_uint_eq(cfg->cache_size, 16 << 20);
	ck_assert_uint_eq(cfg->cache_min_ttl, 0);
	ck_assert_uint_eq(cfg->cache_max_ttl, 86400);
	ck_assert_uint_eq(cfg->nlisten, 2);
	ck_assert_str_eq(cfg->listen[0].text, "127.0.0.1:53");
	ck_assert_str_eq(cfg->listen[1].text, "[::1]:53");
	ck_assert_ptr_null(cfg->upstreams[0].ca_file);
	ck_assert_uint_eq(cfg->upstreams[0].npins, 0);
	ck_assert_ptr_null(cfg->upstreams[0].pins);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_server_without_listen_gets_default_listeners)
{
	struct dst_config *cfg = parse_ok("[server]\nquery-timeout = 1s\n" UP);

	ck_assert_uint_eq(cfg->nlisten, 2);
	ck_assert_str_eq(cfg->listen[0].text, "127.0.0.1:53");
	ck_assert_str_eq(cfg->listen[1].text, "[::1]:53");
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_explicit_listen_replaces_defaults)
{
	struct dst_config *cfg = parse_ok("[server]\nlisten = 192.168.1.1\n" UP);

	ck_assert_uint_eq(cfg->nlisten, 1);
	ck_assert_str_eq(cfg->listen[0].text, "192.168.1.1:53");
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_file_name_is_copied)
{
	char name[] = "copied.conf";
	struct dst_config *cfg = NULL;

	ck_assert_int_eq(dst_config_parse(name, UP, strlen(UP), &cfg, collect, NULL), 0);
	name[0] = 'X';
	ck_assert_str_eq(cfg->file, "copied.conf");
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_upstreams_keep_file_order)
{
	struct dst_config *cfg =
		parse_ok("[upstream zeta]\naddress = 192.0.2.1\ntls-name = z.example\n"
			 "[upstream alpha]\naddress = 192.0.2.2\ntls-name = a.example\n"
			 "[upstream mid_1.x-y]\naddress = 192.0.2.3\ntls-name = m.example\n");

	ck_assert_uint_eq(cfg->nupstreams, 3);
	ck_assert_str_eq(cfg->upstreams[0].name, "zeta");
	ck_assert_str_eq(cfg->upstreams[1].name, "alpha");
	ck_assert_str_eq(cfg->upstreams[2].name, "mid_1.x-y");
	ck_assert_uint_eq(cfg->upstreams[0].line, 1);
	ck_assert_uint_eq(cfg->upstreams[1].line, 4);
	ck_assert_uint_eq(cfg->upstreams[2].line, 7);
	ck_assert_str_eq(cfg->upstreams[2].tls_name, "m.example");
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_comments_and_blank_lines_are_ignored)
{
	struct dst_config *cfg = parse_ok("# a comment\n"
					  "\n"
					  "   \t\n"
					  "   # indented comment\n"
					  "[server]   # after a header\n"
					  "query-timeout = 3s   # after a value\n"
					  "tcp-idle-timeout = 5s\t# after a tab\n"
					  "#listen = 192.0.2.1\n" UP);

	ck_assert_uint_eq(cfg->query_timeout_ms, 3000);
	ck_assert_uint_eq(cfg->tcp_idle_timeout_ms, 5000);
	ck_assert_uint_eq(cfg->nlisten, 2); /* the commented-out listen left the defaults */
	ck_assert_uint_eq(cfg->upstreams[0].line, 9);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_whitespace_around_keys_and_values_is_trimmed)
{
	struct dst_config *cfg = parse_ok(" \t[ server ]\t\n"
					  "\t listen\t=\t127.0.0.1:5353 \t\n"
					  "[upstream   u  ]\n"
					  "address=192.0.2.1\n"
					  "tls-name    =dns.example\n");

	ck_assert_str_eq(cfg->listen[0].text, "127.0.0.1:5353");
	ck_assert_str_eq(cfg->upstreams[0].name, "u");
	ck_assert_str_eq(cfg->upstreams[0].tls_name, "dns.example");
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_hash_inside_a_value_is_not_a_comment)
{
	struct dst_config *cfg = parse_ok(UP "ca-file = /etc/ssl/a#b.pem\n");

	ck_assert_str_eq(cfg->upstreams[0].ca_file, "/etc/ssl/a#b.pem");
	dst_config_free(cfg);
	expect_line_error("server", "listen = 127.0.0.1#53",
			  "listen: expected an address like 127.0.0.1:53 or [::1]:53, "
			  "got \"127.0.0.1#53\"");
}
END_TEST

START_TEST(test_crlf_line_ends_are_accepted)
{
	struct dst_config *cfg =
		parse_ok("[server]\r\nquery-timeout = 2s\r\n\r\n"
			 "[upstream u]\r\naddress = 192.0.2.1\r\ntls-name = a.b\r\n");

	ck_assert_uint_eq(cfg->query_timeout_ms, 2000);
	ck_assert_str_eq(cfg->upstreams[0].tls_name, "a.b");
	dst_config_free(cfg);
	expect_errors("[server]\r\n\r\nbad = 1\r\n" UP,
		      FILE_NAME ":3: unknown key \"bad\" in [server]; expected " SERVER_KEYS);
}
END_TEST

START_TEST(test_last_line_without_newline_is_parsed)
{
	struct dst_config *cfg =
		parse_ok("[upstream u]\naddress = 192.0.2.1\ntls-name = last.example");

	ck_assert_str_eq(cfg->upstreams[0].tls_name, "last.example");
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_utf8_byte_order_mark_and_text_are_accepted)
{
	struct dst_config *cfg =
		parse_ok("\xEF\xBB\xBF# caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x94\x92\n" UP);

	ck_assert_uint_eq(cfg->upstreams[0].line, 2);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_parse_without_callback_still_fails)
{
	struct dst_config *cfg = NULL;

	ck_assert_int_eq(dst_config_parse(FILE_NAME, "junk", 4, &cfg, NULL, NULL), DST_ECONFIG);
	ck_assert_ptr_null(cfg);
}
END_TEST

START_TEST(test_free_accepts_null)
{
	dst_config_free(NULL);
	ck_assert_uint_eq(nmsgs, 0);
}
END_TEST

/* --- file structure ------------------------------------------------------- */

START_TEST(test_unknown_key_reports_file_and_line)
{
	expect_errors("[server]\nlisten = 127.0.0.1\nfrobnicate = yes\n" UP, FILE_NAME
		      ":3: unknown key \"frobnicate\" in [server]; expected " SERVER_KEYS);
}
END_TEST

START_TEST(test_unknown_key_names_its_section_and_the_right_one)
{
	expect_line_error("upstream", "pin = " PIN_A,
			  "unknown key \"pin\" in [upstream v]; expected " UPSTREAM_KEYS);
	teardown();
	expect_line_error("cache", "listen = 127.0.0.1",
			  "unknown key \"listen\" in [cache] (it belongs in [server]); expected "
			  "size, min-ttl, max-ttl, negative-max-ttl, servfail-ttl, serve-stale, "
			  "stale-answer-timeout or prefetch");
	teardown();
	expect_line_error("server", "tls-name = a.b",
			  "unknown key \"tls-name\" in [server] (it belongs in [upstream NAME]); "
			  "expected " SERVER_KEYS);
	teardown();
	/* Keys are case-sensitive. */
	expect_line_error("server", "Listen = 127.0.0.1",
			  "unknown key \"Listen\" in [server]; expected " SERVER_KEYS);
}
END_TEST

START_TEST(test_unknown_section_is_error_and_body_skipped)
{
	expect_errors("[servers]\nlisten = nonsense\nwhatever = 1\n" UP,
		      FILE_NAME ":1: unknown section [servers]; expected [server], [cache], "
				"[upstream NAME] or [zone NAME]");
	teardown();
	expect_errors("[Cache]\n" UP, FILE_NAME ":1: unknown section [Cache]; expected [server], "
						"[cache], [upstream NAME] or [zone NAME]");
	teardown();
	expect_errors("[upstreams quad9]\n" UP, FILE_NAME
		      ":1: unknown section [upstreams quad9]; expected [server], [cache], "
		      "[upstream NAME] or [zone NAME]");
}
END_TEST

START_TEST(test_malformed_header_is_error)
{
	static const char *const bad[] = {"[server", "[server] x", "[server]]x", "[upstream u"};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		expect_errors(
			fmt("%s\n" UP, bad[i]),
			fmt(FILE_NAME
			    ":1: expected a section header like [server], [cache], [upstream NAME] "
			    "or [zone NAME], got \"%s\"",
			    bad[i]));
		teardown();
	}
	expect_errors("[server main]\n" UP, FILE_NAME ":1: [server] takes no name, got \"main\"");
}
END_TEST

START_TEST(test_key_outside_section_is_error)
{
	expect_errors("listen = 127.0.0.1\n" UP, FILE_NAME
		      ":1: key \"listen\" is outside a section; expected [server], [cache] "
		      "or [upstream NAME] before it");
}
END_TEST

START_TEST(test_repeated_key_is_error)
{
	expect_errors("[server]\nquery-timeout = 1s\n\nquery-timeout = 2s\n" UP,
		      FILE_NAME ":4: query-timeout: already set at line 2; it may appear only once "
				"per section");
	teardown();
	expect_errors("[upstream u]\naddress = 192.0.2.1\ntls-name = a.b\ntls-name = a.b\n",
		      FILE_NAME ":4: tls-name: already set at line 3; it may appear only once per "
				"section");
}
END_TEST

START_TEST(test_same_key_in_two_upstreams_is_valid)
{
	struct dst_config *cfg =
		parse_ok(UP "[upstream w]\naddress = 192.0.2.1\ntls-name = w.example\n");

	ck_assert_str_eq(cfg->upstreams[0].tls_name, "dns.example");
	ck_assert_str_eq(cfg->upstreams[1].tls_name, "w.example");
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_duplicate_server_or_cache_section_is_error)
{
	/* One error for the header; the repeated key in it is not reported again. */
	expect_errors("[server]\nquery-timeout = 1s\n[server]\nquery-timeout = 2s\n" UP,
		      FILE_NAME ":3: duplicate [server] section (first at line 1)");
	teardown();
	expect_errors("[cache]\n" UP "[cache]\nsize = 0\n",
		      FILE_NAME ":5: duplicate [cache] section (first at line 1)");
}
END_TEST

START_TEST(test_missing_value_is_error)
{
	expect_line_error(
		"server", "listen =",
		"listen: missing value; expected an address like 127.0.0.1:53 or [::1]:53");
	teardown();
	expect_line_error("cache", "size =    # nothing",
			  "size: missing value; expected a size like 16m, 512k, 1g or 0");
	teardown();
	/* The key is there, so the upstream is not also said to lack it. */
	expect_errors("[upstream u]\naddress =\ntls-name = a.b\n",
		      FILE_NAME ":2: address: missing value; expected an IP address like 9.9.9.9, "
				"9.9.9.9:853 or [2620:fe::fe]:853");
}
END_TEST

START_TEST(test_line_without_equals_is_error)
{
	expect_line_error(
		"server", "listen 127.0.0.1",
		"expected \"key = value\" or a [section] header, got \"listen 127.0.0.1\"");
	teardown();
	expect_line_error("server", "= 127.0.0.1", "expected a key before '='");
}
END_TEST

START_TEST(test_errors_keep_being_reported)
{
	expect_errors("[server]\n"
		      "query-timeout = fast\n"
		      "listen = 1.2.3.4:0\n"
		      "[cache]\n"
		      "size = big\n"
		      "[upstream x]\n"
		      "address = 192.0.2.1\n"
		      "bogus\n",
		      FILE_NAME
		      ":2: query-timeout: expected a duration like 4s, 500ms, 2m, got \"fast\"",
		      FILE_NAME ":3: listen: expected a port from 1 to 65535, got \"1.2.3.4:0\"",
		      FILE_NAME ":5: size: expected a size like 16m, 512k, 1g or 0, got \"big\"",
		      FILE_NAME ":8: expected \"key = value\" or a [section] header, got \"bogus\"",
		      FILE_NAME ":6: [upstream x] needs tls-name or at least one pin-sha256");
}
END_TEST

START_TEST(test_too_many_errors_stops_parsing)
{
	size_t size = 100 * 16, len;
	char *text = malloc(size);
	struct dst_config *cfg = NULL;

	ck_assert_ptr_nonnull(text);
	len = (size_t)snprintf(text, size, "[server]\n");
	for (int i = 0; i < 100; i++)
		len += (size_t)snprintf(text + len, size - len, "bad%d = 1\n", i);
	ck_assert_int_eq(dst_config_parse(FILE_NAME, text, len, &cfg, collect, NULL), DST_ECONFIG);
	ck_assert_uint_eq(nmsgs, 51);
	ck_assert_str_eq(msgs[49],
			 FILE_NAME ":51: unknown key \"bad49\" in [server]; expected " SERVER_KEYS);
	ck_assert_str_eq(msgs[50], FILE_NAME ":52: too many errors, giving up");
	free(text);
}
END_TEST

START_TEST(test_long_values_are_cut_in_messages)
{
	/* "a" + 40 x "é": byte 60 is inside an "é", so the cut falls before it. */
	char value[128] = "a", want[128] = "a";

	for (int i = 0; i < 40; i++)
		strcat(value, "\xC3\xA9");
	for (int i = 0; i < 29; i++)
		strcat(want, "\xC3\xA9");
	strcat(want, "...");
	expect_line_error(
		"server", fmt("query-timeout = %s", value),
		fmt("query-timeout: expected a duration like 4s, 500ms, 2m, got \"%s\"", want));
}
END_TEST

/* --- hostile input -------------------------------------------------------- */

START_TEST(test_nul_byte_is_error_with_line_and_column)
{
	static const char text[] = "[server]\nlis\0ten = 127.0.0.1\n" UP;
	const char *want[] = {FILE_NAME ":2: found a NUL byte at column 4; expected text"};

	expect_errors_len(text, sizeof text - 1, want, 1);
	teardown();
	/* A NUL counted into len by mistake, at the very end. */
	expect_errors_len(UP, sizeof UP,
			  (const char *[]){FILE_NAME ":4: found a NUL byte at "
						     "column 1; expected text"},
			  1);
}
END_TEST

START_TEST(test_control_characters_are_errors)
{
	expect_errors("[server]\nlisten = 127.0.0.1\x01\n" UP,
		      FILE_NAME ":2: found a control character at column 19; expected text");
	teardown();
	expect_errors("[server]\nlisten\r= 127.0.0.1\n" UP,
		      FILE_NAME ":2: found a control character at column 7; expected text");
	teardown();
	expect_errors("\x1b[31m\n" UP, FILE_NAME ":1: found a control character at column 1; "
						 "expected text");
	teardown();
	expect_errors("# \x7f\n" UP, FILE_NAME ":1: found a control character at column 3; "
					       "expected text");
}
END_TEST

START_TEST(test_invalid_utf8_is_error)
{
	static const char *const bad[] = {
		"# caf\xE9",          /* Latin-1 */
		"# \xC0\xAF",         /* overlong */
		"# \xED\xA0\x80",     /* surrogate */
		"# \xF4\x90\x80\x80", /* above U+10FFFF */
		"# \xE2\x9C",         /* cut short */
		"# \xFF",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		expect_errors(fmt("%s\n" UP, bad[i]),
			      fmt(FILE_NAME ":1: found bytes that are not UTF-8 at column %d; "
					    "expected text",
				  bad[i][2] == 'c' ? 6 : 3));
		teardown();
	}
}
END_TEST

START_TEST(test_long_line_is_error)
{
	char *line = repeat('x', 5000), *comment = repeat('#', 4096);

	expect_errors(fmt("[server]\n%s\n" UP, line),
		      FILE_NAME ":2: line is 5000 bytes long; expected at most 4096");
	teardown();
	/* Exactly at the limit is fine, and a CR before the LF does not count. */
	dst_config_free(parse_ok(fmt("%s\r\n" UP, comment)));
	comment[4095] = '\0';
	expect_errors(fmt("%s##\n" UP, comment),
		      FILE_NAME ":1: line is 4097 bytes long; expected at most 4096");
	free(line);
	free(comment);
}
END_TEST

/* A deterministic generator, so a failing seed can be replayed. */
static uint32_t xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

START_TEST(test_random_binary_is_refused_without_crashing)
{
	static char junk[64 * 1024];

	for (uint32_t seed = 1; seed <= 20; seed++) {
		uint32_t s = seed;
		struct dst_config *cfg = NULL;

		for (size_t i = 0; i < sizeof junk; i++)
			junk[i] = (char)xorshift(&s);
		ck_assert_int_eq(
			dst_config_parse(FILE_NAME, junk, sizeof junk, &cfg, collect, NULL),
			DST_ECONFIG);
		ck_assert_ptr_null(cfg);
		ck_assert_uint_ge(nmsgs, 1);
		ck_assert_uint_le(nmsgs, 51);
		for (size_t i = 0; i < nmsgs; i++)
			ck_assert_msg(strncmp(msgs[i], FILE_NAME ":", strlen(FILE_NAME) + 1) == 0,
				      "seed %u: %s", seed, msgs[i]);
		teardown();
	}
}
END_TEST

START_TEST(test_junk_shaped_like_config_is_refused)
{
	/* Printable noise built from the format's own characters. */
	static const char alphabet[] = "[]=#: \n\tupstream server cache listen 0123456789.:[]msdh";
	static char junk[16 * 1024];
	uint32_t s = 12345;

	for (int round = 0; round < 20; round++) {
		struct dst_config *cfg = NULL;
		int r;

		for (size_t i = 0; i < sizeof junk; i++)
			junk[i] = alphabet[xorshift(&s) % (sizeof alphabet - 1)];
		r = dst_config_parse(FILE_NAME, junk, sizeof junk, &cfg, collect, NULL);
		ck_assert_int_eq(r, DST_ECONFIG);
		ck_assert_ptr_null(cfg);
		teardown();
	}
}
END_TEST

/* --- dst_config_load ------------------------------------------------------ */

static char tmpdir[64];

static void load_setup(void)
{
	setup();
	snprintf(tmpdir, sizeof tmpdir, "/tmp/check_config.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void load_teardown(void)
{
	teardown();
	unlink(fmt("%s/dotstub.conf", tmpdir));
	rmdir(tmpdir);
}

static const char *write_file(const char *text, size_t len)
{
	const char *path = fmt("%s/dotstub.conf", tmpdir);
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

START_TEST(test_load_reads_and_parses_file)
{
	static const char text[] = "[server]\nquery-timeout = 3s\n" UP;
	const char *path = write_file(text, sizeof text - 1);
	struct dst_config *cfg = NULL;

	ck_assert_int_eq(dst_config_load(path, &cfg, collect, NULL), 0);
	ck_assert_str_eq(cfg->file, path);
	ck_assert_uint_eq(cfg->query_timeout_ms, 3000);
	ck_assert_str_eq(cfg->upstreams[0].name, "u");
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_load_reports_errors_with_path)
{
	static const char text[] = "[server]\nnope = 1\n" UP;
	const char *path = write_file(text, sizeof text - 1);
	struct dst_config *cfg = NULL;

	ck_assert_int_eq(dst_config_load(path, &cfg, collect, NULL), DST_ECONFIG);
	ck_assert_ptr_null(cfg);
	ck_assert_uint_eq(nmsgs, 1);
	ck_assert_str_eq(
		msgs[0],
		fmt("%s:2: unknown key \"nope\" in [server]; expected " SERVER_KEYS, path));
}
END_TEST

START_TEST(test_load_missing_file_reports_reason)
{
	const char *path = fmt("%s/missing.conf", tmpdir);
	struct dst_config *cfg = NULL;

	ck_assert_int_eq(dst_config_load(path, &cfg, collect, NULL), DST_ENOENT);
	ck_assert_ptr_null(cfg);
	ck_assert_uint_eq(nmsgs, 1);
	ck_assert_str_eq(msgs[0], fmt("%s: No such file or directory", path));
}
END_TEST

START_TEST(test_load_directory_reports_reason)
{
	struct dst_config *cfg = NULL;

	ck_assert_int_eq(dst_config_load(tmpdir, &cfg, collect, NULL), -EISDIR);
	ck_assert_uint_eq(nmsgs, 1);
	ck_assert_str_eq(msgs[0], fmt("%s: Is a directory", tmpdir));
}
END_TEST

START_TEST(test_load_refuses_files_over_1_mib)
{
	size_t size = 1024 * 1024;
	char *text = repeat('#', size + 1);
	const char *path;
	struct dst_config *cfg = NULL;

	/* Exactly 1 MiB: 1023 comment lines of 1023 bytes, then an upstream. */
	for (size_t i = 1023; i < size; i += 1024)
		text[i] = '\n';
	memcpy(text + size - strlen(UP), UP, strlen(UP));
	text[size - strlen(UP) - 1] = '\n';
	path = write_file(text, size);
	ck_assert_int_eq(dst_config_load(path, &cfg, collect, NULL), 0);
	dst_config_free(cfg);
	cfg = NULL;

	text[size] = '\n';
	path = write_file(text, size + 1);
	ck_assert_int_eq(dst_config_load(path, &cfg, collect, NULL), DST_ECONFIG);
	ck_assert_ptr_null(cfg);
	ck_assert_uint_eq(nmsgs, 1);
	ck_assert_str_eq(msgs[0],
			 fmt("%s: larger than 1024 KiB; expected a configuration file", path));
	free(text);
}
END_TEST

/* --- docs/dotstub.conf.example ------------------------------------------ */

/*
 * The source tree: $srcdir when the test harness sets it, else derived from
 * this file's path as the compiler saw it (absolute, or relative to the
 * build directory the test runs from).
 */
static const char *example_path(void)
{
	static char path[4096];
	const char *srcdir = getenv("srcdir"), *self = __FILE__;
	const char *tail = strstr(self, "tests/unit/check_config_syntax.c");

	if (srcdir && *srcdir)
		snprintf(path, sizeof path, "%s/docs/dotstub.conf.example", srcdir);
	else if (tail)
		snprintf(path, sizeof path, "%.*sdocs/dotstub.conf.example", (int)(tail - self),
			 self);
	else
		snprintf(path, sizeof path, "docs/dotstub.conf.example");
	return path;
}

START_TEST(test_example_file_is_valid)
{
	struct dst_config *cfg = NULL;
	int r = dst_config_load(example_path(), &cfg, collect, NULL);

	ck_assert_msg(r == 0, "%s: %d:%s", example_path(), r, all_msgs());
	ck_assert_uint_eq(cfg->nlisten, 2);
	ck_assert_str_eq(cfg->listen[0].text, "127.0.0.1:53");
	ck_assert_uint_ge(cfg->nupstreams, 1);
	ck_assert_str_eq(cfg->upstreams[0].name, "quad9");
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_example_file_commented_sections_are_valid)
{
	static const char *const keys[] = {
		"#[upstream ",
		"#address ",
		"#tls-name ",
		"#ca-file ",
		"#listen ",
		"#allow ",
		"#deny ",
		"#ratelimit ",
		"#ratelimit-action ",
		"#max-tcp-clients ",
		"#max-tcp-pipeline ",
		"#max-pending ",
		"#ecs ",
		"#user ",
		"#chroot ",
		"#max-connections ",
		"#max-inflight ",
		"#idle-timeout ",
		"#control ",
		"#metrics ",
		"#log ",
		"#log-level ",
		"#log-queries ",
		"#strategy ",
		"#max-backoff ",
		"#bootstrap ",
		"#host ",
		"#blocklist ",
		"#allowlist ",
		"#block-answer ",
	};
	FILE *f = fopen(example_path(), "r");
	char *text = calloc(1, 1 << 16), line[1024];
	size_t len = 0;
	struct dst_config *cfg;

	ck_assert_msg(f != NULL, "%s", example_path());
	ck_assert_ptr_nonnull(text);
	while (fgets(line, sizeof line, f)) {
		int skip = 0;

		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
			if (strncmp(line, keys[i], strlen(keys[i])) == 0)
				skip = 1;
		ck_assert_uint_lt(len + strlen(line), 1 << 16);
		memcpy(text + len, line + skip, strlen(line + skip));
		len += strlen(line + skip);
	}
	fclose(f);
	cfg = parse_ok_len(text, len);
	ck_assert_uint_eq(cfg->nlisten, 3);
	ck_assert_uint_eq(cfg->nupstreams, 3);
	ck_assert_str_eq(cfg->upstreams[1].tls_name, "cloudflare-dns.com");
	ck_assert_str_eq(cfg->upstreams[2].ca_file, "/etc/dotstub/home-ca.pem");
	ck_assert_uint_eq(cfg->nacl, 2);
	ck_assert_str_eq(cfg->acl[1].text, "192.168.1.128/25");
	ck_assert(cfg->acl[1].deny);
	ck_assert_uint_eq(cfg->ratelimit, 100);
	ck_assert_uint_eq(cfg->max_pending, 4096);
	ck_assert_str_eq(cfg->user, "dotstub");
	ck_assert_str_eq(cfg->chroot, "/var/lib/dotstub");
	ck_assert_uint_eq(cfg->upstreams[0].max_connections, 2);
	ck_assert_uint_eq(cfg->upstreams[0].idle_timeout_ms, 10000);
	ck_assert_str_eq(cfg->control, "/run/dotstub/control");
	ck_assert_str_eq(cfg->metrics.text, "127.0.0.1:9153");
	ck_assert_uint_eq(cfg->log, DST_CONFIG_LOG_STDERR);
	ck_assert_uint_eq(cfg->log_level, 2);
	ck_assert(!cfg->log_queries);
	ck_assert_uint_eq(cfg->nblocklist, 1);
	ck_assert_str_eq(cfg->blocklist[0], "/etc/dotstub/blocklist.txt");
	ck_assert_uint_eq(cfg->nallowlist, 1);
	ck_assert_uint_eq(cfg->block_answer, DST_CONFIG_BLOCK_NXDOMAIN);
	dst_config_free(cfg);
	free(text);
}
END_TEST

/* --- dst_config_default --------------------------------------------------- */

START_TEST(test_default_listens_on_loopback)
{
	struct dst_config *cfg = NULL;

	ck_assert_int_eq(dst_config_default(&cfg), 0);
	ck_assert_ptr_null(cfg->file);
	ck_assert_uint_eq(cfg->nlisten, 2);
	ck_assert_str_eq(cfg->listen[0].text, "127.0.0.1:53");
	ck_assert_str_eq(cfg->listen[1].text, "[::1]:53");
	ck_assert_int_eq(cfg->listen[0].ss.ss_family, AF_INET);
	ck_assert_int_eq(cfg->listen[1].ss.ss_family, AF_INET6);
	ck_assert_uint_eq(cfg->query_timeout_ms, 4000);
	ck_assert_uint_eq(cfg->tcp_idle_timeout_ms, 10000);
	ck_assert_uint_eq(cfg->cache_size, 16 << 20);
	ck_assert_uint_eq(cfg->cache_min_ttl, 0);
	ck_assert_uint_eq(cfg->cache_max_ttl, 86400);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_default_upstreams_are_authenticated_by_name)
{
	struct dst_config *cfg = NULL;
	struct dst_config_upstream *q, *c;

	ck_assert_int_eq(dst_config_default(&cfg), 0);
	ck_assert_uint_eq(cfg->nupstreams, 2);
	q = &cfg->upstreams[0];
	c = &cfg->upstreams[1];
	ck_assert_str_eq(q->name, "quad9");
	ck_assert_uint_eq(q->naddrs, 2);
	ck_assert_str_eq(q->addrs[0].text, "9.9.9.9:853");
	ck_assert_str_eq(q->addrs[1].text, "149.112.112.112:853");
	ck_assert_str_eq(q->tls_name, "dns.quad9.net");
	ck_assert_str_eq(c->name, "cloudflare");
	ck_assert_uint_eq(c->naddrs, 2);
	ck_assert_str_eq(c->addrs[0].text, "1.1.1.1:853");
	ck_assert_str_eq(c->addrs[1].text, "1.0.0.1:853");
	ck_assert_str_eq(c->tls_name, "cloudflare-dns.com");
	for (size_t i = 0; i < 2; i++) {
		ck_assert_uint_eq(cfg->upstreams[i].npins, 0);
		ck_assert_ptr_null(cfg->upstreams[i].ca_file);
		ck_assert_uint_eq(cfg->upstreams[i].line, 0);
	}
	dst_config_free(cfg);
}
END_TEST

/* ------------------------------------------------------------------ */
/* One TCase each, added to the "config" Suite by check_config.c       */
/* ------------------------------------------------------------------ */

TCase *config_tcase_valid_files(void)
{
	TCase *tc = tcase("valid files");

	tcase_add_test(tc, test_every_key_is_parsed);
	tcase_add_test(tc, test_missing_keys_get_defaults);
	tcase_add_test(tc, test_server_without_listen_gets_default_listeners);
	tcase_add_test(tc, test_explicit_listen_replaces_defaults);
	tcase_add_test(tc, test_file_name_is_copied);
	tcase_add_test(tc, test_upstreams_keep_file_order);
	tcase_add_test(tc, test_comments_and_blank_lines_are_ignored);
	tcase_add_test(tc, test_whitespace_around_keys_and_values_is_trimmed);
	tcase_add_test(tc, test_hash_inside_a_value_is_not_a_comment);
	tcase_add_test(tc, test_crlf_line_ends_are_accepted);
	tcase_add_test(tc, test_last_line_without_newline_is_parsed);
	tcase_add_test(tc, test_utf8_byte_order_mark_and_text_are_accepted);
	tcase_add_test(tc, test_parse_without_callback_still_fails);
	tcase_add_test(tc, test_free_accepts_null);
	return tc;
}

TCase *config_tcase_file_structure(void)
{
	TCase *tc = tcase("file structure");

	tcase_add_test(tc, test_unknown_key_reports_file_and_line);
	tcase_add_test(tc, test_unknown_key_names_its_section_and_the_right_one);
	tcase_add_test(tc, test_unknown_section_is_error_and_body_skipped);
	tcase_add_test(tc, test_malformed_header_is_error);
	tcase_add_test(tc, test_key_outside_section_is_error);
	tcase_add_test(tc, test_repeated_key_is_error);
	tcase_add_test(tc, test_same_key_in_two_upstreams_is_valid);
	tcase_add_test(tc, test_duplicate_server_or_cache_section_is_error);
	tcase_add_test(tc, test_missing_value_is_error);
	tcase_add_test(tc, test_line_without_equals_is_error);
	tcase_add_test(tc, test_errors_keep_being_reported);
	tcase_add_test(tc, test_too_many_errors_stops_parsing);
	tcase_add_test(tc, test_long_values_are_cut_in_messages);
	return tc;
}

TCase *config_tcase_hostile_input(void)
{
	TCase *tc = tcase("hostile input");

	tcase_add_test(tc, test_nul_byte_is_error_with_line_and_column);
	tcase_add_test(tc, test_control_characters_are_errors);
	tcase_add_test(tc, test_invalid_utf8_is_error);
	tcase_add_test(tc, test_long_line_is_error);
	tcase_add_test(tc, test_random_binary_is_refused_without_crashing);
	tcase_add_test(tc, test_junk_shaped_like_config_is_refused);
	return tc;
}

TCase *config_tcase_load(void)
{
	TCase *tc = tcase_create("load");

	tcase_add_checked_fixture(tc, load_setup, load_teardown);
	tcase_add_test(tc, test_load_reads_and_parses_file);
	tcase_add_test(tc, test_load_reports_errors_with_path);
	tcase_add_test(tc, test_load_missing_file_reports_reason);
	tcase_add_test(tc, test_load_directory_reports_reason);
	tcase_add_test(tc, test_load_refuses_files_over_1_mib);
	return tc;
}

TCase *config_tcase_example_file(void)
{
	TCase *tc = tcase("example file");

	tcase_add_test(tc, test_example_file_is_valid);
	tcase_add_test(tc, test_example_file_commented_sections_are_valid);
	return tc;
}

TCase *config_tcase_defaults(void)
{
	TCase *tc = tcase("defaults");

	tcase_add_test(tc, test_default_listens_on_loopback);
	tcase_add_test(tc, test_default_upstreams_are_authenticated_by_name);
	return tc;
}
