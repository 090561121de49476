/*
 * The upstreams at run time: their TLS pools, the health reports that the
 * query engine makes and the log lines they cause, host names resolved
 * through the bootstrap servers, network changes, and reloads.
 *
 * Selection and health themselves are select.c's (no I/O); this file
 * feeds it libuv time and tls/ outcomes, and does what it asks:
 *   - hedging: when an upstream leaves UP, the owner's left_up callback
 *     moves every query waiting on it on at once (they keep their request
 *     in case the answer still comes first).
 *   - log lines: one per change of state, with the cause; a new cause
 *     while down is logged again, a repeat of the same cause only at info.
 *   - host names: looked up at start, and again once their TTL has run out
 *     when a query comes (lazily: no timer). Until the first answer the
 *     upstream is unavailable; queries fail over, or wait for it within
 *     their deadline when nothing else is left (dst_upstreams_resolving). A
 *     failed lookup is retried after 1 s, doubling to 60 s; a name that
 *     was resolved keeps its old addresses meanwhile.
 *   - network changes and resumes (netwatch.c, SIGUSR1): every pool drops
 *     its connections, health starts over, names are looked up again.
 *   - probes: probe.c.
 * A retired upstream (replaced by a reload) still receives the outcomes
 * of attempts that were out on it; they count in its own failures but no
 * longer in the health set, where its index now means another upstream.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "resolver/base/addr.h"
#include "resolver/base/log.h"
#include "resolver/io/bootstrap.h"
#include "resolver/io/dnsclient.h"
#include "resolver/io/netwatch.h"
#include "resolver/upstream/internal.h"

#define MAX_TLS_ADDRS 16
#define BOOT_MIN_TTL_S 10
#define BOOT_MAX_TTL_S 86400
#define BOOT_RETRY_START_MS 1000
#define BOOT_RETRY_MAX_MS 60000

enum dst_fail_cause dst_fail_cause_of(int status)
{
	switch (status) {
	case DST_ETIMEDOUT:
		return DST_FAIL_TIMEOUT;
	case DST_ETLS:
		return DST_FAIL_TLS;
	case DST_ECERTVERIFY:
		return DST_FAIL_CERT;
	case DST_EPINMISMATCH:
		return DST_FAIL_PIN;
	case DST_ESERVFAIL:
		return DST_FAIL_SERVFAIL;
	case DST_EEOF:
		return DST_FAIL_CONNECT;
	default:
		/* errno values (refused, reset, unreachable) are the TCP side; ours are the rest. */
		return status > -1000 && status < 0 ? DST_FAIL_CONNECT : DST_FAIL_OTHER;
	}
}

static bool running(const struct dst_upstream *up)
{
	return up->index != DST_UPSTREAM_RETIRED;
}

/* xorshift64*: jitter and exploration need spread, not secrecy. */
static uint32_t rng_next(void *arg)
{
	struct dst_upstreams *u = arg;
	uint64_t x = u->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	u->rng = x;
	return (uint32_t)((x * 0x2545F4914F6CDD1DULL) >> 32);
}

static uint32_t hash_text(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static void on_health_changed(void *arg, unsigned i, enum dst_up_state from,
			      const struct dst_up_health *h)
{
	struct dst_upstreams *u = arg;
	struct dst_upstream *up = u->ups[i];
	const char *name = up->cfg->name;
	uint32_t cause = hash_text(h->cause);
	/* Once per cause at warning level; the same story again is only info. */
	enum dst_log_level news = cause != up->logged_cause ? DST_LOG_WARN : DST_LOG_INFO;

	switch (h->state) {
	case DST_UP_UP:
		dst_log(DST_LOG_NOTICE, "upstream %s is answering again", name);
		up->logged_cause = 0;
		return;
	case DST_UP_SUSPECT:
		dst_log(news, "upstream %s failed: %s; trying the others", name, h->cause);
		break;
	case DST_UP_DOWN:
		dst_log(news, "upstream %s %s: %s; next probe in %.1f s", name,
			from == DST_UP_DOWN ? "still down" : "is down", h->cause,
			(double)(h->retry_ms - h->since_ms) / 1000);
		break;
	case DST_UP_PROBING:
		dst_log(DST_LOG_INFO, "upstream %s: probing", name);
		return;
	}
	up->logged_cause = cause;
	if (from == DST_UP_UP && u->cb.left_up)
		u->cb.left_up(u->cb.arg, up);
}

/* --- reports ------------------------------------------------------------------ */

struct dst_upstream *dst_upstreams_pick(struct dst_upstreams *u, uint64_t tried)
{
	int i = dst_selector_pick(u->selector, tried, uv_now(u->loop));

	return i < 0 ? NULL : u->ups[i];
}

struct dst_upstream *dst_upstreams_pick_retry(struct dst_upstreams *u, uint64_t tried,
					      uint64_t dead, uint64_t allowed)
{
	int i = dst_selector_pick_retry_in(u->selector, tried, dead, allowed, uv_now(u->loop));

	return i < 0 ? NULL : u->ups[i];
}

uint32_t dst_upstreams_attempt_timeout(const struct dst_upstreams *u, const struct dst_upstream *up)
{
	return running(up) ? dst_selector_attempt_timeout_ms(u->selector, up->index)
			   : DST_UP_INITIAL_TIMEOUT_MS;
}

void dst_upstreams_ok(struct dst_upstreams *u, struct dst_upstream *up, uint64_t sent_ns)
{
	uint64_t us = (uv_hrtime() - sent_ns) / 1000;

	if (running(up))
		dst_selector_success(u->selector, up->index,
				     us > UINT32_MAX ? UINT32_MAX : (uint32_t)us, uv_now(u->loop));
}

void dst_upstreams_servfail(struct dst_upstreams *u, struct dst_upstream *up)
{
	up->fails[DST_FAIL_SERVFAIL]++;
	if (running(up))
		dst_selector_servfail(u->selector, up->index, uv_now(u->loop));
}

void dst_upstream_cause(const struct dst_upstream *up, int status, char *buf, size_t cap)
{
	const char *detail = dst_upstream_last_error(up);

	if (status == DST_ETIMEDOUT)
		snprintf(buf, cap, "timed out");
	else if (status == DST_ESERVFAIL)
		snprintf(buf, cap, "answered SERVFAIL");
	else if (status == DST_ENODNSSEC)
		snprintf(buf, cap, "removes DNSSEC signatures (RRSIG)");
	else if (status == DST_ENOENT && up->boot_error[0])
		snprintf(buf, cap, "not resolved (%s)", up->boot_error);
	else if (status == DST_ENOENT)
		snprintf(buf, cap, "not resolved yet");
	else
		snprintf(buf, cap, "%s", detail[0] ? detail : dst_strerror(status));
	/* GnuTLS's verification text ends in a blank. */
	for (size_t n = strlen(buf); n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\n'); n--)
		buf[n - 1] = '\0';
}

void dst_upstreams_failed(struct dst_upstreams *u, struct dst_upstream *up, int status,
			  uint64_t sent_ms)
{
	char cause[DST_UP_CAUSE_LEN];

	if (status == DST_ECANCELED)
		return;
	up->fails[dst_fail_cause_of(status)]++;
	if (!running(up))
		return;
	dst_upstream_cause(up, status, cause, sizeof(cause));
	dst_selector_failure(u->selector, up->index, status, cause, sent_ms, uv_now(u->loop));
}

/* --- reading ------------------------------------------------------------------ */

int dst_upstream_send(struct dst_upstream *up, const uint8_t *wire, size_t len,
		      dst_tls_answer_cb cb, void *arg, struct dst_upreq **out)
{
	if (up->dnsc)
		return dst_dnsc_send(up->dnsc, wire, len, cb, arg, (struct dst_dnsc_req **)out);
	return dst_tls_send(up->pool, wire, len, cb, arg, (struct dst_tls_req **)out);
}

void dst_upstream_cancel(struct dst_upstream *up, struct dst_upreq *req, int reason)
{
	if (up->dnsc)
		dst_dnsc_cancel((struct dst_dnsc_req *)req, reason);
	else
		dst_tls_cancel((struct dst_tls_req *)req, reason);
}

bool dst_upstream_timed_out(struct dst_upstream *up, struct dst_upreq *req)
{
	return up->pool ? dst_tls_timed_out((struct dst_tls_req *)req) : false;
}

bool dst_upstream_presumed_dead(const struct dst_upstream *up, const struct dst_upreq *req)
{
	return up->pool ? dst_tls_presumed_dead((const struct dst_tls_req *)req) : false;
}

void dst_upstream_stats(const struct dst_upstream *up, struct dst_tls_stats *st)
{
	struct dst_dnsc_stats ds;

	memset(st, 0, sizeof(*st));
	if (up->pool) {
		dst_tls_pool_stats(up->pool, st);
	} else if (up->dnsc) {
		dst_dnsc_get_stats(up->dnsc, &ds);
		st->queries = ds.queries;
		st->answers = ds.answers;
		st->unmatched = ds.unmatched;
	}
}

const char *dst_upstream_last_error(const struct dst_upstream *up)
{
	return up->pool   ? dst_tls_pool_last_error(up->pool)
	       : up->dnsc ? dst_dnsc_last_error(up->dnsc)
			  : "";
}

const char *dst_upstream_transport(const struct dst_upstream *up)
{
	return up->cfg->transport == DST_CONFIG_TRANSPORT_DNS ? "dns" : "tls";
}

unsigned dst_upstream_index(const struct dst_upstream *up)
{
	return up->index;
}

size_t dst_upstreams_count(const struct dst_upstreams *u)
{
	return u->nups;
}

struct dst_upstream *dst_upstreams_at(const struct dst_upstreams *u, size_t i)
{
	return i < u->nups ? u->ups[i] : NULL;
}

const struct dst_up_health *dst_upstreams_health(const struct dst_upstreams *u,
						 const struct dst_upstream *up)
{
	return dst_selector_health(u->selector, up->index);
}

const struct dst_config_upstream *dst_upstream_config(const struct dst_upstream *up)
{
	return up->cfg;
}

const char *dst_upstream_label(const struct dst_upstream *up)
{
	return up->label;
}

bool dst_upstream_awaits_address(const struct dst_upstream *up)
{
	return up->cfg->host && !up->resolved;
}

const struct dst_tls_pool *dst_upstream_pool(const struct dst_upstream *up)
{
	return up->pool;
}

const uint64_t *dst_upstream_fails(const struct dst_upstream *up)
{
	return up->fails;
}

/* --- host names --------------------------------------------------------------- */

void dst_upstream__update_boot_next(struct dst_upstreams *u)
{
	u->boot_next_ms = UINT64_MAX;
	for (size_t i = 0; i < u->nups; i++)
		if (u->ups[i]->cfg->host && u->ups[i]->boot_next_ms < u->boot_next_ms)
			u->boot_next_ms = u->ups[i]->boot_next_ms;
}

bool dst_upstreams_resolving(const struct dst_upstreams *u)
{
	for (size_t i = 0; i < u->nups; i++)
		if (u->ups[i]->resolving && !u->ups[i]->resolved)
			return true;
	return false;
}

/* The resolved addresses, then the file's own (address = ...) as a fallback. */
static int set_addrs(struct dst_upstream *up, const struct sockaddr_storage *addrs, size_t n)
{
	struct sockaddr_storage all[MAX_TLS_ADDRS];
	const struct dst_config_upstream *c = up->cfg;
	size_t k = 0;

	for (size_t i = 0; i < n && k < MAX_TLS_ADDRS - (c->naddrs < 8 ? c->naddrs : 8); i++)
		all[k++] = addrs[i];
	for (size_t i = 0; i < c->naddrs && k < MAX_TLS_ADDRS; i++)
		all[k++] = c->addrs[i].ss;
	if (up->dnsc)
		return dst_dnsc_set_addrs(up->dnsc, all, k);
	return dst_tls_pool_set_addrs(up->pool, all, k);
}

/* A lookup names its upstream, which a reload may have replaced or removed meanwhile. */
struct lookup {
	struct dst_upstreams *set;
	char name[64];
};

static struct dst_upstream *upstream_named(struct dst_upstreams *u, const char *name)
{
	for (size_t i = 0; i < u->nups; i++)
		if (strcmp(u->ups[i]->cfg->name, name) == 0 && u->ups[i]->cfg->host)
			return u->ups[i];
	return NULL;
}

static void on_resolved(void *arg, int status, const char *error,
			const struct sockaddr_storage *addrs, size_t n, uint32_t ttl_s)
{
	struct lookup *l = arg;
	struct dst_upstreams *u = l->set;
	struct dst_upstream *up = upstream_named(u, l->name);
	char text[DST_ADDR_TEXT_LEN];

	free(l);
	if (!up || status == DST_ECANCELED) {
		/* Bootstrap closed (shutdown, or a reload changed its servers): the next query retries. */
		if (up) {
			up->resolving = false;
			up->boot_next_ms = 0;
		}
		return;
	}
	uint64_t now = uv_now(u->loop);
	bool first = !up->resolved;
	up->resolving = false;
	if (status == 0 && (status = set_addrs(up, addrs, n)) < 0)
		error = dst_strerror(status);
	if (status < 0) {
		up->boot_backoff_ms =
			up->boot_backoff_ms ? up->boot_backoff_ms * 2 : BOOT_RETRY_START_MS;
		if (up->boot_backoff_ms > BOOT_RETRY_MAX_MS)
			up->boot_backoff_ms = BOOT_RETRY_MAX_MS;
		up->boot_next_ms = now + up->boot_backoff_ms;
		if (strcmp(up->boot_error, error) != 0)
			dst_log(DST_LOG_WARN,
				"upstream %s: cannot resolve %s through bootstrap: %s%s",
				up->cfg->name, up->cfg->host, error,
				up->resolved ? " (keeping the addresses it had)" : "");
		snprintf(up->boot_error, sizeof(up->boot_error), "%s", error);
	} else {
		ttl_s = ttl_s < BOOT_MIN_TTL_S   ? BOOT_MIN_TTL_S
			: ttl_s > BOOT_MAX_TTL_S ? BOOT_MAX_TTL_S
						 : ttl_s;
		up->boot_next_ms = now + (uint64_t)ttl_s * 1000;
		up->boot_backoff_ms = 0;
		up->boot_error[0] = '\0';
		up->resolved = true;
		dst_selector_set_available(u->selector, up->index, true);
		dst_log(first ? DST_LOG_NOTICE : DST_LOG_INFO, "upstream %s: %s is %s%s for %u s",
			up->cfg->name, up->cfg->host,
			dst_addr_text((const struct sockaddr *)&addrs[0], text),
			n > 1 ? " (and more)" : "", (unsigned)ttl_s);
	}
	dst_upstream__update_boot_next(u);
	/* Queries waiting for the first lookup go on (or, if it failed, give up sooner). */
	if (first && u->cb.resolved)
		u->cb.resolved(u->cb.arg);
}

static void lookup(struct dst_upstreams *u, struct dst_upstream *up)
{
	struct lookup *l = calloc(1, sizeof(*l));

	/* Set before the call: the callback may come before it returns. */
	up->resolving = true;
	up->boot_next_ms = UINT64_MAX;
	if (l) {
		l->set = u;
		snprintf(l->name, sizeof(l->name), "%s", up->cfg->name);
	}
	if (!l || dst_bootstrap_lookup(u->bootstrap, up->cfg->host, up->cfg->host_port, on_resolved,
				       l) < 0) {
		free(l);
		up->resolving = false;
		up->boot_next_ms = uv_now(u->loop) + BOOT_RETRY_START_MS;
	}
}

void dst_upstream__refresh_names(struct dst_upstreams *u, uint64_t now)
{
	for (size_t i = 0; i < u->nups; i++) {
		struct dst_upstream *up = u->ups[i];
		if (up->cfg->host && !up->resolving && now >= up->boot_next_ms)
			lookup(u, up);
	}
	dst_upstream__update_boot_next(u);
}

/* --- the per-query hook, network changes ------------------------------------------ */

void dst_upstreams_query_starts(struct dst_upstreams *u, const uint8_t *req,
				const struct dst_dns_query *dq, uint64_t allowed)
{
	dst_netwatch_check_clock(u->netwatch);
	uint64_t now = uv_now(u->loop);
	if (u->bootstrap && now >= u->boot_next_ms)
		dst_upstream__refresh_names(u, now);
	int i = dst_selector_probe_due_in(u->selector, now, allowed);
	if (i >= 0)
		dst_upstream__send_probe(u, u->ups[i], req, dq);
}

void dst_upstreams_network_changed(struct dst_upstreams *u, const char *why)
{
	dst_log(DST_LOG_NOTICE, "%s: reconnecting to the upstreams", why);
	for (size_t i = 0; i < u->nups; i++) {
		struct dst_upstream *up = u->ups[i];
		if (up->pool)
			dst_tls_pool_reset(up->pool);
		up->logged_cause = 0;
		if (up->cfg->host && !up->resolving)
			up->boot_next_ms = 0; /* the next query looks it up again */
	}
	dst_selector_reset(u->selector, uv_now(u->loop));
	dst_upstream__update_boot_next(u);
}

static void on_network_changed(void *arg, const char *why)
{
	dst_upstreams_network_changed(arg, why);
}

/* --- setup and teardown ---------------------------------------------------------- */

static void on_tls_event(void *arg, const char *upstream, const char *msg)
{
	static const char warn[] = "warning: ";

	if (strncmp(msg, warn, sizeof(warn) - 1) == 0)
		dst_log(DST_LOG_WARN, "upstream %s: %s", upstream, msg + sizeof(warn) - 1);
	else
		dst_log(DST_LOG_INFO, "upstream %s: %s", upstream, msg);
}

/* A new upstream object for c, with its TLS pool (which loads the trust store). */
int dst_upstream__new(struct dst_upstreams *u, const struct dst_config *cfg,
		      const struct dst_config_upstream *c, struct dst_upstream **out)
{
	struct sockaddr_storage addrs[MAX_TLS_ADDRS];
	size_t n = c->naddrs < MAX_TLS_ADDRS ? c->naddrs : MAX_TLS_ADDRS;
	struct dst_upstream *up = calloc(1, sizeof(*up));

	*out = NULL;
	if (!up)
		return DST_ENOMEM;
	for (size_t k = 0; k < n; k++)
		addrs[k] = c->addrs[k].ss;
	if (n == 0) {
		/* host only: no address until its lookup (kept unavailable till then). */
		memset(&addrs[0], 0, sizeof(addrs[0]));
		addrs[0].ss_family = AF_UNSPEC;
		n = 1;
	}
	struct dst_tls_opts o = {
		.name = c->name,
		.addrs = addrs,
		.naddrs = n,
		.tls_name = c->tls_name,
		.pins = (const uint8_t(*)[DST_TLS_PIN_LEN])c->pins,
		.npins = c->npins,
		.ca_file = c->ca_file,
		.max_connections = c->max_connections,
		.max_inflight = c->max_inflight,
		.idle_timeout_ms = c->idle_timeout_ms,
		.handshake_timeout_ms = cfg->query_timeout_ms,
		.event_cb = on_tls_event,
	};
	int r = c->transport == DST_CONFIG_TRANSPORT_DNS
			? dst_dnsc_new(u->loop, c->name, addrs, n, &up->dnsc)
			: dst_tls_pool_new(u->loop, &o, &up->pool);
	if (r < 0) {
		dst_log(DST_LOG_ERR, "upstream %s: cannot set up TLS: %s", c->name,
			dst_strerror(r));
		free(up);
		return r;
	}
	up->set = u;
	up->cfg = c;
	up->label = c->host ? c->host : c->tls_name ? c->tls_name : c->name;
	if (c->transport == DST_CONFIG_TRANSPORT_DNS)
		dst_log(DST_LOG_INFO, "upstream %s: plain DNS (UDP, TCP when truncated) to %s",
			c->name, c->naddrs ? c->addrs[0].text : c->host);
	if (c->npins == 1)
		dst_log(DST_LOG_WARN,
			"upstream %s has a single pin-sha256 and no backup pin: "
			"when its key changes, it fails until the configuration does too",
			c->name);
	*out = up;
	return 0;
}

/* Closes its pool (attempts out fail with DST_ECANCELED) and frees it. */
void dst_upstream__free(struct dst_upstream *up, bool close)
{
	if (close) {
		dst_upstream__end_probe(up);
		if (up->pool)
			dst_tls_pool_close(up->pool);
		dst_dnsc_close(up->dnsc);
	}
	free(up);
}

void dst_upstream__selector_opts(struct dst_upstreams *u, struct dst_selector_opts *o)
{
	const struct dst_config *cfg = u->cfg;

	*o = (struct dst_selector_opts){
		.strategy = (enum dst_up_strategy)cfg->strategy,
		.max_backoff_ms = cfg->max_backoff_ms,
		.query_timeout_ms = cfg->query_timeout_ms,
		.rand = rng_next,
		.rand_arg = u,
		.changed = on_health_changed,
		.changed_arg = u,
	};
}

/* Bootstrap for the current configuration: kept when its servers did not change. */
int dst_upstream__open_bootstrap(struct dst_upstreams *u, const struct dst_config *old)
{
	const struct dst_config *cfg = u->cfg;
	bool hosts = false;

	for (size_t i = 0; i < u->nups; i++)
		hosts |= u->ups[i]->cfg->host != NULL;
	bool same = old && u->bootstrap && old->nbootstrap == cfg->nbootstrap;
	for (size_t i = 0; same && i < cfg->nbootstrap; i++)
		same = strcmp(old->bootstrap[i].text, cfg->bootstrap[i].text) == 0;
	if (hosts && same)
		return 0;
	/* Lookups in flight end with DST_ECANCELED; their upstreams look up again. */
	dst_bootstrap_close(u->bootstrap);
	u->bootstrap = NULL;
	if (!hosts)
		return 0;
	int r = dst_bootstrap_new(u->loop, cfg->bootstrap, cfg->nbootstrap, &u->bootstrap);
	if (r < 0)
		dst_log(DST_LOG_ERR, "bootstrap: cannot set up c-ares: %s", dst_strerror(r));
	return r;
}

int dst_upstreams_new(uv_loop_t *loop, const struct dst_config *cfg,
		      const struct dst_upstreams_cb *cb, struct dst_upstreams **out)
{
	struct dst_selector_opts o;
	struct dst_upstreams *u = calloc(1, sizeof(*u));
	int r;

	*out = u;
	if (!u)
		return DST_ENOMEM;
	u->loop = loop;
	u->cfg = cfg;
	u->cb = *cb;
	u->boot_next_ms = UINT64_MAX;
	if (uv_random(NULL, NULL, &u->rng, sizeof(u->rng), 0, NULL) < 0 || u->rng == 0)
		u->rng = uv_hrtime() | 1;
	if (cfg->nupstreams > DST_UP_MAX) {
		dst_log(DST_LOG_ERR, "at most %d upstreams are supported", DST_UP_MAX);
		return DST_EINVAL;
	}
	for (size_t i = 0; i < cfg->nupstreams; i++) {
		if ((r = dst_upstream__new(u, cfg, &cfg->upstreams[i], &u->ups[i])) < 0)
			return r;
		u->ups[i]->index = (unsigned)i;
		u->nups++;
	}
	dst_upstream__selector_opts(u, &o);
	if ((r = dst_selector_new(&o, u->nups, &u->selector)) < 0)
		return r;
	if ((r = dst_upstream__routes_new(cfg, &u->routes)) < 0)
		return r;
	for (size_t i = 0; i < u->nups; i++) {
		/* A host without an address of its own waits for its first lookup. */
		if (u->ups[i]->cfg->host && u->ups[i]->cfg->naddrs == 0)
			dst_selector_set_available(u->selector, (unsigned)i, false);
	}
	if ((r = dst_upstream__open_bootstrap(u, NULL)) < 0)
		return r;
	if ((r = dst_netwatch_new(loop, on_network_changed, u, &u->netwatch)) < 0)
		return r;
	if (u->bootstrap)
		dst_upstream__refresh_names(u, uv_now(loop));
	return 0;
}

void dst_upstreams_close(struct dst_upstreams *u)
{
	if (!u)
		return;
	dst_bootstrap_close(u->bootstrap);
	u->bootstrap = NULL;
	dst_netwatch_close(u->netwatch);
	u->netwatch = NULL;
	for (size_t i = 0; i < u->nups; i++) {
		dst_upstream__end_probe(u->ups[i]);
		if (u->ups[i]->pool)
			dst_tls_pool_close(u->ups[i]->pool);
		dst_dnsc_close(u->ups[i]->dnsc);
		u->ups[i]->pool = NULL;
		u->ups[i]->dnsc = NULL;
	}
}

void dst_upstreams_free(struct dst_upstreams *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->nups; i++)
		dst_upstream__free(u->ups[i], false);
	dst_selector_free(u->selector);
	dst_upstream__routes_free(u->routes);
	free(u);
}
