/*
 * Fuzz target: the client query path, from the bytes a client sends to
 * the bytes dotstub sends back or forwards.
 *
 * The input is one client message. dst_dns_parse_query vets it; then:
 * - DROP must be exactly "shorter than a header, or QR set";
 * - ERROR: the error response is built twice (into a fresh buffer and in
 *   place over the query, which the contract allows) with the same result,
 *   and must carry the query's ID, opcode and question, and parse in ldns;
 * - OK: the parsed fields must match the wire; the cache key must not
 *   depend on the qname's case; the upstream query built from it must be
 *   padded to a whole block, carry an empty keepalive option and parse
 *   back as the same question; and the answer an upstream would give to
 *   that query (its header and question with QR set, one TXT record whose
 *   size comes from the input, an OPT with padding and a keepalive timeout)
 *   must yield that timeout, and go through dst_dns_prepare_answer and
 *   dst_dns_finish_answer for this client with the limits 512, the
 *   client's own, and 65535 (see oracle.c). ANY questions also get the
 *   RFC 8482 answer, built both ways and checked; others must be refused.
 * Buffers given to the code under test are exact-size heap blocks.
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

#define FLAG_QR 0x80
#define ID_MIX 0x5a5a   /* the upstream ID, derived from the client's */
#define TXT_RR_FIXED 12 /* compressed owner (2), TYPE, CLASS, TTL, RDLENGTH */

static uint8_t lower(uint8_t b)
{
	return b >= 'A' && b <= 'Z' ? (uint8_t)(b + ('a' - 'A')) : b;
}

static uint8_t upper(uint8_t b)
{
	return b >= 'a' && b <= 'z' ? (uint8_t)(b - ('a' - 'A')) : b;
}

/* The error response for q with rcode, built both ways, checked, and parsed by ldns. */
static void check_error_response(const uint8_t *data, size_t size, const struct dst_dns_query *q,
				 unsigned rcode)
{
	const size_t qlen = q->question_end ? q->question_end - DST_DNS_HEADER_LEN : 0;
	const size_t want = DST_DNS_HEADER_LEN + qlen + (q->edns ? DST_DNS_OPT_LEN : 0);
	uint8_t *out = dst_fuzz_alloc(want), *inplace = dst_fuzz_alloc(size + DST_DNS_OPT_LEN);
	ldns_pkt *pkt = NULL;
	ssize_t n;

	FUZZ_CHECK(dst_dns_error_response(data, q, rcode, out, want - 1) == DST_ENOSPC);
	n = dst_dns_error_response(data, q, rcode, out, want);
	FUZZ_CHECK(n == (ssize_t)want);
	FUZZ_CHECK(dst_dns_id(out) == q->id && dst_dns_qr(out) && !dst_dns_tc(out));
	FUZZ_CHECK(dst_dns_opcode(out) == dst_dns_opcode(data));
	FUZZ_CHECK(dst_dns_rd(out) == q->rd && dst_dns_cd(out) == q->cd);
	FUZZ_CHECK(dst_dns_rcode(out) == (rcode & 0xf));
	FUZZ_CHECK(dst_dns_qdcount(out) == (qlen ? 1 : 0));
	FUZZ_CHECK(dst_dns_ancount(out) == 0 && dst_dns_nscount(out) == 0);
	FUZZ_CHECK(dst_dns_arcount(out) == (q->edns ? 1 : 0));
	FUZZ_CHECK(memcmp(out + DST_DNS_HEADER_LEN, data + DST_DNS_HEADER_LEN, qlen) == 0);

	/* out may be the query buffer itself: same bytes. */
	memcpy(inplace, data, size);
	FUZZ_CHECK(dst_dns_error_response(inplace, q, rcode, inplace, size + DST_DNS_OPT_LEN) == n);
	FUZZ_CHECK(memcmp(inplace, out, want) == 0);

	FUZZ_CHECK(ldns_wire2pkt(&pkt, out, want) == LDNS_STATUS_OK);
	FUZZ_CHECK(ldns_pkt_id(pkt) == q->id && ldns_pkt_qr(pkt));
	FUZZ_CHECK(ldns_pkt_qdcount(pkt) == (qlen ? 1 : 0));
	if (q->edns) {
		FUZZ_CHECK(ldns_pkt_edns(pkt));
		FUZZ_CHECK(ldns_pkt_edns_extended_rcode(pkt) == rcode >> 4);
		FUZZ_CHECK(ldns_pkt_edns_do(pkt) == q->do_bit);
	}
	ldns_pkt_free(pkt);
	free(inplace);
	free(out);
}

/*
 * The RFC 8482 answer to an ANY query, built both ways (fresh buffer and
 * in place), must echo the question and carry one HINFO "RFC8482" ""
 * record; any other question is refused with DST_EINVAL.
 */
static void check_any_answer(const uint8_t *data, size_t size, const struct dst_dns_query *q)
{
	static const uint8_t hinfo[] = {7, 'R', 'F', 'C', '8', '4', '8', '2', 0};
	const size_t qlen = q->question_end - DST_DNS_HEADER_LEN;
	const size_t opt = q->edns ? DST_DNS_OPT_LEN : 0;
	const size_t want = DST_DNS_HEADER_LEN + qlen + 12 + sizeof hinfo + opt;
	const size_t in_place_cap = size > want ? size : want;
	uint8_t *out = dst_fuzz_alloc(want), *inplace = dst_fuzz_alloc(in_place_cap), *rr;
	ssize_t n;

	if (q->qtype != DST_DNS_TYPE_ANY) {
		FUZZ_CHECK(dst_dns_any_answer(data, q, out, want) == DST_EINVAL);
		goto out;
	}
	FUZZ_CHECK(want <= 303);
	FUZZ_CHECK(dst_dns_any_answer(data, q, out, want - 1) == DST_ENOSPC);
	n = dst_dns_any_answer(data, q, out, want);
	FUZZ_CHECK(n == (ssize_t)want);
	FUZZ_CHECK(dst_dns_id(out) == q->id && dst_dns_qr(out) && !dst_dns_tc(out));
	FUZZ_CHECK(dst_dns_opcode(out) == 0 && (out[2] & 0x04) == 0); /* QUERY, not AA */
	FUZZ_CHECK(dst_dns_rd(out) == q->rd && dst_dns_cd(out) == q->cd);
	FUZZ_CHECK((out[3] & 0x80) && dst_dns_rcode(out) == DST_DNS_RCODE_NOERROR);
	FUZZ_CHECK(dst_dns_qdcount(out) == 1 && dst_dns_ancount(out) == 1);
	FUZZ_CHECK(dst_dns_nscount(out) == 0 && dst_dns_arcount(out) == (opt ? 1 : 0));
	FUZZ_CHECK(memcmp(out + DST_DNS_HEADER_LEN, data + DST_DNS_HEADER_LEN, qlen) == 0);
	rr = out + DST_DNS_HEADER_LEN + qlen;
	FUZZ_CHECK(dst_dns_get16(rr) == (0xc000 | DST_DNS_HEADER_LEN));
	FUZZ_CHECK(dst_dns_get16(rr + 2) == DST_DNS_TYPE_HINFO);
	FUZZ_CHECK(dst_dns_get16(rr + 4) ==
		   (q->qclass == 255 || q->qclass == 254 ? DST_DNS_CLASS_IN : q->qclass));
	FUZZ_CHECK(dst_dns_get32(rr + 6) == DST_DNS_ANY_TTL);
	FUZZ_CHECK(dst_dns_get16(rr + 10) == sizeof hinfo);
	FUZZ_CHECK(memcmp(rr + 12, hinfo, sizeof hinfo) == 0);
	if (opt)
		dst_fuzz_check_our_opt(rr + 12 + sizeof hinfo, q->do_bit);
	FUZZ_CHECK(dst_fuzz_ldns_parses(out, want));

	/* out may be the query buffer itself: same bytes. */
	memcpy(inplace, data, size);
	FUZZ_CHECK(dst_dns_any_answer(inplace, q, inplace, in_place_cap) == n);
	FUZZ_CHECK(memcmp(inplace, out, want) == 0);
out:
	free(inplace);
	free(out);
}

/* The parsed fields of an OK query agree with its wire. */
static void check_parsed(const uint8_t *data, size_t size, const struct dst_dns_query *q)
{
	const size_t qend = DST_DNS_HEADER_LEN + (size_t)q->qname_len + 4;

	FUZZ_CHECK(q->qname_len >= 1 && q->qname_len <= DST_DNS_MAX_NAME);
	FUZZ_CHECK(q->question_end == qend && qend <= size);
	for (size_t i = 0; i < q->qname_len; i++)
		FUZZ_CHECK(q->qname_lower[i] == lower(data[DST_DNS_HEADER_LEN + i]));
	FUZZ_CHECK(q->qname_lower[q->qname_len - 1] == 0);
	FUZZ_CHECK(q->qtype == dst_dns_get16(data + qend - 4));
	FUZZ_CHECK(q->qclass == dst_dns_get16(data + qend - 2));
	FUZZ_CHECK(dst_dns_qdcount(data) == 1 && dst_dns_ancount(data) == 0 &&
		   dst_dns_nscount(data) == 0);
	FUZZ_CHECK(q->udp_size >= DST_DNS_PLAIN_UDP_SIZE);
	if (!q->edns)
		FUZZ_CHECK(q->udp_size == DST_DNS_PLAIN_UDP_SIZE && !q->do_bit);
	else
		FUZZ_CHECK(q->edns_version == 0);
}

/* The key is the lower-cased question plus flags, and the qname's case does not change it. */
static void check_cache_key(const uint8_t *data, size_t size, const struct dst_dns_query *q)
{
	struct dst_cache_key key, key2;
	struct dst_dns_query q2;
	uint8_t *shout = dst_fuzz_alloc(size);

	dst_cache_key_make(&key, q);
	FUZZ_CHECK(key.len == q->qname_len + 5 && key.len <= DST_CACHE_KEY_MAX);
	FUZZ_CHECK(memcmp(key.data, q->qname_lower, q->qname_len) == 0);

	/* Label lengths are below 0x40, so upper-casing the whole name is safe. */
	memcpy(shout, data, size);
	for (size_t i = 0; i < q->qname_len; i++)
		shout[DST_DNS_HEADER_LEN + i] = upper(shout[DST_DNS_HEADER_LEN + i]);
	FUZZ_CHECK(dst_dns_parse_query(shout, size, &q2) == DST_DNS_QUERY_OK);
	dst_cache_key_make(&key2, &q2);
	FUZZ_CHECK(key2.len == key.len && memcmp(key2.data, key.data, key.len) == 0);
	free(shout);
}

/* Fills n bytes of TXT RDATA with character-strings, so that ldns accepts it. */
static void fill_txt(uint8_t *p, size_t n)
{
	while (n > 0) {
		size_t s = n - 1 > 255 ? 255 : n - 1;

		*p++ = (uint8_t)s;
		memset(p, 'x', s);
		p += s;
		n -= 1 + s;
	}
}

/*
 * Checks the upstream query built for q: the size rounded up to the padding
 * block, the question in the client's case, our OPT with an empty
 * keepalive option and zero padding, and that it parses back as the same
 * question.
 */
static void check_upstream_query(const uint8_t *data, const struct dst_dns_query *q,
				 const uint8_t *up, size_t ulen, uint16_t uid)
{
	const size_t qend = DST_DNS_HEADER_LEN + (size_t)q->qname_len + 4;
	const uint8_t *opt = up + qend, *o = opt + DST_DNS_OPT_LEN;
	const size_t rdlen = ulen - qend - DST_DNS_OPT_LEN;
	struct dst_dns_query uq;

	FUZZ_CHECK(ulen % DST_DNS_PAD_BLOCK == 0 && ulen >= qend + DST_DNS_OPT_LEN + 8 &&
		   ulen < qend + DST_DNS_OPT_LEN + 8 + DST_DNS_PAD_BLOCK);
	FUZZ_CHECK(memcmp(up + DST_DNS_HEADER_LEN, data + DST_DNS_HEADER_LEN, q->qname_len) == 0);
	FUZZ_CHECK(opt[0] == 0 && dst_dns_get16(opt + 1) == DST_DNS_TYPE_OPT);
	FUZZ_CHECK(dst_dns_get16(opt + 3) == DST_DNS_OUR_UDP_SIZE);
	FUZZ_CHECK(dst_dns_get32(opt + 5) == (q->do_bit ? 0x8000u : 0));
	FUZZ_CHECK(dst_dns_get16(opt + 9) == rdlen);
	FUZZ_CHECK(dst_dns_get16(o) == DST_DNS_EDNS_KEEPALIVE && dst_dns_get16(o + 2) == 0);
	FUZZ_CHECK(dst_dns_get16(o + 4) == DST_DNS_EDNS_PADDING &&
		   dst_dns_get16(o + 6) == rdlen - 8);
	for (size_t i = 8; i < rdlen; i++)
		FUZZ_CHECK(o[i] == 0);
	/* An empty keepalive option has no value to report. */
	FUZZ_CHECK(dst_dns_edns_keepalive(up, ulen) == DST_ENOENT);

	FUZZ_CHECK(dst_dns_parse_query(up, ulen, &uq) == DST_DNS_QUERY_OK);
	FUZZ_CHECK(uq.id == uid && uq.rd && uq.cd == q->cd);
	FUZZ_CHECK(uq.edns && uq.do_bit == q->do_bit && uq.udp_size == DST_DNS_OUR_UDP_SIZE);
	FUZZ_CHECK(uq.qname_len == q->qname_len &&
		   memcmp(uq.qname_lower, q->qname_lower, q->qname_len) == 0);
	FUZZ_CHECK(uq.qtype == q->qtype && uq.qclass == q->qclass);
	FUZZ_CHECK(dst_fuzz_ldns_parses(up, ulen));
}

/*
 * The upstream query for q is sound; an answer to it (its header and
 * question with QR set, one TXT RR, and an OPT with a keepalive timeout
 * and some padding, as a DoT server sends) gives up its keepalive value,
 * prepares cleanly and finishes for this client.
 */
static void check_upstream_round_trip(const uint8_t *data, const struct dst_dns_query *q)
{
	const uint16_t uid = q->id ^ ID_MIX;
	const size_t qend = DST_DNS_HEADER_LEN + (size_t)q->qname_len + 4;
	const size_t ulen_max = qend + DST_DNS_OPT_LEN + 8 + DST_DNS_PAD_BLOCK;
	/* 1..1024 bytes: some answers fit 512, some need truncating. */
	const size_t rdlen = 1 + (q->id & 0x3ff);
	const size_t pad = q->id % 61;
	const size_t optlen = DST_DNS_OPT_LEN + 6 + 4 + pad;
	const size_t alen = qend + TXT_RR_FIXED + rdlen + optlen;
	const uint16_t keepalive = (uint16_t)(q->id * 31u);
	const uint32_t ttl = (uint32_t)q->id * 0x10001u; /* top bit set for half the IDs */
	uint8_t *up = dst_fuzz_alloc(ulen_max), *ans = dst_fuzz_alloc(alen), *p;
	struct dst_dns_answer_info info;
	uint16_t offs[4];
	size_t plen = alen;
	ssize_t ulen;

	ulen = dst_dns_upstream_query(data, q, uid, up, ulen_max);
	FUZZ_CHECK(ulen > 0);
	FUZZ_CHECK(dst_dns_upstream_query(data, q, uid, up, (size_t)ulen - 1) == DST_ENOSPC);
	FUZZ_CHECK(dst_dns_upstream_query(data, q, uid, up, (size_t)ulen) == ulen);
	check_upstream_query(data, q, up, (size_t)ulen, uid);

	memcpy(ans, up, qend);
	ans[2] |= FLAG_QR;
	dst_dns_put16(ans + 6, 1);
	p = ans + qend;
	dst_dns_put16(p, 0xc000 | DST_DNS_HEADER_LEN);
	dst_dns_put16(p + 2, DST_DNS_TYPE_TXT);
	dst_dns_put16(p + 4, DST_DNS_CLASS_IN);
	dst_dns_put32(p + 6, ttl);
	dst_dns_put16(p + 10, (uint16_t)rdlen);
	fill_txt(p + TXT_RR_FIXED, rdlen);
	p += TXT_RR_FIXED + rdlen;
	p[0] = 0;
	dst_dns_put16(p + 1, DST_DNS_TYPE_OPT);
	dst_dns_put16(p + 3, 1232);
	dst_dns_put32(p + 5, 0);
	dst_dns_put16(p + 9, (uint16_t)(optlen - DST_DNS_OPT_LEN));
	dst_dns_put16(p + 11, DST_DNS_EDNS_PADDING);
	dst_dns_put16(p + 13, (uint16_t)pad);
	memset(p + 15, 0, pad);
	dst_dns_put16(p + 15 + pad, DST_DNS_EDNS_KEEPALIVE);
	dst_dns_put16(p + 17 + pad, 2);
	dst_dns_put16(p + 19 + pad, keepalive);
	FUZZ_CHECK(dst_dns_edns_keepalive(ans, alen) == keepalive);

	FUZZ_CHECK(dst_dns_prepare_answer(ans, &plen, uid, q, offs, 4, &info) == 0);
	FUZZ_CHECK(plen == alen - optlen && dst_dns_arcount(ans) == 0);
	FUZZ_CHECK(info.nttl == 1 && offs[0] == qend + 6);
	FUZZ_CHECK(info.rcode == 0 && !info.negative && !info.tc);
	FUZZ_CHECK(info.min_ttl == (ttl & 0x80000000u ? 0 : ttl));
	FUZZ_CHECK(dst_dns_edns_keepalive(ans, plen) == DST_ENOENT);

	dst_fuzz_check_finish(ans, plen, data, q, DST_DNS_PLAIN_UDP_SIZE, true);
	dst_fuzz_check_finish(ans, plen, data, q, q->udp_size, true);
	dst_fuzz_check_finish(ans, plen, data, q, DST_DNS_MAX_MSG, true);
	free(ans);
	free(up);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dst_dns_query q;
	enum dst_dns_verdict v = dst_dns_parse_query(data, size, &q);

	if (size < DST_DNS_HEADER_LEN || dst_dns_qr(data)) {
		FUZZ_CHECK(v == DST_DNS_QUERY_DROP);
		return 0;
	}
	FUZZ_CHECK(v != DST_DNS_QUERY_DROP);
	FUZZ_CHECK(q.id == dst_dns_id(data));
	FUZZ_CHECK(q.rd == dst_dns_rd(data) && q.cd == dst_dns_cd(data));
	if (dst_dns_opcode(data) != 0)
		FUZZ_CHECK(v == DST_DNS_QUERY_ERROR && q.rcode == DST_DNS_RCODE_NOTIMP);
	if (q.question_end != 0)
		FUZZ_CHECK(q.question_end == DST_DNS_HEADER_LEN + q.qname_len + 4u &&
			   q.question_end <= size);

	if (v == DST_DNS_QUERY_ERROR) {
		FUZZ_CHECK(q.rcode == DST_DNS_RCODE_FORMERR || q.rcode == DST_DNS_RCODE_NOTIMP ||
			   q.rcode == DST_DNS_RCODE_BADVERS);
		if (q.rcode == DST_DNS_RCODE_BADVERS)
			FUZZ_CHECK(q.edns && q.edns_version != 0);
		check_error_response(data, size, &q, q.rcode);
		return 0;
	}

	FUZZ_CHECK(v == DST_DNS_QUERY_OK);
	check_parsed(data, size, &q);
	check_cache_key(data, size, &q);
	/* What the resolver answers when every upstream failed, or the ACL says no. */
	check_error_response(data, size, &q, DST_DNS_RCODE_SERVFAIL);
	check_error_response(data, size, &q, DST_DNS_RCODE_REFUSED);
	check_any_answer(data, size, &q);
	check_upstream_round_trip(data, &q);
	return 0;
}
