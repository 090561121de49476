/*
 * tls/ module internals shared by pool.c (requests, IDs, matching),
 * conn.c (one GnuTLS session over one libuv TCP stream) and trust.c (the
 * trust stores pools verify certificates against).
 *
 * Ownership: the pool owns its connections and every request not yet
 * answered. A request is in exactly one place: the pool's pending queue
 * (waiting for a ready connection), or a connection's ID table (and, until
 * written, that connection's send queue). A cancelled request that was
 * already written stays in the table as an orphan (cb NULL) so that a late
 * answer is recognised and dropped, and its ID is not reused meanwhile.
 */
#ifndef DST_TLS_INTERNAL_H
#define DST_TLS_INTERNAL_H

#include <gnutls/gnutls.h>
#include <stdbool.h>
#include <stdint.h>

#include "tls/frame.h"
#include "tls/tls.h"

struct dst_tls_conn;
struct dst_tls_trust;

struct dst_tls_req {
	struct dst_tls_pool *pool;
	struct dst_tls_conn *conn; /* NULL while pending */
	struct dst_tls_req *next;  /* pending queue or send queue links */
	struct dst_tls_req *prev;
	dst_tls_answer_cb cb; /* NULL: orphan */
	void *arg;
	uint16_t caller_id; /* the ID the caller's query had */
	uint16_t wire_id;   /* the ID used on the connection */
	bool retried;       /* already re-sent once after a lost connection */
	bool failing;       /* in a batch whose callbacks are being run */
	bool written;
	uint64_t answers_at_write; /* the connection's answer count when written */
	uint64_t heard_at_write;   /* the pool's heard counter when written */
	size_t len;                /* DNS message length (without prefix) */
	uint8_t buf[];             /* 2-byte length prefix + message */
};

/* A doubly linked queue of requests (pending, or a connection's unsent). */
struct dst_tls_reqq {
	struct dst_tls_req *head, *tail;
	size_t len;
};

enum dst_tls_conn_state {
	DST_CONN_CONNECTING,
	DST_CONN_HANDSHAKE,
	DST_CONN_READY,
	DST_CONN_CLOSING,
};

struct dst_tls_conn {
	struct dst_tls_pool *pool;
	struct dst_tls_conn *next;
	enum dst_tls_conn_state state;
	uv_tcp_t tcp;
	uv_timer_t timer; /* handshake deadline, then idle timeout */
	uv_connect_t connect_req;
	uv_shutdown_t shutdown_req;
	unsigned handles_open;
	gnutls_session_t session;
	bool doomed;  /* presumed dead: close at the next flush */
	bool suspect; /* silent since a timed-out request: takes no new ones */
	bool reset;   /* doomed by dst_tls_pool_reset, not by a failure */
	bool ticket_saved;
	bool keepalive_seen; /* the server's edns-tcp-keepalive was looked for */
	/*
	 * Its certificate was accepted only because the clock is before the
	 * floor (tls/clock.h): not resumed from, and no new queries once the
	 * clock has reached the floor.
	 */
	bool excused;
	uint32_t idle_ms; /* ours, lowered by the server's keepalive timeout */
	size_t addr_idx;

	/* ciphertext handed to us by libuv, consumed by the pull function */
	const uint8_t *in;
	size_t in_len;
	uint8_t *rbuf;  /* libuv read buffer */
	uint8_t *plain; /* decrypted record buffer */
	/* ciphertext produced by GnuTLS, written by one uv_write per flush */
	uint8_t *out;
	size_t out_len, out_cap;

	struct dst_frame_reader frames;
	uint64_t answers; /* frames received: proof of life */
	uint64_t heard;   /* the pool's heard counter at its last frame (or when ready) */

	struct dst_tls_req **slots; /* ID table, open addressing, 2x max_inflight */
	unsigned slot_mask;
	unsigned inflight; /* requests in the table, orphans included */
	unsigned orphans;  /* of those, cancelled ones awaiting their answer */
	struct dst_tls_reqq sendq;
};

struct dst_tls_pool {
	uv_loop_t *loop;
	char *name;
	struct sockaddr_storage *addrs;
	size_t naddrs;
	size_t addr_next;        /* address for the next connection */
	size_t connect_failures; /* consecutive, across addresses */
	char *tls_name;
	uint8_t (*pins)[DST_TLS_PIN_LEN];
	size_t npins;
	unsigned max_connections;
	unsigned max_inflight;
	uint32_t handshake_timeout_ms;
	uint32_t idle_timeout_ms;
	void (*event_cb)(void *arg, const char *upstream, const char *msg);
	void *event_arg;

	struct dst_tls_trust *trust;            /* shared with pools that name the same store */
	gnutls_certificate_credentials_t creds; /* trust's */
	gnutls_priority_t prio;
	gnutls_datum_t session_data; /* for resumption */

	struct dst_tls_conn *conns;
	unsigned nconns;
	/*
	 * Counts frames received and handshakes completed on every connection,
	 * so that "has c heard anything since r was written" compares two of
	 * its values (c->heard > r->heard_at_write) without a clock.
	 */
	uint64_t heard;
	struct dst_tls_reqq pending;
	uv_idle_t flush; /* writes the batch once per loop iteration */
	bool flush_active;
	bool closing;
	unsigned handles_open; /* flush handle + connections */

	uint8_t rnd[64]; /* random bytes for IDs */
	unsigned rnd_used;

	char last_error[256];
	struct dst_tls_stats stats;
};

/* conn.c */
int dst_tls__conn_open(struct dst_tls_pool *p);
void dst_tls__conn_flush(struct dst_tls_conn *c);
void dst_tls__conn_close(struct dst_tls_conn *c, int status);
void dst_tls__conn_arm_idle(struct dst_tls_conn *c);
int dst_tls__verify(struct dst_tls_conn *c);

/* pool.c */
void dst_tls__conn_ready(struct dst_tls_conn *c);
void dst_tls__conn_failed(struct dst_tls_conn *c, int status);
void dst_tls__conn_lost(struct dst_tls_conn *c, int status);
void dst_tls__conn_answer(struct dst_tls_conn *c, const uint8_t *wire, size_t len);
void dst_tls__conn_freed(struct dst_tls_conn *c);
void dst_tls__set_error(struct dst_tls_pool *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void dst_tls__event(struct dst_tls_pool *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* trust.c */
/*
 * Sets p->trust and p->creds to the store o names (o->ca_file, else the
 * system's if o->tls_name, else none), shared with the pools of this
 * generation that name the same one, or set up now. Returns 0, DST_ENOMEM,
 * or DST_ENOTRUST (no certificate to be had from that store) with the
 * reason, and what to do, in p's last error.
 */
int dst_tls__trust_get(struct dst_tls_pool *p, const struct dst_tls_opts *o);
/* Lets go of a store from dst_tls__trust_get; NULL is fine. */
void dst_tls__trust_put(struct dst_tls_trust *t);
/*
 * Around a verification with p's credentials (conn.c): when the trust
 * store is a bundle read per full handshake, begin puts the bundle's
 * certificates that issued one of s's peer certificates (or are one of
 * them) into the credentials (DST_ECERTVERIFY if the bundle cannot be
 * read) and end empties them again. Both do nothing for a store the
 * credentials hold.
 */
int dst_tls__trust_begin(struct dst_tls_pool *p, gnutls_session_t s);
void dst_tls__trust_end(struct dst_tls_pool *p);

#endif
