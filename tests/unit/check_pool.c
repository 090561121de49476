/*
 * The tls pool (tls/pool.c) linked alone: the connections are fakes
 * defined here (every conn.c and trust.c function pool.c calls), and so is
 * the little of GnuTLS pool.c uses (cork, send, uncork, random bytes), so
 * no socket, no TLS session and no GnuTLS library is involved. The fakes
 * record what the pool asked for: which connections it opened (and with
 * which address), the frames written on each, flushes, closes and their
 * status. Connection events are synthetic: the tests call the pool's
 * upcalls (dst_tls__conn_ready, _answer, _lost, _failed) as conn.c would;
 * dst_tls__conn_freed comes from a real libuv close callback. A real loop
 * runs the pool's flush handle, one iteration per turn() (UV_RUN_NOWAIT).
 *
 * Random IDs come from the fake gnutls_rnd: a fixed sequence, or a script
 * of IDs a test sets (script_ids) to force collisions.
 */
#include "config.h"

#include <check.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "dns/dns.h"
#include "dns/err.h"
#include "tls/internal.h"

/* --- fake connections (what conn.c does for pool.c) -------------------------------- */

#define MAXCONN 16
#define MAXFRAMES 64
#define MAXMSG 256

struct frame {
	uint8_t wire[MAXMSG]; /* the DNS message written, without its length prefix */
	size_t len;
};

struct fake_conn {
	struct dst_tls_conn *c; /* NULL once freed */
	size_t addr_idx;        /* the address the pool gave it */
	bool closed;
	int close_status;
	bool freed;
	unsigned corks, uncorks, flushes, idle_arms;
	int uncork_error;       /* returned once by the next gnutls_record_uncork */
	struct frame frames[MAXFRAMES];
	unsigned nframes;
};

static struct fake_conn fakes[MAXCONN];
static unsigned nfakes;
static int open_error; /* returned by dst_tls__conn_open when set */

static void on_idle_expired(uv_timer_t *t)
{
	ck_abort_msg("no test lets an idle timer expire");
}

int dst_tls__conn_open(struct dst_tls_pool *p)
{
	unsigned slots = 1;

	if (open_error)
		return open_error;
	ck_assert_uint_lt(nfakes, MAXCONN);
	struct fake_conn *fc = &fakes[nfakes++];
	struct dst_tls_conn *c = calloc(1, sizeof(*c));
	ck_assert_ptr_nonnull(c);
	/* The ID table is conn.c's to allocate: twice max_inflight, a power of two. */
	while (slots < 2 * p->max_inflight)
		slots <<= 1;
	c->slots = calloc(slots, sizeof(*c->slots));
	ck_assert_ptr_nonnull(c->slots);
	c->slot_mask = slots - 1;
	c->pool = p;
	c->addr_idx = p->addr_next;
	c->idle_ms = p->idle_timeout_ms;
	c->session = (gnutls_session_t)fc; /* only ever handed back to the fakes below */
	ck_assert_int_eq(uv_timer_init(p->loop, &c->timer), 0);
	c->timer.data = fc;
	c->state = DST_CONN_CONNECTING;
	c->next = p->conns;
	p->conns = c;
	p->nconns++;
	p->handles_open++;
	p->stats.conns_open = p->nconns;
	fc->c = c;
	fc->addr_idx = c->addr_idx;
	return 0;
}

void dst_tls__conn_flush(struct dst_tls_conn *c)
{
	((struct fake_conn *)c->timer.data)->flushes++;
}

void dst_tls__conn_arm_idle(struct dst_tls_conn *c)
{
	((struct fake_conn *)c->timer.data)->idle_arms++;
	uv_timer_start(&c->timer, on_idle_expired, 3600 * 1000, 0);
}

static void on_fake_closed(uv_handle_t *h)
{
	struct fake_conn *fc = h->data;
	struct dst_tls_conn *c = fc->c;

	fc->freed = true;
	fc->c = NULL;
	dst_tls__conn_freed(c);
	free(c->slots);
	free(c);
}

void dst_tls__conn_close(struct dst_tls_conn *c, int status)
{
	struct dst_tls_pool *p = c->pool;
	struct fake_conn *fc = c->timer.data;

	if (c->state == DST_CONN_CLOSING)
		return;
	c->state = DST_CONN_CLOSING;
	fc->closed = true;
	fc->close_status = status;
	for (struct dst_tls_conn **pp = &p->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	p->nconns--;
	p->stats.conns_open = p->nconns;
	uv_close((uv_handle_t *)&c->timer, on_fake_closed);
}

int dst_tls__trust_get(struct dst_tls_pool *p, const struct dst_tls_opts *o)
{
	p->trust = NULL;
	p->creds = NULL;
	return 0;
}

void dst_tls__trust_put(struct dst_tls_trust *t)
{
	ck_assert_ptr_null(t);
}

/* --- fake GnuTLS: records instead of encrypting ------------------------------------ */

static uint16_t id_script[64];
static unsigned id_script_len, id_script_pos;
static uint16_t id_seq;

static uint16_t next_id(void)
{
	if (id_script_pos < id_script_len)
		return id_script[id_script_pos++];
	id_seq = (uint16_t)(id_seq * 25173u + 13849u); /* full period: no repeat within 65536 */
	return id_seq;
}

int gnutls_rnd(gnutls_rnd_level_t level, void *data, size_t len)
{
	uint8_t *b = data;

	for (size_t i = 0; i + 1 < len; i += 2)
		dst_dns_put16(b + i, next_id());
	return 0;
}

void gnutls_record_cork(gnutls_session_t s)
{
	((struct fake_conn *)s)->corks++;
}

int gnutls_record_uncork(gnutls_session_t s, unsigned int flags)
{
	struct fake_conn *fc = (struct fake_conn *)s;
	int e = fc->uncork_error;

	fc->uncorks++;
	fc->uncork_error = 0;
	return e;
}

ssize_t gnutls_record_send(gnutls_session_t s, const void *data, size_t len)
{
	struct fake_conn *fc = (struct fake_conn *)s;
	const uint8_t *b = data;

	ck_assert_uint_lt(fc->nframes, MAXFRAMES);
	ck_assert_uint_ge(len, 2 + DST_DNS_HEADER_LEN);
	ck_assert_uint_le(len - 2, MAXMSG);
	ck_assert_uint_eq(dst_dns_get16(b), len - 2); /* the 2-byte length prefix */
	memcpy(fc->frames[fc->nframes].wire, b + 2, len - 2);
	fc->frames[fc->nframes].len = len - 2;
	fc->nframes++;
	return (ssize_t)len;
}

const char *gnutls_strerror(int error)
{
	return "fake TLS error";
}

int gnutls_priority_init(gnutls_priority_t *pc, const char *priorities, const char **err_pos)
{
	*pc = NULL;
	return 0;
}

void gnutls_priority_deinit(gnutls_priority_t pc)
{
}

gnutls_free_function gnutls_free = free;

/* --- callers ----------------------------------------------------------------------- */

#define MAXREQ 64

struct result {
	unsigned calls;
	int status;
	uint8_t wire[MAXMSG];
	size_t len;
};

static struct result res[MAXREQ];
static struct dst_tls_req *req[MAXREQ];

static void on_result(void *arg, int status, const uint8_t *wire, size_t len)
{
	struct result *r = arg;

	r->calls++;
	r->status = status;
	r->len = 0;
	if (wire) {
		ck_assert_uint_le(len, sizeof(r->wire));
		memcpy(r->wire, wire, len);
		r->len = len;
	}
}

/* --- fixture ----------------------------------------------------------------------- */

static uv_loop_t loop;
static struct dst_tls_pool *pool;

static void setup(void)
{
	memset(fakes, 0, sizeof(fakes));
	memset(res, 0, sizeof(res));
	memset(req, 0, sizeof(req));
	nfakes = 0;
	open_error = 0;
	id_script_len = id_script_pos = 0;
	id_seq = 0x2b1d;
	pool = NULL;
	ck_assert_int_eq(uv_loop_init(&loop), 0);
}

static void teardown(void)
{
	if (pool)
		dst_tls_pool_close(pool);
	uv_run(&loop, UV_RUN_DEFAULT); /* close callbacks free the connections, then the pool */
	for (unsigned i = 0; i < nfakes; i++)
		ck_assert_msg(fakes[i].freed, "connection %u not freed", i);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}

static void start(unsigned max_connections, unsigned max_inflight, size_t naddrs)
{
	static struct sockaddr_storage addrs[4];
	struct dst_tls_opts o = {
		.name = "test",
		.addrs = addrs,
		.naddrs = naddrs,
		.tls_name = "dns.example",
		.max_connections = max_connections,
		.max_inflight = max_inflight,
	};

	ck_assert_uint_le(naddrs, 4);
	ck_assert_int_eq(dst_tls_pool_new(&loop, &o, &pool), 0);
}

/* One loop iteration: the pool's flush runs if it was started, closes complete. */
static void turn(void)
{
	uv_run(&loop, UV_RUN_NOWAIT);
}

/* The next IDs the pool draws, from its next refill on (forced now). */
static void script_ids(const uint16_t *ids, unsigned n)
{
	ck_assert_uint_le(n, sizeof(id_script) / sizeof(id_script[0]));
	memcpy(id_script, ids, n * sizeof(*ids));
	id_script_len = n;
	id_script_pos = 0;
	pool->rnd_used = sizeof(pool->rnd);
}

/* --- messages ---------------------------------------------------------------------- */

static size_t put_name(uint8_t *out, const char *name)
{
	size_t n = 0;

	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);
		out[n++] = (uint8_t)l;
		memcpy(out + n, name, l);
		n += l;
		name += l + (dot ? 1 : 0);
	}
	out[n++] = 0;
	return n;
}

/* A query (RD) or, with qr, a bare answer (no records) for name/qtype IN. */
static size_t build(uint8_t *out, uint16_t id, bool qr, const char *name, uint16_t qtype)
{
	size_t n = DST_DNS_HEADER_LEN;

	memset(out, 0, DST_DNS_HEADER_LEN);
	dst_dns_put16(out, id);
	out[2] = qr ? 0x81 : 0x01;
	out[3] = qr ? 0x80 : 0x00;
	dst_dns_put16(out + 4, 1);
	n += put_name(out + n, name);
	dst_dns_put16(out + n, qtype);
	dst_dns_put16(out + n + 2, DST_DNS_CLASS_IN);
	return n + 4;
}

/* Caller i asks name (type A) with its own ID. */
static void ask_id(unsigned i, uint16_t id, const char *name)
{
	uint8_t q[MAXMSG];
	size_t n = build(q, id, false, name, DST_DNS_TYPE_A);

	ck_assert_uint_lt(i, MAXREQ);
	ck_assert_int_eq(dst_tls_send(pool, q, n, on_result, &res[i], &req[i]), 0);
}

static void ask(unsigned i, const char *name)
{
	ask_id(i, (uint16_t)(0xc000 + i), name);
}

static bool frame_asks(const struct frame *f, const char *name)
{
	uint8_t q[MAXMSG];
	size_t n = build(q, 0, false, name, DST_DNS_TYPE_A);

	return f->len == n && memcmp(f->wire + DST_DNS_HEADER_LEN, q + DST_DNS_HEADER_LEN,
				     n - DST_DNS_HEADER_LEN) == 0;
}

/* How many times name was written on connection k. */
static unsigned sent_on(unsigned k, const char *name)
{
	unsigned n = 0;

	for (unsigned i = 0; i < fakes[k].nframes; i++)
		n += frame_asks(&fakes[k].frames[i], name);
	return n;
}

/* The ID name was last written with on connection k. */
static uint16_t wire_id_on(unsigned k, const char *name)
{
	for (unsigned i = fakes[k].nframes; i-- > 0;)
		if (frame_asks(&fakes[k].frames[i], name))
			return dst_dns_id(fakes[k].frames[i].wire);
	ck_abort_msg("%s never written on connection %u", name, k);
	return 0;
}

/* conn.c's handshake completing. */
static void ready(unsigned k)
{
	ck_assert_ptr_nonnull(fakes[k].c);
	fakes[k].c->state = DST_CONN_READY;
	dst_tls__conn_ready(fakes[k].c);
}

/* A frame received on connection k, as conn.c's frame callback hands it over. */
static void frame_in(unsigned k, const uint8_t *wire, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1); /* exact length: ASan sees any overread */

	ck_assert_ptr_nonnull(fakes[k].c);
	memcpy(copy, wire, len);
	fakes[k].c->answers++;
	dst_tls__conn_answer(fakes[k].c, copy, len);
	free(copy);
}

/* The server on connection k answers name with the ID it was written with. */
static void answer(unsigned k, const char *name)
{
	uint8_t a[MAXMSG];
	size_t n = build(a, wire_id_on(k, name), true, name, DST_DNS_TYPE_A);

	frame_in(k, a, n);
}

static void lost(unsigned k, int status)
{
	ck_assert_ptr_nonnull(fakes[k].c);
	dst_tls__conn_lost(fakes[k].c, status);
}

static struct dst_tls_stats stats(void)
{
	struct dst_tls_stats st;

	dst_tls_pool_stats(pool, &st);
	return st;
}

/* Whether the answer caller i got asks name. */
static bool got_answer_for(unsigned i, uint16_t id, const char *name)
{
	uint8_t a[MAXMSG];
	size_t n = build(a, id, true, name, DST_DNS_TYPE_A);

	return res[i].calls == 1 && res[i].status == 0 && res[i].len == n &&
	       memcmp(res[i].wire, a, n) == 0;
}

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

START_TEST(test_answer_with_unknown_id_or_other_question_is_unmatched_and_delivers_nothing)
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

START_TEST(test_cancel_on_timeout_with_no_answer_since_presumes_the_connection_dead)
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

START_TEST(test_timed_out_request_on_a_silent_connection_suspects_it_and_its_silent_siblings)
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

START_TEST(test_suspect_connection_takes_no_new_requests_and_a_fresh_one_opens)
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

START_TEST(test_suspect_connection_closes_once_its_last_live_request_is_withdrawn)
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

static Suite *pool_suite(void)
{
	Suite *s = suite_create("pool");
	TCase *matching = tcase_create("matching");
	TCase *ids = tcase_create("ids");
	TCase *limits = tcase_create("limits");
	TCase *loss = tcase_create("loss");
	TCase *cancel = tcase_create("cancel");
	TCase *silence = tcase_create("silence");

	tcase_add_checked_fixture(matching, setup, teardown);
	tcase_add_checked_fixture(ids, setup, teardown);
	tcase_add_checked_fixture(limits, setup, teardown);
	tcase_add_checked_fixture(loss, setup, teardown);
	tcase_add_checked_fixture(cancel, setup, teardown);
	tcase_add_checked_fixture(silence, setup, teardown);
	tcase_add_test(matching, test_answer_reaches_its_caller_with_the_callers_id);
	tcase_add_test(matching, test_answer_with_unknown_id_or_other_question_is_unmatched_and_delivers_nothing);
	tcase_add_test(matching, test_question_matches_regardless_of_letter_case);
	tcase_add_test(matching, test_out_of_order_answers_each_reach_their_own_caller);
	tcase_add_test(matching, test_answers_match_after_removals_from_a_crowded_id_table);
	tcase_add_test(ids, test_every_request_on_a_connection_gets_a_unique_id);
	tcase_add_test(ids, test_requests_ready_in_one_iteration_are_written_in_one_batch);
	tcase_add_test(ids, test_idle_timer_runs_only_while_nothing_is_in_flight);
	tcase_add_test(limits, test_max_inflight_holds_requests_until_a_slot_frees);
	tcase_add_test(limits, test_max_connections_caps_the_connections_opened);
	tcase_add_test(loss, test_lost_connection_resends_written_requests_once_then_fails_them);
	tcase_add_test(loss, test_reset_resends_without_using_up_the_retry);
	tcase_add_test(loss, test_tls_send_failure_loses_the_connection);
	tcase_add_test(loss, test_connection_never_ready_tries_each_address_then_fails_requests);
	tcase_add_test(loss, test_connection_that_cannot_open_fails_requests_from_the_loop);
	tcase_add_test(loss, test_closing_the_pool_cancels_every_request);
	tcase_add_test(cancel, test_cancelled_pending_request_is_never_sent_nor_called_back);
	tcase_add_test(cancel, test_cancelled_written_request_answer_is_dropped_as_orphan);
	tcase_add_test(cancel, test_connection_full_of_orphans_is_closed);
	tcase_add_test(cancel, test_cancel_on_timeout_with_no_answer_since_presumes_the_connection_dead);
	tcase_add_test(cancel, test_cancel_on_timeout_after_an_answer_keeps_the_connection);
	tcase_add_test(silence, test_timed_out_request_on_a_silent_connection_suspects_it_and_its_silent_siblings);
	tcase_add_test(silence, test_timed_out_spares_a_sibling_that_heard_something_since);
	tcase_add_test(silence, test_suspect_connection_takes_no_new_requests_and_a_fresh_one_opens);
	tcase_add_test(silence, test_any_frame_on_a_suspect_connection_trusts_it_again);
	tcase_add_test(silence, test_suspect_connection_closes_once_its_last_live_request_is_withdrawn);
	tcase_add_test(silence, test_presumed_dead_holds_only_while_the_connection_stays_silent);
	tcase_add_test(silence, test_timed_out_is_false_when_the_connection_answered_since);
	tcase_add_test(silence, test_timed_out_is_false_for_a_request_not_yet_written);
	tcase_add_test(silence, test_timed_out_after_a_reset_leaves_the_resend_to_the_pool);
	suite_add_tcase(s, matching);
	suite_add_tcase(s, ids);
	suite_add_tcase(s, limits);
	suite_add_tcase(s, loss);
	suite_add_tcase(s, cancel);
	suite_add_tcase(s, silence);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pool_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
