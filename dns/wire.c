/*
 * DNS wire format: the bounds-checked cursor, vetting of client queries,
 * and the messages dotstub builds itself (upstream queries, error
 * answers). The checks and edits an upstream answer goes through before it
 * is cached and served are in answer.c.
 *
 * Invariants every function here keeps, whatever the input bytes are:
 * - No read outside [wire, wire + len) and no write outside the caller's
 *   buffer (cap). Nothing allocates; nothing does I/O.
 * - Name walks end: a compression pointer must land inside the message, past
 *   the header, and strictly before the start of the label run that holds
 *   it, so every jump moves backwards and a walk takes at most len steps.
 * - dst_dns_prepare_answer writes nothing unless the whole answer checked
 *   out. A prepared answer has no OPT, no trailing bytes and an uncompressed
 *   question name (a pointer there could only land in the header), whose
 *   length is the client's qname_len; dst_dns_finish_answer relies on that.
 *
 * parse_query and finish_answer are on the cache-hit path: one pass, no
 * ldns, no copies beyond the qname.
 */
#include <string.h>

#include "dns/dns.h"
#include "dns/err.h"

#include "dns/internal.h"

void dst_dns_name_lower(uint8_t *name, size_t n)
{
	/* Label lengths (< 0x40) and pointers (>= 0xc0) are never letters. */
	for (size_t i = 0; i < n; i++)
		name[i] = dst_dns__lower(name[i]);
}

/* ------------------------------------------------------------------ */
/* Cursor                                                              */
/* ------------------------------------------------------------------ */

void dst_dns_cursor_init(struct dst_dns_cursor *c, const uint8_t *wire, size_t len, size_t pos)
{
	c->wire = wire;
	c->len = len;
	c->pos = pos <= len ? pos : len;
	c->err = pos <= len ? 0 : DST_EFORMAT;
}

/*
 * Hands out the next n bytes and moves past them, or records the error and
 * returns NULL. After an error nothing moves any more.
 */
static const uint8_t *take(struct dst_dns_cursor *c, size_t n)
{
	if (c->err)
		return NULL;
	if (c->len - c->pos < n) {
		c->err = DST_EFORMAT;
		return NULL;
	}
	const uint8_t *p = c->wire + c->pos;
	c->pos += n;
	return p;
}

uint8_t dst_dns_read8(struct dst_dns_cursor *c)
{
	const uint8_t *p = take(c, 1);
	return p ? p[0] : 0;
}

uint16_t dst_dns_read16(struct dst_dns_cursor *c)
{
	const uint8_t *p = take(c, 2);
	return p ? dst_dns_get16(p) : 0;
}

uint32_t dst_dns_read32(struct dst_dns_cursor *c)
{
	const uint8_t *p = take(c, 4);
	return p ? dst_dns_get32(p) : 0;
}

void dst_dns_skip(struct dst_dns_cursor *c, size_t n)
{
	take(c, n);
}

void dst_dns_skip_name(struct dst_dns_cursor *c)
{
	size_t total = 0;

	for (;;) {
		const uint8_t *p = take(c, 1);
		if (!p)
			return;
		if (*p >= 0xc0) {
			take(c, 1);
			return;
		}
		if (*p >= 0x40) {
			c->err = DST_EFORMAT;
			return;
		}
		total += 1u + *p;
		if (total > DST_DNS_MAX_NAME) {
			c->err = DST_EFORMAT;
			return;
		}
		if (*p == 0)
			return;
		take(c, *p);
	}
}

/* ------------------------------------------------------------------ */
/* Client queries                                                      */
/* ------------------------------------------------------------------ */

/*
 * Copies n bytes, lower-casing ASCII letters, eight at a time: a byte of
 * the word gets 0x20 added when it lies in 'A'..'Z' (its low seven bits
 * are, and its top bit is clear). Label length bytes (under 0x40) and
 * bytes over 0x7f never change, so a whole wire name can go through it.
 */
static void lower_copy(uint8_t *dst, const uint8_t *src, size_t n)
{
	const uint64_t ones = 0x0101010101010101u, top = 0x8080808080808080u;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t x, low7, ge_a, gt_z;

		memcpy(&x, src + i, 8);
		low7 = x & ~top;
		/* Neither sum carries out of a byte: each low7 byte is at most 0x7f. */
		ge_a = low7 + (0x80 - 'A') * ones;
		gt_z = low7 + (0x80 - 'Z' - 1) * ones;
		x |= ((ge_a & ~gt_z & ~x & top) >> 2);
		memcpy(dst + i, &x, 8);
	}
	for (; i < n; i++)
		dst[i] = dst_dns__lower(src[i]);
}

/*
 * Reads the question name at the cursor into q->qname_lower, lower-cased.
 * A query has nothing before its qname to point at, so a compression
 * pointer there is an error, as are the reserved label types. The labels
 * are checked first and the name then copied in one pass: this runs for
 * every client query, cache hits included.
 */
static int read_qname(struct dst_dns_cursor *c, struct dst_dns_query *q)
{
	const uint8_t *w = c->wire;
	size_t start = c->pos, pos = start;

	for (;;) {
		if (pos >= c->len || w[pos] >= 0x40)
			return DST_EFORMAT;
		size_t lab = w[pos];
		if (pos - start + 1 + lab > DST_DNS_MAX_NAME || c->len - pos < 1 + lab)
			return DST_EFORMAT;
		pos += 1 + lab;
		if (lab == 0)
			break;
	}
	lower_copy(q->qname_lower, w + start, pos - start);
	c->pos = pos;
	q->qname_len = (uint16_t)(pos - start);
	return 0;
}

/*
 * Checks that EDNS options (code, length, data) tile the RDATA at rdata
 * exactly, and notes where a client subnet option (RFC 7871) sits.
 */
static int check_options(const uint8_t *w, size_t rdata, size_t n, struct dst_dns_query *q)
{
	const uint8_t *p = w + rdata;

	while (n >= 4) {
		size_t code = dst_dns_get16(p), olen = dst_dns_get16(p + 2);
		if (n - 4 < olen)
			return DST_EFORMAT;
		/* FAMILY (2), SOURCE and SCOPE PREFIX-LENGTH (1 each), ADDRESS. */
		if (code == DST_DNS_EDNS_ECS && olen >= 4 && olen <= 20 && !q->ecs_len) {
			q->ecs_off = (uint16_t)(p - w);
			q->ecs_len = (uint16_t)(4 + olen);
		}
		p += 4 + olen;
		n -= 4 + olen;
	}
	return n == 0 ? 0 : DST_EFORMAT;
}

/*
 * Walks a query's additional section and takes the EDNS parameters from
 * its OPT RR. Fields of a first, well-formed OPT stay set even when a
 * second OPT then makes the query a FORMERR.
 */
static int read_query_additional(struct dst_dns_cursor *c, unsigned count, struct dst_dns_query *q)
{
	for (unsigned i = 0; i < count; i++) {
		size_t owner = c->pos;
		dst_dns_skip_name(c);
		uint16_t type = dst_dns_read16(c);
		uint16_t class = dst_dns_read16(c);
		uint32_t ttl = dst_dns_read32(c);
		uint16_t rdlen = dst_dns_read16(c);
		size_t rdata = c->pos;
		dst_dns_skip(c, rdlen);
		if (c->err)
			return DST_EFORMAT;
		if (type != DST_DNS_TYPE_OPT)
			continue;
		if (q->edns || c->wire[owner] != 0)
			return DST_EFORMAT;
		if (check_options(c->wire, rdata, rdlen, q) < 0)
			return DST_EFORMAT;
		q->edns = true;
		q->udp_size = class > DST_DNS_PLAIN_UDP_SIZE ? class : DST_DNS_PLAIN_UDP_SIZE;
		q->edns_version = (uint8_t)(ttl >> 16);
		q->do_bit = ttl & DO_BIT;
	}
	return 0;
}

static enum dst_dns_verdict query_error(struct dst_dns_query *q, unsigned rcode)
{
	q->rcode = (uint8_t)rcode;
	return DST_DNS_QUERY_ERROR;
}

enum dst_dns_verdict dst_dns_parse_query(const uint8_t *wire, size_t len, struct dst_dns_query *q)
{
	q->id = 0;
	q->qtype = 0;
	q->qclass = 0;
	q->qname_len = 0;
	q->question_end = 0;
	q->rd = false;
	q->cd = false;
	q->ad = false;
	q->edns = false;
	q->ecs_off = 0;
	q->ecs_len = 0;
	q->do_bit = false;
	q->edns_version = 0;
	q->udp_size = DST_DNS_PLAIN_UDP_SIZE;
	q->rcode = DST_DNS_RCODE_NOERROR;

	if (len < DST_DNS_HEADER_LEN || dst_dns_qr(wire))
		return DST_DNS_QUERY_DROP;
	q->id = dst_dns_id(wire);
	q->rd = dst_dns_rd(wire);
	q->cd = dst_dns_cd(wire);
	q->ad = dst_dns_ad(wire);

	unsigned qd = dst_dns_qdcount(wire), an = dst_dns_ancount(wire);
	unsigned ns = dst_dns_nscount(wire), ar = dst_dns_arcount(wire);
	struct dst_dns_cursor c;
	int bad = 0;

	dst_dns_cursor_init(&c, wire, len, DST_DNS_HEADER_LEN);
	if (qd > 0) {
		bad = read_qname(&c, q);
		if (!bad) {
			q->qtype = dst_dns_read16(&c);
			q->qclass = dst_dns_read16(&c);
			if (c.err)
				bad = DST_EFORMAT;
			else
				q->question_end = (uint16_t)c.pos;
		}
	}
	/*
	 * The rest is walked even for queries already known to be in error,
	 * so that their error answer can carry an OPT when they sent one.
	 * Each step consumes input or stops at the first error.
	 */
	for (unsigned i = 1; !bad && i < qd; i++) {
		dst_dns_skip_name(&c);
		dst_dns_skip(&c, 4);
		bad = c.err;
	}
	for (unsigned i = 0; !bad && i < an + ns; i++) {
		dst_dns__skip_rr(&c);
		bad = c.err;
	}
	if (!bad)
		bad = read_query_additional(&c, ar, q);

	if (dst_dns_opcode(wire) != 0)
		return query_error(q, DST_DNS_RCODE_NOTIMP);
	if (bad || qd != 1 || an != 0 || ns != 0)
		return query_error(q, DST_DNS_RCODE_FORMERR);
	if (q->edns && q->edns_version != 0)
		return query_error(q, DST_DNS_RCODE_BADVERS);
	return DST_DNS_QUERY_OK;
}

/* ------------------------------------------------------------------ */
/* Messages dotstub builds                                             */
/* ------------------------------------------------------------------ */

ssize_t dst_dns_error_response(const uint8_t *query, const struct dst_dns_query *q, unsigned rcode,
			       uint8_t *out, size_t cap)
{
	if (rcode > 0xfff || (rcode > 0xf && !q->edns))
		return DST_EINVAL;
	if (q->question_end != 0 && q->question_end <= DST_DNS_HEADER_LEN)
		return DST_EINVAL;

	size_t qlen = q->question_end ? q->question_end - DST_DNS_HEADER_LEN : 0;
	size_t opt = q->edns ? DST_DNS_OPT_LEN : 0;
	size_t need = DST_DNS_HEADER_LEN + qlen + opt;
	if (need > cap)
		return DST_ENOSPC;

	/* Read the query's flags before anything is written: out may be query. */
	uint8_t b2 = FLAG_QR | (query[2] & OPCODE_MASK) | (q->rd ? FLAG_RD : 0);
	uint8_t b3 = FLAG_RA | (q->cd ? FLAG_CD : 0) | (rcode & 0xf);

	memmove(out + DST_DNS_HEADER_LEN, query + DST_DNS_HEADER_LEN, qlen);
	dst_dns_set_id(out, q->id);
	out[2] = b2;
	out[3] = b3;
	dst_dns_put16(out + 4, qlen ? 1 : 0);
	dst_dns_put16(out + 6, 0);
	dst_dns_put16(out + 8, 0);
	dst_dns_put16(out + 10, opt ? 1 : 0);
	if (opt)
		dst_dns__put_opt(out + DST_DNS_HEADER_LEN + qlen, rcode >> 4, q->do_bit);
	return (ssize_t)need;
}

ssize_t dst_dns_upstream_query_ex(const uint8_t *client_query, const struct dst_dns_query *q,
				  uint16_t id, unsigned flags, uint8_t *out, size_t cap)
{
	if (q->qname_len == 0 || q->qname_len > DST_DNS_MAX_NAME)
		return DST_EINVAL;

	size_t qend = DST_DNS_HEADER_LEN + q->qname_len + 4;
	/*
	 * A client's subnet goes upstream only with DST_DNS_ECS_PASS; otherwise
	 * it becomes a bare option with source prefix 0 (RFC 7871 7.1.2): "do
	 * not tailor the answer to my address".
	 */
	size_t ecs = 0;
	if (q->ecs_len)
		ecs = (flags & DST_DNS_ECS_PASS) ? q->ecs_len : 8;
	/* OPT + ECS + keepalive (4) + padding header (4) + padding to a 128-byte block. */
	size_t unpadded = qend + DST_DNS_OPT_LEN + ecs + 8;
	size_t pad = (DST_DNS_PAD_BLOCK - unpadded % DST_DNS_PAD_BLOCK) % DST_DNS_PAD_BLOCK;
	size_t need = unpadded + pad;
	if (need > cap)
		return DST_ENOSPC;

	dst_dns_set_id(out, id);
	out[2] = FLAG_RD; /* opcode QUERY */
	out[3] = (uint8_t)((q->cd ? FLAG_CD : 0) | (q->ad ? DST_DNS_FLAG_AD : 0));
	dst_dns_put16(out + 4, 1);
	dst_dns_put16(out + 6, 0);
	dst_dns_put16(out + 8, 0);
	dst_dns_put16(out + 10, 1);
	memcpy(out + DST_DNS_HEADER_LEN, client_query + DST_DNS_HEADER_LEN, q->qname_len);
	dst_dns_put16(out + qend - 4, q->qtype);
	dst_dns_put16(out + qend - 2, q->qclass);
	uint8_t *opt = out + qend;
	dst_dns__put_opt(opt, 0, q->do_bit);
	dst_dns_put16(opt + 9, (uint16_t)(ecs + 8 + pad));
	uint8_t *o = opt + DST_DNS_OPT_LEN;
	if (ecs == q->ecs_len && ecs) {
		memcpy(o, client_query + q->ecs_off, ecs);
	} else if (ecs) {
		uint16_t family = dst_dns_get16(client_query + q->ecs_off + 4);
		dst_dns_put16(o, DST_DNS_EDNS_ECS);
		dst_dns_put16(o + 2, 4);
		dst_dns_put16(o + 4, family == 2 ? 2 : 1);
		o[6] = 0; /* SOURCE PREFIX-LENGTH */
		o[7] = 0; /* SCOPE PREFIX-LENGTH */
	}
	o += ecs;
	dst_dns_put16(o, DST_DNS_EDNS_KEEPALIVE); /* RFC 7828: empty in queries */
	dst_dns_put16(o + 2, 0);
	dst_dns_put16(o + 4, DST_DNS_EDNS_PADDING); /* RFC 7830/8467: zero bytes */
	dst_dns_put16(o + 6, (uint16_t)pad);
	memset(o + 8, 0, pad);
	return (ssize_t)need;
}

ssize_t dst_dns_error_response_ede(const uint8_t *query, const struct dst_dns_query *q,
				   unsigned rcode, const struct dst_dns_ede *ede, uint8_t *out,
				   size_t cap)
{
	ssize_t n = dst_dns_error_response(query, q, rcode, out, cap);

	if (n < 0 || !ede || !q->edns)
		return n;
	/* The OPT RR is last: its RDATA grows by one option (code, length, info-code, text). */
	size_t room = cap - (size_t)n;
	if (room < 6)
		return n;
	size_t tlen = ede->text ? ede->text_len : 0;
	if (tlen > room - 6)
		tlen = room - 6;
	if (tlen > 0xffff - 6)
		tlen = 0xffff - 6;
	/* Never end inside a UTF-8 sequence: drop continuation bytes, then their lead byte. */
	if (tlen < (ede->text ? ede->text_len : 0)) {
		const uint8_t *t = (const uint8_t *)ede->text;
		while (tlen > 0 && (t[tlen] & 0xc0) == 0x80)
			tlen--;
	}
	uint8_t *opt = out + n - DST_DNS_OPT_LEN;
	uint8_t *o = out + n;
	dst_dns_put16(o, DST_DNS_EDNS_EDE);
	dst_dns_put16(o + 2, (uint16_t)(2 + tlen));
	dst_dns_put16(o + 4, ede->info_code);
	if (tlen)
		memcpy(o + 6, ede->text, tlen);
	dst_dns_put16(opt + 9, (uint16_t)(6 + tlen));
	return n + (ssize_t)(6 + tlen);
}

ssize_t dst_dns_upstream_query(const uint8_t *client_query, const struct dst_dns_query *q,
			       uint16_t id, uint8_t *out, size_t cap)
{
	return dst_dns_upstream_query_ex(client_query, q, id, 0, out, cap);
}

int dst_dns_edns_keepalive(const uint8_t *wire, size_t len)
{
	struct dst_dns_cursor c;

	if (len < DST_DNS_HEADER_LEN)
		return DST_EFORMAT;
	unsigned rrs = (unsigned)dst_dns_ancount(wire) + dst_dns_nscount(wire);
	unsigned ar = dst_dns_arcount(wire);
	dst_dns_cursor_init(&c, wire, len, DST_DNS_HEADER_LEN);
	for (unsigned i = 0; i < dst_dns_qdcount(wire); i++) {
		dst_dns_skip_name(&c);
		dst_dns_skip(&c, 4);
	}
	for (unsigned i = 0; i < rrs + ar && !c.err; i++) {
		dst_dns_skip_name(&c);
		uint16_t type = dst_dns_read16(&c);
		dst_dns_skip(&c, 6);
		uint16_t rdlen = dst_dns_read16(&c);
		if (c.err || i < rrs || type != DST_DNS_TYPE_OPT) {
			dst_dns_skip(&c, rdlen);
			continue;
		}
		size_t end = c.pos + rdlen;
		if (end > len)
			return DST_EFORMAT;
		while (c.pos + 4 <= end) {
			uint16_t code = dst_dns_read16(&c), olen = dst_dns_read16(&c);
			if (c.pos + olen > end)
				return DST_EFORMAT;
			if (code == DST_DNS_EDNS_KEEPALIVE && olen == 2)
				return dst_dns_read16(&c);
			dst_dns_skip(&c, olen);
		}
		return DST_ENOENT;
	}
	return c.err ? DST_EFORMAT : DST_ENOENT;
}
