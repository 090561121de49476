/*
 * One request, one response, close (see reqsrv.h).
 *
 * Lifetime: the reqsrv owns its listener (allocated by the caller, taken
 * here) and every connection. A connection is freed when both its stream
 * and its timer have closed; the reqsrv when its listener has closed and
 * no connection is left, after which freed() runs. A connection is in one
 * of two states: reading (its request is not complete; closing the reqsrv
 * closes it) or answered (its response is out; it closes when the write
 * completes, whatever happens to the reqsrv meanwhile).
 *
 * An answered connection shuts down its sending side and reads (and
 * drops) whatever the client still sends until it closes or LINGER_MS
 * pass, so a client that sent too much still gets to read the response:
 * closing a socket with unread input makes the kernel send a reset,
 * which would destroy the response on its way.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "resolver/io/reqsrv.h"

#define LINGER_MS 1000

union stream {
	uv_handle_t handle;
	uv_stream_t stream;
	uv_pipe_t pipe;
	uv_tcp_t tcp;
};

struct conn {
	union stream s;
	uv_timer_t timer;
	uv_write_t wreq;
	uv_shutdown_t sreq;
	struct dst_reqsrv *rs;
	struct conn *next, *prev;
	unsigned handles_open;
	bool writing;
	bool busy; /* inside the request callback */
	bool closing;
	struct dst_buf out;
	size_t len;
	char *req; /* max_request + 1 bytes */
};

struct dst_reqsrv {
	struct dst_reqsrv_opts o;
	uv_loop_t *loop;
	uv_stream_t *listener;
	struct conn *conns;
	unsigned nconns;
	bool listener_open;
	bool closing;
};

static void maybe_free(struct dst_reqsrv *rs)
{
	if (!rs->closing || rs->listener_open || rs->conns)
		return;
	if (rs->o.freed)
		rs->o.freed(rs->o.arg);
	free(rs);
}

static void on_conn_closed(uv_handle_t *h)
{
	struct conn *c = h->data;
	struct dst_reqsrv *rs = c->rs;

	if (--c->handles_open > 0)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		rs->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	rs->nconns--;
	dst_buf_free(&c->out);
	free(c->req);
	free(c);
	maybe_free(rs);
}

static void conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	uv_close(&c->s.handle, on_conn_closed);
	uv_close((uv_handle_t *)&c->timer, on_conn_closed);
}

static void on_timeout(uv_timer_t *t);

static void on_shutdown(uv_shutdown_t *req, int status)
{
	struct conn *c = req->data;

	if (status < 0)
		conn_close(c);
}

static void on_written(uv_write_t *req, int status)
{
	struct conn *c = req->data;

	if (c->closing)
		return;
	c->sreq.data = c;
	/* Shutting down: no lingering, the loop is waiting for the last handle. */
	if (status < 0 || c->rs->closing || uv_shutdown(&c->sreq, &c->s.stream, on_shutdown) < 0) {
		conn_close(c);
		return;
	}
	uv_timer_start(&c->timer, on_timeout, LINGER_MS, 0);
}

static void respond(struct conn *c)
{
	uv_buf_t b = uv_buf_init(c->out.data, (unsigned)c->out.len);

	uv_timer_stop(&c->timer);
	if (c->out.failed || c->out.len == 0) {
		conn_close(c);
		return;
	}
	c->writing = true;
	c->wreq.data = c;
	if (uv_write(&c->wreq, &c->s.stream, &b, 1, on_written) < 0)
		conn_close(c);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct conn *c = h->data;
	size_t room = c->rs->o.max_request - c->len;

	/* Once answered, whatever comes is dropped: any room will do. */
	if (c->writing)
		*buf = uv_buf_init(c->req, (unsigned)c->rs->o.max_request);
	/* One spare byte: a request that fills the buffer is over the limit. */
	else
		*buf = uv_buf_init(c->req + c->len, (unsigned)(room + 1));
}

/*
 * Runs the request callback. The connection is busy meanwhile, so that a
 * callback that closes its own reqsrv (a reload that moves the control
 * socket) still gets its answer out.
 */
static void handle(struct conn *c, bool overflow)
{
	struct dst_reqsrv *rs = c->rs;
	bool done;

	c->busy = true;
	done = rs->o.request(rs->o.arg, c->req, c->len, overflow, &c->out);
	c->busy = false;
	if (done)
		respond(c);
	else if (overflow || rs->closing)
		conn_close(c);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct conn *c = s->data;
	struct dst_reqsrv *rs = c->rs;
	bool overflow = false;

	if (nread == 0)
		return;
	if (c->writing) {
		if (nread < 0)
			conn_close(c); /* the client has read and closed: done */
		return;
	}
	if (nread < 0) {
		/* The peer stopped: a request that is not complete may still say something. */
		if (nread == UV_EOF && c->len > 0)
			handle(c, true);
		else
			conn_close(c);
		return;
	}
	c->len += (size_t)nread;
	if (c->len > rs->o.max_request) {
		c->len = rs->o.max_request;
		overflow = true;
	}
	c->req[c->len] = '\0';
	handle(c, overflow);
}

static void on_timeout(uv_timer_t *t)
{
	conn_close(t->data);
}

static void on_connection(uv_stream_t *server, int status)
{
	struct dst_reqsrv *rs = server->data;
	struct conn *c;

	if (status < 0 || rs->closing)
		return;
	c = calloc(1, sizeof(*c));
	if (c)
		c->req = malloc(rs->o.max_request + 1);
	if (!c || !c->req) {
		free(c);
		return;
	}
	c->rs = rs;
	if (server->type == UV_NAMED_PIPE)
		uv_pipe_init(rs->loop, &c->s.pipe, 0);
	else
		uv_tcp_init(rs->loop, &c->s.tcp);
	uv_timer_init(rs->loop, &c->timer);
	c->s.handle.data = c->timer.data = c;
	c->handles_open = 2;
	c->next = rs->conns;
	if (c->next)
		c->next->prev = c;
	rs->conns = c;
	rs->nconns++;
	if (uv_accept(server, &c->s.stream) < 0 || rs->nconns > rs->o.max_conns) {
		conn_close(c);
		return;
	}
	uv_timer_start(&c->timer, on_timeout, rs->o.timeout_ms, 0);
	if (uv_read_start(&c->s.stream, on_alloc, on_read) < 0)
		conn_close(c);
}

static void on_handle_free(uv_handle_t *h)
{
	free(h);
}

static void on_listener_closed(uv_handle_t *h)
{
	struct dst_reqsrv *rs = h->data;

	free(h);
	rs->listener_open = false;
	maybe_free(rs);
}

int dst_reqsrv_start(uv_loop_t *loop, uv_stream_t *listener, const struct dst_reqsrv_opts *o,
		     struct dst_reqsrv **out)
{
	struct dst_reqsrv *rs = calloc(1, sizeof(*rs));
	int r;

	*out = NULL;
	if (!rs) {
		uv_close((uv_handle_t *)listener, on_handle_free);
		return DST_ENOMEM;
	}
	rs->o = *o;
	rs->loop = loop;
	rs->listener = listener;
	rs->listener_open = true;
	listener->data = rs;
	r = uv_listen(listener, (int)o->max_conns, on_connection);
	if (r < 0) {
		rs->o.freed = NULL;
		dst_reqsrv_close(rs);
		return r;
	}
	*out = rs;
	return 0;
}

void dst_reqsrv_close(struct dst_reqsrv *rs)
{
	struct conn *c, *next;

	if (!rs || rs->closing)
		return;
	rs->closing = true;
	uv_close((uv_handle_t *)rs->listener, on_listener_closed);
	for (c = rs->conns; c; c = next) {
		next = c->next;
		if (!c->writing && !c->busy)
			conn_close(c);
	}
}
