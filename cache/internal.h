/*
 * cache/ module internals shared by cache.c (the index, lookups, stores,
 * expiry and the table's growth) and ring.c (the ring of memory the
 * entries live in: taking room at the head, eviction and reinsertion at
 * the tail, holes, giving pages back).
 *
 * An entry is one record of the ring: struct entry, then the key bytes
 * padded to an even length, the TTL offsets (uint16, ascending) and the
 * wire, rounded up to 8 bytes. A record not in the index is a hole.
 *
 * Ownership: struct dst_cache owns the ring and the table; a struct entry
 * is never allocated on its own, it is bytes of the ring, and moves only
 * when ring.c reinserts it at the head (within a store). Both files run
 * under the caller's lock (cache.c takes it in each public call); nothing
 * here locks.
 */
#ifndef DST_CACHE_INTERNAL_H
#define DST_CACHE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache/cache.h"

/*
 * One store moves at most this many marked entries from the tail to the
 * head before it evicts one whatever its mark: a store's cost stays bounded
 * even when every entry in the cache has been used since the last pass.
 */
#define MAX_SPARED 32

/* entry->state */
enum {
	ENTRY_HOLE = 0,    /* not in the index: space for the tail to reclaim */
	ENTRY_INDEXED = 1, /* in the index, not used since stored or spared */
	ENTRY_USED = 2,    /* in the index and used since: spared once at the tail */
};

struct entry {
	struct entry *next; /* bucket chain */
	uint64_t hash;
	uint64_t stored_ms;
	uint64_t expire_ms;      /* stored_ms + lifetime: dead at or after this */
	uint32_t size;           /* bytes the record takes in the ring, a multiple of 8 */
	uint32_t prefetch_age_s; /* a hit this old (s) flags a prefetch; UINT32_MAX: no more */
	uint16_t key_len;
	uint16_t wire_len;
	uint16_t nttl;
	uint16_t state; /* ENTRY_*: 16 bits keep data at an even offset */
	uint8_t data[]; /* key, pad to even, uint16 TTL offsets, wire */
};

/* Keeps the TTL offsets after an even-padded key 2-byte aligned. */
_Static_assert(offsetof(struct entry, data) % 2 == 0, "entry data must start at an even offset");
_Static_assert(_Alignof(struct entry) <= 8, "records are 8-aligned in the ring");

/*
 * Three cache lines: what every lookup reads and only stores change; what
 * stores write; what hits write. Threads sharing the cache then do not
 * invalidate each other's copy of the first on every hit.
 */
struct dst_cache {
	/* Read by every lookup. */
	struct entry **table;
	size_t mask; /* nbuckets - 1, or 0 with no table */
	uint64_t seed[3];
	uint64_t stale_ms; /* serve-stale window after expiry; 0: off */
	uint32_t min_ttl, max_ttl;
	bool shared; /* lock taken by every public call */

	/* Written by stores and evictions. */
	_Alignas(64) uint8_t *ring; /* ring_cap bytes reserved, NULL if none */
	size_t ring_cap;            /* the reservation: max_bytes rounded up to pages */
	size_t ring_end;            /* the head wraps before passing this */
	size_t head, tail, wrap_at;
	size_t used;    /* bytes of records in the ring, holes included */
	size_t touched; /* pages below this may be resident */
	bool wrapped;
	size_t count;
	size_t nbuckets; /* 0: no table, table points at empty_bucket */
	struct entry *empty_bucket;
	size_t table_bytes;
	size_t max_bytes;

	/* Written by lookups. */
	_Alignas(64) uint64_t hits, misses, evictions;
	uint64_t stale_hits, prefetches;

	_Alignas(64) pthread_mutex_t lock;
};

static inline struct entry *record_at(const struct dst_cache *c, size_t off)
{
	return (struct entry *)(void *)(c->ring + off);
}

/* cache.c, for persist.c */

/* The cache's lock, taken when it is shared (persist.c's public calls). */
void dst_cache__lock(const struct dst_cache *c);
void dst_cache__unlock(const struct dst_cache *c);

/*
 * Adds a copy of an entry as it was stored at stored_ms, dead from
 * expire_ms (expire_ms - stored_ms a whole number of seconds, no TTL in
 * wire below that lifetime, offsets valid and ascending: the caller has
 * checked), replacing the entry under key. No TTL is clamped. Returns 0,
 * or DST_ENOSPC when it does not fit the budget.
 */
int dst_cache__insert(struct dst_cache *c, const struct dst_cache_key *key, const uint8_t *wire,
		      size_t len, const uint16_t *ttl_offs, size_t nttl, uint64_t stored_ms,
		      uint64_t expire_ms, uint64_t now_ms);

/* ring.c */

/*
 * Reserves address space for a ring of max_bytes (rounded up to pages),
 * which becomes resident only as entries reach it. Returns 0 or
 * DST_ENOMEM. dst_cache__ring_free unmaps it (nothing if none).
 */
int dst_cache__ring_reserve(struct dst_cache *c, size_t max_bytes);
void dst_cache__ring_free(struct dst_cache *c);

/*
 * Finds size contiguous bytes at the head within the budget, advancing the
 * tail as needed (which may evict and reinsert entries, so chains change
 * but the table does not); returns their offset, which the caller must
 * fill at once, or SIZE_MAX when size cannot fit at all.
 */
size_t dst_cache__ring_take(struct dst_cache *c, size_t size, uint64_t now_ms);

/*
 * Makes progress at the tail: steps over the wrap point or a hole, spares a
 * used entry (while *spared is below MAX_SPARED), or evicts the entry.
 * c->used must not be 0.
 */
void dst_cache__tail_advance(struct dst_cache *c, uint64_t now_ms, unsigned *spared);

/*
 * Takes the entry *pp points at out of the index. Its record becomes a
 * hole; a hole at either end of the ring is reclaimed at once.
 */
void dst_cache__drop(struct dst_cache *c, struct entry **pp);

/*
 * Empties the ring (the caller empties the table) and gives all its
 * touched pages back to the kernel.
 */
void dst_cache__ring_clear(struct dst_cache *c);

#endif
