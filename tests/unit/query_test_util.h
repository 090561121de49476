/*
 * The fakes and fixture of the query engine's unit test (check_query.c and
 * check_query_dnssec.c, one program), defined in query_fake.c.
 *
 * The upstream set is a fake (every function of upstream/upstream.h the
 * engine calls, plus the request calls): each request the engine sends is
 * recorded in fake.req[] with the message it sent, and its answer or
 * failure is delivered by calling its callback. The listeners are fake
 * reply operations that record what was sent to clients in sent[]. Time is
 * injected (now_ms). The state is global: setup() resets it for each test.
 */
#ifndef DST_TESTS_QUERY_TEST_UTIL_H
#define DST_TESTS_QUERY_TEST_UTIL_H

#include "tests/unit/dns_test_util.h"

#include <uv.h>

#include "cache/cache.h"
#include "config/config.h"
#include "dns/err.h"
#include "resolver/base/log.h"
#include "resolver/query/internal.h"
#include "resolver/upstream/upstream.h"

#define NUPS 3
#define MAXREQ 32
#define MAXSENT 16
#define REQ_MAX_LEN 512 /* a padded query is at most 384 bytes */

struct dst_upstream {
	unsigned index;
	struct dst_config_upstream cfg;
	char name[16];
};

struct dst_upreq {
	dst_tls_answer_cb cb;
	void *arg;
	struct dst_upstream *up;
	uint16_t id; /* of the message sent: the pool gives the answer back with it */
	bool live;
	bool silent;               /* nothing heard on its connection since it was written */
	int cancelled;             /* the status it was cancelled with, or 0 */
	uint8_t wire[REQ_MAX_LEN]; /* the message sent upstream */
	size_t len;
};

struct dst_upstreams {
	struct dst_upstream ups[NUPS];
	bool usable[NUPS]; /* pick skips the others */
	bool resolving;
	uint64_t last_tried; /* the mask the last pick was given */
	uint64_t last_dead;  /* ... and the presumed-dead mask of the last pick_retry */
	unsigned failed[NUPS], ok[NUPS], servfail[NUPS];
	struct dst_upreq req[MAXREQ];
	unsigned nreq;
};

struct sent {
	uint8_t wire[DST_DNS_MAX_MSG];
	size_t len;
	struct dst_reply_to to;
	char upstream[16];
};

extern struct dst_upstreams fake;
extern struct dst_route fake_route; /* what dst_upstreams_route answers */
extern unsigned nroutes;            /* how often it was asked */
extern uint8_t routed_name[DST_DNS_MAX_NAME];

extern struct sent sent[MAXSENT];
extern unsigned nsent, ntcp_done;

extern uv_loop_t loop;
extern struct dst_config *cfg;
extern struct dst_cache *cache;
extern struct dst_queries *qs;
extern uint64_t now_ms;

void setup(void);
void teardown(void);

struct dst_reply_to udp_client(void);
/* A client query for QNAME/A with id. */
void ask(uint16_t id, const struct dst_reply_to *to);
/* Delivers upstream request i's answer with rcode (an A record with NOERROR). */
void answer(unsigned i, uint8_t rcode);
/* Delivers p (freed) as upstream request i's answer, with i's id. */
void answer_with(unsigned i, ldns_pkt *p);
void fail_req(unsigned i, int status);
struct dst_query *only_query(void);
unsigned sent_rcode(unsigned i);
uint16_t sent_id(unsigned i);
/* The answer sent, parsed by ldns (so it is well-formed). */
ldns_pkt *sent_pkt(unsigned i);

/* check_query_dnssec.c */
TCase *query_tcase_dnssec(void);

#endif
