/*
 * The zone table as a small open-addressing hash of zone names, probed once
 * for each suffix of the query name, longest first. Most names fall under
 * no zone: a 256-bit filter of the zones' last labels (the TLDs) answers
 * those after hashing one label, so the table costs a miss little.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "resolver/policy/zones.h"

#define MAX_LABELS 128 /* a 255-byte name has at most 127 labels and the root */

struct slot {
	uint32_t hash;
	uint32_t zone; /* index into names[]; UINT32_MAX: empty */
};

struct dst_zones {
	size_t n;
	uint32_t mask;    /* slots - 1 */
	uint32_t root_id; /* the id of a zone for ".", or DST_ZONES_NONE */
	uint64_t tld_filter[4];
	struct slot *slots;
	struct zone {
		uint8_t wire[256];
		uint16_t len;
		uint32_t id;
	} * zones;
};

/* FNV-1a over bytes: zone names come from the administrator, and a client's
 * colliding names only cost it a memcmp each. */
static uint32_t hash_bytes(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* The offsets of name's labels (not the root); returns how many, or -1 if malformed. */
static int label_offsets(const uint8_t *name, size_t len, uint16_t off[MAX_LABELS])
{
	size_t pos = 0;
	int n = 0;

	while (pos < len && name[pos]) {
		if (name[pos] > 63 || n == MAX_LABELS)
			return -1;
		off[n++] = (uint16_t)pos;
		pos += 1u + name[pos];
	}
	return pos + 1 == len ? n : -1;
}

static unsigned tld_bit(const uint8_t *tld)
{
	return hash_bytes(tld, 1u + tld[0]) & 255;
}

static const struct zone *find(const struct dst_zones *z, const uint8_t *name, size_t len)
{
	uint32_t h = hash_bytes(name, len);

	for (uint32_t i = h & z->mask;; i = (i + 1) & z->mask) {
		const struct slot *s = &z->slots[i];

		if (s->zone == UINT32_MAX)
			return NULL;
		if (s->hash == h && z->zones[s->zone].len == len &&
		    memcmp(z->zones[s->zone].wire, name, len) == 0)
			return &z->zones[s->zone];
	}
}

int dst_zones_new(const struct dst_zone_def *defs, size_t n, struct dst_zones **out)
{
	struct dst_zones *z = calloc(1, sizeof(*z));
	uint16_t off[MAX_LABELS];
	size_t cap = 8;

	*out = NULL;
	if (!z)
		return DST_ENOMEM;
	while (cap < 2 * n)
		cap *= 2;
	z->mask = (uint32_t)cap - 1;
	z->root_id = DST_ZONES_NONE;
	z->slots = malloc(cap * sizeof(*z->slots));
	z->zones = calloc(n ? n : 1, sizeof(*z->zones));
	if (!z->slots || !z->zones) {
		dst_zones_free(z);
		return DST_ENOMEM;
	}
	for (size_t i = 0; i < cap; i++)
		z->slots[i].zone = UINT32_MAX;
	for (size_t i = 0; i < n; i++) {
		int nl = label_offsets(defs[i].wire, defs[i].len, off);
		struct zone *known;

		if (nl < 0) {
			dst_zones_free(z);
			return DST_EINVAL;
		}
		if (nl == 0) {
			z->root_id = defs[i].id;
			continue;
		}
		if ((known = (struct zone *)find(z, defs[i].wire, defs[i].len))) {
			known->id = defs[i].id; /* the later definition wins */
			continue;
		}
		struct zone *e = &z->zones[z->n];
		memcpy(e->wire, defs[i].wire, defs[i].len);
		e->len = (uint16_t)defs[i].len;
		e->id = defs[i].id;
		uint32_t h = hash_bytes(e->wire, e->len), s = h & z->mask;
		while (z->slots[s].zone != UINT32_MAX)
			s = (s + 1) & z->mask;
		z->slots[s] = (struct slot){.hash = h, .zone = (uint32_t)z->n++};
		unsigned bit = tld_bit(e->wire + off[nl - 1]);
		z->tld_filter[bit / 64] |= UINT64_C(1) << (bit % 64);
	}
	*out = z;
	return 0;
}

void dst_zones_free(struct dst_zones *z)
{
	if (!z)
		return;
	free(z->slots);
	free(z->zones);
	free(z);
}

size_t dst_zones_count(const struct dst_zones *z)
{
	return z ? z->n + (z->root_id != DST_ZONES_NONE) : 0;
}

uint32_t dst_zones_match(const struct dst_zones *z, const uint8_t *qname, size_t len)
{
	uint16_t off[MAX_LABELS];
	int nl;

	if (!z || (nl = label_offsets(qname, len, off)) < 0)
		return DST_ZONES_NONE;
	if (z->n && nl > 0) {
		unsigned bit = tld_bit(qname + off[nl - 1]);

		if (z->tld_filter[bit / 64] & (UINT64_C(1) << (bit % 64)))
			for (int i = 0; i < nl; i++) {
				const struct zone *e = find(z, qname + off[i], len - off[i]);
				if (e)
					return e->id;
			}
	}
	return z->root_id;
}
