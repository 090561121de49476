/*
 * The server: UDP and TCP listeners, TCP clients, upstream health, signals.
 *
 * UDP datagrams are read in batches (udpbatch.h) into srv->batch and handled
 * synchronously; the answers made meanwhile (errors, cache hits) go out
 * together when the batch is done. With threads > 1, worker loops
 * (workers.c) read the same addresses through their own SO_REUSEPORT
 * sockets, answer hits themselves and pass the rest here.
 *
 * TCP clients may pipeline: each framed message becomes an independent query and answers go back in whatever
 * order they complete (RFC 7766). A client is closed after
 * tcp-idle-timeout without traffic, on error, or once it has half-closed
 * and every answer it waits for is written.
 *
 * Abuse limits, all checked here before a message reaches query.c: the
 * access list at the top of the UDP receive path (a refused client's
 * datagram is dropped) and at TCP accept (a refused client's queries get
 * REFUSED); the per-client UDP rate limit; max-tcp-clients at accept (the
 * oldest refused, else idle, else any client makes room); max-tcp-pipeline
 * per client (reading stops, the rest waits in the client's backlog); and
 * a client that does not read its answers is closed once
 * DST_TCP_MAX_WRITE_QUEUE bytes wait, or when no answer could be written
 * for tcp-idle-timeout. "Idle" means no whole message read and no answer
 * written: a client trickling bytes of a message is closed too.
 *
 * Listeners are allocated one per address (struct dst_listener) so that a
 * reload (reload.c) can keep some and close others; stopping is in
 * shutdown.c.
 *
 * Upstream health here is deliberately simple: a failure starts (or, once
 * the window is over, doubles) a backoff during which queries prefer other
 * upstreams; any answer ends it. State changes are logged once.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns/err.h"
#include "resolver/base/addr.h"
#include "resolver/control.h"
#include "resolver/internal.h"
#include "resolver/base/log.h"
#include "resolver/metrics.h"
#include "resolver/server.h"
#include "resolver/io/udpbatch.h"
#include "resolver/workers.h"

#define TCP_BACKLOG 128

/* UDP */

struct udp_send {
	uv_udp_send_t req;
	uint8_t data[];
};

static void on_udp_sent(uv_udp_send_t *req, int status)
{
	free(req);
}

/*
 * Answers queued outside a receive batch (misses answered from upstream,
 * timeouts) go out together at the end of the loop iteration: one sendmmsg
 * for all the answers one upstream read produced.
 */
static void flush_now(struct dst_server *srv)
{
	uv_check_stop(&srv->flush_check);
	uv_prepare_stop(&srv->flush_prepare);
	srv->flush_armed = false;
	dst_udp_batch_flush(srv->batch);
}

static void on_flush_check(uv_check_t *h)
{
	flush_now(h->data);
}

static void on_flush_prepare(uv_prepare_t *h)
{
	flush_now(h->data);
}

/* The socket buffer is full: queue a copy for libuv to send when it drains. */
static void queue_udp(void *owner, const struct sockaddr *peer, const uint8_t *wire, size_t len)
{
	struct dst_udp_listener *l = owner;
	struct udp_send *s = malloc(sizeof(*s) + len);
	uv_buf_t b;

	if (!s)
		return;
	memcpy(s->data, wire, len);
	b = uv_buf_init((char *)s->data, (unsigned)len);
	if (uv_udp_send(&s->req, &l->udp, &b, 1, peer, on_udp_sent) < 0)
		free(s);
}

static void send_udp(struct dst_udp_listener *l, const struct sockaddr *peer, const uint8_t *wire,
		     size_t len)
{
	struct dst_server *srv = l->srv;

	/* Closing: its descriptor may already be gone (shutdown, reload). */
	if (uv_is_closing((uv_handle_t *)&l->udp))
		return;
	if (dst_udp_batch_add(srv->batch, l->fd, l, peer, wire, len)) {
		if (!srv->batching && !srv->flush_armed) {
			/* After this loop iteration's callbacks, or before it sleeps. */
			uv_check_start(&srv->flush_check, on_flush_check);
			uv_prepare_start(&srv->flush_prepare, on_flush_prepare);
			srv->flush_armed = true;
		}
		return;
	}

	uv_buf_t b = uv_buf_init((char *)wire, (unsigned)len);
	int r = uv_udp_try_send(&l->udp, &b, 1, peer);

	if (r >= 0 || (r != UV_EAGAIN && r != UV_ENOSYS))
		return;
	queue_udp(l, peer, wire, len);
}

/* Answers made from here until dst_server__udp_batch_end go out in one sendmmsg. */
void dst_server__udp_batch_begin(struct dst_server *srv)
{
	srv->batching = true;
}

void dst_server__udp_batch_end(struct dst_server *srv)
{
	srv->batching = false;
	dst_udp_batch_flush(srv->batch);
}

void dst_server__udp_query(struct dst_udp_listener *l, const uint8_t *wire, size_t len,
			   const struct sockaddr *peer, bool counted)
{
	struct dst_server *srv = l->srv;
	char ip[INET6_ADDRSTRLEN];

	if (!counted)
		srv->stats.queries++;
	/* No answer at all to a refused client: its address may be spoofed. */
	if (!dst_acl_allows(srv->acl, peer)) {
		dst_count_log(&srv->stats.acl_dropped,
				  "UDP query from %s dropped: not allowed by the access list",
				  dst_addr_text(peer, ip));
		return;
	}
	struct dst_reply_to to = {.udp = l, .peer = peer};
	if (srv->ratelimit && !dst_ratelimit_take(srv->ratelimit, peer, uv_now(srv->loop))) {
		dst_count_log(&srv->stats.ratelimited, "UDP query from %s over the rate limit",
				  dst_addr_text(peer, ip));
		if (srv->cfg->ratelimit_action == DST_CONFIG_RL_TRUNCATE)
			dst_query_reject(srv, wire, len, &to, DST_DNS_RCODE_NOERROR, true);
		return;
	}
	dst_query_handle(srv, wire, len, &to);
}

/*
 * Reads what waits, a batch at a time, and answers it. A full batch is
 * followed by another read, a few at most, so that other handles get their
 * turn; a short one means the socket is empty (the poll is level-triggered:
 * anything arriving meanwhile wakes it again).
 */
static void on_udp_readable(uv_poll_t *p, int status, int events)
{
	struct dst_udp_listener *l = p->data;
	struct dst_server *srv = l->srv;
	struct dst_udp_batch *b = srv->batch;

	if (status < 0) {
		/* libuv stopped the poll: log, and read on (the error is the socket's, for one datagram). */
		dst_count_log(&srv->stats.udp_errors, "UDP socket error: %s", uv_strerror(status));
		uv_poll_start(p, UV_READABLE, on_udp_readable);
		return;
	}
	if (!(events & UV_READABLE))
		return;
	for (unsigned round = 0; round < 4; round++) {
		int n = dst_udp_batch_recv(b, l->rfd);

		if (n <= 0)
			break;
		dst_server__udp_batch_begin(srv);
		for (int i = 0; i < n; i++)
			dst_server__udp_query(l, b->in_buf[i], b->in[i].msg_len,
					      (const struct sockaddr *)&b->in_peer[i], false);
		dst_server__udp_batch_end(srv);
		if (n < DST_UDP_BATCH)
			break;
	}
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
	/* Shutting down is like the client having half-closed: nothing more is read. */
	if (!c->closing && (c->read_eof || c->srv->stopping) && c->nqueries == 0 &&
	    c->writes_pending == 0 &&
	    c->backlog_off == c->backlog_len)
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
	/* What the kernel would not take yet: a client that does not read. */
	if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) > DST_TCP_MAX_WRITE_QUEUE) {
		dst_count_log(&c->srv->stats.tcp_not_reading,
				  "TCP client closed: over %d KiB of answers it does not read",
				  DST_TCP_MAX_WRITE_QUEUE / 1024);
		client_close(c);
	}
}

void dst_server__send(struct dst_server *srv, const struct dst_reply_to *to, const uint8_t *wire,
		      size_t len)
{
	if (len >= DST_DNS_HEADER_LEN)
		srv->stats.rcodes[dst_dns_rcode(wire)]++;
	if (srv->cfg->log_queries)
		dst_querylog(srv, to, wire, len);
	if (to->tcp)
		send_tcp(to->tcp, wire, len);
	else if (to->udp)
		send_udp(to->udp, to->peer, wire, len);
}

static void client_drain(struct dst_tcp_client *c);

void dst_server__client_query_done(struct dst_tcp_client *c)
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
	srv->nclients--;
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
	dst_count_log(&c->srv->stats.tcp_paused,
			  "TCP client reached max-tcp-pipeline (%u): reading paused",
			  (unsigned)c->srv->cfg->max_tcp_pipeline);
}

static void on_client_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);
static void on_client_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);

/*
 * Handles backlogged messages while the client is below max-tcp-pipeline,
 * and reads again once the backlog is empty. Not re-entered: a query that
 * finishes at once calls back here through dst_server__client_query_done.
 */
static void client_drain(struct dst_tcp_client *c)
{
	uint32_t max = c->srv->cfg->max_tcp_pipeline;
	struct dst_reply_to to = {.tcp = c};

	if (c->feeding || c->draining || c->closing)
		return;
	c->draining = true;
	while (!c->closing && c->backlog_off < c->backlog_len && c->nqueries < max) {
		const uint8_t *m = c->backlog + c->backlog_off;
		size_t len = dst_dns_get16(m);

		c->backlog_off += 2 + len;
		dst_query_handle(c->srv, m + 2, len, &to);
	}
	c->draining = false;
	if (c->closing || c->backlog_off < c->backlog_len)
		return;
	free(c->backlog);
	c->backlog = NULL;
	c->backlog_len = c->backlog_cap = c->backlog_off = 0;
	if (c->paused && c->nqueries < max) {
		c->paused = false;
		if (uv_read_start((uv_stream_t *)&c->tcp, on_client_alloc, on_client_read) < 0)
			client_close(c);
	}
}

void dst_server__client_close(struct dst_tcp_client *c)
{
	client_close(c);
}

void dst_server__client_stop_reading(struct dst_tcp_client *c)
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
	struct dst_reply_to to = {.tcp = c};

	c->srv->stats.queries++;
	uv_timer_again(&c->idle);
	if (c->refused) {
		dst_query_reject(c->srv, wire, len, &to, DST_DNS_RCODE_REFUSED, false);
		return c->closing ? 1 : 0;
	}
	if (c->backlog_len || c->nqueries >= c->srv->cfg->max_tcp_pipeline) {
		if (backlog_push(c, wire, len) < 0) {
			client_close(c);
			return 1;
		}
		client_pause(c);
		return 0;
	}
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

	if (c->nqueries == 0 || c->writes_pending > 0)
		client_close(c);
}

/*
 * Closes one client to make room at max-tcp-clients: the oldest refused
 * one, else the oldest with nothing in progress, else the oldest. O(n) in
 * the clients, only when the limit is reached.
 */
static void evict_one(struct dst_server *srv, struct dst_tcp_client *except)
{
	struct dst_tcp_client *refused = NULL, *idle = NULL, *oldest = NULL;

	for (struct dst_tcp_client *c = srv->clients; c; c = c->next) {
		if (c == except)
			continue;
		oldest = c;
		if (c->refused)
			refused = c;
		else if (c->nqueries == 0 && c->writes_pending == 0 && !c->backlog)
			idle = c;
	}
	struct dst_tcp_client *victim = refused ? refused : idle ? idle : oldest;
	if (!victim)
		return;
	dst_count_log(&srv->stats.tcp_evicted,
			  "max-tcp-clients (%u) reached: closed the oldest %s client",
			  (unsigned)srv->cfg->max_tcp_clients,
			  victim == refused ? "refused" : victim == idle ? "idle" : "busy");
	client_close(victim);
}

/* Whether the access list allows the client at the other end of c. */
static bool client_allowed(struct dst_tcp_client *c)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	char ip[INET6_ADDRSTRLEN];

	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) < 0)
		return false;
	if (dst_acl_allows(c->srv->acl, (struct sockaddr *)&ss))
		return true;
	dst_count_log(&c->srv->stats.acl_refused_tcp,
			  "TCP connection from %s: not allowed by the access list, "
			  "answering REFUSED", dst_addr_text((struct sockaddr *)&ss, ip));
	return false;
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
	srv->nclients++;
	if (uv_accept(server, (uv_stream_t *)&c->tcp) < 0) {
		client_close(c);
		return;
	}
	c->refused = !client_allowed(c);
	if (srv->nclients > srv->cfg->max_tcp_clients) {
		/* A refused client never pushes out one that is served. */
		if (c->refused) {
			client_close(c);
			return;
		}
		evict_one(srv, c);
	}
	if (uv_read_start((uv_stream_t *)&c->tcp, on_client_alloc, on_client_read) < 0) {
		client_close(c);
		return;
	}
	uint32_t idle = srv->cfg->tcp_idle_timeout_ms;
	uv_timer_start(&c->idle, on_client_idle, idle, idle);
}

/* Setup and teardown */

/*
 * A burst of small datagrams costs about 1 KiB of socket buffer each: the
 * usual 208 KiB default drops a burst of a few hundred while the loop is
 * busy. Ask for room for a few thousand; SO_RCVBUFFORCE works while we
 * are still privileged, SO_RCVBUF otherwise (capped by net.core.rmem_max).
 */
static void grow_rcvbuf(uv_udp_t *udp, const char *name)
{
	uv_os_fd_t fd;

	if (uv_fileno((uv_handle_t *)udp, &fd) < 0)
		return;
	if (dst_udp_grow_rcvbuf(fd, DST_UDP_RCVBUF) < 0)
		dst_log(DST_LOG_INFO, "listen %s: cannot grow the receive buffer", name);
}

static void on_listener_closed(uv_handle_t *h)
{
	/* The UDP handle and the poll point at l->udp, which starts l. */
	struct dst_listener *l = h->type != UV_TCP
					 ? (struct dst_listener *)h->data
					 : (struct dst_listener *)((char *)h->data -
								   offsetof(struct dst_listener, tcp));

	if (h->type == UV_POLL)
		close(l->udp.rfd);
	if (--l->handles_open == 0)
		free(l);
}

static void close_handle(uv_handle_t *h)
{
	if (!uv_is_closing(h))
		uv_close(h, on_listener_closed);
}

void dst_server__listener_close(struct dst_listener *l)
{
	/* Answers queued for its socket go before the socket does. */
	dst_udp_batch_flush(l->udp.srv->batch);
	if (l->udp.rfd >= 0)
		close_handle((uv_handle_t *)&l->udp.rpoll);
	close_handle((uv_handle_t *)&l->udp.udp);
	close_handle((uv_handle_t *)&l->tcp.tcp);
}

/*
 * Stops taking new queries on l but keeps its UDP socket open: queries in
 * flight answer their clients through it (shutdown, reload).
 */
void dst_server__listener_quiesce(struct dst_listener *l)
{
	if (l->udp.rfd >= 0 && !uv_is_closing((uv_handle_t *)&l->udp.rpoll))
		uv_poll_stop(&l->udp.rpoll);
	close_handle((uv_handle_t *)&l->tcp.tcp);
}

int dst_server__listener_open(struct dst_server *srv, const struct dst_config_addr *a,
			      struct dst_listener **out)
{
	const struct sockaddr *sa = (const struct sockaddr *)&a->ss;
	bool v6 = sa->sa_family == AF_INET6;
	struct dst_listener *l = calloc(1, sizeof(*l));
	int r;

	*out = NULL;
	if (!l)
		return DST_ENOMEM;
	l->addr = *a;
	l->udp.srv = l->tcp.srv = srv;
	l->udp.fd = l->udp.rfd = -1;
	uv_udp_init(srv->loop, &l->udp.udp);
	uv_tcp_init(srv->loop, &l->tcp.tcp);
	l->udp.udp.data = &l->udp;
	l->tcp.tcp.data = &l->tcp;
	l->handles_open = 2;
	r = dst_udp_socket_bind(sa, a->len);
	if (r >= 0) {
		int off = 0;

		l->udp.fd = r;
		r = uv_udp_open(&l->udp.udp, l->udp.fd);
		if (r < 0)
			close(l->udp.fd);
		/*
		 * uv_udp_open sets SO_REUSEADDR, with which a process of any
		 * user could bind this address too and take the datagrams.
		 * SO_REUSEPORT alone admits only this user.
		 */
		else if (setsockopt(l->udp.fd, SOL_SOCKET, SO_REUSEADDR, &off, sizeof(off)) < 0)
			r = -errno;
	}
	if (r == 0)
		grow_rcvbuf(&l->udp.udp, a->text);
	/*
	 * libuv's UDP handle sends (and queues when the buffer is full); a
	 * poll on a second descriptor of the same socket reads in batches.
	 */
	if (r == 0) {
		l->udp.rfd = dup(l->udp.fd);
		if (l->udp.rfd < 0)
			r = -errno;
	}
	if (r == 0) {
		r = uv_poll_init(srv->loop, &l->udp.rpoll, l->udp.rfd);
		if (r < 0) {
			close(l->udp.rfd);
			l->udp.rfd = -1;
		}
	}
	if (r == 0) {
		l->udp.rpoll.data = &l->udp;
		l->handles_open++;
		r = uv_poll_start(&l->udp.rpoll, UV_READABLE, on_udp_readable);
	}
	if (r < 0) {
		dst_log(DST_LOG_ERR, "listen %s (udp): %s", a->text, uv_strerror(r));
		dst_server__listener_close(l);
		return r;
	}
	r = uv_tcp_bind(&l->tcp.tcp, sa, v6 ? UV_TCP_IPV6ONLY : 0);
	if (r == 0)
		r = uv_listen((uv_stream_t *)&l->tcp.tcp, TCP_BACKLOG, on_tcp_connection);
	if (r < 0) {
		dst_log(DST_LOG_ERR, "listen %s (tcp): %s", a->text, uv_strerror(r));
		dst_server__listener_close(l);
		return r;
	}
	dst_log(DST_LOG_INFO, "listening on %s (udp, tcp)", a->text);
	*out = l;
	return 0;
}

static int bind_listeners(struct dst_server *srv)
{
	struct dst_listener **tail = &srv->listeners;

	for (size_t i = 0; i < srv->cfg->nlisten; i++) {
		int r = dst_server__listener_open(srv, &srv->cfg->listen[i], tail);
		if (r < 0)
			return r;
		tail = &(*tail)->next;
	}
	return 0;
}

static void on_tls_event(void *arg, const char *upstream, const char *msg)
{
	static const char warn[] = "warning: ";

	if (strncmp(msg, warn, sizeof(warn) - 1) == 0)
		dst_log(DST_LOG_WARN, "upstream %s: %s", upstream, msg + sizeof(warn) - 1);
	else
		dst_log(DST_LOG_INFO, "upstream %s: %s", upstream, msg);
}

int dst_server__upstream_init(struct dst_server *srv, const struct dst_config *cfg,
			      struct dst_upstream *up, const struct dst_config_upstream *u,
			      unsigned index)
{
	struct sockaddr_storage addrs[16];
	size_t n = u->naddrs < 16 ? u->naddrs : 16;

	for (size_t k = 0; k < n; k++)
		addrs[k] = u->addrs[k].ss;
	if (n == 0) {
		/* host only: no address until its lookup (uplink.c keeps it unavailable till then). */
		memset(&addrs[0], 0, sizeof(addrs[0]));
		addrs[0].ss_family = AF_UNSPEC;
		n = 1;
	}
	struct dst_tls_opts o = {
		.name = u->name,
		.addrs = addrs,
		.naddrs = n,
		.tls_name = u->tls_name,
		.pins = (const uint8_t(*)[DST_TLS_PIN_LEN])u->pins,
		.npins = u->npins,
		.ca_file = u->ca_file,
		.max_connections = u->max_connections,
		.max_inflight = u->max_inflight,
		.idle_timeout_ms = u->idle_timeout_ms,
		.handshake_timeout_ms = cfg->query_timeout_ms,
		.event_cb = on_tls_event,
	};
	memset(up, 0, sizeof(*up));
	int r = dst_tls_pool_new(srv->loop, &o, &up->pool);
	if (r < 0) {
		dst_log(DST_LOG_ERR, "upstream %s: cannot set up TLS: %s", u->name, dst_strerror(r));
		return r;
	}
	up->cfg = u;
	up->index = index;
	if (u->npins == 1)
		dst_log(DST_LOG_WARN, "upstream %s has a single pin-sha256 and no backup pin: "
			"when its key changes, it fails until the configuration does too", u->name);
	return 0;
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
		int r = dst_server__upstream_init(srv, cfg, &srv->ups[i], &cfg->upstreams[i],
						  (unsigned)i);
		if (r < 0)
			return r;
		srv->nups++;
	}
	return 0;
}

/* The access list and the rate limiter, with a line in the log for each. */
int dst_server__make_limits(const struct dst_config *cfg, struct dst_acl **acl,
			    struct dst_ratelimit **rl)
{
	char text[1024];
	uint64_t seed = 0;
	int r = dst_acl_new(cfg->acl, cfg->nacl, cfg->listen, cfg->nlisten, acl);

	*rl = NULL;
	if (r < 0)
		return r;
	dst_log(DST_LOG_INFO, "access list%s: %s",
		dst_acl_is_default(*acl) ? " (default: loopback and private listener networks)"
					 : "",
		dst_acl_describe(*acl, text, sizeof(text)));
	for (size_t i = 0; i < cfg->nlisten && dst_acl_is_default(*acl); i++) {
		static const uint8_t any[16];
		const struct sockaddr *sa = (const struct sockaddr *)&cfg->listen[i].ss;
		bool v6 = sa->sa_family == AF_INET6;
		const void *ip = v6 ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
				    : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
		if (memcmp(ip, any, v6 ? 16 : 4) == 0)
			dst_log(DST_LOG_NOTICE, "listening on %s, but with no allow line only the "
				"default access list is answered (%s)", cfg->listen[i].text, text);
	}
	if (cfg->ratelimit == 0)
		return 0;
	/* A secret seed, so that no client can aim at another's rate limit slot. */
	if (uv_random(NULL, NULL, &seed, sizeof(seed), 0, NULL) < 0)
		seed = uv_hrtime();
	return dst_ratelimit_new(cfg->ratelimit, 0, DST_RATELIMIT_SLOTS, seed, rl);
}

/* One line of what the limits did, if they did anything. */
void dst_server__log_stats(const struct dst_server *srv)
{
	struct dst_server_stats total;
	const struct dst_server_stats *st = &total;

	dst_server__stats_total(srv, &total);
	const struct {
		uint64_t n;
		const char *what;
	} items[] = {
		{ st->acl_dropped, "UDP queries from refused clients dropped" },
		{ st->acl_refused_tcp, "TCP connections from refused clients" },
		{ st->ratelimited, "UDP queries over the rate limit" },
		{ st->any, "ANY queries answered (RFC 8482)" },
		{ st->udp_errors, "UDP socket errors" },
		{ st->pending_full, "SERVFAIL at max-pending" },
		{ st->tcp_evicted, "TCP clients closed at max-tcp-clients" },
		{ st->tcp_paused, "TCP clients paused at max-tcp-pipeline" },
		{ st->tcp_not_reading, "TCP clients closed for not reading" },
	};
	char line[768];
	size_t len = 0;

	line[0] = '\0';
	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++)
		if (items[i].n && len < sizeof(line))
			len += (size_t)snprintf(line + len, sizeof(line) - len, "%s%llu %s",
						len ? ", " : "", (unsigned long long)items[i].n,
						items[i].what);
	if (len)
		dst_log(DST_LOG_NOTICE, "limits: %s", line);
}

void dst_server__stats_total(const struct dst_server *srv, struct dst_server_stats *sum)
{
	*sum = srv->stats;
	dst_workers_add_stats(srv, sum);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct dst_server *srv = h->data;

	if (signum == SIGHUP) {
		dst_log(DST_LOG_NOTICE, "SIGHUP: reloading the configuration");
		dst_server_reload(srv, NULL, NULL);
		return;
	}
	dst_log(DST_LOG_NOTICE, "signal %d: shutting down", signum);
	dst_server_stop(srv);
}

int dst_server_new(uv_loop_t *loop, struct dst_config *cfg, struct dst_server **out)
{
	struct dst_server *srv = calloc(1, sizeof(*srv));
	int r;

	*out = srv;
	if (!srv) {
		dst_config_free(cfg);
		return DST_ENOMEM;
	}
	srv->loop = loop;
	srv->cfg = cfg;
	srv->start_ms = uv_now(loop);
	/* Handles first: dst_server_stop closes them whatever failed below. */
	uv_check_init(loop, &srv->flush_check);
	uv_prepare_init(loop, &srv->flush_prepare);
	srv->flush_check.data = srv->flush_prepare.data = srv;
	uv_signal_init(loop, &srv->sigint);
	uv_signal_init(loop, &srv->sigterm);
	uv_signal_init(loop, &srv->sighup);
	srv->sigint.data = srv->sigterm.data = srv->sighup.data = srv;
	uv_signal_start(&srv->sigint, on_signal, SIGINT);
	uv_signal_start(&srv->sigterm, on_signal, SIGTERM);
	uv_signal_start(&srv->sighup, on_signal, SIGHUP);
	srv->inflight = calloc(DST_INFLIGHT_BUCKETS, sizeof(*srv->inflight));
	if (!srv->inflight)
		return DST_ENOMEM;
	srv->inflight_mask = DST_INFLIGHT_BUCKETS - 1;
	srv->batch = dst_udp_batch_new(queue_udp);
	if (!srv->batch)
		return DST_ENOMEM;
	if (cfg->cache_size) {
		srv->cache = dst_cache_new(cfg->cache_size, cfg->cache_min_ttl, cfg->cache_max_ttl);
		if (!srv->cache) {
			/* The cache reserves its whole budget of address space up front. */
			dst_log(DST_LOG_ERR, "cannot reserve %llu bytes for the cache: lower [cache] size",
				(unsigned long long)cfg->cache_size);
			return DST_ENOMEM;
		}
		dst_cache_set_stale(srv->cache, cfg->cache_serve_stale_ms);
	}
	r = dst_server__make_limits(cfg, &srv->acl, &srv->ratelimit);
	if (r == 0)
		r = make_upstreams(srv);
	if (r == 0)
		r = dst_uplink_start(srv);
	if (r == 0)
		r = bind_listeners(srv);
	if (r == 0)
		r = dst_workers_start(srv);
	if (r == 0 && cfg->control)
		r = dst_control_open(srv, cfg->control, &srv->control);
	if (r == 0 && cfg->metrics.len)
		r = dst_metrics_open(srv, &cfg->metrics, &srv->metrics);
	return r;
}

void dst_server_free(struct dst_server *srv)
{
	if (!srv)
		return;
	if (srv->cache)
		dst_cache_free(srv->cache);
	free(srv->inflight);
	dst_udp_batch_free(srv->batch);
	dst_acl_free(srv->acl);
	dst_ratelimit_free(srv->ratelimit);
	dst_uplink_free(srv);
	free(srv->ups);
	dst_reload__free_retired(srv);
	dst_config_free((struct dst_config *)srv->cfg);
	free(srv->config_path);
	free(srv);
}
