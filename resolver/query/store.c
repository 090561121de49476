/*
 * A query and the cache: what it leaves there (answers with their TTLs,
 * negative ones by RFC 2308, and SERVFAIL for servfail-ttl when every
 * upstream said so), and the expired entry it may answer with meanwhile
 * (RFC 8767).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

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

	if (!qs->cache || !qs->cfg->cache_servfail_ttl || q->answered ||
	    dst_query__ecs_passed(qs, &q->dq))
		return;
	plain.edns = false;
	ssize_t n =
		dst_dns_error_response(q->req, &plain, DST_DNS_RCODE_SERVFAIL, buf, sizeof(buf));
	if (n > 0)
		dst_cache_store_capped(qs->cache, &q->key, buf, (size_t)n, NULL, 0,
				       dst_queries__now(qs), qs->cfg->cache_servfail_ttl);
}

/*
 * Answers q's client (and whoever joined q) from an expired cache entry
 * within the serve-stale window (RFC 8767: TTL 30). Returns false when
 * there is none. The query itself goes on, so the entry gets refreshed.
 */
bool dst_query__serve_stale(struct dst_query *q)
{
	struct dst_queries *qs = q->qs;
	unsigned flags;

	if (q->answered || !qs->cache || !qs->cfg->cache_serve_stale_ms)
		return false;
	ssize_t n = dst_cache_lookup_stale(qs->cache, &q->key, dst_queries__now(qs), qs->scratch,
					   sizeof(qs->scratch), &flags);
	if (n <= 0)
		return false;
	/* finish_answer works in place: keep the entry's bytes for each client. */
	uint8_t *stale = malloc((size_t)n);
	if (!stale)
		return false;
	memcpy(stale, qs->scratch, (size_t)n);
	dst_query__answer_one(q, qs->scratch, (size_t)n);
	q->answered = true;
	qs->stats.stale++;
	struct dst_query *w;
	while ((w = dst_query__pop_waiter(q))) {
		memcpy(qs->scratch, stale, (size_t)n);
		dst_query__answer_one(w, qs->scratch, (size_t)n);
		qs->stats.stale++;
		dst_query__finish(w);
	}
	free(stale);
	return true;
}

static void on_stale_timeout(uv_timer_t *t)
{
	dst_query__serve_stale(t->data);
}

/*
 * A client waiting on a miss whose expired entry is still in the stale
 * window gets that entry after stale-answer-timeout if nothing fresh came
 * by then (RFC 8767). The timer exists only for such queries.
 */
void dst_query__start_stale_timer(struct dst_query *q)
{
	struct dst_queries *qs = q->qs;
	const struct dst_config *cfg = qs->cfg;

	if (!qs->cache || !cfg->cache_serve_stale_ms || !cfg->cache_stale_timeout_ms ||
	    !(q->to.udp || q->to.tcp) || cfg->cache_stale_timeout_ms >= cfg->query_timeout_ms ||
	    !dst_cache_has_stale(qs->cache, &q->key, dst_queries__now(qs)))
		return;
	uv_timer_init(qs->loop, &q->stale_timer);
	q->stale_timer.data = q;
	q->has_stale = true;
	q->handles++;
	uv_timer_start(&q->stale_timer, on_stale_timeout, cfg->cache_stale_timeout_ms, 0);
}
