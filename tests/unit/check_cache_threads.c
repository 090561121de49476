/*
 * The cache shared between threads (dst_cache_set_shared): several threads
 * storing, looking up, flushing and reading stats at once, on a budget
 * small enough that eviction runs all the time, never see another key's
 * answer, never lose a count and never break the byte budget.
 */
#include <pthread.h>

#include "tests/unit/cache_test_util.h"

#define NTHREADS 4
#define ROUNDS 200000
#define NAMES 500

struct worker_arg {
	struct dst_cache *c;
	unsigned seed;
	uint64_t lookups, hits, wrong;
};

static void *hammer(void *p)
{
	struct worker_arg *w = p;
	uint8_t out[DST_DNS_MAX_MSG];
	char name[64];

	for (unsigned i = 0; i < ROUNDS; i++) {
		unsigned r = rand_r(&w->seed);
		struct dst_cache_key k;
		struct answer a;
		const uint32_t ttls[4] = {300, 300, 300, 300};
		uint8_t qname[DST_DNS_MAX_NAME];

		nth_name(r % NAMES, name, sizeof name);
		make_key(&k, name, DST_DNS_TYPE_A, false, false);
		if (r % 3 == 0) {
			make_answer(&a, name, ttls, 1 + r % 4);
			dst_cache_store(w->c, &k, a.wire, a.len, a.offs, a.nttl, T0 + i);
		} else if (r % 997 == 1) {
			size_t len = name_to_wire(name, qname);
			dst_cache_flush_name(w->c, qname, len);
		} else {
			ssize_t n = dst_cache_lookup(w->c, &k, T0 + i, out, sizeof out);
			size_t len = name_to_wire(name, qname);

			w->lookups++;
			if (n > 0) {
				w->hits++;
				/* The question must be this key's name. */
				if ((size_t)n < DST_DNS_HEADER_LEN + len ||
				    memcmp(out + DST_DNS_HEADER_LEN, qname, len) != 0)
					w->wrong++;
			}
		}
		if (r % 101 == 0) {
			struct dst_cache_stats st;
			dst_cache_get_stats(w->c, &st);
		}
	}
	return NULL;
}

START_TEST(test_shared_cache_keeps_answers_counts_and_budget_under_threads)
{
	/* Room for about a fifth of the names: constant eviction. */
	size_t budget = 100 * 1024 / 4;
	struct dst_cache *c = dst_cache_new(budget, 0, 86400);
	pthread_t t[NTHREADS];
	struct worker_arg w[NTHREADS];
	uint64_t lookups = 0, hits = 0;

	ck_assert_ptr_nonnull(c);
	dst_cache_set_shared(c);
	dst_cache_set_shared(c); /* a second call changes nothing */
	for (unsigned i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker_arg){.c = c, .seed = 7 + i};
		ck_assert_int_eq(pthread_create(&t[i], NULL, hammer, &w[i]), 0);
	}
	for (unsigned i = 0; i < NTHREADS; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		ck_assert_uint_eq(w[i].wrong, 0);
		lookups += w[i].lookups;
		hits += w[i].hits;
	}
	struct dst_cache_stats st = stats(c);
	ck_assert_uint_gt(hits, 0);
	ck_assert_uint_lt(hits, lookups);
	ck_assert_uint_eq(st.hits, hits);
	ck_assert_uint_eq(st.hits + st.misses, lookups);
	ck_assert_uint_le(st.bytes, budget);
	ck_assert_uint_gt(st.evictions, 0);
	dst_cache_free(c);
}
END_TEST

TCase *cache_tcase_threads(void)
{
	TCase *tc = tcase_create("threads");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_shared_cache_keeps_answers_counts_and_budget_under_threads);
	return tc;
}
