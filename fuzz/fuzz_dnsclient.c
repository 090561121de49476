/*
 * Fuzz target: what the plain DNS client (resolver/io/dnsclient.h) does
 * with bytes: matching a reply from the network against the query asked
 * (dst_dnsc_reply_matches), and the UDP form of a query
 * (dst_dnsc_plain_query).
 *
 * Input layout: byte 0 is the query's length k (cut to what is there),
 * then k bytes of query, then the reply. Each goes to the code under test
 * in an exact-size heap block, so a read past either end shows up under
 * ASan.
 *
 * The oracle: a reply taken must have a header, QR set, the query's ID and
 * one question; the UDP form of a query is never longer than it, keeps
 * header and question, has at most the one OPT record with a 1232-byte
 * payload and no padding or keepalive left, and making it again changes
 * nothing.
 */
#include <string.h>

#include "dns/dns.h"
#include "dns/err.h"
#include "fuzz/fuzz.h"
#include "resolver/io/dnsclient.h"

static uint8_t *copy(const uint8_t *p, size_t n)
{
	uint8_t *b = malloc(n ? n : 1);

	FUZZ_CHECK(b != NULL);
	memcpy(b, p, n);
	return b;
}

/* No padding or keepalive option in the OPT at off (rdlen bytes of options). */
static void check_options(const uint8_t *w, size_t off, size_t rdlen)
{
	size_t p = off, end = off + rdlen;

	while (p + 4 <= end) {
		uint16_t code = dst_dns_get16(w + p), olen = dst_dns_get16(w + p + 2);
		FUZZ_CHECK(code != DST_DNS_EDNS_PADDING && code != DST_DNS_EDNS_KEEPALIVE);
		p += 4u + olen;
	}
	FUZZ_CHECK(p == end);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	size_t k = data[0] < size - 1 ? data[0] : size - 1;
	uint8_t *q = copy(data + 1, k), *r = copy(data + 1 + k, size - 1 - k);
	size_t rlen = size - 1 - k;

	if (dst_dnsc_reply_matches(q, k, r, rlen)) {
		FUZZ_CHECK(rlen >= DST_DNS_HEADER_LEN && k >= DST_DNS_HEADER_LEN);
		FUZZ_CHECK(r[2] & 0x80);
		FUZZ_CHECK(r[0] == q[0] && r[1] == q[1]);
		FUZZ_CHECK(dst_dns_qdcount(r) == 1);
	}

	uint8_t *orig = copy(q, k);
	ssize_t n = dst_dnsc_plain_query(q, k);
	FUZZ_CHECK(n == DST_EINVAL || (n >= DST_DNS_HEADER_LEN && (size_t)n <= k));
	if (n > 0) {
		FUZZ_CHECK(memcmp(q, orig, DST_DNS_HEADER_LEN) == 0);
		if (dst_dns_arcount(q) == 1) {
			/* The OPT follows the question: find it from the end (its RDATA is last). */
			size_t opt = DST_DNS_HEADER_LEN;
			while (q[opt] != 0)
				opt += q[opt] + 1u;
			opt += 5;
			FUZZ_CHECK(opt + DST_DNS_OPT_LEN <= (size_t)n);
			FUZZ_CHECK(dst_dns_get16(q + opt + 3) == DST_DNSC_UDP_SIZE);
			FUZZ_CHECK(opt + DST_DNS_OPT_LEN + dst_dns_get16(q + opt + 9) == (size_t)n);
			check_options(q, opt + DST_DNS_OPT_LEN, dst_dns_get16(q + opt + 9));
		}
		uint8_t *again = copy(q, (size_t)n);
		FUZZ_CHECK(dst_dnsc_plain_query(again, (size_t)n) == n);
		FUZZ_CHECK(memcmp(again, q, (size_t)n) == 0);
		free(again);
	}
	free(orig);
	free(q);
	free(r);
	return 0;
}
