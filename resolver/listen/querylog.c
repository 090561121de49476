/*
 * The query log ([server] log-queries = yes): one line per answer sent to
 * a client, written from the listeners' send, so every answer is logged
 * exactly once whichever path produced it:
 *
 *   query 192.0.2.7 udp www.example.com. A NOERROR cache 0ms
 *   query ::1 tcp example.org. AAAA SERVFAIL upstream:quad9 4001ms
 *
 * Fields: client address, transport, the question as answered (name with
 * non-printable bytes as \DDD), rcode, where the answer came from, time
 * since the query arrived. "cache" is an answer from the cache,
 * "upstream:NAME" one that waited for an upstream (NAME: the last one
 * tried), "tc" an empty answer with TC set (too large for the client's UDP
 * size, or over the rate limit with ratelimit-action = truncate), "local"
 * one dotstub made itself (FORMERR, NOTIMP, ANY, max-pending, REFUSED, a
 * hosts file or a default local zone), "blocked" a blocklist's answer.
 *
 * Off by default: a line per query is a privacy record and costs a
 * system call per query. Nothing here runs when it is off.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "resolver/base/addr.h"
#include "resolver/base/log.h"
#include "resolver/listen/internal.h"
#include "resolver/policy/policy.h"

void dst_querylog(const struct dst_reply_to *to, const uint8_t *wire, size_t len, uint64_t now_ms)
{
	char name[DST_DNS_NAME_TEXT_LEN], ip[DST_ADDR_TEXT_LEN] = "?", tb[DST_DNS_TEXT_LEN],
					  rb[DST_DNS_TEXT_LEN], from[96];
	struct sockaddr_storage ss;
	const struct sockaddr *peer = to->peer;
	uint64_t ms = 0;
	uint16_t qtype = 0;
	size_t off;

	if (len < DST_DNS_HEADER_LEN)
		return;
	if (dst_dns_qdcount(wire) == 0 ||
	    !(off = dst_dns_name_to_text(wire, len, DST_DNS_HEADER_LEN, name)) || off + 4 > len)
		snprintf(name, sizeof(name), "-");
	else
		qtype = dst_dns_get16(wire + off);
	if (to->tcp) {
		int sslen = sizeof(ss);
		peer = uv_tcp_getpeername(&to->tcp->tcp, (struct sockaddr *)&ss, &sslen) == 0
			       ? (const struct sockaddr *)&ss
			       : NULL;
	}
	if (peer && (peer->sa_family == AF_INET6 || peer->sa_family == AF_INET))
		dst_addr_text(peer, ip);

	unsigned rcode = dst_dns_rcode(wire);
	if (to->from_query) {
		/* From the query's own arrival: a reload since may have changed query-timeout. */
		ms = now_ms > to->start_ms ? now_ms - to->start_ms : 0;
		snprintf(from, sizeof(from), "upstream:%s", to->upstream ? to->upstream : "-");
	} else if (to->policy) {
		snprintf(from, sizeof(from),
			 to->policy == DST_POLICY_BLOCKED ? "blocked" : "local");
	} else if ((rcode == DST_DNS_RCODE_NOERROR || rcode == DST_DNS_RCODE_NXDOMAIN) &&
		   qtype != DST_DNS_TYPE_ANY) {
		snprintf(from, sizeof(from), dst_dns_tc(wire) ? "tc" : "cache");
	} else {
		snprintf(from, sizeof(from), "local");
	}
	dst_log_query("query %s %s %s %s %s %s %llums", ip, to->tcp ? "tcp" : "udp", name,
		      qtype ? dst_dns_type_name(qtype, tb) : "-", dst_dns_rcode_name(rcode, rb),
		      from, (unsigned long long)ms);
}
