/*
 * UDP: the listeners' sockets, read in batches (udpbatch.h) into
 * ls->batch and handled synchronously; the answers made meanwhile
 * (errors, cache hits) go out together when the batch is done. With
 * threads > 1, worker loops (workers.c) read the same addresses through
 * their own SO_REUSEPORT sockets, answer hits themselves and pass the
 * rest here.
 *
 * Also the listeners themselves (one per address, UDP and TCP): opening,
 * quiescing for a reload or shutdown, closing.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns/err.h"
#include "resolver/base/addr.h"
#include "resolver/base/log.h"
#include "resolver/io/udpbatch.h"
#include "resolver/listen/internal.h"

#define TCP_BACKLOG 128

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
static void flush_now(struct dst_listen *ls)
{
	uv_check_stop(&ls->flush_check);
	uv_prepare_stop(&ls->flush_prepare);
	ls->flush_armed = false;
	dst_udp_batch_flush(ls->batch);
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
void dst_listen__udp_queue(void *owner, const struct sockaddr *peer, const uint8_t *wire,
			   size_t len)
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
	struct dst_listen *ls = l->ls;

	/* Closing: its descriptor may already be gone (shutdown, reload). */
	if (uv_is_closing((uv_handle_t *)&l->udp))
		return;
	if (dst_udp_batch_add(ls->batch, l->fd, l, peer, wire, len)) {
		if (!ls->batching && !ls->flush_armed) {
			/* After this loop iteration's callbacks, or before it sleeps. */
			uv_check_start(&ls->flush_check, on_flush_check);
			uv_prepare_start(&ls->flush_prepare, on_flush_prepare);
			ls->flush_armed = true;
		}
		return;
	}

	uv_buf_t b = uv_buf_init((char *)wire, (unsigned)len);
	int r = uv_udp_try_send(&l->udp, &b, 1, peer);

	if (r >= 0 || (r != UV_EAGAIN && r != UV_ENOSYS))
		return;
	dst_listen__udp_queue(l, peer, wire, len);
}

/*
 * The reply operations the query engine answers through. Here, beside the
 * UDP send, so that the hit path's send is one call: counted, logged with
 * log-queries, then out by UDP (batched) or TCP.
 */
static void reply_send(void *arg, const struct dst_reply_to *to, const uint8_t *wire, size_t len)
{
	struct dst_listen *ls = arg;

	if (len >= DST_DNS_HEADER_LEN)
		ls->stats.rcodes[dst_dns_rcode(wire)]++;
	if (ls->cfg->log_queries)
		dst_querylog(to, wire, len, uv_now(ls->loop));
	if (to->tcp)
		dst_listen__tcp_send(to->tcp, wire, len);
	else if (to->udp)
		send_udp(to->udp, to->peer, wire, len);
}

static void reply_tcp_done(void *arg, struct dst_tcp_client *c)
{
	dst_listen__client_query_done(c);
}

void dst_listen_reply_ops(struct dst_listen *ls, struct dst_reply_ops *ops)
{
	ops->send = reply_send;
	ops->tcp_done = reply_tcp_done;
	ops->arg = ls;
}

void dst_listen__batch_begin(struct dst_listen *ls)
{
	ls->batching = true;
}

void dst_listen__batch_end(struct dst_listen *ls)
{
	ls->batching = false;
	dst_udp_batch_flush(ls->batch);
}

void dst_listen__udp_query(struct dst_udp_listener *l, const uint8_t *wire, size_t len,
			   const struct sockaddr *peer, bool counted)
{
	struct dst_listen *ls = l->ls;
	char ip[DST_ADDR_TEXT_LEN];

	if (!counted)
		ls->stats.queries++;
	/* No answer at all to a refused client: its address may be spoofed. */
	if (!dst_acl_allows(ls->acl, peer)) {
		dst_count_log(&ls->stats.acl_dropped,
			      "UDP query from %s dropped: not allowed by the access list",
			      dst_addr_text(peer, ip));
		return;
	}
	struct dst_reply_to to = {.udp = l, .peer = peer};
	if (ls->ratelimit && !dst_ratelimit_take(ls->ratelimit, peer, uv_now(ls->loop))) {
		dst_count_log(&ls->stats.ratelimited, "UDP query from %s over the rate limit",
			      dst_addr_text(peer, ip));
		if (ls->cfg->ratelimit_action == DST_CONFIG_RL_TRUNCATE)
			dst_query_reject(ls->queries, wire, len, &to, DST_DNS_RCODE_NOERROR, true);
		return;
	}
	dst_query_handle(ls->queries, wire, len, &to);
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
	struct dst_listen *ls = l->ls;
	struct dst_udp_batch *b = ls->batch;

	if (status < 0) {
		/* libuv stopped the poll: log, and read on (the error is the socket's, for one datagram). */
		dst_count_log(&ls->stats.udp_errors, "UDP socket error: %s", uv_strerror(status));
		uv_poll_start(p, UV_READABLE, on_udp_readable);
		return;
	}
	if (!(events & UV_READABLE))
		return;
	for (unsigned round = 0; round < 4; round++) {
		int n = dst_udp_batch_recv(b, l->rfd);

		if (n <= 0)
			break;
		dst_listen__batch_begin(ls);
		for (int i = 0; i < n; i++)
			dst_listen__udp_query(l, b->in_buf[i], b->in[i].msg_len,
					      (const struct sockaddr *)&b->in_peer[i], false);
		dst_listen__batch_end(ls);
		if (n < DST_UDP_BATCH)
			break;
	}
}

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
	struct dst_listener *l =
		h->type != UV_TCP ? (struct dst_listener *)h->data
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

void dst_listener_close(struct dst_listener *l)
{
	/* Answers queued for its socket go before the socket does. */
	dst_udp_batch_flush(l->udp.ls->batch);
	if (l->udp.rfd >= 0)
		close_handle((uv_handle_t *)&l->udp.rpoll);
	close_handle((uv_handle_t *)&l->udp.udp);
	close_handle((uv_handle_t *)&l->tcp.tcp);
}

/*
 * Stops taking new queries on l but keeps its UDP socket open: queries in
 * flight answer their clients through it (shutdown, reload).
 */
void dst_listener_quiesce(struct dst_listener *l)
{
	if (l->udp.rfd >= 0 && !uv_is_closing((uv_handle_t *)&l->udp.rpoll))
		uv_poll_stop(&l->udp.rpoll);
	close_handle((uv_handle_t *)&l->tcp.tcp);
}

int dst_listener_open(struct dst_listen *ls, const struct dst_config_addr *a,
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
	l->udp.ls = l->tcp.ls = ls;
	l->udp.fd = l->udp.rfd = -1;
	uv_udp_init(ls->loop, &l->udp.udp);
	uv_tcp_init(ls->loop, &l->tcp.tcp);
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
		r = uv_poll_init(ls->loop, &l->udp.rpoll, l->udp.rfd);
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
		dst_listener_close(l);
		return r;
	}
	r = uv_tcp_bind(&l->tcp.tcp, sa, v6 ? UV_TCP_IPV6ONLY : 0);
	if (r == 0)
		r = uv_listen((uv_stream_t *)&l->tcp.tcp, TCP_BACKLOG,
			      dst_listen__on_tcp_connection);
	if (r < 0) {
		dst_log(DST_LOG_ERR, "listen %s (tcp): %s", a->text, uv_strerror(r));
		dst_listener_close(l);
		return r;
	}
	dst_log(DST_LOG_INFO, "listening on %s (udp, tcp)", a->text);
	*out = l;
	return 0;
}
