/*
 * The policy: what a query gets before the cache and the upstreams. One
 * function on the per-query path (dst_policy_answer) either says "not
 * mine" or writes a complete answer. Its order:
 *
 *   1. a hosts file entry for the exact name (or the PTR of one of its
 *      addresses): A/AAAA/PTR from the file, other types NODATA;
 *   2. the blocklist (unless the name or a parent is allowlisted): the
 *      block answer (NXDOMAIN, 0.0.0.0/::, or REFUSED), with EDE 15;
 *   3. a [zone] that is the name or a parent of it (other than the root
 *      zone): not mine, the name is routed;
 *   4. a default local zone (RFC 6761, 6303, ...): NXDOMAIN with an SOA,
 *      or the zone's fixed answer (localhost's addresses);
 *   5. not mine.
 *
 * A policy is built whole from its sources (dst_policy_new) and then never
 * changes, except its zone table pointer (dst_policy_set_zones); the main
 * loop and the worker loops read it at the same time without locks. A new
 * one is built beside the running one and swapped by the owner, who frees
 * the old one once no loop can hold it (see resolver/policywatch.c).
 *
 * Pure: no libuv; building reads the hosts and list files.
 */
#ifndef DST_POLICY_POLICY_H
#define DST_POLICY_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"

struct dst_policy;
struct dst_zones;
struct dst_hosts;
struct dst_blocklist;

/* [server] block-answer: what a blocked name gets. */
enum dst_policy_block_answer {
	DST_POLICY_BLOCK_NXDOMAIN = 0, /* NXDOMAIN with an SOA (default) */
	DST_POLICY_BLOCK_NULL,         /* A 0.0.0.0, AAAA ::, other types NODATA */
	DST_POLICY_BLOCK_REFUSE,       /* REFUSED */
};

/* TTLs of what the policy answers (seconds). */
#define DST_POLICY_LOCAL_TTL 10800 /* default local zones: RFC 6303's SOA TTL and minimum */
#define DST_POLICY_BLOCK_TTL 60    /* blocked names: an allowlist edit is seen within a minute */

/* What the policy is built from: the configuration's settings and files. */
struct dst_policy_conf {
	bool local_zones;         /* [server] local-zones */
	uint32_t hosts_ttl;       /* seconds */
	const char *const *hosts; /* [server] hosts paths */
	size_t nhosts;
	const char *const *block; /* [server] blocklist paths */
	size_t nblock;
	const char *const *allow; /* [server] allowlist paths */
	size_t nallow;
	enum dst_policy_block_answer block_answer;
};

/* What to read anew (the rest is shared with prev). */
#define DST_POLICY_LOAD_HOSTS 0x1
#define DST_POLICY_LOAD_LISTS 0x2
#define DST_POLICY_LOAD_ALL 0x3

/* Receives one problem ("FILE:LINE: why" ...). */
typedef void (*dst_policy_warn_cb)(void *arg, const char *msg);

/*
 * Builds a policy for conf. The sources named in load are read anew; the
 * others are shared with prev (which stays valid and may be freed in any
 * order). A hosts file or list that cannot be read: with prev, prev's
 * table is kept; without, there is none; either way warn says why and the
 * bit is set in *failed (may be NULL). Returns 0 or DST_ENOMEM. The zone
 * table is prev's (or none): see dst_policy_set_zones.
 */
int dst_policy_new(const struct dst_policy_conf *conf, const struct dst_policy *prev, unsigned load,
		   dst_policy_warn_cb warn, void *arg, unsigned *failed, struct dst_policy **out);

/*
 * A policy from tables already built (unit tests, and dst_policy_new): it
 * takes one reference to hosts (dst_hosts_ref) and owns bl (NULL: none).
 */
int dst_policy_make(bool local_zones, uint32_t hosts_ttl, struct dst_hosts *hosts,
		    struct dst_blocklist *bl, enum dst_policy_block_answer block_answer,
		    struct dst_policy **out);

void dst_policy_free(struct dst_policy *p);

/*
 * The zone table from now on ([zone]s route names that a default local
 * zone would answer). Borrowed: the caller keeps zones alive while p may
 * use it. The pointer is stored atomically, so loops reading p see the old
 * table or the new one; freeing the old one is the caller's business, once
 * no loop can be inside dst_policy_answer with it.
 */
void dst_policy_set_zones(struct dst_policy *p, const struct dst_zones *zones);

/*
 * The first member of every struct dst_policy, public for the inline
 * pre-check below: most names are not local, and with no blocklist that
 * is known from the last two bytes of their TLD without a call.
 */
struct dst_policy_head {
	bool blocklist;              /* a blocklist: every name is looked up */
	bool local;                  /* hosts names or local zones */
	const uint64_t *tail_filter; /* 65536 bits, by the last two bytes of a local TLD */
};

/*
 * Whether dst_policy_answer may answer dq: false means it surely passes,
 * so the caller need not call it. A TLD's last two bytes are those before
 * the root label: "com" is ('o', 'm'), a one-letter TLD (1, 'x').
 */
static inline bool dst_policy_maybe(const struct dst_policy *p, const struct dst_dns_query *dq)
{
	const struct dst_policy_head *h = (const struct dst_policy_head *)(const void *)p;

	if (h->blocklist)
		return true;
	if (!h->local || dq->qname_len < 3)
		return false;
	unsigned k = (unsigned)dq->qname_lower[dq->qname_len - 3] << 8 |
		     dq->qname_lower[dq->qname_len - 2];
	return (h->tail_filter[k / 64] >> (k % 64)) & 1;
}

enum dst_policy_verdict {
	DST_POLICY_PASS = 0, /* not mine: the cache, then the upstreams */
	DST_POLICY_LOCAL,    /* answered from a hosts file or a local zone */
	DST_POLICY_BLOCKED,  /* answered as blocked */
};

/*
 * The per-query decision for the parsed query dq (query: the client's
 * message, for its qname bytes). On LOCAL or BLOCKED the answer is in out
 * (cap bytes) and *n is its length: the client's ID, question (case
 * preserved), RD and CD, QR, RA and AA set, an OPT when the client sent
 * EDNS (with EDE 15 when blocked), truncated (TC) when longer than limit
 * (the client's UDP size, or DST_DNS_MAX_MSG). An answer that cannot be
 * written (cap too small) is PASS. NULL p passes everything. No
 * allocation, no lock.
 */
enum dst_policy_verdict dst_policy_answer(const struct dst_policy *p, const uint8_t *query,
					  const struct dst_dns_query *dq, size_t limit,
					  uint8_t *out, size_t cap, size_t *n);

/* What the policy holds, for logs and reports. */
size_t dst_policy_hosts_names(const struct dst_policy *p);
size_t dst_policy_blocked_names(const struct dst_policy *p);
size_t dst_policy_local_zones(const struct dst_policy *p);

#endif
