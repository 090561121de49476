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
struct dst_control;
struct dst_metrics;
struct dst_retired;
struct dst_udp_batch;
struct dst_workers;

/* Why an attempt at an upstream failed, as counted for the control socket and /metrics. */
enum dst_fail_cause {
	DST_FAIL_TIMEOUT,
	DST_FAIL_CONNECT,      /* refused, reset, closed: the TCP side */
	DST_FAIL_TLS,          /* handshake or record layer */
	DST_FAIL_CERT,         /* certificate chain or name */
	DST_FAIL_PIN,          /* no certificate matched a pin-sha256 */
	DST_FAIL_SERVFAIL,     /* answered SERVFAIL or REFUSED */
	DST_FAIL_OTHER,        /* unusable answers and the rest */
	DST_FAIL_NCAUSES,
};

struct dst_probe;
struct dst_upset;
struct dst_bootstrap;
struct dst_netwatch;

/*
 * One upstream at run time. Its health is srv->upset's entry index
 * (resolver/upstream.h); what is here is the I/O side (uplink.c).
 */
struct dst_upstream {
	const struct dst_config_upstream *cfg;
	struct dst_tls_pool *pool;
	unsigned index;
	struct dst_server *srv;
	const char *label;         /* how clients see it in EDE text: host, tls-name or name */
	/* Copied from the health state at each change, for report.c (upstream.h has the rest). */
	uint64_t retry_after_ms;   /* DOWN: probed from then on; else 0 */
	uint32_t backoff_ms;
	int last_status;           /* of the last failure counted */
	bool down;                 /* not UP (suspect, down or probing) */
	uint64_t fails[DST_FAIL_NCAUSES]; /* failed attempts by cause (report.c) */
	uint32_t logged_cause;     /* hash of the cause last logged at warning level */
	struct dst_probe *probe;   /* the probe in flight, or NULL */
	/* host = ...: addresses from the bootstrap servers */
	bool resolved;             /* a lookup succeeded at least once */
	bool resolving;            /* a lookup is in flight */
	uint64_t boot_next_ms;     /* look the name up (again) from then on, lazily */
	uint32_t boot_backoff_ms;  /* after failed lookups */
	char boot_error[96];       /* why the last lookup failed, or "" */
};

struct dst_udp_listener {
	uv_udp_t udp;                  /* sends, and queues what the kernel cannot take yet */
	uv_poll_t rpoll;               /* batched reads, on rfd (open while rfd >= 0) */
	int fd;                        /* udp's socket */
	int rfd;                       /* a dup of fd, for rpoll */
	struct dst_server *srv;
};

struct dst_tcp_listener {
	uv_tcp_t tcp;
	struct dst_server *srv;
};

/*
 * One listen address: its UDP and TCP sockets, allocated alone so that a
 * reload can keep it (handles never move) while the list around it
 * changes. Freed once both handles have closed.
 */
struct dst_listener {
	struct dst_udp_listener udp;
	struct dst_tcp_listener tcp;
	struct dst_listener *next;
	struct dst_config_addr addr;
	unsigned handles_open;
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
	const struct dst_query *q;   /* the query answered; NULL on the fast path (query log) */
};

enum dst_qstate {
	DST_Q_NEW,
	DST_Q_WAIT_REPLY,  /* an attempt is out upstream */
	DST_Q_WAIT_JOIN,   /* riding on an identical query's attempt */
	DST_Q_DONE,
};

enum dst_qevent {
	DST_EV_START,
	DST_EV_ANSWER,   /* q->ev_wire / q->ev_len hold the answer of q->ev_att */
	DST_EV_FAILED,   /* the attempt q->ev_att failed with status */
	DST_EV_TIMEOUT,  /* the timer fired: the current attempt's timeout, or the deadline */
	DST_EV_HEDGE,    /* the current attempt's upstream stopped being up: move on now */
	DST_EV_KICK,     /* an upstream became usable (resolved): try again if idle */
	DST_EV_ABORT,    /* shutdown: drop without an answer */
};

/*
 * One request to an upstream on behalf of a query. A query has at most
 * two live: the current one, and one earlier one that timed out (or whose
 * upstream went down) but whose answer is still taken if it comes first.
 */
struct dst_attempt {
	struct dst_query *q;
	struct dst_upstream *up;
	struct dst_tls_req *treq;              /* NULL: over (answered, failed or cancelled) */
	uint64_t sent_ms;                      /* uv_now() when sent */
	uint64_t sent_ns;                      /* uv_hrtime() when sent: the RTT */
	bool moved_on;                         /* the query stopped waiting for it first */
};

#define DST_QUERY_MAX_FAILS 4                  /* failures remembered per query, for EDE */


struct dst_query {
	struct dst_server *srv;
	enum dst_qstate state;
	struct dst_query *next, *prev;         /* srv->queries */
	struct dst_tcp_client *tcp;            /* NULL: UDP, or the client is gone */
	struct dst_query *tcp_next, *tcp_prev;
	struct dst_udp_listener *udp;
	struct sockaddr_storage peer;
	uv_timer_t timer;
	uv_timer_t stale_timer;                /* only with a stale entry to fall back on */
	unsigned handles;                      /* timers open: freed when the last closes */
	bool answered;                         /* the client already got a (stale) answer */
	bool has_stale;                        /* stale_timer was initialised */
	uint64_t deadline_ms;
	struct dst_query *join_next;           /* srv->inflight bucket, or leader's waiter list */
	struct dst_query *waiters;             /* identical queries that joined this one */
	struct dst_query *leader;              /* for WAIT_JOIN: whose answer we take */
	uint32_t key_hash;
	struct dst_upstream *up;               /* of the attempt an event is about */
	struct dst_attempt att[2];             /* att[cur]: the current attempt; the other: earlier */
	unsigned cur;
	struct dst_attempt *ev_att;            /* the attempt an ANSWER or FAILED event is about */
	uint64_t tried;                        /* bit per upstream index */
	uint64_t dead_conn;                    /* tried ones whose connection was presumed dead */
	uint64_t refreshed;                    /* tried again on a fresh connection (once each) */
	int last_status;
	bool got_servfail;
	unsigned nservfail;                    /* SERVFAIL answers: retried once elsewhere, no more */
	unsigned nfails;
	struct {
		unsigned up;                   /* upstream index */
		int status;
	} fails[DST_QUERY_MAX_FAILS];          /* the first failed attempts: the EDE text */
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
	uint64_t queries;              /* client messages received, UDP and TCP, refused ones too */
	uint64_t rcodes[16];           /* answers sent, by rcode */
	uint64_t stale;                /* answers served stale (RFC 8767) */
	uint64_t prefetches;           /* background refreshes started */
	uint64_t udp_errors;           /* errors reported on a UDP socket while reading */
};

struct dst_server {
	uv_loop_t *loop;
	const struct dst_config *cfg;
	struct dst_cache *cache;
	struct dst_upstream *ups;
	size_t nups;
	struct dst_upset *upset;               /* health and selection of ups[] (upstream.h) */
	struct dst_bootstrap *bootstrap;       /* NULL: no upstream has a host */
	struct dst_netwatch *netwatch;
	uint64_t boot_next_ms;                 /* the earliest ups[].boot_next_ms */
	uint64_t rng;                          /* xorshift state: jitter and exploration */
	struct dst_listener *listeners;
	struct dst_acl *acl;
	struct dst_ratelimit *ratelimit;       /* NULL: no rate limit */
	struct dst_tcp_client *clients;        /* newest first */
	size_t nclients;
	struct dst_query *queries;
	size_t npending;                       /* live queries (not yet finished) */
	struct dst_server_stats stats;
	struct dst_query **inflight;           /* leaders by key hash, for joining */
	uint32_t inflight_mask;
	uv_signal_t sigint, sigterm, sighup;
	bool stopping;
	uint64_t start_ms;                     /* uv_now() when created: the uptime */
	char *config_path;                     /* what a reload reads; NULL: built-in defaults */
	bool config_required;                  /* a reload fails when config_path is missing */
	unsigned reloads;                      /* applied so far */
	struct dst_control *control;           /* [server] control, or NULL */
	struct dst_metrics *metrics;           /* [server] metrics, or NULL */
	struct dst_retired *retired;           /* what reloads replaced, until no query uses it */
	uv_timer_t *retire_timer;              /* exists only while something is retired */
	uv_timer_t *drain_timer;               /* these two exist only during shutdown */
	uv_check_t *drain_check;
	bool stopped;                          /* shutdown's second half has run */
	struct dst_udp_batch *batch;           /* this loop's UDP reads and batched answers */
	bool batching;                         /* UDP answers queue in batch until its end */
	bool flush_armed;                      /* flush_check and flush_prepare will flush batch */
	uv_check_t flush_check;
	uv_prepare_t flush_prepare;
	struct dst_workers *workers;           /* threads > 1: the other loops (workers.h) */
	uint16_t ttl_offs[DST_MAX_TTLS];
	uint8_t rbuf[DST_DNS_MAX_MSG + 1];     /* UDP receive buffer, shared */
	uint8_t scratch[DST_SCRATCH_LEN];      /* answers are built here */
};

/* server.c */
void dst_server__send(struct dst_server *srv, const struct dst_reply_to *to, const uint8_t *wire,
		      size_t len);
void dst_server__client_query_done(struct dst_tcp_client *c);
/*
 * One UDP datagram from peer on l: access list, rate limit, then the query
 * path. counted: a worker loop already counted it in its queries.
 */
void dst_server__udp_query(struct dst_udp_listener *l, const uint8_t *wire, size_t len,
			   const struct sockaddr *peer, bool counted);
void dst_server__udp_batch_begin(struct dst_server *srv);
void dst_server__udp_batch_end(struct dst_server *srv);
/* srv->stats plus what the worker loops counted, for reports. */
void dst_server__stats_total(const struct dst_server *srv, struct dst_server_stats *sum);
/* Binds one listen address (UDP and TCP) and starts serving it. */
int dst_server__listener_open(struct dst_server *srv, const struct dst_config_addr *a,
			      struct dst_listener **out);
/* Stops taking queries but keeps the UDP socket for answers still owed (reload, shutdown). */
void dst_server__listener_quiesce(struct dst_listener *l);
/* Stops serving; the handles close and the listener is freed later. */
void dst_server__listener_close(struct dst_listener *l);
/* Sets up up for u: a new TLS pool (which loads the trust store). */
int dst_server__upstream_init(struct dst_server *srv, const struct dst_config *cfg,
			      struct dst_upstream *up, const struct dst_config_upstream *u,
			      unsigned index);
/* The access list and the rate limiter for cfg; logged. */
int dst_server__make_limits(const struct dst_config *cfg, struct dst_acl **acl,
			    struct dst_ratelimit **rl);
/* For shutdown.c: close one client; stop reading it and close it once it owes nothing. */
void dst_server__client_close(struct dst_tcp_client *c);
void dst_server__client_stop_reading(struct dst_tcp_client *c);
/* One log line of what the limits did, if they did anything. */
void dst_server__log_stats(const struct dst_server *srv);

/* report.c: which DST_FAIL_* a failed attempt's status counts as. */
enum dst_fail_cause dst_server__fail_cause(int status);
/*
 * Counts one event in *counter and logs the message (printf-style, with
 * "(N so far)" added) when the count is a power of two: a flood costs a
 * few log lines, not one per packet.
 */
void dst_server__count(uint64_t *counter, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* reload.c */
/* The old generations still referenced by queries: closed and freed (at shutdown too). */
void dst_reload__retire_all(struct dst_server *srv);
void dst_reload__free_retired(struct dst_server *srv);

/* querylog.c: one line per answer sent, with [server] log-queries. */
void dst_querylog(struct dst_server *srv, const struct dst_reply_to *to, const uint8_t *wire,
		  size_t len);

/* uplink.c: the upstreams at run time (pools, health reports, probes, bootstrap, netwatch) */
/* Health, bootstrap and netwatch for srv->ups (made by dst_server__upstream_init). */
int dst_uplink_start(struct dst_server *srv);
/* Closes bootstrap and netwatch (the pools, and with them the probes, are closed by the caller). */
void dst_uplink_stop(struct dst_server *srv);
void dst_uplink_free(struct dst_server *srv);
/*
 * A reload replaced srv->ups and srv->cfg (old: the previous array, nold
 * long; upmap[k]: the new index of old upstream k, or -1): upstreams kept
 * whole keep their health, attempts and probes move to the new entries,
 * new host= upstreams are looked up, and bootstrap follows the new servers.
 * Allocates no memory for the health; cannot fail (c-ares trouble is logged).
 */
void dst_uplink_reloaded(struct dst_server *srv, struct dst_upstream *old, size_t nold,
			 const int *upmap, const struct dst_config *old_cfg);
/* A query is about to go upstream: clock check, lazy re-resolution, due probes (with q's question). */
void dst_uplink_query_starts(struct dst_server *srv, const struct dst_query *q);
/* The upstream for a query's next attempt (tried: bit per index), or NULL when none is left. */
struct dst_upstream *dst_uplink_pick(struct dst_server *srv, uint64_t tried);
/* Like dst_uplink_pick, then one of dead (tried, connection presumed dead) for a fresh retry. */
struct dst_upstream *dst_uplink_pick_retry(struct dst_server *srv, uint64_t tried, uint64_t dead);
uint32_t dst_uplink_attempt_timeout(struct dst_server *srv, const struct dst_upstream *up);
/* An answer (not SERVFAIL) to a request sent at sent_ns (uv_hrtime). */
void dst_uplink_ok(struct dst_server *srv, struct dst_upstream *up, uint64_t sent_ns);
/* A SERVFAIL/REFUSED answer; true when it counted against the upstream's health. */
bool dst_uplink_servfail(struct dst_server *srv, struct dst_upstream *up);
/* An attempt sent at sent_ms (uv_now) failed with status (DST_ECANCELED is ignored). */
void dst_uplink_failed(struct dst_server *srv, struct dst_upstream *up, int status,
		       uint64_t sent_ms);
/* Whether some upstream waits for its first address (a query may wait for it). */
bool dst_uplink_resolving(const struct dst_server *srv);
/* Why up failed with status, in a few words ("timed out", "pin mismatch ..."), into buf. */
void dst_uplink_cause(const struct dst_server *srv, const struct dst_upstream *up, int status,
		      char *buf, size_t cap);
/* The Extended DNS Error for a query no upstream answered; its text goes to buf. */
void dst_uplink_ede(const struct dst_query *q, struct dst_dns_ede *ede, char *buf, size_t cap);
/* The network changed or the machine resumed: drop connections, forget backoffs. */
void dst_uplink_network_changed(struct dst_server *srv, const char *why);

/* query.c */
/* Queries waiting on up's attempt move on to another upstream now (up just left UP). */
void dst_query_hedge(struct dst_server *srv, struct dst_upstream *up);
/* Queries waiting with no attempt out (for a first resolution) try again. */
void dst_query_kick(struct dst_server *srv);
void dst_query_handle(struct dst_server *srv, const uint8_t *wire, size_t len,
		      const struct dst_reply_to *to);
/* dst_query_handle for a query a worker loop looked up in the cache already (workers.h). */
void dst_query_handle_missed(struct dst_server *srv, const uint8_t *wire, size_t len,
			     const struct dst_reply_to *to);
/* A worker loop answered wire from an entry due for a refresh: refresh it, with no client. */
void dst_query_prefetch(struct dst_server *srv, const uint8_t *wire, size_t len);
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
