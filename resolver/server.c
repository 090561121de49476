/*
 * The server: UDP and TCP listeners, TCP clients, upstream health, signals.
 *
 * UDP datagrams are read into srv->rbuf and handled synchronously, so one
 * buffer serves every listener. TCP clients may pipeline: each framed
 * message becomes an independent query and answers go back in whatever
 * order they complete (RFC 7766). A client is closed after
 * tcp-idle-timeout without traffic, on error, or once it has half-closed
 * and every answer it waits for is written.
 *
 * Upstream health here is deliberately simple: a failure starts (or, once
 * the window is over, doubles) a backoff during which queries prefer other
 * upstreams; any answer ends it. State changes are logged once.
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "resolver/internal.h"
#include "resolver/log.h"
#include "resolver/server.h"

#define BACKOFF_START_MS 1000
#define BACKOFF_MAX_MS (5 * 60 * 1000)
#define TCP_BACKLOG 128

void dst_server__upstream_failed(struct dst_server *srv, struct dst_upstream *up, int status)
{
	uint64_t now = uv_now(srv->loop);

	if (status == DST_ECANCELED)
		return;
	/* Many queries fail together when one connection does: count it once. */
	if (now >= up->retry_after_ms) {
		up->backoff_ms = up->backoff_ms ? up->backoff_ms * 2 : BACKOFF_START_MS;
		if (up->backoff_ms > BACKOFF_MAX_MS)
			up->backoff_ms = BACKOFF_MAX_MS;
		up->retry_after_ms = now + up->backoff_ms;
	}
	if (!up->down || up->last_status != status) {
		const char *detail = dst_tls_pool_last_error(up->pool);
		dst_log(DST_LOG_WARN, "upstream %s failed: %s%s%s", up->cfg->name, dst_strerror(status),
			detail[0] ? ": " : "", detail);
	}
	up->down = true;
	up->last_status = status;
}

void dst_server__upstream_ok(struct dst_server *srv, struct dst_upstream *up)
{
	if (up->down)
		dst_log(DST_LOG_NOTICE, "upstream %s is answering again", up->cfg->name);
	up->down = false;
	up->last_status = 0;
	up->backoff_ms = 0;
	up->retry_after_ms = 0;
}

/* UDP */

struct udp_send {
	uv_udp_send_t req;
	uint8_t data[];
};

static void on_udp_sent(uv_udp_send_t *req, int status)
{
	free(req);
}

static void send_udp(struct dst_udp_listener *l, const struct sockaddr *peer, const uint8_t *wire,
		     size_t len)
{
	uv_buf_t b = uv_buf_init((char *)wire, (unsigned)len);
	int r = uv_udp_try_send(&l->udp, &b, 1, peer);

	if (r >= 0 || (r != UV_EAGAIN && r != UV_ENOSYS))
		return;
	/* The socket buffer is full: queue a copy. */
	struct udp_send *s = malloc(sizeof(*s) + len);
	if (!s)
		return;
	memcpy(s->data, wire, len);
	b = uv_buf_init((char *)s->data, (unsigned)len);
	if (uv_udp_send(&s->req, &l->udp, &b, 1, peer, on_udp_sent) < 0)
		free(s);
}

static void on_udp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct dst_udp_listener *l = h->data;

	*buf = uv_buf_init((char *)l->srv->rbuf, sizeof(l->srv->rbuf));
}

static void on_udp_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *peer,
			unsigned flags)
{
	struct dst_udp_listener *l = h->data;

	if (nread <= 0 || !peer || (flags & UV_UDP_PARTIAL))
		return;
	struct dst_reply_to to = {.udp = l, .peer = peer};
	dst_query_handle(l->srv, (const uint8_t *)buf->base, (size_t)nread, &to);
}

/* TCP clients */

struct tcp_write {
	uv_write_t req;
	struct dst_tcp_client *client;
	uint8_t data[];
};

static void client_close(struct dst_tcp_client *c);

static void client_maybe_done(struct dst_tcp_client *c)
{
	if (!c->closing && c->read_eof && c->nqueries == 0 && c->writes_pending == 0)
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

static void send_tcp(struct dst_tcp_client *c, const uint8_t *wire, size_t len)
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
}

void dst_server__send(struct dst_server *srv, const struct dst_reply_to *to, const uint8_t *wire,
		      size_t len)
{
	if (to->tcp)
		send_tcp(to->tcp, wire, len);
	else if (to->udp)
		send_udp(to->udp, to->peer, wire, len);
}

void dst_server__client_query_done(struct dst_tcp_client *c)
{
	client_maybe_done(c);
}

static void on_client_closed(uv_handle_t *h)
{
	struct dst_tcp_client *c = h->data;

	if (--c->handles_open == 0) {
		dst_frame_reset(&c->frames);
		free(c);
	}
}

static void client_close(struct dst_tcp_client *c)
{
	struct dst_server *srv = c->srv;

	if (c->closing)
		return;
	c->closing = true;
	/* Queries still waiting upstream finish on their own; their answers are dropped. */
	for (struct dst_query *q = c->queries; q; q = q->tcp_next)
		q->tcp = NULL;
	c->queries = NULL;
	c->nqueries = 0;
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	uv_close((uv_handle_t *)&c->idle, on_client_closed);
	uv_close((uv_handle_t *)&c->tcp, on_client_closed);
}

static int on_client_message(void *arg, const uint8_t *wire, size_t len)
{
	struct dst_tcp_client *c = arg;
	struct dst_reply_to to = {.tcp = c};

	dst_query_handle(c->srv, wire, len, &to);
	return c->closing ? 1 : 0;
}

static void on_client_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct dst_tcp_client *c = h->data;

	*buf = uv_buf_init((char *)c->srv->rbuf, sizeof(c->srv->rbuf));
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
	uv_timer_again(&c->idle);
	if (dst_frame_feed(&c->frames, (const uint8_t *)buf->base, (size_t)nread, on_client_message, c) ==
	    DST_ENOMEM)
		client_close(c);
}

static void on_client_idle(uv_timer_t *t)
{
	struct dst_tcp_client *c = t->data;

	if (c->nqueries == 0 && c->writes_pending == 0)
		client_close(c);
}

static void on_tcp_connection(uv_stream_t *server, int status)
{
	struct dst_tcp_listener *l = server->data;
	struct dst_server *srv = l->srv;

	if (status < 0)
		return;
	struct dst_tcp_client *c = calloc(1, sizeof(*c));
	if (!c)
		return;
	c->srv = srv;
	uv_tcp_init(srv->loop, &c->tcp);
	uv_timer_init(srv->loop, &c->idle);
	c->tcp.data = c->idle.data = c;
	c->handles_open = 2;
	dst_frame_init(&c->frames);
	c->next = srv->clients;
	if (c->next)
		c->next->prev = c;
	srv->clients = c;
	if (uv_accept(server, (uv_stream_t *)&c->tcp) < 0 ||
	    uv_read_start((uv_stream_t *)&c->tcp, on_client_alloc, on_client_read) < 0) {
		client_close(c);
		return;
	}
	uint32_t idle = srv->cfg->tcp_idle_timeout_ms;
	uv_timer_start(&c->idle, on_client_idle, idle, idle);
}

/* Setup and teardown */

static int bind_listeners(struct dst_server *srv)
{
	const struct dst_config *cfg = srv->cfg;

	srv->udp = calloc(cfg->nlisten, sizeof(*srv->udp));
	srv->tcp = calloc(cfg->nlisten, sizeof(*srv->tcp));
	if (!srv->udp || !srv->tcp)
		return DST_ENOMEM;
	for (size_t i = 0; i < cfg->nlisten; i++) {
		const struct dst_config_addr *a = &cfg->listen[i];
		const struct sockaddr *sa = (const struct sockaddr *)&a->ss;
		bool v6 = sa->sa_family == AF_INET6;
		struct dst_udp_listener *u = &srv->udp[srv->nudp];
		struct dst_tcp_listener *t = &srv->tcp[srv->ntcp];
		int r;

		uv_udp_init(srv->loop, &u->udp);
		u->udp.data = u;
		u->srv = srv;
		srv->nudp++;
		r = uv_udp_bind(&u->udp, sa, v6 ? UV_UDP_IPV6ONLY : 0);
		if (r == 0)
			r = uv_udp_recv_start(&u->udp, on_udp_alloc, on_udp_recv);
		if (r < 0) {
			dst_log(DST_LOG_ERR, "listen %s (udp): %s", a->text, uv_strerror(r));
			return r;
		}
		uv_tcp_init(srv->loop, &t->tcp);
		t->tcp.data = t;
		t->srv = srv;
		srv->ntcp++;
		r = uv_tcp_bind(&t->tcp, sa, v6 ? UV_TCP_IPV6ONLY : 0);
		if (r == 0)
			r = uv_listen((uv_stream_t *)&t->tcp, TCP_BACKLOG, on_tcp_connection);
		if (r < 0) {
			dst_log(DST_LOG_ERR, "listen %s (tcp): %s", a->text, uv_strerror(r));
			return r;
		}
		dst_log(DST_LOG_INFO, "listening on %s (udp, tcp)", a->text);
	}
	return 0;
}

static void on_tls_event(void *arg, const char *upstream, const char *msg)
{
	dst_log(DST_LOG_INFO, "upstream %s: %s", upstream, msg);
}

static int make_upstreams(struct dst_server *srv)
{
	const struct dst_config *cfg = srv->cfg;

	if (cfg->nupstreams > DST_MAX_UPSTREAMS) {
		dst_log(DST_LOG_ERR, "at most %d upstreams are supported", DST_MAX_UPSTREAMS);
		return DST_EINVAL;
	}
	srv->ups = calloc(cfg->nupstreams, sizeof(*srv->ups));
	if (!srv->ups)
		return DST_ENOMEM;
	for (size_t i = 0; i < cfg->nupstreams; i++) {
		const struct dst_config_upstream *u = &cfg->upstreams[i];
		struct sockaddr_storage addrs[16];
		size_t n = u->naddrs < 16 ? u->naddrs : 16;
		for (size_t k = 0; k < n; k++)
			addrs[k] = u->addrs[k].ss;
		struct dst_tls_opts o = {
			.name = u->name,
			.addrs = addrs,
			.naddrs = n,
			.tls_name = u->tls_name,
			.pins = (const uint8_t(*)[DST_TLS_PIN_LEN])u->pins,
			.npins = u->npins,
			.ca_file = u->ca_file,
			.handshake_timeout_ms = cfg->query_timeout_ms,
			.event_cb = on_tls_event,
		};
		int r = dst_tls_pool_new(srv->loop, &o, &srv->ups[i].pool);
		if (r < 0) {
			dst_log(DST_LOG_ERR, "upstream %s: cannot set up TLS: %s", u->name, dst_strerror(r));
			return r;
		}
		srv->ups[i].cfg = u;
		srv->ups[i].index = (unsigned)i;
		srv->nups++;
	}
	return 0;
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct dst_server *srv = h->data;

	dst_log(DST_LOG_NOTICE, "signal %d: shutting down", signum);
	dst_server_stop(srv);
}

int dst_server_new(uv_loop_t *loop, const struct dst_config *cfg, struct dst_server **out)
{
	struct dst_server *srv = calloc(1, sizeof(*srv));
	int r;

	if (!srv)
		return DST_ENOMEM;
	srv->loop = loop;
	srv->cfg = cfg;
	*out = srv;
	srv->inflight = calloc(DST_INFLIGHT_BUCKETS, sizeof(*srv->inflight));
	if (!srv->inflight)
		return DST_ENOMEM;
	srv->inflight_mask = DST_INFLIGHT_BUCKETS - 1;
	if (cfg->cache_size) {
		srv->cache = dst_cache_new(cfg->cache_size, cfg->cache_min_ttl, cfg->cache_max_ttl);
		if (!srv->cache)
			return DST_ENOMEM;
	}
	uv_signal_init(loop, &srv->sigint);
	uv_signal_init(loop, &srv->sigterm);
	srv->sigint.data = srv->sigterm.data = srv;
	uv_signal_start(&srv->sigint, on_signal, SIGINT);
	uv_signal_start(&srv->sigterm, on_signal, SIGTERM);
	r = make_upstreams(srv);
	if (r == 0)
		r = bind_listeners(srv);
	return r;
}

void dst_server_stop(struct dst_server *srv)
{
	if (srv->stopping)
		return;
	srv->stopping = true;
	uv_close((uv_handle_t *)&srv->sigint, NULL);
	uv_close((uv_handle_t *)&srv->sigterm, NULL);
	for (size_t i = 0; i < srv->nudp; i++)
		uv_close((uv_handle_t *)&srv->udp[i].udp, NULL);
	for (size_t i = 0; i < srv->ntcp; i++)
		uv_close((uv_handle_t *)&srv->tcp[i].tcp, NULL);
	while (srv->clients)
		client_close(srv->clients);
	dst_query_abort_all(srv);
	for (size_t i = 0; i < srv->nups; i++)
		dst_tls_pool_close(srv->ups[i].pool);
}

void dst_server_free(struct dst_server *srv)
{
	if (!srv)
		return;
	if (srv->cache)
		dst_cache_free(srv->cache);
	free(srv->inflight);
	free(srv->ups);
	free(srv->udp);
	free(srv->tcp);
	free(srv);
}
