/*
 * The TTL cache: wire answers indexed by (qname, qtype, qclass, DO, CD).
 *
 * This file is the index and the cache's rules: a power-of-two array of
 * bucket heads chaining entries through entry->next, keyed by a seeded
 * hash; the lookups (the hit path), stores, expiry, serve-stale, prefetch
 * flags, flushes and statistics. The entries themselves are records of
 * one ring of memory, a log that ring.c manages (room at the head,
 * eviction by CLOCK at the tail, holes); internal.h has the shared layout.
 *
 * Invariants between calls (ring.c adds the ring's own):
 *  - each entry in the index is in exactly one chain (table[hash & mask])
 *    and is a record of the ring; count is their number, expired ones
 *    included;
 *  - stored TTL fields are already clamped (into [min_ttl, max_ttl], or to
 *    at most a capped store's cap) and none is below the entry's lifetime,
 *    so subtracting an age shorter than the lifetime never underflows;
 *  - prefetch_age_s is below the lifetime, or UINT32_MAX once the entry has
 *    flagged DST_CACHE_PREFETCH or if it never will;
 *  - the table is resized only by a store, never by a lookup; entries move
 *    only in a store (reinsertion), so a lookup's pointers stay valid for
 *    the call.
 *
 * Expired entries are freed lazily: by a lookup that finds them past the
 * stale window (at once with no window), or when the tail reaches them;
 * an entry past its stale window never gets a second chance.
 *
 * Ownership: the cache owns its ring and its table. Store copies the key
 * and the wire; lookup copies out into the caller's buffer. Time is whatever
 * monotonic milliseconds the caller passes.
 *
 * Threads: after dst_cache_set_shared every public call holds one mutex for
 * its whole run. A hit holds it for a few hundred nanoseconds (hash, copy,
 * mark), so with the few loops dotstub runs (threads, at most 64, by
 * default 4) one lock is cheaper than striping: striping would need one
 * ring and byte budget per stripe, and a stripe's budget would then evict
 * while others have room. An unshared cache takes no lock at all.
 */
#include "config.h"

#include "cache/internal.h"

#include <pthread.h>

#include <arpa/inet.h>
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "cache/hash.h"
#include "dns/err.h"

/* Buckets in a new table; fewer when the budget is tiny (see dst_cache_new). */
#define INITIAL_BUCKETS 16
/* One entry may take at most 1/ENTRY_SHARE of the budget. */
#define ENTRY_SHARE 8
/*
 * The table doubles when entries outnumber buckets and the budget has room
 * for it. Past MAX_LOAD entries per bucket it doubles anyway, evicting the
 * oldest entries to pay for the larger table.
 */
#define MAX_LOAD 2
/*
 * Entries living fewer seconds than this never ask for a prefetch: a refresh
 * would barely have time to arrive. Below 10 s, whole-second ages alone
 * would already never reach the last tenth (lifetime / 10 rounds to 0).
 */
#define PREFETCH_MIN_LIFE_S 10

/* The hit path is written once and specialised for each public lookup. */
#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

void dst_cache__lock(const struct dst_cache *c)
{
	if (c->shared)
		pthread_mutex_lock(&((struct dst_cache *)c)->lock);
}

void dst_cache__unlock(const struct dst_cache *c)
{
	if (c->shared)
		pthread_mutex_unlock(&((struct dst_cache *)c)->lock);
}

static inline void cache_lock(const struct dst_cache *c)
{
	if (c->shared)
		pthread_mutex_lock(&((struct dst_cache *)c)->lock);
}

static inline void cache_unlock(const struct dst_cache *c)
{
	if (c->shared)
		pthread_mutex_unlock(&((struct dst_cache *)c)->lock);
}

static inline size_t round8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static inline size_t pad2(size_t n)
{
	return (n + 1) & ~(size_t)1;
}

static inline const uint16_t *entry_offs(const struct entry *e)
{
	/* data sits at an even offset and the key is padded to even length. */
	return (const uint16_t *)(const void *)(e->data + pad2(e->key_len));
}

static inline const uint8_t *entry_wire(const struct entry *e)
{
	return (const uint8_t *)(entry_offs(e) + e->nttl);
}

/*
 * Returns the link that points at key's entry, or the NULL link ending its
 * chain. Through the link the caller can unlink the entry in O(1).
 */
static inline struct entry **find_link(struct dst_cache *c, const uint8_t *key, size_t klen,
				       uint64_t h)
{
	struct entry **pp = &c->table[h & c->mask];
	struct entry *e;

	for (; (e = *pp) != NULL; pp = &e->next)
		if (e->hash == h && e->key_len == klen && memcmp(e->data, key, klen) == 0)
			break;
	return pp;
}

/*
 * Doubles the table once entries outnumber buckets, if the budget allows;
 * past MAX_LOAD it makes room by evicting the oldest entries, sparing none
 * (the entry just stored is the newest, so it stays). A failed allocation
 * keeps the old table: lookups stay correct, only chains grow longer.
 */
static void maybe_grow(struct dst_cache *c, uint64_t now_ms)
{
	size_t nb = c->nbuckets * 2, extra = c->table_bytes;
	unsigned no_sparing = MAX_SPARED;
	struct entry **t;

	if (c->count <= c->nbuckets)
		return;
	assert(c->nbuckets > 0);
	if (c->table_bytes + c->used + extra > c->max_bytes) {
		if (c->count <= MAX_LOAD * c->nbuckets)
			return;
		while (c->table_bytes + c->used + extra > c->max_bytes && c->count > 1)
			dst_cache__tail_advance(c, now_ms, &no_sparing);
		if (c->table_bytes + c->used + extra > c->max_bytes)
			return;
	}
	t = calloc(nb, sizeof *t);
	if (!t)
		return;
	for (size_t i = 0; i < c->nbuckets; i++) {
		struct entry *e = c->table[i], *next;

		for (; e; e = next) {
			struct entry **b = &t[e->hash & (nb - 1)];

			next = e->next;
			e->next = *b;
			*b = e;
		}
	}
	free(c->table);
	c->table = t;
	c->nbuckets = nb;
	c->mask = nb - 1;
	c->table_bytes += extra;
	/* Within the budget: table_bytes + used <= max_bytes was just checked. */
	c->ring_end = (c->max_bytes - c->table_bytes) & ~(size_t)7;
}

void dst_cache_key_make(struct dst_cache_key *key, const struct dst_dns_query *q)
{
	size_t n = q->qname_len;

	assert(n >= 1 && n <= DST_DNS_MAX_NAME);
	memcpy(key->data, q->qname_lower, n);
	dst_dns_put16(key->data + n, q->qtype);
	dst_dns_put16(key->data + n + 2, q->qclass);
	key->data[n + 4] = (q->do_bit ? 0x01 : 0) | (q->cd ? 0x02 : 0);
	key->len = (uint16_t)(n + 5);
}

/*
 * The table starts at INITIAL_BUCKETS, halved until it takes at most 1/16 of
 * the budget; a budget too small for even one bucket (under 128 bytes, 0
 * included) gets no table and no ring, and then no answer fits in it.
 */
struct dst_cache *dst_cache_new(size_t max_bytes, uint32_t min_ttl, uint32_t max_ttl)
{
	size_t csize = (sizeof(struct dst_cache) + 63) & ~(size_t)63;
	struct dst_cache *c = aligned_alloc(64, csize);
	size_t nb = INITIAL_BUCKETS;

	if (!c)
		return NULL;
	memset(c, 0, csize);
	while (nb > 0 && nb * sizeof(struct entry *) > max_bytes / 16)
		nb /= 2;
	if (nb > 0) {
		c->table = calloc(nb, sizeof *c->table);
		if (!c->table || dst_cache__ring_reserve(c, max_bytes) < 0) {
			free(c->table);
			free(c);
			return NULL;
		}
		c->mask = nb - 1;
	} else {
		/* A lookup finds an empty chain here without a special case. */
		c->table = &c->empty_bucket;
	}
	c->nbuckets = nb;
	c->table_bytes = nb * sizeof(struct entry *);
	c->max_bytes = max_bytes;
	c->ring_end = c->ring ? (max_bytes - c->table_bytes) & ~(size_t)7 : 0;
	c->min_ttl = min_ttl;
	c->max_ttl = max_ttl;
	dst_cache__seed_init(c->seed);
	return c;
}

/* Empties the ring and gives all its pages back; the table keeps its size. */
static void clear(struct dst_cache *c)
{
	if (c->nbuckets > 0)
		memset(c->table, 0, c->table_bytes);
	c->count = 0;
	dst_cache__ring_clear(c);
}

void dst_cache_clear(struct dst_cache *c)
{
	cache_lock(c);
	clear(c);
	cache_unlock(c);
}

void dst_cache_set_shared(struct dst_cache *c)
{
	if (c->shared)
		return;
	pthread_mutexattr_t attr;

	pthread_mutexattr_init(&attr);
#ifdef PTHREAD_MUTEX_ADAPTIVE_NP
	/* Spin a little before sleeping: the holder is done within a microsecond. */
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
#endif
	pthread_mutex_init(&c->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	c->shared = true;
}

/* Whether the lower-case wire name k (klen bytes) is zone (zlen bytes) or under it. */
static bool under(const uint8_t *k, size_t klen, const uint8_t *zone, size_t zlen)
{
	size_t p = 0;

	/* Label by label from the left, until what is left is as long as the zone. */
	while (p < klen && klen - p > zlen && k[p] != 0)
		p += k[p] + 1u;
	return p < klen && klen - p == zlen && memcmp(k + p, zone, zlen) == 0;
}

/* Drops the entries of name (and, with subtree, of every name under it). */
static size_t flush(struct dst_cache *c, const uint8_t *name, size_t len, bool subtree)
{
	uint8_t lower[DST_DNS_MAX_NAME];
	size_t n = 0;

	if (len == 0 || len > sizeof lower)
		return 0;
	memcpy(lower, name, len);
	dst_dns_name_lower(lower, len);
	cache_lock(c);
	for (size_t i = 0; i < c->nbuckets; i++) {
		struct entry **pp = &c->table[i], *e;

		while ((e = *pp) != NULL) {
			/* The key is the lower-cased name, then 5 bytes of type, class and flags. */
			bool hit =
				subtree ? e->key_len > 5 &&
						  under(e->data, e->key_len - 5, lower, len)
					: e->key_len == len + 5 && memcmp(e->data, lower, len) == 0;
			if (hit) {
				dst_cache__drop(c, pp);
				n++;
			} else {
				pp = &e->next;
			}
		}
	}
	cache_unlock(c);
	return n;
}

size_t dst_cache_flush_name(struct dst_cache *c, const uint8_t *name, size_t len)
{
	return flush(c, name, len, false);
}

size_t dst_cache_flush_under(struct dst_cache *c, const uint8_t *name, size_t len)
{
	return flush(c, name, len, true);
}

void dst_cache_set_stale(struct dst_cache *c, uint64_t window_ms)
{
	cache_lock(c);
	c->stale_ms = window_ms;
	cache_unlock(c);
}

void dst_cache_free(struct dst_cache *c)
{
	if (!c)
		return;
	dst_cache__ring_free(c);
	if (c->nbuckets > 0)
		free(c->table);
	if (c->shared)
		pthread_mutex_destroy(&c->lock);
	free(c);
}

/*
 * RFC 2181 section 8: a TTL with the top bit set is treated as zero. The
 * ceiling is applied last, so it wins when the floor is above it.
 */
static inline uint32_t clamp_ttl(uint32_t ttl, uint32_t lo, uint32_t hi)
{
	if (ttl & 0x80000000u)
		ttl = 0;
	if (ttl < lo)
		ttl = lo;
	if (ttl > hi)
		ttl = hi;
	return ttl;
}

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/*
 * Offsets are usually in message order; only when they are not are they
 * sorted into a copy (*sorted, which the caller frees), so that duplicate
 * or overlapping TTL fields, which would be aged twice, can be refused.
 */
static int check_offsets(const uint16_t *offs, size_t n, size_t len, uint16_t **sorted)
{
	bool ascending = true;
	uint16_t *s;

	*sorted = NULL;
	for (size_t i = 0; i < n; i++) {
		if ((size_t)offs[i] + 4 > len)
			return DST_EINVAL;
		if (i > 0 && (size_t)offs[i] < (size_t)offs[i - 1] + 4)
			ascending = false;
	}
	if (ascending)
		return 0;
	s = malloc(n * sizeof *s);
	if (!s)
		return DST_ENOMEM;
	memcpy(s, offs, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_u16);
	for (size_t i = 1; i < n; i++) {
		if ((size_t)s[i] < (size_t)s[i - 1] + 4) {
			free(s);
			return DST_EINVAL;
		}
	}
	*sorted = s;
	return 0;
}

/* The bytes an entry takes in the ring. */
static inline size_t entry_size(size_t key_len, size_t nttl, size_t len)
{
	return round8(offsetof(struct entry, data) + pad2(key_len) + nttl * sizeof(uint16_t) + len);
}

/*
 * Copies an entry into the ring and links it into the index, as stored at
 * stored_ms and dead from expire_ms (after stored_ms); the caller has
 * dropped any entry under key, checked the size against the budget, and
 * made sure no TTL in wire is below the lifetime. Returns the entry, or
 * NULL when it cannot fit.
 */
static struct entry *place(struct dst_cache *c, const struct dst_cache_key *key, uint64_t h,
			   const uint8_t *wire, size_t len, const uint16_t *ttl_offs, size_t nttl,
			   uint64_t stored_ms, uint64_t expire_ms, uint64_t now_ms)
{
	size_t size = entry_size(key->len, nttl, len), off;
	uint64_t life_s = (expire_ms - stored_ms) / 1000;
	struct entry **pp, *e;

	off = dst_cache__ring_take(c, size, now_ms);
	if (off == SIZE_MAX)
		return NULL;
	e = record_at(c, off);
	e->hash = h;
	e->size = (uint32_t)size;
	e->state = ENTRY_INDEXED;
	e->key_len = key->len;
	e->wire_len = (uint16_t)len;
	e->nttl = (uint16_t)nttl;
	e->stored_ms = stored_ms;
	e->expire_ms = expire_ms;
	/*
	 * The last tenth, rounded so that it never starts early: ages are
	 * whole seconds. A lifetime of 10 s or more puts this at 9 s or more,
	 * an age the hit path computes anyway.
	 */
	e->prefetch_age_s = life_s >= PREFETCH_MIN_LIFE_S && life_s < UINT32_MAX
				    ? (uint32_t)(life_s - life_s / 10)
				    : UINT32_MAX;
	memcpy(e->data, key->data, key->len);
	if (nttl > 0)
		memcpy((void *)entry_offs(e), ttl_offs, nttl * sizeof(uint16_t));
	memcpy((uint8_t *)entry_wire(e), wire, len);

	/* Eviction may have changed the chains, but never the table. */
	pp = &c->table[h & c->mask];
	e->next = *pp;
	*pp = e;
	c->count++;
	maybe_grow(c, now_ms);
	return e;
}

/*
 * Both stores: every TTL is clamped into [lo, hi] and the entry lives as
 * long as the smallest, or hi seconds with no TTL fields (capped stores
 * only: a plain one refuses nttl 0 before getting here).
 *
 * Once the arguments are valid the new answer supersedes the old one: the
 * entry under key is dropped even when the new answer is then not stored
 * (lifetime 0, too large, out of memory), so the cache never serves an answer
 * older than the newest one seen. A lifetime of 0 stores nothing and returns
 * 0: the upstream asked for the answer not to be cached, which is no error.
 */
static int store(struct dst_cache *c, const struct dst_cache_key *key, const uint8_t *wire,
		 size_t len, const uint16_t *ttl_offs, size_t nttl, uint64_t now_ms, uint32_t lo,
		 uint32_t hi)
{
	uint16_t *sorted;
	uint32_t lifetime = hi;
	struct entry **pp, *e;
	uint64_t h, life_ms;
	size_t size;
	uint8_t *p;
	int err;

	/*
	 * At least a header, so that no hit is 0 bytes long; nttl <= len / 4:
	 * more could not be distinct 4-byte fields.
	 */
	if (key->len == 0 || key->len > DST_CACHE_KEY_MAX || len < DST_DNS_HEADER_LEN ||
	    len > DST_DNS_MAX_MSG || nttl > len / 4)
		return DST_EINVAL;
	err = check_offsets(ttl_offs, nttl, len, &sorted);
	if (err)
		return err;
	if (sorted)
		ttl_offs = sorted;

	h = hash_key(c->seed, key->data, key->len);
	pp = find_link(c, key->data, key->len, h);
	if (*pp)
		dst_cache__drop(c, pp);

	size = entry_size(key->len, nttl, len);
	if (size > c->max_bytes / ENTRY_SHARE) {
		err = DST_ENOSPC;
		goto out;
	}
	for (size_t i = 0; i < nttl; i++) {
		uint32_t ttl = clamp_ttl(dst_dns_get32(wire + ttl_offs[i]), lo, hi);

		if (ttl < lifetime)
			lifetime = ttl;
	}
	if (lifetime == 0)
		goto out;
	life_ms = (uint64_t)lifetime * 1000;
	e = place(c, key, h, wire, len, ttl_offs, nttl, now_ms,
		  now_ms > UINT64_MAX - life_ms ? UINT64_MAX : now_ms + life_ms, now_ms);
	if (!e) {
		err = DST_ENOSPC;
		goto out;
	}
	p = (uint8_t *)entry_wire(e);
	for (size_t i = 0; i < nttl; i++)
		dst_dns_put32(p + ttl_offs[i], clamp_ttl(dst_dns_get32(p + ttl_offs[i]), lo, hi));
out:
	free(sorted);
	return err;
}

int dst_cache_store(struct dst_cache *c, const struct dst_cache_key *key, const uint8_t *wire,
		    size_t len, const uint16_t *ttl_offs, size_t nttl, uint64_t now_ms)
{
	int r;

	if (nttl == 0)
		return DST_EINVAL;
	cache_lock(c);
	r = store(c, key, wire, len, ttl_offs, nttl, now_ms, c->min_ttl, c->max_ttl);
	cache_unlock(c);
	return r;
}

int dst_cache_store_capped(struct dst_cache *c, const struct dst_cache_key *key,
			   const uint8_t *wire, size_t len, const uint16_t *ttl_offs, size_t nttl,
			   uint64_t now_ms, uint32_t cap_ttl)
{
	int r;

	cache_lock(c);
	r = store(c, key, wire, len, ttl_offs, nttl, now_ms, 0,
		  cap_ttl < c->max_ttl ? cap_ttl : c->max_ttl);
	cache_unlock(c);
	return r;
}

int dst_cache__insert(struct dst_cache *c, const struct dst_cache_key *key, const uint8_t *wire,
		      size_t len, const uint16_t *ttl_offs, size_t nttl, uint64_t stored_ms,
		      uint64_t expire_ms, uint64_t now_ms)
{
	uint64_t h = hash_key(c->seed, key->data, key->len);
	struct entry **pp = find_link(c, key->data, key->len, h);

	if (*pp)
		dst_cache__drop(c, pp);
	if (entry_size(key->len, nttl, len) > c->max_bytes / ENTRY_SHARE)
		return DST_ENOSPC;
	return place(c, key, h, wire, len, ttl_offs, nttl, stored_ms, expire_ms, now_ms)
		       ? 0
		       : DST_ENOSPC;
}

/*
 * The rare case of lookup: the entry *pp has expired. Past the stale window
 * it is freed; within it, only a stale lookup serves it, and an entry with
 * no TTL fields (a cached SERVFAIL) never, as there is nothing to serve.
 * flags is NULL when the caller does not want them.
 */
static ssize_t lookup_expired(struct dst_cache *c, struct entry **pp, uint64_t now_ms, uint8_t *out,
			      size_t cap, bool stale_ok, unsigned *flags)
{
	struct entry *e = *pp;
	const uint16_t *offs, *end;
	uint8_t stale_ttl[4];

	if (flags)
		*flags = 0;
	if (e->nttl == 0 || now_ms - e->expire_ms >= c->stale_ms) {
		dst_cache__drop(c, pp);
		c->misses++;
		return 0;
	}
	if (!stale_ok) {
		c->misses++;
		return 0;
	}
	if (e->wire_len > cap) {
		c->misses++;
		return DST_ENOSPC;
	}
	offs = entry_offs(e);
	end = offs + e->nttl;
	memcpy(out, end, e->wire_len);
	dst_dns_put32(stale_ttl, DST_CACHE_STALE_TTL);
	for (const uint16_t *o = offs; o < end; o++)
		memcpy(out + *o, stale_ttl, sizeof stale_ttl);
	/* Serving it is a use: in an outage, what clients still ask for stays. */
	if (e->state != ENTRY_USED)
		e->state = ENTRY_USED;
	c->stale_hits++;
	if (flags)
		*flags = DST_CACHE_STALE;
	return e->wire_len;
}

/*
 * The hot path: one hash, one chain walk, one copy, one pass over the TTL
 * offsets. A live entry too large for cap counts as a miss and is not
 * marked used. Inlined into each public lookup with constant
 * stale_ok and want_flags, so that dst_cache_lookup pays for neither.
 * *flags is written once, on the way out: a pointer kept live across the
 * calls to memcmp and memcpy costs a register, and spills, on every hit.
 */
static ALWAYS_INLINE ssize_t lookup(struct dst_cache *c, const struct dst_cache_key *key,
				    uint64_t now_ms, uint8_t *out, size_t cap, bool stale_ok,
				    bool want_flags, unsigned *flags)
{
	struct entry **pp, *e;
	const uint16_t *offs;
	unsigned f = 0;
	uint64_t h;

	assert(key->len <= DST_CACHE_KEY_MAX);
	h = hash_key(c->seed, key->data, key->len);
	pp = find_link(c, key->data, key->len, h);
	e = *pp;
	if (!e) {
		c->misses++;
		if (want_flags)
			*flags = 0;
		return 0;
	}
	if (now_ms >= e->expire_ms)
		return lookup_expired(c, pp, now_ms, out, cap, stale_ok, want_flags ? flags : NULL);
	if (e->wire_len > cap) {
		c->misses++;
		if (want_flags)
			*flags = 0;
		return DST_ENOSPC;
	}

	offs = entry_offs(e);
	memcpy(out, offs + e->nttl, e->wire_len);
	/* A clock that went backwards gives age 0, not a huge one. */
	if (now_ms > e->stored_ms && now_ms - e->stored_ms >= 1000) {
		/* Below the lifetime (not expired), so below 2^32 and every TTL. */
		uint32_t age = (uint32_t)((now_ms - e->stored_ms) / 1000);
		const uint16_t *end = offs + e->nttl;

		for (const uint16_t *o = offs; o < end; o++) {
			uint32_t ttl;

			/* memcpy + ntohl compiles to a load and a bswap. */
			memcpy(&ttl, out + *o, sizeof ttl);
			ttl = ntohl(ttl);
			ttl = htonl(ttl > age ? ttl - age : 0);
			memcpy(out + *o, &ttl, sizeof ttl);
		}
		/* prefetch_age_s is at least 9 s, so it needs no check outside. */
		if (want_flags && age >= e->prefetch_age_s) {
			e->prefetch_age_s = UINT32_MAX;
			c->prefetches++;
			f = DST_CACHE_PREFETCH;
		}
	}
	/* Checked first: a hot entry's header is then not written on every hit. */
	if (e->state != ENTRY_USED)
		e->state = ENTRY_USED;
	c->hits++;
	if (want_flags)
		*flags = f;
	return e->wire_len;
}

ssize_t dst_cache_lookup(struct dst_cache *c, const struct dst_cache_key *key, uint64_t now_ms,
			 uint8_t *out, size_t cap)
{
	ssize_t n;

	cache_lock(c);
	n = lookup(c, key, now_ms, out, cap, false, false, NULL);
	cache_unlock(c);
	return n;
}

ssize_t dst_cache_lookup_ex(struct dst_cache *c, const struct dst_cache_key *key, uint64_t now_ms,
			    uint8_t *out, size_t cap, unsigned *flags)
{
	ssize_t n;

	cache_lock(c);
	n = lookup(c, key, now_ms, out, cap, false, true, flags);
	cache_unlock(c);
	return n;
}

bool dst_cache_has_stale(const struct dst_cache *c, const struct dst_cache_key *key,
			 uint64_t now_ms)
{
	uint64_t h = hash_key(c->seed, key->data, key->len);
	const struct entry *e;
	bool r;

	cache_lock(c);
	e = *find_link((struct dst_cache *)c, key->data, key->len, h);
	r = e && e->nttl && now_ms >= e->expire_ms && now_ms - e->expire_ms < c->stale_ms;
	cache_unlock(c);
	return r;
}

ssize_t dst_cache_lookup_stale(struct dst_cache *c, const struct dst_cache_key *key,
			       uint64_t now_ms, uint8_t *out, size_t cap, unsigned *flags)
{
	ssize_t n;

	cache_lock(c);
	n = lookup(c, key, now_ms, out, cap, true, true, flags);
	cache_unlock(c);
	return n;
}

void dst_cache_get_stats(const struct dst_cache *c, struct dst_cache_stats *st)
{
	cache_lock(c);
	st->entries = c->count;
	st->bytes = c->table_bytes + c->used;
	st->hits = c->hits;
	st->stale_hits = c->stale_hits;
	st->misses = c->misses;
	st->prefetches = c->prefetches;
	st->evictions = c->evictions;
	cache_unlock(c);
}
