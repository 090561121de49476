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
 *
 * One Suite ("pool"), one program. This file holds the fakes, the fixture
 * and the helpers (declared in pool_test_util.h); the TCases are in
 *   check_pool_match.c   matching, ids, limits
 *   check_pool_loss.c    loss, cancel, silence
 */
#include "config.h"

#include <gnutls/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/pool_test_util.h"

/* --- fake connections (what conn.c does for pool.c) -------------------------------- */

struct fake_conn fakes[MAXCONN];
unsigned nfakes;
int open_error;

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

struct result res[MAXREQ];
struct dst_tls_req *req[MAXREQ];

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

uv_loop_t loop;
struct dst_tls_pool *pool;

void pool_setup(void)
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

void pool_teardown(void)
{
	if (pool)
		dst_tls_pool_close(pool);
	uv_run(&loop, UV_RUN_DEFAULT); /* close callbacks free the connections, then the pool */
	for (unsigned i = 0; i < nfakes; i++)
		ck_assert_msg(fakes[i].freed, "connection %u not freed", i);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}

void start(unsigned max_connections, unsigned max_inflight, size_t naddrs)
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
void turn(void)
{
	uv_run(&loop, UV_RUN_NOWAIT);
}

/* The next IDs the pool draws, from its next refill on (forced now). */
void script_ids(const uint16_t *ids, unsigned n)
{
	ck_assert_uint_le(n, sizeof(id_script) / sizeof(id_script[0]));
	memcpy(id_script, ids, n * sizeof(*ids));
	id_script_len = n;
	id_script_pos = 0;
	pool->rnd_used = sizeof(pool->rnd);
}

/* --- messages ---------------------------------------------------------------------- */

/* A query (RD) or, with qr, a bare answer (no records) for name/qtype IN. */
size_t build(uint8_t *out, uint16_t id, bool qr, const char *name, uint16_t qtype)
{
	size_t n = DST_DNS_HEADER_LEN;

	memset(out, 0, DST_DNS_HEADER_LEN);
	dst_dns_put16(out, id);
	out[2] = qr ? 0x81 : 0x01;
	out[3] = qr ? 0x80 : 0x00;
	dst_dns_put16(out + 4, 1);
	uint8_t wire[DST_DNS_MAX_NAME];
	size_t len = dst_dns_name_from_text(name, wire);
	ck_assert_msg(len > 0, "not a plain name: %s", name);
	memcpy(out + n, wire, len);
	n += len;
	dst_dns_put16(out + n, qtype);
	dst_dns_put16(out + n + 2, DST_DNS_CLASS_IN);
	return n + 4;
}

/* Caller i asks name (type A) with its own ID. */
void ask_id(unsigned i, uint16_t id, const char *name)
{
	uint8_t q[MAXMSG];
	size_t n = build(q, id, false, name, DST_DNS_TYPE_A);

	ck_assert_uint_lt(i, MAXREQ);
	ck_assert_int_eq(dst_tls_send(pool, q, n, on_result, &res[i], &req[i]), 0);
}

void ask(unsigned i, const char *name)
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
unsigned sent_on(unsigned k, const char *name)
{
	unsigned n = 0;

	for (unsigned i = 0; i < fakes[k].nframes; i++)
		n += frame_asks(&fakes[k].frames[i], name);
	return n;
}

/* The ID name was last written with on connection k. */
uint16_t wire_id_on(unsigned k, const char *name)
{
	for (unsigned i = fakes[k].nframes; i-- > 0;)
		if (frame_asks(&fakes[k].frames[i], name))
			return dst_dns_id(fakes[k].frames[i].wire);
	ck_abort_msg("%s never written on connection %u", name, k);
	return 0;
}

/* conn.c's handshake completing. */
void ready(unsigned k)
{
	ck_assert_ptr_nonnull(fakes[k].c);
	fakes[k].c->state = DST_CONN_READY;
	dst_tls__conn_ready(fakes[k].c);
}

/* A frame received on connection k, as conn.c's frame callback hands it over. */
void frame_in(unsigned k, const uint8_t *wire, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1); /* exact length: ASan sees any overread */

	ck_assert_ptr_nonnull(fakes[k].c);
	memcpy(copy, wire, len);
	fakes[k].c->answers++;
	dst_tls__conn_answer(fakes[k].c, copy, len);
	free(copy);
}

/* The server on connection k answers name with the ID it was written with. */
void answer(unsigned k, const char *name)
{
	uint8_t a[MAXMSG];
	size_t n = build(a, wire_id_on(k, name), true, name, DST_DNS_TYPE_A);

	frame_in(k, a, n);
}

void lost(unsigned k, int status)
{
	ck_assert_ptr_nonnull(fakes[k].c);
	dst_tls__conn_lost(fakes[k].c, status);
}

struct dst_tls_stats stats(void)
{
	struct dst_tls_stats st;

	dst_tls_pool_stats(pool, &st);
	return st;
}

/* Whether the answer caller i got asks name. */
bool got_answer_for(unsigned i, uint16_t id, const char *name)
{
	uint8_t a[MAXMSG];
	size_t n = build(a, id, true, name, DST_DNS_TYPE_A);

	return res[i].calls == 1 && res[i].status == 0 && res[i].len == n &&
	       memcmp(res[i].wire, a, n) == 0;
}

static Suite *pool_suite(void)
{
	Suite *s = suite_create("pool");

	suite_add_tcase(s, pool_tcase_matching());
	suite_add_tcase(s, pool_tcase_ids());
	suite_add_tcase(s, pool_tcase_limits());
	suite_add_tcase(s, pool_tcase_loss());
	suite_add_tcase(s, pool_tcase_cancel());
	suite_add_tcase(s, pool_tcase_silence());
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
