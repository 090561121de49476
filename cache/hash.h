/*
 * The cache's keyed hash of its keys, and the secret seed it is keyed with.
 *
 * The hash is static inline here because the hit path (cache.c's lookup)
 * hashes on every hit and must keep inlining it, as it did when this was
 * all one file. The seed
 * is drawn once per cache (dst_cache_new) and never leaves the process, so
 * neither do hash values, and byte order does not matter.
 */
#ifndef DST_CACHE_HASH_H
#define DST_CACHE_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

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
 * Fills seed from the kernel's random source; without one, from the clock
 * and the process (the cache works, but its buckets are then guessable).
 */
void dst_cache__seed_init(uint64_t seed[3]);

#endif
