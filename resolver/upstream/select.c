/*
 * Upstream selection and health (the contract and the states are in
 * upstream.h; the diagram in docs/upstream-health.md).
 *
 * Everything here is a pure function of the reports, the time the caller
 * passes and the caller's RNG: no I/O, no libuv, no clock of its own. The
 * caller (upstreams.c) turns libuv and tls/ events into reports and sends the
 * probes this file asks for.
 *
 * Times are uv_now()-style milliseconds; RTTs are microseconds, smoothed
 * as TCP does (RFC 6298): SRTT += (r - SRTT) / 8, RTTVAR += (|r - SRTT| -
 * RTTVAR) / 4, the first sample giving SRTT = r, RTTVAR = r / 2.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "resolver/upstream/select.h"

#define DEFAULT_MAX_BACKOFF_MS (5 * 60 * 1000)
#define DEFAULT_QUERY_TIMEOUT_MS 4000

struct dst_selector {
	struct dst_selector_opts o;
	size_t n;
	unsigned rr_next; /* round-robin: where the next search starts */
	struct dst_up_health h[];
};

static const char *const state_names[] = {"up", "suspect", "down", "probing"};

const char *dst_selector_state_name(enum dst_up_state st)
{
	return (unsigned)st < sizeof(state_names) / sizeof(state_names[0]) ? state_names[st] : "?";
}

static void set_opts(struct dst_selector *s, const struct dst_selector_opts *o)
{
	s->o = *o;
	if (!s->o.max_backoff_ms)
		s->o.max_backoff_ms = DEFAULT_MAX_BACKOFF_MS;
	if (!s->o.query_timeout_ms)
		s->o.query_timeout_ms = DEFAULT_QUERY_TIMEOUT_MS;
}

int dst_selector_new(const struct dst_selector_opts *o, size_t n, struct dst_selector **out)
{
	if (n == 0 || n > DST_UP_MAX || !o->rand)
		return DST_EINVAL;
	struct dst_selector *s = calloc(1, sizeof(*s) + DST_UP_MAX * sizeof(s->h[0]));
	if (!s)
		return DST_ENOMEM;
	set_opts(s, o);
	s->n = n;
	for (size_t i = 0; i < n; i++)
		s->h[i].available = true;
	*out = s;
	return 0;
}

void dst_selector_reconfigure(struct dst_selector *s, const struct dst_selector_opts *o, size_t n,
			      const int *from)
{
	struct dst_up_health old[DST_UP_MAX];
	size_t nold = s->n;

	if (n == 0 || n > DST_UP_MAX || !o->rand)
		return;
	memcpy(old, s->h, nold * sizeof(old[0]));
	memset(s->h, 0, n * sizeof(s->h[0]));
	for (size_t i = 0; i < n; i++) {
		if (from[i] >= 0 && (size_t)from[i] < nold)
			s->h[i] = old[from[i]];
		else
			s->h[i].available = true;
	}
	set_opts(s, o);
	s->n = n;
	if (s->rr_next >= n)
		s->rr_next = 0;
}

void dst_selector_free(struct dst_selector *s)
{
	free(s);
}

size_t dst_selector_size(const struct dst_selector *s)
{
	return s->n;
}

const struct dst_up_health *dst_selector_health(const struct dst_selector *s, unsigned i)
{
	return &s->h[i];
}

void dst_selector_set_available(struct dst_selector *s, unsigned i, bool available)
{
	s->h[i].available = available;
}

static void set_cause(struct dst_up_health *h, const char *cause)
{
	size_t n = cause ? strlen(cause) : 0;

	if (n >= sizeof(h->cause))
		n = sizeof(h->cause) - 1;
	memcpy(h->cause, cause ? cause : "", n);
	h->cause[n] = '\0';
}

static void enter(struct dst_selector *s, unsigned i, enum dst_up_state to, uint64_t now)
{
	struct dst_up_health *h = &s->h[i];
	enum dst_up_state from = h->state;

	h->state = to;
	h->since_ms = now;
	if (s->o.changed)
		s->o.changed(s->o.changed_arg, i, from, h);
}

/* DOWN for the next backoff: 1 s, then doubling, capped, with +-25% jitter. */
static void go_down(struct dst_selector *s, unsigned i, uint64_t now)
{
	struct dst_up_health *h = &s->h[i];
	uint32_t max = s->o.max_backoff_ms;
	uint32_t b = h->backoff_ms ? h->backoff_ms : DST_UP_BACKOFF_START_MS / 2;

	b = b > max / 2 ? max : b * 2;
	h->backoff_ms = b;
	/* Jitter keeps many stubs (or upstreams) that failed together from probing together. */
	uint32_t j = b - b / 4 + s->o.rand(s->o.rand_arg) % (b / 2 + 1);
	h->retry_ms = now + (j < max ? j : max);
	enter(s, i, DST_UP_DOWN, now);
}

/*
 * The UP upstream a first or later attempt goes to, by the strategy, among
 * allowed; -1 if none. A first attempt (nothing in allowed tried yet) moves
 * the round-robin on and may explore.
 */
static int pick_up(struct dst_selector *s, uint64_t tried, uint64_t allowed)
{
	unsigned cand[DST_UP_MAX], n = 0, best = 0;
	bool first = (tried & allowed) == 0;

	for (unsigned i = 0; i < s->n; i++)
		if (!(tried >> i & 1) && (allowed >> i & 1) && s->h[i].available &&
		    s->h[i].state == DST_UP_UP)
			cand[n++] = i;
	if (n == 0)
		return -1;
	switch (s->o.strategy) {
	case DST_UP_ORDERED:
		return (int)cand[0];
	case DST_UP_ROUND_ROBIN:
		for (unsigned k = 0; k < n; k++)
			if (cand[k] >= s->rr_next) {
				best = k;
				break;
			}
		if (first)
			s->rr_next = cand[best] + 1;
		return (int)cand[best];
	case DST_UP_FASTEST:
		break;
	}
	/* Not yet timed counts as fastest, so that every upstream gets measured. */
	for (unsigned k = 1; k < n; k++) {
		const struct dst_up_health *a = &s->h[cand[k]], *b = &s->h[cand[best]];
		uint32_t ra = a->have_rtt ? a->srtt_us : 0, rb = b->have_rtt ? b->srtt_us : 0;
		if (ra < rb)
			best = k;
	}
	/* Now and then a first attempt goes elsewhere, so that the others' RTTs stay known. */
	if (first && n > 1 && s->o.rand(s->o.rand_arg) % DST_UP_EXPLORE == 0) {
		unsigned k = s->o.rand(s->o.rand_arg) % (n - 1);
		return (int)cand[k >= best ? k + 1 : k];
	}
	return (int)cand[best];
}

int dst_selector_pick(struct dst_selector *s, uint64_t tried, uint64_t now_ms)
{
	return dst_selector_pick_in(s, tried, UINT64_MAX, now_ms);
}

int dst_selector_pick_in(struct dst_selector *s, uint64_t tried, uint64_t allowed, uint64_t now_ms)
{
	int i = pick_up(s, tried, allowed), second = -1, down = -1;

	if (i >= 0)
		return i;
	/* No UP one left: the one that failed longest ago, in verification before backing off. */
	for (unsigned k = 0; k < s->n; k++) {
		const struct dst_up_health *h = &s->h[k];
		int *slot = h->state == DST_UP_DOWN ? &down : &second;
		if ((tried >> k & 1) || !(allowed >> k & 1) || !h->available)
			continue;
		if (*slot < 0 || h->last_fail_ms < s->h[*slot].last_fail_ms)
			*slot = (int)k;
	}
	return second >= 0 ? second : down;
}

int dst_selector_pick_retry(struct dst_selector *s, uint64_t tried, uint64_t dead, uint64_t now_ms)
{
	return dst_selector_pick_retry_in(s, tried, dead, UINT64_MAX, now_ms);
}

int dst_selector_pick_retry_in(struct dst_selector *s, uint64_t tried, uint64_t dead,
			       uint64_t allowed, uint64_t now_ms)
{
	int i = dst_selector_pick_in(s, tried, allowed, now_ms);

	/* An untried upstream first: a dead connection may be a dead network path. */
	if (i >= 0 || (dead & tried & allowed) == 0)
		return i;
	/* Not a first attempt: allowed is ANDed with the retry set, tried stays non-empty. */
	return dst_selector_pick_in(s, ~(dead & tried), allowed, now_ms);
}

int dst_selector_probe_due(struct dst_selector *s, uint64_t now_ms)
{
	return dst_selector_probe_due_in(s, now_ms, UINT64_MAX);
}

int dst_selector_probe_due_in(struct dst_selector *s, uint64_t now_ms, uint64_t allowed)
{
	int due = -1;
	bool any_up = false;

	for (unsigned i = 0; i < s->n; i++) {
		const struct dst_up_health *h = &s->h[i];
		if (!h->available || !(allowed >> i & 1))
			continue;
		if (h->state == DST_UP_UP)
			any_up = true;
		else if (due < 0 && (h->state == DST_UP_SUSPECT ||
				     (h->state == DST_UP_DOWN && now_ms >= h->retry_ms)))
			due = (int)i;
	}
	if (due < 0 || !any_up)
		return -1;
	enter(s, (unsigned)due, DST_UP_PROBING, now_ms);
	return due;
}

uint32_t dst_selector_attempt_timeout_ms(const struct dst_selector *s, unsigned i)
{
	const struct dst_up_health *h = &s->h[i];
	uint64_t t = DST_UP_INITIAL_TIMEOUT_MS;

	if (h->have_rtt)
		t = (3 * (uint64_t)h->srtt_us + 4 * (uint64_t)h->rttvar_us + 999) / 1000;
	if (t < DST_UP_MIN_TIMEOUT_MS)
		t = DST_UP_MIN_TIMEOUT_MS;
	if (t > s->o.query_timeout_ms)
		t = s->o.query_timeout_ms;
	return (uint32_t)t;
}

static void push_answer(struct dst_up_health *h, bool servfail)
{
	h->sf_bits = (uint16_t)(h->sf_bits << 1 | servfail);
	if (h->sf_n < DST_UP_SERVFAIL_WINDOW)
		h->sf_n++;
}

/* An answer of any kind: the upstream works. */
static void alive(struct dst_selector *s, unsigned i, uint64_t now)
{
	struct dst_up_health *h = &s->h[i];

	if (h->state == DST_UP_UP)
		return;
	h->backoff_ms = 0;
	h->retry_ms = 0;
	h->cause[0] = '\0';
	/* A fresh start for the SERVFAIL rule, or one old majority would take it down again. */
	h->sf_bits = 0;
	h->sf_n = 0;
	enter(s, i, DST_UP_UP, now);
}

void dst_selector_success(struct dst_selector *s, unsigned i, uint32_t rtt_us, uint64_t now_ms)
{
	struct dst_up_health *h = &s->h[i];

	push_answer(h, false);
	if (!h->have_rtt) {
		h->srtt_us = rtt_us;
		h->rttvar_us = rtt_us / 2;
		h->have_rtt = true;
	} else {
		uint32_t dev = rtt_us > h->srtt_us ? rtt_us - h->srtt_us : h->srtt_us - rtt_us;
		h->rttvar_us = (uint32_t)(((uint64_t)h->rttvar_us * 3 + dev) / 4);
		h->srtt_us = (uint32_t)(((uint64_t)h->srtt_us * 7 + rtt_us) / 8);
	}
	alive(s, i, now_ms);
}

bool dst_selector_servfail(struct dst_selector *s, unsigned i, uint64_t now_ms)
{
	struct dst_up_health *h = &s->h[i];

	push_answer(h, true);
	if (h->sf_n >= DST_UP_SERVFAIL_MIN &&
	    2u * (unsigned)__builtin_popcount(h->sf_bits) > h->sf_n) {
		dst_selector_failure(s, i, DST_ESERVFAIL, "answers SERVFAIL to most queries",
				     now_ms, now_ms);
		return true;
	}
	alive(s, i, now_ms);
	return false;
}

void dst_selector_failure(struct dst_selector *s, unsigned i, int status, const char *cause,
			  uint64_t sent_ms, uint64_t now_ms)
{
	struct dst_up_health *h = &s->h[i];

	if (status == DST_ECANCELED || sent_ms < h->since_ms)
		return;
	h->last_fail_ms = now_ms;
	h->last_status = status;
	switch (h->state) {
	case DST_UP_UP:
		set_cause(h, cause);
		enter(s, i, DST_UP_SUSPECT, now_ms);
		return;
	case DST_UP_SUSPECT:
	case DST_UP_PROBING:
		set_cause(h, cause);
		go_down(s, i, now_ms);
		return;
	case DST_UP_DOWN:
		/* Still down: only a new reason is news. */
		if (cause && strncmp(cause, h->cause, sizeof(h->cause) - 1) != 0) {
			set_cause(h, cause);
			if (s->o.changed)
				s->o.changed(s->o.changed_arg, i, DST_UP_DOWN, h);
		}
		return;
	}
}

void dst_selector_reset(struct dst_selector *s, uint64_t now_ms)
{
	for (unsigned i = 0; i < s->n; i++) {
		struct dst_up_health *h = &s->h[i];
		h->state = DST_UP_UP;
		h->since_ms = now_ms;
		h->backoff_ms = 0;
		h->retry_ms = 0;
		h->have_rtt = false;
		h->srtt_us = h->rttvar_us = 0;
		h->sf_bits = 0;
		h->sf_n = 0;
		h->cause[0] = '\0';
	}
}

void dst_selector_export(const struct dst_selector *s, unsigned i, struct dst_up_saved *out)
{
	const struct dst_up_health *h = &s->h[i];

	out->have_rtt = h->have_rtt;
	out->srtt_us = h->have_rtt ? h->srtt_us : 0;
	out->rttvar_us = h->have_rtt ? h->rttvar_us : 0;
	out->state = (uint8_t)h->state;
	out->backoff_ms = h->backoff_ms;
}

void dst_selector_import(struct dst_selector *s, unsigned i, const struct dst_up_saved *in,
			 uint64_t now_ms)
{
	struct dst_up_health *h = &s->h[i];

	h->have_rtt = in->have_rtt;
	h->srtt_us = in->have_rtt ? in->srtt_us : 0;
	h->rttvar_us = in->have_rtt ? in->rttvar_us : 0;
	if (in->state == DST_UP_UP || in->state > DST_UP_PROBING)
		return;
	h->backoff_ms = in->backoff_ms < s->o.max_backoff_ms ? in->backoff_ms : s->o.max_backoff_ms;
	h->last_fail_ms = now_ms;
	set_cause(h, "was not answering when dotstub last stopped");
	enter(s, i, DST_UP_SUSPECT, now_ms);
}
