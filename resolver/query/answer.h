/*
 * The fast path: what every client message gets before anything else,
 * on the main loop and in every worker loop alike. Malformed messages get
 * FORMERR (or nothing), ANY gets the minimal answer of RFC 8482, and a
 * cache hit is copied out with the client's ID and TTLs lowered by its
 * age. Everything else is a miss for the caller to handle. No allocation
 * and no system call: this is the hot path, written once here and inlined
 * into both callers (query/queries.c, listen/workers.c), which measured
 * 28 instructions per hit less than a call.
 */
#ifndef DST_QUERY_ANSWER_H
#define DST_QUERY_ANSWER_H

#include "resolver/query/query.h"

/* Parses wire and answers what needs no upstream into f->scratch. No allocation. */
static inline enum dst_fast_verdict dst_answer_fast(struct dst_fast *f, const uint8_t *wire,
						    size_t len)
{
	struct dst_dns_query *dq = &f->dq;
	ssize_t n;

	f->any = f->prefetch = false;
	switch (dst_dns_parse_query(wire, len, dq)) {
	case DST_DNS_QUERY_DROP:
		return DST_FAST_DROP;
	case DST_DNS_QUERY_ERROR:
		n = dst_dns_error_response(wire, dq, dq->rcode, f->scratch, f->cap);
		if (n <= 0)
			return DST_FAST_DROP;
		f->len = (size_t)n;
		return DST_FAST_REPLY;
	case DST_DNS_QUERY_OK:
		break;
	}
	if (dq->qtype == DST_DNS_TYPE_ANY) {
		f->any = true;
		n = dst_dns_any_answer(wire, dq, f->scratch, f->cap);
		if (n <= 0)
			return DST_FAST_DROP;
		f->len = (size_t)n;
		return DST_FAST_REPLY;
	}
	dst_cache_key_make(&f->key, dq);
	/* With ecs = pass a client's subnet goes upstream: its answer is not shared. */
	if (!f->cache || (dq->ecs_len && f->ecs_pass))
		return DST_FAST_MISS;
	unsigned flags = 0;
	n = dst_cache_lookup_ex(f->cache, &f->key, f->now_ms, f->scratch, f->cap, &flags);
	if (n > 0)
		n = dst_dns_finish_answer(f->scratch, (size_t)n, f->cap, wire, dq,
					  f->udp ? dq->udp_size : DST_DNS_MAX_MSG);
	if (n <= 0)
		return DST_FAST_MISS;
	f->len = (size_t)n;
	f->prefetch = (flags & DST_CACHE_PREFETCH) != 0;
	return DST_FAST_HIT;
}

#endif
