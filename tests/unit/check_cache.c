/*
 * Unit suite for cache/: keys, TTL arithmetic, expiry, replacement, eviction
 * and the byte budget, the ring; capped stores (negative answers, SERVFAIL),
 * serve-stale and prefetch flags.
 *
 * One Suite ("cache"), one program. The TCases live in one file per area,
 * each exposing a cache_tcase_<name>() that builds its TCase:
 *   check_cache_core.c    key, lookup, ttl, expiry, replace, eviction, budget
 *   check_cache_policy.c  capped, stale, prefetch, input
 *   check_cache_ring.c    ring (randomized model test, resident memory)
 *   check_cache_threads.c one cache shared by several threads
 *   check_cache_persist.c entries saved and loaded (persisted state)
 * Answer-building helpers shared between them are in cache_test_util.h.
 * This file only puts the TCases together, in a fixed order.
 */
#include <check.h>
#include <stdlib.h>

#include "tests/unit/cache_test_util.h"

static Suite *cache_suite(void)
{
	Suite *s = suite_create("cache");

	suite_add_tcase(s, cache_tcase_key());
	suite_add_tcase(s, cache_tcase_lookup());
	suite_add_tcase(s, cache_tcase_ttl());
	suite_add_tcase(s, cache_tcase_expiry());
	suite_add_tcase(s, cache_tcase_replace());
	suite_add_tcase(s, cache_tcase_eviction());
	suite_add_tcase(s, cache_tcase_ring());
	suite_add_tcase(s, cache_tcase_budget());
	suite_add_tcase(s, cache_tcase_capped());
	suite_add_tcase(s, cache_tcase_stale());
	suite_add_tcase(s, cache_tcase_prefetch());
	suite_add_tcase(s, cache_tcase_input());
	suite_add_tcase(s, cache_tcase_threads());
	suite_add_tcase(s, cache_tcase_persist());
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cache_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
