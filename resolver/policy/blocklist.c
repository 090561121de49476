/*
 * Blocklists: the loader (list files to staged names), the build (staged
 * names to an immutable hash set) and the lookup.
 *
 * Layout of a built set. Every distinct name is stored once in one arena,
 * as an entry: a tag byte (7 bits of the name's hash, and the top bit set
 * when it is allowlisted), a length byte L, and the name's wire form
 * without its root label (L bytes, 2 to 254).
 * The entries are grouped by hash bucket: bucket b's entries are the bytes
 * from start[b] to start[b + 1] of the arena, so the table needs 4 bytes a
 * bucket and no per-name pointer. With as many buckets as names a bucket
 * holds one name on average, and an unlisted name costs one or two loads.
 *
 * Hashing. A name's hash folds its labels from the root end, so folding a
 * query name label by label gives the hash of each of its suffixes (com,
 * example.com, www.example.com) in one pass: the lookup probes every
 * suffix for the price of hashing the name once. The hash is keyed with
 * random bytes drawn at build time (fold_label), so a list cannot be
 * written to make its names collide; and a build whose fullest bucket holds
 * more than MAX_BUCKET distinct names is redone with new keys, so however
 * the keys fall, no lookup scans a long bucket.
 *
 * Memory. Names are staged in anonymous mappings (internal.h), copied
 * bucket by bucket into the arena's mapping, and deduplicated there in
 * place; the staging is unmapped and the arena's unused tail given back
 * when the build ends, so what stays resident is the set alone.
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

#define MAX_REPORTED 5      /* bad lines reported per file; the rest are counted */
#define MAX_BUCKET 48       /* distinct names in one bucket before the keys are redrawn */
#define MAX_TRIES 4         /* builds with fresh keys before a full bucket is accepted */
#define FILE_CHUNK 65536    /* a file is read in pieces this big; a longer line is bad */
#define HUGE_MIN (4u << 20) /* mappings this large ask for huge pages */
#define ARENA_PAD 8         /* readable bytes after the arena's last entry */
#define QUOTE_MAX 60        /* bytes of a bad line quoted back */
#define TAG_MASK 0x7f       /* an entry's first byte: 7 bits of its hash, */
#define TAG_ALLOW 0x80      /* and whether it is allowlisted */
#define FLAG_ALLOW 1        /* a staged entry's first byte: on an allow list */
#define FLAG_BLOCK 2        /* a staged entry's first byte: on a block list */

struct dst_blocklist_builder {
	dst_blocklist_warn_cb warn;
	void *arg;
	struct dst_policy__region names; /* staged entries: flags, L, then L bytes of wire */
	size_t nrec;                     /* entries staged */
	size_t bad;                      /* bad lines, all files */
	int err;                         /* the first error; the builder may only be freed */
};

struct dst_blocklist {
	uint64_t k0, k1;             /* hash keys: the start, and the odd multiplier */
	uint64_t nbuckets;           /* at least 1 */
	uint8_t has_depth[128];      /* [d]: some name has d labels */
	const uint64_t *filter;      /* a bit per hash's top bits: some name may have them */
	unsigned filter_shift;       /* 64 - log2(bits in filter) */
	size_t filter_map;           /* bytes mapped */
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

/*
 * A zeroed anonymous mapping of n bytes, or MAP_FAILED. Large ones ask for
 * transparent huge pages: a million-name set spans thousands of 4 KiB
 * pages, and lookups hit them at random, so the TLB misses otherwise.
 */
static void *map(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

#ifdef MADV_HUGEPAGE
	if (p != MAP_FAILED && n >= HUGE_MIN)
		madvise(p, n, MADV_HUGEPAGE); /* advice only: no huge pages is fine */
#endif
	return p;
}

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
		p = map(cap);
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

static const uint64_t low_bytes[9] = {
	0,
	0xff,
	0xffff,
	0xffffff,
	0xffffffff,
	0xffffffffff,
	0xffffffffffff,
	0xffffffffffffff,
	0xffffffffffffffff,
};

/*
 * The value of the label at base[p] (its length byte and its bytes, read
 * 8 at a time; base is readable 8 bytes past the label): the bytes
 * themselves for a label of up to 7 characters, folded with k1 for a
 * longer one. A name's hash folds its labels' values from the root end:
 * h = (h ^ value) * k1, from h = k0. With k1 odd each step is a bijection,
 * so names of short labels never collide, and others collide only through
 * the secret keys; the top bits of h, which pick the bucket and the filter
 * bit, depend on every bit folded in.
 */
static inline uint64_t label_value(uint64_t k1, const uint8_t *base, size_t p)
{
	size_t n = (size_t)base[p] + 1;
	uint64_t v = 0;

	if (__builtin_expect(n <= 8, 1))
		return ld64(base + p) & low_bytes[n];
	if (n <= 16) /* up to 15 characters, without the loop's set-up */
		return (ld64(base + p) * k1) ^ (ld64(base + p + 8) & low_bytes[n - 8]);
	while (n > 8) {
		v = (v ^ ld64(base + p)) * k1;
		p += 8;
		n -= 8;
	}
	return v ^ (ld64(base + p) & low_bytes[n]);
}

static inline uint64_t fold(uint64_t k1, uint64_t h, uint64_t value)
{
	return (h ^ value) * k1;
}

/*
 * Whether the n bytes at a and at b are the same; both are readable 8
 * bytes past n (the arena has ARENA_PAD bytes after its last entry).
 */
static inline bool same_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
	if (n < 8)
		return ((ld64(a) ^ ld64(b)) & low_bytes[n]) == 0;
	for (size_t i = 0; i + 8 < n; i += 8)
		if (ld64(a + i) != ld64(b + i))
			return false;
	return ld64(a + n - 8) == ld64(b + n - 8);
}

/* An entry's tag: 7 bits of the hash that the bucket number does not use. */
static inline unsigned tag_of(uint64_t h)
{
	return (unsigned)(h >> 32) & TAG_MASK;
}

static inline size_t bucket_of(const struct dst_blocklist *bl, uint64_t h)
{
	return (size_t)(((unsigned __int128)h * bl->nbuckets) >> 64);
}

/* The hash of a whole name: w is its wire form without the root label (len bytes). */
static uint64_t hash_name(const struct dst_blocklist *bl, const uint8_t *w, size_t len)
{
	uint8_t name[DST_POLICY__MAX_WIRE + 8] = {0}, off[128];
	size_t n = 0;
	uint64_t h = bl->k0;

	memcpy(name, w, len);
	for (size_t p = 0; p < len; p += (size_t)w[p] + 1)
		off[n++] = (uint8_t)p;
	while (n-- > 0)
		h = fold(bl->k1, h, label_value(bl->k1, name, off[n]));
	return h;
}

static inline size_t filter_bit(const struct dst_blocklist *bl, uint64_t h)
{
	return (size_t)(h >> bl->filter_shift);
}

static uint64_t mix(uint64_t a, uint64_t b)
{
	unsigned __int128 r = (unsigned __int128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static void draw_keys(struct dst_blocklist *bl)
{
	uint64_t k[2];
	struct timespec ts;

	if (getrandom(k, sizeof k, GRND_NONBLOCK) != (ssize_t)sizeof k) {
		/* Early boot, before the pool is ready: a weaker seed beats none. */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		k[0] = mix((uint64_t)ts.tv_nsec ^ 0x9e3779b97f4a7c15ULL, (uint64_t)getpid() | 1);
		k[1] = mix(k[0] ^ (uint64_t)(uintptr_t)bl, 0xc2b2ae3d27d4eb4fULL);
	}
	bl->k0 = k[0];
	bl->k1 = k[1] | 1;
}

/* --- lookup ----------------------------------------------------------------- */

/*
 * The names are probed from the root end: suffix k (from label k to the
 * root) has n - k labels, and its hash extends its parent's by one label.
 * Only suffixes with as many labels as some listed name are looked up (no
 * list names a TLD alone, so "com" costs no probe). A bucket is a run of
 * entries; an entry's tag and length are compared (one 16-bit load) before
 * any memcmp, so an unlisted suffix costs two loads from start[] and, if
 * its bucket is not empty, one from the arena.
 */
enum dst_block_verdict dst_blocklist_match(const struct dst_blocklist *bl, const uint8_t *qname,
					   size_t len)
{
	uint8_t name[DST_POLICY__MAX_WIRE + 8], off[128];
	size_t n = 0, p = 0;
	uint64_t h, k1;
	bool blocked = false;

	if (!bl || len - 2 > DST_POLICY__MAX_WIRE - 2)
		return DST_BLOCK_NONE;
	/* A copy readable 8 bytes past the name: labels are read 8 bytes at a time. */
	memcpy(name, qname, len);
	while (p < len - 1) {
		size_t l = name[p];

		if (l - 1 > 62) /* 0 (the root, before the end) or over 63 */
			return DST_BLOCK_NONE;
		off[n++] = (uint8_t)p;
		p += l + 1;
	}
	if (p != len - 1 || name[p] != 0)
		return DST_BLOCK_NONE;
	h = bl->k0;
	k1 = bl->k1;
	for (size_t k = n; k-- > 0;) {
		const uint8_t *q, *e;
		size_t b, slen, want, bit;

		h = fold(k1, h, label_value(k1, name, off[k]));
		if (!bl->has_depth[n - k])
			continue;
		bit = filter_bit(bl, h);
		if (!(bl->filter[bit / 64] & 1ULL << (bit % 64)))
			continue;
		b = (size_t)(((unsigned __int128)h * bl->nbuckets) >> 64);
		q = bl->arena + bl->start[b];
		e = bl->arena + bl->start[b + 1];
		slen = len - 1 - off[k];
		want = tag_of(h) | slen << 8;
		for (; q < e; q += (size_t)q[1] + 2) {
			if ((((size_t)q[1] << 8 | q[0]) & ~(size_t)TAG_ALLOW) != want ||
			    !same_bytes(q + 2, name + off[k], slen))
				continue;
			if (q[0] & TAG_ALLOW)
				return DST_BLOCK_ALLOWED;
			if (bl->nallow == 0)
				return DST_BLOCK_BLOCKED;
			blocked = true; /* a longer suffix may still be allowlisted */
			break;
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
	return bl ? sizeof *bl + bl->arena_map + bl->start_map + bl->filter_map : 0;
}

void dst_blocklist_free(struct dst_blocklist *bl)
{
	if (!bl)
		return;
	if (bl->arena_map)
		munmap((void *)bl->arena, bl->arena_map);
	if (bl->start_map)
		munmap((void *)bl->start, bl->start_map);
	if (bl->filter_map)
		munmap((void *)bl->filter, bl->filter_map);
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

/* Stages one name (wire form, root included, wlen bytes) as flags, L, wire without root. */
static int stage(struct dst_blocklist_builder *b, const uint8_t *wire, size_t wlen, bool allow)
{
	size_t len = wlen - 1;
	uint8_t *e;
	int err;

	if (b->names.len + len + 2 > UINT32_MAX)
		return DST_ENOSPC;
	if ((err = dst_policy__region_reserve(&b->names, len + 2)))
		return err;
	e = b->names.p + b->names.len;
	e[0] = allow ? FLAG_ALLOW : FLAG_BLOCK;
	e[1] = (uint8_t)len;
	memcpy(e + 2, wire, len);
	b->names.len += len + 2;
	b->nrec++;
	return 0;
}

/* The names hosts files carry for the machine itself, never blocked. */
static bool is_local_name(const char *s, size_t n)
{
	static const struct {
		const char *s;
		size_t n;
	} names[] = {
#define N(x) {x, sizeof x - 1}
		N("localhost"),       N("localhost.localdomain"),
		N("local"),           N("broadcasthost"),
		N("0.0.0.0"),         N("ip6-localhost"),
		N("ip6-loopback"),    N("ip6-localnet"),
		N("ip6-mcastprefix"), N("ip6-allnodes"),
		N("ip6-allrouters"),  N("ip6-allhosts"),
#undef N
	};
	char c = n ? (char)(s[0] | 0x20) : 0;

	/* Most names start with none of their first letters: one test, not twelve. */
	if (c != 'l' && c != 'b' && c != '0' && c != 'i')
		return false;
	if (n > 0 && s[n - 1] == '.')
		n--;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].n == n && strncasecmp(names[i].s, s, n) == 0)
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

/* The labels of the name w (wire without root, len bytes): 1 to 127. */
static unsigned depth_of(const uint8_t *w, size_t len)
{
	unsigned d = 0;

	for (size_t p = 0; p < len; p += (size_t)w[p] + 1)
		d++;
	return d;
}

/*
 * One build under bl's keys, in three passes that each read memory in
 * order: (1) hash every staged entry and add its size to its bucket's
 * byte count; (2) copy every entry into its bucket's place in the arena;
 * (3) bucket by bucket, drop duplicates (merging their flags) and rewrite
 * the entries in place in their final form, which is never longer, so
 * the arena only shrinks. Returns 0, DST_ENOMEM, DST_ENOSPC, or 1 when a
 * bucket holds more than limit distinct names (redraw the keys).
 */
static int build_once(struct dst_blocklist_builder *b, struct dst_blocklist *bl, size_t limit,
		      struct dst_policy__region *arena_r, struct dst_policy__region *bk_r)
{
	const uint8_t *names = b->names.p;
	size_t B = bl->nbuckets, w = 0, *kept = NULL, nkept = 0, kept_cap = 0;
	uint32_t *cnt = (uint32_t *)(void *)bl->start, *bk = (uint32_t *)(void *)bk_r->p;
	uint64_t *filter = (uint64_t *)(void *)bl->filter;
	uint8_t *arena = arena_r->p;
	uint64_t sum = 0;

	memset(cnt, 0, (B + 1) * sizeof *cnt);
	for (size_t off = 0, i = 0; off < b->names.len; off += (size_t)names[off + 1] + 2, i++) {
		size_t bucket = bucket_of(bl, hash_name(bl, names + off + 2, names[off + 1]));

		bk[i] = (uint32_t)bucket;
		cnt[bucket] += (uint32_t)names[off + 1] + 2;
	}
	for (size_t i = 0; i < B; i++) {
		uint64_t c = cnt[i];

		cnt[i] = (uint32_t)sum;
		sum += c;
	}
	cnt[B] = (uint32_t)sum; /* sum is b->names.len, under 4 GiB */
	for (size_t off = 0, i = 0; off < b->names.len; i++) {
		size_t size = (size_t)names[off + 1] + 2;

		memcpy(arena + cnt[bk[i]], names + off, size);
		cnt[bk[i]] += (uint32_t)size;
		off += size;
	}
	/* cnt[i] is now where bucket i ends (and i + 1 starts). */
	bl->nblock = bl->nallow = 0;
	memset(bl->has_depth, 0, sizeof bl->has_depth);
	memset(filter, 0, bl->filter_map);
	for (size_t i = 0, s = 0; i < B; i++) {
		size_t e = cnt[i], wstart = w;

		nkept = 0;
		for (size_t p = s; p < e; p += (size_t)arena[p + 1] + 2) {
			size_t k = 0;

			while (k < nkept &&
			       !(arena[kept[k] + 1] == arena[p + 1] &&
				 memcmp(arena + kept[k] + 2, arena + p + 2, arena[p + 1]) == 0))
				k++;
			if (k < nkept) {
				arena[kept[k]] |= arena[p];
				continue;
			}
			if (nkept >= limit) {
				free(kept);
				return 1;
			}
			if (nkept == kept_cap) {
				size_t *grown = realloc(kept, (kept_cap ? 2 * kept_cap : 16) *
								      sizeof *kept);

				if (!grown) {
					free(kept);
					return DST_ENOMEM;
				}
				kept = grown;
				kept_cap = kept_cap ? 2 * kept_cap : 16;
			}
			kept[nkept++] = p;
		}
		/* Final form: tag, L, wire: as long as flags, L, wire. */
		for (size_t k = 0; k < nkept; k++) {
			uint8_t flags = arena[kept[k]], len = arena[kept[k] + 1];
			const uint8_t *name = arena + kept[k] + 2;
			uint64_t h = hash_name(bl, name, len);
			unsigned tag = tag_of(h);
			size_t bit = filter_bit(bl, h);

			filter[bit / 64] |= 1ULL << (bit % 64);
			bl->nblock += (flags & FLAG_BLOCK) != 0;
			bl->nallow += (flags & FLAG_ALLOW) != 0;
			bl->has_depth[depth_of(name, len)] = 1;
			memmove(arena + w, arena + kept[k], (size_t)len + 2);
			arena[w] = (uint8_t)(tag | (flags & FLAG_ALLOW ? TAG_ALLOW : 0));
			w += (size_t)len + 2;
		}
		cnt[i] = (uint32_t)wstart;
		s = e;
	}
	cnt[B] = (uint32_t)w;
	free(kept);
	arena_r->len = w;
	return 0;
}

int dst_blocklist_build(struct dst_blocklist_builder *b, struct dst_blocklist **out)
{
	struct dst_policy__region arena = {0}, bk = {0};
	struct dst_blocklist *bl = NULL;
	size_t page, keep;
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
	start = map(bl->start_map);
	if (start == MAP_FAILED) {
		bl->start_map = 0;
		err = DST_ENOMEM;
		goto done;
	}
	bl->start = start;
	/* The filter: a power of two of bits, at least 8 a name (an unlisted suffix passes 1 in 9). */
	bl->filter_shift = 58; /* 64 bits */
	while (bl->filter_shift > 0 && (1ULL << (64 - bl->filter_shift)) < 8 * (uint64_t)b->nrec)
		bl->filter_shift--;
	bl->filter_map = ((size_t)1 << (64 - bl->filter_shift)) / 8;
	start = map(bl->filter_map);
	if (start == MAP_FAILED) {
		bl->filter_map = 0;
		err = DST_ENOMEM;
		goto done;
	}
	bl->filter = start;
	if ((err = dst_policy__region_reserve(&arena, b->names.len + ARENA_PAD)) ||
	    (err = dst_policy__region_reserve(&bk, b->nrec * sizeof(uint32_t) + 1)))
		goto done;
	for (int tries = 1;; tries++) {
		draw_keys(bl);
		err = build_once(b, bl, tries < MAX_TRIES ? MAX_BUCKET : SIZE_MAX, &arena, &bk);
		if (err != 1)
			break;
	}
	if (err)
		goto done;
	dst_policy__region_free(&bk);
	dst_policy__region_free(&b->names);
	/* Give back the pages past the final entries. */
	page = (size_t)sysconf(_SC_PAGESIZE);
	keep = (arena.len + ARENA_PAD + page - 1) / page * page;
	if (keep < arena.cap && mremap(arena.p, arena.cap, keep, 0) != MAP_FAILED)
		arena.cap = keep;
	mprotect(arena.p, arena.cap, PROT_READ);
	mprotect((void *)bl->start, bl->start_map, PROT_READ);
	mprotect((void *)bl->filter, bl->filter_map, PROT_READ);
	bl->arena = arena.p;
	bl->arena_map = arena.cap;
	arena = (struct dst_policy__region){0};
done:
	dst_policy__region_free(&arena);
	dst_policy__region_free(&bk);
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
