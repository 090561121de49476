/*
 * The tls pool's matching of answers to requests (by ID and question),
 * its IDs and batching, and its limits (max_inflight, max_connections).
 * Fakes and helpers: check_pool.c, pool_test_util.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tests/unit/pool_test_util.h"

/* --- matching ---------------------------------------------------------------------- */

START_TEST(test_answer_reaches_its_caller_with_the_callers_id)
{
	start(1, 8, 1);
	ask_id(0, 0x1234, "www.example.com");
	turn();
	ck_assert_uint_eq(nfakes, 1);
	ck_assert_uint_eq(fakes[0].nframes, 0); /* nothing before the session is up */
	ready(0);
	turn();
	ck_assert_uint_eq(sent_on(0, "www.example.com"), 1);
	ck_assert_uint_eq(res[0].calls, 0);
	answer(0, "www.example.com");
	ck_assert(got_answer_for(0, 0x1234, "www.example.com"));
	ck_assert_uint_eq(stats().answers, 1);
	ck_assert_uint_eq(stats().unmatched, 0);
	ck_assert_uint_eq(fakes[0].c->inflight, 0);
}
END_TEST

START_TEST(test_unknown_id_or_other_question_is_unmatched_and_delivers_nothing)
{
	uint8_t a[MAXMSG];
	size_t n;

	start(1, 8, 1);
	ask(0, "www.example.com");
	turn();
	ready(0);
	turn();
	uint16_t id = wire_id_on(0, "www.example.com");

	n = build(a, (uint16_t)(id + 1), true, "www.example.com", DST_DNS_TYPE_A);
	frame_in(0, a, n);
	ck_assert_uint_eq(stats().unmatched, 1);
	n = build(a, id, true, "www.example.org", DST_DNS_TYPE_A);
	frame_in(0, a, n);
	ck_assert_uint_eq(stats().unmatched, 2);
	n = build(a, id, true, "www.example.com", DST_DNS_TYPE_AAAA);
	frame_in(0, a, n);
	ck_assert_uint_eq(stats().unmatched, 3);
	frame_in(0, a, 5); /* shorter than a header */
	ck_assert_uint_eq(stats().unmatched, 4);
	ck_assert_uint_eq(res[0].calls, 0);
	ck_assert_uint_eq(stats().answers, 0);
	ck_assert_uint_eq(fakes[0].c->inflight, 1);

	/* The request is still waiting for its own answer. */
	answer(0, "www.example.com");
	ck_assert(got_answer_for(0, 0xc000, "www.example.com"));
	/* The same answer again names no live request. */
	n = build(a, id, true, "www.example.com", DST_DNS_TYPE_A);
	frame_in(0, a, n);
	ck_assert_uint_eq(stats().unmatched, 5);
	ck_assert_uint_eq(res[0].calls, 1);
}
END_TEST

START_TEST(test_question_matches_regardless_of_letter_case)
{
	uint8_t a[MAXMSG];
	size_t n;

	start(1, 8, 1);
	ask_id(0, 0x0a0a, "www.example.com");
	turn();
	ready(0);
	turn();
	/* A server may echo the name with its case changed (0x20 randomisation). */
	n = build(a, wire_id_on(0, "www.example.com"), true, "WwW.ExAMPLE.cOm", DST_DNS_TYPE_A);
	frame_in(0, a, n);
	ck_assert_uint_eq(stats().unmatched, 0);
	ck_assert_uint_eq(res[0].calls, 1);
	ck_assert_int_eq(res[0].status, 0);
	ck_assert_uint_eq(dst_dns_id(res[0].wire), 0x0a0a);
}
END_TEST

START_TEST(test_out_of_order_answers_each_reach_their_own_caller)
{
	start(1, 8, 1);
	ask(0, "a.example");
	ask(1, "b.example");
	ask(2, "c.example");
	turn();
	ready(0);
	turn();
	ck_assert_uint_eq(fakes[0].nframes, 3);
	answer(0, "c.example");
	ck_assert(got_answer_for(2, 0xc002, "c.example"));
	ck_assert_uint_eq(res[0].calls + res[1].calls, 0);
	answer(0, "a.example");
	ck_assert(got_answer_for(0, 0xc000, "a.example"));
	ck_assert_uint_eq(res[1].calls, 0);
	answer(0, "b.example");
	ck_assert(got_answer_for(1, 0xc001, "b.example"));
	ck_assert_uint_eq(stats().answers, 3);
}
END_TEST

START_TEST(test_answers_match_after_removals_from_a_crowded_id_table)
{
	/* 8 slots (max_inflight 4): all three IDs share home slot 5. */
	const uint16_t ids[] = {0x0105, 0x0205, 0x0305};

	start(1, 4, 1);
	script_ids(ids, 3);
	ask(0, "a.example");
	ask(1, "b.example");
	ask(2, "c.example");
	turn();
	ready(0);
	turn();
	ck_assert_uint_eq(fakes[0].c->slot_mask, 7);
	ck_assert_uint_eq(wire_id_on(0, "a.example"), 0x0105);
	ck_assert_uint_eq(wire_id_on(0, "b.example"), 0x0205);
	ck_assert_uint_eq(wire_id_on(0, "c.example"), 0x0305);
	answer(0, "a.example"); /* the one in the home slot goes first: the others shift back */
	answer(0, "c.example");
	answer(0, "b.example");
	ck_assert(got_answer_for(0, 0xc000, "a.example"));
	ck_assert(got_answer_for(1, 0xc001, "b.example"));
	ck_assert(got_answer_for(2, 0xc002, "c.example"));
	ck_assert_uint_eq(stats().unmatched, 0);
}
END_TEST

/* --- IDs and batching -------------------------------------------------------------- */

START_TEST(test_every_request_on_a_connection_gets_a_unique_id)
{
	uint16_t ids[60];
	char name[32];

	/* Every ID is drawn three times in a row: each new request hits taken ones. */
	for (unsigned i = 0; i < 60; i++)
		ids[i] = (uint16_t)(0x7700 + i / 3);
	start(1, 32, 1);
	script_ids(ids, 60);
	for (unsigned i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "q%u.example", i);
		ask(i, name);
	}
	turn();
	ready(0);
	turn();
	ck_assert_uint_eq(fakes[0].nframes, 20);
	for (unsigned i = 0; i < 20; i++)
		for (unsigned j = i + 1; j < 20; j++)
			ck_assert_uint_ne(dst_dns_id(fakes[0].frames[i].wire),
					  dst_dns_id(fakes[0].frames[j].wire));
	/* Each request kept the ID it was written with, in the table. */
	for (unsigned i = 0; i < 20; i++)
		ck_assert_uint_eq(req[i]->wire_id, dst_dns_id(fakes[0].frames[i].wire));
}
END_TEST

START_TEST(test_requests_ready_in_one_iteration_are_written_in_one_batch)
{
	start(1, 8, 1);
	ask(0, "a.example");
	ask(1, "b.example");
	ask(2, "c.example");
	turn();
	ready(0);
	turn();
	ck_assert_uint_eq(fakes[0].nframes, 3);
	ck_assert_uint_eq(fakes[0].corks, 1);
	ck_assert_uint_eq(fakes[0].uncorks, 1);
	ck_assert_uint_eq(fakes[0].flushes, 1);
	ck_assert_uint_eq(stats().queries, 3);
	ask(3, "d.example");
	ck_assert_uint_eq(fakes[0].nframes, 3); /* not from inside dst_tls_send */
	turn();
	ck_assert_uint_eq(fakes[0].nframes, 4);
	ck_assert_uint_eq(fakes[0].flushes, 2);
}
END_TEST

START_TEST(test_idle_timer_runs_only_while_nothing_is_in_flight)
{
	start(1, 8, 1);
	ask(0, "a.example");
	turn();
	ready(0);
	ck_assert_uint_eq(fakes[0].idle_arms, 0); /* a request is waiting for it */
	turn();
	answer(0, "a.example");
	ck_assert_uint_eq(fakes[0].idle_arms, 1);
	ck_assert(uv_is_active((uv_handle_t *)&fakes[0].c->timer));
	ask(1, "b.example");
	turn();
	ck_assert(!uv_is_active((uv_handle_t *)&fakes[0].c->timer));
	ck_assert_uint_eq(sent_on(0, "b.example"), 1);
}
END_TEST

/* --- limits ------------------------------------------------------------------------ */

START_TEST(test_max_inflight_holds_requests_until_a_slot_frees)
{
	start(1, 2, 1);
	ask(0, "a.example");
	ask(1, "b.example");
	ask(2, "c.example");
	turn();
	ready(0);
	turn();
	turn();
	ck_assert_uint_eq(fakes[0].nframes, 2);
	ck_assert_uint_eq(fakes[0].c->inflight, 2);
	ck_assert_uint_eq(pool->pending.len, 1);
	ck_assert_uint_eq(nfakes, 1); /* max_connections 1: no second one */
	answer(0, "b.example");
	ck_assert_uint_eq(fakes[0].nframes, 2);
	turn();
	ck_assert_uint_eq(sent_on(0, "c.example"), 1);
	ck_assert_uint_eq(pool->pending.len, 0);
	ck_assert_uint_eq(fakes[0].c->inflight, 2);
}
END_TEST

START_TEST(test_max_connections_caps_the_connections_opened)
{
	start(2, 1, 1);
	ask(0, "a.example");
	ask(1, "b.example");
	ask(2, "c.example");
	turn();
	ck_assert_uint_eq(nfakes, 1); /* one at a time: none opens while one is opening */
	turn();
	ck_assert_uint_eq(nfakes, 1);
	ready(0);
	turn();
	ck_assert_uint_eq(sent_on(0, "a.example"), 1);
	ck_assert_uint_eq(nfakes, 2);
	ready(1);
	turn();
	ck_assert_uint_eq(sent_on(1, "b.example"), 1);
	turn();
	ck_assert_uint_eq(nfakes, 2);
	ck_assert_uint_eq(stats().conns_open, 2);
	ck_assert_uint_eq(pool->pending.len, 1);
	answer(0, "a.example");
	turn();
	ck_assert_uint_eq(sent_on(0, "c.example"), 1);
	ck_assert_uint_eq(nfakes, 2);
}
END_TEST

TCase *pool_tcase_matching(void)
{
	TCase *tc = tcase_create("matching");

	tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
	tcase_add_test(tc, test_answer_reaches_its_caller_with_the_callers_id);
	tcase_add_test(tc, test_unknown_id_or_other_question_is_unmatched_and_delivers_nothing);
	tcase_add_test(tc, test_question_matches_regardless_of_letter_case);
	tcase_add_test(tc, test_out_of_order_answers_each_reach_their_own_caller);
	tcase_add_test(tc, test_answers_match_after_removals_from_a_crowded_id_table);
	return tc;
}

TCase *pool_tcase_ids(void)
{
	TCase *tc = tcase_create("ids");

	tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
	tcase_add_test(tc, test_every_request_on_a_connection_gets_a_unique_id);
	tcase_add_test(tc, test_requests_ready_in_one_iteration_are_written_in_one_batch);
	tcase_add_test(tc, test_idle_timer_runs_only_while_nothing_is_in_flight);
	return tc;
}

TCase *pool_tcase_limits(void)
{
	TCase *tc = tcase_create("limits");

	tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
	tcase_add_test(tc, test_max_inflight_holds_requests_until_a_slot_frees);
	tcase_add_test(tc, test_max_connections_caps_the_connections_opened);
	return tc;
}
