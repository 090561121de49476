/*
 * dns/ unit tests, client side: the bounds-checked wire cursor, vetting of
 * client queries (dst_dns_parse_query) and the query dotstub forwards
 * upstream (dst_dns_upstream_query: new ID, padding, ECS, and the
 * keepalive option read back from the answer). Part of check_dns.
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
#include "tests/unit/dns_test_util.h"

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

/*
 * parse_query lower-cases the qname eight bytes at a time. Every byte value
 * 0-255, at every offset within a word, must come out as the byte-wise rule
 * says: 'A'-'Z' lowered, everything else (length bytes, 0x80-0xff, '@', '[')
 * unchanged.
 */
START_TEST(test_parsed_qname_lowers_every_byte_value_as_bytewise)
{
	for (unsigned shift = 0; shift < 8; shift++) {
		for (unsigned part = 0; part < 2; part++) {
			uint8_t wire[12 + 256 + 4] = {0}, want[256];
			size_t pos = 12, n = 0;
			struct dst_dns_query q;

			wire[5] = 1; /* QDCOUNT */
			/* short labels first move the long ones within the words */
			for (unsigned i = 0; i < shift; i++) {
				wire[pos++] = 1;
				wire[pos++] = 'Q';
			}
			/* values part * 128 + 0..128, in 3 labels of 43 */
			for (unsigned l = 0; l < 3; l++) {
				wire[pos++] = 43;
				for (unsigned k = 0; k < 43; k++)
					wire[pos++] = (uint8_t)(part * 128 + l * 43 + k);
			}
			wire[pos++] = 0;
			for (size_t i = 12; i < pos; i++, n++) {
				uint8_t b = wire[i];
				want[n] = (b >= 'A' && b <= 'Z') ? (uint8_t)(b + 32) : b;
			}
			wire[pos + 1] = 1; /* type A */
			wire[pos + 3] = 1; /* class IN */
			ck_assert_int_eq(dst_dns_parse_query(wire, pos + 4, &q), DST_DNS_QUERY_OK);
			ck_assert_uint_eq(q.qname_len, n);
			ck_assert_mem_eq(q.qname_lower, want, n);
		}
	}
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
	m_u8(&m, 0xc0);                           /* junk */
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

START_TEST(test_small_edns_payload_size_is_raised_to_512_bytes)
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

START_TEST(test_badvers_for_an_unknown_edns_version)
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
		0xab, 0xcd, 0x01, 0x00, 0,   1,   0,   0,   0,    0,   0,   1,   3,   'w',
		'w',  'w',  7,    'e',  'x', 'a', 'm', 'p', 'l',  'e', 3,   'c', 'o', 'm',
		0,    0,    1,    0,    1,   0,   0,   41,  0x10, 0,   0,   0,   0,   0,
		0,    11,   0,    8,    0,   7,   0,   1,   24,   0,   192, 0,   2,
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
	ck_assert_uint_eq(dst_dns_get16(e + 2), 4); /* no address bytes */
	ck_assert_uint_eq(dst_dns_get16(e + 4), 1); /* family IPv4 kept */
	ck_assert_uint_eq(e[6], 0);                 /* source prefix 0 */
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
	dst_dns_put16(in + 42, 11 + 14); /* OPT RDLENGTH */
	dst_dns_put16(in + 46, 7 + 14);  /* ECS OPTION-LENGTH */
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
		0,  1, 0x81, 0x80, 0, 1,  0, 1,  0,  0, 0, 1,   1, 'a', 0, 0, 1, 0,  1, 0xc0,
		12, 0, 1,    0,    1, 0,  0, 0,  60, 0, 4, 192, 0, 2,   1, 0, 0, 41, 4, 0xd0,
		0,  0, 0,    0,    0, 12, 0, 12, 0,  2, 0, 0,   0, 11,  0, 2, 0, 25,
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
/* TCases                                                              */
/* ------------------------------------------------------------------ */

TCase *dns_tcase_cursor(void)
{
	TCase *tc = tcase_create("cursor");
	tcase_add_test(tc, test_cursor_reads_big_endian_values);
	tcase_add_test(tc, test_cursor_read_past_end_sets_error_and_stops);
	tcase_add_test(tc, test_cursor_started_past_end_is_error);
	tcase_add_test(tc, test_skip_name_stops_after_a_pointer);
	tcase_add_test(tc, test_skip_name_rejects_reserved_label_types);
	tcase_add_test(tc, test_skip_name_enforces_the_255_byte_limit);
	tcase_add_test(tc, test_skip_name_with_missing_label_bytes_is_error);
	tcase_add_test(tc, test_name_lower_changes_only_ascii_letters);
	tcase_add_test(tc, test_parsed_qname_lowers_every_byte_value_as_bytewise);
	return tc;
}

TCase *dns_tcase_parse_query(void)
{
	TCase *tc = tcase_create("parse_query");
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
	tcase_add_test(tc, test_small_edns_payload_size_is_raised_to_512_bytes);
	tcase_add_test(tc, test_two_opt_records_give_formerr);
	tcase_add_test(tc, test_opt_with_non_root_owner_is_formerr);
	tcase_add_test(tc, test_opt_with_well_formed_options_is_accepted);
	tcase_add_test(tc, test_opt_option_overrunning_rdata_is_formerr);
	tcase_add_test(tc, test_badvers_for_an_unknown_edns_version);
	tcase_add_test(tc, test_formerr_wins_over_badvers);
	tcase_add_test(tc, test_trailing_bytes_after_query_are_ignored);
	tcase_add_test(tc, test_other_additional_records_are_skipped);
	return tc;
}

TCase *dns_tcase_upstream_query(void)
{
	TCase *tc = tcase_create("upstream_query");
	tcase_add_test(tc, test_upstream_query_has_new_id_rd_question_and_opt);
	tcase_add_test(tc, test_upstream_query_copies_cd_and_do);
	tcase_add_test(tc, test_upstream_query_needs_room_for_every_byte);
	tcase_add_test(tc, test_upstream_query_is_padded_to_128_byte_blocks);
	tcase_add_test(tc, test_edns_keepalive_is_found_in_answer_opt);
	tcase_add_test(tc, test_client_ecs_is_replaced_by_source_prefix_zero);
	tcase_add_test(tc, test_client_ecs_is_forwarded_unchanged_with_pass);
	tcase_add_test(tc, test_no_ecs_is_added_when_the_client_sent_none);
	tcase_add_test(tc, test_oversized_ecs_is_not_forwarded);
	return tc;
}
