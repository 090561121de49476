/*
 * The query engine's DNSSEC behaviour (resolver/query/validate.c), with the
 * fakes of query_fake.c and no real signatures: which flags go upstream in
 * each mode, that an answer to validate starts a key fetch, and what
 * becomes of the client's query when the key fetch fails, is too late, is
 * joined, is aborted or comes back stripped of its RRSIGs. Outcomes that
 * need a valid chain of signatures are tested with real zones in
 * tests/integration (it_dnssec).
 *
 * Validation is on with the built-in root anchors; a DNSKEY answer that
 * does not match them makes the answer bogus, which is enough to see that
 * every client riding on a validation gets its outcome.
 */
#include "config.h"

#include "tests/unit/query_test_util.h"

#if DST_DNSSEC /* else (--disable-dnssec) there is no validator to test: an empty case */

#include "resolver/validate/validate.h"

#define FLAG_AD 0x20
#define EDNS_DO 0x8000
/* Any key and signature: they are parsed, never proven. */
#define B64 \
	"AwEAAagAIKlVZrpC6Ia7gEzahOR+9W29euxhJhVVLOyQbSEW0O8gcCjFFVQUTf6v58fLjwBd0YI0EzrAcQqBGCzh"

static struct dst_val_anchors *anchors;

static void dnssec_setup(void)
{
	setup();
	ck_assert_int_eq(dst_val_anchors_new(&anchors), 0);
	ck_assert_int_eq(dst_val_anchors_add_builtin(anchors), 0);
}

static void dnssec_teardown(void)
{
	teardown();
	dst_val_anchors_free(anchors);
	anchors = NULL;
}

static void validate_on(void)
{
	ck_assert_int_eq(dst_queries_set_anchors(qs, anchors, NULL), 0);
	ck_assert(dst_queries_validating(qs));
}

/* A client query for name/A with id; f3 the header's CD/AD bits; EDNS with or without DO. */
static void ask_ex(uint16_t id, const char *name, uint8_t f3, bool edns, bool do_bit)
{
	struct dst_reply_to to = udp_client();
	struct msg m = {0};

	m_header(&m, id, FLAG_RD, f3, 1, 0, 0, edns ? 1 : 0);
	m_question(&m, name, DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	if (edns)
		m_opt(&m, 1232, 0, 0, do_bit ? EDNS_DO : 0);
	dst_query_handle(qs, m.b, m.n, &to);
}

static bool req_cd(unsigned i)
{
	return (fake.req[i].wire[3] & FLAG_CD) != 0;
}

static bool req_do(unsigned i)
{
	ldns_pkt *p = from_wire(fake.req[i].wire, fake.req[i].len);
	bool d = ldns_pkt_edns_do(p);

	ldns_pkt_free(p);
	return d;
}

/* Whether upstream request i asks name (presentation, lower case) / type. */
static bool req_asks(unsigned i, const char *name, ldns_rr_type type)
{
	ldns_pkt *p = from_wire(fake.req[i].wire, fake.req[i].len);
	ldns_rr *q = ldns_rr_list_rr(ldns_pkt_question(p), 0);
	char *s = ldns_rdf2str(ldns_rr_owner(q));
	bool same = strcasecmp(s, name) == 0 && ldns_rr_get_type(q) == type;

	free(s);
	ldns_pkt_free(p);
	return same;
}

/* Upstream request i gets an A record for qstr's name (owner), AD as given. */
static void answer_a(unsigned i, const char *qstr, const char *owner, bool ad)
{
	char rr[300];
	ldns_pkt *p = answer_pkt(fake.req[i].id, LDNS_RCODE_NOERROR, qstr);

	ldns_pkt_set_ad(p, ad);
	snprintf(rr, sizeof(rr), "%s 300 IN A 192.0.2.1", owner);
	add_rr(p, AN, rr);
	answer_with(i, p);
}

/* Upstream request i (". DNSKEY") gets a DNSKEY set no anchor matches, signed or stripped. */
static void answer_root_keys(unsigned i, bool with_rrsig)
{
	ldns_pkt *p = answer_pkt(fake.req[i].id, LDNS_RCODE_NOERROR, ". IN DNSKEY");

	add_rr(p, AN, ". 172800 IN DNSKEY 257 3 8 " B64);
	if (with_rrsig)
		add_rr(p, AN,
		       ". 172800 IN RRSIG DNSKEY 8 0 172800 20370101000000 20200101000000 "
		       "12345 . " B64);
	answer_with(i, p);
}

static void answer_rcode(unsigned i, const char *qstr, uint8_t rcode)
{
	answer_with(i, answer_pkt(fake.req[i].id, rcode, qstr));
}

/* The EDE of client answer i: its info-code and text (NUL-terminated); fails without one. */
static uint16_t sent_ede(unsigned i, char *text, size_t cap)
{
	ldns_pkt *p = sent_pkt(i);
	ldns_rdf *d = ldns_pkt_edns_data(p);
	uint16_t code = 0;
	bool found = false;

	ck_assert_ptr_nonnull(d);
	const uint8_t *o = ldns_rdf_data(d);
	size_t len = ldns_rdf_size(d);
	for (size_t k = 0; k + 4 <= len;) {
		uint16_t c = dst_dns_get16(o + k), l = dst_dns_get16(o + k + 2);
		ck_assert_uint_le(k + 4 + l, len);
		if (c == DST_DNS_EDNS_EDE) {
			ck_assert_uint_ge(l, 2);
			ck_assert_uint_lt(l - 2u, cap);
			code = dst_dns_get16(o + k + 4);
			memcpy(text, o + k + 6, l - 2u);
			text[l - 2u] = '\0';
			found = true;
		}
		k += 4u + l;
	}
	ldns_pkt_free(p);
	ck_assert_msg(found, "no EDE in answer %u", i);
	return code;
}

/* The live query in mode (enum dst_qdnssec_mode); fails when there is none. */
static struct dst_query *query_in(uint8_t mode)
{
	for (struct dst_query *q = qs->list; q; q = q->next)
		if (q->dnssec == mode)
			return q;
	ck_abort_msg("no query in dnssec mode %u", mode);
	return NULL;
}

/* Runs the loop until no timer is due (bounded): a fetch's end resumes its parent there. */
static void run_due_timers(void)
{
	for (int i = 0; i < 20; i++)
		uv_run(&loop, UV_RUN_NOWAIT);
}

/* A client query (EDNS, no DO) whose unsigned answer waits for the root's keys (request 1). */
static void answer_waits_for_root_keys(uint16_t id)
{
	validate_on();
	ask_ex(id, QNAME, 0, true, false);
	ck_assert_uint_eq(fake.nreq, 1);
	answer_a(0, QSTR, "www.example.com.", false);
	ck_assert_uint_eq(nsent, 0);
	ck_assert_uint_eq(fake.nreq, 2);
	ck_assert(req_asks(1, ".", LDNS_RR_TYPE_DNSKEY));
	ck_assert_uint_eq(query_in(DST_QDNSSEC_VALIDATE)->state, DST_Q_WAIT_KEYS);
}

/* --- modes: what goes upstream ----------------------------------------------------- */

START_TEST(test_without_anchors_do_and_cd_go_upstream_as_the_client_sent_them)
{
	ask_ex(0x1111, QNAME, 0, true, false);
	ck_assert(!dst_queries_validating(qs));
	ck_assert_uint_eq(fake.nreq, 1);
	ck_assert(!req_cd(0));
	ck_assert(!req_do(0));
	ask_ex(0x2222, "other.example", FLAG_CD, true, true);
	ck_assert_uint_eq(fake.nreq, 2);
	ck_assert(req_cd(1));
	ck_assert(req_do(1));
	/* The upstream's AD is passed on to a DO client: it is the upstream's word. */
	answer_a(1, "other.example. IN A", "other.example.", true);
	ck_assert_uint_eq(nsent, 1);
	ck_assert(sent[0].wire[3] & FLAG_AD);
	ck_assert_uint_eq(fake.nreq, 2); /* nothing else asked: no key fetch */
}
END_TEST

START_TEST(test_validated_query_goes_upstream_with_do_and_cd)
{
	validate_on();
	ask_ex(0x1111, QNAME, 0, false, false); /* no EDNS at all */
	ck_assert_uint_eq(fake.nreq, 1);
	ck_assert(req_cd(0));
	ck_assert(req_do(0));
	ck_assert_uint_eq(query_in(DST_QDNSSEC_VALIDATE)->state, DST_Q_WAIT_REPLY);
}
END_TEST

START_TEST(test_client_cd_goes_upstream_with_cd_its_own_do_and_is_not_validated)
{
	validate_on();
	ask_ex(0x1111, QNAME, FLAG_CD, true, false);
	ck_assert(req_cd(0));
	ck_assert(!req_do(0)); /* the client's own DO: none */
	ask_ex(0x2222, "other.example", FLAG_CD, true, true);
	ck_assert(req_cd(1));
	ck_assert(req_do(1));
	/* The upstream says AD: not passed on (with validation on, AD is only ours). */
	answer_a(0, QSTR, "www.example.com.", true);
	answer_a(1, "other.example. IN A", "other.example.", true);
	ck_assert_uint_eq(nsent, 2);
	ck_assert_uint_eq(sent_rcode(0), DST_DNS_RCODE_NOERROR);
	ck_assert_uint_eq(sent_rcode(1), DST_DNS_RCODE_NOERROR);
	ck_assert(!(sent[0].wire[3] & FLAG_AD));
	ck_assert(!(sent[1].wire[3] & FLAG_AD));
	ck_assert_uint_eq(fake.nreq, 2); /* no key fetch */
	ck_assert_uint_eq(dst_queries_key_zones(qs), 0);
	ck_assert_uint_eq(dst_queries_pending(qs), 0);
}
END_TEST

static void fail_on_error(void *arg, const char *msg)
{
	ck_abort_msg("config: %s", msg);
}

START_TEST(test_zone_with_dnssec_off_goes_upstream_with_cd_and_is_not_validated)
{
	/* Parsed only: the engine reaches upstreams through the fakes. */
	static const char text[] = "[upstream u]\naddress = 127.0.0.1\ntls-name = u.test\n"
				   "[zone example.com]\ndnssec = off\n";
	struct dst_config *zcfg;

	ck_assert_int_eq(
		dst_config_parse("zone.conf", text, sizeof(text) - 1, &zcfg, fail_on_error, NULL),
		0);
	fake_route.zone = UINT32_MAX;
	for (uint32_t z = 0; z < zcfg->nzones; z++)
		if (strcmp(zcfg->zones[z].name, "example.com.") == 0)
			fake_route.zone = z;
	ck_assert_uint_lt(fake_route.zone, zcfg->nzones);
	ck_assert(!dst_config_zone_validates(zcfg, fake_route.zone));
	dst_queries_reconfigure(qs, zcfg, cache);
	validate_on();
	ask_ex(0x1111, QNAME, 0, true, true);
	ck_assert_uint_eq(fake.nreq, 1);
	ck_assert(req_cd(0));
	ck_assert(req_do(0));
	ck_assert_uint_eq(only_query()->dnssec, DST_QDNSSEC_UNCHECKED);
	answer_a(0, QSTR, "www.example.com.", true);
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(sent_rcode(0), DST_DNS_RCODE_NOERROR);
	ck_assert(!(sent[0].wire[3] & FLAG_AD));
	ck_assert_uint_eq(fake.nreq, 1); /* no key fetch */
	ck_assert_uint_eq(dst_queries_pending(qs), 0);
	dst_queries_reconfigure(qs, cfg, cache);
	dst_config_free(zcfg);
}
END_TEST

/* --- key fetches -------------------------------------------------------------------- */

START_TEST(test_unsigned_answer_fetches_the_root_dnskey_with_do_and_cd)
{
	answer_waits_for_root_keys(0x1111);
	ck_assert(req_do(1));
	ck_assert(req_cd(1));
	ck_assert_ptr_eq(fake.req[1].up, &fake.ups[0]);
	ck_assert(!fake.req[0].live); /* the answer came: nothing of the client's is out */
	ck_assert_uint_eq(dst_queries_pending(qs), 2); /* the client's query and its fetch */
	ck_assert_ptr_eq(query_in(DST_QDNSSEC_FETCH)->parent, query_in(DST_QDNSSEC_VALIDATE));
}
END_TEST

/* A cold chain below the root: every zone's DS and DNSKEY go out at once, not one per round trip. */
START_TEST(test_a_cold_chain_is_fetched_in_parallel)
{
	validate_on();
	ask_ex(0x1111, QNAME, 0, true, false);
	ck_assert_uint_eq(fake.nreq, 1);
	ldns_pkt *p = answer_pkt(fake.req[0].id, LDNS_RCODE_NOERROR, QSTR);
	add_rr(p, AN, "www.example.com. 300 IN A 192.0.2.1");
	add_rr(p, AN,
	       "www.example.com. 300 IN RRSIG A 8 3 300 20370101000000 20200101000000 4242 "
	       "example.com. " B64);
	answer_with(0, p);
	ck_assert_uint_eq(nsent, 0);
	/* . DNSKEY, com. DNSKEY and DS, example.com. DNSKEY and DS: all out, none answered yet. */
	ck_assert_uint_eq(fake.nreq, 6);
	const char *names[] = {".", "com.", "com.", "example.com.", "example.com."};
	const ldns_rr_type types[] = {LDNS_RR_TYPE_DNSKEY, LDNS_RR_TYPE_DNSKEY, LDNS_RR_TYPE_DS,
				      LDNS_RR_TYPE_DNSKEY, LDNS_RR_TYPE_DS};
	for (unsigned i = 0; i < 5; i++) {
		ck_assert_msg(req_asks(i + 1, names[i], types[i]), "request %u", i + 1);
		ck_assert(req_do(i + 1));
		ck_assert(req_cd(i + 1));
		ck_assert(fake.req[i + 1].live);
	}
	/* The walk's own fetch (example.com. DS) rode on the one already out. */
	ck_assert_uint_eq(query_in(DST_QDNSSEC_VALIDATE)->state, DST_Q_WAIT_KEYS);
	dst_queries_abort_all(qs);
	ck_assert_uint_eq(dst_queries_pending(qs), 0);
}
END_TEST

START_TEST(test_failed_key_fetch_gives_servfail_dnssec_bogus_naming_the_query)
{
	char text[256];

	answer_waits_for_root_keys(0x1111);
	/* A SERVFAIL is tried once more elsewhere, then the fetch gives up. */
	answer_rcode(1, ". IN DNSKEY", LDNS_RCODE_SERVFAIL);
	ck_assert_uint_eq(fake.nreq, 3);
	ck_assert(req_asks(2, ".", LDNS_RR_TYPE_DNSKEY));
	ck_assert_ptr_eq(fake.req[2].up, &fake.ups[1]);
	answer_rcode(2, ". IN DNSKEY", LDNS_RCODE_SERVFAIL);
	ck_assert_uint_eq(fake.nreq, 3);
	ck_assert_uint_eq(nsent, 0); /* the parent resumes from its timer */
	run_due_timers();
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(sent_id(0), 0x1111);
	ck_assert_uint_eq(sent_rcode(0), DST_DNS_RCODE_SERVFAIL);
	ck_assert_uint_eq(sent_ede(0, text, sizeof(text)), DST_DNS_EDE_DNSSEC_BOGUS);
	ck_assert_str_eq(text, "no upstream answered the DNSKEY query for .");
	ck_assert_uint_eq(dst_queries_stats(qs)->dnssec_bogus, 1);
	ck_assert_uint_eq(dst_queries_pending(qs), 0);
}
END_TEST

START_TEST(test_key_fetch_failing_on_every_upstream_gives_servfail_dnssec_bogus)
{
	char text[256];

	answer_waits_for_root_keys(0x1111);
	fail_req(1, DST_ECONNREFUSED);
	fail_req(2, DST_ECONNREFUSED);
	fail_req(3, DST_ECONNREFUSED);
	ck_assert_uint_eq(fake.nreq, 4);
	run_due_timers();
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(sent_rcode(0), DST_DNS_RCODE_SERVFAIL);
	ck_assert_uint_eq(sent_ede(0, text, sizeof(text)), DST_DNS_EDE_DNSSEC_BOGUS);
	ck_assert_str_eq(text, "no upstream answered the DNSKEY query for .");
	ck_assert_uint_eq(dst_queries_pending(qs), 0);
}
END_TEST

START_TEST(test_deadline_during_a_key_fetch_gives_servfail_dnssec_bogus_too_late)
{
	char text[256];

	answer_waits_for_root_keys(0x1111);
	struct dst_query *fetch = query_in(DST_QDNSSEC_FETCH);
	now_ms += cfg->query_timeout_ms;
	dst_query__step(query_in(DST_QDNSSEC_VALIDATE), DST_EV_TIMEOUT, DST_ETIMEDOUT);
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(sent_rcode(0), DST_DNS_RCODE_SERVFAIL);
	ck_assert_uint_eq(sent_ede(0, text, sizeof(text)), DST_DNS_EDE_DNSSEC_BOGUS);
	ck_assert_str_eq(text, "the keys needed did not come in time");
	/* The fetch was detached and ends at its own deadline, answering nobody. */
	ck_assert_ptr_eq(only_query(), fetch);
	ck_assert_ptr_null(fetch->parent);
	dst_query__step(fetch, DST_EV_TIMEOUT, DST_ETIMEDOUT);
	run_due_timers();
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(dst_queries_pending(qs), 0);
}
END_TEST

START_TEST(test_identical_query_joins_a_validation_and_gets_the_same_answer)
{
	char text0[256], text1[256];

	answer_waits_for_root_keys(0x1111);
	ask_ex(0x2222, QNAME, 0, true, false);
	ck_assert_uint_eq(fake.nreq, 2); /* joined: nothing more upstream */
	ck_assert_uint_eq(dst_queries_pending(qs), 3);
	/* Keys signed, but not the root's: the answer is bogus, for both clients. */
	answer_root_keys(1, true);
	run_due_timers();
	ck_assert_uint_eq(nsent, 2);
	ck_assert_uint_eq(sent_id(0) + sent_id(1), 0x1111 + 0x2222);
	ck_assert_uint_eq(sent_rcode(0), DST_DNS_RCODE_SERVFAIL);
	ck_assert_uint_eq(sent_rcode(1), DST_DNS_RCODE_SERVFAIL);
	ck_assert_uint_eq(sent_ede(0, text0, sizeof(text0)), DST_DNS_EDE_DNSSEC_BOGUS);
	ck_assert_uint_eq(sent_ede(1, text1, sizeof(text1)), DST_DNS_EDE_DNSSEC_BOGUS);
	ck_assert_str_eq(text0, text1);
	ck_assert_uint_eq(dst_queries_pending(qs), 0);
}
END_TEST

START_TEST(test_abort_while_waiting_on_a_key_fetch_answers_nobody)
{
	answer_waits_for_root_keys(0x1111);
	dst_queries_abort_all(qs);
	ck_assert_uint_eq(nsent, 0);
	ck_assert(!fake.req[1].live);
	ck_assert_int_eq(fake.req[1].cancelled, DST_ECANCELED);
	ck_assert_uint_eq(dst_queries_pending(qs), 0);
	run_due_timers();
	ck_assert_uint_eq(nsent, 0);
}
END_TEST

/* A reload that turns validation off while a query waits on keys: it is answered unchecked. */
START_TEST(test_validation_turned_off_during_a_walk_answers_unchecked)
{
	answer_waits_for_root_keys(0x1111);
	ck_assert_int_eq(dst_queries_set_anchors(qs, NULL, NULL), 0);
	ck_assert(!dst_queries_validating(qs));
	answer_root_keys(1, true);
	run_due_timers();
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(sent_rcode(0), DST_DNS_RCODE_NOERROR);
	ldns_pkt *p = sent_pkt(0);
	ck_assert(!ldns_pkt_ad(p));
	ck_assert_uint_eq(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);
	ck_assert_uint_eq(dst_queries_pending(qs), 0);
	/* A new query is not validated: it goes upstream as the client sent it. */
	unsigned before = fake.nreq;
	ask_ex(0x2222, "other.example.com", 0, true, false);
	ck_assert_uint_eq(fake.nreq, before + 1);
	ck_assert(req_asks(before, "other.example.com.", LDNS_RR_TYPE_A));
	ck_assert(!req_cd(fake.nreq - 1));
	ck_assert(!req_do(fake.nreq - 1));
}
END_TEST

START_TEST(test_key_fetch_answered_without_rrsig_moves_to_the_next_upstream)
{
	fake.usable[2] = false; /* two upstreams */
	answer_waits_for_root_keys(0x1111);
	answer_root_keys(1, false);
	ck_assert(dst_queries_upstream_strips(qs, 0));
	ck_assert(!dst_queries_upstream_strips(qs, 1));
	ck_assert_uint_eq(fake.nreq, 3);
	ck_assert_ptr_eq(fake.req[2].up, &fake.ups[1]);
	ck_assert(req_asks(2, ".", LDNS_RR_TYPE_DNSKEY));
	ck_assert(req_do(2));
	ck_assert(req_cd(2));
	ck_assert_uint_eq(nsent, 0);
	ck_assert_uint_eq(dst_queries_pending(qs), 2);
}
END_TEST

START_TEST(test_every_upstream_stripping_rrsigs_gives_servfail_rrsigs_missing)
{
	char text[256];

	fake.usable[2] = false;
	fake_route.allowed = 3; /* the candidates: up0 and up1 */
	answer_waits_for_root_keys(0x1111);
	answer_root_keys(1, false);
	ck_assert_ptr_eq(fake.req[2].up, &fake.ups[1]);
	answer_root_keys(2, false);
	run_due_timers();
	/* Each upstream strips: the key fetch has nowhere left, and the question
	 * would fare no better elsewhere; whatever else is asked, nothing validates. */
	for (unsigned i = 3; i < MAXREQ && nsent == 0; i++) {
		ck_assert_uint_eq(fake.nreq, i + 1);
		if (req_asks(i, ".", LDNS_RR_TYPE_DNSKEY))
			answer_root_keys(i, false);
		else
			answer_a(i, QSTR, "www.example.com.", false);
		run_due_timers();
	}
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(sent_rcode(0), DST_DNS_RCODE_SERVFAIL);
	/* The client's query once, its key fetch to each upstream: then EDE 10 at once. */
	ck_assert_uint_eq(fake.nreq, 3);
	ck_assert_uint_eq(sent_ede(0, text, sizeof(text)), DST_DNS_EDE_RRSIGS_MISSING);
	ck_assert_ptr_nonnull(strstr(text, "up0"));
	ck_assert_ptr_nonnull(strstr(text, "up1"));
	ck_assert_uint_eq(dst_queries_pending(qs), 0);
}
END_TEST

/*
 * A key fetch's SERVFAIL is cached (servfail-ttl); a later walk that finds
 * it there must take it as a fetch that failed, not as the zone's answer
 * (which made the root bogus, "no DNSKEY records for .", for up to 60 s).
 */
START_TEST(test_cached_servfail_of_a_key_fetch_is_a_failed_fetch_not_a_bogus_zone)
{
	char text[256];

	answer_waits_for_root_keys(0x1111);
	answer_rcode(1, ". IN DNSKEY", LDNS_RCODE_SERVFAIL);
	answer_rcode(2, ". IN DNSKEY", LDNS_RCODE_SERVFAIL);
	run_due_timers();
	ck_assert_uint_eq(nsent, 1);
	/* Within servfail-ttl: another name to validate, the same root keys needed. */
	ask_ex(0x2222, "other.example", 0, true, false);
	answer_a(3, "other.example. IN A", "other.example.", false);
	run_due_timers();
	ck_assert_uint_eq(nsent, 2);
	ck_assert_uint_eq(sent_rcode(1), DST_DNS_RCODE_SERVFAIL);
	ck_assert_uint_eq(sent_ede(1, text, sizeof(text)), DST_DNS_EDE_DNSSEC_BOGUS);
	ck_assert_str_eq(text, "no upstream answered the DNSKEY query for .");
	ck_assert_uint_eq(dst_queries_key_zones(qs), 0); /* no bogus root kept */
	ck_assert_uint_eq(dst_queries_pending(qs), 0);
}
END_TEST

TCase *query_tcase_dnssec(void)
{
	TCase *tc = tcase_create("dnssec");

	tcase_add_checked_fixture(tc, dnssec_setup, dnssec_teardown);
	tcase_add_test(tc, test_without_anchors_do_and_cd_go_upstream_as_the_client_sent_them);
	tcase_add_test(tc, test_validated_query_goes_upstream_with_do_and_cd);
	tcase_add_test(tc, test_client_cd_goes_upstream_with_cd_its_own_do_and_is_not_validated);
	tcase_add_test(tc, test_zone_with_dnssec_off_goes_upstream_with_cd_and_is_not_validated);
	tcase_add_test(tc, test_unsigned_answer_fetches_the_root_dnskey_with_do_and_cd);
	tcase_add_test(tc, test_failed_key_fetch_gives_servfail_dnssec_bogus_naming_the_query);
	tcase_add_test(tc, test_key_fetch_failing_on_every_upstream_gives_servfail_dnssec_bogus);
	tcase_add_test(tc, test_deadline_during_a_key_fetch_gives_servfail_dnssec_bogus_too_late);
	tcase_add_test(tc, test_identical_query_joins_a_validation_and_gets_the_same_answer);
	tcase_add_test(tc, test_abort_while_waiting_on_a_key_fetch_answers_nobody);
	tcase_add_test(tc, test_a_cold_chain_is_fetched_in_parallel);
	tcase_add_test(tc, test_validation_turned_off_during_a_walk_answers_unchecked);
	tcase_add_test(tc, test_key_fetch_answered_without_rrsig_moves_to_the_next_upstream);
	tcase_add_test(tc, test_every_upstream_stripping_rrsigs_gives_servfail_rrsigs_missing);
	tcase_add_test(tc, test_cached_servfail_of_a_key_fetch_is_a_failed_fetch_not_a_bogus_zone);
	return tc;
}

#else

TCase *query_tcase_dnssec(void)
{
	return tcase_create("dnssec");
}

#endif
