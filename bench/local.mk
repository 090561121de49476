# bench/: side-by-side benchmarks (see bench/README.md). Only the bare UDP
# responder is built by make; the rest are scripts run by hand.
noinst_PROGRAMS += %reldir%/floor
%canon_reldir%_floor_SOURCES = %reldir%/floor.c
# The blocklist's load time, memory and lookups (blocklist.sh runs it).
noinst_PROGRAMS += %reldir%/blocklist
%canon_reldir%_blocklist_SOURCES = %reldir%/blocklist.c
%canon_reldir%_blocklist_LDADD = resolver/policy/libdst_policy.a dns/libdst_dns.a
EXTRA_DIST += %reldir%/README.md %reldir%/RESULTS.md %reldir%/run.sh \
	%reldir%/callgrind.sh %reldir%/lib.sh %reldir%/benchutil.py \
	%reldir%/install-tools.sh %reldir%/failover.sh %reldir%/failover_load.py \
	%reldir%/memory.sh %reldir%/floor-epoll.sh %reldir%/restart.sh %reldir%/blocklist.sh
EXTRA_DIST += %reldir%/dnssec-mem.sh %reldir%/dnssec-mem/mem.c %reldir%/dnssec.sh
