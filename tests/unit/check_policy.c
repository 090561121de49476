/*
 * Unit tests for resolver/policy/: the zone table (which [zone] a name
 * falls under: the longest zone that is the name or a parent, the root
 * zone as the fallback, lower-case wire names, a later definition of the
 * same name replacing the earlier one, malformed names matching nothing);
 * the hosts file parser (entries, bad lines reported at FILE:LINE); the
 * default local zones; the policy's decision order (hosts > blocklist >
 * [zone] > local zone) and its answers' bytes, read back with ldns.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>
#include <unistd.h>

#include "dns/dns.h"
#include "dns/err.h"
#include "resolver/policy/blocklist.h"
#include "resolver/policy/hosts.h"
#include "resolver/policy/policy.h"
#include "resolver/policy/zones.h"

/* A name as text, in wire form (lower-cased by the caller's text). */
static size_t wire(const char *text, uint8_t out[DST_DNS_MAX_NAME])
{
	size_t n = dst_dns_name_from_text(text, out);

	ck_assert_msg(n > 0, "bad test name %s", text);
	return n;
}

static struct dst_zones *table(const char *const *names, size_t n)
{
	static uint8_t bufs[16][DST_DNS_MAX_NAME];
	struct dst_zone_def defs[16];
	struct dst_zones *z = NULL;

	ck_assert_uint_le(n, 16);
	for (size_t i = 0; i < n; i++)
		defs[i] =
			(struct dst_zone_def){bufs[i], wire(names[i], bufs[i]), (uint32_t)i + 100};
	ck_assert_int_eq(dst_zones_new(defs, n, &z), 0);
	ck_assert_ptr_nonnull(z);
	return z;
}

static uint32_t match(const struct dst_zones *z, const char *name)
{
	uint8_t w[DST_DNS_MAX_NAME];

	return dst_zones_match(z, w, wire(name, w));
}

START_TEST(test_longest_zone_wins)
{
	static const char *const names[] = {"example", "corp.example", "a.b.corp.example",
					    "168.192.in-addr.arpa"};
	struct dst_zones *z = table(names, 4);

	ck_assert_uint_eq(dst_zones_count(z), 4);
	ck_assert_uint_eq(match(z, "example"), 100);
	ck_assert_uint_eq(match(z, "www.example"), 100);
	ck_assert_uint_eq(match(z, "corp.example"), 101);
	ck_assert_uint_eq(match(z, "x.corp.example"), 101);
	ck_assert_uint_eq(match(z, "b.corp.example"), 101);
	ck_assert_uint_eq(match(z, "a.b.corp.example"), 102);
	ck_assert_uint_eq(match(z, "z.a.b.corp.example"), 102);
	ck_assert_uint_eq(match(z, "10.1.168.192.in-addr.arpa"), 103);
	ck_assert_uint_eq(match(z, "in-addr.arpa"), DST_ZONES_NONE);
	ck_assert_uint_eq(match(z, "1.1.1.10.in-addr.arpa"), DST_ZONES_NONE);
	dst_zones_free(z);
}
END_TEST

START_TEST(test_only_whole_labels_match)
{
	static const char *const names[] = {"corp.example", "lan"};
	struct dst_zones *z = table(names, 2);

	ck_assert_uint_eq(match(z, "xcorp.example"), DST_ZONES_NONE);
	ck_assert_uint_eq(match(z, "corp.example.com"), DST_ZONES_NONE);
	ck_assert_uint_eq(match(z, "plan"), DST_ZONES_NONE);
	ck_assert_uint_eq(match(z, "printer.lan"), 101);
	ck_assert_uint_eq(match(z, "lan.example"), DST_ZONES_NONE);
	dst_zones_free(z);
}
END_TEST

START_TEST(test_root_zone_is_the_fallback)
{
	static const char *const names[] = {".", "lan"};
	struct dst_zones *z = table(names, 2);

	ck_assert_uint_eq(match(z, "printer.lan"), 101);
	ck_assert_uint_eq(match(z, "www.example.com"), 100);
	ck_assert_uint_eq(match(z, "."), 100);
	dst_zones_free(z);
	z = table(names + 1, 1);
	ck_assert_uint_eq(match(z, "."), DST_ZONES_NONE);
	dst_zones_free(z);
}
END_TEST

START_TEST(test_trailing_dot_and_case_are_the_callers)
{
	static const char *const names[] = {"corp.example."};
	struct dst_zones *z = table(names, 1);
	uint8_t w[DST_DNS_MAX_NAME];
	size_t n = wire("WWW.Corp.Example", w);

	ck_assert_uint_eq(match(z, "www.corp.example"), 100);
	ck_assert_uint_eq(match(z, "www.corp.example."), 100);
	/* The table matches lower-case wire names: the caller folds case once per query. */
	ck_assert_uint_eq(dst_zones_match(z, w, n), DST_ZONES_NONE);
	dst_zones_free(z);
}
END_TEST

START_TEST(test_later_definition_wins)
{
	static const char *const names[] = {"lan", "corp.example", "lan"};
	struct dst_zones *z = table(names, 3);

	ck_assert_uint_eq(dst_zones_count(z), 2);
	ck_assert_uint_eq(match(z, "printer.lan"), 102);
	dst_zones_free(z);
}
END_TEST

START_TEST(test_empty_and_null_tables_match_nothing)
{
	struct dst_zones *z = NULL;

	ck_assert_int_eq(dst_zones_new(NULL, 0, &z), 0);
	ck_assert_uint_eq(dst_zones_count(z), 0);
	ck_assert_uint_eq(match(z, "www.example"), DST_ZONES_NONE);
	dst_zones_free(z);
	ck_assert_uint_eq(match(NULL, "www.example"), DST_ZONES_NONE);
	ck_assert_uint_eq(dst_zones_count(NULL), 0);
}
END_TEST

START_TEST(test_malformed_names_match_nothing_and_are_refused)
{
	static const char *const names[] = {"example"};
	struct dst_zones *z = table(names, 1);
	static const uint8_t no_root[] = "\x03www\x07"
					 "example"; /* the string's NUL is the root */
	static const uint8_t long_label[] = "\x40"
					    "a";
	struct dst_zone_def bad = {long_label, sizeof long_label, 1};
	struct dst_zones *other = (struct dst_zones *)&bad;

	ck_assert_uint_eq(dst_zones_match(z, no_root, sizeof no_root), 100);
	ck_assert_uint_eq(dst_zones_match(z, no_root, sizeof no_root - 1), DST_ZONES_NONE);
	ck_assert_uint_eq(dst_zones_match(z, no_root, sizeof no_root - 3), DST_ZONES_NONE);
	ck_assert_uint_eq(dst_zones_match(z, long_label, sizeof long_label), DST_ZONES_NONE);
	ck_assert_uint_eq(dst_zones_match(z, no_root, 0), DST_ZONES_NONE);
	ck_assert_int_eq(dst_zones_new(&bad, 1, &other), DST_EINVAL);
	ck_assert_ptr_null(other);
	dst_zones_free(z);
}
END_TEST

START_TEST(test_many_zones)
{
	enum { N = 1024 };
	struct dst_zone_def *defs = calloc(N, sizeof(*defs));
	uint8_t(*w)[DST_DNS_MAX_NAME] = calloc(N, sizeof(*w));
	struct dst_zones *z = NULL;
	char name[64];

	ck_assert_ptr_nonnull(defs);
	ck_assert_ptr_nonnull(w);
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof name, "z%d.tld%d", i, i % 7);
		defs[i] = (struct dst_zone_def){w[i], wire(name, w[i]), (uint32_t)i};
	}
	ck_assert_int_eq(dst_zones_new(defs, N, &z), 0);
	ck_assert_uint_eq(dst_zones_count(z), N);
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof name, "host.z%d.tld%d", i, i % 7);
		ck_assert_uint_eq(match(z, name), (uint32_t)i);
		snprintf(name, sizeof name, "host.z%d.tld%d", i, (i + 1) % 7);
		ck_assert_uint_eq(match(z, name), DST_ZONES_NONE);
	}
	dst_zones_free(z);
	free(defs);
	free(w);
}
END_TEST

/* --- the policy's answers --------------------------------------------------- */

/* A client query for name (case kept) and type: ID 0x1234, RD; with edns, an OPT with DO. */
static size_t make_query(const char *name, uint16_t type, bool edns, uint8_t *q)
{
	size_t n = 12;

	memset(q, 0, 12);
	q[0] = 0x12;
	q[1] = 0x34;
	q[2] = 0x01; /* RD */
	q[5] = 1;
	n += wire(name, q + 12);
	q[n++] = (uint8_t)(type >> 8);
	q[n++] = (uint8_t)type;
	q[n++] = 0;
	q[n++] = 1;
	if (edns) {
		static const uint8_t opt[] = {0, 0, 41, 4, 0xd0, 0, 0, 0x80, 0, 0, 0};
		q[11] = 1;
		memcpy(q + n, opt, sizeof(opt));
		n += sizeof(opt);
	}
	return n;
}

struct asked {
	enum dst_policy_verdict v;
	uint8_t wire[4096];
	size_t len;
	ldns_pkt *pkt; /* NULL on PASS */
};

static void ask_ex(const struct dst_policy *p, const char *name, uint16_t type, bool edns,
		   size_t limit, struct asked *a)
{
	uint8_t q[512];
	struct dst_dns_query dq;
	size_t qlen = make_query(name, type, edns, q);

	ck_assert_int_eq(dst_dns_parse_query(q, qlen, &dq), DST_DNS_QUERY_OK);
	a->pkt = NULL;
	a->len = 0;
	a->v = dst_policy_answer(p, q, &dq, limit, a->wire, sizeof(a->wire), &a->len);
	if (a->v == DST_POLICY_PASS)
		return;
	/* The inline pre-check never skips a name the policy answers. */
	ck_assert_msg(dst_policy_maybe(p, &dq), "%s answered, but the pre-check skips it", name);
	ck_assert_uint_le(a->len, limit);
	ck_assert_int_eq(ldns_wire2pkt(&a->pkt, a->wire, a->len), LDNS_STATUS_OK);
	/* Always: the client's ID, QR, RA, RD copied, the question echoed as sent. */
	ck_assert_uint_eq(ldns_pkt_id(a->pkt), 0x1234);
	ck_assert(ldns_pkt_qr(a->pkt) && ldns_pkt_ra(a->pkt) && ldns_pkt_rd(a->pkt));
	ck_assert_mem_eq(a->wire + 12, q + 12, dq.qname_len + 4);
}

static void ask(const struct dst_policy *p, const char *name, uint16_t type, struct asked *a)
{
	ask_ex(p, name, type, false, 512, a);
}

static void done(struct asked *a)
{
	ldns_pkt_free(a->pkt);
	a->pkt = NULL;
}

/* The first RR of a section as text ("name.\tTTL\tIN\tTYPE\tRDATA"), or "" when empty. */
static const char *rr_text(ldns_rr_list *l, size_t i)
{
	static char buf[512];
	char *s;

	if (!l || i >= ldns_rr_list_rr_count(l))
		return "";
	s = ldns_rr2str(ldns_rr_list_rr(l, i));
	snprintf(buf, sizeof(buf), "%s", s);
	free(s);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static struct dst_policy *policy_with(bool local_zones, const char *hosts_text,
				      const char *block_text, const char *allow_text,
				      enum dst_policy_block_answer ba)
{
	struct dst_hosts *h = NULL;
	struct dst_blocklist *bl = NULL;
	struct dst_policy *p = NULL;

	if (hosts_text) {
		struct dst_hosts_builder *b;
		ck_assert_int_eq(dst_hosts_builder_new(NULL, NULL, &b), 0);
		ck_assert_int_eq(dst_hosts_add_text(b, "hosts", hosts_text, strlen(hosts_text)), 0);
		ck_assert_int_eq(dst_hosts_build(b, &h), 0);
	}
	if (block_text) {
		struct dst_blocklist_builder *b;
		ck_assert_int_eq(dst_blocklist_builder_new(NULL, NULL, &b), 0);
		ck_assert_int_eq(
			dst_blocklist_add_text(b, "block", block_text, strlen(block_text), false),
			0);
		if (allow_text)
			ck_assert_int_eq(dst_blocklist_add_text(b, "allow", allow_text,
								strlen(allow_text), true),
					 0);
		ck_assert_int_eq(dst_blocklist_build(b, &bl), 0);
	}
	ck_assert_int_eq(dst_policy_make(local_zones, 5, h, bl, ba, &p), 0);
	dst_hosts_free(h); /* the policy holds its own reference */
	return p;
}

static void expect_nxdomain_under(const struct dst_policy *p, const char *name, const char *apex)
{
	struct asked a;
	char want[256];

	ask(p, name, DST_DNS_TYPE_A, &a);
	ck_assert_msg(a.v == DST_POLICY_LOCAL, "%s not answered locally", name);
	ck_assert_int_eq(ldns_pkt_get_rcode(a.pkt), LDNS_RCODE_NXDOMAIN);
	ck_assert(ldns_pkt_aa(a.pkt));
	ck_assert_uint_eq(ldns_pkt_ancount(a.pkt), 0);
	snprintf(want, sizeof(want),
		 "%s\t10800\tIN\tSOA\t%s nobody.invalid. 1 3600 1200 604800 10800", apex, apex);
	ck_assert_str_eq(rr_text(ldns_pkt_authority(a.pkt), 0), want);
	done(&a);
}

static void expect_pass(const struct dst_policy *p, const char *name, uint16_t type)
{
	struct asked a;

	ask(p, name, type, &a);
	ck_assert_msg(a.v == DST_POLICY_PASS, "%s was answered", name);
}

START_TEST(test_special_use_names_get_nxdomain_with_their_zone_soa)
{
	struct dst_policy *p = policy_with(true, NULL, NULL, NULL, 0);

	expect_nxdomain_under(p, "foo.invalid", "invalid.");
	expect_nxdomain_under(p, "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion",
			      "onion.");
	expect_nxdomain_under(p, "printer.local", "local.");
	expect_nxdomain_under(p, "nas.home.arpa", "home.arpa.");
	expect_nxdomain_under(p, "x.invalid", "invalid.");
	/* example. is not special to resolvers (RFC 6761 6.5), nor a made-up TLD; test. is
	 * left to the upstreams (docs/configuration.md says why). */
	expect_pass(p, "www.example.test", DST_DNS_TYPE_A);
	expect_pass(p, "www.example", DST_DNS_TYPE_A);
	expect_pass(p, "www.example.com", DST_DNS_TYPE_A);
	expect_pass(p, "localhost.example.com", DST_DNS_TYPE_A);
	expect_pass(p, "arpa", DST_DNS_TYPE_SOA);
	expect_pass(p, "in-addr.arpa", DST_DNS_TYPE_NS);
	dst_policy_free(p);
}
END_TEST

START_TEST(test_private_and_special_reverse_zones_are_answered)
{
	struct dst_policy *p = policy_with(true, NULL, NULL, NULL, 0);

	expect_nxdomain_under(p, "1.1.168.192.in-addr.arpa", "168.192.in-addr.arpa.");
	expect_nxdomain_under(p, "4.3.2.10.in-addr.arpa", "10.in-addr.arpa.");
	expect_nxdomain_under(p, "1.0.16.172.in-addr.arpa", "16.172.in-addr.arpa.");
	expect_nxdomain_under(p, "1.0.31.172.in-addr.arpa", "31.172.in-addr.arpa.");
	expect_pass(p, "1.0.15.172.in-addr.arpa", DST_DNS_TYPE_PTR);
	expect_pass(p, "1.0.32.172.in-addr.arpa", DST_DNS_TYPE_PTR);
	expect_nxdomain_under(p, "1.0.64.100.in-addr.arpa", "64.100.in-addr.arpa.");
	expect_nxdomain_under(p, "1.0.127.100.in-addr.arpa", "127.100.in-addr.arpa.");
	expect_pass(p, "1.0.63.100.in-addr.arpa", DST_DNS_TYPE_PTR);
	expect_pass(p, "1.0.128.100.in-addr.arpa", DST_DNS_TYPE_PTR);
	expect_nxdomain_under(p, "9.9.254.169.in-addr.arpa", "254.169.in-addr.arpa.");
	expect_nxdomain_under(p, "5.2.0.192.in-addr.arpa", "2.0.192.in-addr.arpa.");
	expect_nxdomain_under(p, "5.100.51.198.in-addr.arpa", "100.51.198.in-addr.arpa.");
	expect_nxdomain_under(p, "5.113.0.203.in-addr.arpa", "113.0.203.in-addr.arpa.");
	expect_nxdomain_under(p, "1.2.3.0.in-addr.arpa", "0.in-addr.arpa.");
	expect_nxdomain_under(p, "2.0.0.127.in-addr.arpa", "127.in-addr.arpa.");
	expect_pass(p, "8.8.8.8.in-addr.arpa", DST_DNS_TYPE_PTR);
	expect_nxdomain_under(
		p, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa",
		"d.f.ip6.arpa.");
	expect_nxdomain_under(p, "1.0.0.0.8.e.f.ip6.arpa", "8.e.f.ip6.arpa.");
	expect_nxdomain_under(p, "1.0.0.0.b.e.f.ip6.arpa", "b.e.f.ip6.arpa.");
	expect_pass(p, "1.0.0.0.c.e.f.ip6.arpa", DST_DNS_TYPE_PTR);
	expect_nxdomain_under(p, "1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", "8.b.d.0.1.0.0.2.ip6.arpa.");
	dst_policy_free(p);
}
END_TEST

START_TEST(test_localhost_and_loopback_ptr_have_fixed_answers)
{
	struct dst_policy *p = policy_with(true, NULL, NULL, NULL, 0);
	struct asked a;

	ask(p, "localhost", DST_DNS_TYPE_A, &a);
	ck_assert_int_eq(a.v, DST_POLICY_LOCAL);
	ck_assert_str_eq(rr_text(ldns_pkt_answer(a.pkt), 0), "localhost.\t10800\tIN\tA\t127.0.0.1");
	done(&a);
	ask(p, "Foo.LocalHost", DST_DNS_TYPE_AAAA, &a);
	ck_assert_int_eq(ldns_pkt_get_rcode(a.pkt), LDNS_RCODE_NOERROR);
	ck_assert_str_eq(rr_text(ldns_pkt_answer(a.pkt), 0),
			 "Foo.LocalHost.\t10800\tIN\tAAAA\t::1");
	done(&a);
	/* Other types: NODATA with the SOA, never NXDOMAIN (RFC 6761 6.3). */
	ask(p, "foo.localhost", DST_DNS_TYPE_MX, &a);
	ck_assert_int_eq(ldns_pkt_get_rcode(a.pkt), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_ancount(a.pkt), 0);
	ck_assert_uint_eq(ldns_pkt_nscount(a.pkt), 1);
	done(&a);
	ask(p, "1.0.0.127.in-addr.arpa", DST_DNS_TYPE_PTR, &a);
	ck_assert_str_eq(rr_text(ldns_pkt_answer(a.pkt), 0),
			 "1.0.0.127.in-addr.arpa.\t10800\tIN\tPTR\tlocalhost.");
	done(&a);
	ask(p, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa",
	    DST_DNS_TYPE_PTR, &a);
	ck_assert_int_eq(a.v, DST_POLICY_LOCAL);
	ck_assert_uint_eq(ldns_pkt_ancount(a.pkt), 1);
	done(&a);
	/* A zone apex: its SOA and NS (RFC 6303 3: "@ SOA @ nobody.invalid." and "@ NS @"). */
	ask(p, "10.in-addr.arpa", DST_DNS_TYPE_SOA, &a);
	ck_assert_int_eq(ldns_pkt_get_rcode(a.pkt), LDNS_RCODE_NOERROR);
	ck_assert_str_eq(
		rr_text(ldns_pkt_answer(a.pkt), 0),
		"10.in-addr.arpa.\t10800\tIN\tSOA\t10.in-addr.arpa. nobody.invalid. 1 3600 "
		"1200 604800 10800");
	ck_assert_uint_eq(ldns_pkt_nscount(a.pkt), 0);
	done(&a);
	ask(p, "10.in-addr.arpa", DST_DNS_TYPE_NS, &a);
	ck_assert_str_eq(rr_text(ldns_pkt_answer(a.pkt), 0),
			 "10.in-addr.arpa.\t10800\tIN\tNS\t10.in-addr.arpa.");
	done(&a);
	ask(p, "10.in-addr.arpa", DST_DNS_TYPE_A, &a); /* NODATA at the apex */
	ck_assert_int_eq(ldns_pkt_get_rcode(a.pkt), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_ancount(a.pkt), 0);
	ck_assert_uint_eq(ldns_pkt_nscount(a.pkt), 1);
	done(&a);
	dst_policy_free(p);
}
END_TEST

START_TEST(test_local_zones_off_answers_nothing)
{
	struct dst_policy *p = policy_with(false, NULL, NULL, NULL, 0);

	expect_pass(p, "localhost", DST_DNS_TYPE_A);
	expect_pass(p, "1.1.168.192.in-addr.arpa", DST_DNS_TYPE_PTR);
	expect_pass(p, "x.onion", DST_DNS_TYPE_A);
	ck_assert_uint_eq(dst_policy_local_zones(p), 0);
	dst_policy_free(p);
	expect_pass(NULL, "localhost", DST_DNS_TYPE_A);
}
END_TEST

/* --- hosts files --- */

struct warns {
	char msg[16][256];
	size_t n;
};

static void collect(void *arg, const char *msg)
{
	struct warns *w = arg;

	if (w->n < 16)
		snprintf(w->msg[w->n], sizeof(w->msg[0]), "%s", msg);
	w->n++;
}

static struct dst_hosts *hosts_from(const char *text, struct warns *w)
{
	struct dst_hosts_builder *b;
	struct dst_hosts *h;

	ck_assert_int_eq(dst_hosts_builder_new(collect, w, &b), 0);
	ck_assert_int_eq(dst_hosts_add_text(b, "/etc/hosts", text, strlen(text)), 0);
	ck_assert_int_eq(dst_hosts_build(b, &h), 0);
	return h;
}

static size_t lookup(const struct dst_hosts *h, const char *name, struct dst_hosts_rr *rrs)
{
	uint8_t w[DST_DNS_MAX_NAME];
	size_t n = wire(name, w);

	return dst_hosts_lookup(h, w, n, dst_hosts_hash(w, n), rrs, 8);
}

START_TEST(test_hosts_lines_give_names_addresses_and_ptrs)
{
	struct warns w = {0};
	struct dst_hosts *h = hosts_from("# a comment\n"
					 "127.0.0.1\tlocalhost\n"
					 "192.168.1.10  NAS.lan nas   # the box in the hall\r\n"
					 "2001:db8::10 nas.lan\n"
					 "192.168.1.11 nas.lan\n"
					 "192.168.1.10 other.lan\n"
					 "\n"
					 "   \t\n"
					 "0.0.0.0 ads.example\n"
					 "fe80::1%eth0 router.lan\n"
					 "192.168.1.10 nas.lan\n",
					 &w);
	struct dst_hosts_rr rrs[8];

	ck_assert_uint_eq(w.n, 0);
	ck_assert_uint_eq(dst_hosts_bad_lines(h), 0);
	/* Every address of a name, in file order; a repeated line adds nothing. */
	ck_assert_uint_eq(lookup(h, "nas.lan", rrs), 3);
	ck_assert_uint_eq(rrs[0].type, DST_DNS_TYPE_A);
	ck_assert_mem_eq(rrs[0].rdata, "\xc0\xa8\x01\x0a", 4);
	ck_assert_uint_eq(rrs[1].type, DST_DNS_TYPE_AAAA);
	ck_assert_uint_eq(rrs[2].type, DST_DNS_TYPE_A);
	ck_assert_mem_eq(rrs[2].rdata, "\xc0\xa8\x01\x0b", 4);
	ck_assert_uint_eq(lookup(h, "nas", rrs), 1);
	ck_assert_uint_eq(lookup(h, "NAS.lan", rrs), 0); /* the caller lower-cases */
	/* The PTR of an address: the first name of the first line naming it. */
	ck_assert_uint_eq(lookup(h, "10.1.168.192.in-addr.arpa", rrs), 1);
	ck_assert_uint_eq(rrs[0].type, DST_DNS_TYPE_PTR);
	ck_assert_mem_eq(rrs[0].rdata, "\3nas\3lan\0", 9);
	ck_assert_uint_eq(
		lookup(h,
		       "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
		       rrs),
		1);
	ck_assert_uint_eq(lookup(h, "ads.example", rrs), 1);
	ck_assert_uint_eq(lookup(h, "0.0.0.0.in-addr.arpa", rrs), 0); /* blocking entries: no PTR */
	ck_assert_uint_eq(lookup(h, "router.lan", rrs), 1);
	ck_assert_uint_eq(lookup(h, "missing.lan", rrs), 0);
	dst_hosts_free(h);
}
END_TEST

START_TEST(test_hosts_bad_lines_are_skipped_with_file_and_line)
{
	struct warns w = {0};
	struct dst_hosts *h = hosts_from("192.168.1.1 good.lan\n"
					 "not-an-address name\n"
					 "192.168.1.2\n"
					 "192.168.1.3 ok.lan bad..name\n"
					 "999.1.1.1 x.lan\n"
					 "192.168.1.4 *.wild.lan\n"
					 "1.2.3.4 a.lan\n"
					 "::zz b.lan\n"
					 "1.2.3.5 c.lan\n",
					 &w);
	struct dst_hosts_rr rrs[8];

	ck_assert_uint_eq(dst_hosts_bad_lines(h), 6);
	ck_assert_uint_eq(w.n, DST_HOSTS_REPORTED + 1);
	ck_assert_str_eq(
		w.msg[0],
		"/etc/hosts:2: not an IPv4 or IPv6 address \"not-an-address\": line skipped");
	ck_assert_str_eq(w.msg[1], "/etc/hosts:3: an address with no name after it: line skipped");
	ck_assert_str_eq(w.msg[2], "/etc/hosts:4: empty label \"bad..name\": line skipped");
	ck_assert(strncmp(w.msg[3], "/etc/hosts:5: ", 14) == 0);
	ck_assert(strncmp(w.msg[4], "/etc/hosts:6: ", 14) == 0);
	ck_assert_str_eq(w.msg[5], "/etc/hosts: 1 more bad lines skipped");
	/* A bad line adds nothing, not even its good names; the lines around it stand. */
	ck_assert_uint_eq(lookup(h, "ok.lan", rrs), 0);
	ck_assert_uint_eq(lookup(h, "good.lan", rrs), 1);
	ck_assert_uint_eq(lookup(h, "a.lan", rrs), 1);
	ck_assert_uint_eq(lookup(h, "c.lan", rrs), 1);
	dst_hosts_free(h);
}
END_TEST

START_TEST(test_hosts_file_that_cannot_be_read_is_reported)
{
	struct warns w = {0};
	struct dst_hosts_builder *b;
	struct dst_hosts *h;

	ck_assert_int_eq(dst_hosts_builder_new(collect, &w, &b), 0);
	ck_assert_int_eq(dst_hosts_add_file(b, "/nonexistent/hosts"), DST_ENOENT);
	ck_assert_str_eq(w.msg[0], "/nonexistent/hosts: No such file or directory");
	ck_assert_int_eq(dst_hosts_build(b, &h), 0);
	ck_assert_uint_eq(dst_hosts_names(h), 0);
	dst_hosts_free(h);
}
END_TEST

/* --- the decision and the answers --- */

START_TEST(test_hosts_answers_and_nodata)
{
	struct dst_policy *p = policy_with(true,
					   "192.168.1.10 nas.lan\n192.168.1.11 nas.lan\n"
					   "2001:db8::10 nas.lan\n",
					   NULL, NULL, 0);
	struct asked a;

	ask(p, "NAS.Lan", DST_DNS_TYPE_A, &a);
	ck_assert_int_eq(a.v, DST_POLICY_LOCAL);
	ck_assert(ldns_pkt_aa(a.pkt));
	ck_assert_uint_eq(ldns_pkt_ancount(a.pkt), 2);
	ck_assert_str_eq(rr_text(ldns_pkt_answer(a.pkt), 0), "NAS.Lan.\t5\tIN\tA\t192.168.1.10");
	ck_assert_str_eq(rr_text(ldns_pkt_answer(a.pkt), 1), "NAS.Lan.\t5\tIN\tA\t192.168.1.11");
	ck_assert_uint_eq(ldns_pkt_arcount(a.pkt), 0); /* no EDNS asked, none answered */
	done(&a);
	ask(p, "nas.lan", DST_DNS_TYPE_AAAA, &a);
	ck_assert_str_eq(rr_text(ldns_pkt_answer(a.pkt), 0), "nas.lan.\t5\tIN\tAAAA\t2001:db8::10");
	done(&a);
	/* Other types: NODATA, no SOA (the name has no zone). */
	ask(p, "nas.lan", DST_DNS_TYPE_MX, &a);
	ck_assert_int_eq(ldns_pkt_get_rcode(a.pkt), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_ancount(a.pkt) + ldns_pkt_nscount(a.pkt), 0);
	done(&a);
	expect_pass(p, "www.nas.lan", DST_DNS_TYPE_A); /* exact names only */
	/* With EDNS: an OPT echoing DO, and no EDE. */
	ask_ex(p, "nas.lan", DST_DNS_TYPE_A, true, 1232, &a);
	ck_assert_ptr_nonnull(ldns_pkt_edns_data(a.pkt) ? a.pkt : a.pkt);
	ck_assert(ldns_pkt_edns(a.pkt));
	ck_assert(ldns_pkt_edns_do(a.pkt));
	ck_assert_ptr_null(ldns_pkt_edns_data(a.pkt));
	done(&a);
	dst_policy_free(p);
}
END_TEST

START_TEST(test_hosts_entry_wins_over_local_zone)
{
	struct dst_policy *p =
		policy_with(true, "192.168.1.10 nas.lan\n127.0.1.1 myhost\n", NULL, NULL, 0);
	struct asked a;

	ask(p, "10.1.168.192.in-addr.arpa", DST_DNS_TYPE_PTR, &a);
	ck_assert_int_eq(a.v, DST_POLICY_LOCAL);
	ck_assert_str_eq(rr_text(ldns_pkt_answer(a.pkt), 0),
			 "10.1.168.192.in-addr.arpa.\t5\tIN\tPTR\tnas.lan.");
	done(&a);
	/* Its neighbour still gets the local zone's NXDOMAIN. */
	expect_nxdomain_under(p, "11.1.168.192.in-addr.arpa", "168.192.in-addr.arpa.");
	ask(p, "1.1.0.127.in-addr.arpa", DST_DNS_TYPE_PTR, &a);
	ck_assert_str_eq(rr_text(ldns_pkt_answer(a.pkt), 0),
			 "1.1.0.127.in-addr.arpa.\t5\tIN\tPTR\tmyhost.");
	done(&a);
	dst_policy_free(p);
}
END_TEST

START_TEST(test_blocklist_with_allowlist_exception)
{
	struct dst_policy *p = policy_with(true, "10.0.0.1 tracker.example\n",
					   "ads.example\ntracker.example\nonion\n",
					   "ok.ads.example\n", DST_POLICY_BLOCK_NXDOMAIN);
	struct asked a;

	ask(p, "Sub.Ads.Example", DST_DNS_TYPE_A, &a);
	ck_assert_int_eq(a.v, DST_POLICY_BLOCKED);
	ck_assert_int_eq(ldns_pkt_get_rcode(a.pkt), LDNS_RCODE_NXDOMAIN);
	ck_assert_str_eq(
		rr_text(ldns_pkt_authority(a.pkt), 0),
		"Sub.Ads.Example.\t60\tIN\tSOA\tSub.Ads.Example. nobody.invalid. 1 3600 1200 "
		"604800 60");
	done(&a);
	expect_pass(p, "ok.ads.example", DST_DNS_TYPE_A);
	expect_pass(p, "www.ok.ads.example", DST_DNS_TYPE_A);
	expect_pass(p, "example", DST_DNS_TYPE_A);
	/* A hosts entry wins over the blocklist; the blocklist over a local zone. */
	ask(p, "tracker.example", DST_DNS_TYPE_A, &a);
	ck_assert_int_eq(a.v, DST_POLICY_LOCAL);
	done(&a);
	ask(p, "x.onion", DST_DNS_TYPE_A, &a);
	ck_assert_int_eq(a.v, DST_POLICY_BLOCKED);
	done(&a);
	ck_assert_uint_eq(dst_policy_blocked_names(p), 3);
	dst_policy_free(p);
}
END_TEST

/* The EDE option of a's OPT: its info-code, or -1 when there is none. */
static int ede_code(const struct asked *a)
{
	ldns_rdf *d = ldns_pkt_edns_data(a->pkt);

	if (!d || ldns_rdf_size(d) < 6)
		return -1;
	const uint8_t *o = ldns_rdf_data(d);
	if (dst_dns_get16(o) != DST_DNS_EDNS_EDE)
		return -1;
	return dst_dns_get16(o + 4);
}

START_TEST(test_each_block_answer_with_ede_for_edns_clients)
{
	struct asked a;
	struct dst_policy *p =
		policy_with(false, NULL, "ads.example\n", NULL, DST_POLICY_BLOCK_NULL);

	ask_ex(p, "ads.example", DST_DNS_TYPE_A, true, 1232, &a);
	ck_assert_int_eq(a.v, DST_POLICY_BLOCKED);
	ck_assert_str_eq(rr_text(ldns_pkt_answer(a.pkt), 0), "ads.example.\t60\tIN\tA\t0.0.0.0");
	ck_assert_int_eq(ede_code(&a), 15);
	done(&a);
	ask_ex(p, "ads.example", DST_DNS_TYPE_AAAA, false, 512, &a);
	ck_assert_str_eq(rr_text(ldns_pkt_answer(a.pkt), 0), "ads.example.\t60\tIN\tAAAA\t::");
	ck_assert(!ldns_pkt_edns(a.pkt)); /* no EDNS, no OPT, no EDE */
	done(&a);
	ask_ex(p, "ads.example", DST_DNS_TYPE_TXT, true, 1232, &a);
	ck_assert_int_eq(ldns_pkt_get_rcode(a.pkt), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_ancount(a.pkt), 0);
	ck_assert_uint_eq(ldns_pkt_nscount(a.pkt), 1);
	ck_assert_int_eq(ede_code(&a), 15);
	done(&a);
	dst_policy_free(p);

	p = policy_with(false, NULL, "ads.example\n", NULL, DST_POLICY_BLOCK_REFUSE);
	ask_ex(p, "ads.example", DST_DNS_TYPE_A, true, 1232, &a);
	ck_assert_int_eq(ldns_pkt_get_rcode(a.pkt), LDNS_RCODE_REFUSED);
	ck_assert(!ldns_pkt_aa(a.pkt));
	ck_assert_uint_eq(ldns_pkt_ancount(a.pkt) + ldns_pkt_nscount(a.pkt), 0);
	ck_assert_int_eq(ede_code(&a), 15);
	done(&a);
	dst_policy_free(p);

	p = policy_with(false, NULL, "ads.example\n", NULL, DST_POLICY_BLOCK_NXDOMAIN);
	ask_ex(p, "ads.example", DST_DNS_TYPE_A, true, 1232, &a);
	ck_assert_int_eq(ldns_pkt_get_rcode(a.pkt), LDNS_RCODE_NXDOMAIN);
	ck_assert_int_eq(ede_code(&a), 15);
	done(&a);
	dst_policy_free(p);
}
END_TEST

START_TEST(test_answer_over_the_client_size_is_truncated)
{
	char text[64 * 40] = "";
	struct asked a;

	for (int i = 0; i < 60; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "10.0.0.%d many.lan\n",
			 i);
	struct dst_policy *p = policy_with(true, text, NULL, NULL, 0);
	ask_ex(p, "many.lan", DST_DNS_TYPE_A, false, 512, &a);
	ck_assert_int_eq(a.v, DST_POLICY_LOCAL);
	ck_assert(ldns_pkt_tc(a.pkt));
	ck_assert_uint_eq(ldns_pkt_ancount(a.pkt), 0);
	done(&a);
	ask_ex(p, "many.lan", DST_DNS_TYPE_A, false, DST_DNS_MAX_MSG, &a); /* TCP: all of them */
	ck_assert(!ldns_pkt_tc(a.pkt));
	ck_assert_uint_eq(ldns_pkt_ancount(a.pkt), 60);
	done(&a);
	dst_policy_free(p);
}
END_TEST

START_TEST(test_zone_routes_a_local_zone_but_root_zone_does_not)
{
	struct dst_policy *p =
		policy_with(true, "192.168.1.10 nas.lan\n", "blocked.example\n", NULL, 0);
	struct dst_zones *z = table((const char *const[]){"168.192.in-addr.arpa", "onion"}, 2);
	struct dst_zones *parent = table((const char *const[]){"in-addr.arpa"}, 1);
	struct dst_zones *root = table((const char *const[]){"."}, 1);
	struct asked a;

	dst_policy_set_zones(p, z);
	expect_pass(p, "1.1.168.192.in-addr.arpa", DST_DNS_TYPE_PTR);
	expect_pass(p, "www.onion", DST_DNS_TYPE_A);
	expect_nxdomain_under(p, "1.1.1.10.in-addr.arpa", "10.in-addr.arpa.");
	/* A hosts entry and the blocklist come before the zones. */
	ask(p, "10.1.168.192.in-addr.arpa", DST_DNS_TYPE_PTR, &a);
	ck_assert_int_eq(a.v, DST_POLICY_LOCAL);
	done(&a);
	dst_policy_set_zones(p, parent);
	expect_pass(p, "1.1.1.10.in-addr.arpa", DST_DNS_TYPE_PTR);
	expect_nxdomain_under(p, "x.onion", "onion."); /* onion is no longer a zone */
	dst_policy_set_zones(p, root);
	expect_nxdomain_under(p, "1.1.1.10.in-addr.arpa", "10.in-addr.arpa.");
	ask(p, "blocked.example", DST_DNS_TYPE_A, &a);
	ck_assert_int_eq(a.v, DST_POLICY_BLOCKED);
	done(&a);
	dst_policy_set_zones(p, NULL);
	expect_nxdomain_under(p, "1.1.168.192.in-addr.arpa", "168.192.in-addr.arpa.");
	dst_policy_free(p);
	dst_zones_free(z);
	dst_zones_free(parent);
	dst_zones_free(root);
}
END_TEST

static bool maybe(const struct dst_policy *p, const char *name)
{
	uint8_t q[512];
	struct dst_dns_query dq;
	size_t qlen = make_query(name, DST_DNS_TYPE_A, false, q);

	ck_assert_int_eq(dst_dns_parse_query(q, qlen, &dq), DST_DNS_QUERY_OK);
	return dst_policy_maybe(p, &dq);
}

START_TEST(test_pre_check_skips_ordinary_names_without_a_blocklist)
{
	struct dst_policy *p =
		policy_with(true, "10.0.0.1 nas.lan\n10.0.0.2 box.x\n", NULL, NULL, 0);
	struct dst_policy *off = policy_with(false, NULL, NULL, NULL, 0);
	struct dst_policy *bl = policy_with(false, NULL, "ads.example\n", NULL, 0);

	ck_assert(!maybe(p, "www.example.com"));
	ck_assert(!maybe(p, "www.example.org"));
	ck_assert(!maybe(p, "a.de"));
	ck_assert(!maybe(p, "."));
	ck_assert(maybe(p, "nas.lan"));
	ck_assert(maybe(p, "other.lan")); /* same TLD: the full check decides */
	ck_assert(maybe(p, "box.x"));     /* a one-letter TLD */
	ck_assert(maybe(p, "LocalHost")); /* the query is lower-cased before */
	ck_assert(maybe(p, "1.1.168.192.in-addr.arpa"));
	ck_assert(!maybe(off, "localhost"));
	ck_assert(maybe(bl, "www.example.com")); /* a blocklist sees every name */
	dst_policy_free(p);
	dst_policy_free(off);
	dst_policy_free(bl);
}
END_TEST

START_TEST(test_non_in_class_and_root_pass)
{
	struct dst_policy *p = policy_with(true, "1.2.3.4 host\n", NULL, NULL, 0);
	uint8_t q[512], out[512];
	struct dst_dns_query dq;
	size_t n = 0, qlen = make_query("localhost", DST_DNS_TYPE_A, false, q);

	q[qlen - 1] = 3; /* class CH */
	ck_assert_int_eq(dst_dns_parse_query(q, qlen, &dq), DST_DNS_QUERY_OK);
	ck_assert_int_eq(dst_policy_answer(p, q, &dq, 512, out, sizeof(out), &n), DST_POLICY_PASS);
	expect_pass(p, ".", DST_DNS_TYPE_NS);
	/* An answer that does not fit the caller's buffer is left to the upstream. */
	qlen = make_query("host", DST_DNS_TYPE_A, false, q);
	ck_assert_int_eq(dst_dns_parse_query(q, qlen, &dq), DST_DNS_QUERY_OK);
	ck_assert_int_eq(dst_policy_answer(p, q, &dq, 512, out, 20, &n), DST_POLICY_PASS);
	dst_policy_free(p);
}
END_TEST

/* A temporary file with text; its path in path (PATH_MAX). */
static void temp_file(char *path, const char *text)
{
	strcpy(path, "/tmp/check_policy.XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

START_TEST(test_unreadable_files_keep_the_previous_tables)
{
	char hosts[64], list[64];
	const char *hp[] = {hosts}, *lp[] = {list};
	struct warns w = {0};
	struct dst_policy *p1, *p2, *p3;
	unsigned failed = 0;

	temp_file(hosts, "10.1.1.1 one.lan\n");
	temp_file(list, "ads.example\n");
	struct dst_policy_conf pc = {.local_zones = true,
				     .hosts_ttl = 5,
				     .hosts = hp,
				     .nhosts = 1,
				     .block = lp,
				     .nblock = 1};
	ck_assert_int_eq(dst_policy_new(&pc, NULL, DST_POLICY_LOAD_ALL, collect, &w, &failed, &p1),
			 0);
	ck_assert_uint_eq(failed, 0);
	ck_assert_uint_eq(dst_policy_hosts_names(p1), 2); /* the name and its PTR */
	ck_assert_uint_eq(dst_policy_blocked_names(p1), 1);
	unlink(hosts);
	unlink(list);
	/* Both unreadable now: a rebuild keeps what p1 answers with, and says so. */
	ck_assert_int_eq(dst_policy_new(&pc, p1, DST_POLICY_LOAD_ALL, collect, &w, &failed, &p2),
			 0);
	ck_assert_uint_eq(failed, DST_POLICY_LOAD_ALL);
	ck_assert_uint_ge(w.n, 2);
	dst_policy_free(p1); /* p2 shares its tables: they outlive p1 */
	ck_assert_uint_eq(dst_policy_hosts_names(p2), 2);
	ck_assert_uint_eq(dst_policy_blocked_names(p2), 1);
	expect_pass(p2, "www.example.com", DST_DNS_TYPE_A);
	struct asked a;
	ask(p2, "one.lan", DST_DNS_TYPE_A, &a);
	ck_assert_int_eq(a.v, DST_POLICY_LOCAL);
	done(&a);
	/* At start (no previous policy): no entries, and the server runs. */
	ck_assert_int_eq(dst_policy_new(&pc, NULL, DST_POLICY_LOAD_ALL, collect, &w, &failed, &p3),
			 0);
	ck_assert_uint_eq(failed, DST_POLICY_LOAD_ALL);
	ck_assert_uint_eq(dst_policy_hosts_names(p3), 0);
	ck_assert_uint_eq(dst_policy_blocked_names(p3), 0);
	ck_assert_uint_eq(dst_policy_local_zones(p3), 102);
	dst_policy_free(p2);
	dst_policy_free(p3);
}
END_TEST

static void add_answer_tests(Suite *s)
{
	TCase *tc = tcase_create("local zones");
	tcase_add_test(tc, test_special_use_names_get_nxdomain_with_their_zone_soa);
	tcase_add_test(tc, test_private_and_special_reverse_zones_are_answered);
	tcase_add_test(tc, test_localhost_and_loopback_ptr_have_fixed_answers);
	tcase_add_test(tc, test_local_zones_off_answers_nothing);
	suite_add_tcase(s, tc);
	tc = tcase_create("hosts files");
	tcase_add_test(tc, test_hosts_lines_give_names_addresses_and_ptrs);
	tcase_add_test(tc, test_hosts_bad_lines_are_skipped_with_file_and_line);
	tcase_add_test(tc, test_hosts_file_that_cannot_be_read_is_reported);
	suite_add_tcase(s, tc);
	tc = tcase_create("decision and answers");
	tcase_add_test(tc, test_hosts_answers_and_nodata);
	tcase_add_test(tc, test_hosts_entry_wins_over_local_zone);
	tcase_add_test(tc, test_blocklist_with_allowlist_exception);
	tcase_add_test(tc, test_each_block_answer_with_ede_for_edns_clients);
	tcase_add_test(tc, test_answer_over_the_client_size_is_truncated);
	tcase_add_test(tc, test_zone_routes_a_local_zone_but_root_zone_does_not);
	tcase_add_test(tc, test_non_in_class_and_root_pass);
	tcase_add_test(tc, test_pre_check_skips_ordinary_names_without_a_blocklist);
	tcase_add_test(tc, test_unreadable_files_keep_the_previous_tables);
	suite_add_tcase(s, tc);
}

static Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("zone table");

	tcase_add_test(tc, test_longest_zone_wins);
	tcase_add_test(tc, test_only_whole_labels_match);
	tcase_add_test(tc, test_root_zone_is_the_fallback);
	tcase_add_test(tc, test_trailing_dot_and_case_are_the_callers);
	tcase_add_test(tc, test_later_definition_wins);
	tcase_add_test(tc, test_empty_and_null_tables_match_nothing);
	tcase_add_test(tc, test_malformed_names_match_nothing_and_are_refused);
	tcase_add_test(tc, test_many_zones);
	suite_add_tcase(s, tc);
	add_answer_tests(s);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(policy_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
