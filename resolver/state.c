/*
 * Persisted state, wired ([server] state-dir): what dotstub keeps across a
 * restart, in one file (io/state.h) of one section per owner: the
 * upstreams' (RTT, health, TLS session data: upstream/persist.c) and the
 * cache's entries (cache/persist.c).
 *
 * When: read once in dst_server_new, after the upstreams, the cache and
 * the engine exist and before any listener takes a query; written at
 * shutdown (before the pools close), every state-interval (a timer; a
 * state that has not changed since the last write is not written again,
 * for flash), on "dotstub-control save", and when a reload replaces the
 * cache its entries are carried into the new one in memory.
 *
 * Nothing here can stop dotstub from starting: a missing, unreadable,
 * truncated, corrupt or foreign file, or a part of one, is skipped with
 * one warning naming what was skipped and why. The directory is opened
 * before privileges are dropped (it stays reachable in a chroot) and
 * checked for writing after, once; if that fails the error says what to
 * do and dotstub runs without saving.
 *
 * Secrets: the file holds TLS session data. It is written 0600 by the run
 * user, and nothing logs its bytes.
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dns/err.h"
#include "resolver/base/log.h"
#include "resolver/internal.h"
#include "resolver/io/state.h"
#include "resolver/server.h"
#include "resolver/upstream/upstream.h"
#include "tls/tls.h"

/* Above the cache's budget: a file from a larger cache is still read (and trimmed by loading). */
#define READ_SLACK (16u << 20)

/* A wall clock off by more than this from the one derived from the loop's is read anew. */
#define WALL_SLACK_MS 1000

static int64_t wall_ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The wall clock at the loop's now_ms, derived from one reading of both
 * clocks: two saves of the same state then write the same times (reading
 * both clocks each time would put a millisecond of rounding between
 * them), so that an unchanged state is recognised and not rewritten. The
 * pair is read anew when the wall clock moved (NTP stepped it) by more
 * than WALL_SLACK_MS.
 */
static int64_t wall_at(uint64_t now_ms)
{
	static int64_t wall0, mono0;
	static bool anchored;
	int64_t wall = wall_ms_now(), derived = wall0 + ((int64_t)now_ms - mono0);

	if (!anchored || derived - wall > WALL_SLACK_MS || wall - derived > WALL_SLACK_MS) {
		wall0 = wall;
		mono0 = (int64_t)now_ms;
		anchored = true;
		return wall;
	}
	return derived;
}

static void on_skipped(void *arg, const char *msg)
{
	const struct dst_server *srv = arg;

	dst_log(DST_LOG_WARN, "state: %s/%s: %s", dst_state_dir_path(srv->state_dir),
		DST_STATE_FILE, msg);
}

static void apply(struct dst_server *srv, const struct dst_state_view *v, uint64_t now_ms,
		  int64_t wall_ms)
{
	const struct dst_state_section *ups = dst_state_find(v, DST_STATE_UPSTREAMS);
	const struct dst_state_section *cache = dst_state_find(v, DST_STATE_CACHE);
	struct dst_upstreams_load_stats us = {0};
	struct dst_cache_load_stats cs = {0};
	int64_t age_s = wall_ms / 1000 - v->written_s;

	/* Beyond what the derived wall clock (wall_at) may be ahead of the real one. */
	if (age_s < -(WALL_SLACK_MS / 1000 + 1))
		on_skipped(srv, "written in the future: this machine's clock is behind "
				"(cached answers are taken as stored now)");
	if (ups && dst_upstreams_load(srv->upstreams, ups->data, ups->len, wall_ms / 1000, &us) < 0)
		on_skipped(srv, "upstreams section skipped: not in the expected format");
	if (ups && us.unknown)
		dst_log(DST_LOG_WARN,
			"state: %zu saved upstreams skipped: removed from the configuration or "
			"changed (name, addresses, host, tls-name, ca-file or pins)",
			us.unknown);
	if (cache && srv->cache &&
	    dst_cache_load(srv->cache, cache->data, cache->len, now_ms, wall_ms, &cs) < 0)
		on_skipped(srv, "cache section skipped: not in the expected format");
	dst_log(DST_LOG_NOTICE,
		"state: read %s/%s, written %lld s ago: %zu cached answers (%zu expired, %zu "
		"over the cache's limits, dropped), %zu upstreams with RTT and health, %zu TLS "
		"sessions to resume (%zu expired)",
		dst_state_dir_path(srv->state_dir), DST_STATE_FILE, (long long)age_s, cs.loaded,
		cs.expired, cs.refused, us.matched, us.sessions, us.expired);
}

void dst_server__state_open(struct dst_server *srv)
{
	const struct dst_config *cfg = srv->cfg;
	struct dst_state_view v;
	uint8_t *data = NULL;
	size_t len = 0;
	bool existed;
	int r;

	if (!cfg->state_dir)
		return;
	existed = access(cfg->state_dir, F_OK) == 0;
	r = dst_state_dir_open(cfg->state_dir, &srv->state_dir);
	/* Made here, as root, for a user to drop to: it is that user's. */
	if (r == 0 && !existed && cfg->user && geteuid() == 0) {
		struct passwd *pw = getpwnam(cfg->user);

		if (pw && chown(cfg->state_dir, pw->pw_uid, pw->pw_gid) < 0)
			dst_log(DST_LOG_WARN, "state-dir %s: cannot give it to user %s: %s",
				cfg->state_dir, cfg->user, strerror(errno));
	}
	if (r < 0) {
		dst_log(DST_LOG_ERR,
			"state-dir %s: %s: nothing is read or kept across restarts (create the "
			"directory, writable by the user dotstub runs as)",
			cfg->state_dir, dst_strerror(r));
		return;
	}
	uv_update_time(srv->loop);
	r = dst_state_dir_read(srv->state_dir, (size_t)cfg->cache_size * 2 + READ_SLACK, &data,
			       &len);
	if (r == DST_ENOENT) {
		dst_log(DST_LOG_INFO, "state: no %s/%s yet: starting afresh", cfg->state_dir,
			DST_STATE_FILE);
	} else if (r < 0) {
		dst_log(DST_LOG_WARN, "state: %s/%s skipped: %s", cfg->state_dir, DST_STATE_FILE,
			r == DST_EINVAL     ? "not a regular file"
			: r == DST_EMSGSIZE ? "larger than a state file of this cache can be"
					    : dst_strerror(r));
	} else if (dst_state_parse(data, len, &v, on_skipped, srv) == 0) {
		/* The clock cannot be earlier than this file: a floor for certificate checks. */
		dst_tls_set_clock_floor(v.written_s);
		apply(srv, &v, uv_now(srv->loop), wall_at(uv_now(srv->loop)));
	}
	free(data);
}

/*
 * TODO: the write, fsync included, runs in the loop: queries wait for it
 * (milliseconds for a few MB on an SSD, more on slow flash, once per
 * state-interval). Moving the write to the thread pool would need the
 * bytes handed over and saves serialised; the interval keeps it rare.
 */
static void on_state_timer(uv_timer_t *t)
{
	dst_server_state_save(t->data, "every state-interval", NULL, 0);
}

/* (Re)arms the timer for cfg's state-interval; 0 stops it. */
void dst_server__state_timer(struct dst_server *srv)
{
	uint64_t ms = srv->cfg->state_interval_ms;

	if (!srv->state_dir || !srv->state_writable)
		return;
	if (!srv->state_timer) {
		if (ms == 0 || !(srv->state_timer = malloc(sizeof(*srv->state_timer))))
			return;
		uv_timer_init(srv->loop, srv->state_timer);
		srv->state_timer->data = srv;
	}
	if (ms == 0)
		uv_timer_stop(srv->state_timer);
	else
		uv_timer_start(srv->state_timer, on_state_timer, ms, ms);
}

int dst_server_started(struct dst_server *srv)
{
	int r;

	if (!srv->state_dir)
		return 0;
	r = dst_state_dir_check(srv->state_dir);
	if (r < 0) {
		dst_log(DST_LOG_ERR,
			"state-dir %s: cannot write there as uid %u: %s; running without saving "
			"state (make the directory writable by the user dotstub runs as%s)",
			dst_state_dir_path(srv->state_dir), (unsigned)geteuid(), dst_strerror(r),
			srv->cfg->user ? ", [server] user" : "");
		return r;
	}
	srv->state_writable = true;
	dst_server__state_timer(srv);
	return 0;
}

int dst_server_state_save(struct dst_server *srv, const char *why, char *what, size_t cap)
{
	struct dst_state_buf b;
	size_t nsess = 0, nent = 0;
	uint64_t now_ms;
	int64_t wall_ms;
	uint32_t crc;
	int r;

	if (what && cap)
		what[0] = '\0';
	if (!srv->state_dir || !srv->state_writable)
		return DST_ENOENT;
	uv_update_time(srv->loop);
	now_ms = uv_now(srv->loop);
	wall_ms = wall_at(now_ms);
	dst_state_build_begin(&b, wall_ms / 1000);
	dst_state_build_section(&b, DST_STATE_UPSTREAMS);
	r = dst_upstreams_save(srv->upstreams, wall_ms / 1000, dst_state_append, &b, &nsess);
	dst_state_build_section_end(&b);
	if (r == 0 && srv->cache) {
		dst_state_build_section(&b, DST_STATE_CACHE);
		r = dst_cache_save(srv->cache, now_ms, wall_ms, dst_state_append, &b, &nent);
		dst_state_build_section_end(&b);
	}
	if (r == 0)
		r = dst_state_build_end(&b);
	if (r < 0) {
		dst_log(DST_LOG_ERR, "state: not saved (%s): %s", why, dst_strerror(r));
		dst_state_buf_free(&b);
		return r;
	}
	/* What follows the header: the same bytes as last time need no write (flash). */
	crc = dst_state_crc32(b.data + DST_STATE_HEADER_LEN, b.len - DST_STATE_HEADER_LEN);
	if (srv->state_saved && crc == srv->state_crc && strcmp(why, "every state-interval") == 0) {
		dst_log(DST_LOG_DEBUG, "state: unchanged since the last write, not written");
		dst_state_buf_free(&b);
		return 0;
	}
	r = dst_state_dir_write(srv->state_dir, b.data, b.len);
	if (r < 0) {
		dst_log(DST_LOG_ERR, "state: cannot write %s/%s (%s): %s",
			dst_state_dir_path(srv->state_dir), DST_STATE_FILE, why, dst_strerror(r));
	} else {
		srv->state_saved = true;
		srv->state_crc = crc;
		dst_log(DST_LOG_INFO,
			"state: wrote %s/%s (%s): %zu cached answers, %zu TLS sessions, %zu bytes",
			dst_state_dir_path(srv->state_dir), DST_STATE_FILE, why, nent, nsess,
			b.len);
		if (what)
			snprintf(what, cap,
				 "%zu cached answers, %zu TLS sessions, %zu bytes to %s/%s", nent,
				 nsess, b.len, dst_state_dir_path(srv->state_dir), DST_STATE_FILE);
	}
	dst_state_buf_free(&b);
	return r;
}

static void on_handle_freed(uv_handle_t *h)
{
	free(h);
}

void dst_server__state_close(struct dst_server *srv)
{
	if (srv->state_timer)
		uv_close((uv_handle_t *)srv->state_timer, on_handle_freed);
	srv->state_timer = NULL;
	if (srv->state_writable)
		dst_server_state_save(srv, "at shutdown", NULL, 0);
	dst_state_dir_close(srv->state_dir);
	srv->state_dir = NULL;
	srv->state_writable = false;
}

int dst_server__cache_carry(struct dst_server *srv, struct dst_cache *from, struct dst_cache *to)
{
	struct dst_state_buf b = {0};
	struct dst_cache_load_stats st = {0};
	uint64_t now_ms = uv_now(srv->loop);
	int64_t wall_ms = wall_at(now_ms);
	int r = dst_cache_save(from, now_ms, wall_ms, dst_state_append, &b, NULL);

	if (r == 0)
		r = dst_cache_load(to, b.data, b.len, now_ms, wall_ms, &st);
	if (r < 0)
		dst_log(DST_LOG_WARN, "reload: the cached answers could not be carried over: %s",
			dst_strerror(r));
	else
		dst_log(DST_LOG_INFO, "reload: %zu cached answers carried into the new cache",
			st.loaded);
	dst_state_buf_free(&b);
	return r;
}

int dst_server_config_state_dir(struct dst_config *cfg, const char *dir)
{
	if (!dir || cfg->state_dir)
		return 0;
	cfg->state_dir = strdup(dir);
	return cfg->state_dir ? 0 : DST_ENOMEM;
}

int dst_server_set_state_dir_default(struct dst_server *srv, const char *dir)
{
	char *d = dir ? strdup(dir) : NULL;

	if (dir && !d)
		return DST_ENOMEM;
	free(srv->state_dir_default);
	srv->state_dir_default = d;
	return 0;
}
