/*
 * cache/ unit tests, the ring the entries live in: randomized operations
 * against a model of what must be served, and resident memory under a
 * flood. Part of check_cache.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache/cache.h"
#include "dns/err.h"
#include "tests/unit/cache_test_util.h"

/* ---- the ring ---- */

/* A small deterministic generator, so that a failure reproduces. */
static uint32_t rng_next(uint64_t *s)
{
	*s = *s * 6364136223846793005u + 1442695040888963407u;
	return (uint32_t)(*s >> 33);
}

/*
 * What the test knows of one name: absent (never stored, dropped, flushed
 * or found evicted), or stored with a version (in the answer's ID bytes),
 * a length, a store time and a lifetime.
 */
struct model {
	uint16_t version; /* 0: absent */
	size_t len;
	uint64_t stored_ms, life_ms;
};

/*
 * Stores of random sizes (1 to 24 records), replacements, zero-TTL stores,
 * flushes, live and stale lookups, with time moving on, in budgets that
 * make the ring wrap every few dozen stores. Every hit must be the newest
 * answer stored under its name, whole, and servable at that time (live,
 * or stale within the window); no dropped or flushed answer comes back;
 * the budget holds; and at the end the cache holds exactly the entries the
 * lookups find.
 */
START_TEST(test_ring_never_serves_a_wrong_or_dropped_answer)
{
	static const size_t budgets[] = {5000, 16384, 100000};
	enum { NAMES = 150, OPS = 30000 };
	const uint64_t window = 10000;

	for (size_t b = 0; b < sizeof budgets / sizeof budgets[0]; b++) {
		struct dst_cache *c = dst_cache_new(budgets[b], 0, 86400);
		static struct model m[NAMES];
		uint64_t seed = 42 + b, now = T0;
		uint8_t out[DST_DNS_MAX_MSG];
		uint16_t next_version = 1;
		size_t found = 0;
		char name[64];

		memset(m, 0, sizeof m);
		dst_cache_set_stale(c, window);
		for (unsigned op = 0; op < OPS; op++) {
			unsigned i = rng_next(&seed) % NAMES, what = rng_next(&seed) % 100;
			struct dst_cache_key k;

			now += rng_next(&seed) % 200;
			nth_name(i, name, sizeof name);
			make_key(&k, name, DST_DNS_TYPE_A, false, false);
			if (what < 50) {
				uint32_t ttls[24], ttl = 1 + rng_next(&seed) % 30;
				size_t nrec = 1 + rng_next(&seed) % 24;
				struct answer a;
				int err;

				for (size_t r = 0; r < nrec; r++)
					ttls[r] = ttl + (uint32_t)r;
				make_answer(&a, name, ttls, nrec);
				if (next_version == 0)
					next_version = 1;
				dst_dns_put16(a.wire, next_version);
				err = dst_cache_store(c, &k, a.wire, a.len, a.offs, a.nttl, now);
				ck_assert(err == 0 || err == DST_ENOSPC);
				if (err == 0) {
					m[i] = (struct model){next_version++, a.len, now,
							      ttl * 1000u};
				} else {
					m[i].version = 0;
				}
			} else if (what < 53) {
				ck_assert_int_eq(store_one(c, name, 0, now), 0);
				m[i].version = 0;
			} else if (what < 56) {
				uint8_t wire[DST_DNS_MAX_NAME];
				size_t wl = name_to_wire(name, wire);

				ck_assert_uint_le(dst_cache_flush_name(c, wire, wl), 1);
				m[i].version = 0;
			} else {
				unsigned flags;
				ssize_t r =
					dst_cache_lookup_stale(c, &k, now, out, sizeof out, &flags);

				ck_assert_int_ge(r, 0);
				if (r == 0) {
					m[i].version = 0;
					continue;
				}
				ck_assert_msg(m[i].version != 0, "op %u: name %u came back", op, i);
				ck_assert_uint_eq(dst_dns_get16(out), m[i].version);
				ck_assert_uint_eq((size_t)r, m[i].len);
				ck_assert_uint_lt(now, m[i].stored_ms + m[i].life_ms + window);
				ck_assert_uint_eq(flags == DST_CACHE_STALE,
						  now >= m[i].stored_ms + m[i].life_ms);
			}
			ck_assert_uint_le(stats(c).bytes, budgets[b]);
		}
		/* Each lookup serves its entry or drops it: then only those served remain. */
		for (unsigned i = 0; i < NAMES; i++) {
			unsigned flags;

			nth_name(i, name, sizeof name);
			if (lookup_stale_one(c, name, now, &flags) > 0) {
				ck_assert_uint_ne(m[i].version, 0);
				found++;
			}
		}
		ck_assert_uint_eq(stats(c).entries, found);
		/* the two small budgets wrap the ring many times over */
		if (budgets[b] < 20000)
			ck_assert_uint_gt(stats(c).evictions, 1000);
		dst_cache_free(c);
	}
}
END_TEST

/* Resident pages of this process, from /proc/self/statm; 0 if unknown. */
static size_t resident_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long size, resident = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return resident * (size_t)sysconf(_SC_PAGESIZE);
}

/* ASan and TSan both keep shadow memory for every byte the ring touches. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif

/*
 * The promise: a flood of unique names of mixed sizes never grows
 * the process past the budget plus a fixed overhead. 600k stores of 1 to 8
 * records into 16 MiB: resident memory grows by at most the budget plus
 * 1 MiB, and clearing the cache gives the ring's pages back. (ASan shadows
 * every byte the ring touches, an eighth more, TSan four times more, so
 * under either the check is off.)
 */
START_TEST(test_flood_of_mixed_sizes_stays_within_budget_in_rss)
{
	const size_t max = 16u << 20;
	struct dst_cache *c = dst_cache_new(max, 0, 86400);
	size_t before = resident_bytes(), peak = before, now_rss;
	uint64_t seed = 7;
	char name[64];

	if (before == 0)
		return; /* no /proc: nothing to measure */
	for (unsigned i = 0; i < 600000; i++) {
		uint32_t ttls[8] = {300, 300, 300, 300, 300, 300, 300, 300};
		struct dst_cache_key k;
		struct answer a;

		nth_name(i, name, sizeof name);
		make_key(&k, name, DST_DNS_TYPE_A, false, false);
		make_answer(&a, name, ttls, 1 + rng_next(&seed) % 8);
		ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, a.offs, a.nttl, T0), 0);
		if (i % 7 == 0)
			lookup_one(c, nth_name(i / 2, name, sizeof name), T0);
		if (i % 10000 == 0 && (now_rss = resident_bytes()) > peak)
			peak = now_rss;
	}
	if ((now_rss = resident_bytes()) > peak)
		peak = now_rss;
	ck_assert_uint_le(stats(c).bytes, max);
	ck_assert_uint_gt(stats(c).bytes, max / 2);
#ifndef UNDER_SANITIZER
	ck_assert_msg(peak - before <= max + (1u << 20), "RSS grew %zu bytes for a %zu budget",
		      peak - before, max);
	dst_cache_clear(c);
	ck_assert_msg(resident_bytes() < before + (2u << 20), "clear kept %zu bytes",
		      resident_bytes() - before);
#endif
	dst_cache_free(c);
}
END_TEST

TCase *cache_tcase_ring(void)
{
	TCase *tc = tcase_create("ring");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_ring_never_serves_a_wrong_or_dropped_answer);
	tcase_add_test(tc, test_flood_of_mixed_sizes_stays_within_budget_in_rss);
	return tc;
}
