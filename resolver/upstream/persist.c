/*
 * The upstreams' part of the persisted state: per running upstream, its
 * identity (select.h: dst_up_identity), RTT and health (the selector's)
 * and its pool's TLS session data (tls/), as records saved.c encodes.
 *
 * On load a record applies only to the running upstream with the same
 * identity: an upstream renamed, moved to other addresses or
 * authenticated otherwise starts afresh, and a session ticket is never
 * offered to a server other than the one that issued it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "resolver/upstream/internal.h"

int dst_upstreams_save(const struct dst_upstreams *u, int64_t now_s, dst_up_write_cb write,
		       void *arg, size_t *n)
{
	uint8_t id[DST_UP_ID_MAX];
	size_t sessions = 0;
	int r = 0;

	for (size_t i = 0; i < u->nups && r == 0; i++) {
		const struct dst_upstream *up = u->ups[i];
		struct dst_up_saved s = {.id = id};

		s.id_len = dst_up_identity(up->cfg, id, sizeof id);
		if (s.id_len == 0)
			continue;
		dst_selector_export(u->selector, up->index, &s);
		/* No pool (closed, or a transport without TLS): no session. */
		if (!up->pool || dst_tls_pool_session(up->pool, now_s, &s.session, &s.session_len,
						      &s.session_expires_s) < 0) {
			s.session = NULL;
			s.session_len = 0;
		} else {
			sessions++;
		}
		r = dst_up_saved_write(&s, write, arg);
	}
	if (n)
		*n = sessions;
	return r;
}

static struct dst_upstream *by_identity(struct dst_upstreams *u, const struct dst_up_saved *s)
{
	uint8_t id[DST_UP_ID_MAX];

	for (size_t i = 0; i < u->nups; i++) {
		size_t n = dst_up_identity(u->ups[i]->cfg, id, sizeof id);

		if (n && n == s->id_len && memcmp(id, s->id, n) == 0)
			return u->ups[i];
	}
	return NULL;
}

int dst_upstreams_load(struct dst_upstreams *u, const uint8_t *data, size_t len, int64_t now_s,
		       struct dst_upstreams_load_stats *st)
{
	struct dst_upstreams_load_stats c = {0};
	struct dst_up_saved s;
	size_t pos = 0;

	while (pos < len)
		if (dst_up_saved_read(data, len, &pos, &s) < 0)
			return DST_EFORMAT;
	for (pos = 0; pos < len;) {
		struct dst_upstream *up;

		dst_up_saved_read(data, len, &pos, &s);
		up = by_identity(u, &s);
		if (!up) {
			c.unknown++;
			continue;
		}
		c.matched++;
		dst_selector_import(u->selector, up->index, &s, uv_now(u->loop));
		if (!s.session || !up->pool)
			continue;
		if (dst_tls_pool_set_session(up->pool, s.session, s.session_len,
					     s.session_expires_s, now_s) == 0)
			c.sessions++;
		else
			c.expired++;
	}
	if (st)
		*st = c;
	return 0;
}
