/*
 * Shared helpers for the dns/ unit suite (check_dns.c and check_dns_*.c).
 *
 * Queries are built byte by byte (struct msg) so each test controls every
 * field; answers are mostly built with ldns, as a real upstream would send
 * them (ldns compresses names), and outputs are parsed back with ldns.
 * Inputs handed to the code under test live in heap buffers of their exact
 * length, so an ASan build catches any read past the end.
 *
 * The helpers are static inline: each file uses a subset, and they keep the
 * short names they had as file-local helpers. They fail the running test
 * through ck_assert instead of returning errors. Helpers used by one file
 * only stay in that file.
 */
#ifndef DST_TESTS_DNS_TEST_UTIL_H
#define DST_TESTS_DNS_TEST_UTIL_H

/* stdbool before ldns: ldns otherwise defines _Bool as signed char. */
#include <stdbool.h>

#include <check.h>
#include <ldns/ldns.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

struct msg {
	uint8_t b[2048];
	size_t n;
};

static inline void m_u8(struct msg *m, uint8_t v)
{
	ck_assert_uint_lt(m->n, sizeof(m->b));
	m->b[m->n++] = v;
}

static inline void m_u16(struct msg *m, uint16_t v)
{
	m_u8(m, v >> 8);
	m_u8(m, v & 0xff);
}

static inline void m_u32(struct msg *m, uint32_t v)
{
	m_u16(m, v >> 16);
	m_u16(m, v & 0xffff);
}

static inline void m_header(struct msg *m, uint16_t id, uint8_t f2, uint8_t f3, uint16_t qd,
			    uint16_t an, uint16_t ns, uint16_t ar)
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
static inline void m_name(struct msg *m, const char *name)
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

static inline void m_question(struct msg *m, const char *name, uint16_t type, uint16_t class)
{
	m_name(m, name);
	m_u16(m, type);
	m_u16(m, class);
}

/* An OPT RR with no options: payload size, TTL as (ext rcode, version, flags). */
static inline void m_opt(struct msg *m, uint16_t udp, uint8_t ext, uint8_t version, uint16_t flags)
{
	m_u8(m, 0);
	m_u16(m, DST_DNS_TYPE_OPT);
	m_u16(m, udp);
	m_u8(m, ext);
	m_u8(m, version);
	m_u16(m, flags);
	m_u16(m, 0);
}

static inline void m_rr_head(struct msg *m, uint16_t type, uint32_t ttl, uint16_t rdlen)
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
static inline void std_query(struct msg *m, bool edns)
{
	m_header(m, QID, FLAG_RD, 0, 1, 0, 0, edns ? 1 : 0);
	m_question(m, QNAME, DST_DNS_TYPE_A, DST_DNS_CLASS_IN);
	if (edns)
		m_opt(m, 4096, 0, 0, 0x8000);
}

static inline uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(d);
	memcpy(d, p, n);
	return d;
}

/* parse_query on an exact-size heap copy of m. */
static inline enum dst_dns_verdict parse(const struct msg *m, struct dst_dns_query *q)
{
	uint8_t *w = dup_bytes(m->b, m->n);
	enum dst_dns_verdict v = dst_dns_parse_query(w, m->n, q);
	free(w);
	return v;
}

static inline void parse_ok(const struct msg *m, struct dst_dns_query *q)
{
	ck_assert_int_eq(parse(m, q), DST_DNS_QUERY_OK);
}

/* A header-only ldns answer: ID, QR, RD, RA, rcode and the question. */
static inline ldns_pkt *answer_pkt(uint16_t id, uint8_t rcode, const char *question)
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

static inline void add_rr(ldns_pkt *p, ldns_pkt_section sec, const char *str)
{
	ldns_rr *rr = NULL;
	ck_assert_msg(ldns_rr_new_frm_str(&rr, str, 0, NULL, NULL) == LDNS_STATUS_OK, "%s", str);
	ck_assert(ldns_pkt_push_rr(p, sec, rr));
}

/* Frees p and returns its wire form in a heap buffer of exactly *len bytes. */
static inline uint8_t *to_wire(ldns_pkt *p, size_t *len)
{
	uint8_t *tmp = NULL;
	ck_assert_int_eq(ldns_pkt2wire(&tmp, p, len), LDNS_STATUS_OK);
	uint8_t *w = dup_bytes(tmp, *len);
	free(tmp);
	ldns_pkt_free(p);
	return w;
}

static inline ldns_pkt *from_wire(const uint8_t *w, size_t len)
{
	ldns_pkt *p = NULL;
	ck_assert_int_eq(ldns_wire2pkt(&p, w, len), LDNS_STATUS_OK);
	return p;
}

/* Owner of the i-th RR of a section, as text (case preserved). */
static inline void ck_owner(ldns_rr_list *l, size_t i, const char *want)
{
	char *s = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(l, i)));
	ck_assert_str_eq(s, want);
	free(s);
}

/* The client query most answer tests answer: QNAME/A, optionally EDNS. */
static inline void client(struct msg *m, struct dst_dns_query *q, bool edns)
{
	std_query(m, edns);
	parse_ok(m, q);
}

static inline bool has_pointer(const uint8_t *w, size_t len)
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
/* Answers from upstream (prepare_answer and the hostile-input tests)  */
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

static inline void prepare(struct prepared *r, uint8_t *wire, size_t len,
			   const struct dst_dns_query *q, size_t max_ttls)
{
	ck_assert_uint_le(max_ttls, 64);
	r->wire = wire;
	r->len = r->orig_len = len;
	r->rc = dst_dns_prepare_answer(wire, &r->len, AID, q, r->ttl, max_ttls, &r->info);
}

/* ------------------------------------------------------------------ */
/* One TCase each, added to the "dns" Suite by check_dns.c             */
/* ------------------------------------------------------------------ */

TCase *dns_tcase_strerror(void);
TCase *dns_tcase_text(void);
TCase *dns_tcase_cursor(void);
TCase *dns_tcase_parse_query(void);
TCase *dns_tcase_error_response(void);
TCase *dns_tcase_upstream_query(void);
TCase *dns_tcase_prepare_answer(void);
TCase *dns_tcase_finish_answer(void);
TCase *dns_tcase_any_answer(void);
TCase *dns_tcase_hostile_input(void);
TCase *dns_tcase_error_response_ede(void);
TCase *dns_tcase_strip_dnssec(void);

#endif
