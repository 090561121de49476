# Unit suites: one check program per module, each linked with its module only.
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_dns tests/unit/check_config tests/unit/check_cache \
	tests/unit/check_frame tests/unit/check_acl
TESTS += tests/unit/check_dns tests/unit/check_config tests/unit/check_cache \
	tests/unit/check_frame tests/unit/check_acl
check_PROGRAMS += tests/unit/check_upstream tests/unit/check_udpbatch tests/unit/check_query
TESTS += tests/unit/check_upstream tests/unit/check_udpbatch tests/unit/check_query
check_PROGRAMS += tests/unit/check_pool tests/unit/check_stubby
TESTS += tests/unit/check_pool tests/unit/check_stubby
check_PROGRAMS += tests/unit/check_tls_clock
TESTS += tests/unit/check_tls_clock
check_PROGRAMS += tests/unit/check_policy
TESTS += tests/unit/check_policy
check_PROGRAMS += tests/unit/check_state
TESTS += tests/unit/check_state
check_PROGRAMS += tests/unit/check_blocklist
TESTS += tests/unit/check_blocklist
if DNSSEC
check_PROGRAMS += tests/unit/check_validate
TESTS += tests/unit/check_validate
endif
check_PROGRAMS += tests/unit/check_dnsclient
TESTS += tests/unit/check_dnsclient
check_PROGRAMS += tests/unit/check_trust
TESTS += tests/unit/check_trust
endif
UNIT_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)

tests_unit_check_dns_SOURCES = tests/unit/check_dns.c tests/unit/dns_test_util.h \
	tests/unit/check_dns_query.c tests/unit/check_dns_answer.c tests/unit/check_dns_finish.c \
	tests/unit/check_dns_hostile.c tests/unit/check_dns_misc.c tests/unit/check_dns_strip.c
tests_unit_check_dns_CFLAGS = $(UNIT_CFLAGS) $(LDNS_CFLAGS)
tests_unit_check_dns_LDADD = dns/libdst_dns.a $(CHECK_LIBS) $(LDNS_LIBS)

tests_unit_check_config_SOURCES = tests/unit/check_config.c tests/unit/config_test_util.h \
	tests/unit/check_config_syntax.c tests/unit/check_config_values.c \
	tests/unit/check_config_server.c tests/unit/check_config_upstream.c \
	tests/unit/check_config_base64.c tests/unit/check_config_print.c \
	tests/unit/check_config_zones.c \
	tests/unit/check_config_policy.c tests/unit/check_config_dnssec.c
tests_unit_check_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_config_LDADD = config/libdst_config.a dns/libdst_dns.a $(CHECK_LIBS)

# resolver/trust.c on its own: config/ and, with the validator, validate/ and ldns.
tests_unit_check_trust_SOURCES = tests/unit/check_trust.c resolver/trust.c resolver/trust.h
tests_unit_check_trust_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_trust_LDADD = $(DST_VALIDATE_PART) config/libdst_config.a dns/libdst_dns.a \
	$(CHECK_LIBS)
if DNSSEC
tests_unit_check_trust_LDADD += $(LDNS_LIBS)
endif

tests_unit_check_cache_SOURCES = tests/unit/check_cache.c tests/unit/cache_test_util.h \
	tests/unit/check_cache_core.c tests/unit/check_cache_policy.c \
	tests/unit/check_cache_threads.c tests/unit/check_cache_ring.c \
	tests/unit/check_cache_persist.c
tests_unit_check_cache_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_cache_LDADD = cache/libdst_cache.a dns/libdst_dns.a $(CHECK_LIBS)

tests_unit_check_frame_SOURCES = tests/unit/check_frame.c
tests_unit_check_frame_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_frame_LDADD = tls/libdst_tls.a dns/libdst_dns.a $(CHECK_LIBS) $(GNUTLS_LIBS) $(LIBUV_LIBS)

tests_unit_check_acl_SOURCES = tests/unit/check_acl.c
tests_unit_check_acl_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_acl_LDADD = resolver/listen/libdst_acl.a dns/libdst_dns.a $(CHECK_LIBS)

tests_unit_check_policy_SOURCES = tests/unit/check_policy.c
tests_unit_check_policy_CFLAGS = $(UNIT_CFLAGS) $(LDNS_CFLAGS)
tests_unit_check_policy_LDADD = resolver/policy/libdst_policy.a dns/libdst_dns.a $(CHECK_LIBS) \
	$(LDNS_LIBS)
# The DNSSEC validator alone, with ldns; tests/dnssec/make-zones.sh builds
# its signed zones at start (exit 77 without ldnsutils).
tests_unit_check_validate_SOURCES = tests/unit/check_validate.c
tests_unit_check_validate_CFLAGS = $(UNIT_CFLAGS) $(LDNS_CFLAGS) $(GNUTLS_CFLAGS)
tests_unit_check_validate_LDADD = resolver/validate/libdst_validate.a dns/libdst_dns.a \
	$(CHECK_LIBS) $(LDNS_LIBS) $(GNUTLS_LIBS)
EXTRA_DIST += tests/dnssec/make-zones.sh


tests_unit_check_dnsclient_SOURCES = tests/unit/check_dnsclient.c tests/unit/dns_test_util.h
tests_unit_check_dnsclient_CFLAGS = $(UNIT_CFLAGS) $(LIBUV_CFLAGS) $(LDNS_CFLAGS)
tests_unit_check_dnsclient_LDADD = resolver/io/libdst_io.a resolver/base/libdst_base.a \
	dns/libdst_dns.a $(CHECK_LIBS) $(LIBUV_LIBS) $(LDNS_LIBS)
# routes.c is compiled in (pure: the zone table and masks) rather than taken from
# libdst_upstream.a, which would bring the TLS pools and libuv; its header needs their flags.
tests_unit_check_upstream_SOURCES = tests/unit/check_upstream.c resolver/upstream/routes.c
tests_unit_check_upstream_CFLAGS = $(UNIT_CFLAGS) $(LIBUV_CFLAGS) $(GNUTLS_CFLAGS)
tests_unit_check_upstream_LDADD = resolver/upstream/libdst_select.a resolver/policy/libdst_policy.a \
	config/libdst_config.a dns/libdst_dns.a $(CHECK_LIBS)

tests_unit_check_udpbatch_SOURCES = tests/unit/check_udpbatch.c
tests_unit_check_udpbatch_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_udpbatch_LDADD = resolver/io/libdst_udpbatch.a $(CHECK_LIBS)

# The query engine alone: upstream/ is replaced by fakes in the test itself,
# so only query/, the policy, the cache, config and the wire helpers are linked.
tests_unit_check_query_SOURCES = tests/unit/check_query.c tests/unit/check_query_dnssec.c \
	tests/unit/query_fake.c tests/unit/query_test_util.h tests/unit/dns_test_util.h
tests_unit_check_query_CFLAGS = $(UNIT_CFLAGS) $(LIBUV_CFLAGS) $(LDNS_CFLAGS)
tests_unit_check_query_LDADD = resolver/query/libdst_query.a $(DST_VALIDATE_PART) \
	resolver/policy/libdst_policy.a resolver/base/libdst_base.a \
	cache/libdst_cache.a config/libdst_config.a dns/libdst_dns.a \
	$(CHECK_LIBS) $(LIBUV_LIBS) $(LDNS_LIBS) $(GNUTLS_LIBS)

# The tls pool alone: conn.c, trust.c and the GnuTLS calls pool.c makes are
# fakes in the test, so the archive gives only pool.o and GnuTLS is not linked.
tests_unit_check_pool_SOURCES = tests/unit/check_pool.c tests/unit/pool_test_util.h \
	tests/unit/check_pool_match.c tests/unit/check_pool_loss.c
tests_unit_check_pool_CFLAGS = $(UNIT_CFLAGS) $(GNUTLS_CFLAGS) $(LIBUV_CFLAGS)
tests_unit_check_pool_LDADD = tls/libdst_tls.a dns/libdst_dns.a $(CHECK_LIBS) $(LIBUV_LIBS)

# tls/clock alone: the floor and the decision are pure (GnuTLS's header only).
tests_unit_check_tls_clock_SOURCES = tests/unit/check_tls_clock.c
tests_unit_check_tls_clock_CFLAGS = $(UNIT_CFLAGS) $(GNUTLS_CFLAGS)
tests_unit_check_tls_clock_LDADD = tls/libdst_tls.a $(CHECK_LIBS)

# "dotstub import-stubby" alone: its archive, base/ (the text buffer),
# config/ (which checks each converted value) and libyaml.
tests_unit_check_stubby_SOURCES = tests/unit/check_stubby.c
tests_unit_check_stubby_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_stubby_LDADD = resolver/cli/libdst_stubby.a resolver/base/libdst_base.a \
	config/libdst_config.a dns/libdst_dns.a $(CHECK_LIBS) $(YAML_LIBS)

# The persisted state's container (io/state.c, its own archive), the
# upstreams' records (the pure selection archive) and a whole file with
# the cache's entries.
tests_unit_check_state_SOURCES = tests/unit/check_state.c
tests_unit_check_state_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_state_LDADD = resolver/io/libdst_state.a resolver/upstream/libdst_select.a \
	cache/libdst_cache.a dns/libdst_dns.a $(CHECK_LIBS)

# The blocklist alone: policy/ and the wire helpers (whose text-to-wire
# function builds the query names the tests look up).
tests_unit_check_blocklist_SOURCES = tests/unit/check_blocklist.c
tests_unit_check_blocklist_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_blocklist_LDADD = resolver/policy/libdst_policy.a dns/libdst_dns.a $(CHECK_LIBS)

include tests/integration/local.mk
include tests/tools/local.mk
include tests/packaging/local.mk

# Architecture: no include cycle between the product folders (each folder,
# resolver/'s subfolders included, is one node). Runs in every make check.
dist_check_SCRIPTS += tests/arch/check-deps.py tests/arch/check-format.sh
TESTS += tests/arch/check-deps.py tests/arch/check-format.sh
TEST_EXTENSIONS += .py
PY_LOG_COMPILER = python3

# Soak test: run by hand or by .ci/run (short), not by make check.
EXTRA_DIST += tests/soak/soak.sh tests/soak/workload.py tests/soak/.shellcheckrc
