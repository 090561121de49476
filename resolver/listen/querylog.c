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
 * one dotstub made itself (FORMERR, NOTIMP, ANY, max-pending, REFUSED).
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

static const char *type_name(uint16_t t, char buf[16])
{
	static const struct {
		uint16_t type;
		const char *name;
	} types[] = {
		{1, "A"},     {2, "NS"},     {5, "CNAME"},   {6, "SOA"},    {12, "PTR"},
		{15, "MX"},   {16, "TXT"},   {28, "AAAA"},   {33, "SRV"},   {35, "NAPTR"},
		{43, "DS"},   {46, "RRSIG"}, {48, "DNSKEY"}, {52, "TLSA"},  {64, "SVCB"},
		{65, "HTTPS"}, {255, "ANY"}, {257, "CAA"},
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == t)
			return types[i].name;
	snprintf(buf, 16, "TYPE%u", t);
	return buf;
}

static const char *rcode_name(unsigned rcode, char buf[16])
{
	static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					    "NOTIMP",  "REFUSED"};

	if (rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	snprintf(buf, 16, "RCODE%u", rcode);
	return buf;
}

/*
 * Writes the question's name at off as text into out (at least 4 * 255
 * bytes + 2) and returns the offset after it, or 0 if it is malformed.
 */
static size_t name_text(const uint8_t *wire, size_t len, size_t off, char *out)
{
	size_t n = 0;

	while (off < len && wire[off] != 0) {
		size_t label = wire[off++];
		if (label > 63 || off + label > len || n + 4 * label + 2 > 4 * 255)
			return 0;
		for (size_t i = 0; i < label; i++) {
			uint8_t c = wire[off + i];
			if (c > 0x20 && c < 0x7f && c != '.' && c != '\\')
				out[n++] = (char)c;
			else
				n += (size_t)sprintf(out + n, "\\%03u", c);
		}
		out[n++] = '.';
		off += label;
	}
	if (off >= len)
		return 0;
	if (n == 0)
		out[n++] = '.';
	out[n] = '\0';
	return off + 1;
}

void dst_querylog(const struct dst_reply_to *to, const uint8_t *wire, size_t len, uint64_t now_ms)
{
	char name[4 * 255 + 2], ip[INET6_ADDRSTRLEN] = "?", tb[16], rb[16], from[96];
	struct sockaddr_storage ss;
	const struct sockaddr *peer = to->peer;
	uint64_t ms = 0;
	uint16_t qtype = 0;
	size_t off;

	if (len < DST_DNS_HEADER_LEN)
		return;
	if (dst_dns_qdcount(wire) == 0 || !(off = name_text(wire, len, DST_DNS_HEADER_LEN, name)) ||
	    off + 4 > len)
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
	} else if ((rcode == DST_DNS_RCODE_NOERROR || rcode == DST_DNS_RCODE_NXDOMAIN) &&
		   qtype != DST_DNS_TYPE_ANY) {
		snprintf(from, sizeof(from), dst_dns_tc(wire) ? "tc" : "cache");
	} else {
		snprintf(from, sizeof(from), "local");
	}
	dst_log_query("query %s %s %s %s %s %s %llums", ip, to->tcp ? "tcp" : "udp", name,
		      qtype ? type_name(qtype, tb) : "-", rcode_name(rcode, rb), from,
		      (unsigned long long)ms);
}
