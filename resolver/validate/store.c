/*
 * The zone key-set store (store.h): a chained hash table of entries by
 * zone name, and one LRU list through the same entries (head: most
 * recently used). Each entry owns its zone; the name it is found by is the
 * zone's own (canonical, lower case), so nothing is copied.
 *
 * Invariants: count <= max; every entry is in exactly one bucket chain and
 * in the LRU list; the bucket count is a power of two >= max, so chains
 * stay short at any fill. The hash is SipHash-1-3 with a random key per
 * store: the names come from the network, and without a secret key a
 * client could aim many of them at one chain.
 */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "dns/err.h"
#include "internal.h"
#include "store.h"

#define STORE_MAX_ZONES (1u << 20)

struct entry {
	struct entry *chain;       /* next in the bucket */
	struct entry *prev, *next; /* LRU list */
	uint64_t hash;
	int64_t expires; /* the last second it is returned */
	struct dst_val_zone *zone;
	const uint8_t *name; /* the zone's own name */
	size_t len;
	size_t bytes; /* of the zone, computed once */
};

struct dst_val_store {
	struct entry **buckets;
	size_t mask; /* buckets - 1 */
	size_t max, count;
	size_t zone_bytes; /* sum of the entries' bytes */
	struct entry *head, *tail;
	uint64_t key[2];
};

static uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIPROUND                   \
	do {                       \
		v0 += v1;          \
		v1 = rotl(v1, 13); \
		v1 ^= v0;          \
		v0 = rotl(v0, 32); \
		v2 += v3;          \
		v3 = rotl(v3, 16); \
		v3 ^= v2;          \
		v0 += v3;          \
		v3 = rotl(v3, 21); \
		v3 ^= v0;          \
		v2 += v1;          \
		v1 = rotl(v1, 17); \
		v1 ^= v2;          \
		v2 = rotl(v2, 32); \
	} while (0)

/* SipHash-1-3 of n bytes (little-endian words; the hash never leaves the
 * process, so byte order only has to be consistent). */
static uint64_t siphash(const uint64_t key[2], const uint8_t *p, size_t n)
{
	uint64_t v0 = key[0] ^ 0x736f6d6570736575ULL, v1 = key[1] ^ 0x646f72616e646f6dULL;
	uint64_t v2 = key[0] ^ 0x6c7967656e657261ULL, v3 = key[1] ^ 0x7465646279746573ULL;
	uint64_t m;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		m = 0;
		for (int b = 7; b >= 0; b--)
			m = (m << 8) | p[i + (size_t)b];
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	m = (uint64_t)(n & 0xff) << 56;
	for (size_t b = 0; i + b < n; b++)
		m |= (uint64_t)p[i + b] << (8 * b);
	v3 ^= m;
	SIPROUND;
	v0 ^= m;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static void seed(uint64_t key[2], const void *salt)
{
	/* NONBLOCK: early at boot, a weaker key beats waiting. */
	if (getrandom(key, 2 * sizeof(uint64_t), GRND_NONBLOCK) == (ssize_t)(2 * sizeof(uint64_t)))
		return;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	key[0] ^= (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^ (uint64_t)(uintptr_t)salt;
	key[1] ^= (uint64_t)ts.tv_sec * 0xc2b2ae3d27d4eb4fULL ^ (uint64_t)(uintptr_t)&ts;
}

struct dst_val_store *dst_val_store_new(size_t max_zones)
{
	struct dst_val_store *s;
	size_t n = 1;

	if (max_zones == 0 || max_zones > STORE_MAX_ZONES)
		return NULL;
	while (n < max_zones)
		n <<= 1;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->buckets = calloc(n, sizeof(*s->buckets));
	if (!s->buckets) {
		free(s);
		return NULL;
	}
	s->mask = n - 1;
	s->max = max_zones;
	seed(s->key, s);
	return s;
}

static void lru_unlink(struct dst_val_store *s, struct entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		s->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		s->tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push_front(struct dst_val_store *s, struct entry *e)
{
	e->prev = NULL;
	e->next = s->head;
	if (s->head)
		s->head->prev = e;
	s->head = e;
	if (!s->tail)
		s->tail = e;
}

/* Unlinks e from its chain and the LRU list, frees it and its zone. */
static void drop(struct dst_val_store *s, struct entry *e)
{
	struct entry **pp = &s->buckets[e->hash & s->mask];

	while (*pp != e)
		pp = &(*pp)->chain;
	*pp = e->chain;
	lru_unlink(s, e);
	s->count--;
	s->zone_bytes -= e->bytes;
	dst_val_zone_free(e->zone);
	free(e);
}

/* The entry for a name already lower case, or NULL. */
static struct entry *find(const struct dst_val_store *s, const uint8_t *name, size_t len,
			  uint64_t hash)
{
	for (struct entry *e = s->buckets[hash & s->mask]; e; e = e->chain)
		if (e->hash == hash && e->len == len && memcmp(e->name, name, len) == 0)
			return e;
	return NULL;
}

const struct dst_val_zone *dst_val_store_get(struct dst_val_store *s, const uint8_t *name,
					     size_t len, int64_t now_s)
{
	uint8_t low[256];
	struct entry *e;

	if (len == 0 || len > sizeof(low))
		return NULL;
	/* The API asks for lower case; folding here costs little and makes
	 * a caller's slip a hit rather than a second copy. */
	for (size_t i = 0; i < len; i++)
		low[i] = name[i] >= 'A' && name[i] <= 'Z' ? (uint8_t)(name[i] + ('a' - 'A'))
							  : name[i];
	e = find(s, low, len, siphash(s->key, low, len));
	if (!e)
		return NULL;
	if (now_s > e->expires) {
		drop(s, e);
		return NULL;
	}
	lru_unlink(s, e);
	lru_push_front(s, e);
	return e->zone;
}

int dst_val_store_put(struct dst_val_store *s, struct dst_val_zone *z, int64_t now_s)
{
	struct entry *e;
	const uint8_t *name;
	size_t len;
	uint64_t hash;

	if (!z)
		return DST_EINVAL;
	name = dst_val_zone_name(z, &len);
	hash = siphash(s->key, name, len);
	e = find(s, name, len, hash);
	if (e) {
		dst_val_zone_free(e->zone);
		s->zone_bytes -= e->bytes;
		lru_unlink(s, e);
	} else {
		if (s->count >= s->max)
			drop(s, s->tail);
		e = calloc(1, sizeof(*e));
		if (!e) {
			dst_val_zone_free(z);
			return DST_ENOMEM;
		}
		e->hash = hash;
		e->chain = s->buckets[hash & s->mask];
		s->buckets[hash & s->mask] = e;
		s->count++;
	}
	e->zone = z;
	e->name = name;
	e->len = len;
	e->expires = now_s + (int64_t)dst_val_zone_ttl(z);
	e->bytes = dst_val__zone_bytes(z);
	s->zone_bytes += e->bytes;
	lru_push_front(s, e);
	return 0;
}

void dst_val_store_clear(struct dst_val_store *s)
{
	if (!s)
		return;
	while (s->head)
		drop(s, s->head);
}

void dst_val_store_free(struct dst_val_store *s)
{
	if (!s)
		return;
	dst_val_store_clear(s);
	free(s->buckets);
	free(s);
}

size_t dst_val_store_count(const struct dst_val_store *s)
{
	return s->count;
}

size_t dst_val_store_bytes(const struct dst_val_store *s)
{
	return sizeof(*s) + (s->mask + 1) * sizeof(*s->buckets) + s->count * sizeof(struct entry) +
	       s->zone_bytes;
}
