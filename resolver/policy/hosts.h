/*
 * Hosts files ([server] hosts = PATH): the names and addresses of
 * /etc/hosts-style files as a table of answers. Each "ADDRESS NAME
 * [ALIAS...]" line gives every NAME an A (or AAAA) record, and the
 * address a PTR record for the line's first name (the canonical one),
 * unless an earlier line already named that address. Names are
 * lower-cased; a name on several lines collects all their addresses, in
 * file order.
 *
 * Pure: the parser takes text and reports bad lines through a callback;
 * only dst_hosts_add_file reads a file. A built table is immutable and may
 * be read by any number of threads at once. Reference counted (by the
 * main loop only, never by the threads that read it) so that a policy
 * rebuilt for a new blocklist can share the hosts table of the old one.
 */
#ifndef DST_POLICY_HOSTS_H
#define DST_POLICY_HOSTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dst_hosts;
struct dst_hosts_builder;

/* Receives one problem, "FILE:LINE: why" or "FILE: why" (NUL-terminated, no newline). */
typedef void (*dst_hosts_warn_cb)(void *arg, const char *msg);

/* Bad lines reported per file; the rest are counted ("FILE: N more bad lines"). */
#define DST_HOSTS_REPORTED 5

/* A new, empty builder. warn may be NULL. Returns 0 or DST_ENOMEM. */
int dst_hosts_builder_new(dst_hosts_warn_cb warn, void *arg, struct dst_hosts_builder **out);

/*
 * Adds the lines of text (len bytes, any bytes, need not be NUL-terminated)
 * as one file named name. A malformed line (an address that does not
 * parse, no name after it, a name that is not one) is skipped and counted,
 * the first DST_HOSTS_REPORTED of each file reported as "NAME:LINE: why".
 * Returns 0 or DST_ENOMEM (then the builder may only be freed).
 */
int dst_hosts_add_text(struct dst_hosts_builder *b, const char *name, const char *text, size_t len);

/*
 * Reads the file at path and adds it. A file that cannot be read: warn is
 * called with "PATH: why" and its negated errno returned; nothing is added.
 */
int dst_hosts_add_file(struct dst_hosts_builder *b, const char *path);

/* The table of everything added; frees the builder whatever the outcome. 0 or DST_ENOMEM. */
int dst_hosts_build(struct dst_hosts_builder *b, struct dst_hosts **out);
void dst_hosts_builder_free(struct dst_hosts_builder *b);

/* One more owner of h (returned); dst_hosts_free drops one. Main loop only. */
struct dst_hosts *dst_hosts_ref(struct dst_hosts *h);
void dst_hosts_free(struct dst_hosts *h);

/* A record of a name: type A, AAAA or PTR, and its RDATA (an address, or a wire name). */
struct dst_hosts_rr {
	uint16_t type;
	uint16_t len;
	const uint8_t *rdata;
};

/*
 * The records of qname (lower-case wire form, len bytes with the root
 * label): how many (0: the name is not in the table), written to rrs (at
 * most max; the count returned may be larger). hash is
 * dst_hosts_hash(qname, len). Allocation-free; on the per-query path.
 */
size_t dst_hosts_lookup(const struct dst_hosts *h, const uint8_t *qname, size_t len, uint32_t hash,
			struct dst_hosts_rr *rrs, size_t max);

/* The hash dst_hosts_lookup wants (FNV-1a over the wire bytes). */
uint32_t dst_hosts_hash(const uint8_t *p, size_t n);

/*
 * The distinct last labels (TLDs) of the names in h: how many there are,
 * with up to max of them written to tlds (each a length byte, then the
 * label's bytes, as in wire form). The caller's filter of names that may
 * be in h.
 */
size_t dst_hosts_tlds(const struct dst_hosts *h, const uint8_t **tlds, size_t max);

/* Names (owners: host names and reverse names) in the table; lines skipped as bad. */
size_t dst_hosts_names(const struct dst_hosts *h);
size_t dst_hosts_bad_lines(const struct dst_hosts *h);

#endif
