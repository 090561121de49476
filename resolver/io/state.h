/*
 * The state file ([server] state-dir): one versioned file of checksummed
 * sections, each written and read by its owner (the cache's entries, the
 * upstreams' RTT, health and TLS session data), written atomically.
 *
 * This part knows the container and the file, not what is in a section:
 * dst_state_build_* assemble sections into bytes, dst_state_parse splits
 * bytes into the sections that are whole and intact (saying once what it
 * skipped and why), and dst_state_dir_* read and replace the file in a
 * directory opened once (before any chroot or change of user, so the
 * same directory is used after them).
 *
 * Format, integers big-endian:
 *   header (32 bytes): "DSTSTATE", u32 version (1), u32 0 (reserved),
 *     i64 written (Unix seconds), u32 number of sections, u32 CRC-32 of
 *     the 28 bytes before it
 *   each section: u32 type, u32 length, u32 CRC-32 of the data, data
 * A reader skips a section of an unknown type and one whose checksum
 * fails, and stops at a truncated one; a bad header skips the file.
 */
#ifndef DST_IO_STATE_H
#define DST_IO_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DST_STATE_FILE "dotstub.state"
#define DST_STATE_VERSION 1
#define DST_STATE_HEADER_LEN 32
#define DST_STATE_MAX_SECTIONS 8

enum dst_state_type {
	DST_STATE_UPSTREAMS = 1, /* resolver/upstream: dst_upstreams_save */
	DST_STATE_CACHE = 2,     /* cache/: dst_cache_save */
};

/* --- building ------------------------------------------------------------------ */

/* Bytes being built; a failed allocation sets failed and drops what follows. */
struct dst_state_buf {
	uint8_t *data;
	size_t len, cap;
	bool failed;
	size_t nsections;
	size_t section; /* offset of the open section's header */
};

/* Starts the file: the header, written at written_s (Unix seconds). */
void dst_state_build_begin(struct dst_state_buf *b, int64_t written_s);
/* Opens a section of type; what dst_state_append adds until _end is its data. */
void dst_state_build_section(struct dst_state_buf *b, enum dst_state_type type);
/* Appends len bytes to the open section: a write callback for the owners' savers. */
int dst_state_append(void *b, const void *data, size_t len);
/* Closes the open section (length and checksum). */
void dst_state_build_section_end(struct dst_state_buf *b);
/* Finishes the header (section count, its checksum). Returns 0 or DST_ENOMEM. */
int dst_state_build_end(struct dst_state_buf *b);
void dst_state_buf_free(struct dst_state_buf *b);

/* --- reading ------------------------------------------------------------------- */

struct dst_state_section {
	uint32_t type;
	uint32_t crc;
	const uint8_t *data; /* into the parsed bytes */
	size_t len;
};

struct dst_state_view {
	int64_t written_s; /* when the file was written (Unix seconds) */
	struct dst_state_section sec[DST_STATE_MAX_SECTIONS];
	size_t n; /* intact sections of known types, each type once */
};

/*
 * Splits data (len bytes; borrowed, the view points into it) into its
 * intact sections. Everything skipped is told to warn, once per file or
 * section, with what and why ("a section of 12 bytes ... checksum"):
 * no magic, another version, a bad header, a truncated or corrupt section,
 * an unknown or repeated type. Returns 0 when the header was good
 * (sections may still have been skipped), DST_EFORMAT when the whole file
 * was.
 */
int dst_state_parse(const uint8_t *data, size_t len, struct dst_state_view *v,
		    void (*warn)(void *arg, const char *msg), void *arg);

/* The section of type in v, or NULL. */
const struct dst_state_section *dst_state_find(const struct dst_state_view *v,
					       enum dst_state_type type);

/* CRC-32 (IEEE 802.3, as zlib and PNG use), for the sections and the header. */
uint32_t dst_state_crc32(const uint8_t *data, size_t len);

/*
 * The wall-clock time (Unix seconds) the last state file read by this
 * process was written at, or 0 when none was read: a floor for the clock,
 * since the clock cannot have been earlier than that. For certificate
 * checks on a machine that boots with a wrong clock.
 */
int64_t dst_state_clock_floor(void);

/* --- the file ------------------------------------------------------------------ */

struct dst_state_dir;

/*
 * Opens the directory path (creating it, mode 0700, if missing) and keeps
 * it open, so that it stays reachable after a chroot. Returns 0 or a
 * negative errno; *out is NULL then.
 */
int dst_state_dir_open(const char *path, struct dst_state_dir **out);
void dst_state_dir_close(struct dst_state_dir *d);
const char *dst_state_dir_path(const struct dst_state_dir *d);

/*
 * Whether the process can create, write and rename a file in the
 * directory now (after a change of user): tries it with a temporary
 * file. Returns 0 or a negative errno.
 */
int dst_state_dir_check(const struct dst_state_dir *d);

/*
 * Reads the whole state file into *data (malloc'd; the caller frees it).
 * Returns 0, DST_ENOENT when there is none, DST_EMSGSIZE when it is over
 * max bytes (not read), DST_EINVAL when it is not a regular file, or a
 * negative errno.
 */
int dst_state_dir_read(const struct dst_state_dir *d, size_t max, uint8_t **data, size_t *len);

/*
 * Replaces the state file atomically: a temporary file (mode 0600, owned
 * by the process's user) written, fsync'd and renamed over it, then the
 * directory fsync'd. A reader sees the old file or the new one, never a
 * mix. Returns 0 or a negative errno (the old file stays).
 */
int dst_state_dir_write(const struct dst_state_dir *d, const uint8_t *data, size_t len);

#endif
