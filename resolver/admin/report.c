/*
 * Reports for the control socket (plain "key: value" lines) and /metrics
 * (Prometheus text format 0.0.4), built from the same numbers: the
 * parts' counters (the listeners', the query engine's, each upstream's failures by cause), the
 * cache's statistics and each TLS pool's.
 *
 * Counters here count since start; a reload keeps the server's and the
 * cache's (when the cache is kept), an upstream kept by a reload keeps
 * its pool's, and a rebuilt upstream keeps its failure counts (by name)
 * while its pool's counters start again (Prometheus sees a counter reset).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "resolver/admin/admin.h"
#include "resolver/admin/report.h"
#include "resolver/listen/listen.h"
#include "resolver/query/query.h"
#include "resolver/upstream/upstream.h"

static const char *const cause_names[DST_FAIL_NCAUSES] = {
	[DST_FAIL_TIMEOUT] = "timeout", [DST_FAIL_CONNECT] = "connect",
	[DST_FAIL_TLS] = "tls",         [DST_FAIL_CERT] = "certificate",
	[DST_FAIL_PIN] = "pin",         [DST_FAIL_SERVFAIL] = "servfail",
	[DST_FAIL_OTHER] = "other",
};

#define NRCODES DST_DNS_NAMED_RCODES

static unsigned long long ull(uint64_t v)
{
	return (unsigned long long)v;
}

static uint64_t uptime_s(const struct dst_admin_src *src)
{
	return (uv_now(src->loop) - src->start_ms) / 1000;
}

static void cache_stats(const struct dst_admin_src *src, struct dst_cache_stats *cs)
{
	memset(cs, 0, sizeof(*cs));
	if (src->cache)
		dst_cache_get_stats(src->cache, cs);
}

/* Upstream i's health (upstream.h): state, smoothed RTT, backoff, cause. */
static const struct dst_up_health *health(const struct dst_admin_src *src,
					  const struct dst_upstream *up)
{
	return dst_upstreams_health(src->upstreams, up);
}

/* Every part's counters added up. */
static void stats_total(const struct dst_admin_src *src, struct dst_stats *sum)
{
	*sum = *dst_queries_stats(src->queries);
	dst_listen_add_stats(src->listen, sum);
}

void dst_report_status(const struct dst_admin_src *src, struct dst_buf *b)
{
	const struct dst_config *cfg = src->cfg;

	dst_buf_printf(b, "version: %s\n", PACKAGE_VERSION);
	dst_buf_printf(b, "uptime: %llus\n", ull(uptime_s(src)));
	dst_buf_printf(b, "config: %s\n", cfg->file ? cfg->file : "built-in defaults");
	dst_buf_printf(b, "reloads: %u\n", src->reloads);
	const struct dst_config_addr *a;
	for (size_t i = 0; (a = dst_listen_addr(src->listen, i)); i++)
		dst_buf_printf(b, "listen: %s (udp, tcp)\n", a->text);
	dst_buf_printf(b, "control: %s\n", cfg->control ? cfg->control : "off");
	dst_buf_printf(b, "metrics: %s\n", cfg->metrics.len ? cfg->metrics.text : "off");
	dst_buf_printf(b, "upstreams: %zu\n", dst_upstreams_count(src->upstreams));
	dst_buf_printf(b, "queries in flight: %zu\n", dst_queries_pending(src->queries));
	dst_buf_printf(b, "tcp clients: %zu\n", dst_listen_tcp_clients(src->listen));
}

void dst_report_upstreams(const struct dst_admin_src *src, struct dst_buf *b)
{
	for (size_t i = 0; i < dst_upstreams_count(src->upstreams); i++) {
		const struct dst_upstream *up = dst_upstreams_at(src->upstreams, i);
		const struct dst_config_upstream *u = dst_upstream_config(up);
		const struct dst_up_health *h = health(src, up);
		struct dst_tls_stats ts;
		uint64_t now = uv_now(src->loop);
		const char *err = h->cause[0] ? h->cause : dst_upstream_last_error(up);

		dst_upstream_stats(up, &ts);
		dst_buf_printf(b, "%supstream %s\n", i ? "\n" : "", u->name);
		dst_buf_printf(b, "  transport: %s%s\n", dst_upstream_transport(up),
			       u->transport == DST_CONFIG_TRANSPORT_DNS ? " (plain, unencrypted)"
									: "");
		dst_buf_printf(b, "  state: %s%s", dst_selector_state_name(h->state),
			       h->available ? "" : ", no address yet");
		if (h->state == DST_UP_DOWN && h->retry_ms > now)
			dst_buf_printf(b, " (probed in %llu ms)", ull(h->retry_ms - now));
		/* A state never changed since start has since_ms 0. */
		uint64_t since = h->since_ms > src->start_ms ? h->since_ms : src->start_ms;
		dst_buf_printf(b, " for %llu s\n", ull((now - since) / 1000));
		if (h->have_rtt)
			dst_buf_printf(b, "  srtt: %.1f ms (deviation %.1f ms)\n",
				       h->srtt_us / 1000.0, h->rttvar_us / 1000.0);
		else
			dst_buf_printf(b, "  srtt: - (no answer timed yet)\n");
		dst_buf_printf(b, "  addresses:");
		for (size_t k = 0; k < u->naddrs; k++)
			dst_buf_printf(b, "%s %s", k ? "," : "", u->addrs[k].text);
		dst_buf_printf(b, "\n  authentication:");
		if (u->transport == DST_CONFIG_TRANSPORT_DNS)
			dst_buf_printf(b, " none (plain DNS)");
		if (u->tls_name)
			dst_buf_printf(b, " name %s%s", u->tls_name, u->npins ? "," : "");
		if (u->npins)
			dst_buf_printf(b, " %zu pin%s", u->npins, u->npins == 1 ? "" : "s");
		dst_buf_printf(b, "\n");
		if (src->queries &&
		    dst_queries_upstream_strips(src->queries, dst_upstream_index(up)))
			dst_buf_printf(b, "  dnssec: removes RRSIG records from answers (names to "
					  "validate go to other upstreams)\n");
		dst_buf_printf(b, "  queries: %llu\n  answers: %llu\n", ull(ts.queries),
			       ull(ts.answers));
		dst_buf_printf(b, "  failures:");
		for (int c = 0; c < DST_FAIL_NCAUSES; c++)
			dst_buf_printf(b, "%s %s %llu", c ? "," : "", cause_names[c],
				       ull(dst_upstream_fails(up)[c]));
		dst_buf_printf(b, "\n  connection failures: %llu\n", ull(ts.conn_failures));
		dst_buf_printf(b, "  connections open: %u\n", ts.conns_open);
		dst_buf_printf(b, "  handshakes: full %llu, resumed %llu\n",
			       ull(ts.full_handshakes), ull(ts.resumed_handshakes));
		dst_buf_printf(b, "  last error: %s\n", err[0] ? err : "-");
	}
}

void dst_report_stats(const struct dst_admin_src *src, struct dst_buf *b)
{
	struct dst_stats total;
	const struct dst_stats *st = &total;
	struct dst_cache_stats cs;
	uint64_t other = 0;

	stats_total(src, &total);
	cache_stats(src, &cs);
	for (size_t r = NRCODES; r < 16; r++)
		other += st->rcodes[r];
	dst_buf_printf(b, "queries: %llu\n", ull(st->queries));
	dst_buf_printf(b, "cache hits: %llu\n", ull(cs.hits));
	dst_buf_printf(b, "cache misses: %llu\n", ull(cs.misses));
	dst_buf_printf(b, "stale answers: %llu\n", ull(st->stale));
	dst_buf_printf(b, "prefetches: %llu\n", ull(st->prefetches));
	dst_buf_printf(b, "answers:");
	for (size_t r = 0; r < NRCODES; r++)
		dst_buf_printf(b, "%s %s %llu", r ? "," : "", dst_dns_rcode_name((unsigned)r, NULL),
			       ull(st->rcodes[r]));
	dst_buf_printf(b, ", other %llu\n", ull(other));
	dst_buf_printf(b, "servfail: %llu\n", ull(st->rcodes[DST_DNS_RCODE_SERVFAIL]));
	dst_buf_printf(b, "refused: %llu\n", ull(st->rcodes[DST_DNS_RCODE_REFUSED]));
	dst_buf_printf(b, "rate limited: %llu\n", ull(st->ratelimited));
	dst_buf_printf(b, "acl dropped: %llu\n", ull(st->acl_dropped));
	dst_buf_printf(b, "acl refused tcp: %llu\n", ull(st->acl_refused_tcp));
	dst_buf_printf(b, "any: %llu\n", ull(st->any));
	dst_buf_printf(b, "local answers: %llu\n", ull(st->local));
	dst_buf_printf(b, "blocked: %llu\n", ull(st->blocked));
	dst_buf_printf(b, "dnssec secure: %llu\n", ull(st->dnssec_secure));
	dst_buf_printf(b, "dnssec insecure: %llu\n", ull(st->dnssec_insecure));
	dst_buf_printf(b, "dnssec bogus: %llu\n", ull(st->dnssec_bogus));
	dst_buf_printf(b, "max-pending servfail: %llu\n", ull(st->pending_full));
	dst_buf_printf(b, "tcp clients evicted: %llu\n", ull(st->tcp_evicted));
	dst_buf_printf(b, "tcp clients not reading: %llu\n", ull(st->tcp_not_reading));
	dst_buf_printf(b, "cache entries: %zu\n", cs.entries);
	dst_buf_printf(b, "cache bytes: %zu\n", cs.bytes);
	dst_buf_printf(b, "cache max bytes: %llu\n", ull(src->cache ? src->cfg->cache_size : 0));
	dst_buf_printf(b, "cache evictions: %llu\n", ull(cs.evictions));
	dst_buf_printf(b, "queries in flight: %zu\n", dst_queries_pending(src->queries));

	/* The main loop counts only what it read itself (not what workers passed on). */
	uint64_t wq[64], main_q = dst_listen_stats(src->listen)->queries;
	unsigned nw = dst_listen_worker_queries(src->listen, wq, 64);
	dst_buf_printf(b, "threads: %u\n", nw + 1);
	dst_buf_printf(b, "queries by thread: %llu", ull(main_q));
	for (unsigned i = 0; i < nw; i++)
		dst_buf_printf(b, " %llu", ull(wq[i]));
	dst_buf_printf(b, "\n");
}

/* --- Prometheus ----------------------------------------------------------- */

static void family(struct dst_buf *b, const char *name, const char *type, const char *help)
{
	dst_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void metric(struct dst_buf *b, const char *name, const char *type, const char *help,
		   uint64_t v)
{
	family(b, name, type, help);
	dst_buf_printf(b, "%s %llu\n", name, ull(v));
}

/* One family with a sample per upstream; get reads the value. */
static void per_upstream(const struct dst_admin_src *src, struct dst_buf *b, const char *name,
			 const char *type, const char *help,
			 uint64_t (*get)(const struct dst_admin_src *, const struct dst_upstream *,
					 const struct dst_tls_stats *))
{
	family(b, name, type, help);
	for (size_t i = 0; i < dst_upstreams_count(src->upstreams); i++) {
		struct dst_tls_stats ts;
		const struct dst_upstream *up = dst_upstreams_at(src->upstreams, i);
		dst_upstream_stats(up, &ts);
		dst_buf_printf(b, "%s{upstream=\"%s\"} %llu\n", name, dst_upstream_config(up)->name,
			       ull(get(src, up, &ts)));
	}
}

static uint64_t get_up(const struct dst_admin_src *src, const struct dst_upstream *up,
		       const struct dst_tls_stats *ts)
{
	return health(src, up)->state == DST_UP_UP;
}
static uint64_t get_queries(const struct dst_admin_src *src, const struct dst_upstream *up,
			    const struct dst_tls_stats *ts)
{
	return ts->queries;
}
static uint64_t get_answers(const struct dst_admin_src *src, const struct dst_upstream *up,
			    const struct dst_tls_stats *ts)
{
	return ts->answers;
}
static uint64_t get_conns(const struct dst_admin_src *src, const struct dst_upstream *up,
			  const struct dst_tls_stats *ts)
{
	return ts->conns_open;
}
static uint64_t get_conn_failures(const struct dst_admin_src *src, const struct dst_upstream *up,
				  const struct dst_tls_stats *ts)
{
	return ts->conn_failures;
}
static uint64_t get_unmatched(const struct dst_admin_src *src, const struct dst_upstream *up,
			      const struct dst_tls_stats *ts)
{
	return ts->unmatched;
}

void dst_report_metrics(const struct dst_admin_src *src, struct dst_buf *b)
{
	struct dst_stats total;
	const struct dst_stats *st = &total;
	struct dst_cache_stats cs;
	uint64_t other = 0;

	stats_total(src, &total);
	cache_stats(src, &cs);
	family(b, "dotstub_info", "gauge", "The running dotstub's version (always 1).");
	dst_buf_printf(b, "dotstub_info{version=\"%s\"} 1\n", PACKAGE_VERSION);
	metric(b, "dotstub_uptime_seconds", "gauge", "Seconds since dotstub started.",
	       uptime_s(src));
	metric(b, "dotstub_reloads_total", "counter", "Configuration reloads applied.",
	       src->reloads);
	metric(b, "dotstub_queries_total", "counter",
	       "Client messages received over UDP and TCP, refused and rate-limited ones included.",
	       st->queries);
	family(b, "dotstub_answers_total", "counter", "Answers sent to clients, by rcode.");
	for (size_t r = 0; r < NRCODES; r++)
		dst_buf_printf(b, "dotstub_answers_total{rcode=\"%s\"} %llu\n",
			       dst_dns_rcode_name((unsigned)r, NULL), ull(st->rcodes[r]));
	for (size_t r = NRCODES; r < 16; r++)
		other += st->rcodes[r];
	dst_buf_printf(b, "dotstub_answers_total{rcode=\"other\"} %llu\n", ull(other));
	metric(b, "dotstub_queries_in_flight", "gauge", "Queries waiting for an upstream.",
	       dst_queries_pending(src->queries));
	metric(b, "dotstub_tcp_clients", "gauge", "Client TCP connections open.",
	       dst_listen_tcp_clients(src->listen));
	metric(b, "dotstub_cache_hits_total", "counter", "Answers served live from the cache.",
	       cs.hits);
	metric(b, "dotstub_cache_misses_total", "counter", "Cache lookups that found nothing live.",
	       cs.misses);
	metric(b, "dotstub_stale_answers_total", "counter",
	       "Expired answers sent while upstreams were slow or failing (RFC 8767).", st->stale);
	metric(b, "dotstub_prefetches_total", "counter",
	       "Background refreshes of cache entries hit late in their life.", st->prefetches);
	metric(b, "dotstub_cache_evictions_total", "counter", "Entries dropped to make room.",
	       cs.evictions);
	metric(b, "dotstub_cache_entries", "gauge", "Entries in the cache, stale ones included.",
	       cs.entries);
	metric(b, "dotstub_cache_bytes", "gauge", "Bytes the cache holds, its index included.",
	       cs.bytes);
	metric(b, "dotstub_cache_max_bytes", "gauge", "The cache's size limit ([cache] size).",
	       src->cache ? src->cfg->cache_size : 0);
	metric(b, "dotstub_ratelimited_total", "counter", "UDP queries over the rate limit.",
	       st->ratelimited);
	metric(b, "dotstub_acl_dropped_total", "counter",
	       "UDP queries from clients the access list refuses, dropped.", st->acl_dropped);
	metric(b, "dotstub_acl_refused_tcp_total", "counter",
	       "TCP connections from clients the access list refuses.", st->acl_refused_tcp);
	metric(b, "dotstub_any_total", "counter", "ANY queries answered as RFC 8482 says.",
	       st->any);
	metric(b, "dotstub_local_answers_total", "counter",
	       "Answers from the hosts files and the default local zones.", st->local);
	metric(b, "dotstub_blocked_total", "counter", "Names answered as blocked by the blocklist.",
	       st->blocked);
	metric(b, "dotstub_dnssec_secure_total", "counter",
	       "Upstream answers validated as secure (DNSSEC).", st->dnssec_secure);
	metric(b, "dotstub_dnssec_insecure_total", "counter",
	       "Upstream answers validated as insecure: proven unsigned.", st->dnssec_insecure);
	metric(b, "dotstub_dnssec_bogus_total", "counter",
	       "Upstream answers that failed DNSSEC validation (SERVFAIL, EDE 6 or 10).",
	       st->dnssec_bogus);
	metric(b, "dotstub_max_pending_servfail_total", "counter",
	       "Cache misses answered SERVFAIL at once because max-pending was reached.",
	       st->pending_full);
	metric(b, "dotstub_tcp_evicted_total", "counter",
	       "TCP clients closed to make room at max-tcp-clients.", st->tcp_evicted);
	metric(b, "dotstub_tcp_not_reading_total", "counter",
	       "TCP clients closed for not reading their answers.", st->tcp_not_reading);

	per_upstream(src, b, "dotstub_upstream_up", "gauge",
		     "1 while the upstream is up, 0 while it is suspect, down or being probed.",
		     get_up);
	family(b, "dotstub_upstream_info", "gauge",
	       "Always 1: the upstream's transport (tls, or dns for plain DNS).");
	for (size_t i = 0; i < dst_upstreams_count(src->upstreams); i++) {
		const struct dst_upstream *up = dst_upstreams_at(src->upstreams, i);
		dst_buf_printf(b, "dotstub_upstream_info{upstream=\"%s\",transport=\"%s\"} 1\n",
			       dst_upstream_config(up)->name, dst_upstream_transport(up));
	}
	family(b, "dotstub_upstream_srtt_seconds", "gauge",
	       "Smoothed answer time of the upstream (absent until one answer was timed).");
	for (size_t i = 0; i < dst_upstreams_count(src->upstreams); i++) {
		const struct dst_upstream *up = dst_upstreams_at(src->upstreams, i);
		const struct dst_up_health *h = health(src, up);
		if (h->have_rtt)
			dst_buf_printf(b, "dotstub_upstream_srtt_seconds{upstream=\"%s\"} %.6f\n",
				       dst_upstream_config(up)->name, h->srtt_us / 1e6);
	}
	per_upstream(src, b, "dotstub_upstream_queries_total", "counter",
		     "Queries handed to the upstream's connection pool.", get_queries);
	per_upstream(src, b, "dotstub_upstream_answers_total", "counter",
		     "Answers received from the upstream.", get_answers);
	per_upstream(src, b, "dotstub_upstream_unmatched_total", "counter",
		     "Answers that matched no query (late or unknown), dropped.", get_unmatched);
	per_upstream(src, b, "dotstub_upstream_connections", "gauge",
		     "TLS connections open to the upstream.", get_conns);
	per_upstream(src, b, "dotstub_upstream_connection_failures_total", "counter",
		     "Connections that failed before they were ready.", get_conn_failures);
	family(b, "dotstub_upstream_handshakes_total", "counter",
	       "TLS handshakes completed, full or resumed.");
	for (size_t i = 0; i < dst_upstreams_count(src->upstreams); i++) {
		const struct dst_upstream *up = dst_upstreams_at(src->upstreams, i);
		const char *name = dst_upstream_config(up)->name;
		struct dst_tls_stats ts;
		dst_upstream_stats(up, &ts);
		dst_buf_printf(b,
			       "dotstub_upstream_handshakes_total{upstream=\"%s\",kind=\"full\"} "
			       "%llu\n",
			       name, ull(ts.full_handshakes));
		dst_buf_printf(b,
			       "dotstub_upstream_handshakes_total{upstream=\"%s\",kind=\"resumed\"}"
			       " %llu\n",
			       name, ull(ts.resumed_handshakes));
	}
	family(b, "dotstub_upstream_failures_total", "counter",
	       "Query attempts at the upstream that failed, by cause.");
	for (size_t i = 0; i < dst_upstreams_count(src->upstreams); i++) {
		const struct dst_upstream *up = dst_upstreams_at(src->upstreams, i);
		for (int c = 0; c < DST_FAIL_NCAUSES; c++)
			dst_buf_printf(b,
				       "dotstub_upstream_failures_total{upstream=\"%s\","
				       "cause=\"%s\"} %llu\n",
				       dst_upstream_config(up)->name, cause_names[c],
				       ull(dst_upstream_fails(up)[c]));
	}
}
