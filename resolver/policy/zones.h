/*
 * The zone table: which [zone] (or zone added at run time) a name falls
 * under. The longest zone that is the name or one of its parents wins.
 * Pure: no libuv, no I/O; built once, then read-only, so every loop may
 * share one table. A new table is built beside the old one when the zones
 * change and swapped in by the owner.
 */
#ifndef DST_POLICY_ZONES_H
#define DST_POLICY_ZONES_H

#include <stddef.h>
#include <stdint.h>

struct dst_zones;

/* One zone to build from: its name in wire form (lower case) and the id the match returns. */
struct dst_zone_def {
	const uint8_t *wire; /* uncompressed, lower-case, root label included */
	size_t len;
	uint32_t id;
};

/*
 * Builds a table of n zones (n may be 0). Two defs with the same name: the
 * later one wins (a runtime zone replacing a file's). Returns 0, DST_EINVAL
 * for a malformed name, or DST_ENOMEM.
 */
int dst_zones_new(const struct dst_zone_def *defs, size_t n, struct dst_zones **out);

void dst_zones_free(struct dst_zones *z);

size_t dst_zones_count(const struct dst_zones *z);

/* No zone matched. */
#define DST_ZONES_NONE UINT32_MAX

/*
 * The id of the longest zone that is qname or a parent of it, or
 * DST_ZONES_NONE. qname: wire form, lower case (struct dst_dns_query's
 * qname_lower), len bytes with the root label; a malformed name matches
 * nothing. NULL z matches nothing. Allocation-free; on the per-query path.
 */
uint32_t dst_zones_match(const struct dst_zones *z, const uint8_t *qname, size_t len);

#endif
