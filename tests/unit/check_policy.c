/*
 * Unit tests for resolver/policy/: the zone table (which [zone] a name
 * falls under: the longest zone that is the name or a parent, the root
 * zone as the fallback, lower-case wire names, a later definition of the
 * same name replacing the earlier one, malformed names matching nothing).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "dns/err.h"
#include "resolver/policy/zones.h"

/* A name as text, in wire form (lower-cased by the caller's text). */
static size_t wire(const char *text, uint8_t out[DST_DNS_MAX_NAME])
{
	size_t n = dst_dns_name_from_text(text, out);

	ck_assert_msg(n > 0, "bad test name %s", text);
	return n;
}

static struct dst_zones *table(const char *const *names, size_t n)
{
	static uint8_t bufs[16][DST_DNS_MAX_NAME];
	struct dst_zone_def defs[16];
	struct dst_zones *z = NULL;

	ck_assert_uint_le(n, 16);
	for (size_t i = 0; i < n; i++)
		defs[i] =
			(struct dst_zone_def){bufs[i], wire(names[i], bufs[i]), (uint32_t)i + 100};
	ck_assert_int_eq(dst_zones_new(defs, n, &z), 0);
	ck_assert_ptr_nonnull(z);
	return z;
}

static uint32_t match(const struct dst_zones *z, const char *name)
{
	uint8_t w[DST_DNS_MAX_NAME];

	return dst_zones_match(z, w, wire(name, w));
}

START_TEST(test_longest_zone_wins)
{
	static const char *const names[] = {"example", "corp.example", "a.b.corp.example",
					    "168.192.in-addr.arpa"};
	struct dst_zones *z = table(names, 4);

	ck_assert_uint_eq(dst_zones_count(z), 4);
	ck_assert_uint_eq(match(z, "example"), 100);
	ck_assert_uint_eq(match(z, "www.example"), 100);
	ck_assert_uint_eq(match(z, "corp.example"), 101);
	ck_assert_uint_eq(match(z, "x.corp.example"), 101);
	ck_assert_uint_eq(match(z, "b.corp.example"), 101);
	ck_assert_uint_eq(match(z, "a.b.corp.example"), 102);
	ck_assert_uint_eq(match(z, "z.a.b.corp.example"), 102);
	ck_assert_uint_eq(match(z, "10.1.168.192.in-addr.arpa"), 103);
	ck_assert_uint_eq(match(z, "in-addr.arpa"), DST_ZONES_NONE);
	ck_assert_uint_eq(match(z, "1.1.1.10.in-addr.arpa"), DST_ZONES_NONE);
	dst_zones_free(z);
}
END_TEST

START_TEST(test_only_whole_labels_match)
{
	static const char *const names[] = {"corp.example", "lan"};
	struct dst_zones *z = table(names, 2);

	ck_assert_uint_eq(match(z, "xcorp.example"), DST_ZONES_NONE);
	ck_assert_uint_eq(match(z, "corp.example.com"), DST_ZONES_NONE);
	ck_assert_uint_eq(match(z, "plan"), DST_ZONES_NONE);
	ck_assert_uint_eq(match(z, "printer.lan"), 101);
	ck_assert_uint_eq(match(z, "lan.example"), DST_ZONES_NONE);
	dst_zones_free(z);
}
END_TEST

START_TEST(test_root_zone_is_the_fallback)
{
	static const char *const names[] = {".", "lan"};
	struct dst_zones *z = table(names, 2);

	ck_assert_uint_eq(match(z, "printer.lan"), 101);
	ck_assert_uint_eq(match(z, "www.example.com"), 100);
	ck_assert_uint_eq(match(z, "."), 100);
	dst_zones_free(z);
	z = table(names + 1, 1);
	ck_assert_uint_eq(match(z, "."), DST_ZONES_NONE);
	dst_zones_free(z);
}
END_TEST

START_TEST(test_trailing_dot_and_case_are_the_callers)
{
	static const char *const names[] = {"corp.example."};
	struct dst_zones *z = table(names, 1);
	uint8_t w[DST_DNS_MAX_NAME];
	size_t n = wire("WWW.Corp.Example", w);

	ck_assert_uint_eq(match(z, "www.corp.example"), 100);
	ck_assert_uint_eq(match(z, "www.corp.example."), 100);
	/* The table matches lower-case wire names: the caller folds case once per query. */
	ck_assert_uint_eq(dst_zones_match(z, w, n), DST_ZONES_NONE);
	dst_zones_free(z);
}
END_TEST

START_TEST(test_later_definition_wins)
{
	static const char *const names[] = {"lan", "corp.example", "lan"};
	struct dst_zones *z = table(names, 3);

	ck_assert_uint_eq(dst_zones_count(z), 2);
	ck_assert_uint_eq(match(z, "printer.lan"), 102);
	dst_zones_free(z);
}
END_TEST

START_TEST(test_empty_and_null_tables_match_nothing)
{
	struct dst_zones *z = NULL;

	ck_assert_int_eq(dst_zones_new(NULL, 0, &z), 0);
	ck_assert_uint_eq(dst_zones_count(z), 0);
	ck_assert_uint_eq(match(z, "www.example"), DST_ZONES_NONE);
	dst_zones_free(z);
	ck_assert_uint_eq(match(NULL, "www.example"), DST_ZONES_NONE);
	ck_assert_uint_eq(dst_zones_count(NULL), 0);
}
END_TEST

START_TEST(test_malformed_names_match_nothing_and_are_refused)
{
	static const char *const names[] = {"example"};
	struct dst_zones *z = table(names, 1);
	static const uint8_t no_root[] = "\x03www\x07"
					 "example"; /* the string's NUL is the root */
	static const uint8_t long_label[] = "\x40"
					    "a";
	struct dst_zone_def bad = {long_label, sizeof long_label, 1};
	struct dst_zones *other = (struct dst_zones *)&bad;

	ck_assert_uint_eq(dst_zones_match(z, no_root, sizeof no_root), 100);
	ck_assert_uint_eq(dst_zones_match(z, no_root, sizeof no_root - 1), DST_ZONES_NONE);
	ck_assert_uint_eq(dst_zones_match(z, no_root, sizeof no_root - 3), DST_ZONES_NONE);
	ck_assert_uint_eq(dst_zones_match(z, long_label, sizeof long_label), DST_ZONES_NONE);
	ck_assert_uint_eq(dst_zones_match(z, no_root, 0), DST_ZONES_NONE);
	ck_assert_int_eq(dst_zones_new(&bad, 1, &other), DST_EINVAL);
	ck_assert_ptr_null(other);
	dst_zones_free(z);
}
END_TEST

START_TEST(test_many_zones)
{
	enum { N = 1024 };
	struct dst_zone_def *defs = calloc(N, sizeof(*defs));
	uint8_t(*w)[DST_DNS_MAX_NAME] = calloc(N, sizeof(*w));
	struct dst_zones *z = NULL;
	char name[64];

	ck_assert_ptr_nonnull(defs);
	ck_assert_ptr_nonnull(w);
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof name, "z%d.tld%d", i, i % 7);
		defs[i] = (struct dst_zone_def){w[i], wire(name, w[i]), (uint32_t)i};
	}
	ck_assert_int_eq(dst_zones_new(defs, N, &z), 0);
	ck_assert_uint_eq(dst_zones_count(z), N);
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof name, "host.z%d.tld%d", i, i % 7);
		ck_assert_uint_eq(match(z, name), (uint32_t)i);
		snprintf(name, sizeof name, "host.z%d.tld%d", i, (i + 1) % 7);
		ck_assert_uint_eq(match(z, name), DST_ZONES_NONE);
	}
	dst_zones_free(z);
	free(defs);
	free(w);
}
END_TEST

static Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("zone table");

	tcase_add_test(tc, test_longest_zone_wins);
	tcase_add_test(tc, test_only_whole_labels_match);
	tcase_add_test(tc, test_root_zone_is_the_fallback);
	tcase_add_test(tc, test_trailing_dot_and_case_are_the_callers);
	tcase_add_test(tc, test_later_definition_wins);
	tcase_add_test(tc, test_empty_and_null_tables_match_nothing);
	tcase_add_test(tc, test_malformed_names_match_nothing_and_are_refused);
	tcase_add_test(tc, test_many_zones);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(policy_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
