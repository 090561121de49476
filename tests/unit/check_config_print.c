/*
 * config/ unit tests for the effective configuration (dst_config_print):
 * every key shows, with where it came from; values print in a form that
 * parses back to the same value; and printing, parsing the output and
 * printing again gives the same lines and an equivalent struct. Part of
 * check_config.
 *
 * The round trip compares the two prints without their origin comments:
 * the second print's settings come from the first print's lines, so there
 * each setting's origin is "PRINTED:N", N being its own line number, which
 * is checked too.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "tests/unit/config_test_util.h"

#define PRINTED "printed.conf"

/* Every key, each list with two or three elements, values other than the defaults. */
static const char every_key[] = "[server]\n"                        /* 1 */
				"listen = 127.0.0.1:5353\n"         /* 2 */
				"listen = [::1]:5353\n"             /* 3 */
				"allow = 192.168.1.7/16\n"          /* 4 */
				"deny = 192.168.66.0/24\n"          /* 5 */
				"allow = fd00::/8\n"                /* 6 */
				"query-timeout = 1500ms\n"          /* 7 */
				"tcp-idle-timeout = 120\n"          /* 8 */
				"max-tcp-clients = 1000\n"          /* 9 */
				"max-tcp-pipeline = 7\n"            /* 10 */
				"max-pending = 100000\n"            /* 11 */
				"threads = 3\n"                     /* 12 */
				"ratelimit = 25\n"                  /* 13 */
				"ratelimit-action = truncate\n"     /* 14 */
				"ecs = pass\n"                      /* 15 */
				"user = dotstub\n"                  /* 16 */
				"chroot = /var/lib/dotstub\n"       /* 17 */
				"control = /run/dotstub/control\n"  /* 18 */
				"metrics = [::1]\n"                 /* 19 */
				"log = syslog\n"                    /* 20 */
				"log-level = info\n"                /* 21 */
				"log-queries = yes\n"               /* 22 */
				"strategy = round-robin\n"          /* 23 */
				"max-backoff = 90m\n"               /* 24 */
				"bootstrap = 192.0.2.53\n"          /* 25 */
				"bootstrap = [2001:db8::53]:5353\n" /* 26 */
				"[cache]\n"                         /* 27 */
				"size = 1536k\n"                    /* 28 */
				"min-ttl = 30\n"                    /* 29 */
				"max-ttl = 2147483647\n"            /* 30 */
				"negative-max-ttl = 2h\n"           /* 31 */
				"servfail-ttl = 0\n"                /* 32 */
				"serve-stale = 3d\n"                /* 33 */
				"stale-answer-timeout = 2500ms\n"   /* 34 */
				"prefetch = no\n"                   /* 35 */
				"[upstream pinned]\n"               /* 36 */
				"address = 192.0.2.1\n"             /* 37 */
				"address = [2001:db8::1]:8853\n"    /* 38 */
				"tls-name = DNS.Example.\n"         /* 39 */
				"pin-sha256 = " PIN_A "\n"          /* 40 */
				"pin-sha256 = " PIN_B "\n"          /* 41 */
				"ca-file = /etc/ssl/dot-ca.pem\n"   /* 42 */
				"max-connections = 5\n"             /* 43 */
				"max-inflight = 9\n"                /* 44 */
				"idle-timeout = 1h\n"               /* 45 */
				"[upstream named]\n"                /* 46 */
				"host = dot.example:8853\n";        /* 47 */

static char *out;
static size_t out_len, out_cap;

static void collect_line(void *arg, const char *line)
{
	size_t n = strlen(line);

	(void)arg;
	if (out_len + n + 2 > out_cap) {
		out_cap = (out_len + n + 2) * 2;
		out = realloc(out, out_cap);
		ck_assert_ptr_nonnull(out);
	}
	memcpy(out + out_len, line, n);
	out_len += n;
	out[out_len++] = '\n';
	out[out_len] = '\0';
}

/* The configuration as dst_config_print writes it; the caller frees it. */
static char *print(const struct dst_config *cfg)
{
	out = NULL;
	out_len = out_cap = 0;
	ck_assert_int_eq(dst_config_print(cfg, collect_line, NULL), 0);
	ck_assert_ptr_nonnull(out);
	return out;
}

/* Whether text has a line starting with start and ending with end. */
static bool has_line(const char *text, const char *start, const char *end)
{
	for (const char *l = text; *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);

		if (len >= strlen(start) + strlen(end) && strncmp(l, start, strlen(start)) == 0 &&
		    strncmp(l + len - strlen(end), end, strlen(end)) == 0)
			return true;
		l += len + (nl != NULL);
	}
	return false;
}

/* The text without its origins: each line cut at "  # " when it holds a setting. */
static char *without_origins(const char *text)
{
	char *s = strdup(text), *w = s;

	ck_assert_ptr_nonnull(s);
	for (const char *l = text; *l;) {
		const char *nl = strchr(l, '\n'), *c;
		size_t len = nl ? (size_t)(nl - l) : strlen(l);

		c = *l == '#' ? NULL : strstr(l, "  # ");
		if (c && c < l + len) {
			while (c > l && c[-1] == ' ')
				c--;
			len = (size_t)(c - l);
		}
		memcpy(w, l, len);
		w += len;
		*w++ = '\n';
		l += (nl ? (size_t)(nl - l) + 1 : strlen(l));
	}
	*w = '\0';
	return s;
}

/* The keys of a section, as the parser's unknown-key message lists them. */
static size_t section_keys(const char *head, char keys[][32], size_t max)
{
	char text[256], *list, *save = NULL;
	struct dst_config *cfg = NULL;
	size_t n = 0;

	snprintf(text, sizeof text, "%s\nzzz = 1\n%s", head,
		 strncmp(head, "[upstream", 9) == 0 ? "address = 192.0.2.1\ntls-name = a.b\n" : UP);
	ck_assert_int_eq(dst_config_parse(FILE_NAME, text, strlen(text), &cfg, collect, NULL),
			 DST_ECONFIG);
	ck_assert_uint_eq(nmsgs, 1);
	ck_assert_ptr_nonnull(list = strstr(msgs[0], "; expected "));
	list += strlen("; expected ");
	for (char *w = strtok_r(list, ", ", &save); w; w = strtok_r(NULL, ", ", &save)) {
		if (strcmp(w, "or") == 0)
			continue;
		ck_assert_uint_lt(n, max);
		snprintf(keys[n++], 32, "%s", w);
	}
	teardown();
	return n;
}

/* Field by field: everything but the file name, the lines and the origins. */
static void assert_equivalent(const struct dst_config *a, const struct dst_config *b)
{
#define SAME(f) ck_assert_msg(a->f == b->f, "%s differs", #f)
#define SAME_STR(x, y) \
	ck_assert_msg((!(x) && !(y)) || ((x) && (y) && strcmp(x, y) == 0), "%s differs", #x)
#define SAME_LIST(p, n) \
	ck_assert(a->n == b->n && (a->n == 0 || memcmp(a->p, b->p, a->n * sizeof a->p[0]) == 0))
	SAME_LIST(listen, nlisten);
	SAME_LIST(acl, nacl);
	SAME_LIST(bootstrap, nbootstrap);
	ck_assert(a->nblocklist == b->nblocklist && a->nallowlist == b->nallowlist);
	for (size_t i = 0; i < a->nblocklist; i++)
		SAME_STR(a->blocklist[i], b->blocklist[i]);
	for (size_t i = 0; i < a->nallowlist; i++)
		SAME_STR(a->allowlist[i], b->allowlist[i]);
	SAME(block_answer);
	SAME(dnssec_validate), SAME(ntrust_anchors);
	for (size_t i = 0; i < a->ntrust_anchors; i++)
		SAME_STR(a->trust_anchors[i].text, b->trust_anchors[i].text);
	SAME_STR(a->trust_anchor_file, b->trust_anchor_file);
	SAME(query_timeout_ms), SAME(tcp_idle_timeout_ms), SAME(ratelimit);
	SAME(ratelimit_action), SAME(ecs), SAME(max_tcp_clients), SAME(max_tcp_pipeline);
	SAME(max_pending), SAME(threads), SAME(strategy), SAME(max_backoff_ms), SAME(log);
	SAME(log_level), SAME(log_queries), SAME(cache_size), SAME(cache_min_ttl);
	SAME(cache_max_ttl), SAME(cache_negative_max_ttl), SAME(cache_servfail_ttl);
	SAME(cache_serve_stale_ms), SAME(cache_stale_timeout_ms), SAME(cache_prefetch);
	SAME_STR(a->user, b->user);
	SAME_STR(a->chroot, b->chroot);
	SAME_STR(a->control, b->control);
	ck_assert_mem_eq(&a->metrics, &b->metrics, sizeof a->metrics);
	SAME(nupstreams);
	for (size_t i = 0; i < a->nupstreams; i++) {
		const struct dst_config_upstream *x = &a->upstreams[i], *y = &b->upstreams[i];

		SAME_STR(x->name, y->name);
		SAME_STR(x->tls_name, y->tls_name);
		SAME_STR(x->ca_file, y->ca_file);
		SAME_STR(x->host, y->host);
		ck_assert(x->naddrs == y->naddrs &&
			  (!x->naddrs ||
			   !memcmp(x->addrs, y->addrs, x->naddrs * sizeof x->addrs[0])));
		ck_assert(x->npins == y->npins &&
			  (!x->npins || !memcmp(x->pins, y->pins, x->npins * sizeof x->pins[0])));
		ck_assert(x->max_connections == y->max_connections &&
			  x->max_inflight == y->max_inflight &&
			  x->idle_timeout_ms == y->idle_timeout_ms && x->host_port == y->host_port);
	}
#undef SAME
#undef SAME_STR
#undef SAME_LIST
}

/*
 * Prints cfg, parses the print as PRINTED, prints that: the same lines
 * apart from their origins, an equivalent struct, and each setting of the
 * second print comes from its own line of the first.
 */
static void assert_round_trip(const struct dst_config *cfg)
{
	char *first = print(cfg), *second, *a, *b, where[64];
	struct dst_config *again = NULL;
	unsigned n = 0;

	ck_assert_int_eq(dst_config_parse(PRINTED, first, strlen(first), &again, collect, NULL), 0);
	assert_equivalent(cfg, again);
	second = print(again);
	a = without_origins(first);
	b = without_origins(second);
	ck_assert_str_eq(a, b);
	for (const char *l = second; *l; l = strchr(l, '\n') + 1) {
		size_t len = (size_t)(strchr(l, '\n') - l);

		n++;
		/* Comments, blank lines and the [server] and [cache] headers have no origin. */
		if (*l == '#' || *l == '\n' || strncmp(l, "[server]\n", 9) == 0 ||
		    strncmp(l, "[cache]\n", 8) == 0)
			continue;
		snprintf(where, sizeof where, "  # " PRINTED ":%u\n", n);
		ck_assert_msg(strncmp(l + len + 1 - strlen(where), where, strlen(where)) == 0,
			      "line %u: %.*s", n, (int)len, l);
	}
	free(a);
	free(b);
	free(first);
	free(second);
	dst_config_free(again);
}

START_TEST(test_defaults_print_every_key_as_default)
{
	static const char *const heads[] = {"[server]", "[cache]", "[upstream v]"};
	struct dst_config *cfg = NULL;
	char keys[64][32], start[64], *text;

	ck_assert_int_eq(dst_config_default(&cfg), 0);
	text = print(cfg);
	for (size_t h = 0; h < 3; h++) {
		size_t n = section_keys(heads[h], keys, 64);

		ck_assert_uint_gt(n, 5);
		for (size_t i = 0; i < n; i++) {
			snprintf(start, sizeof start, "%s = ", keys[i]);
			if (!has_line(text, start, "  # default")) {
				snprintf(start, sizeof start, "# %s = (", keys[i]);
				ck_assert_msg(has_line(text, start, "  # default"),
					      "no line for %s:\n%s", keys[i], text);
			}
		}
	}
	ck_assert(has_line(text, "[upstream quad9]", "  # default"));
	ck_assert(has_line(text, "listen = 127.0.0.1:53 ", "  # default"));
	ck_assert(has_line(text, "# user = (not set", "  # default"));
	ck_assert_ptr_null(strstr(text, "built-in"));
	free(text);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_file_keys_carry_file_and_line)
{
	struct dst_config *cfg;
	char *text;

	cfg = parse_ok("# a comment\n[server]\nquery-timeout = 2s\n\n"
		       "listen = 127.0.0.1\nlisten = [::1]:5300\nbootstrap = 192.0.2.53\n"
		       "[upstream q]\naddress = 192.0.2.1\nhost = dot.example\n");
	text = print(cfg);
	ck_assert(has_line(text, "query-timeout = 2s ", "  # " FILE_NAME ":3"));
	ck_assert(has_line(text, "listen = 127.0.0.1:53 ", "  # " FILE_NAME ":5"));
	ck_assert(has_line(text, "listen = [::1]:5300 ", "  # " FILE_NAME ":6"));
	ck_assert(has_line(text, "bootstrap = 192.0.2.53:53 ", "  # " FILE_NAME ":7"));
	ck_assert(has_line(text, "[upstream q] ", "  # " FILE_NAME ":8"));
	ck_assert(has_line(text, "address = 192.0.2.1:853 ", "  # " FILE_NAME ":9"));
	ck_assert(has_line(text, "host = dot.example:853 ", "  # " FILE_NAME ":10"));
	/* The name checked is the host's, so it comes from the host line. */
	ck_assert(has_line(text, "tls-name = dot.example ", "  # " FILE_NAME ":10"));
	ck_assert(has_line(text, "tcp-idle-timeout = 10s ", "  # default"));
	ck_assert(has_line(text, "max-inflight = 128 ", "  # default"));
	free(text);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_default_listeners_of_a_file_are_default)
{
	struct dst_config *cfg = parse_ok("[server]\nthreads = 2\n" UP);
	char *text = print(cfg);

	ck_assert(has_line(text, "listen = 127.0.0.1:53 ", "  # default"));
	ck_assert(has_line(text, "listen = [::1]:53 ", "  # default"));
	ck_assert(has_line(text, "threads = 2 ", "  # " FILE_NAME ":2"));
	free(text);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_numbers_print_in_units_that_parse_back)
{
	static const struct {
		const char *section, *line, *printed;
	} cases[] = {
		{"server", "query-timeout = 1500ms", "query-timeout = 1500ms "},
		{"server", "query-timeout = 90", "query-timeout = 90s "},
		{"server", "query-timeout = 120000ms", "query-timeout = 2m "},
		{"server", "max-backoff = 86400s", "max-backoff = 1d "},
		{"server", "ratelimit = 20", "ratelimit = 20/s "},
		{"server", "ratelimit = 0", "ratelimit = 0 "},
		{"cache", "size = 1536k", "size = 1536k "},
		{"cache", "size = 1048576", "size = 1m "},
		{"cache", "size = 2g", "size = 2g "},
		{"cache", "size = 1000", "size = 1000 "},
		{"cache", "size = 0", "size = 0 "},
		{"cache", "min-ttl = 2m", "min-ttl = 2m "},
		{"cache", "max-ttl = 2147483647", "max-ttl = 2147483647s "},
		{"cache", "servfail-ttl = 0", "servfail-ttl = 0 "},
		{"cache", "stale-answer-timeout = 1s", "stale-answer-timeout = 1s "},
		{"upstream", "idle-timeout = 3600s", "idle-timeout = 1h "},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct dst_config *cfg = line_ok(cases[i].section, cases[i].line);
		char *text = print(cfg);

		ck_assert_msg(has_line(text, cases[i].printed, "  # " FILE_NAME ":2"),
			      "%s printed as:\n%s", cases[i].line, text);
		assert_round_trip(cfg);
		free(text);
		dst_config_free(cfg);
	}
}
END_TEST

START_TEST(test_pins_print_as_base64)
{
	struct dst_config *cfg = parse_ok("[upstream p]\naddress = 192.0.2.1\n"
					  "pin-sha256 = " PIN_A "\npin-sha256 = " PIN_B "\n");
	char *text = print(cfg);

	ck_assert(has_line(text, "pin-sha256 = " PIN_A, "  # " FILE_NAME ":3"));
	ck_assert(has_line(text, "pin-sha256 = " PIN_B, "  # " FILE_NAME ":4"));
	ck_assert(has_line(text, "# tls-name = (not set", "  # default"));
	free(text);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_allow_and_deny_keep_their_order)
{
	struct dst_config *cfg = parse_ok("[server]\ndeny = 10.1.0.0/16\nallow = 10.0.0.0/8\n"
					  "deny = ::/0\n" UP);
	char *text = print(cfg);
	const char *d1 = strstr(text, "deny = 10.1.0.0/16 "),
		   *a = strstr(text, "allow = 10.0.0.0/8 "), *d2 = strstr(text, "deny = ::/0 ");

	ck_assert(d1 && a && d2 && d1 < a && a < d2);
	ck_assert_ptr_null(strstr(text, "# allow = (none"));
	ck_assert_ptr_null(strstr(text, "# deny = (none"));
	assert_round_trip(cfg);
	free(text);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_round_trip_of_the_defaults)
{
	struct dst_config *cfg = NULL;

	ck_assert_int_eq(dst_config_default(&cfg), 0);
	assert_round_trip(cfg);
	dst_config_free(cfg);
}
END_TEST

START_TEST(test_round_trip_of_every_key)
{
	struct dst_config *cfg = parse_ok(every_key);
	char *text = print(cfg);

	/* Nothing left at its default but what [upstream named] leaves out. */
	ck_assert(has_line(text, "tls-name = dns.example ", "  # " FILE_NAME ":39"));
	ck_assert(has_line(text, "allow = 192.168.0.0/16 ", "  # " FILE_NAME ":4"));
	ck_assert(has_line(text, "metrics = [::1]:9153 ", "  # " FILE_NAME ":19"));
	ck_assert(has_line(text, "host = dot.example:8853 ", "  # " FILE_NAME ":47"));
	assert_round_trip(cfg);
	free(text);
	dst_config_free(cfg);
}
END_TEST

TCase *config_tcase_effective_config(void)
{
	TCase *tc = tcase("effective configuration");

	tcase_add_test(tc, test_defaults_print_every_key_as_default);
	tcase_add_test(tc, test_file_keys_carry_file_and_line);
	tcase_add_test(tc, test_default_listeners_of_a_file_are_default);
	tcase_add_test(tc, test_numbers_print_in_units_that_parse_back);
	tcase_add_test(tc, test_pins_print_as_base64);
	tcase_add_test(tc, test_allow_and_deny_keep_their_order);
	tcase_add_test(tc, test_round_trip_of_the_defaults);
	tcase_add_test(tc, test_round_trip_of_every_key);
	return tc;
}
