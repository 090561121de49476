/*
 * One client query's life: parse, answer from cache, or forward upstream
 * with failover, then answer exactly once.
 *
 * The fast path (dst_query_handle) answers errors and cache hits straight
 * from the receive callback, building the answer in srv->scratch: no
 * allocation. Only a miss creates a struct dst_query, which then moves
 * through query_step, the one switch on its state. libuv and tls/
 * callbacks only translate into events.
 *
 * Failover is decided in attempt(): the first upstream in file order that
 * this query has not tried and that is not backing off; if all untried ones
 * are backing off, the one that comes out of backoff first (there is never
 * a hard "no upstream" state). Each attempt gets an equal share of what is
 * left of the query's deadline. When nothing is left: SERVFAIL.
 *
 * ANY queries get the minimal answer of RFC 8482 at once (never forwarded
 * or cached), and a miss that would take the number of live queries past
 * max-pending gets SERVFAIL at once: memory stays bounded however fast
 * queries come in.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "resolver/internal.h"
#include "resolver/log.h"

#define MIN_ATTEMPT_MS 250

static void query_step(struct dst_query *q, enum dst_qevent ev, int status);

static size_t reply_limit(const struct dst_query *q)
{
	return q->udp ? q->dq.udp_size : DST_DNS_MAX_MSG;
}

static void reply_to_of(struct dst_query *q, struct dst_reply_to *to)
{
	to->udp = q->udp;
	to->peer = (const struct sockaddr *)&q->peer;
	to->tcp = q->tcp;
}

static void respond_error(struct dst_query *q, unsigned rcode)
{
	struct dst_server *srv = q->srv;
	struct dst_reply_to to;
	ssize_t n = dst_dns_error_response(q->req, &q->dq, rcode, srv->scratch, sizeof(srv->scratch));

	reply_to_of(q, &to);
	if (n > 0 && (to.udp || to.tcp))
		dst_server__send(srv, &to, srv->scratch, (size_t)n);
}

static void on_timer_closed(uv_handle_t *h)
{
	free(h->data);
}

static uint32_t key_hash(const struct dst_cache_key *k)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < k->len; i++)
		h = (h ^ k->data[i]) * 16777619u;
	return h;
}

static struct dst_query *find_leader(struct dst_server *srv, const struct dst_cache_key *k, uint32_t h)
{
	for (struct dst_query *l = srv->inflight[h & srv->inflight_mask]; l; l = l->join_next)
		if (l->key_hash == h && l->key.len == k->len && memcmp(l->key.data, k->data, k->len) == 0)
			return l;
	return NULL;
}

static void unlink_join(struct dst_query *q)
{
	struct dst_query **pp;

	if (q->state == DST_Q_WAIT_JOIN)
		pp = q->leader ? &q->leader->waiters : NULL;
	else
		pp = &q->srv->inflight[q->key_hash & q->srv->inflight_mask];
	for (; pp && *pp; pp = &(*pp)->join_next) {
		if (*pp == q) {
			*pp = q->join_next;
			break;
		}
	}
	q->join_next = NULL;
	q->leader = NULL;
}

static void query_finish(struct dst_query *q);

/* The leader could not get an answer: everyone riding on it gets SERVFAIL. */
static void fail_waiters(struct dst_query *leader)
{
	struct dst_query *w;

	while ((w = leader->waiters)) {
		leader->waiters = w->join_next;
		w->join_next = NULL;
		w->leader = NULL;
		respond_error(w, DST_DNS_RCODE_SERVFAIL);
		query_finish(w);
	}
}

/* The one teardown: detach from everything, close the timer, free later. */
static void query_finish(struct dst_query *q)
{
	struct dst_server *srv = q->srv;
	struct dst_tcp_client *c = q->tcp;

	if (q->state == DST_Q_DONE)
		return;
	srv->npending--;
	unlink_join(q);
	if (q->waiters)
		fail_waiters(q);
	q->state = DST_Q_DONE;
	if (q->treq) {
		dst_tls_cancel(q->treq, DST_ECANCELED);
		q->treq = NULL;
	}
	if (q->prev)
		q->prev->next = q->next;
	else
		srv->queries = q->next;
	if (q->next)
		q->next->prev = q->prev;
	if (c) {
		if (q->tcp_prev)
			q->tcp_prev->tcp_next = q->tcp_next;
		else
			c->queries = q->tcp_next;
		if (q->tcp_next)
			q->tcp_next->tcp_prev = q->tcp_prev;
		c->nqueries--;
		q->tcp = NULL;
	}
	uv_close((uv_handle_t *)&q->timer, on_timer_closed);
	if (c)
		dst_server__client_query_done(c);
}

static void on_attempt_timeout(uv_timer_t *t)
{
	query_step(t->data, DST_EV_TIMEOUT, DST_ETIMEDOUT);
}

static void on_upstream_answer(void *arg, int status, const uint8_t *wire, size_t len)
{
	struct dst_query *q = arg;

	q->treq = NULL;
	if (status < 0) {
		query_step(q, DST_EV_FAILED, status);
		return;
	}
	q->ev_wire = wire;
	q->ev_len = len;
	query_step(q, DST_EV_ANSWER, 0);
}

static struct dst_upstream *pick_upstream(struct dst_query *q, unsigned *untried)
{
	struct dst_server *srv = q->srv;
	uint64_t now = uv_now(srv->loop);
	struct dst_upstream *soonest = NULL, *healthy = NULL;

	*untried = 0;
	for (size_t i = 0; i < srv->nups; i++) {
		struct dst_upstream *up = &srv->ups[i];
		if (q->tried & (UINT64_C(1) << i))
			continue;
		(*untried)++;
		if (!healthy && now >= up->retry_after_ms)
			healthy = up;
		if (!soonest || up->retry_after_ms < soonest->retry_after_ms)
			soonest = up;
	}
	return healthy ? healthy : soonest;
}

/* Starts the next attempt; returns false when there is none to start. */
static bool attempt(struct dst_query *q)
{
	struct dst_server *srv = q->srv;
	/* The largest padded query: a 255-byte name rounds up to 384 bytes. */
	uint8_t buf[3 * DST_DNS_PAD_BLOCK];
	unsigned untried;

	for (;;) {
		uint64_t now = uv_now(srv->loop);
		struct dst_upstream *up = pick_upstream(q, &untried);
		if (!up || now >= q->deadline_ms)
			return false;
		q->tried |= UINT64_C(1) << up->index;
		q->up = up;
		ssize_t n = dst_dns_upstream_query(q->req, &q->dq, 0, buf, sizeof(buf));
		int r = n < 0 ? (int)n : dst_tls_send(up->pool, buf, (size_t)n, on_upstream_answer, q, &q->treq);
		if (r < 0) {
			/* Our own trouble (memory, a message we cannot build): no upstream is to blame. */
			q->last_status = r;
			return false;
		}
		uint64_t left = q->deadline_ms - now;
		uint64_t share = left / untried;
		if (share < MIN_ATTEMPT_MS)
			share = left < MIN_ATTEMPT_MS ? left : MIN_ATTEMPT_MS;
		uv_timer_start(&q->timer, on_attempt_timeout, share, 0);
		q->state = DST_Q_WAIT_REPLY;
		return true;
	}
}

/*
 * Caches what may be cached: NOERROR and NXDOMAIN without TC. A negative
 * answer is cached only with an SOA, for min(SOA TTL, MINIMUM) (RFC 2308),
 * which is also written into the SOA's TTL so clients see it count down.
 */
static void cache_answer(struct dst_query *q, uint8_t *wire, size_t len,
			 const struct dst_dns_answer_info *info)
{
	struct dst_server *srv = q->srv;

	if (!srv->cache || info->tc || info->nttl == 0)
		return;
	if (info->rcode != DST_DNS_RCODE_NOERROR && info->rcode != DST_DNS_RCODE_NXDOMAIN)
		return;
	if (info->negative) {
		if (!info->has_soa)
			return;
		uint32_t ttl = dst_dns_get32(wire + info->soa_ttl_off);
		if (ttl & 0x80000000u)
			ttl = 0;
		if (info->soa_minimum < ttl)
			dst_dns_put32(wire + info->soa_ttl_off, info->soa_minimum);
	}
	dst_cache_store(srv->cache, &q->key, wire, len, srv->ttl_offs, info->nttl, uv_now(srv->loop));
}

/* Sends a prepared answer (in srv->scratch) to q's client, made its own. */
static void answer_one(struct dst_query *q, uint8_t *wire, size_t len)
{
	struct dst_server *srv = q->srv;
	struct dst_reply_to to;

	reply_to_of(q, &to);
	if (!to.udp && !to.tcp)
		return;
	ssize_t n = dst_dns_finish_answer(wire, len, DST_SCRATCH_LEN, q->req, &q->dq, reply_limit(q));
	if (n < 0)
		respond_error(q, DST_DNS_RCODE_SERVFAIL);
	else
		dst_server__send(srv, &to, wire, (size_t)n);
}

/* Returns true when the answer was sent to the client (and its waiters). */
static bool take_answer(struct dst_query *q)
{
	struct dst_server *srv = q->srv;
	struct dst_dns_answer_info info;
	size_t len = q->ev_len;

	if (len > DST_DNS_MAX_MSG)
		return false;
	memcpy(srv->scratch, q->ev_wire, len);
	int r = dst_dns_prepare_answer(srv->scratch, &len, 0, &q->dq, srv->ttl_offs, DST_MAX_TTLS, &info);
	if (r < 0 && r != DST_ENOSPC) {
		q->last_status = r;
		dst_log(DST_LOG_INFO, "upstream %s: unusable answer: %s", q->up->cfg->name, dst_strerror(r));
		return false;
	}
	if (info.rcode > 15) {
		/* Extended rcodes (BADVERS, BADCOOKIE) answer our EDNS, not the question. */
		q->last_status = DST_EFORMAT;
		return false;
	}
	if (info.rcode == DST_DNS_RCODE_SERVFAIL || info.rcode == DST_DNS_RCODE_REFUSED) {
		/* Another upstream may do better; this one is still alive. */
		q->got_servfail = true;
		q->last_status = DST_ESERVFAIL;
		dst_server__upstream_ok(srv, q->up);
		return false;
	}
	dst_server__upstream_ok(srv, q->up);
	if (r == 0)
		cache_answer(q, srv->scratch, len, &info);

	if (!q->waiters) {
		answer_one(q, srv->scratch, len);
		return true;
	}
	/* finish_answer works in place: keep the prepared answer for each waiter. */
	uint8_t *prepared = malloc(len);
	if (!prepared) {
		answer_one(q, srv->scratch, len);
		return true;
	}
	memcpy(prepared, srv->scratch, len);
	answer_one(q, srv->scratch, len);
	struct dst_query *w;
	while ((w = q->waiters)) {
		q->waiters = w->join_next;
		w->join_next = NULL;
		w->leader = NULL;
		memcpy(srv->scratch, prepared, len);
		answer_one(w, srv->scratch, len);
		query_finish(w);
	}
	free(prepared);
	return true;
}

static void give_up(struct dst_query *q)
{
	dst_log(DST_LOG_INFO, "no upstream answered (last: %s): SERVFAIL", dst_strerror(q->last_status));
	respond_error(q, DST_DNS_RCODE_SERVFAIL);
	query_finish(q);
}

static void query_step(struct dst_query *q, enum dst_qevent ev, int status)
{
	if (dst_log_enabled(DST_LOG_DEBUG))
		dst_log(DST_LOG_DEBUG, "query %p: state %d event %d status %s", (void *)q, q->state, ev,
			dst_strerror(status));
	switch (q->state) {
	case DST_Q_NEW:
		if (!attempt(q))
			give_up(q);
		return;
	case DST_Q_WAIT_REPLY:
		uv_timer_stop(&q->timer);
		switch (ev) {
		case DST_EV_ANSWER:
			if (take_answer(q)) {
				query_finish(q);
				return;
			}
			break;
		case DST_EV_TIMEOUT:
			if (q->treq) {
				dst_tls_cancel(q->treq, DST_ETIMEDOUT);
				q->treq = NULL;
			}
			/* fall through */
		case DST_EV_FAILED:
			q->last_status = status;
			dst_server__upstream_failed(q->srv, q->up, status);
			break;
		case DST_EV_ABORT:
			query_finish(q);
			return;
		case DST_EV_START:
			return;
		}
		if (!attempt(q))
			give_up(q);
		return;
	case DST_Q_WAIT_JOIN:
		/* The leader answers for us; only shutdown concerns us directly. */
		if (ev == DST_EV_ABORT)
			query_finish(q);
		return;
	case DST_Q_DONE:
		return;
	}
}

/* Answers with rcode straight away (from srv->scratch). */
static void answer_now(struct dst_server *srv, const uint8_t *wire, const struct dst_dns_query *dq,
		       unsigned rcode, const struct dst_reply_to *to)
{
	ssize_t n = dst_dns_error_response(wire, dq, rcode, srv->scratch, sizeof(srv->scratch));

	if (n > 0)
		dst_server__send(srv, to, srv->scratch, (size_t)n);
}

void dst_query_reject(struct dst_server *srv, const uint8_t *wire, size_t len,
		      const struct dst_reply_to *to, unsigned rcode, bool tc)
{
	struct dst_dns_query dq;
	enum dst_dns_verdict v = dst_dns_parse_query(wire, len, &dq);

	if (v == DST_DNS_QUERY_DROP || (tc && v != DST_DNS_QUERY_OK))
		return;
	ssize_t n = dst_dns_error_response(wire, &dq, rcode, srv->scratch, sizeof(srv->scratch));
	/* Header + question (+ a bare OPT) is never more than the query held. */
	if (n <= 0 || (size_t)n > len)
		return;
	if (tc)
		srv->scratch[2] |= 0x02; /* TC: the client retries over TCP */
	dst_server__send(srv, to, srv->scratch, (size_t)n);
}

/*
 * Every client message comes through here, UDP or TCP. Errors, ANY and
 * cache hits are answered at once from srv->scratch; a miss becomes a query.
 */
void dst_query_handle(struct dst_server *srv, const uint8_t *wire, size_t len,
		      const struct dst_reply_to *to)
{
	struct dst_dns_query dq;
	ssize_t n;

	switch (dst_dns_parse_query(wire, len, &dq)) {
	case DST_DNS_QUERY_DROP:
		return;
	case DST_DNS_QUERY_ERROR:
		n = dst_dns_error_response(wire, &dq, dq.rcode, srv->scratch, sizeof(srv->scratch));
		if (n > 0)
			dst_server__send(srv, to, srv->scratch, (size_t)n);
		return;
	case DST_DNS_QUERY_OK:
		break;
	}

	if (dq.qtype == DST_DNS_TYPE_ANY) {
		srv->stats.any++;
		n = dst_dns_any_answer(wire, &dq, srv->scratch, sizeof(srv->scratch));
		if (n > 0)
			dst_server__send(srv, to, srv->scratch, (size_t)n);
		return;
	}

	struct dst_cache_key key;
	dst_cache_key_make(&key, &dq);
	if (srv->cache) {
		n = dst_cache_lookup(srv->cache, &key, uv_now(srv->loop), srv->scratch,
				     sizeof(srv->scratch));
		if (n > 0)
			n = dst_dns_finish_answer(srv->scratch, (size_t)n, sizeof(srv->scratch), wire, &dq,
						  to->udp ? dq.udp_size : DST_DNS_MAX_MSG);
		if (n > 0) {
			dst_server__send(srv, to, srv->scratch, (size_t)n);
			return;
		}
	}

	if (srv->npending >= srv->cfg->max_pending) {
		dst_server__count(&srv->stats.pending_full,
				  "max-pending (%u queries waiting upstream) reached: "
				  "SERVFAIL at once", (unsigned)srv->cfg->max_pending);
		answer_now(srv, wire, &dq, DST_DNS_RCODE_SERVFAIL, to);
		return;
	}
	struct dst_query *q = malloc(sizeof(*q) + len);
	if (!q) {
		answer_now(srv, wire, &dq, DST_DNS_RCODE_SERVFAIL, to);
		return;
	}
	memset(q, 0, sizeof(*q));
	q->key = key;
	q->srv = srv;
	q->dq = dq;
	q->req_len = len;
	memcpy(q->req, wire, len);
	q->udp = to->udp;
	if (to->udp)
		memcpy(&q->peer, to->peer,
		       to->peer->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						       : sizeof(struct sockaddr_in));
	q->tcp = to->tcp;
	if (q->tcp) {
		q->tcp_next = q->tcp->queries;
		if (q->tcp_next)
			q->tcp_next->tcp_prev = q;
		q->tcp->queries = q;
		q->tcp->nqueries++;
	}
	q->next = srv->queries;
	if (q->next)
		q->next->prev = q;
	srv->queries = q;
	srv->npending++;
	uv_timer_init(srv->loop, &q->timer);
	q->timer.data = q;
	q->deadline_ms = uv_now(srv->loop) + srv->cfg->query_timeout_ms;
	q->key_hash = key_hash(&q->key);
	struct dst_query *leader = find_leader(srv, &q->key, q->key_hash);
	if (leader) {
		q->state = DST_Q_WAIT_JOIN;
		q->leader = leader;
		q->join_next = leader->waiters;
		leader->waiters = q;
		return;
	}
	struct dst_query **bucket = &srv->inflight[q->key_hash & srv->inflight_mask];
	q->join_next = *bucket;
	*bucket = q;
	q->state = DST_Q_NEW;
	query_step(q, DST_EV_START, 0);
}

void dst_query_abort_all(struct dst_server *srv)
{
	while (srv->queries) {
		struct dst_query *q = srv->queries;
		if (q->state == DST_Q_WAIT_REPLY || q->state == DST_Q_WAIT_JOIN)
			query_step(q, DST_EV_ABORT, DST_ECANCELED);
		else
			query_finish(q);
	}
}
