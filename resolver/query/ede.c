/*
 * The Extended DNS Error (RFC 8914) of a query no upstream answered: each
 * upstream it tried, with what went wrong ("dns.quad9.net: timed out").
 */
#include "config.h"

#include <stdio.h>

#include "dns/err.h"
#include "resolver/query/internal.h"
#include "resolver/upstream/upstream.h"

static bool noted(const struct dst_query *q, const struct dst_upstream *up)
{
	for (unsigned i = 0; i < q->nfails; i++)
		if (q->fails[i].up == up)
			return true;
	return false;
}

static void add_cause(const struct dst_upstream *up, int status, char *buf, size_t cap, size_t *len)
{
	char cause[DST_UP_CAUSE_LEN];

	if (*len >= cap)
		return;
	dst_upstream_cause(up, status, cause, sizeof(cause));
	int n = snprintf(buf + *len, cap - *len, "%s%s: %s", *len ? "; " : "",
			 dst_upstream_label(up), cause);
	*len = n < 0 ? cap : *len + (size_t)n > cap ? cap : *len + (size_t)n;
}

/*
 * 22 (No Reachable Authority) when every upstream tried answered SERVFAIL,
 * 10 (RRSIGs Missing) when every one removed the DNSSEC signatures asked
 * for, else 23 (Network Error). Attempts still out are "timed out"; with
 * nothing tried, the upstreams still waiting for their first lookup say so.
 */
void dst_query__ede(const struct dst_query *q, struct dst_dns_ede *ede, char *buf, size_t cap)
{
	const struct dst_upstreams *u = q->qs->upstreams;
	size_t len = 0;
	bool all_servfail = q->nfails > 0, all_stripped = q->nfails > 0;

	for (unsigned i = 0; i < q->nfails; i++) {
		add_cause(q->fails[i].up, q->fails[i].status, buf, cap, &len);
		all_servfail &= q->fails[i].status == DST_ESERVFAIL;
		all_stripped &= q->fails[i].status == DST_ENODNSSEC;
	}
	for (unsigned i = 0; i < 2; i++) {
		const struct dst_attempt *a = &q->att[i];
		if (a->treq && !noted(q, a->up)) {
			add_cause(a->up, DST_ETIMEDOUT, buf, cap, &len);
			all_servfail = false;
		}
	}
	/* Nothing tried: the upstreams still wait for their addresses. */
	for (size_t i = 0; i < dst_upstreams_count(u) && q->tried == 0; i++)
		if (dst_upstream_awaits_address(dst_upstreams_at(u, i)))
			add_cause(dst_upstreams_at(u, i), DST_ENOENT, buf, cap, &len);
	if (len == 0 && q->last_status < 0)
		len = (size_t)snprintf(buf, cap, "%s", dst_strerror(q->last_status));
	ede->info_code = all_stripped   ? DST_DNS_EDE_RRSIGS_MISSING
			 : all_servfail ? DST_DNS_EDE_NO_REACHABLE_AUTHORITY
					: DST_DNS_EDE_NETWORK_ERROR;
	ede->text = buf;
	ede->text_len = len < cap ? len : cap - 1;
}
