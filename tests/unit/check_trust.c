/*
 * Unit tests for resolver/trust.c: the trust anchors a configuration asks
 * for (the built-in root anchors, or exactly the configured records and
 * file), the errors that name the configuration's FILE:LINE, nothing at
 * all with dnssec = off or in a build without the validator, and when two
 * configurations ask for the same anchors.
 *
 * Configurations are parsed from text by config/, as dotstub reads them;
 * anchor files are written to a temporary directory.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "dns/err.h"
#include "resolver/trust.h"
#if DST_DNSSEC
#include "resolver/validate/validate.h"
#endif

#define CONF "dotstub.conf"
#define UP "[upstream u]\naddress = 192.0.2.1\ntls-name = dns.example\n"
#define DS_2017 ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"
#define DS_2024 ". IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16"
/* An Ed25519 key (any 32 bytes parse: a trust anchor is not checked until used). */
#define DNSKEY_TEST "test. IN DNSKEY 257 3 15 yioEpqeR4WtDwE9YxNVnCEkTxIjx6EEIwFSQW+lJsbc="

static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof dir, "/tmp/check_trust.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
	static const char *const files[] = {"root.ds", "bad.ds", "empty.ds"};
	char path[128];

	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

static void no_errors(void *arg, const char *msg)
{
	(void)arg;
	ck_abort_msg("config error: %s", msg);
}

static struct dst_config *parse(const char *text)
{
	struct dst_config *cfg = NULL;

	ck_assert_int_eq(dst_config_parse(CONF, text, strlen(text), &cfg, no_errors, NULL), 0);
	return cfg;
}

/* Loads cfg's anchors; returns the status, with the anchor count in *count. */
static int load(const struct dst_config *cfg, size_t *count, char *err, size_t errlen)
{
	struct dst_val_anchors *ta = (struct dst_val_anchors *)&ta; /* not NULL: must be set */
	int r = dst_trust_anchors_load(cfg, &ta, err, errlen);

	*count = 0;
#if DST_DNSSEC
	*count = dst_val_anchors_count(ta);
	dst_val_anchors_free(ta);
#else
	ck_assert_ptr_null(ta);
#endif
	if (r < 0)
		ck_assert_uint_eq(*count, 0); /* on failure, *out is NULL */
	return r;
}

START_TEST(test_off_loads_nothing)
{
	struct dst_config *cfg = parse("[server]\ndnssec = off\ntrust-anchor = " DS_2017 "\n" UP);
	struct dst_val_anchors *ta = (struct dst_val_anchors *)&ta;
	char err[256] = "untouched";

	ck_assert_int_eq(dst_trust_anchors_load(cfg, &ta, err, sizeof err), 0);
	ck_assert_ptr_null(ta);
	ck_assert_str_eq(err, "");
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_default_is_the_built_in_root_anchors)
{
	struct dst_config *cfg = NULL;
	char err[256];
	size_t n;

	ck_assert_int_eq(dst_config_default(&cfg), 0);
	ck_assert_int_eq(load(cfg, &n, err, sizeof err), 0);
	/* KSK-2017 and KSK-2024; none at all without the validator. */
	ck_assert_uint_eq(n, DST_DNSSEC ? 2 : 0);
	dst_config_free(cfg);
}
END_TEST

#if DST_DNSSEC

/* Writes text to dir/name; returns the path (a static buffer, one at a time). */
static const char *write_file(const char *name, const char *text)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

/* A configuration text with a path in it (a static buffer, one at a time). */
__attribute__((format(printf, 1, 2))) static const char *fmt_conf(const char *f, ...)
{
	static char buf[1024];
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, sizeof buf, f, ap);
	va_end(ap);
	return buf;
}

START_TEST(test_configured_anchors_replace_the_built_in_ones)
{
	struct dst_config *cfg = parse("[server]\ntrust-anchor = " DS_2024 "\n" UP);
	char err[256];
	size_t n;

	ck_assert_int_eq(load(cfg, &n, err, sizeof err), 0);
	ck_assert_uint_eq(n, 1);
	dst_config_free(cfg);
	cfg = parse("[server]\ntrust-anchor = " DS_2024 "\ntrust-anchor = " DNSKEY_TEST "\n" UP);
	ck_assert_int_eq(load(cfg, &n, err, sizeof err), 0);
	ck_assert_uint_eq(n, 2);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_bad_anchor_names_its_line)
{
	struct dst_config *cfg = parse("[server]\ntrust-anchor = " DS_2017 "\n\n"
				       "trust-anchor = example. IN A 192.0.2.1\n" UP);
	char err[256];
	size_t n;

	ck_assert_int_eq(load(cfg, &n, err, sizeof err), DST_EINVAL);
	ck_assert_str_eq(err, CONF ":4: trust-anchor: a DS or DNSKEY record expected");
	dst_config_free(cfg);

	cfg = parse("[server]\ntrust-anchor = . IN DS 20326 8 2 not-hex\n" UP);
	ck_assert_int_eq(load(cfg, &n, err, sizeof err), DST_EINVAL);
	ck_assert_msg(strncmp(err, CONF ":2: trust-anchor: ", strlen(CONF ":2: trust-anchor: ")) ==
				      0 &&
			      strlen(err) > strlen(CONF ":2: trust-anchor: "),
		      "%s", err);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_anchor_file)
{
	const char *path = write_file("root.ds", "; the root, and a test zone\n" DS_2017
						 "\n\n" DS_2024 "\n" DNSKEY_TEST "\n");
	struct dst_config *cfg = parse(fmt_conf("[server]\ntrust-anchor-file = %s\n" UP, path));
	char err[256];
	size_t n;

	ck_assert_int_eq(load(cfg, &n, err, sizeof err), 0);
	ck_assert_uint_eq(n, 3);
	dst_config_free(cfg);
	/* With trust-anchor lines too: all of them. */
	cfg = parse(fmt_conf("[server]\ntrust-anchor-file = %s\ntrust-anchor = " DS_2017 "\n" UP,
			     path));
	ck_assert_int_eq(load(cfg, &n, err, sizeof err), 0);
	ck_assert_uint_eq(n, 4);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_anchor_file_errors_name_the_file)
{
	char want[512], path[128];
	struct dst_config *cfg;
	size_t n;
	char err[512];

	snprintf(path, sizeof path, "%s/missing.ds", dir);
	cfg = parse(fmt_conf("[server]\n\ntrust-anchor-file = %s\n" UP, path));
	ck_assert_int_eq(load(cfg, &n, err, sizeof err), -ENOENT);
	snprintf(want, sizeof want, CONF ":3: trust-anchor-file %s: %s", path, strerror(ENOENT));
	ck_assert_str_eq(err, want);
	dst_config_free(cfg);

	snprintf(path, sizeof path, "%s",
		 write_file("bad.ds", DS_2017 "\nexample. IN A 1.2.3.4\n"));
	cfg = parse(fmt_conf("[server]\ntrust-anchor-file = %s\n" UP, path));
	ck_assert_int_eq(load(cfg, &n, err, sizeof err), DST_EINVAL);
	snprintf(want, sizeof want,
		 CONF ":2: trust-anchor-file %s: line 2: a DS or DNSKEY record expected", path);
	ck_assert_str_eq(err, want);
	dst_config_free(cfg);

	snprintf(path, sizeof path, "%s", write_file("empty.ds", "; nothing here\n"));
	cfg = parse(fmt_conf("[server]\ntrust-anchor-file = %s\n" UP, path));
	ck_assert_int_eq(load(cfg, &n, err, sizeof err), DST_EINVAL);
	snprintf(want, sizeof want, CONF ":2: trust-anchor-file %s: no DS or DNSKEY record", path);
	ck_assert_str_eq(err, want);
	dst_config_free(cfg);

	/* A directory is no file of records. */
	cfg = parse(fmt_conf("[server]\ntrust-anchor-file = %s\n" UP, dir));
	ck_assert_int_lt(load(cfg, &n, err, sizeof err), 0);
	snprintf(want, sizeof want, CONF ":2: trust-anchor-file %s: ", dir);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
	dst_config_free(cfg);
}
END_TEST

#endif /* DST_DNSSEC */

START_TEST(test_same_anchors)
{
	static const char *const texts[] = {
		UP,
		"[server]\ndnssec = off\n" UP,
		"[server]\ntrust-anchor = " DS_2017 "\n" UP,
		"[server]\ntrust-anchor = " DS_2024 "\n" UP,
		"[server]\ntrust-anchor = " DS_2017 "\ntrust-anchor = " DS_2024 "\n" UP,
		"[server]\ntrust-anchor = " DS_2024 "\ntrust-anchor = " DS_2017 "\n" UP,
		"[server]\ntrust-anchor-file = /etc/dotstub/root.ds\n" UP,
		"[server]\ntrust-anchor-file = /etc/dotstub/other.ds\n" UP,
	};
	/* Without the validator, the first two are both dnssec = off with no anchors. */
	size_t first = DST_DNSSEC ? 0 : 1, n = sizeof texts / sizeof texts[0];
	struct dst_config *a, *b;

	for (size_t i = first; i < n; i++) {
		a = parse(texts[i]);
		for (size_t k = first; k < n; k++) {
			b = parse(texts[k]);
			ck_assert_msg(dst_trust_anchors_same(a, b) == (i == k), "%zu and %zu", i,
				      k);
			dst_config_free(b);
		}
		dst_config_free(a);
	}
	/* Other keys do not matter: the same anchors, at other lines. */
	a = parse("[server]\nthreads = 2\n\ntrust-anchor = " DS_2017 "\n" UP);
	b = parse("[server]\ntrust-anchor = " DS_2017 "\n" UP "[zone lan]\ndnssec = off\n");
	ck_assert(dst_trust_anchors_same(a, b));
	dst_config_free(a);
	dst_config_free(b);
}
END_TEST

static Suite *trust_suite(void)
{
	Suite *s = suite_create("trust");
	TCase *tc = tcase_create("anchors");

	tcase_add_checked_fixture(tc, make_dir, remove_dir);
	tcase_add_test(tc, test_off_loads_nothing);
	tcase_add_test(tc, test_default_is_the_built_in_root_anchors);
#if DST_DNSSEC
	tcase_add_test(tc, test_configured_anchors_replace_the_built_in_ones);
	tcase_add_test(tc, test_bad_anchor_names_its_line);
	tcase_add_test(tc, test_anchor_file);
	tcase_add_test(tc, test_anchor_file_errors_name_the_file);
#endif
	tcase_add_test(tc, test_same_anchors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(trust_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
