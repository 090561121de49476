/*
 * Shared helpers for the config/ unit suite (check_config.c and
 * check_config_*.c).
 *
 * Messages are collected through the error callback into msgs[]; a fixture
 * frees them after each test. Texts are parsed under the name FILE_NAME so
 * that expected messages read like the ones a user sees.
 *
 * The helpers are static inline and keep the short names they had as
 * file-local helpers; they fail the running test through ck_assert. msgs[]
 * and nmsgs are static, so each file has its own: a TCase must get its
 * fixture from tcase() in the file that holds its tests, as all of them do.
 * Helpers used by one file only stay in that file.
 */
#ifndef DST_TESTS_CONFIG_TEST_UTIL_H
#define DST_TESTS_CONFIG_TEST_UTIL_H

#include <check.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "dns/err.h"

#define FILE_NAME "dotstub.conf"
#define MAX_MSGS 128

/* A minimal valid upstream, 3 lines, for texts that test something else. */
#define UP "[upstream u]\naddress = 192.0.2.1\ntls-name = dns.example\n"
#define UP_B "[upstream b]\naddress = 192.0.2.2\ntls-name = dns.example\n"
#define PIN_A "yioEpqeR4WtDwE9YxNVnCEkTxIjx6EEIwFSQW+lJsbc="
#define PIN_B "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
/* The valid keys, as unknown-key messages list them. */
#define SERVER_KEYS                                                                                \
	"listen, allow, deny, query-timeout, tcp-idle-timeout, max-tcp-clients, "                  \
	"max-tcp-pipeline, max-pending, threads, ratelimit, ratelimit-action, ecs, user, chroot, " \
	"control, metrics, log, log-level, log-queries, strategy, max-backoff, bootstrap, "        \
	"state-dir, state-interval, blocklist, allowlist, block-answer, local-zones, hosts, "      \
	"hosts-ttl, dnssec, trust-anchor or trust-anchor-file"
#define UPSTREAM_KEYS                                                                   \
	"address, host, tls-name, pin-sha256, ca-file, max-connections, max-inflight, " \
	"idle-timeout or transport"

static const uint8_t pin_a[DST_CONFIG_PIN_LEN] = {
	0xca, 0x2a, 0x04, 0xa6, 0xa7, 0x91, 0xe1, 0x6b, 0x43, 0xc0, 0x4f,
	0x58, 0xc4, 0xd5, 0x67, 0x08, 0x49, 0x13, 0xc4, 0x88, 0xf1, 0xe8,
	0x41, 0x08, 0xc0, 0x54, 0x90, 0x5b, 0xe9, 0x49, 0xb1, 0xb7,
};

static char *msgs[MAX_MSGS];
static size_t nmsgs;

static inline void collect(void *arg, const char *msg)
{
	(void)arg;
	if (nmsgs < MAX_MSGS)
		msgs[nmsgs] = strdup(msg);
	nmsgs++;
}

static inline void setup(void)
{
	nmsgs = 0;
}

static inline void teardown(void)
{
	for (size_t i = 0; i < nmsgs && i < MAX_MSGS; i++)
		free(msgs[i]);
	nmsgs = 0;
}

/* All collected messages on one line, for failure reports. */
static inline const char *all_msgs(void)
{
	static char buf[8192];

	buf[0] = '\0';
	for (size_t i = 0; i < nmsgs && i < MAX_MSGS; i++) {
		strncat(buf, "\n  ", sizeof buf - strlen(buf) - 1);
		strncat(buf, msgs[i], sizeof buf - strlen(buf) - 1);
	}
	return nmsgs ? buf : " (none)";
}

static inline struct dst_config *parse_ok_len(const char *text, size_t len)
{
	struct dst_config *cfg = NULL;
	int r = dst_config_parse(FILE_NAME, text, len, &cfg, collect, NULL);

	ck_assert_msg(r == 0 && nmsgs == 0, "parse returned %d; messages:%s", r, all_msgs());
	ck_assert_ptr_nonnull(cfg);
	return cfg;
}

static inline struct dst_config *parse_ok(const char *text)
{
	return parse_ok_len(text, strlen(text));
}

/* Parses text that must fail with exactly these messages, in this order. */
static inline void expect_errors_len(const char *text, size_t len, const char *const *want,
				     size_t n)
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

#define expect_errors(text, ...)                                                                \
	do {                                                                                    \
		const char *const text_ = (text);                                               \
		const char *const want_[] = {__VA_ARGS__};                                      \
		expect_errors_len(text_, strlen(text_), want_, sizeof want_ / sizeof want_[0]); \
	} while (0)

/*
 * One line in a section that is otherwise valid; the line is line 2. In an
 * upstream the address and pin come after it, so a bad address, tls-name,
 * pin or ca-file on line 2 is the only problem.
 */
static inline void section_text(char *buf, size_t size, const char *section, const char *line)
{
	if (strcmp(section, "upstream") == 0)
		snprintf(buf, size,
			 "[upstream v]\n%s\naddress = 192.0.2.9\npin-sha256 = " PIN_B "\n", line);
	else
		snprintf(buf, size, "[%s]\n%s\n" UP, section, line);
}

static inline void expect_line_error(const char *section, const char *line, const char *msg)
{
	char text[8192], want[1024];

	section_text(text, sizeof text, section, line);
	snprintf(want, sizeof want, FILE_NAME ":2: %s", msg);
	expect_errors(text, want);
}

static inline struct dst_config *line_ok(const char *section, const char *line)
{
	char text[8192];

	section_text(text, sizeof text, section, line);
	return parse_ok(text);
}

/* A formatted line, for tests that build values. */
static inline const char *fmt(const char *f, ...)
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

static inline char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* A text with a header, then n lines made from a format taking the line's index. */
static inline char *many_lines(const char *head, const char *line_fmt, int n, const char *tail)
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

/* A TCase with the message fixture; the caller adds it to the Suite. */
static inline TCase *tcase(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	return tc;
}

/* ------------------------------------------------------------------ */
/* One TCase each, added to the "config" Suite by check_config.c       */
/* ------------------------------------------------------------------ */

TCase *config_tcase_valid_files(void);
TCase *config_tcase_durations_and_sizes(void);
TCase *config_tcase_addresses(void);
TCase *config_tcase_authentication(void);
TCase *config_tcase_upstream_sections(void);
TCase *config_tcase_file_structure(void);
TCase *config_tcase_access_control_and_limits(void);
TCase *config_tcase_operations(void);
TCase *config_tcase_hostile_input(void);
TCase *config_tcase_load(void);
TCase *config_tcase_example_file(void);
TCase *config_tcase_defaults(void);
TCase *config_tcase_selection_and_bootstrap(void);
TCase *config_tcase_base64(void);
TCase *config_tcase_effective_config(void);
TCase *config_tcase_zones(void);
TCase *config_tcase_policy(void);
TCase *config_tcase_dnssec(void);

#endif
