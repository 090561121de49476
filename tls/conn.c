/*
 * One DNS-over-TLS connection: a GnuTLS client session over a libuv TCP
 * stream.
 *
 * GnuTLS never touches the socket. Its pull function reads from the bytes
 * libuv just handed to on_read (all of them are consumed before on_read
 * returns, because we call GnuTLS until it says EAGAIN); its push function
 * appends to c->out, which dst_tls__conn_flush hands to one uv_write. So a
 * batch of corked queries costs one write call.
 *
 * Lifecycle: CONNECTING -> HANDSHAKE -> READY -> CLOSING. A connection that
 * fails before READY is reported with dst_tls__conn_failed, one that dies
 * after with dst_tls__conn_lost; pool.c decides what happens to requests.
 * Memory is freed when both libuv handles have closed.
 */
#include "config.h"

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns/err.h"
#include "tls/clock.h"
#include "tls/internal.h"

#define READ_BUF_LEN (64 * 1024)
#define PLAIN_BUF_LEN (16 * 1024 + 256)

static void conn_error(struct dst_tls_conn *c, int status)
{
	if (c->state == DST_CONN_CLOSING)
		return;
	if (c->state == DST_CONN_READY)
		dst_tls__conn_lost(c, status);
	else
		dst_tls__conn_failed(c, status);
}

static ssize_t on_push(gnutls_transport_ptr_t ptr, const void *data, size_t len)
{
	struct dst_tls_conn *c = ptr;

	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		while (cap < c->out_len + len)
			cap *= 2;
		uint8_t *n = realloc(c->out, cap);
		if (!n) {
			gnutls_transport_set_errno(c->session, ENOMEM);
			return -1;
		}
		c->out = n;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
	return (ssize_t)len;
}

static ssize_t on_pull(gnutls_transport_ptr_t ptr, void *data, size_t len)
{
	struct dst_tls_conn *c = ptr;

	if (c->in_len == 0) {
		gnutls_transport_set_errno(c->session, EAGAIN);
		return -1;
	}
	if (len > c->in_len)
		len = c->in_len;
	memcpy(data, c->in, len);
	c->in += len;
	c->in_len -= len;
	return (ssize_t)len;
}

/* Without this GnuTLS would select() on the transport pointer as an fd. */
static int on_pull_timeout(gnutls_transport_ptr_t ptr, unsigned ms)
{
	struct dst_tls_conn *c = ptr;

	return c->in_len > 0 ? 1 : 0;
}

struct write_req {
	uv_write_t req;
	uint8_t *buf;
};

static void on_write(uv_write_t *req, int status)
{
	struct write_req *w = (struct write_req *)req;
	struct dst_tls_conn *c = req->handle->data;

	free(w->buf);
	free(w);
	/* ECANCELED means the handle is closing: c may be about to go. */
	if (status < 0 && status != UV_ECANCELED)
		conn_error(c, status);
}

/*
 * Hands everything GnuTLS produced so far to the kernel: written at once
 * when it takes it all (the usual case: no request, no allocation, and no
 * epoll change, which libuv makes after every finished uv_write), else
 * what is left goes to one uv_write.
 */
void dst_tls__conn_flush(struct dst_tls_conn *c)
{
	if (c->out_len == 0 || c->state == DST_CONN_CLOSING)
		return;
	uv_buf_t b = uv_buf_init((char *)c->out, (unsigned)c->out_len);
	int r = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
	size_t done = 0;

	/*
	 * Any error is left for uv_write to report through on_write, later:
	 * callers go on using c after a flush, so it must not close c here.
	 */
	if (r >= 0)
		done = (size_t)r;
	if (done == c->out_len) {
		c->out_len = 0;
		return;
	}
	struct write_req *w = malloc(sizeof(*w));
	if (!w) {
		conn_error(c, DST_ENOMEM);
		return;
	}
	w->buf = c->out;
	b = uv_buf_init((char *)c->out + done, (unsigned)(c->out_len - done));
	c->out = NULL;
	c->out_len = c->out_cap = 0;
	r = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_write);
	if (r < 0) {
		free(w->buf);
		free(w);
		conn_error(c, r);
	}
}

static void save_session(struct dst_tls_conn *c)
{
	struct dst_tls_pool *p = c->pool;
	gnutls_datum_t d;

	if (gnutls_session_get_data2(c->session, &d) < 0)
		return;
	gnutls_free(p->session_data.data);
	p->session_data = d;
}

static void recv_records(struct dst_tls_conn *c);

static int frame_cb(void *arg, const uint8_t *wire, size_t len)
{
	struct dst_tls_conn *c = arg;

	c->answers++;
	dst_tls__conn_answer(c, wire, len);
	return c->state == DST_CONN_READY ? 0 : 1;
}

static void handshake(struct dst_tls_conn *c)
{
	struct dst_tls_pool *p = c->pool;
	size_t before;
	int r;

	/* AGAIN may come back with input still unread: go on while it is consumed. */
	do {
		before = c->in_len;
		r = gnutls_handshake(c->session);
	} while ((r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) && c->in_len > 0 &&
		 c->in_len < before);
	dst_tls__conn_flush(c);
	if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
		return;
	if (r < 0) {
		dst_tls__set_error(p, "TLS handshake failed: %s", gnutls_strerror(r));
		conn_error(c, DST_ETLS);
		return;
	}
	int status = dst_tls__verify(c);
	if (status < 0) {
		conn_error(c, status);
		return;
	}
	bool resumed = gnutls_session_is_resumed(c->session);
	char *desc = gnutls_session_get_desc(c->session);
	dst_tls__event(p, "TLS session up (%s, %s)", resumed ? "resumed" : "full handshake",
		       desc ? desc : "?");
	gnutls_free(desc);
	if (resumed) {
		p->stats.resumed_handshakes++;
	} else {
		p->stats.full_handshakes++;
		/* TLS 1.2 session data exists now; 1.3 tickets come later. */
		if (gnutls_protocol_get_version(c->session) != GNUTLS_TLS1_3 && !c->excused)
			save_session(c);
	}
	uv_timer_stop(&c->timer);
	c->state = DST_CONN_READY;
	dst_tls__conn_ready(c);
	if (c->state == DST_CONN_READY && c->in_len > 0)
		recv_records(c);
}

static void recv_records(struct dst_tls_conn *c)
{
	size_t before = SIZE_MAX;

	while (c->state == DST_CONN_READY) {
		ssize_t n = gnutls_record_recv(c->session, c->plain, PLAIN_BUF_LEN);
		if (n > 0) {
			int r = dst_frame_feed(&c->frames, c->plain, (size_t)n, frame_cb, c);
			if (r == DST_ENOMEM)
				conn_error(c, DST_ENOMEM);
			continue;
		}
		/*
		 * After a post-handshake message (a TLS 1.3 session ticket) GnuTLS
		 * returns AGAIN although more records may be waiting, in our input
		 * or in its own buffer: stop only when neither has anything left.
		 */
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED || n == GNUTLS_E_REHANDSHAKE) {
			bool progress = c->in_len < before;
			before = c->in_len;
			if ((c->in_len > 0 && progress) ||
			    gnutls_record_check_pending(c->session) > 0)
				continue;
			break;
		}
		if (n == 0) {
			conn_error(c, DST_EEOF);
			return;
		}
		dst_tls__set_error(c->pool, "TLS receive failed: %s", gnutls_strerror((int)n));
		conn_error(c, gnutls_error_is_fatal((int)n) ? DST_ETLS : DST_ECONNRESET);
		return;
	}
	if (c->state != DST_CONN_READY)
		return;
	if (!c->ticket_saved && !c->excused &&
	    (gnutls_session_get_flags(c->session) & GNUTLS_SFLAGS_SESSION_TICKET)) {
		c->ticket_saved = true;
		save_session(c);
	}
	dst_tls__conn_flush(c);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct dst_tls_conn *c = h->data;

	*buf = uv_buf_init((char *)c->rbuf, READ_BUF_LEN);
}

/*
 * Acknowledge at once. A server without TCP_NODELAY (unbound's DoT) holds
 * its second answer until the first is acknowledged (Nagle), and with
 * nothing of ours to send the kernel would delay that ACK by ~40 ms: every
 * burst of queries would stall. The flag does not stick, so it is set again
 * after each read that leaves answers still to come (with none to come,
 * nothing waits for the ACK, and the system call is saved).
 */
static void quickack(struct dst_tls_conn *c)
{
#ifdef TCP_QUICKACK
	uv_os_fd_t fd;
	int one = 1;

	if (uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0)
		setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
#else
	(void)c;
#endif
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct dst_tls_conn *c = s->data;

	if (nread == 0)
		return;
	if (nread < 0) {
		conn_error(c, nread == UV_EOF ? DST_EEOF : (int)nread);
		return;
	}
	c->in = (const uint8_t *)buf->base;
	c->in_len = (size_t)nread;
	if (c->state == DST_CONN_HANDSHAKE) {
		quickack(c);
		handshake(c);
	} else if (c->state == DST_CONN_READY) {
		recv_records(c);
		/* c may be closing now, but its handle is still open until the close callback. */
		if (c->inflight > 0 && c->state == DST_CONN_READY)
			quickack(c);
	}
	c->in_len = 0;
}

static void on_timer(uv_timer_t *t)
{
	struct dst_tls_conn *c = t->data;

	if (c->state == DST_CONN_READY) {
		/* Idle timeout: our own decision, not a failure. */
		dst_tls__event(c->pool, "closing idle connection after %u ms", c->idle_ms);
		dst_tls__conn_close(c, 0);
		return;
	}
	dst_tls__set_error(c->pool, "%s: no TLS session within %u ms", c->pool->name,
			   c->pool->handshake_timeout_ms);
	conn_error(c, DST_ETIMEDOUT);
}

void dst_tls__conn_arm_idle(struct dst_tls_conn *c)
{
	uv_timer_start(&c->timer, on_timer, c->idle_ms, 0);
}

static int start_tls(struct dst_tls_conn *c)
{
	struct dst_tls_pool *p = c->pool;
	int r = gnutls_init(&c->session, GNUTLS_CLIENT | GNUTLS_NONBLOCK);

	if (r < 0)
		return DST_ENOMEM;
	if (gnutls_priority_set(c->session, p->prio) < 0 ||
	    gnutls_credentials_set(c->session, GNUTLS_CRD_CERTIFICATE, p->creds) < 0)
		return DST_ETLS;
	if (p->tls_name)
		gnutls_server_name_set(c->session, GNUTLS_NAME_DNS, p->tls_name,
				       strlen(p->tls_name));
	if (p->session_data.data)
		gnutls_session_set_data(c->session, p->session_data.data, p->session_data.size);
	gnutls_transport_set_ptr(c->session, c);
	gnutls_transport_set_push_function(c->session, on_push);
	gnutls_transport_set_pull_function(c->session, on_pull);
	gnutls_transport_set_pull_timeout_function(c->session, on_pull_timeout);
	r = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
	if (r < 0)
		return r;
	c->state = DST_CONN_HANDSHAKE;
	handshake(c);
	return 0;
}

static void on_connect(uv_connect_t *req, int status)
{
	struct dst_tls_conn *c = req->data;

	if (c->state == DST_CONN_CLOSING)
		return;
	if (status < 0) {
		dst_tls__set_error(c->pool, "connect failed: %s", uv_strerror(status));
		conn_error(c, status);
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	int r = start_tls(c);
	if (r < 0 && c->state != DST_CONN_CLOSING) {
		dst_tls__set_error(c->pool, "TLS setup failed: %s", dst_strerror(r));
		conn_error(c, r);
	}
}

static void on_handle_closed(uv_handle_t *h)
{
	struct dst_tls_conn *c = h->data;

	if (--c->handles_open > 0)
		return;
	if (c->session)
		gnutls_deinit(c->session);
	dst_frame_reset(&c->frames);
	free(c->out);
	free(c->rbuf);
	free(c->plain);
	free(c->slots);
	dst_tls__conn_freed(c);
	free(c);
}

static void close_handles(struct dst_tls_conn *c)
{
	uv_close((uv_handle_t *)&c->timer, on_handle_closed);
	uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	close_handles(req->data);
}

/*
 * Tears the connection down. status 0 is an orderly close of our own
 * (idle): close_notify goes out and the write side is shut before the
 * handles close. The caller has already moved the requests elsewhere.
 */
void dst_tls__conn_close(struct dst_tls_conn *c, int status)
{
	struct dst_tls_pool *p = c->pool;
	bool orderly = status == 0 && c->state == DST_CONN_READY;

	if (c->state == DST_CONN_CLOSING)
		return;
	if (orderly) {
		gnutls_bye(c->session, GNUTLS_SHUT_WR);
		dst_tls__conn_flush(c);
	}
	c->state = DST_CONN_CLOSING;
	uv_timer_stop(&c->timer);
	uv_read_stop((uv_stream_t *)&c->tcp);

	/* Unlink now, so that nothing is dispatched to a closing connection. */
	for (struct dst_tls_conn **pp = &p->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	p->nconns--;
	p->stats.conns_open = p->nconns;

	c->shutdown_req.data = c;
	if (orderly && uv_shutdown(&c->shutdown_req, (uv_stream_t *)&c->tcp, on_shutdown) == 0)
		return;
	close_handles(c);
}

/* Opens a new connection to the pool's next address. */
int dst_tls__conn_open(struct dst_tls_pool *p)
{
	struct dst_tls_conn *c = calloc(1, sizeof(*c));
	unsigned slots = 1;

	if (!c)
		return DST_ENOMEM;
	while (slots < 2 * p->max_inflight)
		slots <<= 1;
	c->rbuf = malloc(READ_BUF_LEN);
	c->plain = malloc(PLAIN_BUF_LEN);
	c->slots = calloc(slots, sizeof(*c->slots));
	if (!c->rbuf || !c->plain || !c->slots) {
		free(c->rbuf);
		free(c->plain);
		free(c->slots);
		free(c);
		return DST_ENOMEM;
	}
	c->slot_mask = slots - 1;
	c->pool = p;
	dst_frame_init(&c->frames);
	c->addr_idx = p->addr_next;
	c->idle_ms = p->idle_timeout_ms;

	uv_tcp_init(p->loop, &c->tcp);
	uv_timer_init(p->loop, &c->timer);
	c->tcp.data = c->timer.data = c->connect_req.data = c;
	c->handles_open = 2;
	c->state = DST_CONN_CONNECTING;
	c->next = p->conns;
	p->conns = c;
	p->nconns++;
	p->handles_open++;
	p->stats.conns_open = p->nconns;

	uv_timer_start(&c->timer, on_timer, p->handshake_timeout_ms, 0);
	int r = uv_tcp_connect(&c->connect_req, &c->tcp,
			       (const struct sockaddr *)&p->addrs[c->addr_idx], on_connect);
	if (r < 0) {
		/* Report like a refused connect, but from the loop, not from here. */
		dst_tls__set_error(p, "connect failed: %s", uv_strerror(r));
		uv_timer_start(&c->timer, on_timer, 0, 0);
	}
	return 0;
}

static int spki_pin(gnutls_x509_crt_t crt, uint8_t out[DST_TLS_PIN_LEN])
{
	gnutls_pubkey_t pub;
	gnutls_datum_t der = {NULL, 0};
	int r;

	if (gnutls_pubkey_init(&pub) < 0)
		return -1;
	r = gnutls_pubkey_import_x509(pub, crt, 0);
	if (r >= 0)
		r = gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &der);
	if (r >= 0)
		r = gnutls_hash_fast(GNUTLS_DIG_SHA256, der.data, der.size, out);
	gnutls_free(der.data);
	gnutls_pubkey_deinit(pub);
	return r < 0 ? -1 : 0;
}

/*
 * Remembers when the pinned certificate expires, and says so when that is
 * within 30 days: the pin set then needs the next key's pin before the
 * server switches, or the upstream fails from that day on.
 */
static void pin_matched(struct dst_tls_pool *p, int64_t not_after)
{
	int64_t left = not_after - (int64_t)time(NULL);

	p->stats.pin_not_after = not_after;
	if (not_after && left < 30 * 86400)
		dst_tls__event(p,
			       "warning: the pinned certificate %s in %lld days: "
			       "add the next key's pin-sha256 (see dotstub pin)",
			       left < 0 ? "expired" : "expires",
			       (long long)((left < 0 ? -left : left) / 86400));
}

/*
 * Whether a certificate in s's chain matches one of p's pins. On a match
 * *not_after is that certificate's expiry (0: unreadable); otherwise leaf
 * gets the server's own certificate's pin and *have_leaf says if it could.
 */
static bool pin_match(struct dst_tls_pool *p, gnutls_session_t s, int64_t *not_after,
		      uint8_t leaf[DST_TLS_PIN_LEN], bool *have_leaf)
{
	unsigned n = 0;
	const gnutls_datum_t *chain = gnutls_certificate_get_peers(s, &n);

	*have_leaf = false;
	for (unsigned i = 0; chain && i < n; i++) {
		gnutls_x509_crt_t crt;
		uint8_t pin[DST_TLS_PIN_LEN];
		time_t t = 0;
		bool ok = false;

		if (gnutls_x509_crt_init(&crt) < 0)
			break;
		if (gnutls_x509_crt_import(crt, &chain[i], GNUTLS_X509_FMT_DER) >= 0 &&
		    spki_pin(crt, pin) == 0) {
			ok = true;
			t = gnutls_x509_crt_get_expiration_time(crt);
		}
		gnutls_x509_crt_deinit(crt);
		if (!ok)
			continue;
		if (i == 0) {
			memcpy(leaf, pin, DST_TLS_PIN_LEN);
			*have_leaf = true;
		}
		for (size_t k = 0; k < p->npins; k++)
			if (memcmp(pin, p->pins[k], DST_TLS_PIN_LEN) == 0) {
				*not_after = t == (time_t)-1 ? 0 : (int64_t)t;
				return true;
			}
	}
	return false;
}

static int verify_pins(struct dst_tls_pool *p, gnutls_session_t s)
{
	uint8_t leaf[DST_TLS_PIN_LEN];
	bool have_leaf;
	int64_t not_after = 0;

	if (pin_match(p, s, &not_after, leaf, &have_leaf)) {
		pin_matched(p, not_after);
		return 0;
	}
	gnutls_datum_t in = {leaf, sizeof(leaf)}, b64 = {NULL, 0};
	if (have_leaf && gnutls_base64_encode2(&in, &b64) >= 0) {
		dst_tls__set_error(p,
				   "pin mismatch: no certificate in the chain matches a pin-sha256 "
				   "(server key is pin-sha256=%.*s)",
				   (int)b64.size, b64.data);
		gnutls_free(b64.data);
	} else {
		dst_tls__set_error(
			p, "pin mismatch: no certificate in the chain matches a pin-sha256");
	}
	return DST_EPINMISMATCH;
}

/* The longest path whose validity periods are checked against the floor. */
#define MAX_PATH 17

static bool validity_of(gnutls_x509_crt_t crt, struct dst_tls_validity *v)
{
	time_t a = gnutls_x509_crt_get_activation_time(crt);
	time_t b = gnutls_x509_crt_get_expiration_time(crt);

	if (a == (time_t)-1 || b == (time_t)-1)
		return false;
	v->not_before = (int64_t)a;
	v->not_after = (int64_t)b;
	return true;
}

/*
 * The validity periods of the path GnuTLS verified, into out (MAX_PATH):
 * the server's certificates from its own on, up to the first whose issuer
 * is in the trust store, and that issuer, the anchor. Certificates sent
 * after it are not on the path (an old cross-signature): GnuTLS cuts the
 * chain there too. One that cannot be read is left out; GnuTLS's own
 * verification has failed on it. Inside dst_tls__trust_begin/_end, where
 * the credentials hold the anchors. Returns how many were written.
 */
static size_t path_validity(struct dst_tls_pool *p, gnutls_session_t s,
			    struct dst_tls_validity *out)
{
	unsigned n = 0;
	const gnutls_datum_t *chain = gnutls_certificate_get_peers(s, &n);
	size_t k = 0;
	bool anchored = false;

	for (unsigned i = 0; chain && i < n && !anchored && k + 2 <= MAX_PATH; i++) {
		gnutls_x509_crt_t crt, issuer;

		if (gnutls_x509_crt_init(&crt) < 0)
			break;
		if (gnutls_x509_crt_import(crt, &chain[i], GNUTLS_X509_FMT_DER) >= 0) {
			k += validity_of(crt, &out[k]);
			/* A copy: without it, ownership depends on where the store lives (PKCS#11). */
			if (gnutls_certificate_get_issuer(p->creds, crt, &issuer,
							  GNUTLS_TL_GET_COPY) >= 0) {
				k += validity_of(issuer, &out[k]);
				gnutls_x509_crt_deinit(issuer);
				anchored = true;
			}
		}
		gnutls_x509_crt_deinit(crt);
	}
	return k;
}

/* GnuTLS's verification of s for p's tls_name with time checks off; a call that fails is INVALID. */
static unsigned verify_untimed(struct dst_tls_pool *p, gnutls_session_t s)
{
	unsigned flags = gnutls_certificate_get_verify_flags(p->creds), status = 0;

	/* The credentials are shared, but only within this thread, and put back at once. */
	gnutls_certificate_set_verify_flags(p->creds,
					    flags | GNUTLS_VERIFY_DISABLE_TIME_CHECKS |
						    GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS);
	if (gnutls_certificate_verify_peers3(s, p->tls_name, &status) < 0)
		status = GNUTLS_CERT_INVALID;
	gnutls_certificate_set_verify_flags(p->creds, flags);
	return status;
}

/*
 * Says once (until the clock reaches the floor) that a wrong clock was
 * excused, and marks c: its session is not kept for resumption, and it
 * takes no new queries once the clock is right (pool.c).
 */
static void excused(struct dst_tls_conn *c, bool pinned, int64_t now, int64_t floor,
		    enum dst_tls_floor_source src)
{
	struct dst_tls_pool *p = c->pool;
	char nows[32], floors[32];

	c->excused = true;
	if (!dst_tls_clock_warn_once())
		return;
	dst_tls_clock_text(now, nows, sizeof(nows));
	dst_tls_clock_text(floor, floors, sizeof(floors));
	dst_tls__event(p,
		       "warning: system clock %s is before %s %s: the clock is wrong; "
		       "accepting %s upstream %s whose certificate is not yet valid by it",
		       nows, dst_tls_floor_source_name(src), floors, pinned ? "pinned" : "unpinned",
		       p->name);
}

/*
 * The chain and name check (tls_name), with what a clock before the floor
 * excuses (tls/clock.h). Returns 0 or DST_ECERTVERIFY, why in p's error.
 */
static int verify_name(struct dst_tls_conn *c)
{
	struct dst_tls_pool *p = c->pool;
	gnutls_session_t s = c->session;
	struct dst_tls_validity path[MAX_PATH];
	enum dst_tls_floor_source src;
	int64_t now = (int64_t)time(NULL), floor = dst_tls_clock_floor(&src);
	unsigned status = 0, untimed;
	size_t n = 0;
	bool pinned = false;
	int r = dst_tls__trust_begin(p, s);

	if (r < 0)
		return r;
	r = gnutls_certificate_verify_peers3(s, p->tls_name, &status);
	untimed = status;
	if (r >= 0 && now < floor) {
		if (status)
			untimed = verify_untimed(p, s);
		n = path_validity(p, s, path);
	}
	dst_tls__trust_end(p);
	if (r < 0) {
		dst_tls__set_error(p, "certificate verification failed: %s", gnutls_strerror(r));
		return DST_ECERTVERIFY;
	}
	if (now >= floor) {
		dst_tls_clock_passed();
	} else if (p->npins) {
		uint8_t leaf[DST_TLS_PIN_LEN];
		bool have_leaf;
		int64_t not_after;

		pinned = pin_match(p, s, &not_after, leaf, &have_leaf);
	}

	char nows[32], floors[32];
	gnutls_datum_t txt = {NULL, 0};

	dst_tls_clock_text(now, nows, sizeof(nows));
	dst_tls_clock_text(floor, floors, sizeof(floors));
	switch (dst_tls_clock_judge(status, untimed, pinned, path, n, now, floor)) {
	case DST_CLOCK_VALID:
		return 0;
	case DST_CLOCK_EXCUSED:
		excused(c, pinned, now, floor, src);
		return 0;
	case DST_CLOCK_WRONG:
		/* First what a user must read: the cause is cut to 160 bytes for the EDE. */
		dst_tls__set_error(
			p,
			"certificate for %s not yet valid: the clock is wrong (%s, before "
			"%s %s); a pin would excuse it",
			p->tls_name, nows, dst_tls_floor_source_name(src), floors);
		return DST_ECERTVERIFY;
	case DST_CLOCK_EXPIRED:
		if (!(status & GNUTLS_CERT_EXPIRED)) {
			dst_tls__set_error(p,
					   "certificate for %s expired before %s %s: expired "
					   "whatever the wrong clock (%s) says",
					   p->tls_name, dst_tls_floor_source_name(src), floors,
					   nows);
			return DST_ECERTVERIFY;
		}
		break;
	case DST_CLOCK_INVALID:
		break;
	}
	gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &txt, 0);
	dst_tls__set_error(p, "certificate verification failed for %s: %s", p->tls_name,
			   txt.data ? (char *)txt.data : "unknown reason");
	gnutls_free(txt.data);
	return DST_ECERTVERIFY;
}

/*
 * Checks the peer after a full handshake: name and chain when tls_name is
 * set, pins when there are any. A resumed session was verified when it was
 * first established, and resumption proves the same key exchange secret.
 */
int dst_tls__verify(struct dst_tls_conn *c)
{
	struct dst_tls_pool *p = c->pool;

	if (gnutls_session_is_resumed(c->session))
		return 0;
	if (p->tls_name) {
		int r = verify_name(c);
		if (r < 0)
			return r;
	}
	if (p->npins)
		return verify_pins(p, c->session);
	return 0;
}
