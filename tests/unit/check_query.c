/*
 * The query engine (resolver/query/) linked alone: the upstream set is a
 * fake (every function of upstream/upstream.h the engine calls, plus the
 * request calls), the listeners are fake reply operations that record what
 * was sent, and time is injected (qs->now); all in query_fake.c. Events
 * are synthetic: an upstream answer or failure is delivered by calling the
 * request's callback, a timeout by dst_query__step. No socket is opened;
 * the libuv loop only closes the queries' timers at the end of each test.
 * The DNSSEC cases are in check_query_dnssec.c.
 */
#include "config.h"

#include "tests/unit/query_test_util.h"

#include "resolver/policy/blocklist.h"
#include "resolver/policy/policy.h"

/* --- tests ---------------------------------------------------------------------------- */

START_TEST(test_miss_goes_upstream_and_answer_reaches_client_then_hits_cache)
{
	struct dst_reply_to to = udp_client();

	ask(0x1111, &to);
	ck_assert_uint_eq(fake.nreq, 1);
	ck_assert_ptr_eq(fake.req[0].up, &fake.ups[0]);
	ck_assert_uint_eq(nsent, 0);
	ck_assert_uint_eq(dst_queries_pending(qs), 1);
	answer(0, LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(sent_id(0), 0x1111);
	ck_assert_uint_eq(sent_rcode(0), DST_DNS_RCODE_NOERROR);
	ck_assert_str_eq(sent[0].upstream, "up0");
	ck_assert_uint_eq(fake.ok[0], 1);
	ck_assert_uint_eq(dst_queries_pending(qs), 0);
	/* The same question again: answered from the cache, nothing upstream. */
	ask(0x2222, &to);
	ck_assert_uint_eq(fake.nreq, 1);
	ck_assert_uint_eq(nsent, 2);
	ck_assert_uint_eq(sent_id(1), 0x2222);
	ck_assert(!sent[1].to.from_query);
}
END_TEST

START_TEST(test_failed_attempt_fails_over_to_the_next_upstream)
{
	struct dst_reply_to to = udp_client();

	ask(0x1111, &to);
	fail_req(0, DST_ECONNREFUSED);
	ck_assert_uint_eq(fake.failed[0], 1);
	ck_assert_uint_eq(fake.nreq, 2);
	ck_assert_ptr_eq(fake.req[1].up, &fake.ups[1]);
	ck_assert_uint_eq(fake.last_tried, 1);
	answer(1, LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(sent_rcode(0), DST_DNS_RCODE_NOERROR);
	ck_assert_str_eq(sent[0].upstream, "up1");
}
END_TEST

START_TEST(test_timeout_moves_on_but_an_earlier_answer_still_wins)
{
	struct dst_reply_to to = udp_client();

	ask(0x1111, &to);
	now_ms += 500;
	dst_query__step(only_query(), DST_EV_TIMEOUT, DST_ETIMEDOUT);
	ck_assert_uint_eq(fake.failed[0], 1);
	ck_assert_uint_eq(fake.nreq, 2);
	ck_assert(fake.req[0].live); /* kept: its answer is still taken */
	answer(0, LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(nsent, 1);
	ck_assert_str_eq(sent[0].upstream, "up0");
	/* The second attempt is withdrawn as cancelled (not counted against up1). */
	ck_assert(!fake.req[1].live);
	ck_assert_int_eq(fake.req[1].cancelled, DST_ECANCELED);
}
END_TEST

START_TEST(test_hedge_moves_a_query_off_an_upstream_that_left_up)
{
	struct dst_reply_to to = udp_client();

	ask(0x1111, &to);
	dst_queries_hedge(qs, &fake.ups[0]);
	ck_assert_uint_eq(fake.nreq, 2);
	ck_assert_ptr_eq(fake.req[1].up, &fake.ups[1]);
	ck_assert(fake.req[0].live);
	/* A hedge for an upstream it does not wait on changes nothing. */
	dst_queries_hedge(qs, &fake.ups[2]);
	ck_assert_uint_eq(fake.nreq, 2);
	answer(1, LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(nsent, 1);
	ck_assert_int_eq(fake.req[0].cancelled, DST_ETIMEDOUT); /* moved on from: replaced */
}
END_TEST

START_TEST(test_deadline_gives_servfail_with_extended_error)
{
	struct dst_reply_to to = udp_client();
	struct msg m = {0};

	m_header(&m, 0x3333, FLAG_RD, 0, 1, 0, 0, 1);
	m_question(&m, QNAME, DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	m_opt(&m, 1232, 0, 0, 0);
	dst_query_handle(qs, m.b, m.n, &to);
	now_ms += cfg->query_timeout_ms;
	dst_query__step(only_query(), DST_EV_TIMEOUT, DST_ETIMEDOUT);
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(sent_rcode(0), DST_DNS_RCODE_SERVFAIL);
	ldns_pkt *p = from_wire(sent[0].wire, sent[0].len);
	ck_assert_ptr_nonnull(p);
	ck_assert(ldns_pkt_edns(p));
	ck_assert_uint_gt(ldns_rdf_size(ldns_pkt_edns_data(p)),
			  6); /* the EDE option and its text */
	ldns_pkt_free(p);
	ck_assert_uint_eq(dst_queries_pending(qs), 0);
}
END_TEST

START_TEST(test_servfail_is_retried_once_elsewhere_and_no_more)
{
	struct dst_reply_to to = udp_client();

	ask(0x1111, &to);
	answer(0, LDNS_RCODE_SERVFAIL);
	ck_assert_uint_eq(fake.servfail[0], 1);
	ck_assert_uint_eq(fake.nreq, 2);
	answer(1, LDNS_RCODE_SERVFAIL);
	ck_assert_uint_eq(fake.nreq, 2); /* up2 is not tried */
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(sent_rcode(0), DST_DNS_RCODE_SERVFAIL);
}
END_TEST

START_TEST(test_identical_queries_share_one_attempt_and_keep_their_ids)
{
	struct dst_reply_to to = udp_client();

	ask(0x1111, &to);
	ask(0x2222, &to);
	ck_assert_uint_eq(fake.nreq, 1);
	ck_assert_uint_eq(dst_queries_pending(qs), 2);
	answer(0, LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(nsent, 2);
	ck_assert_uint_eq(sent_id(0) + sent_id(1), 0x1111 + 0x2222);
	ck_assert_uint_eq(dst_queries_pending(qs), 0);
}
END_TEST

START_TEST(test_abort_drops_queries_without_an_answer)
{
	struct dst_reply_to to = udp_client();

	ask(0x1111, &to);
	dst_queries_abort_all(qs);
	ck_assert_uint_eq(nsent, 0);
	ck_assert(!fake.req[0].live);
	ck_assert_int_eq(fake.req[0].cancelled, DST_ECANCELED);
	ck_assert_uint_eq(dst_queries_pending(qs), 0);
}
END_TEST

START_TEST(test_orphaned_tcp_query_finishes_answering_nobody)
{
	struct dst_query_list list = {0};
	struct dst_reply_to to = {.tcp = (struct dst_tcp_client *)&list, .tcp_queries = &list};

	ask(0x1111, &to);
	ck_assert_uint_eq(list.n, 1);
	ck_assert_ptr_nonnull(list.head);
	dst_query_list_orphan(&list);
	ck_assert_uint_eq(list.n, 0);
	answer(0, LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(nsent, 0);
	ck_assert_uint_eq(ntcp_done, 0);
	ck_assert_uint_eq(dst_queries_pending(qs), 0);
}
END_TEST

START_TEST(test_tcp_client_is_told_when_its_query_finishes)
{
	struct dst_query_list list = {0};
	struct dst_reply_to to = {.tcp = (struct dst_tcp_client *)&list, .tcp_queries = &list};

	ask(0x1111, &to);
	answer(0, LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(nsent, 1);
	ck_assert_ptr_eq(sent[0].to.tcp, (struct dst_tcp_client *)&list);
	ck_assert_uint_eq(ntcp_done, 1);
	ck_assert_uint_eq(list.n, 0);
	ck_assert_ptr_null(list.head);
}
END_TEST

START_TEST(test_latency_counts_from_arrival_after_a_reload_changed_the_timeout)
{
	struct dst_reply_to to = udp_client();
	struct dst_config *shorter;

	ask(0x1111, &to);
	uint64_t arrived = now_ms;
	ck_assert_int_eq(dst_config_default(&shorter), 0);
	shorter->query_timeout_ms = 1000;
	dst_queries_reconfigure(qs, shorter, cache);
	now_ms += 700;
	answer(0, LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(nsent, 1);
	ck_assert(sent[0].to.from_query);
	ck_assert_uint_eq(sent[0].to.start_ms, arrived);
	dst_queries_reconfigure(qs, cfg, cache);
	dst_config_free(shorter);
}
END_TEST

START_TEST(test_query_waiting_for_a_first_address_goes_when_kicked)
{
	struct dst_reply_to to = udp_client();

	for (unsigned i = 0; i < NUPS; i++)
		fake.usable[i] = false;
	fake.resolving = true;
	ask(0x1111, &to);
	ck_assert_uint_eq(fake.nreq, 0);
	ck_assert_uint_eq(nsent, 0);
	ck_assert_uint_eq(dst_queries_pending(qs), 1);
	fake.usable[2] = true;
	fake.resolving = false;
	dst_queries_kick(qs);
	ck_assert_uint_eq(fake.nreq, 1);
	ck_assert_ptr_eq(fake.req[0].up, &fake.ups[2]);
	answer(0, LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(nsent, 1);
}
END_TEST

START_TEST(test_max_pending_answers_servfail_at_once)
{
	struct dst_reply_to to = udp_client();
	struct msg m = {0};

	cfg->max_pending = 1;
	ask(0x1111, &to);
	m_header(&m, 0x2222, FLAG_RD, 0, 1, 0, 0, 0);
	m_question(&m, "other.example", DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	dst_query_handle(qs, m.b, m.n, &to);
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(sent_id(0), 0x2222);
	ck_assert_uint_eq(sent_rcode(0), DST_DNS_RCODE_SERVFAIL);
	ck_assert_uint_eq(dst_queries_stats(qs)->pending_full, 1);
	ck_assert_uint_eq(fake.nreq, 1);
}
END_TEST

START_TEST(test_remap_renumbers_what_a_query_tried)
{
	struct dst_reply_to to = udp_client();
	int upmap[NUPS] = {2, -1, 0}; /* old 0 is now 2, old 1 is gone, old 2 is now 0 */

	ask(0x1111, &to);
	ck_assert_uint_eq(only_query()->tried, 1);
	dst_queries_remap(qs, upmap, NUPS);
	ck_assert_uint_eq(only_query()->tried, 1u << 2);
	fake.ups[0].index = 2;
	fake.ups[2].index = 0;
	fail_req(0, DST_ECONNREFUSED);
	ck_assert_uint_eq(fake.last_tried, 1u << 2);
	ck_assert_ptr_eq(fake.req[1].up, &fake.ups[1]);
}
END_TEST

START_TEST(test_stale_timer_answers_from_an_expired_entry_and_the_query_goes_on)
{
	struct dst_reply_to to = udp_client();

	cfg->cache_serve_stale_ms = 3600 * 1000;
	cfg->cache_stale_timeout_ms = 1;
	dst_cache_set_stale(cache, cfg->cache_serve_stale_ms);
	ask(0x1111, &to);
	answer(0, LDNS_RCODE_NOERROR); /* cached for 300 s */
	now_ms += 301 * 1000;
	ask(0x2222, &to);
	ck_assert_uint_eq(fake.nreq, 2); /* expired: a refresh goes upstream */
	ck_assert_uint_eq(nsent, 1);
	/* The stale timer is a real libuv timer of 1 ms: run the loop until it fires (bounded). */
	for (int i = 0; i < 200 && nsent < 2; i++)
		uv_run(&loop, UV_RUN_ONCE);
	ck_assert_uint_eq(nsent, 2);
	ck_assert_uint_eq(sent_id(1), 0x2222);
	ck_assert_uint_eq(dst_queries_stats(qs)->stale, 1);
	ck_assert_uint_eq(dst_queries_pending(qs), 1); /* still refreshing the entry */
	answer(1, LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(nsent, 2); /* the client was answered once, stale */
	ck_assert_uint_eq(dst_queries_pending(qs), 0);
}
END_TEST

START_TEST(test_silent_connection_gets_one_retry_of_its_upstream_on_a_fresh_one)
{
	struct dst_reply_to to = udp_client();

	fake.usable[1] = fake.usable[2] = false; /* one upstream: nothing untried to move to */
	ask(0x1111, &to);
	fake.req[0].silent = true;
	now_ms += 500;
	dst_query__step(only_query(), DST_EV_TIMEOUT, DST_ETIMEDOUT);
	ck_assert_uint_eq(fake.nreq, 2);
	ck_assert_ptr_eq(fake.req[1].up, &fake.ups[0]);
	ck_assert_uint_eq(fake.last_dead, 1);
	/* The fresh connection stays silent too: the upstream itself fails, no third try. */
	fake.req[1].silent = true;
	now_ms += 750;
	dst_query__step(only_query(), DST_EV_TIMEOUT, DST_ETIMEDOUT);
	ck_assert_uint_eq(fake.nreq, 2);
	answer(1, LDNS_RCODE_NOERROR); /* a late answer on the retry still wins */
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(sent_rcode(0), DST_DNS_RCODE_NOERROR);
}
END_TEST

START_TEST(test_timeout_on_a_connection_that_heard_something_is_not_retried)
{
	struct dst_reply_to to = udp_client();

	fake.usable[1] = fake.usable[2] = false;
	ask(0x1111, &to);
	now_ms += 500;
	dst_query__step(only_query(), DST_EV_TIMEOUT, DST_ETIMEDOUT);
	ck_assert_uint_eq(fake.nreq, 1);
	ck_assert_uint_eq(dst_queries_pending(qs), 1); /* waits for its one attempt */
}
END_TEST

START_TEST(test_untried_upstream_goes_before_a_fresh_retry)
{
	struct dst_reply_to to = udp_client();

	ask(0x1111, &to);
	fake.req[0].silent = true;
	now_ms += 500;
	dst_query__step(only_query(), DST_EV_TIMEOUT, DST_ETIMEDOUT);
	ck_assert_uint_eq(fake.nreq, 2);
	ck_assert_ptr_eq(fake.req[1].up, &fake.ups[1]);
}
END_TEST

START_TEST(test_formerr_and_any_are_answered_without_a_query)
{
	struct dst_reply_to to = udp_client();
	struct msg m = {0};

	m_header(&m, 0x4444, FLAG_RD, 0, 2, 0, 0, 0); /* two questions */
	m_question(&m, QNAME, DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	m_question(&m, QNAME, DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	dst_query_handle(qs, m.b, m.n, &to);
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(sent_rcode(0), DST_DNS_RCODE_FORMERR);
	memset(&m, 0, sizeof(m));
	m_header(&m, 0x5555, FLAG_RD, 0, 1, 0, 0, 0);
	m_question(&m, QNAME, DST_DNS_TYPE_ANY, DST_DNS_CLASS_IN);
	dst_query_handle(qs, m.b, m.n, &to);
	ck_assert_uint_eq(nsent, 2);
	ck_assert_uint_eq(sent_rcode(1), DST_DNS_RCODE_NOERROR);
	ck_assert_uint_eq(dst_queries_stats(qs)->any, 1);
	ck_assert_uint_eq(fake.nreq, 0);
	ck_assert_uint_eq(dst_queries_pending(qs), 0);
}
END_TEST

START_TEST(test_zone_route_limits_a_query_to_the_zones_upstreams)
{
	struct dst_reply_to to = udp_client();

	fake_route.allowed = UINT64_C(1) << 2; /* the zone's one upstream: up2 */
	ask(0x1111, &to);
	ck_assert_uint_eq(nroutes, 1);
	/* Matched on the lower-cased name. */
	ck_assert_int_eq(memcmp(routed_name, "\3www\7example\3com", QNAME_WIRE_LEN), 0);
	ck_assert_uint_eq(fake.nreq, 1);
	ck_assert_ptr_eq(fake.req[0].up, &fake.ups[2]);
	/* It fails: the default upstreams are not candidates, so no failover to them. */
	fail_req(0, DST_ECONNREFUSED);
	ck_assert_uint_eq(fake.nreq, 1);
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(sent_rcode(0), DST_DNS_RCODE_SERVFAIL);
	ck_assert_uint_eq(dst_queries_pending(qs), 0);
}
END_TEST

START_TEST(test_zone_route_fails_over_within_the_zones_upstreams)
{
	struct dst_reply_to to = udp_client();

	fake_route.allowed = (UINT64_C(1) << 1) | (UINT64_C(1) << 2);
	ask(0x1111, &to);
	ck_assert_ptr_eq(fake.req[0].up, &fake.ups[1]);
	fail_req(0, DST_ECONNREFUSED);
	ck_assert_uint_eq(fake.nreq, 2);
	ck_assert_ptr_eq(fake.req[1].up, &fake.ups[2]);
	answer(1, LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(sent_rcode(0), DST_DNS_RCODE_NOERROR);
}
END_TEST

START_TEST(test_nxdomain_zone_is_answered_at_once_with_an_soa)
{
	struct dst_reply_to to = udp_client();

	fake_route.action = DST_CONFIG_ZONE_NXDOMAIN;
	ask(0x1234, &to);
	ck_assert_uint_eq(fake.nreq, 0);
	ck_assert_uint_eq(dst_queries_pending(qs), 0);
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(sent_id(0), 0x1234);
	ldns_pkt *p = sent_pkt(0);
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	ck_assert(ldns_pkt_aa(p));
	ck_assert_uint_eq(ldns_pkt_nscount(p), 1);
	ldns_rr *soa = ldns_rr_list_rr(ldns_pkt_authority(p), 0);
	ck_assert_int_eq(ldns_rr_get_type(soa), LDNS_RR_TYPE_SOA);
	ck_assert_uint_eq(ldns_rr_ttl(soa), 300);
	ldns_pkt_free(p);
	/* Not cached: the same question again is routed (and answered) again. */
	ask(0x1235, &to);
	ck_assert_uint_eq(nroutes, 2);
	ck_assert_uint_eq(nsent, 2);
}
END_TEST

START_TEST(test_refuse_zone_is_answered_refused_without_going_upstream)
{
	struct dst_reply_to to = udp_client();

	fake_route.action = DST_CONFIG_ZONE_REFUSE;
	ask(0x1234, &to);
	ck_assert_uint_eq(fake.nreq, 0);
	ck_assert_uint_eq(nsent, 1);
	ldns_pkt *p = sent_pkt(0);
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_REFUSED);
	ck_assert_uint_eq(ldns_pkt_nscount(p), 0);
	ldns_pkt_free(p);
}
END_TEST

/* A policy with the local zones and a blocklist of example.com. */
static struct dst_policy *test_policy(void)
{
	static const char list[] = "example.com\n";
	struct dst_blocklist_builder *b;
	struct dst_blocklist *bl;
	struct dst_policy *p;

	ck_assert_int_eq(dst_blocklist_builder_new(NULL, NULL, &b), 0);
	ck_assert_int_eq(dst_blocklist_add_text(b, "list", list, sizeof(list) - 1, false), 0);
	ck_assert_int_eq(dst_blocklist_build(b, &bl), 0);
	ck_assert_int_eq(dst_policy_make(true, 5, NULL, bl, DST_POLICY_BLOCK_NXDOMAIN, &p), 0);
	return p;
}

START_TEST(test_policy_answers_before_the_cache_and_is_counted)
{
	struct dst_policy *p = test_policy();
	struct dst_reply_to to = udp_client();
	struct msg m = {0};

	dst_queries_set_policy(qs, p);
	ask(0x1111, &to); /* www.Example.COM: under the blocked example.com */
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(sent_rcode(0), DST_DNS_RCODE_NXDOMAIN);
	ck_assert_uint_eq(sent_id(0), 0x1111);
	ck_assert_uint_eq(sent[0].to.policy, DST_POLICY_BLOCKED); /* for the query log */
	ck_assert_uint_eq(dst_queries_stats(qs)->blocked, 1);
	/* Whatever the type: ANY is blocked too, not answered with RFC 8482's HINFO. */
	m_header(&m, 0x2222, FLAG_RD, 0, 1, 0, 0, 0);
	m_question(&m, QNAME, DST_DNS_TYPE_ANY, DST_DNS_CLASS_IN);
	dst_query_handle(qs, m.b, m.n, &to);
	ck_assert_uint_eq(sent_rcode(1), DST_DNS_RCODE_NXDOMAIN);
	ck_assert_uint_eq(dst_queries_stats(qs)->any, 0);
	memset(&m, 0, sizeof(m));
	m_header(&m, 0x3333, FLAG_RD, 0, 1, 0, 0, 0);
	m_question(&m, "LocalHost", DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	dst_query_handle(qs, m.b, m.n, &to);
	ck_assert_uint_eq(sent_rcode(2), DST_DNS_RCODE_NOERROR);
	ck_assert_uint_eq(sent[2].to.policy, DST_POLICY_LOCAL);
	ck_assert_uint_eq(dst_queries_stats(qs)->local, 1);
	ck_assert_uint_eq(fake.nreq, 0); /* nothing went upstream */
	ck_assert_uint_eq(dst_queries_pending(qs), 0);
	/* A worker already asked the policy for a message it passes on as missed. */
	ask(0x4444, &to);
	ck_assert_uint_eq(nsent, 4);
	struct dst_reply_to w = udp_client();
	struct msg mm = {0};
	m_header(&mm, 0x5555, FLAG_RD, 0, 1, 0, 0, 0);
	m_question(&mm, QNAME, DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	dst_query_handle_missed(qs, mm.b, mm.n, &w);
	ck_assert_uint_eq(fake.nreq, 1);
	/* Without a policy, the name goes upstream as before. */
	dst_queries_set_policy(qs, NULL);
	dst_policy_free(p);
	ask(0x6666, &to);
	ck_assert_uint_eq(nsent, 4);
	ck_assert_uint_eq(dst_queries_pending(qs), 2);
}
END_TEST

static Suite *query_suite(void)
{
	Suite *s = suite_create("query");
	TCase *life = tcase_create("life");
	TCase *failover = tcase_create("failover");
	TCase *clients = tcase_create("clients");

	tcase_add_checked_fixture(life, setup, teardown);
	tcase_add_checked_fixture(failover, setup, teardown);
	tcase_add_checked_fixture(clients, setup, teardown);
	tcase_add_test(life, test_miss_goes_upstream_and_answer_reaches_client_then_hits_cache);
	tcase_add_test(life, test_identical_queries_share_one_attempt_and_keep_their_ids);
	tcase_add_test(life, test_abort_drops_queries_without_an_answer);
	tcase_add_test(life, test_max_pending_answers_servfail_at_once);
	tcase_add_test(life, test_formerr_and_any_are_answered_without_a_query);
	tcase_add_test(life, test_policy_answers_before_the_cache_and_is_counted);
	tcase_add_test(life, test_latency_counts_from_arrival_after_a_reload_changed_the_timeout);
	tcase_add_test(life, test_stale_timer_answers_from_an_expired_entry_and_the_query_goes_on);
	tcase_add_test(failover, test_failed_attempt_fails_over_to_the_next_upstream);
	tcase_add_test(failover, test_timeout_moves_on_but_an_earlier_answer_still_wins);
	tcase_add_test(failover, test_hedge_moves_a_query_off_an_upstream_that_left_up);
	tcase_add_test(failover, test_deadline_gives_servfail_with_extended_error);
	tcase_add_test(failover, test_servfail_is_retried_once_elsewhere_and_no_more);
	tcase_add_test(failover, test_query_waiting_for_a_first_address_goes_when_kicked);
	tcase_add_test(failover, test_remap_renumbers_what_a_query_tried);
	tcase_add_test(failover,
		       test_silent_connection_gets_one_retry_of_its_upstream_on_a_fresh_one);
	tcase_add_test(failover, test_timeout_on_a_connection_that_heard_something_is_not_retried);
	tcase_add_test(failover, test_untried_upstream_goes_before_a_fresh_retry);
	tcase_add_test(failover, test_zone_route_limits_a_query_to_the_zones_upstreams);
	tcase_add_test(failover, test_zone_route_fails_over_within_the_zones_upstreams);
	tcase_add_test(life, test_nxdomain_zone_is_answered_at_once_with_an_soa);
	tcase_add_test(life, test_refuse_zone_is_answered_refused_without_going_upstream);
	tcase_add_test(clients, test_orphaned_tcp_query_finishes_answering_nobody);
	tcase_add_test(clients, test_tcp_client_is_told_when_its_query_finishes);
	suite_add_tcase(s, life);
	suite_add_tcase(s, failover);
	suite_add_tcase(s, clients);
	suite_add_tcase(s, query_tcase_dnssec());
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(query_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
