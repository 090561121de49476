/*
 * Key fetches (docs/dnssec.md, "How it works"): the DS or DNSKEY answer a
 * walk needs, asked as a query of its own with DO and CD, through the same
 * upstreams, failover, join table and cache as any, with no client; its
 * answer (or its failure) goes back to the query waiting for it, which
 * resumes from its timer. A cold chain is asked for ahead, all at once.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns/err.h"
#include "resolver/query/internal.h"

#if DST_DNSSEC

#include "resolver/query/dnssec.h"
#include "resolver/validate/store.h"

/* The query message for name/type with DO and CD: a key fetch's, or its cache key's. */
static size_t fetch_message(const uint8_t *name, size_t len, uint16_t type, uint8_t *out)
{
	static const uint8_t opt[] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0};
	size_t o = DST_DNS_HEADER_LEN;

	memset(out, 0, DST_DNS_HEADER_LEN);
	out[2] = 0x01; /* RD */
	out[3] = 0x10; /* CD: the upstream's own validation must not hide what we check */
	out[5] = 1;    /* QDCOUNT */
	out[11] = 1;   /* ARCOUNT: the OPT, with DO */
	memcpy(out + o, name, len);
	o += len;
	dst_dns_put16(out + o, type);
	dst_dns_put16(out + o + 2, 1);
	o += 4;
	memcpy(out + o, opt, sizeof(opt));
	return o + sizeof(opt);
}

/* A fetch answered from the cache, when a key fetch left it there. */
static bool from_cache(struct dst_query *q, const struct dst_dns_query *dq)
{
	struct dst_queries *qs = q->qs;
	struct dst_cache_key key;
	unsigned flags = 0;

	if (!qs->cache)
		return false;
	dst_cache_key_make(&key, dq);
	ssize_t n = dst_cache_lookup_ex(qs->cache, &key, dst_queries__now(qs), qs->scratch,
					sizeof(qs->scratch), &flags);
	if (n <= 0)
		return false;
	/* A SERVFAIL cached (servfail-ttl): the fetch failed; it says nothing about the zone. */
	if (dst_dns_rcode(qs->scratch) == DST_DNS_RCODE_SERVFAIL)
		return dst_qval__add_got(q->val, dq->qname_lower, dq->qname_len, dq->qtype, NULL,
					 0) != NULL;
	return dst_qval__add_got(q->val, dq->qname_lower, dq->qname_len, dq->qtype, qs->scratch,
				 (size_t)n) != NULL;
}

/* Starts the key fetch of name/type for q (or answers it from the cache). */
int dst_qval__start_fetch(struct dst_query *q, const uint8_t *name, size_t len, uint16_t type,
			  enum walk *w)
{
	struct dst_queries *qs = q->qs;
	uint8_t msg[DST_DNS_HEADER_LEN + DST_DNS_MAX_NAME + 4 + 11];
	size_t mlen = fetch_message(name, len, type, msg);
	struct dst_dns_query dq;
	struct dst_cache_key key;
	static const struct dst_reply_to nobody;

	if (dst_dns_parse_query(msg, mlen, &dq) != DST_DNS_QUERY_OK)
		return DST_EFORMAT;
	if (from_cache(q, &dq)) {
		*w = WALK_DONE;
		return 0;
	}
	dst_cache_key_make(&key, &dq);
	struct dst_qval *v = q->val;
	v->fetch_over = false;
	v->fetch_stripped = false;
	v->fetch_starting = true;
	struct dst_query *f = dst_query__start(qs, msg, mlen, &dq, &key, &nobody, q);
	v->fetch_starting = false;
	if (!f)
		return DST_ENOMEM; /* max-pending, or a zone action: no keys this way */
	/* A fetch that failed at once (no upstream to try) has ended already. */
	v->fetch = v->fetch_over ? NULL : f;
	*w = WALK_WAIT;
	return 0;
}

/*
 * A cold chain: the DS and DNSKEY answers of every zone from the root down
 * to name are likely to be asked for next, one after the other. Asked for
 * now, all at once (pipelined on the pooled connections), they land in the
 * cache, where the walk finds them, or are joined by its own fetches while
 * still out: one round trip instead of one per answer. At most
 * MAX_CHAIN_FETCHES; names whose zone object is stored are skipped.
 */
void dst_qval__fetch_chain_ahead(struct dst_query *q, const uint8_t *name, size_t len)
{
	struct dst_queries *qs = q->qs;
	size_t offs[DST_DNS_MAX_NAME / 2 + 1];
	unsigned n = 0, started = 0;
	static const struct dst_reply_to nobody;

	for (size_t off = 0; off < len && n < sizeof(offs) / sizeof(offs[0]);
	     off += 1u + name[off]) {
		offs[n++] = off;
		if (!name[off])
			break;
	}
	/* Root first: the order the walk will need them in. */
	for (unsigned i = n; i-- > 0 && started < MAX_CHAIN_FETCHES;) {
		const uint8_t *z = name + offs[i];
		size_t zl = len - offs[i];
		if (dst_val_store_get(qs->dnssec->keys, z, zl, (int64_t)time(NULL)))
			continue;
		for (int k = 0; k < 2 && started < MAX_CHAIN_FETCHES; k++) {
			uint16_t type = k == 0 ? DST_VAL_TYPE_DNSKEY : DST_VAL_TYPE_DS;
			uint8_t msg[DST_DNS_HEADER_LEN + DST_DNS_MAX_NAME + 4 + 11];
			struct dst_dns_query dq;
			struct dst_cache_key key;
			unsigned flags = 0;

			if (type == DST_VAL_TYPE_DS && zl == 1)
				continue; /* the root has no DS: its anchor stands in */
			size_t mlen = fetch_message(z, zl, type, msg);
			if (dst_dns_parse_query(msg, mlen, &dq) != DST_DNS_QUERY_OK)
				continue;
			dst_cache_key_make(&key, &dq);
			if (qs->cache &&
			    dst_cache_lookup_ex(qs->cache, &key, dst_queries__now(qs), qs->scratch,
						sizeof(qs->scratch), &flags) > 0)
				continue;
			/* No parent: a key fetch for the cache (joined if one is out already). */
			qs->dnssec->chain_fetch = true;
			if (dst_query__start(qs, msg, mlen, &dq, &key, &nobody, NULL))
				started++;
			qs->dnssec->chain_fetch = false;
		}
	}
}

bool dst_queries__chain_fetch(const struct dst_queries *qs)
{
	return qs->dnssec && qs->dnssec->chain_fetch;
}

/* A key fetch ended: wire NULL when it failed. Resumes the parent from its timer. */
void dst_query__fetch_over(struct dst_query *f, const uint8_t *wire, size_t len)
{
	struct dst_query *p = f->parent;
	struct dst_qval *v = p ? p->val : NULL;

	f->parent = NULL;
	if (!v || (v->fetch != f && !v->fetch_starting))
		return;
	v->fetch = NULL;
	v->fetch_over = true;
	v->fetch_stripped = !wire && f->last_status == DST_ENODNSSEC;
	if (v->fetch_stripped) {
		struct dst_dns_ede ede;
		char text[sizeof(v->fetch_why)];
		dst_query__ede(f, &ede, text, sizeof(text));
		snprintf(v->fetch_why, sizeof(v->fetch_why), "%.*s", (int)ede.text_len, ede.text);
	}
	/* Failed or not, it is now known: a failure leaves a NULL answer the walk reports. */
	(void)dst_qval__add_got(v, f->dq.qname_lower, f->dq.qname_len, f->dq.qtype, wire, len);
	uv_timer_start(&p->timer, dst_query__on_timer, 0, 0);
}

#else /* !DST_DNSSEC */

bool dst_queries__chain_fetch(const struct dst_queries *qs)
{
	(void)qs;
	return false;
}

void dst_query__fetch_over(struct dst_query *f, const uint8_t *wire, size_t len)
{
	(void)wire;
	(void)len;
	f->parent = NULL;
}

#endif
