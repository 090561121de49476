/*
 * Unit tests for tls/clock: the clock floor, and the decision about a
 * certificate chain that a clock before the floor makes look not yet
 * valid (dst_tls_clock_judge). The decision is pure: each test gives
 * GnuTLS's verification status (with and without time checks), whether a
 * pin matched, the validity periods of the path, the clock and the floor.
 *
 * Times are around a fixed floor F; "year" is 365 days. A chain is the
 * server's certificate then its CA.
 */
#include "config.h"

#include <check.h>
#include <gnutls/gnutls.h>
#include <stdlib.h>
#include <string.h>

#include "tls/clock.h"
#include "tls/tls.h"

#define F ((int64_t)1796676041) /* the floor */
#define DAY ((int64_t)86400)
#define YEAR (365 * DAY)

/* GnuTLS's status for a chain that is only not yet valid, and for one that expired. */
#define NOT_ACTIVE (GNUTLS_CERT_INVALID | GNUTLS_CERT_NOT_ACTIVATED)
#define EXPIRED (GNUTLS_CERT_INVALID | GNUTLS_CERT_EXPIRED)

/* A chain made after the floor (F + 1 day), valid for 90 days. */
static const struct dst_tls_validity made_after[2] = {
	{F + DAY, F + 90 * DAY},
	{F + DAY, F + 10 * YEAR},
};
/* A chain whose start is 10 days before the floor, valid for 90 days. */
static const struct dst_tls_validity made_before[2] = {
	{F - 10 * DAY, F + 80 * DAY},
	{F - 10 * DAY, F + 10 * YEAR},
};

static enum dst_tls_clock_verdict judge(unsigned status, unsigned untimed, bool pinned,
					const struct dst_tls_validity *chain, int64_t now)
{
	return dst_tls_clock_judge(status, untimed, pinned, chain, 2, now, F);
}

#define ck_verdict(got, want)                                                                      \
	ck_assert_msg((got) == (want), "verdict %s, expected %s", dst_tls_clock_verdict_name(got), \
		      dst_tls_clock_verdict_name(want))

START_TEST(test_not_yet_valid_pinned_is_excused_a_year_before_the_floor)
{
	ck_verdict(judge(NOT_ACTIVE, 0, true, made_after, F - YEAR), DST_CLOCK_EXCUSED);
}
END_TEST

START_TEST(test_not_yet_valid_unpinned_starting_after_the_floor_says_clock_is_wrong)
{
	ck_verdict(judge(NOT_ACTIVE, 0, false, made_after, F - YEAR), DST_CLOCK_WRONG);
	ck_assert_str_eq(dst_tls_clock_verdict_name(DST_CLOCK_WRONG), "clock is wrong");
}
END_TEST

START_TEST(test_not_yet_valid_unpinned_starting_before_the_floor_is_excused)
{
	ck_verdict(judge(NOT_ACTIVE, 0, false, made_before, F - YEAR), DST_CLOCK_EXCUSED);
}
END_TEST

START_TEST(test_notbefore_exactly_at_the_floor_counts_as_started)
{
	const struct dst_tls_validity chain[2] = {{F, F + 90 * DAY}, {F - YEAR, F + YEAR}};

	ck_verdict(judge(NOT_ACTIVE, 0, false, chain, F - DAY), DST_CLOCK_EXCUSED);
}
END_TEST

/* Each certificate not yet valid must have started by the floor, the CA too. */
START_TEST(test_one_certificate_starting_after_the_floor_needs_a_pin)
{
	const struct dst_tls_validity chain[2] = {
		{F - 10 * DAY, F + 80 * DAY}, /* leaf: started before the floor */
		{F + 1, F + 10 * YEAR},       /* CA: starts after it */
	};

	ck_verdict(judge(NOT_ACTIVE, 0, false, chain, F - YEAR), DST_CLOCK_WRONG);
	ck_verdict(judge(NOT_ACTIVE, 0, true, chain, F - YEAR), DST_CLOCK_EXCUSED);
}
END_TEST

/* Certificates already valid by the wrong clock need no excuse; only the others count. */
START_TEST(test_only_certificates_not_yet_valid_by_the_clock_are_looked_at)
{
	const struct dst_tls_validity chain[2] = {
		{F - 10 * DAY, F + 80 * DAY}, /* leaf: not yet valid by now, started by the floor */
		{F - 20 * YEAR, F + 10 * YEAR}, /* CA: valid by now */
	};

	ck_verdict(judge(NOT_ACTIVE, 0, false, chain, F - YEAR), DST_CLOCK_EXCUSED);
}
END_TEST

/* GnuTLS said "not yet valid" about a certificate not on the list (an anchor it found). */
START_TEST(test_not_yet_valid_where_no_listed_certificate_is_needs_a_pin)
{
	const struct dst_tls_validity chain[1] = {{F - 20 * YEAR, F + YEAR}};

	ck_verdict(dst_tls_clock_judge(NOT_ACTIVE, 0, false, chain, 1, F - YEAR, F),
		   DST_CLOCK_WRONG);
	ck_verdict(dst_tls_clock_judge(NOT_ACTIVE, 0, true, chain, 1, F - YEAR, F),
		   DST_CLOCK_EXCUSED);
	ck_verdict(dst_tls_clock_judge(NOT_ACTIVE, 0, false, NULL, 0, F - YEAR, F),
		   DST_CLOCK_WRONG);
}
END_TEST

START_TEST(test_clock_at_the_floor_is_strict)
{
	ck_verdict(judge(NOT_ACTIVE, 0, true, made_after, F), DST_CLOCK_INVALID);
	ck_verdict(judge(NOT_ACTIVE, 0, true, made_after, F + YEAR), DST_CLOCK_INVALID);
	ck_verdict(judge(0, 0, false, made_after, F + DAY), DST_CLOCK_VALID);
}
END_TEST

START_TEST(test_clock_one_second_before_the_floor_is_wrong)
{
	ck_verdict(judge(NOT_ACTIVE, 0, true, made_after, F - 1), DST_CLOCK_EXCUSED);
}
END_TEST

/* A clock ahead of the certificate's end: expired, pinned or not, with or without the floor. */
START_TEST(test_expired_by_the_clock_is_never_excused)
{
	ck_verdict(judge(EXPIRED, 0, true, made_after, F + 3 * YEAR), DST_CLOCK_INVALID);
	/* Before the floor, GnuTLS's "expired" is the truth too (the real time is later). */
	ck_verdict(judge(EXPIRED, 0, true, made_before, F - DAY), DST_CLOCK_EXPIRED);
	ck_verdict(judge(EXPIRED | GNUTLS_CERT_NOT_ACTIVATED, 0, true, made_after, F - DAY),
		   DST_CLOCK_EXPIRED);
}
END_TEST

/* The floor has passed: a notAfter before it has passed too, whatever the clock says. */
START_TEST(test_expired_by_the_floor_is_never_excused)
{
	const struct dst_tls_validity chain[2] = {
		{F - 100 * DAY, F - 50 * DAY},
		{F - 100 * DAY, F + 10 * YEAR},
	};

	ck_verdict(judge(NOT_ACTIVE, 0, true, chain, F - YEAR), DST_CLOCK_EXPIRED);
	/* Even when GnuTLS, by the wrong clock, accepted it. */
	ck_verdict(judge(0, 0, true, chain, F - 60 * DAY), DST_CLOCK_EXPIRED);
}
END_TEST

START_TEST(test_notafter_exactly_at_the_floor_is_not_expired)
{
	const struct dst_tls_validity chain[2] = {{F - 100 * DAY, F}, {F - YEAR, F + YEAR}};

	ck_verdict(judge(0, 0, false, chain, F - 60 * DAY), DST_CLOCK_VALID);
}
END_TEST

/* Only "not yet valid" is excused: any other failure stands, pinned or not. */
START_TEST(test_other_failures_are_not_excused)
{
	static const unsigned others[] = {
		GNUTLS_CERT_SIGNER_NOT_FOUND,   GNUTLS_CERT_SIGNATURE_FAILURE,
		GNUTLS_CERT_UNEXPECTED_OWNER,   GNUTLS_CERT_REVOKED,
		GNUTLS_CERT_INSECURE_ALGORITHM, GNUTLS_CERT_SIGNER_NOT_CA,
	};

	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		unsigned st = NOT_ACTIVE | others[i];

		ck_verdict(judge(st, st & ~GNUTLS_CERT_NOT_ACTIVATED, true, made_before, F - YEAR),
			   DST_CLOCK_INVALID);
		ck_verdict(judge(GNUTLS_CERT_INVALID | others[i], GNUTLS_CERT_INVALID | others[i],
				 true, made_before, F - YEAR),
			   DST_CLOCK_INVALID);
	}
}
END_TEST

/* The verification without time checks must pass: INVALID alone hides a reason. */
START_TEST(test_untimed_failure_is_not_excused)
{
	ck_verdict(judge(NOT_ACTIVE, GNUTLS_CERT_INVALID, true, made_after, F - YEAR),
		   DST_CLOCK_INVALID);
	ck_verdict(judge(NOT_ACTIVE, GNUTLS_CERT_INVALID | GNUTLS_CERT_SIGNER_NOT_FOUND, false,
			 made_before, F - YEAR),
		   DST_CLOCK_INVALID);
}
END_TEST

START_TEST(test_valid_by_a_wrong_clock_is_valid)
{
	ck_verdict(judge(0, 0, false, made_before, F - DAY), DST_CLOCK_VALID);
}
END_TEST

/* In one test: the floor is process-wide, and only ever rises. */
START_TEST(test_floor_is_the_build_time_raised_by_the_state_and_never_lowered)
{
	enum dst_tls_floor_source src;

	ck_assert_int_eq(dst_tls_clock_floor(&src), DST_BUILD_TIME);
	ck_assert_int_eq(src, DST_FLOOR_BUILD);
	ck_assert_str_eq(dst_tls_floor_source_name(src), "dotstub's build time");
	/* A saved state older than the build leaves the build time. */
	dst_tls_set_clock_floor(DST_BUILD_TIME - YEAR);
	dst_tls_set_clock_floor(0);
	dst_tls_set_clock_floor(-1);
	ck_assert_int_eq(dst_tls_clock_floor(&src), DST_BUILD_TIME);
	ck_assert_int_eq(src, DST_FLOOR_BUILD);
	dst_tls_set_clock_floor(DST_BUILD_TIME + 2 * DAY);
	ck_assert_int_eq(dst_tls_clock_floor(&src), DST_BUILD_TIME + 2 * DAY);
	ck_assert_int_eq(src, DST_FLOOR_STATE);
	ck_assert_str_eq(dst_tls_floor_source_name(src), "the saved state's time");
	dst_tls_set_clock_floor(DST_BUILD_TIME + DAY);
	ck_assert_int_eq(dst_tls_clock_floor(NULL), DST_BUILD_TIME + 2 * DAY);
}
END_TEST

START_TEST(test_warning_once_until_the_clock_passes_the_floor)
{
	ck_assert(dst_tls_clock_warn_once());
	ck_assert(!dst_tls_clock_warn_once());
	ck_assert(!dst_tls_clock_warn_once());
	dst_tls_clock_passed();
	ck_assert(dst_tls_clock_warn_once());
	ck_assert(!dst_tls_clock_warn_once());
}
END_TEST

START_TEST(test_clock_text_is_utc_in_the_iso_form)
{
	char buf[32];

	dst_tls_clock_text(0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1970-01-01T00:00:00Z");
	dst_tls_clock_text(F, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2026-12-07T20:40:41Z");
}
END_TEST

static Suite *clock_suite(void)
{
	Suite *s = suite_create("tls_clock");
	TCase *tc = tcase_create("excused");

	tcase_add_test(tc, test_not_yet_valid_pinned_is_excused_a_year_before_the_floor);
	tcase_add_test(tc,
		       test_not_yet_valid_unpinned_starting_after_the_floor_says_clock_is_wrong);
	tcase_add_test(tc, test_not_yet_valid_unpinned_starting_before_the_floor_is_excused);
	tcase_add_test(tc, test_notbefore_exactly_at_the_floor_counts_as_started);
	tcase_add_test(tc, test_one_certificate_starting_after_the_floor_needs_a_pin);
	tcase_add_test(tc, test_only_certificates_not_yet_valid_by_the_clock_are_looked_at);
	tcase_add_test(tc, test_not_yet_valid_where_no_listed_certificate_is_needs_a_pin);
	tcase_add_test(tc, test_clock_one_second_before_the_floor_is_wrong);
	suite_add_tcase(s, tc);

	tc = tcase_create("not_excused");
	tcase_add_test(tc, test_clock_at_the_floor_is_strict);
	tcase_add_test(tc, test_expired_by_the_clock_is_never_excused);
	tcase_add_test(tc, test_expired_by_the_floor_is_never_excused);
	tcase_add_test(tc, test_notafter_exactly_at_the_floor_is_not_expired);
	tcase_add_test(tc, test_other_failures_are_not_excused);
	tcase_add_test(tc, test_untimed_failure_is_not_excused);
	tcase_add_test(tc, test_valid_by_a_wrong_clock_is_valid);
	suite_add_tcase(s, tc);

	tc = tcase_create("floor");
	tcase_add_test(tc, test_floor_is_the_build_time_raised_by_the_state_and_never_lowered);
	tcase_add_test(tc, test_warning_once_until_the_clock_passes_the_floor);
	tcase_add_test(tc, test_clock_text_is_utc_in_the_iso_form);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(clock_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
