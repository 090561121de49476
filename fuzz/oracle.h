/*
 * DNS oracles shared by fuzz_query and fuzz_answer: checks that restate a
 * contract of dns/dns.h from the outside, so a fuzz target can tell a
 * wrong answer from a right one and not only a crash from no crash.
 *
 * They abort through FUZZ_CHECK on the first broken promise. Every buffer
 * they hand to the code under test is a fresh heap block of exactly the
 * size the call is told, so an overrun shows up under ASan.
 */
#ifndef DST_FUZZ_ORACLE_H
#define DST_FUZZ_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"

/*
 * Runs dst_dns_finish_answer on a copy of a prepared answer (len bytes)
 * for the client whose query is client_query/q, with the given limit, and
 * checks the result against the contract: one byte less room is refused
 * without writing, the right size (whole or truncated), the client's ID,
 * qname bytes, RD and CD, the answer's other flags and rcode, the records
 * untouched, and our OPT when the client sent EDNS. When must_parse is
 * set, ldns must also accept the result.
 * answer must hold a prepared answer for q's question (QDCOUNT 1, an
 * uncompressed qname of q->qname_len bytes).
 */
void dst_fuzz_check_finish(const uint8_t *answer, size_t len, const uint8_t *client_query,
			   const struct dst_dns_query *q, size_t limit, bool must_parse);

/*
 * Checks the OPT RR dotstub writes into its own messages (DST_DNS_OPT_LEN
 * bytes at p): root owner, our payload size, no extended rcode, version 0,
 * DO as given, no options.
 */
void dst_fuzz_check_our_opt(const uint8_t *p, bool do_bit);

/* Whether ldns parses wire as a whole DNS message. */
bool dst_fuzz_ldns_parses(const uint8_t *wire, size_t len);

#endif
