/*
 * The upstreams at run time (upstream/): each configured upstream with its
 * TLS pool, the health set that selects among them (select.h), probes,
 * host names looked up through the bootstrap servers, and network changes.
 *
 * Each upstream is allocated on its own and never moves: a reload keeps
 * the objects of upstreams whose settings did not change (with their
 * connections, TLS sessions and health) and retires the others, which
 * stay valid, receiving nothing new, until the caller frees them once no
 * query can still refer to them. So a query may hold a struct
 * dst_upstream pointer for its whole life. Indexes (for a query's "tried"
 * mask) do change with a reload: dst_upstreams_commit says how.
 *
 * The set tells its owner two things through callbacks, never by calling
 * upward: an upstream left UP (queries waiting on it should move on now),
 * and an upstream got its first address (queries waiting for one may go).
 * Outcomes are reported back by the query engine with dst_upstreams_ok,
 * _servfail and _failed.
 */
#ifndef DST_UPSTREAM_UPSTREAM_H
#define DST_UPSTREAM_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "config/config.h"
#include "dns/dns.h"
#include "resolver/policy/zones.h"
#include "resolver/upstream/select.h"
#include "tls/tls.h"

struct dst_upstream;
struct dst_upstreams;
struct dst_upstreams_plan;
struct dst_zones;
/*
 * A request out on an upstream, whatever its transport (a TLS pool's
 * request, or the plain DNS client's): used only with the upstream it was
 * sent to (dst_upstream_cancel, _timed_out, _presumed_dead).
 */
struct dst_upreq;

/*
 * Where a query may go (dst_upstreams_route): the candidate upstreams
 * (bit per index: the zone's, or the default ones), or an answer made
 * here for an action zone.
 */
struct dst_route {
	uint64_t allowed; /* candidate upstreams; 0 with action FORWARD: none left */
	uint8_t action;   /* enum dst_config_zone_action */
	uint32_t zone; /* the zone's id (index into the configuration's zones), or DST_ZONES_NONE */
};

/* Why an attempt at an upstream failed, as counted for the control socket and /metrics. */
enum dst_fail_cause {
	DST_FAIL_TIMEOUT,
	DST_FAIL_CONNECT,  /* refused, reset, closed: the TCP side */
	DST_FAIL_TLS,      /* handshake or record layer */
	DST_FAIL_CERT,     /* certificate chain or name */
	DST_FAIL_PIN,      /* no certificate matched a pin-sha256 */
	DST_FAIL_SERVFAIL, /* answered SERVFAIL or REFUSED */
	DST_FAIL_OTHER,    /* unusable answers and the rest */
	DST_FAIL_NCAUSES,
};

/* Which DST_FAIL_* a failed attempt's status counts as. */
enum dst_fail_cause dst_fail_cause_of(int status);

struct dst_upstreams_cb {
	/* up just left UP: queries waiting on it should move on now. */
	void (*left_up)(void *arg, struct dst_upstream *up);
	/* An upstream got its first address: queries waiting for one may go. */
	void (*resolved)(void *arg);
	void *arg;
};

/*
 * Makes the upstreams of cfg (a TLS pool each, which loads its trust
 * store; no connection is opened yet), their health set, the bootstrap
 * resolver when some upstream has a host, and the network watcher. cfg is
 * borrowed until dst_upstreams_commit replaces it. On failure (logged) *out
 * may still be set: close and free it like a working one.
 */
int dst_upstreams_new(uv_loop_t *loop, const struct dst_config *cfg,
		      const struct dst_upstreams_cb *cb, struct dst_upstreams **out);
/* Closes bootstrap, netwatch and every pool (attempts out fail with DST_ECANCELED). */
void dst_upstreams_close(struct dst_upstreams *u);
/* Frees the set once the loop has closed its handles. NULL is fine. */
void dst_upstreams_free(struct dst_upstreams *u);

/* --- reload: plan beside the running set, then commit or undo ------------------- */

/*
 * Builds what cfg needs beside the running set: an upstream whose settings
 * are all unchanged is kept as it is; any other gets a new object and
 * pool. *out is set whenever memory allowed; on failure undo it.
 */
int dst_upstreams_plan(struct dst_upstreams *u, const struct dst_config *cfg,
		       struct dst_upstreams_plan **out);
/* Closes what a plan built; the running set is untouched. NULL is fine. */
void dst_upstreams_plan_undo(struct dst_upstreams_plan *p);
/* How many of the running upstreams the plan keeps. */
unsigned dst_upstreams_plan_kept(const struct dst_upstreams_plan *p);

/*
 * Swaps the plan in (and frees it); cannot fail. upmap[k] becomes the new
 * index of old upstream k, or -1; returns how many old upstreams there
 * were. The upstreams the plan did not keep are linked into *retired
 * (their pools still open, for attempts out): free them with
 * dst_upstreams_free_retired once no query refers to them. old_cfg is the
 * configuration being replaced (the bootstrap servers are compared).
 */
size_t dst_upstreams_commit(struct dst_upstreams *u, struct dst_upstreams_plan *p,
			    const struct dst_config *old_cfg, int upmap[DST_UP_MAX],
			    struct dst_upstream **retired);
/* Closes the pools of a retired list and frees it (close: false after the loop ended). */
void dst_upstreams_free_retired(struct dst_upstream *list, bool close);

/* --- the query engine's side --------------------------------------------------- */

/* The upstream for a query's next attempt (tried: bit per index), or NULL when none is left. */
struct dst_upstream *dst_upstreams_pick(struct dst_upstreams *u, uint64_t tried);
/*
 * Like dst_upstreams_pick, among the upstreams in allowed only (the
 * query's candidates: dst_upstreams_route); when every available one was
 * tried, one of dead (tried ones whose connection was presumed dead), to
 * retry on a fresh connection; NULL when neither has one.
 */
struct dst_upstream *dst_upstreams_pick_retry(struct dst_upstreams *u, uint64_t tried,
					      uint64_t dead, uint64_t allowed);
/* The adaptive timeout for an attempt at up, in ms. */
uint32_t dst_upstreams_attempt_timeout(const struct dst_upstreams *u,
				       const struct dst_upstream *up);
/*
 * A query is about to go upstream: clock check, lazy re-resolution, due
 * probes (with its question, to one of its candidates in allowed only).
 */
void dst_upstreams_query_starts(struct dst_upstreams *u, const uint8_t *req,
				const struct dst_dns_query *dq, uint64_t allowed);
/* An answer (not SERVFAIL) to a request sent at sent_ns (uv_hrtime). */
void dst_upstreams_ok(struct dst_upstreams *u, struct dst_upstream *up, uint64_t sent_ns);
/* A SERVFAIL/REFUSED answer: counted, and reported to the health set. */
void dst_upstreams_servfail(struct dst_upstreams *u, struct dst_upstream *up);
/* An attempt sent at sent_ms (uv_now) failed with status (DST_ECANCELED is ignored). */
void dst_upstreams_failed(struct dst_upstreams *u, struct dst_upstream *up, int status,
			  uint64_t sent_ms);
/* Whether some upstream waits for its first address (a query may wait for it). */
bool dst_upstreams_resolving(const struct dst_upstreams *u);
/* The network changed or the machine resumed: drop connections, forget backoffs. */
void dst_upstreams_network_changed(struct dst_upstreams *u, const char *why);

/*
 * Sends a query to up by its transport: its TLS pool, or the plain DNS
 * client (UDP, TCP when truncated; padding and keepalive left out). The
 * contract is dst_tls_send's for both: the callback never fires inside
 * this call, *out is usable until the callback fired or it is cancelled.
 */
int dst_upstream_send(struct dst_upstream *up, const uint8_t *wire, size_t len,
		      dst_tls_answer_cb cb, void *arg, struct dst_upreq **out);
/* Withdraws a request of up's (dst_tls_cancel's contract). */
void dst_upstream_cancel(struct dst_upstream *up, struct dst_upreq *req, int reason);
/* The wait for req ran out (dst_tls_timed_out; a plain request: false, nothing to replace). */
bool dst_upstream_timed_out(struct dst_upstream *up, struct dst_upreq *req);
/* dst_tls_presumed_dead; false for a plain request. */
bool dst_upstream_presumed_dead(const struct dst_upstream *up, const struct dst_upreq *req);
/*
 * The route of a name (lower-case wire form, len bytes with the root
 * label): its zone's upstreams or action, else the default upstreams
 * (every upstream no zone names). While an override is set (hotspot),
 * every name goes to its upstreams (zone DST_ZONES_NONE), zones and
 * actions notwithstanding.
 */
void dst_upstreams_route(const struct dst_upstreams *u, const uint8_t *qname, size_t len,
			 struct dst_route *out);
/*
 * Every name goes to the upstreams in allowed from now on (bit per index,
 * as of the running set; set it again after a commit); 0: back to zones.
 * The zone table is not involved, so local answers that consult it
 * (dst_upstreams_zones) are not routed away by a hotspot.
 */
void dst_upstreams_set_override(struct dst_upstreams *u, uint64_t allowed);
/* The zone table of the running configuration (for the local answers' "a [zone] routes it"). */
const struct dst_zones *dst_upstreams_zones(const struct dst_upstreams *u);
/* Its bit in a query's tried mask: the index in the running set. */
unsigned dst_upstream_index(const struct dst_upstream *up);
/* Why up failed with status, in a few words ("timed out", "pin mismatch ..."), into buf. */
void dst_upstream_cause(const struct dst_upstream *up, int status, char *buf, size_t cap);

/* --- reading, for reports and EDE ------------------------------------------------ */

size_t dst_upstreams_count(const struct dst_upstreams *u);
struct dst_upstream *dst_upstreams_at(const struct dst_upstreams *u, size_t i);
const struct dst_up_health *dst_upstreams_health(const struct dst_upstreams *u,
						 const struct dst_upstream *up);
const struct dst_config_upstream *dst_upstream_config(const struct dst_upstream *up);
/* How clients see it in EDE text: host, tls-name or name. */
const char *dst_upstream_label(const struct dst_upstream *up);
/* Its host = name has no address yet (nothing was ever resolved). */
bool dst_upstream_awaits_address(const struct dst_upstream *up);
/* Its TLS pool; NULL for a plain DNS upstream. */
const struct dst_tls_pool *dst_upstream_pool(const struct dst_upstream *up);
/* Its counters, from the TLS pool or the plain client (no handshakes or connections there). */
void dst_upstream_stats(const struct dst_upstream *up, struct dst_tls_stats *st);
/* Its transport's last error in words, or "". */
const char *dst_upstream_last_error(const struct dst_upstream *up);
/* "tls" or "dns" (plain). */
const char *dst_upstream_transport(const struct dst_upstream *up);
/* Failed attempts by cause, DST_FAIL_NCAUSES of them. */
const uint64_t *dst_upstream_fails(const struct dst_upstream *up);

/* --- persisted state (persist.c) ------------------------------------------------ */

/*
 * Writes one record per running upstream (dst_up_saved_write): its
 * identity, RTT, health and TLS session data unexpired at now_s (a
 * secret: the bytes must go where only the run user reads them). Returns 0
 * or write's error; *n (may be NULL) gets the number of sessions written.
 */
int dst_upstreams_save(const struct dst_upstreams *u, int64_t now_s, dst_up_write_cb write,
		       void *arg, size_t *n);

struct dst_upstreams_load_stats {
	size_t matched;  /* records of a running upstream with the same identity */
	size_t unknown;  /* records of upstreams removed or changed since: ignored */
	size_t sessions; /* TLS sessions handed to pools */
	size_t expired;  /* TLS sessions past their lifetime: dropped */
};

/*
 * Reads what dst_upstreams_save wrote (checked whole first: DST_EFORMAT
 * and nothing applied). Each record whose identity is a running
 * upstream's gives it the saved RTT and health (dst_selector_import) and,
 * unless expired at now_s, the TLS session data to resume with. Returns 0
 * or DST_EFORMAT.
 */
int dst_upstreams_load(struct dst_upstreams *u, const uint8_t *data, size_t len, int64_t now_s,
		       struct dst_upstreams_load_stats *st);

#endif
