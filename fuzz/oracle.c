/*
 * DNS oracles shared by the fuzz targets (see oracle.h).
 *
 * The expected values are worked out here from the header's contract, not
 * from dns/wire.c: when the two disagree, one of them is wrong, and the
 * crash report says which promise was broken.
 */
#include "fuzz/oracle.h"

/* Before ldns: without it, ldns/common.h defines _Bool as signed char. */
#include <stdbool.h>

#include <ldns/ldns.h>
#include <string.h>

#include "dns/err.h"
#include "fuzz/fuzz.h"

/* Flag bits of header bytes 2 and 3. */
#define B2_TC 0x02
#define B2_RD 0x01
#define B3_CD 0x10
#define DO_BIT 0x8000

bool dst_fuzz_ldns_parses(const uint8_t *wire, size_t len)
{
	ldns_pkt *pkt = NULL;

	if (ldns_wire2pkt(&pkt, wire, len) != LDNS_STATUS_OK)
		return false;
	ldns_pkt_free(pkt);
	return true;
}

void dst_fuzz_check_our_opt(const uint8_t *p, bool do_bit)
{
	FUZZ_CHECK(p[0] == 0);
	FUZZ_CHECK(dst_dns_get16(p + 1) == DST_DNS_TYPE_OPT);
	FUZZ_CHECK(dst_dns_get16(p + 3) == DST_DNS_OUR_UDP_SIZE);
	FUZZ_CHECK(p[5] == 0 && p[6] == 0);
	FUZZ_CHECK(dst_dns_get16(p + 7) == (do_bit ? DO_BIT : 0));
	FUZZ_CHECK(dst_dns_get16(p + 9) == 0);
}

void dst_fuzz_check_finish(const uint8_t *answer, size_t len, const uint8_t *client_query,
			   const struct dst_dns_query *q, size_t limit, bool must_parse)
{
	const size_t qend = DST_DNS_HEADER_LEN + (size_t)q->qname_len + 4;
	const size_t opt = q->edns ? DST_DNS_OPT_LEN : 0;
	const bool whole = len + opt <= limit;
	const size_t want = whole ? len + opt : qend + opt;
	const size_t cap = len + opt;
	uint8_t *w = dst_fuzz_alloc(cap);
	ssize_t n;

	FUZZ_CHECK(len >= qend && dst_dns_qdcount(answer) == 1);
	/* The limits used here always leave room for the truncated form. */
	FUZZ_CHECK(qend + opt <= limit);

	/* One byte short of what the result needs: refused, nothing written. */
	memcpy(w, answer, len);
	n = dst_dns_finish_answer(w, len, want - 1, client_query, q, limit);
	FUZZ_CHECK(n == (want - 1 < len ? DST_EINVAL : DST_ENOSPC));
	FUZZ_CHECK(memcmp(w, answer, len) == 0);

	n = dst_dns_finish_answer(w, len, cap, client_query, q, limit);
	FUZZ_CHECK(n == (ssize_t)want);

	/* Header: client's ID, RD and CD; TC when cut; AD as below; the answer's other bits. */
	FUZZ_CHECK(dst_dns_id(w) == q->id);
	FUZZ_CHECK((w[2] & ~(B2_TC | B2_RD)) == (answer[2] & ~(B2_TC | B2_RD)));
	FUZZ_CHECK(dst_dns_tc(w) == (whole ? dst_dns_tc(answer) : true));
	FUZZ_CHECK(dst_dns_rd(w) == q->rd);
	FUZZ_CHECK((w[3] & ~(B3_CD | DST_DNS_FLAG_AD)) == (answer[3] & ~(B3_CD | DST_DNS_FLAG_AD)));
	FUZZ_CHECK(dst_dns_cd(w) == q->cd);
	/* AD only for a client that set DO or AD (RFC 6840 5.8), else as the answer had it. */
	FUZZ_CHECK(dst_dns_ad(w) == (dst_dns_ad(answer) && (q->do_bit || q->ad)));
	FUZZ_CHECK(dst_dns_qdcount(w) == 1);
	FUZZ_CHECK(dst_dns_ancount(w) == (whole ? dst_dns_ancount(answer) : 0));
	FUZZ_CHECK(dst_dns_nscount(w) == (whole ? dst_dns_nscount(answer) : 0));
	FUZZ_CHECK(dst_dns_arcount(w) == (whole ? dst_dns_arcount(answer) : 0) + (opt ? 1 : 0));

	/* Question: the client's qname bytes, the answer's type and class. */
	FUZZ_CHECK(memcmp(w + DST_DNS_HEADER_LEN, client_query + DST_DNS_HEADER_LEN,
			  q->qname_len) == 0);
	FUZZ_CHECK(memcmp(w + qend - 4, answer + qend - 4, 4) == 0);

	/* Records: untouched when sent whole; then our OPT for EDNS clients. */
	if (whole)
		FUZZ_CHECK(memcmp(w + qend, answer + qend, len - qend) == 0);
	if (opt)
		dst_fuzz_check_our_opt(w + want - opt, q->do_bit);

	if (must_parse)
		FUZZ_CHECK(dst_fuzz_ldns_parses(w, (size_t)n));
	free(w);
}
