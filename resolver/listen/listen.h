/*
 * The listeners (listen/): UDP and TCP sockets on the listen addresses,
 * TCP clients, the access list and rate limit, the query log, and the
 * worker loops that answer cache hits on other threads. Every message
 * that passes the checks goes to the query engine; the engine's answers
 * come back through the reply operations this part provides.
 *
 * Listeners are allocated one per address (struct dst_listener) so that a
 * reload keeps some and retires others; a retired list keeps its UDP
 * sockets open for answers still owed until dst_listen_close_retired.
 *
 * Abuse limits, all checked here before a message reaches the engine: the
 * access list at the top of the UDP receive path (a refused client's
 * datagram is dropped) and at TCP accept (a refused client's queries get
 * REFUSED); the per-client UDP rate limit; max-tcp-clients at accept;
 * max-tcp-pipeline per client; and a client that does not read its
 * answers is closed.
 */
#ifndef DST_LISTEN_LISTEN_H
#define DST_LISTEN_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "cache/cache.h"
#include "config/config.h"
#include "resolver/base/stats.h"
#include "resolver/query/query.h"

struct dst_listen;
struct dst_listener;
struct dst_listen_plan;

/*
 * The listening part for cfg (borrowed until a commit replaces it): the
 * access list and rate limiter (logged), the UDP batch and its flush
 * handles. Nothing is bound yet. On failure *out may be set: close and
 * free it like a working one.
 */
int dst_listen_new(uv_loop_t *loop, const struct dst_config *cfg, struct dst_listen **out);
/* The operations the query engine answers through (arg is ls). */
void dst_listen_reply_ops(struct dst_listen *ls, struct dst_reply_ops *ops);
/* Where messages go, and the cache the worker loops look in. */
void dst_listen_attach(struct dst_listen *ls, struct dst_queries *qs, struct dst_cache *cache);
/* The policy the worker loops ask first (NULL: none); borrowed. Call with the worker loops paused. */
void dst_listen_set_policy(struct dst_listen *ls, const struct dst_policy *policy);
/* Binds every listen address of the configuration and serves it. */
int dst_listen_open(struct dst_listen *ls);

/* Worker loops ([server] threads): start, pause around a reload (sockets kept). */
int dst_listen_workers_start(struct dst_listen *ls);
void dst_listen_workers_pause(struct dst_listen *ls);

/*
 * Shutdown, first half: the worker loops stop (what they passed on is
 * handled), listeners stop taking queries (UDP sockets stay open for
 * answers owed), TCP clients are no longer read and close once they owe
 * nothing.
 */
void dst_listen_stop(struct dst_listen *ls);
/* Shutdown, second half: every listener and client closes. NULL is fine. */
void dst_listen_close(struct dst_listen *ls);
/* Last of all: the handles that flush batched UDP answers close (nothing sends after this). */
void dst_listen_close_handles(struct dst_listen *ls);
/* Frees what is left once the loop has closed the handles. NULL is fine. */
void dst_listen_free(struct dst_listen *ls);

/* --- reload --------------------------------------------------------------------- */

/* Binds new addresses and builds the access list and rate limiter for cfg beside the running ones. */
int dst_listen_plan(struct dst_listen *ls, const struct dst_config *cfg,
		    struct dst_listen_plan **out);
void dst_listen_plan_undo(struct dst_listen_plan *p);
unsigned dst_listen_plan_kept(const struct dst_listen_plan *p);
/*
 * Swaps the plan in (and frees it), with cache as the workers' cache from
 * now on. Listeners the plan did not keep stop taking queries and are
 * linked into *removed, for dst_listen_close_retired once no query owes
 * an answer through them. Call with the worker loops paused.
 */
void dst_listen_commit(struct dst_listen *ls, struct dst_listen_plan *p, struct dst_cache *cache,
		       struct dst_listener **removed);
/* Closes a removed list; queries that still owe an answer through it drop it. */
void dst_listen_close_retired(struct dst_listen *ls, struct dst_listener *list);

/* --- reading, for reports -------------------------------------------------------- */

/* The listen address of the i-th listener, or NULL past the last. */
const struct dst_config_addr *dst_listen_addr(const struct dst_listen *ls, size_t i);
size_t dst_listen_tcp_clients(const struct dst_listen *ls);
/* Adds what the listeners and worker loops counted to *sum. */
void dst_listen_add_stats(const struct dst_listen *ls, struct dst_stats *sum);
/* What the listening loop itself counted (queries taken by the main loop). */
const struct dst_stats *dst_listen_stats(const struct dst_listen *ls);
/* The queries each running worker took (at most max of them, into out): how many workers. */
unsigned dst_listen_worker_queries(const struct dst_listen *ls, uint64_t *out, unsigned max);
/* How many loops [server] threads asks for: 0 means as many as cores, at most 4. */
unsigned dst_workers_threads(uint32_t configured);

#endif
