/*
 * The zone key-set store: what the validator learned about each zone
 * (struct dst_val_zone from dst_val_zone_build), by name, kept until
 * dst_val_zone_ttl runs out. The caller puts what it builds and answers
 * the validator's lookup callback from here:
 *
 *   static const struct dst_val_zone *lookup(void *arg, const uint8_t *n, size_t len)
 *   {
 *           struct my_query *q = arg;
 *           return dst_val_store_get(q->store, n, len, q->now_s);
 *   }
 *
 * Pure like the validator: no clock (now_s passed in), no I/O, not thread
 * safe. A hash table and an LRU list of at most max_zones entries; no
 * allocation on get; put evicts at most one entry (the least recently
 * used), so every call does bounded work.
 */
#ifndef DST_VALIDATE_STORE_H
#define DST_VALIDATE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "validate.h"

struct dst_val_store;

/* A store of at most max_zones zones (1 to 1048576); NULL for another
 * size or without memory. The hash table is allocated here, whole. */
struct dst_val_store *dst_val_store_new(size_t max_zones);
/* Frees the store and every zone in it. NULL is fine. */
void dst_val_store_free(struct dst_val_store *s);

/*
 * The zone stored for exactly this name (wire, uncompressed; compared
 * without regard to ASCII case), or NULL when there is none or it has
 * expired at now_s (then it is freed). The pointer stays valid until the
 * next put, clear or free, or a get of the same name at a later now_s: so
 * through one dst_val_answer call, whose lookups all see one now_s. Counts
 * as a use for the LRU order.
 */
const struct dst_val_zone *dst_val_store_get(struct dst_val_store *s, const uint8_t *name,
					     size_t len, int64_t now_s);

/*
 * Stores z under its name (dst_val_zone_name) until now_s +
 * dst_val_zone_ttl(z) (still returned at that second, not after),
 * replacing (and freeing) a zone stored under the same name. When the
 * store is full, the least recently used zone is evicted first. Takes
 * ownership of z always, even on error (then z is freed). Returns 0,
 * DST_EINVAL for z NULL, or DST_ENOMEM.
 */
int dst_val_store_put(struct dst_val_store *s, struct dst_val_zone *z, int64_t now_s);

/* Frees every zone (anchors changed, or the clock came right after the
 * zones were built with ignore_validity). */
void dst_val_store_clear(struct dst_val_store *s);

/* How many zones are stored (expired ones not yet looked up included). */
size_t dst_val_store_count(const struct dst_val_store *s);

/* Approximate heap bytes held: the table, the entries and the zones
 * (their names and DNSKEY records), for stats. */
size_t dst_val_store_bytes(const struct dst_val_store *s);

#endif
