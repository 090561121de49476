/*
 * Unit tests for dns/: the wire cursor, client query vetting, the messages
 * dotstub builds, and the checks on upstream answers.
 *
 * Queries are built byte by byte (struct msg) so each test controls every
 * field; answers are mostly built with ldns, as a real upstream would send
 * them (ldns compresses names), and outputs are parsed back with ldns.
 * Inputs handed to the code under test live in heap buffers of their exact
 * length, so an ASan build catches any read past the end.
 */
/* stdbool before ldns: ldns otherwise defines _Bool as signed char. */
#include <stdbool.h>

#include <check.h>
#include <ldns/ldns.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "dns/err.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

struct msg {
	uint8_t b[2048];
	size_t n;
};

static void m_u8(struct msg *m, uint8_t v)
{
	ck_assert_uint_lt(m->n, sizeof(m->b));
	m->b[m->n++] = v;
}

static void m_u16(struct msg *m, uint16_t v)
{
	m_u8(m, v >> 8);
	m_u8(m, v & 0xff);
}

static void m_u32(struct msg *m, uint32_t v)
{
	m_u16(m, v >> 16);
	m_u16(m, v & 0xffff);
}

static void m_header(struct msg *m, uint16_t id, uint8_t f2, uint8_t f3, uint16_t qd, uint16_t an,
		     uint16_t ns, uint16_t ar)
{
	m->n = 0;
	m_u16(m, id);
	m_u8(m, f2);
	m_u8(m, f3);
	m_u16(m, qd);
	m_u16(m, an);
	m_u16(m, ns);
	m_u16(m, ar);
}

/* Appends a dotted name ("www.example.com", "" for the root) uncompressed. */
static void m_name(struct msg *m, const char *name)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t n = dot ? (size_t)(dot - name) : strlen(name);
		m_u8(m, (uint8_t)n);
		for (size_t i = 0; i < n; i++)
			m_u8(m, (uint8_t)name[i]);
		name += n + (dot ? 1 : 0);
	}
	m_u8(m, 0);
}

static void m_question(struct msg *m, const char *name, uint16_t type, uint16_t class)
{
	m_name(m, name);
	m_u16(m, type);
	m_u16(m, class);
}

/* An OPT RR with no options: payload size, TTL as (ext rcode, version, flags). */
static void m_opt(struct msg *m, uint16_t udp, uint8_t ext, uint8_t version, uint16_t flags)
{
	m_u8(m, 0);
	m_u16(m, DST_DNS_TYPE_OPT);
	m_u16(m, udp);
	m_u8(m, ext);
	m_u8(m, version);
	m_u16(m, flags);
	m_u16(m, 0);
}

static void m_rr_head(struct msg *m, uint16_t type, uint32_t ttl, uint16_t rdlen)
{
	m_u16(m, type);
	m_u16(m, DST_DNS_CLASS_IN);
	m_u32(m, ttl);
	m_u16(m, rdlen);
}

#define QID 0x1234
#define FLAG_RD 0x01
#define FLAG_CD 0x10
#define QNAME "www.Example.COM"
#define QNAME_WIRE_LEN 17

/* A client query for QNAME/A with RD, optionally with an OPT (4096, DO). */
static void std_query(struct msg *m, bool edns)
{
	m_header(m, QID, FLAG_RD, 0, 1, 0, 0, edns ? 1 : 0);
	m_question(m, QNAME, DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	if (edns)
		m_opt(m, 4096, 0, 0, 0x8000);
}

static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(d);
	memcpy(d, p, n);
	return d;
}

/* parse_query on an exact-size heap copy of m. */
static enum dst_dns_verdict parse(const struct msg *m, struct dst_dns_query *q)
{
	uint8_t *w = dup_bytes(m->b, m->n);
	enum dst_dns_verdict v = dst_dns_parse_query(w, m->n, q);
	free(w);
	return v;
}

static void parse_ok(const struct msg *m, struct dst_dns_query *q)
{
	ck_assert_int_eq(parse(m, q), DST_DNS_QUERY_OK);
}

/* A header-only ldns answer: ID, QR, RD, RA, rcode and the question. */
static ldns_pkt *answer_pkt(uint16_t id, uint8_t rcode, const char *question)
{
	ldns_pkt *p = ldns_pkt_new();
	ldns_rr *rr = NULL;
	ck_assert_ptr_nonnull(p);
	ldns_pkt_set_id(p, id);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_rd(p, true);
	ldns_pkt_set_ra(p, true);
	ldns_pkt_set_rcode(p, rcode);
	ck_assert_int_eq(ldns_rr_new_question_frm_str(&rr, question, NULL, NULL), LDNS_STATUS_OK);
	ck_assert(ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, rr));
	return p;
}

static void add_rr(ldns_pkt *p, ldns_pkt_section sec, const char *str)
{
	ldns_rr *rr = NULL;
	ck_assert_msg(ldns_rr_new_frm_str(&rr, str, 0, NULL, NULL) == LDNS_STATUS_OK, "%s", str);
	ck_assert(ldns_pkt_push_rr(p, sec, rr));
}

/* Frees p and returns its wire form in a heap buffer of exactly *len bytes. */
static uint8_t *to_wire(ldns_pkt *p, size_t *len)
{
	uint8_t *tmp = NULL;
	ck_assert_int_eq(ldns_pkt2wire(&tmp, p, len), LDNS_STATUS_OK);
	uint8_t *w = dup_bytes(tmp, *len);
	free(tmp);
	ldns_pkt_free(p);
	return w;
}

static ldns_pkt *from_wire(const uint8_t *w, size_t len)
{
	ldns_pkt *p = NULL;
	ck_assert_int_eq(ldns_wire2pkt(&p, w, len), LDNS_STATUS_OK);
	return p;
}

/* Owner of the i-th RR of a section, as text (case preserved). */
static void ck_owner(ldns_rr_list *l, size_t i, const char *want)
{
	char *s = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(l, i)));
	ck_assert_str_eq(s, want);
	free(s);
}

/* The client query most answer tests answer: QNAME/A, optionally EDNS. */
static void client(struct msg *m, struct dst_dns_query *q, bool edns)
{
	std_query(m, edns);
	parse_ok(m, q);
}

static bool has_pointer(const uint8_t *w, size_t len)
{
	for (size_t i = DST_DNS_HEADER_LEN; i < len; i++)
		if (w[i] == 0xc0)
			return true;
	return false;
}

#define AN LDNS_SECTION_ANSWER
#define NS LDNS_SECTION_AUTHORITY
#define AR LDNS_SECTION_ADDITIONAL

/* ------------------------------------------------------------------ */
/* err.c                                                               */
/* ------------------------------------------------------------------ */

START_TEST(test_every_own_code_has_a_distinct_name)
{
	const int codes[] = {DST_EFORMAT, DST_ETLS, DST_ECERTVERIFY, DST_EPINMISMATCH,
			     DST_EMISMATCH, DST_ESERVFAIL, DST_EEOF, DST_ECONFIG, DST_ENOUPSTREAM};
	const size_t n = sizeof(codes) / sizeof(codes[0]);
	for (size_t i = 0; i < n; i++) {
		const char *s = dst_strerror(codes[i]);
		ck_assert_ptr_nonnull(s);
		ck_assert_str_ne(s, dst_strerror(-99999));
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(s, dst_strerror(codes[j]));
	}
}
END_TEST

START_TEST(test_errno_codes_are_named_by_strerror)
{
	ck_assert_str_eq(dst_strerror(DST_ENOMEM), strerror(ENOMEM));
	ck_assert_str_eq(dst_strerror(DST_ETIMEDOUT), strerror(ETIMEDOUT));
	ck_assert_str_eq(dst_strerror(-EPIPE), strerror(EPIPE));
}
END_TEST

START_TEST(test_unknown_codes_still_get_a_name)
{
	ck_assert_ptr_nonnull(dst_strerror(0));
	ck_assert_ptr_nonnull(dst_strerror(5));
	ck_assert_ptr_nonnull(dst_strerror(-1999));
	ck_assert_ptr_nonnull(dst_strerror(-500));
	ck_assert_str_ne(dst_strerror(0), dst_strerror(DST_EFORMAT));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Cursor                                                              */
/* ------------------------------------------------------------------ */

START_TEST(test_cursor_reads_big_endian_values)
{
	const uint8_t b[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
	struct dst_dns_cursor c;
	dst_dns_cursor_init(&c, b, sizeof(b), 0);
	ck_assert_uint_eq(dst_dns_read8(&c), 0x01);
	ck_assert_uint_eq(dst_dns_read16(&c), 0x0203);
	ck_assert_uint_eq(dst_dns_read32(&c), 0x04050607);
	ck_assert_uint_eq(c.pos, 7);
	ck_assert_int_eq(c.err, 0);
}
END_TEST

START_TEST(test_cursor_read_past_end_sets_error_and_stops)
{
	const uint8_t b[] = {0xaa, 0xbb, 0xcc};
	struct dst_dns_cursor c;
	dst_dns_cursor_init(&c, b, sizeof(b), 1);
	ck_assert_uint_eq(dst_dns_read32(&c), 0);
	ck_assert_int_eq(c.err, DST_EFORMAT);
	ck_assert_uint_eq(c.pos, 1);
	/* Later reads that would fit still fail and do not move. */
	ck_assert_uint_eq(dst_dns_read8(&c), 0);
	ck_assert_uint_eq(c.pos, 1);
	dst_dns_skip(&c, 1);
	ck_assert_uint_eq(c.pos, 1);
}
END_TEST

START_TEST(test_cursor_started_past_end_is_error)
{
	const uint8_t b[] = {1, 2};
	struct dst_dns_cursor c;
	dst_dns_cursor_init(&c, b, sizeof(b), 3);
	ck_assert_int_eq(c.err, DST_EFORMAT);
	ck_assert_uint_eq(dst_dns_read8(&c), 0);
	dst_dns_cursor_init(&c, b, sizeof(b), 2);
	ck_assert_int_eq(c.err, 0);
	dst_dns_skip(&c, 1);
	ck_assert_int_eq(c.err, DST_EFORMAT);
}
END_TEST

START_TEST(test_skip_name_stops_after_a_pointer)
{
	const uint8_t b[] = {3, 'w', 'w', 'w', 0xc0, 0x0c, 0xff};
	struct dst_dns_cursor c;
	dst_dns_cursor_init(&c, b, sizeof(b), 0);
	dst_dns_skip_name(&c);
	ck_assert_int_eq(c.err, 0);
	ck_assert_uint_eq(c.pos, 6);
}
END_TEST

START_TEST(test_skip_name_rejects_reserved_label_types)
{
	const uint8_t b40[] = {0x40, 'a', 0};
	const uint8_t b80[] = {1, 'a', 0x80, 0};
	struct dst_dns_cursor c;
	dst_dns_cursor_init(&c, b40, sizeof(b40), 0);
	dst_dns_skip_name(&c);
	ck_assert_int_eq(c.err, DST_EFORMAT);
	dst_dns_cursor_init(&c, b80, sizeof(b80), 0);
	dst_dns_skip_name(&c);
	ck_assert_int_eq(c.err, DST_EFORMAT);
}
END_TEST

START_TEST(test_skip_name_enforces_the_255_byte_limit)
{
	uint8_t b[300];
	struct dst_dns_cursor c;
	/* 4 labels of 63 bytes + root = 257 bytes: too long. */
	size_t n = 0;
	for (int l = 0; l < 4; l++) {
		b[n++] = 63;
		memset(b + n, 'a', 63);
		n += 63;
	}
	b[n++] = 0;
	dst_dns_cursor_init(&c, b, n, 0);
	dst_dns_skip_name(&c);
	ck_assert_int_eq(c.err, DST_EFORMAT);
	/* 3 x 63 + one of 61 + root = 255 bytes: just fits. */
	b[192] = 61;
	b[192 + 62] = 0;
	dst_dns_cursor_init(&c, b, 255, 0);
	dst_dns_skip_name(&c);
	ck_assert_int_eq(c.err, 0);
	ck_assert_uint_eq(c.pos, 255);
}
END_TEST

START_TEST(test_skip_name_with_missing_label_bytes_is_error)
{
	const uint8_t b[] = {5, 'a', 'b'};
	struct dst_dns_cursor c;
	dst_dns_cursor_init(&c, b, sizeof(b), 0);
	dst_dns_skip_name(&c);
	ck_assert_int_eq(c.err, DST_EFORMAT);
}
END_TEST

START_TEST(test_name_lower_changes_only_ascii_letters)
{
	uint8_t n[] = {4, 'A', 'z', 'Z', 0xc1, 3, '@', '[', 'M', 0};
	const uint8_t want[] = {4, 'a', 'z', 'z', 0xc1, 3, '@', '[', 'm', 0};
	dst_dns_name_lower(n, sizeof(n));
	ck_assert_mem_eq(n, want, sizeof(n));
}
END_TEST

/* ------------------------------------------------------------------ */
/* parse_query                                                         */
/* ------------------------------------------------------------------ */

START_TEST(test_plain_query_is_parsed)
{
	struct msg m;
	struct dst_dns_query q;
	std_query(&m, false);
	m.b[3] |= FLAG_CD;
	parse_ok(&m, &q);
	ck_assert_uint_eq(q.id, QID);
	ck_assert_uint_eq(q.qtype, DST_DNS_TYPE_A);
	ck_assert_uint_eq(q.qclass, DST_DNS_CLASS_IN);
	ck_assert_uint_eq(q.qname_len, QNAME_WIRE_LEN);
	ck_assert_uint_eq(q.question_end, 12 + QNAME_WIRE_LEN + 4);
	ck_assert_mem_eq(q.qname_lower, "\3www\7example\3com", QNAME_WIRE_LEN);
	ck_assert(q.rd);
	ck_assert(q.cd);
	ck_assert(!q.edns);
	ck_assert(!q.do_bit);
	ck_assert_uint_eq(q.udp_size, 512);
}
END_TEST

START_TEST(test_query_for_the_root_is_parsed)
{
	struct msg m;
	struct dst_dns_query q;
	m_header(&m, 7, 0, 0, 1, 0, 0, 0);
	m_question(&m, "", DST_DNS_TYPE_NS, DST_DNS_CLASS_IN);
	parse_ok(&m, &q);
	ck_assert_uint_eq(q.qname_len, 1);
	ck_assert_uint_eq(q.qname_lower[0], 0);
	ck_assert(!q.rd);
}
END_TEST

START_TEST(test_message_shorter_than_header_is_dropped)
{
	struct msg m;
	struct dst_dns_query q;
	std_query(&m, false);
	for (size_t n = 0; n < DST_DNS_HEADER_LEN; n++) {
		struct msg p = m;
		p.n = n;
		ck_assert_int_eq(parse(&p, &q), DST_DNS_QUERY_DROP);
	}
}
END_TEST

START_TEST(test_query_with_qr_set_is_dropped)
{
	struct msg m;
	struct dst_dns_query q;
	std_query(&m, false);
	m.b[2] |= 0x80;
	ck_assert_int_eq(parse(&m, &q), DST_DNS_QUERY_DROP);
}
END_TEST

START_TEST(test_non_query_opcode_is_notimp_with_question_echoed)
{
	struct msg m;
	struct dst_dns_query q;
	std_query(&m, true);
	m.b[2] |= 4 << 3; /* NOTIFY */
	ck_assert_int_eq(parse(&m, &q), DST_DNS_QUERY_ERROR);
	ck_assert_uint_eq(q.rcode, DST_DNS_RCODE_NOTIMP);
	ck_assert_uint_eq(q.id, QID);
	ck_assert_uint_eq(q.question_end, 12 + QNAME_WIRE_LEN + 4);
	ck_assert(q.edns);
}
END_TEST

START_TEST(test_notimp_wins_over_formerr)
{
	struct msg m;
	struct dst_dns_query q;
	m_header(&m, QID, 5 << 3, 0, 0, 1, 0, 0); /* UPDATE-like: no question */
	m_u8(&m, 0xc0); /* junk */
	ck_assert_int_eq(parse(&m, &q), DST_DNS_QUERY_ERROR);
	ck_assert_uint_eq(q.rcode, DST_DNS_RCODE_NOTIMP);
	ck_assert_uint_eq(q.question_end, 0);
}
END_TEST

START_TEST(test_query_without_question_is_formerr)
{
	struct msg m;
	struct dst_dns_query q;
	m_header(&m, QID, FLAG_RD, 0, 0, 0, 0, 1);
	m_opt(&m, 1232, 0, 0, 0);
	ck_assert_int_eq(parse(&m, &q), DST_DNS_QUERY_ERROR);
	ck_assert_uint_eq(q.rcode, DST_DNS_RCODE_FORMERR);
	ck_assert_uint_eq(q.question_end, 0);
	ck_assert_uint_eq(q.id, QID);
	ck_assert(q.edns);
}
END_TEST

START_TEST(test_two_questions_give_formerr_with_first_echoed)
{
	struct msg m;
	struct dst_dns_query q;
	m_header(&m, QID, FLAG_RD, 0, 2, 0, 0, 0);
	m_question(&m, QNAME, DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	m_question(&m, "other.example", DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	ck_assert_int_eq(parse(&m, &q), DST_DNS_QUERY_ERROR);
	ck_assert_uint_eq(q.rcode, DST_DNS_RCODE_FORMERR);
	ck_assert_uint_eq(q.question_end, 12 + QNAME_WIRE_LEN + 4);
}
END_TEST

START_TEST(test_answer_records_in_query_give_formerr)
{
	struct msg m;
	struct dst_dns_query q;
	m_header(&m, QID, FLAG_RD, 0, 1, 1, 0, 0);
	m_question(&m, QNAME, DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	m_u16(&m, 0xc00c);
	m_rr_head(&m, DST_DNS_TYPE_A, 60, 4);
	m_u32(&m, 0xc0000201);
	ck_assert_int_eq(parse(&m, &q), DST_DNS_QUERY_ERROR);
	ck_assert_uint_eq(q.rcode, DST_DNS_RCODE_FORMERR);
}
END_TEST

START_TEST(test_authority_records_in_query_give_formerr)
{
	struct msg m;
	struct dst_dns_query q;
	m_header(&m, QID, FLAG_RD, 0, 1, 0, 1, 0);
	m_question(&m, QNAME, DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	m_u16(&m, 0xc00c);
	m_rr_head(&m, DST_DNS_TYPE_A, 60, 4);
	m_u32(&m, 0xc0000201);
	ck_assert_int_eq(parse(&m, &q), DST_DNS_QUERY_ERROR);
	ck_assert_uint_eq(q.rcode, DST_DNS_RCODE_FORMERR);
}
END_TEST

START_TEST(test_compressed_qname_is_formerr)
{
	struct msg m;
	struct dst_dns_query q;
	m_header(&m, QID, FLAG_RD, 0, 1, 0, 0, 0);
	m_u8(&m, 3);
	m_u8(&m, 'w');
	m_u8(&m, 'w');
	m_u8(&m, 'w');
	m_u16(&m, 0xc00c);
	m_u16(&m, DST_DNS_TYPE_A);
	m_u16(&m, DST_DNS_CLASS_IN);
	ck_assert_int_eq(parse(&m, &q), DST_DNS_QUERY_ERROR);
	ck_assert_uint_eq(q.rcode, DST_DNS_RCODE_FORMERR);
	ck_assert_uint_eq(q.question_end, 0);
}
END_TEST

START_TEST(test_reserved_label_types_in_qname_are_formerr)
{
	const uint8_t bad[] = {0x40, 0x7f, 0x80, 0xbf};
	for (size_t i = 0; i < sizeof(bad); i++) {
		struct msg m;
		struct dst_dns_query q;
		m_header(&m, QID, FLAG_RD, 0, 1, 0, 0, 0);
		m_u8(&m, 1);
		m_u8(&m, 'a');
		m_u8(&m, bad[i]);
		for (int j = 0; j < 70; j++)
			m_u8(&m, 'b');
		m_u8(&m, 0);
		m_u16(&m, DST_DNS_TYPE_A);
		m_u16(&m, DST_DNS_CLASS_IN);
		ck_assert_int_eq(parse(&m, &q), DST_DNS_QUERY_ERROR);
		ck_assert_uint_eq(q.rcode, DST_DNS_RCODE_FORMERR);
	}
}
END_TEST

/* A query whose qname is labels of the given lengths. */
static void long_name_query(struct msg *m, const size_t *labels, size_t n)
{
	m_header(m, QID, FLAG_RD, 0, 1, 0, 0, 0);
	for (size_t i = 0; i < n; i++) {
		m_u8(m, (uint8_t)labels[i]);
		for (size_t j = 0; j < labels[i]; j++)
			m_u8(m, 'X');
	}
	m_u8(m, 0);
	m_u16(m, DST_DNS_TYPE_A);
	m_u16(m, DST_DNS_CLASS_IN);
}

START_TEST(test_qname_of_255_bytes_is_accepted)
{
	const size_t labels[] = {63, 63, 63, 61};
	struct msg m;
	struct dst_dns_query q;
	long_name_query(&m, labels, 4);
	parse_ok(&m, &q);
	ck_assert_uint_eq(q.qname_len, 255);
	ck_assert_uint_eq(q.qname_lower[1], 'x');
	ck_assert_uint_eq(q.qname_lower[254], 0);
}
END_TEST

START_TEST(test_qname_over_255_bytes_is_formerr)
{
	const size_t labels[] = {63, 63, 63, 62};
	struct msg m;
	struct dst_dns_query q;
	long_name_query(&m, labels, 4);
	ck_assert_int_eq(parse(&m, &q), DST_DNS_QUERY_ERROR);
	ck_assert_uint_eq(q.rcode, DST_DNS_RCODE_FORMERR);
}
END_TEST

START_TEST(test_truncated_question_is_formerr)
{
	struct msg m;
	struct dst_dns_query q;
	std_query(&m, false);
	for (size_t n = DST_DNS_HEADER_LEN; n < m.n; n++) {
		struct msg p = m;
		p.n = n;
		ck_assert_int_eq(parse(&p, &q), DST_DNS_QUERY_ERROR);
		ck_assert_uint_eq(q.rcode, DST_DNS_RCODE_FORMERR);
		ck_assert_uint_eq(q.question_end, 0);
	}
}
END_TEST

START_TEST(test_truncated_opt_is_formerr)
{
	struct msg m;
	struct dst_dns_query q;
	std_query(&m, true);
	size_t qend = 12 + QNAME_WIRE_LEN + 4;
	for (size_t n = qend; n < m.n; n++) {
		struct msg p = m;
		p.n = n;
		ck_assert_int_eq(parse(&p, &q), DST_DNS_QUERY_ERROR);
		ck_assert_uint_eq(q.rcode, DST_DNS_RCODE_FORMERR);
		ck_assert_uint_eq(q.question_end, qend);
	}
}
END_TEST

START_TEST(test_edns_query_gives_payload_size_and_do_bit)
{
	struct msg m;
	struct dst_dns_query q;
	client(&m, &q, true);
	ck_assert(q.edns);
	ck_assert(q.do_bit);
	ck_assert_uint_eq(q.edns_version, 0);
	ck_assert_uint_eq(q.udp_size, 4096);
}
END_TEST

START_TEST(test_do_bit_comes_only_from_bit_15_of_opt_flags)
{
	struct msg m;
	struct dst_dns_query q;
	m_header(&m, QID, FLAG_RD, 0, 1, 0, 0, 1);
	m_question(&m, QNAME, DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	m_opt(&m, 1232, 0x80, 0, 0x7fff);
	parse_ok(&m, &q);
	ck_assert(q.edns);
	ck_assert(!q.do_bit);
	ck_assert_uint_eq(q.udp_size, 1232);
}
END_TEST

START_TEST(test_small_edns_payload_size_is_raised_to_512)
{
	struct msg m;
	struct dst_dns_query q;
	m_header(&m, QID, FLAG_RD, 0, 1, 0, 0, 1);
	m_question(&m, QNAME, DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	m_opt(&m, 100, 0, 0, 0);
	parse_ok(&m, &q);
	ck_assert_uint_eq(q.udp_size, 512);
}
END_TEST

START_TEST(test_two_opt_records_give_formerr)
{
	struct msg m;
	struct dst_dns_query q;
	m_header(&m, QID, FLAG_RD, 0, 1, 0, 0, 2);
	m_question(&m, QNAME, DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	m_opt(&m, 1232, 0, 0, 0);
	m_opt(&m, 1232, 0, 0, 0);
	ck_assert_int_eq(parse(&m, &q), DST_DNS_QUERY_ERROR);
	ck_assert_uint_eq(q.rcode, DST_DNS_RCODE_FORMERR);
}
END_TEST

START_TEST(test_opt_with_non_root_owner_is_formerr)
{
	struct msg m;
	struct dst_dns_query q;
	m_header(&m, QID, FLAG_RD, 0, 1, 0, 0, 1);
	m_question(&m, QNAME, DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	m_u16(&m, 0xc00c);
	m_rr_head(&m, DST_DNS_TYPE_OPT, 0, 0);
	ck_assert_int_eq(parse(&m, &q), DST_DNS_QUERY_ERROR);
	ck_assert_uint_eq(q.rcode, DST_DNS_RCODE_FORMERR);
	ck_assert(!q.edns);
}
END_TEST

START_TEST(test_opt_with_well_formed_options_is_accepted)
{
	struct msg m;
	struct dst_dns_query q;
	m_header(&m, QID, FLAG_RD, 0, 1, 0, 0, 1);
	m_question(&m, QNAME, DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	m_u8(&m, 0);
	m_u16(&m, DST_DNS_TYPE_OPT);
	m_u16(&m, 1400);
	m_u32(&m, 0);
	m_u16(&m, 4 + 8 + 4);
	m_u16(&m, 10); /* cookie */
	m_u16(&m, 8);
	m_u32(&m, 0x01020304);
	m_u32(&m, 0x05060708);
	m_u16(&m, 12); /* empty padding */
	m_u16(&m, 0);
	parse_ok(&m, &q);
	ck_assert(q.edns);
	ck_assert_uint_eq(q.udp_size, 1400);
}
END_TEST

START_TEST(test_opt_option_overrunning_rdata_is_formerr)
{
	struct msg m;
	struct dst_dns_query q;
	m_header(&m, QID, FLAG_RD, 0, 1, 0, 0, 1);
	m_question(&m, QNAME, DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	m_u8(&m, 0);
	m_u16(&m, DST_DNS_TYPE_OPT);
	m_u16(&m, 1400);
	m_u32(&m, 0);
	m_u16(&m, 6);
	m_u16(&m, 10);
	m_u16(&m, 8); /* claims 8 bytes, has 2 */
	m_u16(&m, 0);
	ck_assert_int_eq(parse(&m, &q), DST_DNS_QUERY_ERROR);
	ck_assert_uint_eq(q.rcode, DST_DNS_RCODE_FORMERR);
}
END_TEST

START_TEST(test_badvers_for_edns_version_1)
{
	struct msg m;
	struct dst_dns_query q;
	m_header(&m, QID, FLAG_RD, 0, 1, 0, 0, 1);
	m_question(&m, QNAME, DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	m_opt(&m, 1232, 0, 1, 0x8000);
	ck_assert_int_eq(parse(&m, &q), DST_DNS_QUERY_ERROR);
	ck_assert_uint_eq(q.rcode, DST_DNS_RCODE_BADVERS);
	ck_assert(q.edns);
	ck_assert_uint_eq(q.edns_version, 1);
	ck_assert_uint_eq(q.question_end, 12 + QNAME_WIRE_LEN + 4);
}
END_TEST

START_TEST(test_formerr_wins_over_badvers)
{
	struct msg m;
	struct dst_dns_query q;
	m_header(&m, QID, FLAG_RD, 0, 1, 0, 0, 2);
	m_question(&m, QNAME, DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	m_opt(&m, 1232, 0, 1, 0);
	m_opt(&m, 1232, 0, 1, 0);
	ck_assert_int_eq(parse(&m, &q), DST_DNS_QUERY_ERROR);
	ck_assert_uint_eq(q.rcode, DST_DNS_RCODE_FORMERR);
}
END_TEST

START_TEST(test_trailing_bytes_after_query_are_ignored)
{
	struct msg m;
	struct dst_dns_query q;
	std_query(&m, true);
	m_u32(&m, 0xdeadbeef);
	m_u8(&m, 0xc0);
	parse_ok(&m, &q);
	ck_assert(q.edns);
}
END_TEST

START_TEST(test_other_additional_records_are_skipped)
{
	struct msg m;
	struct dst_dns_query q;
	m_header(&m, QID, FLAG_RD, 0, 1, 0, 0, 2);
	m_question(&m, QNAME, DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	m_u16(&m, 0xc00c);
	m_rr_head(&m, DST_DNS_TYPE_TXT, 0, 3);
	m_u8(&m, 2);
	m_u16(&m, 0x6869);
	m_opt(&m, 2048, 0, 0, 0);
	parse_ok(&m, &q);
	ck_assert(q.edns);
	ck_assert_uint_eq(q.udp_size, 2048);
}
END_TEST

/* ------------------------------------------------------------------ */
/* error_response                                                      */
/* ------------------------------------------------------------------ */

/* Parses m (expecting an ERROR verdict) and builds its error response. */
static ldns_pkt *error_for(struct msg *m, struct dst_dns_query *q, unsigned want_rcode)
{
	uint8_t out[512];
	ck_assert_int_eq(parse(m, q), DST_DNS_QUERY_ERROR);
	ck_assert_uint_eq(q->rcode, want_rcode);
	ssize_t n = dst_dns_error_response(m->b, q, q->rcode, out, sizeof(out));
	ck_assert_int_gt(n, 0);
	return from_wire(out, (size_t)n);
}

START_TEST(test_formerr_echoes_id_question_and_flags)
{
	struct msg m;
	struct dst_dns_query q;
	m_header(&m, QID, FLAG_RD, FLAG_CD, 1, 1, 0, 0);
	m_question(&m, QNAME, DST_DNS_TYPE_AAAA, DST_DNS_CLASS_IN);
	m_u8(&m, 0xc0); /* broken answer record */
	ldns_pkt *p = error_for(&m, &q, DST_DNS_RCODE_FORMERR);
	ck_assert_uint_eq(ldns_pkt_id(p), QID);
	ck_assert(ldns_pkt_qr(p));
	ck_assert(ldns_pkt_ra(p));
	ck_assert(ldns_pkt_rd(p));
	ck_assert(ldns_pkt_cd(p));
	ck_assert(!ldns_pkt_aa(p));
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_FORMERR);
	ck_assert_int_eq(ldns_pkt_get_opcode(p), LDNS_PACKET_QUERY);
	ck_assert_uint_eq(ldns_pkt_qdcount(p), 1);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 0);
	ck_assert_uint_eq(ldns_pkt_nscount(p), 0);
	ck_assert_uint_eq(ldns_pkt_arcount(p), 0);
	ck_assert(!ldns_pkt_edns(p));
	ck_owner(ldns_pkt_question(p), 0, "www.Example.COM.");
	ck_assert_int_eq(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(p), 0)),
			 LDNS_RR_TYPE_AAAA);
	ldns_pkt_free(p);
}
END_TEST

START_TEST(test_formerr_without_parsed_question_has_no_question)
{
	struct msg m;
	struct dst_dns_query q;
	m_header(&m, QID, 0, 0, 1, 0, 0, 0);
	m_u8(&m, 5);
	m_u8(&m, 'a');
	ldns_pkt *p = error_for(&m, &q, DST_DNS_RCODE_FORMERR);
	ck_assert_uint_eq(ldns_pkt_qdcount(p), 0);
	ck_assert(!ldns_pkt_rd(p));
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_FORMERR);
	ldns_pkt_free(p);
}
END_TEST

START_TEST(test_error_response_carries_opt_for_edns_queries)
{
	struct msg m;
	struct dst_dns_query q;
	m_header(&m, QID, FLAG_RD, 0, 1, 1, 0, 1);
	m_question(&m, QNAME, DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	m_u16(&m, 0xc00c);
	m_rr_head(&m, DST_DNS_TYPE_A, 60, 4);
	m_u32(&m, 0xc0000201);
	m_opt(&m, 4096, 0, 0, 0x8000);
	ldns_pkt *p = error_for(&m, &q, DST_DNS_RCODE_FORMERR);
	ck_assert(ldns_pkt_edns(p));
	ck_assert_uint_eq(ldns_pkt_edns_udp_size(p), DST_DNS_OUR_UDP_SIZE);
	ck_assert_uint_eq(ldns_pkt_edns_extended_rcode(p), 0);
	ck_assert(ldns_pkt_edns_do(p));
	ck_assert_uint_eq(ldns_pkt_qdcount(p), 1);
	ldns_pkt_free(p);
}
END_TEST

START_TEST(test_badvers_response_puts_high_rcode_bits_in_opt)
{
	struct msg m;
	struct dst_dns_query q;
	uint8_t out[512];
	m_header(&m, QID, FLAG_RD, 0, 1, 0, 0, 1);
	m_question(&m, QNAME, DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	m_opt(&m, 1232, 0, 1, 0);
	ck_assert_int_eq(parse(&m, &q), DST_DNS_QUERY_ERROR);
	ssize_t n = dst_dns_error_response(m.b, &q, q.rcode, out, sizeof(out));
	ck_assert_int_eq(n, 12 + QNAME_WIRE_LEN + 4 + DST_DNS_OPT_LEN);
	ck_assert_uint_eq(dst_dns_rcode(out), 0);
	/* OPT TTL: extended rcode 16 >> 4 = 1, version 0. */
	const uint8_t *opt = out + n - DST_DNS_OPT_LEN;
	ck_assert_uint_eq(dst_dns_get16(opt + 1), DST_DNS_TYPE_OPT);
	ck_assert_uint_eq(opt[5], 1);
	ck_assert_uint_eq(opt[6], 0);
	ldns_pkt *p = from_wire(out, (size_t)n);
	ck_assert_uint_eq(ldns_pkt_edns_extended_rcode(p), 1);
	ck_assert_uint_eq(ldns_pkt_edns_version(p), 0);
	ck_assert(!ldns_pkt_edns_do(p));
	ldns_pkt_free(p);
}
END_TEST

START_TEST(test_notimp_response_copies_opcode)
{
	struct msg m;
	struct dst_dns_query q;
	std_query(&m, false);
	m.b[2] |= 4 << 3;
	ldns_pkt *p = error_for(&m, &q, DST_DNS_RCODE_NOTIMP);
	ck_assert_int_eq(ldns_pkt_get_opcode(p), LDNS_PACKET_NOTIFY);
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOTIMPL);
	ck_assert(ldns_pkt_rd(p));
	ck_assert(ldns_pkt_qr(p));
	ldns_pkt_free(p);
}
END_TEST

START_TEST(test_servfail_for_a_good_query)
{
	struct msg m;
	struct dst_dns_query q;
	uint8_t out[512];
	client(&m, &q, true);
	ssize_t n = dst_dns_error_response(m.b, &q, DST_DNS_RCODE_SERVFAIL, out, sizeof(out));
	ck_assert_int_gt(n, 0);
	ldns_pkt *p = from_wire(out, (size_t)n);
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_SERVFAIL);
	ck_assert(ldns_pkt_edns(p));
	ck_assert(ldns_pkt_edns_do(p));
	ck_owner(ldns_pkt_question(p), 0, "www.Example.COM.");
	ldns_pkt_free(p);
}
END_TEST

START_TEST(test_error_response_needs_room_for_every_byte)
{
	struct msg m;
	struct dst_dns_query q;
	uint8_t out[512];
	client(&m, &q, true);
	size_t need = 12 + QNAME_WIRE_LEN + 4 + DST_DNS_OPT_LEN;
	ck_assert_int_eq(dst_dns_error_response(m.b, &q, 2, out, need - 1), DST_ENOSPC);
	ck_assert_int_eq(dst_dns_error_response(m.b, &q, 2, out, need), (ssize_t)need);
}
END_TEST

START_TEST(test_error_response_can_be_built_over_the_query)
{
	struct msg m;
	struct dst_dns_query q;
	m_header(&m, QID, FLAG_RD, 0, 1, 1, 0, 0);
	m_question(&m, QNAME, DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	m_u8(&m, 0);
	ck_assert_int_eq(parse(&m, &q), DST_DNS_QUERY_ERROR);
	ssize_t n = dst_dns_error_response(m.b, &q, q.rcode, m.b, sizeof(m.b));
	ck_assert_int_gt(n, 0);
	ldns_pkt *p = from_wire(m.b, (size_t)n);
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_FORMERR);
	ck_assert_int_eq(ldns_pkt_get_opcode(p), LDNS_PACKET_QUERY);
	ck_assert(ldns_pkt_rd(p));
	ck_owner(ldns_pkt_question(p), 0, "www.Example.COM.");
	ldns_pkt_free(p);
}
END_TEST

START_TEST(test_extended_rcode_without_edns_is_refused)
{
	struct msg m;
	struct dst_dns_query q;
	uint8_t out[512];
	client(&m, &q, false);
	ck_assert_int_eq(dst_dns_error_response(m.b, &q, DST_DNS_RCODE_BADVERS, out, sizeof(out)),
			 DST_EINVAL);
}
END_TEST

/* ------------------------------------------------------------------ */
/* upstream_query                                                      */
/* ------------------------------------------------------------------ */

START_TEST(test_upstream_query_has_new_id_rd_question_and_opt)
{
	struct msg m;
	struct dst_dns_query q;
	uint8_t out[512];
	std_query(&m, false);
	m.b[2] = 0; /* client did not ask for recursion */
	parse_ok(&m, &q);
	ssize_t n = dst_dns_upstream_query(m.b, &q, 0xbeef, out, sizeof(out));
	ck_assert_int_eq(n, DST_DNS_PAD_BLOCK);
	ldns_pkt *p = from_wire(out, (size_t)n);
	ck_assert_uint_eq(ldns_pkt_id(p), 0xbeef);
	ck_assert(!ldns_pkt_qr(p));
	ck_assert(ldns_pkt_rd(p));
	ck_assert(!ldns_pkt_cd(p));
	ck_assert(!ldns_pkt_ad(p));
	ck_assert_int_eq(ldns_pkt_get_opcode(p), LDNS_PACKET_QUERY);
	ck_assert_uint_eq(ldns_pkt_qdcount(p), 1);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 0);
	ck_assert_uint_eq(ldns_pkt_nscount(p), 0);
	ck_owner(ldns_pkt_question(p), 0, "www.Example.COM.");
	ldns_rr *qr = ldns_rr_list_rr(ldns_pkt_question(p), 0);
	ck_assert_int_eq(ldns_rr_get_type(qr), LDNS_RR_TYPE_A);
	ck_assert_int_eq(ldns_rr_get_class(qr), LDNS_RR_CLASS_IN);
	ck_assert(ldns_pkt_edns(p));
	ck_assert_uint_eq(ldns_pkt_edns_udp_size(p), DST_DNS_OUR_UDP_SIZE);
	ck_assert_uint_eq(ldns_pkt_edns_version(p), 0);
	ck_assert(!ldns_pkt_edns_do(p));
	ldns_pkt_free(p);
	/* The OPT carries an empty keepalive, then padding to the end. */
	size_t opt = 12 + QNAME_WIRE_LEN + 4;
	size_t pad = (size_t)n - (opt + DST_DNS_OPT_LEN + 8);
	ck_assert_uint_eq(dst_dns_get16(out + opt + 9), 8 + pad);
	ck_assert_uint_eq(dst_dns_get16(out + opt + 11), DST_DNS_EDNS_KEEPALIVE);
	ck_assert_uint_eq(dst_dns_get16(out + opt + 13), 0);
	ck_assert_uint_eq(dst_dns_get16(out + opt + 15), DST_DNS_EDNS_PADDING);
	ck_assert_uint_eq(dst_dns_get16(out + opt + 17), pad);
	for (size_t i = opt + 19; i < (size_t)n; i++)
		ck_assert_uint_eq(out[i], 0);
	ck_assert_uint_eq(dst_dns_arcount(out), 1);
}
END_TEST

START_TEST(test_upstream_query_is_padded_to_128_byte_blocks)
{
	uint8_t out[1024];

	for (size_t len = 1; len <= 250; len += 7) {
		/* A qname of one label per 60 bytes, about len bytes long. */
		uint8_t query[512] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
		size_t p = 12, left = len;
		while (left > 0) {
			size_t l = left > 60 ? 60 : left;
			query[p++] = (uint8_t)l;
			memset(query + p, 'a', l);
			p += l;
			left -= l;
		}
		query[p++] = 0;
		query[p++] = 0, query[p++] = 1, query[p++] = 0, query[p++] = 1;
		struct dst_dns_query q;
		ck_assert_int_eq(dst_dns_parse_query(query, p, &q), DST_DNS_QUERY_OK);
		ssize_t n = dst_dns_upstream_query(query, &q, 7, out, sizeof(out));
		ck_assert_int_gt(n, 0);
		ck_assert_uint_eq((size_t)n % DST_DNS_PAD_BLOCK, 0);
		ck_assert_uint_lt((size_t)n - p, DST_DNS_PAD_BLOCK + DST_DNS_OPT_LEN + 8);
		ldns_pkt *pkt = from_wire(out, (size_t)n);
		ck_assert(ldns_pkt_edns(pkt));
		ldns_pkt_free(pkt);
	}
}
END_TEST

/* www.example.com A with EDNS and an ECS option for 192.0.2.0/24. */
static size_t ecs_query(uint8_t *b)
{
	static const uint8_t q[] = {
		0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1,
		3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
		0, 1, 0, 1,
		0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 11,
		0, 8, 0, 7, 0, 1, 24, 0, 192, 0, 2,
	};
	memcpy(b, q, sizeof(q));
	return sizeof(q);
}

/* The ECS option in an upstream query's OPT (after the question), or NULL. */
static const uint8_t *find_ecs(const uint8_t *w, size_t n)
{
	size_t p = 12;
	while (w[p])
		p += w[p] + 1u;
	p += 5 + DST_DNS_OPT_LEN;
	while (p + 4 <= n) {
		if (dst_dns_get16(w + p) == DST_DNS_EDNS_ECS)
			return w + p;
		p += 4u + dst_dns_get16(w + p + 2);
	}
	return NULL;
}

START_TEST(test_client_ecs_is_replaced_by_source_prefix_zero)
{
	uint8_t in[128], out[512];
	struct dst_dns_query q;
	size_t n = ecs_query(in);

	ck_assert_int_eq(dst_dns_parse_query(in, n, &q), DST_DNS_QUERY_OK);
	ck_assert_uint_eq(q.ecs_len, 11);
	ssize_t len = dst_dns_upstream_query(in, &q, 1, out, sizeof(out));
	ck_assert_int_gt(len, 0);
	ck_assert_uint_eq((size_t)len % DST_DNS_PAD_BLOCK, 0);
	const uint8_t *e = find_ecs(out, (size_t)len);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(dst_dns_get16(e + 2), 4);     /* no address bytes */
	ck_assert_uint_eq(dst_dns_get16(e + 4), 1);     /* family IPv4 kept */
	ck_assert_uint_eq(e[6], 0);                     /* source prefix 0 */
	ck_assert_uint_eq(e[7], 0);
	ldns_pkt *p = from_wire(out, (size_t)len);
	ck_assert(ldns_pkt_edns(p));
	ldns_pkt_free(p);
}
END_TEST

START_TEST(test_client_ecs_is_forwarded_unchanged_with_pass)
{
	uint8_t in[128], out[512];
	struct dst_dns_query q;
	size_t n = ecs_query(in);

	ck_assert_int_eq(dst_dns_parse_query(in, n, &q), DST_DNS_QUERY_OK);
	ssize_t len = dst_dns_upstream_query_ex(in, &q, 1, DST_DNS_ECS_PASS, out, sizeof(out));
	ck_assert_int_gt(len, 0);
	const uint8_t *e = find_ecs(out, (size_t)len);
	ck_assert_ptr_nonnull(e);
	ck_assert_mem_eq(e, in + n - 11, 11);
}
END_TEST

START_TEST(test_no_ecs_is_added_when_the_client_sent_none)
{
	struct msg m;
	struct dst_dns_query q;
	uint8_t out[512];
	client(&m, &q, true);
	ck_assert_uint_eq(q.ecs_len, 0);
	ssize_t len = dst_dns_upstream_query_ex(m.b, &q, 1, DST_DNS_ECS_PASS, out, sizeof(out));
	ck_assert_int_gt(len, 0);
	ck_assert_ptr_null(find_ecs(out, (size_t)len));
}
END_TEST

START_TEST(test_oversized_ecs_is_not_forwarded)
{
	uint8_t in[160], out[512];
	struct dst_dns_query q;
	size_t n = ecs_query(in);

	/* Grow the ECS option to 21 data bytes: longer than any valid one. */
	memset(in + n, 0, 14);
	n += 14;
	dst_dns_put16(in + 42, 11 + 14);       /* OPT RDLENGTH */
	dst_dns_put16(in + 46, 7 + 14);        /* ECS OPTION-LENGTH */
	ck_assert_int_eq(dst_dns_parse_query(in, n, &q), DST_DNS_QUERY_OK);
	ck_assert_uint_eq(q.ecs_len, 0);
	ssize_t len = dst_dns_upstream_query_ex(in, &q, 1, DST_DNS_ECS_PASS, out, sizeof(out));
	ck_assert_int_gt(len, 0);
	ck_assert_ptr_null(find_ecs(out, (size_t)len));
}
END_TEST

START_TEST(test_edns_keepalive_is_found_in_answer_opt)
{
	/* Header (AN=1, AR=1), question a., A record, OPT with padding then keepalive 25. */
	static const uint8_t ans[] = {
		0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 1,
		1, 'a', 0, 0, 1, 0, 1,
		0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1,
		0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 12,
		0, 12, 0, 2, 0, 0,
		0, 11, 0, 2, 0, 25,
	};
	ck_assert_int_eq(dst_dns_edns_keepalive(ans, sizeof(ans)), 25);
	/* Without the keepalive option. */
	uint8_t no_ka[sizeof(ans)];
	memcpy(no_ka, ans, sizeof(ans));
	no_ka[sizeof(ans) - 6] = 0; /* option code 11 -> 12 */
	no_ka[sizeof(ans) - 5] = 12;
	ck_assert_int_eq(dst_dns_edns_keepalive(no_ka, sizeof(no_ka)), DST_ENOENT);
	/* Truncated inside the option. */
	ck_assert_int_eq(dst_dns_edns_keepalive(ans, sizeof(ans) - 1), DST_EFORMAT);
	/* No OPT at all. */
	uint8_t no_opt[35];
	memcpy(no_opt, ans, sizeof(no_opt));
	no_opt[11] = 0;
	ck_assert_int_eq(dst_dns_edns_keepalive(no_opt, sizeof(no_opt)), DST_ENOENT);
}
END_TEST

START_TEST(test_upstream_query_copies_cd_and_do)
{
	struct msg m;
	struct dst_dns_query q;
	uint8_t out[512];
	std_query(&m, true);
	m.b[3] |= FLAG_CD;
	parse_ok(&m, &q);
	ssize_t n = dst_dns_upstream_query(m.b, &q, 1, out, sizeof(out));
	ck_assert_int_gt(n, 0);
	ldns_pkt *p = from_wire(out, (size_t)n);
	ck_assert(ldns_pkt_cd(p));
	ck_assert(ldns_pkt_edns_do(p));
	ck_assert_uint_eq(ldns_pkt_edns_udp_size(p), DST_DNS_OUR_UDP_SIZE);
	ldns_pkt_free(p);
}
END_TEST

START_TEST(test_upstream_query_needs_room_for_every_byte)
{
	struct msg m;
	struct dst_dns_query q;
	uint8_t out[512];
	client(&m, &q, false);
	size_t need = DST_DNS_PAD_BLOCK;
	ck_assert_int_eq(dst_dns_upstream_query(m.b, &q, 1, out, need - 1), DST_ENOSPC);
	ck_assert_int_eq(dst_dns_upstream_query(m.b, &q, 1, out, need), (ssize_t)need);
}
END_TEST

/* ------------------------------------------------------------------ */
/* prepare_answer                                                      */
/* ------------------------------------------------------------------ */

#define AID 0x4242
#define QSTR "www.example.com. IN A"

struct prepared {
	int rc;
	uint8_t *wire; /* heap, exact size of the original answer */
	size_t len;
	size_t orig_len;
	uint16_t ttl[64];
	struct dst_dns_answer_info info;
};

static void prepare(struct prepared *r, uint8_t *wire, size_t len, const struct dst_dns_query *q,
		    size_t max_ttls)
{
	ck_assert_uint_le(max_ttls, 64);
	r->wire = wire;
	r->len = r->orig_len = len;
	r->rc = dst_dns_prepare_answer(wire, &r->len, AID, q, r->ttl, max_ttls, &r->info);
}

static void prepare_pkt(struct prepared *r, ldns_pkt *p, const struct dst_dns_query *q)
{
	size_t len;
	uint8_t *w = to_wire(p, &len);
	prepare(r, w, len, q, 64);
}

static void prepare_msg(struct prepared *r, const struct msg *m, const struct dst_dns_query *q)
{
	prepare(r, dup_bytes(m->b, m->n), m->n, q, 64);
}

/* An answer header built by hand for QNAME/A: QR, RD, RA. */
static void hand_answer(struct msg *m, uint16_t an, uint16_t ns, uint16_t ar)
{
	m_header(m, AID, 0x80 | FLAG_RD, 0x80, 1, an, ns, ar);
	m_question(m, "www.example.com", DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
}

START_TEST(test_simple_a_answer_is_accepted)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	ldns_pkt *p = answer_pkt(AID, 0, QSTR);
	add_rr(p, AN, "www.example.com. 300 IN A 192.0.2.1");
	prepare_pkt(&r, p, &q);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.len, r.orig_len);
	ck_assert_uint_eq(r.info.rcode, 0);
	ck_assert(!r.info.tc);
	ck_assert(!r.info.negative);
	ck_assert(!r.info.has_soa);
	ck_assert_uint_eq(r.info.min_ttl, 300);
	ck_assert_uint_eq(r.info.nttl, 1);
	ck_assert_uint_eq(dst_dns_get32(r.wire + r.ttl[0]), 300);
	free(r.wire);
}
END_TEST

START_TEST(test_question_name_is_compared_ignoring_case)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	ldns_pkt *p = answer_pkt(AID, 0, "WWW.exAMPLE.com. IN A");
	add_rr(p, AN, "www.example.com. 300 IN A 192.0.2.1");
	prepare_pkt(&r, p, &q);
	ck_assert_int_eq(r.rc, 0);
	free(r.wire);
}
END_TEST

START_TEST(test_ttl_offsets_cover_every_record)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	const uint32_t ttls[] = {500, 400, 3600, 86400, 120, 7};
	client(&m, &q, false);
	ldns_pkt *p = answer_pkt(AID, 0, QSTR);
	add_rr(p, AN, "www.example.com. 500 IN A 192.0.2.1");
	add_rr(p, AN, "www.example.com. 400 IN A 192.0.2.2");
	add_rr(p, NS, "example.com. 3600 IN NS ns1.example.com.");
	add_rr(p, NS, "example.com. 86400 IN NS ns2.example.net.");
	add_rr(p, AR, "ns1.example.com. 120 IN A 192.0.2.53");
	add_rr(p, AR, "ns1.example.com. 7 IN AAAA 2001:db8::53");
	ldns_pkt_set_edns_udp_size(p, 1232);
	prepare_pkt(&r, p, &q);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.info.nttl, 6);
	for (size_t i = 0; i < 6; i++) {
		ck_assert_uint_eq(dst_dns_get32(r.wire + r.ttl[i]), ttls[i]);
		if (i)
			ck_assert_uint_gt(r.ttl[i], r.ttl[i - 1]);
	}
	ck_assert_uint_eq(r.info.min_ttl, 7);
	/* Every TTL offset is exactly the records ldns finds, in order. */
	ldns_pkt *back = from_wire(r.wire, r.len);
	ck_assert_uint_eq(ldns_pkt_ancount(back) + ldns_pkt_nscount(back) + ldns_pkt_arcount(back), 6);
	ck_assert(!ldns_pkt_edns(back));
	ldns_pkt_free(back);
	free(r.wire);
}
END_TEST

START_TEST(test_cname_chain_with_compressed_names_is_accepted)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	ldns_pkt *p = answer_pkt(AID, 0, QSTR);
	add_rr(p, AN, "www.example.com. 3600 IN CNAME web.example.com.");
	add_rr(p, AN, "web.example.com. 600 IN CNAME cdn.example.com.");
	add_rr(p, AN, "cdn.example.com. 60 IN A 192.0.2.7");
	size_t len;
	uint8_t *w = to_wire(p, &len);
	ck_assert(has_pointer(w, len));
	prepare(&r, w, len, &q, 64);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.info.nttl, 3);
	ck_assert_uint_eq(r.info.min_ttl, 60);
	ck_assert(!r.info.negative);
	ck_assert_uint_eq(dst_dns_get32(r.wire + r.ttl[2]), 60);
	free(r.wire);
}
END_TEST

START_TEST(test_answer_with_wrong_id_is_mismatch)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	ldns_pkt *p = answer_pkt(AID + 1, 0, QSTR);
	add_rr(p, AN, "www.example.com. 300 IN A 192.0.2.1");
	prepare_pkt(&r, p, &q);
	ck_assert_int_eq(r.rc, DST_EMISMATCH);
	free(r.wire);
}
END_TEST

START_TEST(test_answer_with_qr_clear_is_mismatch)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	ldns_pkt *p = answer_pkt(AID, 0, QSTR);
	ldns_pkt_set_qr(p, false);
	prepare_pkt(&r, p, &q);
	ck_assert_int_eq(r.rc, DST_EMISMATCH);
	free(r.wire);
}
END_TEST

START_TEST(test_answer_for_another_question_is_mismatch)
{
	const char *const others[] = {"www.example.net. IN A", "www.example.com. IN AAAA",
				      "www.example.com. CH A", "ww.example.com. IN A",
				      "www.example.com.x. IN A", "www.example.co. IN A"};
	struct msg m;
	struct dst_dns_query q;
	client(&m, &q, false);
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		struct prepared r;
		prepare_pkt(&r, answer_pkt(AID, 0, others[i]), &q);
		ck_assert_msg(r.rc == DST_EMISMATCH, "%s: %d", others[i], r.rc);
		free(r.wire);
	}
}
END_TEST

START_TEST(test_answer_without_question_is_mismatch)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	m_header(&m, AID, 0x80, 0x82, 0, 0, 0, 0);
	prepare_msg(&r, &m, &q);
	ck_assert_int_eq(r.rc, DST_EMISMATCH);
	free(r.wire);
}
END_TEST

START_TEST(test_nxdomain_with_soa_is_negative_with_minimum)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	ldns_pkt *p = answer_pkt(AID, LDNS_RCODE_NXDOMAIN, QSTR);
	add_rr(p, NS, "example.com. 900 IN SOA ns1.example.com. hostmaster.example.com. "
		      "2024010101 7200 3600 1209600 300");
	prepare_pkt(&r, p, &q);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.info.rcode, DST_DNS_RCODE_NXDOMAIN);
	ck_assert(r.info.negative);
	ck_assert(r.info.has_soa);
	ck_assert_uint_eq(r.info.soa_minimum, 300);
	ck_assert_uint_eq(dst_dns_get32(r.wire + r.info.soa_ttl_off), 900);
	ck_assert_uint_eq(r.info.soa_ttl_off, r.ttl[0]);
	ck_assert_uint_eq(r.info.min_ttl, 900);
	free(r.wire);
}
END_TEST

START_TEST(test_nodata_answer_is_negative)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	ldns_pkt *p = answer_pkt(AID, 0, QSTR);
	add_rr(p, NS, "example.com. 3600 IN NS ns1.example.com.");
	add_rr(p, NS, "example.com. 60 IN SOA ns1.example.com. hm.example.com. 1 2 3 4 5");
	prepare_pkt(&r, p, &q);
	ck_assert_int_eq(r.rc, 0);
	ck_assert(r.info.negative);
	ck_assert(r.info.has_soa);
	ck_assert_uint_eq(r.info.soa_minimum, 5);
	ck_assert_uint_eq(r.info.soa_ttl_off, r.ttl[1]);
	free(r.wire);
}
END_TEST

START_TEST(test_nxdomain_without_soa_has_no_soa)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	prepare_pkt(&r, answer_pkt(AID, LDNS_RCODE_NXDOMAIN, QSTR), &q);
	ck_assert_int_eq(r.rc, 0);
	ck_assert(r.info.negative);
	ck_assert(!r.info.has_soa);
	ck_assert_uint_eq(r.info.min_ttl, UINT32_MAX);
	ck_assert_uint_eq(r.info.nttl, 0);
	free(r.wire);
}
END_TEST

START_TEST(test_positive_answer_reports_no_soa)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	ldns_pkt *p = answer_pkt(AID, 0, QSTR);
	add_rr(p, AN, "www.example.com. 300 IN A 192.0.2.1");
	add_rr(p, NS, "example.com. 60 IN SOA ns1.example.com. hm.example.com. 1 2 3 4 5");
	prepare_pkt(&r, p, &q);
	ck_assert_int_eq(r.rc, 0);
	ck_assert(!r.info.negative);
	ck_assert(!r.info.has_soa);
	ck_assert_uint_eq(r.info.min_ttl, 60);
	free(r.wire);
}
END_TEST

START_TEST(test_servfail_is_not_negative)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	prepare_pkt(&r, answer_pkt(AID, LDNS_RCODE_SERVFAIL, QSTR), &q);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.info.rcode, DST_DNS_RCODE_SERVFAIL);
	ck_assert(!r.info.negative);
	free(r.wire);
}
END_TEST

START_TEST(test_opt_is_removed_and_extended_rcode_folded)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, true);
	ldns_pkt *p = answer_pkt(AID, 0, QSTR);
	ldns_pkt_set_edns_udp_size(p, 1232);
	ldns_pkt_set_edns_extended_rcode(p, 1);
	prepare_pkt(&r, p, &q);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.info.rcode, DST_DNS_RCODE_BADVERS);
	ck_assert(!r.info.negative);
	ck_assert_uint_eq(r.len, r.orig_len - DST_DNS_OPT_LEN);
	ck_assert_uint_eq(dst_dns_arcount(r.wire), 0);
	ck_assert_uint_eq(r.info.min_ttl, UINT32_MAX);
	free(r.wire);
}
END_TEST

START_TEST(test_opt_in_middle_of_additional_is_removed)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	size_t one_len, full_len;
	client(&m, &q, true);

	/* The same answer with one and with two additional records. */
	ldns_pkt *p = answer_pkt(AID, 0, QSTR);
	add_rr(p, AN, "www.example.com. 300 IN A 192.0.2.1");
	add_rr(p, AR, "a.example.org. 111 IN A 192.0.2.2");
	uint8_t *one = to_wire(p, &one_len);
	p = answer_pkt(AID, 0, QSTR);
	add_rr(p, AN, "www.example.com. 300 IN A 192.0.2.1");
	add_rr(p, AR, "a.example.org. 111 IN A 192.0.2.2");
	add_rr(p, AR, "b.example.net. 222 IN TXT \"after the opt\"");
	uint8_t *full = to_wire(p, &full_len);
	ck_assert_mem_eq(one + 12, full + 12, one_len - 12);

	/* Splice an OPT with a padding option in between. */
	struct msg a = {.n = 0};
	memcpy(a.b, full, one_len);
	a.n = one_len;
	m_u8(&a, 0);
	m_u16(&a, DST_DNS_TYPE_OPT);
	m_u16(&a, 4096);
	m_u32(&a, 0x01000000); /* extended rcode 1 */
	m_u16(&a, 8);
	m_u16(&a, 12);
	m_u16(&a, 4);
	m_u32(&a, 0);
	memcpy(a.b + a.n, full + one_len, full_len - one_len);
	a.n += full_len - one_len;
	dst_dns_put16(a.b + 10, 3);
	a.b[3] |= 3; /* header rcode 3 + ext 1 -> 19 */

	prepare_msg(&r, &a, &q);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.info.rcode, 19);
	ck_assert_uint_eq(r.len, full_len);
	ck_assert_uint_eq(dst_dns_arcount(r.wire), 2);
	/* What is left is exactly the answer without the OPT. */
	ck_assert_mem_eq(r.wire + 12, full + 12, full_len - 12);
	ck_assert_uint_eq(r.info.nttl, 3);
	ck_assert_uint_eq(dst_dns_get32(r.wire + r.ttl[0]), 300);
	ck_assert_uint_eq(dst_dns_get32(r.wire + r.ttl[1]), 111);
	ck_assert_uint_eq(dst_dns_get32(r.wire + r.ttl[2]), 222);
	free(one);
	free(full);
	free(r.wire);
}
END_TEST

START_TEST(test_pointer_after_opt_is_moved_with_its_target)
{
	struct msg m, a;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	hand_answer(&a, 1, 0, 3); /* question: 12..33 */
	m_u16(&a, 0xc00c);
	m_rr_head(&a, DST_DNS_TYPE_A, 300, 4);
	m_u32(&a, 0xc0000201);
	ck_assert_uint_eq(a.n, 49);
	m_opt(&a, 1232, 0, 0, 0); /* 49..60 */
	m_u8(&a, 3);               /* ns1 + pointer to example.com at 16 */
	m_u8(&a, 'n');
	m_u8(&a, 's');
	m_u8(&a, '1');
	m_u16(&a, 0xc010);
	m_rr_head(&a, DST_DNS_TYPE_A, 100, 4);
	m_u32(&a, 0xc0000235);
	ck_assert_uint_eq(a.n, 80);
	m_u16(&a, 0xc000 | 60); /* ns1.example.com, after the OPT */
	m_rr_head(&a, DST_DNS_TYPE_CNAME, 50, 2);
	m_u16(&a, 0xc000 | 60);

	prepare_msg(&r, &a, &q);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.len, a.n - DST_DNS_OPT_LEN);
	ck_assert_uint_eq(r.info.nttl, 3);
	ck_assert_uint_eq(r.ttl[1], 70 - DST_DNS_OPT_LEN);
	ck_assert_uint_eq(r.ttl[2], 86 - DST_DNS_OPT_LEN);
	ck_assert_uint_eq(dst_dns_get32(r.wire + r.ttl[2]), 50);
	ldns_pkt *p = from_wire(r.wire, r.len);
	ck_assert_uint_eq(ldns_pkt_arcount(p), 2);
	ck_owner(ldns_pkt_additional(p), 0, "ns1.example.com.");
	ck_owner(ldns_pkt_additional(p), 1, "ns1.example.com.");
	char *target = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_additional(p), 1), 0));
	ck_assert_str_eq(target, "ns1.example.com.");
	free(target);
	ldns_pkt_free(p);
	free(r.wire);
}
END_TEST

START_TEST(test_pointer_into_opt_is_formerr)
{
	struct msg m, a;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	hand_answer(&a, 0, 0, 2);
	m_opt(&a, 1232, 0, 0, 0); /* at 33 */
	m_u16(&a, 0xc000 | 33);
	m_rr_head(&a, DST_DNS_TYPE_A, 100, 4);
	m_u32(&a, 0);
	prepare_msg(&r, &a, &q);
	ck_assert_int_eq(r.rc, DST_EFORMAT);
	free(r.wire);
}
END_TEST

START_TEST(test_two_opt_records_in_answer_are_formerr)
{
	struct msg m, a;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, true);
	hand_answer(&a, 0, 0, 2);
	m_opt(&a, 1232, 0, 0, 0);
	m_opt(&a, 1232, 0, 0, 0);
	prepare_msg(&r, &a, &q);
	ck_assert_int_eq(r.rc, DST_EFORMAT);
	free(r.wire);
}
END_TEST

START_TEST(test_opt_outside_additional_is_formerr)
{
	struct msg m, a;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, true);
	hand_answer(&a, 0, 1, 0);
	m_opt(&a, 1232, 0, 0, 0);
	prepare_msg(&r, &a, &q);
	ck_assert_int_eq(r.rc, DST_EFORMAT);
	free(r.wire);
}
END_TEST

START_TEST(test_opt_with_non_root_owner_in_answer_is_formerr)
{
	struct msg m, a;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, true);
	hand_answer(&a, 0, 0, 1);
	m_u16(&a, 0xc00c);
	m_rr_head(&a, DST_DNS_TYPE_OPT, 0, 0);
	prepare_msg(&r, &a, &q);
	ck_assert_int_eq(r.rc, DST_EFORMAT);
	free(r.wire);
}
END_TEST

START_TEST(test_rdlength_past_end_is_formerr)
{
	struct msg m, a;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	hand_answer(&a, 1, 0, 0);
	m_u16(&a, 0xc00c);
	m_rr_head(&a, DST_DNS_TYPE_A, 300, 5);
	m_u32(&a, 0xc0000201);
	prepare_msg(&r, &a, &q);
	ck_assert_int_eq(r.rc, DST_EFORMAT);
	free(r.wire);
}
END_TEST

START_TEST(test_missing_records_are_formerr)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	ldns_pkt *p = answer_pkt(AID, 0, QSTR);
	add_rr(p, AN, "www.example.com. 300 IN A 192.0.2.1");
	size_t len;
	uint8_t *w = to_wire(p, &len);
	dst_dns_put16(w + 8, 1); /* claims an authority record it lacks */
	uint8_t *copy = dup_bytes(w, len);
	prepare(&r, w, len, &q, 64);
	ck_assert_int_eq(r.rc, DST_EFORMAT);
	ck_assert_mem_eq(r.wire, copy, len); /* untouched on error */
	ck_assert_uint_eq(r.len, len);
	free(copy);
	free(r.wire);
}
END_TEST

START_TEST(test_forward_compression_pointer_is_formerr)
{
	struct msg m, a;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	hand_answer(&a, 2, 0, 0);
	m_u16(&a, 0xc000 | 51); /* points at the next record's owner */
	m_rr_head(&a, DST_DNS_TYPE_A, 300, 4);
	m_u32(&a, 0);
	ck_assert_uint_eq(a.n, 49);
	m_name(&a, "x");
	m_rr_head(&a, DST_DNS_TYPE_A, 300, 4);
	m_u32(&a, 0);
	prepare_msg(&r, &a, &q);
	ck_assert_int_eq(r.rc, DST_EFORMAT);
	free(r.wire);
}
END_TEST

START_TEST(test_compression_loop_is_formerr)
{
	struct msg m;
	struct dst_dns_query q;
	client(&m, &q, false);
	/* A pointer to itself, to its own name's start, and two names pointing at each other. */
	for (int shape = 0; shape < 3; shape++) {
		struct msg a;
		struct prepared r;
		hand_answer(&a, 2, 0, 0);
		if (shape == 0) {
			m_u16(&a, 0xc000 | 33);
		} else if (shape == 1) {
			m_u8(&a, 1);
			m_u8(&a, 'a');
			m_u16(&a, 0xc000 | 33);
		} else {
			m_u8(&a, 1);
			m_u8(&a, 'a');
			m_u16(&a, 0xc000 | 51); /* to the second owner */
		}
		m_rr_head(&a, DST_DNS_TYPE_A, 300, 4);
		m_u32(&a, 0);
		if (shape == 2) {
			ck_assert_uint_eq(a.n, 51);
			m_u16(&a, 0xc000 | 33); /* back to the first */
		} else {
			m_u16(&a, 0xc00c);
		}
		m_rr_head(&a, DST_DNS_TYPE_A, 300, 4);
		m_u32(&a, 0);
		prepare_msg(&r, &a, &q);
		ck_assert_msg(r.rc == DST_EFORMAT, "shape %d: %d", shape, r.rc);
		free(r.wire);
	}
}
END_TEST

/*
 * An answer whose second owner name is a chain of pointers: the first
 * record's opaque RDATA holds n pointers, each to the one before, the first
 * to the question name. The owner's pointer makes n + 1 jumps in all.
 */
static int pointer_chain(const struct dst_dns_query *q, size_t n)
{
	struct msg a;
	struct prepared r;
	hand_answer(&a, 2, 0, 0);
	m_u16(&a, 0xc00c);
	m_rr_head(&a, 65280, 60, (uint16_t)(2 * n));
	size_t base = a.n;
	m_u16(&a, 0xc00c);
	for (size_t i = 1; i < n; i++)
		m_u16(&a, (uint16_t)(0xc000 | (base + 2 * (i - 1))));
	m_u16(&a, (uint16_t)(0xc000 | (base + 2 * (n - 1))));
	m_rr_head(&a, DST_DNS_TYPE_A, 60, 4);
	m_u32(&a, 0);
	prepare_msg(&r, &a, q);
	free(r.wire);
	return r.rc;
}

START_TEST(test_long_pointer_chain_is_formerr)
{
	struct msg m;
	struct dst_dns_query q;
	client(&m, &q, false);
	ck_assert_int_eq(pointer_chain(&q, 126), 0);
	ck_assert_int_eq(pointer_chain(&q, 127), DST_EFORMAT);
}
END_TEST

START_TEST(test_pointer_into_header_is_formerr)
{
	struct msg m, a;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	hand_answer(&a, 1, 0, 0);
	m_u16(&a, 0xc004);
	m_rr_head(&a, DST_DNS_TYPE_A, 300, 4);
	m_u32(&a, 0);
	prepare_msg(&r, &a, &q);
	ck_assert_int_eq(r.rc, DST_EFORMAT);
	free(r.wire);
}
END_TEST

START_TEST(test_compressed_question_in_answer_is_formerr)
{
	struct msg m, a;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	m_header(&a, AID, 0x80, 0x80, 1, 0, 0, 0);
	m_u16(&a, 0xc00c);
	m_u16(&a, DST_DNS_TYPE_A);
	m_u16(&a, DST_DNS_CLASS_IN);
	prepare_msg(&r, &a, &q);
	ck_assert_int_eq(r.rc, DST_EFORMAT);
	free(r.wire);
}
END_TEST

START_TEST(test_trailing_garbage_is_cut)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	ldns_pkt *p = answer_pkt(AID, 0, QSTR);
	add_rr(p, AN, "www.example.com. 300 IN A 192.0.2.1");
	size_t len;
	uint8_t *w = to_wire(p, &len);
	uint8_t *big = malloc(len + 7);
	ck_assert_ptr_nonnull(big);
	memcpy(big, w, len);
	memset(big + len, 0xc0, 7);
	prepare(&r, big, len + 7, &q, 64);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.len, len);
	ck_assert_mem_eq(r.wire, w, len);
	free(w);
	free(r.wire);
}
END_TEST

START_TEST(test_ttl_with_top_bit_counts_as_zero)
{
	struct msg m, a;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	hand_answer(&a, 2, 0, 0);
	m_u16(&a, 0xc00c);
	m_rr_head(&a, DST_DNS_TYPE_A, 300, 4);
	m_u32(&a, 0);
	m_u16(&a, 0xc00c);
	m_rr_head(&a, DST_DNS_TYPE_A, 0x80000010u, 4);
	m_u32(&a, 0);
	prepare_msg(&r, &a, &q);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.info.min_ttl, 0);
	free(r.wire);
}
END_TEST

START_TEST(test_too_many_records_give_enospc_after_full_preparation)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, true);
	ldns_pkt *p = answer_pkt(AID, 0, QSTR);
	add_rr(p, AN, "www.example.com. 300 IN A 192.0.2.1");
	add_rr(p, AN, "www.example.com. 200 IN A 192.0.2.2");
	add_rr(p, AN, "www.example.com. 100 IN A 192.0.2.3");
	ldns_pkt_set_edns_udp_size(p, 1232);
	size_t len;
	uint8_t *w = to_wire(p, &len);
	prepare(&r, w, len, &q, 2);
	ck_assert_int_eq(r.rc, DST_ENOSPC);
	ck_assert_uint_eq(r.info.nttl, 2);
	ck_assert_uint_eq(dst_dns_get32(r.wire + r.ttl[1]), 200);
	ck_assert_uint_eq(r.info.min_ttl, 100);
	ck_assert_uint_eq(r.len, len - DST_DNS_OPT_LEN);
	ck_assert_uint_eq(dst_dns_arcount(r.wire), 0);
	free(r.wire);
}
END_TEST

START_TEST(test_answer_can_be_checked_without_ttl_array)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	ldns_pkt *p = answer_pkt(AID, 0, QSTR);
	add_rr(p, AN, "www.example.com. 300 IN A 192.0.2.1");
	size_t len;
	uint8_t *w = to_wire(p, &len);
	r.wire = w;
	r.len = len;
	r.rc = dst_dns_prepare_answer(w, &r.len, AID, &q, NULL, 0, &r.info);
	ck_assert_int_eq(r.rc, DST_ENOSPC);
	ck_assert_uint_eq(r.info.nttl, 0);
	ck_assert_uint_eq(r.info.min_ttl, 300);
	free(w);
}
END_TEST

START_TEST(test_soa_with_bad_rdata_is_formerr)
{
	struct msg m;
	struct dst_dns_query q;
	client(&m, &q, false);
	/* Two names then 19 or 21 bytes instead of 20. */
	for (int extra = -1; extra <= 1; extra += 2) {
		struct msg a;
		struct prepared r;
		hand_answer(&a, 0, 1, 0);
		m_u16(&a, 0xc010);
		m_rr_head(&a, DST_DNS_TYPE_SOA, 60, (uint16_t)(2 + 2 + 20 + extra));
		m_u16(&a, 0xc00c);
		m_u16(&a, 0xc010);
		for (int i = 0; i < 20 + extra; i++)
			m_u8(&a, 1);
		prepare_msg(&r, &a, &q);
		ck_assert_msg(r.rc == DST_EFORMAT, "extra %d: %d", extra, r.rc);
		free(r.wire);
	}
}
END_TEST

START_TEST(test_cname_rdata_longer_than_its_name_is_formerr)
{
	struct msg m, a;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	hand_answer(&a, 1, 0, 0);
	m_u16(&a, 0xc00c);
	m_rr_head(&a, DST_DNS_TYPE_CNAME, 60, 3);
	m_u16(&a, 0xc010);
	m_u8(&a, 0);
	prepare_msg(&r, &a, &q);
	ck_assert_int_eq(r.rc, DST_EFORMAT);
	free(r.wire);
}
END_TEST

START_TEST(test_truncated_answer_bit_is_reported)
{
	struct msg m;
	struct dst_dns_query q;
	struct prepared r;
	client(&m, &q, false);
	ldns_pkt *p = answer_pkt(AID, 0, QSTR);
	ldns_pkt_set_tc(p, true);
	prepare_pkt(&r, p, &q);
	ck_assert_int_eq(r.rc, 0);
	ck_assert(r.info.tc);
	free(r.wire);
}
END_TEST

/* ------------------------------------------------------------------ */
/* finish_answer                                                       */
/* ------------------------------------------------------------------ */

/*
 * Prepares an ldns answer to the client query m/q into a buffer with room
 * to spare, as the cache would hold it. Returns the buffer; *len is the
 * prepared length.
 */
static uint8_t *cached(ldns_pkt *p, const struct dst_dns_query *q, size_t *len, size_t cap)
{
	size_t n;
	uint8_t *w = to_wire(p, &n);
	uint16_t ttl[128];
	struct dst_dns_answer_info info;
	ck_assert_uint_le(n, cap);
	uint8_t *buf = malloc(cap);
	ck_assert_ptr_nonnull(buf);
	memcpy(buf, w, n);
	free(w);
	ck_assert_int_eq(dst_dns_prepare_answer(buf, &n, AID, q, ttl, 128, &info), 0);
	*len = n;
	return buf;
}

static ldns_pkt *a_records(int n, uint8_t rcode)
{
	char rr[80];
	ldns_pkt *p = answer_pkt(AID, rcode, "WWW.EXAMPLE.COM. IN A");
	ldns_pkt_set_aa(p, true);
	ldns_pkt_set_ad(p, true);
	for (int i = 0; i < n; i++) {
		snprintf(rr, sizeof(rr), "www.example.com. 300 IN A 192.0.2.%d", i + 1);
		add_rr(p, AN, rr);
	}
	return p;
}

START_TEST(test_finish_sets_client_id_case_and_flags)
{
	struct msg m;
	struct dst_dns_query q;
	size_t len;
	std_query(&m, false);
	m.b[2] = 0;        /* no RD */
	m.b[3] = FLAG_CD;  /* CD */
	parse_ok(&m, &q);
	uint8_t *w = cached(a_records(2, 0), &q, &len, 1024);
	ssize_t n = dst_dns_finish_answer(w, len, 1024, m.b, &q, q.udp_size);
	ck_assert_int_eq(n, (ssize_t)len);
	ldns_pkt *p = from_wire(w, (size_t)n);
	ck_assert_uint_eq(ldns_pkt_id(p), QID);
	ck_owner(ldns_pkt_question(p), 0, "www.Example.COM.");
	ck_assert(!ldns_pkt_rd(p));
	ck_assert(ldns_pkt_cd(p));
	ck_assert(ldns_pkt_aa(p));
	ck_assert(ldns_pkt_ad(p));
	ck_assert(ldns_pkt_ra(p));
	ck_assert(ldns_pkt_qr(p));
	ck_assert(!ldns_pkt_tc(p));
	ck_assert_uint_eq(ldns_pkt_ancount(p), 2);
	ck_assert(!ldns_pkt_edns(p));
	ldns_pkt_free(p);
	free(w);
}
END_TEST

START_TEST(test_opt_is_appended_only_for_edns_clients)
{
	for (int edns = 0; edns <= 1; edns++) {
		struct msg m;
		struct dst_dns_query q;
		size_t len;
		client(&m, &q, edns);
		uint8_t *w = cached(a_records(1, 0), &q, &len, 1024);
		ssize_t n = dst_dns_finish_answer(w, len, 1024, m.b, &q, q.udp_size);
		ck_assert_int_eq(n, (ssize_t)(len + (edns ? DST_DNS_OPT_LEN : 0)));
		ldns_pkt *p = from_wire(w, (size_t)n);
		ck_assert_int_eq(ldns_pkt_edns(p), edns);
		ck_assert_uint_eq(dst_dns_arcount(w), edns ? 1 : 0);
		if (edns) {
			ck_assert_uint_eq(ldns_pkt_edns_udp_size(p), DST_DNS_OUR_UDP_SIZE);
			ck_assert(ldns_pkt_edns_do(p));
			ck_assert_uint_eq(ldns_pkt_edns_version(p), 0);
		}
		ldns_pkt_free(p);
		free(w);
	}
}
END_TEST

START_TEST(test_do_bit_is_echoed_only_when_client_set_it)
{
	struct msg m;
	struct dst_dns_query q;
	size_t len;
	m_header(&m, QID, FLAG_RD, 0, 1, 0, 0, 1);
	m_question(&m, QNAME, DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	m_opt(&m, 1232, 0, 0, 0);
	parse_ok(&m, &q);
	uint8_t *w = cached(a_records(1, 0), &q, &len, 1024);
	ssize_t n = dst_dns_finish_answer(w, len, 1024, m.b, &q, q.udp_size);
	ck_assert_int_gt(n, 0);
	ldns_pkt *p = from_wire(w, (size_t)n);
	ck_assert(ldns_pkt_edns(p));
	ck_assert(!ldns_pkt_edns_do(p));
	ldns_pkt_free(p);
	free(w);
}
END_TEST

START_TEST(test_answer_at_exact_limit_is_not_truncated)
{
	for (int edns = 0; edns <= 1; edns++) {
		struct msg m;
		struct dst_dns_query q;
		size_t len;
		client(&m, &q, edns);
		uint8_t *w = cached(a_records(5, 0), &q, &len, 1024);
		size_t full = len + (edns ? DST_DNS_OPT_LEN : 0);
		ssize_t n = dst_dns_finish_answer(w, len, 1024, m.b, &q, full);
		ck_assert_int_eq(n, (ssize_t)full);
		ck_assert(!dst_dns_tc(w));
		ck_assert_uint_eq(dst_dns_ancount(w), 5);
		free(w);
	}
}
END_TEST

START_TEST(test_answer_one_byte_over_limit_is_truncated)
{
	for (int edns = 0; edns <= 1; edns++) {
		struct msg m;
		struct dst_dns_query q;
		size_t len;
		client(&m, &q, edns);
		uint8_t *w = cached(a_records(5, 0), &q, &len, 1024);
		size_t full = len + (edns ? DST_DNS_OPT_LEN : 0);
		ssize_t n = dst_dns_finish_answer(w, len, 1024, m.b, &q, full - 1);
		ck_assert_int_eq(n, 12 + QNAME_WIRE_LEN + 4 + (edns ? DST_DNS_OPT_LEN : 0));
		ck_assert(dst_dns_tc(w));
		ldns_pkt *p = from_wire(w, (size_t)n);
		ck_assert_uint_eq(ldns_pkt_ancount(p), 0);
		ck_assert_int_eq(ldns_pkt_edns(p), edns);
		ldns_pkt_free(p);
		free(w);
	}
}
END_TEST

START_TEST(test_large_answer_is_truncated_for_512_byte_client)
{
	struct msg m;
	struct dst_dns_query q;
	size_t len;
	client(&m, &q, false);
	uint8_t *w = cached(a_records(40, LDNS_RCODE_NOERROR), &q, &len, 2048);
	ck_assert_uint_gt(len, 512);
	ssize_t n = dst_dns_finish_answer(w, len, 2048, m.b, &q, q.udp_size);
	ck_assert_int_eq(n, 12 + QNAME_WIRE_LEN + 4);
	ldns_pkt *p = from_wire(w, (size_t)n);
	ck_assert(ldns_pkt_tc(p));
	ck_assert(ldns_pkt_qr(p));
	ck_assert(ldns_pkt_aa(p));
	ck_assert(ldns_pkt_ad(p));
	ck_assert(ldns_pkt_rd(p));
	ck_assert_uint_eq(ldns_pkt_id(p), QID);
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_qdcount(p), 1);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 0);
	ck_assert_uint_eq(ldns_pkt_nscount(p), 0);
	ck_assert_uint_eq(ldns_pkt_arcount(p), 0);
	ck_owner(ldns_pkt_question(p), 0, "www.Example.COM.");
	ldns_pkt_free(p);
	free(w);
}
END_TEST

START_TEST(test_truncation_keeps_rcode_and_appends_opt)
{
	struct msg m;
	struct dst_dns_query q;
	size_t len;
	client(&m, &q, true);
	ldns_pkt *a = answer_pkt(AID, LDNS_RCODE_NXDOMAIN, QSTR);
	for (int i = 0; i < 8; i++)
		add_rr(a, NS, "example.com. 60 IN SOA ns1.example.com. hm.example.com. 1 2 3 4 5");
	uint8_t *w = cached(a, &q, &len, 2048);
	ssize_t n = dst_dns_finish_answer(w, len, 2048, m.b, &q, 200);
	ck_assert_int_eq(n, 12 + QNAME_WIRE_LEN + 4 + DST_DNS_OPT_LEN);
	ldns_pkt *p = from_wire(w, (size_t)n);
	ck_assert(ldns_pkt_tc(p));
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	ck_assert_uint_eq(ldns_pkt_nscount(p), 0);
	ck_assert(ldns_pkt_edns(p));
	ck_assert(ldns_pkt_edns_do(p));
	ldns_pkt_free(p);
	free(w);
}
END_TEST

START_TEST(test_tcp_limit_does_not_truncate_large_answers)
{
	struct msg m;
	struct dst_dns_query q;
	size_t len;
	client(&m, &q, true);
	uint8_t *w = cached(a_records(100, 0), &q, &len, 4096);
	ssize_t n = dst_dns_finish_answer(w, len, 4096, m.b, &q, DST_DNS_MAX_MSG);
	ck_assert_int_eq(n, (ssize_t)(len + DST_DNS_OPT_LEN));
	ck_assert(!dst_dns_tc(w));
	ck_assert_uint_eq(dst_dns_ancount(w), 100);
	free(w);
}
END_TEST

START_TEST(test_finish_without_room_for_opt_is_enospc)
{
	struct msg m;
	struct dst_dns_query q;
	size_t len;
	client(&m, &q, true);
	uint8_t *w = cached(a_records(1, 0), &q, &len, 1024);
	uint8_t *before = dup_bytes(w, len);
	ck_assert_int_eq(dst_dns_finish_answer(w, len, len + DST_DNS_OPT_LEN - 1, m.b, &q, 4096),
			 DST_ENOSPC);
	ck_assert_mem_eq(w, before, len); /* nothing written */
	ck_assert_int_eq(dst_dns_finish_answer(w, len, len + DST_DNS_OPT_LEN, m.b, &q, 4096),
			 (ssize_t)(len + DST_DNS_OPT_LEN));
	free(before);
	free(w);
}
END_TEST

START_TEST(test_finish_rejects_message_shorter_than_question)
{
	struct msg m;
	struct dst_dns_query q;
	uint8_t w[64] = {0};
	client(&m, &q, false);
	size_t qend = 12 + QNAME_WIRE_LEN + 4;
	ck_assert_int_eq(dst_dns_finish_answer(w, qend - 1, sizeof(w), m.b, &q, 512), DST_EINVAL);
	ck_assert_uint_eq(w[0], 0); /* nothing written */
}
END_TEST

/* ------------------------------------------------------------------ */
/* Hostile input                                                       */
/* ------------------------------------------------------------------ */

static uint32_t rng_state;

static uint32_t rng(void)
{
	/* xorshift32: fixed seed per test, same sequence on every platform. */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* Mutates 1-4 bytes of w (n bytes) and sometimes cuts it short. */
static size_t mutate(uint8_t *w, size_t n)
{
	int k = 1 + (int)(rng() % 4);
	for (int i = 0; i < k; i++) {
		uint32_t r = rng();
		size_t at = r % n;
		switch ((r >> 16) % 4) {
		case 0:
			w[at] = (uint8_t)(r >> 24);
			break;
		case 1:
			w[at] ^= (uint8_t)(1u << ((r >> 24) % 8));
			break;
		case 2:
			w[at] = 0xc0 | (uint8_t)((r >> 24) & 1); /* compression pointers */
			break;
		default:
			w[at] = (uint8_t)(r >> 24) % 64; /* label lengths */
			break;
		}
	}
	if (rng() % 8 == 0)
		n = rng() % (n + 1);
	return n;
}

/* Checks what a query verdict promises, and that the builders cope. */
static void check_query_verdict(const uint8_t *w, size_t n, const struct dst_dns_query *q,
				enum dst_dns_verdict v)
{
	uint8_t out[600];
	switch (v) {
	case DST_DNS_QUERY_DROP:
		ck_assert(n < 12 || dst_dns_qr(w));
		break;
	case DST_DNS_QUERY_OK:
		ck_assert_uint_eq(q->question_end, 12 + q->qname_len + 4);
		ck_assert_uint_le(q->question_end, n);
		for (size_t i = 0; i < q->qname_len; i++)
			ck_assert(q->qname_lower[i] < 'A' || q->qname_lower[i] > 'Z');
		ck_assert_int_gt(dst_dns_upstream_query(w, q, 1, out, sizeof(out)), 0);
		ck_assert_int_gt(dst_dns_error_response(w, q, 2, out, sizeof(out)), 0);
		break;
	case DST_DNS_QUERY_ERROR:
		ck_assert(q->rcode == 1 || q->rcode == 4 || q->rcode == 16);
		ck_assert_uint_le(q->question_end, n);
		ck_assert_int_gt(dst_dns_error_response(w, q, q->rcode, out, sizeof(out)), 0);
		break;
	default:
		ck_abort_msg("verdict %d", v);
	}
}

START_TEST(test_every_prefix_of_a_query_is_handled)
{
	struct msg m;
	struct dst_dns_query q;
	std_query(&m, true);
	for (size_t n = 0; n <= m.n; n++) {
		uint8_t *w = dup_bytes(m.b, n);
		enum dst_dns_verdict v = dst_dns_parse_query(w, n, &q);
		if (n < 12)
			ck_assert_int_eq(v, DST_DNS_QUERY_DROP);
		else if (n < m.n)
			ck_assert_msg(v == DST_DNS_QUERY_ERROR && q.rcode == 1, "prefix %zu", n);
		else
			ck_assert_int_eq(v, DST_DNS_QUERY_OK);
		check_query_verdict(w, n, &q, v);
		free(w);
	}
}
END_TEST

START_TEST(test_random_mutations_of_a_query_are_handled)
{
	struct msg m;
	struct dst_dns_query q;
	std_query(&m, true);
	rng_state = 0x9e3779b9u;
	for (int i = 0; i < 20000; i++) {
		uint8_t *w = dup_bytes(m.b, m.n);
		size_t n = mutate(w, m.n);
		enum dst_dns_verdict v = dst_dns_parse_query(w, n, &q);
		check_query_verdict(w, n, &q, v);
		free(w);
	}
}
END_TEST

/* A realistic answer: CNAME, A records, NS + glue, OPT with padding. */
static uint8_t *rich_answer(size_t *len)
{
	ldns_pkt *p = answer_pkt(AID, 0, QSTR);
	add_rr(p, AN, "www.example.com. 3600 IN CNAME web.example.com.");
	add_rr(p, AN, "web.example.com. 60 IN A 192.0.2.7");
	add_rr(p, AN, "web.example.com. 60 IN A 192.0.2.8");
	add_rr(p, NS, "example.com. 3600 IN NS ns1.example.com.");
	add_rr(p, NS, "example.com. 3600 IN SOA ns1.example.com. hm.example.com. 1 2 3 4 5");
	add_rr(p, AR, "ns1.example.com. 120 IN A 192.0.2.53");
	add_rr(p, AR, "ns1.example.com. 120 IN MX 10 mail.example.com.");
	ldns_pkt_set_edns_udp_size(p, 1232);
	return to_wire(p, len);
}

/* Checks what prepare_answer promises for any input. */
static void check_prepared(const uint8_t *before, size_t n, struct prepared *r,
			   const struct dst_dns_query *q, const struct msg *m)
{
	switch (r->rc) {
	case 0:
	case DST_ENOSPC: {
		ck_assert_uint_le(r->len, n);
		ck_assert_uint_le(r->info.nttl, 64);
		for (size_t i = 0; i < r->info.nttl; i++)
			ck_assert_uint_le(r->ttl[i] + 4u, r->len);
		if (r->info.has_soa)
			ck_assert_uint_le(r->info.soa_ttl_off + 4u, r->len);
		uint8_t *out = malloc(r->len + DST_DNS_OPT_LEN);
		ck_assert_ptr_nonnull(out);
		memcpy(out, r->wire, r->len);
		ssize_t f = dst_dns_finish_answer(out, r->len, r->len + DST_DNS_OPT_LEN, m->b, q, 512);
		ck_assert_int_gt(f, 0);
		free(out);
		break;
	}
	case DST_EFORMAT:
	case DST_EMISMATCH:
		ck_assert_uint_eq(r->len, n);
		ck_assert_mem_eq(r->wire, before, n);
		break;
	default:
		ck_abort_msg("prepare_answer returned %d", r->rc);
	}
}

START_TEST(test_every_prefix_of_an_answer_is_formerr)
{
	struct msg m;
	struct dst_dns_query q;
	size_t len;
	client(&m, &q, true);
	uint8_t *a = rich_answer(&len);
	ck_assert(has_pointer(a, len));
	for (size_t n = 0; n <= len; n++) {
		struct prepared r;
		uint8_t *w = dup_bytes(a, n);
		prepare(&r, w, n, &q, 64);
		if (n < len)
			ck_assert_msg(r.rc == DST_EFORMAT, "prefix %zu: %d", n, r.rc);
		else
			ck_assert_int_eq(r.rc, 0);
		check_prepared(a, n, &r, &q, &m);
		free(w);
	}
	free(a);
}
END_TEST

START_TEST(test_random_mutations_of_an_answer_are_handled)
{
	struct msg m;
	struct dst_dns_query q;
	size_t len;
	int accepted = 0;
	client(&m, &q, true);
	uint8_t *a = rich_answer(&len);
	rng_state = 0x2545f491u;
	for (int i = 0; i < 20000; i++) {
		struct prepared r;
		uint8_t *w = dup_bytes(a, len);
		size_t n = mutate(w, len);
		uint8_t *before = dup_bytes(w, n);
		prepare(&r, w, n, &q, i % 2 ? 64 : 3);
		check_prepared(before, n, &r, &q, &m);
		accepted += r.rc == 0 || r.rc == DST_ENOSPC;
		free(before);
		free(w);
	}
	/* The run must exercise the success path too, not only rejections. */
	ck_assert_int_gt(accepted, 100);
	free(a);
}
END_TEST

/* ------------------------------------------------------------------ */
/* any_answer (RFC 8482)                                               */
/* ------------------------------------------------------------------ */

/* An ANY query for QNAME in class qclass, RD and CD set, optionally EDNS with DO. */
static void any_query(struct msg *m, struct dst_dns_query *q, uint16_t qclass, bool edns)
{
	m_header(m, QID, FLAG_RD, FLAG_CD, 1, 0, 0, edns ? 1 : 0);
	m_question(m, QNAME, DST_DNS_TYPE_ANY, qclass);
	if (edns)
		m_opt(m, 4096, 0, 0, 0x8000);
	parse_ok(m, q);
}

/* Builds the ANY answer into an exact-size heap copy and parses it with ldns. */
static ldns_pkt *any_answer_pkt(const struct msg *m, const struct dst_dns_query *q, size_t *len)
{
	uint8_t out[512];
	ssize_t n = dst_dns_any_answer(m->b, q, out, sizeof(out));
	ck_assert_int_gt(n, 0);
	*len = (size_t)n;
	uint8_t *w = dup_bytes(out, *len);
	ldns_pkt *p = from_wire(w, *len);
	free(w);
	return p;
}

START_TEST(test_any_answer_is_one_rfc8482_hinfo)
{
	struct msg m;
	struct dst_dns_query q;
	size_t len;
	any_query(&m, &q, DST_DNS_CLASS_IN, false);
	ldns_pkt *p = any_answer_pkt(&m, &q, &len);

	ck_assert_uint_eq(ldns_pkt_id(p), QID);
	ck_assert(ldns_pkt_qr(p) && ldns_pkt_ra(p) && ldns_pkt_rd(p) && ldns_pkt_cd(p));
	ck_assert(!ldns_pkt_aa(p) && !ldns_pkt_tc(p) && !ldns_pkt_ad(p));
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	ck_assert_int_eq(ldns_pkt_get_opcode(p), LDNS_PACKET_QUERY);
	ck_assert_uint_eq(ldns_pkt_qdcount(p), 1);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 1);
	ck_assert_uint_eq(ldns_pkt_nscount(p), 0);
	ck_assert_uint_eq(ldns_pkt_arcount(p), 0);
	ck_assert(!ldns_pkt_edns(p));
	ck_owner(ldns_pkt_question(p), 0, "www.Example.COM.");
	ck_assert_int_eq(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(p), 0)),
			 LDNS_RR_TYPE_ANY);

	ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(p), 0);
	ck_owner(ldns_pkt_answer(p), 0, "www.Example.COM.");
	ck_assert_int_eq(ldns_rr_get_type(rr), LDNS_RR_TYPE_HINFO);
	ck_assert_int_eq(ldns_rr_get_class(rr), LDNS_RR_CLASS_IN);
	ck_assert_uint_eq(ldns_rr_ttl(rr), 3600);
	ck_assert_uint_eq(ldns_rr_rd_count(rr), 2);
	char *cpu = ldns_rdf2str(ldns_rr_rdf(rr, 0)), *os = ldns_rdf2str(ldns_rr_rdf(rr, 1));
	ck_assert_str_eq(cpu, "\"RFC8482\"");
	ck_assert_str_eq(os, "\"\"");
	free(cpu);
	free(os);
	/* header + question + (pointer, fixed part, 9 bytes of RDATA): nothing else. */
	ck_assert_uint_eq(len, 12 + QNAME_WIRE_LEN + 4 + 2 + 10 + 9);
	ldns_pkt_free(p);
}
END_TEST

START_TEST(test_any_answer_carries_opt_for_edns_queries)
{
	struct msg m;
	struct dst_dns_query q;
	size_t len;
	any_query(&m, &q, DST_DNS_CLASS_IN, true);
	ldns_pkt *p = any_answer_pkt(&m, &q, &len);

	ck_assert_uint_eq(ldns_pkt_ancount(p), 1);
	ck_assert(ldns_pkt_edns(p));
	ck_assert(ldns_pkt_edns_do(p));
	ck_assert_uint_eq(ldns_pkt_edns_udp_size(p), DST_DNS_OUR_UDP_SIZE);
	ck_assert_uint_eq(ldns_pkt_edns_version(p), 0);
	ck_assert_uint_eq(len, 12 + QNAME_WIRE_LEN + 4 + 21 + DST_DNS_OPT_LEN);
	ldns_pkt_free(p);
}
END_TEST

START_TEST(test_any_answer_uses_the_question_class_or_in)
{
	static const struct {
		uint16_t qclass, rclass;
	} cases[] = { { 3, 3 }, { 255, DST_DNS_CLASS_IN }, { 254, DST_DNS_CLASS_IN } };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct msg m;
		struct dst_dns_query q;
		size_t len;
		any_query(&m, &q, cases[i].qclass, false);
		ldns_pkt *p = any_answer_pkt(&m, &q, &len);
		ck_assert_int_eq(ldns_rr_get_class(ldns_rr_list_rr(ldns_pkt_answer(p), 0)),
				 cases[i].rclass);
		ldns_pkt_free(p);
	}
}
END_TEST

START_TEST(test_any_answer_needs_room_for_every_byte)
{
	struct msg m;
	struct dst_dns_query q;
	uint8_t out[512];
	any_query(&m, &q, DST_DNS_CLASS_IN, true);
	size_t need = 12 + QNAME_WIRE_LEN + 4 + 21 + DST_DNS_OPT_LEN;

	memset(out, 0xa5, sizeof(out));
	ck_assert_int_eq(dst_dns_any_answer(m.b, &q, out, need - 1), DST_ENOSPC);
	for (size_t i = 0; i < sizeof(out); i++)
		ck_assert_uint_eq(out[i], 0xa5);
	ck_assert_int_eq(dst_dns_any_answer(m.b, &q, out, need), (ssize_t)need);
	ck_assert_uint_eq(out[need], 0xa5);
}
END_TEST

START_TEST(test_any_answer_can_be_built_over_the_query)
{
	struct msg m;
	struct dst_dns_query q;
	uint8_t ref[512];
	any_query(&m, &q, DST_DNS_CLASS_IN, true);
	ssize_t want = dst_dns_any_answer(m.b, &q, ref, sizeof(ref));
	ck_assert_int_gt(want, 0);
	ck_assert_int_eq(dst_dns_any_answer(m.b, &q, m.b, sizeof(m.b)), want);
	ck_assert_mem_eq(m.b, ref, (size_t)want);
}
END_TEST

START_TEST(test_any_answer_refuses_other_questions)
{
	struct msg m;
	struct dst_dns_query q;
	uint8_t out[512];
	client(&m, &q, false); /* QNAME/A */
	ck_assert_int_eq(dst_dns_any_answer(m.b, &q, out, sizeof(out)), DST_EINVAL);

	any_query(&m, &q, DST_DNS_CLASS_IN, false);
	q.question_end = 0;
	ck_assert_int_eq(dst_dns_any_answer(m.b, &q, out, sizeof(out)), DST_EINVAL);
}
END_TEST

START_TEST(test_any_answer_for_the_longest_name_fits_512_bytes)
{
	struct msg m;
	struct dst_dns_query q;
	char name[256] = "";
	size_t len;
	/* Labels of 63, 63, 63 and 61 bytes: 255 bytes in wire form, the most there is. */
	for (int l = 0; l < 4; l++) {
		if (l)
			strcat(name, ".");
		memset(name + strlen(name), 'a' + l, l < 3 ? 63 : 61); /* name is zero-filled */
	}
	m_header(&m, QID, 0, 0, 1, 0, 0, 1);
	m_question(&m, name, DST_DNS_TYPE_ANY, DST_DNS_CLASS_IN);
	m_opt(&m, 1232, 0, 0, 0);
	parse_ok(&m, &q);
	ck_assert_uint_eq(q.qname_len, 255);
	ldns_pkt *p = any_answer_pkt(&m, &q, &len);
	ck_assert_uint_eq(len, 303);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);
}
END_TEST

/* ------------------------------------------------------------------ */

/* ------------------------------------------------------------------ */
/* error_response_ede: Extended DNS Errors (RFC 8914)                  */
/* ------------------------------------------------------------------ */

/* The EDE option in a response we built: its info-code, text and length; false if none. */
static bool find_ede(const uint8_t *w, size_t n, uint16_t *code, char *text, size_t *tlen)
{
	ldns_pkt *p = from_wire(w, n);
	bool found = false;
	ldns_rdf *d = ldns_pkt_edns_data(p);
	if (d) {
		const uint8_t *o = ldns_rdf_data(d);
		size_t len = ldns_rdf_size(d);
		for (size_t i = 0; i + 4 <= len;) {
			uint16_t c = dst_dns_get16(o + i), l = dst_dns_get16(o + i + 2);
			ck_assert_uint_le(i + 4 + l, len);
			if (c == DST_DNS_EDNS_EDE) {
				ck_assert_uint_ge(l, 2);
				*code = dst_dns_get16(o + i + 4);
				*tlen = l - 2u;
				memcpy(text, o + i + 6, *tlen);
				text[*tlen] = '\0';
				found = true;
			}
			i += 4u + l;
		}
	}
	ldns_pkt_free(p);
	return found;
}

START_TEST(test_ede_carries_info_code_and_text_for_edns_clients)
{
	struct msg m;
	struct dst_dns_query q;
	uint8_t out[512];
	char text[512];
	uint16_t code = 0;
	size_t tlen = 0;
	static const char why[] = "dns.quad9.net: certificate expired";
	struct dst_dns_ede ede = { DST_DNS_EDE_NETWORK_ERROR, why, sizeof(why) - 1 };
	client(&m, &q, true);
	ssize_t n = dst_dns_error_response_ede(m.b, &q, DST_DNS_RCODE_SERVFAIL, &ede, out, sizeof(out));
	ck_assert_int_eq(n, 12 + QNAME_WIRE_LEN + 4 + DST_DNS_OPT_LEN + 6 + (ssize_t)sizeof(why) - 1);
	ldns_pkt *p = from_wire(out, (size_t)n);
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_SERVFAIL);
	ck_assert_uint_eq(ldns_pkt_id(p), QID);
	ck_assert(ldns_pkt_edns_do(p));
	ck_assert_uint_eq(ldns_pkt_arcount(p), 0); /* ldns keeps the OPT out of the counts */
	ldns_pkt_free(p);
	ck_assert(find_ede(out, (size_t)n, &code, text, &tlen));
	ck_assert_uint_eq(code, 23);
	ck_assert_str_eq(text, why);
}
END_TEST

START_TEST(test_ede_is_left_out_without_edns)
{
	struct msg m;
	struct dst_dns_query q;
	uint8_t out[512], plain[512];
	struct dst_dns_ede ede = { DST_DNS_EDE_NETWORK_ERROR, "x: timed out", 12 };
	client(&m, &q, false);
	ssize_t n = dst_dns_error_response_ede(m.b, &q, DST_DNS_RCODE_SERVFAIL, &ede, out, sizeof(out));
	ssize_t k = dst_dns_error_response(m.b, &q, DST_DNS_RCODE_SERVFAIL, plain, sizeof(plain));
	ck_assert_int_eq(n, k);
	ck_assert_mem_eq(out, plain, (size_t)k);
}
END_TEST

START_TEST(test_ede_without_text_is_just_the_info_code)
{
	struct msg m;
	struct dst_dns_query q;
	uint8_t out[512];
	char text[8];
	uint16_t code = 0;
	size_t tlen = 9;
	struct dst_dns_ede ede = { DST_DNS_EDE_NO_REACHABLE_AUTHORITY, NULL, 0 };
	client(&m, &q, true);
	ssize_t n = dst_dns_error_response_ede(m.b, &q, DST_DNS_RCODE_SERVFAIL, &ede, out, sizeof(out));
	ck_assert_int_eq(n, 12 + QNAME_WIRE_LEN + 4 + DST_DNS_OPT_LEN + 6);
	ck_assert(find_ede(out, (size_t)n, &code, text, &tlen));
	ck_assert_uint_eq(code, 22);
	ck_assert_uint_eq(tlen, 0);
}
END_TEST

START_TEST(test_ede_text_is_cut_to_fit_at_a_character_boundary)
{
	struct msg m;
	struct dst_dns_query q;
	uint8_t out[512];
	char text[512], why[300];
	uint16_t code = 0;
	size_t tlen = 0, base = 12 + QNAME_WIRE_LEN + 4 + DST_DNS_OPT_LEN;
	/* "é" (2 bytes) over and over: any cut must fall between two of them. */
	for (size_t i = 0; i + 1 < sizeof(why); i += 2) {
		why[i] = (char)0xc3;
		why[i + 1] = (char)0xa9;
	}
	struct dst_dns_ede ede = { DST_DNS_EDE_NETWORK_ERROR, why, sizeof(why) };
	client(&m, &q, true);
	for (size_t cap = base; cap < base + 40; cap++) {
		ssize_t n = dst_dns_error_response_ede(m.b, &q, DST_DNS_RCODE_SERVFAIL, &ede, out, cap);
		ck_assert_int_gt(n, 0);
		ck_assert_uint_le((size_t)n, cap);
		if (cap < base + 6) {
			ck_assert_int_eq(n, (ssize_t)base); /* no room for the option: plain SERVFAIL */
			continue;
		}
		ck_assert(find_ede(out, (size_t)n, &code, text, &tlen));
		ck_assert_uint_eq(code, 23);
		ck_assert_uint_eq(tlen % 2, 0);
		ck_assert_uint_ge(tlen + 1, cap - base - 6);
	}
	ck_assert_int_eq(dst_dns_error_response_ede(m.b, &q, DST_DNS_RCODE_SERVFAIL, &ede, out,
						    base - 1), DST_ENOSPC);
}
END_TEST

static Suite *dns_suite(void)
{
	Suite *s = suite_create("dns");

	TCase *tc = tcase_create("strerror");
	tcase_add_test(tc, test_every_own_code_has_a_distinct_name);
	tcase_add_test(tc, test_errno_codes_are_named_by_strerror);
	tcase_add_test(tc, test_unknown_codes_still_get_a_name);
	suite_add_tcase(s, tc);

	tc = tcase_create("cursor");
	tcase_add_test(tc, test_cursor_reads_big_endian_values);
	tcase_add_test(tc, test_cursor_read_past_end_sets_error_and_stops);
	tcase_add_test(tc, test_cursor_started_past_end_is_error);
	tcase_add_test(tc, test_skip_name_stops_after_a_pointer);
	tcase_add_test(tc, test_skip_name_rejects_reserved_label_types);
	tcase_add_test(tc, test_skip_name_enforces_the_255_byte_limit);
	tcase_add_test(tc, test_skip_name_with_missing_label_bytes_is_error);
	tcase_add_test(tc, test_name_lower_changes_only_ascii_letters);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse_query");
	tcase_add_test(tc, test_plain_query_is_parsed);
	tcase_add_test(tc, test_query_for_the_root_is_parsed);
	tcase_add_test(tc, test_message_shorter_than_header_is_dropped);
	tcase_add_test(tc, test_query_with_qr_set_is_dropped);
	tcase_add_test(tc, test_non_query_opcode_is_notimp_with_question_echoed);
	tcase_add_test(tc, test_notimp_wins_over_formerr);
	tcase_add_test(tc, test_query_without_question_is_formerr);
	tcase_add_test(tc, test_two_questions_give_formerr_with_first_echoed);
	tcase_add_test(tc, test_answer_records_in_query_give_formerr);
	tcase_add_test(tc, test_authority_records_in_query_give_formerr);
	tcase_add_test(tc, test_compressed_qname_is_formerr);
	tcase_add_test(tc, test_reserved_label_types_in_qname_are_formerr);
	tcase_add_test(tc, test_qname_of_255_bytes_is_accepted);
	tcase_add_test(tc, test_qname_over_255_bytes_is_formerr);
	tcase_add_test(tc, test_truncated_question_is_formerr);
	tcase_add_test(tc, test_truncated_opt_is_formerr);
	tcase_add_test(tc, test_edns_query_gives_payload_size_and_do_bit);
	tcase_add_test(tc, test_do_bit_comes_only_from_bit_15_of_opt_flags);
	tcase_add_test(tc, test_small_edns_payload_size_is_raised_to_512);
	tcase_add_test(tc, test_two_opt_records_give_formerr);
	tcase_add_test(tc, test_opt_with_non_root_owner_is_formerr);
	tcase_add_test(tc, test_opt_with_well_formed_options_is_accepted);
	tcase_add_test(tc, test_opt_option_overrunning_rdata_is_formerr);
	tcase_add_test(tc, test_badvers_for_edns_version_1);
	tcase_add_test(tc, test_formerr_wins_over_badvers);
	tcase_add_test(tc, test_trailing_bytes_after_query_are_ignored);
	tcase_add_test(tc, test_other_additional_records_are_skipped);
	suite_add_tcase(s, tc);

	tc = tcase_create("error_response");
	tcase_add_test(tc, test_formerr_echoes_id_question_and_flags);
	tcase_add_test(tc, test_formerr_without_parsed_question_has_no_question);
	tcase_add_test(tc, test_error_response_carries_opt_for_edns_queries);
	tcase_add_test(tc, test_badvers_response_puts_high_rcode_bits_in_opt);
	tcase_add_test(tc, test_notimp_response_copies_opcode);
	tcase_add_test(tc, test_servfail_for_a_good_query);
	tcase_add_test(tc, test_error_response_needs_room_for_every_byte);
	tcase_add_test(tc, test_error_response_can_be_built_over_the_query);
	tcase_add_test(tc, test_extended_rcode_without_edns_is_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("upstream_query");
	tcase_add_test(tc, test_upstream_query_has_new_id_rd_question_and_opt);
	tcase_add_test(tc, test_upstream_query_copies_cd_and_do);
	tcase_add_test(tc, test_upstream_query_needs_room_for_every_byte);
	tcase_add_test(tc, test_upstream_query_is_padded_to_128_byte_blocks);
	tcase_add_test(tc, test_edns_keepalive_is_found_in_answer_opt);
	tcase_add_test(tc, test_client_ecs_is_replaced_by_source_prefix_zero);
	tcase_add_test(tc, test_client_ecs_is_forwarded_unchanged_with_pass);
	tcase_add_test(tc, test_no_ecs_is_added_when_the_client_sent_none);
	tcase_add_test(tc, test_oversized_ecs_is_not_forwarded);
	suite_add_tcase(s, tc);

	tc = tcase_create("prepare_answer");
	tcase_add_test(tc, test_simple_a_answer_is_accepted);
	tcase_add_test(tc, test_question_name_is_compared_ignoring_case);
	tcase_add_test(tc, test_ttl_offsets_cover_every_record);
	tcase_add_test(tc, test_cname_chain_with_compressed_names_is_accepted);
	tcase_add_test(tc, test_answer_with_wrong_id_is_mismatch);
	tcase_add_test(tc, test_answer_with_qr_clear_is_mismatch);
	tcase_add_test(tc, test_answer_for_another_question_is_mismatch);
	tcase_add_test(tc, test_answer_without_question_is_mismatch);
	tcase_add_test(tc, test_nxdomain_with_soa_is_negative_with_minimum);
	tcase_add_test(tc, test_nodata_answer_is_negative);
	tcase_add_test(tc, test_nxdomain_without_soa_has_no_soa);
	tcase_add_test(tc, test_positive_answer_reports_no_soa);
	tcase_add_test(tc, test_servfail_is_not_negative);
	tcase_add_test(tc, test_opt_is_removed_and_extended_rcode_folded);
	tcase_add_test(tc, test_opt_in_middle_of_additional_is_removed);
	tcase_add_test(tc, test_pointer_after_opt_is_moved_with_its_target);
	tcase_add_test(tc, test_pointer_into_opt_is_formerr);
	tcase_add_test(tc, test_two_opt_records_in_answer_are_formerr);
	tcase_add_test(tc, test_opt_outside_additional_is_formerr);
	tcase_add_test(tc, test_opt_with_non_root_owner_in_answer_is_formerr);
	tcase_add_test(tc, test_rdlength_past_end_is_formerr);
	tcase_add_test(tc, test_missing_records_are_formerr);
	tcase_add_test(tc, test_forward_compression_pointer_is_formerr);
	tcase_add_test(tc, test_compression_loop_is_formerr);
	tcase_add_test(tc, test_long_pointer_chain_is_formerr);
	tcase_add_test(tc, test_pointer_into_header_is_formerr);
	tcase_add_test(tc, test_compressed_question_in_answer_is_formerr);
	tcase_add_test(tc, test_trailing_garbage_is_cut);
	tcase_add_test(tc, test_ttl_with_top_bit_counts_as_zero);
	tcase_add_test(tc, test_too_many_records_give_enospc_after_full_preparation);
	tcase_add_test(tc, test_answer_can_be_checked_without_ttl_array);
	tcase_add_test(tc, test_soa_with_bad_rdata_is_formerr);
	tcase_add_test(tc, test_cname_rdata_longer_than_its_name_is_formerr);
	tcase_add_test(tc, test_truncated_answer_bit_is_reported);
	suite_add_tcase(s, tc);

	tc = tcase_create("finish_answer");
	tcase_add_test(tc, test_finish_sets_client_id_case_and_flags);
	tcase_add_test(tc, test_opt_is_appended_only_for_edns_clients);
	tcase_add_test(tc, test_do_bit_is_echoed_only_when_client_set_it);
	tcase_add_test(tc, test_answer_at_exact_limit_is_not_truncated);
	tcase_add_test(tc, test_answer_one_byte_over_limit_is_truncated);
	tcase_add_test(tc, test_large_answer_is_truncated_for_512_byte_client);
	tcase_add_test(tc, test_truncation_keeps_rcode_and_appends_opt);
	tcase_add_test(tc, test_tcp_limit_does_not_truncate_large_answers);
	tcase_add_test(tc, test_finish_without_room_for_opt_is_enospc);
	tcase_add_test(tc, test_finish_rejects_message_shorter_than_question);
	suite_add_tcase(s, tc);

	tc = tcase_create("any_answer");
	tcase_add_test(tc, test_any_answer_is_one_rfc8482_hinfo);
	tcase_add_test(tc, test_any_answer_carries_opt_for_edns_queries);
	tcase_add_test(tc, test_any_answer_uses_the_question_class_or_in);
	tcase_add_test(tc, test_any_answer_needs_room_for_every_byte);
	tcase_add_test(tc, test_any_answer_can_be_built_over_the_query);
	tcase_add_test(tc, test_any_answer_refuses_other_questions);
	tcase_add_test(tc, test_any_answer_for_the_longest_name_fits_512_bytes);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile_input");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_every_prefix_of_a_query_is_handled);
	tcase_add_test(tc, test_random_mutations_of_a_query_are_handled);
	tcase_add_test(tc, test_every_prefix_of_an_answer_is_formerr);
	tcase_add_test(tc, test_random_mutations_of_an_answer_are_handled);
	suite_add_tcase(s, tc);

	tc = tcase_create("error_response_ede");
	tcase_add_test(tc, test_ede_carries_info_code_and_text_for_edns_clients);
	tcase_add_test(tc, test_ede_is_left_out_without_edns);
	tcase_add_test(tc, test_ede_without_text_is_just_the_info_code);
	tcase_add_test(tc, test_ede_text_is_cut_to_fit_at_a_character_boundary);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(dns_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
