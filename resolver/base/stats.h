/*
 * Counters of what the server did, for the log, the control socket and
 * /metrics. Each part keeps its own (the listeners, the query engine,
 * each worker loop) and the reports add them up; a part that shares its
 * counters with threads updates them atomically.
 */
#ifndef DST_BASE_STATS_H
#define DST_BASE_STATS_H

#include <stdint.h>

struct dst_stats {
	uint64_t acl_dropped;     /* UDP queries from refused clients, dropped */
	uint64_t acl_refused_tcp; /* TCP connections from refused clients */
	uint64_t ratelimited;     /* UDP queries over the rate limit */
	uint64_t any;             /* ANY queries answered with RFC 8482 HINFO */
	uint64_t pending_full;    /* SERVFAIL at once: max-pending reached */
	uint64_t tcp_evicted;     /* TCP clients closed to make room (max-tcp-clients) */
	uint64_t tcp_paused;      /* times a TCP client was paused (max-tcp-pipeline) */
	uint64_t tcp_not_reading; /* TCP clients closed for not reading their answers */
	uint64_t queries;         /* client messages received, UDP and TCP, refused ones too */
	uint64_t rcodes[16];      /* answers sent, by rcode */
	uint64_t stale;           /* answers served stale (RFC 8767) */
	uint64_t prefetches;      /* background refreshes started */
	uint64_t udp_errors;      /* errors reported on a UDP socket while reading */
	uint64_t local;           /* answered by the policy: hosts files, local zones */
	uint64_t blocked;         /* answered as blocked by the blocklist */
	uint64_t dnssec_secure;   /* answers validated secure (AD) */
	uint64_t dnssec_insecure; /* answers validated, proven unsigned */
	uint64_t dnssec_bogus;    /* answers that failed validation: SERVFAIL, EDE 6 or 10 */
};

/* Adds every counter of b to a. */
static inline void dst_stats_add(struct dst_stats *a, const struct dst_stats *b)
{
	uint64_t *d = (uint64_t *)a;
	const uint64_t *s = (const uint64_t *)b;

	for (unsigned i = 0; i < sizeof(*a) / sizeof(uint64_t); i++)
		d[i] += s[i];
}

#endif
