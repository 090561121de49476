/*
 * dns/ internals shared by wire.c (cursor, queries, messages we build) and
 * answer.c (upstream answers). Small helpers are static inline: answer.c's
 * dst_dns_finish_answer is on the cache-hit path.
 */
#ifndef DST_DNS_INTERNAL_H
#define DST_DNS_INTERNAL_H

#include "dns/dns.h"

#define RR_FIXED_LEN 10  /* TYPE, CLASS, TTL, RDLENGTH */
#define SOA_FIXED_LEN 20 /* SERIAL, REFRESH, RETRY, EXPIRE, MINIMUM */
#define DO_BIT 0x8000u
#define FLAG_QR 0x80
#define FLAG_TC 0x02
#define FLAG_RD 0x01
#define FLAG_RA 0x80
#define FLAG_CD 0x10
#define OPCODE_MASK 0x78
/*
 * Most pointers one name may follow: one per label of the longest possible
 * name. Backward-only pointers already end every walk, but a chain of
 * pointers to pointers could still take ~len/2 steps per name.
 */
#define MAX_JUMPS (DST_DNS_MAX_NAME / 2)

static inline uint8_t dst_dns__lower(uint8_t b)
{
	return (unsigned)(b - 'A') < 26u ? (uint8_t)(b + ('a' - 'A')) : b;
}

/* Writes an OPT RR with no options (DST_DNS_OPT_LEN bytes) at p. */
static inline void dst_dns__put_opt(uint8_t *p, unsigned ext_rcode, bool do_bit)
{
	p[0] = 0; /* owner: root */
	dst_dns_put16(p + 1, DST_DNS_TYPE_OPT);
	dst_dns_put16(p + 3, DST_DNS_OUR_UDP_SIZE);
	p[5] = (uint8_t)ext_rcode;
	p[6] = 0; /* version */
	dst_dns_put16(p + 7, do_bit ? DO_BIT : 0);
	dst_dns_put16(p + 9, 0); /* RDLENGTH */
}

/* Skips one resource record: owner, fixed part and RDATA. */
static inline void dst_dns__skip_rr(struct dst_dns_cursor *c)
{
	dst_dns_skip_name(c);
	dst_dns_skip(c, 8);
	uint16_t rdlen = dst_dns_read16(c);
	dst_dns_skip(c, rdlen);
}

#endif
