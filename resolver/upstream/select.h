/*
 * The selector (struct dst_selector): upstream selection and health. Which
 * upstream a query tries next, how long an attempt may take, and each
 * upstream's state. No I/O and no libuv:
 * the caller passes the time (ms) and an RNG, and reports what happened,
 * so the unit suite drives it with injected time (tests/unit/check_upstream.c).
 *
 * States (docs/upstream-health.md has the diagram):
 *   UP       answering; picked by the strategy.
 *   SUSPECT  one failure since its last answer; not picked while an UP
 *            upstream is left; the next query sends it a probe.
 *   DOWN     a probe failed too; backing off (1 s doubling to max-backoff,
 *            with jitter); a probe may go once the backoff is over.
 *   PROBING  one probe is out; its result decides (UP, or DOWN with the
 *            backoff doubled).
 * Any answer brings an upstream UP. A failure of an attempt sent before
 * the upstream's last change of state says nothing new and is ignored, so
 * a burst of queries failing together on one dead connection counts once.
 * When no untried upstream is UP, a query still gets one: a SUSPECT or
 * PROBING one, else the DOWN one whose last failure is the oldest. There
 * is never a "no upstream" state, only "every upstream tried".
 *
 * A SERVFAIL (or REFUSED) answer proves the upstream alive; it counts as a
 * failure only when most of its recent answers (at least 8 of the last 16)
 * were SERVFAIL.
 */
#ifndef DST_UPSTREAM_SELECT_H
#define DST_UPSTREAM_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

/* Upstreams in a set (one bit each in a tried mask): as many as a config may have. */
#define DST_UP_MAX DST_CONFIG_MAX_UPSTREAMS
#define DST_UP_INITIAL_TIMEOUT_MS 750 /* attempt timeout before any answer was timed */
#define DST_UP_MIN_TIMEOUT_MS 100
#define DST_UP_BACKOFF_START_MS 1000
#define DST_UP_EXPLORE 50         /* fastest: 1 first attempt in this many goes elsewhere */
#define DST_UP_SERVFAIL_WINDOW 16 /* recent answers looked at for the SERVFAIL rule */
#define DST_UP_SERVFAIL_MIN 8     /* ... of which at least this many must be there */
#define DST_UP_CAUSE_LEN 160

enum dst_up_state {
	DST_UP_UP = 0,
	DST_UP_SUSPECT,
	DST_UP_DOWN,
	DST_UP_PROBING,
};

enum dst_up_strategy {
	DST_UP_FASTEST = 0, /* lowest smoothed RTT; 1 in DST_UP_EXPLORE to another UP one */
	DST_UP_ORDERED,     /* the first UP one in file order */
	DST_UP_ROUND_ROBIN, /* the UP ones in turn */
};

/* One upstream's health, readable through dst_selector_health(). */
struct dst_up_health {
	enum dst_up_state state;
	bool available;               /* has addresses (a host= upstream is not until resolved) */
	bool have_rtt;                /* srtt/rttvar hold at least one sample */
	uint32_t srtt_us;             /* smoothed answer time (EWMA 1/8) */
	uint32_t rttvar_us;           /* its mean deviation (EWMA 1/4) */
	uint64_t since_ms;            /* when the state was entered */
	uint64_t retry_ms;            /* DOWN: a probe may go from then on */
	uint32_t backoff_ms;          /* the backoff last used; 0 once it answers */
	uint64_t last_fail_ms;        /* 0: never failed */
	int last_status;              /* of the last failure counted */
	uint16_t sf_bits;             /* recent answers, newest in bit 0: 1 = SERVFAIL */
	uint8_t sf_n;                 /* how many of the bits are answers */
	char cause[DST_UP_CAUSE_LEN]; /* why it last failed, for logs and EDE; "" when UP */
};

struct dst_selector;

struct dst_selector_opts {
	enum dst_up_strategy strategy;
	uint32_t max_backoff_ms;   /* 0: 5 minutes */
	uint32_t query_timeout_ms; /* attempt timeouts never exceed it; 0: 4000 */
	/* Uniformly random 32 bits (jitter, exploration). */
	uint32_t (*rand)(void *arg);
	void *rand_arg;
	/*
	 * Optional: told of every change of state, and of a new cause while
	 * DOWN (so a log says why once per change, not once per query). from
	 * is the old state; h is the upstream's health after the change. It
	 * may call any dst_selector_ function but dst_selector_free.
	 */
	void (*changed)(void *arg, unsigned i, enum dst_up_state from,
			const struct dst_up_health *h);
	void *changed_arg;
};

/*
 * A set of n upstreams (1 to DST_UP_MAX), all UP and available. Room for
 * DST_UP_MAX is allocated at once, so that a reload never needs memory.
 * Returns 0, DST_ENOMEM or DST_EINVAL.
 */
int dst_selector_new(const struct dst_selector_opts *o, size_t n, struct dst_selector **out);
void dst_selector_free(struct dst_selector *s);
size_t dst_selector_size(const struct dst_selector *s);
const struct dst_up_health *dst_selector_health(const struct dst_selector *s, unsigned i);
const char *dst_selector_state_name(enum dst_up_state st);

/*
 * Re-shapes the set for a new configuration (a reload): n upstreams (1 to
 * DST_UP_MAX, else nothing changes), new options, and upstream i keeps the
 * health of old upstream from[i], or starts UP and available when from[i]
 * is -1. Allocates nothing; cannot fail.
 */
void dst_selector_reconfigure(struct dst_selector *s, const struct dst_selector_opts *o, size_t n,
			      const int *from);

/* An unavailable upstream is never picked or probed (no addresses yet). */
void dst_selector_set_available(struct dst_selector *s, unsigned i, bool available);

/*
 * The upstream for a query's next attempt, among those not in tried (bit i
 * for upstream i): an UP one by the strategy, else a SUSPECT or PROBING
 * one, else the DOWN one that failed longest ago. -1 when every available
 * upstream is in tried.
 */
int dst_selector_pick(struct dst_selector *s, uint64_t tried, uint64_t now_ms);

/*
 * Like dst_selector_pick; when every available upstream is in tried, one of
 * those in dead instead: tried upstreams whose attempt failed only because
 * its connection was presumed dead (nothing received since the query was
 * written), so that the query is retried on a fresh connection. Among
 * those, the same order as dst_selector_pick (UP, then SUSPECT or PROBING,
 * then the DOWN one that failed longest ago). -1 when neither has one.
 */
int dst_selector_pick_retry(struct dst_selector *s, uint64_t tried, uint64_t dead, uint64_t now_ms);

/*
 * dst_selector_pick and _pick_retry among the upstreams in allowed only (a
 * query's candidates: its zone's upstreams, or the default ones). The
 * others are never picked; an attempt is a first one (round-robin moves
 * on, fastest may explore) while no allowed upstream is in tried.
 */
int dst_selector_pick_in(struct dst_selector *s, uint64_t tried, uint64_t allowed, uint64_t now_ms);
int dst_selector_pick_retry_in(struct dst_selector *s, uint64_t tried, uint64_t dead,
			       uint64_t allowed, uint64_t now_ms);

/*
 * An upstream a probe should be sent to now, or -1: a SUSPECT one, or a
 * DOWN one whose backoff is over, while at least one other is UP (with
 * none UP, queries themselves go to the others and decide). The one
 * returned is PROBING from now on; report the probe's outcome like any
 * attempt's, with sent_ms = now_ms.
 */
int dst_selector_probe_due(struct dst_selector *s, uint64_t now_ms);
/*
 * dst_selector_probe_due among the upstreams in allowed only (bit i for
 * upstream i): a query's candidates (its zone's upstreams, or the default
 * ones), so that a probe carries its question only where the query itself
 * may go. "At least one other is UP" counts within allowed too.
 */
int dst_selector_probe_due_in(struct dst_selector *s, uint64_t now_ms, uint64_t allowed);

/*
 * How long an attempt at upstream i may take before the query moves on
 * (its request is kept, and its answer still used if it comes first):
 * 3 x SRTT + 4 x RTTVAR, DST_UP_INITIAL_TIMEOUT_MS before the first timed
 * answer, clamped to [DST_UP_MIN_TIMEOUT_MS, query-timeout].
 */
uint32_t dst_selector_attempt_timeout_ms(const struct dst_selector *s, unsigned i);

/* Upstream i answered (not SERVFAIL) rtt_us after the query went out. */
void dst_selector_success(struct dst_selector *s, unsigned i, uint32_t rtt_us, uint64_t now_ms);

/*
 * Upstream i answered SERVFAIL or REFUSED. Returns true when that counted
 * as a failure (most recent answers were SERVFAIL), false when it only
 * proved the upstream alive.
 */
bool dst_selector_servfail(struct dst_selector *s, unsigned i, uint64_t now_ms);

/*
 * An attempt sent at sent_ms failed with status (DST_ETIMEDOUT, a connect,
 * TLS or authentication error...); cause says why in words (NULL: none).
 * DST_ECANCELED is not a failure and is ignored.
 */
void dst_selector_failure(struct dst_selector *s, unsigned i, int status, const char *cause,
			  uint64_t sent_ms, uint64_t now_ms);

/*
 * The network changed or the machine resumed: every upstream is UP again
 * with no backoff and no RTT (the next queries measure anew); failures of
 * attempts sent before now are ignored.
 */
void dst_selector_reset(struct dst_selector *s, uint64_t now_ms);

/*
 * Whether two upstream sections (with the query-timeout of their
 * configurations) make the same TLS pool, so that a reload can keep the
 * running one: name, addresses, host, tls-name, ca-file, pins and pool
 * limits all equal.
 */
bool dst_upstream_same_transport(const struct dst_config_upstream *a, uint32_t a_timeout_ms,
				 const struct dst_config_upstream *b, uint32_t b_timeout_ms);

/* --- persisted state (saved.c encodes it; upstreams.c wires it) ----------------- */

/* The longest upstream identity (dst_up_identity): name, host, tls-name, ca-file, addresses, pins. */
#define DST_UP_ID_MAX 4096

/* What one upstream keeps across a restart. Pointers are borrowed. */
struct dst_up_saved {
	const uint8_t *id; /* dst_up_identity: a changed upstream does not match */
	size_t id_len;
	bool have_rtt;
	uint32_t srtt_us, rttvar_us;
	uint8_t state;          /* enum dst_up_state when saved */
	uint32_t backoff_ms;    /* the backoff last used */
	const uint8_t *session; /* TLS session data (a secret), or NULL */
	size_t session_len;
	int64_t session_expires_s; /* Unix seconds */
};

/*
 * Writes into buf (cap bytes) what makes an upstream the same one across
 * a restart: its name, host and port, tls-name, ca-file, transport (when
 * not TLS), addresses and pins, each with its length. Returns the length, or 0 when cap is too
 * small. Two sections with the same identity connect to the same servers
 * authenticated the same way (pool limits may differ).
 */
size_t dst_up_identity(const struct dst_config_upstream *c, uint8_t *buf, size_t cap);

/* Copies upstream i's RTT and health into *out (id and session untouched). */
void dst_selector_export(const struct dst_selector *s, unsigned i, struct dst_up_saved *out);

/*
 * Gives upstream i the RTT saved in *in; one that was not UP when saved
 * becomes SUSPECT (its next query is a probe; it is not picked while
 * another is UP) with the backoff it had, so that a failure goes on from
 * there. A state out of range counts as UP.
 */
void dst_selector_import(struct dst_selector *s, unsigned i, const struct dst_up_saved *in,
			 uint64_t now_ms);

/* Receives the next len bytes of saved upstreams; a negative return stops the save. */
typedef int (*dst_up_write_cb)(void *arg, const void *data, size_t len);

/* Writes one upstream's record. Returns 0 or write's error. */
int dst_up_saved_write(const struct dst_up_saved *s, dst_up_write_cb write, void *arg);

/*
 * Reads the record at *pos of data (len bytes) into *out (pointing into
 * data) and moves *pos past it. Returns 0, or DST_EFORMAT when it is
 * truncated or a length or value is out of range.
 */
int dst_up_saved_read(const uint8_t *data, size_t len, size_t *pos, struct dst_up_saved *out);

#endif
