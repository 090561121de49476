# Integration tests: shell scripts that start an unbound DoT upstream and
# dotstub on loopback and query it with kdig and dnsprobe.py. See lib.sh.
#
# The scripts run with bash (so they need no exec bit) and find lib.sh and
# dnsprobe.py next to themselves, in the source tree; they write only to
# mktemp directories, so they work from a read-only srcdir (distcheck).
# One by hand, from anywhere:
#   DOTSTUB=BUILDDIR/dotstub tests/integration/it_truncation.sh
# or through make: make check TESTS=tests/integration/it_truncation.sh
IT_TEST_LIST = \
	%reldir%/it_config_check.sh \
	%reldir%/it_local_answers.sh \
	%reldir%/it_blocklist.sh \
	%reldir%/it_answer_and_cache.sh \
	%reldir%/it_tcp_pipelining.sh \
	%reldir%/it_truncation.sh \
	%reldir%/it_malformed_queries.sh \
	%reldir%/it_pin_mismatch.sh \
	%reldir%/it_wrong_tls_name.sh \
	%reldir%/it_trust_store_missing.sh \
	%reldir%/it_failover_dead_upstream.sh \
	%reldir%/it_clean_shutdown.sh \
	%reldir%/it_access_control.sh \
	%reldir%/it_limits.sh \
	%reldir%/it_privilege_drop.sh \
	%reldir%/it_pool_padding.sh \
	%reldir%/it_pool_keepalive.sh \
	%reldir%/it_pool_idle_resumption.sh \
	%reldir%/it_state.sh \
	%reldir%/it_pool_pipelining.sh \
	%reldir%/it_pool_out_of_order.sh \
	%reldir%/it_pool_connection_loss.sh \
	%reldir%/it_pool_silent_death.sh \
	%reldir%/it_upstream_servfail_failover.sh \
	%reldir%/it_upstream_stall_failover.sh \
	%reldir%/it_upstream_failback.sh \
	%reldir%/it_upstream_strategy.sh \
	%reldir%/it_upstream_ede.sh \
	%reldir%/it_network_change.sh \
	%reldir%/it_bootstrap.sh \
	%reldir%/it_reload.sh \
	%reldir%/it_control.sh \
	%reldir%/it_zones.sh \
	%reldir%/it_nm_dispatcher.sh \
	%reldir%/it_metrics.sh \
	%reldir%/it_pin_tool.sh \
	%reldir%/it_import_stubby.sh \
	%reldir%/it_shutdown_drain.sh \
	%reldir%/it_packaging.sh \
	%reldir%/it_cache_policy.sh \
	%reldir%/it_ecs.sh \
	%reldir%/it_threads.sh \
	%reldir%/it_threads_load.sh
IT_TEST_LIST += %reldir%/it_clock_wrong.sh
IT_TEST_LIST += %reldir%/it_dnssec.sh
dist_check_SCRIPTS += $(IT_TEST_LIST)
TESTS += $(IT_TEST_LIST)
EXTRA_DIST += %reldir%/lib.sh %reldir%/dnsprobe.py %reldir%/testup.sh
EXTRA_DIST += %reldir%/ops.sh %reldir%/opstool.py

TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = bash

# AM_TESTS_ENVIRONMENT is defined for the whole suite here, once (automake
# wants a single definition): extend this one. Every test sees where the
# build is; DOTSTUB may be overridden from the environment (e.g. to test an
# installed binary); IT_WRAPPER, IT_KEEP and CI pass through (see lib.sh).
AM_TESTS_ENVIRONMENT = \
	abs_top_builddir='$(abs_top_builddir)'; export abs_top_builddir; \
	abs_top_srcdir='$(abs_top_srcdir)'; export abs_top_srcdir; \
	PACKAGE_VERSION='$(PACKAGE_VERSION)'; export PACKAGE_VERSION; \
	DOTSTUB="$${DOTSTUB:-$(abs_top_builddir)/dotstub$(EXEEXT)}"; export DOTSTUB;
