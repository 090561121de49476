/*
 * DNS over TLS to one upstream: a pool of authenticated GnuTLS connections
 * over libuv TCP streams, with pipelining and out-of-order answers.
 *
 * A caller hands a DNS query to dst_tls_send; the pool picks (or opens) a
 * connection, gives the query a fresh random ID unique on that connection,
 * writes all queries that became ready in one loop iteration together, and
 * matches answers by ID and question. The callback fires exactly once per
 * request that was not cancelled: with the answer, or with the reason the
 * request failed. It never fires from inside dst_tls_send or
 * dst_tls_cancel. The pool knows nothing of clients or the cache.
 *
 * Authentication is strict (RFC 8310): with a tls_name the chain must
 * verify for that name against the trust store (ca_file or the system's);
 * with pins one certificate in the chain must match a SPKI SHA-256 pin;
 * with both, both must hold. Nothing is written before it holds. One
 * exception, for a clock known to be wrong (before the build time or the
 * saved state's time): a pinned certificate that is only "not yet valid"
 * passes (tls/clock.h).
 */
#ifndef DST_TLS_H
#define DST_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#define DST_TLS_PIN_LEN 32

struct dst_tls_opts {
	const char *name;                     /* the upstream's name, for messages */
	const struct sockaddr_storage *addrs; /* tried in order; copied */
	size_t naddrs;
	const char *tls_name; /* NULL: authenticate by pins only */
	const uint8_t (*pins)[DST_TLS_PIN_LEN];
	size_t npins;
	const char *ca_file;           /* NULL: system trust store */
	unsigned max_connections;      /* 0: 1 */
	unsigned max_inflight;         /* per connection; 0: 128 */
	uint32_t handshake_timeout_ms; /* TCP connect + TLS handshake; 0: 5000 */
	uint32_t idle_timeout_ms;      /* close a connection idle this long; 0: 10000 */
	/*
	 * Optional: told of connection events ("connected to ... (resumed)"), for
	 * logs. A message that starts with "warning: " deserves a warning level.
	 */
	void (*event_cb)(void *arg, const char *upstream, const char *msg);
	void *event_arg;
};

struct dst_tls_pool;
struct dst_tls_req;

/*
 * Receives the result of one request. status 0: wire/len is the answer,
 * with the ID the caller's query had; valid only during the call. Otherwise
 * a DST_* code: DST_ECONNREFUSED and other connect errors, DST_ETIMEDOUT
 * (handshake), DST_ETLS, DST_ECERTVERIFY, DST_EPINMISMATCH, DST_EEOF or
 * DST_ECONNRESET (lost after one retry), DST_ECANCELED (pool closed).
 * The request is gone when the callback returns.
 */
typedef void (*dst_tls_answer_cb)(void *arg, int status, const uint8_t *wire, size_t len);

/*
 * Creates the pool; opens nothing until the first query. Returns 0,
 * DST_ENOMEM, DST_EINVAL (no address, or neither tls_name nor a pin),
 * DST_ENOTRUST (the trust store tls_name needs, ca_file or the system's,
 * has no certificate: why and what to do go to stderr) or DST_ETLS.
 */
int dst_tls_pool_new(uv_loop_t *loop, const struct dst_tls_opts *opts, struct dst_tls_pool **out);

/*
 * Closes every connection and frees the pool once libuv has closed its
 * handles. Requests still pending get DST_ECANCELED synchronously.
 */
void dst_tls_pool_close(struct dst_tls_pool *p);

/*
 * Pools made from now on open their trust store (ca-file or the system's)
 * afresh instead of sharing the one already open: for a reload, so that a
 * bundle replaced on disk (renamed into place) is used. Pools otherwise
 * share one set of credentials and one open descriptor per store; a
 * bundle's certificates are read at each full handshake and not held
 * between them (only GnuTLS's system trust, used when no system bundle
 * file is known, is held parsed).
 */
void dst_tls_trust_refresh(void);

/*
 * Queues a query (len bytes of DNS message, at least a header; copied).
 * *out receives a handle usable with dst_tls_cancel until the callback has
 * fired. Returns 0, DST_ENOMEM or DST_EMSGSIZE.
 */
int dst_tls_send(struct dst_tls_pool *p, const uint8_t *wire, size_t len, dst_tls_answer_cb cb,
		 void *arg, struct dst_tls_req **out);

/*
 * Withdraws a request; its callback will not fire. reason DST_ETIMEDOUT
 * says the caller gave up waiting: when the connection has received
 * nothing since the query was written, it is presumed dead and replaced.
 * Safe from inside any callback, also for a request of the same pool whose
 * failure callback has not run yet (it then never runs).
 */
void dst_tls_cancel(struct dst_tls_req *req, int reason);

/*
 * The caller's wait for req ran out; it keeps the request (its answer
 * still counts). Returns true when req's connection has received nothing
 * since req was written: it is presumed dead. Then it, and every other
 * connection of the pool that has received nothing since then either,
 * becomes suspect: it takes no new requests (they go to a fresh
 * connection), is closed once none of its requests is live, and is
 * trusted again if anything arrives on it. False for a request not yet
 * written (its connection is still opening) or whose connection has
 * answered since; nothing changes then.
 */
bool dst_tls_timed_out(struct dst_tls_req *req);

/*
 * Whether req was written on a connection presumed dead (by
 * dst_tls_timed_out or dst_tls_cancel) that has received nothing since.
 * Changes nothing.
 */
bool dst_tls_presumed_dead(const struct dst_tls_req *req);

/*
 * Drops every connection (after a network change or resume): their
 * in-flight requests are re-sent on a fresh connection, without using up
 * their one retry; a request that cannot be re-sent fails with
 * DST_ECANCELED, which is not the upstream's fault.
 */
void dst_tls_pool_reset(struct dst_tls_pool *p);

/*
 * Replaces the address list (n >= 1, copied; tried in order, as at
 * creation). New connections use it; open ones keep running. Returns 0,
 * DST_EINVAL (n is 0) or DST_ENOMEM (the old list stays).
 */
int dst_tls_pool_set_addrs(struct dst_tls_pool *p, const struct sockaddr_storage *addrs, size_t n);

/*
 * Raises the clock floor to unix_seconds, a time known to have passed (the
 * saved state's time, after loading it); never lowers it, and never below
 * dotstub's build time. While the system clock is before the floor it is
 * wrong, and a certificate that is only "not yet valid" is accepted from
 * a pinned upstream (tls/clock.h). Safe from any thread.
 */
void dst_tls_set_clock_floor(int64_t unix_seconds);

/* The most recent failure, for logs ("" when none). */
const char *dst_tls_pool_last_error(const struct dst_tls_pool *p);

struct dst_tls_stats {
	uint64_t queries;
	uint64_t answers;
	uint64_t unmatched; /* answers that matched no request: dropped */
	uint64_t full_handshakes;
	uint64_t resumed_handshakes;
	uint64_t conn_failures;
	unsigned conns_open;
	int64_t pin_not_after; /* expiry (Unix seconds) of the certificate that matched a
				    * pin in the last full handshake; 0: none */
};
void dst_tls_pool_stats(const struct dst_tls_pool *p, struct dst_tls_stats *st);

#endif
