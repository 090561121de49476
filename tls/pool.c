/*
 * The connection pool of one upstream: requests, IDs, batching, matching.
 *
 * New requests wait in p->pending. Once per loop iteration (a uv_idle
 * handle, started only when there is something to do, so it runs before
 * the loop next blocks and never while nothing happens) they are dispatched
 * to the ready connection with the fewest requests in flight, then every
 * connection with unsent requests corks them into as few TLS records as
 * possible and writes once. A connection opens only when no open one has
 * room and none is already being opened.
 *
 * IDs are random (RFC 5452) and unique among a connection's in-flight
 * requests. An answer is delivered only if its ID names a live request and
 * its question is byte-for-byte (ASCII case aside) the one sent; anything
 * else is dropped and counted.
 *
 * When a ready connection dies, its live requests are re-sent once on
 * another connection; a second loss, or a connection that never became
 * ready on any address, fails them with the reason.
 */
#include "config.h"

#include <gnutls/crypto.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns/dns.h"
#include "dns/err.h"
#include "tls/clock.h"
#include "tls/internal.h"

static const char tls_priority[] = "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2";

void dst_tls__set_error(struct dst_tls_pool *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->last_error, sizeof(p->last_error), fmt, ap);
	va_end(ap);
}

void dst_tls__event(struct dst_tls_pool *p, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!p->event_cb)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->event_cb(p->event_arg, p->name, msg);
}

/* Queue helpers. */
static void q_push(struct dst_tls_reqq *q, struct dst_tls_req *r)
{
	r->next = NULL;
	r->prev = q->tail;
	if (q->tail)
		q->tail->next = r;
	else
		q->head = r;
	q->tail = r;
	q->len++;
}

static void q_push_front(struct dst_tls_reqq *q, struct dst_tls_req *r)
{
	r->prev = NULL;
	r->next = q->head;
	if (q->head)
		q->head->prev = r;
	else
		q->tail = r;
	q->head = r;
	q->len++;
}

static void q_remove(struct dst_tls_reqq *q, struct dst_tls_req *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		q->head = r->next;
	if (r->next)
		r->next->prev = r->prev;
	else
		q->tail = r->prev;
	r->next = r->prev = NULL;
	q->len--;
}

static struct dst_tls_req *q_pop(struct dst_tls_reqq *q)
{
	struct dst_tls_req *r = q->head;

	if (r)
		q_remove(q, r);
	return r;
}

/* ID table: open addressing on the ID, backward-shift deletion. */
static struct dst_tls_req **slot_find(struct dst_tls_conn *c, uint16_t id)
{
	for (unsigned i = id & c->slot_mask;; i = (i + 1) & c->slot_mask) {
		if (!c->slots[i] || c->slots[i]->wire_id == id)
			return &c->slots[i];
	}
}

static void slot_remove(struct dst_tls_conn *c, struct dst_tls_req *r)
{
	unsigned i = (unsigned)(slot_find(c, r->wire_id) - c->slots);

	c->slots[i] = NULL;
	for (unsigned j = (i + 1) & c->slot_mask; c->slots[j]; j = (j + 1) & c->slot_mask) {
		unsigned home = c->slots[j]->wire_id & c->slot_mask;
		/* Move j back into the hole if its home is not in (i, j]. */
		if (((j - home) & c->slot_mask) >= ((j - i) & c->slot_mask)) {
			c->slots[i] = c->slots[j];
			c->slots[j] = NULL;
			i = j;
		}
	}
	c->inflight--;
}

static uint16_t random_id(struct dst_tls_pool *p)
{
	if (p->rnd_used + 2 > sizeof(p->rnd)) {
		gnutls_rnd(GNUTLS_RND_NONCE, p->rnd, sizeof(p->rnd));
		p->rnd_used = 0;
	}
	uint16_t id = dst_dns_get16(p->rnd + p->rnd_used);
	p->rnd_used += 2;
	return id;
}

static void start_flush(struct dst_tls_pool *p);

static void maybe_idle(struct dst_tls_conn *c)
{
	if (c->state == DST_CONN_READY && c->inflight == 0 && c->sendq.len == 0)
		dst_tls__conn_arm_idle(c);
}

/*
 * A connection where cancelled requests pile up (a server that reads but
 * does not answer some queries) takes no new ones, and is closed once only
 * orphans are left, which frees their IDs.
 */
static bool draining(const struct dst_tls_conn *c)
{
	return c->orphans > c->pool->max_inflight / 2;
}

/* A slot was freed: waiting requests may go now, or the connection idles. */
static void slot_freed(struct dst_tls_conn *c)
{
	struct dst_tls_pool *p = c->pool;

	if ((draining(c) || c->suspect) && c->inflight == c->orphans && c->sendq.len == 0) {
		c->doomed = true;
		start_flush(p);
		return;
	}
	if (p->pending.len)
		start_flush(p);
	else
		maybe_idle(c);
}

static void assign(struct dst_tls_conn *c, struct dst_tls_req *r)
{
	struct dst_tls_req **slot;
	uint16_t id;

	do {
		id = random_id(c->pool);
		slot = slot_find(c, id);
	} while (*slot);
	*slot = r;
	r->wire_id = id;
	dst_dns_put16(r->buf + 2, id);
	r->conn = c;
	c->inflight++;
	q_push(&c->sendq, r);
	uv_timer_stop(&c->timer);
}

/*
 * A connection whose certificate only a wrong clock excused, now that the
 * clock has reached the floor: it takes no new queries (they go to a new
 * connection, checked strictly) and closes when idle.
 */
static bool excuse_lapsed(const struct dst_tls_conn *c)
{
	return c->excused && (int64_t)time(NULL) >= dst_tls_clock_floor(NULL);
}

static struct dst_tls_conn *least_loaded(struct dst_tls_pool *p, bool *opening)
{
	struct dst_tls_conn *best = NULL;

	*opening = false;
	for (struct dst_tls_conn *c = p->conns; c; c = c->next) {
		if (c->state != DST_CONN_READY || c->doomed || c->suspect || draining(c) ||
		    excuse_lapsed(c)) {
			*opening |=
				c->state == DST_CONN_CONNECTING || c->state == DST_CONN_HANDSHAKE;
			continue;
		}
		if (c->inflight < p->max_inflight && (!best || c->inflight < best->inflight))
			best = c;
	}
	return best;
}

/*
 * Fails a batch of requests taken off their queues. A callback may cancel
 * another request of the same batch: marked failing, it is only silenced
 * (cb NULL) and freed here in turn.
 */
static void fail_all(struct dst_tls_reqq *q, int status)
{
	struct dst_tls_req *r;

	for (r = q->head; r; r = r->next)
		r->failing = true;
	while ((r = q_pop(q))) {
		dst_tls_answer_cb cb = r->cb;
		void *arg = r->arg;
		free(r);
		if (cb)
			cb(arg, status, NULL, 0);
	}
}

/* Connections that count against max_connections: suspect ones are on their way out. */
static unsigned usable_conns(const struct dst_tls_pool *p)
{
	unsigned n = 0;

	for (const struct dst_tls_conn *c = p->conns; c; c = c->next)
		n += !c->suspect && !excuse_lapsed(c);
	return n;
}

static void dispatch(struct dst_tls_pool *p)
{
	/* A callback below may close the pool: nothing opens on a closing one. */
	while (p->pending.len && !p->closing) {
		bool opening;
		struct dst_tls_conn *c = least_loaded(p, &opening);
		if (c) {
			assign(c, q_pop(&p->pending));
			continue;
		}
		if (!opening && usable_conns(p) < p->max_connections) {
			int r = dst_tls__conn_open(p);
			if (r < 0) {
				struct dst_tls_reqq failed = p->pending;
				memset(&p->pending, 0, sizeof(p->pending));
				fail_all(&failed, r);
			}
		}
		break;
	}
}

/* Corks every unsent request of c into TLS records and writes them once. */
static void write_batch(struct dst_tls_conn *c)
{
	struct dst_tls_pool *p = c->pool;
	struct dst_tls_req *r;
	int ret = 0;

	gnutls_record_cork(c->session);
	while ((r = q_pop(&c->sendq))) {
		ssize_t n = gnutls_record_send(c->session, r->buf, r->len + 2);
		if (n < 0)
			ret = (int)n;
		r->written = true;
		r->answers_at_write = c->answers;
		r->heard_at_write = p->heard;
		p->stats.queries++;
	}
	if (ret >= 0)
		ret = gnutls_record_uncork(c->session, 0);
	if (ret < 0 && ret != GNUTLS_E_AGAIN) {
		dst_tls__set_error(p, "TLS send failed: %s", gnutls_strerror(ret));
		dst_tls__conn_lost(c, DST_ETLS);
		return;
	}
	dst_tls__conn_flush(c);
}

static void on_flush(uv_idle_t *h)
{
	struct dst_tls_pool *p = h->data;

	/* Stopped first: whatever callbacks below queue runs next iteration. */
	uv_idle_stop(&p->flush);
	p->flush_active = false;
	dispatch(p);
	if (p->closing)
		return; /* closed by a callback that dispatch's failures ran */
	for (struct dst_tls_conn *c = p->conns, *next; c; c = next) {
		next = c->next;
		if (c->doomed)
			dst_tls__conn_lost(c, c->reset ? DST_ECANCELED : DST_ETIMEDOUT);
		else if (c->state == DST_CONN_READY && c->sendq.len)
			write_batch(c);
	}
	/* Requests lost above were re-queued: send them in this same pass. */
	if (p->pending.len) {
		dispatch(p);
		for (struct dst_tls_conn *c = p->conns, *next; c; c = next) {
			next = c->next;
			if (c->state == DST_CONN_READY && c->sendq.len)
				write_batch(c);
		}
	}
}

static void start_flush(struct dst_tls_pool *p)
{
	if (!p->flush_active && !p->closing) {
		uv_idle_start(&p->flush, on_flush);
		p->flush_active = true;
	}
}

void dst_tls__conn_ready(struct dst_tls_conn *c)
{
	c->heard = ++c->pool->heard;
	c->pool->connect_failures = 0;
	c->pool->last_error[0] = '\0';
	if (c->pool->pending.len)
		start_flush(c->pool);
	else
		maybe_idle(c);
}

/* A connection that never became ready: try the next address, or give up. */
void dst_tls__conn_failed(struct dst_tls_conn *c, int status)
{
	struct dst_tls_pool *p = c->pool;

	p->stats.conn_failures++;
	p->addr_next = (c->addr_idx + 1) % p->naddrs;
	p->connect_failures++;
	dst_tls__conn_close(c, status);
	if (p->closing || p->conns)
		return;
	if (p->connect_failures < p->naddrs && p->pending.len) {
		dispatch(p);
		return;
	}
	p->connect_failures = 0;
	struct dst_tls_reqq failed = p->pending;
	memset(&p->pending, 0, sizeof(p->pending));
	fail_all(&failed, status);
}

/* A ready connection died: re-send its live requests once, elsewhere. */
void dst_tls__conn_lost(struct dst_tls_conn *c, int status)
{
	struct dst_tls_pool *p = c->pool;
	struct dst_tls_reqq failed = {0};
	struct dst_tls_req *r;

	/* Assigned, not written: to another connection, unless the pool is closing
	 * (dst_tls_pool_close has already failed what was pending). */
	while ((r = q_pop(&c->sendq))) {
		slot_remove(c, r);
		r->conn = NULL;
		q_push_front(p->closing ? &failed : &p->pending, r);
	}
	for (unsigned i = 0; i <= c->slot_mask; i++) {
		r = c->slots[i];
		if (!r)
			continue;
		c->slots[i] = NULL;
		if (!r->cb) {
			free(r);
		} else if ((!r->retried || c->reset) && !p->closing) {
			/* Our own reset (network change) does not use up the one retry. */
			r->retried |= !c->reset;
			r->written = false;
			r->conn = NULL;
			q_push_front(&p->pending, r);
		} else {
			q_push(&failed, r);
		}
	}
	c->inflight = 0;
	c->orphans = 0;
	dst_tls__conn_close(c, status);
	if (p->pending.len)
		start_flush(p);
	fail_all(&failed, status);
}

static bool same_question(const uint8_t *query, size_t qlen, const uint8_t *ans, size_t alen)
{
	size_t end = DST_DNS_HEADER_LEN;

	/* Our own query: uncompressed labels, then type and class. */
	while (end < qlen && query[end] != 0)
		end += query[end] + 1u;
	end += 5;
	if (end > qlen || end > alen || dst_dns_qdcount(ans) != 1)
		return false;
	for (size_t i = DST_DNS_HEADER_LEN; i < end; i++) {
		uint8_t a = query[i], b = ans[i];
		if (a != b && !((a | 0x20) == (b | 0x20) && (a | 0x20) >= 'a' && (a | 0x20) <= 'z'))
			return false;
	}
	return true;
}

void dst_tls__conn_answer(struct dst_tls_conn *c, const uint8_t *wire, size_t len)
{
	struct dst_tls_pool *p = c->pool;

	/* Any frame proves the connection alive, a suspect one too. */
	c->heard = ++p->heard;
	c->suspect = false;
	if (len < DST_DNS_HEADER_LEN) {
		p->stats.unmatched++;
		return;
	}
	struct dst_tls_req *r = *slot_find(c, dst_dns_id(wire));
	if (!r || !r->written || !same_question(r->buf + 2, r->len, wire, len)) {
		p->stats.unmatched++;
		return;
	}
	slot_remove(c, r);
	if (!r->cb)
		c->orphans--;
	p->stats.answers++;
	if (!c->keepalive_seen) {
		/* RFC 7828: the server says how long it keeps an idle connection. */
		c->keepalive_seen = true;
		int ka = dst_dns_edns_keepalive(wire, len);
		if (ka >= 0 && (uint32_t)ka * 100 < c->idle_ms)
			c->idle_ms = (uint32_t)ka * 100;
	}
	dst_tls_answer_cb cb = r->cb;
	void *arg = r->arg;
	uint16_t id = r->caller_id;
	free(r);
	slot_freed(c);
	if (cb) {
		/* The bytes are in this connection's own buffers: restore the caller's ID. */
		dst_dns_set_id((uint8_t *)wire, id);
		cb(arg, 0, wire, len);
	}
}

static void pool_free(struct dst_tls_pool *p)
{
	gnutls_free(p->session_data.data);
	dst_tls__trust_put(p->trust);
	gnutls_priority_deinit(p->prio);
	free(p->addrs);
	free(p->pins);
	free(p->tls_name);
	free(p->name);
	free(p);
}

static void maybe_free(struct dst_tls_pool *p)
{
	if (p->closing && p->handles_open == 0)
		pool_free(p);
}

void dst_tls__conn_freed(struct dst_tls_conn *c)
{
	struct dst_tls_pool *p = c->pool;

	p->handles_open--;
	maybe_free(p);
}

static void on_flush_closed(uv_handle_t *h)
{
	struct dst_tls_pool *p = h->data;

	p->handles_open--;
	maybe_free(p);
}

int dst_tls_pool_new(uv_loop_t *loop, const struct dst_tls_opts *o, struct dst_tls_pool **out)
{
	struct dst_tls_pool *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return DST_ENOMEM;
	p->loop = loop;
	p->name = strdup(o->name ? o->name : "upstream");
	p->addrs = calloc(o->naddrs ? o->naddrs : 1, sizeof(*p->addrs));
	p->tls_name = o->tls_name ? strdup(o->tls_name) : NULL;
	p->pins = calloc(o->npins ? o->npins : 1, sizeof(*p->pins));
	if (!p->name || !p->addrs || !p->pins || (o->tls_name && !p->tls_name)) {
		r = DST_ENOMEM;
		goto fail;
	}
	if (o->naddrs == 0 || (!o->tls_name && o->npins == 0)) {
		r = DST_EINVAL;
		goto fail;
	}
	memcpy(p->addrs, o->addrs, o->naddrs * sizeof(*p->addrs));
	p->naddrs = o->naddrs;
	if (o->npins)
		memcpy(p->pins, o->pins, o->npins * sizeof(*p->pins));
	p->npins = o->npins;
	p->max_connections = o->max_connections ? o->max_connections : 1;
	p->max_inflight = o->max_inflight ? o->max_inflight : 128;
	p->handshake_timeout_ms = o->handshake_timeout_ms ? o->handshake_timeout_ms : 5000;
	p->idle_timeout_ms = o->idle_timeout_ms ? o->idle_timeout_ms : 10000;
	p->event_cb = o->event_cb;
	p->event_arg = o->event_arg;
	p->rnd_used = sizeof(p->rnd);

	r = dst_tls__trust_get(p, o);
	if (r < 0)
		goto fail;
	if (gnutls_priority_init(&p->prio, tls_priority, NULL) < 0) {
		r = DST_ETLS;
		goto fail;
	}
	uv_idle_init(loop, &p->flush);
	p->flush.data = p;
	p->handles_open = 1;
	*out = p;
	return 0;
fail:
	if (p->last_error[0])
		fprintf(stderr, "dotstub: upstream %s: %s\n", p->name ? p->name : "?",
			p->last_error);
	dst_tls__trust_put(p->trust);
	free(p->addrs);
	free(p->pins);
	free(p->tls_name);
	free(p->name);
	free(p);
	return r;
}

void dst_tls_pool_close(struct dst_tls_pool *p)
{
	struct dst_tls_reqq failed = p->pending;

	p->closing = true;
	memset(&p->pending, 0, sizeof(p->pending));
	while (p->conns)
		dst_tls__conn_lost(p->conns, DST_ECANCELED);
	uv_close((uv_handle_t *)&p->flush, on_flush_closed);
	fail_all(&failed, DST_ECANCELED);
}

int dst_tls_send(struct dst_tls_pool *p, const uint8_t *wire, size_t len, dst_tls_answer_cb cb,
		 void *arg, struct dst_tls_req **out)
{
	if (len < DST_DNS_HEADER_LEN || len > DST_DNS_MAX_MSG)
		return DST_EMSGSIZE;
	if (p->closing)
		return DST_ECANCELED;
	struct dst_tls_req *r = malloc(sizeof(*r) + len + 2);
	if (!r)
		return DST_ENOMEM;
	memset(r, 0, sizeof(*r));
	r->pool = p;
	r->cb = cb;
	r->arg = arg;
	r->len = len;
	r->caller_id = dst_dns_id(wire);
	dst_frame_prefix(r->buf, len);
	memcpy(r->buf + 2, wire, len);
	q_push(&p->pending, r);
	start_flush(p);
	*out = r;
	return 0;
}

void dst_tls_cancel(struct dst_tls_req *r, int reason)
{
	struct dst_tls_pool *p = r->pool;
	struct dst_tls_conn *c = r->conn;

	if (r->failing) {
		r->cb = NULL;
		return;
	}
	if (!c) {
		q_remove(&p->pending, r);
		free(r);
		return;
	}
	if (!r->written) {
		q_remove(&c->sendq, r);
		slot_remove(c, r);
		free(r);
		slot_freed(c);
		return;
	}
	/* Keep the ID reserved until its answer comes or the connection goes. */
	r->cb = NULL;
	c->orphans++;
	if (reason == DST_ETIMEDOUT && c->answers == r->answers_at_write && !c->doomed) {
		/* Not one answer since this query went out: presume the connection dead. */
		dst_tls__set_error(p, "no answer on the connection since the query was written");
		c->doomed = true;
		start_flush(p);
		return;
	}
	slot_freed(c);
}

/*
 * c has heard nothing since a request on it (or on a sibling) timed out:
 * it takes no new requests, its unsent ones go back to the pending queue
 * (to a fresh connection), and it is closed once no live request is left
 * on it. Its live requests stay: their answers still count, and an answer
 * clears the suspicion.
 */
static void suspect(struct dst_tls_conn *c)
{
	struct dst_tls_pool *p = c->pool;
	struct dst_tls_req *r;

	c->suspect = true;
	while ((r = q_pop(&c->sendq))) {
		slot_remove(c, r);
		r->conn = NULL;
		q_push_front(&p->pending, r);
	}
	if (c->inflight == c->orphans)
		c->doomed = true;
	start_flush(p);
}

bool dst_tls_timed_out(struct dst_tls_req *r)
{
	struct dst_tls_pool *p = r->pool;
	struct dst_tls_conn *c = r->conn;

	/* A reset connection's requests are re-sent by the pool itself. */
	if (r->failing || !r->cb || !c || !r->written || c->heard > r->heard_at_write || c->reset)
		return false;
	if (c->doomed || c->suspect)
		return true;
	dst_tls__set_error(p, "no answer on the connection since the query was written");
	/* c itself is one of them: it has heard nothing since r was written. */
	for (struct dst_tls_conn *s = p->conns; s; s = s->next)
		if (s->state == DST_CONN_READY && !s->doomed && !s->suspect &&
		    s->heard <= r->heard_at_write)
			suspect(s);
	return true;
}

bool dst_tls_presumed_dead(const struct dst_tls_req *r)
{
	const struct dst_tls_conn *c = r->conn;

	return !r->failing && c && r->written && c->heard <= r->heard_at_write &&
	       (c->suspect || (c->doomed && !c->reset));
}

void dst_tls_pool_reset(struct dst_tls_pool *p)
{
	for (struct dst_tls_conn *c = p->conns; c; c = c->next)
		if (!c->doomed) {
			c->doomed = c->reset = true;
			start_flush(p);
		}
}

int dst_tls_pool_set_addrs(struct dst_tls_pool *p, const struct sockaddr_storage *addrs, size_t n)
{
	if (n == 0)
		return DST_EINVAL;
	struct sockaddr_storage *copy = malloc(n * sizeof(*copy));
	if (!copy)
		return DST_ENOMEM;
	memcpy(copy, addrs, n * sizeof(*copy));
	free(p->addrs);
	p->addrs = copy;
	p->naddrs = n;
	/* Connections already opening have their address; the rotation starts over. */
	p->addr_next = 0;
	p->connect_failures = 0;
	return 0;
}

const char *dst_tls_pool_last_error(const struct dst_tls_pool *p)
{
	return p->last_error;
}

void dst_tls_pool_stats(const struct dst_tls_pool *p, struct dst_tls_stats *st)
{
	*st = p->stats;
}
