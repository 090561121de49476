/*
 * Unit tests for resolver/acl.c (who is answered) and resolver/ratelimit.c
 * (how often): most specific match, deny winning ties, the default list
 * built from the listeners, IPv4-mapped addresses, IPv6 prefixes; token
 * buckets with injected time, per-client and per-/64 keys, and the bounded
 * table.
 *
 * Rules and listeners are built from text with inet_pton, as the config
 * parser would store them; clients are plain sockaddrs.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "dns/err.h"
#include "resolver/listen/acl.h"
#include "resolver/listen/ratelimit.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

/* A client address: "192.0.2.1" or "2001:db8::1". */
static const struct sockaddr *client(const char *ip)
{
	static struct sockaddr_storage ss[4];
	static int next;
	struct sockaddr_storage *s = &ss[next++ % 4];

	memset(s, 0, sizeof *s);
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)s;
		sin6->sin6_family = AF_INET6;
		ck_assert_int_eq(inet_pton(AF_INET6, ip, &sin6->sin6_addr), 1);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)s;
		sin->sin_family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, ip, &sin->sin_addr), 1);
	}
	return (const struct sockaddr *)s;
}

/* A rule as the config parser stores it: "allow 10.0.0.0/8", "deny ::1/128". */
static struct dst_config_net rule(const char *text)
{
	struct dst_config_net n;
	char ip[64];
	unsigned prefix;

	memset(&n, 0, sizeof n);
	n.deny = strncmp(text, "deny ", 5) == 0;
	ck_assert_int_eq(sscanf(text + (n.deny ? 5 : 6), "%63[^/]/%u", ip, &prefix), 2);
	n.v6 = strchr(ip, ':') != NULL;
	ck_assert_int_eq(inet_pton(n.v6 ? AF_INET6 : AF_INET, ip, n.addr), 1);
	n.prefix = (uint8_t)prefix;
	return n;
}

/* A listener address (port 53). */
static struct dst_config_addr listener(const char *ip)
{
	struct dst_config_addr a;

	memset(&a, 0, sizeof a);
	memcpy(&a.ss, client(ip), sizeof a.ss);
	((struct sockaddr_in *)&a.ss)->sin_port = htons(53);
	snprintf(a.text, sizeof a.text, "%s", ip);
	return a;
}

/* An ACL from up to 8 rule texts (NULL-terminated). */
static struct dst_acl *acl_of(const char *const *texts)
{
	struct dst_config_net rules[8];
	struct dst_acl *acl = NULL;
	size_t n = 0;

	for (; texts[n]; n++)
		rules[n] = rule(texts[n]);
	ck_assert_int_eq(dst_acl_new(rules, n, NULL, 0, &acl), 0);
	return acl;
}

#define ACL(...) acl_of((const char *const[]){__VA_ARGS__, NULL})

/* The default ACL for up to 8 listener addresses (NULL-terminated). */
static struct dst_acl *default_acl(const char *const *ips)
{
	struct dst_config_addr l[8];
	struct dst_acl *acl = NULL;
	size_t n = 0;

	for (; ips[n]; n++)
		l[n] = listener(ips[n]);
	ck_assert_int_eq(dst_acl_new(NULL, 0, l, n, &acl), 0);
	ck_assert(dst_acl_is_default(acl));
	return acl;
}

#define DEFAULT_ACL(...) default_acl((const char *const[]){__VA_ARGS__, NULL})

#define ALLOWED(acl, ip) ck_assert_msg(dst_acl_allows(acl, client(ip)), "%s refused", ip)
#define REFUSED(acl, ip) ck_assert_msg(!dst_acl_allows(acl, client(ip)), "%s allowed", ip)

/* ------------------------------------------------------------------ */
/* Matching                                                            */
/* ------------------------------------------------------------------ */

START_TEST(test_most_specific_entry_wins)
{
	struct dst_acl *acl = ACL("allow 10.0.0.0/8", "deny 10.1.0.0/16", "allow 10.1.2.0/24",
				  "deny 10.1.2.3/32");

	ck_assert(!dst_acl_is_default(acl));
	ALLOWED(acl, "10.0.0.1");
	ALLOWED(acl, "10.255.255.255");
	REFUSED(acl, "10.1.0.1");
	REFUSED(acl, "10.1.255.1");
	ALLOWED(acl, "10.1.2.1");
	REFUSED(acl, "10.1.2.3");
	REFUSED(acl, "11.0.0.1");
	REFUSED(acl, "9.255.255.255");
	dst_acl_free(acl);
}
END_TEST

START_TEST(test_file_order_does_not_matter)
{
	struct dst_acl *acl = ACL("deny 10.1.2.3/32", "allow 10.1.2.0/24", "deny 10.1.0.0/16",
				  "allow 10.0.0.0/8");

	ALLOWED(acl, "10.0.0.1");
	REFUSED(acl, "10.1.0.1");
	ALLOWED(acl, "10.1.2.1");
	REFUSED(acl, "10.1.2.3");
	dst_acl_free(acl);
}
END_TEST

START_TEST(test_deny_wins_at_equal_prefix_length)
{
	struct dst_acl *a = ACL("allow 192.0.2.0/24", "deny 192.0.2.0/24");
	struct dst_acl *b = ACL("deny 192.0.2.0/24", "allow 192.0.2.0/24");

	REFUSED(a, "192.0.2.1");
	REFUSED(b, "192.0.2.1");
	dst_acl_free(a);
	dst_acl_free(b);
}
END_TEST

START_TEST(test_single_host_entry_refuses_its_neighbours)
{
	struct dst_acl *acl = ACL("allow 127.0.0.1/32");

	ALLOWED(acl, "127.0.0.1");
	REFUSED(acl, "127.0.0.2");
	REFUSED(acl, "127.0.0.0");
	REFUSED(acl, "::1"); /* the rules replace the default list entirely */
	dst_acl_free(acl);
}
END_TEST

START_TEST(test_zero_prefix_matches_its_whole_family_only)
{
	struct dst_acl *v4 = ACL("allow 0.0.0.0/0");
	struct dst_acl *v6 = ACL("allow ::/0");

	ALLOWED(v4, "203.0.113.9");
	ALLOWED(v4, "0.0.0.0");
	ALLOWED(v4, "::ffff:203.0.113.9");
	REFUSED(v4, "2001:db8::1");
	ALLOWED(v6, "2001:db8::1");
	ALLOWED(v6, "::");
	/* A mapped client is an IPv4 client: ::/0 does not reach it. */
	REFUSED(v6, "::ffff:203.0.113.9");
	REFUSED(v6, "203.0.113.9");
	dst_acl_free(v4);
	dst_acl_free(v6);
}
END_TEST

START_TEST(test_ipv6_prefixes_match_bit_by_bit)
{
	struct dst_acl *acl =
		ACL("allow 2001:db8::/32", "deny 2001:db8:bad::/48", "allow 2001:db8:bad:1::/64",
		    "allow fc00::/7", "deny 2001:db8::2/127");

	ALLOWED(acl, "2001:db8::1");
	ALLOWED(acl, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	REFUSED(acl, "2001:db9::1");
	REFUSED(acl, "2001:db8:bad::1");
	REFUSED(acl, "2001:db8:bad:2::1");
	ALLOWED(acl, "2001:db8:bad:1:ffff::1");
	ALLOWED(acl, "fc00::1");
	ALLOWED(acl, "fdff:ffff::1");
	REFUSED(acl, "fe00::1");
	REFUSED(acl, "fbff::1");
	REFUSED(acl, "2001:db8::2");
	REFUSED(acl, "2001:db8::3");
	ALLOWED(acl, "2001:db8::4");
	REFUSED(acl, "192.0.2.1");
	dst_acl_free(acl);
}
END_TEST

START_TEST(test_odd_ipv4_prefixes_match_bit_by_bit)
{
	struct dst_acl *acl =
		ACL("allow 172.16.0.0/12", "deny 172.20.0.0/14", "allow 192.0.2.128/25");

	ALLOWED(acl, "172.16.0.1");
	ALLOWED(acl, "172.31.255.255");
	REFUSED(acl, "172.32.0.0");
	REFUSED(acl, "172.15.255.255");
	REFUSED(acl, "172.20.0.1");
	REFUSED(acl, "172.23.255.255");
	ALLOWED(acl, "172.24.0.1");
	ALLOWED(acl, "192.0.2.128");
	REFUSED(acl, "192.0.2.127");
	dst_acl_free(acl);
}
END_TEST

START_TEST(test_mapped_clients_are_matched_as_ipv4)
{
	struct dst_acl *acl = ACL("allow 127.0.0.1/32", "allow 2001:db8::/32");

	ALLOWED(acl, "::ffff:127.0.0.1");
	REFUSED(acl, "::ffff:127.0.0.2");
	ALLOWED(acl, "2001:db8::1");
	dst_acl_free(acl);
}
END_TEST

START_TEST(test_mapped_entries_are_ipv4_entries)
{
	struct dst_acl *acl = ACL("allow ::ffff:10.0.0.0/104", "deny ::ffff:10.9.9.9/128");

	ALLOWED(acl, "10.1.2.3");
	ALLOWED(acl, "::ffff:10.1.2.3");
	REFUSED(acl, "10.9.9.9");
	REFUSED(acl, "::ffff:10.9.9.9");
	REFUSED(acl, "11.0.0.1");
	dst_acl_free(acl);
}
END_TEST

START_TEST(test_other_address_families_are_refused)
{
	struct dst_acl *acl = ACL("allow 0.0.0.0/0", "allow ::/0");
	struct sockaddr_un un = {.sun_family = AF_UNIX};

	ck_assert(!dst_acl_allows(acl, (const struct sockaddr *)&un));
	dst_acl_free(acl);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The default list                                                    */
/* ------------------------------------------------------------------ */

START_TEST(test_default_is_loopback_only)
{
	struct dst_acl *acl = DEFAULT_ACL("127.0.0.1", "::1");

	ALLOWED(acl, "127.0.0.1");
	ALLOWED(acl, "127.0.0.2");
	ALLOWED(acl, "127.255.255.255");
	ALLOWED(acl, "::ffff:127.0.0.2");
	ALLOWED(acl, "::1");
	REFUSED(acl, "::2");
	REFUSED(acl, "128.0.0.1");
	REFUSED(acl, "192.168.1.5");
	REFUSED(acl, "10.0.0.1");
	REFUSED(acl, "fd00::1");
	dst_acl_free(acl);
}
END_TEST

START_TEST(test_default_without_listeners_is_loopback)
{
	struct dst_acl *acl = NULL;

	ck_assert_int_eq(dst_acl_new(NULL, 0, NULL, 0, &acl), 0);
	ALLOWED(acl, "127.0.0.1");
	ALLOWED(acl, "::1");
	REFUSED(acl, "192.168.1.1");
	dst_acl_free(acl);
}
END_TEST

START_TEST(test_default_adds_each_private_listener_range)
{
	struct dst_acl *acl = DEFAULT_ACL("127.0.0.1", "192.168.1.1");

	ALLOWED(acl, "192.168.1.77");
	ALLOWED(acl, "192.168.200.3");
	REFUSED(acl, "192.169.0.1");
	REFUSED(acl, "10.0.0.1");
	REFUSED(acl, "172.16.0.1");
	ALLOWED(acl, "127.0.0.1");
	ALLOWED(acl, "::1");
	dst_acl_free(acl);

	acl = DEFAULT_ACL("10.20.30.40");
	ALLOWED(acl, "10.255.0.1");
	REFUSED(acl, "192.168.0.1");
	ALLOWED(acl, "127.0.0.1");
	dst_acl_free(acl);

	acl = DEFAULT_ACL("172.20.0.1");
	ALLOWED(acl, "172.16.0.1");
	ALLOWED(acl, "172.31.255.255");
	REFUSED(acl, "172.32.0.1");
	dst_acl_free(acl);

	acl = DEFAULT_ACL("fd12:3456::1");
	ALLOWED(acl, "fc00::1");
	ALLOWED(acl, "fdff::1");
	REFUSED(acl, "fe80::1");
	REFUSED(acl, "10.0.0.1");
	ALLOWED(acl, "::1");
	dst_acl_free(acl);

	acl = DEFAULT_ACL("::ffff:192.168.7.1");
	ALLOWED(acl, "192.168.0.9");
	dst_acl_free(acl);
}
END_TEST

START_TEST(test_wildcard_and_public_listeners_add_nothing)
{
	struct dst_acl *acl = DEFAULT_ACL("0.0.0.0", "::", "203.0.113.5", "2001:db8::53",
					  "172.32.0.1", "169.254.1.1", "fe80::1");
	char buf[256];

	ck_assert_str_eq(dst_acl_describe(acl, buf, sizeof buf),
			 "allow 127.0.0.0/8, allow ::1/128");
	REFUSED(acl, "203.0.113.6");
	REFUSED(acl, "192.168.1.1");
	dst_acl_free(acl);
}
END_TEST

START_TEST(test_describe_lists_most_specific_first_without_repeats)
{
	struct dst_acl *acl = DEFAULT_ACL("192.168.1.1", "192.168.2.1", "127.0.0.1", "fd00::53");
	char buf[256], small[20];

	ck_assert_str_eq(dst_acl_describe(acl, buf, sizeof buf),
			 "allow 192.168.0.0/16, allow 127.0.0.0/8, allow ::1/128, allow fc00::/7");
	ck_assert_str_eq(dst_acl_describe(acl, small, sizeof small), "allow 192.168.0.0/1");
	dst_acl_free(acl);

	acl = ACL("allow 10.0.0.0/8", "deny 10.0.0.0/8");
	ck_assert_str_eq(dst_acl_describe(acl, buf, sizeof buf),
			 "deny 10.0.0.0/8, allow 10.0.0.0/8");
	dst_acl_free(acl);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Rate limiting                                                       */
/* ------------------------------------------------------------------ */

#define SEED 0x0123456789abcdefULL

static struct dst_ratelimit *limiter(uint32_t rate, uint32_t burst, size_t slots)
{
	struct dst_ratelimit *rl = NULL;

	ck_assert_int_eq(dst_ratelimit_new(rate, burst, slots, SEED, &rl), 0);
	return rl;
}

/* How many of n queries from ip at now_ms are within the limit. */
static unsigned takes(struct dst_ratelimit *rl, const char *ip, unsigned n, uint64_t now_ms)
{
	unsigned ok = 0;

	for (unsigned i = 0; i < n; i++)
		ok += dst_ratelimit_take(rl, client(ip), now_ms);
	return ok;
}

START_TEST(test_new_client_gets_a_full_burst)
{
	struct dst_ratelimit *rl = limiter(5, 0, 64);

	ck_assert_uint_eq(takes(rl, "192.0.2.1", 20, 1000), 5);
	dst_ratelimit_free(rl);
	rl = limiter(5, 12, 64);
	ck_assert_uint_eq(takes(rl, "192.0.2.1", 20, 1000), 12);
	dst_ratelimit_free(rl);
}
END_TEST

START_TEST(test_tokens_come_back_at_the_rate)
{
	struct dst_ratelimit *rl = limiter(10, 0, 64);

	ck_assert_uint_eq(takes(rl, "192.0.2.1", 10, 0), 10);
	ck_assert_uint_eq(takes(rl, "192.0.2.1", 1, 99), 0);
	ck_assert_uint_eq(takes(rl, "192.0.2.1", 5, 100), 1);
	ck_assert_uint_eq(takes(rl, "192.0.2.1", 20, 600), 5);
	ck_assert_uint_eq(takes(rl, "192.0.2.1", 20, 5000), 10);
	dst_ratelimit_free(rl);
}
END_TEST

START_TEST(test_small_steps_add_up_to_a_token)
{
	struct dst_ratelimit *rl = limiter(1, 0, 64);
	unsigned ok = 0;

	ck_assert_uint_eq(takes(rl, "192.0.2.1", 2, 0), 1);
	/* A query every 100 ms: each adds a tenth of a token, none may be lost. */
	for (uint64_t t = 100; t <= 2000; t += 100)
		ok += takes(rl, "192.0.2.1", 1, t);
	ck_assert_uint_eq(ok, 2);
	dst_ratelimit_free(rl);
}
END_TEST

START_TEST(test_bucket_never_holds_more_than_the_burst)
{
	/* The highest rate, a long pause, a small bucket: no overflow, just full. */
	struct dst_ratelimit *rl = limiter(4294967, 2, 64);

	ck_assert_uint_eq(takes(rl, "192.0.2.1", 5, 0), 2);
	ck_assert_uint_eq(takes(rl, "192.0.2.1", 5, UINT64_C(1) << 60), 2);
	ck_assert_uint_eq(takes(rl, "192.0.2.1", 5, (UINT64_C(1) << 60) + 1), 2);
	dst_ratelimit_free(rl);
	rl = limiter(1000, 0, 64);
	ck_assert_uint_eq(takes(rl, "192.0.2.1", 1, 0), 1);
	ck_assert_uint_eq(takes(rl, "192.0.2.1", 1500, UINT64_C(1) << 40), 1000);
	dst_ratelimit_free(rl);
	rl = limiter(3, 0, 64);
	ck_assert_uint_eq(takes(rl, "192.0.2.1", 1, 0), 1);
	ck_assert_uint_eq(takes(rl, "192.0.2.1", 10, 3600 * 1000), 3);
	dst_ratelimit_free(rl);
}
END_TEST

START_TEST(test_clock_going_backwards_adds_nothing)
{
	struct dst_ratelimit *rl = limiter(2, 0, 64);

	ck_assert_uint_eq(takes(rl, "192.0.2.1", 5, 10000), 2);
	ck_assert_uint_eq(takes(rl, "192.0.2.1", 5, 5000), 0);
	ck_assert_uint_eq(takes(rl, "192.0.2.1", 5, 10500), 1);
	dst_ratelimit_free(rl);
}
END_TEST

START_TEST(test_clients_have_their_own_buckets)
{
	struct dst_ratelimit *rl = limiter(3, 0, 64);

	ck_assert_uint_eq(takes(rl, "192.0.2.1", 10, 0), 3);
	ck_assert_uint_eq(takes(rl, "192.0.2.2", 10, 0), 3);
	ck_assert_uint_eq(takes(rl, "2001:db8::1", 10, 0), 3);
	ck_assert_uint_eq(takes(rl, "192.0.2.1", 10, 0), 0);
	dst_ratelimit_free(rl);
}
END_TEST

START_TEST(test_ipv6_clients_share_a_bucket_per_64)
{
	struct dst_ratelimit *rl = limiter(4, 0, 64);

	ck_assert_uint_eq(takes(rl, "2001:db8:1:2::1", 2, 0), 2);
	ck_assert_uint_eq(takes(rl, "2001:db8:1:2:ffff:ffff:ffff:ffff", 10, 0), 2);
	ck_assert_uint_eq(takes(rl, "2001:db8:1:3::1", 10, 0), 4);
	dst_ratelimit_free(rl);
}
END_TEST

START_TEST(test_mapped_client_shares_its_ipv4_bucket)
{
	struct dst_ratelimit *rl = limiter(4, 0, 64);

	ck_assert_uint_eq(takes(rl, "192.0.2.1", 3, 0), 3);
	ck_assert_uint_eq(takes(rl, "::ffff:192.0.2.1", 10, 0), 1);
	/* ::/64 holds ::ffff:0:0/96, but as a /64 key it is its own client. */
	ck_assert_uint_eq(takes(rl, "::1", 10, 0), 4);
	dst_ratelimit_free(rl);
}
END_TEST

START_TEST(test_table_is_bounded_and_forgets_the_least_recently_seen)
{
	/* 4 slots: one set, so every client competes for the same slots. */
	struct dst_ratelimit *rl = limiter(1, 0, 4);
	const char *ips[] = {"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"};

	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(takes(rl, ips[i], 3, (uint64_t)i), 1);
	/* All four are tracked and limited; .1 is seen again, so .2 is now the oldest. */
	ck_assert_uint_eq(takes(rl, ips[0], 1, 10), 0);
	ck_assert_uint_eq(takes(rl, "192.0.2.5", 3, 11), 1);
	/* .5 took .2's slot: .2 comes back as new, with a full bucket (1); the
	 * others are still remembered and limited. */
	ck_assert_uint_eq(takes(rl, ips[2], 1, 12), 0);
	ck_assert_uint_eq(takes(rl, ips[3], 1, 13), 0);
	ck_assert_uint_eq(takes(rl, ips[0], 1, 14), 0);
	ck_assert_uint_eq(takes(rl, ips[1], 3, 15), 1);
	dst_ratelimit_free(rl);
}
END_TEST

START_TEST(test_many_clients_fit_the_default_table)
{
	struct dst_ratelimit *rl = limiter(1, 0, DST_RATELIMIT_SLOTS);
	char ip[32];
	unsigned ok = 0, limited = 0;

	/*
	 * A quarter of the table's size in clients: unless the hash piles
	 * them into a few sets, nearly all are remembered (a forgotten client
	 * is answered again, as new).
	 */
	for (int i = 0; i < DST_RATELIMIT_SLOTS / 4; i++) {
		snprintf(ip, sizeof ip, "10.%d.%d.1", i / 256, i % 256);
		ok += takes(rl, ip, 1, 0);
	}
	for (int i = 0; i < DST_RATELIMIT_SLOTS / 4; i++) {
		snprintf(ip, sizeof ip, "10.%d.%d.1", i / 256, i % 256);
		limited += !takes(rl, ip, 1, 1);
	}
	ck_assert_uint_eq(ok, DST_RATELIMIT_SLOTS / 4);
	ck_assert_uint_gt(limited, DST_RATELIMIT_SLOTS / 4 * 95 / 100);
	dst_ratelimit_free(rl);
}
END_TEST

START_TEST(test_other_families_are_not_limited)
{
	struct dst_ratelimit *rl = limiter(1, 0, 64);
	struct sockaddr_un un = {.sun_family = AF_UNIX};

	for (int i = 0; i < 5; i++)
		ck_assert(dst_ratelimit_take(rl, (const struct sockaddr *)&un, 0));
	dst_ratelimit_free(rl);
}
END_TEST

START_TEST(test_bad_limiter_parameters_are_einval)
{
	struct dst_ratelimit *rl = NULL;

	ck_assert_int_eq(dst_ratelimit_new(0, 0, 64, SEED, &rl), DST_EINVAL);
	ck_assert_int_eq(dst_ratelimit_new(5000000, 0, 64, SEED, &rl), DST_EINVAL);
	ck_assert_int_eq(dst_ratelimit_new(5, 5000000, 64, SEED, &rl), DST_EINVAL);
	ck_assert_int_eq(dst_ratelimit_new(5, 0, 0, SEED, &rl), DST_EINVAL);
	ck_assert_ptr_null(rl);
	dst_ratelimit_free(NULL);
	dst_acl_free(NULL);
}
END_TEST

/* ------------------------------------------------------------------ */

static Suite *acl_suite(void)
{
	Suite *s = suite_create("acl");
	TCase *tc = tcase_create("matching");
	tcase_add_test(tc, test_most_specific_entry_wins);
	tcase_add_test(tc, test_file_order_does_not_matter);
	tcase_add_test(tc, test_deny_wins_at_equal_prefix_length);
	tcase_add_test(tc, test_single_host_entry_refuses_its_neighbours);
	tcase_add_test(tc, test_zero_prefix_matches_its_whole_family_only);
	tcase_add_test(tc, test_ipv6_prefixes_match_bit_by_bit);
	tcase_add_test(tc, test_odd_ipv4_prefixes_match_bit_by_bit);
	tcase_add_test(tc, test_mapped_clients_are_matched_as_ipv4);
	tcase_add_test(tc, test_mapped_entries_are_ipv4_entries);
	tcase_add_test(tc, test_other_address_families_are_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("default list");
	tcase_add_test(tc, test_default_is_loopback_only);
	tcase_add_test(tc, test_default_without_listeners_is_loopback);
	tcase_add_test(tc, test_default_adds_each_private_listener_range);
	tcase_add_test(tc, test_wildcard_and_public_listeners_add_nothing);
	tcase_add_test(tc, test_describe_lists_most_specific_first_without_repeats);
	suite_add_tcase(s, tc);

	tc = tcase_create("ratelimit");
	tcase_add_test(tc, test_new_client_gets_a_full_burst);
	tcase_add_test(tc, test_tokens_come_back_at_the_rate);
	tcase_add_test(tc, test_small_steps_add_up_to_a_token);
	tcase_add_test(tc, test_bucket_never_holds_more_than_the_burst);
	tcase_add_test(tc, test_clock_going_backwards_adds_nothing);
	tcase_add_test(tc, test_clients_have_their_own_buckets);
	tcase_add_test(tc, test_ipv6_clients_share_a_bucket_per_64);
	tcase_add_test(tc, test_mapped_client_shares_its_ipv4_bucket);
	tcase_add_test(tc, test_table_is_bounded_and_forgets_the_least_recently_seen);
	tcase_add_test(tc, test_many_clients_fit_the_default_table);
	tcase_add_test(tc, test_other_families_are_not_limited);
	tcase_add_test(tc, test_bad_limiter_parameters_are_einval);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(acl_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
