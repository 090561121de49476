/*
 * Unit tests for dns/: the wire cursor, client query vetting, the messages
 * dotstub builds, and the checks on upstream answers.
 *
 * One Suite ("dns"), one program. The TCases live in one file per area,
 * each exposing a dns_tcase_<name>() that builds its TCase:
 *   check_dns_query.c    cursor, parse_query, upstream_query (ECS, keepalive)
 *   check_dns_answer.c   prepare_answer
 *   check_dns_finish.c   finish_answer
 *   check_dns_hostile.c  hostile_input (every prefix, random mutations)
 *   check_dns_misc.c     strerror, error_response, any_answer, error_response_ede
 * Message-building helpers shared between them are in dns_test_util.h.
 * This file only puts the TCases together, in a fixed order.
 */
#include <check.h>
#include <stdlib.h>

#include "tests/unit/dns_test_util.h"

static Suite *dns_suite(void)
{
	Suite *s = suite_create("dns");

	suite_add_tcase(s, dns_tcase_strerror());
	suite_add_tcase(s, dns_tcase_cursor());
	suite_add_tcase(s, dns_tcase_parse_query());
	suite_add_tcase(s, dns_tcase_error_response());
	suite_add_tcase(s, dns_tcase_upstream_query());
	suite_add_tcase(s, dns_tcase_prepare_answer());
	suite_add_tcase(s, dns_tcase_finish_answer());
	suite_add_tcase(s, dns_tcase_any_answer());
	suite_add_tcase(s, dns_tcase_hostile_input());
	suite_add_tcase(s, dns_tcase_error_response_ede());
	suite_add_tcase(s, dns_tcase_text());
	suite_add_tcase(s, dns_tcase_strip_dnssec());
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(dns_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
