/*
 * Blocklists: sets of domain names, each blocking itself and every name
 * under it, with allowlist exceptions (issue 14).
 *
 * A dst_blocklist is built once (dst_blocklist_load, or a builder fed from
 * memory) and then immutable: any number of threads may call
 * dst_blocklist_match on it at the same time without locks. A reload builds
 * a new one beside the old and swaps the pointer; the old one is freed when
 * nothing reads it any more (the caller's business).
 *
 * This module does no I/O other than reading the list files while loading,
 * and knows nothing of queries, answers or the event loop. The file formats
 * it reads are described in docs/configuration.md ("Blocklists").
 */
#ifndef DST_POLICY_BLOCKLIST_H
#define DST_POLICY_BLOCKLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dst_blocklist;
struct dst_blocklist_builder;

enum dst_block_verdict {
	DST_BLOCK_NONE = 0, /* neither the name nor a parent is listed */
	DST_BLOCK_BLOCKED,  /* the name or a parent is blocked, and none is allowlisted */
	DST_BLOCK_ALLOWED,  /* the name or a parent is allowlisted (blocked or not) */
};

/* Receives one problem, "FILE:LINE: why" or "FILE: why" (NUL-terminated, no newline). */
typedef void (*dst_blocklist_warn_cb)(void *arg, const char *msg);

/*
 * Loads every block file and allow file into a new set; NULL lists (with a
 * count of 0) give an empty set. Bad lines are skipped, counted
 * (dst_blocklist_bad_lines) and the first few of each file reported through
 * warn (which may be NULL). On a file that cannot be read returns its
 * negated errno (DST_ENOENT, -EACCES ...), calls warn with why, and stores
 * NULL in *out; DST_ENOMEM when out of memory; DST_ENOSPC when the names
 * would take more than 4 GiB. Returns 0 and the set in *out otherwise.
 */
int dst_blocklist_load(const char *const *block, size_t nblock, const char *const *allow,
		       size_t nallow, dst_blocklist_warn_cb warn, void *arg,
		       struct dst_blocklist **out);

/*
 * Whether qname is blocked. qname is a name in wire form (uncompressed),
 * already lower-cased in ASCII (struct dst_dns_query's qname_lower); len
 * counts the root label. A malformed name, or the root, is DST_BLOCK_NONE.
 * Each of the name's suffixes is looked up once; no allocation, no lock.
 */
enum dst_block_verdict dst_blocklist_match(const struct dst_blocklist *bl, const uint8_t *qname,
					   size_t len);

/* Distinct names on the block lists (duplicates counted once). */
size_t dst_blocklist_names(const struct dst_blocklist *bl);
/* Distinct names on the allow lists. */
size_t dst_blocklist_allow_names(const struct dst_blocklist *bl);
/* Lines skipped as bad, over all files. */
size_t dst_blocklist_bad_lines(const struct dst_blocklist *bl);
/* Bytes of memory the set holds. */
size_t dst_blocklist_bytes(const struct dst_blocklist *bl);
void dst_blocklist_free(struct dst_blocklist *bl);

/*
 * The builder behind dst_blocklist_load, for callers that have the lists
 * in memory (unit tests, the fuzz target). warn may be NULL.
 * Returns 0, or DST_ENOMEM.
 */
int dst_blocklist_builder_new(dst_blocklist_warn_cb warn, void *arg,
			      struct dst_blocklist_builder **out);

/*
 * Adds the lines of text (len bytes, need not be NUL-terminated, may hold
 * any bytes) as one file named name: to the block set, or with allow to the
 * allow set. Bad lines are counted and the first 5 reported as
 * "NAME:LINE: why". Returns 0, DST_ENOMEM or DST_ENOSPC (the set is over
 * 4 GiB); after an error the builder may only be freed.
 */
int dst_blocklist_add_text(struct dst_blocklist_builder *b, const char *name, const char *text,
			   size_t len, bool allow);

/* Reads the file at path as dst_blocklist_add_text would; an unreadable file: as load. */
int dst_blocklist_add_file(struct dst_blocklist_builder *b, const char *path, bool allow);

/*
 * Builds the set from everything added and frees the builder, whatever the
 * outcome. Returns 0 and the set in *out, or DST_ENOMEM / DST_ENOSPC.
 */
int dst_blocklist_build(struct dst_blocklist_builder *b, struct dst_blocklist **out);

/* Frees a builder that will not be built (NULL is fine). */
void dst_blocklist_builder_free(struct dst_blocklist_builder *b);

#endif
