# policy/: what a name gets before the cache and the upstreams (the zone
# table, ...): pure tables, built beside the running ones and swapped.
noinst_LIBRARIES += %reldir%/libdst_policy.a
%canon_reldir%_libdst_policy_a_SOURCES = %reldir%/zones.c %reldir%/zones.h
