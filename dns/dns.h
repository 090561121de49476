/*
 * DNS wire-format helpers: the only place that knows the message layout.
 *
 * Everything here works on a plain buffer (uint8_t *wire, size_t len), is
 * bounds-checked against len, never allocates and never does I/O, so it is
 * safe on the cache-hit path and on bytes from anyone. Offsets handed out
 * (TTL positions, question end) index into the same buffer.
 *
 * Terms: a "query" is what a client sent us; an "answer" is what came back
 * from upstream or out of the cache. dotstub strips the OPT RR from answers
 * before caching (it carries the upstream's padding, keepalive and payload
 * size, none of which belong to the client) and appends its own OPT for
 * clients that sent EDNS (dst_dns_finish_answer).
 */
#ifndef DST_DNS_H
#define DST_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define DST_DNS_HEADER_LEN 12
#define DST_DNS_MAX_NAME 255
#define DST_DNS_MAX_MSG 65535
#define DST_DNS_OPT_LEN 11         /* an OPT RR with no options */
#define DST_DNS_PLAIN_UDP_SIZE 512 /* client payload size without EDNS */
#define DST_DNS_OUR_UDP_SIZE 1232  /* payload size dotstub advertises */
#define DST_DNS_PAD_BLOCK 128      /* RFC 8467: pad queries to this block size */
#define DST_DNS_EDNS_KEEPALIVE 11  /* RFC 7828 edns-tcp-keepalive */
#define DST_DNS_EDNS_PADDING 12    /* RFC 7830 */
#define DST_DNS_EDNS_ECS 8         /* RFC 7871 client subnet */
#define DST_DNS_ECS_PASS 0x1       /* dst_dns_upstream_query_ex: forward client ECS as is */

enum {
	DST_DNS_TYPE_A = 1,
	DST_DNS_TYPE_NS = 2,
	DST_DNS_TYPE_CNAME = 5,
	DST_DNS_TYPE_SOA = 6,
	DST_DNS_TYPE_PTR = 12,
	DST_DNS_TYPE_HINFO = 13,
	DST_DNS_TYPE_MX = 15,
	DST_DNS_TYPE_TXT = 16,
	DST_DNS_TYPE_AAAA = 28,
	DST_DNS_TYPE_OPT = 41,
	DST_DNS_TYPE_ANY = 255,
	DST_DNS_CLASS_IN = 1,
};

enum {
	DST_DNS_RCODE_NOERROR = 0,
	DST_DNS_RCODE_FORMERR = 1,
	DST_DNS_RCODE_SERVFAIL = 2,
	DST_DNS_RCODE_NXDOMAIN = 3,
	DST_DNS_RCODE_NOTIMP = 4,
	DST_DNS_RCODE_REFUSED = 5,
	DST_DNS_RCODE_BADVERS = 16, /* extended: needs OPT */
};

/* Header field access (w must hold at least DST_DNS_HEADER_LEN bytes). */
static inline uint16_t dst_dns_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}
static inline void dst_dns_put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}
static inline uint32_t dst_dns_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void dst_dns_put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}
static inline uint16_t dst_dns_id(const uint8_t *w)
{
	return dst_dns_get16(w);
}
static inline void dst_dns_set_id(uint8_t *w, uint16_t id)
{
	dst_dns_put16(w, id);
}
static inline bool dst_dns_qr(const uint8_t *w)
{
	return w[2] & 0x80;
}
static inline unsigned dst_dns_opcode(const uint8_t *w)
{
	return (w[2] >> 3) & 0x0f;
}
static inline bool dst_dns_tc(const uint8_t *w)
{
	return w[2] & 0x02;
}
static inline bool dst_dns_rd(const uint8_t *w)
{
	return w[2] & 0x01;
}
#define DST_DNS_FLAG_AD 0x20 /* in byte 3 of the header */

static inline bool dst_dns_ad(const uint8_t *w)
{
	return (w[3] & DST_DNS_FLAG_AD) != 0;
}

static inline void dst_dns_set_ad(uint8_t *w, bool ad)
{
	w[3] = (uint8_t)((w[3] & ~DST_DNS_FLAG_AD) | (ad ? DST_DNS_FLAG_AD : 0));
}

static inline bool dst_dns_cd(const uint8_t *w)
{
	return w[3] & 0x10;
}
static inline unsigned dst_dns_rcode(const uint8_t *w)
{
	return w[3] & 0x0f;
}
static inline uint16_t dst_dns_qdcount(const uint8_t *w)
{
	return dst_dns_get16(w + 4);
}
static inline uint16_t dst_dns_ancount(const uint8_t *w)
{
	return dst_dns_get16(w + 6);
}
static inline uint16_t dst_dns_nscount(const uint8_t *w)
{
	return dst_dns_get16(w + 8);
}
static inline uint16_t dst_dns_arcount(const uint8_t *w)
{
	return dst_dns_get16(w + 10);
}

/*
 * A bounds-checked reader. The first failure is recorded in err and every
 * later read returns 0 without moving, so a parser can read a whole
 * structure and check err once.
 */
struct dst_dns_cursor {
	const uint8_t *wire;
	size_t len;
	size_t pos;
	int err; /* 0 or DST_EFORMAT */
};

void dst_dns_cursor_init(struct dst_dns_cursor *c, const uint8_t *wire, size_t len, size_t pos);
uint8_t dst_dns_read8(struct dst_dns_cursor *c);
uint16_t dst_dns_read16(struct dst_dns_cursor *c);
uint32_t dst_dns_read32(struct dst_dns_cursor *c);
void dst_dns_skip(struct dst_dns_cursor *c, size_t n);
/*
 * Skips a domain name at the cursor, following nothing: a compression
 * pointer ends the name (2 bytes). Label lengths 0x40-0xbf are errors.
 * Enforces the 255-byte name limit on the uncompressed labels it passes.
 */
void dst_dns_skip_name(struct dst_dns_cursor *c);

/* What a client's query says, as parsed by dst_dns_parse_query. */
struct dst_dns_query {
	uint16_t id;
	uint16_t qtype;
	uint16_t qclass;
	uint16_t qname_len;    /* wire length of the qname incl. the root label */
	uint16_t question_end; /* offset just past QTYPE/QCLASS; 0 if no question parsed */
	uint8_t qname_lower[DST_DNS_MAX_NAME]; /* qname in wire form, ASCII lower-cased */
	bool rd;
	bool cd;
	bool ad;     /* AD in the query: the client understands it (RFC 6840 5.7) */
	bool edns;   /* an OPT RR was present (and well formed) */
	bool do_bit; /* DNSSEC OK, from the OPT TTL */
	uint8_t edns_version;
	uint16_t udp_size; /* client's payload size: 512 without EDNS, else max(512, OPT class) */
	uint16_t ecs_off;  /* the client's first ECS option (header included) ... */
	uint16_t ecs_len;  /* ... and its length; 0: none (or not 4 to 20 data bytes) */
	uint8_t rcode;     /* with DST_DNS_QUERY_ERROR: the rcode to answer with */
};

enum dst_dns_verdict {
	DST_DNS_QUERY_OK = 0, /* a normal query: look it up / forward it */
	DST_DNS_QUERY_DROP,   /* no header, or QR set: send nothing at all */
	DST_DNS_QUERY_ERROR,  /* answer with q->rcode via dst_dns_error_response */
};

/*
 * Parses and vets a client query.
 *
 * DROP: shorter than a header, or QR set (never answer an answer).
 * ERROR with rcode NOTIMP: opcode other than QUERY.
 * ERROR with FORMERR: QDCOUNT != 1, ANCOUNT or NSCOUNT != 0, a bad or
 *   compressed qname, a truncated question, a malformed additional section,
 *   more than one OPT, an OPT whose owner is not the root.
 * ERROR with BADVERS: EDNS version other than 0 (q->edns stays true so the
 *   error response carries an OPT, as RFC 6891 requires).
 * Bytes after the last record are ignored.
 * On every ERROR, q->id and whatever of the question parsed are filled in,
 * so the error response can echo them.
 */
enum dst_dns_verdict dst_dns_parse_query(const uint8_t *wire, size_t len, struct dst_dns_query *q);

/*
 * Builds an error response to a query into out (cap bytes): the query's ID,
 * opcode and RD, QR and RA set, the question echoed when q->question_end is
 * non-zero (QDCOUNT 0 otherwise), no records, and an OPT RR (our payload size,
 * extended rcode bits for BADVERS) when q->edns. rcode may be extended.
 * Returns the length, or DST_ENOSPC when cap is too small.
 * Also: CD is copied too, the OPT echoes the DO bit (RFC 3225), out may be
 * the query buffer itself, and an extended rcode (> 15) without q->edns, or
 * one above 4095, gives DST_EINVAL (it cannot be expressed).
 */
ssize_t dst_dns_error_response(const uint8_t *query, const struct dst_dns_query *q, unsigned rcode,
			       uint8_t *out, size_t cap);

#define DST_DNS_EDNS_EDE 15 /* RFC 8914 Extended DNS Error option */
#define DST_DNS_EDE_DNSSEC_BOGUS 6
#define DST_DNS_EDE_RRSIGS_MISSING 10
#define DST_DNS_EDE_NO_REACHABLE_AUTHORITY 22
#define DST_DNS_EDE_NETWORK_ERROR 23

/* An Extended DNS Error (RFC 8914): an info-code and optional UTF-8 text. */
struct dst_dns_ede {
	uint16_t info_code;
	const char *text; /* not NUL-terminated on the wire; may be NULL */
	size_t text_len;
};

/*
 * dst_dns_error_response, plus an Extended DNS Error option in the OPT RR
 * when the client sent EDNS (q->edns): the client learns why, e.g. info-code
 * 23 "Network Error" with "dns.quad9.net: timed out". Without EDNS, or with
 * ede NULL, the result is exactly dst_dns_error_response's. The text is cut
 * (at a UTF-8 character boundary) so that the whole response fits cap; the
 * option itself is left out when not even its 4-byte head and the info-code
 * fit. Returns the length, or DST_ENOSPC / DST_EINVAL as
 * dst_dns_error_response does. out may not overlap query.
 */
ssize_t dst_dns_error_response_ede(const uint8_t *query, const struct dst_dns_query *q,
				   unsigned rcode, const struct dst_dns_ede *ede, uint8_t *out,
				   size_t cap);

/*
 * Builds the query dotstub sends upstream for q: a fresh header (given id,
 * RD set, CD copied), the question with the client's qname bytes (original
 * case) from client_query, and an OPT RR with our payload size, the DO bit
 * copied, an empty edns-tcp-keepalive option (RFC 7828) and a padding
 * option that makes the whole message a multiple of DST_DNS_PAD_BLOCK
 * bytes (RFC 8467). Other client EDNS options are not forwarded; client
 * subnet: see dst_dns_upstream_query_ex. Returns the
 * length or DST_ENOSPC.
 */
ssize_t dst_dns_upstream_query(const uint8_t *client_query, const struct dst_dns_query *q,
			       uint16_t id, uint8_t *out, size_t cap);
/*
 * The same, with flags: a client ECS option is replaced by one with source
 * prefix 0 (RFC 7871 7.1.2) unless DST_DNS_ECS_PASS forwards it unchanged.
 * dst_dns_upstream_query is this with flags 0. A client without ECS gets
 * none added.
 */
ssize_t dst_dns_upstream_query_ex(const uint8_t *client_query, const struct dst_dns_query *q,
				  uint16_t id, unsigned flags, uint8_t *out, size_t cap);

/* What dst_dns_prepare_answer found in an upstream answer. */
struct dst_dns_answer_info {
	unsigned rcode; /* full rcode: header bits plus the OPT's extended bits */
	bool tc;
	bool negative;        /* NXDOMAIN, or NOERROR with no answer records */
	uint32_t min_ttl;     /* smallest TTL over all non-OPT records; UINT32_MAX if none */
	bool has_soa;         /* negative answers: an SOA was found in authority */
	uint32_t soa_ttl_off; /* offset of that SOA's TTL field */
	uint32_t soa_minimum; /* that SOA's MINIMUM field */
	size_t nttl;          /* TTL offsets written to the caller's array */
};

/*
 * Checks an upstream answer against the question asked and makes it ready
 * to cache: QR set, ID equal to expect_id, exactly one question equal to
 * q's (name compared case-insensitively, type, class), every record within
 * bounds (compression pointers must point backwards inside the message).
 * The OPT RR is removed in place (ARCOUNT lowered, *len shortened) and its
 * extended rcode folded into info->rcode. Trailing bytes after the last
 * record are cut off.
 *
 * ttl_offs receives the offset of every remaining TTL field, in message
 * order (max_ttls entries at most; more records than that give DST_ENOSPC,
 * and the answer may still be forwarded but not cached).
 * Returns 0, DST_EMISMATCH (ID or question differ, or QR clear), or
 * DST_EFORMAT (malformed).
 *
 * Details: QDCOUNT other than 1 and an opcode other than QUERY are
 * DST_EMISMATCH. On DST_ENOSPC everything else has still been done (OPT
 * removed, *len and info final, the first max_ttls offsets written; nttl =
 * max_ttls, min_ttl covers every record). info is meaningful only for 0 and
 * DST_ENOSPC; on DST_EMISMATCH/DST_EFORMAT wire and *len are untouched.
 * The header keeps only the low 4 rcode bits: an answer whose info->rcode
 * is above 15 cannot be rebuilt from the wire, so do not cache or forward it
 * as is. ttl_offs may be NULL when max_ttls is 0.
 */
int dst_dns_prepare_answer(uint8_t *wire, size_t *len, uint16_t expect_id,
			   const struct dst_dns_query *q, uint16_t *ttl_offs, size_t max_ttls,
			   struct dst_dns_answer_info *info);

/*
 * Turns a prepared answer (OPT removed, as from the cache or
 * dst_dns_prepare_answer) into the response for one client, in place in a
 * buffer of cap bytes: sets the client's ID, copies the client's qname bytes
 * (original case) over the question, copies RD and CD from the query,
 * appends an OPT RR (our payload size, DO echoed) when the client sent EDNS,
 * and when the result exceeds limit (the client's UDP payload size, or
 * DST_DNS_MAX_MSG for TCP) replaces it by a header + question (+ OPT) with
 * TC set. Returns the final length or DST_ENOSPC.
 * Also: the answer's rcode and AA are kept, and AD too when the client set
 * DO or AD (else AD is cleared: RFC 6840 5.8); DST_ENOSPC when the result
 * (full, or truncated if over limit) does not fit cap, or even the truncated
 * form exceeds limit; DST_EINVAL when len is shorter than header + question
 * or larger than cap. Nothing is written on error.
 */
ssize_t dst_dns_finish_answer(uint8_t *wire, size_t len, size_t cap, const uint8_t *client_query,
			      const struct dst_dns_query *q, size_t limit);

/*
 * Copies a prepared answer (OPT removed) to out without the RRSIG, NSEC
 * and NSEC3 records a client with DO clear must not get (RFC 4035 3.2.1);
 * those of type qtype stay in the answer section. Counts are fixed and
 * compression pointers kept valid (expanded where needed). out may not
 * overlap in. Returns the new length, DST_ENOSPC or DST_EFORMAT.
 */
ssize_t dst_dns_strip_dnssec(const uint8_t *in, size_t len, uint16_t qtype, uint8_t *out,
			     size_t cap);
/* How many RRSIG records a message holds, in every section (0 for a malformed one). */
unsigned dst_dns_count_rrsigs(const uint8_t *wire, size_t len);

/*
 * Finds the edns-tcp-keepalive option in a message's OPT RR (RFC 7828).
 * Returns its timeout in units of 100 ms, DST_ENOENT when there is no OPT
 * or no such option with a value, or DST_EFORMAT.
 */
int dst_dns_edns_keepalive(const uint8_t *wire, size_t len);

#define DST_DNS_ANY_TTL 3600 /* seconds: the TTL of the RFC 8482 HINFO answer */

/*
 * Builds the minimal answer to an ANY query (RFC 8482 section 4.2) without
 * asking anyone, into out (cap bytes): the query's ID, opcode, RD and CD,
 * QR and RA set, NOERROR, the question echoed from query (the client's
 * qname bytes), and one synthesized record: qname HINFO "RFC8482" "" with
 * TTL DST_DNS_ANY_TTL, in the question's class (IN for class ANY or NONE).
 * An OPT RR (our payload size, DO echoed) is added when q->edns.
 * Returns the length (at most 303 bytes, so it always fits 512), DST_ENOSPC
 * when cap is too small, or DST_EINVAL when q is not a parsed ANY question.
 * out may be the query buffer itself. The answer is not signed: it is meant
 * to be sent as it is, never cached or forwarded.
 */
ssize_t dst_dns_any_answer(const uint8_t *query, const struct dst_dns_query *q, uint8_t *out,
			   size_t cap);

/* Lower-cases the ASCII letters of a wire-format name in place (n bytes). */
void dst_dns_name_lower(uint8_t *name, size_t n);

/* --- text (dns/text.c): for logs, reports and the control socket, never the hot path --- */

#define DST_DNS_TEXT_LEN 16                 /* "TYPE65535", "RCODE4095" */
#define DST_DNS_NAME_TEXT_LEN (4 * 255 + 2) /* every byte as \DDD, the dots, the NUL */
#define DST_DNS_NAMED_RCODES 6              /* NOERROR .. REFUSED have names */

/* The type's mnemonic ("AAAA"), else "TYPE%u" written into buf. */
const char *dst_dns_type_name(uint16_t type, char buf[DST_DNS_TEXT_LEN]);
/* The rcode's name ("NXDOMAIN") below DST_DNS_NAMED_RCODES, else "RCODE%u" in buf. */
const char *dst_dns_rcode_name(unsigned rcode, char buf[DST_DNS_TEXT_LEN]);
/*
 * The name at off in wire (uncompressed) as text, absolute ("www.example.com.",
 * "." for the root), bytes outside printable ASCII, dots and backslashes as
 * \DDD. Returns the offset after the name, or 0 if it is malformed.
 */
size_t dst_dns_name_to_text(const uint8_t *wire, size_t len, size_t off,
			    char out[DST_DNS_NAME_TEXT_LEN]);
/*
 * A plain name ("www.example.com" or "www.example.com.", "." for the root)
 * in wire form; returns its length, or 0 if it is not a plain name (an
 * empty label, a label over 63, over 255 bytes, blanks, backslashes or
 * bytes outside printable ASCII).
 */
size_t dst_dns_name_from_text(const char *s, uint8_t out[DST_DNS_MAX_NAME]);

#endif
