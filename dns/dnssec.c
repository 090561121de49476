/*
 * The DNSSEC records a client did not ask for: with DO clear, a response
 * carries no RRSIG, NSEC or NSEC3 records (RFC 4035 3.2.1), except in the
 * answer section of a query for exactly that type. dotstub asks upstream
 * with DO set when it validates, so it removes them itself.
 *
 * Removing records moves what follows them, and a compression pointer
 * may point into what moved. Names are therefore copied label by label:
 * a pointer to an offset before the first removed record is kept as it
 * is (nothing there moved), any other is expanded from the original. In
 * the usual answer every pointer leads to the question, so nothing grows.
 */
#include <string.h>

#include "dns/dns.h"
#include "dns/err.h"
#include "dns/internal.h"

#define TYPE_RRSIG 46
#define TYPE_NSEC 47
#define TYPE_NSEC3 50

/* Where a copy goes, and the offset below which the input did not move. */
struct strip {
	const uint8_t *in;
	size_t len;
	size_t keep_below; /* the first removed record's offset */
	uint8_t *out;
	size_t cap, o;
	int err;
};

static void put(struct strip *s, const uint8_t *p, size_t n)
{
	if (s->err)
		return;
	if (s->cap - s->o < n) {
		s->err = DST_ENOSPC;
		return;
	}
	memcpy(s->out + s->o, p, n);
	s->o += n;
}

/*
 * Copies the name at *pos (moved past its own bytes). The input is a
 * prepared answer, so pointers go strictly backwards; the walk is still
 * bounded, by the 255-byte name limit.
 */
static void copy_name(struct strip *s, size_t *pos)
{
	size_t p = *pos, total = 0;
	bool jumped = false;

	while (!s->err) {
		if (p >= s->len) {
			s->err = DST_EFORMAT;
			return;
		}
		uint8_t b = s->in[p];
		if (b >= 0xc0) {
			if (p + 2 > s->len) {
				s->err = DST_EFORMAT;
				return;
			}
			size_t t = (size_t)(b & 0x3f) << 8 | s->in[p + 1];
			if (!jumped)
				*pos = p + 2;
			if (t < s->keep_below) {
				put(s, s->in + p, 2);
				return;
			}
			if (t >= p) {
				s->err = DST_EFORMAT;
				return;
			}
			jumped = true;
			p = t;
			continue;
		}
		if (b >= 0x40 || p + 1 + b > s->len || (total += 1u + b) > DST_DNS_MAX_NAME) {
			s->err = DST_EFORMAT;
			return;
		}
		put(s, s->in + p, 1u + b);
		p += 1u + b;
		if (b == 0) {
			if (!jumped)
				*pos = p;
			return;
		}
	}
}

/* How many names lead the RDATA of type (RFC 1035's compressible types), and what follows. */
static unsigned rdata_names(uint16_t type, size_t *lead)
{
	*lead = 0;
	switch (type) {
	case DST_DNS_TYPE_NS:
	case 3: /* MD */
	case 4: /* MF */
	case DST_DNS_TYPE_CNAME:
	case 7: /* MB */
	case 8: /* MG */
	case 9: /* MR */
	case DST_DNS_TYPE_PTR:
		return 1;
	case DST_DNS_TYPE_SOA:
	case 14: /* MINFO */
		return 2;
	case DST_DNS_TYPE_MX:
	case 18: /* AFSDB */
	case 21: /* RT */
	case 36: /* KX */
	case 64: /* SVCB: priority, then the target (never compressed, RFC 9460; followed anyway) */
	case 65: /* HTTPS */
		*lead = 2;
		return 1;
	case 33: /* SRV: priority, weight, port, target */
		*lead = 6;
		return 1;
	case 39: /* DNAME */
		return 1;
	default:
		return 0;
	}
}

/* Copies one record from *pos; its RDATA names are copied like owner names. */
static void copy_record(struct strip *s, size_t *pos, uint16_t type, size_t rdata, size_t rdlen)
{
	size_t lead, p = *pos;

	copy_name(s, &p);
	put(s, s->in + p, RR_FIXED_LEN - 2);
	size_t rdlen_at = s->o;
	put(s, s->in + p + RR_FIXED_LEN - 2, 2);
	unsigned names = rdata_names(type, &lead);
	if (!names || s->err) {
		put(s, s->in + rdata, rdlen);
	} else {
		size_t r = rdata, start = s->o;
		put(s, s->in + r, lead);
		r += lead;
		for (unsigned i = 0; i < names; i++)
			copy_name(s, &r);
		if (r > rdata + rdlen) {
			s->err = DST_EFORMAT;
			return;
		}
		put(s, s->in + r, rdata + rdlen - r);
		if (!s->err)
			dst_dns_put16(s->out + rdlen_at, (uint16_t)(s->o - start));
	}
	*pos = rdata + rdlen;
}

/*
 * Whether every name in type's RDATA is one this file can find: the types
 * whose RDATA names copy_record expands (a pointer into a removed or moved
 * record is written out in full), and types with no names at all. Any other type may
 * carry a compression pointer (a validator decompresses it, and so may the
 * client) that would land elsewhere once records move.
 */
static bool layout_known(uint16_t type)
{
	switch (type) {
	case DST_DNS_TYPE_NS:
	case DST_DNS_TYPE_CNAME:
	case DST_DNS_TYPE_SOA:
	case DST_DNS_TYPE_PTR:
	case DST_DNS_TYPE_MX:
	case 18: /* AFSDB */
	case 21: /* RT */
	case 33: /* SRV */
	case 36: /* KX */
	case 39: /* DNAME */
	case 64: /* SVCB */
	case 65: /* HTTPS */
	case DST_DNS_TYPE_A:
	case DST_DNS_TYPE_AAAA:
	case DST_DNS_TYPE_TXT:
	case DST_DNS_TYPE_HINFO:
	case 10:  /* NULL */
	case 43:  /* DS */
	case 44:  /* SSHFP */
	case 48:  /* DNSKEY */
	case 49:  /* DHCID */
	case 51:  /* NSEC3PARAM */
	case 52:  /* TLSA */
	case 53:  /* SMIMEA */
	case 59:  /* CDS */
	case 60:  /* CDNSKEY */
	case 61:  /* OPENPGPKEY */
	case 63:  /* ZONEMD */
	case 256: /* URI */
	case 257: /* CAA */
	/* Kept only in the answer to a query for them; their names are never compressed (RFC 4034 3.1.7, 4.1.1, RFC 5155 3.2). */
	case TYPE_RRSIG:
	case TYPE_NSEC:
	case TYPE_NSEC3:
		return true;
	default:
		return false;
	}
}

static bool removed(uint16_t type, uint16_t qtype, bool answer_section)
{
	if (type != TYPE_RRSIG && type != TYPE_NSEC && type != TYPE_NSEC3)
		return false;
	return !(answer_section && type == qtype);
}

ssize_t dst_dns_strip_dnssec(const uint8_t *in, size_t len, uint16_t qtype, uint8_t *out,
			     size_t cap)
{
	struct dst_dns_cursor c;
	unsigned counts[3], kept[3] = {0, 0, 0};

	if (len < DST_DNS_HEADER_LEN || dst_dns_qdcount(in) != 1)
		return DST_EFORMAT;
	counts[0] = dst_dns_ancount(in);
	counts[1] = dst_dns_nscount(in);
	counts[2] = dst_dns_arcount(in);
	dst_dns_cursor_init(&c, in, len, DST_DNS_HEADER_LEN);
	dst_dns_skip_name(&c);
	dst_dns_skip(&c, 4);
	if (c.err)
		return DST_EFORMAT;
	size_t question_end = c.pos;

	/*
	 * First pass: where the first removed record starts (nothing moves
	 * before it), and whether a kept record could hold a pointer we cannot
	 * see: then nothing is removed, as moving records could change what
	 * such a name says after it was validated.
	 */
	size_t first_cut = len;
	bool opaque = false;
	for (unsigned sec = 0; sec < 3 && !opaque; sec++) {
		for (unsigned i = 0; i < counts[sec] && !c.err; i++) {
			size_t start = c.pos;
			dst_dns_skip_name(&c);
			uint16_t type = dst_dns_read16(&c);
			dst_dns_skip(&c, 6);
			dst_dns_skip(&c, dst_dns_read16(&c));
			if (c.err)
				break;
			if (removed(type, qtype, sec == 0)) {
				if (first_cut == len)
					first_cut = start;
			} else if (!layout_known(type)) {
				opaque = true;
				break;
			}
		}
	}
	if (c.err)
		return DST_EFORMAT;
	if (first_cut == len || opaque) {
		if (len > cap)
			return DST_ENOSPC;
		memmove(out, in, len);
		return (ssize_t)len;
	}

	struct strip s = {.in = in, .len = len, .keep_below = first_cut, .out = out, .cap = cap};
	put(&s, in, question_end);
	dst_dns_cursor_init(&c, in, len, question_end);
	for (unsigned sec = 0; sec < 3; sec++) {
		for (unsigned i = 0; i < counts[sec]; i++) {
			size_t start = c.pos;
			dst_dns_skip_name(&c);
			uint16_t type = dst_dns_read16(&c);
			dst_dns_skip(&c, 6);
			uint16_t rdlen = dst_dns_read16(&c);
			size_t rdata = c.pos;
			dst_dns_skip(&c, rdlen);
			if (c.err)
				return DST_EFORMAT;
			if (removed(type, qtype, sec == 0))
				continue;
			size_t lead;
			/* Unmoved and with no names in its RDATA: as it is. A name in RDATA
			 * is copied like any (a forward pointer there is malformed). */
			if (start < first_cut && !rdata_names(type, &lead)) {
				put(&s, in + start, c.pos - start);
			} else {
				size_t p = start;
				copy_record(&s, &p, type, rdata, rdlen);
			}
			if (s.err)
				return s.err;
			kept[sec]++;
		}
	}
	if (s.err)
		return s.err;
	dst_dns_put16(out + 6, (uint16_t)kept[0]);
	dst_dns_put16(out + 8, (uint16_t)kept[1]);
	dst_dns_put16(out + 10, (uint16_t)kept[2]);
	return (ssize_t)s.o;
}

unsigned dst_dns_count_rrsigs(const uint8_t *wire, size_t len)
{
	struct dst_dns_cursor c;
	unsigned n = 0;

	if (len < DST_DNS_HEADER_LEN)
		return 0;
	unsigned rrs =
		(unsigned)dst_dns_ancount(wire) + dst_dns_nscount(wire) + dst_dns_arcount(wire);
	dst_dns_cursor_init(&c, wire, len, DST_DNS_HEADER_LEN);
	for (unsigned i = 0; i < dst_dns_qdcount(wire); i++) {
		dst_dns_skip_name(&c);
		dst_dns_skip(&c, 4);
	}
	for (unsigned i = 0; i < rrs && !c.err; i++) {
		dst_dns_skip_name(&c);
		uint16_t type = dst_dns_read16(&c);
		dst_dns_skip(&c, 6);
		dst_dns_skip(&c, dst_dns_read16(&c));
		if (!c.err && type == TYPE_RRSIG)
			n++;
	}
	return n;
}
