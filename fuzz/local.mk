# fuzz/: fuzz targets for everything that parses bytes (docs/fuzzing.md).
#
# Each target fuzz/fuzz_NAME.c defines LLVMFuzzerTestOneInput and is built
# two ways:
# - make check builds fuzz/replay_NAME (target + replay.c, configured
#   compiler and flags, so also under --enable-sanitizers) and replay.sh
#   runs it over fuzz/corpus/NAME and fuzz/regress/NAME;
# - make fuzz builds fuzz/fuzz_NAME with $(FUZZ_CC) and libFuzzer, from the
#   module sources themselves: the module libraries were built without
#   coverage instrumentation. make fuzz-run runs each for $(FUZZ_SECONDS)
#   on a copy of its corpus under fuzz/work/ in the build tree.

# --- replay programs (make check) ------------------------------------------

check_PROGRAMS += %reldir%/replay_query %reldir%/replay_answer %reldir%/replay_frame \
	%reldir%/replay_config %reldir%/replay_state %reldir%/replay_dnsclient
check_PROGRAMS += %reldir%/replay_blocklist
check_PROGRAMS += %reldir%/replay_hosts
dist_check_SCRIPTS += %reldir%/replay.sh
TESTS += %reldir%/replay.sh
EXTRA_DIST += %reldir%/corpus %reldir%/regress %reldir%/dict %reldir%/make-seeds.py

FUZZ_COMMON = %reldir%/fuzz.h %reldir%/replay.c
FUZZ_ORACLE = %reldir%/oracle.c %reldir%/oracle.h

%canon_reldir%_replay_query_SOURCES = %reldir%/fuzz_query.c $(FUZZ_ORACLE) $(FUZZ_COMMON)
%canon_reldir%_replay_query_CFLAGS = $(AM_CFLAGS) $(LDNS_CFLAGS)
%canon_reldir%_replay_query_LDADD = cache/libdst_cache.a dns/libdst_dns.a $(LDNS_LIBS)

%canon_reldir%_replay_answer_SOURCES = %reldir%/fuzz_answer.c $(FUZZ_ORACLE) $(FUZZ_COMMON)
%canon_reldir%_replay_answer_CFLAGS = $(AM_CFLAGS) $(LDNS_CFLAGS)
%canon_reldir%_replay_answer_LDADD = cache/libdst_cache.a dns/libdst_dns.a $(LDNS_LIBS)

# frame.c is compiled in rather than taken from libdst_tls.a, which would
# drag in GnuTLS and libuv for nothing.
%canon_reldir%_replay_frame_SOURCES = %reldir%/fuzz_frame.c $(FUZZ_COMMON) tls/frame.c tls/frame.h
%canon_reldir%_replay_frame_CFLAGS = $(AM_CFLAGS)

# The DNSSEC validator: only with it (not under --disable-dnssec).
if DNSSEC
check_PROGRAMS += %reldir%/replay_validate
%canon_reldir%_replay_validate_SOURCES = %reldir%/fuzz_validate.c %reldir%/validate_zone.h \
	$(FUZZ_COMMON)
%canon_reldir%_replay_validate_CFLAGS = $(AM_CFLAGS) $(LDNS_CFLAGS)
%canon_reldir%_replay_validate_LDADD = resolver/validate/libdst_validate.a dns/libdst_dns.a $(LDNS_LIBS) \
	$(GNUTLS_LIBS)
endif
EXTRA_DIST += %reldir%/make-validate-seeds.c
# The plain DNS client's reply matching and UDP query form (libuv only for its I/O half).
%canon_reldir%_replay_dnsclient_SOURCES = %reldir%/fuzz_dnsclient.c $(FUZZ_COMMON)
%canon_reldir%_replay_dnsclient_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS)
%canon_reldir%_replay_dnsclient_LDADD = resolver/io/libdst_io.a resolver/base/libdst_base.a \
	dns/libdst_dns.a $(LIBUV_LIBS)

%canon_reldir%_replay_config_SOURCES = %reldir%/fuzz_config.c $(FUZZ_COMMON)
%canon_reldir%_replay_config_CFLAGS = $(AM_CFLAGS) $(GNUTLS_CFLAGS)
%canon_reldir%_replay_config_LDADD = config/libdst_config.a dns/libdst_dns.a $(GNUTLS_LIBS)

%canon_reldir%_replay_state_SOURCES = %reldir%/fuzz_state.c $(FUZZ_COMMON)
%canon_reldir%_replay_state_CFLAGS = $(AM_CFLAGS)
%canon_reldir%_replay_state_LDADD = resolver/io/libdst_state.a resolver/upstream/libdst_select.a \
	cache/libdst_cache.a dns/libdst_dns.a

%canon_reldir%_replay_blocklist_SOURCES = %reldir%/fuzz_blocklist.c $(FUZZ_COMMON)
%canon_reldir%_replay_blocklist_LDADD = resolver/policy/libdst_policy.a

%canon_reldir%_replay_hosts_SOURCES = %reldir%/fuzz_hosts.c $(FUZZ_COMMON)
%canon_reldir%_replay_hosts_CFLAGS = $(AM_CFLAGS)
%canon_reldir%_replay_hosts_LDADD = resolver/policy/libdst_policy.a dns/libdst_dns.a

# --- libFuzzer builds (make fuzz, make fuzz-run) ---------------------------
#
# Override on the command line: make fuzz FUZZ_CC=clang-17,
# make fuzz-run FUZZ_SECONDS=600 FUZZ_TARGETS="answer frame" FUZZ_ARGS=-jobs=2

FUZZ_CC = clang
FUZZ_FLAGS = -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all
FUZZ_SECONDS = 60
FUZZ_TARGETS = query answer frame config state dnsclient blocklist hosts
FUZZ_ARGS =
FUZZ_BINS = %reldir%/fuzz_query %reldir%/fuzz_answer %reldir%/fuzz_frame %reldir%/fuzz_config \
	%reldir%/fuzz_state %reldir%/fuzz_dnsclient
FUZZ_BINS += %reldir%/fuzz_blocklist
FUZZ_BINS += %reldir%/fuzz_hosts
FUZZ_LINK = $(FUZZ_CC) $(FUZZ_FLAGS) -I$(top_srcdir) -I$(top_builddir) -o $@
# A module's sources are taken from its library's _SOURCES, so a file added
# to a module is fuzzed too. FUZZ_C prints the .c files among $$srcs.
FUZZ_C = for f in $$srcs; do case $$f in *.c) printf '%s ' "$(srcdir)/$$f";; esac; done
FUZZ_DNS = $(dns_libdst_dns_a_SOURCES)
FUZZ_QUERY = %reldir%/fuzz_query.c $(FUZZ_ORACLE) %reldir%/fuzz.h \
	$(cache_libdst_cache_a_SOURCES) $(FUZZ_DNS)
FUZZ_ANSWER = %reldir%/fuzz_answer.c $(FUZZ_ORACLE) %reldir%/fuzz.h \
	$(cache_libdst_cache_a_SOURCES) $(FUZZ_DNS)
FUZZ_FRAME = %reldir%/fuzz_frame.c %reldir%/fuzz.h tls/frame.c tls/frame.h dns/err.h
FUZZ_DNSCLIENT = %reldir%/fuzz_dnsclient.c %reldir%/fuzz.h resolver/io/dnsclient.c \
	resolver/base/addr.c resolver/base/log.c $(FUZZ_DNS)
FUZZ_CONFIG = %reldir%/fuzz_config.c %reldir%/fuzz.h $(config_libdst_config_a_SOURCES) $(FUZZ_DNS)
FUZZ_STATE = %reldir%/fuzz_state.c %reldir%/fuzz.h $(resolver_io_libdst_state_a_SOURCES) \
	$(resolver_upstream_libdst_select_a_SOURCES) $(cache_libdst_cache_a_SOURCES) $(FUZZ_DNS)
FUZZ_BLOCKLIST = %reldir%/fuzz_blocklist.c %reldir%/fuzz.h $(resolver_policy_libdst_policy_a_SOURCES) \
	dns/err.h
FUZZ_VALIDATE = %reldir%/fuzz_validate.c %reldir%/fuzz.h %reldir%/validate_zone.h \
	$(resolver_validate_libdst_validate_a_SOURCES) $(FUZZ_DNS)
if DNSSEC
FUZZ_TARGETS += validate
FUZZ_BINS += %reldir%/fuzz_validate
endif

CLEANFILES += $(FUZZ_BINS)

.PHONY: fuzz fuzz-run fuzz-clean
fuzz: $(FUZZ_BINS)

%reldir%/fuzz_query: $(FUZZ_QUERY)
	@$(MKDIR_P) %reldir%
	$(AM_V_CCLD)srcs='$(FUZZ_QUERY)'; $(FUZZ_LINK) $(LDNS_CFLAGS) `$(FUZZ_C)` $(LDNS_LIBS)

%reldir%/fuzz_answer: $(FUZZ_ANSWER)
	@$(MKDIR_P) %reldir%
	$(AM_V_CCLD)srcs='$(FUZZ_ANSWER)'; $(FUZZ_LINK) $(LDNS_CFLAGS) `$(FUZZ_C)` $(LDNS_LIBS)

%reldir%/fuzz_frame: $(FUZZ_FRAME)
	@$(MKDIR_P) %reldir%
	$(AM_V_CCLD)srcs='$(FUZZ_FRAME)'; $(FUZZ_LINK) `$(FUZZ_C)`

%reldir%/fuzz_validate: $(FUZZ_VALIDATE)
	@$(MKDIR_P) %reldir%
	$(AM_V_CCLD)srcs='$(FUZZ_VALIDATE)'; $(FUZZ_LINK) $(LDNS_CFLAGS) $(GNUTLS_CFLAGS) \
		`$(FUZZ_C)` $(LDNS_LIBS) $(GNUTLS_LIBS)

%reldir%/fuzz_dnsclient: $(FUZZ_DNSCLIENT)
	@$(MKDIR_P) %reldir%
	$(AM_V_CCLD)srcs='$(FUZZ_DNSCLIENT)'; $(FUZZ_LINK) $(LIBUV_CFLAGS) `$(FUZZ_C)` $(LIBUV_LIBS)

%reldir%/fuzz_config: $(FUZZ_CONFIG)
	@$(MKDIR_P) %reldir%
	$(AM_V_CCLD)srcs='$(FUZZ_CONFIG)'; $(FUZZ_LINK) $(GNUTLS_CFLAGS) `$(FUZZ_C)` $(GNUTLS_LIBS)

%reldir%/fuzz_state: $(FUZZ_STATE)
	@$(MKDIR_P) %reldir%
	$(AM_V_CCLD)srcs='$(FUZZ_STATE)'; $(FUZZ_LINK) `$(FUZZ_C)`

%reldir%/fuzz_blocklist: $(FUZZ_BLOCKLIST)
	@$(MKDIR_P) %reldir%
	$(AM_V_CCLD)srcs='$(FUZZ_BLOCKLIST)'; $(FUZZ_LINK) `$(FUZZ_C)`

FUZZ_HOSTS = %reldir%/fuzz_hosts.c %reldir%/fuzz.h $(resolver_policy_libdst_policy_a_SOURCES) \
	$(FUZZ_DNS)
%reldir%/fuzz_hosts: $(FUZZ_HOSTS)
	@$(MKDIR_P) %reldir%
	$(AM_V_CCLD)srcs='$(FUZZ_HOSTS)'; $(FUZZ_LINK) `$(FUZZ_C)`

# Each target runs on fuzz/work/NAME/corpus (the seeds copied in, and
# whatever earlier runs found), with fuzz/regress/NAME as a second, read-only
# corpus; crashes land in fuzz/work/NAME/. The log is fuzz/work/NAME/log.
fuzz-run: fuzz
	@fail=0; \
	for t in $(FUZZ_TARGETS); do \
	  work=%reldir%/work/$$t; \
	  $(MKDIR_P) "$$work/corpus" || exit 1; \
	  cp -f $(srcdir)/%reldir%/corpus/$$t/* "$$work/corpus/" || exit 1; \
	  dict=; \
	  if test -f $(srcdir)/%reldir%/dict/$$t.dict; then \
	    dict=-dict=$(srcdir)/%reldir%/dict/$$t.dict; \
	  fi; \
	  echo "fuzz-run: $$t for $(FUZZ_SECONDS)s, log in $$work/log"; \
	  if ./%reldir%/fuzz_$$t $$dict -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	       -print_final_stats=1 -artifact_prefix="$$work/" $(FUZZ_ARGS) \
	       "$$work/corpus" $(srcdir)/%reldir%/regress/$$t >"$$work/log" 2>&1; then \
	    grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE)' "$$work/log" | tail -n 1; \
	    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$$work/log"; \
	  else \
	    fail=1; tail -n 40 "$$work/log"; \
	    echo "fuzz-run: $$t FAILED; the input is in $$work/ (crash-*, leak-*, timeout-*)"; \
	  fi; \
	done; \
	exit $$fail

fuzz-clean:
	rm -rf %reldir%/work

# A rule without a recipe, so other fragments can hang their own cleaning
# on clean-local the same way.
clean-local: fuzz-clean
