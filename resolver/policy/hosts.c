/*
 * The hosts table: records (owner, type, RDATA) collected from the files'
 * lines, then an open-addressing hash of the distinct owners, each with
 * the chain of its records in file order. Owners and RDATA live in one
 * byte arena; the records and the hash slots are plain arrays. The
 * owners' distinct last labels (TLDs) are listed for the policy, whose
 * filter lets a query for a name under no listed TLD skip the table.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "dns/err.h"
#include "resolver/policy/hosts.h"
#include "resolver/policy/internal.h"

#define NONE UINT32_MAX
#define MAX_FILE_BYTES (64u << 20) /* a hosts file larger than this is not one */
#define MAX_TLDS 256               /* TLDs listed for the policy's filter, at most */

struct rec {
	uint32_t owner; /* arena offset of the owner's wire name */
	uint32_t rdata; /* arena offset of the RDATA */
	uint16_t owner_len, rdata_len, type;
	uint32_t next; /* the owner's next record, or NONE */
};

struct owner {
	uint32_t hash;
	uint32_t first, last; /* records */
};

struct dst_hosts {
	unsigned refs;
	uint8_t *arena;
	size_t arena_len, arena_cap;
	struct rec *recs;
	size_t nrecs, recs_cap;
	struct owner *owners; /* by slot: first == NONE is an empty slot */
	size_t nowners;
	uint32_t mask; /* slots - 1 */
	size_t bad_lines;
	uint32_t *tlds; /* arena offsets of the distinct TLD labels, up to MAX_TLDS */
	uint32_t *tld_hash;
	size_t ntlds; /* may be over MAX_TLDS: then only the first are listed */
};

struct dst_hosts_builder {
	struct dst_hosts *h;
	dst_hosts_warn_cb warn;
	void *arg;
};

uint32_t dst_hosts_hash(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static void warnf(struct dst_hosts_builder *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void warnf(struct dst_hosts_builder *b, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!b->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	b->warn(b->arg, msg);
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	if (!(q = realloc(*p, n * size)))
		return DST_ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

static int arena_put(struct dst_hosts *h, const void *bytes, size_t n, uint32_t *off)
{
	if (h->arena_len + n > UINT32_MAX)
		return DST_ENOMEM;
	if (grow((void **)&h->arena, &h->arena_cap, h->arena_len + n, 1) < 0)
		return DST_ENOMEM;
	memcpy(h->arena + h->arena_len, bytes, n);
	*off = (uint32_t)h->arena_len;
	h->arena_len += n;
	return 0;
}

int dst_hosts_builder_new(dst_hosts_warn_cb warn, void *arg, struct dst_hosts_builder **out)
{
	struct dst_hosts_builder *b = calloc(1, sizeof(*b));

	*out = NULL;
	if (!b || !(b->h = calloc(1, sizeof(*b->h)))) {
		free(b);
		return DST_ENOMEM;
	}
	b->h->refs = 1;
	b->warn = warn;
	b->arg = arg;
	*out = b;
	return 0;
}

void dst_hosts_builder_free(struct dst_hosts_builder *b)
{
	if (!b)
		return;
	dst_hosts_free(b->h);
	free(b);
}

/* Appends a record; owner and rdata are copied into the arena. */
static int add_rec(struct dst_hosts *h, const uint8_t *owner, size_t olen, uint16_t type,
		   const uint8_t *rdata, size_t rlen)
{
	struct rec r = {.owner_len = (uint16_t)olen,
			.rdata_len = (uint16_t)rlen,
			.type = type,
			.next = NONE};

	if (grow((void **)&h->recs, &h->recs_cap, h->nrecs + 1, sizeof(*h->recs)) < 0 ||
	    arena_put(h, owner, olen, &r.owner) < 0 || arena_put(h, rdata, rlen, &r.rdata) < 0)
		return DST_ENOMEM;
	h->recs[h->nrecs++] = r;
	return 0;
}

/* The reverse name of an address (4 or 16 bytes) in wire form; returns its length. */
static size_t reverse_name(const uint8_t *a, size_t alen, uint8_t out[DST_DNS_MAX_NAME])
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	if (alen == 4) {
		for (int i = 3; i >= 0; i--) {
			int l = snprintf((char *)out + n + 1, 4, "%u", a[i]);
			out[n] = (uint8_t)l;
			n += 1 + (size_t)l;
		}
		memcpy(out + n, "\7in-addr\4arpa", 14); /* with the root label */
		return n + 14;
	}
	for (int i = 15; i >= 0; i--) {
		out[n++] = 1;
		out[n++] = (uint8_t)hex[a[i] & 15];
		out[n++] = 1;
		out[n++] = (uint8_t)hex[a[i] >> 4];
	}
	memcpy(out + n, "\3ip6\4arpa", 10);
	return n + 10;
}

struct line_src {
	const char *file;
	unsigned line;
	size_t bad;
};

static void bad_line(struct dst_hosts_builder *b, struct line_src *src, const char *why,
		     const char *tok, size_t toklen)
{
	char shown[80];
	size_t n = toklen < sizeof(shown) - 1 ? toklen : sizeof(shown) - 1;

	for (size_t i = 0; i < n; i++)
		shown[i] = (unsigned char)tok[i] >= 0x20 && (unsigned char)tok[i] < 0x7f ? tok[i]
											 : '?';
	shown[n] = '\0';
	b->h->bad_lines++;
	if (++src->bad <= DST_HOSTS_REPORTED)
		warnf(b, "%s:%u: %s%s%s%s: line skipped", src->file, src->line, why,
		      toklen ? " \"" : "", shown, toklen ? "\"" : "");
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The next blank-separated token of [*p, end): its start and length; 0 at the end. */
static size_t token(const char **p, const char *end, const char **tok)
{
	const char *s = *p;

	while (s < end && is_blank(*s))
		s++;
	*tok = s;
	while (s < end && !is_blank(*s))
		s++;
	*p = s;
	return (size_t)(s - *tok);
}

/* An address token: 4 or 16 bytes into a; 0 if it is none. "fe80::1%eth0": the scope is dropped. */
static size_t parse_addr(const char *tok, size_t n, uint8_t a[16])
{
	char buf[INET6_ADDRSTRLEN + 1];

	for (size_t i = 0; i < n; i++)
		if (tok[i] == '%') {
			n = i;
			break;
		}
	if (n == 0 || n >= sizeof(buf))
		return 0;
	memcpy(buf, tok, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, a) == 1)
		return 4;
	if (inet_pton(AF_INET6, buf, a) == 1)
		return 16;
	return 0;
}

/* One line without its '\n' (and without its comment). */
static int add_line(struct dst_hosts_builder *b, struct line_src *src, const char *s,
		    const char *end)
{
	static const uint8_t zero[16];
	const char *tok, *why = NULL;
	uint8_t addr[16], owner[DST_DNS_MAX_NAME], rev[DST_DNS_MAX_NAME];
	size_t n = token(&s, end, &tok), alen, names = 0, first_len = 0;
	uint8_t first[DST_DNS_MAX_NAME];
	int r;

	if (n == 0)
		return 0; /* blank */
	if (!(alen = parse_addr(tok, n, addr))) {
		bad_line(b, src, "not an IPv4 or IPv6 address", tok, n);
		return 0;
	}
	/* Check every name first: a bad line adds nothing. */
	for (const char *q = s; (n = token(&q, end, &tok)) > 0;) {
		if (n > 0 && tok[0] == '*') {
			bad_line(b, src, "a wildcard is not a host name", tok, n);
			return 0;
		}
		if (!dst_policy__name_wire(tok, n, owner, &why)) {
			bad_line(b, src, why, tok, n);
			return 0;
		}
		names++;
	}
	if (names == 0) {
		bad_line(b, src, "an address with no name after it", "", 0);
		return 0;
	}
	for (size_t i = 0; (n = token(&s, end, &tok)) > 0; i++) {
		size_t olen = dst_policy__name_wire(tok, n, owner, &why);
		if (i == 0) {
			memcpy(first, owner, olen);
			first_len = olen;
		}
		r = add_rec(b->h, owner, olen, alen == 4 ? DST_DNS_TYPE_A : DST_DNS_TYPE_AAAA, addr,
			    alen);
		if (r < 0)
			return r;
	}
	/* 0.0.0.0 and :: (blocking entries) name no host: no PTR for them. */
	if (memcmp(addr, zero, alen) == 0)
		return 0;
	size_t rlen = reverse_name(addr, alen, rev);
	/* A later line for the same address adds no PTR: dst_hosts_build drops it. */
	return add_rec(b->h, rev, rlen, DST_DNS_TYPE_PTR, first, first_len);
}

int dst_hosts_add_text(struct dst_hosts_builder *b, const char *name, const char *text, size_t len)
{
	struct line_src src = {.file = name};
	const char *p = text, *end = text + len;
	int r;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *hash = memchr(p, '#', (size_t)(eol - p));
		const char *nul = memchr(p, '\0', (size_t)(eol - p));

		src.line++;
		if (nul && (!hash || nul < hash))
			bad_line(b, &src, "a NUL byte in the line", "", 0);
		else if ((r = add_line(b, &src, p, hash ? hash : eol)) < 0)
			return r;
		p = nl ? nl + 1 : end;
	}
	if (src.bad > DST_HOSTS_REPORTED)
		warnf(b, "%s: %zu more bad lines skipped", name, src.bad - DST_HOSTS_REPORTED);
	return 0;
}

int dst_hosts_add_file(struct dst_hosts_builder *b, const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int r = 0;

	if (!f) {
		r = -errno;
		warnf(b, "%s: %s", path, strerror(errno));
		return r;
	}
	for (;;) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 16384;
			char *nb = ncap <= MAX_FILE_BYTES ? realloc(buf, ncap) : NULL;
			if (!nb) {
				r = ncap <= MAX_FILE_BYTES ? DST_ENOMEM : DST_ENOSPC;
				if (r == DST_ENOSPC)
					warnf(b, "%s: larger than %u MiB: not a hosts file", path,
					      MAX_FILE_BYTES >> 20);
				break;
			}
			buf = nb;
			cap = ncap;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0) {
			if (ferror(f)) {
				r = -EIO;
				warnf(b, "%s: read error", path);
			}
			break;
		}
	}
	fclose(f);
	if (r == 0)
		r = dst_hosts_add_text(b, path, buf, len);
	free(buf);
	return r;
}

static const uint8_t *tld_of(const uint8_t *name, size_t len, size_t *tlen)
{
	size_t pos = 0, last = 0;

	while (pos < len && name[pos]) {
		last = pos;
		pos += 1u + name[pos];
	}
	*tlen = 1u + name[last];
	return name + last;
}

/* Lists the TLD of a new owner (at arena offset at) unless known (up to MAX_TLDS). */
static void add_tld(struct dst_hosts *h, const uint8_t *name, size_t len, uint32_t at)
{
	size_t tlen;
	const uint8_t *tld = tld_of(name, len, &tlen);
	uint32_t th = dst_hosts_hash(tld, tlen);
	size_t known = h->ntlds < MAX_TLDS ? h->ntlds : MAX_TLDS;

	for (size_t i = 0; i < known; i++)
		if (h->tld_hash[i] == th && memcmp(h->arena + h->tlds[i], tld, tlen) == 0)
			return;
	if (h->ntlds < MAX_TLDS) {
		h->tlds[h->ntlds] = at + (uint32_t)(tld - name);
		h->tld_hash[h->ntlds] = th;
	}
	h->ntlds++; /* past MAX_TLDS: counted, so the caller knows the list is not all */
}

int dst_hosts_build(struct dst_hosts_builder *b, struct dst_hosts **out)
{
	struct dst_hosts *h = b->h;
	size_t cap = 8;

	*out = NULL;
	while (cap < 2 * h->nrecs)
		cap *= 2;
	h->mask = (uint32_t)cap - 1;
	h->owners = malloc(cap * sizeof(*h->owners));
	h->tlds = malloc(MAX_TLDS * sizeof(*h->tlds));
	h->tld_hash = malloc(MAX_TLDS * sizeof(*h->tld_hash));
	if (!h->owners || !h->tlds || !h->tld_hash) {
		dst_hosts_builder_free(b);
		return DST_ENOMEM;
	}
	for (size_t i = 0; i < cap; i++)
		h->owners[i].first = NONE;
	for (size_t i = 0; i < h->nrecs; i++) {
		struct rec *r = &h->recs[i];
		const uint8_t *name = h->arena + r->owner;
		uint32_t hash = dst_hosts_hash(name, r->owner_len), s = hash & h->mask;
		struct owner *o;

		for (;; s = (s + 1) & h->mask) {
			o = &h->owners[s];
			if (o->first == NONE)
				break;
			const struct rec *f = &h->recs[o->first];
			if (o->hash == hash && f->owner_len == r->owner_len &&
			    memcmp(h->arena + f->owner, name, r->owner_len) == 0)
				break;
		}
		if (o->first == NONE) {
			*o = (struct owner){
				.hash = hash, .first = (uint32_t)i, .last = (uint32_t)i};
			h->nowners++;
			add_tld(h, name, r->owner_len, r->owner);
			continue;
		}
		/*
		 * The same record twice (a name listed twice with one address) is
		 * kept once; an address has one PTR, from the first line naming it.
		 */
		bool dup = false;
		for (uint32_t k = o->first; k != NONE; k = h->recs[k].next) {
			const struct rec *e = &h->recs[k];
			if (e->type == r->type &&
			    (r->type == DST_DNS_TYPE_PTR ||
			     (e->rdata_len == r->rdata_len &&
			      memcmp(h->arena + e->rdata, h->arena + r->rdata, r->rdata_len) == 0)))
				dup = true;
		}
		if (!dup) {
			h->recs[o->last].next = (uint32_t)i;
			o->last = (uint32_t)i;
		}
	}
	free(b);
	*out = h;
	return 0;
}

struct dst_hosts *dst_hosts_ref(struct dst_hosts *h)
{
	if (h)
		h->refs++;
	return h;
}

void dst_hosts_free(struct dst_hosts *h)
{
	if (!h || --h->refs > 0)
		return;
	free(h->arena);
	free(h->recs);
	free(h->owners);
	free(h->tlds);
	free(h->tld_hash);
	free(h);
}

size_t dst_hosts_tlds(const struct dst_hosts *h, const uint8_t **tlds, size_t max)
{
	if (!h)
		return 0;
	for (size_t i = 0; i < h->ntlds && i < max && i < MAX_TLDS; i++)
		tlds[i] = h->arena + h->tlds[i];
	return h->ntlds;
}

size_t dst_hosts_lookup(const struct dst_hosts *h, const uint8_t *qname, size_t len, uint32_t hash,
			struct dst_hosts_rr *rrs, size_t max)
{
	if (!h || !h->nowners)
		return 0;
	for (uint32_t s = hash & h->mask;; s = (s + 1) & h->mask) {
		const struct owner *o = &h->owners[s];
		if (o->first == NONE)
			return 0;
		const struct rec *f = &h->recs[o->first];
		if (o->hash != hash || f->owner_len != len ||
		    memcmp(h->arena + f->owner, qname, len) != 0)
			continue;
		size_t n = 0;
		for (uint32_t k = o->first; k != NONE; k = h->recs[k].next, n++)
			if (n < max)
				rrs[n] =
					(struct dst_hosts_rr){.type = h->recs[k].type,
							      .len = h->recs[k].rdata_len,
							      .rdata = h->arena + h->recs[k].rdata};
		return n;
	}
}

size_t dst_hosts_names(const struct dst_hosts *h)
{
	return h ? h->nowners : 0;
}

size_t dst_hosts_bad_lines(const struct dst_hosts *h)
{
	return h ? h->bad_lines : 0;
}
