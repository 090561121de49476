# policy/: what a name gets before the cache and the upstreams: the zone
# table, the blocklists (issue 14), ...: pure tables, built beside the
# running ones and swapped. No libuv, no sockets; the blocklist loader reads
# the list files. Uses dns/, config/ and base/.
noinst_LIBRARIES += %reldir%/libdst_policy.a
%canon_reldir%_libdst_policy_a_SOURCES = %reldir%/zones.c %reldir%/zones.h \
	%reldir%/blocklist.c %reldir%/blocklist.h %reldir%/internal.h \
	%reldir%/hosts.c %reldir%/hosts.h %reldir%/policy.c %reldir%/policy.h
