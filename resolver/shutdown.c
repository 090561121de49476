/*
 * Shutting down (SIGTERM, SIGINT): in two halves, so that queries in flight
 * are answered.
 *
 * dst_server_stop stops taking queries at once: the control socket and
 * /metrics close, UDP listeners stop reading (their sockets stay open: the
 * answers owed go out through them), TCP listeners close, TCP clients are
 * no longer read and close as soon as they owe nothing. Then the queries
 * in flight get up to DRAIN_MS. finish_stop, when the last one has ended
 * (or the time is up, or a second signal came), drops whatever is left and
 * closes every handle, after which uv_run returns.
 *
 * Nothing here costs anything while dotstub runs: the timer and the check
 * handle that watch the wait are created by dst_server_stop.
 */
#include "config.h"

#include <stdlib.h>

#include "resolver/admin/control.h"
#include "resolver/admin/metrics.h"
#include "resolver/base/log.h"
#include "resolver/base/notify.h"
#include "resolver/internal.h"
#include "resolver/listen/listen.h"
#include "resolver/query/query.h"
#include "resolver/server.h"
#include "resolver/upstream/upstream.h"

#define DRAIN_MS 1000 /* how long a shutdown waits for queries in flight */

static void on_handle_freed(uv_handle_t *h)
{
	free(h);
}

static size_t pending(const struct dst_server *srv)
{
	return srv->queries ? dst_queries_pending(srv->queries) : 0;
}

/* Shutdown, second half: what is still in flight is dropped and every handle closes. */
static void finish_stop(struct dst_server *srv)
{
	if (srv->stopped)
		return;
	srv->stopped = true;
	if (srv->drain_timer)
		uv_close((uv_handle_t *)srv->drain_timer, on_handle_freed);
	if (srv->drain_check)
		uv_close((uv_handle_t *)srv->drain_check, on_handle_freed);
	srv->drain_timer = NULL;
	srv->drain_check = NULL;
	if (srv->queries && srv->listen)
		dst_server__log_stats(srv);
	/* While the pools still hold their TLS sessions. */
	dst_server__state_close(srv);
	uv_close((uv_handle_t *)&srv->sigint, NULL);
	uv_close((uv_handle_t *)&srv->sigterm, NULL);
	uv_close((uv_handle_t *)&srv->sighup, NULL);
	dst_routes__close(srv);
	dst_listen_close(srv->listen);
	if (srv->queries)
		dst_queries_abort_all(srv->queries);
	dst_upstreams_close(srv->upstreams);
	dst_reload__retire_all(srv);
	/* Last: anything above may still have sent (the listeners flush first). */
	dst_listen_close_handles(srv->listen);
}

static void on_drain_check(uv_check_t *h)
{
	struct dst_server *srv = h->data;

	if (pending(srv) == 0)
		finish_stop(srv);
}

static void on_drain_timeout(uv_timer_t *t)
{
	struct dst_server *srv = t->data;

	dst_log(DST_LOG_NOTICE, "%zu queries still unanswered after %d ms: dropped", pending(srv),
		DRAIN_MS);
	finish_stop(srv);
}

/*
 * Shutdown, first half: stop taking queries (listeners stop, TCP clients
 * are no longer read and close once they owe nothing) and let the ones in
 * flight finish for up to DRAIN_MS. A check handle, which costs nothing
 * while the loop sleeps, sees the last one end; both handles exist only
 * during the wait.
 */
void dst_server_stop(struct dst_server *srv)
{
	if (srv->stopping) {
		finish_stop(srv); /* a second signal: no more waiting */
		return;
	}
	srv->stopping = true;
	dst_notify("STOPPING=1\nSTATUS=stopping");
	dst_control_close(srv->control);
	dst_metrics_close(srv->metrics);
	dst_server__policy_stop(srv);
	srv->control = NULL;
	srv->metrics = NULL;
	if (srv->listen)
		dst_listen_stop(srv->listen);
	if (pending(srv) == 0) {
		finish_stop(srv);
		return;
	}
	srv->drain_timer = malloc(sizeof(*srv->drain_timer));
	srv->drain_check = malloc(sizeof(*srv->drain_check));
	if (!srv->drain_timer || !srv->drain_check) {
		free(srv->drain_timer);
		free(srv->drain_check);
		srv->drain_timer = NULL;
		srv->drain_check = NULL;
		finish_stop(srv);
		return;
	}
	uv_timer_init(srv->loop, srv->drain_timer);
	uv_check_init(srv->loop, srv->drain_check);
	srv->drain_timer->data = srv->drain_check->data = srv;
	uv_timer_start(srv->drain_timer, on_drain_timeout, DRAIN_MS, 0);
	uv_check_start(srv->drain_check, on_drain_check);
	dst_log(DST_LOG_INFO, "waiting up to %d ms for %zu queries in flight", DRAIN_MS,
		pending(srv));
}
