/*
 * The query engine (query/): every client message that passed the
 * listener's checks comes here. Errors, ANY and cache hits are answered
 * at once (the fast path, answer.h, shared with the worker loops); a miss
 * becomes a struct dst_query that goes upstream with failover and answers
 * exactly once (query.c).
 *
 * The engine knows nothing of sockets. Where an answer goes is a struct
 * dst_reply_to, which it keeps (copied) and hands back to the owner's
 * send operation; the listener types in it are never looked into here. A
 * TCP client's queries are listed in a struct dst_query_list that the
 * client embeds: the engine links and unlinks them, and the client, when
 * it goes first, orphans them (their answers are then dropped).
 *
 * Upstreams are reached through upstream/upstream.h. The owner wires the
 * upstream set's callbacks to dst_queries_hedge and dst_queries_kick.
 */
#ifndef DST_QUERY_QUERY_H
#define DST_QUERY_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "cache/cache.h"
#include "config/config.h"
#include "dns/dns.h"
#include "resolver/base/stats.h"

struct dst_queries;
struct dst_query;
struct dst_policy;
struct dst_upstreams;
struct dst_upstream;
struct dst_udp_listener; /* listen/'s */
struct dst_tcp_client;   /* listen/'s */

/* A TCP client's queries waiting upstream (the client embeds it; the engine maintains it). */
struct dst_query_list {
	struct dst_query *head;
	unsigned n;
};

/* Where an answer goes: a UDP peer through a listener, or a TCP client. */
struct dst_reply_to {
	struct dst_udp_listener *udp;
	const struct sockaddr *peer;
	struct dst_tcp_client *tcp;
	struct dst_query_list *tcp_queries; /* with tcp: its list, which a query waiting joins */
	/* For the query log; set on answers that came from a query, else zero: */
	bool from_query;
	const char *upstream; /* the upstream the last event was about, or NULL */
	uint64_t start_ms;    /* uv_now() when the query arrived */
	uint8_t policy;       /* a fast-path answer from the policy: enum dst_policy_verdict */
};

/* What the engine asks of its owner; called with the owner's arg. */
struct dst_reply_ops {
	/* Sends wire (valid during the call only) to to. Never re-enters the engine. */
	void (*send)(void *arg, const struct dst_reply_to *to, const uint8_t *wire, size_t len);
	/* One of c's queries finished (c's list is already updated): it may read on, or close. */
	void (*tcp_done)(void *arg, struct dst_tcp_client *c);
	void *arg;
};

/*
 * A query engine on loop. cfg and cache (NULL: no cache) are borrowed
 * until dst_queries_reconfigure; upstreams for the engine's life. Returns 0
 * or DST_ENOMEM.
 */
int dst_queries_new(uv_loop_t *loop, const struct dst_config *cfg, struct dst_cache *cache,
		    struct dst_upstreams *upstreams, const struct dst_reply_ops *ops,
		    struct dst_queries **out);
/* Frees the engine; every query must have finished and its timers closed. NULL is fine. */
void dst_queries_free(struct dst_queries *qs);
/*
 * The policy from now on (NULL: none); borrowed until the next call. The
 * owner swaps it between messages (the engine runs on one loop).
 */
void dst_queries_set_policy(struct dst_queries *qs, const struct dst_policy *policy);
struct dst_val_anchors;
/*
 * DNSSEC validation from now on with these trust anchors (borrowed until
 * the next call; NULL: none, dnssec = off). clock_floor (may be NULL)
 * gives the time the clock cannot be before (build or saved time): below
 * it, signature validity periods are not checked. The key store is kept
 * while the anchors stay the same. Returns 0, DST_ENOMEM, or DST_EINVAL
 * for anchors in a build without the validator.
 */
int dst_queries_set_anchors(struct dst_queries *qs, const struct dst_val_anchors *anchors,
			    int64_t (*clock_floor)(void));
/* Whether answers are being validated (anchors set). */
bool dst_queries_validating(const struct dst_queries *qs);
/* Whether the upstream at index was seen removing RRSIGs (avoided for validated names). */
bool dst_queries_upstream_strips(const struct dst_queries *qs, unsigned index);
/* Zones in the key store (DNSKEY sets, insecure and bogus zones). */
size_t dst_queries_key_zones(const struct dst_queries *qs);
/* A reload: the configuration and cache from now on (queries in flight keep their deadline). */
void dst_queries_reconfigure(struct dst_queries *qs, const struct dst_config *cfg,
			     struct dst_cache *cache);

/* A client message: answered now (error, ANY, cache hit) or made a query. */
void dst_query_handle(struct dst_queries *qs, const uint8_t *wire, size_t len,
		      const struct dst_reply_to *to);
/* dst_query_handle for a message a worker loop looked up in the cache already. */
void dst_query_handle_missed(struct dst_queries *qs, const uint8_t *wire, size_t len,
			     const struct dst_reply_to *to);
/* A worker answered wire from an entry due for a refresh: refresh it, with no client. */
void dst_query_prefetch(struct dst_queries *qs, const uint8_t *wire, size_t len);
/*
 * Answers a client message without looking it up: with rcode (REFUSED for a
 * refused TCP client), or, with tc, an empty NOERROR answer with TC set
 * (header, question, OPT) that is never larger than the query. Messages
 * that cannot be answered (no header, QR set; with tc, anything malformed)
 * get nothing.
 */
void dst_query_reject(struct dst_queries *qs, const uint8_t *wire, size_t len,
		      const struct dst_reply_to *to, unsigned rcode, bool tc);

/* Queries waiting on up's attempt move on to another upstream now (up just left UP). */
void dst_queries_hedge(struct dst_queries *qs, struct dst_upstream *up);
/* Queries waiting with no attempt out (for a first resolution) try again. */
void dst_queries_kick(struct dst_queries *qs);
/* Shutdown: every query is dropped without an answer. */
void dst_queries_abort_all(struct dst_queries *qs);

/* Live queries (joined ones too), from creation to their end. */
size_t dst_queries_pending(const struct dst_queries *qs);
/* The latest deadline (uv_now() ms) of the queries live now; 0 when there are none. */
uint64_t dst_queries_last_deadline(const struct dst_queries *qs);
/*
 * A reload renumbered the upstreams: upmap[k] is the new index of old
 * upstream k (nold of them), or -1. The upstream objects themselves do
 * not move; only what queries tried is renumbered, and their candidates
 * are routed anew (call it after the upstream set committed).
 */
void dst_queries_remap(struct dst_queries *qs, const int *upmap, size_t nold);
/* Queries that would answer through l (a removed listener, closing) drop their answer. */
void dst_queries_detach_udp(struct dst_queries *qs, const struct dst_udp_listener *l);
/* The TCP client that owns l is going: its queries finish on their own, answering nobody. */
void dst_query_list_orphan(struct dst_query_list *l);
/* What the engine counted (any, pending_full, stale, prefetches). */
const struct dst_stats *dst_queries_stats(const struct dst_queries *qs);

/* --- the fast path, shared with the worker loops (answer.h) ------------------- */

enum dst_fast_verdict {
	DST_FAST_DROP,  /* nothing to answer (no header, a response) */
	DST_FAST_REPLY, /* an error answer is in scratch */
	DST_FAST_ANY,   /* an ANY query: its RFC 8482 answer is in scratch (len 0: none fit) */
	DST_FAST_HIT,   /* a cache hit is in scratch */
	DST_FAST_HIT_PREFETCH, /* a hit from an entry due for a refresh */
	DST_FAST_MISS,         /* needs upstream: dq and key are filled */
	DST_FAST_LOCAL,        /* the policy answered (hosts file, local zone): in scratch */
	DST_FAST_BLOCKED,      /* the policy's blocked answer is in scratch */
};
/* dst_answer_fast (resolver/query/answer.h) decides. */

#endif
