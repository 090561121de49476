/*
 * Shared by the tls pool's unit suite (check_pool.c and check_pool_*.c):
 * what the fake connections record, what callers got back, and the
 * helpers that drive the pool. Everything is defined in check_pool.c.
 * Helpers fail the running test through ck_assert instead of returning
 * errors. Connections are named by their index k in fakes[] (the order
 * the pool opened them), callers by their index i in res[] and req[].
 */
#ifndef DST_TESTS_POOL_TEST_UTIL_H
#define DST_TESTS_POOL_TEST_UTIL_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "dns/dns.h"
#include "dns/err.h"
#include "tls/internal.h"

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
	int uncork_error; /* returned once by the next gnutls_record_uncork */
	struct frame frames[MAXFRAMES];
	unsigned nframes;
};

/* The connections the pool opened, in order, and a status the next open fails with. */
extern struct fake_conn fakes[MAXCONN];
extern unsigned nfakes;
extern int open_error;

#define MAXREQ 64

struct result {
	unsigned calls;
	int status;
	uint8_t wire[MAXMSG];
	size_t len;
};

/* What caller i's callback got (calls counts them), and its request handle. */
extern struct result res[MAXREQ];
extern struct dst_tls_req *req[MAXREQ];

extern uv_loop_t loop;
extern struct dst_tls_pool *pool; /* closed by the teardown unless a test set it NULL */

void pool_setup(void);
void pool_teardown(void);

/* Creates the pool (0 means the pool's default, as in struct dst_tls_opts). */
void start(unsigned max_connections, unsigned max_inflight, size_t naddrs);
/* One loop iteration: the pool's flush runs if it was started, closes complete. */
void turn(void);
/* The next IDs the pool draws, from its next refill on (forced now). */
void script_ids(const uint16_t *ids, unsigned n);

/* A query (RD) or, with qr, a bare answer (no records) for name/qtype IN. */
size_t build(uint8_t *out, uint16_t id, bool qr, const char *name, uint16_t qtype);
/* Caller i asks name (type A) with its own ID (ask: 0xc000 + i). */
void ask_id(unsigned i, uint16_t id, const char *name);
void ask(unsigned i, const char *name);
/* How many times name was written on connection k; the ID it last was. */
unsigned sent_on(unsigned k, const char *name);
uint16_t wire_id_on(unsigned k, const char *name);

/* Synthetic events on connection k, as conn.c reports them. */
void ready(unsigned k);
void frame_in(unsigned k, const uint8_t *wire, size_t len);
void answer(unsigned k, const char *name); /* the server answers name with its wire ID */
void lost(unsigned k, int status);

struct dst_tls_stats stats(void);
/* Whether caller i got, once, the answer to name with ID id. */
bool got_answer_for(unsigned i, uint16_t id, const char *name);

TCase *pool_tcase_matching(void);
TCase *pool_tcase_ids(void);
TCase *pool_tcase_limits(void);
TCase *pool_tcase_loss(void);
TCase *pool_tcase_cancel(void);
TCase *pool_tcase_silence(void);

#endif
