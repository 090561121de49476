/*
 * Worker loops for [server] threads (see workers.h).
 *
 * Threading rules: a worker touches only its own struct worker, its
 * sockets, the shared cache (which locks itself), the access list and
 * the policy (read only; replaced only while workers are stopped), its
 * own counters (relaxed atomics: the main loop sums them) and the inbox (under
 * set->lock). Everything else belongs to the main loop. Starting and
 * stopping happen on the main loop: a stop is an async message to the
 * worker, which closes its handles and returns from uv_run, and the main
 * loop joins it.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns/err.h"
#include "resolver/base/addr.h"
#include "resolver/base/log.h"
#include "resolver/io/udpbatch.h"
#include "resolver/listen/internal.h"
#include "resolver/query/answer.h"

#define MAX_THREADS 64
#define DEFAULT_MAX_THREADS 4
#define ROUNDS 4       /* batches read per wake-up before other handles get a turn */
#define INBOX_MIN 4096 /* datagrams waiting for the main loop, at least */

enum fwd_kind {
	FWD_FULL,     /* the whole path: rate limit, query log, ... */
	FWD_MISSED,   /* a parsed query the cache did not have */
	FWD_PREFETCH, /* answered from the cache here; refresh the entry */
};

/* A datagram for the main loop. */
struct fwd {
	struct fwd *next;
	struct sockaddr_storage local; /* the listen address as configured: which listener */
	socklen_t local_len;
	struct sockaddr_storage peer;
	enum fwd_kind kind;
	size_t len;
	uint8_t data[];
};

/* One worker's counters, written by it alone, summed by the main loop. */
struct wstats {
	uint64_t queries, acl_dropped, any, pending_full, local, blocked, rcodes[16];
} __attribute__((aligned(64)));

struct worker;

struct wsock {
	struct dst_config_addr addr; /* of the main loop's listener it shares */
	int fd;
	uv_poll_t poll;
	struct worker *w;
	struct wsock *next;
};

struct worker {
	struct dst_workers *set;
	unsigned index;
	pthread_t thread;
	uv_loop_t loop;
	uv_async_t stop;
	struct wsock *socks;
	struct dst_udp_batch *batch;
	struct wstats *st;
	const struct dst_acl *acl;
	struct dst_cache *cache;
	const struct dst_policy *policy; /* read only; replaced only while workers are stopped */
	bool pass_all; /* rate limit or query log: the main loop sees every query */
	bool ecs_pass;
	bool prefetch;  /* [cache] prefetch */
	bool forwarded; /* something went to the inbox in this wake-up */
	bool gave_up;   /* this flush already waited in vain for room to send */
	uint8_t scratch[DST_LISTEN_SCRATCH_LEN];
};

struct dst_workers {
	struct dst_listen *ls;
	struct worker *w[MAX_THREADS];
	unsigned n;
	struct wsock *kept[MAX_THREADS]; /* sockets of stopped workers, by index */
	uv_async_t inbox_async;
	pthread_mutex_t lock; /* the inbox: head, tail, len */
	struct fwd *head, **tail;
	size_t len, max;
	struct wstats st[MAX_THREADS];
};

static void stat_inc(uint64_t *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

static uint64_t stat_get(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

unsigned dst_workers_threads(uint32_t configured)
{
	unsigned n = configured;

	if (n == 0) {
		n = uv_available_parallelism();
		if (n > DEFAULT_MAX_THREADS)
			n = DEFAULT_MAX_THREADS;
	}
	if (n > MAX_THREADS)
		n = MAX_THREADS;
	return n ? n : 1;
}

/* Worker side */

/*
 * The kernel would not take an answer: wait up to 10 ms for room, once
 * per flush (a full buffer drops the rest as it would have dropped them).
 */
static void worker_unsent(void *owner, const struct sockaddr *peer, const uint8_t *wire, size_t len)
{
	struct wsock *s = owner;
	struct pollfd pfd = {.fd = s->fd, .events = POLLOUT};

	if (s->w->gave_up)
		return;
	if (poll(&pfd, 1, 10) <= 0 ||
	    (sendto(s->fd, wire, len, MSG_DONTWAIT, peer, dst_addr_len(peer)) < 0 &&
	     (errno == EAGAIN || errno == EWOULDBLOCK)))
		s->w->gave_up = true;
}

static void worker_flush(struct worker *w)
{
	w->gave_up = false;
	dst_udp_batch_flush(w->batch);
}

static void reply(struct worker *w, struct wsock *s, const struct sockaddr *peer,
		  const uint8_t *wire, size_t len)
{
	stat_inc(&w->st->rcodes[dst_dns_rcode(wire)]);
	if (dst_udp_batch_add(w->batch, s->fd, s, peer, wire, len))
		return;
	if (sendto(s->fd, wire, len, MSG_DONTWAIT, peer, dst_addr_len(peer)) < 0 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK)) {
		w->gave_up = false;
		worker_unsent(s, peer, wire, len);
	}
}

/*
 * Hands a datagram to the main loop. When the inbox is full (the main
 * loop is that far behind: INBOX_MIN or max-pending datagrams, whichever
 * is more), the client gets SERVFAIL at once, as the main loop itself
 * answers past max-pending: memory stays bounded.
 */
static void forward(struct worker *w, struct wsock *s, const uint8_t *wire, size_t len,
		    const struct sockaddr *peer, enum fwd_kind kind)
{
	struct dst_workers *set = w->set;
	struct fwd *f = malloc(sizeof(*f) + len);
	bool queued = false;

	if (f) {
		f->next = NULL;
		memcpy(&f->local, &s->addr.ss, s->addr.len);
		f->local_len = s->addr.len;
		memcpy(&f->peer, peer, dst_addr_len(peer));
		f->kind = kind;
		f->len = len;
		memcpy(f->data, wire, len);
		pthread_mutex_lock(&set->lock);
		if (set->len < set->max) {
			*set->tail = f;
			set->tail = &f->next;
			set->len++;
			queued = true;
		}
		pthread_mutex_unlock(&set->lock);
	}
	if (queued) {
		w->forwarded = true;
		return;
	}
	free(f);
	if (kind == FWD_PREFETCH)
		return;

	struct dst_dns_query dq;
	if (dst_dns_parse_query(wire, len, &dq) != DST_DNS_QUERY_OK)
		return;
	dst_count_log_atomic(&w->st->pending_full,
			     "the main loop is %zu queries behind: SERVFAIL at once", set->max);
	ssize_t n = dst_dns_error_response(wire, &dq, DST_DNS_RCODE_SERVFAIL, w->scratch,
					   sizeof(w->scratch));
	if (n > 0)
		reply(w, s, peer, w->scratch, (size_t)n);
}

static void acl_dropped(struct worker *w, const struct sockaddr *peer)
{
	char ip[DST_ADDR_TEXT_LEN];

	/* The main loop's words; the count is this loop's (the total is in stats). */
	dst_count_log_atomic(&w->st->acl_dropped,
			     "UDP query from %s dropped: not allowed by the access list",
			     dst_addr_text(peer, ip));
}

/* The worker's share of dst_listen__udp_query and dst_query_handle: what needs no upstream. */
static void worker_query(struct worker *w, struct wsock *s, const uint8_t *wire, size_t len,
			 const struct sockaddr *peer)
{
	struct dst_dns_query dq;
	struct dst_cache_key key;
	size_t n;

	stat_inc(&w->st->queries);
	if (!dst_acl_allows(w->acl, peer)) {
		acl_dropped(w, peer);
		return;
	}
	if (w->pass_all) {
		forward(w, s, wire, len, peer, FWD_FULL);
		return;
	}
	switch (dst_answer_fast(wire, len, w->policy, w->cache, w->ecs_pass, true, uv_now(&w->loop),
				w->scratch, sizeof(w->scratch), &dq, &key, &n)) {
	case DST_FAST_DROP:
		return;
	case DST_FAST_MISS:
		forward(w, s, wire, len, peer, FWD_MISSED);
		return;
	case DST_FAST_ANY:
		stat_inc(&w->st->any);
		if (n)
			reply(w, s, peer, w->scratch, n);
		return;
	case DST_FAST_REPLY:
	case DST_FAST_HIT:
		reply(w, s, peer, w->scratch, n);
		return;
	case DST_FAST_LOCAL:
		stat_inc(&w->st->local);
		reply(w, s, peer, w->scratch, n);
		return;
	case DST_FAST_BLOCKED:
		stat_inc(&w->st->blocked);
		reply(w, s, peer, w->scratch, n);
		return;
	case DST_FAST_HIT_PREFETCH:
		reply(w, s, peer, w->scratch, n);
		if (w->prefetch)
			forward(w, s, wire, len, peer, FWD_PREFETCH);
		return;
	}
}

static void on_worker_readable(uv_poll_t *p, int status, int events)
{
	struct wsock *s = p->data;
	struct worker *w = s->w;
	struct dst_udp_batch *b = w->batch;

	if (status < 0) {
		/* libuv stopped the poll: read on (the error was one datagram's). */
		dst_log(DST_LOG_WARN, "thread %u: UDP socket error: %s", w->index + 2,
			uv_strerror(status));
		uv_poll_start(p, UV_READABLE, on_worker_readable);
		return;
	}
	if (!(events & UV_READABLE))
		return;
	w->forwarded = false;
	for (unsigned round = 0; round < ROUNDS; round++) {
		int n = dst_udp_batch_recv(b, s->fd);

		if (n <= 0)
			break;
		for (int i = 0; i < n; i++)
			worker_query(w, s, b->in_buf[i], b->in[i].msg_len,
				     (const struct sockaddr *)&b->in_peer[i]);
		worker_flush(w);
		if (n < DST_UDP_BATCH)
			break;
	}
	if (w->forwarded)
		uv_async_send(&w->set->inbox_async);
}

static void on_worker_stop(uv_async_t *a)
{
	struct worker *w = a->data;

	for (struct wsock *s = w->socks; s; s = s->next)
		uv_close((uv_handle_t *)&s->poll, NULL);
	uv_close((uv_handle_t *)&w->stop, NULL);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	uv_run(&w->loop, UV_RUN_DEFAULT);
	return NULL;
}

/* Main loop side */

static struct dst_listener *find_listener(struct dst_listen *ls, const struct fwd *f)
{
	for (struct dst_listener *l = ls->listeners; l; l = l->next)
		if (l->udp.rfd >= 0 && uv_is_active((uv_handle_t *)&l->udp.rpoll) &&
		    l->addr.len == f->local_len &&
		    memcmp(&l->addr.ss, &f->local, f->local_len) == 0)
			return l;
	return NULL;
}

static void on_inbox(uv_async_t *a)
{
	struct dst_workers *set = a->data;
	struct dst_listen *ls = set->ls;
	struct fwd *f, *next;

	pthread_mutex_lock(&set->lock);
	f = set->head;
	set->head = NULL;
	set->tail = &set->head;
	set->len = 0;
	pthread_mutex_unlock(&set->lock);
	dst_listen__batch_begin(ls);
	for (; f; f = next) {
		struct dst_listener *l = find_listener(ls, f);
		const struct sockaddr *peer = (const struct sockaddr *)&f->peer;
		struct dst_reply_to to = {.udp = l ? &l->udp : NULL, .peer = peer};

		next = f->next;
		if (l && f->kind == FWD_FULL)
			dst_listen__udp_query(&l->udp, f->data, f->len, peer, true);
		else if (l && f->kind == FWD_MISSED)
			dst_query_handle_missed(ls->queries, f->data, f->len, &to);
		else if (l)
			dst_query_prefetch(ls->queries, f->data, f->len);
		free(f);
	}
	dst_listen__batch_end(ls);
}

static struct wsock *take_kept(struct dst_workers *set, unsigned index,
			       const struct dst_config_addr *addr)
{
	for (struct wsock **pp = &set->kept[index]; *pp; pp = &(*pp)->next) {
		struct wsock *s = *pp;
		if (s->addr.len == addr->len && memcmp(&s->addr.ss, &addr->ss, addr->len) == 0) {
			*pp = s->next;
			s->next = NULL;
			return s;
		}
	}
	return NULL;
}

/* A socket in l's SO_REUSEPORT group: bound to the address l's socket really has (port 0 resolved). */
static struct wsock *open_sock(const struct dst_listener *l)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct wsock *s;
	int fd;

	if (getsockname(l->udp.fd, (struct sockaddr *)&ss, &len) < 0) {
		dst_log(DST_LOG_ERR, "listen %s (udp, threads): %s", l->addr.text, strerror(errno));
		return NULL;
	}
	fd = dst_udp_socket_bind((const struct sockaddr *)&ss, len);
	if (fd < 0) {
		dst_log(DST_LOG_ERR, "listen %s (udp, threads): %s", l->addr.text, strerror(-fd));
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		return NULL;
	}
	/* As the main loop's listener does; capped by net.core.rmem_max once unprivileged. */
	(void)dst_udp_grow_rcvbuf(fd, DST_UDP_RCVBUF);
	s->addr = l->addr;
	s->fd = fd;
	return s;
}

static void close_socks(struct wsock *s)
{
	while (s) {
		struct wsock *next = s->next;
		close(s->fd);
		free(s);
		s = next;
	}
}

/* After the worker's loop has ended (or never ran): its sockets go to kept. */
static void worker_free(struct dst_workers *set, struct worker *w)
{
	uv_run(&w->loop, UV_RUN_DEFAULT); /* the close callbacks, if the thread never ran */
	if (uv_loop_close(&w->loop) != 0)
		dst_log(DST_LOG_WARN, "thread %u: handles left open", w->index + 2);
	struct wsock **tail = &set->kept[w->index];
	while (*tail)
		tail = &(*tail)->next;
	*tail = w->socks;
	dst_udp_batch_free(w->batch);
	free(w);
}

static struct worker *worker_new(struct dst_workers *set, unsigned index)
{
	struct dst_listen *ls = set->ls;
	struct worker *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->batch = dst_udp_batch_new(worker_unsent);
	if (!w->batch) {
		free(w);
		return NULL;
	}
	w->set = set;
	w->index = index;
	w->st = &set->st[index];
	w->acl = ls->acl;
	w->cache = ls->cache;
	w->policy = ls->policy;
	w->pass_all = ls->ratelimit || ls->cfg->log_queries;
	w->ecs_pass = ls->cfg->ecs == DST_CONFIG_ECS_PASS;
	w->prefetch = ls->cfg->cache_prefetch;
	if (uv_loop_init(&w->loop) != 0) {
		dst_udp_batch_free(w->batch);
		free(w);
		return NULL;
	}
	if (uv_async_init(&w->loop, &w->stop, on_worker_stop) != 0) {
		uv_loop_close(&w->loop);
		dst_udp_batch_free(w->batch);
		free(w);
		return NULL;
	}
	w->stop.data = w;
	for (struct dst_listener *l = ls->listeners; l; l = l->next) {
		if (l->udp.rfd < 0 || !uv_is_active((uv_handle_t *)&l->udp.rpoll))
			continue;
		struct wsock *s = take_kept(set, index, &l->addr);
		if (!s)
			s = open_sock(l);
		if (!s)
			continue;
		if (uv_poll_init(&w->loop, &s->poll, s->fd) != 0) {
			close_socks(s);
			continue;
		}
		s->w = w;
		s->next = w->socks;
		w->socks = s;
		s->poll.data = s;
		uv_poll_start(&s->poll, UV_READABLE, on_worker_readable);
	}
	if (!w->socks) {
		/* Nothing to read: not worth a thread. */
		on_worker_stop(&w->stop);
		worker_free(set, w);
		return NULL;
	}
	return w;
}

int dst_workers_start(struct dst_listen *ls)
{
	unsigned n = dst_workers_threads(ls->cfg->threads); /* at most MAX_THREADS */
	struct dst_workers *set = ls->workers;

	if (n <= 1 && !set)
		return 0;
	if (!set) {
		/* Aligned, so that each worker's counters have a cache line of their own. */
		size_t size = (sizeof(*set) + 63) & ~(size_t)63;

		set = aligned_alloc(64, size);
		if (!set)
			return DST_ENOMEM;
		memset(set, 0, size);
		set->ls = ls;
		set->tail = &set->head;
		if (uv_async_init(ls->loop, &set->inbox_async, on_inbox) != 0) {
			free(set);
			return DST_ENOMEM;
		}
		pthread_mutex_init(&set->lock, NULL);
		set->inbox_async.data = set;
		ls->workers = set;
	}
	set->max = ls->cfg->max_pending > INBOX_MIN ? ls->cfg->max_pending : INBOX_MIN;
	if (n > 1 && ls->cache)
		dst_cache_set_shared(ls->cache);
	for (unsigned i = 0; i + 1 < n; i++) {
		struct worker *w = worker_new(set, i);
		int r;

		if (!w) {
			/*
			 * No socket could join the listen addresses' groups: after
			 * privileges are dropped, only a socket of the same user
			 * as the first may (and below port 1024, not even that).
			 */
			dst_log(DST_LOG_WARN,
				"threads: thread %u not started (no memory, or no UDP "
				"socket could join the listen addresses without the privileges "
				"dotstub "
				"started with); %u threads until the next start",
				i + 2, i + 1);
			break;
		}
		r = pthread_create(&w->thread, NULL, worker_main, w);
		if (r != 0) {
			dst_log(DST_LOG_ERR, "threads: cannot start thread %u: %s", i + 2,
				strerror(r));
			on_worker_stop(&w->stop);
			worker_free(set, w);
			break;
		}
		set->w[set->n++] = w;
	}
	/* Sockets no worker took back: their address is gone, or threads went down. */
	for (unsigned i = 0; i < MAX_THREADS; i++) {
		close_socks(set->kept[i]);
		set->kept[i] = NULL;
	}
	if (set->n)
		dst_log(DST_LOG_INFO, "%u threads take UDP queries", set->n + 1);
	return 0;
}

void dst_workers_pause(struct dst_listen *ls)
{
	struct dst_workers *set = ls->workers;

	if (!set)
		return;
	for (unsigned i = 0; i < set->n; i++)
		uv_async_send(&set->w[i]->stop);
	for (unsigned i = 0; i < set->n; i++) {
		pthread_join(set->w[i]->thread, NULL);
		worker_free(set, set->w[i]);
		set->w[i] = NULL;
	}
	set->n = 0;
	/* What they passed on is handled now, while its listener surely exists. */
	on_inbox(&set->inbox_async);
}

static void on_inbox_closed(uv_handle_t *h)
{
	struct dst_workers *set = h->data;

	pthread_mutex_destroy(&set->lock);
	free(set);
}

void dst_workers_close(struct dst_listen *ls)
{
	struct dst_workers *set = ls->workers;

	if (!set)
		return;
	dst_workers_pause(ls);
	for (unsigned i = 0; i < MAX_THREADS; i++) {
		close_socks(set->kept[i]);
		set->kept[i] = NULL;
	}
	/* Later reports (the last log line) still count what the workers did. */
	dst_workers_add_stats(ls, &ls->stats);
	ls->workers = NULL;
	uv_close((uv_handle_t *)&set->inbox_async, on_inbox_closed);
}

unsigned dst_workers_queries(const struct dst_listen *ls, uint64_t *out, unsigned max)
{
	const struct dst_workers *set = ls->workers;
	unsigned n = 0;

	for (; set && n < set->n && n < max; n++)
		out[n] = stat_get(&set->st[n].queries);
	return n;
}

void dst_workers_add_stats(const struct dst_listen *ls, struct dst_stats *sum)
{
	const struct dst_workers *set = ls->workers;

	if (!set)
		return;
	for (unsigned i = 0; i < MAX_THREADS; i++) {
		const struct wstats *st = &set->st[i];

		sum->queries += stat_get(&st->queries);
		sum->acl_dropped += stat_get(&st->acl_dropped);
		sum->any += stat_get(&st->any);
		sum->pending_full += stat_get(&st->pending_full);
		sum->local += stat_get(&st->local);
		sum->blocked += stat_get(&st->blocked);
		for (unsigned r = 0; r < 16; r++)
			sum->rcodes[r] += stat_get(&st->rcodes[r]);
	}
}
