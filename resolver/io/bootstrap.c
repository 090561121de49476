/*
 * c-ares on the libuv loop (see bootstrap.h).
 *
 * c-ares tells us through ARES_OPT_SOCK_STATE_CB which of its sockets to
 * watch for reading or writing; each gets a uv_poll_t, stopped and closed
 * when c-ares says it no longer cares (c-ares calls that just before it
 * closes the socket, so the poll never watches a closed descriptor). The
 * timer is re-armed from ares_timeout() after every step while lookups are
 * outstanding, and stopped when the last one ends.
 *
 * Lookups use ares_getaddrinfo (A and AAAA, with TTLs) with the "b"
 * (DNS only) lookup order, no search domains, and the configured servers
 * in place of resolv.conf's.
 */
#include "config.h"

#include <ares.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "resolver/io/bootstrap.h"

#define ARES_TRY_MS 1000 /* per server and try */
#define ARES_TRIES 2

struct sock_watch {
	uv_poll_t poll;
	ares_socket_t fd;
	struct dst_bootstrap *b;
	struct sock_watch *next;
};

struct lookup {
	struct dst_bootstrap *b;
	dst_bootstrap_cb cb;
	void *arg;
	uint16_t port;
};

struct dst_bootstrap {
	uv_loop_t *loop;
	ares_channel channel;
	uv_timer_t timer;
	struct sock_watch *socks;
	unsigned pending;      /* lookups outstanding */
	unsigned handles_open; /* the timer and every poll not yet closed */
	bool closing;
};

static void maybe_free(struct dst_bootstrap *b)
{
	if (b->closing && b->handles_open == 0) {
		free(b);
		ares_library_cleanup();
	}
}

static void on_handle_closed(uv_handle_t *h)
{
	struct dst_bootstrap *b = h->data;

	if (h->type == UV_POLL) {
		struct sock_watch *w = h->data;
		b = w->b;
		free(w);
	}
	b->handles_open--;
	maybe_free(b);
}

static void on_timer(uv_timer_t *t);

/* After every step: time c-ares's next retransmission, or stop when idle. */
static void rearm(struct dst_bootstrap *b)
{
	struct timeval tv, *next;

	if (b->closing)
		return;
	if (b->pending == 0) {
		uv_timer_stop(&b->timer);
		return;
	}
	next = ares_timeout(b->channel, NULL, &tv);
	uint64_t ms = next ? (uint64_t)next->tv_sec * 1000 + (uint64_t)(next->tv_usec + 999) / 1000
			   : ARES_TRY_MS;
	uv_timer_start(&b->timer, on_timer, ms, 0);
}

static void on_timer(uv_timer_t *t)
{
	struct dst_bootstrap *b = t->data;

	ares_process_fd(b->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	rearm(b);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
	struct sock_watch *w = p->data;
	struct dst_bootstrap *b = w->b;
	ares_socket_t fd = w->fd;

	/* On a poll error let c-ares read and write: it finds the socket's error itself. */
	ares_process_fd(b->channel, status < 0 || (events & UV_READABLE) ? fd : ARES_SOCKET_BAD,
			status < 0 || (events & UV_WRITABLE) ? fd : ARES_SOCKET_BAD);
	rearm(b);
}

static void on_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct dst_bootstrap *b = data;
	struct sock_watch **pp, *w;

	for (pp = &b->socks; (w = *pp); pp = &w->next)
		if (w->fd == fd)
			break;
	if (!readable && !writable) {
		if (!w)
			return;
		*pp = w->next;
		uv_poll_stop(&w->poll);
		uv_close((uv_handle_t *)&w->poll, on_handle_closed);
		return;
	}
	if (!w) {
		w = calloc(1, sizeof(*w));
		if (!w)
			return; /* the lookup times out instead */
		if (uv_poll_init_socket(b->loop, &w->poll, fd) < 0) {
			free(w);
			return;
		}
		w->fd = fd;
		w->b = b;
		w->poll.data = w;
		w->next = b->socks;
		b->socks = w;
		b->handles_open++;
	}
	uv_poll_start(&w->poll, (readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0),
		      on_poll);
}

static int status_of(int ares_status)
{
	switch (ares_status) {
	case ARES_ENOTFOUND:
	case ARES_ENODATA:
	case ARES_ENONAME:
		return DST_ENOENT;
	case ARES_ETIMEOUT:
		return DST_ETIMEDOUT;
	case ARES_ECANCELLED:
	case ARES_EDESTRUCTION:
		return DST_ECANCELED;
	case ARES_ENOMEM:
		return DST_ENOMEM;
	default:
		return DST_EFORMAT;
	}
}

static void on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	struct lookup *l = arg;
	struct dst_bootstrap *b = l->b;
	struct sockaddr_storage addrs[DST_BOOTSTRAP_MAX_ADDRS];
	size_t n = 0;
	uint32_t ttl = UINT32_MAX;
	char error[128];

	b->pending--;
	for (struct ares_addrinfo_node *a = res ? res->nodes : NULL;
	     a && n < DST_BOOTSTRAP_MAX_ADDRS; a = a->ai_next) {
		struct sockaddr_storage *ss = &addrs[n];
		memset(ss, 0, sizeof(*ss));
		if (a->ai_family == AF_INET && a->ai_addrlen >= sizeof(struct sockaddr_in)) {
			memcpy(ss, a->ai_addr, sizeof(struct sockaddr_in));
			((struct sockaddr_in *)ss)->sin_port = htons(l->port);
		} else if (a->ai_family == AF_INET6 &&
			   a->ai_addrlen >= sizeof(struct sockaddr_in6)) {
			memcpy(ss, a->ai_addr, sizeof(struct sockaddr_in6));
			((struct sockaddr_in6 *)ss)->sin6_port = htons(l->port);
		} else {
			continue;
		}
		if (a->ai_ttl >= 0 && (uint32_t)a->ai_ttl < ttl)
			ttl = (uint32_t)a->ai_ttl;
		n++;
	}
	if (res)
		ares_freeaddrinfo(res);
	int r = 0;
	if (status != ARES_SUCCESS || n == 0) {
		r = status == ARES_SUCCESS ? DST_ENOENT : status_of(status);
		snprintf(error, sizeof(error), "%s",
			 status == ARES_SUCCESS ? "no address in the answer"
						: ares_strerror(status));
	} else {
		error[0] = '\0';
	}
	dst_bootstrap_cb cb = l->cb;
	void *cb_arg = l->arg;
	free(l);
	cb(cb_arg, r, error, r ? NULL : addrs, r ? 0 : n, ttl == UINT32_MAX ? 0 : ttl);
	rearm(b);
}

int dst_bootstrap_new(uv_loop_t *loop, const struct dst_config_addr *servers, size_t n,
		      struct dst_bootstrap **out)
{
	struct ares_addr_port_node nodes[8];
	struct ares_options o;
	int optmask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_FLAGS | ARES_OPT_LOOKUPS |
		      ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
	char lookups[] = "b";

	if (n == 0 || n > sizeof(nodes) / sizeof(nodes[0]))
		return DST_EINVAL;
	struct dst_bootstrap *b = calloc(1, sizeof(*b));
	if (!b)
		return DST_ENOMEM;
	if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) {
		free(b);
		return DST_ENOMEM;
	}
	memset(&o, 0, sizeof(o));
	o.sock_state_cb = on_sock_state;
	o.sock_state_cb_data = b;
	o.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
	o.lookups = lookups;
	o.timeout = ARES_TRY_MS;
	o.tries = ARES_TRIES;
	int r = ares_init_options(&b->channel, &o, optmask);
	for (size_t i = 0; r == ARES_SUCCESS && i < n; i++) {
		const struct sockaddr_storage *ss = &servers[i].ss;
		struct ares_addr_port_node *nd = &nodes[i];
		memset(nd, 0, sizeof(*nd));
		nd->next = i + 1 < n ? &nodes[i + 1] : NULL;
		nd->family = ss->ss_family;
		if (ss->ss_family == AF_INET) {
			const struct sockaddr_in *sin = (const void *)ss;
			nd->addr.addr4 = sin->sin_addr;
			nd->udp_port = nd->tcp_port = ntohs(sin->sin_port);
		} else {
			const struct sockaddr_in6 *sin6 = (const void *)ss;
			memcpy(&nd->addr.addr6, &sin6->sin6_addr, sizeof(nd->addr.addr6));
			nd->udp_port = nd->tcp_port = ntohs(sin6->sin6_port);
		}
	}
	if (r == ARES_SUCCESS)
		r = ares_set_servers_ports(b->channel, nodes);
	if (r != ARES_SUCCESS) {
		if (b->channel)
			ares_destroy(b->channel);
		ares_library_cleanup();
		free(b);
		return r == ARES_ENOMEM ? DST_ENOMEM : DST_EINVAL;
	}
	b->loop = loop;
	uv_timer_init(loop, &b->timer);
	b->timer.data = b;
	b->handles_open = 1;
	*out = b;
	return 0;
}

int dst_bootstrap_lookup(struct dst_bootstrap *b, const char *host, uint16_t port,
			 dst_bootstrap_cb cb, void *arg)
{
	struct ares_addrinfo_hints hints;
	struct lookup *l = calloc(1, sizeof(*l));

	if (!l)
		return DST_ENOMEM;
	l->b = b;
	l->cb = cb;
	l->arg = arg;
	l->port = port;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	b->pending++;
	ares_getaddrinfo(b->channel, host, NULL, &hints, on_addrinfo, l);
	rearm(b);
	return 0;
}

void dst_bootstrap_close(struct dst_bootstrap *b)
{
	if (!b || b->closing)
		return;
	/* Pending lookups end now with ARES_EDESTRUCTION; sockets are closed through on_sock_state. */
	b->closing = true;
	ares_destroy(b->channel);
	uv_close((uv_handle_t *)&b->timer, on_handle_closed);
	maybe_free(b);
}
