/*
 * Unit tests for resolver/upstream.c: selection by strategy, the health
 * state machine, backoff with jitter, probing, the SERVFAIL rule and the
 * adaptive attempt timeout. Time is passed in and the RNG is scripted, so
 * every run takes the same path.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "dns/err.h"
#include "resolver/upstream/internal.h"
#include "resolver/upstream/select.h"

/* The fake RNG: returns script[] in turn, then fill forever. */
static uint32_t script[16];
static size_t nscript, script_pos;
static uint32_t fill = 7; /* 7 % 50 != 0: no exploration unless a test asks */

static uint32_t fake_rand(void *arg)
{
	(void)arg;
	return script_pos < nscript ? script[script_pos++] : fill;
}

/* Every change the set reports, as "i:from>to", space separated. */
static char changes[1024];

static void on_changed(void *arg, unsigned i, enum dst_up_state from, const struct dst_up_health *h)
{
	size_t n = strlen(changes);
	(void)arg;
	snprintf(changes + n, sizeof(changes) - n, "%s%u:%s>%s", n ? " " : "", i,
		 dst_selector_state_name(from), dst_selector_state_name(h->state));
}

static struct dst_selector *set_of(size_t n, enum dst_up_strategy st)
{
	struct dst_selector *s = NULL;
	struct dst_selector_opts o = {
		.strategy = st,
		.max_backoff_ms = 8000,
		.query_timeout_ms = 4000,
		.rand = fake_rand,
		.changed = on_changed,
	};
	nscript = script_pos = 0;
	fill = 7;
	changes[0] = '\0';
	ck_assert_int_eq(dst_selector_new(&o, n, &s), 0);
	return s;
}

static enum dst_up_state state(struct dst_selector *s, unsigned i)
{
	return dst_selector_health(s, i)->state;
}

/* Puts upstream i into DOWN at now: a failure, a probe, a second failure. */
static void take_down(struct dst_selector *s, unsigned i, uint64_t now)
{
	dst_selector_failure(s, i, DST_ECONNREFUSED, "connection refused", now, now);
	ck_assert_int_eq(state(s, i), DST_UP_SUSPECT);
	dst_selector_failure(s, i, DST_ECONNREFUSED, "connection refused", now, now);
	ck_assert_int_eq(state(s, i), DST_UP_DOWN);
}

/* --- selection -------------------------------------------------------------- */

START_TEST(test_ordered_picks_first_up_in_file_order)
{
	struct dst_selector *s = set_of(3, DST_UP_ORDERED);
	ck_assert_int_eq(dst_selector_pick(s, 0, 10), 0);
	ck_assert_int_eq(dst_selector_pick(s, 1, 10), 1);
	ck_assert_int_eq(dst_selector_pick(s, 3, 10), 2);
	ck_assert_int_eq(dst_selector_pick(s, 7, 10), -1);
	dst_selector_free(s);
}
END_TEST

START_TEST(test_ordered_fails_back_once_the_first_answers_again)
{
	struct dst_selector *s = set_of(2, DST_UP_ORDERED);
	take_down(s, 0, 100);
	ck_assert_int_eq(dst_selector_pick(s, 0, 200), 1);
	/* Backoff 1 s +-25%: with the scripted RNG, exactly 1000 - 250 + 7 ms. */
	ck_assert_uint_eq(dst_selector_health(s, 0)->retry_ms, 100 + 757);
	ck_assert_int_eq(dst_selector_probe_due(s, 856), -1);
	ck_assert_int_eq(dst_selector_probe_due(s, 857), 0);
	ck_assert_int_eq(state(s, 0), DST_UP_PROBING);
	ck_assert_int_eq(dst_selector_pick(s, 0, 857), 1);
	dst_selector_success(s, 0, 5000, 870);
	ck_assert_int_eq(state(s, 0), DST_UP_UP);
	ck_assert_int_eq(dst_selector_pick(s, 0, 871), 0);
	ck_assert_str_eq(changes, "0:up>suspect 0:suspect>down 0:down>probing 0:probing>up");
	dst_selector_free(s);
}
END_TEST

START_TEST(test_round_robin_spreads_over_up_upstreams)
{
	struct dst_selector *s = set_of(3, DST_UP_ROUND_ROBIN);
	int seen[4];
	for (int k = 0; k < 4; k++)
		seen[k] = dst_selector_pick(s, 0, 10);
	ck_assert_int_eq(seen[0], 0);
	ck_assert_int_eq(seen[1], 1);
	ck_assert_int_eq(seen[2], 2);
	ck_assert_int_eq(seen[3], 0);
	dst_selector_failure(s, 1, DST_ETIMEDOUT, "timed out", 20, 20);
	/* 1 is suspect now: the turn skips it. */
	ck_assert_int_eq(dst_selector_pick(s, 0, 30), 2);
	ck_assert_int_eq(dst_selector_pick(s, 0, 30), 0);
	ck_assert_int_eq(dst_selector_pick(s, 0, 30), 2);
	/* A retry takes the next one without moving the turn. */
	ck_assert_int_eq(dst_selector_pick(s, 1 << 2, 30), 0);
	ck_assert_int_eq(dst_selector_pick(s, 0, 30), 0);
	dst_selector_free(s);
}
END_TEST

START_TEST(test_fastest_picks_lowest_smoothed_rtt)
{
	struct dst_selector *s = set_of(3, DST_UP_FASTEST);
	/* Not yet timed counts as fastest: each one is measured first. */
	ck_assert_int_eq(dst_selector_pick(s, 0, 0), 0);
	dst_selector_success(s, 0, 40000, 1);
	ck_assert_int_eq(dst_selector_pick(s, 0, 1), 1);
	dst_selector_success(s, 1, 10000, 2);
	ck_assert_int_eq(dst_selector_pick(s, 0, 2), 2);
	dst_selector_success(s, 2, 20000, 3);
	for (int k = 0; k < 20; k++)
		ck_assert_int_eq(dst_selector_pick(s, 0, 4), 1);
	/* 1 slows down: its smoothed RTT passes 2's after a few answers. */
	for (int k = 0; k < 12; k++)
		dst_selector_success(s, 1, 60000, 5);
	ck_assert_uint_gt(dst_selector_health(s, 1)->srtt_us, 20000);
	ck_assert_int_eq(dst_selector_pick(s, 0, 6), 2);
	/* A retry goes to the fastest not yet tried. */
	ck_assert_int_eq(dst_selector_pick(s, 1 << 2, 6), 0);
	dst_selector_free(s);
}
END_TEST

START_TEST(test_fastest_sends_one_in_fifty_elsewhere)
{
	struct dst_selector *s = set_of(3, DST_UP_FASTEST);
	int counts[3] = {0, 0, 0};
	dst_selector_success(s, 0, 40000, 1);
	dst_selector_success(s, 1, 10000, 1);
	dst_selector_success(s, 2, 20000, 1);
	/* A counter as RNG: one draw in 50 is a multiple of 50. */
	for (uint32_t k = 0; k < 5000; k++) {
		nscript = 2;
		script_pos = 0;
		script[0] = k;
		script[1] = k / 50;
		counts[dst_selector_pick(s, 0, 2)]++;
	}
	ck_assert_int_eq(counts[1], 5000 - 100);
	ck_assert_int_eq(counts[0], 50);
	ck_assert_int_eq(counts[2], 50);
	/* Never on a retry: that one wants the best left. */
	nscript = 1;
	script_pos = 0;
	script[0] = 0;
	ck_assert_int_eq(dst_selector_pick(s, 1 << 0, 2), 1);
	dst_selector_free(s);
}
END_TEST

START_TEST(test_suspect_is_used_only_when_nothing_is_up)
{
	struct dst_selector *s = set_of(2, DST_UP_ORDERED);
	dst_selector_failure(s, 0, DST_ETIMEDOUT, "timed out", 5, 10);
	ck_assert_int_eq(dst_selector_pick(s, 0, 11), 1);
	ck_assert_int_eq(dst_selector_pick(s, 1 << 1, 11), 0);
	dst_selector_free(s);
}
END_TEST

START_TEST(test_all_down_still_picks_least_recently_failed)
{
	struct dst_selector *s = set_of(3, DST_UP_ORDERED);
	take_down(s, 1, 100);
	take_down(s, 0, 200);
	take_down(s, 2, 300);
	ck_assert_int_eq(dst_selector_pick(s, 0, 400), 1);
	ck_assert_int_eq(dst_selector_pick(s, 1 << 1, 400), 0);
	ck_assert_int_eq(dst_selector_pick(s, 3, 400), 2);
	ck_assert_int_eq(dst_selector_pick(s, 7, 400), -1);
	/* With nothing up, queries decide: no probes. */
	ck_assert_int_eq(dst_selector_probe_due(s, 100000), -1);
	/* The first success brings it up. */
	dst_selector_success(s, 2, 1000, 500);
	ck_assert_int_eq(state(s, 2), DST_UP_UP);
	ck_assert_int_eq(dst_selector_pick(s, 0, 500), 2);
	dst_selector_free(s);
}
END_TEST

START_TEST(test_unavailable_upstream_is_never_picked_or_probed)
{
	struct dst_selector *s = set_of(2, DST_UP_ORDERED);
	dst_selector_set_available(s, 0, false);
	ck_assert_int_eq(dst_selector_pick(s, 0, 1), 1);
	ck_assert_int_eq(dst_selector_pick(s, 1 << 1, 1), -1);
	dst_selector_set_available(s, 0, true);
	ck_assert_int_eq(dst_selector_pick(s, 0, 1), 0);
	dst_selector_free(s);
}
END_TEST

START_TEST(test_retry_on_dead_connection_comes_after_untried_upstreams)
{
	struct dst_selector *s = set_of(3, DST_UP_ORDERED);
	/* 0 was tried and its connection presumed dead: 1 and 2 come first. */
	ck_assert_int_eq(dst_selector_pick_retry(s, 1 << 0, 1 << 0, 10), 1);
	ck_assert_int_eq(dst_selector_pick_retry(s, 3, 1 << 0, 10), 2);
	/* Every one tried: back to 0, the only one whose failure was its connection's. */
	ck_assert_int_eq(dst_selector_pick_retry(s, 7, 1 << 0, 10), 0);
	ck_assert_int_eq(dst_selector_pick_retry(s, 7, 1 << 2, 10), 2);
	dst_selector_free(s);
}
END_TEST

START_TEST(test_no_retry_without_a_dead_connection)
{
	struct dst_selector *s = set_of(2, DST_UP_ORDERED);
	ck_assert_int_eq(dst_selector_pick_retry(s, 3, 0, 10), -1);
	/* A dead bit for an upstream not tried yet changes nothing. */
	ck_assert_int_eq(dst_selector_pick_retry(s, 1 << 0, 1 << 1, 10), 1);
	ck_assert_int_eq(dst_selector_pick_retry(s, 3, 1 << 2, 10), -1);
	dst_selector_free(s);
}
END_TEST

START_TEST(test_retry_among_dead_connections_prefers_suspect_over_down)
{
	struct dst_selector *s = set_of(3, DST_UP_ORDERED);
	/* Every pool went silent: 0 is down, 1 and 2 suspect (2 failed earlier). */
	take_down(s, 0, 100);
	dst_selector_failure(s, 1, DST_ETIMEDOUT, "timed out", 300, 400);
	dst_selector_failure(s, 2, DST_ETIMEDOUT, "timed out", 200, 350);
	ck_assert_int_eq(dst_selector_pick_retry(s, 7, 7, 500), 2);
	ck_assert_int_eq(dst_selector_pick_retry(s, 7, 1 << 0 | 1 << 1, 500), 1);
	ck_assert_int_eq(dst_selector_pick_retry(s, 7, 1 << 0, 500), 0);
	/* An unavailable one is never retried. */
	dst_selector_set_available(s, 0, false);
	ck_assert_int_eq(dst_selector_pick_retry(s, 7, 1 << 0, 500), -1);
	dst_selector_free(s);
}
END_TEST

START_TEST(test_retry_answer_brings_upstream_back_up)
{
	struct dst_selector *s = set_of(1, DST_UP_ORDERED);
	/* One upstream, its connection dead: the timeout counts, the retry's answer clears it. */
	dst_selector_failure(s, 0, DST_ETIMEDOUT, "timed out", 0, 100);
	ck_assert_int_eq(state(s, 0), DST_UP_SUSPECT);
	ck_assert_int_eq(dst_selector_pick_retry(s, 1, 1, 100), 0);
	dst_selector_success(s, 0, 3000, 110);
	ck_assert_int_eq(state(s, 0), DST_UP_UP);
	ck_assert_str_eq(changes, "0:up>suspect 0:suspect>up");
	dst_selector_free(s);
}
END_TEST

/* --- health ----------------------------------------------------------------- */

START_TEST(test_burst_of_failures_from_before_a_change_counts_once)
{
	struct dst_selector *s = set_of(2, DST_UP_ORDERED);
	/* Fifty queries sent at 0..49 ms all time out together at 750 ms. */
	for (uint64_t k = 0; k < 50; k++)
		dst_selector_failure(s, 0, DST_ETIMEDOUT, "timed out", k, 750);
	ck_assert_int_eq(state(s, 0), DST_UP_SUSPECT);
	ck_assert_str_eq(changes, "0:up>suspect");
	/* One sent after the change does count. */
	dst_selector_failure(s, 0, DST_ETIMEDOUT, "timed out", 760, 900);
	ck_assert_int_eq(state(s, 0), DST_UP_DOWN);
	dst_selector_free(s);
}
END_TEST

START_TEST(test_suspect_gets_a_probe_at_once)
{
	struct dst_selector *s = set_of(2, DST_UP_ORDERED);
	dst_selector_failure(s, 0, DST_ECONNREFUSED, "connection refused", 10, 10);
	ck_assert_int_eq(dst_selector_probe_due(s, 11), 0);
	ck_assert_int_eq(state(s, 0), DST_UP_PROBING);
	/* Only one probe at a time. */
	ck_assert_int_eq(dst_selector_probe_due(s, 12), -1);
	dst_selector_failure(s, 0, DST_ECONNREFUSED, "connection refused", 11, 12);
	ck_assert_int_eq(state(s, 0), DST_UP_DOWN);
	ck_assert_uint_eq(dst_selector_health(s, 0)->backoff_ms, 1000);
	dst_selector_free(s);
}
END_TEST

START_TEST(test_backoff_doubles_with_jitter_up_to_max)
{
	struct dst_selector *s = set_of(2, DST_UP_ORDERED);
	uint64_t now = 0;
	uint32_t want[] = {1000, 2000, 4000, 8000, 8000};
	take_down(s, 0, now);
	for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		const struct dst_up_health *h = dst_selector_health(s, 0);
		ck_assert_uint_eq(h->backoff_ms, want[k]);
		/* rand() = 7: 3/4 of the backoff plus 7 ms, never over max-backoff. */
		uint64_t j = want[k] - want[k] / 4 + 7;
		ck_assert_uint_eq(h->retry_ms, now + (j < 8000 ? j : 8000));
		now = h->retry_ms;
		ck_assert_int_eq(dst_selector_probe_due(s, now), 0);
		dst_selector_failure(s, 0, DST_ETIMEDOUT, "timed out", now, now + 100);
		now += 100;
	}
	/* Jitter spans +-25%: the top of the range. */
	fill = 500;
	dst_selector_success(s, 0, 1000, now);
	take_down(s, 0, now);
	ck_assert_uint_eq(dst_selector_health(s, 0)->retry_ms, now + 1250);
	dst_selector_free(s);
}
END_TEST

START_TEST(test_cause_is_kept_and_reported_once_per_change)
{
	struct dst_selector *s = set_of(2, DST_UP_ORDERED);
	take_down(s, 0, 10);
	changes[0] = '\0';
	dst_selector_failure(s, 0, DST_ECONNREFUSED, "connection refused", 20, 20);
	dst_selector_failure(s, 0, DST_ECONNREFUSED, "connection refused", 30, 30);
	ck_assert_str_eq(changes, "");
	dst_selector_failure(s, 0, DST_ECERTVERIFY, "certificate expired", 40, 40);
	ck_assert_str_eq(changes, "0:down>down");
	ck_assert_str_eq(dst_selector_health(s, 0)->cause, "certificate expired");
	ck_assert_int_eq(dst_selector_health(s, 0)->last_status, DST_ECERTVERIFY);
	/* Failures while down do not stretch the backoff. */
	ck_assert_uint_eq(dst_selector_health(s, 0)->backoff_ms, 1000);
	dst_selector_success(s, 0, 100, 50);
	ck_assert_str_eq(dst_selector_health(s, 0)->cause, "");
	dst_selector_free(s);
}
END_TEST

START_TEST(test_cancelled_attempts_are_not_failures)
{
	struct dst_selector *s = set_of(1, DST_UP_ORDERED);
	dst_selector_failure(s, 0, DST_ECANCELED, NULL, 10, 10);
	ck_assert_int_eq(state(s, 0), DST_UP_UP);
	dst_selector_free(s);
}
END_TEST

START_TEST(test_occasional_servfail_keeps_upstream_up)
{
	struct dst_selector *s = set_of(2, DST_UP_ORDERED);
	for (int k = 0; k < 40; k++) {
		if (k % 3 == 0)
			ck_assert(!dst_selector_servfail(s, 0, (uint64_t)k));
		else
			dst_selector_success(s, 0, 1000, (uint64_t)k);
	}
	ck_assert_int_eq(state(s, 0), DST_UP_UP);
	/* Fewer than 8 answers, all SERVFAIL: too few to judge. */
	for (int k = 0; k < 7; k++)
		ck_assert(!dst_selector_servfail(s, 1, 50));
	ck_assert_int_eq(state(s, 1), DST_UP_UP);
	dst_selector_free(s);
}
END_TEST

START_TEST(test_mostly_servfail_counts_against_health)
{
	struct dst_selector *s = set_of(2, DST_UP_ORDERED);
	for (int k = 0; k < 8; k++)
		dst_selector_success(s, 0, 1000, 1);
	/* 9 of the last 16 SERVFAIL: a majority. */
	for (int k = 0; k < 8; k++)
		ck_assert(!dst_selector_servfail(s, 0, 2));
	ck_assert(dst_selector_servfail(s, 0, 3));
	ck_assert_int_eq(state(s, 0), DST_UP_SUSPECT);
	ck_assert_int_eq(dst_selector_health(s, 0)->last_status, DST_ESERVFAIL);
	ck_assert_int_eq(dst_selector_probe_due(s, 4), 0);
	ck_assert(dst_selector_servfail(s, 0, 5));
	ck_assert_int_eq(state(s, 0), DST_UP_DOWN);
	/* A good answer to a later probe brings it back with a clean slate. */
	ck_assert_int_eq(dst_selector_probe_due(s, 100000), 0);
	dst_selector_success(s, 0, 1000, 100001);
	ck_assert_int_eq(state(s, 0), DST_UP_UP);
	ck_assert(!dst_selector_servfail(s, 0, 100002));
	ck_assert_int_eq(state(s, 0), DST_UP_UP);
	dst_selector_free(s);
}
END_TEST

START_TEST(test_servfail_answer_brings_suspect_back)
{
	struct dst_selector *s = set_of(2, DST_UP_ORDERED);
	dst_selector_failure(s, 0, DST_ETIMEDOUT, "timed out", 1, 1);
	ck_assert(!dst_selector_servfail(s, 0, 2));
	ck_assert_int_eq(state(s, 0), DST_UP_UP);
	dst_selector_free(s);
}
END_TEST

START_TEST(test_reset_brings_everything_up_and_forgets_rtt)
{
	struct dst_selector *s = set_of(2, DST_UP_ORDERED);
	dst_selector_success(s, 1, 3000, 1);
	take_down(s, 0, 10);
	dst_selector_reset(s, 20);
	ck_assert_int_eq(state(s, 0), DST_UP_UP);
	ck_assert_uint_eq(dst_selector_health(s, 0)->backoff_ms, 0);
	ck_assert(!dst_selector_health(s, 1)->have_rtt);
	ck_assert_int_eq(dst_selector_pick(s, 0, 20), 0);
	/* Failures of attempts from before the reset say nothing about the new network. */
	dst_selector_failure(s, 0, DST_ETIMEDOUT, "timed out", 15, 25);
	ck_assert_int_eq(state(s, 0), DST_UP_UP);
	dst_selector_free(s);
}
END_TEST

START_TEST(test_reconfigure_keeps_the_health_of_kept_upstreams)
{
	struct dst_selector *s = set_of(2, DST_UP_ORDERED);
	struct dst_selector_opts o = {.strategy = DST_UP_ROUND_ROBIN, .rand = fake_rand};
	/* Upstream 1 moves to place 2; place 0 is new, and so is place 1. */
	static const int from[3] = {-1, -1, 1};
	take_down(s, 1, 10);
	dst_selector_set_available(s, 0, false);
	dst_selector_reconfigure(s, &o, 3, from);
	ck_assert_uint_eq(dst_selector_size(s), 3);
	ck_assert_int_eq(dst_selector_health(s, 2)->state, DST_UP_DOWN);
	ck_assert_int_eq(dst_selector_health(s, 0)->state, DST_UP_UP);
	ck_assert(dst_selector_health(s, 0)->available);
	/* The new strategy applies: round robin over 0 and 1. */
	ck_assert_int_eq(dst_selector_pick(s, 0, 20), 0);
	ck_assert_int_eq(dst_selector_pick(s, 0, 20), 1);
	ck_assert_int_eq(dst_selector_pick(s, 0, 20), 0);
	/* Out of range: nothing changes. */
	dst_selector_reconfigure(s, &o, DST_UP_MAX + 1, from);
	ck_assert_uint_eq(dst_selector_size(s), 3);
	dst_selector_free(s);
}
END_TEST

/* --- attempt timeout ---------------------------------------------------------- */

START_TEST(test_attempt_timeout_adapts_to_measured_rtt)
{
	struct dst_selector *s = set_of(1, DST_UP_ORDERED);
	ck_assert_uint_eq(dst_selector_attempt_timeout_ms(s, 0), DST_UP_INITIAL_TIMEOUT_MS);
	/* One 200 ms sample: SRTT 200, RTTVAR 100: 3 x 200 + 4 x 100. */
	dst_selector_success(s, 0, 200000, 1);
	ck_assert_uint_eq(dst_selector_attempt_timeout_ms(s, 0), 1000);
	/* A steady 2 ms upstream converges to the floor. */
	for (int k = 0; k < 100; k++)
		dst_selector_success(s, 0, 2000, 2);
	ck_assert_uint_eq(dst_selector_attempt_timeout_ms(s, 0), DST_UP_MIN_TIMEOUT_MS);
	/* A slow one is capped at query-timeout. */
	for (int k = 0; k < 10; k++)
		dst_selector_success(s, 0, 3000000, 3);
	ck_assert_uint_eq(dst_selector_attempt_timeout_ms(s, 0), 4000);
	dst_selector_free(s);
}
END_TEST

START_TEST(test_new_rejects_bad_sizes)
{
	struct dst_selector *s = NULL;
	struct dst_selector_opts o = {.rand = fake_rand};
	ck_assert_int_eq(dst_selector_new(&o, 0, &s), DST_EINVAL);
	ck_assert_int_eq(dst_selector_new(&o, DST_UP_MAX + 1, &s), DST_EINVAL);
	o.rand = NULL;
	ck_assert_int_eq(dst_selector_new(&o, 1, &s), DST_EINVAL);
	ck_assert_ptr_null(s);
}
END_TEST

/* --- reload: whether a running upstream's pool can be kept -------------------------- */

static struct dst_config_addr same_addrs[2] = {{.text = "192.0.2.1:853"},
					       {.text = "[2001:db8::1]:853"}};
static uint8_t same_pins[2][DST_CONFIG_PIN_LEN] = {{1, 2, 3}, {4, 5, 6}};

static struct dst_config_upstream base_upstream(void)
{
	return (struct dst_config_upstream){
		.name = "quad9",
		.addrs = same_addrs,
		.naddrs = 2,
		.tls_name = "dns.quad9.net",
		.pins = same_pins,
		.npins = 2,
		.max_connections = 2,
		.max_inflight = 128,
		.idle_timeout_ms = 10000,
		.host_port = 853,
	};
}

START_TEST(test_reload_keeps_an_upstream_whose_settings_are_all_equal)
{
	struct dst_config_upstream a = base_upstream(), b = base_upstream();
	char name[] = "quad9", tls[] = "dns.quad9.net";

	/* Equal by value, not by pointer: the new configuration has its own strings. */
	b.name = name;
	b.tls_name = tls;
	ck_assert(dst_upstream_same_transport(&a, 4000, &b, 4000));
}
END_TEST

START_TEST(test_reload_replaces_an_upstream_when_any_transport_setting_changed)
{
	struct dst_config_upstream a = base_upstream(), b;
	struct dst_config_addr other[2] = {{.text = "192.0.2.1:853"},
					   {.text = "[2001:db8::2]:853"}};
	uint8_t pins[2][DST_CONFIG_PIN_LEN] = {{1, 2, 3}, {4, 5, 7}};

	ck_assert(!dst_upstream_same_transport(&a, 4000, &a, 3000)); /* query-timeout: handshakes */
	b = base_upstream();
	b.name = "other";
	ck_assert(!dst_upstream_same_transport(&a, 4000, &b, 4000));
	b = base_upstream();
	b.addrs = other;
	ck_assert(!dst_upstream_same_transport(&a, 4000, &b, 4000));
	b = base_upstream();
	b.naddrs = 1;
	ck_assert(!dst_upstream_same_transport(&a, 4000, &b, 4000));
	b = base_upstream();
	b.tls_name = NULL;
	ck_assert(!dst_upstream_same_transport(&a, 4000, &b, 4000));
	b = base_upstream();
	b.ca_file = "/etc/ca.pem";
	ck_assert(!dst_upstream_same_transport(&a, 4000, &b, 4000));
	b = base_upstream();
	b.pins = pins;
	ck_assert(!dst_upstream_same_transport(&a, 4000, &b, 4000));
	b = base_upstream();
	b.npins = 1;
	ck_assert(!dst_upstream_same_transport(&a, 4000, &b, 4000));
	b = base_upstream();
	b.transport = DST_CONFIG_TRANSPORT_DNS;
	ck_assert(!dst_upstream_same_transport(&a, 4000, &b, 4000));
	b = base_upstream();
	b.host = "dns.quad9.net";
	ck_assert(!dst_upstream_same_transport(&a, 4000, &b, 4000));
	b = base_upstream();
	b.host_port = 8853;
	ck_assert(!dst_upstream_same_transport(&a, 4000, &b, 4000));
	b = base_upstream();
	b.max_connections = 3;
	ck_assert(!dst_upstream_same_transport(&a, 4000, &b, 4000));
	b = base_upstream();
	b.max_inflight = 64;
	ck_assert(!dst_upstream_same_transport(&a, 4000, &b, 4000));
	b = base_upstream();
	b.idle_timeout_ms = 5000;
	ck_assert(!dst_upstream_same_transport(&a, 4000, &b, 4000));
}
END_TEST

/*
 * A query's candidates (its zone's upstreams) are passed as everything
 * else "tried": picks and failover stay inside them, by the strategy.
 */
START_TEST(test_candidates_outside_the_zone_are_never_picked)
{
	struct dst_selector *s = set_of(4, DST_UP_ORDERED);
	uint64_t zone = (1u << 2) | (1u << 3), not_zone = ~zone;

	ck_assert_int_eq(dst_selector_pick(s, not_zone, 100), 2);
	/* 2 fails: failover goes to 3, never to the default upstreams 0 and 1. */
	dst_selector_failure(s, 2, DST_ETIMEDOUT, "timed out", 100, 200);
	ck_assert_int_eq(dst_selector_pick(s, not_zone | 1u << 2, 200), 3);
	ck_assert_int_eq(dst_selector_pick(s, not_zone | 1u << 2 | 1u << 3, 200), -1);
	/* With the zone's upstreams all suspect, still one of them, not an UP default one. */
	dst_selector_failure(s, 3, DST_ETIMEDOUT, "timed out", 100, 200);
	int i = dst_selector_pick(s, not_zone, 300);
	ck_assert(i == 2 || i == 3);
	/* A retry on a dead connection stays inside the zone too. */
	ck_assert_int_eq(dst_selector_pick_retry(s, not_zone | zone, 1u << 3, 300), 3);
	dst_selector_free(s);
}
END_TEST

START_TEST(test_round_robin_turns_within_the_candidates)
{
	struct dst_selector *s = set_of(4, DST_UP_ROUND_ROBIN);
	uint64_t zone = (1u << 1) | (1u << 3);

	/* Each first attempt of a zone query moves the turn on, among the zone's. */
	ck_assert_int_eq(dst_selector_pick_in(s, 0, zone, 10), 1);
	ck_assert_int_eq(dst_selector_pick_in(s, 0, zone, 10), 3);
	ck_assert_int_eq(dst_selector_pick_in(s, 0, zone, 10), 1);
	/* A failover (1 tried) is not a first attempt: the turn stays. */
	ck_assert_int_eq(dst_selector_pick_in(s, 1u << 1, zone, 10), 3);
	ck_assert_int_eq(dst_selector_pick_in(s, 0, zone, 10), 3);
	/* Default queries ({0, 2}) take their turns too. */
	ck_assert_int_eq(dst_selector_pick_in(s, 0, (1u << 0) | (1u << 2), 10), 0);
	ck_assert_int_eq(dst_selector_pick_in(s, 0, (1u << 0) | (1u << 2), 10), 2);
	ck_assert_int_eq(dst_selector_pick_in(s, 0, (1u << 0) | (1u << 2), 10), 0);
	/* Nothing allowed left: -1, never one outside. */
	ck_assert_int_eq(dst_selector_pick_in(s, zone, zone, 10), -1);
	ck_assert_int_eq(dst_selector_pick_retry_in(s, zone, 1u << 3, zone, 10), 3);
	ck_assert_int_eq(dst_selector_pick_retry_in(s, zone, 0, zone, 10), -1);
	dst_selector_free(s);
}
END_TEST

START_TEST(test_fastest_among_the_candidates_only)
{
	struct dst_selector *s = set_of(3, DST_UP_FASTEST);

	dst_selector_success(s, 0, 1000, 10);
	dst_selector_success(s, 1, 9000, 10);
	dst_selector_success(s, 2, 5000, 10);
	ck_assert_int_eq(dst_selector_pick(s, 0, 20), 0);
	ck_assert_int_eq(dst_selector_pick(s, 1u << 0, 20), 2);
	/* Zone {1}: the slow one is the only choice. */
	ck_assert_int_eq(dst_selector_pick(s, ~(uint64_t)(1u << 1), 20), 1);
	dst_selector_free(s);
}
END_TEST

START_TEST(test_probe_goes_only_to_a_candidate)
{
	struct dst_selector *s = set_of(3, DST_UP_ORDERED);

	/* 0 (a default upstream) is suspect; a query of zone {1, 2} must not probe it. */
	dst_selector_failure(s, 0, DST_ETIMEDOUT, "timed out", 10, 20);
	ck_assert_int_eq(state(s, 0), DST_UP_SUSPECT);
	ck_assert_int_eq(dst_selector_probe_due_in(s, 30, (1u << 1) | (1u << 2)), -1);
	ck_assert_int_eq(state(s, 0), DST_UP_SUSPECT);
	/* Zone {0}: nothing else UP among the candidates, so no probe either (the query goes). */
	ck_assert_int_eq(dst_selector_probe_due_in(s, 30, 1u << 0), -1);
	/* A default query ({0, 1}): probes 0 while 1 is UP. */
	ck_assert_int_eq(dst_selector_probe_due_in(s, 30, (1u << 0) | (1u << 1)), 0);
	ck_assert_int_eq(state(s, 0), DST_UP_PROBING);
	dst_selector_free(s);
}
END_TEST

/* --- routes (routes.c): zones to candidate sets ----------------------------------- */

static struct dst_config_zone route_zone(const char *name, uint8_t action, uint16_t *ups, size_t n)
{
	struct dst_config_zone z = {.action = action, .upstreams = ups, .nupstreams = n};

	z.wire_len = (uint16_t)dst_dns_name_from_text(name, z.wire);
	ck_assert_uint_gt(z.wire_len, 0);
	dst_dns_name_lower(z.wire, z.wire_len);
	return z;
}

/* The route of NAME (presentation form) through u. */
static struct dst_route route_of(const struct dst_upstreams *u, const char *name)
{
	uint8_t w[DST_DNS_MAX_NAME];
	size_t n = dst_dns_name_from_text(name, w);
	struct dst_route r;

	ck_assert_uint_gt(n, 0);
	dst_dns_name_lower(w, n);
	dst_upstreams_route(u, w, n, &r);
	return r;
}

START_TEST(test_routes_give_each_zone_its_upstreams_and_the_rest_the_defaults)
{
	struct dst_config_upstream ups[4] = {{.name = "pub1"},
					     {.name = "office", .zoned = true},
					     {.name = "lab", .zoned = true},
					     {.name = "pub2"}};
	uint16_t office[] = {1}, lab[] = {2, 1};
	struct dst_config_zone zones[] = {
		route_zone("corp.example", DST_CONFIG_ZONE_FORWARD, office, 1),
		route_zone("Lab.Corp.Example.", DST_CONFIG_ZONE_FORWARD, lab, 2),
		route_zone("ads.example", DST_CONFIG_ZONE_NXDOMAIN, NULL, 0),
		route_zone("no.example", DST_CONFIG_ZONE_REFUSE, NULL, 0),
		route_zone("settings.example", DST_CONFIG_ZONE_FORWARD, NULL, 0),
	};
	struct dst_config cfg = {.upstreams = ups, .nupstreams = 4, .zones = zones, .nzones = 5};
	struct dst_upstreams u = {0};
	struct dst_route r;

	ck_assert_int_eq(dst_upstream__routes_new(&cfg, &u.routes), 0);
	r = route_of(&u, "www.example.com");
	ck_assert_uint_eq(r.allowed, 0x9); /* the upstreams no zone names: 0 and 3 */
	ck_assert_uint_eq(r.zone, DST_ZONES_NONE);
	ck_assert_int_eq(r.action, DST_CONFIG_ZONE_FORWARD);
	r = route_of(&u, "WWW.corp.example.");
	ck_assert_uint_eq(r.allowed, 0x2);
	ck_assert_uint_eq(r.zone, 0);
	r = route_of(&u, "corp.example");
	ck_assert_uint_eq(r.zone, 0);
	r = route_of(&u, "a.b.lab.corp.example");
	ck_assert_uint_eq(r.allowed, 0x6); /* the longest zone wins */
	ck_assert_uint_eq(r.zone, 1);
	r = route_of(&u, "xlab.corp.example"); /* not under lab: a label is whole */
	ck_assert_uint_eq(r.zone, 0);
	r = route_of(&u, "tracker.ads.example");
	ck_assert_int_eq(r.action, DST_CONFIG_ZONE_NXDOMAIN);
	r = route_of(&u, "no.example");
	ck_assert_int_eq(r.action, DST_CONFIG_ZONE_REFUSE);
	r = route_of(&u, "www.settings.example"); /* no upstream: the defaults */
	ck_assert_uint_eq(r.allowed, 0x9);
	ck_assert_uint_eq(r.zone, 4);
	/* A hotspot: every name goes to its upstream, zones and actions included. */
	dst_upstreams_set_override(&u, 0x8);
	ck_assert_uint_eq(route_of(&u, "www.example.com").allowed, 0x8);
	ck_assert_uint_eq(route_of(&u, "www.corp.example").allowed, 0x8);
	r = route_of(&u, "tracker.ads.example");
	ck_assert_int_eq(r.action, DST_CONFIG_ZONE_FORWARD);
	ck_assert_uint_eq(r.allowed, 0x8);
	ck_assert_uint_eq(r.zone, DST_ZONES_NONE);
	dst_upstreams_set_override(&u, 0);
	ck_assert_uint_eq(route_of(&u, "www.example.com").allowed, 0x9);
	ck_assert_ptr_nonnull(dst_upstreams_zones(&u));
	dst_upstream__routes_free(u.routes);
}
END_TEST

/* A zone with settings only (dnssec = off) routes as its closest routing parent does. */
START_TEST(test_a_settings_only_zone_routes_as_its_enclosing_zone)
{
	struct dst_config_upstream ups[3] = {
		{.name = "pub"}, {.name = "office", .zoned = true}, {.name = "lab", .zoned = true}};
	uint16_t office[] = {1}, lab[] = {2};
	struct dst_config_zone zones[] = {
		route_zone("a.b.corp.example", DST_CONFIG_ZONE_FORWARD, NULL, 0),
		route_zone("corp.example", DST_CONFIG_ZONE_FORWARD, office, 1),
		route_zone("b.corp.example", DST_CONFIG_ZONE_FORWARD, lab, 1),
		route_zone("x.ads.example", DST_CONFIG_ZONE_FORWARD, NULL, 0),
		route_zone("ads.example", DST_CONFIG_ZONE_NXDOMAIN, NULL, 0),
		route_zone("alone.example", DST_CONFIG_ZONE_FORWARD, NULL, 0),
	};
	struct dst_config cfg = {.upstreams = ups, .nupstreams = 3, .zones = zones, .nzones = 6};
	struct dst_upstreams u = {0};
	struct dst_route r;

	ck_assert_int_eq(dst_upstream__routes_new(&cfg, &u.routes), 0);
	/* The closest routing zone (b.corp.example's lab), not corp.example, nor the defaults. */
	r = route_of(&u, "www.a.b.corp.example");
	ck_assert_uint_eq(r.allowed, 0x4);
	ck_assert_uint_eq(r.zone, 0); /* its own id: its dnssec setting is read from it */
	ck_assert_int_eq(r.action, DST_CONFIG_ZONE_FORWARD);
	/* An action is inherited too. */
	r = route_of(&u, "t.x.ads.example");
	ck_assert_int_eq(r.action, DST_CONFIG_ZONE_NXDOMAIN);
	ck_assert_uint_eq(r.zone, 3);
	/* Under no routing zone: the default upstreams. */
	r = route_of(&u, "www.alone.example");
	ck_assert_uint_eq(r.allowed, 0x1);
	ck_assert_uint_eq(r.zone, 5);
	dst_upstream__routes_free(u.routes);
}
END_TEST

static Suite *upstream_suite(void)
{
	Suite *s = suite_create("upstream");
	TCase *tc = tcase_create("selection");
	tcase_add_test(tc, test_ordered_picks_first_up_in_file_order);
	tcase_add_test(tc, test_ordered_fails_back_once_the_first_answers_again);
	tcase_add_test(tc, test_round_robin_spreads_over_up_upstreams);
	tcase_add_test(tc, test_fastest_picks_lowest_smoothed_rtt);
	tcase_add_test(tc, test_fastest_sends_one_in_fifty_elsewhere);
	tcase_add_test(tc, test_suspect_is_used_only_when_nothing_is_up);
	tcase_add_test(tc, test_all_down_still_picks_least_recently_failed);
	tcase_add_test(tc, test_unavailable_upstream_is_never_picked_or_probed);
	suite_add_tcase(s, tc);

	tc = tcase_create("retry_on_fresh_connection");
	tcase_add_test(tc, test_retry_on_dead_connection_comes_after_untried_upstreams);
	tcase_add_test(tc, test_no_retry_without_a_dead_connection);
	tcase_add_test(tc, test_retry_among_dead_connections_prefers_suspect_over_down);
	tcase_add_test(tc, test_retry_answer_brings_upstream_back_up);
	suite_add_tcase(s, tc);

	tc = tcase_create("health");
	tcase_add_test(tc, test_burst_of_failures_from_before_a_change_counts_once);
	tcase_add_test(tc, test_suspect_gets_a_probe_at_once);
	tcase_add_test(tc, test_backoff_doubles_with_jitter_up_to_max);
	tcase_add_test(tc, test_cause_is_kept_and_reported_once_per_change);
	tcase_add_test(tc, test_cancelled_attempts_are_not_failures);
	tcase_add_test(tc, test_occasional_servfail_keeps_upstream_up);
	tcase_add_test(tc, test_mostly_servfail_counts_against_health);
	tcase_add_test(tc, test_servfail_answer_brings_suspect_back);
	tcase_add_test(tc, test_reset_brings_everything_up_and_forgets_rtt);
	tcase_add_test(tc, test_reconfigure_keeps_the_health_of_kept_upstreams);
	suite_add_tcase(s, tc);

	tc = tcase_create("attempt_timeout");
	tcase_add_test(tc, test_attempt_timeout_adapts_to_measured_rtt);
	tcase_add_test(tc, test_new_rejects_bad_sizes);
	suite_add_tcase(s, tc);

	tc = tcase_create("candidates");
	tcase_add_test(tc, test_candidates_outside_the_zone_are_never_picked);
	tcase_add_test(tc, test_fastest_among_the_candidates_only);
	tcase_add_test(tc, test_round_robin_turns_within_the_candidates);
	tcase_add_test(tc, test_probe_goes_only_to_a_candidate);
	tcase_add_test(tc, test_routes_give_each_zone_its_upstreams_and_the_rest_the_defaults);
	tcase_add_test(tc, test_a_settings_only_zone_routes_as_its_enclosing_zone);
	suite_add_tcase(s, tc);

	tc = tcase_create("reload_plan");
	tcase_add_test(tc, test_reload_keeps_an_upstream_whose_settings_are_all_equal);
	tcase_add_test(tc, test_reload_replaces_an_upstream_when_any_transport_setting_changed);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(upstream_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
