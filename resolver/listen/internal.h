/*
 * listen/ internals, shared by udp.c (UDP, listeners, setup and reload),
 * tcp.c (TCP clients), workers.c (the other loops) and querylog.c.
 *
 * Ownership: the part owns listeners, TCP clients and the worker loops. A
 * TCP client embeds the list of its queries waiting upstream (the query
 * engine maintains it); when the client goes first it orphans them and
 * their answers are dropped. Limits: a TCP client has at most
 * cfg->max_tcp_pipeline queries waiting upstream, and what it sends beyond
 * that waits, copied, in its backlog while reading is stopped; at most
 * cfg->max_tcp_clients clients are open.
 */
#ifndef DST_LISTEN_INTERNAL_H
#define DST_LISTEN_INTERNAL_H

#include "resolver/listen/acl.h"
#include "resolver/listen/listen.h"
#include "resolver/listen/ratelimit.h"
#include "tls/frame.h"

#define DST_UDP_RCVBUF (2 * 1024 * 1024) /* bytes; see grow_rcvbuf() */
/* A client with more answer bytes than this not yet taken by the kernel is not reading: closed. */
#define DST_TCP_MAX_WRITE_QUEUE (256 * 1024)
#define DST_LISTEN_SCRATCH_LEN (DST_DNS_MAX_MSG + 64)

struct dst_udp_batch;
struct dst_workers;

struct dst_udp_listener {
	uv_udp_t udp;    /* sends, and queues what the kernel cannot take yet */
	uv_poll_t rpoll; /* batched reads, on rfd (open while rfd >= 0) */
	int fd;          /* udp's socket */
	int rfd;         /* a dup of fd, for rpoll */
	struct dst_listen *ls;
};

struct dst_tcp_listener {
	uv_tcp_t tcp;
	struct dst_listen *ls;
};

/*
 * One listen address: its UDP and TCP sockets, allocated alone so that a
 * reload can keep it (handles never move) while the list around it
 * changes. Freed once both handles have closed.
 */
struct dst_listener {
	struct dst_udp_listener udp;
	struct dst_tcp_listener tcp;
	struct dst_listener *next;
	struct dst_config_addr addr;
	unsigned handles_open;
};

struct dst_tcp_client {
	uv_tcp_t tcp;
	uv_timer_t idle;
	struct dst_listen *ls;
	struct dst_tcp_client *next, *prev;
	struct dst_frame_reader frames;
	struct dst_query_list queries; /* waiting for upstream (query/ links them) */
	unsigned writes_pending;
	unsigned handles_open;
	/*
	 * Messages read while queries.n was at max-tcp-pipeline, each with its
	 * 2-byte length, handled from backlog_off on as queries finish.
	 * Reading stays stopped until it is empty, so it never holds more than
	 * the messages of one read.
	 */
	uint8_t *backlog;
	size_t backlog_len, backlog_cap, backlog_off;
	bool paused;   /* reading stopped for the backlog */
	bool feeding;  /* inside dst_frame_feed: leave the backlog alone */
	bool draining; /* handling the backlog */
	bool refused;  /* by the access list: every query gets REFUSED */
	bool read_eof;
	bool closing;
};

struct dst_listen {
	uv_loop_t *loop;
	const struct dst_config *cfg;
	struct dst_queries *queries;
	struct dst_cache *cache;         /* the worker loops look in it */
	const struct dst_policy *policy; /* the worker loops ask it first; NULL: none */
	struct dst_listener *listeners;
	struct dst_acl *acl;
	struct dst_ratelimit *ratelimit; /* NULL: no rate limit */
	struct dst_tcp_client *clients;  /* newest first */
	size_t nclients;
	bool stopping; /* shutdown: clients close once they owe nothing */
	struct dst_stats stats;
	struct dst_udp_batch *batch; /* this loop's UDP reads and batched answers */
	bool batching;               /* UDP answers queue in batch until its end */
	bool flush_armed;            /* flush_check and flush_prepare will flush batch */
	uv_check_t flush_check;
	uv_prepare_t flush_prepare;
	struct dst_workers *workers;       /* threads > 1: the other loops */
	uint8_t rbuf[DST_DNS_MAX_MSG + 1]; /* TCP receive buffer, shared */
};

/* udp.c */
/*
 * One UDP datagram from peer on l: access list, rate limit, then the query
 * engine. counted: a worker loop already counted it in its queries.
 */
void dst_listen__udp_query(struct dst_udp_listener *l, const uint8_t *wire, size_t len,
			   const struct sockaddr *peer, bool counted);
/* The socket buffer is full: queue a copy for libuv to send when it drains (owner: the listener). */
void dst_listen__udp_queue(void *owner, const struct sockaddr *peer, const uint8_t *wire,
			   size_t len);
/* Answers made from here until batch_end go out in one sendmmsg. */
void dst_listen__batch_begin(struct dst_listen *ls);
void dst_listen__batch_end(struct dst_listen *ls);

/* Binds one listen address (UDP and TCP) and starts serving it. */
int dst_listener_open(struct dst_listen *ls, const struct dst_config_addr *a,
		      struct dst_listener **out);
/* Stops taking queries but keeps the UDP socket for answers still owed (reload, shutdown). */
void dst_listener_quiesce(struct dst_listener *l);
/* Stops serving; the handles close and the listener is freed later. */
void dst_listener_close(struct dst_listener *l);

/* tcp.c */
void dst_listen__on_tcp_connection(uv_stream_t *server, int status);
void dst_listen__tcp_send(struct dst_tcp_client *c, const uint8_t *wire, size_t len);
void dst_listen__client_query_done(struct dst_tcp_client *c);
void dst_listen__client_close(struct dst_tcp_client *c);
/* Stop reading c and close it once it owes nothing (shutdown). */
void dst_listen__client_stop_reading(struct dst_tcp_client *c);

/* querylog.c: one line per answer sent, with [server] log-queries. */
void dst_querylog(const struct dst_reply_to *to, const uint8_t *wire, size_t len, uint64_t now_ms);

/* workers.c */
int dst_workers_start(struct dst_listen *ls);
void dst_workers_pause(struct dst_listen *ls);
/* Stops them and closes everything; what waits in the inbox is handled first. */
void dst_workers_close(struct dst_listen *ls);
unsigned dst_workers_queries(const struct dst_listen *ls, uint64_t *out, unsigned max);
void dst_workers_add_stats(const struct dst_listen *ls, struct dst_stats *sum);

#endif
