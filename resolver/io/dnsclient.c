/*
 * The plain DNS client (see dnsclient.h): UDP, then TCP when truncated.
 *
 * A request owns its sockets (a connected UDP socket, later a TCP one) and
 * a timer used only to report a failure that happened inside
 * dst_dnsc_send (callbacks never fire from inside it). A request ends
 * once: answered, failed, cancelled or the client closed (r->done); its
 * memory is freed when the last of its handles has closed. The client is
 * freed when it is closed and its last request has been freed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "dns/err.h"
#include "resolver/base/addr.h"
#include "resolver/io/dnsclient.h"

#define TCP_BUF (2 + DST_DNS_MAX_MSG)

struct dst_dnsc {
	uv_loop_t *loop;
	char name[64];
	struct sockaddr_storage addrs[DST_DNSC_MAX_ADDRS];
	size_t naddrs;
	unsigned cur;              /* the address new requests go to */
	struct dst_dnsc_req *live; /* requests not yet ended */
	unsigned open;             /* requests not yet freed */
	bool closing;
	struct dst_dnsc_stats st;
	char last_error[128];
	uint8_t rbuf[DST_DNS_MAX_MSG]; /* UDP receive buffer (one loop: one reader at a time) */
};

struct dst_dnsc_req {
	struct dst_dnsc *c;
	struct dst_dnsc_req *next, *prev; /* c->live */
	dst_dnsc_cb cb;
	void *arg;
	bool done;
	bool udp_open, tcp_open, timer_open;
	unsigned handles; /* open: freed when the last closes */
	unsigned addr;    /* index into c->addrs */
	struct sockaddr_storage ss;
	uint16_t orig_id;
	int deferred; /* the status the timer reports */
	uv_udp_t udp;
	uv_udp_send_t usend;
	uv_tcp_t tcp;
	uv_connect_t conn;
	uv_write_t wr;
	uv_timer_t timer;
	uint8_t *tbuf; /* TCP: the framed answer being read */
	size_t tlen;
	size_t len;    /* of the query, without the 2-byte TCP length */
	uint8_t msg[]; /* 2-byte length, then the query (with our ID) */
};

static inline uint8_t *query_of(struct dst_dnsc_req *r)
{
	return r->msg + 2;
}

/* --- wire checks (pure) ---------------------------------------------------------- */

/* The end of the question of our own query (uncompressed name, type, class), or 0. */
static size_t question_end(const uint8_t *q, size_t len)
{
	size_t p = DST_DNS_HEADER_LEN;

	while (p < len && q[p] != 0) {
		if (q[p] > 63)
			return 0;
		p += q[p] + 1u;
	}
	p += 5;
	return p <= len ? p : 0;
}

bool dst_dnsc_reply_matches(const uint8_t *query, size_t qlen, const uint8_t *reply, size_t rlen)
{
	if (qlen < DST_DNS_HEADER_LEN || rlen < DST_DNS_HEADER_LEN)
		return false;
	if (!(reply[2] & 0x80) || reply[0] != query[0] || reply[1] != query[1] ||
	    dst_dns_qdcount(reply) != 1)
		return false;
	size_t end = question_end(query, qlen);
	if (end == 0 || end > rlen)
		return false;
	for (size_t i = DST_DNS_HEADER_LEN; i < end; i++) {
		uint8_t a = query[i], b = reply[i];
		if (a != b && !((a | 0x20) == (b | 0x20) && (a | 0x20) >= 'a' && (a | 0x20) <= 'z'))
			return false;
	}
	return true;
}

ssize_t dst_dnsc_plain_query(uint8_t *wire, size_t len)
{
	if (len < DST_DNS_HEADER_LEN || dst_dns_qdcount(wire) != 1 || dst_dns_ancount(wire) ||
	    dst_dns_nscount(wire) || dst_dns_arcount(wire) > 1)
		return DST_EINVAL;
	size_t opt = question_end(wire, len);
	if (opt == 0)
		return DST_EINVAL;
	if (dst_dns_arcount(wire) == 0)
		return opt == len ? (ssize_t)len : DST_EINVAL;
	if (opt + DST_DNS_OPT_LEN > len || wire[opt] != 0 ||
	    dst_dns_get16(wire + opt + 1) != DST_DNS_TYPE_OPT)
		return DST_EINVAL;
	size_t rd = opt + DST_DNS_OPT_LEN, end = rd + dst_dns_get16(wire + opt + 9);
	if (end != len)
		return DST_EINVAL;
	size_t in = rd, out = rd;
	while (in < end) {
		if (in + 4 > end)
			return DST_EINVAL;
		uint16_t code = dst_dns_get16(wire + in);
		size_t olen = 4u + dst_dns_get16(wire + in + 2);
		if (in + olen > end)
			return DST_EINVAL;
		if (code != DST_DNS_EDNS_PADDING && code != DST_DNS_EDNS_KEEPALIVE) {
			memmove(wire + out, wire + in, olen);
			out += olen;
		}
		in += olen;
	}
	dst_dns_put16(wire + opt + 3, DST_DNSC_UDP_SIZE);
	dst_dns_put16(wire + opt + 9, (uint16_t)(out - rd));
	return (ssize_t)out;
}

/* --- requests -------------------------------------------------------------------- */

static uint16_t random_id(void)
{
	uint16_t id = 0;

	/* getrandom(2): IDs must be unpredictable (RFC 5452). */
	if (uv_random(NULL, NULL, &id, sizeof(id), 0, NULL) < 0)
		id = (uint16_t)(uv_hrtime() ^ (uv_hrtime() >> 16));
	return id;
}

static void client_free_if_done(struct dst_dnsc *c)
{
	if (c->closing && c->open == 0)
		free(c);
}

static void on_handle_closed(uv_handle_t *h)
{
	struct dst_dnsc_req *r = h->data;

	if (--r->handles > 0)
		return;
	struct dst_dnsc *c = r->c;
	free(r->tbuf);
	free(r);
	c->open--;
	client_free_if_done(c);
}

static void close_handle(uv_handle_t *h, bool *open)
{
	if (*open) {
		*open = false;
		uv_close(h, on_handle_closed);
	}
}

/* Closes r's sockets and timer; r is freed once they are closed. */
static void release(struct dst_dnsc_req *r)
{
	struct dst_dnsc *c = r->c;

	if (r->handles == 0) {
		free(r->tbuf);
		free(r);
		c->open--;
		client_free_if_done(c);
		return;
	}
	close_handle((uv_handle_t *)&r->udp, &r->udp_open);
	close_handle((uv_handle_t *)&r->tcp, &r->tcp_open);
	close_handle((uv_handle_t *)&r->timer, &r->timer_open);
}

static void unlink_live(struct dst_dnsc_req *r)
{
	struct dst_dnsc *c = r->c;

	if (r->prev)
		r->prev->next = r->next;
	else
		c->live = r->next;
	if (r->next)
		r->next->prev = r->prev;
	r->next = r->prev = NULL;
}

/* The next requests try the next address (this one failed or stayed silent). */
static void move_on(struct dst_dnsc_req *r)
{
	struct dst_dnsc *c = r->c;

	if (c->naddrs > 1 && r->addr == c->cur)
		c->cur = (c->cur + 1) % (unsigned)c->naddrs;
}

/* Ends r once: its callback (unless cancelled), then its handles. */
static void finish(struct dst_dnsc_req *r, int status, uint8_t *wire, size_t len)
{
	struct dst_dnsc *c = r->c;
	char text[DST_ADDR_TEXT_LEN];

	if (r->done)
		return;
	r->done = true;
	unlink_live(r);
	if (status < 0 && status != DST_ECANCELED) {
		c->st.failures++;
		snprintf(c->last_error, sizeof(c->last_error), "%s from %s", dst_strerror(status),
			 dst_addr_text((const struct sockaddr *)&r->ss, text));
		move_on(r);
	}
	if (status == 0) {
		c->st.answers++;
		dst_dns_set_id(wire, r->orig_id);
	}
	r->cb(r->arg, status, wire, len);
	release(r);
}

static void on_deferred(uv_timer_t *t)
{
	struct dst_dnsc_req *r = t->data;

	finish(r, r->deferred, NULL, 0);
}

/* A failure inside dst_dnsc_send (or a callback chain of ours) is reported from the loop. */
static void fail_later(struct dst_dnsc_req *r, int status)
{
	if (r->timer_open || r->done)
		return;
	r->deferred = status;
	uv_timer_init(r->c->loop, &r->timer);
	r->timer.data = r;
	r->timer_open = true;
	r->handles++;
	uv_timer_start(&r->timer, on_deferred, 0, 0);
}

static void on_tcp_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct dst_dnsc_req *r = h->data;

	if (!r->tbuf)
		r->tbuf = malloc(TCP_BUF);
	*buf = uv_buf_init(r->tbuf ? (char *)r->tbuf + r->tlen : NULL,
			   r->tbuf ? (unsigned)(TCP_BUF - r->tlen) : 0);
}

static void on_tcp_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct dst_dnsc_req *r = s->data;

	if (r->done)
		return;
	if (n < 0) {
		finish(r, n == UV_EOF ? DST_EEOF : (int)n, NULL, 0);
		return;
	}
	if (!r->tbuf) {
		finish(r, DST_ENOMEM, NULL, 0);
		return;
	}
	r->tlen += (size_t)n;
	if (r->tlen < 2)
		return;
	size_t need = 2u + dst_dns_get16(r->tbuf);
	if (r->tlen < need)
		return;
	if (!dst_dnsc_reply_matches(query_of(r), r->len, r->tbuf + 2, need - 2)) {
		r->c->st.unmatched++;
		finish(r, DST_EMISMATCH, NULL, 0);
		return;
	}
	finish(r, 0, r->tbuf + 2, need - 2);
}

static void on_tcp_written(uv_write_t *w, int status)
{
	struct dst_dnsc_req *r = w->data;

	if (status < 0 && !r->done)
		finish(r, status, NULL, 0);
}

static void on_tcp_connected(uv_connect_t *cr, int status)
{
	struct dst_dnsc_req *r = cr->data;

	if (r->done)
		return;
	if (status < 0) {
		finish(r, status, NULL, 0);
		return;
	}
	uv_buf_t b = uv_buf_init((char *)r->msg, (unsigned)(r->len + 2));
	r->wr.data = r;
	int e = uv_write(&r->wr, (uv_stream_t *)&r->tcp, &b, 1, on_tcp_written);
	if (e == 0)
		e = uv_read_start((uv_stream_t *)&r->tcp, on_tcp_alloc, on_tcp_read);
	if (e < 0)
		finish(r, e, NULL, 0);
}

/* The UDP answer was truncated: the same question over TCP (RFC 7766), with a new ID. */
static void start_tcp(struct dst_dnsc_req *r)
{
	close_handle((uv_handle_t *)&r->udp, &r->udp_open);
	dst_dns_set_id(query_of(r), random_id());
	dst_dns_put16(r->msg, (uint16_t)r->len);
	uv_tcp_init(r->c->loop, &r->tcp);
	r->tcp.data = r;
	r->tcp_open = true;
	r->handles++;
	r->conn.data = r;
	int e = uv_tcp_connect(&r->conn, &r->tcp, (const struct sockaddr *)&r->ss,
			       on_tcp_connected);
	if (e < 0)
		finish(r, e, NULL, 0);
}

static void on_udp_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct dst_dnsc_req *r = h->data;

	*buf = uv_buf_init((char *)r->c->rbuf, sizeof(r->c->rbuf));
}

static void on_udp_recv(uv_udp_t *u, ssize_t n, const uv_buf_t *buf, const struct sockaddr *from,
			unsigned flags)
{
	struct dst_dnsc_req *r = u->data;
	uint8_t *wire = (uint8_t *)buf->base;

	if (r->done)
		return;
	if (n < 0) {
		/* ICMP port unreachable comes back here on a connected socket. */
		finish(r, (int)n, NULL, 0);
		return;
	}
	if (n == 0 && !from)
		return;
	if ((flags & UV_UDP_PARTIAL) ||
	    !dst_dnsc_reply_matches(query_of(r), r->len, wire, (size_t)n)) {
		r->c->st.unmatched++;
		return;
	}
	if (wire[2] & 0x02) {
		r->c->st.tcp_retries++;
		start_tcp(r);
		return;
	}
	finish(r, 0, wire, (size_t)n);
}

static void on_udp_sent(uv_udp_send_t *s, int status)
{
	struct dst_dnsc_req *r = s->data;

	if (status < 0 && !r->done)
		finish(r, status, NULL, 0);
}

static int start_udp(struct dst_dnsc_req *r)
{
	uv_buf_t b = uv_buf_init((char *)query_of(r), (unsigned)r->len);
	int e = uv_udp_init(r->c->loop, &r->udp);

	if (e < 0)
		return e;
	r->udp.data = r;
	r->udp_open = true;
	r->handles++;
	r->usend.data = r;
	/* Connected: the kernel drops datagrams from anyone else, and reports ICMP errors. */
	if ((e = uv_udp_connect(&r->udp, (const struct sockaddr *)&r->ss)) < 0 ||
	    (e = uv_udp_recv_start(&r->udp, on_udp_alloc, on_udp_recv)) < 0)
		return e;
	return uv_udp_send(&r->usend, &r->udp, &b, 1, NULL, on_udp_sent);
}

int dst_dnsc_send(struct dst_dnsc *c, const uint8_t *wire, size_t len, dst_dnsc_cb cb, void *arg,
		  struct dst_dnsc_req **out)
{
	struct dst_dnsc_req *r;

	*out = NULL;
	if (c->closing || len < DST_DNS_HEADER_LEN || len > DST_DNS_MAX_MSG)
		return DST_EINVAL;
	if (!(r = calloc(1, sizeof(*r) + 2 + len)))
		return DST_ENOMEM;
	memcpy(query_of(r), wire, len);
	ssize_t n = dst_dnsc_plain_query(query_of(r), len);
	if (n < 0) {
		free(r);
		return (int)n;
	}
	r->len = (size_t)n;
	r->c = c;
	r->cb = cb;
	r->arg = arg;
	r->addr = c->cur;
	r->ss = c->addrs[c->cur];
	r->orig_id = dst_dns_get16(wire);
	dst_dns_set_id(query_of(r), random_id());
	r->next = c->live;
	if (r->next)
		r->next->prev = r;
	c->live = r;
	c->open++;
	c->st.queries++;
	int e = start_udp(r);
	if (e < 0)
		fail_later(r, e);
	*out = r;
	return 0;
}

void dst_dnsc_cancel(struct dst_dnsc_req *r, int reason)
{
	if (r->done)
		return;
	r->done = true;
	unlink_live(r);
	if (reason == DST_ETIMEDOUT)
		move_on(r);
	release(r);
}

/* --- the client -------------------------------------------------------------------- */

int dst_dnsc_set_addrs(struct dst_dnsc *c, const struct sockaddr_storage *addrs, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k < DST_DNSC_MAX_ADDRS; i++)
		if (addrs[i].ss_family == AF_INET || addrs[i].ss_family == AF_INET6)
			c->addrs[k++] = addrs[i];
	if (k == 0)
		return DST_EINVAL;
	c->naddrs = k;
	c->cur = 0;
	return 0;
}

int dst_dnsc_new(uv_loop_t *loop, const char *name, const struct sockaddr_storage *addrs, size_t n,
		 struct dst_dnsc **out)
{
	struct dst_dnsc *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return DST_ENOMEM;
	c->loop = loop;
	snprintf(c->name, sizeof(c->name), "%s", name ? name : "");
	if (dst_dnsc_set_addrs(c, addrs, n) < 0) {
		/* A host name not resolved yet: no address until dst_dnsc_set_addrs. */
		c->naddrs = 1;
		c->addrs[0].ss_family = AF_UNSPEC;
	}
	*out = c;
	return 0;
}

void dst_dnsc_close(struct dst_dnsc *c)
{
	if (!c || c->closing)
		return;
	c->closing = true;
	while (c->live)
		finish(c->live, DST_ECANCELED, NULL, 0);
	client_free_if_done(c);
}

void dst_dnsc_get_stats(const struct dst_dnsc *c, struct dst_dnsc_stats *st)
{
	*st = c->st;
}

const char *dst_dnsc_last_error(const struct dst_dnsc *c)
{
	return c->last_error;
}
