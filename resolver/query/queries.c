/*
 * The query engine as a whole: where every client message enters
 * (dst_query_handle: the fast path of answer.h, else a query), the
 * notifications that move many queries at once (hedge, kick, abort), the
 * engine's lifetime and what a reload or a report asks of it. One
 * query's own life is query.c's.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "resolver/query/answer.h"
#include "resolver/query/internal.h"
#include "resolver/upstream/upstream.h"

void dst_query_reject(struct dst_queries *qs, const uint8_t *wire, size_t len,
		      const struct dst_reply_to *to, unsigned rcode, bool tc)
{
	struct dst_dns_query dq;
	enum dst_dns_verdict v = dst_dns_parse_query(wire, len, &dq);

	if (v == DST_DNS_QUERY_DROP || (tc && v != DST_DNS_QUERY_OK))
		return;
	ssize_t n = dst_dns_error_response(wire, &dq, rcode, qs->scratch, sizeof(qs->scratch));
	/* Header + question (+ a bare OPT) is never more than the query held. */
	if (n <= 0 || (size_t)n > len)
		return;
	if (tc)
		qs->scratch[2] |= 0x02; /* TC: the client retries over TCP */
	qs->ops.send(qs->ops.arg, to, qs->scratch, (size_t)n);
}

/*
 * Every client message comes through here, UDP or TCP. Errors, ANY and
 * cache hits are answered at once from qs->scratch; a miss becomes a query.
 */
/* Inlined into its two callers: a call and its register saves cost ~20 instructions per hit. */
static inline __attribute__((always_inline)) void handle(struct dst_queries *qs,
							 const uint8_t *wire, size_t len,
							 const struct dst_reply_to *to,
							 bool cache_missed)
{
	struct dst_dns_query dq;
	struct dst_cache_key key;
	size_t n;

	/* A worker that missed asked the policy already: only the cache part is left. */
	enum dst_fast_verdict v = dst_answer_fast(
		wire, len, cache_missed ? NULL : qs->policy, cache_missed ? NULL : qs->cache,
		qs->cfg->ecs == DST_CONFIG_ECS_PASS, to->udp != NULL, dst_queries__now(qs),
		qs->scratch, sizeof(qs->scratch), &dq, &key, &n);

	switch (v) {
	case DST_FAST_DROP:
		return;
	case DST_FAST_ANY:
		qs->stats.any++;
		if (n)
			qs->ops.send(qs->ops.arg, to, qs->scratch, n);
		return;
	case DST_FAST_REPLY:
	case DST_FAST_HIT:
		qs->ops.send(qs->ops.arg, to, qs->scratch, n);
		return;
	case DST_FAST_LOCAL:
	case DST_FAST_BLOCKED: {
		/* The query log tells these from cache answers. */
		struct dst_reply_to local = *to;
		bool blocked = v == DST_FAST_BLOCKED;
		local.policy = blocked ? DST_POLICY_BLOCKED : DST_POLICY_LOCAL;
		if (blocked)
			qs->stats.blocked++;
		else
			qs->stats.local++;
		qs->ops.send(qs->ops.arg, &local, qs->scratch, n);
		return;
	}
	case DST_FAST_HIT_PREFETCH:
		qs->ops.send(qs->ops.arg, to, qs->scratch, n);
		if (qs->cfg->cache_prefetch) {
			/* A popular name near expiry: refresh it with no client waiting. */
			static const struct dst_reply_to nobody;
			qs->stats.prefetches++;
			dst_query__start(qs, wire, len, &dq, &key, &nobody, NULL);
		}
		return;
	case DST_FAST_MISS:
		break;
	}
	dst_query__start(qs, wire, len, &dq, &key, to, NULL);
}

void dst_query_handle(struct dst_queries *qs, const uint8_t *wire, size_t len,
		      const struct dst_reply_to *to)
{
	handle(qs, wire, len, to, false);
}

void dst_query_handle_missed(struct dst_queries *qs, const uint8_t *wire, size_t len,
			     const struct dst_reply_to *to)
{
	handle(qs, wire, len, to, true);
}

void dst_query_prefetch(struct dst_queries *qs, const uint8_t *wire, size_t len)
{
	static const struct dst_reply_to nobody;
	struct dst_dns_query dq;
	struct dst_cache_key key;

	if (!qs->cfg->cache_prefetch || dst_dns_parse_query(wire, len, &dq) != DST_DNS_QUERY_OK)
		return;
	dst_cache_key_make(&key, &dq);
	qs->stats.prefetches++;
	dst_query__start(qs, wire, len, &dq, &key, &nobody, NULL);
}

void dst_queries_hedge(struct dst_queries *qs, struct dst_upstream *up)
{
	for (struct dst_query *q = qs->list, *next; q; q = next) {
		next = q->next;
		if (q->state == DST_Q_WAIT_REPLY && q->att[q->cur].treq && q->att[q->cur].up == up)
			dst_query__step(q, DST_EV_HEDGE, 0);
	}
}

void dst_queries_kick(struct dst_queries *qs)
{
	/* A query given up here may finish others (its waiters): they are only unlinked, not freed. */
	for (struct dst_query *q = qs->list, *next; q; q = next) {
		next = q->next;
		if (q->state == DST_Q_WAIT_REPLY && !dst_query__attempt_live(q))
			dst_query__step(q, DST_EV_KICK, 0);
	}
}

void dst_queries_abort_all(struct dst_queries *qs)
{
	while (qs->list) {
		struct dst_query *q = qs->list;
		if (q->state == DST_Q_WAIT_REPLY || q->state == DST_Q_WAIT_JOIN)
			dst_query__step(q, DST_EV_ABORT, DST_ECANCELED);
		else
			dst_query__finish(q);
	}
}

size_t dst_queries_pending(const struct dst_queries *qs)
{
	return qs->npending;
}

uint64_t dst_queries_last_deadline(const struct dst_queries *qs)
{
	uint64_t last = 0;

	for (const struct dst_query *q = qs->list; q; q = q->next)
		if (q->deadline_ms > last)
			last = q->deadline_ms;
	return last;
}

/* A mask by old upstream index as one by new index; removed upstreams drop out. */
static uint64_t remap_mask(uint64_t mask, const int *upmap, size_t nold)
{
	uint64_t out = 0;

	for (size_t k = 0; k < nold; k++)
		if ((mask & (UINT64_C(1) << k)) && upmap[k] >= 0)
			out |= UINT64_C(1) << upmap[k];
	return out;
}

void dst_queries_remap(struct dst_queries *qs, const int *upmap, size_t nold)
{
	for (struct dst_query *q = qs->list; q; q = q->next) {
		struct dst_route rt;
		q->tried = remap_mask(q->tried, upmap, nold);
		/* Routed anew: the zones (and the default upstreams) may have changed too. */
		dst_upstreams_route(qs->upstreams, q->dq.qname_lower, q->dq.qname_len, &rt);
		q->allowed = rt.action == DST_CONFIG_ZONE_FORWARD ? rt.allowed : 0;
		q->dead_conn = remap_mask(q->dead_conn, upmap, nold);
		q->refreshed = remap_mask(q->refreshed, upmap, nold);
	}
	/* Stripping was seen of the old set: the new one gets a fresh look. */
	qs->strip_mask = 0;
}

void dst_queries_detach_udp(struct dst_queries *qs, const struct dst_udp_listener *l)
{
	for (struct dst_query *q = qs->list; q; q = q->next)
		if (q->to.udp == l)
			q->to.udp = NULL;
}

void dst_query_list_orphan(struct dst_query_list *l)
{
	for (struct dst_query *q = l->head; q; q = q->tcp_next) {
		q->to.tcp = NULL;
		q->to.tcp_queries = NULL;
	}
	l->head = NULL;
	l->n = 0;
}

bool dst_queries_upstream_strips(const struct dst_queries *qs, unsigned index)
{
	return index < 64 && (qs->strip_mask & (UINT64_C(1) << index));
}

const struct dst_stats *dst_queries_stats(const struct dst_queries *qs)
{
	return &qs->stats;
}

int dst_queries_new(uv_loop_t *loop, const struct dst_config *cfg, struct dst_cache *cache,
		    struct dst_upstreams *upstreams, const struct dst_reply_ops *ops,
		    struct dst_queries **out)
{
	struct dst_queries *qs = calloc(1, sizeof(*qs));

	*out = qs;
	if (!qs)
		return DST_ENOMEM;
	qs->loop = loop;
	qs->cfg = cfg;
	qs->cache = cache;
	qs->upstreams = upstreams;
	qs->ops = *ops;
	qs->inflight = calloc(DST_INFLIGHT_BUCKETS, sizeof(*qs->inflight));
	if (!qs->inflight)
		return DST_ENOMEM;
	qs->inflight_mask = DST_INFLIGHT_BUCKETS - 1;
	return 0;
}

void dst_queries_set_policy(struct dst_queries *qs, const struct dst_policy *policy)
{
	qs->policy = policy;
}

void dst_queries_reconfigure(struct dst_queries *qs, const struct dst_config *cfg,
			     struct dst_cache *cache)
{
	qs->cfg = cfg;
	qs->cache = cache;
}

void dst_queries_free(struct dst_queries *qs)
{
	if (!qs)
		return;
	dst_queries__dnssec_free(qs);
	free(qs->inflight);
	free(qs);
}
