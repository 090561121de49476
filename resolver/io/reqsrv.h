/*
 * A listener for small administrative request/response protocols (the
 * control socket, /metrics): each connection sends one request, gets one
 * response, and is closed. Shared by control.c and metrics.c.
 *
 * Bounds: a request is at most max_request bytes and must be complete
 * within timeout_ms of the connection; at most max_conns connections are
 * open at once (more are closed at once). Nothing here runs on the query
 * path, and no handle exists beyond the listener while nobody connects.
 */
#ifndef DST_REQSRV_H
#define DST_REQSRV_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "resolver/base/buf.h"

struct dst_reqsrv;

/*
 * Called as request bytes arrive (req holds all of them so far, len bytes,
 * NUL-terminated). Returns false to wait for more, or true when out holds
 * the whole response. With overflow the request went past max_request (or
 * the peer stopped sending before it was complete): say so in out and
 * return true, or return false to close without a response.
 */
typedef bool (*dst_reqsrv_request_cb)(void *arg, const char *req, size_t len, bool overflow,
				      struct dst_buf *out);

struct dst_reqsrv_opts {
	size_t max_request;
	unsigned max_conns;
	uint32_t timeout_ms;
	dst_reqsrv_request_cb request;
	void (*freed)(void *arg); /* optional: the listener and every connection are gone */
	void *arg;
};

/*
 * Starts serving on listener, a malloc'd uv_pipe_t or uv_tcp_t that is
 * initialised and bound but not listening; the reqsrv takes it (closes and
 * frees it in dst_reqsrv_close). Returns 0 or a libuv error (the listener
 * is then closed and freed).
 */
int dst_reqsrv_start(uv_loop_t *loop, uv_stream_t *listener, const struct dst_reqsrv_opts *o,
		     struct dst_reqsrv **out);

/*
 * Closes the listener and every connection still waiting for its request;
 * a response being written is finished first. Then freed() is called.
 */
void dst_reqsrv_close(struct dst_reqsrv *rs);

#endif
