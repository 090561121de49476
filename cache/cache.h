/*
 * The TTL cache of wire-format answers.
 *
 * An entry is an answer as dst_dns_prepare_answer left it (no OPT RR) plus
 * the offset of each TTL field. Lookup is O(1) and, on a hit, copies the
 * bytes out with every TTL lowered by the entry's age: no allocation, no
 * parsing. The cache knows nothing of time sources or I/O: callers pass now
 * in milliseconds from any monotonic clock. Memory is bounded by max_bytes,
 * which covers the entries and the index; the oldest entries not used since
 * they were stored (or last spared) are evicted to make room (CLOCK). The
 * budget is reserved as address space at creation, and becomes resident
 * only as entries fill it.
 *
 * With a stale window (dst_cache_set_stale, RFC 8767) an expired entry is
 * kept, still counted in max_bytes, until it is older than its expiry plus
 * the window; only dst_cache_lookup_stale serves it. A live hit late in an
 * entry's life can ask the caller to refresh it (DST_CACHE_PREFETCH).
 * Not thread-safe until dst_cache_set_shared.
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

/* What dst_cache_lookup_ex and dst_cache_lookup_stale report in *flags. */
enum {
	/* A live hit in the last tenth of the entry's life: refresh it. */
	DST_CACHE_PREFETCH = 0x01,
	/* Served from an expired entry, every TTL set to DST_CACHE_STALE_TTL. */
	DST_CACHE_STALE = 0x02,
};

/* The TTL of every record in a stale answer, in seconds (RFC 8767 section 4). */
#define DST_CACHE_STALE_TTL 30

/* Builds the cache key for a parsed query. */
void dst_cache_key_make(struct dst_cache_key *key, const struct dst_dns_query *q);

/*
 * Creates a cache of at most max_bytes (entries + index). TTLs are clamped
 * into [min_ttl, max_ttl] seconds when stored. max_bytes 0 gives a cache
 * that stores nothing (every lookup misses). Returns NULL when out of memory
 * or when max_bytes of address space cannot be reserved.
 */
struct dst_cache *dst_cache_new(size_t max_bytes, uint32_t min_ttl, uint32_t max_ttl);
void dst_cache_free(struct dst_cache *c);

/*
 * Makes every later call take one internal lock, so that several threads
 * may use c at once (dst_cache_free excepted: no other thread may be using
 * it then). Cannot be undone; calling it again does nothing.
 */
void dst_cache_set_shared(struct dst_cache *c);

/*
 * Sets how long, in milliseconds, expired entries stay servable by
 * dst_cache_lookup_stale after they expire (RFC 8767). 0, the default,
 * turns serve-stale off: expired entries are dropped when looked up.
 * Applies to the entries already stored as well.
 */
void dst_cache_set_stale(struct dst_cache *c, uint64_t window_ms);

/*
 * Stores a copy of a positive answer under key, replacing any entry there
 * (a stale one included).
 * ttl_offs lists the offset of every TTL field in wire (nttl of them, at
 * least one). Each TTL is clamped into [min_ttl, max_ttl] in the stored copy;
 * the entry lives as long as the smallest of them. An answer too large for
 * the budget is not stored. Returns 0, DST_EINVAL (nttl 0, an offset out of
 * range, len under a DNS header) or DST_ENOMEM / DST_ENOSPC (not stored).
 */
int dst_cache_store(struct dst_cache *c, const struct dst_cache_key *key, const uint8_t *wire,
		    size_t len, const uint16_t *ttl_offs, size_t nttl, uint64_t now_ms);

/*
 * Stores an answer whose lifetime the caller bounds to cap_ttl seconds: a
 * negative answer (cap: negative-max-ttl) or a SERVFAIL (cap: servfail-ttl).
 * As dst_cache_store, except that each TTL is clamped to at most
 * min(max_ttl, cap_ttl) and min_ttl is not applied (it lengthens positive
 * answers only), and that nttl may be 0: the entry then lives
 * min(max_ttl, cap_ttl) seconds and is never served stale. cap_ttl 0 stores
 * nothing, but still drops the entry under key, as any lifetime 0 does.
 * A caller that has just served a stale answer for key should not store a
 * SERVFAIL for it: the SERVFAIL would replace the stale answer.
 */
int dst_cache_store_capped(struct dst_cache *c, const struct dst_cache_key *key,
			   const uint8_t *wire, size_t len, const uint16_t *ttl_offs, size_t nttl,
			   uint64_t now_ms, uint32_t cap_ttl);

/*
 * Looks key up at time now_ms. On a live hit copies the answer into out
 * (cap bytes) with each TTL lowered by the whole seconds of the entry's
 * age, marks it recently used and returns its length. Returns 0 on a miss
 * (absent or expired; an expired entry is dropped unless it is within the
 * stale window) and DST_ENOSPC when cap is too small.
 */
ssize_t dst_cache_lookup(struct dst_cache *c, const struct dst_cache_key *key, uint64_t now_ms,
			 uint8_t *out, size_t cap);

/*
 * dst_cache_lookup that also sets *flags to 0 or DST_CACHE_PREFETCH. The
 * flag is set on the first live hit at or past 90% of the entry's lifetime
 * (in whole seconds) and then not again for that entry; storing under the
 * key makes a new entry that may flag again. Entries that live under 10 s
 * never flag. flags must not be NULL; dst_cache_lookup, which has none,
 * leaves the flag for a later dst_cache_lookup_ex.
 */
ssize_t dst_cache_lookup_ex(struct dst_cache *c, const struct dst_cache_key *key, uint64_t now_ms,
			    uint8_t *out, size_t cap, unsigned *flags);

/*
 * dst_cache_lookup_ex that also serves an expired entry while it is within
 * the stale window: the answer is copied out with every TTL set to
 * DST_CACHE_STALE_TTL, the entry is marked recently used, and *flags
 * (not NULL) is DST_CACHE_STALE. A live entry is served as by
 * dst_cache_lookup_ex. Returns 0 when there is neither (an entry past the
 * window is dropped) and DST_ENOSPC when cap is too small.
 */
ssize_t dst_cache_lookup_stale(struct dst_cache *c, const struct dst_cache_key *key,
			       uint64_t now_ms, uint8_t *out, size_t cap, unsigned *flags);

/*
 * Tells, without copying, counting or reordering anything, whether key has
 * an expired entry that dst_cache_lookup_stale would still serve at now_ms.
 */
bool dst_cache_has_stale(const struct dst_cache *c, const struct dst_cache_key *key,
			 uint64_t now_ms);

struct dst_cache_stats {
	size_t entries;      /* stale (expired, not yet dropped) ones included */
	size_t bytes;        /* bytes counted against max_bytes */
	uint64_t hits;       /* live hits */
	uint64_t stale_hits; /* answers served stale by dst_cache_lookup_stale */
	uint64_t misses;
	uint64_t prefetches; /* hits that reported DST_CACHE_PREFETCH */
	uint64_t evictions;
};
void dst_cache_get_stats(const struct dst_cache *c, struct dst_cache_stats *st);

/* Drops every entry. */
void dst_cache_clear(struct dst_cache *c);

/*
 * Drops every entry for one name, whatever its type, class and flags
 * (stale ones included). name is in wire form (len bytes, root label
 * included; compared without regard to ASCII case). O(entries): for an
 * administrator's command, not for the query path. Returns how many were
 * dropped.
 */
size_t dst_cache_flush_name(struct dst_cache *c, const uint8_t *name, size_t len);

/* --- persisted state (persist.c) ------------------------------------------------ */

/* Receives the next len bytes of a saved cache; returns 0, or a negative code that stops the save. */
typedef int (*dst_cache_write_cb)(void *arg, const void *data, size_t len);

/*
 * Writes the entries worth keeping across a restart through write: those
 * live at now_ms and the expired ones dst_cache_lookup_stale could still
 * serve, oldest first, in the format dst_cache_load reads. Monotonic times
 * cannot outlive the process, so each entry's store and expiry times are
 * written as wall-clock milliseconds: wall_ms is the wall clock (ms since
 * the Unix epoch) at now_ms. The same entries with the same (now_ms,
 * wall_ms) give the same bytes. Holds the cache's lock (if shared) for the
 * whole walk. Returns 0 or write's error; *n (may be NULL) gets how many
 * entries were written.
 */
int dst_cache_save(struct dst_cache *c, uint64_t now_ms, int64_t wall_ms, dst_cache_write_cb write,
		   void *arg, size_t *n);

struct dst_cache_load_stats {
	size_t loaded;  /* entries now in the cache */
	size_t expired; /* past their stale window (or before the clock's epoch): dropped */
	size_t refused; /* outside this cache's limits (max-ttl, entry size): dropped */
};

/*
 * Adds the entries dst_cache_save wrote (data, len bytes; borrowed) at
 * now_ms, with wall_ms the wall clock then, each with its age and expiry
 * as saved. The bytes are checked whole first: anything malformed (a
 * length out of range, an offset outside its answer, a TTL below the
 * entry's lifetime, an answer whose question is not its key) and nothing
 * is added: DST_EFORMAT. Entries already under the same key are replaced;
 * entries are added oldest first, so when they do not all fit in the
 * cache's budget the newest stay. Returns 0 or DST_EFORMAT; st (may be
 * NULL) counts what happened.
 */
int dst_cache_load(struct dst_cache *c, const uint8_t *data, size_t len, uint64_t now_ms,
		   int64_t wall_ms, struct dst_cache_load_stats *st);

/*
 * Drops every entry for name and every name under it (a zone whose route
 * changed): same form and cost as dst_cache_flush_name. The root (len 1)
 * drops everything. Returns how many were dropped.
 */
size_t dst_cache_flush_under(struct dst_cache *c, const uint8_t *name, size_t len);

#endif
