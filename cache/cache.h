/*
 * The TTL cache of wire-format answers.
 *
 * An entry is an answer as dst_dns_prepare_answer left it (no OPT RR) plus
 * the offset of each TTL field. Lookup is O(1) and, on a hit, copies the
 * bytes out with every TTL lowered by the entry's age: no allocation, no
 * parsing. The cache knows nothing of time sources or I/O: callers pass now
 * in milliseconds from any monotonic clock. Memory is bounded by max_bytes,
 * which covers the entries and the index; least recently used entries are
 * evicted to make room. Not thread-safe.
 */
#ifndef DST_CACHE_H
#define DST_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dns/dns.h"

/* Lower-cased qname + qtype + qclass + (DO, CD) flags byte. */
#define DST_CACHE_KEY_MAX (DST_DNS_MAX_NAME + 5)

struct dst_cache_key {
	uint16_t len;
	uint8_t data[DST_CACHE_KEY_MAX];
};

struct dst_cache;

/* Builds the cache key for a parsed query. */
void dst_cache_key_make(struct dst_cache_key *key, const struct dst_dns_query *q);

/*
 * Creates a cache of at most max_bytes (entries + index). TTLs are clamped
 * into [min_ttl, max_ttl] seconds when stored. max_bytes 0 gives a cache
 * that stores nothing (every lookup misses). Returns NULL when out of memory.
 */
struct dst_cache *dst_cache_new(size_t max_bytes, uint32_t min_ttl, uint32_t max_ttl);
void dst_cache_free(struct dst_cache *c);

/*
 * Stores a copy of an answer under key, replacing any entry there.
 * ttl_offs lists the offset of every TTL field in wire (nttl of them, at
 * least one). Each TTL is clamped into [min_ttl, max_ttl] in the stored copy;
 * the entry lives as long as the smallest of them. An answer too large for
 * the budget is not stored. Returns 0, DST_EINVAL (nttl 0, an offset out of
 * range) or DST_ENOMEM / DST_ENOSPC (not stored).
 */
int dst_cache_store(struct dst_cache *c, const struct dst_cache_key *key, const uint8_t *wire,
		    size_t len, const uint16_t *ttl_offs, size_t nttl, uint64_t now_ms);

/*
 * Looks key up at time now_ms. On a live hit copies the answer into out
 * (cap bytes) with each TTL lowered by the whole seconds of the entry's
 * age, marks it recently used and returns its length. Returns 0 on a miss
 * (absent or expired; an expired entry may be dropped) and DST_ENOSPC when
 * cap is too small.
 */
ssize_t dst_cache_lookup(struct dst_cache *c, const struct dst_cache_key *key, uint64_t now_ms,
			 uint8_t *out, size_t cap);

struct dst_cache_stats {
	size_t entries;
	size_t bytes;     /* bytes counted against max_bytes */
	uint64_t hits;
	uint64_t misses;
	uint64_t evictions;
};
void dst_cache_get_stats(const struct dst_cache *c, struct dst_cache_stats *st);

/* Drops every entry. */
void dst_cache_clear(struct dst_cache *c);

#endif
