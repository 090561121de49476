/*
 * The ring the cache's entries live in: one reservation of memory used as
 * a log. Each store appends its entry at the head (dst_cache__ring_take),
 * and room is made at the tail. Eviction is CLOCK in log order (FIFO with
 * reinsertion): the entry at the tail leaves unless it was used since it
 * was last there and is still servable; then it is moved to the head with
 * its mark cleared (its "second chance"), at most MAX_SPARED times per
 * store. The index (cache.c) only links records of this ring.
 *
 * Why a log and not malloc per entry: memory. The ring is reserved once and
 * its pages are touched only as far as entries have reached, so the process
 * never holds more than the budget for entries, whatever mix of sizes a
 * flood brings (glibc held 20% more than it had in use under a flood, and
 * that overhead grew with the budget). An entry also costs no allocator
 * header or 16-byte rounding, and a hit writes one mark in the entry's
 * header instead of relinking a list.
 *
 * Layout: not wrapped, the records are [tail, head); wrapped, they are
 * [tail, wrap_at) then [0, head), with head <= tail. A record is an entry
 * in the index or a hole (an entry dropped by a lookup, a replacement or a
 * flush): holes keep their size so that the tail can step over them, and
 * count in `used` until it has. The head wraps to 0 when the next record
 * would pass ring_end, which is the budget less the index (8-aligned).
 *
 * Invariants between calls: used == the sum of the record sizes (holes
 * included) and table_bytes + used <= max_bytes; used == 0 implies
 * head == tail == 0 and not wrapped; pages at or above `touched` are not
 * resident (given back with MADV_DONTNEED when ring_end comes down or the
 * ring empties).
 *
 * Ownership: the ring is the cache's, reserved here for dst_cache_new and
 * unmapped here for dst_cache_free; entries are bytes of it and move only
 * here, in reinsert_tail, during a store. Everything here runs under the
 * cache's lock, if it has one (cache.c takes it).
 */
#include "config.h"

#include <assert.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cache/internal.h"
#include "dns/err.h"

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

/* Holes are reclaimed at the head here, at the tail by tail_trim. */
void dst_cache__drop(struct dst_cache *c, struct entry **pp)
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
static inline bool worth_sparing(const struct dst_cache *c, const struct entry *e, uint64_t now_ms)
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

/* One step at the tail; a spared entry keeps its place in its chain. */
void dst_cache__tail_advance(struct dst_cache *c, uint64_t now_ms, unsigned *spared)
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
 * The head wraps to 0 when size would pass ring_end; then the room must be
 * below the tail. The budget counts the table too: table_bytes + used.
 */
size_t dst_cache__ring_take(struct dst_cache *c, size_t size, uint64_t now_ms)
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
		dst_cache__tail_advance(c, now_ms, &spared);
	}
	off = c->head;
	c->head += size;
	c->used += size;
	if (!c->wrapped && c->head > c->touched)
		c->touched = c->head;
	return off;
}

/*
 * MAP_NORESERVE, and the kernel gives the ring pages only as entries reach
 * them, so an idle or small cache costs little whatever its budget says.
 */
int dst_cache__ring_reserve(struct dst_cache *c, size_t max_bytes)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *ring;

	c->ring_cap = (max_bytes + page - 1) & ~(page - 1);
	ring = mmap(NULL, c->ring_cap, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ring == MAP_FAILED)
		return DST_ENOMEM;
	c->ring = ring;
	return 0;
}

void dst_cache__ring_free(struct dst_cache *c)
{
	if (c->ring)
		munmap(c->ring, c->ring_cap);
}

void dst_cache__ring_clear(struct dst_cache *c)
{
	c->used = c->head = c->tail = 0;
	c->wrapped = false;
	if (c->ring && c->touched > 0)
		release_above(c, 0);
}
