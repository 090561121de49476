/*
 * config/ unit tests for the DNSSEC keys: [server] dnssec, trust-anchor and
 * trust-anchor-file, [zone NAME] dnssec, what dst_config_zone_validates
 * makes of them, and how dst_config_print shows them. Part of check_config.
 *
 * The build decides the default and whether validate is allowed at all
 * (DST_DNSSEC in the build's config.h): the tests that depend on it check
 * the side this build is on, so `./configure --disable-dnssec && make
 * check` covers the other.
 */
#include <config.h> /* the build's: DST_DNSSEC */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "tests/unit/config_test_util.h"

#define DS_2017 ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"
#define DS_2024 ". IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16"
#define PLAIN "[upstream office]\naddress = 10.8.0.1\ntransport = dns\n"
#define PLAIN_2 "[upstream office2]\naddress = 10.8.0.2\ntransport = dns\n"
#define TLS_Z "[upstream corpdot]\naddress = 10.8.0.3\ntls-name = dns.corp.example\n"
#define NOT_BUILT                                                                      \
	"validate is not available: this dotstub was built without DNSSEC validation " \
	"(./configure --disable-dnssec); expected off"

START_TEST(test_defaults_follow_the_build)
{
	struct dst_config *cfg = parse_ok(UP "[zone lan]\n"), *def = NULL;

	ck_assert(cfg->dnssec_validate == (DST_DNSSEC != 0));
	ck_assert_uint_eq(cfg->ntrust_anchors, 0);
	ck_assert_ptr_null(cfg->trust_anchors);
	ck_assert_ptr_null(cfg->trust_anchor_file);
	ck_assert_uint_eq(cfg->trust_anchor_file_line, 0);
	ck_assert_uint_eq(cfg->zones[0].dnssec, DST_CONFIG_ZONE_DNSSEC_INHERIT);
	ck_assert_int_eq(dst_config_default(&def), 0);
	ck_assert(def->dnssec_validate == (DST_DNSSEC != 0));
	dst_config_free(def);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_server_dnssec_off_and_validate)
{
	struct dst_config *cfg = line_ok("server", "dnssec = off");

	ck_assert(!cfg->dnssec_validate);
	dst_config_free(cfg);
#if DST_DNSSEC
	cfg = line_ok("server", "dnssec = validate");
	ck_assert(cfg->dnssec_validate);
	dst_config_free(cfg);
#else
	expect_line_error("server", "dnssec = validate", "dnssec: " NOT_BUILT);
#endif
}
END_TEST

START_TEST(test_dnssec_bad_values)
{
	expect_line_error("server", "dnssec = yes",
			  "dnssec: expected validate or off, got \"yes\"");
	teardown();
	/* Words are case-sensitive, as every choice is. */
	expect_line_error("server", "dnssec = Validate",
			  "dnssec: expected validate or off, got \"Validate\"");
	teardown();
	expect_line_error("server", "dnssec =", "dnssec: missing value; expected validate or off");
	teardown();
	expect_errors("[server]\ndnssec = off\ndnssec = off\n" UP,
		      FILE_NAME ":3: dnssec: already set at line 2; it may appear only once per "
				"section");
	teardown();
	expect_errors(UP "[zone lan]\ndnssec = inherit\n",
		      FILE_NAME ":5: dnssec: expected off or validate, got \"inherit\"");
	teardown();
	/* It belongs in [server] or [zone], not in an upstream. */
	expect_errors("[upstream v]\naddress = 192.0.2.9\ntls-name = a.example\ndnssec = off\n",
		      FILE_NAME ":4: unknown key \"dnssec\" in [upstream v] (it belongs in "
				"[server]); expected address, host, tls-name, pin-sha256, "
				"ca-file, max-connections, max-inflight, idle-timeout or "
				"transport");
}
END_TEST

START_TEST(test_trust_anchors_keep_text_and_line)
{
	struct dst_config *cfg = parse_ok("[server]\ntrust-anchor = " DS_2017 "\n# the next key\n"
					  "trust-anchor =   " DS_2024 "   # a comment\n" UP);

	ck_assert_uint_eq(cfg->ntrust_anchors, 2);
	ck_assert_str_eq(cfg->trust_anchors[0].text, DS_2017);
	ck_assert_uint_eq(cfg->trust_anchors[0].line, 2);
	ck_assert_str_eq(cfg->trust_anchors[1].text, DS_2024);
	ck_assert_uint_eq(cfg->trust_anchors[1].line, 4);
	ck_assert_ptr_null(cfg->trust_anchor_file);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_trust_anchor_errors)
{
	char *text;

	expect_errors("[server]\ntrust-anchor = " DS_2017 "\ntrust-anchor = " DS_2017 "\n" UP,
		      FILE_NAME ":3: trust-anchor: \". IN DS 20326 8 2 "
				"E06D44B80B8F1D39A95C0B0D7C65D08458E880409B...\" is listed twice "
				"(first at line 2)");
	teardown();
	expect_line_error("server", "trust-anchor =",
			  "trust-anchor: missing value; expected a DS or DNSKEY record like . IN "
			  "DS 20326 8 2 E06D44B8...");
	teardown();
	text = many_lines("[server]\n", "trust-anchor = example%d. IN DS %d 8 2 00\n", 65, UP);
	expect_errors(text, FILE_NAME ":66: trust-anchor: more than 64 in one section");
	free(text);
}
END_TEST

START_TEST(test_trust_anchor_file)
{
	struct dst_config *cfg =
		parse_ok("[server]\n\ntrust-anchor-file = /etc/dotstub/root.ds\n" UP);

	ck_assert_str_eq(cfg->trust_anchor_file, "/etc/dotstub/root.ds");
	ck_assert_uint_eq(cfg->trust_anchor_file_line, 3);
	ck_assert_uint_eq(cfg->ntrust_anchors, 0);
	dst_config_free(cfg);
	/* Both: the records of each (resolver/trust.c adds them up). */
	cfg = parse_ok("[server]\ntrust-anchor = " DS_2017 "\ntrust-anchor-file = /a.ds\n" UP);
	ck_assert_uint_eq(cfg->ntrust_anchors, 1);
	ck_assert_str_eq(cfg->trust_anchor_file, "/a.ds");
	ck_assert_uint_eq(cfg->trust_anchor_file_line, 3);
	dst_config_free(cfg);

	expect_line_error("server", "trust-anchor-file = root.ds",
			  "trust-anchor-file: expected a file path like /etc/dotstub/root.ds, got "
			  "\"root.ds\" (not an absolute path)");
	teardown();
	expect_errors("[server]\ntrust-anchor-file = /a.ds\ntrust-anchor-file = /b.ds\n" UP,
		      FILE_NAME ":3: trust-anchor-file: already set at line 2; it may appear "
				"only once per section");
}
END_TEST

START_TEST(test_zone_dnssec_values)
{
	struct dst_config *cfg = parse_ok(UP "[zone a.example]\ndnssec = off\n"
					     "[zone b.example]\n"
					     "[zone c.example]\naction = nxdomain\ndnssec = off\n");

	ck_assert_uint_eq(cfg->zones[0].dnssec, DST_CONFIG_ZONE_DNSSEC_OFF);
	ck_assert_uint_eq(cfg->zones[1].dnssec, DST_CONFIG_ZONE_DNSSEC_INHERIT);
	ck_assert_uint_eq(cfg->zones[2].dnssec, DST_CONFIG_ZONE_DNSSEC_OFF);
	dst_config_free(cfg);
#if DST_DNSSEC
	cfg = parse_ok(UP PLAIN "[zone corp.example]\nupstream = office\ndnssec = validate\n");
	ck_assert_uint_eq(cfg->zones[0].dnssec, DST_CONFIG_ZONE_DNSSEC_VALIDATE);
	dst_config_free(cfg);
#else
	expect_errors(UP PLAIN "[zone corp.example]\nupstream = office\ndnssec = validate\n",
		      FILE_NAME ":9: dnssec: " NOT_BUILT);
#endif
}
END_TEST

/* A negative trust anchor alone changes no route: the names keep the default upstreams. */
START_TEST(test_zone_with_only_dnssec_off_keeps_the_default_upstreams)
{
	struct dst_config *cfg = parse_ok(UP UP_B "[zone broken.example]\ndnssec = off\n");

	ck_assert_uint_eq(cfg->nzones, 1);
	ck_assert_uint_eq(cfg->zones[0].action, DST_CONFIG_ZONE_FORWARD);
	ck_assert_uint_eq(cfg->zones[0].nupstreams, 0);
	ck_assert(!cfg->upstreams[0].zoned);
	ck_assert(!cfg->upstreams[1].zoned);
	ck_assert(!dst_config_zone_validates(cfg, 0));
	dst_config_free(cfg);
}
END_TEST

/* A zone that does not say takes its setting from the zones around it. */
START_TEST(test_nested_zones_inherit_private_names_and_negative_trust_anchors)
{
	/*
	 * 0 corp (plain: private), 1 lab.corp (nothing of its own: private too),
	 * 2 broken (off), 3 tls.broken (own DoT upstream, under the anchor: off),
	 * 4 fixed.broken (validate), 5 deep.fixed.broken (as 4), 6 x.broken (as 2).
	 */
	const char *zones = "[zone corp.example]\nupstream = office\n"
			    "[zone lab.corp.example]\n"
			    "[zone broken.example]\ndnssec = off\n"
			    "[zone tls.broken.example]\nupstream = corpdot\n"
			    "[zone fixed.broken.example]\ndnssec = validate\n"
			    "[zone deep.fixed.broken.example]\n"
			    "[zone x.broken.example]\n";
	static const bool on[] = {false, false, false, false, true, true, false};

#if DST_DNSSEC
	struct dst_config *cfg = parse_ok(fmt("%s" UP PLAIN TLS_Z, zones));
	ck_assert_uint_eq(cfg->nzones, 7);
	for (uint32_t i = 0; i < 7; i++)
		ck_assert_msg(dst_config_zone_validates(cfg, i) == on[i], "zone %u (%s)", i,
			      cfg->zones[i].name);
	dst_config_free(cfg);
#else
	(void)zones;
	(void)on;
#endif
}
END_TEST

START_TEST(test_zone_validates_follows_server_zone_and_transport)
{
	/*
	 * Zones: 0 plain only, 1 plain only but validate, 2 plain and TLS,
	 * 3 TLS only, 4 off, 5 default upstreams, 6 off over plain only,
	 * 7 two plain upstreams.
	 */
	const char *zones = "[zone corp.example]\nupstream = office\n"
			    "[zone signed.corp.example]\nupstream = office\ndnssec = %s\n"
			    "[zone mixed.example]\nupstream = office\nupstream = corpdot\n"
			    "[zone dot.corp.example]\nupstream = corpdot\n"
			    "[zone broken.example]\ndnssec = off\n"
			    "[zone lan]\n"
			    "[zone 10.in-addr.arpa]\nupstream = office\ndnssec = off\n"
			    "[zone two.example]\nupstream = office\nupstream = office2\n";
	static const bool on[] = {false, true, true, true, false, true, false, false};
	struct dst_config *cfg;

#if DST_DNSSEC
	cfg = parse_ok(fmt("%s" UP PLAIN PLAIN_2 TLS_Z, fmt(zones, "validate")));
	ck_assert(cfg->dnssec_validate);
	ck_assert_uint_eq(cfg->nzones, 8);
	for (uint32_t i = 0; i < 8; i++)
		ck_assert_msg(dst_config_zone_validates(cfg, i) == on[i], "zone %u (%s)", i,
			      cfg->zones[i].name);
	/* Names under no zone: validated. */
	ck_assert(dst_config_zone_validates(cfg, 8));
	ck_assert(dst_config_zone_validates(cfg, UINT32_MAX));
	dst_config_free(cfg);
#else
	(void)on;
#endif
	/* [server] dnssec = off: nothing is, whatever a zone says. */
	cfg = parse_ok(fmt("[server]\ndnssec = off\n%s" UP PLAIN PLAIN_2 TLS_Z,
			   fmt(zones, DST_DNSSEC ? "validate" : "off")));
	for (uint32_t i = 0; i < 8; i++)
		ck_assert(!dst_config_zone_validates(cfg, i));
	ck_assert(!dst_config_zone_validates(cfg, UINT32_MAX));
	dst_config_free(cfg);
}
END_TEST

static char *printed;
static size_t printed_len;

static void collect_printed(void *arg, const char *line)
{
	size_t n = strlen(line);
	char *grown = realloc(printed, printed_len + n + 2);

	(void)arg;
	ck_assert_ptr_nonnull(grown);
	printed = grown;
	memcpy(printed + printed_len, line, n);
	printed_len += n;
	printed[printed_len++] = '\n';
	printed[printed_len] = '\0';
}

static const char *print_cfg(const struct dst_config *cfg)
{
	free(printed);
	printed = NULL;
	printed_len = 0;
	ck_assert_int_eq(dst_config_print(cfg, collect_printed, NULL), 0);
	ck_assert_ptr_nonnull(printed);
	return printed;
}

/* Whether text has a line that starts with start and has rest after the padding. */
static bool has(const char *text, const char *start, const char *rest)
{
	for (const char *l = text; *l;) {
		const char *nl = strchr(l, '\n'), *r;
		size_t len = nl ? (size_t)(nl - l) : strlen(l);

		if (strncmp(l, start, strlen(start)) == 0) {
			for (r = l + strlen(start); *r == ' '; r++)
				;
			if (strncmp(r, rest, strlen(rest)) == 0 &&
			    (size_t)(r - l) + strlen(rest) == len)
				return true;
		}
		l += len + (nl != NULL);
	}
	return false;
}

START_TEST(test_print_shows_the_dnssec_keys)
{
	struct dst_config *cfg, *again = NULL;
	const char *text;

	ck_assert_int_eq(dst_config_default(&cfg), 0);
	text = print_cfg(cfg);
	ck_assert_msg(has(text, DST_DNSSEC ? "dnssec = validate" : "dnssec = off", "# default"),
		      "%s", text);
	/* The built-in anchors, which only a validating build uses. */
	ck_assert_msg(has(text,
			  DST_DNSSEC ? "# trust-anchor = (none: the root's KSK-2017 20326 and "
				       "KSK-2024 38696, compiled in)"
				     : "# trust-anchor = (none: dnssec = off)",
			  "# default"),
		      "%s", text);
	ck_assert(has(text, "# trust-anchor-file = (not set)", "# default"));
	dst_config_free(cfg);

	cfg = parse_ok("[server]\ndnssec = off\ntrust-anchor = " DS_2017
		       "\ntrust-anchor-file = /etc/dotstub/root.ds\n" UP PLAIN
		       "[zone corp.example]\nupstream = office\n[zone x.example]\ndnssec = off\n");
	text = print_cfg(cfg);
	ck_assert(has(text, "dnssec = off", "# " FILE_NAME ":2"));
	ck_assert(has(text, "trust-anchor = " DS_2017, "# " FILE_NAME ":3"));
	ck_assert(has(text, "trust-anchor-file = /etc/dotstub/root.ds", "# " FILE_NAME ":4"));
	ck_assert_msg(has(text, "# dnssec = (not set: not validated, as [server] dnssec = off)",
			  "# default"),
		      "%s", text);
	ck_assert(has(text, "dnssec = off", "# " FILE_NAME ":14"));
	/* The print parses back to the same settings. */
	ck_assert_int_eq(
		dst_config_parse("printed.conf", text, strlen(text), &again, collect, NULL), 0);
	ck_assert(!again->dnssec_validate);
	ck_assert_uint_eq(again->ntrust_anchors, 1);
	ck_assert_str_eq(again->trust_anchors[0].text, DS_2017);
	ck_assert_str_eq(again->trust_anchor_file, "/etc/dotstub/root.ds");
	ck_assert_uint_eq(again->zones[0].dnssec, DST_CONFIG_ZONE_DNSSEC_INHERIT);
	ck_assert_uint_eq(again->zones[1].dnssec, DST_CONFIG_ZONE_DNSSEC_OFF);
	dst_config_free(again);
	dst_config_free(cfg);

#if DST_DNSSEC
	cfg = parse_ok("[server]\ntrust-anchor-file = /a.ds\n" UP PLAIN
		       "[zone corp.example]\nupstream = office\n[zone lan]\n"
		       "[zone signed.corp.example]\nupstream = office\ndnssec = validate\n");
	text = print_cfg(cfg);
	ck_assert(has(text, "# trust-anchor = (none: the records of trust-anchor-file)",
		      "# default"));
	ck_assert_msg(has(text,
			  "# dnssec = (not set: not validated, as every upstream of the zone "
			  "has transport = dns)",
			  "# default"),
		      "%s", text);
	ck_assert(has(text, "# dnssec = (not set: validated, as [server] dnssec = validate)",
		      "# default"));
	ck_assert(has(text, "dnssec = validate", "# " FILE_NAME ":14"));
	dst_config_free(cfg);
#endif
	free(printed);
	printed = NULL;
}
END_TEST

TCase *config_tcase_dnssec(void)
{
	TCase *tc = tcase("dnssec");

	tcase_add_test(tc, test_defaults_follow_the_build);
	tcase_add_test(tc, test_server_dnssec_off_and_validate);
	tcase_add_test(tc, test_dnssec_bad_values);
	tcase_add_test(tc, test_trust_anchors_keep_text_and_line);
	tcase_add_test(tc, test_trust_anchor_errors);
	tcase_add_test(tc, test_trust_anchor_file);
	tcase_add_test(tc, test_zone_dnssec_values);
	tcase_add_test(tc, test_zone_with_only_dnssec_off_keeps_the_default_upstreams);
	tcase_add_test(tc, test_zone_validates_follows_server_zone_and_transport);
	tcase_add_test(tc, test_nested_zones_inherit_private_names_and_negative_trust_anchors);
	tcase_add_test(tc, test_print_shows_the_dnssec_keys);
	return tc;
}
