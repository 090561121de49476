/*
 * DNSSEC in the query machine (docs/dnssec.md): an answer to a validated
 * query is checked by the validator core (validate/) before any client
 * sees it or the cache keeps it.
 *
 * The validator names what it lacks (a zone's DS or DNSKEY answer);
 * keyfetch.c fetches that as a key fetch: a query of its own with no client,
 * DO and CD set, that goes through the same upstreams, failover, joining
 * and cache as any other, and hands its answer to the query waiting for
 * it. The zone objects the validator builds are kept in the engine's key
 * store (validate/store.h) until their TTL ends, so a warm engine fetches
 * nothing and validation costs the signature checks of the answer alone.
 *
 * The walk for one answer: validate it; on NEED push the zone named,
 * build it from the DS and DNSKEY answers fetched so far; a NEED for the
 * same zone is fetched, a NEED for another zone (the parent whose keys
 * sign the DS) is pushed on top; a zone built is stored and popped; with
 * the stack empty the answer is validated again. Each round learns one
 * zone or fetches one answer, and the rounds are bounded.
 *
 * Then: secure answers get AD (the client sees it if it set DO or AD),
 * insecure ones not; without DO the RRSIG/NSEC/NSEC3 records are removed;
 * bogus ones become SERVFAIL with EDE 6 and the reason, logged once. An
 * answer with no RRSIG at all where the zone is signed is the upstream's
 * fault (it strips them): another upstream is asked, and if none can
 * give them, EDE 10.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns/err.h"
#include "resolver/base/log.h"
#include "resolver/query/internal.h"
#include "resolver/upstream/upstream.h"

#if DST_DNSSEC

#include "resolver/query/dnssec.h"
#include "resolver/validate/store.h"

/* --- the engine's side ---------------------------------------------------- */

int dst_queries_set_anchors(struct dst_queries *qs, const struct dst_val_anchors *anchors,
			    int64_t (*clock_floor)(void))
{
	struct dst_qdnssec *d = qs->dnssec;

	if (!anchors) {
		/* Kept (emptied): queries that started validating finish unchecked. */
		if (d) {
			dst_val_store_clear(d->keys);
			d->anchors = NULL;
		}
		return 0;
	}
	if (!d) {
		d = calloc(1, sizeof(*d));
		if (!d)
			return DST_ENOMEM;
		d->keys = dst_val_store_new(4096);
		d->sigs = dst_val_sigcache_new(4096);
		if (!d->keys || !d->sigs) {
			dst_val_store_free(d->keys);
			dst_val_sigcache_free(d->sigs);
			free(d);
			return DST_ENOMEM;
		}
		qs->dnssec = d;
	}
	/* Keys proven from other anchors prove nothing now. */
	if (d->anchors != anchors) {
		dst_val_store_clear(d->keys);
		dst_val_sigcache_clear(d->sigs);
		d->anchors_warned = false;
	}
	d->anchors = anchors;
	d->clock_floor = clock_floor;
	return 0;
}

void dst_queries__dnssec_free(struct dst_queries *qs)
{
	if (qs->dnssec) {
		dst_val_store_free(qs->dnssec->keys);
		dst_val_sigcache_free(qs->dnssec->sigs);
		free(qs->dnssec);
		qs->dnssec = NULL;
	}
}

size_t dst_queries_key_zones(const struct dst_queries *qs)
{
	return qs->dnssec ? dst_val_store_count(qs->dnssec->keys) : 0;
}

bool dst_queries_validating(const struct dst_queries *qs)
{
	return qs->dnssec && qs->dnssec->anchors;
}

static const struct dst_val_zone *lookup_zone(void *arg, const uint8_t *name, size_t len)
{
	struct dst_queries *qs = arg;

	return dst_val_store_get(qs->dnssec->keys, name, len, (int64_t)time(NULL));
}

static void env_of(struct dst_queries *qs, struct dst_val_env *env)
{
	struct dst_qdnssec *d = qs->dnssec;
	int64_t now = (int64_t)time(NULL), floor = d->clock_floor ? d->clock_floor() : 0;

	env->anchors = d->anchors;
	env->sigs = d->sigs;
	env->lookup = lookup_zone;
	env->arg = qs;
	env->now_s = now;
	/* A clock plainly wrong (before the build or the last saved time): a router without RTC. */
	env->ignore_validity = now < floor;
	if (env->ignore_validity && !d->clock_warned) {
		d->clock_warned = true;
		dst_log(DST_LOG_WARN,
			"dnssec: the clock is before %lld (build or saved time): signature "
			"validity periods are not checked until it passes that point",
			(long long)floor);
	} else if (!env->ignore_validity && d->clock_warned) {
		/* The clock is right again: what was proven without validity periods goes. */
		d->clock_warned = false;
		dst_val_store_clear(d->keys);
		dst_log(DST_LOG_NOTICE,
			"dnssec: the clock is past %lld: signature validity "
			"periods are checked again",
			(long long)floor);
	}
}

/* --- the walk ------------------------------------------------------------- */

static void val_free(struct dst_qval *v)
{
	for (unsigned i = 0; i < v->ngot; i++)
		free(v->got[i].wire);
	free(v->answer);
	free(v);
}

void dst_query__val_end(struct dst_query *q)
{
	struct dst_qval *v = q->val;

	if (!v)
		return;
	if (v->fetch)
		v->fetch->parent = NULL;
	q->val = NULL;
	val_free(v);
}

struct got *dst_qval__find_got(struct dst_qval *v, const uint8_t *name, size_t len, uint16_t type)
{
	for (unsigned i = 0; i < v->ngot; i++)
		if (v->got[i].type == type && v->got[i].name_len == len &&
		    memcmp(v->got[i].name, name, len) == 0)
			return &v->got[i];
	return NULL;
}

struct got *dst_qval__add_got(struct dst_qval *v, const uint8_t *name, size_t len, uint16_t type,
			      const uint8_t *wire, size_t wlen)
{
	if (v->ngot == MAX_GOT)
		return NULL;
	struct got *g = &v->got[v->ngot];
	g->wire = NULL;
	if (wire) {
		g->wire = malloc(wlen);
		if (!g->wire)
			return NULL;
		memcpy(g->wire, wire, wlen);
	}
	memcpy(g->name, name, len);
	g->name_len = (uint8_t)len;
	g->type = type;
	g->len = wlen;
	v->ngot++;
	return g;
}

static bool on_stack(const struct dst_qval *v, const uint8_t *name, size_t len)
{
	for (unsigned i = 0; i < v->depth; i++)
		if (v->stack[i].len == len && memcmp(v->stack[i].name, name, len) == 0)
			return true;
	return false;
}

static void push(struct dst_qval *v, const uint8_t *name, size_t len)
{
	memcpy(v->stack[v->depth].name, name, len);
	v->stack[v->depth].len = (uint8_t)len;
	v->depth++;
}

static void set_bogus(struct dst_val_result *res, const char *fmt, const uint8_t *name, size_t len)
{
	char text[DST_DNS_NAME_TEXT_LEN];

	dst_dns_name_to_text(name, len, 0, text);
	res->status = DST_VAL_BOGUS;
	snprintf(res->why, sizeof(res->why), fmt, text);
}

/*
 * The root's DNSKEY set no longer has a key one of the anchors names: the
 * root's keys rolled over and the anchors (built in or configured) did not
 * follow. Validation goes on while another anchor matches; said once per
 * set of anchors, so it is seen before the last matching key goes.
 */
static void warn_stale_anchors(struct dst_qdnssec *d, const struct dst_val_zone *z, size_t zlen)
{
	unsigned n = zlen == 1 ? dst_val_zone_unmatched_trust(z) : 0;

	if (!n || d->anchors_warned)
		return;
	d->anchors_warned = true;
	dst_log(DST_LOG_WARN,
		"dnssec: %u of the trust anchors for the root match no key in the root's DNSKEY "
		"set: the root's keys have rolled over; update trust-anchor / trust-anchor-file, "
		"or dotstub (its built-in anchors), before the remaining key goes too",
		n);
}

/*
 * Runs the walk until the answer is decided (res, WALK_DONE) or a fetch
 * is out (WALK_WAIT). Returns 0 or DST_ENOMEM.
 */
static int walk(struct dst_query *q, struct dst_val_result *res, enum walk *w)
{
	struct dst_qval *v = q->val;
	struct dst_val_env env;

	env_of(q->qs, &env);
	for (;;) {
		if (++v->rounds > MAX_ROUNDS) {
			set_bogus(res, "validation of %.180s took too many steps",
				  q->dq.qname_lower, q->dq.qname_len);
			*w = WALK_DONE;
			return 0;
		}
		if (v->depth == 0) {
			int r = dst_val_answer(&env, q->dq.qname_lower, q->dq.qname_len,
					       q->dq.qtype, v->answer, v->answer_len, res);
			if (r < 0)
				return r;
			if (res->status != DST_VAL_NEED) {
				*w = WALK_DONE;
				return 0;
			}
			/* Below the root there is a chain to ask for at once. */
			if (v->rounds == 1 && res->need_len > 1)
				dst_qval__fetch_chain_ahead(q, res->need, res->need_len);
			push(v, res->need, res->need_len);
		}
		const uint8_t *zn = v->stack[v->depth - 1].name;
		size_t zlen = v->stack[v->depth - 1].len;
		struct got *ds = dst_qval__find_got(v, zn, zlen, DST_VAL_TYPE_DS);
		struct got *dk = dst_qval__find_got(v, zn, zlen, DST_VAL_TYPE_DNSKEY);
		struct dst_val_zone *z = NULL;
		struct dst_val_result zr;
		int r = dst_val_zone_build(&env, zn, zlen, ds ? ds->wire : NULL, ds ? ds->len : 0,
					   dk ? dk->wire : NULL, dk ? dk->len : 0, &z, &zr);
		if (r < 0)
			return r;
		if (z) {
			warn_stale_anchors(q->qs->dnssec, z, zlen);
			r = dst_val_store_put(q->qs->dnssec->keys, z, env.now_s);
			if (r < 0)
				return r;
			v->depth--;
			continue;
		}
		if (zr.need_len == zlen && memcmp(zr.need, zn, zlen) == 0) {
			struct got *g = dst_qval__find_got(v, zn, zlen, zr.need_type);
			if (g) {
				/* Fetched, and still not enough: no upstream answered, or not usefully. */
				bool ds_ = zr.need_type == DST_VAL_TYPE_DS;
				set_bogus(res,
					  !g->wire ? (ds_ ? "no upstream answered the DS query for "
							    "%.180s"
							  : "no upstream answered the DNSKEY query "
							    "for "
							    "%.180s")
					  : ds_    ? "no usable DS answer for %.180s"
						   : "no usable DNSKEY answer for %.180s",
					  zn, zlen);
				*w = WALK_DONE;
				return 0;
			}
			r = dst_qval__start_fetch(q, zn, zlen, zr.need_type, w);
			if (r < 0)
				return r; /* refused (max-pending) or out of memory: not the zone's fault */
			if (*w == WALK_WAIT)
				return 0;
			continue;
		}
		if (v->depth == MAX_DEPTH || on_stack(v, zr.need, zr.need_len)) {
			set_bogus(res, "the chain of trust to %.180s loops or is too long", zn,
				  zlen);
			*w = WALK_DONE;
			return 0;
		}
		push(v, zr.need, zr.need_len);
	}
}

/* --- the outcome ---------------------------------------------------------- */

static uint32_t text_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/* Each reason once per BOGUS_LOG_MS: a broken zone asked for often logs once. */
static void log_bogus(struct dst_query *q, const char *why)
{
	struct dst_qdnssec *d = q->qs->dnssec;
	uint32_t h = text_hash(why);
	uint64_t now = dst_queries__now(q->qs);
	unsigned slot = h % BOGUS_LOG_SLOTS;
	char name[DST_DNS_NAME_TEXT_LEN];

	if (d->logged[slot].hash == h && d->logged[slot].at_ms &&
	    now - d->logged[slot].at_ms < BOGUS_LOG_MS)
		return;
	d->logged[slot].hash = h;
	d->logged[slot].at_ms = now ? now : 1;
	dst_dns_name_to_text(q->dq.qname_lower, q->dq.qname_len, 0, name);
	dst_log(DST_LOG_WARN, "dnssec: %s is bogus: %s", name, why);
}

/* SERVFAIL with an EDE (6 or 10) and its text, to q's client and its waiters. */
static void answer_bogus(struct dst_query *q, uint16_t code, const char *why)
{
	struct dst_dns_ede ede = {.info_code = code, .text = why, .text_len = strlen(why)};

	q->qs->stats.dnssec_bogus++;
	dst_query__respond_ede(q, &ede);
}

/*
 * The upstream behind v gave an answer with no RRSIG where the zone is
 * signed: it strips them. Noted, and the query moves on to another.
 */
static bool stripped_by_upstream(const struct dst_qval *v, const struct dst_val_result *res)
{
	return dst_dns_count_rrsigs(v->answer, v->answer_len) == 0 &&
	       strncmp(res->why, "missing RRSIG", 13) == 0;
}

void dst_query__note_stripping(struct dst_queries *qs, struct dst_upstream *up)
{
	uint64_t bit = UINT64_C(1) << dst_upstream_index(up);

	if (qs->strip_mask & bit)
		return;
	qs->strip_mask |= bit;
	dst_log(DST_LOG_WARN,
		"upstream %s removes DNSSEC signatures (RRSIG) from its answers: validated "
		"names go to other upstreams while there are any",
		dst_upstream_config(up)->name);
}

/* The client's form of a validated answer: AD, DNSSEC records or not; then cached and sent. */
static void answer_valid(struct dst_query *q, bool secure, bool counted)
{
	struct dst_queries *qs = q->qs;
	struct dst_qval *v = q->val;
	struct dst_dns_answer_info info;
	size_t len;

	dst_dns_set_ad(v->answer, secure);
	if (q->dq.do_bit) {
		memcpy(qs->scratch, v->answer, v->answer_len);
		len = v->answer_len;
	} else {
		ssize_t n = dst_dns_strip_dnssec(v->answer, v->answer_len, q->dq.qtype, qs->scratch,
						 sizeof(qs->scratch));
		if (n < 0) {
			answer_bogus(q, DST_DNS_EDE_DNSSEC_BOGUS, "malformed answer");
			return;
		}
		len = (size_t)n;
	}
	if (counted && secure)
		qs->stats.dnssec_secure++;
	else if (counted)
		qs->stats.dnssec_insecure++;
	int r = dst_dns_prepare_answer(qs->scratch, &len, 0, &q->dq, qs->ttl_offs, DST_MAX_TTLS,
				       &info);
	if (r < 0 && r != DST_ENOSPC) {
		answer_bogus(q, DST_DNS_EDE_DNSSEC_BOGUS, "malformed answer");
		return;
	}
	dst_query__deliver(q, len, r == 0, &info);
}

/* The walk ended: answer, or (an upstream stripping signatures) ask another. */
static void conclude(struct dst_query *q, const struct dst_val_result *res)
{
	struct dst_qval *v = q->val;

	switch (res->status) {
	case DST_VAL_SECURE:
	case DST_VAL_INSECURE:
		answer_valid(q, res->status == DST_VAL_SECURE, true);
		dst_query__finish(q);
		break;
	case DST_VAL_BOGUS:
	case DST_VAL_NEED:
		if (v->fetch_stripped) {
			/* Every upstream the key fetch could ask stripped them (each noted by the
			 * fetch): the question would fare no better elsewhere. */
			answer_bogus(q, DST_DNS_EDE_RRSIGS_MISSING, v->fetch_why);
			return;
		}
		if (stripped_by_upstream(v, res)) {
			struct dst_upstream *up = v->up;
			dst_query__note_stripping(q->qs, up);
			dst_query__val_end(q);
			dst_query__retry_elsewhere(q, up, DST_ENODNSSEC);
			return;
		}
		log_bogus(q, res->why);
		answer_bogus(q, DST_DNS_EDE_DNSSEC_BOGUS, res->why);
		break;
	}
}

static void advance(struct dst_query *q)
{
	struct dst_val_result res;
	enum walk w = WALK_DONE;

	if (walk(q, &res, &w) < 0) {
		/* Our own limits (max-pending, memory), not a proof: SERVFAIL, neither counted nor logged as bogus. */
		static const char why[] = "the DNSSEC keys could not be fetched now (max-pending "
					  "reached, or out of memory)";
		struct dst_dns_ede ede = {.info_code = 0, .text = why, .text_len = sizeof(why) - 1};
		dst_query__respond_ede(q, &ede);
		return;
	}
	if (w == WALK_WAIT) {
		q->state = DST_Q_WAIT_KEYS;
		uint64_t now = dst_queries__now(q->qs);
		uint64_t t = q->val->fetch_over     ? 0
			     : q->deadline_ms > now ? q->deadline_ms - now
						    : 0;
		uv_timer_start(&q->timer, dst_query__on_timer, t, 0);
		return;
	}
	conclude(q, &res);
}

bool dst_query__validate(struct dst_query *q, const uint8_t *wire, size_t len)
{
	struct dst_qval *v = calloc(1, sizeof(*v));

	if (!v || !(v->answer = malloc(len))) {
		free(v);
		return false;
	}
	memcpy(v->answer, wire, len);
	v->answer_len = len;
	v->up = q->up;
	q->val = v;
	for (unsigned i = 0; i < 2; i++)
		dst_query__cancel_attempt(&q->att[i]);
	/* From here nothing is out upstream: not a query dst_queries_kick may restart. */
	q->state = DST_Q_WAIT_KEYS;
	if (!dst_queries_validating(q->qs)) {
		/* Validation was turned off (reload) since this query started. */
		answer_valid(q, false, false);
		dst_query__finish(q);
		return true;
	}
	advance(q);
	return true;
}

void dst_query__keys_event(struct dst_query *q, enum dst_qevent ev)
{
	struct dst_qval *v = q->val;

	if (ev == DST_EV_ABORT) {
		dst_query__finish(q);
		return;
	}
	if (ev != DST_EV_TIMEOUT || !v)
		return;
	if (!v->fetch_over) {
		/* The deadline passed with a fetch still out: indeterminate is bogus. */
		answer_bogus(q, DST_DNS_EDE_DNSSEC_BOGUS, "the keys needed did not come in time");
		return;
	}
	v->fetch_over = false;
	if (!dst_queries_validating(q->qs)) {
		answer_valid(q, false, false);
		dst_query__finish(q);
		return;
	}
	advance(q);
}

#else /* !DST_DNSSEC */

int dst_queries_set_anchors(struct dst_queries *qs, const struct dst_val_anchors *anchors,
			    int64_t (*clock_floor)(void))
{
	(void)qs;
	(void)clock_floor;
	return anchors ? DST_EINVAL : 0;
}

void dst_queries__dnssec_free(struct dst_queries *qs)
{
	(void)qs;
}

size_t dst_queries_key_zones(const struct dst_queries *qs)
{
	(void)qs;
	return 0;
}

bool dst_queries_validating(const struct dst_queries *qs)
{
	(void)qs;
	return false;
}

void dst_query__val_end(struct dst_query *q)
{
	(void)q;
}

bool dst_query__validate(struct dst_query *q, const uint8_t *wire, size_t len)
{
	(void)q;
	(void)wire;
	(void)len;
	return false;
}

void dst_query__keys_event(struct dst_query *q, enum dst_qevent ev)
{
	if (ev == DST_EV_ABORT)
		dst_query__finish(q);
}

void dst_query__note_stripping(struct dst_queries *qs, struct dst_upstream *up)
{
	(void)qs;
	(void)up;
}

#endif
