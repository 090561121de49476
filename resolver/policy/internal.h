/*
 * policy/ internals, shared by the files of this part and its unit test:
 * turning a name from a list file into wire form, and large growable
 * buffers that give their memory back to the system when freed.
 *
 * The buffers are anonymous mappings rather than malloc'd blocks: a
 * 1,000,000-name list stages tens of megabytes while it loads, and memory
 * that malloc's heap would keep after the load would count against the
 * list's memory budget (docs/design-decisions.md).
 */
#ifndef DST_POLICY_INTERNAL_H
#define DST_POLICY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#define DST_POLICY__MAX_WIRE 255 /* a name in wire form, root label included */

/*
 * A name as written in a list ("Ads.Example.com", "ads.example.com.",
 * "*.example.com", which is example.com) in lower-cased wire form, root
 * label included, into out. Liberal: any byte but '.' is part of a label.
 * Returns the wire length, or 0 and a static reason in *why for an empty
 * name or label, a label over 63 bytes or a name over 255.
 */
size_t dst_policy__name_wire(const char *s, size_t n, uint8_t out[DST_POLICY__MAX_WIRE],
			     const char **why);

/* A growable buffer in its own mapping; all zero is an empty one. */
struct dst_policy__region {
	uint8_t *p;
	size_t len; /* bytes used */
	size_t cap; /* bytes mapped */
};

/* Makes room for more bytes after len. Returns 0 or DST_ENOMEM (r untouched). */
int dst_policy__region_reserve(struct dst_policy__region *r, size_t more);
/* Unmaps the buffer and empties r. */
void dst_policy__region_free(struct dst_policy__region *r);

#endif
