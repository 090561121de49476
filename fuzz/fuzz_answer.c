/*
 * Fuzz target: the upstream answer path, from the bytes an upstream sends
 * back to the cache and on to the client.
 *
 * Input layout: byte 0 chooses the client's query (SEL_* below), byte 1
 * the age at which the cache is asked again (STEP_MS each), and the rest
 * is the upstream's answer. The query dotstub asked is fixed by byte 0, so
 * the fuzzer can reach past the question check by copying the question
 * from the seeds; SEL_FORCE_ID saves it guessing the ID.
 *
 * Checks, in order:
 * - dst_dns_edns_keepalive reads the raw answer without crashing and
 *   returns a 16-bit timeout, DST_ENOENT or DST_EFORMAT;
 * - dst_dns_prepare_answer returns one of its four codes; on a refusal
 *   the buffer is untouched; on success the result keeps its promises
 *   (header, question, TTL offsets, min_ttl, negative/SOA, no OPT
 *   left) and a second pass over it changes nothing (so the OPT was cut
 *   out cleanly);
 * - when every record has a type whose RDATA ldns delimits as dotstub
 *   does (see ldns_comparable()) and ldns parses the upstream's bytes,
 *   ldns finds the same records in the prepared answer: cutting the OPT
 *   out and moving compression pointers kept every name the same;
 * - the cache stores it (one fresh cache per input), hits until exactly
 *   the smallest clamped TTL has passed and misses from then on, and
 *   serves the bytes with every TTL aged by whole seconds;
 * - dst_dns_strip_dnssec (a DO-clear client's form of a validated answer)
 *   either refuses or gives a message that prepares again, holds no RRSIG
 *   (unless asked for), no more records than before, and is stripped
 *   already (a second pass copies it unchanged);
 * - dst_dns_finish_answer turns the served bytes into the client's answer
 *   (oracle.c), for the client's payload size and for TCP.
 */
/* Before ldns: without it, ldns/common.h defines _Bool as signed char. */
#include <stdbool.h>

#include <ldns/ldns.h>
#include <string.h>

#include "cache/cache.h"
#include "dns/dns.h"
#include "dns/err.h"
#include "fuzz/fuzz.h"
#include "fuzz/oracle.h"

#define SEL_CASE 0x07     /* which question (cases[] below) */
#define SEL_EDNS 0x08     /* the client sent an OPT */
#define SEL_DO 0x10       /* ... with DO set */
#define SEL_CD 0x20       /* the client set CD */
#define SEL_FORCE_ID 0x40 /* overwrite the answer's ID with the expected one */
#define SEL_FEW_TTLS 0x80 /* room for 2 TTL offsets only (DST_ENOSPC path) */

#define EXPECT_ID 0x4d2a
#define CLIENT_ID 0xc1d0
#define CLIENT_UDP_SIZE 1400
#define MAX_TTLS 64
#define FEW_TTLS 2
#define STEP_MS 1250
#define NOW_MS 1000000000u
#define CACHE_BYTES (64 * 1024)
#define CACHE_MAX_TTL 86400u
/* Entries up to this size always fit a CACHE_BYTES cache (1/8 of it, less overhead). */
#define SURE_TO_FIT 4096

struct qcase {
	const uint8_t *name; /* wire form, with the root label */
	size_t len;
	uint16_t qtype;
};

#define NAME(s) (const uint8_t *)(s), sizeof(s) /* sizeof counts the NUL: the root label */
static const struct qcase cases[SEL_CASE + 1] = {
	{NAME("\7example\3com"), DST_DNS_TYPE_A},
	{NAME("\3wWw\7ExAmPlE\3cOm"), DST_DNS_TYPE_A},
	{NAME("\7example\3com"), DST_DNS_TYPE_AAAA},
	{NAME("\7example\3com"), DST_DNS_TYPE_TXT},
	{NAME("\2nx\7example\3com"), DST_DNS_TYPE_A},
	{NAME("\7example\3com"), DST_DNS_TYPE_MX},
	{NAME(""), DST_DNS_TYPE_NS},
	{NAME("\7example\3com"), DST_DNS_TYPE_SOA},
};

/* Builds and parses the client's query that byte 0 describes. */
static void client_query(uint8_t sel, uint8_t *wire, size_t cap, size_t *len,
			 struct dst_dns_query *q)
{
	const struct qcase *c = &cases[sel & SEL_CASE];
	const bool edns = sel & SEL_EDNS;
	uint8_t *p = wire + DST_DNS_HEADER_LEN;

	FUZZ_CHECK(DST_DNS_HEADER_LEN + c->len + 4 + DST_DNS_OPT_LEN <= cap);
	memset(wire, 0, DST_DNS_HEADER_LEN);
	dst_dns_set_id(wire, CLIENT_ID);
	wire[2] = 0x01; /* RD */
	wire[3] = sel & SEL_CD ? 0x10 : 0;
	dst_dns_put16(wire + 4, 1);
	dst_dns_put16(wire + 10, edns ? 1 : 0);
	memcpy(p, c->name, c->len);
	p += c->len;
	dst_dns_put16(p, c->qtype);
	dst_dns_put16(p + 2, DST_DNS_CLASS_IN);
	p += 4;
	if (edns) {
		p[0] = 0;
		dst_dns_put16(p + 1, DST_DNS_TYPE_OPT);
		dst_dns_put16(p + 3, CLIENT_UDP_SIZE);
		dst_dns_put32(p + 5, sel & SEL_DO ? 0x8000 : 0);
		dst_dns_put16(p + 9, 0);
		p += DST_DNS_OPT_LEN;
	}
	*len = (size_t)(p - wire);
	FUZZ_CHECK(dst_dns_parse_query(wire, *len, q) == DST_DNS_QUERY_OK);
}

static uint32_t ttl_as_read(uint32_t ttl)
{
	return ttl & 0x80000000u ? 0 : ttl; /* RFC 2181 8 */
}

static uint32_t clamp_ttl(uint32_t ttl)
{
	ttl = ttl_as_read(ttl);
	return ttl > CACHE_MAX_TTL ? CACHE_MAX_TTL : ttl;
}

/* What a refused answer must leave behind, and when it must be refused. */
static void check_refused(int rc, const uint8_t *orig, size_t size, const uint8_t *w, size_t len)
{
	FUZZ_CHECK(rc == DST_EMISMATCH || rc == DST_EFORMAT);
	FUZZ_CHECK(len == size && memcmp(w, orig, size) == 0);
	if (size < DST_DNS_HEADER_LEN || size > DST_DNS_MAX_MSG)
		FUZZ_CHECK(rc == DST_EFORMAT);
	else if (!dst_dns_qr(orig) || dst_dns_opcode(orig) != 0 || dst_dns_id(orig) != EXPECT_ID ||
		 dst_dns_qdcount(orig) != 1)
		FUZZ_CHECK(rc == DST_EMISMATCH);
}

/* A prepared answer keeps the promises of dns.h. */
static void check_prepared(int rc, const uint8_t *orig, size_t size, const uint8_t *w, size_t len,
			   const struct dst_dns_query *q, const uint16_t *offs, size_t max,
			   const struct dst_dns_answer_info *info)
{
	const size_t qend = DST_DNS_HEADER_LEN + (size_t)q->qname_len + 4;
	const unsigned an = dst_dns_ancount(w), ns = dst_dns_nscount(w), ar = dst_dns_arcount(w);
	const unsigned ar0 = dst_dns_arcount(orig);
	const size_t records = (size_t)an + ns + ar;
	uint32_t min = UINT32_MAX;
	bool soa_listed = false;

	FUZZ_CHECK(len >= qend && len <= size);
	/* Only ARCOUNT changes in the header, and only by the one OPT. */
	FUZZ_CHECK(memcmp(w, orig, 10) == 0);
	FUZZ_CHECK(ar == ar0 || ar + 1 == ar0);
	if (ar == ar0)
		FUZZ_CHECK(info->rcode == dst_dns_rcode(w));
	FUZZ_CHECK((info->rcode & 0xf) == dst_dns_rcode(w));
	/* The question is the one asked, uncompressed. */
	for (size_t i = 0; i < q->qname_len; i++) {
		uint8_t b = w[DST_DNS_HEADER_LEN + i];

		FUZZ_CHECK((b >= 'A' && b <= 'Z' ? b + 32 : b) == q->qname_lower[i]);
	}
	FUZZ_CHECK(dst_dns_get16(w + qend - 4) == q->qtype);
	FUZZ_CHECK(dst_dns_get16(w + qend - 2) == q->qclass);

	/* One TTL per remaining record, in message order, inside the message. */
	if (rc == DST_ENOSPC)
		FUZZ_CHECK(info->nttl == max && records > max);
	else
		FUZZ_CHECK(info->nttl == records && records <= max);
	for (size_t i = 0; i < info->nttl; i++) {
		FUZZ_CHECK(offs[i] >= qend + 5 && (size_t)offs[i] + 4 <= len);
		if (i > 0)
			FUZZ_CHECK(offs[i] >= offs[i - 1] + 4u);
		if (ttl_as_read(dst_dns_get32(w + offs[i])) < min)
			min = ttl_as_read(dst_dns_get32(w + offs[i]));
		soa_listed |= info->has_soa && offs[i] == info->soa_ttl_off;
	}
	FUZZ_CHECK(rc == DST_ENOSPC ? info->min_ttl <= min : info->min_ttl == min);

	FUZZ_CHECK(info->tc == dst_dns_tc(w));
	FUZZ_CHECK(info->negative == (info->rcode == DST_DNS_RCODE_NXDOMAIN ||
				      (info->rcode == DST_DNS_RCODE_NOERROR && an == 0)));
	if (info->has_soa) {
		FUZZ_CHECK(info->negative && (size_t)info->soa_ttl_off + 4 <= len);
		FUZZ_CHECK(dst_dns_get16(w + info->soa_ttl_off - 4) == DST_DNS_TYPE_SOA);
		FUZZ_CHECK(soa_listed || rc == DST_ENOSPC);
	}
}

/* Preparing a prepared answer again finds nothing to change. */
static void check_idempotent(int rc, const uint8_t *w, size_t len, const struct dst_dns_query *q,
			     const uint16_t *offs, size_t max,
			     const struct dst_dns_answer_info *info)
{
	uint8_t *again = dst_fuzz_alloc(len);
	uint16_t offs2[MAX_TTLS];
	struct dst_dns_answer_info info2;
	size_t len2 = len;

	memcpy(again, w, len);
	FUZZ_CHECK(dst_dns_prepare_answer(again, &len2, EXPECT_ID, q, offs2, max, &info2) == rc);
	FUZZ_CHECK(len2 == len && memcmp(again, w, len) == 0);
	FUZZ_CHECK(info2.nttl == info->nttl &&
		   memcmp(offs2, offs, info->nttl * sizeof offs[0]) == 0);
	FUZZ_CHECK(info2.min_ttl == info->min_ttl && info2.tc == info->tc);
	FUZZ_CHECK(info2.rcode == (info->rcode & 0xf));
	if (info->rcode <= 15)
		FUZZ_CHECK(info2.negative == info->negative && info2.has_soa == info->has_soa &&
			   info2.soa_ttl_off == info->soa_ttl_off &&
			   info2.soa_minimum == info->soa_minimum);
	free(again);
}

/* Whether TXT RDATA (n bytes at p) is character-strings that fill it exactly. */
static bool txt_tiles(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n)
		i += 1u + p[i];
	return i == n;
}

/*
 * Whether ldns's view of a message dotstub accepted can be compared with
 * dotstub's. ldns reads the RDATA of the types it knows field by field and
 * does not always stop at RDLENGTH (extra bytes in an ISDN RDATA throw it
 * off the record boundaries), and it follows compression pointers in every
 * RDATA name it knows, while dotstub moves pointers only in owners and in
 * NS, CNAME, PTR, MX and SOA RDATA (dns-wire.md, RFC 3597 4). So only
 * messages whose every record has a type ldns delimits as dotstub does.
 */
static bool ldns_comparable(const uint8_t *w, size_t len)
{
	const unsigned rrs = (unsigned)dst_dns_ancount(w) + dst_dns_nscount(w) + dst_dns_arcount(w);
	struct dst_dns_cursor c;

	dst_dns_cursor_init(&c, w, len, DST_DNS_HEADER_LEN);
	dst_dns_skip_name(&c); /* the one question */
	dst_dns_skip(&c, 4);
	for (unsigned i = 0; i < rrs; i++) {
		dst_dns_skip_name(&c);
		uint16_t type = dst_dns_read16(&c);
		dst_dns_skip(&c, 6);
		uint16_t rdlen = dst_dns_read16(&c);
		size_t rdata = c.pos;

		dst_dns_skip(&c, rdlen);
		if (c.err)
			return false;
		switch (type) {
		case DST_DNS_TYPE_A:
			if (rdlen != 4)
				return false;
			break;
		case DST_DNS_TYPE_AAAA:
			if (rdlen != 16)
				return false;
			break;
		case DST_DNS_TYPE_TXT:
			if (!txt_tiles(w + rdata, rdlen))
				return false;
			break;
		case DST_DNS_TYPE_NS:
		case DST_DNS_TYPE_CNAME:
		case DST_DNS_TYPE_PTR:
		case DST_DNS_TYPE_MX:
		case DST_DNS_TYPE_SOA:
		case DST_DNS_TYPE_OPT:
			break; /* names and sizes checked by dst_dns_prepare_answer */
		default:
			if (type < 0xff00 || type == 0xffff)
				return false; /* only private types are opaque to ldns for sure */
			break;
		}
	}
	return true;
}

/* ldns sees the same records before and after the OPT was cut out. */
static void check_same_records(const uint8_t *orig, size_t size, const uint8_t *w, size_t len)
{
	ldns_pkt *a = NULL, *b = NULL;

	if (!ldns_comparable(orig, size) || ldns_wire2pkt(&a, orig, size) != LDNS_STATUS_OK)
		return;
	FUZZ_CHECK(ldns_wire2pkt(&b, w, len) == LDNS_STATUS_OK);
	FUZZ_CHECK(ldns_rr_list_compare(ldns_pkt_answer(a), ldns_pkt_answer(b)) == 0);
	FUZZ_CHECK(ldns_rr_list_compare(ldns_pkt_authority(a), ldns_pkt_authority(b)) == 0);
	FUZZ_CHECK(ldns_rr_list_compare(ldns_pkt_additional(a), ldns_pkt_additional(b)) == 0);
	ldns_pkt_free(b);
	ldns_pkt_free(a);
}

/* Sorts a few times in place (insertion sort). */
static void sort_times(uint64_t *t, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && t[j] < t[j - 1]; j--) {
			uint64_t x = t[j];

			t[j] = t[j - 1];
			t[j - 1] = x;
		}
}

/*
 * Stores the prepared answer in a fresh cache and looks it up at several
 * ages. Returns the bytes served at NOW_MS + step_ms (in a block the
 * caller frees) and their length in *out_len, or NULL when that was a miss.
 */
static uint8_t *cache_round_trip(const uint8_t *w, size_t len, const uint16_t *offs,
				 const struct dst_dns_answer_info *info,
				 const struct dst_dns_query *q, uint64_t step_ms, size_t *out_len)
{
	struct dst_cache *c = dst_cache_new(CACHE_BYTES, 0, CACHE_MAX_TTL);
	struct dst_cache_key key;
	uint8_t *out = dst_fuzz_alloc(len), *expect = dst_fuzz_alloc(len), *served = NULL;
	const uint32_t life = clamp_ttl(info->min_ttl);
	const uint64_t end = NOW_MS + (uint64_t)life * 1000;
	uint64_t t[4] = {NOW_MS, NOW_MS + step_ms, end, end > NOW_MS ? end - 1 : NOW_MS};
	bool stored;
	int s;

	FUZZ_CHECK(c != NULL);
	dst_cache_key_make(&key, q);
	s = dst_cache_store(c, &key, w, len, offs, info->nttl, NOW_MS);
	if (info->nttl == 0)
		FUZZ_CHECK(s == DST_EINVAL);
	else if (len <= SURE_TO_FIT)
		FUZZ_CHECK(s == 0);
	else
		FUZZ_CHECK(s == 0 || s == DST_ENOSPC);
	stored = s == 0 && info->nttl > 0 && life > 0;

	if (stored)
		FUZZ_CHECK(dst_cache_lookup(c, &key, NOW_MS, out, len - 1) == DST_ENOSPC);

	sort_times(t, 4);
	for (size_t i = 0; i < 4; i++) {
		ssize_t n = dst_cache_lookup(c, &key, t[i], out, len);
		uint32_t age = (uint32_t)((t[i] - NOW_MS) / 1000);

		if (!stored || t[i] >= end) {
			FUZZ_CHECK(n == 0);
			continue;
		}
		FUZZ_CHECK(n == (ssize_t)len);
		memcpy(expect, w, len);
		for (size_t k = 0; k < info->nttl; k++) {
			uint32_t ttl = clamp_ttl(dst_dns_get32(w + offs[k]));

			dst_dns_put32(expect + offs[k], ttl > age ? ttl - age : 0);
		}
		FUZZ_CHECK(memcmp(out, expect, len) == 0);
		if (t[i] == NOW_MS + step_ms && !served) {
			served = dst_fuzz_alloc(len);
			memcpy(served, out, len);
			*out_len = len;
		}
	}
	dst_cache_free(c);
	free(expect);
	free(out);
	return served;
}

/* The DO-clear form of a prepared answer (dns/dnssec.c). */
static void check_stripped(const uint8_t *w, size_t len, const struct dst_dns_query *q)
{
	uint8_t *out = dst_fuzz_alloc(DST_DNS_MAX_MSG), *again = dst_fuzz_alloc(DST_DNS_MAX_MSG);
	struct dst_dns_answer_info info;
	ssize_t n = dst_dns_strip_dnssec(w, len, q->qtype, out, DST_DNS_MAX_MSG);

	FUZZ_CHECK(n > 0 || n == DST_EFORMAT || n == DST_ENOSPC);
	if (n > 0) {
		size_t l = (size_t)n;
		unsigned before =
			(unsigned)dst_dns_ancount(w) + dst_dns_nscount(w) + dst_dns_arcount(w);
		unsigned after = (unsigned)dst_dns_ancount(out) + dst_dns_nscount(out) +
				 dst_dns_arcount(out);
		FUZZ_CHECK(after <= before);
		FUZZ_CHECK(memcmp(out, w, 4) == 0); /* ID and flags untouched */
		if (q->qtype != 46)
			FUZZ_CHECK(dst_dns_count_rrsigs(out, l) == 0);
		FUZZ_CHECK(dst_dns_strip_dnssec(out, l, q->qtype, again, DST_DNS_MAX_MSG) == n);
		FUZZ_CHECK(memcmp(out, again, l) == 0);
		int rc = dst_dns_prepare_answer(again, &l, EXPECT_ID, q, NULL, 0, &info);
		FUZZ_CHECK(rc == 0 || rc == DST_ENOSPC);
	}
	free(again);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t cq[DST_DNS_HEADER_LEN + DST_DNS_MAX_NAME + 4 + DST_DNS_OPT_LEN];
	struct dst_dns_answer_info info;
	struct dst_dns_query q;
	uint16_t offs[MAX_TTLS];
	uint8_t sel, *orig, *w, *served = NULL;
	size_t cq_len, len, max, served_len = 0;
	uint64_t step_ms;
	int rc, keepalive;

	if (size < 2)
		return 0;
	sel = data[0];
	step_ms = (uint64_t)data[1] * STEP_MS;
	data += 2;
	size -= 2;
	client_query(sel, cq, sizeof cq, &cq_len, &q);

	orig = dst_fuzz_alloc(size);
	memcpy(orig, data, size);
	if ((sel & SEL_FORCE_ID) && size >= 2)
		dst_dns_set_id(orig, EXPECT_ID);
	w = dst_fuzz_alloc(size);
	memcpy(w, orig, size);
	len = size;
	max = sel & SEL_FEW_TTLS ? FEW_TTLS : MAX_TTLS;

	/* The first answer on a connection is read for the server's keepalive. */
	keepalive = dst_dns_edns_keepalive(orig, size);
	FUZZ_CHECK(keepalive == DST_ENOENT || keepalive == DST_EFORMAT ||
		   (keepalive >= 0 && keepalive <= 0xffff));

	rc = dst_dns_prepare_answer(w, &len, EXPECT_ID, &q, offs, max, &info);
	if (rc != 0 && rc != DST_ENOSPC) {
		check_refused(rc, orig, size, w, len);
		goto out;
	}
	check_prepared(rc, orig, size, w, len, &q, offs, max, &info);
	FUZZ_CHECK(dst_dns_edns_keepalive(w, len) == DST_ENOENT); /* no OPT left */
	check_idempotent(rc, w, len, &q, offs, max, &info);
	check_same_records(orig, size, w, len);
	check_stripped(w, len, &q);

	/* An extended rcode cannot be served from the wire (dns.h): the resolver fails over. */
	if (info.rcode > 15)
		goto out;
	if (rc == 0)
		served = cache_round_trip(w, len, offs, &info, &q, step_ms, &served_len);
	if (!served) { /* not cached (or not any more): served as prepared */
		served = w;
		served_len = len;
		w = NULL;
	}
	/*
	 * No ldns parse of the result here: the oracle checks it byte for byte,
	 * and ldns can lose the record boundaries in RDATA it knows (see
	 * ldns_comparable).
	 */
	dst_fuzz_check_finish(served, served_len, cq, &q, q.udp_size, false);
	dst_fuzz_check_finish(served, served_len, cq, &q, DST_DNS_MAX_MSG, false);
out:
	free(served);
	free(w);
	free(orig);
	return 0;
}
