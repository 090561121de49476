/*
 * TCP clients. A client may pipeline: each framed message becomes an
 * independent query and answers go back in whatever order they complete
 * (RFC 7766). A client is closed after tcp-idle-timeout without traffic,
 * on error, or once it has half-closed and every answer it waits for is
 * written. "Idle" means no whole message read and no answer written: a
 * client trickling bytes of a message is closed too.
 *
 * Limits: max-tcp-clients at accept (the oldest refused, else idle, else
 * any client makes room); max-tcp-pipeline per client (reading stops, the
 * rest waits in the client's backlog); a client that does not read its
 * answers is closed once DST_TCP_MAX_WRITE_QUEUE bytes wait, or when no
 * answer could be written for tcp-idle-timeout.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "resolver/base/addr.h"
#include "resolver/base/log.h"
#include "resolver/listen/internal.h"

struct tcp_write {
	uv_write_t req;
	struct dst_tcp_client *client;
	uint8_t data[];
};

static void client_close(struct dst_tcp_client *c);

static void client_maybe_done(struct dst_tcp_client *c)
{
	/* Shutting down is like the client having half-closed: nothing more is read. */
	if (!c->closing && (c->read_eof || c->ls->stopping) && c->queries.n == 0 &&
	    c->writes_pending == 0 && c->backlog_off == c->backlog_len)
		client_close(c);
}

static void on_tcp_written(uv_write_t *req, int status)
{
	struct tcp_write *w = (struct tcp_write *)req;
	struct dst_tcp_client *c = w->client;

	free(w);
	c->writes_pending--;
	if (status < 0 && !c->closing) {
		client_close(c);
		return;
	}
	if (!c->closing)
		uv_timer_again(&c->idle);
	client_maybe_done(c);
}

void dst_listen__tcp_send(struct dst_tcp_client *c, const uint8_t *wire, size_t len)
{
	if (c->closing)
		return;
	struct tcp_write *w = malloc(sizeof(*w) + len + 2);
	if (!w) {
		client_close(c);
		return;
	}
	w->client = c;
	dst_frame_prefix(w->data, len);
	memcpy(w->data + 2, wire, len);
	uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)len + 2);
	if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_tcp_written) < 0) {
		free(w);
		client_close(c);
		return;
	}
	c->writes_pending++;
	/* What the kernel would not take yet: a client that does not read. */
	if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) > DST_TCP_MAX_WRITE_QUEUE) {
		dst_count_log(&c->ls->stats.tcp_not_reading,
			      "TCP client closed: over %d KiB of answers it does not read",
			      DST_TCP_MAX_WRITE_QUEUE / 1024);
		client_close(c);
	}
}

static void client_drain(struct dst_tcp_client *c);

void dst_listen__client_query_done(struct dst_tcp_client *c)
{
	client_drain(c);
	client_maybe_done(c);
}

static void on_client_closed(uv_handle_t *h)
{
	struct dst_tcp_client *c = h->data;

	if (--c->handles_open == 0) {
		dst_frame_reset(&c->frames);
		free(c->backlog);
		free(c);
	}
}

static void client_close(struct dst_tcp_client *c)
{
	struct dst_listen *ls = c->ls;

	if (c->closing)
		return;
	c->closing = true;
	/* Queries still waiting upstream finish on their own; their answers are dropped. */
	dst_query_list_orphan(&c->queries);
	if (c->prev)
		c->prev->next = c->next;
	else
		ls->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	ls->nclients--;
	uv_close((uv_handle_t *)&c->idle, on_client_closed);
	uv_close((uv_handle_t *)&c->tcp, on_client_closed);
}

/* Keeps a message (with its length) for when the client is below max-tcp-pipeline again. */
static int backlog_push(struct dst_tcp_client *c, const uint8_t *wire, size_t len)
{
	size_t need = c->backlog_len + 2 + len;

	if (need > c->backlog_cap) {
		size_t cap = c->backlog_cap ? c->backlog_cap : 1024;
		while (cap < need)
			cap *= 2;
		uint8_t *b = realloc(c->backlog, cap);
		if (!b)
			return DST_ENOMEM;
		c->backlog = b;
		c->backlog_cap = cap;
	}
	dst_frame_prefix(c->backlog + c->backlog_len, len);
	memcpy(c->backlog + c->backlog_len + 2, wire, len);
	c->backlog_len = need;
	return 0;
}

static void client_pause(struct dst_tcp_client *c)
{
	if (c->paused)
		return;
	c->paused = true;
	uv_read_stop((uv_stream_t *)&c->tcp);
	dst_count_log(&c->ls->stats.tcp_paused,
		      "TCP client reached max-tcp-pipeline (%u): reading paused",
		      (unsigned)c->ls->cfg->max_tcp_pipeline);
}

static void on_client_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);
static void on_client_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);

/*
 * Handles backlogged messages while the client is below max-tcp-pipeline,
 * and reads again once the backlog is empty. Not re-entered: a query that
 * finishes at once calls back here through dst_listen__client_query_done.
 */
static void client_drain(struct dst_tcp_client *c)
{
	uint32_t max = c->ls->cfg->max_tcp_pipeline;
	struct dst_reply_to to = {.tcp = c, .tcp_queries = &c->queries};

	if (c->feeding || c->draining || c->closing)
		return;
	c->draining = true;
	while (!c->closing && c->backlog_off < c->backlog_len && c->queries.n < max) {
		const uint8_t *m = c->backlog + c->backlog_off;
		size_t len = dst_dns_get16(m);

		c->backlog_off += 2 + len;
		dst_query_handle(c->ls->queries, m + 2, len, &to);
	}
	c->draining = false;
	if (c->closing || c->backlog_off < c->backlog_len)
		return;
	free(c->backlog);
	c->backlog = NULL;
	c->backlog_len = c->backlog_cap = c->backlog_off = 0;
	if (c->paused && c->queries.n < max) {
		c->paused = false;
		if (uv_read_start((uv_stream_t *)&c->tcp, on_client_alloc, on_client_read) < 0)
			client_close(c);
	}
}

void dst_listen__client_close(struct dst_tcp_client *c)
{
	client_close(c);
}

void dst_listen__client_stop_reading(struct dst_tcp_client *c)
{
	if (c->closing)
		return;
	uv_read_stop((uv_stream_t *)&c->tcp);
	/* Messages held back by max-tcp-pipeline are not started any more. */
	free(c->backlog);
	c->backlog = NULL;
	c->backlog_len = c->backlog_cap = c->backlog_off = 0;
	c->paused = false;
	client_maybe_done(c);
}

static int on_client_message(void *arg, const uint8_t *wire, size_t len)
{
	struct dst_tcp_client *c = arg;
	struct dst_reply_to to = {.tcp = c, .tcp_queries = &c->queries};

	c->ls->stats.queries++;
	uv_timer_again(&c->idle);
	if (c->refused) {
		dst_query_reject(c->ls->queries, wire, len, &to, DST_DNS_RCODE_REFUSED, false);
		return c->closing ? 1 : 0;
	}
	if (c->backlog_len || c->queries.n >= c->ls->cfg->max_tcp_pipeline) {
		if (backlog_push(c, wire, len) < 0) {
			client_close(c);
			return 1;
		}
		client_pause(c);
		return 0;
	}
	dst_query_handle(c->ls->queries, wire, len, &to);
	return c->closing ? 1 : 0;
}

static void on_client_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct dst_tcp_client *c = h->data;

	*buf = uv_buf_init((char *)c->ls->rbuf, sizeof(c->ls->rbuf));
}

static void on_client_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct dst_tcp_client *c = s->data;

	if (nread == 0)
		return;
	if (nread == UV_EOF) {
		c->read_eof = true;
		uv_read_stop(s);
		client_maybe_done(c);
		return;
	}
	if (nread < 0) {
		client_close(c);
		return;
	}
	c->feeding = true;
	int r = dst_frame_feed(&c->frames, (const uint8_t *)buf->base, (size_t)nread,
			       on_client_message, c);
	c->feeding = false;
	if (r == DST_ENOMEM)
		client_close(c);
	client_drain(c);
}

/*
 * Nothing read and nothing written for tcp-idle-timeout. Queries still
 * waiting upstream keep the client (they end within query-timeout); an
 * answer that could not be written all this time means the client does
 * not read, and that closes it whatever it still waits for.
 */
static void on_client_idle(uv_timer_t *t)
{
	struct dst_tcp_client *c = t->data;

	if (c->queries.n == 0 || c->writes_pending > 0)
		client_close(c);
}

/*
 * Closes one client to make room at max-tcp-clients: the oldest refused
 * one, else the oldest with nothing in progress, else the oldest. O(n) in
 * the clients, only when the limit is reached.
 */
static void evict_one(struct dst_listen *ls, struct dst_tcp_client *except)
{
	struct dst_tcp_client *refused = NULL, *idle = NULL, *oldest = NULL;

	for (struct dst_tcp_client *c = ls->clients; c; c = c->next) {
		if (c == except)
			continue;
		oldest = c;
		if (c->refused)
			refused = c;
		else if (c->queries.n == 0 && c->writes_pending == 0 && !c->backlog)
			idle = c;
	}
	struct dst_tcp_client *victim = refused ? refused : idle ? idle : oldest;
	if (!victim)
		return;
	dst_count_log(&ls->stats.tcp_evicted,
		      "max-tcp-clients (%u) reached: closed the oldest %s client",
		      (unsigned)ls->cfg->max_tcp_clients,
		      victim == refused ? "refused"
		      : victim == idle  ? "idle"
					: "busy");
	client_close(victim);
}

/* Whether the access list allows the client at the other end of c. */
static bool client_allowed(struct dst_tcp_client *c)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	char ip[DST_ADDR_TEXT_LEN];

	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) < 0)
		return false;
	if (dst_acl_allows(c->ls->acl, (struct sockaddr *)&ss))
		return true;
	dst_count_log(&c->ls->stats.acl_refused_tcp,
		      "TCP connection from %s: not allowed by the access list, "
		      "answering REFUSED",
		      dst_addr_text((struct sockaddr *)&ss, ip));
	return false;
}

void dst_listen__on_tcp_connection(uv_stream_t *server, int status)
{
	struct dst_tcp_listener *l = server->data;
	struct dst_listen *ls = l->ls;

	if (status < 0)
		return;
	struct dst_tcp_client *c = calloc(1, sizeof(*c));
	if (!c)
		return;
	c->ls = ls;
	uv_tcp_init(ls->loop, &c->tcp);
	uv_timer_init(ls->loop, &c->idle);
	c->tcp.data = c->idle.data = c;
	c->handles_open = 2;
	dst_frame_init(&c->frames);
	c->next = ls->clients;
	if (c->next)
		c->next->prev = c;
	ls->clients = c;
	ls->nclients++;
	if (uv_accept(server, (uv_stream_t *)&c->tcp) < 0) {
		client_close(c);
		return;
	}
	c->refused = !client_allowed(c);
	if (ls->nclients > ls->cfg->max_tcp_clients) {
		/* A refused client never pushes out one that is served. */
		if (c->refused) {
			client_close(c);
			return;
		}
		evict_one(ls, c);
	}
	if (uv_read_start((uv_stream_t *)&c->tcp, on_client_alloc, on_client_read) < 0) {
		client_close(c);
		return;
	}
	uint32_t idle = ls->cfg->tcp_idle_timeout_ms;
	uv_timer_start(&c->idle, on_client_idle, idle, idle);
}
