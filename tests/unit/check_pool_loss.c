/*
 * The tls pool when things go wrong: lost and failed connections (one
 * retry per request), cancelled requests (orphans), and the silent-death
 * rules (dst_tls_timed_out, dst_tls_presumed_dead, suspect connections).
 * Fakes and helpers: check_pool.c, pool_test_util.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tests/unit/pool_test_util.h"

/* --- losses and failures ----------------------------------------------------------- */

START_TEST(test_lost_connection_resends_written_requests_once_then_fails_them)
{
	start(1, 8, 1);
	ask(0, "a.example");
	turn();
	ready(0);
	turn();
	lost(0, DST_ECONNRESET);
	ck_assert(fakes[0].closed);
	ck_assert_int_eq(fakes[0].close_status, DST_ECONNRESET);
	ck_assert_uint_eq(res[0].calls, 0);
	turn();
	ck_assert_uint_eq(nfakes, 2);
	ready(1);
	turn();
	ck_assert_uint_eq(sent_on(1, "a.example"), 1);
	/* b goes out on the second connection only: it has its retry left. */
	ask(1, "b.example");
	turn();
	lost(1, DST_EEOF);
	ck_assert_uint_eq(res[0].calls, 1);
	ck_assert_int_eq(res[0].status, DST_EEOF);
	ck_assert_uint_eq(res[1].calls, 0);
	turn();
	ck_assert_uint_eq(nfakes, 3);
	ready(2);
	turn();
	ck_assert_uint_eq(sent_on(2, "b.example"), 1);
	ck_assert_uint_eq(sent_on(2, "a.example"), 0);
	answer(2, "b.example");
	ck_assert(got_answer_for(1, 0xc001, "b.example"));
	ck_assert_uint_eq(res[0].calls, 1);
}
END_TEST

START_TEST(test_reset_resends_without_using_up_the_retry)
{
	start(1, 8, 1);
	ask(0, "a.example");
	turn();
	ready(0);
	turn();
	dst_tls_pool_reset(pool);
	turn();
	ck_assert(fakes[0].closed);
	ck_assert_int_eq(fakes[0].close_status, DST_ECANCELED);
	ck_assert_uint_eq(res[0].calls, 0);
	ck_assert_uint_eq(nfakes, 2);
	ready(1);
	turn();
	ck_assert_uint_eq(sent_on(1, "a.example"), 1);
	lost(1, DST_ECONNRESET); /* the first real loss: still re-sent */
	ck_assert_uint_eq(res[0].calls, 0);
	turn();
	ready(2);
	turn();
	ck_assert_uint_eq(sent_on(2, "a.example"), 1);
	lost(2, DST_ECONNRESET);
	ck_assert_uint_eq(res[0].calls, 1);
	ck_assert_int_eq(res[0].status, DST_ECONNRESET);
}
END_TEST

START_TEST(test_tls_send_failure_loses_the_connection)
{
	start(1, 8, 1);
	ask(0, "a.example");
	turn();
	ready(0);
	fakes[0].uncork_error = GNUTLS_E_INTERNAL_ERROR;
	turn();
	ck_assert(fakes[0].closed);
	ck_assert_int_eq(fakes[0].close_status, DST_ETLS);
	ck_assert_uint_eq(res[0].calls, 0); /* re-sent: a fresh connection is on its way */
	ck_assert_uint_eq(nfakes, 2);
	ready(1);
	turn();
	ck_assert_uint_eq(sent_on(1, "a.example"), 1);
}
END_TEST

START_TEST(test_connection_never_ready_tries_each_address_then_fails_requests)
{
	start(1, 8, 2);
	ask(0, "a.example");
	turn();
	ck_assert_uint_eq(fakes[0].addr_idx, 0);
	dst_tls__conn_failed(fakes[0].c, DST_ECONNREFUSED);
	ck_assert(fakes[0].closed);
	ck_assert_uint_eq(nfakes, 2);
	ck_assert_uint_eq(fakes[1].addr_idx, 1);
	ck_assert_uint_eq(res[0].calls, 0);
	dst_tls__conn_failed(fakes[1].c, DST_ETIMEDOUT);
	ck_assert_uint_eq(res[0].calls, 1);
	ck_assert_int_eq(res[0].status, DST_ETIMEDOUT);
	ck_assert_uint_eq(stats().conn_failures, 2);
	turn();
	ck_assert_uint_eq(nfakes, 2);
}
END_TEST

START_TEST(test_connection_that_cannot_open_fails_requests_from_the_loop)
{
	start(1, 8, 1);
	open_error = DST_ENOMEM;
	ask(0, "a.example");
	ck_assert_uint_eq(res[0].calls, 0); /* never from inside dst_tls_send */
	turn();
	ck_assert_uint_eq(res[0].calls, 1);
	ck_assert_int_eq(res[0].status, DST_ENOMEM);
	ck_assert_uint_eq(nfakes, 0);
}
END_TEST

START_TEST(test_closing_the_pool_cancels_every_request)
{
	start(1, 8, 1);
	ask(0, "a.example");
	turn();
	ready(0);
	turn();
	ask(1, "b.example"); /* still pending */
	dst_tls_pool_close(pool);
	pool = NULL;
	ck_assert_uint_eq(res[0].calls, 1);
	ck_assert_int_eq(res[0].status, DST_ECANCELED);
	ck_assert_uint_eq(res[1].calls, 1);
	ck_assert_int_eq(res[1].status, DST_ECANCELED);
	ck_assert(fakes[0].closed);
}
END_TEST

/* A caller that shuts everything down when told of a failure, as an owner may. */
static void close_pool_on_result(void *arg, int status, const uint8_t *wire, size_t len)
{
	struct result *r = arg;

	(void)wire;
	(void)len;
	r->calls++;
	r->status = status;
	if (pool) {
		dst_tls_pool_close(pool);
		pool = NULL;
	}
}

START_TEST(test_closing_the_pool_from_a_callback_mid_flush_fails_every_request_once)
{
	uint8_t q[MAXMSG];
	size_t n = build(q, 0xc002, false, "c.example", DST_DNS_TYPE_A);

	start(2, 2, 1);
	ask(0, "a.example");
	turn();
	ready(0);
	turn();
	/* Next flush: b takes connection 0's last slot (assigned, not yet written);
	 * c finds no room and no new connection, and its caller closes the pool. */
	ask(1, "b.example");
	ck_assert_int_eq(dst_tls_send(pool, q, n, close_pool_on_result, &res[2], &req[2]), 0);
	open_error = DST_ENOMEM;
	turn();
	ck_assert_ptr_null(pool);
	ck_assert_uint_eq(res[2].calls, 1);
	ck_assert_int_eq(res[2].status, DST_ENOMEM);
	ck_assert_uint_eq(res[0].calls, 1);
	ck_assert_int_eq(res[0].status, DST_ECANCELED);
	ck_assert_uint_eq(res[1].calls, 1);
	ck_assert_int_eq(res[1].status, DST_ECANCELED);
	ck_assert(fakes[0].closed);
	ck_assert_uint_eq(sent_on(0, "b.example"), 0);
	open_error = 0;
	turn();
	ck_assert_uint_eq(nfakes, 1); /* nothing opened on the closing pool */
}
END_TEST

/* --- cancellation ------------------------------------------------------------------ */

START_TEST(test_cancelled_pending_request_is_never_sent_nor_called_back)
{
	start(1, 8, 1);
	ask(0, "a.example");
	ask(1, "b.example");
	dst_tls_cancel(req[0], DST_ECANCELED);
	turn();
	ready(0);
	turn();
	ck_assert_uint_eq(sent_on(0, "a.example"), 0);
	ck_assert_uint_eq(sent_on(0, "b.example"), 1);
	ck_assert_uint_eq(fakes[0].c->inflight, 1);
	answer(0, "b.example");
	ck_assert_uint_eq(res[0].calls, 0);
	ck_assert_uint_eq(res[1].calls, 1);
}
END_TEST

START_TEST(test_cancelled_written_request_answer_is_dropped_as_orphan)
{
	start(1, 8, 1);
	ask(0, "a.example");
	ask(1, "b.example");
	turn();
	ready(0);
	turn();
	dst_tls_cancel(req[0], DST_ECANCELED);
	ck_assert_uint_eq(fakes[0].c->orphans, 1);
	ck_assert_uint_eq(fakes[0].c->inflight, 2); /* its ID stays reserved */
	answer(0, "a.example");
	ck_assert_uint_eq(res[0].calls, 0);
	ck_assert_uint_eq(fakes[0].c->orphans, 0);
	ck_assert_uint_eq(fakes[0].c->inflight, 1);
	ck_assert_uint_eq(stats().unmatched, 0); /* recognised, not a stray */
	answer(0, "b.example");
	ck_assert(got_answer_for(1, 0xc001, "b.example"));
	ck_assert_uint_eq(fakes[0].c->inflight, 0);
	ck_assert(!fakes[0].closed);
}
END_TEST

START_TEST(test_connection_full_of_orphans_is_closed)
{
	/* max_inflight 4: more than 2 orphans and the connection drains. */
	start(1, 4, 1);
	ask(0, "a.example");
	ask(1, "b.example");
	ask(2, "c.example");
	ask(3, "d.example");
	turn();
	ready(0);
	turn();
	dst_tls_cancel(req[0], DST_ECANCELED);
	dst_tls_cancel(req[1], DST_ECANCELED);
	dst_tls_cancel(req[2], DST_ECANCELED);
	ask(4, "e.example");
	turn();
	/* It takes no new request: e waits (max_connections 1). */
	ck_assert_uint_eq(sent_on(0, "e.example"), 0);
	ck_assert(!fakes[0].closed); /* d is still live */
	answer(0, "d.example");
	ck_assert_uint_eq(res[3].calls, 1);
	turn();
	ck_assert(fakes[0].closed);
	ck_assert_uint_eq(res[0].calls + res[1].calls + res[2].calls, 0);
	ck_assert_uint_eq(nfakes, 2);
	ready(1);
	turn();
	ck_assert_uint_eq(sent_on(1, "e.example"), 1);
}
END_TEST

START_TEST(test_timeout_cancel_on_a_silent_connection_presumes_it_dead)
{
	start(1, 8, 1);
	ask(0, "a.example");
	ask(1, "b.example");
	turn();
	ready(0);
	turn();
	dst_tls_cancel(req[0], DST_ETIMEDOUT);
	ck_assert(dst_tls_presumed_dead(req[1]));
	ck_assert_str_ne(dst_tls_pool_last_error(pool), "");
	turn();
	ck_assert(fakes[0].closed);
	ck_assert_int_eq(fakes[0].close_status, DST_ETIMEDOUT);
	ck_assert_uint_eq(res[1].calls, 0); /* re-sent on a fresh connection */
	ready(1);
	turn();
	ck_assert_uint_eq(sent_on(1, "b.example"), 1);
	ck_assert_uint_eq(sent_on(1, "a.example"), 0);
	ck_assert(!dst_tls_presumed_dead(req[1]));
}
END_TEST

START_TEST(test_cancel_on_timeout_after_an_answer_keeps_the_connection)
{
	start(1, 8, 1);
	ask(0, "a.example");
	ask(1, "b.example");
	turn();
	ready(0);
	turn();
	answer(0, "b.example");
	dst_tls_cancel(req[0], DST_ETIMEDOUT);
	turn();
	ck_assert(!fakes[0].closed);
	ck_assert_uint_eq(fakes[0].c->orphans, 1);
}
END_TEST

/* --- silent death ------------------------------------------------------------------ */

/*
 * Two ready connections that have both answered once (0 and 1); then
 * caller 2 asks "c.example", written on one of them. Returns which.
 */
static unsigned two_quiet_connections_then_ask_c(void)
{
	start(2, 1, 1);
	ask(0, "a.example");
	ask(1, "b.example");
	turn();
	ready(0);
	turn();
	ready(1);
	turn();
	answer(0, "a.example");
	answer(1, "b.example");
	ck_assert_uint_eq(res[0].calls + res[1].calls, 2);
	ask(2, "c.example");
	turn();
	unsigned k = sent_on(0, "c.example") ? 0 : 1;
	ck_assert_uint_eq(sent_on(k, "c.example"), 1);
	ck_assert_uint_eq(nfakes, 2);
	return k;
}

START_TEST(test_timed_out_suspects_a_silent_connection_and_silent_siblings)
{
	unsigned k = two_quiet_connections_then_ask_c();
	unsigned other = 1 - k;

	ck_assert(!dst_tls_presumed_dead(req[2]));
	ck_assert(dst_tls_timed_out(req[2]));
	ck_assert(dst_tls_presumed_dead(req[2]));
	ck_assert(fakes[k].c->suspect);
	ck_assert(fakes[other].c->suspect);
	ck_assert_uint_eq(res[2].calls, 0); /* the caller keeps the request */
	turn();
	/* The sibling has no live request: closed. k keeps c in flight. */
	ck_assert(fakes[other].closed);
	ck_assert_int_eq(fakes[other].close_status, DST_ETIMEDOUT);
	ck_assert(!fakes[k].closed);
	/* A second call reports the same, and changes nothing. */
	ck_assert(dst_tls_timed_out(req[2]));
	ck_assert_uint_eq(nfakes, 2);
}
END_TEST

START_TEST(test_timed_out_spares_a_sibling_that_heard_something_since)
{
	unsigned k = two_quiet_connections_then_ask_c();
	unsigned other = 1 - k;
	uint8_t a[MAXMSG];
	size_t n = build(a, 0x5555, true, "stray.example", DST_DNS_TYPE_A);

	frame_in(other, a, n); /* heard after c was written */
	ck_assert(dst_tls_timed_out(req[2]));
	ck_assert(fakes[k].c->suspect);
	ck_assert(!fakes[other].c->suspect);
	turn();
	ck_assert(!fakes[other].closed);
}
END_TEST

START_TEST(test_suspect_connection_takes_no_new_requests_a_fresh_one_opens)
{
	start(1, 8, 1);
	ask(0, "a.example");
	turn();
	ready(0);
	turn();
	ck_assert(dst_tls_timed_out(req[0]));
	ck_assert(fakes[0].c->suspect);
	ask(1, "b.example");
	turn();
	/* max_connections 1, yet a fresh one opens: a suspect one does not count. */
	ck_assert_uint_eq(nfakes, 2);
	ck_assert_uint_eq(sent_on(0, "b.example"), 0);
	ck_assert(!fakes[0].closed); /* a is still live on it */
	ready(1);
	turn();
	ck_assert_uint_eq(sent_on(1, "b.example"), 1);
	ck_assert_uint_eq(sent_on(1, "a.example"), 0); /* a stays where it was written */
	/* The suspect connection's late answer still counts. */
	answer(0, "a.example");
	ck_assert(got_answer_for(0, 0xc000, "a.example"));
}
END_TEST

START_TEST(test_any_frame_on_a_suspect_connection_trusts_it_again)
{
	unsigned k = two_quiet_connections_then_ask_c();
	uint8_t a[MAXMSG];
	size_t n = build(a, 0x5555, true, "stray.example", DST_DNS_TYPE_A);

	ck_assert(dst_tls_timed_out(req[2]));
	ck_assert(fakes[k].c->suspect);
	frame_in(k, a, n); /* matches nothing, but the connection is alive */
	ck_assert_uint_eq(stats().unmatched, 1);
	ck_assert(!fakes[k].c->suspect);
	ck_assert(!dst_tls_presumed_dead(req[2]));
	ck_assert(!dst_tls_timed_out(req[2])); /* heard since it was written */
	answer(k, "c.example");
	ask(3, "d.example");
	turn();
	ck_assert_uint_eq(sent_on(k, "d.example"), 1);
	ck_assert(!fakes[k].closed);
}
END_TEST

START_TEST(test_suspect_connection_closes_when_no_live_request_is_left)
{
	start(1, 8, 1);
	ask(0, "a.example");
	ask(1, "b.example");
	turn();
	ready(0);
	turn();
	ck_assert(dst_tls_timed_out(req[0]));
	dst_tls_cancel(req[0], DST_ECANCELED);
	turn();
	ck_assert(!fakes[0].closed); /* b is still live on it */
	dst_tls_cancel(req[1], DST_ECANCELED);
	turn();
	ck_assert(fakes[0].closed);
	ck_assert_uint_eq(res[0].calls + res[1].calls, 0);
}
END_TEST

START_TEST(test_presumed_dead_holds_only_while_the_connection_stays_silent)
{
	uint8_t a[MAXMSG];
	size_t n = build(a, 0x5555, true, "stray.example", DST_DNS_TYPE_A);

	start(1, 8, 1);
	ask(0, "a.example");
	ask(1, "b.example");
	turn();
	ready(0);
	turn();
	ck_assert(!dst_tls_presumed_dead(req[1]));
	dst_tls_cancel(req[0], DST_ETIMEDOUT); /* no answer since a was written: presumed dead */
	ck_assert(dst_tls_presumed_dead(req[1]));
	frame_in(0, a, n);
	ck_assert(!dst_tls_presumed_dead(req[1]));
}
END_TEST

START_TEST(test_timed_out_is_false_when_the_connection_answered_since)
{
	start(1, 8, 1);
	ask(0, "a.example");
	ask(1, "b.example");
	turn();
	ready(0);
	turn();
	answer(0, "b.example");
	ck_assert(!dst_tls_timed_out(req[0]));
	ck_assert(!fakes[0].c->suspect);
	ck_assert(!dst_tls_presumed_dead(req[0]));
	ask(2, "c.example");
	turn();
	ck_assert_uint_eq(sent_on(0, "c.example"), 1);
	ck_assert_uint_eq(nfakes, 1);
}
END_TEST

START_TEST(test_timed_out_is_false_for_a_request_not_yet_written)
{
	start(1, 8, 1);
	ask(0, "a.example");
	turn(); /* its connection is still opening */
	ck_assert(!dst_tls_timed_out(req[0]));
	ck_assert(!dst_tls_presumed_dead(req[0]));
	ck_assert(!fakes[0].c->suspect);
	turn();
	ck_assert_uint_eq(nfakes, 1);
	ready(0);
	turn();
	ck_assert_uint_eq(sent_on(0, "a.example"), 1);
}
END_TEST

START_TEST(test_timed_out_after_a_reset_leaves_the_resend_to_the_pool)
{
	start(1, 8, 1);
	ask(0, "a.example");
	turn();
	ready(0);
	turn();
	dst_tls_pool_reset(pool);
	ck_assert(!dst_tls_timed_out(req[0]));
	ck_assert(!dst_tls_presumed_dead(req[0]));
}
END_TEST

TCase *pool_tcase_loss(void)
{
	TCase *tc = tcase_create("loss");

	tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
	tcase_add_test(tc, test_lost_connection_resends_written_requests_once_then_fails_them);
	tcase_add_test(tc, test_reset_resends_without_using_up_the_retry);
	tcase_add_test(tc, test_tls_send_failure_loses_the_connection);
	tcase_add_test(tc, test_connection_never_ready_tries_each_address_then_fails_requests);
	tcase_add_test(tc, test_connection_that_cannot_open_fails_requests_from_the_loop);
	tcase_add_test(tc, test_closing_the_pool_cancels_every_request);
	tcase_add_test(tc,
		       test_closing_the_pool_from_a_callback_mid_flush_fails_every_request_once);
	return tc;
}

TCase *pool_tcase_cancel(void)
{
	TCase *tc = tcase_create("cancel");

	tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
	tcase_add_test(tc, test_cancelled_pending_request_is_never_sent_nor_called_back);
	tcase_add_test(tc, test_cancelled_written_request_answer_is_dropped_as_orphan);
	tcase_add_test(tc, test_connection_full_of_orphans_is_closed);
	tcase_add_test(tc, test_timeout_cancel_on_a_silent_connection_presumes_it_dead);
	tcase_add_test(tc, test_cancel_on_timeout_after_an_answer_keeps_the_connection);
	return tc;
}

TCase *pool_tcase_silence(void)
{
	TCase *tc = tcase_create("silence");

	tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
	tcase_add_test(tc, test_timed_out_suspects_a_silent_connection_and_silent_siblings);
	tcase_add_test(tc, test_timed_out_spares_a_sibling_that_heard_something_since);
	tcase_add_test(tc, test_suspect_connection_takes_no_new_requests_a_fresh_one_opens);
	tcase_add_test(tc, test_any_frame_on_a_suspect_connection_trusts_it_again);
	tcase_add_test(tc, test_suspect_connection_closes_when_no_live_request_is_left);
	tcase_add_test(tc, test_presumed_dead_holds_only_while_the_connection_stays_silent);
	tcase_add_test(tc, test_timed_out_is_false_when_the_connection_answered_since);
	tcase_add_test(tc, test_timed_out_is_false_for_a_request_not_yet_written);
	tcase_add_test(tc, test_timed_out_after_a_reset_leaves_the_resend_to_the_pool);
	return tc;
}
