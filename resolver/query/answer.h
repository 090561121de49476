/*
 * The fast path: what every client message gets before anything else,
 * on the main loop and in every worker loop alike. Malformed messages get
 * FORMERR (or nothing), hosts names, blocked names and local zones the
 * policy's answer (policy/policy.h), ANY the minimal answer of RFC 8482, and a
 * cache hit is copied out with the client's ID and TTLs lowered by its
 * age. Everything else is a miss for the caller to handle. No allocation
 * and no system call: this is the hot path, written once here and inlined
 * into both callers (query/queries.c, listen/workers.c), which measured
 * 28 instructions per hit less than a call.
 */
#ifndef DST_QUERY_ANSWER_H
#define DST_QUERY_ANSWER_H

#include "resolver/policy/policy.h"
#include "resolver/query/query.h"

/*
 * Parses wire into *dq and answers what needs no upstream into scratch
 * (cap bytes), setting *n to the answer's length; on a miss *key is made.
 * policy (NULL: none) answers hosts names, blocked names and local zones
 * first (DST_FAST_LOCAL, DST_FAST_BLOCKED): before ANY and the cache, so a
 * blocked name is blocked whatever the type. cache NULL: no lookup. ecs_pass: [server] ecs = pass (a query with a
 * client subnet is not looked up). udp: the client's payload size limits
 * the answer. Plain arguments rather than a struct: inlined, they stay in
 * registers on the hit path. No allocation.
 */
static inline enum dst_fast_verdict dst_answer_fast(const uint8_t *wire, size_t len,
						    const struct dst_policy *policy,
						    struct dst_cache *cache, bool ecs_pass,
						    bool udp, uint64_t now_ms, uint8_t *scratch,
						    size_t cap, struct dst_dns_query *dq,
						    struct dst_cache_key *key, size_t *n)
{
	ssize_t r;

	switch (dst_dns_parse_query(wire, len, dq)) {
	case DST_DNS_QUERY_DROP:
		return DST_FAST_DROP;
	case DST_DNS_QUERY_ERROR:
		r = dst_dns_error_response(wire, dq, dq->rcode, scratch, cap);
		if (r <= 0)
			return DST_FAST_DROP;
		*n = (size_t)r;
		return DST_FAST_REPLY;
	case DST_DNS_QUERY_OK:
		break;
	}
	if (policy && dst_policy_maybe(policy, dq)) {
		enum dst_policy_verdict pv = dst_policy_answer(
			policy, wire, dq, udp ? dq->udp_size : DST_DNS_MAX_MSG, scratch, cap, n);
		if (pv != DST_POLICY_PASS)
			return pv == DST_POLICY_LOCAL ? DST_FAST_LOCAL : DST_FAST_BLOCKED;
	}
	if (dq->qtype == DST_DNS_TYPE_ANY) {
		r = dst_dns_any_answer(wire, dq, scratch, cap);
		*n = r > 0 ? (size_t)r : 0;
		return DST_FAST_ANY;
	}
	dst_cache_key_make(key, dq);
	/* With ecs = pass a client's subnet goes upstream: its answer is not shared. */
	if (!cache || (dq->ecs_len && ecs_pass))
		return DST_FAST_MISS;
	unsigned flags = 0;
	r = dst_cache_lookup_ex(cache, key, now_ms, scratch, cap, &flags);
	if (r > 0)
		r = dst_dns_finish_answer(scratch, (size_t)r, cap, wire, dq,
					  udp ? dq->udp_size : DST_DNS_MAX_MSG);
	if (r <= 0)
		return DST_FAST_MISS;
	*n = (size_t)r;
	return flags & DST_CACHE_PREFETCH ? DST_FAST_HIT_PREFETCH : DST_FAST_HIT;
}

#endif
