/*
 * Blocklists: the loader (list files to staged names), the build (staged
 * names to an immutable hash set) and the lookup.
 *
 * Layout of a built set. Every distinct name is stored once in one arena,
 * as an entry: an optional 0 byte (the name is allowlisted), a length byte
 * L, and the name's wire form without its root label (L bytes, 2 to 254).
 * The entries are grouped by hash bucket: bucket b's entries are the bytes
 * from start[b] to start[b + 1] of the arena, so the table needs 4 bytes a
 * bucket and no per-name pointer. With as many buckets as names a bucket
 * holds one name on average, and an unlisted name costs one or two loads.
 *
 * Hashing. A name's hash folds its labels from the root end, so folding a
 * query name label by label gives the hash of each of its suffixes (com,
 * example.com, www.example.com) in one pass: the lookup probes every
 * suffix for the price of hashing the name once. The hash is keyed with
 * random bytes drawn at build time, so a list cannot be written to make its
 * names collide; a build whose fullest bucket still holds more than
 * MAX_BUCKET names after removing duplicates is redone with new keys.
 *
 * Memory. Names are staged in anonymous mappings (internal.h) and the set
 * is built into two more, sized exactly; the staging is unmapped when the
 * build ends, so what stays resident is the set alone.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dns/err.h"
#include "resolver/policy/blocklist.h"
#include "resolver/policy/internal.h"

#define MAX_REPORTED 5   /* bad lines reported per file; the rest are counted */
#define MAX_BUCKET 48    /* distinct names in one bucket before the keys are redrawn */
#define MAX_TRIES 4      /* builds with fresh keys before a full bucket is accepted */
#define FILE_CHUNK 65536 /* a file is read in pieces this big; a longer line is bad */
#define QUOTE_MAX 60     /* bytes of a bad line quoted back */
#define FLAG_ALLOW 1     /* rec.flags: on an allow list */
#define FLAG_BLOCK 2     /* rec.flags: on a block list */
#define DEAD UINT32_MAX  /* perm[]: a duplicate, dropped */

enum { HIT_NONE, HIT_BLOCK, HIT_ALLOW };

/* One staged name: where its entry is in the staging arena. */
struct rec {
	uint64_t h;    /* its hash under the current keys */
	uint32_t off;  /* its entry (length byte, then wire) in names */
	uint8_t flags; /* FLAG_* */
	uint8_t depth; /* its labels, at most 63 counted */
};

struct dst_blocklist_builder {
	dst_blocklist_warn_cb warn;
	void *arg;
	struct dst_policy__region names; /* staged entries: L, then L bytes of wire */
	struct dst_policy__region recs;  /* struct rec[] */
	size_t nrec;
	size_t bad; /* bad lines, all files */
	int err;    /* the first error; the builder may only be freed */
};

struct dst_blocklist {
	uint64_t k0, k1, k2;         /* hash keys */
	uint64_t nbuckets;           /* at least 1 */
	uint64_t depth_mask;         /* bit d: some name has d labels (63: 63 or more) */
	const uint8_t *arena;        /* entries, grouped by bucket */
	const uint32_t *start;       /* nbuckets + 1 offsets into arena */
	size_t arena_map, start_map; /* bytes mapped */
	size_t nblock, nallow, bad;
};

/* One list file being read: for line numbers and reports. */
struct src {
	const char *name;
	unsigned long line;
	size_t bad;
	bool allow;
};

/* --- buffers ---------------------------------------------------------------- */

int dst_policy__region_reserve(struct dst_policy__region *r, size_t more)
{
	size_t need = r->len + more, cap = r->cap ? r->cap : 65536;
	void *p;

	if (need <= r->cap)
		return 0;
	if (need < r->len)
		return DST_ENOMEM;
	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			return DST_ENOMEM;
		cap *= 2;
	}
	if (r->p)
		p = mremap(r->p, r->cap, cap, MREMAP_MAYMOVE);
	else
		p = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return DST_ENOMEM;
	r->p = p;
	r->cap = cap;
	return 0;
}

void dst_policy__region_free(struct dst_policy__region *r)
{
	if (r->p)
		munmap(r->p, r->cap);
	*r = (struct dst_policy__region){0};
}

/* --- hashing ---------------------------------------------------------------- */

static inline uint64_t ld64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof v);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

/* The n (1-8) bytes at base[p], little-endian, reading only inside base[0, len). */
static inline uint64_t ld_part(const uint8_t *base, size_t len, size_t p, size_t n)
{
	uint64_t v = 0;

	if (p + 8 <= len)
		return n == 8 ? ld64(base + p) : ld64(base + p) & ((1ULL << (8 * n)) - 1);
	if (p + n >= 8)
		return ld64(base + p + n - 8) >> (64 - 8 * n);
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)base[p + i] << (8 * i);
	return v;
}

static inline uint64_t mix(uint64_t a, uint64_t b)
{
	unsigned __int128 r = (unsigned __int128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* Folds the label at base[p] (its length byte and its bytes) into h. */
static inline uint64_t fold_label(const struct dst_blocklist *bl, uint64_t h, const uint8_t *base,
				  size_t len, size_t p)
{
	size_t n = (size_t)base[p] + 1;

	for (; n > 8; p += 8, n -= 8)
		h = mix(ld64(base + p) ^ bl->k1, h ^ bl->k2);
	return mix(ld_part(base, len, p, n) ^ bl->k1, h ^ bl->k2);
}

static inline size_t bucket_of(const struct dst_blocklist *bl, uint64_t h)
{
	return (size_t)(((unsigned __int128)h * bl->nbuckets) >> 64);
}

/* The hash of a whole name: w is its wire form without the root label (len bytes). */
static uint64_t hash_name(const struct dst_blocklist *bl, const uint8_t *w, size_t len)
{
	uint8_t off[128];
	size_t n = 0;
	uint64_t h = bl->k0;

	for (size_t p = 0; p < len; p += (size_t)w[p] + 1)
		off[n++] = (uint8_t)p;
	while (n-- > 0)
		h = fold_label(bl, h, w, len, off[n]);
	return h;
}

static void draw_keys(struct dst_blocklist *bl)
{
	uint64_t k[3];
	struct timespec ts;

	if (getrandom(k, sizeof k, GRND_NONBLOCK) != (ssize_t)sizeof k) {
		/* Early boot, before the pool is ready: a weaker seed beats none. */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		k[0] = mix((uint64_t)ts.tv_nsec ^ 0x9e3779b97f4a7c15ULL, (uint64_t)getpid() | 1);
		k[1] = mix(k[0] ^ (uint64_t)(uintptr_t)bl, 0xc2b2ae3d27d4eb4fULL);
		k[2] = mix(k[1] ^ (uint64_t)ts.tv_sec, 0x165667b19e3779f9ULL);
	}
	bl->k0 = k[0];
	bl->k1 = k[1];
	bl->k2 = k[2] | 1;
}

/* --- lookup ----------------------------------------------------------------- */

/* Looks the suffix s (wire without root, len bytes) up in the bucket of h. */
static inline int probe(const struct dst_blocklist *bl, uint64_t h, const uint8_t *s, size_t len)
{
	size_t b = bucket_of(bl, h);
	const uint8_t *p = bl->arena + bl->start[b], *end = bl->arena + bl->start[b + 1];

	while (p < end) {
		int hit = HIT_BLOCK;

		if (*p == 0) {
			hit = HIT_ALLOW;
			p++;
		}
		if (*p == len && memcmp(p + 1, s, len) == 0)
			return hit;
		p += (size_t)*p + 1;
	}
	return HIT_NONE;
}

enum dst_block_verdict dst_blocklist_match(const struct dst_blocklist *bl, const uint8_t *qname,
					   size_t len)
{
	uint8_t off[128];
	size_t n = 0, p = 0;
	uint64_t h;
	bool blocked = false;

	if (!bl || bl->depth_mask == 0 || len < 2 || len > DST_POLICY__MAX_WIRE)
		return DST_BLOCK_NONE;
	while (qname[p] != 0) {
		if (qname[p] > 63)
			return DST_BLOCK_NONE;
		off[n++] = (uint8_t)p;
		p += (size_t)qname[p] + 1;
		if (p >= len)
			return DST_BLOCK_NONE;
	}
	if (p != len - 1)
		return DST_BLOCK_NONE;
	/* From the root end: suffix k has n - k labels, and its hash extends its parent's. */
	h = bl->k0;
	for (size_t k = n; k-- > 0;) {
		size_t depth = n - k;
		int hit;

		h = fold_label(bl, h, qname, len, off[k]);
		if (!(bl->depth_mask >> (depth < 63 ? depth : 63) & 1))
			continue;
		hit = probe(bl, h, qname + off[k], len - 1 - off[k]);
		if (hit == HIT_ALLOW)
			return DST_BLOCK_ALLOWED;
		if (hit == HIT_BLOCK) {
			if (bl->nallow == 0)
				return DST_BLOCK_BLOCKED;
			blocked = true; /* a longer suffix may still be allowlisted */
		}
	}
	return blocked ? DST_BLOCK_BLOCKED : DST_BLOCK_NONE;
}

size_t dst_blocklist_names(const struct dst_blocklist *bl)
{
	return bl ? bl->nblock : 0;
}

size_t dst_blocklist_allow_names(const struct dst_blocklist *bl)
{
	return bl ? bl->nallow : 0;
}

size_t dst_blocklist_bad_lines(const struct dst_blocklist *bl)
{
	return bl ? bl->bad : 0;
}

size_t dst_blocklist_bytes(const struct dst_blocklist *bl)
{
	return bl ? sizeof *bl + bl->arena_map + bl->start_map : 0;
}

void dst_blocklist_free(struct dst_blocklist *bl)
{
	if (!bl)
		return;
	if (bl->arena_map)
		munmap((void *)bl->arena, bl->arena_map);
	if (bl->start_map)
		munmap((void *)bl->start, bl->start_map);
	free(bl);
}

/* --- names ------------------------------------------------------------------ */

size_t dst_policy__name_wire(const char *s, size_t n, uint8_t out[DST_POLICY__MAX_WIRE],
			     const char **why)
{
	size_t lab = 0; /* where the current label's length byte goes */

	if (n >= 2 && s[0] == '*' && s[1] == '.') {
		s += 2;
		n -= 2;
	}
	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0) {
		*why = "empty name";
		return 0;
	}
	if (n + 2 > DST_POLICY__MAX_WIRE) {
		*why = "name longer than 255 bytes";
		return 0;
	}
	for (size_t i = 0; i <= n; i++) {
		uint8_t c = i < n ? (uint8_t)s[i] : '.';

		if (c != '.') {
			out[i + 1] = c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
			continue;
		}
		if (i == lab) {
			*why = "empty label";
			return 0;
		}
		if (i - lab > 63) {
			*why = "label longer than 63 bytes";
			return 0;
		}
		out[lab] = (uint8_t)(i - lab);
		lab = i + 1;
	}
	out[n + 1] = 0;
	return n + 2;
}

/* --- loading ---------------------------------------------------------------- */

static void warnf(struct dst_blocklist_builder *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warnf(struct dst_blocklist_builder *b, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!b->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	b->warn(b->arg, msg);
}

/* s as printable text: other bytes as \xNN, cut after QUOTE_MAX bytes with "...". */
static const char *quote(char out[4 * QUOTE_MAX + 4], const char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && i < QUOTE_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, 5, "\\x%02x", c);
	}
	if (n > QUOTE_MAX) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

static void bad_line(struct dst_blocklist_builder *b, struct src *src, const char *why,
		     const char *s, size_t n)
{
	char q[4 * QUOTE_MAX + 4];

	b->bad++;
	if (++src->bad <= MAX_REPORTED)
		warnf(b, "%s:%lu: %s: \"%s\"", src->name, src->line, why, quote(q, s, n));
}

/* Stages one name (wire form, root included, wlen bytes). */
static int stage(struct dst_blocklist_builder *b, const uint8_t *wire, size_t wlen, bool allow)
{
	size_t len = wlen - 1, depth = 0;
	struct rec *r;
	int err;

	if (b->names.len + len + 1 > UINT32_MAX)
		return DST_ENOSPC;
	if ((err = dst_policy__region_reserve(&b->names, len + 1)) ||
	    (err = dst_policy__region_reserve(&b->recs, sizeof *r)))
		return err;
	for (size_t p = 0; p < len; p += (size_t)wire[p] + 1)
		depth++;
	r = (struct rec *)(void *)b->recs.p + b->nrec++;
	*r = (struct rec){.off = (uint32_t)b->names.len,
			  .flags = allow ? FLAG_ALLOW : FLAG_BLOCK,
			  .depth = (uint8_t)(depth < 63 ? depth : 63)};
	b->recs.len += sizeof *r;
	b->names.p[b->names.len] = (uint8_t)len;
	memcpy(b->names.p + b->names.len + 1, wire, len);
	b->names.len += len + 1;
	return 0;
}

/* The names hosts files carry for the machine itself, never blocked. */
static bool is_local_name(const char *s, size_t n)
{
	static const char *const names[] = {
		"localhost",       "localhost.localdomain", "local",          "broadcasthost",
		"0.0.0.0",         "ip6-localhost",         "ip6-loopback",   "ip6-localnet",
		"ip6-mcastprefix", "ip6-allnodes",          "ip6-allrouters", "ip6-allhosts",
	};

	if (n > 0 && s[n - 1] == '.')
		n--;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i]) == n && strncasecmp(names[i], s, n) == 0)
			return true;
	return false;
}

/* Whether s is an IPv4 or IPv6 address (with an optional %zone), as hosts lines start. */
static bool is_address(const char *s, size_t n)
{
	char buf[INET6_ADDRSTRLEN + 1];
	uint8_t a[16];
	const char *pct = memchr(s, '%', n);

	if (pct)
		n = (size_t)(pct - s);
	if (n == 0 || n >= sizeof buf)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(AF_INET, buf, a) == 1 || inet_pton(AF_INET6, buf, a) == 1;
}

/* Whether any of the bytes in set occurs in s[0, n). */
static bool has_any(const char *s, size_t n, const char *set)
{
	for (; *set; set++)
		if (memchr(s, *set, n))
			return true;
	return false;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Adds one name token; a bad one makes the line bad (reported once). */
static int add_name(struct dst_blocklist_builder *b, struct src *src, const char *s, size_t n,
		    const char *line, size_t line_len, bool *line_bad)
{
	uint8_t wire[DST_POLICY__MAX_WIRE];
	const char *why = NULL;
	size_t wlen;

	if (is_local_name(s, n))
		return 0;
	if (!(wlen = dst_policy__name_wire(s, n, wire, &why))) {
		if (!*line_bad)
			bad_line(b, src, why, line, line_len);
		*line_bad = true;
		return 0;
	}
	return stage(b, wire, wlen, src->allow);
}

/*
 * One line, without its '\n': a name; an address and names (hosts); an
 * adblock "||name^"; blank, a comment from '#', an adblock comment ('!')
 * or header ("[Adblock Plus 2.0]").
 */
static int parse_line(struct dst_blocklist_builder *b, struct src *src, const char *line,
		      size_t len)
{
	const char *hash = memchr(line, '#', len), *tok[2] = {NULL, NULL}, *s = line, *end;
	size_t tlen[2] = {0, 0}, ntok = 0, n;
	bool line_bad = false;
	int err;

	end = hash ? hash : line + len;
	while (s < end && is_blank(*s))
		s++;
	while (end > s && is_blank(end[-1]))
		end--;
	if (s == end || *s == '!' || (*s == '[' && end[-1] == ']'))
		return 0;
	n = (size_t)(end - s);
	/* The first two tokens decide the format. */
	for (const char *p = s; p < end && ntok < 2;) {
		const char *t = p;

		while (p < end && !is_blank(*p))
			p++;
		tok[ntok] = t;
		tlen[ntok++] = (size_t)(p - t);
		while (p < end && is_blank(*p))
			p++;
	}
	if (tlen[0] >= 2 && tok[0][0] == '@' && tok[0][1] == '@') {
		bad_line(b, src, "adblock exception (use an allowlist)", s, n);
		return 0;
	}
	if (tlen[0] >= 2 && tok[0][0] == '|' && tok[0][1] == '|') {
		const char *name = tok[0] + 2;
		size_t nlen = tlen[0] - 2;

		if (ntok > 1 || nlen < 2 || name[nlen - 1] != '^' ||
		    has_any(name, nlen - 1, "^/$*|")) {
			bad_line(b, src, "adblock rule other than ||name^", s, n);
			return 0;
		}
		return add_name(b, src, name, nlen - 1, s, n, &line_bad);
	}
	if (ntok == 1)
		return add_name(b, src, tok[0], tlen[0], s, n, &line_bad);
	if (!is_address(tok[0], tlen[0])) {
		bad_line(b, src, "expected a name, or an address and names", s, n);
		return 0;
	}
	for (const char *p = tok[1]; p < end;) {
		const char *t = p;

		while (p < end && !is_blank(*p))
			p++;
		if ((err = add_name(b, src, t, (size_t)(p - t), s, n, &line_bad)))
			return err;
		while (p < end && is_blank(*p))
			p++;
	}
	return 0;
}

/* Parses the whole lines in text[0, len); returns how many bytes they took (all with last). */
static size_t feed(struct dst_blocklist_builder *b, struct src *src, const char *text, size_t len,
		   bool last)
{
	size_t pos = 0;

	while (pos < len && !b->err) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		if (!nl && !last)
			break;
		src->line++;
		b->err = parse_line(b, src, text + pos, n);
		pos += n + (nl != NULL);
	}
	return pos;
}

static void file_done(struct dst_blocklist_builder *b, const struct src *src)
{
	if (src->bad > MAX_REPORTED)
		warnf(b, "%s: %zu bad lines (the first %d shown)", src->name, src->bad,
		      MAX_REPORTED);
}

int dst_blocklist_builder_new(dst_blocklist_warn_cb warn, void *arg,
			      struct dst_blocklist_builder **out)
{
	struct dst_blocklist_builder *b = calloc(1, sizeof *b);

	if (!b)
		return DST_ENOMEM;
	b->warn = warn;
	b->arg = arg;
	*out = b;
	return 0;
}

void dst_blocklist_builder_free(struct dst_blocklist_builder *b)
{
	if (!b)
		return;
	dst_policy__region_free(&b->names);
	dst_policy__region_free(&b->recs);
	free(b);
}

int dst_blocklist_add_text(struct dst_blocklist_builder *b, const char *name, const char *text,
			   size_t len, bool allow)
{
	struct src src = {.name = name, .allow = allow};

	if (!b->err) {
		feed(b, &src, text, len, true);
		file_done(b, &src);
	}
	return b->err;
}

int dst_blocklist_add_file(struct dst_blocklist_builder *b, const char *path, bool allow)
{
	struct src src = {.name = path, .allow = allow};
	struct stat st;
	size_t have = 0, used;
	bool skipping = false; /* inside a line longer than FILE_CHUNK */
	char *buf = NULL;
	ssize_t got;
	int fd, err = 0;

	if (b->err)
		return b->err;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		err = -errno;
		warnf(b, "%s: cannot read: %s", path, strerror(errno));
		return b->err = err;
	}
	if (fstat(fd, &st) != 0) {
		err = -errno;
		warnf(b, "%s: cannot read: %s", path, strerror(errno));
		close(fd);
		return b->err = err;
	}
	if (!S_ISREG(st.st_mode)) {
		err = S_ISDIR(st.st_mode) ? -EISDIR : DST_EINVAL;
		warnf(b, "%s: cannot read: not a regular file", path);
		close(fd);
		return b->err = err;
	}
	if (!(buf = malloc(FILE_CHUNK))) {
		close(fd);
		return b->err = DST_ENOMEM;
	}
	for (;;) {
		got = read(fd, buf + have, FILE_CHUNK - have);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err = -errno;
			warnf(b, "%s: cannot read: %s", path, strerror(errno));
			break;
		}
		have += (size_t)got;
		used = 0;
		if (skipping) {
			const char *nl = memchr(buf, '\n', have);

			used = nl ? (size_t)(nl - buf) + 1 : have;
			skipping = !nl;
		}
		if (!skipping)
			used += feed(b, &src, buf + used, have - used, got == 0);
		if (b->err || got == 0)
			break;
		memmove(buf, buf + used, have - used);
		have -= used;
		if (have == FILE_CHUNK) {
			src.line++;
			bad_line(b, &src, "line longer than 65536 bytes", buf, have);
			skipping = true;
			have = 0;
		}
	}
	free(buf);
	close(fd);
	if (err) {
		b->err = err;
		return err;
	}
	file_done(b, &src);
	return b->err;
}

/* --- building --------------------------------------------------------------- */

static bool same_name(const uint8_t *names, const struct rec *x, const struct rec *y)
{
	const uint8_t *a = names + x->off, *c = names + y->off;

	return x->h == y->h && a[0] == c[0] && memcmp(a + 1, c + 1, a[0]) == 0;
}

/*
 * One build under bl's keys: sorts the staged names into buckets (a
 * counting sort into perm), drops duplicates (merging their flags), then
 * writes the arena bucket by bucket. Returns 0, DST_ENOMEM, DST_ENOSPC, or
 * 1 when a bucket holds more than limit distinct names (redraw the keys).
 */
static int build_once(struct dst_blocklist_builder *b, struct dst_blocklist *bl, size_t limit,
		      struct dst_policy__region *perm_r)
{
	struct rec *recs = (struct rec *)(void *)b->recs.p;
	const uint8_t *names = b->names.p;
	size_t n = b->nrec, B = bl->nbuckets, s = 0, total = 0, next = 0, off = 0;
	uint32_t *cnt = (uint32_t *)(void *)bl->start, *perm = (uint32_t *)(void *)perm_r->p;
	uint8_t *arena;

	memset(cnt, 0, (B + 1) * sizeof *cnt);
	for (size_t i = 0; i < n; i++) {
		recs[i].h = hash_name(bl, names + recs[i].off + 1, names[recs[i].off]);
		cnt[bucket_of(bl, recs[i].h)]++;
	}
	for (size_t i = 0, sum = 0; i < B; i++) {
		size_t c = cnt[i];

		cnt[i] = (uint32_t)sum;
		sum += c;
	}
	for (size_t i = 0; i < n; i++)
		perm[cnt[bucket_of(bl, recs[i].h)]++] = (uint32_t)i;
	/* cnt[i] is now the end of bucket i; keep each bucket's distinct names first. */
	bl->nblock = bl->nallow = 0;
	bl->depth_mask = 0;
	for (size_t i = 0; i < B; i++) {
		size_t e = cnt[i], u = 0;

		for (size_t j = s; j < e; j++) {
			struct rec *r = &recs[perm[j]];
			size_t k = 0;

			while (k < u && !same_name(names, &recs[perm[s + k]], r))
				k++;
			if (k < u) {
				recs[perm[s + k]].flags |= r->flags;
				continue;
			}
			if (++u > limit)
				return 1;
			perm[s + k] = perm[j];
		}
		for (size_t j = s + u; j < e; j++)
			perm[j] = DEAD;
		for (size_t j = s; j < s + u; j++) {
			const struct rec *r = &recs[perm[j]];

			bl->nblock += (r->flags & FLAG_BLOCK) != 0;
			bl->nallow += (r->flags & FLAG_ALLOW) != 0;
			bl->depth_mask |= 1ULL << r->depth;
			total += (r->flags & FLAG_ALLOW ? 1 : 0) + 1 + names[r->off];
		}
		s = e;
	}
	if (total > UINT32_MAX)
		return DST_ENOSPC;
	bl->arena_map = total ? total : 1;
	arena = mmap(NULL, bl->arena_map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		     0);
	if (arena == MAP_FAILED) {
		bl->arena_map = 0;
		return DST_ENOMEM;
	}
	for (size_t j = 0; j < n; j++) {
		const struct rec *r;
		size_t bk;

		if (perm[j] == DEAD)
			continue;
		r = &recs[perm[j]];
		bk = bucket_of(bl, r->h);
		while (next <= bk)
			cnt[next++] = (uint32_t)off;
		if (r->flags & FLAG_ALLOW)
			arena[off++] = 0;
		memcpy(arena + off, names + r->off, (size_t)names[r->off] + 1);
		off += (size_t)names[r->off] + 1;
	}
	while (next <= B)
		cnt[next++] = (uint32_t)off;
	mprotect(arena, bl->arena_map, PROT_READ);
	bl->arena = arena;
	return 0;
}

int dst_blocklist_build(struct dst_blocklist_builder *b, struct dst_blocklist **out)
{
	struct dst_policy__region perm = {0};
	struct dst_blocklist *bl = NULL;
	void *start;
	int err = b->err;

	*out = NULL;
	if (err)
		goto done;
	if (!(bl = calloc(1, sizeof *bl))) {
		err = DST_ENOMEM;
		goto done;
	}
	bl->bad = b->bad;
	bl->nbuckets = b->nrec ? b->nrec : 1;
	bl->start_map = (bl->nbuckets + 1) * sizeof(uint32_t);
	start = mmap(NULL, bl->start_map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		     0);
	if (start == MAP_FAILED) {
		bl->start_map = 0;
		err = DST_ENOMEM;
		goto done;
	}
	bl->start = start;
	if ((err = dst_policy__region_reserve(&perm, b->nrec * sizeof(uint32_t) + 1)))
		goto done;
	for (int tries = 1;; tries++) {
		draw_keys(bl);
		err = build_once(b, bl, tries < MAX_TRIES ? MAX_BUCKET : SIZE_MAX, &perm);
		if (err != 1)
			break;
	}
	if (!err)
		mprotect(start, bl->start_map, PROT_READ);
done:
	dst_policy__region_free(&perm);
	dst_blocklist_builder_free(b);
	if (err) {
		dst_blocklist_free(bl);
		return err;
	}
	*out = bl;
	return 0;
}

int dst_blocklist_load(const char *const *block, size_t nblock, const char *const *allow,
		       size_t nallow, dst_blocklist_warn_cb warn, void *arg,
		       struct dst_blocklist **out)
{
	struct dst_blocklist_builder *b;
	int err;

	*out = NULL;
	if ((err = dst_blocklist_builder_new(warn, arg, &b)))
		return err;
	for (size_t i = 0; i < nblock && !err; i++)
		err = dst_blocklist_add_file(b, block[i], false);
	for (size_t i = 0; i < nallow && !err; i++)
		err = dst_blocklist_add_file(b, allow[i], true);
	if (err) {
		dst_blocklist_builder_free(b);
		return err;
	}
	return dst_blocklist_build(b, out);
}
