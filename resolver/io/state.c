/*
 * The state file's container and its atomic replacement (state.h).
 *
 * Parsing trusts nothing: every length is checked against what is left
 * before it is used, and a section's bytes count only when its CRC-32
 * holds. A checksum is not a signature: the file's protection against a
 * hostile writer is its directory's permissions; the checksums catch a
 * torn or decayed file (flash), and the owners' readers still check every
 * value they take.
 *
 * The directory is held by a descriptor opened at start: the temporary
 * file, the rename and the fsyncs all go through openat/renameat, so the
 * same directory is used after a chroot, and a path swapped under us
 * meanwhile is not followed (O_NOFOLLOW on the file).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dns/err.h"
#include "resolver/io/state.h"

#define MAGIC "DSTSTATE"
#define SECTION_HEAD 12
#define TMP_FILE DST_STATE_FILE ".tmp"
#define CHECK_FILE DST_STATE_FILE ".check"

static int64_t clock_floor;

int64_t dst_state_clock_floor(void)
{
	return clock_floor;
}

uint32_t dst_state_crc32(const uint8_t *data, size_t len)
{
	static uint32_t table[256];
	static bool ready;
	uint32_t crc = 0xffffffffu;

	if (!ready) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
		ready = true;
	}
	for (size_t i = 0; i < len; i++)
		crc = table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
	return crc ^ 0xffffffffu;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* --- building ------------------------------------------------------------------ */

int dst_state_append(void *arg, const void *data, size_t len)
{
	struct dst_state_buf *b = arg;

	if (b->failed)
		return DST_ENOMEM;
	if (len > b->cap - b->len) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *p;

		while (cap - b->len < len) {
			if (cap > SIZE_MAX / 2) {
				b->failed = true;
				return DST_ENOMEM;
			}
			cap *= 2;
		}
		if (!(p = realloc(b->data, cap))) {
			b->failed = true;
			return DST_ENOMEM;
		}
		b->data = p;
		b->cap = cap;
	}
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

void dst_state_build_begin(struct dst_state_buf *b, int64_t written_s)
{
	uint8_t h[DST_STATE_HEADER_LEN] = {0};

	memset(b, 0, sizeof *b);
	memcpy(h, MAGIC, 8);
	put32(h + 8, DST_STATE_VERSION);
	put32(h + 16, (uint32_t)((uint64_t)written_s >> 32));
	put32(h + 20, (uint32_t)written_s);
	dst_state_append(b, h, sizeof h);
}

void dst_state_build_section(struct dst_state_buf *b, enum dst_state_type type)
{
	uint8_t h[SECTION_HEAD] = {0};

	b->section = b->len;
	put32(h, (uint32_t)type);
	dst_state_append(b, h, sizeof h);
}

void dst_state_build_section_end(struct dst_state_buf *b)
{
	size_t start = b->section + SECTION_HEAD, len;

	if (b->failed)
		return;
	len = b->len - start;
	if (len > UINT32_MAX) {
		b->failed = true;
		return;
	}
	put32(b->data + b->section + 4, (uint32_t)len);
	put32(b->data + b->section + 8, dst_state_crc32(b->data + start, len));
	b->nsections++;
}

int dst_state_build_end(struct dst_state_buf *b)
{
	if (b->failed)
		return DST_ENOMEM;
	put32(b->data + 24, (uint32_t)b->nsections);
	put32(b->data + 28, dst_state_crc32(b->data, 28));
	return 0;
}

void dst_state_buf_free(struct dst_state_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}

/* --- reading ------------------------------------------------------------------- */

static const char *type_name(uint32_t type)
{
	switch (type) {
	case DST_STATE_UPSTREAMS:
		return "upstreams";
	case DST_STATE_CACHE:
		return "cache";
	default:
		return NULL;
	}
}

static void warnf(void (*warn)(void *, const char *), void *arg, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void warnf(void (*warn)(void *, const char *), void *arg, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	warn(arg, msg);
}

int dst_state_parse(const uint8_t *data, size_t len, struct dst_state_view *v,
		    void (*warn)(void *arg, const char *msg), void *arg)
{
	uint32_t version, nsec;
	size_t pos = DST_STATE_HEADER_LEN;

	memset(v, 0, sizeof *v);
	if (len < DST_STATE_HEADER_LEN || memcmp(data, MAGIC, 8) != 0) {
		warnf(warn, arg, "not a dotstub state file (%zu bytes, no DSTSTATE header)", len);
		return DST_EFORMAT;
	}
	version = get32(data + 8);
	if (version != DST_STATE_VERSION) {
		warnf(warn, arg, "state file version %u, this dotstub reads version %d", version,
		      DST_STATE_VERSION);
		return DST_EFORMAT;
	}
	if (get32(data + 28) != dst_state_crc32(data, 28) || get32(data + 12) != 0) {
		warnf(warn, arg, "header checksum does not match (a damaged file)");
		return DST_EFORMAT;
	}
	v->written_s = (int64_t)((uint64_t)get32(data + 16) << 32 | get32(data + 20));
	nsec = get32(data + 24);
	if (v->written_s > clock_floor)
		clock_floor = v->written_s;
	for (uint32_t i = 0; i < nsec; i++) {
		uint32_t type, slen, crc;
		const char *name;

		if (len - pos < SECTION_HEAD) {
			warnf(warn, arg, "truncated after %zu bytes: %u of %u sections skipped",
			      pos, nsec - i, nsec);
			break;
		}
		type = get32(data + pos);
		slen = get32(data + pos + 4);
		crc = get32(data + pos + 8);
		name = type_name(type);
		if (len - pos - SECTION_HEAD < slen) {
			warnf(warn, arg,
			      "truncated in the %s section (%u bytes, %zu there): %u of %u "
			      "sections skipped",
			      name ? name : "unknown", slen, len - pos - SECTION_HEAD, nsec - i,
			      nsec);
			break;
		}
		pos += SECTION_HEAD;
		if (dst_state_crc32(data + pos, slen) != crc) {
			warnf(warn, arg, "%s section skipped: checksum does not match (%u bytes)",
			      name ? name : "unknown", slen);
		} else if (!name) {
			warnf(warn, arg, "section of unknown type %u skipped (%u bytes)", type,
			      slen);
		} else if (dst_state_find(v, type)) {
			warnf(warn, arg, "second %s section skipped", name);
		} else if (v->n < DST_STATE_MAX_SECTIONS) {
			v->sec[v->n++] = (struct dst_state_section){type, crc, data + pos, slen};
		}
		pos += slen;
	}
	if (pos < len && v->n == nsec)
		warnf(warn, arg, "%zu bytes after the last section ignored", len - pos);
	return 0;
}

const struct dst_state_section *dst_state_find(const struct dst_state_view *v,
					       enum dst_state_type type)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->sec[i].type == (uint32_t)type)
			return &v->sec[i];
	return NULL;
}

/* --- the file ------------------------------------------------------------------ */

struct dst_state_dir {
	int fd;
	char *path;
};

int dst_state_dir_open(const char *path, struct dst_state_dir **out)
{
	struct dst_state_dir *d = calloc(1, sizeof *d);
	int e;

	*out = NULL;
	if (!d || !(d->path = strdup(path))) {
		free(d);
		return DST_ENOMEM;
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		e = -errno;
		goto fail;
	}
	d->fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->fd < 0) {
		e = -errno;
		goto fail;
	}
	*out = d;
	return 0;
fail:
	free(d->path);
	free(d);
	return e;
}

void dst_state_dir_close(struct dst_state_dir *d)
{
	if (!d)
		return;
	close(d->fd);
	free(d->path);
	free(d);
}

const char *dst_state_dir_path(const struct dst_state_dir *d)
{
	return d->path;
}

static int write_all(int fd, const uint8_t *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Writes name in d (mode 0600), fsync'd; the caller renames or removes it. */
static int write_file(const struct dst_state_dir *d, const char *name, const uint8_t *data,
		      size_t len)
{
	int fd, r;

	unlinkat(d->fd, name, 0);
	fd = openat(d->fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	/* Whatever the umask: the file holds TLS session secrets. */
	r = fchmod(fd, 0600) < 0 ? -errno : 0;
	if (r == 0)
		r = write_all(fd, data, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0)
		unlinkat(d->fd, name, 0);
	return r;
}

int dst_state_dir_check(const struct dst_state_dir *d)
{
	int r = write_file(d, CHECK_FILE, (const uint8_t *)"", 0);

	if (r == 0 && renameat(d->fd, CHECK_FILE, d->fd, CHECK_FILE) < 0)
		r = -errno;
	unlinkat(d->fd, CHECK_FILE, 0);
	return r;
}

int dst_state_dir_read(const struct dst_state_dir *d, size_t max, uint8_t **data, size_t *len)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t got = 0;
	int fd, r = 0;

	*data = NULL;
	*len = 0;
	fd = openat(d->fd, DST_STATE_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? DST_ENOENT : errno == ELOOP ? DST_EINVAL : -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = DST_EINVAL;
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		r = DST_EMSGSIZE;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		r = DST_ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto out;
		}
		if (n == 0)
			break; /* shrank meanwhile: the parser sees a truncated file */
		got += (size_t)n;
	}
	*data = buf;
	*len = got;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return r;
}

int dst_state_dir_write(const struct dst_state_dir *d, const uint8_t *data, size_t len)
{
	int r = write_file(d, TMP_FILE, data, len);

	if (r < 0)
		return r;
	if (renameat(d->fd, TMP_FILE, d->fd, DST_STATE_FILE) < 0) {
		r = -errno;
		unlinkat(d->fd, TMP_FILE, 0);
		return r;
	}
	/* The rename itself is durable only once the directory is. */
	if (fsync(d->fd) < 0)
		return -errno;
	return 0;
}
