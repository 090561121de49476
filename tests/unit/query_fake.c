/*
 * The fakes and fixture of the query engine's unit test (query_test_util.h
 * says what they record). No socket is opened; the libuv loop only closes
 * the queries' timers (and runs the timers a test starts the loop for).
 */
#include "config.h"

#include "tests/unit/query_test_util.h"

/* --- the fake upstream set ------------------------------------------------------ */

struct dst_upstreams fake;
struct dst_route fake_route;
unsigned nroutes;
uint8_t routed_name[DST_DNS_MAX_NAME];

void dst_upstreams_route(const struct dst_upstreams *u, const uint8_t *qname, size_t len,
			 struct dst_route *out)
{
	nroutes++;
	memcpy(routed_name, qname, len);
	*out = fake_route;
}

struct dst_upstream *dst_upstreams_pick(struct dst_upstreams *u, uint64_t tried)
{
	u->last_tried = tried;
	for (unsigned i = 0; i < NUPS; i++)
		if (u->usable[i] && !(tried & (UINT64_C(1) << u->ups[i].index)))
			return &u->ups[i];
	return NULL;
}

struct dst_upstream *dst_upstreams_pick_retry(struct dst_upstreams *u, uint64_t tried,
					      uint64_t dead, uint64_t allowed)
{
	/* The fake picks in order among the candidates: the others count as tried. */
	struct dst_upstream *up = dst_upstreams_pick(u, tried | ~allowed);

	u->last_dead = dead;
	if (up || !(dead & tried))
		return up;
	return dst_upstreams_pick(u, ~(dead & tried));
}

uint32_t dst_upstreams_attempt_timeout(const struct dst_upstreams *u, const struct dst_upstream *up)
{
	return 500;
}

void dst_upstreams_query_starts(struct dst_upstreams *u, const uint8_t *req,
				const struct dst_dns_query *dq, uint64_t allowed)
{
}

void dst_upstreams_ok(struct dst_upstreams *u, struct dst_upstream *up, uint64_t sent_ns)
{
	u->ok[up - u->ups]++;
}

void dst_upstreams_servfail(struct dst_upstreams *u, struct dst_upstream *up)
{
	u->servfail[up - u->ups]++;
}

void dst_upstreams_failed(struct dst_upstreams *u, struct dst_upstream *up, int status,
			  uint64_t sent_ms)
{
	if (status != DST_ECANCELED)
		u->failed[up - u->ups]++;
}

bool dst_upstreams_resolving(const struct dst_upstreams *u)
{
	return u->resolving;
}

int dst_upstream_send(struct dst_upstream *up, const uint8_t *wire, size_t len,
		      dst_tls_answer_cb cb, void *arg, struct dst_upreq **out)
{
	ck_assert_uint_lt(fake.nreq, MAXREQ);
	struct dst_upreq *r = &fake.req[fake.nreq++];
	*r = (struct dst_upreq){
		.cb = cb, .arg = arg, .up = up, .id = dst_dns_get16(wire), .live = true};
	ck_assert_uint_le(len, sizeof(r->wire));
	memcpy(r->wire, wire, len);
	r->len = len;
	*out = r;
	return 0;
}

bool dst_upstream_timed_out(struct dst_upstream *up, struct dst_upreq *r)
{
	return r->silent;
}

bool dst_upstream_presumed_dead(const struct dst_upstream *up, const struct dst_upreq *r)
{
	return r->silent;
}

void dst_upstream_cancel(struct dst_upstream *up, struct dst_upreq *r, int status)
{
	r->live = false;
	r->cancelled = status;
}

unsigned dst_upstream_index(const struct dst_upstream *up)
{
	return up->index;
}

void dst_upstream_cause(const struct dst_upstream *up, int status, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s", status == DST_ETIMEDOUT ? "timed out" : "failed");
}

size_t dst_upstreams_count(const struct dst_upstreams *u)
{
	return NUPS;
}

struct dst_upstream *dst_upstreams_at(const struct dst_upstreams *u, size_t i)
{
	return (struct dst_upstream *)&u->ups[i];
}

const char *dst_upstream_label(const struct dst_upstream *up)
{
	return up->name;
}

bool dst_upstream_awaits_address(const struct dst_upstream *up)
{
	return false;
}

const struct dst_config_upstream *dst_upstream_config(const struct dst_upstream *up)
{
	return &up->cfg;
}

/* --- the fake listeners ----------------------------------------------------------- */

struct sent sent[MAXSENT];
unsigned nsent, ntcp_done;

static void on_send(void *arg, const struct dst_reply_to *to, const uint8_t *wire, size_t len)
{
	ck_assert_uint_lt(nsent, MAXSENT);
	memcpy(sent[nsent].wire, wire, len);
	sent[nsent].len = len;
	sent[nsent].to = *to;
	snprintf(sent[nsent].upstream, sizeof(sent[nsent].upstream), "%s",
		 to->upstream ? to->upstream : "");
	nsent++;
}

static void on_tcp_done(void *arg, struct dst_tcp_client *c)
{
	ntcp_done++;
}

/* --- fixture ---------------------------------------------------------------------- */

uv_loop_t loop;
struct dst_config *cfg;
struct dst_cache *cache;
struct dst_queries *qs;
uint64_t now_ms;
static struct sockaddr_in peer;
static struct dst_udp_listener *const UDP =
	(struct dst_udp_listener *)&peer; /* never looked into */

static uint64_t fake_now(void *arg)
{
	return now_ms;
}

void setup(void)
{
	struct dst_reply_ops ops = {.send = on_send, .tcp_done = on_tcp_done};

	memset(&fake, 0, sizeof(fake));
	for (unsigned i = 0; i < NUPS; i++) {
		fake.ups[i].index = i;
		fake.usable[i] = true;
		snprintf(fake.ups[i].name, sizeof(fake.ups[i].name), "up%u", i);
		fake.ups[i].cfg.name = fake.ups[i].name;
	}
	nsent = ntcp_done = 0;
	nroutes = 0;
	fake_route = (struct dst_route){.allowed = UINT64_MAX, .zone = UINT32_MAX};
	now_ms = 1000000;
	dst_log_threshold = getenv("CHECK_QUERY_DEBUG") ? DST_LOG_DEBUG : DST_LOG_ERR;
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	ck_assert_int_eq(dst_config_default(&cfg), 0);
	cfg->query_timeout_ms = 4000;
	cache = dst_cache_new(1 << 20, 0, 86400);
	ck_assert_ptr_nonnull(cache);
	ck_assert_int_eq(dst_queries_new(&loop, cfg, cache, &fake, &ops, &qs), 0);
	qs->now = fake_now;
	uv_ip4_addr("127.0.0.1", 5353, &peer);
}

void teardown(void)
{
	dst_queries_abort_all(qs);
	ck_assert_uint_eq(dst_queries_pending(qs), 0);
	uv_run(&loop, UV_RUN_DEFAULT); /* the timers' close callbacks free the queries */
	ck_assert_int_eq(uv_loop_close(&loop), 0);
	dst_queries_free(qs);
	dst_cache_free(cache);
	dst_config_free(cfg);
}

struct dst_reply_to udp_client(void)
{
	return (struct dst_reply_to){.udp = UDP, .peer = (const struct sockaddr *)&peer};
}

void ask(uint16_t id, const struct dst_reply_to *to)
{
	struct msg m = {0};

	m_header(&m, id, FLAG_RD, 0, 1, 0, 0, 0);
	m_question(&m, QNAME, DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	dst_query_handle(qs, m.b, m.n, to);
}

void answer(unsigned i, uint8_t rcode)
{
	ldns_pkt *p = answer_pkt(fake.req[i].id, rcode, QSTR);

	if (rcode == LDNS_RCODE_NOERROR)
		add_rr(p, AN, "www.example.com. 300 IN A 192.0.2.1");
	answer_with(i, p);
}

void answer_with(unsigned i, ldns_pkt *p)
{
	size_t len;
	uint8_t *w = to_wire(p, &len);

	ck_assert(fake.req[i].live);
	fake.req[i].live = false;
	dst_dns_put16(w, fake.req[i].id);
	fake.req[i].cb(fake.req[i].arg, 0, w, len);
	free(w);
}

void fail_req(unsigned i, int status)
{
	ck_assert(fake.req[i].live);
	fake.req[i].live = false;
	fake.req[i].cb(fake.req[i].arg, status, NULL, 0);
}

struct dst_query *only_query(void)
{
	ck_assert_ptr_nonnull(qs->list);
	return qs->list;
}

unsigned sent_rcode(unsigned i)
{
	return dst_dns_rcode(sent[i].wire);
}

uint16_t sent_id(unsigned i)
{
	return dst_dns_get16(sent[i].wire);
}

ldns_pkt *sent_pkt(unsigned i)
{
	ldns_pkt *p = NULL;

	ck_assert_int_eq(ldns_wire2pkt(&p, sent[i].wire, sent[i].len), LDNS_STATUS_OK);
	return p;
}
