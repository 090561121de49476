/*
 * The listening part as a whole: setting it up, the reply operations the
 * query engine answers through, reloading (plan beside the running
 * listeners, then commit or undo, as reload.c does for the whole server),
 * stopping, and what reports read.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "resolver/base/log.h"
#include "resolver/io/udpbatch.h"
#include "resolver/listen/internal.h"

/* Everything a reload builds before it commits. */
struct dst_listen_plan {
	struct dst_listen *ls;
	const struct dst_config *cfg;
	struct dst_listener **listeners; /* one per cfg->listen, kept or new */
	bool *listener_new;
	struct dst_acl *acl;
	struct dst_ratelimit *rl;
	unsigned kept;
};

/* The access list and the rate limiter, with a line in the log for each. */
static int make_limits(const struct dst_config *cfg, struct dst_acl **acl,
		       struct dst_ratelimit **rl)
{
	char text[1024];
	uint64_t seed = 0;
	int r = dst_acl_new(cfg->acl, cfg->nacl, cfg->listen, cfg->nlisten, acl);

	*rl = NULL;
	if (r < 0)
		return r;
	dst_log(DST_LOG_INFO, "access list%s: %s",
		dst_acl_is_default(*acl) ? " (default: loopback and private listener networks)"
					 : "",
		dst_acl_describe(*acl, text, sizeof(text)));
	for (size_t i = 0; i < cfg->nlisten && dst_acl_is_default(*acl); i++) {
		static const uint8_t any[16];
		const struct sockaddr *sa = (const struct sockaddr *)&cfg->listen[i].ss;
		bool v6 = sa->sa_family == AF_INET6;
		const void *ip = v6 ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
				    : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
		if (memcmp(ip, any, v6 ? 16 : 4) == 0)
			dst_log(DST_LOG_NOTICE,
				"listening on %s, but with no allow line only the "
				"default access list is answered (%s)",
				cfg->listen[i].text, text);
	}
	if (cfg->ratelimit == 0)
		return 0;
	/* A secret seed, so that no client can aim at another's rate limit slot. */
	if (uv_random(NULL, NULL, &seed, sizeof(seed), 0, NULL) < 0)
		seed = uv_hrtime();
	return dst_ratelimit_new(cfg->ratelimit, 0, DST_RATELIMIT_SLOTS, seed, rl);
}

void dst_listen_attach(struct dst_listen *ls, struct dst_queries *qs, struct dst_cache *cache)
{
	ls->queries = qs;
	ls->cache = cache;
}

void dst_listen_set_policy(struct dst_listen *ls, const struct dst_policy *policy)
{
	ls->policy = policy;
}

int dst_listen_new(uv_loop_t *loop, const struct dst_config *cfg, struct dst_listen **out)
{
	struct dst_listen *ls = calloc(1, sizeof(*ls));

	*out = ls;
	if (!ls)
		return DST_ENOMEM;
	ls->loop = loop;
	ls->cfg = cfg;
	/* Handles first: dst_listen_close closes them whatever failed below. */
	uv_check_init(loop, &ls->flush_check);
	uv_prepare_init(loop, &ls->flush_prepare);
	ls->flush_check.data = ls->flush_prepare.data = ls;
	ls->batch = dst_udp_batch_new(dst_listen__udp_queue);
	if (!ls->batch)
		return DST_ENOMEM;
	return make_limits(cfg, &ls->acl, &ls->ratelimit);
}

int dst_listen_open(struct dst_listen *ls)
{
	struct dst_listener **tail = &ls->listeners;

	for (size_t i = 0; i < ls->cfg->nlisten; i++) {
		int r = dst_listener_open(ls, &ls->cfg->listen[i], tail);
		if (r < 0)
			return r;
		tail = &(*tail)->next;
	}
	return 0;
}

int dst_listen_workers_start(struct dst_listen *ls)
{
	return dst_workers_start(ls);
}

void dst_listen_workers_pause(struct dst_listen *ls)
{
	dst_workers_pause(ls);
}

void dst_listen_stop(struct dst_listen *ls)
{
	struct dst_tcp_client *c, *next;

	ls->stopping = true;
	dst_workers_close(ls);
	for (struct dst_listener *l = ls->listeners; l; l = l->next)
		dst_listener_quiesce(l);
	for (c = ls->clients; c; c = next) {
		next = c->next;
		dst_listen__client_stop_reading(c);
	}
}

void dst_listen_close(struct dst_listen *ls)
{
	struct dst_listener *l, *next;

	if (!ls)
		return;
	ls->stopping = true;
	for (l = ls->listeners; l; l = next) {
		next = l->next;
		dst_listener_close(l);
	}
	ls->listeners = NULL;
	while (ls->clients)
		dst_listen__client_close(ls->clients);
}

void dst_listen_close_handles(struct dst_listen *ls)
{
	if (!ls)
		return;
	uv_close((uv_handle_t *)&ls->flush_check, NULL);
	uv_close((uv_handle_t *)&ls->flush_prepare, NULL);
}

void dst_listen_free(struct dst_listen *ls)
{
	if (!ls)
		return;
	dst_udp_batch_free(ls->batch);
	dst_acl_free(ls->acl);
	dst_ratelimit_free(ls->ratelimit);
	free(ls);
}

/* --- reload ------------------------------------------------------------------- */

int dst_listen_plan(struct dst_listen *ls, const struct dst_config *cfg,
		    struct dst_listen_plan **out)
{
	struct dst_listen_plan *p = calloc(1, sizeof(*p));

	*out = p;
	if (!p)
		return DST_ENOMEM;
	p->ls = ls;
	p->cfg = cfg;
	p->listeners = calloc(cfg->nlisten, sizeof(*p->listeners));
	p->listener_new = calloc(cfg->nlisten, sizeof(*p->listener_new));
	if (!p->listeners || !p->listener_new)
		return DST_ENOMEM;
	for (size_t i = 0; i < cfg->nlisten; i++) {
		for (struct dst_listener *l = ls->listeners; l && !p->listeners[i]; l = l->next)
			if (strcmp(l->addr.text, cfg->listen[i].text) == 0)
				p->listeners[i] = l;
		if (p->listeners[i]) {
			p->kept++;
			continue;
		}
		int r = dst_listener_open(ls, &cfg->listen[i], &p->listeners[i]);
		if (r < 0)
			return r;
		p->listener_new[i] = true;
	}
	return make_limits(cfg, &p->acl, &p->rl);
}

static void plan_free(struct dst_listen_plan *p)
{
	free(p->listeners);
	free(p->listener_new);
	free(p);
}

void dst_listen_plan_undo(struct dst_listen_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; p->listeners && i < p->cfg->nlisten; i++)
		if (p->listeners[i] && p->listener_new[i])
			dst_listener_close(p->listeners[i]);
	dst_acl_free(p->acl);
	dst_ratelimit_free(p->rl);
	plan_free(p);
}

unsigned dst_listen_plan_kept(const struct dst_listen_plan *p)
{
	return p->kept;
}

void dst_listen_commit(struct dst_listen *ls, struct dst_listen_plan *p, struct dst_cache *cache,
		       struct dst_listener **removed)
{
	struct dst_listener *l, *next, **tail;

	/* Removed listeners stop receiving now; their UDP side stays for answers owed. */
	*removed = NULL;
	for (l = ls->listeners; l; l = next) {
		bool kept = false;
		next = l->next;
		for (size_t i = 0; i < p->cfg->nlisten; i++)
			kept |= p->listeners[i] == l;
		if (!kept) {
			dst_listener_quiesce(l);
			l->next = *removed;
			*removed = l;
		}
	}
	tail = &ls->listeners;
	for (size_t i = 0; i < p->cfg->nlisten; i++) {
		*tail = p->listeners[i];
		tail = &p->listeners[i]->next;
	}
	*tail = NULL;
	dst_acl_free(ls->acl);
	dst_ratelimit_free(ls->ratelimit);
	ls->acl = p->acl;
	ls->ratelimit = p->rl;
	ls->cfg = p->cfg;
	ls->cache = cache;
	plan_free(p);
}

void dst_listen_close_retired(struct dst_listen *ls, struct dst_listener *list)
{
	struct dst_listener *next;

	for (; list; list = next) {
		next = list->next;
		/* Nothing should still owe an answer through it; if so, it is dropped. */
		dst_queries_detach_udp(ls->queries, &list->udp);
		dst_listener_close(list);
	}
}

/* --- reading ------------------------------------------------------------------ */

const struct dst_config_addr *dst_listen_addr(const struct dst_listen *ls, size_t i)
{
	const struct dst_listener *l = ls->listeners;

	for (; l && i; i--)
		l = l->next;
	return l ? &l->addr : NULL;
}

size_t dst_listen_tcp_clients(const struct dst_listen *ls)
{
	return ls->nclients;
}

void dst_listen_add_stats(const struct dst_listen *ls, struct dst_stats *sum)
{
	dst_stats_add(sum, &ls->stats);
	dst_workers_add_stats(ls, sum);
}

const struct dst_stats *dst_listen_stats(const struct dst_listen *ls)
{
	return &ls->stats;
}

unsigned dst_listen_worker_queries(const struct dst_listen *ls, uint64_t *out, unsigned max)
{
	return dst_workers_queries(ls, out, max);
}
