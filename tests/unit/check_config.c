/*
 * Unit tests for config/: the file format, every key, every error message
 * (asserted word for word, with its FILE:LINE), the limits, hostile input
 * and the built-in defaults.
 *
 * One Suite ("config"), one program. The TCases live in one file per area,
 * each exposing a config_tcase_<name>() that builds its TCase:
 *   check_config_syntax.c    valid files, file structure, hostile input,
 *                            load, example file, defaults
 *   check_config_values.c    durations and sizes, addresses
 *   check_config_server.c    access control and limits, operations
 *   check_config_upstream.c  authentication, upstream sections,
 *                            selection and bootstrap
 *   check_config_base64.c    the base64 decoder and encoder behind pin-sha256
 *   check_config_print.c     the effective configuration: origins, round trip
 *   check_config_zones.c     [zone] sections and transport = dns upstreams
 *   check_config_policy.c    blocklist, allowlist, block-answer
 *   check_config_dnssec.c    dnssec, trust anchors, [zone] dnssec,
 *                            dst_config_zone_validates
 * The message fixture and parse helpers they share are in
 * config_test_util.h. This file only puts the TCases together, in a fixed
 * order.
 */
#include <check.h>
#include <stdlib.h>

#include "tests/unit/config_test_util.h"

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");

	suite_add_tcase(s, config_tcase_valid_files());
	suite_add_tcase(s, config_tcase_durations_and_sizes());
	suite_add_tcase(s, config_tcase_addresses());
	suite_add_tcase(s, config_tcase_authentication());
	suite_add_tcase(s, config_tcase_upstream_sections());
	suite_add_tcase(s, config_tcase_file_structure());
	suite_add_tcase(s, config_tcase_access_control_and_limits());
	suite_add_tcase(s, config_tcase_operations());
	suite_add_tcase(s, config_tcase_hostile_input());
	suite_add_tcase(s, config_tcase_load());
	suite_add_tcase(s, config_tcase_example_file());
	suite_add_tcase(s, config_tcase_defaults());
	suite_add_tcase(s, config_tcase_selection_and_bootstrap());
	suite_add_tcase(s, config_tcase_base64());
	suite_add_tcase(s, config_tcase_effective_config());
	suite_add_tcase(s, config_tcase_zones());
	suite_add_tcase(s, config_tcase_policy());
	suite_add_tcase(s, config_tcase_dnssec());
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
