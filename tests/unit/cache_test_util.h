/*
 * Shared helpers for the cache/ unit suite (check_cache.c and check_cache_*.c).
 *
 * Answers are built by hand (header, one question, N A records pointing back
 * at the question name), with the offset of each TTL field recorded, so the
 * suite does not depend on dns/wire.c. Time is whatever the test passes.
 *
 * The helpers are static inline: each file uses a subset, and they keep the
 * short names they had as file-local helpers. They fail the running test
 * through ck_assert. Helpers used by one file only stay in that file.
 */
#ifndef DST_TESTS_CACHE_TEST_UTIL_H
#define DST_TESTS_CACHE_TEST_UTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/cache.h"

#define T0 1000000u /* an arbitrary start time, in ms */
#define BIG (1u << 20)

struct answer {
	uint8_t wire[2048];
	size_t len;
	uint16_t offs[64];
	size_t nttl;
};

static inline size_t name_to_wire(const char *name, uint8_t *out)
{
	size_t n = 0;

	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		out[n++] = (uint8_t)l;
		memcpy(out + n, name, l);
		n += l;
		name += l + (dot ? 1 : 0);
	}
	out[n++] = 0;
	return n;
}

/*
 * An answer for name/A with one A record per TTL in ttls; every TTL offset
 * is recorded in a->offs.
 */
static inline void make_answer(struct answer *a, const char *name, const uint32_t *ttls, size_t n)
{
	uint8_t *w = a->wire;
	size_t pos;

	memset(a, 0, sizeof *a);
	ck_assert_uint_le(n, 64);
	dst_dns_put16(w, 0x1234);
	w[2] = 0x81;
	w[3] = 0x80;
	dst_dns_put16(w + 4, 1);
	dst_dns_put16(w + 6, (uint16_t)n);
	pos = DST_DNS_HEADER_LEN;
	pos += name_to_wire(name, w + pos);
	dst_dns_put16(w + pos, DST_DNS_TYPE_A);
	dst_dns_put16(w + pos + 2, DST_DNS_CLASS_IN);
	pos += 4;
	for (size_t i = 0; i < n; i++) {
		dst_dns_put16(w + pos, 0xc00c);
		dst_dns_put16(w + pos + 2, DST_DNS_TYPE_A);
		dst_dns_put16(w + pos + 4, DST_DNS_CLASS_IN);
		a->offs[i] = (uint16_t)(pos + 6);
		dst_dns_put32(w + pos + 6, ttls[i]);
		dst_dns_put16(w + pos + 10, 4);
		w[pos + 12] = 192;
		w[pos + 13] = 0;
		w[pos + 14] = 2;
		w[pos + 15] = (uint8_t)(i + 1);
		pos += 16;
	}
	a->len = pos;
	a->nttl = n;
}

static inline void make_key(struct dst_cache_key *k, const char *name, uint16_t qtype, bool do_bit,
			    bool cd)
{
	struct dst_dns_query q;

	memset(&q, 0, sizeof q);
	q.qname_len = (uint16_t)name_to_wire(name, q.qname_lower);
	q.qtype = qtype;
	q.qclass = DST_DNS_CLASS_IN;
	q.do_bit = do_bit;
	q.cd = cd;
	dst_cache_key_make(k, &q);
}

/* Stores a one-record answer with the given TTL under name/A. */
static inline int store_one(struct dst_cache *c, const char *name, uint32_t ttl, uint64_t now_ms)
{
	struct dst_cache_key k;
	struct answer a;

	make_key(&k, name, DST_DNS_TYPE_A, false, false);
	make_answer(&a, name, &ttl, 1);
	return dst_cache_store(c, &k, a.wire, a.len, a.offs, a.nttl, now_ms);
}

static inline ssize_t lookup_one(struct dst_cache *c, const char *name, uint64_t now_ms)
{
	struct dst_cache_key k;
	uint8_t out[DST_DNS_MAX_MSG];

	make_key(&k, name, DST_DNS_TYPE_A, false, false);
	return dst_cache_lookup(c, &k, now_ms, out, sizeof out);
}

/* Names of equal length, so their entries are of equal size. */
static inline const char *nth_name(unsigned i, char *buf, size_t cap)
{
	snprintf(buf, cap, "h%08u.example.com", i);
	return buf;
}

static inline struct dst_cache_stats stats(const struct dst_cache *c)
{
	struct dst_cache_stats st;

	dst_cache_get_stats(c, &st);
	return st;
}

static inline bool is_ttl_byte(const struct answer *a, size_t pos)
{
	for (size_t i = 0; i < a->nttl; i++)
		if (pos >= a->offs[i] && pos < (size_t)a->offs[i] + 4)
			return true;
	return false;
}

/* How many equal-sized names a cache of max_bytes holds before evicting. */
static inline unsigned capacity(size_t max_bytes)
{
	struct dst_cache *c = dst_cache_new(max_bytes, 0, 86400);
	char name[64];
	unsigned i;

	for (i = 0; stats(c).evictions == 0 && i < 100000; i++)
		ck_assert_int_eq(store_one(c, nth_name(i, name, sizeof name), 300, T0), 0);
	ck_assert_uint_eq(stats(c).evictions, 1);
	dst_cache_free(c);
	return i - 1;
}

/* lookup_one through dst_cache_lookup_stale(), which also reports *flags. */
static inline ssize_t lookup_stale_one(struct dst_cache *c, const char *name, uint64_t now_ms,
				       unsigned *flags)
{
	struct dst_cache_key k;
	uint8_t out[DST_DNS_MAX_MSG];

	make_key(&k, name, DST_DNS_TYPE_A, false, false);
	return dst_cache_lookup_stale(c, &k, now_ms, out, sizeof out, flags);
}

/* One TCase each, added to the "cache" Suite by check_cache.c. */
TCase *cache_tcase_key(void);
TCase *cache_tcase_lookup(void);
TCase *cache_tcase_ttl(void);
TCase *cache_tcase_expiry(void);
TCase *cache_tcase_replace(void);
TCase *cache_tcase_eviction(void);
TCase *cache_tcase_ring(void);
TCase *cache_tcase_budget(void);
TCase *cache_tcase_capped(void);
TCase *cache_tcase_stale(void);
TCase *cache_tcase_prefetch(void);
TCase *cache_tcase_threads(void);
TCase *cache_tcase_input(void);
TCase *cache_tcase_persist(void);

#endif
