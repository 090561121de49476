/*
 * Upstream answers: the checks and edits an answer goes through before it
 * is cached (dst_dns_prepare_answer), what every client gets from a
 * prepared answer (dst_dns_finish_answer, on the cache-hit path), and the
 * RFC 8482 answer to ANY. The invariants of wire.c hold here too: no read
 * outside the message, no write outside the caller's buffer, name walks
 * that end, and nothing written unless the whole answer checked out.
 */
#include <string.h>

#include "dns/dns.h"
#include "dns/err.h"
#include "dns/internal.h"

/* ------------------------------------------------------------------ */
/* Upstream answers                                                    */
/* ------------------------------------------------------------------ */

/* An answer being checked: its bytes and the OPT RR once one was seen. */
struct walk {
	const uint8_t *w;
	size_t len;
	size_t hole_lo, hole_hi; /* [lo, hi): the OPT RR; no pointer may land there */
};

/*
 * Checks the name at *pos, following pointers, and moves *pos past the
 * name's own bytes. Labels 0x40-0xbf, names over 255 bytes, more than
 * MAX_JUMPS pointers, and pointers into the header, into the OPT or not
 * strictly backwards are errors.
 * When cmp is given, *same tells whether the name equals cmp (a lower-cased
 * wire name of cmp_len bytes) ignoring ASCII case.
 */
static int walk_name(const struct walk *k, size_t *pos, const uint8_t *cmp, size_t cmp_len,
		     bool *same)
{
	const uint8_t *w = k->w;
	size_t p = *pos, run = *pos, end = 0, total = 0;
	/*
	 * Bytes of the name may be read up to limit: the message end at first,
	 * then, after each pointer, the start of the run that held it. A
	 * pointed-to name is an earlier name and lies wholly before its user;
	 * without this, labels could run on into later records, or through
	 * the OPT that is about to be cut out, and change meaning afterwards.
	 */
	size_t limit = k->len;
	unsigned jumps = 0;
	bool eq = cmp != NULL;

	for (;;) {
		if (p >= limit)
			return DST_EFORMAT;
		size_t b = w[p];
		size_t sz = b >= 0xc0 ? 2 : 1 + b;
		if (limit - p < sz || (p < k->hole_hi && p + sz > k->hole_lo))
			return DST_EFORMAT;
		if (b >= 0xc0) {
			size_t t = (b & 0x3f) << 8 | w[p + 1];
			if (t < DST_DNS_HEADER_LEN || t >= run ||
			    (t >= k->hole_lo && t < k->hole_hi) || ++jumps > MAX_JUMPS)
				return DST_EFORMAT;
			if (!end)
				end = p + 2;
			limit = run;
			p = run = t;
			continue;
		}
		if (b >= 0x40)
			return DST_EFORMAT;
		if (total + 1 + b > DST_DNS_MAX_NAME)
			return DST_EFORMAT;
		if (eq) {
			if (total + 1 + b > cmp_len || cmp[total] != b) {
				eq = false;
			} else {
				for (size_t i = 1; i <= b; i++) {
					if (dst_dns__lower(w[p + i]) != cmp[total + i]) {
						eq = false;
						break;
					}
				}
			}
		}
		total += 1 + b;
		if (b == 0) {
			if (!end)
				end = p + 1;
			break;
		}
		p += 1 + b;
	}
	if (same)
		*same = eq && total == cmp_len;
	*pos = end;
	return 0;
}

/*
 * Checks the RDATA of types that hold names the answer may compress (RFC
 * 1035 types still in use): the names must be sound and fill the RDATA
 * exactly. An SOA's MINIMUM goes to *soa_min. Other types are opaque.
 */
static int check_rdata(const struct walk *k, uint16_t type, size_t rdata, size_t rdlen,
		       uint32_t *soa_min)
{
	struct walk in = *k;
	size_t p = rdata, end = rdata + rdlen;

	in.len = end; /* a name must not run out of its RDATA */
	switch (type) {
	case DST_DNS_TYPE_NS:
	case DST_DNS_TYPE_CNAME:
	case DST_DNS_TYPE_PTR:
		if (walk_name(&in, &p, NULL, 0, NULL) < 0)
			return DST_EFORMAT;
		break;
	case DST_DNS_TYPE_MX: /* preference, exchange */
		if (rdlen < 3)
			return DST_EFORMAT;
		p += 2;
		if (walk_name(&in, &p, NULL, 0, NULL) < 0)
			return DST_EFORMAT;
		break;
	case DST_DNS_TYPE_SOA:
		if (walk_name(&in, &p, NULL, 0, NULL) < 0 || walk_name(&in, &p, NULL, 0, NULL) < 0)
			return DST_EFORMAT;
		if (end - p != SOA_FIXED_LEN)
			return DST_EFORMAT;
		*soa_min = dst_dns_get32(k->w + end - 4);
		p = end;
		break;
	default:
		p = end;
		break;
	}
	return p == end ? 0 : DST_EFORMAT;
}

/*
 * Moves the compression pointer that ends the name at p (if any) down by
 * shift when it lands at or after from. Returns the offset past the name's
 * own bytes. Only used on names walk_name already accepted.
 */
static size_t shift_name_ptr(uint8_t *w, size_t p, size_t from, size_t shift)
{
	while (w[p] != 0 && w[p] < 0xc0)
		p += 1u + w[p];
	if (w[p] == 0)
		return p + 1;
	size_t t = (size_t)(w[p] & 0x3f) << 8 | w[p + 1];
	if (t >= from)
		dst_dns_put16(w + p, (uint16_t)(0xc000 | (t - shift)));
	return p + 2;
}

/*
 * Readies the records in [from, end) to move down by shift bytes (the OPT
 * before them is about to be cut out): pointers into that range, in owner
 * names and in the RDATA names check_rdata knows, are lowered to match.
 */
static void shift_tail_ptrs(uint8_t *w, size_t from, size_t end, size_t shift)
{
	size_t p = from;

	while (p < end) {
		p = shift_name_ptr(w, p, from, shift);
		uint16_t type = dst_dns_get16(w + p);
		size_t rdata = p + RR_FIXED_LEN;
		p = rdata + dst_dns_get16(w + p + 8);
		switch (type) {
		case DST_DNS_TYPE_NS:
		case DST_DNS_TYPE_CNAME:
		case DST_DNS_TYPE_PTR:
			shift_name_ptr(w, rdata, from, shift);
			break;
		case DST_DNS_TYPE_MX:
			shift_name_ptr(w, rdata + 2, from, shift);
			break;
		case DST_DNS_TYPE_SOA:
			shift_name_ptr(w, shift_name_ptr(w, rdata, from, shift), from, shift);
			break;
		default:
			break;
		}
	}
}

int dst_dns_prepare_answer(uint8_t *wire, size_t *len, uint16_t expect_id,
			   const struct dst_dns_query *q, uint16_t *ttl_offs, size_t max_ttls,
			   struct dst_dns_answer_info *info)
{
	memset(info, 0, sizeof(*info));
	info->min_ttl = UINT32_MAX;
	if (*len < DST_DNS_HEADER_LEN || *len > DST_DNS_MAX_MSG)
		return DST_EFORMAT;
	if (!dst_dns_qr(wire) || dst_dns_opcode(wire) != 0 || dst_dns_id(wire) != expect_id ||
	    dst_dns_qdcount(wire) != 1)
		return DST_EMISMATCH;

	struct walk k = {.w = wire, .len = *len};
	size_t pos = DST_DNS_HEADER_LEN;
	bool same;

	if (walk_name(&k, &pos, q->qname_lower, q->qname_len, &same) < 0 || *len - pos < 4)
		return DST_EFORMAT;
	if (!same || dst_dns_get16(wire + pos) != q->qtype ||
	    dst_dns_get16(wire + pos + 2) != q->qclass)
		return DST_EMISMATCH;
	pos += 4;

	const unsigned counts[3] = {dst_dns_ancount(wire), dst_dns_nscount(wire),
				    dst_dns_arcount(wire)};
	size_t opt_lo = 0, opt_hi = 0, shift = 0, nttl = 0;
	bool opt = false, overflow = false, soa = false;
	uint32_t soa_ttl_off = 0, soa_min = 0;

	info->rcode = dst_dns_rcode(wire);
	for (unsigned sec = 0; sec < 3; sec++) {
		for (unsigned i = 0; i < counts[sec]; i++) {
			size_t start = pos;
			if (walk_name(&k, &pos, NULL, 0, NULL) < 0 || *len - pos < RR_FIXED_LEN)
				return DST_EFORMAT;
			uint16_t type = dst_dns_get16(wire + pos);
			size_t ttl_off = pos + 4;
			uint32_t ttl = dst_dns_get32(wire + ttl_off);
			size_t rdlen = dst_dns_get16(wire + pos + 8);
			size_t rdata = pos + RR_FIXED_LEN;
			if (*len - rdata < rdlen)
				return DST_EFORMAT;
			pos = rdata + rdlen;

			if (type == DST_DNS_TYPE_OPT) {
				/* Only one, only in additional, owned by the root. */
				if (sec != 2 || opt || wire[start] != 0)
					return DST_EFORMAT;
				opt = true;
				opt_lo = k.hole_lo = start;
				opt_hi = k.hole_hi = pos;
				shift = opt_hi - opt_lo;
				info->rcode |= (unsigned)(ttl >> 24) << 4;
				continue;
			}
			uint32_t minimum = 0;
			if (check_rdata(&k, type, rdata, rdlen, &minimum) < 0)
				return DST_EFORMAT;
			/* Records after the OPT move down when it is cut out. */
			ttl_off -= shift;
			if (nttl < max_ttls)
				ttl_offs[nttl++] = (uint16_t)ttl_off;
			else
				overflow = true;
			if (ttl & 0x80000000u) /* RFC 2181 8: read as zero */
				ttl = 0;
			if (ttl < info->min_ttl)
				info->min_ttl = ttl;
			if (sec == 1 && type == DST_DNS_TYPE_SOA && !soa) {
				soa = true;
				soa_ttl_off = (uint32_t)ttl_off;
				soa_min = minimum;
			}
		}
	}

	/* Everything checked out: now edit in place. */
	size_t end = pos;
	if (opt) {
		if (opt_hi < end)
			shift_tail_ptrs(wire, opt_hi, end, shift);
		memmove(wire + opt_lo, wire + opt_hi, end - opt_hi);
		end -= shift;
		dst_dns_put16(wire + 10, (uint16_t)(counts[2] - 1));
	}
	*len = end;

	info->tc = dst_dns_tc(wire);
	info->nttl = nttl;
	info->negative = info->rcode == DST_DNS_RCODE_NXDOMAIN ||
			 (info->rcode == DST_DNS_RCODE_NOERROR && counts[0] == 0);
	if (info->negative && soa) {
		info->has_soa = true;
		info->soa_ttl_off = soa_ttl_off;
		info->soa_minimum = soa_min;
	}
	return overflow ? DST_ENOSPC : 0;
}

ssize_t dst_dns_finish_answer(uint8_t *wire, size_t len, size_t cap, const uint8_t *client_query,
			      const struct dst_dns_query *q, size_t limit)
{
	size_t qend = DST_DNS_HEADER_LEN + (size_t)q->qname_len + 4;
	size_t opt = q->edns ? DST_DNS_OPT_LEN : 0;
	size_t out;
	bool truncate;

	if (q->qname_len == 0 || len < qend || len > cap)
		return DST_EINVAL;
	if (len + opt <= limit) {
		if (len + opt > cap)
			return DST_ENOSPC;
		if (opt && dst_dns_arcount(wire) == UINT16_MAX)
			return DST_EINVAL;
		truncate = false;
		out = len + opt;
	} else {
		/* Too big for the client: header + question (+ OPT), TC set. */
		if (qend + opt > limit || qend + opt > cap)
			return DST_ENOSPC;
		truncate = true;
		out = qend + opt;
	}

	dst_dns_set_id(wire, q->id);
	memcpy(wire + DST_DNS_HEADER_LEN, client_query + DST_DNS_HEADER_LEN, q->qname_len);
	wire[2] = (uint8_t)((wire[2] & ~FLAG_RD) | (q->rd ? FLAG_RD : 0));
	/* AD only for a client that said it understands it (RFC 6840 5.8). */
	unsigned clear = FLAG_CD | (q->do_bit || q->ad ? 0 : DST_DNS_FLAG_AD);
	wire[3] = (uint8_t)((wire[3] & ~clear) | (q->cd ? FLAG_CD : 0));
	if (truncate) {
		wire[2] |= FLAG_TC;
		dst_dns_put16(wire + 4, 1);
		dst_dns_put16(wire + 6, 0);
		dst_dns_put16(wire + 8, 0);
		dst_dns_put16(wire + 10, 0);
	}
	if (opt) {
		dst_dns__put_opt(wire + out - opt, 0, q->do_bit);
		dst_dns_put16(wire + 10, (uint16_t)(dst_dns_arcount(wire) + 1));
	}
	return (ssize_t)out;
}

/* ------------------------------------------------------------------ */
/* ANY queries (RFC 8482)                                              */
/* ------------------------------------------------------------------ */

/* HINFO RDATA: CPU "RFC8482", OS "" (RFC 8482 section 4.2). */
static const uint8_t any_hinfo[] = {7, 'R', 'F', 'C', '8', '4', '8', '2', 0};

ssize_t dst_dns_any_answer(const uint8_t *query, const struct dst_dns_query *q, uint8_t *out,
			   size_t cap)
{
	if (q->qtype != DST_DNS_TYPE_ANY || q->qname_len == 0 ||
	    q->question_end != DST_DNS_HEADER_LEN + q->qname_len + 4)
		return DST_EINVAL;

	size_t qlen = q->question_end - DST_DNS_HEADER_LEN;
	size_t rr = 2 + RR_FIXED_LEN + sizeof(any_hinfo); /* pointer owner, fixed part, RDATA */
	size_t opt = q->edns ? DST_DNS_OPT_LEN : 0;
	size_t need = DST_DNS_HEADER_LEN + qlen + rr + opt;
	if (need > cap)
		return DST_ENOSPC;

	/* An RR of class ANY (or NONE) makes no sense: those questions get IN. */
	uint16_t rclass = q->qclass == 255 || q->qclass == 254 ? DST_DNS_CLASS_IN : q->qclass;
	/* Read the query's flags before anything is written: out may be query. */
	uint8_t b2 = FLAG_QR | (query[2] & OPCODE_MASK) | (q->rd ? FLAG_RD : 0);
	uint8_t b3 = FLAG_RA | (q->cd ? FLAG_CD : 0);

	memmove(out + DST_DNS_HEADER_LEN, query + DST_DNS_HEADER_LEN, qlen);
	dst_dns_set_id(out, q->id);
	out[2] = b2;
	out[3] = b3;
	dst_dns_put16(out + 4, 1);
	dst_dns_put16(out + 6, 1);
	dst_dns_put16(out + 8, 0);
	dst_dns_put16(out + 10, opt ? 1 : 0);

	uint8_t *p = out + DST_DNS_HEADER_LEN + qlen;
	dst_dns_put16(p, 0xc000 | DST_DNS_HEADER_LEN); /* owner: the question's name */
	dst_dns_put16(p + 2, DST_DNS_TYPE_HINFO);
	dst_dns_put16(p + 4, rclass);
	dst_dns_put32(p + 6, DST_DNS_ANY_TTL);
	dst_dns_put16(p + 10, sizeof(any_hinfo));
	memcpy(p + 12, any_hinfo, sizeof(any_hinfo));
	if (opt)
		dst_dns__put_opt(p + rr, 0, q->do_bit);
	return (ssize_t)need;
}
