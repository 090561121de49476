/*
 * What a query sends: its answer to its client and to every query that
 * joined it (after the cache took it), SERVFAIL with an Extended DNS Error,
 * error answers, and the answers of zones with an action. The state
 * machine that decides when is query.c's.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "resolver/query/internal.h"
#include "resolver/upstream/upstream.h"

#define ZONE_NEG_TTL 300 /* action = nxdomain: the SOA's TTL and minimum (negative caching) */

static size_t reply_limit(const struct dst_query *q)
{
	return q->to.udp ? q->dq.udp_size : DST_DNS_MAX_MSG;
}

/* Where q's answer goes; nowhere once a stale answer went out, or for a prefetch. */
static void reply_to_of(struct dst_query *q, struct dst_reply_to *to)
{
	*to = q->to;
	if (q->answered)
		to->udp = NULL, to->tcp = NULL;
	to->from_query = true;
	to->upstream = q->up ? dst_upstream_config(q->up)->name : NULL;
	to->start_ms = q->start_ms;
}

static void send_to(struct dst_queries *qs, const struct dst_reply_to *to, const uint8_t *wire,
		    size_t len)
{
	qs->ops.send(qs->ops.arg, to, wire, len);
}

void dst_query__respond_error(struct dst_query *q, unsigned rcode)
{
	struct dst_queries *qs = q->qs;
	struct dst_reply_to to;
	ssize_t n = dst_dns_error_response(q->req, &q->dq, rcode, qs->scratch, sizeof(qs->scratch));

	reply_to_of(q, &to);
	if (n > 0 && (to.udp || to.tcp))
		send_to(qs, &to, qs->scratch, (size_t)n);
}

/* Sends a prepared answer (in qs->scratch) to q's client, made its own. */
void dst_query__answer_one(struct dst_query *q, uint8_t *wire, size_t len)
{
	struct dst_queries *qs = q->qs;
	struct dst_reply_to to;

	if (q->parent)
		dst_query__fetch_over(q, wire, len);
	reply_to_of(q, &to);
	if (!to.udp && !to.tcp)
		return;
	ssize_t n =
		dst_dns_finish_answer(wire, len, DST_SCRATCH_LEN, q->req, &q->dq, reply_limit(q));
	if (n < 0)
		dst_query__respond_error(q, DST_DNS_RCODE_SERVFAIL);
	else
		send_to(qs, &to, wire, (size_t)n);
}

void dst_query__deliver(struct dst_query *q, size_t len, bool cacheable,
			const struct dst_dns_answer_info *info)
{
	struct dst_queries *qs = q->qs;

	if (cacheable)
		dst_query__cache_answer(q, qs->scratch, len, info);

	if (!q->waiters) {
		dst_query__answer_one(q, qs->scratch, len);
		return;
	}
	/* finish_answer works in place: keep the prepared answer for each waiter. */
	uint8_t *prepared = malloc(len);
	if (!prepared) {
		dst_query__answer_one(q, qs->scratch, len);
		return;
	}
	memcpy(prepared, qs->scratch, len);
	dst_query__answer_one(q, qs->scratch, len);
	struct dst_query *w;
	while ((w = dst_query__pop_waiter(q))) {
		memcpy(qs->scratch, prepared, len);
		dst_query__answer_one(w, qs->scratch, len);
		dst_query__finish(w);
	}
	free(prepared);
}

/* SERVFAIL with the EDE, within what the client can take (its UDP payload size). */
static void respond_servfail(struct dst_query *q, const struct dst_dns_ede *ede)
{
	struct dst_queries *qs = q->qs;
	struct dst_reply_to to;
	size_t cap = reply_limit(q) < sizeof(qs->scratch) ? reply_limit(q) : sizeof(qs->scratch);

	reply_to_of(q, &to);
	ssize_t n = dst_dns_error_response_ede(q->req, &q->dq, DST_DNS_RCODE_SERVFAIL, ede,
					       qs->scratch, cap);
	if (n > 0 && (to.udp || to.tcp))
		send_to(qs, &to, qs->scratch, (size_t)n);
}

void dst_query__respond_ede(struct dst_query *q, const struct dst_dns_ede *ede)
{
	struct dst_query *w;

	respond_servfail(q, ede);
	while ((w = dst_query__pop_waiter(q))) {
		respond_servfail(w, ede);
		/* It rode on q's attempts: what failed is q's (a key fetch's parent reads it). */
		w->last_status = q->last_status;
		w->nfails = q->nfails;
		memcpy(w->fails, q->fails, sizeof(w->fails));
		dst_query__finish(w);
	}
	dst_query__finish(q);
}

/* Answers with rcode straight away (from qs->scratch). */
void dst_query__answer_now(struct dst_queries *qs, const uint8_t *wire,
			   const struct dst_dns_query *dq, unsigned rcode,
			   const struct dst_reply_to *to)
{
	ssize_t n = dst_dns_error_response(wire, dq, rcode, qs->scratch, sizeof(qs->scratch));

	if (n > 0)
		send_to(qs, to, qs->scratch, (size_t)n);
}

/*
 * The answer of a zone with action = nxdomain (NXDOMAIN with a made-up SOA
 * for the zone in the authority section, so that clients cache the denial
 * for ZONE_NEG_TTL, as for a local zone) or action = refuse (REFUSED).
 * Authoritative, never cached here (each such miss costs a table lookup).
 */
void dst_query__answer_zone_action(struct dst_queries *qs, const uint8_t *wire,
				   const struct dst_dns_query *dq, const struct dst_route *rt,
				   const struct dst_reply_to *to)
{
	static const uint8_t soa_tail[] = {
		/* MNAME localhost., RNAME nobody.invalid. */
		9, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't', 0, 6, 'n', 'o', 'b', 'o', 'd', 'y',
		7, 'i', 'n', 'v', 'a', 'l', 'i', 'd', 0,
		/* serial 1, refresh 3600, retry 1200, expire 604800, minimum ZONE_NEG_TTL */
		0, 0, 0, 1, 0, 0, 0x0e, 0x10, 0, 0, 0x04, 0xb0, 0, 0x09, 0x3a, 0x80,
		(ZONE_NEG_TTL >> 24) & 0xff, (ZONE_NEG_TTL >> 16) & 0xff,
		(ZONE_NEG_TTL >> 8) & 0xff, ZONE_NEG_TTL & 0xff};
	bool nx = rt->action == DST_CONFIG_ZONE_NXDOMAIN;
	ssize_t n = dst_dns_error_response(wire, dq,
					   nx ? DST_DNS_RCODE_NXDOMAIN : DST_DNS_RCODE_REFUSED,
					   qs->scratch, sizeof(qs->scratch));

	if (n <= 0)
		return;
	const struct dst_config *cfg = qs->cfg;
	const uint8_t *zone =
		rt->zone < cfg->nzones ? cfg->zones[rt->zone].wire : (const uint8_t *)"";
	size_t zlen = rt->zone < cfg->nzones ? cfg->zones[rt->zone].wire_len : 1;
	size_t soa = zlen + 10 + sizeof(soa_tail), opt = dq->edns ? DST_DNS_OPT_LEN : 0;
	if (nx && (size_t)n + soa <= sizeof(qs->scratch)) {
		/* The SOA goes in the authority section, before the OPT (if any). */
		uint8_t *p = qs->scratch + (size_t)n - opt;
		memmove(p + soa, p, opt);
		memcpy(p, zone, zlen);
		p += zlen;
		dst_dns_put16(p, DST_DNS_TYPE_SOA);
		dst_dns_put16(p + 2, 1); /* IN */
		dst_dns_put32(p + 4, ZONE_NEG_TTL);
		dst_dns_put16(p + 8, (uint16_t)sizeof(soa_tail));
		memcpy(p + 10, soa_tail, sizeof(soa_tail));
		dst_dns_put16(qs->scratch + 8, 1); /* NSCOUNT */
		n += (ssize_t)soa;
	}
	qs->scratch[2] |= 0x04; /* AA: the answer is ours */
	send_to(qs, to, qs->scratch, (size_t)n);
}

/*
 * Makes a query for a miss and starts it, or joins an identical one that
 * is already waiting upstream. With no client in to (a prefetch), the
 * answer only refreshes the cache.
 */
