/*
 * What a query leaves in the cache: answers with their TTLs (negative ones
 * by RFC 2308), and SERVFAIL for servfail-ttl when every upstream said so.
 */
#include "config.h"

#include "resolver/query/internal.h"

/*
 * With ecs = pass a client's subnet goes upstream and the answer may be
 * tailored to it: such answers stay out of the shared cache.
 */
bool dst_query__ecs_passed(const struct dst_queries *qs, const struct dst_dns_query *dq)
{
	return dq->ecs_len && qs->cfg->ecs == DST_CONFIG_ECS_PASS;
}

/*
 * Caches what may be cached: NOERROR and NXDOMAIN without TC. A negative
 * answer is cached only with an SOA, for min(SOA TTL, MINIMUM) (RFC 2308),
 * which is also written into the SOA's TTL so clients see it count down.
 */
void dst_query__cache_answer(struct dst_query *q, uint8_t *wire, size_t len,
			 const struct dst_dns_answer_info *info)
{
	struct dst_queries *qs = q->qs;
	const struct dst_config *cfg = qs->cfg;

	if (!qs->cache || info->tc || info->nttl == 0 || dst_query__ecs_passed(qs, &q->dq))
		return;
	if (info->rcode != DST_DNS_RCODE_NOERROR && info->rcode != DST_DNS_RCODE_NXDOMAIN)
		return;
	if (!info->negative) {
		dst_cache_store(qs->cache, &q->key, wire, len, qs->ttl_offs, info->nttl,
				dst_queries__now(qs));
		return;
	}
	if (!info->has_soa)
		return;
	uint32_t ttl = dst_dns_get32(wire + info->soa_ttl_off);
	if (ttl & 0x80000000u)
		ttl = 0;
	if (info->soa_minimum < ttl)
		dst_dns_put32(wire + info->soa_ttl_off, info->soa_minimum);
	/* Negative answers: min-ttl does not raise them, negative-max-ttl caps them. */
	dst_cache_store_capped(qs->cache, &q->key, wire, len, qs->ttl_offs, info->nttl,
			       dst_queries__now(qs), cfg->cache_negative_max_ttl);
}

/*
 * Every upstream answered SERVFAIL (not merely failed to answer): remember
 * that for servfail-ttl (RFC 9520) so a broken domain costs one round of
 * upstream queries, not one per client retry. Stored without OPT, like
 * every entry; never over a stale entry that could still be served.
 */
void dst_query__cache_servfail(struct dst_query *q)
{
	struct dst_queries *qs = q->qs;
	struct dst_dns_query plain = q->dq;
	uint8_t buf[DST_DNS_HEADER_LEN + DST_DNS_MAX_NAME + 4];

	if (!qs->cache || !qs->cfg->cache_servfail_ttl || q->answered || dst_query__ecs_passed(qs, &q->dq))
		return;
	plain.edns = false;
	ssize_t n = dst_dns_error_response(q->req, &plain, DST_DNS_RCODE_SERVFAIL, buf, sizeof(buf));
	if (n > 0)
		dst_cache_store_capped(qs->cache, &q->key, buf, (size_t)n, NULL, 0, dst_queries__now(qs),
				       qs->cfg->cache_servfail_ttl);
}

