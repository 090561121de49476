/*
 * One client query's life: parse, answer from cache, or forward upstream
 * with failover, then answer exactly once.
 *
 * The fast path (dst_query_handle, through answer.h, which the worker
 * loops share) answers errors and cache hits straight from the receive
 * callback, building the answer in qs->scratch: no allocation. Only a miss creates a struct dst_query, which then moves
 * through query_step, the one switch on its state. libuv and tls/
 * callbacks only translate into events.
 *
 * Failover is decided in start_attempt(): the upstream selector
 * (upstream/select.c, through upstream/upstreams.c) names one this query
 * has not tried, by strategy and health, else one whose attempt failed
 * only because its connection was presumed dead (timed out with nothing
 * received since the write), once more on a fresh connection; there is
 * never a hard "no upstream" state. Each
 * attempt may take the upstream's adaptive timeout (from its measured
 * RTT); then the query moves on but keeps that request: whichever answer
 * comes first wins (at most one earlier attempt is kept). A SERVFAIL is
 * retried once on another upstream. When nothing is left to try and
 * nothing is out, or the deadline passes: SERVFAIL, with an Extended DNS
 * Error (RFC 8914) saying which upstream failed how, for EDNS clients.
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
#include "resolver/base/addr.h"
#include "resolver/base/log.h"
#include "resolver/query/internal.h"
#include "resolver/upstream/upstream.h"

#define MAX_SERVFAILS 2 /* a SERVFAIL is retried once on another upstream */

static void query_step(struct dst_query *q, enum dst_qevent ev, int status);
static void query_finish(struct dst_query *q);
static void cancel_attempt(struct dst_attempt *a);

static unsigned ecs_flags(const struct dst_query *q)
{
	return dst_query__ecs_passed(q->qs, &q->dq) ? DST_DNS_ECS_PASS : 0;
}

/* The next query riding on leader, unlinked from it (it still has to be answered and finished). */
struct dst_query *dst_query__pop_waiter(struct dst_query *leader)
{
	struct dst_query *w = leader->waiters;

	if (w) {
		leader->waiters = w->join_next;
		w->join_next = NULL;
		w->leader = NULL;
	}
	return w;
}

static void on_timer_closed(uv_handle_t *h)
{
	struct dst_query *q = h->data;

	if (--q->handles == 0)
		free(q);
}

static uint32_t key_hash(const struct dst_cache_key *k)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < k->len; i++)
		h = (h ^ k->data[i]) * 16777619u;
	return h;
}

static struct dst_query *find_leader(struct dst_queries *qs, const struct dst_cache_key *k,
				     uint32_t h)
{
	for (struct dst_query *l = qs->inflight[h & qs->inflight_mask]; l; l = l->join_next)
		if (l->key_hash == h && l->key.len == k->len &&
		    memcmp(l->key.data, k->data, k->len) == 0)
			return l;
	return NULL;
}

static void unlink_join(struct dst_query *q)
{
	struct dst_query **pp;

	if (q->state == DST_Q_WAIT_JOIN)
		pp = q->leader ? &q->leader->waiters : NULL;
	else
		pp = &q->qs->inflight[q->key_hash & q->qs->inflight_mask];
	for (; pp && *pp; pp = &(*pp)->join_next) {
		if (*pp == q) {
			*pp = q->join_next;
			break;
		}
	}
	q->join_next = NULL;
	q->leader = NULL;
}

/* The leader could not get an answer: everyone riding on it gets SERVFAIL. */
static void fail_waiters(struct dst_query *leader)
{
	struct dst_query *w;

	while ((w = dst_query__pop_waiter(leader))) {
		dst_query__respond_error(w, DST_DNS_RCODE_SERVFAIL);
		query_finish(w);
	}
}

/* The one teardown: detach from everything, close the timer, free later. */
static void query_finish(struct dst_query *q)
{
	struct dst_queries *qs = q->qs;
	struct dst_tcp_client *c = q->to.tcp;

	if (q->state == DST_Q_DONE)
		return;
	qs->npending--;
	dst_query__val_end(q);
	/* A key fetch that ends without answering: its parent learns so. */
	if (q->parent)
		dst_query__fetch_over(q, NULL, 0);
	unlink_join(q);
	if (q->waiters)
		fail_waiters(q);
	q->state = DST_Q_DONE;
	for (unsigned i = 0; i < 2; i++)
		cancel_attempt(&q->att[i]);
	if (q->prev)
		q->prev->next = q->next;
	else
		qs->list = q->next;
	if (q->next)
		q->next->prev = q->prev;
	if (c) {
		struct dst_query_list *l = q->to.tcp_queries;
		if (q->tcp_prev)
			q->tcp_prev->tcp_next = q->tcp_next;
		else
			l->head = q->tcp_next;
		if (q->tcp_next)
			q->tcp_next->tcp_prev = q->tcp_prev;
		l->n--;
		q->to.tcp = NULL;
		q->to.tcp_queries = NULL;
	}
	uv_close((uv_handle_t *)&q->timer, on_timer_closed);
	if (q->has_stale)
		uv_close((uv_handle_t *)&q->stale_timer, on_timer_closed);
	if (c)
		qs->ops.tcp_done(qs->ops.arg, c);
}

static void on_attempt_timeout(uv_timer_t *t)
{
	query_step(t->data, DST_EV_TIMEOUT, DST_ETIMEDOUT);
}

void dst_query__on_timer(uv_timer_t *t)
{
	on_attempt_timeout(t);
}

static void on_upstream_answer(void *arg, int status, const uint8_t *wire, size_t len)
{
	struct dst_attempt *a = arg;
	struct dst_query *q = a->q;

	a->treq = NULL;
	q->ev_att = a;
	q->up = a->up;
	if (status < 0) {
		query_step(q, DST_EV_FAILED, status);
		return;
	}
	q->ev_wire = wire;
	q->ev_len = len;
	query_step(q, DST_EV_ANSWER, 0);
}

/*
 * Withdraws an attempt's request. One the query had moved on from goes as
 * timed out, which lets the pool replace a connection that answers nothing.
 */
static void cancel_attempt(struct dst_attempt *a)
{
	if (!a->treq)
		return;
	dst_upstream_cancel(a->up, a->treq, a->moved_on ? DST_ETIMEDOUT : DST_ECANCELED);
	a->treq = NULL;
}

void dst_query__cancel_attempt(struct dst_attempt *a)
{
	cancel_attempt(a);
}

static bool attempt_live(const struct dst_query *q)
{
	return q->att[0].treq || q->att[1].treq;
}

/* Whether the EDE text already says that up failed with status (a retry failing alike). */
static bool failure_noted(const struct dst_query *q, const struct dst_upstream *up, int status)
{
	for (unsigned i = 0; i < q->nfails; i++)
		if (q->fails[i].up == up && q->fails[i].status == status)
			return true;
	return false;
}

/* Remembers a failed attempt for the EDE text (the first few). */
static void note_failure(struct dst_query *q, const struct dst_upstream *up, int status)
{
	q->last_status = status;
	if (status != DST_ECANCELED && q->nfails < DST_QUERY_MAX_FAILS &&
	    !failure_noted(q, up, status)) {
		q->fails[q->nfails].up = (struct dst_upstream *)up;
		q->fails[q->nfails].status = status;
		q->nfails++;
	}
}

/*
 * The attempt a was waited for in vain, and its request sits on a
 * connection presumed dead (nothing received since it was written): the
 * failure may be the connection's, not the upstream's, so a's upstream
 * may be tried once more, on a fresh connection, once no untried one is
 * left. Once only: a fresh connection that stays silent too means the
 * upstream (or the path to it) is what fails.
 */
static void note_dead_conn(struct dst_query *q, const struct dst_attempt *a)
{
	uint64_t bit = UINT64_C(1) << dst_upstream_index(a->up);

	if (!(q->refreshed & bit))
		q->dead_conn |= bit;
}

/*
 * Starts the next attempt, on an upstream this query has not tried yet,
 * else (on a fresh connection) on one whose connection was presumed dead;
 * returns false when there is none (or the deadline has passed). The
 * current attempt, if still out, becomes the earlier one; an older one
 * still out is withdrawn.
 */
static bool start_attempt(struct dst_query *q)
{
	struct dst_queries *qs = q->qs;
	/* The largest padded query: a 255-byte name rounds up to 384 bytes. */
	uint8_t buf[3 * DST_DNS_PAD_BLOCK];
	uint64_t now = dst_queries__now(qs);

	if (now >= q->deadline_ms)
		return false;
	/* Only among the query's candidates (its zone's upstreams, or the default ones). */
	uint64_t allowed = q->allowed;
	/* Names to validate avoid upstreams that strip signatures, while others remain. */
	if ((q->dnssec == DST_QDNSSEC_VALIDATE || q->dnssec == DST_QDNSSEC_FETCH) &&
	    (allowed & ~qs->strip_mask & ~q->tried))
		allowed &= ~qs->strip_mask;
	struct dst_upstream *up =
		dst_upstreams_pick_retry(qs->upstreams, q->tried, q->dead_conn, allowed);
	if (!up)
		return false;
	uint64_t bit = UINT64_C(1) << dst_upstream_index(up);
	bool again = (q->tried & bit) != 0;
	struct dst_attempt *a = &q->att[q->cur ^ 1];
	cancel_attempt(a);
	struct dst_dns_query upq = q->dq;
	if (q->dnssec != DST_QDNSSEC_PASS) {
		/* Ours to check, or not to be checked: the upstream's validation stays out. */
		upq.cd = true;
		if (q->dnssec != DST_QDNSSEC_UNCHECKED)
			upq.do_bit = true;
	}
	ssize_t n = dst_dns_upstream_query_ex(q->req, &upq, 0, ecs_flags(q), buf, sizeof(buf));
	int r = n < 0 ? (int)n
		      : dst_upstream_send(up, buf, (size_t)n, on_upstream_answer, a, &a->treq);
	if (r < 0) {
		/* Our own trouble (memory, a message we cannot build): no upstream is to blame. */
		a->treq = NULL;
		q->last_status = r;
		return false;
	}
	q->tried |= bit;
	if (again) {
		q->dead_conn &= ~bit;
		q->refreshed |= bit;
	}
	a->q = q;
	a->up = up;
	a->sent_ms = now;
	a->sent_ns = uv_hrtime();
	a->moved_on = false;
	q->cur ^= 1;
	uint64_t t = dst_upstreams_attempt_timeout(qs->upstreams, up);
	/* A retry includes connecting again, like a probe or a first attempt. */
	if (again && t < DST_UP_INITIAL_TIMEOUT_MS)
		t = DST_UP_INITIAL_TIMEOUT_MS;
	if (t > q->deadline_ms - now)
		t = q->deadline_ms - now;
	uv_timer_start(&q->timer, on_attempt_timeout, t, 0);
	q->state = DST_Q_WAIT_REPLY;
	return true;
}

enum take { TAKE_REJECTED, TAKE_ANSWERED, TAKE_VALIDATING };

/* What became of an upstream's answer: sent (q is to finish), of no use, or being validated. */
static enum take take_answer(struct dst_query *q)
{
	struct dst_queries *qs = q->qs;
	struct dst_dns_answer_info info;
	size_t len = q->ev_len;

	if (len > DST_DNS_MAX_MSG)
		return TAKE_REJECTED;
	memcpy(qs->scratch, q->ev_wire, len);
	int r = dst_dns_prepare_answer(qs->scratch, &len, 0, &q->dq, qs->ttl_offs, DST_MAX_TTLS,
				       &info);
	if (r < 0 && r != DST_ENOSPC) {
		note_failure(q, q->up, r);
		dst_log(DST_LOG_INFO, "upstream %s: unusable answer: %s",
			dst_upstream_config(q->up)->name, dst_strerror(r));
		return TAKE_REJECTED;
	}
	if (info.rcode > 15) {
		/* Extended rcodes (BADVERS, BADCOOKIE) answer our EDNS, not the question. */
		note_failure(q, q->up, DST_EFORMAT);
		return TAKE_REJECTED;
	}
	if (info.rcode == DST_DNS_RCODE_SERVFAIL || info.rcode == DST_DNS_RCODE_REFUSED) {
		/* Another upstream may do better; this one is alive, unless it mostly says this. */
		q->got_servfail = true;
		q->nservfail++;
		note_failure(q, q->up, DST_ESERVFAIL);
		dst_upstreams_servfail(qs->upstreams, q->up);
		return TAKE_REJECTED;
	}
	dst_upstreams_ok(qs->upstreams, q->up, q->ev_att->sent_ns);
	switch (q->dnssec) {
	case DST_QDNSSEC_VALIDATE:
		if (dst_query__validate(q, qs->scratch, len))
			return TAKE_VALIDATING;
		note_failure(q, q->up, DST_ENOMEM);
		return TAKE_REJECTED;
	case DST_QDNSSEC_FETCH:
		/* Keys come signed: none at all means this upstream removes them. */
		if (dst_dns_count_rrsigs(qs->scratch, len) == 0) {
			dst_query__note_stripping(qs, q->up);
			note_failure(q, q->up, DST_ENODNSSEC);
			return TAKE_REJECTED;
		}
		dst_dns_set_ad(qs->scratch, false);
		break;
	case DST_QDNSSEC_UNCHECKED:
		/* With validation on, AD is only ever ours. */
		dst_dns_set_ad(qs->scratch, false);
		break;
	case DST_QDNSSEC_PASS:
		break;
	}
	dst_query__deliver(q, len, r == 0, &info);
	return TAKE_ANSWERED;
}

/* The SERVFAIL with its EDE, to q's client and everyone who joined it; then q is done. */
static void respond_ede(struct dst_query *q)
{
	struct dst_dns_ede ede;
	char text[400];

	dst_query__ede(q, &ede, text, sizeof(text));
	/* Per query, so debug only: the upstreams' changes of state are logged once each. */
	if (dst_log_enabled(DST_LOG_DEBUG))
		dst_log(DST_LOG_DEBUG, "no upstream answered (%.*s): SERVFAIL", (int)ede.text_len,
			ede.text);
	dst_query__respond_ede(q, &ede);
}

static void give_up(struct dst_query *q)
{
	if (q->answered || dst_query__serve_stale(q)) {
		query_finish(q);
		return;
	}
	if (q->got_servfail)
		dst_query__cache_servfail(q);
	respond_ede(q);
}

/*
 * The current attempt is over, or no longer waited for: start the next
 * one; else wait (until the deadline) for what is still out, or for a
 * first resolution; else give up.
 */
static void move_on(struct dst_query *q)
{
	uint64_t now = dst_queries__now(q->qs);

	if (q->nservfail < MAX_SERVFAILS && start_attempt(q))
		return;
	if (now < q->deadline_ms &&
	    (attempt_live(q) || dst_upstreams_resolving(q->qs->upstreams))) {
		q->state = DST_Q_WAIT_REPLY;
		uv_timer_start(&q->timer, on_attempt_timeout, q->deadline_ms - now, 0);
		return;
	}
	give_up(q);
}

void dst_query__retry_elsewhere(struct dst_query *q, struct dst_upstream *up, int status)
{
	note_failure(q, up, status);
	q->state = DST_Q_WAIT_REPLY;
	move_on(q);
}

/* An event while attempts are out (or while waiting for a first resolution). */
static void on_reply_event(struct dst_query *q, enum dst_qevent ev, int status)
{
	struct dst_attempt *cur = &q->att[q->cur];

	switch (ev) {
	case DST_EV_ANSWER:
		switch (take_answer(q)) {
		case TAKE_ANSWERED:
			query_finish(q);
			return;
		case TAKE_VALIDATING:
			return;
		case TAKE_REJECTED:
			break;
		}
		break;
	case DST_EV_FAILED:
		note_failure(q, q->up, status);
		dst_upstreams_failed(q->qs->upstreams, q->up, status, q->ev_att->sent_ms);
		break;
	case DST_EV_TIMEOUT:
		if (dst_queries__now(q->qs) >= q->deadline_ms) {
			give_up(q);
			return;
		}
		if (cur->treq && !cur->moved_on) {
			/* Marked first: the report may move every query off this upstream. */
			cur->moved_on = true;
			if (dst_upstream_timed_out(cur->up, cur->treq))
				note_dead_conn(q, cur);
			note_failure(q, cur->up, DST_ETIMEDOUT);
			dst_upstreams_failed(q->qs->upstreams, cur->up, DST_ETIMEDOUT,
					     cur->sent_ms);
		}
		break;
	case DST_EV_HEDGE:
		/* Never gives up here: this runs inside other queries' and pools' callbacks. */
		if (!cur->treq || cur->moved_on)
			return;
		cur->moved_on = true;
		if (dst_upstream_presumed_dead(cur->up, cur->treq))
			note_dead_conn(q, cur);
		if (q->nservfail < MAX_SERVFAILS && start_attempt(q))
			return;
		cur->moved_on = false; /* nowhere else to go: it stays the one waited for */
		return;
	case DST_EV_KICK:
		if (attempt_live(q))
			return;
		break;
	case DST_EV_ABORT:
		query_finish(q);
		return;
	case DST_EV_START:
		return;
	}
	/* An earlier attempt ended, and the current one is still worth waiting for. */
	if (cur->treq && !cur->moved_on)
		return;
	move_on(q);
}

static void query_step(struct dst_query *q, enum dst_qevent ev, int status)
{
	if (dst_log_enabled(DST_LOG_DEBUG))
		dst_log(DST_LOG_DEBUG, "query %p: state %d event %d status %s", (void *)q, q->state,
			ev, dst_strerror(status));
	switch (q->state) {
	case DST_Q_NEW:
		dst_upstreams_query_starts(q->qs->upstreams, q->req, &q->dq, q->allowed);
		move_on(q);
		return;
	case DST_Q_WAIT_REPLY:
		on_reply_event(q, ev, status);
		return;
	case DST_Q_WAIT_KEYS:
		dst_query__keys_event(q, ev);
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

/* What DNSSEC asks of a query to the zone rt routes it by. */
static uint8_t dnssec_mode(const struct dst_queries *qs, const struct dst_dns_query *dq,
			   const struct dst_route *rt, const struct dst_query *parent)
{
	if (!dst_queries_validating(qs))
		return DST_QDNSSEC_PASS;
	if (parent || dst_queries__chain_fetch(qs))
		return DST_QDNSSEC_FETCH;
	if (dq->cd || !dst_config_zone_validates(qs->cfg, rt->zone))
		return DST_QDNSSEC_UNCHECKED;
	return DST_QDNSSEC_VALIDATE;
}

struct dst_query *dst_query__start(struct dst_queries *qs, const uint8_t *wire, size_t len,
				   const struct dst_dns_query *dq, const struct dst_cache_key *key,
				   const struct dst_reply_to *to, struct dst_query *parent)
{
	bool client = to->udp || to->tcp;
	uint32_t h = key_hash(key);
	struct dst_route rt;

	/* The zone decides where a miss may go; an action zone is answered here. */
	dst_upstreams_route(qs->upstreams, dq->qname_lower, dq->qname_len, &rt);
	if (rt.action != DST_CONFIG_ZONE_FORWARD) {
		if (client)
			dst_query__answer_zone_action(qs, wire, dq, &rt, to);
		return NULL;
	}
	if (!client && !parent && find_leader(qs, key, h))
		return NULL;
	if (qs->npending >= qs->cfg->max_pending) {
		if (!client)
			return NULL;
		dst_count_log(&qs->stats.pending_full,
			      "max-pending (%u queries waiting upstream) reached: "
			      "SERVFAIL at once",
			      (unsigned)qs->cfg->max_pending);
		dst_query__answer_now(qs, wire, dq, DST_DNS_RCODE_SERVFAIL, to);
		return NULL;
	}
	struct dst_query *q = malloc(sizeof(*q) + len);
	if (!q) {
		if (client)
			dst_query__answer_now(qs, wire, dq, DST_DNS_RCODE_SERVFAIL, to);
		return NULL;
	}
	memset(q, 0, sizeof(*q));
	q->key = *key;
	q->qs = qs;
	q->dq = *dq;
	q->req_len = len;
	memcpy(q->req, wire, len);
	q->to = *to;
	q->to.peer = (const struct sockaddr *)&q->peer;
	if (to->udp)
		memcpy(&q->peer, to->peer, dst_addr_len(to->peer));
	if (to->tcp) {
		struct dst_query_list *l = to->tcp_queries;
		q->tcp_next = l->head;
		if (q->tcp_next)
			q->tcp_next->tcp_prev = q;
		l->head = q;
		l->n++;
	}
	q->next = qs->list;
	if (q->next)
		q->next->prev = q;
	qs->list = q;
	qs->npending++;
	uv_timer_init(qs->loop, &q->timer);
	q->timer.data = q;
	q->handles = 1;
	q->start_ms = dst_queries__now(qs);
	q->deadline_ms = q->start_ms + qs->cfg->query_timeout_ms;
	q->key_hash = h;
	q->allowed = rt.allowed;
	q->parent = parent;
	q->dnssec = dnssec_mode(qs, dq, &rt, parent);
	/* A forwarded subnet makes the answer this client's own: no joining. */
	bool own = dst_query__ecs_passed(qs, dq);
	struct dst_query *leader = own ? NULL : find_leader(qs, &q->key, q->key_hash);
	if (leader) {
		q->state = DST_Q_WAIT_JOIN;
		q->leader = leader;
		q->join_next = leader->waiters;
		leader->waiters = q;
		return q;
	}
	if (!own) {
		struct dst_query **bucket = &qs->inflight[q->key_hash & qs->inflight_mask];
		q->join_next = *bucket;
		*bucket = q;
	}
	q->state = DST_Q_NEW;
	dst_query__start_stale_timer(q);
	query_step(q, DST_EV_START, 0);
	return q;
}

void dst_query__step(struct dst_query *q, enum dst_qevent ev, int status)
{
	query_step(q, ev, status);
}

void dst_query__finish(struct dst_query *q)
{
	query_finish(q);
}

bool dst_query__attempt_live(const struct dst_query *q)
{
	return attempt_live(q);
}
