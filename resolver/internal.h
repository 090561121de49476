/*
 * resolver/ internals shared by server.c (listeners, clients, upstream
 * health, signals) and query.c (the query state machine).
 *
 * Ownership: the server owns listeners, TCP clients, upstreams and every
 * live query (srv->queries). A TCP client lists the queries it waits for;
 * when it goes first, each query is detached (q->tcp = NULL) and its
 * answer is dropped. A query is freed only in its timer's close callback,
 * after query_finish.
 *
 * Limits: at most cfg->max_pending queries exist (srv->npending counts
 * every one from creation to query_finish, joined ones too); a TCP client
 * has at most cfg->max_tcp_pipeline queries waiting upstream, and what it
 * sends beyond that waits, copied, in its backlog while reading is stopped;
 * at most cfg->max_tcp_clients clients are open.
 */
#ifndef DST_RESOLVER_INTERNAL_H
#define DST_RESOLVER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "cache/cache.h"
#include "config/config.h"
#include "dns/dns.h"
#include "resolver/acl.h"
#include "resolver/ratelimit.h"
#include "tls/frame.h"
#include "tls/tls.h"

#define DST_MAX_UPSTREAMS 64
#define DST_MAX_TTLS 1024
#define DST_SCRATCH_LEN (DST_DNS_MAX_MSG + 64)
#define DST_INFLIGHT_BUCKETS 4096
#define DST_UDP_RCVBUF (2 * 1024 * 1024) /* bytes; see grow_rcvbuf() */
/* A client with more answer bytes than this not yet taken by the kernel is not reading: closed. */
#define DST_TCP_MAX_WRITE_QUEUE (256 * 1024)

struct dst_server;
struct dst_query;

struct dst_upstream {
	const struct dst_config_upstream *cfg;
	struct dst_tls_pool *pool;
	unsigned index;
	uint64_t retry_after_ms;   /* in backoff until then */
	uint32_t backoff_ms;
	int last_status;           /* last failure logged */
	bool down;
};

struct dst_udp_listener {
	uv_udp_t udp;
	struct dst_server *srv;
};

struct dst_tcp_listener {
	uv_tcp_t tcp;
	struct dst_server *srv;
};

struct dst_tcp_client {
	uv_tcp_t tcp;
	uv_timer_t idle;
	struct dst_server *srv;
	struct dst_tcp_client *next, *prev;
	struct dst_frame_reader frames;
	struct dst_query *queries;     /* waiting for upstream, linked by tcp_next */
	unsigned nqueries;
	unsigned writes_pending;
	unsigned handles_open;
	/*
	 * Messages read while nqueries was at max-tcp-pipeline, each with its
	 * 2-byte length, handled from backlog_off on as queries finish.
	 * Reading stays stopped until it is empty, so it never holds more than
	 * the messages of one read.
	 */
	uint8_t *backlog;
	size_t backlog_len, backlog_cap, backlog_off;
	bool paused;                   /* reading stopped for the backlog */
	bool feeding;                  /* inside dst_frame_feed: leave the backlog alone */
	bool draining;                 /* handling the backlog */
	bool refused;                  /* by the access list: every query gets REFUSED */
	bool read_eof;
	bool closing;
};

/* Where an answer goes: a UDP peer through a listener, or a TCP client. */
struct dst_reply_to {
	struct dst_udp_listener *udp;
	const struct sockaddr *peer;
	struct dst_tcp_client *tcp;
};

enum dst_qstate {
	DST_Q_NEW,
	DST_Q_WAIT_REPLY,  /* an attempt is out upstream */
	DST_Q_WAIT_JOIN,   /* riding on an identical query's attempt */
	DST_Q_DONE,
};

enum dst_qevent {
	DST_EV_START,
	DST_EV_ANSWER,   /* q->ev_wire / q->ev_len hold the answer */
	DST_EV_FAILED,   /* the attempt failed with status */
	DST_EV_TIMEOUT,  /* the attempt's timer fired */
	DST_EV_ABORT,    /* shutdown: drop without an answer */
};

struct dst_query {
	struct dst_server *srv;
	enum dst_qstate state;
	struct dst_query *next, *prev;         /* srv->queries */
	struct dst_tcp_client *tcp;            /* NULL: UDP, or the client is gone */
	struct dst_query *tcp_next, *tcp_prev;
	struct dst_udp_listener *udp;
	struct sockaddr_storage peer;
	uv_timer_t timer;
	uint64_t deadline_ms;
	struct dst_query *join_next;           /* srv->inflight bucket, or leader's waiter list */
	struct dst_query *waiters;             /* identical queries that joined this one */
	struct dst_query *leader;              /* for WAIT_JOIN: whose answer we take */
	uint32_t key_hash;
	struct dst_upstream *up;               /* of the current attempt */
	struct dst_tls_req *treq;              /* the current attempt, or NULL */
	uint64_t tried;                        /* bit per upstream index */
	int last_status;
	bool got_servfail;
	const uint8_t *ev_wire;
	size_t ev_len;
	struct dst_dns_query dq;
	struct dst_cache_key key;
	size_t req_len;
	uint8_t req[];                         /* the client's query */
};

/* What the limits did, for the log (see dst_server__count). */
struct dst_server_stats {
	uint64_t acl_dropped;          /* UDP queries from refused clients, dropped */
	uint64_t acl_refused_tcp;      /* TCP connections from refused clients */
	uint64_t ratelimited;          /* UDP queries over the rate limit */
	uint64_t any;                  /* ANY queries answered with RFC 8482 HINFO */
	uint64_t pending_full;         /* SERVFAIL at once: max-pending reached */
	uint64_t tcp_evicted;          /* TCP clients closed to make room (max-tcp-clients) */
	uint64_t tcp_paused;           /* times a TCP client was paused (max-tcp-pipeline) */
	uint64_t tcp_not_reading;      /* TCP clients closed for not reading their answers */
};

struct dst_server {
	uv_loop_t *loop;
	const struct dst_config *cfg;
	struct dst_cache *cache;
	struct dst_upstream *ups;
	size_t nups;
	struct dst_udp_listener *udp;
	size_t nudp;
	struct dst_tcp_listener *tcp;
	size_t ntcp;
	struct dst_acl *acl;
	struct dst_ratelimit *ratelimit;       /* NULL: no rate limit */
	struct dst_tcp_client *clients;        /* newest first */
	size_t nclients;
	struct dst_query *queries;
	size_t npending;                       /* live queries (not yet finished) */
	struct dst_server_stats stats;
	struct dst_query **inflight;           /* leaders by key hash, for joining */
	uint32_t inflight_mask;
	uv_signal_t sigint, sigterm;
	bool stopping;
	uint16_t ttl_offs[DST_MAX_TTLS];
	uint8_t rbuf[DST_DNS_MAX_MSG + 1];     /* UDP receive buffer, shared */
	uint8_t scratch[DST_SCRATCH_LEN];      /* answers are built here */
};

/* server.c */
void dst_server__send(struct dst_server *srv, const struct dst_reply_to *to, const uint8_t *wire,
		      size_t len);
void dst_server__upstream_failed(struct dst_server *srv, struct dst_upstream *up, int status);
void dst_server__upstream_ok(struct dst_server *srv, struct dst_upstream *up);
void dst_server__client_query_done(struct dst_tcp_client *c);
/*
 * Counts one event in *counter and logs the message (printf-style, with
 * "(N so far)" added) when the count is a power of two: a flood costs a
 * few log lines, not one per packet.
 */
void dst_server__count(uint64_t *counter, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* query.c */
void dst_query_handle(struct dst_server *srv, const uint8_t *wire, size_t len,
		      const struct dst_reply_to *to);
void dst_query_abort_all(struct dst_server *srv);
/*
 * Answers a client message without looking it up: with rcode (REFUSED for a
 * refused TCP client), or, with tc, an empty NOERROR answer with TC set
 * (header, question, OPT) that is never larger than the query. Messages
 * that cannot be answered (no header, QR set; with tc, anything malformed)
 * get nothing.
 */
void dst_query_reject(struct dst_server *srv, const uint8_t *wire, size_t len,
		      const struct dst_reply_to *to, unsigned rcode, bool tc);

#endif
