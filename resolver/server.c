/*
 * The server: the parts of resolver/ wired together on one libuv loop.
 *
 * Creation order follows the dependency order: the upstream set, the
 * listening part (access list, rate limit), the query engine between
 * them, then the listeners are bound, the worker loops started and the
 * administration sockets opened. The parts meet only through callbacks
 * set up here: the upstream set's "left up" and "resolved" go to the
 * query engine (hedge, kick); the engine answers through the listening
 * part's reply operations; the control socket's reload comes back here.
 *
 * Reloading is in reload.c, stopping in shutdown.c.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "dns/err.h"
#include "resolver/admin/control.h"
#include "resolver/admin/metrics.h"
#include "resolver/base/log.h"
#include "resolver/internal.h"
#include "resolver/io/state.h"
#include "resolver/listen/listen.h"
#include "resolver/query/query.h"
#include "resolver/server.h"
#include "resolver/trust.h"
#include "tls/clock.h"
#include "resolver/upstream/upstream.h"

static void on_left_up(void *arg, struct dst_upstream *up)
{
	struct dst_server *srv = arg;

	/* The set is made before the engine: a change of state then concerns no query. */
	if (srv->queries)
		dst_queries_hedge(srv->queries, up);
}

static void on_resolved(void *arg)
{
	struct dst_server *srv = arg;

	if (srv->queries)
		dst_queries_kick(srv->queries);
}

static int on_admin_reload(void *arg, void (*err)(void *err_arg, const char *msg), void *err_arg)
{
	return dst_server_reload(arg, err, err_arg);
}

static int on_admin_save(void *arg, char *what, size_t cap)
{
	return dst_server_state_save(arg, "dotstub-control save", what, cap);
}

void dst_server__update_admin(struct dst_server *srv)
{
	srv->admin.cfg = srv->cfg;
	srv->admin.file_cfg = dst_routes__base(srv->cfg);
	srv->admin.cache = srv->cache;
	srv->admin.reloads = srv->reloads;
}

/* One line of what the limits did, if they did anything. */
void dst_server__log_stats(const struct dst_server *srv)
{
	struct dst_stats total = *dst_queries_stats(srv->queries);
	const struct dst_stats *st = &total;

	dst_listen_add_stats(srv->listen, &total);
	const struct {
		uint64_t n;
		const char *what;
	} items[] = {
		{st->acl_dropped, "UDP queries from refused clients dropped"},
		{st->acl_refused_tcp, "TCP connections from refused clients"},
		{st->ratelimited, "UDP queries over the rate limit"},
		{st->any, "ANY queries answered (RFC 8482)"},
		{st->udp_errors, "UDP socket errors"},
		{st->pending_full, "SERVFAIL at max-pending"},
		{st->tcp_evicted, "TCP clients closed at max-tcp-clients"},
		{st->tcp_paused, "TCP clients paused at max-tcp-pipeline"},
		{st->tcp_not_reading, "TCP clients closed for not reading"},
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

int dst_server__cache_for(const struct dst_config *cfg, struct dst_cache **out)
{
	*out = NULL;
	if (!cfg->cache_size)
		return 0;
	*out = dst_cache_new(cfg->cache_size, cfg->cache_min_ttl, cfg->cache_max_ttl);
	if (*out)
		return 0;
	/* The cache reserves its whole budget of address space up front. */
	dst_log(DST_LOG_ERR, "cannot reserve %llu bytes for the cache: lower [cache] size",
		(unsigned long long)cfg->cache_size);
	return DST_ENOMEM;
}

int dst_server_new(uv_loop_t *loop, struct dst_config *cfg, struct dst_server **out)
{
	struct dst_server *srv = calloc(1, sizeof(*srv));
	struct dst_reply_ops ops;
	int r;

	*out = srv;
	if (!srv) {
		dst_config_free(cfg);
		return DST_ENOMEM;
	}
	srv->loop = loop;
	srv->admin = (struct dst_admin_src){
		.loop = loop,
		.start_ms = uv_now(loop),
		.reload = on_admin_reload,
		.reload_arg = srv,
		.save = on_admin_save,
		.command = dst_routes__command,
	};
	/* The running configuration is a view of the file's, with the runtime zones (none yet). */
	struct dst_config *view = NULL;
	if ((r = dst_routes__new(srv)) < 0 || (r = dst_routes__view(srv, cfg, &view)) < 0) {
		if (!srv->routing)
			dst_config_free(cfg);
		return r;
	}
	srv->cfg = cfg = view;
	/* Handles first: dst_server_stop closes them whatever failed below. */
	uv_signal_init(loop, &srv->sigint);
	uv_signal_init(loop, &srv->sigterm);
	uv_signal_init(loop, &srv->sighup);
	srv->sigint.data = srv->sigterm.data = srv->sighup.data = srv;
	uv_signal_start(&srv->sigint, on_signal, SIGINT);
	uv_signal_start(&srv->sigterm, on_signal, SIGTERM);
	uv_signal_start(&srv->sighup, on_signal, SIGHUP);
	r = dst_server__cache_for(cfg, &srv->cache);
	if (r < 0)
		return r;
	if (srv->cache)
		dst_cache_set_stale(srv->cache, cfg->cache_serve_stale_ms);
	struct dst_upstreams_cb cb = {.left_up = on_left_up, .resolved = on_resolved, .arg = srv};
	r = dst_listen_new(loop, cfg, &srv->listen);
	if (r == 0)
		r = dst_upstreams_new(loop, cfg, &cb, &srv->upstreams);
	if (r < 0)
		return r;
	dst_routes__committed(srv, NULL);
	dst_listen_reply_ops(srv->listen, &ops);
	r = dst_queries_new(loop, cfg, srv->cache, srv->upstreams, &ops, &srv->queries);
	if (r < 0)
		return r;
	char err[512];
	if ((r = dst_trust_anchors_load(cfg, &srv->anchors, err, sizeof(err))) < 0) {
		dst_log(DST_LOG_ERR, "%s", err);
		return r;
	}
	if ((r = dst_queries_set_anchors(srv->queries, srv->anchors, dst_server__clock_floor)) < 0)
		return r;
	dst_listen_attach(srv->listen, srv->queries, srv->cache);
	if ((r = dst_server__policy_start(srv)) < 0)
		return r;
	/* Before the first query: nothing listens yet. */
	dst_server__state_open(srv);
	srv->admin.upstreams = srv->upstreams;
	srv->admin.queries = srv->queries;
	srv->admin.listen = srv->listen;
	dst_server__update_admin(srv);
	r = dst_listen_open(srv->listen);
	if (r == 0)
		r = dst_listen_workers_start(srv->listen);
	if (r == 0 && cfg->control)
		r = dst_control_open(&srv->admin, cfg->control, &srv->control);
	if (r == 0 && cfg->metrics.len)
		r = dst_metrics_open(&srv->admin, &cfg->metrics, &srv->metrics);
	return r;
}

int64_t dst_server__clock_floor(void)
{
	return dst_tls_clock_floor(NULL);
}

void dst_server_free(struct dst_server *srv)
{
	if (!srv)
		return;
	if (srv->cache)
		dst_cache_free(srv->cache);
	dst_queries_free(srv->queries);
	dst_trust_anchors_free(srv->anchors);
	dst_listen_free(srv->listen);
	dst_upstreams_free(srv->upstreams);
	dst_server__policy_free(srv);
	dst_reload__free_retired(srv);
	dst_state_dir_close(srv->state_dir);
	dst_routes__view_free(srv->cfg);
	dst_routes__free(srv);
	free(srv->config_path);
	free(srv->state_dir_default);
	free(srv);
}
