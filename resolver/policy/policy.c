/*
 * The policy's decision and its answers (policy.h has the order).
 *
 * Cost on the per-query path. The last two bytes of the name's TLD are
 * looked up in a 65536-bit filter of those of the local TLDs ("arpa",
 * "localhost", "local", the hosts names' TLDs...): without a blocklist,
 * inline in the caller (dst_policy_maybe), and most names stop there, for
 * about 10 instructions. A name that passes has its labels walked once,
 * its TLD hashed and checked in a 256-bit filter, then exactly in a small
 * set of the local TLDs (so "lpa" sharing "pa" with "arpa" stops there).
 * Only then are the hosts table and the local zones probed. A blocklist,
 * when there is one, is asked for every name (its own cost:
 * blocklist.c), without the walk for names with no local TLD. A [zone] is
 * looked up only for a name a local zone would answer.
 *
 * The default local zones are a small open-addressing table built with
 * each policy (102 names), probed once per suffix of a name whose TLD
 * passed, longest first.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "resolver/policy/blocklist.h"
#include "resolver/policy/hosts.h"
#include "resolver/policy/policy.h"
#include "resolver/policy/zones.h"

#define MAX_LABELS 128
#define MAX_HOSTS_RRS 64 /* records of one hosts name answered at most */
#define LZ_WIRE 80       /* the longest default zone: 34 nibble labels + ip6.arpa = 74 */
#define LZ_SLOTS 256     /* power of two, well over twice the default zones */
#define TLD_MAX 256      /* TLDs checked exactly; with more, the filter alone decides */
#define TLD_SLOTS 512    /* power of two, twice TLD_MAX */

/* What a local zone answers beyond the RFC 6303 SOA/NS and NXDOMAIN. */
enum special {
	SP_NONE = 0,
	SP_LOCALHOST,     /* every name: A 127.0.0.1, AAAA ::1; never NXDOMAIN (RFC 6761 6.3) */
	SP_PTR_127,       /* 1.0.0.127.in-addr.arpa PTR localhost. */
	SP_PTR_APEX_LOOP, /* the ::1 zone's apex PTR localhost. */
};

struct lz {
	uint8_t wire[LZ_WIRE];
	uint8_t len;
	uint8_t special;
	uint32_t hash;
};

/* A blocklist shared by the policies built from one load (a hosts-only rebuild keeps it). */
struct shared_bl {
	unsigned refs;
	struct dst_blocklist *bl;
};

/* A last label that some hosts name or local zone ends in. */
struct tld {
	uint32_t hash; /* of its wire form (length byte and bytes); 0 with len 0: empty */
	uint8_t len;   /* wire bytes */
	uint8_t wire[64];
};

struct dst_policy {
	struct dst_policy_head head; /* first: dst_policy_maybe reads it */
	bool any;                    /* something to look up at all */
	bool local_zones;            /* lz holds the defaults */
	uint8_t block_answer;        /* enum dst_policy_block_answer */
	uint32_t hosts_ttl;
	uint64_t tld_filter[4]; /* TLDs of the hosts names and the local zones */
	struct tld *tlds;       /* the same, exactly (TLD_SLOTS); NULL: the filter alone */
	struct dst_hosts *hosts;
	struct shared_bl *bl;
	const struct dst_zones *zones; /* atomic: dst_policy_set_zones */
	size_t nlz;
	uint16_t lz_slot[LZ_SLOTS]; /* index + 1 into lz; 0: empty */
	struct lz lz[128];          /* 102 default zones */
	uint64_t tail[1024];        /* head.tail_filter: 65536 bits */
};

/* --- the default local zones ------------------------------------------------ */

/* Names answered here unless a [zone] routes them; docs/configuration.md lists them. */
static const struct {
	const char *name;
	uint8_t special;
} fixed_zones[] = {
	{"localhost", SP_LOCALHOST}, /* RFC 6761 6.3 */
	{"invalid", SP_NONE},        /* RFC 6761 6.4 */
	/*
	 * Not "test": RFC 6761 6.2 says caching servers SHOULD answer it
	 * negatively, but labs and test networks run their own DNS for .test
	 * names behind the stub (this project's tests do), and the public
	 * upstreams deny them anyway. docs/configuration.md says how to add it.
	 */
	{"onion", SP_NONE},     /* RFC 7686 */
	{"local", SP_NONE},     /* RFC 6762 3: mDNS names never go to unicast DNS */
	{"home.arpa", SP_NONE}, /* RFC 8375 */
	/* RFC 6303 4.1, 4.2 and RFC 6598 (100.64/10, listed by IANA's registry) */
	{"0.in-addr.arpa", SP_NONE},
	{"10.in-addr.arpa", SP_NONE},
	{"127.in-addr.arpa", SP_PTR_127},
	{"254.169.in-addr.arpa", SP_NONE},
	{"168.192.in-addr.arpa", SP_NONE},
	{"2.0.192.in-addr.arpa", SP_NONE},
	{"100.51.198.in-addr.arpa", SP_NONE},
	{"113.0.203.in-addr.arpa", SP_NONE},
	{"255.255.255.255.in-addr.arpa", SP_NONE},
	/* RFC 6303 4.3-4.6 */
	{"d.f.ip6.arpa", SP_NONE},
	{"8.e.f.ip6.arpa", SP_NONE},
	{"9.e.f.ip6.arpa", SP_NONE},
	{"a.e.f.ip6.arpa", SP_NONE},
	{"b.e.f.ip6.arpa", SP_NONE},
	{"8.b.d.0.1.0.0.2.ip6.arpa", SP_NONE},
};

static uint32_t fnv(const uint8_t *p, size_t n)
{
	return dst_hosts_hash(p, n);
}

/* "a.b.c" in wire form into out (LZ_WIRE bytes); returns the length. */
static size_t lz_wire(const char *text, uint8_t *out)
{
	size_t n = 0;

	while (*text) {
		size_t l = strcspn(text, ".");
		out[n++] = (uint8_t)l;
		memcpy(out + n, text, l);
		n += l;
		text += l + (text[l] == '.');
	}
	out[n++] = 0;
	return n;
}

/* A TLD (wire label: length byte, bytes) that may be local: into the filter and the exact set. */
static void tld_add(struct dst_policy *p, const uint8_t *tld)
{
	uint32_t h = fnv(tld, 1u + tld[0]);
	unsigned bit = h & 255;

	p->tld_filter[bit / 64] |= UINT64_C(1) << (bit % 64);
	/* The TLD's last two bytes (its length byte and byte for a 1-byte TLD): the inline pre-check. */
	unsigned k = (unsigned)tld[tld[0] - 1u] << 8 | tld[tld[0]];
	p->tail[k / 64] |= UINT64_C(1) << (k % 64);
	if (!p->tlds)
		return;
	for (uint32_t s = (h >> 8) & (TLD_SLOTS - 1);; s = (s + 1) & (TLD_SLOTS - 1)) {
		struct tld *t = &p->tlds[s];
		if (t->len == 0) {
			t->hash = h;
			t->len = (uint8_t)(1u + tld[0]);
			memcpy(t->wire, tld, t->len);
			return;
		}
		if (t->hash == h && t->len == 1u + tld[0] && memcmp(t->wire, tld, t->len) == 0)
			return;
	}
}

/* Whether the TLD with hash h passed the filter by right, not by a collision. */
static bool tld_known(const struct dst_policy *p, const uint8_t *tld, uint32_t h)
{
	if (!p->tlds)
		return true;
	for (uint32_t s = (h >> 8) & (TLD_SLOTS - 1);; s = (s + 1) & (TLD_SLOTS - 1)) {
		const struct tld *t = &p->tlds[s];
		if (t->len == 0)
			return false;
		if (t->hash == h && t->len == 1u + tld[0] && memcmp(t->wire, tld, t->len) == 0)
			return true;
	}
}

static void lz_add(struct dst_policy *p, const char *text, uint8_t special)
{
	struct lz *e = &p->lz[p->nlz];

	e->len = (uint8_t)lz_wire(text, e->wire);
	e->special = special;
	e->hash = fnv(e->wire, e->len);
	uint32_t s = e->hash & (LZ_SLOTS - 1);
	while (p->lz_slot[s])
		s = (s + 1) & (LZ_SLOTS - 1);
	p->lz_slot[s] = (uint16_t)++p->nlz;
	/* Every default zone ends in one of a few TLDs: its last label. */
	size_t pos = 0, last = 0;
	while (e->wire[pos]) {
		last = pos;
		pos += 1u + e->wire[pos];
	}
	tld_add(p, e->wire + last);
}

static void lz_build(struct dst_policy *p)
{
	char name[LZ_WIRE];

	for (size_t i = 0; i < sizeof(fixed_zones) / sizeof(fixed_zones[0]); i++)
		lz_add(p, fixed_zones[i].name, fixed_zones[i].special);
	for (unsigned b = 16; b <= 31; b++) { /* 172.16/12 */
		snprintf(name, sizeof(name), "%u.172.in-addr.arpa", b);
		lz_add(p, name, SP_NONE);
	}
	for (unsigned b = 64; b <= 127; b++) { /* 100.64/10 (RFC 6598, RFC 7793) */
		snprintf(name, sizeof(name), "%u.100.in-addr.arpa", b);
		lz_add(p, name, SP_NONE);
	}
	/* :: and ::1 (RFC 6303 4.3): 32 nibbles each. */
	for (int one = 0; one <= 1; one++) {
		size_t n = 0;
		for (int i = 0; i < 32; i++)
			n += (size_t)snprintf(name + n, sizeof(name) - n, "%c.",
					      i == 0 && one ? '1' : '0');
		snprintf(name + n, sizeof(name) - n, "ip6.arpa");
		lz_add(p, name, one ? SP_PTR_APEX_LOOP : SP_NONE);
	}
}

static const struct lz *lz_find(const struct dst_policy *p, const uint8_t *name, size_t len)
{
	uint32_t h = fnv(name, len);

	for (uint32_t s = h & (LZ_SLOTS - 1);; s = (s + 1) & (LZ_SLOTS - 1)) {
		unsigned i = p->lz_slot[s];
		if (!i)
			return NULL;
		const struct lz *e = &p->lz[i - 1];
		if (e->hash == h && e->len == len && memcmp(e->wire, name, len) == 0)
			return e;
	}
}

/* --- building ------------------------------------------------------------------ */

static void bl_release(struct shared_bl *s)
{
	if (s && --s->refs == 0) {
		dst_blocklist_free(s->bl);
		free(s);
	}
}

static int make(bool local_zones, uint32_t hosts_ttl, struct dst_hosts *hosts, struct shared_bl *bl,
		enum dst_policy_block_answer block_answer, struct dst_policy **out)
{
	struct dst_policy *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (!p)
		return DST_ENOMEM;
	p->local_zones = local_zones;
	p->hosts_ttl = hosts_ttl;
	p->block_answer = (uint8_t)block_answer;
	const uint8_t *htlds[TLD_MAX];
	size_t nh = hosts ? dst_hosts_tlds(hosts, htlds, TLD_MAX) : 0;
	/* Exact TLDs make a filter collision ("com" sharing a bit with "arpa") cost one probe. */
	if (nh <= TLD_MAX - 8 && (local_zones || nh) &&
	    !(p->tlds = calloc(TLD_SLOTS, sizeof(*p->tlds)))) {
		free(p);
		return DST_ENOMEM;
	}
	if (local_zones)
		lz_build(p);
	if (hosts && dst_hosts_names(hosts)) {
		p->hosts = dst_hosts_ref(hosts);
		for (size_t i = 0; i < nh && i < TLD_MAX; i++)
			tld_add(p, htlds[i]);
	}
	if (bl && dst_blocklist_names(bl->bl)) {
		bl->refs++;
		p->bl = bl;
	}
	p->any = p->nlz || p->hosts || p->bl;
	p->head = (struct dst_policy_head){
		.blocklist = p->bl != NULL, .local = p->nlz || p->hosts, .tail_filter = p->tail};
	*out = p;
	return 0;
}

int dst_policy_make(bool local_zones, uint32_t hosts_ttl, struct dst_hosts *hosts,
		    struct dst_blocklist *bl, enum dst_policy_block_answer block_answer,
		    struct dst_policy **out)
{
	struct shared_bl *s = NULL;
	int r;

	if (bl && !(s = calloc(1, sizeof(*s)))) {
		dst_blocklist_free(bl);
		*out = NULL;
		return DST_ENOMEM;
	}
	if (s)
		*s = (struct shared_bl){.refs = 1, .bl = bl};
	r = make(local_zones, hosts_ttl, hosts, s, block_answer, out);
	bl_release(s);
	return r;
}

/* The hosts files of conf; NULL *out when none loaded. Returns 0, DST_ENOMEM, or <0 (a file failed). */
static int load_hosts(const struct dst_policy_conf *conf, dst_policy_warn_cb warn, void *arg,
		      struct dst_hosts **out)
{
	struct dst_hosts_builder *b;
	int r, failed = 0;

	*out = NULL;
	if (!conf->nhosts)
		return 0;
	if ((r = dst_hosts_builder_new(warn, arg, &b)) < 0)
		return r;
	for (size_t i = 0; i < conf->nhosts; i++) {
		r = dst_hosts_add_file(b, conf->hosts[i]);
		if (r == DST_ENOMEM) {
			dst_hosts_builder_free(b);
			return r;
		}
		if (r < 0)
			failed = r;
	}
	r = dst_hosts_build(b, out);
	return r < 0 ? r : failed;
}

int dst_policy_new(const struct dst_policy_conf *conf, const struct dst_policy *prev, unsigned load,
		   dst_policy_warn_cb warn, void *arg, unsigned *failed, struct dst_policy **out)
{
	struct dst_hosts *hosts = NULL;
	struct shared_bl *bl = NULL;
	unsigned fail = 0;
	int r;

	*out = NULL;
	if (!prev)
		load = DST_POLICY_LOAD_ALL;
	if (!(load & DST_POLICY_LOAD_HOSTS)) {
		hosts = dst_hosts_ref(prev->hosts);
	} else if ((r = load_hosts(conf, warn, arg, &hosts)) < 0) {
		if (r == DST_ENOMEM)
			return r;
		fail |= DST_POLICY_LOAD_HOSTS;
		if (prev) { /* keep what the running server answers */
			dst_hosts_free(hosts);
			hosts = dst_hosts_ref(prev->hosts);
		}
	}
	if (!(load & DST_POLICY_LOAD_LISTS)) {
		if ((bl = prev->bl))
			bl->refs++;
	} else if (conf->nblock) {
		struct dst_blocklist *set = NULL;
		r = dst_blocklist_load(conf->block, conf->nblock, conf->allow, conf->nallow, warn,
				       arg, &set);
		if (r == DST_ENOMEM || (r == 0 && !(bl = calloc(1, sizeof(*bl))))) {
			dst_blocklist_free(set);
			dst_hosts_free(hosts);
			return DST_ENOMEM;
		}
		if (r == 0) {
			*bl = (struct shared_bl){.refs = 1, .bl = set};
		} else {
			fail |= DST_POLICY_LOAD_LISTS;
			if (prev && (bl = prev->bl))
				bl->refs++;
		}
	}
	r = make(conf->local_zones, conf->hosts_ttl, hosts, bl, conf->block_answer, out);
	dst_hosts_free(hosts);
	bl_release(bl);
	if (r == 0 && prev)
		dst_policy_set_zones(*out, __atomic_load_n(&prev->zones, __ATOMIC_ACQUIRE));
	if (failed)
		*failed = fail;
	return r;
}

void dst_policy_free(struct dst_policy *p)
{
	if (!p)
		return;
	dst_hosts_free(p->hosts);
	bl_release(p->bl);
	free(p->tlds);
	free(p);
}

void dst_policy_set_zones(struct dst_policy *p, const struct dst_zones *zones)
{
	__atomic_store_n(&p->zones, zones, __ATOMIC_RELEASE);
}

size_t dst_policy_hosts_names(const struct dst_policy *p)
{
	return p ? dst_hosts_names(p->hosts) : 0;
}

size_t dst_policy_blocked_names(const struct dst_policy *p)
{
	return p && p->bl ? dst_blocklist_names(p->bl->bl) : 0;
}

size_t dst_policy_local_zones(const struct dst_policy *p)
{
	return p ? p->nlz : 0;
}

/* --- answers ------------------------------------------------------------------- */

#define FLAG_QR 0x80
#define FLAG_AA 0x04
#define FLAG_TC 0x02
#define FLAG_RD 0x01
#define FLAG_RA 0x80
#define FLAG_CD 0x10

/* SOA RDATA after MNAME: RNAME nobody.invalid. and the RFC 6303 timers (minimum filled in). */
static const uint8_t soa_rname[] = {6,   'n', 'o', 'b', 'o', 'd', 'y', 7,
				    'i', 'n', 'v', 'a', 'l', 'i', 'd', 0};
static const uint8_t localhost_wire[] = {9, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't', 0};
static const uint8_t loop4[4] = {127, 0, 0, 1};
static const uint8_t loop6[16] = {[15] = 1};
static const uint8_t any4[4];
static const uint8_t any6[16];
static const char ede_text[] = "blocked";

/* An answer being written; over records that it could not hold. */
struct ans {
	uint8_t *p;
	size_t len, cap;
	bool over;
	uint16_t counts[3]; /* answer, authority, additional */
};

static void put(struct ans *a, const void *b, size_t n)
{
	if (a->over || n > a->cap - a->len) {
		a->over = true;
		return;
	}
	memcpy(a->p + a->len, b, n);
	a->len += n;
}

static void put16(struct ans *a, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	put(a, b, 2);
}

static void put32(struct ans *a, uint32_t v)
{
	put16(a, (uint16_t)(v >> 16));
	put16(a, (uint16_t)v);
}

/* An RR's head: owner as a pointer to offset off, type, class IN, ttl, rdlength. */
static void rr(struct ans *a, int section, size_t off, uint16_t type, uint32_t ttl, size_t rdlen)
{
	put16(a, (uint16_t)(0xc000 | off));
	put16(a, type);
	put16(a, DST_DNS_CLASS_IN);
	put32(a, ttl);
	put16(a, (uint16_t)rdlen);
	a->counts[section]++;
}

/* The SOA of the zone whose apex is at offset apex in the message, in authority. */
static void soa(struct ans *a, size_t apex, uint32_t ttl)
{
	rr(a, 1, apex, DST_DNS_TYPE_SOA, ttl, 2 + sizeof(soa_rname) + 20);
	put16(a, (uint16_t)(0xc000 | apex)); /* MNAME: the apex itself (RFC 6303 3) */
	put(a, soa_rname, sizeof(soa_rname));
	put32(a, 1);      /* serial */
	put32(a, 3600);   /* refresh */
	put32(a, 1200);   /* retry */
	put32(a, 604800); /* expire */
	put32(a, ttl);    /* minimum: the negative TTL (RFC 2308) */
}

/* Header and question: the client's ID, qname bytes, RD, CD. */
static void begin(struct ans *a, const uint8_t *query, const struct dst_dns_query *dq,
		  unsigned rcode, bool aa)
{
	uint8_t h[DST_DNS_HEADER_LEN] = {0};

	dst_dns_put16(h, dq->id);
	h[2] = (uint8_t)(FLAG_QR | (aa ? FLAG_AA : 0) | (dq->rd ? FLAG_RD : 0));
	h[3] = (uint8_t)(FLAG_RA | (dq->cd ? FLAG_CD : 0) | rcode);
	dst_dns_put16(h + 4, 1);
	a->len = 0;
	a->over = false;
	memset(a->counts, 0, sizeof(a->counts));
	put(a, h, sizeof(h));
	put(a, query + DST_DNS_HEADER_LEN, dq->qname_len); /* the client's case */
	put16(a, dq->qtype);
	put16(a, dq->qclass);
}

/* The OPT RR for an EDNS client (DO echoed), with EDE 15 when blocked. */
static void opt(struct ans *a, const struct dst_dns_query *dq, bool blocked)
{
	if (!dq->edns)
		return;
	size_t tl = sizeof(ede_text) - 1;
	put(a, "", 1); /* the root */
	put16(a, DST_DNS_TYPE_OPT);
	put16(a, DST_DNS_OUR_UDP_SIZE);
	put32(a, dq->do_bit ? 0x8000 : 0);
	put16(a, (uint16_t)(blocked ? 6 + tl : 0));
	if (blocked) {
		put16(a, DST_DNS_EDNS_EDE);
		put16(a, (uint16_t)(2 + tl));
		put16(a, 15); /* Blocked (RFC 8914 4.16) */
		put(a, ede_text, tl);
	}
	a->counts[2]++;
}

/* Counts into the header; then, when over limit, the truncated form. Returns false when it cannot be sent. */
static bool finish(struct ans *a, const uint8_t *query, const struct dst_dns_query *dq,
		   size_t limit, bool blocked)
{
	opt(a, dq, blocked);
	if (!a->over && a->len <= limit) {
		dst_dns_put16(a->p + 6, a->counts[0]);
		dst_dns_put16(a->p + 8, a->counts[1]);
		dst_dns_put16(a->p + 10, a->counts[2]);
		return true;
	}
	unsigned rcode = a->len >= 4 ? a->p[3] & 0x0f : 0;
	bool aa = a->len >= 3 && (a->p[2] & FLAG_AA);
	begin(a, query, dq, rcode, aa);
	opt(a, dq, blocked);
	if (a->over || a->len > limit)
		return false;
	a->p[2] |= FLAG_TC;
	dst_dns_put16(a->p + 10, a->counts[2]);
	return true;
}

/* A hosts name: its records of the asked type (all of them for ANY), else NODATA. */
static void hosts_answer(struct ans *a, const struct dst_policy *p, const uint8_t *query,
			 const struct dst_dns_query *dq, const struct dst_hosts_rr *rrs, size_t n)
{
	begin(a, query, dq, DST_DNS_RCODE_NOERROR, true);
	for (size_t i = 0; i < n; i++) {
		if (rrs[i].type != dq->qtype && dq->qtype != DST_DNS_TYPE_ANY)
			continue;
		rr(a, 0, DST_DNS_HEADER_LEN, rrs[i].type, p->hosts_ttl, rrs[i].len);
		put(a, rrs[i].rdata, rrs[i].len);
	}
}

static void block_answer(struct ans *a, const struct dst_policy *p, const uint8_t *query,
			 const struct dst_dns_query *dq)
{
	switch (p->block_answer) {
	case DST_POLICY_BLOCK_REFUSE:
		begin(a, query, dq, DST_DNS_RCODE_REFUSED, false);
		return;
	case DST_POLICY_BLOCK_NULL:
		begin(a, query, dq, DST_DNS_RCODE_NOERROR, true);
		if (dq->qtype == DST_DNS_TYPE_A || dq->qtype == DST_DNS_TYPE_AAAA) {
			bool v4 = dq->qtype == DST_DNS_TYPE_A;
			rr(a, 0, DST_DNS_HEADER_LEN, dq->qtype, DST_POLICY_BLOCK_TTL, v4 ? 4 : 16);
			put(a, v4 ? any4 : any6, v4 ? 4 : 16);
			return;
		}
		break;
	default:
		begin(a, query, dq, DST_DNS_RCODE_NXDOMAIN, true);
		break;
	}
	/* The blocked name stands as the apex of an empty zone: clients cache the denial. */
	soa(a, DST_DNS_HEADER_LEN, DST_POLICY_BLOCK_TTL);
}

/* A name in a default local zone whose apex is at label offset apex_off of the qname. */
static void local_answer(struct ans *a, const struct lz *z, const uint8_t *query,
			 const struct dst_dns_query *dq, size_t apex_off)
{
	size_t apex = DST_DNS_HEADER_LEN + apex_off; /* the apex as a suffix of the question */
	bool at_apex = apex_off == 0;
	uint16_t t = dq->qtype;
	bool any = t == DST_DNS_TYPE_ANY;

	if (z->special == SP_LOCALHOST) {
		begin(a, query, dq, DST_DNS_RCODE_NOERROR, true);
		if (t == DST_DNS_TYPE_A || any) {
			rr(a, 0, DST_DNS_HEADER_LEN, DST_DNS_TYPE_A, DST_POLICY_LOCAL_TTL, 4);
			put(a, loop4, 4);
		}
		if (t == DST_DNS_TYPE_AAAA || any) {
			rr(a, 0, DST_DNS_HEADER_LEN, DST_DNS_TYPE_AAAA, DST_POLICY_LOCAL_TTL, 16);
			put(a, loop6, 16);
		}
	} else {
		/* 1.0.0.127.in-addr.arpa under 127.in-addr.arpa: 6 bytes of labels before the apex. */
		bool ptr_name = (z->special == SP_PTR_127 && apex_off == 6 &&
				 memcmp(dq->qname_lower, "\0011\0010\0010", 6) == 0) ||
				(z->special == SP_PTR_APEX_LOOP && at_apex);
		begin(a, query, dq,
		      at_apex || ptr_name ? DST_DNS_RCODE_NOERROR : DST_DNS_RCODE_NXDOMAIN, true);
		if (ptr_name && (t == DST_DNS_TYPE_PTR || any)) {
			rr(a, 0, DST_DNS_HEADER_LEN, DST_DNS_TYPE_PTR, DST_POLICY_LOCAL_TTL,
			   sizeof(localhost_wire));
			put(a, localhost_wire, sizeof(localhost_wire));
		}
	}
	if (at_apex && (t == DST_DNS_TYPE_NS || any)) {
		rr(a, 0, apex, DST_DNS_TYPE_NS, DST_POLICY_LOCAL_TTL, 2);
		put16(a, (uint16_t)(0xc000 | apex)); /* "@ NS @" (RFC 6303 3) */
	}
	if (at_apex && (t == DST_DNS_TYPE_SOA || any)) {
		soa(a, apex, DST_POLICY_LOCAL_TTL);
		/* soa() files it under authority: as the answer it is the first answer section RR. */
		a->counts[1]--;
		a->counts[0]++;
		return;
	}
	if (a->counts[0] == 0)
		soa(a, apex, DST_POLICY_LOCAL_TTL); /* NXDOMAIN or NODATA: the denial's SOA */
}

/* The pre-check's local half: whether the name's TLD may be a hosts or local zone one. */
static bool tail_local(const struct dst_policy *p, const struct dst_dns_query *dq)
{
	if (!p->head.local || dq->qname_len < 3)
		return false;
	unsigned k = (unsigned)dq->qname_lower[dq->qname_len - 3] << 8 |
		     dq->qname_lower[dq->qname_len - 2];
	return (p->tail[k / 64] >> (k % 64)) & 1;
}

/* The blocked answer for dq into out; PASS when it cannot be written. */
static __attribute__((noinline)) enum dst_policy_verdict blocked(const struct dst_policy *p,
								 const uint8_t *query,
								 const struct dst_dns_query *dq,
								 size_t limit, uint8_t *out,
								 size_t cap, size_t *n)
{
	struct ans a = {.p = out, .cap = cap};

	block_answer(&a, p, query, dq);
	if (!finish(&a, query, dq, limit, true))
		return DST_POLICY_PASS;
	*n = a.len;
	return DST_POLICY_BLOCKED;
}

/*
 * A name whose TLD passed the tail filter: its hosts entry, the blocklist,
 * its local zone, in that order. Apart so that the common case (no local
 * TLD) pays for none of this frame.
 */
static __attribute__((noinline)) enum dst_policy_verdict local_lookup(
	const struct dst_policy *p, const uint8_t *query, const struct dst_dns_query *dq,
	size_t limit, uint8_t *out, size_t cap, size_t *n)
{
	const uint8_t *name = dq->qname_lower;
	size_t len = dq->qname_len, pos = 0;
	uint16_t off[MAX_LABELS];
	unsigned nl = 0;
	struct ans a = {.p = out, .cap = cap};

	while (pos < len && name[pos] && nl < MAX_LABELS) {
		off[nl++] = (uint16_t)pos;
		pos += 1u + name[pos];
	}
	if (nl == 0 || pos + 1 != len)
		return DST_POLICY_PASS; /* a name parse_query would not pass */
	const uint8_t *tld = name + off[nl - 1];
	uint32_t th = fnv(tld, 1u + tld[0]);
	bool local = (p->tld_filter[(th & 255) / 64] & (UINT64_C(1) << (th % 64))) &&
		     tld_known(p, tld, th);

	if (local && p->hosts) {
		struct dst_hosts_rr rrs[MAX_HOSTS_RRS];
		size_t k =
			dst_hosts_lookup(p->hosts, name, len, fnv(name, len), rrs, MAX_HOSTS_RRS);
		if (k) {
			hosts_answer(&a, p, query, dq, rrs, k < MAX_HOSTS_RRS ? k : MAX_HOSTS_RRS);
			if (!finish(&a, query, dq, limit, false))
				return DST_POLICY_PASS;
			*n = a.len;
			return DST_POLICY_LOCAL;
		}
	}
	if (p->bl && dst_blocklist_match(p->bl->bl, name, len) == DST_BLOCK_BLOCKED)
		return blocked(p, query, dq, limit, out, cap, n);
	if (!local || !p->nlz)
		return DST_POLICY_PASS;
	for (unsigned i = 0; i < nl; i++) {
		const struct lz *z = lz_find(p, name + off[i], len - off[i]);
		if (!z)
			continue;
		/* A [zone] for the name or a parent routes it; the root zone is every name's parent and does not. */
		const struct dst_zones *zt = __atomic_load_n(&p->zones, __ATOMIC_ACQUIRE);
		if (zt) {
			uint32_t id = dst_zones_match(zt, name, len);
			if (id != DST_ZONES_NONE &&
			    id != dst_zones_match(zt, (const uint8_t *)"", 1))
				return DST_POLICY_PASS;
		}
		local_answer(&a, z, query, dq, off[i]);
		if (!finish(&a, query, dq, limit, false))
			return DST_POLICY_PASS;
		*n = a.len;
		return DST_POLICY_LOCAL;
	}
	return DST_POLICY_PASS;
}

enum dst_policy_verdict dst_policy_answer(const struct dst_policy *p, const uint8_t *query,
					  const struct dst_dns_query *dq, size_t limit,
					  uint8_t *out, size_t cap, size_t *n)
{
	if (!p || !p->any || dq->qclass != DST_DNS_CLASS_IN)
		return DST_POLICY_PASS;
	if (tail_local(p, dq))
		return local_lookup(p, query, dq, limit, out, cap, n);
	/* No local TLD: only the blocklist may answer. */
	if (p->bl &&
	    dst_blocklist_match(p->bl->bl, dq->qname_lower, dq->qname_len) == DST_BLOCK_BLOCKED)
		return blocked(p, query, dq, limit, out, cap, n);
	return DST_POLICY_PASS;
}
