/*
 * The upstreams at run time: their TLS pools, the health reports that
 * query.c makes and the log lines they cause, probes, host names resolved
 * through the bootstrap servers, and network changes.
 *
 * Selection and health themselves are upstream.c's (no I/O); this file
 * feeds it libuv time and tls/ outcomes, and does what it asks:
 *   - probes: when a query goes upstream and some upstream is SUSPECT, or
 *     DOWN with its backoff over, a copy of that query's question goes to
 *     it on its own (struct dst_probe, with a timer that runs only while
 *     the probe is out). The client's query itself goes to a healthy
 *     upstream, so a probe never costs a client time; its outcome decides
 *     the upstream's state. Idle, nothing is probed: no timer wakes us.
 *   - hedging: when an upstream leaves UP, every query waiting on it moves
 *     on at once (dst_query_hedge), keeping its request in case the answer
 *     still comes first.
 *   - log lines: one per change of state, with the cause; a new cause
 *     while down is logged again, a repeat of the same cause only at info.
 *   - host names: looked up at start, and again once their TTL has run out
 *     when a query comes (lazily: no timer). Until the first answer the
 *     upstream is unavailable; queries fail over, or wait for it within
 *     their deadline when nothing else is left (dst_uplink_resolving). A
 *     failed lookup is retried after 1 s, doubling to 60 s; a name that
 *     was resolved keeps its old addresses meanwhile.
 *   - network changes and resumes (netwatch.c, SIGUSR1): every pool drops
 *     its connections, health starts over, names are looked up again.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "resolver/bootstrap.h"
#include "resolver/internal.h"
#include "resolver/log.h"
#include "resolver/netwatch.h"
#include "resolver/upstream.h"

#define MAX_TLS_ADDRS 16
#define BOOT_MIN_TTL_S 10
#define BOOT_MAX_TTL_S 86400
#define BOOT_RETRY_START_MS 1000
#define BOOT_RETRY_MAX_MS 60000

struct dst_probe {
	uv_timer_t timer;
	struct dst_server *srv;
	struct dst_upstream *up;
	struct dst_tls_req *treq;
	uint64_t sent_ms, sent_ns;
};

/* xorshift64*: jitter and exploration need spread, not secrecy. */
static uint32_t rng_next(void *arg)
{
	struct dst_server *srv = arg;
	uint64_t x = srv->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	srv->rng = x;
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
	struct dst_server *srv = arg;
	struct dst_upstream *up = &srv->ups[i];
	const char *name = up->cfg->name;
	uint32_t cause = hash_text(h->cause);
	/* Once per cause at warning level; the same story again is only info. */
	enum dst_log_level news = cause != up->logged_cause ? DST_LOG_WARN : DST_LOG_INFO;

	up->down = h->state != DST_UP_UP;
	up->retry_after_ms = h->state == DST_UP_DOWN ? h->retry_ms : 0;
	up->backoff_ms = h->backoff_ms;
	up->last_status = h->state == DST_UP_UP ? 0 : h->last_status;
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
	if (from == DST_UP_UP)
		dst_query_hedge(srv, up);
}

/* --- reports ------------------------------------------------------------------ */

struct dst_upstream *dst_uplink_pick(struct dst_server *srv, uint64_t tried)
{
	int i = dst_upset_pick(srv->upset, tried, uv_now(srv->loop));

	return i < 0 ? NULL : &srv->ups[i];
}

struct dst_upstream *dst_uplink_pick_retry(struct dst_server *srv, uint64_t tried, uint64_t dead)
{
	int i = dst_upset_pick_retry(srv->upset, tried, dead, uv_now(srv->loop));

	return i < 0 ? NULL : &srv->ups[i];
}

uint32_t dst_uplink_attempt_timeout(struct dst_server *srv, const struct dst_upstream *up)
{
	return dst_upset_attempt_timeout_ms(srv->upset, up->index);
}

void dst_uplink_ok(struct dst_server *srv, struct dst_upstream *up, uint64_t sent_ns)
{
	uint64_t us = (uv_hrtime() - sent_ns) / 1000;

	dst_upset_success(srv->upset, up->index, us > UINT32_MAX ? UINT32_MAX : (uint32_t)us,
			  uv_now(srv->loop));
}

bool dst_uplink_servfail(struct dst_server *srv, struct dst_upstream *up)
{
	return dst_upset_servfail(srv->upset, up->index, uv_now(srv->loop));
}

void dst_uplink_cause(const struct dst_server *srv, const struct dst_upstream *up, int status,
		      char *buf, size_t cap)
{
	const char *detail = up->pool ? dst_tls_pool_last_error(up->pool) : "";

	if (status == DST_ETIMEDOUT)
		snprintf(buf, cap, "timed out");
	else if (status == DST_ESERVFAIL)
		snprintf(buf, cap, "answered SERVFAIL");
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

void dst_uplink_failed(struct dst_server *srv, struct dst_upstream *up, int status,
		       uint64_t sent_ms)
{
	char cause[DST_UP_CAUSE_LEN];

	if (status == DST_ECANCELED)
		return;
	up->fails[dst_server__fail_cause(status)]++;
	dst_uplink_cause(srv, up, status, cause, sizeof(cause));
	dst_upset_failure(srv->upset, up->index, status, cause, sent_ms, uv_now(srv->loop));
}

/* --- EDE ------------------------------------------------------------------------ */

static bool noted(const struct dst_query *q, unsigned up)
{
	for (unsigned i = 0; i < q->nfails; i++)
		if (q->fails[i].up == up)
			return true;
	return false;
}

static void add_cause(const struct dst_query *q, const struct dst_upstream *up, int status,
		      char *buf, size_t cap, size_t *len)
{
	char cause[DST_UP_CAUSE_LEN];

	if (*len >= cap)
		return;
	dst_uplink_cause(q->srv, up, status, cause, sizeof(cause));
	int n = snprintf(buf + *len, cap - *len, "%s%s: %s", *len ? "; " : "", up->label, cause);
	*len = n < 0 ? cap : *len + (size_t)n > cap ? cap : *len + (size_t)n;
}

/*
 * Why no upstream answered q, for an Extended DNS Error: each upstream it
 * tried, with what went wrong ("dns.quad9.net: timed out"); 22 (No
 * Reachable Authority) when they all answered SERVFAIL, else 23 (Network
 * Error). Attempts still out are "timed out"; with nothing tried, the
 * upstreams still waiting for their first lookup say so.
 */
void dst_uplink_ede(const struct dst_query *q, struct dst_dns_ede *ede, char *buf, size_t cap)
{
	struct dst_server *srv = q->srv;
	size_t len = 0;
	bool all_servfail = q->nfails > 0;

	for (unsigned i = 0; i < q->nfails; i++) {
		if (q->fails[i].up >= srv->nups)
			continue; /* an upstream a reload took away */
		add_cause(q, &srv->ups[q->fails[i].up], q->fails[i].status, buf, cap, &len);
		all_servfail &= q->fails[i].status == DST_ESERVFAIL;
	}
	for (unsigned i = 0; i < 2; i++) {
		const struct dst_attempt *a = &q->att[i];
		if (a->treq && !noted(q, a->up->index)) {
			add_cause(q, a->up, DST_ETIMEDOUT, buf, cap, &len);
			all_servfail = false;
		}
	}
	/* Nothing tried: the upstreams still wait for their addresses. */
	for (size_t i = 0; i < srv->nups && q->tried == 0; i++)
		if (srv->ups[i].cfg->host && !srv->ups[i].resolved)
			add_cause(q, &srv->ups[i], DST_ENOENT, buf, cap, &len);
	if (len == 0 && q->last_status < 0)
		len = (size_t)snprintf(buf, cap, "%s", dst_strerror(q->last_status));
	ede->info_code = all_servfail ? DST_DNS_EDE_NO_REACHABLE_AUTHORITY : DST_DNS_EDE_NETWORK_ERROR;
	ede->text = buf;
	ede->text_len = len < cap ? len : cap - 1;
}

/* --- probes --------------------------------------------------------------------- */

static void on_probe_closed(uv_handle_t *h)
{
	free(h->data);
}

static void probe_end(struct dst_probe *pr)
{
	if (pr->up->probe == pr)
		pr->up->probe = NULL;
	if (pr->treq) {
		dst_tls_cancel(pr->treq, DST_ECANCELED);
		pr->treq = NULL;
	}
	uv_close((uv_handle_t *)&pr->timer, on_probe_closed);
}

static void on_probe_answer(void *arg, int status, const uint8_t *wire, size_t len)
{
	struct dst_probe *pr = arg;
	struct dst_server *srv = pr->srv;
	struct dst_upstream *up = pr->up;

	pr->treq = NULL;
	probe_end(pr);
	if (status == DST_ECANCELED)
		return;
	if (status < 0) {
		dst_uplink_failed(srv, up, status, pr->sent_ms);
		return;
	}
	unsigned rcode = dst_dns_rcode(wire);
	if (rcode == DST_DNS_RCODE_SERVFAIL || rcode == DST_DNS_RCODE_REFUSED)
		dst_uplink_servfail(srv, up);
	else
		dst_uplink_ok(srv, up, pr->sent_ns);
}

static void on_probe_timeout(uv_timer_t *t)
{
	struct dst_probe *pr = t->data;
	struct dst_tls_req *treq = pr->treq;

	pr->treq = NULL;
	if (treq)
		dst_tls_cancel(treq, DST_ETIMEDOUT);
	probe_end(pr);
	dst_uplink_failed(pr->srv, pr->up, DST_ETIMEDOUT, pr->sent_ms);
}

/*
 * Sends q's question to up on its own. A probe needs a new connection, so
 * it gets at least the initial attempt timeout, and twice the adaptive one.
 */
static void send_probe(struct dst_server *srv, struct dst_upstream *up, const struct dst_query *q)
{
	uint8_t buf[3 * DST_DNS_PAD_BLOCK];
	uint32_t t = 2 * dst_upset_attempt_timeout_ms(srv->upset, up->index);
	struct dst_probe *pr = NULL;

	if (t < DST_UP_INITIAL_TIMEOUT_MS)
		t = DST_UP_INITIAL_TIMEOUT_MS;
	if (t > srv->cfg->query_timeout_ms)
		t = srv->cfg->query_timeout_ms;
	if (up->probe) {
		/*
		 * One from an earlier round is still out: it becomes this round's
		 * probe (counted as sent now). Not cancelled: we may be inside a
		 * callback of this very pool, which must not lose requests under it.
		 */
		up->probe->sent_ms = uv_now(srv->loop);
		return;
	}
	ssize_t n = dst_dns_upstream_query(q->req, &q->dq, 0, buf, sizeof(buf));
	int r = n < 0 ? (int)n : (pr = calloc(1, sizeof(*pr))) ? 0 : DST_ENOMEM;
	if (r == 0) {
		uv_timer_init(srv->loop, &pr->timer);
		pr->timer.data = pr;
		pr->srv = srv;
		pr->up = up;
		pr->sent_ms = uv_now(srv->loop);
		pr->sent_ns = uv_hrtime();
		r = dst_tls_send(up->pool, buf, (size_t)n, on_probe_answer, pr, &pr->treq);
		if (r < 0) {
			pr->treq = NULL;
			probe_end(pr);
		} else {
			up->probe = pr;
			uv_timer_start(&pr->timer, on_probe_timeout, t, 0);
		}
	}
	if (r < 0)
		dst_upset_failure(srv->upset, up->index, r, "could not send a probe",
				  uv_now(srv->loop), uv_now(srv->loop));
}

/* --- host names --------------------------------------------------------------- */

static void update_boot_next(struct dst_server *srv)
{
	srv->boot_next_ms = UINT64_MAX;
	for (size_t i = 0; i < srv->nups; i++)
		if (srv->ups[i].cfg->host && srv->ups[i].boot_next_ms < srv->boot_next_ms)
			srv->boot_next_ms = srv->ups[i].boot_next_ms;
}

bool dst_uplink_resolving(const struct dst_server *srv)
{
	for (size_t i = 0; i < srv->nups; i++)
		if (srv->ups[i].resolving && !srv->ups[i].resolved)
			return true;
	return false;
}

/* The resolved addresses, then the file's own (address = ...) as a fallback. */
static int set_addrs(struct dst_upstream *up, const struct sockaddr_storage *addrs, size_t n)
{
	struct sockaddr_storage all[MAX_TLS_ADDRS];
	const struct dst_config_upstream *u = up->cfg;
	size_t k = 0;

	for (size_t i = 0; i < n && k < MAX_TLS_ADDRS - (u->naddrs < 8 ? u->naddrs : 8); i++)
		all[k++] = addrs[i];
	for (size_t i = 0; i < u->naddrs && k < MAX_TLS_ADDRS; i++)
		all[k++] = u->addrs[i].ss;
	return dst_tls_pool_set_addrs(up->pool, all, k);
}

/* A lookup names its upstream, which a reload may have moved or removed meanwhile. */
struct lookup {
	struct dst_server *srv;
	char name[64];
};

static struct dst_upstream *upstream_named(struct dst_server *srv, const char *name)
{
	for (size_t i = 0; i < srv->nups; i++)
		if (strcmp(srv->ups[i].cfg->name, name) == 0 && srv->ups[i].cfg->host)
			return &srv->ups[i];
	return NULL;
}

static void on_resolved(void *arg, int status, const char *error,
			const struct sockaddr_storage *addrs, size_t n, uint32_t ttl_s)
{
	struct lookup *l = arg;
	struct dst_server *srv = l->srv;
	struct dst_upstream *up = upstream_named(srv, l->name);
	char text[64];

	free(l);
	if (!up || status == DST_ECANCELED) {
		/* Bootstrap closed (shutdown, or a reload changed its servers): the next query retries. */
		if (up) {
			up->resolving = false;
			up->boot_next_ms = 0;
		}
		return;
	}
	uint64_t now = uv_now(srv->loop);
	bool first = !up->resolved;
	up->resolving = false;
	if (status == 0 && (status = set_addrs(up, addrs, n)) < 0)
		error = dst_strerror(status);
	if (status < 0) {
		up->boot_backoff_ms = up->boot_backoff_ms ? up->boot_backoff_ms * 2 : BOOT_RETRY_START_MS;
		if (up->boot_backoff_ms > BOOT_RETRY_MAX_MS)
			up->boot_backoff_ms = BOOT_RETRY_MAX_MS;
		up->boot_next_ms = now + up->boot_backoff_ms;
		if (strcmp(up->boot_error, error) != 0)
			dst_log(DST_LOG_WARN, "upstream %s: cannot resolve %s through bootstrap: %s%s",
				up->cfg->name, up->cfg->host, error,
				up->resolved ? " (keeping the addresses it had)" : "");
		snprintf(up->boot_error, sizeof(up->boot_error), "%s", error);
	} else {
		ttl_s = ttl_s < BOOT_MIN_TTL_S ? BOOT_MIN_TTL_S : ttl_s > BOOT_MAX_TTL_S ? BOOT_MAX_TTL_S : ttl_s;
		up->boot_next_ms = now + (uint64_t)ttl_s * 1000;
		up->boot_backoff_ms = 0;
		up->boot_error[0] = '\0';
		up->resolved = true;
		dst_upset_set_available(srv->upset, up->index, true);
		if (addrs[0].ss_family == AF_INET6)
			uv_ip6_name((const struct sockaddr_in6 *)&addrs[0], text, sizeof(text));
		else
			uv_ip4_name((const struct sockaddr_in *)&addrs[0], text, sizeof(text));
		dst_log(first ? DST_LOG_NOTICE : DST_LOG_INFO,
			"upstream %s: %s is %s%s for %u s", up->cfg->name, up->cfg->host, text,
			n > 1 ? " (and more)" : "", (unsigned)ttl_s);
	}
	update_boot_next(srv);
	/* Queries waiting for the first lookup go on (or, if it failed, give up sooner). */
	if (first)
		dst_query_kick(srv);
}

static void lookup(struct dst_server *srv, struct dst_upstream *up)
{
	struct lookup *l = calloc(1, sizeof(*l));

	/* Set before the call: the callback may come before it returns. */
	up->resolving = true;
	up->boot_next_ms = UINT64_MAX;
	if (l) {
		l->srv = srv;
		snprintf(l->name, sizeof(l->name), "%s", up->cfg->name);
	}
	if (!l || dst_bootstrap_lookup(srv->bootstrap, up->cfg->host, up->cfg->host_port,
				       on_resolved, l) < 0) {
		free(l);
		up->resolving = false;
		up->boot_next_ms = uv_now(srv->loop) + BOOT_RETRY_START_MS;
	}
}

static void refresh_names(struct dst_server *srv, uint64_t now)
{
	for (size_t i = 0; i < srv->nups; i++) {
		struct dst_upstream *up = &srv->ups[i];
		if (up->cfg->host && !up->resolving && now >= up->boot_next_ms)
			lookup(srv, up);
	}
	update_boot_next(srv);
}

/* --- the per-query hook, network changes ------------------------------------------ */

void dst_uplink_query_starts(struct dst_server *srv, const struct dst_query *q)
{
	dst_netwatch_check_clock(srv->netwatch);
	uint64_t now = uv_now(srv->loop);
	if (srv->bootstrap && now >= srv->boot_next_ms)
		refresh_names(srv, now);
	int i = dst_upset_probe_due(srv->upset, now);
	if (i >= 0)
		send_probe(srv, &srv->ups[i], q);
}

void dst_uplink_network_changed(struct dst_server *srv, const char *why)
{
	dst_log(DST_LOG_NOTICE, "%s: reconnecting to the upstreams", why);
	for (size_t i = 0; i < srv->nups; i++) {
		struct dst_upstream *up = &srv->ups[i];
		dst_tls_pool_reset(up->pool);
		up->logged_cause = 0;
		if (up->cfg->host && !up->resolving)
			up->boot_next_ms = 0; /* the next query looks it up again */
	}
	dst_upset_reset(srv->upset, uv_now(srv->loop));
	update_boot_next(srv);
}

static void on_network_changed(void *arg, const char *why)
{
	dst_uplink_network_changed(arg, why);
}

/* --- setup and teardown ---------------------------------------------------------- */

static void upset_opts(struct dst_server *srv, struct dst_upset_opts *o)
{
	const struct dst_config *cfg = srv->cfg;

	*o = (struct dst_upset_opts){
		.strategy = (enum dst_up_strategy)cfg->strategy,
		.max_backoff_ms = cfg->max_backoff_ms,
		.query_timeout_ms = cfg->query_timeout_ms,
		.rand = rng_next,
		.rand_arg = srv,
		.changed = on_health_changed,
		.changed_arg = srv,
	};
}

static void label_upstream(struct dst_server *srv, struct dst_upstream *up)
{
	const struct dst_config_upstream *u = up->cfg;

	up->srv = srv;
	up->label = u->host ? u->host : u->tls_name ? u->tls_name : u->name;
}

/* Bootstrap for the current configuration: kept when its servers did not change. */
static int open_bootstrap(struct dst_server *srv, const struct dst_config *old)
{
	const struct dst_config *cfg = srv->cfg;
	bool hosts = false;

	for (size_t i = 0; i < srv->nups; i++)
		hosts |= srv->ups[i].cfg->host != NULL;
	bool same = old && srv->bootstrap && old->nbootstrap == cfg->nbootstrap;
	for (size_t i = 0; same && i < cfg->nbootstrap; i++)
		same = strcmp(old->bootstrap[i].text, cfg->bootstrap[i].text) == 0;
	if (hosts && same)
		return 0;
	/* Lookups in flight end with DST_ECANCELED; their upstreams look up again. */
	dst_bootstrap_close(srv->bootstrap);
	srv->bootstrap = NULL;
	if (!hosts)
		return 0;
	int r = dst_bootstrap_new(srv->loop, cfg->bootstrap, cfg->nbootstrap, &srv->bootstrap);
	if (r < 0)
		dst_log(DST_LOG_ERR, "bootstrap: cannot set up c-ares: %s", dst_strerror(r));
	return r;
}

int dst_uplink_start(struct dst_server *srv)
{
	struct dst_upset_opts o;
	int r;

	if (uv_random(NULL, NULL, &srv->rng, sizeof(srv->rng), 0, NULL) < 0 || srv->rng == 0)
		srv->rng = uv_hrtime() | 1;
	if (srv->nups > DST_UP_MAX) {
		dst_log(DST_LOG_ERR, "at most %d upstreams are supported", DST_UP_MAX);
		return DST_EINVAL;
	}
	upset_opts(srv, &o);
	if ((r = dst_upset_new(&o, srv->nups, &srv->upset)) < 0)
		return r;
	for (size_t i = 0; i < srv->nups; i++) {
		struct dst_upstream *up = &srv->ups[i];
		label_upstream(srv, up);
		/* A host without an address of its own waits for its first lookup. */
		if (up->cfg->host && up->cfg->naddrs == 0)
			dst_upset_set_available(srv->upset, up->index, false);
	}
	if ((r = open_bootstrap(srv, NULL)) < 0)
		return r;
	if ((r = dst_netwatch_new(srv->loop, on_network_changed, srv, &srv->netwatch)) < 0)
		return r;
	if (srv->bootstrap)
		refresh_names(srv, uv_now(srv->loop));
	else
		srv->boot_next_ms = UINT64_MAX;
	return 0;
}

/* Points whatever refers to an old upstream entry at its new place. */
static void move_refs(struct dst_server *srv, struct dst_upstream *old, size_t nold,
		      const int *upmap)
{
	for (struct dst_query *q = srv->queries; q; q = q->next) {
		for (unsigned j = 0; j < 2; j++) {
			struct dst_attempt *a = &q->att[j];
			if (a->up >= old && a->up < old + nold && upmap[a->up - old] >= 0)
				a->up = &srv->ups[upmap[a->up - old]];
		}
		for (unsigned j = 0; j < q->nfails; j++)
			if (q->fails[j].up < nold)
				q->fails[j].up = upmap[q->fails[j].up] >= 0 ? (unsigned)upmap[q->fails[j].up]
									   : UINT32_MAX;
	}
	for (size_t k = 0; k < nold; k++) {
		if (upmap[k] < 0 || !old[k].probe)
			continue;
		/* The pool lives on in the new entry, and so does its probe. */
		srv->ups[upmap[k]].probe = old[k].probe;
		old[k].probe->up = &srv->ups[upmap[k]];
		old[k].probe = NULL;
	}
}

void dst_uplink_reloaded(struct dst_server *srv, struct dst_upstream *old, size_t nold,
			 const int *upmap, const struct dst_config *old_cfg)
{
	int from[DST_UP_MAX];
	struct dst_upset_opts o;

	move_refs(srv, old, nold, upmap);
	for (size_t i = 0; i < srv->nups && i < DST_UP_MAX; i++)
		from[i] = -1;
	for (size_t k = 0; k < nold; k++)
		if (upmap[k] >= 0 && (size_t)upmap[k] < DST_UP_MAX)
			from[upmap[k]] = (int)k;
	upset_opts(srv, &o);
	dst_upset_reconfigure(srv->upset, &o, srv->nups, from);
	for (size_t i = 0; i < srv->nups; i++) {
		struct dst_upstream *up = &srv->ups[i];
		label_upstream(srv, up);
		if (from[i] < 0) {
			up->resolved = up->resolving = false;
			up->boot_next_ms = 0;
			if (up->cfg->host && up->cfg->naddrs == 0)
				dst_upset_set_available(srv->upset, (unsigned)i, false);
		}
	}
	if (open_bootstrap(srv, old_cfg) == 0 && srv->bootstrap)
		refresh_names(srv, uv_now(srv->loop));
	update_boot_next(srv);
}

void dst_uplink_stop(struct dst_server *srv)
{
	dst_bootstrap_close(srv->bootstrap);
	srv->bootstrap = NULL;
	dst_netwatch_close(srv->netwatch);
	srv->netwatch = NULL;
}

void dst_uplink_free(struct dst_server *srv)
{
	dst_upset_free(srv->upset);
	srv->upset = NULL;
}
