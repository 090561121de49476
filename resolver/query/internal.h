/*
 * query/ internals: the engine and one query, shared by query.c (the
 * state machine), ede.c and the unit test (tests/unit/check_query.c),
 * which drives query_step through dst_query__step with synthetic events.
 *
 * Ownership: the engine owns every live query (qs->list). A query is
 * freed only in its timers' close callbacks, after query_finish. A TCP
 * client's queries are also linked into its dst_query_list (tcp_next);
 * when the client goes first it orphans them (q->to.tcp = NULL) and their
 * answers are dropped.
 *
 * Limits: at most cfg->max_pending queries exist (npending counts every
 * one from creation to query_finish, joined ones too).
 */
#ifndef DST_QUERY_INTERNAL_H
#define DST_QUERY_INTERNAL_H

#include "resolver/query/query.h"
#include "tls/tls.h"

#define DST_MAX_TTLS 1024
#define DST_SCRATCH_LEN (DST_DNS_MAX_MSG + 64)
#define DST_INFLIGHT_BUCKETS 4096
#define DST_QUERY_MAX_FAILS 4 /* failures remembered per query, for EDE */

enum dst_qstate {
	DST_Q_NEW,
	DST_Q_WAIT_REPLY, /* an attempt is out upstream */
	DST_Q_WAIT_JOIN,  /* riding on an identical query's attempt */
	DST_Q_WAIT_KEYS,  /* an answer came; validating it waits for a key fetch (validate.c) */
	DST_Q_DONE,
};

enum dst_qevent {
	DST_EV_START,
	DST_EV_ANSWER,  /* the answer of q->ev_att, in ev_wire/ev_len */
	DST_EV_FAILED,  /* the attempt q->ev_att failed with status */
	DST_EV_TIMEOUT, /* the timer fired: the current attempt's timeout, or the deadline */
	DST_EV_HEDGE,   /* the current attempt's upstream stopped being up: move on now */
	DST_EV_KICK,    /* an upstream became usable (resolved): try again if idle */
	DST_EV_ABORT,   /* shutdown: drop without an answer */
};

/* What DNSSEC asks of a query (validate.c); fixed when it starts. */
enum dst_qdnssec_mode {
	DST_QDNSSEC_PASS = 0, /* dnssec = off: DO, CD and AD as the client and upstream say */
	DST_QDNSSEC_VALIDATE, /* DO and CD upstream; the answer validated */
	DST_QDNSSEC_UNCHECKED, /* not validated (client CD, [zone] dnssec = off, private zone): AD cleared */
	DST_QDNSSEC_FETCH, /* a key fetch for another query: DO and CD, raw */
};

struct dst_qval;
struct dst_qdnssec;
struct dst_route; /* upstream/upstream.h */

/*
 * One request to an upstream on behalf of a query. A query has at most
 * two live: the current one, and one earlier one that timed out (or whose
 * upstream went down) but whose answer is still taken if it comes first.
 */
struct dst_attempt {
	struct dst_query *q;
	struct dst_upstream *up;
	struct dst_upreq *treq; /* NULL: over (answered, failed or cancelled) */
	uint64_t sent_ms;       /* now() when sent */
	uint64_t sent_ns;       /* uv_hrtime() when sent: the RTT */
	bool moved_on;          /* the query stopped waiting for it first */
};

struct dst_query {
	struct dst_queries *qs;
	enum dst_qstate state;
	struct dst_query *next, *prev;         /* qs->list */
	struct dst_reply_to to;                /* to.peer points at peer; to.tcp NULL: orphaned */
	struct dst_query *tcp_next, *tcp_prev; /* to.tcp_queries */
	struct sockaddr_storage peer;
	uv_timer_t timer;
	uv_timer_t stale_timer; /* only with a stale entry to fall back on */
	unsigned handles;       /* timers open: freed when the last closes */
	bool answered;          /* the client already got a (stale) answer */
	bool has_stale;         /* stale_timer was initialised */
	uint64_t start_ms;      /* when it arrived: the query log's latency */
	uint64_t deadline_ms;
	struct dst_query *join_next; /* inflight bucket, or leader's waiter list */
	struct dst_query *waiters;   /* identical queries that joined this one */
	struct dst_query *leader;    /* for WAIT_JOIN: whose answer we take */
	uint32_t key_hash;
	struct dst_upstream *up;   /* of the attempt an event is about */
	struct dst_attempt att[2]; /* att[cur]: the current attempt; the other: earlier */
	unsigned cur;
	struct dst_attempt *ev_att; /* the attempt an ANSWER or FAILED event is about */
	uint64_t allowed;           /* its candidates (zone or default upstreams): bit per index */
	uint64_t tried;             /* bit per upstream index */
	uint64_t dead_conn;         /* tried ones whose connection was presumed dead */
	uint64_t refreshed;         /* tried again on a fresh connection (once each) */
	int last_status;
	bool got_servfail;
	unsigned nservfail; /* SERVFAIL answers: retried once elsewhere, no more */
	unsigned nfails;
	struct {
		struct dst_upstream *up; /* stays valid while the query lives (upstream.h) */
		int status;
	} fails[DST_QUERY_MAX_FAILS]; /* the first failed attempts: the EDE text */
	uint8_t dnssec;               /* enum dst_qdnssec_mode */
	struct dst_qval *val;         /* the validation of its answer, in progress (validate.c) */
	struct dst_query *parent;     /* a key fetch: the query waiting for its answer, or NULL */
	const uint8_t *ev_wire;
	size_t ev_len;
	struct dst_dns_query dq;
	struct dst_cache_key key;
	size_t req_len;
	uint8_t req[]; /* the client's query */
};

struct dst_queries {
	uv_loop_t *loop;
	const struct dst_config *cfg;
	struct dst_cache *cache;         /* NULL: no cache */
	const struct dst_policy *policy; /* NULL: none */
	struct dst_upstreams *upstreams;
	struct dst_reply_ops ops;
	uint64_t (*now)(void *arg); /* ms; NULL: uv_now(loop) (a test sets its own) */
	void *now_arg;
	struct dst_query *list;      /* every live query */
	size_t npending;             /* live queries (not yet finished) */
	struct dst_query **inflight; /* leaders by key hash, for joining */
	uint32_t inflight_mask;
	struct dst_stats stats;
	struct dst_qdnssec *dnssec; /* NULL: no validation (dnssec = off) */
	uint64_t strip_mask; /* upstreams seen stripping RRSIGs: avoided for validated names */
	uint16_t ttl_offs[DST_MAX_TTLS];
	uint8_t scratch[DST_SCRATCH_LEN]; /* answers are built here */
};

/* The engine's clock, in ms. */
static inline uint64_t dst_queries__now(const struct dst_queries *qs)
{
	return qs->now ? qs->now(qs->now_arg) : uv_now(qs->loop);
}

/* query.c */
/*
 * Makes a query for a miss and starts it, or joins an identical one that
 * is already waiting upstream. With no client in to (a prefetch), the
 * answer only refreshes the cache. parent (NULL: none) makes it a key
 * fetch whose answer goes to parent (validate.c). Returns the query made,
 * or NULL when none was (answered at once, joined as a prefetch, refused).
 */
struct dst_query *dst_query__start(struct dst_queries *qs, const uint8_t *wire, size_t len,
				   const struct dst_dns_query *dq, const struct dst_cache_key *key,
				   const struct dst_reply_to *to, struct dst_query *parent);
/* The one switch on a query's state (the unit test sends synthetic events through it). */
void dst_query__step(struct dst_query *q, enum dst_qevent ev, int status);
/* The one teardown: detach from everything, close the timers, free later. */
void dst_query__finish(struct dst_query *q);
/* Whether an attempt of q is still out upstream. */
bool dst_query__attempt_live(const struct dst_query *q);
/* Answers to with rcode straight away (built in qs->scratch). */
void dst_query__answer_now(struct dst_queries *qs, const uint8_t *wire,
			   const struct dst_dns_query *dq, unsigned rcode,
			   const struct dst_reply_to *to);

/*
 * A good answer, prepared in qs->scratch (len bytes; info from
 * dst_dns_prepare_answer, cacheable when it fully succeeded): cached, sent
 * to q's client and every query that joined q. The caller finishes q.
 */
void dst_query__deliver(struct dst_query *q, size_t len, bool cacheable,
			const struct dst_dns_answer_info *info);
/* respond.c (also dst_query__answer_one, __deliver, __answer_now above) */
/* An error answer (rcode) to q's client alone. */
void dst_query__respond_error(struct dst_query *q, unsigned rcode);
/* The answer of a zone with action = nxdomain or refuse, straight away. */
void dst_query__answer_zone_action(struct dst_queries *qs, const uint8_t *wire,
				   const struct dst_dns_query *dq, const struct dst_route *rt,
				   const struct dst_reply_to *to);
/* SERVFAIL with ede to q's client and everyone who joined it; then q is finished. */
void dst_query__respond_ede(struct dst_query *q, const struct dst_dns_ede *ede);
/* up's answer was of no use (status says why): the next upstream, or give up. */
void dst_query__retry_elsewhere(struct dst_query *q, struct dst_upstream *up, int status);
/* Withdraws an attempt's request, if still out. */
void dst_query__cancel_attempt(struct dst_attempt *a);
/* q's timer callback (attempt timeouts, the deadline, resuming a validation). */
void dst_query__on_timer(uv_timer_t *t);

/* validate.c */
/* Validates the answer in wire (prepared): answers q, or waits for keys. False: not started. */
bool dst_query__validate(struct dst_query *q, const uint8_t *wire, size_t len);
/* An event for a query in DST_Q_WAIT_KEYS. */
void dst_query__keys_event(struct dst_query *q, enum dst_qevent ev);
/* Key fetch f ended, with its answer (prepared) or (wire NULL) without. */
void dst_query__fetch_over(struct dst_query *f, const uint8_t *wire, size_t len);
/* Ends q's validation (q finishing, or moving on): frees it, detaches its fetch. */
void dst_query__val_end(struct dst_query *q);
/* up strips RRSIGs: remembered, logged once. */
void dst_query__note_stripping(struct dst_queries *qs, struct dst_upstream *up);
void dst_queries__dnssec_free(struct dst_queries *qs);
/* Whether the query being started is a key fetch ahead of a walk (no parent, fetch mode). */
bool dst_queries__chain_fetch(const struct dst_queries *qs);

/* Sends a prepared answer (in qs->scratch) to q's client, made its own. */
void dst_query__answer_one(struct dst_query *q, uint8_t *wire, size_t len);
/* The next query riding on leader, unlinked (it still has to be answered and finished). */
struct dst_query *dst_query__pop_waiter(struct dst_query *leader);

/* store.c */
/*
 * Answers q's client (and whoever joined q) from an expired cache entry
 * within the serve-stale window (RFC 8767); false when there is none.
 */
bool dst_query__serve_stale(struct dst_query *q);
/* Arms q's stale timer when an expired entry could answer it after stale-answer-timeout. */
void dst_query__start_stale_timer(struct dst_query *q);
/* Whether q's client subnet goes upstream (ecs = pass): such answers are the client's own. */
bool dst_query__ecs_passed(const struct dst_queries *qs, const struct dst_dns_query *dq);
void dst_query__cache_answer(struct dst_query *q, uint8_t *wire, size_t len,
			     const struct dst_dns_answer_info *info);
void dst_query__cache_servfail(struct dst_query *q);

/* ede.c: the Extended DNS Error for a query no upstream answered; its text goes to buf. */
void dst_query__ede(const struct dst_query *q, struct dst_dns_ede *ede, char *buf, size_t cap);

#endif
