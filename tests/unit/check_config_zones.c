/*
 * config/ unit tests for [zone NAME] sections and transport = dns
 * upstreams: names in canonical form, upstream names resolved to indexes,
 * the default port of plain DNS, and the errors that keep clear text to
 * the domains a user named. Part of check_config.
 */
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "tests/unit/config_test_util.h"

#define PLAIN "[upstream office]\naddress = 10.8.0.1\ntransport = dns\n"

START_TEST(test_zone_names_are_canonical_and_routes_resolved)
{
	struct dst_config *cfg =
		parse_ok(UP PLAIN "[zone Corp.EXAMPLE]\nupstream = office\n"
				  "[zone 168.192.in-addr.arpa.]\nupstream = office\n"
				  "upstream = u\n" UP_B);
	static const uint8_t corp[] = "\x04"
				      "corp\x07"
				      "example";

	ck_assert_uint_eq(cfg->nzones, 2);
	ck_assert_str_eq(cfg->zones[0].name, "corp.example.");
	ck_assert_uint_eq(cfg->zones[0].wire_len, sizeof corp);
	ck_assert_mem_eq(cfg->zones[0].wire, corp, sizeof corp);
	ck_assert_uint_eq(cfg->zones[0].line, 7);
	ck_assert_uint_eq(cfg->zones[0].action, DST_CONFIG_ZONE_FORWARD);
	ck_assert_uint_eq(cfg->zones[0].nupstreams, 1);
	ck_assert_uint_eq(cfg->zones[0].upstreams[0], 1);
	ck_assert_str_eq(cfg->zones[1].name, "168.192.in-addr.arpa.");
	ck_assert_uint_eq(cfg->zones[1].nupstreams, 2);
	ck_assert_uint_eq(cfg->zones[1].upstreams[0], 1);
	ck_assert_uint_eq(cfg->zones[1].upstreams[1], 0);
	/* Named by a zone: out of the default set, even the TLS one. */
	ck_assert(cfg->upstreams[1].zoned);
	ck_assert(cfg->upstreams[0].zoned);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_zone_actions_and_settings_only_zones)
{
	struct dst_config *cfg = parse_ok(UP "[zone ads.example]\naction = nxdomain\n"
					     "[zone bad.example]\naction = refuse\n[zone lan]\n");

	ck_assert_uint_eq(cfg->nzones, 3);
	ck_assert_uint_eq(cfg->zones[0].action, DST_CONFIG_ZONE_NXDOMAIN);
	ck_assert_uint_eq(cfg->zones[1].action, DST_CONFIG_ZONE_REFUSE);
	ck_assert_uint_eq(cfg->zones[2].action, DST_CONFIG_ZONE_FORWARD);
	ck_assert_uint_eq(cfg->zones[2].nupstreams, 0);
	ck_assert(!cfg->upstreams[0].zoned);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_root_zone_is_a_zone)
{
	struct dst_config *cfg = parse_ok(UP "[zone .]\nupstream = u\n");

	ck_assert_str_eq(cfg->zones[0].name, ".");
	ck_assert_uint_eq(cfg->zones[0].wire_len, 1);
	dst_config_free(cfg);
}
END_TEST

static uint16_t port_of(const struct dst_config_addr *a)
{
	return ntohs(((const struct sockaddr_in *)(const void *)&a->ss)->sin_port);
}

START_TEST(test_plain_dns_upstream_without_a_port_uses_the_dns_port)
{
	struct dst_config *cfg = parse_ok(UP "[upstream office]\naddress = 10.8.0.1\n"
					     "address = 10.8.0.2:5353\naddress = fd00::53\n"
					     "address = [fd00::54]:853\ntransport = dns\n"
					     "[zone corp.example]\nupstream = office\n");
	const struct dst_config_upstream *o = &cfg->upstreams[1];

	ck_assert_uint_eq(o->transport, DST_CONFIG_TRANSPORT_DNS);
	ck_assert_uint_eq(o->naddrs, 4);
	ck_assert_str_eq(o->addrs[0].text, "10.8.0.1:53");
	ck_assert_uint_eq(port_of(&o->addrs[0]), 53);
	ck_assert_str_eq(o->addrs[1].text, "10.8.0.2:5353");
	ck_assert_uint_eq(port_of(&o->addrs[1]), 5353);
	ck_assert_str_eq(o->addrs[2].text, "[fd00::53]:53");
	ck_assert_uint_eq(port_of(&o->addrs[2]), 53);
	/* Written explicitly: kept, even 853. */
	ck_assert_str_eq(o->addrs[3].text, "[fd00::54]:853");
	/* TLS upstreams keep 853. */
	ck_assert_str_eq(cfg->upstreams[0].addrs[0].text, "192.0.2.1:853");
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_plain_upstream_no_zone_names_is_error)
{
	expect_errors(UP PLAIN, FILE_NAME
		      ":4: [upstream office] has transport = dns but no [zone] names it: "
		      "it would send queries in clear text; expected upstream = office in the "
		      "[zone] of the domains it serves");
	teardown();
	/* A zone with an action does not name it either. */
	expect_errors(UP PLAIN "[zone corp.example]\naction = refuse\n", FILE_NAME
		      ":4: [upstream office] has transport = dns but no [zone] names it: "
		      "it would send queries in clear text; expected upstream = office in the "
		      "[zone] of the domains it serves");
}
END_TEST

START_TEST(test_plain_upstream_takes_no_tls_settings)
{
	static const char *const lines[] = {"tls-name = dns.example", "pin-sha256 = " PIN_A,
					    "ca-file = /etc/ssl/ca.pem"};

	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		expect_errors(
			fmt(UP PLAIN "%s\n[zone corp.example]\nupstream = office\n", lines[i]),
			FILE_NAME ":4: [upstream office] has transport = dns, which takes no "
				  "TLS settings; expected only address (plain DNS has no TLS "
				  "to check)");
		teardown();
	}
	expect_errors(UP "[upstream office]\nhost = dns.example\ntransport = dns\n"
			 "[zone corp.example]\nupstream = office\n",
		      FILE_NAME
		      ":4: [upstream office] has transport = dns, which takes address, not "
		      "host; expected only address (plain DNS has no TLS to check)",
		      FILE_NAME ":4: [upstream office] has a host but [server] has no bootstrap "
				"server to resolve it; expected bootstrap = IP[:PORT]");
	teardown();
	expect_line_error("upstream", "transport = https",
			  "transport: expected tls or dns, got \"https\"");
}
END_TEST

START_TEST(test_zone_errors_name_their_line)
{
	expect_errors(
		UP "[zone x]\nupstream = nope\n[zone y]\nupstream = u\naction = refuse\n"
		   "[zone X.]\n[zone a..b]\n[zone]\n[zone lan]\nupstream = u\nupstream = u\n"
		   "upstream = bad/name\n" UP_B,
		FILE_NAME ":6: [zone y.] has both upstream and action = refuse; expected one of "
			  "them",
		FILE_NAME ":9: duplicate [zone x.] (first at line 4)",
		FILE_NAME ":10: zone name \"a..b\": expected a domain name like corp.example",
		FILE_NAME ":11: [zone] needs a domain name, like [zone corp.example] or [zone .]",
		FILE_NAME ":14: upstream: u is listed twice",
		FILE_NAME ":15: upstream: expected the name of an [upstream NAME] section, got "
			  "\"bad/name\" (not an upstream name)",
		FILE_NAME ":5: upstream: no [upstream nope] section");
}
END_TEST

START_TEST(test_every_upstream_zoned_needs_a_root_zone)
{
	expect_errors(UP "[zone lan]\nupstream = u\n", FILE_NAME
		      ":5: every upstream is named by a [zone]: names outside the zones "
		      "would have no upstream; expected an [upstream NAME] no zone names, or a "
		      "[zone .]");
}
END_TEST

static void add_line(void *arg, const char *line)
{
	char *buf = arg;

	strcat(buf, line);
	strcat(buf, "\n");
}

START_TEST(test_zones_print_and_parse_back)
{
	struct dst_config *a = parse_ok(UP PLAIN "[zone Corp.Example]\nupstream = office\n"
						 "[zone ads.example]\naction = nxdomain\n"),
			  *b;
	static char text[65536];

	text[0] = '\0';
	ck_assert_int_eq(dst_config_print(a, add_line, text), 0);
	ck_assert_ptr_nonnull(strstr(text, "[zone corp.example.]"));
	ck_assert_ptr_nonnull(strstr(text, "transport = dns"));
	b = parse_ok(text);
	ck_assert_uint_eq(b->nzones, 2);
	ck_assert_str_eq(b->zones[0].name, "corp.example.");
	ck_assert_uint_eq(b->zones[0].upstreams[0], 1);
	ck_assert_uint_eq(b->zones[1].action, DST_CONFIG_ZONE_NXDOMAIN);
	ck_assert_str_eq(b->upstreams[1].addrs[0].text, "10.8.0.1:53");
	ck_assert_uint_eq(b->upstreams[1].transport, DST_CONFIG_TRANSPORT_DNS);
	dst_config_free(a);
	dst_config_free(b);
}
END_TEST

TCase *config_tcase_zones(void)
{
	TCase *tc = tcase("zones and plain upstreams");

	tcase_add_test(tc, test_zone_names_are_canonical_and_routes_resolved);
	tcase_add_test(tc, test_zone_actions_and_settings_only_zones);
	tcase_add_test(tc, test_root_zone_is_a_zone);
	tcase_add_test(tc, test_plain_dns_upstream_without_a_port_uses_the_dns_port);
	tcase_add_test(tc, test_plain_upstream_no_zone_names_is_error);
	tcase_add_test(tc, test_plain_upstream_takes_no_tls_settings);
	tcase_add_test(tc, test_zone_errors_name_their_line);
	tcase_add_test(tc, test_every_upstream_zoned_needs_a_root_zone);
	tcase_add_test(tc, test_zones_print_and_parse_back);
	return tc;
}
