/*
 * Unit tests for config/: the file format, every key, every error message
 * (asserted word for word, with its FILE:LINE), the limits, hostile input
 * and the built-in defaults.
 *
 * Messages are collected through the error callback into msgs[]; a fixture
 * frees them after each test. Texts are parsed under the name FILE_NAME so
 * that expected messages read like the ones a user sees.
 */
#include "config/config.h"
#include "dns/err.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_NAME "dotstub.conf"
#define MAX_MSGS 128

/* A minimal valid upstream, 3 lines, for texts that test something else. */
#define UP "[upstream u]\naddress = 192.0.2.1\ntls-name = dns.example\n"
#define UP_B "[upstream b]\naddress = 192.0.2.2\ntls-name = dns.example\n"
#define PIN_A "yioEpqeR4WtDwE9YxNVnCEkTxIjx6EEIwFSQW+lJsbc="
#define PIN_B "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
/* The valid keys, as unknown-key messages list them. */
#define SERVER_KEYS                                                                              \
	"listen, allow, deny, query-timeout, tcp-idle-timeout, max-tcp-clients, "                \
	"max-tcp-pipeline, max-pending, ratelimit, ratelimit-action, ecs, user, chroot, "      \
	"control, metrics, log, log-level, log-queries, strategy, max-backoff or bootstrap"
#define UPSTREAM_KEYS                                                                            \
	"address, host, tls-name, pin-sha256, ca-file, max-connections, max-inflight or "   \
	"idle-timeout"

static const uint8_t pin_a[DST_CONFIG_PIN_LEN] = {
	0xca, 0x2a, 0x04, 0xa6, 0xa7, 0x91, 0xe1, 0x6b, 0x43, 0xc0, 0x4f,
	0x58, 0xc4, 0xd5, 0x67, 0x08, 0x49, 0x13, 0xc4, 0x88, 0xf1, 0xe8,
	0x41, 0x08, 0xc0, 0x54, 0x90, 0x5b, 0xe9, 0x49, 0xb1, 0xb7,
};

static char *msgs[MAX_MSGS];
static size_t nmsgs;

static void collect(void *arg, const char *msg)
{
	(void)arg;
	if (nmsgs < MAX_MSGS)
		msgs[nmsgs] = strdup(msg);
	nmsgs++;
}

static void setup(void)
{
	nmsgs = 0;
}

static void teardown(void)
{
	for (size_t i = 0; i < nmsgs && i < MAX_MSGS; i++)
		free(msgs[i]);
	nmsgs = 0;
}

/* All collected messages on one line, for failure reports. */
static const char *all_msgs(void)
{
	static char buf[8192];

	buf[0] = '\0';
	for (size_t i = 0; i < nmsgs && i < MAX_MSGS; i++) {
		strncat(buf, "\n  ", sizeof buf - strlen(buf) - 1);
		strncat(buf, msgs[i], sizeof buf - strlen(buf) - 1);
	}
	return nmsgs ? buf : " (none)";
}

static struct dst_config *parse_ok_len(const char *text, size_t len)
{
	struct dst_config *cfg = NULL;
	int r = dst_config_parse(FILE_NAME, text, len, &cfg, collect, NULL);

	ck_assert_msg(r == 0 && nmsgs == 0, "parse returned %d; messages:%s", r, all_msgs());
	ck_assert_ptr_nonnull(cfg);
	return cfg;
}

static struct dst_config *parse_ok(const char *text)
{
	return parse_ok_len(text, strlen(text));
}

/* Parses text that must fail with exactly these messages, in this order. */
static void expect_errors_len(const char *text, size_t len, const char *const *want, size_t n)
{
	static struct dst_config untouched;
	struct dst_config *cfg = &untouched;
	int r = dst_config_parse(FILE_NAME, text, len, &cfg, collect, NULL);

	ck_assert_int_eq(r, DST_ECONFIG);
	ck_assert_ptr_eq(cfg, &untouched);
	ck_assert_msg(nmsgs == n, "expected %zu messages, got %zu:%s", n, nmsgs, all_msgs());
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(msgs[i], want[i]);
}

#define expect_errors(text, ...)                                                                   \
	do {                                                                                       \
		const char *const text_ = (text);                                                  \
		const char *const want_[] = { __VA_ARGS__ };                                       \
		expect_errors_len(text_, strlen(text_), want_, sizeof want_ / sizeof want_[0]);    \
	} while (0)

/*
 * One line in a section that is otherwise valid; the line is line 2. In an
 * upstream the address and pin come after it, so a bad address, tls-name,
 * pin or ca-file on line 2 is the only problem.
 */
static void section_text(char *buf, size_t size, const char *section, const char *line)
{
	if (strcmp(section, "upstream") == 0)
		snprintf(buf, size,
			 "[upstream v]\n%s\naddress = 192.0.2.9\npin-sha256 = " PIN_B "\n", line);
	else
		snprintf(buf, size, "[%s]\n%s\n" UP, section, line);
}

static void expect_line_error(const char *section, const char *line, const char *msg)
{
	char text[8192], want[1024];

	section_text(text, sizeof text, section, line);
	snprintf(want, sizeof want, FILE_NAME ":2: %s", msg);
	expect_errors(text, want);
}

static struct dst_config *line_ok(const char *section, const char *line)
{
	char text[8192];

	section_text(text, sizeof text, section, line);
	return parse_ok(text);
}

/* A formatted line, for tests that build values. */
static const char *fmt(const char *f, ...)
{
	static char bufs[4][8192];
	static int next;
	char *b = bufs[next++ % 4];
	va_list ap;

	va_start(ap, f);
	vsnprintf(b, sizeof bufs[0], f, ap);
	va_end(ap);
	return b;
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

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

/* --- durations and sizes -------------------------------------------------- */

START_TEST(test_duration_suffixes_parse)
{
	static const struct {
		const char *text;
		uint32_t ms;
	} cases[] = {
		{ "250ms", 250 }, { "4s", 4000 },    { "4", 4000 },
		{ "2m", 120000 }, { "1h", 3600000 }, { "3S", 3000 },
		{ "7MS", 7 },	  { "1ms", 1 },	     { "0060m", 3600000 },
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
	static const char *const bad[] = {
		"fast", "-1s", "4 s", "1.5s", "4sec", "s", "4w", "0x10"
	};

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
	static const char *const bad[] = { "0", "0ms", "61m", "3600001ms", "2h", "1d" };

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
		{ "0", 0 },
		{ "512", 512 },
		{ "512k", 512 << 10 },
		{ "16m", 16 << 20 },
		{ "16M", 16 << 20 },
		{ "1g", 1ULL << 30 },
		{ "1024g", 1ULL << 40 },
		{ "1048576k", 1ULL << 30 },
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
	static const char *const bad[] = {
		"big", "16mb", "16 m", "1.5m", "-1", "16t", "m", "16mi"
	};

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
	static const char *const bad[] = { "1025g", "18446744073709551615", "18446744073709551616",
					   "17179869184g" };

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
		{ "127.0.0.1", "127.0.0.1:53" },
		{ "127.0.0.1:5353", "127.0.0.1:5353" },
		{ "[::1]", "[::1]:53" },
		{ "[::1]:5353", "[::1]:5353" },
		{ "::1", "[::1]:53" },
		{ "2620:fe::fe", "[2620:fe::fe]:53" },
		{ "[2620:00FE:0:0::00fe]:65535", "[2620:fe::fe]:65535" },
		{ "::ffff:192.0.2.1", "[::ffff:192.0.2.1]:53" },
		{ "10.0.0.1:053", "10.0.0.1:53" },
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

START_TEST(test_upstream_address_defaults_to_port_853)
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
	static const char *const bad[] = { "127.0.0.1:0", "127.0.0.1:65536", "[::1]:0",
					   "[::1]:99999999999999999999999" };

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
		"1.2.3",	"256.1.1.1",   "[1.2.3.4]:853", "[::1",		  "::1]:853",
		"1.2.3.4:",	"1.2.3.4:8x",  "[::1]x",	"[::1]:",	  "dns.quad9.net",
		"fe80::1%eth0", "1.2.3.4:+53", "1.2.3.4:-1",	"[]:853",	  "[[::1]]",
		":853",		"127.1",       "1.2.3.4 :853",	"2620:fe::fe::1",
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

/* A text with a header, then n lines made from a format taking the line's index. */
static char *many_lines(const char *head, const char *line_fmt, int n, const char *tail)
{
	size_t size = strlen(head) + strlen(tail) + (size_t)n * 128, len;
	char *text = malloc(size);

	ck_assert_ptr_nonnull(text);
	len = (size_t)snprintf(text, size, "%s", head);
	for (int i = 1; i <= n; i++)
		len += (size_t)snprintf(text + len, size - len, line_fmt, i, i);
	snprintf(text + len, size - len, "%s", tail);
	return text;
}

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
		static const char *const last4[] = { "AAE=", "AAI=", "AAM=", "AAQ=", "AAU=", "AAY=",
						     "AAc=", "AAg=", "AAk=", "AAo=", "AAs=", "AAw=",
						     "AA0=", "AA4=", "AA8=", "ABA=", "ABE=" };

		for (size_t i = 0; i < 17; i++)
			strcat(text,
			       fmt("pin-sha256 = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%s\n",
				   last4[i]));
		expect_errors(text, FILE_NAME ":19: pin-sha256: more than 16 in one section");
	}
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
		{ "dns_quad9.net", "only letters, digits, '-' and '.' are allowed" },
		{ "dns quad9.net", "only letters, digits, '-' and '.' are allowed" },
		{ "-dns.example", "a label starts with '-'" },
		{ "dns-.example", "a label ends with '-'" },
		{ "dns..example", "empty label" },
		{ ".example", "empty label" },
		{ ".", "empty label" },
		{ "example..", "empty label" },
		{ label64, "a label is longer than 63 characters" },
		{ name254, "longer than 253 characters" },
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
		{ "AAAA", 3 },
		{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", 31 },
		{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 33 }, /* as long as a real pin */
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
		"yioEpqeR4WtDwE9YxNVnCEkTxIjx6EEIwFSQW+lJsbc", /* no padding */
		"yioE pqeR4WtDwE9YxNVnCEkTxIjx6EEIwFSQW+lJsbc=", /* a space */
		"yioEpqeR4WtDwE9YxNVnCEkTxIjx6EEIwFSQW-lJsbc=", /* base64url */
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

/* --- file structure ------------------------------------------------------- */

START_TEST(test_unknown_key_reports_file_and_line)
{
	expect_errors("[server]\nlisten = 127.0.0.1\nfrobnicate = yes\n" UP,
		      FILE_NAME ":3: unknown key \"frobnicate\" in [server]; expected " SERVER_KEYS);
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
		      FILE_NAME ":1: unknown section [servers]; expected [server], [cache] or "
				"[upstream NAME]");
	teardown();
	expect_errors("[Cache]\n" UP, FILE_NAME ":1: unknown section [Cache]; expected [server], "
						"[cache] or [upstream NAME]");
	teardown();
	expect_errors("[upstreams quad9]\n" UP, FILE_NAME
		      ":1: unknown section [upstreams quad9]; expected [server], [cache] or "
		      "[upstream NAME]");
}
END_TEST

START_TEST(test_malformed_header_is_error)
{
	static const char *const bad[] = { "[server", "[server] x", "[server]]x", "[upstream u" };

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		expect_errors(fmt("%s\n" UP, bad[i]),
			      fmt(FILE_NAME
				  ":1: expected a section header like [server], [cache] or "
				  "[upstream NAME], got \"%s\"",
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
	{ "10.0.0.0/8", "10.0.0.0/8", false, 8 },
	{ "192.168.1.77/24", "192.168.1.0/24", false, 24 }, /* host bits are cleared */
	{ "172.16.255.255/12", "172.16.0.0/12", false, 12 },
	{ "127.0.0.1", "127.0.0.1/32", false, 32 },         /* an address is a host */
	{ "0.0.0.0/0", "0.0.0.0/0", false, 0 },
	{ "192.0.2.1/031", "192.0.2.0/31", false, 31 },
	{ "::1", "::1/128", true, 128 },
	{ "fd00::/8", "fd00::/8", true, 8 },
	{ "fdff:1:2:3::/7", "fc00::/7", true, 7 },
	{ "2001:DB8:1:2:3::1/64", "2001:db8:1:2::/64", true, 64 },
	{ "2001:db8::1:2/127", "2001:db8::1:2/127", true, 127 },
	{ "::ffff:192.168.0.0/112", "::ffff:192.168.0.0/112", true, 112 },
	{ "::/0", "::/0", true, 0 },
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
	static const uint8_t net[4] = { 192, 168, 1, 0 }, zero[16] = { 0 };
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
		"10.0.0/8",  "10.0.0.0/", "10.0.0.0/x",  "10.0.0.0/8/8", "[::1]/128",
		"fe80::1%eth0", "host.example", "10.0.0.0/-1", "/8", "10.0.0.0 /8", "10.0.0.0/1 6",
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
			  (const char *const[]){ FILE_NAME
				 ":258: allow: more than 256 allow and deny lines in one section" },
			  1);
	free(text);
}
END_TEST

START_TEST(test_ratelimit_takes_a_rate)
{
	static const struct {
		const char *in;
		uint32_t want;
	} ok[] = { { "20/s", 20 },
		   { "20/S", 20 },
		   { "20", 20 },
		   { "0", 0 },
		   { "1000000/s", 1000000 } };

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
		{ "server", "max-tcp-clients = 0",
		  "max-tcp-clients: expected a number from 1 to 65535, got \"0\"" },
		{ "server", "max-tcp-clients = 65536",
		  "max-tcp-clients: expected a number from 1 to 65535, got \"65536\"" },
		{ "server", "max-tcp-pipeline = 1k",
		  "max-tcp-pipeline: expected a number, got \"1k\"" },
		{ "server", "max-pending = 1048577",
		  "max-pending: expected a number from 1 to 1048576, got \"1048577\"" },
		{ "server", "max-pending = 99999999999999999999999",
		  "max-pending: expected a number from 1 to 1048576, got "
		  "\"99999999999999999999999\"" },
		{ "upstream", "max-connections = 65",
		  "max-connections: expected a number from 1 to 64, got \"65\"" },
		{ "upstream", "max-inflight = 0",
		  "max-inflight: expected a number from 1 to 65535, got \"0\"" },
		{ "upstream", "max-inflight = -1", "max-inflight: expected a number, got \"-1\"" },
		{ "upstream", "idle-timeout = 0",
		  "idle-timeout: expected a duration from 1ms to 1h, got \"0\"" },
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
	static const char *const good[] = { "dotstub", "_dotstub", "dns-user.1", "Dotstub_2" };
	static const struct {
		const char *line, *msg;
	} bad[] = {
		{ "user = -x",
		  "user: expected a user name like dotstub, got \"-x\" (starts with '-')" },
		{ "user = dot stub",
		  "user: expected a user name like dotstub, got \"dot stub\" (only letters, "
		  "digits, '_', '.' and '-' are allowed)" },
		{ "user = root:0",
		  "user: expected a user name like dotstub, got \"root:0\" (only letters, "
		  "digits, '_', '.' and '-' are allowed)" },
		{ "user = abcdefghijklmnopqrstuvwxyz0123456",
		  "user: expected a user name like dotstub, got "
		  "\"abcdefghijklmnopqrstuvwxyz0123456\" (longer than 32 characters)" },
		{ "chroot = var/lib/dotstub",
		  "chroot: expected a directory like /var/lib/dotstub, got \"var/lib/dotstub\" "
		  "(not an absolute path)" },
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

/* --- hostile input -------------------------------------------------------- */

START_TEST(test_nul_byte_is_error_with_line_and_column)
{
	static const char text[] = "[server]\nlis\0ten = 127.0.0.1\n" UP;
	const char *want[] = { FILE_NAME ":2: found a NUL byte at column 4; expected text" };

	expect_errors_len(text, sizeof text - 1, want, 1);
	teardown();
	/* A NUL counted into len by mistake, at the very end. */
	expect_errors_len(UP, sizeof UP,
			  (const char *[]){ FILE_NAME ":4: found a NUL byte at "
						      "column 1; expected text" },
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
		"# caf\xE9", /* Latin-1 */
		"# \xC0\xAF", /* overlong */
		"# \xED\xA0\x80", /* surrogate */
		"# \xF4\x90\x80\x80", /* above U+10FFFF */
		"# \xE2\x9C", /* cut short */
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
	ck_assert_str_eq(msgs[0],
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
	const char *tail = strstr(self, "tests/unit/check_config.c");

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
		"#[upstream ", "#address ", "#tls-name ", "#ca-file ", "#listen ", "#allow ",
		"#deny ", "#ratelimit ", "#ratelimit-action ", "#max-tcp-clients ",
		"#max-tcp-pipeline ", "#max-pending ", "#ecs ", "#user ", "#chroot ",
		"#max-connections ", "#max-inflight ", "#idle-timeout ",
		"#control ", "#metrics ", "#log ", "#log-level ", "#log-queries ",
		"#strategy ", "#max-backoff ", "#bootstrap ", "#host ",
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
	dst_config_free(cfg);
	free(text);
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
			      "\"/%.59s...\" (longer than 107 bytes)", too_long));
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
	expect_line_error("server", "log = journal", "log: expected stderr or syslog, got \"journal\"");
	teardown();
	expect_line_error("server", "log-level = verbose",
			  "log-level: expected error, warning, notice, info or debug, got \"verbose\"");
	teardown();
	expect_line_error("server", "log-queries = on", "log-queries: expected yes or no, got \"on\"");
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

/* --- the suite ------------------------------------------------------------ */

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
		{ "fastest", DST_CONFIG_STRATEGY_FASTEST },
		{ "ordered", DST_CONFIG_STRATEGY_ORDERED },
		{ "round-robin", DST_CONFIG_STRATEGY_ROUND_ROBIN },
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
	expect_errors(BOOT "[upstream q]\nhost = dot.example:853x\n",
		      FILE_NAME ":4: host: expected a port from 1 to 65535, got \"dot.example:853x\"");
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

static TCase *tcase(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	suite_add_tcase(s, tc);
	return tc;
}

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc;

	tc = tcase(s, "valid files");
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

	tc = tcase(s, "durations and sizes");
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

	tc = tcase(s, "addresses");
	tcase_add_test(tc, test_listen_address_forms);
	tcase_add_test(tc, test_addresses_fill_the_sockaddr);
	tcase_add_test(tc, test_upstream_address_defaults_to_port_853);
	tcase_add_test(tc, test_port_zero_or_too_large_is_error);
	tcase_add_test(tc, test_bad_address_forms_are_errors);
	tcase_add_test(tc, test_duplicate_address_is_error);
	tcase_add_test(tc, test_same_address_on_other_port_is_not_duplicate);
	tcase_add_test(tc, test_list_limits_are_errors);

	tc = tcase(s, "authentication");
	tcase_add_test(tc, test_tls_name_is_lowercased_without_trailing_dot);
	tcase_add_test(tc, test_bad_tls_name_is_error);
	tcase_add_test(tc, test_longest_tls_name_is_valid);
	tcase_add_test(tc, test_pins_only_upstream_is_valid);
	tcase_add_test(tc, test_pin_with_wrong_length_is_error);
	tcase_add_test(tc, test_pin_that_is_not_base64_is_error);
	tcase_add_test(tc, test_duplicate_pin_is_error);
	tcase_add_test(tc, test_relative_ca_file_is_error);
	tcase_add_test(tc, test_ca_file_without_tls_name_is_error);

	tc = tcase(s, "upstream sections");
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

	tc = tcase(s, "file structure");
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

	tc = tcase(s, "access control and limits");
	tcase_add_test(tc, test_hardening_keys_are_parsed);
	tcase_add_test(tc, test_hardening_keys_get_defaults);
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

	tc = tcase(s, "operations");
	tcase_add_test(tc, test_operations_keys_are_parsed);
	tcase_add_test(tc, test_operations_keys_get_defaults);
	tcase_add_test(tc, test_metrics_takes_loopback_addresses_only);
	tcase_add_test(tc, test_control_path_must_fit_a_socket_address);
	tcase_add_test(tc, test_log_words_are_checked);

	tc = tcase(s, "hostile input");
	tcase_add_test(tc, test_nul_byte_is_error_with_line_and_column);
	tcase_add_test(tc, test_control_characters_are_errors);
	tcase_add_test(tc, test_invalid_utf8_is_error);
	tcase_add_test(tc, test_long_line_is_error);
	tcase_add_test(tc, test_random_binary_is_refused_without_crashing);
	tcase_add_test(tc, test_junk_shaped_like_config_is_refused);

	tc = tcase_create("load");
	tcase_add_checked_fixture(tc, load_setup, load_teardown);
	suite_add_tcase(s, tc);
	tcase_add_test(tc, test_load_reads_and_parses_file);
	tcase_add_test(tc, test_load_reports_errors_with_path);
	tcase_add_test(tc, test_load_missing_file_reports_reason);
	tcase_add_test(tc, test_load_directory_reports_reason);
	tcase_add_test(tc, test_load_refuses_files_over_1_mib);

	tc = tcase(s, "example file");
	tcase_add_test(tc, test_example_file_is_valid);
	tcase_add_test(tc, test_example_file_commented_sections_are_valid);

	tc = tcase(s, "defaults");
	tcase_add_test(tc, test_default_listens_on_loopback);
	tcase_add_test(tc, test_default_upstreams_are_authenticated_by_name);

	tc = tcase(s, "selection and bootstrap");
	tcase_add_test(tc, test_selection_keys_have_defaults);
	tcase_add_test(tc, test_strategy_and_max_backoff_are_parsed);
	tcase_add_test(tc, test_host_upstream_is_resolved_through_bootstrap);
	tcase_add_test(tc, test_host_takes_a_port_and_keeps_an_explicit_tls_name);
	tcase_add_test(tc, test_bad_hosts_are_errors);
	tcase_add_test(tc, test_host_needs_bootstrap);
	tcase_add_test(tc, test_upstream_needs_address_or_host);
	tcase_add_test(tc, test_bootstrap_must_not_be_dotstub_itself);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
