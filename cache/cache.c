/*
 * The TTL cache: wire answers indexed by (qname, qtype, qclass, DO, CD).
 *
 * Entries live in one ring of memory, a log: each store appends its entry
 * (struct entry, then the key bytes padded to an even length, the TTL
 * offsets (uint16, ascending) and the wire, rounded up to 8 bytes) at the
 * head, and room is made at the tail. Eviction is CLOCK in log order (FIFO
 * with reinsertion): the entry at the tail leaves unless it was used since
 * it was last there and is still servable; then it is moved to the head
 * with its mark cleared (its "second chance"). The index is a power-of-two
 * array of bucket heads chaining entries through entry->next.
 *
 * Why a log and not malloc per entry: memory. The ring is reserved once and
 * its pages are touched only as far as entries have reached, so the process
 * never holds more than the budget for entries, whatever mix of sizes a
 * flood brings (glibc held 20% more than it had in use under a flood, and
 * that overhead grew with the budget). An entry also costs no allocator
 * header or 16-byte rounding, and a hit writes one mark in the entry's
 * header instead of relinking a list.
 *
 * Ring layout: not wrapped, the records are [tail, head); wrapped, they are
 * [tail, wrap_at) then [0, head), with head <= tail. A record is an entry
 * in the index or a hole (an entry dropped by a lookup, a replacement or a
 * flush): holes keep their size so that the tail can step over them, and
 * count in `used` until it has. The head wraps to 0 when the next record
 * would pass ring_end, which is the budget less the index (8-aligned).
 *
 * Invariants between calls:
 *  - each entry in the index is in exactly one chain (table[hash & mask])
 *    and is a record of the ring; count is their number, expired ones
 *    included;
 *  - used == the sum of the record sizes (holes included) and
 *    bytes() == table_bytes + used <= max_bytes; used == 0 implies
 *    head == tail == 0 and not wrapped;
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

#include "cache/cache.h"

#include <pthread.h>
#include <sys/mman.h>

#include <arpa/inet.h>
#include <assert.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__) && defined(__has_include)
#if __has_include(<sys/random.h>)
#include <sys/random.h>
#define HAVE_GETRANDOM 1
#endif
#endif

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
 * One store moves at most this many marked entries from the tail to the
 * head before it evicts one whatever its mark: a store's cost stays bounded
 * even when every entry in the cache has been used since the last pass.
 */
#define MAX_SPARED 32
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
	uint64_t expire_ms; /* stored_ms + lifetime: dead at or after this */
	uint32_t size;      /* bytes the record takes in the ring, a multiple of 8 */
	uint32_t prefetch_age_s; /* a hit this old (s) flags a prefetch; UINT32_MAX: no more */
	uint16_t key_len;
	uint16_t wire_len;
	uint16_t nttl;
	uint16_t state;     /* ENTRY_*: 16 bits keep data at an even offset */
	uint8_t data[];     /* key, pad to even, uint16 TTL offsets, wire */
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
	size_t mask;          /* nbuckets - 1, or 0 with no table */
	uint64_t seed[3];
	uint64_t stale_ms;    /* serve-stale window after expiry; 0: off */
	uint32_t min_ttl, max_ttl;
	bool shared;          /* lock taken by every public call */

	/* Written by stores and evictions. */
	_Alignas(64) uint8_t *ring; /* ring_cap bytes reserved, NULL if none */
	size_t ring_cap;      /* the reservation: max_bytes rounded up to pages */
	size_t ring_end;      /* the head wraps before passing this */
	size_t head, tail, wrap_at;
	size_t used;          /* bytes of records in the ring, holes included */
	size_t touched;       /* pages below this may be resident */
	bool wrapped;
	size_t count;
	size_t nbuckets;      /* 0: no table, table points at empty_bucket */
	struct entry *empty_bucket;
	size_t table_bytes;
	size_t max_bytes;

	/* Written by lookups. */
	_Alignas(64) uint64_t hits, misses, evictions;
	uint64_t stale_hits, prefetches;

	_Alignas(64) pthread_mutex_t lock;
};

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

/* The 128-bit product of a and b, folded to 64 bits by xoring its halves. */
static inline uint64_t fold_mul(uint64_t a, uint64_t b)
{
#ifdef __SIZEOF_INT128__
	unsigned __int128 r = (unsigned __int128)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
#else
	/* 32-bit targets (many routers): the schoolbook product of the halves. */
	uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
	uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
	uint64_t lo = (uint32_t)ll | mid << 32;
	uint64_t hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
	return lo ^ hi;
#endif
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

static inline uint64_t load32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

/*
 * Hashes n key bytes: 16 bytes per folded multiply, the last 1-16 bytes read
 * as two overlapping words. Every step mixes in a secret seed, so a client
 * who cannot see the seed cannot aim many names at one bucket. Byte order
 * of the loads does not matter: the hash never leaves the process.
 */
static inline uint64_t hash_key(const uint64_t seed[3], const uint8_t *p, size_t n)
{
	uint64_t h = seed[0] ^ n, a, b;

	while (n > 16) {
		h = fold_mul(load64(p) ^ seed[1], load64(p + 8) ^ h);
		p += 16;
		n -= 16;
	}
	if (n >= 8) {
		a = load64(p);
		b = load64(p + n - 8);
	} else if (n >= 4) {
		a = load32(p);
		b = load32(p + n - 4);
	} else if (n > 0) {
		a = (uint64_t)p[0] << 16 | (uint64_t)p[n / 2] << 8 | p[n - 1];
		b = 0;
	} else {
		a = b = 0;
	}
	return fold_mul(a ^ seed[1], b ^ h ^ seed[2]);
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

static inline struct entry *record_at(const struct dst_cache *c, size_t off)
{
	return (struct entry *)(void *)(c->ring + off);
}

/* The link that points at e, which is in the index. */
static inline struct entry **link_to(struct dst_cache *c, const struct entry *e)
{
	struct entry **pp = &c->table[e->hash & c->mask];

	while (*pp != e)
		pp = &(*pp)->next;
	return pp;
}

/*
 * Gives pages the ring no longer uses back to the kernel: those from the
 * larger of head and ring_end up to what was touched. Called when the
 * records are all below head (not wrapped, tail at 0 or empty); needed
 * only after the index grew and ring_end came down.
 */
static void release_above(struct dst_cache *c, size_t keep)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t lo = (keep + page - 1) & ~(page - 1);
	size_t hi = (c->touched + page - 1) & ~(page - 1);

	if (hi > c->ring_cap)
		hi = c->ring_cap;
	if (hi > lo)
		madvise(c->ring + lo, hi - lo, MADV_DONTNEED);
	if (c->touched > keep)
		c->touched = keep;
}

/* The tail steps over size bytes; an emptied ring starts again at 0. */
static void tail_skip(struct dst_cache *c, size_t size)
{
	c->tail += size;
	c->used -= size;
	if (c->used == 0) {
		c->head = c->tail = 0;
		c->wrapped = false;
		if (c->touched > c->ring_end)
			release_above(c, c->ring_end);
	}
}

/* A wrapped tail that reached the wrap point goes on at 0. */
static bool tail_wrap(struct dst_cache *c)
{
	if (!c->wrapped || c->tail != c->wrap_at)
		return false;
	c->tail = 0;
	c->wrapped = false;
	if (c->touched > c->ring_end && c->touched > c->head)
		release_above(c, c->head > c->ring_end ? c->head : c->ring_end);
	return true;
}

/* Steps the tail over holes and the wrap point: they hold no entry. */
static void tail_trim(struct dst_cache *c)
{
	while (c->used > 0) {
		if (tail_wrap(c))
			continue;
		if (record_at(c, c->tail)->state != ENTRY_HOLE)
			break;
		tail_skip(c, record_at(c, c->tail)->size);
	}
}

/*
 * Takes the entry *pp points at out of the index. Its record becomes a
 * hole; a hole at either end of the ring is reclaimed at once.
 */
static void drop(struct dst_cache *c, struct entry **pp)
{
	struct entry *e = *pp;

	*pp = e->next;
	c->count--;
	e->state = ENTRY_HOLE;
	if ((uint8_t *)e + e->size == c->ring + c->head && c->used > e->size) {
		c->head -= e->size;
		c->used -= e->size;
	}
	tail_trim(c);
}

/*
 * Is the entry worth a second chance at the tail: used since it was last
 * there, and still servable, live or within the stale window (an entry
 * with no TTLs, a cached SERVFAIL, is never served stale).
 */
static inline bool worth_sparing(const struct dst_cache *c, const struct entry *e,
				 uint64_t now_ms)
{
	if (e->state != ENTRY_USED)
		return false;
	if (now_ms < e->expire_ms)
		return true;
	return e->nttl > 0 && now_ms - e->expire_ms < c->stale_ms;
}

/*
 * Moves the tail record, an entry in the index, to the head. The space it
 * leaves at the tail is what it takes at the head, so the free space does
 * not change: only its place does. memmove: the two may overlap.
 */
static void reinsert_tail(struct dst_cache *c)
{
	struct entry *e = record_at(c, c->tail), **pp = link_to(c, e);
	size_t size = e->size;
	struct entry *to;

	if (!c->wrapped && c->head + size > c->ring_end) {
		c->wrap_at = c->head;
		c->head = 0;
		c->wrapped = true;
	}
	to = record_at(c, c->head);
	memmove(to, e, size);
	to->state = ENTRY_INDEXED;
	*pp = to;
	c->head += size;
	if (!c->wrapped && c->head > c->touched)
		c->touched = c->head;
	c->tail += size;
}

/*
 * Makes progress at the tail: steps over the wrap point or a hole, spares a
 * used entry (while *spared is below MAX_SPARED), or evicts the entry.
 */
static void tail_advance(struct dst_cache *c, uint64_t now_ms, unsigned *spared)
{
	struct entry *e;

	assert(c->used > 0);
	if (tail_wrap(c))
		return;
	e = record_at(c, c->tail);
	if (e->state != ENTRY_HOLE) {
		if (*spared < MAX_SPARED && worth_sparing(c, e, now_ms)) {
			(*spared)++;
			reinsert_tail(c);
			return;
		}
		*link_to(c, e) = e->next;
		c->count--;
		c->evictions++;
	}
	tail_skip(c, e->size);
}

/*
 * Finds size contiguous bytes at the head within the budget, advancing the
 * tail as needed; returns their offset, which the caller must fill at once,
 * or SIZE_MAX when size cannot fit at all.
 */
static size_t ring_take(struct dst_cache *c, size_t size, uint64_t now_ms)
{
	unsigned spared = 0;
	size_t off;

	if (size > c->ring_end)
		return SIZE_MAX;
	for (;;) {
		if (c->table_bytes + c->used + size <= c->max_bytes) {
			if (!c->wrapped) {
				if (c->head + size <= c->ring_end)
					break;
				/* used > 0 here: an empty ring has head 0. */
				c->wrap_at = c->head;
				c->head = 0;
				c->wrapped = true;
				continue;
			}
			if (c->head + size <= c->tail)
				break;
		}
		tail_advance(c, now_ms, &spared);
	}
	off = c->head;
	c->head += size;
	c->used += size;
	if (!c->wrapped && c->head > c->touched)
		c->touched = c->head;
	return off;
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
			tail_advance(c, now_ms, &no_sparing);
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

static void seed_init(uint64_t seed[3])
{
	const size_t want = 3 * sizeof seed[0];
	struct timespec ts;
	int fd;

#ifdef HAVE_GETRANDOM
	/* NONBLOCK: early at boot, /dev/urandom below is better than waiting. */
	if (getrandom(seed, want, GRND_NONBLOCK) == (ssize_t)want)
		return;
#endif
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, seed, want);

		close(fd);
		if (n == (ssize_t)want)
			return;
	}
	/*
	 * No entropy source: the cache still works, but an attacker who can
	 * guess the clock could aim collisions at it.
	 */
	clock_gettime(CLOCK_REALTIME, &ts);
	seed[0] = fold_mul((uint64_t)ts.tv_sec ^ 0x9e3779b97f4a7c15u, (uint64_t)ts.tv_nsec | 1);
	seed[1] = fold_mul(seed[0] ^ (uint64_t)(uintptr_t)seed, 0xc2b2ae3d27d4eb4fu);
	seed[2] = fold_mul(seed[1] ^ (uint64_t)getpid(), 0x165667b19e3779f9u);
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
 *
 * The ring is reserved, not allocated: MAP_NORESERVE, and the kernel gives
 * it pages only as entries reach them, so an idle or small cache costs
 * little whatever `size` says.
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
		size_t page = (size_t)sysconf(_SC_PAGESIZE);
		void *ring;

		c->ring_cap = (max_bytes + page - 1) & ~(page - 1);
		ring = mmap(NULL, c->ring_cap, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		c->table = calloc(nb, sizeof *c->table);
		if (ring == MAP_FAILED || !c->table) {
			if (ring != MAP_FAILED)
				munmap(ring, c->ring_cap);
			free(c->table);
			free(c);
			return NULL;
		}
		c->ring = ring;
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
	seed_init(c->seed);
	return c;
}

/* Empties the ring and gives all its pages back; the table keeps its size. */
static void clear(struct dst_cache *c)
{
	if (c->nbuckets > 0)
		memset(c->table, 0, c->table_bytes);
	c->count = 0;
	c->used = c->head = c->tail = 0;
	c->wrapped = false;
	if (c->ring && c->touched > 0)
		release_above(c, 0);
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

size_t dst_cache_flush_name(struct dst_cache *c, const uint8_t *name, size_t len)
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
			if (e->key_len == len + 5 && memcmp(e->data, lower, len) == 0) {
				drop(c, pp);
				n++;
			} else {
				pp = &e->next;
			}
		}
	}
	cache_unlock(c);
	return n;
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
	if (c->ring)
		munmap(c->ring, c->ring_cap);
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
	size_t size, off;
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
		drop(c, pp);

	size = round8(offsetof(struct entry, data) + pad2(key->len) + nttl * sizeof(uint16_t) + len);
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
	off = ring_take(c, size, now_ms);
	if (off == SIZE_MAX) {
		err = DST_ENOSPC;
		goto out;
	}
	e = record_at(c, off);
	e->hash = h;
	e->size = (uint32_t)size;
	e->state = ENTRY_INDEXED;
	e->key_len = key->len;
	e->wire_len = (uint16_t)len;
	e->nttl = (uint16_t)nttl;
	e->stored_ms = now_ms;
	life_ms = (uint64_t)lifetime * 1000;
	e->expire_ms = now_ms > UINT64_MAX - life_ms ? UINT64_MAX : now_ms + life_ms;
	/*
	 * The last tenth, rounded so that it never starts early: ages are
	 * whole seconds. A lifetime of 10 s or more puts this at 9 s or more,
	 * an age the hit path computes anyway.
	 */
	e->prefetch_age_s = lifetime >= PREFETCH_MIN_LIFE_S ? lifetime - lifetime / 10 : UINT32_MAX;
	memcpy(e->data, key->data, key->len);
	if (nttl > 0)
		memcpy((void *)entry_offs(e), ttl_offs, nttl * sizeof(uint16_t));
	p = (uint8_t *)entry_wire(e);
	memcpy(p, wire, len);
	for (size_t i = 0; i < nttl; i++)
		dst_dns_put32(p + ttl_offs[i], clamp_ttl(dst_dns_get32(p + ttl_offs[i]), lo, hi));

	/* Eviction may have changed the chains, but never the table. */
	pp = &c->table[h & c->mask];
	e->next = *pp;
	*pp = e;
	c->count++;
	maybe_grow(c, now_ms);
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

/*
 * The rare case of lookup: the entry *pp has expired. Past the stale window
 * it is freed; within it, only a stale lookup serves it, and an entry with
 * no TTL fields (a cached SERVFAIL) never, as there is nothing to serve.
 * flags is NULL when the caller does not want them.
 */
static ssize_t lookup_expired(struct dst_cache *c, struct entry **pp, uint64_t now_ms,
			      uint8_t *out, size_t cap, bool stale_ok, unsigned *flags)
{
	struct entry *e = *pp;
	const uint16_t *offs, *end;
	uint8_t stale_ttl[4];

	if (flags)
		*flags = 0;
	if (e->nttl == 0 || now_ms - e->expire_ms >= c->stale_ms) {
		drop(c, pp);
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
