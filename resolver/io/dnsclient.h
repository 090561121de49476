/*
 * The plain DNS client (RFC 1035, RFC 7766): one query at a time per
 * request over UDP, again over TCP when the UDP answer is truncated. It
 * knows nothing of queries or upstream health: the upstream set uses it for
 * `transport = dns` upstreams, with the same contract as a TLS pool's
 * dst_tls_send (tls/tls.h).
 *
 * Each request gets its own connected UDP socket (so a source port the
 * kernel picks at random, RFC 5452 section 9.2) and a random 16-bit ID;
 * only a reply from the server's address, with that ID and the question
 * asked, is taken: others are counted as unmatched and ignored (an
 * off-path answer does not end the wait). The TCP retry uses a new
 * connection and a new ID. There is no timer: the caller's wait ends a
 * request (dst_dnsc_cancel).
 *
 * With several addresses, requests go to one of them; a request that
 * failed or was cancelled as timed out moves the client on to the next.
 */
#ifndef DST_IO_DNSCLIENT_H
#define DST_IO_DNSCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#define DST_DNSC_MAX_ADDRS 16
#define DST_DNSC_UDP_SIZE 1232 /* EDNS payload size asked for over UDP (DNS flag day 2020) */

struct dst_dnsc;
struct dst_dnsc_req;

/*
 * The result of one request: status 0 and the answer (with the ID of the
 * caller's query; valid during the call only), or DST_ECANCELED (client
 * closed), a connect/socket error (negative errno), DST_EEOF (the TCP
 * connection closed before the answer) or DST_EFORMAT (a TCP answer that
 * does not match the question). Never called from inside dst_dnsc_send or
 * dst_dnsc_cancel.
 */
typedef void (*dst_dnsc_cb)(void *arg, int status, const uint8_t *wire, size_t len);

struct dst_dnsc_stats {
	uint64_t queries;     /* requests sent */
	uint64_t answers;     /* answers delivered */
	uint64_t unmatched;   /* replies dropped: wrong ID or question, or malformed */
	uint64_t tcp_retries; /* truncated UDP answers asked again over TCP */
	uint64_t failures;    /* requests that ended in an error (not cancelled) */
};

/* A client for the servers at addrs (1 to DST_DNSC_MAX_ADDRS; copied). */
int dst_dnsc_new(uv_loop_t *loop, const char *name, const struct sockaddr_storage *addrs, size_t n,
		 struct dst_dnsc **out);
/* Replaces the addresses (a host name re-resolved); requests out keep theirs. */
int dst_dnsc_set_addrs(struct dst_dnsc *c, const struct sockaddr_storage *addrs, size_t n);
/*
 * Ends every request (their callbacks get DST_ECANCELED synchronously) and
 * frees the client once libuv has closed the sockets.
 */
void dst_dnsc_close(struct dst_dnsc *c);

/*
 * Sends a query (len bytes, at least a header; copied). EDNS padding and
 * edns-tcp-keepalive options, which belong to encrypted and TCP transports,
 * are left out, and the payload size becomes DST_DNSC_UDP_SIZE. *out is
 * usable with dst_dnsc_cancel until the callback has fired. Returns 0,
 * DST_ENOMEM or DST_EINVAL (not a query).
 */
int dst_dnsc_send(struct dst_dnsc *c, const uint8_t *wire, size_t len, dst_dnsc_cb cb, void *arg,
		  struct dst_dnsc_req **out);
/* Withdraws a request; its callback will not fire. DST_ETIMEDOUT moves the client on. */
void dst_dnsc_cancel(struct dst_dnsc_req *r, int reason);

void dst_dnsc_get_stats(const struct dst_dnsc *c, struct dst_dnsc_stats *st);
/* The last error in words ("connection refused by 10.0.0.1:53"), or "". */
const char *dst_dnsc_last_error(const struct dst_dnsc *c);

/*
 * Whether reply answers query: at least a header, QR set, the same ID and
 * exactly one question equal to the query's (name without regard to
 * ASCII case, type, class). query is our own (uncompressed, one question).
 */
bool dst_dnsc_reply_matches(const uint8_t *query, size_t qlen, const uint8_t *reply, size_t rlen);

/*
 * The UDP form of one of our own queries (header, one question, an OPT as
 * the only additional record): padding and keepalive options dropped,
 * payload size DST_DNSC_UDP_SIZE. Returns the new length (at most len), or
 * DST_EINVAL when wire is not shaped so. Works in place.
 */
ssize_t dst_dnsc_plain_query(uint8_t *wire, size_t len);

#endif
