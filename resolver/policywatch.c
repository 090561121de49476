/*
 * The policy's lifecycle (the top of resolver/): built from the
 * configuration at start, rebuilt beside the running one on reload and
 * swapped when the reload commits, and rebuilt when a hosts file changes.
 *
 * Swapping with the worker threads: the policy is read without locks by
 * the main loop and by every worker loop. A new one is swapped in the way
 * a reload swaps the cache and the access list: the worker loops are
 * paused (stopped and joined: dst_listen_workers_pause), the pointers
 * replaced, the workers started again; then no thread can hold the old
 * policy, and it is freed at once. The pause costs a few milliseconds of
 * thread start-up, during which UDP queries wait in the socket buffers
 * (none is lost), and happens only on a reload or a hosts file change,
 * which are rare; an atomic pointer with deferred frees would save that
 * pause at the price of an epoch scheme on every query, for nothing a
 * user would notice.
 *
 * Watching the hosts files: each file's directory is watched with
 * uv_fs_event (editors and package managers replace a file by renaming a
 * new one over it, which a watch on the file itself would not survive),
 * events for other names in the directory are ignored, and a short timer
 * gathers a burst of events into one rebuild. Where a directory cannot be
 * watched (no inotify, too many watches), the file is looked at with
 * stat() every DST_HOSTS_POLL_MS instead. A file that cannot be read when
 * it changed keeps the entries the server answers with now.
 *
 * The zone table: until zone routing (its owner) lands, it is built here
 * from the configuration's [zone]s, beside the policy, and handed to it
 * through dst_policy_set_zones, the one seam between the two.
 */
#include "config.h"

#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dns/err.h"
#include "resolver/base/log.h"
#include "resolver/internal.h"
#include "resolver/listen/listen.h"
#include "resolver/policy/policy.h"
#include "resolver/policy/zones.h"
#include "resolver/query/query.h"

#define DST_HOSTS_POLL_MS 2000 /* stat() period where a directory cannot be watched */
#define SETTLE_MS 100          /* events closer together than this make one rebuild */

struct watched {
	struct dst_policywatch *pw;
	uv_fs_event_t ev;
	bool ev_inited; /* closed with the rest */
	bool ev_active; /* watching; else polled */
	char *path;
	char *base;     /* the file name within its directory */
	struct stat st; /* as last seen (the poll compares) */
	bool seen;
};

struct dst_policywatch {
	struct dst_server *srv;
	uv_timer_t *settle;
	uv_timer_t *poll; /* only when some directory could not be watched */
	struct watched *w;
	size_t n;
	size_t closing; /* handles not yet closed */
};

/* What the policy is built from: the configuration's keys. */
static void conf_of(const struct dst_config *cfg, struct dst_policy_conf *pc)
{
	*pc = (struct dst_policy_conf){
		.local_zones = cfg->local_zones,
		.hosts_ttl = cfg->hosts_ttl,
		.hosts = (const char *const *)cfg->hosts,
		.nhosts = cfg->nhosts,
		.block = (const char *const *)cfg->blocklist,
		.nblock = cfg->nblocklist,
		.allow = (const char *const *)cfg->allowlist,
		.nallow = cfg->nallowlist,
		.block_answer = cfg->block_answer == DST_CONFIG_BLOCK_NULL ? DST_POLICY_BLOCK_NULL
				: cfg->block_answer == DST_CONFIG_BLOCK_REFUSE
					? DST_POLICY_BLOCK_REFUSE
					: DST_POLICY_BLOCK_NXDOMAIN,
	};
}

static void on_warn(void *arg, const char *msg)
{
	(void)arg;
	dst_log(DST_LOG_WARN, "%s", msg);
}

/* The zone table of cfg's [zone]s (ids: their index); NULL *out when there are none. */
static int zones_for(const struct dst_config *cfg, struct dst_zones **out)
{
	struct dst_zone_def *defs;
	int r;

	*out = NULL;
	if (!cfg->nzones)
		return 0;
	if (!(defs = calloc(cfg->nzones, sizeof(*defs))))
		return DST_ENOMEM;
	for (size_t i = 0; i < cfg->nzones; i++)
		defs[i] = (struct dst_zone_def){cfg->zones[i].wire, cfg->zones[i].wire_len,
						(uint32_t)i};
	r = dst_zones_new(defs, cfg->nzones, out);
	free(defs);
	return r;
}

static void log_policy(const struct dst_policy *p, const char *when)
{
	dst_log(DST_LOG_INFO, "policy %s: %zu local zones, %zu hosts names, %zu blocked names",
		when, dst_policy_local_zones(p), dst_policy_hosts_names(p),
		dst_policy_blocked_names(p));
}

/* Swaps p (and zones, when not NULL) in for the running ones and frees those. */
static void swap_in(struct dst_server *srv, struct dst_policy *p, struct dst_zones *zones,
		    bool workers_paused)
{
	struct dst_policy *old = srv->policy;

	if (!workers_paused)
		dst_listen_workers_pause(srv->listen);
	dst_queries_set_policy(srv->queries, p);
	dst_listen_set_policy(srv->listen, p);
	srv->policy = p;
	if (!workers_paused)
		dst_listen_workers_start(srv->listen);
	/* No loop holds old any more: the main loop is here, the workers were joined. */
	dst_policy_free(old);
	if (zones) {
		dst_zones_free(srv->zones);
		srv->zones = zones;
	}
}

/* --- hosts files changing -------------------------------------------------------- */

static void rebuild_hosts(struct dst_server *srv)
{
	struct dst_policy_conf pc;
	struct dst_policy *p;
	unsigned failed = 0;

	conf_of(srv->cfg, &pc);
	if (dst_policy_new(&pc, srv->policy, DST_POLICY_LOAD_HOSTS, on_warn, NULL, &failed, &p) <
	    0) {
		dst_log(DST_LOG_ERR, "hosts: out of memory: the previous entries stay");
		return;
	}
	if (failed) {
		dst_log(DST_LOG_WARN, "hosts: a file cannot be read: the previous entries stay");
		dst_policy_free(p);
		return;
	}
	swap_in(srv, p, NULL, false);
	dst_log(DST_LOG_NOTICE, "hosts: re-read, %zu names", dst_policy_hosts_names(p));
}

static void on_settled(uv_timer_t *t)
{
	struct dst_policywatch *pw = t->data;

	if (!pw->srv->stopping)
		rebuild_hosts(pw->srv);
}

static void changed(struct dst_policywatch *pw)
{
	uv_timer_start(pw->settle, on_settled, SETTLE_MS, 0);
}

static void on_fs_event(uv_fs_event_t *h, const char *filename, int events, int status)
{
	struct watched *w = h->data;

	(void)events;
	if (status < 0 || (filename && strcmp(filename, w->base) != 0))
		return;
	changed(w->pw);
}

static bool stat_changed(struct watched *w)
{
	struct stat st;
	bool seen = stat(w->path, &st) == 0;
	bool diff = seen != w->seen ||
		    (seen && (st.st_ino != w->st.st_ino || st.st_size != w->st.st_size ||
			      st.st_mtim.tv_sec != w->st.st_mtim.tv_sec ||
			      st.st_mtim.tv_nsec != w->st.st_mtim.tv_nsec));

	w->seen = seen;
	if (seen)
		w->st = st;
	return diff;
}

static void on_poll(uv_timer_t *t)
{
	struct dst_policywatch *pw = t->data;
	bool any = false;

	for (size_t i = 0; i < pw->n; i++)
		if (!pw->w[i].ev_active)
			any |= stat_changed(&pw->w[i]);
	if (any)
		changed(pw);
}

static void on_closed(uv_handle_t *h)
{
	struct dst_policywatch *pw = h->data;

	if (h->type == UV_TIMER)
		free(h);
	if (--pw->closing > 0)
		return;
	for (size_t i = 0; i < pw->n; i++) {
		free(pw->w[i].path);
		free(pw->w[i].base);
	}
	free(pw->w);
	free(pw);
}

static void watch_close(struct dst_policywatch *pw)
{
	if (!pw)
		return;
	pw->closing = 1; /* the settle timer */
	for (size_t i = 0; i < pw->n; i++)
		if (pw->w[i].ev_inited) {
			pw->closing++;
			pw->w[i].ev.data = pw;
			uv_close((uv_handle_t *)&pw->w[i].ev, on_closed);
		}
	if (pw->poll) {
		pw->closing++;
		uv_close((uv_handle_t *)pw->poll, on_closed);
	}
	uv_close((uv_handle_t *)pw->settle, on_closed);
}

static int watch_open(struct dst_server *srv, struct dst_policywatch **out)
{
	const struct dst_config *cfg = srv->cfg;
	struct dst_policywatch *pw;
	bool need_poll = false;

	*out = NULL;
	if (!cfg->nhosts)
		return 0;
	if (!(pw = calloc(1, sizeof(*pw))) || !(pw->w = calloc(cfg->nhosts, sizeof(*pw->w))) ||
	    !(pw->settle = malloc(sizeof(*pw->settle)))) {
		if (pw)
			free(pw->w);
		free(pw);
		return DST_ENOMEM;
	}
	pw->srv = srv;
	uv_timer_init(srv->loop, pw->settle);
	pw->settle->data = pw;
	for (size_t i = 0; i < cfg->nhosts; i++) {
		struct watched *w = &pw->w[pw->n];
		char *a = strdup(cfg->hosts[i]), *b = strdup(cfg->hosts[i]);

		if (!a || !b || !(w->path = strdup(cfg->hosts[i])) ||
		    !(w->base = strdup(basename(a)))) {
			free(a);
			free(b);
			pw->n++; /* its path (if any) is freed with the others' */
			watch_close(pw);
			return DST_ENOMEM;
		}
		w->pw = pw;
		stat_changed(w);
		uv_fs_event_init(srv->loop, &w->ev);
		w->ev_inited = true;
		w->ev.data = w;
		int r = uv_fs_event_start(&w->ev, on_fs_event, dirname(b), 0);
		if (r == 0) {
			w->ev_active = true;
		} else {
			dst_log(DST_LOG_WARN,
				"hosts: cannot watch the directory of %s (%s): looked at every %d "
				"s",
				w->path, uv_strerror(r), DST_HOSTS_POLL_MS / 1000);
			need_poll = true;
		}
		free(a);
		free(b);
		pw->n++;
	}
	if (need_poll && (pw->poll = malloc(sizeof(*pw->poll)))) {
		uv_timer_init(srv->loop, pw->poll);
		pw->poll->data = pw;
		uv_timer_start(pw->poll, on_poll, DST_HOSTS_POLL_MS, DST_HOSTS_POLL_MS);
	}
	*out = pw;
	return 0;
}

/* --- start, reload, stop --------------------------------------------------------- */

int dst_server__policy_start(struct dst_server *srv)
{
	struct dst_policy_conf pc;
	int r;

	conf_of(srv->cfg, &pc);
	if ((r = zones_for(srv->cfg, &srv->zones)) < 0)
		return r;
	/* A hosts file or list that cannot be read at start: warned about, and empty. */
	if ((r = dst_policy_new(&pc, NULL, DST_POLICY_LOAD_ALL, on_warn, NULL, NULL,
				&srv->policy)) < 0)
		return r;
	dst_policy_set_zones(srv->policy, srv->zones);
	dst_queries_set_policy(srv->queries, srv->policy);
	dst_listen_set_policy(srv->listen, srv->policy);
	log_policy(srv->policy, "loaded");
	return watch_open(srv, &srv->policywatch);
}

int dst_server__policy_plan(struct dst_server *srv, const struct dst_config *cfg, unsigned load,
			    struct dst_server_policy_plan *pp)
{
	struct dst_policy_conf pc;
	unsigned failed = 0;
	int r;

	*pp = (struct dst_server_policy_plan){0};
	conf_of(cfg, &pc);
	if ((r = zones_for(cfg, &pp->zones)) < 0)
		return r;
	/* load 0 (a runtime route change): the hosts files and lists stay as read. */
	r = dst_policy_new(&pc, srv->policy, load, on_warn, NULL, &failed, &pp->policy);
	if (r < 0) {
		dst_zones_free(pp->zones);
		pp->zones = NULL;
		return r;
	}
	if (failed & DST_POLICY_LOAD_HOSTS)
		dst_log(DST_LOG_WARN,
			"reload: a hosts file cannot be read: the previous entries stay");
	if (failed & DST_POLICY_LOAD_LISTS)
		dst_log(DST_LOG_WARN,
			"reload: a blocklist or allowlist cannot be read: the previous lists stay");
	dst_policy_set_zones(pp->policy, pp->zones);
	return 0;
}

void dst_server__policy_undo(struct dst_server_policy_plan *pp)
{
	dst_policy_free(pp->policy);
	dst_zones_free(pp->zones);
	*pp = (struct dst_server_policy_plan){0};
}

void dst_server__policy_commit(struct dst_server *srv, struct dst_server_policy_plan *pp)
{
	swap_in(srv, pp->policy, pp->zones, true);
	*pp = (struct dst_server_policy_plan){0};
	log_policy(srv->policy, "reloaded");
}

void dst_server__policy_rewatch(struct dst_server *srv)
{
	watch_close(srv->policywatch);
	srv->policywatch = NULL;
	if (watch_open(srv, &srv->policywatch) < 0)
		dst_log(DST_LOG_ERR, "hosts: out of memory: the files are no longer watched");
}

void dst_server__policy_stop(struct dst_server *srv)
{
	watch_close(srv->policywatch);
	srv->policywatch = NULL;
}

void dst_server__policy_free(struct dst_server *srv)
{
	dst_policy_free(srv->policy);
	dst_zones_free(srv->zones);
	srv->policy = NULL;
	srv->zones = NULL;
}
