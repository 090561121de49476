/*
 * cache/ persisted entries (persist.c): dst_cache_save and dst_cache_load.
 * A save, load and save gives the same bytes; entries keep their age and
 * expiry across a change of monotonic clock (a restart, a reboot); expired
 * entries serve-stale could use are kept and the rest dropped; malformed
 * bytes (truncated, a changed length, an answer under another name) add
 * nothing; the budget keeps the newest.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "tests/unit/cache_test_util.h"

#define WALL 1800000000000LL /* a wall clock, in ms: 2027 */

struct bytes {
	uint8_t *data;
	size_t len, cap;
	int fail_after; /* writes allowed before one fails; -1: never */
};

static int on_write(void *arg, const void *data, size_t len)
{
	struct bytes *b = arg;

	if (b->fail_after == 0)
		return DST_ENOSPC;
	if (b->fail_after > 0)
		b->fail_after--;
	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2;
		b->data = realloc(b->data, b->cap);
		ck_assert_ptr_nonnull(b->data);
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

static struct bytes save(struct dst_cache *c, uint64_t now_ms, int64_t wall_ms, size_t *n)
{
	struct bytes b = {.fail_after = -1};

	ck_assert_int_eq(dst_cache_save(c, now_ms, wall_ms, on_write, &b, n), 0);
	return b;
}

static uint32_t ttl_of(struct dst_cache *c, const char *name, uint64_t now_ms, unsigned *flags)
{
	struct dst_cache_key k;
	uint8_t out[DST_DNS_MAX_MSG];
	struct answer a;
	uint32_t t = 1;
	ssize_t n;

	make_key(&k, name, DST_DNS_TYPE_A, false, false);
	n = dst_cache_lookup_stale(c, &k, now_ms, out, sizeof out, flags);
	make_answer(&a, name, &t, 1);
	/* The first record's TTL is where a one-record answer has it. */
	ck_assert_int_ge(n, (ssize_t)a.len);
	return dst_dns_get32(out + a.offs[0]);
}

/* Three live entries of different ages and one expired within the stale window. */
static struct dst_cache *filled(void)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	uint32_t ttls[3] = {600, 300, 900};
	struct dst_cache_key k;
	struct answer a;

	dst_cache_set_stale(c, 3600 * 1000);
	ck_assert_int_eq(store_one(c, "old.example", 300, T0), 0);
	ck_assert_int_eq(store_one(c, "stale.example", 10, T0 + 1000), 0);
	make_key(&k, "multi.example", DST_DNS_TYPE_A, false, false);
	make_answer(&a, "multi.example", ttls, 3);
	ck_assert_int_eq(dst_cache_store(c, &k, a.wire, a.len, a.offs, a.nttl, T0 + 2500), 0);
	ck_assert_int_eq(store_one(c, "new.example", 60, T0 + 30000), 0);
	return c;
}

START_TEST(test_save_load_save_gives_the_same_bytes)
{
	struct dst_cache *c = filled(), *d = dst_cache_new(BIG, 0, 86400);
	uint64_t now = T0 + 40000;
	struct dst_cache_load_stats st;
	struct bytes a, b, e;
	size_t n;

	dst_cache_set_stale(d, 3600 * 1000);
	a = save(c, now, WALL, &n);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(dst_cache_load(d, a.data, a.len, now, WALL, &st), 0);
	ck_assert_uint_eq(st.loaded, 4);
	b = save(d, now, WALL, NULL);
	ck_assert_uint_eq(a.len, b.len);
	ck_assert_mem_eq(a.data, b.data, a.len);

	/* A restart: another monotonic clock, the wall clock 5 s later. */
	dst_cache_free(d);
	d = dst_cache_new(BIG, 0, 86400);
	dst_cache_set_stale(d, 3600 * 1000);
	ck_assert_int_eq(dst_cache_load(d, a.data, a.len, 77777777, WALL + 5000, &st), 0);
	e = save(d, 77777777 - 5000, WALL, NULL);
	ck_assert_uint_eq(a.len, e.len);
	ck_assert_mem_eq(a.data, e.data, a.len);
	free(a.data);
	free(b.data);
	free(e.data);
	dst_cache_free(c);
	dst_cache_free(d);
}
END_TEST

START_TEST(test_loaded_entries_keep_their_age_under_another_clock)
{
	struct dst_cache *c = filled(), *d = dst_cache_new(BIG, 0, 86400);
	struct bytes a = save(c, T0 + 100000, WALL, NULL);
	uint64_t now2 = 5000000; /* the next process's clock */
	unsigned f;

	dst_cache_set_stale(d, 3600 * 1000);
	/* Restarted 20 s later: old.example is 120 s old. */
	ck_assert_int_eq(dst_cache_load(d, a.data, a.len, now2, WALL + 20000, NULL), 0);
	ck_assert_uint_eq(ttl_of(d, "old.example", now2, &f), 180);
	ck_assert_uint_eq(f, 0);
	/* multi.example: stored 2.5 s after, 117 whole seconds old; its first TTL 600. */
	ck_assert_uint_eq(ttl_of(d, "multi.example", now2, &f), 600 - 117);
	/* Expired before the save, within the stale window: served stale. */
	ck_assert_uint_eq(ttl_of(d, "new.example", now2, &f), DST_CACHE_STALE_TTL);
	ck_assert_uint_eq(f, DST_CACHE_STALE);
	ck_assert_uint_eq(ttl_of(d, "stale.example", now2, &f), DST_CACHE_STALE_TTL);
	ck_assert_uint_eq(f, DST_CACHE_STALE);
	/* It still expires when it should: 180 s from now. */
	ck_assert_int_gt(lookup_one(d, "old.example", now2 + 179000), 0);
	ck_assert_int_eq(lookup_one(d, "old.example", now2 + 180000), 0);
	free(a.data);
	dst_cache_free(c);
	dst_cache_free(d);
}
END_TEST

START_TEST(test_expired_entries_past_the_stale_window_are_not_kept)
{
	struct dst_cache *c = filled(), *d = dst_cache_new(BIG, 0, 86400);
	struct dst_cache_load_stats st;
	struct bytes a;
	size_t n;

	/* Without serve-stale, expired entries are not even saved. */
	dst_cache_set_stale(c, 0);
	a = save(c, T0 + 100000, WALL, &n);
	ck_assert_uint_eq(n, 2);
	/* Loaded 1000 s later into a cache with a 10-minute stale window. */
	dst_cache_set_stale(d, 600 * 1000);
	ck_assert_int_eq(dst_cache_load(d, a.data, a.len, T0, WALL + 1000000, &st), 0);
	/* old (expired 800 s ago) and multi (797.5 s ago) are past it. */
	ck_assert_uint_eq(st.loaded, 0);
	ck_assert_uint_eq(st.expired, 2);
	ck_assert_uint_eq(stats(d).entries, 0);
	free(a.data);
	dst_cache_free(c);
	dst_cache_free(d);
}
END_TEST

START_TEST(test_truncated_bytes_add_nothing)
{
	struct dst_cache *c = filled();
	struct bytes a = save(c, T0 + 40000, WALL, NULL);

	for (size_t cut = 1; cut < a.len; cut++) {
		struct dst_cache *d = dst_cache_new(BIG, 0, 86400);
		int r = dst_cache_load(d, a.data, cut, T0 + 40000, WALL, NULL);

		/* A cut between two records is a valid shorter file. */
		if (r == 0)
			ck_assert_uint_lt(stats(d).entries, 4);
		else
			ck_assert_int_eq(r, DST_EFORMAT);
		if (r != 0)
			ck_assert_uint_eq(stats(d).entries, 0);
		dst_cache_free(d);
	}
	free(a.data);
	dst_cache_free(c);
}
END_TEST

/* Every single-byte change: either refused whole, or loaded with every question its key's. */
START_TEST(test_changed_bytes_never_put_an_answer_under_another_key)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	struct bytes a;
	size_t refused = 0;

	ck_assert_int_eq(store_one(c, "a.example", 300, T0), 0);
	a = save(c, T0, WALL, NULL);
	for (size_t i = 0; i < a.len; i++) {
		uint8_t *copy = malloc(a.len);
		struct dst_cache *d = dst_cache_new(BIG, 0, 86400);

		memcpy(copy, a.data, a.len);
		copy[i] ^= 0x20;
		if (dst_cache_load(d, copy, a.len, T0, WALL, NULL) != 0) {
			refused++;
			ck_assert_uint_eq(stats(d).entries, 0);
		} else if (lookup_one(d, "a.example", T0) <= 0) {
			/* Loaded under another key: an ASCII case change of the question is the same name. */
			ck_assert_uint_le(stats(d).entries, 1);
		}
		free(copy);
		dst_cache_free(d);
	}
	/* The key's name and every length byte are checked. */
	ck_assert_uint_gt(refused, 10);
	free(a.data);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_answer_whose_question_is_not_its_key_is_refused)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400);
	struct bytes a;
	uint8_t *q;

	ck_assert_int_eq(store_one(c, "a.example", 300, T0), 0);
	a = save(c, T0, WALL, NULL);
	/* The name is in the key, then in the wire's question: change the second. */
	q = NULL;
	for (size_t i = 0, seen = 0; i + 11 <= a.len; i++)
		if (memcmp(a.data + i, "\001a\007example", 11) == 0 && ++seen == 2)
			q = a.data + i;
	ck_assert_ptr_nonnull(q);
	q[1] = 'b';
	ck_assert_int_eq(dst_cache_load(c, a.data, a.len, T0, WALL, NULL), DST_EFORMAT);
	free(a.data);
	dst_cache_free(c);
}
END_TEST

START_TEST(test_entries_older_than_the_clock_epoch_keep_their_ttl)
{
	struct dst_cache *c = filled(), *d = dst_cache_new(BIG, 0, 86400);
	struct dst_cache_load_stats st;
	struct bytes a = save(c, T0 + 100000, WALL, NULL);
	unsigned f;

	dst_cache_set_stale(d, 3600 * 1000);
	/* A reboot: the clock is at 2 s, the wall clock 10 s after the save. */
	ck_assert_int_eq(dst_cache_load(d, a.data, a.len, 2000, WALL + 10000, &st), 0);
	/* The two that expired before the boot too are still servable stale. */
	ck_assert_uint_eq(st.loaded, 4);
	ck_assert_uint_eq(ttl_of(d, "stale.example", 2000, &f), DST_CACHE_STALE_TTL);
	ck_assert_uint_eq(f, DST_CACHE_STALE);
	/* old.example: stored 110 s ago with 300 s. */
	ck_assert_uint_eq(ttl_of(d, "old.example", 2000, &f), 190);
	ck_assert_uint_eq(ttl_of(d, "multi.example", 2000, &f), 600 - 107);
	ck_assert_int_eq(lookup_one(d, "old.example", 2000 + 190000), 0);
	free(a.data);
	dst_cache_free(c);
	dst_cache_free(d);
}
END_TEST

START_TEST(test_loading_more_than_the_budget_keeps_the_newest)
{
	struct dst_cache *c = dst_cache_new(BIG, 0, 86400), *d;
	unsigned cap = capacity(16384), n = cap * 3;
	struct bytes a;
	char name[64];

	for (unsigned i = 0; i < n; i++)
		ck_assert_int_eq(store_one(c, nth_name(i, name, sizeof name), 300, T0 + i), 0);
	a = save(c, T0 + n, WALL, NULL);
	d = dst_cache_new(16384, 0, 86400);
	ck_assert_int_eq(dst_cache_load(d, a.data, a.len, T0 + n, WALL, NULL), 0);
	ck_assert_uint_le(stats(d).bytes, 16384);
	ck_assert_int_gt(lookup_one(d, nth_name(n - 1, name, sizeof name), T0 + n), 0);
	ck_assert_int_eq(lookup_one(d, nth_name(0, name, sizeof name), T0 + n), 0);
	free(a.data);
	dst_cache_free(c);
	dst_cache_free(d);
}
END_TEST

START_TEST(test_entries_over_a_lowered_max_ttl_are_dropped)
{
	struct dst_cache *c = filled(), *d = dst_cache_new(BIG, 0, 400);
	struct dst_cache_load_stats st;
	struct bytes a = save(c, T0 + 40000, WALL, NULL);

	dst_cache_set_stale(d, 3600 * 1000);
	ck_assert_int_eq(dst_cache_load(d, a.data, a.len, T0 + 40000, WALL, &st), 0);
	/* multi.example holds a 900 s TTL, over the new max-ttl: it would be served so. */
	ck_assert_uint_eq(st.loaded, 3);
	ck_assert_uint_eq(st.refused, 1);
	ck_assert_int_gt(lookup_one(d, "old.example", T0 + 40000), 0);
	ck_assert_int_eq(lookup_one(d, "multi.example", T0 + 40000), 0);
	free(a.data);
	dst_cache_free(c);
	dst_cache_free(d);
}
END_TEST

START_TEST(test_a_failing_writer_stops_the_save)
{
	struct dst_cache *c = filled();
	struct bytes b = {.fail_after = 3};

	ck_assert_int_eq(dst_cache_save(c, T0 + 40000, WALL, on_write, &b, NULL), DST_ENOSPC);
	free(b.data);
	dst_cache_free(c);
}
END_TEST

TCase *cache_tcase_persist(void)
{
	TCase *tc = tcase_create("persist");

	tcase_add_test(tc, test_save_load_save_gives_the_same_bytes);
	tcase_add_test(tc, test_loaded_entries_keep_their_age_under_another_clock);
	tcase_add_test(tc, test_expired_entries_past_the_stale_window_are_not_kept);
	tcase_add_test(tc, test_truncated_bytes_add_nothing);
	tcase_add_test(tc, test_changed_bytes_never_put_an_answer_under_another_key);
	tcase_add_test(tc, test_answer_whose_question_is_not_its_key_is_refused);
	tcase_add_test(tc, test_entries_older_than_the_clock_epoch_keep_their_ttl);
	tcase_add_test(tc, test_loading_more_than_the_budget_keeps_the_newest);
	tcase_add_test(tc, test_entries_over_a_lowered_max_ttl_are_dropped);
	tcase_add_test(tc, test_a_failing_writer_stops_the_save);
	return tc;
}
