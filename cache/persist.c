/*
 * The cache's part of the persisted state (cache.h: dst_cache_save,
 * dst_cache_load): its entries as bytes, and back. No I/O: the bytes go to
 * the caller's callback, and come from the caller's buffer.
 *
 * Format (all integers big-endian), one record per entry, oldest first
 * (ring order), nothing before or after them:
 *
 *   u64 stored   wall-clock ms (Unix epoch) when the answer was stored
 *   u64 expires  wall-clock ms when it expires; expires - stored is a
 *                whole number of seconds, 1 to 2^31 - 1 of them
 *   u16 key_len  the cache key (lower-cased qname, type, class, flags)
 *   u16 wire_len the answer
 *   u16 nttl     TTL fields in it
 *   key_len bytes, nttl u16 offsets (ascending, 4 bytes apart at least),
 *   wire_len bytes (each TTL as stored: clamped, never below the lifetime)
 *
 * Times are wall-clock because the monotonic times the cache runs on mean
 * nothing in the next process: an entry keeps its age and expiry across a
 * restart only if the wall clock is right at both ends (resolver/ keeps a
 * floor for it). Loading maps them back with the pair (now_ms, wall_ms):
 * saving and loading with the same pair gives the same monotonic times,
 * so a save, load and save writes the same bytes.
 *
 * An entry stored before the monotonic clock's epoch (a reboot since: the
 * clock counts from boot) cannot have its store time; its TTLs and its
 * store time are moved forward together by the missing whole seconds,
 * which serves the same TTLs. One that also expired before the epoch but
 * is still within the stale window is taken as expired at the epoch.
 *
 * Loading checks every record before adding any, so a file that passed its
 * checksum but is not what dst_cache_save writes adds nothing. The answer's
 * question must be the key's: a record can never put an answer under
 * another name.
 */
#include "config.h"

#include <string.h>

#include "cache/internal.h"
#include "dns/err.h"

#define FIXED_LEN 22          /* the u64, u64, u16, u16, u16 before the bytes */
#define MAX_LIFE_S 0x7fffffff /* RFC 2181: TTLs are 31-bit */

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static inline const uint16_t *rec_offs(const struct entry *e)
{
	return (const uint16_t *)(const void *)(e->data + ((e->key_len + 1u) & ~1u));
}

/* Whether the expired-or-live entry e is worth saving at now_ms. */
static bool keep(const struct dst_cache *c, const struct entry *e, uint64_t now_ms)
{
	if (now_ms < e->expire_ms)
		return true;
	return e->nttl > 0 && now_ms - e->expire_ms < c->stale_ms;
}

static int save_entry(const struct entry *e, uint64_t now_ms, int64_t wall_ms,
		      dst_cache_write_cb write, void *arg)
{
	uint8_t fixed[FIXED_LEN], offs[2 * DST_DNS_MAX_MSG / 4];
	const uint16_t *o = rec_offs(e);
	/* Wall time = now's wall time less the entry's age (negative: stored "later"). */
	int64_t stored = wall_ms - (int64_t)(now_ms - e->stored_ms);
	int64_t expires = stored + (int64_t)(e->expire_ms - e->stored_ms);
	int r;

	put64(fixed, (uint64_t)stored);
	put64(fixed + 8, (uint64_t)expires);
	dst_dns_put16(fixed + 16, e->key_len);
	dst_dns_put16(fixed + 18, e->wire_len);
	dst_dns_put16(fixed + 20, e->nttl);
	for (size_t i = 0; i < e->nttl; i++)
		dst_dns_put16(offs + 2 * i, o[i]);
	if ((r = write(arg, fixed, sizeof fixed)) < 0 || (r = write(arg, e->data, e->key_len)) < 0)
		return r;
	if (e->nttl && (r = write(arg, offs, 2u * e->nttl)) < 0)
		return r;
	return write(arg, (const uint8_t *)(o + e->nttl), e->wire_len);
}

/* The records of [from, to) in ring order, holes skipped. */
static int save_range(const struct dst_cache *c, size_t from, size_t to, uint64_t now_ms,
		      int64_t wall_ms, dst_cache_write_cb write, void *arg, size_t *n)
{
	while (from < to) {
		const struct entry *e = record_at(c, from);
		int r;

		if (e->state != ENTRY_HOLE && keep(c, e, now_ms)) {
			r = save_entry(e, now_ms, wall_ms, write, arg);
			if (r < 0)
				return r;
			(*n)++;
		}
		from += e->size;
	}
	return 0;
}

int dst_cache_save(struct dst_cache *c, uint64_t now_ms, int64_t wall_ms, dst_cache_write_cb write,
		   void *arg, size_t *n)
{
	size_t count = 0;
	int r = 0;

	dst_cache__lock(c);
	/* Stored times in the future would make negative ages: none is (monotonic). */
	if (c->used > 0) {
		if (c->wrapped) {
			r = save_range(c, c->tail, c->wrap_at, now_ms, wall_ms, write, arg, &count);
			if (r == 0)
				r = save_range(c, 0, c->head, now_ms, wall_ms, write, arg, &count);
		} else {
			r = save_range(c, c->tail, c->head, now_ms, wall_ms, write, arg, &count);
		}
	}
	dst_cache__unlock(c);
	if (n)
		*n = count;
	return r;
}

/* One record, read and checked; pointers into the caller's bytes. */
struct rec {
	int64_t stored, expires; /* wall-clock ms */
	struct dst_cache_key key;
	const uint8_t *offs; /* nttl big-endian u16 */
	const uint8_t *wire;
	uint16_t wire_len, nttl;
};

/* A name in wire form, exactly n bytes, uncompressed, ending at the root. */
static bool name_ok(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t l = p[i];

		if (l == 0)
			return i + 1 == n;
		if (l > 63)
			return false;
		i += 1u + l;
	}
	return false;
}

/* The answer's one question is the key's name (any case), type and class. */
static bool question_is_key(const struct rec *r)
{
	size_t n = r->key.len - 5u;
	const uint8_t *q = r->wire + DST_DNS_HEADER_LEN;

	if (dst_dns_qdcount(r->wire) != 1 || DST_DNS_HEADER_LEN + n + 4 > r->wire_len)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t a = q[i];

		if (a >= 'A' && a <= 'Z')
			a = (uint8_t)(a - 'A' + 'a');
		if (a != r->key.data[i])
			return false;
	}
	return memcmp(q + n, r->key.data + n, 4) == 0;
}

/*
 * Reads the record at *pos and checks it; *pos moves past it. Returns 0 or
 * DST_EFORMAT.
 */
static int read_rec(const uint8_t *data, size_t len, size_t *pos, struct rec *r)
{
	const uint8_t *p = data + *pos;
	size_t left = len - *pos, need;
	uint64_t life_ms;

	if (left < FIXED_LEN)
		return DST_EFORMAT;
	r->stored = (int64_t)get64(p);
	r->expires = (int64_t)get64(p + 8);
	r->key.len = dst_dns_get16(p + 16);
	r->wire_len = dst_dns_get16(p + 18);
	r->nttl = dst_dns_get16(p + 20);
	need = FIXED_LEN + (size_t)r->key.len + 2u * r->nttl + r->wire_len;
	if (need > left || r->key.len < 6 || r->key.len > DST_CACHE_KEY_MAX ||
	    r->wire_len < DST_DNS_HEADER_LEN || r->nttl > r->wire_len / 4)
		return DST_EFORMAT;
	if (r->expires <= r->stored || r->stored < 0)
		return DST_EFORMAT;
	life_ms = (uint64_t)r->expires - (uint64_t)r->stored;
	if (life_ms % 1000 || life_ms / 1000 > MAX_LIFE_S)
		return DST_EFORMAT;
	memcpy(r->key.data, p + FIXED_LEN, r->key.len);
	r->offs = p + FIXED_LEN + r->key.len;
	r->wire = r->offs + 2u * r->nttl;
	/* The key: a name, then type, class and a flags byte with DO and CD only. */
	if (!name_ok(r->key.data, r->key.len - 5u) || (r->key.data[r->key.len - 1] & ~0x03))
		return DST_EFORMAT;
	if (!question_is_key(r))
		return DST_EFORMAT;
	for (size_t i = 0; i < r->nttl; i++) {
		size_t off = dst_dns_get16(r->offs + 2 * i);
		uint32_t ttl;

		/* TTLs are in records, after the question: aging one never changes the question. */
		if (off < DST_DNS_HEADER_LEN + (r->key.len - 5u) + 4 || off + 4 > r->wire_len ||
		    (i > 0 && off < (size_t)dst_dns_get16(r->offs + 2 * (i - 1)) + 4))
			return DST_EFORMAT;
		ttl = dst_dns_get32(r->wire + off);
		if (ttl > MAX_LIFE_S || ttl < life_ms / 1000)
			return DST_EFORMAT;
	}
	*pos += need;
	return 0;
}

/*
 * Adds one checked record at now_ms (wall_ms then). Returns 0 (added), 1
 * (expired or older than the clock's epoch) or 2 (outside this cache's
 * limits).
 */
static int add_rec(struct dst_cache *c, const struct rec *r, uint64_t now_ms, int64_t wall_ms)
{
	static _Thread_local uint8_t wire[DST_DNS_MAX_MSG];
	uint16_t offs[DST_DNS_MAX_MSG / 4];
	uint64_t life_s = (uint64_t)(r->expires - r->stored) / 1000;
	/* Monotonic times, as signed ms: now_ms less the ages. */
	int64_t stored = (int64_t)now_ms - (wall_ms - r->stored);
	int64_t expires = stored + (int64_t)life_s * 1000;
	uint32_t shift_s = 0;

	if (r->stored > wall_ms) {
		/* Stored after "now": the wall clock went back. Take it as stored now. */
		stored = (int64_t)now_ms;
		expires = stored + (int64_t)life_s * 1000;
	}
	if (expires <= (int64_t)now_ms &&
	    (r->nttl == 0 || (uint64_t)((int64_t)now_ms - expires) >= c->stale_ms))
		return 1;
	if (expires <= 0) {
		/*
		 * Expired before the clock's epoch (a reboot since), still within
		 * the stale window: taken as expired at the epoch, a 1 s entry
		 * then. Its window runs from there: longer by the time between
		 * its expiry and the boot, which cannot be told apart here.
		 */
		if (now_ms < 1000)
			return 1;
		stored = 0;
		life_s = 1;
	} else if (stored < 0) {
		shift_s = (uint32_t)((-stored + 999) / 1000);
		if (shift_s >= life_s)
			return 1;
		stored += (int64_t)shift_s * 1000;
	}
	if (shift_s)
		memcpy(wire, r->wire, r->wire_len);
	for (size_t i = 0; i < r->nttl; i++) {
		offs[i] = dst_dns_get16(r->offs + 2 * i);
		/* A TTL over max-ttl (lowered since) would be served as it is. */
		if (dst_dns_get32(r->wire + offs[i]) - shift_s > c->max_ttl)
			return 2;
		if (shift_s)
			dst_dns_put32(wire + offs[i], dst_dns_get32(wire + offs[i]) - shift_s);
	}
	if (life_s - shift_s > c->max_ttl)
		return 2;
	if (dst_cache__insert(c, &r->key, shift_s ? wire : r->wire, r->wire_len, offs, r->nttl,
			      (uint64_t)stored, (uint64_t)stored + (life_s - shift_s) * 1000,
			      now_ms) < 0)
		return 2;
	return 0;
}

int dst_cache_load(struct dst_cache *c, const uint8_t *data, size_t len, uint64_t now_ms,
		   int64_t wall_ms, struct dst_cache_load_stats *st)
{
	struct dst_cache_load_stats s = {0};
	struct rec r;
	size_t pos = 0;

	while (pos < len)
		if (read_rec(data, len, &pos, &r) < 0)
			return DST_EFORMAT;
	dst_cache__lock(c);
	for (pos = 0; pos < len;) {
		read_rec(data, len, &pos, &r);
		switch (add_rec(c, &r, now_ms, wall_ms)) {
		case 0:
			s.loaded++;
			break;
		case 1:
			s.expired++;
			break;
		default:
			s.refused++;
		}
	}
	/* Entries added early may have been evicted by later ones. */
	s.loaded = s.loaded < c->count ? s.loaded : c->count;
	dst_cache__unlock(c);
	if (st)
		*st = s;
	return 0;
}
